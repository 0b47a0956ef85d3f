//! Cost charts, in the style of `chart.rs` (embedded font, Okabe–Ito palette): a run's hourly
//! cost stacked by pricing category with the commitment line, and `capsim commit`'s commitment
//! curve (annual cost against commitment level, optimum and break-even marked).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chart::register_font;
use crate::error::{Error, Result};
use crate::pricing::billing::{Billing, CategoryCost};

const BLUE: RGBColor = RGBColor(0, 114, 178);
const SKY: RGBColor = RGBColor(86, 180, 233);
const GREEN: RGBColor = RGBColor(0, 158, 115);
const VERMILLION: RGBColor = RGBColor(213, 94, 0);
const ORANGE: RGBColor = RGBColor(230, 159, 0);
const PURPLE: RGBColor = RGBColor(204, 121, 167);
const GREY: RGBColor = RGBColor(90, 90, 90);

const WIDTH: u32 = 1600;
const HEIGHT: u32 = 900;
const MAX_POINTS: usize = 3000;

/// Dollars as a reader expects them on a slide: cents below $100, whole dollars with thousands
/// separators up to millions ("$8,054", "$13,500"), then millions.
fn money(v: f64) -> String {
    let a = v.abs();
    let s = if a >= 1e6 {
        format!("{:.2} M", a / 1e6)
    } else if a >= 100.0 {
        super::chart::thousands(a)
    } else {
        format!("{a:.2}")
    };
    if v < 0.0 { format!("-${s}") } else { format!("${s}") }
}

fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.draw_text(title, &("sans-serif", 34).into_font().style(FontStyle::Bold).color(&BLACK), (30, 14))?;
    root.draw_text(subtitle, &("sans-serif", 22).into_font().color(&GREY), (30, 56))
}

type Drawn = std::result::Result<(), String>;
type Layer = (&'static str, RGBColor, fn(&CategoryCost) -> f64);

/// Writes `<stem>.png` and `<stem>.svg` with `draw`.
fn render(
    dir: &Path,
    stem: &str,
    draw: &dyn Fn(DrawingArea<BitMapBackend, Shift>) -> Drawn,
    draw_svg: &dyn Fn(DrawingArea<SVGBackend, Shift>) -> Drawn,
) -> Result<()> {
    register_font();
    let png = dir.join(format!("{stem}.png"));
    draw(BitMapBackend::new(&png, (WIDTH, HEIGHT)).into_drawing_area())
        .map_err(|m| Error::new(format!("cannot draw chart: {m}")).in_file(&png))?;
    let svg = dir.join(format!("{stem}.svg"));
    draw_svg(SVGBackend::new(&svg, (WIDTH, HEIGHT)).into_drawing_area())
        .map_err(|m| Error::new(format!("cannot draw chart: {m}")).in_file(&svg))
}

/// Hour buckets of at most MAX_POINTS: (first hour, mean cost per hour by category).
fn buckets(hourly: &[CategoryCost]) -> Vec<(f64, CategoryCost)> {
    let per = hourly.len().div_ceil(MAX_POINTS).max(1);
    hourly
        .chunks(per)
        .enumerate()
        .map(|(k, c)| {
            let n = c.len() as f64;
            let mean = |f: fn(&CategoryCost) -> f64| c.iter().map(f).sum::<f64>() / n;
            (
                (k * per) as f64,
                CategoryCost {
                    on_demand: mean(|x| x.on_demand),
                    spot: mean(|x| x.spot),
                    reservation: mean(|x| x.reservation),
                    savings_plan: mean(|x| x.savings_plan),
                    unused_commitment: mean(|x| x.unused_commitment),
                },
            )
        })
        .collect()
}

fn draw_hourly<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    scenario: &str,
    b: &Billing,
) -> std::result::Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (top, body) = root.split_vertically(90);
    let hours = b.hourly.len();
    draw_title(
        &top,
        &format!("{scenario} — node cost per hour by pricing category"),
        &format!(
            "{hours} h: {} in all; {} on-demand, {} spot, {} reservations, {} savings plans, {} unused commitment",
            money(b.effective_cost()),
            money(b.total.on_demand),
            money(b.total.spot),
            money(b.total.reservation),
            money(b.total.savings_plan),
            money(b.total.unused_commitment)
        ),
    )
    .map_err(e)?;
    let pts = buckets(&b.hourly);
    let commitment: f64 = b.commitments.iter().map(|c| c.hourly_cost).sum();
    let ymax = pts.iter().map(|(_, c)| c.total()).fold(commitment, f64::max).max(1e-6) * 1.15;
    let x1 = (hours as f64).max(1.0);
    let mut chart = ChartBuilder::on(&body)
        .margin_left(20)
        .margin_right(40)
        .margin_bottom(10)
        .x_label_area_size(50)
        .y_label_area_size(110)
        .build_cartesian_2d(0.0..x1, 0.0..ymax)
        .map_err(e)?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(10)
        .x_label_formatter(&|h| {
            let ms = b.start_ms + (*h * 3_600_000.0).round() as i64;
            let fmt = if hours <= 48 { "%m-%d %H:%M" } else { "%Y-%m-%d" };
            jiff::Timestamp::from_millisecond(ms).map(|t| t.strftime(fmt).to_string()).unwrap_or_default()
        })
        .x_desc("hour (UTC)")
        .y_desc("cost per hour (USD)")
        .y_label_formatter(&|v| money(*v))
        .label_style(("sans-serif", 20))
        .axis_desc_style(("sans-serif", 22))
        .draw()
        .map_err(e)?;
    // Stacked from the bottom: reservations, savings plans, unused commitment, on-demand, spot.
    let layers: [Layer; 5] = [
        ("reservations (used)", BLUE, |c| c.reservation),
        ("savings plans (used)", SKY, |c| c.savings_plan),
        ("unused commitment", VERMILLION, |c| c.unused_commitment),
        ("on-demand", ORANGE, |c| c.on_demand),
        ("spot", GREEN, |c| c.spot),
    ];
    let cumulative = |upto: usize| -> Vec<(f64, f64)> {
        let mut out = Vec::with_capacity(pts.len() * 2);
        let step = pts.len().max(1) as f64;
        let width = x1 / step;
        for (x, c) in &pts {
            let y: f64 = layers[..=upto].iter().map(|(_, _, f)| f(c)).sum();
            // Steps, not slopes: each bucket is flat over its hours.
            out.push((*x, y));
            out.push((*x + width, y));
        }
        out
    };
    for k in (0..layers.len()).rev() {
        let (label, colour, _) = layers[k];
        chart
            .draw_series(AreaSeries::new(cumulative(k), 0.0, colour.filled()))
            .map_err(e)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 8), (x + 30, y + 8)], colour.filled()));
    }
    if commitment > 0.0 {
        chart
            .draw_series(DashedLineSeries::new(vec![(0.0, commitment), (x1, commitment)], 12, 8, BLACK.stroke_width(3)))
            .map_err(e)?
            .label(format!("commitments bought: {}/h", money(commitment)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], BLACK.stroke_width(3)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .label_font(("sans-serif", 20))
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

/// `cost.png` / `cost.svg` in `dir`: the run's hourly cost stacked by pricing category.
pub fn render_hourly_cost(dir: &Path, scenario: &str, b: &Billing) -> Result<()> {
    render(dir, "cost", &|a| draw_hourly(a, scenario, b), &|a| draw_hourly(a, scenario, b))
}

/// One line of the commitment curve: annual cost at each commitment level.
#[derive(Debug, Clone)]
pub struct CurveLine {
    pub label: String,
    /// (commitment level, annual cost), ascending in level.
    pub points: Vec<(f64, f64)>,
    /// The optimizer's level and its annual cost.
    pub optimum: (f64, f64),
    /// The level beyond which committing costs more than buying nothing.
    pub break_even: Option<f64>,
}

/// Annual cost against commitment level.
#[derive(Debug, Clone)]
pub struct CommitmentCurve {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    /// Annual cost with nothing bought.
    pub baseline: f64,
    pub lines: Vec<CurveLine>,
}

fn draw_curve<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, c: &CommitmentCurve) -> std::result::Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (top, body) = root.split_vertically(90);
    draw_title(&top, &c.title, &c.subtitle).map_err(e)?;
    // Show the region that matters: up to twice the furthest break-even (or optimum); far past
    // it every line only climbs.
    let full = c.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)).fold(1e-6, f64::max);
    let focus = c.lines.iter().map(|l| l.break_even.unwrap_or(l.optimum.0).max(l.optimum.0)).fold(0.0, f64::max);
    let x1 = if focus > 0.0 { (2.0 * focus).min(full) } else { full };
    let all = c.lines.iter().flat_map(|l| l.points.iter().copied()).filter(|p| p.0 <= x1);
    let ymin = all.clone().map(|p| p.1).fold(c.baseline, f64::min) * 0.9;
    let ymax = all.map(|p| p.1).fold(c.baseline, f64::max) * 1.05;
    let mut chart = ChartBuilder::on(&body)
        .margin_left(20)
        .margin_right(40)
        .margin_bottom(10)
        .x_label_area_size(50)
        .y_label_area_size(120)
        .build_cartesian_2d(0.0..x1, ymin..ymax)
        .map_err(e)?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_desc(c.x_label.as_str())
        .y_desc("cost per year (USD)")
        .x_label_formatter(&|v| money(*v))
        .y_label_formatter(&|v| money(*v))
        .label_style(("sans-serif", 20))
        .axis_desc_style(("sans-serif", 22))
        .draw()
        .map_err(e)?;
    chart
        .draw_series(DashedLineSeries::new(vec![(0.0, c.baseline), (x1, c.baseline)], 12, 8, GREY.stroke_width(3)))
        .map_err(e)?
        .label(format!("nothing bought: {}/year", money(c.baseline)))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], GREY.stroke_width(3)));
    let colours = [BLUE, VERMILLION, GREEN, PURPLE];
    for (k, l) in c.lines.iter().enumerate() {
        let colour = colours[k % colours.len()];
        // Where lines coincide (every plan past full coverage) the later, thinner one stays visible.
        let width = 6u32.saturating_sub(2 * k as u32).max(2);
        chart
            .draw_series(LineSeries::new(l.points.iter().copied().filter(|p| p.0 <= x1), colour.stroke_width(width)))
            .map_err(e)?
            .label(l.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], colour.stroke_width(3)));
        let (ox, oy) = l.optimum;
        chart
            .draw_series(std::iter::once(Circle::new((ox, oy), 9, colour.filled())))
            .map_err(e)?
            .label(format!("optimum {}/h: {}/year", money(ox), money(oy)))
            .legend(move |(x, y)| Circle::new((x + 15, y), 7, colour.filled()));
        if let Some(bx) = l.break_even {
            chart
                .draw_series(std::iter::once(TriangleMarker::new((bx, c.baseline), 12, colour.filled())))
                .map_err(e)?
                .label(format!("break-even {}/h", money(bx)))
                .legend(move |(x, y)| TriangleMarker::new((x + 15, y), 9, colour.filled()));
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .label_font(("sans-serif", 20))
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

/// `<stem>.png` / `<stem>.svg` in `dir`: the commitment curve.
pub fn render_commitment_curve(dir: &Path, stem: &str, curve: &CommitmentCurve) -> Result<()> {
    render(dir, stem, &|a| draw_curve(a, curve), &|a| draw_curve(a, curve))
}

#[cfg(test)]
mod tests {
    use super::money;

    /// One format on a chart: no "$10 k" next to "$8054".
    #[test]
    fn money_labels_share_one_format() {
        assert_eq!(money(8054.3), "$8,054");
        assert_eq!(money(13_500.0), "$13,500");
        assert_eq!(money(10_276.4), "$10,276");
        assert_eq!(money(0.54), "$0.54");
        assert_eq!(money(2.5e6), "$2.50 M");
        assert_eq!(money(-1_234.0), "-$1,234");
    }
}
