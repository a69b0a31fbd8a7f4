//! Passive leak, as NEURON's `pas`.

use super::{EventOutbox, InstanceSetup, Mechanism, MechanismInfo, MechanismKind, StepGlobals, VariableInfo, columns};

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
    g: Vec<f64>,
    e: Vec<f64>,
    i: Vec<f64>,
}

impl Pas {
    fn create(setup: InstanceSetup) -> Box<dyn Mechanism> {
        let count = setup.count;
        let mut p = setup.parameters.into_iter();
        let mut next = || p.next().expect("pas: one column per parameter");
        Box::new(Pas { g: next(), e: next(), i: vec![0.0; count] })
    }
}

impl Mechanism for Pas {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    fn len(&self) -> usize {
        self.g.len()
    }

    fn initialize(&mut self, _v: &[f64], _globals: &StepGlobals, _outbox: &mut EventOutbox) {}

    fn current(&mut self, v: &[f64], rhs: &mut [f64], d: &mut [f64], _globals: &StepGlobals) {
        let n = v.len();
        let (g, e, i) = (&self.g[..n], &self.e[..n], &mut self.i[..n]);
        let (rhs, d) = (&mut rhs[..n], &mut d[..n]);
        for k in 0..n {
            let g_plus = g[k] * (v[k] + 0.001 - e[k]);
            let current = g[k] * (v[k] - e[k]);
            i[k] = current;
            rhs[k] -= current;
            d[k] += (g_plus - current) / 0.001;
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
