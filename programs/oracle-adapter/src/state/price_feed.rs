//! The `PriceFeed` account: one validated price per asset.

use crate::constants::MAX_SYMBOL_LEN;
use crate::sources::SourceKind;
use anchor_lang::prelude::*;
use ballast_risk::oracle::{vol_bps, FeedState, Guards, MAX_SOURCES};

/// One configured source of a feed.
#[zero_copy]
#[repr(C)]
#[derive(Debug, PartialEq, Eq, Default)]
pub struct SourceConfig {
    /// The oracle account to read.
    pub account: Pubkey,
    /// Pyth feed id for `PythPull` sources; zero for every other kind.
    pub feed_id: [u8; 32],
    /// `SourceKind` byte.
    pub kind: u8,
    /// Padding to 8-byte alignment.
    pub padding: [u8; 7],
}

/// A source as given to `create_feed` / `update_feed`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceParam {
    /// `SourceKind` byte: 0 PythPull, 1 SwitchboardOnDemand, 2 PythLegacy, 3 SwitchboardV2.
    pub kind: u8,
    /// The oracle account.
    pub account: Pubkey,
    /// Pyth feed id (`PythPull` only; zero otherwise).
    pub feed_id: [u8; 32],
}

/// Guard rails as instruction data and in events; mirrors
/// [`ballast_risk::oracle::Guards`], whose `validate` holds the bounds.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize, serde::Serialize), serde(deny_unknown_fields))]
pub struct GuardParams {
    /// Max source age, seconds. Bounds [1, 3600].
    pub max_age_secs: u32,
    /// Max source age, slots. Bounds [1, 9000].
    pub max_age_slots: u32,
    /// Max conf/price, bps. Bounds [1, 2000].
    pub max_conf_bps: u32,
    /// Max divergence between sources, bps. Bounds [1, 2000].
    pub max_divergence_bps: u32,
    /// Max jump against the EMA before `TooVolatile`, bps. Bounds [50, 50000].
    pub max_jump_bps: u32,
    /// Valid sources needed for `Valid`. Bounds [1, sources].
    pub min_valid_sources: u8,
    /// EMA half-life, seconds. Bounds [1, 604800].
    pub ema_half_life_secs: u32,
    /// Volatility EWMA half-life, seconds. Bounds [1, 604800].
    pub vol_half_life_secs: u32,
    /// Tolerance for a source stamped ahead of the clock, seconds. Bounds [0, 30].
    pub max_future_secs: u32,
    /// Slots an agreed jump stays `TooVolatile` before the EMA re-anchors.
    /// Bounds [30, 1500].
    pub jump_confirm_slots: u32,
}

impl From<GuardParams> for Guards {
    fn from(g: GuardParams) -> Guards {
        Guards {
            max_age_secs: g.max_age_secs,
            max_age_slots: g.max_age_slots,
            max_conf_bps: g.max_conf_bps,
            max_divergence_bps: g.max_divergence_bps,
            max_jump_bps: g.max_jump_bps,
            min_valid_sources: g.min_valid_sources,
            ema_half_life_secs: g.ema_half_life_secs,
            vol_half_life_secs: g.vol_half_life_secs,
            max_future_secs: g.max_future_secs,
            jump_confirm_slots: g.jump_confirm_slots,
        }
    }
}

impl From<Guards> for GuardParams {
    fn from(g: Guards) -> GuardParams {
        GuardParams {
            max_age_secs: g.max_age_secs,
            max_age_slots: g.max_age_slots,
            max_conf_bps: g.max_conf_bps,
            max_divergence_bps: g.max_divergence_bps,
            max_jump_bps: g.max_jump_bps,
            min_valid_sources: g.min_valid_sources,
            ema_half_life_secs: g.ema_half_life_secs,
            vol_half_life_secs: g.vol_half_life_secs,
            max_future_secs: g.max_future_secs,
            jump_confirm_slots: g.jump_confirm_slots,
        }
    }
}

/// One asset's validated price (PDA `[FEED_SEED, symbol]`). Zero-copy, with
/// only 8-byte-aligned fields so the layout is identical on SBF and x86-64.
/// Never reorder fields; append by shrinking `reserved`.
#[account(zero_copy)]
#[repr(C)]
#[derive(Debug)]
pub struct PriceFeed {
    /// Asset symbol, zero-padded (also the PDA seed, unpadded).
    pub symbol: [u8; 16],
    /// Configured sources; the first `num_sources` are used.
    pub sources: [SourceConfig; 4],
    /// Number of configured sources, 1..=4.
    pub num_sources: u8,
    /// Guard rail: valid sources needed for `Valid`.
    pub min_valid_sources: u8,
    /// Layout version.
    pub version: u8,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// `Validity` byte as of the last refresh.
    pub validity: u8,
    /// Sources that passed in the last refresh.
    pub valid_sources: u8,
    /// 1 once any price was published.
    pub has_price: u8,
    /// Padding.
    pub padding0: u8,
    /// Guard rail: max source age, seconds.
    pub max_age_secs: u32,
    /// Guard rail: max source age, slots.
    pub max_age_slots: u32,
    /// Guard rail: max conf/price, bps.
    pub max_conf_bps: u32,
    /// Guard rail: max divergence between sources, bps.
    pub max_divergence_bps: u32,
    /// Guard rail: max jump against the EMA, bps.
    pub max_jump_bps: u32,
    /// Guard rail: EMA half-life, seconds.
    pub ema_half_life_secs: u32,
    /// Guard rail: volatility EWMA half-life, seconds.
    pub vol_half_life_secs: u32,
    /// Padding.
    pub padding1: u32,
    /// precision: PRICE_PRECISION. Median of the valid sources.
    pub price: i64,
    /// precision: PRICE_PRECISION. Max of source conf and dispersion.
    pub conf: u64,
    /// precision: PRICE_PRECISION. Time-weighted EMA of `price`.
    pub ema_price: i64,
    /// precision: VARIANCE_PRECISION (10^-18) per second. Realised variance EWMA.
    pub variance_rate: u64,
    /// Annualised realised volatility, bps (derived from `variance_rate`).
    pub vol_bps: u64,
    /// Unix seconds of the newest valid source of the published price.
    pub publish_time: i64,
    /// Slot of the newest valid source of the published price.
    pub publish_slot: u64,
    /// Slot of the last refresh (applied or not).
    pub last_refresh_slot: u64,
    /// Unix seconds of the last refresh.
    pub last_refresh_ts: i64,
    /// Guard rail: tolerance for a source stamped ahead of the clock, seconds.
    pub max_future_secs: u32,
    /// Guard rail: slots an agreed jump stays `TooVolatile` before re-anchoring.
    pub jump_confirm_slots: u32,
    /// precision: PRICE_PRECISION. Lowest valid source price of the published aggregate.
    pub lo_price: i64,
    /// precision: PRICE_PRECISION. Highest valid source price of the published aggregate.
    pub hi_price: i64,
    /// precision: PRICE_PRECISION. Largest own conf of the valid sources (no dispersion).
    pub src_conf: u64,
    /// First slot of the agreed jump now standing beyond the jump limit (0: none).
    pub jump_since_slot: u64,
    /// precision: PRICE_PRECISION. The price that started that jump (0: none).
    pub jump_start_price: i64,
    /// Id + 1 of the newest queued update of this feed (0: none recorded).
    /// Only that update may be applied; an instant `update_feed` records
    /// the config's `next_update_id + 1`, superseding every earlier one.
    pub newest_update: u64,
    /// Slot of the last instant `update_feed` (0: none). Another waits a
    /// full timelock: each guard moves at most a factor of 2 per update, so
    /// chained instant tightenings cannot reach a bound (a freeze) at once.
    pub last_instant_update_slot: u64,
    /// precision: PRICE_PRECISION. The reference the last confirmed jump
    /// moved away from, lowest over jumps confirmed close together (0: none).
    pub anchor_lo: i64,
    /// precision: PRICE_PRECISION. The same, highest.
    pub anchor_hi: i64,
    /// Slot the last jump was confirmed (0: none).
    pub anchor_slot: u64,
}

/// Size of [`PriceFeed`] without the 8-byte discriminator.
pub const PRICE_FEED_SIZE: usize = 504;
const _: () = assert!(core::mem::size_of::<PriceFeed>() == PRICE_FEED_SIZE);
const _: () = assert!(core::mem::align_of::<PriceFeed>() == 8);
const _: () = assert!(core::mem::size_of::<SourceConfig>() == 72);

impl PriceFeed {
    /// The configured sources in use.
    pub fn active_sources(&self) -> &[SourceConfig] {
        let n = (self.num_sources as usize).min(MAX_SOURCES);
        &self.sources[..n]
    }

    /// The sources in use, as instruction/event parameters.
    pub fn source_params(&self) -> Vec<SourceParam> {
        self.active_sources()
            .iter()
            .map(|s| SourceParam { kind: s.kind, account: s.account, feed_id: s.feed_id })
            .collect()
    }

    /// The guard rails as plain numbers.
    pub fn guards(&self) -> Guards {
        Guards {
            max_age_secs: self.max_age_secs,
            max_age_slots: self.max_age_slots,
            max_conf_bps: self.max_conf_bps,
            max_divergence_bps: self.max_divergence_bps,
            max_jump_bps: self.max_jump_bps,
            min_valid_sources: self.min_valid_sources,
            ema_half_life_secs: self.ema_half_life_secs,
            vol_half_life_secs: self.vol_half_life_secs,
            max_future_secs: self.max_future_secs,
            jump_confirm_slots: self.jump_confirm_slots,
        }
    }

    /// Store guard rails (already validated).
    pub fn set_guards(&mut self, g: &Guards) {
        self.max_age_secs = g.max_age_secs;
        self.max_age_slots = g.max_age_slots;
        self.max_conf_bps = g.max_conf_bps;
        self.max_divergence_bps = g.max_divergence_bps;
        self.max_jump_bps = g.max_jump_bps;
        self.min_valid_sources = g.min_valid_sources;
        self.ema_half_life_secs = g.ema_half_life_secs;
        self.vol_half_life_secs = g.vol_half_life_secs;
        self.max_future_secs = g.max_future_secs;
        self.jump_confirm_slots = g.jump_confirm_slots;
    }

    /// Store sources (already validated); unused slots are zeroed.
    pub fn set_sources(&mut self, sources: &[SourceParam]) {
        self.sources = [SourceConfig::default(); 4];
        for (slot, s) in self.sources.iter_mut().zip(sources) {
            *slot = SourceConfig { account: s.account, feed_id: s.feed_id, kind: s.kind, padding: [0; 7] };
        }
        self.num_sources = sources.len().min(MAX_SOURCES) as u8;
    }

    /// The published state as plain numbers for the risk crate.
    pub fn state(&self) -> FeedState {
        FeedState {
            price: self.price,
            conf: self.conf,
            ema_price: self.ema_price,
            variance_rate: self.variance_rate,
            publish_time: self.publish_time,
            publish_slot: self.publish_slot,
            has_price: self.has_price != 0,
            validity: self.validity,
            valid_sources: self.valid_sources,
            lo_price: self.lo_price,
            hi_price: self.hi_price,
            src_conf: self.src_conf,
            jump_since_slot: self.jump_since_slot,
            jump_start_price: self.jump_start_price,
            last_refresh_slot: self.last_refresh_slot,
            anchor_lo: self.anchor_lo,
            anchor_hi: self.anchor_hi,
            anchor_slot: self.anchor_slot,
        }
    }

    /// Store a new published state and the derived annualised volatility.
    pub fn set_state(&mut self, s: &FeedState) -> core::result::Result<(), ballast_risk::MathError> {
        self.price = s.price;
        self.conf = s.conf;
        self.ema_price = s.ema_price;
        self.variance_rate = s.variance_rate;
        self.vol_bps = vol_bps(s.variance_rate)?;
        self.publish_time = s.publish_time;
        self.publish_slot = s.publish_slot;
        self.has_price = s.has_price as u8;
        self.validity = s.validity;
        self.valid_sources = s.valid_sources;
        self.lo_price = s.lo_price;
        self.hi_price = s.hi_price;
        self.src_conf = s.src_conf;
        self.jump_since_slot = s.jump_since_slot;
        self.jump_start_price = s.jump_start_price;
        self.anchor_lo = s.anchor_lo;
        self.anchor_hi = s.anchor_hi;
        self.anchor_slot = s.anchor_slot;
        Ok(())
    }

    /// The symbol as a string slice (without padding).
    pub fn symbol_str(&self) -> &str {
        let end = self.symbol.iter().position(|b| *b == 0).unwrap_or(MAX_SYMBOL_LEN);
        core::str::from_utf8(&self.symbol[..end]).unwrap_or("?")
    }

    /// Source `i`'s kind, if the byte is a known kind.
    pub fn source_kind(&self, i: usize) -> Option<SourceKind> {
        self.sources.get(i).and_then(|s| SourceKind::from_u8(s.kind))
    }
}
