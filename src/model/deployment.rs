//! Kubernetes manifests: Deployments (apps/v1) from multi-document files. Fields capsim does
//! not need are accepted and ignored; the ones it reads are validated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::units::parse_quantity;
use super::yaml::{Document, at_span, from_document, read_text, split_documents};
use crate::error::{Error, Result};

/// CPU (cores) and memory (bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Resources {
    pub cpu: f64,
    pub memory: f64,
}

impl Resources {
    pub fn add(&self, other: &Resources) -> Resources {
        Resources { cpu: self.cpu + other.cpu, memory: self.memory + other.memory }
    }
}

/// A Deployment as capsim uses it: name, replicas and per-pod requests and limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub name: String,
    pub namespace: String,
    pub replicas: u32,
    /// Sum over the pod's containers.
    pub requests: Resources,
    pub limits: Resources,
    /// Per container: name and requests (the HPA's ContainerResource metrics need them).
    pub containers: Vec<(String, Resources)>,
    /// `terminationGracePeriodSeconds`, in milliseconds (Kubernetes default 30 s).
    pub termination_grace_ms: u64,
    pub labels: BTreeMap<String, String>,
    /// Where its pods may run: nodeSelector, tolerations, required node affinity.
    pub placement: Placement,
    /// `priorityClassName`, if set.
    pub priority_class: Option<String>,
    /// The pod priority its PriorityClass gives (0 without one and without a global default).
    pub priority: i32,
    /// Where it was read from, for messages.
    pub source: PathBuf,
}

/// The pod template's placement constraints, as the scheduler reads them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Placement {
    #[serde(rename = "nodeSelector", default)]
    pub node_selector: BTreeMap<String, String>,
    #[serde(default)]
    pub tolerations: Vec<TolerationSpec>,
    /// `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`:
    /// terms are ORed, expressions within a term ANDed.
    #[serde(skip)]
    pub required_terms: Vec<Vec<MatchExpression>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TolerationSpec {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub operator: Option<String>,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub effect: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MatchExpression {
    pub key: String,
    pub operator: String,
    #[serde(default)]
    pub values: Vec<String>,
}

#[derive(Deserialize, Default)]
struct Affinity {
    #[serde(rename = "nodeAffinity", default)]
    node_affinity: Option<NodeAffinity>,
}

#[derive(Deserialize, Default)]
struct NodeAffinity {
    #[serde(rename = "requiredDuringSchedulingIgnoredDuringExecution", default)]
    required: Option<NodeSelectorSpec>,
}

#[derive(Deserialize, Default)]
struct NodeSelectorSpec {
    #[serde(rename = "nodeSelectorTerms", default)]
    terms: Vec<NodeSelectorTermSpec>,
}

#[derive(Deserialize, Default)]
struct NodeSelectorTermSpec {
    #[serde(rename = "matchExpressions", default)]
    match_expressions: Vec<MatchExpression>,
}

/// Another object found beside the Deployments (kept for `capsim validate`'s listing).
#[derive(Debug, Clone, PartialEq)]
pub struct OtherObject {
    pub kind: String,
    pub name: String,
    pub source: PathBuf,
    /// The document, for controllers that parse their own kinds.
    pub text: String,
    pub line_offset: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Manifests {
    pub deployments: Vec<Deployment>,
    /// DaemonSets, read like Deployments (`replicas` is 0): one pod on every node they fit.
    pub daemonsets: Vec<Deployment>,
    pub others: Vec<OtherObject>,
}

#[derive(Deserialize)]
struct TypeMeta {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
    #[serde(default)]
    metadata: Meta,
}

#[derive(Deserialize, Default)]
struct Meta {
    name: Option<String>,
    namespace: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct DeploymentDoc {
    #[serde(default)]
    spec: Option<DeploymentSpec>,
}

#[derive(Deserialize)]
struct DeploymentSpec {
    replicas: Option<i64>,
    template: PodTemplate,
}

#[derive(Deserialize)]
struct PodTemplate {
    spec: PodSpec,
}

#[derive(Deserialize)]
struct PodSpec {
    #[serde(default)]
    containers: Vec<Container>,
    #[serde(rename = "terminationGracePeriodSeconds", default)]
    termination_grace_period_seconds: Option<u64>,
    #[serde(rename = "nodeSelector", default)]
    node_selector: BTreeMap<String, String>,
    #[serde(default)]
    tolerations: Vec<TolerationSpec>,
    #[serde(default)]
    affinity: Option<Affinity>,
    #[serde(rename = "priorityClassName", default)]
    priority_class_name: Option<String>,
}

/// `scheduling.k8s.io/v1` PriorityClass: the priority its pods get.
#[derive(Deserialize)]
struct PriorityClassDoc {
    value: Option<i64>,
    #[serde(rename = "globalDefault", default)]
    global_default: bool,
}

#[derive(Deserialize)]
struct Container {
    name: Option<String>,
    #[serde(default)]
    resources: ContainerResources,
}

#[derive(Deserialize, Default)]
struct ContainerResources {
    #[serde(default)]
    requests: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    limits: BTreeMap<String, Spanned<String>>,
}

/// Reads every manifest file in `paths` (files, or folders whose `*.yaml`/`*.yml` files are
/// read in name order).
pub fn load_manifests(paths: &[PathBuf]) -> Result<Manifests> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| Error::io(p, &e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| matches!(f.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")))
                .collect();
            entries.sort();
            files.extend(entries);
        } else {
            files.push(p.clone());
        }
    }
    let mut out = Manifests::default();
    for file in files {
        let text = read_text(&file)?;
        for doc in split_documents(&text) {
            load_document(&file, &doc, &mut out)?;
        }
    }
    resolve_priorities(&mut out)?;
    let mut seen = BTreeMap::new();
    for d in &out.deployments {
        if let Some(first) = seen.insert((d.namespace.clone(), d.name.clone()), d.source.clone()) {
            return Err(Error::new(format!("Deployment {:?} is defined twice (also in {})", d.name, first.display()))
                .in_file(&d.source)
                .fix("keep one definition per Deployment name and namespace"));
        }
    }
    Ok(out)
}

/// Gives every Deployment and DaemonSet the priority of its PriorityClass (or of the global
/// default class), as the Priority admission plugin does.
fn resolve_priorities(out: &mut Manifests) -> Result<()> {
    let mut classes: BTreeMap<String, i32> = BTreeMap::new();
    let mut default = 0;
    for o in out.others.iter().filter(|o| o.kind == "PriorityClass") {
        let doc = Document { text: &o.text, line_offset: o.line_offset };
        let pc: PriorityClassDoc = from_document(&o.source, &doc)?;
        let value = pc.value.ok_or_else(|| {
            Error::new(format!("PriorityClass {:?} has no value", o.name))
                .in_file(&o.source)
                .at_field("value")
                .fix("set value: an integer up to 1000000000 (negative for placeholder pods)")
        })?;
        let value = i32::try_from(value).ok().filter(|v| *v <= 1_000_000_000).ok_or_else(|| {
            Error::new(format!("PriorityClass {:?}: value {value} is out of range", o.name))
                .in_file(&o.source)
                .at_field("value")
                .fix("user classes take values up to 1000000000")
        })?;
        if pc.global_default {
            default = value;
        }
        classes.insert(o.name.clone(), value);
    }
    for d in out.deployments.iter_mut().chain(out.daemonsets.iter_mut()) {
        d.priority = match &d.priority_class {
            None => default,
            // The built-in classes of every cluster.
            Some(c) if c == "system-cluster-critical" => 2_000_000_000,
            Some(c) if c == "system-node-critical" => 2_000_001_000,
            Some(c) => *classes.get(c).ok_or_else(|| {
                Error::new(format!("{:?} names PriorityClass {c:?}, which is not in the manifests", d.name))
                    .in_file(&d.source)
                    .at_field("spec.template.spec.priorityClassName")
                    .fix("add the PriorityClass to a manifest folder, or remove priorityClassName")
            })?,
        };
    }
    Ok(())
}

fn load_document(file: &Path, doc: &Document<'_>, out: &mut Manifests) -> Result<()> {
    let meta: TypeMeta = from_document(file, doc)?;
    let missing = |what: &str| {
        Error::new(format!("a manifest without `{what}`"))
            .in_file(file)
            .at_line(doc.line_offset + 1, None)
            .fix("every Kubernetes object needs apiVersion, kind and metadata.name")
    };
    let kind = meta.kind.ok_or_else(|| missing("kind"))?;
    meta.api_version.ok_or_else(|| missing("apiVersion"))?;
    let name = meta.metadata.name.ok_or_else(|| missing("metadata.name"))?;
    if kind != "Deployment" && kind != "DaemonSet" {
        out.others.push(OtherObject {
            kind,
            name,
            source: file.to_path_buf(),
            text: doc.text.to_string(),
            line_offset: doc.line_offset,
        });
        return Ok(());
    }
    let parsed: DeploymentDoc = from_document(file, doc)?;
    let spec = parsed.spec.ok_or_else(|| missing("spec"))?;
    let replicas = match spec.replicas {
        _ if kind == "DaemonSet" => 0,
        None => 1,
        Some(r) if (0..=1_000_000).contains(&r) => r as u32,
        Some(r) => {
            return Err(Error::new(format!("replicas {r} is out of range"))
                .in_file(file)
                .at_field("spec.replicas")
                .fix("set replicas to a whole number between 0 and 1000000"));
        }
    };
    if spec.template.spec.containers.is_empty() {
        return Err(Error::new(format!("Deployment {name:?} has no containers"))
            .in_file(file)
            .at_field("spec.template.spec.containers")
            .fix("list at least one container"));
    }
    let mut requests = Resources::default();
    let mut limits = Resources::default();
    let mut containers = Vec::new();
    for (i, c) in spec.template.spec.containers.iter().enumerate() {
        let base = format!("spec.template.spec.containers[{i}].resources");
        let r = read_resources(file, doc, &c.resources.requests, &format!("{base}.requests"))?;
        requests = requests.add(&r);
        limits = limits.add(&read_resources(file, doc, &c.resources.limits, &format!("{base}.limits"))?);
        containers.push((c.name.clone().unwrap_or_else(|| format!("container-{i}")), r));
    }
    let target = if kind == "DaemonSet" { &mut out.daemonsets } else { &mut out.deployments };
    target.push(Deployment {
        name,
        namespace: meta.metadata.namespace.unwrap_or_else(|| "default".into()),
        replicas,
        requests,
        limits,
        containers,
        termination_grace_ms: spec.template.spec.termination_grace_period_seconds.unwrap_or(30) * 1000,
        placement: placement(file, &spec.template.spec)?,
        labels: meta.metadata.labels,
        priority_class: spec.template.spec.priority_class_name.clone(),
        priority: 0,
        source: file.to_path_buf(),
    });
    Ok(())
}

fn read_resources(
    file: &Path,
    doc: &Document<'_>,
    map: &BTreeMap<String, Spanned<String>>,
    field: &str,
) -> Result<Resources> {
    let mut r = Resources::default();
    for (key, value) in map {
        let q = parse_quantity(&value.value)
            .map_err(|e| at_span(e, file, value, doc.line_offset).at_field(format!("{field}.{key}")))?;
        match key.as_str() {
            "cpu" => r.cpu = q,
            "memory" => r.memory = q,
            _ => {}
        }
    }
    Ok(r)
}

const TOLERATION_OPERATORS: [&str; 2] = ["Equal", "Exists"];
const EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const NODE_OPERATORS: [&str; 6] = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];

/// Reads and checks the pod template's placement constraints.
fn placement(file: &Path, spec: &PodSpec) -> Result<Placement> {
    let bad = |field: String, value: &str, allowed: &[&str]| {
        Error::new(format!("{value:?} is not valid here"))
            .in_file(file)
            .at_field(field)
            .fix(format!("use one of: {}", allowed.join(", ")))
    };
    for (i, t) in spec.tolerations.iter().enumerate() {
        let base = format!("spec.template.spec.tolerations[{i}]");
        if let Some(op) = &t.operator
            && !TOLERATION_OPERATORS.contains(&op.as_str())
        {
            return Err(bad(format!("{base}.operator"), op, &TOLERATION_OPERATORS));
        }
        if let Some(e) = &t.effect
            && !e.is_empty()
            && !EFFECTS.contains(&e.as_str())
        {
            return Err(bad(format!("{base}.effect"), e, &EFFECTS));
        }
    }
    let mut required_terms = Vec::new();
    if let Some(required) =
        spec.affinity.as_ref().and_then(|a| a.node_affinity.as_ref()).and_then(|n| n.required.as_ref())
    {
        for (i, term) in required.terms.iter().enumerate() {
            for (j, e) in term.match_expressions.iter().enumerate() {
                if !NODE_OPERATORS.contains(&e.operator.as_str()) {
                    return Err(bad(
                        format!(
                            "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[{i}].matchExpressions[{j}].operator"
                        ),
                        &e.operator,
                        &NODE_OPERATORS,
                    ));
                }
            }
            required_terms.push(term.match_expressions.clone());
        }
    }
    Ok(Placement { node_selector: spec.node_selector.clone(), tolerations: spec.tolerations.clone(), required_terms })
}
