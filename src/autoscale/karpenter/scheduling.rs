//! The provisioner's scheduling simulation (`Scheduler.Solve`): place a batch of pending pods on
//! existing/in-flight nodes, then on NodeClaims created earlier in the same simulation, then on new
//! NodeClaims from the highest-weight NodePool that can take them. Each NodeClaim keeps the
//! instance types still compatible with, and big enough for, everything added so far.
//!
//! Not modelled: topology spread, pod (anti-)affinity, preference relaxation, volume topology,
//! DRA, reserved capacity. PreferNoSchedule taints never block.

use std::collections::BTreeMap;

use super::instance_types::{CapacityType, InstanceType, Resources, satisfies_min_values};
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

    /// Whether `other` asks for the same room on the same nodes (requests, requirements and
    /// tolerations equal): every node that turns one away turns the other away too.
    pub fn same_shape(&self, other: &Pod) -> bool {
        self.requests == other.requests && self.same_constraints(other)
    }

    /// Whether `other` may run on exactly the nodes this pod may (requirements and
    /// tolerations equal), whatever its requests.
    pub fn same_constraints(&self, other: &Pod) -> bool {
        self.tolerations == other.tolerations && self.requirements == other.requirements
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

/// A real node or in-flight NodeClaim pods may land on, borrowed from the caller's view of the
/// cluster (a simulation runs many times per disruption pass; copying labels each time was the
/// dominant cost).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExistingNode<'a> {
    pub name: &'a str,
    pub labels: &'a BTreeMap<String, String>,
    pub allocatable: Resources,
    /// Sum of requests already bound or nominated (daemonsets included).
    pub requested: Resources,
    pub taints: &'a [Taint],
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
    pub existing_nodes: &'a [ExistingNode<'a>],
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

/// A NodeClaim of a [`Solution`], by index: pool into the NodePools, types into the catalogue
/// (still compatible and big enough, catalogue order), pods into the simulated pods.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub pool: usize,
    pub reqs: Requirements,
    pub types: Vec<usize>,
    pub pods: Vec<usize>,
    pub requests: Resources,
}

impl Claim {
    /// The claim as a [`NewNodeClaim`], its instance types cheapest first.
    pub fn to_new_nodeclaim(&self, nodepools: &[NodePool], catalog: &[InstanceType], pods: &[&Pod]) -> NewNodeClaim {
        let mut its: Vec<InstanceType> = self.types.iter().map(|&i| catalog[i].clone()).collect();
        super::instance_types::order_by_price(&mut its, &self.reqs);
        NewNodeClaim {
            nodepool: nodepools[self.pool].name.clone(),
            requirements: self.reqs.clone(),
            instance_types: its,
            pods: self.pods.iter().map(|&p| pods[p].name.clone()).collect(),
            requests: self.requests,
        }
    }
}

/// Outcome of one simulation, by index (nothing is named or copied until asked for).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Solution {
    pub claims: Vec<Claim>,
    /// (existing node, pod) placements, in scheduling order.
    pub placed: Vec<(usize, usize)>,
    /// Pods that fit nowhere, with why, in scheduling order.
    pub unschedulable: Vec<(usize, String)>,
}

impl Solution {
    /// The named [`SchedulingResult`].
    pub fn into_result(self, input: &SchedulingInput, pods: &[&Pod]) -> SchedulingResult {
        let mut existing: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for &(n, p) in &self.placed {
            existing.entry(input.existing_nodes[n].name.to_string()).or_default().push(pods[p].name.clone());
        }
        SchedulingResult {
            new_nodeclaims: self
                .claims
                .iter()
                .map(|c| c.to_new_nodeclaim(input.nodepools, input.instance_types, pods))
                .collect(),
            existing,
            unschedulable: self.unschedulable.into_iter().map(|(p, why)| (pods[p].name.clone(), why)).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Template {
    pool: usize,
    reqs: Requirements,
    types: Vec<usize>,
    overhead: Resources,
    ladder: Vec<LadderStep>,
}

/// The NodePools' NodeClaim templates in weight order, each with its requirements, DaemonSet
/// overhead and the instance types that could carry it. They depend only on the pools, the
/// catalogue and the DaemonSets, so a caller simulating many times prepares them once.
#[derive(Debug, Clone, PartialEq)]
pub struct Templates {
    templates: Vec<Template>,
}

impl Templates {
    pub fn new(nodepools: &[NodePool], catalog: &[InstanceType], daemonsets: &[Pod]) -> Templates {
        let all: Vec<usize> = (0..catalog.len()).collect();
        let templates = order_by_weight(nodepools)
            .into_iter()
            .map(|pi| {
                let np = &nodepools[pi];
                let reqs = np.template_requirements();
                let overhead = daemonsets
                    .iter()
                    .filter(|d| {
                        tolerates_all(&np.taints, &d.tolerations) && reqs.compatible(&d.requirements, true).is_ok()
                    })
                    .fold(Resources::default(), |acc, d| acc.add(&d.requests));
                let types = filter_types(&all, catalog, &reqs, &overhead);
                let ladder = price_ladder(&types, catalog, &reqs, &overhead);
                Template { pool: pi, reqs, types, overhead, ladder }
            })
            .collect();
        Templates { templates }
    }

    /// Whether one new NodeClaim for `pods`, priced below `price`, could hold `requests` besides
    /// its DaemonSets (without spot offerings unless `spot`). A cheap necessary condition, for
    /// callers that then run the simulation: only pools whose taints and requirements some pod
    /// accepts count, and each type is priced by its cheapest offering the pool allows, which a
    /// NodeClaim's narrowed requirements can only raise.
    pub fn could_fit_below(
        &self,
        nodepools: &[NodePool],
        pods: &[&Pod],
        price: f64,
        requests: &Resources,
        spot: bool,
    ) -> bool {
        self.templates.iter().any(|t| {
            let takes_some = pods.iter().any(|p| {
                tolerates_all(&nodepools[t.pool].taints, &p.tolerations)
                    && t.reqs.compatible(&p.requirements, true).is_ok()
            });
            takes_some
                && t.ladder
                    .iter()
                    .take_while(|step| step.cheapest < price)
                    .any(|step| (spot || step.cheapest_not_spot < price) && requests.fits_in(&step.room))
        })
    }
}

/// One instance type of a template, for [`Templates::could_fit_below`].
#[derive(Debug, Clone, Copy, PartialEq)]
struct LadderStep {
    /// Its cheapest available offering the template allows, and the cheapest that is not spot
    /// (infinite if none).
    cheapest: f64,
    cheapest_not_spot: f64,
    /// Allocatable left after the template's DaemonSets.
    room: Resources,
}

/// The template's types as ladder steps, cheapest first.
fn price_ladder(
    types: &[usize],
    catalog: &[InstanceType],
    reqs: &Requirements,
    overhead: &Resources,
) -> Vec<LadderStep> {
    let mut ladder: Vec<LadderStep> = types
        .iter()
        .filter_map(|&i| {
            let it = &catalog[i];
            let offerings = || it.compatible_offerings(reqs);
            Some(LadderStep {
                cheapest: offerings().map(|o| o.price).reduce(f64::min)?,
                cheapest_not_spot: offerings()
                    .filter(|o| o.capacity_type != CapacityType::Spot)
                    .map(|o| o.price)
                    .fold(f64::INFINITY, f64::min),
                room: it.allocatable().saturating_sub(overhead),
            })
        })
        .collect();
    ladder.sort_by(|a, b| a.cheapest.total_cmp(&b.cheapest));
    ladder
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
    schedule_with(input, &Templates::new(input.nodepools, input.instance_types, input.daemonsets), pods)
}

/// [`schedule`] with the pools' templates prepared by the caller (they are fixed for a run).
pub fn schedule_with(input: &SchedulingInput, templates: &Templates, pods: &[Pod]) -> SchedulingResult {
    let pods: Vec<&Pod> = pods.iter().collect();
    let usage: Vec<PoolUsage> =
        input.nodepools.iter().map(|np| input.usage.get(&np.name).copied().unwrap_or_default()).collect();
    solve(input.nodepools, input.instance_types, templates, input.existing_nodes, &usage, &pods)
        .into_result(input, &pods)
}

/// The simulation itself, by index: `usage[i]` is what pool `i` already holds.
pub fn solve(
    nodepools: &[NodePool],
    catalog: &[InstanceType],
    templates: &Templates,
    existing_nodes: &[ExistingNode],
    usage: &[PoolUsage],
    pods: &[&Pod],
) -> Solution {
    let mut usage = usage.to_vec();
    let mut order: Vec<usize> = (0..pods.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (pods[a], pods[b]);
        b.requests
            .cpu_milli
            .cmp(&a.requests.cpu_milli)
            .then_with(|| b.requests.memory.cmp(&a.requests.memory))
            .then_with(|| a.name.cmp(&b.name))
    });

    let mut nodes: Vec<(usize, Resources)> = {
        let mut v: Vec<usize> = (0..existing_nodes.len()).collect();
        v.sort_by_key(|&i| !existing_nodes[i].initialized);
        v.into_iter().map(|i| (i, existing_nodes[i].requested)).collect()
    };
    let mut result = Solution::default();
    // The previous pod and the first node position it could have taken (`nodes.len()` when
    // none): nodes before that turned it away and have not changed since, so they turn away
    // a pod of the same shape too.
    let mut previous: Option<(&Pod, usize)> = None;

    'pods: for pi in order {
        let pod = pods[pi];
        let skip = previous.filter(|(prev, _)| prev.same_shape(pod)).map_or(0, |(_, at)| at);
        previous = Some((pod, nodes.len()));
        // a. existing / in-flight nodes, first fit.
        for (at, (ni, used)) in nodes.iter_mut().enumerate().skip(skip) {
            let n = &existing_nodes[*ni];
            if !tolerates_all(n.taints, &pod.tolerations) {
                continue;
            }
            let total = used.add(&pod.requests);
            if !total.fits_in(&n.allocatable) {
                continue;
            }
            // Same as `Requirements::from_labels(labels).compatible(pod, false)`, without
            // building the node's requirements for every pod.
            if !pod.requirements.matches_labels(n.labels) {
                continue;
            }
            *used = total;
            result.placed.push((*ni, pi));
            previous = Some((pod, at));
            continue 'pods;
        }
        // b. NodeClaims of this simulation, least loaded first.
        result.claims.sort_by_key(|c| c.pods.len());
        for c in result.claims.iter_mut() {
            if try_add(c, pi, pod, &nodepools[c.pool], catalog).is_ok() {
                continue 'pods;
            }
        }
        // c. a new NodeClaim from the first template that can take it.
        let mut reasons = Vec::new();
        for t in &templates.templates {
            let np = &nodepools[t.pool];
            let Some((cpu, mem, _)) = remaining(&np.limits, &usage[t.pool]) else {
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
            match try_add(&mut claim, pi, pod, np, catalog) {
                Ok(()) => {
                    let max_cap =
                        claim.types.iter().fold(Resources::default(), |acc, &i| acc.max_each(&catalog[i].capacity));
                    let u = &mut usage[t.pool];
                    u.resources = u.resources.add(&max_cap);
                    u.nodes += 1;
                    result.claims.push(claim);
                    continue 'pods;
                }
                Err(e) => reasons.push(format!("nodepool {:?}: {e}", np.name)),
            }
        }
        if templates.templates.is_empty() {
            reasons.push("no nodepools".to_string());
        }
        result.unschedulable.push((pi, reasons.join("; ")));
    }
    result
}

/// NodeClaim.CanAdd + Add: taints, requirement compatibility, narrowing, minValues.
fn try_add(c: &mut Claim, pi: usize, pod: &Pod, np: &NodePool, catalog: &[InstanceType]) -> Result<(), String> {
    if !tolerates_all(&np.taints, &pod.tolerations) {
        return Err("did not tolerate the nodepool's taints".into());
    }
    c.reqs.compatible(&pod.requirements, true).map_err(|e| format!("incompatible requirements, {e}"))?;
    let requests = c.requests.add(&pod.requests);
    // A pod without requirements narrows nothing: the claim's types already satisfy its
    // requirements, so only room is left to check (and no requirement set to copy).
    let narrowed = if pod.requirements.is_empty() {
        None
    } else {
        let mut reqs = c.reqs.clone();
        reqs.add_all(&pod.requirements);
        Some(reqs)
    };
    let reqs = narrowed.as_ref().unwrap_or(&c.reqs);
    let types = if narrowed.is_some() {
        filter_types(&c.types, catalog, reqs, &requests)
    } else {
        c.types.iter().copied().filter(|&i| requests.fits_in(&catalog[i].allocatable())).collect()
    };
    if types.is_empty() {
        return Err(format!(
            "no instance type satisfied resources {{cpu: {}m, memory: {}, pods: {}}} and requirements",
            requests.cpu_milli, requests.memory, requests.pods
        ));
    }
    min_values_ok(&types, catalog, reqs)?;
    if let Some(reqs) = narrowed {
        c.reqs = reqs;
    }
    c.types = types;
    c.requests = requests;
    c.pods.push(pi);
    Ok(())
}

/// Convenience: the pool name label of an existing node.
pub fn node_pool_of(labels_map: &BTreeMap<String, String>) -> Option<&str> {
    labels_map.get(labels::NODEPOOL).map(String::as_str)
}
