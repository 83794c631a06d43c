//! One SVG with five panels on one time axis: price (path and oracle),
//! insurance fund, pool NAV, liquidations per slot, and the breaker and
//! stress state.

use crate::report::Report;
use anyhow::{anyhow, Result};
use plotters::prelude::*;
use std::path::Path;

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("chart: {e:?}")
}

/// Draw `r` into `path` (SVG).
pub fn draw(r: &Report, path: &Path) -> Result<()> {
    let root = SVGBackend::new(path, (1200, 1100)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let panels = root.split_evenly((5, 1));
    let n = r.rows.len().max(2) as u64;
    let dollars = |v: u64| v as f64 / 1e6;
    type Series = (&'static str, Vec<(u64, f64)>, RGBColor);
    let series: [Series; 4] = [
        ("price (oracle)", r.rows.iter().map(|x| (x.step, x.oracle_price as f64 / 1e9)).collect(), BLUE),
        ("insurance fund ($)", r.rows.iter().map(|x| (x.step, dollars(x.insurance))).collect(), GREEN),
        ("pool NAV ($)", r.rows.iter().map(|x| (x.step, dollars(x.pool_nav))).collect(), MAGENTA),
        ("liquidations per slot", r.rows.iter().map(|x| (x.step, x.liquidated as f64)).collect(), RED),
    ];
    for (panel, (title, points, color)) in panels.iter().zip(series.iter()) {
        let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
        let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (lo.min(0.0), lo.max(0.0) + 1.0) };
        let pad = (hi - lo) * 0.05;
        let mut chart = ChartBuilder::on(panel)
            .caption(format!("{} — {}", r.params, title), ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(24)
            .y_label_area_size(70)
            .build_cartesian_2d(0..n, (lo - pad)..(hi + pad))
            .map_err(err)?;
        chart.configure_mesh().light_line_style(WHITE).draw().map_err(err)?;
        chart.draw_series(LineSeries::new(points.iter().copied(), color)).map_err(err)?;
        if *title == "price (oracle)" {
            let path_price = r.rows.iter().map(|x| (x.step, x.path_price as f64 / 1e9));
            chart.draw_series(LineSeries::new(path_price, BLACK.mix(0.3))).map_err(err)?;
        }
    }
    let mut chart = ChartBuilder::on(&panels[4])
        .caption(
            format!("{} — breaker (red), stress mode (orange), feed not valid (grey)", r.params),
            ("sans-serif", 16),
        )
        .margin(8)
        .x_label_area_size(24)
        .y_label_area_size(70)
        .build_cartesian_2d(0..n, 0f64..3.5)
        .map_err(err)?;
    chart.configure_mesh().light_line_style(WHITE).draw().map_err(err)?;
    let band = |f: fn(&crate::report::SlotRow) -> bool, level: f64| {
        r.rows.iter().map(move |x| (x.step, if f(x) { level } else { level - 0.8 })).collect::<Vec<_>>()
    };
    chart.draw_series(LineSeries::new(band(|x| x.breaker, 3.0), RED)).map_err(err)?;
    chart.draw_series(LineSeries::new(band(|x| x.stress, 2.0), RGBColor(255, 140, 0))).map_err(err)?;
    chart.draw_series(LineSeries::new(band(|x| x.validity != 0, 1.0), RGBColor(128, 128, 128))).map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}
