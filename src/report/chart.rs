//! Charts drawn with plotters and an embedded font (DejaVu Sans), so they render the same on
//! every machine with no system fonts. Colours are the Okabe–Ito colour-blind-safe palette.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::engine::HOUR;
use crate::error::{Error, Result};
use crate::model::Scenario;
use crate::model::units::format_duration;
use crate::sim::RunResult;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

pub(super) const BLUE: RGBColor = RGBColor(0, 114, 178);
pub(super) const GREEN: RGBColor = RGBColor(0, 158, 115);
pub(super) const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub(super) const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub(super) const PURPLE: RGBColor = RGBColor(204, 121, 167);
pub(super) const GREY: RGBColor = RGBColor(90, 90, 90);

const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
const YELLOW: RGBColor = RGBColor(240, 228, 66);
/// Okabe–Ito order for stacked bands.
pub(super) const PALETTE: [RGBColor; 7] = [BLUE, ORANGE, GREEN, VERMILLION, SKY_BLUE, PURPLE, YELLOW];

pub(super) const WIDTH: u32 = 1600;
pub(super) const HEIGHT: u32 = 1000;
/// Charts keep at most this many points per line; longer series are averaged into buckets
/// (latency takes the bucket's maximum, so peaks stay visible).
const MAX_POINTS: usize = 3000;

pub(super) fn register_font() {
    REGISTER.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            if plotters::style::register_font("sans-serif", style, FONT).is_err() {
                unreachable!("the embedded DejaVu Sans font is a valid TrueType file");
            }
        }
    });
}

/// One chart's data: x in hours from `origin_ms`.
#[derive(Debug, Clone, Default)]
pub struct ChartSeries {
    pub title: String,
    pub subtitle: String,
    pub origin_ms: i64,
    pub hours: Vec<f64>,
    pub demand: Vec<f64>,
    pub served: Vec<f64>,
    pub failed: Vec<f64>,
    pub capacity: Vec<f64>,
    /// Capacity the desired replicas would give once all are Ready (empty: not drawn).
    pub desired_capacity: Vec<f64>,
    pub p99_ms: Vec<Option<f64>>,
    pub latency_label: String,
    pub slo_ms: f64,
}

impl ChartSeries {
    /// Averages into at most MAX_POINTS buckets.
    fn thinned(&self) -> ChartSeries {
        let n = self.hours.len();
        if n <= MAX_POINTS {
            return self.clone();
        }
        let per = n.div_ceil(MAX_POINTS);
        let mean = |v: &[f64]| v.chunks(per).map(|c| c.iter().sum::<f64>() / c.len() as f64).collect();
        ChartSeries {
            hours: self.hours.chunks(per).map(|c| c[0]).collect(),
            demand: mean(&self.demand),
            served: mean(&self.served),
            failed: mean(&self.failed),
            capacity: mean(&self.capacity),
            desired_capacity: mean(&self.desired_capacity),
            p99_ms: self.p99_ms.chunks(per).map(|c| c.iter().flatten().copied().reduce(f64::max)).collect(),
            ..self.clone()
        }
    }

    /// Keeps the points with x in [from, to] hours.
    pub fn window(&self, from: f64, to: f64) -> ChartSeries {
        let keep: Vec<usize> =
            (0..self.hours.len()).filter(|&i| self.hours[i] >= from && self.hours[i] <= to).collect();
        let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect();
        ChartSeries {
            hours: pick(&self.hours),
            demand: pick(&self.demand),
            served: pick(&self.served),
            failed: pick(&self.failed),
            capacity: pick(&self.capacity),
            desired_capacity: if self.desired_capacity.is_empty() { Vec::new() } else { pick(&self.desired_capacity) },
            p99_ms: keep.iter().map(|&i| self.p99_ms[i]).collect(),
            ..self.clone()
        }
    }
}

pub(super) fn time_label(origin_ms: i64, hours: f64, span_hours: f64) -> String {
    let ms = origin_ms + (hours * HOUR as f64).round() as i64;
    let fmt = if span_hours <= 48.0 { "%m-%d %H:%M" } else { "%Y-%m-%d" };
    jiff::Timestamp::from_millisecond(ms).map(|t| t.strftime(fmt).to_string()).unwrap_or_default()
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, s: &ChartSeries) -> std::result::Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (title_area, body) = root.split_vertically(90);
    title_area
        .draw_text(&s.title, &("sans-serif", 34).into_font().style(FontStyle::Bold).color(&BLACK), (30, 14))
        .map_err(e)?;
    title_area.draw_text(&s.subtitle, &("sans-serif", 22).into_font().color(&GREY), (30, 56)).map_err(e)?;
    let (top, bottom) = body.split_vertically((HEIGHT - 90) * 62 / 100);
    let x0 = s.hours.first().copied().unwrap_or(0.0);
    let x1 = s.hours.last().copied().unwrap_or(1.0).max(x0 + 1e-6);
    let span = x1 - x0;
    let ymax =
        s.demand.iter().chain(&s.capacity).chain(&s.served).chain(&s.desired_capacity).copied().fold(1.0, f64::max)
            * 1.08;

    let mut chart = ChartBuilder::on(&top)
        .margin_left(20)
        .margin_right(40)
        .margin_top(10)
        .x_label_area_size(40)
        .y_label_area_size(110)
        .build_cartesian_2d(x0..x1, 0.0..ymax)
        .map_err(e)?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(8)
        .x_label_formatter(&|h| time_label(s.origin_ms, *h, span))
        .y_desc("requests per second")
        .y_label_formatter(&|v| thousands(*v))
        .label_style(("sans-serif", 20))
        .axis_desc_style(("sans-serif", 22))
        .draw()
        .map_err(e)?;
    let line = |v: &[f64]| s.hours.iter().copied().zip(v.iter().copied()).collect::<Vec<_>>();
    // One labelled line; the legend swatch is at least 3 px so it reads in slides.
    let mut labelled = |points: Vec<(f64, f64)>, colour: RGBColor, width: u32, dashed: bool, label: &str| {
        let drawn = if dashed {
            chart.draw_series(DashedLineSeries::new(points, 10, 6, colour.stroke_width(width)))
        } else {
            chart.draw_series(LineSeries::new(points, colour.stroke_width(width)))
        };
        drawn.map(|d| {
            d.label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], colour.stroke_width(width.max(3))));
        })
    };
    labelled(line(&s.capacity), ORANGE, 4, false, "serving capacity").map_err(e)?;
    if !s.desired_capacity.is_empty() {
        labelled(line(&s.desired_capacity), GREY, 2, true, "capacity of desired replicas").map_err(e)?;
    }
    labelled(line(&s.demand), BLUE, 2, false, "demand").map_err(e)?;
    labelled(line(&s.served), GREEN, 2, false, "served").map_err(e)?;
    labelled(line(&s.failed), VERMILLION, 2, false, "failed").map_err(e)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(GREY)
        .label_font(("sans-serif", 20))
        .draw()
        .map_err(e)?;

    let lat_max = s.p99_ms.iter().flatten().copied().fold(s.slo_ms, f64::max) * 2.0;
    let lat_min = s.p99_ms.iter().flatten().copied().fold(s.slo_ms, f64::min).max(0.1) / 2.0;
    let mut lat = ChartBuilder::on(&bottom)
        .margin_left(20)
        .margin_right(40)
        .margin_bottom(10)
        .x_label_area_size(50)
        .y_label_area_size(110)
        .build_cartesian_2d(x0..x1, (lat_min..lat_max).log_scale())
        .map_err(e)?;
    lat.configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(8)
        .x_label_formatter(&|h| time_label(s.origin_ms, *h, span))
        .y_desc(s.latency_label.as_str())
        .y_label_formatter(&|v| thousands(*v))
        .x_desc("time (UTC)")
        .label_style(("sans-serif", 20))
        .axis_desc_style(("sans-serif", 22))
        .draw()
        .map_err(e)?;
    // Steps without requests have no latency: break the line there. One pixel wide: plotters'
    // bitmap backend draws wide polylines with unlimited miter joins, which shoot spikes out of
    // the plot at the sharp turns a latency series has.
    let mut segment: Vec<(f64, f64)> = Vec::new();
    let mut segments = Vec::new();
    for (h, v) in s.hours.iter().zip(&s.p99_ms) {
        match v {
            Some(v) if v.is_finite() => segment.push((*h, v.clamp(lat_min, lat_max))),
            Some(_) => {}
            None if !segment.is_empty() => segments.push(std::mem::take(&mut segment)),
            None => {}
        }
    }
    segments.push(segment);
    for (i, seg) in segments.into_iter().enumerate() {
        let drawn = lat.draw_series(LineSeries::new(seg, BLUE.stroke_width(1))).map_err(e)?;
        if i == 0 {
            drawn
                .label("p99 latency")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], BLUE.stroke_width(3)));
        }
    }
    lat.draw_series(DashedLineSeries::new(vec![(x0, s.slo_ms), (x1, s.slo_ms)], 12, 8, PURPLE.stroke_width(3)))
        .map_err(e)?
        .label(format!("latency objective {}", format_duration(s.slo_ms as u64)))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], PURPLE.stroke_width(3)));
    lat.configure_series_labels()
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
pub fn render_chart(dir: &Path, stem: &str, series: &ChartSeries) -> Result<()> {
    register_font();
    let s = series.thinned();
    let png = dir.join(format!("{stem}.png"));
    draw(BitMapBackend::new(&png, (WIDTH, HEIGHT)).into_drawing_area(), &s)
        .map_err(|m| Error::new(format!("cannot draw chart: {m}")).in_file(&png))?;
    let svg = dir.join(format!("{stem}.svg"));
    draw(SVGBackend::new(&svg, (WIDTH, HEIGHT)).into_drawing_area(), &s)
        .map_err(|m| Error::new(format!("cannot draw chart: {m}")).in_file(&svg))?;
    Ok(())
}

fn file_stem(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// The charts of a run: the whole cluster, each workload, and a close-up of every spike.
pub fn render_run_charts(dir: &Path, scenario: &Scenario, r: &RunResult) -> Result<()> {
    let steps = r.workloads.first().map_or(0, |w| w.series.len());
    let hours: Vec<f64> =
        r.workloads.first().map_or(Vec::new(), |w| w.series.time_ms.iter().map(|t| *t as f64 / HOUR as f64).collect());
    let step = format_duration(r.output_step_ms);
    let mut total = ChartSeries {
        title: format!("{} — all workloads: demand vs serving capacity", r.scenario),
        subtitle: format!(
            "whole run: {} requests, {:.3} % failed, {:.3} % within {} (objective {} %); per-{step} averages",
            human_count(r.total.requests),
            r.total.failed_share * 100.0,
            r.total.slo_attainment * 100.0,
            format_duration(r.slo_latency_ms as u64),
            r.slo_target * 100.0
        ),
        origin_ms: r.start_ms,
        hours: hours.clone(),
        demand: vec![0.0; steps],
        served: vec![0.0; steps],
        failed: vec![0.0; steps],
        capacity: vec![0.0; steps],
        desired_capacity: vec![0.0; steps],
        p99_ms: r.total_latency_ms.iter().map(|l| l[2]).collect(),
        latency_label: "p99 latency, HTTP services (ms)".into(),
        slo_ms: r.slo_latency_ms,
    };
    let mut per_workload = Vec::new();
    for w in &r.workloads {
        let s = &w.series;
        for i in 0..steps {
            total.demand[i] += s.demand_rps[i];
            total.served[i] += s.served_rps[i];
            total.failed[i] += s.failed_rps[i];
            total.capacity[i] += s.capacity_rps[i];
            total.desired_capacity[i] += desired_capacity(scenario, &w.name, s.desired_pods[i]);
        }
        per_workload.push(ChartSeries {
            title: format!("{} — {}: demand vs serving capacity", r.scenario, w.name),
            subtitle: format!(
                "whole run: {} requests, {:.3} % failed, {:.3} % within {}; per-{step} averages",
                human_count(w.summary.requests),
                w.summary.failed_share * 100.0,
                w.summary.slo_attainment * 100.0,
                format_duration(r.slo_latency_ms as u64)
            ),
            origin_ms: r.start_ms,
            hours: hours.clone(),
            demand: s.demand_rps.clone(),
            served: s.served_rps.clone(),
            failed: s.failed_rps.clone(),
            capacity: s.capacity_rps.clone(),
            desired_capacity: s.desired_pods.iter().map(|d| desired_capacity(scenario, &w.name, *d)).collect(),
            p99_ms: s.p99_ms.clone(),
            latency_label: "p99 latency (ms)".into(),
            slo_ms: scenario.workloads.iter().find(|x| x.name == w.name).map_or(r.slo_latency_ms, |x| x.slo_latency_ms),
        });
    }
    render_chart(dir, "total", &total)?;
    let bands = super::nodes_chart::NodeBands::from_run(r);
    if !bands.hours.is_empty() {
        super::nodes_chart::render_nodes_chart(
            dir,
            "nodes",
            &format!("{} — nodes by instance type and capacity type", r.scenario),
            &format!("whole run: {}", super::nodes_chart::nodes_subtitle(r, &bands)),
            r.start_ms,
            &bands,
        )?;
    }
    for (w, series) in r.workloads.iter().zip(&per_workload) {
        render_chart(dir, &file_stem(&w.name), series)?;
    }
    for (i, ev) in scenario.spikes.iter().enumerate() {
        let from = (ev.spike.start - r.start_ms) as f64 / HOUR as f64 - 0.5;
        let to = (ev.spike.end() - r.start_ms) as f64 / HOUR as f64 + 1.0;
        let mut zoom = total.window(from, to);
        if zoom.hours.len() < 2 {
            continue;
        }
        zoom.title =
            format!("{} — {}× spike at {}: all workloads", r.scenario, ev.spike.factor, super::rfc3339(ev.spike.start));
        let summary = r.spikes.iter().find(|s| s.start_ms as i64 == ev.spike.start - r.start_ms);
        if let Some(s) = summary {
            zoom.subtitle = spike_subtitle(s);
        }
        render_chart(dir, &format!("spike{}_total", i + 1), &zoom)?;
        let node_zoom = bands.window(from, to);
        if node_zoom.hours.len() >= 2 {
            super::nodes_chart::render_nodes_chart(
                dir,
                &format!("spike{}_nodes", i + 1),
                &format!("{} — {}× spike: nodes and pods waiting for them", r.scenario, ev.spike.factor),
                "stacked by instance type and capacity type; pending pods below",
                r.start_ms,
                &node_zoom,
            )?;
        }
        for (w, series) in r.workloads.iter().zip(&per_workload) {
            if ev.workloads.contains(&w.name) {
                let mut zoom = series.window(from, to);
                zoom.title = format!("{} — {}× spike: {}", r.scenario, ev.spike.factor, w.name);
                if let Some(s) = summary.and_then(|s| s.per_workload.iter().find(|p| p.workloads == [w.name.clone()])) {
                    zoom.subtitle = spike_subtitle(s);
                }
                render_chart(dir, &format!("spike{}_{}", i + 1, file_stem(&w.name)), &zoom)?;
            }
        }
    }
    Ok(())
}

/// "spike window: 92.5 million requests, 2.015 % failed, 85.1 % within objective; capacity
/// caught up after 7 min".
fn spike_subtitle(s: &crate::sim::SpikeSummary) -> String {
    let caught = match s.caught_up_after_s {
        Some(secs) => format!("capacity caught up after {}", format_duration((secs * 1000.0) as u64)),
        None => "capacity did not catch up in the window".into(),
    };
    format!(
        "spike window (to 30 min after): {} requests, {:.3} % failed, {:.1} % within objective; {caught}",
        human_count(s.requests),
        s.failed_share * 100.0,
        s.slo_attainment * 100.0
    )
}

fn desired_capacity(scenario: &Scenario, workload: &str, desired: u32) -> f64 {
    scenario.workloads.iter().find(|w| w.name == workload).map_or(0.0, |w| w.profile.capacity_rps(desired))
}

fn human_count(x: f64) -> String {
    if x >= 1e9 {
        format!("{:.2} billion", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.2} million", x / 1e6)
    } else {
        format!("{x:.0}")
    }
}

/// 12345.6 → "12,346"; values below 10 keep one decimal.
pub(crate) fn thousands(v: f64) -> String {
    if v.abs() < 10.0 && v.fract() != 0.0 {
        return format!("{v:.1}");
    }
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}
