//! Built-in scenarios, by name: `--scenario NAME` runs one when no file of
//! that name exists ([`Scenario::from_file`]). Each is a [`Scenario`] like
//! a TOML file's; flags still override it.
//!
//! - `winners-drain`: a small pool against a crowd of longs in a strong
//!   rally. The pool is the traders' counterparty, so the longs' profit
//!   outgrows its cash: closes book unsettled PnL, the keeper
//!   auto-deleverages the best winners and settles what cash arrives.
//! - `agreed-pump`: the default crash with the agreed-pump adversary
//!   (every source follows its pushed price) beside the thin-market one
//!   (one source spiked), so their PnLs read side by side.
//! - `herd`: every trader goes long into a rally against the default
//!   pool: the pool is short all of it. `scripts/stress-table.sh` runs it
//!   with the pool's charges (funding, borrow fee, impact, fee routing,
//!   the reserve cap) and with them switched off
//!   (`scenarios/uncharged.toml`), on the same seed.

use crate::scenario::Scenario;

/// The built-in scenarios' names.
pub const PRESETS: [&str; 3] = ["winners-drain", "agreed-pump", "herd"];

impl Scenario {
    /// The built-in scenario `name`, if there is one.
    pub fn preset(name: &str) -> Option<Scenario> {
        match name {
            "winners-drain" => Some(Scenario::winners_drain()),
            "agreed-pump" => Some(Scenario { pump: true, ..Scenario::default() }),
            "herd" => Some(Scenario::herd()),
            _ => None,
        }
    }

    /// Winners drain the pool: 3,000 slots of a synthetic path that rallies
    /// 60 % from slot 300 to slot 2,300 (no crash, no high-volatility
    /// regime), 100 traders of whom 90 % go long, a 250,000-dollar house
    /// pool and one LP (25,000), no adversary. The traders deposit about
    /// 1M and hold about 4.5M of notional, nearly all long: the pool is
    /// short about 4M into the rally.
    pub fn winners_drain() -> Scenario {
        Scenario {
            slots: 3_000,
            lps: 1,
            pool_usd: 250_000,
            long_share: 0.9,
            rally: Some((300, 2_300, 6_000)),
            adversary: false,
            ..Scenario::default()
        }
    }
}

impl Scenario {
    /// A one-sided herd: 3,000 slots of a synthetic path that rallies 40 %
    /// from slot 300 to slot 2,700, 100 traders who all go long at up to
    /// 10x, three LPs and the default 2M house pool, no adversary. Nobody
    /// takes the other side: the pool is short the crowd's whole position
    /// into the rally.
    pub fn herd() -> Scenario {
        Scenario {
            slots: 3_000,
            long_share: 1.0,
            rally: Some((300, 2_700, 4_000)),
            adversary: false,
            ..Scenario::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::generate;

    #[test]
    fn every_preset_is_valid_and_the_rally_rises_by_about_its_template() {
        for name in PRESETS {
            Scenario::preset(name).expect("listed").validate().unwrap();
        }
        assert!(Scenario::preset("no-such").is_none());
        let s = Scenario::winners_drain();
        let path = generate(&s.synthetic()).0;
        let (start, end) = (path.points[300].1 as f64, path.points[2_300].1 as f64);
        let rise = end / start - 1.0;
        assert!((0.3..0.9).contains(&rise), "the rally takes the price up {rise:.2}");
    }

    #[test]
    fn a_name_with_no_such_file_is_the_built_in_scenario() {
        let s = Scenario::from_file(std::path::Path::new("agreed-pump")).unwrap();
        assert!(s.pump && s.adversary);
        assert!(Scenario::from_file(std::path::Path::new("no-such-scenario.toml")).is_err());
    }
}
