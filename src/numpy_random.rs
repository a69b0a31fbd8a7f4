//! NumPy's legacy random generator, `numpy.random.RandomState`, number for
//! number: the Mersenne Twister MT19937 seeded from an integer as NumPy
//! seeds it, and the legacy algorithms of `random_sample`, `uniform`,
//! `normal` (the polar Box–Muller method, which keeps its second value for
//! the next call) and `exponential`. HNN-core draws its drives' event times
//! with `RandomState(seed + gid)`: the same seeds give the same times here
//! without Python.

/// Words of MT19937's state.
const STATE_WORDS: usize = 624;
const MIDDLE: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// `numpy.random.RandomState(seed)` for an integer seed.
#[derive(Clone)]
pub struct NumpyRandomState {
    key: [u32; STATE_WORDS],
    position: usize,
    /// The second value of the last Box–Muller pair, for the next normal.
    cached_gauss: Option<f64>,
}

impl std::fmt::Debug for NumpyRandomState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumpyRandomState").field("position", &self.position).finish_non_exhaustive()
    }
}

impl NumpyRandomState {
    /// `RandomState(seed)`: NumPy accepts integers from 0 to 2³² − 1 and
    /// seeds MT19937 with Matsumoto and Nishimura's `init_genrand`.
    pub fn new(seed: u32) -> Self {
        let mut key = [0u32; STATE_WORDS];
        key[0] = seed;
        for i in 1..STATE_WORDS {
            let previous = key[i - 1];
            key[i] = 1_812_433_253u32.wrapping_mul(previous ^ (previous >> 30)).wrapping_add(i as u32);
        }
        NumpyRandomState { key, position: STATE_WORDS, cached_gauss: None }
    }

    /// The next 32 random bits (MT19937's `genrand_int32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.position >= STATE_WORDS {
            self.regenerate();
        }
        let mut y = self.key[self.position];
        self.position += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn regenerate(&mut self) {
        let twist = |upper: u32, lower: u32, far: u32| {
            let y = (upper & UPPER_MASK) | (lower & LOWER_MASK);
            far ^ (y >> 1) ^ if y & 1 == 1 { MATRIX_A } else { 0 }
        };
        for i in 0..STATE_WORDS {
            let next = self.key[(i + 1) % STATE_WORDS];
            self.key[i] = twist(self.key[i], next, self.key[(i + MIDDLE) % STATE_WORDS]);
        }
        self.position = 0;
    }

    /// `random_sample()`: uniform in [0, 1) with 53 random bits.
    pub fn random_sample(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `uniform(low, high)`: `low + (high - low)·random_sample()`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.random_sample()
    }

    /// `standard_normal()` of the legacy generator: the polar Box–Muller
    /// method, drawing pairs and keeping the second for the next call (of
    /// `normal` too, as NumPy's state does).
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(value) = self.cached_gauss.take() {
            return value;
        }
        let (x1, x2, r2) = loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                break (x1, x2, r2);
            }
        };
        let f = (-2.0 * r2.ln() / r2).sqrt();
        self.cached_gauss = Some(f * x1);
        f * x2
    }

    /// `normal(loc, scale)`: `loc + scale·standard_normal()`.
    pub fn normal(&mut self, loc: f64, scale: f64) -> f64 {
        loc + scale * self.standard_normal()
    }

    /// `normal(loc, scale, size)`: `size` draws in order.
    pub fn normals(&mut self, loc: f64, scale: f64, size: usize) -> Vec<f64> {
        (0..size).map(|_| self.normal(loc, scale)).collect()
    }

    /// `exponential(scale)` of the legacy generator:
    /// `scale·(−ln(1 − random_sample()))`.
    pub fn exponential(&mut self, scale: f64) -> f64 {
        scale * -(1.0 - self.random_sample()).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mt19937_gives_the_reference_outputs() {
        // Matsumoto and Nishimura's init_genrand(5489) gives 3499211612
        // first, and 4123659995 as its 10000th output.
        let mut rng = NumpyRandomState::new(5489);
        assert_eq!(rng.next_u32(), 3_499_211_612);
        let mut last = 0;
        for _ in 1..10_000 {
            last = rng.next_u32();
        }
        assert_eq!(last, 4_123_659_995);
    }
}
