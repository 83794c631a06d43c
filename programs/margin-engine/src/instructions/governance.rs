//! Governance changes: `set_param` applies a tightening change at once;
//! `queue_change` puts any change behind the timelock; after it, anyone may
//! `apply_change` (within `CHANGE_GRACE_SLOTS`, and only the newest queued
//! change of its field); governance may `cancel_change` before; anyone may
//! `close_change` an expired or superseded one. Every signer check is by
//! key, so each works when signed by a Squads vault through CPI.
//!
//! Each target has a `GovRecord` (rate-limit windows, newest queued change
//! per field), created by the first `set_param` or `queue_change` on it,
//! governance paying. A market change passes the market as the one
//! remaining account; an exchange change passes none.

use crate::constants::*;
use crate::engine::gov_window::{dead_reason, rate_limit, require_live};
use crate::engine::governance::{
    apply_to_exchange, apply_to_market, is_withdrawal, spec, Applied, EXCHANGE_TARGET, SETTLE_FIELD,
};
use crate::errors::EngineError;
use crate::events::{ChangeCancelled, ChangeClosed, ChangeQueued, MarketSettled, ParamChanged};
use crate::state::{init_zero_copy, load_mut_unchecked, Exchange, GovRecord, Market, ParamChange, PendingChange};
use anchor_lang::prelude::*;
use core::cell::RefMut;

/// Accounts of `set_param`.
#[derive(Accounts)]
#[instruction(change: ParamChange)]
pub struct SetParam<'info> {
    /// Governance authority; pays the target's record if it is new.
    #[account(mut)]
    pub governance: Signer<'info>,
    /// The exchange naming governance.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = governance @ EngineError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// CHECK: the change target's `GovRecord` PDA (seeds checked); created
    /// here if new, otherwise checked for owner and discriminator on load.
    #[account(mut, seeds = [GOV_RECORD_SEED, &change.target.to_le_bytes()], bump)]
    pub record: UncheckedAccount<'info>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Accounts of `queue_change`.
#[derive(Accounts)]
#[instruction(proposed: ParamChange)]
pub struct QueueChange<'info> {
    /// Governance authority; pays the pending change's rent (and the
    /// target's record if it is new).
    #[account(mut)]
    pub governance: Signer<'info>,
    /// The exchange naming governance.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = governance @ EngineError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// CHECK: the next pending-change PDA (seeds checked), created here.
    #[account(mut, seeds = [CHANGE_SEED, &exchange.load()?.next_change_id.to_le_bytes()], bump)]
    pub change: UncheckedAccount<'info>,
    /// CHECK: the change target's `GovRecord` PDA (seeds checked); created
    /// here if new, otherwise checked for owner and discriminator on load.
    #[account(mut, seeds = [GOV_RECORD_SEED, &proposed.target.to_le_bytes()], bump)]
    pub record: UncheckedAccount<'info>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Accounts of `apply_change` (anyone).
#[derive(Accounts)]
pub struct ApplyChange<'info> {
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pending change; closed, rent to its payer.
    #[account(mut, close = payer, seeds = [CHANGE_SEED, &change.load()?.id.to_le_bytes()], bump = change.load()?.bump)]
    pub change: AccountLoader<'info, PendingChange>,
    /// CHECK: receives the rent; must be the change's payer.
    #[account(mut, address = change.load()?.payer @ EngineError::NotChangePayer)]
    pub payer: UncheckedAccount<'info>,
    /// The change target's record.
    #[account(mut, seeds = [GOV_RECORD_SEED, &change.load()?.target.to_le_bytes()], bump = record.load()?.bump)]
    pub record: AccountLoader<'info, GovRecord>,
}

/// Accounts of `close_change` (anyone): an expired or superseded change.
#[derive(Accounts)]
pub struct CloseChange<'info> {
    /// The pending change; closed, rent to its payer.
    #[account(mut, close = payer, seeds = [CHANGE_SEED, &change.load()?.id.to_le_bytes()], bump = change.load()?.bump)]
    pub change: AccountLoader<'info, PendingChange>,
    /// CHECK: receives the rent; must be the change's payer.
    #[account(mut, address = change.load()?.payer @ EngineError::NotChangePayer)]
    pub payer: UncheckedAccount<'info>,
    /// The change target's record.
    #[account(seeds = [GOV_RECORD_SEED, &change.load()?.target.to_le_bytes()], bump = record.load()?.bump)]
    pub record: AccountLoader<'info, GovRecord>,
}

/// Accounts of `cancel_change`.
#[derive(Accounts)]
pub struct CancelChange<'info> {
    /// Governance authority.
    pub governance: Signer<'info>,
    /// The exchange naming governance.
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = governance @ EngineError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pending change; closed, rent to its payer.
    #[account(mut, close = payer, seeds = [CHANGE_SEED, &change.load()?.id.to_le_bytes()], bump = change.load()?.bump)]
    pub change: AccountLoader<'info, PendingChange>,
    /// CHECK: receives the rent; must be the change's payer.
    #[account(mut, address = change.load()?.payer @ EngineError::NotChangePayer)]
    pub payer: UncheckedAccount<'info>,
}

/// `c` applied at `slot` to copies of the exchange and of the market in
/// `remaining` (checked: exactly the change's market, or nothing for the
/// exchange); `apply` is false for `queue_change`'s check.
fn dry_run<'info>(
    exchange: &Exchange,
    remaining: &'info [AccountInfo<'info>],
    c: &ParamChange,
    slot: u64,
    apply: bool,
) -> Result<(Exchange, Option<Market>, Applied)> {
    let mut ex = *exchange;
    if c.target == EXCHANGE_TARGET {
        require!(remaining.is_empty(), EngineError::WrongChangeTarget);
        let applied = apply_to_exchange(&mut ex, c)?;
        return Ok((ex, None, applied));
    }
    require!(remaining.len() == 1, EngineError::WrongChangeTarget);
    let mut market = *AccountLoader::<Market>::try_from(&remaining[0])?.load()?;
    require!(market.index == c.target, EngineError::WrongChangeTarget);
    let applied = apply_to_market(&mut market, c, slot, apply)?;
    Ok((ex, Some(market), applied))
}

/// Apply `c` at `slot` to the exchange or to the market in `remaining`
/// (checked), within the field's rate-limit window in `record`; emit
/// `ParamChanged` (and `MarketSettled` for a settlement); return what
/// changed.
fn apply<'info>(
    exchange: &mut Exchange,
    remaining: &'info [AccountInfo<'info>],
    c: &ParamChange,
    record: &mut GovRecord,
    slot: u64,
) -> Result<Applied> {
    let spec = spec(c.target, c.field)?;
    let (ex, market, applied) = dry_run(exchange, remaining, c, slot, true)?;
    rate_limit(record.field_mut(c.field)?, &spec, applied.old, applied.new, slot, exchange.timelock_slots)?;
    *exchange = ex;
    if let Some(m) = market {
        *AccountLoader::<Market>::try_from(&remaining[0])?.load_mut()? = m;
        if c.field == SETTLE_FIELD {
            ballast_runtime::emit_event!(MarketSettled {
                market: m.index,
                price: m.settlement_price,
                long_oi: m.long_oi,
                short_oi: m.short_oi,
            });
        }
    }
    ballast_runtime::emit_event!(ParamChanged {
        target: c.target,
        field: c.field,
        name: spec.name.to_string(),
        old: applied.old,
        new: applied.new,
        old_key: applied.old_key,
        new_key: applied.new_key,
        tightening: applied.tightening,
    });
    Ok(applied)
}

/// The record of `target` at `info` (seeds checked by the caller's
/// constraints, `bump` its canonical bump), created with `payer`'s lamports
/// if it does not exist yet.
fn open_record<'a, 'info>(
    payer: &AccountInfo<'info>,
    info: &'a AccountInfo<'info>,
    system: &AccountInfo<'info>,
    target: u16,
    bump: u8,
) -> Result<RefMut<'a, GovRecord>> {
    if *info.owner == crate::ID {
        let r = load_mut_unchecked::<GovRecord>(info)?;
        require!(r.target == target, EngineError::WrongChangeTarget);
        return Ok(r);
    }
    let mut r =
        init_zero_copy::<GovRecord>(payer, info, system, &[GOV_RECORD_SEED, &target.to_le_bytes(), &[bump]], || {
            error!(EngineError::AlreadyInitialized)
        })?;
    r.target = target;
    r.bump = bump;
    r.version = ACCOUNT_VERSION;
    Ok(r)
}

/// Apply a tightening change now; a loosening one is refused
/// (`LooseningNeedsTimelock`) and changes nothing. The field's window is
/// charged, and every change of the field queued before is superseded.
pub fn set_param_handler<'info>(ctx: Context<'info, SetParam<'info>>, change: ParamChange) -> Result<()> {
    require!(!spec(change.target, change.field)?.is_queued_only(), EngineError::LooseningNeedsTimelock);
    let slot = Clock::get()?.slot;
    let a = &ctx.accounts;
    let record_info = a.record.to_account_info();
    let gov = a.governance.to_account_info();
    let mut record =
        open_record(&gov, &record_info, &a.system_program.to_account_info(), change.target, ctx.bumps.record)?;
    let mut ex = a.exchange.load_mut()?;
    let applied = apply(&mut ex, ctx.remaining_accounts, &change, &mut record, slot)?;
    require!(applied.tightening, EngineError::LooseningNeedsTimelock);
    record.field_mut(change.field)?.newest_change =
        ex.next_change_id.checked_add(1).ok_or(EngineError::MathOverflow)?;
    Ok(())
}

/// Queue `change` for `timelock_slots`. Its bounds and step are checked now
/// against the current state (and again, with the rate limit, when
/// applied). It supersedes every earlier queued change of its field.
pub fn queue_handler<'info>(ctx: Context<'info, QueueChange<'info>>, change: ParamChange) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = &ctx.accounts;
    let gov = a.governance.to_account_info();
    let system = a.system_program.to_account_info();
    let record_info = a.record.to_account_info();
    let mut record = open_record(&gov, &record_info, &system, change.target, ctx.bumps.record)?;
    let mut ex = a.exchange.load_mut()?;
    // Dry run on copies: refuse now what could never be applied.
    dry_run(&ex, ctx.remaining_accounts, &change, slot, false)?;
    let id = ex.next_change_id;
    let eta_slot = slot.saturating_add(ex.timelock_slots);
    let change_info = a.change.to_account_info();
    let mut p = init_zero_copy::<PendingChange>(
        &gov,
        &change_info,
        &system,
        &[CHANGE_SEED, &id.to_le_bytes(), &[ctx.bumps.change]],
        || error!(EngineError::AlreadyInitialized),
    )?;
    *p = PendingChange {
        id,
        queued_slot: slot,
        eta_slot,
        value: change.value,
        key: change.key,
        payer: a.governance.key(),
        target: change.target,
        field: change.field,
        bump: ctx.bumps.change,
        version: ACCOUNT_VERSION,
        padding: [0; 3],
    };
    ex.next_change_id = id.checked_add(1).ok_or(EngineError::MathOverflow)?;
    record.field_mut(change.field)?.newest_change = ex.next_change_id;
    ballast_runtime::emit_event!(ChangeQueued {
        id,
        target: change.target,
        field: change.field,
        value: change.value,
        key: change.key,
        eta_slot
    });
    Ok(())
}

/// Apply a queued change (anyone may call): its timelock passed, within
/// its grace period, the newest of its field, and within the field's
/// rate-limit window. An insurance or fee withdrawal runs through
/// `withdraw_insurance` or `withdraw_fees` instead.
pub fn apply_handler<'info>(ctx: Context<'info, ApplyChange<'info>>) -> Result<()> {
    let p = *ctx.accounts.change.load()?;
    let kind_ok = !(p.target == EXCHANGE_TARGET && is_withdrawal(p.field));
    require!(kind_ok, EngineError::WrongChangeKind);
    let slot = Clock::get()?.slot;
    let mut record = ctx.accounts.record.load_mut()?;
    require_live(&p, &record, slot)?;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let change = ParamChange { target: p.target, field: p.field, value: p.value, key: p.key };
    apply(&mut ex, ctx.remaining_accounts, &change, &mut record, slot)?;
    Ok(())
}

/// Cancel a queued change.
pub fn cancel_handler(ctx: Context<CancelChange>) -> Result<()> {
    let id = ctx.accounts.change.load()?.id;
    ballast_runtime::emit_event!(ChangeCancelled { id });
    Ok(())
}

/// Close an expired or superseded change (anyone may call); its rent
/// returns to its payer. A change that may still be applied is refused
/// (`ChangeStillLive`).
pub fn close_handler(ctx: Context<CloseChange>) -> Result<()> {
    let p = *ctx.accounts.change.load()?;
    let record = ctx.accounts.record.load()?;
    require!(record.target == p.target, EngineError::WrongChangeTarget);
    let reason = dead_reason(&p, &record, Clock::get()?.slot)?.ok_or(EngineError::ChangeStillLive)?;
    ballast_runtime::emit_event!(ChangeClosed { id: p.id, expired: matches!(reason, EngineError::ChangeExpired) });
    Ok(())
}
