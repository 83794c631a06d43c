//! Governance changes, field by field: which fields exist, how to read and
//! write them, and whether a change tightens (applies at once) or loosens
//! (waits for the timelock).
//!
//! Rules, checked on-chain for every change:
//! - **Bounds and cross-field rules**: after the change, the whole market or
//!   exchange must pass the same validation as at creation.
//! - **Step**: a numeric field moves by at most a factor of 2 per change
//!   (from 0, any value in bounds).
//! - **Rate limit**: and by at most a factor of 2, in all, from its value at
//!   the start of the current timelock window (`gov_window`), so repeated
//!   changes in one transaction cannot chain steps.
//! - **Phase-in**: a raise of the base maintenance ratio phases in like the
//!   dynamic terms (the phase multiplier is rescaled so the effective ratio
//!   is unchanged at the change, then rises `step_bps_per_slot` a slot).
//! - **Direction**: each field says whether raising it tightens, lowering it
//!   tightens, or any change loosens (charges, keys, liquidation mechanics,
//!   the guardian's powers are never changed at once).

use crate::errors::EngineError;
use crate::state::{AddMarketParams, Exchange, InitializeExchangeParams, Market, MarketStatus, ParamChange};
use anchor_lang::prelude::*;
use ballast_risk::margin::{PhaseState, MULT_ONE};

/// `ParamChange::target` for the exchange; anything else is a market index.
pub const EXCHANGE_TARGET: u16 = u16::MAX;

// The market's fields, codes, bounds and directions are one table,
// `state::params`'s `market_params!`; the exchange's are below.
pub use crate::state::{market_get, market_set_raw, Dir, FieldSpec, MARKET_FIELDS, SETTLE_FIELD};

const fn f(name: &'static str, dir: Dir) -> FieldSpec {
    FieldSpec::stepped(name, dir)
}

/// Market field code of the base maintenance ratio.
pub const MMR_FIELD: u8 = 1;
/// Market fields whose change reinterprets the stored phase-in state (the
/// base MMR, the step, the cooldown): applied only with the phase brought
/// to the current slot first (`refresh_market` in the same transaction), so
/// no slot since the last write is replayed under the new value.
pub const PHASE_FIELDS: [u8; 3] = [MMR_FIELD, 14, 15];

/// Exchange fields, by code.
pub const EXCHANGE_FIELDS: [FieldSpec; 22] = [
    f("deposit_cap", Dir::Down),
    f("stress_mult_bps", Dir::Up),
    f("slot_time_threshold_ms", Dir::Down),
    f("stale_share_threshold_bps", Dir::Down),
    f("stress_window_slots", Dir::Timelocked),
    f("stress_cooldown_slots", Dir::Up),
    // Raising the floor keeps the fund from covering bad debt, which then
    // goes to LPs: not a tightening for them, so timelocked.
    f("insurance_floor", Dir::Timelocked),
    // A raise moves LP income into a fund governance can withdraw.
    f("insurance_fee_share_bps", Dir::Timelocked),
    f("max_pause_slots", Dir::Timelocked),
    f("max_consecutive_pauses", Dir::Timelocked),
    f("max_pauses_per_day", Dir::Timelocked),
    f("timelock_slots", Dir::Up),
    FieldSpec { name: "guardian", dir: Dir::Timelocked, stepped: false },
    FieldSpec { name: "governance", dir: Dir::Timelocked, stepped: false },
    // Queued only, executed by `withdraw_insurance`: `value` is the amount,
    // `key` the destination token account.
    FieldSpec { name: "insurance_withdrawal", dir: Dir::Timelocked, stepped: false },
    // Counting less of a claim on the pool is tighter for the trader.
    f("unsettled_weight_bps", Dir::Down),
    // Either way moves profit between traders and LPs: timelocked.
    f("max_pnl_factor_bps", Dir::Timelocked),
    f("adl_target_bps", Dir::Timelocked),
    // Moves fee income between LPs and the protocol: timelocked.
    f("lp_fee_share_bps", Dir::Timelocked),
    // Lowering either reserve factor bounds the pool's risk tighter.
    f("reserve_factor_bps", Dir::Down),
    f("stress_reserve_factor_bps", Dir::Down),
    // Queued only, executed by `withdraw_fees`: `value` is the amount of the
    // protocol's fees, `key` the destination token account.
    FieldSpec { name: "fee_withdrawal", dir: Dir::Timelocked, stepped: false },
];

/// Exchange field codes of the two keys (their value is `ParamChange::key`).
pub const GUARDIAN_FIELD: u8 = 12;
/// See [`GUARDIAN_FIELD`].
pub const GOVERNANCE_FIELD: u8 = 13;
/// Exchange field code of a queued insurance withdrawal.
pub const INSURANCE_WITHDRAWAL_FIELD: u8 = 14;
/// Exchange field code of a queued withdrawal of the protocol's fees.
pub const FEE_WITHDRAWAL_FIELD: u8 = 21;

/// Whether exchange field `code` is a queued withdrawal (executed by its
/// own instruction, never by `apply_change`).
pub fn is_withdrawal(code: u8) -> bool {
    matches!(code, INSURANCE_WITHDRAWAL_FIELD | FEE_WITHDRAWAL_FIELD)
}

/// Whether exchange field `code` is a numeric parameter
/// `initialize_exchange` sets (every field but the two keys and the
/// queued insurance withdrawal): what a venue spec lists.
pub fn is_listing_field(code: u8) -> bool {
    (code as usize) < EXCHANGE_FIELDS.len()
        && !matches!(code, GUARDIAN_FIELD | GOVERNANCE_FIELD)
        && !is_withdrawal(code)
}

/// The spec of `field` on `target`.
pub fn spec(target: u16, field: u8) -> Result<FieldSpec> {
    let table: &[FieldSpec] = if target == EXCHANGE_TARGET { &EXCHANGE_FIELDS } else { &MARKET_FIELDS };
    table.get(field as usize).copied().ok_or_else(|| error!(EngineError::UnknownField))
}

/// Whether moving `old` to `new` tightens under `dir`.
pub fn is_tightening(dir: Dir, old: u64, new: u64) -> bool {
    match dir {
        Dir::Up => new >= old,
        Dir::Down => new <= old,
        Dir::Timelocked => false,
    }
}

/// The factor-of-2 step rule.
pub fn within_step(old: u64, new: u64) -> bool {
    old == 0 || (new <= old.saturating_mul(2) && new.saturating_mul(2) >= old)
}

/// The exchange's numeric field getter and setter, by code.
macro_rules! fields {
    ($get:ident, $set:ident, $ty:ty, [$($code:literal => $field:ident),* $(,)?]) => {
        /// Read field `field` as a `u64`.
        pub fn $get(x: &$ty, field: u8) -> Result<u64> {
            match field {
                $($code => Ok(x.$field as u64),)*
                _ => err!(EngineError::UnknownField),
            }
        }

        /// Write field `field` (range-checked against the field's own type).
        pub fn $set(x: &mut $ty, field: u8, v: u64) -> Result<()> {
            match field {
                $($code => x.$field = v.try_into().map_err(|_| error!(EngineError::ParamOutOfBounds))?,)*
                _ => return err!(EngineError::UnknownField),
            }
            Ok(())
        }
    };
}

fields!(exchange_get, exchange_set_raw, Exchange, [
    0 => deposit_cap, 1 => stress_mult_bps, 2 => slot_time_threshold_ms, 3 => stale_share_threshold_bps,
    4 => stress_window_slots, 5 => stress_cooldown_slots, 6 => insurance_floor,
    7 => insurance_fee_share_bps, 8 => max_pause_slots, 9 => max_consecutive_pauses,
    10 => max_pauses_per_day, 11 => timelock_slots, 15 => unsettled_weight_bps,
    16 => max_pnl_factor_bps, 17 => adl_target_bps, 18 => lp_fee_share_bps, 19 => reserve_factor_bps,
    20 => stress_reserve_factor_bps,
]);

/// What a change did: old and new values (keys for key fields).
#[derive(Clone, Copy, Debug)]
pub struct Applied {
    /// Old numeric value (0 for keys).
    pub old: u64,
    /// New numeric value (0 for keys).
    pub new: u64,
    /// Old key (default for numeric fields).
    pub old_key: Pubkey,
    /// New key (default for numeric fields).
    pub new_key: Pubkey,
    /// Whether the change tightens.
    pub tightening: bool,
}

fn check_step(spec: &FieldSpec, old: u64, new: u64) -> Result<()> {
    if spec.stepped && !within_step(old, new) {
        msg!("{}: {} -> {} moves more than a factor of 2", spec.name, old, new);
        return err!(EngineError::StepTooLarge);
    }
    Ok(())
}

/// Apply `c` to `market` at `slot`: step rule, then the full market
/// validation. A raise of the base MMR rescales the phase multiplier so the
/// effective maintenance ratio is unchanged now and phases in from here.
///
/// `apply` is false for the dry run of `queue_change` (nothing applies
/// yet); when true, a change of one of the `PHASE_FIELDS` needs the phase
/// written in this slot (`PhaseNotCurrent`).
pub fn apply_to_market(market: &mut Market, c: &ParamChange, slot: u64, apply: bool) -> Result<Applied> {
    require!(!market.is_settled(), EngineError::MarketSettled);
    let spec = spec(c.target, c.field)?;
    if c.field == SETTLE_FIELD {
        require!(c.value > 0 && c.value <= i64::MAX as u64, EngineError::ParamOutOfBounds);
        // Funding and borrow fees accrue to the settlement at its price.
        crate::engine::funding::accrue_at(market, c.value as i64, slot)?;
        market.status = MarketStatus::Settled as u8;
        market.settlement_price = c.value as i64;
        let none = Pubkey::default();
        return Ok(Applied { old: 0, new: c.value, old_key: none, new_key: none, tightening: false });
    }
    let old = market_get(market, c.field)?;
    check_step(&spec, old, c.value)?;
    let mut next = *market;
    market_set_raw(&mut next, c.field, c.value)?;
    AddMarketParams::of(&next).validate()?;
    require!(next.oi_cap <= i64::MAX as u64, EngineError::ParamOutOfBounds);
    require!(next.status <= MarketStatus::ReduceOnly as u8, EngineError::ParamOutOfBounds);
    if PHASE_FIELDS.contains(&c.field) && apply {
        require!(market.phase_updated_slot == slot, EngineError::PhaseNotCurrent);
    }
    if c.field == MMR_FIELD && c.value > old {
        let phase = market.phase();
        let mult = rescaled_phase_mult(phase.mult_bps, old, c.value);
        next.set_phase(&PhaseState { mult_bps: mult, updated_slot: slot.max(phase.updated_slot), ..phase });
    }
    // A closed market (status) is tighter; for status, Up means ReduceOnly.
    let tightening = is_tightening(spec.dir, old, c.value);
    *market = next;
    Ok(Applied { old, new: c.value, old_key: Pubkey::default(), new_key: Pubkey::default(), tightening })
}

/// The phase multiplier (bps of base MMR) that keeps `base * mult` when the
/// base moves from `old_base` to `new_base` (> 0), rounded up (the
/// effective ratio never falls at the change, however many raises follow);
/// at least 1. A stored 0 is 1x.
pub fn rescaled_phase_mult(mult_bps: u32, old_base: u64, new_base: u64) -> u32 {
    let mult = if mult_bps == 0 { MULT_ONE } else { mult_bps } as u128;
    let scaled = (mult * old_base as u128).div_ceil(new_base.max(1) as u128);
    scaled.clamp(1, u32::MAX as u128) as u32
}

/// Apply `c` to `exchange`: step rule (numeric fields), then the full
/// exchange validation.
pub fn apply_to_exchange(exchange: &mut Exchange, c: &ParamChange) -> Result<Applied> {
    let spec = spec(c.target, c.field)?;
    let mut next = *exchange;
    let applied = match c.field {
        GUARDIAN_FIELD | GOVERNANCE_FIELD => {
            require!(c.key != Pubkey::default(), EngineError::ParamOutOfBounds);
            let slot = if c.field == GUARDIAN_FIELD { &mut next.guardian } else { &mut next.governance };
            let old_key = core::mem::replace(slot, c.key);
            Applied { old: 0, new: 0, old_key, new_key: c.key, tightening: false }
        }
        INSURANCE_WITHDRAWAL_FIELD => {
            // Checked only (executed by `withdraw_insurance`): an amount the
            // fund can pay above its floor, to a named account.
            require!(c.value > 0, EngineError::ZeroAmount);
            require!(c.key != Pubkey::default(), EngineError::ParamOutOfBounds);
            let vaults = [exchange.collateral_vault, exchange.pool_vault, exchange.insurance_vault];
            require!(!vaults.contains(&c.key), EngineError::DestinationIsAVault);
            let after = exchange.insurance_balance.checked_sub(c.value);
            require!(after.is_some_and(|a| a >= exchange.insurance_floor), EngineError::InsuranceBelowFloor);
            Applied { old: 0, new: c.value, old_key: Pubkey::default(), new_key: c.key, tightening: false }
        }
        FEE_WITHDRAWAL_FIELD => {
            // Checked only (executed by `withdraw_fees`): an amount of the
            // protocol's fees, to a named account.
            require!(c.value > 0, EngineError::ZeroAmount);
            require!(c.key != Pubkey::default(), EngineError::ParamOutOfBounds);
            let vaults = [exchange.collateral_vault, exchange.pool_vault, exchange.insurance_vault];
            require!(!vaults.contains(&c.key), EngineError::DestinationIsAVault);
            require!(c.value <= exchange.fees_balance, EngineError::InsufficientFees);
            Applied { old: 0, new: c.value, old_key: Pubkey::default(), new_key: c.key, tightening: false }
        }
        field => {
            let old = exchange_get(exchange, field)?;
            check_step(&spec, old, c.value)?;
            exchange_set_raw(&mut next, field, c.value)?;
            let tightening = is_tightening(spec.dir, old, c.value);
            Applied { old, new: c.value, old_key: Pubkey::default(), new_key: Pubkey::default(), tightening }
        }
    };
    InitializeExchangeParams::of(&next).validate()?;
    *exchange = next;
    Ok(applied)
}

/// `withdraw_fees`' rule once its queued change is live: pay `amount`
/// (> 0) of the protocol's fees (`fees_balance`) out of the collateral
/// vault. Returns the balance after; the handler moves the tokens.
pub fn withdraw_fees(exchange: &mut Exchange, amount: u64) -> Result<u64> {
    require!(amount > 0, EngineError::ZeroAmount);
    let after = exchange.fees_balance.checked_sub(amount).ok_or(EngineError::InsufficientFees)?;
    exchange.fees_balance = after;
    Ok(after)
}

/// `withdraw_insurance`'s rule once its queued change is live: pay
/// `amount` (> 0) out of the insurance fund, never below its floor.
/// Returns the balance after; the handler moves the tokens.
pub fn withdraw_insurance(exchange: &mut Exchange, amount: u64) -> Result<u64> {
    require!(amount > 0, EngineError::ZeroAmount);
    let after = exchange.insurance_balance.checked_sub(amount).ok_or(EngineError::InsuranceBelowFloor)?;
    require!(after >= exchange.insurance_floor, EngineError::InsuranceBelowFloor);
    exchange.insurance_balance = after;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_code_reads_and_writes_its_own_field() -> Result<()> {
        let mut m: Market = bytemuck::Zeroable::zeroed();
        for code in 0..SETTLE_FIELD {
            market_set_raw(&mut m, code, 1 + code as u64)?;
        }
        for code in 0..SETTLE_FIELD {
            assert_eq!(market_get(&m, code)?, 1 + code as u64, "{}", MARKET_FIELDS[code as usize].name);
        }
        assert_eq!((m.params.imr_bps, m.oi_cap, m.status), (1, 10, 26));
        let mut e: Exchange = bytemuck::Zeroable::zeroed();
        for code in 0..GUARDIAN_FIELD {
            exchange_set_raw(&mut e, code, 1 + code as u64)?;
            assert_eq!(exchange_get(&e, code)?, 1 + code as u64, "{}", EXCHANGE_FIELDS[code as usize].name);
        }
        assert_eq!((e.deposit_cap, e.timelock_slots), (1, 12));
        assert!(market_get(&m, SETTLE_FIELD).is_err() && exchange_get(&e, GUARDIAN_FIELD).is_err());
        assert!(market_set_raw(&mut m, 0, u64::MAX).is_err(), "a u32 field refuses a u64 value");
        Ok(())
    }

    #[test]
    fn direction_and_step_rules() {
        assert!(is_tightening(Dir::Up, 100, 150) && !is_tightening(Dir::Up, 100, 99));
        assert!(is_tightening(Dir::Down, 100, 50) && !is_tightening(Dir::Down, 100, 101));
        assert!(!is_tightening(Dir::Timelocked, 100, 100));
        assert!(within_step(100, 200) && within_step(100, 50) && within_step(0, 7));
        assert!(!within_step(100, 201) && !within_step(100, 49));
    }

    #[test]
    fn a_base_mmr_raise_keeps_the_effective_ratio_and_phases_in() {
        // 500 -> 1,000 at 1x: 0.5x, so base * mult stays 500 bps.
        assert_eq!(rescaled_phase_mult(10_000, 500, 1_000), 5_000);
        // A stored 0 reads as 1x; rounding is up (never below the old ratio,
        // so repeated raises cannot drift maintenance down).
        assert_eq!(rescaled_phase_mult(0, 500, 999), 5_006);
        assert_eq!(rescaled_phase_mult(5_006, 999, 1_000), 5_001);
        let (mut base, mut mult) = (500u64, 10_000u32);
        for next in 501..=1_000u64 {
            mult = rescaled_phase_mult(mult, base, next);
            base = next;
            assert!(base * mult as u64 >= 500 * 10_000, "effective ratio kept at {next}");
        }
        assert_eq!(rescaled_phase_mult(1, 1, 10_000), 1, "never 0");
        let mut m: Market = bytemuck::Zeroable::zeroed();
        m.phase_mult_bps = 20_000;
        m.phase_updated_slot = 7;
        let c = ParamChange { target: 0, field: MMR_FIELD, value: 1_000, key: Pubkey::default() };
        let old = 500u64;
        let mult = rescaled_phase_mult(m.phase_mult_bps, old, c.value);
        assert_eq!(mult, 10_000, "a 2x dynamic multiplier on 500 is 1x on 1,000");
    }
}
