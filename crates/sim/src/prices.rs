//! Real price files, as their sources published them (see
//! `data/README.md`): CryptoDataDownload-style CSVs (newest first; unix time
//! in seconds with `.0`, in milliseconds, or mangled by a spreadsheet into
//! `1.62172E+12`, when the `date` and `time` columns are the truth) and
//! headerless Binance kline dumps. Prices are parsed exactly into
//! `PRICE_PRECISION` fixed point, never through floats.

use anyhow::{bail, Context, Result};
use ballast_risk::precision::PRICE_DECIMALS;
use std::path::Path;

/// One candle. Prices at `PRICE_PRECISION` (10⁻⁹).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candle {
    /// Open time, unix seconds.
    pub time: i64,
    /// Open price.
    pub open: i64,
    /// High price.
    pub high: i64,
    /// Low price.
    pub low: i64,
    /// Close price.
    pub close: i64,
}

/// A price path: `(unix seconds, price)` points, strictly increasing in time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PricePath {
    /// The points, oldest first.
    pub points: Vec<(i64, i64)>,
}

impl PricePath {
    /// The close of each candle, at its open time.
    pub fn from_candles(candles: &[Candle]) -> PricePath {
        PricePath { points: candles.iter().map(|c| (c.time, c.close)).collect() }
    }

    /// The price at unix time `t`, linearly interpolated between points
    /// (held flat before the first and after the last).
    pub fn at(&self, t: i64) -> Option<i64> {
        let i = self.points.partition_point(|(pt, _)| *pt <= t);
        match (i.checked_sub(1).and_then(|j| self.points.get(j)), self.points.get(i)) {
            (Some(&(t0, p0)), Some(&(t1, p1))) => {
                let w = (t - t0) as i128;
                let span = (t1 - t0) as i128;
                Some((p0 as i128 + (p1 as i128 - p0 as i128) * w / span) as i64)
            }
            (Some(&(_, p)), None) | (None, Some(&(_, p))) => Some(p),
            (None, None) => None,
        }
    }
}

/// Parse a non-negative decimal (`5367.76`, `0.00005000`, `5320`) exactly
/// into `PRICE_PRECISION` (`ballast_client::amount::parse_fixed`); more
/// than 9 decimals, signs and exponents are errors.
pub fn parse_price(s: &str) -> Result<i64> {
    if s.trim().starts_with(['+', '-']) {
        bail!("price `{s}` is not a plain decimal");
    }
    let v = ballast_client::amount::parse_fixed(s, PRICE_DECIMALS, "price")?;
    i64::try_from(v).with_context(|| format!("price `{s}` is too large"))
}

fn num(s: &str, what: &str) -> Result<i64> {
    s.trim().parse().with_context(|| format!("bad {what} `{s}`"))
}

/// `2020-03-15 11-PM`, `2021-05-22 23:00:00`, or a `DD-MM-YY` date with an
/// `HH:MM:SS` time, as unix seconds (UTC).
fn parse_datetime(date: &str, time: Option<&str>) -> Result<i64> {
    let (day, clock) = match time {
        Some(t) => (date.trim(), t.trim()),
        None => date.trim().split_once(' ').with_context(|| format!("no time in `{date}`"))?,
    };
    let parts: Vec<&str> = day.split('-').collect();
    let [a, b, c] = parts[..] else { bail!("bad date `{day}`") };
    let (y, m, d) = if a.len() == 4 {
        (num(a, "year")?, num(b, "month")?, num(c, "day")?)
    } else {
        (2000 + num(c, "year")?, num(b, "month")?, num(a, "day")?)
    };
    let secs = if let Some(h12) = clock.strip_suffix("-AM").or_else(|| clock.strip_suffix("-PM")) {
        let h = num(h12, "hour")? % 12 + if clock.ends_with("PM") { 12 } else { 0 };
        h * 3_600
    } else {
        let hms: Vec<i64> = clock.split(':').map(|x| num(x, "time")).collect::<Result<_>>()?;
        let [h, mi, s] = hms[..] else { bail!("bad time `{clock}`") };
        h * 3_600 + mi * 60 + s
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(0..86_400).contains(&secs) {
        bail!("date out of range: `{date}` {}", time.unwrap_or(""));
    }
    Ok(ballast_client::time::days_from_civil(y, m, d) * 86_400 + secs)
}

/// A `unix` column as seconds: seconds (`1584313200.0`) or milliseconds;
/// `None` when a spreadsheet mangled it into an exponent.
fn parse_unix(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.contains(['E', 'e']) {
        return None;
    }
    let v: i64 = s.split_once('.').map_or(s, |(i, _)| i).parse().ok()?;
    Some(if v > 100_000_000_000 { v / 1_000 } else { v })
}

/// Load candles from CSV text, in any of the supported formats, oldest
/// first; timestamps must end up strictly increasing.
pub fn parse_candles(text: &str) -> Result<Vec<Candle>> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty()).peekable();
    let first = lines.peek().context("empty price file")?;
    let header: Option<Vec<String>> = if first.starts_with(|c: char| c.is_ascii_digit()) {
        None
    } else {
        Some(lines.next().unwrap_or_default().split(',').map(|h| h.trim().to_ascii_lowercase()).collect())
    };
    let col = |name: &str| header.as_ref().and_then(|h| h.iter().position(|c| c == name));
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let row = || format!("row {}", n + 1);
        let get = |i: Option<usize>, what: &str| -> Result<&str> {
            i.and_then(|i| f.get(i).copied()).with_context(|| format!("{}: no {what} column", row()))
        };
        let candle = match &header {
            // Binance kline dump: open_time_ms, open, high, low, close, ...
            None => Candle {
                time: num(get(Some(0), "open time")?, "open time")? / 1_000,
                open: parse_price(get(Some(1), "open")?)?,
                high: parse_price(get(Some(2), "high")?)?,
                low: parse_price(get(Some(3), "low")?)?,
                close: parse_price(get(Some(4), "close")?)?,
            },
            Some(_) => {
                let unix = col("unix").and_then(|i| f.get(i)).and_then(|s| parse_unix(s));
                let time = match unix {
                    Some(t) => t,
                    None => parse_datetime(get(col("date"), "date")?, col("time").and_then(|i| f.get(i).copied()))
                        .with_context(row)?,
                };
                Candle {
                    time,
                    open: parse_price(get(col("open"), "open")?).with_context(row)?,
                    high: parse_price(get(col("high"), "high")?).with_context(row)?,
                    low: parse_price(get(col("low"), "low")?).with_context(row)?,
                    close: parse_price(get(col("close"), "close")?).with_context(row)?,
                }
            }
        };
        out.push(candle);
    }
    out.sort_by_key(|c| c.time);
    if let Some(w) = out.windows(2).find(|w| w[0].time >= w[1].time) {
        bail!("two candles at unix time {}", w[1].time);
    }
    Ok(out)
}

/// Load a price file (see [`parse_candles`]).
pub fn load_candles(path: &Path) -> Result<Vec<Candle>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_candles(&text).with_context(|| format!("in {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: i64 = 1_000_000_000;

    #[test]
    fn prices_parse_exactly_and_refuse_what_is_not_a_plain_decimal() {
        assert_eq!(parse_price("5367.76").unwrap(), 5_367_760_000_000);
        assert_eq!(parse_price("0.00005000").unwrap(), 50_000);
        assert_eq!(parse_price("5320").unwrap(), 5_320 * ONE);
        for bad in ["", "-1", "1e3", "1.2.3", "0.0000000001", "abc", "99999999999999"] {
            assert!(parse_price(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_in_every_published_format_convert_to_unix_seconds() {
        assert_eq!(parse_datetime("2020-03-15 11-PM", None).unwrap(), 1_584_313_200);
        assert_eq!(parse_datetime("2020-03-10 12-AM", None).unwrap(), 1_583_798_400);
        assert_eq!(parse_datetime("2021-05-22 23:00:00", None).unwrap(), 1_621_724_400);
        assert_eq!(parse_datetime("22-05-21", Some("23:00:00")).unwrap(), 1_621_724_400);
        assert!(parse_datetime("2021-13-01 00:00:00", None).is_err());
        assert_eq!(parse_unix("1584313200.0"), Some(1_584_313_200));
        assert_eq!(parse_unix("1621724400000"), Some(1_621_724_400));
        assert_eq!(parse_unix("1.62172E+12"), None);
    }

    #[test]
    fn newest_first_files_come_out_oldest_first_and_duplicates_are_refused() {
        let csv = "unix,date,symbol,open,high,low,close\n7200,x,A,2,2,1,1\n3600,x,A,3,3,2,2\n";
        let c = parse_candles(csv).unwrap();
        assert_eq!((c[0].time, c[0].close, c[1].close), (3_600, 2 * ONE, ONE));
        let dup = "unix,date,symbol,open,high,low,close\n3600,x,A,2,2,1,1\n3600,x,A,3,3,2,2\n";
        assert!(parse_candles(dup).unwrap_err().to_string().contains("two candles"));
    }

    #[test]
    fn a_path_interpolates_between_points_and_holds_at_the_ends() {
        let p = PricePath { points: vec![(0, 100), (10, 200)] };
        assert_eq!(
            [p.at(-5), p.at(0), p.at(5), p.at(10), p.at(99)],
            [Some(100), Some(100), Some(150), Some(200), Some(200)]
        );
        assert_eq!(PricePath::default().at(0), None);
    }
}
