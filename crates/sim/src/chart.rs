//! SVG charts of a run, and of several runs on shared axes.
//!
//! A run's chart has six panels on one slot axis: the oracle and the true
//! path price on one axis, with markers where the breaker tripped, where
//! stress mode began and where the sources disagreed; the insurance fund;
//! the pool NAV; liquidations; cumulative bad debt and socialised loss; and
//! a state panel with one labelled lane each for the breaker, stress mode
//! and the feed's validity (coloured by named state, with a legend).
//! The comparison chart overlays every run on the same axes, one colour
//! per parameter set.

use crate::report::{Report, SlotRow};
use anyhow::{anyhow, Result};
use plotters::coord::types::{RangedCoordf64, RangedCoordu64};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("chart: {e:?}")
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// One line: its legend label, its points, colour, width and dash.
struct Line {
    label: String,
    points: Vec<(u64, f64)>,
    color: RGBColor,
    width: u32,
    dashed: bool,
}

impl Line {
    fn new(label: impl Into<String>, points: Vec<(u64, f64)>, color: RGBColor) -> Line {
        Line { label: label.into(), points, color, width: 2, dashed: false }
    }
}

/// Axis labels for values in `lo..hi`: millions as `M`, thousands as
/// `k`, with enough decimals to tell neighbouring ticks apart.
fn labeler(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let top = lo.abs().max(hi.abs());
    let (scale, unit) = if top >= 1e6 {
        (1e6, "M")
    } else if top >= 1e4 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    // A tick is about a tenth of the range.
    let tick = ((hi - lo) / 10.0 / scale).max(1e-9);
    let decimals = (-tick.log10().floor()).clamp(0.0, 6.0) as usize;
    move |v: &f64| format!("{:.*}{unit}", decimals, v / scale)
}

/// Width of every panel's y label area (so the slot axes line up).
const LABELS: u32 = 100;
const ORANGE: RGBColor = RGBColor(255, 140, 0);
const PURPLE: RGBColor = RGBColor(128, 0, 160);
/// Stress mode (lane and marker).
const TEAL: RGBColor = RGBColor(0, 150, 136);
const GREY: RGBColor = RGBColor(120, 120, 120);
/// One colour per compared run.
const PALETTE: [RGBColor; 6] =
    [RGBColor(31, 119, 180), RGBColor(214, 39, 40), RGBColor(44, 160, 44), PURPLE, ORANGE, RGBColor(23, 190, 207)];

/// The feed's validity states (stored byte order) and their lane colours;
/// `Valid` draws nothing.
const VALIDITY: [(&str, RGBColor); 6] = [
    ("Valid", WHITE),
    ("Degraded", RGBColor(240, 200, 0)),
    ("TooVolatile", ORANGE),
    ("TooUncertain", PURPLE),
    ("Stale", GREY),
    ("Invalid", BLACK),
];

fn dollars(v: u64) -> f64 {
    v as f64 / 1e6
}

fn price(v: i64) -> f64 {
    v as f64 / 1e9
}

fn series(r: &Report, f: impl Fn(&SlotRow) -> f64) -> Vec<(u64, f64)> {
    r.rows.iter().map(|x| (x.step, f(x))).collect()
}

/// Running sum of `f` over the rows.
fn cumulative(r: &Report, f: impl Fn(&SlotRow) -> f64) -> Vec<(u64, f64)> {
    let mut sum = 0.0;
    r.rows
        .iter()
        .map(|x| {
            (x.step, {
                sum += f(x);
                sum
            })
        })
        .collect()
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordu64, RangedCoordf64>>;

/// Draw `lines` in `area` on x in `0..=slots`, without the legend (see
/// [`legend`]); returns the chart for markers.
fn lines_in<'a, 'b>(area: &'a Area<'b>, caption: &str, slots: u64, lines: &[Line]) -> Result<Chart<'a, 'b>> {
    let (lo, hi) =
        lines.iter().flat_map(|l| l.points.iter()).fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (lo.min(0.0), lo.max(0.0) + 1.0) };
    let pad = (hi - lo) * 0.05;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(LABELS)
        .build_cartesian_2d(0..slots.max(2), (lo - pad)..(hi + pad))
        .map_err(err)?;
    let label = labeler(lo - pad, hi + pad);
    chart.configure_mesh().light_line_style(WHITE).y_label_formatter(&label).x_desc("slot").draw().map_err(err)?;
    for l in lines {
        let style = ShapeStyle::from(&l.color).stroke_width(l.width);
        let drawn = if l.dashed {
            chart.draw_series(DashedLineSeries::new(l.points.iter().copied(), 6, 4, style)).map_err(err)?
        } else {
            chart.draw_series(LineSeries::new(l.points.iter().copied(), style)).map_err(err)?
        };
        let dashed = l.dashed;
        drawn.label(l.label.clone()).legend(move |(x, y)| {
            let part = |a: i32, b: i32| PathElement::new(vec![(x + a, y), (x + b, y)], style);
            EmptyElement::at((0, 0)) + part(0, if dashed { 6 } else { 16 }) + part(if dashed { 10 } else { 0 }, 16)
        });
    }
    Ok(chart)
}

/// The legend of every labelled series drawn on `chart`.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(chart: &mut ChartContext<'a, DB, CT>) -> Result<()> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(err)
}

/// A panel of `lines` with its legend.
fn panel(area: &Area, caption: &str, slots: u64, lines: &[Line]) -> Result<()> {
    let mut chart = lines_in(area, caption, slots, lines)?;
    legend(&mut chart)
}

/// Rows where `f` turns on (it was off in the row before).
fn entries(r: &Report, f: impl Fn(&SlotRow) -> bool) -> Vec<&SlotRow> {
    let mut before = false;
    r.rows
        .iter()
        .filter(|x| {
            let on = f(x);
            let entered = on && !before;
            before = on;
            entered
        })
        .collect()
}

/// The state panel: labelled lanes for the breaker, stress mode and the
/// feed's validity.
fn lanes(area: &Area, r: &Report) -> Result<()> {
    let names = ["feed validity", "stress mode", "breaker"];
    let mut chart = ChartBuilder::on(area)
        .caption(format!("{} — market and feed state", r.params), ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(LABELS)
        .build_cartesian_2d(0..r.slots.max(2), (0u32..2u32).into_segmented())
        .map_err(err)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .disable_y_mesh()
        .y_labels(3)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i as usize).copied().unwrap_or("").to_string(),
            _ => String::new(),
        })
        .x_desc("slot")
        .draw()
        .map_err(err)?;
    let mut prev = 0u64;
    let mut boxes = Vec::new();
    for x in &r.rows {
        let span = |lane: u32, color: RGBColor| {
            Rectangle::new([(prev, SegmentValue::Exact(lane)), (x.step, SegmentValue::Exact(lane + 1))], color.filled())
        };
        if x.breaker {
            boxes.push(span(2, RED));
        }
        if x.stress {
            boxes.push(span(1, TEAL));
        }
        if let Some((_, color)) = VALIDITY.get(x.validity as usize).filter(|_| x.validity != 0) {
            boxes.push(span(0, *color));
        }
        prev = x.step;
    }
    chart.draw_series(boxes).map_err(err)?;
    for (name, color) in VALIDITY.iter().skip(1).chain([("breaker held", RED), ("stress mode", TEAL)].iter()) {
        let c = *color;
        chart
            .draw_series(std::iter::empty::<Rectangle<(u64, SegmentValue<u32>)>>())
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
    }
    legend(&mut chart)
}

/// Draw `r` into `path` (SVG).
pub fn draw(r: &Report, path: &Path) -> Result<()> {
    let root = SVGBackend::new(path, (1200, 1500)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let panels = root.split_evenly((6, 1));
    let name = &r.params;
    let mut chart = lines_in(
        &panels[0],
        &format!("{name} — price: oracle and true path; markers: breaker trip, stress entry, sources disputed"),
        r.slots,
        &[
            Line {
                width: 4,
                ..Line::new("true path price", series(r, |x| price(x.path_price)), RGBColor(190, 190, 190))
            },
            Line::new("oracle price", series(r, |x| price(x.oracle_price)), PALETTE[0]),
        ],
    )?;
    let at = |x: &SlotRow| (x.step, price(x.oracle_price));
    let c = &mut chart;
    c.draw_series(r.rows.iter().filter(|x| x.disputed).map(|x| Cross::new(at(x), 4, PURPLE.stroke_width(1))))
        .map_err(err)?
        .label("sources disputed")
        .legend(|(x, y)| Cross::new((x + 6, y), 4, PURPLE.stroke_width(1)));
    c.draw_series(entries(r, |x| x.stress).into_iter().map(|x| Circle::new(at(x), 6, TEAL.filled())))
        .map_err(err)?
        .label("stress mode entered")
        .legend(|(x, y)| Circle::new((x + 6, y), 5, TEAL.filled()));
    c.draw_series(entries(r, |x| x.breaker).into_iter().map(|x| TriangleMarker::new(at(x), 8, RED.filled())))
        .map_err(err)?
        .label("breaker tripped")
        .legend(|(x, y)| TriangleMarker::new((x + 6, y), 6, RED.filled()));
    legend(c)?;
    let single = |label: &str, points, color| [Line::new(label, points, color)];
    panel(
        &panels[1],
        &format!("{name} — insurance fund ($)"),
        r.slots,
        &single("insurance", series(r, |x| dollars(x.insurance)), PALETTE[2]),
    )?;
    panel(
        &panels[2],
        &format!("{name} — pool NAV ($)"),
        r.slots,
        &single("pool NAV", series(r, |x| dollars(x.pool_nav)), PALETTE[3]),
    )?;
    let per = if r.row_slots > 1 { format!("per {} slots", r.row_slots) } else { "per slot".into() };
    panel(
        &panels[3],
        &format!("{name} — accounts liquidated {per}"),
        r.slots,
        &single("liquidations", series(r, |x| x.liquidated as f64), PALETTE[1]),
    )?;
    panel(
        &panels[4],
        &format!("{name} — cumulative bad debt and socialised loss ($)"),
        r.slots,
        &[
            Line::new("bad debt", series(r, |x| dollars(x.bad_debt)), RED),
            Line { dashed: true, ..Line::new("socialised to LPs", series(r, |x| dollars(x.socialized)), PURPLE) },
        ],
    )?;
    lanes(&panels[5], r)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Overlay `reports` (the same scenario under different parameters) on
/// shared axes into `path` (SVG).
pub fn compare(reports: &[Report], path: &Path) -> Result<()> {
    let root = SVGBackend::new(path, (1200, 1250)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let panels = root.split_evenly((5, 1));
    let slots = reports.iter().map(|r| r.slots).max().unwrap_or(2);
    // Earlier runs draw wider, so a later run on the same values shows
    // inside an earlier one's line.
    let width = |i: usize| 2 + (reports.len() - 1 - i) as u32 * 2;
    let each = |f: &dyn Fn(&Report) -> Vec<(u64, f64)>| -> Vec<Line> {
        let runs = reports.iter().enumerate().zip(PALETTE.iter().cycle());
        runs.map(|((i, r), c)| Line { width: width(i), ..Line::new(r.params.clone(), f(r), *c) }).collect()
    };
    let mut prices = Vec::new();
    if let Some(first) = reports.first() {
        prices.push(Line::new("true path price", series(first, |x| price(x.path_price)), GREY));
    }
    prices.extend(each(&|r| series(r, |x| price(x.oracle_price))));
    panel(&panels[0], "oracle price per run, and the true path price", slots, &prices)?;
    panel(&panels[1], "insurance fund ($)", slots, &each(&|r| series(r, |x| dollars(x.insurance))))?;
    panel(&panels[2], "pool NAV ($)", slots, &each(&|r| series(r, |x| dollars(x.pool_nav))))?;
    panel(&panels[3], "cumulative accounts liquidated", slots, &each(&|r| cumulative(r, |x| x.liquidated as f64)))?;
    let mut losses = each(&|r| series(r, |x| dollars(x.bad_debt)));
    for l in &mut losses {
        l.label = format!("{}: bad debt", l.label);
    }
    for ((i, r), c) in reports.iter().enumerate().zip(PALETTE.iter().cycle()) {
        let l = Line::new(format!("{}: socialised", r.params), series(r, |x| dollars(x.socialized)), *c);
        losses.push(Line { dashed: true, width: width(i), ..l });
    }
    panel(&panels[4], "cumulative bad debt (solid) and socialised loss (dashed), $", slots, &losses)?;
    root.present().map_err(err)?;
    Ok(())
}
