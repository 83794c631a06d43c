//! The lab's two adversaries, each with a 200,000-dollar deposit and a
//! maximal long sized by the preview's bisection (as an attacker would);
//! each one's PnL is what it withdrew less what it deposited.
//!
//! - **Thin market** (Mango 2022): at `adversary_at` of the run a maximal
//!   long, then ONE oracle source is spiked (`adversary_spike_bps` for
//!   `adversary_slots` slots, the `divergence` fault): each spiked slot it
//!   withdraws what the program releases and buys more against the spike;
//!   after it, it closes and withdraws.
//! - **Agreed pump**: at `pump_at` a maximal long, then EVERY source
//!   follows a price pushed up by `pump_bps` for `pump_slots` slots (by
//!   default past the feed's jump confirmation), then the price returns.
//!   It holds its long until the feed confirms the jump (or the last
//!   pushed slot), then withdraws what the program releases against the
//!   paper gain and closes at the top, each slot until the close lands;
//!   then each pushed slot it settles its own unsettled PnL (`settle_pnl`
//!   is permissionless), withdraws and borrows against the gain (a maximal
//!   long on what the gain counts for, and a withdrawal beside it); on the
//!   last pushed slot it closes that long, at the top. Afterwards, every
//!   ten slots and at the end of the run, it closes anything left, settles
//!   and withdraws. Unsettled PnL it is still owed at the end is reported
//!   apart, unpaid.

use crate::agents::{base_for, Trader};
use crate::lab::Lab;
use crate::scenario::Scenario;
use anyhow::Result;
use ballast_bank::setup::load;
use ballast_client::engine as ix;
use ballast_client::simulate::Sim;
use margin_engine::state::MarginAccount;
use solana_sdk::signature::Signer;

/// The adversaries' deposit, dollars.
pub const ADVERSARY_USD: u64 = 200_000;

/// Slots the agreed pump lasts beyond the feed's `jump_confirm_slots` by
/// default: time to act on a confirmed price.
pub const PUMP_MARGIN_SLOTS: u64 = 50;

/// The agreed pump's timing, in slot offsets from the start of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PumpPlan {
    /// The slot it opens its long; every source is pushed from the next.
    pub at: u64,
    /// Slots pushed: `at + 1 ..= at + slots`.
    pub slots: u64,
    /// The push, bps.
    pub bps: i64,
    /// Its first long is closed (by itself, or by the keeper).
    closed: bool,
}

impl PumpPlan {
    /// The plan of `s`, whose feed confirms a jump after
    /// `jump_confirm_slots` (`None` without the adversary).
    pub fn new(s: &Scenario, jump_confirm_slots: u64) -> Option<PumpPlan> {
        let slots = s.pump_slots.unwrap_or(jump_confirm_slots + PUMP_MARGIN_SLOTS);
        let at = ((s.slots as f64) * s.pump_at) as u64;
        s.pump.then_some(PumpPlan { at, slots, bps: s.pump_bps, closed: false })
    }

    /// The push as a publishers' window `(from, until, bps)` of absolute
    /// slots, the run starting at slot `s0`.
    pub fn window(&self, s0: u64) -> (u64, u64, i64) {
        (s0 + self.at + 1, s0 + self.at + 1 + self.slots, self.bps)
    }
}

impl Lab {
    /// The largest buy the program would accept from `t` now (the
    /// preview's bisection, as an attacker would size it).
    pub(crate) async fn max_buy(&mut self, t: &Trader, price: i64) -> Result<i64> {
        let (venue, acc) = self.view(t.margin).await?;
        let sim = Sim::new(&venue);
        let (mut ok, mut bad) = (0i64, base_for((ADVERSARY_USD * 100) as i64, price).max(2));
        while bad - ok > 1 {
            let mid = ok + (bad - ok) / 2;
            if sim.trade(&acc, 0, mid, i64::MAX, false).is_ok() {
                ok = mid;
            } else {
                bad = mid;
            }
        }
        Ok(ok)
    }

    /// Withdraw everything the program releases from `t`'s account,
    /// found by the program's own check on copies; counted in the flows.
    pub(crate) async fn withdraw_free(&mut self, t: &Trader) -> Result<u64> {
        let (venue, acc) = self.view(t.margin).await?;
        let free = Sim::new(&venue).max_withdraw(&acc);
        if free == 0 {
            return Ok(0);
        }
        let pairs = if acc.has_positions() { vec![(ix::market_address(0), self.feed)] } else { vec![] };
        let w = ix::withdraw(t.key.pubkey(), t.margin, t.token, self.keys(), free, &pairs);
        let key = t.key.insecure_clone();
        let got = if self.send(format!("withdraw {free}"), &[w], &key).await { free } else { 0 };
        self.totals.flows.withdrawn += got;
        Ok(got)
    }

    /// The thin-market adversary's move at `step` (it strikes at `at`).
    pub(crate) async fn spike_adversary(&mut self, s: &Scenario, step: u64, at: u64, oracle: i64) -> Result<()> {
        let Some(adv) = self.adversary.take() else { return Ok(()) };
        let key = adv.key.insecure_clone();
        if step == at {
            let size = self.max_buy(&adv, oracle).await?;
            let o = self.order(&adv, size, false);
            self.send("adversary opens a maximal long".into(), &[o], &key).await;
        } else if step > at && step <= at + s.adversary_slots {
            self.withdraw_free(&adv).await?;
            let size = self.max_buy(&adv, oracle).await?.max(1);
            let more = self.order(&adv, size, false);
            self.send("adversary borrows against the spike".into(), &[more], &key).await;
        } else if step == at + s.adversary_slots + 1 || step == s.slots {
            let base = self.base_of(&adv).await;
            if base != 0 {
                let o = self.order(&adv, -base, true);
                self.close("adversary closes", &[o], &key).await;
            }
            self.withdraw_free(&adv).await?;
        }
        self.adversary = Some(adv);
        Ok(())
    }

    /// The agreed-pump adversary's move at `step` of a run of `last` slots.
    pub(crate) async fn pump_adversary(
        &mut self,
        plan: &mut PumpPlan,
        step: u64,
        last: u64,
        oracle: i64,
    ) -> Result<()> {
        let Some(adv) = self.pump.take() else { return Ok(()) };
        let done = self.pump_step(&adv, plan, step, last, oracle).await;
        self.pump = Some(adv);
        done
    }

    async fn pump_step(&mut self, adv: &Trader, plan: &mut PumpPlan, step: u64, last: u64, price: i64) -> Result<()> {
        let key = adv.key.insecure_clone();
        let end = plan.at + plan.slots;
        if step == plan.at {
            let size = self.max_buy(adv, price).await?;
            let o = self.order(adv, size, false);
            self.send("pump adversary opens a maximal long".into(), &[o], &key).await;
            return Ok(());
        }
        let pushed = step > plan.at && step <= end;
        let after = step > end && ((step - end).is_multiple_of(10) || step == last);
        if !(pushed || after) {
            return Ok(());
        }
        if pushed && !plan.closed {
            // Hold until the feed confirms the jump (a close through an
            // unconfirmed jump realises no gain), then borrow against the
            // paper gain (withdraw with the long open) and close at the top.
            if step < end && !self.feed_valid().await? {
                return Ok(());
            }
            self.withdraw_free(adv).await?;
            let base = self.base_of(adv).await;
            plan.closed = base == 0 || {
                let o = self.order(adv, -base, true);
                self.close("pump adversary closes at the top", &[o], &key).await
            };
            if !plan.closed {
                return Ok(());
            }
        } else if step == end || after {
            let base = self.base_of(adv).await;
            if base != 0 {
                let o = self.order(adv, -base, true);
                self.close("pump adversary closes its long", &[o], &key).await;
            }
        }
        self.settle_own(adv).await;
        self.withdraw_free(adv).await?;
        if pushed && step < end {
            // Borrow against the gain: a maximal long on what it counts
            // for, and what that releases withdrawn.
            let size = self.max_buy(adv, price).await?;
            if size > 0 {
                let o = self.order(adv, size, false);
                self.send("pump adversary borrows against the gain".into(), &[o], &key).await;
                self.withdraw_free(adv).await?;
            }
        }
        Ok(())
    }

    /// Whether the market's feed is `Valid` after this slot's refresh.
    async fn feed_valid(&mut self) -> Result<bool> {
        let raw = self.tc.account(&self.feed).await.ok_or_else(|| anyhow::anyhow!("the market's feed is gone"))?;
        let feed = oracle_adapter::reader::decode_feed(&raw.data).map_err(|e| anyhow::anyhow!("feed: {e:?}"))?;
        Ok(feed.validity == ballast_risk::oracle::Validity::Valid as u8)
    }

    /// `settle_pnl` on `t`'s own account if it is owed unsettled PnL.
    async fn settle_own(&mut self, t: &Trader) {
        let acc: MarginAccount = load(&mut self.tc, &t.margin).await;
        if acc.unsettled_pnl > 0 {
            let settle = ix::settle_pnl(t.margin, self.keys());
            self.send_signed("settle own unsettled PnL".into(), &[settle], &[]).await;
        }
    }

    /// `t`'s market 0 position.
    pub(crate) async fn base_of(&mut self, t: &Trader) -> i64 {
        load::<MarginAccount>(&mut self.tc, &t.margin).await.position_in(0).base
    }
}
