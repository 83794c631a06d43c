//! A cluster over JSON-RPC as a [`Backend`] (the Solana 3.x nonblocking
//! RPC client).

use super::{Backend, BackendError, BackendResult, Filter, Landed};
use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_account_decoder_client_types::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::client_error::{Error as ClientError, ErrorKind};
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
    timeout: Option<Duration>,
}

impl RpcBackend {
    /// A client of `url` at `commitment`, giving up on a request after `timeout`.
    pub fn new(url: &str, commitment: CommitmentConfig, timeout: Duration) -> RpcBackend {
        let client = RpcClient::new_with_timeout_and_commitment(url.to_string(), timeout, commitment);
        RpcBackend { client, timeout: Some(timeout) }
    }

    /// A backend over an existing client (a mock in tests).
    pub fn with_client(client: RpcClient) -> RpcBackend {
        RpcBackend { client, timeout: None }
    }

    /// The endpoint's URL.
    pub fn url(&self) -> String {
        self.client.url()
    }
}

impl RpcBackend {
    /// A transport error in words: a timeout or a refused connection names
    /// the endpoint (the client's own text says "error sending request").
    fn transport(&self, e: ClientError) -> BackendError {
        if let ErrorKind::Reqwest(r) = e.kind() {
            if r.is_timeout() {
                let after = self.timeout.map(|t| format!(" after {} s", t.as_secs_f64())).unwrap_or_default();
                return BackendError::Transport(format!("RPC request to {} timed out{after}", self.client.url()));
            }
            if r.is_connect() {
                return BackendError::Transport(format!("cannot connect to the RPC node at {}", self.client.url()));
            }
        }
        BackendError::Transport(e.to_string())
    }
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
        // One key through getMultipleAccounts: `getAccountInfo`'s client
        // wraps transport failures as "AccountNotFound".
        let res = self
            .client
            .get_multiple_accounts_with_commitment(&[*key], self.client.commitment())
            .await
            .map_err(|e| self.transport(e))?;
        Ok(res.value.into_iter().next().flatten())
    }

    async fn get_multiple_accounts(&self, keys: &[Pubkey]) -> BackendResult<Vec<Option<Account>>> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MAX_MULTIPLE_ACCOUNTS) {
            out.extend(self.client.get_multiple_accounts(chunk).await.map_err(|e| self.transport(e))?);
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
        let ui =
            self.client.get_program_ui_accounts_with_config(program, config).await.map_err(|e| self.transport(e))?;
        ui.into_iter()
            .map(|(key, a)| match a.decode::<Account>() {
                Some(acc) => Ok((key, acc)),
                None => Err(BackendError::Transport(format!("account {key} came back in an undecodable encoding"))),
            })
            .collect()
    }

    async fn latest_blockhash(&self) -> BackendResult<Hash> {
        self.client.get_latest_blockhash().await.map_err(|e| self.transport(e))
    }

    async fn send(&self, tx: &Transaction) -> BackendResult<Landed> {
        match self.client.send_and_confirm_transaction(tx).await {
            Ok(_) => Ok(Landed::default()),
            Err(e) => match e.get_transaction_error() {
                Some(TransactionError::AlreadyProcessed) => Ok(Landed::default()),
                Some(err) => Err(BackendError::rejected(tx, err)),
                None => Err(self.transport(e)),
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
    use solana_rpc_client_api::request::RpcRequest;
    use solana_sdk::signature::{Keypair, Signer};

    fn tx() -> Transaction {
        let payer = Keypair::new_from_array([3; 32]);
        let ix = anchor_lang::solana_program::system_instruction::transfer(&payer.pubkey(), &Pubkey::default(), 1);
        Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer], Hash::default())
    }

    #[tokio::test]
    async fn a_program_account_scan_decodes_base64_accounts_from_the_node() {
        let (key, owner) = (Pubkey::new_from_array([1; 32]), Pubkey::new_from_array([2; 32]));
        let reply = serde_json::json!([{
            "pubkey": key.to_string(),
            "account": { "data": ["AQIDBA==", "base64"], "executable": false, "lamports": 7,
                         "owner": owner.to_string(), "rentEpoch": 0, "space": 4 }
        }]);
        let mocks = [(RpcRequest::GetProgramAccounts, reply)].into_iter().collect();
        let backend = RpcBackend::with_client(RpcClient::new_mock_with_mocks("succeeds".into(), mocks));
        let got = backend.get_program_accounts(&owner, &[Filter::DataSize(4)]).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].0, got[0].1.data.clone(), got[0].1.lamports, got[0].1.owner),
            (key, vec![1, 2, 3, 4], 7, owner)
        );
    }

    #[tokio::test]
    async fn a_refused_transaction_is_rejected_with_its_program_and_a_dead_node_is_transport() {
        let refused = RpcBackend::with_client(RpcClient::new_mock("instruction_error".into()));
        let tx = tx();
        match refused.send(&tx).await {
            Err(BackendError::Rejected { error, program }) => {
                assert_eq!(
                    error,
                    TransactionError::InstructionError(
                        0,
                        solana_sdk::instruction::InstructionError::UninitializedAccount
                    )
                );
                assert_eq!(program, Some(anchor_lang::system_program::ID), "the failing instruction's program");
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
        let dead = RpcBackend::with_client(RpcClient::new_mock("fails".into()));
        assert!(matches!(dead.send(&tx).await, Err(BackendError::Transport(_))));
        assert!(matches!(dead.clock().await, Err(BackendError::Transport(_))));
    }

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
