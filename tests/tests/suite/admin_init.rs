//! `admin init --spec` against a fresh bank: the venue it builds reads back
//! as the spec, a run cut short after any step is finished by the next,
//! markets open only after the timelock, and a cluster that differs from
//! the spec is refused by name, never patched over.

use ballast_bank::context::{keypair, ContextBuilder, TestContext};
use ballast_bank::demo;
use ballast_client::engine as ix;
use ballast_client::spec::init::{admin_init, read_back, Options, Outcome, Report};
use ballast_client::spec::VenueSpec;
use ballast_client::spec::{OI_CAP_FIELD, STATUS_FIELD};
use margin_engine::engine::governance::EXCHANGE_TARGET;
use margin_engine::state::{Market, MarketStatus, ParamChange};
use oracle_adapter::state::GuardParams;
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

/// A fresh bank at slot 1,000, the demo spec with its mint and sources
/// emulated there, and a funded deployer.
async fn fresh() -> (TestContext, VenueSpec, Keypair) {
    let mut tc = ContextBuilder::new().start().await;
    tc.set_clock(1_000, 1_700_000_000).await;
    let deployer = keypair();
    tc.set_account(&deployer.pubkey(), &Account { lamports: 100_000_000_000, ..Account::default() });
    let mut spec = demo::emulate(&mut tc, demo::spec(), &deployer.pubkey()).await.expect("emulated");
    spec.guardian = Some(keypair().pubkey());
    (tc, spec, deployer)
}

async fn init(
    tc: &TestContext,
    spec: &VenueSpec,
    signer: &Keypair,
    max_sends: Option<usize>,
) -> anyhow::Result<Report> {
    let mut new_key = keypair;
    admin_init(&tc.backend(), spec, signer, Options { dry_run: false, max_sends, new_key: &mut new_key }).await
}

fn outcomes(r: &Report) -> Vec<(&str, Outcome)> {
    r.steps.iter().map(|s| (s.what.as_str(), s.outcome.clone())).collect()
}

fn count(r: &Report, o: &Outcome) -> usize {
    r.steps.iter().filter(|s| &s.outcome == o).count()
}

async fn warp_to(tc: &mut TestContext, slot: u64) {
    let c = tc.clock().await;
    tc.set_clock(slot, c.unix_timestamp + (slot.saturating_sub(c.slot) * 400 / 1_000) as i64).await;
}

#[tokio::test]
async fn admin_init_builds_the_spec_opens_markets_after_the_timelock_and_reads_back_equal() {
    let (mut tc, spec, deployer) = fresh().await;
    let first = init(&tc, &spec, &deployer, None).await.unwrap();
    // 1 adapter + 3 feeds + 1 exchange + 3 markets sent; 6 openings queued.
    assert_eq!(count(&first, &Outcome::Sent), 8, "{:#?}", outcomes(&first));
    let eta = 1_000 + 50;
    assert_eq!(count(&first, &Outcome::Waiting(eta)), 6, "{:#?}", outcomes(&first));
    assert_eq!(first.waiting_until(), Some(eta));
    assert!(!first.complete());
    let m: Market = ballast_bank::setup::load(&mut tc, &ix::market_address(0)).await;
    assert_eq!((m.status, m.oi_cap), (MarketStatus::ReduceOnly as u8, 0), "listed closed until the timelock");

    // One slot before the eta nothing can be applied: still waiting, nothing sent.
    warp_to(&mut tc, eta - 1).await;
    let early = init(&tc, &spec, &deployer, None).await.unwrap();
    assert_eq!((count(&early, &Outcome::Sent), count(&early, &Outcome::Waiting(eta))), (0, 6));
    assert_eq!(count(&early, &Outcome::Done), 8);
    // At the eta the openings apply.
    warp_to(&mut tc, eta).await;
    let open = init(&tc, &spec, &deployer, None).await.unwrap();
    assert_eq!((count(&open, &Outcome::Sent), count(&open, &Outcome::Done)), (6, 8), "{:#?}", outcomes(&open));
    assert!(open.complete());
    let m: Market = ballast_bank::setup::load(&mut tc, &ix::market_address(0)).await;
    assert_eq!((m.status, m.oi_cap), (MarketStatus::Active as u8, 20_000 * 1_000_000_000));

    // The venue reads back as the spec, and a third run sends nothing.
    let resolved = spec.resolve(&deployer.pubkey()).unwrap();
    assert_eq!(read_back(&tc.backend()).await.unwrap(), resolved);
    let again = init(&tc, &spec, &deployer, None).await.unwrap();
    assert_eq!(count(&again, &Outcome::Done), again.steps.len());
    assert_eq!(again.steps.len(), 14);
    // And the printed spec of the live venue parses back to the same.
    assert_eq!(VenueSpec::parse(&read_back(&tc.backend()).await.unwrap().to_toml()).unwrap(), resolved);
}

#[tokio::test]
async fn a_run_cut_short_after_any_step_is_finished_by_the_next() {
    for cut in 0..=14 {
        let (mut tc, spec, deployer) = fresh().await;
        let partial = init(&tc, &spec, &deployer, Some(cut)).await.unwrap();
        assert_eq!(count(&partial, &Outcome::Sent), cut.min(8), "cut {cut}: {:#?}", outcomes(&partial));
        let resumed = init(&tc, &spec, &deployer, None).await.unwrap_or_else(|e| panic!("cut {cut}: {e:#}"));
        assert_eq!(count(&resumed, &Outcome::Sent) + cut.min(8), 8, "cut {cut}: {:#?}", outcomes(&resumed));
        let eta = resumed.waiting_until().expect("openings queued");
        warp_to(&mut tc, eta).await;
        let done = init(&tc, &spec, &deployer, None).await.unwrap();
        assert!(done.complete(), "cut {cut}: {:#?}", outcomes(&done));
        assert_eq!(read_back(&tc.backend()).await.unwrap(), spec.resolve(&deployer.pubkey()).unwrap(), "cut {cut}");
    }
}

#[tokio::test]
async fn a_dry_run_sends_nothing_and_lists_every_step() {
    let (mut tc, spec, deployer) = fresh().await;
    let mut new_key = keypair;
    let opts = Options { dry_run: true, max_sends: None, new_key: &mut new_key };
    let r = admin_init(&tc.backend(), &spec, &deployer, opts).await.unwrap();
    assert_eq!(count(&r, &Outcome::Pending), 14, "{:#?}", outcomes(&r));
    assert!(tc.account(&ix::exchange_address()).await.is_none());
    assert!(tc.account(&ballast_client::oracle::config_address()).await.is_none());
}

#[tokio::test]
async fn a_cluster_that_differs_from_the_spec_is_refused_by_name() {
    let (mut tc, spec, deployer) = fresh().await;
    init(&tc, &spec, &deployer, None).await.unwrap();

    // A queued opening to another value is named, not re-queued.
    let mut other = spec.clone();
    other.markets[0].oi_cap /= 2;
    let e = format!("{:#}", init(&tc, &other, &deployer, None).await.unwrap_err());
    assert!(
        e.contains("market 0 SOL: queued change #0 sets oi_cap to 20000000000000, the spec says 10000000000000"),
        "{e}"
    );

    warp_to(&mut tc, 1_050).await;
    init(&tc, &spec, &deployer, None).await.unwrap();
    // A listed parameter.
    let mut other = spec.clone();
    other.markets[1].params.liq_buffer_bps = 900;
    let e = format!("{:#}", init(&tc, &other, &deployer, None).await.unwrap_err());
    assert!(e.contains("market 1 exists with liq_buffer_bps = 1000, the spec says 900"), "{e}");
    // An opened market's cap.
    let mut other = spec.clone();
    other.markets[2].oi_cap *= 2;
    let e = format!("{:#}", init(&tc, &other, &deployer, None).await.unwrap_err());
    assert!(e.contains("market 2 exists with oi_cap = 1000000000000, the spec says 2000000000000"), "{e}");
    // A feed's guard rails.
    let mut other = spec.clone();
    other.feeds[0].guards.max_conf_bps = 100;
    let e = format!("{:#}", init(&tc, &other, &deployer, None).await.unwrap_err());
    assert!(e.contains("feed SOL exists with guards = ") && e.contains("admin init never changes a live venue"), "{e}");
    // The exchange and the adapter.
    let mut other = spec.clone();
    other.exchange.deposit_cap += 1;
    let e = format!("{:#}", init(&tc, &other, &deployer, None).await.unwrap_err());
    assert!(e.contains("the exchange exists with deposit_cap = 1000000000000, the spec says 1000000000001"), "{e}");
    let other = VenueSpec { oracle_timelock_slots: 51, ..spec.clone() };
    let e = format!("{:#}", init(&tc, &other, &deployer, None).await.unwrap_err());
    assert!(e.contains("the adapter exists with timelock_slots = 50, the spec says 51"), "{e}");
    // Its success twin: the spec as applied still matches in full.
    assert!(init(&tc, &spec, &deployer, None).await.unwrap().complete());

    // A market to add, signed by someone who is not governance.
    let mut more = spec.clone();
    let mut extra = more.markets[0].clone();
    extra.params.symbol = "SOL2".into();
    more.markets.push(extra);
    let intruder = keypair();
    tc.set_account(&intruder.pubkey(), &Account { lamports: 10_000_000_000, ..Account::default() });
    let e = format!("{:#}", init(&tc, &more, &intruder, None).await.unwrap_err());
    assert!(
        e.contains(&format!(
            "the exchange's governance is {}, but the signer is {}",
            deployer.pubkey(),
            intruder.pubkey()
        )),
        "{e}"
    );
    // Governance adds it.
    let r = init(&tc, &more, &deployer, None).await.unwrap();
    assert_eq!(count(&r, &Outcome::Sent), 1, "{:#?}", outcomes(&r));
    assert_eq!(count(&r, &Outcome::Waiting(1_050 + 50)), 2);
}

/// A venue built and opened from the demo spec.
async fn opened() -> (TestContext, VenueSpec, Keypair) {
    let (mut tc, spec, deployer) = fresh().await;
    init(&tc, &spec, &deployer, None).await.unwrap();
    warp_to(&mut tc, 1_050).await;
    assert!(init(&tc, &spec, &deployer, None).await.unwrap().complete());
    (tc, spec, deployer)
}

async fn exchange(tc: &mut TestContext) -> margin_engine::state::Exchange {
    ballast_bank::setup::load(tc, &ix::exchange_address()).await
}

#[tokio::test]
async fn a_market_governance_closed_after_listing_is_never_reopened_by_a_rerun() {
    let (mut tc, spec, deployer) = opened().await;
    let close =
        ParamChange { target: 0, field: STATUS_FIELD, value: MarketStatus::ReduceOnly as u64, key: Pubkey::default() };
    tc.process(&[ix::set_param(deployer.pubkey(), close)], &[&deployer]).await.unwrap();
    let next = exchange(&mut tc).await.next_change_id;
    let e = format!("{:#}", init(&tc, &spec, &deployer, None).await.unwrap_err());
    assert!(
        e.contains("market 0 exists with status = 1, the spec says 0, and governance has changed it since the listing"),
        "{e}"
    );
    assert_eq!(exchange(&mut tc).await.next_change_id, next, "nothing queued");
}

#[tokio::test]
async fn lamports_sent_to_the_venue_addresses_do_not_block_admin_init() {
    let (mut tc, spec, deployer) = fresh().await;
    let dust = Account { lamports: 1_000_000, ..Account::default() };
    for key in [
        ballast_client::oracle::config_address(),
        ballast_client::oracle::feed_address("SOL"),
        ix::exchange_address(),
        ix::market_address(0),
    ] {
        tc.set_account(&key, &dust);
    }
    let first = init(&tc, &spec, &deployer, None).await.unwrap();
    assert_eq!(count(&first, &Outcome::Sent), 8, "{:#?}", outcomes(&first));
    warp_to(&mut tc, 1_050).await;
    assert!(init(&tc, &spec, &deployer, None).await.unwrap().complete());
    assert_eq!(read_back(&tc.backend()).await.unwrap(), spec.resolve(&deployer.pubkey()).unwrap());
}

#[tokio::test]
async fn anything_on_the_venue_the_spec_does_not_describe_is_refused_before_anything_is_sent() {
    let (mut tc, spec, deployer) = opened().await;
    // A queued exchange change.
    let ex = exchange(&mut tc).await;
    let raise = ParamChange { target: EXCHANGE_TARGET, field: 0, value: ex.deposit_cap * 2, key: Pubkey::default() };
    tc.process(&[ix::queue_change(deployer.pubkey(), ex.next_change_id, raise)], &[&deployer]).await.unwrap();
    let e = format!("{:#}", init(&tc, &spec, &deployer, None).await.unwrap_err());
    assert!(
        e.contains(&format!("queued change #{} sets deposit_cap of the exchange to 2000000000000", ex.next_change_id)),
        "{e}"
    );
    tc.process(&[ix::cancel_change(deployer.pubkey(), ex.next_change_id, deployer.pubkey())], &[&deployer])
        .await
        .unwrap();
    assert!(init(&tc, &spec, &deployer, None).await.unwrap().complete(), "cancelled, the venue is the spec's again");

    // A queued change of an opened field, to another value.
    let ex = exchange(&mut tc).await;
    let halve =
        ParamChange { target: 1, field: OI_CAP_FIELD, value: spec.markets[1].oi_cap * 2, key: Pubkey::default() };
    tc.process(&[ix::queue_change(deployer.pubkey(), ex.next_change_id, halve)], &[&deployer]).await.unwrap();
    let e = format!("{:#}", init(&tc, &spec, &deployer, None).await.unwrap_err());
    assert!(
        e.contains(&format!("market 1 BTC: queued change #{} sets oi_cap to 100000000000", ex.next_change_id)),
        "{e}"
    );
    tc.process(&[ix::cancel_change(deployer.pubkey(), ex.next_change_id, deployer.pubkey())], &[&deployer])
        .await
        .unwrap();

    // A queued feed update.
    let feed = ballast_client::oracle::feed_address("ETH");
    let looser = oracle_adapter::instructions::UpdateFeedParams {
        sources: None,
        guards: Some(GuardParams { max_conf_bps: 300, ..spec.feeds[2].guards }),
    };
    tc.process(&[ballast_client::oracle::queue_feed_update(deployer.pubkey(), 0, feed, looser)], &[&deployer])
        .await
        .unwrap();
    let e = format!("{:#}", init(&tc, &spec, &deployer, None).await.unwrap_err());
    assert!(e.contains("a feed update is queued on the adapter"), "{e}");
    tc.process(&[ballast_client::oracle::cancel_feed_update(deployer.pubkey(), 0, deployer.pubkey())], &[&deployer])
        .await
        .unwrap();
    assert!(init(&tc, &spec, &deployer, None).await.unwrap().complete());

    // A market and a feed the spec does not list.
    let mut more = spec.clone();
    let mut extra = more.markets[0].clone();
    extra.params.symbol = "SOL2".into();
    more.markets.push(extra);
    assert_eq!(count(&init(&tc, &more, &deployer, None).await.unwrap(), &Outcome::Sent), 1);
    let e = format!("{:#}", init(&tc, &spec, &deployer, None).await.unwrap_err());
    assert!(e.contains("the exchange has 4 markets, the spec lists 3: market 3 (SOL2) is not in the spec"), "{e}");
    let mut feeds = more.clone();
    let mut doge = feeds.feeds[0].clone();
    doge.symbol = "DOGE".into();
    feeds.feeds.push(doge);
    feeds.markets[3].feed = "DOGE".into();
    let e = format!("{:#}", init(&tc, &feeds, &deployer, None).await.unwrap_err());
    assert!(e.contains("market 3 exists with feed"), "{e}");
    assert!(tc.account(&ballast_client::oracle::feed_address("DOGE")).await.is_none(), "refused before sending");
}

#[tokio::test]
async fn anyone_applies_the_openings_once_they_are_due() {
    let (mut tc, spec, deployer) = fresh().await;
    init(&tc, &spec, &deployer, None).await.unwrap();
    warp_to(&mut tc, 1_050).await;
    let keeper = keypair();
    tc.set_account(&keeper.pubkey(), &Account { lamports: 1_000_000_000, ..Account::default() });
    let rent_before = tc.account(&deployer.pubkey()).await.unwrap().lamports;
    let r = init(&tc, &spec, &keeper, None).await.unwrap();
    assert!(r.complete(), "{:#?}", outcomes(&r));
    assert!(
        tc.account(&deployer.pubkey()).await.unwrap().lamports > rent_before,
        "the queued changes' rent returns to their payer"
    );
    assert!(r.keys.contains(&("exchange_governance", deployer.pubkey())), "{:?}", r.keys);
    assert!(r.keys.contains(&("adapter_authority", deployer.pubkey())), "{:?}", r.keys);
}
