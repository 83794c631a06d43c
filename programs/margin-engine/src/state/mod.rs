//! Accounts of the margin engine. All are zero-copy `#[repr(C)]` with only
//! 8-byte-aligned fields (wide values as `[u8; 16]`), a version byte and
//! reserved space, and a compile-time size assertion: the layout is the same
//! on SBF and x86-64, so tools decode exactly what the chain wrote.

mod exchange;
mod gov_record;
mod init;
mod margin_account;
mod market;
mod params;
mod pending;
mod pool;
mod trigger;

pub use exchange::Exchange;
pub use gov_record::{FieldWindow, GovRecord, GOV_RECORD_FIELDS};
pub use init::{init_zero_copy, load_mut_unchecked};
pub use margin_account::{MarginAccount, PositionSlot, FLAG_BANKRUPT, MARGIN_ACCOUNT_SIZE};
pub use market::{Market, MarketStatus};
pub use params::{
    market_get, market_set_raw, AddMarketParams, Dir, FieldSpec, InitializeExchangeParams, MarketParams, ParamChange,
    Violation, DEPOSIT_CAP_BOUNDS, MARKET_FIELDS, MARKET_FIELD_COUNT, SETTLE_FIELD,
};
pub use pending::PendingChange;
pub use pool::{LpPosition, Pool};
pub use trigger::{Trigger, TriggerBook, TriggerKind, TriggerParams, ABOVE, BELOW, TRIGGER_BOOK_SIZE};
