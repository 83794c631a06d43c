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
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// Every key that may hold an account in a bank: shared by all writers.
#[derive(Clone, Debug, Default)]
pub struct AccountIndex(Arc<Mutex<Keys>>);

#[derive(Debug, Default)]
struct Keys {
    /// Every key placed or named, with the generation it was last placed or
    /// named at.
    all: BTreeMap<Pubkey, u64>,
    /// The generation: one more for every placement or transaction.
    generation: u64,
    /// The keys placed or named since the last [`AccountIndex::take_touched`].
    touched: BTreeSet<Pubkey>,
}

impl Keys {
    fn record(&mut self, keys: impl IntoIterator<Item = Pubkey>) {
        self.generation += 1;
        for key in keys {
            self.all.insert(key, self.generation);
            self.touched.insert(key);
        }
    }
}

impl AccountIndex {
    /// Record one key (an account placed directly into the bank).
    pub fn insert(&self, key: Pubkey) {
        self.lock().record([key]);
    }

    /// Record every key `tx` names.
    pub fn observe(&self, tx: &Transaction) {
        self.lock().record(tx.message.account_keys.iter().copied());
    }

    /// The recorded keys, in order.
    pub fn keys(&self) -> Vec<Pubkey> {
        self.lock().all.keys().copied().collect()
    }

    /// The keys placed or named after generation `since`, and the
    /// generation now (pass it next time). Writers record a transaction
    /// both before and after it runs, so a reader that fetched an account
    /// while it was in flight fetches it again.
    pub fn changed_since(&self, since: u64) -> (Vec<Pubkey>, u64) {
        let k = self.lock();
        (k.all.iter().filter(|(_, g)| **g > since).map(|(key, _)| *key).collect(), k.generation)
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
    /// Every indexed account, tagged with the index generation it was
    /// fetched at, and the generation the whole cache is current to, for
    /// program scans: only keys placed or named since are fetched again (no
    /// other program-owned account can have changed). An entry is never
    /// replaced by one fetched at an older generation, so scans that
    /// overlap cannot put an old account back.
    scan: Arc<Mutex<ScanCache>>,
}

/// The generation a scan cache is current to, and each account with the
/// generation it was fetched at.
type ScanCache = (u64, BTreeMap<Pubkey, (u64, Option<Account>)>);

impl BankBackend {
    /// A backend over `banks` whose writers all record into `index`.
    pub fn new(banks: BanksClient, index: AccountIndex) -> BankBackend {
        BankBackend { banks, index, scan: Arc::default() }
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
        let since = self.scan.lock().unwrap_or_else(|p| p.into_inner()).0;
        let (changed, now) = self.index.changed_since(since);
        let mut fresh = Vec::with_capacity(changed.len());
        for key in changed {
            fresh.push((key, self.get_account(&key).await?));
        }
        let mut scan = self.scan.lock().unwrap_or_else(|p| p.into_inner());
        scan.0 = scan.0.max(now);
        for (key, account) in fresh {
            let entry = scan.1.entry(key).or_insert((now, None));
            if entry.0 <= now {
                *entry = (now, account);
            }
        }
        let matches = |acc: &Account| acc.owner == *program && filters.iter().all(|f| f.matches(&acc.data));
        let found = scan.1.iter().filter_map(|(k, (_, a))| a.as_ref().filter(|a| matches(a)).map(|a| (*k, a.clone())));
        Ok(found.collect())
    }

    async fn latest_blockhash(&self) -> BackendResult<Hash> {
        self.banks.get_latest_blockhash().await.map_err(transport)
    }

    /// Executes on the working bank through the metadata path, which runs
    /// the transaction in place (the plain path can return before the
    /// sender thread releases its account locks).
    async fn send(&self, tx: &Transaction) -> BackendResult<Landed> {
        self.index.observe(tx);
        let res = self.banks.process_transaction_with_metadata(tx.clone()).await;
        // Again once it ran: a scan between the two sees the new state.
        self.index.observe(tx);
        let res = res.map_err(transport)?;
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

    #[test]
    fn changed_since_a_generation_is_every_key_recorded_after_it() {
        let index = AccountIndex::default();
        let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
        assert_eq!(index.changed_since(0), (vec![], 0));
        index.insert(a);
        let (changed, g1) = index.changed_since(0);
        assert_eq!((changed, g1), (vec![a], 1));
        index.insert(b);
        assert_eq!(index.changed_since(g1), (vec![b], 2), "only what came after g1");
        index.insert(a);
        let (mut changed, g3) = index.changed_since(g1);
        changed.sort();
        let mut want = vec![a, b];
        want.sort();
        assert_eq!((changed, g3), (want, 3));
        assert_eq!(index.changed_since(g3), (vec![], 3));
    }
}
