//! Synapse with a difference-of-exponentials conductance, as NEURON's
//! `Exp2Syn` (peak conductance equal to the weight).

use super::{
    DecayFactors, EventOutbox, InstanceSetup, Mechanism, MechanismInfo, MechanismKind, StepGlobals, VariableInfo,
    columns,
};

/// Catalogue entry of `Exp2Syn`.
pub static INFO: MechanismInfo = MechanismInfo {
    name: "Exp2Syn",
    kind: MechanismKind::Point,
    variables: &[
        VariableInfo::parameter("tau1", 0.1, "ms").positive("a time constant must be > 0 ms"),
        VariableInfo::parameter("tau2", 10.0, "ms").positive("a time constant must be > 0 ms"),
        VariableInfo::parameter("e", 0.0, "mV"),
        VariableInfo::state("A", "uS"),
        VariableInfo::state("B", "uS"),
        VariableInfo::assigned("g", "uS"),
        VariableInfo::assigned("i", "nA"),
        VariableInfo::assigned("factor", "1"),
    ],
    create: Exp2Syn::create,
};

/// `Exp2Syn` instances, structure-of-arrays.
#[derive(Debug, Clone)]
#[allow(non_snake_case)]
pub struct Exp2Syn {
    area_factor: Vec<f64>,
    tau1: Vec<f64>,
    tau2: Vec<f64>,
    e: Vec<f64>,
    A: Vec<f64>,
    B: Vec<f64>,
    g: Vec<f64>,
    i: Vec<f64>,
    factor: Vec<f64>,
    decay1: DecayFactors,
    decay2: DecayFactors,
}

impl Exp2Syn {
    fn create(setup: InstanceSetup) -> Box<dyn Mechanism> {
        let count = setup.count;
        let mut p = setup.parameters.into_iter();
        let mut next = || p.next().expect("Exp2Syn: one column per parameter");
        Box::new(Exp2Syn {
            area_factor: setup.area_factor,
            tau1: next(),
            tau2: next(),
            e: next(),
            A: vec![0.0; count],
            B: vec![0.0; count],
            g: vec![0.0; count],
            i: vec![0.0; count],
            factor: vec![0.0; count],
            decay1: DecayFactors::default(),
            decay2: DecayFactors::default(),
        })
    }
}

/// The normalisation factor of `Exp2Syn` (so that the peak of `B - A` after an
/// event of weight 1 is 1), with NEURON's clamping of `tau1`. Returns
/// `(tau1, factor)`.
pub fn exp2syn_factor(tau1: f64, tau2: f64) -> (f64, f64) {
    let mut tau1 = tau1;
    if tau1 / tau2 > 0.9999 {
        tau1 = 0.9999 * tau2;
    }
    if tau1 / tau2 < 1e-9 {
        tau1 = tau2 * 1e-9;
    }
    let tp = (tau1 * tau2) / (tau2 - tau1) * (tau2 / tau1).ln();
    let factor = -(-tp / tau1).exp() + (-tp / tau2).exp();
    (tau1, 1.0 / factor)
}

impl Mechanism for Exp2Syn {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    fn len(&self) -> usize {
        self.A.len()
    }

    fn initialize(&mut self, _v: &[f64], _globals: &StepGlobals, _outbox: &mut EventOutbox) {
        self.decay1.invalidate();
        self.decay2.invalidate();
        for k in 0..self.len() {
            let (tau1, factor) = exp2syn_factor(self.tau1[k], self.tau2[k]);
            self.tau1[k] = tau1;
            self.factor[k] = factor;
            self.A[k] = 0.0;
            self.B[k] = 0.0;
        }
    }

    fn current(&mut self, v: &[f64], rhs: &mut [f64], d: &mut [f64], _globals: &StepGlobals) {
        for k in 0..v.len() {
            let g = self.B[k] - self.A[k];
            let i_plus = g * (v[k] + 0.001 - self.e[k]);
            let i = g * (v[k] - self.e[k]);
            self.g[k] = g;
            self.i[k] = i;
            rhs[k] -= i * self.area_factor[k];
            d[k] += (i_plus - i) / 0.001 * self.area_factor[k];
        }
    }

    fn advance_state(&mut self, _v: &[f64], globals: &StepGlobals) {
        for (a, f) in self.A.iter_mut().zip(self.decay1.get(&self.tau1, globals.dt)) {
            *a += f * -*a;
        }
        for (b, f) in self.B.iter_mut().zip(self.decay2.get(&self.tau2, globals.dt)) {
            *b += f * -*b;
        }
    }

    fn net_receive(&mut self, k: usize, weight: f64, _flag: f64, _t: f64, _out: &mut EventOutbox) {
        self.A[k] += weight * self.factor[k];
        self.B[k] += weight * self.factor[k];
    }

    fn variable(&self, name: &str) -> Option<&[f64]> {
        columns!(self, name, as_slice, [tau1, tau2, e, A, B, g, i, factor])
    }

    fn variable_mut(&mut self, name: &str) -> Option<&mut [f64]> {
        self.decay1.invalidate();
        self.decay2.invalidate();
        columns!(self, name, as_mut_slice, [tau1, tau2, e, A, B, g, i, factor])
    }
}
