//! Consolidation (`consolidation.go`, `singlenodeconsolidation.go`, `multinodeconsolidation.go`):
//! can the candidates' pods run elsewhere (delete), or on one strictly cheaper new node (replace)?

use std::collections::BTreeMap;

use super::budgets::{BudgetNode, Reason, budget_mapping};
use super::candidates::{Candidate, get_candidates};
use super::{ClusterNode, Command, DisruptionInput, Method};
use crate::autoscale::karpenter::instance_types::{CapacityType, InstanceType, satisfies_min_values};
use crate::autoscale::karpenter::labels;
use crate::autoscale::karpenter::requirements::{Operator, Requirement, Requirements};
use crate::autoscale::karpenter::scheduling::{Claim, ExistingNode, Pod, PoolUsage, Solution, Templates, solve};

/// Spot→spot single-node replacement needs at least this many cheaper instance types.
pub const MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT: usize = 15;
/// Multi-node consolidation considers at most this many candidates.
pub const MAX_MULTI_NODE_CANDIDATES: usize = 100;

/// A scheduling simulation with some candidates removed: the solution, by index into `pods`.
#[derive(Debug, Clone)]
pub struct Simulation<'a> {
    pub solution: Solution,
    /// The candidates' pods, as the solution indexes them.
    pub pods: Vec<&'a Pod>,
}

/// Re-simulates scheduling with the candidates removed: their pods onto the remaining nodes, then
/// new NodeClaims from the pools' `templates` (prepared once per disruption pass).
pub fn simulate<'a>(input: &DisruptionInput<'a>, templates: &Templates, candidates: &[&Candidate]) -> Simulation<'a> {
    let nodes: &'a [ClusterNode] = input.nodes;
    let mut existing = Vec::with_capacity(nodes.len());
    let mut usage = vec![PoolUsage::default(); input.nodepools.len()];
    for (i, n) in nodes.iter().enumerate() {
        if n.marked_for_deletion || candidates.iter().any(|c| c.node == i) {
            continue;
        }
        existing.push(ExistingNode {
            name: &n.name,
            labels: &n.labels,
            allocatable: n.allocatable,
            requested: n.requested(),
            taints: &n.taints,
            initialized: n.initialized_at_ms.is_some(),
        });
        if let Some(pool) = n.nodepool.as_ref().and_then(|p| input.nodepools.iter().position(|np| &np.name == p)) {
            let cap = n
                .instance_type
                .as_ref()
                .and_then(|t| input.instance_types.iter().find(|it| &it.name == t))
                .map_or(n.allocatable, |it| it.capacity);
            let u = &mut usage[pool];
            u.resources = u.resources.add(&cap);
            u.nodes += 1;
        }
    }
    let pods: Vec<&'a Pod> = candidates.iter().flat_map(|c| nodes[c.node].pods.iter()).collect();
    let solution = solve(input.nodepools, input.instance_types, templates, &existing, &usage, &pods);
    Simulation { solution, pods }
}

/// The pools' NodeClaim templates for `input` (what [`simulate`] needs).
pub fn templates(input: &DisruptionInput) -> Templates {
    Templates::new(input.nodepools, input.instance_types, input.daemonsets)
}

/// Worst-case (most expensive compatible) launch price strictly below `price`.
fn cheaper_than(it: &InstanceType, reqs: &Requirements, price: f64) -> bool {
    it.most_expensive_offering(reqs).is_some_and(|o| o.price < price)
}

/// Keeps types whose worst-case (most expensive compatible) launch price is strictly below `price`.
fn filter_by_price(types: &[InstanceType], reqs: &Requirements, price: f64) -> Vec<InstanceType> {
    types.iter().filter(|it| cheaper_than(it, reqs, price)).cloned().collect()
}

/// Delete or replace `candidates`, or the reason it cannot (upstream `computeConsolidation`).
pub fn compute_consolidation(
    input: &DisruptionInput,
    candidates: &[&Candidate],
    method: Method,
) -> Result<Command, String> {
    consolidate(input, &templates(input), candidates, method)
}

/// [`compute_consolidation`] with the templates prepared by the caller. Works on catalogue
/// indices and copies instance types only for a command it returns.
pub fn consolidate(
    input: &DisruptionInput,
    templates: &Templates,
    candidates: &[&Candidate],
    method: Method,
) -> Result<Command, String> {
    let names = || candidates.iter().map(|c| input.nodes[c.node].name.clone()).collect::<Vec<String>>();
    let Simulation { solution, pods } = simulate(input, templates, candidates);
    // Named as the first by pod name, as a map keyed by name would list them.
    if let Some((pod, why)) = solution.unschedulable.iter().min_by(|a, b| pods[a.0].name.cmp(&pods[b.0].name)) {
        return Err(format!("not all pods would schedule, pod {:?}: {why}", pods[*pod].name));
    }
    let claim = match solution.claims.as_slice() {
        [] => return Ok(Command { method, reason: Reason::Underutilized, candidates: names(), replacement: None }),
        [claim] => claim,
        many => return Err(format!("can't remove without creating {} candidates", many.len())),
    };
    let catalog = input.instance_types;
    let candidate_price: f64 = candidates.iter().map(|c| c.price).sum();
    let all_spot = candidates.iter().all(|c| input.nodes[c.node].capacity_type == Some(CapacityType::Spot));
    let mut reqs = claim.reqs.clone();
    // The claim with only the remaining types, as a NodeClaim: they are copied and ordered
    // cheapest first by the simulation's requirements; the caller sets the final requirements.
    let narrowed =
        |types: Vec<usize>| Claim { types, ..claim.clone() }.to_new_nodeclaim(input.nodepools, catalog, &pods);
    let ct_req = reqs.get(labels::CAPACITY_TYPE);
    if all_spot && ct_req.has(CapacityType::Spot.as_str()) {
        if !input.spot_to_spot {
            return Err("SpotToSpotConsolidation is disabled, can't replace a spot node with a spot node".into());
        }
        reqs.add(Requirement::new(labels::CAPACITY_TYPE, Operator::In, [CapacityType::Spot.as_str()]));
        let types: Vec<usize> = claim
            .types
            .iter()
            .copied()
            .filter(|&i| catalog[i].compatible_offerings(&reqs).next().is_some())
            .filter(|&i| cheaper_than(&catalog[i], &reqs, candidate_price))
            .collect();
        let mut nc = narrowed(types);
        let needed = satisfies_min_values(&nc.instance_types, &reqs)?;
        if nc.instance_types.is_empty() {
            return Err("Can't replace spot node with a cheaper spot node".into());
        }
        if candidates.len() == 1 {
            if nc.instance_types.len() < MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT {
                return Err(format!(
                    "SpotToSpotConsolidation requires {MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT} cheaper instance type options than the current candidate to consolidate, got {}",
                    nc.instance_types.len()
                ));
            }
            nc.instance_types.truncate(MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT.max(needed));
        }
        nc.requirements = reqs;
        return Ok(Command { method, reason: Reason::Underutilized, candidates: names(), replacement: Some(nc) });
    }
    let types: Vec<usize> =
        claim.types.iter().copied().filter(|&i| cheaper_than(&catalog[i], &reqs, candidate_price)).collect();
    if types.is_empty() {
        return Err("Can't replace with a cheaper node".into());
    }
    let mut nc = narrowed(types);
    satisfies_min_values(&nc.instance_types, &reqs)?;
    // OD → [OD, spot]: types were priced assuming spot may launch; pin spot so a spot shortage can't
    // turn into a more expensive on-demand replacement.
    if ct_req.has(CapacityType::Spot.as_str()) && ct_req.has(CapacityType::OnDemand.as_str()) {
        reqs.add(Requirement::new(labels::CAPACITY_TYPE, Operator::In, [CapacityType::Spot.as_str()]));
    }
    nc.requirements = reqs;
    Ok(Command { method, reason: Reason::Underutilized, candidates: names(), replacement: Some(nc) })
}

fn budget_nodes(input: &DisruptionInput) -> Vec<BudgetNode> {
    input
        .nodes
        .iter()
        .map(|n| BudgetNode {
            nodepool: n.nodepool.clone(),
            initialized: n.initialized_at_ms.is_some(),
            ready: n.ready,
            marked_for_deletion: n.marked_for_deletion,
        })
        .collect()
}

/// Allowed disruptions per pool for `reason` at `input.now_ms`.
pub fn budgets_for(input: &DisruptionInput, reason: Reason) -> BTreeMap<String, u32> {
    budget_mapping(input.nodepools, &budget_nodes(input), input.now_ms as i64, reason)
}

/// Upstream `filterOutSameInstanceType`: if the replacement could be one of the types being removed,
/// it must be cheaper than the cheapest such node, else deleting fewer nodes is the better move.
fn filter_out_same_instance_type(input: &DisruptionInput, cmd: &mut Command, candidates: &[&Candidate]) -> bool {
    let Some(nc) = cmd.replacement.as_mut() else { return true };
    let mut prices: BTreeMap<&str, f64> = BTreeMap::new();
    for c in candidates {
        let name = input.instance_types[c.instance_type].name.as_str();
        let e = prices.entry(name).or_insert(f64::MAX);
        *e = e.min(c.price);
    }
    let max_price =
        nc.instance_types.iter().filter_map(|it| prices.get(it.name.as_str()).copied()).fold(f64::MAX, f64::min);
    nc.instance_types = filter_by_price(&nc.instance_types, &nc.requirements, max_price);
    !nc.instance_types.is_empty() && satisfies_min_values(&nc.instance_types, &nc.requirements).is_ok()
}

/// Multi-node consolidation: candidates by disruption cost, filtered by the Underutilized budget
/// and to non-empty ones, at most 100; binary search for the largest prefix (≥ 2) that can be
/// deleted or replaced by one cheaper node not of a type being removed.
pub fn multi_node(input: &DisruptionInput) -> Option<Command> {
    multi_node_with(input, &templates(input))
}

/// [`multi_node`] with the templates prepared by the caller.
pub fn multi_node_with(input: &DisruptionInput, templates: &Templates) -> Option<Command> {
    let all = get_candidates(input, true);
    multi_node_from(input, templates, &all, budgets_for(input, Reason::Underutilized))
}

/// [`multi_node_with`] over the candidates and Underutilized budgets the caller computed (a
/// disruption pass shares them with single-node consolidation).
pub fn multi_node_from(
    input: &DisruptionInput,
    templates: &Templates,
    all: &[Candidate],
    mut budgets: BTreeMap<String, u32>,
) -> Option<Command> {
    let mut picked: Vec<&Candidate> = Vec::new();
    for c in all {
        let left = budgets.get_mut(&input.nodepools[c.pool].name)?;
        if *left == 0 || input.nodes[c.node].pods.is_empty() {
            continue;
        }
        picked.push(c);
        *left -= 1;
    }
    picked.truncate(MAX_MULTI_NODE_CANDIDATES);
    if picked.len() < 2 {
        return None;
    }
    let (mut lo, mut hi) = (1usize, picked.len() - 1);
    let mut last: Option<Command> = None;
    while lo <= hi {
        let mid = (lo + hi) / 2;
        let prefix = &picked[..=mid];
        let cmd = consolidate(input, templates, prefix, Method::MultiNodeConsolidation)
            .ok()
            .and_then(|mut cmd| filter_out_same_instance_type(input, &mut cmd, prefix).then_some(cmd));
        match cmd {
            Some(cmd) => {
                last = Some(cmd);
                lo = mid + 1;
            }
            None => hi = mid - 1,
        }
    }
    last
}

/// Single-node order: by disruption cost, grouped per NodePool, interleaved round-robin across
/// pools (pools ordered by their cheapest candidate).
pub fn single_node_order(cands: Vec<Candidate>) -> Vec<Candidate> {
    let mut groups: Vec<(usize, Vec<Candidate>)> = Vec::new();
    for c in cands {
        match groups.iter_mut().find(|(p, _)| *p == c.pool) {
            Some((_, g)) => g.push(c),
            None => groups.push((c.pool, vec![c])),
        }
    }
    let mut out = Vec::new();
    let mut round = 0;
    loop {
        let mut any = false;
        for (_, g) in &groups {
            if let Some(c) = g.get(round) {
                out.push(c.clone());
                any = true;
            }
        }
        if !any {
            return out;
        }
        round += 1;
    }
}

/// Single-node consolidation: first candidate (in [`single_node_order`]) with budget left and pods
/// that can be deleted or replaced.
pub fn single_node(input: &DisruptionInput) -> Option<Command> {
    single_node_with(input, &templates(input))
}

/// [`single_node`] with the templates prepared by the caller.
pub fn single_node_with(input: &DisruptionInput, templates: &Templates) -> Option<Command> {
    let budgets = budgets_for(input, Reason::Underutilized);
    single_node_from(input, templates, get_candidates(input, true), &budgets)
}

/// [`single_node_with`] over the candidates and Underutilized budgets the caller computed.
pub fn single_node_from(
    input: &DisruptionInput,
    templates: &Templates,
    candidates: Vec<Candidate>,
    budgets: &BTreeMap<String, u32>,
) -> Option<Command> {
    let cands = single_node_order(candidates);
    for c in &cands {
        if budgets.get(&input.nodepools[c.pool].name).copied().unwrap_or(0) == 0 {
            continue;
        }
        if input.nodes[c.node].pods.is_empty() {
            continue;
        }
        if let Ok(cmd) = consolidate(input, templates, &[c], Method::SingleNodeConsolidation) {
            return Some(cmd);
        }
    }
    None
}

/// Why single-node consolidation would not act on `node` (for reporting), or `None` if it would.
pub fn single_node_reason(input: &DisruptionInput, node: &str) -> Option<String> {
    let cands = get_candidates(input, true);
    let Some(c) = cands.iter().find(|c| input.nodes[c.node].name == node) else {
        return Some("not a consolidation candidate".into());
    };
    compute_consolidation(input, &[c], Method::SingleNodeConsolidation).err()
}
