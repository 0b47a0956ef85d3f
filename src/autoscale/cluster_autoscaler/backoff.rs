//! Per-node-group exponential backoff after failed scale-ups (`utils/backoff/
//! exponential_backoff.go`) and the max-node-provision-time check that triggers it
//! (`clusterstate`).
//!
//! A failure while the group is not backed off doubles the previous duration (capped at the
//! max); a failure during an active backoff keeps the duration (concurrent failures must not
//! compound). Entries whose last failure is older than the reset timeout are dropped.
//! Comparisons are strict, as upstream's `Before`/`After`.

use std::collections::BTreeMap;

use crate::engine::Millis;

use super::config::AutoscalerConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    duration: Millis,
    until: Millis,
    last_failure: Millis,
}

/// Backoff state of every node group, keyed by group id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Millis,
    pub max: Millis,
    pub reset_timeout: Millis,
    entries: BTreeMap<String, Entry>,
}

impl Backoff {
    pub fn new(initial: Millis, max: Millis, reset_timeout: Millis) -> Self {
        Backoff { initial, max, reset_timeout, entries: BTreeMap::new() }
    }

    /// With `--initial-node-group-backoff-duration`, `--max-…` and `--node-group-backoff-reset-timeout`.
    pub fn from_config(cfg: &AutoscalerConfig) -> Self {
        Backoff::new(cfg.initial_node_group_backoff, cfg.max_node_group_backoff, cfg.node_group_backoff_reset_timeout)
    }

    /// Records a failed scale-up of `group` at `now`; returns the backoff end.
    pub fn backoff(&mut self, group: &str, now: Millis) -> Millis {
        let duration = match self.entries.get(group) {
            Some(e) if e.until < now => (2 * e.duration).min(self.max),
            Some(e) => e.duration,
            None => self.initial,
        };
        let until = now + duration;
        self.entries.insert(group.to_owned(), Entry { duration, until, last_failure: now });
        until
    }

    /// True while `group` must not be scaled up.
    pub fn is_backed_off(&self, group: &str, now: Millis) -> bool {
        self.entries.get(group).is_some_and(|e| e.until > now)
    }

    /// End of the current backoff, if any is recorded.
    pub fn backed_off_until(&self, group: &str) -> Option<Millis> {
        self.entries.get(group).map(|e| e.until)
    }

    /// Forgets `group` (e.g. after a successful scale-up).
    pub fn remove(&mut self, group: &str) {
        self.entries.remove(group);
    }

    /// Drops entries whose last failure is older than the reset timeout.
    pub fn remove_stale(&mut self, now: Millis) {
        let reset = self.reset_timeout;
        self.entries.retain(|_, e| e.last_failure + reset >= now);
    }

    /// Number of groups with recorded backoff data.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// An issued scale-up still waiting for its nodes to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleUpRequest {
    pub group_id: String,
    /// Nodes requested and not yet registered.
    pub outstanding: u32,
    /// When the request was made.
    pub requested_at: Millis,
}

/// Expires requests older than `max-node-provision-time` (upstream: `ExpectedAddTime` before
/// now): each expired group is backed off and the expired requests are returned so the caller
/// can shrink the group's target size back, as CA does for failed scale-ups.
pub fn expire_scale_ups(
    requests: &mut Vec<ScaleUpRequest>,
    now: Millis,
    cfg: &AutoscalerConfig,
    backoff: &mut Backoff,
) -> Vec<ScaleUpRequest> {
    let (expired, alive): (Vec<_>, Vec<_>) = std::mem::take(requests)
        .into_iter()
        .filter(|r| r.outstanding > 0)
        .partition(|r| r.requested_at + cfg.max_node_provision_time < now);
    *requests = alive;
    for r in &expired {
        backoff.backoff(&r.group_id, now);
    }
    expired
}
