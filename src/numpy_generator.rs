//! Bit-exact re-implementation of NumPy's default random generator,
//! `numpy.random.default_rng(seed)` (a `Generator` over the `PCG64` bit
//! generator seeded through `SeedSequence`), for the operations a simulator
//! needs without a Python run time.
//!
//! Reproduced from NumPy 2.4.6 (the algorithms have been stable through the
//! 2.x series):
//!
//! * `SeedSequence(seed)` for a non-negative integer seed: entropy pool
//!   mixing (`hashmix`/`mix`, pool size 4) and `generate_state`.
//! * `PCG64`: 128-bit LCG with the XSL-RR 128/64 output function, seeded
//!   from `generate_state(4, np.uint64)`; its `next_uint64` and its
//!   half-buffering `next_uint32`.
//! * `Generator.random()` (53-bit doubles).
//! * `random_bounded_uint64` with Lemire's rejection method (what
//!   `Generator.integers` and the sampling code use), including its 32-bit
//!   and full-range special cases.
//! * `Generator.choice(pop_size, size, replace=False)` with `p=None` and
//!   `shuffle=True`: both the tail-shuffle branch and Floyd's algorithm,
//!   followed by NumPy's internal `_shuffle_int`.
//!
//! hnn-core draws the connections it keeps with `probability < 1` from
//! `default_rng(conn_seed).choice(...)`. No crate reproduces NumPy's
//! streams: `rand_pcg`'s `Lcg128Xsl64` is the same 128-bit generator, but
//! its seeding and `rand`'s sampling are not NumPy's, and the generator
//! step itself is a few lines, so the whole path is written here.
//!
//! The algorithms were written from a reading of NumPy's sources
//! (`bit_generator.pyx`, `_pcg64.pyx`, `src/pcg64/pcg64.h`,
//! `src/distributions/distributions.c`, `_generator.pyx`); the unit tests
//! compare against values produced by NumPy 2.4.6 itself.

/// `SeedSequence` constants (`numpy/random/bit_generator.pyx`).
const INIT_A: u32 = 0x43b0_d7e5;
const MULT_A: u32 = 0x931e_8875;
const INIT_B: u32 = 0x8b51_f9dd;
const MULT_B: u32 = 0x58f3_8ded;
const MIX_MULT_L: u32 = 0xca01_f9dd;
const MIX_MULT_R: u32 = 0x4973_f715;
/// Half the bit width of a `u32`.
const XSHIFT: u32 = 16;
/// NumPy's default (and minimum) entropy pool size, in 32-bit words.
const POOL_SIZE: usize = 4;

/// The 128-bit LCG multiplier used by PCG64 (`PCG_DEFAULT_MULTIPLIER_128`).
const PCG_MULTIPLIER: u128 = 0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645;

/// Population size above which `choice` may use the tail-shuffle branch.
const TAIL_SHUFFLE_MIN_POP: u64 = 10_000;
/// `cutoff` in `Generator.choice` when `shuffle=True`: the tail shuffle is
/// used when `size > pop_size // 50`.
const TAIL_SHUFFLE_CUTOFF: u64 = 50;

/// `hashmix` of `SeedSequence`: the multiplier `hash_const` is updated in place.
fn hashmix(value: u32, hash_const: &mut u32) -> u32 {
    let mut v = value ^ *hash_const;
    *hash_const = hash_const.wrapping_mul(MULT_A);
    v = v.wrapping_mul(*hash_const);
    v ^ (v >> XSHIFT)
}

/// `mix` of `SeedSequence`.
fn mix(x: u32, y: u32) -> u32 {
    let r = MIX_MULT_L.wrapping_mul(x).wrapping_sub(MIX_MULT_R.wrapping_mul(y));
    r ^ (r >> XSHIFT)
}

/// Splits a non-negative integer into 32-bit words, least significant first,
/// as `_int_to_uint32_array` does (zero becomes one zero word).
fn int_to_u32_words(seed: u64) -> Vec<u32> {
    if seed == 0 {
        return vec![0];
    }
    let mut words = Vec::with_capacity(2);
    let mut n = seed;
    while n > 0 {
        words.push((n & 0xffff_ffff) as u32);
        n >>= 32;
    }
    words
}

/// `SeedSequence(entropy).pool` for an entropy array without a spawn key.
fn seed_sequence_pool(entropy: &[u32]) -> [u32; POOL_SIZE] {
    let mut pool = [0_u32; POOL_SIZE];
    let mut hash_const = INIT_A;
    // Hash the first POOL_SIZE entropy words in; missing words hash as 0.
    for (i, slot) in pool.iter_mut().enumerate() {
        let word = entropy.get(i).copied().unwrap_or(0);
        *slot = hashmix(word, &mut hash_const);
    }
    // Mix every pool word into every other so late bits affect early ones.
    // The order (source-major, destination-minor, skipping i == j) matters
    // because `hash_const` advances on every call.
    for i_src in 0..POOL_SIZE {
        for i_dst in 0..POOL_SIZE {
            if i_src != i_dst {
                let h = hashmix(pool[i_src], &mut hash_const);
                pool[i_dst] = mix(pool[i_dst], h);
            }
        }
    }
    // Entropy beyond the pool size is mixed into every pool word.
    for &word in entropy.iter().skip(POOL_SIZE) {
        for slot in &mut pool {
            let h = hashmix(word, &mut hash_const);
            *slot = mix(*slot, h);
        }
    }
    pool
}

/// `SeedSequence.generate_state(n_words, np.uint32)`.
fn generate_state_u32(pool: &[u32; POOL_SIZE], n_words: usize) -> Vec<u32> {
    let mut hash_const = INIT_B;
    (0..n_words)
        .map(|i| {
            let mut v = pool[i % POOL_SIZE] ^ hash_const;
            hash_const = hash_const.wrapping_mul(MULT_B);
            v = v.wrapping_mul(hash_const);
            v ^ (v >> XSHIFT)
        })
        .collect()
}

/// `SeedSequence.generate_state(n_words, np.uint64)`: twice as many 32-bit
/// words, paired little-endian (low word first).
fn generate_state_u64(pool: &[u32; POOL_SIZE], n_words: usize) -> Vec<u64> {
    generate_state_u32(pool, 2 * n_words).chunks_exact(2).map(|w| u64::from(w[0]) | (u64::from(w[1]) << 32)).collect()
}

/// Smallest mask of the form `2^k - 1` that is `>= max` (`gen_mask`).
fn gen_mask(max: u64) -> u64 {
    let mut mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    mask
}

/// NumPy's `Generator(PCG64(SeedSequence(seed)))`, i.e.
/// `numpy.random.default_rng(seed)`, reproduced number for number.
#[derive(Debug, Clone)]
pub struct NumpyGenerator {
    /// 128-bit LCG state.
    state: u128,
    /// LCG increment (always odd).
    inc: u128,
    /// Whether `uinteger` holds the unused upper half of a 64-bit draw.
    has_uint32: bool,
    /// Buffered upper 32 bits, returned by the next `next_u32` call.
    uinteger: u32,
}

impl NumpyGenerator {
    /// Equivalent of `numpy.random.default_rng(seed)` for a non-negative
    /// integer `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        let pool = seed_sequence_pool(&int_to_u32_words(seed));
        let words = generate_state_u64(&pool, 4);
        // PCG64 reads the four words as (state_hi, state_lo, inc_hi, inc_lo).
        let initstate = (u128::from(words[0]) << 64) | u128::from(words[1]);
        let initseq = (u128::from(words[2]) << 64) | u128::from(words[3]);
        // `pcg_setseq_128_srandom_r`: state 0, odd increment, step, add the
        // seed, step again.
        let mut g = Self { state: 0, inc: (initseq << 1) | 1, has_uint32: false, uinteger: 0 };
        g.step();
        g.state = g.state.wrapping_add(initstate);
        g.step();
        g
    }

    /// One LCG step.
    fn step(&mut self) {
        self.state = self.state.wrapping_mul(PCG_MULTIPLIER).wrapping_add(self.inc);
    }

    /// Next 64-bit output, as PCG64's `next_uint64` (and
    /// `bit_generator.random_raw()`): step, then XSL-RR of the new state.
    /// Does not touch the 32-bit buffer.
    pub fn next_u64(&mut self) -> u64 {
        self.step();
        let hi = (self.state >> 64) as u64;
        let lo = self.state as u64;
        (hi ^ lo).rotate_right((self.state >> 122) as u32)
    }

    /// Next 32-bit output, as PCG64's `next_uint32`: a fresh 64-bit draw
    /// returns its lower half and buffers the upper half, which the following
    /// call returns without drawing. The buffer survives intervening
    /// `next_u64` calls, exactly as in NumPy.
    pub fn next_u32(&mut self) -> u32 {
        if self.has_uint32 {
            self.has_uint32 = false;
            return self.uinteger;
        }
        let next = self.next_u64();
        self.has_uint32 = true;
        self.uinteger = (next >> 32) as u32;
        next as u32
    }

    /// `Generator.random()`: a double in `[0, 1)` from the top 53 bits of
    /// one 64-bit draw.
    pub fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform integer in `[0, max_inclusive]`, as NumPy's
    /// `random_bounded_uint64(off=0, rng=max_inclusive, use_masked=false)`;
    /// equals `rng.integers(0, max_inclusive, endpoint=True, dtype=np.uint64)`.
    pub fn bounded_u64(&mut self, max_inclusive: u64) -> u64 {
        let rng = max_inclusive;
        if rng == 0 {
            // No draw at all.
            0
        } else if rng <= 0xffff_ffff {
            if rng == 0xffff_ffff {
                // 32-bit Lemire cannot handle rng + 1 == 2^32.
                u64::from(self.next_u32())
            } else {
                u64::from(self.bounded_lemire_u32(rng as u32))
            }
        } else if rng == u64::MAX {
            // Likewise for 64-bit Lemire and rng + 1 == 2^64.
            self.next_u64()
        } else {
            self.bounded_lemire_u64(rng)
        }
    }

    /// Lemire's nearly-divisionless method on 32-bit draws (which go through
    /// the half-buffer of `next_u32`). Requires `rng < u32::MAX`.
    fn bounded_lemire_u32(&mut self, rng: u32) -> u32 {
        let rng_excl = rng + 1;
        let mut m = u64::from(self.next_u32()) * u64::from(rng_excl);
        let mut leftover = m as u32;
        // The modulo is only computed when a rejection is possible.
        if leftover < rng_excl {
            let threshold = (u32::MAX - rng) % rng_excl;
            while leftover < threshold {
                m = u64::from(self.next_u32()) * u64::from(rng_excl);
                leftover = m as u32;
            }
        }
        (m >> 32) as u32
    }

    /// Lemire's method on 64-bit draws. Requires `rng < u64::MAX`.
    fn bounded_lemire_u64(&mut self, rng: u64) -> u64 {
        let rng_excl = rng + 1;
        let mut m = u128::from(self.next_u64()) * u128::from(rng_excl);
        let mut leftover = m as u64;
        if leftover < rng_excl {
            let threshold = (u64::MAX - rng) % rng_excl;
            while leftover < threshold {
                m = u128::from(self.next_u64()) * u128::from(rng_excl);
                leftover = m as u64;
            }
        }
        (m >> 64) as u64
    }

    /// NumPy's `_shuffle_int(n = data.len(), first, data)`: Fisher-Yates from
    /// the back, swapping position `i` (for `i = n-1` down to `first`) with a
    /// position drawn by `random_bounded_uint64(0, i)`.
    fn shuffle_int(&mut self, first: usize, data: &mut [u64]) {
        for i in (first..data.len()).rev() {
            let j = self.bounded_u64(i as u64) as usize;
            data.swap(i, j);
        }
    }

    /// `rng.choice(range(pop_size), size, replace=False)` (equivalently
    /// `rng.choice(pop_size, size, replace=False)`), with NumPy's defaults
    /// `p=None`, `shuffle=True`. Returns `None` where NumPy raises, i.e. when
    /// `size > pop_size` (and, unreachable on 64-bit targets, when the
    /// working arrays would not fit in memory addressable by `usize`).
    ///
    /// Populations above 10 000 from which more than `pop_size / 50` items
    /// are drawn use a partial Fisher-Yates shuffle of `0..pop_size` (which
    /// allocates `pop_size` words); everything else uses Floyd's algorithm
    /// followed by a full shuffle of the selection.
    pub fn choice_without_replacement(&mut self, pop_size: u64, size: u64) -> Option<Vec<u64>> {
        if size > pop_size {
            return None;
        }
        if pop_size > TAIL_SHUFFLE_MIN_POP && size > pop_size / TAIL_SHUFFLE_CUTOFF {
            // Shuffle only the last `size` slots (but at least down to index
            // 1, so size == pop_size shuffles everything) and keep that tail;
            // no further shuffle is done on this branch.
            let n = usize::try_from(pop_size).ok()?;
            let keep = usize::try_from(size).ok()?;
            let mut idx: Vec<u64> = (0..pop_size).collect();
            self.shuffle_int((n - keep).max(1), &mut idx);
            idx.drain(..n - keep);
            Some(idx)
        } else {
            let keep = usize::try_from(size).ok()?;
            let mut out = Vec::with_capacity(keep);
            // Open-addressing hash set sized like NumPy's (power of two
            // above 1.2 * size, linear probing, u64::MAX marks empty). Only
            // membership matters for the result; the layout is kept for
            // parity.
            let mask = gen_mask((1.2 * size as f64) as u64);
            let mut table = vec![u64::MAX; usize::try_from(mask + 1).ok()?];
            let mask = mask as usize;
            let insert_if_absent = |table: &mut Vec<u64>, v: u64| -> bool {
                let mut loc = (v as usize) & mask;
                while table[loc] != u64::MAX {
                    if table[loc] == v {
                        return false;
                    }
                    loc = (loc + 1) & mask;
                }
                table[loc] = v;
                true
            };
            // Floyd: for j in pop-size..pop, draw t in [0, j]; take t unless
            // already taken, in which case take j (never taken before).
            for j in (pop_size - size)..pop_size {
                let t = self.bounded_u64(j);
                if insert_if_absent(&mut table, t) {
                    out.push(t);
                } else {
                    insert_if_absent(&mut table, j);
                    out.push(j);
                }
            }
            // Floyd's output is not uniformly ordered, so NumPy shuffles it.
            self.shuffle_int(1, &mut out);
            Some(out)
        }
    }
}

#[cfg(test)]
mod tests {
    //! Expected values were produced with NumPy 2.4.6 (`import numpy as np`).

    use super::NumpyGenerator;

    /// (len, sum of i * v[i], first 5, last 5) of a long `choice` result.
    fn digest(v: &[u64]) -> (usize, u64, Vec<u64>, Vec<u64>) {
        let weighted = v.iter().enumerate().map(|(i, &x)| i as u64 * x).sum();
        let head = v.iter().take(5).copied().collect();
        let tail = v[v.len().saturating_sub(5)..].to_vec();
        (v.len(), weighted, head, tail)
    }

    #[test]
    fn raw_u64_stream() {
        // [hex(int(x)) for x in np.random.default_rng(s).bit_generator.random_raw(5)]
        let cases: [(u64, [u64; 5]); 4] = [
            (0, [0xa30febcfd9c2825f, 0x4510bdf882d9d721, 0x0a7d3da94ecde8b8, 0x043b27b61342f01d, 0xd0327a782cde513b]),
            (3, [0x15ed1a93cfbec2f8, 0x3c9f9d052defd3f5, 0xcd2052c72e6dec36, 0x95089239de860724, 0x1818d0900a160f0e]),
            (
                12345,
                [0x3a32b18db2ffc19d, 0x51171315c9e4c4de, 0xcc2024823444efd9, 0xad1f06aea486e910, 0x641fc168fd0b7b0d],
            ),
            (
                (1 << 40) + 7,
                [0xd46e9e2034de21aa, 0x415badc99c087675, 0x275ed40f045acb84, 0xacac54758134b98b, 0xbd24aa55e29bb068],
            ),
        ];
        for (seed, expected) in cases {
            let mut g = NumpyGenerator::new(seed);
            let got: Vec<u64> = (0..5).map(|_| g.next_u64()).collect();
            assert_eq!(got, expected, "seed {seed}");
        }
    }

    #[test]
    fn u32_stream_is_split_u64() {
        // np.random.default_rng(s).integers(0, 2**32, size=5, dtype=np.uint32)
        let cases: [(u64, [u32; 5]); 4] = [
            (0, [3653403231, 2735729615, 2195314465, 1158725112, 1322117304]),
            (3, [3485385464, 367860371, 770692085, 1017093381, 778955830]),
            (12345, [3003105693, 976400781, 3387213022, 1360466709, 876933081]),
            ((1 << 40) + 7, [886972842, 3564019232, 2617800309, 1096527305, 73059204]),
        ];
        for (seed, expected) in cases {
            let mut g = NumpyGenerator::new(seed);
            let got: Vec<u32> = (0..5).map(|_| g.next_u32()).collect();
            assert_eq!(got, expected, "seed {seed}");
        }
    }

    #[test]
    fn u32_buffer_survives_u64_draws() {
        // r = np.random.default_rng(7); u32 = lambda: int(r.integers(0, 2**32, dtype=np.uint32))
        // [u32(), hex(int(r.bit_generator.random_raw())), u32(), u32()]
        let mut g = NumpyGenerator::new(7);
        assert_eq!(g.next_u32(), 4058335883);
        assert_eq!(g.next_u64(), 0xe5afcdbcaf266a95);
        assert_eq!(g.next_u32(), 2684764585);
        assert_eq!(g.next_u32(), 2483747170);
    }

    #[test]
    fn u32_buffer_carries_into_choice() {
        // r = np.random.default_rng(11); r.integers(0, 2**32, dtype=np.uint32)
        // r.choice(range(10), 5, replace=False)
        let mut g = NumpyGenerator::new(11);
        g.next_u32();
        assert_eq!(g.choice_without_replacement(10, 5), Some(vec![3, 6, 5, 0, 8]));
    }

    #[test]
    fn random_doubles() {
        // [repr(float(x)) for x in np.random.default_rng(s).random(4)]
        let cases: [(u64, [f64; 4]); 2] = [
            (0, [0.6369616873214543, 0.2697867137638703, 0.04097352393619469, 0.016527635528529094]),
            (3, [0.08564916714362436, 0.2368105065960997, 0.8012744652063969, 0.5821620360643678]),
        ];
        for (seed, expected) in cases {
            let mut g = NumpyGenerator::new(seed);
            for e in expected {
                assert_eq!(g.random().to_bits(), e.to_bits(), "seed {seed}");
            }
        }
    }

    #[test]
    fn bounded_integers() {
        // np.random.default_rng(42).integers(0, m, size=4, endpoint=True, dtype=np.uint64)
        let cases: [(u64, [u64; 4]); 12] = [
            (0, [0, 0, 0, 0]),
            (1, [0, 1, 1, 0]),
            (6, [0, 5, 4, 3]),
            (1000, [89, 774, 655, 439]),
            (1 << 31, [942484272, 1843824993, 184566854, 1497586439]),
            ((1 << 32) - 2, [383329927, 3324115916, 2811363264, 1884968544]),
            ((1 << 32) - 1, [383329928, 3324115917, 2811363265, 1884968545]),
            (1 << 32, [3324115917, 1884968546, 3687649987, 2995172878]),
            ((1 << 40) + 3, [850973674777, 482551947689, 944038396530, 766764256792]),
            ((1 << 63) + 5, [7138484576005690184, 6432084778622665802, 8998527916616952267, 7250163532461132708]),
            (u64::MAX - 1, [14276969152011380359, 8095878257575067584, 15838336090824644131, 12864169557245331596]),
            (u64::MAX, [14276969152011380360, 8095878257575067585, 15838336090824644132, 12864169557245331597]),
        ];
        for (m, expected) in cases {
            let mut g = NumpyGenerator::new(42);
            let got: Vec<u64> = (0..4).map(|_| g.bounded_u64(m)).collect();
            assert_eq!(got, expected, "max {m}");
        }
    }

    #[test]
    fn choice_short() {
        // [int(x) for x in np.random.default_rng(s).choice(range(n), k, replace=False)]
        let cases: &[(u64, u64, u64, &[u64])] = &[
            (3, 10, 5, &[1, 4, 0, 2, 9]),
            (4, 10, 5, &[6, 7, 4, 8, 9]),
            (5, 10, 5, &[7, 5, 4, 9, 0]),
            (0, 10, 5, &[4, 7, 2, 3, 5]),
            (
                3,
                100,
                37,
                &[
                    32, 81, 87, 27, 65, 59, 37, 47, 33, 60, 79, 9, 44, 41, 31, 12, 75, 89, 20, 53, 6, 55, 36, 78, 76,
                    5, 68, 15, 2, 91, 71, 11, 51, 64, 24, 90, 38,
                ],
            ),
            (
                4,
                100,
                37,
                &[
                    85, 98, 38, 45, 61, 46, 83, 63, 44, 32, 88, 78, 87, 71, 70, 12, 67, 13, 56, 5, 93, 18, 95, 28, 47,
                    35, 34, 58, 82, 99, 91, 76, 41, 20, 84, 54, 69,
                ],
            ),
            (
                5,
                100,
                37,
                &[
                    74, 44, 28, 55, 23, 88, 54, 48, 96, 76, 24, 43, 94, 82, 42, 64, 10, 78, 80, 83, 31, 20, 16, 61, 0,
                    3, 52, 35, 66, 73, 70, 91, 12, 11, 1, 86, 38,
                ],
            ),
            (
                0,
                100,
                37,
                &[
                    79, 1, 67, 3, 33, 49, 2, 69, 41, 83, 20, 38, 85, 70, 59, 34, 99, 76, 0, 50, 23, 48, 12, 45, 57, 5,
                    53, 97, 77, 16, 18, 8, 54, 46, 75, 44, 68,
                ],
            ),
            (3, 5, 5, &[4, 1, 2, 3, 0]),
            (4, 5, 5, &[1, 0, 2, 3, 4]),
            (5, 5, 5, &[3, 0, 1, 4, 2]),
            (0, 5, 5, &[4, 2, 3, 0, 1]),
            (3, 1, 1, &[0]),
            (4, 1, 1, &[0]),
            (5, 1, 1, &[0]),
            (0, 1, 1, &[0]),
            (3, 1000, 0, &[]),
            (4, 1000, 0, &[]),
            (5, 1000, 0, &[]),
            (0, 1000, 0, &[]),
        ];
        for &(seed, n, k, expected) in cases {
            let got = NumpyGenerator::new(seed).choice_without_replacement(n, k);
            assert_eq!(got.as_deref(), Some(expected), "seed {seed}, n {n}, k {k}");
        }
    }

    #[test]
    fn choice_long_digests() {
        // r = [int(x) for x in np.random.default_rng(s).choice(range(n), k, replace=False)]
        // (len(r), sum(i * v for i, v in enumerate(r)), r[:5], r[-5:])
        // Branch: tail shuffle iff n > 10000 and k > n // 50, Floyd otherwise;
        // (20000, 400)/(20000, 401) and (10001, 200)/(10001, 201) straddle it.
        type Case = (u64, u64, u64, usize, u64, [u64; 5], [u64; 5]);
        let cases: &[Case] = &[
            (3, 1000, 1000, 1000, 247057150, [955, 946, 887, 145, 721], [388, 181, 939, 69, 753]),
            (3, 190, 95, 95, 420273, [111, 19, 18, 61, 129], [84, 155, 38, 150, 9]),
            (3, 20000, 600, 600, 1783780437, [14238, 2403, 12351, 7488, 15087], [3626, 4735, 3588, 1712, 16230]),
            (3, 30000, 29999, 29999, 6744624626559, [11842, 7291, 7005, 3993, 10841], [5440, 7103, 5382, 2569, 24345]),
            (3, 20000, 400, 400, 813369401, [12274, 3193, 2508, 4060, 11075], [5193, 1260, 18277, 19910, 19259]),
            (3, 20000, 401, 401, 799167771, [6866, 12054, 3815, 13122, 10013], [3626, 4735, 3588, 1712, 16230]),
            (3, 10000, 10000, 10000, 249946283323, [1384, 1127, 3403, 7533, 7566], [6296, 120, 3862, 3256, 9521]),
            (3, 10001, 201, 201, 99389281, [9041, 1229, 6077, 4854, 353], [1813, 2367, 1794, 856, 8115]),
            (3, 10001, 200, 200, 98763732, [9583, 2957, 2671, 8805, 1278], [4980, 6919, 5226, 1012, 1582]),
            (4, 1000, 1000, 1000, 244780695, [15, 790, 619, 453, 991], [774, 379, 582, 133, 809]),
            (4, 190, 95, 95, 469775, [39, 178, 7, 47, 146], [74, 50, 31, 67, 186]),
            (4, 20000, 600, 600, 1874030165, [1398, 981, 4683, 7208, 18492], [18805, 10225, 17626, 18860, 14528]),
            (
                4,
                30000,
                29999,
                29999,
                6754161120929,
                [24088, 10932, 19102, 1126, 5393],
                [28209, 15338, 26440, 28290, 21793],
            ),
            (4, 20000, 400, 400, 833758882, [19926, 1585, 4859, 2831, 13260], [19644, 18588, 7795, 12518, 14556]),
            (4, 20000, 401, 401, 843391581, [6502, 13149, 18741, 19712, 2501], [18805, 10225, 17626, 18860, 14528]),
            (4, 10000, 10000, 10000, 249537496116, [6180, 1280, 1229, 2341, 9398], [128, 3973, 2585, 2283, 1297]),
            (4, 10001, 201, 201, 108449997, [7515, 5772, 5469, 9165, 40], [9401, 5112, 8813, 9430, 7265]),
            (4, 10001, 200, 200, 97884795, [5843, 9492, 3694, 1425, 7870], [1692, 9480, 8515, 2157, 710]),
            (5, 1000, 1000, 1000, 247503019, [98, 250, 719, 746, 748], [708, 113, 242, 89, 577]),
            (5, 190, 95, 95, 421154, [71, 103, 152, 139, 163], [179, 123, 78, 49, 88]),
            (5, 20000, 600, 600, 1758679284, [3818, 5106, 13164, 651, 18536], [9375, 16156, 453, 16099, 13415]),
            (
                5,
                30000,
                29999,
                29999,
                6763859029506,
                [16114, 14444, 24210, 13315, 10465],
                [14063, 24235, 679, 24149, 20123],
            ),
            (5, 20000, 400, 400, 745160779, [7606, 8380, 15861, 16452, 1454], [11158, 4980, 17130, 13288, 5483]),
            (5, 20000, 401, 401, 791884074, [18888, 6347, 3165, 3791, 8840], [9375, 16156, 453, 16099, 13415]),
            (5, 10000, 10000, 10000, 249895743621, [4041, 9951, 232, 3265, 2741], [6324, 8603, 4184, 796, 2376]),
            (5, 10001, 201, 201, 98017222, [1864, 720, 3343, 3971, 6788], [4687, 8077, 226, 8050, 6708]),
            (5, 10001, 200, 200, 104794770, [6312, 4274, 7354, 9191, 9], [2664, 8446, 9382, 6004, 6523]),
            (0, 1000, 1000, 1000, 252512092, [437, 762, 923, 508, 563], [871, 184, 81, 552, 843]),
            (0, 190, 95, 95, 415192, [185, 183, 80, 45, 11], [152, 2, 1, 30, 100]),
            (0, 20000, 600, 600, 1859683797, [15982, 6818, 13272, 5751, 18119], [6155, 5394, 10221, 12738, 17012]),
            (
                0,
                30000,
                29999,
                29999,
                6750578159818,
                [18101, 17699, 3391, 13707, 24258],
                [9233, 8092, 15333, 19108, 25518],
            ),
            (0, 20000, 400, 400, 832273327, [1578, 10019, 19629, 2273, 4473], [18305, 14142, 17224, 11448, 6127]),
            (0, 20000, 401, 401, 830291612, [18929, 11562, 10370, 19176, 14536], [6155, 5394, 10221, 12738, 17012]),
            (0, 10000, 10000, 10000, 249768769268, [772, 9160, 7039, 1032, 7141], [6903, 4939, 8850, 6802, 9470]),
            (0, 10001, 201, 201, 104734280, [9907, 8060, 3762, 8724, 3600], [3077, 2697, 5110, 6369, 8507]),
            (0, 10001, 200, 200, 105258494, [6652, 8344, 3134, 4232, 1048], [9222, 8224, 8634, 6167, 6603]),
        ];
        for &(seed, n, k, len, weighted, head, tail) in cases {
            let got = NumpyGenerator::new(seed).choice_without_replacement(n, k).expect("k <= n");
            assert_eq!(digest(&got), (len, weighted, head.to_vec(), tail.to_vec()), "seed {seed}, n {n}, k {k}");
        }
    }

    #[test]
    fn choice_rejects_oversized_sample() {
        // NumPy raises ValueError("Cannot take a larger sample than population ...").
        assert_eq!(NumpyGenerator::new(0).choice_without_replacement(3, 4), None);
        assert_eq!(NumpyGenerator::new(0).choice_without_replacement(0, 1), None);
        assert_eq!(NumpyGenerator::new(0).choice_without_replacement(0, 0), Some(vec![]));
    }
}
