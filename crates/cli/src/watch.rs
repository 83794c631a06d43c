//! `ballast watch`: a margin account's positions, health and distance to
//! liquidation, printed again whenever the slot, a price or the account
//! changes. Against a JSON-RPC node it polls the node; against the embedded
//! ledger it re-reads the ledger file whenever another command (`embedded
//! price`, `embedded warp`, a trade) has saved it. Values come from the
//! program's own functions on copies ([`Sim`]), as every preview does.

use crate::report::{health_json, positions_json};
use crate::Output;
use anyhow::{Context, Result};
use ballast_client::backend::Backend;
use ballast_client::decode::zero_copy;
use ballast_client::engine as ix;
use ballast_client::simulate::Sim;
use ballast_client::venue::load_venue;
use margin_engine::state::MarginAccount;
use serde_json::{json, Value};
use solana_sdk::pubkey::Pubkey;
use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

/// `ballast watch` arguments.
#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    /// How often to look for a change, milliseconds.
    #[arg(long, default_value_t = 1_000)]
    pub interval_ms: u64,
    /// Stop after this many views (default: until interrupted).
    #[arg(long)]
    pub count: Option<u64>,
    /// Watch OWNER's margin account (default: the signer's).
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<Pubkey>,
}

/// The account `key` now: slot, collateral, health, and per position its
/// oracle and liquidation prices and the distance between them (bps of the
/// price: how far the price may move against the position).
pub async fn view<B: Backend>(backend: &B, key: &Pubkey) -> Result<Value> {
    let venue = load_venue(backend).await?;
    let raw = backend.get_account(key).await?.with_context(|| format!("no margin account at {key}"))?;
    let acc: MarginAccount = zero_copy(&raw.data).with_context(|| format!("margin account {key}"))?;
    let sim = Sim::new(&venue);
    let mut positions = positions_json(&venue, &sim, &acc);
    for (row, slot) in positions.iter_mut().zip(acc.open_positions()) {
        let price = sim.quote(slot.market).ok().map(|q| q.price);
        let liq = sim.liquidation_price(&acc, slot.market);
        row["distance_bps"] = match (price, liq) {
            (Some(p), Some(l)) if p > 0 => {
                let against = if slot.base > 0 { p as i128 - l as i128 } else { l as i128 - p as i128 };
                Value::from((against * 10_000 / p as i128).clamp(i64::MIN as i128, i64::MAX as i128) as i64)
            }
            _ => Value::Null,
        };
    }
    Ok(json!({
        "account": key.to_string(), "slot": venue.clock.slot,
        "collateral": crate::report::q(acc.collateral), "health": sim.health(&acc).ok().as_ref().map(health_json),
        "positions": positions,
    }))
}

/// The view as text.
pub fn view_text(v: &Value) -> String {
    let mut out = format!(
        "slot {}  account {}  collateral {}\n",
        v["slot"],
        v["account"].as_str().unwrap_or("-"),
        v["collateral"].as_str().unwrap_or("-")
    );
    let h = &v["health"];
    let _ = writeln!(
        out,
        "health: equity {}  initial {}  maintenance {}",
        h["equity"].as_str().unwrap_or("-"),
        h["initial"].as_str().unwrap_or("-"),
        h["maintenance"].as_str().unwrap_or("-")
    );
    let rows = v["positions"].as_array().map_or(&[][..], |a| a.as_slice());
    if rows.is_empty() {
        out.push_str("no open positions\n");
    }
    for r in rows {
        let distance =
            r["distance_bps"].as_i64().map_or("-".into(), |b| format!("{}.{:02} %", b / 100, (b % 100).abs()));
        let _ = writeln!(
            out,
            "{:<8} size {:>14}  oracle {:>16}  liquidation {:>16}  distance {distance}",
            r["market"].as_str().unwrap_or("?"),
            r["size"].as_str().unwrap_or("-"),
            r["oracle_price"].as_str().unwrap_or("-"),
            r["liquidation_price"].as_str().unwrap_or("-"),
        );
    }
    out
}

/// Print `v` if it differs from the last view printed; whether to go on.
fn show(v: Value, last: &mut Option<Value>, shown: &mut u64, args: &WatchArgs, output: Output) -> bool {
    if last.as_ref() != Some(&v) {
        match output {
            Output::Json => crate::out::line(&v.to_string()),
            Output::Display => crate::out::line(&view_text(&v)),
        }
        *last = Some(v);
        *shown += 1;
    }
    args.count.is_none_or(|n| *shown < n)
}

/// Watch margin account `id` of `owner` over `backend`.
pub async fn run<B: Backend>(backend: &B, owner: &Pubkey, id: u32, args: &WatchArgs, output: Output) -> Result<()> {
    let key = ix::margin_address(owner, id);
    let (mut last, mut shown) = (None, 0);
    while show(view(backend, &key).await?, &mut last, &mut shown, args, output) {
        tokio::time::sleep(Duration::from_millis(args.interval_ms.max(10))).await;
    }
    Ok(())
}

/// Watch margin account `id` of `owner` on the embedded ledger in `dir`,
/// re-reading it whenever its file changes.
pub async fn run_embedded(dir: &Path, owner: &Pubkey, id: u32, args: &WatchArgs, output: Output) -> Result<()> {
    let key = ix::margin_address(owner, id);
    let file = dir.join("ledger.json");
    let (mut last, mut shown, mut seen) = (None, 0, None);
    loop {
        let stamp = std::fs::metadata(&file).and_then(|m| Ok((m.modified()?, m.len(), inode(&m)))).ok();
        if stamp != seen || seen.is_none() {
            seen = stamp;
            let e = crate::embedded::Embedded::open(dir).await?;
            let v = view(&e.tc.backend(), &key).await?;
            if !show(v, &mut last, &mut shown, args, output) {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(args.interval_ms.max(10))).await;
    }
}

/// The file's inode: each save of the ledger renames a new file into
/// place, so a save is seen even within the clock's resolution.
#[cfg(unix)]
fn inode(m: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(m)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}
