//! `ballast`: the Ballast command-line tool.

use ballast_cli::gov_cmd::{self, GovCommand};
use ballast_cli::{inspect, Output};
use ballast_client::backend::rpc::RpcBackend;
use ballast_client::cli_config::{expand_home, read_keypair, rpc_url};
use clap::{Parser, Subcommand};
use solana_commitment_config::CommitmentConfig;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

/// Ballast: a Solana margin engine built to keep working through storms.
#[derive(Parser)]
#[command(name = "ballast", version, about)]
struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Output::Display)]
    output: Output,
    /// RPC URL or moniker: mainnet-beta, devnet, testnet, localhost.
    #[arg(short = 'u', long, global = true, default_value = "localhost")]
    url: String,
    /// Keypair file of the signer (for commands that send).
    #[arg(short = 'k', long, global = true)]
    keypair: Option<String>,
    /// processed, confirmed or finalized.
    #[arg(long, global = true, default_value = "confirmed")]
    commitment: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Oracle tools.
    Oracle {
        #[command(subcommand)]
        command: OracleCommand,
    },
    /// Governance: show, diff, set, queue, apply, cancel, export.
    Gov {
        #[command(subcommand)]
        command: GovCommand,
    },
}

#[derive(Subcommand)]
enum OracleCommand {
    /// Parse oracle account dumps (`solana account --output json`) with the
    /// adapter's own code: per account its format, price, conf, age and
    /// verdict, then the aggregate of all of them as one asset's feed.
    Inspect(inspect::InspectArgs),
}

fn gov(cli: &Cli, command: &GovCommand) -> anyhow::Result<()> {
    let commitment = CommitmentConfig::from_str(&cli.commitment)
        .map_err(|_| anyhow::anyhow!("commitment `{}`: use processed, confirmed or finalized", cli.commitment))?;
    let signer = cli.keypair.as_deref().map(|k| read_keypair(&expand_home(k))).transpose()?;
    let backend = RpcBackend::new(&rpc_url(&cli.url), commitment, Duration::from_secs(30));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(gov_cmd::run(&backend, command, signer.as_ref(), cli.output))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Oracle { command: OracleCommand::Inspect(args) } => inspect::run(args, cli.output),
        Command::Gov { command } => gov(&cli, command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
