//! Events in native mode.
//!
//! Anchor's `emit!` calls `sol_log_data`. On SBF that is a syscall which the
//! runtime logs as `Program data: <base64>`. In native mode it goes to the
//! process-wide syscall stubs, and solana-program-test 3.1.12's stubs do not
//! implement it (the default prints to stdout), so events never reach the
//! transaction's log messages.
//!
//! [`install`] wraps program-test's stubs with one that delegates everything
//! and forwards `sol_log_data` through `sol_log`, which program-test routes
//! to the log collector: the line reads `Program log: data: <base64> ...`.
//! [`event_payloads`] accepts both that form and the on-chain one.

use solana_sdk::account_info::AccountInfo;
use solana_sdk::entrypoint::ProgramResult;
use solana_sdk::instruction::Instruction;
use solana_sdk::program_stubs::{set_syscall_stubs, SyscallStubs};
use solana_sdk::pubkey::Pubkey;
use std::sync::{Arc, Once, RwLock};

/// Prefix of an event line in native mode (after `Program log: `).
pub const NATIVE_DATA_PREFIX: &str = "Program log: data: ";
/// Prefix of an event line on a real validator.
pub const SBF_DATA_PREFIX: &str = "Program data: ";

struct EventStubs(Arc<RwLock<Option<Box<dyn SyscallStubs>>>>);

impl EventStubs {
    fn with<R>(&self, f: impl FnOnce(&dyn SyscallStubs) -> R) -> R {
        let guard = self.0.read().expect("stubs lock");
        f(guard.as_deref().expect("inner stubs installed"))
    }
}

impl SyscallStubs for EventStubs {
    fn sol_log(&self, message: &str) {
        self.with(|s| s.sol_log(message))
    }
    fn sol_log_compute_units(&self) {
        self.with(|s| s.sol_log_compute_units())
    }
    fn sol_remaining_compute_units(&self) -> u64 {
        self.with(|s| s.sol_remaining_compute_units())
    }
    fn sol_invoke_signed(&self, ix: &Instruction, infos: &[AccountInfo], seeds: &[&[&[u8]]]) -> ProgramResult {
        self.with(|s| s.sol_invoke_signed(ix, infos, seeds))
    }
    fn sol_get_sysvar(&self, id: *const u8, var: *mut u8, off: u64, len: u64) -> u64 {
        self.with(|s| s.sol_get_sysvar(id, var, off, len))
    }
    fn sol_get_clock_sysvar(&self, var: *mut u8) -> u64 {
        self.with(|s| s.sol_get_clock_sysvar(var))
    }
    fn sol_get_epoch_schedule_sysvar(&self, var: *mut u8) -> u64 {
        self.with(|s| s.sol_get_epoch_schedule_sysvar(var))
    }
    fn sol_get_fees_sysvar(&self, var: *mut u8) -> u64 {
        self.with(|s| s.sol_get_fees_sysvar(var))
    }
    fn sol_get_rent_sysvar(&self, var: *mut u8) -> u64 {
        self.with(|s| s.sol_get_rent_sysvar(var))
    }
    fn sol_get_epoch_rewards_sysvar(&self, var: *mut u8) -> u64 {
        self.with(|s| s.sol_get_epoch_rewards_sysvar(var))
    }
    fn sol_get_last_restart_slot(&self, var: *mut u8) -> u64 {
        self.with(|s| s.sol_get_last_restart_slot(var))
    }
    fn sol_get_epoch_stake(&self, vote: *const u8) -> u64 {
        self.with(|s| s.sol_get_epoch_stake(vote))
    }
    unsafe fn sol_memcpy(&self, dst: *mut u8, src: *const u8, n: usize) {
        // SAFETY: forwarded unchanged; the caller upholds the contract.
        self.with(|s| unsafe { s.sol_memcpy(dst, src, n) })
    }
    unsafe fn sol_memmove(&self, dst: *mut u8, src: *const u8, n: usize) {
        // SAFETY: forwarded unchanged; the caller upholds the contract.
        self.with(|s| unsafe { s.sol_memmove(dst, src, n) })
    }
    unsafe fn sol_memcmp(&self, a: *const u8, b: *const u8, n: usize, out: *mut i32) {
        // SAFETY: forwarded unchanged; the caller upholds the contract.
        self.with(|s| unsafe { s.sol_memcmp(a, b, n, out) })
    }
    unsafe fn sol_memset(&self, p: *mut u8, c: u8, n: usize) {
        // SAFETY: forwarded unchanged; the caller upholds the contract.
        self.with(|s| unsafe { s.sol_memset(p, c, n) })
    }
    fn sol_get_return_data(&self) -> Option<(Pubkey, Vec<u8>)> {
        self.with(|s| s.sol_get_return_data())
    }
    fn sol_set_return_data(&self, data: &[u8]) {
        self.with(|s| s.sol_set_return_data(data))
    }
    fn sol_log_data(&self, fields: &[&[u8]]) {
        use base64::Engine;
        let b64: Vec<String> = fields.iter().map(|f| base64::engine::general_purpose::STANDARD.encode(f)).collect();
        self.with(|s| s.sol_log(&format!("data: {}", b64.join(" "))))
    }
    fn sol_get_processed_sibling_instruction(&self, index: usize) -> Option<Instruction> {
        self.with(|s| s.sol_get_processed_sibling_instruction(index))
    }
    fn sol_get_stack_height(&self) -> u64 {
        self.with(|s| s.sol_get_stack_height())
    }
}

/// Wrap the installed stubs once (call after a `ProgramTest` has started, so
/// program-test's own stubs are in place). Calls that race with the swap wait
/// on the lock instead of seeing a half-installed state.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let slot = Arc::new(RwLock::new(None));
        let mut guard = slot.write().expect("stubs lock");
        let previous = set_syscall_stubs(Box::new(EventStubs(slot.clone())));
        *guard = Some(previous);
    });
}

/// The base64 payloads of every event line in `logs` (native or SBF form).
pub fn event_payloads(logs: &[String]) -> impl Iterator<Item = &str> {
    logs.iter()
        .filter_map(|l| l.strip_prefix(NATIVE_DATA_PREFIX).or_else(|| l.strip_prefix(SBF_DATA_PREFIX)))
        .flat_map(|rest| rest.split(' '))
}
