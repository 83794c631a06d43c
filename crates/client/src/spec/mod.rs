//! The venue spec: one reviewed TOML file describing a venue (the oracle
//! adapter's timelock, the collateral mint, the exchange parameters, the
//! feeds with their sources and guard rails, the markets with every risk
//! parameter by its governance field name). `ballast admin init --spec`
//! applies it to a cluster ([`init`]); the embedded demo and the stress lab
//! start from the committed `venue/demo.toml` ([`crate::demo::spec`]).
//!
//! Field names and bounds are the programs' own: the exchange and market
//! fields are read and written through the governance field tables
//! (`field_code`, `exchange_set_raw`, `market_set_raw`), the bounds and
//! cross-field rules are the listing validation (`violation`), the guard
//! rails and sources are checked by the adapter's `Guards::validate` and
//! `validate_sources`. A bad spec is refused with the field named.
//!
//! A spec may leave out what only exists once a cluster does (the mint, the
//! oracle accounts): the embedded ledger and the lab emulate those, at a
//! feed's `emulated_price`. [`VenueSpec::resolve`] refuses such gaps for a
//! live cluster.

pub mod init;
mod open;
#[cfg(test)]
mod tests;

use anyhow::{anyhow, bail, Context, Result};
use ballast_risk::oracle::Guards;
use ballast_risk::precision::PRICE_DECIMALS;
use margin_engine::engine::governance::{
    exchange_get, exchange_set_raw, is_listing_field, EXCHANGE_FIELDS, EXCHANGE_TARGET, GOVERNANCE_FIELD,
    GUARDIAN_FIELD,
};
use margin_engine::state::{
    market_get, market_set_raw, AddMarketParams, Exchange, InitializeExchangeParams, Market, MarketStatus, Violation,
    MARKET_FIELDS, SETTLE_FIELD,
};
use oracle_adapter::sources::SourceKind;
use oracle_adapter::state::{GuardParams, SourceParam};
use serde::Deserialize;
use solana_sdk::pubkey::Pubkey;
use std::fmt::Write;
use std::str::FromStr;

/// A venue, as a spec file describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VenueSpec {
    /// Slots a loosening feed update waits (the adapter's `initialize`).
    pub oracle_timelock_slots: u64,
    /// The collateral mint (6 decimals); `None`: emulated.
    pub mint: Option<Pubkey>,
    /// Exchange parameters. `governance` is always the default key: it is
    /// not part of a spec (`admin init` makes its signer, the programs'
    /// upgrade authority, governance; the multisig takes over afterwards).
    pub exchange: InitializeExchangeParams,
    /// The guardian; `None`: the signer of `admin init`.
    pub guardian: Option<Pubkey>,
    /// Feeds, each used by at least one market.
    pub feeds: Vec<FeedSpec>,
    /// Markets, in index order.
    pub markets: Vec<MarketSpec>,
}

/// One feed of the adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedSpec {
    /// Asset symbol (the feed's PDA seed).
    pub symbol: String,
    /// Starting price of emulated sources (PRICE_PRECISION); only the
    /// embedded ledger and the lab use it.
    pub emulated_price: Option<i64>,
    /// 1 to 4 sources.
    pub sources: Vec<SourceSpec>,
    /// Guard rails.
    pub guards: GuardParams,
}

/// One oracle source of a feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceSpec {
    /// Its format.
    pub kind: SourceKind,
    /// The oracle account; `None`: emulated.
    pub account: Option<Pubkey>,
    /// The Pyth feed id (Pyth pull sources with an account only).
    pub feed_id: Option<[u8; 32]>,
}

/// One market.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketSpec {
    /// Symbol of its feed.
    pub feed: String,
    /// Listing parameters (symbol and every listed field).
    pub params: AddMarketParams,
    /// Open-interest cap, base units (governed: opened behind the timelock).
    pub oi_cap: u64,
    /// `MarketStatus` (governed: a listing starts reduce-only).
    pub status: u8,
}

impl MarketSpec {
    /// The governed values the spec wants, by market field code.
    pub fn governed(&self) -> [(u8, u64); 2] {
        [(OI_CAP_FIELD, self.oi_cap), (STATUS_FIELD, self.status as u64)]
    }
}

/// Market field code of `oi_cap`.
pub const OI_CAP_FIELD: u8 = 9;
/// Market field code of `status`.
pub const STATUS_FIELD: u8 = 25;
const _: () = assert!(
    matches!(MARKET_FIELDS[OI_CAP_FIELD as usize].name.as_bytes(), b"oi_cap")
        && matches!(MARKET_FIELDS[STATUS_FIELD as usize].name.as_bytes(), b"status")
);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    oracle: RawOracle,
    collateral: RawCollateral,
    exchange: toml::Table,
    feeds: Vec<RawFeed>,
    markets: Vec<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOracle {
    timelock_slots: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCollateral {
    mint: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    symbol: String,
    emulated_price: Option<toml::Value>,
    sources: Vec<RawSource>,
    guards: GuardParams,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    kind: String,
    account: Option<String>,
    feed_id: Option<String>,
}

const KINDS: [SourceKind; 4] =
    [SourceKind::PythPull, SourceKind::SwitchboardOnDemand, SourceKind::PythLegacy, SourceKind::SwitchboardV2];

fn pubkey(text: &str, what: &str) -> Result<Pubkey> {
    Pubkey::from_str(text.trim()).map_err(|_| anyhow!("{what}: `{text}` is not a public key"))
}

fn integer(value: &toml::Value, what: &str) -> Result<u64> {
    value
        .as_integer()
        .and_then(|v| u64::try_from(v).ok())
        .ok_or_else(|| anyhow!("{what}: `{value}` is not a non-negative integer"))
}

/// Why `v` was refused, in words.
pub fn describe(v: &Violation, at: &str) -> String {
    let rule = v.rule.split_whitespace().collect::<Vec<_>>().join(" ");
    let rule = if rule.is_empty() { String::new() } else { format!(" ({rule})") };
    format!("{at}{} = {} is outside [{}, {}]{rule}", v.field, v.value, v.min, v.max)
}

impl VenueSpec {
    /// Read and check a spec file.
    pub fn from_file(path: &std::path::Path) -> Result<VenueSpec> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read spec {}", path.display()))?;
        VenueSpec::parse(&text).with_context(|| format!("invalid spec {}", path.display()))
    }

    /// Parse and check a spec.
    pub fn parse(text: &str) -> Result<VenueSpec> {
        let raw: Raw = toml::from_str(text).map_err(|e| anyhow!("{}", e.to_string().trim_end()))?;
        let (mut exchange, guardian) = parse_exchange(&raw.exchange)?;
        exchange.guardian = guardian.unwrap_or_default();
        let spec = VenueSpec {
            oracle_timelock_slots: raw.oracle.timelock_slots,
            mint: raw.collateral.mint.as_deref().map(|m| pubkey(m, "collateral.mint")).transpose()?,
            exchange,
            guardian,
            feeds: raw.feeds.iter().enumerate().map(|(i, f)| parse_feed(i, f)).collect::<Result<_>>()?,
            markets: raw.markets.iter().enumerate().map(|(i, m)| parse_market(i, m)).collect::<Result<_>>()?,
        };
        spec.check()?;
        Ok(spec)
    }

    /// Every rule a spec must pass, whoever built it (a file, the lab, a
    /// read-back): the adapter's timelock bounds; the exchange's and every
    /// market's listing validation; each feed's symbol, sources and guard
    /// rails; unique symbols; each market's feed in the spec and each feed
    /// used by a market.
    pub fn check(&self) -> Result<()> {
        let (lo, hi) = oracle_adapter::constants::TIMELOCK_BOUNDS;
        if !(lo..=hi).contains(&self.oracle_timelock_slots) {
            bail!("oracle.timelock_slots = {} is outside [{lo}, {hi}]", self.oracle_timelock_slots);
        }
        if let Some(v) = self.exchange.violation() {
            bail!(describe(&v, "exchange."));
        }
        if self.guardian == Some(Pubkey::default()) {
            bail!("exchange.guardian: the all-zero key cannot sign; name a real key or leave it out");
        }
        let max = margin_engine::constants::MAX_MARKETS as usize;
        if self.markets.is_empty() || self.markets.len() > max {
            bail!("markets: {} listed, a venue has 1 to {max}", self.markets.len());
        }
        for (i, f) in self.feeds.iter().enumerate() {
            let at = format!("feeds[{i}] {}", f.symbol);
            f.check().with_context(|| at.clone())?;
            if self.feeds[..i].iter().any(|g| g.symbol == f.symbol) {
                bail!("{at}: a second feed of the same symbol");
            }
            if !self.markets.iter().any(|m| m.feed == f.symbol) {
                bail!("{at}: no market uses it");
            }
        }
        for (i, m) in self.markets.iter().enumerate() {
            let at = format!("markets[{i}] {}", m.params.symbol);
            m.check().with_context(|| at.clone())?;
            if self.markets[..i].iter().any(|n| n.params.symbol == m.params.symbol) {
                bail!("{at}: a second market of the same symbol");
            }
            if !self.feeds.iter().any(|f| f.symbol == m.feed) {
                bail!("{at}: feed `{}` is not in the spec's feeds", m.feed);
            }
        }
        Ok(())
    }

    /// The spec as `admin init` applies it with `signer`: the guardian
    /// defaulted to the signer and no emulated prices (what
    /// [`init::read_back`] reads after it). Refused if anything
    /// is left to emulate (the mint, a source account), naming it.
    pub fn resolve(&self, signer: &Pubkey) -> Result<VenueSpec> {
        let mut out = self.clone();
        if out.mint.is_none() {
            bail!("collateral.mint: a live venue needs its collateral mint");
        }
        out.guardian = Some(out.guardian.unwrap_or(*signer));
        out.exchange.guardian = out.guardian.unwrap_or(*signer);
        for (i, f) in out.feeds.iter_mut().enumerate() {
            f.emulated_price = None;
            let params = f.source_params().with_context(|| format!("feeds[{i}] {}", f.symbol))?;
            oracle_adapter::instructions::validate_sources(&params)
                .map_err(|e| anyhow!("feeds[{i}] {}: sources refused by the adapter: {e}", f.symbol))?;
        }
        Ok(out)
    }

    /// The market spec of `symbol`.
    pub fn market(&self, symbol: &str) -> Option<&MarketSpec> {
        self.markets.iter().find(|m| m.params.symbol == symbol)
    }

    /// The feed spec of `symbol`.
    pub fn feed(&self, symbol: &str) -> Option<&FeedSpec> {
        self.feeds.iter().find(|f| f.symbol == symbol)
    }

    /// The spec as TOML that [`VenueSpec::parse`] reads back to an equal
    /// spec (fields in the programs' table order).
    pub fn to_toml(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "[oracle]\ntimelock_slots = {}\n", self.oracle_timelock_slots);
        let _ = writeln!(s, "[collateral]");
        if let Some(mint) = self.mint {
            let _ = writeln!(s, "mint = \"{mint}\"");
        }
        let _ = writeln!(s, "\n[exchange]");
        if let Some(g) = self.guardian {
            let _ = writeln!(s, "guardian = \"{g}\"");
        }
        let mut ex: Exchange = bytemuck::Zeroable::zeroed();
        self.exchange.write_to(&mut ex);
        for (code, f) in EXCHANGE_FIELDS.iter().enumerate().filter(|(c, _)| is_listing_field(*c as u8)) {
            let _ = writeln!(s, "{} = {}", f.name, exchange_get(&ex, code as u8).unwrap_or_default());
        }
        for f in &self.feeds {
            let _ = writeln!(s, "\n[[feeds]]\nsymbol = \"{}\"", f.symbol);
            if let Some(p) = f.emulated_price {
                let _ = writeln!(s, "emulated_price = \"{}\"", crate::fmt::fmt_price(p));
            }
            let _ = writeln!(s, "sources = [");
            for src in &f.sources {
                let mut parts = vec![format!("kind = \"{}\"", src.kind.name())];
                parts.extend(src.account.map(|a| format!("account = \"{a}\"")));
                parts.extend(src.feed_id.map(|id| format!("feed_id = \"{}\"", hex(&id))));
                let _ = writeln!(s, "    {{ {} }},", parts.join(", "));
            }
            let guards = toml::to_string(&f.guards).unwrap_or_default();
            let _ = write!(s, "]\n[feeds.guards]\n{guards}");
        }
        for m in &self.markets {
            let _ = writeln!(s, "\n[[markets]]\nsymbol = \"{}\"\nfeed = \"{}\"", m.params.symbol, m.feed);
            let market = m.to_market();
            for (code, f) in MARKET_FIELDS.iter().enumerate().filter(|(c, _)| *c != SETTLE_FIELD as usize) {
                let v = market_get(&market, code as u8).unwrap_or_default();
                match code as u8 {
                    STATUS_FIELD => {
                        let status = ["active", "reduce-only", "settled"].get(v as usize).copied().unwrap_or("unknown");
                        let _ = writeln!(s, "status = \"{status}\"");
                    }
                    _ => {
                        let _ = writeln!(s, "{} = {v}", f.name);
                    }
                }
            }
        }
        s
    }
}

impl FeedSpec {
    /// The feed's own rules: its symbol, 1 to 4 sources with distinct
    /// accounts and feed ids only on Pyth pull sources with an account, an
    /// emulated price if a source is emulated, and the adapter's guard-rail
    /// bounds (`Guards::validate`).
    pub fn check(&self) -> Result<()> {
        oracle_adapter::constants::parse_symbol(&self.symbol)
            .ok_or_else(|| anyhow!("the symbol is 1-16 characters of A-Z 0-9 / - _"))?;
        let max = ballast_risk::oracle::MAX_SOURCES;
        if self.sources.is_empty() || self.sources.len() > max {
            bail!("sources: {} given, a feed has 1 to {max}", self.sources.len());
        }
        for (j, s) in self.sources.iter().enumerate() {
            let here = format!("sources[{j}]");
            match (s.kind, s.account, s.feed_id) {
                (_, None, Some(_)) => bail!("{here}.feed_id: an emulated source (no account) has no feed id"),
                (SourceKind::PythPull, Some(_), None) => bail!("{here}.feed_id: a pyth-pull source needs its feed id"),
                (k, _, Some(_)) if k != SourceKind::PythPull => {
                    bail!("{here}.feed_id: only pyth-pull sources have one")
                }
                _ => {}
            }
            if s.account.is_some() && self.sources[..j].iter().any(|o| o.account == s.account) {
                bail!("{here}.account: the same account twice");
            }
        }
        if self.sources.iter().any(|s| s.account.is_none()) && self.emulated_price.is_none() {
            bail!("emulated sources (no account) need the feed's emulated_price");
        }
        Guards::from(self.guards)
            .validate(self.sources.len())
            .map_err(|e| anyhow!("guards.{} = {} is outside [{}, {}]", e.field, e.got, e.min, e.max))
    }

    /// The sources as `create_feed` takes them; refused if one is emulated.
    pub fn source_params(&self) -> Result<Vec<SourceParam>> {
        self.sources
            .iter()
            .enumerate()
            .map(|(j, s)| {
                let account = s.account.ok_or_else(|| anyhow!("sources[{j}].account: a live feed needs it"))?;
                Ok(SourceParam { kind: s.kind as u8, account, feed_id: s.feed_id.unwrap_or_default() })
            })
            .collect()
    }
}

impl MarketSpec {
    /// The market's own rules: its symbol, the listing validation
    /// (`AddMarketParams::violation`, which names the field and the rule),
    /// and the governed fields' ranges.
    pub fn check(&self) -> Result<()> {
        oracle_adapter::constants::parse_symbol(&self.params.symbol)
            .ok_or_else(|| anyhow!("the symbol is 1-16 characters of A-Z 0-9 / - _"))?;
        if let Some(v) = self.params.violation() {
            bail!(describe(&v, ""));
        }
        if self.oi_cap > i64::MAX as u64 {
            bail!("oi_cap = {} is above {}", self.oi_cap, i64::MAX);
        }
        if self.status > MarketStatus::ReduceOnly as u8 {
            bail!("status: a spec lists an active or reduce-only market, not a settled one");
        }
        Ok(())
    }

    /// A market holding these parameters (for the governance getters).
    pub fn to_market(&self) -> Market {
        let mut m: Market = bytemuck::Zeroable::zeroed();
        m.params = self.params.params();
        m.oi_cap = self.oi_cap;
        m.status = self.status;
        m
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex32(text: &str, what: &str) -> Result<[u8; 32]> {
    let t = text.trim().trim_start_matches("0x");
    let bad = || anyhow!("{what}: `{text}` is not 32 bytes of hex");
    if t.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(t.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

fn parse_exchange(table: &toml::Table) -> Result<(InitializeExchangeParams, Option<Pubkey>)> {
    let mut ex: Exchange = bytemuck::Zeroable::zeroed();
    let mut guardian = None;
    let mut seen = Vec::new();
    for (name, value) in table {
        let at = format!("exchange.{name}");
        let code = crate::engine::field_code(EXCHANGE_TARGET, name).with_context(|| "exchange".to_string())?;
        if seen.contains(&code) || name.trim() != name {
            bail!("{at}: given twice (or with spaces around the name)");
        }
        seen.push(code);
        match code {
            GUARDIAN_FIELD => {
                let text = value.as_str().ok_or_else(|| anyhow!("{at}: `{value}` is not a public key string"))?;
                guardian = Some(pubkey(text, &at)?);
            }
            GOVERNANCE_FIELD => bail!(
                "{at}: admin init makes its signer (the programs' upgrade authority) governance; hand it to the \
                 multisig afterwards with `ballast gov queue governance=KEY` (README, Deploying)"
            ),
            c if !is_listing_field(c) => bail!("{at}: not a listing parameter"),
            c => {
                let v = integer(value, &at)?;
                exchange_set_raw(&mut ex, c, v).map_err(|_| anyhow!("{at} = {v} does not fit the field"))?;
            }
        }
    }
    if let Some(missing) =
        EXCHANGE_FIELDS.iter().enumerate().find(|(c, _)| is_listing_field(*c as u8) && !seen.contains(&(*c as u8)))
    {
        bail!("exchange: missing field `{}`", missing.1.name);
    }
    Ok((InitializeExchangeParams::of(&ex), guardian))
}

fn parse_feed(i: usize, f: &RawFeed) -> Result<FeedSpec> {
    let at = format!("feeds[{i}] {}", f.symbol);
    let emulated_price = match &f.emulated_price {
        None => None,
        Some(v) => {
            let what = format!("{at}: emulated_price");
            let text = match v {
                toml::Value::String(t) => t.clone(),
                toml::Value::Integer(n) => n.to_string(),
                _ => bail!("{what}: `{v}` is not a decimal string or an integer (write \"150.25\")"),
            };
            let p = crate::amount::parse_positive(&text, PRICE_DECIMALS, &what)?;
            Some(i64::try_from(p).map_err(|_| anyhow!("{what}: too large"))?)
        }
    };
    let mut sources = Vec::new();
    for (j, s) in f.sources.iter().enumerate() {
        let here = format!("{at}: sources[{j}]");
        let kind = KINDS.into_iter().find(|k| k.name() == s.kind).ok_or_else(|| {
            let names: Vec<&str> = KINDS.iter().map(|k| k.name()).collect();
            anyhow!("{here}.kind: `{}` is not one of {}", s.kind, names.join(", "))
        })?;
        let account = s.account.as_deref().map(|a| pubkey(a, &format!("{here}.account"))).transpose()?;
        let feed_id = s.feed_id.as_deref().map(|id| parse_hex32(id, &format!("{here}.feed_id"))).transpose()?;
        sources.push(SourceSpec { kind, account, feed_id });
    }
    Ok(FeedSpec { symbol: f.symbol.clone(), emulated_price, sources, guards: f.guards })
}

fn parse_market(i: usize, table: &toml::Table) -> Result<MarketSpec> {
    let text = |key: &str| -> Result<String> {
        let v = table.get(key).ok_or_else(|| anyhow!("markets[{i}]: missing field `{key}`"))?;
        v.as_str().map(str::to_string).ok_or_else(|| anyhow!("markets[{i}].{key}: `{v}` is not a string"))
    };
    let symbol = text("symbol")?;
    let at = format!("markets[{i}] {symbol}");
    let feed = text("feed")?;
    let mut m: Market = bytemuck::Zeroable::zeroed();
    let mut seen = Vec::new();
    for (name, value) in table.iter().filter(|(k, _)| !matches!(k.as_str(), "symbol" | "feed")) {
        let here = format!("{at}: {name}");
        let code = crate::engine::field_code(0, name).with_context(|| at.clone())?;
        if code == SETTLE_FIELD {
            bail!("{here}: not a listing parameter");
        }
        if seen.contains(&code) || name.trim() != name {
            bail!("{here}: given twice (or with spaces around the name)");
        }
        let v = if code == STATUS_FIELD {
            match value.as_str() {
                Some("active") => MarketStatus::Active as u64,
                Some("reduce-only") => MarketStatus::ReduceOnly as u64,
                Some("settled") => bail!("{here}: a spec lists an active or reduce-only market, not a settled one"),
                _ => bail!("{here}: `{value}` is not \"active\" or \"reduce-only\""),
            }
        } else {
            integer(value, &here)?
        };
        market_set_raw(&mut m, code, v).map_err(|_| anyhow!("{here} = {v} does not fit the field"))?;
        seen.push(code);
    }
    let listed = MARKET_FIELDS.iter().enumerate().filter(|(c, _)| *c != SETTLE_FIELD as usize);
    if let Some((_, f)) = listed.clone().find(|(c, _)| !seen.contains(&(*c as u8))) {
        bail!("{at}: missing field `{}`", f.name);
    }
    let params = AddMarketParams { symbol, ..AddMarketParams::of(&m) };
    Ok(MarketSpec { feed, params, oi_cap: m.oi_cap, status: m.status })
}
