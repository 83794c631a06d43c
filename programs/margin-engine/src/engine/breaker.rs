//! The price-band circuit breaker, observed inline by every instruction that
//! quotes a market (trade, liquidate, refresh_market) and by the
//! `refresh_breakers` crank.

use super::health::MarketQuote;
use crate::errors::EngineError;
use crate::events::{BreakerReleased, BreakerTripped};
use crate::state::Market;
use anchor_lang::prelude::*;
use ballast_risk::breaker::{observe, out_of_band};

/// Events of one observation, emitted by the handler once its work is done.
#[derive(Clone, Copy, Debug, Default)]
pub struct BreakerEvents {
    /// The previous trip's cooldown had ended.
    pub released: Option<BreakerReleased>,
    /// The price was outside the band.
    pub tripped: Option<BreakerTripped>,
}

impl BreakerEvents {
    /// Emit what happened (release first).
    pub fn emit(&self) {
        if let Some(e) = self.released {
            ballast_runtime::emit_event!(e);
        }
        if let Some(e) = self.tripped {
            ballast_runtime::emit_event!(e);
        }
    }
}

/// Observe `market`'s breaker at `slot` with its current `quote`: release
/// an expired trip, trip on a price outside the band. Mutates the market.
pub fn observe_breaker(market: &mut Market, quote: &MarketQuote, slot: u64) -> Result<BreakerEvents> {
    let outside = out_of_band(quote.price, quote.ema_price, market.params.band_bps).map_err(EngineError::from)?;
    let (next, change) = observe(&market.breaker(), outside, slot, market.params.breaker_cooldown_slots);
    market.set_breaker(&next);
    Ok(BreakerEvents {
        released: change.released.then_some(BreakerReleased { market: market.index, slot }),
        tripped: change.tripped.then_some(BreakerTripped {
            market: market.index,
            price: quote.price,
            ema_price: quote.ema_price,
            band_bps: market.params.band_bps,
            until_slot: next.until_slot,
            trips: next.trips,
        }),
    })
}
