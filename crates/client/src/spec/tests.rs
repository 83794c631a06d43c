use super::*;
use crate::demo::DEMO_SPEC;

/// The demo spec with the first `from` replaced by `to`.
fn edited(from: &str, to: &str) -> String {
    assert!(DEMO_SPEC.contains(from), "the demo spec has `{from}`");
    DEMO_SPEC.replacen(from, to, 1)
}

fn refused(text: &str) -> String {
    format!("{:#}", VenueSpec::parse(text).expect_err("refused"))
}

#[test]
fn the_demo_spec_parses_and_round_trips_through_its_toml() {
    let spec = VenueSpec::parse(DEMO_SPEC).unwrap();
    assert_eq!(spec.markets.len(), 3);
    assert_eq!(spec.markets[1].params.symbol, "BTC");
    assert_eq!((spec.markets[1].params.imr_bps, spec.markets[1].params.mmr_bps), (500, 250));
    assert_eq!(spec.markets[0].oi_cap, 20_000 * 1_000_000_000);
    assert_eq!(spec.markets[0].status, MarketStatus::Active as u8);
    assert_eq!(spec.feed("SOL").unwrap().emulated_price, Some(150 * ballast_risk::precision::PRICE_PRECISION));
    assert_eq!(spec.exchange.deposit_cap, 1_000_000 * crate::demo::USD);
    assert_eq!(VenueSpec::parse(&spec.to_toml()).unwrap(), spec);

    let mut full = spec.clone();
    full.mint = Some(Pubkey::new_unique());
    full.guardian = Some(Pubkey::new_unique());
    for f in &mut full.feeds {
        for s in &mut f.sources {
            s.account = Some(Pubkey::new_unique());
            s.feed_id = (s.kind == SourceKind::PythPull).then_some([7; 32]);
        }
    }
    let resolved = full.resolve(&Pubkey::new_unique()).unwrap();
    assert_eq!(VenueSpec::parse(&resolved.to_toml()).unwrap(), resolved);
}

#[test]
fn an_unknown_field_is_refused_by_name_wherever_it_is() {
    let e = refused(&edited("imr_bps = 1_000", "imr_bp = 1_000"));
    assert!(e.contains("markets[0] SOL") && e.contains("unknown field `imr_bp`"), "{e}");
    let e = refused(&edited("stress_mult_bps = 15_000", "stress_mult = 15_000"));
    assert!(e.contains("exchange") && e.contains("unknown field `stress_mult`"), "{e}");
    let e = refused(&edited("max_age_secs = 60", "max_age = 60"));
    assert!(e.contains("unknown field `max_age`"), "{e}");
    let e = refused(&edited("[oracle]", "[oracles]"));
    assert!(e.contains("unknown field `oracles`"), "{e}");
    let e = refused(&edited("{ kind = \"pyth-pull\" }", "{ kind = \"pyth\" }"));
    assert!(e.contains("feeds[0] SOL: sources[0].kind: `pyth` is not one of pyth-pull"), "{e}");
    let e = refused(&edited("status = \"active\"", "status = \"open\""));
    assert!(e.contains("markets[0] SOL: status: `\"open\"` is not \"active\" or \"reduce-only\""), "{e}");
    let e = refused(&edited(
        "timelock_slots = 50             #",
        "governance = \"11111111111111111111111111111112\"\ntimelock_slots = 50 #",
    ));
    assert!(e.contains("exchange.governance: admin init makes its signer"), "{e}");
    let e = refused(&edited("status = \"active\"", "status = \"active\"\nsettlement_price = 1"));
    assert!(e.contains("markets[0] SOL: settlement_price: not a listing parameter"), "{e}");
    let e = refused(&edited("mmr_bps = 500\n", ""));
    assert!(e.contains("markets[0] SOL: missing field `mmr_bps`"), "{e}");
    // A field given twice under a name TOML sees as another key.
    let e = refused(&edited("fee_bps = 5\n", "fee_bps = 5\n\"fee_bps \" = 100\n"));
    assert!(e.contains("markets[0] SOL: fee_bps : given twice"), "{e}");
    let e = refused(&edited("deposit_cap = 1_000_000_000_000", "deposit_cap = 1\n\" deposit_cap\" = 5"));
    assert!(e.contains("exchange. deposit_cap: given twice"), "{e}");
    let e = refused(&edited("status = \"active\"", "status = \"settled\""));
    assert!(
        e.contains("markets[0] SOL: status: a spec lists an active or reduce-only market, not a settled one"),
        "{e}"
    );
    let e = refused(&edited("emulated_price = \"150\"", "emulated_price = 150.5"));
    assert!(e.contains("feeds[0] SOL: emulated_price: `150.5` is not a decimal string or an integer"), "{e}");
    assert_eq!(
        VenueSpec::parse(&edited("emulated_price = \"150\"", "emulated_price = 150")).unwrap(),
        VenueSpec::parse(DEMO_SPEC).unwrap()
    );
    let zero = format!("guardian = \"{}\"\ndeposit_cap", Pubkey::default());
    let e = refused(&edited("deposit_cap", &zero));
    assert!(e.contains("exchange.guardian: the all-zero key cannot sign"), "{e}");
    let e = refused(&edited("deposit_cap", "guardian = 5\ndeposit_cap"));
    assert!(e.contains("exchange.guardian: `5` is not a public key string"), "{e}");
}

#[test]
fn a_spec_built_in_code_passes_the_same_checks_as_a_file() {
    // The lab builds its market from the demo's at any leverage: at 50x the
    // maintenance ratio (1 %) is no longer above the 1 % liquidation penalty.
    let mut spec = VenueSpec::parse(DEMO_SPEC).unwrap();
    spec.markets[0].params.imr_bps = 200;
    spec.markets[0].params.mmr_bps = 100;
    let e = format!("{:#}", spec.check().unwrap_err());
    assert!(e.contains("markets[0] SOL: liq_fee_bps = 100 is outside [1, 99]"), "{e}");
    spec.markets[0].params.liq_fee_bps = 99;
    spec.check().unwrap();
    spec.feeds[0].guards.min_valid_sources = 4;
    let e = format!("{:#}", spec.check().unwrap_err());
    assert!(e.contains("feeds[0] SOL: guards.min_valid_sources = 4 is outside [1, 3]"), "{e}");
}

#[test]
fn a_value_out_of_bounds_is_refused_by_name_and_one_inside_is_taken() {
    let e = refused(&edited("band_bps = 2_000", "band_bps = 49"));
    assert!(e.contains("markets[0] SOL: band_bps = 49 is outside [50, 5000]"), "{e}");
    assert_eq!(VenueSpec::parse(&edited("band_bps = 2_000", "band_bps = 50")).unwrap().markets[0].params.band_bps, 50);

    let e = refused(&edited("deposit_cap = 1_000_000_000_000", "deposit_cap = 0"));
    assert!(e.contains("exchange.deposit_cap = 0 is outside [1, 1000000000000000]"), "{e}");
    assert_eq!(
        VenueSpec::parse(&edited("deposit_cap = 1_000_000_000_000", "deposit_cap = 1")).unwrap().exchange.deposit_cap,
        1
    );

    let e = refused(&edited("max_conf_bps = 200", "max_conf_bps = 2_001"));
    assert!(e.contains("feeds[0] SOL: guards.max_conf_bps = 2001 is outside [1, 2000]"), "{e}");
    let e = refused(&edited("min_valid_sources = 2", "min_valid_sources = 4"));
    assert!(e.contains("feeds[0] SOL: guards.min_valid_sources = 4 is outside [1, 3]"), "{e}");
    assert_eq!(
        VenueSpec::parse(&edited("min_valid_sources = 2", "min_valid_sources = 3")).unwrap().feeds[0]
            .guards
            .min_valid_sources,
        3
    );

    let e = refused(&edited("imr_bps = 1_000", "imr_bps = 4_294_967_296"));
    assert!(e.contains("markets[0] SOL: imr_bps = 4294967296 does not fit the field"), "{e}");
    let e = refused(&edited("fee_bps = 5", "fee_bps = -5"));
    assert!(e.contains("markets[0] SOL: fee_bps: `-5` is not a non-negative integer"), "{e}");
}

#[test]
fn inconsistent_ratios_are_refused_naming_the_rule_and_the_nearest_consistent_value_is_taken() {
    // IMR must exceed MMR.
    let e = refused(&edited("mmr_bps = 500", "mmr_bps = 1_000"));
    assert!(e.contains("markets[0] SOL: imr_bps = 1000 is outside [1001, 10000] (Initial margin ratio"), "{e}");
    let ok = VenueSpec::parse(&edited("mmr_bps = 500", "mmr_bps = 999")).unwrap();
    assert_eq!(ok.markets[0].params.mmr_bps, 999);
    // The fee must stay under MMR, the penalty too.
    let e = refused(&edited("liq_fee_bps = 100", "liq_fee_bps = 500"));
    assert!(e.contains("liq_fee_bps = 500 is outside [1, 499]"), "{e}");
    assert_eq!(
        VenueSpec::parse(&edited("liq_fee_bps = 100", "liq_fee_bps = 499")).unwrap().markets[0].params.liq_fee_bps,
        499
    );
    // The maintenance ceiling keeps the initial ratio under 100 %.
    let e = refused(&edited("max_mmr_bps = 5_000", "max_mmr_bps = 5_001"));
    assert!(e.contains("max_mmr_bps = 5001 is outside [500, 5000]"), "{e}");
    // Base spread within the cap.
    let e = refused(&edited("max_spread_bps = 200", "max_spread_bps = 4"));
    assert!(e.contains("max_spread_bps = 4 is outside [5, 2000]"), "{e}");
}

#[test]
fn the_spec_holds_together_or_is_refused() {
    let e = refused(&edited("feed = \"SOL\"", "feed = \"DOGE\""));
    assert!(e.contains("feeds[0] SOL: no market uses it"), "{e}");
    let e = refused(&edited("symbol = \"BTC\"\nfeed = \"BTC\"", "symbol = \"SOL\"\nfeed = \"BTC\""));
    assert!(e.contains("markets[1] SOL: a second market of the same symbol"), "{e}");
    let id = format!("{{ kind = \"pyth-pull\", feed_id = \"{}\" }}", "ab".repeat(32));
    let e = refused(&edited("{ kind = \"pyth-pull\" }", &id));
    assert!(e.contains("sources[0].feed_id: an emulated source (no account) has no feed id"), "{e}");
    let e = refused(&edited("emulated_price = \"150\"\n", ""));
    assert!(e.contains("feeds[0] SOL: emulated sources (no account) need the feed's emulated_price"), "{e}");
}

#[test]
fn a_live_cluster_needs_every_account_named() {
    let spec = VenueSpec::parse(DEMO_SPEC).unwrap();
    let me = Pubkey::new_unique();
    let e = format!("{:#}", spec.resolve(&me).unwrap_err());
    assert!(e.contains("collateral.mint: a live venue needs its collateral mint"), "{e}");
    let with_mint = VenueSpec { mint: Some(Pubkey::new_unique()), ..spec };
    let e = format!("{:#}", with_mint.resolve(&me).unwrap_err());
    assert!(e.contains("feeds[0] SOL: sources[0].account: a live feed needs it"), "{e}");
    let mut named = with_mint.clone();
    let dup = Pubkey::new_unique();
    for f in &mut named.feeds {
        for s in &mut f.sources {
            s.account = Some(dup);
            s.feed_id = (s.kind == SourceKind::PythPull).then_some([7; 32]);
        }
    }
    let e = format!("{:#}", named.resolve(&me).unwrap_err());
    assert!(e.contains("feeds[0] SOL: sources refused by the adapter") && e.contains("DuplicateSource"), "{e}");
}
