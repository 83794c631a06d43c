//! `trade`: open, resize or close a position against the pool.

use super::accounts::VenueQuotes;
use super::cpi::VaultSigner;
use crate::constants::*;
use crate::engine::stress::observe;
use crate::engine::trade::{trade, TradeRequest};
use crate::errors::EngineError;
use crate::events::TradeFilled;
use crate::state::{Exchange, MarginAccount, Market, Pool};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Arguments of `trade`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct TradeParams {
    /// Signed base size (positive buys). precision: BASE_PRECISION.
    pub base: i64,
    /// Worst acceptable fill price. precision: PRICE_PRECISION.
    pub limit_price: i64,
    /// Refuse anything that grows |position| or flips it.
    pub reduce_only: bool,
}

/// Accounts of `trade`. Remaining accounts: the `(market, feed)` pair of
/// every other market, in index order (a trade that adds risk values the
/// whole pool for the reserve cap).
#[derive(Accounts)]
pub struct Trade<'info> {
    /// The account's owner, or its delegate (`MarginAccount::require_trader`).
    pub authority: Signer<'info>,
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pool.
    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, Pool>,
    /// The trader's margin account.
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The market traded.
    #[account(mut, seeds = [MARKET_SEED, &market.load()?.index.to_le_bytes()], bump = market.load()?.bump)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's feed; address, owner and discriminator are checked
    /// by `quote_market` before any byte is trusted.
    pub feed: UncheckedAccount<'info>,
    /// The exchange's collateral vault.
    #[account(mut, address = exchange.load()?.collateral_vault @ EngineError::WrongVault)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's pool vault.
    #[account(mut, address = exchange.load()?.pool_vault @ EngineError::WrongVault)]
    pub pool_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's insurance vault (receives its share of the fee).
    #[account(mut, address = exchange.load()?.insurance_vault @ EngineError::WrongVault)]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    /// CHECK: the vault authority PDA (seeds and stored bump checked).
    #[account(seeds = [VAULT_AUTHORITY_SEED], bump = exchange.load()?.vault_authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    /// The collateral mint.
    #[account(address = exchange.load()?.collateral_mint @ EngineError::InvalidCollateralMint)]
    pub collateral_mint: Box<Account<'info, Mint>>,
    /// SPL Token program.
    pub token_program: Program<'info, Token>,
}

/// 0. The signer is the owner, or the delegate before its expiry.
/// 1. Observe network stress.
/// 2. Read every other market and its feed (checked, in index order).
/// 3. `engine::trade::trade`: refuse when trading is paused; read the
///    market's feed (checked) and phase its maintenance ratio forward;
///    accrue its funding and borrow indexes and settle the position's;
///    fill against the pool (gates, spread, limit, fee, OI cap, pool
///    mirror); if the trade added risk, every other position's feed must
///    allow value to leave (`Action::Withdraw`), initial health (dynamic
///    ratios, each position at the source most adverse to its holder) must
///    be >= 0, and the pool's requirement within its reserve factor of its
///    NAV.
/// 4. Move `pool_to_collateral` between the pool vault and the collateral
///    vault (realised PnL and funding, less what repays a deficit, plus the
///    LP share of the fees); pay the insurance fund its share.
#[inline(never)] // a symbol of its own for the callgrind cost proxy
pub fn handler<'info>(ctx: Context<'info, Trade<'info>>, params: TradeParams) -> Result<()> {
    let clock = Clock::get()?;
    ctx.accounts.margin_account.load()?.require_trader(ctx.accounts.authority.key, clock.slot)?;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let now = observe(&mut ex, &clock, None);
    let mut market = ctx.accounts.market.load_mut()?;
    let mut pool = ctx.accounts.pool.load_mut()?;
    let mut acc = ctx.accounts.margin_account.load_mut()?;
    let req = TradeRequest {
        base: params.base,
        limit_price: params.limit_price,
        reduce_only: params.reduce_only,
        slot: clock.slot,
    };
    let feed = ctx.accounts.feed.to_account_info();
    let quotes = VenueQuotes::read(&ex, market.index, &feed, ctx.remaining_accounts, now)?;
    let done = trade(&mut ex, &mut acc, &mut market, &mut pool, &req, &quotes)?;
    let out = done.out;
    let event = TradeFilled {
        account: ctx.accounts.margin_account.key(),
        market: market.index,
        base: params.base,
        oracle_price: done.quote.price,
        fill_price: out.fill_price,
        spread_bps: out.spread_bps,
        fee: out.fee,
        insurance_fee: out.insurance_fee,
        realized_pnl: out.realized_pnl,
        position_base: out.position.base,
        collateral: acc.collateral,
        authority: ctx.accounts.authority.key(),
        unsettled: out.unsettled,
        funding: out.funding.funding,
        borrow_fee: out.funding.borrow_fee(),
        lp_fee: out.lp_fee,
        impact: out.impact_charge as i64 - out.impact_rebate as i64,
    };
    let bump = ex.vault_authority_bump;
    drop((acc, pool, market, ex));

    let a = &ctx.accounts;
    let vaults = VaultSigner::new(&*a.collateral_mint, &a.vault_authority, a.token_program.key(), bump);
    vaults.settle(&*a.pool_vault, &*a.collateral_vault, out.pool_to_collateral)?;
    vaults.send(&*a.collateral_vault, &*a.insurance_vault, out.insurance_fee)?;
    done.breaker.emit();
    ballast_runtime::emit_event!(event);
    Ok(())
}
