//! Duration distributions for pod startup and similar latencies: fixed, lognormal, gamma, or
//! empirical samples from a CSV.

use std::path::Path;

use rand::RngExt;
use rand_distr::{Distribution, Gamma, LogNormal};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::units::parse_duration;
use crate::engine::{Millis, StreamRng};
use crate::error::{Error, Result};

/// As written in a scenario (one key), e.g. `{lognormal: {median: 4s, p95: 12s}}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum DurationSpec {
    Fixed(Spanned<String>),
    Lognormal {
        median: Spanned<String>,
        p95: Spanned<String>,
    },
    Gamma {
        mean: Spanned<String>,
        cv: f64,
    },
    Empirical {
        file: String,
        #[serde(default)]
        column: Option<String>,
    },
}

/// A validated distribution of durations.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationDist {
    Fixed(Millis),
    /// ln(X) ~ N(mu, sigma), X in milliseconds.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Gamma {
        shape: f64,
        scale_ms: f64,
    },
    /// Samples in milliseconds, drawn uniformly.
    Empirical(Vec<Millis>),
}

/// z of the standard normal's 95th percentile.
const Z95: f64 = 1.644_853_626_951_472_2;

impl DurationDist {
    /// Validates a spec; `field` names it in errors; relative files resolve against `base`.
    pub fn from_spec(spec: &DurationSpec, field: &str, file: &Path, base: &Path) -> Result<Self> {
        let dur = |s: &Spanned<String>, name: &str| {
            parse_duration(&s.value).map_err(|e| {
                e.in_file(file)
                    .at_line(s.referenced.line(), Some(s.referenced.column()))
                    .at_field(format!("{field}.{name}"))
            })
        };
        match spec {
            DurationSpec::Fixed(d) => Ok(DurationDist::Fixed(dur(d, "fixed")?)),
            DurationSpec::Lognormal { median, p95 } => {
                let (m, p) = (dur(median, "lognormal.median")? as f64, dur(p95, "lognormal.p95")? as f64);
                if m <= 0.0 || p <= m {
                    return Err(Error::new("a lognormal needs 0 < median < p95")
                        .in_file(file)
                        .at_field(format!("{field}.lognormal"))
                        .fix("give the median and a larger 95th percentile, e.g. {median: 4s, p95: 12s}"));
                }
                Ok(DurationDist::LogNormal { mu: m.ln(), sigma: (p / m).ln() / Z95 })
            }
            DurationSpec::Gamma { mean, cv } => {
                let mean = dur(mean, "gamma.mean")? as f64;
                if mean <= 0.0 || !(cv.is_finite() && *cv > 0.0) {
                    return Err(Error::new("a gamma needs a positive mean and coefficient of variation")
                        .in_file(file)
                        .at_field(format!("{field}.gamma"))
                        .fix("e.g. {mean: 6s, cv: 0.5}"));
                }
                let shape = 1.0 / (cv * cv);
                Ok(DurationDist::Gamma { shape, scale_ms: mean / shape })
            }
            DurationSpec::Empirical { file: csv_file, column } => {
                let path = if Path::new(csv_file).is_absolute() { csv_file.into() } else { base.join(csv_file) };
                read_samples(&path, column.as_deref()).map(DurationDist::Empirical)
            }
        }
    }

    /// One draw, in whole milliseconds.
    pub fn sample(&self, rng: &mut StreamRng) -> Millis {
        let ms = match self {
            DurationDist::Fixed(ms) => return *ms,
            DurationDist::LogNormal { mu, sigma } => LogNormal::new(*mu, *sigma).map_or(mu.exp(), |d| d.sample(rng)),
            DurationDist::Gamma { shape, scale_ms } => {
                Gamma::new(*shape, *scale_ms).map_or(shape * scale_ms, |d| d.sample(rng))
            }
            DurationDist::Empirical(samples) => return samples[rng.random_range(0..samples.len())],
        };
        ms.round().clamp(0.0, 1e12) as Millis
    }

    /// The mean, for reports.
    pub fn mean_ms(&self) -> f64 {
        match self {
            DurationDist::Fixed(ms) => *ms as f64,
            DurationDist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            DurationDist::Gamma { shape, scale_ms } => shape * scale_ms,
            DurationDist::Empirical(s) => s.iter().sum::<Millis>() as f64 / s.len() as f64,
        }
    }
}

/// Reads durations in seconds from one CSV column (the first unless named).
fn read_samples(path: &Path, column: Option<&str>) -> Result<Vec<Millis>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    let mut reader = csv::Reader::from_reader(file);
    let headers = reader.headers().map_err(|e| Error::new(format!("unreadable CSV: {e}")).in_file(path))?.clone();
    let col = match column {
        None => 0,
        Some(name) => headers.iter().position(|h| h == name).ok_or_else(|| {
            Error::new(format!("no column named {name:?}"))
                .in_file(path)
                .at_line(1, None)
                .fix(format!("use one of: {}", headers.iter().collect::<Vec<_>>().join(", ")))
        })?,
    };
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::new(format!("unreadable CSV: {e}")).in_file(path))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = record.get(col).unwrap_or("");
        let secs: f64 = cell.trim().parse().map_err(|_| {
            Error::new(format!("not a number of seconds: {cell:?}"))
                .in_file(path)
                .at_line(line, Some(col as u64 + 1))
                .fix("write each sample as seconds, e.g. 12.5")
        })?;
        if !secs.is_finite() || secs < 0.0 {
            return Err(Error::new(format!("sample {cell:?} is not a finite number ≥ 0"))
                .in_file(path)
                .at_line(line, Some(col as u64 + 1))
                .fix("write each sample as seconds, e.g. 12.5"));
        }
        out.push((secs * 1000.0).round() as Millis);
    }
    if out.is_empty() {
        return Err(Error::new("no samples").in_file(path).fix("give one sample (seconds) per row"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn lognormal_hits_its_median_and_p95() {
        let d = DurationDist::LogNormal { mu: 4000f64.ln(), sigma: (3.0f64).ln() / Z95 };
        let mut rng = RngStreams::new(1, "t", 0).stream("d");
        let mut xs: Vec<Millis> = (0..20_000).map(|_| d.sample(&mut rng)).collect();
        xs.sort_unstable();
        let (median, p95) = (xs[10_000] as f64, xs[19_000] as f64);
        assert!((median / 4000.0 - 1.0).abs() < 0.03, "{median}");
        assert!((p95 / 12000.0 - 1.0).abs() < 0.05, "{p95}");
    }

    #[test]
    fn empirical_samples_from_csv() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.csv"), "pod,seconds\na,2.5\nb,7\n").unwrap();
        let spec = DurationSpec::Empirical { file: "s.csv".into(), column: Some("seconds".into()) };
        let d = DurationDist::from_spec(&spec, "pods.startup", Path::new("scenario.yaml"), dir.path()).unwrap();
        assert_eq!(d, DurationDist::Empirical(vec![2_500, 7_000]));
        let mut rng = RngStreams::new(1, "t", 0).stream("e");
        assert!((0..100).all(|_| matches!(d.sample(&mut rng), 2_500 | 7_000)));
        std::fs::write(dir.path().join("s.csv"), "pod,seconds\na,soon\n").unwrap();
        let err = DurationDist::from_spec(&spec, "pods.startup", Path::new("scenario.yaml"), dir.path()).unwrap_err();
        assert_eq!(err.place, Some(crate::error::Place::Line { line: 2, column: Some(2) }));
        let missing = DurationSpec::Empirical { file: "s.csv".into(), column: Some("secs".into()) };
        assert!(DurationDist::from_spec(&missing, "pods.startup", Path::new("scenario.yaml"), dir.path()).is_err());
    }

    #[test]
    fn gamma_mean() {
        let d = DurationDist::Gamma { shape: 4.0, scale_ms: 1500.0 };
        let mut rng = RngStreams::new(1, "t", 0).stream("g");
        let mean = (0..20_000).map(|_| d.sample(&mut rng) as f64).sum::<f64>() / 20_000.0;
        assert!((mean / 6000.0 - 1.0).abs() < 0.02, "{mean}");
    }
}
