//! Governance helpers of the suites: field codes, change builders, and
//! queueing a change.

use crate::context::TestContext;
use crate::venue::load;
use ballast_client::engine as ix;
use margin_engine::engine::governance::EXCHANGE_TARGET;
use margin_engine::events::ChangeQueued;
use margin_engine::instructions::ParamChange;
use margin_engine::state::Exchange;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

/// Field codes (`MARKET_FIELDS` / `EXCHANGE_FIELDS` order; checked against
/// the program's tables below).
pub mod field {
    /// Market `imr_bps`.
    pub const IMR: u8 = 0;
    /// Market `mmr_bps`.
    pub const MMR: u8 = 1;
    /// Market `fee_bps`.
    pub const FEE: u8 = 4;
    /// Market `oi_cap`.
    pub const OI_CAP: u8 = 9;
    /// Market `band_bps`.
    pub const BAND: u8 = 23;
    /// Market `breaker_cooldown_slots`.
    pub const BREAKER_COOLDOWN: u8 = 24;
    /// Market `status`.
    pub const STATUS: u8 = 25;
    /// Exchange `insurance_floor`.
    pub const INSURANCE_FLOOR: u8 = 6;
    /// Exchange `timelock_slots`.
    pub const TIMELOCK: u8 = 11;
}

/// A change of numeric `field` of market `index` to `value`.
pub fn market(index: u16, field: u8, value: u64) -> ParamChange {
    ParamChange { target: index, field, value, key: Pubkey::default() }
}

/// A change of numeric exchange `field` to `value`.
pub fn exchange(field: u8, value: u64) -> ParamChange {
    ParamChange { target: EXCHANGE_TARGET, field, value, key: Pubkey::default() }
}

/// The id the next queued change gets.
pub async fn next_id(tc: &mut TestContext) -> u64 {
    load::<Exchange>(tc, &ix::exchange_address()).await.next_change_id
}

/// Queue `c` signed by `gov`; returns its id and eta.
pub async fn queue(tc: &mut TestContext, gov: &Keypair, c: ParamChange) -> (u64, u64) {
    let id = next_id(tc).await;
    let logs = tc.process_logged(&[ix::queue_change(gov.pubkey(), id, c)], &[gov]).await.expect("queue_change");
    let ev: ChangeQueued = crate::adapter::find_event(&logs).expect("ChangeQueued");
    (ev.id, ev.eta_slot)
}

#[cfg(test)]
mod tests {
    use super::field::*;
    use margin_engine::engine::governance::{EXCHANGE_FIELDS, MARKET_FIELDS};

    #[test]
    fn the_field_codes_name_the_programs_fields() {
        let m = |c: u8| MARKET_FIELDS[c as usize].name;
        assert_eq!(
            [m(IMR), m(MMR), m(FEE), m(OI_CAP), m(BAND), m(BREAKER_COOLDOWN), m(STATUS)],
            ["imr_bps", "mmr_bps", "fee_bps", "oi_cap", "band_bps", "breaker_cooldown_slots", "status"]
        );
        let e = |c: u8| EXCHANGE_FIELDS[c as usize].name;
        assert_eq!([e(INSURANCE_FLOOR), e(TIMELOCK)], ["insurance_floor", "timelock_slots"]);
    }
}
