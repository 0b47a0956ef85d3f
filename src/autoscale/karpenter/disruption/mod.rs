//! Disruption controller decisions: which nodes Karpenter voluntarily removes or replaces.
//!
//! One loop ([`disrupt`]) tries, in upstream order, Emptiness → MultiNodeConsolidation →
//! SingleNodeConsolidation (drift is not modelled); the first method yielding a command wins.
//! Expiration ([`expired`]) is forceful and not budget-limited. A command is executed only after
//! [`validate`] re-checks it [`VALIDATION_TTL_MS`] later.
//!
//! Submodules: [`cron`] (budget schedules), [`budgets`], [`candidates`] (who may be disrupted,
//! disruption cost), [`consolidation`] (delete/replace computation, single- and multi-node),
//! [`emptiness`], [`validation`].

pub mod budgets;
pub mod candidates;
pub mod consolidation;
pub mod cron;
pub mod emptiness;
pub mod validation;

use std::collections::BTreeMap;

use super::instance_types::{CapacityType, InstanceType, Resources};
use super::labels;
use super::nodepool::{NodePool, Taint};
use super::scheduling::{NewNodeClaim, Pod, Templates};

pub use budgets::{Budget, Reason, UNLIMITED};
pub use candidates::{Candidate, disruption_cost, eviction_cost, get_candidates, lifetime_remaining};
pub use consolidation::{MIN_INSTANCE_TYPES_FOR_SPOT_TO_SPOT, compute_consolidation, multi_node, single_node};
pub use emptiness::emptiness;
pub use validation::{VALIDATION_TTL_MS, Validation, validate, validate_with};

/// Disruption loop period (ms).
pub const POLL_PERIOD_MS: u64 = 10_000;

/// A node as the disruption controller sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterNode {
    pub name: String,
    /// Owning NodePool (`None` = not managed by Karpenter).
    pub nodepool: Option<String>,
    pub instance_type: Option<String>,
    pub zone: Option<String>,
    pub capacity_type: Option<CapacityType>,
    pub labels: BTreeMap<String, String>,
    pub allocatable: Resources,
    /// Reschedulable pods (not DaemonSet pods, not terminal).
    pub pods: Vec<Pod>,
    /// Requests of pods that stay with the node (DaemonSets).
    pub daemon_requests: Resources,
    pub taints: Vec<Taint>,
    pub created_at_ms: u64,
    /// `None` = not initialized yet.
    pub initialized_at_ms: Option<u64>,
    pub ready: bool,
    pub marked_for_deletion: bool,
    /// Last pod bind/removal on the node (drives consolidateAfter).
    pub last_pod_event_ms: u64,
    /// NodeClaim `spec.expireAfter` (copied from the pool at launch); `None` = Never.
    pub expire_after_ms: Option<u64>,
    /// Node annotated `karpenter.sh/do-not-disrupt`.
    pub do_not_disrupt: bool,
}

impl ClusterNode {
    /// A ready, initialized node of `pool` launched as `it` in `zone` with `capacity_type`, with the
    /// well-known labels set from the instance type.
    pub fn launched(
        name: &str,
        pool: &NodePool,
        it: &InstanceType,
        zone: &str,
        capacity_type: CapacityType,
        at_ms: u64,
    ) -> ClusterNode {
        let mut labels_map = BTreeMap::new();
        for r in it.requirements.iter() {
            if let Some(v) = r.any()
                && r.key != labels::ZONE
                && r.key != labels::CAPACITY_TYPE
            {
                labels_map.insert(r.key.clone(), v.to_string());
            }
        }
        labels_map.insert(labels::NODEPOOL.to_string(), pool.name.clone());
        labels_map.insert(labels::ZONE.to_string(), zone.to_string());
        labels_map.insert(labels::CAPACITY_TYPE.to_string(), capacity_type.as_str().to_string());
        labels_map.insert(labels::HOSTNAME.to_string(), name.to_string());
        for (k, v) in &pool.labels {
            labels_map.insert(k.clone(), v.clone());
        }
        ClusterNode {
            name: name.to_string(),
            nodepool: Some(pool.name.clone()),
            instance_type: Some(it.name.clone()),
            zone: Some(zone.to_string()),
            capacity_type: Some(capacity_type),
            labels: labels_map,
            allocatable: it.allocatable(),
            pods: Vec::new(),
            daemon_requests: Resources::default(),
            taints: pool.taints.clone(),
            created_at_ms: at_ms,
            initialized_at_ms: Some(at_ms),
            ready: true,
            marked_for_deletion: false,
            last_pod_event_ms: at_ms,
            expire_after_ms: pool.expire_after_ms,
            do_not_disrupt: false,
        }
    }

    pub fn with_pods(mut self, pods: Vec<Pod>) -> ClusterNode {
        self.pods = pods;
        self
    }

    /// Sum of pod and daemon requests.
    pub fn requested(&self) -> Resources {
        self.pods.iter().fold(self.daemon_requests, |acc, p| acc.add(&p.requests))
    }
}

/// Everything a disruption decision looks at.
#[derive(Debug, Clone, Copy)]
pub struct DisruptionInput<'a> {
    /// Unix epoch ms (budget schedules are evaluated in UTC).
    pub now_ms: u64,
    pub nodepools: &'a [NodePool],
    pub instance_types: &'a [InstanceType],
    pub nodes: &'a [ClusterNode],
    /// Pods waiting for a node (upstream `GetPendingPods`; a drained node's pods are recreated
    /// pending): consolidation must leave them the room they need.
    pub pending: &'a [Pod],
    pub daemonsets: &'a [Pod],
    /// Feature gate SpotToSpotConsolidation (upstream default: off).
    pub spot_to_spot: bool,
}

/// Which method produced a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Emptiness,
    MultiNodeConsolidation,
    SingleNodeConsolidation,
}

/// Delete the candidates, or replace them by one new NodeClaim.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub method: Method,
    pub reason: Reason,
    /// Candidate node names.
    pub candidates: Vec<String>,
    /// `None` = delete only.
    pub replacement: Option<NewNodeClaim>,
}

impl Command {
    pub fn is_delete(&self) -> bool {
        self.replacement.is_none()
    }
}

/// One disruption pass: Emptiness, then multi-node, then single-node consolidation.
pub fn disrupt(input: &DisruptionInput) -> Option<Command> {
    disrupt_with(input, &consolidation::templates(input))
}

/// [`disrupt`] with the NodePools' templates prepared by the caller (they are fixed for a run).
pub fn disrupt_with(input: &DisruptionInput, templates: &Templates) -> Option<Command> {
    let all = candidates::get_candidates(input, false);
    emptiness::emptiness_from(input, &all).or_else(|| {
        // Both consolidation methods start from the same candidates and budgets: those of
        // pools that consolidate underutilized nodes (`get_candidates(input, true)`).
        let underutilized = |c: &Candidate| candidates::consolidates_underutilized(&input.nodepools[c.pool]);
        let candidates: Vec<Candidate> = all.into_iter().filter(underutilized).collect();
        let budgets = consolidation::budgets_for(input, Reason::Underutilized);
        consolidation::multi_node_from(input, templates, &candidates, budgets.clone())
            .or_else(|| consolidation::single_node_from(input, templates, candidates, &budgets))
    })
}

/// Nodes whose NodeClaim has lived `expireAfter` or longer at `now_ms`: deleted forcefully,
/// regardless of budgets (karpenter.sh/v1), their pods going pending for the provisioner.
pub fn expired(nodes: &[ClusterNode], now_ms: u64) -> Vec<String> {
    nodes
        .iter()
        .filter(|n| n.nodepool.is_some() && !n.marked_for_deletion)
        .filter(|n| n.expire_after_ms.is_some_and(|e| now_ms >= n.created_at_ms.saturating_add(e)))
        .map(|n| n.name.clone())
        .collect()
}
