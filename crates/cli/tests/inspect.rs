//! `ballast oracle inspect` end to end on the real SOL/USD dumps.

use ballast_client::data::data_dir;
use std::process::Command;

fn inspect(files: &[&str], extra: &[&str]) -> (bool, String, String) {
    let dir = data_dir().join("oracle-accounts");
    let out = Command::new(env!("CARGO_BIN_EXE_ballast"))
        .args(["oracle", "inspect"])
        .args(files.iter().map(|f| dir.join(format!("{f}.json"))))
        .args(extra)
        .output()
        .expect("run ballast");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn inspect_prints_prices_and_verdicts_of_real_dumps() {
    let (ok, out, err) = inspect(
        &[
            "sol_usd-pyth_v2-20240704",
            "sol_usd-pyth_v2-20241102-stale-ORIGINAL_marginfi",
            "sol_usd-sb_ondemand-20240806-noresult",
        ],
        &["--now", "1720094650", "--slot", "275626840"],
    );
    assert!(ok, "{err}");
    assert!(out.contains("price     132.724572490 ± 0.135180410  (expo -8)"), "{out}");
    assert!(out.contains("verdict   ACCEPTED"), "{out}");
    assert!(out.contains("REJECTED: wrong owner program"), "{out}");
    assert!(out.contains("REJECTED: no result yet"), "{out}");
    assert!(out.contains("age 5s"), "{out}");
    assert!(out.contains("sources   1 valid of 3"), "{out}");
    assert!(out.contains("validity  Degraded"), "{out}");
}

#[test]
fn inspect_json_reports_the_aggregate() {
    let (ok, out, err) = inspect(&["sol_usd-sb_ondemand-20240809"], &["--output", "json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["sources"][0]["format"], "switchboard-on-demand");
    assert_eq!(v["sources"][0]["verdict"], "Accepted");
    assert_eq!(v["aggregate"]["price"], "155.594045270");
    assert_eq!(v["aggregate"]["validity"], "Valid");
}

#[test]
fn inspect_fails_clearly_on_bad_input() {
    let (ok, _, err) = inspect(&["does-not-exist"], &[]);
    assert!(!ok);
    assert!(err.contains("error: reading") && err.contains("does-not-exist.json"), "{err}");
    let (ok, _, err) = inspect(&["sol_usd-pyth_v2-20240704"], &["--max-age", "0"]);
    assert!(!ok);
    assert!(err.contains("--max-age-secs 0 is outside [1, 3600]"), "{err}");
}
