//! A full venue in the bank: an adapter feed, a 6-decimal collateral mint,
//! the exchange with its vaults, one market, a funded pool, and traders.
//! Plus the accounting invariants checked after every step.

use crate::adapter::{refresh, sol_feed};
use crate::context::TestContext;
use crate::fixtures::SourceFixture;
use ballast_client::engine::{self as ix, ExchangeKeys};
use margin_engine::instructions::{AddMarketParams, InitializeExchangeParams};
use margin_engine::state::{LpPosition, Market};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

/// One dollar of collateral (6 decimals).
pub const USD: u64 = 1_000_000;
/// One unit of base (9 decimals).
pub const BASE: i64 = 1_000_000_000;
/// Unix time and slot the venue starts at.
pub const T0: i64 = 1_700_000_000;
/// Slot the venue starts at.
pub const S0: u64 = 10;

/// The SOL market's parameters used by the suites: the demo venue's 10x
/// market (IMR 10 %, MMR 5 %, k = 1, fee 5 bps, spread 5 bps + conf + up to
/// 50 bps skew; dynamic margin with an 80 % reference volatility, a 4x cap,
/// MMR at most 50 %, phase-in 1 % of base per slot, 150-slot cooldown;
/// liquidation penalty 1 % (30 % to the keeper), half a position per call,
/// a 10 % buffer, 10 dollars of dust; a price band of 20 % around the EMA
/// with a 300-slot breaker cooldown) without its funding, borrow fee,
/// price impact, size premium and confidence add-on, with a linear skew
/// spread of 50 bps, and a throttle of 1M notional per 100-slot window.
pub fn sol_params() -> AddMarketParams {
    AddMarketParams {
        size_factor_bps: 0,
        conf_margin_mult_bps: 0,
        throttle_cap: 1_000_000 * USD,
        // No funding or borrow fee: the suites that test them set their own.
        funding_factor_ppm: 0,
        max_funding_ppm: 0,
        borrow_base_ppm: 0,
        borrow_slope_ppm: 0,
        borrow_jump_ppm: 0,
        impact_factor_bps: 0,
        impact_rebate_bps: 0,
        skew_spread_bps: 50,
        ..ballast_bank::demo::market_params("SOL", 10)
    }
}

/// Exchange parameters used by the suites: the demo venue's (deposit cap
/// 1M, stress x1.5 above 800 ms slots or 30 % stale feeds, 100-slot
/// windows, 1,000-slot cooldown; 20 % of trading fees to the insurance
/// fund; guardian pauses of at most 1,000 slots, two in a run, three a day;
/// a 50-slot governance timelock) with a fresh guardian key, no LP share
/// of fees (the protocol keeps it), and no reserve cap
/// (`RESERVE_OFF_BPS`): the suites count pool cash exactly and run pools far
/// smaller than their traders' risk to test what a short pool does. The
/// fee-routing and reserve-cap tests set the demo's own values.
pub fn exchange_params(governance: Pubkey) -> InitializeExchangeParams {
    InitializeExchangeParams {
        lp_fee_share_bps: 0,
        reserve_factor_bps: margin_engine::constants::RESERVE_OFF_BPS,
        stress_reserve_factor_bps: margin_engine::constants::RESERVE_OFF_BPS,
        ..ballast_bank::demo::exchange_params(governance, Pubkey::new_unique())
    }
}

pub use ballast_bank::setup::{airdrop, balance, create_mint, create_token_account, load, mint_to, patch};

/// Everything a test needs to drive the venue.
pub struct Venue {
    /// Adapter and exchange governance.
    pub gov: Keypair,
    /// The exchange's guardian.
    pub guardian: Keypair,
    /// Mint authority of the collateral mint.
    pub mint_authority: Keypair,
    /// The exchange's token accounts.
    pub keys: ExchangeKeys,
    /// The SOL feed.
    pub feed: Pubkey,
    /// The feed's sources.
    pub sources: Vec<SourceFixture>,
    /// Market 0 (SOL).
    pub market: Pubkey,
    /// The LP who seeded the pool, and its token account.
    pub lp: (Keypair, Pubkey),
    /// Markets added after market 0 ([`add_market`]), with their feeds.
    pub added: std::cell::RefCell<Vec<(Pubkey, Pubkey)>>,
}

/// A trader with SOL for fees, a funded token account and margin account 0.
pub struct Trader {
    /// The trader's key.
    pub key: Keypair,
    /// Collateral token account.
    pub token: Pubkey,
    /// Margin account 0.
    pub margin: Pubkey,
}

impl Venue {
    /// `(market, feed)` of every market, in index order.
    pub fn markets(&self) -> Vec<(Pubkey, Pubkey)> {
        std::iter::once((self.market, self.feed)).chain(self.added.borrow().iter().copied()).collect()
    }

    /// Move the clock to `t`/`slot` and have both sources publish `price` ±
    /// `conf` there, without refreshing the feed (a keeper's job).
    pub async fn publish(&mut self, tc: &mut TestContext, price: i64, conf: u64, t: i64, slot: u64) {
        tc.set_clock(slot, t).await;
        for s in &mut self.sources {
            *s = SourceFixture { conf, ..s.at(price, t, slot) };
            tc.set_account(&s.address, &s.account());
        }
    }

    /// Move the clock to `slot` (400 ms per slot of unix time) with the
    /// sources republishing 100 there, refreshed: time passes, prices hold.
    pub async fn hold_until(&mut self, tc: &mut TestContext, slot: u64) {
        let c = tc.clock().await;
        let secs = (slot.saturating_sub(c.slot) * 2 / 5).max(1) as i64;
        self.set_price(tc, 100 * crate::fixtures::ONE, 0, c.unix_timestamp + secs, slot).await;
    }

    /// Move the SOL price to `price` ± `conf` at `t`/`slot` and refresh.
    pub async fn set_price(&mut self, tc: &mut TestContext, price: i64, conf: u64, t: i64, slot: u64) {
        self.publish(tc, price, conf, t, slot).await;
        refresh(tc, &self.feed, &self.sources).await.expect("refresh");
    }
}

/// A venue with the SOL feed at `price` (no conf), the exchange (cap 1M),
/// market 0 and `pool_funds` of LP liquidity.
pub async fn venue(price: i64, pool_funds: u64) -> (TestContext, Venue) {
    venue_in(crate::context::ContextBuilder::new(), price, pool_funds).await
}

/// [`venue`] with market 0 listed with `market` and the exchange
/// initialised with `exchange` applied to the suite's parameters (the
/// charge, fee-routing and reserve-cap tests).
pub async fn venue_with(
    price: i64,
    pool_funds: u64,
    market: AddMarketParams,
    exchange: impl FnOnce(InitializeExchangeParams) -> InitializeExchangeParams,
) -> (TestContext, Venue) {
    venue_built(crate::context::ContextBuilder::new(), price, pool_funds, market, exchange).await
}

/// [`venue`] in a bank started from `builder` (e.g. with the governance proxy).
pub async fn venue_in(builder: crate::context::ContextBuilder, price: i64, pool_funds: u64) -> (TestContext, Venue) {
    venue_built(builder, price, pool_funds, sol_params(), |e| e).await
}

async fn venue_built(
    builder: crate::context::ContextBuilder,
    price: i64,
    pool_funds: u64,
    market: AddMarketParams,
    exchange: impl FnOnce(InitializeExchangeParams) -> InitializeExchangeParams,
) -> (TestContext, Venue) {
    let (mut tc, gov, feed, sources) = crate::adapter::sol_feed_in(builder, S0, T0, price, 0).await;
    refresh(&mut tc, &feed, &sources).await.expect("refresh");
    let mint_authority = crate::context::keypair();
    let mint = create_mint(&mut tc, &mint_authority.pubkey(), 6).await;
    let vaults = [crate::context::keypair(), crate::context::keypair(), crate::context::keypair()];
    let keys = ExchangeKeys {
        collateral_mint: mint,
        collateral_vault: vaults[0].pubkey(),
        insurance_vault: vaults[1].pubkey(),
        pool_vault: vaults[2].pubkey(),
    };
    airdrop(&mut tc, &gov.pubkey(), 10_000_000_000).await;
    let guardian = crate::context::keypair();
    let params = exchange(InitializeExchangeParams { guardian: guardian.pubkey(), ..exchange_params(gov.pubkey()) });
    let init = ix::initialize_exchange(gov.pubkey(), &keys, params);
    tc.process(&[init], &[&gov, &vaults[0], &vaults[1], &vaults[2]]).await.expect("initialize_exchange");
    tc.process(&[ix::add_market(gov.pubkey(), 0, feed, market)], &[&gov]).await.expect("add_market");
    open_market(&mut tc, &ix::market_address(0)).await;
    let lp = crate::context::keypair();
    airdrop(&mut tc, &lp.pubkey(), 1_000_000_000).await;
    let lp_token = create_token_account(&mut tc, &mint, &lp.pubkey()).await;
    mint_to(&mut tc, &mint, &mint_authority, &lp_token, pool_funds).await;
    let v = Venue {
        gov,
        guardian,
        mint_authority,
        keys,
        feed,
        sources,
        market: ix::market_address(0),
        lp: (lp, lp_token),
        added: Default::default(),
    };
    if pool_funds > 0 {
        let d = ix::lp_deposit(v.lp.0.pubkey(), lp_token, &v.keys, pool_funds, 0, &v.markets());
        tc.process(&[d], &[&v.lp.0]).await.expect("lp_deposit");
    }
    (tc, v)
}

/// A trader with `funds` of collateral tokens and an empty margin account 0.
pub async fn trader(tc: &mut TestContext, v: &Venue, funds: u64) -> Trader {
    let key = crate::context::keypair();
    airdrop(tc, &key.pubkey(), 1_000_000_000).await;
    let token = create_token_account(tc, &v.keys.collateral_mint, &key.pubkey()).await;
    mint_to(tc, &v.keys.collateral_mint, &v.mint_authority, &token, funds).await;
    tc.process(&[ix::create_account(key.pubkey(), 0)], &[&key]).await.expect("create_account");
    let margin = ix::margin_address(&key.pubkey(), 0);
    Trader { key, token, margin }
}

/// The venue now, as the invariant checker reads it: every market, the
/// margin accounts in `accounts` (they must include every account with a
/// position or collateral) and the vaults.
pub async fn snapshot(tc: &mut TestContext, v: &Venue, accounts: &[Pubkey]) -> ballast_sim::state::State {
    let clock = tc.clock().await;
    let venue = ballast_client::venue::load_venue(&tc.backend()).await.expect("the venue reads");
    let markets: Vec<_> = venue.markets.iter().map(|m| (m.key, m.market.feed)).collect();
    ballast_sim::state::read_state(tc, &v.keys, &markets, accounts, None, clock.unix_timestamp, clock.slot)
        .await
        .expect("state reads")
}

/// Every SECURITY.md invariant that holds in a single state
/// ([`ballast_client::invariants::Snapshot::check`]: 1, 2, 3, 6, 7 and 9)
/// over `accounts` (every margin account) and every market.
pub async fn assert_conservation(tc: &mut TestContext, v: &Venue, accounts: &[Pubkey]) {
    if let Err(e) = snapshot(tc, v, accounts).await.check() {
        panic!("{e}");
    }
}

/// Add market `index` for `symbol` (the SOL parameters otherwise) on a new
/// feed whose two sources publish `price` now; returns the market, the feed
/// and its sources.
pub async fn add_market(
    tc: &mut TestContext,
    v: &Venue,
    index: u16,
    symbol: &str,
    price: i64,
) -> (Pubkey, Pubkey, Vec<SourceFixture>) {
    add_market_with(tc, v, index, AddMarketParams { symbol: symbol.into(), ..sol_params() }, price).await
}

/// [`add_market`] listed with `params` (its symbol the feed's).
pub async fn add_market_with(
    tc: &mut TestContext,
    v: &Venue,
    index: u16,
    params: AddMarketParams,
    price: i64,
) -> (Pubkey, Pubkey, Vec<SourceFixture>) {
    use oracle_adapter::sources::SourceKind;
    let symbol = params.symbol.clone();
    let clock = tc.clock().await;
    let (t, slot) = (clock.unix_timestamp, clock.slot);
    let sources = vec![
        SourceFixture::new(SourceKind::PythPull, price, 0, t, slot),
        SourceFixture::new(SourceKind::SwitchboardOnDemand, price, 0, t, slot),
    ];
    let feed = crate::adapter::create_feed(tc, &v.gov, &symbol, &sources, crate::adapter::guards()).await;
    refresh(tc, &feed, &sources).await.expect("refresh");
    tc.process(&[ix::add_market(v.gov.pubkey(), index, feed, params)], &[&v.gov]).await.expect("add_market");
    open_market(tc, &ix::market_address(index)).await;
    v.added.borrow_mut().push((ix::market_address(index), feed));
    (ix::market_address(index), feed, sources)
}

/// Have `sources` (an added market's, [`add_market`]) publish `price` at
/// `t`/`slot` and refresh `feed` (the clock already there).
pub async fn republish(
    tc: &mut TestContext,
    feed: &Pubkey,
    sources: &mut [SourceFixture],
    price: i64,
    t: i64,
    slot: u64,
) {
    for s in sources.iter_mut() {
        *s = s.at(price, t, slot);
        tc.set_account(&s.address, &s.account());
    }
    refresh(tc, feed, sources).await.expect("refresh");
}

/// A listed market opens closed (reduce-only, OI cap 0) until queued
/// governance changes open it; suites that are not about governance open it
/// directly: active, with a cap of 1,000 base units per side.
pub async fn open_market(tc: &mut TestContext, market: &Pubkey) {
    patch::<Market>(tc, market, |m| {
        m.status = margin_engine::state::MarketStatus::Active as u8;
        m.oi_cap = 1_000 * BASE as u64;
    })
    .await;
}

/// Decode an LP position.
pub async fn lp_shares(tc: &mut TestContext, owner: &Pubkey) -> u64 {
    load::<LpPosition>(tc, &ix::lp_address(owner)).await.shares
}

/// A trader who deposited `collateral` and holds `base` SOL (bought at the
/// venue's price with a generous limit).
pub async fn trader_with_position(tc: &mut TestContext, v: &Venue, collateral: u64, base: i64) -> Trader {
    let t = trader(tc, v, collateral).await;
    let owner = t.key.pubkey();
    tc.process(&[ix::deposit(owner, t.margin, t.token, &v.keys, collateral)], &[&t.key]).await.expect("deposit");
    if base != 0 {
        tc.process(&[market_order(&t, v, base)], &[&t.key]).await.expect("trade");
    }
    t
}

/// `t` trades `base` SOL in market 0 at any price (no limit), no other
/// positions passed.
pub fn market_order(t: &Trader, v: &Venue, base: i64) -> solana_sdk::instruction::Instruction {
    let limit = if base > 0 { i64::MAX } else { 1 };
    let p = margin_engine::instructions::TradeParams { base, limit_price: limit, reduce_only: false };
    ix::trade(t.key.pubkey(), t.margin, &v.keys, 0, v.feed, p, &v.markets())
}

/// A bank with the adapter's SOL feed, a funded governance key, a collateral
/// mint of `decimals`, and three fresh vault keypairs (which sign their own
/// creation), but no exchange yet: for tests of `initialize_exchange` itself.
pub async fn bare_exchange(decimals: u8) -> (TestContext, Keypair, ExchangeKeys, [Keypair; 3]) {
    let (mut tc, gov, _, _) = sol_feed(S0, T0, 100 * crate::fixtures::ONE, 0).await;
    airdrop(&mut tc, &gov.pubkey(), 10_000_000_000).await;
    let mint = create_mint(&mut tc, &gov.pubkey(), decimals).await;
    let vaults = [crate::context::keypair(), crate::context::keypair(), crate::context::keypair()];
    let keys = ExchangeKeys {
        collateral_mint: mint,
        collateral_vault: vaults[0].pubkey(),
        insurance_vault: vaults[1].pubkey(),
        pool_vault: vaults[2].pubkey(),
    };
    (tc, gov, keys, vaults)
}
