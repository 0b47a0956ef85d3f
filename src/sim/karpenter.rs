//! Karpenter in the run: the provisioner (batching, the scheduling simulation, launches), node
//! lifecycle (boot to Ready, drain, termination), the disruption loop (expiration, emptiness,
//! consolidation with its 15 s validation) and spot interruptions. The decisions themselves come
//! from the `autoscale::karpenter` library; this module feeds it the cluster and carries out what
//! it decides.

use std::collections::BTreeMap;

use super::{Event, Live, World, bind_pending, pod_name};
use crate::autoscale::karpenter::{
    self as kp, CapacityType, ClusterNode, Command, DisruptionInput, ExistingNode, NewNodeClaim, PoolUsage,
    SchedulingInput, Validation,
};
use crate::cluster::scheduler::{self, NodeInfo};
use crate::cluster::{NewNode, NodeId, NodeMeta};
use crate::engine::{Millis, StreamRng};
use crate::model::KarpenterSetup;
use crate::model::Workload;

use super::pods::PodState;
use super::result::Decision;

/// Provisioner batching: a batch closes 1 s after its last trigger, at most 10 s after it opened.
const BATCH_IDLE_MS: Millis = kp::BATCH_IDLE_MS;
const BATCH_MAX_MS: Millis = kp::BATCH_MAX_MS;

/// Karpenter's state during a run.
pub(super) struct Karpenter {
    /// When the open batch opened and was last triggered.
    batch: Option<(Millis, Millis)>,
    /// Generation of the scheduled `Provision` event (older ones are stale).
    batch_generation: u64,
    /// Pods created pending up to the last provisioning (newer ones trigger a batch).
    considered_pending: u64,
    /// A command computed and waiting out its validation period.
    command: Option<(Command, Millis)>,
    /// Replacement nodes still booting, with the candidates they will replace.
    replacing: Vec<(NodeId, Vec<NodeId>, String)>,
    /// What the last disruption pass that found nothing to do depended on (see [`Quiet`]), and
    /// the time another node becomes consolidatable: until either changes, a new pass finds
    /// nothing too.
    quiet: Option<(Quiet, Millis)>,
    launch_rng: StreamRng,
    /// Node names per pool: `<pool>-<n>`.
    launched: BTreeMap<String, u64>,
    /// Workloads already reported as unschedulable (one decision each).
    unschedulable_reported: Vec<bool>,
    /// Workloads reported as pending at a pool's limits (again once they have fitted).
    at_limit_reported: Vec<bool>,
    /// The NodePools' NodeClaim templates: fixed for the run, prepared once.
    templates: kp::Templates,
    /// Each workload's pod as Karpenter sees it (requests, requirements, tolerations), unnamed.
    pod_templates: Vec<kp::Pod>,
    /// The disruption controller's view of the cluster, kept between passes.
    view: DisruptionView,
}

/// What a pass that found nothing depended on: the cluster (nodes and bound pods) and the
/// pending pods (created and dropped unbound).
type Quiet = (u64, u64, u64);

/// The disruption controller's view, node by node in cluster order (ascending `NodeId`). Names,
/// labels and taints of a node never change, so a pass refreshes only state and, for nodes whose
/// pods changed, the Karpenter pods.
#[derive(Default)]
struct DisruptionView {
    ids: Vec<NodeId>,
    nodes: Vec<ClusterNode>,
    /// (workload, pod id) of each node's pods, as its Karpenter pods were built.
    pod_keys: Vec<Vec<(usize, u64)>>,
    /// The same, as found by the current pass (reused buffers).
    found: Vec<Vec<(usize, u64)>>,
    /// Pods waiting for a node, as Karpenter pods.
    pending: Vec<kp::Pod>,
}

impl Karpenter {
    pub(super) fn new(launch_rng: StreamRng, setup: &KarpenterSetup, workloads: &[Workload]) -> Self {
        Karpenter {
            templates: kp::Templates::new(&setup.nodepools, &setup.instance_types, &setup.daemonsets),
            pod_templates: workloads.iter().map(|wl| crate::model::karpenter_pod(&wl.deployment, &wl.name)).collect(),
            view: DisruptionView::default(),
            batch: None,
            batch_generation: 0,
            considered_pending: 0,
            command: None,
            replacing: Vec::new(),
            quiet: None,
            launch_rng,
            launched: BTreeMap::new(),
            unschedulable_reported: vec![false; workloads.len()],
            at_limit_reported: vec![false; workloads.len()],
        }
    }
}

fn setup<'a>(world: &World<'a>) -> &'a KarpenterSetup {
    match &world.scenario.node_autoscaling {
        crate::model::NodeAutoscaling::Karpenter(k) => k,
        _ => unreachable!("Karpenter state without a Karpenter setup"),
    }
}

/// New pending pods (or freed pool capacity) open or extend a batch.
pub(super) fn trigger(world: &mut World<'_>, now: Millis) {
    let Some(k) = world.karpenter.as_mut() else { return };
    let opened = k.batch.map_or(now, |(opened, _)| opened);
    k.batch = Some((opened, now));
    k.batch_generation += 1;
    let at = (now + BATCH_IDLE_MS).min(opened + BATCH_MAX_MS);
    world.events.schedule(at, Event::Provision(0).priority(), Event::Provision(k.batch_generation));
}

/// Whether pods were created pending since the last provisioning.
pub(super) fn has_new_pending(world: &World<'_>) -> bool {
    world.karpenter.as_ref().is_some_and(|k| world.pending_created > k.considered_pending)
}

/// The cluster as it was before the run: the nodes Karpenter would have launched for the
/// starting pods are already there and Ready.
pub(super) fn warm_start(world: &mut World<'_>, live: &mut [Live]) {
    let launched = provision_pending(world, live, 0, "nodes present at the start of the run");
    for id in launched {
        world.cluster.set_ready(id, 0);
    }
}

/// The batch closed: simulate scheduling of every pending pod and launch what it asks for.
pub(super) fn provision(world: &mut World<'_>, live: &[Live], generation: u64, now: Millis) {
    let Some(k) = world.karpenter.as_mut() else { return };
    if generation != k.batch_generation {
        return;
    }
    k.batch = None;
    k.considered_pending = world.pending_created;
    provision_pending(world, live, now, "pending pods fit no existing or launching node");
}

/// Runs the scheduling simulation over every pending pod and launches the NodeClaims it asks
/// for; reports pods no pool can take. Returns the launched nodes.
fn provision_pending(world: &mut World<'_>, live: &[Live], now: Millis, why: &str) -> Vec<NodeId> {
    let setup = setup(world);
    let k = world.karpenter.as_ref().expect("provisioning without Karpenter");
    let mut pods = Vec::new();
    let mut owner = BTreeMap::new();
    for (w, pod) in pending_pods(world.scenario, live, &k.pod_templates) {
        owner.insert(pod.name.clone(), w);
        pods.push(pod);
    }
    if pods.is_empty() {
        return Vec::new();
    }
    let taints: Vec<Vec<kp::Taint>> =
        world.cluster.infos.iter().map(|info| info.taints.iter().map(kp_taint).collect()).collect();
    let existing = existing_nodes(world, &taints);
    let usage = pool_usage(world, setup);
    let input = SchedulingInput {
        nodepools: &setup.nodepools,
        instance_types: &setup.instance_types,
        existing_nodes: &existing,
        daemonsets: &setup.daemonsets,
        usage: &usage,
    };
    let result = kp::schedule_with(&input, &k.templates, &pods);
    let mut launched = Vec::new();
    for claim in &result.new_nodeclaims {
        let why = format!("{why} ({} pods)", claim.pods.len());
        launched.extend(launch(world, claim, now, &why));
    }
    // One decision per workload with pods no pool can take: at a pool's limits (until the
    // workload's pods fit again), or never (reported once, and in the summary).
    let mut first_reason: BTreeMap<usize, (&str, usize)> = BTreeMap::new();
    for (name, reason) in &result.unschedulable {
        if let Some(&w) = owner.get(name) {
            first_reason.entry(w).or_insert((reason, 0)).1 += 1;
        }
    }
    let k = world.karpenter.as_mut().unwrap();
    for (w, flag) in k.at_limit_reported.iter_mut().enumerate() {
        if !first_reason.contains_key(&w) {
            *flag = false;
        }
    }
    for (w, (reason, count)) in first_reason {
        let k = world.karpenter.as_mut().unwrap();
        let at_limits = reason.contains("limits");
        let reported = if at_limits { &mut k.at_limit_reported[w] } else { &mut k.unschedulable_reported[w] };
        if *reported {
            continue;
        }
        *reported = true;
        let wl = &world.scenario.workloads[w];
        let (action, what) = if at_limits {
            ("pending-at-limits", "pods stay pending: NodePool limits reached")
        } else {
            ("unschedulable", "no NodePool can launch a node for these pods")
        };
        world.decisions.push(Decision {
            time_ms: now,
            controller: "karpenter".into(),
            object: format!("deployment/{}", wl.deployment.name),
            action: action.into(),
            from: 0,
            to: count as u32,
            reason: format!("{what}: {reason}"),
        });
        if !at_limits {
            world.unschedulable.push(super::Unschedulable {
                workload: wl.name.clone(),
                since_ms: now,
                reason: reason.to_string(),
            });
        }
    }
    launched
}

/// Karpenter's view of the cluster's nodes for the scheduling simulation (`taints[i]`: node i's
/// taints in Karpenter's terms).
fn existing_nodes<'a>(world: &'a World<'_>, taints: &'a [Vec<kp::Taint>]) -> Vec<ExistingNode<'a>> {
    world
        .cluster
        .infos
        .iter()
        .zip(&world.cluster.meta)
        .zip(taints)
        .filter(|((_, m), _)| !m.deleting)
        .map(|((info, m), taints)| ExistingNode {
            name: &info.name,
            labels: &info.labels,
            allocatable: kp_resources(&info.allocatable),
            requested: requested(info),
            taints,
            initialized: m.ready_at.is_some(),
        })
        .collect()
}

fn kp_resources(r: &scheduler::Resources) -> kp::Resources {
    kp::Resources::new(r.milli_cpu.max(0) as u64, r.memory.max(0) as u64, r.pods.max(0) as u64)
}

fn requested(info: &NodeInfo) -> kp::Resources {
    let r = info.requested();
    kp::Resources::new(r.milli_cpu.max(0) as u64, r.memory.max(0) as u64, info.pods().len() as u64)
}

fn kp_taint(t: &scheduler::Taint) -> kp::Taint {
    kp::Taint {
        key: t.key.clone(),
        value: (!t.value.is_empty()).then(|| t.value.clone()),
        effect: match t.effect {
            scheduler::TaintEffect::NoSchedule => kp::TaintEffect::NoSchedule,
            scheduler::TaintEffect::PreferNoSchedule => kp::TaintEffect::PreferNoSchedule,
            scheduler::TaintEffect::NoExecute => kp::TaintEffect::NoExecute,
        },
    }
}

/// What each pool's nodes hold, charged against its limits.
fn pool_usage(world: &World<'_>, setup: &KarpenterSetup) -> BTreeMap<String, PoolUsage> {
    let mut usage: BTreeMap<String, PoolUsage> = BTreeMap::new();
    for m in world.cluster.meta.iter() {
        let Some(pool) = &m.managed_by else { continue };
        let capacity = setup.instance_types.iter().find(|it| it.name == m.instance_type).map(|it| it.capacity);
        let u = usage.entry(pool.clone()).or_default();
        u.nodes += 1;
        if let Some(c) = capacity {
            u.resources = u.resources.add(&c);
        }
    }
    usage
}

/// Launches one NodeClaim: the cheapest allowed offering, a node that boots for the launch
/// latency, and (for spot) its eviction drawn from the offering's band.
fn launch(world: &mut World<'_>, claim: &NewNodeClaim, now: Millis, why: &str) -> Option<NodeId> {
    let setup = setup(world);
    let choice = kp::truncate(&claim.instance_types, &claim.requirements, kp::launch::MAX_INSTANCE_TYPES)
        .and_then(|types| kp::choose_launch(&types, &claim.requirements));
    let choice = match choice {
        Ok(c) => c,
        Err(e) => {
            world.decisions.push(Decision {
                time_ms: now,
                controller: "karpenter".into(),
                object: format!("nodepool/{}", claim.nodepool),
                action: "launch-failed".into(),
                from: 0,
                to: 0,
                reason: e,
            });
            return None;
        }
    };
    let pool = setup.nodepools.iter().find(|p| p.name == claim.nodepool)?;
    let it = setup.instance_types.iter().find(|it| it.name == choice.instance_type)?;
    let k = world.karpenter.as_mut().unwrap();
    let n = k.launched.entry(pool.name.clone()).or_insert(0);
    let name = format!("{}-{}", pool.name, n);
    *n += 1;
    let latency = setup.launch_latency.sample(&mut k.launch_rng);
    // The labels a launched node carries, from the instance type, offering and pool.
    let template = ClusterNode::launched(&name, pool, it, &choice.zone, choice.capacity_type, 0);
    let mut labels = template.labels;
    labels.insert("kubernetes.io/os".into(), "linux".into());
    // DaemonSets that run here take their share before any pod.
    let ds = setup
        .daemonsets
        .iter()
        .filter(|d| kp::nodepool::tolerates_all(&pool.taints, &d.tolerations) && d.requirements.matches_labels(&labels))
        .fold(kp::Resources::default(), |acc, d| acc.add(&d.requests));
    let alloc = it.allocatable().saturating_sub(&ds);
    let mut info =
        NodeInfo::new(&name, scheduler::Resources::new(alloc.cpu_milli as i64, alloc.memory as i64, alloc.pods as i64));
    info.labels = labels;
    for t in &pool.taints {
        let effect = match t.effect {
            kp::TaintEffect::NoSchedule => scheduler::TaintEffect::NoSchedule,
            kp::TaintEffect::PreferNoSchedule => scheduler::TaintEffect::PreferNoSchedule,
            kp::TaintEffect::NoExecute => scheduler::TaintEffect::NoExecute,
        };
        info = info.taint(scheduler::Taint::new(&t.key, t.value.as_deref().unwrap_or(""), effect));
    }
    let pool_nodes = world.cluster.meta.iter().filter(|m| m.managed_by.as_deref() == Some(&pool.name)).count() as u32;
    let id = world.cluster.add(
        NewNode {
            info,
            pool: pool.name.clone(),
            instance_type: choice.instance_type.clone(),
            capacity_type: choice.capacity_type.as_str().to_string(),
            zone: Some(choice.zone.clone()),
            managed_by: Some(pool.name.clone()),
            price: choice.price,
        },
        now,
    );
    world.events.schedule(now + latency, Event::NodeReady(id).priority(), Event::NodeReady(id));
    world.decisions.push(Decision {
        time_ms: now,
        controller: "karpenter".into(),
        object: format!("nodeclaim/{name}"),
        action: "launch".into(),
        from: pool_nodes,
        to: pool_nodes + 1,
        reason: format!(
            "{why}: {} {} in {} at {:.4} $/h (cheapest of {} allowed types), Ready in {:.0} s",
            choice.instance_type,
            choice.capacity_type.as_str(),
            choice.zone,
            choice.price,
            claim.instance_types.len(),
            latency as f64 / 1000.0
        ),
    });
    if choice.capacity_type == CapacityType::Spot {
        let band = it
            .offerings
            .iter()
            .find(|o| o.zone == choice.zone && o.capacity_type == CapacityType::Spot)
            .and_then(|o| o.eviction_band.as_deref())
            .and_then(crate::pricing::EvictionBand::parse)
            .unwrap_or(world.scenario.spot.default_band);
        super::nodes::schedule_spot_eviction(world, id, band, now);
    }
    Some(id)
}

/// A node finished booting: pods may land on it; replacements waiting for it go ahead.
pub(super) fn node_ready(world: &mut World<'_>, live: &mut [Live], id: NodeId, now: Millis) {
    let Some(i) = world.cluster.index_of(id) else { return };
    // Nodes present at the start are Ready already.
    if world.cluster.meta[i].deleting || world.cluster.meta[i].ready_at.is_some() {
        return;
    }
    world.cluster.set_ready(id, now);
    let name = world.cluster.infos[i].name.clone();
    let boot_s = (now - world.cluster.meta[i].launched_ms) as f64 / 1000.0;
    world.decisions.push(Decision {
        time_ms: now,
        controller: "karpenter".into(),
        object: format!("nodeclaim/{name}"),
        action: "ready".into(),
        from: 0,
        to: 1,
        reason: format!("node initialized {boot_s:.0} s after launch"),
    });
    if let Some(k) = world.karpenter.as_mut()
        && let Some(pos) = k.replacing.iter().position(|(r, _, _)| *r == id)
    {
        let (_, candidates, why) = k.replacing.remove(pos);
        for c in candidates {
            super::nodes::drain(world, live, c, now, None, &why);
        }
    }
    bind_pending(world, live, now);
}

/// The disruption controller's 10 s loop.
pub(super) fn disruption_pass(world: &mut World<'_>, live: &mut [Live], now: Millis) {
    let setup = setup(world);
    let epoch = |t: Millis| (world.scenario.start + t as i64) as u64;
    // A command waiting out its validation period.
    if let Some((cmd, decided)) = world.karpenter.as_ref().and_then(|k| k.command.clone()) {
        if epoch(now) < epoch(decided) + kp::disruption::VALIDATION_TTL_MS {
            return; // validate() would say WaitUntil without looking at the cluster
        }
        refresh_view(world, live, setup);
        let k = world.karpenter.as_ref().unwrap();
        let validation = kp::disruption::validate_with(
            &disruption_input(setup, &k.view, epoch(now)),
            &k.templates,
            &cmd,
            epoch(decided),
        );
        match validation {
            Validation::WaitUntil(_) => return,
            Validation::Valid => {
                world.karpenter.as_mut().unwrap().command = None;
                execute(world, live, &cmd, now);
            }
            Validation::Invalid(why) => {
                world.karpenter.as_mut().unwrap().command = None;
                world.decisions.push(Decision {
                    time_ms: now,
                    controller: "karpenter".into(),
                    object: format!("node/{}", cmd.candidates.join(",")),
                    action: "disruption-aborted".into(),
                    from: 0,
                    to: 0,
                    reason: format!("{:?} {:?} no longer valid after 15 s: {why}", cmd.method, cmd.reason),
                });
            }
        }
        return;
    }
    // Nothing changed since a pass that found nothing, and no deadline (consolidateAfter or
    // expiry, both folded into `wake`) has passed: this pass would find nothing either.
    let version = (world.cluster.version(), world.pending_created, world.pending_dropped);
    if let Some((v, wake)) = world.karpenter.as_ref().and_then(|k| k.quiet)
        && v == version
        && now < wake
    {
        return;
    }
    // Expiration is forceful: not budgeted, no validation.
    let expiring = next_expiry(world, setup);
    if let Some((id, at)) = expiring
        && at <= now
    {
        let name = world.cluster.infos[world.cluster.index_of(id).unwrap()].name.clone();
        super::nodes::drain(world, live, id, now, None, &format!("{name} reached its NodePool's expireAfter"));
        return;
    }
    refresh_view(world, live, setup);
    let k = world.karpenter.as_ref().unwrap();
    let command = kp::disruption::disrupt_with(&disruption_input(setup, &k.view, epoch(now)), &k.templates);
    match command {
        Some(cmd) => {
            let k = world.karpenter.as_mut().unwrap();
            k.command = Some((cmd, now));
            k.quiet = None;
        }
        None => {
            let wake = next_consolidatable(world, setup, now);
            world.karpenter.as_mut().unwrap().quiet = Some((version, wake.min(expiring.map_or(Millis::MAX, |e| e.1))));
        }
    }
}

/// The earliest time a managed node's consolidateAfter runs out after `now` (a pass then may
/// find a command where this one did not).
fn next_consolidatable(world: &World<'_>, setup: &KarpenterSetup, now: Millis) -> Millis {
    world
        .cluster
        .meta
        .iter()
        .filter_map(|m| {
            let pool = setup.nodepools.iter().find(|p| Some(&p.name) == m.managed_by.as_ref())?;
            let after = pool.consolidate_after_ms?;
            let at = m.last_pod_event_ms.max(m.ready_at?) + after;
            (at > now).then_some(at)
        })
        .min()
        .unwrap_or(Millis::MAX)
}

/// The managed node that expires first, and when.
fn next_expiry(world: &World<'_>, setup: &KarpenterSetup) -> Option<(NodeId, Millis)> {
    world
        .cluster
        .meta
        .iter()
        .filter(|m| !m.deleting)
        .filter_map(|m| {
            let pool = setup.nodepools.iter().find(|p| Some(&p.name) == m.managed_by.as_ref())?;
            Some((m.id, m.launched_ms + pool.expire_after_ms?))
        })
        .min_by_key(|&(id, at)| (at, id))
}

fn disruption_input<'a>(setup: &'a KarpenterSetup, view: &'a DisruptionView, now_ms: u64) -> DisruptionInput<'a> {
    DisruptionInput {
        now_ms,
        nodepools: &setup.nodepools,
        instance_types: &setup.instance_types,
        nodes: &view.nodes,
        pending: &view.pending,
        daemonsets: &setup.daemonsets,
        spot_to_spot: setup.spot_to_spot,
    }
}

/// Brings `Karpenter::view` up to date with the cluster: nodes gone are dropped, new nodes
/// appended (ids only grow, so cluster order is kept), state refreshed, and the Karpenter pods
/// rebuilt on nodes whose pods changed.
fn refresh_view(world: &mut World<'_>, live: &[Live], setup: &KarpenterSetup) {
    let start = world.scenario.start;
    let epoch = |t: Millis| (start + t as i64) as u64;
    let cluster = &world.cluster;
    let k = world.karpenter.as_mut().expect("disruption without Karpenter");
    let view = &mut k.view;
    let present: Vec<bool> = view.ids.iter().map(|&id| cluster.index_of(id).is_some()).collect();
    for (i, keep) in present.iter().enumerate().rev() {
        if !keep {
            view.ids.remove(i);
            view.nodes.remove(i);
            view.pod_keys.remove(i);
        }
    }
    // Cluster order is creation order, so what is left is a prefix of the cluster and the rest
    // are new nodes; if that ever stopped holding, start over rather than pair a node with
    // another's state.
    if !view.ids.iter().eq(cluster.meta.iter().map(|m| &m.id).take(view.ids.len())) {
        *view = DisruptionView::default();
    }
    for (info, m) in cluster.infos.iter().zip(&cluster.meta).skip(view.ids.len()) {
        view.ids.push(m.id);
        view.nodes.push(new_view(info, m, setup, epoch));
        view.pod_keys.push(Vec::new());
    }
    for (node, m) in view.nodes.iter_mut().zip(&cluster.meta) {
        node.initialized_at_ms = m.ready_at.map(epoch);
        node.ready = m.ready_at.is_some();
        node.marked_for_deletion = m.deleting;
        node.last_pod_event_ms = epoch(m.last_pod_event_ms);
    }
    view.found.resize_with(view.nodes.len(), Vec::new);
    view.found.iter_mut().for_each(Vec::clear);
    for (w, l) in live.iter().enumerate() {
        for p in l.pods.pods.iter().filter(|p| p.is_active()) {
            if let Some(i) = p.node.and_then(|id| cluster.index_of(id)) {
                view.found[i].push((w, p.id));
            }
        }
    }
    let templates = &k.pod_templates;
    for ((node, keys), found) in view.nodes.iter_mut().zip(view.pod_keys.iter_mut()).zip(view.found.iter_mut()) {
        if keys != found {
            // Both lists are in (workload, pod id) order: pods still there are kept, new ones
            // made from their template, in the order a rebuild would give.
            let mut old = keys.iter().zip(std::mem::take(&mut node.pods)).peekable();
            node.pods.reserve(found.len());
            for &(w, id) in found.iter() {
                while old.next_if(|(k, _)| **k < (w, id)).is_some() {}
                match old.next_if(|(k, _)| **k == (w, id)) {
                    Some((_, pod)) => node.pods.push(pod),
                    None => {
                        let mut pod = templates[w].clone();
                        pod.name = pod_name(&world.scenario.workloads[w], id);
                        node.pods.push(pod);
                    }
                }
            }
            drop(old);
            std::mem::swap(keys, found);
        }
    }
    view.pending.clear();
    view.pending.extend(pending_pods(world.scenario, live, templates).map(|(_, pod)| pod));
}

/// Every pod waiting for a node, as a Karpenter pod, with its workload: workload by workload,
/// in creation order.
fn pending_pods<'a>(
    scenario: &'a crate::model::Scenario,
    live: &'a [Live],
    templates: &'a [kp::Pod],
) -> impl Iterator<Item = (usize, kp::Pod)> + 'a {
    live.iter().enumerate().flat_map(move |(w, l)| {
        l.pods.pods.iter().filter(|p| p.state == PodState::Pending).map(move |p| {
            let mut pod = templates[w].clone();
            pod.name = pod_name(&scenario.workloads[w], p.id);
            (w, pod)
        })
    })
}

/// A node the disruption controller has not seen before (no pods yet).
fn new_view(info: &NodeInfo, m: &NodeMeta, setup: &KarpenterSetup, epoch: impl Fn(Millis) -> u64) -> ClusterNode {
    let pool = m.managed_by.as_ref().and_then(|name| setup.nodepools.iter().find(|p| &p.name == name));
    ClusterNode {
        name: info.name.clone(),
        nodepool: m.managed_by.clone(),
        instance_type: Some(m.instance_type.clone()),
        zone: m.zone.clone(),
        capacity_type: CapacityType::parse(&m.capacity_type),
        labels: info.labels.clone(),
        allocatable: kp_resources(&info.allocatable),
        pods: Vec::new(),
        daemon_requests: kp::Resources::default(),
        taints: info.taints.iter().map(kp_taint).collect(),
        created_at_ms: epoch(m.launched_ms),
        initialized_at_ms: None,
        ready: false,
        marked_for_deletion: false,
        last_pod_event_ms: 0,
        expire_after_ms: pool.and_then(|p| p.expire_after_ms),
        do_not_disrupt: false,
    }
}

/// Carries out a validated command: delete (drain now) or replace (launch, drain when Ready).
fn execute(world: &mut World<'_>, live: &mut [Live], cmd: &Command, now: Millis) {
    let ids: Vec<NodeId> = cmd
        .candidates
        .iter()
        .filter_map(|name| world.cluster.infos.iter().position(|i| &i.name == name))
        .map(|i| world.cluster.meta[i].id)
        .collect();
    let saving: f64 =
        ids.iter().filter_map(|&id| world.cluster.index_of(id)).map(|i| world.cluster.meta[i].price).sum();
    let what = format!("{:?} ({:?})", cmd.method, cmd.reason);
    match &cmd.replacement {
        None => {
            let why = format!("{what}: delete {}, saving {saving:.4} $/h", cmd.candidates.join(", "));
            for id in ids {
                super::nodes::drain(world, live, id, now, None, &why);
            }
        }
        Some(claim) => {
            // Cordon the candidates now; drain them once the replacement is Ready.
            for &id in &ids {
                world.cluster.mark_deleting(id);
            }
            let why = format!("{what}: replace {} ({saving:.4} $/h) by a cheaper node", cmd.candidates.join(", "));
            match launch(world, claim, now, &why) {
                Some(r) => world.karpenter.as_mut().unwrap().replacing.push((r, ids, why)),
                None => {
                    for id in ids {
                        super::nodes::drain(world, live, id, now, None, &why);
                    }
                }
            }
        }
    }
}
