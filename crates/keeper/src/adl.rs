//! Unsettled PnL and auto-deleveraging each tick, planned with the
//! program's own code (`Sim::settle_pnl`, `Sim::auto_deleverage`,
//! `Sim::adl_state`: `engine::settle` and `engine::adl` on copies).
//!
//! - **Settlement**: every account of the shard owed unsettled PnL whose
//!   `settle_pnl` the program would accept now (it nets a deficit or pays a
//!   share of the pool's cash), by key; each simulated on the pool as the
//!   ones before it left it, so the amounts are those the program pays.
//! - **Auto-deleveraging**: while the venue is triggered, every position of
//!   the shard the program would deleverage now, ranked once by
//!   `ballast_risk::pnl::adl_rank` (return times the account's leverage,
//!   equity from `account_health`), highest first, ties by account key and
//!   market; then, in that order, each re-simulated on the copies the
//!   calls before it wrote, until the program would say the venue is no
//!   longer triggered or `accounts_per_tick` calls are planned. A
//!   candidate the re-simulation refuses (no longer at its side's average,
//!   its throttle window full, too small a close) is skipped.

use crate::config::Config;
use crate::scan::Venue;
use anchor_lang::prelude::Pubkey;
use ballast_client::engine as ix;
use ballast_client::simulate::{AdlState, Refusal, Sim};
use margin_engine::engine::adl::{rank, value_at};
use margin_engine::state::MarginAccount;
use solana_sdk::instruction::Instruction;
use std::collections::HashMap;
use tracing::debug;

/// One `settle_pnl`, simulated.
#[derive(Clone, Debug)]
pub struct PlannedSettlement {
    /// The margin account.
    pub account: Pubkey,
    /// Set against the account's deficit. precision: QUOTE_PRECISION.
    pub netted: u64,
    /// Paid from the pool into its collateral. precision: QUOTE_PRECISION.
    pub paid: u64,
    /// Still unsettled after. precision: QUOTE_PRECISION.
    pub left: u64,
    /// The `settle_pnl` instruction.
    pub call: Instruction,
}

/// One `auto_deleverage`, simulated.
#[derive(Clone, Debug)]
pub struct PlannedAdl {
    /// The margin account.
    pub account: Pubkey,
    /// The market of the position.
    pub market: u16,
    /// Its rank when the queue was ordered (`adl_rank`).
    pub rank: u128,
    /// Signed base closed.
    pub base: i64,
    /// Closed notional. precision: QUOTE_PRECISION.
    pub notional: u64,
    /// Profit realised. precision: QUOTE_PRECISION.
    pub realized_pnl: i64,
    /// The `auto_deleverage` instruction (every market's `(market, feed)`
    /// as remaining accounts).
    pub call: Instruction,
}

/// What the tick's settlement and auto-deleveraging should do.
#[derive(Clone, Debug, Default)]
pub struct PnlPlan {
    /// `settle_pnl` calls, by account key.
    pub settlements: Vec<PlannedSettlement>,
    /// Accounts of the shard owed unsettled PnL whose `settle_pnl` the
    /// program would refuse now (no cash to share), left for a later tick.
    pub unpaid: usize,
    /// The venue's auto-deleveraging state before the calls (`None`: a
    /// feed the program cannot read).
    pub adl_before: Option<AdlState>,
    /// After the planned calls, as simulated.
    pub adl_after: Option<AdlState>,
    /// `auto_deleverage` calls, in the order to send them.
    pub adl: Vec<PlannedAdl>,
}

/// Plan the tick's `settle_pnl` and `auto_deleverage` calls over
/// `accounts` (this keeper's shard of them) on `venue`.
pub fn plan_pnl(venue: &Venue, accounts: &[(Pubkey, MarginAccount)], config: &Config) -> PnlPlan {
    let mut v = venue.clone();
    let mut mine: Vec<(Pubkey, MarginAccount)> =
        accounts.iter().filter(|(k, _)| config.shard.owns(k)).copied().collect();
    mine.sort_by_key(|(k, _)| *k);
    let keys = venue.keys();
    let mut out = PnlPlan::default();

    for (key, acc) in mine.iter_mut().filter(|(_, a)| a.unsettled_pnl > 0) {
        let done = Sim::new(&v).settle_pnl(acc);
        match done {
            // A payment too small to be worth a transaction waits for a
            // bigger share (unless it settles the claim whole or nets it).
            Ok(s) if s.settled.netted == 0 && s.settled.left > 0 && s.settled.paid < config.min_settlement => {
                out.unpaid += 1;
            }
            Ok(s) => {
                s.apply_to(&mut v);
                *acc = s.account;
                out.settlements.push(PlannedSettlement {
                    account: *key,
                    netted: s.settled.netted,
                    paid: s.settled.paid,
                    left: s.settled.left,
                    call: ix::settle_pnl(*key, &keys),
                });
            }
            Err(e) => {
                debug!(account = %key, owed = acc.unsettled_pnl, error = %e, "settle_pnl would be refused");
                out.unpaid += 1;
            }
        }
    }

    let state = Sim::new(&v).adl_state();
    out.adl_before = state.as_ref().ok().copied();
    match state {
        Ok(s) if s.triggered => {}
        Ok(_) => {
            out.adl_after = out.adl_before;
            return out;
        }
        Err(e) => {
            debug!(error = %e, "auto-deleveraging state not computable");
            return out;
        }
    }
    let queue = ranked(&v, &mine);
    let markets: Vec<(Pubkey, Pubkey)> = v.markets.iter().map(|m| (m.key, m.market.feed)).collect();
    let mut current: HashMap<Pubkey, MarginAccount> = mine.into_iter().collect();
    for (rank, key, market) in queue {
        if out.adl.len() >= config.accounts_per_tick {
            break;
        }
        let Some(acc) = current.get_mut(&key) else { continue };
        let sim = Sim::new(&v);
        if !sim.adl_state().is_ok_and(|s| s.triggered) {
            break;
        }
        let done = sim.auto_deleverage(acc, market);
        match done {
            Ok(d) => {
                d.apply_to(&mut v);
                *acc = d.account;
                out.adl.push(PlannedAdl {
                    account: key,
                    market,
                    rank,
                    base: d.done.base,
                    notional: d.done.notional,
                    realized_pnl: d.done.realized_pnl,
                    call: ix::auto_deleverage(key, market, &keys, &markets),
                });
            }
            Err(e) => debug!(account = %key, market, error = %e, "auto_deleverage would be refused; next candidate"),
        }
    }
    out.adl_after = Sim::new(&v).adl_state().ok();
    out
}

/// Every position of `accounts` the program would deleverage now on
/// `venue`, as `(rank, account, market)`, highest rank first, ties by
/// account key then market.
fn ranked(venue: &Venue, accounts: &[(Pubkey, MarginAccount)]) -> Vec<(u128, Pubkey, u16)> {
    let sim = Sim::new(venue);
    let mut queue = Vec::new();
    for (key, acc) in accounts {
        for slot in acc.open_positions() {
            let Ok(d) = sim.auto_deleverage(acc, slot.market) else { continue };
            // The price the program values and fills the position at: the
            // oracle price (no better than the vesting anchor for a gain
            // within a recent jump's vesting window).
            let price = d.done.price;
            let rank = rank_of(&sim, acc, slot.position(), price).unwrap_or_else(|e| {
                debug!(account = %key, market = slot.market, error = %e, "rank not computable; ranked first");
                u128::MAX
            });
            queue.push((rank, *key, slot.market));
        }
    }
    queue.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    queue
}

/// The program's `engine::adl::rank` of `position` of `account` at
/// `price`, with the account's equity (`account_health`).
fn rank_of(
    sim: &Sim<'_>,
    account: &MarginAccount,
    position: ballast_risk::position::Position,
    price: i64,
) -> Result<u128, Refusal> {
    let pnl = value_at(position, price)?;
    Ok(rank(position, price, pnl, sim.health(account)?.equity)?)
}
