//! The keeper's transactions as the lab sees them: [`Recorder`] wraps the
//! bank's backend and hands every landed transaction's events to the
//! run's [`Ledger`]. Around an `auto_deleverage` it reads the account just
//! before the call (to check it held a winning position); around a trigger
//! it reads the account before and after (its event does not say what it
//! booked as unsettled PnL). A close the keeper sends that is refused with
//! `PoolInsufficient` is a violation.

use crate::pnl::Ledger;
use ballast_bank::native_events::event_payloads;
use ballast_client::backend::{Backend, BackendError, BackendResult, Filter, Landed};
use margin_engine::events::{AutoDeleveraged, Liquidated, PnlSettled, TradeFilled, TriggerExecuted};
use margin_engine::instruction as mix;
use margin_engine::state::MarginAccount;
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::transaction::Transaction;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

/// The events the ledger reads.
pub enum Event {
    /// A trade (`trade`).
    Trade(TradeFilled),
    /// A liquidation.
    Liquidation(Liquidated),
    /// A trigger order executed.
    Trigger(TriggerExecuted),
    /// An `auto_deleverage`.
    Adl(AutoDeleveraged),
    /// A `settle_pnl`.
    Settled(PnlSettled),
}

fn one<E: anchor_lang::AnchorDeserialize + anchor_lang::Discriminator>(bytes: &[u8]) -> Option<E> {
    E::deserialize(&mut bytes.strip_prefix(E::DISCRIMINATOR)?).ok()
}

/// Standard base64 (with padding) decoded; `None` if it is not.
fn base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in bytes {
        acc = (acc << 6) | value(c)? as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The ledger's events in a transaction's log messages, in order.
pub fn events(logs: &[String]) -> Vec<Event> {
    let decode = |b: &[u8]| {
        one(b)
            .map(Event::Trade)
            .or_else(|| one(b).map(Event::Liquidation))
            .or_else(|| one(b).map(Event::Trigger))
            .or_else(|| one(b).map(Event::Adl))
            .or_else(|| one(b).map(Event::Settled))
    };
    event_payloads(logs).filter_map(base64).filter_map(|b| decode(&b)).collect()
}

/// A shared ledger, locked.
pub fn lock(ledger: &Mutex<Ledger>) -> MutexGuard<'_, Ledger> {
    ledger.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a margin-engine instruction of the keeper's is, by discriminator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Trigger,
    Adl,
    Liquidate,
}

/// A backend that records what the keeper's transactions did.
pub struct Recorder<B> {
    inner: B,
    ledger: Arc<Mutex<Ledger>>,
    /// The run's margin accounts.
    margins: BTreeSet<Pubkey>,
}

impl<B: Backend> Recorder<B> {
    /// `inner`, recording into `ledger`; `margins` are the run's margin
    /// accounts.
    pub fn new(inner: B, ledger: Arc<Mutex<Ledger>>, margins: impl IntoIterator<Item = Pubkey>) -> Recorder<B> {
        Recorder { inner, ledger, margins: margins.into_iter().collect() }
    }

    /// The closes in `tx`: each instruction's kind and the run's margin
    /// accounts it names.
    fn closes(&self, tx: &Transaction) -> Vec<(Kind, Vec<Pubkey>)> {
        let keys = &tx.message.account_keys;
        let mut out = Vec::new();
        for ix in &tx.message.instructions {
            if keys.get(ix.program_id_index as usize) != Some(&margin_engine::ID) {
                continue;
            }
            let d: &[u8] = &ix.data;
            let kind = if d.starts_with(<mix::ExecuteTrigger as anchor_lang::Discriminator>::DISCRIMINATOR) {
                Kind::Trigger
            } else if d.starts_with(<mix::AutoDeleverage as anchor_lang::Discriminator>::DISCRIMINATOR) {
                Kind::Adl
            } else if d.starts_with(<mix::Liquidate as anchor_lang::Discriminator>::DISCRIMINATOR) {
                Kind::Liquidate
            } else {
                continue;
            };
            let named = ix.accounts.iter().filter_map(|&i| keys.get(i as usize)).filter(|k| self.margins.contains(k));
            out.push((kind, named.copied().collect()));
        }
        out
    }

    /// The margin accounts `keys` now (those that read and decode).
    async fn read(&self, keys: &[Pubkey]) -> BTreeMap<Pubkey, MarginAccount> {
        if keys.is_empty() {
            return BTreeMap::new();
        }
        let Ok(accounts) = self.inner.get_multiple_accounts(keys).await else { return BTreeMap::new() };
        let decoded = keys
            .iter()
            .zip(accounts)
            .filter_map(|(k, a)| Some((*k, ballast_client::decode::zero_copy::<MarginAccount>(&a?.data).ok()?)));
        decoded.collect()
    }
}

impl<B: Backend> Backend for Recorder<B> {
    async fn get_account(&self, key: &Pubkey) -> BackendResult<Option<Account>> {
        self.inner.get_account(key).await
    }

    async fn get_multiple_accounts(&self, keys: &[Pubkey]) -> BackendResult<Vec<Option<Account>>> {
        self.inner.get_multiple_accounts(keys).await
    }

    async fn get_program_accounts(
        &self,
        program: &Pubkey,
        filters: &[Filter],
    ) -> BackendResult<Vec<(Pubkey, Account)>> {
        self.inner.get_program_accounts(program, filters).await
    }

    async fn latest_blockhash(&self) -> BackendResult<Hash> {
        self.inner.latest_blockhash().await
    }

    async fn send(&self, tx: &Transaction) -> BackendResult<Landed> {
        let closes = self.closes(tx);
        let watched = |k: Kind| -> Vec<Pubkey> {
            closes.iter().filter(|(c, _)| *c == k).flat_map(|(_, a)| a.iter().copied()).collect()
        };
        let (adl, triggers) = (watched(Kind::Adl), watched(Kind::Trigger));
        let before = self.read(&[adl.as_slice(), triggers.as_slice()].concat()).await;
        let result = self.inner.send(tx).await;
        match &result {
            Ok(landed) => {
                let after = self.read(&triggers).await;
                let mut ledger = lock(&self.ledger);
                for d in ledger.landed(&landed.logs) {
                    match before.get(&d.account) {
                        Some(b) => ledger.check_adl(&d, b),
                        None => {
                            ledger.violation(format!("auto_deleverage of {}, not an account of the run", d.account))
                        }
                    }
                }
                for k in &triggers {
                    if let (Some(b), Some(a)) = (before.get(k), after.get(k)) {
                        ledger.book(*k, a.unsettled_pnl.saturating_sub(b.unsettled_pnl));
                    }
                }
            }
            Err(e @ BackendError::Rejected { .. }) if e.program_error_name() == Some("PoolInsufficient") => {
                if let Some((kind, accounts)) = closes.first() {
                    lock(&self.ledger).close_refused(&format!("the keeper's {kind:?} of {accounts:?}"));
                }
            }
            Err(_) => {}
        }
        result
    }

    async fn clock(&self) -> BackendResult<Clock> {
        self.inner.clock().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_what_the_runtime_logs() {
        assert_eq!(base64("AQIDBA=="), Some(vec![1, 2, 3, 4]));
        assert_eq!(base64("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64("+/8A"), Some(vec![0xfb, 0xff, 0]));
        assert_eq!(base64("a!"), None);
    }
}
