use super::*;
use proptest::prelude::*;

const B: i64 = 1_000_000_000; // one base unit
const P: i64 = 1_000_000_000; // price 1.0
const Q: i64 = 1_000_000; // one quote unit

#[test]
fn buying_pays_the_ceiling_and_selling_receives_the_floor() {
    assert_eq!(fill_quote(2 * B, 100 * P), Ok(-200 * Q));
    assert_eq!(fill_quote(1, 1), Ok(-1), "a dust buy still pays one unit");
    assert_eq!(fill_quote(-1, 1), Ok(0), "a dust sell receives nothing");
    assert_eq!(fill_quote(1, 0), Err(MathError::DivideByZero));
}

#[test]
fn open_increase_reduce_and_close_realise_the_right_pnl() {
    let f = apply_fill(Position::default(), 2 * B, 100 * P).unwrap();
    assert_eq!(f.position, Position { base: 2 * B, quote: -200 * Q });
    assert_eq!((f.realized_pnl, f.notional), (0, 200 * Q as u64));
    let f = apply_fill(f.position, B, 130 * P).unwrap();
    assert_eq!(f.position, Position { base: 3 * B, quote: -330 * Q });
    // Sell one at 140: basis of one third (110) realised against 140.
    let f = apply_fill(f.position, -B, 140 * P).unwrap();
    assert_eq!(f.realized_pnl, 30 * Q);
    assert_eq!(f.position, Position { base: 2 * B, quote: -220 * Q });
    let f = apply_fill(f.position, -2 * B, 100 * P).unwrap();
    assert_eq!(f.realized_pnl, -20 * Q);
    assert_eq!(f.position, Position::default());
}

#[test]
fn a_flip_closes_then_opens_the_remainder() {
    let long = Position { base: B, quote: -100 * Q };
    let f = apply_fill(long, -3 * B, 120 * P).unwrap();
    assert_eq!(f.realized_pnl, 20 * Q);
    assert_eq!(f.position, Position { base: -2 * B, quote: 240 * Q });
    assert_eq!(f.notional, 360 * Q as u64);
}

#[test]
fn fees_round_up() {
    assert_eq!(fee(1, 1), Ok(1));
    assert_eq!(fee(10_000, 5), Ok(5));
    assert_eq!(fee(0, 100), Ok(0));
}

#[test]
fn extreme_sizes_are_errors_not_wraps() {
    assert!(apply_fill(Position::default(), i64::MAX, i64::MAX).is_err());
    let p = Position { base: i64::MAX, quote: i64::MIN };
    assert!(apply_fill(p, i64::MAX, P).is_err());
}

proptest! {
    #![proptest_config(crate::props())]

    #[test]
    fn opening_then_closing_at_the_same_price_never_gains(
        base in -1_000_000 * B..1_000_000 * B, price in 1..100_000 * P,
    ) {
        let open = apply_fill(Position::default(), base, price).unwrap();
        let close = apply_fill(open.position, -base, price).unwrap();
        prop_assert_eq!(close.position, Position::default());
        prop_assert!(close.realized_pnl <= 0);
    }

    #[test]
    fn a_fill_never_creates_value_for_the_trader(
        base in -1_000_000 * B..1_000_000 * B, delta in -1_000_000 * B..1_000_000 * B,
        entry in 1..100_000 * P, price in 1..100_000 * P,
    ) {
        // Value change of the trader (position value + realised PnL) at the
        // fill price is never positive: the pool is never paid less than fair.
        let pos = apply_fill(Position::default(), base, entry).unwrap().position;
        let before = position_value(&pos, price).unwrap();
        let f = apply_fill(pos, delta, price).unwrap();
        let after = position_value(&f.position, price).unwrap() + f.realized_pnl as i128;
        prop_assert!(after <= before + 1, "before {} after {}", before, after);
    }

    #[test]
    fn pool_plus_traders_net_to_zero_per_market(
        fills in prop::collection::vec((0usize..3, -1_000 * B..1_000 * B, 1..10_000 * P), 1..40),
    ) {
        // Three traders trade against the pool, which takes the opposite side
        // of every fill's base and cash flow; realised PnL moves cash from the
        // pool to the trader. Base and cash must net to zero at every step.
        let mut traders = [Position::default(); 3];
        let mut cash = [0i128; 3];
        let (mut pool_base, mut pool_cash) = (0i128, 0i128);
        for (who, delta, price) in fills {
            let before = traders[who];
            let f = apply_fill(before, delta, price).unwrap();
            // Cash the fill exchanged: realised + change in open quote.
            let flow = f.realized_pnl as i128 + (f.position.quote as i128 - before.quote as i128);
            cash[who] += f.realized_pnl as i128;
            traders[who] = f.position;
            pool_base -= delta as i128;
            pool_cash -= flow;
            let base_sum: i128 = traders.iter().map(|t| t.base as i128).sum();
            prop_assert_eq!(base_sum + pool_base, 0);
            let quote_sum: i128 = traders.iter().map(|t| t.quote as i128).sum::<i128>() + cash.iter().sum::<i128>();
            prop_assert_eq!(quote_sum + pool_cash, 0);
        }
    }
}

#[test]
fn entry_price_rounds_as_asked_and_is_safe_without_a_base() {
    // 2 bought for 200.12 (quote -200.12): 100.06 either way.
    let long = Position { base: 2_000_000_000, quote: -200_120_000 };
    assert_eq!((entry_price(long, false), entry_price(long, true)), (100_060_000_000, 100_060_000_000));
    // 3 sold for 100: 33.333... down, 33.334 up.
    let short = Position { base: -3_000_000_000, quote: 100_000_000 };
    assert_eq!((entry_price(short, false), entry_price(short, true)), (33_333_333_333, 33_333_333_334));
    assert_eq!((entry_price(Position::default(), false), entry_price(Position::default(), true)), (0, i64::MAX));
}
