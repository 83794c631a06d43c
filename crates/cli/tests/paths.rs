//! Every repository path that the README and `ballast stress --help` show
//! (data files, scenarios, scripts, images) exists in the repository, so
//! their examples work from a clone.

use std::path::Path;
use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// Tokens of `text` that name a file under one of the repository's
/// top-level directories (placeholders such as `data/prices/…` excluded).
fn repo_paths(text: &str) -> Vec<String> {
    let dirs = ["data/", "scenarios/", "scripts/", "docs/", "idl/", "venue/"];
    text.split(|c: char| c.is_whitespace() || "`()[]<>\"',;=".contains(c))
        .map(|t| t.trim_end_matches(['.', ':', '\\']))
        .filter(|t| dirs.iter().any(|d| t.starts_with(d)) && t.contains('.') && !t.contains('…') && !t.contains('*'))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_path_in_the_readme_and_the_stress_help_exists() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README.md");
    let help = Command::new(env!("CARGO_BIN_EXE_ballast")).args(["stress", "--help"]).output().expect("run ballast");
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let mut paths = repo_paths(&readme);
    let in_help = repo_paths(&help);
    assert!(in_help.len() >= 2, "the stress help shows example files: {help}");
    paths.extend(in_help);
    assert!(paths.iter().any(|p| p == "docs/compare-default-crash.svg"), "{paths:?}");
    let missing: Vec<_> = paths.iter().filter(|p| !Path::new(ROOT).join(p).exists()).collect();
    assert!(missing.is_empty(), "named but not in the repository: {missing:?}");
    // The filter finds a path where the README would show one.
    assert_eq!(repo_paths("see `data/prices/NOPE_1h.csv`."), vec!["data/prices/NOPE_1h.csv"]);
}
