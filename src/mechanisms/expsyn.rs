//! Synapse with a single-exponential conductance, as NEURON's `ExpSyn`.

use super::{
    DecayFactors, EventOutbox, InstanceSetup, Mechanism, MechanismInfo, MechanismKind, StepGlobals, VariableInfo,
    columns,
};

/// Catalogue entry of `ExpSyn`.
pub static INFO: MechanismInfo = MechanismInfo {
    name: "ExpSyn",
    kind: MechanismKind::Point,
    variables: &[
        VariableInfo::parameter("tau", 0.1, "ms").positive("a time constant must be > 0 ms"),
        VariableInfo::parameter("e", 0.0, "mV"),
        VariableInfo::state("g", "uS"),
        VariableInfo::assigned("i", "nA"),
    ],
    create: ExpSyn::create,
};

/// `ExpSyn` instances, structure-of-arrays.
#[derive(Debug, Clone)]
pub struct ExpSyn {
    area_factor: Vec<f64>,
    tau: Vec<f64>,
    e: Vec<f64>,
    g: Vec<f64>,
    i: Vec<f64>,
    decay: DecayFactors,
}

impl ExpSyn {
    fn create(setup: InstanceSetup) -> Box<dyn Mechanism> {
        let count = setup.count;
        let mut p = setup.parameters.into_iter();
        let mut next = || p.next().expect("ExpSyn: one column per parameter");
        Box::new(ExpSyn {
            area_factor: setup.area_factor,
            tau: next(),
            e: next(),
            g: vec![0.0; count],
            i: vec![0.0; count],
            decay: DecayFactors::default(),
        })
    }
}

impl Mechanism for ExpSyn {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    fn len(&self) -> usize {
        self.g.len()
    }

    fn initialize(&mut self, _v: &[f64], _globals: &StepGlobals, _outbox: &mut EventOutbox) {
        self.decay.invalidate();
        self.g.fill(0.0);
    }

    fn current(&mut self, v: &[f64], rhs: &mut [f64], d: &mut [f64], _globals: &StepGlobals) {
        let n = v.len();
        let (g, e, i, factor) = (&self.g[..n], &self.e[..n], &mut self.i[..n], &self.area_factor[..n]);
        let (rhs, d) = (&mut rhs[..n], &mut d[..n]);
        for k in 0..n {
            let i_plus = g[k] * (v[k] + 0.001 - e[k]);
            let current = g[k] * (v[k] - e[k]);
            i[k] = current;
            let conductance = (i_plus - current) / 0.001 * factor[k];
            rhs[k] -= current * factor[k];
            d[k] += conductance;
        }
    }

    fn advance_state(&mut self, _v: &[f64], globals: &StepGlobals) {
        let factors = self.decay.get(&self.tau, globals.dt);
        for (g, f) in self.g.iter_mut().zip(factors) {
            *g += f * -*g;
        }
    }

    fn net_receive(&mut self, k: usize, weight: f64, _flag: f64, _t: f64, _out: &mut EventOutbox) {
        self.g[k] += weight;
    }

    fn variable(&self, name: &str) -> Option<&[f64]> {
        columns!(self, name, as_slice, [tau, e, g, i])
    }

    fn variable_mut(&mut self, name: &str) -> Option<&mut [f64]> {
        self.decay.invalidate();
        columns!(self, name, as_mut_slice, [tau, e, g, i])
    }
}
