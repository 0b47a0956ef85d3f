//! The Cluster Autoscaler in the run: every scan interval it expires overdue scale-ups (group
//! backoff), asks the `autoscale::cluster_autoscaler` library for one scale-up for the pending
//! pods and carries it out (VMSS nodes that boot for the provisioning latency), then plans
//! scale-down and drains what it picks. The library checks resources; the scheduler's other
//! predicates (taints, selectors) are evaluated here on each pool's template node.

use std::collections::BTreeMap;

use super::pods::PodState;
use super::result::Decision;
use super::{Event, Live, World, bind_pending, nodes, pod_name};
use crate::autoscale::cluster_autoscaler as ca;
use crate::cluster::scheduler::{self, NodeInfo, Profile};
use crate::cluster::{NewNode, NodeId, group_node_info, pod_info};
use crate::engine::{Millis, StreamRng};
use crate::model::{ClusterAutoscalerSetup, NodeAutoscaling};

/// The Cluster Autoscaler's state during a run.
pub(super) struct ClusterAutoscaler {
    backoff: ca::Backoff,
    /// Issued scale-ups whose nodes are not all Ready yet.
    requests: Vec<ca::ScaleUpRequest>,
    scale_down: ca::ScaleDownState,
    launch_rng: StreamRng,
    expander_rng: StreamRng,
    /// Node names per pool: `<pool>-<n>`.
    launched: BTreeMap<String, u64>,
    /// Per workload: the pools (CA's and fixed ones) whose nodes pass its pods' predicates.
    allowed: Vec<Vec<String>>,
    /// Workloads already reported as unschedulable (one decision each).
    unschedulable_reported: Vec<bool>,
    /// The last "no scale-up" explanation: a row only when it changes.
    last_no_scale_up: Option<String>,
}

fn setup<'a>(world: &World<'a>) -> &'a ClusterAutoscalerSetup {
    match &world.scenario.node_autoscaling {
        NodeAutoscaling::ClusterAutoscaler(s) => s,
        _ => unreachable!("Cluster Autoscaler state without its setup"),
    }
}

impl ClusterAutoscaler {
    pub(super) fn new(world: &World<'_>, launch_rng: StreamRng, expander_rng: StreamRng) -> Self {
        let s = setup(world);
        // Templates: a new node of each pool, and the first node of each fixed group.
        let mut templates: Vec<NodeInfo> = s.pools.iter().map(|p| group_node_info(&p.nodes, "template")).collect();
        templates.extend(world.scenario.nodes.iter().map(|g| group_node_info(g, "template")));
        for t in &mut templates {
            // Resources are the library's job: only the other predicates decide here.
            t.allocatable = scheduler::Resources::new(i64::MAX / 4, i64::MAX / 4, i64::MAX / 4);
        }
        let profile = Profile::default();
        let allowed = world
            .scenario
            .workloads
            .iter()
            .map(|wl| {
                let pod = pod_info(&wl.deployment, "probe");
                templates
                    .iter()
                    .filter(|t| scheduler::schedule(&pod, std::slice::from_ref(*t), &profile).is_ok())
                    .filter_map(|t| t.labels.get("agentpool").cloned())
                    .collect()
            })
            .collect();
        ClusterAutoscaler {
            backoff: ca::Backoff::from_config(&s.config),
            requests: Vec::new(),
            scale_down: ca::ScaleDownState::default(),
            launch_rng,
            expander_rng,
            launched: BTreeMap::new(),
            allowed,
            unschedulable_reported: vec![false; world.scenario.workloads.len()],
            last_no_scale_up: None,
        }
    }
}

fn state<'w>(world: &'w mut World<'_>) -> &'w mut ClusterAutoscaler {
    world.cluster_autoscaler.as_mut().expect("Cluster Autoscaler state")
}

/// The CA's view: node groups at their current size, Ready nodes with their pods, pending pods.
struct View {
    groups: Vec<ca::NodeGroup>,
    nodes: Vec<ca::Node>,
    pending: Vec<ca::Pod>,
    /// Pending pod name → workload.
    owner: BTreeMap<String, usize>,
}

fn ca_pod(world: &World<'_>, w: usize, name: String, created: Millis) -> ca::Pod {
    let d = &world.scenario.workloads[w].deployment;
    let mut p = ca::Pod::new(name, (d.requests.cpu * 1000.0).round() as u64, d.requests.memory.round().max(0.0) as u64)
        .created_at(created);
    p.allowed_groups = world.cluster_autoscaler.as_ref().map(|c| c.allowed[w].clone());
    p
}

fn view(world: &World<'_>, live: &[Live]) -> View {
    let s = setup(world);
    let groups: Vec<ca::NodeGroup> = s
        .pools
        .iter()
        .map(|p| {
            let mut g = p.group.clone();
            g.target_size = pool_size(world, &g.id);
            g
        })
        .collect();
    let mut pods: BTreeMap<NodeId, Vec<ca::Pod>> = BTreeMap::new();
    let mut pending = Vec::new();
    let mut owner = BTreeMap::new();
    for (w, l) in live.iter().enumerate() {
        let wl = &world.scenario.workloads[w];
        for p in &l.pods.pods {
            let name = pod_name(wl, p.id);
            let mut pod = ca_pod(world, w, name.clone(), p.created);
            match (p.node, p.state) {
                (None, _) => {
                    owner.insert(name, w);
                    pending.push(pod);
                }
                (Some(n), state) => {
                    if let PodState::Terminating { until } = state {
                        let grace = wl.pods.termination_grace_ms;
                        pod = pod.deleted_at(until.saturating_sub(grace), grace);
                    }
                    pods.entry(n).or_default().push(pod);
                }
            }
        }
    }
    let mut nodes = Vec::new();
    for (info, m) in world.cluster.infos.iter().zip(&world.cluster.meta) {
        // Unregistered (booting) VMs are the groups' upcoming nodes, not nodes.
        if m.ready_at.is_none() {
            continue;
        }
        let a = &info.allocatable;
        let mut alloc = ca::Allocatable::new(a.milli_cpu.max(0) as u64, a.memory.max(0) as u64, a.pods.max(0) as u32);
        let mut node_pods = pods.remove(&m.id).unwrap_or_default();
        // The scheduler's allocatable is net of DaemonSets; CA counts them as pods on the node.
        if let Some(g) = groups.iter().find(|g| g.id == m.pool) {
            alloc = g.allocatable;
            for k in 0..g.daemonset_pods {
                let r = if k == 0 { g.daemonset_requests } else { ca::Requests::default() };
                node_pods.push(
                    ca::Pod::new(format!("ds-{k}-{}", info.name), r.milli_cpu, r.memory)
                        .with_kind(ca::PodKind::DaemonSet),
                );
            }
        }
        let mut n = ca::Node::new(info.name.clone(), m.pool.clone(), alloc).with_pods(node_pods);
        n.being_deleted = m.deleting;
        nodes.push(n);
    }
    View { groups, nodes, pending, owner }
}

/// VMs of `pool` that count toward its size (booting or Ready, not being deleted).
fn pool_size(world: &World<'_>, pool: &str) -> u32 {
    world.cluster.meta.iter().filter(|m| m.managed_by.as_deref() == Some(pool) && !m.deleting).count() as u32
}

/// The pools at the start of the run: `count` Ready nodes each, then the nodes the autoscaler
/// would have added for the starting pods (pods are still unbound here), Ready too.
pub(super) fn warm_start(world: &mut World<'_>, live: &[Live]) {
    let s = setup(world);
    for (i, p) in s.pools.iter().enumerate() {
        for _ in 0..p.nodes.count {
            let id = add_node(world, i, 0);
            world.cluster.set_ready(id, 0);
        }
    }
    // One option per loop, as the real loop; a few loops settle every group.
    for _ in 0..=s.pools.len() {
        let v = view(world, live);
        let outcome = decide_scale_up(world, &v, 0);
        let Some(su) = outcome.scale_up else { break };
        let i = s.pools.iter().position(|p| p.group.id == su.group_id).expect("a known pool");
        for _ in 0..su.delta {
            let id = add_node(world, i, 0);
            world.cluster.set_ready(id, 0);
        }
        world.decisions.push(Decision {
            time_ms: 0,
            controller: "cluster-autoscaler".into(),
            object: format!("nodepool/{}", su.group_id),
            action: "scale-up".into(),
            from: su.new_target - su.delta,
            to: su.new_target,
            reason: format!("nodes present at the start of the run: {}", su.reason),
        });
    }
}

fn decide_scale_up(world: &mut World<'_>, v: &View, now: Millis) -> ca::ScaleUpOutcome {
    let s = setup(world);
    let c = state(world);
    let mut expander = ca::ExpanderContext::new(&v.groups);
    expander.priorities = s.priorities.as_ref();
    let input = ca::ScaleUpInput {
        groups: &v.groups,
        nodes: &v.nodes,
        pending: &v.pending,
        now,
        config: &s.config,
        backoff: &c.backoff,
        expander,
    };
    ca::scale_up(&input, &mut c.expander_rng)
}

/// Adds one VM to pool `i` (booting, cordoned until Ready); spot VMs get their eviction drawn.
fn add_node(world: &mut World<'_>, i: usize, now: Millis) -> NodeId {
    let s = setup(world);
    let p = &s.pools[i];
    let c = state(world);
    let n = c.launched.entry(p.group.id.clone()).or_insert(0);
    let name = format!("{}-{n}", p.group.id);
    *n += 1;
    let id = world.cluster.add(
        NewNode {
            info: group_node_info(&p.nodes, &name),
            pool: p.group.id.clone(),
            instance_type: p.group.instance_type.clone(),
            capacity_type: if p.group.spot { "spot" } else { "on-demand" }.into(),
            zone: None,
            managed_by: Some(p.group.id.clone()),
            price: p.group.price_per_hour.unwrap_or(0.0),
        },
        now,
    );
    if p.group.spot {
        let band = world
            .scenario
            .catalog
            .as_ref()
            .and_then(|c| c.catalog.find(&p.group.instance_type))
            .and_then(|e| e.spot_eviction)
            .unwrap_or(world.scenario.spot.default_band);
        nodes::schedule_spot_eviction(world, id, band, now);
    }
    id
}

/// One loop of the autoscaler (`--scan-interval`).
pub(super) fn scan(world: &mut World<'_>, live: &mut [Live], now: Millis) {
    expire(world, live, now);
    let v = view(world, live);
    let outcome = if v.pending.is_empty() { None } else { Some(decide_scale_up(world, &v, now)) };
    let scaled_up = match outcome {
        Some(o) => carry_out_scale_up(world, &v, o, now),
        None => false,
    };
    scale_down(world, live, &v, scaled_up, now);
}

/// Scale-ups whose nodes did not all become Ready within max-node-provision-time failed: their
/// VMs are deleted, the group shrinks back and is backed off.
fn expire(world: &mut World<'_>, live: &mut [Live], now: Millis) {
    let cfg = &setup(world).config;
    let c = state(world);
    c.backoff.remove_stale(now);
    let expired = ca::expire_scale_ups(&mut c.requests, now, cfg, &mut c.backoff);
    for r in expired {
        let booting: Vec<NodeId> = world
            .cluster
            .meta
            .iter()
            .rev()
            .filter(|m| m.managed_by.as_deref() == Some(&r.group_id) && m.ready_at.is_none() && !m.deleting)
            .take(r.outstanding as usize)
            .map(|m| m.id)
            .collect();
        let until = world.cluster_autoscaler.as_ref().unwrap().backoff.backed_off_until(&r.group_id).unwrap_or(now);
        world.decisions.push(Decision {
            time_ms: now,
            controller: "cluster-autoscaler".into(),
            object: format!("nodepool/{}", r.group_id),
            action: "scale-up-failed".into(),
            from: pool_size(world, &r.group_id),
            to: pool_size(world, &r.group_id) - booting.len() as u32,
            reason: format!(
                "{} node(s) not Ready {} s after the request (max-node-provision-time); pool backed off until {} s",
                r.outstanding,
                cfg.max_node_provision_time / 1000,
                until / 1000
            ),
        });
        for id in booting {
            nodes::drain(world, live, id, now, None, "failed scale-up: VM deleted");
        }
    }
}

fn carry_out_scale_up(world: &mut World<'_>, v: &View, o: ca::ScaleUpOutcome, now: Millis) -> bool {
    let s = setup(world);
    if let Some(su) = o.scale_up {
        let i = s.pools.iter().position(|p| p.group.id == su.group_id).expect("a known pool");
        let mut slowest: Millis = 0;
        for _ in 0..su.delta {
            let id = add_node(world, i, now);
            let latency = s.provisioning_latency.sample(&mut state(world).launch_rng);
            slowest = slowest.max(latency);
            world.events.schedule(now + latency, Event::NodeReady(id).priority(), Event::NodeReady(id));
        }
        let c = state(world);
        c.requests.push(ca::ScaleUpRequest { group_id: su.group_id.clone(), outstanding: su.delta, requested_at: now });
        c.scale_down.record_scale_up(now);
        c.last_no_scale_up = None;
        world.decisions.push(Decision {
            time_ms: now,
            controller: "cluster-autoscaler".into(),
            object: format!("nodepool/{}", su.group_id),
            action: "scale-up".into(),
            from: su.new_target - su.delta,
            to: su.new_target,
            reason: format!("{}; all Ready within {:.0} s", su.reason, slowest as f64 / 1000.0),
        });
        return true;
    }
    if o.unschedulable_pods.is_empty() {
        return false;
    }
    // Pods no pool's empty template can take are unschedulable for good: one row per workload.
    let groups = &v.groups;
    let mut hopeless: BTreeMap<usize, u32> = BTreeMap::new();
    for p in v.pending.iter().filter(|p| o.unschedulable_pods.contains(&p.name)) {
        if !groups.iter().any(|g| ca::fits_template(p, g)) {
            *hopeless.entry(v.owner[&p.name]).or_insert(0) += 1;
        }
    }
    for (w, count) in hopeless {
        let c = state(world);
        if std::mem::replace(&mut c.unschedulable_reported[w], true) {
            continue;
        }
        let wl = &world.scenario.workloads[w];
        let why = format!(
            "no node pool can host a pod of cpu {}, memory {} (predicates or size)",
            super::fmt_cpu(wl.deployment.requests.cpu),
            super::fmt_bytes(wl.deployment.requests.memory)
        );
        world.decisions.push(Decision {
            time_ms: now,
            controller: "cluster-autoscaler".into(),
            object: format!("deployment/{}", wl.deployment.name),
            action: "unschedulable".into(),
            from: 0,
            to: count,
            reason: why.clone(),
        });
        world.unschedulable.push(super::Unschedulable { workload: wl.name.clone(), since_ms: now, reason: why });
    }
    // Why the others wait (group max, backoff): a row when the explanation changes.
    let skips: Vec<String> = o
        .skipped_groups
        .iter()
        .map(|(g, skip)| match skip {
            ca::GroupSkip::BackedOff { until } => format!("{g} backed off until {} s", until / 1000),
            ca::GroupSkip::MaxSizeReached => {
                format!("{g} at max size {}", groups.iter().find(|x| &x.id == g).map_or(0, |x| x.max_size))
            }
            ca::GroupSkip::MaxNodesTotalReached => format!("{g}: max-nodes-total reached"),
            ca::GroupSkip::NoPodFits => format!("{g}: no pending pod fits its nodes"),
        })
        .collect();
    let reason = format!("{}: {}", o.reason, skips.join("; "));
    let c = state(world);
    if c.last_no_scale_up.as_deref() != Some(&reason) {
        c.last_no_scale_up = Some(reason.clone());
        world.decisions.push(Decision {
            time_ms: now,
            controller: "cluster-autoscaler".into(),
            object: "cluster".into(),
            action: "no-scale-up".into(),
            from: o.unschedulable_pods.len() as u32,
            to: o.unschedulable_pods.len() as u32,
            reason,
        });
    }
    false
}

fn scale_down(world: &mut World<'_>, live: &mut [Live], v: &View, scaled_up: bool, now: Millis) {
    let cfg = &setup(world).config;
    let input =
        ca::ScaleDownInput { groups: &v.groups, nodes: &v.nodes, now, config: cfg, scaled_up_this_loop: scaled_up };
    let plan = ca::plan_scale_down(&mut state(world).scale_down, &input);
    if plan.delete.is_empty() {
        return;
    }
    state(world).scale_down.record_deletion(now);
    for d in &plan.delete {
        let Some(i) = world.cluster.infos.iter().position(|n| n.name == d.node) else { continue };
        let id = world.cluster.meta[i].id;
        let size = pool_size(world, &d.group_id);
        world.decisions.push(Decision {
            time_ms: now,
            controller: "cluster-autoscaler".into(),
            object: format!("nodepool/{}", d.group_id),
            action: "scale-down".into(),
            from: size,
            to: size - 1,
            reason: format!("{}: {}", d.node, d.reason),
        });
        nodes::drain(world, live, id, now, None, &format!("scale-down of {}", d.group_id));
    }
}

/// A VM finished booting: it registers Ready and pods may land on it.
pub(super) fn node_ready(world: &mut World<'_>, live: &mut [Live], id: NodeId, now: Millis) {
    let Some(i) = world.cluster.index_of(id) else { return };
    if world.cluster.meta[i].deleting || world.cluster.meta[i].ready_at.is_some() {
        return;
    }
    world.cluster.set_ready(id, now);
    let pool = world.cluster.meta[i].pool.clone();
    let name = world.cluster.infos[i].name.clone();
    let boot_s = (now - world.cluster.meta[i].launched_ms) as f64 / 1000.0;
    let c = state(world);
    if let Some(r) = c.requests.iter_mut().find(|r| r.group_id == pool && r.outstanding > 0) {
        r.outstanding -= 1;
    }
    c.requests.retain(|r| r.outstanding > 0);
    world.decisions.push(Decision {
        time_ms: now,
        controller: "cluster-autoscaler".into(),
        object: format!("node/{name}"),
        action: "ready".into(),
        from: 0,
        to: 1,
        reason: format!("VMSS node registered Ready {boot_s:.0} s after the scale-up"),
    });
    bind_pending(world, live, now);
}
