//! Future generators: distributions of spike times, spike factors, growth and noise, drawn per
//! replication from seeded streams.
//!
//! A distribution is a fixed value, `{uniform: [low, high]}` or `{choice: [a, b, …]}`. Each
//! drawn field has its own stream `RngStreams::new(sweep seed, "sweep/<name>", replication)
//! .stream("futures/<field>")`, so a future depends only on (seed, sweep, replication, field):
//! never on grid point, shard or thread, and adding a generator leaves the others' draws alone.
//! Every grid point therefore meets the same futures in replication r (common random numbers:
//! grid points are compared on equal terms).

use rand::RngExt;
use serde_json::Value;

use super::doc::{Edit, number, render};
use super::spec::FuturesSpec;
use crate::engine::{Millis, RngStreams};
use crate::error::{Error, Result};
use crate::model::units::{format_duration, parse_duration};

/// What a distribution's values are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    /// A plain number.
    Number,
    /// A human duration (`90s`, `2h`), drawn to whole seconds.
    Duration,
    /// An instant: an RFC 3339 time or a duration after the scenario start, drawn to whole seconds.
    Instant,
}

/// A validated distribution.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Fixed(Value),
    /// Bounds in the unit's number (number; milliseconds; epoch or offset milliseconds) and
    /// whether an instant's bounds are absolute times.
    Uniform {
        low: f64,
        high: f64,
        absolute: bool,
    },
    Choice(Vec<Value>),
}

impl Dist {
    pub fn is_random(&self) -> bool {
        !matches!(self, Dist::Fixed(_))
    }

    /// Reads a distribution; errors name `field` (a path in the sweep file).
    pub fn parse(v: &Value, unit: Unit, field: &str) -> Result<Dist> {
        let err = |problem: String, fix: &str| Error::new(problem).at_field(field.to_string()).fix(fix);
        match v {
            Value::Object(map) if map.len() == 1 && map.contains_key("uniform") => {
                let bounds = map["uniform"].as_array().filter(|b| b.len() == 2).ok_or_else(|| {
                    err("`uniform` needs a list of two bounds".into(), "write e.g. {uniform: [5, 10]}")
                })?;
                let (low, a1) = scalar(&bounds[0], unit).map_err(|(p, f)| err(p, f))?;
                let (high, a2) = scalar(&bounds[1], unit).map_err(|(p, f)| err(p, f))?;
                if a1 != a2 {
                    return Err(err(
                        "the bounds mix an RFC 3339 time and a duration after the start".into(),
                        "write both bounds the same way",
                    ));
                }
                if low > high {
                    return Err(err(
                        format!(
                            "the lower bound {} is above the upper bound {}",
                            render(&bounds[0]),
                            render(&bounds[1])
                        ),
                        "write [low, high]",
                    ));
                }
                Ok(Dist::Uniform { low, high, absolute: a1 })
            }
            Value::Object(map) if map.len() == 1 && map.contains_key("choice") => {
                let options = map["choice"].as_array().filter(|o| !o.is_empty()).ok_or_else(|| {
                    err("`choice` needs a non-empty list of values".into(), "write e.g. {choice: [5, 10]}")
                })?;
                for o in options {
                    scalar(o, unit).map_err(|(p, f)| err(p, f))?;
                }
                Ok(Dist::Choice(options.clone()))
            }
            Value::Object(_) => Err(err(
                format!("{} is not a value or a distribution", render(v)),
                "write a fixed value, {uniform: [low, high]} or {choice: [a, b]}",
            )),
            other => {
                scalar(other, unit).map_err(|(p, f)| err(p, f))?;
                Ok(Dist::Fixed(other.clone()))
            }
        }
    }

    /// Draws one value (the stream is only used when the distribution is random).
    pub fn draw(&self, unit: Unit, rng: &mut crate::engine::StreamRng) -> Value {
        match self {
            Dist::Fixed(v) => v.clone(),
            Dist::Choice(options) => options[rng.random_range(0..options.len())].clone(),
            Dist::Uniform { low, high, absolute } => {
                let u: f64 = rng.random();
                let x = low + (high - low) * u;
                match unit {
                    Unit::Number => number(x),
                    Unit::Duration => Value::String(format_duration(round_to_second(x))),
                    Unit::Instant if *absolute => {
                        Value::String(crate::report::rfc3339((x / 1000.0).round() as i64 * 1000))
                    }
                    Unit::Instant => Value::String(format_duration(round_to_second(x))),
                }
            }
        }
    }
}

fn round_to_second(ms: f64) -> Millis {
    ((ms / 1000.0).round().max(0.0) as Millis) * 1000
}

/// A fixed value's number (and, for instants, whether it is absolute), or (problem, fix).
fn scalar(v: &Value, unit: Unit) -> std::result::Result<(f64, bool), (String, &'static str)> {
    match unit {
        Unit::Number => match v.as_f64() {
            Some(x) if x.is_finite() => Ok((x, false)),
            _ => Err((format!("{} is not a number", render(v)), "write a number such as 10 or 1.2")),
        },
        Unit::Duration => match v.as_str().map(parse_duration) {
            Some(Ok(ms)) => Ok((ms as f64, false)),
            _ => Err((format!("{} is not a duration", render(v)), "write a duration such as 90s, 20m or 1d8h")),
        },
        Unit::Instant => {
            let Some(s) = v.as_str() else {
                return Err((format!("{} is not a time", render(v)), INSTANT_FIX));
            };
            if let Ok(ts) = s.parse::<jiff::Timestamp>() {
                return Ok((ts.as_millisecond() as f64, true));
            }
            match parse_duration(s) {
                Ok(ms) => Ok((ms as f64, false)),
                Err(_) => Err((format!("{s:?} is neither an RFC 3339 time nor a duration"), INSTANT_FIX)),
            }
        }
    }
}

const INSTANT_FIX: &str =
    "write an RFC 3339 time such as 2026-07-15T14:00:00Z, or a duration after the start such as 1d8h";

/// One drawn field: its column name, unit and distribution.
#[derive(Debug, Clone)]
struct Field {
    name: String,
    unit: Unit,
    dist: Dist,
}

/// A spike generator with its fields validated.
#[derive(Debug, Clone)]
struct SpikeFields {
    fields: Vec<(&'static str, Field)>,
    workloads: Option<Vec<String>>,
}

/// The validated `futures:` section.
#[derive(Debug, Clone, Default)]
pub struct Futures {
    spikes: Vec<SpikeFields>,
    growth: Option<Field>,
    noise_cv: Option<Field>,
    /// Every workload of the base scenario (growth and noise apply to each).
    workloads: Vec<String>,
}

impl Futures {
    /// Validates the section against the base scenario's workload names.
    pub(crate) fn parse(spec: &FuturesSpec, workloads: Vec<String>) -> Result<Futures> {
        let mut spikes = Vec::new();
        for (i, s) in spec.spikes.iter().enumerate() {
            let prefix = format!("futures.spikes[{i}]");
            let mut fields = Vec::new();
            let mut add = |key: &'static str, v: Option<&Value>, unit: Unit| -> Result<()> {
                if let Some(v) = v {
                    let name = format!("{prefix}.{key}");
                    fields.push((key, Field { dist: Dist::parse(v, unit, &name)?, name, unit }));
                }
                Ok(())
            };
            add("at", Some(&s.at), Unit::Instant)?;
            add("factor", Some(&s.factor), Unit::Number)?;
            add("ramp", s.ramp.as_ref(), Unit::Duration)?;
            add("hold", Some(&s.hold), Unit::Duration)?;
            add("decay", s.decay.as_ref(), Unit::Duration)?;
            if let Some(ws) = &s.workloads {
                for w in ws {
                    if !workloads.contains(w) {
                        return Err(Error::new(format!("the base scenario has no workload named {w:?}"))
                            .at_field(format!("{prefix}.workloads"))
                            .fix(format!("use one of: {}", workloads.join(", "))));
                    }
                }
            }
            spikes.push(SpikeFields { fields, workloads: s.workloads.clone() });
        }
        let field = |v: &Option<Value>, name: &str| -> Result<Option<Field>> {
            v.as_ref()
                .map(|v| {
                    let name = format!("futures.{name}");
                    Ok(Field { dist: Dist::parse(v, Unit::Number, &name)?, name, unit: Unit::Number })
                })
                .transpose()
        };
        Ok(Futures {
            spikes,
            growth: field(&spec.growth, "growth")?,
            noise_cv: field(&spec.noise_cv, "noise_cv")?,
            workloads,
        })
    }

    fn fields(&self) -> impl Iterator<Item = &Field> {
        self.spikes.iter().flat_map(|s| s.fields.iter().map(|(_, f)| f)).chain(&self.growth).chain(&self.noise_cv)
    }

    /// Column names of the random fields, in draw order.
    pub fn columns(&self) -> Vec<String> {
        self.fields().filter(|f| f.dist.is_random()).map(|f| f.name.clone()).collect()
    }

    /// Draws replication `replication`'s future: the edits it makes and the drawn values of
    /// the random fields (in [`Futures::columns`] order).
    pub fn draw(&self, streams: &RngStreams) -> (Vec<Edit>, Vec<String>) {
        let mut drawn = Vec::new();
        let mut take = |f: &Field| {
            let v = f.dist.draw(f.unit, &mut streams.stream(&format!("futures/{}", f.name)));
            if f.dist.is_random() {
                drawn.push(render(&v));
            }
            v
        };
        let mut edits = Vec::new();
        for s in &self.spikes {
            let mut spike = serde_json::Map::new();
            for (key, f) in &s.fields {
                spike.insert((*key).to_string(), take(f));
            }
            if let Some(ws) = &s.workloads {
                spike.insert("workloads".into(), Value::from(ws.clone()));
            }
            let mut event = serde_json::Map::new();
            event.insert("spike".into(), Value::Object(spike));
            edits.push(Edit::Push { path: "events".into(), value: Value::Object(event) });
        }
        if let Some(f) = &self.growth {
            let g = take(f).as_f64().unwrap_or(1.0);
            for w in &self.workloads {
                edits.push(Edit::Multiply { path: format!("workloads.{w}.traffic.scale"), factor: g, default: 1.0 });
            }
        }
        if let Some(f) = &self.noise_cv {
            let cv = take(f);
            for w in &self.workloads {
                edits.push(Edit::Set { path: format!("workloads.{w}.traffic.noise_cv"), value: cv.clone() });
            }
        }
        (edits, drawn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(yaml: &str) -> FuturesSpec {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn distributions_parse_and_reject_bad_input() {
        assert!(matches!(Dist::parse(&json!(5), Unit::Number, "f").unwrap(), Dist::Fixed(_)));
        assert_eq!(
            Dist::parse(&json!({"uniform": ["1d", "1d2h"]}), Unit::Instant, "f").unwrap(),
            Dist::Uniform { low: 86_400_000.0, high: 93_600_000.0, absolute: false }
        );
        for (v, unit, needle) in [
            (json!({"uniform": [1]}), Unit::Number, "two bounds"),
            (json!({"uniform": [3, 1]}), Unit::Number, "above the upper bound"),
            (json!({"uniform": ["2026-07-15T00:00:00Z", "1d"]}), Unit::Instant, "mix"),
            (json!({"choice": []}), Unit::Number, "non-empty"),
            (json!({"choice": ["x"]}), Unit::Number, "not a number"),
            (json!({"normal": [1, 2]}), Unit::Number, "not a value or a distribution"),
            (json!("soon"), Unit::Instant, "neither an RFC 3339 time nor a duration"),
            (json!("5 minutes"), Unit::Duration, "not a duration"),
        ] {
            let e = Dist::parse(&v, unit, "futures.x").unwrap_err();
            assert!(e.problem.contains(needle), "{v}: {e}");
            assert!(e.fix.is_some());
            assert_eq!(e.place, Some(crate::error::Place::Field("futures.x".into())));
        }
    }

    #[test]
    fn draws_stay_in_range_and_depend_only_on_the_stream() {
        let f = Futures::parse(
            &spec(
                "spikes:\n  - {at: {uniform: [1d, 2d]}, factor: {choice: [5, 10]}, hold: {uniform: [10m, 30m]}}\ngrowth: {uniform: [1.0, 1.5]}\nnoise_cv: 0.1\n",
            ),
            vec!["api".into(), "web".into()],
        )
        .unwrap();
        assert_eq!(
            f.columns(),
            ["futures.spikes[0].at", "futures.spikes[0].factor", "futures.spikes[0].hold", "futures.growth"]
        );
        let mut seen_factors = std::collections::BTreeSet::new();
        for r in 0..40 {
            let streams = RngStreams::new(3, "sweep/t", r);
            let (edits, drawn) = f.draw(&streams);
            assert_eq!(f.draw(&streams), (edits.clone(), drawn.clone()), "same stream, same future");
            let at = parse_duration(&drawn[0]).unwrap();
            assert!((86_400_000..=172_800_000).contains(&at) && at.is_multiple_of(1000), "{}", drawn[0]);
            seen_factors.insert(drawn[1].clone());
            let hold = parse_duration(&drawn[2]).unwrap();
            assert!((600_000..=1_800_000).contains(&hold));
            let g: f64 = drawn[3].parse().unwrap();
            assert!((1.0..=1.5).contains(&g));
            // One spike pushed, growth on both workloads, noise on both.
            assert_eq!(edits.len(), 5);
            assert!(matches!(&edits[1], Edit::Multiply { factor, .. } if *factor == g));
        }
        assert_eq!(seen_factors.into_iter().collect::<Vec<_>>(), ["10", "5"]);
        let a = f.draw(&RngStreams::new(3, "sweep/t", 0)).1;
        let b = f.draw(&RngStreams::new(3, "sweep/t", 1)).1;
        assert_ne!(a, b, "replications differ");
    }

    #[test]
    fn absolute_instants_are_drawn_as_rfc3339() {
        let d = Dist::parse(&json!({"uniform": ["2026-07-15T10:00:00Z", "2026-07-15T12:00:00Z"]}), Unit::Instant, "f")
            .unwrap();
        let v = d.draw(Unit::Instant, &mut RngStreams::new(1, "t", 0).stream("x"));
        let ts: jiff::Timestamp = v.as_str().unwrap().parse().unwrap();
        assert!(ts.as_second() >= 1_784_109_600 && ts.as_second() <= 1_784_116_800, "{v}");
    }

    #[test]
    fn unknown_spike_workload_is_an_error() {
        let e =
            Futures::parse(&spec("spikes:\n  - {at: 1h, factor: 2, hold: 5m, workloads: [wbe]}\n"), vec!["web".into()])
                .unwrap_err();
        assert_eq!(e.place, Some(crate::error::Place::Field("futures.spikes[0].workloads".into())));
        assert!(e.fix.unwrap().contains("web"));
    }
}
