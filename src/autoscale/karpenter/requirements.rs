//! Label requirements as Karpenter's `pkg/scheduling` models them: each key maps to either a finite
//! set of values or the complement of one, with optional integer bounds (Gt/Lt) and `minValues`.
//! Intersection of two requirements on the same key is what narrows a NodeClaim as pods join it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::labels;

/// NodeSelector operators (Kubernetes `NodeSelectorOperator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

impl Operator {
    pub fn parse(text: &str) -> Option<Operator> {
        Some(match text {
            "In" => Operator::In,
            "NotIn" => Operator::NotIn,
            "Exists" => Operator::Exists,
            "DoesNotExist" => Operator::DoesNotExist,
            "Gt" => Operator::Gt,
            "Lt" => Operator::Lt,
            _ => return None,
        })
    }
}

/// The allowed values of one label key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    complement: bool,
    values: BTreeSet<String>,
    greater_than: Option<i64>,
    less_than: Option<i64>,
    /// Minimum number of distinct values the NodeClaim's instance types must span for this key.
    pub min_values: Option<usize>,
}

impl Requirement {
    /// Builds a requirement; for Gt/Lt the first value is the (integer) bound, a non-integer bound
    /// matches nothing (upstream validation rejects it before this point).
    pub fn new<I, S>(key: impl Into<String>, op: Operator, values: I) -> Requirement
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values: BTreeSet<String> = values.into_iter().map(Into::into).collect();
        let bound = || values.iter().next().and_then(|v| v.parse::<i64>().ok());
        let (complement, vals, gt, lt) = match op {
            Operator::In => (false, values.clone(), None, None),
            Operator::NotIn => (true, values.clone(), None, None),
            Operator::Exists => (true, BTreeSet::new(), None, None),
            Operator::DoesNotExist => (false, BTreeSet::new(), None, None),
            Operator::Gt => (true, BTreeSet::new(), Some(bound().unwrap_or(i64::MAX)), None),
            Operator::Lt => (true, BTreeSet::new(), None, Some(bound().unwrap_or(i64::MIN))),
        };
        Requirement { key: key.into(), complement, values: vals, greater_than: gt, less_than: lt, min_values: None }
    }

    pub fn with_min_values(mut self, min_values: usize) -> Requirement {
        self.min_values = Some(min_values);
        self
    }

    /// The operator this requirement is equivalent to (bounded complements report Gt/Lt).
    pub fn operator(&self) -> Operator {
        if self.complement {
            if !self.values.is_empty() {
                Operator::NotIn
            } else if self.greater_than.is_some() {
                Operator::Gt
            } else if self.less_than.is_some() {
                Operator::Lt
            } else {
                Operator::Exists
            }
        } else if self.values.is_empty() {
            Operator::DoesNotExist
        } else {
            Operator::In
        }
    }

    fn within_bounds(&self, value: &str) -> bool {
        if self.greater_than.is_none() && self.less_than.is_none() {
            return true;
        }
        let Ok(v) = value.parse::<i64>() else { return false };
        self.greater_than.is_none_or(|g| v > g) && self.less_than.is_none_or(|l| v < l)
    }

    /// Whether `value` is allowed.
    pub fn has(&self, value: &str) -> bool {
        let listed = self.values.contains(value);
        (if self.complement { !listed } else { listed }) && self.within_bounds(value)
    }

    /// Number of allowed values; complements count as "very many" like upstream's MaxInt64 − n.
    pub fn len(&self) -> usize {
        if self.complement { usize::MAX - self.values.len() } else { self.values.len() }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The explicit values (for In: the allowed ones; for NotIn: the excluded ones), sorted.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(String::as_str)
    }

    /// First allowed value of a finite set.
    pub fn any(&self) -> Option<&str> {
        if self.complement { None } else { self.values.iter().next().map(String::as_str) }
    }

    /// Whether some value is allowed by both: `!self.intersection(other).is_empty()` without
    /// building the intersection (the scheduling simulation asks this for every instance type).
    pub fn overlaps(&self, other: &Requirement) -> bool {
        let greater_than = max_opt(self.greater_than, other.greater_than);
        let less_than = min_opt(self.less_than, other.less_than);
        if let (Some(g), Some(l)) = (greater_than, less_than)
            && g >= l
        {
            return false;
        }
        let in_bounds = |v: &str| {
            if greater_than.is_none() && less_than.is_none() {
                return true;
            }
            let Ok(v) = v.parse::<i64>() else { return false };
            greater_than.is_none_or(|g| v > g) && less_than.is_none_or(|l| v < l)
        };
        match (self.complement, other.complement) {
            (true, true) => true,
            (true, false) => other.values.iter().any(|v| !self.values.contains(v) && in_bounds(v)),
            (false, true) => self.values.iter().any(|v| !other.values.contains(v) && in_bounds(v)),
            (false, false) => {
                let (small, large) =
                    if self.values.len() <= other.values.len() { (self, other) } else { (other, self) };
                small.values.iter().any(|v| large.values.contains(v) && in_bounds(v))
            }
        }
    }

    /// The set of values allowed by both (upstream `Requirement.Intersection`); minValues takes the max.
    pub fn intersection(&self, other: &Requirement) -> Requirement {
        let complement = self.complement && other.complement;
        let greater_than = max_opt(self.greater_than, other.greater_than);
        let less_than = min_opt(self.less_than, other.less_than);
        let min_values = max_opt(self.min_values, other.min_values);
        if let (Some(g), Some(l)) = (greater_than, less_than)
            && g >= l
        {
            let mut r = Requirement::new(self.key.clone(), Operator::DoesNotExist, Vec::<String>::new());
            r.min_values = min_values;
            return r;
        }
        let values: BTreeSet<String> = match (self.complement, other.complement) {
            (true, true) => self.values.union(&other.values).cloned().collect(),
            (true, false) => other.values.difference(&self.values).cloned().collect(),
            (false, true) => self.values.difference(&other.values).cloned().collect(),
            (false, false) => self.values.intersection(&other.values).cloned().collect(),
        };
        let mut r = Requirement { key: self.key.clone(), complement, values, greater_than, less_than, min_values };
        let kept: BTreeSet<String> = r.values.iter().filter(|v| r.within_bounds(v)).cloned().collect();
        r.values = kept;
        if !complement {
            r.greater_than = None;
            r.less_than = None;
        }
        r
    }
}

fn max_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn min_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A set of requirements keyed by label (ordered map: deterministic iteration). Shared and
/// copied on write: pods, NodeClaims and instance types hold many copies of few distinct sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    map: Arc<BTreeMap<String, Requirement>>,
}

impl Requirements {
    pub fn new() -> Requirements {
        Requirements::default()
    }

    pub fn from_reqs(reqs: impl IntoIterator<Item = Requirement>) -> Requirements {
        let mut r = Requirements::new();
        for req in reqs {
            r.add(req);
        }
        r
    }

    /// Each label becomes `key In [value]` (how node labels and offerings are compared).
    pub fn from_labels<'a>(labels: impl IntoIterator<Item = (&'a String, &'a String)>) -> Requirements {
        Requirements::from_reqs(labels.into_iter().map(|(k, v)| Requirement::new(k.clone(), Operator::In, [v.clone()])))
    }

    /// Adds a requirement, intersecting with any existing one on the same key.
    pub fn add(&mut self, req: Requirement) {
        let merged = match self.map.get(&req.key) {
            Some(existing) => existing.intersection(&req),
            None => req,
        };
        Arc::make_mut(&mut self.map).insert(merged.key.clone(), merged);
    }

    pub fn add_all(&mut self, other: &Requirements) {
        for req in other.iter() {
            self.add(req.clone());
        }
    }

    pub fn has_key(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The requirement on `key`; an absent key allows anything (`Exists`-like, upstream `Get`).
    pub fn get(&self, key: &str) -> Requirement {
        self.map.get(key).cloned().unwrap_or_else(|| Requirement::new(key, Operator::Exists, Vec::<String>::new()))
    }

    pub fn get_ref(&self, key: &str) -> Option<&Requirement> {
        self.map.get(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Requirement> {
        self.map.values()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Keys present in both must share at least one value, unless both sides only exclude values
    /// (NotIn/DoesNotExist). Upstream `Requirements.Intersects`.
    pub fn intersects(&self, other: &Requirements) -> Result<(), String> {
        if self.intersects_ok(other) {
            return Ok(());
        }
        for (key, existing) in self.map.iter() {
            let Some(incoming) = other.map.get(key) else { continue };
            if existing.intersection(incoming).is_empty() {
                let excl = |op| matches!(op, Operator::NotIn | Operator::DoesNotExist);
                if excl(incoming.operator()) && excl(existing.operator()) {
                    continue;
                }
                return Err(format!("key {key}, {} not in {}", describe(incoming), describe(existing)));
            }
        }
        Ok(())
    }

    /// [`Requirements::intersects`] without the message (no allocation).
    pub fn intersects_ok(&self, other: &Requirements) -> bool {
        let (small, large) = if self.map.len() <= other.map.len() { (self, other) } else { (other, self) };
        small.map.iter().all(|(key, a)| {
            let Some(b) = large.map.get(key) else { return true };
            if a.overlaps(b) {
                return true;
            }
            let excl = |op| matches!(op, Operator::NotIn | Operator::DoesNotExist);
            excl(a.operator()) && excl(b.operator())
        })
    }

    /// `other` can loosely be met by `self`: keys `other` requires but `self` does not define are
    /// only allowed for well-known labels (or when `other` merely excludes values). Upstream
    /// `Requirements.Compatible(..., AllowUndefinedWellKnownLabels)` when `allow_undefined_well_known`.
    pub fn compatible(&self, other: &Requirements, allow_undefined_well_known: bool) -> Result<(), String> {
        for (key, req) in other.map.iter() {
            if self.map.contains_key(key) {
                continue;
            }
            if matches!(req.operator(), Operator::NotIn | Operator::DoesNotExist) {
                continue;
            }
            if allow_undefined_well_known && labels::is_well_known(key) {
                continue;
            }
            return Err(format!("label {key:?} does not have known values"));
        }
        self.intersects(other)
    }

    /// `self` allows every label in `labels` (each label value allowed) — used for existing nodes.
    pub fn matches_labels(&self, labels: &BTreeMap<String, String>) -> bool {
        self.map.iter().all(|(k, r)| match labels.get(k) {
            Some(v) => r.has(v),
            None => matches!(r.operator(), Operator::NotIn | Operator::DoesNotExist),
        })
    }
}

fn describe(r: &Requirement) -> String {
    let vals: Vec<&str> = r.values().collect();
    format!("{:?} {:?}", r.operator(), vals)
}
