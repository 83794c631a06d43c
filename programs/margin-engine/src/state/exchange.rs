//! The singleton `Exchange`.

use anchor_lang::prelude::*;
use ballast_risk::guardian::{GuardianLimits, GuardianState};
use ballast_risk::stress::{StressParams, StressState};

/// Global state (PDA `[EXCHANGE_SEED]`). Never reorder fields; new fields
/// go at the end (the size assertion below records the layout).
#[account(zero_copy)]
#[repr(C)]
#[derive(Debug)]
pub struct Exchange {
    /// Governance authority (a multisig vault in production).
    pub governance: Pubkey,
    /// Guardian: may only tighten (circuit-breaker issue).
    pub guardian: Pubkey,
    /// Collateral mint (6 decimals).
    pub collateral_mint: Pubkey,
    /// Token vault of trader collateral and fees.
    pub collateral_vault: Pubkey,
    /// Token vault of the insurance fund.
    pub insurance_vault: Pubkey,
    /// Token vault of the LP pool.
    pub pool_vault: Pubkey,
    /// Sum of every margin account's collateral. precision: QUOTE_PRECISION.
    /// Invariant: collateral vault balance == total_collateral +
    /// fees_balance + impact_pool.
    pub total_collateral: u64,
    /// Trading fees held in the collateral vault. precision: QUOTE_PRECISION.
    pub fees_balance: u64,
    /// Insurance fund; equals the insurance vault. precision: QUOTE_PRECISION.
    pub insurance_balance: u64,
    /// Max collateral per margin account. precision: QUOTE_PRECISION.
    pub deposit_cap: u64,
    /// Operations paused (`constants::pause`).
    pub pause_bits: u32,
    /// Markets created; the next market's index.
    pub market_count: u16,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Canonical bump of the vault authority PDA.
    pub vault_authority_bump: u8,
    /// Layout version.
    pub version: u8,
    /// Padding.
    pub padding: [u8; 7],
    /// Stress multiplier applied while stressed, bps (>= 10_000).
    pub stress_mult_bps: u32,
    /// Slot time above which the network is stressed, ms.
    pub slot_time_threshold_ms: u32,
    /// Share of stale feeds above which the exchange is stressed, bps.
    pub stale_share_threshold_bps: u32,
    /// 1 while stress mode was on at the last observation.
    pub stress_active: u8,
    /// Padding.
    pub padding1: [u8; 3],
    /// Slots per slot-time measurement window.
    pub stress_window_slots: u64,
    /// Slots stress mode lasts after the last signal.
    pub stress_cooldown_slots: u64,
    /// First slot of the current slot-time window.
    pub stress_window_start_slot: u64,
    /// Unix time at the start of the window.
    pub stress_window_start_ts: i64,
    /// Stressed while the slot is below this.
    pub stressed_until_slot: u64,
    /// The insurance fund may not fall below this. precision: QUOTE_PRECISION.
    pub insurance_floor: u64,
    /// Losses socialised into the pool so far. precision: QUOTE_PRECISION.
    pub socialized_losses: u64,
    /// Share of every trading fee paid into the insurance fund, bps.
    pub insurance_fee_share_bps: u32,
    /// Padding.
    pub padding2: [u8; 4],
    /// Pause bits set by the guardian; they lapse at `guardian_expires_slot`.
    pub guardian_pause_bits: u32,
    /// Most guardian pauses in a run.
    pub max_consecutive_pauses: u8,
    /// Most guardian pauses starting per day.
    pub max_pauses_per_day: u8,
    /// Guardian pauses started in the current day window.
    pub guardian_day_count: u8,
    /// Guardian pauses in the current run.
    pub guardian_consecutive: u8,
    /// The guardian's pauses (and reduce-only holds) end at this slot.
    pub guardian_expires_slot: u64,
    /// First slot of the guardian's current day window.
    pub guardian_day_start_slot: u64,
    /// Longest guardian pause, slots.
    pub max_pause_slots: u64,
    /// Slots a loosening governance change waits before it may be applied.
    pub timelock_slots: u64,
    /// Id of the next queued governance change.
    pub next_change_id: u64,
    /// Weight of unsettled PnL in initial health, bps (maintenance counts
    /// it in full; withdrawals not at all).
    pub unsettled_weight_bps: u32,
    /// Auto-deleveraging may run while the traders' unrealised profit is
    /// above this share of the pool's free cash, bps.
    pub max_pnl_factor_bps: u32,
    /// Auto-deleveraging brings that share down to this, never below, bps.
    pub adl_target_bps: u32,
    /// Share of every trading and borrow fee paid into the LP pool, bps
    /// (the insurance fund takes `insurance_fee_share_bps`, the protocol
    /// the rest).
    pub lp_fee_share_bps: u32,
    /// A trade that adds risk may not take the pool's requirement above
    /// this share of its NAV, bps.
    pub reserve_factor_bps: u32,
    /// The same while the exchange is stressed (<= `reserve_factor_bps`), bps.
    pub stress_reserve_factor_bps: u32,
    /// The impact pool: price-impact charges held in the collateral vault,
    /// from which rebates are paid (never more than it holds).
    /// Invariant: collateral vault == total_collateral + fees_balance +
    /// impact_pool. precision: QUOTE_PRECISION.
    pub impact_pool: u64,
}

const _: () = assert!(core::mem::size_of::<Exchange>() == 400);
const _: () = assert!(core::mem::align_of::<Exchange>() == 8);

impl Exchange {
    /// Stress parameters for the risk crate.
    pub fn stress_params(&self) -> StressParams {
        StressParams {
            stress_mult_bps: self.stress_mult_bps,
            slot_time_threshold_ms: self.slot_time_threshold_ms,
            stale_share_threshold_bps: self.stale_share_threshold_bps,
            window_slots: self.stress_window_slots,
            cooldown_slots: self.stress_cooldown_slots,
        }
    }

    /// The stored stress state.
    pub fn stress_state(&self) -> StressState {
        StressState {
            window_start_slot: self.stress_window_start_slot,
            window_start_ts: self.stress_window_start_ts,
            stressed_until_slot: self.stressed_until_slot,
            active: self.stress_active != 0,
        }
    }

    /// Store a stress state.
    pub fn set_stress_state(&mut self, s: &StressState) {
        self.stress_window_start_slot = s.window_start_slot;
        self.stress_window_start_ts = s.window_start_ts;
        self.stressed_until_slot = s.stressed_until_slot;
        self.stress_active = s.active as u8;
    }

    /// The stress multiplier at `slot`.
    pub fn stress_mult_at(&self, slot: u64) -> u32 {
        ballast_risk::stress::stress_mult_bps(&self.stress_params(), &self.stress_state(), slot)
    }

    /// The reserve factor at `slot`: the stress one while stressed.
    pub fn reserve_factor_at(&self, slot: u64) -> u32 {
        if self.stress_mult_at(slot) > ballast_risk::margin::MULT_ONE {
            self.stress_reserve_factor_bps.min(self.reserve_factor_bps)
        } else {
            self.reserve_factor_bps
        }
    }

    /// Whether `op` (a `constants::pause` bit) is paused at `slot`: by
    /// governance, or by the guardian until its pause lapses.
    pub fn is_paused(&self, op: u32, slot: u64) -> bool {
        self.pause_bits & op != 0 || (self.guardian_pause_bits & op != 0 && self.guardian().active(slot))
    }

    /// The guardian's rate-limit state.
    pub fn guardian(&self) -> GuardianState {
        GuardianState {
            expires_slot: self.guardian_expires_slot,
            day_start_slot: self.guardian_day_start_slot,
            day_count: self.guardian_day_count,
            consecutive: self.guardian_consecutive,
        }
    }

    /// Store the guardian's rate-limit state.
    pub fn set_guardian(&mut self, s: &GuardianState) {
        self.guardian_expires_slot = s.expires_slot;
        self.guardian_day_start_slot = s.day_start_slot;
        self.guardian_day_count = s.day_count;
        self.guardian_consecutive = s.consecutive;
    }

    /// The guardian's limits.
    pub fn guardian_limits(&self) -> GuardianLimits {
        GuardianLimits {
            max_pause_slots: self.max_pause_slots,
            max_consecutive: self.max_consecutive_pauses,
            max_per_day: self.max_pauses_per_day,
        }
    }
}
