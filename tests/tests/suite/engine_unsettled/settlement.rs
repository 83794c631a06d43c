//! `settle_pnl`: paying unsettled PnL as cash arrives, pro rata per
//! settlement round, whatever order the accounts settle in, and never
//! ahead of the claims already waiting.

use super::*;

#[tokio::test]
async fn settle_pnl_pays_unsettled_pnl_in_full_once_a_losers_close_brings_the_cash() {
    let (mut tc, v, w, s) = winner_and_loser().await;
    let collateral = winner_closes(&mut tc, &v, &w).await;
    let owed = (WIN - 10 * USD as i64) as u64;
    assert_eq!(owed, 78_450_000);
    let vault = 400 * USD - LONG_INSURANCE - SHORT_INSURANCE + 10 * USD - WIN_INSURANCE;
    assert_eq!(books(&mut tc, &v).await, (0, owed, 0, vault));
    // No cash in the pool: refused, nothing moves.
    let call = ix::settle_pnl(w.margin, &v.keys);
    assert_error(&mut tc, &[call], &[], EngineError::PoolInsufficient.into(), &[]).await;
    // Nothing owed to the loser.
    let call = ix::settle_pnl(s.margin, &v.keys);
    assert_error(&mut tc, &[call], &[], EngineError::NothingToSettle.into(), &[]).await;

    // The loser's close moves its 101.05 loss to the pool: more than the
    // 78.45 owed.
    loser_closes(&mut tc, &v, &s).await;
    let cash = LOSS.unsigned_abs();
    let vault = vault - cash - LOSS_INSURANCE;
    assert_eq!(books(&mut tc, &v).await, (cash, owed, cash, vault));
    let ev = settle(&mut tc, &v, &w).await;
    assert_eq!((ev.account, ev.netted, ev.paid, ev.left), (w.margin, 0, owed, 0));
    assert_eq!(settlement(owed, owed, cash), Ok(owed), "cash covers every claim: in full");
    // The winner now holds what a full payment would have given it.
    assert_eq!(claim(&mut tc, &w).await, (collateral + owed as i64, 0));
    assert_eq!(collateral + owed as i64, LONG_COLLATERAL + WIN - WIN_FEE as i64);
    assert_eq!(books(&mut tc, &v).await, (cash - owed, 0, cash - owed, vault + owed));
    assert_conservation(&mut tc, &v, &[w.margin, s.margin]).await;
    // Settled: a second call has nothing to do.
    let call = ix::settle_pnl(w.margin, &v.keys);
    assert_error(&mut tc, &[call], &[], EngineError::NothingToSettle.into(), &[]).await;
}

/// 10 in the pool, `a` and `b` long 10 each and `s` short 20 from 100,
/// then SOL at 110 and both longs closed: `a` is owed 78.45 (the pool's 10
/// went to it), `b` 88.45 (its whole gain: its fee came from its own
/// collateral). Then `s` closes half at a loss of 101.05: cash short of the
/// 166.9 owed.
async fn two_claims_and_short_cash() -> (TestContext, Venue, Trader, Trader, Trader) {
    let (mut tc, mut v) = venue(100 * ONE, 10 * USD).await;
    let a = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    let b = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    let s = trader_with_position(&mut tc, &v, 400 * USD, -20 * BASE).await;
    move_to_110(&mut tc, &mut v).await;
    let ev = trade(&mut tc, &v, &a, -10 * BASE).await;
    assert_eq!((ev.realized_pnl, ev.unsettled), (WIN, 78_450_000));
    let ev = trade(&mut tc, &v, &b, -10 * BASE).await;
    assert_eq!((ev.realized_pnl, ev.fee, ev.unsettled), (WIN, WIN_FEE, WIN as u64));
    assert_eq!(claim(&mut tc, &b).await, (LONG_COLLATERAL - WIN_FEE as i64, WIN as u64));
    let ev = trade(&mut tc, &v, &s, 10 * BASE).await;
    assert_eq!((ev.realized_pnl, ev.position_base), (LOSS, -10 * BASE));
    let (balance, unsettled, _, _) = books(&mut tc, &v).await;
    assert_eq!((balance, unsettled), (101_050_000, 166_900_000));
    (tc, v, a, b, s)
}

#[tokio::test]
async fn settle_pnl_shares_short_cash_pro_rata_between_the_accounts_owed() {
    let (mut tc, v, a, b, s) = two_claims_and_short_cash().await;
    let (cash, total) = (101_050_000u64, 166_900_000u64);
    let (_, _, _, vault) = books(&mut tc, &v).await;
    let a_before = claim(&mut tc, &a).await;
    // `a`: its claim's share of the cash, rounded down.
    let paid_a = settlement(78_450_000, total, cash).unwrap();
    assert_eq!(paid_a, 47_497_738);
    assert_eq!(paid_a as u128, cash as u128 * 78_450_000 / total as u128);
    let ev = settle(&mut tc, &v, &a).await;
    assert_eq!((ev.netted, ev.paid, ev.left), (0, paid_a, 78_450_000 - paid_a));
    assert_eq!(claim(&mut tc, &a).await, (a_before.0 + paid_a as i64, 78_450_000 - paid_a));
    assert_eq!(books(&mut tc, &v).await, (cash - paid_a, total - paid_a, cash - paid_a, vault + paid_a));
    // `b`: the same round, whose claims fell by `a`'s whole claim and cash
    // by what `a` took: the rest of the round's cash.
    let b_before = claim(&mut tc, &b).await;
    let paid_b = settlement(88_450_000, total - 78_450_000, cash - paid_a).unwrap();
    assert_eq!(paid_b, 53_552_262);
    assert_eq!(paid_a + paid_b, cash, "the round's cash is shared out exactly");
    let ev = settle(&mut tc, &v, &b).await;
    assert_eq!((ev.netted, ev.paid, ev.left), (0, paid_b, 88_450_000 - paid_b));
    assert_eq!(claim(&mut tc, &b).await, (b_before.0 + paid_b as i64, 88_450_000 - paid_b));
    let paid = paid_a + paid_b;
    assert_eq!(books(&mut tc, &v).await, (cash - paid, total - paid, cash - paid, vault + paid));
    assert_conservation(&mut tc, &v, &[a.margin, b.margin, s.margin]).await;
}

/// `settle_pnl`'s contract: within a settlement round, each claim gets its
/// share of the round's cash whichever order the accounts settle in (to
/// one unit of rounding), so no claimant gains by settling first.
#[tokio::test]
async fn a_claim_gets_the_same_share_of_the_same_cash_whichever_account_settles_first() {
    let share_b = (101_050_000u128 * 88_450_000 / 166_900_000) as u64;
    assert_eq!(share_b, 53_552_261);
    // `b` first: its share.
    let (mut tc, v, _a, b, _s) = two_claims_and_short_cash().await;
    assert_eq!(settle(&mut tc, &v, &b).await.paid, share_b);
    // `a` first, then `b`: the same cash, so the same share.
    let (mut tc, v, a, b, _s) = two_claims_and_short_cash().await;
    assert_eq!(settle(&mut tc, &v, &a).await.paid, 47_497_738, "a's share of the 101.05");
    let second = settle(&mut tc, &v, &b).await.paid;
    assert_eq!(second, share_b + 1, "b's share of the same 101.05, to one unit of rounding");
}

/// Settlement rounds: an account is paid once per round (`SettleNextRound`
/// on a second call, with its success twin the first slot of the next
/// round), and the next round shares the cash left among the claims left.
#[tokio::test]
async fn an_account_settles_once_per_round_and_the_next_round_shares_what_is_left() {
    let (mut tc, v, a, b, s) = two_claims_and_short_cash().await;
    let (cash, total) = (101_050_000u64, 166_900_000u64);
    let first = settle(&mut tc, &v, &a).await;
    assert_eq!((first.paid, first.round), (47_497_738, 1));
    let opened = load::<Pool>(&mut tc, &ix::pool_address()).await.round_start_slot;
    let again = ix::settle_pnl(a.margin, &v.keys);
    // The round's last slot: still refused.
    let last = opened + margin_engine::constants::SETTLE_ROUND_SLOTS - 1;
    tc.set_clock(last, T0 + 200).await;
    assert_error(&mut tc, &[again.clone()], &[], EngineError::SettleNextRound.into(), &[a.margin]).await;
    // The next slot opens round 2: what is left of the cash, shared among
    // what is left of the claims (`b` never settled in round 1).
    tc.set_clock(last + 1, T0 + 201).await;
    let (left_cash, left_a) = (cash - first.paid, 78_450_000 - first.paid);
    let left_total = total - first.paid;
    let second = settle(&mut tc, &v, &a).await;
    assert_eq!(second.round, 2);
    assert_eq!(second.paid, settlement(left_a, left_total, left_cash).unwrap());
    assert_eq!(second.paid, (left_cash as u128 * left_a as u128 / left_total as u128) as u64);
    let pb = settle(&mut tc, &v, &b).await;
    assert_eq!(pb.paid, settlement(88_450_000, left_total - left_a, left_cash - second.paid).unwrap());
    assert_conservation(&mut tc, &v, &[a.margin, b.margin, s.margin]).await;
}

/// A winner closing after others were left unpaid never jumps the queue:
/// its gain is paid only from cash the pool does not already owe, and a
/// claim booked while a round is open waits for the next round.
#[tokio::test]
async fn a_later_winner_is_paid_only_from_cash_not_owed_and_joins_the_next_round() {
    let (mut tc, mut v) = venue(100 * ONE, 10 * USD).await;
    let a = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    let b = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    let c = trader_with_position(&mut tc, &v, 200 * USD, 10 * BASE).await;
    let s = trader_with_position(&mut tc, &v, 400 * USD, -5 * BASE).await;
    let accounts = [a.margin, b.margin, c.margin, s.margin];
    move_to_110(&mut tc, &mut v).await;
    assert!(trade(&mut tc, &v, &a, -10 * BASE).await.unsettled > 0);
    assert!(trade(&mut tc, &v, &b, -10 * BASE).await.unsettled > 0);
    // The short's loss brings cash, less than the pool already owes.
    assert!(trade(&mut tc, &v, &s, 5 * BASE).await.realized_pnl < 0);
    let (cash, owed, _, _) = books(&mut tc, &v).await;
    assert!(cash > 0 && cash < owed, "{cash} {owed}");
    // `a` settles: round 1 opens with both claims and all the cash.
    let a_claim = account(&mut tc, &a).await.unsettled_pnl;
    assert_eq!(settle(&mut tc, &v, &a).await.paid, settlement(a_claim, owed, cash).unwrap());
    // `c` closes in profit: every unit the pool holds is owed, so all of
    // its gain is unsettled, booked inside round 1 and not part of it.
    let ev = trade(&mut tc, &v, &c, -10 * BASE).await;
    assert!(ev.realized_pnl > 0);
    assert_eq!(ev.unsettled, ev.realized_pnl as u64, "no cash jumps the queue");
    let acc = account(&mut tc, &c).await;
    assert_eq!((acc.booked_round, acc.booked_in_round), (1, ev.unsettled));
    let early = ix::settle_pnl(c.margin, &v.keys);
    assert_error(&mut tc, &[early], &[], EngineError::SettleNextRound.into(), &[c.margin]).await;
    // `b` takes the rest of round 1's cash: its share, to one unit.
    let b_claim = account(&mut tc, &b).await.unsettled_pnl;
    let b_paid = settle(&mut tc, &v, &b).await.paid;
    assert!(b_paid.abs_diff(settlement(b_claim, owed, cash).unwrap()) <= 1, "{b_paid}");
    assert_conservation(&mut tc, &v, &accounts).await;
}
