//! Where the off-chain tools read accounts and send transactions: a cluster
//! over JSON-RPC ([`rpc::RpcBackend`]) or an in-process bank
//! ([`bank::BankBackend`]). The keeper, the CLI and the stress lab are
//! written against [`Backend`] only.
//!
//! Errors are split by what a caller should do about them: a
//! [`BackendError::Transport`] failure may succeed when retried; a
//! [`BackendError::Rejected`] transaction was executed and refused, so
//! sending it again cannot help.

pub mod bank;
pub mod rpc;

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::transaction::{Transaction, TransactionError};

/// A `getProgramAccounts` filter, with RPC semantics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    /// The account data is exactly this long.
    DataSize(u64),
    /// The account data holds `bytes` at `offset`.
    Memcmp {
        /// Byte offset into the account data.
        offset: usize,
        /// Bytes to match.
        bytes: Vec<u8>,
    },
}

impl Filter {
    /// Whether `data` passes the filter.
    pub fn matches(&self, data: &[u8]) -> bool {
        match self {
            Filter::DataSize(len) => data.len() as u64 == *len,
            Filter::Memcmp { offset, bytes } => {
                offset.checked_add(bytes.len()).and_then(|end| data.get(*offset..end)) == Some(bytes.as_slice())
            }
        }
    }

    /// The filters selecting every account of zero-copy type `T`: its
    /// discriminator at offset 0 and its exact length.
    pub fn zero_copy<T: anchor_lang::ZeroCopy + anchor_lang::Discriminator>() -> Vec<Filter> {
        vec![
            Filter::DataSize(8 + core::mem::size_of::<T>() as u64),
            Filter::Memcmp { offset: 0, bytes: T::DISCRIMINATOR.to_vec() },
        ]
    }
}

/// Why a backend call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendError {
    /// The request did not complete (network, timeout, node unhealthy). The
    /// transaction, if any, may or may not have landed; a retry may succeed.
    Transport(String),
    /// The transaction was executed and refused by the runtime or a program.
    Rejected {
        /// The runtime's error.
        error: TransactionError,
        /// Program of the failing instruction, when the error names one.
        program: Option<Pubkey>,
    },
}

impl BackendError {
    /// `error` of `tx`, with the failing instruction's program resolved.
    pub fn rejected(tx: &Transaction, error: TransactionError) -> BackendError {
        let program = match &error {
            TransactionError::InstructionError(i, _) => tx
                .message
                .instructions
                .get(*i as usize)
                .and_then(|ix| tx.message.account_keys.get(ix.program_id_index as usize))
                .copied(),
            _ => None,
        };
        BackendError::Rejected { error, program }
    }

    /// The program error's IDL name (`NotLiquidatable`), if it is one of ours.
    pub fn program_error_name(&self) -> Option<&'static str> {
        match self {
            BackendError::Rejected {
                error: TransactionError::InstructionError(_, solana_sdk::instruction::InstructionError::Custom(code)),
                program: Some(p),
            } => crate::errors::program_error(p, *code).map(|e| e.name.as_str()),
            _ => None,
        }
    }
}

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackendError::Transport(e) => write!(f, "transport error: {e}"),
            BackendError::Rejected { error, program } => {
                write!(f, "transaction rejected: {}", crate::errors::describe(error, program.as_ref()))
            }
        }
    }
}

impl std::error::Error for BackendError {}

/// Result of a backend call.
pub type BackendResult<T> = Result<T, BackendError>;

/// A landed transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Landed {
    /// Program logs, when the backend returns them (the bank always does;
    /// RPC does not without a second request, so it returns none).
    pub logs: Vec<String>,
}

/// Reads and writes of a Solana ledger. All methods take `&self` so a
/// backend can be shared; implementations are internally synchronised.
#[allow(async_fn_in_trait)] // used generically, never as `dyn`, on one task
pub trait Backend {
    /// One account, `None` if it does not exist.
    async fn get_account(&self, key: &Pubkey) -> BackendResult<Option<Account>>;
    /// Several accounts, in the order of `keys`.
    async fn get_multiple_accounts(&self, keys: &[Pubkey]) -> BackendResult<Vec<Option<Account>>>;
    /// Every account owned by `program` that passes all `filters`.
    async fn get_program_accounts(&self, program: &Pubkey, filters: &[Filter])
        -> BackendResult<Vec<(Pubkey, Account)>>;
    /// A recent blockhash to sign with.
    async fn latest_blockhash(&self) -> BackendResult<Hash>;
    /// Send a signed transaction and wait until it is confirmed or refused.
    /// A transaction that already landed (a retry after a lost reply) is
    /// reported as landed, not as an error.
    async fn send(&self, tx: &Transaction) -> BackendResult<Landed>;
    /// The cluster's clock sysvar.
    async fn clock(&self) -> BackendResult<Clock>;
}
