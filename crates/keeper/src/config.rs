//! Keeper configuration: defaults, then a TOML file, then command-line flags.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// This keeper's share of the account space: accounts whose key, read as a
/// little-endian `u64` from its first 8 bytes, is `index` modulo `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This keeper's index, `0..count`.
    pub index: u64,
    /// How many keepers share the space.
    pub count: u64,
}

impl Shard {
    /// The whole space.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether `key` belongs to this shard.
    pub fn owns(&self, key: &anchor_lang::prelude::Pubkey) -> bool {
        let head = u64::from_le_bytes(key.to_bytes()[..8].try_into().expect("32-byte key"));
        head % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = anyhow::Error;

    /// `K/N` with `0 <= K < N`.
    fn from_str(s: &str) -> Result<Shard> {
        let (k, n) = s.split_once('/').with_context(|| format!("shard `{s}` is not of the form K/N (e.g. 0/4)"))?;
        let index: u64 = k.trim().parse().with_context(|| format!("shard index `{k}` is not a number"))?;
        let count: u64 = n.trim().parse().with_context(|| format!("shard count `{n}` is not a number"))?;
        if count == 0 || index >= count {
            bail!("shard `{s}`: need 0 <= K < N");
        }
        Ok(Shard { index, count })
    }
}

impl<'de> Deserialize<'de> for Shard {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Shard, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Everything the keeper loop needs besides its backend and key.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// JSON-RPC URL (or a moniker: mainnet-beta, devnet, testnet, localhost).
    pub url: String,
    /// Keypair file of the keeper (pays fees, signs, earns rewards).
    pub keypair: String,
    /// Token account receiving rewards; default: the keeper's associated
    /// token account of the collateral mint.
    pub reward_account: Option<String>,
    /// Adapter feeds (by symbol) to refresh every tick.
    pub feeds: Vec<String>,
    /// Milliseconds between ticks.
    pub interval_ms: u64,
    /// Accounts liquidated per transaction.
    pub accounts_per_tx: usize,
    /// Accounts liquidated per tick.
    pub accounts_per_tick: usize,
    /// `liquidate` calls per account per tick (each closes at most the
    /// market's per-call fraction).
    pub calls_per_account: usize,
    /// Smallest trigger fee worth executing a trigger for.
    /// precision: QUOTE_PRECISION (0: every trigger).
    pub min_trigger_fee: u64,
    /// Smallest `settle_pnl` payment worth a transaction (one that nets a
    /// deficit or settles the claim whole is always sent).
    /// precision: QUOTE_PRECISION.
    pub min_settlement: u64,
    /// Slots after which a market's funding indexes are cranked
    /// (`update_funding`) when nothing touched it.
    pub funding_interval_slots: u64,
    /// Retries of a request that failed in transport.
    pub retries: u32,
    /// First backoff in milliseconds; doubled per retry, at most 30 s.
    pub backoff_ms: u64,
    /// Per-request timeout in milliseconds (RPC).
    pub timeout_ms: u64,
    /// This keeper's shard.
    pub shard: Shard,
    /// Commitment: processed, confirmed or finalized.
    pub commitment: String,
    /// Serve Prometheus metrics and `/healthz` on this address
    /// (`127.0.0.1:9464`); none: no server.
    pub metrics: Option<String>,
    /// `/healthz` fails once no tick has succeeded for this many seconds.
    pub healthz_max_silence_secs: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            url: "http://127.0.0.1:8899".into(),
            keypair: "~/.config/solana/id.json".into(),
            reward_account: None,
            feeds: Vec::new(),
            interval_ms: 2_000,
            accounts_per_tx: 4,
            accounts_per_tick: 64,
            calls_per_account: 4,
            min_trigger_fee: 0,
            min_settlement: 1_000_000,
            funding_interval_slots: 150,
            retries: 5,
            backoff_ms: 250,
            timeout_ms: 30_000,
            shard: Shard::ALL,
            commitment: "confirmed".into(),
            metrics: None,
            healthz_max_silence_secs: 60,
        }
    }
}

impl Config {
    /// Read a TOML file (any subset of the fields; the rest default).
    pub fn from_file(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read config {}", path.display()))?;
        let config: Config = toml::from_str(&text).with_context(|| format!("invalid config {}", path.display()))?;
        config.validate()?;
        Ok(config)
    }

    /// Refuse limits that would make the keeper do nothing or loop forever.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("accounts_per_tx", self.accounts_per_tx),
            ("accounts_per_tick", self.accounts_per_tick),
            ("calls_per_account", self.calls_per_account),
        ] {
            if v == 0 {
                bail!("{name} must be at least 1");
            }
        }
        if self.calls_per_account.saturating_mul(self.accounts_per_tx) > 16 {
            bail!(
                "calls_per_account x accounts_per_tx must be at most 16 (one transaction's account and compute limits)"
            );
        }
        if self.interval_ms == 0 || self.timeout_ms == 0 {
            bail!("interval_ms and timeout_ms must be positive");
        }
        if let Some(addr) = &self.metrics {
            addr.parse::<std::net::SocketAddr>()
                .with_context(|| format!("metrics address `{addr}` is not IP:PORT (e.g. 127.0.0.1:9464)"))?;
        }
        if self.healthz_max_silence_secs == 0 {
            bail!("healthz_max_silence_secs must be at least 1");
        }
        Ok(())
    }

    /// The URL with Solana CLI monikers expanded.
    pub fn rpc_url(&self) -> String {
        ballast_client::cli_config::rpc_url(&self.url)
    }

    /// The keypair path with a leading `~` expanded.
    pub fn keypair_path(&self) -> std::path::PathBuf {
        ballast_client::cli_config::expand_home(&self.keypair)
    }

    /// Backoff before retry `attempt` (0-based): doubling, at most 30 s.
    pub fn backoff(&self, attempt: u32) -> Duration {
        Duration::from_millis(self.backoff_ms.saturating_mul(1u64 << attempt.min(16)).min(30_000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_strictly_and_partition_the_key_space() {
        assert_eq!("1/4".parse::<Shard>().unwrap(), Shard { index: 1, count: 4 });
        for bad in ["4/4", "1/0", "x/2", "1", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let shards: Vec<Shard> = (0..4).map(|k| Shard { index: k, count: 4 }).collect();
        for i in 0..1_000u32 {
            let key = anchor_lang::prelude::Pubkey::new_from_array(core::array::from_fn(|b| (i >> (b % 4)) as u8));
            assert_eq!(shards.iter().filter(|s| s.owns(&key)).count(), 1, "every key in exactly one shard");
        }
    }

    #[test]
    fn a_toml_file_overrides_defaults_and_unknown_or_zero_fields_are_refused() {
        let c: Config = toml::from_str("feeds = [\"SOL\"]\nshard = \"2/3\"\naccounts_per_tx = 2").unwrap();
        assert_eq!(
            (c.feeds.clone(), c.shard, c.accounts_per_tx),
            (vec!["SOL".to_string()], Shard { index: 2, count: 3 }, 2)
        );
        assert_eq!(c.interval_ms, Config::default().interval_ms);
        assert!(toml::from_str::<Config>("acounts_per_tx = 2").is_err(), "a typo is an error, not a default");
        assert!(toml::from_str::<Config>("shard = \"3/3\"").is_err());
        let zero = Config { accounts_per_tick: 0, ..Config::default() };
        assert_eq!(zero.validate().unwrap_err().to_string(), "accounts_per_tick must be at least 1");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let c = Config { backoff_ms: 100, ..Config::default() };
        assert_eq!([c.backoff(0), c.backoff(3)], [Duration::from_millis(100), Duration::from_millis(800)]);
        assert_eq!(c.backoff(40), Duration::from_secs(30));
    }
}
