//! Context builder, transaction helpers and clock control.

use anchor_lang::solana_program::account_info::AccountInfo;
use anchor_lang::solana_program::entrypoint::ProgramResult;
use ballast_client::backend::bank::{AccountIndex, BankBackend};
use solana_program_test::{
    processor, BanksClientError, BanksTransactionResultWithMetadata, ProgramTest, ProgramTestContext,
};
use solana_sdk::account::{Account, AccountSharedData};
use solana_sdk::clock::Clock;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::{Transaction, TransactionError};

/// Wrap an Anchor program's `entry` into the `ProcessInstruction` shape that
/// `processor!` expects. Anchor ties all arguments to one `'info` lifetime
/// (and `AccountInfo<'info>` is invariant), while the runtime hands out
/// independent lifetimes; all of them outlive the call, so widening them for
/// its duration is sound.
macro_rules! anchor_processor {
    ($name:ident, $program:path) => {
        fn $name<'a, 'b, 'c, 'd>(
            program_id: &'a Pubkey,
            accounts: &'b [AccountInfo<'c>],
            data: &'d [u8],
        ) -> ProgramResult {
            use $program as program;
            // SAFETY: see the macro's doc; nothing escapes the call.
            let accounts: &'c [AccountInfo<'c>] = unsafe { core::mem::transmute(accounts) };
            let program_id: &'c Pubkey = unsafe { core::mem::transmute(program_id) };
            let data: &'c [u8] = unsafe { core::mem::transmute(data) };
            program::entry(program_id, accounts, data)
        }
    };
}

anchor_processor!(oracle_adapter_processor, oracle_adapter);
anchor_processor!(margin_engine_processor, margin_engine);

thread_local! {
    static NEXT_KEY: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
}

/// A keypair from this thread's counter: the same sequence on every run of
/// a thread (the cost benchmark needs identical keys), whatever other
/// threads do. A bank's setup must stay on one thread (the current-thread
/// runtimes here do), or its keys could repeat.
pub fn keypair() -> Keypair {
    let n = NEXT_KEY.with(|c| {
        let n = c.get();
        c.set(n.wrapping_add(1));
        n
    });
    let mut secret = [7u8; 32];
    secret[..8].copy_from_slice(&n.to_le_bytes());
    Keypair::new_from_array(secret)
}

/// Start this thread's key sequence again: a stress run calls it first,
/// so every run of a scenario has the same keys (the same agents, in the
/// same order) whatever ran before it or beside it.
pub fn restart_keys() {
    NEXT_KEY.with(|c| c.set(1));
}

/// Whether the bank loads the programs' SBF builds instead of their
/// native processors: `BALLAST_SBF=1` (set by `.github/workflows/sbf.yml`
/// after `anchor build`). Native is the default, and what CI here runs.
pub fn sbf_mode() -> bool {
    std::env::var("BALLAST_SBF").is_ok_and(|v| v == "1")
}

/// Builds a [`TestContext`] with both programs as native processors, or,
/// in [`sbf_mode`], as their SBF builds.
pub struct ContextBuilder {
    program_test: ProgramTest,
    index: AccountIndex,
}

impl Default for ContextBuilder {
    fn default() -> Self {
        ContextBuilder::new()
    }
}

impl ContextBuilder {
    /// A program test with the Ballast programs registered natively (the SPL
    /// Token program is the real SBF binary bundled with program-test). In
    /// [`sbf_mode`] it loads `oracle_adapter.so` and `margin_engine.so`
    /// from `SBF_OUT_DIR` (default: the workspace's `target/deploy`), with
    /// no native fallback: a missing build fails the start rather than
    /// silently testing the native code.
    pub fn new() -> ContextBuilder {
        let mut program_test = ProgramTest::default();
        if sbf_mode() {
            if std::env::var_os("SBF_OUT_DIR").is_none() {
                let deploy = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/deploy");
                // SAFETY: set once, before the bank starts any thread.
                unsafe { std::env::set_var("SBF_OUT_DIR", deploy) };
            }
            program_test.prefer_bpf(true);
            program_test.add_program("oracle_adapter", oracle_adapter::ID, None);
            program_test.add_program("margin_engine", margin_engine::ID, None);
        } else {
            program_test.prefer_bpf(false);
            program_test.add_program("oracle_adapter", oracle_adapter::ID, processor!(oracle_adapter_processor));
            program_test.add_program("margin_engine", margin_engine::ID, processor!(margin_engine_processor));
        }
        ContextBuilder { program_test, index: AccountIndex::default() }
    }

    /// Also register the test-only [`gov_proxy`](crate::gov_proxy) program
    /// (a PDA signer standing in for a multisig vault).
    pub fn gov_proxy(mut self) -> ContextBuilder {
        self.program_test.add_program("gov_proxy", crate::gov_proxy::ID, processor!(crate::gov_proxy::process));
        self
    }

    /// Add an account at genesis.
    pub fn account(mut self, address: Pubkey, account: Account) -> ContextBuilder {
        self.program_test.add_account(address, account);
        self.index.insert(address);
        self
    }

    /// Start the bank.
    pub async fn start(self) -> TestContext {
        let ctx = self.program_test.start_with_context().await;
        crate::native_events::install();
        TestContext { ctx, nonce: 0, index: self.index, bank_slot: 0, nonce_at_warp: 0 }
    }
}

/// A running bank with helpers.
pub struct TestContext {
    /// The program-test context (banks client, payer, blockhash).
    pub ctx: ProgramTestContext,
    nonce: u32,
    /// Every key placed in or named by a transaction to this bank.
    index: AccountIndex,
    /// The slot of the working bank as of the last warp (0 before any).
    bank_slot: u64,
    /// `nonce` at the last warp.
    nonce_at_warp: u32,
}

/// [`TestContext::replay_clock`] moves the bank itself every this many
/// slots (each warp writes the bank's sysvars, about 300 KB, which
/// solana-program-test never cleans)...
pub const REPLAY_WARP_SLOTS: u64 = 4_096;
/// ... or after this many transactions, half the compute-budget nonce's
/// cycle, so that two transactions under one blockhash never share a
/// signature.
pub const REPLAY_WARP_TXS: u32 = 50_000;

impl TestContext {
    /// Every key placed in or named by a transaction to this bank.
    pub fn index(&self) -> &AccountIndex {
        &self.index
    }

    /// A [`Backend`](ballast_client::backend::Backend) over this bank (for
    /// the keeper), sharing this context's account index.
    pub fn backend(&self) -> BankBackend {
        BankBackend::new(self.ctx.banks_client.clone(), self.index.clone())
    }

    /// The fee payer.
    pub fn payer(&self) -> Pubkey {
        self.ctx.payer.pubkey()
    }

    /// Send `ixs` signed by the payer and `signers`, executed synchronously
    /// on the working bank.
    ///
    /// `BanksClient::process_transaction` hands the transaction to a sender
    /// thread and polls its status; it can return before that thread has
    /// released its account locks, so a following transaction may fail with
    /// `AccountInUse` under load. The metadata path executes in place, which
    /// keeps tests deterministic (and skips the status-poll sleep).
    pub async fn process(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<(), BanksClientError> {
        self.process_logged(ixs, signers).await.map(|_| ())
    }

    fn transaction(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Transaction {
        self.nonce = self.nonce.wrapping_add(1);
        let mut all = Vec::with_capacity(ixs.len() + 1);
        all.push(solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
            1_400_000 - (self.nonce % 100_000),
        ));
        all.extend_from_slice(ixs);
        let mut keys: Vec<&Keypair> = vec![&self.ctx.payer];
        keys.extend_from_slice(signers);
        let tx =
            Transaction::new_signed_with_payer(&all, Some(&self.ctx.payer.pubkey()), &keys, self.ctx.last_blockhash);
        self.index.observe(&tx);
        tx
    }

    /// Execute `ixs`; the bank's simulated PoH keeps moving, so a long test
    /// outlives a blockhash: on `BlockhashNotFound` take the latest and
    /// send once more (a new transaction: the nonce changes).
    async fn execute(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<BanksTransactionResultWithMetadata, BanksClientError> {
        let tx = self.transaction(ixs, signers);
        let mut res = self.ctx.banks_client.process_transaction_with_metadata(tx.clone()).await;
        // Again once it ran (see `AccountIndex::changed_since`).
        self.index.observe(&tx);
        if matches!(&res, Ok(r) if r.result == Err(TransactionError::BlockhashNotFound)) {
            self.ctx.last_blockhash = self.ctx.banks_client.get_latest_blockhash().await?;
            let tx = self.transaction(ixs, signers);
            res = self.ctx.banks_client.process_transaction_with_metadata(tx.clone()).await;
            self.index.observe(&tx);
        }
        let res = res?;
        res.result.clone().map_err(BanksClientError::TransactionError)?;
        Ok(res)
    }

    /// Like [`TestContext::process`], returning the log messages on success
    /// and the transaction error on failure.
    pub async fn process_logged(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<String>, BanksClientError> {
        let meta = self.execute(ixs, signers).await?;
        Ok(meta.metadata.map(|m| m.log_messages).unwrap_or_default())
    }

    /// Like [`TestContext::process`], returning the compute units the
    /// transaction consumed (real units in [`sbf_mode`]; natively the
    /// runtime meters only the SBF programs, such as SPL Token).
    pub async fn process_metered(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<u64, BanksClientError> {
        let meta = self.execute(ixs, signers).await?;
        Ok(meta.metadata.map_or(0, |m| m.compute_units_consumed))
    }

    /// Like [`TestContext::process`], returning the program's return data.
    pub async fn process_returning(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<u8>, BanksClientError> {
        let meta = self.execute(ixs, signers).await?;
        Ok(meta.metadata.and_then(|m| m.return_data).map(|r| r.data).unwrap_or_default())
    }

    /// Fetch an account (None if missing).
    pub async fn account(&mut self, address: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*address).await.expect("banks client")
    }

    /// Write an account directly into the bank (fixtures, dumps).
    pub fn set_account(&mut self, address: &Pubkey, account: &Account) {
        self.ctx.set_account(address, &AccountSharedData::from(account.clone()));
        self.index.insert(*address);
    }

    /// The current clock.
    pub async fn clock(&mut self) -> Clock {
        self.ctx.banks_client.get_sysvar::<Clock>().await.expect("clock sysvar")
    }

    /// Move to `slot` (only forwards) and set the clock's unix time to
    /// `unix_timestamp`. Deterministic: no wall-clock waits.
    pub async fn set_clock(&mut self, slot: u64, unix_timestamp: i64) {
        let current = self.clock().await.slot;
        if slot > current {
            self.ctx.warp_to_slot(slot).expect("warp_to_slot");
            self.bank_slot = slot;
            self.nonce_at_warp = self.nonce;
        }
        let mut clock = self.clock().await;
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
    }

    /// Move the clock to `slot` (only forwards) and `unix_timestamp` for a
    /// long replay, where programs see only the Clock sysvar. The bank
    /// itself moves (a warp, and a fresh blockhash for the transactions
    /// that follow) only every [`REPLAY_WARP_SLOTS`] slots or
    /// [`REPLAY_WARP_TXS`] transactions; in between only the sysvar does.
    /// solana-program-test never cleans old slots, so a warp per slot kept
    /// every slot's sysvars and written accounts: the lab's memory grew
    /// about 150 KB a slot. Programs see the same clock either way.
    pub async fn replay_clock(&mut self, slot: u64, unix_timestamp: i64) {
        let due = slot >= self.bank_slot.saturating_add(REPLAY_WARP_SLOTS)
            || self.nonce.wrapping_sub(self.nonce_at_warp) >= REPLAY_WARP_TXS;
        if due {
            // The warp also takes the new bank's blockhash.
            self.set_clock(slot, unix_timestamp).await;
            return;
        }
        let mut clock = self.clock().await;
        if slot > clock.slot {
            clock.slot = slot;
        }
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
    }

    /// Advance by `slots` slots and `secs` seconds.
    pub async fn advance(&mut self, slots: u64, secs: i64) {
        let c = self.clock().await;
        self.set_clock(c.slot + slots, c.unix_timestamp + secs).await;
    }
}
