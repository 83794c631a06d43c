//! The `ballast gov` subcommands: arguments, and running them against a
//! [`Backend`].

use crate::gov::{export, instructions, load, parse_change, pending, preview, Preview};
use crate::session::Session;
use crate::Output;
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use ballast_client::backend::Backend;
use ballast_client::engine as ix;
use margin_engine::constants::CHANGE_GRACE_SLOTS;
use margin_engine::engine::governance::{exchange_get, EXCHANGE_FIELDS, EXCHANGE_TARGET};
use margin_engine::instructions::ParamChange;
use serde_json::json;
use solana_sdk::signature::Signer;

/// `ballast gov` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum GovCommand {
    /// Governance, guardian, timelock, pause bits, every numeric exchange
    /// field (by its governance name: `unsettled_weight_bps`,
    /// `max_pnl_factor_bps`, `adl_target_bps`, ...) and every queued change.
    ///
    /// Example: ballast gov show -u devnet
    Show,
    /// Current against proposed values, tightening or loosening, and
    /// whether the program would accept each change. Sends nothing.
    ///
    /// Example: ballast gov diff --market 0 mmr_bps=600 band_bps=1500
    Diff(ChangeArgs),
    /// Apply tightening changes at once (`set_param`, governance signs).
    ///
    /// Example: ballast gov set --market 0 imr_bps=1200 -k gov.json (a tightening change; loosening ones are queued)
    Set(ChangeArgs),
    /// Queue changes behind the timelock (`queue_change`, governance signs).
    ///
    /// Example: ballast gov queue --market 0 fee_bps=4 -k gov.json
    Queue(ChangeArgs),
    /// Apply a queued change after its timelock (anyone signs).
    ///
    /// Example: ballast gov apply 3 -k any.json
    Apply {
        /// Change id.
        id: u64,
    },
    /// Cancel a queued change (governance signs).
    ///
    /// Example: ballast gov cancel 3 -k gov.json
    Cancel {
        /// Change id.
        id: u64,
    },
    /// Close an expired or superseded queued change, returning its rent
    /// (anyone signs).
    ///
    /// Example: ballast gov close 3 -k any.json
    Close {
        /// Change id.
        id: u64,
    },
    /// Execute a queued insurance withdrawal after its timelock (anyone
    /// signs). Queue it with `ballast gov queue insurance_withdrawal=AMOUNT:DEST`.
    ///
    /// Example: ballast gov withdraw-insurance 4 -k any.json
    WithdrawInsurance {
        /// Change id.
        id: u64,
    },
    /// Execute a queued withdrawal of the protocol's fees after its
    /// timelock (anyone signs). Queue it with `ballast gov queue
    /// fee_withdrawal=AMOUNT:DEST`.
    ///
    /// Example: ballast gov withdraw-fees 5 -k any.json
    WithdrawFees {
        /// Change id.
        id: u64,
    },
    /// Print the `queue_change` instructions and message of changes in
    /// base58 and base64 for a multisig proposal (nothing is signed).
    ///
    /// Example: ballast gov export --market 0 fee_bps=4 --governance <SQUADS VAULT>
    Export {
        #[command(flatten)]
        change: ChangeArgs,
        /// The governance key (the multisig vault); default: the exchange's.
        #[arg(long)]
        governance: Option<Pubkey>,
    },
}

/// Changes on the command line.
#[derive(clap::Args, Debug)]
pub struct ChangeArgs {
    /// Market index; omit for exchange fields.
    #[arg(long)]
    pub market: Option<u16>,
    /// `FIELD=VALUE` (e.g. `imr_bps=1200`, `status=active`, `guardian=<PUBKEY>`,
    /// exchange `unsettled_weight_bps=4000`, `max_pnl_factor_bps=9000`,
    /// `adl_target_bps=5000`); an unknown name lists the valid ones.
    #[arg(required = true, value_name = "FIELD=VALUE")]
    pub changes: Vec<String>,
}

impl ChangeArgs {
    fn parse(&self) -> Result<Vec<ParamChange>> {
        let target = self.market.unwrap_or(EXCHANGE_TARGET);
        self.changes.iter().map(|a| parse_change(target, a)).collect()
    }
}

fn print_previews(p: &[Preview], output: Output) {
    if output == Output::Json {
        let rows: Vec<_> = p
            .iter()
            .map(|r| {
                json!({"target": r.target, "field": r.field, "current": r.current, "proposed": r.proposed,
                       "class": if r.tightening { "tightening" } else { "loosening" }, "refused": r.refused})
            })
            .collect();
        crate::out::line(&serde_json::to_string_pretty(&rows).expect("json"));
        return;
    }
    for r in p {
        let class = if r.tightening { "tightening (applies at once)" } else { "loosening (timelocked)" };
        let verdict = r.refused.as_deref().map(|e| format!("REFUSED: {e}")).unwrap_or_else(|| "ok".into());
        crate::out::line(&format!(
            "{:<10} {:<24} {:>20} -> {:<20} {class:<29} {verdict}",
            r.target, r.field, r.current, r.proposed
        ));
    }
}

/// Refuse to send if the program would refuse any change, naming them.
fn require_accepted(p: &[Preview]) -> Result<()> {
    let refused: Vec<String> =
        p.iter().filter_map(|r| r.refused.as_ref().map(|e| format!("{} {}: {e}", r.target, r.field))).collect();
    if !refused.is_empty() {
        bail!("the program would refuse: {}", refused.join("; "));
    }
    Ok(())
}

/// Every numeric exchange field with its value, by governance name and
/// code (`EXCHANGE_FIELDS`, read with the program's `exchange_get`; the
/// key fields and the insurance withdrawal have no stored number).
pub fn exchange_fields(ex: &margin_engine::state::Exchange) -> Vec<(&'static str, u64)> {
    EXCHANGE_FIELDS
        .iter()
        .enumerate()
        .filter_map(|(code, f)| exchange_get(ex, code as u8).ok().map(|v| (f.name, v)))
        .collect()
}

/// Run `cmd`; the session's signer is needed by the commands that send.
pub async fn run<B: Backend>(s: &Session<'_, B>, cmd: &GovCommand) -> Result<()> {
    let (backend, output) = (s.backend, s.output);
    match cmd {
        GovCommand::Show => {
            let (ex, markets) = load(backend).await?;
            let queued = pending(backend).await?;
            let slot = backend.clock().await?.slot;
            let v = json!({
                "governance": ex.governance.to_string(), "guardian": ex.guardian.to_string(),
                "timelock_slots": ex.timelock_slots, "pause_bits": ex.pause_bits,
                "guardian_pause_bits": ex.guardian_pause_bits, "guardian_expires_slot": ex.guardian_expires_slot,
                "markets": markets.iter().map(|m| json!({"index": m.index, "symbol": m.symbol_str(), "status": m.status,
                    "oi_cap": m.oi_cap, "breaker_until_slot": m.breaker_until_slot})).collect::<Vec<_>>(),
                "queued": queued.iter().map(|p| json!({"id": p.id, "target": p.target, "field": p.field,
                    "value": p.value, "eta_slot": p.eta_slot, "ready": slot >= p.eta_slot,
                    "expires_slot": p.eta_slot.saturating_add(CHANGE_GRACE_SLOTS)})).collect::<Vec<_>>(),
                "exchange": exchange_fields(&ex).into_iter().map(|(n, v)| (n.to_string(), json!(v)))
                    .collect::<serde_json::Map<_, _>>(),
                "slot": slot,
            });
            if output == Output::Json {
                crate::out::line(&serde_json::to_string_pretty(&v).expect("json"));
            } else {
                crate::out::line(&format!(
                    "governance {}  guardian {}  timelock {} slots",
                    ex.governance, ex.guardian, ex.timelock_slots
                ));
                for (name, value) in exchange_fields(&ex) {
                    crate::out::line(&format!("  {name:<28} {value}"));
                }
                for p in &queued {
                    let state = if slot > p.eta_slot.saturating_add(CHANGE_GRACE_SLOTS) {
                        "expired: close it".to_string()
                    } else if slot >= p.eta_slot {
                        "ready".to_string()
                    } else {
                        format!("{} slots left", p.eta_slot - slot)
                    };
                    crate::out::line(&format!(
                        "change {}: target {} field {} value {}  eta slot {} ({state})",
                        p.id, p.target, p.field, p.value, p.eta_slot
                    ));
                }
            }
        }
        GovCommand::Diff(args) => {
            let changes = args.parse()?;
            let (ex, mut markets) = load(backend).await?;
            print_previews(&preview(ex, &mut markets, &changes)?, output);
        }
        GovCommand::Set(args) | GovCommand::Queue(args) => {
            let changes = args.parse()?;
            let signer = s.signer()?;
            let (ex, mut markets) = load(backend).await?;
            let p = preview(ex, &mut markets, &changes)?;
            print_previews(&p, output);
            require_accepted(&p)?;
            let queue = matches!(cmd, GovCommand::Queue(_));
            if !queue && p.iter().any(|r| !r.tightening) {
                bail!("a loosening change must be queued: use `ballast gov queue`");
            }
            let ixs = instructions(signer.pubkey(), &changes, queue.then_some(ex.next_change_id), &markets);
            s.send("governance change", &ixs).await?;
        }
        GovCommand::Apply { id }
        | GovCommand::Cancel { id }
        | GovCommand::Close { id }
        | GovCommand::WithdrawInsurance { id }
        | GovCommand::WithdrawFees { id } => {
            let signer = s.signer()?;
            let acc = backend
                .get_account(&ix::change_address(*id))
                .await?
                .with_context(|| format!("no queued change {id}"))?;
            let p: margin_engine::state::PendingChange = ballast_client::decode::zero_copy(&acc.data)?;
            let change = margin_engine::instructions::ParamChange {
                target: p.target,
                field: p.field,
                value: p.value,
                key: p.key,
            };
            let markets = load(backend).await?.1;
            let refresh: Vec<_> = crate::gov::phase_refresh(&change, &markets).into_iter().collect();
            let i = match cmd {
                GovCommand::Apply { .. } => ix::apply_change(*id, p.target, p.payer),
                GovCommand::Close { .. } => ix::close_change(*id, p.target, p.payer),
                GovCommand::WithdrawInsurance { .. } => {
                    let keys = ballast_client::venue::load_venue(backend).await?.keys();
                    ix::withdraw_insurance(*id, p.key, p.payer, &keys)
                }
                GovCommand::WithdrawFees { .. } => {
                    let keys = ballast_client::venue::load_venue(backend).await?.keys();
                    ix::withdraw_fees(*id, p.key, p.payer, &keys)
                }
                _ => ix::cancel_change(signer.pubkey(), *id, p.payer),
            };
            let ixs: Vec<_> = match cmd {
                GovCommand::Apply { .. } => refresh.into_iter().chain([i]).collect(),
                _ => vec![i],
            };
            s.send("governance change", &ixs).await?;
        }
        GovCommand::Export { change, governance } => {
            let changes = change.parse()?;
            let (ex, mut markets) = load(backend).await?;
            require_accepted(&preview(ex, &mut markets, &changes)?)?;
            let gov = governance.unwrap_or(ex.governance);
            let ixs = instructions(gov, &changes, Some(ex.next_change_id), &markets);
            crate::out::line(&serde_json::to_string_pretty(&export(&ixs, &gov)).expect("json"));
        }
    }
    Ok(())
}
