//! What the keeper reads each tick: the venue (`ballast_client::venue`) and
//! every margin account (one filtered program-account scan).

pub use ballast_client::venue::{load_venue, MarketState, Venue};

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use ballast_client::backend::Backend;
use margin_engine::state::MarginAccount;

/// Every margin account, decoded (one filtered program-account scan).
pub async fn scan_accounts<B: Backend>(backend: &B) -> Result<Vec<(Pubkey, MarginAccount)>> {
    ballast_client::venue::scan::<MarginAccount, B>(backend).await
}
