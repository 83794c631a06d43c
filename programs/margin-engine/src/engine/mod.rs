//! Engine functions: plain structs in, plain structs out. Handlers load and
//! validate accounts, then call these.

pub mod adl;
pub mod breaker;
pub mod collateral;
pub mod emergency;
pub mod funding;
pub mod gov_window;
pub mod governance;
pub mod guardian;
pub mod health;
pub mod liquidation;
pub mod pool;
pub mod settle;
pub mod stress;
pub mod trade;
pub mod trigger;
