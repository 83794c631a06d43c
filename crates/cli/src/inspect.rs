//! `ballast oracle inspect`.

use crate::Output;
use anyhow::{bail, Result};
use ballast_client::dump::AccountDump;
use ballast_client::fmt::fmt_price;
use ballast_client::time::fmt_unix;
use ballast_risk::oracle::{aggregate, check_quote, FeedState, Guards, Quote, RawQuote, Verdict, MAX_SOURCES};
use oracle_adapter::sources::{evaluate, pyth_pull, SourceInput, SourceKind};
use oracle_adapter::state::SourceConfig;
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `ballast oracle inspect`.
#[derive(clap::Args)]
pub struct InspectArgs {
    /// Account dump files (`solana account --output json`), one asset's sources.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Judge as of this unix time [default: the newest publish time among the files].
    #[arg(long)]
    pub now: Option<i64>,
    /// Judge as of this slot [default: the newest slot among the files].
    #[arg(long)]
    pub slot: Option<u64>,
    /// Max source age, seconds (the feed's guard rail).
    #[arg(long, default_value_t = Guards::default_liquid().max_age_secs)]
    pub max_age: u32,
    /// Max source age, slots (the feed's guard rail).
    #[arg(long, default_value_t = Guards::default_liquid().max_age_slots)]
    pub max_age_slots: u32,
}

struct Summary {
    state: FeedState,
    applied: bool,
    configured: usize,
    now: i64,
    slot: u64,
}

struct Row {
    file: String,
    dump: AccountDump,
    kind: Option<SourceKind>,
    raw: Option<RawQuote>,
    verdict: Verdict,
    quote: Option<Quote>,
}

/// The configuration the adapter would hold for this account: its own key,
/// its detected kind, and for Pyth pull its own feed id.
fn config_for(dump: &AccountDump, kind: SourceKind) -> SourceConfig {
    let feed_id = match kind {
        SourceKind::PythPull => {
            pyth_pull::parse_account(&dump.data).map(|u| u.price_message.feed_id).unwrap_or([0; 32])
        }
        _ => [0; 32],
    };
    SourceConfig { account: dump.pubkey, feed_id, kind: kind as u8, padding: [0; 7] }
}

/// Run the command.
pub fn run(args: &InspectArgs, output: Output) -> Result<()> {
    let mut rows = Vec::new();
    for path in &args.files {
        let dump = AccountDump::load(path)?;
        let kind = SourceKind::detect(&dump.data);
        let raw = kind.and_then(|k| k.parse(&dump.data, &config_for(&dump, k).feed_id).ok());
        let file = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        rows.push(Row { file, dump, kind, raw, verdict: Verdict::Malformed, quote: None });
    }
    let now = args.now.or_else(|| rows.iter().filter_map(|r| r.raw.map(|q| q.publish_time)).max()).unwrap_or(0);
    let slot = args.slot.or_else(|| rows.iter().filter_map(|r| r.raw.map(|q| q.slot)).max()).unwrap_or(0);
    // A feed holds at most MAX_SOURCES sources: with more files, the feed is
    // formed by the newest accepted ones.
    let configured = rows.len().min(MAX_SOURCES);
    let guards = Guards {
        max_age_secs: args.max_age,
        max_age_slots: args.max_age_slots,
        min_valid_sources: configured.clamp(1, 2) as u8,
        ..Guards::default_liquid()
    };
    if let Err(e) = guards.validate(configured) {
        bail!("--{} {} is outside [{}, {}]", e.field.replace('_', "-"), e.got, e.min, e.max);
    }

    for r in &mut rows {
        let Some(kind) = r.kind else { continue };
        let cfg = config_for(&r.dump, kind);
        let input = SourceInput { key: &r.dump.pubkey, owner: &r.dump.owner, data: &r.dump.data };
        match evaluate(&cfg, &input, &guards, now, slot) {
            Ok(q) => {
                r.verdict = Verdict::Accepted;
                r.quote = Some(q);
            }
            Err(v) => r.verdict = v,
        }
    }
    let mut quotes: Vec<Quote> = rows.iter().filter_map(|r| r.quote).collect();
    quotes.sort_by_key(|q| std::cmp::Reverse(q.publish_time));
    quotes.truncate(MAX_SOURCES);
    let agg = aggregate(&FeedState::default(), &quotes, configured, &guards, now, slot)?;
    let summary = Summary { state: agg.state, applied: agg.applied, configured, now, slot };

    match output {
        Output::Json => print_json(&rows, &summary),
        Output::Display => print_text(&rows, &summary),
    }
    Ok(())
}

/// Price of a raw quote at Ballast precision, for display even when rejected.
fn display_quote(raw: &RawQuote) -> Option<(i64, u64)> {
    let probe = Guards { max_age_secs: 3_600, max_age_slots: 9_000, max_conf_bps: 2_000, ..Guards::default_liquid() };
    check_quote(&RawQuote { publish_time: 1, slot: 0, ..*raw }, &probe, 1, 0).ok().map(|q| (q.price, q.conf))
}

fn print_text(rows: &[Row], sum: &Summary) {
    let (state, now) = (&sum.state, sum.now);
    println!("as of {} (unix {now}), slot {}", fmt_unix(now), sum.slot);
    println!();
    for r in rows {
        let kind = r.kind.map_or("unknown", SourceKind::name);
        println!("{}", r.file);
        println!("  account   {}", r.dump.pubkey);
        println!("  format    {kind}  (owner {}{})", r.dump.owner, owner_note(r));
        if let Some(raw) = &r.raw {
            match display_quote(raw) {
                Some((p, c)) => println!("  price     {} ± {}  (expo {})", fmt_price(p), fmt_price(c as i64), raw.expo),
                None => println!("  price     unrepresentable (mantissa {}, expo {})", raw.price, raw.expo),
            }
            println!("  published {}  age {}s  slot {}", fmt_unix(raw.publish_time), now - raw.publish_time, raw.slot);
        }
        println!("  verdict   {}", verdict_text(r.verdict));
        println!();
    }
    if rows.len() > sum.configured {
        println!(
            "aggregate (a feed holds {MAX_SOURCES} sources: the {MAX_SOURCES} newest accepted of {} files)",
            rows.len()
        );
    } else {
        println!("aggregate of {} source(s)", rows.len());
    }
    if sum.applied {
        println!("  price     {} ± {}", fmt_price(state.price), fmt_price(state.conf as i64));
        println!("  published {}", fmt_unix(state.publish_time));
    } else {
        println!("  price     none (no source passed)");
    }
    println!("  sources   {} valid of {}", state.valid_sources, sum.configured);
    println!("  validity  {}", state.validity().name());
}

fn owner_note(r: &Row) -> &'static str {
    match r.kind {
        Some(k) if k.owner_program() == r.dump.owner => ", expected",
        Some(_) => ", NOT the program of this format",
        None => "",
    }
}

fn verdict_text(v: Verdict) -> String {
    match v {
        Verdict::Accepted => "ACCEPTED".into(),
        other => format!("REJECTED: {}", other.name()),
    }
}

fn print_json(rows: &[Row], sum: &Summary) {
    let (state, applied, now) = (&sum.state, sum.applied, sum.now);
    let sources: Vec<_> = rows
        .iter()
        .map(|r| {
            let shown = r.raw.as_ref().and_then(display_quote);
            json!({
                "file": r.file,
                "account": r.dump.pubkey.to_string(),
                "owner": r.dump.owner.to_string(),
                "format": r.kind.map(SourceKind::name),
                "price": shown.map(|(p, _)| fmt_price(p)),
                "conf": shown.map(|(_, c)| fmt_price(c as i64)),
                "publish_time": r.raw.map(|q| q.publish_time),
                "age_secs": r.raw.map(|q| now - q.publish_time),
                "verdict": format!("{:?}", r.verdict),
            })
        })
        .collect();
    let doc = json!({
        "now": now,
        "slot": sum.slot,
        "sources": sources,
        "aggregate": {
            "applied": applied,
            "price": applied.then(|| fmt_price(state.price)),
            "conf": applied.then(|| fmt_price(state.conf as i64)),
            "publish_time": applied.then_some(state.publish_time),
            "valid_sources": state.valid_sources,
            "configured_sources": sum.configured,
            "validity": state.validity().name(),
        },
    });
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}
