//! A seeded synthetic crash: geometric Brownian motion with Poisson jumps, a
//! high-volatility regime, and a crash template (a steady slide with gaps).
//! The same seed gives the same path on every machine: a SplitMix64 stream
//! and Box–Muller normals, no platform RNG.

use crate::prices::PricePath;

/// Seconds in a (365-day) year, for annualised volatility.
pub const YEAR_SECS: f64 = 31_536_000.0;

/// The generator's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticParams {
    /// RNG seed.
    pub seed: u64,
    /// First price, in dollars.
    pub start_price: f64,
    /// Unix time of the first point.
    pub start_time: i64,
    /// Points after the first.
    pub steps: usize,
    /// Seconds between points.
    pub step_secs: i64,
    /// Annualised volatility outside the regime (0.8 = 80 %).
    pub vol: f64,
    /// Annualised volatility inside the regime.
    pub regime_vol: f64,
    /// Steps `[from, until)` of the high-volatility regime.
    pub regime: (usize, usize),
    /// Probability of a jump per step.
    pub jump_prob: f64,
    /// Mean log size of a jump (negative: down).
    pub jump_mean: f64,
    /// Standard deviation of a jump's log size.
    pub jump_std: f64,
    /// The crash: from step `.0`, over `.1` steps, a total log fall of `.2`
    /// spread evenly, plus three gaps of `.3` each at a quarter, half and
    /// three quarters of the way.
    pub crash: Option<(usize, usize, f64, f64)>,
}

impl Default for SyntheticParams {
    /// The default crash of the README's main job: 2,000 one-second steps
    /// from 100; 80 % volatility, 250 % from step 600 to 1,400; rare jumps;
    /// from step 1,000 over 300 steps, a 35 % fall: a slide plus three 7 %
    /// gaps.
    fn default() -> SyntheticParams {
        SyntheticParams {
            seed: 7,
            start_price: 100.0,
            start_time: 1_700_000_000,
            steps: 2_000,
            step_secs: 1,
            vol: 0.8,
            regime_vol: 2.5,
            regime: (600, 1_400),
            jump_prob: 0.002,
            jump_mean: -0.02,
            jump_std: 0.01,
            crash: Some((1_000, 300, (0.65f64).ln() - 3.0 * (0.93f64).ln(), (0.93f64).ln())),
        }
    }
}

/// The lab's draws: `ballast_risk::rng::Rng` (also the agents'), with the
/// floating-point shapes the synthetic path needs.
pub(crate) struct Rng(pub(crate) ballast_risk::rng::Rng);

impl Rng {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in (0, 1].
    pub(crate) fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// The path for `p`, prices at `PRICE_PRECISION`, plus the steps that
/// jumped (for calibration tests and reports).
pub fn generate(p: &SyntheticParams) -> (PricePath, Vec<usize>) {
    let mut rng = Rng(ballast_risk::rng::Rng(p.seed));
    let dt = p.step_secs as f64 / YEAR_SECS;
    let mut log_p = p.start_price.ln();
    let mut points = Vec::with_capacity(p.steps + 1);
    let mut jumps = Vec::new();
    let price = |l: f64| ((l.exp() * 1e9).round() as i64).max(1);
    points.push((p.start_time, price(log_p)));
    for step in 1..=p.steps {
        let vol = if (p.regime.0..p.regime.1).contains(&step) { p.regime_vol } else { p.vol };
        // Martingale diffusion: drift -σ²/2 keeps E[price] flat.
        log_p += -0.5 * vol * vol * dt + vol * dt.sqrt() * rng.normal();
        if rng.uniform() < p.jump_prob {
            log_p += p.jump_mean + p.jump_std * rng.normal();
            jumps.push(step);
        }
        if let Some((from, len, total, gap)) = p.crash {
            if (from..from + len).contains(&step) {
                log_p += total / len as f64;
                if [len / 4, len / 2, 3 * len / 4].contains(&(step - from)) {
                    log_p += gap;
                }
            }
        }
        points.push((p.start_time + step as i64 * p.step_secs, price(log_p)));
    }
    (PricePath { points }, jumps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_returns(path: &PricePath) -> Vec<f64> {
        path.points.windows(2).map(|w| (w[1].1 as f64 / w[0].1 as f64).ln()).collect()
    }

    #[test]
    fn the_generator_is_deterministic_for_a_seed_and_differs_across_seeds() {
        let p = SyntheticParams::default();
        assert_eq!(generate(&p), generate(&p));
        assert_ne!(generate(&p).0, generate(&SyntheticParams { seed: 8, ..p.clone() }).0);
        let (path, _) = generate(&p);
        assert_eq!(path.points.len(), p.steps + 1);
        assert!(path.points.windows(2).all(|w| w[1].0 == w[0].0 + p.step_secs));
    }

    #[test]
    fn realised_volatility_matches_the_parameter_within_three_percent() {
        let p = SyntheticParams {
            steps: 200_000,
            jump_prob: 0.0,
            crash: None,
            regime: (0, 0),
            step_secs: 60,
            ..Default::default()
        };
        let r = log_returns(&generate(&p).0);
        let mean = r.iter().sum::<f64>() / r.len() as f64;
        let var = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r.len() - 1) as f64;
        let annualised = (var * YEAR_SECS / p.step_secs as f64).sqrt();
        assert!((annualised / p.vol - 1.0).abs() < 0.03, "realised {annualised} against {}", p.vol);
    }

    #[test]
    fn jump_frequency_and_size_match_the_parameters() {
        let p = SyntheticParams { steps: 100_000, crash: None, regime: (0, 0), ..Default::default() };
        let (path, jumps) = generate(&p);
        let expected = p.jump_prob * p.steps as f64;
        let sigma = (expected * (1.0 - p.jump_prob)).sqrt();
        assert!((jumps.len() as f64 - expected).abs() < 4.0 * sigma, "{} jumps, expected {expected}", jumps.len());
        // Jumps are visible in the path: their mean return is near the mean jump.
        let r = log_returns(&path);
        let mean_jump = jumps.iter().map(|s| r[s - 1]).sum::<f64>() / jumps.len() as f64;
        assert!((mean_jump - p.jump_mean).abs() < 0.003, "mean jump {mean_jump}");
    }

    #[test]
    fn the_default_crash_falls_by_about_its_template() {
        let (path, _) = generate(&SyntheticParams::default());
        let (start, low) = (path.points[0].1, path.points.iter().map(|p| p.1).min().unwrap_or(0));
        let fall = 1.0 - low as f64 / start as f64;
        assert!((0.3..0.6).contains(&fall), "the crash takes {fall:.2} off the start price");
    }
}
