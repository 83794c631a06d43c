//! Invariant 5's upper bound in a stated scenario: a 7x long on SOL with
//! a size premium, the price down 8.5 % with each source's conf at 1 %. The
//! linear formula would close more than the buffer needs; the engine
//! closes the smallest amount that reaches it.

use ballast_model::{FeedMove, Model, Op};
use ballast_risk::liquidation::close_amount;
use margin_engine::engine::health::{account_health, liquidation_quotes, Quotes};
use margin_engine::engine::liquidation::health_after_close;

#[test]
fn a_partial_liquidation_closes_the_smallest_amount_that_reaches_the_buffer_where_the_linear_formula_overshoots() {
    let mut m = Model::new();
    let (step, refused) = m.apply(&Op::Trade { trader: 0, market: 0, leverage_tenths: 70, reduce_only: false });
    assert!(step.ok, "{refused:?}");
    let (step, _) = m.apply(&Op::Price { market: 0, bps: -850, how: FeedMove::Wide });
    assert!(step.ok);

    // The liquidation as the engine will see it.
    let view = m.writer_view();
    let acc = m.accounts[0].expect("trader 0's account");
    let own = view.own(&m.markets[0]).unwrap();
    let quotes = liquidation_quotes(&acc, &view.covering(&acc, Some(own)).unwrap(), 0).unwrap();
    let before = account_health(&acc, &quotes).unwrap();
    assert!(before.maintenance < 0, "liquidatable: {before:?}");
    let q = quotes[0];
    let pos = acc.positions[acc.slot_of(0).unwrap()].position();
    let params = m.markets[0].liquidation(q.ratios(pos.base).unwrap().mmr_bps);
    let buffer = (before.maintenance_requirement as i128 * m.markets[0].params.liq_buffer_bps as i128) / 10_000;
    let linear = close_amount(pos.base, q.price, before.maintenance, buffer, &params).unwrap();

    let cash = margin_engine::engine::settle::payable_cash(&m.pool);
    let (step, refused) = m.apply(&Op::Liquidate { trader: 0, market: 0 });
    assert!(step.ok, "{refused:?}");
    let after = m.accounts[0].unwrap();
    let rest = after.positions[after.slot_of(0).expect("a partial close")].position();
    let closed = (pos.base - rest.base).unsigned_abs();
    let health = |c: u64| health_after_close(pos, c, &q, before.maintenance, acc.collateral, &params, cash).unwrap();
    let actual = account_health(&after, &liquidation_quotes(&after, &quotes, 0).unwrap()).unwrap().maintenance;

    assert_eq!(actual, health(closed), "the projection is the health after");
    assert!(
        actual >= buffer && health(closed - 1) < buffer,
        "the smallest close: {closed} reaches {buffer}, one less does not"
    );
    assert!(linear > closed, "the linear formula would close {linear}, more than the {closed} needed");
    assert!(health(linear) > actual, "and end further above the buffer: {} vs {actual}", health(linear));
}
