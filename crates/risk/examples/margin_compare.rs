//! Static against dynamic margin on the same synthetic path: calm, then a
//! volatility spike, then a crash. The model uses the risk crate's own
//! functions (health, ratios, phase-in, volatility EWMA) — the code the chain
//! runs — on a population of leveraged traders. Run: `scripts/margin-compare.sh`.
//!
//! Model (seeded, deterministic):
//! - one market at 100; 600 steps of 60 s (150 slots each);
//! - volatility 60 % for 200 steps, 250 % for 200 steps (the spike), then a
//!   crash: 40 steps drifting down 0.8 % each with three 7 % gaps (steps
//!   410, 425, 440), and a calm tail;
//! - 400 traders with 1,000 collateral each, leverage spread over 1.5x-9.5x,
//!   70 % long; they open at step 0 and the herd re-levers to its target
//!   whenever initial health allows (every 20 steps, a fifth of them);
//! - each step, any account with maintenance health < 0 is closed at the
//!   price: counted, its notional summed, negative equity is bad debt.
//!
//! Static: base IMR/MMR. Dynamic: IMR from the target at once, MMR phased.

use ballast_risk::health::{health, MarginRatios, PositionRisk};
use ballast_risk::margin::{market_mmr_bps, mult_for_mmr, phase_toward, phased_mmr_bps, position_ratios};
use ballast_risk::margin::{DynamicParams, MarginInputs, PhaseParams, PhaseState, MULT_ONE};
use ballast_risk::oracle::{approx_log_return, ewma, variance_sample, vol_bps};
use ballast_risk::position::{apply_fill, notional_ceil, position_value, Position};
use ballast_risk::rng::Rng;

const P: i64 = 1_000_000_000; // price 1.0
const USD: i64 = 1_000_000;
const STEP_SECS: u64 = 60;
const SLOTS_PER_STEP: u64 = 150;
const DYN: DynamicParams = DynamicParams {
    base_mmr_bps: 500,
    base_imr_bps: 1_000,
    max_mmr_bps: 5_000,
    reference_vol_bps: 8_000,
    vol_cap_bps: 40_000,
    size_factor_bps: 10,
    conf_margin_mult_bps: 0,
};
const PHASE: PhaseParams = PhaseParams { step_bps_per_slot: 10, cooldown_slots: 3_000 };

/// Approximately standard normal, in units of 1/1000 (sum of 12 uniforms).
fn normal_milli(rng: &mut Rng) -> i64 {
    (0..12).map(|_| rng.below(1_000) as i64).sum::<i64>() - 6_000
}

fn price_path() -> Vec<i64> {
    let mut rng = Rng(0x0005_eed0_fba1_1a57);
    let mut p = 100 * P;
    let mut path = vec![p];
    for step in 1..600 {
        // Per-step stdev of returns, bps: annual vol * sqrt(60 s / year).
        let sigma_bps: i64 = if step < 200 {
            8
        } else if step < 400 {
            34
        } else {
            8
        };
        let drift_bps: i64 = if (400..440).contains(&step) { -80 } else { 0 };
        let gap_bps: i64 = if [410, 425, 440].contains(&step) { -700 } else { 0 };
        let ret_bps = drift_bps + gap_bps + sigma_bps * normal_milli(&mut rng) / 1_000;
        p = (p + p / 10_000 * ret_bps).max(P);
        path.push(p);
    }
    path
}

struct Outcome {
    liquidated_in_spike: u32,
    liquidated: u32,
    notional: i128,
    bad_debt: i128,
    rejected_relevers: u32,
}

fn run(dynamic: bool, path: &[i64]) -> Outcome {
    let n = 400;
    let mut rng = Rng(42);
    let targets: Vec<(i64, bool)> = (0..n).map(|i| (15_000 + (i as i64 * 80_000 / n as i64), i % 10 < 7)).collect();
    let mut accounts: Vec<(i64, Position, bool)> = vec![(1_000 * USD, Position::default(), false); n];
    let (mut var, mut phase) =
        (0u64, PhaseState { mult_bps: MULT_ONE, updated_slot: 0, last_rise_slot: 0, target_mult_bps: MULT_ONE });
    let mut out = Outcome { liquidated_in_spike: 0, liquidated: 0, notional: 0, bad_debt: 0, rejected_relevers: 0 };
    for (step, &price) in path.iter().enumerate() {
        let slot = step as u64 * SLOTS_PER_STEP;
        if step > 0 {
            let sample = variance_sample(approx_log_return(path[step - 1], price).unwrap(), STEP_SECS).unwrap();
            var = ewma(var as i64, sample as i64, STEP_SECS, 3_600).unwrap() as u64;
        }
        let vol = vol_bps(var).unwrap();
        let inputs = MarginInputs { vol_bps: vol, notional: 0, conf: 0, price, stress_mult_bps: MULT_ONE };
        let target = market_mmr_bps(&DYN, &inputs).unwrap();
        phase = phase_toward(&phase, mult_for_mmr(&DYN, target), slot, &PHASE);
        let ratios = |base: i64| -> MarginRatios {
            if dynamic {
                let notional = notional_ceil(base, price).unwrap();
                let r = position_ratios(&DYN, target, phased_mmr_bps(&DYN, phase.mult_bps), notional).unwrap();
                MarginRatios { imr_bps: r.imr_bps, mmr_bps: r.mmr_bps }
            } else {
                MarginRatios { imr_bps: DYN.base_imr_bps, mmr_bps: DYN.base_mmr_bps }
            }
        };
        let risk =
            |pos: Position| PositionRisk { position: pos, price, conf: 0, conf_mult_bps: 0, ratios: ratios(pos.base) };
        // Liquidations.
        for acc in accounts.iter_mut().filter(|a| !a.2 && a.1.base != 0) {
            let h = health(acc.0, &[risk(acc.1)]).unwrap();
            if h.maintenance < 0 {
                let equity = acc.0 as i128 + position_value(&acc.1, price).unwrap();
                out.liquidated += 1;
                out.liquidated_in_spike += u32::from((200..400).contains(&step));
                out.notional += notional_ceil(acc.1.base, price).unwrap() as i128;
                out.bad_debt += (-equity).max(0);
                *acc = (0, Position::default(), true);
            }
        }
        // Opening at step 0, then the herd re-levers every 20 steps.
        let movers: Vec<usize> = if step == 0 {
            (0..n).collect()
        } else if step % 20 == 0 {
            (0..n / 5).map(|_| rng.below(n as u64) as usize).collect()
        } else {
            vec![]
        };
        for i in movers {
            let (lev, long) = targets[i];
            let acc = &mut accounts[i];
            if acc.2 {
                continue;
            }
            let equity = acc.0 as i128 + position_value(&acc.1, price).unwrap();
            let want_notional = equity * lev as i128 / 10_000;
            let want_base = (want_notional * 1_000_000_000_000 / price as i128) as i64 * if long { 1 } else { -1 };
            let delta = want_base - acc.1.base;
            if delta == 0 || (delta > 0) != long {
                continue;
            }
            let fill = apply_fill(acc.1, delta, price).unwrap();
            let collateral = acc.0 + fill.realized_pnl;
            if health(collateral, &[risk(fill.position)]).unwrap().initial >= 0 {
                *acc = (collateral, fill.position, false);
            } else if step > 0 {
                out.rejected_relevers += 1;
            }
        }
    }
    out
}

fn main() {
    let path = price_path();
    let low = path.iter().min().unwrap();
    println!(
        "path: 600 steps of 60 s, start 100.00, low {:.2}, end {:.2}",
        *low as f64 / 1e9,
        *path.last().unwrap() as f64 / 1e9
    );
    println!(
        "{:<8} {:>11} {:>17} {:>22} {:>14} {:>18}",
        "margin", "liquidated", "during the spike", "notional liquidated", "bad debt", "re-levers refused"
    );
    for (name, dynamic) in [("static", false), ("dynamic", true)] {
        let o = run(dynamic, &path);
        println!(
            "{:<8} {:>11} {:>17} {:>22.2} {:>14.2} {:>18}",
            name,
            o.liquidated,
            o.liquidated_in_spike,
            o.notional as f64 / 1e6,
            o.bad_debt as f64 / 1e6,
            o.rejected_relevers
        );
    }
}
