//! `admin init`: bring a cluster to a venue spec, in order (the adapter,
//! its feeds, the exchange, the markets, then each market's opening behind
//! the timelock), one transaction per step.
//!
//! Idempotent and resumable: every run reads the cluster first and only
//! sends what is missing, so a run cut short anywhere is finished by the
//! next. Refuse, never skip: anything that exists but differs from the spec
//! (a feed with other sources, a market with another margin ratio, a
//! queued change to another value) stops the run with both values named;
//! `admin init` never changes a live venue, governance does.
//!
//! A listing opens behind the exchange's timelock: the market's `oi_cap`
//! and `status` are queued, and a later run (after the eta it reports)
//! applies them.

use super::open::{open, Queue};
use super::{FeedSpec, MarketSpec, SourceSpec, VenueSpec, OI_CAP_FIELD, STATUS_FIELD};
use crate::backend::Backend;
use crate::engine::{self as ix, ExchangeKeys};
use crate::oracle as oix;
use anchor_lang::AccountDeserialize;
use anyhow::{anyhow, bail, Context, Result};
use margin_engine::engine::governance::{exchange_get, is_listing_field, EXCHANGE_FIELDS};
use margin_engine::state::{AddMarketParams, Exchange, InitializeExchangeParams, Market};
use oracle_adapter::instructions::CreateFeedParams;
use oracle_adapter::sources::SourceKind;
use oracle_adapter::state::{AdapterConfig, GuardParams, PriceFeed};
use serde_json::{json, Value};
use solana_account::Account;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::Transaction;

/// What happened to one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Already on the cluster, as the spec says.
    Done,
    /// Sent now.
    Sent,
    /// Queued; may be applied from this slot (run again then).
    Waiting(u64),
    /// Not sent: the run stopped before it (`max_sends`, or a dry run).
    Pending,
}

/// One step of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// What it is (`create feed SOL`, `open market 0 SOL: oi_cap`).
    pub what: String,
    /// What happened.
    pub outcome: Outcome,
}

/// A run's steps, in order, and who controls the venue after it.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Every step.
    pub steps: Vec<Step>,
    /// The keys that govern the venue, as read at the end of the run:
    /// (role, key). Not part of a spec: check them against the multisig.
    pub keys: Vec<(&'static str, Pubkey)>,
}

impl Report {
    /// Whether the venue is as the spec says (nothing sent, queued or left).
    pub fn complete(&self) -> bool {
        self.steps.iter().all(|s| matches!(s.outcome, Outcome::Done | Outcome::Sent))
    }

    /// The latest eta among queued openings.
    pub fn waiting_until(&self) -> Option<u64> {
        self.steps.iter().filter_map(|s| if let Outcome::Waiting(eta) = s.outcome { Some(eta) } else { None }).max()
    }

    /// As JSON.
    pub fn to_json(&self) -> Value {
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|s| match s.outcome {
                Outcome::Waiting(eta) => json!({ "step": s.what, "outcome": "waiting", "eta_slot": eta }),
                ref o => json!({ "step": s.what, "outcome": format!("{o:?}").to_lowercase() }),
            })
            .collect();
        let keys: serde_json::Map<String, Value> =
            self.keys.iter().map(|(role, k)| (role.to_string(), Value::from(k.to_string()))).collect();
        json!({ "complete": self.complete(), "waiting_until": self.waiting_until(), "steps": steps, "keys": keys })
    }
}

/// How a run behaves.
pub struct Options<'a> {
    /// Send nothing; report what would be sent.
    pub dry_run: bool,
    /// Stop after this many transactions (tests: a run cut short).
    pub max_sends: Option<usize>,
    /// Fresh keys for the exchange's three vaults.
    pub new_key: &'a mut dyn FnMut() -> Keypair,
}

/// One run: where it reads and sends, who signs, and what it did.
pub(super) struct Run<'a, 'b, B: Backend> {
    pub(super) backend: &'a B,
    signer: &'a Keypair,
    opts: Options<'b>,
    sent: usize,
    pub(super) report: Report,
}

/// The account at `key` if `program` owns it with data: an address someone
/// merely sent lamports to is still missing (the programs create their
/// accounts over such pre-funding).
pub(super) async fn owned<B: Backend>(backend: &B, key: &Pubkey, program: &Pubkey) -> Result<Option<Account>> {
    Ok(backend.get_account(key).await?.filter(|a| a.owner == *program && !a.data.is_empty()))
}

impl<B: Backend> Run<'_, '_, B> {
    pub(super) fn signer_key(&self) -> Pubkey {
        self.signer.pubkey()
    }

    pub(super) fn stopped(&self) -> bool {
        self.opts.dry_run || self.opts.max_sends.is_some_and(|m| self.sent >= m)
    }

    /// Send `ixs` as step `what`, unless the run has stopped.
    pub(super) async fn send(&mut self, what: String, ixs: &[Instruction], extra: &[&Keypair]) -> Result<bool> {
        if self.stopped() {
            self.report.steps.push(Step { what, outcome: Outcome::Pending });
            return Ok(false);
        }
        let blockhash = self.backend.latest_blockhash().await?;
        let mut signers = vec![self.signer];
        signers.extend_from_slice(extra);
        let tx = Transaction::new_signed_with_payer(ixs, Some(&self.signer.pubkey()), &signers, blockhash);
        self.backend.send(&tx).await.with_context(|| what.clone())?;
        self.sent += 1;
        self.report.steps.push(Step { what, outcome: Outcome::Sent });
        Ok(true)
    }

    pub(super) fn done(&mut self, what: String) {
        self.report.steps.push(Step { what, outcome: Outcome::Done });
    }

    pub(super) fn require_signer(&self, role: &str, key: &Pubkey) -> Result<()> {
        if key != &self.signer.pubkey() {
            bail!("{role} is {key}, but the signer is {}: sign with {role}", self.signer.pubkey());
        }
        Ok(())
    }
}

/// Bring the cluster behind `backend` to `spec`, signing with `signer` (the
/// programs' upgrade authority, which becomes adapter and exchange
/// governance). Every check of what exists runs before anything is sent (a
/// dry pass first), so a mismatch anywhere stops the run with nothing sent.
/// Returns what each step did; an error names the step and, for a
/// mismatch, the field and both values.
pub async fn admin_init<B: Backend>(
    backend: &B,
    spec: &VenueSpec,
    signer: &Keypair,
    opts: Options<'_>,
) -> Result<Report> {
    let spec = spec.resolve(&signer.pubkey())?;
    if !opts.dry_run {
        let mut no_key = || Keypair::new_from_array([0; 32]);
        let dry = Options { dry_run: true, max_sends: None, new_key: &mut no_key };
        pass(backend, &spec, signer, dry).await?;
    }
    pass(backend, &spec, signer, opts).await
}

async fn pass<B: Backend>(backend: &B, spec: &VenueSpec, signer: &Keypair, opts: Options<'_>) -> Result<Report> {
    let mut run = Run { backend, signer, opts, sent: 0, report: Report::default() };
    adapter(&mut run, spec).await?;
    for f in &spec.feeds {
        feed(&mut run, f).await?;
    }
    no_other_feeds(backend, spec).await?;
    let ex = exchange(&mut run, spec).await?;
    let count = ex.as_ref().map_or(0, |e| e.market_count as usize);
    for (i, m) in spec.markets.iter().enumerate() {
        market(&mut run, ex.as_ref(), i, m, count).await?;
    }
    if count > spec.markets.len() {
        let extra = spec.markets.len();
        let acc = owned(backend, &ix::market_address(extra as u16), &margin_engine::ID).await?;
        let symbol = acc.and_then(|a| crate::decode::zero_copy::<Market>(&a.data).ok());
        bail!(
            "the exchange has {count} markets, the spec lists {}: market {extra} ({}) is not in the spec",
            spec.markets.len(),
            symbol.as_ref().map_or("?", |m| m.symbol_str())
        );
    }
    let indices: Vec<u16> = (0..spec.markets.len() as u16).collect();
    let queue = Queue::read(backend, &indices).await?;
    let opened: Vec<(u16, u8)> =
        indices.iter().flat_map(|i| [OI_CAP_FIELD, STATUS_FIELD].map(|code| (*i, code))).collect();
    queue.refuse_others(&opened)?;
    for (i, m) in spec.markets.iter().enumerate() {
        open(&mut run, i as u16, m, &queue).await?;
    }
    run.report.keys = keys(backend).await?;
    Ok(run.report)
}

/// Who governs the venue now: the adapter's authority (and a proposed
/// successor), the exchange's governance and guardian.
pub async fn keys<B: Backend>(backend: &B) -> Result<Vec<(&'static str, Pubkey)>> {
    let mut out = Vec::new();
    if let Some(acc) = owned(backend, &oix::config_address(), &oracle_adapter::ID).await? {
        let c = AdapterConfig::try_deserialize(&mut acc.data.as_slice()).map_err(|e| anyhow!("{e}"))?;
        out.push(("adapter_authority", c.authority));
        if c.pending_authority != Pubkey::default() {
            out.push(("adapter_proposed_authority", c.pending_authority));
        }
    }
    if let Some(acc) = owned(backend, &ix::exchange_address(), &margin_engine::ID).await? {
        let ex: Exchange = crate::decode::zero_copy(&acc.data)?;
        out.extend([("exchange_governance", ex.governance), ("exchange_guardian", ex.guardian)]);
    }
    Ok(out)
}

/// Refuse feeds on the adapter that the spec does not list.
async fn no_other_feeds<B: Backend>(backend: &B, spec: &VenueSpec) -> Result<()> {
    let filter = crate::backend::Filter::zero_copy::<PriceFeed>();
    for (key, acc) in backend.get_program_accounts(&oracle_adapter::ID, &filter).await? {
        let feed = oracle_adapter::reader::decode_feed(&acc.data).map_err(|e| anyhow!("feed {key}: {e:?}"))?;
        if spec.feed(feed.symbol_str()).is_none() {
            bail!("the adapter has a feed {} ({key}) that the spec does not list", feed.symbol_str());
        }
    }
    Ok(())
}

fn mismatch(what: &str, field: &str, cluster: impl std::fmt::Debug, spec: impl std::fmt::Debug) -> anyhow::Error {
    anyhow!(
        "{what} exists with {field} = {cluster:?}, the spec says {spec:?}: admin init never changes a live venue \
         (use `ballast gov`, or fix the spec)"
    )
}

async fn adapter<B: Backend>(run: &mut Run<'_, '_, B>, spec: &VenueSpec) -> Result<()> {
    let what = "initialize the oracle adapter".to_string();
    match owned(run.backend, &oix::config_address(), &oracle_adapter::ID).await? {
        Some(acc) => {
            let config = AdapterConfig::try_deserialize(&mut acc.data.as_slice())
                .map_err(|e| anyhow!("the adapter's config does not decode: {e}"))?;
            if config.timelock_slots != spec.oracle_timelock_slots {
                return Err(mismatch(
                    "the adapter",
                    "timelock_slots",
                    config.timelock_slots,
                    spec.oracle_timelock_slots,
                ));
            }
            run.done(what);
        }
        None => {
            let me = run.signer.pubkey();
            run.send(what, &[oix::initialize(me, me, spec.oracle_timelock_slots)], &[]).await?;
        }
    }
    Ok(())
}

/// A feed's sources and guard rails as its account holds them.
fn feed_spec(symbol: &str, feed: &PriceFeed) -> Result<FeedSpec> {
    let sources = feed
        .active_sources()
        .iter()
        .map(|s| {
            let kind = SourceKind::from_u8(s.kind).ok_or_else(|| anyhow!("feed {symbol}: source kind {}", s.kind))?;
            let feed_id = (kind == SourceKind::PythPull).then_some(s.feed_id);
            Ok(SourceSpec { kind, account: Some(s.account), feed_id })
        })
        .collect::<Result<_>>()?;
    Ok(FeedSpec { symbol: symbol.into(), emulated_price: None, sources, guards: GuardParams::from(feed.guards()) })
}

async fn feed<B: Backend>(run: &mut Run<'_, '_, B>, f: &FeedSpec) -> Result<()> {
    let what = format!("create feed {}", f.symbol);
    let key = oix::feed_address(&f.symbol);
    if let Some(acc) = owned(run.backend, &key, &oracle_adapter::ID).await? {
        let state = oracle_adapter::reader::decode_feed(&acc.data).map_err(|e| anyhow!("feed {}: {e:?}", f.symbol))?;
        let have = feed_spec(&f.symbol, &state)?;
        if have.sources != f.sources {
            return Err(mismatch(&format!("feed {}", f.symbol), "sources", have.sources, &f.sources));
        }
        if have.guards != f.guards {
            return Err(mismatch(&format!("feed {}", f.symbol), "guards", have.guards, f.guards));
        }
        run.done(what);
        return Ok(());
    }
    if !run.stopped() {
        let config =
            owned(run.backend, &oix::config_address(), &oracle_adapter::ID).await?.context("no adapter config")?;
        let config = AdapterConfig::try_deserialize(&mut config.data.as_slice()).map_err(|e| anyhow!("{e}"))?;
        run.require_signer("the adapter's governance", &config.authority)?;
    }
    let params = CreateFeedParams { symbol: f.symbol.clone(), sources: f.source_params()?, guards: f.guards };
    let me = run.signer.pubkey();
    run.send(what, &[oix::create_feed(me, me, params)], &[]).await?;
    Ok(())
}

async fn exchange<B: Backend>(run: &mut Run<'_, '_, B>, spec: &VenueSpec) -> Result<Option<Exchange>> {
    let what = "initialize the exchange".to_string();
    let key = ix::exchange_address();
    if let Some(acc) = owned(run.backend, &key, &margin_engine::ID).await? {
        let ex: Exchange = crate::decode::zero_copy(&acc.data)?;
        let mint = spec.mint.unwrap_or_default();
        if ex.collateral_mint != mint {
            return Err(mismatch("the exchange", "collateral mint", ex.collateral_mint, mint));
        }
        if ex.guardian != spec.exchange.guardian {
            return Err(mismatch("the exchange", "guardian", ex.guardian, spec.exchange.guardian));
        }
        let mut want: Exchange = bytemuck::Zeroable::zeroed();
        spec.exchange.write_to(&mut want);
        for (code, f) in EXCHANGE_FIELDS.iter().enumerate().filter(|(c, _)| is_listing_field(*c as u8)) {
            let (now, wanted) = (exchange_get(&ex, code as u8), exchange_get(&want, code as u8));
            if let (Ok(now), Ok(wanted)) = (now, wanted) {
                if now != wanted {
                    return Err(mismatch("the exchange", f.name, now, wanted));
                }
            }
        }
        run.done(what);
        return Ok(Some(ex));
    }
    let vaults = [(run.opts.new_key)(), (run.opts.new_key)(), (run.opts.new_key)()];
    let keys = ExchangeKeys {
        collateral_mint: spec.mint.unwrap_or_default(),
        collateral_vault: vaults[0].pubkey(),
        insurance_vault: vaults[1].pubkey(),
        pool_vault: vaults[2].pubkey(),
    };
    let params = InitializeExchangeParams { governance: run.signer.pubkey(), ..spec.exchange };
    let init = ix::initialize_exchange(run.signer.pubkey(), &keys, params);
    if !run.send(what, &[init], &[&vaults[0], &vaults[1], &vaults[2]]).await? {
        return Ok(None);
    }
    let acc = owned(run.backend, &key, &margin_engine::ID).await?.context("the exchange after initialize_exchange")?;
    Ok(Some(crate::decode::zero_copy(&acc.data)?))
}

/// List market `i` if missing (the exchange holds `count`), else check it.
async fn market<B: Backend>(
    run: &mut Run<'_, '_, B>,
    ex: Option<&Exchange>,
    i: usize,
    m: &MarketSpec,
    count: usize,
) -> Result<()> {
    let what = format!("add market {i} {}", m.params.symbol);
    let feed = oix::feed_address(&m.feed);
    if i < count {
        let acc =
            owned(run.backend, &ix::market_address(i as u16), &margin_engine::ID).await?.context("a counted market")?;
        let have: Market = crate::decode::zero_copy(&acc.data)?;
        let name = format!("market {i}");
        if have.symbol_str() != m.params.symbol {
            return Err(mismatch(&name, "symbol", have.symbol_str(), &m.params.symbol));
        }
        if have.feed != feed {
            return Err(mismatch(&name, "feed", have.feed, feed));
        }
        if let Some((field, now, want)) = changed_field(&have, m) {
            return Err(mismatch(&name, field, now, want));
        }
        run.done(what);
        return Ok(());
    }
    if let (false, Some(ex)) = (run.stopped(), ex) {
        run.require_signer("the exchange's governance", &ex.governance)?;
    }
    run.send(what, &[ix::add_market(run.signer.pubkey(), i as u16, feed, m.params.clone())], &[]).await?;
    Ok(())
}

/// The first listed field where `have` and `m` differ: its name, the
/// cluster's value and the spec's.
fn changed_field(have: &Market, m: &MarketSpec) -> Option<(&'static str, u64, u64)> {
    use margin_engine::state::{market_get, MARKET_FIELDS};
    let want = m.to_market();
    let listed = |c: &u8| ![OI_CAP_FIELD, STATUS_FIELD, margin_engine::state::SETTLE_FIELD].contains(c);
    (0..MARKET_FIELDS.len() as u8).filter(listed).find_map(|c| {
        let (now, wanted) = (market_get(have, c).ok()?, market_get(&want, c).ok()?);
        (now != wanted).then_some((MARKET_FIELDS[c as usize].name, now, wanted))
    })
}

/// The venue on the cluster as a spec: the adapter's timelock, the
/// exchange (but not its governance, which no spec holds), every market in
/// index order and its feed (feeds in the order markets first use them). What `admin init` made of a spec reads back
/// equal to [`VenueSpec::resolve`] of it.
pub async fn read_back<B: Backend>(backend: &B) -> Result<VenueSpec> {
    let config = owned(backend, &oix::config_address(), &oracle_adapter::ID)
        .await?
        .context("the oracle adapter is not initialised")?;
    let config = AdapterConfig::try_deserialize(&mut config.data.as_slice()).map_err(|e| anyhow!("{e}"))?;
    let venue = crate::venue::load_venue(backend).await?;
    let ex = &venue.exchange;
    let mut feeds: Vec<FeedSpec> = Vec::new();
    let mut markets = Vec::new();
    for m in &venue.markets {
        let symbol = m.feed.symbol_str().to_string();
        if !feeds.iter().any(|f| f.symbol == symbol) {
            feeds.push(feed_spec(&symbol, &m.feed)?);
        }
        let market = &m.market;
        markets.push(MarketSpec {
            feed: symbol,
            params: AddMarketParams::of(market),
            oi_cap: market.oi_cap,
            status: market.status,
        });
    }
    Ok(VenueSpec {
        oracle_timelock_slots: config.timelock_slots,
        mint: Some(ex.collateral_mint),
        exchange: InitializeExchangeParams { governance: Pubkey::default(), ..InitializeExchangeParams::of(ex) },
        guardian: Some(ex.guardian),
        feeds,
        markets,
    })
}
