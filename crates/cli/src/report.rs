//! The JSON documents and text tables of the trader commands. Amounts are
//! exact decimal strings with all their decimals: collateral 6, sizes and
//! prices 9 (see the README's "JSON output" section for the schema).

use ballast_client::fmt::{fmt_base, fmt_price, fmt_signed_quote};
use ballast_client::simulate::{Refusal, Requirement, Sim, Terms};
use ballast_client::venue::Venue;
use ballast_risk::health::Health;
use ballast_risk::oracle::Validity;
use ballast_risk::position::{entry_price, position_value, Position};
use margin_engine::state::{MarginAccount, MarketStatus};
use serde_json::{json, Value};
use std::fmt::Write;

/// A quote amount as JSON.
pub fn q(v: impl Into<i128>) -> Value {
    Value::String(fmt_signed_quote(v.into()))
}

/// Health as JSON.
pub fn health_json(h: &Health) -> Value {
    json!({"equity": q(h.equity), "initial": q(h.initial), "maintenance": q(h.maintenance)})
}

/// A refusal as JSON.
pub fn refusal_json(r: &Refusal) -> Value {
    json!({"name": r.name, "message": r.message})
}

fn terms_json(t: &Terms) -> Value {
    json!({"total": q(t.total), "base": q(t.base), "volatility": q(t.volatility), "stress": q(t.stress),
           "confidence": q(t.confidence), "size": q(t.size), "cap": q(t.cap), "phase_in": q(t.phase_in)})
}

fn requirement_json(r: &Requirement) -> Value {
    let t = &r.terms;
    json!({
        "imr_bps": r.imr_bps, "mmr_bps": r.mmr_bps,
        "mmr_terms_bps": {"base": t.base_bps, "volatility": t.volatility_bps, "stress": t.stress_bps,
                          "confidence": t.confidence_bps, "size": t.size_bps, "cap": t.cap_bps,
                          "phase_in": r.phase_in_bps},
        "initial": terms_json(&r.initial), "maintenance": terms_json(&r.maintenance),
    })
}

/// The feed validity's name.
pub fn validity_name(v: Validity) -> String {
    format!("{v:?}")
}

/// Every open position of `account` at `sim`'s quotes: size, entry price,
/// oracle price, unrealised PnL, requirement by term, liquidation price.
pub fn positions_json(venue: &Venue, sim: &Sim, account: &MarginAccount) -> Vec<Value> {
    account
        .open_positions()
        .map(|s| {
            let symbol = venue.markets.get(s.market as usize).map_or("?", |m| m.market.symbol_str());
            let entry = entry_price(s.position(), false);
            let quote = sim.quote(s.market).ok();
            let pnl = quote.and_then(|qt| position_value(&Position { base: s.base, quote: s.quote }, qt.price).ok());
            json!({
                "market": symbol,
                "index": s.market,
                "size": fmt_base(s.base),
                "entry_price": fmt_price(entry),
                "oracle_price": quote.map(|qt| fmt_price(qt.price)),
                "validity": quote.map(|qt| validity_name(qt.validity)),
                "unrealized_pnl": pnl.map(q),
                "requirement": sim.requirement(account, s.market).ok().map(|r| requirement_json(&r)),
                "liquidation_price": sim.liquidation_price(account, s.market).map(fmt_price),
                "accrued": crate::charges::position_json(sim, s),
            })
        })
        .collect()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("-")
}

/// Text table of [`positions_json`] rows.
pub fn positions_text(rows: &[Value]) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        return "no open positions".into();
    }
    let _ = writeln!(
        out,
        "{:<8} {:>16} {:>18} {:>18} {:>16} {:>18}",
        "market", "size", "entry", "oracle", "unrealized", "liquidation"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:<8} {:>16} {:>18} {:>18} {:>16} {:>18}",
            s(r, "market"),
            s(r, "size"),
            s(r, "entry_price"),
            s(r, "oracle_price"),
            s(r, "unrealized_pnl"),
            r["liquidation_price"].as_str().unwrap_or("none")
        );
    }
    for r in rows.iter().filter(|r| r["accrued"].is_object()) {
        let a = &r["accrued"];
        let _ = writeln!(
            out,
            "{} accrued: funding {} USDC (negative: received), borrow fee {} USDC",
            s(r, "market"),
            s(a, "funding"),
            s(a, "borrow")
        );
    }
    for r in rows {
        let req = &r["requirement"];
        if req.is_null() {
            continue;
        }
        let _ = writeln!(
            out,
            "{} requirement: initial {} bps, maintenance {} bps",
            s(r, "market"),
            req["imr_bps"],
            req["mmr_bps"]
        );
        let _ = writeln!(out, "  {:<12} {:>16} {:>16}", "term", "initial", "maintenance");
        for term in ["base", "volatility", "stress", "confidence", "size", "cap", "phase_in", "total"] {
            let _ =
                writeln!(out, "  {:<12} {:>16} {:>16}", term, s(&req["initial"], term), s(&req["maintenance"], term));
        }
    }
    out.trim_end().to_string()
}

/// Health before and after as a text block.
pub fn health_text(before: Option<&Value>, after: Option<&Value>) -> String {
    let mut out = format!("{:<20} {:>18} {:>18}\n", "", "before", "after");
    for key in ["equity", "initial", "maintenance"] {
        let label = match key {
            "equity" => "equity",
            "initial" => "initial health",
            _ => "maintenance health",
        };
        let b = before.map_or("-", |v| s(v, key));
        let a = after.map_or("-", |v| s(v, key));
        let _ = writeln!(out, "{label:<20} {b:>18} {a:>18}");
    }
    out.trim_end().to_string()
}

/// Every market: status, price, validity, ratios now, open interest.
pub fn markets_json(venue: &Venue, sim: &Sim) -> Vec<Value> {
    let slot = venue.clock.slot;
    venue
        .markets
        .iter()
        .map(|m| {
            let mk = &m.market;
            let status = if mk.is_settled() {
                "settled"
            } else if mk.breaker().active(slot) {
                "breaker"
            } else if mk.is_reduce_only(slot) {
                "reduce-only"
            } else if mk.status == MarketStatus::Active as u8 {
                "active"
            } else {
                "closed"
            };
            let quote = sim.quote(mk.index);
            json!({
                "index": mk.index,
                "symbol": mk.symbol_str(),
                "status": status,
                "price": quote.as_ref().ok().map(|qt| fmt_price(qt.price)),
                "conf": quote.as_ref().ok().map(|qt| fmt_price(qt.conf as i64)),
                "validity": quote.as_ref().ok().map(|qt| validity_name(qt.validity)),
                "vol_bps": quote.as_ref().ok().map(|qt| qt.vol_bps),
                "imr_bps": quote.as_ref().ok().and_then(|qt| qt.ratios(0).ok()).map(|r| r.imr_bps),
                "mmr_bps": quote.as_ref().ok().and_then(|qt| qt.ratios(0).ok()).map(|r| r.mmr_bps),
                "fee_bps": mk.params.fee_bps,
                "long_oi": fmt_base(mk.long_oi as i64),
                "short_oi": fmt_base(mk.short_oi as i64),
                "oi_cap": fmt_base(mk.oi_cap as i64),
                "rates": crate::charges::market_json(venue, mk.index),
                "error": quote.err().map(|e| refusal_json(&e)),
            })
        })
        .collect()
}

/// Text table of [`markets_json`] rows.
pub fn markets_text(rows: &[Value]) -> String {
    let mut out = format!(
        "{:<3} {:<8} {:<12} {:>20} {:<13} {:>6} {:>6} {:>16} {:>16} {:>16} {:>14} {:>14} {:>6}\n",
        "#",
        "market",
        "status",
        "price",
        "validity",
        "IMR",
        "MMR",
        "long OI",
        "short OI",
        "OI cap",
        "funding",
        "borrow",
        "util"
    );
    for r in rows {
        let rate = |k: &str| r["rates"][k].as_str().unwrap_or("-").to_string();
        let util = r["rates"]["utilisation_bps"].as_u64().map_or("-".into(), |u| format!("{}%", u / 100));
        let _ = writeln!(
            out,
            "{:<3} {:<8} {:<12} {:>20} {:<13} {:>6} {:>6} {:>16} {:>16} {:>16} {:>14} {:>14} {:>6}",
            r["index"],
            s(r, "symbol"),
            s(r, "status"),
            s(r, "price"),
            s(r, "validity"),
            r["imr_bps"],
            r["mmr_bps"],
            s(r, "long_oi"),
            s(r, "short_oi"),
            s(r, "oi_cap"),
            rate("funding"),
            rate("borrow"),
            util
        );
    }
    out.trim_end().to_string()
}
