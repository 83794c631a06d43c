//! A venue spec built in the bank (`venue/demo.toml` unless the caller
//! brings another): `admin init` of the adapter, its feeds over emulated
//! sources, a 6-decimal collateral mint ("USDC"), the exchange and its
//! markets (opened behind the timelock), then a funded pool. The CLI's
//! embedded cluster (`ballast embedded setup`) and the stress lab start
//! from it.
//!
//! The operator's keys (governance, guardian, mint authority and house LP)
//! are ordinary keypairs the caller keeps; on a local ledger they are the
//! faucet and the oracle publisher's stand-in.

use crate::context::{keypair, TestContext};
use crate::setup::{create_mint, create_token_account, mint_to, patch, refresh};
use crate::sources::SourceFixture;
use anyhow::{anyhow, bail, Context, Result};
use ballast_client::engine::{self as ix, ExchangeKeys};
use ballast_client::oracle;
use ballast_client::spec::init::{admin_init, Options};
use ballast_client::spec::VenueSpec;
use margin_engine::state::{AddMarketParams, Exchange, InitializeExchangeParams, Market};
use oracle_adapter::events::FeedRefreshed;
use oracle_adapter::sources::SourceKind;
use oracle_adapter::state::PriceFeed;
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

pub use ballast_client::demo::{exchange_params, market_params, spec, USD};
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
    /// The spec as applied: the emulated mint and oracle accounts filled in
    /// (what `ballast admin init --spec` finds already done).
    pub spec: VenueSpec,
}

async fn fund_lamports(tc: &mut TestContext, who: &Pubkey, lamports: u64) {
    let have = tc.account(who).await.map_or(0, |a| a.lamports);
    let account = Account { lamports: have.max(lamports), ..Account::default() };
    tc.set_account(who, &account);
}

/// The oracle formats the adapter reads, in the order a lab feed of N
/// sources takes them: a Pyth pull, a Switchboard On-Demand, a Pyth legacy
/// and a Switchboard v2 account.
pub const SOURCE_KINDS: [SourceKind; 4] =
    [SourceKind::PythPull, SourceKind::SwitchboardOnDemand, SourceKind::PythLegacy, SourceKind::SwitchboardV2];

/// Sources per feed of the demo spec (`venue/demo.toml`): three, because
/// two sources that disagree cannot tell which one is wrong: the gate then
/// neither liquidates on either price nor lets collateral leave, while a
/// real move goes on (see the README's oracle gate). With three, the
/// majority within the divergence limit is the range positions are valued
/// across.
pub const DEMO_SOURCES: usize = 3;

/// Build the venue of `spec` with `pool_funds` of house liquidity, from the
/// bank's current clock, the way a live one is built: `admin init`
/// (`ballast_client::spec::init`) signed by the operator's governance key,
/// then, after the exchange's timelock (the clock moves forward), again to
/// open the markets. The collateral mint and every oracle source the spec
/// leaves out are emulated: a fresh mint, and sources publishing the feed's
/// `emulated_price`. The operator's guardian key is the exchange's guardian
/// unless the spec names another.
pub async fn create(tc: &mut TestContext, spec: &VenueSpec, pool_funds: u64) -> Result<Demo> {
    let operator = Operator::new();
    let gov = &operator.governance;
    fund_lamports(tc, &gov.pubkey(), 100_000_000_000).await;
    fund_lamports(tc, &operator.mint_authority.pubkey(), 100_000_000_000).await;
    let mut spec = emulate(tc, spec, &operator.mint_authority.pubkey()).await?;
    spec.guardian.get_or_insert(operator.guardian.pubkey());
    let backend = tc.backend();
    let mut new_key = keypair;
    let opts = Options { dry_run: false, max_sends: None, new_key: &mut new_key };
    let first = admin_init(&backend, &spec, gov, opts).await.context("admin init")?;
    let feeds: Vec<Pubkey> = spec.markets.iter().map(|m| oracle::feed_address(&m.feed)).collect();
    if let Some(eta) = first.waiting_until() {
        let now = tc.clock().await;
        let secs = (eta.saturating_sub(now.slot) * 400).div_ceil(1_000) as i64;
        tc.set_clock(eta, now.unix_timestamp + secs).await;
    }
    for f in &spec.feeds {
        let price =
            f.emulated_price.ok_or_else(|| anyhow!("feed {}: the bank publishes its emulated_price", f.symbol))?;
        publish(tc, &oracle::feed_address(&f.symbol), price, 0).await?;
    }
    let opts = Options { dry_run: false, max_sends: None, new_key: &mut new_key };
    let second = admin_init(&backend, &spec, gov, opts).await.context("admin init, after the timelock")?;
    if !second.complete() {
        bail!("admin init left steps undone: {}", second.to_json());
    }
    let ex = tc.account(&ix::exchange_address()).await.ok_or_else(|| anyhow!("no exchange"))?;
    let ex: Exchange = ballast_client::decode::zero_copy(&ex.data)?;
    let keys = ExchangeKeys {
        collateral_mint: ex.collateral_mint,
        collateral_vault: ex.collateral_vault,
        insurance_vault: ex.insurance_vault,
        pool_vault: ex.pool_vault,
    };
    let markets: Vec<(Pubkey, Pubkey)> =
        feeds.iter().enumerate().map(|(i, f)| (ix::market_address(i as u16), *f)).collect();
    let house = &operator.mint_authority;
    let mint = keys.collateral_mint;
    let token = create_token_account(tc, &mint, &house.pubkey()).await;
    mint_to(tc, &mint, house, &token, pool_funds).await;
    if pool_funds > 0 {
        let d = ix::lp_deposit(house.pubkey(), token, &keys, pool_funds, 0, &markets);
        tc.process(&[d], &[house]).await.context("lp_deposit")?;
    }
    let spec = spec.resolve(&gov.pubkey())?;
    Ok(Demo { operator, keys, markets, spec })
}

/// `spec` with what it leaves out made in the bank: a collateral mint of
/// `mint_authority`, and every source without an account an emulated one
/// publishing its feed's `emulated_price` at the bank's clock.
pub async fn emulate(tc: &mut TestContext, spec: &VenueSpec, mint_authority: &Pubkey) -> Result<VenueSpec> {
    let clock = tc.clock().await;
    let mut spec = spec.clone();
    if spec.mint.is_none() {
        spec.mint = Some(create_mint(tc, mint_authority, 6).await);
    }
    for f in &mut spec.feeds {
        let price =
            f.emulated_price.ok_or_else(|| anyhow!("feed {}: the bank publishes its emulated_price", f.symbol))?;
        for s in f.sources.iter_mut().filter(|s| s.account.is_none()) {
            let fixture = SourceFixture::new(s.kind, price, 0, clock.unix_timestamp, clock.slot);
            tc.set_account(&fixture.address, &fixture.account());
            s.account = Some(fixture.address);
            s.feed_id = (s.kind == SourceKind::PythPull).then_some(fixture.feed_id);
        }
    }
    Ok(spec)
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
