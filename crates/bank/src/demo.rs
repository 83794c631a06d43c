//! A demonstration venue in the bank: the adapter with one feed per market
//! over an emulated Pyth pull and Switchboard On-Demand source, a 6-decimal
//! collateral mint ("USDC"), the exchange, its markets (open for trading)
//! and a funded pool. The CLI's embedded cluster (`ballast embedded setup`)
//! and the stress lab start from it.
//!
//! The operator's keys (governance, guardian, mint authority and house LP)
//! are ordinary keypairs the caller keeps; on a local ledger they are the
//! faucet and the oracle publisher's stand-in.

use crate::context::{keypair, TestContext};
use crate::setup::{create_feed, create_mint, create_token_account, init_adapter, mint_to, patch, refresh};
use crate::sources::SourceFixture;
use anyhow::{anyhow, Context, Result};
use ballast_client::engine::{self as ix, ExchangeKeys};
use margin_engine::state::{AddMarketParams, InitializeExchangeParams};
use margin_engine::state::{Market, MarketStatus};
use oracle_adapter::events::FeedRefreshed;
use oracle_adapter::sources::SourceKind;
use oracle_adapter::state::{GuardParams, PriceFeed};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

pub use ballast_client::demo::{exchange_params, market_params, MARKETS, USD};
/// One unit of base (9 decimals).
pub const BASE: i64 = 1_000_000_000;

/// The operator's keys.
pub struct Operator {
    /// Adapter and exchange governance.
    pub governance: Keypair,
    /// The exchange's guardian.
    pub guardian: Keypair,
    /// Mint authority of the collateral mint (the faucet) and house LP.
    pub mint_authority: Keypair,
}

impl Operator {
    /// Fresh keys.
    pub fn new() -> Operator {
        Operator { governance: keypair(), guardian: keypair(), mint_authority: keypair() }
    }

    /// The keys as JSON (three 64-byte arrays).
    pub fn to_json(&self) -> serde_json::Value {
        let k = |k: &Keypair| serde_json::Value::from(k.to_bytes().to_vec());
        serde_json::json!({
            "governance": k(&self.governance),
            "guardian": k(&self.guardian),
            "mint_authority": k(&self.mint_authority),
        })
    }

    /// Keys written by [`Operator::to_json`].
    pub fn from_json(v: &serde_json::Value) -> Result<Operator> {
        let k = |name: &str| -> Result<Keypair> {
            let bytes: Vec<u8> = serde_json::from_value(v[name].clone()).with_context(|| format!("no {name} key"))?;
            Keypair::try_from(bytes.as_slice()).map_err(|e| anyhow!("{name} key: {e}"))
        };
        Ok(Operator { governance: k("governance")?, guardian: k("guardian")?, mint_authority: k("mint_authority")? })
    }
}

impl Default for Operator {
    fn default() -> Self {
        Operator::new()
    }
}

/// What [`create`] built.
pub struct Demo {
    /// The operator's keys.
    pub operator: Operator,
    /// The exchange's token accounts.
    pub keys: ExchangeKeys,
    /// `(market, feed)` of every market, in index order.
    pub markets: Vec<(Pubkey, Pubkey)>,
}

async fn fund_lamports(tc: &mut TestContext, who: &Pubkey, lamports: u64) {
    let have = tc.account(who).await.map_or(0, |a| a.lamports);
    let account = Account { lamports: have.max(lamports), ..Account::default() };
    tc.set_account(who, &account);
}

/// One source of each format the adapter reads, in the order a feed of
/// N sources takes them: a Pyth pull, a Switchboard On-Demand, a Pyth
/// legacy and a Switchboard v2 account.
pub const SOURCE_KINDS: [SourceKind; 4] =
    [SourceKind::PythPull, SourceKind::SwitchboardOnDemand, SourceKind::PythLegacy, SourceKind::SwitchboardV2];

/// Sources per demo feed: three, because two sources that disagree cannot
/// tell which one is wrong: the gate then neither liquidates on either
/// price nor lets collateral leave, while a real move goes on (see the
/// README's oracle gate). With three, the majority within the divergence
/// limit is the range positions are valued across.
pub const DEMO_SOURCES: usize = 3;

/// Build the venue of `markets` (symbol, price at PRICE_PRECISION,
/// leverage, OI cap) with `pool_funds` of house liquidity, at the bank's
/// current clock, every feed over the first [`DEMO_SOURCES`] of
/// [`SOURCE_KINDS`].
pub async fn create(tc: &mut TestContext, markets: &[(&str, i64, u32, u64)], pool_funds: u64) -> Result<Demo> {
    create_with_sources(tc, markets, pool_funds, DEMO_SOURCES).await
}

/// [`create`] with every feed over the first `sources` (1 to 4) of
/// [`SOURCE_KINDS`].
pub async fn create_with_sources(
    tc: &mut TestContext,
    markets: &[(&str, i64, u32, u64)],
    pool_funds: u64,
    sources: usize,
) -> Result<Demo> {
    let kinds = SOURCE_KINDS
        .get(..sources)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| anyhow!("1 to 4 sources per feed, got {sources}"))?;
    let operator = Operator::new();
    let gov = &operator.governance;
    fund_lamports(tc, &gov.pubkey(), 100_000_000_000).await;
    fund_lamports(tc, &operator.mint_authority.pubkey(), 100_000_000_000).await;
    let clock = tc.clock().await;
    let adapter_gov = init_adapter(tc, 50).await;
    let mint = create_mint(tc, &operator.mint_authority.pubkey(), 6).await;
    let vaults = [keypair(), keypair(), keypair()];
    let keys = ExchangeKeys {
        collateral_mint: mint,
        collateral_vault: vaults[0].pubkey(),
        insurance_vault: vaults[1].pubkey(),
        pool_vault: vaults[2].pubkey(),
    };
    let init = ix::initialize_exchange(gov.pubkey(), &keys, exchange_params(gov.pubkey(), operator.guardian.pubkey()));
    tc.process(&[init], &[gov, &vaults[0], &vaults[1], &vaults[2]]).await.context("initialize_exchange")?;
    let mut out = Vec::new();
    for (index, &(symbol, price, leverage, oi_cap)) in markets.iter().enumerate() {
        let sources: Vec<SourceFixture> =
            kinds.iter().map(|k| SourceFixture::new(*k, price, 0, clock.unix_timestamp, clock.slot)).collect();
        let guards = GuardParams::from(ballast_risk::oracle::Guards::default_liquid());
        let feed = create_feed(tc, &adapter_gov, symbol, &sources, guards).await;
        refresh(tc, &feed, &sources).await.context("refresh")?;
        let index = index as u16;
        let add = ix::add_market(gov.pubkey(), index, feed, market_params(symbol, leverage));
        tc.process(&[add], &[gov]).await.with_context(|| format!("add_market {symbol}"))?;
        let market = ix::market_address(index);
        patch::<Market>(tc, &market, |m| {
            m.status = MarketStatus::Active as u8;
            m.oi_cap = oi_cap * BASE as u64;
        })
        .await;
        out.push((market, feed));
    }
    let house = &operator.mint_authority;
    let token = create_token_account(tc, &mint, &house.pubkey()).await;
    mint_to(tc, &mint, house, &token, pool_funds).await;
    if pool_funds > 0 {
        let d = ix::lp_deposit(house.pubkey(), token, &keys, pool_funds, 0, &out);
        tc.process(&[d], &[house]).await.context("lp_deposit")?;
    }
    Ok(Demo { operator, keys, markets: out })
}

/// Give `owner` `lamports` of SOL for fees and `collateral` on its
/// associated token account of the collateral mint (created if missing);
/// returns that token account.
pub async fn fund(
    tc: &mut TestContext,
    operator: &Operator,
    mint: &Pubkey,
    owner: &Pubkey,
    lamports: u64,
    collateral: u64,
) -> Result<Pubkey> {
    use anchor_spl::associated_token::{get_associated_token_address, spl_associated_token_account};
    fund_lamports(tc, owner, lamports).await;
    let ata = get_associated_token_address(owner, mint);
    if tc.account(&ata).await.is_none() {
        let create = spl_associated_token_account::instruction::create_associated_token_account_idempotent(
            &operator.mint_authority.pubkey(),
            owner,
            mint,
            &anchor_spl::token::ID,
        );
        tc.process(&[create], &[&operator.mint_authority]).await.context("create token account")?;
    }
    if collateral > 0 {
        mint_to(tc, mint, &operator.mint_authority, &ata, collateral).await;
    }
    Ok(ata)
}

/// The sources `feed` is configured with, as fixtures publishing `price` ±
/// `conf` at the bank's current clock.
pub async fn feed_sources(tc: &mut TestContext, feed: &Pubkey, price: i64, conf: u64) -> Result<Vec<SourceFixture>> {
    let account = tc.account(feed).await.ok_or_else(|| anyhow!("feed {feed} does not exist"))?;
    let state: PriceFeed =
        oracle_adapter::reader::decode_feed(&account.data).map_err(|e| anyhow!("feed {feed}: {e:?}"))?;
    let clock = tc.clock().await;
    let mut sources = Vec::new();
    for s in &state.sources[..state.num_sources as usize] {
        let kind = SourceKind::from_u8(s.kind).ok_or_else(|| anyhow!("feed {feed}: unknown source kind {}", s.kind))?;
        let fixture = SourceFixture::new(kind, price, conf, clock.unix_timestamp, clock.slot);
        sources.push(SourceFixture { address: s.account, feed_id: s.feed_id, ..fixture });
    }
    Ok(sources)
}

/// Have every source of `feed` publish `price` ± `conf` at the bank's
/// current clock, then refresh the feed; returns what the adapter made of it.
pub async fn publish(tc: &mut TestContext, feed: &Pubkey, price: i64, conf: u64) -> Result<FeedRefreshed> {
    let sources = feed_sources(tc, feed, price, conf).await?;
    refresh(tc, feed, &sources).await.map_err(|e| anyhow!("refresh {feed}: {e}"))
}

/// Set fields of market `index` (or of the exchange, for `None`) by their
/// governance names (`vol_cap_bps`, `stress_mult_bps`, ...) with the
/// program's own field setters, then run the program's full listing
/// validation on the result before writing it: the operator of a lab or a
/// local ledger reconfiguring its venue, without the timelock or the
/// factor-2 step a live governance change is held to.
pub async fn override_params(tc: &mut TestContext, index: Option<u16>, values: &[(String, u64)]) -> Result<()> {
    use margin_engine::engine::governance::{exchange_set_raw, market_set_raw};
    use margin_engine::state::Exchange;
    let target = index.unwrap_or(margin_engine::engine::governance::EXCHANGE_TARGET);
    let mut codes = Vec::new();
    for (name, value) in values {
        codes.push((ix::field_code(target, name)?, *value, name));
    }
    let refused = |name: &str, e: anchor_lang::error::Error| anyhow!("parameter {name}: {e}");
    match index {
        Some(i) => {
            let key = ix::market_address(i);
            let account = tc.account(&key).await.ok_or_else(|| anyhow!("no market {i}"))?;
            let mut m: Market = ballast_client::decode::zero_copy(&account.data)?;
            for (code, value, name) in &codes {
                market_set_raw(&mut m, *code, *value).map_err(|e| refused(name, e))?;
            }
            AddMarketParams::of(&m).validate().map_err(|e| refused("market", e))?;
            patch::<Market>(tc, &key, |stored| *stored = m).await;
        }
        None => {
            let key = ix::exchange_address();
            let account = tc.account(&key).await.ok_or_else(|| anyhow!("no exchange"))?;
            let mut e: Exchange = ballast_client::decode::zero_copy(&account.data)?;
            for (code, value, name) in &codes {
                exchange_set_raw(&mut e, *code, *value).map_err(|err| refused(name, err))?;
            }
            InitializeExchangeParams::of(&e).validate().map_err(|err| refused("exchange", err))?;
            patch::<Exchange>(tc, &key, |stored| *stored = e).await;
        }
    }
    Ok(())
}
