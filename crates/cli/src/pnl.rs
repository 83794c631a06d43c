//! Unsettled PnL and auto-deleveraging in the trader commands, computed
//! with the program's own code:
//!
//! - the venue's auto-deleveraging state ([`adl_json`]): the traders'
//!   unrealised profit (`engine::adl::adl_liability`), the pool's free cash
//!   (`engine::adl::free_cash`) and whether auto-deleveraging may run
//!   (`ballast_risk::pnl::adl_triggered`), via `Sim::adl_state`;
//! - each profitable position's standing ([`add_adl_standing`]): its rank
//!   (`ballast_risk::pnl::adl_rank`, return times the account's leverage,
//!   the keeper's order) and whether it is a candidate
//!   (`ballast_risk::pnl::above_side_average`, its side from
//!   `engine::adl::sides`), its PnL valued as `auto_deleverage` values it;
//! - `ballast account settle-pnl` ([`settle`]), previewed with
//!   `Sim::settle_pnl` (`engine::settle::settle_pnl` on copies);
//! - the warning a close's preview prints when the pool cannot pay all of
//!   its profit ([`unsettled_warning`]).

use crate::report::{q, refusal_json};
use crate::session::{done, sig, Session};
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use ballast_client::backend::Backend;
use ballast_client::decode::zero_copy;
use ballast_client::engine as ix;
use ballast_client::fmt::{fmt_fixed, fmt_quote, fmt_signed_quote};
use ballast_client::simulate::{Refusal, Sim};
use ballast_client::venue::Venue;
use margin_engine::engine::adl;
use margin_engine::errors::EngineError;
use margin_engine::state::{MarginAccount, PositionSlot};
use serde_json::{json, Value};
use solana_sdk::signature::Signer;

type Quote = anchor_lang::Result<margin_engine::engine::health::MarketQuote>;

/// A bps value as a percentage with two decimals (`8000` -> `80.00`).
fn pct(bps: u32) -> String {
    fmt_fixed(bps as i128, 2)
}

/// The venue's auto-deleveraging state as JSON: `liability` (the traders'
/// unrealised profit the pool owes), `free_cash` (the pool's balance less
/// the unsettled PnL it owes), `max_pnl_factor_bps`, `adl_target_bps`,
/// `triggered`, and `error` (the program's refusal when a feed cannot be
/// read; the amounts are then `null`).
pub fn adl_json(venue: &Venue, sim: &Sim) -> Value {
    let state = sim.adl_state();
    let ex = &venue.exchange;
    json!({
        "liability": state.as_ref().ok().map(|s| q(s.liability)),
        "free_cash": state.as_ref().ok().map(|s| q(s.free_cash)),
        "max_pnl_factor_bps": ex.max_pnl_factor_bps,
        "adl_target_bps": ex.adl_target_bps,
        "triggered": state.as_ref().ok().map(|s| s.triggered),
        "error": state.as_ref().err().map(refusal_json),
    })
}

/// One line on the venue's auto-deleveraging state.
pub fn adl_text(adl: &Value) -> String {
    let s = |k: &str| adl[k].as_str().unwrap_or("-").to_string();
    let max = pct(adl["max_pnl_factor_bps"].as_u64().unwrap_or(0) as u32);
    let target = pct(adl["adl_target_bps"].as_u64().unwrap_or(0) as u32);
    match adl["triggered"].as_bool() {
        Some(true) => format!(
            "Auto-deleveraging: TRIGGERED: traders' unrealised profit {} USDC is above {max} % of the pool's free cash \
             ({} USDC); the best-ranked candidates are reduced at the oracle price until it is back at {target} %",
            s("liability"),
            s("free_cash")
        ),
        Some(false) => format!(
            "Auto-deleveraging: off (traders' unrealised profit {} USDC, within {max} % of the pool's free cash {} USDC)",
            s("liability"),
            s("free_cash")
        ),
        None => format!("Auto-deleveraging: unknown ({})", adl["error"]["message"].as_str().unwrap_or("no state")),
    }
}

/// `slot`'s standing in the auto-deleveraging queue, as `auto_deleverage`
/// and the keeper judge it: `None` unless the position is in profit. Its
/// PnL and its side's at the price the program would fill a gain at
/// (`MarketQuote::gain_price` of the reader's quote), the cost the quote's
/// magnitude, the notional at that price, the account's equity from
/// `account_health`.
fn standing(venue: &Venue, quotes: &[Quote], equity: Option<i128>, slot: &PositionSlot) -> Option<Value> {
    let market = venue.markets.get(slot.market as usize)?.market;
    let q = *quotes.get(slot.market as usize)?.as_ref().ok()?;
    let old = slot.position();
    let s = adl::standing(&market, &q, old).ok()?;
    if s.pnl <= 0 {
        return None;
    }
    let rank = adl::rank(old, s.price, s.pnl, equity?).ok()?;
    Some(json!({"rank": rank.to_string(), "candidate": s.candidate}))
}

/// Add each row's `adl` (`{rank, candidate}`, `null` unless the position
/// is in profit) to [`crate::report::positions_json`] rows of `account`
/// (rows in the order of its open positions).
pub fn add_adl_standing(rows: &mut [Value], venue: &Venue, sim: &Sim, account: &MarginAccount) {
    // `auto_deleverage` quotes markets as a reader does (no stress observed).
    let quotes = venue.reader_quotes();
    let equity = sim.health(account).ok().map(|h| h.equity);
    for (row, slot) in rows.iter_mut().zip(account.open_positions()) {
        row["adl"] = standing(venue, &quotes, equity, slot).unwrap_or(Value::Null);
    }
}

/// An `adl_rank` (bps of bps) as return times leverage, 4 decimals.
fn rank_text(rank: &str) -> String {
    match rank.parse::<u128>() {
        Ok(u128::MAX) => "first (equity not positive)".into(),
        Ok(r) => fmt_fixed((r / 10_000).min(i128::MAX as u128) as i128, 4),
        Err(_) => rank.to_string(),
    }
}

/// One line per profitable position of `rows` with its ADL rank and
/// candidacy (empty if none is in profit).
pub fn standing_text(rows: &[Value]) -> String {
    let mut out = Vec::new();
    for r in rows.iter().filter(|r| r["adl"].is_object()) {
        let side = if r["size"].as_str().unwrap_or("").starts_with('-') { "shorts'" } else { "longs'" };
        let verdict = if r["adl"]["candidate"].as_bool() == Some(true) {
            format!("a candidate (at or above the {side} average return)")
        } else {
            format!("not a candidate (below the {side} average return)")
        };
        out.push(format!(
            "{} ADL rank {} (return x leverage): {verdict}",
            r["market"].as_str().unwrap_or("?"),
            rank_text(r["adl"]["rank"].as_str().unwrap_or("-"))
        ));
    }
    out.join("\n")
}

/// The line on an account's unsettled PnL (empty when there is none).
pub fn unsettled_text(account: &MarginAccount, venue: &Venue) -> String {
    if account.unsettled_pnl == 0 {
        return String::new();
    }
    format!(
        "Unsettled PnL: {} USDC owed by the pool (counted in full by maintenance health, at {} % by initial health, \
         not withdrawable): `ballast account settle-pnl` pays it when the pool has cash",
        fmt_quote(account.unsettled_pnl),
        pct(venue.exchange.unsettled_weight_bps)
    )
}

/// The preview's warning when a fill would leave `unsettled` (quote units)
/// of its profit unpaid (empty when 0).
pub fn unsettled_warning(unsettled: u64) -> String {
    if unsettled == 0 {
        return String::new();
    }
    format!(
        "WARNING: the pool has too little cash to pay all of this profit: {} USDC of it would be left as unsettled \
         PnL, owed to the account; `ballast account settle-pnl` (settle_pnl) pays it when the pool has cash",
        fmt_quote(unsettled)
    )
}

/// The same, from a JSON amount (`fill.unsettled`, `execution.unsettled`).
pub fn unsettled_warning_json(v: &Value) -> String {
    let amount = v.as_str().and_then(|s| ballast_client::amount::parse_fixed(s, 6, "unsettled").ok());
    unsettled_warning(amount.and_then(|a| u64::try_from(a).ok()).unwrap_or(0))
}

/// `text` then `line` on its own line, if `line` is not empty.
pub fn with_line(text: String, line: &str) -> String {
    if line.is_empty() {
        text
    } else if text.is_empty() {
        line.to_string()
    } else {
        format!("{text}\n{line}")
    }
}

/// `ballast account settle-pnl [ACCOUNT]`: pay `account`'s unsettled PnL
/// (the signer's account `id` by default) from the pool's cash,
/// previewed with the program's own `settle_pnl` on copies. Anyone may
/// settle any account: the payment only goes into its collateral.
pub async fn settle<B: Backend>(s: &Session<'_, B>, id: u32, account: Option<Pubkey>) -> Result<()> {
    let venue = s.venue().await?;
    let signer = s.signer()?.pubkey();
    let key = account.unwrap_or_else(|| ix::margin_address(&signer, id));
    let data = s.backend.get_account(&key).await?.with_context(|| match account {
        Some(_) => format!("no margin account at {key}"),
        None => format!("no margin account {id} for {signer}: its owner creates it with `ballast account create`"),
    })?;
    let acc: MarginAccount = zero_copy(&data.data).with_context(|| format!("{key} is not a margin account"))?;
    let verdict = Sim::new(&venue).settle_pnl(&acc);
    let after = verdict.as_ref().ok().map(|r| r.account);
    let mut v = json!({
        "command": "account settle-pnl", "account": key.to_string(), "owner": acc.owner.to_string(),
        "unsettled_before": q(acc.unsettled_pnl),
        "netted": verdict.as_ref().ok().map(|r| q(r.settled.netted)),
        "paid": verdict.as_ref().ok().map(|r| q(r.settled.paid)),
        "left": verdict.as_ref().ok().map(|r| q(r.settled.left)),
        "collateral_before": q(acc.collateral), "collateral_after": after.map(|a| q(a.collateral)),
        "pool": {"balance": q(venue.pool.balance), "unsettled": q(venue.pool.unsettled)},
        "accepted": verdict.is_ok(), "refusal": verdict.as_ref().err().map(refusal_json),
        "dry_run": s.dry_run, "signature": Value::Null,
    });
    if let Err(r) = verdict {
        s.print(&v, || settle_text(&v));
        if r.name == "PoolInsufficient" {
            bail!(
                "the program would refuse to settle {key}: {r}; the pool has no cash to pay its {} USDC now \
                 (it pays when LP deposits or traders' losses bring cash)",
                fmt_quote(acc.unsettled_pnl)
            );
        }
        bail!("the program would refuse to settle {key}: {r}");
    }
    let signature = s.send("settle pnl", &[ix::settle_pnl(key, &venue.keys())]).await?;
    v["signature"] = sig(&signature);
    s.print(&v, || done(&settle_text(&v), &signature));
    Ok(())
}

fn settle_text(v: &Value) -> String {
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or("-").to_string();
    let mut out = format!(
        "Settle the unsettled PnL of {}: {} USDC owed\nPool: {} USDC of cash, {} USDC of unsettled PnL owed in all",
        s(v, "account"),
        s(v, "unsettled_before"),
        s(&v["pool"], "balance"),
        s(&v["pool"], "unsettled")
    );
    if v["accepted"].as_bool() == Some(true) {
        out += &format!(
            "\nPaid {} USDC into the collateral ({} USDC set against its deficit), {} USDC left unsettled\n\
             Collateral: {} -> {} USDC",
            s(v, "paid"),
            s(v, "netted"),
            s(v, "left"),
            s(v, "collateral_before"),
            s(v, "collateral_after")
        );
    }
    if let Some(r) = v["refusal"].as_object() {
        out += &format!("\nREFUSED: {} ({})", r["message"].as_str().unwrap_or(""), r["name"].as_str().unwrap_or(""));
    }
    out
}

/// The error `account close` gives while `account` has unsettled PnL (the
/// program refuses it with `UnsettledPnlLeft`), `None` otherwise.
pub fn close_refusal(id: u32, account: &MarginAccount) -> Option<anyhow::Error> {
    if account.unsettled_pnl == 0 {
        return None;
    }
    let r = Refusal::from(EngineError::UnsettledPnlLeft);
    Some(anyhow::anyhow!(
        "margin account {id} has {} USDC of unsettled PnL left: settle it first with `ballast account settle-pnl` \
         (paid into the collateral when the pool has cash), then `ballast withdraw all`; the program refuses to close \
         it: {r}",
        fmt_signed_quote(account.unsettled_pnl as i128)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_read_as_return_times_leverage_and_zero_unsettled_warns_nothing() {
        assert_eq!(rank_text("15658131"), "0.1565");
        assert_eq!(rank_text(&u128::MAX.to_string()), "first (equity not positive)");
        assert_eq!(unsettled_warning_json(&json!("0.000000")), "");
        assert_eq!(unsettled_warning_json(&Value::Null), "");
        assert!(unsettled_warning_json(&json!("140.900000")).contains(": 140.900000 USDC of it would be left"));
        assert_eq!(with_line(String::new(), "a"), "a");
        assert_eq!(with_line("a".into(), ""), "a");
        let acc: MarginAccount = bytemuck::Zeroable::zeroed();
        assert!(close_refusal(0, &acc).is_none());
    }
}
