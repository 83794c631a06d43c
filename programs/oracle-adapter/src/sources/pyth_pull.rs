//! Pyth pull oracle: `PriceUpdateV2` (134 bytes with discriminator), read with
//! the maintained `pyth-solana-receiver-sdk` type.

use anchor_lang::{AccountDeserialize, Discriminator};
use ballast_risk::oracle::{RawQuote, Verdict};
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};

/// Whether `data` starts with the `PriceUpdateV2` discriminator.
pub fn has_discriminator(data: &[u8]) -> bool {
    data.get(..8) == Some(PriceUpdateV2::DISCRIMINATOR)
}

/// Parse and check an update: discriminator and Borsh layout, full Wormhole
/// verification, and the configured feed id.
pub fn parse(data: &[u8], feed_id: &[u8; 32]) -> Result<RawQuote, Verdict> {
    let update = parse_account(data)?;
    if update.verification_level != VerificationLevel::Full {
        return Err(Verdict::Unverified);
    }
    if &update.price_message.feed_id != feed_id {
        return Err(Verdict::FeedIdMismatch);
    }
    Ok(quote(&update))
}

/// Deserialize the account without checking verification or feed id (for
/// off-chain inspection; `parse` is what the program uses).
pub fn parse_account(data: &[u8]) -> Result<PriceUpdateV2, Verdict> {
    if !has_discriminator(data) {
        return Err(Verdict::Malformed);
    }
    let mut slice = data;
    PriceUpdateV2::try_deserialize(&mut slice).map_err(|_| Verdict::Malformed)
}

/// The quote of a deserialized update.
pub fn quote(update: &PriceUpdateV2) -> RawQuote {
    let m = &update.price_message;
    RawQuote {
        price: m.price as i128,
        conf: m.conf as u128,
        expo: m.exponent,
        conf_expo: m.exponent,
        publish_time: m.publish_time,
        slot: update.posted_slot,
    }
}
