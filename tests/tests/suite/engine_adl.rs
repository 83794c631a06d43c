//! Auto-deleveraging: refused until the traders' unrealised profit is above
//! 80 % of the pool's free cash (refused at exactly 80 %, runs one unit
//! above); reduces only a winning position at or above its side's average
//! return, the best-ranked first, at the oracle price and without a fee;
//! closes exactly `floor(|base| * need / pnl)` and never takes the venue
//! below its 60 % target; names every market in index order or is refused.
//! A hedged pair owes the pool nothing (no trigger whichever way the price
//! moves); an LP withdrawal that would push the venue above the trigger is
//! refused (`AdlHeadroom`), one share less lands.
//!
//! The expected amounts are computed here from the accounts, with the
//! rules of `engine/adl.rs` written out: liability = per market, the two
//! sides' `floor(base * price / 10^12) + quote` netted, where positive (a
//! losing side offsets the winners of its market); free cash = pool
//! balance - unsettled; `need = min(adl amount to the target - rounding
//! margin, the position's PnL, its side's PnL, its market's net
//! liability)`. The liability and free cash after each
//! call are asserted exactly; that they stay at or above the target is
//! `adl_never_takes_the_venue_below_its_target` (failing: the liability
//! falls one unit more than the pool pays).

use ballast_client::engine as ix;
use ballast_client::simulate::Sim;
use ballast_client::venue::load_venue;
use ballast_risk::pnl::adl_rank;
use ballast_tests::adapter::{find_event, refresh};
use ballast_tests::assertions::assert_error;
use ballast_tests::context::TestContext;
use ballast_tests::fixtures::ONE;
use ballast_tests::venue::{add_market, assert_conservation, balance, load, trader_with_position, venue};
use ballast_tests::venue::{Trader, Venue, BASE, S0, T0, USD};
use margin_engine::constants::pause;
use margin_engine::errors::EngineError;
use margin_engine::events::AutoDeleveraged;
use margin_engine::state::{MarginAccount, Market, Pool};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

/// Base times price over this is quote (10^9 * 10^9 / 10^12 = 10^6).
const DIV: i128 = 1_000_000_000_000;
const BPS: i128 = 10_000;
/// The exchange's defaults: trigger above 80 %, target 60 %.
const TRIGGER: i128 = 8_000;
const TARGET: i128 = 6_000;

/// Value of `base` with `quote` at `price`, rounded down.
fn value(base: i64, quote: i64, price: i64) -> i128 {
    (base as i128 * price as i128).div_euclid(DIV) + quote as i128
}

/// What the traders of market `index` are up on the pool at `price`: the
/// long side's value plus the short side's, where positive.
async fn market_liability(tc: &mut TestContext, index: u16, price: i64) -> i128 {
    let m: Market = load(tc, &ix::market_address(index)).await;
    let longs = value(m.long_oi as i64, m.long_quote, price);
    let shorts = value(-(m.short_oi as i64), m.short_quote(), price);
    (longs + shorts).max(0)
}

/// The traders' unrealised profit the venue owes at `prices` (one per
/// market, index order): each market's netted liability.
async fn liability(tc: &mut TestContext, prices: &[i64]) -> i128 {
    let mut owed = 0;
    for (i, p) in prices.iter().enumerate() {
        owed += market_liability(tc, i as u16, *p).await;
    }
    owed
}

/// The pool's free cash: balance less unsettled PnL.
async fn free_cash(tc: &mut TestContext) -> i128 {
    let pool: Pool = load(tc, &ix::pool_address()).await;
    pool.balance as i128 - pool.unsettled as i128
}

/// What one call must do to a long of (`base`, `quote`) at `price`, the
/// venue owing `owed` on `free`, the long side's PnL being `side_pnl` and
/// the market's net liability `net`: (base closed, realised PnL, quote
/// left).
fn expected(base: i64, quote: i64, price: i64, owed: i128, free: i128, side_pnl: i128, net: i128) -> (i64, i64, i64) {
    let pnl = value(base, quote, price);
    let wanted = (owed * BPS - free * TARGET).div_euclid(BPS - TARGET).clamp(0, owed);
    // Less the rounding margin, so the fill's rounding never passes the target.
    let margin = ballast_risk::pnl::adl_rounding_margin(TARGET as u32).unwrap() as i128;
    let need = (wanted - margin).max(0).min(pnl).min(side_pnl).min(net);
    let close = (base as i128 * need / pnl) as i64;
    // The closed part of the basis rounds toward -infinity; the sale's
    // proceeds round down.
    let basis = (quote as i128 * close as i128).div_euclid(base as i128) as i64;
    let proceeds = (close as i128 * price as i128 / DIV) as i64;
    (close, basis + proceeds, quote - basis)
}

/// Whether `owed` on `free` is above the trigger.
fn triggered(owed: i128, free: i128) -> bool {
    owed * BPS > TRIGGER * free
}

fn adl_ix(t: &Trader, v: &Venue) -> Instruction {
    ix::auto_deleverage(t.margin, 0, &v.keys, &v.markets())
}

/// `auto_deleverage` of `t`'s position in market 0, sent by the harness's
/// payer (it is permissionless); its event.
async fn adl(tc: &mut TestContext, v: &Venue, t: &Trader) -> AutoDeleveraged {
    let logs = tc.process_logged(&[adl_ix(t, v)], &[]).await.expect("auto_deleverage");
    find_event(&logs).expect("AutoDeleveraged")
}

async fn refused(tc: &mut TestContext, v: &Venue, t: &Trader, e: EngineError) {
    assert_error(tc, &[adl_ix(t, v)], &[], e.into(), &[]).await;
}

async fn account(tc: &mut TestContext, t: &Trader) -> MarginAccount {
    load::<MarginAccount>(tc, &t.margin).await
}

/// Pool balance, pool vault and collateral vault.
async fn cash(tc: &mut TestContext, v: &Venue) -> (u64, u64, u64) {
    let pool: Pool = load(tc, &ix::pool_address()).await;
    (pool.balance, balance(tc, &v.keys.pool_vault).await, balance(tc, &v.keys.collateral_vault).await)
}

/// Run `auto_deleverage` on `t`'s long in market 0 at `price` (`prices`:
/// every market's) and check every effect against [`expected`]: the event,
/// the position, the collateral (no fee), the pool and both vaults (the
/// pool has the cash: nothing is left unsettled), the long side and the
/// free cash after. Returns the profit realised and the liability and free
/// cash after.
async fn deleverage_exactly(
    tc: &mut TestContext,
    v: &Venue,
    t: &Trader,
    price: i64,
    prices: &[i64],
) -> (i64, i128, i128) {
    let acc = account(tc, t).await;
    let (base, quote) = (acc.positions[0].base, acc.positions[0].quote);
    let (owed, free) = (liability(tc, prices).await, free_cash(tc).await);
    let m: Market = load(tc, &ix::market_address(0)).await;
    let side = value(m.long_oi as i64, m.long_quote, price);
    let shorts = value(-(m.short_oi as i64), m.short_quote(), price);
    let net = (side + shorts).max(0);
    assert_eq!(net, market_liability(tc, 0, price).await);
    let (close, realized, quote_left) = expected(base, quote, price, owed, free, side, net);
    let (pool_balance, pool_vault, vault) = cash(tc, v).await;
    let ev = adl(tc, v, t).await;
    assert_eq!((ev.account, ev.market, ev.price), (t.margin, 0, price));
    assert_eq!((ev.base, ev.realized_pnl, ev.unsettled), (-close, realized, 0));
    assert_eq!((ev.liability as i128, ev.free_cash as i128, ev.position_base), (owed, free, base - close));
    assert_eq!(ev.notional as i128, (close as i128 * price as i128 + DIV - 1) / DIV);
    let after = account(tc, t).await;
    let slot = &after.positions[0];
    let left = if close == base { (0, 0) } else { (base - close, quote_left) };
    assert_eq!((slot.base, slot.quote), left, "exactly floor(|base| * need / pnl) closed");
    assert_eq!((after.collateral, after.unsettled_pnl), (acc.collateral + realized, 0), "no fee");
    let paid = realized as u64;
    assert_eq!(cash(tc, v).await, (pool_balance - paid, pool_vault - paid, vault + paid));
    // The long side lost the closed base and the closed part of its basis;
    // nothing else moved (the short side still nets against it).
    let side_after = value(m.long_oi as i64 - close, m.long_quote - (quote - quote_left), price);
    let (owed_after, free_after) = (liability(tc, prices).await, free_cash(tc).await);
    let net_after = (side_after + shorts).max(0);
    assert_eq!((owed_after, free_after), (owed - net + net_after, free - realized as i128));
    (realized, owed_after, free_after)
}

#[tokio::test]
async fn adl_is_refused_with_the_profit_at_exactly_the_trigger_and_runs_one_unit_above_it() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000 * USD).await;
    // 100 SOL bought at 100.55 (the skew term capped): the long side is
    // worth floor(p / 10) - 10,055 at p.
    let a = trader_with_position(&mut tc, &v, 2_000 * USD, 100 * BASE).await;
    assert_eq!(account(&mut tc, &a).await.positions[0].quote, -10_055_000_000);
    assert_eq!(free_cash(&mut tc).await, 1_000_000_000);
    // At 108.55 the profit is 800: exactly 80 % of the pool's 1,000.
    let at = 108_550_000_000;
    v.set_price(&mut tc, at, 0, T0 + 20, S0 + 50).await;
    assert_eq!(liability(&mut tc, &[at]).await, 800_000_000);
    refused(&mut tc, &v, &a, EngineError::AdlNotTriggered).await;
    // 10^-8 higher: 800.000001, one unit above.
    let above = at + 10;
    v.set_price(&mut tc, above, 0, T0 + 24, S0 + 60).await;
    assert_eq!(liability(&mut tc, &[above]).await, 800_000_001);
    let (realized, owed, free) = deleverage_exactly(&mut tc, &v, &a, above, &[above]).await;
    // need = floor((800.000001 * 10^4 - 1,000 * 6,000) / 4,000) = 500.000002,
    // less the 4-unit rounding margin: 499.999998 of the 800.000001 profit,
    // 62.499999671 of the 100 SOL (rounded down), realising 499.999997.
    let left = account(&mut tc, &a).await.positions[0].base;
    assert_eq!((100 * BASE - left, realized), (62_499_999_671, 499_999_997));
    // Back under the trigger, and just above the 60 % target (the rounding
    // margin: `adl_never_takes_the_venue_below_its_target`).
    assert_eq!((owed, free), (300_000_003, 500_000_003));
    assert!(!triggered(owed, free));
    // Done: the next call is refused.
    refused(&mut tc, &v, &a, EngineError::AdlNotTriggered).await;
    assert_conservation(&mut tc, &v, &[a.margin]).await;
}

/// 1,000 in the pool. At 100, `a` buys 60 SOL on 1,000 (100.55, the skew
/// term capped); at 104, `b` buys 40 on 5,000 (104.572) and `c` sells 1 on
/// 3,000 (103.948: it shrinks the pool's position, no skew term); then SOL
/// at `p`. Longs cost 10,215.88 for 100 SOL; `a` returns more than the
/// side on average, `b` less; `c` loses `p - 103.948`, which nets against
/// the longs' profit in the liability (kept small, so the venue still
/// triggers).
async fn three_traders(p: i64) -> (TestContext, Venue, Trader, Trader, Trader) {
    let (mut tc, mut v) = venue(100 * ONE, 1_000 * USD).await;
    let a = trader_with_position(&mut tc, &v, 1_000 * USD, 60 * BASE).await;
    v.set_price(&mut tc, 104 * ONE, 0, T0 + 20, S0 + 50).await;
    let b = trader_with_position(&mut tc, &v, 5_000 * USD, 40 * BASE).await;
    let c = trader_with_position(&mut tc, &v, 3_000 * USD, -BASE).await;
    let quotes = [account(&mut tc, &a).await, account(&mut tc, &b).await, account(&mut tc, &c).await]
        .map(|acc| acc.positions[0].quote);
    assert_eq!(quotes, [-6_033_000_000, -4_182_880_000, 103_948_000]);
    v.set_price(&mut tc, p, 0, T0 + 40, S0 + 100).await;
    (tc, v, a, b, c)
}

/// `t`'s ADL rank now (`ballast_risk::pnl::adl_rank`: return times
/// leverage, equity as the program's health computes it).
async fn rank(tc: &mut TestContext, t: &Trader, price: i64) -> u128 {
    let acc = account(tc, t).await;
    let p = acc.positions[0];
    let venue_now = load_venue(&tc.backend()).await.expect("venue");
    let equity = Sim::new(&venue_now).health(&acc).expect("health").equity;
    let notional = ballast_risk::position::notional_ceil(p.base, price).unwrap() as u128;
    adl_rank(value(p.base, p.quote, price), p.quote.unsigned_abs() as u128, notional, equity).unwrap()
}

#[tokio::test]
async fn adl_takes_the_best_ranked_winner_first_then_the_next_and_stops_at_the_target() {
    let p = 112 * ONE;
    let (mut tc, v, a, b, c) = three_traders(p).await;
    // Longs: 11,200 - 10,215.88 = 984.12, netted with the short's loss of
    // 112 - 103.948 = 8.052: 976.068 owed on 1,000: triggered.
    assert_eq!((liability(&mut tc, &[p]).await, free_cash(&mut tc).await), (976_068_000, 1_000_000_000));
    // `a` returns 687 on 6,033 at about 4x; `b` 297.12 on 4,182.88 at
    // under 1x, below the side's 984.12 on 10,215.88; `c` loses.
    let (ra, rb, rc) = (rank(&mut tc, &a, p).await, rank(&mut tc, &b, p).await, rank(&mut tc, &c, p).await);
    assert!(ra > rb && rb > 0 && rc == 0, "{ra} {rb} {rc}");
    // Only `a` qualifies.
    refused(&mut tc, &v, &b, EngineError::AdlNotCandidate).await;
    refused(&mut tc, &v, &c, EngineError::AdlNotCandidate).await;
    // The target wants 940.17; `a`'s whole profit, 687, is less: it closes
    // whole, and the venue is still above the trigger (297.12 - 8.052 =
    // 289.068 on 313).
    let (realized, owed, free) = deleverage_exactly(&mut tc, &v, &a, p, &[p]).await;
    assert_eq!(realized, 687_000_000);
    assert!(!account(&mut tc, &a).await.has_positions());
    assert_eq!((owed, free), (289_068_000, 313_000_000));
    assert!(triggered(owed, free));
    refused(&mut tc, &v, &a, EngineError::NoPosition).await;
    refused(&mut tc, &v, &c, EngineError::AdlNotCandidate).await;
    // `b` is the whole long side now, so at its average: reduced to the
    // target, never past it.
    let (realized, owed, free) = deleverage_exactly(&mut tc, &v, &b, p, &[p]).await;
    // need = floor((289.068 * 10^4 - 313 * 6,000) / 4,000) = 253.17 of
    // 297.12 (below the market's net 289.068), less the 4-unit rounding
    // margin: 40 * 253.169996 / 297.12 SOL closed, rounded down.
    assert_eq!(realized, 253_169_995);
    assert_eq!(account(&mut tc, &b).await.positions[0].base, 40 * BASE - 34_083_198_169);
    assert_eq!((owed, free), (35_898_004, 59_830_005));
    assert!(!triggered(owed, free));
    refused(&mut tc, &v, &b, EngineError::AdlNotTriggered).await;
    refused(&mut tc, &v, &c, EngineError::AdlNotTriggered).await;
    assert_eq!(account(&mut tc, &c).await.positions[0].base, -BASE, "the losing short was never touched");
    assert_conservation(&mut tc, &v, &[a.margin, b.margin, c.margin]).await;
}

#[tokio::test]
async fn a_position_below_its_sides_average_or_losing_is_refused_and_so_is_a_second_call_once_at_the_target() {
    let p = 110_500_000_000;
    let (mut tc, v, a, b, c) = three_traders(p).await;
    // Longs up 834.12, the short down 6.552: 827.568 owed on 1,000:
    // triggered; the target wants 568.92 of `a`'s 597.
    assert_eq!(liability(&mut tc, &[p]).await, 827_568_000);
    let before = [account(&mut tc, &b).await, account(&mut tc, &c).await];
    // `b` returns 237.12 on 4,182.88, below the side's 834.12 on
    // 10,215.88; `c` is losing.
    refused(&mut tc, &v, &b, EngineError::AdlNotCandidate).await;
    refused(&mut tc, &v, &c, EngineError::AdlNotCandidate).await;
    let (realized, owed, free) = deleverage_exactly(&mut tc, &v, &a, p, &[p]).await;
    assert_eq!(realized, 568_919_995);
    assert_eq!(account(&mut tc, &a).await.positions[0].base, 60 * BASE - 57_177_889_045);
    assert_eq!((owed, free), (258_648_004, 431_080_005));
    assert!(!triggered(owed, free));
    // The same position again, and the others: nothing left to do.
    for t in [&a, &b, &c] {
        refused(&mut tc, &v, t, EngineError::AdlNotTriggered).await;
    }
    let after = [account(&mut tc, &b).await, account(&mut tc, &c).await];
    assert_eq!(after.map(|x| x.positions[0]), before.map(|x| x.positions[0]));
    assert_eq!(after.map(|x| x.collateral), before.map(|x| x.collateral));
    assert_conservation(&mut tc, &v, &[a.margin, b.margin, c.margin]).await;
}

#[tokio::test]
async fn adl_names_every_market_in_index_order_or_is_refused() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000 * USD).await;
    let (m1, f1, mut sources) = add_market(&mut tc, &v, 1, "M1", 100 * ONE).await;
    let a = trader_with_position(&mut tc, &v, 2_000 * USD, 100 * BASE).await;
    // SOL at 110, M1's feed refreshed at the same moment (still at 100).
    let (t, slot) = (T0 + 20, S0 + 50);
    v.set_price(&mut tc, 110 * ONE, 0, t, slot).await;
    for s in sources.iter_mut() {
        *s = s.at(100 * ONE, t, slot);
        tc.set_account(&s.address, &s.account());
    }
    refresh(&mut tc, &f1, &sources).await.expect("refresh");
    // 11,000 - 10,055 = 945 owed on 1,000.
    assert_eq!(liability(&mut tc, &[110 * ONE, 100 * ONE]).await, 945_000_000);
    let m0 = (v.market, v.feed);
    let call = |pairs: &[(Pubkey, Pubkey)]| ix::auto_deleverage(a.margin, 0, &v.keys, pairs);
    let cases: [(Vec<(Pubkey, Pubkey)>, EngineError); 5] = [
        (vec![m0], EngineError::HealthAccountsMismatch),
        (vec![m0, (m1, f1), (m1, f1)], EngineError::HealthAccountsMismatch),
        (vec![(m1, f1), m0], EngineError::WrongMarket),
        (vec![m0, m0], EngineError::WrongMarket),
        (vec![(v.market, f1), (m1, f1)], EngineError::WrongFeed),
    ];
    for (pairs, e) in cases {
        assert_error(&mut tc, &[call(&pairs)], &[], e.into(), &[a.margin]).await;
    }
    // Liquidation paused: so is auto-deleveraging.
    tc.process(&[ix::set_pause(v.gov.pubkey(), pause::LIQUIDATE, &[])], &[&v.gov]).await.expect("pause");
    assert_error(&mut tc, &[call(&[m0, (m1, f1)])], &[], EngineError::Paused.into(), &[a.margin]).await;
    tc.process(&[ix::set_pause(v.gov.pubkey(), 0, &[])], &[&v.gov]).await.expect("unpause");
    // Every market, in index order: it runs.
    let (base, quote) = (100 * BASE, -10_055_000_000);
    let (close, realized, _) = expected(base, quote, 110 * ONE, 945_000_000, 1_000_000_000, 945_000_000, 945_000_000);
    let (pool_balance, pool_vault, vault) = cash(&mut tc, &v).await;
    let logs = tc.process_logged(&[call(&[m0, (m1, f1)])], &[]).await.expect("auto_deleverage");
    let ev: AutoDeleveraged = find_event(&logs).expect("AutoDeleveraged");
    assert_eq!((ev.base, ev.realized_pnl, ev.liability, ev.free_cash), (-close, realized, 945_000_000, 1_000_000_000));
    let paid = realized as u64;
    assert_eq!(cash(&mut tc, &v).await, (pool_balance - paid, pool_vault - paid, vault + paid));
    assert_eq!(account(&mut tc, &a).await.positions[0].base, base - close);
    let (owed, free) = (liability(&mut tc, &[110 * ONE, 100 * ONE]).await, free_cash(&mut tc).await);
    assert_eq!((owed, free), (82_500_004, 137_500_005));
    assert!(!triggered(owed, free));
    assert_conservation(&mut tc, &v, &[a.margin]).await;
}

/// `adl_amount`'s contract ("rounded down, so the ratio after never falls
/// below the target") as the venue sees it after the call: the liability
/// at the oracle price over the pool's free cash, at least 60 %.
#[tokio::test]
async fn adl_never_takes_the_venue_below_its_target() {
    // The single long of the trigger test, deleveraged one unit above the
    // trigger (108.55 + 10^-8) or at 110 (945 owed on 1,000).
    let mut below = Vec::new();
    for price in [108_550_000_010, 110 * ONE] {
        let (mut tc, mut v) = venue(100 * ONE, 1_000 * USD).await;
        let a = trader_with_position(&mut tc, &v, 2_000 * USD, 100 * BASE).await;
        v.set_price(&mut tc, price, 0, T0 + 20, S0 + 50).await;
        assert!(triggered(liability(&mut tc, &[price]).await, free_cash(&mut tc).await));
        adl(&mut tc, &v, &a).await;
        let (owed, free) = (liability(&mut tc, &[price]).await, free_cash(&mut tc).await);
        if owed * BPS < TARGET * free {
            below.push(format!("at {price}: {owed} owed on {free}"));
        }
    }
    assert!(below.is_empty(), "below the 60 % target after the call: {below:?}");
}

#[tokio::test]
async fn a_hedged_pair_owes_the_pool_nothing_so_adl_does_not_trigger_either_way_while_a_partial_hedge_only_offsets() {
    // A long of 100 at 100.55 (the skew term capped) and a short of 100 at
    // 99.95 (it brings the pool back flat: no skew term).
    for p in [110 * ONE, 90 * ONE] {
        let (mut tc, mut v) = venue(100 * ONE, 1_000 * USD).await;
        let a = trader_with_position(&mut tc, &v, 2_000 * USD, 100 * BASE).await;
        let b = trader_with_position(&mut tc, &v, 2_000 * USD, -100 * BASE).await;
        let quotes = [account(&mut tc, &a).await, account(&mut tc, &b).await].map(|acc| acc.positions[0].quote);
        assert_eq!(quotes, [-10_055_000_000, 9_995_000_000]);
        assert_eq!(load::<Market>(&mut tc, &v.market).await.pool_base, 0, "the pool is flat");
        v.set_price(&mut tc, p, 0, T0 + 20, S0 + 50).await;
        // The winning side is up 945 (at 110) or 995 (at 90), on its own
        // above 80 % of the pool's 1,000; the losing side is down 1,005 or
        // 1,055: netted, the traders owe the pool 60 (the spread).
        let (longs, shorts) = (value(100 * BASE, quotes[0], p), value(-100 * BASE, quotes[1], p));
        assert_eq!(longs.max(shorts), if p > 100 * ONE { 945_000_000 } else { 995_000_000 });
        assert!(triggered(longs.max(shorts), free_cash(&mut tc).await), "unnetted, this would trigger");
        assert_eq!(longs + shorts, -60_000_000);
        assert_eq!(liability(&mut tc, &[p]).await, 0);
        let state = Sim::new(&load_venue(&tc.backend()).await.expect("venue")).adl_state().expect("adl_state");
        assert_eq!((state.liability, state.free_cash, state.triggered), (0, 1_000_000_000, false));
        // Neither side is deleveraged, the winner included.
        refused(&mut tc, &v, &a, EngineError::AdlNotTriggered).await;
        refused(&mut tc, &v, &b, EngineError::AdlNotTriggered).await;
    }

    // Hedged by a short of 10 only (99.95): at 110 the long's 945 nets with
    // the short's -100.5 to 844.5 on 1,000, above the trigger. The long is
    // deleveraged to the target: need = floor((844.5 * 10^4 - 1,000 *
    // 6,000) / 4,000) = 611.25, less the 4-unit rounding margin.
    let p = 110 * ONE;
    let (mut tc, mut v) = venue(100 * ONE, 1_000 * USD).await;
    let a = trader_with_position(&mut tc, &v, 2_000 * USD, 100 * BASE).await;
    let b = trader_with_position(&mut tc, &v, 2_000 * USD, -10 * BASE).await;
    assert_eq!(account(&mut tc, &b).await.positions[0].quote, 999_500_000);
    v.set_price(&mut tc, p, 0, T0 + 20, S0 + 50).await;
    assert_eq!(liability(&mut tc, &[p]).await, 844_500_000);
    let (realized, owed, free) = deleverage_exactly(&mut tc, &v, &a, p, &[p]).await;
    assert_eq!(realized, 611_249_995);
    assert_eq!(account(&mut tc, &a).await.positions[0].base, 100 * BASE - 64_682_539_259);
    assert_eq!((owed, free), (233_250_004, 388_750_005));
    assert!(!triggered(owed, free));
    refused(&mut tc, &v, &b, EngineError::AdlNotTriggered).await;
    assert_conservation(&mut tc, &v, &[a.margin, b.margin]).await;
}

/// `lp_withdraw`'s ADL headroom: 5,000 in the pool; a long of 100 from
/// before SOL's move to 110 and, after it, a short of 98 at 110 (so the
/// pool's own position, and its exposure requirement, are small while the
/// traders are up about 940 on it). The LP may take the pool's free cash
/// down to `owed / 80 %`, not one unit further.
#[tokio::test]
async fn lp_withdraw_that_would_push_the_venue_above_the_adl_trigger_is_refused_and_one_share_less_lands() {
    let (mut tc, mut v) = venue(100 * ONE, 5_000 * USD).await;
    let a = trader_with_position(&mut tc, &v, 2_000 * USD, 100 * BASE).await;
    v.set_price(&mut tc, 110 * ONE, 0, T0 + 80, S0 + 200).await;
    // 98 sold at 110 * 0.9995 = 109.945 (it shrinks the pool's short: no
    // skew term).
    let s = trader_with_position(&mut tc, &v, 6_000 * USD, -98 * BASE).await;
    assert_eq!(account(&mut tc, &s).await.positions[0].quote, 10_774_610_000);
    let qa = account(&mut tc, &a).await.positions[0].quote;
    let p = 110 * ONE;
    let owed = liability(&mut tc, &[p]).await;
    assert_eq!(owed, value(100 * BASE, qa, p) + value(-98 * BASE, 10_774_610_000, p));
    let free = free_cash(&mut tc).await;
    assert!(!triggered(owed, free));
    // The least free cash that keeps `owed` at or below 80 % of it.
    let least = (owed * BPS + TRIGGER - 1) / TRIGGER;
    assert!(!triggered(owed, least) && triggered(owed, least - 1));
    let most = (free - least) as u64;

    // Shares: the most whose payout (rounded down at the burning NAV) is
    // within `most`.
    let venue_now = load_venue(&tc.backend()).await.expect("venue");
    let val = Sim::new(&venue_now).pool_valuation().expect("valuation");
    let pool: Pool = load(&mut tc, &ix::pool_address()).await;
    let pays = |shares: u64| ballast_risk::lp::amount_for_shares(shares, val.nav, pool.shares).unwrap();
    let max = (((most as u128 + 1) * pool.shares as u128 - 1) / val.nav as u128) as u64;
    assert_eq!((pays(max), pays(max + 1)), (most, most + 1), "a share is worth less than a unit");
    // Every other limit would let the larger one through: the cash not
    // owed to winners, and the pool's exposure requirement.
    assert!(pays(max + 1) <= pool.balance - val.owed);
    assert!((val.nav - pays(max + 1)) as u128 >= val.requirement);

    let (lp, token) = (v.lp.0.insecure_clone(), v.lp.1);
    let withdraw = |shares: u64| ix::lp_withdraw(lp.pubkey(), token, &v.keys, shares, 0, &v.markets());
    assert_error(&mut tc, &[withdraw(max + 1)], &[&lp], EngineError::AdlHeadroom.into(), &[]).await;
    let (pool_vault, lp_tokens) = (balance(&mut tc, &v.keys.pool_vault).await, balance(&mut tc, &token).await);
    tc.process(&[withdraw(max)], &[&lp]).await.expect("lp_withdraw within the headroom");
    assert_eq!(balance(&mut tc, &token).await, lp_tokens + most);
    assert_eq!(balance(&mut tc, &v.keys.pool_vault).await, pool_vault - most);
    let after: Pool = load(&mut tc, &ix::pool_address()).await;
    assert_eq!((after.balance, after.shares), (pool.balance - most, pool.shares - max));
    // Exactly at the edge: the traders' profit unchanged, free cash at the
    // least that keeps it at 80 %.
    assert_eq!((liability(&mut tc, &[p]).await, free_cash(&mut tc).await), (owed, least));
    refused(&mut tc, &v, &a, EngineError::AdlNotTriggered).await;
    assert_conservation(&mut tc, &v, &[a.margin, s.margin]).await;
}
