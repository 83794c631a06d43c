//! The `ballast` binary against its embedded ledger: a newcomer's whole
//! session, and every bad input with its message and an unchanged ledger.
//! Each test has its own HOME and ledger directory; nothing touches the
//! network.

use serde_json::Value;
use std::process::Command;

mod common;
use common::Home;

fn dec(v: &Value) -> f64 {
    // Test-side comparison only: the CLI's amounts are exact strings.
    v.as_str().unwrap_or_else(|| panic!("not an amount: {v}")).parse().unwrap()
}

#[test]
fn a_newcomer_trades_through_a_price_move_and_withdraws_everything() {
    let h = Home::new("flow");
    h.setup();
    let v = h.json(&["deposit", "1000"]);
    assert_eq!(
        (v["collateral_before"].as_str(), v["collateral_after"].as_str()),
        (Some("0.000000"), Some("1000.000000"))
    );

    let v = h.json(&["trade", "SOL", "40"]);
    assert_eq!(v["accepted"], true);
    assert_eq!(v["fill"]["price"], "150.090000000", "150 plus a 6 bps spread");
    assert_eq!(v["fill"]["fee"], "3.001800", "5 bps of 40 x 150.09");
    assert_eq!(v["fill"]["charges"]["impact"], "0.000000", "the demo venue prices the skew with its spread");
    assert!(v["signature"].is_string());
    let healthy = dec(&v["health_after"]["initial"]);

    let v = h.json(&["account", "show"]);
    assert_eq!(v["collateral"], "996.998200");
    assert_eq!(v["positions"][0]["size"], "40.000000000");
    assert_eq!(v["positions"][0]["entry_price"], "150.090000000");
    let liq = dec(&v["positions"][0]["liquidation_price"]);
    assert!(liq > 120.0 && liq < 140.0, "liquidation price {liq}");

    let v = h.json(&["embedded", "price", "SOL", "140"]);
    assert_eq!((v["price"].as_str(), v["validity"].as_str()), (Some("140.000000000"), Some("Valid")));
    let v = h.json(&["trade", "SOL", "1", "--dry-run"]);
    assert_eq!((v["accepted"].as_bool(), v["signature"].is_null()), (Some(true), true));
    let lower = dec(&v["health_before"]["initial"]);
    assert!(lower < healthy, "a 10 dollar drop lowers health: {lower} vs {healthy}");

    h.refused(&["withdraw", "500"], "InitialHealthNegative");
    let v = h.json(&["trade", "SOL", "-40", "--reduce-only"]);
    assert_eq!(v["positions_after"], serde_json::json!([]));
    let v = h.json(&["withdraw", "all"]);
    let paid = dec(&v["amount"]);
    assert!(paid > 580.0 && paid < 600.0, "about 1000 - 400 loss - fees: {paid}");
    let v = h.json(&["account", "show"]);
    assert_eq!((v["collateral"].as_str(), v["free_collateral"].as_str()), (Some("0.000000"), Some("0.000000")));
    h.json(&["account", "close"]);
    h.refused(&["account", "show"], "no margin account 0");
    let v = h.json(&["embedded", "reset"]);
    assert_eq!(v["removed"].as_array().map(Vec::len), Some(3), "ledger, operator keys, applied spec");
    assert!(!h.ledger().exists());
}

#[test]
fn every_bad_input_is_refused_with_a_clear_message_and_changes_nothing() {
    let h = Home::new("bad");
    h.setup();
    h.json(&["deposit", "1000"]);
    // Keypairs, clusters, ledgers.
    h.refused(&["-k", "/nonexistent/k.json", "deposit", "1"], "cannot read keypair /nonexistent/k.json");
    let junk = h.dir.join("junk.json");
    std::fs::write(&junk, "not a keypair").unwrap();
    h.refused(&["-k", junk.to_str().unwrap(), "deposit", "1"], "is not a JSON byte array");
    h.refused(&["-u", "mainnet", "markets"], "unknown cluster `mainnet`");
    let empty = h.dir.join("empty");
    h.refused(&["--ledger", empty.to_str().unwrap(), "markets"], "no embedded ledger in");
    h.refused(&["embedded", "setup"], "an embedded ledger already exists");
    // Markets and amounts.
    h.refused(&["trade", "DOGE", "1"], "unknown market `DOGE`: markets are SOL, BTC, ETH");
    h.refused(&["deposit", "0"], "amount must be greater than zero, got `0`");
    h.refused(&["deposit", "-5"], "amount must be greater than zero, got `-5`");
    h.refused(&["deposit", "1.0000001"], "amount `1.0000001` has more than 6 decimal places");
    h.refused(&["trade", "SOL", "0"], "size must not be zero");
    h.refused(&["trade", "SOL", "0.0000000001"], "more than 9 decimal places");
    h.refused(&["deposit", "20000"], "less than the 20000.000000 to deposit");
    // Limits the program enforces, refused before sending.
    h.refused(&["trade", "BTC", "60"], "OiCapExceeded");
    h.refused(&["trade", "SOL", "1000"], "InitialHealthNegative");
    h.refused(&["withdraw", "1000.000001"], "InsufficientCollateral");
    h.refused(&["trade", "SOL", "1", "--limit-price", "150"], "LimitPriceExceeded");
    h.refused(&["trade", "SOL", "1", "--reduce-only"], "ReduceOnlyViolated");
    // A market governance put in reduce-only mode.
    let op: Value =
        serde_json::from_slice(&std::fs::read(h.dir.join(".config/ballast/embedded/operator.json")).unwrap()).unwrap();
    let gov = h.dir.join("gov.json");
    std::fs::write(&gov, op["governance"].to_string()).unwrap();
    h.json(&["-k", gov.to_str().unwrap(), "gov", "set", "--market", "2", "status=reduce-only"]);
    h.refused(&["trade", "ETH", "1"], "ReduceOnlyViolated");
    // A stale feed.
    h.json(&["embedded", "warp", "400", "--stale"]);
    h.refused(&["trade", "SOL", "1"], "OracleGate");
    // A damaged ledger, and a save that cannot complete.
    let ledger = h.ledger();
    let good = std::fs::read(&ledger).unwrap();
    std::fs::write(&ledger, &good[..good.len() / 2]).unwrap();
    h.refused(&["markets"], "is damaged");
    std::fs::write(&ledger, &good).unwrap();
    std::fs::create_dir_all(ledger.with_extension("tmp")).unwrap();
    h.refused(&["deposit", "1"], "cannot save the embedded ledger");
    std::fs::remove_dir(ledger.with_extension("tmp")).unwrap();
    assert_eq!(h.json(&["account", "show"])["collateral"], "1000.000000", "the unsaved deposit was not kept");
}

#[test]
fn an_rpc_timeout_is_one_clear_error() {
    // A node that accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let h = Home::new("timeout");
    let out = Command::new(env!("CARGO_BIN_EXE_ballast"))
        .env("HOME", &h.dir)
        .args(["-u", &url, "--timeout", "1", "markets"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("timed out") || stderr.contains("timeout"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one sentence: {stderr}");
    drop(listener);
}

#[test]
fn every_command_has_help_with_an_example() {
    let h = Home::new("help");
    for cmd in [
        &["account", "create"][..],
        &["deposit"],
        &["withdraw"],
        &["trade"],
        &["positions"],
        &["markets"],
        &["lp", "deposit"],
        &["lp", "withdraw"],
        &["lp", "show"],
        &["embedded", "setup"],
        &["embedded", "price"],
        &["embedded", "warp"],
        &["gov", "set"],
        &["trigger", "add"],
        &["trigger", "cancel"],
        &["trigger", "list"],
        &["trigger", "close-book"],
        &["delegate", "set"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let out = h.run(&args);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("Example: ballast"), "{cmd:?} --help: {text}");
    }
}

#[test]
fn the_embedded_venue_reads_back_as_its_spec_and_admin_init_finds_every_step_done() {
    let h = Home::new("admin");
    h.setup();
    let applied = h.dir.join(".config/ballast/embedded/venue.toml");
    let text = std::fs::read_to_string(&applied).expect("setup writes the applied spec");
    let v = h.json(&["admin", "spec"]);
    assert_eq!(v["spec"].as_str(), Some(text.as_str()), "the live venue prints as the applied spec");

    let spec = applied.to_str().unwrap();
    let v = h.json(&["admin", "init", "--spec", spec]);
    assert_eq!(v["complete"], Value::Bool(true));
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 14);
    assert!(steps.iter().all(|s| s["outcome"] == "done"), "{v}");

    // The committed demo leaves its mint and oracle accounts to emulation.
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../../venue/demo.toml");
    h.refused(&["admin", "init", "--spec", demo], "collateral.mint: a live venue needs its collateral mint");
    // A bad value is named; so is a live venue that differs.
    let bad = h.dir.join("bad.toml");
    std::fs::write(&bad, text.replacen("band_bps = 2000", "band_bps = 10", 1)).unwrap();
    h.refused(
        &["admin", "init", "--spec", bad.to_str().unwrap()],
        "markets[0] SOL: band_bps = 10 is outside [50, 5000]",
    );
    std::fs::write(&bad, text.replacen("deposit_cap = 1000000000000", "deposit_cap = 2000000000000", 1)).unwrap();
    h.refused(
        &["admin", "init", "--spec", bad.to_str().unwrap()],
        "the exchange exists with deposit_cap = 1000000000000, the spec says 2000000000000",
    );
    std::fs::write(&bad, text.replacen("fee_bps", "fee_bp", 1)).unwrap();
    h.refused(&["admin", "init", "--spec", bad.to_str().unwrap()], "unknown field `fee_bp`");
    h.refused(&["admin", "init", "--spec", "/nonexistent.toml"], "cannot read spec /nonexistent.toml");

    // Handing the oracle adapter to another key: only its authority (the
    // embedded operator's governance key) proposes, only the successor
    // accepts, and the venue still matches its spec afterwards.
    let me = h.json(&["account", "show"])["owner"].as_str().unwrap().to_string();
    h.refused(&["admin", "propose-oracle-authority", &me], "Unauthorized");
    h.refused(&["admin", "accept-oracle-authority"], "NotProposedAuthority");
    h.refused(
        &["admin", "accept-oracle-authority", "--export", &me],
        "the oracle adapter's proposed successor is none",
    );
    h.refused(&["admin", "propose-oracle-authority", &me, "--export", &me], "the oracle adapter's authority is");
    let op: Value =
        serde_json::from_slice(&std::fs::read(h.dir.join(".config/ballast/embedded/operator.json")).unwrap()).unwrap();
    let gov = h.dir.join("gov.json");
    std::fs::write(&gov, op["governance"].to_string()).unwrap();
    let v = h.json(&["-k", gov.to_str().unwrap(), "admin", "propose-oracle-authority", &me]);
    assert_eq!(v["successor"].as_str(), Some(me.as_str()));
    let out = h.run(&["admin", "accept-oracle-authority", "--export", &me]);
    let exported: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(exported["instructions"][0]["program"].as_str(), Some("8j4nWaroTmNxGem3cmvJeiJ7m6DM99CUZB7f7ypYxFvc"));
    assert_eq!(exported["instructions"][0]["accounts"][0]["pubkey"].as_str(), Some(me.as_str()));
    let v = h.json(&["admin", "accept-oracle-authority"]);
    assert_eq!(v["authority"].as_str(), Some(me.as_str()));
    h.refused(&["-k", gov.to_str().unwrap(), "admin", "propose-oracle-authority", &me], "Unauthorized");
    assert_eq!(h.json(&["admin", "init", "--spec", spec])["complete"], Value::Bool(true));
}

#[test]
fn embedded_setup_builds_another_spec_or_refuses_it_by_field() {
    let h = Home::new("spec");
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../venue/demo.toml")).unwrap();
    let file = h.dir.join("venue.toml");
    std::fs::write(&file, demo.replacen("fee_bps = 5", "fee_bps = 3", 1)).unwrap();
    let other = h.dir.join("other-ledger");
    let args = ["--ledger", other.to_str().unwrap(), "embedded", "setup", "--spec", file.to_str().unwrap()];
    h.json(&args);
    let v = h.json(&["--ledger", other.to_str().unwrap(), "admin", "spec"]);
    assert!(v["spec"].as_str().unwrap().contains("symbol = \"SOL\"\nfeed = \"SOL\"\nimr_bps = 1000"), "{v}");
    assert_eq!(v["spec"].as_str().unwrap().matches("fee_bps = 3\n").count(), 1, "{v}");

    std::fs::write(&file, demo.replacen("mmr_bps = 500", "mmr_bps = 1_000", 1)).unwrap();
    let fresh = h.dir.join("fresh-ledger");
    let args = ["--ledger", fresh.to_str().unwrap(), "embedded", "setup", "--spec", file.to_str().unwrap()];
    h.refused(&args, "markets[0] SOL: imr_bps = 1000 is outside [1001, 10000]");
    assert!(!fresh.join("ledger.json").exists(), "a refused spec builds no ledger");
}

#[test]
fn a_delegate_trades_the_owners_account_until_its_expiry_and_every_bad_input_is_named() {
    use solana_sdk::signature::{Keypair, Signer};
    let h = Home::new("delegate");
    h.setup();
    h.json(&["deposit", "1000"]);
    let me = h.json(&["account", "show"])["owner"].as_str().unwrap().to_string();
    let hot = Keypair::new();
    let hot_file = h.dir.join("hot.json");
    std::fs::write(&hot_file, serde_json::to_string(&hot.to_bytes().to_vec()).unwrap()).unwrap();
    let (hot_key, hot_path) = (hot.pubkey().to_string(), hot_file.to_str().unwrap().to_string());
    h.refused(
        &["embedded", "airdrop", &h.json(&["account", "show"])["account"].as_str().unwrap().to_string()],
        "is not a wallet",
    );
    h.json(&["embedded", "airdrop", &hot_key, "--sol", "1"]);

    // Before any delegate the hot key is refused, before anything is sent.
    h.refused(&["-k", &hot_path, "trade", "SOL", "1", "--owner", &me], "NotOwnerOrDelegate");
    let v = h.json(&["delegate", "show"]);
    assert_eq!(v["delegate"], Value::Null);
    let slot = v["slot"].as_u64().unwrap();
    // Bad inputs: the owner itself, an expiry not after now, nothing to remove.
    h.refused(&["delegate", "set", &me], "DelegateIsOwner");
    h.refused(&["delegate", "set", &hot_key, "--expiry-slot", &slot.to_string()], "DelegateExpiryPassed");
    h.refused(&["delegate", "remove"], "has no delegate to remove");
    h.refused(&["delegate", "set", &hot_key, "--expiry-slot", "0"], "--expiry-slot 0 would mean no expiry");
    let out = h.run(&["delegate", "set", "not-a-key"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("invalid value 'not-a-key'"));

    let expiry = slot + 50;
    let v = h.json(&["delegate", "set", &hot_key, "--expiry-slot", &expiry.to_string()]);
    assert_eq!((v["delegate"].as_str(), v["expiry_slot"].as_u64()), (Some(hot_key.as_str()), Some(expiry)));
    let v = h.json(&["-k", &hot_path, "trade", "SOL", "1", "--owner", &me]);
    assert_eq!(v["fill"]["position_after"].as_str(), Some("1.000000000"));
    assert_eq!(
        h.json(&["positions"])["positions"].as_array().map(Vec::len),
        Some(1),
        "the owner's account holds the position"
    );
    let seen = h.json(&["-k", &hot_path, "positions", "--owner", &me]);
    assert_eq!(seen["owner"].as_str(), Some(me.as_str()));
    assert_eq!(seen["positions"][0]["size"].as_str(), Some("1.000000000"), "the delegate reads the account it trades");
    // The delegate has no account of its own to withdraw from, and cannot change the delegate.
    h.refused(&["-k", &hot_path, "withdraw", "10"], &format!("no margin account 0 for {hot_key}"));
    h.refused(&["-k", &hot_path, "delegate", "remove"], &format!("no margin account 0 for {hot_key}"));

    // At the expiry slot the delegate is refused; the owner is not.
    h.json(&["embedded", "warp", "50", "--no-keeper"]);
    let v = h.json(&["delegate", "show"]);
    assert_eq!(v["expired"], Value::Bool(true), "{v}");
    h.refused(&["-k", &hot_path, "trade", "SOL", "1", "--owner", &me], "DelegateExpired");
    h.json(&["trade", "SOL", "-1"]);
    // Removed, it is refused as a stranger.
    h.json(&["delegate", "set", &hot_key]);
    h.json(&["delegate", "remove"]);
    assert_eq!(h.json(&["delegate", "show"])["delegate"], Value::Null);
    h.refused(&["-k", &hot_path, "trade", "SOL", "1", "--owner", &me], "NotOwnerOrDelegate");
}

#[test]
fn watch_prints_the_account_again_when_embedded_price_moves_it() {
    use std::io::{BufRead, BufReader};
    let h = Home::new("watch");
    h.setup();
    h.json(&["deposit", "1000"]);
    h.json(&["trade", "SOL", "40"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ballast"))
        .env("HOME", &h.dir)
        .env_remove("RUST_LOG")
        .args(["-u", "embedded", "watch", "--count", "2", "--interval-ms", "20", "--output", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run ballast watch");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().expect("a first view").unwrap()).unwrap();
    // The first view is printed before the price moves: no race.
    h.json(&["embedded", "price", "SOL", "140", "--no-keeper"]);
    let second: Value = serde_json::from_str(&lines.next().expect("a second view").unwrap()).unwrap();
    assert!(child.wait().unwrap().success(), "watch stops after --count views");
    let row = |v: &Value| v["positions"][0].clone();
    assert_eq!(row(&first)["oracle_price"].as_str(), Some("150.000000000"));
    assert_eq!(row(&second)["oracle_price"].as_str(), Some("140.000000000"));
    let (d1, d2) = (row(&first)["distance_bps"].as_i64().unwrap(), row(&second)["distance_bps"].as_i64().unwrap());
    assert!(d1 > d2 && d2 > 0, "a 10 dollar drop brings a long closer to liquidation: {d1} -> {d2} bps");
    assert!(second["health"]["maintenance"].as_str().is_some());
    // Bad input: another owner with no account.
    let out = h.run(&["watch", "--count", "1", "--owner", "11111111111111111111111111111112"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("no margin account at"));
}

#[test]
fn triggers_preview_their_execution_a_keeper_executes_them_and_every_bad_input_is_named() {
    use solana_sdk::signature::{Keypair, Signer};
    let h = Home::new("trigger");
    h.setup();
    h.json(&["deposit", "1000"]);
    h.refused(&["trigger", "add", "SOL", "--stop-loss", "140"], "no SOL position in margin account 0");
    h.json(&["trade", "SOL", "2"]); // long 2 at about 150
                                    // Bad inputs, each named, nothing sent: the wrong side of the price,
                                    // zero or too large a size, an unknown market, a fee above the bound,
                                    // neither or both kinds.
    h.refused(&["trigger", "add", "SOL", "--stop-loss", "155"], "TriggerAlreadyCrossed");
    h.refused(&["trigger", "add", "SOL", "--take-profit", "145"], "TriggerAlreadyCrossed");
    h.refused(&["trigger", "add", "SOL", "--stop-loss", "140", "--size", "0"], "size must be greater than zero");
    h.refused(&["trigger", "add", "SOL", "--stop-loss", "140", "--size", "2.000000001"], "TriggerAddsRisk");
    h.refused(&["trigger", "add", "DOGE", "--stop-loss", "140"], "unknown market `DOGE`");
    h.refused(&["trigger", "add", "SOL", "--stop-loss", "140", "--keeper-fee", "1.000001"], "TriggerFeeTooHigh");
    h.refused(&["trigger", "add", "SOL", "--stop-loss", "0"], "trigger price must be greater than zero");
    h.refused(&["trigger", "add", "SOL", "--stop-loss", "140", "--limit-price", "141"], "LimitPriceExceeded");
    let out = h.run(&["trigger", "add", "SOL"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("required"));
    let out = h.run(&["trigger", "add", "SOL", "--stop-loss", "140", "--take-profit", "160"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));

    // A stop-loss below, previewed at its own price: the whole position, 2 % limit, 0.05 fee.
    let v = h.json(&["trigger", "add", "SOL", "--stop-loss", "140"]);
    assert_eq!((v["kind"].as_str(), v["direction"].as_str()), (Some("stop-loss"), Some("below")));
    assert_eq!((v["size"].as_str(), v["limit_price"].as_str()), (Some("-2.000000000"), Some("137.200000000")));
    assert_eq!((v["keeper_fee"].as_str(), v["creates_book"].as_bool()), (Some("0.050000"), Some(true)));
    assert_eq!(v["execution"]["position_after"].as_str(), Some("0.000000000"));
    assert_eq!(v["execution"]["keeper_fee"].as_str(), Some("0.050000"));
    assert!(dec(&v["execution"]["fill_price"]) <= 140.0 && dec(&v["execution"]["fill_price"]) >= 137.2);
    let v = h.json(&["trigger", "add", "SOL", "--take-profit", "170", "--size", "1", "--keeper-fee", "0"]);
    assert_eq!((v["index"].as_u64(), v["creates_book"].as_bool()), (Some(1), Some(false)));
    let rows = h.json(&["trigger", "list"]);
    let status: Vec<_> = rows.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap().to_string()).collect();
    assert_eq!(status, ["waiting", "waiting"]);

    // A delegate may cancel, never add; expired, it is refused.
    let me = h.json(&["account", "show"])["owner"].as_str().unwrap().to_string();
    let hot = Keypair::new();
    let hot_file = h.dir.join("hot.json");
    std::fs::write(&hot_file, serde_json::to_string(&hot.to_bytes().to_vec()).unwrap()).unwrap();
    let hot_path = hot_file.to_str().unwrap().to_string();
    h.json(&["embedded", "airdrop", &hot.pubkey().to_string(), "--sol", "1"]);
    let slot = h.json(&["delegate", "show"])["slot"].as_u64().unwrap();
    h.json(&["delegate", "set", &hot.pubkey().to_string(), "--expiry-slot", &(slot + 20).to_string()]);
    h.refused(
        &["-k", &hot_path, "trigger", "add", "SOL", "--stop-loss", "130", "--owner", &me],
        "only the account's owner adds triggers",
    );
    h.json(&["-k", &hot_path, "trigger", "cancel", "1", "--owner", &me]);
    h.refused(&["trigger", "cancel", "1"], "no trigger at index 1");
    h.json(&["trigger", "add", "SOL", "--take-profit", "170", "--size", "1"]);
    h.json(&["embedded", "warp", "20", "--no-keeper"]);
    h.refused(&["-k", &hot_path, "trigger", "cancel", "1", "--owner", &me], "DelegateExpired");

    // The price falls to the stop: the embedded keeper executes it, and the
    // take-profit goes with the closed position.
    let p = h.json(&["embedded", "price", "SOL", "140"]);
    assert_eq!(p["keeper"]["triggers"].as_u64(), Some(1), "{p}");
    assert_eq!(h.json(&["positions"])["positions"].as_array().map(Vec::len), Some(0));
    assert_eq!(h.json(&["trigger", "list"]).as_array().map(Vec::len), Some(0));
    h.json(&["trigger", "close-book"]);
    h.refused(&["trigger", "close-book"], "has no trigger book");
}
