//! Agreed pumps (the Mango 2022 pattern): every source follows a pushed
//! price long enough for the feed to confirm the jump. For the market's
//! `gain_vest_slots` after the confirmation, a gain counts no higher than
//! the price the jump started from: a close realises it there, and a
//! withdrawal cannot take it out; auto-deleveraging does not take it (the
//! position is no candidate until the window ends), and an LP leaving
//! inside the window is paid the pool's gain only to the anchor. Losses
//! count at once.

use ballast_client::engine as ix;
use ballast_client::simulate::Sim;
use ballast_client::venue::load_venue;
use ballast_risk::lp::amount_for_shares;
use ballast_tests::adapter::{find_event, refresh};
use ballast_tests::assertions::assert_error;
use ballast_tests::fixtures::{SourceFixture, ONE};
use ballast_tests::venue::{add_market, assert_conservation, balance, trader};
use ballast_tests::venue::{load, market_order, trader_with_position, venue, Venue, BASE, S0, T0, USD};
use margin_engine::engine::health::MarketQuote;
use margin_engine::engine::pool::value_legs;
use margin_engine::errors::EngineError;
use margin_engine::events::AutoDeleveraged;
use margin_engine::instructions::TradeParams;
use margin_engine::state::{MarginAccount, Market, Pool};
use oracle_adapter::state::PriceFeed;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

type Tc = ballast_tests::context::TestContext;

/// Push SOL to `price` at every source from `from` to `to`, refreshing every
/// 10 slots (the feed confirms an agreed jump after 150 slots).
async fn push(tc: &mut Tc, v: &mut Venue, price: i64, from: u64, to: u64) {
    let mut slot = from;
    while slot <= to {
        v.set_price(tc, price, 0, T0 + ((slot - S0) * 2 / 5) as i64, slot).await;
        slot += 10;
    }
}

#[tokio::test]
async fn a_confirmed_pump_vests_gains_for_the_markets_window_then_pays_them() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let vest = load::<Market>(&mut tc, &v.market).await.params.gain_vest_slots as u64;
    assert_eq!(vest, 1_500, "the demo venue vests gains for 10 minutes");
    let early = trader_with_position(&mut tc, &v, 1_000 * USD, 2 * BASE).await;
    let late = trader_with_position(&mut tc, &v, 1_000 * USD, 2 * BASE).await;

    // +50 % at every source, held until the feed confirms it.
    push(&mut tc, &mut v, 150 * ONE, S0 + 10, S0 + 200).await;
    let feed: PriceFeed = load(&mut tc, &v.feed).await;
    assert_eq!((feed.ema_price, feed.anchor_lo, feed.anchor_hi), (150 * ONE, 100 * ONE, 100 * ONE));
    let confirmed = feed.anchor_slot;
    assert!(confirmed > S0 + 150 && confirmed <= S0 + 200, "{confirmed}");

    // Inside the window a close realises the gain at the anchor: none.
    let last = confirmed + vest - 1;
    push(&mut tc, &mut v, 150 * ONE, last, last).await;
    let before = load::<MarginAccount>(&mut tc, &early.margin).await.collateral;
    tc.process(&[market_order(&early, &v, -2 * BASE)], &[&early.key]).await.unwrap();
    let after = load::<MarginAccount>(&mut tc, &early.margin).await;
    assert_eq!(after.positions[0].base, 0);
    assert!(after.collateral < before, "the close gained {} inside the window", after.collateral - before);
    assert_eq!(after.unsettled_pnl, 0);

    // One slot later the window is over: the same close gains the pump.
    push(&mut tc, &mut v, 150 * ONE, last + 1, last + 1).await;
    let before = load::<MarginAccount>(&mut tc, &late.margin).await.collateral;
    tc.process(&[market_order(&late, &v, -2 * BASE)], &[&late.key]).await.unwrap();
    let gained = load::<MarginAccount>(&mut tc, &late.margin).await.collateral - before;
    assert!(gained > 99 * USD as i64 && gained < 100 * USD as i64, "gained {gained}");
}

#[tokio::test]
async fn a_loss_after_a_confirmed_jump_counts_at_once() {
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let short = trader_with_position(&mut tc, &v, 1_000 * USD, -2 * BASE).await;
    push(&mut tc, &mut v, 150 * ONE, S0 + 10, S0 + 200).await;
    // Inside the window the short's loss realises at the price, not the
    // anchor: the anchor never softens a loss.
    let before = load::<MarginAccount>(&mut tc, &short.margin).await.collateral;
    tc.process(&[market_order(&short, &v, 2 * BASE)], &[&short.key]).await.unwrap();
    let lost = before - load::<MarginAccount>(&mut tc, &short.margin).await.collateral;
    assert!(lost > 100 * USD as i64 && lost < 101 * USD as i64, "lost {lost}");
}

/// Market 1 ("M1", sources in `sources`) republished at `price` at the
/// clock now and refreshed, so it is fresh whenever market 0 is read.
async fn refresh_m1(tc: &mut Tc, f1: &Pubkey, sources: &mut [SourceFixture], price: i64) {
    let c = tc.clock().await;
    for s in sources.iter_mut() {
        *s = s.at(price, c.unix_timestamp, c.slot);
        tc.set_account(&s.address, &s.account());
    }
    refresh(tc, f1, sources).await.expect("refresh M1");
}

/// Value of `base` with `quote` at `price`, rounded down (quote units).
fn value(base: i64, quote: i64, price: i64) -> i128 {
    (base as i128 * price as i128).div_euclid(1_000_000_000_000) + quote as i128
}

/// Auto-deleveraging never takes a gain that is still vesting after an
/// agreed pump (`AdlNotCandidate`), even with the venue triggered; the
/// first slot after the market's window the same call closes it at the
/// pumped price. The trigger comes from market 1, where a long of 100 is
/// up on an ordinary 10 % move; market 0's long of 1 is pumped 50 %.
#[tokio::test]
async fn adl_refuses_a_position_whose_gain_is_vesting_and_takes_it_the_first_slot_after_the_window() {
    let (mut tc, mut v) = venue(100 * ONE, 1_000 * USD).await;
    let vest = load::<Market>(&mut tc, &v.market).await.params.gain_vest_slots as u64;
    let (m1, f1, mut sources) = add_market(&mut tc, &v, 1, "M1", 100 * ONE).await;
    // `m`: 100 long in market 1; `a`: 1 long in market 0.
    let m = trader(&mut tc, &v, 2_000 * USD).await;
    tc.process(&[ix::deposit(m.key.pubkey(), m.margin, m.token, &v.keys, 2_000 * USD)], &[&m.key]).await.unwrap();
    let buy = TradeParams { base: 100 * BASE, limit_price: i64::MAX, reduce_only: false };
    tc.process(&[ix::trade(m.key.pubkey(), m.margin, &v.keys, 1, f1, buy, &v.markets())], &[&m.key]).await.unwrap();
    let a = trader_with_position(&mut tc, &v, 100 * USD, BASE).await;
    let qm = load::<MarginAccount>(&mut tc, &m.margin).await.positions[0].quote;
    let qa = load::<MarginAccount>(&mut tc, &a.margin).await.positions[0].quote;
    // `m` at 100.55 (the skew term capped: 10,000 of notional on the
    // pool's 1,000); `a` at 100.10 (5 bps spread and 50 bps of skew times
    // 100 / 1,000 of depth).
    assert_eq!((qm, qa), (-10_055_000_000, -100_100_000));
    let pairs = [(v.market, v.feed), (m1, f1)];
    let call = ix::auto_deleverage(a.margin, 0, &v.keys, &pairs);

    // SOL pumped to 150 at every source and confirmed.
    push(&mut tc, &mut v, 150 * ONE, S0 + 10, S0 + 200).await;
    let feed: PriceFeed = load(&mut tc, &v.feed).await;
    assert_eq!((feed.anchor_lo, feed.anchor_hi), (100 * ONE, 100 * ONE));
    let last = feed.anchor_slot + vest - 1;

    // The window's last slot, M1 at 110: market 1's long is up 11,000 -
    // 10,055 = 945; market 0's long counts at its entry, 100.10 (above the
    // anchor): nothing. 945 on the pool's 1,000: above the 80 % trigger.
    push(&mut tc, &mut v, 150 * ONE, last, last).await;
    refresh_m1(&mut tc, &f1, &mut sources, 110 * ONE).await;
    let m1_owed = value(100 * BASE, qm, 110 * ONE);
    assert_eq!(m1_owed, 945_000_000);
    let state = Sim::new(&load_venue(&tc.backend()).await.unwrap()).adl_state().unwrap();
    assert_eq!((state.liability as i128, state.free_cash, state.triggered), (m1_owed, 1_000 * USD as i128, true));
    assert_error(&mut tc, std::slice::from_ref(&call), &[], EngineError::AdlNotCandidate.into(), &[a.margin]).await;

    // One slot later the window is over: market 0's long counts at 150
    // (49.90 up) and is a candidate (the whole long side); the target wants
    // floor((994.9 * 10^4 - 1,000 * 6,000) / 4,000) = 987.25, more than its
    // profit, so it closes whole at 150, paid by the pool.
    push(&mut tc, &mut v, 150 * ONE, last + 1, last + 1).await;
    refresh_m1(&mut tc, &f1, &mut sources, 110 * ONE).await;
    let gain = value(BASE, qa, 150 * ONE);
    let owed = m1_owed + gain;
    let wanted = (owed * 10_000 - 1_000 * USD as i128 * 6_000) / 4_000;
    assert_eq!((gain, wanted), (49_900_000, 987_250_000));
    let (pool_vault, vault) =
        (balance(&mut tc, &v.keys.pool_vault).await, balance(&mut tc, &v.keys.collateral_vault).await);
    let before = load::<MarginAccount>(&mut tc, &a.margin).await.collateral;
    let logs = tc.process_logged(&[call], &[]).await.expect("auto_deleverage");
    let ev: AutoDeleveraged = find_event(&logs).expect("AutoDeleveraged");
    assert_eq!((ev.base, ev.price, ev.realized_pnl as i128, ev.unsettled), (-BASE, 150 * ONE, gain, 0));
    assert_eq!((ev.liability as i128, ev.free_cash, ev.position_base), (owed, 1_000 * USD as i64, 0));
    let acc = load::<MarginAccount>(&mut tc, &a.margin).await;
    assert!(!acc.has_positions());
    assert_eq!(acc.collateral as i128, before as i128 + gain, "no fee");
    let paid = gain as u64;
    assert_eq!(balance(&mut tc, &v.keys.pool_vault).await, pool_vault - paid);
    assert_eq!(balance(&mut tc, &v.keys.collateral_vault).await, vault + paid);
    assert_eq!(load::<Pool>(&mut tc, &ballast_client::engine::pool_address()).await.balance, 1_000 * USD - paid);
}

/// The pool's NAV with market 0 quoted at `price` at every source and no
/// vesting anchor (the program's `value_legs` on that quote).
fn nav_at(venue: &ballast_client::venue::Venue, price: i64) -> u64 {
    let q = venue.reader_quotes().remove(0).expect("quote");
    // Every source at `price` (the valuation reads the ends of their range).
    let q = MarketQuote { price, lo_price: price, hi_price: price, anchor_lo: 0, anchor_hi: 0, ..q };
    value_legs(&venue.pool, &[(venue.markets[0].market, q)]).expect("value_legs").nav
}

/// An LP leaving inside a market's vesting window is not paid the pool's
/// pumped gain: the traders are net short (the pool long 20), SOL is
/// pumped from 100 to 150 and confirmed; inside the window the LP's shares
/// are burned at the NAV with SOL at the anchor, after it at the pumped NAV.
#[tokio::test]
async fn lp_withdraw_inside_the_vesting_window_pays_the_pool_at_the_anchor_and_after_it_at_the_pumped_nav() {
    let (mut tc, mut v) = venue(100 * ONE, 10_000 * USD).await;
    let vest = load::<Market>(&mut tc, &v.market).await.params.gain_vest_slots as u64;
    let s = trader_with_position(&mut tc, &v, 5_000 * USD, -20 * BASE).await;
    let market: Market = load(&mut tc, &v.market).await;
    assert_eq!(market.pool_base, 20 * BASE, "the pool is long 20");
    let shares = 4_000 * USD;
    let (lp, token) = (v.lp.0.insecure_clone(), v.lp.1);
    let withdraw = ix::lp_withdraw(lp.pubkey(), token, &v.keys, shares, 0, &v.markets());

    push(&mut tc, &mut v, 150 * ONE, S0 + 10, S0 + 200).await;
    let feed: PriceFeed = load(&mut tc, &v.feed).await;
    assert_eq!(feed.anchor_lo, 100 * ONE);
    assert!(tc.clock().await.slot < feed.anchor_slot + vest, "inside the window");

    // Inside the window: the NAV with SOL at the anchor, 100.
    let venue_now = load_venue(&tc.backend()).await.unwrap();
    let (at_anchor, pumped) = (nav_at(&venue_now, 100 * ONE), nav_at(&venue_now, 150 * ONE));
    let pool = venue_now.pool;
    let by_hand = |p: i64| (pool.balance - pool.unsettled) as i128 + value(market.pool_base, market.pool_quote, p);
    assert_eq!((at_anchor as i128, pumped as i128), (by_hand(100 * ONE), by_hand(150 * ONE)));
    assert_eq!(pumped - at_anchor, 1_000 * USD, "the pool's 20 gained 50 each");
    assert_eq!(Sim::new(&venue_now).pool_valuation().unwrap().nav, at_anchor, "the program's own NAV");
    let expected = amount_for_shares(shares, at_anchor, pool.shares).unwrap();
    assert!(expected < amount_for_shares(shares, pumped, pool.shares).unwrap());
    let before = balance(&mut tc, &token).await;
    tc.process(std::slice::from_ref(&withdraw), &[&lp]).await.expect("lp_withdraw inside the window");
    let paid = balance(&mut tc, &token).await - before;
    assert_eq!(paid, expected);

    // The first slot after the window: the pumped NAV.
    let after = feed.anchor_slot + vest;
    push(&mut tc, &mut v, 150 * ONE, after, after).await;
    let venue_now = load_venue(&tc.backend()).await.unwrap();
    let pool = venue_now.pool;
    let pumped = nav_at(&venue_now, 150 * ONE);
    assert_eq!(
        pumped as i128,
        (pool.balance - pool.unsettled) as i128 + value(20 * BASE, market.pool_quote, 150 * ONE)
    );
    assert_eq!(Sim::new(&venue_now).pool_valuation().unwrap().nav, pumped, "no anchor any more");
    let expected = amount_for_shares(shares, pumped, pool.shares).unwrap();
    let before = balance(&mut tc, &token).await;
    tc.process(&[withdraw], &[&lp]).await.expect("lp_withdraw after the window");
    assert_eq!(balance(&mut tc, &token).await - before, expected);
    assert_conservation(&mut tc, &v, &[s.margin]).await;
}

/// A liquidation that would realise a vesting gain at its anchor must
/// improve health even when it closes the position whole: the account is
/// long 0.1 SOL (market 0) and short 6 of market 1, both from 100. Market
/// 1 rises gradually to 130 (every step under the 25 % jump guard: no
/// anchor), then SOL is pumped to 130 and the jump confirmed (anchor 100).
/// Maintenance health counts the SOL long's 3 of gain, but its liquidation
/// closes it whole (the rest would be dust) at its entry: the gain goes,
/// and health falls (`LiquidationWorsened`, nothing changes). Liquidating
/// the losing short instead lands, and health strictly improves.
#[tokio::test]
async fn liquidating_a_vesting_winner_whole_at_its_anchor_is_refused_when_it_worsens_health_and_the_losing_leg_is_taken(
) {
    use margin_engine::events::Liquidated;
    let (mut tc, mut v) = venue(100 * ONE, 100_000 * USD).await;
    let (m1, f1, mut sources) = add_market(&mut tc, &v, 1, "M1", 100 * ONE).await;
    let t = trader_with_position(&mut tc, &v, 200 * USD, BASE / 10).await;
    let short = TradeParams { base: -6 * BASE, limit_price: 1, reduce_only: false };
    let i = ix::trade(t.key.pubkey(), t.margin, &v.keys, 1, f1, short, &v.markets());
    tc.process(&[i], &[&t.key]).await.expect("short M1");
    let k = trader(&mut tc, &v, 0).await;

    // Market 1 to 119 (19 % above its EMA), held while the EMA follows,
    // then 130 (under 25 % above the EMA by then): never a jump. SOL holds
    // 100 meanwhile.
    let mut slot = S0 + 10;
    while slot <= S0 + 2_000 {
        v.set_price(&mut tc, 100 * ONE, 0, T0 + ((slot - S0) * 2 / 5) as i64, slot).await;
        refresh_m1(&mut tc, &f1, &mut sources, 119 * ONE).await;
        slot += 100;
    }
    v.set_price(&mut tc, 100 * ONE, 0, T0 + ((slot - S0) * 2 / 5) as i64, slot).await;
    refresh_m1(&mut tc, &f1, &mut sources, 130 * ONE).await;
    let f1_state: PriceFeed = load(&mut tc, &f1).await;
    assert_eq!((f1_state.price, f1_state.anchor_lo, f1_state.anchor_hi), (130 * ONE, 0, 0), "no jump in market 1");

    // SOL pumped to 130 at every source and confirmed: anchor 100.
    push(&mut tc, &mut v, 130 * ONE, slot + 10, slot + 200).await;
    refresh_m1(&mut tc, &f1, &mut sources, 130 * ONE).await;
    let feed: PriceFeed = load(&mut tc, &v.feed).await;
    assert_eq!((feed.anchor_lo, feed.anchor_hi), (100 * ONE, 100 * ONE));
    let vest = load::<Market>(&mut tc, &v.market).await.params.gain_vest_slots as u64;
    assert!(tc.clock().await.slot < feed.anchor_slot + vest, "inside the window");
    let f1_state: PriceFeed = load(&mut tc, &f1).await;
    assert_eq!((f1_state.anchor_lo, f1_state.anchor_hi), (0, 0), "market 1 never anchored");

    // The SOL leg: whole (0.1 SOL is 13 of notional, half of it dust) at
    // its entry, losing the 3 of gain health counts: refused.
    let acc = load::<MarginAccount>(&mut tc, &t.margin).await;
    let entry = -acc.positions[acc.slot_of(0).unwrap()].quote;
    assert_eq!(entry, 10_006_000, "bought at 100.06");
    // The program's own liquidation, run off-chain on the accounts now: it
    // closes the long whole at its entry (anchored), health falls, and only
    // the `anchored` rule refuses it (a whole close is otherwise exempt).
    {
        use margin_engine::engine::health::{account_health, liquidation_quotes};
        use margin_engine::engine::liquidation::{execute_liquidation, require_improved};
        let venue_now = load_venue(&tc.backend()).await.unwrap();
        let sim = Sim::new(&venue_now);
        let quotes = vec![sim.quote(0).unwrap(), sim.quote(1).unwrap()];
        let quotes = liquidation_quotes(&acc, &quotes, 0).unwrap();
        let before = account_health(&acc, &quotes).unwrap();
        assert!(before.maintenance < 0 && before.equity > 0, "{before:?}");
        let (mut a, mut market, mut pool, mut exchange) =
            (acc, venue_now.markets[0].market, venue_now.pool, venue_now.exchange);
        let slot = venue_now.clock.slot;
        let out = execute_liquidation(&mut a, &mut market, &mut pool, &mut exchange, &quotes[0], &before, slot)
            .expect("the fill itself");
        assert!(out.anchored && a.slot_of(0).is_none(), "closed whole at the anchor");
        assert_eq!((out.base, out.price), (-BASE / 10, 100_060_000_000));
        let after = account_health(&a, &quotes).unwrap();
        assert!(after.maintenance < before.maintenance, "{} -> {}", before.maintenance, after.maintenance);
        assert!(require_improved(&a, 0, &quotes, &before, false).is_ok(), "a whole close alone is exempt");
        assert!(require_improved(&a, 0, &quotes, &before, true).is_err());
    }
    let sol = ix::liquidate(k.key.pubkey(), k.token, t.margin, &v.keys, 0, v.feed, &[(m1, f1)]);
    assert_error(&mut tc, &[sol], &[&k.key], EngineError::LiquidationWorsened.into(), &[t.margin]).await;

    // The losing short: taken, health strictly better.
    let m1_leg = ix::liquidate(k.key.pubkey(), k.token, t.margin, &v.keys, 1, f1, &[(v.market, v.feed)]);
    let logs = tc.process_logged(&[m1_leg], &[&k.key]).await.expect("liquidate the losing leg");
    let ev: Liquidated = find_event(&logs).expect("Liquidated");
    assert_eq!((ev.account, ev.market), (t.margin, 1));
    assert!(ev.base > 0 && ev.price >= 130 * ONE, "bought back at the price: {} at {}", ev.base, ev.price);
    assert!(ev.health_before < 0 && ev.health_after > ev.health_before, "{} -> {}", ev.health_before, ev.health_after);
    let after = load::<MarginAccount>(&mut tc, &t.margin).await;
    assert_eq!(after.positions[after.slot_of(0).unwrap()].base, BASE / 10, "the SOL leg untouched");
    assert_conservation(&mut tc, &v, &[t.margin, k.margin]).await;
}
