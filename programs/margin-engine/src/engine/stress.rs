//! Observing network stress from instructions that can write the exchange.

use super::health::Now;
use crate::events::{StressEntered, StressLeft};
use crate::state::{Exchange, Market};
use anchor_lang::prelude::*;
use ballast_risk::oracle::Validity;
use ballast_risk::precision::BPS_DENOMINATOR;
use ballast_risk::stress::{observe as observe_stress, StressChange};
use oracle_adapter::reader::FeedReading;

/// Observe the clock (and the stale-feed share when known), store the new
/// stress state, emit `StressEntered` / `StressLeft` on a change, and return
/// the moment with the resulting stress multiplier.
pub fn observe(ex: &mut Exchange, clock: &Clock, stale_share_bps: Option<u32>) -> Now {
    let change = observe_quiet(ex, clock, stale_share_bps);
    if change.entered {
        ballast_runtime::emit_event!(StressEntered {
            slot: clock.slot,
            until_slot: change.state.stressed_until_slot,
            slot_time_ms: change.measured_slot_ms.unwrap_or(0),
            stale_share_bps: stale_share_bps.unwrap_or(0),
        });
    }
    if change.left {
        ballast_runtime::emit_event!(StressLeft { slot: clock.slot });
    }
    Now::at(ex, clock.unix_timestamp, clock.slot)
}

/// The state half of [`observe`], without events: off-chain previews run
/// it on a copy of the exchange to reach the handler's exact `Now`.
pub fn observe_quiet(ex: &mut Exchange, clock: &Clock, stale_share_bps: Option<u32>) -> StressChange {
    let change =
        observe_stress(&ex.stress_params(), &ex.stress_state(), clock.slot, clock.unix_timestamp, stale_share_bps);
    ex.set_stress_state(&change.state);
    change
}

/// The share of `markets`' feeds that are `Stale` or worse, bps (0 for no
/// markets): the signal `refresh_stress` observes.
pub fn stale_share_bps(markets: &[(Market, FeedReading)]) -> u32 {
    let stale = markets.iter().filter(|(_, r)| r.validity >= Validity::Stale).count() as u64;
    (stale * BPS_DENOMINATOR / (markets.len() as u64).max(1)) as u32
}
