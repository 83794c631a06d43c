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
use oracle_adapter::state::PriceFeed;
use solana_sdk::pubkey::Pubkey;
use std::collections::{BTreeMap, BTreeSet};

/// One read of everything the invariants and metrics need.
#[derive(Clone)]
pub struct State {
    /// The exchange.
    pub exchange: Exchange,
    /// The pool.
    pub pool: Pool,
    /// Market 0.
    pub market: Market,
    /// Its feed.
    pub feed: PriceFeed,
    /// Every margin account the lab created.
    pub accounts: Vec<(Pubkey, MarginAccount)>,
    /// Collateral, insurance and pool vault balances.
    pub vault: [u64; 3],
    /// Unix time and slot of the read.
    pub now: (i64, u64),
}

/// Read the state of `(market, feed)` at `t`/`slot`, with every account in
/// `accounts` and the vaults of `keys`. With `since = Some((prev, touched))`
/// a margin account is read again only if it is in `touched` (the keys
/// placed or named by a transaction since `prev` was read: no other account
/// can have changed) and taken from `prev` otherwise; the exchange, pool,
/// market, feed and vaults are always read.
pub async fn read_state(
    tc: &mut TestContext,
    keys: &ExchangeKeys,
    (market, feed): (Pubkey, Pubkey),
    accounts: &[Pubkey],
    since: Option<(&State, &BTreeSet<Pubkey>)>,
    t: i64,
    slot: u64,
) -> Result<State> {
    let exchange: Exchange = load(tc, &ix::exchange_address()).await;
    let pool: Pool = load(tc, &ix::pool_address()).await;
    let market: Market = load(tc, &market).await;
    let raw = tc.account(&feed).await.ok_or_else(|| anyhow::anyhow!("feed missing"))?;
    let feed = decode_feed(&raw.data).map_err(|e| anyhow::anyhow!("feed: {e:?}"))?;
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
    Ok(State { exchange, pool, market, feed, accounts: accs, vault, now: (t, slot) })
}

/// What [`State::check`] checks after every slot, in words: SECURITY.md
/// invariants 1, 2, 3 and 6 (conservation, and zero-sum in the market).
pub const CHECKS: [&str; 10] = [
    "an account is flagged bankrupt exactly when its collateral is negative",
    "sum of account collateral == exchange total",
    "collateral vault == collateral + fees",
    "insurance vault == insurance balance",
    "pool vault == pool balance",
    "the pool's receivable == sum of deficits",
    "base nets to zero against the pool",
    "quote nets to zero against the pool",
    "open interest == sum of positions",
    "the market's long quote == sum of the longs' quote",
];

impl State {
    /// Every [`CHECKS`] row; the first that fails, in words.
    pub fn check(&self) -> std::result::Result<(), String> {
        let ex = &self.exchange;
        let (mut collateral, mut base, mut quote, mut long, mut short) = (0i128, 0i128, 0i128, 0u128, 0u128);
        let (mut long_quote, mut deficits) = (0i128, 0i128);
        for (key, a) in &self.accounts {
            if (a.collateral < 0) != a.is_bankrupt() {
                return Err(format!(
                    "account {key}: collateral {} but bankrupt flag {} (flagged exactly when negative)",
                    a.collateral,
                    a.is_bankrupt()
                ));
            }
            collateral += a.collateral.max(0) as i128;
            deficits += a.collateral.min(0).unsigned_abs() as i128;
            for p in a.open_positions().filter(|p| p.market == self.market.index) {
                base += p.base as i128;
                quote += p.quote as i128;
                if p.base > 0 {
                    long += p.base as u128;
                    long_quote += p.quote as i128;
                } else {
                    short += p.base.unsigned_abs() as u128;
                }
            }
        }
        let m = &self.market;
        let holds = [
            collateral == ex.total_collateral as i128,
            self.vault[0] as u128 == ex.total_collateral as u128 + ex.fees_balance as u128,
            self.vault[1] == ex.insurance_balance,
            self.vault[2] == self.pool.balance,
            deficits == self.pool.receivable as i128,
            base + m.pool_base as i128 == 0,
            quote + m.pool_quote as i128 == 0,
            (long, short) == (m.long_oi as u128, m.short_oi as u128),
            long_quote == m.long_quote as i128,
        ];
        match holds.iter().position(|ok| !ok) {
            Some(i) => Err(format!("invariant broken: {}", CHECKS[i + 1])),
            None => Ok(()),
        }
    }

    /// Where `self` and `other` (two reads of the same slot) differ, if
    /// anywhere: the account keys, bytes and balances compared exactly.
    pub fn difference(&self, other: &State) -> Option<String> {
        use bytemuck::bytes_of;
        let same =
            |(k, a): &(Pubkey, MarginAccount), (l, b): &(Pubkey, MarginAccount)| k == l && bytes_of(a) == bytes_of(b);
        // The first account that differs (None: only the count does).
        let first = self.accounts.iter().zip(&other.accounts).find(|(a, b)| !same(a, b)).map(|(a, _)| a.0);
        if first.is_some() || self.accounts.len() != other.accounts.len() {
            return Some(format!("margin account {first:?} differs"));
        }
        let rest = |s: &State| {
            (bytes_of(&s.exchange).to_vec(), bytes_of(&s.pool).to_vec(), bytes_of(&s.market).to_vec(), s.vault)
        };
        (rest(self) != rest(other)).then(|| "the exchange, pool, market or vaults differ".to_string())
    }

    /// The three vaults together.
    pub fn vaults(&self) -> u64 {
        self.vault.iter().sum()
    }

    fn quote(&self) -> Option<MarketQuote> {
        let (t, slot) = self.now;
        quote_markets([(&self.market, &self.feed)], &Now::at(&self.exchange, t, slot)).pop()?.ok()
    }
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
        let nav = first
            .quote()
            .and_then(|q| value_legs(&first.pool, &[(first.market, q)]).ok())
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
        let quote = s.quote();
        if let Some(v) = quote.as_ref().and_then(|q| value_legs(&s.pool, &[(s.market, *q)]).ok()) {
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
        let validity = Validity::from_u8(s.feed.validity);
        *self.validity.entry(format!("{validity:?}")).or_default() += 1;
        let stressed = s.exchange.stress_mult_at(slot) > 10_000;
        self.stress_slots += stressed as u64;
        let ins = s.exchange.insurance_balance;
        self.insurance_peak = self.insurance_peak.max(ins);
        self.insurance_low = self.insurance_low.min(ins);
        self.nav_low = self.nav_low.min(self.nav);
        row.oracle_price = s.feed.price;
        row.validity = s.feed.validity;
        row.insurance = ins;
        row.pool_nav = self.nav;
        row.breaker = s.market.breaker().active(slot);
        row.stress = stressed;
        row.bad_debt = self.bad_debt + self.open_deficits();
        row.socialized = s.exchange.socialized_losses.saturating_sub(self.socialized0);
        if row.disputed {
            // Net: a deficit that shrinks within a dispute counts against it.
            self.bad_debt_in_disputes += row.bad_debt as i128 - self.last_bad_debt as i128;
        }
        self.last_bad_debt = row.bad_debt;
        // Fresh and agreed, yet the gate refuses liquidation or a close.
        let effective = reading(&s.feed, s.now.0).validity;
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
        t.breaker_trips = (last.market.breaker_trips - first.market.breaker_trips) as u64;
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

#[cfg(test)]
mod tests {
    use super::*;
    use bytemuck::Zeroable;

    fn state(collateral: i64, total: u64, vault: u64) -> State {
        let mut acc = MarginAccount::zeroed();
        acc.collateral = collateral;
        let mut exchange = Exchange::zeroed();
        exchange.total_collateral = total;
        State {
            exchange,
            pool: Pool::zeroed(),
            market: Market::zeroed(),
            feed: PriceFeed::zeroed(),
            accounts: vec![(Pubkey::new_unique(), acc)],
            vault: [vault, 0, 0],
            now: (0, 0),
        }
    }

    #[test]
    fn each_broken_invariant_is_named() {
        assert_eq!(state(5, 5, 5).check(), Ok(()));
        assert_eq!(
            state(5, 4, 4).check().unwrap_err(),
            "invariant broken: sum of account collateral == exchange total"
        );
        assert_eq!(state(5, 5, 6).check().unwrap_err(), "invariant broken: collateral vault == collateral + fees");
        assert!(state(-1, 0, 0).check().unwrap_err().contains("flagged exactly when negative"));
        let mut flagged_positive = state(5, 5, 5);
        flagged_positive.accounts[0].1.flags = margin_engine::state::FLAG_BANKRUPT;
        assert!(flagged_positive.check().unwrap_err().contains("flagged exactly when negative"));
        let mut long = state(5, 5, 5);
        long.accounts[0].1.positions[0] = margin_engine::state::PositionSlot {
            market: 0,
            base: 1,
            quote: -7,
            ..margin_engine::state::PositionSlot::EMPTY
        };
        (long.market.pool_base, long.market.pool_quote, long.market.long_oi) = (-1, 7, 1);
        assert_eq!(long.check().unwrap_err(), "invariant broken: the market's long quote == sum of the longs' quote");
        long.market.long_quote = -7;
        assert_eq!(long.check(), Ok(()));
    }

    #[test]
    fn two_reads_differ_exactly_where_an_account_or_balance_differs() {
        let a = state(5, 5, 5);
        assert_eq!(a.difference(&a.clone()), None);
        let mut b = a.clone();
        b.accounts[0].1.positions[3].quote = 1;
        assert_eq!(a.difference(&b), Some(format!("margin account {:?} differs", Some(a.accounts[0].0))));
        let mut c = a.clone();
        c.vault[2] = 1;
        assert_eq!(a.difference(&c).as_deref(), Some("the exchange, pool, market or vaults differ"));
        let mut d = a.clone();
        d.market.long_oi = 1;
        assert!(a.difference(&d).is_some());
    }
}
