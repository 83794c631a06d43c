//! The stress lab's oracle driver through the real adapter: a synthetic
//! path interpolated to the slot clock, published by two emulated sources
//! each slot; faults show up as the adapter's validity.

use ballast_client::oracle as ix;
use ballast_risk::oracle::Validity;
use ballast_sim::oracle::{OracleFaults, Publishers, SlotClock};
use ballast_sim::synthetic::{generate, SyntheticParams};
use ballast_tests::adapter::{load_feed, sol_feed};

const S0: u64 = 10;
const T0: i64 = 1_700_000_000;

#[tokio::test]
async fn a_synthetic_path_drives_the_real_adapter_slot_by_slot_and_faults_change_validity() {
    let clock = SlotClock { start_slot: S0, start_time: T0, ms_per_slot: 400, stretch: None };
    let params = SyntheticParams { start_time: T0, steps: 200, jump_prob: 0.0, crash: None, ..Default::default() };
    let (path, _) = generate(&params);
    let (mut tc, _gov, feed, sources) = sol_feed(S0, T0, path.at(T0).expect("price"), 0).await;
    // Sources 3 % apart for 10 slots; later the Pyth source goes dark for
    // 180 slots (72 s), longer than the 60 s max age.
    let faults =
        OracleFaults { divergence: Some((S0 + 5, S0 + 15, 300)), dark: Some((0, S0 + 20, S0 + 201)), lag: None };
    let mut publishers = Publishers::from_sources(sources, faults);
    let keys: Vec<_> = publishers.sources.iter().map(|s| s.address).collect();
    let (mut valid, mut degraded, mut uncertain) = (0, 0, 0);
    for slot in S0 + 1..=S0 + 200 {
        let t = clock.unix(slot);
        let price = path.at(t).expect("price");
        let changed: Vec<_> =
            publishers.publish(price, t, slot).into_iter().map(|s| (s.address, s.account())).collect();
        tc.set_clock(slot, t).await;
        for (address, account) in &changed {
            tc.set_account(address, account);
        }
        tc.process(&[ix::refresh(feed, &keys)], &[]).await.expect("refresh");
        let f = load_feed(&mut tc, &feed).await;
        match Validity::from_u8(f.validity) {
            Validity::Valid if slot < S0 + 20 => {
                valid += 1;
                assert_eq!(f.price, price, "slot {slot}: both sources agree, the feed is the path");
            }
            Validity::Valid => {
                // The dark source's last price is still fresh: the median of
                // two prices, within the divergence limit of the path.
                valid += 1;
                assert!((f.price - price).abs() * 10_000 <= price * 150, "slot {slot}: {} vs {price}", f.price);
            }
            Validity::Degraded => {
                degraded += 1;
                assert!(slot >= S0 + 20 + 150, "degraded once the dark source is past its max age: slot {slot}");
                assert_eq!(f.price, price, "the live source alone");
            }
            Validity::TooUncertain => {
                uncertain += 1;
                assert!((S0 + 5..S0 + 15).contains(&slot), "uncertain only while they diverge: slot {slot}");
            }
            other => panic!("slot {slot}: unexpected {other:?}"),
        }
    }
    assert_eq!(uncertain, 10, "every diverging slot");
    assert!(degraded > 0 && valid > 150, "{valid} valid, {degraded} degraded");
}
