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
    /// Where the weight vector of the NetCon that sent it starts in the
    /// receiving group's weight store (self events carry the one of the
    /// event being handled when they were sent, as NEURON's `net_send`);
    /// [`NO_WEIGHTS`] for events sent by INITIAL.
    pub weights: u32,
    /// 0 for NetCon events, the `net_send` flag for self events.
    pub flag: f64,
}

/// The `weights` of an event that has no NetCon behind it.
pub const NO_WEIGHTS: u32 = u32::MAX;

/// Order of events due at the same time: NEURON's queue delivers them in
/// the order they were inserted, and a serial NEURON run inserts an event
/// when it is sent. The key reproduces that order from the model alone (so
/// that it is the same on any number of ranks and threads): events sent
/// earlier come first; among events sent at the same time, those sent during
/// `finitialize` first, then by sender gid, then by NetCon creation order
/// (NetCon events before the self events of the same delivery, as NEURON's
/// NetStim calls `net_event` before `net_send`).
///
/// Where NEURON's order depends on more than this (its queue moves the
/// earliest pending event behind its equal-time peers whenever an earlier one
/// is inserted, and remote spikes are inserted at the exchange), exact ties
/// may be delivered in another order than NEURON's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventKey {
    /// When the event was sent, ms, as an order-preserving integer.
    sent_at: u64,
    /// 0: sent by an INITIAL block; 1: sent at run time.
    phase: u8,
    /// Gid of the sender (the source of a NetCon, the owner of a self event).
    sender: u64,
    /// NetCon creation index (cell-local NetCons after gid NetCons), then
    /// self events by sequence.
    index: u64,
}

/// Maps a time to an integer with the same order (total order of f64).
fn orderable(t: f64) -> u64 {
    let bits = t.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | 1 << 63 }
}

/// Index offsets keeping the kinds of event of one sender apart.
const LOCAL_NETCON: u64 = 1 << 32;
const SELF_EVENT: u64 = 1 << 33;

impl EventKey {
    /// An event of NetCon `index` (creation index among the NetCons ending
    /// on its target) for a spike of `source` at `spike_time` ms.
    pub fn netcon(spike_time: f64, source: u64, index: u32) -> Self {
        EventKey { sent_at: orderable(spike_time), phase: 1, sender: source, index: u64::from(index) }
    }

    /// An event of a cell's own NetCon `index` (from one of its NetStims).
    pub fn local_netcon(spike_time: f64, cell: u64, index: u32) -> Self {
        EventKey { sent_at: orderable(spike_time), phase: 1, sender: cell, index: LOCAL_NETCON + u64::from(index) }
    }

    /// A self event (`net_send`) of a mechanism of `owner`, sent at
    /// `sent_at` ms (during `finitialize` when `initializing`); `sequence`
    /// orders the self events one group sends.
    pub fn self_event(sent_at: f64, initializing: bool, owner: u64, sequence: u64) -> Self {
        EventKey {
            sent_at: orderable(sent_at),
            phase: u8::from(!initializing),
            sender: owner,
            index: SELF_EVENT + sequence,
        }
    }
}

impl EventKey {
    /// The sequence number of a self event, `None` for NetCon events.
    pub fn self_sequence(&self) -> Option<u64> {
        self.index.checked_sub(SELF_EVENT)
    }
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

    fn event(time: f64, key: EventKey) -> Event {
        Event { time, key, target: EventTarget { slot: 0, instance: 0 }, weights: NO_WEIGHTS, flag: 0.0 }
    }

    #[test]
    fn pops_in_time_then_send_order_whatever_the_push_order() {
        let events = [
            event(2.0, EventKey::netcon(1.0, 4, 5)),
            event(1.0, EventKey::self_event(0.5, false, 3, 9)),
            event(1.0, EventKey::netcon(0.2, 8, 7)),
            event(1.0, EventKey::netcon(0.2, 8, 2)),
            event(1.0, EventKey::self_event(0.0, true, 9, 1)),
            event(1.0, EventKey::netcon(0.2, 1, 3)),
            event(0.5, EventKey::netcon(0.1, 0, 9)),
        ];
        // Time, then when sent (INITIAL first), then sender, then NetCon order.
        let expected = [
            (0.5, EventKey::netcon(0.1, 0, 9)),
            (1.0, EventKey::self_event(0.0, true, 9, 1)),
            (1.0, EventKey::netcon(0.2, 1, 3)),
            (1.0, EventKey::netcon(0.2, 8, 2)),
            (1.0, EventKey::netcon(0.2, 8, 7)),
            (1.0, EventKey::self_event(0.5, false, 3, 9)),
            (2.0, EventKey::netcon(1.0, 4, 5)),
        ];
        for rotation in 0..events.len() {
            let mut queue = EventQueue::new();
            for k in 0..events.len() {
                queue.push(events[(k + rotation) % events.len()]);
            }
            let mut got = Vec::new();
            while let Some(e) = queue.pop_due(f64::INFINITY) {
                got.push((e.time, e.key));
            }
            assert_eq!(got, expected);
        }
        assert!(EventKey::netcon(-1.0, 0, 0) < EventKey::netcon(-0.5, 0, 0));
        assert!(EventKey::netcon(-0.5, 0, 0) < EventKey::netcon(0.0, 0, 0));
        assert!(EventKey::netcon(3.0, 0, 0) < EventKey::local_netcon(3.0, 0, 0));
        assert!(EventKey::local_netcon(3.0, 0, 0) < EventKey::self_event(3.0, false, 0, 0));
    }

    #[test]
    fn only_due_events_are_popped() {
        let mut queue = EventQueue::new();
        queue.push(event(1.0, EventKey::netcon(0.0, 0, 0)));
        assert!(queue.pop_due(0.999).is_none());
        assert!(queue.pop_due(1.0).is_some());
        assert!(queue.is_empty());
    }
}
