//! Pods and metric samples matched by pod name, for the replica calculator.
//!
//! Upstream keys its per-sync bookkeeping by pod name in Go maps. A sync sees a handful of
//! pods and runs every 15 s of a simulated year, so instead every distinct name gets a slot
//! (an index), each pod and each sample entry points at its slot, and the calculator works on
//! vectors indexed by slot: no name comparisons at a sync. Equal names share a slot, so
//! duplicate pods or samples behave as they did in the name-keyed maps. A caller that knows
//! the names did not change (`Observed::pods_version`) keeps the join between syncs.

/// The slots of a pod list and a sample list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Join {
    pod_slot: Vec<usize>,
    sample_slot: Vec<usize>,
    slots: usize,
}

impl Join {
    /// Assigns slots to the names of `pods` and of `samples`, reusing this join's buffers.
    pub fn build<'a>(&mut self, pods: impl ExactSizeIterator<Item = &'a str>, samples: impl Iterator<Item = &'a str>) {
        let n_pods = pods.len();
        let mut names: Vec<(&str, usize)> = pods.chain(samples).zip(0..).collect();
        names.sort_unstable();
        self.pod_slot.clear();
        self.pod_slot.resize(n_pods, 0);
        self.sample_slot.clear();
        self.sample_slot.resize(names.len() - n_pods, 0);
        self.slots = 0;
        let mut prev: Option<&str> = None;
        for (name, i) in names {
            if prev != Some(name) {
                self.slots += 1;
                prev = Some(name);
            }
            let slot = self.slots - 1;
            match i.checked_sub(n_pods) {
                None => self.pod_slot[i] = slot,
                Some(s) => self.sample_slot[s] = slot,
            }
        }
    }

    /// Number of distinct names.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Slot of each pod, in list order.
    pub fn pod_slots(&self) -> &[usize] {
        &self.pod_slot
    }

    /// Slot of each sample entry, in list order.
    pub fn sample_slots(&self) -> &[usize] {
        &self.sample_slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_names_share_a_slot() {
        let mut j = Join::default();
        j.build(["web-2", "web-1", "web-2"].into_iter(), ["web-1", "gone", "web-2"].into_iter());
        assert_eq!(j.slots(), 3);
        let (p, s) = (j.pod_slots(), j.sample_slots());
        assert_eq!(p[0], p[2]);
        assert_eq!(s[0], p[1]);
        assert_eq!(s[2], p[0]);
        assert!(!p.contains(&s[1]));
    }
}
