//! Synapse with a single-exponential conductance, as NEURON's `ExpSyn`.

use super::{
    EventOutbox, InstanceSetup, MatrixRows, Mechanism, MechanismInfo, MechanismKind, StepGlobals, VariableInfo,
    cnexp_decay, columns,
};

/// Catalogue entry of `ExpSyn`.
pub static INFO: MechanismInfo = MechanismInfo {
    name: "ExpSyn",
    kind: MechanismKind::Point,
    variables: &[
        VariableInfo::parameter("tau", 0.1, "ms"),
        VariableInfo::parameter("e", 0.0, "mV"),
        VariableInfo::state("g", "uS"),
        VariableInfo::assigned("i", "nA"),
    ],
    create: ExpSyn::create,
};

/// `ExpSyn` instances, structure-of-arrays.
#[derive(Debug, Clone)]
pub struct ExpSyn {
    node_index: Vec<usize>,
    area_factor: Vec<f64>,
    tau: Vec<f64>,
    e: Vec<f64>,
    g: Vec<f64>,
    i: Vec<f64>,
}

impl ExpSyn {
    fn create(setup: InstanceSetup) -> Box<dyn Mechanism> {
        let count = setup.node_index.len();
        let mut p = setup.parameters.into_iter();
        let mut next = || p.next().expect("ExpSyn: one column per parameter");
        Box::new(ExpSyn {
            node_index: setup.node_index,
            area_factor: setup.area_factor,
            tau: next(),
            e: next(),
            g: vec![0.0; count],
            i: vec![0.0; count],
        })
    }
}

impl Mechanism for ExpSyn {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    fn len(&self) -> usize {
        self.node_index.len()
    }

    fn initialize(&mut self, _v: &[f64], _globals: &StepGlobals, _outbox: &mut EventOutbox) {
        self.g.fill(0.0);
    }

    fn current(&mut self, rows: &mut MatrixRows<'_>, _globals: &StepGlobals) {
        for k in 0..self.len() {
            let node = self.node_index[k];
            let v = rows.v[node];
            let g_plus = self.g[k] * (v + 0.001 - self.e[k]);
            let i = self.g[k] * (v - self.e[k]);
            self.i[k] = i;
            let g = (g_plus - i) / 0.001 * self.area_factor[k];
            rows.rhs[node] -= i * self.area_factor[k];
            rows.d[node] += g;
        }
    }

    fn advance_state(&mut self, _v: &[f64], globals: &StepGlobals) {
        for k in 0..self.len() {
            self.g[k] = cnexp_decay(self.g[k], self.tau[k], globals.dt);
        }
    }

    fn net_receive(&mut self, k: usize, weight: f64, _flag: f64, _t: f64, _out: &mut EventOutbox) {
        self.g[k] += weight;
    }

    fn variable(&self, name: &str) -> Option<&[f64]> {
        columns!(self, name, as_slice, [tau, e, g, i])
    }

    fn variable_mut(&mut self, name: &str) -> Option<&mut [f64]> {
        columns!(self, name, as_mut_slice, [tau, e, g, i])
    }
}
