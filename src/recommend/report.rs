//! The recommendation's files: `recommendation.json` (every figure), `recommendation.md`,
//! a self-contained `recommendation.html` (the Pareto chart inline as SVG), the chosen
//! candidate's `nodepools.yaml`, and `pareto.png`.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;

use super::Recommendation;
use crate::error::{Error, Result};
use crate::report::write_file_atomically;

const BLUE: RGBColor = RGBColor(0, 114, 178);
const VERMILLION: RGBColor = RGBColor(213, 94, 0);
const GREEN: RGBColor = RGBColor(0, 158, 115);
const GREY: RGBColor = RGBColor(90, 90, 90);
const PURPLE: RGBColor = RGBColor(204, 121, 167);

fn money(x: f64) -> String {
    let s = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{}${out}", if x < 0.0 { "−" } else { "" })
}

/// Cost per year (x) against worst-future SLO attainment (y), every candidate labelled; the
/// Pareto front joined; the objective as a dashed line; the choice ringed.
fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    r: &Recommendation,
) -> std::result::Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    crate::report::register_chart_font();
    root.fill(&WHITE).map_err(e)?;
    let (title, body) = root.split_vertically(90);
    title
        .draw_text(
            &format!("{} — node-pool candidates: cost against SLO", r.scenario),
            &("sans-serif", 32).into_font().style(FontStyle::Bold).color(&BLACK),
            (30, 14),
        )
        .map_err(e)?;
    title
        .draw_text(
            &format!(
                "{} candidates × {} futures; y: the worst future's share of requests within {} ms; named: the choice, the current pools and the Pareto front where there is room",
                r.candidates.len(),
                r.futures.len(),
                r.slo_latency_ms
            ),
            &("sans-serif", 21).into_font().color(&GREY),
            (30, 56),
        )
        .map_err(e)?;
    let xs: Vec<f64> = r.candidates.iter().map(|c| c.cost_per_year_committed).collect();
    let ys: Vec<f64> = r.candidates.iter().map(|c| c.worst_slo_attainment * 100.0).collect();
    let (x0, x1) = xs.iter().fold((f64::MAX, f64::MIN), |a, &x| (a.0.min(x), a.1.max(x)));
    let (y0, y1) = ys.iter().fold((r.slo_target * 100.0, r.slo_target * 100.0), |a, &y| (a.0.min(y), a.1.max(y)));
    let pad_x = ((x1 - x0) * 0.12).max(1.0);
    let pad_y = ((y1 - y0) * 0.15).max(0.05);
    let mut chart = ChartBuilder::on(&body)
        .margin_left(20)
        .margin_right(50)
        .margin_bottom(10)
        .x_label_area_size(55)
        .y_label_area_size(100)
        .build_cartesian_2d((x0 - pad_x)..(x1 + pad_x), (y0 - pad_y)..(y1 + pad_y).min(100.0 + pad_y))
        .map_err(e)?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_desc("node cost per year after recommended commitments (USD)")
        .y_desc("worst-future SLO attainment (%)")
        .x_label_formatter(&|v| money(*v))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .label_style(("sans-serif", 19))
        .axis_desc_style(("sans-serif", 21))
        .draw()
        .map_err(e)?;
    let target = r.slo_target * 100.0;
    chart
        .draw_series(DashedLineSeries::new(
            vec![(x0 - pad_x, target), (x1 + pad_x, target)],
            10,
            6,
            PURPLE.stroke_width(3),
        ))
        .map_err(e)?
        .label(format!("objective {target:.1} %"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], PURPLE.stroke_width(3)));
    let mut front: Vec<(f64, f64)> =
        r.candidates.iter().zip(xs.iter().zip(&ys)).filter(|(c, _)| c.pareto).map(|(_, (x, y))| (*x, *y)).collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0));
    chart
        .draw_series(LineSeries::new(front, GREY.stroke_width(2)))
        .map_err(e)?
        .label("Pareto front")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], GREY.stroke_width(3)));
    for (i, c) in r.candidates.iter().enumerate() {
        let colour = if c.meets_slo { GREEN } else { VERMILLION };
        let p = (xs[i], ys[i]);
        chart.draw_series(std::iter::once(Circle::new(p, 8, colour.filled()))).map_err(e)?;
        if Some(i) == r.chosen {
            chart
                .draw_series(std::iter::once(Circle::new(p, 16, BLUE.stroke_width(4))))
                .map_err(e)?
                .label(format!("recommended: {}", c.id))
                .legend(|(x, y)| Circle::new((x + 15, y), 8, BLUE.stroke_width(3)));
        }
    }
    // Only the front, the choice and the current pools are named (the report's table has all),
    // where a name does not cover another: the choice and the current pools first, then the
    // front from the cheapest.
    let mut named: Vec<usize> = (0..r.candidates.len())
        .filter(|&i| r.candidates[i].pareto || Some(i) == r.chosen || r.candidates[i].id == "current")
        .collect();
    named.sort_by(|&a, &b| {
        let rank = |i: usize| (Some(i) != r.chosen, r.candidates[i].id != "current");
        rank(a).cmp(&rank(b)).then(xs[a].total_cmp(&xs[b]))
    });
    let font = ("sans-serif", 17).into_font().color(&BLACK);
    let mut taken: Vec<LabelBox> = Vec::new();
    for i in named {
        let at = chart.backend_coord(&(xs[i], ys[i]));
        let must = Some(i) == r.chosen || r.candidates[i].id == "current";
        let Some(place) = place_label(&r.candidates[i].id, at, &taken, must) else { continue };
        if place.leader {
            let end = (place.x, place.y + place.h / 2);
            root.draw(&PathElement::new(vec![at, end], GREY.stroke_width(1))).map_err(e)?;
        }
        root.draw(&Text::new(r.candidates[i].id.clone(), (place.x, place.y), font.clone())).map_err(e)?;
        taken.push(place);
    }
    chart
        .draw_series(std::iter::once(Circle::new((x0 - 10.0 * pad_x, 0.0), 0, GREEN.filled())))
        .map_err(e)?
        .label("meets the SLO in every future")
        .legend(|(x, y)| Circle::new((x + 15, y), 7, GREEN.filled()));
    chart
        .draw_series(std::iter::once(Circle::new((x0 - 10.0 * pad_x, 0.0), 0, VERMILLION.filled())))
        .map_err(e)?
        .label("misses it in some future")
        .legend(|(x, y)| Circle::new((x + 15, y), 7, VERMILLION.filled()));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .label_font(("sans-serif", 19))
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

/// Where a point's name goes, in pixels: its top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LabelBox {
    x: i32,
    y: i32,
    w: i32,
    h: i32,
    /// Drawn away from its point, with a line back to it.
    leader: bool,
}

impl LabelBox {
    fn overlaps(&self, o: &LabelBox) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
}

/// The first free place for `name` next to the point at `at` (pixels): right of it, above or
/// below, then left, then further up or down with a leader line. `None` when every place covers
/// a name already drawn, unless `must`, which takes the first place.
fn place_label(name: &str, at: (i32, i32), taken: &[LabelBox], must: bool) -> Option<LabelBox> {
    // 17 px sans-serif: about 8.5 px per character, 20 px a line.
    let (w, h) = ((name.chars().count() as f64 * 8.5).ceil() as i32, 20);
    let (px, py) = at;
    let mut places = vec![
        (px + 10, py - h - 2, false),
        (px + 10, py + 4, false),
        (px - 10 - w, py - h - 2, false),
        (px - 10 - w, py + 4, false),
    ];
    for step in 1..=4 {
        places.push((px + 10, py - h - 2 - step * (h + 4), true));
        places.push((px + 10, py + 4 + step * (h + 4), true));
    }
    let boxes = places.iter().map(|&(x, y, leader)| LabelBox { x, y, w, h, leader });
    let free = boxes.clone().find(|b| taken.iter().all(|t| !t.overlaps(b)));
    free.or_else(|| must.then(|| boxes.clone().next()).flatten())
}

fn markdown(r: &Recommendation, yaml: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Recommendation for {}\n", r.scenario);
    match r.chosen.map(|i| &r.candidates[i]) {
        Some(c) => {
            let _ = writeln!(
                s,
                "**{}**: {} per year after commitments ({} before), worst-future SLO attainment {:.3} % (objective {:.1} %).\n",
                c.id,
                money(c.cost_per_year_committed),
                money(c.cost_per_year),
                c.worst_slo_attainment * 100.0,
                r.slo_target * 100.0
            );
            if let Some(cur) = r.candidates.iter().find(|c| c.id == "current") {
                let _ = writeln!(
                    s,
                    "Current configuration: {} per year after commitments, worst-future SLO attainment {:.3} % ({}).\n",
                    money(cur.cost_per_year_committed),
                    cur.worst_slo_attainment * 100.0,
                    if cur.meets_slo { "meets the objective" } else { "misses the objective" }
                );
            }
            let _ = writeln!(s, "## Commitments to buy\n");
            if c.commitments.is_empty() {
                let _ = writeln!(s, "None: no commitment saves money on this candidate's usage.\n");
            }
            for line in &c.commitments {
                let _ = writeln!(s, "- {line}");
            }
            let _ = writeln!(
                s,
                "\nNet savings {} per year (sized on the ensemble's usage).\n",
                money(c.commitment_savings_per_year)
            );
            if let Some(y) = yaml {
                let _ = writeln!(s, "## NodePools to apply\n\n```yaml\n{y}```\n");
            }
        }
        None => {
            let _ = writeln!(
                s,
                "**No candidate meets the SLO in every future.** The closest are on the Pareto front below.\n"
            );
        }
    }
    let _ = writeln!(s, "## Candidates\n");
    let _ = writeln!(
        s,
        "| candidate | cost/year | after commitments | worst SLO attainment | meets SLO | Pareto | {} |",
        r.futures.iter().map(|f| format!("SLO {}", f.name)).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|{}", "---|".repeat(r.futures.len()));
    for c in &r.candidates {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.3} % | {} | {} | {} |",
            c.id,
            money(c.cost_per_year),
            money(c.cost_per_year_committed),
            c.worst_slo_attainment * 100.0,
            if c.meets_slo { "yes" } else { "no" },
            if c.pareto { "yes" } else { "" },
            c.outcomes.iter().map(|o| format!("{:.3} %", o.slo_attainment * 100.0)).collect::<Vec<_>>().join(" | ")
        );
    }
    let _ = writeln!(
        s,
        "\nFamilies: per vCPU range, the cheapest series of each class (compute, general, memory) among those no other series beats at every size; {} series pruned before simulating (all in recommendation.json), e.g.:\n",
        r.pruned.len()
    );
    for p in r.pruned.iter().take(6) {
        let _ = writeln!(s, "- {p}");
    }
    let _ = writeln!(s, "\n## Futures\n");
    for f in &r.futures {
        let _ = writeln!(s, "- **{}**: {}", f.name, f.description);
    }
    let _ = writeln!(s, "\n## Assumptions\n");
    for a in &r.assumptions {
        let _ = writeln!(s, "- {a}");
    }
    s
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Markdown to a minimal, self-contained HTML page (headings, lists, tables, code blocks).
fn html(md: &str, svg: &str) -> String {
    let mut out = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>capsim recommendation</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.45}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}pre{background:#f4f4f4;padding:1em;overflow:auto}</style></head><body>\n",
    );
    let mut in_code = false;
    let mut in_list = false;
    let mut table_header = false;
    let mut chart_done = false;
    for line in md.lines() {
        if line.starts_with("```") {
            out.push_str(if in_code { "</pre>\n" } else { "<pre>" });
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str(&html_escape(line));
            out.push('\n');
            continue;
        }
        if in_list && !line.starts_with("- ") {
            out.push_str("</ul>\n");
            in_list = false;
        }
        if let Some(h) = line.strip_prefix("## ") {
            if !chart_done && h == "Candidates" {
                out.push_str(svg);
                chart_done = true;
            }
            let _ = writeln!(out, "<h2>{}</h2>", html_escape(h));
        } else if let Some(h) = line.strip_prefix("# ") {
            let _ = writeln!(out, "<h1>{}</h1>", html_escape(h));
        } else if let Some(item) = line.strip_prefix("- ") {
            if !in_list {
                out.push_str("<ul>\n");
                in_list = true;
            }
            let _ = writeln!(out, "<li>{}</li>", bold(&html_escape(item)));
        } else if line.starts_with('|') {
            if line.starts_with("|---") {
                continue;
            }
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            if !table_header {
                out.push_str("<table><tr>");
                for c in &cells {
                    let _ = write!(out, "<th>{}</th>", html_escape(c));
                }
                out.push_str("</tr>\n");
                table_header = true;
            } else {
                out.push_str("<tr>");
                for c in &cells {
                    let _ = write!(out, "<td>{}</td>", html_escape(c));
                }
                out.push_str("</tr>\n");
            }
        } else if line.is_empty() {
            if table_header {
                out.push_str("</table>\n");
                table_header = false;
            }
        } else {
            let _ = writeln!(out, "<p>{}</p>", bold(&html_escape(line)));
        }
    }
    if table_header {
        out.push_str("</table>\n");
    }
    if in_list {
        out.push_str("</ul>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// `**x**` → `<b>x</b>`.
fn bold(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split("**").enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<b>{part}</b>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Writes every file into `dir`.
pub fn write(dir: &Path, r: &Recommendation) -> Result<()> {
    let json = serde_json::to_string_pretty(r).map_err(|e| Error::new(format!("cannot encode: {e}")))? + "\n";
    write_file_atomically(&dir.join("recommendation.json"), json.as_bytes())?;
    let yaml = match r.chosen.map(|i| &r.candidates[i]) {
        Some(c) if c.id != "current" => {
            let text = std::fs::read_to_string(dir.join("candidates").join(&c.id).join("nodepools.yaml"))
                .map_err(|e| Error::io(&dir.join("candidates"), &e))?;
            write_file_atomically(&dir.join("nodepools.yaml"), text.as_bytes())?;
            Some(text)
        }
        _ => None,
    };
    let md = markdown(r, yaml.as_deref());
    write_file_atomically(&dir.join("recommendation.md"), md.as_bytes())?;
    let png = dir.join("pareto.png");
    draw(BitMapBackend::new(&png, (1600, 1000)).into_drawing_area(), r)
        .map_err(|m| Error::new(format!("cannot draw chart: {m}")).in_file(&png))?;
    let mut svg = String::new();
    draw(SVGBackend::with_string(&mut svg, (1600, 1000)).into_drawing_area(), r)
        .map_err(|m| Error::new(format!("cannot draw chart: {m}")))?;
    write_file_atomically(&dir.join("recommendation.html"), html(&md, &svg).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names of crowded points never cover one another; the ones that must be named always are.
    #[test]
    fn crowded_names_do_not_overlap() {
        let mut taken: Vec<LabelBox> = Vec::new();
        let mut skipped = 0;
        for k in 0..30 {
            let at = (400 + 12 * k, 300 + (k % 3) * 4);
            let must = k == 7;
            match place_label(&format!("general-4to16+spot+headroom12-{k}"), at, &taken, must) {
                Some(b) => {
                    assert!(must || taken.iter().all(|t| !t.overlaps(&b)), "name {k} covers another");
                    taken.push(b);
                }
                None => {
                    assert!(!must, "a name that must be drawn was dropped");
                    skipped += 1;
                }
            }
        }
        assert!(taken.len() >= 8 && skipped > 0, "placed {}, skipped {skipped}", taken.len());
    }
}
