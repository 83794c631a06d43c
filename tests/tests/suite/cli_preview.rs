//! The CLI's preview (`ballast_client::simulate`) against the program: a
//! trade exactly at the initial-margin boundary the preview computes is
//! accepted, one base unit more is refused with the error the preview
//! named, and the accepted trade leaves exactly the account it predicted.

use ballast_client::simulate::Sim;
use ballast_client::venue::load_venue;
use ballast_tests::assertions::assert_error;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{load, trader_with_position, venue, BASE, S0, T0, USD};
use margin_engine::errors::EngineError;
use margin_engine::instructions::TradeParams;
use margin_engine::state::MarginAccount;

#[tokio::test]
async fn the_preview_boundary_is_the_program_boundary_to_one_base_unit() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000_000 * USD).await;
    // A confidence interval, so the requirement price and spread move too.
    v.set_price(&mut tc, 100 * ONE, ONE as u64 / 20, T0 + 1, S0 + 1).await;
    let t = trader_with_position(&mut tc, &v, 1_000 * USD, 20 * BASE).await;
    let venue_now = load_venue(&tc.backend()).await.unwrap();
    let acc: MarginAccount = load(&mut tc, &t.margin).await;
    let sim = Sim::new(&venue_now);
    let accepts = |base: i64| sim.trade(&acc, 0, base, i64::MAX, false);
    // Largest additional buy the preview accepts, by bisection.
    let (mut ok, mut bad) = (0i64, 1_000 * BASE);
    assert!(accepts(bad).is_err());
    while bad - ok > 1 {
        let mid = ok + (bad - ok) / 2;
        if accepts(mid).is_ok() {
            ok = mid;
        } else {
            bad = mid;
        }
    }
    assert!(ok > BASE, "room for more than one SOL: {ok}");
    let refusal = accepts(ok + 1).unwrap_err();
    assert_eq!(refusal.name, "InitialHealthNegative");
    let predicted = accepts(ok).unwrap();
    assert!(predicted.health.initial >= 0 && predicted.health.initial < 200, "at the boundary: {:?}", predicted.health);

    let order = |base: i64| {
        let p = TradeParams { base, limit_price: i64::MAX, reduce_only: false };
        ballast_client::engine::trade(t.key.pubkey(), t.margin, &v.keys, 0, v.feed, p, &[])
    };
    use solana_sdk::signature::Signer;
    assert_error(&mut tc, &[order(ok + 1)], &[&t.key], EngineError::InitialHealthNegative.into(), &[]).await;
    tc.process(&[order(ok)], &[&t.key]).await.expect("the boundary trade is accepted");
    let after: MarginAccount = load(&mut tc, &t.margin).await;
    assert_eq!(
        bytemuck::bytes_of(&after),
        bytemuck::bytes_of(&predicted.account),
        "the preview's account, byte for byte"
    );
}
