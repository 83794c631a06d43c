//! Emitting events that native tests can see.
//!
//! On SBF, [`emit_event!`] is exactly Anchor's `emit!` (`sol_log_data`, logged
//! as `Program data: <base64>`). Off-chain, Anchor 1.2.2's `sol_log_data`
//! discards its input, so native `solana-program-test` runs would lose every
//! event; there the macro hands the same bytes to the runtime's syscall stubs,
//! which the test harness forwards into the transaction's log messages.

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
            $crate::event_log::native_log_data(&::anchor_lang::Event::data(&event));
        }
    }};
}

/// Native only: pass event bytes to the runtime's `sol_log_data` stub.
#[cfg(not(target_os = "solana"))]
pub fn native_log_data(data: &[u8]) {
    solana_sysvar::program_stubs::sol_log_data(&[data]);
}
