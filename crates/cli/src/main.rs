//! `ballast`: the Ballast command-line tool.
//!
//! Today: `ballast oracle inspect <account.json>...`, which reads oracle
//! account dumps offline with the same parsing and aggregation code the
//! oracle-adapter program runs on-chain.

mod inspect;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

/// Ballast: a Solana margin engine built to keep working through storms.
#[derive(Parser)]
#[command(name = "ballast", version, about)]
struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Output::Display)]
    output: Output,
    #[command(subcommand)]
    command: Command,
}

/// Output format, as in the Solana CLI.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Output {
    /// Human-readable text.
    Display,
    /// One JSON document.
    Json,
}

#[derive(Subcommand)]
enum Command {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Oracle { command: OracleCommand::Inspect(args) } => inspect::run(&args, cli.output),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
