//! Where the real data lives: the repository's own `data/` (oracle account
//! dumps and crash price files, described in `data/README.md`), unless
//! `BALLAST_DATA_DIR` names another directory.

use std::path::PathBuf;

/// The data directory: `$BALLAST_DATA_DIR`, else the repository's `data/`
/// (found from this crate's source location at build time).
///
/// Panics (fails a test loudly) when the directory has no
/// `oracle-accounts/`: the tests cannot prove anything without the data, and
/// they never skip silently.
pub fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("BALLAST_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data"),
    };
    assert!(
        dir.join("oracle-accounts").is_dir(),
        "the Ballast data directory {} has no oracle-accounts/: restore the repository's data/ or set BALLAST_DATA_DIR",
        dir.display()
    );
    dir
}
