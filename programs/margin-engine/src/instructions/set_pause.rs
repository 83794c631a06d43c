//! `set_pause`: governance sets the exchange's standing pause bits, and
//! lifts every guardian pause and hold early (which also restarts the
//! guardian's run of consecutive pauses).

use crate::constants::*;
use crate::errors::EngineError;
use crate::events::PauseSet;
use crate::state::{Exchange, Market};
use anchor_lang::prelude::*;
use ballast_risk::guardian::lift;

/// Accounts of `set_pause`. Remaining accounts: markets (writable) whose
/// guardian reduce-only hold and margin raise are lifted.
#[derive(Accounts)]
pub struct SetPause<'info> {
    /// Governance authority.
    pub governance: Signer<'info>,
    /// The exchange naming governance.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = governance @ EngineError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Set the standing pause bits to `bits`; lift guardian pauses and the
/// guardian holds of the passed markets; emit `PauseSet`.
pub fn handler<'info>(ctx: Context<'info, SetPause<'info>>, bits: u32) -> Result<()> {
    require!(bits & !pause::ALL == 0, EngineError::InvalidPauseBits);
    let slot = Clock::get()?.slot;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    ex.pause_bits = bits;
    ex.guardian_pause_bits = 0;
    let lifted = lift(&ex.guardian(), slot);
    ex.set_guardian(&lifted);
    let mut markets = 0u8;
    for info in ctx.remaining_accounts {
        let loader = AccountLoader::<Market>::try_from(info)?;
        let mut m = loader.load_mut()?;
        m.guardian_until_slot = 0;
        m.guardian_mult_until_slot = 0;
        markets = markets.saturating_add(1);
    }
    ballast_runtime::emit_event!(PauseSet { bits, markets_released: markets, slot });
    Ok(())
}
