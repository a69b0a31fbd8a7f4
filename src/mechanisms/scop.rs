//! NEURON's legacy random numbers for NMODL (`scop_random`, `set_seed`,
//! `normrand`, `exprand`, `poisrand`), with NEURON's algorithms so that a
//! mechanism that draws from them gives NEURON's numbers.
//!
//! NEURON keeps one generator per process, shared by every instance of every
//! mechanism, starting at seed 1 when the process starts (its default,
//! `use_mcell_ran4(0)`): its numbers then depend on the order in which
//! instances draw and on the decomposition into ranks. neurite gives each
//! instance a generator of its own, starting at seed 1 when the mechanism's
//! instances are created (not at `finitialize`, as NEURON), and `set_seed(x)`
//! seeds the calling instance's. A model with one drawing instance gets
//! NEURON's numbers; with several, give each its own seed (as NEURON users do
//! with a `seed()` PROCEDURE), and the results are the same on any number of
//! ranks and threads. For new models use NEURON 9's RANDOM streams
//! (Random123), which neurite implements per instance as NEURON does.

/// One stream of NEURON's `scop_random`: the linear congruential generator
/// x ← 2147437301·x + 453816981 (mod 2^32), returning x / (2^32 − 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopRandom {
    value: u32,
}

impl Default for ScopRandom {
    /// NEURON's initial seed, 1.
    fn default() -> Self {
        ScopRandom { value: 1 }
    }
}

impl ScopRandom {
    /// `set_seed(seed)`: the seed converted to an unsigned 32-bit integer as
    /// C converts a double (truncated; saturated outside 0..2^32 − 1).
    pub fn set_seed(&mut self, seed: f64) {
        self.value = seed as u32;
    }

    /// `scop_random()`: uniform on [0, 1].
    pub fn uniform(&mut self) -> f64 {
        self.value = self.value.wrapping_mul(2_147_437_301).wrapping_add(453_816_981);
        (f64::from(self.value) / f64::from(u32::MAX)).abs()
    }

    /// `normrand(mean, std_dev)`: the polar Box–Muller method, one value per
    /// accepted pair, as scopmath's `normrand`.
    pub fn normal(&mut self, mean: f64, std_dev: f64) -> f64 {
        let mut s = 1.0;
        let mut v1 = 0.0;
        while s >= 1.0 {
            v1 = 2.0 * self.uniform() - 1.0;
            let v2 = 2.0 * self.uniform() - 1.0;
            s = v1 * v1 + v2 * v2;
        }
        let v2 = v1 * (-2.0 * s.ln() / s).sqrt();
        v2 * std_dev + mean
    }

    /// `exprand(mean)`: −mean·ln(u), as scopmath's `exprand`.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.uniform().ln()
    }

    /// `poisrand(mean)`: one less than the number of uniform draws it
    /// takes for their running product to fall below e^−mean, as
    /// scopmath's `poisrand`.
    pub fn poisson(&mut self, mean: f64) -> f64 {
        let bound = (-mean).exp();
        let mut product = 1.0;
        let mut draws = 0.0;
        while product >= bound {
            product *= self.uniform();
            draws += 1.0;
        }
        draws - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_draws_follow_neurons_generator() {
        let mut r = ScopRandom::default();
        // 2147437301 * 1 + 453816981 = 2601254282 < 2^32.
        assert_eq!(r.uniform(), 2_601_254_282.0 / 4_294_967_295.0);
        let second = 2_601_254_282u64 * 2_147_437_301 + 453_816_981;
        assert_eq!(r.uniform(), (second % (1 << 32)) as f64 / 4_294_967_295.0);
        r.set_seed(1.0);
        assert_eq!(r.uniform(), 2_601_254_282.0 / 4_294_967_295.0);
    }

    #[test]
    fn distributions_have_their_means() {
        let mut r = ScopRandom::default();
        let n = 20_000;
        let mean = |f: &mut dyn FnMut() -> f64| (0..n).map(|_| f()).sum::<f64>() / n as f64;
        assert!((mean(&mut || r.normal(3.0, 2.0)) - 3.0).abs() < 0.05);
        assert!((mean(&mut || r.exponential(4.0)) - 4.0).abs() < 0.1);
        assert!((mean(&mut || r.poisson(2.5)) - 2.5).abs() < 0.05);
    }
}
