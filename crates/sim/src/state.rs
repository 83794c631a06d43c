//! The chain as the lab reads it after every slot: the SECURITY.md
//! invariants over it, and the metrics it feeds into the report.

use crate::report::{SlotRow, Totals};
use crate::sample::{Sampled, ROW_CAP};
use anyhow::Result;
use ballast_bank::context::TestContext;
use ballast_bank::setup::{balance, load};
use ballast_client::engine::{self as ix, ExchangeKeys};
use ballast_client::venue::quote_markets;
use ballast_risk::oracle::{Action, Validity};
use margin_engine::engine::health::{account_health, MarketQuote, Now};
use margin_engine::engine::pool::value_legs;
use margin_engine::state::{Exchange, LpPosition, MarginAccount, Market, Pool};
use oracle_adapter::reader::{decode_feed, reading};
use solana_sdk::pubkey::Pubkey;
use std::collections::{BTreeMap, BTreeSet};

/// One read of everything the invariants and metrics need: the shared
/// invariant checker's snapshot (`State::check` checks every state
/// invariant). The lab's metrics follow market 0.
pub use ballast_client::invariants::Snapshot as State;

/// Read the state of `markets` (`(market, feed)` by index) at `t`/`slot`,
/// with every account in `accounts` and the vaults of `keys`. With
/// `since = Some((prev, touched))` a margin account is read again only if
/// it is in `touched` (the keys placed or named by a transaction since
/// `prev` was read: no other account can have changed) and taken from
/// `prev` otherwise; the exchange, pool, markets, feeds and vaults are
/// always read.
pub async fn read_state(
    tc: &mut TestContext,
    keys: &ExchangeKeys,
    markets: &[(Pubkey, Pubkey)],
    accounts: &[Pubkey],
    since: Option<(&State, &BTreeSet<Pubkey>)>,
    t: i64,
    slot: u64,
) -> Result<State> {
    let exchange: Exchange = load(tc, &ix::exchange_address()).await;
    let pool: Pool = load(tc, &ix::pool_address()).await;
    let (mut ms, mut feeds) = (Vec::with_capacity(markets.len()), Vec::with_capacity(markets.len()));
    for (market, feed) in markets {
        ms.push(load::<Market>(tc, market).await);
        let raw = tc.account(feed).await.ok_or_else(|| anyhow::anyhow!("feed {feed} missing"))?;
        feeds.push(decode_feed(&raw.data).map_err(|e| anyhow::anyhow!("feed: {e:?}"))?);
    }
    let mut accs = Vec::with_capacity(accounts.len());
    for (i, k) in accounts.iter().enumerate() {
        let kept = since
            .filter(|(_, touched)| !touched.contains(k))
            .and_then(|(prev, _)| prev.accounts.get(i).filter(|(key, _)| key == k));
        let account = match kept {
            Some((_, a)) => *a,
            None => load::<MarginAccount>(tc, k).await,
        };
        accs.push((*k, account));
    }
    let k = keys;
    let vault = [
        balance(tc, &k.collateral_vault).await,
        balance(tc, &k.insurance_vault).await,
        balance(tc, &k.pool_vault).await,
    ];
    Ok(State { exchange, pool, markets: ms, feeds, accounts: accs, lps: vec![], vault, now: (t, slot) })
}

/// Market 0 quoted at the read's moment.
fn quote0(s: &State) -> Option<MarketQuote> {
    let (t, slot) = s.now;
    quote_markets([(&s.markets[0], &s.feeds[0])], &Now::at(&s.exchange, t, slot)).pop()?.ok()
}

/// One account's equity: now, its low, and its path (bounded).
#[derive(Clone, Debug)]
struct Equity {
    last: i64,
    low: i64,
    path: Sampled<i64>,
}

/// What the lab tracks across slots.
pub struct Chain {
    nav: u64,
    insurance_peak: u64,
    deficits: BTreeMap<Pubkey, i64>,
    bad_debt: u64,
    equity: BTreeMap<Pubkey, Equity>,
    socialized0: u64,
    validity: BTreeMap<String, u64>,
    stress_slots: u64,
    insurance_low: u64,
    nav_low: u64,
    bankruptcies: u64,
    bad_debt_in_disputes: i128,
    frozen_slots: u64,
    last_bad_debt: u64,
}

impl Chain {
    /// Start from the first read.
    pub fn new(first: &State) -> Chain {
        let nav = quote0(first)
            .and_then(|q| value_legs(&first.pool, &[(first.markets[0], q)]).ok())
            .map_or(first.pool.balance, |v| v.nav);
        Chain {
            nav,
            insurance_peak: first.exchange.insurance_balance,
            deficits: BTreeMap::new(),
            bad_debt: 0,
            equity: BTreeMap::new(),
            socialized0: first.exchange.socialized_losses,
            validity: BTreeMap::new(),
            stress_slots: 0,
            insurance_low: first.exchange.insurance_balance,
            nav_low: nav,
            bankruptcies: 0,
            bad_debt_in_disputes: 0,
            frozen_slots: 0,
            last_bad_debt: 0,
        }
    }

    /// The feed's price now (after this slot's refresh).
    pub async fn oracle_price(&mut self, tc: &mut TestContext, feed: &Pubkey) -> Result<i64> {
        let raw = tc.account(feed).await.ok_or_else(|| anyhow::anyhow!("feed missing"))?;
        Ok(decode_feed(&raw.data).map_err(|e| anyhow::anyhow!("feed: {e:?}"))?.price)
    }

    /// LP shares of `owner`.
    pub async fn lp_shares(&mut self, tc: &mut TestContext, owner: &Pubkey) -> u64 {
        match tc.account(&ix::lp_address(owner)).await {
            Some(a) => ballast_client::decode::zero_copy::<LpPosition>(&a.data).map_or(0, |l| l.shares),
            None => 0,
        }
    }

    /// Market 0 position of margin account `key`.
    pub async fn position(&mut self, tc: &mut TestContext, key: &Pubkey) -> i64 {
        load::<MarginAccount>(tc, key).await.open_positions().next().map_or(0, |p| p.base)
    }

    /// Fold `s` into the tracking and fill `row`'s state columns
    /// (`row.disputed` is the lab's, set before).
    pub fn record(&mut self, s: &State, row: &mut SlotRow) {
        let slot = s.now.1;
        let quote = quote0(s);
        if let Some(v) = quote.as_ref().and_then(|q| value_legs(&s.pool, &[(s.markets[0], *q)]).ok()) {
            self.nav = v.nav;
        }
        // Equity at the median, biased by the sources' own conf: a dispute
        // widens the feed's conf by the sources' distance, which is not a
        // loss of any account.
        let marked = quote.map(|q| MarketQuote { conf: q.src_conf, ..q });
        for (key, a) in &s.accounts {
            let prev = self.deficits.get(key).copied().unwrap_or(0);
            if a.collateral < 0 {
                if prev >= 0 {
                    self.bankruptcies += 1;
                }
                self.deficits.insert(*key, a.collateral);
            } else if prev < 0 {
                self.bad_debt += prev.unsigned_abs();
                self.deficits.remove(key);
            }
            let eq =
                marked.as_ref().and_then(|q| account_health(a, std::slice::from_ref(q)).ok()).map_or(0, |h| h.equity);
            let eq = eq.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
            let e = self.equity.entry(*key).or_insert_with(|| Equity {
                last: eq,
                low: eq,
                path: Sampled::new(ROW_CAP, |a, b| *a = (*a).min(b)),
            });
            (e.last, e.low) = (eq, e.low.min(eq));
            e.path.push(eq);
        }
        let validity = Validity::from_u8(s.feeds[0].validity);
        *self.validity.entry(format!("{validity:?}")).or_default() += 1;
        let stressed = s.exchange.stress_mult_at(slot) > 10_000;
        self.stress_slots += stressed as u64;
        let ins = s.exchange.insurance_balance;
        self.insurance_peak = self.insurance_peak.max(ins);
        self.insurance_low = self.insurance_low.min(ins);
        self.nav_low = self.nav_low.min(self.nav);
        row.oracle_price = s.feeds[0].price;
        row.validity = s.feeds[0].validity;
        row.insurance = ins;
        row.pool_nav = self.nav;
        row.breaker = s.markets[0].breaker().active(slot);
        row.stress = stressed;
        row.bad_debt = self.bad_debt + self.open_deficits();
        row.socialized = s.exchange.socialized_losses.saturating_sub(self.socialized0);
        if row.disputed {
            // Net: a deficit that shrinks within a dispute counts against it.
            self.bad_debt_in_disputes += row.bad_debt as i128 - self.last_bad_debt as i128;
        }
        self.last_bad_debt = row.bad_debt;
        // Fresh and agreed, yet the gate refuses liquidation or a close.
        let effective = reading(&s.feeds[0], s.now.0).validity;
        let blocks = !Action::Liquidate.allows(effective) || !Action::ReduceRisk.allows(effective);
        self.frozen_slots += (!row.disputed && effective < Validity::Stale && blocks) as u64;
    }

    fn open_deficits(&self) -> u64 {
        self.deficits.values().map(|d| d.unsigned_abs()).sum()
    }

    /// Totals from the first and last reads.
    pub fn finish(&self, first: &State, last: &State, t: &mut Totals) {
        t.bad_debt = self.bad_debt + self.open_deficits();
        t.insurance = (first.exchange.insurance_balance, self.insurance_low, last.exchange.insurance_balance);
        t.insurance_drawdown = self.insurance_peak.saturating_sub(self.insurance_low);
        t.socialized_loss = last.exchange.socialized_losses - first.exchange.socialized_losses;
        let nav0 = Chain::new(first).nav;
        t.pool_nav = (nav0, self.nav_low, self.nav);
        t.charges.set_lp_return((nav0, first.pool.shares), (self.nav, last.pool.shares));
        t.breaker_trips = (last.markets[0].breaker_trips - first.markets[0].breaker_trips) as u64;
        t.stress_slots = self.stress_slots;
        t.validity_slots = self.validity.clone();
        t.bankruptcies = self.bankruptcies;
        t.bad_debt_in_disputes = self.bad_debt_in_disputes.clamp(0, u64::MAX as i128) as u64;
        t.frozen_slots = self.frozen_slots;
    }

    /// The account whose equity ended lowest: its key and lowest equity.
    pub fn worst(&self) -> Option<(String, i64)> {
        self.equity.iter().min_by_key(|(_, e)| e.last).map(|(k, e)| (k.to_string(), e.low))
    }

    /// The equity path of the account [`Chain::worst`] names, one point
    /// per report row (the lowest of the slots it covers).
    pub fn worst_path(&self) -> Vec<i64> {
        self.equity.values().min_by_key(|e| e.last).map(|e| e.path.items().to_vec()).unwrap_or_default()
    }
}
