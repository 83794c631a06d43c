//! Oracle-adapter setup helpers.

use crate::context::TestContext;
use crate::fixtures::SourceFixture;
use anchor_lang::{AnchorDeserialize, Discriminator};
use ballast_client::oracle as ix;
use oracle_adapter::events::FeedRefreshed;
use oracle_adapter::instructions::CreateFeedParams;
use oracle_adapter::state::{GuardParams, PriceFeed};
use solana_program_test::BanksClientError;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

/// The adapter's governance timelock in the suites, slots.
pub const ADAPTER_TIMELOCK: u64 = 50;

/// Guard rails used by most tests: 60 s / 150 slots max age, 2 % conf,
/// 1.5 % divergence, 25 % jump, 2 valid sources, 10 min EMA, 1 h vol.
pub fn guards() -> GuardParams {
    GuardParams::from(ballast_risk::oracle::Guards::default_liquid())
}

/// Initialise the adapter with a fresh governance key; returns it.
pub async fn init_adapter(tc: &mut TestContext) -> Keypair {
    let governance = crate::context::keypair();
    let payer = tc.payer();
    tc.process(&[ix::initialize(payer, governance.pubkey(), ADAPTER_TIMELOCK)], &[]).await.expect("initialize");
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
    tc.process(&[ix::create_feed(payer, governance.pubkey(), params)], &[governance]).await.expect("create_feed");
    ix::feed_address(symbol)
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
    let logs = tc.process_logged(&[ix::refresh(*feed, keys)], &[]).await?;
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

/// A bank at (`slot`, `t`) with an initialised adapter and a "SOL" feed
/// (default guard rails) over a Pyth pull and a Switchboard On-Demand
/// source, both at `price` ± `conf` published at (`slot`, `t`); not yet
/// refreshed. Returns the context, the governance key, the feed and sources.
pub async fn sol_feed(
    slot: u64,
    t: i64,
    price: i64,
    conf: u64,
) -> (crate::context::TestContext, Keypair, Pubkey, Vec<SourceFixture>) {
    use oracle_adapter::sources::SourceKind;
    let mut tc = crate::context::ContextBuilder::new().start().await;
    tc.set_clock(slot, t).await;
    let gov = init_adapter(&mut tc).await;
    let sources = vec![
        SourceFixture::new(SourceKind::PythPull, price, conf, t, slot),
        SourceFixture::new(SourceKind::SwitchboardOnDemand, price, conf, t, slot),
    ];
    let feed = create_feed(&mut tc, &gov, "SOL", &sources, guards()).await;
    (tc, gov, feed, sources)
}
