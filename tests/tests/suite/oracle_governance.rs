//! create_feed / update_feed: every bound and rule, with exact errors and no
//! state change on failure; old -> new events on success.

use ballast_client::oracle as ix;
use ballast_tests::adapter::{create_feed, find_event, guards, init_adapter, load_feed};
use ballast_tests::assertions::assert_error;
use ballast_tests::context::{ContextBuilder, TestContext};
use ballast_tests::fixtures::{SourceFixture, ONE};
use oracle_adapter::errors::AdapterError;
use oracle_adapter::events::FeedUpdated;
use oracle_adapter::instructions::{CreateFeedParams, UpdateFeedParams};
use oracle_adapter::sources::SourceKind;
use oracle_adapter::state::{GuardParams, SourceParam};
use solana_sdk::signature::{Keypair, Signer};

async fn setup() -> (TestContext, Keypair, Vec<SourceFixture>) {
    let mut tc = ContextBuilder::new().start().await;
    let gov = init_adapter(&mut tc).await;
    let s = vec![
        SourceFixture::new(SourceKind::PythPull, 100 * ONE, 0, 1, 1),
        SourceFixture::new(SourceKind::SwitchboardOnDemand, 100 * ONE, 0, 1, 1),
    ];
    (tc, gov, s)
}

fn params(symbol: &str, s: &[SourceFixture], g: GuardParams) -> CreateFeedParams {
    CreateFeedParams { symbol: symbol.into(), sources: s.iter().map(|x| x.param()).collect(), guards: g }
}

async fn create_fails(tc: &mut TestContext, gov: &Keypair, p: CreateFeedParams, err: AdapterError) {
    let payer = tc.payer();
    let addr = ix::feed_address(&p.symbol);
    assert_error(tc, &[ix::create_feed(payer, gov.pubkey(), p)], &[gov], err.into(), &[addr]).await;
    assert!(tc.account(&addr).await.is_none(), "no feed account was created");
}

#[tokio::test]
async fn create_feed_rejects_bad_symbols() {
    let (mut tc, gov, s) = setup().await;
    for bad in ["", "sol", "SOL USD", "ABCDEFGHIJKLMNOPQ"] {
        create_fails(&mut tc, &gov, params(bad, &s, guards()), AdapterError::InvalidSymbol).await;
    }
}

#[tokio::test]
async fn create_feed_rejects_bad_source_lists() {
    let (mut tc, gov, s) = setup().await;
    create_fails(&mut tc, &gov, params("A", &[], guards()), AdapterError::InvalidSourceCount).await;
    let five: Vec<SourceFixture> = (0..5).map(|_| SourceFixture::new(SourceKind::PythLegacy, ONE, 0, 1, 1)).collect();
    create_fails(&mut tc, &gov, params("A", &five, guards()), AdapterError::InvalidSourceCount).await;
    let mut p = params("A", &s, guards());
    p.sources[1].kind = 9;
    create_fails(&mut tc, &gov, p, AdapterError::InvalidSourceKind).await;
    let mut p = params("A", &s, guards());
    p.sources[1].account = p.sources[0].account;
    p.sources[1].kind = SourceKind::PythPull as u8;
    p.sources[1].feed_id = [1; 32];
    create_fails(&mut tc, &gov, p, AdapterError::DuplicateSource).await;
    let mut p = params("A", &s, guards());
    p.sources[0].feed_id = [0; 32];
    create_fails(&mut tc, &gov, p, AdapterError::InvalidFeedId).await;
    let mut p = params("A", &s, guards());
    p.sources[1].feed_id = [3; 32];
    create_fails(&mut tc, &gov, p, AdapterError::InvalidFeedId).await;
    let mut p = params("A", &s, guards());
    p.sources[1] = SourceParam { account: Default::default(), ..p.sources[1] };
    create_fails(&mut tc, &gov, p, AdapterError::ZeroSourceAccount).await;
}

#[tokio::test]
async fn create_feed_rejects_every_guard_outside_its_bounds() {
    let (mut tc, gov, s) = setup().await;
    let g = guards();
    let bad = [
        GuardParams { max_age_secs: 0, ..g },
        GuardParams { max_age_secs: 3_601, ..g },
        GuardParams { max_age_slots: 0, ..g },
        GuardParams { max_age_slots: 9_001, ..g },
        GuardParams { max_conf_bps: 0, ..g },
        GuardParams { max_conf_bps: 2_001, ..g },
        GuardParams { max_divergence_bps: 2_001, ..g },
        GuardParams { max_jump_bps: 49, ..g },
        GuardParams { max_jump_bps: u32::MAX, ..g },
        GuardParams { min_valid_sources: 0, ..g },
        GuardParams { min_valid_sources: 3, ..g },
        GuardParams { ema_half_life_secs: 0, ..g },
        GuardParams { vol_half_life_secs: 604_801, ..g },
    ];
    for b in bad {
        create_fails(&mut tc, &gov, params("A", &s, b), AdapterError::GuardOutOfBounds).await;
    }
}

#[tokio::test]
async fn update_feed_applies_and_emits_old_and_new() {
    let (mut tc, gov, s) = setup().await;
    let feed = create_feed(&mut tc, &gov, "SOL", &s, guards()).await;
    let new_guards = GuardParams { max_conf_bps: 100, min_valid_sources: 1, ..guards() };
    let p = UpdateFeedParams { sources: Some(vec![s[1].param()]), guards: Some(new_guards) };
    let logs = tc.process_logged(&[ix::update_feed(gov.pubkey(), feed, p)], &[&gov]).await.unwrap();
    let ev: FeedUpdated = find_event(&logs).expect("FeedUpdated");
    assert_eq!(ev.old_sources, vec![s[0].param(), s[1].param()]);
    assert_eq!(ev.new_sources, vec![s[1].param()]);
    assert_eq!((ev.old_guards, ev.new_guards), (guards(), new_guards));
    let f = load_feed(&mut tc, &feed).await;
    assert_eq!((f.num_sources, f.max_conf_bps, f.min_valid_sources), (1, 100, 1));
    assert_eq!(f.sources[1], Default::default(), "unused source slots are zeroed");
}

#[tokio::test]
async fn update_feed_checks_guards_against_the_new_source_count() {
    let (mut tc, gov, s) = setup().await;
    let feed = create_feed(&mut tc, &gov, "SOL", &s, guards()).await; // min_valid 2
    let p = UpdateFeedParams { sources: Some(vec![s[0].param()]), guards: None };
    assert_error(
        &mut tc,
        &[ix::update_feed(gov.pubkey(), feed, p)],
        &[&gov],
        AdapterError::GuardOutOfBounds.into(),
        &[],
    )
    .await;
    let p = UpdateFeedParams { sources: None, guards: None };
    assert_error(&mut tc, &[ix::update_feed(gov.pubkey(), feed, p)], &[&gov], AdapterError::EmptyUpdate.into(), &[])
        .await;
    let p = UpdateFeedParams { sources: Some(vec![]), guards: None };
    assert_error(
        &mut tc,
        &[ix::update_feed(gov.pubkey(), feed, p)],
        &[&gov],
        AdapterError::InvalidSourceCount.into(),
        &[],
    )
    .await;
}
