//! One workload's pods and the ReplicaSet controller that keeps their number at the desired
//! replicas: creation, startup, readiness, and deletion in the controller's order.

use crate::engine::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodState {
    /// Not bound to a node.
    Pending,
    /// Bound; containers run from `running_at`, Ready from `ready_at`.
    Starting {
        running_at: Millis,
        ready_at: Millis,
    },
    Ready {
        since: Millis,
    },
    /// Deleted: out of the endpoints at once, holding its node until `until`.
    Terminating {
        until: Millis,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pod {
    /// Unique within the workload, increasing with creation.
    pub id: u64,
    pub created: Millis,
    pub bound_at: Option<Millis>,
    pub node: Option<crate::cluster::NodeId>,
    pub state: PodState,
}

impl Pod {
    pub fn is_active(&self) -> bool {
        !matches!(self.state, PodState::Terminating { .. })
    }
}

/// The ReplicaSet's deletion preference (upstream `ActivePodsWithRanks` / `podsToDelete`):
/// unscheduled before scheduled, not running before running, not ready before ready, ready for
/// less time before ready for longer (in doubling buckets), newer before older.
fn deletion_rank(p: &Pod, now: Millis) -> (u8, u8, u8, u32, std::cmp::Reverse<u64>) {
    let scheduled = u8::from(p.node.is_some());
    let (running, ready, ready_bucket) = match p.state {
        PodState::Pending => (0, 0, 0),
        PodState::Starting { running_at, .. } => (u8::from(now >= running_at), 0, 0),
        PodState::Ready { since } => (1, 1, 64 - ((now - since) / 1000).leading_zeros()),
        PodState::Terminating { .. } => (2, 2, u32::MAX),
    };
    (scheduled, running, ready, ready_bucket, std::cmp::Reverse(p.id))
}

/// A workload's pods. Change them only through the methods (`create`, `get_mut`, `remove`):
/// they bump the version that observers and the cached counts rely on.
#[derive(Debug, Clone, Default)]
pub struct PodSet {
    pub pods: Vec<Pod>,
    next_id: u64,
    pub desired: u32,
    /// Bumped on every change to any pod, so observers can tell when their copy is stale.
    version: u64,
    /// (version, [ready, active, pending]) as last counted: the counts are read at every
    /// integration step and sync, far more often than a pod changes, and counting walks every pod.
    counts: std::cell::Cell<Option<(u64, [u32; 3])>>,
}

impl PodSet {
    /// [ready, active, pending], counted once per version.
    fn counts(&self) -> [u32; 3] {
        match self.counts.get() {
            Some((v, counts)) if v == self.version => counts,
            _ => {
                let mut counts = [0; 3];
                for p in &self.pods {
                    counts[0] += u32::from(matches!(p.state, PodState::Ready { .. }));
                    counts[1] += u32::from(p.is_active());
                    counts[2] += u32::from(p.state == PodState::Pending);
                }
                self.counts.set(Some((self.version, counts)));
                counts
            }
        }
    }

    pub fn ready(&self) -> u32 {
        self.counts()[0]
    }

    /// Pods not bound to a node.
    pub fn pending(&self) -> u32 {
        self.counts()[2]
    }

    pub fn active(&self) -> u32 {
        self.counts()[1]
    }

    /// Creates a pod (Pending) and returns its id.
    pub fn create(&mut self, now: Millis) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.version += 1;
        self.pods.push(Pod { id, created: now, bound_at: None, node: None, state: PodState::Pending });
        id
    }

    /// Mutable access to a pod (counts as a change).
    pub fn get_mut(&mut self, id: u64) -> Option<&mut Pod> {
        self.version += 1;
        self.pods.iter_mut().find(|p| p.id == id)
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// The ids the ReplicaSet deletes to go from the active count down by `n`.
    pub fn pick_for_deletion(&self, n: u32, now: Millis) -> Vec<u64> {
        let mut active: Vec<&Pod> = self.pods.iter().filter(|p| p.is_active()).collect();
        active.sort_by_key(|p| deletion_rank(p, now));
        active.iter().take(n as usize).map(|p| p.id).collect()
    }

    /// Removes a pod for good (after its termination grace).
    pub fn remove(&mut self, id: u64) -> Option<Pod> {
        let i = self.pods.iter().position(|p| p.id == id)?;
        self.version += 1;
        Some(self.pods.remove(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletion_order_follows_the_replicaset_controller() {
        let mut s = PodSet::default();
        let ids: Vec<u64> = (0..5).map(|i| s.create(i * 1000)).collect();
        // 0: ready for a long time, 1: ready recently, 2: starting, 3: pending, 4: ready recently (newer)
        s.pods[0].state = PodState::Ready { since: 0 };
        s.pods[1].state = PodState::Ready { since: 590_000 };
        s.pods[2].state = PodState::Starting { running_at: 700_000, ready_at: 710_000 };
        s.pods[4].state = PodState::Ready { since: 595_000 };
        for i in [0, 1, 2, 4] {
            s.pods[i].node = Some(0);
        }
        let order = s.pick_for_deletion(5, 600_000);
        assert_eq!(order, vec![ids[3], ids[2], ids[4], ids[1], ids[0]]);
    }
}
