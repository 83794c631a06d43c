//! Trigger orders on plain values: what `add_trigger` accepts, and what
//! `execute_trigger` does (a reduce-only `trade` at the crossing, then the
//! keeper's fee). The keeper and the CLI's preview run the same functions.

use super::health::{require_withdrawable, MarketQuote, Quotes};
use super::settle::{record_collateral, set_collateral};
use super::trade::{reference_price, trade_at, TradeRequest, Traded};
use crate::constants::{pause, MAX_TRIGGER_KEEPER_FEE};
use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount, Market, Pool, Trigger, TriggerBook, TriggerParams, ABOVE, BELOW};
use anchor_lang::prelude::*;
use ballast_risk::oracle::Validity;

/// The size a trigger of `base` trades against position `position`: its own
/// size clamped to the position, when it is on the opposite side; `None`
/// when it would open or grow a position.
pub fn reducing_size(base: i64, position: i64) -> Option<i64> {
    if base == 0 || position == 0 || (base > 0) == (position > 0) {
        return None;
    }
    let size = base.unsigned_abs().min(position.unsigned_abs()).min(i64::MAX as u64) as i64;
    Some(if base > 0 { size } else { -size })
}

/// Check `params` for a trigger on `account`'s position in the market of
/// `quote` and return the trigger to store:
/// 1. a direction, positive trigger and limit prices, a keeper fee within
///    `MAX_TRIGGER_KEEPER_FEE`, a non-zero size;
/// 2. it reduces the position now: the opposite side, at most its size (and
///    is bound to that position's id);
/// 3. no source has crossed it yet (it would fire at once: a trade does that).
pub fn new_trigger(params: &TriggerParams, account: &MarginAccount, quote: &MarketQuote) -> Result<Trigger> {
    require!(
        matches!(params.direction, ABOVE | BELOW) && params.trigger_price > 0 && params.limit_price > 0,
        EngineError::InvalidTrigger
    );
    require!(params.keeper_fee <= MAX_TRIGGER_KEEPER_FEE, EngineError::TriggerFeeTooHigh);
    require!(params.base != 0, EngineError::ZeroAmount);
    let position = account.position_in(quote.index);
    require!(reducing_size(params.base, position.base) == Some(params.base), EngineError::TriggerAddsRisk);
    let trigger = Trigger {
        market: quote.index,
        direction: params.direction,
        keeper_fee: params.keeper_fee,
        position: position.opened,
        trigger_price: params.trigger_price,
        base: params.base,
        limit_price: params.limit_price,
        ..Trigger::EMPTY
    };
    // "Not crossed" at the price itself: any source already past the
    // trigger means the trader is placing it on the wrong side.
    let beyond = match params.direction {
        ABOVE => quote.hi_price >= params.trigger_price,
        _ => quote.lo_price <= params.trigger_price,
    };
    require!(!beyond, EngineError::TriggerAlreadyCrossed);
    Ok(trigger)
}

/// Store `trigger` in the first free slot of `book`; its index.
pub fn store_trigger(book: &mut TriggerBook, trigger: Trigger) -> Result<usize> {
    let index = book.triggers.iter().position(Trigger::is_empty).ok_or(EngineError::TriggerBookFull)?;
    book.triggers[index] = trigger;
    Ok(index)
}

/// Remove the trigger at `index` of `book` and return it.
pub fn take_trigger(book: &mut TriggerBook, index: u8) -> Result<Trigger> {
    let trigger = book.at(index)?;
    book.triggers[index as usize] = Trigger::EMPTY;
    Ok(trigger)
}

/// What `execute_trigger` did.
#[derive(Clone, Copy, Debug)]
pub struct TriggerFill {
    /// The trigger executed.
    pub trigger: Trigger,
    /// The reduce-only trade (its `out` and quote).
    pub traded: Traded,
    /// Base traded: the trigger's size clamped to the position.
    pub base: i64,
    /// Paid to the keeper: the trigger's fee, or 0 when paying it would be
    /// a withdrawal the program refuses. precision: QUOTE_PRECISION.
    pub keeper_fee: u64,
    /// The market's other triggers removed because the position is closed.
    pub cancelled: u8,
}

/// `execute_trigger`'s rules, in order, on plain values:
/// 1. refuse while trading is paused; the trigger at `index` exists and is
///    in `market`;
/// 2. read the market's quote: the feed has its full set of sources (not
///    `Degraded`), every source is at or beyond the trigger price, and so
///    is the price a fill would use (`reference_price`: during an
///    unconfirmed jump, or a recent jump's vesting, a take-profit waits,
///    as a trade's gain does);
/// 3. the position it was placed on is still open (`TriggerStale`), and
///    the trigger still reduces it (clamped to its size);
/// 4. `trade_at`, reduce-only, at the trigger's limit: every check a trade
///    has (gates, breaker, spread, limit, fee);
/// 5. pay the keeper its fee from the collateral, only as a withdrawal
///    would be allowed (withdrawals not paused, not bankrupt, initial
///    health at least 0 afterwards over every position left, `quotes`
///    covering them) and never to the account's owner or delegate (no
///    instruction pays them from the account); otherwise 0, and the
///    trigger still executes. The handler moves the tokens;
/// 6. remove the trigger, and the market's other triggers if the position
///    is now closed (a take-profit and its stop-loss are one pair).
#[allow(clippy::too_many_arguments)]
pub fn execute_trigger(
    exchange: &mut Exchange,
    account: &mut MarginAccount,
    market: &mut Market,
    pool: &mut Pool,
    book: &mut TriggerBook,
    index: u8,
    keeper: &Pubkey,
    slot: u64,
    quotes: &impl Quotes,
) -> Result<TriggerFill> {
    require!(!exchange.is_paused(pause::TRADE, slot), EngineError::Paused);
    let trigger = book.at(index)?;
    require!(trigger.market == market.index, EngineError::WrongMarket);
    let own = quotes.own(market)?;
    let position = account.position_in(market.index);
    let fill_at = reference_price(&own, trigger.base > 0, position.position());
    let crossed = own.validity != Validity::Degraded
        && trigger.crossed(own.lo_price, own.hi_price)
        && trigger.crossed(fill_at, fill_at);
    require!(crossed, EngineError::TriggerNotCrossed);
    require!(position.base != 0 && position.opened == trigger.position, EngineError::TriggerStale);
    let base = reducing_size(trigger.base, position.base).ok_or(EngineError::TriggerAddsRisk)?;
    let req = TradeRequest { base, limit_price: trigger.limit_price, reduce_only: true, slot };
    let traded = trade_at(exchange, account, market, pool, &req, own, quotes)?;

    let before = account.collateral;
    let fee = (trigger.keeper_fee as i64).min(before.max(0));
    // The trigger's own market counts only while a position is left in it.
    let own_left = (traded.out.position.base != 0).then_some(traded.quote);
    let covering = quotes.covering(account, own_left)?;
    let payable =
        fee > 0 && !account.is_own(keeper) && !exchange.is_paused(pause::WITHDRAW, slot) && !account.is_bankrupt() && {
            // The account as the fee would leave it (both within [0,
            // i64::MAX]), checked in place: no second 432-byte copy on
            // the stack.
            account.collateral = before - fee;
            let ok = !account.has_positions() || require_withdrawable(account, &covering).is_ok();
            account.collateral = before;
            ok
        };
    let keeper_fee = if payable { fee } else { 0 };
    set_collateral(account, pool, before - keeper_fee)?;
    record_collateral(exchange, before, before - keeper_fee)?;

    book.triggers[index as usize] = Trigger::EMPTY;
    let cancelled = if traded.out.position.base == 0 { book.clear_market(market.index) } else { 0 };
    Ok(TriggerFill { trigger, traded, base, keeper_fee: keeper_fee as u64, cancelled })
}

#[cfg(test)]
mod tests {
    use super::reducing_size;
    use crate::state::{Trigger, TriggerKind, ABOVE, BELOW};

    #[test]
    fn reducing_size_clamps_to_the_position_and_refuses_growth() {
        assert_eq!(reducing_size(-5, 10), Some(-5));
        assert_eq!(reducing_size(-15, 10), Some(-10), "clamped to the position");
        assert_eq!(reducing_size(7, -3), Some(3));
        assert_eq!(reducing_size(5, 10), None, "same side grows it");
        assert_eq!(reducing_size(-5, 0), None, "no position");
        assert_eq!(reducing_size(0, 10), None);
        assert_eq!(reducing_size(i64::MIN + 1, i64::MAX), Some(i64::MIN + 1));
        assert_eq!(reducing_size(i64::MAX, i64::MIN), Some(i64::MAX), "never wraps to the wrong side");
        assert_eq!(reducing_size(i64::MIN, i64::MAX), Some(-i64::MAX));
    }

    #[test]
    fn crossing_needs_every_source_and_kind_follows_side_and_direction() {
        let t = |direction, base| Trigger { direction, base, trigger_price: 100, ..Trigger::EMPTY };
        assert!(t(ABOVE, -1).crossed(100, 120));
        assert!(!t(ABOVE, -1).crossed(99, 120), "one source below: not crossed");
        assert!(t(BELOW, -1).crossed(80, 100));
        assert!(!t(BELOW, -1).crossed(80, 101), "one source above: not crossed");
        assert!(!t(0, -1).crossed(0, i64::MAX), "no direction never fires");
        assert_eq!(t(ABOVE, -1).kind(), TriggerKind::TakeProfit, "sell above");
        assert_eq!(t(BELOW, -1).kind(), TriggerKind::StopLoss, "sell below");
        assert_eq!(t(BELOW, 1).kind(), TriggerKind::TakeProfit, "buy below");
        assert_eq!(t(ABOVE, 1).kind(), TriggerKind::StopLoss, "buy above");
    }
}
