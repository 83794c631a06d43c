//! Per-feed guard rails and their hard bounds.

/// At most this many sources per feed.
pub const MAX_SOURCES: usize = 4;

/// Governance-set guard rails of one feed. Every field is bounds-checked by
/// [`Guards::validate`] on create and update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guards {
    /// Max age of a source's publish time, seconds. Bounds [1, 3600].
    pub max_age_secs: u32,
    /// Max age of a source's slot, slots. Bounds [1, 9000].
    pub max_age_slots: u32,
    /// Max conf / price, bps. Bounds [1, 2000].
    pub max_conf_bps: u32,
    /// Max (max - min) / median between valid sources, bps. Bounds [1, 2000].
    pub max_divergence_bps: u32,
    /// Max |price - EMA| / EMA before the feed is `TooVolatile`, bps.
    /// Bounds [50, 50000].
    pub max_jump_bps: u32,
    /// Valid sources needed for `Valid`; fewer (but >= 1) is `Degraded`.
    /// Bounds [1, number of configured sources].
    pub min_valid_sources: u8,
    /// Half-life of the price EMA, seconds. Bounds [1, 604800].
    pub ema_half_life_secs: u32,
    /// Half-life of the realised-variance EWMA, seconds. Bounds [1, 604800].
    pub vol_half_life_secs: u32,
    /// How far ahead of the clock a source's publish time may be, seconds.
    /// Further is `FutureTimestamp`; within it the time counts as now, so a
    /// source stamped ahead never blocks later honest updates. Bounds [0, 30].
    pub max_future_secs: u32,
    /// How long an agreed jump beyond `max_jump_bps` holds the feed at
    /// `TooVolatile`, slots; afterwards the EMA re-anchors at the price.
    /// Bounds [30, 1500] (above `MAX_CONFIRM_GAP_SLOTS`, so a jump is seen
    /// more than twice before it is confirmed).
    pub jump_confirm_slots: u32,
}

/// A guard rail outside its bounds: names the field and the allowed range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuardError {
    /// The offending field.
    pub field: &'static str,
    /// Smallest allowed value.
    pub min: u64,
    /// Largest allowed value.
    pub max: u64,
    /// The value given.
    pub got: u64,
}

/// Hard bounds: (field, min, max).
pub const BOUNDS_MAX_AGE_SECS: (u64, u64) = (1, 3_600);
/// Bounds of `max_age_slots`.
pub const BOUNDS_MAX_AGE_SLOTS: (u64, u64) = (1, 9_000);
/// Bounds of `max_conf_bps`.
pub const BOUNDS_MAX_CONF_BPS: (u64, u64) = (1, 2_000);
/// Bounds of `max_divergence_bps`.
pub const BOUNDS_MAX_DIVERGENCE_BPS: (u64, u64) = (1, 2_000);
/// Bounds of `max_jump_bps`.
pub const BOUNDS_MAX_JUMP_BPS: (u64, u64) = (50, 50_000);
/// Bounds of the two half-lives.
pub const BOUNDS_HALF_LIFE_SECS: (u64, u64) = (1, 604_800);
/// Bounds of `max_future_secs`.
pub const BOUNDS_MAX_FUTURE_SECS: (u64, u64) = (0, 30);
/// Bounds of `jump_confirm_slots`.
pub const BOUNDS_JUMP_CONFIRM_SLOTS: (u64, u64) = (30, 1_500);

impl Guards {
    /// Check every field against its hard bounds, given how many sources the
    /// feed has. Returns the first violation.
    pub fn validate(&self, num_sources: usize) -> Result<(), GuardError> {
        let checks: [(&'static str, u64, (u64, u64)); 10] = [
            ("max_age_secs", self.max_age_secs as u64, BOUNDS_MAX_AGE_SECS),
            ("max_age_slots", self.max_age_slots as u64, BOUNDS_MAX_AGE_SLOTS),
            ("max_conf_bps", self.max_conf_bps as u64, BOUNDS_MAX_CONF_BPS),
            ("max_divergence_bps", self.max_divergence_bps as u64, BOUNDS_MAX_DIVERGENCE_BPS),
            ("max_jump_bps", self.max_jump_bps as u64, BOUNDS_MAX_JUMP_BPS),
            ("min_valid_sources", self.min_valid_sources as u64, (1, num_sources.max(1) as u64)),
            ("ema_half_life_secs", self.ema_half_life_secs as u64, BOUNDS_HALF_LIFE_SECS),
            ("vol_half_life_secs", self.vol_half_life_secs as u64, BOUNDS_HALF_LIFE_SECS),
            ("max_future_secs", self.max_future_secs as u64, BOUNDS_MAX_FUTURE_SECS),
            ("jump_confirm_slots", self.jump_confirm_slots as u64, BOUNDS_JUMP_CONFIRM_SLOTS),
        ];
        for (field, got, (min, max)) in checks {
            if got < min || got > max {
                return Err(GuardError { field, min, max, got });
            }
        }
        Ok(())
    }

    /// Conservative defaults for a liquid asset, used by the CLI and tests.
    pub const fn default_liquid() -> Guards {
        Guards {
            max_age_secs: 60,
            max_age_slots: 150,
            max_conf_bps: 200,
            max_divergence_bps: 150,
            max_jump_bps: 2_500,
            min_valid_sources: 2,
            ema_half_life_secs: 600,
            vol_half_life_secs: 3_600,
            max_future_secs: 2,
            jump_confirm_slots: 150,
        }
    }
}

/// How a guard-rail change classifies: every field moves the tightening
/// way (or stays), or the change loosens and must wait for the timelock.
/// The half-lives shape the EMA and volatility, so any change to them is
/// loosening. A longer jump confirmation holds new risk back longer
/// (tightening); a larger future tolerance loosens. `Err(field)` names a field that moves more than a factor of 2.
pub fn classify_change(old: &Guards, new: &Guards) -> Result<bool, &'static str> {
    let fields: [(&'static str, u64, u64, Option<bool>); 10] = [
        ("max_age_secs", old.max_age_secs.into(), new.max_age_secs.into(), Some(false)),
        ("max_age_slots", old.max_age_slots.into(), new.max_age_slots.into(), Some(false)),
        ("max_conf_bps", old.max_conf_bps.into(), new.max_conf_bps.into(), Some(false)),
        ("max_divergence_bps", old.max_divergence_bps.into(), new.max_divergence_bps.into(), Some(false)),
        ("max_jump_bps", old.max_jump_bps.into(), new.max_jump_bps.into(), Some(false)),
        ("min_valid_sources", old.min_valid_sources.into(), new.min_valid_sources.into(), Some(true)),
        ("ema_half_life_secs", old.ema_half_life_secs.into(), new.ema_half_life_secs.into(), None),
        ("vol_half_life_secs", old.vol_half_life_secs.into(), new.vol_half_life_secs.into(), None),
        ("max_future_secs", old.max_future_secs.into(), new.max_future_secs.into(), Some(false)),
        ("jump_confirm_slots", old.jump_confirm_slots.into(), new.jump_confirm_slots.into(), Some(true)),
    ];
    let mut tightening = true;
    for (name, o, n, up_tightens) in fields {
        if o != 0 && (n > o.saturating_mul(2) || n.saturating_mul(2) < o) {
            return Err(name);
        }
        tightening &= match up_tightens {
            Some(true) => n >= o,
            Some(false) => n <= o,
            None => n == o,
        };
    }
    Ok(tightening)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_in_bounds() {
        assert_eq!(Guards::default_liquid().validate(2), Ok(()));
    }

    #[test]
    fn each_bound_is_enforced_with_the_field_named() {
        let mut g = Guards::default_liquid();
        g.max_age_secs = 0;
        assert_eq!(g.validate(2).unwrap_err().field, "max_age_secs");
        let mut g = Guards::default_liquid();
        g.max_conf_bps = 2_001;
        assert_eq!(g.validate(2), Err(GuardError { field: "max_conf_bps", min: 1, max: 2_000, got: 2_001 }));
        let mut g = Guards::default_liquid();
        g.min_valid_sources = 3;
        assert_eq!(g.validate(2).unwrap_err().field, "min_valid_sources");
        let mut g = Guards::default_liquid();
        g.vol_half_life_secs = 604_801;
        assert_eq!(g.validate(2).unwrap_err().field, "vol_half_life_secs");
        let g = Guards { max_future_secs: 31, ..Guards::default_liquid() };
        assert_eq!(g.validate(2), Err(GuardError { field: "max_future_secs", min: 0, max: 30, got: 31 }));
        assert_eq!(Guards { max_future_secs: 30, ..g }.validate(2), Ok(()));
        let g = Guards { jump_confirm_slots: 29, ..Guards::default_liquid() };
        assert_eq!(g.validate(2), Err(GuardError { field: "jump_confirm_slots", min: 30, max: 1_500, got: 29 }));
        assert_eq!(Guards { jump_confirm_slots: 30, ..g }.validate(2), Ok(()));
    }

    #[test]
    fn guard_changes_classify_field_by_field_and_steps_are_bounded() {
        let g = Guards::default_liquid();
        assert_eq!(classify_change(&g, &Guards { max_conf_bps: 100, min_valid_sources: 2, ..g }), Ok(true));
        assert_eq!(classify_change(&g, &Guards { max_age_secs: 90, ..g }), Ok(false));
        assert_eq!(classify_change(&g, &Guards { min_valid_sources: 1, ..g }), Ok(false));
        assert_eq!(classify_change(&g, &Guards { ema_half_life_secs: 300, ..g }), Ok(false));
        assert_eq!(classify_change(&g, &Guards { max_jump_bps: 5_001, ..g }), Err("max_jump_bps"));
        assert_eq!(classify_change(&g, &g), Ok(true), "no change is not loosening");
        assert_eq!(classify_change(&g, &Guards { jump_confirm_slots: 300, ..g }), Ok(true));
        assert_eq!(classify_change(&g, &Guards { jump_confirm_slots: 149, ..g }), Ok(false));
        assert_eq!(classify_change(&g, &Guards { max_future_secs: 1, ..g }), Ok(true));
        assert_eq!(classify_change(&g, &Guards { max_future_secs: 3, ..g }), Ok(false));
    }
}
