//! The one-page HTML report of a run directory (`report.html`): the
//! comparison table, the charts (inlined, so the page opens offline with
//! nothing beside it), the invariant results, the scenario and the
//! parameter sets. No scripts, no external resources.

use crate::report::{lines, Report};
use crate::scenario::{ParamSet, Scenario};
use anyhow::{Context, Result};
use ballast_client::invariants::{INVARIANTS, STATE_INVARIANTS};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Escape text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// An SVG file's markup without its XML declaration (for inlining).
fn inline_svg(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read chart {}", path.display()))?;
    let start = text.find("<svg").unwrap_or(0);
    Ok(text[start..].to_string())
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em auto;max-width:1240px;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 10px;text-align:right}\
th:first-child,td:first-child{text-align:left}thead th{background:#eef}\
.ok{color:#060}.broken{color:#b00;font-weight:bold}figure{margin:1em 0}\
figcaption{font-weight:bold;margin-bottom:.3em}pre{background:#f6f6f6;padding:1em;overflow:auto}";

/// Write `report.html` into `dir` for `reports` of `scenario` under
/// `sets`, inlining `charts` (caption, SVG file); returns its path.
pub fn write(
    dir: &Path,
    scenario: &Scenario,
    sets: &[ParamSet],
    reports: &[Report],
    charts: &[(String, PathBuf)],
) -> Result<PathBuf> {
    let mut h = String::new();
    let what = match &scenario.prices {
        Some(p) => format!("replay of {}", p.display()),
        None => format!("the synthetic crash (seed {})", scenario.seed),
    };
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Ballast stress report</title>\
         <style>{STYLE}</style></head><body><h1>Ballast stress report</h1><p>{}: {} slots, {} traders, \
         {} parameter set(s).</p>",
        esc(&what),
        scenario.slots,
        scenario.traders,
        reports.len()
    );
    // The comparison table.
    let _ = write!(h, "<h2>Results</h2><table id=\"results\" data-runs=\"{}\"><thead><tr><th></th>", reports.len());
    for r in reports {
        let _ = write!(h, "<th>{}</th>", esc(&r.params));
    }
    h.push_str("</tr></thead><tbody>");
    let cols: Vec<_> = reports.iter().map(lines).collect();
    for (i, (label, _)) in cols.first().map(|c| c.as_slice()).unwrap_or(&[]).iter().enumerate() {
        let _ = write!(h, "<tr><td>{}</td>", esc(label));
        for c in &cols {
            let _ = write!(h, "<td>{}</td>", esc(&c[i].1));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
    // Invariants.
    h.push_str("<h2>Invariants</h2><p>Checked after every slot of every run:</p><ul>");
    for n in STATE_INVARIANTS {
        let _ = write!(h, "<li>{n}. {}</li>", esc(INVARIANTS[n as usize - 1]));
    }
    h.push_str("</ul><ul id=\"invariants\">");
    for r in reports {
        match r.violations.first() {
            None => {
                let _ = write!(h, "<li class=\"ok\">{}: held for all {} slots</li>", esc(&r.params), r.slots);
            }
            Some(v) => {
                let _ = write!(h, "<li class=\"broken\">{}: {}</li>", esc(&r.params), esc(v));
            }
        }
    }
    h.push_str("</ul>");
    // Charts.
    h.push_str("<h2>Charts</h2>");
    for (caption, path) in charts {
        let _ = write!(h, "<figure><figcaption>{}</figcaption>{}</figure>", esc(caption), inline_svg(path)?);
    }
    // What ran.
    let text = serde_json::to_string_pretty(scenario).context("scenario as JSON")?;
    let _ = write!(h, "<h2>Scenario</h2><pre>{}</pre><h2>Parameter sets</h2>", esc(&text));
    h.push_str(
        "<table><thead><tr><th>set</th><th>market overrides</th><th>exchange overrides</th></tr></thead><tbody>",
    );
    let kv = |m: &std::collections::BTreeMap<String, u64>| {
        if m.is_empty() {
            "none (as listed)".to_string()
        } else {
            m.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")
        }
    };
    for s in sets {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.name),
            esc(&kv(&s.market)),
            esc(&kv(&s.exchange))
        );
    }
    h.push_str("</tbody></table></body></html>\n");
    let path = dir.join("report.html");
    std::fs::write(&path, h).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_text_and_inlines_each_chart_with_its_table_and_invariants() {
        let dir = std::env::temp_dir().join(format!("ballast-html-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let svg = dir.join("c.svg");
        std::fs::write(&svg, "<?xml version=\"1.0\"?>\n<svg id=\"c\"></svg>").unwrap();
        let ok = Report { params: "a<b".into(), slots: 5, ..Report::default() };
        let broken =
            Report { params: "x".into(), violations: vec!["slot 3: invariant broken".into()], ..Report::default() };
        let sets = [ParamSet::dynamic()];
        let page = write(&dir, &Scenario::default(), &sets, &[ok, broken], &[("one".into(), svg)]).unwrap();
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(html.starts_with("<!doctype html>") && html.ends_with("</html>\n"));
        assert!(html.contains("<th>a&lt;b</th>"), "names are escaped");
        assert!(html.contains("<figure><figcaption>one</figcaption><svg id=\"c\"></svg></figure>"), "inlined");
        assert!(!html.contains("<?xml"), "no XML declaration inside HTML");
        assert!(html.contains("<li class=\"ok\">a&lt;b: held for all 5 slots</li>"));
        assert!(html.contains("<li class=\"broken\">x: slot 3: invariant broken</li>"));
        assert!(html.contains("<td>dynamic</td><td>none (as listed)</td>"));
        assert!(html.contains("&quot;slots&quot;: 2000"), "the scenario");
        assert_eq!(html.matches("<li>").count(), STATE_INVARIANTS.len());
        assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="), "offline, no scripts");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
