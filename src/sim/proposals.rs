//! Known proposals: an exact shortcut for HPA syncs that must run, but whose metric
//! calculation has, in effect, been done before.
//!
//! A sync's proposal (the largest of its metrics' proposals, all of them valid) depends on the
//! pods only through how the calculation sees them ([`PodsSeen`]), and on each metric's value.
//! With the pods seen the same way, a metric's proposal never decreases as its value grows
//! (the argument is `sim::controllers::Rest`'s: a ratio to a fixed target, the tolerance band,
//! a ceiling, unready pods filled in at zero only above the target, missing pods at the
//! target only below it). So two values seen to propose the same replicas propose them at
//! every value between. The one exception is an Object or External metric with a Value target
//! while the pods Ready are not the replica count: inside its tolerance band it proposes the
//! count, outside it the ratio times the Ready pods, which can step past the count; such a
//! metric is never taken as known.
//!
//! Unlike `Rest`'s proof, a table of values is kept per [`PodsSeen`], not per pod version,
//! and the last few are kept: a workload that flaps between two counts comes back to the same
//! views of its pods, and to what was learnt under them.

use crate::autoscale::hpa;
use crate::engine::Millis;
use crate::model::scenario::MetricsConfig;

use super::pods::{PodSet, PodState};
use super::signals::last_scrape;

/// How an HPA calculation sees a workload's pods at one sync: the replica counts it reads,
/// and how it groups the pods (for CPU: Ready pods past their initialization, or whose sample
/// starts after readiness, count with their share of the CPU; started pods that were never
/// Ready count at idle CPU once past it, if readiness came after the initial readiness
/// delay; every other pod is unready). The calculation sums per-pod values and requests, and
/// every pod of a workload has the same requests, so these counts are all it reads of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodsSeen {
    desired: u32,
    active: u32,
    ready: u32,
    /// Bound or not, not running yet (phase Pending).
    pending: u32,
    /// Unready for CPU (phase Pending included).
    unready: u32,
    /// Running, never Ready, counted at idle CPU.
    idle: u32,
}

impl PodsSeen {
    /// The view of `pods` at a sync at `now`, as `sim::controllers` lays them out for the HPA.
    pub fn at(pods: &PodSet, metrics: &MetricsConfig, config: &hpa::HpaConfig, now: Millis) -> PodsSeen {
        let scrape = last_scrape(now, metrics.scrape_ms);
        let window = metrics.resource_window_ms;
        let initializing = |bound: Millis| bound + config.cpu_initialization_period_ms > now;
        let mut seen = PodsSeen { desired: pods.desired, active: 0, ready: 0, pending: 0, unready: 0, idle: 0 };
        for p in pods.pods.iter().filter(|p| p.is_active()) {
            seen.active += 1;
            let unready = match (p.state, p.bound_at) {
                (PodState::Starting { running_at, .. }, bound) if now >= running_at => {
                    let unready =
                        bound.is_none_or(|b| initializing(b) || b + config.initial_readiness_delay_ms > running_at);
                    seen.idle += u32::from(!unready);
                    unready
                }
                (PodState::Ready { since }, bound) => {
                    seen.ready += 1;
                    bound.is_none_or(|b| initializing(b) && scrape < since + window)
                }
                // Not running yet (phase Pending), or terminating (not listed).
                (PodState::Pending | PodState::Starting { .. }, _) => {
                    seen.pending += 1;
                    true
                }
                (PodState::Terminating { .. }, _) => false,
            };
            seen.unready += u32::from(unready);
        }
        seen
    }
}

/// Values seen to propose replicas, per metric, sorted by value.
type Table = Vec<Vec<(f64, i32)>>;

/// What full syncs of one HPA proposed, per [`PodsSeen`] (the current one and a few before).
#[derive(Default)]
pub struct Proposals {
    enabled: bool,
    seen: Option<PodsSeen>,
    table: Table,
    kept: Vec<(PodsSeen, Table)>,
}

impl Proposals {
    /// Tables kept for views of the pods other than the current one.
    const KEPT: usize = 8;
    /// Values kept per metric and view (a bound on memory and on insertion cost).
    const POINTS: usize = 256;

    pub fn new(enabled: bool) -> Self {
        Proposals { enabled, ..Proposals::default() }
    }

    /// Makes `seen`'s table the current one.
    fn select(&mut self, seen: PodsSeen) {
        if self.seen == Some(seen) {
            return;
        }
        if let Some(old) = self.seen.take() {
            if self.kept.len() == Self::KEPT {
                self.kept.remove(0);
            }
            self.kept.push((old, std::mem::take(&mut self.table)));
        }
        self.table = match self.kept.iter().position(|(s, _)| *s == seen) {
            Some(i) => self.kept.remove(i).1,
            None => Vec::new(),
        };
        self.seen = Some(seen);
    }

    /// The proposal of a sync that sees the pods as `seen` and reads `values` (one per
    /// metric of `spec`, in order), when every metric's value lies between two values seen
    /// to propose the same replicas; then `replicas` holds each metric's proposal.
    pub fn known(
        &mut self,
        seen: PodsSeen,
        spec: &hpa::HorizontalPodAutoscalerSpec,
        values: &[Option<f64>],
        replicas: &mut Vec<i32>,
    ) -> Option<i32> {
        replicas.clear();
        if !self.enabled {
            return None;
        }
        self.select(seen);
        if self.table.len() != values.len() || values.is_empty() {
            return None;
        }
        let metrics = spec.effective_metrics();
        let mut proposal = i32::MIN;
        for (i, (v, points)) in values.iter().zip(&self.table).enumerate() {
            let v = (*v)?;
            if metrics.get(i).is_none_or(|m| steps_past_count(m, seen.ready, seen.desired)) {
                return None;
            }
            let at = points.partition_point(|p| p.0 < v);
            let above = points.get(at)?;
            let below = if above.0 == v { above } else { points.get(at.checked_sub(1)?)? };
            if below.1 != above.1 {
                return None;
            }
            replicas.push(above.1);
            proposal = proposal.max(above.1);
        }
        Some(proposal.max(0))
    }

    /// The table kept for `seen` (tests).
    #[cfg(test)]
    fn table_for(&mut self, seen: PodsSeen) -> &Table {
        self.select(seen);
        &self.table
    }

    /// Learns from a full sync that saw the pods as `seen`, read `values` and decided `d`.
    pub fn learn(&mut self, seen: PodsSeen, d: &hpa::Decision, values: &[Option<f64>]) {
        if !self.enabled {
            return;
        }
        let valid = d.proposal.is_some()
            && d.metric_error.is_none()
            && d.metrics.len() == values.len()
            && d.metrics.iter().all(Result::is_ok);
        if !valid {
            return;
        }
        self.select(seen);
        if self.table.len() != values.len() {
            self.table = vec![Vec::new(); values.len()];
        }
        for ((m, v), points) in d.metrics.iter().zip(values).zip(&mut self.table) {
            let (Ok(m), Some(v)) = (m, *v) else { continue };
            let at = points.partition_point(|p| p.0 < v);
            if points.len() < Self::POINTS && points.get(at).is_none_or(|p| p.0 != v) {
                points.insert(at, (v, m.replicas));
            }
        }
    }
}

/// Whether `m`'s proposal may step past the replica count as its value crosses the tolerance
/// band, so that it does not grow with the value: an Object or External metric with a Value
/// target (upstream `GetObjectMetricReplicas` / `GetExternalMetricReplicas`) proposes the count
/// inside the band and the usage ratio times the `ready` pods outside it, which lies on the
/// other side of the count when the pods Ready are not the count.
pub fn steps_past_count(m: &hpa::MetricSpec, ready: u32, count: u32) -> bool {
    let value = |t: &hpa::MetricTarget| t.type_ == hpa::MetricTargetType::Value;
    let value_target =
        m.object.as_ref().is_some_and(|o| value(&o.target)) || m.external.as_ref().is_some_and(|e| value(&e.target));
    value_target && ready != count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscale::hpa::{
        ExternalMetricValue, HpaController, MetricSpec, MetricTarget, Observed, PodInfo, PodPhase, Quantity,
    };
    use crate::sim::pods::PodSet;

    /// Each way a CPU calculation can see a pod, on either side of its boundaries (defaults:
    /// 300 s initialization, 30 s initial readiness delay; 15 s scrapes, 30 s window).
    #[test]
    fn pods_are_seen_as_the_cpu_calculation_groups_them() {
        let metrics = MetricsConfig { scrape_ms: 15_000, resource_window_ms: 30_000 };
        let config = hpa::HpaConfig::default();
        let now = 1_000_000; // the last scrape is at 990 s
        let mut pods = PodSet::default();
        let mut add = |bound: Option<Millis>, state: PodState| {
            let id = pods.create(0);
            let p = pods.get_mut(id).unwrap();
            (p.bound_at, p.state) = (bound, state);
        };
        add(None, PodState::Pending);
        add(Some(990_000), PodState::Starting { running_at: 1_005_000, ready_at: 1_010_000 });
        // Started, never Ready, past initialization: idle if Ready came after the readiness delay.
        add(Some(600_000), PodState::Starting { running_at: 640_000, ready_at: 2_000_000 });
        add(Some(600_000), PodState::Starting { running_at: 620_000, ready_at: 2_000_000 });
        add(Some(800_000), PodState::Starting { running_at: 810_000, ready_at: 2_000_000 });
        // Ready while initializing: counts once the sample starts after readiness.
        add(Some(800_000), PodState::Ready { since: 961_000 });
        add(Some(800_000), PodState::Ready { since: 960_000 });
        add(Some(100_000), PodState::Ready { since: 990_000 });
        add(Some(100_000), PodState::Terminating { until: 1_100_000 });
        let seen = PodsSeen::at(&pods, &metrics, &config, now);
        assert_eq!(seen, PodsSeen { desired: 0, active: 8, ready: 3, pending: 2, unready: 5, idle: 1 });
    }

    /// An External metric with a Value target of 100, on 4 replicas of which `ready` are Ready.
    fn value_target_sync(ready: usize) -> impl FnMut(i64, u64) -> hpa::Decision {
        let spec = hpa::HorizontalPodAutoscalerSpec {
            min_replicas: Some(1),
            max_replicas: 10,
            metrics: vec![MetricSpec::external("q", MetricTarget::value(Quantity::from_units(100)))],
            ..Default::default()
        };
        let pod = move |i: usize| PodInfo {
            name: format!("p{i}"),
            phase: if i < ready { PodPhase::Running } else { PodPhase::Pending },
            ready: (i < ready).then_some(true),
            ..Default::default()
        };
        let mut hpa = HpaController::default();
        move |value, t| {
            let observed = Observed {
                spec_replicas: 4,
                status_replicas: 4,
                pods: (0..4).map(pod).collect(),
                external_metrics: vec![ExternalMetricValue { metric: "q".into(), value_milli: value * 1000 }],
                ..Default::default()
            };
            hpa.sync(&spec, &observed, t)
        }
    }

    fn spec() -> hpa::HorizontalPodAutoscalerSpec {
        hpa::HorizontalPodAutoscalerSpec {
            metrics: vec![MetricSpec::external("q", MetricTarget::value(Quantity::from_units(100)))],
            ..Default::default()
        }
    }

    /// With 2 of 4 pods Ready, a Value target proposes 4 inside its band (105) and 3 above it
    /// (140: ceil(1.4 × 2)), but 4 again at 190. 140 lies between two values that proposed 4
    /// and must not be taken to propose 4. With every pod Ready the proposal grows with the
    /// value, and a value between two that proposed the same replicas is known.
    #[test]
    fn a_value_target_is_known_only_while_every_replica_is_ready() {
        let mut sync = value_target_sync(2);
        let seen = PodsSeen { desired: 4, active: 4, ready: 2, pending: 2, unready: 2, idle: 0 };
        let mut proposals = Proposals::new(true);
        for (t, value) in [(0, 105), (15_000, 190)] {
            let d = sync(value, t);
            assert_eq!(d.proposal, Some(4), "{value}");
            proposals.learn(seen, &d, &[Some(value as f64)]);
        }
        assert_eq!(sync(140, 30_000).proposal, Some(3));
        let mut replicas = Vec::new();
        assert_eq!(proposals.known(seen, &spec(), &[Some(140.0)], &mut replicas), None);

        let mut sync = value_target_sync(4);
        let seen = PodsSeen { ready: 4, pending: 0, unready: 0, ..seen };
        for (t, value) in [(0, 160), (15_000, 175)] {
            let d = sync(value, t);
            assert_eq!(d.proposal, Some(7), "ceil({value} / 100 × 4)");
            proposals.learn(seen, &d, &[Some(value as f64)]);
        }
        assert_eq!(sync(170, 30_000).proposal, Some(7));
        assert_eq!(proposals.known(seen, &spec(), &[Some(170.0)], &mut replicas), Some(7));
        assert_eq!(replicas, [7]);
        assert_eq!(proposals.known(seen, &spec(), &[Some(180.0)], &mut replicas), None, "above every value seen");
        // The table of the view with 2 Ready is kept, and comes back with that view.
        let two_ready = PodsSeen { ready: 2, pending: 2, unready: 2, ..seen };
        assert_eq!(proposals.table_for(two_ready).len(), 1);
    }
}
