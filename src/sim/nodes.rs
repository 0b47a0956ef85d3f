//! Node lifecycle shared by the node autoscalers: spot evictions (notice, drain), draining a node
//! (cordon, evict, the ReplicaSets recreate the pods pending) and deleting its VM (billing stops).

use rand::RngExt;

use super::pods::PodState;
use super::result::Decision;
use super::{Event, Live, World, bind_pending, pod_name};
use crate::cluster::NodeId;
use crate::engine::Millis;
use crate::model::SpotSettings;

/// The controller named in decision rows about nodes.
pub(super) fn controller(world: &World<'_>) -> &'static str {
    if world.karpenter.is_some() { "karpenter" } else { "cluster-autoscaler" }
}

/// Draws when a spot node is evicted: exponential with the band's hourly probability.
pub(super) fn schedule_spot_eviction(
    world: &mut World<'_>,
    id: NodeId,
    band: crate::pricing::EvictionBand,
    now: Millis,
) {
    let spot = world.scenario.spot;
    if !spot.interruptions {
        return;
    }
    let p: f64 = SpotSettings::hourly_probability(band);
    let rate_per_ms = -(1.0 - p).ln() / 3_600_000.0;
    let u: f64 = world.spot_rng.random::<f64>();
    let after = (-(1.0 - u).ln() / rate_per_ms).min(1e15) as Millis;
    let notice_at = (now + after).saturating_sub(spot.notice_ms).max(now);
    if notice_at < world.scenario.duration_ms {
        world.events.schedule(notice_at, Event::SpotNotice(id).priority(), Event::SpotNotice(id));
    }
}

/// The spot VM gets its eviction notice: cordon, drain within the notice, then it is gone.
pub(super) fn spot_notice(world: &mut World<'_>, live: &mut [Live], id: NodeId, now: Millis) {
    let Some(i) = world.cluster.index_of(id) else { return };
    let notice = world.scenario.spot.notice_ms;
    let why = format!(
        "spot eviction of {} ({}): {} s notice",
        world.cluster.infos[i].name,
        world.cluster.meta[i].instance_type,
        notice / 1000
    );
    drain(world, live, id, now, Some(notice), &why);
}

/// Cordons node `id` and evicts its pods (the ReplicaSets create replacements at once); the node
/// is deleted when the last pod's grace period ends, or at `deadline` after now if given.
pub(super) fn drain(
    world: &mut World<'_>,
    live: &mut [Live],
    id: NodeId,
    now: Millis,
    deadline: Option<Millis>,
    why: &str,
) {
    let Some(i) = world.cluster.index_of(id) else { return };
    let first = world.draining.insert(id);
    if !first && deadline.is_none() {
        return;
    }
    world.cluster.mark_deleting(id);
    let name = world.cluster.infos[i].name.clone();
    let pool = world.cluster.meta[i].pool.clone();
    let mut gone_at = now;
    let mut evicted = 0u32;
    for (w, l) in live.iter_mut().enumerate() {
        let wl = &world.scenario.workloads[w];
        let on_node: Vec<u64> =
            l.pods.pods.iter().filter(|p| p.node == Some(id) && p.is_active()).map(|p| p.id).collect();
        if on_node.is_empty() {
            continue;
        }
        super::catch_up(wl, l, now);
        for pid in on_node {
            let grace = wl.pods.termination_grace_ms;
            let until = now + deadline.map_or(grace, |d| grace.min(d));
            let p = l.pods.get_mut(pid).unwrap();
            p.state = PodState::Terminating { until };
            world.events.schedule(until, Event::PodGone(w, pid).priority(), Event::PodGone(w, pid));
            gone_at = gone_at.max(until);
            evicted += 1;
        }
        // The ReplicaSet replaces evicted pods.
        while l.pods.active() < l.pods.desired {
            l.pods.create(now);
            world.pending_created += 1;
        }
    }
    if let Some(d) = deadline {
        gone_at = now + d;
    }
    let pool_nodes = world.cluster.meta.iter().filter(|m| m.pool == pool && !m.deleting).count() as u32;
    world.decisions.push(Decision {
        time_ms: now,
        controller: controller(world).into(),
        object: format!("node/{name}"),
        action: "drain".into(),
        from: pool_nodes + 1,
        to: pool_nodes,
        reason: format!("{why}; {evicted} pods evicted"),
    });
    world.events.schedule(gone_at, Event::NodeGone(id).priority(), Event::NodeGone(id));
    bind_pending(world, live, now);
}

/// The node's VM is deleted: billing stops.
pub(super) fn node_gone(world: &mut World<'_>, live: &mut [Live], id: NodeId, now: Millis) {
    let Some(i) = world.cluster.index_of(id) else { return };
    // Pods still on it (a spot eviction cut their grace short) are gone with it.
    for (w, l) in live.iter_mut().enumerate() {
        let wl = &world.scenario.workloads[w];
        let left: Vec<u64> = l.pods.pods.iter().filter(|p| p.node == Some(id)).map(|p| p.id).collect();
        for pid in left {
            l.pods.remove(pid);
            world.cluster.release(id, &pod_name(wl, pid), now);
        }
    }
    let name = world.cluster.infos[i].name.clone();
    let life_s = (now - world.cluster.meta[i].launched_ms) as f64 / 1000.0;
    world.cluster.remove(id, now);
    world.draining.remove(&id);
    world.decisions.push(Decision {
        time_ms: now,
        controller: controller(world).into(),
        object: format!("node/{name}"),
        action: "terminate".into(),
        from: 1,
        to: 0,
        reason: format!("VM deleted after {:.1} h", life_s / 3600.0),
    });
    // Freed pool capacity may let Karpenter launch for pods still pending.
    if live.iter().any(|l| l.pods.pending() > 0) {
        super::karpenter::trigger(world, now);
    }
}
