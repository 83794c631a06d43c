//! Every real dump parses to the MANIFEST's values; the three edge cases of
//! `data/README.md` are rejected with the right reason; one real dump
//! drives a real `refresh` in the bank.

use ballast_risk::oracle::{check_quote, Guards, Validity, Verdict};
use ballast_tests::adapter::{init_adapter, load_feed, refresh_keys};
use ballast_tests::context::ContextBuilder;
use ballast_tests::dumps::{self, load, manifest, to_account, unix_time};
use oracle_adapter::sources::{
    evaluate, pyth_legacy, pyth_pull, switchboard_on_demand, switchboard_v2, SourceInput, SourceKind,
};
use oracle_adapter::state::{GuardParams, SourceConfig, SourceParam};
use serde_json::Value;

fn f(e: &Value, k: &str) -> f64 {
    e[k].as_f64().unwrap_or_else(|| panic!("{k} in {}", e["file"]))
}
fn u(e: &Value, k: &str) -> u64 {
    e[k].as_u64().unwrap_or_else(|| panic!("{k} in {}", e["file"]))
}
/// A mantissa equals a decimal value from the MANIFEST to 1e-12 relative.
fn close(mantissa: i128, expo: i32, want: f64) -> bool {
    let got = mantissa as f64 * 10f64.powi(expo);
    (got - want).abs() <= want.abs() * 1e-12 + 10f64.powi(expo)
}

#[test]
fn every_manifest_entry_parses_to_its_decoded_values() {
    let entries = manifest();
    assert_eq!(entries.len(), 24, "MANIFEST lists 24 accounts");
    for e in &entries {
        let name = e["file"].as_str().unwrap();
        let d = load(name);
        assert_eq!(d.data.len() as u64, u(e, "len"), "{name}");
        assert_eq!(d.owner.to_string(), e["owner"].as_str().unwrap(), "{name}");
        match e["kind"].as_str().unwrap() {
            "pyth-v2-price" => {
                assert_eq!(SourceKind::detect(&d.data), Some(SourceKind::PythLegacy), "{name}");
                let p = pyth_legacy::read_price(&d.data).unwrap();
                let expo = e["expo"].as_i64().unwrap() as i32;
                assert_eq!(p.expo, expo, "{name}");
                assert!(close(p.price as i128, expo, f(e, "agg_price")), "{name} price");
                assert!(close(p.conf as i128, expo, f(e, "agg_conf")), "{name} conf");
                assert!(close(p.ema_price as i128, expo, f(e, "ema_price")), "{name} ema");
                assert_eq!(p.timestamp, unix_time(e["timestamp"].as_str().unwrap()), "{name}");
                assert_eq!(p.status as u64, u(e, "agg_status"), "{name}");
                assert_eq!(p.pub_slot, u(e, "agg_pub_slot"), "{name}");
            }
            "pyth-PriceUpdateV2" => {
                assert_eq!(SourceKind::detect(&d.data), Some(SourceKind::PythPull), "{name}");
                let upd = pyth_pull::parse_account(&d.data).unwrap();
                let m = &upd.price_message;
                let expo = e["expo"].as_i64().unwrap() as i32;
                assert_eq!(m.exponent, expo, "{name}");
                assert!(close(m.price as i128, expo, f(e, "price")), "{name} price");
                assert!(close(m.conf as i128, expo, f(e, "conf")), "{name} conf");
                assert!(close(m.ema_price as i128, expo, f(e, "ema_price")), "{name} ema");
                assert_eq!(m.publish_time, unix_time(e["publish_time"].as_str().unwrap()), "{name}");
                assert_eq!(upd.posted_slot, u(e, "posted_slot"), "{name}");
                let id = e["feed_id"].as_str().unwrap().trim_start_matches("0x");
                let hex: String = m.feed_id.iter().map(|b| format!("{b:02x}")).collect();
                assert_eq!(hex, id, "{name}");
                assert_eq!(e["verification"], "Full");
                // The program's checked path accepts it with the right feed id.
                let raw = pyth_pull::parse(&d.data, &m.feed_id).unwrap();
                assert_eq!((raw.price, raw.expo), (m.price as i128, expo));
            }
            "switchboard-ondemand-PullFeedAccountData" => {
                assert_eq!(SourceKind::detect(&d.data), Some(SourceKind::SwitchboardOnDemand), "{name}");
                let r = switchboard_on_demand::read_result(&d.data).unwrap();
                assert!(close(r.value, -18, f(e, "result_value")), "{name} value");
                assert!(close(r.std_dev, -18, f(e, "result_std_dev")), "{name} std");
                assert_eq!(r.num_samples as u64, u(e, "result_num_samples"), "{name}");
                assert_eq!(r.result_slot, u(e, "result_slot"), "{name}");
                assert_eq!(r.last_update_timestamp, unix_time(e["last_update_timestamp"].as_str().unwrap()), "{name}");
            }
            "switchboard-v2-AggregatorAccountData" => {
                assert_eq!(SourceKind::detect(&d.data), Some(SourceKind::SwitchboardV2), "{name}");
                let a = switchboard_v2::read_aggregator(&d.data).unwrap();
                assert!(close(a.result.mantissa, a.result.expo().unwrap(), f(e, "result")), "{name} result");
                assert!(
                    close(a.std_deviation.mantissa, a.std_deviation.expo().unwrap(), f(e, "std_dev")),
                    "{name} std"
                );
                assert_eq!(a.min_oracle_results as u64, u(e, "min_oracle_results"), "{name}");
                assert_eq!(a.num_success as u64, u(e, "num_success"), "{name}");
                assert_eq!(a.round_open_slot, u(e, "round_open_slot"), "{name}");
                assert_eq!(a.round_open_timestamp, unix_time(e["round_open_ts"].as_str().unwrap()), "{name}");
                let label = e["name"].as_str().unwrap();
                assert_eq!(&a.name[..label.len()], label.as_bytes(), "{name}");
            }
            other => panic!("unknown kind {other}"),
        }
    }
}

#[test]
fn every_dump_file_is_detected_and_judged_without_panic() {
    let names = dumps::all_names();
    assert_eq!(names.len(), 26, "24 in the MANIFEST plus the two marginfi originals");
    for name in names {
        let d = load(&name);
        let kind = SourceKind::detect(&d.data).unwrap_or_else(|| panic!("{name} not detected"));
        // Whatever the verdict, judging never panics.
        let _ = kind.parse(&d.data, &[0; 32]);
    }
}

fn judge(name: &str, kind: SourceKind) -> Result<ballast_risk::oracle::Quote, Verdict> {
    let d = load(name);
    let cfg = SourceConfig { account: d.pubkey, kind: kind as u8, ..SourceConfig::default() };
    let input = SourceInput { key: &d.pubkey, owner: &d.owner, data: &d.data };
    evaluate(&cfg, &input, &Guards::default_liquid(), i64::MAX / 2, u64::MAX / 2)
}

#[test]
fn stale_marginfi_pyth_account_is_rejected_for_owner_and_status() {
    let name = "sol_usd-pyth_v2-20241102-stale-ORIGINAL_marginfi";
    assert_eq!(judge(name, SourceKind::PythLegacy), Err(Verdict::WrongOwner));
    assert_eq!(pyth_legacy::parse(&load(name).data), Err(Verdict::NotTrading));
}

#[test]
fn devnet_old_layout_is_rejected_for_owner_and_missing_timestamp() {
    let name = "sol_usd_devnet-pyth_v2_oldlayout-2021";
    assert_eq!(judge(name, SourceKind::PythLegacy), Err(Verdict::WrongOwner));
    let raw = pyth_legacy::parse(&load(name).data).unwrap();
    assert_eq!(raw.publish_time, 0);
    assert_eq!(check_quote(&raw, &Guards::default_liquid(), 1_000, raw.slot), Err(Verdict::MissingTimestamp));
}

#[test]
fn switchboard_feed_without_result_is_rejected_as_no_result() {
    let name = "sol_usd-sb_ondemand-20240806-noresult";
    assert_eq!(judge(name, SourceKind::SwitchboardOnDemand), Err(Verdict::NoResult));
}

#[test]
fn unverified_marginfi_pull_dump_parses_as_a_full_update() {
    // Not in the MANIFEST: a marginfi fixture of the SOL/USD pull account.
    let d = load("sol_usd-pyth_pull-20250104-ORIGINAL_marginfi");
    let upd = pyth_pull::parse_account(&d.data).unwrap();
    assert!(upd.price_message.price > 0);
    assert_eq!(upd.price_message.exponent, -8);
}

/// A real legacy SOL/USD account refreshed by the real program in the bank.
#[tokio::test]
async fn real_pyth_legacy_dump_publishes_its_price_on_chain() {
    let d = load("sol_usd-pyth_v2-20240704");
    let mut tc = ContextBuilder::new().account(d.pubkey, to_account(&d)).start().await;
    let gov = init_adapter(&mut tc).await;
    let p = pyth_legacy::read_price(&d.data).unwrap();
    let guards = GuardParams { min_valid_sources: 1, ..ballast_tests::adapter::guards() };
    let params = [SourceParam { kind: SourceKind::PythLegacy as u8, account: d.pubkey, feed_id: [0; 32] }];
    let feed = create_feed_raw(&mut tc, &gov, "SOL/USD", &params, guards).await;
    tc.set_clock(p.pub_slot + 10, p.timestamp + 5).await;
    let ev = refresh_keys(&mut tc, &feed, &[d.pubkey]).await.unwrap();
    assert_eq!(ev.verdicts[0], Verdict::Accepted as u8);
    assert!(ev.applied);
    let state = load_feed(&mut tc, &feed).await;
    assert_eq!(state.price, 132_724_572_490); // 132.72457249 at 10^-9
    assert_eq!(state.conf, 135_180_410); // 0.13518041
    assert_eq!(state.publish_time, p.timestamp);
    assert_eq!(Validity::from_u8(state.validity), Validity::Valid);
}

async fn create_feed_raw(
    tc: &mut ballast_tests::context::TestContext,
    gov: &solana_sdk::signature::Keypair,
    symbol: &str,
    sources: &[SourceParam],
    guards: GuardParams,
) -> solana_sdk::pubkey::Pubkey {
    use solana_sdk::signature::Signer;
    let params =
        oracle_adapter::instructions::CreateFeedParams { symbol: symbol.into(), sources: sources.to_vec(), guards };
    let payer = tc.payer();
    tc.process(&[ballast_client::oracle::create_feed(payer, gov.pubkey(), params)], &[gov]).await.unwrap();
    ballast_client::oracle::feed_address(symbol)
}
