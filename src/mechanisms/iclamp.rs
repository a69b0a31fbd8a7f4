//! Current clamp: a square pulse of current injected at a location, as
//! NEURON's `IClamp` (an electrode current: positive values depolarize).

use super::{EventOutbox, InstanceSetup, Mechanism, MechanismInfo, MechanismKind, StepGlobals, VariableInfo, columns};

/// Catalogue entry of `IClamp`.
pub static INFO: MechanismInfo = MechanismInfo {
    name: "IClamp",
    kind: MechanismKind::Point,
    variables: &[
        VariableInfo::parameter("del", 0.0, "ms"),
        VariableInfo::parameter("dur", 0.0, "ms").non_negative("a duration must be >= 0 ms"),
        VariableInfo::parameter("amp", 0.0, "nA"),
        VariableInfo::assigned("i", "nA"),
    ],
    create: IClamp::create,
};

/// `IClamp` instances, structure-of-arrays.
#[derive(Debug, Clone)]
pub struct IClamp {
    area_factor: Vec<f64>,
    del: Vec<f64>,
    dur: Vec<f64>,
    amp: Vec<f64>,
    i: Vec<f64>,
}

impl IClamp {
    fn create(setup: InstanceSetup) -> Box<dyn Mechanism> {
        let count = setup.count;
        let mut p = setup.parameters.into_iter();
        let mut next = || p.next().expect("IClamp: one column per parameter");
        Box::new(IClamp { area_factor: setup.area_factor, del: next(), dur: next(), amp: next(), i: vec![0.0; count] })
    }
}

impl Mechanism for IClamp {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    fn len(&self) -> usize {
        self.amp.len()
    }

    fn initialize(&mut self, _v: &[f64], _globals: &StepGlobals, _outbox: &mut EventOutbox) {
        self.i.fill(0.0);
    }

    fn current(&mut self, v: &[f64], rhs: &mut [f64], _d: &mut [f64], globals: &StepGlobals) {
        let t = globals.t;
        for (k, rhs) in rhs.iter_mut().enumerate().take(v.len()) {
            let on = t < self.del[k] + self.dur[k] && t >= self.del[k];
            let i = if on { self.amp[k] } else { 0.0 };
            self.i[k] = i;
            // An electrode current enters the cell: it adds to the rhs.
            *rhs += i * self.area_factor[k];
        }
    }

    fn advance_state(&mut self, _v: &[f64], _globals: &StepGlobals) {}

    fn variable(&self, name: &str) -> Option<&[f64]> {
        columns!(self, name, as_slice, [del, dur, amp, i])
    }

    fn variable_mut(&mut self, name: &str) -> Option<&mut [f64]> {
        columns!(self, name, as_mut_slice, [del, dur, amp, i])
    }
}
