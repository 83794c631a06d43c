//! The persistent ledger: a bank saved to a file and started again holds
//! the same accounts, clock and invariants, and keeps working.

use ballast_bank::ledger::{load, save, snapshot, start};
use ballast_client::engine as ix;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{assert_conservation, load as load_acc, trader_with_position, venue, BASE, USD};
use margin_engine::instructions::TradeParams;
use margin_engine::state::MarginAccount;
use solana_sdk::signature::Signer;

#[tokio::test]
async fn a_saved_venue_restarts_with_every_account_and_keeps_trading() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let t = trader_with_position(&mut tc, &v, 500 * USD, 2 * BASE).await;
    let before = snapshot(&mut tc).await;
    assert!(before.accounts.iter().any(|a| a.pubkey == t.margin), "the margin account is saved");
    let path = std::env::temp_dir().join(format!("ballast-ledger-{}.json", std::process::id()));
    save(&before, &path).unwrap();
    let loaded = load(&path).unwrap();
    assert_eq!(loaded, before, "the file round-trips exactly");

    let mut again = start(&loaded).await;
    let clock = again.clock().await;
    assert_eq!((clock.slot, clock.unix_timestamp), (before.slot, before.unix_timestamp));
    for a in &before.accounts {
        let got = again.account(&a.pubkey).await.unwrap_or_else(|| panic!("{} restored", a.pubkey));
        assert_eq!((got.lamports, &got.data, got.owner), (a.lamports, &a.data, a.owner), "{}", a.pubkey);
    }
    assert_conservation(&mut again, &v, &[t.margin]).await;
    // It keeps working: the trader doubles the position, the oracle moves.
    let p = TradeParams { base: 2 * BASE, limit_price: i64::MAX, reduce_only: false };
    again.process(&[ix::trade(t.key.pubkey(), t.margin, &v.keys, 0, v.feed, p, &[])], &[&t.key]).await.unwrap();
    let c = again.clock().await;
    v.set_price(&mut again, 101 * ONE, 0, c.unix_timestamp + 5, c.slot + 5).await;
    assert_eq!(load_acc::<MarginAccount>(&mut again, &t.margin).await.positions[0].base, 4 * BASE);
    assert_conservation(&mut again, &v, &[t.margin]).await;
    // And it saves again, with the new state.
    let after = snapshot(&mut again).await;
    assert!(after.slot > before.slot);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_damaged_ledger_file_is_a_clear_error() {
    let path = std::env::temp_dir().join(format!("ballast-ledger-bad-{}.json", std::process::id()));
    std::fs::write(&path, b"{\"version\":1,\"slot\":1").unwrap();
    let e = format!("{:#}", load(&path).unwrap_err());
    assert!(e.contains("is damaged") && e.contains("not JSON"), "{e}");
    let _ = std::fs::remove_file(&path);
    let e = format!("{:#}", load(&path).unwrap_err());
    assert!(e.contains("cannot read ledger"), "{e}");
}
