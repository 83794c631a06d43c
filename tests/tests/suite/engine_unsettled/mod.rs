//! Unsettled PnL: a winning close against a pool short of cash lands and
//! the part the pool cannot pay becomes the account's unsettled PnL (and
//! the pool's liability); `settle_pnl` pays it as cash arrives, pro rata
//! when the cash is short; it is never withdrawn, keeps the account open
//! until settled, and LPs cannot take the cash that pays it. A reduction
//! whose loss passes the collateral lands when the unsettled PnL covers
//! it (the deficit netted against it).
//!
//! Every amount is exact, from the fill arithmetic of the suite's market:
//! spread 5 bps, plus the 50 bps skew term in full whenever a fill grows
//! the pool's position past its depth (the pools here are small); fee 5 bps
//! rounded up, 20 % of it (rounded down) to the insurance vault.

use ballast_client::engine as ix;
use ballast_client::simulate::Sim;
use ballast_client::venue::load_venue;
use ballast_risk::pnl::settlement;
use ballast_tests::adapter::find_event;
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{assert_conservation, balance, load, market_order, trader_with_position, venue};
use ballast_tests::venue::{Trader, Venue, BASE, S0, T0, USD};
use margin_engine::errors::EngineError;
use margin_engine::events::{PnlSettled, TradeFilled};
use margin_engine::state::{MarginAccount, Pool};
use solana_sdk::signature::Signer;

/// Slot of the move to 110: after the venue LP's minimum hold.
const MOVED: u64 = S0 + 200;

/// SOL to 110 (10 %: inside the jump guard and the band), 400 ms a slot.
async fn move_to_110(tc: &mut TestContext, v: &mut Venue) {
    v.set_price(tc, 110 * ONE, 0, T0 + 80, MOVED).await;
}

/// `t` trades `base` at any price; the fill's event.
async fn trade(tc: &mut TestContext, v: &Venue, t: &Trader, base: i64) -> TradeFilled {
    let logs = tc.process_logged(&[market_order(t, v, base)], &[&t.key]).await.expect("trade");
    find_event(&logs).expect("TradeFilled")
}

/// `settle_pnl` of `t`'s account, sent by the harness's payer (it is
/// permissionless); its event.
async fn settle(tc: &mut TestContext, v: &Venue, t: &Trader) -> PnlSettled {
    let logs = tc.process_logged(&[ix::settle_pnl(t.margin, &v.keys)], &[]).await.expect("settle_pnl");
    find_event(&logs).expect("PnlSettled")
}

async fn account(tc: &mut TestContext, t: &Trader) -> MarginAccount {
    load::<MarginAccount>(tc, &t.margin).await
}

/// The pool's balance and unsettled PnL, the pool vault and the collateral
/// vault.
async fn books(tc: &mut TestContext, v: &Venue) -> (u64, u64, u64, u64) {
    let pool: Pool = load(tc, &ix::pool_address()).await;
    let pool_vault = balance(tc, &v.keys.pool_vault).await;
    let collateral_vault = balance(tc, &v.keys.collateral_vault).await;
    (pool.balance, pool.unsettled, pool_vault, collateral_vault)
}

/// `t`'s collateral and unsettled PnL.
async fn claim(tc: &mut TestContext, t: &Trader) -> (i64, u64) {
    let a = account(tc, t).await;
    (a.collateral, a.unsettled_pnl)
}

// A long of 10 bought at 100 with the skew term capped: 100 * 1.0055 =
// 100.55, cost 1,005.5, fee 0.50275 (0.10055 to insurance): 200 of
// collateral leaves 199.49725.
const LONG_COST: i64 = 1_005_500_000;
const LONG_COLLATERAL: i64 = 200_000_000 - 502_750;
const LONG_INSURANCE: u64 = 100_550;

/// A venue whose LP put `pool_funds` in the pool, a trader long 10 SOL from
/// 100 on 200 of collateral, and SOL at 110.
async fn lone_winner(pool_funds: u64) -> (TestContext, Venue, Trader) {
    let (mut tc, mut v) = venue(100 * ONE, pool_funds).await;
    let w = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    let acc = account(&mut tc, &w).await;
    assert_eq!((acc.collateral, acc.positions[0].quote), (LONG_COLLATERAL, -LONG_COST));
    move_to_110(&mut tc, &mut v).await;
    (tc, v, w)
}

// Closing that long alone at 110 brings the pool back flat (no skew term):
// 110 * 0.9995 = 109.945, proceeds 1,099.45, realised 93.95, fee 0.549725
// (0.109945 to insurance). Paid in full, the collateral would be
// 199.49725 + 93.95 - 0.549725 = 292.897525.
const LONE_GAIN: i64 = 93_950_000;
const LONE_FEE: u64 = 549_725;
const LONE_INSURANCE: u64 = 109_945;
const LONE_PAID_IN_FULL: i64 = LONG_COLLATERAL + LONE_GAIN - LONE_FEE as i64;

#[tokio::test]
async fn a_winning_close_the_pool_cannot_pay_lands_and_books_the_rest_as_unsettled_pnl() {
    // The pool holds 10; the close realises 93.95.
    let (mut tc, v, w) = lone_winner(10 * USD).await;
    assert_eq!(books(&mut tc, &v).await, (10 * USD, 0, 10 * USD, 200 * USD - LONG_INSURANCE));
    let ev = trade(&mut tc, &v, &w, -10 * BASE).await;
    assert_eq!((ev.fill_price, ev.realized_pnl, ev.fee, ev.position_base), (109_945_000_000, LONE_GAIN, LONE_FEE, 0));
    // The pool pays all its cash (10); the rest of the gain, 83.95, is owed.
    let owed = LONE_GAIN as u64 - 10 * USD;
    assert_eq!(ev.unsettled, owed);
    let collateral = LONG_COLLATERAL + 10 * USD as i64 - LONE_FEE as i64;
    assert_eq!((ev.collateral, collateral), (208_947_525, 208_947_525));
    let acc = account(&mut tc, &w).await;
    assert!(!acc.has_positions());
    assert_eq!((acc.collateral, acc.unsettled_pnl, acc.flags), (collateral, owed, 0));
    // Pool: no cash, 83.95 owed. Collateral vault: the deposit, plus the
    // pool's 10, less both insurance shares.
    let vault = 200 * USD + 10 * USD - LONG_INSURANCE - LONE_INSURANCE;
    assert_eq!(books(&mut tc, &v).await, (0, owed, 0, vault));
    assert_eq!(vault, 209_789_505);
    assert_eq!(balance(&mut tc, &v.keys.insurance_vault).await, LONG_INSURANCE + LONE_INSURANCE);
    assert_conservation(&mut tc, &v, &[w.margin]).await;
}

#[tokio::test]
async fn the_same_close_is_paid_in_full_by_a_pool_holding_the_gain_and_one_unit_less_books_one_unit() {
    // Exactly the gain in the pool: paid in full, nothing owed, the pool
    // emptied.
    let (mut tc, v, w) = lone_winner(LONE_GAIN as u64).await;
    let ev = trade(&mut tc, &v, &w, -10 * BASE).await;
    assert_eq!((ev.realized_pnl, ev.fee, ev.unsettled), (LONE_GAIN, LONE_FEE, 0));
    assert_eq!(claim(&mut tc, &w).await, (LONE_PAID_IN_FULL, 0));
    assert_eq!(LONE_PAID_IN_FULL, 292_897_525);
    let vault = 200 * USD + LONE_GAIN as u64 - LONG_INSURANCE - LONE_INSURANCE;
    assert_eq!(books(&mut tc, &v).await, (0, 0, 0, vault));
    assert_conservation(&mut tc, &v, &[w.margin]).await;

    // One unit less in the pool: that unit is owed, the rest paid.
    let (mut tc, v, w) = lone_winner(LONE_GAIN as u64 - 1).await;
    let ev = trade(&mut tc, &v, &w, -10 * BASE).await;
    assert_eq!((ev.realized_pnl, ev.fee, ev.unsettled), (LONE_GAIN, LONE_FEE, 1));
    assert_eq!(claim(&mut tc, &w).await, (LONE_PAID_IN_FULL - 1, 1));
    assert_eq!(books(&mut tc, &v).await, (0, 1, 0, vault - 1));
    assert_conservation(&mut tc, &v, &[w.margin]).await;
}

// With a short of 10 opened after the long (filled at 100 * 0.9995 = 99.95:
// it brings the pool back flat), the long's close at 110 grows the pool's
// position again: skew term in full, 110 * 0.9945 = 109.395, proceeds
// 1,093.95, realised 88.45, fee 0.546975 (0.109395 to insurance). The short
// then closes at 110 * 1.0005 = 110.055 for a loss of 101.05 (fee
// 0.550275), which goes to the pool.
const SHORT_PROCEEDS: i64 = 999_500_000;
const SHORT_COLLATERAL: i64 = 200_000_000 - 499_750;
const SHORT_INSURANCE: u64 = 99_950;
const WIN: i64 = 88_450_000;
const WIN_FEE: u64 = 546_975;
const WIN_INSURANCE: u64 = 109_395;
const LOSS: i64 = -101_050_000;
const LOSS_FEE: u64 = 550_275;
const LOSS_INSURANCE: u64 = 110_055;

/// A venue with 10 in the pool, `w` long 10 and `s` short 10 from 100,
/// each on 200, and SOL at 110.
async fn winner_and_loser() -> (TestContext, Venue, Trader, Trader) {
    let (mut tc, mut v) = venue(100 * ONE, 10 * USD).await;
    let w = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    let s = trader_with_position(&mut tc, &v, 200 * USD, -10 * BASE).await;
    assert_eq!(account(&mut tc, &s).await.positions[0].quote, SHORT_PROCEEDS);
    move_to_110(&mut tc, &mut v).await;
    (tc, v, w, s)
}

/// `w` closes its long into the empty-but-for-10 pool: 78.45 of the 88.45
/// gained is owed. Returns `w`'s collateral after.
async fn winner_closes(tc: &mut TestContext, v: &Venue, w: &Trader) -> i64 {
    let ev = trade(tc, v, w, -10 * BASE).await;
    assert_eq!((ev.fill_price, ev.realized_pnl, ev.fee), (109_395_000_000, WIN, WIN_FEE));
    let collateral = LONG_COLLATERAL + 10 * USD as i64 - WIN_FEE as i64;
    assert_eq!(claim(tc, w).await, (collateral, (WIN - 10 * USD as i64) as u64));
    collateral
}

/// `s` closes its short at a loss: the pool receives 101.05.
async fn loser_closes(tc: &mut TestContext, v: &Venue, s: &Trader) {
    let ev = trade(tc, v, s, 10 * BASE).await;
    assert_eq!((ev.fill_price, ev.realized_pnl, ev.fee, ev.unsettled), (110_055_000_000, LOSS, LOSS_FEE, 0));
    assert_eq!(claim(tc, s).await, (SHORT_COLLATERAL + LOSS - LOSS_FEE as i64, 0));
}

#[tokio::test]
async fn unsettled_pnl_is_never_withdrawn_and_the_account_closes_only_once_it_is_settled() {
    let (mut tc, v, w, s) = winner_and_loser().await;
    let collateral = winner_closes(&mut tc, &v, &w).await;
    let owed = 78_450_000u64;
    assert_eq!(collateral, 208_950_275);
    let owner = w.key.pubkey();
    let withdraw = |amount: u64| ix::withdraw(owner, w.margin, w.token, &v.keys, amount, &[]);
    // One unit beyond the collateral, which only the unsettled PnL would cover.
    let e = EngineError::InsufficientCollateral.into();
    assert_error(&mut tc, &[withdraw(collateral as u64 + 1)], &[&w.key], e, &[]).await;
    // Exactly the collateral leaves; the claim stays.
    let (_, _, _, vault) = books(&mut tc, &v).await;
    tc.process(&[withdraw(collateral as u64)], &[&w.key]).await.expect("withdraw the collateral");
    assert_eq!(balance(&mut tc, &w.token).await, collateral as u64);
    assert_eq!(claim(&mut tc, &w).await, (0, owed));
    assert_eq!(books(&mut tc, &v).await, (0, owed, 0, vault - collateral as u64));
    // Empty but owed: it cannot close.
    let close = ix::close_account(owner, w.margin);
    assert_error(&mut tc, &[close.clone()], &[&w.key], EngineError::UnsettledPnlLeft.into(), &[]).await;

    // Cash arrives, the claim is settled into collateral: still not empty.
    loser_closes(&mut tc, &v, &s).await;
    assert_eq!(settle(&mut tc, &v, &w).await.paid, owed);
    assert_eq!(claim(&mut tc, &w).await, (owed as i64, 0));
    assert_error(&mut tc, &[close.clone()], &[&w.key], EngineError::AccountNotEmpty.into(), &[]).await;
    // Withdrawn, it closes; the trader took out exactly the full gain.
    tc.process(&[withdraw(owed)], &[&w.key]).await.expect("withdraw the settled PnL");
    tc.process(&[close], &[&w.key]).await.expect("close_account");
    assert!(tc.account(&w.margin).await.is_none());
    assert_eq!(balance(&mut tc, &w.token).await, (LONG_COLLATERAL + WIN - WIN_FEE as i64) as u64);
    assert_conservation(&mut tc, &v, &[s.margin]).await;
}

#[tokio::test]
async fn with_a_position_open_a_withdrawal_is_carried_by_collateral_never_by_unsettled_pnl() {
    let (mut tc, v, w) = lone_winner(10 * USD).await;
    // Half the long closes at 109.945: basis 502.75, proceeds 549.725,
    // realised 46.975, fee 0.2748625 rounded up; the pool pays its 10.
    let ev = trade(&mut tc, &v, &w, -5 * BASE).await;
    assert_eq!((ev.realized_pnl, ev.fee, ev.position_base), (46_975_000, 274_863, 5 * BASE));
    let owed = 46_975_000 - 10 * USD;
    let collateral = LONG_COLLATERAL + 10 * USD as i64 - 274_863;
    assert_eq!((ev.unsettled, claim(&mut tc, &w).await), (owed, (collateral, owed)));
    assert_eq!((owed, collateral), (36_975_000, 209_222_387));

    // The most the program's own withdrawal check releases now.
    let venue_now = load_venue(&tc.backend()).await.expect("venue");
    let sim = Sim::new(&venue_now);
    let acc = account(&mut tc, &w).await;
    let max = sim.max_withdraw(&acc);
    assert!(max > 0 && (max as i64) < collateral, "a health bound, not the collateral: {max}");
    // One unit more leaves initial health short by about one unit of
    // collateral, which the unsettled PnL, counted, would cover many times.
    let over = MarginAccount { collateral: collateral - max as i64 - 1, ..acc };
    let counted = sim.health(&over).expect("health").initial;
    assert!(counted >= 0 && counted - (owed as i128) < 0, "counted {counted}, owed {owed}");

    let owner = w.key.pubkey();
    let pairs = [(v.market, v.feed)];
    let withdraw = |amount: u64| ix::withdraw(owner, w.margin, w.token, &v.keys, amount, &pairs);
    let e = EngineError::InitialHealthNegative.into();
    assert_error(&mut tc, &[withdraw(max + 1)], &[&w.key], e, &[]).await;
    let (_, _, _, vault) = books(&mut tc, &v).await;
    tc.process(&[withdraw(max)], &[&w.key]).await.expect("withdraw up to the bound");
    assert_eq!(balance(&mut tc, &w.token).await, max);
    assert_eq!(claim(&mut tc, &w).await, (collateral - max as i64, owed));
    assert_eq!(books(&mut tc, &v).await, (0, owed, 0, vault - max));
    assert_conservation(&mut tc, &v, &[w.margin]).await;
}

#[tokio::test]
async fn lp_withdraw_keeps_the_cash_that_pays_unsettled_pnl() {
    let (mut tc, mut v) = venue(100 * ONE, 10 * USD).await;
    let w = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    let s = trader_with_position(&mut tc, &v, 200 * USD, -10 * BASE).await;
    // A long and a short of 1 (100.55 and 99.95): the pool stays flat, its
    // exposure requirement zero, and earns 0.6 of spread on them.
    let a = trader_with_position(&mut tc, &v, 100 * USD, BASE).await;
    let b = trader_with_position(&mut tc, &v, 100 * USD, -BASE).await;
    assert_eq!(account(&mut tc, &a).await.positions[0].quote, -100_550_000);
    assert_eq!(account(&mut tc, &b).await.positions[0].quote, 99_950_000);
    move_to_110(&mut tc, &mut v).await;
    winner_closes(&mut tc, &v, &w).await;
    loser_closes(&mut tc, &v, &s).await;
    let (cash, owed_unsettled) = (101_050_000u64, 78_450_000u64);
    assert_eq!(books(&mut tc, &v).await.0, cash);

    // NAV: cash less the unsettled PnL, plus the pool's 0.6 of spread.
    // Owed: the unsettled PnL and the open long's 9.45 (the short's loss
    // is not netted).
    let venue_now = load_venue(&tc.backend()).await.expect("venue");
    let val = Sim::new(&venue_now).pool_valuation().expect("valuation");
    let nav = cash - owed_unsettled + 600_000;
    assert_eq!((val.nav, val.owed, val.requirement), (nav, owed_unsettled + 9_450_000, 0));
    assert_eq!((nav, cash - val.owed), (23_200_000, 13_150_000));
    // The LP's 9 shares of 10 are worth 20.88: more than the 13.15 of cash
    // not owed. The most shares whose payout fits that cash:
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    let (lp, token) = (v.lp.0.insecure_clone(), v.lp.1);
    assert_eq!((pool.shares, ballast_tests::venue::lp_shares(&mut tc, &lp.pubkey()).await), (10 * USD, 9 * USD));
    let limit = (cash - val.owed) as u128;
    let max = ((limit + 1) * pool.shares as u128 - 1) / nav as u128;
    let pays = |shares: u128| (shares * nav as u128 / pool.shares as u128) as u64;
    assert_eq!((max, pays(max), pays(max + 1)), (5_668_103, 13_149_998, 13_150_001));
    let w_ix = |shares: u128| ix::lp_withdraw(lp.pubkey(), token, &v.keys, shares as u64, 0, &v.markets());
    assert_error(&mut tc, &[w_ix(max + 1)], &[&lp], EngineError::PoolInsufficient.into(), &[]).await;
    tc.process(&[w_ix(max)], &[&lp]).await.expect("lp_withdraw inside the cash not owed");
    assert_eq!(balance(&mut tc, &token).await, 13_149_998);
    let left = cash - 13_149_998;
    let (balance_after, unsettled, pool_vault, _) = books(&mut tc, &v).await;
    assert_eq!((balance_after, unsettled, pool_vault), (left, owed_unsettled, left));
    // What it kept pays the claim in full, and the open long's profit.
    assert_eq!(settle(&mut tc, &v, &w).await.paid, owed_unsettled);
    assert_eq!(books(&mut tc, &v).await.0, 9_450_002);
    assert_conservation(&mut tc, &v, &[w.margin, s.margin, a.margin, b.margin]).await;
}

/// Exchange field `unsettled_weight_bps`.
const UNSETTLED_WEIGHT: u8 = 15;

async fn weight(tc: &mut TestContext) -> u32 {
    load::<margin_engine::state::Exchange>(tc, &ix::exchange_address()).await.unsettled_weight_bps
}

/// The largest buy in market 0 the program's own trade (run off-chain on
/// the accounts now) accepts for `acc`; the next unit is refused for
/// initial health.
async fn largest_buy(tc: &mut TestContext, acc: &MarginAccount) -> i64 {
    let venue_now = load_venue(&tc.backend()).await.expect("venue");
    let sim = Sim::new(&venue_now);
    let ok = |b: i64| sim.trade(acc, 0, b, i64::MAX, false).is_ok();
    let (mut lo, mut hi) = (1, 1_000 * BASE);
    assert!(ok(lo) && !ok(hi));
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let refusal = sim.trade(acc, 0, lo + 1, i64::MAX, false).expect_err("one unit more");
    assert_eq!(refusal.name, "InitialHealthNegative");
    lo
}

#[tokio::test]
async fn new_risk_counts_unsettled_pnl_at_the_exchanges_weight_which_governance_lowers_at_once_and_raises_after_the_timelock(
) {
    use ballast_tests::governance::{exchange, queue};
    use margin_engine::engine::governance::{EXCHANGE_FIELDS, EXCHANGE_TARGET};
    use margin_engine::events::ParamChanged;
    assert_eq!(EXCHANGE_FIELDS[UNSETTLED_WEIGHT as usize].name, "unsettled_weight_bps");
    let (mut tc, mut v, w) = lone_winner(10 * USD).await;
    trade(&mut tc, &v, &w, -10 * BASE).await;
    let owed = 83_950_000u64;
    assert_eq!(claim(&mut tc, &w).await, (208_947_525, owed));
    assert_eq!(weight(&mut tc).await, 5_000);
    let gov = v.gov.insecure_clone();
    // Counting less of the claim is tighter: lowering applies at once.
    let logs = tc.process_logged(&[ix::set_param(gov.pubkey(), exchange(UNSETTLED_WEIGHT, 2_500))], &[&gov]).await;
    let ev: ParamChanged = find_event(&logs.expect("set_param")).expect("ParamChanged");
    assert_eq!((ev.name.as_str(), ev.old, ev.new, ev.tightening), ("unsettled_weight_bps", 5_000, 2_500, true));
    assert_eq!(weight(&mut tc).await, 2_500);
    let acc = account(&mut tc, &w).await;
    let at_quarter = largest_buy(&mut tc, &acc).await;
    let e = EngineError::InitialHealthNegative.into();
    assert_error(&mut tc, &[market_order(&w, &v, at_quarter + 1)], &[&w.key], e, &[]).await;

    // Raising it back is loosening: only after the timelock.
    let raise = exchange(UNSETTLED_WEIGHT, 5_000);
    let at_once = ix::set_param(gov.pubkey(), raise);
    assert_error(&mut tc, &[at_once], &[&gov], EngineError::LooseningNeedsTimelock.into(), &[]).await;
    let (id, eta) = queue(&mut tc, &gov, raise).await;
    v.set_price(&mut tc, 110 * ONE, 0, T0 + 80 + (eta - MOVED) as i64 * 2 / 5, eta).await;
    tc.process(&[ix::apply_change(id, EXCHANGE_TARGET, gov.pubkey())], &[]).await.expect("apply_change");
    assert_eq!(weight(&mut tc).await, 5_000);
    // Half the claim now counts: a larger position opens, one unit more
    // does not; the claim itself is untouched.
    let at_half = largest_buy(&mut tc, &acc).await;
    assert!(at_half > at_quarter, "{at_half} <= {at_quarter}");
    assert_error(&mut tc, &[market_order(&w, &v, at_half + 1)], &[&w.key], e, &[]).await;
    let logs = tc.process_logged(&[market_order(&w, &v, at_half)], &[&w.key]).await.expect("the largest buy");
    let ev: TradeFilled = find_event(&logs).expect("TradeFilled");
    assert_eq!((ev.base, ev.position_base, ev.unsettled), (at_half, at_half, 0));
    let after = account(&mut tc, &w).await;
    assert_eq!((after.collateral, after.unsettled_pnl), (208_947_525 - ev.fee as i64, owed));
    assert_conservation(&mut tc, &v, &[w.margin]).await;
}

/// Slot SOL has held 110 until (republished hourly): 16 hours after the
/// move, long enough for the move's realised volatility to decay below the
/// market's reference (margins back at their base: IMR 10 %).
const CALM: u64 = MOVED + 16 * 9_000;

/// Unix time at `slot` after the move (400 ms a slot).
fn unix_at(slot: u64) -> i64 {
    T0 + 80 + ((slot - MOVED) * 2 / 5) as i64
}

/// `lone_winner(pool_funds)` whose long closes whole at 109.945 (realised
/// 93.95, fee 0.549725: the pool pays its `pool_funds`, the rest is owed);
/// SOL then holds 110 until [`CALM`], the trader withdraws down to `keep`
/// and buys 10 SOL again, at 110 * 1.0055 = 110.605 (the skew term capped),
/// cost 1,106.05, fee 0.553025.
async fn owed_and_long_again(pool_funds: u64, keep: i64) -> (TestContext, Venue, Trader) {
    let (mut tc, mut v, w) = lone_winner(pool_funds).await;
    let ev = trade(&mut tc, &v, &w, -10 * BASE).await;
    assert_eq!((ev.realized_pnl, ev.fee, ev.unsettled), (LONE_GAIN, LONE_FEE, LONE_GAIN as u64 - pool_funds));
    let collateral = LONG_COLLATERAL + pool_funds as i64 - LONE_FEE as i64;
    assert_eq!(claim(&mut tc, &w).await, (collateral, LONE_GAIN as u64 - pool_funds));
    // Republished hourly (the volatility estimate decays at each refresh).
    for slot in (MOVED + 9_000..=CALM).step_by(9_000) {
        v.set_price(&mut tc, 110 * ONE, 0, unix_at(slot), slot).await;
    }
    let venue_now = load_venue(&tc.backend()).await.expect("venue");
    let ratios = Sim::new(&venue_now).quote(0).expect("quote").ratios(10 * BASE).expect("ratios");
    assert_eq!(ratios.imr_bps, 1_000, "calm again: the base IMR");
    let out = (collateral - keep) as u64;
    tc.process(&[ix::withdraw(w.key.pubkey(), w.margin, w.token, &v.keys, out, &[])], &[&w.key])
        .await
        .expect("withdraw");
    let ev = trade(&mut tc, &v, &w, 10 * BASE).await;
    assert_eq!((ev.fill_price, ev.fee), (110_605_000_000, AGAIN_FEE));
    let acc = account(&mut tc, &w).await;
    assert_eq!((acc.positions[0].base, acc.positions[0].quote), (10 * BASE, -AGAIN_COST));
    assert_eq!(acc.collateral, keep - AGAIN_FEE as i64);
    (tc, v, w)
}

const AGAIN_COST: i64 = 1_106_050_000;
const AGAIN_FEE: u64 = 553_025;

// SOL at 95: the long sells at 95 * 0.9995 = 94.9525 (it shrinks the pool's
// position: no skew term), proceeds 949.525, realised 949.525 - 1,106.05 =
// -156.525, fee 0.4747625 rounded up to 0.474763 (0.094952 to insurance):
// the close costs the account 156.999763.
const AT_95_LOSS: i64 = -156_525_000;
const AT_95_FEE: u64 = 474_763;
const AT_95_INSURANCE: u64 = 94_952;
const AT_95_COST: i64 = -AT_95_LOSS + AT_95_FEE as i64;

/// Unsettled PnL the close below is netted against: the pool pays 43.95 of
/// the first close's 93.95.
const OWED_50: u64 = 50_000_000;

#[tokio::test]
async fn a_reduction_whose_loss_passes_the_collateral_lands_when_unsettled_pnl_covers_it_and_is_refused_one_unit_short()
{
    // Collateral 106.999763 and 50 owed: exactly the close's 156.999763.
    let collateral = AT_95_COST - OWED_50 as i64;
    assert_eq!(collateral, 106_999_763);
    let keep = collateral + AGAIN_FEE as i64;
    let pool_funds = LONE_GAIN as u64 - OWED_50;

    // One unit short: the pool paid one more unit of the first gain, so one
    // unit less is owed; the collateral is the same.
    let (mut tc, mut v, w) = owed_and_long_again(pool_funds + 1, keep).await;
    assert_eq!(claim(&mut tc, &w).await, (collateral, OWED_50 - 1));
    v.set_price(&mut tc, 95 * ONE, 0, unix_at(CALM + 100), CALM + 100).await;
    let e = EngineError::LossExceedsCollateral.into();
    assert_error(&mut tc, &[market_order(&w, &v, -10 * BASE)], &[&w.key], e, &[]).await;

    // Covered exactly: the close lands, the deficit of 50 is netted against
    // the 50 owed, and the account ends empty and whole.
    let (mut tc, mut v, w) = owed_and_long_again(pool_funds, keep).await;
    assert_eq!(claim(&mut tc, &w).await, (collateral, OWED_50));
    v.set_price(&mut tc, 95 * ONE, 0, unix_at(CALM + 100), CALM + 100).await;
    let before = books(&mut tc, &v).await;
    assert_eq!((before.0, before.1), (0, OWED_50), "the pool has no cash and owes the 50");
    let insurance = balance(&mut tc, &v.keys.insurance_vault).await;
    let ev = trade(&mut tc, &v, &w, -10 * BASE).await;
    assert_eq!((ev.fill_price, ev.realized_pnl, ev.fee, ev.position_base), (94_952_500_000, AT_95_LOSS, AT_95_FEE, 0));
    assert_eq!((ev.unsettled, ev.insurance_fee), (0, AT_95_INSURANCE));
    let acc = account(&mut tc, &w).await;
    assert!(!acc.has_positions());
    assert_eq!((acc.collateral, acc.unsettled_pnl, acc.flags), (0, 0, 0));
    // The pool receives the collateral less the fee; its claim of 50 is
    // gone (set against the deficit): no token moves for it.
    let to_pool = (collateral - AT_95_FEE as i64) as u64;
    assert_eq!(to_pool, 106_525_000);
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!((pool.balance, pool.unsettled, pool.receivable), (to_pool, 0, 0));
    assert_eq!(books(&mut tc, &v).await, (to_pool, 0, before.2 + to_pool, before.3 - to_pool - AT_95_INSURANCE));
    assert_eq!(balance(&mut tc, &v.keys.insurance_vault).await, insurance + AT_95_INSURANCE);
    assert_conservation(&mut tc, &v, &[w.margin]).await;
}

/// A long of 50 from 100 (on 1,000) closed at 110 into a pool of 10:
/// realised 50 * (109.945 - 100.55) = 469.75, of which the pool pays its
/// 10 and owes 459.75. SOL then holds 110 until [`CALM`]; the trader
/// withdraws down to `keep` and buys 10 again at 110.605 (fee 0.553025),
/// its unsettled PnL carrying the margin. The pool ends with no cash: its
/// balance 0, all of the 459.75 owed.
async fn large_claim_and_long_again(keep: i64) -> (TestContext, Venue, Trader) {
    let (mut tc, mut v) = venue(100 * ONE, 10 * USD).await;
    let w = trader_with_position(&mut tc, &v, 1_000 * USD, 50 * BASE).await;
    move_to_110(&mut tc, &mut v).await;
    let ev = trade(&mut tc, &v, &w, -50 * BASE).await;
    assert_eq!((ev.fill_price, ev.realized_pnl, ev.unsettled), (109_945_000_000, 469_750_000, LARGE_OWED));
    for slot in (MOVED + 9_000..=CALM).step_by(9_000) {
        v.set_price(&mut tc, 110 * ONE, 0, unix_at(slot), slot).await;
    }
    let collateral = account(&mut tc, &w).await.collateral;
    let out = (collateral - keep) as u64;
    tc.process(&[ix::withdraw(w.key.pubkey(), w.margin, w.token, &v.keys, out, &[])], &[&w.key])
        .await
        .expect("withdraw");
    let ev = trade(&mut tc, &v, &w, 10 * BASE).await;
    assert_eq!((ev.fill_price, ev.fee), (110_605_000_000, AGAIN_FEE));
    assert_eq!(claim(&mut tc, &w).await, (keep - AGAIN_FEE as i64, LARGE_OWED));
    let (balance, unsettled, _, _) = books(&mut tc, &v).await;
    assert_eq!((balance, unsettled), (0, LARGE_OWED), "no payable cash");
    (tc, v, w)
}

const LARGE_OWED: u64 = 459_750_000;

/// A reduction whose loss passes the collateral, on an account the pool
/// owes (its unsettled PnL covers the loss) while the pool has no payable
/// cash: with 0.1 of collateral and the close's fee 0.474763, the pool
/// would have to advance 0.374763 of the fee. It lands; the fee charged is
/// the 0.1 the collateral holds (the pool advances nothing, its balance
/// stays 0), the loss of 156.525 is netted against the claim. Its twin:
/// collateral holding exactly the fee is charged the whole fee.
#[tokio::test]
async fn a_loss_past_the_collateral_with_no_payable_cash_is_charged_only_the_fee_the_collateral_holds() {
    let small = 100_000i64;
    assert!(small < AT_95_FEE as i64);
    let (mut tc, mut v, w) = large_claim_and_long_again(small + AGAIN_FEE as i64).await;
    v.set_price(&mut tc, 95 * ONE, 0, unix_at(CALM + 100), CALM + 100).await;
    let before = books(&mut tc, &v).await;
    let insurance = balance(&mut tc, &v.keys.insurance_vault).await;
    let ev = trade(&mut tc, &v, &w, -10 * BASE).await;
    assert_eq!((ev.fill_price, ev.realized_pnl, ev.position_base), (94_952_500_000, AT_95_LOSS, 0));
    // The fee asked is 0.474763; charged: the 0.1 of collateral.
    assert_eq!((ev.fee, ev.insurance_fee, ev.unsettled), (small as u64, small as u64 / 5, 0));
    let acc = account(&mut tc, &w).await;
    assert!(!acc.has_positions());
    let owed = LARGE_OWED - AT_95_LOSS.unsigned_abs();
    assert_eq!((acc.collateral, acc.unsettled_pnl, acc.flags), (0, owed, 0));
    // The pool: no token moves (balance 0, vault unchanged); the loss is
    // set against what it owed. The collateral vault pays only the
    // insurance share of the fee out.
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!((pool.balance, pool.unsettled, pool.receivable), (0, owed, 0));
    assert_eq!(books(&mut tc, &v).await, (0, owed, before.2, before.3 - small as u64 / 5));
    assert_eq!(balance(&mut tc, &v.keys.insurance_vault).await, insurance + small as u64 / 5);
    assert_conservation(&mut tc, &v, &[w.margin]).await;

    // Twin: collateral holding exactly the fee is charged all of it, and
    // still the pool advances nothing.
    let (mut tc, mut v, w) = large_claim_and_long_again(AT_95_FEE as i64 + AGAIN_FEE as i64).await;
    v.set_price(&mut tc, 95 * ONE, 0, unix_at(CALM + 100), CALM + 100).await;
    let before = books(&mut tc, &v).await;
    let ev = trade(&mut tc, &v, &w, -10 * BASE).await;
    assert_eq!((ev.realized_pnl, ev.fee, ev.insurance_fee), (AT_95_LOSS, AT_95_FEE, AT_95_INSURANCE));
    assert_eq!(claim(&mut tc, &w).await, (0, owed));
    assert_eq!(books(&mut tc, &v).await, (0, owed, before.2, before.3 - AT_95_INSURANCE));
    assert_conservation(&mut tc, &v, &[w.margin]).await;
}

mod settlement;
