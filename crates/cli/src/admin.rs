//! `ballast admin`: bring a cluster to a venue spec (`init --spec`), read a
//! live venue back as one (`spec`), to review or diff against the reviewed
//! file, and hand the oracle adapter's authority to a multisig.

use crate::session::{done, sig as sig_json, Session};
use anchor_lang::AccountDeserialize;
use anyhow::{anyhow, bail, Context, Result};
use ballast_client::backend::Backend;
use ballast_client::oracle;
use ballast_client::spec::init::{admin_init, read_back, Options, Outcome};
use ballast_client::spec::VenueSpec;
use oracle_adapter::state::AdapterConfig;
use serde_json::json;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signature::Signer;
use std::path::PathBuf;

/// `ballast admin` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum AdminCommand {
    /// Initialise the venue a spec describes, in order: the oracle adapter,
    /// its feeds, the exchange, the markets, then each market's opening
    /// behind the exchange's timelock. Idempotent: what exists and matches
    /// the spec is skipped, anything that differs is refused by name; run
    /// it again to resume a cut-short run or, after the eta it prints, to
    /// open the markets. Sign with the programs' upgrade authority, which
    /// becomes governance (hand it to the multisig afterwards).
    ///
    /// Example: ballast admin init --spec mainnet.toml -u mainnet-beta -k deployer.json
    Init {
        /// The venue spec (TOML; `venue/demo.toml` is the commented example).
        #[arg(long, value_name = "FILE")]
        spec: PathBuf,
    },
    /// Print the venue on the cluster as a spec (TOML): its adapter
    /// timelock, exchange, feeds and markets with every parameter.
    ///
    /// Example: ballast admin spec -u devnet > live.toml && diff live.toml devnet.toml
    Spec,
    /// Name the successor of the oracle adapter's authority (the current
    /// authority signs). It takes over when it accepts.
    ///
    /// Example: ballast admin propose-oracle-authority <SQUADS VAULT> -k deployer.json
    ProposeOracleAuthority {
        /// The successor (a multisig vault in production).
        successor: Pubkey,
        /// Print the instruction for this authority (a multisig vault that
        /// hands the adapter on) instead of signing it.
        #[arg(long, value_name = "AUTHORITY")]
        export: Option<Pubkey>,
    },
    /// Accept the oracle adapter's authority as the proposed successor (the
    /// successor signs), or print the instruction for a multisig proposal.
    ///
    /// Example: ballast admin accept-oracle-authority --export <SQUADS VAULT>
    AcceptOracleAuthority {
        /// Print the instruction for this successor (a multisig vault)
        /// instead of signing it.
        #[arg(long, value_name = "SUCCESSOR")]
        export: Option<Pubkey>,
    },
}

/// Run an `admin` subcommand.
pub async fn run<B: Backend>(s: &Session<'_, B>, command: &AdminCommand) -> Result<()> {
    match command {
        AdminCommand::Init { spec } => {
            let spec = VenueSpec::from_file(spec)?;
            let signer = s.signer()?;
            let mut new_key = Keypair::new;
            let opts = Options { dry_run: s.dry_run, max_sends: None, new_key: &mut new_key };
            let report = admin_init(s.backend, &spec, signer, opts).await?;
            s.print(&report.to_json(), || {
                let mut lines: Vec<String> = report
                    .steps
                    .iter()
                    .map(|step| match step.outcome {
                        Outcome::Done => format!("  done     {}", step.what),
                        Outcome::Sent => format!("  sent     {}", step.what),
                        Outcome::Waiting(eta) => format!("  queued   {} (applies from slot {eta})", step.what),
                        Outcome::Pending => format!("  to send  {}", step.what),
                    })
                    .collect();
                lines.extend(report.keys.iter().map(|(role, key)| format!("  {role}: {key}")));
                lines.push(match (report.complete(), report.waiting_until()) {
                    (true, _) => "The venue is as the spec says.".into(),
                    (false, Some(eta)) => {
                        format!("Markets open behind the timelock: run this again from slot {eta}.")
                    }
                    (false, None) => "Dry run: nothing sent.".into(),
                });
                lines.join("\n")
            });
            Ok(())
        }
        AdminCommand::ProposeOracleAuthority { successor, export: Some(authority) } => {
            let config = adapter_config(s).await?;
            if config.authority != *authority {
                bail!("the oracle adapter's authority is {}, not {authority}", config.authority);
            }
            let ixs = [oracle::propose_authority(*authority, *successor)];
            crate::out::line(&serde_json::to_string_pretty(&crate::gov::export(&ixs, authority)).expect("json"));
            Ok(())
        }
        AdminCommand::ProposeOracleAuthority { successor, export: None } => {
            let me = s.signer()?.pubkey();
            let sig = s.send("propose_authority", &[oracle::propose_authority(me, *successor)]).await?;
            let v = json!({ "command": "admin propose-oracle-authority", "successor": successor.to_string(), "signature": sig_json(&sig) });
            s.print(&v, || done(&format!("Proposed {successor} as the oracle adapter's authority"), &sig));
            Ok(())
        }
        AdminCommand::AcceptOracleAuthority { export: Some(successor) } => {
            let config = adapter_config(s).await?;
            if config.pending_authority != *successor {
                bail!(
                    "the oracle adapter's proposed successor is {}, not {successor}: propose it first",
                    describe_key(&config.pending_authority)
                );
            }
            let ixs = [oracle::accept_authority(*successor)];
            crate::out::line(&serde_json::to_string_pretty(&crate::gov::export(&ixs, successor)).expect("json"));
            Ok(())
        }
        AdminCommand::AcceptOracleAuthority { export: None } => {
            let me = s.signer()?.pubkey();
            let sig = s.send("accept_authority", &[oracle::accept_authority(me)]).await?;
            let v = json!({ "command": "admin accept-oracle-authority", "authority": me.to_string(), "signature": sig_json(&sig) });
            s.print(&v, || done(&format!("{me} is now the oracle adapter's authority"), &sig));
            Ok(())
        }
        AdminCommand::Spec => {
            let spec = read_back(s.backend).await?;
            let text = spec.to_toml();
            let keys = ballast_client::spec::init::keys(s.backend).await?;
            let comments: Vec<String> = keys.iter().map(|(role, key)| format!("# {role}: {key}")).collect();
            let v = json!({ "spec": text, "keys": keys.iter().map(|(r, k)| (r.to_string(), k.to_string())).collect::<std::collections::BTreeMap<_, _>>() });
            s.print(&v, || {
                format!("# On the cluster now (not part of a spec):\n{}\n\n{}", comments.join("\n"), text.trim_end())
            });
            Ok(())
        }
    }
}

async fn adapter_config<B: Backend>(s: &Session<'_, B>) -> Result<AdapterConfig> {
    let acc = s.backend.get_account(&oracle::config_address()).await?;
    let acc =
        acc.filter(|a| a.owner == oracle_adapter::ID).context("no oracle adapter on this cluster: check -u/--url")?;
    AdapterConfig::try_deserialize(&mut acc.data.as_slice()).map_err(|e| anyhow!("the adapter's config: {e}"))
}

fn describe_key(k: &Pubkey) -> String {
    if *k == Pubkey::default() {
        "none".into()
    } else {
        k.to_string()
    }
}
