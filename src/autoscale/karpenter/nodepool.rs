//! `karpenter.sh/v1` NodePool: the spec types, parsing from real YAML, upstream defaults and
//! validation (CEL/webhook rules that matter for simulation). Unmodelled fields become warnings
//! so a real manifest loads without silently dropping intent.

use std::collections::BTreeMap;

use serde_json::Value;

use super::disruption::budgets::{Budget, Reason};
use super::disruption::cron::Cron;
use super::labels;
use super::requirements::{Operator, Requirement, Requirements};
use crate::error::Error;
use crate::model::units::{parse_duration, parse_quantity};

/// Default `expireAfter` (720h).
pub const DEFAULT_EXPIRE_AFTER_MS: u64 = 720 * 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsolidationPolicy {
    WhenEmpty,
    WhenEmptyOrUnderutilized,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: Option<String>,
    pub effect: TaintEffect,
}

/// Pod toleration (operator `Equal` when `value` is set, else `Exists`; `None` key + Exists tolerates all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    pub key: Option<String>,
    pub value: Option<String>,
    pub effect: Option<TaintEffect>,
}

impl Toleration {
    pub fn tolerates(&self, t: &Taint) -> bool {
        if self.effect.is_some_and(|e| e != t.effect) {
            return false;
        }
        match &self.key {
            None => true,
            Some(k) if *k != t.key => false,
            Some(_) => self.value.is_none() || self.value == t.value,
        }
    }
}

/// Whether the taints block a pod with these tolerations (PreferNoSchedule never blocks).
pub fn tolerates_all(taints: &[Taint], tolerations: &[Toleration]) -> bool {
    taints
        .iter()
        .filter(|t| t.effect != TaintEffect::PreferNoSchedule)
        .all(|t| tolerations.iter().any(|tol| tol.tolerates(t)))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeClassRef {
    pub group: String,
    pub kind: String,
    pub name: String,
}

/// `spec.limits`: caps over the sum of the pool's NodeClaim capacities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub cpu_milli: Option<u64>,
    pub memory: Option<u64>,
    pub nodes: Option<u64>,
}

/// A NodePool with defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct NodePool {
    pub name: String,
    /// Higher first; nil = 0.
    pub weight: i32,
    pub requirements: Requirements,
    /// `spec.template.metadata.labels` (become `In` requirements).
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    pub startup_taints: Vec<Taint>,
    /// `None` = Never.
    pub expire_after_ms: Option<u64>,
    pub termination_grace_period_ms: Option<u64>,
    pub node_class_ref: Option<NodeClassRef>,
    pub consolidation_policy: ConsolidationPolicy,
    /// `None` = Never (disables consolidation, emptiness too).
    pub consolidate_after_ms: Option<u64>,
    pub budgets: Vec<Budget>,
    pub limits: Limits,
}

/// A non-fatal note about the input (e.g. an unmodelled field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub field: String,
    pub message: String,
}

impl NodePool {
    /// A pool with upstream defaults: WhenEmptyOrUnderutilized, consolidateAfter 0s,
    /// budgets `[{nodes: 10%}]`, expireAfter 720h, weight 0, no requirements.
    pub fn new(name: &str) -> NodePool {
        NodePool {
            name: name.to_string(),
            weight: 0,
            requirements: Requirements::new(),
            labels: BTreeMap::new(),
            taints: Vec::new(),
            startup_taints: Vec::new(),
            expire_after_ms: Some(DEFAULT_EXPIRE_AFTER_MS),
            termination_grace_period_ms: None,
            node_class_ref: None,
            consolidation_policy: ConsolidationPolicy::WhenEmptyOrUnderutilized,
            consolidate_after_ms: Some(0),
            budgets: vec![Budget::nodes("10%")],
            limits: Limits::default(),
        }
    }

    pub fn with_requirement(mut self, req: Requirement) -> NodePool {
        self.requirements.add(req);
        self
    }

    pub fn with_weight(mut self, weight: i32) -> NodePool {
        self.weight = weight;
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> NodePool {
        self.limits = limits;
        self
    }

    pub fn with_budgets(mut self, budgets: Vec<Budget>) -> NodePool {
        self.budgets = budgets;
        self
    }

    pub fn with_taint(mut self, taint: Taint) -> NodePool {
        self.taints.push(taint);
        self
    }

    /// Requirements of a NodeClaim from this pool: spec requirements + template labels + the pool label.
    pub fn template_requirements(&self) -> Requirements {
        let mut r = self.requirements.clone();
        for (k, v) in &self.labels {
            r.add(Requirement::new(k.clone(), Operator::In, [v.clone()]));
        }
        r.add(Requirement::new(labels::NODEPOOL, Operator::In, [self.name.clone()]));
        r
    }

    /// Allowed disruptions for `reason` over `num_nodes` at `now_ms` (Unix ms), [`UNLIMITED`](super::disruption::budgets::UNLIMITED) if none apply.
    pub fn allowed_disruptions_by_reason(&self, now_ms: i64, num_nodes: u32, reason: Reason) -> (u32, Vec<String>) {
        super::disruption::budgets::allowed_disruptions_by_reason(&self.budgets, now_ms, num_nodes, reason)
    }

    /// Checks rules upstream enforces at admission that the typed form can still violate.
    pub fn validate(&self) -> Result<(), Error> {
        if !(0..=100).contains(&self.weight) {
            return Err(Error::new(format!("weight {} must be between 1 and 100", self.weight))
                .at_field("spec.weight")
                .fix("use a weight from 1 to 100, or omit it"));
        }
        for (i, r) in self.requirements.iter().enumerate() {
            let at = |e: Error| e.at_field(format!("spec.template.spec.requirements[{i}]"));
            if labels::is_restricted(&r.key) {
                return Err(at(Error::new(format!("label {:?} is restricted", r.key)).at_field("key")));
            }
            if let Some(mv) = r.min_values {
                if !(1..=50).contains(&mv) {
                    return Err(at(Error::new("minValues must be between 1 and 50").at_field("minValues")));
                }
                if r.operator() == Operator::In && r.values().count() < mv {
                    return Err(at(Error::new(format!(
                        "minValues {mv} is larger than the number of values ({})",
                        r.values().count()
                    ))
                    .at_field("minValues")));
                }
            }
        }
        if self.budgets.len() > 50 {
            return Err(Error::new("at most 50 budgets").at_field("spec.disruption.budgets"));
        }
        for (i, b) in self.budgets.iter().enumerate() {
            let at = |e: Error| e.at_field(format!("spec.disruption.budgets[{i}]"));
            if !valid_budget_nodes(&b.nodes) {
                return Err(at(Error::new(format!("nodes {:?} must be a count or a percentage 0–100%", b.nodes))
                    .at_field("nodes")
                    .fix("write e.g. \"10%\" or \"5\"")));
            }
            if b.schedule.is_some() != b.duration_ms.is_some() {
                return Err(at(Error::new("schedule and duration must be set together").at_field("schedule")));
            }
            if let Some(s) = &b.schedule {
                Cron::parse(s).map_err(|e| at(Error::new(format!("invalid cron: {e}")).at_field("schedule")))?;
            }
        }
        Ok(())
    }

    /// Parses one NodePool manifest (YAML), applies defaults, validates. Unknown/unmodelled fields
    /// come back as warnings.
    pub fn from_yaml(text: &str) -> Result<(NodePool, Vec<Warning>), Error> {
        let value: Value = serde_saphyr::from_str(text)
            .map_err(|e| Error::new(format!("invalid NodePool YAML: {e}")).fix("check the YAML syntax"))?;
        let mut p = Parser { warnings: Vec::new() };
        let np = p.nodepool(&value)?;
        np.validate()?;
        Ok((np, p.warnings))
    }
}

fn valid_budget_nodes(nodes: &str) -> bool {
    if !nodes.is_empty() && nodes.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    nodes.strip_suffix('%').is_some_and(|p| {
        !p.is_empty()
            && p.len() <= 3
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|v| v <= 100)
    })
}

struct Parser {
    warnings: Vec<Warning>,
}

fn err(path: &str, msg: impl Into<String>) -> Error {
    Error::new(msg).at_field(path.to_string())
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Parser {
    fn object<'a>(
        &mut self,
        v: &'a Value,
        path: &str,
        known: &[&str],
    ) -> Result<&'a serde_json::Map<String, Value>, Error> {
        let m = v.as_object().ok_or_else(|| err(path, "expected a mapping"))?;
        for k in m.keys() {
            if !known.contains(&k.as_str()) {
                let field = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                self.warnings
                    .push(Warning { field, message: "field is not modelled by the simulator; ignored".into() });
            }
        }
        Ok(m)
    }

    fn string(&self, v: &Value, path: &str) -> Result<String, Error> {
        scalar_string(v).ok_or_else(|| err(path, "expected a string"))
    }

    fn duration_or_never(&self, v: &Value, path: &str) -> Result<Option<u64>, Error> {
        let s = self.string(v, path)?;
        if s == "Never" {
            return Ok(None);
        }
        parse_duration(&s).map(Some).map_err(|e| e.at_field(path.to_string()))
    }

    fn nodepool(&mut self, v: &Value) -> Result<NodePool, Error> {
        let top = self.object(v, "", &["apiVersion", "kind", "metadata", "spec", "status"])?;
        if let Some(api) = top.get("apiVersion").and_then(Value::as_str)
            && api != "karpenter.sh/v1"
        {
            return Err(err("apiVersion", format!("unsupported apiVersion {api:?}")).fix("use karpenter.sh/v1"));
        }
        if let Some(kind) = top.get("kind").and_then(Value::as_str)
            && kind != "NodePool"
        {
            return Err(err("kind", format!("expected kind NodePool, got {kind:?}")));
        }
        let name = top
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .ok_or_else(|| err("metadata.name", "a NodePool needs a name"))?;
        let mut np = NodePool::new(name);
        let Some(spec) = top.get("spec") else { return Ok(np) };
        let spec = self.object(spec, "spec", &["template", "disruption", "limits", "weight", "replicas"])?;
        if spec.contains_key("replicas") {
            self.warnings.push(Warning {
                field: "spec.replicas".into(),
                message: "static-capacity NodePools (feature gate StaticCapacity, off by default) are not modelled"
                    .into(),
            });
        }
        if let Some(w) = spec.get("weight") {
            np.weight = w
                .as_i64()
                .and_then(|w| i32::try_from(w).ok())
                .ok_or_else(|| err("spec.weight", "expected an integer"))?;
            if !(1..=100).contains(&np.weight) {
                return Err(err("spec.weight", format!("weight {} must be between 1 and 100", np.weight)));
            }
        }
        if let Some(t) = spec.get("template") {
            self.template(t, &mut np)?;
        }
        if let Some(d) = spec.get("disruption") {
            self.disruption(d, &mut np)?;
        }
        if let Some(l) = spec.get("limits") {
            let lm = self.object(l, "spec.limits", &["cpu", "memory", "nodes"])?;
            let q = |k: &str| -> Result<Option<f64>, Error> {
                match lm.get(k) {
                    None => Ok(None),
                    Some(v) => {
                        let s =
                            scalar_string(v).ok_or_else(|| err(&format!("spec.limits.{k}"), "expected a quantity"))?;
                        parse_quantity(&s).map(Some).map_err(|e| e.at_field(format!("spec.limits.{k}")))
                    }
                }
            };
            np.limits = Limits {
                cpu_milli: q("cpu")?.map(|c| (c * 1000.0).round() as u64),
                memory: q("memory")?.map(|m| m.round() as u64),
                nodes: q("nodes")?.map(|n| n.round() as u64),
            };
        }
        Ok(np)
    }

    fn template(&mut self, v: &Value, np: &mut NodePool) -> Result<(), Error> {
        let t = self.object(v, "spec.template", &["metadata", "spec"])?;
        if let Some(md) = t.get("metadata") {
            let md = self.object(md, "spec.template.metadata", &["labels", "annotations"])?;
            if let Some(l) = md.get("labels").and_then(Value::as_object) {
                for (k, v) in l {
                    np.labels.insert(k.clone(), self.string(v, &format!("spec.template.metadata.labels.{k}"))?);
                }
            }
        }
        let Some(s) = t.get("spec") else { return Ok(()) };
        let base = "spec.template.spec";
        let s = self.object(
            s,
            base,
            &["requirements", "taints", "startupTaints", "expireAfter", "terminationGracePeriod", "nodeClassRef"],
        )?;
        if let Some(reqs) = s.get("requirements") {
            let arr = reqs.as_array().ok_or_else(|| err(&format!("{base}.requirements"), "expected a list"))?;
            for (i, r) in arr.iter().enumerate() {
                let path = format!("{base}.requirements[{i}]");
                let req = self.requirement(r, &path)?;
                np.requirements.add(req);
            }
        }
        np.taints = self.taints(s.get("taints"), &format!("{base}.taints"))?;
        np.startup_taints = self.taints(s.get("startupTaints"), &format!("{base}.startupTaints"))?;
        if let Some(e) = s.get("expireAfter") {
            np.expire_after_ms = self.duration_or_never(e, &format!("{base}.expireAfter"))?;
        }
        if let Some(g) = s.get("terminationGracePeriod") {
            np.termination_grace_period_ms = self.duration_or_never(g, &format!("{base}.terminationGracePeriod"))?;
        }
        match s.get("nodeClassRef") {
            Some(r) => {
                let path = format!("{base}.nodeClassRef");
                let m = self.object(r, &path, &["group", "kind", "name"])?;
                let get = |k: &str| {
                    m.get(k)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| err(&format!("{path}.{k}"), format!("nodeClassRef.{k} is required")))
                };
                np.node_class_ref = Some(NodeClassRef { group: get("group")?, kind: get("kind")?, name: get("name")? });
            }
            None => self.warnings.push(Warning {
                field: format!("{base}.nodeClassRef"),
                message: "nodeClassRef is required by karpenter.sh/v1; the simulator does not need it".into(),
            }),
        }
        Ok(())
    }

    fn requirement(&mut self, v: &Value, path: &str) -> Result<Requirement, Error> {
        let m = self.object(v, path, &["key", "operator", "values", "minValues"])?;
        let key = m
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| err(&format!("{path}.key"), "key is required"))?
            .to_string();
        if labels::is_restricted(&key) {
            return Err(err(&format!("{path}.key"), format!("label {key:?} is restricted"))
                .fix("select the pool with weights or pod nodeSelectors instead"));
        }
        let op_text = m.get("operator").and_then(Value::as_str).unwrap_or("");
        let op = Operator::parse(op_text).ok_or_else(|| {
            err(&format!("{path}.operator"), format!("unsupported operator {op_text:?}"))
                .fix("use In, NotIn, Exists, DoesNotExist, Gt or Lt")
        })?;
        let mut values = Vec::new();
        if let Some(vs) = m.get("values") {
            let arr = vs.as_array().ok_or_else(|| err(&format!("{path}.values"), "expected a list"))?;
            for (j, x) in arr.iter().enumerate() {
                values.push(self.string(x, &format!("{path}.values[{j}]"))?);
            }
        }
        match op {
            Operator::In if values.is_empty() => {
                return Err(err(
                    &format!("{path}.values"),
                    "requirements with operator 'In' must have a value defined",
                ));
            }
            Operator::Gt | Operator::Lt if values.len() != 1 || values[0].parse::<i64>().map_or(true, |v| v < 0) => {
                return Err(err(
                    &format!("{path}.values"),
                    "requirements with 'Gt' or 'Lt' operator must have a single positive integer value",
                ));
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                return Err(err(
                    &format!("{path}.values"),
                    "requirements with operator 'Exists' or 'DoesNotExist' must not have values",
                ));
            }
            _ => {}
        }
        let mut req = Requirement::new(key, op, values.clone());
        if let Some(mv) = m.get("minValues") {
            let mv = mv.as_u64().ok_or_else(|| err(&format!("{path}.minValues"), "expected an integer"))? as usize;
            if !(1..=50).contains(&mv) {
                return Err(err(&format!("{path}.minValues"), "minValues must be between 1 and 50"));
            }
            if op == Operator::In && values.len() < mv {
                return Err(err(
                    &format!("{path}.minValues"),
                    format!("minValues {mv} must be less than or equal to the number of values ({})", values.len()),
                ));
            }
            req = req.with_min_values(mv);
        }
        Ok(req)
    }

    fn taints(&mut self, v: Option<&Value>, path: &str) -> Result<Vec<Taint>, Error> {
        let Some(v) = v else { return Ok(Vec::new()) };
        let arr = v.as_array().ok_or_else(|| err(path, "expected a list"))?;
        let mut out = Vec::new();
        for (i, t) in arr.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let m = self.object(t, &p, &["key", "value", "effect", "timeAdded"])?;
            let key =
                m.get("key").and_then(Value::as_str).ok_or_else(|| err(&format!("{p}.key"), "key is required"))?;
            let effect = match m.get("effect").and_then(Value::as_str) {
                Some("NoSchedule") => TaintEffect::NoSchedule,
                Some("PreferNoSchedule") => TaintEffect::PreferNoSchedule,
                Some("NoExecute") => TaintEffect::NoExecute,
                other => {
                    return Err(err(&format!("{p}.effect"), format!("invalid taint effect {other:?}"))
                        .fix("use NoSchedule, PreferNoSchedule or NoExecute"));
                }
            };
            let value = m.get("value").and_then(scalar_string);
            out.push(Taint { key: key.to_string(), value, effect });
        }
        Ok(out)
    }

    fn disruption(&mut self, v: &Value, np: &mut NodePool) -> Result<(), Error> {
        let base = "spec.disruption";
        let d = self.object(v, base, &["consolidationPolicy", "consolidateAfter", "budgets"])?;
        if let Some(p) = d.get("consolidationPolicy") {
            np.consolidation_policy = match p.as_str() {
                Some("WhenEmpty") => ConsolidationPolicy::WhenEmpty,
                Some("WhenEmptyOrUnderutilized") => ConsolidationPolicy::WhenEmptyOrUnderutilized,
                other => {
                    return Err(err(&format!("{base}.consolidationPolicy"), format!("unsupported policy {other:?}"))
                        .fix("use WhenEmpty or WhenEmptyOrUnderutilized"));
                }
            };
        }
        if let Some(a) = d.get("consolidateAfter") {
            np.consolidate_after_ms = self.duration_or_never(a, &format!("{base}.consolidateAfter"))?;
        }
        if let Some(b) = d.get("budgets") {
            let arr = b.as_array().ok_or_else(|| err(&format!("{base}.budgets"), "expected a list"))?;
            let mut budgets = Vec::new();
            for (i, bv) in arr.iter().enumerate() {
                let p = format!("{base}.budgets[{i}]");
                let m = self.object(bv, &p, &["nodes", "schedule", "duration", "reasons"])?;
                let nodes = m
                    .get("nodes")
                    .and_then(scalar_string)
                    .ok_or_else(|| err(&format!("{p}.nodes"), "nodes is required"))?;
                let schedule = m.get("schedule").map(|s| self.string(s, &format!("{p}.schedule"))).transpose()?;
                let duration_ms = match m.get("duration") {
                    Some(s) => {
                        let text = self.string(s, &format!("{p}.duration"))?;
                        Some(parse_duration(&text).map_err(|e| e.at_field(format!("{p}.duration")))?)
                    }
                    None => None,
                };
                let mut reasons = Vec::new();
                if let Some(rs) = m.get("reasons").and_then(Value::as_array) {
                    for (j, r) in rs.iter().enumerate() {
                        let text = r.as_str().unwrap_or("");
                        reasons.push(Reason::parse(text).ok_or_else(|| {
                            err(&format!("{p}.reasons[{j}]"), format!("unknown reason {text:?}"))
                                .fix("use Underutilized, Empty or Drifted")
                        })?);
                    }
                }
                budgets.push(Budget { nodes, schedule, duration_ms, reasons });
            }
            np.budgets = budgets;
        }
        Ok(())
    }
}
