//! The in-process bank of `solana-program-test` as a [`Backend`].
//!
//! `BanksClient` has no `getProgramAccounts`, and `ProgramTestContext` keeps
//! its `BankForks` private. But every account in such a bank was either
//! placed there by its owner (genesis, `set_account`) or written by a
//! transaction, and a transaction can only create or write an account it
//! names in its message. So an [`AccountIndex`] of every key that was
//! placed or named is a superset of the bank's accounts; a program-account
//! scan fetches those keys and applies the owner and filters, exactly as
//! the RPC node's own index would. Whoever writes to the bank (the backend
//! itself, a test harness, the stress lab) records into the shared index.

// solana-banks-client 3.x marks its API "unstable" (deprecated) ahead of an
// opt-in feature in 4.0; the interface is what program-test itself uses.
#![allow(deprecated)]

use super::{Backend, BackendError, BackendResult, Filter, Landed};
use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_banks_client::{BanksClient, BanksClientError};
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::transaction::{Transaction, TransactionError};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// Every key that may hold an account in a bank: shared by all writers.
#[derive(Clone, Debug, Default)]
pub struct AccountIndex(Arc<Mutex<BTreeSet<Pubkey>>>);

impl AccountIndex {
    /// Record one key (an account placed directly into the bank).
    pub fn insert(&self, key: Pubkey) {
        self.lock().insert(key);
    }

    /// Record every key `tx` names.
    pub fn observe(&self, tx: &Transaction) {
        self.lock().extend(tx.message.account_keys.iter().copied());
    }

    /// The recorded keys, in order.
    pub fn keys(&self) -> Vec<Pubkey> {
        self.lock().iter().copied().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<Pubkey>> {
        // A panic while holding this lock cannot leave the set half-updated
        // (each update is one call), so a poisoned lock is still usable.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A bank reached through its `BanksClient`.
#[derive(Clone)]
pub struct BankBackend {
    banks: BanksClient,
    index: AccountIndex,
}

impl BankBackend {
    /// A backend over `banks` whose writers all record into `index`.
    pub fn new(banks: BanksClient, index: AccountIndex) -> BankBackend {
        BankBackend { banks, index }
    }

    /// The shared account index.
    pub fn index(&self) -> &AccountIndex {
        &self.index
    }
}

fn transport(e: BanksClientError) -> BackendError {
    BackendError::Transport(e.to_string())
}

impl Backend for BankBackend {
    async fn get_account(&self, key: &Pubkey) -> BackendResult<Option<Account>> {
        self.banks.get_account(*key).await.map_err(transport)
    }

    async fn get_multiple_accounts(&self, keys: &[Pubkey]) -> BackendResult<Vec<Option<Account>>> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.get_account(k).await?);
        }
        Ok(out)
    }

    async fn get_program_accounts(
        &self,
        program: &Pubkey,
        filters: &[Filter],
    ) -> BackendResult<Vec<(Pubkey, Account)>> {
        let mut out = Vec::new();
        for key in self.index.keys() {
            if let Some(acc) = self.get_account(&key).await? {
                if acc.owner == *program && filters.iter().all(|f| f.matches(&acc.data)) {
                    out.push((key, acc));
                }
            }
        }
        Ok(out)
    }

    async fn latest_blockhash(&self) -> BackendResult<Hash> {
        self.banks.get_latest_blockhash().await.map_err(transport)
    }

    /// Executes on the working bank through the metadata path, which runs
    /// the transaction in place (the plain path can return before the
    /// sender thread releases its account locks).
    async fn send(&self, tx: &Transaction) -> BackendResult<Landed> {
        self.index.observe(tx);
        let res = self.banks.process_transaction_with_metadata(tx.clone()).await.map_err(transport)?;
        match res.result {
            Ok(()) => Ok(Landed { logs: res.metadata.map(|m| m.log_messages).unwrap_or_default() }),
            Err(TransactionError::AlreadyProcessed) => Ok(Landed::default()),
            Err(e) => Err(BackendError::rejected(tx, e)),
        }
    }

    async fn clock(&self) -> BackendResult<Clock> {
        self.banks.get_sysvar::<Clock>().await.map_err(transport)
    }
}
