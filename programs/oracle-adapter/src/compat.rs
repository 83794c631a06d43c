//! Runtime calls that must also work natively.
//!
//! On SBF these are Anchor's own paths. Off-chain (native `solana-program-test`
//! runs, the in-process bank of the CLI and stress lab), Anchor 1.2.2's
//! `sol_log_data` and return-data helpers discard their input, so events and
//! return data would vanish. There the same bytes go to the runtime's syscall
//! stubs instead: program-test implements `sol_set_return_data`, and the test
//! harness forwards `sol_log_data` into the transaction's log messages.

/// Emit an Anchor event; visible both on SBF and in native program tests.
#[macro_export]
macro_rules! emit_event {
    ($event:expr) => {{
        #[cfg(target_os = "solana")]
        {
            ::anchor_lang::emit!($event);
        }
        #[cfg(not(target_os = "solana"))]
        {
            let event = $event;
            $crate::compat::native_log_data(&::anchor_lang::Event::data(&event));
        }
    }};
}

/// Native only: pass event bytes to the runtime's `sol_log_data` stub.
#[cfg(not(target_os = "solana"))]
pub fn native_log_data(data: &[u8]) {
    solana_sysvar::program_stubs::sol_log_data(&[data]);
}

/// Set the instruction's return data (SBF syscall, or the runtime stub natively).
pub fn set_return_data(data: &[u8]) {
    #[cfg(target_os = "solana")]
    anchor_lang::solana_program::program::set_return_data(data);
    #[cfg(not(target_os = "solana"))]
    solana_sysvar::program_stubs::sol_set_return_data(data);
}
