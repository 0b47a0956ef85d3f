//! Trace readers. Every bad row is an error naming the file, line and column; nothing is
//! silently skipped.

use std::path::Path;

use jiff::tz::Offset;
use serde::Deserialize;

use super::{EpochMillis, Trace};
use crate::error::{Error, Result};

/// What the value column means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// Requests per second.
    #[default]
    Rate,
    /// Requests counted in the interval starting at the row's timestamp.
    Count,
}

/// What to do where rows are missing (a step longer than 1.5× the trace's resolution).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapPolicy {
    /// No requests in the gap (right for counts: a missing interval counted nothing).
    Zero,
    /// The previous rate holds across the gap (right for sampled rates).
    Hold,
    /// A gap is an error.
    Error,
}

/// Options for a time/value CSV.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    pub time_column: Option<String>,
    pub value_column: Option<String>,
    pub values: ValueKind,
    /// Offset for timestamps written without one, e.g. `-04:00`.
    pub utc_offset: Option<String>,
    /// Default: `zero` for counts, `hold` for rates.
    pub gaps: Option<GapPolicy>,
}

/// Options for a per-request CSV (one row per request).
#[derive(Debug, Clone)]
pub struct RequestsOptions {
    pub time_column: Option<String>,
    pub utc_offset: Option<String>,
    /// Width of the counting bins in milliseconds.
    pub bin_ms: u64,
}

/// Options for a Prometheus `query_range` export.
#[derive(Debug, Clone, Default)]
pub struct PrometheusOptions {
    /// Use only this series (0-based); default: the sum of all series.
    pub series: Option<usize>,
    pub values: ValueKind,
    pub gaps: Option<GapPolicy>,
}

const TIME_NAMES: [&str; 6] = ["time", "timestamp", "ts", "date", "ds", "datetime"];

fn parse_offset(text: &str, file: &Path) -> Result<Offset> {
    let bad = || {
        Error::new(format!("invalid UTC offset {text:?}"))
            .in_file(file)
            .fix("write the offset as +HH:MM or -HH:MM, e.g. -04:00")
    };
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    let h: i32 = h.parse().map_err(|_| bad())?;
    let m: i32 = m.parse().map_err(|_| bad())?;
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Offset::from_seconds(sign * (h * 3600 + m * 60)).map_err(|_| bad())
}

/// Parses one timestamp cell: epoch seconds, RFC 3339 with an offset, or a civil date-time
/// with the configured offset. Returns the problem and its fix on failure.
fn parse_timestamp(cell: &str, offset: Option<Offset>) -> std::result::Result<EpochMillis, (String, String)> {
    let cell = cell.trim();
    if !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let secs: f64 = cell.parse().map_err(|_| {
            (format!("invalid epoch seconds {cell:?}"), "write seconds since 1970-01-01 UTC".to_string())
        })?;
        return Ok((secs * 1000.0).round() as EpochMillis);
    }
    if let Ok(ts) = cell.parse::<jiff::Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    match cell.parse::<jiff::civil::DateTime>() {
        Ok(dt) => match offset {
            Some(off) => off
                .to_timestamp(dt)
                .map(|ts| ts.as_millisecond())
                .map_err(|e| (format!("timestamp {cell:?} out of range: {e}"), "check the date".into())),
            None => Err((
                format!("timestamp {cell:?} has no UTC offset"),
                "write offsets in the file (e.g. 2026-07-01T00:00:00Z) or set `utc_offset: \"+00:00\"` for the trace"
                    .into(),
            )),
        },
        Err(_) => Err((
            format!("not a timestamp: {cell:?}"),
            "write RFC 3339 (2026-07-01T09:00:00+02:00), a date-time with utc_offset set, or epoch seconds".into(),
        )),
    }
}

fn parse_value(cell: &str) -> std::result::Result<f64, (String, String)> {
    let v: f64 = cell.trim().parse().map_err(|_| {
        (format!("not a number: {cell:?}"), "write a plain decimal number such as 12 or 3.5".to_string())
    })?;
    if !v.is_finite() {
        return Err((
            format!("value {cell:?} is not finite"),
            "replace NaN/inf with a real measurement, or remove the row and let the gap policy fill it".into(),
        ));
    }
    if v < 0.0 {
        return Err((
            format!("negative value {cell:?}"),
            "request rates and counts cannot be negative; fix the export".into(),
        ));
    }
    Ok(v)
}

fn open_csv(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    Ok(csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(file))
}

fn csv_error(path: &Path, err: csv::Error) -> Error {
    let line = err.position().map(|p| p.line());
    let problem = match err.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("row has {len} fields, the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        _ => format!("unreadable CSV: {err}"),
    };
    let e = Error::new(problem).in_file(path).fix("make every row have the header's columns, comma-separated");
    match line {
        Some(l) => e.at_line(l, None),
        None => e,
    }
}

fn find_column(
    headers: &csv::StringRecord,
    wanted: Option<&str>,
    role: &str,
    path: &Path,
    defaults: &[&str],
) -> Result<usize> {
    let names: Vec<&str> = headers.iter().collect();
    let listing = names.join(", ");
    if let Some(name) = wanted {
        return names.iter().position(|h| *h == name).ok_or_else(|| {
            Error::new(format!("no column named {name:?} (the {role} column)"))
                .in_file(path)
                .at_line(1, None)
                .fix(format!("use one of the columns in the header: {listing}"))
        });
    }
    if let Some(i) = names.iter().position(|h| defaults.contains(&h.trim().to_ascii_lowercase().as_str())) {
        return Ok(i);
    }
    Err(Error::new(format!("cannot tell which column holds the {role}"))
        .in_file(path)
        .at_line(1, None)
        .fix(format!("name it with `{role}_column` (columns are: {listing})")))
}

/// Reads a time/value CSV.
pub fn read_csv(path: &Path, opts: &CsvOptions) -> Result<Trace> {
    let offset = opts.utc_offset.as_deref().map(|o| parse_offset(o, path)).transpose()?;
    let mut reader = open_csv(path)?;
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    if headers.is_empty() {
        return Err(Error::new("the file is empty")
            .in_file(path)
            .fix("give a header row and at least one row of data"));
    }
    let (time_col, value_col) = if opts.time_column.is_none() && opts.value_column.is_none() && headers.len() == 2 {
        (0, 1)
    } else {
        let t = find_column(&headers, opts.time_column.as_deref(), "time", path, &TIME_NAMES)?;
        let v =
            find_column(&headers, opts.value_column.as_deref(), "value", path, &["value", "requests", "rate", "y"])?;
        (t, v)
    };
    let mut rows: Vec<(EpochMillis, f64, u64)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let line = record.position().map_or(0, |p| p.line());
        let at = |col: usize, (problem, fix): (String, String)| {
            Error::new(problem).in_file(path).at_line(line, Some(col as u64 + 1)).fix(fix)
        };
        let t = parse_timestamp(&record[time_col], offset).map_err(|e| at(time_col, e))?;
        let v = parse_value(&record[value_col]).map_err(|e| at(value_col, e))?;
        if let Some(&(prev, _, prev_line)) = rows.last() {
            if t == prev {
                return Err(at(
                    time_col,
                    (
                        format!("duplicate timestamp {:?} (also on line {prev_line})", &record[time_col]),
                        "keep one row per timestamp (sum or drop the duplicate)".into(),
                    ),
                ));
            }
            if t < prev {
                return Err(at(
                    time_col,
                    (
                        format!("timestamp {:?} is earlier than the one on line {prev_line}", &record[time_col]),
                        "sort the rows by time".into(),
                    ),
                ));
            }
        }
        rows.push((t, v, line));
    }
    let gaps = opts.gaps.unwrap_or(match opts.values {
        ValueKind::Count => GapPolicy::Zero,
        ValueKind::Rate => GapPolicy::Hold,
    });
    build_from_rows(path, &rows, opts.values, gaps)
}

/// Turns sorted (time, value, line) rows into a trace, filling gaps by `policy`.
fn build_from_rows(path: &Path, rows: &[(EpochMillis, f64, u64)], kind: ValueKind, policy: GapPolicy) -> Result<Trace> {
    if rows.is_empty() {
        return Err(Error::new("the trace has a header but no data rows")
            .in_file(path)
            .fix("add at least one row of data"));
    }
    let resolution = if rows.len() == 1 {
        60_000
    } else {
        let mut diffs: Vec<i64> = rows.windows(2).map(|w| w[1].0 - w[0].0).collect();
        diffs.sort_unstable();
        diffs[diffs.len() / 2]
    };
    let mut times = Vec::with_capacity(rows.len());
    let mut rates = Vec::with_capacity(rows.len());
    let mut gaps = Vec::new();
    for (i, &(t, v, line)) in rows.iter().enumerate() {
        let next = rows.get(i + 1).map(|r| r.0);
        let is_gap = next.is_some_and(|n| (n - t) * 2 > resolution * 3);
        let interval = match next {
            Some(n) if !is_gap => n - t,
            _ => resolution,
        };
        let rate = match kind {
            ValueKind::Rate => v,
            ValueKind::Count => v * 1000.0 / interval as f64,
        };
        times.push(t);
        rates.push(rate);
        if is_gap {
            let gap = (t + interval, next.unwrap());
            match policy {
                GapPolicy::Zero => {
                    times.push(gap.0);
                    rates.push(0.0);
                }
                GapPolicy::Hold => {}
                GapPolicy::Error => {
                    return Err(Error::new(format!(
                        "gap of {} after this row (resolution {})",
                        crate::model::units::format_duration((gap.1 - gap.0) as u64),
                        crate::model::units::format_duration(resolution as u64)
                    ))
                    .in_file(path)
                    .at_line(line, None)
                    .fix("fill the missing rows, or set `gaps: zero` or `gaps: hold`"));
                }
            }
            gaps.push(gap);
        }
    }
    let end = rows.last().unwrap().0 + resolution;
    let mut trace = Trace::new(times, rates, end).map_err(|e| e.in_file(path))?;
    trace.gaps = gaps;
    Ok(trace)
}

/// Reads a per-request CSV and counts requests into bins.
pub fn read_requests_csv(path: &Path, opts: &RequestsOptions) -> Result<Trace> {
    if opts.bin_ms == 0 {
        return Err(Error::new("the counting bin must be positive")
            .in_file(path)
            .fix("set `bin` to a duration such as 1s or 1m"));
    }
    let offset = opts.utc_offset.as_deref().map(|o| parse_offset(o, path)).transpose()?;
    let mut reader = open_csv(path)?;
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    if headers.is_empty() {
        return Err(Error::new("the file is empty").in_file(path).fix("give a header row and one row per request"));
    }
    let time_col = find_column(&headers, opts.time_column.as_deref(), "time", path, &TIME_NAMES)?;
    let bin = opts.bin_ms as i64;
    let mut counts: Vec<f64> = Vec::new();
    let mut first_bin: Option<i64> = None;
    let mut prev: Option<(EpochMillis, u64)> = None;
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let line = record.position().map_or(0, |p| p.line());
        let t = parse_timestamp(&record[time_col], offset)
            .map_err(|(p, f)| Error::new(p).in_file(path).at_line(line, Some(time_col as u64 + 1)).fix(f))?;
        if let Some((p, pline)) = prev
            && t < p
        {
            return Err(Error::new(format!(
                "request time {:?} is earlier than the one on line {pline}",
                &record[time_col]
            ))
            .in_file(path)
            .at_line(line, Some(time_col as u64 + 1))
            .fix("sort the rows by time"));
        }
        prev = Some((t, line));
        let b = t.div_euclid(bin);
        let first = *first_bin.get_or_insert(b);
        let idx = (b - first) as usize;
        if idx >= counts.len() {
            counts.resize(idx + 1, 0.0);
        }
        counts[idx] += 1.0;
    }
    let Some(first) = first_bin else {
        return Err(Error::new("the file has a header but no requests").in_file(path).fix("add one row per request"));
    };
    let times = (0..counts.len() as i64).map(|i| (first + i) * bin).collect();
    let rates = counts.iter().map(|c| c * 1000.0 / bin as f64).collect();
    let end = (first + counts.len() as i64) * bin;
    Trace::new(times, rates, end).map_err(|e| e.in_file(path))
}

#[derive(Deserialize)]
struct PromResponse {
    status: String,
    data: Option<PromData>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromData {
    result_type: String,
    result: Vec<PromSeries>,
}

#[derive(Deserialize)]
struct PromSeries {
    #[serde(default)]
    values: Vec<(f64, String)>,
}

/// Reads a Prometheus HTTP API `query_range` response (resultType `matrix`).
pub fn read_prometheus(path: &Path, opts: &PrometheusOptions) -> Result<Trace> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
    let resp: PromResponse = serde_json::from_str(&text).map_err(|e| {
        Error::new(format!("not a Prometheus query_range response: {e}"))
            .in_file(path)
            .at_line(e.line() as u64, Some(e.column() as u64))
            .fix("export with `curl '<prometheus>/api/v1/query_range?query=...&start=...&end=...&step=...'` and save the JSON unchanged")
    })?;
    if resp.status != "success" {
        return Err(Error::new(format!(
            "the query failed (status {:?}): {}",
            resp.status,
            resp.error.unwrap_or_default()
        ))
        .in_file(path)
        .at_field("status")
        .fix("fix the query and export it again"));
    }
    let data = resp.data.ok_or_else(|| {
        Error::new("no `data` in the response").in_file(path).at_field("data").fix("export a query_range response")
    })?;
    if data.result_type != "matrix" {
        return Err(Error::new(format!("resultType is {:?}, capsim needs \"matrix\"", data.result_type))
            .in_file(path)
            .at_field("data.resultType")
            .fix("use the query_range endpoint (not query), which returns a matrix"));
    }
    let chosen: Vec<(usize, &PromSeries)> = match opts.series {
        Some(i) => vec![(
            i,
            data.result.get(i).ok_or_else(|| {
                Error::new(format!("series {i} requested but the response has {}", data.result.len()))
                    .in_file(path)
                    .at_field("data.result")
                    .fix("pick a series index below the count, or omit `series` to sum them all")
            })?,
        )],
        None => data.result.iter().enumerate().collect(),
    };
    // Sum the chosen series per timestamp; BTreeMap keeps time order.
    let mut points: std::collections::BTreeMap<EpochMillis, f64> = std::collections::BTreeMap::new();
    for (si, series) in chosen {
        for (vi, (ts, value)) in series.values.iter().enumerate() {
            let field = format!("data.result[{si}].values[{vi}]");
            let v = parse_value(value).map_err(|(p, f)| Error::new(p).in_file(path).at_field(field.clone()).fix(f))?;
            if !ts.is_finite() {
                return Err(Error::new("timestamp is not finite").in_file(path).at_field(field));
            }
            *points.entry((ts * 1000.0).round() as EpochMillis).or_insert(0.0) += v;
        }
    }
    let rows: Vec<(EpochMillis, f64, u64)> = points.into_iter().map(|(t, v)| (t, v, 0)).collect();
    if rows.is_empty() {
        return Err(Error::new("the response holds no samples")
            .in_file(path)
            .at_field("data.result")
            .fix("check the query's time range and step"));
    }
    let gaps = opts.gaps.unwrap_or(GapPolicy::Hold);
    build_from_rows(path, &rows, opts.values, gaps)
}
