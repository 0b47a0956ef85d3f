//! Edits of a scenario document as a value tree: set a dotted path, append to a list, multiply a
//! number. A sweep cell is its base scenario plus a list of edits; the edited tree is then
//! validated by the same loader as `capsim run`.
//!
//! Paths are dotted: `workloads.web.traffic.scale`, `cluster.nodes.0.count` (`nodes[0]` is
//! accepted too), `events.0.spike.factor`, `duration`. Every step before the last must exist;
//! the last key of a mapping may be new (an optional field the base leaves out), and whether
//! the scenario schema knows it is then checked by the loader.

use serde_json::Value;

/// One change to a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Replace (or add) the value at `path`.
    Set { path: String, value: Value },
    /// Append `value` to the list at `path` (created if the last key is absent).
    Push { path: String, value: Value },
    /// Multiply the number at `path` by `factor`; an absent last key counts as `default`.
    Multiply { path: String, factor: f64, default: f64 },
}

impl Edit {
    pub fn path(&self) -> &str {
        match self {
            Edit::Set { path, .. } | Edit::Push { path, .. } | Edit::Multiply { path, .. } => path,
        }
    }
}

/// Why a path does not fit a document: a message and the fix, for the caller to place.
#[derive(Debug, Clone, PartialEq)]
pub struct PathError {
    pub problem: String,
    pub fix: String,
}

/// Splits `a.b[0].c` / `a.b.0.c` into its segments.
pub fn segments(path: &str) -> Result<Vec<String>, PathError> {
    let normalized = path.replace('[', ".").replace(']', "");
    let segs: Vec<String> = normalized.split('.').map(str::to_string).collect();
    if path.trim().is_empty() || segs.iter().any(|s| s.is_empty()) {
        return Err(PathError {
            problem: format!("{path:?} is not a parameter path"),
            fix: "write a dotted path into the scenario, e.g. workloads.web.traffic.scale or cluster.nodes.0.count"
                .into(),
        });
    }
    Ok(segs)
}

/// Walks to the parent of the last segment, returning it and the last segment.
fn parent_mut<'a>(doc: &'a mut Value, path: &str) -> Result<(&'a mut Value, String, String), PathError> {
    let segs = segments(path)?;
    let (last, init) = segs.split_last().expect("segments returns at least one");
    let mut here = doc;
    let mut walked = String::new();
    for seg in init {
        here = step(here, seg, &walked, path)?;
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(seg);
    }
    Ok((here, last.clone(), walked))
}

fn step<'a>(here: &'a mut Value, seg: &str, walked: &str, path: &str) -> Result<&'a mut Value, PathError> {
    let at = if walked.is_empty() { "the top level".to_string() } else { format!("`{walked}`") };
    match here {
        Value::Object(map) => {
            if !map.contains_key(seg) {
                let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                return Err(PathError {
                    problem: format!("{path}: the base scenario has no key {seg:?} at {at}"),
                    fix: format!("use one of: {}", keys.join(", ")),
                });
            }
            Ok(map.get_mut(seg).expect("checked"))
        }
        Value::Array(list) => {
            let len = list.len();
            let i = index(seg, len, &at, path)?;
            Ok(&mut list[i])
        }
        other => Err(PathError {
            problem: format!("{path}: {at} is a {}, not a mapping or list, so it has no {seg:?}", kind(other)),
            fix: format!("shorten the path to end at `{walked}`"),
        }),
    }
}

fn index(seg: &str, len: usize, at: &str, path: &str) -> Result<usize, PathError> {
    let range = if len == 0 { "the list is empty".to_string() } else { format!("use 0 to {}", len - 1) };
    match seg.parse::<usize>() {
        Ok(i) if i < len => Ok(i),
        Ok(i) => {
            Err(PathError { problem: format!("{path}: index {i} is out of range: {at} has {len} entries"), fix: range })
        }
        Err(_) => Err(PathError {
            problem: format!("{path}: {at} is a list, and {seg:?} is not an index"),
            fix: format!("write a 0-based index; {range}"),
        }),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

/// Applies one edit in place.
pub fn apply(doc: &mut Value, edit: &Edit) -> Result<(), PathError> {
    let (parent, last, walked) = parent_mut(doc, edit.path())?;
    let slot: &mut Value = match parent {
        Value::Object(map) => map.entry(last.clone()).or_insert(Value::Null),
        parent => step(parent, &last, &walked, edit.path())?,
    };
    match edit {
        Edit::Set { value, .. } => *slot = value.clone(),
        Edit::Push { value, path } => match slot {
            Value::Null => *slot = Value::Array(vec![value.clone()]),
            Value::Array(list) => list.push(value.clone()),
            other => {
                return Err(PathError {
                    problem: format!("{path} is a {}, not a list to append to", kind(other)),
                    fix: "point the path at a list such as `events`".into(),
                });
            }
        },
        Edit::Multiply { factor, default, path } => {
            let base = match slot {
                Value::Null => *default,
                Value::Number(n) => n.as_f64().unwrap_or(*default),
                other => {
                    return Err(PathError {
                        problem: format!("{path} is a {}, not a number to multiply", kind(other)),
                        fix: "point the path at a number such as workloads.web.traffic.scale".into(),
                    });
                }
            };
            *slot = number(base * factor);
        }
    }
    Ok(())
}

/// A JSON number from an f64 (non-finite values become null, which the loader rejects).
pub fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// Whether the last key of `path` exists in `doc` (an edit that adds a key the base leaves out
/// relies on the loader to know it).
pub fn exists(doc: &Value, path: &str) -> bool {
    let Ok(segs) = segments(path) else { return false };
    let mut here = doc;
    for seg in &segs {
        here = match here {
            Value::Object(m) => match m.get(seg) {
                Some(v) => v,
                None => return false,
            },
            Value::Array(l) => match seg.parse::<usize>().ok().and_then(|i| l.get(i)) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    true
}

/// A value as a short readable string: scalars as written, anything else as compact JSON.
pub fn render(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"duration": "14d", "cluster": {"nodes": [{"count": 40}]},
               "workloads": {"web": {"traffic": {"trace": "t", "scale": 500}}},
               "events": [{"spike": {"factor": 10}}]})
    }

    fn set(path: &str, value: Value) -> Edit {
        Edit::Set { path: path.into(), value }
    }

    #[test]
    fn sets_nested_keys_and_list_entries() {
        let mut d = doc();
        apply(&mut d, &set("cluster.nodes.0.count", json!(30))).unwrap();
        apply(&mut d, &set("cluster.nodes[0].pool", json!("general"))).unwrap();
        apply(&mut d, &set("events.0.spike.factor", json!(5))).unwrap();
        apply(&mut d, &set("duration", json!("2d"))).unwrap();
        apply(&mut d, &set("workloads.web.traffic.noise_cv", json!(0.1))).unwrap();
        assert_eq!(d["cluster"]["nodes"][0], json!({"count": 30, "pool": "general"}));
        assert_eq!(d["events"][0]["spike"]["factor"], json!(5));
        assert_eq!(d["duration"], json!("2d"));
        assert_eq!(d["workloads"]["web"]["traffic"]["noise_cv"], json!(0.1));
    }

    #[test]
    fn pushes_and_multiplies() {
        let mut d = doc();
        apply(&mut d, &Edit::Push { path: "events".into(), value: json!({"spike": {"factor": 3}}) }).unwrap();
        assert_eq!(d["events"].as_array().unwrap().len(), 2);
        apply(&mut d, &Edit::Push { path: "cluster.extra".into(), value: json!(1) }).unwrap();
        assert_eq!(d["cluster"]["extra"], json!([1]));
        let m = |path: &str| Edit::Multiply { path: path.into(), factor: 1.5, default: 1.0 };
        apply(&mut d, &m("workloads.web.traffic.scale")).unwrap();
        assert_eq!(d["workloads"]["web"]["traffic"]["scale"], json!(750.0));
        let mut e = json!({"traffic": {"trace": "t"}});
        apply(&mut e, &m("traffic.scale")).unwrap();
        assert_eq!(e["traffic"]["scale"], json!(1.5));
    }

    #[test]
    fn bad_paths_name_the_problem_and_the_fix() {
        let mut d = doc();
        let e = apply(&mut d, &set("workloads.wbe.traffic.scale", json!(1))).unwrap_err();
        assert!(e.problem.contains("no key \"wbe\" at `workloads`"), "{e:?}");
        assert_eq!(e.fix, "use one of: web");
        let e = apply(&mut d, &set("cluster.nodes.3.count", json!(1))).unwrap_err();
        assert!(e.problem.contains("index 3 is out of range: `cluster.nodes` has 1 entries"), "{e:?}");
        assert_eq!(e.fix, "use 0 to 0");
        let e = apply(&mut d, &set("cluster.nodes.first.count", json!(1))).unwrap_err();
        assert!(e.problem.contains("is not an index"), "{e:?}");
        let e = apply(&mut d, &set("duration.days", json!(1))).unwrap_err();
        assert!(e.problem.contains("`duration` is a string"), "{e:?}");
        let e = apply(&mut d, &set("a..b", json!(1))).unwrap_err();
        assert!(e.problem.contains("not a parameter path"), "{e:?}");
        let e = apply(&mut d, &set("events.1", json!(1))).unwrap_err();
        assert!(e.problem.contains("index 1 is out of range"), "{e:?}");
        let e = apply(&mut d, &Edit::Multiply { path: "duration".into(), factor: 2.0, default: 1.0 }).unwrap_err();
        assert!(e.problem.contains("not a number"), "{e:?}");
        // Nothing was changed by the failed edits.
        assert_eq!(d, doc());
    }

    #[test]
    fn existence_and_rendering() {
        let d = doc();
        assert!(exists(&d, "cluster.nodes.0.count"));
        assert!(!exists(&d, "cluster.nodes.1.count"));
        assert!(!exists(&d, "workloads.web.traffic.noise_cv"));
        assert_eq!(render(&json!("2d")), "2d");
        assert_eq!(render(&json!(0.5)), "0.5");
        assert_eq!(render(&json!([1, 2])), "[1,2]");
    }
}
