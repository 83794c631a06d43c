//! Oracle-adapter setup helpers.

use crate::context::TestContext;
use crate::fixtures::SourceFixture;
use oracle_adapter::state::GuardParams;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;

/// The adapter's governance timelock in the suites, slots.
pub const ADAPTER_TIMELOCK: u64 = 50;

/// Guard rails used by most tests: 60 s / 150 slots max age, 2 % conf,
/// 1.5 % divergence, 25 % jump confirmed after 150 slots, 2 valid sources,
/// 10 min EMA, 1 h vol, 2 s of future-timestamp tolerance.
pub fn guards() -> GuardParams {
    GuardParams::from(ballast_risk::oracle::Guards::default_liquid())
}

pub use ballast_bank::setup::{create_feed, find_event, load_feed, refresh, refresh_keys};

/// Initialise the adapter with a fresh governance key and the suites'
/// timelock; returns the key.
pub async fn init_adapter(tc: &mut TestContext) -> Keypair {
    ballast_bank::setup::init_adapter(tc, ADAPTER_TIMELOCK).await
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
    sol_feed_in(crate::context::ContextBuilder::new(), slot, t, price, conf).await
}

/// [`sol_feed`] in a bank started from `builder` (e.g. with extra programs).
pub async fn sol_feed_in(
    builder: crate::context::ContextBuilder,
    slot: u64,
    t: i64,
    price: i64,
    conf: u64,
) -> (crate::context::TestContext, Keypair, Pubkey, Vec<SourceFixture>) {
    use oracle_adapter::sources::SourceKind;
    let mut tc = builder.start().await;
    tc.set_clock(slot, t).await;
    let gov = init_adapter(&mut tc).await;
    let sources = vec![
        SourceFixture::new(SourceKind::PythPull, price, conf, t, slot),
        SourceFixture::new(SourceKind::SwitchboardOnDemand, price, conf, t, slot),
    ];
    let feed = create_feed(&mut tc, &gov, "SOL", &sources, guards()).await;
    (tc, gov, feed, sources)
}
