//! The nodes chart: nodes over time stacked by instance type and capacity type, with the pods
//! waiting for a node below. Same look as the other charts (embedded font, Okabe–Ito colours).

use std::collections::BTreeMap;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::{GREY, HEIGHT, PALETTE, VERMILLION, WIDTH, register_font, time_label};
use crate::engine::HOUR;
use crate::error::{Error, Result};
use crate::sim::RunResult;

/// At most this many points per band (longer runs are averaged into buckets).
const MAX_POINTS: usize = 1500;

/// Node counts per step for each (instance type, capacity type), and pending pods per step.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeBands {
    pub hours: Vec<f64>,
    /// Label ("Standard_D8s_v5 · spot") → nodes per step, in label order.
    pub bands: Vec<(String, Vec<f64>)>,
    pub pending: Vec<f64>,
}

impl NodeBands {
    /// From a run's node samples (one row per group and step).
    pub fn from_run(r: &RunResult) -> Self {
        let mut times: Vec<u64> = r.nodes.iter().map(|s| s.time_ms).collect();
        times.dedup();
        let index: BTreeMap<u64, usize> = times.iter().enumerate().map(|(i, t)| (*t, i)).collect();
        let mut bands: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut pending = vec![0.0; times.len()];
        for s in &r.nodes {
            let i = index[&s.time_ms];
            let label = format!("{} · {}", s.group.instance_type, s.group.capacity_type);
            bands.entry(label).or_insert_with(|| vec![0.0; times.len()])[i] += f64::from(s.group.nodes);
            pending[i] = f64::from(s.pending_pods);
        }
        NodeBands {
            hours: times.iter().map(|t| *t as f64 / HOUR as f64).collect(),
            bands: bands.into_iter().collect(),
            pending,
        }
    }

    /// The steps within [from, to] hours.
    pub fn window(&self, from: f64, to: f64) -> Self {
        let keep: Vec<usize> =
            (0..self.hours.len()).filter(|&i| self.hours[i] >= from && self.hours[i] <= to).collect();
        let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        NodeBands {
            hours: pick(&self.hours),
            bands: self.bands.iter().map(|(l, v)| (l.clone(), pick(v))).collect(),
            pending: pick(&self.pending),
        }
    }

    /// Averages consecutive steps so no band has more than [`MAX_POINTS`] points.
    fn thinned(&self) -> Self {
        let n = self.hours.len();
        let k = n.div_ceil(MAX_POINTS).max(1);
        if k == 1 {
            return self.clone();
        }
        let avg = |v: &[f64]| v.chunks(k).map(|c| c.iter().sum::<f64>() / c.len() as f64).collect::<Vec<f64>>();
        NodeBands {
            hours: self.hours.chunks(k).map(|c| c[0]).collect(),
            bands: self.bands.iter().map(|(l, v)| (l.clone(), avg(v))).collect(),
            pending: avg(&self.pending),
        }
    }
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    origin_ms: i64,
    b: &NodeBands,
) -> std::result::Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (title_area, body) = root.split_vertically(90);
    title_area
        .draw_text(title, &("sans-serif", 34).into_font().style(FontStyle::Bold).color(&BLACK), (30, 14))
        .map_err(e)?;
    title_area.draw_text(subtitle, &("sans-serif", 22).into_font().color(&GREY), (30, 56)).map_err(e)?;
    let (top, bottom) = body.split_vertically((HEIGHT - 90) * 66 / 100);
    let x0 = b.hours.first().copied().unwrap_or(0.0);
    let x1 = b.hours.last().copied().unwrap_or(1.0).max(x0 + 1e-6);
    let span = x1 - x0;
    // Cumulative tops of the stacked bands.
    let mut tops: Vec<Vec<f64>> = Vec::new();
    let mut acc = vec![0.0; b.hours.len()];
    for (_, v) in &b.bands {
        for (a, x) in acc.iter_mut().zip(v) {
            *a += x;
        }
        tops.push(acc.clone());
    }
    let ymax = acc.iter().copied().fold(1.0, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(&top)
        .margin_left(20)
        .margin_right(40)
        .margin_top(10)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d(x0..x1, 0.0..ymax)
        .map_err(e)?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(8)
        .x_label_formatter(&|h| time_label(origin_ms, *h, span))
        .y_desc("nodes")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(("sans-serif", 20))
        .axis_desc_style(("sans-serif", 22))
        .draw()
        .map_err(e)?;
    // Draw the tallest stack first so each lower band paints over it.
    for (i, ((label, _), top_line)) in b.bands.iter().zip(&tops).enumerate().rev() {
        let colour = PALETTE[i % PALETTE.len()];
        let points: Vec<(f64, f64)> = b.hours.iter().copied().zip(top_line.iter().copied()).collect();
        chart
            .draw_series(AreaSeries::new(points, 0.0, colour.mix(0.85)).border_style(colour.stroke_width(1)))
            .map_err(e)?
            .label(label.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 26, y + 8)], colour.mix(0.85).filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(GREY)
        .label_font(("sans-serif", 20))
        .draw()
        .map_err(e)?;

    let pmax = b.pending.iter().copied().fold(1.0, f64::max) * 1.15;
    let mut lower = ChartBuilder::on(&bottom)
        .margin_left(20)
        .margin_right(40)
        .margin_bottom(10)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(x0..x1, 0.0..pmax)
        .map_err(e)?;
    lower
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(8)
        .x_label_formatter(&|h| time_label(origin_ms, *h, span))
        .y_desc("pending pods")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_desc("time (UTC)")
        .label_style(("sans-serif", 20))
        .axis_desc_style(("sans-serif", 22))
        .draw()
        .map_err(e)?;
    lower
        .draw_series(LineSeries::new(
            b.hours.iter().copied().zip(b.pending.iter().copied()),
            VERMILLION.stroke_width(2),
        ))
        .map_err(e)?
        .label("pods waiting for a node")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], VERMILLION.stroke_width(3)));
    lower
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(GREY)
        .label_font(("sans-serif", 20))
        .draw()
        .map_err(e)?;
    root.present().map_err(e)?;
    Ok(())
}

/// Writes `<stem>.png` and `<stem>.svg` into `dir`.
pub fn render_nodes_chart(
    dir: &Path,
    stem: &str,
    title: &str,
    subtitle: &str,
    origin_ms: i64,
    bands: &NodeBands,
) -> Result<()> {
    register_font();
    let b = bands.thinned();
    let png = dir.join(format!("{stem}.png"));
    draw(BitMapBackend::new(&png, (WIDTH, HEIGHT)).into_drawing_area(), title, subtitle, origin_ms, &b)
        .map_err(|m| Error::new(format!("cannot draw chart: {m}")).in_file(&png))?;
    let svg = dir.join(format!("{stem}.svg"));
    draw(SVGBackend::new(&svg, (WIDTH, HEIGHT)).into_drawing_area(), title, subtitle, origin_ms, &b)
        .map_err(|m| Error::new(format!("cannot draw chart: {m}")).in_file(&svg))?;
    Ok(())
}

/// "whole run: 2,688 launches, 2,683 terminations, 96 spot evictions; 14.2 nodes on average"
pub fn nodes_subtitle(r: &RunResult, b: &NodeBands) -> String {
    let count = |action: &str, needle: &str| {
        r.decisions.iter().filter(|d| d.action == action && d.reason.contains(needle)).count()
    };
    let launches = count("launch", "");
    let evictions = count("drain", "spot eviction");
    let consolidations =
        r.decisions.iter().filter(|d| d.action == "drain" && d.reason.contains("Consolidation")).count();
    let steps = b.hours.len().max(1) as f64;
    let mean: f64 = b.bands.iter().map(|(_, v)| v.iter().sum::<f64>()).sum::<f64>() / steps;
    format!(
        "{launches} node launches, {consolidations} consolidations, {evictions} spot evictions; {mean:.1} nodes on average"
    )
}
