//! `ballast gov`: governance changes, checked before they are proposed.
//!
//! A change is `FIELD=VALUE` on the exchange or on one market (`--market`).
//! `diff` shows current against proposed values, whether each change
//! tightens (applies at once with `set_param`) or loosens (must be queued),
//! and whether the program would accept it: the preview runs the program's
//! own `apply_to_market` / `apply_to_exchange` on the decoded accounts.
//! `export` prints the instructions and their transaction message in base58
//! and base64, for a multisig (Squads) proposal.

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Context, Result};
use ballast_client::backend::Backend;
use ballast_client::engine as ix;
use ballast_client::venue::load_venue;
use base64::Engine;
use margin_engine::engine::governance::{
    apply_to_exchange, apply_to_market, is_withdrawal, spec, EXCHANGE_TARGET, GOVERNANCE_FIELD, GUARDIAN_FIELD,
    PHASE_FIELDS,
};
use margin_engine::instructions::ParamChange;
use margin_engine::state::{Exchange, Market, PendingChange};
use serde_json::{json, Value};
use solana_sdk::instruction::Instruction;
use solana_sdk::message::Message;

/// Parse `FIELD=VALUE` for `target` (a market index or `EXCHANGE_TARGET`).
pub fn parse_change(target: u16, assignment: &str) -> Result<ParamChange> {
    let (name, value) =
        assignment.split_once('=').with_context(|| format!("`{assignment}` is not FIELD=VALUE (e.g. imr_bps=1200)"))?;
    let field = ballast_client::engine::field_code(target, name)?;
    let value = value.trim();
    let key_field = target == EXCHANGE_TARGET && (field == GUARDIAN_FIELD || field == GOVERNANCE_FIELD);
    let withdrawal = target == EXCHANGE_TARGET && is_withdrawal(field);
    let (value, key) = if withdrawal {
        let (amount, dest) =
            value.split_once(':').with_context(|| format!("{} is AMOUNT:DESTINATION_TOKEN_ACCOUNT", name.trim()))?;
        let amount = amount.trim().parse::<u64>().map_err(|_| anyhow!("`{amount}` is not a non-negative integer"))?;
        (amount, dest.trim().parse::<Pubkey>().map_err(|_| anyhow!("`{dest}` is not a public key"))?)
    } else if key_field {
        (0, value.parse::<Pubkey>().map_err(|_| anyhow!("`{value}` is not a public key"))?)
    } else if name.trim() == "status" {
        let v = match value {
            "active" | "Active" | "0" => 0,
            "reduce-only" | "ReduceOnly" | "1" => 1,
            _ => bail!("status is `active` or `reduce-only`"),
        };
        (v, Pubkey::default())
    } else {
        (value.parse::<u64>().map_err(|_| anyhow!("`{value}` is not a non-negative integer"))?, Pubkey::default())
    };
    Ok(ParamChange { target, field, value, key })
}

/// One proposed change, previewed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preview {
    /// `exchange` or `market N`.
    pub target: String,
    /// Field name.
    pub field: &'static str,
    /// Current value.
    pub current: String,
    /// Proposed value.
    pub proposed: String,
    /// Whether it tightens (may apply at once).
    pub tightening: bool,
    /// `None` if the program would accept it, else the error's name.
    pub refused: Option<String>,
}

fn error_name(e: &anchor_lang::error::Error) -> String {
    match e {
        anchor_lang::error::Error::AnchorError(a) => a.error_name.clone(),
        other => other.to_string(),
    }
}

/// Preview `changes` in order against `exchange` and `markets` (each change
/// sees the ones before it, as in one transaction). The per-window rate
/// limit (`GovRecord`) is not previewed: the program refuses a change past
/// it with `RateLimited`.
pub fn preview(mut exchange: Exchange, markets: &mut [Market], changes: &[ParamChange]) -> Result<Vec<Preview>> {
    let mut out = Vec::with_capacity(changes.len());
    for c in changes {
        let s = spec(c.target, c.field).map_err(|e| anyhow!(error_name(&e)))?;
        let (target, result) = if c.target == EXCHANGE_TARGET {
            ("exchange".to_string(), apply_to_exchange(&mut exchange, c))
        } else {
            let m = markets.get_mut(c.target as usize).with_context(|| format!("no market {}", c.target))?;
            {
                // As the program applies it after a `refresh_market` in the
                // same transaction (which `instructions` prepends).
                let slot = m.phase_updated_slot;
                (format!("market {}", c.target), apply_to_market(m, c, slot, true))
            }
        };
        let (current, proposed, tightening, refused) = match result {
            Ok(a) if a.old_key != a.new_key => (a.old_key.to_string(), a.new_key.to_string(), a.tightening, None),
            Ok(a) => (a.old.to_string(), a.new.to_string(), a.tightening, None),
            Err(e) => (
                "?".into(),
                if c.key == Pubkey::default() { c.value.to_string() } else { c.key.to_string() },
                false,
                Some(error_name(&e)),
            ),
        };
        out.push(Preview { target, field: s.name, current, proposed, tightening, refused });
    }
    Ok(out)
}

/// Read the exchange and every market.
pub async fn load<B: Backend>(backend: &B) -> Result<(Exchange, Vec<Market>)> {
    let venue = load_venue(backend).await.context("cannot read the Ballast exchange on this cluster")?;
    Ok((venue.exchange, venue.markets.iter().map(|m| m.market).collect()))
}

/// Every queued change, oldest first.
pub async fn pending<B: Backend>(backend: &B) -> Result<Vec<PendingChange>> {
    let mut out: Vec<PendingChange> =
        ballast_client::venue::scan::<PendingChange, B>(backend).await?.into_iter().map(|(_, p)| p).collect();
    out.sort_by_key(|p| p.id);
    Ok(out)
}

/// The instructions of `changes` for `governance`: `set_param` if `now` and
/// every change tightens, else `queue_change` from id `next_id`. A
/// `set_param` of a phase field (`PHASE_FIELDS`) of a market in `markets`
/// is preceded by that market's `refresh_market`, as the program requires.
pub fn instructions(
    governance: Pubkey,
    changes: &[ParamChange],
    queue_from: Option<u64>,
    markets: &[Market],
) -> Vec<Instruction> {
    let mut out = Vec::with_capacity(changes.len());
    for (i, c) in changes.iter().enumerate() {
        match queue_from {
            Some(id) => out.push(ix::queue_change(governance, id + i as u64, *c)),
            None => {
                out.extend(phase_refresh(c, markets));
                out.push(ix::set_param(governance, *c));
            }
        }
    }
    out
}

/// `refresh_market` of the change's market when the change is of a phase
/// field (the program refuses it otherwise: `PhaseNotCurrent`).
pub fn phase_refresh(c: &ParamChange, markets: &[Market]) -> Option<Instruction> {
    let m = markets.get(c.target as usize).filter(|_| c.target != EXCHANGE_TARGET)?;
    PHASE_FIELDS.contains(&c.field).then(|| ix::refresh_market(c.target, m.feed))
}

/// The base58 and base64 of each instruction's data and of the whole
/// message (fee payer `payer`, blockhash left for the multisig to fill).
pub fn export(ixs: &[Instruction], payer: &Pubkey) -> Value {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let message = Message::new(ixs, Some(payer)).serialize();
    json!({
        "instructions": ixs.iter().map(|i| json!({
            "program": i.program_id.to_string(),
            "accounts": i.accounts.iter().map(|a| json!({
                "pubkey": a.pubkey.to_string(), "signer": a.is_signer, "writable": a.is_writable,
            })).collect::<Vec<_>>(),
            "data_base58": bs58::encode(&i.data).into_string(),
            "data_base64": b64(&i.data),
        })).collect::<Vec<_>>(),
        "message_base58": bs58::encode(&message).into_string(),
        "message_base64": b64(&message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market() -> Market {
        let mut m: Market = bytemuck::Zeroable::zeroed();
        m.symbol[..3].copy_from_slice(b"SOL");
        let p = &mut m.params;
        (p.imr_bps, p.mmr_bps, p.max_mmr_bps, p.conf_mult_bps) = (1_000, 500, 5_000, 10_000);
        (p.reference_vol_bps, p.vol_cap_bps, p.step_bps_per_slot) = (8_000, 40_000, 100);
        (p.liq_fee_bps, p.keeper_share_bps, p.max_liq_fraction_bps, p.liq_buffer_bps) = (100, 3_000, 5_000, 1_000);
        (p.throttle_cap, p.throttle_window_slots, p.band_bps, p.breaker_cooldown_slots) = (1, 100, 2_000, 300);
        (p.fee_bps, p.base_spread_bps, p.max_spread_bps) = (5, 5, 200);
        (p.borrow_kink_bps, p.impact_exponent) = (8_000, 1);
        m
    }

    #[test]
    fn assignments_parse_by_field_name_and_bad_input_says_what_is_wrong() {
        let c = parse_change(0, "mmr_bps=600").unwrap();
        assert_eq!((c.target, c.field, c.value), (0, 1, 600));
        assert_eq!(parse_change(0, "status=active").unwrap().value, 0);
        let k = Pubkey::new_unique();
        assert_eq!(parse_change(EXCHANGE_TARGET, &format!("guardian={k}")).unwrap().key, k);
        assert!(parse_change(0, "mmr_bps").unwrap_err().to_string().contains("FIELD=VALUE"));
        assert!(parse_change(0, "mmr=1").unwrap_err().to_string().contains("unknown field `mmr`"));
        assert!(parse_change(0, "mmr_bps=-1").is_err() && parse_change(0, "mmr_bps=1.5").is_err());
        assert!(parse_change(EXCHANGE_TARGET, "guardian=nope").is_err());
    }

    #[test]
    fn the_preview_classifies_and_validates_with_the_programs_own_code() {
        let ex: Exchange = bytemuck::Zeroable::zeroed();
        let mut markets = [market()];
        let changes = [
            parse_change(0, "breaker_cooldown_slots=600").unwrap(),
            parse_change(0, "breaker_cooldown_slots=550").unwrap(),
            parse_change(0, "mmr_bps=600").unwrap(),
        ];
        let p = preview(ex, &mut markets, &changes).unwrap();
        assert_eq!((p[0].current.as_str(), p[0].proposed.as_str(), p[0].tightening), ("300", "600", true));
        assert_eq!(
            (p[1].current.as_str(), p[1].tightening, p[1].refused.clone()),
            ("600", false, None),
            "sees the first"
        );
        assert_eq!((p[2].current.as_str(), p[2].tightening, p[2].refused.clone()), ("500", false, None), "timelocked");
        let p = preview(ex, &mut [market()], &[parse_change(0, "imr_bps=2001").unwrap()]).unwrap();
        assert_eq!(p[0].refused.as_deref(), Some("StepTooLarge"));
    }

    #[test]
    fn export_round_trips_through_base58_and_base64() {
        let gov = Pubkey::new_unique();
        let ixs = instructions(gov, &[parse_change(0, "mmr_bps=600").unwrap()], Some(7), &[]);
        let v = export(&ixs, &gov);
        let msg = base64::engine::general_purpose::STANDARD.decode(v["message_base64"].as_str().unwrap()).unwrap();
        assert_eq!(bs58::decode(v["message_base58"].as_str().unwrap()).into_vec().unwrap(), msg);
        assert_eq!(msg, Message::new(&ixs, Some(&gov)).serialize());
        let data = bs58::decode(v["instructions"][0]["data_base58"].as_str().unwrap()).into_vec().unwrap();
        assert_eq!(data, ixs[0].data);
        assert_eq!(ixs[0].accounts[2].pubkey, ix::change_address(7));
    }
}
