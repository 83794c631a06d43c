//! Where a command runs and who signs: flags first, then the Solana CLI's
//! `~/.config/solana/cli/config.yml` (`json_rpc_url`, `keypair_path`,
//! `commitment`), then the Solana CLI's defaults.

use anyhow::{bail, Context, Result};
use ballast_client::cli_config::{expand_home, rpc_url};
use std::path::{Path, PathBuf};

/// The Solana CLI's default keypair path.
pub const DEFAULT_KEYPAIR: &str = "~/.config/solana/id.json";
/// The Solana CLI's config file.
pub const DEFAULT_CONFIG: &str = "~/.config/solana/cli/config.yml";
/// Where `-u embedded` keeps its ledger unless `--ledger` says otherwise.
pub const DEFAULT_LEDGER: &str = "~/.config/ballast/embedded";

/// The values Ballast reads from a Solana CLI config file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SolanaConfig {
    /// `json_rpc_url`.
    pub url: Option<String>,
    /// `keypair_path`.
    pub keypair: Option<String>,
    /// `commitment`.
    pub commitment: Option<String>,
}

/// Parse the flat `key: value` lines of a Solana CLI `config.yml` (the file
/// `solana config set` writes); other keys are ignored, quotes stripped.
pub fn parse_solana_config(text: &str) -> SolanaConfig {
    let mut c = SolanaConfig::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim().trim_matches(|ch| ch == '"' || ch == '\'').to_string();
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "json_rpc_url" => c.url = Some(value),
            "keypair_path" => c.keypair = Some(value),
            "commitment" => c.commitment = Some(value),
            _ => {}
        }
    }
    c
}

/// Read the Solana CLI config at `path`; a missing file is an empty config,
/// an unreadable one an error.
pub fn read_solana_config(path: &Path) -> Result<SolanaConfig> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(parse_solana_config(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SolanaConfig::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read Solana config {}", path.display())),
    }
}

/// Where commands run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cluster {
    /// A JSON-RPC node.
    Rpc(String),
    /// The embedded in-process bank with its ledger directory.
    Embedded(PathBuf),
}

/// The cluster for `url` (a moniker, `embedded`, or an http(s) URL).
pub fn cluster(url: &str, ledger: Option<&str>) -> Result<Cluster> {
    if matches!(url, "embedded" | "e") {
        return Ok(Cluster::Embedded(expand_home(ledger.unwrap_or(DEFAULT_LEDGER))));
    }
    let resolved = rpc_url(url);
    if !(resolved.starts_with("http://") || resolved.starts_with("https://")) {
        bail!("unknown cluster `{url}`: use mainnet-beta, devnet, testnet, localhost, embedded or an http(s) URL");
    }
    Ok(Cluster::Rpc(resolved))
}

/// Everything resolved: cluster, keypair path, commitment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// Where commands run.
    pub cluster: Cluster,
    /// The signer's keypair file.
    pub keypair: PathBuf,
    /// Commitment for RPC reads and confirmations.
    pub commitment: String,
}

/// Flags over the config file over the defaults.
pub fn resolve(
    url: Option<&str>,
    keypair: Option<&str>,
    commitment: Option<&str>,
    ledger: Option<&str>,
    file: &SolanaConfig,
) -> Result<Resolved> {
    let url = url.or(file.url.as_deref()).unwrap_or("localhost");
    let keypair = keypair.or(file.keypair.as_deref()).unwrap_or(DEFAULT_KEYPAIR);
    let commitment = commitment.or(file.commitment.as_deref()).unwrap_or("confirmed");
    Ok(Resolved { cluster: cluster(url, ledger)?, keypair: expand_home(keypair), commitment: commitment.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "---\njson_rpc_url: \"https://api.devnet.solana.com\"\nwebsocket_url: \"\"\nkeypair_path: /home/u/.config/solana/id.json\naddress_labels:\n  \"11111111111111111111111111111111\": System Program\ncommitment: finalized\n";

    #[test]
    fn the_solana_config_file_is_read_and_flags_win() {
        let file = parse_solana_config(FILE);
        assert_eq!(file.url.as_deref(), Some("https://api.devnet.solana.com"));
        assert_eq!(file.keypair.as_deref(), Some("/home/u/.config/solana/id.json"));
        assert_eq!(file.commitment.as_deref(), Some("finalized"));
        let r = resolve(None, None, None, None, &file).unwrap();
        assert_eq!(r.cluster, Cluster::Rpc("https://api.devnet.solana.com".into()));
        assert_eq!(
            (r.keypair.to_str().unwrap(), r.commitment.as_str()),
            ("/home/u/.config/solana/id.json", "finalized")
        );
        let r = resolve(Some("embedded"), Some("/k.json"), Some("processed"), Some("/tmp/l"), &file).unwrap();
        assert_eq!(r.cluster, Cluster::Embedded("/tmp/l".into()));
        assert_eq!((r.keypair.to_str().unwrap(), r.commitment.as_str()), ("/k.json", "processed"));
        let r = resolve(None, None, None, None, &SolanaConfig::default()).unwrap();
        assert_eq!(r.cluster, Cluster::Rpc("http://127.0.0.1:8899".into()));
    }

    #[test]
    fn an_unknown_cluster_is_refused() {
        let e = cluster("mainnet", None).unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown cluster `mainnet`: use mainnet-beta, devnet, testnet, localhost, embedded or an http(s) URL"
        );
        assert!(read_solana_config(Path::new("/nonexistent/config.yml")).unwrap() == SolanaConfig::default());
    }
}
