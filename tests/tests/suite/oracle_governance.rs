//! create_feed / update_feed: every bound and rule, with exact errors and no
//! state change on failure; old -> new events on success.

use ballast_client::oracle as ix;
use ballast_tests::adapter::{create_feed, find_event, guards, init_adapter, load_feed};
use ballast_tests::assertions::assert_error;
use ballast_tests::context::{ContextBuilder, TestContext};
use ballast_tests::fixtures::{SourceFixture, ONE};
use oracle_adapter::errors::AdapterError;
use oracle_adapter::events::{FeedUpdateCancelled, FeedUpdateClosed, FeedUpdateQueued, FeedUpdated};
use oracle_adapter::instructions::{CreateFeedParams, UpdateFeedParams};
use oracle_adapter::sources::SourceKind;
use oracle_adapter::state::{GuardParams, SourceParam};
use solana_sdk::pubkey::Pubkey;
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
async fn update_feed_tightens_at_once_and_loosening_waits_for_the_timelock() {
    let (mut tc, gov, s) = setup().await;
    let feed = create_feed(&mut tc, &gov, "SOL", &s, guards()).await;
    // Tightening (a narrower conf limit): at once, old -> new.
    let tighter = GuardParams { max_conf_bps: 100, ..guards() };
    let p = UpdateFeedParams { sources: None, guards: Some(tighter) };
    let logs = tc.process_logged(&[ix::update_feed(gov.pubkey(), feed, p)], &[&gov]).await.unwrap();
    let ev: FeedUpdated = find_event(&logs).expect("FeedUpdated");
    assert_eq!((ev.old_guards, ev.new_guards), (guards(), tighter));
    // Loosening at once is refused, changing nothing: a source change (even
    // a removal), a longer max age, fewer valid sources; and steps above 2x.
    let loosening = [
        UpdateFeedParams {
            sources: Some(vec![s[1].param()]),
            guards: Some(GuardParams { min_valid_sources: 1, ..tighter }),
        },
        UpdateFeedParams { sources: None, guards: Some(GuardParams { max_age_secs: 90, ..tighter }) },
        UpdateFeedParams { sources: None, guards: Some(GuardParams { min_valid_sources: 1, ..tighter }) },
    ];
    for p in loosening {
        let i = ix::update_feed(gov.pubkey(), feed, p);
        assert_error(&mut tc, &[i], &[&gov], AdapterError::LooseningNeedsTimelock.into(), &[]).await;
    }
    let p = UpdateFeedParams { sources: None, guards: Some(GuardParams { max_conf_bps: 49, ..tighter }) };
    let i = ix::update_feed(gov.pubkey(), feed, p);
    assert_error(&mut tc, &[i], &[&gov], AdapterError::StepTooLarge.into(), &[]).await;
    // Queued (governance pays the pending update's rent): one source only,
    // applied by anyone after the timelock.
    ballast_tests::venue::airdrop(&mut tc, &gov.pubkey(), 1_000_000_000).await;
    let p = UpdateFeedParams {
        sources: Some(vec![s[1].param()]),
        guards: Some(GuardParams { min_valid_sources: 1, ..tighter }),
    };
    let logs = tc.process_logged(&[ix::queue_feed_update(gov.pubkey(), 0, feed, p)], &[&gov]).await.unwrap();
    let queued: FeedUpdateQueued = find_event(&logs).expect("FeedUpdateQueued");
    let early = ix::apply_feed_update(0, feed, gov.pubkey());
    assert_error(&mut tc, &[early], &[], AdapterError::TimelockPending.into(), &[]).await;
    tc.set_clock(queued.eta_slot, 100).await;
    let logs = tc.process_logged(&[ix::apply_feed_update(0, feed, gov.pubkey())], &[]).await.unwrap();
    let ev: FeedUpdated = find_event(&logs).expect("FeedUpdated");
    assert_eq!((ev.old_sources, ev.new_sources), (vec![s[0].param(), s[1].param()], vec![s[1].param()]));
    let f = load_feed(&mut tc, &feed).await;
    assert_eq!((f.num_sources, f.max_conf_bps, f.min_valid_sources), (1, 100, 1));
    assert_eq!(f.sources[1], Default::default(), "unused source slots are zeroed");
    assert!(tc.account(&ix::update_address(0)).await.is_none(), "applied updates are closed");
    // Cancel: only governance.
    let longer_age = GuardParams { max_age_secs: 90, min_valid_sources: 1, ..tighter };
    let p = UpdateFeedParams { sources: None, guards: Some(longer_age) };
    tc.process(&[ix::queue_feed_update(gov.pubkey(), 1, feed, p)], &[&gov]).await.unwrap();
    let mallory = ballast_tests::context::keypair();
    let i = ix::cancel_feed_update(mallory.pubkey(), 1, gov.pubkey());
    assert_error(&mut tc, &[i], &[&mallory], AdapterError::Unauthorized.into(), &[]).await;
    let logs = tc.process_logged(&[ix::cancel_feed_update(gov.pubkey(), 1, gov.pubkey())], &[&gov]).await.unwrap();
    assert_eq!(find_event::<FeedUpdateCancelled>(&logs).expect("FeedUpdateCancelled").id, 1);
    assert!(tc.account(&ix::update_address(1)).await.is_none());
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

/// A feed's guard rails with `max_age_secs` (a loosening change when longer).
fn max_age(secs: u32) -> UpdateFeedParams {
    UpdateFeedParams { sources: None, guards: Some(GuardParams { max_age_secs: secs, ..guards() }) }
}

/// Queue `p` on `feed`; returns its id and eta.
async fn queue_update(tc: &mut TestContext, gov: &Keypair, id: u64, feed: Pubkey, p: UpdateFeedParams) -> u64 {
    let logs = tc.process_logged(&[ix::queue_feed_update(gov.pubkey(), id, feed, p)], &[gov]).await.unwrap();
    find_event::<FeedUpdateQueued>(&logs).expect("FeedUpdateQueued").eta_slot
}

#[tokio::test]
async fn row32_an_older_queued_feed_update_is_refused_once_a_newer_one_is_queued_or_made() {
    let (mut tc, gov, s) = setup().await;
    let feed = create_feed(&mut tc, &gov, "SOL", &s, guards()).await;
    ballast_tests::venue::airdrop(&mut tc, &gov.pubkey(), 1_000_000_000).await;
    queue_update(&mut tc, &gov, 0, feed, max_age(90)).await;
    let eta = queue_update(&mut tc, &gov, 1, feed, max_age(80)).await;
    tc.set_clock(eta, 100).await;
    let superseded = AdapterError::UpdateSuperseded.into();
    let older = ix::apply_feed_update(0, feed, gov.pubkey());
    assert_error(&mut tc, std::slice::from_ref(&older), &[], superseded, &[feed]).await;
    // Success twin: the newer update applies, exactly.
    tc.process(&[ix::apply_feed_update(1, feed, gov.pubkey())], &[]).await.expect("newer");
    assert_eq!(load_feed(&mut tc, &feed).await.max_age_secs, 80);
    assert_error(&mut tc, &[older], &[], superseded, &[feed]).await;
    // Only closable, by anyone, rent to its payer.
    let logs = tc.process_logged(&[ix::close_feed_update(0, feed, gov.pubkey())], &[]).await.expect("close");
    let ev: FeedUpdateClosed = find_event(&logs).expect("FeedUpdateClosed");
    assert_eq!((ev.id, ev.expired), (0, false));
    assert!(tc.account(&ix::update_address(0)).await.is_none());
    // An instant tightening supersedes what was queued before it.
    let eta = queue_update(&mut tc, &gov, 2, feed, max_age(120)).await;
    let live = ix::close_feed_update(2, feed, gov.pubkey());
    assert_error(&mut tc, &[live], &[], AdapterError::UpdateStillLive.into(), &[]).await;
    tc.process(&[ix::update_feed(gov.pubkey(), feed, max_age(70))], &[&gov]).await.expect("tighten");
    tc.set_clock(eta, 200).await;
    let undo = ix::apply_feed_update(2, feed, gov.pubkey());
    assert_error(&mut tc, &[undo], &[], superseded, &[feed]).await;
    assert_eq!(load_feed(&mut tc, &feed).await.max_age_secs, 70);
}

#[tokio::test]
async fn row32_a_queued_feed_update_expires_after_its_grace_period_and_anyone_closes_it() {
    use oracle_adapter::constants::UPDATE_GRACE_SLOTS;
    let (mut tc, gov, s) = setup().await;
    let feed = create_feed(&mut tc, &gov, "SOL", &s, guards()).await;
    ballast_tests::venue::airdrop(&mut tc, &gov.pubkey(), 1_000_000_000).await;
    let eta = queue_update(&mut tc, &gov, 0, feed, max_age(90)).await;
    // Success twin: the last slot of the grace period.
    tc.set_clock(eta + UPDATE_GRACE_SLOTS, 100).await;
    tc.process(&[ix::apply_feed_update(0, feed, gov.pubkey())], &[]).await.expect("within grace");
    assert_eq!(load_feed(&mut tc, &feed).await.max_age_secs, 90);
    let eta = queue_update(&mut tc, &gov, 1, feed, max_age(120)).await;
    tc.set_clock(eta + UPDATE_GRACE_SLOTS + 1, 200).await;
    let late = ix::apply_feed_update(1, feed, gov.pubkey());
    assert_error(&mut tc, &[late], &[], AdapterError::UpdateExpired.into(), &[feed]).await;
    assert_eq!(load_feed(&mut tc, &feed).await.max_age_secs, 90);
    let before = tc.account(&gov.pubkey()).await.unwrap().lamports;
    let logs = tc.process_logged(&[ix::close_feed_update(1, feed, gov.pubkey())], &[]).await.expect("close");
    let ev: FeedUpdateClosed = find_event(&logs).expect("FeedUpdateClosed");
    assert_eq!((ev.id, ev.expired), (1, true));
    assert!(tc.account(&gov.pubkey()).await.unwrap().lamports > before, "rent refunded");
}

#[tokio::test]
async fn row32_chained_instant_feed_tightenings_are_one_per_timelock_window() {
    let (mut tc, gov, s) = setup().await;
    let feed = create_feed(&mut tc, &gov, "SOL", &s, guards()).await;
    let start = tc.clock().await;
    // Two factor-2 steps in one transaction (60 s -> 40 -> 30): the second
    // is refused, and with it the whole transaction.
    let chained = [ix::update_feed(gov.pubkey(), feed, max_age(40)), ix::update_feed(gov.pubkey(), feed, max_age(30))];
    assert_error(&mut tc, &chained, &[&gov], AdapterError::RateLimited.into(), &[feed]).await;
    // Success twin: one step lands; the next waits a whole timelock.
    tc.process(&[ix::update_feed(gov.pubkey(), feed, max_age(40))], &[&gov]).await.expect("one step");
    assert_eq!(load_feed(&mut tc, &feed).await.max_age_secs, 40);
    let window = ballast_tests::adapter::ADAPTER_TIMELOCK;
    tc.set_clock(start.slot + window - 1, start.unix_timestamp + 20).await;
    let next = ix::update_feed(gov.pubkey(), feed, max_age(30));
    assert_error(&mut tc, std::slice::from_ref(&next), &[&gov], AdapterError::RateLimited.into(), &[feed]).await;
    tc.set_clock(start.slot + window, start.unix_timestamp + 21).await;
    tc.process(&[next], &[&gov]).await.expect("a window later");
    assert_eq!(load_feed(&mut tc, &feed).await.max_age_secs, 30);
}
