use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::Millis;

/// An event taken off the queue: when it fires, and what it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheduled<E> {
    pub time: Millis,
    pub priority: u8,
    pub event: E,
}

/// Heap entry. The whole ordering key is packed into one `u128`
/// (time | priority | insertion sequence) so a comparison is a single integer compare.
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: `BinaryHeap` is a max-heap and we want the earliest key first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

const SEQ_BITS: u32 = 56;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;

/// A priority queue of future events, ordered by (time, priority, insertion order).
///
/// Lower priority values fire first among events at the same millisecond; events with equal
/// time and priority fire in the order they were scheduled. This total order is what makes a
/// run reproducible.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue { heap: BinaryHeap::with_capacity(capacity), next_seq: 0 }
    }

    /// Schedules `event` at `time`. Panics only if more than 2^56 events are ever scheduled
    /// on one queue, which no run approaches.
    #[inline]
    pub fn schedule(&mut self, time: Millis, priority: u8, event: E) {
        let seq = self.next_seq;
        assert!(seq <= SEQ_MASK, "event sequence space exhausted");
        self.next_seq += 1;
        let key = ((time as u128) << 64) | ((priority as u128) << SEQ_BITS) | seq as u128;
        self.heap.push(Entry { key, event });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        self.heap.pop().map(|entry| Scheduled {
            time: (entry.key >> 64) as Millis,
            priority: ((entry.key >> SEQ_BITS) & 0xff) as u8,
            event: entry.event,
        })
    }

    /// Time of the earliest event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<Millis> {
        self.heap.peek().map(|entry| (entry.key >> 64) as Millis)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_priority_then_insertion() {
        let mut q = EventQueue::new();
        q.schedule(10, 1, "late-low");
        q.schedule(5, 2, "early-b");
        q.schedule(5, 1, "early-prio");
        q.schedule(5, 2, "early-c");
        q.schedule(10, 0, "late-high");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|s| s.event).collect();
        assert_eq!(order, ["early-prio", "early-b", "early-c", "late-high", "late-low"]);
    }

    #[test]
    fn reports_time_and_priority_back() {
        let mut q = EventQueue::new();
        q.schedule(u64::MAX - 1, 7, ());
        assert_eq!(q.peek_time(), Some(u64::MAX - 1));
        let s = q.pop().unwrap();
        assert_eq!((s.time, s.priority), (u64::MAX - 1, 7));
        assert!(q.is_empty());
    }
}
