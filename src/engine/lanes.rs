use super::Millis;

/// A periodic stream of events (a controller's sync loop, the output tick, a trace step) kept
/// out of the heap: its next firing is just `next`, advanced by `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lane {
    pub next: Millis,
    pub period: Millis,
}

impl Lane {
    /// A lane firing at `phase`, `phase + period`, ... `period` must be positive.
    pub fn new(phase: Millis, period: Millis) -> Self {
        assert!(period > 0, "a lane's period must be positive");
        Lane { next: phase, period }
    }

    /// Marks the current firing done and moves to the next one.
    #[inline]
    pub fn advance(&mut self) {
        self.next += self.period;
    }
}

/// A fixed set of lanes. `next()` returns the lane due first; ties go to the lane registered
/// first, so the order of same-time periodic events is fixed by registration order.
#[derive(Debug, Default, Clone)]
pub struct LaneSet {
    lanes: Vec<Lane>,
    /// The lane due first, kept up to date by `add` and `advance`: the run loop asks for it
    /// two or three times per firing, and only a firing can change it.
    due: Option<(usize, Millis)>,
}

impl LaneSet {
    pub fn new() -> Self {
        LaneSet::default()
    }

    /// Adds a lane and returns its index.
    pub fn add(&mut self, lane: Lane) -> usize {
        self.lanes.push(lane);
        self.due = self.scan();
        self.lanes.len() - 1
    }

    /// Index and time of the lane due first.
    #[inline]
    pub fn next(&self) -> Option<(usize, Millis)> {
        self.due
    }

    /// A linear scan: lane sets are small (a handful of controllers per run), where a scan
    /// beats any heap.
    fn scan(&self) -> Option<(usize, Millis)> {
        let mut best: Option<(usize, Millis)> = None;
        for (i, lane) in self.lanes.iter().enumerate() {
            if best.is_none_or(|(_, t)| lane.next < t) {
                best = Some((i, lane.next));
            }
        }
        best
    }

    pub fn advance(&mut self, index: usize) {
        self.lanes[index].advance();
        self.due = self.scan();
    }

    pub fn get(&self, index: usize) -> Lane {
        self.lanes[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_lane_first_ties_by_registration() {
        let mut lanes = LaneSet::new();
        let a = lanes.add(Lane::new(0, 15_000));
        let b = lanes.add(Lane::new(0, 10_000));
        let mut fired = Vec::new();
        while let Some((i, t)) = lanes.next() {
            if t > 30_000 {
                break;
            }
            fired.push((t, i));
            lanes.advance(i);
        }
        assert_eq!(fired, [(0, a), (0, b), (10_000, b), (15_000, a), (20_000, b), (30_000, a), (30_000, b)]);
    }
}
