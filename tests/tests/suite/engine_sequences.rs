//! Seeded random action sequences through the real programs, with the
//! accounting invariants checked after every action (marginfi's fuzz idea):
//! 3 traders and an LP deposit, withdraw, trade and move liquidity while the
//! price walks. Actions may fail (health, caps, limits); the invariants may not.

use ballast_client::engine as ix;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{assert_conservation, load, mint_to, trader, venue, Trader, BASE, S0, T0, USD};
use margin_engine::instructions::TradeParams;
use margin_engine::state::MarginAccount;
use solana_sdk::signature::Signer;

/// xorshift64*: a tiny deterministic generator (fixed seeds, no dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

async fn run_sequence(seed: u64, steps: usize) -> (usize, usize) {
    let mut rng = Rng(seed);
    let (mut tc, mut v) = venue(100 * ONE, 50_000 * USD).await;
    let mut traders: Vec<Trader> = Vec::new();
    for _ in 0..3 {
        traders.push(trader(&mut tc, &v, 5_000 * USD).await);
    }
    let accounts: Vec<_> = traders.iter().map(|t| t.margin).collect();
    let (mut price, mut t, mut slot) = (100 * ONE, T0, S0);
    let (mut ok, mut failed) = (0, 0);
    for _ in 0..steps {
        let who = &traders[rng.below(3) as usize];
        let owner = who.key.pubkey();
        let acc: MarginAccount = load(&mut tc, &who.margin).await;
        let health: Vec<_> = if acc.has_positions() { vec![(v.market, v.feed)] } else { vec![] };
        let result = match rng.below(10) {
            0..=1 => {
                let amount = 1 + rng.below(500 * USD);
                tc.process(&[ix::deposit(owner, who.margin, who.token, &v.keys, amount)], &[&who.key]).await
            }
            2 => {
                let amount = 1 + rng.below(400 * USD);
                tc.process(&[ix::withdraw(owner, who.margin, who.token, &v.keys, amount, &health)], &[&who.key]).await
            }
            3..=6 => {
                let size = (1 + rng.below(5 * BASE as u64)) as i64;
                let base = if rng.below(2) == 0 { size } else { -size };
                let limit = if base > 0 { i64::MAX } else { 1 };
                let p = TradeParams { base, limit_price: limit, reduce_only: rng.below(4) == 0 };
                tc.process(&[ix::trade(owner, who.margin, &v.keys, 0, v.feed, p, &[])], &[&who.key]).await
            }
            7..=8 => {
                // The price walks up to 3 % per step; time and slots advance.
                let bps = rng.below(601) as i64 - 300;
                price = (price + price / 10_000 * bps).max(ONE);
                t += 1 + rng.below(5) as i64;
                slot += 2 + rng.below(10);
                v.set_price(&mut tc, price, 0, t, slot).await;
                Ok(())
            }
            _ => {
                let lp = &v.lp.0;
                if rng.below(2) == 0 {
                    let amount = 1 + rng.below(1_000 * USD);
                    mint_to(&mut tc, &v.keys.collateral_mint, &v.mint_authority, &v.lp.1, amount).await;
                    tc.process(&[ix::lp_deposit(lp.pubkey(), v.lp.1, &v.keys, amount, &v.markets())], &[lp]).await
                } else {
                    let shares = 1 + rng.below(2_000 * USD);
                    tc.process(&[ix::lp_withdraw(lp.pubkey(), v.lp.1, &v.keys, shares, &v.markets())], &[lp]).await
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
    (ok, failed)
}

#[tokio::test]
async fn conservation_and_zero_sum_hold_after_every_step_of_400_random_actions_seed_1() {
    let (ok, failed) = run_sequence(0x9e37_79b9_7f4a_7c15, 400).await;
    assert!(ok >= 200, "most actions should succeed: {ok} ok, {failed} failed");
}

#[tokio::test]
async fn conservation_and_zero_sum_hold_after_every_step_of_400_random_actions_seed_2() {
    let (ok, failed) = run_sequence(0xdead_beef_cafe_f00d, 400).await;
    assert!(ok >= 200, "most actions should succeed: {ok} ok, {failed} failed");
}
