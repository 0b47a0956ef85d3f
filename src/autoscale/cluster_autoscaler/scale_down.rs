//! Scale-down planning (`core/scaledown/{eligibility,unneeded,planner,budgets}`).
//!
//! Each loop:
//! 1. candidates: ready-or-not nodes of known groups, not being deleted, not annotated
//!    `scale-down-disabled`, with utilization **<** the threshold (see [`super::utilization`]);
//! 2. removal simulation: every movable pod (not DaemonSet, not mirror, not long-terminating)
//!    must fit (first-fit on CPU, memory, pod count, host ports) on another ready node that is
//!    not itself being removed; pods placed by earlier candidates stay placed. A pod with
//!    `blocks_scale_down` makes the node unremovable;
//! 3. unneeded tracking: the first time a node is seen unneeded is remembered and kept while it
//!    stays unneeded; it becomes removable once `since + unneeded_time < now` (unready nodes use
//!    `scale-down-unready-time`), and only while the group stays above its min size;
//! 4. cooldown: nothing is deleted within delay-after-add / -delete / -failure, or in a loop
//!    that scaled up;
//! 5. budgets: empty nodes up to min(`max-empty-bulk-delete`, `max-scale-down-parallelism`),
//!    then nodes needing a drain up to `max-drain-parallelism` within the same parallelism.
//!
//! Not modelled: PDB arithmetic, node-group resource limits, soft taints, the candidate pool
//! heuristics (`scale-down-non-empty-candidates-count`), unremovable-node recheck timeout.

use std::collections::BTreeMap;

use crate::engine::Millis;

use super::config::AutoscalerConfig;
use super::types::{Node, NodeGroup, Pod, PodKind, Requests, group_by_id};
use super::utilization::{UtilizationError, calculate};

/// What scale-down remembers between loops.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScaleDownState {
    unneeded_since: BTreeMap<String, Millis>,
    pub last_scale_up: Option<Millis>,
    pub last_scale_down_delete: Option<Millis>,
    pub last_scale_down_failure: Option<Millis>,
}

impl ScaleDownState {
    pub fn record_scale_up(&mut self, now: Millis) {
        self.last_scale_up = Some(now);
    }
    pub fn record_deletion(&mut self, now: Millis) {
        self.last_scale_down_delete = Some(now);
    }
    pub fn record_failure(&mut self, now: Millis) {
        self.last_scale_down_failure = Some(now);
    }
    /// Since when `node` has been unneeded, if it is.
    pub fn unneeded_since(&self, node: &str) -> Option<Millis> {
        self.unneeded_since.get(node).copied()
    }
}

/// What scale-down reads.
#[derive(Clone, Copy)]
pub struct ScaleDownInput<'a> {
    pub groups: &'a [NodeGroup],
    pub nodes: &'a [Node],
    pub now: Millis,
    pub config: &'a AutoscalerConfig,
    /// True if this loop issued a scale-up (upstream skips scale-down then).
    pub scaled_up_this_loop: bool,
}

/// Why a node is kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Unremovable {
    CurrentlyBeingDeleted,
    ScaleDownDisabledAnnotation,
    NotAutoscaled,
    UtilizationUnknown(UtilizationError),
    NotUnderutilized {
        utilization: f64,
    },
    /// A pod that must not be evicted.
    BlockedByPod(String),
    /// A pod that fits no other node.
    NoPlaceToMovePods(String),
    NotUnneededLongEnough {
        since: Millis,
    },
    NotUnreadyLongEnough {
        since: Millis,
    },
    NodeGroupMinSizeReached,
}

/// A node to delete now.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeToDelete {
    pub node: String,
    pub group_id: String,
    /// True if only DaemonSet/mirror pods run there (no drain needed).
    pub empty: bool,
    pub utilization: f64,
    pub unneeded_since: Millis,
    pub reason: String,
}

/// Result of one planning loop.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScaleDownPlan {
    pub delete: Vec<NodeToDelete>,
    /// Currently unneeded nodes with their utilization (deleted or not).
    pub unneeded: Vec<(String, f64)>,
    pub unremovable: Vec<(String, Unremovable)>,
    /// Why nothing may be deleted this loop, if so.
    pub blocked: Option<String>,
}

struct Dest {
    name: String,
    group_id: String,
    free: Requests,
    pods_left: u32,
    ports: Vec<u16>,
}

impl Dest {
    fn take(&mut self, p: &Pod) -> bool {
        if !p.allowed_on(&self.group_id)
            || p.requests.milli_cpu > self.free.milli_cpu
            || p.requests.memory > self.free.memory
            || self.pods_left == 0
            || p.host_ports.iter().any(|x| self.ports.contains(x))
        {
            return false;
        }
        self.free.milli_cpu -= p.requests.milli_cpu;
        self.free.memory -= p.requests.memory;
        self.pods_left -= 1;
        self.ports.extend_from_slice(&p.host_ports);
        true
    }
}

fn movable(p: &Pod, now: Millis) -> bool {
    p.kind == PodKind::Replicated && !p.is_long_terminating(now)
}

/// Plans this loop's deletions and updates `state`'s unneeded tracking.
pub fn plan_scale_down(state: &mut ScaleDownState, input: &ScaleDownInput) -> ScaleDownPlan {
    let cfg = input.config;
    let now = input.now;
    let mut plan = ScaleDownPlan::default();
    if !cfg.scale_down_enabled {
        plan.blocked = Some("scale-down disabled".into());
        return plan;
    }
    if input.scaled_up_this_loop {
        plan.blocked = Some("scale-up in this loop".into());
        return plan;
    }

    // Destinations: ready nodes not being deleted, with their free room.
    let mut dests: Vec<Dest> = input
        .nodes
        .iter()
        .filter(|n| n.ready && !n.being_deleted)
        .map(|n| {
            let used = n.requested(now);
            Dest {
                name: n.name.clone(),
                group_id: n.group_id.clone(),
                free: Requests::new(
                    n.allocatable.milli_cpu.saturating_sub(used.milli_cpu),
                    n.allocatable.memory.saturating_sub(used.memory),
                ),
                pods_left: n
                    .allocatable
                    .pods
                    .saturating_sub(n.pods.iter().filter(|p| !p.is_long_terminating(now)).count() as u32),
                ports: n.pods.iter().flat_map(|p| p.host_ports.iter().copied()).collect(),
            }
        })
        .collect();

    // 1–2. Eligibility and removal simulation.
    let mut unneeded: Vec<(&Node, f64, bool)> = Vec::new();
    let mut removed: Vec<&str> = Vec::new();
    for node in input.nodes {
        let reason = 'check: {
            if node.being_deleted {
                break 'check Some(Unremovable::CurrentlyBeingDeleted);
            }
            if node.scale_down_disabled {
                break 'check Some(Unremovable::ScaleDownDisabledAnnotation);
            }
            if group_by_id(input.groups, &node.group_id).is_none() {
                break 'check Some(Unremovable::NotAutoscaled);
            }
            let util = match calculate(node, cfg.ignore_daemonsets_utilization, cfg.ignore_mirror_pods_utilization, now)
            {
                Ok(u) => u.utilization,
                Err(e) => break 'check Some(Unremovable::UtilizationUnknown(e)),
            };
            if util >= cfg.scale_down_utilization_threshold {
                break 'check Some(Unremovable::NotUnderutilized { utilization: util });
            }
            let to_move: Vec<&Pod> = node.pods.iter().filter(|p| movable(p, now)).collect();
            if let Some(p) = to_move.iter().find(|p| p.blocks_scale_down) {
                break 'check Some(Unremovable::BlockedByPod(p.name.clone()));
            }
            // Trial placement on a copy, committed only if every pod fits.
            let snapshot: Vec<(Requests, u32, usize)> =
                dests.iter().map(|d| (d.free, d.pods_left, d.ports.len())).collect();
            for p in &to_move {
                let mut placed = false;
                for d in dests.iter_mut() {
                    if d.name != node.name && !removed.contains(&d.name.as_str()) && d.take(p) {
                        placed = true;
                        break;
                    }
                }
                if !placed {
                    for (d, (free, left, ports)) in dests.iter_mut().zip(&snapshot) {
                        d.free = *free;
                        d.pods_left = *left;
                        d.ports.truncate(*ports);
                    }
                    break 'check Some(Unremovable::NoPlaceToMovePods(p.name.clone()));
                }
            }
            removed.push(&node.name);
            unneeded.push((node, util, to_move.is_empty()));
            None
        };
        if let Some(r) = reason {
            plan.unremovable.push((node.name.clone(), r));
        }
    }

    // 3. Unneeded tracking: keep first-seen times of nodes still unneeded.
    let mut tracked = BTreeMap::new();
    for (n, _, _) in &unneeded {
        let since = state.unneeded_since.get(&n.name).copied().unwrap_or(now);
        tracked.insert(n.name.clone(), since);
    }
    state.unneeded_since = tracked;
    plan.unneeded = unneeded.iter().map(|(n, u, _)| (n.name.clone(), *u)).collect();

    // 4. Cooldown.
    let within = |t: Option<Millis>, d: Millis| t.is_some_and(|t| t + d > now);
    if within(state.last_scale_up, cfg.scale_down_delay_after_add) {
        plan.blocked = Some("scale-down-delay-after-add".into());
    } else if within(state.last_scale_down_delete, cfg.scale_down_delay_after_delete) {
        plan.blocked = Some("scale-down-delay-after-delete".into());
    } else if within(state.last_scale_down_failure, cfg.scale_down_delay_after_failure) {
        plan.blocked = Some("scale-down-delay-after-failure".into());
    }
    if plan.blocked.is_some() {
        return plan;
    }

    // 3b. Removable now: unneeded long enough, group above min size (empty nodes first).
    let mut sizes: Vec<(&str, u32)> = input.groups.iter().map(|g| (g.id.as_str(), g.target_size)).collect();
    let mut empty_ok = Vec::new();
    let mut drain_ok = Vec::new();
    let ordered = unneeded.iter().filter(|u| u.2).chain(unneeded.iter().filter(|u| !u.2));
    for &(node, util, empty) in ordered {
        let since = state.unneeded_since[&node.name];
        let (wait, too_soon) = if node.ready {
            (cfg.scale_down_unneeded_time, Unremovable::NotUnneededLongEnough { since })
        } else {
            (cfg.scale_down_unready_time, Unremovable::NotUnreadyLongEnough { since })
        };
        if since + wait >= now {
            plan.unremovable.push((node.name.clone(), too_soon));
            continue;
        }
        let min = group_by_id(input.groups, &node.group_id).map_or(0, |g| g.min_size);
        let Some(size) = sizes.iter_mut().find(|(id, _)| *id == node.group_id) else { continue };
        if size.1 <= min {
            plan.unremovable.push((node.name.clone(), Unremovable::NodeGroupMinSizeReached));
            continue;
        }
        size.1 -= 1;
        let d = NodeToDelete {
            node: node.name.clone(),
            group_id: node.group_id.clone(),
            empty,
            utilization: util,
            unneeded_since: since,
            reason: format!(
                "{} node, utilization {:.3} < {} for {} ms",
                if empty { "empty" } else { "underutilized" },
                util,
                cfg.scale_down_utilization_threshold,
                now - since
            ),
        };
        if empty { empty_ok.push(d) } else { drain_ok.push(d) }
    }

    // 5. Budgets.
    let empty_budget = cfg.max_empty_bulk_delete.min(cfg.max_scale_down_parallelism) as usize;
    empty_ok.truncate(empty_budget);
    let drain_budget = (cfg.max_drain_parallelism as usize)
        .min((cfg.max_scale_down_parallelism as usize).saturating_sub(empty_ok.len()));
    drain_ok.truncate(drain_budget);
    plan.delete = empty_ok.into_iter().chain(drain_ok).collect();
    plan
}
