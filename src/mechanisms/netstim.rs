//! Spike generator, as NEURON's `NetStim`: `number` spikes from `start`, every
//! `interval` ms, with a `noise` fraction of each interval drawn from a
//! negative exponential. Noise comes from a Random123 stream per instance
//! (NEURON 9's `RANDOM ranvar`), so a NetStim with the same stream ids gives
//! the same spike times as in NEURON, on any number of ranks or threads.

use super::{EventOutbox, InstanceSetup, Mechanism, MechanismInfo, MechanismKind, StepGlobals, VariableInfo, columns};
use crate::random123::Random123Stream;

/// Catalogue entry of `NetStim`.
pub static INFO: MechanismInfo = MechanismInfo {
    name: "NetStim",
    kind: MechanismKind::Artificial,
    variables: &[
        VariableInfo::parameter("interval", 10.0, "ms").positive("must be > 0 ms"),
        VariableInfo::parameter("number", 10.0, "1").non_negative("must be >= 0"),
        VariableInfo::parameter("start", 50.0, "ms"),
        VariableInfo::parameter("noise", 0.0, "1"),
        VariableInfo::assigned("event", "ms"),
        VariableInfo::assigned("on", "1"),
        VariableInfo::assigned("ispike", "1"),
    ],
    ions: &[],
    create: NetStim::create,
};

/// Self-event flag sent by INITIAL.
const FLAG_INITIAL: f64 = 3.0;
/// Self-event flag of the spike sequence.
const FLAG_NEXT_SPIKE: f64 = 1.0;

/// `NetStim` instances, structure-of-arrays.
#[derive(Debug, Clone)]
pub struct NetStim {
    interval: Vec<f64>,
    number: Vec<f64>,
    start: Vec<f64>,
    noise: Vec<f64>,
    event: Vec<f64>,
    on: Vec<f64>,
    ispike: Vec<f64>,
    streams: Vec<Random123Stream>,
}

impl NetStim {
    /// The catalogue name.
    pub const NAME: &'static str = "NetStim";

    fn create(setup: InstanceSetup) -> Box<dyn Mechanism> {
        let count = setup.count;
        let streams = setup.random_ids.iter().map(|&(a, b, c)| Random123Stream::new(a, b, c)).collect();
        let mut p = setup.parameters.into_iter();
        let mut next = || p.next().expect("NetStim: one column per parameter");
        Box::new(NetStim {
            interval: next(),
            number: next(),
            start: next(),
            noise: next(),
            event: vec![0.0; count],
            on: vec![0.0; count],
            ispike: vec![0.0; count],
            streams,
        })
    }

    /// FUNCTION invl: the next interval, mean `mean` ms.
    fn invl(&mut self, k: usize, mean: f64) -> f64 {
        let mean = if mean <= 0.0 { 0.01 } else { mean };
        if self.noise[k] == 0.0 {
            mean
        } else {
            (1.0 - self.noise[k]) * mean + self.noise[k] * mean * self.streams[k].negexp()
        }
    }

    /// PROCEDURE init_sequence.
    fn init_sequence(&mut self, k: usize) {
        if self.number[k] > 0.0 {
            self.on[k] = 1.0;
            self.event[k] = 0.0;
            self.ispike[k] = 0.0;
        }
    }

    /// PROCEDURE next_invl.
    fn next_invl(&mut self, k: usize) {
        if self.number[k] > 0.0 {
            self.event[k] = self.invl(k, self.interval[k]);
        }
        if self.ispike[k] >= self.number[k] {
            self.on[k] = 0.0;
        }
    }
}

impl Mechanism for NetStim {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    fn len(&self) -> usize {
        self.interval.len()
    }

    fn initialize(&mut self, _v: &[f64], _globals: &StepGlobals, outbox: &mut EventOutbox) {
        for k in 0..self.len() {
            // seed(0): back to the start of the stream.
            self.streams[k].set_sequence(0, 0);
            self.on[k] = 0.0;
            self.ispike[k] = 0.0;
            self.noise[k] = self.noise[k].clamp(0.0, 1.0);
            if self.start[k] >= 0.0 && self.number[k] > 0.0 {
                self.on[k] = 1.0;
                let first = self.start[k] + self.invl(k, self.interval[k]) - self.interval[k] * (1. - self.noise[k]);
                self.event[k] = first.max(0.0);
                outbox.self_events.push((self.event[k], k, FLAG_INITIAL));
            }
        }
    }

    fn current(&mut self, _v: &[f64], _rhs: &mut [f64], _d: &mut [f64], _globals: &StepGlobals) {}

    fn advance_state(&mut self, _v: &[f64], _globals: &StepGlobals) {}

    fn net_receive(&mut self, k: usize, weight: f64, flag: f64, t: f64, outbox: &mut EventOutbox) {
        if flag == 0.0 {
            if weight > 0.0 && self.on[k] == 0.0 {
                self.init_sequence(k);
                self.next_invl(k);
                self.event[k] -= self.interval[k] * (1. - self.noise[k]);
                outbox.self_events.push((t + self.event[k], k, FLAG_NEXT_SPIKE));
            } else if weight < 0.0 {
                self.on[k] = 0.0;
            }
        }
        if flag == FLAG_INITIAL && self.on[k] == 1.0 {
            self.init_sequence(k);
            outbox.self_events.push((t + 0.0, k, FLAG_NEXT_SPIKE));
        }
        if flag == FLAG_NEXT_SPIKE && self.on[k] == 1.0 {
            self.ispike[k] += 1.0;
            outbox.spikes.push((k, t));
            self.next_invl(k);
            if self.on[k] == 1.0 {
                outbox.self_events.push((t + self.event[k], k, FLAG_NEXT_SPIKE));
            }
        }
    }

    fn variable(&self, name: &str) -> Option<&[f64]> {
        columns!(self, name, as_slice, [interval, number, start, noise, event, on, ispike])
    }

    fn variable_mut(&mut self, name: &str) -> Option<&mut [f64]> {
        columns!(self, name, as_mut_slice, [interval, number, start, noise, event, on, ispike])
    }
}
