//! What a stress run replays: the price path, the agents, the faults, the
//! keepers and the venue's parameters. Scenarios and parameter sets are
//! TOML files (unknown keys are errors); every field has a default, so the
//! empty scenario is the README's default synthetic crash.

use crate::prices::PricePath;
use crate::synthetic::SyntheticParams;
use anyhow::{bail, Context, Result};
use ballast_client::spec::{SourceSpec, VenueSpec};
use ballast_risk::precision::BASE_PRECISION;
use margin_engine::state::{AddMarketParams, MarketStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The most market seconds one slot may cover.
pub const MAX_SECS_PER_SLOT: f64 = 1e9;

/// One run's setup.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// Seed of the agents (and of the synthetic path unless it has its own).
    pub seed: u64,
    /// Market symbol. The market takes the parameters, guard rails and
    /// exchange of `venue`'s market of this symbol (its first market if it
    /// has none), then this scenario's leverage, sources and parameter set.
    pub symbol: String,
    /// A venue spec (`venue/*.toml`); none: the committed demo,
    /// `venue/demo.toml`.
    pub venue: Option<PathBuf>,
    /// Slots to run.
    pub slots: u64,
    /// A price file from `data/prices` (any supported format); none: the
    /// synthetic generator.
    pub prices: Option<PathBuf>,
    /// Price-path seconds per slot: how fast the path is replayed (a
    /// 1-minute candle per slot is 60). None: 1 for the synthetic path; for
    /// a price file, inferred from its length and candle interval
    /// ([`crate::plan::mapping`]).
    pub path_secs_per_slot: Option<f64>,
    /// Traders.
    pub traders: usize,
    /// LPs (besides the house, which seeds the pool).
    pub lps: usize,
    /// House liquidity in the pool, dollars.
    pub pool_usd: u64,
    /// Maximum leverage of the market (IMR = 1 / leverage).
    pub leverage: u32,
    /// Agents act with this probability per slot.
    pub activity: f64,
    /// The thin-market adversary (Mango 2022): at this fraction of the run
    /// it opens a maximal long and one oracle source is pushed up by
    /// `adversary_spike_bps` for `adversary_slots` slots.
    pub adversary: bool,
    /// Where the adversary strikes, as a fraction of the run.
    pub adversary_at: f64,
    /// Spike of the manipulated source, bps.
    pub adversary_spike_bps: i64,
    /// Length of the spike, slots.
    pub adversary_slots: u64,
    /// Oracle publishers per feed, 2 to 4: a Pyth pull, a Switchboard
    /// On-Demand, then a Pyth legacy and a Switchboard v2 account (default
    /// 3, the demo venue's). The adversary (and the `divergence` fault)
    /// pushes the second one.
    pub sources: usize,
    /// Share of traders that keep a stop-loss trigger halfway between the
    /// price and their liquidation price, re-placed after every trade of
    /// theirs (0: none). Drawn from a stream of its own, so the same seed
    /// gives the same traders with any share.
    pub stop_losses: f64,
    /// Share of the traders that go long (the rest go short), 0 to 1
    /// (default 0.65).
    pub long_share: f64,
    /// The synthetic path's trend in place of its crash template:
    /// `[from, until, bps]`, the price moving by `bps` in total (positive:
    /// a rally) evenly in log from slot `from` to `until`, with no
    /// high-volatility regime. A price file ignores it.
    pub rally: Option<(u64, u64, i64)>,
    /// The agreed-pump adversary (`crate::adversary`): at `pump_at` of the
    /// run it opens a maximal long, then every oracle source follows a
    /// price pushed up by `pump_bps` for `pump_slots` slots (the price then
    /// returns); it tries to close at the top, withdraw everything and
    /// borrow against the gain. A thin-market spike inside the pump is a
    /// dispute, which restarts the feed's jump confirmation: keep the two
    /// apart (the `agreed-pump` scenario strikes at 15 % and 40 %).
    pub pump: bool,
    /// Where the pump starts, as a fraction of the run.
    pub pump_at: f64,
    /// The pushed price's distance from the path, bps (above it).
    pub pump_bps: i64,
    /// Slots every source follows the pushed price; none: the feed's
    /// `jump_confirm_slots` plus [`crate::adversary::PUMP_MARGIN_SLOTS`],
    /// long enough for the feed to confirm the jump.
    pub pump_slots: Option<u64>,
    /// Faults.
    pub faults: Faults,
    /// Keepers.
    pub keeper: KeeperSetup,
    /// Check every state invariant after every transaction the lab sends
    /// (not only after every slot), so a violation names the transaction.
    /// Slower: a full read per transaction.
    pub check_every_tx: bool,
}

/// Fault injection, by slot offset from the start of the run.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Faults {
    /// One source stops publishing: `[source, from, until]`.
    pub dark: Option<(usize, u64, u64)>,
    /// One source publishes late: `[source, from, until, lag_slots]`.
    pub lag: Option<(usize, u64, u64, u64)>,
    /// The second source diverges: `[from, until, bps]`.
    pub divergence: Option<(u64, u64, i64)>,
    /// Every source publishes the price moved by `bps` (an agreed push):
    /// `[from, until, bps]`.
    pub pushed: Option<(u64, u64, i64)>,
    /// Slots take longer (congestion): `[from, until, ms_per_slot]`.
    pub stretch: Option<(u64, u64, u64)>,
    /// Keepers offline: `[from, until]`.
    pub keepers_offline: Option<(u64, u64)>,
}

/// The liquidation keepers.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeeperSetup {
    /// A keeper pass every this many slots (its latency).
    pub every_slots: u64,
    /// Accounts it may liquidate per pass (its capacity).
    pub accounts_per_pass: usize,
}

impl Default for KeeperSetup {
    fn default() -> Self {
        KeeperSetup { every_slots: 2, accounts_per_pass: 16 }
    }
}

impl Default for Scenario {
    /// The default crash: 2,000 slots of the default synthetic path (one
    /// path second per slot), 100 traders, 3 LPs, a 2M pool, 10x leverage,
    /// the adversary at 40 % of the run, 30 % of the traders with a stop-loss.
    fn default() -> Scenario {
        Scenario {
            seed: 7,
            symbol: "SOL".into(),
            venue: None,
            slots: 2_000,
            prices: None,
            path_secs_per_slot: None,
            traders: 100,
            lps: 3,
            pool_usd: 2_000_000,
            leverage: 10,
            activity: 0.02,
            adversary: true,
            adversary_at: 0.4,
            adversary_spike_bps: 3_000,
            adversary_slots: 20,
            sources: ballast_bank::demo::DEMO_SOURCES,
            stop_losses: 0.3,
            long_share: 0.65,
            rally: None,
            pump: false,
            pump_at: 0.15,
            pump_bps: 3_000,
            pump_slots: None,
            faults: Faults::default(),
            keeper: KeeperSetup::default(),
            check_every_tx: false,
        }
    }
}

impl Scenario {
    /// Read a scenario file, or, when no such file exists, the built-in
    /// scenario of that name ([`crate::presets::PRESETS`]).
    pub fn from_file(path: &Path) -> Result<Scenario> {
        if let Some(s) = path.to_str().filter(|_| !path.exists()).and_then(Scenario::preset) {
            return Ok(s);
        }
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read scenario {}", path.display()))?;
        let s: Scenario = toml::from_str(&text).with_context(|| format!("invalid scenario {}", path.display()))?;
        s.validate()?;
        Ok(s)
    }

    /// Refuse scenarios that cannot run.
    pub fn validate(&self) -> Result<()> {
        if self.slots == 0 || self.slots > 1_000_000 {
            bail!("slots must be between 1 and 1,000,000, got {}", self.slots);
        }
        if self.path_secs_per_slot.is_some_and(|v| !(v > 0.0 && v <= MAX_SECS_PER_SLOT)) {
            bail!("path_secs_per_slot must be a positive number of seconds up to 1e9 (about 31 years)");
        }
        let fractions = [self.activity, self.adversary_at, self.stop_losses, self.long_share, self.pump_at];
        if fractions.iter().any(|v| !(0.0..=1.0).contains(v)) {
            bail!("activity, adversary_at, stop_losses, long_share and pump_at are fractions between 0 and 1");
        }
        if self.rally.is_some_and(|(from, until, bps)| from >= until || bps <= -10_000) {
            bail!("rally is [from, until, bps] with from < until and bps above -10000");
        }
        if !(1..=50_000).contains(&self.pump_bps) || self.pump_slots == Some(0) {
            bail!("pump_bps must be between 1 and 50000 and pump_slots at least 1");
        }
        let mut pushed = self.faults.pushed.iter().map(|p| p.2).chain(self.faults.divergence.iter().map(|d| d.2));
        if pushed.any(|bps| bps <= -10_000) {
            bail!("a pushed or diverging source cannot fall by 100 % or more");
        }
        if self.traders > 5_000 || self.lps > 100 {
            bail!("at most 5,000 traders and 100 LPs");
        }
        if self.leverage == 0 || self.leverage > 50 {
            bail!("leverage must be between 1 and 50");
        }
        if !(2..=4).contains(&self.sources) {
            bail!("sources must be between 2 and 4 (publishers per feed), got {}", self.sources);
        }
        Ok(())
    }

    /// The lab's one-market venue, opening at `price` (PRICE_PRECISION):
    /// [`Scenario::symbol`]'s market of the venue spec with its feed, the
    /// feed over the first [`Scenario::sources`] emulated publishers, the
    /// market at this scenario's leverage (IMR = 1 / leverage, MMR half of
    /// it) with no open-interest cap.
    pub fn venue_spec(&self, price: i64) -> Result<VenueSpec> {
        let spec = match &self.venue {
            Some(path) => VenueSpec::from_file(path)?,
            None => ballast_client::demo::spec().clone(),
        };
        let mut market = spec.market(&self.symbol).unwrap_or(&spec.markets[0]).clone();
        let mut feed = spec.feed(&market.feed).context("a checked spec names its markets' feeds")?.clone();
        feed.symbol = self.symbol.clone();
        feed.emulated_price = Some(price);
        feed.sources = ballast_bank::demo::SOURCE_KINDS[..self.sources]
            .iter()
            .map(|&kind| SourceSpec { kind, account: None, feed_id: None })
            .collect();
        let imr_bps = 10_000 / self.leverage.max(1);
        market.feed = self.symbol.clone();
        market.params = AddMarketParams { symbol: self.symbol.clone(), imr_bps, mmr_bps: imr_bps / 2, ..market.params };
        market.oi_cap = i64::MAX as u64 / BASE_PRECISION as u64 * BASE_PRECISION as u64;
        market.status = MarketStatus::Active as u8;
        let out = VenueSpec { feeds: vec![feed], markets: vec![market], ..spec };
        out.check().with_context(|| format!("the lab's {} market", self.symbol))?;
        Ok(out)
    }

    /// Market seconds per slot over `path`: as set, else 1 for the
    /// synthetic path and the inferred mapping for a price file.
    pub fn secs_per_slot(&self, path: &PricePath) -> f64 {
        match (self.path_secs_per_slot, &self.prices) {
            (Some(v), _) => v,
            (None, None) => 1.0,
            (None, Some(_)) => crate::plan::mapping(path, None).secs_per_slot,
        }
    }

    /// The synthetic path this scenario replays when it has no price file:
    /// the default crash, or [`Scenario::rally`]'s trend.
    pub fn synthetic(&self) -> SyntheticParams {
        let p = SyntheticParams { seed: self.seed, steps: self.slots as usize + 1, ..SyntheticParams::default() };
        match self.rally {
            Some((from, until, bps)) => SyntheticParams {
                regime: (0, 0),
                crash: Some((from as usize, (until - from) as usize, (1.0 + bps as f64 / 10_000.0).ln(), 0.0)),
                ..p
            },
            None => p,
        }
    }
}

/// A named set of parameter overrides, by governance field name (the names
/// `ballast gov` takes).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ParamSet {
    /// Shown in the comparison table.
    pub name: String,
    /// Market fields.
    pub market: BTreeMap<String, u64>,
    /// Exchange fields.
    pub exchange: BTreeMap<String, u64>,
}

impl ParamSet {
    /// Read a parameter file; its name defaults to the file stem.
    pub fn from_file(path: &Path) -> Result<ParamSet> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read params {}", path.display()))?;
        let mut p: ParamSet = toml::from_str(&text).with_context(|| format!("invalid params {}", path.display()))?;
        if p.name.is_empty() {
            p.name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        }
        Ok(p)
    }

    /// Ballast's dynamic margin as listed: no overrides.
    pub fn dynamic() -> ParamSet {
        ParamSet { name: "dynamic".into(), ..ParamSet::default() }
    }

    /// Static margin: no volatility, size, confidence or stress add-ons.
    pub fn static_margin() -> ParamSet {
        let market = [("vol_cap_bps", 10_000), ("size_factor_bps", 0), ("conf_margin_mult_bps", 0)];
        ParamSet {
            name: "static".into(),
            market: market.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            exchange: [("stress_mult_bps".to_string(), 10_000)].into_iter().collect(),
        }
    }

    /// Dynamic margin with the price-band breaker at its widest (50 %).
    pub fn no_breakers() -> ParamSet {
        ParamSet {
            name: "breakers off".into(),
            market: [("band_bps".to_string(), 5_000)].into_iter().collect(),
            ..ParamSet::default()
        }
    }

    /// The built-in comparison: static, dynamic, dynamic without breakers.
    pub fn builtin() -> Vec<ParamSet> {
        vec![ParamSet::static_margin(), ParamSet::dynamic(), ParamSet::no_breakers()]
    }
}
