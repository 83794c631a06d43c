//! `ballast-keeper`: run the keeper against a JSON-RPC node.

use anyhow::{bail, Context, Result};
use ballast_client::backend::rpc::RpcBackend;
use ballast_client::backend::Backend;
use ballast_keeper::metrics::Metrics;
use ballast_keeper::scan::load_venue;
use ballast_keeper::{Config, Keeper, Shard};
use clap::Parser;
use solana_commitment_config::CommitmentConfig;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tracing::{error, info};

/// Keep a Ballast venue solvent: refresh feeds, liquidate unhealthy margin
/// accounts worst first within the throttle, resolve bankruptcies.
///
/// Settings come from defaults, then `--config FILE` (TOML, same names with
/// underscores), then these flags. Logs go to stderr; set RUST_LOG (e.g.
/// `RUST_LOG=debug`) for more.
///
/// Examples:
///   ballast-keeper -u devnet -k ~/keeper.json --feed SOL --feed ETH
///   ballast-keeper --config keeper.toml --shard 1/4
///   ballast-keeper -u localhost --once
#[derive(Parser, Debug)]
#[command(name = "ballast-keeper", version, verbatim_doc_comment)]
struct Args {
    /// TOML configuration file.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// RPC URL or moniker: mainnet-beta, devnet, testnet, localhost.
    #[arg(short = 'u', long)]
    url: Option<String>,
    /// Keeper keypair file.
    #[arg(short = 'k', long)]
    keypair: Option<String>,
    /// Reward token account (default: the keeper's associated token account
    /// of the collateral mint).
    #[arg(long, value_name = "PUBKEY")]
    reward_account: Option<String>,
    /// Adapter feed to refresh each tick, by symbol (repeatable).
    #[arg(long = "feed", value_name = "SYMBOL")]
    feeds: Vec<String>,
    /// Milliseconds between ticks.
    #[arg(long)]
    interval_ms: Option<u64>,
    /// Accounts liquidated per transaction.
    #[arg(long)]
    accounts_per_tx: Option<usize>,
    /// Accounts liquidated per tick.
    #[arg(long)]
    accounts_per_tick: Option<usize>,
    /// `liquidate` calls per account per tick.
    #[arg(long)]
    calls_per_account: Option<usize>,
    /// Smallest trigger fee worth executing a trigger for, in collateral
    /// base units (0: every trigger).
    #[arg(long)]
    min_trigger_fee: Option<u64>,
    /// Smallest `settle_pnl` payment worth a transaction, in collateral base
    /// units (default 1 USDC; a payment that settles a claim whole is always
    /// sent).
    #[arg(long)]
    min_settlement: Option<u64>,
    /// Slots after which the keeper cranks `update_funding` when no trade
    /// touched a market (default 150, about a minute).
    #[arg(long)]
    funding_interval_slots: Option<u64>,
    /// Retries of a request that failed in transport.
    #[arg(long)]
    retries: Option<u32>,
    /// First retry backoff in milliseconds (doubles per retry).
    #[arg(long)]
    backoff_ms: Option<u64>,
    /// Per-request timeout in milliseconds.
    #[arg(long)]
    timeout_ms: Option<u64>,
    /// This keeper's share of the accounts: K/N.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// processed, confirmed or finalized.
    #[arg(long)]
    commitment: Option<String>,
    /// Serve Prometheus metrics (`/metrics`) and a health check
    /// (`/healthz`) on IP:PORT, e.g. 127.0.0.1:9464.
    #[arg(long, value_name = "IP:PORT")]
    metrics: Option<String>,
    /// `/healthz` fails once no tick has succeeded for this many seconds.
    #[arg(long)]
    healthz_max_silence_secs: Option<u64>,
    /// Run one tick and exit (non-zero if it failed).
    #[arg(long)]
    once: bool,
}

impl Args {
    fn config(self) -> Result<(Config, bool)> {
        let mut c = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::default(),
        };
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { c.$f = v; } )* };
        }
        set!(url, keypair, interval_ms, accounts_per_tx, accounts_per_tick, calls_per_account);
        set!(
            min_trigger_fee,
            min_settlement,
            funding_interval_slots,
            retries,
            backoff_ms,
            timeout_ms,
            shard,
            commitment,
            healthz_max_silence_secs
        );
        if self.metrics.is_some() {
            c.metrics = self.metrics;
        }
        if self.reward_account.is_some() {
            c.reward_account = self.reward_account;
        }
        if !self.feeds.is_empty() {
            c.feeds = self.feeds;
        }
        c.validate()?;
        Ok((c, self.once))
    }
}

async fn reward_account(backend: &RpcBackend, config: &Config, keeper: &Pubkey) -> Result<Pubkey> {
    let key = match &config.reward_account {
        Some(k) => Pubkey::from_str(k).with_context(|| format!("reward account `{k}` is not a public key"))?,
        None => {
            let venue = load_venue(backend).await.context("cannot read the Ballast exchange on this cluster")?;
            let mint = venue.exchange.collateral_mint;
            anchor_spl::associated_token::get_associated_token_address(keeper, &mint)
        }
    };
    if backend.get_account(&key).await?.is_none() {
        bail!("reward account {key} does not exist; create it (spl-token create-account <collateral mint>) or pass --reward-account");
    }
    Ok(key)
}

async fn run(args: Args) -> Result<()> {
    let (config, once) = args.config()?;
    let commitment = CommitmentConfig::from_str(&config.commitment)
        .map_err(|_| anyhow::anyhow!("commitment `{}`: use processed, confirmed or finalized", config.commitment))?;
    let payer = ballast_client::cli_config::read_keypair(&config.keypair_path())?;
    let backend = RpcBackend::new(&config.rpc_url(), commitment, Duration::from_millis(config.timeout_ms));
    let reward = reward_account(&backend, &config, &payer.pubkey()).await?;
    info!(url = %backend.url(), keeper = %payer.pubkey(), %reward, shard = ?config.shard, "keeper starting");
    let interval = Duration::from_millis(config.interval_ms);
    let metrics = Arc::new(Metrics::new());
    if let Some(addr) = &config.metrics {
        let listener =
            tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot serve metrics on {addr}"))?;
        info!(%addr, "serving /metrics and /healthz");
        let silence = Duration::from_secs(config.healthz_max_silence_secs);
        tokio::spawn(ballast_keeper::metrics::serve(listener, metrics.clone(), silence));
    }
    let mut keeper = Keeper::new(backend, payer, reward, config);
    loop {
        let started = std::time::Instant::now();
        let result = keeper.tick().await;
        metrics.record(&result, started.elapsed(), std::time::SystemTime::now());
        match result {
            Ok(_) if once => return Ok(()),
            Ok(_) => {}
            Err(e) if once => return Err(e),
            Err(e) => error!("tick failed: {e:#}"),
        }
        tokio::time::sleep(interval).await;
    }
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    if let Err(e) = rt.block_on(run(args)) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<(Config, bool)> {
        Args::try_parse_from(std::iter::once("ballast-keeper").chain(args.iter().copied()))?.config()
    }

    #[test]
    fn flags_override_the_toml_file_which_overrides_defaults() {
        let dir = std::env::temp_dir().join(format!("ballast-keeper-{}.toml", std::process::id()));
        std::fs::write(&dir, "url = \"devnet\"\nfeeds = [\"SOL\"]\naccounts_per_tx = 2\nshard = \"1/2\"\n").unwrap();
        let path = dir.to_str().unwrap();
        let (c, once) = parse(&["--config", path, "--accounts-per-tx", "3", "--feed", "ETH", "--once"]).unwrap();
        assert_eq!(
            (c.rpc_url(), c.feeds, c.accounts_per_tx, c.shard),
            ("https://api.devnet.solana.com".into(), vec!["ETH".into()], 3, Shard { index: 1, count: 2 })
        );
        assert!(once);
        assert_eq!(c.interval_ms, Config::default().interval_ms, "unset everywhere: the default");
        let _ = std::fs::remove_file(&dir);
    }

    #[test]
    fn bad_flags_and_files_are_clear_errors() {
        assert!(parse(&["--shard", "2/2"]).is_err());
        let e = parse(&["--accounts-per-tick", "0"]).unwrap_err().to_string();
        assert_eq!(e, "accounts_per_tick must be at least 1");
        let e = parse(&["--config", "/nonexistent/keeper.toml"]).unwrap_err().to_string();
        assert!(e.contains("cannot read config /nonexistent/keeper.toml"), "{e}");
        let e = format!("{:#}", parse(&["--metrics", "localhost"]).unwrap_err());
        assert!(e.starts_with("metrics address `localhost` is not IP:PORT (e.g. 127.0.0.1:9464)"), "{e}");
        let (c, _) = parse(&["--metrics", "127.0.0.1:9464"]).unwrap();
        assert_eq!(c.metrics.as_deref(), Some("127.0.0.1:9464"));
        let e = parse(&["--healthz-max-silence-secs", "0"]).unwrap_err().to_string();
        assert_eq!(e, "healthz_max_silence_secs must be at least 1");
    }
}
