//! SECURITY.md rows 1-13 for the margin engine. Every case asserts the exact
//! error and (through `assert_error`) that no touched account changed: data,
//! lamports, owner, and so every vault balance.

use anchor_lang::error::ErrorCode as Anchor;
use ballast_client::engine as ix;
use ballast_tests::assertions::assert_error;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{
    create_token_account, load, mint_to, patch, trader, trader_with_position, venue, BASE, USD,
};
use margin_engine::errors::EngineError;
use margin_engine::instructions::TradeParams;
use margin_engine::state::{MarginAccount, Market};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

fn buy(base: i64) -> TradeParams {
    TradeParams { base, limit_price: i64::MAX, reduce_only: false }
}

#[tokio::test]
async fn row1_withdraw_trade_close_and_add_market_need_their_signer() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 100 * USD, 0).await;
    let owner = t.key.pubkey();
    let unsigned = |mut i: solana_sdk::instruction::Instruction| {
        i.accounts[0].is_signer = false;
        i
    };
    let err = Anchor::AccountNotSigner.into();
    assert_error(&mut tc, &[unsigned(ix::withdraw(owner, t.margin, t.token, &v.keys, USD, &[]))], &[], err, &[]).await;
    assert_error(&mut tc, &[unsigned(ix::trade(owner, t.margin, &v.keys, 0, v.feed, buy(BASE), &[]))], &[], err, &[])
        .await;
    assert_error(&mut tc, &[unsigned(ix::close_account(owner, t.margin))], &[], err, &[]).await;
    let add = unsigned(ix::add_market(v.gov.pubkey(), 1, v.feed, ballast_tests::venue::sol_params()));
    assert_error(&mut tc, &[add], &[], err, &[]).await;
}

#[tokio::test]
async fn row2_a_signer_who_is_not_the_owner_or_governance_is_rejected() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let victim = trader_with_position(&mut tc, &v, 100 * USD, 0).await;
    let mallory = trader(&mut tc, &v, 0).await;
    let m = mallory.key.pubkey();
    let err = EngineError::NotOwner.into();
    let steal = ix::withdraw(m, victim.margin, mallory.token, &v.keys, USD, &[]);
    assert_error(&mut tc, &[steal], &[&mallory.key], err, &[]).await;
    let trade = ix::trade(m, victim.margin, &v.keys, 0, v.feed, buy(BASE), &[]);
    assert_error(&mut tc, &[trade], &[&mallory.key], EngineError::NotOwnerOrDelegate.into(), &[]).await;
    assert_error(&mut tc, &[ix::deposit(m, victim.margin, mallory.token, &v.keys, 0)], &[&mallory.key], err, &[]).await;
    assert_error(&mut tc, &[ix::close_account(m, victim.margin)], &[&mallory.key], err, &[]).await;
    let add = ix::add_market(m, 1, v.feed, ballast_tests::venue::sol_params());
    assert_error(&mut tc, &[add], &[&mallory.key], EngineError::NotGovernance.into(), &[]).await;
}

#[tokio::test]
async fn row3_byte_identical_accounts_owned_by_another_program_are_rejected() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 100 * USD, 0).await;
    let owner = t.key.pubkey();
    // A copy of the trader's margin account owned by another program.
    let mut copy = tc.account(&t.margin).await.unwrap();
    copy.owner = Pubkey::new_unique();
    let fake = Pubkey::new_unique();
    tc.set_account(&fake, &copy);
    let err = Anchor::AccountOwnedByWrongProgram.into();
    assert_error(&mut tc, &[ix::withdraw(owner, fake, t.token, &v.keys, USD, &[])], &[&t.key], err, &[t.margin]).await;
    // A copy of the market at another address, owned by another program.
    let mut market = tc.account(&v.market).await.unwrap();
    market.owner = Pubkey::new_unique();
    let fake_market = Pubkey::new_unique();
    tc.set_account(&fake_market, &market);
    let mut i = ix::trade(owner, t.margin, &v.keys, 0, v.feed, buy(BASE), &[]);
    i.accounts[4].pubkey = fake_market;
    assert_error(&mut tc, &[i], &[&t.key], err, &[v.market]).await;
    // A copy of the feed owned by another program.
    let mut feed = tc.account(&v.feed).await.unwrap();
    feed.owner = Pubkey::new_unique();
    let fake_feed = Pubkey::new_unique();
    tc.set_account(&fake_feed, &feed);
    patch::<Market>(&mut tc, &v.market, |x| x.feed = fake_feed).await;
    let i = ix::trade(owner, t.margin, &v.keys, 0, fake_feed, buy(BASE), &[]);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::NotAPriceFeed.into(), &[]).await;
}

#[tokio::test]
async fn row4_a_market_or_zeroed_discriminator_passed_as_a_margin_account_is_rejected() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 100 * USD, 0).await;
    let owner = t.key.pubkey();
    let err = Anchor::AccountDiscriminatorMismatch.into();
    assert_error(&mut tc, &[ix::withdraw(owner, v.market, t.token, &v.keys, USD, &[])], &[&t.key], err, &[]).await;
    let mut zeroed = tc.account(&t.margin).await.unwrap();
    zeroed.data[..8].fill(0);
    let fake = Pubkey::new_unique();
    tc.set_account(&fake, &zeroed);
    assert_error(&mut tc, &[ix::withdraw(owner, fake, t.token, &v.keys, USD, &[])], &[&t.key], err, &[t.margin]).await;
}

#[tokio::test]
async fn row5_fake_mint_attacker_vault_and_fake_feed_credit_nothing() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader(&mut tc, &v, 100 * USD).await;
    let owner = t.key.pubkey();
    // Tokens of another mint.
    let fake_auth = Keypair::new();
    let fake_mint = ballast_tests::venue::create_mint(&mut tc, &fake_auth.pubkey(), 6).await;
    let fake_token = create_token_account(&mut tc, &fake_mint, &owner).await;
    mint_to(&mut tc, &fake_mint, &fake_auth, &fake_token, 100 * USD).await;
    let i = ix::deposit(owner, t.margin, fake_token, &v.keys, USD);
    assert_error(&mut tc, &[i], &[&t.key], Anchor::ConstraintTokenMint.into(), &[v.keys.collateral_vault]).await;
    // An attacker-owned "vault".
    let attacker_vault = create_token_account(&mut tc, &v.keys.collateral_mint, &owner).await;
    let mut keys = v.keys;
    keys.collateral_vault = attacker_vault;
    let i = ix::deposit(owner, t.margin, t.token, &keys, USD);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::WrongVault.into(), &[v.keys.collateral_vault]).await;
    // A market listed on a feed the adapter does not own.
    let mut feed = tc.account(&v.feed).await.unwrap();
    feed.owner = Pubkey::new_unique();
    let fake_feed = Pubkey::new_unique();
    tc.set_account(&fake_feed, &feed);
    let add = ix::add_market(v.gov.pubkey(), 1, fake_feed, ballast_tests::venue::sol_params());
    assert_error(&mut tc, &[add], &[&v.gov], Anchor::AccountOwnedByWrongProgram.into(), &[ix::market_address(1)]).await;
    // A real adapter feed that is not the market's feed.
    let i = ix::trade(owner, t.margin, &v.keys, 0, ballast_client::oracle::config_address(), buy(BASE), &[]);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::WrongFeed.into(), &[]).await;
}

#[tokio::test]
async fn row6_another_users_seeds_and_another_markets_pda_are_rejected() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader(&mut tc, &v, 0).await;
    let owner = t.key.pubkey();
    // create_account at the PDA of another owner's seeds.
    let mut i = ix::create_account(owner, 1);
    i.accounts[1].pubkey = ix::margin_address(&Pubkey::new_unique(), 1);
    assert_error(&mut tc, &[i], &[&t.key], Anchor::ConstraintSeeds.into(), &[]).await;
    // add_market at a PDA other than the next index.
    let mut add = ix::add_market(v.gov.pubkey(), 1, v.feed, ballast_tests::venue::sol_params());
    add.accounts[2].pubkey = ix::market_address(5);
    assert_error(&mut tc, &[add], &[&v.gov], Anchor::ConstraintSeeds.into(), &[]).await;
}

#[tokio::test]
async fn row7_a_fake_token_program_is_rejected() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader(&mut tc, &v, 100 * USD).await;
    let mut i = ix::deposit(t.key.pubkey(), t.margin, t.token, &v.keys, USD);
    let last = i.accounts.len() - 1;
    i.accounts[last].pubkey = oracle_adapter::ID;
    assert_error(&mut tc, &[i], &[&t.key], Anchor::InvalidProgramId.into(), &[v.keys.collateral_vault]).await;
}

#[tokio::test]
async fn row8_the_same_market_twice_in_remaining_accounts_is_rejected() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 100 * USD, BASE).await;
    let twice = [(v.market, v.feed), (v.market, v.feed)];
    let i = ix::withdraw(t.key.pubkey(), t.margin, t.token, &v.keys, USD, &twice);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::HealthAccountsMismatch.into(), &[]).await;
}

#[tokio::test]
async fn row9_initialising_exchange_market_or_account_twice_is_rejected() {
    let (mut tc, v) = venue(100 * ONE, 0).await;
    let t = trader(&mut tc, &v, 0).await;
    let err = EngineError::AlreadyInitialized.into();
    assert_error(&mut tc, &[ix::create_account(t.key.pubkey(), 0)], &[&t.key], err, &[]).await;
    let vaults = [Keypair::new(), Keypair::new(), Keypair::new()];
    let keys = ballast_client::engine::ExchangeKeys {
        collateral_mint: v.keys.collateral_mint,
        collateral_vault: vaults[0].pubkey(),
        insurance_vault: vaults[1].pubkey(),
        pool_vault: vaults[2].pubkey(),
    };
    let params = ballast_tests::venue::exchange_params(v.gov.pubkey());
    let i = ix::initialize_exchange(v.gov.pubkey(), &keys, params);
    assert_error(&mut tc, &[i], &[&v.gov, &vaults[0], &vaults[1], &vaults[2]], err, &[]).await;
    // The market PDA for index 0 exists; forcing add_market onto it fails its seeds.
    let mut add = ix::add_market(v.gov.pubkey(), 1, v.feed, ballast_tests::venue::sol_params());
    add.accounts[2].pubkey = v.market;
    assert_error(&mut tc, &[add], &[&v.gov], Anchor::ConstraintSeeds.into(), &[]).await;
}

#[tokio::test]
async fn row10_closing_with_positions_or_collateral_fails_and_a_closed_account_stays_dead() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let with_pos = trader_with_position(&mut tc, &v, 100 * USD, BASE).await;
    let err = EngineError::AccountNotEmpty.into();
    assert_error(&mut tc, &[ix::close_account(with_pos.key.pubkey(), with_pos.margin)], &[&with_pos.key], err, &[])
        .await;
    let with_cash = trader_with_position(&mut tc, &v, 100 * USD, 0).await;
    assert_error(&mut tc, &[ix::close_account(with_cash.key.pubkey(), with_cash.margin)], &[&with_cash.key], err, &[])
        .await;
    // Close, then deposit into it in the same transaction.
    let t = trader(&mut tc, &v, 10 * USD).await;
    let owner = t.key.pubkey();
    // Closing hands the account back to the system program: it stays dead.
    let ixs = [ix::close_account(owner, t.margin), ix::deposit(owner, t.margin, t.token, &v.keys, USD)];
    assert_error(&mut tc, &ixs, &[&t.key], Anchor::AccountOwnedByWrongProgram.into(), &[]).await;
}

fn gov_change() -> margin_engine::instructions::ParamChange {
    margin_engine::instructions::ParamChange { target: 0, field: 1, value: 600, key: Pubkey::default() }
}

/// Row 1 for the authority instructions: governance, guardian.
#[tokio::test]
async fn row1_governance_and_guardian_instructions_need_their_signer() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let unsigned = |mut i: solana_sdk::instruction::Instruction| {
        i.accounts[0].is_signer = false;
        i
    };
    let (g, guardian) = (v.gov.pubkey(), v.guardian.pubkey());
    let err = Anchor::AccountNotSigner.into();
    let all = [
        ix::set_param(g, gov_change()),
        ix::queue_change(g, 0, gov_change()),
        ix::set_pause(g, 0, &[]),
        ix::emergency_settle(g, 0, v.feed, ONE),
        ix::guardian_pause(guardian, 1, 10),
        ix::guardian_reduce_only(guardian, 0, 10),
        ix::guardian_raise_margin(guardian, 0, 10, 20_000),
    ];
    for i in all {
        assert_error(&mut tc, &[unsigned(i)], &[], err, &[]).await;
    }
}

#[test]
fn row11_no_instruction_takes_a_sysvar_account() {
    // Every handler reads the clock through the `Clock::get` syscall, so there
    // is no Clock or Instructions account for an attacker to substitute.
    let sysvars = [solana_sdk::sysvar::clock::ID, solana_sdk::sysvar::instructions::ID, solana_sdk::sysvar::rent::ID];
    let k = ballast_client::engine::ExchangeKeys {
        collateral_mint: Pubkey::new_unique(),
        collateral_vault: Pubkey::new_unique(),
        insurance_vault: Pubkey::new_unique(),
        pool_vault: Pubkey::new_unique(),
    };
    let (o, m, f) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
    let p = ballast_tests::venue::exchange_params(o);
    let all = [
        ix::initialize_exchange(o, &k, p),
        ix::add_market(o, 0, f, ballast_tests::venue::sol_params()),
        ix::create_account(o, 0),
        ix::deposit(o, m, f, &k, 1),
        ix::withdraw(o, m, f, &k, 1, &[]),
        ix::trade(o, m, &k, 0, f, buy(1), &[]),
        ix::close_account(o, m),
        ix::lp_deposit(o, f, &k, 1, 0, &[]),
        ix::lp_withdraw(o, f, &k, 1, 0, &[]),
        ix::liquidate(o, f, m, &k, 0, f, &[]),
        ix::resolve_bankruptcy(m, &k),
        ix::withdraw_insurance(0, f, o, &k),
        ix::refresh_market(0, f),
        ix::refresh_stress(&[(m, f)]),
        ix::refresh_breakers(&[(m, f)]),
        ix::account_health(m, &[]),
        ix::guardian_pause(o, 1, 1),
        ix::guardian_reduce_only(o, 0, 1),
        ix::guardian_raise_margin(o, 0, 1, 20_000),
        ix::set_pause(o, 0, &[m]),
        ix::set_param(o, gov_change()),
        ix::queue_change(o, 0, gov_change()),
        ix::apply_change(0, 0, o),
        ix::cancel_change(o, 0, o),
        ix::emergency_settle(o, 0, f, 1),
        ix::close_change(0, 0, o),
        ix::settle_position(m, &k, 0),
    ];
    for i in &all {
        assert!(i.accounts.iter().all(|a| !sysvars.contains(&a.pubkey)), "{:?}", i.data.get(..8));
    }
}

#[tokio::test]
async fn row12_omitted_substituted_reordered_or_extra_health_accounts_are_rejected() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 100 * USD, BASE).await;
    let owner = t.key.pubkey();
    let w = |pairs: &[(Pubkey, Pubkey)]| ix::withdraw(owner, t.margin, t.token, &v.keys, USD, pairs);
    let mismatch = EngineError::HealthAccountsMismatch.into();
    assert_error(&mut tc, &[w(&[])], &[&t.key], mismatch, &[]).await;
    assert_error(
        &mut tc,
        &[w(&[(v.market, ballast_client::oracle::config_address())])],
        &[&t.key],
        EngineError::WrongFeed.into(),
        &[],
    )
    .await;
    assert_error(&mut tc, &[w(&[(v.feed, v.market)])], &[&t.key], Anchor::AccountOwnedByWrongProgram.into(), &[]).await;
    let mut extra = w(&[(v.market, v.feed)]);
    extra.accounts.push(solana_sdk::instruction::AccountMeta::new_readonly(v.market, false));
    assert_error(&mut tc, &[extra], &[&t.key], mismatch, &[]).await;
}

#[tokio::test]
async fn row13_extreme_amounts_are_errors_never_wraps() {
    let (mut tc, v) = venue(100 * ONE, 10_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 100 * USD, 0).await;
    let owner = t.key.pubkey();
    let i = ix::deposit(owner, t.margin, t.token, &v.keys, u64::MAX);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::DepositCapExceeded.into(), &[]).await;
    let i = ix::withdraw(owner, t.margin, t.token, &v.keys, u64::MAX, &[]);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::InsufficientCollateral.into(), &[]).await;
    let i = ix::deposit(owner, t.margin, t.token, &v.keys, 0);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::ZeroAmount.into(), &[]).await;
    let i = ix::trade(owner, t.margin, &v.keys, 0, v.feed, buy(i64::MAX), &[]);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::OiCapExceeded.into(), &[]).await;
    let i = ix::trade(owner, t.margin, &v.keys, 0, v.feed, buy(i64::MIN), &[]);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::MathOverflow.into(), &[]).await;
    let i = ix::trade(owner, t.margin, &v.keys, 0, v.feed, buy(0), &[]);
    assert_error(&mut tc, &[i], &[&t.key], EngineError::ZeroAmount.into(), &[]).await;
    let acc: MarginAccount = load(&mut tc, &t.margin).await;
    assert_eq!(acc.collateral, 100_000_000);
}

/// Front-running guard: `initialize_exchange` reads the upgrade authority
/// from this program's own account; a substituted account is refused.
#[tokio::test]
async fn initialize_exchange_refuses_a_substituted_program_account() {
    let (mut tc, gov, keys, vaults) = ballast_tests::venue::bare_exchange(6).await;
    let mut i = ix::initialize_exchange(gov.pubkey(), &keys, ballast_tests::venue::exchange_params(gov.pubkey()));
    i.accounts[1].pubkey = Pubkey::new_unique();
    let signers = [&gov, &vaults[0], &vaults[1], &vaults[2]];
    assert_error(&mut tc, &[i], &signers, Anchor::ConstraintAddress.into(), &[ix::exchange_address()]).await;
    assert!(tc.account(&ix::exchange_address()).await.is_none());
}
