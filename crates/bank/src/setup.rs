//! Building blocks for a venue in the bank, shared by the test suite, the
//! CLI's embedded cluster and the stress lab: lamports, SPL Token mints and
//! accounts, zero-copy reads and patches, and the oracle adapter's feeds.

use crate::context::{keypair, TestContext};
use crate::sources::SourceFixture;
use anchor_lang::{AnchorDeserialize, Discriminator};
use anchor_spl::token::spl_token;
use ballast_client::decode::zero_copy;
use ballast_client::oracle as oix;
use oracle_adapter::events::FeedRefreshed;
use oracle_adapter::instructions::CreateFeedParams;
use oracle_adapter::state::{GuardParams, PriceFeed};
use solana_program_test::BanksClientError;
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

/// Fund `who` with lamports from the payer.
pub async fn airdrop(tc: &mut TestContext, who: &Pubkey, lamports: u64) {
    let payer = tc.payer();
    let ix = anchor_lang::solana_program::system_instruction::transfer(&payer, who, lamports);
    tc.process(&[ix], &[]).await.expect("airdrop");
}

/// Create a rent-exempt SPL Token account of `len` bytes at a fresh key and
/// run `init` (built for that key) in the same transaction.
async fn create_token_program_account(
    tc: &mut TestContext,
    len: usize,
    init: impl FnOnce(&Pubkey) -> anchor_lang::solana_program::instruction::Instruction,
) -> Pubkey {
    let key = keypair();
    let rent = tc.ctx.banks_client.get_rent().await.expect("rent").minimum_balance(len);
    let payer = tc.payer();
    let create = anchor_lang::solana_program::system_instruction::create_account(
        &payer,
        &key.pubkey(),
        rent,
        len as u64,
        &spl_token::ID,
    );
    tc.process(&[create, init(&key.pubkey())], &[&key]).await.expect("create token-program account");
    key.pubkey()
}

/// Create a mint with `decimals`.
pub async fn create_mint(tc: &mut TestContext, authority: &Pubkey, decimals: u8) -> Pubkey {
    create_token_program_account(tc, spl_token::state::Mint::LEN, |mint| {
        spl_token::instruction::initialize_mint2(&spl_token::ID, mint, authority, None, decimals).expect("ix")
    })
    .await
}

/// Create a token account of `mint` owned by `owner`.
pub async fn create_token_account(tc: &mut TestContext, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
    create_token_program_account(tc, spl_token::state::Account::LEN, |acc| {
        spl_token::instruction::initialize_account3(&spl_token::ID, acc, mint, owner).expect("ix")
    })
    .await
}

/// Mint `amount` to `to`.
pub async fn mint_to(tc: &mut TestContext, mint: &Pubkey, authority: &Keypair, to: &Pubkey, amount: u64) {
    let ix = spl_token::instruction::mint_to(&spl_token::ID, mint, to, &authority.pubkey(), &[], amount).expect("ix");
    tc.process(&[ix], &[authority]).await.expect("mint_to");
}

/// A token account's balance.
pub async fn balance(tc: &mut TestContext, token: &Pubkey) -> u64 {
    let acc = tc.account(token).await.expect("token account exists");
    spl_token::state::Account::unpack(&acc.data).expect("token account").amount
}

/// Decode a zero-copy margin-engine account.
pub async fn load<T: anchor_lang::ZeroCopy + anchor_lang::Discriminator>(tc: &mut TestContext, key: &Pubkey) -> T {
    let acc = tc.account(key).await.expect("account exists");
    zero_copy::<T>(&acc.data).expect("decodes")
}

/// Rewrite a zero-copy account in place (tests set pause bits, market status
/// and other state that later issues' instructions will own).
pub async fn patch<T: anchor_lang::ZeroCopy + anchor_lang::Discriminator>(
    tc: &mut TestContext,
    key: &Pubkey,
    f: impl FnOnce(&mut T),
) {
    let mut acc = tc.account(key).await.expect("account exists");
    let mut value: T = zero_copy(&acc.data).expect("decodes");
    f(&mut value);
    acc.data[8..8 + core::mem::size_of::<T>()].copy_from_slice(bytemuck::bytes_of(&value));
    tc.set_account(key, &acc);
}

/// Initialise the adapter with a fresh governance key and a governance
/// timelock of `timelock_slots`; returns the key.
pub async fn init_adapter(tc: &mut TestContext, timelock_slots: u64) -> Keypair {
    let governance = keypair();
    let payer = tc.payer();
    tc.process(&[oix::initialize(payer, governance.pubkey(), timelock_slots)], &[]).await.expect("initialize");
    governance
}

/// Create a feed `symbol` over `sources` (placed in the bank) with `guards`.
pub async fn create_feed(
    tc: &mut TestContext,
    governance: &Keypair,
    symbol: &str,
    sources: &[SourceFixture],
    guards: GuardParams,
) -> Pubkey {
    for s in sources {
        tc.set_account(&s.address, &s.account());
    }
    let params =
        CreateFeedParams { symbol: symbol.to_string(), sources: sources.iter().map(|s| s.param()).collect(), guards };
    let payer = tc.payer();
    tc.process(&[oix::create_feed(payer, governance.pubkey(), params)], &[governance]).await.expect("create_feed");
    oix::feed_address(symbol)
}

/// Decode a feed account.
pub async fn load_feed(tc: &mut TestContext, feed: &Pubkey) -> PriceFeed {
    let acc = tc.account(feed).await.expect("feed exists");
    oracle_adapter::reader::decode_feed(&acc.data).expect("decodes as PriceFeed")
}

/// Write the sources' current bytes into the bank and refresh `feed`
/// passing `keys`; returns the `FeedRefreshed` event.
pub async fn refresh(
    tc: &mut TestContext,
    feed: &Pubkey,
    sources: &[SourceFixture],
) -> Result<FeedRefreshed, BanksClientError> {
    for s in sources {
        tc.set_account(&s.address, &s.account());
    }
    let keys: Vec<Pubkey> = sources.iter().map(|s| s.address).collect();
    refresh_keys(tc, feed, &keys).await
}

/// Refresh `feed` passing exactly `keys`; returns the `FeedRefreshed` event.
pub async fn refresh_keys(
    tc: &mut TestContext,
    feed: &Pubkey,
    keys: &[Pubkey],
) -> Result<FeedRefreshed, BanksClientError> {
    let logs = tc.process_logged(&[oix::refresh(*feed, keys)], &[]).await?;
    Ok(find_event::<FeedRefreshed>(&logs).unwrap_or_else(|| panic!("refresh emits FeedRefreshed: {logs:#?}")))
}

/// The first event of type `E` in a transaction's log messages.
pub fn find_event<E: AnchorDeserialize + Discriminator>(logs: &[String]) -> Option<E> {
    use base64::Engine;
    crate::native_events::event_payloads(logs).find_map(|b64| {
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        let body = bytes.strip_prefix(E::DISCRIMINATOR)?;
        E::deserialize(&mut &body[..]).ok()
    })
}
