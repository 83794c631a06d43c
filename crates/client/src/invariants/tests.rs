use super::step::{check_step, Action, Step};
use super::*;
use crate::demo::{exchange_params, market_params};
use bytemuck::Zeroable;
use margin_engine::state::{PositionSlot, FLAG_BANKRUPT};

/// A venue of one listed market (no feed price), one account holding
/// `collateral`, vaults that match.
fn snapshot(collateral: i64) -> Snapshot {
    let mut exchange = Exchange::zeroed();
    exchange_params(Pubkey::new_unique(), Pubkey::new_unique()).write_to(&mut exchange);
    let mut market = Market::zeroed();
    let p = market_params("SOL", 10);
    market.list(0, Pubkey::new_unique(), p.validate().unwrap(), p.params(), 0);
    let mut acc = MarginAccount::zeroed();
    acc.positions = [PositionSlot::EMPTY; 8];
    acc.set_collateral(collateral);
    exchange.total_collateral = collateral.max(0) as u64;
    let mut pool = Pool::zeroed();
    pool.receivable = collateral.min(0).unsigned_abs();
    Snapshot {
        exchange,
        pool,
        markets: vec![market],
        feeds: vec![PriceFeed::zeroed()],
        accounts: vec![(Pubkey::new_unique(), acc)],
        lps: vec![],
        vault: [collateral.max(0) as u64, 0, 0],
        now: (0, 10),
    }
}

fn broken(s: &Snapshot) -> (u8, String) {
    let e = s.check().unwrap_err();
    (e.invariant, e.what)
}

#[test]
fn each_broken_state_invariant_is_named_with_its_number() {
    assert_eq!(snapshot(5).check(), Ok(()));
    assert_eq!(snapshot(-5).check(), Ok(()), "a flagged deficit owed to the pool is consistent");

    let mut s = snapshot(5);
    s.exchange.total_collateral = 4;
    assert_eq!(broken(&s), (1, "sum of account collateral 5 != exchange total 4".into()));
    let mut s = snapshot(5);
    s.vault[0] = 6;
    assert_eq!(broken(&s), (1, "collateral vault 6 != collateral + fees + impact pool 5".into()));
    let mut s = snapshot(-5);
    s.pool.receivable = 4;
    assert_eq!(broken(&s), (1, "the pool's receivable 4 != sum of deficits 5".into()));
    let mut s = snapshot(5);
    s.vault[1] = 1;
    assert_eq!(broken(&s), (6, "insurance vault 1 != insurance balance 0".into()));

    let mut s = snapshot(5);
    s.accounts[0].1.flags = FLAG_BANKRUPT;
    assert_eq!(broken(&s).0, 3);
    let mut s = snapshot(-5);
    s.accounts[0].1.flags = 0;
    assert_eq!(broken(&s).0, 3);

    let mut s = snapshot(5);
    s.accounts[0].1.positions[0] = PositionSlot { market: 0, base: 1, quote: -7, ..PositionSlot::EMPTY };
    (s.markets[0].pool_base, s.markets[0].pool_quote, s.markets[0].long_oi) = (-1, 7, 1);
    assert_eq!(broken(&s), (2, "market 0: long quote 0 != the longs' quote -7".into()));
    s.markets[0].long_quote = -7;
    assert_eq!(s.check(), Ok(()));
    s.markets[0].pool_base = 0;
    assert_eq!(broken(&s), (2, "market 0: traders' base 1 + pool base 0 != 0".into()));

    let mut s = snapshot(5);
    s.feeds[0].has_price = 1;
    assert_eq!(broken(&s), (7, "feed of market 0: price 0 with has_price".into()));
    (s.feeds[0].price, s.feeds[0].lo_price, s.feeds[0].hi_price) = (10, 9, 11);
    assert_eq!(s.check(), Ok(()));

    let mut s = snapshot(5);
    s.markets[0].params.mmr_bps = s.markets[0].params.imr_bps;
    assert_eq!(broken(&s).0, 9);
    let mut s = snapshot(5);
    s.exchange.deposit_cap = 0;
    assert_eq!(broken(&s).0, 9);
}

fn step(action: Action, s: &Snapshot, ok: bool) -> Step {
    Step { action, account: Some(s.accounts[0].0), market: Some(0), ok }
}

#[test]
fn each_broken_step_invariant_is_named_with_its_number() {
    let before = snapshot(5);
    // 8: a refusal changes nothing; a paused instruction never lands.
    assert_eq!(check_step(&before, &before, &step(Action::Deposit, &before, false)), Ok(()));
    let mut after = before.clone();
    after.vault[0] += 1;
    let e = check_step(&before, &after, &step(Action::Deposit, &before, false)).unwrap_err();
    assert_eq!(
        (e.invariant, e.what.as_str()),
        (8, "Deposit was refused but changed the exchange, pool or vaults differ")
    );
    let mut paused = before.clone();
    paused.exchange.pause_bits = margin_engine::constants::pause::DEPOSIT;
    let e = check_step(&paused, &paused, &step(Action::Deposit, &before, true)).unwrap_err();
    assert_eq!((e.invariant, e.what.as_str()), (8, "Deposit landed while paused"));
    assert_eq!(check_step(&paused, &paused, &step(Action::Withdraw, &before, true)), Ok(()), "other bits");

    // 6: insurance falls only through the waterfall or a withdrawal, never below the floor.
    let mut rich = before.clone();
    rich.exchange.insurance_balance = 10;
    let mut poorer = rich.clone();
    poorer.exchange.insurance_balance = 9;
    assert_eq!(check_step(&rich, &poorer, &step(Action::Trade, &before, true)).unwrap_err().invariant, 6);
    assert_eq!(check_step(&rich, &poorer, &step(Action::ResolveBankruptcy, &before, true)), Ok(()));
    poorer.exchange.insurance_floor = 10;
    assert_eq!(check_step(&rich, &poorer, &step(Action::WithdrawInsurance, &before, true)).unwrap_err().invariant, 6);

    // 7: publish time never goes back.
    let mut later = before.clone();
    later.feeds[0].publish_time = 100;
    assert_eq!(check_step(&later, &before, &step(Action::Other, &before, true)).unwrap_err().invariant, 7);
    assert_eq!(check_step(&before, &later, &step(Action::Other, &before, true)), Ok(()));

    // 11: open interest never grows past the cap; a side above it may shrink.
    let mut grown = before.clone();
    (grown.markets[0].oi_cap, grown.markets[0].long_oi) = (10, 11);
    assert_eq!(check_step(&before, &grown, &step(Action::Other, &before, true)).unwrap_err().invariant, 11);
    let mut shrunk = grown.clone();
    shrunk.markets[0].long_oi = 10;
    assert_eq!(check_step(&grown, &shrunk, &step(Action::Other, &before, true)), Ok(()));
    let mut over = before.clone();
    over.accounts[0].1.collateral = over.exchange.deposit_cap as i64 + 1;
    assert_eq!(check_step(&before, &over, &step(Action::Deposit, &before, true)).unwrap_err().invariant, 11);

    // 4: a landed trigger only reduces its market's position.
    let long = |base: i64| {
        let mut s = before.clone();
        s.accounts[0].1.positions[0] = PositionSlot { market: 0, base, quote: -base, ..PositionSlot::EMPTY };
        s
    };
    assert_eq!(check_step(&long(5), &long(2), &step(Action::ExecuteTrigger, &before, true)), Ok(()));
    for (from, to) in [(5, 6), (5, -1), (5, 5)] {
        let e = check_step(&long(from), &long(to), &step(Action::ExecuteTrigger, &before, true)).unwrap_err();
        assert_eq!(e.invariant, 4, "{from} -> {to}");
    }

    // 12: only an empty account closes, and it is gone after.
    let mut gone = before.clone();
    gone.accounts.clear();
    let e = check_step(&before, &gone, &step(Action::CloseAccount, &before, true)).unwrap_err();
    assert_eq!(e.invariant, 12);
    let empty = snapshot(0);
    let mut empty_gone = empty.clone();
    empty_gone.accounts.clear();
    assert_eq!(check_step(&empty, &empty_gone, &step(Action::CloseAccount, &empty, true)), Ok(()));
}

#[test]
fn a_broken_invariant_reads_with_its_number_and_name() {
    let b = Broken { invariant: 5, what: "x".into() };
    assert_eq!(b.to_string(), "invariant 5 (liquidation bounds) broken: x");
}
