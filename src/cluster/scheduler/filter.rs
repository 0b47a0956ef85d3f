//! Filter plugins of the default profile that capsim models, run in upstream order
//! (NodeUnschedulable → TaintToleration → NodeAffinity → NodeResourcesFit), stopping at the first
//! failure per node, plus the aggregate "0/N nodes are available: …" message.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::selector::{first_untolerated_taint, required_affinity_matches, tolerations_tolerate};
use super::types::{NodeInfo, PodInfo, Taint, TaintEffect};

/// Upstream reason of NodeUnschedulable.
pub const ERR_REASON_UNSCHEDULABLE: &str = "node(s) were unschedulable";
/// Upstream reason of NodeAffinity (`ErrReasonPod`).
pub const ERR_REASON_NODE_AFFINITY: &str = "node(s) didn't match Pod's node affinity/selector";
/// Upstream reason of NodeResourcesFit for the pod count.
pub const ERR_REASON_TOO_MANY_PODS: &str = "Too many pods";
/// Taint key the node lifecycle controller puts on cordoned nodes.
pub const TAINT_NODE_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// Upstream status codes that matter for scheduling decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    Success,
    /// Could pass if pods were removed, so preemption may help.
    Unschedulable,
    /// Static mismatch (taints, affinity): preemption cannot help.
    UnschedulableAndUnresolvable,
}

/// A filter verdict for one node: which plugin failed and its reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: Code,
    pub plugin: &'static str,
    pub reasons: Vec<String>,
}

impl Status {
    pub fn success() -> Self {
        Status { code: Code::Success, plugin: "", reasons: Vec::new() }
    }

    fn fail(code: Code, plugin: &'static str, reasons: Vec<String>) -> Self {
        Status { code, plugin, reasons }
    }

    pub fn is_success(&self) -> bool {
        self.code == Code::Success
    }
}

/// Extended resources the Fit filter ignores (upstream `NodeResourcesFitArgs.ignoredResources`
/// and `ignoredResourceGroups`, the part before `/`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FitFilterArgs {
    pub ignored_resources: BTreeSet<String>,
    pub ignored_resource_groups: BTreeSet<String>,
}

/// One resource the node lacks (upstream `InsufficientResource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsufficientResource {
    pub resource: String,
    pub reason: String,
    pub requested: i64,
    pub used: i64,
    pub capacity: i64,
}

/// Upstream `fitsRequest`: pod count first, then cpu, memory, then extended resources (sorted by
/// name, where upstream iterates a Go map). A pod requesting nothing only checks the pod count.
pub fn insufficient_resources(pod: &PodInfo, node: &NodeInfo, args: &FitFilterArgs) -> Vec<InsufficientResource> {
    let mut out = Vec::new();
    let used_pods = node.pods().len() as i64;
    if used_pods + 1 > node.allocatable.pods {
        out.push(InsufficientResource {
            resource: "pods".into(),
            reason: ERR_REASON_TOO_MANY_PODS.into(),
            requested: 1,
            used: used_pods,
            capacity: node.allocatable.pods,
        });
    }
    let req = pod.requests();
    if req.milli_cpu == 0 && req.memory == 0 && req.extended.values().all(|v| *v == 0) {
        return out;
    }
    let alloc = &node.allocatable;
    let used = node.requested();
    let mut check = |name: &str, want: i64, used: i64, cap: i64| {
        if want > 0 && want > cap - used {
            out.push(InsufficientResource {
                resource: name.to_string(),
                reason: format!("Insufficient {name}"),
                requested: want,
                used,
                capacity: cap,
            });
        }
    };
    check("cpu", req.milli_cpu, used.milli_cpu, alloc.milli_cpu);
    check("memory", req.memory, used.memory, alloc.memory);
    for (name, want) in &req.extended {
        let group = name.split('/').next().unwrap_or("");
        if is_extended_resource_name(name)
            && (args.ignored_resources.contains(name) || args.ignored_resource_groups.contains(group))
        {
            continue;
        }
        check(name, *want, used.get(name), alloc.get(name));
    }
    out
}

/// Upstream `IsExtendedResourceName`: a domain-prefixed name outside `kubernetes.io` (only these
/// may be ignored by the Fit filter).
fn is_extended_resource_name(name: &str) -> bool {
    name.contains('/') && !name.contains("kubernetes.io/") && !name.starts_with("requests.")
}

/// NodeResourcesFit filter.
pub fn fit_filter(pod: &PodInfo, node: &NodeInfo, args: &FitFilterArgs) -> Status {
    let ins = insufficient_resources(pod, node, args);
    if ins.is_empty() {
        Status::success()
    } else {
        Status::fail(Code::Unschedulable, "NodeResourcesFit", ins.into_iter().map(|i| i.reason).collect())
    }
}

/// TaintToleration filter: the first untolerated `NoSchedule`/`NoExecute` taint rejects the node.
pub fn taint_toleration_filter(pod: &PodInfo, node: &NodeInfo) -> Status {
    match first_untolerated_taint(&node.taints, &pod.tolerations) {
        None => Status::success(),
        Some(t) => Status::fail(
            Code::UnschedulableAndUnresolvable,
            "TaintToleration",
            vec![format!("node(s) had untolerated taint {{{}: {}}}", t.key, t.value)],
        ),
    }
}

/// NodeAffinity filter (`spec.nodeSelector` and required node affinity).
pub fn node_affinity_filter(pod: &PodInfo, node: &NodeInfo) -> Status {
    if required_affinity_matches(pod, node) {
        Status::success()
    } else {
        Status::fail(Code::UnschedulableAndUnresolvable, "NodeAffinity", vec![ERR_REASON_NODE_AFFINITY.into()])
    }
}

/// NodeUnschedulable filter: a cordoned node only takes pods tolerating its unschedulable taint.
pub fn node_unschedulable_filter(pod: &PodInfo, node: &NodeInfo) -> Status {
    let taint = Taint::new(TAINT_NODE_UNSCHEDULABLE, "", TaintEffect::NoSchedule);
    if !node.unschedulable || tolerations_tolerate(&pod.tolerations, &taint) {
        Status::success()
    } else {
        Status::fail(Code::UnschedulableAndUnresolvable, "NodeUnschedulable", vec![ERR_REASON_UNSCHEDULABLE.into()])
    }
}

/// All modelled filters in default-profile order; the first failure wins (upstream
/// `RunFilterPlugins`).
pub fn filter_node(pod: &PodInfo, node: &NodeInfo, args: &FitFilterArgs) -> Status {
    for st in
        [node_unschedulable_filter(pod, node), taint_toleration_filter(pod, node), node_affinity_filter(pod, node)]
    {
        if !st.is_success() {
            return st;
        }
    }
    fit_filter(pod, node, args)
}

/// [`filter_node`]`(..).is_success()` without building statuses or messages: the question a
/// simulation asks for every pending pod after every change, where the answer is mostly "no".
pub fn passes_filters(pod: &PodInfo, node: &NodeInfo, args: &FitFilterArgs) -> bool {
    if node.unschedulable
        && !tolerations_tolerate(&pod.tolerations, &Taint::new(TAINT_NODE_UNSCHEDULABLE, "", TaintEffect::NoSchedule))
    {
        return false;
    }
    if first_untolerated_taint(&node.taints, &pod.tolerations).is_some() || !required_affinity_matches(pod, node) {
        return false;
    }
    fits_resources(pod, node, args)
}

/// [`insufficient_resources`] is empty, without building it.
fn fits_resources(pod: &PodInfo, node: &NodeInfo, args: &FitFilterArgs) -> bool {
    if node.pods().len() as i64 + 1 > node.allocatable.pods {
        return false;
    }
    let req = pod.requests();
    let (alloc, used) = (&node.allocatable, node.requested());
    let fits = |want: i64, used: i64, cap: i64| want <= 0 || want <= cap - used;
    fits(req.milli_cpu, used.milli_cpu, alloc.milli_cpu)
        && fits(req.memory, used.memory, alloc.memory)
        && req.extended.iter().all(|(name, want)| {
            let group = name.split('/').next().unwrap_or("");
            let ignored = is_extended_resource_name(name)
                && (args.ignored_resources.contains(name) || args.ignored_resource_groups.contains(group));
            ignored || fits(*want, used.get(name), alloc.get(name))
        })
}

/// Filter verdicts for a set of nodes, in node order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterOutcome {
    /// Indices (into the node slice) of nodes that passed every filter, in node order.
    pub feasible: Vec<usize>,
    /// One status per node, same order as the input.
    pub statuses: Vec<Status>,
}

/// Runs [`filter_node`] on every node. capsim always examines all nodes; upstream stops after
/// `percentageOfNodesToScore` feasible nodes in large clusters (≥100 nodes), which would make
/// results depend on a rotating start index.
pub fn filter_nodes(pod: &PodInfo, nodes: &[NodeInfo], args: &FitFilterArgs) -> FilterOutcome {
    let statuses: Vec<Status> = nodes.iter().map(|n| filter_node(pod, n, args)).collect();
    let feasible = statuses.iter().enumerate().filter(|(_, s)| s.is_success()).map(|(i, _)| i).collect();
    FilterOutcome { feasible, statuses }
}

/// Why a pod fits nowhere; `Display` gives upstream's `FitError` text, e.g.
/// `0/5 nodes are available: 2 node(s) had untolerated taint {k: v}, 3 Insufficient cpu.`
/// (reason counts sorted as strings, exactly as upstream does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitError {
    pub num_all_nodes: usize,
    /// Count per reason over all failed nodes (a node may contribute several reasons).
    pub reasons: BTreeMap<String, usize>,
    /// Appended after the filter message, e.g. the preemption outcome.
    pub post_filter_msg: Option<String>,
}

impl FitError {
    /// Histogram of the failed statuses.
    pub fn from_statuses<'a>(num_all_nodes: usize, statuses: impl IntoIterator<Item = &'a Status>) -> Self {
        let mut reasons = BTreeMap::new();
        for s in statuses.into_iter().filter(|s| !s.is_success()) {
            for r in &s.reasons {
                *reasons.entry(r.clone()).or_insert(0) += 1;
            }
        }
        FitError { num_all_nodes, reasons, post_filter_msg: None }
    }

    /// `"<n> <reason>"` strings sorted lexicographically (upstream `sort.Strings`).
    pub fn sorted_reasons(&self) -> Vec<String> {
        let mut v: Vec<String> = self.reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
        v.sort();
        v
    }
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0/{} nodes are available:", self.num_all_nodes)?;
        let r = self.sorted_reasons();
        if !r.is_empty() {
            write!(f, " {}.", r.join(", "))?;
        }
        if let Some(p) = &self.post_filter_msg {
            write!(f, " {}.", p.strip_suffix('.').unwrap_or(p))?;
        }
        Ok(())
    }
}

impl std::error::Error for FitError {}
