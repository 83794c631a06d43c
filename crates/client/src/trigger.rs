//! Trigger orders off-chain: the book's address, the instructions, and
//! what an execution would do ([`Sim::execute_trigger`]), with the
//! program's own `engine::trigger` functions.

use crate::engine::{exchange_address, market_address, pool_address, vault_authority, with_remaining, ExchangeKeys};
use crate::simulate::{every_source_at, Refusal, Sim};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use ballast_risk::health::Health;
use margin_engine::constants::TRIGGER_SEED;
use margin_engine::engine::health::{account_health, MarketQuote, Quotes};
use margin_engine::engine::trigger::{execute_trigger, TriggerFill};
use margin_engine::errors::EngineError;
use margin_engine::state::{MarginAccount, Market, TriggerBook, TriggerKind, TriggerParams, ABOVE};

/// The PDA of `margin_account`'s trigger book.
pub fn book_address(margin_account: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[TRIGGER_SEED, margin_account.as_ref()], &margin_engine::ID).0
}

fn ix(accounts: Vec<anchor_lang::solana_program::instruction::AccountMeta>, data: Vec<u8>) -> Instruction {
    Instruction { program_id: margin_engine::ID, accounts, data }
}

/// A keeper key for previews: neither the owner nor the delegate of any
/// account (either would earn no fee), so a preview shows what a third
/// party is paid.
pub const THIRD_PARTY_KEEPER: Pubkey = Pubkey::new_from_array([0xee; 32]);

/// The trigger book in `account` (what is stored at a book's address):
/// `None` when there is no account or it is not the program's (lamports
/// anyone sent to the address), an error when the program's account does
/// not decode as a book.
pub fn book_from(account: Option<&solana_sdk::account::Account>) -> anyhow::Result<Option<TriggerBook>> {
    match account {
        Some(a) if a.owner == margin_engine::ID => Ok(Some(crate::decode::zero_copy(&a.data)?)),
        _ => Ok(None),
    }
}

/// `create_trigger_book` by the account's `owner`.
pub fn create_trigger_book(owner: Pubkey, margin_account: Pubkey) -> Instruction {
    let accounts = margin_engine::accounts::CreateTriggerBook {
        owner,
        margin_account,
        trigger_book: book_address(&margin_account),
        system_program: system_program::ID,
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::CreateTriggerBook {}.data())
}

/// `add_trigger(params)` in market `index` over `feed`, by the account's `owner`.
pub fn add_trigger(
    owner: Pubkey,
    margin_account: Pubkey,
    index: u16,
    feed: Pubkey,
    params: TriggerParams,
) -> Instruction {
    let accounts = margin_engine::accounts::AddTrigger {
        owner,
        margin_account,
        trigger_book: book_address(&margin_account),
        exchange: exchange_address(),
        market: market_address(index),
        feed,
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::AddTrigger { params }.data())
}

/// `cancel_trigger(index)` by the owner or the delegate (`authority`).
pub fn cancel_trigger(authority: Pubkey, margin_account: Pubkey, index: u8) -> Instruction {
    let accounts = margin_engine::accounts::CancelTrigger {
        authority,
        margin_account,
        trigger_book: book_address(&margin_account),
    };
    ix(accounts.to_account_metas(None), margin_engine::instruction::CancelTrigger { index }.data())
}

/// `execute_trigger(index)` by `keeper`, paying the fee to `keeper_token`;
/// the trigger is in market `market` over `feed`; `health` lists every
/// other open position's `(market, feed)` in slot order.
#[allow(clippy::too_many_arguments)]
pub fn execute_trigger_ix(
    keeper: Pubkey,
    keeper_token: Pubkey,
    margin_account: Pubkey,
    keys: &ExchangeKeys,
    market: u16,
    feed: Pubkey,
    index: u8,
    health: &[(Pubkey, Pubkey)],
) -> Instruction {
    let accounts = margin_engine::accounts::ExecuteTrigger {
        keeper,
        keeper_token,
        exchange: exchange_address(),
        pool: pool_address(),
        margin_account,
        trigger_book: book_address(&margin_account),
        market: market_address(market),
        feed,
        collateral_vault: keys.collateral_vault,
        pool_vault: keys.pool_vault,
        insurance_vault: keys.insurance_vault,
        vault_authority: vault_authority(),
        collateral_mint: keys.collateral_mint,
        token_program: anchor_spl::token::ID,
    };
    ix(
        with_remaining(accounts.to_account_metas(None), health),
        margin_engine::instruction::ExecuteTrigger { index }.data(),
    )
}

/// What clears `owner`'s trigger book of `margin_account` for a new set:
/// `create_trigger_book` when it has none (`book`), else `cancel_trigger`
/// of every trigger in it.
pub fn clear_book(owner: Pubkey, margin_account: Pubkey, book: Option<&TriggerBook>) -> Vec<Instruction> {
    match book {
        None => vec![create_trigger_book(owner, margin_account)],
        Some(b) => b.active().map(|(k, _)| cancel_trigger(owner, margin_account, k as u8)).collect(),
    }
}

/// `close_trigger_book` by its `owner`.
pub fn close_trigger_book(owner: Pubkey, margin_account: Pubkey) -> Instruction {
    let accounts = margin_engine::accounts::CloseTriggerBook { owner, trigger_book: book_address(&margin_account) };
    ix(accounts.to_account_metas(None), margin_engine::instruction::CloseTriggerBook {}.data())
}

/// "take-profit" or "stop-loss".
pub fn kind_name(kind: TriggerKind) -> &'static str {
    match kind {
        TriggerKind::TakeProfit => "take-profit",
        TriggerKind::StopLoss => "stop-loss",
    }
}

/// "above" or "below".
pub fn direction_name(direction: u8) -> &'static str {
    if direction == ABOVE {
        "above"
    } else {
        "below"
    }
}

/// An execution as the program would run it.
#[derive(Clone, Copy, Debug)]
pub struct TriggerSim {
    /// What it did.
    pub fill: TriggerFill,
    /// The account afterwards.
    pub account: MarginAccount,
    /// The book afterwards.
    pub book: TriggerBook,
    /// Health afterwards (every position at the quotes used).
    pub health: Health,
}

/// A venue's quotes with every source of one market moved to one price.
struct AtPrice<'a, Q> {
    inner: &'a Q,
    market: u16,
    price: Option<i64>,
}

impl<Q: Quotes> AtPrice<'_, Q> {
    fn moved(&self, q: MarketQuote) -> MarketQuote {
        match self.price {
            Some(p) if q.index == self.market => every_source_at(q, p),
            _ => q,
        }
    }
}

impl<Q: Quotes> Quotes for AtPrice<'_, Q> {
    fn own(&self, market: &Market) -> anchor_lang::Result<MarketQuote> {
        Ok(self.moved(self.inner.own(market)?))
    }

    fn covering(&self, account: &MarginAccount, own: Option<MarketQuote>) -> anchor_lang::Result<Vec<MarketQuote>> {
        Ok(self.inner.covering(account, own)?.into_iter().map(|q| self.moved(q)).collect())
    }
}

impl Sim<'_> {
    /// `execute_trigger` of trigger `index` in `book` by `keeper`
    /// (`engine::trigger::execute_trigger`, as the handler runs it), now,
    /// or with every source of its market at `at_price` (the CLI's
    /// preview of a trigger at its own price).
    pub fn execute_trigger(
        &self,
        account: &MarginAccount,
        book: &TriggerBook,
        index: u8,
        keeper: &Pubkey,
        at_price: Option<i64>,
    ) -> Result<TriggerSim, Refusal> {
        let trigger = book.at(index)?;
        let (venue, view) = self.parts();
        let state =
            venue.markets.get(trigger.market as usize).ok_or_else(|| Refusal::from(EngineError::WrongMarket))?;
        let (mut ex, mut market, mut pool, mut acc, mut book) =
            (view.exchange, state.market, venue.pool, *account, *book);
        let quotes = AtPrice { inner: view, market: trigger.market, price: at_price };
        let fill = execute_trigger(
            &mut ex,
            &mut acc,
            &mut market,
            &mut pool,
            &mut book,
            index,
            keeper,
            view.now.slot,
            &quotes,
        )?;
        let health = account_health(&acc, &quotes.covering(&acc, Some(quotes.moved(fill.traded.quote)))?)?;
        Ok(TriggerSim { fill, account: acc, book, health })
    }
}
