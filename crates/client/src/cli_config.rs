//! Solana CLI conventions shared by `ballast` and `ballast-keeper`: cluster
//! monikers and keypair files.

use anyhow::{Context, Result};
use solana_sdk::signature::Keypair;
use std::path::{Path, PathBuf};

/// A URL with the Solana CLI monikers expanded (`mainnet-beta`, `devnet`,
/// `testnet`, `localhost`, and their first letters).
pub fn rpc_url(url: &str) -> String {
    match url {
        "mainnet-beta" | "m" => "https://api.mainnet-beta.solana.com".into(),
        "devnet" | "d" => "https://api.devnet.solana.com".into(),
        "testnet" | "t" => "https://api.testnet.solana.com".into(),
        "localhost" | "l" => "http://127.0.0.1:8899".into(),
        url => url.into(),
    }
}

/// `path` with a leading `~/` expanded to `$HOME`.
pub fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => path.into(),
    }
}

/// Read a Solana CLI keypair file (a JSON array of 64 bytes).
pub fn read_keypair(path: &Path) -> Result<Keypair> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!("cannot read keypair {} (create one with `solana-keygen new -o {}`)", path.display(), path.display())
    })?;
    let bytes: Vec<u8> =
        serde_json::from_str(&text).with_context(|| format!("keypair {} is not a JSON byte array", path.display()))?;
    Keypair::try_from(bytes.as_slice()).map_err(|e| anyhow::anyhow!("keypair {} is invalid: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monikers_expand_and_urls_pass_through() {
        assert_eq!(rpc_url("devnet"), "https://api.devnet.solana.com");
        assert_eq!(rpc_url("l"), "http://127.0.0.1:8899");
        assert_eq!(rpc_url("http://x:1"), "http://x:1");
    }

    #[test]
    fn a_missing_or_malformed_keypair_is_a_clear_error() {
        let missing = read_keypair(Path::new("/nonexistent/k.json")).unwrap_err().to_string();
        assert!(missing.contains("cannot read keypair /nonexistent/k.json"), "{missing}");
        let dir = std::env::temp_dir().join(format!("ballast-kp-{}", std::process::id()));
        std::fs::write(&dir, "[1,2,3]").unwrap();
        assert!(read_keypair(&dir).unwrap_err().to_string().contains("is invalid"));
        std::fs::write(&dir, "not json").unwrap();
        assert!(read_keypair(&dir).unwrap_err().to_string().contains("not a JSON byte array"));
        let _ = std::fs::remove_file(&dir);
    }
}
