//! Provisioning batcher: a batch opens at the first pending-pod trigger and closes after
//! `idle` with no new trigger or `max` after it opened, whichever comes first
//! (upstream `Batcher.Wait`, BATCH_IDLE_DURATION 1s / BATCH_MAX_DURATION 10s).

/// Default idle window (ms).
pub const BATCH_IDLE_MS: u64 = 1_000;
/// Default maximum window (ms).
pub const BATCH_MAX_MS: u64 = 10_000;

/// One provisioning run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub opened_at: u64,
    /// When the provisioner runs the scheduling simulation.
    pub closes_at: u64,
    /// Indexes (into the sorted arrivals) of the pods it covers.
    pub pods: Vec<usize>,
}

/// Groups arrival times (ms, any order) into batches. A trigger strictly before the close time
/// joins the batch and restarts the idle timer; one at or after it opens the next batch.
pub fn batches(arrivals: &[u64], idle_ms: u64, max_ms: u64) -> Vec<Batch> {
    let mut idx: Vec<usize> = (0..arrivals.len()).collect();
    idx.sort_by_key(|&i| (arrivals[i], i));
    let mut out: Vec<Batch> = Vec::new();
    for i in idx {
        let t = arrivals[i];
        if let Some(b) = out.last_mut()
            && t < b.closes_at
        {
            b.closes_at = (t + idle_ms).min(b.opened_at + max_ms);
            b.pods.push(i);
            continue;
        }
        out.push(Batch { opened_at: t, closes_at: (t + idle_ms).min(t + max_ms), pods: vec![i] });
    }
    out
}
