//! Every real price file in `data/prices` loads as published, oldest first
//! with strictly increasing times, and shows the crash low stated in
//! `data/README.md`.

use ballast_sim::prices::{load_candles, Candle};

const ONE: i64 = 1_000_000_000;

fn data(file: &str) -> Vec<Candle> {
    let path = ballast_client::data::data_dir().join("prices").join(file);
    assert!(path.exists(), "missing {}", path.display());
    let candles = load_candles(&path).unwrap_or_else(|e| panic!("{file}: {e:#}"));
    assert!(candles.windows(2).all(|w| w[0].time < w[1].time), "{file}: times strictly increasing");
    candles
}

/// The lowest low and the UTC day (unix days) it happened on.
fn low(c: &[Candle]) -> (i64, i64) {
    let l = c.iter().min_by_key(|c| c.low).expect("candles");
    (l.low, l.time.div_euclid(86_400))
}

fn day(y: i64, m: i64, d: i64) -> i64 {
    ballast_client::time::days_from_civil(y, m, d)
}

#[test]
fn btc_march_2020_newest_first_unix_seconds_low_3782_13_on_13_march() {
    let c = data("BTCUSDT_1h_binance_2020-03-10_2020-03-15.csv");
    assert_eq!(c.len(), 144);
    assert_eq!(low(&c), (3_782_130_000_000, day(2020, 3, 13)));
}

#[test]
fn btc_may_2021_unix_milliseconds_low_30000_on_19_may() {
    let c = data("BTCUSDT_1h_binance_2021-05-17_2021-05-22.csv");
    assert_eq!(c.len(), 144);
    assert_eq!(low(&c), (30_000 * ONE, day(2021, 5, 19)));
}

#[test]
fn sol_may_2021_mangled_unix_falls_back_to_date_and_time_low_25_228_on_19_may() {
    let c = data("SOLUSDT_1h_binance_2021-05-17_2021-05-22.csv");
    assert_eq!(c.len(), 144);
    assert_eq!(low(&c), (25_228_000_000, day(2021, 5, 19)));
    assert!(c.windows(2).all(|w| w[1].time - w[0].time == 3_600), "hourly, from the date and time columns");
}

#[test]
fn luna_may_2022_headerless_kline_dump_goes_below_0_0001_on_12_or_13_may() {
    let c = data("LUNAUSDT_1m_binance_2022-05-07_2022-05-13.csv");
    assert_eq!(c.len(), 8_680);
    let (l, d) = low(&c);
    assert!(l < ONE / 10_000, "low {l}");
    assert!([day(2022, 5, 12), day(2022, 5, 13)].contains(&d));
    assert_eq!(c[0].open, 77_300_000_000, "starts near 77.5");
}

#[test]
fn eth_files_load_in_both_published_styles() {
    for f in ["ETHUSDT_1h_binance_2020-03-10_2020-03-15.csv", "ETHUSDT_1h_binance_2021-05-17_2021-05-22.csv"] {
        assert_eq!(data(f).len(), 144, "{f}");
    }
}
