//! What the pool charges, as the CLI shows it: each market's funding and
//! borrow rates, the pool's utilisation and reserve headroom (`markets`),
//! each position's accrued funding and borrow fee (`positions`), and a
//! trade's price impact and hourly cost (the trade preview). Every figure
//! comes from the program's own functions (`engine::funding`) and state.

use crate::report::q;
use ballast_client::simulate::{Sim, TradeSim};
use ballast_client::venue::Venue;
use ballast_risk::funding::{utilisation_bps, SLOTS_PER_HOUR};
use margin_engine::engine::funding::{accrual_price, owed, projected_indexes, Owed};
use margin_engine::engine::health::MarketQuote;
use margin_engine::state::{Market, PositionSlot};
use serde_json::{json, Value};

/// A rate in ppm per hour as a percentage per hour, e.g. `0.0100 %/h`.
pub fn rate_text(ppm: i64) -> String {
    let sign = if ppm < 0 { "-" } else { "" };
    let p = ppm.unsigned_abs();
    format!("{sign}{}.{:04} %/h", p / 10_000, p % 10_000)
}

/// What a position of `base` owes after one hour at `market`'s stored
/// rates, accrued and rounded as the program would (`projected_indexes` an
/// hour on from the market's last accrual, at `q`'s accrual price).
fn per_hour(market: &Market, q: &MarketQuote, base: i64) -> Option<Owed> {
    let at = accrual_price(q.price, q.ema_price);
    let (f, b) = projected_indexes(market, at, market.funding_slot.saturating_add(SLOTS_PER_HOUR)).ok()?;
    owed(base, (market.funding_index(), market.borrow_index()), f, b).ok()
}

/// A market's rates (what it accrues at until its next touch) and the
/// pool's utilisation at its last valuation.
pub fn market_json(venue: &Venue, index: u16) -> Value {
    let Some(m) = venue.markets.get(index as usize) else {
        return Value::Null;
    };
    let (funding, borrow) = (m.market.funding_rate_ppm, m.market.borrow_rate_ppm);
    let pool = &venue.pool;
    json!({"funding_ppm_per_hour": funding, "funding": rate_text(funding),
           "borrow_ppm_per_hour": borrow, "borrow": rate_text(borrow as i64),
           "utilisation_bps": utilisation_bps(pool.requirement_snapshot as u128, pool.nav_snapshot).ok()})
}

/// The reserve cap now: the pool's requirement, the cap and the room left.
pub fn reserve_json(sim: &Sim) -> Value {
    match sim.reserve() {
        Ok(r) => json!({"requirement": q(r.requirement.min(u64::MAX as u128) as u64), "nav": q(r.nav),
                        "reserve_factor_bps": r.factor_bps, "cap": q(r.cap.min(u64::MAX as u128) as u64),
                        "headroom": q(r.headroom().clamp(i64::MIN as i128, i64::MAX as i128) as i64)}),
        Err(e) => json!({"error": e.to_string()}),
    }
}

/// One line on the reserve cap, for `markets`.
pub fn reserve_text(v: &Value) -> String {
    if v["error"].is_string() {
        return format!("Pool reserve: not valued ({})", v["error"].as_str().unwrap_or(""));
    }
    let s = |k: &str| v[k].as_str().unwrap_or("-").to_string();
    format!(
        "Pool reserve: requirement {} of a cap of {} ({} bps of NAV {}): headroom {} USDC",
        s("requirement"),
        s("cap"),
        v["reserve_factor_bps"],
        s("nav"),
        s("headroom")
    )
}

/// What a position owes now for funding and borrowing (accrued to this
/// slot), for `positions`.
pub fn position_json(sim: &Sim, slot: &PositionSlot) -> Value {
    match sim.funding_owed(slot) {
        Ok(o) => json!({"funding": q(o.funding), "borrow": q(o.borrow)}),
        Err(_) => Value::Null,
    }
}

/// A previewed trade's charges: the price impact (negative: a rebate),
/// the funding and borrow fee the position settled first, the LP share of
/// the fees, and what the position after pays per hour at the market's
/// rates after the fill.
pub fn trade_json(sim: &Sim, t: &TradeSim) -> Value {
    let o = &t.outcome;
    let b = o.funding.borrow;
    let hourly = sim
        .quote(t.market.index)
        .ok()
        .and_then(|qt| per_hour(&t.market, &qt, o.position.base))
        .map(|h| json!({"funding": q(h.funding), "borrow": q(h.borrow)}));
    json!({
        "impact": q(o.impact_charge as i64 - o.impact_rebate as i64),
        "funding_settled": q(o.funding.funding),
        "borrow_fee_settled": q(b.lp + b.insurance + b.protocol),
        "lp_fee": q(o.lp_fee),
        "per_hour": hourly,
    })
}

/// The trade preview's lines on [`trade_json`].
pub fn trade_text(v: &Value) -> String {
    let s = |k: &str| v[k].as_str().unwrap_or("-").to_string();
    let mut out = format!("Impact: {} USDC (negative: a rebate from the impact pool)", s("impact"));
    if s("funding_settled") != "0.000000" || s("borrow_fee_settled") != "0.000000" {
        out += &format!(
            "\nSettled first: funding {} USDC, borrow fee {} USDC",
            s("funding_settled"),
            s("borrow_fee_settled")
        );
    }
    let h = &v["per_hour"];
    if h.is_object() {
        out += &format!(
            "\nHolding: funding {} USDC/h (negative: received), borrow fee {} USDC/h",
            h["funding"].as_str().unwrap_or("-"),
            h["borrow"].as_str().unwrap_or("-")
        );
    }
    out
}
