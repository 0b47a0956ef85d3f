//! Consolidation (`consolidation.go`, `singlenodeconsolidation.go`, `multinodeconsolidation.go`):
//! can the candidates' pods run elsewhere (delete), or on one strictly cheaper new node (replace)?

use std::collections::BTreeMap;

use super::budgets::{BudgetNode, Reason, budget_mapping};
use super::candidates::{Candidate, get_candidates};
use super::{ClusterNode, Command, DisruptionInput, Method};
use crate::autoscale::karpenter::instance_types::{CapacityType, InstanceType, Resources, satisfies_min_values};
use crate::autoscale::karpenter::labels;
use crate::autoscale::karpenter::nodepool::tolerates_all;
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
    /// The pending pods (the first `pending`), then the candidates' pods, as the solution
    /// indexes them.
    pub pods: Vec<&'a Pod>,
    pub pending: usize,
}

impl Simulation<'_> {
    /// Pods that must schedule but would not (upstream `AllNonPendingPodsScheduled`): the
    /// candidates'; pending pods may stay pending.
    pub fn stranded(&self) -> impl Iterator<Item = &(usize, String)> {
        self.solution.unschedulable.iter().filter(|(i, _)| *i >= self.pending)
    }
}

/// Re-simulates scheduling with the candidates removed (upstream `SimulateScheduling`): the
/// pending pods and the candidates' pods onto the remaining nodes, then new NodeClaims from the
/// pools' `templates` (prepared once per disruption pass). Pending pods take part, so the
/// candidates' pods get only the room they leave.
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
    let pending = input.pending.len();
    let pods: Vec<&'a Pod> =
        input.pending.iter().chain(candidates.iter().flat_map(|c| nodes[c.node].pods.iter())).collect();
    let solution = solve(input.nodepools, input.instance_types, templates, &existing, &usage, &pods);
    Simulation { solution, pods, pending }
}

/// Whether `candidates` provably cannot be consolidated: their pods need more than the other
/// nodes they could run on have free, pooled, and no one NodeClaim cheaper than the candidates
/// could carry the rest. Each step relaxes the simulation (free room is pooled across nodes,
/// limits and minValues are ignored, each type is priced by its cheapest offering its pool
/// allows), so when this says `true`, [`consolidate`] would return an error, and the methods
/// skip the simulation.
fn provably_stuck(input: &DisruptionInput, templates: &Templates, candidates: &[&Candidate]) -> bool {
    let pods: Vec<&Pod> = candidates.iter().flat_map(|c| &input.nodes[c.node].pods).collect();
    let need = pods.iter().fold(Resources::default(), |acc, p| acc.add(&p.requests));
    // A node hosts some pod if it hosts one of each run of pods with the same constraints
    // (a node's pods are listed workload by workload).
    let mut kinds: Vec<&Pod> = Vec::with_capacity(4);
    for p in &pods {
        if kinds.last().is_none_or(|k| !k.same_constraints(p)) {
            kinds.push(p);
        }
    }
    let free = input
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| !n.marked_for_deletion && !candidates.iter().any(|c| c.node == *i))
        .filter(|(_, n)| {
            kinds.iter().any(|p| tolerates_all(&n.taints, &p.tolerations) && p.requirements.matches_labels(&n.labels))
        })
        .fold(Resources::default(), |acc, (_, n)| acc.add(&n.allocatable.saturating_sub(&n.requested())));
    if need.fits_in(&free) {
        return false;
    }
    // Spot candidates without SpotToSpotConsolidation can only be replaced by a claim that
    // excludes spot.
    let all_spot = candidates.iter().all(|c| input.nodes[c.node].capacity_type == Some(CapacityType::Spot));
    let spot = input.spot_to_spot || !all_spot;
    let price: f64 = candidates.iter().map(|c| c.price).sum();
    !templates.could_fit_below(input.nodepools, &pods, price, &need.saturating_sub(&free), spot)
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
    let simulation = simulate(input, templates, candidates);
    // Named as the first by pod name, as a map keyed by name would list them.
    let pods = &simulation.pods;
    if let Some((pod, why)) = simulation.stranded().min_by(|a, b| pods[a.0].name.cmp(&pods[b.0].name)) {
        return Err(format!("not all pods would schedule, pod {:?}: {why}", pods[*pod].name));
    }
    let Simulation { solution, pods, .. } = simulation;
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

fn budget_nodes<'a>(input: &DisruptionInput<'a>) -> Vec<BudgetNode<'a>> {
    input
        .nodes
        .iter()
        .map(|n| BudgetNode {
            nodepool: n.nodepool.as_deref(),
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
        let cmd = (!provably_stuck(input, templates, prefix))
            .then(|| consolidate(input, templates, prefix, Method::MultiNodeConsolidation).ok())
            .flatten()
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
        if provably_stuck(input, templates, &[c]) {
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::autoscale::karpenter::disruption::Budget;
    use crate::autoscale::karpenter::instance_types::{Offering, with_azure_labels};
    use crate::autoscale::karpenter::nodepool::{NodePool, Taint, TaintEffect, Toleration};

    /// Four sizes with on-demand and spot offerings (prices in the Dsv5 ratios).
    fn catalog() -> Vec<InstanceType> {
        [(2, 0.096), (4, 0.192), (8, 0.384), (16, 0.768)]
            .into_iter()
            .map(|(cpu, od)| {
                with_azure_labels(
                    InstanceType::new(format!("Standard_D{cpu}s_v5"), cpu * 1000, cpu * (4 << 30), 110, "amd64")
                        .with_offering(Offering::new("z1", CapacityType::OnDemand, od))
                        .with_offering(Offering::new("z1", CapacityType::Spot, od * 0.2)),
                )
            })
            .collect()
    }

    fn spot_taint() -> Taint {
        Taint { key: "spot".into(), value: None, effect: TaintEffect::NoSchedule }
    }

    /// An on-demand pool and a tainted spot pool, both consolidating at once.
    fn pools() -> Vec<NodePool> {
        let pool = |name: &str, ct: CapacityType| {
            let mut p = NodePool::new(name)
                .with_budgets(vec![Budget::nodes("100%")])
                .with_requirement(Requirement::new(labels::CAPACITY_TYPE, Operator::In, [ct.as_str()]));
            p.consolidate_after_ms = Some(0);
            p
        };
        vec![pool("general", CapacityType::OnDemand), pool("spot", CapacityType::Spot).with_taint(spot_taint())]
    }

    /// (spot pool?, instance type, pods as (cpu, memory GiB, tolerates spot)).
    type NodeSpec = (bool, usize, Vec<(u64, u64, bool)>);

    fn cluster(specs: &[NodeSpec], pools: &[NodePool], catalog: &[InstanceType]) -> Vec<ClusterNode> {
        specs
            .iter()
            .enumerate()
            .map(|(i, (spot, it, pods))| {
                let (pool, ct) =
                    if *spot { (&pools[1], CapacityType::Spot) } else { (&pools[0], CapacityType::OnDemand) };
                let pods = pods
                    .iter()
                    .enumerate()
                    .map(|(j, &(cpu, gib, tolerates))| {
                        let p = Pod::new(format!("p{i}-{j}"), cpu, gib << 30);
                        if tolerates {
                            p.with_toleration(Toleration { key: Some("spot".into()), value: None, effect: None })
                        } else {
                            p
                        }
                    })
                    .collect();
                ClusterNode::launched(&format!("n{i}"), pool, &catalog[*it], "z1", ct, 0).with_pods(pods)
            })
            .collect()
    }

    fn input<'a>(
        pools: &'a [NodePool],
        catalog: &'a [InstanceType],
        nodes: &'a [ClusterNode],
        spot_to_spot: bool,
    ) -> DisruptionInput<'a> {
        DisruptionInput {
            now_ms: 1_000,
            nodepools: pools,
            instance_types: catalog,
            nodes,
            pending: &[],
            daemonsets: &[],
            spot_to_spot,
        }
    }

    fn node_spec() -> impl Strategy<Value = NodeSpec> {
        (any::<bool>(), 0usize..4, prop::collection::vec((100u64..3000, 0u64..6, any::<bool>()), 0..6))
    }

    proptest! {
        /// The bound only skips simulations that fail: whenever it says stuck, consolidating
        /// the same candidates (one node, or several) returns an error.
        #[test]
        fn a_provably_stuck_candidate_set_never_consolidates(
            specs in prop::collection::vec(node_spec(), 1..6),
            pending in prop::collection::vec((100u64..3000, 0u64..6), 0..4),
            spot_to_spot in any::<bool>(),
        ) {
            let (catalog, pools) = (catalog(), pools());
            let nodes = cluster(&specs, &pools, &catalog);
            let pending: Vec<Pod> =
                pending.iter().enumerate().map(|(i, &(cpu, gib))| Pod::new(format!("pending-{i}"), cpu, gib << 30)).collect();
            let input = DisruptionInput { pending: &pending, ..input(&pools, &catalog, &nodes, spot_to_spot) };
            let templates = templates(&input);
            let candidates = get_candidates(&input, true);
            let singles = candidates.iter().map(std::slice::from_ref);
            let all: Vec<&Candidate> = candidates.iter().collect();
            let prefixes = (2..=all.len()).map(|n| &all[..n]);
            for set in singles.map(|s| s.iter().collect::<Vec<_>>()).chain(prefixes.map(<[_]>::to_vec)) {
                if provably_stuck(&input, &templates, &set) {
                    let outcome = consolidate(&input, &templates, &set, Method::SingleNodeConsolidation);
                    prop_assert!(outcome.is_err(), "skipped a consolidation that succeeds: {outcome:?}");
                }
            }
        }
    }

    /// Pending pods keep the room they need (upstream `SimulateScheduling` schedules them with
    /// the candidates' pods): a lightly used node whose pods fit next door is deleted, unless a
    /// pending pod needs that room (then at best it is replaced by a smaller node).
    #[test]
    fn pending_pods_keep_the_room_consolidation_would_take() {
        let (catalog, pools) = (catalog(), pools());
        let nodes =
            cluster(&[(false, 2, vec![(1500, 1, false)]), (false, 2, vec![(1500, 1, false)])], &pools, &catalog);
        let input = input(&pools, &catalog, &nodes, false);
        let templates = templates(&input);
        let candidates = get_candidates(&input, true);
        let cmd = consolidate(&input, &templates, &[&candidates[0]], Method::SingleNodeConsolidation);
        assert!(cmd.as_ref().is_ok_and(|c| c.replacement.is_none()), "without pending pods: delete, got {cmd:?}");
        // n1 (8 vCPU) has room for the candidate's 1.5 cores, or for the pending 6, not both.
        let pending = [Pod::new("waiting", 6000, 1 << 30)];
        let input = DisruptionInput { pending: &pending, ..input };
        let cmd = consolidate(&input, &templates, &[&candidates[0]], Method::SingleNodeConsolidation);
        assert!(
            !cmd.as_ref().is_ok_and(|c| c.replacement.is_none()),
            "a pending pod needs the room the candidate's pod would take: {cmd:?}"
        );
    }

    /// The bound does fire: a full on-demand node next to another full one cannot move, and a
    /// half-empty one next to room can.
    #[test]
    fn the_bound_skips_a_stuck_node_and_keeps_a_movable_one() {
        let (catalog, pools) = (catalog(), pools());
        let full = vec![(1800, 2, false), (1800, 2, false), (1800, 2, false), (1800, 2, false)];
        let nodes = cluster(&[(false, 2, full.clone()), (false, 2, full)], &pools, &catalog);
        let input = input(&pools, &catalog, &nodes, false);
        let templates = templates(&input);
        let candidates = get_candidates(&input, true);
        assert!(provably_stuck(&input, &templates, &[&candidates[0]]));
        let nodes = cluster(&[(false, 2, vec![(500, 1, false)]), (false, 2, vec![(500, 1, false)])], &pools, &catalog);
        let input = DisruptionInput { nodes: &nodes, ..input };
        let candidates = get_candidates(&input, true);
        assert!(!provably_stuck(&input, &templates, &[&candidates[0]]));
        assert!(consolidate(&input, &templates, &[&candidates[0]], Method::SingleNodeConsolidation).is_ok());
    }
}
