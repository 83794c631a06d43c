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
pub struct AccountIndex(Arc<Mutex<Keys>>);

#[derive(Debug, Default)]
struct Keys {
    /// Every key placed or named.
    all: BTreeSet<Pubkey>,
    /// The keys placed or named since the last [`AccountIndex::take_touched`].
    touched: BTreeSet<Pubkey>,
}

impl AccountIndex {
    /// Record one key (an account placed directly into the bank).
    pub fn insert(&self, key: Pubkey) {
        let mut k = self.lock();
        k.all.insert(key);
        k.touched.insert(key);
    }

    /// Record every key `tx` names.
    pub fn observe(&self, tx: &Transaction) {
        let mut k = self.lock();
        k.all.extend(tx.message.account_keys.iter().copied());
        k.touched.extend(tx.message.account_keys.iter().copied());
    }

    /// The recorded keys, in order.
    pub fn keys(&self) -> Vec<Pubkey> {
        self.lock().all.iter().copied().collect()
    }

    /// The keys placed or named since the last call (the only accounts
    /// that can have changed since), and start again.
    pub fn take_touched(&self) -> BTreeSet<Pubkey> {
        std::mem::take(&mut self.lock().touched)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Keys> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touched_keys_are_every_key_placed_or_named_since_the_last_take() {
        let index = AccountIndex::default();
        let (a, b, payer) = (Pubkey::new_unique(), Pubkey::new_unique(), solana_sdk::signature::Keypair::new());
        index.insert(a);
        let ix = solana_sdk::instruction::Instruction::new_with_bytes(
            Pubkey::new_unique(),
            &[],
            vec![solana_sdk::instruction::AccountMeta::new(b, false)],
        );
        let tx = Transaction::new_with_payer(&[ix], Some(&solana_sdk::signer::Signer::pubkey(&payer)));
        index.observe(&tx);
        let touched = index.take_touched();
        assert!(touched.contains(&a) && touched.contains(&b) && touched.len() == 4, "{touched:?}");
        assert!(index.take_touched().is_empty(), "taken: nothing touched since");
        assert_eq!(index.keys().len(), 4, "every key stays in the index");
        index.insert(a);
        assert_eq!(index.take_touched(), BTreeSet::from([a]));
    }
}
