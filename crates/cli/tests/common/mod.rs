//! The `ballast` binary run in a home of its own, against its embedded
//! ledger: shared by the CLI's integration tests.
#![allow(dead_code)] // each test binary uses part of it

use serde_json::Value;
use solana_sdk::signature::Keypair;
use std::path::PathBuf;
use std::process::{Command, Output};

/// A temporary HOME (its own config and embedded ledger), removed on drop.
pub struct Home {
    pub dir: PathBuf,
}

impl Home {
    pub fn new(name: &str) -> Home {
        let dir = std::env::temp_dir().join(format!("ballast-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Home { dir }
    }

    pub fn ledger(&self) -> PathBuf {
        self.dir.join(".config/ballast/embedded/ledger.json")
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_ballast"))
            .env("HOME", &self.dir)
            .env_remove("RUST_LOG")
            .args(if args.contains(&"-u") { &[][..] } else { &["-u", "embedded"][..] })
            .args(args)
            .output()
            .expect("run ballast")
    }

    /// Run, require success, parse stdout as one JSON document.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        let out = self.run(&all);
        assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{args:?}: stdout is not one JSON document ({e}): {}", String::from_utf8_lossy(&out.stdout))
        })
    }

    /// Run, require failure with `message` on stderr, and require that the
    /// ledger file is byte for byte what it was.
    pub fn refused(&self, args: &[&str], message: &str) {
        let before = std::fs::read(self.ledger()).ok();
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(stderr.contains(message), "{args:?}: expected `{message}` in: {stderr}");
        assert!(stderr.trim_end().lines().last().unwrap_or("").starts_with("error: "), "{stderr}");
        assert_eq!(std::fs::read(self.ledger()).ok(), before, "{args:?} changed the ledger");
    }

    /// Run, require success, the text on stdout.
    pub fn text(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// A keypair file for `key` under this home.
    pub fn key_file(&self, name: &str, key: &Keypair) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, serde_json::to_string(&key.to_bytes().to_vec()).unwrap()).unwrap();
        path.to_str().unwrap().to_string()
    }

    /// `embedded setup`, checked, and margin account 0.
    pub fn setup(&self) {
        let v = self.json(&["embedded", "setup"]);
        assert_eq!(v["markets"], serde_json::json!(["SOL", "BTC", "ETH"]));
        assert!(self.dir.join(".config/solana/id.json").exists(), "setup creates the default keypair");
        self.json(&["account", "create"]);
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
