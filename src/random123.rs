//! Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11), laid
//! out as NEURON's `nrnran123` streams so that a NetStim given the same stream
//! ids draws the same numbers as in NEURON.
//!
//! A stream is identified by three 32-bit ids and a 34-bit position
//! (`sequence`, and which of the four words of the current block comes next).
//! There is no hidden global state: every stream owns its counter, so results
//! do not depend on how many streams exist or on which thread runs them.

const PHILOX_M0: u32 = 0xD251_1F53;
const PHILOX_M1: u32 = 0xCD9E_8D57;
const PHILOX_W0: u32 = 0x9E37_79B9;
const PHILOX_W1: u32 = 0xBB67_AE85;

/// One Philox4x32 round: two 32x32->64 multiplications and a word shuffle.
#[inline]
fn philox_round(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let p0 = u64::from(PHILOX_M0) * u64::from(ctr[0]);
    let p1 = u64::from(PHILOX_M1) * u64::from(ctr[2]);
    let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
    let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
    [hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0]
}

/// Philox4x32 with 10 rounds: maps a 128-bit counter and a 64-bit key to 128
/// random bits.
pub fn philox4x32(mut ctr: [u32; 4], mut key: [u32; 2]) -> [u32; 4] {
    ctr = philox_round(ctr, key);
    for _ in 1..10 {
        key[0] = key[0].wrapping_add(PHILOX_W0);
        key[1] = key[1].wrapping_add(PHILOX_W1);
        ctr = philox_round(ctr, key);
    }
    ctr
}

/// A reproducible random stream with NEURON's `nrnran123` layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Random123Stream {
    counter: [u32; 4],
    block: [u32; 4],
    which: usize,
    global_index: u32,
}

impl Random123Stream {
    /// A stream with ids `(id1, id2, id3)` at sequence position 0, with
    /// NEURON's default global index 0.
    pub fn new(id1: u32, id2: u32, id3: u32) -> Self {
        let mut stream = Random123Stream { counter: [0, id3, id1, id2], block: [0; 4], which: 0, global_index: 0 };
        stream.set_sequence(0, 0);
        stream
    }

    /// The three ids `(id1, id2, id3)` of this stream.
    pub fn ids(&self) -> (u32, u32, u32) {
        (self.counter[2], self.counter[3], self.counter[1])
    }

    /// Moves the stream to block `sequence`, word `which` (0..=3).
    pub fn set_sequence(&mut self, sequence: u32, which: usize) {
        self.which = if which > 3 { 0 } else { which };
        self.counter[0] = sequence;
        self.block = philox4x32(self.counter, [self.global_index, 0]);
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        let value = self.block[self.which];
        self.which += 1;
        if self.which > 3 {
            self.which = 0;
            self.increment_counter();
            self.block = philox4x32(self.counter, [self.global_index, 0]);
        }
        value
    }

    fn increment_counter(&mut self) {
        for word in self.counter.iter_mut() {
            *word = word.wrapping_add(1);
            if *word != 0 {
                break;
            }
        }
    }

    /// A uniform number in the open interval (0, 1), as `nrnran123_dblpick`.
    pub fn uniform_open01(&mut self) -> f64 {
        const SHIFT32: f64 = 1.0 / 4_294_967_297.0; // 1/(2^32 + 1)
        (f64::from(self.next_u32()) + 1.0) * SHIFT32
    }

    /// An exponentially distributed number with mean 1, as `nrnran123_negexp`.
    pub fn negexp(&mut self) -> f64 {
        -self.uniform_open01().ln()
    }

    /// Sets the three ids (NMODL's `random_setids`, `nrnran123_setids`).
    /// As in NEURON, the current block is not recomputed: the new ids take
    /// effect at the next block or [`Random123Stream::set_position`].
    pub fn set_ids(&mut self, id1: u32, id2: u32, id3: u32) {
        self.counter[1] = id3;
        self.counter[2] = id1;
        self.counter[3] = id2;
    }

    /// Moves the stream to position `seq4which` = 4 × sequence + word, a
    /// 34-bit number given as a double (NMODL's `random_setseq`, NEURON's
    /// double overload of `nrnran123_setseq`: negative values and values
    /// above 2^40 - 1 mean 0).
    pub fn set_position(&mut self, seq4which: f64) {
        let seq4which = if (0.0..=1_099_511_627_775.0).contains(&seq4which) { seq4which } else { 0.0 };
        let x = (seq4which as u64) & 0x3_ffff_ffff;
        self.set_sequence((x >> 2) as u32, (x & 3) as usize);
    }

    /// The next 32 random bits as a number (NMODL's `random_ipick`).
    pub fn ipick(&mut self) -> f64 {
        f64::from(self.next_u32())
    }

    /// A uniform number in (a, b), as `nrnran123_uniform(s, a, b)`.
    pub fn uniform_between(&mut self, a: f64, b: f64) -> f64 {
        a + self.uniform_open01() * (b - a)
    }

    /// An exponentially distributed number with mean `mean`, as
    /// `nrnran123_negexp(s, mean)`.
    pub fn negexp_mean(&mut self, mean: f64) -> f64 {
        -self.uniform_open01().ln() * mean
    }

    /// A standard normal number by the polar method, drawing pairs until one
    /// falls in the unit disc, as `nrnran123_normal`.
    pub fn normal(&mut self) -> f64 {
        loop {
            let u1 = 2.0 * self.uniform_open01() - 1.0;
            let u2 = 2.0 * self.uniform_open01() - 1.0;
            let w = u1 * u1 + u2 * u2;
            if w <= 1.0 {
                return u1 * ((-2.0 * w.ln()) / w).sqrt();
            }
        }
    }

    /// A normal number with mean `mu` and standard deviation `sigma`, as
    /// `nrnran123_normal(s, mu, sigma)`.
    pub fn normal_with(&mut self, mu: f64, sigma: f64) -> f64 {
        mu + self.normal() * sigma
    }

    /// The streams of one RANDOM variable of `count` instances: variable
    /// `index`'s ids in `ids` (laid out variable by variable, as
    /// `InstanceSetup::random_ids`), or `(0, 0, 0)` where none are given.
    pub fn streams(ids: &[(u32, u32, u32)], index: usize, count: usize) -> Vec<Random123Stream> {
        (0..count)
            .map(|k| {
                let (a, b, c) = ids.get(index * count + k).copied().unwrap_or((0, 0, 0));
                Random123Stream::new(a, b, c)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer vectors published with Random123 (kat_vectors,
    /// philox4x32_10).
    #[test]
    fn philox_known_answers() {
        assert_eq!(philox4x32([0, 0, 0, 0], [0, 0]), [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]);
        assert_eq!(philox4x32([u32::MAX; 4], [u32::MAX; 2]), [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]);
        assert_eq!(
            philox4x32([0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344], [0xa409_3822, 0x299f_31d0]),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    #[test]
    fn stream_walks_through_blocks_and_is_reproducible() {
        let mut a = Random123Stream::new(1, 2, 3);
        let first_block = philox4x32([0, 3, 1, 2], [0, 0]);
        for &word in &first_block {
            assert_eq!(a.next_u32(), word);
        }
        let second_block = philox4x32([1, 3, 1, 2], [0, 0]);
        assert_eq!(a.next_u32(), second_block[0]);
        let mut b = Random123Stream::new(1, 2, 3);
        let xs: Vec<f64> = (0..100).map(|_| b.negexp()).collect();
        let mut c = Random123Stream::new(1, 2, 3);
        let ys: Vec<f64> = (0..100).map(|_| c.negexp()).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| *x > 0.0 && x.is_finite()));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((0.6..1.5).contains(&mean), "mean {mean}");
    }
}
