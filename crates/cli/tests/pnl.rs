//! Unsettled PnL and auto-deleveraging through the `ballast` binary on its
//! embedded ledger: a pool short of cash, a winner whose close it cannot
//! pay in full, the preview's warning, `positions` and `account show`
//! (text and JSON), `account settle-pnl` refused and then paid to the unit
//! once a loser's cash arrives, and `account close` sent to settle first.
//! Every price move skips the embedded keeper (`--no-keeper`): the keeper
//! settles and deleverages on its own, and this test does it by hand.

use serde_json::Value;
use solana_sdk::signature::{Keypair, Signer};

mod common;
use common::Home;

/// A JSON amount with 6 decimals, in quote units (exact).
fn micros(v: &Value) -> i128 {
    let s = v.as_str().unwrap_or_else(|| panic!("not an amount: {v}"));
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let sign = if int.starts_with('-') { -1 } else { 1 };
    assert_eq!(frac.len(), 6, "{s}");
    sign * (int.trim_start_matches('-').parse::<i128>().unwrap() * 1_000_000 + frac.parse::<i128>().unwrap())
}

fn usdc(v: i128) -> String {
    format!("{}.{:06}", v / 1_000_000, v % 1_000_000)
}

#[test]
fn a_close_the_pool_cannot_pay_is_unsettled_shown_and_settled_once_cash_arrives() {
    let h = Home::new("settle");
    // The demo venue without funding, borrow fees or an LP share of fees,
    // and no reserve cap: a thin pool against a crowd, amounts to the unit.
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../venue/demo.toml")).unwrap();
    let mut spec = String::new();
    for line in demo.lines() {
        let key = line.split('=').next().unwrap_or("").trim();
        let value = match key {
            "funding_factor_ppm" | "max_funding_ppm" | "borrow_base_ppm" | "borrow_slope_ppm" | "borrow_jump_ppm"
            | "lp_fee_share_bps" => Some("0"),
            "reserve_factor_bps" | "stress_reserve_factor_bps" => Some("1_000_000"),
            _ => None,
        };
        spec.push_str(&value.map_or(line.to_string(), |v| format!("{key} = {v}")));
        spec.push('\n');
    }
    let spec_file = h.dir.join("thin-pool.toml");
    std::fs::write(&spec_file, spec).unwrap();
    h.json(&["embedded", "setup", "--spec", spec_file.to_str().unwrap()]);
    h.json(&["account", "create"]);
    h.json(&["deposit", "1000"]);
    // The house LP takes all but 50 USDC out of the pool (after its hold).
    let op: Value =
        serde_json::from_slice(&std::fs::read(h.dir.join(".config/ballast/embedded/operator.json")).unwrap()).unwrap();
    let house = h.dir.join("house.json");
    std::fs::write(&house, op["mint_authority"].to_string()).unwrap();
    let house = house.to_str().unwrap();
    h.json(&["embedded", "warp", "150"]);
    h.json(&["-k", house, "lp", "withdraw", "9999950"]);
    assert_eq!(h.json(&["lp", "show", "-k", house])["pool"]["balance"], "50.000000");
    // A second trader, B, will lose: its loss is the cash that pays A.
    let b = Keypair::new();
    let b_file = h.key_file("b.json", &b);
    h.json(&["embedded", "airdrop", &b.pubkey().to_string(), "--sol", "1", "--usdc", "1000"]);
    h.json(&["-k", &b_file, "account", "create"]);
    h.json(&["-k", &b_file, "deposit", "1000"]);
    h.json(&["trade", "SOL", "20"]);
    h.json(&["-k", &b_file, "trade", "SOL", "-20"]);
    h.json(&["embedded", "price", "SOL", "170", "--no-keeper"]);

    // Before: nothing unsettled, A's long ranks; the venue is not triggered:
    // A's gain and B's loss net to nothing the pool owes (a hedged book).
    let v = h.json(&["positions"]);
    assert_eq!(v["unsettled_pnl"], "0.000000");
    assert_eq!((v["adl"]["triggered"].as_bool(), v["adl"]["free_cash"].as_str()), (Some(false), Some("50.000000")));
    assert_eq!(v["adl"]["liability"], "0.000000");
    assert_eq!(
        (v["adl"]["max_pnl_factor_bps"].as_u64(), v["adl"]["adl_target_bps"].as_u64()),
        (Some(8000), Some(6000))
    );
    assert_eq!(v["positions"][0]["adl"]["candidate"], true, "the only long is its side's average");
    assert!(v["positions"][0]["adl"]["rank"].as_str().unwrap().parse::<u128>().unwrap() > 0);
    let b_rows = h.json(&["-k", &b_file, "positions"]);
    assert_eq!(b_rows["positions"][0]["adl"], Value::Null, "a losing position never ranks");

    // The preview of closing half: the pool pays its 50 USDC, the rest is unsettled.
    let p = h.json(&["trade", "SOL", "-10", "--dry-run"]);
    let unsettled = micros(&p["fill"]["unsettled"]);
    assert_eq!(unsettled, micros(&p["fill"]["realized_pnl"]) - 50_000_000, "{p}");
    assert!(unsettled > 100_000_000, "{p}");
    let text = h.text(&["trade", "SOL", "-10", "--dry-run"]);
    assert!(
        text.contains(&format!(
            "WARNING: the pool has too little cash to pay all of this profit: {} USDC of it would be left as \
             unsettled PnL, owed to the account; `ballast account settle-pnl` (settle_pnl) pays it when the pool has cash",
            usdc(unsettled)
        )),
        "{text}"
    );
    let t = h.json(&["trade", "SOL", "-10"]);
    assert_eq!(micros(&t["fill"]["unsettled"]), unsettled);

    // Shown by `positions` and `account show`, in JSON and text.
    let v = h.json(&["positions"]);
    assert_eq!(micros(&v["unsettled_pnl"]), unsettled);
    assert_eq!(micros(&v["adl"]["free_cash"]), -unsettled, "the pool's cash is gone, it owes the rest");
    assert_eq!(v["positions"][0]["size"], "10.000000000");
    let s = h.json(&["account", "show"]);
    assert_eq!(micros(&s["unsettled_pnl"]), unsettled);
    assert_eq!(s["adl"], v["adl"]);
    assert_eq!(s["positions"][0]["adl"], v["positions"][0]["adl"]);
    let line = format!("Unsettled PnL: {} USDC owed by the pool", usdc(unsettled));
    for cmd in [&["positions"][..], &["account", "show"]] {
        let text = h.text(cmd);
        assert!(text.contains(&line), "{cmd:?}: {text}");
        assert!(text.contains("SOL ADL rank ") && text.contains("a candidate (at or above the longs' average return)"));
        assert!(text.contains("Auto-deleveraging: off (traders' unrealised profit 0.000000 USDC"), "{text}");
    }
    // A take-profit's preview at its own price warns the same way.
    let text = h.text(&["trigger", "add", "SOL", "--take-profit", "175", "--dry-run"]);
    assert!(text.contains("WARNING: the pool has too little cash to pay all of this profit: "), "{text}");
    let e = &h.json(&["trigger", "add", "SOL", "--take-profit", "175", "--dry-run"])["execution"];
    assert_eq!(e["unsettled"], e["realized_pnl"], "the pool has no cash left: all of it");

    // No cash in the pool: the program would refuse, nothing is sent.
    h.refused(&["account", "settle-pnl"], "the pool's balance cannot cover this (PoolInsufficient)");
    // Closing the rest adds its whole profit; an emptied account must settle first.
    let t = h.json(&["trade", "SOL", "-10"]);
    let owed = unsettled + micros(&t["fill"]["unsettled"]);
    assert_eq!(micros(&t["fill"]["unsettled"]), micros(&t["fill"]["realized_pnl"]));
    h.json(&["withdraw", "all"]);
    h.refused(
        &["account", "close"],
        &format!(
            "margin account 0 has {} USDC of unsettled PnL left: settle it first with `ballast account settle-pnl` \
             (paid into the collateral when the pool has cash), then `ballast withdraw all`; the program refuses to \
             close it: the account still has unsettled PnL: settle it first (settle_pnl) (UnsettledPnlLeft)",
            usdc(owed)
        ),
    );

    // B closes at a loss: cash for the pool, more than A is owed.
    h.json(&["-k", &b_file, "trade", "SOL", "20"]);
    let a_key = h.json(&["account", "show"])["account"].as_str().unwrap().to_string();
    let d = h.json(&["-k", &b_file, "account", "settle-pnl", &a_key, "--dry-run"]);
    assert_eq!((d["accepted"].as_bool(), d["signature"].is_null()), (Some(true), true));
    assert!(micros(&d["pool"]["balance"]) >= owed, "{d}");
    // Anyone settles any account: B pays A's, to the unit.
    let v = h.json(&["-k", &b_file, "account", "settle-pnl", &a_key]);
    assert_eq!((micros(&v["unsettled_before"]), micros(&v["paid"])), (owed, owed), "{v}");
    assert_eq!((v["netted"].as_str(), v["left"].as_str()), (Some("0.000000"), Some("0.000000")));
    assert_eq!((v["collateral_before"].as_str(), micros(&v["collateral_after"])), (Some("0.000000"), owed));
    assert!(v["signature"].is_string());
    let s = h.json(&["account", "show"]);
    assert_eq!((s["unsettled_pnl"].as_str(), micros(&s["collateral"])), (Some("0.000000"), owed));
    assert_eq!(s["adl"]["triggered"], false, "no position is left in profit");
    // Nothing left: refused with the program's message.
    h.refused(&["account", "settle-pnl"], "the account has no unsettled PnL (NothingToSettle)");
    h.refused(&["account", "settle-pnl", "--output", "json"], "NothingToSettle");
    assert_eq!(micros(&h.json(&["withdraw", "all"])["amount"]), owed);
    h.json(&["account", "close"]);
}

#[test]
fn settle_pnl_has_help_and_gov_knows_the_pnl_fields() {
    let h = Home::new("gov");
    let out = h.run(&["account", "settle-pnl", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("Example: ballast account settle-pnl"), "{text}");
    h.json(&["embedded", "setup"]);
    h.refused(&["account", "settle-pnl"], "no margin account 0 for");
    h.refused(&["account", "settle-pnl", "11111111111111111111111111111112"], "no margin account at");

    let v = h.json(&["gov", "show"]);
    let ex = &v["exchange"];
    assert_eq!(
        (ex["unsettled_weight_bps"].as_u64(), ex["max_pnl_factor_bps"].as_u64(), ex["adl_target_bps"].as_u64()),
        (Some(5000), Some(8000), Some(6000))
    );
    assert!(h.text(&["gov", "show"]).contains("max_pnl_factor_bps"));
    // Less unsettled PnL counted is tighter; the ADL fields are timelocked;
    // a target at or above the trigger is refused by the program's bounds.
    let rows = h.json(&["gov", "diff", "unsettled_weight_bps=2500"]);
    assert_eq!((rows[0]["class"].as_str(), rows[0]["refused"].is_null()), (Some("tightening"), true), "{rows}");
    let rows = h.json(&["gov", "diff", "max_pnl_factor_bps=9000", "adl_target_bps=5000"]);
    let classes: Vec<_> = rows.as_array().unwrap().iter().map(|r| r["class"].as_str().unwrap()).collect();
    assert_eq!(classes, ["loosening", "loosening"], "{rows}");
    assert!(rows.as_array().unwrap().iter().all(|r| r["refused"].is_null()), "{rows}");
    let rows = h.json(&["gov", "diff", "adl_target_bps=8000"]);
    assert!(rows[0]["refused"].is_string(), "{rows}");
    h.refused(&["gov", "diff", "adl_target"], "is not FIELD=VALUE");
    h.refused(&["gov", "diff", "adl_targt_bps=1"], "unknown field `adl_targt_bps`");
}
