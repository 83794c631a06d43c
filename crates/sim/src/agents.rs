//! The lab's agents and what they decide each slot. Decisions are pure
//! (state, market view, seeded stream → an order); the run loop turns
//! orders into real transactions.
//!
//! - **Traders** draw a leverage (40 % at 1–3x, 35 % at 3–6x, 25 % close to
//!   the market's maximum), a side (65 % long by default, `long_share`),
//!   and a temperament: herders add in the direction of the last 100
//!   slots' trend, panickers close everything once the price is 8 % below
//!   its high; some keep a stop-loss trigger halfway to their liquidation
//!   price and, once closed out, stay out for a while, as panickers do.
//! - **LPs** seed the pool; one of them panics at a 12 % drawdown and tries
//!   to take everything out.
//! - **The adversary** follows the Mango 2022 pattern: a maximal long, then
//!   a thin-market spike in one oracle source, then it tries to withdraw
//!   the paper profit and to borrow more against it. The agreed-pump
//!   adversary pushes every source instead (`crate::adversary`).

use crate::synthetic::Rng;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;

/// A trader's fixed traits.
pub struct Trader {
    /// Signer.
    pub key: Keypair,
    /// Collateral token account.
    pub token: Pubkey,
    /// Margin account 0.
    pub margin: Pubkey,
    /// Collateral deposited at the start, dollars.
    pub deposit_usd: u64,
    /// Target leverage, hundredths (250 = 2.5x).
    pub leverage_x100: u64,
    /// Long or short.
    pub long: bool,
    /// Adds in the trend's direction.
    pub herd: bool,
    /// Closes everything in a crash.
    pub panicky: bool,
    /// Keeps a stop-loss trigger on its position.
    pub stop_loss: bool,
    /// Slot before which it stays out after panicking.
    pub out_until: u64,
}

/// What the market looks like to the agents this slot.
#[derive(Clone, Copy, Debug)]
pub struct View {
    /// Slot offset from the start.
    pub step: u64,
    /// Oracle price now (PRICE_PRECISION).
    pub price: i64,
    /// Return over the last 100 slots, bps.
    pub trend_bps: i64,
    /// Fall from the highest price so far, bps.
    pub drawdown_bps: i64,
}

/// An order in dollars of notional, or a full close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Change the position by this many dollars of notional (signed).
    Notional(i64),
    /// Close the position (reduce-only).
    Close,
}

/// The agents' seeded stream.
pub struct Dice(Rng);

impl Dice {
    /// A stream for `seed`.
    pub fn new(seed: u64) -> Dice {
        Dice(Rng(ballast_risk::rng::Rng(seed ^ 0x05ee_dba1_1a57)))
    }

    /// Uniform in (0, 1].
    pub fn roll(&mut self) -> f64 {
        self.0.uniform()
    }

    /// Uniform in `[lo, hi)`.
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.roll() - f64::EPSILON).max(0.0)
    }
}

/// Traits of trader `i` for a market of `max_leverage`, long with
/// probability `long_share` (the same draws whatever the share).
pub fn traits(dice: &mut Dice, max_leverage: u32, long_share: f64) -> (u64, u64, bool, bool, bool) {
    let max = max_leverage as f64;
    let r = dice.roll();
    let leverage = if r < 0.40 {
        dice.between(1.0, 3.0)
    } else if r < 0.75 {
        dice.between(3.0, 6.0).min(max * 0.8)
    } else {
        dice.between(0.8 * max, 0.97 * max)
    };
    let deposit = dice.between(1_000.0, 20_000.0) as u64;
    let long = dice.roll() < long_share;
    let herd = dice.roll() < 0.5;
    let panicky = dice.roll() < 0.4;
    (deposit, (leverage * 100.0) as u64, long, herd, panicky)
}

/// What trader `t` with position `base` (signed) does this slot, if it
/// acts at all (`activity` is the chance that it does).
pub fn decide(t: &mut Trader, base: i64, v: &View, activity: f64, dice: &mut Dice) -> Option<Order> {
    if v.step < t.out_until || dice.roll() > activity {
        return None;
    }
    let target = (t.deposit_usd * t.leverage_x100 / 100) as i64;
    let sign = if t.long { 1 } else { -1 };
    if t.panicky && v.drawdown_bps > 800 && base != 0 {
        t.out_until = v.step + COOLDOWN_SLOTS;
        return Some(Order::Close);
    }
    if base == 0 {
        return Some(Order::Notional(sign * target));
    }
    if t.herd && v.trend_bps.abs() > 100 {
        // Add a quarter of the target in the trend's direction.
        let dir = v.trend_bps.signum();
        return Some(Order::Notional(dir * target / 4));
    }
    // Noise: resize by up to a fifth of the target either way.
    let frac = dice.between(-0.2, 0.2);
    Some(Order::Notional((target as f64 * frac) as i64))
}

/// Slots a trader stays out after a panic, or after its stop-loss closed it.
pub const COOLDOWN_SLOTS: u64 = 300;

/// `t`'s position was closed this slot (by its stop-loss, liquidation, or
/// its own order): a stop-loss trader stays out for `COOLDOWN_SLOTS`, as a
/// panicker does after closing. Without it a stopped-out trader re-enters
/// at its full target leverage on its next decision, deeper into the crash
/// (BENCHMARKS.md, "Trigger orders": under static margin that turned the
/// stops' saving into a larger socialised loss).
pub fn stopped_out(t: &mut Trader, step: u64) {
    if t.stop_loss && t.out_until <= step {
        t.out_until = step + COOLDOWN_SLOTS;
    }
}

/// Base units for `usd` dollars of notional at `price` (PRICE_PRECISION):
/// `usd * 10^6 * 10^12 / price`, saturating.
pub fn base_for(usd: i64, price: i64) -> i64 {
    let num = (usd as i128) * 1_000_000 * ballast_risk::precision::NOTIONAL_DIVISOR;
    (num / price.max(1) as i128).clamp(-(i64::MAX as i128), i64::MAX as i128) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traits_are_seeded_and_span_the_leverage_distribution() {
        let mut a = Dice::new(7);
        let mut b = Dice::new(7);
        let xs: Vec<_> = (0..500).map(|_| traits(&mut a, 10, 0.65)).collect();
        assert_eq!(xs, (0..500).map(|_| traits(&mut b, 10, 0.65)).collect::<Vec<_>>());
        let near_max = xs.iter().filter(|x| x.1 >= 800).count();
        assert!((80..170).contains(&near_max), "about a quarter near the maximum: {near_max}");
        assert!(xs.iter().all(|x| x.1 >= 100 && x.1 < 970), "between 1x and 9.7x");
        let longs = xs.iter().filter(|x| x.2).count();
        assert!((280..370).contains(&longs), "about 65 % long: {longs}");
        let mut c = Dice::new(7);
        let most: Vec<_> = (0..500).map(|_| traits(&mut c, 10, 0.9)).collect();
        assert!(most.iter().filter(|x| x.2).count() > 420, "about 90 % long");
        assert!(xs.iter().zip(&most).all(|(x, y)| (x.0, x.1, x.3, x.4) == (y.0, y.1, y.3, y.4)), "same draws");
    }

    #[test]
    fn base_sizes_convert_dollars_at_the_price() {
        assert_eq!(base_for(1_500, 150_000_000_000), 10_000_000_000, "1,500 dollars of SOL at 150 = 10 SOL");
        assert_eq!(base_for(-150, 150_000_000_000), -1_000_000_000);
    }
}
