//! Trigger orders: the owner creates its account's `TriggerBook` and adds
//! take-profit and stop-loss triggers; the owner or the delegate cancels
//! them; any keeper executes one once every source has crossed its price,
//! and earns its fee; the owner closes the book for its rent.
//!
//! Adding a trigger is the owner's alone: a trigger pays its fee to
//! whichever key executes it, so a delegate that could add one could pay
//! the account's collateral to a key of its own, which is a withdrawal.

use super::accounts::{quote_market, AccountQuotes};
use super::cpi::VaultSigner;
use crate::constants::*;
use crate::engine::health::Now;
use crate::engine::stress::observe;
use crate::engine::trigger::{execute_trigger, new_trigger, store_trigger, take_trigger};
use crate::errors::EngineError;
use crate::events::{TriggerAdded, TriggerCancelled, TriggerExecuted};
use crate::state::{init_zero_copy, Exchange, MarginAccount, Market, Pool, Trigger, TriggerBook, TriggerParams};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Accounts of `create_trigger_book`.
#[derive(Accounts)]
pub struct CreateTriggerBook<'info> {
    /// The account's owner; pays rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The owner's margin account.
    #[account(has_one = owner @ EngineError::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// CHECK: the PDA `[TRIGGER_SEED, margin_account]` (address checked by
    /// seeds), created by `init_zero_copy`, which refuses an initialised one.
    #[account(mut, seeds = [TRIGGER_SEED, margin_account.key().as_ref()], bump)]
    pub trigger_book: UncheckedAccount<'info>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Create the book with every slot empty.
pub fn create_book_handler(ctx: Context<CreateTriggerBook>) -> Result<()> {
    let owner = ctx.accounts.owner.key();
    let margin_account = ctx.accounts.margin_account.key();
    let info = ctx.accounts.trigger_book.to_account_info();
    let bump = ctx.bumps.trigger_book;
    let mut book = init_zero_copy::<TriggerBook>(
        &ctx.accounts.owner.to_account_info(),
        &info,
        &ctx.accounts.system_program.to_account_info(),
        &[TRIGGER_SEED, margin_account.as_ref(), &[bump]],
        || error!(EngineError::AlreadyInitialized),
    )?;
    book.margin_account = margin_account;
    book.owner = owner;
    book.triggers = [Trigger::EMPTY; MAX_TRIGGERS];
    book.bump = bump;
    book.version = ACCOUNT_VERSION;
    Ok(())
}

/// Accounts of `add_trigger`.
#[derive(Accounts)]
pub struct AddTrigger<'info> {
    /// The account's owner (never the delegate).
    pub owner: Signer<'info>,
    /// The owner's margin account.
    #[account(has_one = owner @ EngineError::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// Its trigger book.
    #[account(mut, seeds = [TRIGGER_SEED, margin_account.key().as_ref()], bump = trigger_book.load()?.bump,
        has_one = margin_account @ EngineError::TriggerNotFound)]
    pub trigger_book: AccountLoader<'info, TriggerBook>,
    /// The exchange (the stress multiplier of the quote).
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trigger's market.
    #[account(seeds = [MARKET_SEED, &market.load()?.index.to_le_bytes()], bump = market.load()?.bump)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's feed; checked by `quote_market`.
    pub feed: UncheckedAccount<'info>,
}

/// Quote the market; `engine::trigger::new_trigger` (direction, prices,
/// fee, size, reduces the position, not yet crossed); store it in the first
/// free slot; emit `TriggerAdded`.
pub fn add_handler(ctx: Context<AddTrigger>, params: TriggerParams) -> Result<()> {
    let clock = Clock::get()?;
    let now = Now::at(&*ctx.accounts.exchange.load()?, clock.unix_timestamp, clock.slot);
    let market = ctx.accounts.market.load()?;
    require!(!market.is_settled(), EngineError::MarketSettled);
    let quote = quote_market(&market, &ctx.accounts.feed.to_account_info(), &now)?;
    let trigger = new_trigger(&params, &*ctx.accounts.margin_account.load()?, &quote)?;
    let index = store_trigger(&mut *ctx.accounts.trigger_book.load_mut()?, trigger)?;
    ballast_runtime::emit_event!(TriggerAdded {
        account: ctx.accounts.margin_account.key(),
        index: index as u8,
        market: trigger.market,
        direction: trigger.direction,
        trigger_price: trigger.trigger_price,
        base: trigger.base,
        limit_price: trigger.limit_price,
        keeper_fee: trigger.keeper_fee,
    });
    Ok(())
}

/// Accounts of `cancel_trigger`.
#[derive(Accounts)]
pub struct CancelTrigger<'info> {
    /// The account's owner, or its delegate before the delegate's expiry.
    pub authority: Signer<'info>,
    /// The margin account.
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// Its trigger book.
    #[account(mut, seeds = [TRIGGER_SEED, margin_account.key().as_ref()], bump = trigger_book.load()?.bump,
        has_one = margin_account @ EngineError::TriggerNotFound)]
    pub trigger_book: AccountLoader<'info, TriggerBook>,
}

/// Remove the trigger at `index`; emit `TriggerCancelled`.
pub fn cancel_handler(ctx: Context<CancelTrigger>, index: u8) -> Result<()> {
    let slot = Clock::get()?.slot;
    ctx.accounts.margin_account.load()?.require_trader(ctx.accounts.authority.key, slot)?;
    let trigger = take_trigger(&mut *ctx.accounts.trigger_book.load_mut()?, index)?;
    ballast_runtime::emit_event!(TriggerCancelled {
        account: ctx.accounts.margin_account.key(),
        index,
        market: trigger.market,
        authority: ctx.accounts.authority.key(),
    });
    Ok(())
}

/// Accounts of `execute_trigger`. Remaining accounts: the `(market, feed)`
/// pair of every other open position of the account, in slot order (the
/// keeper's fee is paid only as a withdrawal would be, over every position).
#[derive(Accounts)]
pub struct ExecuteTrigger<'info> {
    /// The keeper (anyone; the account's owner or delegate earns no fee).
    pub keeper: Signer<'info>,
    /// The keeper's token account for the fee.
    #[account(mut, token::mint = collateral_mint, token::authority = keeper)]
    pub keeper_token: Box<Account<'info, TokenAccount>>,
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pool.
    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, Pool>,
    /// The trigger's margin account.
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// Its trigger book.
    #[account(mut, seeds = [TRIGGER_SEED, margin_account.key().as_ref()], bump = trigger_book.load()?.bump,
        has_one = margin_account @ EngineError::TriggerNotFound)]
    pub trigger_book: AccountLoader<'info, TriggerBook>,
    /// The trigger's market.
    #[account(mut, seeds = [MARKET_SEED, &market.load()?.index.to_le_bytes()], bump = market.load()?.bump)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's feed; checked by `quote_market`.
    pub feed: UncheckedAccount<'info>,
    /// The exchange's collateral vault.
    #[account(mut, address = exchange.load()?.collateral_vault @ EngineError::WrongVault)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's pool vault.
    #[account(mut, address = exchange.load()?.pool_vault @ EngineError::WrongVault)]
    pub pool_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's insurance vault (its share of the trading fee).
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

/// 1. Observe stress; `engine::trigger::execute_trigger`: not paused; the
///    trigger exists in this market, every source (and the fill's price)
///    has crossed it, its position is still open; a reduce-only trade at
///    its limit with every check a trade has; the keeper's fee from the
///    collateral when a withdrawal of it would pass.
/// 2. Move the tokens as `trade` does, then the fee to the keeper; emit.
#[inline(never)] // a symbol of its own for the callgrind cost proxy
pub fn execute_handler<'info>(ctx: Context<'info, ExecuteTrigger<'info>>, index: u8) -> Result<()> {
    let clock = Clock::get()?;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let now = observe(&mut ex, &clock, None);
    let mut market = ctx.accounts.market.load_mut()?;
    let mut pool = ctx.accounts.pool.load_mut()?;
    let mut acc = ctx.accounts.margin_account.load_mut()?;
    let mut book = ctx.accounts.trigger_book.load_mut()?;
    let feed = ctx.accounts.feed.to_account_info();
    let quotes = AccountQuotes { feed: Some(&feed), remaining: ctx.remaining_accounts, now };
    let keeper = ctx.accounts.keeper.key;
    let done =
        execute_trigger(&mut ex, &mut acc, &mut market, &mut pool, &mut book, index, keeper, clock.slot, &quotes)?;
    let out = done.traded.out;
    let event = TriggerExecuted {
        account: ctx.accounts.margin_account.key(),
        index,
        market: market.index,
        keeper: ctx.accounts.keeper.key(),
        base: done.base,
        fill_price: out.fill_price,
        realized_pnl: out.realized_pnl,
        fee: out.fee,
        keeper_fee: done.keeper_fee,
        position_base: out.position.base,
        cancelled: done.cancelled,
        funding: out.funding.funding,
        borrow_fee: out.funding.borrow_fee(),
    };
    let bump = ex.vault_authority_bump;
    drop((book, acc, pool, market, ex));

    let a = &ctx.accounts;
    let vaults = VaultSigner::new(&*a.collateral_mint, &a.vault_authority, a.token_program.key(), bump);
    vaults.settle(&*a.pool_vault, &*a.collateral_vault, out.pool_to_collateral)?;
    vaults.send(&*a.collateral_vault, &*a.insurance_vault, out.insurance_fee)?;
    vaults.send(&*a.collateral_vault, &*a.keeper_token, done.keeper_fee)?;
    done.traded.breaker.emit();
    ballast_runtime::emit_event!(event);
    Ok(())
}

/// Accounts of `close_trigger_book`.
#[derive(Accounts)]
pub struct CloseTriggerBook<'info> {
    /// The book's owner; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The book (any triggers left in it go with it).
    #[account(mut, has_one = owner @ EngineError::NotOwner, close = owner)]
    pub trigger_book: AccountLoader<'info, TriggerBook>,
}

/// Anchor's `close` zeroes the data and refunds the rent. It works after
/// the margin account is closed; `close_account` refuses while the book
/// exists, so a margin account re-created at the same address never finds
/// old triggers (the CLI closes both in one transaction).
pub fn close_book_handler(_ctx: Context<CloseTriggerBook>) -> Result<()> {
    Ok(())
}
