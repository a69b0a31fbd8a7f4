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

/// Buckets per ms of the queue's calendar: a power of two, so that
/// `time * BUCKETS_PER_MS` is exact and bucket order never contradicts time
/// order.
const BUCKETS_PER_MS: f64 = 32.0;
/// Buckets held in the ring (32 ms ahead of the earliest); later events
/// wait in a heap until the ring reaches them.
const RING: usize = 1024;

/// The calendar bucket of an event due at `time` ms; `None` for times the
/// calendar does not hold (infinite, NaN, beyond ±2^57 ms).
fn bucket(time: f64) -> Option<i64> {
    let scaled = (time * BUCKETS_PER_MS).floor();
    (scaled.abs() < (1u64 << 62) as f64).then_some(scaled as i64)
}

/// Time-ordered queue of pending events: a calendar of 1/32 ms buckets.
///
/// A network's events are mostly due within a few ms of being sent, so a
/// push lands in its bucket of a ring in O(1), and a bucket is sorted once
/// when its time comes; this replaced a binary heap whose pops were 6% of
/// a cortical column's run. The delivery order is the heap's: time, then
/// [`EventKey`].
///
/// Invariant: every event in `due` is earlier than every event in the ring,
/// and every event in the ring earlier than every event in `far`.
#[derive(Debug, Clone)]
pub struct EventQueue {
    /// Events of buckets below `ring_start`, sorted latest first (the next
    /// event is the last).
    due: Vec<Event>,
    /// Bucket b in `ring_start .. ring_start + RING` is `ring[b mod RING]`,
    /// unsorted.
    ring: Vec<Vec<Event>>,
    ring_start: i64,
    in_ring: usize,
    /// At least the latest bucket holding an event in the ring (reset when
    /// the ring is found empty).
    ring_high: i64,
    /// Events beyond the ring, or outside the calendar's times.
    far: BinaryHeap<Event>,
}

impl Default for EventQueue {
    fn default() -> Self {
        EventQueue {
            due: Vec::new(),
            ring: vec![Vec::new(); RING],
            ring_start: 0,
            in_ring: 0,
            ring_high: i64::MIN,
            far: BinaryHeap::new(),
        }
    }
}

impl EventQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an event.
    pub fn push(&mut self, event: Event) {
        let Some(b) = bucket(event.time) else {
            if event.time.is_sign_positive() {
                self.far.push(event); // after every calendar time
            } else {
                let at = self.due.partition_point(|e| e < &event);
                self.due.insert(at, event); // before every calendar time
            }
            return;
        };
        if b < self.ring_start && self.ring_may_start_at(b) {
            // Move the ring back rather than sort into `due`: events queued
            // far ahead first (a model's fixed inputs) must not leave every
            // nearer event to a sorted insertion.
            self.ring_start = b;
        }
        if b < self.ring_start {
            // Earlier than anything in the ring: among the sorted ones.
            let at = self.due.partition_point(|e| e < &event);
            self.due.insert(at, event);
        } else if b < self.ring_start + RING as i64 {
            self.ring[b.rem_euclid(RING as i64) as usize].push(event);
            self.in_ring += 1;
            self.ring_high = self.ring_high.max(b);
        } else {
            self.far.push(event);
        }
    }

    /// Removes and returns the earliest event if it is due at or before
    /// `until` (ms).
    pub fn pop_due(&mut self, until: f64) -> Option<Event> {
        if self.due.is_empty() {
            self.load_next_bucket(until);
        }
        if self.due.last().is_some_and(|e| e.time <= until) {
            return self.due.pop();
        }
        if self.due.is_empty() && self.in_ring == 0 && self.far.peek().is_some_and(|e| e.time <= until) {
            // Only times the calendar does not hold are left.
            return self.far.pop();
        }
        None
    }

    /// Moves the earliest bucket of the ring into `due` if it may hold an
    /// event due at `until` (a later bucket cannot: bucket order is time
    /// order).
    fn load_next_bucket(&mut self, until: f64) {
        let limit = bucket(until).unwrap_or(if until > 0.0 { i64::MAX } else { i64::MIN });
        if self.in_ring == 0 {
            // Jump to the first far event's bucket.
            match self.far.peek().and_then(|e| bucket(e.time)) {
                Some(b) if b <= limit => self.ring_start = b,
                _ => return,
            }
            self.take_from_far();
        }
        while self.ring_start <= limit {
            let slot = self.ring_start.rem_euclid(RING as i64) as usize;
            // Out of the ring before it moves on: the slot is then the
            // ring's last bucket, which far events may enter.
            std::mem::swap(&mut self.due, &mut self.ring[slot]);
            self.in_ring -= self.due.len();
            self.ring_start += 1;
            self.take_from_far();
            if !self.due.is_empty() {
                self.due.sort_unstable();
                return;
            }
        }
    }

    /// Whether the ring can start at bucket `b`, below its start, keeping
    /// the order: every event in `due` is before `b`, and the ring's slots
    /// from `b` on hold no event of a later round.
    fn ring_may_start_at(&mut self, b: i64) -> bool {
        if self.in_ring == 0 {
            self.ring_high = i64::MIN;
        }
        let due_before = self.due.first().is_none_or(|latest| bucket(latest.time).is_none_or(|d| d < b));
        due_before && self.ring_high < b + RING as i64
    }

    /// Moves the far events that the ring now reaches into it.
    fn take_from_far(&mut self) {
        let end = self.ring_start + RING as i64;
        while let Some(b) = self.far.peek().and_then(|e| bucket(e.time))
            && b < end
        {
            let event = self.far.pop().expect("peeked");
            self.ring[b.rem_euclid(RING as i64) as usize].push(event);
            self.in_ring += 1;
            self.ring_high = self.ring_high.max(b);
        }
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.due.len() + self.in_ring + self.far.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every pending event.
    pub fn clear(&mut self) {
        self.due.clear();
        for bucket in &mut self.ring {
            bucket.clear();
        }
        self.in_ring = 0;
        self.ring_high = i64::MIN;
        self.far.clear();
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

    #[test]
    fn the_calendar_delivers_as_a_heap_would() {
        // Random pushes (near, beyond the ring, far ahead, at the same times,
        // during deliveries, at odd times) against a binary heap.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut queue, mut heap) = (EventQueue::new(), BinaryHeap::new());
        let mut t = 0.0;
        let mut index = 0;
        let mut push = |queue: &mut EventQueue, heap: &mut BinaryHeap<Event>, sent: f64, time: f64| {
            index += 1;
            let e = event(time, EventKey::netcon(sent, index % 7, index as u32));
            queue.push(e);
            heap.push(e);
        };
        // A model's fixed inputs first, in no particular order, as far as
        // 150 ms ahead (beyond the ring's 32 ms).
        for _ in 0..300 {
            let time = random() * 150.0;
            push(&mut queue, &mut heap, 0.0, time);
        }
        for step in 0..4000 {
            let until = t + 0.0125;
            for _ in 0..(random() * 6.0) as usize {
                let r = random();
                let time = match (random() * 10.0) as u32 {
                    0 => t + 0.025 * (r * 4.0).floor(), // on the step grid
                    1 => t + 40.0 + r * 100.0,          // beyond the ring
                    2 if step % 97 == 0 => f64::INFINITY,
                    3 => until,
                    _ => t + r * 5.0,
                };
                push(&mut queue, &mut heap, t, time);
            }
            loop {
                let expected = if heap.peek().is_some_and(|e: &Event| e.time <= until) { heap.pop() } else { None };
                let got = queue.pop_due(until);
                assert_eq!(got.map(|e| (e.time, e.key)), expected.map(|e| (e.time, e.key)), "step {step}");
                let Some(e) = got else { break };
                if random() < 0.2 {
                    // A delivery sends an event due at once or soon.
                    let time = e.time.max(t) + (random() * 2.0).floor() * 0.01;
                    push(&mut queue, &mut heap, t, time);
                }
            }
            assert_eq!(queue.len(), heap.len());
            t += 0.025;
            if step == 2000 {
                // A jump (as after a long quiet period) and a reset.
                t += 500.0;
            }
        }
        queue.clear();
        assert!(queue.is_empty() && queue.pop_due(f64::INFINITY).is_none());
        queue.push(event(-3.0, EventKey::netcon(0.0, 0, 0)));
        queue.push(event(f64::NEG_INFINITY, EventKey::netcon(0.0, 0, 1)));
        queue.push(event(1e300, EventKey::netcon(0.0, 0, 2)));
        let order: Vec<f64> = std::iter::from_fn(|| queue.pop_due(f64::INFINITY)).map(|e| e.time).collect();
        assert_eq!(order, [f64::NEG_INFINITY, -3.0, 1e300]);
    }
}
