//! Oracle-adapter instruction builders and PDAs.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use oracle_adapter::constants::{CONFIG_SEED, FEED_SEED};
use oracle_adapter::instructions::{CreateFeedParams, UpdateFeedParams};
use oracle_adapter::state::PriceFeed;

/// The adapter config PDA.
pub fn config_address() -> Pubkey {
    Pubkey::find_program_address(&[CONFIG_SEED], &oracle_adapter::ID).0
}

/// The feed PDA of `symbol`.
pub fn feed_address(symbol: &str) -> Pubkey {
    Pubkey::find_program_address(&[FEED_SEED, symbol.as_bytes()], &oracle_adapter::ID).0
}

/// The `ProgramData` account of an upgradeable program.
pub fn program_data_address(program: &Pubkey) -> Pubkey {
    anchor_lang::solana_program::bpf_loader_upgradeable::get_program_data_address(program)
}

/// `initialize(authority, timelock_slots)`, paid by `payer` (the program's
/// upgrade authority).
pub fn initialize(payer: Pubkey, authority: Pubkey, timelock_slots: u64) -> Instruction {
    Instruction {
        program_id: oracle_adapter::ID,
        accounts: oracle_adapter::accounts::Initialize {
            payer,
            program: oracle_adapter::ID,
            program_data: program_data_address(&oracle_adapter::ID),
            config: config_address(),
            system_program: system_program::ID,
        }
        .to_account_metas(None),
        data: oracle_adapter::instruction::Initialize { authority, timelock_slots }.data(),
    }
}

/// `create_feed(params)`, signed by `authority`, paid by `payer`.
pub fn create_feed(payer: Pubkey, authority: Pubkey, params: CreateFeedParams) -> Instruction {
    Instruction {
        program_id: oracle_adapter::ID,
        accounts: oracle_adapter::accounts::CreateFeed {
            payer,
            authority,
            config: config_address(),
            feed: feed_address(&params.symbol),
            system_program: system_program::ID,
        }
        .to_account_metas(None),
        data: oracle_adapter::instruction::CreateFeed { params }.data(),
    }
}

/// `propose_authority(successor)`, signed by the adapter's `authority`.
pub fn propose_authority(authority: Pubkey, successor: Pubkey) -> Instruction {
    Instruction {
        program_id: oracle_adapter::ID,
        accounts: oracle_adapter::accounts::ProposeAuthority { authority, config: config_address() }
            .to_account_metas(None),
        data: oracle_adapter::instruction::ProposeAuthority { successor }.data(),
    }
}

/// `accept_authority()`, signed by the proposed `successor`.
pub fn accept_authority(successor: Pubkey) -> Instruction {
    Instruction {
        program_id: oracle_adapter::ID,
        accounts: oracle_adapter::accounts::AcceptAuthority { successor, config: config_address() }
            .to_account_metas(None),
        data: oracle_adapter::instruction::AcceptAuthority {}.data(),
    }
}

/// `update_feed(params)` on `feed`, signed by `authority`.
pub fn update_feed(authority: Pubkey, feed: Pubkey, params: UpdateFeedParams) -> Instruction {
    Instruction {
        program_id: oracle_adapter::ID,
        accounts: oracle_adapter::accounts::UpdateFeed { authority, config: config_address(), feed }
            .to_account_metas(None),
        data: oracle_adapter::instruction::UpdateFeed { params }.data(),
    }
}

/// The PDA of queued feed update `id`.
pub fn update_address(id: u64) -> Pubkey {
    Pubkey::find_program_address(&[oracle_adapter::constants::UPDATE_SEED, &id.to_le_bytes()], &oracle_adapter::ID).0
}

/// `queue_feed_update(params)` on `feed` as update `id` (the config's
/// `next_update_id`), signed and paid by `authority`.
pub fn queue_feed_update(authority: Pubkey, id: u64, feed: Pubkey, params: UpdateFeedParams) -> Instruction {
    Instruction {
        program_id: oracle_adapter::ID,
        accounts: oracle_adapter::accounts::QueueFeedUpdate {
            authority,
            config: config_address(),
            feed,
            pending: update_address(id),
            system_program: system_program::ID,
        }
        .to_account_metas(None),
        data: oracle_adapter::instruction::QueueFeedUpdate { params }.data(),
    }
}

/// `apply_feed_update` of update `id` on `feed`, rent back to `payer`.
pub fn apply_feed_update(id: u64, feed: Pubkey, payer: Pubkey) -> Instruction {
    Instruction {
        program_id: oracle_adapter::ID,
        accounts: oracle_adapter::accounts::ApplyFeedUpdate { pending: update_address(id), feed, payer }
            .to_account_metas(None),
        data: oracle_adapter::instruction::ApplyFeedUpdate {}.data(),
    }
}

/// `close_feed_update` of expired or superseded update `id` on `feed`
/// (anyone), rent back to `payer`.
pub fn close_feed_update(id: u64, feed: Pubkey, payer: Pubkey) -> Instruction {
    Instruction {
        program_id: oracle_adapter::ID,
        accounts: oracle_adapter::accounts::CloseFeedUpdate { pending: update_address(id), feed, payer }
            .to_account_metas(None),
        data: oracle_adapter::instruction::CloseFeedUpdate {}.data(),
    }
}

/// `cancel_feed_update` of update `id`, rent back to `payer`.
pub fn cancel_feed_update(authority: Pubkey, id: u64, payer: Pubkey) -> Instruction {
    Instruction {
        program_id: oracle_adapter::ID,
        accounts: oracle_adapter::accounts::CancelFeedUpdate {
            authority,
            config: config_address(),
            pending: update_address(id),
            payer,
        }
        .to_account_metas(None),
        data: oracle_adapter::instruction::CancelFeedUpdate {}.data(),
    }
}

/// `refresh` of `feed` with its source accounts, in configured order.
pub fn refresh(feed: Pubkey, sources: &[Pubkey]) -> Instruction {
    let mut accounts = oracle_adapter::accounts::Refresh { feed }.to_account_metas(None);
    accounts.extend(sources.iter().map(|s| AccountMeta::new_readonly(*s, false)));
    Instruction { program_id: oracle_adapter::ID, accounts, data: oracle_adapter::instruction::Refresh {}.data() }
}

/// `refresh` of a decoded feed, passing exactly its configured sources.
pub fn refresh_configured(feed_key: Pubkey, feed: &PriceFeed) -> Instruction {
    let sources: Vec<Pubkey> = feed.active_sources().iter().map(|s| s.account).collect();
    refresh(feed_key, &sources)
}
