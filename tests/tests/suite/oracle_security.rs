//! SECURITY.md rows 1, 2, 3, 4, 7, 9, 12, 13, 25 for the oracle adapter (rows 15,
//! 16, 17 are the verdict cases in `oracle_refresh`). Every case asserts the
//! exact error and that no touched account changed.

use anchor_lang::error::ErrorCode as Anchor;
use ballast_client::oracle as ix;
use ballast_risk::oracle::Verdict;
use ballast_tests::adapter::{guards, load_feed, refresh, refresh_keys, sol_feed};
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::{SourceFixture, ONE};
use oracle_adapter::errors::AdapterError;
use oracle_adapter::instructions::UpdateFeedParams;
use oracle_adapter::state::GuardParams;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

const T0: i64 = 1_700_000_000;

async fn setup() -> (TestContext, Keypair, Pubkey, Vec<SourceFixture>) {
    let (mut tc, gov, feed, s) = sol_feed(10, T0, 100 * ONE, 0).await;
    refresh(&mut tc, &feed, &s).await.unwrap();
    (tc, gov, feed, s)
}

fn tighten() -> UpdateFeedParams {
    UpdateFeedParams { sources: None, guards: Some(GuardParams { max_conf_bps: 50, ..guards() }) }
}

#[tokio::test]
async fn row1_update_without_the_authority_signing_is_rejected() {
    let (mut tc, gov, feed, _) = setup().await;
    let mut i = ix::update_feed(gov.pubkey(), feed, tighten());
    i.accounts[0].is_signer = false;
    assert_error(&mut tc, &[i], &[], Anchor::AccountNotSigner.into(), &[]).await;
}

#[tokio::test]
async fn row2_a_signer_who_is_not_governance_is_rejected() {
    let (mut tc, _gov, feed, s) = setup().await;
    let mallory = Keypair::new();
    let i = ix::update_feed(mallory.pubkey(), feed, tighten());
    assert_error(&mut tc, &[i], &[&mallory], AdapterError::Unauthorized.into(), &[]).await;
    let payer = tc.payer();
    let p = oracle_adapter::instructions::CreateFeedParams {
        symbol: "ETH".into(),
        sources: s.iter().map(|x| x.param()).collect(),
        guards: guards(),
    };
    let i = ix::create_feed(payer, mallory.pubkey(), p);
    assert_error(&mut tc, &[i], &[&mallory], AdapterError::Unauthorized.into(), &[]).await;
}

#[tokio::test]
async fn row3_a_byte_identical_feed_owned_by_another_program_is_rejected() {
    let (mut tc, _gov, feed, s) = setup().await;
    let mut copy = tc.account(&feed).await.unwrap();
    copy.owner = Pubkey::new_unique();
    let fake = Pubkey::new_unique();
    tc.set_account(&fake, &copy);
    let keys: Vec<Pubkey> = s.iter().map(|x| x.address).collect();
    assert_error(&mut tc, &[ix::refresh(fake, &keys)], &[], Anchor::AccountOwnedByWrongProgram.into(), &[feed]).await;
    // The reader API refuses it too.
    let reader = oracle_adapter::reader::decode_feed(&copy.data).unwrap();
    assert_eq!(reader.price, 100 * ONE, "bytes are identical; only the owner differs");
}

#[tokio::test]
async fn row4_config_or_zeroed_discriminator_passed_as_a_feed_is_rejected() {
    let (mut tc, _gov, feed, s) = setup().await;
    let keys: Vec<Pubkey> = s.iter().map(|x| x.address).collect();
    let config = ix::config_address();
    assert_error(&mut tc, &[ix::refresh(config, &keys)], &[], Anchor::AccountDiscriminatorMismatch.into(), &[feed])
        .await;
    let mut zeroed = tc.account(&feed).await.unwrap();
    zeroed.data[..8].fill(0);
    let fake = Pubkey::new_unique();
    tc.set_account(&fake, &zeroed);
    assert_error(&mut tc, &[ix::refresh(fake, &keys)], &[], Anchor::AccountDiscriminatorMismatch.into(), &[feed]).await;
}

#[tokio::test]
async fn row7_a_source_owned_by_a_fake_oracle_program_never_enters_the_price() {
    let (mut tc, _gov, feed, s) = setup().await;
    let before = load_feed(&mut tc, &feed).await;
    for x in &s {
        let mut acc = x.at(1_000 * ONE, T0, 10).account();
        acc.owner = Pubkey::new_unique();
        tc.set_account(&x.address, &acc);
    }
    let keys: Vec<Pubkey> = s.iter().map(|x| x.address).collect();
    let ev = refresh_keys(&mut tc, &feed, &keys).await.unwrap();
    assert_eq!(ev.verdicts[..2], [Verdict::WrongOwner as u8; 2]);
    let after = load_feed(&mut tc, &feed).await;
    assert_eq!((after.price, after.publish_time), (before.price, before.publish_time));
}

#[tokio::test]
async fn row9_initialize_and_create_feed_twice_are_rejected_with_state_intact() {
    let (mut tc, gov, feed, s) = setup().await;
    let payer = tc.payer();
    let config = ix::config_address();
    assert_error(&mut tc, &[ix::initialize(payer, payer, 50)], &[], AdapterError::AlreadyInitialized.into(), &[config])
        .await;
    let p = oracle_adapter::instructions::CreateFeedParams {
        symbol: "SOL".into(),
        sources: s.iter().map(|x| x.param()).collect(),
        guards: guards(),
    };
    let i = ix::create_feed(payer, gov.pubkey(), p);
    assert_error(&mut tc, &[i], &[&gov], AdapterError::AlreadyInitialized.into(), &[feed]).await;
}

#[tokio::test]
async fn row12_refresh_with_missing_or_extra_sources_is_rejected() {
    let (mut tc, _gov, feed, s) = setup().await;
    let err = AdapterError::SourceCountMismatch.into();
    assert_error(&mut tc, &[ix::refresh(feed, &[s[0].address])], &[], err, &[]).await;
    let extra = [s[0].address, s[1].address, s[1].address];
    assert_error(&mut tc, &[ix::refresh(feed, &extra)], &[], err, &[]).await;
}

#[tokio::test]
async fn row25_refresh_with_a_source_at_the_wrong_key_or_position_fails_whole() {
    let (mut tc, _gov, feed, s) = setup().await;
    let junk = SourceFixture::new(oracle_adapter::sources::SourceKind::SwitchboardOnDemand, 90 * ONE, 0, T0, 10);
    tc.set_account(&junk.address, &junk.account());
    let (a, b, j) = (s[0].address, s[1].address, junk.address);
    let err = AdapterError::SourceMismatch.into();
    for keys in [[a, j], [j, b], [b, a], [j, j]] {
        // The feed (a touched account) is byte-identical afterwards.
        assert_error(&mut tc, &[ix::refresh(feed, &keys)], &[], err, &[]).await;
    }
    // Success twin: the configured sources in order, at a new price.
    tc.set_clock(11, T0 + 1).await;
    let moved: Vec<SourceFixture> = s.iter().map(|x| x.at(101 * ONE, T0 + 1, 11)).collect();
    let ev = refresh(&mut tc, &feed, &moved).await.unwrap();
    assert_eq!(ev.verdicts[..2], [0, 0]);
    assert_eq!((ev.applied, ev.price), (true, 101 * ONE));
}

#[tokio::test]
async fn row13_extreme_values_are_verdicts_never_panics() {
    let (mut tc, _gov, feed, mut s) = setup().await;
    s[0].price = i64::MAX;
    s[0].conf = u64::MAX;
    s[1].slot = u64::MAX;
    s[1].publish_time = i64::MAX;
    let ev = refresh(&mut tc, &feed, &s).await.unwrap();
    assert_eq!(ev.verdicts[..2], [Verdict::TooUncertain as u8, Verdict::FutureTimestamp as u8]);
    let mut truncated = s[1].account();
    truncated.data.truncate(100);
    tc.set_account(&s[1].address, &truncated);
    let mut sane = s[0].at(100 * ONE, T0, 10);
    sane.conf = 0;
    tc.set_account(&s[0].address, &sane.account());
    let ev = refresh_keys(&mut tc, &feed, &[s[0].address, s[1].address]).await.unwrap();
    assert_eq!(ev.verdicts[..2], [Verdict::Accepted as u8, Verdict::Malformed as u8]);
}

/// Griefing: lamports sent to a PDA before it is created must not block its
/// creation (Anchor 1.2.2's `init` would use an instruction that Agave 3.1's
/// system program rejects; `ballast_runtime::create_pda` tops up and allocates).
#[tokio::test]
async fn prefunded_config_and_feed_pdas_still_initialize() {
    use solana_sdk::account::Account;
    let mut tc = ballast_tests::context::ContextBuilder::new().start().await;
    let dust = |lamports| Account {
        lamports,
        data: vec![],
        owner: anchor_lang::system_program::ID,
        executable: false,
        rent_epoch: 0,
    };
    let config = ix::config_address();
    tc.set_account(&config, &dust(1_000));
    let gov = Keypair::new();
    let payer = tc.payer();
    tc.process(&[ix::initialize(payer, gov.pubkey(), 50)], &[]).await.expect("initialize after pre-funding");
    let acc = tc.account(&config).await.unwrap();
    assert_eq!(acc.owner, oracle_adapter::ID);
    // A feed address pre-funded with more than its rent needs no top-up.
    let feed = ix::feed_address("SOL");
    tc.set_account(&feed, &dust(1_000_000_000));
    let s = [SourceFixture::new(oracle_adapter::sources::SourceKind::PythLegacy, ONE, 0, 1, 1)];
    let p = oracle_adapter::instructions::CreateFeedParams {
        symbol: "SOL".into(),
        sources: s.iter().map(|x| x.param()).collect(),
        guards: GuardParams { min_valid_sources: 1, ..guards() },
    };
    tc.process(&[ix::create_feed(payer, gov.pubkey(), p)], &[&gov]).await.expect("create_feed after pre-funding");
    let f = load_feed(&mut tc, &feed).await;
    assert_eq!((f.symbol_str(), f.num_sources), ("SOL", 1));
    assert_eq!(tc.account(&feed).await.unwrap().lamports, 1_000_000_000);
}

/// Front-running guard: initialisation reads the upgrade authority from this
/// program's own account and ProgramData; a substituted account is refused.
#[tokio::test]
async fn initialize_refuses_a_substituted_program_account() {
    let mut tc = ballast_tests::context::ContextBuilder::new().start().await;
    let payer = tc.payer();
    let mut i = ix::initialize(payer, payer, 50);
    i.accounts[1].pubkey = Pubkey::new_unique();
    assert_error(&mut tc, &[i], &[], Anchor::ConstraintAddress.into(), &[ix::config_address()]).await;
    assert!(tc.account(&ix::config_address()).await.is_none());
}
