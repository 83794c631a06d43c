//! Trigger orders each tick: every book in the shard, every trigger whose
//! execution the program would accept now (`Sim::execute_trigger`, the
//! program's own `engine::trigger` on copies of the accounts) and whose fee
//! is at least the keeper's minimum. One trigger per account per tick: an
//! execution can close the position and, with it, the account's other
//! triggers in that market, so the next is planned on the next tick's scan.

use crate::config::Config;
use crate::plan::other_positions;
use crate::scan::Venue;
use anchor_lang::prelude::Pubkey;
use ballast_client::simulate::Sim;
use ballast_client::trigger::execute_trigger_ix;
use margin_engine::state::{MarginAccount, TriggerBook};
use solana_sdk::instruction::Instruction;
use std::collections::HashMap;

/// One trigger to execute.
#[derive(Clone, Debug)]
pub struct PlannedTrigger {
    /// The margin account.
    pub account: Pubkey,
    /// The trigger's index in the book.
    pub index: u8,
    /// The fee it pays, as simulated. precision: QUOTE_PRECISION.
    pub keeper_fee: u64,
    /// The account after the execution, as simulated: what this tick's
    /// liquidation plan looks at.
    pub account_after: MarginAccount,
    /// The `execute_trigger` instruction.
    pub call: Instruction,
}

/// Every trigger in `books` (of accounts in this keeper's shard) that the
/// program would execute now for `keeper` (fee to `fee_token`), paying at
/// least `config.min_trigger_fee`; at most one per account, the lowest
/// index first; ordered by account key so every run plans the same.
pub fn plan_triggers(
    venue: &Venue,
    accounts: &[(Pubkey, MarginAccount)],
    books: &[(Pubkey, TriggerBook)],
    config: &Config,
    keeper: Pubkey,
    fee_token: Pubkey,
) -> Vec<PlannedTrigger> {
    let sim = Sim::new(venue);
    let by_key: HashMap<&Pubkey, &MarginAccount> = accounts.iter().map(|(k, a)| (k, a)).collect();
    let keys = venue.keys();
    let mut out: Vec<PlannedTrigger> = Vec::new();
    for (_, book) in books.iter().filter(|(_, b)| config.shard.owns(&b.margin_account)) {
        let Some(account) = by_key.get(&book.margin_account) else { continue };
        for (index, trigger) in book.active() {
            let Ok(done) = sim.execute_trigger(account, book, index as u8, &keeper, None) else { continue };
            if done.fill.keeper_fee < config.min_trigger_fee {
                continue;
            }
            let Some(market) = venue.markets.get(trigger.market as usize) else { continue };
            let call = execute_trigger_ix(
                keeper,
                fee_token,
                book.margin_account,
                &keys,
                trigger.market,
                market.market.feed,
                index as u8,
                &other_positions(account, trigger.market, venue),
            );
            out.push(PlannedTrigger {
                account: book.margin_account,
                index: index as u8,
                keeper_fee: done.fill.keeper_fee,
                account_after: done.account,
                call,
            });
            break;
        }
    }
    out.sort_by_key(|p| p.account);
    out
}
