//! `ballast`: the Ballast command-line tool.

use ballast_cli::admin::{self, AdminCommand};
use ballast_cli::config::{read_solana_config, resolve, Cluster, DEFAULT_CONFIG};
use ballast_cli::delegate::{self, DelegateCommand};
use ballast_cli::embedded::{self, Embedded, EmbeddedCommand};
use ballast_cli::gov_cmd::{self, GovCommand};
use ballast_cli::lp::{self, LpCommand};
use ballast_cli::session::Session;
use ballast_cli::trader::{self, AccountCommand, TradeArgs};
use ballast_cli::trigger::{self, TriggerCommand};
use ballast_cli::{inspect, Output};
use ballast_client::backend::rpc::RpcBackend;
use ballast_client::backend::Backend;
use ballast_client::cli_config::{expand_home, read_keypair};
use clap::{Parser, Subcommand};
use solana_commitment_config::CommitmentConfig;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

/// Ballast: a Solana margin engine built to keep working through storms.
///
/// Try it with no validator: `ballast -u embedded embedded setup`, then
/// `ballast -u embedded account create`, `deposit 1000`, `trade SOL 2.5`.
#[derive(Parser)]
#[command(name = "ballast", version, about)]
struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Output::Display)]
    output: Output,
    /// mainnet-beta, devnet, testnet, localhost, embedded, or an http(s) URL
    /// [default: the Solana CLI config's json_rpc_url, else localhost].
    #[arg(short = 'u', long, global = true)]
    url: Option<String>,
    /// Signer keypair file [default: the Solana CLI config's keypair_path,
    /// else ~/.config/solana/id.json].
    #[arg(short = 'k', long, global = true)]
    keypair: Option<String>,
    /// processed, confirmed or finalized [default: the config's, else confirmed].
    #[arg(long, global = true)]
    commitment: Option<String>,
    /// Solana CLI config file.
    #[arg(short = 'C', long, global = true, default_value = DEFAULT_CONFIG)]
    config: String,
    /// Ledger directory of `-u embedded`.
    #[arg(long, global = true, value_name = "DIR")]
    ledger: Option<String>,
    /// Preview and build the transaction, send nothing.
    #[arg(long, global = true)]
    dry_run: bool,
    /// Which of the signer's margin accounts.
    #[arg(long, global = true, default_value_t = 0)]
    account_id: u32,
    /// RPC request timeout, seconds.
    #[arg(long, global = true, default_value_t = 30)]
    timeout: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create, show or close a margin account.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Deposit collateral (USDC) into the margin account.
    ///
    /// Example: ballast deposit 100.5
    Deposit {
        /// Amount in USDC (at most 6 decimals).
        #[arg(allow_negative_numbers = true)]
        amount: String,
        /// Source token account [default: your associated token account].
        #[arg(long)]
        from: Option<Pubkey>,
    },
    /// Withdraw collateral the open positions do not need.
    ///
    /// Example: ballast withdraw 50 ; ballast withdraw all
    Withdraw {
        /// Amount in USDC, or `all` (everything free).
        #[arg(allow_negative_numbers = true)]
        amount: String,
        /// Destination token account [default: your associated token account].
        #[arg(long)]
        to: Option<Pubkey>,
    },
    /// Open, resize or close a position, after a margin preview.
    ///
    /// Example: ballast trade SOL 2.5 ; ballast trade SOL -2.5 --reduce-only
    Trade(TradeArgs),
    /// Open positions with entry, PnL, requirement and liquidation price.
    ///
    /// Example: ballast positions --output json
    Positions {
        /// OWNER's margin account (a delegate reading the account it trades).
        #[arg(long, value_name = "OWNER")]
        owner: Option<Pubkey>,
    },
    /// Positions, health and distance to liquidation, printed again on every
    /// slot, price or account change (Ctrl-C stops it). With `-u embedded`
    /// it follows `embedded price` and `embedded warp` run elsewhere.
    ///
    /// Example: ballast watch ; ballast watch --output json --count 10
    Watch(ballast_cli::watch::WatchArgs),
    /// Every market: status, price, validity, margin ratios, open interest.
    ///
    /// Example: ballast markets
    Markets,
    /// Let another key trade your margin account (never withdraw): set, remove, show.
    ///
    /// Example: ballast delegate set <HOT KEY> ; ballast trade SOL 1 --owner <OWNER> -k hot.json
    Delegate {
        #[command(subcommand)]
        command: DelegateCommand,
    },
    /// Take-profit and stop-loss orders that keepers execute when every
    /// source crosses their price: add, cancel, list, close-book.
    ///
    /// Example: ballast trigger add SOL --stop-loss 92.5 ; ballast trigger list
    Trigger {
        #[command(subcommand)]
        command: TriggerCommand,
    },
    /// Provide liquidity to the pool.
    Lp {
        #[command(subcommand)]
        command: LpCommand,
    },
    /// The embedded local ledger: setup, reset, move prices, warp time.
    Embedded {
        #[command(subcommand)]
        command: EmbeddedCommand,
    },
    /// Governance: show, diff, set, queue, apply, cancel, export.
    Gov {
        #[command(subcommand)]
        command: GovCommand,
    },
    /// Deploy: initialise a venue from a spec file, or print the live one.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Replay a market crash through the real programs and report what broke.
    ///
    /// Examples: ballast stress --compare ; ballast stress --prices data/prices/BTCUSDT_1h_binance_2020-03-10_2020-03-15.csv ;
    /// ballast stress --compare --prices data/prices/LUNAUSDT_1m_binance_2022-05-07_2022-05-13.csv --path-secs-per-slot 60 --traders 200
    Stress(ballast_cli::stress::StressArgs),
    /// Oracle tools.
    Oracle {
        #[command(subcommand)]
        command: OracleCommand,
    },
}

#[derive(Subcommand)]
enum OracleCommand {
    /// Parse oracle account dumps (`solana account --output json`) with the
    /// adapter's own code: per account its format, price, conf, age and
    /// verdict, then the aggregate of all of them as one asset's feed.
    Inspect(inspect::InspectArgs),
}

async fn dispatch<B: Backend>(s: &Session<'_, B>, cli: &Cli) -> anyhow::Result<()> {
    let id = cli.account_id;
    match &cli.command {
        Command::Account { command } => trader::account(s, id, command).await,
        Command::Deposit { amount, from } => trader::deposit(s, id, amount, *from).await,
        Command::Withdraw { amount, to } => trader::withdraw(s, id, amount, *to).await,
        Command::Trade(args) => trader::trade(s, id, args).await,
        Command::Positions { owner } => trader::positions(s, id, *owner).await,
        Command::Markets => trader::markets(s).await,
        Command::Lp { command } => lp::run(s, command).await,
        Command::Delegate { command } => delegate::run(s, id, command).await,
        Command::Trigger { command } => trigger::run(s, id, command).await,
        Command::Gov { command } => gov_cmd::run(s, command).await,
        Command::Admin { command } => admin::run(s, command).await,
        Command::Embedded { .. } | Command::Oracle { .. } | Command::Stress(_) | Command::Watch(_) => {
            unreachable!("handled in `run`")
        }
    }
}

async fn run(cli: &Cli) -> anyhow::Result<()> {
    if let Command::Oracle { command: OracleCommand::Inspect(args) } = &cli.command {
        return inspect::run(args, cli.output);
    }
    if let Command::Stress(args) = &cli.command {
        ballast_cli::out::quiet_program_logs()?;
        return ballast_cli::stress::run(args, cli.output == Output::Json).await;
    }
    let file = read_solana_config(&expand_home(&cli.config))?;
    let r =
        resolve(cli.url.as_deref(), cli.keypair.as_deref(), cli.commitment.as_deref(), cli.ledger.as_deref(), &file)?;
    let embedded = matches!(r.cluster, Cluster::Embedded(_)) || matches!(cli.command, Command::Embedded { .. });
    if embedded {
        ballast_cli::out::quiet_program_logs()?;
    }
    let embedded_dir = || match &r.cluster {
        Cluster::Embedded(dir) => dir.clone(),
        Cluster::Rpc(_) => expand_home(cli.ledger.as_deref().unwrap_or(ballast_cli::config::DEFAULT_LEDGER)),
    };
    match &cli.command {
        Command::Embedded { command: EmbeddedCommand::Setup { airdrop, spec } } => {
            return embedded::setup(&embedded_dir(), &r.keypair, airdrop, spec.as_deref(), cli.output).await;
        }
        Command::Embedded { command: EmbeddedCommand::Reset } => return embedded::reset(&embedded_dir(), cli.output),
        Command::Embedded { command } => {
            let mut e = Embedded::open(&embedded_dir()).await?;
            e.run(command, cli.output).await?;
            return e.save().await;
        }
        _ => {}
    }
    let keypair = read_keypair(&r.keypair).map_err(|e| format!("{e:#}"));
    if let Command::Watch(args) = &cli.command {
        let owner = match args.owner {
            Some(o) => o,
            None => keypair.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?.pubkey(),
        };
        return match &r.cluster {
            Cluster::Embedded(dir) => {
                ballast_cli::watch::run_embedded(dir, &owner, cli.account_id, args, cli.output).await
            }
            Cluster::Rpc(url) => {
                let commitment = CommitmentConfig::from_str(&r.commitment).map_err(|_| {
                    anyhow::anyhow!("commitment `{}`: use processed, confirmed or finalized", r.commitment)
                })?;
                let backend = RpcBackend::new(url, commitment, Duration::from_secs(cli.timeout.max(1)));
                ballast_cli::watch::run(&backend, &owner, cli.account_id, args, cli.output).await
            }
        };
    }
    match &r.cluster {
        Cluster::Embedded(dir) => {
            let mut e = Embedded::open(dir).await?;
            let backend = e.tc.backend();
            dispatch(&Session::new(&backend, keypair.as_ref().map_err(Clone::clone), cli.output, cli.dry_run), cli)
                .await?;
            e.save().await
        }
        Cluster::Rpc(url) => {
            let commitment = CommitmentConfig::from_str(&r.commitment)
                .map_err(|_| anyhow::anyhow!("commitment `{}`: use processed, confirmed or finalized", r.commitment))?;
            let backend = RpcBackend::new(url, commitment, Duration::from_secs(cli.timeout.max(1)));
            dispatch(&Session::new(&backend, keypair.as_ref().map_err(Clone::clone), cli.output, cli.dry_run), cli)
                .await
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                // The keeper inside the lab and the embedded ledger reports
                // its refusals in their output; its per-transaction warnings
                // would only break the lab's progress lines.
                .unwrap_or_else(|_| "warn,ballast_keeper=error,tarpc=error,solana_metrics=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(&cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
