//! Discrete events: the priority queue of a cell group, ordered so that events
//! due at the same time are delivered in an order that depends only on the
//! model (NetCon ids, gids), never on ranks, threads or arrival order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Who receives an event: instance `instance` of mechanism slot `slot` of the
/// group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTarget {
    /// Mechanism slot in the cell group.
    pub slot: u32,
    /// Instance within the slot.
    pub instance: u32,
}

/// An event waiting in the queue.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    /// Delivery time, ms.
    pub time: f64,
    /// Tie-break key after the time (see [`EventKey`]).
    pub key: EventKey,
    /// Receiver.
    pub target: EventTarget,
    /// NetCon weight (0 for self events).
    pub weight: f64,
    /// 0 for NetCon events, the `net_send` flag for self events.
    pub flag: f64,
}

/// Order of events due at the same time: NetCon events by NetCon id (target
/// gid, then creation index), then
/// self events by the gid that sent them and the order it sent them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventKey {
    /// From a NetCon.
    NetCon {
        /// NetCon id.
        id: crate::network::NetConId,
        /// Spike time bits of the source (two spikes of one source at the
        /// same delivery time cannot be told apart otherwise).
        sequence: u64,
    },
    /// From a NetCon between a cell's own NetStim and its point process.
    LocalNetCon {
        /// The cell.
        gid: u64,
        /// Index of the NetCon in the cell's local NetCons.
        index: u32,
        /// Spike time bits.
        sequence: u64,
    },
    /// A `net_send` of a mechanism of cell `gid`.
    SelfEvent {
        /// Cell that sent it.
        gid: u64,
        /// Running count of that group's self events.
        sequence: u64,
    },
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    /// Reversed, so that the max-heap pops the earliest event first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.time.total_cmp(&self.time).then_with(|| other.key.cmp(&self.key))
    }
}

/// Time-ordered queue of pending events.
#[derive(Debug, Default, Clone)]
pub struct EventQueue {
    heap: BinaryHeap<Event>,
}

impl EventQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an event.
    pub fn push(&mut self, event: Event) {
        self.heap.push(event);
    }

    /// Removes and returns the earliest event if it is due at or before
    /// `until` (ms).
    pub fn pop_due(&mut self, until: f64) -> Option<Event> {
        if self.heap.peek().is_some_and(|e| e.time <= until) { self.heap.pop() } else { None }
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Drops every pending event.
    pub fn clear(&mut self) {
        self.heap.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::network::NetConId;

    fn nc(index: u32) -> NetConId {
        NetConId { target: 0, index }
    }

    fn event(time: f64, key: EventKey) -> Event {
        Event { time, key, target: EventTarget { slot: 0, instance: 0 }, weight: 0.0, flag: 0.0 }
    }

    #[test]
    fn pops_in_time_then_key_order_whatever_the_push_order() {
        let events = [
            event(2.0, EventKey::NetCon { id: nc(5), sequence: 0 }),
            event(1.0, EventKey::SelfEvent { gid: 3, sequence: 9 }),
            event(1.0, EventKey::NetCon { id: nc(7), sequence: 0 }),
            event(1.0, EventKey::NetCon { id: nc(2), sequence: 0 }),
            event(0.5, EventKey::NetCon { id: nc(9), sequence: 0 }),
        ];
        let expected = [(0.5, 9), (1.0, 2), (1.0, 7), (1.0, u32::MAX), (2.0, 5)];
        for rotation in 0..events.len() {
            let mut queue = EventQueue::new();
            for k in 0..events.len() {
                queue.push(events[(k + rotation) % events.len()]);
            }
            let mut got = Vec::new();
            while let Some(e) = queue.pop_due(f64::INFINITY) {
                let id = match e.key {
                    EventKey::NetCon { id, .. } => id.index,
                    EventKey::SelfEvent { .. } | EventKey::LocalNetCon { .. } => u32::MAX,
                };
                got.push((e.time, id));
            }
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn only_due_events_are_popped() {
        let mut queue = EventQueue::new();
        queue.push(event(1.0, EventKey::NetCon { id: nc(0), sequence: 0 }));
        assert!(queue.pop_due(0.999).is_none());
        assert!(queue.pop_due(1.0).is_some());
        assert!(queue.is_empty());
    }
}
