//! The SECURITY.md invariants as one checker over decoded accounts, shared
//! by the pure model test, the bank sequences, the suite, the keeper tests
//! and the stress lab.
//!
//! A [`Snapshot`] is the venue at one moment: the exchange, the pool, every
//! market with its feed, the margin accounts and LP positions of interest,
//! and the three vaults. [`Snapshot::check`] checks what must hold in any
//! state (invariants 1, 2, 3, 6, 7, 9); [`step::check_step`] checks what
//! must hold across one instruction, given the snapshots either side of it
//! (invariants 4, 5, 6, 7, 8, 10, 11, 12). Every failure names its
//! invariant ([`Broken`]).

pub mod step;

use margin_engine::state::{
    AddMarketParams, Exchange, InitializeExchangeParams, LpPosition, MarginAccount, Market, Pool,
};
use oracle_adapter::state::PriceFeed;
use solana_sdk::pubkey::Pubkey;
use std::fmt;

/// The 12 invariants of SECURITY.md, by number (index + 1).
pub const INVARIANTS: [&str; 12] = [
    "conservation",
    "zero sum per market",
    "no negative collateral unless flagged",
    "health after action",
    "liquidation bounds",
    "insurance",
    "prices",
    "pauses",
    "parameters within bounds",
    "rounding",
    "caps",
    "closing",
];

/// The invariants [`Snapshot::check`] checks in a single state (the lab
/// checks these after every slot).
pub const STATE_INVARIANTS: [u8; 6] = [1, 2, 3, 6, 7, 9];

/// A broken invariant: its number (1-based, as in SECURITY.md) and what
/// was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// SECURITY.md invariant number.
    pub invariant: u8,
    /// What failed, with the values.
    pub what: String,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = INVARIANTS.get((self.invariant as usize).wrapping_sub(1)).unwrap_or(&"?");
        write!(f, "invariant {} ({name}) broken: {}", self.invariant, self.what)
    }
}

impl std::error::Error for Broken {}

/// `Err(Broken)` for invariant `n` unless `ok`.
pub(crate) fn ensure(ok: bool, n: u8, what: impl FnOnce() -> String) -> Result<(), Broken> {
    if ok {
        Ok(())
    } else {
        Err(Broken { invariant: n, what: what() })
    }
}

/// The venue at one moment, decoded.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The exchange.
    pub exchange: Exchange,
    /// The pool.
    pub pool: Pool,
    /// Every market, by index.
    pub markets: Vec<Market>,
    /// The feed of each market, by market index.
    pub feeds: Vec<PriceFeed>,
    /// Every margin account that holds positions or collateral (the sums
    /// of invariants 1–3 are over these), with its address.
    pub accounts: Vec<(Pubkey, MarginAccount)>,
    /// LP positions of interest, with their addresses.
    pub lps: Vec<(Pubkey, LpPosition)>,
    /// Collateral, insurance and pool vault balances.
    pub vault: [u64; 3],
    /// Unix time and slot of the read.
    pub now: (i64, u64),
}

impl Snapshot {
    /// The three vaults together.
    pub fn vaults(&self) -> u64 {
        self.vault.iter().sum()
    }

    /// The margin account at `key`, if in the snapshot.
    pub fn account(&self, key: &Pubkey) -> Option<&MarginAccount> {
        self.accounts.iter().find(|(k, _)| k == key).map(|(_, a)| a)
    }

    /// The LP position at `key`, if in the snapshot.
    pub fn lp(&self, key: &Pubkey) -> Option<&LpPosition> {
        self.lps.iter().find(|(k, _)| k == key).map(|(_, l)| l)
    }

    /// Every invariant that holds in any single state: the first that
    /// fails.
    pub fn check(&self) -> Result<(), Broken> {
        self.check_accounts()?;
        self.check_vaults()?;
        for m in &self.markets {
            self.check_market(m)?;
        }
        self.check_feeds()?;
        self.check_params()
    }

    /// Invariant 3: flagged exactly when the collateral is negative.
    fn check_accounts(&self) -> Result<(), Broken> {
        for (key, a) in &self.accounts {
            ensure((a.collateral < 0) == a.is_bankrupt(), 3, || {
                format!(
                    "account {key}: collateral {} but bankrupt flag {} (flagged exactly when negative)",
                    a.collateral,
                    a.is_bankrupt()
                )
            })?;
        }
        Ok(())
    }

    /// Invariants 1 and 6: every token in a vault is someone's claim.
    fn check_vaults(&self) -> Result<(), Broken> {
        let ex = &self.exchange;
        let positive: i128 = self.accounts.iter().map(|(_, a)| a.collateral.max(0) as i128).sum();
        let deficits: i128 = self.accounts.iter().map(|(_, a)| a.collateral.min(0).unsigned_abs() as i128).sum();
        ensure(positive == ex.total_collateral as i128, 1, || {
            format!("sum of account collateral {positive} != exchange total {}", ex.total_collateral)
        })?;
        let claims = ex.total_collateral as u128 + ex.fees_balance as u128 + ex.impact_pool as u128;
        ensure(self.vault[0] as u128 == claims, 1, || {
            format!("collateral vault {} != collateral + fees + impact pool {claims}", self.vault[0])
        })?;
        ensure(self.vault[2] == self.pool.balance, 1, || {
            format!("pool vault {} != pool balance {}", self.vault[2], self.pool.balance)
        })?;
        ensure(deficits == self.pool.receivable as i128, 1, || {
            format!("the pool's receivable {} != sum of deficits {deficits}", self.pool.receivable)
        })?;
        // Unsettled PnL: the pool's total is the sum of what it owes, and no
        // account is owed PnL while it owes a deficit (the two are netted).
        let unsettled: u128 = self.accounts.iter().map(|(_, a)| a.unsettled_pnl as u128).sum();
        ensure(unsettled == self.pool.unsettled as u128, 1, || {
            format!("the pool's unsettled PnL {} != sum of accounts' {unsettled}", self.pool.unsettled)
        })?;
        for (key, a) in &self.accounts {
            ensure(a.unsettled_pnl == 0 || a.collateral >= 0, 1, || {
                format!("account {key} is owed {} of unsettled PnL while owing {}", a.unsettled_pnl, a.collateral)
            })?;
        }
        let lp_shares: u128 = self.lps.iter().map(|(_, l)| l.shares as u128).sum();
        ensure(lp_shares <= self.pool.shares as u128, 1, || {
            format!("LP shares {lp_shares} exceed the pool's supply {}", self.pool.shares)
        })?;
        ensure(self.vault[1] == ex.insurance_balance, 6, || {
            format!("insurance vault {} != insurance balance {}", self.vault[1], ex.insurance_balance)
        })
    }

    /// Invariant 2 in market `m`: the traders' positions and the pool's
    /// mirror net to zero, and the market's totals are the sums.
    fn check_market(&self, m: &Market) -> Result<(), Broken> {
        let (mut base, mut quote, mut long, mut short, mut long_quote) = (0i128, 0i128, 0u128, 0u128, 0i128);
        let (f, b) = (m.funding_index(), m.borrow_index());
        let (mut funding, mut borrow) = (0i128, 0i128);
        for (_, a) in &self.accounts {
            for p in a.open_positions().filter(|p| p.market == m.index) {
                let (f0, b0) = p.snapshots();
                funding = funding.saturating_add((f - f0).saturating_mul(p.base as i128));
                borrow = borrow.saturating_add((b - b0).saturating_mul(p.base.unsigned_abs() as i128));
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
        let i = m.index;
        ensure(base + m.pool_base as i128 == 0, 2, || {
            format!("market {i}: traders' base {base} + pool base {} != 0", m.pool_base)
        })?;
        ensure(quote + m.pool_quote as i128 == 0, 2, || {
            format!("market {i}: traders' quote {quote} + pool quote {} != 0", m.pool_quote)
        })?;
        ensure((long, short) == (m.long_oi as u128, m.short_oi as u128), 2, || {
            format!("market {i}: open interest {}/{} != positions {long}/{short}", m.long_oi, m.short_oi)
        })?;
        ensure(long_quote == m.long_quote as i128, 2, || {
            format!("market {i}: long quote {} != the longs' quote {long_quote}", m.long_quote)
        })?;
        // Funding is zero-sum: what the market accrued and the positions
        // have not settled is exactly what they owe at their snapshots.
        ensure((funding, borrow) == (m.funding_pending(), m.borrow_pending()), 2, || {
            format!(
                "market {i}: pending funding/borrow {}/{} != the positions' {funding}/{borrow}",
                m.funding_pending(),
                m.borrow_pending()
            )
        })
    }

    /// Invariant 7 in any state: a feed that has a price has a positive
    /// one, inside its sources' range.
    fn check_feeds(&self) -> Result<(), Broken> {
        for (i, f) in self.feeds.iter().enumerate() {
            if f.has_price == 0 {
                continue;
            }
            ensure(f.price > 0, 7, || format!("feed of market {i}: price {} with has_price", f.price))?;
            ensure(f.lo_price <= f.price && f.price <= f.hi_price, 7, || {
                format!(
                    "feed of market {i}: price {} outside its sources' range [{}, {}]",
                    f.price, f.lo_price, f.hi_price
                )
            })?;
        }
        Ok(())
    }

    /// Invariant 9: the exchange's and every market's parameters pass the
    /// listing validation (which every governance change re-runs).
    fn check_params(&self) -> Result<(), Broken> {
        InitializeExchangeParams::of(&self.exchange)
            .validate()
            .map_err(|e| Broken { invariant: 9, what: format!("exchange parameters: {e}") })?;
        for m in &self.markets {
            AddMarketParams::of(m)
                .validate()
                .map_err(|e| Broken { invariant: 9, what: format!("market {} parameters: {e}", m.index) })?;
        }
        Ok(())
    }

    /// Where `self` and `other` differ, if anywhere: account keys and
    /// bytes, LP positions, the exchange, pool, markets, feeds and vaults,
    /// compared exactly (the read's time is not compared).
    pub fn difference(&self, other: &Snapshot) -> Option<String> {
        use bytemuck::bytes_of;
        let first = |a: &[(Pubkey, MarginAccount)], b: &[(Pubkey, MarginAccount)]| {
            a.iter().zip(b).find(|((k, x), (l, y))| k != l || bytes_of(x) != bytes_of(y)).map(|((k, _), _)| *k)
        };
        let first_acc = first(&self.accounts, &other.accounts);
        if first_acc.is_some() || self.accounts.len() != other.accounts.len() {
            return Some(format!("margin account {first_acc:?} differs"));
        }
        let lp_same = self.lps.len() == other.lps.len()
            && self.lps.iter().zip(&other.lps).all(|((k, x), (l, y))| k == l && bytes_of(x) == bytes_of(y));
        if !lp_same {
            return Some("an LP position differs".into());
        }
        if let Some(i) = (0..self.markets.len().max(other.markets.len()))
            .find(|&i| self.markets.get(i).map(bytes_of) != other.markets.get(i).map(bytes_of))
        {
            return Some(format!("market {i} differs"));
        }
        if let Some(i) = (0..self.feeds.len().max(other.feeds.len()))
            .find(|&i| self.feeds.get(i).map(bytes_of) != other.feeds.get(i).map(bytes_of))
        {
            return Some(format!("the feed of market {i} differs"));
        }
        let rest = |s: &Snapshot| (bytes_of(&s.exchange).to_vec(), bytes_of(&s.pool).to_vec(), s.vault);
        (rest(self) != rest(other)).then(|| "the exchange, pool or vaults differ".to_string())
    }
}

#[cfg(test)]
mod tests;
