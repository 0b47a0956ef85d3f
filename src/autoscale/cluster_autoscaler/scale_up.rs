//! One scale-up decision (`core/scaleup/orchestrator`): which node group grows, by how much,
//! for which pending pods.
//!
//! Steps, as upstream:
//! 1. drop expendable pods (priority < cutoff) and pods younger than `new-pod-scale-up-delay`;
//! 2. drop pods that fit free room on registered nodes or on *upcoming* nodes (target size
//!    minus registered nodes, as template nodes), so a loop running while VMs boot does not
//!    ask again for the same pods (`filterOutSchedulable`, pods by decreasing priority);
//! 3. per node group (by id): skip groups in backoff or at max size; keep pods that fit the
//!    template alone; binpack them with a node limit of
//!    min(max − target, `max-nodes-per-scaleup`, `max-nodes-total` headroom);
//! 4. let the expander chain pick one option.

use crate::engine::{Millis, StreamRng};

use super::backoff::Backoff;
use super::config::AutoscalerConfig;
use super::estimator::{estimate, fits_template};
use super::expander::{Choice, ExpanderContext, ExpansionOption, choose};
use super::types::{Allocatable, Node, NodeGroup, Pod, Requests};

/// What scale-up reads.
#[derive(Clone, Copy)]
pub struct ScaleUpInput<'a> {
    pub groups: &'a [NodeGroup],
    /// Registered nodes with their pods.
    pub nodes: &'a [Node],
    /// Pods the scheduler marked unschedulable.
    pub pending: &'a [Pod],
    pub now: Millis,
    pub config: &'a AutoscalerConfig,
    pub backoff: &'a Backoff,
    pub expander: ExpanderContext<'a>,
}

/// The decision: grow `group_id` by `delta` nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleUp {
    pub group_id: String,
    pub delta: u32,
    /// Target size after the increase.
    pub new_target: u32,
    /// Names of the pending pods the new nodes are expected to host.
    pub pods_helped: Vec<String>,
    pub reason: String,
}

/// Why a node group was not an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupSkip {
    BackedOff {
        until: Millis,
    },
    MaxSizeReached,
    MaxNodesTotalReached,
    /// No remaining pending pod fits an empty node of this group.
    NoPodFits,
}

/// Full outcome, for explainability.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleUpOutcome {
    pub scale_up: Option<ScaleUp>,
    /// Pods ignored: expendable or younger than the delay.
    pub ignored_pods: Vec<String>,
    /// Pods expected to land on existing free room or on upcoming nodes.
    pub schedulable_pods: Vec<String>,
    /// Pods still needing new capacity after filtering.
    pub unschedulable_pods: Vec<String>,
    pub skipped_groups: Vec<(String, GroupSkip)>,
    pub options: Vec<ExpansionOption>,
    pub reason: String,
}

/// Free room on a node (existing or upcoming) for the schedulability filter.
struct Room {
    group_id: String,
    alloc: Allocatable,
    used: Requests,
    pods: u32,
    ports: Vec<u16>,
}

impl Room {
    fn take(&mut self, p: &Pod) -> bool {
        let used = self.used.saturating_add(p.requests);
        if !p.allowed_on(&self.group_id)
            || used.milli_cpu > self.alloc.milli_cpu
            || used.memory > self.alloc.memory
            || self.pods + 1 > self.alloc.pods
            || p.host_ports.iter().any(|x| self.ports.contains(x))
        {
            return false;
        }
        self.used = used;
        self.pods += 1;
        self.ports.extend_from_slice(&p.host_ports);
        true
    }
}

fn rooms(input: &ScaleUpInput) -> Vec<Room> {
    let mut rooms: Vec<Room> = input
        .nodes
        .iter()
        .filter(|n| n.ready && !n.being_deleted)
        .map(|n| Room {
            group_id: n.group_id.clone(),
            alloc: n.allocatable,
            used: n.requested(input.now),
            pods: n.pods.iter().filter(|p| !p.is_long_terminating(input.now)).count() as u32,
            ports: n.pods.iter().flat_map(|p| p.host_ports.iter().copied()).collect(),
        })
        .collect();
    for g in input.groups {
        let registered = input.nodes.iter().filter(|n| n.group_id == g.id).count() as u32;
        for _ in registered..g.target_size {
            rooms.push(Room {
                group_id: g.id.clone(),
                alloc: g.allocatable,
                used: g.daemonset_requests,
                pods: g.daemonset_pods,
                ports: Vec::new(),
            });
        }
    }
    rooms
}

/// Computes the scale-up for this loop. `rng` breaks expander ties.
pub fn scale_up(input: &ScaleUpInput, rng: &mut StreamRng) -> ScaleUpOutcome {
    let cfg = input.config;
    let mut ignored = Vec::new();
    let mut candidates: Vec<&Pod> = Vec::new();
    for p in input.pending {
        if p.priority < cfg.expendable_pods_priority_cutoff || p.created_at + cfg.new_pod_scale_up_delay > input.now {
            ignored.push(p.name.clone());
        } else {
            candidates.push(p);
        }
    }
    candidates.sort_by_key(|p| std::cmp::Reverse(p.priority));

    let mut rooms = rooms(input);
    let mut schedulable = Vec::new();
    let mut remaining: Vec<Pod> = Vec::new();
    for p in candidates {
        if rooms.iter_mut().any(|r| r.take(p)) {
            schedulable.push(p.name.clone());
        } else {
            remaining.push(p.clone());
        }
    }
    let unschedulable: Vec<String> = remaining.iter().map(|p| p.name.clone()).collect();

    let mut outcome = ScaleUpOutcome {
        scale_up: None,
        ignored_pods: ignored,
        schedulable_pods: schedulable,
        unschedulable_pods: unschedulable,
        skipped_groups: Vec::new(),
        options: Vec::new(),
        reason: String::new(),
    };
    if remaining.is_empty() {
        outcome.reason = "no unschedulable pods".into();
        return outcome;
    }

    let total: u32 = input.groups.iter().map(|g| g.target_size).sum();
    let mut groups: Vec<&NodeGroup> = input.groups.iter().collect();
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    for g in groups {
        if input.backoff.is_backed_off(&g.id, input.now) {
            let until = input.backoff.backed_off_until(&g.id).unwrap_or(input.now);
            outcome.skipped_groups.push((g.id.clone(), GroupSkip::BackedOff { until }));
            continue;
        }
        if g.target_size >= g.max_size {
            outcome.skipped_groups.push((g.id.clone(), GroupSkip::MaxSizeReached));
            continue;
        }
        let mut limit = (g.max_size - g.target_size).min(cfg.max_nodes_per_scale_up);
        if cfg.max_nodes_total > 0 {
            limit = limit.min(cfg.max_nodes_total.saturating_sub(total));
            if limit == 0 {
                outcome.skipped_groups.push((g.id.clone(), GroupSkip::MaxNodesTotalReached));
                continue;
            }
        }
        let fitting: Vec<Pod> = remaining.iter().filter(|p| fits_template(p, g)).cloned().collect();
        let est = estimate(&fitting, g, Some(limit));
        if est.node_count == 0 {
            outcome.skipped_groups.push((g.id.clone(), GroupSkip::NoPodFits));
            continue;
        }
        let pods = est.scheduled.iter().map(|&i| fitting[i].clone()).collect();
        outcome.options.push(ExpansionOption { group_id: g.id.clone(), node_count: est.node_count, pods });
    }
    if outcome.options.is_empty() {
        outcome.reason = "no node group can help the unschedulable pods".into();
        return outcome;
    }

    let Choice { index, reason } = choose(&cfg.expanders, &outcome.options, &input.expander, rng);
    let Some(i) = index else {
        outcome.reason = format!("expander chose no option ({reason})");
        return outcome;
    };
    let opt = &outcome.options[i];
    let target = input.groups.iter().find(|g| g.id == opt.group_id).map_or(0, |g| g.target_size);
    outcome.scale_up = Some(ScaleUp {
        group_id: opt.group_id.clone(),
        delta: opt.node_count,
        new_target: target + opt.node_count,
        pods_helped: opt.pods.iter().map(|p| p.name.clone()).collect(),
        reason: format!(
            "{} pod(s) unschedulable; {} option(s); {reason}; +{} node(s) for {} pod(s)",
            outcome.unschedulable_pods.len(),
            outcome.options.len(),
            opt.node_count,
            opt.pods.len()
        ),
    });
    outcome.reason = "scale-up".into();
    outcome
}
