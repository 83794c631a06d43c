//! `create_feed`: governance creates one asset's price feed.

use crate::constants::*;
use crate::errors::AdapterError;
use crate::events::FeedCreated;
use crate::sources::SourceKind;
use crate::state::{AdapterConfig, GuardParams, PriceFeed, SourceParam};
use anchor_lang::prelude::*;
use anchor_lang::Discriminator;
use ballast_risk::oracle::{Guards, Validity, MAX_SOURCES};
use ballast_runtime::create_pda;

/// Arguments of `create_feed`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateFeedParams {
    /// Asset symbol, 1-16 bytes of A-Z 0-9 / - _ (the PDA seed).
    pub symbol: String,
    /// 1-4 sources, distinct accounts.
    pub sources: Vec<SourceParam>,
    /// Guard rails, bounds-checked.
    pub guards: GuardParams,
}

/// Accounts of `create_feed`.
#[derive(Accounts)]
#[instruction(params: CreateFeedParams)]
pub struct CreateFeed<'info> {
    /// Pays rent for the feed.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The adapter's governance authority.
    pub authority: Signer<'info>,
    /// The adapter config naming the authority.
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump, has_one = authority @ AdapterError::Unauthorized)]
    pub config: Account<'info, AdapterConfig>,
    /// CHECK: the symbol's feed PDA (address checked by seeds), created here
    /// by `create_pda`, which refuses an address that is already initialised.
    #[account(mut, seeds = [FEED_SEED, params.symbol.as_bytes()], bump)]
    pub feed: UncheckedAccount<'info>,
    /// System program, for the account creation.
    pub system_program: Program<'info, System>,
}

/// Check a symbol: 1-16 bytes of `A-Z 0-9 / - _`.
pub fn validate_symbol(symbol: &str) -> Result<[u8; MAX_SYMBOL_LEN]> {
    Ok(parse_symbol(symbol).ok_or(AdapterError::InvalidSymbol)?)
}

/// Check a source list: 1-4 entries, known kinds, no zero or duplicate
/// accounts, feed id present exactly for `PythPull`.
pub fn validate_sources(sources: &[SourceParam]) -> Result<()> {
    require!(!sources.is_empty() && sources.len() <= MAX_SOURCES, AdapterError::InvalidSourceCount);
    for (i, s) in sources.iter().enumerate() {
        let kind = SourceKind::from_u8(s.kind).ok_or(AdapterError::InvalidSourceKind)?;
        require!(s.account != Pubkey::default(), AdapterError::ZeroSourceAccount);
        let has_id = s.feed_id != [0u8; 32];
        require!(has_id == (kind == SourceKind::PythPull), AdapterError::InvalidFeedId);
        require!(sources[..i].iter().all(|o| o.account != s.account), AdapterError::DuplicateSource);
    }
    Ok(())
}

/// Check guard rails against their hard bounds, logging the violation.
pub fn validate_guards(guards: &GuardParams, num_sources: usize) -> Result<Guards> {
    let g = Guards::from(*guards);
    g.validate(num_sources).map_err(|e| {
        msg!("guard {} = {} is outside [{}, {}]", e.field, e.got, e.min, e.max);
        error!(AdapterError::GuardOutOfBounds)
    })?;
    Ok(g)
}

impl CreateFeed<'_> {
    /// Semantic checks of the arguments.
    pub fn validate(&self, params: &CreateFeedParams) -> Result<([u8; MAX_SYMBOL_LEN], Guards)> {
        let symbol = validate_symbol(&params.symbol)?;
        validate_sources(&params.sources)?;
        let guards = validate_guards(&params.guards, params.sources.len())?;
        Ok((symbol, guards))
    }
}

/// 1. Validate symbol, sources and guard rails.
/// 2. Create the feed PDA (`AlreadyInitialized` if the symbol has one;
///    pre-funded lamports do not block it).
/// 3. Initialise it: no price yet, validity `Invalid`.
/// 4. Count the feed in the config and emit `FeedCreated`.
pub fn handler(ctx: Context<CreateFeed>, params: CreateFeedParams) -> Result<()> {
    let (symbol, guards) = ctx.accounts.validate(&params)?;
    let bump = ctx.bumps.feed;
    let feed_info = ctx.accounts.feed.to_account_info();
    create_pda(
        &ctx.accounts.payer.to_account_info(),
        &feed_info,
        &ctx.accounts.system_program.to_account_info(),
        8 + core::mem::size_of::<PriceFeed>(),
        &crate::ID,
        &[FEED_SEED, params.symbol.as_bytes(), &[bump]],
        || error!(AdapterError::AlreadyInitialized),
    )?;
    let mut data = feed_info.try_borrow_mut_data()?;
    data[..8].copy_from_slice(PriceFeed::DISCRIMINATOR);
    let feed: &mut PriceFeed = bytemuck::try_from_bytes_mut(&mut data[8..8 + core::mem::size_of::<PriceFeed>()])
        .map_err(|_| error!(ErrorCode::AccountDidNotDeserialize))?;
    feed.symbol = symbol;
    feed.set_sources(&params.sources);
    feed.set_guards(&guards);
    feed.version = PRICE_FEED_VERSION;
    feed.bump = bump;
    feed.validity = Validity::Invalid as u8;
    let sources = feed.source_params();
    drop(data);

    let config = &mut ctx.accounts.config;
    config.feed_count = config.feed_count.checked_add(1).ok_or(AdapterError::MathOverflow)?;
    ballast_runtime::emit_event!(FeedCreated { feed: ctx.accounts.feed.key(), symbol, sources, guards: params.guards });
    Ok(())
}
