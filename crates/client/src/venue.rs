//! The venue as one read: the clock, the exchange, the pool, and every
//! market with its feed, decoded zero-copy and owner-checked. Shared by the
//! keeper (each tick) and the CLI.

use crate::backend::Backend;
use crate::decode::zero_copy;
use crate::engine as ix;
use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Context, Result};
use margin_engine::engine::health::{quote_from_reading, quotes_at, MarketQuote, Now, Quotes};
use margin_engine::engine::stress::observe_quiet;
use margin_engine::errors::EngineError;
use margin_engine::state::MarginAccount;
use margin_engine::state::{Exchange, Market, Pool};
use oracle_adapter::reader::{reading, FeedReading};
use oracle_adapter::state::PriceFeed;
use solana_sdk::clock::Clock;

/// A market with its feed, as read this tick.
#[derive(Clone, Copy)]
pub struct MarketState {
    /// The market PDA.
    pub key: Pubkey,
    /// The market.
    pub market: Market,
    /// Its feed.
    pub feed: PriceFeed,
}

/// The venue as read at the start of a tick.
#[derive(Clone)]
pub struct Venue {
    /// The clock the reads were made at.
    pub clock: Clock,
    /// The exchange.
    pub exchange: Exchange,
    /// The pool.
    pub pool: Pool,
    /// Every market, by index.
    pub markets: Vec<MarketState>,
}

impl Venue {
    /// Every market's `(market, feed)`, in index order (the remaining
    /// accounts of `trade`, `update_funding`, the LP flows and ADL).
    pub fn market_pairs(&self) -> Vec<(Pubkey, Pubkey)> {
        self.markets.iter().map(|m| (m.key, m.market.feed)).collect()
    }

    /// The exchange's token accounts.
    pub fn keys(&self) -> ix::ExchangeKeys {
        ix::ExchangeKeys {
            collateral_mint: self.exchange.collateral_mint,
            collateral_vault: self.exchange.collateral_vault,
            insurance_vault: self.exchange.insurance_vault,
            pool_vault: self.exchange.pool_vault,
        }
    }
}

/// `(market, feed)`s as the program reads them at `now`: each feed read as
/// of `now.ts` (`oracle_adapter::reader::reading`).
pub fn read_markets<'a>(
    markets: impl IntoIterator<Item = (&'a Market, &'a PriceFeed)>,
    now: &Now,
) -> Vec<(Market, FeedReading)> {
    markets.into_iter().map(|(m, f)| (*m, reading(f, now.ts))).collect()
}

/// `(market, feed)`s quoted as the program quotes them at `now`
/// ([`read_markets`], then `engine::health::quotes_at`): the one way every
/// tool quotes markets.
pub fn quote_markets<'a>(
    markets: impl IntoIterator<Item = (&'a Market, &'a PriceFeed)>,
    now: &Now,
) -> Vec<anchor_lang::Result<MarketQuote>> {
    quotes_at(&read_markets(markets, now), now)
}

/// The moment an instruction that writes the exchange sees: network stress
/// observed at `clock` on a copy of the exchange (as `trade`, `withdraw`
/// and `liquidate` do first), and every market quoted then.
pub struct WriterView {
    /// The exchange after the observation.
    pub exchange: Exchange,
    /// The moment, with its stress multiplier.
    pub now: Now,
    /// Every market with its feed's reading, by index.
    pub markets: Vec<(Market, FeedReading)>,
    /// Every market's quote, by index.
    pub quotes: Vec<anchor_lang::Result<MarketQuote>>,
}

/// The quotes a handler would read at this moment, from the decoded
/// accounts: a market from its feed's reading, the other positions' in
/// slot order (an unknown market is `WrongMarket`).
impl Quotes for WriterView {
    fn own(&self, market: &Market) -> anchor_lang::Result<MarketQuote> {
        let (_, r) = self.markets.get(market.index as usize).ok_or(EngineError::WrongMarket)?;
        quote_from_reading(market, r, &self.now)
    }

    fn covering(&self, account: &MarginAccount, own: Option<MarketQuote>) -> anchor_lang::Result<Vec<MarketQuote>> {
        let mut out: Vec<MarketQuote> = own.into_iter().collect();
        for s in account.open_positions().filter(|s| own.is_none_or(|q| q.index != s.market)) {
            let (m, _) = self.markets.get(s.market as usize).ok_or(EngineError::WrongMarket)?;
            out.push(self.own(m)?);
        }
        Ok(out)
    }

    fn venue(&self, traded: &Market, own: MarketQuote) -> anchor_lang::Result<Vec<(Market, MarketQuote)>> {
        self.markets
            .iter()
            .map(|(m, _)| if m.index == traded.index { Ok((*traded, own)) } else { Ok((*m, self.own(m)?)) })
            .collect()
    }
}

impl Venue {
    /// Every market quoted as an instruction that reads the exchange
    /// without writing it sees it now (`refresh_breakers`, `lp_deposit`,
    /// `lp_withdraw`, `account_health`): the stored stress state, not
    /// observed.
    pub fn reader_quotes(&self) -> Vec<anchor_lang::Result<MarketQuote>> {
        let now = Now::at(&self.exchange, self.clock.unix_timestamp, self.clock.slot);
        quote_markets(self.markets.iter().map(|m| (&m.market, &m.feed)), &now)
    }

    /// This venue as an instruction that writes the exchange sees it now.
    pub fn writer_view(&self) -> WriterView {
        let mut exchange = self.exchange;
        observe_quiet(&mut exchange, &self.clock, None);
        let now = Now::at(&exchange, self.clock.unix_timestamp, self.clock.slot);
        let markets = read_markets(self.markets.iter().map(|m| (&m.market, &m.feed)), &now);
        let quotes = quotes_at(&markets, &now);
        WriterView { exchange, now, markets, quotes }
    }
}

fn decode<T: anchor_lang::ZeroCopy + anchor_lang::Discriminator>(
    what: &str,
    key: &Pubkey,
    acc: Option<solana_account::Account>,
    owner: &Pubkey,
) -> Result<T> {
    let acc = acc.ok_or_else(|| anyhow!("{what} {key} does not exist"))?;
    if acc.owner != *owner {
        return Err(anyhow!("{what} {key} is owned by {}, not {owner}", acc.owner));
    }
    zero_copy(&acc.data).with_context(|| format!("{what} {key}"))
}

/// Read the exchange, pool, markets and feeds (two batched requests after
/// the exchange) and the clock.
pub async fn load_venue<B: Backend>(backend: &B) -> Result<Venue> {
    let ex_key = ix::exchange_address();
    let clock = backend.clock().await?;
    let head = backend.get_multiple_accounts(&[ex_key, ix::pool_address()]).await?;
    let [ex, pool]: [Option<solana_account::Account>; 2] = head.try_into().map_err(|_| anyhow!("short reply"))?;
    let exchange: Exchange = decode("exchange", &ex_key, ex, &margin_engine::ID)?;
    let pool: Pool = decode("pool", &ix::pool_address(), pool, &margin_engine::ID)?;
    let market_keys: Vec<Pubkey> = (0..exchange.market_count).map(ix::market_address).collect();
    let raw = backend.get_multiple_accounts(&market_keys).await?;
    let mut markets = Vec::with_capacity(market_keys.len());
    for (key, acc) in market_keys.iter().zip(raw) {
        markets.push(decode::<Market>("market", key, acc, &margin_engine::ID)?);
    }
    let feed_keys: Vec<Pubkey> = markets.iter().map(|m| m.feed).collect();
    let raw = backend.get_multiple_accounts(&feed_keys).await?;
    let mut out = Vec::with_capacity(markets.len());
    for ((key, market), (feed_key, acc)) in market_keys.into_iter().zip(markets).zip(feed_keys.iter().zip(raw)) {
        let feed = decode::<PriceFeed>("feed", feed_key, acc, &oracle_adapter::ID)?;
        out.push(MarketState { key, market, feed });
    }
    Ok(Venue { clock, exchange, pool, markets: out })
}

/// Every margin-engine account of zero-copy type `T`: one
/// `getProgramAccounts` with the discriminator and size filters, decoded.
/// An account that fails to decode (impossible for a program-owned account
/// that passed both filters) is an error, never skipped silently.
pub async fn scan<T, B>(backend: &B) -> Result<Vec<(Pubkey, T)>>
where
    T: anchor_lang::ZeroCopy + anchor_lang::Discriminator,
    B: Backend,
{
    let raw = backend.get_program_accounts(&margin_engine::ID, &crate::backend::Filter::zero_copy::<T>()).await?;
    raw.into_iter()
        .map(|(key, acc)| {
            let value = zero_copy::<T>(&acc.data).with_context(|| format!("account {key}"))?;
            Ok((key, value))
        })
        .collect()
}
