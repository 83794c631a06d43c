//! `ballast stress`: replay a crash through the real programs (see
//! `ballast_sim`), print the summary or the side-by-side comparison, and
//! write each run's JSON report and SVG chart, the comparison chart and
//! the one-page `report.html`. Before it starts it prints the replay's
//! mapping, its slot count and a rough time, and refuses a run above the
//! slot limit.

use crate::out::line;
use anyhow::{Context, Result};
use ballast_client::fmt::{fmt_grouped, fmt_usd};
use ballast_sim::lab;
use ballast_sim::plan::{self, Mapping};
use ballast_sim::prices::{load_candles, PricePath};
use ballast_sim::report::{comparison, summary, Report, SlotRow};
use ballast_sim::scenario::{ParamSet, Scenario};
use ballast_sim::synthetic::generate;
use ballast_sim::{chart, html};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// `ballast stress` arguments.
#[derive(clap::Args, Debug)]
pub struct StressArgs {
    /// Scenario file (TOML), or a built-in scenario's name when no such
    /// file exists (winners-drain, agreed-pump, herd); flags below override it.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Replay a price file (CSV or JSON candles) instead of the synthetic
    /// crash, e.g. data/prices/BTCUSDT_1h_binance_2020-03-10_2020-03-15.csv.
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Market seconds per slot (60 replays a 1-minute candle per slot)
    /// [default for a price file: inferred, so the whole file replays in
    /// at most 3,000 slots].
    #[arg(long)]
    pub path_secs_per_slot: Option<f64>,
    /// Slots to run [default: the scenario's, or the whole price file].
    #[arg(long)]
    pub slots: Option<u64>,
    /// Refuse a run of more slots than this.
    #[arg(long, default_value_t = plan::DEFAULT_MAX_SLOTS)]
    pub max_slots: u64,
    /// Traders.
    #[arg(long)]
    pub traders: Option<usize>,
    /// Seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Share of traders keeping a stop-loss trigger, 0 to 1 [default: the
    /// scenario's, 0.3]; 0 runs the same traders without them.
    #[arg(long, value_name = "SHARE")]
    pub stop_losses: Option<f64>,
    /// Oracle publishers per feed (2 to 4); the adversary pushes the second.
    #[arg(long)]
    pub sources: Option<usize>,
    /// Add the agreed-pump adversary: a maximal long, then every oracle
    /// source follows a price pushed up by --pump-bps for --pump-slots
    /// slots; it closes at the top, withdraws everything and borrows
    /// against the gain.
    #[arg(long)]
    pub agreed_pump: bool,
    /// Slots every source follows the pushed price (implies --agreed-pump)
    /// [default: the feed's jump_confirm_slots + 50, so the jump confirms].
    #[arg(long, value_name = "SLOTS")]
    pub pump_slots: Option<u64>,
    /// The push above the path's price, bps (implies --agreed-pump)
    /// [default: 3000].
    #[arg(long, value_name = "BPS")]
    pub pump_bps: Option<i64>,
    /// Parameter set (TOML, governance field names); repeat to compare.
    #[arg(long = "params")]
    pub params: Vec<PathBuf>,
    /// Compare static margin, Ballast's dynamic margin, and breakers off.
    #[arg(long)]
    pub compare: bool,
    /// Parameter sets run at once, each on its own thread and bank
    /// [default: the machine's cores]. The reports are the same whatever
    /// the number.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Check every invariant after every transaction, not only after every
    /// slot, so a violation names the transaction (slower).
    #[arg(long)]
    pub check_every_tx: bool,
    /// Directory for the JSON reports, the SVG charts and report.html.
    #[arg(long, default_value = "stress-out")]
    pub out: PathBuf,
}

/// The scenario the flags describe, its path, and (for a price file) the
/// mapping of market time onto slots.
pub fn scenario(a: &StressArgs) -> Result<(Scenario, PricePath, Option<Mapping>)> {
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
        s.path_secs_per_slot = Some(v);
    }
    if let Some(v) = a.traders {
        s.traders = v;
    }
    if let Some(v) = a.stop_losses {
        s.stop_losses = v;
    }
    if let Some(v) = a.seed {
        s.seed = v;
    }
    if let Some(v) = a.sources {
        s.sources = v;
    }
    s.pump |= a.agreed_pump || a.pump_slots.is_some() || a.pump_bps.is_some();
    if let Some(v) = a.pump_slots {
        s.pump_slots = Some(v);
    }
    if let Some(v) = a.pump_bps {
        s.pump_bps = v;
    }
    // Bad values first, before the limit (a zero mapping is not "too many slots").
    s.validate()?;
    // A price file given alone replays whole, at a count the mapping
    // chooses (and that a faster mapping shrinks); a count given does not.
    let whole_file = a.slots.is_none() && a.scenario.is_none();
    let (path, mapping) = match &s.prices {
        Some(p) => {
            let path = PricePath::from_candles(&load_candles(p)?);
            let m = plan::mapping(&path, s.path_secs_per_slot);
            s.path_secs_per_slot = Some(m.secs_per_slot);
            if whole_file {
                s.slots = m.whole_slots();
            }
            (path, Some(m))
        }
        None => (generate(&Scenario { slots: a.slots.unwrap_or(s.slots), ..s.clone() }.synthetic()).0, None),
    };
    if let Some(v) = a.slots {
        s.slots = v;
    }
    s.check_every_tx |= a.check_every_tx;
    let span = mapping.filter(|_| whole_file).map(|m| m.span);
    plan::check_limit(s.slots, a.max_slots, span)?;
    s.validate()?;
    Ok((s, path, mapping))
}

/// Run the lab.
pub async fn run(a: &StressArgs, json: bool) -> Result<()> {
    let (s, path, mapping) = scenario(a)?;
    let mut sets = a.params.iter().map(|p| ParamSet::from_file(p)).collect::<Result<Vec<_>>>()?;
    if a.compare {
        sets.extend(ParamSet::builtin());
    }
    if sets.is_empty() {
        sets.push(ParamSet::dynamic());
    }
    let stems: Vec<String> = sets.iter().map(|p| p.name.replace(|c: char| !c.is_ascii_alphanumeric(), "-")).collect();
    for (i, stem) in stems.iter().enumerate() {
        if stems[..i].contains(stem) {
            anyhow::bail!(
                "two parameter sets would write the same report-{stem}.json: name them apart (`name = ...` in the file)"
            );
        }
    }
    let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    match (&s.prices, mapping) {
        (Some(p), Some(m)) => eprintln!("replaying {}: {}", p.display(), m.describe()),
        _ => {
            eprintln!("replaying the synthetic crash (seed {}), {} s of path per slot", s.seed, s.secs_per_slot(&path))
        }
    }
    eprintln!(
        "planned: {} slots x {} parameter set{} with {} traders, {} at a time, roughly {} s (limit {} slots: --max-slots)",
        fmt_grouped(s.slots.into()),
        sets.len(),
        if sets.len() == 1 { "" } else { "s" },
        s.traders,
        jobs.min(sets.len()),
        plan::estimate_secs(s.slots, sets.len().div_ceil(jobs), s.traders).ceil(),
        fmt_grouped(a.max_slots.into())
    );
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    // A live line per run: slot, price, liquidations and bad debt so far.
    let multi = indicatif::MultiProgress::new();
    let style = indicatif::ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len} slots ({eta}) {msg}")
        .expect("template")
        .progress_chars("=> ");
    let bars: Vec<_> = sets
        .iter()
        .map(|p| {
            let b = multi.add(indicatif::ProgressBar::new(s.slots));
            b.set_style(style.clone());
            b.set_prefix(p.name.clone());
            b
        })
        .collect();
    let liquidated: Vec<AtomicU64> = sets.iter().map(|_| AtomicU64::new(0)).collect();
    let progress = |i: usize, row: &SlotRow| {
        let liq = liquidated[i].fetch_add(row.liquidated, Ordering::Relaxed) + row.liquidated;
        bars[i].set_position(row.step);
        if row.step.is_multiple_of(32) || row.step == s.slots {
            bars[i].set_message(format!(
                "price {:.4} · {liq} liquidated · bad debt {}",
                row.oracle_price as f64 / 1e9,
                fmt_usd(row.bad_debt.into())
            ));
        }
    };
    let runs = lab::run_sets(&s, &sets, &path, jobs, &progress);
    bars.iter().for_each(|b| b.finish_and_clear());
    let mut reports: Vec<Report> = Vec::new();
    let mut charts = Vec::new();
    for (i, r) in runs?.into_iter().enumerate() {
        let stem = &stems[i];
        let json_path = a.out.join(format!("report-{stem}.json"));
        std::fs::write(&json_path, serde_json::to_vec_pretty(&r)?)
            .with_context(|| format!("cannot write {}", json_path.display()))?;
        let svg = a.out.join(format!("chart-{stem}.svg"));
        chart::draw(&r, &svg)?;
        charts.push((format!("{}: price, balances, losses and state", r.params), svg));
        reports.push(r);
    }
    if reports.len() > 1 {
        let svg = a.out.join("compare.svg");
        chart::compare(&reports, &svg)?;
        charts.insert(0, ("every parameter set on shared axes".into(), svg));
    }
    let page = html::write(&a.out, &s, &sets, &reports, &charts)?;
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
        line(&format!("reports and charts in {}; open {}", a.out.display(), page.display()));
    }
    if let Some(v) = reports.iter().find_map(|r| r.violations.first()) {
        anyhow::bail!("an invariant broke: {v}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        stress: StressArgs,
    }

    fn args(extra: &[&str]) -> StressArgs {
        let file = ballast_client::data::data_dir().join("prices/BTCUSDT_1h_binance_2020-03-10_2020-03-15.csv");
        let mut argv = vec!["stress".to_string(), "--prices".into(), file.display().to_string()];
        argv.extend(extra.iter().map(|s| s.to_string()));
        Cli::parse_from(argv).stress
    }

    #[test]
    fn an_hourly_file_alone_replays_in_under_3_000_slots_and_a_runaway_mapping_is_refused() {
        // 144 hourly points over 5d 23h: 172 s of market a slot.
        let (s, _, m) = scenario(&args(&[])).unwrap();
        let m = m.expect("a price file has a mapping");
        assert_eq!((m.interval, m.span, m.secs_per_slot, m.inferred), (Some(3_600), 514_800, 172.0, true));
        assert_eq!((s.slots, s.path_secs_per_slot, s.symbol.as_str()), (2_993, Some(172.0), "BTC"));
        // A second of market a slot (a runaway replay) is refused before it
        // starts, saying how to allow it or shorten it; a given --slots
        // count is refused without the mapping advice.
        let e = scenario(&args(&["--path-secs-per-slot", "1"])).unwrap_err().to_string();
        assert_eq!(
            e,
            "this run would replay 514,800 slots, above the limit of 20,000 (--max-slots): raise it with \
             --max-slots 514800, or replay more market time per slot: --path-secs-per-slot 26 fits the limit"
        );
        // Success twins: the suggested mapping, and the raised limit.
        let (s, _, _) = scenario(&args(&["--path-secs-per-slot", "26"])).unwrap();
        assert_eq!(s.slots, 19_800);
        let (s, _, _) = scenario(&args(&["--path-secs-per-slot", "1", "--max-slots", "514800"])).unwrap();
        assert_eq!(s.slots, 514_800);
        let e = scenario(&args(&["--slots", "20001"])).unwrap_err().to_string();
        assert!(e.ends_with("--max-slots 20001, or run fewer with --slots"), "{e}");
        assert_eq!(scenario(&args(&["--slots", "20000"])).unwrap().0.slots, 20_000);
        // Mappings that are not a number of seconds are refused as such.
        for bad in ["0", "-1", "inf", "NaN", "2e9"] {
            let e = scenario(&args(&[&format!("--path-secs-per-slot={bad}")])).unwrap_err().to_string();
            assert!(e.starts_with("path_secs_per_slot must be a positive number of seconds"), "{bad}: {e}");
        }
    }
}
