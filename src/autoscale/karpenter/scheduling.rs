//! The provisioner's scheduling simulation (`Scheduler.Solve`): place a batch of pending pods on
//! existing/in-flight nodes, then on NodeClaims created earlier in the same simulation, then on new
//! NodeClaims from the highest-weight NodePool that can take them. Each NodeClaim keeps the
//! instance types still compatible with, and big enough for, everything added so far.
//!
//! Not modelled: topology spread, pod (anti-)affinity, preference relaxation, volume topology,
//! DRA, reserved capacity. PreferNoSchedule taints never block.

use std::collections::BTreeMap;

use super::instance_types::{InstanceType, Resources, satisfies_min_values};
use super::labels;
use super::nodepool::{Limits, NodePool, Taint, Toleration, tolerates_all};
use super::requirements::Requirements;

/// A pod as the scheduler sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pod {
    pub name: String,
    /// Requests; `pods` is forced to 1 by [`Pod::new`].
    pub requests: Resources,
    /// nodeSelector + required node affinity.
    pub requirements: Requirements,
    pub tolerations: Vec<Toleration>,
    /// `spec.priority` (disruption cost).
    pub priority: i32,
    /// `controller.kubernetes.io/pod-deletion-cost` (disruption cost).
    pub deletion_cost: f64,
    /// `karpenter.sh/do-not-disrupt: "true"` blocks voluntary disruption of its node.
    pub do_not_disrupt: bool,
}

impl Pod {
    pub fn new(name: impl Into<String>, cpu_milli: u64, memory: u64) -> Pod {
        Pod {
            name: name.into(),
            requests: Resources::new(cpu_milli, memory, 1),
            requirements: Requirements::new(),
            tolerations: Vec::new(),
            priority: 0,
            deletion_cost: 0.0,
            do_not_disrupt: false,
        }
    }

    pub fn with_requirements(mut self, reqs: Requirements) -> Pod {
        self.requirements = reqs;
        self
    }

    pub fn with_toleration(mut self, t: Toleration) -> Pod {
        self.tolerations.push(t);
        self
    }
}

/// A real node or in-flight NodeClaim pods may land on.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingNode {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub allocatable: Resources,
    /// Sum of requests already bound or nominated (daemonsets included).
    pub requested: Resources,
    pub taints: Vec<Taint>,
    /// Initialized nodes are tried before in-flight ones.
    pub initialized: bool,
}

/// What a pool already holds, charged against its limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolUsage {
    pub resources: Resources,
    pub nodes: u64,
}

/// Inputs of one simulation.
#[derive(Debug, Clone, Copy)]
pub struct SchedulingInput<'a> {
    pub nodepools: &'a [NodePool],
    /// The catalogue every pool draws from.
    pub instance_types: &'a [InstanceType],
    pub existing_nodes: &'a [ExistingNode],
    /// DaemonSet pods: those compatible with a pool add overhead to each of its new NodeClaims.
    pub daemonsets: &'a [Pod],
    /// Current usage per pool name (limits).
    pub usage: &'a BTreeMap<String, PoolUsage>,
}

/// A NodeClaim the simulation wants created.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNodeClaim {
    pub nodepool: String,
    pub requirements: Requirements,
    /// Remaining instance-type options, cheapest first (ties by name).
    pub instance_types: Vec<InstanceType>,
    pub pods: Vec<String>,
    /// Pods' requests + daemonset overhead.
    pub requests: Resources,
}

impl NewNodeClaim {
    pub fn instance_type_names(&self) -> Vec<&str> {
        self.instance_types.iter().map(|it| it.name.as_str()).collect()
    }
}

/// Outcome of one simulation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SchedulingResult {
    pub new_nodeclaims: Vec<NewNodeClaim>,
    /// Existing node name → pods placed on it.
    pub existing: BTreeMap<String, Vec<String>>,
    /// Pod name → why it fits nowhere.
    pub unschedulable: BTreeMap<String, String>,
}

struct Claim {
    pool: usize,
    reqs: Requirements,
    types: Vec<usize>,
    pods: Vec<String>,
    requests: Resources,
}

struct Template {
    pool: usize,
    reqs: Requirements,
    types: Vec<usize>,
    overhead: Resources,
}

/// Instance types compatible with `reqs`, with an available compatible offering and room for `requests`.
fn filter_types(cands: &[usize], catalog: &[InstanceType], reqs: &Requirements, requests: &Resources) -> Vec<usize> {
    cands
        .iter()
        .copied()
        .filter(|&i| {
            let it = &catalog[i];
            requests.fits_in(&it.allocatable()) && it.compatible_with(reqs)
        })
        .collect()
}

fn min_values_ok(types: &[usize], catalog: &[InstanceType], reqs: &Requirements) -> Result<(), String> {
    if reqs.iter().all(|r| r.min_values.is_none()) {
        return Ok(());
    }
    let its: Vec<InstanceType> = types.iter().map(|&i| catalog[i].clone()).collect();
    satisfies_min_values(&its, reqs).map(|_| ())
}

/// Orders pools as upstream `OrderByWeight`: weight descending, equal weights by name descending.
pub fn order_by_weight(pools: &[NodePool]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..pools.len()).collect();
    idx.sort_by(|&a, &b| pools[b].weight.cmp(&pools[a].weight).then_with(|| pools[b].name.cmp(&pools[a].name)));
    idx
}

/// Remaining room under a pool's limits, or `None` when a limit is already exceeded/reached for nodes.
fn remaining(limits: &Limits, usage: &PoolUsage) -> Option<(Option<u64>, Option<u64>, Option<u64>)> {
    let sub = |lim: Option<u64>, used: u64| -> Result<Option<u64>, ()> {
        match lim {
            None => Ok(None),
            Some(l) if used > l => Err(()),
            Some(l) => Ok(Some(l - used)),
        }
    };
    let cpu = sub(limits.cpu_milli, usage.resources.cpu_milli).ok()?;
    let mem = sub(limits.memory, usage.resources.memory).ok()?;
    let nodes = sub(limits.nodes, usage.nodes).ok()?;
    if nodes == Some(0) {
        return None;
    }
    Some((cpu, mem, nodes))
}

/// Runs the simulation for `pods` (any order; they are sorted CPU desc, memory desc, then name).
pub fn schedule(input: &SchedulingInput, pods: &[Pod]) -> SchedulingResult {
    let catalog = input.instance_types;
    let all: Vec<usize> = (0..catalog.len()).collect();
    // Templates in weight order, pre-filtered by requirements and daemonset overhead.
    let templates: Vec<Template> = order_by_weight(input.nodepools)
        .into_iter()
        .map(|pi| {
            let np = &input.nodepools[pi];
            let reqs = np.template_requirements();
            let overhead = input
                .daemonsets
                .iter()
                .filter(|d| tolerates_all(&np.taints, &d.tolerations) && reqs.compatible(&d.requirements, true).is_ok())
                .fold(Resources::default(), |acc, d| acc.add(&d.requests));
            let types = filter_types(&all, catalog, &reqs, &overhead);
            Template { pool: pi, reqs, types, overhead }
        })
        .collect();
    let mut usage: BTreeMap<String, PoolUsage> = input.usage.clone();

    let mut order: Vec<&Pod> = pods.iter().collect();
    order.sort_by(|a, b| {
        b.requests
            .cpu_milli
            .cmp(&a.requests.cpu_milli)
            .then_with(|| b.requests.memory.cmp(&a.requests.memory))
            .then_with(|| a.name.cmp(&b.name))
    });

    let mut nodes: Vec<(usize, Resources)> = {
        let mut v: Vec<usize> = (0..input.existing_nodes.len()).collect();
        v.sort_by_key(|&i| !input.existing_nodes[i].initialized);
        v.into_iter().map(|i| (i, input.existing_nodes[i].requested)).collect()
    };
    let mut claims: Vec<Claim> = Vec::new();
    let mut result = SchedulingResult::default();

    'pods: for pod in order {
        // a. existing / in-flight nodes, first fit.
        for (ni, used) in nodes.iter_mut() {
            let n = &input.existing_nodes[*ni];
            if !tolerates_all(&n.taints, &pod.tolerations) {
                continue;
            }
            let total = used.add(&pod.requests);
            if !total.fits_in(&n.allocatable) {
                continue;
            }
            // Same as `Requirements::from_labels(labels).compatible(pod, false)`, without
            // building the node's requirements for every pod.
            if !pod.requirements.matches_labels(&n.labels) {
                continue;
            }
            *used = total;
            result.existing.entry(n.name.clone()).or_default().push(pod.name.clone());
            continue 'pods;
        }
        // b. NodeClaims of this simulation, least loaded first.
        claims.sort_by_key(|c| c.pods.len());
        for c in claims.iter_mut() {
            if try_add(c, pod, &input.nodepools[c.pool], catalog).is_ok() {
                continue 'pods;
            }
        }
        // c. a new NodeClaim from the first template that can take it.
        let mut reasons = Vec::new();
        for t in &templates {
            let np = &input.nodepools[t.pool];
            let used = usage.get(&np.name).copied().unwrap_or_default();
            let Some((cpu, mem, _)) = remaining(&np.limits, &used) else {
                reasons.push(format!("nodepool {:?}: limits exceeded", np.name));
                continue;
            };
            let types: Vec<usize> = t
                .types
                .iter()
                .copied()
                .filter(|&i| {
                    let c = &catalog[i].capacity;
                    cpu.is_none_or(|r| c.cpu_milli <= r) && mem.is_none_or(|r| c.memory <= r)
                })
                .collect();
            if types.is_empty() {
                reasons.push(format!("nodepool {:?}: all available instance types exceed limits", np.name));
                continue;
            }
            let mut claim = Claim { pool: t.pool, reqs: t.reqs.clone(), types, pods: Vec::new(), requests: t.overhead };
            match try_add(&mut claim, pod, np, catalog) {
                Ok(()) => {
                    let max_cap =
                        claim.types.iter().fold(Resources::default(), |acc, &i| acc.max_each(&catalog[i].capacity));
                    let u = usage.entry(np.name.clone()).or_default();
                    u.resources = u.resources.add(&max_cap);
                    u.nodes += 1;
                    claims.push(claim);
                    continue 'pods;
                }
                Err(e) => reasons.push(format!("nodepool {:?}: {e}", np.name)),
            }
        }
        if templates.is_empty() {
            reasons.push("no nodepools".to_string());
        }
        result.unschedulable.insert(pod.name.clone(), reasons.join("; "));
    }

    result.new_nodeclaims = claims
        .into_iter()
        .map(|c| {
            let mut its: Vec<InstanceType> = c.types.iter().map(|&i| catalog[i].clone()).collect();
            super::instance_types::order_by_price(&mut its, &c.reqs);
            NewNodeClaim {
                nodepool: input.nodepools[c.pool].name.clone(),
                requirements: c.reqs,
                instance_types: its,
                pods: c.pods,
                requests: c.requests,
            }
        })
        .collect();
    result
}

/// NodeClaim.CanAdd + Add: taints, requirement compatibility, narrowing, minValues.
fn try_add(c: &mut Claim, pod: &Pod, np: &NodePool, catalog: &[InstanceType]) -> Result<(), String> {
    if !tolerates_all(&np.taints, &pod.tolerations) {
        return Err("did not tolerate the nodepool's taints".into());
    }
    c.reqs.compatible(&pod.requirements, true).map_err(|e| format!("incompatible requirements, {e}"))?;
    let mut reqs = c.reqs.clone();
    reqs.add_all(&pod.requirements);
    let requests = c.requests.add(&pod.requests);
    let types = filter_types(&c.types, catalog, &reqs, &requests);
    if types.is_empty() {
        return Err(format!(
            "no instance type satisfied resources {{cpu: {}m, memory: {}, pods: {}}} and requirements",
            requests.cpu_milli, requests.memory, requests.pods
        ));
    }
    min_values_ok(&types, catalog, &reqs)?;
    c.reqs = reqs;
    c.types = types;
    c.requests = requests;
    c.pods.push(pod.name.clone());
    Ok(())
}

/// Convenience: the pool name label of an existing node.
pub fn node_pool_of(labels_map: &BTreeMap<String, String>) -> Option<&str> {
    labels_map.get(labels::NODEPOOL).map(String::as_str)
}
