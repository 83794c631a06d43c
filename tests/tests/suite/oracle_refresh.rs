//! Aggregation cases through the real `refresh` instruction: every case
//! asserts the per-source verdicts of the event and the published state.

use ballast_risk::oracle::{Validity, Verdict};
use ballast_tests::adapter::{create_feed, guards, init_adapter, load_feed, refresh, refresh_keys, sol_feed};
use ballast_tests::context::{ContextBuilder, TestContext};
use ballast_tests::fixtures::{SourceFixture, ONE};
use oracle_adapter::events::FeedRefreshed;
use oracle_adapter::sources::SourceKind;
use oracle_adapter::state::PriceFeed;
use solana_sdk::pubkey::Pubkey;

const T0: i64 = 1_700_000_000;
const S0: u64 = 1_000;

/// A bank at (S0, T0) with a SOL feed over a Pyth pull and a Switchboard
/// On-Demand source, both at 100.0 with 0.05 conf, not yet refreshed.
async fn two_source_feed() -> (TestContext, Pubkey, Vec<SourceFixture>) {
    let (tc, _gov, feed, sources) = sol_feed(S0, T0, 100 * ONE, (ONE / 20) as u64).await;
    (tc, feed, sources)
}

fn validity(f: &PriceFeed) -> Validity {
    Validity::from_u8(f.validity)
}

fn verdicts(ev: &FeedRefreshed, n: usize) -> Vec<Verdict> {
    ev.verdicts[..n].iter().map(|v| verdict(*v)).collect()
}

fn verdict(v: u8) -> Verdict {
    use Verdict::*;
    [
        Accepted,
        WrongKey,
        WrongOwner,
        Malformed,
        Unverified,
        FeedIdMismatch,
        NotTrading,
        TooFewSamples,
        NoResult,
        NonPositivePrice,
        PriceOutOfRange,
        MissingTimestamp,
        FutureTimestamp,
        StaleTime,
        StaleSlot,
        TooUncertain,
    ][v as usize]
}

#[tokio::test]
async fn agreeing_sources_publish_a_valid_median() {
    let (mut tc, feed, mut s) = two_source_feed().await;
    s[1] = s[1].at(100 * ONE + ONE / 2, T0, S0);
    let ev = refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(verdicts(&ev, 2), vec![Verdict::Accepted, Verdict::Accepted]);
    assert_eq!(ev.verdicts[2..], [0xff, 0xff]);
    let f = load_feed(&mut tc, &feed).await;
    assert_eq!(validity(&f), Validity::Valid);
    assert_eq!(f.price, 100 * ONE + ONE / 4);
    assert_eq!(f.conf, (ONE / 20) as u64 * 5, "dispersion 0.25 exceeds both confs");
    assert_eq!(f.ema_price, f.price, "first price seeds the EMA");
    assert_eq!((f.valid_sources, f.publish_time, f.has_price), (2, T0, 1));
}

#[tokio::test]
async fn sources_diverging_beyond_the_limit_make_the_feed_too_uncertain() {
    let (mut tc, feed, mut s) = two_source_feed().await;
    s[1] = s[1].at(102 * ONE, T0, S0); // 2 % apart, limit 1.5 %
    let ev = refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(verdicts(&ev, 2), vec![Verdict::Accepted, Verdict::Accepted]);
    let f = load_feed(&mut tc, &feed).await;
    assert_eq!(validity(&f), Validity::TooUncertain);
    assert_eq!(f.price, 101 * ONE);
}

#[tokio::test]
async fn one_stale_source_degrades_the_feed_and_widens_conf() {
    let (mut tc, feed, mut s) = two_source_feed().await;
    tc.set_clock(S0 + 100, T0 + 100).await;
    s[0] = s[0].at(101 * ONE, T0 + 95, S0 + 95);
    // s[1] still at T0: 100 s old, max age 60 s.
    let ev = refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(verdicts(&ev, 2), vec![Verdict::Accepted, Verdict::StaleTime]);
    let f = load_feed(&mut tc, &feed).await;
    assert_eq!(validity(&f), Validity::Degraded);
    assert_eq!(f.price, 101 * ONE);
    assert_eq!(f.conf, (ONE / 10) as u64, "a lone source's conf is doubled");
}

#[tokio::test]
async fn all_stale_sources_keep_the_last_price_marked_stale_then_invalid() {
    let (mut tc, feed, s) = two_source_feed().await;
    refresh(&mut tc, &feed, &s).await.unwrap();
    let before = load_feed(&mut tc, &feed).await;
    tc.set_clock(S0 + 200, T0 + 200).await;
    let ev = refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(verdicts(&ev, 2), vec![Verdict::StaleTime, Verdict::StaleTime]);
    assert!(!ev.applied);
    let f = load_feed(&mut tc, &feed).await;
    assert_eq!(validity(&f), Validity::Stale);
    assert_eq!((f.price, f.publish_time, f.ema_price), (before.price, before.publish_time, before.ema_price));
    // Past 10 max ages (600 s) the kept price is no longer usable at all.
    tc.set_clock(S0 + 2_000, T0 + 601).await;
    refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(validity(&load_feed(&mut tc, &feed).await), Validity::Invalid);
}

#[tokio::test]
async fn stale_by_slot_is_rejected_even_with_a_fresh_timestamp() {
    let (mut tc, feed, mut s) = two_source_feed().await;
    tc.set_clock(S0 + 151, T0 + 1).await;
    s[0] = s[0].at(100 * ONE, T0 + 1, S0 + 151);
    let ev = refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(verdicts(&ev, 2), vec![Verdict::Accepted, Verdict::StaleSlot]);
}

#[tokio::test]
async fn wide_confidence_source_is_rejected() {
    let (mut tc, feed, mut s) = two_source_feed().await;
    s[0].conf = (3 * ONE) as u64; // 3 % of 100, limit 2 %
    let ev = refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(verdicts(&ev, 2), vec![Verdict::TooUncertain, Verdict::Accepted]);
    assert_eq!(validity(&load_feed(&mut tc, &feed).await), Validity::Degraded);
}

#[tokio::test]
async fn non_positive_prices_are_rejected_and_nothing_is_published() {
    let (mut tc, feed, mut s) = two_source_feed().await;
    s[0].price = 0;
    s[1].price = -5 * ONE;
    let ev = refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(verdicts(&ev, 2), vec![Verdict::NonPositivePrice, Verdict::NonPositivePrice]);
    let f = load_feed(&mut tc, &feed).await;
    assert_eq!((validity(&f), f.has_price, f.price), (Validity::Invalid, 0, 0));
}

#[tokio::test]
async fn a_jump_against_the_ema_makes_the_feed_too_volatile() {
    let (mut tc, feed, s) = two_source_feed().await;
    refresh(&mut tc, &feed, &s).await.unwrap();
    tc.set_clock(S0 + 10, T0 + 10).await;
    let jumped: Vec<SourceFixture> = s.iter().map(|x| x.at(500 * ONE, T0 + 10, S0 + 10)).collect();
    let ev = refresh(&mut tc, &feed, &jumped).await.unwrap();
    assert_eq!(verdicts(&ev, 2), vec![Verdict::Accepted, Verdict::Accepted]);
    let f = load_feed(&mut tc, &feed).await;
    assert_eq!(validity(&f), Validity::TooVolatile);
    assert_eq!(f.price, 500 * ONE);
    assert_eq!((f.ema_price, f.jump_since_slot, f.jump_start_price), (100 * ONE, S0 + 10, 500 * ONE), "held");
    assert!(f.vol_bps > 0 && f.variance_rate > 0);
}

#[tokio::test]
async fn a_source_owned_by_another_program_is_rejected() {
    let (mut tc, feed, s) = two_source_feed().await;
    refresh(&mut tc, &feed, &s).await.unwrap();
    let mut spoof = s[1].account();
    spoof.owner = Pubkey::new_unique(); // byte-identical, attacker-owned
    tc.set_account(&s[1].address, &spoof);
    tc.set_account(&s[0].address, &s[0].account());
    let ev = refresh_keys(&mut tc, &feed, &[s[0].address, s[1].address]).await.unwrap();
    assert_eq!(verdicts(&ev, 2), vec![Verdict::Accepted, Verdict::WrongOwner]);
    assert_eq!(validity(&load_feed(&mut tc, &feed).await), Validity::Degraded);
}

#[tokio::test]
async fn an_unverified_pyth_update_is_rejected() {
    let (mut tc, feed, mut s) = two_source_feed().await;
    s[0].verified = false;
    let ev = refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(verdicts(&ev, 2), vec![Verdict::Unverified, Verdict::Accepted]);
}

#[tokio::test]
async fn a_pyth_update_for_another_feed_id_is_rejected() {
    let (mut tc, feed, mut s) = two_source_feed().await;
    s[0].feed_id = [7; 32];
    let ev = refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(verdicts(&ev, 2), vec![Verdict::FeedIdMismatch, Verdict::Accepted]);
}

#[tokio::test]
async fn a_switchboard_feed_with_too_few_samples_is_rejected() {
    let (mut tc, feed, mut s) = two_source_feed().await;
    s[1].samples = 1; // feed demands 2
    let ev = refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(verdicts(&ev, 2), vec![Verdict::Accepted, Verdict::TooFewSamples]);
}

#[tokio::test]
async fn legacy_formats_aggregate_with_current_ones() {
    let mut tc = ContextBuilder::new().start().await;
    tc.set_clock(S0, T0).await;
    let gov = init_adapter(&mut tc).await;
    let s = vec![
        SourceFixture::new(SourceKind::PythPull, 100 * ONE, (ONE / 100) as u64, T0, S0),
        SourceFixture::new(SourceKind::SwitchboardOnDemand, 100 * ONE + ONE / 10, (ONE / 100) as u64, T0, S0),
        SourceFixture::new(SourceKind::PythLegacy, 100 * ONE + ONE / 5, (ONE / 100) as u64, T0, S0),
        SourceFixture::new(SourceKind::SwitchboardV2, 100 * ONE + ONE / 2, (ONE / 100) as u64, T0, S0),
    ];
    let feed = create_feed(&mut tc, &gov, "SOL", &s, guards()).await;
    let ev = refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(verdicts(&ev, 4), vec![Verdict::Accepted; 4]);
    let f = load_feed(&mut tc, &feed).await;
    assert_eq!(f.price, 100 * ONE + (ONE / 10 + ONE / 5) / 2, "median of four is the mean of the middle two");
    assert_eq!(validity(&f), Validity::Valid);
    // Legacy status not Trading and v2 quorum missing are rejected by reason.
    let mut s2 = s.clone();
    s2[2].trading = false;
    s2[3].samples = 1;
    let ev = refresh(&mut tc, &feed, &s2).await.unwrap();
    assert_eq!(verdicts(&ev, 4)[2..], [Verdict::NotTrading, Verdict::TooFewSamples]);
}

#[tokio::test]
async fn publish_time_never_goes_backwards() {
    let (mut tc, feed, s) = two_source_feed().await;
    tc.set_clock(S0 + 20, T0 + 20).await;
    let newer: Vec<SourceFixture> = s.iter().map(|x| x.at(101 * ONE, T0 + 20, S0 + 20)).collect();
    refresh(&mut tc, &feed, &newer).await.unwrap();
    let older: Vec<SourceFixture> = s.iter().map(|x| x.at(99 * ONE, T0 + 10, S0 + 10)).collect();
    let ev = refresh(&mut tc, &feed, &older).await.unwrap();
    assert!(!ev.applied);
    let f = load_feed(&mut tc, &feed).await;
    assert_eq!((f.price, f.publish_time), (101 * ONE, T0 + 20));
}
