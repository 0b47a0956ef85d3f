//! Consolidation (`consolidation.go`, `singlenodeconsolidation.go`, `multinodeconsolidation.go`):
//! can the candidates' pods run elsewhere (delete), or on one strictly cheaper new node (replace)?

use std::collections::{BTreeMap, BTreeSet};

use super::budgets::{BudgetNode, Reason, budget_mapping};
use super::candidates::{Candidate, get_candidates};
use super::{Command, DisruptionInput, Method};
use crate::autoscale::karpenter::instance_types::{CapacityType, InstanceType, order_by_price, satisfies_min_values};
use crate::autoscale::karpenter::labels;
use crate::autoscale::karpenter::requirements::{Operator, Requirement, Requirements};
use crate::autoscale::karpenter::scheduling::{ExistingNode, PoolUsage, SchedulingInput, SchedulingResult, schedule};

/// Spot→spot single-node replacement needs at least this many cheaper instance types.
pub const MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT: usize = 15;
/// Multi-node consolidation considers at most this many candidates.
pub const MAX_MULTI_NODE_CANDIDATES: usize = 100;

/// Re-simulates scheduling with the candidates removed: their pods onto the remaining nodes, then new NodeClaims.
pub fn simulate(input: &DisruptionInput, candidates: &[&Candidate]) -> SchedulingResult {
    let removed: BTreeSet<usize> = candidates.iter().map(|c| c.node).collect();
    let mut existing = Vec::new();
    let mut usage: BTreeMap<String, PoolUsage> = BTreeMap::new();
    for (i, n) in input.nodes.iter().enumerate() {
        if removed.contains(&i) || n.marked_for_deletion {
            continue;
        }
        existing.push(ExistingNode {
            name: n.name.clone(),
            labels: n.labels.clone(),
            allocatable: n.allocatable,
            requested: n.requested(),
            taints: n.taints.clone(),
            initialized: n.initialized_at_ms.is_some(),
        });
        if let Some(p) = &n.nodepool {
            let cap = n
                .instance_type
                .as_ref()
                .and_then(|t| input.instance_types.iter().find(|it| &it.name == t))
                .map_or(n.allocatable, |it| it.capacity);
            let u = usage.entry(p.clone()).or_default();
            u.resources = u.resources.add(&cap);
            u.nodes += 1;
        }
    }
    let pods: Vec<_> = candidates.iter().flat_map(|c| input.nodes[c.node].pods.iter().cloned()).collect();
    let sin = SchedulingInput {
        nodepools: input.nodepools,
        instance_types: input.instance_types,
        existing_nodes: &existing,
        daemonsets: input.daemonsets,
        usage: &usage,
    };
    schedule(&sin, &pods)
}

/// Keeps types whose worst-case (most expensive compatible) launch price is strictly below `price`.
fn filter_by_price(types: &[InstanceType], reqs: &Requirements, price: f64) -> Vec<InstanceType> {
    types.iter().filter(|it| it.most_expensive_offering(reqs).is_some_and(|o| o.price < price)).cloned().collect()
}

/// Delete or replace `candidates`, or the reason it cannot (upstream `computeConsolidation`).
pub fn compute_consolidation(
    input: &DisruptionInput,
    candidates: &[&Candidate],
    method: Method,
) -> Result<Command, String> {
    let names: Vec<String> = candidates.iter().map(|c| input.nodes[c.node].name.clone()).collect();
    let results = simulate(input, candidates);
    if let Some((pod, why)) = results.unschedulable.iter().next() {
        return Err(format!("not all pods would schedule, pod {pod:?}: {why}"));
    }
    let mut claims = results.new_nodeclaims;
    if claims.is_empty() {
        return Ok(Command { method, reason: Reason::Underutilized, candidates: names, replacement: None });
    }
    if claims.len() > 1 {
        return Err(format!("can't remove without creating {} candidates", claims.len()));
    }
    let mut nc = claims.remove(0);
    let candidate_price: f64 = candidates.iter().map(|c| c.price).sum();
    let all_spot = candidates.iter().all(|c| input.nodes[c.node].capacity_type == Some(CapacityType::Spot));
    order_by_price(&mut nc.instance_types, &nc.requirements);
    let ct_req = nc.requirements.get(labels::CAPACITY_TYPE);
    if all_spot && ct_req.has(CapacityType::Spot.as_str()) {
        if !input.spot_to_spot {
            return Err("SpotToSpotConsolidation is disabled, can't replace a spot node with a spot node".into());
        }
        nc.requirements.add(Requirement::new(labels::CAPACITY_TYPE, Operator::In, [CapacityType::Spot.as_str()]));
        let spot_types: Vec<InstanceType> = nc
            .instance_types
            .iter()
            .filter(|it| it.compatible_offerings(&nc.requirements).next().is_some())
            .cloned()
            .collect();
        nc.instance_types = filter_by_price(&spot_types, &nc.requirements, candidate_price);
        let needed = satisfies_min_values(&nc.instance_types, &nc.requirements)?;
        if nc.instance_types.is_empty() {
            return Err("Can't replace spot node with a cheaper spot node".into());
        }
        if candidates.len() > 1 {
            return Ok(Command { method, reason: Reason::Underutilized, candidates: names, replacement: Some(nc) });
        }
        if nc.instance_types.len() < MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT {
            return Err(format!(
                "SpotToSpotConsolidation requires {MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT} cheaper instance type options than the current candidate to consolidate, got {}",
                nc.instance_types.len()
            ));
        }
        nc.instance_types.truncate(MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT.max(needed));
        return Ok(Command { method, reason: Reason::Underutilized, candidates: names, replacement: Some(nc) });
    }
    nc.instance_types = filter_by_price(&nc.instance_types, &nc.requirements, candidate_price);
    if nc.instance_types.is_empty() {
        return Err("Can't replace with a cheaper node".into());
    }
    satisfies_min_values(&nc.instance_types, &nc.requirements)?;
    // OD → [OD, spot]: types were priced assuming spot may launch; pin spot so a spot shortage can't
    // turn into a more expensive on-demand replacement.
    let ct_req = nc.requirements.get(labels::CAPACITY_TYPE);
    if ct_req.has(CapacityType::Spot.as_str()) && ct_req.has(CapacityType::OnDemand.as_str()) {
        nc.requirements.add(Requirement::new(labels::CAPACITY_TYPE, Operator::In, [CapacityType::Spot.as_str()]));
    }
    Ok(Command { method, reason: Reason::Underutilized, candidates: names, replacement: Some(nc) })
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
    let all = get_candidates(input, true);
    let mut budgets = budgets_for(input, Reason::Underutilized);
    let mut picked: Vec<&Candidate> = Vec::new();
    for c in &all {
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
        let cmd = compute_consolidation(input, prefix, Method::MultiNodeConsolidation)
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
    let cands = single_node_order(get_candidates(input, true));
    let budgets = budgets_for(input, Reason::Underutilized);
    for c in &cands {
        if budgets.get(&input.nodepools[c.pool].name).copied().unwrap_or(0) == 0 {
            continue;
        }
        if input.nodes[c.node].pods.is_empty() {
            continue;
        }
        if let Ok(cmd) = compute_consolidation(input, &[c], Method::SingleNodeConsolidation) {
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
