//! Seeded random action sequences through the real programs, with the
//! accounting invariants checked after every action (marginfi's fuzz idea):
//! 3 traders and an LP deposit, withdraw, trade and move liquidity while the
//! price walks with occasional down-legs, and a keeper liquidates and resolves
//! bankruptcies. Actions may fail (health, caps, limits); the invariants may not.

use ballast_client::engine as ix;
use ballast_risk::rng::Rng;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{
    assert_conservation, load, mint_to, trader, trader_with_position, venue, Trader, BASE, S0, T0, USD,
};
use margin_engine::instructions::TradeParams;
use margin_engine::state::MarginAccount;
use solana_sdk::signature::Signer;

/// Runs `steps` actions; returns (succeeded, failed, liquidations).
async fn run_sequence(seed: u64, steps: usize) -> (usize, usize, usize) {
    let mut rng = Rng(seed);
    let (mut tc, mut v) = venue(100 * ONE, 50_000 * USD).await;
    let mut traders: Vec<Trader> = Vec::new();
    for _ in 0..3 {
        // Start levered (about 8x), with spare tokens for later deposits.
        let t = trader_with_position(&mut tc, &v, 300 * USD, 25 * BASE).await;
        mint_to(&mut tc, &v.keys.collateral_mint, &v.mint_authority, &t.token, 2_000 * USD).await;
        traders.push(t);
    }
    let keeper = trader(&mut tc, &v, 0).await;
    let mut accounts: Vec<_> = traders.iter().map(|t| t.margin).collect();
    accounts.push(keeper.margin);
    let (mut price, mut t, mut slot) = (100 * ONE, T0, S0);
    let (mut ok, mut failed, mut liquidations) = (0, 0, 0);
    for _ in 0..steps {
        let who = &traders[rng.below(3) as usize];
        let owner = who.key.pubkey();
        let acc: MarginAccount = load(&mut tc, &who.margin).await;
        let health: Vec<_> = if acc.has_positions() { vec![(v.market, v.feed)] } else { vec![] };
        let result = match rng.below(12) {
            0..=1 => {
                // Small deposits keep leverage realistic, so crashes bite.
                let amount = 1 + rng.below(100 * USD);
                tc.process(&[ix::deposit(owner, who.margin, who.token, &v.keys, amount)], &[&who.key]).await
            }
            2 => {
                let amount = 1 + rng.below(100 * USD);
                tc.process(&[ix::withdraw(owner, who.margin, who.token, &v.keys, amount, &health)], &[&who.key]).await
            }
            3..=6 => {
                let size = (1 + rng.below(20 * BASE as u64)) as i64;
                let base = if rng.below(2) == 0 { size } else { -size };
                let limit = if base > 0 { i64::MAX } else { 1 };
                let p = TradeParams { base, limit_price: limit, reduce_only: rng.below(4) == 0 };
                tc.process(&[ix::trade(owner, who.margin, &v.keys, 0, v.feed, p, &[])], &[&who.key]).await
            }
            10..=11 => {
                // A keeper tries to liquidate; a bankrupt result is resolved.
                let r = tc
                    .process(
                        &[ix::liquidate(keeper.key.pubkey(), keeper.token, who.margin, &v.keys, 0, v.feed, &[])],
                        &[&keeper.key],
                    )
                    .await;
                liquidations += usize::from(r.is_ok());
                let after: MarginAccount = load(&mut tc, &who.margin).await;
                if after.is_bankrupt() && !after.has_positions() {
                    tc.process(&[ix::resolve_bankruptcy(who.margin, &v.keys)], &[]).await.expect("resolve");
                }
                r
            }
            7..=8 => {
                // The price walks up to 3 % per step, with 8 % down-legs now
                // and then (under the feed's 25 % jump limit one at a time,
                // but they add up against levered longs); time advances.
                let bps = if rng.below(8) == 0 { -800 } else { rng.below(601) as i64 - 300 };
                price = (price + price / 10_000 * bps).max(ONE);
                // 20-60 s at about 400 ms per slot: long enough for the
                // feed's EMA to follow, so crashes stay liquidatable.
                let secs = 20 + rng.below(41);
                t += secs as i64;
                slot += secs * 5 / 2;
                v.set_price(&mut tc, price, 0, t, slot).await;
                Ok(())
            }
            _ => {
                let lp = &v.lp.0;
                if rng.below(2) == 0 {
                    let amount = 1 + rng.below(1_000 * USD);
                    mint_to(&mut tc, &v.keys.collateral_mint, &v.mint_authority, &v.lp.1, amount).await;
                    tc.process(&[ix::lp_deposit(lp.pubkey(), v.lp.1, &v.keys, amount, 0, &v.markets())], &[lp]).await
                } else {
                    let shares = 1 + rng.below(2_000 * USD);
                    tc.process(&[ix::lp_withdraw(lp.pubkey(), v.lp.1, &v.keys, shares, 0, &v.markets())], &[lp]).await
                }
            }
        };
        if result.is_ok() {
            ok += 1;
        } else {
            failed += 1;
        }
        assert_conservation(&mut tc, &v, &accounts).await;
    }
    (ok, failed, liquidations)
}

#[tokio::test]
async fn conservation_and_zero_sum_hold_after_every_step_of_400_random_actions_with_liquidations_seed_1() {
    // This path crashes into the levered longs: liquidations are exercised.
    let (ok, failed, liquidations) = run_sequence(0xcc62_3af8_7833_0a0a, 400).await;
    assert!(ok >= 150 && liquidations > 0, "{ok} ok, {failed} failed, {liquidations} liquidations");
}

#[tokio::test]
async fn conservation_and_zero_sum_hold_after_every_step_of_400_random_actions_seed_2() {
    // This path rises early (the longs never get into trouble); it checks the
    // invariants through a different mix of deposits, trades and LP moves.
    let (ok, failed, liquidations) = run_sequence(0xdead_beef_cafe_f00d, 400).await;
    assert!(ok >= 150, "{ok} ok, {failed} failed, {liquidations} liquidations");
}
