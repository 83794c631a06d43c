//! The pool gets paid for the risk it carries: funding accrues over warped
//! slots and settles exactly into each position, zero-sum with the pool;
//! the borrow fee accrues and, with the trading fee, is routed to LPs,
//! insurance and the protocol in the exact split; `update_funding` names
//! every market or is refused; the reserve cap refuses an increase one
//! unit past it while a reduction at the cap lands; convex price impact is
//! charged into the impact pool and rebated only from it.

use ballast_client::engine as ix;
use ballast_client::simulate::Sim;
use ballast_client::venue::load_venue;
use ballast_risk::funding::SLOTS_PER_HOUR;
use ballast_tests::adapter::find_event;
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{
    assert_conservation, balance, load, market_order, sol_params, trader_with_position, venue_with, Trader, Venue,
    BASE, USD,
};
use margin_engine::errors::EngineError;
use margin_engine::events::TradeFilled;
use margin_engine::instructions::{AddMarketParams, InitializeExchangeParams};
use margin_engine::state::{Exchange, MarginAccount, Market, Pool};
use solana_sdk::instruction::AccountMeta;
use solana_sdk::signature::Signer;

/// The suite's market with funding at `funding` ppm/h at a net notional
/// equal to the pool's NAV (capped at 1,000) and a flat borrow fee of
/// `borrow` ppm/h.
fn charged(funding: u32, borrow: u32) -> AddMarketParams {
    AddMarketParams { funding_factor_ppm: funding, max_funding_ppm: 1_000, borrow_base_ppm: borrow, ..sol_params() }
}

/// `t` trades `base` at any price; the fill's event.
async fn trade(tc: &mut TestContext, v: &Venue, t: &Trader, base: i64) -> TradeFilled {
    let logs = tc.process_logged(&[market_order(t, v, base)], &[&t.key]).await.expect("trade");
    find_event(&logs).expect("TradeFilled")
}

/// The largest long of market 0 below 100 SOL that `t` may open now, by
/// bisection over the program's own rules (`Sim::trade`); the preview
/// refuses 100 SOL.
async fn largest_long(tc: &mut TestContext, t: &Trader) -> i64 {
    let venue = load_venue(&tc.backend()).await.expect("venue");
    let acc: MarginAccount = load(tc, &t.margin).await;
    let sim = Sim::new(&venue);
    let fits = |base: i64| sim.trade(&acc, 0, base, i64::MAX, false).is_ok();
    let (mut lo, mut hi) = (0i64, 100 * BASE);
    assert!(!fits(hi));
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

async fn equity(tc: &mut TestContext, t: &Trader) -> i128 {
    let venue = load_venue(&tc.backend()).await.expect("venue");
    let acc: MarginAccount = load(tc, &t.margin).await;
    Sim::new(&venue).health(&acc).expect("health").equity
}

#[tokio::test]
async fn funding_accrues_over_warped_slots_and_settles_exactly_zero_sum_with_the_pool() {
    let (mut tc, mut v) = venue_with(100 * ONE, 100_000 * USD, charged(10_000, 0), |e| e).await;
    // Longs 10, shorts 4: the traders are net long 600 USDC of a pool of
    // about 100,000 (its NAV a little above: the spread it earned).
    let a = trader_with_position(&mut tc, &v, 1_000 * USD, 10 * BASE).await;
    let b = trader_with_position(&mut tc, &v, 1_000 * USD, -4 * BASE).await;
    let (ea, eb) = (equity(&mut tc, &a).await, equity(&mut tc, &b).await);
    let start = tc.clock().await.slot;

    // One hour later at the same price, the crank accrues: 60 ppm/h
    // (600 / 100,000.x of 10,000, rounded up), so the index moves 60 ppm
    // of the price, 0.006 USDC per unit of base.
    v.hold_until(&mut tc, start + SLOTS_PER_HOUR).await;
    tc.process(&[ix::update_funding(&v.markets())], &[]).await.expect("update_funding");
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!(m.funding_rate_ppm, 60);
    let index = 60 * 100 * ONE as i128;
    assert_eq!(m.funding_index(), index);
    assert_eq!(m.funding_pending(), index * 6 * BASE as i128, "the pool's share: the net of both sides");
    // Health counts it before it settles: the long's equity 0.06 lower,
    // the short's 0.024 higher, the price unchanged.
    assert_eq!(equity(&mut tc, &a).await, ea - 60_000);
    assert_eq!(equity(&mut tc, &b).await, eb + 24_000);
    assert_conservation(&mut tc, &v, &[a.margin, b.margin]).await;

    // Each close settles exactly what its position owes first.
    let pool0 = load::<Pool>(&mut tc, &ix::pool_address()).await.balance;
    let before = load::<MarginAccount>(&mut tc, &a.margin).await.collateral;
    let ev = trade(&mut tc, &v, &a, -10 * BASE).await;
    assert_eq!(ev.funding, 60_000);
    assert_eq!(ev.collateral, before + ev.realized_pnl - ev.fee as i64 - 60_000);
    let ev_b = trade(&mut tc, &v, &b, 4 * BASE).await;
    assert_eq!(ev_b.funding, -24_000, "the light side receives at the same rate per unit");
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!(m.funding_pending(), 0, "nothing left pending once every position settled");
    // The pool kept the net 0.036 beside the two closes' PnL.
    let pool1 = load::<Pool>(&mut tc, &ix::pool_address()).await.balance;
    assert_eq!(pool1 as i64, pool0 as i64 - ev.realized_pnl - ev_b.realized_pnl + 60_000 - 24_000);
    assert_conservation(&mut tc, &v, &[a.margin, b.margin]).await;
}

#[tokio::test]
async fn the_borrow_fee_accrues_and_every_fee_reaches_lps_insurance_and_the_protocol_in_the_exact_split() {
    let lp_share = |e| InitializeExchangeParams { lp_fee_share_bps: 6_000, ..e };
    let (mut tc, mut v) = venue_with(100 * ONE, 100_000 * USD, charged(0, 100), lp_share).await;
    let t = ballast_tests::venue::trader(&mut tc, &v, 1_000 * USD).await;
    let d = ix::deposit(t.key.pubkey(), t.margin, t.token, &v.keys, 1_000 * USD);
    tc.process(&[d], &[&t.key]).await.expect("deposit");
    let ex0: Exchange = load(&mut tc, &ix::exchange_address()).await;
    let open = trade(&mut tc, &v, &t, 10 * BASE).await;
    // 60 % of the fee to LPs, 20 % to insurance (rounded down), the rest
    // to the protocol.
    let (lp, ins) = (open.fee * 6_000 / 10_000, open.fee * 2_000 / 10_000);
    assert_eq!((open.lp_fee, open.insurance_fee), (lp, ins));
    let ex1: Exchange = load(&mut tc, &ix::exchange_address()).await;
    assert_eq!(ex1.fees_balance - ex0.fees_balance, open.fee - lp - ins);
    assert_eq!(ex1.insurance_balance - ex0.insurance_balance, ins);
    let pool1: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!(pool1.balance, 100_000 * USD + lp);
    assert_eq!(balance(&mut tc, &v.keys.pool_vault).await, pool1.balance);

    // One hour at 100 ppm/h of 1,000 of notional: 0.1 USDC, split alike.
    let start = tc.clock().await.slot;
    v.hold_until(&mut tc, start + SLOTS_PER_HOUR).await;
    tc.process(&[ix::update_funding(&v.markets())], &[]).await.expect("update_funding");
    let close = trade(&mut tc, &v, &t, -10 * BASE).await;
    assert_eq!((close.borrow_fee, close.funding), (100_000, 0));
    let (lp2, ins2) = (close.fee * 6_000 / 10_000, close.fee * 2_000 / 10_000);
    assert_eq!((close.lp_fee, close.insurance_fee), (lp2 + 60_000, ins2 + 20_000));
    let ex2: Exchange = load(&mut tc, &ix::exchange_address()).await;
    assert_eq!(ex2.fees_balance - ex1.fees_balance, close.fee - lp2 - ins2 + 20_000);
    // With no position left, the pool's NAV is its balance: the traders'
    // realised loss and the LP shares, to the unit.
    let pool2: Pool = load(&mut tc, &ix::pool_address()).await;
    let paid = -(open.realized_pnl + close.realized_pnl);
    assert_eq!(pool2.balance as i64, (100_000 * USD) as i64 + paid + (lp + lp2 + 60_000) as i64);
    let venue = load_venue(&tc.backend()).await.expect("venue");
    assert_eq!(Sim::new(&venue).pool_valuation().expect("valued").nav, pool2.balance);
    assert_conservation(&mut tc, &v, &[t.margin]).await;
}

#[tokio::test]
async fn update_funding_names_every_market_writable_in_index_order_or_is_refused() {
    let (mut tc, mut v) = venue_with(100 * ONE, 100_000 * USD, charged(10_000, 100), |e| e).await;
    let _a = trader_with_position(&mut tc, &v, 1_000 * USD, 10 * BASE).await;
    let start = tc.clock().await.slot;
    v.hold_until(&mut tc, start + 100).await;
    let mismatch = EngineError::HealthAccountsMismatch.into();
    let market = v.market;
    assert_error(&mut tc, &[ix::update_funding(&[])], &[], mismatch, &[market]).await;
    let mut read_only = ix::update_funding(&v.markets());
    read_only.accounts[2] = AccountMeta::new_readonly(v.market, false);
    assert_error(&mut tc, &[read_only], &[], mismatch, &[market]).await;
    let wrong_feed = ix::update_funding(&[(v.market, v.sources[0].address)]);
    assert_error(&mut tc, &[wrong_feed], &[], EngineError::WrongFeed.into(), &[market]).await;
    // The twin: every market, writable, lands and accrues to this slot.
    tc.process(&[ix::update_funding(&v.markets())], &[]).await.expect("update_funding");
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!(m.funding_slot, start + 100);
    assert!(m.funding_index() > 0 && m.borrow_index() > 0);
}

#[tokio::test]
async fn the_reserve_cap_refuses_an_increase_one_unit_past_it_and_a_reduction_at_the_cap_lands() {
    let capped = |e| InitializeExchangeParams { reserve_factor_bps: 5_000, stress_reserve_factor_bps: 2_500, ..e };
    let (mut tc, v) = venue_with(100 * ONE, 1_000 * USD, sol_params(), capped).await;
    let t = ballast_tests::venue::trader(&mut tc, &v, 10_000 * USD).await;
    let d = ix::deposit(t.key.pubkey(), t.margin, t.token, &v.keys, 10_000 * USD);
    tc.process(&[d], &[&t.key]).await.expect("deposit");
    // The largest long the program's own rules accept now: the pool's
    // requirement after it at half its NAV (the margin alone would allow
    // 100 SOL).
    let lo = largest_long(&mut tc, &t).await;
    assert!(lo > BASE, "the cap binds at {lo}");
    let over = [market_order(&t, &v, lo + 1)];
    assert_error(&mut tc, &over, &[&t.key], EngineError::PoolCapacity.into(), &[t.margin]).await;
    tc.process(&[market_order(&t, &v, lo)], &[&t.key]).await.expect("one unit inside the cap");
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert!(pool.requirement_snapshot as u128 * 10_000 <= pool.nav_snapshot as u128 * 5_000);
    // At the cap: one more unit is refused, a reduction lands.
    assert_error(&mut tc, &[market_order(&t, &v, 1)], &[&t.key], EngineError::PoolCapacity.into(), &[t.margin]).await;
    let ev = trade(&mut tc, &v, &t, -lo / 2).await;
    assert_eq!(ev.position_base, lo - lo / 2);
    // A short from another trader takes the pool's exposure down: it adds
    // the trader's risk, not the pool's, and lands.
    let s = trader_with_position(&mut tc, &v, 1_000 * USD, -BASE).await;
    assert_eq!(load::<MarginAccount>(&mut tc, &s.margin).await.positions[0].base, -BASE);
    assert_conservation(&mut tc, &v, &[t.margin, s.margin]).await;
}

#[tokio::test]
async fn price_impact_is_convex_charged_into_the_impact_pool_and_rebated_only_from_it() {
    let impact = AddMarketParams {
        skew_spread_bps: 0,
        impact_exponent: 2,
        impact_factor_bps: 100,
        impact_rebate_bps: 100,
        max_impact_bps: 500,
        ..sol_params()
    };
    let (mut tc, mut v) = venue_with(100 * ONE, 100_000 * USD, impact, |e| e).await;
    let a = ballast_tests::venue::trader(&mut tc, &v, 5_000 * USD).await;
    let d = ix::deposit(a.key.pubkey(), a.margin, a.token, &v.keys, 5_000 * USD);
    tc.process(&[d], &[&a.key]).await.expect("deposit");
    // 0 -> 10,000 USDC of net long against the 100,000 pool: g =
    // 10,000^2 / 100,000 = 1,000, 1 % of it charged: 10 USDC.
    let ev = trade(&mut tc, &v, &a, 100 * BASE).await;
    assert_eq!(ev.impact, 10_000_000);
    assert_eq!(ev.collateral, (5_000 * USD) as i64 - ev.fee as i64 - 10_000_000);
    assert_eq!(load::<Exchange>(&mut tc, &ix::exchange_address()).await.impact_pool, 10_000_000);
    // Twice the imbalance costs three times as much again (convex): a
    // preview of the next 100 from here.
    let venue = load_venue(&tc.backend()).await.expect("venue");
    let acc: MarginAccount = load(&mut tc, &a.margin).await;
    let next = Sim::new(&venue).trade(&acc, 0, 100 * BASE, i64::MAX, false).expect("previewed");
    assert!(next.outcome.impact_charge > 29_000_000, "{}", next.outcome.impact_charge);

    // SOL 15 % up: bringing the now 11,500 of imbalance back to zero earns
    // more than 13 USDC at the same factor, but the impact pool holds 10.
    let c = tc.clock().await;
    v.set_price(&mut tc, 115 * ONE, 0, c.unix_timestamp + 60, c.slot + 150).await;
    let b = trader_with_position(&mut tc, &v, 5_000 * USD, 0).await;
    let ev = trade(&mut tc, &v, &b, -100 * BASE).await;
    assert_eq!(ev.impact, -10_000_000, "the rebate is capped at the impact pool");
    assert_eq!(load::<Exchange>(&mut tc, &ix::exchange_address()).await.impact_pool, 0);
    assert_conservation(&mut tc, &v, &[a.margin, b.margin]).await;
}

#[tokio::test]
async fn an_interval_accrues_at_the_rate_set_when_it_began_so_a_trade_at_its_end_does_not_reprice_it() {
    let (mut tc, mut v) = venue_with(100 * ONE, 100_000 * USD, charged(10_000, 0), |e| e).await;
    let a = trader_with_position(&mut tc, &v, 1_000 * USD, 10 * BASE).await;
    assert_eq!(load::<Market>(&mut tc, &v.market).await.funding_rate_ppm, 100, "1,000 of 100,000.x, rounded up");
    let start = tc.clock().await.slot;
    v.hold_until(&mut tc, start + SLOTS_PER_HOUR).await;
    // A short of 30 at the hour's end flips the skew to 2,000 short before
    // anything accrues, and the crank follows in the same transaction: the
    // hour still accrues at the 100 ppm/h it began with.
    let b = ballast_tests::venue::trader(&mut tc, &v, 5_000 * USD).await;
    let d = ix::deposit(b.key.pubkey(), b.margin, b.token, &v.keys, 5_000 * USD);
    tc.process(&[d], &[&b.key]).await.expect("deposit");
    let ixs = [market_order(&b, &v, -30 * BASE), ix::update_funding(&v.markets())];
    tc.process(&ixs, &[&b.key]).await.expect("short, then crank");
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!(m.funding_index(), 100 * 100 * ONE as i128);
    assert_eq!(m.funding_rate_ppm, -200, "the next interval's rate: 2,000 short of 100,000.x");
    let ev = trade(&mut tc, &v, &a, -10 * BASE).await;
    assert_eq!(ev.funding, 100_000, "0.01 % of 1,000 for the hour");
}

#[tokio::test]
async fn a_book_built_on_both_sides_cannot_carry_the_pool_past_the_cap_when_one_side_unwinds() {
    let capped = |e| InitializeExchangeParams { reserve_factor_bps: 5_000, stress_reserve_factor_bps: 2_500, ..e };
    let (mut tc, v) = venue_with(100 * ONE, 1_000 * USD, sol_params(), capped).await;
    let a = trader_with_position(&mut tc, &v, 10_000 * USD, 0).await;
    let b = trader_with_position(&mut tc, &v, 10_000 * USD, 0).await;
    // The longs' side up to the cap, then the shorts' to the same size:
    // the pool is flat, but either side alone would leave it the whole book.
    let lo = largest_long(&mut tc, &a).await;
    tc.process(&[market_order(&a, &v, lo)], &[&a.key]).await.expect("the longs at the cap");
    tc.process(&[market_order(&b, &v, -lo)], &[&b.key]).await.expect("the shorts to the same size");
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.long_oi, m.short_oi, m.pool_base), (lo as u64, lo as u64, 0));
    // Neither side may grow by a unit of SOL now (the shorts' spread grew
    // the NAV a little), though the pool's position is flat.
    let err = EngineError::PoolCapacity.into();
    assert_error(&mut tc, &[market_order(&a, &v, BASE)], &[&a.key], err, &[a.margin]).await;
    assert_error(&mut tc, &[market_order(&b, &v, -BASE)], &[&b.key], err, &[b.margin]).await;
    // The shorts unwind (a reduction): the pool holds the longs' side, which
    // the cap already bounded.
    tc.process(&[market_order(&b, &v, lo)], &[&b.key]).await.expect("a reduction always lands");
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    let m: Market = load(&mut tc, &v.market).await;
    assert_eq!((m.long_oi, m.short_oi), (lo as u64, 0));
    assert!(pool.requirement_snapshot as u128 * 10_000 <= pool.nav_snapshot as u128 * 5_000);
    assert_conservation(&mut tc, &v, &[a.margin, b.margin]).await;
}

#[tokio::test]
async fn the_protocols_fees_leave_only_through_a_timelocked_withdrawal_to_the_queued_account() {
    use ballast_tests::governance::{next_id, queue};
    use margin_engine::engine::governance::{EXCHANGE_TARGET, FEE_WITHDRAWAL_FIELD};
    use margin_engine::events::FeesWithdrawn;
    use margin_engine::instructions::ParamChange;
    let (mut tc, mut v) = venue_with(100 * ONE, 100_000 * USD, sol_params(), |e| e).await;
    let g = v.gov.insecure_clone();
    let t = trader_with_position(&mut tc, &v, 1_000 * USD, 10 * BASE).await;
    trade(&mut tc, &v, &t, -10 * BASE).await;
    let fees = load::<Exchange>(&mut tc, &ix::exchange_address()).await.fees_balance;
    assert!(fees > 0);
    let dest = ballast_tests::venue::trader(&mut tc, &v, 0).await;
    let other = ballast_tests::venue::trader(&mut tc, &v, 0).await;
    let take = |amount: u64, to: solana_sdk::pubkey::Pubkey| ParamChange {
        target: EXCHANGE_TARGET,
        field: FEE_WITHDRAWAL_FIELD,
        value: amount,
        key: to,
    };
    let watch = [v.keys.collateral_vault, dest.token];
    // Never instant; never more than the fees; never into a vault.
    let instant = ix::set_param(g.pubkey(), take(fees, dest.token));
    assert_error(&mut tc, &[instant], &[&g], EngineError::LooseningNeedsTimelock.into(), &watch).await;
    let id = next_id(&mut tc).await;
    let over = ix::queue_change(g.pubkey(), id, take(fees + 1, dest.token));
    assert_error(&mut tc, &[over], &[&g], EngineError::InsufficientFees.into(), &[ix::change_address(id)]).await;
    let into_vault = ix::queue_change(g.pubkey(), id, take(fees, v.keys.pool_vault));
    assert_error(&mut tc, &[into_vault], &[&g], EngineError::DestinationIsAVault.into(), &[ix::change_address(id)])
        .await;
    let (id, eta) = queue(&mut tc, &g, take(fees, dest.token)).await;
    let anyone = ix::withdraw_fees(id, dest.token, g.pubkey(), &v.keys);
    assert_error(&mut tc, std::slice::from_ref(&anyone), &[], EngineError::TimelockPending.into(), &watch).await;
    v.hold_until(&mut tc, eta).await;
    let elsewhere = ix::withdraw_fees(id, other.token, g.pubkey(), &v.keys);
    assert_error(&mut tc, &[elsewhere], &[], EngineError::WrongDestination.into(), &watch).await;
    let applied = ix::apply_change(id, EXCHANGE_TARGET, g.pubkey());
    assert_error(&mut tc, &[applied], &[], EngineError::WrongChangeKind.into(), &watch).await;
    let mut from_insurance = ix::withdraw_fees(id, dest.token, g.pubkey(), &v.keys);
    from_insurance.accounts[4].pubkey = v.keys.insurance_vault; // the source vault
    assert_error(&mut tc, &[from_insurance], &[], EngineError::WrongVault.into(), &watch).await;
    let as_insurance = ix::withdraw_insurance(id, dest.token, g.pubkey(), &v.keys);
    assert_error(&mut tc, &[as_insurance], &[], EngineError::WrongChangeKind.into(), &watch).await;
    // The twin: all of the fees, after the timelock, by anyone.
    let vault = balance(&mut tc, &v.keys.collateral_vault).await;
    let logs = tc.process_logged(&[anyone], &[]).await.expect("withdraw_fees");
    let ev: FeesWithdrawn = find_event(&logs).expect("FeesWithdrawn");
    assert_eq!((ev.amount, ev.balance_after, ev.destination), (fees, 0, dest.token));
    assert_eq!(balance(&mut tc, &dest.token).await, fees);
    assert_eq!(balance(&mut tc, &v.keys.collateral_vault).await, vault - fees);
    assert_conservation(&mut tc, &v, &[t.margin]).await;
}
