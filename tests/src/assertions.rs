//! `assert_error`: the exact error code, and nothing changed.

use crate::context::TestContext;
use solana_program_test::BanksClientError;
use solana_sdk::account::Account;
use solana_sdk::instruction::{Instruction, InstructionError};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::TransactionError;

/// Every account an instruction list touches, except the fee payer (which
/// pays the fee of a failed transaction too) and the programs invoked.
pub fn touched_accounts(ixs: &[Instruction], payer: &Pubkey) -> Vec<Pubkey> {
    let mut keys: Vec<Pubkey> = ixs
        .iter()
        .flat_map(|ix| ix.accounts.iter().map(|m| m.pubkey))
        .filter(|k| k != payer && ixs.iter().all(|ix| &ix.program_id != k))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Accounts as they were at one moment (None = missing).
pub async fn snapshot(tc: &mut TestContext, keys: &[Pubkey]) -> Vec<(Pubkey, Option<Account>)> {
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        out.push((*k, tc.account(k).await));
    }
    out
}

/// The transaction error of a failed `process`.
pub fn tx_error(err: BanksClientError) -> TransactionError {
    match err {
        BanksClientError::TransactionError(e) => e,
        BanksClientError::SimulationError { err, .. } => err,
        other => panic!("expected a transaction error, got {other:?}"),
    }
}

/// Send `ixs` and assert that the last instruction fails with custom error
/// `code`, and that no touched account (data, lamports, owner) and no account
/// in `extra` changed.
pub async fn assert_error(
    tc: &mut TestContext,
    ixs: &[Instruction],
    signers: &[&Keypair],
    code: u32,
    extra: &[Pubkey],
) {
    assert_tx_error(tc, ixs, signers, InstructionError::Custom(code), extra).await
}

/// Like [`assert_error`] for any instruction error (e.g. a runtime error).
pub async fn assert_tx_error(
    tc: &mut TestContext,
    ixs: &[Instruction],
    signers: &[&Keypair],
    expected: InstructionError,
    extra: &[Pubkey],
) {
    let payer = tc.ctx.payer.pubkey();
    let mut keys = touched_accounts(ixs, &payer);
    keys.extend_from_slice(extra);
    let before = snapshot(tc, &keys).await;
    let err = tc.process(ixs, signers).await.expect_err("transaction should fail");
    // Index 0 is the harness's nonce instruction; the failing one is the last.
    let want = TransactionError::InstructionError(ixs.len() as u8, expected);
    assert_eq!(tx_error(err), want);
    let after = snapshot(tc, &keys).await;
    for ((k, b), (_, a)) in before.iter().zip(&after) {
        assert_eq!(b, a, "account {k} changed although the transaction failed");
    }
}
