//! Governance changes: `set_param` applies a tightening change at once;
//! `queue_change` puts any change behind the timelock; after it, anyone may
//! `apply_change`; governance may `cancel_change` before. Every signer check
//! is by key, so each works when signed by a Squads vault through CPI.
//!
//! A market change passes the market as the one remaining account; an
//! exchange change passes none.

use crate::constants::*;
use crate::engine::governance::{apply_to_exchange, apply_to_market, spec, Applied, EXCHANGE_TARGET};
use crate::errors::EngineError;
use crate::events::{ChangeCancelled, ChangeQueued, ParamChanged};
use crate::state::{init_zero_copy, Exchange, Market, PendingChange};
use anchor_lang::prelude::*;

/// One change, as proposed.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamChange {
    /// A market index, or `EXCHANGE_TARGET` (65535).
    pub target: u16,
    /// Field code (`MARKET_FIELDS` / `EXCHANGE_FIELDS` order).
    pub field: u8,
    /// New value (numeric fields).
    pub value: u64,
    /// New key (the `guardian` and `governance` fields).
    pub key: Pubkey,
}

/// Accounts of `set_param`.
#[derive(Accounts)]
pub struct SetParam<'info> {
    /// Governance authority.
    pub governance: Signer<'info>,
    /// The exchange naming governance.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = governance @ EngineError::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Accounts of `queue_change`.
#[derive(Accounts)]
pub struct QueueChange<'info> {
    /// Governance authority; pays the pending change's rent.
    #[account(mut)]
    pub governance: Signer<'info>,
    /// The exchange naming governance.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = governance @ EngineError::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// CHECK: the next pending-change PDA (seeds checked), created here.
    #[account(mut, seeds = [CHANGE_SEED, &exchange.load()?.next_change_id.to_le_bytes()], bump)]
    pub change: UncheckedAccount<'info>,
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
    #[account(mut, address = change.load()?.payer @ EngineError::Unauthorized)]
    pub payer: UncheckedAccount<'info>,
}

/// Accounts of `cancel_change`.
#[derive(Accounts)]
pub struct CancelChange<'info> {
    /// Governance authority.
    pub governance: Signer<'info>,
    /// The exchange naming governance.
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = governance @ EngineError::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pending change; closed, rent to its payer.
    #[account(mut, close = payer, seeds = [CHANGE_SEED, &change.load()?.id.to_le_bytes()], bump = change.load()?.bump)]
    pub change: AccountLoader<'info, PendingChange>,
    /// CHECK: receives the rent; must be the change's payer.
    #[account(mut, address = change.load()?.payer @ EngineError::Unauthorized)]
    pub payer: UncheckedAccount<'info>,
}

/// `c` applied to copies of the exchange and of the market in `remaining`
/// (checked: exactly the change's market, or nothing for the exchange).
fn dry_run<'info>(
    exchange: &Exchange,
    remaining: &'info [AccountInfo<'info>],
    c: &ParamChange,
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
    let applied = apply_to_market(&mut market, c)?;
    Ok((ex, Some(market), applied))
}

/// Apply `c` to the exchange or to the market in `remaining` (checked),
/// emitting `ParamChanged`; returns what changed.
fn apply<'info>(exchange: &mut Exchange, remaining: &'info [AccountInfo<'info>], c: &ParamChange) -> Result<Applied> {
    let name = spec(c.target, c.field)?.name;
    let (ex, market, applied) = dry_run(exchange, remaining, c)?;
    *exchange = ex;
    if let Some(m) = market {
        *AccountLoader::<Market>::try_from(&remaining[0])?.load_mut()? = m;
    }
    oracle_adapter::emit_event!(ParamChanged {
        target: c.target,
        field: c.field,
        name: name.to_string(),
        old: applied.old,
        new: applied.new,
        old_key: applied.old_key,
        new_key: applied.new_key,
        tightening: applied.tightening,
    });
    Ok(applied)
}

/// Apply a tightening change now; a loosening one is refused
/// (`LooseningNeedsTimelock`) and changes nothing.
pub fn set_param_handler<'info>(ctx: Context<'info, SetParam<'info>>, change: ParamChange) -> Result<()> {
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let applied = apply(&mut ex, ctx.remaining_accounts, &change)?;
    require!(applied.tightening, EngineError::LooseningNeedsTimelock);
    Ok(())
}

/// Queue `change` for `timelock_slots`. Its bounds and step are checked now
/// against the current state (and again when applied).
pub fn queue_handler<'info>(ctx: Context<'info, QueueChange<'info>>, change: ParamChange) -> Result<()> {
    let slot = Clock::get()?.slot;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    // Dry run on copies: refuse now what could never be applied.
    dry_run(&ex, ctx.remaining_accounts, &change)?;
    let id = ex.next_change_id;
    let eta_slot = slot.saturating_add(ex.timelock_slots);
    let a = &ctx.accounts;
    let change_info = a.change.to_account_info();
    let mut p = init_zero_copy::<PendingChange>(
        &a.governance.to_account_info(),
        &change_info,
        &a.system_program.to_account_info(),
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
    oracle_adapter::emit_event!(ChangeQueued {
        id,
        target: change.target,
        field: change.field,
        value: change.value,
        key: change.key,
        eta_slot
    });
    Ok(())
}

/// Apply a queued change once its timelock has passed (anyone may call).
pub fn apply_handler<'info>(ctx: Context<'info, ApplyChange<'info>>) -> Result<()> {
    let p = *ctx.accounts.change.load()?;
    require!(Clock::get()?.slot >= p.eta_slot, EngineError::TimelockPending);
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let change = ParamChange { target: p.target, field: p.field, value: p.value, key: p.key };
    apply(&mut ex, ctx.remaining_accounts, &change)?;
    Ok(())
}

/// Cancel a queued change.
pub fn cancel_handler(ctx: Context<CancelChange>) -> Result<()> {
    let id = ctx.accounts.change.load()?.id;
    oracle_adapter::emit_event!(ChangeCancelled { id });
    Ok(())
}
