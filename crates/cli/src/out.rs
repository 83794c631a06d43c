//! Where results are printed. The programs run natively inside the
//! embedded bank, and natively Solana's `msg!` prints every program log
//! line to the process's stdout; `--output json` must stay one clean
//! document. So with `-u embedded` the real stdout is kept aside for
//! results and file descriptor 1 is pointed at `/dev/null` while the bank
//! runs.

use std::fs::File;
use std::io::Write;
use std::sync::{Mutex, OnceLock};

static OUT: OnceLock<Mutex<File>> = OnceLock::new();

/// Keep the real stdout for results and send everything else written to
/// file descriptor 1 (program logs) to `/dev/null`.
#[cfg(unix)]
pub fn quiet_program_logs() -> std::io::Result<()> {
    use std::os::fd::{AsFd, AsRawFd};
    std::io::stdout().flush()?;
    let real = File::from(std::io::stdout().as_fd().try_clone_to_owned()?);
    let null = File::options().write(true).open("/dev/null")?;
    // SAFETY: dup2 on two open descriptors owned by this process.
    if unsafe { libc::dup2(null.as_raw_fd(), 1) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let _ = OUT.set(Mutex::new(real));
    Ok(())
}

/// Elsewhere program logs are not redirected.
#[cfg(not(unix))]
pub fn quiet_program_logs() -> std::io::Result<()> {
    Ok(())
}

/// Print one result line (or block) to the real stdout.
pub fn line(text: &str) {
    match OUT.get() {
        Some(out) => {
            let mut f = out.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(f, "{text}");
        }
        None => println!("{text}"),
    }
}
