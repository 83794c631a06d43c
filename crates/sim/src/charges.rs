//! What the pool charged over a run: funding paid and received per side,
//! borrow fees, fees routed to LPs, price impact, trades refused for the
//! pool's capacity and the LP return, from the events of every landed
//! transaction (the lab's own and, through the recorder, the keeper's).

use crate::recorder::Event;
use serde::Serialize;

/// A run's pool charges. Amounts at QUOTE_PRECISION.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct ChargeTotals {
    /// Funding the longs paid when their positions settled (negative:
    /// received).
    pub funding_longs: i64,
    /// Funding the shorts paid (negative: received).
    pub funding_shorts: i64,
    /// Borrow fees charged.
    pub borrow_fees: u64,
    /// The LP pool's share of trading and borrow fees.
    pub lp_fees: u64,
    /// Price impact charged into the impact pool.
    pub impact_charged: u64,
    /// Price impact rebated from it.
    pub impact_rebated: u64,
    /// Trades refused for the pool's capacity (`PoolCapacity`).
    pub capacity_refusals: u64,
    /// NAV per LP share at the end over at the start, less one, bps.
    pub lp_return_bps: i64,
}

impl ChargeTotals {
    /// Fold one landed event in. A fill's side is the position's before it
    /// (a trade's `position_base - base`; a liquidation, trigger or
    /// auto-deleveraging only reduces, so the opposite of its fill).
    pub fn fold(&mut self, e: &Event) {
        let (long, funding, borrow) = match e {
            Event::Trade(t) => {
                self.lp_fees += t.lp_fee;
                if t.impact >= 0 {
                    self.impact_charged += t.impact as u64;
                } else {
                    self.impact_rebated += t.impact.unsigned_abs();
                }
                (t.position_base.saturating_sub(t.base) > 0, t.funding, t.borrow_fee)
            }
            Event::Liquidation(l) => (l.base < 0, l.funding, l.borrow_fee),
            Event::Trigger(t) => (t.base < 0, t.funding, t.borrow_fee),
            Event::Adl(d) => (d.base < 0, d.funding, d.borrow_fee),
            Event::Settled(_) => return,
        };
        if long {
            self.funding_longs += funding;
        } else {
            self.funding_shorts += funding;
        }
        self.borrow_fees += borrow;
    }

    /// The LP return from NAV `nav0` over `shares0` shares at the start to
    /// `nav1` over `shares1` at the end, bps (0 without shares).
    pub fn set_lp_return(&mut self, (nav0, shares0): (u64, u64), (nav1, shares1): (u64, u64)) {
        let (start, end) = (nav0 as i128 * shares1 as i128, nav1 as i128 * shares0 as i128);
        self.lp_return_bps = if start > 0 { ((end - start) * 10_000 / start) as i64 } else { 0 };
    }
}
