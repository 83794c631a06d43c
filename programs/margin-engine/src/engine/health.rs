//! Health of a margin account from its positions and the markets' feeds.

use crate::errors::EngineError;
use crate::state::{MarginAccount, Market};
use anchor_lang::prelude::*;
use ballast_risk::health::{health, Health, MarginRatios, PositionRisk};
use ballast_risk::oracle::{Action, Validity};
use oracle_adapter::reader::read_feed;

/// What health needs to know about one market, read and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketQuote {
    /// Market index.
    pub index: u16,
    /// Oracle price. precision: PRICE_PRECISION.
    pub price: i64,
    /// Oracle confidence. precision: PRICE_PRECISION.
    pub conf: u64,
    /// Validity at the time of reading.
    pub validity: Validity,
    /// Confidence multiplier, bps.
    pub conf_mult_bps: u32,
    /// Margin ratios.
    pub ratios: MarginRatios,
}

/// Read `market` and its `feed` (address, owner, discriminator, age).
pub fn quote_market(market: &Market, feed: &AccountInfo, now: i64) -> Result<MarketQuote> {
    require_keys_eq!(*feed.key, market.feed, EngineError::WrongFeed);
    let r = read_feed(feed, &market.feed, now).map_err(|_| error!(EngineError::NotAPriceFeed))?;
    Ok(MarketQuote {
        index: market.index,
        price: r.price,
        conf: r.conf,
        validity: r.validity,
        conf_mult_bps: market.conf_mult_bps,
        ratios: market.ratios(),
    })
}

/// Quotes for every open position of `account` other than `known` markets,
/// read from `remaining` as `(market, feed)` pairs in slot order. Missing,
/// extra, reordered or substituted accounts are errors, never skipped.
pub fn collect_quotes<'info>(
    account: &MarginAccount,
    known: &[MarketQuote],
    remaining: &'info [AccountInfo<'info>],
    now: i64,
) -> Result<Vec<MarketQuote>> {
    let mut out = known.to_vec();
    let mut pairs = remaining.chunks_exact(2);
    for slot in account.open_positions() {
        if known.iter().any(|q| q.index == slot.market) {
            continue;
        }
        let [market_info, feed_info] = pairs.next().ok_or(EngineError::HealthAccountsMismatch)? else {
            return err!(EngineError::HealthAccountsMismatch);
        };
        let loader = AccountLoader::<Market>::try_from(market_info)?;
        let market = loader.load()?;
        require!(market.index == slot.market, EngineError::WrongMarket);
        out.push(quote_market(&market, feed_info, now)?);
    }
    require!(pairs.next().is_none() && pairs.remainder().is_empty(), EngineError::HealthAccountsMismatch);
    Ok(out)
}

/// Every quote must allow `action`.
pub fn require_valid_for(quotes: &[MarketQuote], action: Action) -> Result<()> {
    for q in quotes {
        require!(action.allows(q.validity), EngineError::OracleGate);
    }
    Ok(())
}

/// Health of `account` with `quotes` covering every open position.
pub fn account_health(account: &MarginAccount, quotes: &[MarketQuote]) -> Result<Health> {
    let mut risks = Vec::with_capacity(8);
    for slot in account.open_positions() {
        let q = quotes.iter().find(|q| q.index == slot.market).ok_or(EngineError::HealthAccountsMismatch)?;
        risks.push(PositionRisk {
            position: slot.position(),
            price: q.price,
            conf: q.conf,
            conf_mult_bps: q.conf_mult_bps,
            ratios: q.ratios,
        });
    }
    Ok(health(account.collateral, &risks).map_err(EngineError::from)?)
}

/// Require initial health >= 0.
pub fn require_initial_health(account: &MarginAccount, quotes: &[MarketQuote]) -> Result<Health> {
    let h = account_health(account, quotes)?;
    require!(h.initial >= 0, EngineError::InitialHealthNegative);
    Ok(h)
}
