//! What the keeper reads each tick: the venue (`ballast_client::venue`) and
//! every margin account (one filtered program-account scan).

pub use ballast_client::venue::{load_venue, MarketState, Venue};

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
use ballast_client::backend::{Backend, Filter};
use ballast_client::decode::zero_copy;
use margin_engine::state::MarginAccount;

/// Every margin account: one `getProgramAccounts` with the discriminator and
/// size filters, decoded zero-copy. Accounts that fail to decode (impossible
/// for a program-owned account that passed both filters) are reported, not
/// skipped silently.
pub async fn scan_accounts<B: Backend>(backend: &B) -> Result<Vec<(Pubkey, MarginAccount)>> {
    let raw = backend.get_program_accounts(&margin_engine::ID, &Filter::zero_copy::<MarginAccount>()).await?;
    raw.into_iter()
        .map(|(key, acc)| {
            Ok((key, zero_copy::<MarginAccount>(&acc.data).with_context(|| format!("margin account {key}"))?))
        })
        .collect()
}
