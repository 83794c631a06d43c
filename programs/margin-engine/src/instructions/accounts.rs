//! Reading the accounts an engine check needs from an instruction's
//! accounts: a market's feed (address, owner, discriminator, age), the
//! `(market, feed)` pairs of remaining accounts, in the one order each
//! instruction documents. Missing, extra, reordered or substituted accounts
//! are errors, never skipped. The engine then works on the plain values.

use crate::engine::health::{quote_from_reading, quotes_at, MarketQuote, Now, Quotes};
use crate::engine::pool::value_legs;
use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount, Market, Pool};
use anchor_lang::prelude::*;
use ballast_risk::lp::PoolValuation;
use oracle_adapter::reader::{read_feed, FeedReading};

/// Read `feed`, which must be `market`'s (address, then owner,
/// discriminator and age through the adapter's reader).
pub fn read_market_feed(market: &Market, feed: &AccountInfo, now_ts: i64) -> Result<FeedReading> {
    require_keys_eq!(*feed.key, market.feed, EngineError::WrongFeed);
    read_feed(feed, &market.feed, now_ts).map_err(|_| error!(EngineError::NotAPriceFeed))
}

/// Read `market` and its `feed` (address, owner, discriminator, age) and
/// compute its dynamic ratios at `now`, phasing the maintenance multiplier
/// forward from its stored state (the caller stores `phase` if it can).
pub fn quote_market(market: &Market, feed: &AccountInfo, now: &Now) -> Result<MarketQuote> {
    quote_from_reading(market, &read_market_feed(market, feed, now.ts)?, now)
}

/// Quotes for every open position of `account` other than `known` markets,
/// read from `remaining` as `(market, feed)` pairs in slot order. Missing,
/// extra, reordered or substituted accounts are errors, never skipped.
pub fn collect_quotes<'info>(
    account: &MarginAccount,
    known: &[MarketQuote],
    remaining: &'info [AccountInfo<'info>],
    now: &Now,
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

/// The quotes of one instruction: the feed of the market it names (if any)
/// and its remaining accounts, the `(market, feed)` pair of every other
/// open position in slot order, read at `now`.
pub struct AccountQuotes<'a, 'info> {
    /// The named market's feed (`None` for instructions without one).
    pub feed: Option<&'a AccountInfo<'info>>,
    /// The remaining accounts.
    pub remaining: &'info [AccountInfo<'info>],
    /// The moment of the check.
    pub now: Now,
}

impl Quotes for AccountQuotes<'_, '_> {
    fn own(&self, market: &Market) -> Result<MarketQuote> {
        quote_market(market, self.feed.ok_or(EngineError::WrongFeed)?, &self.now)
    }

    fn covering(&self, account: &MarginAccount, own: Option<MarketQuote>) -> Result<Vec<MarketQuote>> {
        collect_quotes(account, own.as_slice(), self.remaining, &self.now)
    }
}

/// The quotes of `trade`: the traded market's feed, and every other
/// market's `(market, feed)` pair from the remaining accounts in index
/// order (read and checked up front: missing, extra, reordered or
/// substituted accounts are refused). A trade that adds risk values the
/// whole pool with them (the reserve cap); health takes the positions'.
pub struct VenueQuotes<'a, 'info> {
    /// The traded market's feed.
    pub feed: &'a AccountInfo<'info>,
    /// Every other market with its quote, in index order.
    pub others: Vec<(Market, MarketQuote)>,
    /// The moment of the check.
    pub now: Now,
}

impl<'a, 'info> VenueQuotes<'a, 'info> {
    /// Read every market but `traded` from `remaining`.
    pub fn read(
        exchange: &Exchange,
        traded: u16,
        feed: &'a AccountInfo<'info>,
        remaining: &'info [AccountInfo<'info>],
        now: Now,
    ) -> Result<Self> {
        let count = exchange.market_count as usize;
        require!((traded as usize) < count, EngineError::WrongMarket);
        require!(remaining.len() + 2 == 2 * count, EngineError::HealthAccountsMismatch);
        let mut others = Vec::with_capacity(count.saturating_sub(1));
        let indexes = (0..count as u16).filter(|i| *i != traded);
        for (i, pair) in indexes.zip(remaining.chunks_exact(2)) {
            let loader = AccountLoader::<Market>::try_from(&pair[0])?;
            let market = loader.load()?;
            require!(market.index == i, EngineError::WrongMarket);
            others.push((*market, quote_market(&market, &pair[1], &now)?));
        }
        Ok(VenueQuotes { feed, others, now })
    }
}

impl Quotes for VenueQuotes<'_, '_> {
    fn own(&self, market: &Market) -> Result<MarketQuote> {
        quote_market(market, self.feed, &self.now)
    }

    fn covering(&self, account: &MarginAccount, own: Option<MarketQuote>) -> Result<Vec<MarketQuote>> {
        let mut out: Vec<MarketQuote> = own.into_iter().collect();
        for s in account.open_positions().filter(|s| own.is_none_or(|q| q.index != s.market)) {
            let (_, q) = self.others.iter().find(|(m, _)| m.index == s.market).ok_or(EngineError::WrongMarket)?;
            out.push(*q);
        }
        Ok(out)
    }

    fn venue(&self, traded: &Market, own: MarketQuote) -> Result<Vec<(Market, MarketQuote)>> {
        let mut out = self.others.clone();
        let at = out.partition_point(|(m, _)| m.index < traded.index);
        out.insert(at, (*traded, own));
        Ok(out)
    }
}

/// Every market of the exchange and its feed's reading, from `remaining`
/// as the `(market, feed)` pair of every market in index order.
pub fn every_market<'info>(
    exchange: &Exchange,
    remaining: &'info [AccountInfo<'info>],
    now_ts: i64,
) -> Result<Vec<(Market, FeedReading)>> {
    let count = exchange.market_count as usize;
    require!(remaining.len() == 2 * count, EngineError::HealthAccountsMismatch);
    let mut out = Vec::with_capacity(count);
    for (i, pair) in remaining.chunks_exact(2).enumerate() {
        let loader = AccountLoader::<Market>::try_from(&pair[0])?;
        let market = loader.load()?;
        require!(market.index as usize == i, EngineError::WrongMarket);
        out.push((*market, read_market_feed(&market, &pair[1], now_ts)?));
    }
    Ok(out)
}

/// Value the pool. `remaining` must be the `(market, feed)` pair of every
/// market, in index order; every feed must allow value to leave (at most
/// `Degraded`): LPs never enter or leave at an unusable price.
pub fn value_pool<'info>(
    exchange: &Exchange,
    pool: &Pool,
    remaining: &'info [AccountInfo<'info>],
    now: &Now,
) -> Result<PoolValuation> {
    value_legs(pool, &pool_legs(exchange, remaining, now)?)
}

/// Every market with its quote at `now`, from `remaining` as the `(market,
/// feed)` pair of every market in index order (what `value_pool` and
/// `auto_deleverage` value the venue at).
pub fn pool_legs<'info>(
    exchange: &Exchange,
    remaining: &'info [AccountInfo<'info>],
    now: &Now,
) -> Result<Vec<(Market, MarketQuote)>> {
    let markets = every_market(exchange, remaining, now.ts)?;
    quotes_at(&markets, now).into_iter().zip(&markets).map(|(q, (m, _))| Ok((*m, q?))).collect()
}
