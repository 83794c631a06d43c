//! Properties of the format parsers: no input bytes make them panic.

use ballast_tests::dumps::{all_names, load};
use proptest::prelude::*;

/// Every parser on `data` (`ballast_tests::hostile::parse_all`).
fn parse_all(data: &[u8]) {
    ballast_tests::hostile::parse_all(data, &[0; 32]);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 10_000,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x0ba1_1a57),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_random_bytes_make_any_parser_panic(data in prop::collection::vec(any::<u8>(), 0..4_000)) {
        parse_all(&data);
    }

    #[test]
    fn no_mutation_or_truncation_of_a_real_dump_makes_any_parser_panic(
        pick in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..16),
        cut in any::<prop::sample::Index>(),
    ) {
        let names = all_names();
        let mut data = load(&names[pick.index(names.len())]).data;
        for (at, byte) in flips {
            let i = at.index(data.len());
            data[i] = byte;
        }
        data.truncate(cut.index(data.len() + 1));
        parse_all(&data);
    }
}

/// The hostile-bytes run at CI size (`scripts/hostile.sh` runs 1,000,000):
/// random, truncated, oversized and mutated strings to every oracle parser
/// and every instruction's decoder, none panicking.
#[test]
fn no_hostile_byte_string_makes_any_parser_or_instruction_decoder_panic() {
    let n = std::env::var("BALLAST_HOSTILE_INPUTS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let start = std::time::Instant::now();
    let t = ballast_tests::hostile::run(n, 0x0ba1_1a57);
    println!("{t:?} in {:.1}s", start.elapsed().as_secs_f64());
    assert_eq!(t.inputs, n);
    assert_eq!((t.parser_calls, t.decode_calls), (n * 7, n * 39));
    // Mutations keep some inputs valid: the parsers were reached, not
    // refused at the door.
    assert!(t.parsed > 0 && t.decoded > 0, "{t:?}");
}
