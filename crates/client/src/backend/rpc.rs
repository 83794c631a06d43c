//! A cluster over JSON-RPC as a [`Backend`] (the Solana 3.x nonblocking
//! RPC client).

use super::{Backend, BackendError, BackendResult, Filter, Landed};
use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::Error as ClientError;
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::transaction::{Transaction, TransactionError};
use std::time::Duration;

/// `getMultipleAccounts` takes at most this many keys per request.
const MAX_MULTIPLE_ACCOUNTS: usize = 100;

/// A JSON-RPC endpoint.
pub struct RpcBackend {
    client: RpcClient,
}

impl RpcBackend {
    /// A client of `url` at `commitment`, giving up on a request after `timeout`.
    pub fn new(url: &str, commitment: CommitmentConfig, timeout: Duration) -> RpcBackend {
        RpcBackend { client: RpcClient::new_with_timeout_and_commitment(url.to_string(), timeout, commitment) }
    }

    /// The endpoint's URL.
    pub fn url(&self) -> String {
        self.client.url()
    }
}

fn transport(e: ClientError) -> BackendError {
    BackendError::Transport(e.to_string())
}

/// The RPC form of a filter.
pub fn rpc_filter(f: &Filter) -> RpcFilterType {
    match f {
        Filter::DataSize(n) => RpcFilterType::DataSize(*n),
        Filter::Memcmp { offset, bytes } => RpcFilterType::Memcmp(Memcmp::new_base58_encoded(*offset, bytes)),
    }
}

/// Decode the `Clock` sysvar's bincode layout (five 8-byte fields).
fn decode_clock(data: &[u8]) -> Option<Clock> {
    let word = |i: usize| data.get(i * 8..i * 8 + 8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
    Some(Clock {
        slot: word(0)?,
        epoch_start_timestamp: word(1)? as i64,
        epoch: word(2)?,
        leader_schedule_epoch: word(3)?,
        unix_timestamp: word(4)? as i64,
    })
}

impl Backend for RpcBackend {
    async fn get_account(&self, key: &Pubkey) -> BackendResult<Option<Account>> {
        let res = self.client.get_account_with_commitment(key, self.client.commitment()).await.map_err(transport)?;
        Ok(res.value)
    }

    async fn get_multiple_accounts(&self, keys: &[Pubkey]) -> BackendResult<Vec<Option<Account>>> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MAX_MULTIPLE_ACCOUNTS) {
            out.extend(self.client.get_multiple_accounts(chunk).await.map_err(transport)?);
        }
        Ok(out)
    }

    async fn get_program_accounts(
        &self,
        program: &Pubkey,
        filters: &[Filter],
    ) -> BackendResult<Vec<(Pubkey, Account)>> {
        let config = RpcProgramAccountsConfig {
            filters: Some(filters.iter().map(rpc_filter).collect()),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(self.client.commitment()),
                ..RpcAccountInfoConfig::default()
            },
            ..RpcProgramAccountsConfig::default()
        };
        let ui = self.client.get_program_ui_accounts_with_config(program, config).await.map_err(transport)?;
        ui.into_iter()
            .map(|(key, a)| match a.decode::<Account>() {
                Some(acc) => Ok((key, acc)),
                None => Err(BackendError::Transport(format!("account {key} came back in an undecodable encoding"))),
            })
            .collect()
    }

    async fn latest_blockhash(&self) -> BackendResult<Hash> {
        self.client.get_latest_blockhash().await.map_err(transport)
    }

    async fn send(&self, tx: &Transaction) -> BackendResult<Landed> {
        match self.client.send_and_confirm_transaction(tx).await {
            Ok(_) => Ok(Landed::default()),
            Err(e) => match e.get_transaction_error() {
                Some(TransactionError::AlreadyProcessed) => Ok(Landed::default()),
                Some(err) => Err(BackendError::rejected(tx, err)),
                None => Err(transport(e)),
            },
        }
    }

    async fn clock(&self) -> BackendResult<Clock> {
        let acc = self.get_account(&solana_sdk::sysvar::clock::ID).await?;
        acc.and_then(|a| decode_clock(&a.data))
            .ok_or_else(|| BackendError::Transport("the node returned no readable Clock sysvar".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_sysvar_layout_decodes_field_by_field() {
        let c = Clock { slot: 1, epoch_start_timestamp: -2, epoch: 3, leader_schedule_epoch: 4, unix_timestamp: 5 };
        let mut data = Vec::new();
        for w in [1u64, (-2i64) as u64, 3, 4, 5] {
            data.extend_from_slice(&w.to_le_bytes());
        }
        assert_eq!(decode_clock(&data), Some(c));
        assert_eq!(decode_clock(&data[..39]), None, "short data is refused");
    }

    #[test]
    fn filters_translate_to_their_rpc_form() {
        let f = Filter::Memcmp { offset: 4, bytes: vec![1, 2, 3] };
        let RpcFilterType::Memcmp(m) = rpc_filter(&f) else { panic!("a memcmp filter") };
        assert_eq!((m.offset(), m.bytes().map(|b| b.into_owned())), (4, Some(vec![1, 2, 3])));
        assert!(m.bytes_match(&[0, 0, 0, 0, 1, 2, 3]) && !m.bytes_match(&[0, 0, 0, 0, 1, 2]));
        assert!(f.matches(&[0, 0, 0, 0, 1, 2, 3]) && !f.matches(&[0, 0, 0, 0, 1, 2]), "same semantics locally");
        assert_eq!(rpc_filter(&Filter::DataSize(440)), RpcFilterType::DataSize(440));
    }
}
