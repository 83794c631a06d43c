//! The refresh engine: plain structs in, plain structs out. The handler loads
//! accounts; this judges sources and mutates the `PriceFeed`.

use crate::constants::PRICE_FEED_VERSION;
use crate::errors::AdapterError;
use crate::sources::{evaluate, SourceInput};
use crate::state::PriceFeed;
use ballast_risk::oracle::{aggregate, Guards, Quote, MAX_SOURCES};

/// `FeedRefreshed.verdicts` value for an unused source slot.
pub const NO_SOURCE: u8 = 0xff;

/// What a refresh did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshOutcome {
    /// Per configured source, its `Verdict` byte; unused slots `NO_SOURCE`.
    pub verdicts: [u8; MAX_SOURCES],
    /// Whether a new price was published.
    pub applied: bool,
}

/// Bring a version-1 feed to this layout. Its new fields sit in what were
/// zeroed reserved bytes, so only the new guard rails need values (the
/// defaults; governance may then change them) and the stored validity,
/// whose bytes 2 and 3 swapped meaning, is cleared (the refresh that
/// upgrades computes it afresh). Until a refresh upgrades it, readers
/// refuse the feed (`FeedVersionUnsupported`).
fn upgrade_from_v1(feed: &mut PriceFeed) {
    let defaults = Guards::default_liquid();
    feed.max_future_secs = defaults.max_future_secs;
    feed.jump_confirm_slots = defaults.jump_confirm_slots;
    feed.validity = 0;
    feed.version = PRICE_FEED_VERSION;
}

/// Judge `inputs` (one per configured source, in order) and aggregate the
/// accepted ones into `feed` at time `now_ts` / `now_slot`.
///
/// Every input must be the configured source at its position: a missing,
/// extra, reordered or substituted account fails the whole refresh
/// (`SourceCountMismatch` / `SourceMismatch`) and leaves the feed as it
/// was. A source can then only be rejected for what its own account says
/// (owner, format, age, conf), never dropped by the caller's choice.
pub fn refresh(
    feed: &mut PriceFeed,
    inputs: &[SourceInput],
    now_ts: i64,
    now_slot: u64,
) -> Result<RefreshOutcome, AdapterError> {
    let configured = feed.active_sources();
    if inputs.len() != configured.len() {
        return Err(AdapterError::SourceCountMismatch);
    }
    if configured.iter().zip(inputs).any(|(cfg, input)| input.key != &cfg.account) {
        return Err(AdapterError::SourceMismatch);
    }
    match feed.version {
        PRICE_FEED_VERSION => {}
        1 => upgrade_from_v1(feed),
        _ => return Err(AdapterError::FeedVersionUnsupported),
    }
    let guards = feed.guards();
    let mut verdicts = [NO_SOURCE; MAX_SOURCES];
    let mut quotes = [Quote { price: 0, conf: 0, publish_time: 0, slot: 0 }; MAX_SOURCES];
    let mut n = 0;
    for (i, (cfg, input)) in feed.active_sources().iter().zip(inputs).enumerate() {
        match evaluate(cfg, input, &guards, now_ts, now_slot) {
            Ok(q) => {
                quotes[n] = q;
                n += 1;
                verdicts[i] = 0;
            }
            Err(v) => verdicts[i] = v as u8,
        }
    }
    let out = aggregate(&feed.state(), &quotes[..n], feed.num_sources as usize, &guards, now_ts, now_slot)?;
    feed.set_state(&out.state)?;
    feed.last_refresh_slot = now_slot;
    feed.last_refresh_ts = now_ts;
    Ok(RefreshOutcome { verdicts, applied: out.applied })
}
