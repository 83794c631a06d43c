//! Emergency settlement: governance stops a market at a price
//! (`emergency_settle`); then anyone settles each position at that price
//! (`settle_position`), and traders withdraw as usual.
//!
//! The instant path needs a live feed (at most `TooVolatile`) and accepts
//! only a price within the market's `band_bps` of both the feed's price
//! and its EMA (the band the price breaker already trusts; widening it is
//! itself timelocked, so no instant step reaches a far price). Any other
//! price is queued (`queue_change`, field `settlement_price`) and
//! applied after the timelock.

use super::cpi::VaultSigner;
use crate::constants::*;
use crate::engine::emergency::settle_position;
use crate::errors::EngineError;
use crate::events::{MarketSettled, PositionSettled};
use crate::state::{Exchange, MarginAccount, Market, MarketStatus, Pool};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Accounts of `emergency_settle`.
#[derive(Accounts)]
pub struct EmergencySettle<'info> {
    /// Governance authority.
    pub governance: Signer<'info>,
    /// The exchange naming governance.
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = governance @ EngineError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market to stop.
    #[account(mut, seeds = [MARKET_SEED, &market.load()?.index.to_le_bytes()], bump = market.load()?.bump)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's feed: address, owner and discriminator are
    /// checked by `read_feed` before its EMA is used.
    #[account(address = market.load()?.feed @ EngineError::WrongFeed)]
    pub feed: UncheckedAccount<'info>,
}

/// Whether `price` is within `band_bps` of `reference`, both > 0: the
/// breaker's band rule (`ballast_risk::breaker::out_of_band`), with no
/// reference meaning no band.
fn within_band(price: i64, reference: i64, band_bps: u32) -> Result<bool> {
    let out = ballast_risk::breaker::out_of_band(price, reference, band_bps).map_err(EngineError::from)?;
    Ok(price > 0 && reference > 0 && !out)
}

/// Accounts of `settle_position` (anyone).
#[derive(Accounts)]
pub struct SettlePosition<'info> {
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pool.
    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, Pool>,
    /// The account whose position settles.
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The settled market.
    #[account(mut, seeds = [MARKET_SEED, &market.load()?.index.to_le_bytes()], bump = market.load()?.bump)]
    pub market: AccountLoader<'info, Market>,
    /// The exchange's collateral vault.
    #[account(mut, address = exchange.load()?.collateral_vault @ EngineError::WrongVault)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's pool vault.
    #[account(mut, address = exchange.load()?.pool_vault @ EngineError::WrongVault)]
    pub pool_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's insurance vault (its share of a settled borrow fee).
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

/// Stop the market at `price` (> 0, the feed live and `price` within
/// `band_bps` of both its price and its EMA):
/// no more trading or liquidation in it, and every position settles at
/// `price`. Cannot be undone.
pub fn emergency_handler(ctx: Context<EmergencySettle>, price: i64) -> Result<()> {
    require!(price > 0, EngineError::ParamOutOfBounds);
    let mut market = ctx.accounts.market.load_mut()?;
    require!(!market.is_settled(), EngineError::MarketSettled);
    let feed = ctx.accounts.feed.to_account_info();
    let reading = oracle_adapter::reader::read_feed(&feed, &market.feed, Clock::get()?.unix_timestamp)
        .map_err(|_| error!(EngineError::NotAPriceFeed))?;
    // A frozen EMA (an oracle outage) is no reference: instant settlement
    // needs a live feed, and the price within the band of both its price
    // and its EMA.
    require!(ballast_risk::oracle::Action::ReduceRisk.allows(reading.validity), EngineError::SettlementNeedsLivePrice);
    let band = market.params.band_bps;
    if !within_band(price, reading.ema_price, band)? || !within_band(price, reading.price, band)? {
        msg!(
            "price {} vs feed {} / EMA {}: band {} bps",
            price,
            reading.price,
            reading.ema_price,
            market.params.band_bps
        );
        return err!(EngineError::SettlementOutsideBand);
    }
    // Funding and borrow fees accrue to the settlement at its price.
    crate::engine::funding::accrue_at(&mut market, price, Clock::get()?.slot)?;
    market.status = MarketStatus::Settled as u8;
    market.settlement_price = price;
    ballast_runtime::emit_event!(MarketSettled {
        market: market.index,
        price,
        long_oi: market.long_oi,
        short_oi: market.short_oi,
    });
    Ok(())
}

/// Settle one account's position in a settled market; move its PnL between
/// the pool vault and the collateral vault; emit `PositionSettled`.
pub fn settle_handler(ctx: Context<SettlePosition>) -> Result<()> {
    let slot = Clock::get()?.slot;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let mut pool = ctx.accounts.pool.load_mut()?;
    let mut acc = ctx.accounts.margin_account.load_mut()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let out = settle_position(&mut acc, &mut market, &mut pool, &mut ex, slot)?;
    let event = PositionSettled {
        account: ctx.accounts.margin_account.key(),
        market: market.index,
        base: out.base,
        price: market.settlement_price,
        realized_pnl: out.realized_pnl,
        collateral: acc.collateral,
        deficit: out.deficit,
        funding: out.funding.funding,
        borrow_fee: out.funding.borrow_fee(),
    };
    let bump = ex.vault_authority_bump;
    drop((acc, market, pool, ex));
    let a = &ctx.accounts;
    let vaults = VaultSigner::new(&*a.collateral_mint, &a.vault_authority, a.token_program.key(), bump);
    vaults.settle(&*a.pool_vault, &*a.collateral_vault, out.pool_to_collateral)?;
    vaults.send(&*a.collateral_vault, &*a.insurance_vault, out.funding.borrow.insurance)?;
    ballast_runtime::emit_event!(event);
    Ok(())
}
