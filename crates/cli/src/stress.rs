//! `ballast stress`: replay a crash through the real programs (see
//! `ballast_sim`), print the summary or the side-by-side comparison, and
//! write each run's JSON report and SVG chart.

use crate::out::line;
use anyhow::{Context, Result};
use ballast_sim::chart;
use ballast_sim::lab;
use ballast_sim::prices::{load_candles, PricePath};
use ballast_sim::report::{comparison, summary, Report};
use ballast_sim::scenario::{ParamSet, Scenario};
use ballast_sim::synthetic::generate;
use std::path::PathBuf;

/// `ballast stress` arguments.
#[derive(clap::Args, Debug)]
pub struct StressArgs {
    /// Scenario file (TOML); flags below override it.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Replay a price file from data/prices instead of the synthetic crash.
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Path seconds per slot (60 replays a 1-minute candle per slot).
    #[arg(long)]
    pub path_secs_per_slot: Option<f64>,
    /// Slots to run [default: the scenario's, or the whole price file].
    #[arg(long)]
    pub slots: Option<u64>,
    /// Traders.
    #[arg(long)]
    pub traders: Option<usize>,
    /// Seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Oracle publishers per feed (2 to 4); the adversary pushes the second.
    #[arg(long)]
    pub sources: Option<usize>,
    /// Parameter set (TOML, governance field names); repeat to compare.
    #[arg(long = "params")]
    pub params: Vec<PathBuf>,
    /// Compare static margin, Ballast's dynamic margin, and breakers off.
    #[arg(long)]
    pub compare: bool,
    /// Directory for the JSON reports and SVG charts.
    #[arg(long, default_value = "stress-out")]
    pub out: PathBuf,
}

fn scenario(a: &StressArgs) -> Result<(Scenario, PricePath)> {
    let mut s = match &a.scenario {
        Some(p) => Scenario::from_file(p)?,
        None => Scenario::default(),
    };
    if let Some(p) = &a.prices {
        s.prices = Some(p.clone());
        // `LUNAUSDT_1m_...csv` is the LUNA market.
        let stem = p.file_stem().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default();
        let symbol: String =
            stem.split(['_', '-']).next().unwrap_or("").trim_end_matches("USDT").trim_end_matches("USD").into();
        if !symbol.is_empty() && symbol.len() <= 16 && symbol.bytes().all(|b| b.is_ascii_alphanumeric()) {
            s.symbol = symbol.to_ascii_uppercase();
        }
    }
    if let Some(v) = a.path_secs_per_slot {
        s.path_secs_per_slot = v;
    }
    if let Some(v) = a.traders {
        s.traders = v;
    }
    if let Some(v) = a.seed {
        s.seed = v;
    }
    if let Some(v) = a.sources {
        s.sources = v;
    }
    let path = match &s.prices {
        Some(p) => {
            let path = PricePath::from_candles(&load_candles(p)?);
            if a.slots.is_none() && a.scenario.is_none() {
                let span = path.points.last().map_or(0, |l| l.0) - path.points[0].0;
                s.slots = ((span as f64 / s.path_secs_per_slot) as u64).max(1);
            }
            path
        }
        None => generate(&Scenario { slots: a.slots.unwrap_or(s.slots), ..s.clone() }.synthetic()).0,
    };
    if let Some(v) = a.slots {
        s.slots = v;
    }
    s.validate()?;
    Ok((s, path))
}

/// Run the lab.
pub async fn run(a: &StressArgs, json: bool) -> Result<()> {
    let (s, path) = scenario(a)?;
    let mut sets = a.params.iter().map(|p| ParamSet::from_file(p)).collect::<Result<Vec<_>>>()?;
    if a.compare {
        sets.extend(ParamSet::builtin());
    }
    if sets.is_empty() {
        sets.push(ParamSet::dynamic());
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let bar = indicatif::ProgressBar::new(s.slots * sets.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len} slots ({eta})")
            .expect("template")
            .progress_chars("=> "),
    );
    let mut reports: Vec<Report> = Vec::new();
    for (i, p) in sets.iter().enumerate() {
        bar.set_message(p.name.clone());
        let base = i as u64 * s.slots;
        let r = lab::run(&s, p, &path, &mut |step| bar.set_position(base + step)).await?;
        let stem = p.name.replace(|c: char| !c.is_ascii_alphanumeric(), "-");
        let json_path = a.out.join(format!("report-{stem}.json"));
        std::fs::write(&json_path, serde_json::to_vec_pretty(&r)?)
            .with_context(|| format!("cannot write {}", json_path.display()))?;
        chart::draw(&r, &a.out.join(format!("chart-{stem}.svg")))?;
        reports.push(r);
    }
    bar.finish_and_clear();
    if json {
        let totals: Vec<_> = reports.iter().map(|r| serde_json::json!({"params": r.params, "slots": r.slots,
            "wall_secs": r.wall_secs, "tx_per_sec": r.tx_per_sec, "bank_tx_per_sec": r.bank_tx_per_sec, "totals": r.totals,
            "worst_account": r.worst_account, "violations": r.violations})).collect();
        line(&serde_json::to_string_pretty(&totals)?);
    } else if reports.len() == 1 {
        line(&summary(&reports[0]));
    } else {
        for r in &reports {
            line(&summary(r));
        }
        line(&comparison(&reports));
    }
    if !json {
        line(&format!("reports and charts in {}", a.out.display()));
    }
    if let Some(v) = reports.iter().find_map(|r| r.violations.first()) {
        anyhow::bail!("an invariant broke: {v}");
    }
    Ok(())
}
