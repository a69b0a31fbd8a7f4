//! Hodgkin–Huxley squid axon channels, as NEURON's `hh.mod` (with
//! `usetable_hh = 0`: rates are computed exactly at every call).

use crate::math::exp;

use super::{
    EventOutbox, InstanceSetup, IonUse, Mechanism, MechanismInfo, MechanismKind, StepGlobals, VariableInfo, columns,
};

/// Catalogue entry of `hh`.
pub static INFO: MechanismInfo = MechanismInfo {
    name: "hh",
    kind: MechanismKind::Density,
    variables: &[
        VariableInfo::parameter("gnabar", 0.12, "S/cm2"),
        VariableInfo::parameter("gkbar", 0.036, "S/cm2"),
        VariableInfo::parameter("gl", 0.0003, "S/cm2"),
        VariableInfo::parameter("el", -54.3, "mV"),
        VariableInfo::state("m", "1"),
        VariableInfo::state("h", "1"),
        VariableInfo::state("n", "1"),
        VariableInfo::assigned("gna", "S/cm2"),
        VariableInfo::assigned("gk", "S/cm2"),
        VariableInfo::assigned("il", "mA/cm2"),
        VariableInfo::ion("ena", "mV"),
        VariableInfo::ion("ek", "mV"),
        VariableInfo::ion("ina", "mA/cm2"),
        VariableInfo::ion("ik", "mA/cm2"),
    ],
    ions: &[
        IonUse { ion: "na", valence: None, read: &["ena"], write: &["ina"] },
        IonUse { ion: "k", valence: None, read: &["ek"], write: &["ik"] },
    ],
    create: Hh::create,
};

/// `hh` instances, structure-of-arrays.
#[derive(Debug, Clone)]
pub struct Hh {
    gnabar: Vec<f64>,
    gkbar: Vec<f64>,
    gl: Vec<f64>,
    el: Vec<f64>,
    ena: Vec<f64>,
    ek: Vec<f64>,
    m: Vec<f64>,
    h: Vec<f64>,
    n: Vec<f64>,
    gna: Vec<f64>,
    gk: Vec<f64>,
    ina: Vec<f64>,
    ik: Vec<f64>,
    il: Vec<f64>,
}

/// Steady states and time constants of the three gates at one voltage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HhRates {
    /// m∞, h∞, n∞.
    pub inf: [f64; 3],
    /// τm, τh, τn in ms.
    pub tau: [f64; 3],
}

/// `vtrap(x, y) = x / (exp(x/y) - 1)`, with its limit near x = 0.
#[inline(always)]
fn vtrap(x: f64, y: f64) -> f64 {
    if (x / y).abs() < 1e-6 { y * (1.0 - x / y / 2.0) } else { x / (exp(x / y) - 1.0) }
}

/// The rate functions of `hh.mod` at voltage `v` (mV) and temperature
/// `celsius` (°C), evaluated with the same operations as NEURON.
#[inline(always)]
pub fn hh_rates(v: f64, celsius: f64) -> HhRates {
    hh_rates_q10(v, hh_q10(celsius))
}

/// The temperature factor `3^((celsius - 6.3)/10)` of `hh`.
#[inline(always)]
pub fn hh_q10(celsius: f64) -> f64 {
    3.0f64.powf((celsius - 6.3) / 10.0)
}

/// e^(1/2) and e^(-3/2), correctly rounded.
const EXP_HALF: f64 = 1.648_721_270_700_128_2;
const EXP_MINUS_THREE_HALVES: f64 = 0.223_130_160_148_429_82;

/// Steady states and relaxation rates (1/τ, per ms) of the three gates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HhRelaxation {
    /// m∞, h∞, n∞.
    pub inf: [f64; 3],
    /// 1/τm, 1/τh, 1/τn in 1/ms.
    pub rate: [f64; 3],
}

/// The rates of [`hh_rates_q10`] arranged for the state update with six
/// divisions instead of NEURON's twenty-six and six exponentials instead of
/// nine (constant divisors become multiplications, 1/τ is kept as a rate,
/// the three exponentials of (v + c)/10 are one, and e^(-w/20) is
/// (e^(-w/80))^4): each result is within a few ulp of NEURON's form (more
/// near vtrap's removable singularities, where NEURON's own rounding is
/// amplified alike), which moves voltages by less than 1e-10 mV.
#[inline(always)]
pub fn hh_relaxation(v: f64, q10: f64) -> HhRelaxation {
    // The three exponentials of (v + c)/10 are one: e^(-(v+35)/10) =
    // e^(-(v+40)/10) e^(1/2), e^(-(v+55)/10) = e^(-(v+40)/10) e^(-3/2). In
    // vtrap(x, 10) = x / (e^(x/10) - 1) the relative error of e - 1 is that of
    // e over |x/10| near x = 0; NEURON's own exponential has the same
    // amplification, so this adds only a rounding or two to it.
    let (x_m, x_n) = (-(v + 40.0), -(v + 55.0));
    let (u_m, u_n) = (x_m * 0.1, x_n * 0.1);
    let e40 = exp(u_m);
    let (e35, e55) = (e40 * EXP_HALF, e40 * EXP_MINUS_THREE_HALVES);
    let vtrap10 = |x: f64, u: f64, e: f64| if u.abs() < 1e-6 { 10.0 * (1.0 - x / 10.0 / 2.0) } else { x / (e - 1.0) };
    let w = v + 65.0;
    let alpha = 0.1 * vtrap10(x_m, u_m, e40);
    let beta = 4.0 * exp(w * (-1.0 / 18.0));
    let sum_m = alpha + beta;
    let minf = alpha / sum_m;
    // e^(-w/20) = (e^(-w/80))^4: two squarings instead of an exponential.
    let e80 = exp(w * (-1.0 / 80.0));
    let e80_2 = e80 * e80;
    let alpha = 0.07 * (e80_2 * e80_2);
    let beta = 1.0 / (e35 + 1.0);
    let sum_h = alpha + beta;
    let hinf = alpha / sum_h;
    let alpha = 0.01 * vtrap10(x_n, u_n, e55);
    let beta = 0.125 * e80;
    let sum_n = alpha + beta;
    let ninf = alpha / sum_n;
    HhRelaxation { inf: [minf, hinf, ninf], rate: [q10 * sum_m, q10 * sum_h, q10 * sum_n] }
}

/// [`hh_rates`] with the temperature factor already computed.
#[inline(always)]
pub fn hh_rates_q10(v: f64, q10: f64) -> HhRates {
    let alpha = 0.1 * vtrap(-(v + 40.0), 10.0);
    let beta = 4.0 * exp(-(v + 65.0) / 18.0);
    let sum = alpha + beta;
    let mtau = 1.0 / (q10 * sum);
    let minf = alpha / sum;
    let alpha = 0.07 * exp(-(v + 65.0) / 20.0);
    let beta = 1.0 / (exp(-(v + 35.0) / 10.0) + 1.0);
    let sum = alpha + beta;
    let htau = 1.0 / (q10 * sum);
    let hinf = alpha / sum;
    let alpha = 0.01 * vtrap(-(v + 55.0), 10.0);
    let beta = 0.125 * exp(-(v + 65.0) / 80.0);
    let sum = alpha + beta;
    let ntau = 1.0 / (q10 * sum);
    let ninf = alpha / sum;
    HhRates { inf: [minf, hinf, ninf], tau: [mtau, htau, ntau] }
}

impl Hh {
    fn create(setup: InstanceSetup) -> Box<dyn Mechanism> {
        let count = setup.count;
        let mut p = setup.parameters.into_iter();
        let mut next = || p.next().expect("hh: one column per parameter");
        Box::new(Hh {
            gnabar: next(),
            gkbar: next(),
            gl: next(),
            el: next(),
            ena: vec![50.0; count],
            ek: vec![-77.0; count],
            m: vec![0.0; count],
            h: vec![0.0; count],
            n: vec![0.0; count],
            gna: vec![0.0; count],
            gk: vec![0.0; count],
            ina: vec![0.0; count],
            ik: vec![0.0; count],
            il: vec![0.0; count],
        })
    }
}

impl Mechanism for Hh {
    fn info(&self) -> &'static MechanismInfo {
        &INFO
    }

    fn len(&self) -> usize {
        self.m.len()
    }

    fn initialize(&mut self, v: &[f64], globals: &StepGlobals, _outbox: &mut EventOutbox) {
        let q10 = hh_q10(globals.celsius);
        for (i, &vi) in v.iter().enumerate() {
            let rates = hh_rates_q10(vi, q10);
            self.m[i] = rates.inf[0];
            self.h[i] = rates.inf[1];
            self.n[i] = rates.inf[2];
        }
    }

    /// NEURON evaluates the current at v + 1 µV and at v and takes the
    /// difference as the conductance; gna and gk do not depend on v, so they
    /// are computed once (the same bits as computing them twice).
    fn current(&mut self, v: &[f64], rhs: &mut [f64], d: &mut [f64], _globals: &StepGlobals) {
        let n = v.len();
        let (rhs, d) = (&mut rhs[..n], &mut d[..n]);
        let (m, h, gate_n) = (&self.m[..n], &self.h[..n], &self.n[..n]);
        let (gnabar, gkbar, gl) = (&self.gnabar[..n], &self.gkbar[..n], &self.gl[..n]);
        let (ena, ek, el) = (&self.ena[..n], &self.ek[..n], &self.el[..n]);
        let (gna_out, gk_out) = (&mut self.gna[..n], &mut self.gk[..n]);
        let (ina_out, ik_out, il_out) = (&mut self.ina[..n], &mut self.ik[..n], &mut self.il[..n]);
        for i in 0..n {
            let gna = gnabar[i] * m[i] * m[i] * m[i] * h[i];
            let gk = gkbar[i] * gate_n[i] * gate_n[i] * gate_n[i] * gate_n[i];
            let total = |v: f64| {
                let (ina, ik, il) = (gna * (v - ena[i]), gk * (v - ek[i]), gl[i] * (v - el[i]));
                (0.0 + ina + ik + il, ina, ik, il)
            };
            let (g_plus, ..) = total(v[i] + 0.001);
            let (current, ina, ik, il) = total(v[i]);
            (gna_out[i], gk_out[i], ina_out[i], ik_out[i], il_out[i]) = (gna, gk, ina, ik, il);
            rhs[i] -= current;
            d[i] += (g_plus - current) / 0.001;
        }
    }

    fn advance_state(&mut self, v: &[f64], globals: &StepGlobals) {
        let dt = globals.dt;
        let q10 = hh_q10(globals.celsius);
        let n = v.len();
        let (m, h, gate_n) = (&mut self.m[..n], &mut self.h[..n], &mut self.n[..n]);
        for i in 0..n {
            let r = hh_relaxation(v[i], q10);
            // cnexp: y += (1 - exp(-dt/tau)) (y_inf - y), with 1/tau = rate.
            m[i] += (1.0 - exp(-dt * r.rate[0])) * (r.inf[0] - m[i]);
            h[i] += (1.0 - exp(-dt * r.rate[1])) * (r.inf[1] - h[i]);
            gate_n[i] += (1.0 - exp(-dt * r.rate[2])) * (r.inf[2] - gate_n[i]);
        }
    }

    fn variable(&self, name: &str) -> Option<&[f64]> {
        columns!(self, name, as_slice, [gnabar, gkbar, gl, el, ena, ek, m, h, n, gna, gk, ina, ik, il])
    }

    fn keeps_ion_copy(&self, name: &str) -> bool {
        matches!(name, "ena" | "ek")
    }

    fn variable_mut(&mut self, name: &str) -> Option<&mut [f64]> {
        columns!(self, name, as_mut_slice, [gnabar, gkbar, gl, el, ena, ek, m, h, n, gna, gk, ina, ik, il])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rates against the textbook HH formulas (Hodgkin & Huxley 1952 in
    /// NEURON's convention, rest at -65 mV).
    #[test]
    fn rates_match_closed_forms() {
        for &v in &[-100.0, -80.0, -65.0, -41.0, -20.0, 0.0, 30.0] {
            let r = hh_rates(v, 6.3);
            let am = 0.1 * (v + 40.0) / (1.0 - (-(v + 40.0) / 10.0).exp());
            let bm = 4.0 * (-(v + 65.0) / 18.0).exp();
            let ah = 0.07 * (-(v + 65.0) / 20.0).exp();
            let bh = 1.0 / (1.0 + (-(v + 35.0) / 10.0).exp());
            let an = 0.01 * (v + 55.0) / (1.0 - (-(v + 55.0) / 10.0).exp());
            let bn = 0.125 * (-(v + 65.0) / 80.0).exp();
            approx::assert_relative_eq!(r.inf[0], am / (am + bm), max_relative = 1e-12);
            approx::assert_relative_eq!(r.tau[0], 1.0 / (am + bm), max_relative = 1e-12);
            approx::assert_relative_eq!(r.inf[1], ah / (ah + bh), max_relative = 1e-12);
            approx::assert_relative_eq!(r.tau[1], 1.0 / (ah + bh), max_relative = 1e-12);
            approx::assert_relative_eq!(r.inf[2], an / (an + bn), max_relative = 1e-12);
            approx::assert_relative_eq!(r.tau[2], 1.0 / (an + bn), max_relative = 1e-12);
        }
    }

    #[test]
    fn vtrap_is_continuous_at_its_singularity() {
        // alpha_m at v = -40 is the limit 0.1 * 10 = 1.
        let r = hh_rates(-40.0, 6.3);
        let r_near = hh_rates(-40.0 + 1e-4, 6.3);
        approx::assert_relative_eq!(r.inf[0], r_near.inf[0], max_relative = 1e-5);
        assert!(r.inf[0].is_finite());
    }

    #[test]
    fn the_fast_update_form_agrees_with_neuron_form_to_a_few_ulp() {
        for i in 0..20000 {
            let v = -120.0 + 0.01 * i as f64 + 0.0013;
            // vtrap's conditioning near v = -40 and -55 amplifies any
            // rounding of its exponential by 1/|u| (NEURON's too).
            let amplification = f64::max(1.0, 10.0 / f64::min((v + 40.0).abs(), (v + 55.0).abs()));
            let tolerance = 2e-14 * amplification;
            for q10 in [1.0, hh_q10(16.0)] {
                let exact = hh_rates_q10(v, q10);
                let fast = hh_relaxation(v, q10);
                for k in 0..3 {
                    approx::assert_relative_eq!(fast.inf[k], exact.inf[k], max_relative = tolerance);
                    approx::assert_relative_eq!(1.0 / fast.rate[k], exact.tau[k], max_relative = tolerance);
                }
            }
        }
    }

    #[test]
    fn q10_scales_time_constants() {
        let cold = hh_rates(-50.0, 6.3);
        let warm = hh_rates(-50.0, 16.3);
        for k in 0..3 {
            approx::assert_relative_eq!(cold.tau[k] / warm.tau[k], 3.0, max_relative = 1e-12);
            assert_eq!(cold.inf[k], warm.inf[k]);
        }
    }
}
