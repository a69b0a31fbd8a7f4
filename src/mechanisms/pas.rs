//! Passive leak, as NEURON's `pas`.

use super::{
    EventOutbox, InstanceSetup, MatrixRows, Mechanism, MechanismInfo, MechanismKind, StepGlobals, VariableInfo, columns,
};

/// Catalogue entry of `pas`.
pub static INFO: MechanismInfo = MechanismInfo {
    name: "pas",
    kind: MechanismKind::Density,
    variables: &[
        VariableInfo::parameter("g", 0.001, "S/cm2"),
        VariableInfo::parameter("e", -70.0, "mV"),
        VariableInfo::assigned("i", "mA/cm2"),
    ],
    create: Pas::create,
};

/// `pas` instances, structure-of-arrays.
#[derive(Debug, Clone)]
pub struct Pas {
    node_index: Vec<usize>,
    g: Vec<f64>,
    e: Vec<f64>,
    i: Vec<f64>,
}

impl Pas {
    fn create(setup: InstanceSetup) -> Box<dyn Mechanism> {
        let count = setup.node_index.len();
        let mut p = setup.parameters.into_iter();
        let mut next = || p.next().expect("pas: one column per parameter");
        Box::new(Pas { node_index: setup.node_index, g: next(), e: next(), i: vec![0.0; count] })
    }
}

impl Mechanism for Pas {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    fn len(&self) -> usize {
        self.node_index.len()
    }

    fn initialize(&mut self, _v: &[f64], _globals: &StepGlobals, _outbox: &mut EventOutbox) {}

    fn current(&mut self, rows: &mut MatrixRows<'_>, _globals: &StepGlobals) {
        for k in 0..self.len() {
            let node = self.node_index[k];
            let v = rows.v[node];
            let g_plus = self.g[k] * (v + 0.001 - self.e[k]);
            let rhs = self.g[k] * (v - self.e[k]);
            self.i[k] = rhs;
            rows.rhs[node] -= rhs;
            rows.d[node] += (g_plus - rhs) / 0.001;
        }
    }

    fn advance_state(&mut self, _v: &[f64], _globals: &StepGlobals) {}

    fn variable(&self, name: &str) -> Option<&[f64]> {
        columns!(self, name, as_slice, [g, e, i])
    }

    fn variable_mut(&mut self, name: &str) -> Option<&mut [f64]> {
        columns!(self, name, as_mut_slice, [g, e, i])
    }
}
