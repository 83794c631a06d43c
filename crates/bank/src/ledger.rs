//! A persistent ledger for the in-process bank: the clock and every account
//! the bank holds (those in its [`AccountIndex`](ballast_client::backend::bank::AccountIndex),
//! programs and sysvars excepted: a new bank brings its own), saved as one
//! JSON file of `solana account --output json` entries; a new bank starts
//! from it with the same accounts, slot and unix time.
//!
//! Saving writes a temporary file and renames it, so an interrupted save
//! leaves the previous ledger whole; a damaged file is an error that says
//! so, never a partly loaded bank.

use crate::context::{ContextBuilder, TestContext};
use anyhow::{bail, Context, Result};
use ballast_client::dump::AccountDump;
use serde_json::{json, Value};
use solana_sdk::account::Account;
use std::path::Path;

/// Layout version of the ledger file: 2 since the adapter's config holds a
/// proposed successor (a ledger of version 1 holds configs this program
/// cannot read).
pub const LEDGER_VERSION: u64 = 2;

/// A bank's state: its clock and accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ledger {
    /// Slot.
    pub slot: u64,
    /// Unix time of the clock.
    pub unix_timestamp: i64,
    /// Every saved account.
    pub accounts: Vec<AccountDump>,
}

fn is_runtime_account(a: &Account) -> bool {
    a.executable || a.owner == solana_sdk::sysvar::ID || a.owner == solana_sdk::native_loader::ID
}

/// Snapshot `tc`: its clock and every indexed account that still exists.
pub async fn snapshot(tc: &mut TestContext) -> Ledger {
    let clock = tc.clock().await;
    let mut accounts = Vec::new();
    for key in tc.index().keys() {
        if let Some(a) = tc.account(&key).await.filter(|a| !is_runtime_account(a)) {
            accounts.push(AccountDump {
                pubkey: key,
                lamports: a.lamports,
                data: a.data,
                owner: a.owner,
                executable: false,
                rent_epoch: a.rent_epoch,
            });
        }
    }
    Ledger { slot: clock.slot, unix_timestamp: clock.unix_timestamp, accounts }
}

/// Write `ledger` to `path` atomically (temporary file, then rename).
pub fn save(ledger: &Ledger, path: &Path) -> Result<()> {
    let v = json!({
        "version": LEDGER_VERSION,
        "slot": ledger.slot,
        "unix_timestamp": ledger.unix_timestamp,
        "accounts": ledger.accounts.iter().map(AccountDump::to_value).collect::<Vec<_>>(),
    });
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec(&v)?).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

/// Read a ledger file.
pub fn load(path: &Path) -> Result<Ledger> {
    let text = std::fs::read(path).with_context(|| format!("cannot read ledger {}", path.display()))?;
    parse(&text).with_context(|| format!("ledger {} is damaged (delete it or reset to start over)", path.display()))
}

fn parse(bytes: &[u8]) -> Result<Ledger> {
    let v: Value = serde_json::from_slice(bytes).context("not JSON")?;
    if v["version"].as_u64() != Some(LEDGER_VERSION) {
        bail!(
            "ledger version {} is not {LEDGER_VERSION}, the one this ballast reads: made by another version; \
             `ballast -u embedded embedded reset` and `embedded setup` make a new one",
            v["version"]
        );
    }
    let slot = v["slot"].as_u64().context("no slot")?;
    let unix_timestamp = v["unix_timestamp"].as_i64().context("no unix_timestamp")?;
    let accounts = v["accounts"].as_array().context("no accounts")?;
    let accounts = accounts.iter().map(AccountDump::from_value).collect::<Result<Vec<_>>>()?;
    Ok(Ledger { slot, unix_timestamp, accounts })
}

/// Start a bank holding `ledger`'s accounts, at its slot and unix time.
pub async fn start(ledger: &Ledger) -> TestContext {
    let mut builder = ContextBuilder::new();
    for a in &ledger.accounts {
        let account = Account {
            lamports: a.lamports,
            data: a.data.clone(),
            owner: a.owner,
            executable: false,
            rent_epoch: a.rent_epoch,
        };
        builder = builder.account(a.pubkey, account);
    }
    let mut tc = builder.start().await;
    tc.set_clock(ledger.slot, ledger.unix_timestamp).await;
    tc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_or_foreign_ledger_is_refused_with_the_reason() {
        assert!(parse(b"{nope").unwrap_err().to_string().contains("not JSON"));
        assert!(parse(br#"{"version":9}"#).unwrap_err().to_string().contains("ledger version 9 is not 2"));
        let old = br#"{"version":1,"slot":5,"unix_timestamp":7,"accounts":[]}"#;
        assert!(parse(old).unwrap_err().to_string().contains("`ballast -u embedded embedded reset`"));
        let bad = br#"{"version":2,"slot":1,"unix_timestamp":1,"accounts":[{"pubkey":"x"}]}"#;
        assert!(parse(bad).is_err());
        let ok = br#"{"version":2,"slot":5,"unix_timestamp":7,"accounts":[]}"#;
        assert_eq!(parse(ok).unwrap(), Ledger { slot: 5, unix_timestamp: 7, accounts: vec![] });
    }
}
