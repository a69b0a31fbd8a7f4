//! Elementary functions written so that loops over them vectorize.
//!
//! `exp` here is branch-free (no table, no call), so a loop of `exp` over an
//! array compiles to SIMD code. It agrees with the C library's `exp` to
//! within one unit in the last place (and is identical for most arguments),
//! which keeps simulations within 1e-12 mV of NEURON's, far inside the
//! 1e-6 mV the tests demand. Where the build targets a CPU with fused
//! multiply-add (`-C target-cpu=native` on any recent x86-64, as this
//! repository's `.cargo/config.toml` sets), the polynomial uses it: results
//! are then identical across ranks, threads and runs of that build, and may
//! differ in the last bit from a build without FMA.

const LOG2E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split in a high part with trailing zero bits (exact products with
/// small integers) and the rest.
const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
/// 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits.
const ROUND_SHIFT: f64 = 6_755_399_441_055_744.0;
const ROUND_SHIFT_BITS: i64 = 0x4338_0000_0000_0000;

/// `a * b + c`, fused where the target has FMA (one rounding), else two
/// operations.
#[inline(always)]
fn mul_add(a: f64, b: f64, c: f64) -> f64 {
    #[cfg(target_feature = "fma")]
    {
        a.mul_add(b, c)
    }
    #[cfg(not(target_feature = "fma"))]
    {
        a * b + c
    }
}

/// C's `pow(x, y)` (NMODL's `x^y` and `pow(x, y)`) with C's bits, also for
/// y = 2 (the compiler would otherwise make `pow(x, 2.0)` the product x*x,
/// which differs from C's `pow` on about 0.1% of arguments). Calls whose
/// arguments do not change during a kernel are computed once before its
/// loop by the NMODL code generator.
#[inline(always)]
pub fn pow(x: f64, y: f64) -> f64 {
    x.powf(std::hint::black_box(y))
}

/// `pow(x, y)` for a y fixed during a kernel, with `y_is_one` (y == 1,
/// known before the loop) answering x^1 without the call: hnn-core's kca
/// raises a concentration to an exponent that is 1 (pow(x, 1) is x
/// exactly). The test is passed in because LLVM, knowing pow(x, 1) = x,
/// folds a test of y itself back into the call.
#[inline(always)]
pub fn pow_fixed_exponent(x: f64, y: f64, y_is_one: bool) -> f64 {
    // The call is out of line so that LLVM does not compute it for every
    // instance anyway (it may run a speculatable pow before the branch).
    #[inline(never)]
    fn call(x: f64, y: f64) -> f64 {
        x.powf(y)
    }
    if y_is_one { x } else { call(x, y) }
}

/// C's `pow(x, y)` for NMODL's `x^y` in the step loop, where the call's
/// arguments change from instance to instance (SK_E2's `(k/cai)^4.8`): to
/// within 1 ulp of the C library's (which rounds correctly but for rare
/// cases), with C99's special cases (zeros, infinities, NaN, negative x
/// with integer or other y, x = 1, y = 0), and branch-free so that the loop
/// around it vectorizes. The C library's `pow` is a scalar call, and a
/// third of the L5 cell's SK_E2 kernel.
///
/// |x|^y is e^(y ln|x|) with ln|x| and its product with y carried in two
/// doubles (hi + lo), so that the exponent is exact to ~2^-60 relative
/// however large y ln|x| is; then `exp`'s reduction and polynomial, with
/// the low part added to the reduced argument.
#[inline(always)]
pub fn pow_in_loop(x: f64, y: f64) -> f64 {
    let ax = x.abs();
    let (log_hi, log_lo) = ln_double_double(ax);
    let t_hi = y * log_hi;
    // The product's rounding error, exact with a fused multiply-add.
    let t_lo = f64::mul_add(y, log_hi, -t_hi) + y * log_lo;
    let t_lo = if t_hi.is_finite() { t_lo } else { 0.0 };
    // Beyond these e^t is 0 or overflows; the clamp keeps 2^k's exponent
    // in range and lets the multiplications below round to 0 or infinity.
    let tc = t_hi.clamp(-746.0, 710.0);
    let shifted = mul_add(tc, LOG2E, ROUND_SHIFT);
    let k = (shifted.to_bits() as i64).wrapping_sub(ROUND_SHIFT_BITS);
    let kf = shifted - ROUND_SHIFT;
    // The reduced argument r with its rounding error (k ln2_hi is exact).
    let r_hi = mul_add(-kf, LN2_HI, tc);
    let delta = mul_add(-kf, LN2_LO, t_lo);
    let r = r_hi + delta;
    let r_err = (r_hi - r) + delta;
    // e^(r + r_err) = 1 + r + r^2 p + r_err (to 2^-60), with 1 + r's
    // rounding error kept.
    let one_plus_r = 1.0 + r;
    let er = one_plus_r + (((1.0 - one_plus_r) + r) + mul_add(r * r, exp_polynomial(r), r_err));
    // 2^k in two normal factors: the first product is exact, the second
    // rounds once, also into the subnormal range.
    let k1 = k >> 1;
    let k2 = k - k1;
    let scale = |j: i64| f64::from_bits(((j + 1023) as u64) << 52);
    let mut value = (er * scale(k1)) * scale(k2);
    // C99's special cases, as selects.
    let y_integer = y == y.trunc();
    let y_odd = y_integer && (y * 0.5) != (y * 0.5).trunc();
    if ax == 0.0 {
        value = if y < 0.0 { f64::INFINITY } else { 0.0 };
    }
    if ax == f64::INFINITY {
        value = if y < 0.0 { 0.0 } else { f64::INFINITY };
    }
    if x.is_sign_negative() && y_odd {
        value = -value;
    }
    if x < 0.0 && x.is_finite() && !y_integer {
        value = f64::NAN;
    }
    if x.is_nan() || y.is_nan() {
        value = f64::NAN;
    }
    // Exact where C's is: x^1 = x and x^2 = x*x, each rounded once.
    if y == 1.0 {
        value = x;
    }
    if y == 2.0 {
        value = x * x;
    }
    if (ax == 1.0 && y.is_infinite()) || x == 1.0 || y == 0.0 {
        value = 1.0;
    }
    value
}

/// C's `pow(x, n)` for a whole exponent `n` ≥ 0 that the NMODL code
/// generator knows (`m^4`, `n^3`): x^n exact to ~2^-100 relative in two
/// doubles, by repeated squaring, then rounded once: correctly rounded
/// except where x^n lies within 2^-100 of halfway between two doubles, or
/// below 2^-960 (there within 1 ulp). C's `pow` is correctly rounded but for
/// about 0.1% of arguments (1 ulp; glibc's bound is 0.52 ulp), so the two
/// agree on 99.9% of them, [`pow_in_loop`] on 98.4%. A few multiplications
/// instead of a logarithm and an exponential, and branch-free; with `n` a
/// constant the loop over its bits unrolls.
#[inline(always)]
pub fn powi(x: f64, n: u32) -> f64 {
    // (hi, lo) products: hi rounded, lo its error (exact with a fused
    // multiply-add) plus the cross terms (a few ulp(hi) at most).
    let times = |(a, a_lo): (f64, f64), (b, b_lo): (f64, f64)| {
        let hi = a * b;
        (hi, f64::mul_add(a, b, -hi) + (a * b_lo + a_lo * b))
    };
    let mut result = (1.0, 0.0);
    let mut square = (x, 0.0);
    let mut bits = n;
    while bits != 0 {
        if bits & 1 != 0 {
            result = times(result, square);
        }
        bits >>= 1;
        if bits != 0 {
            square = times(square, square);
        }
    }
    let (hi, lo) = result;
    // Zeros keep their sign (-0^3 is -0); infinities and NaN are hi's (lo
    // is NaN there).
    if hi == 0.0 || !hi.is_finite() { hi } else { hi + lo }
}

/// C's `log(x)` for loops over many values (Nernst potentials at every
/// segment and step): within 1 ulp of the C library's (identical for 92%
/// of arguments in [0.5, 2.5], 99% from 1e3 to 1e5), with C's special
/// cases (log 0 = -inf, log of a negative number NaN, log inf = inf), and
/// branch-free so that the loop around it vectorizes (the C library's is a
/// scalar call, twice as slow).
///
/// x = 2^k m with m in [√½, √2), f = m - 1, s = f/(2 + f):
/// ln(1 + f) = 2 atanh s = f - (f²/2 - s (f²/2 + R(s²))), with
/// R(z) = z P(z) and P a Chebyshev fit of degree 7 to (2 atanh s - 2s)/s³
/// (`scripts/math_polynomials.py`; 5e-19 relative); k ln 2 in two parts.
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    const P: [f64; 8] = [
        0.6666666666666666,
        0.4000000000000088,
        0.28571428570803614,
        0.22222222391713917,
        0.18181795640132906,
        0.15386239702814658,
        0.13268773138656886,
        0.13086626147840102,
    ];
    let (kf, m) = exponent_and_mantissa(x);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let (z2, z4) = (z * z, z * z * (z * z));
    let low = mul_add(z2, mul_add(z, P[3], P[2]), mul_add(z, P[1], P[0]));
    let high = mul_add(z2, mul_add(z, P[7], P[6]), mul_add(z, P[5], P[4]));
    let r = z * mul_add(z4, high, low);
    let half_f2 = 0.5 * f * f;
    let value = kf * LN2_HI - ((half_f2 - (s * (half_f2 + r) + kf * LN2_LO)) - f);
    if x > 0.0 && x < f64::INFINITY {
        value
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY {
        x
    } else {
        f64::NAN
    }
}

/// (e, m) with a = 2^e m, m in [√½, √2) and e an integer (as a double),
/// for finite a > 0 (subnormals too); garbage otherwise. Branch-free.
#[inline(always)]
fn exponent_and_mantissa(a: f64) -> (f64, f64) {
    const TWO_54: f64 = 18_014_398_509_481_984.0;
    let subnormal = a < f64::MIN_POSITIVE;
    let scaled = if subnormal { a * TWO_54 } else { a };
    let bits = scaled.to_bits();
    let biased = (bits >> 52) as i64 - if subnormal { 54 } else { 0 };
    let m1 = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000);
    let big = m1 > std::f64::consts::SQRT_2;
    let m = if big { m1 * 0.5 } else { m1 };
    let e = biased - 1023 + big as i64;
    (f64::from_bits((ROUND_SHIFT_BITS + e) as u64) - ROUND_SHIFT, m)
}

/// ln a as hi + lo (|lo| ≤ ulp(hi)/2, relative error ~2^-60) for finite
/// a > 0; garbage for 0, infinity and NaN, which [`pow_in_loop`] selects
/// away. a = 2^e m with m in [√½, √2); ln m = 2 atanh(f), f = (m-1)/(m+1).
#[inline(always)]
fn ln_double_double(a: f64) -> (f64, f64) {
    let (ef, m) = exponent_and_mantissa(a);
    // f = (m-1)/(m+1) with its rounding error: m-1 and the error of m+1
    // are exact (Sterbenz).
    let num = m - 1.0;
    let den = m + 1.0;
    let den_lo = m - (den - 1.0);
    let f = num / den;
    let f_lo = (f64::mul_add(-f, den, num) - f * den_lo) / den;
    // 2 atanh f = 2f + 2f^3/3 + f^5 (2/5 + 2f^2/7 + ...), |f| ≤ 0.1716:
    // to f^25. 2f^3/3 (up to 0.0034) is carried in two doubles, with the
    // first order of f's rounding error; the rest is below 6e-5.
    let f2 = f * f;
    let f2_err = f64::mul_add(f, f, -f2);
    let f3 = f2 * f;
    let f3_err = f64::mul_add(f2, f, -f3) + f2_err * f;
    const TWO_THIRDS_HI: f64 = 2.0 / 3.0;
    const TWO_THIRDS_LO: f64 = 3.700_743_415_417_188e-17;
    let cubic = TWO_THIRDS_HI * f3;
    let cubic_err = f64::mul_add(TWO_THIRDS_HI, f3, -cubic) + (TWO_THIRDS_HI * f3_err + TWO_THIRDS_LO * f3);
    let mut q = 2.0 / 25.0;
    for c in [2.0 / 23.0, 2.0 / 21.0, 2.0 / 19.0, 2.0 / 17.0, 2.0 / 15.0, 2.0 / 13.0] {
        q = mul_add(q, f2, c);
    }
    for c in [2.0 / 11.0, 2.0 / 9.0, 2.0 / 7.0, 2.0 / 5.0] {
        q = mul_add(q, f2, c);
    }
    let rest = f3 * f2 * q;
    // e ln2_hi and 2f are exact: sum them and the cubic with their errors,
    // then the small terms.
    let (sum1, err1) = two_sum(ef * LN2_HI, 2.0 * f);
    let (sum2, err2) = two_sum(sum1, cubic);
    let small = mul_add(ef, LN2_LO, 2.0 * f_lo) + (2.0 * f2 * f_lo + cubic_err + rest);
    let lo = (err1 + err2) + small;
    let hi = sum2 + lo;
    (hi, lo - (hi - sum2))
}

/// a + b as a sum and its rounding error (Knuth's TwoSum).
#[inline(always)]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let sum = a + b;
    let bb = sum - a;
    (sum, (a - (sum - bb)) + (b - bb))
}

/// The polynomial p of e^r = 1 + r + r^2 p(r) for |r| ≤ ln2/2: a
/// Chebyshev fit of degree 10 to (e^r − 1 − r)/r² (`scripts/math_polynomials.py`;
/// e^r to 3.4e-19 relative, tighter than Taylor's series to r^13 with one
/// term fewer), evaluated in Estrin's scheme: the chain of dependent
/// operations is 5 deep instead of Horner's 10, which is what bounds the
/// channel kernels (each instance's rates wait on one `exp` after another).
#[inline(always)]
fn exp_polynomial(r: f64) -> f64 {
    const C: [f64; 11] = [
        0.5,
        0.1666666666666667,
        0.04166666666666667,
        0.008333333333326141,
        0.0013888888888883752,
        0.00019841269874800493,
        2.4801587325533363e-05,
        2.7557255425746435e-06,
        2.7557273661348637e-07,
        2.510520637395701e-08,
        2.0914679376583935e-09,
    ];
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let s0 = mul_add(r2, mul_add(r, C[3], C[2]), mul_add(r, C[1], C[0]));
    let s1 = mul_add(r2, mul_add(r, C[7], C[6]), mul_add(r, C[5], C[4]));
    let s2 = mul_add(r2, C[10], mul_add(r, C[9], C[8]));
    mul_add(r8, s2, mul_add(r4, s1, s0))
}

/// NEURON's `exp` (`hoc_Exp`) for the step loop: e^x to within 1 ulp of
/// the correctly rounded value for -700 ≤ x ≤ 700 (and identical to the C
/// library's for most arguments), 0 below -700 and e^700 above 700
/// (NEURON's range guard; NaN stays NaN). Vectorizes: the guard is a
/// minimum and one select (e^700 is what the clamped argument gives).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // Above 700, e^700 as NEURON's guard; below -700 the arithmetic
    // below gives anything, and the select at the end gives 0.
    let xc = if x > 700.0 { 700.0 } else { x };
    let t = mul_add(xc, LOG2E, ROUND_SHIFT);
    let kf = t - ROUND_SHIFT;
    // r in [-ln2/2, ln2/2]: Cody–Waite reduction, exact to ~2^-60.
    let r = mul_add(-kf, LN2_LO, mul_add(-kf, LN2_HI, xc));
    // e^r = 1 + r + r^2 p, summed so the large terms round once.
    let er = 1.0 + mul_add(r * r, exp_polynomial(r), r);
    // × 2^k, k = t's low bits (shifted, t's other bits leave the word):
    // a normal number for |k| ≤ 1010, so the product is exact. A NaN
    // argument stays NaN (er is NaN).
    let scale = f64::from_bits((t.to_bits() << 52).wrapping_add(1023 << 52));
    let value = er * scale;
    if x < -700.0 { 0.0 } else { value }
}

/// NEURON's `exp` for NMODL code outside the step loop (INITIAL,
/// NET_RECEIVE): the C library's exp, 0 below -700 and exp(700) above 700,
/// as NEURON's `hoc_Exp`.
pub fn exact_exp(x: f64) -> f64 {
    if x < -700.0 {
        0.0
    } else if x > 700.0 {
        700f64.exp()
    } else {
        x.exp()
    }
}

// The C library's error functions, which NEURON's mechanisms call: Rust's
// standard library has none, and these are the very functions NEURON uses.
unsafe extern "C" {
    #[link_name = "erf"]
    safe fn c_erf(x: f64) -> f64;
    #[link_name = "erfc"]
    safe fn c_erfc(x: f64) -> f64;
}

/// The error function, erf(x), as C's `erf` (NMODL's `erf`).
pub fn erf(x: f64) -> f64 {
    c_erf(x)
}

/// The complementary error function, 1 − erf(x), as C's `erfc`.
pub fn erfc(x: f64) -> f64 {
    c_erfc(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow_gives_cs_pow_with_its_shortcuts() {
        // 37.784070875330734^2 is one of the squares where glibc's pow is not
        // x*x: pow with a literal 2 must still be the library's call.
        let x = std::hint::black_box(37.784070875330734f64);
        assert_eq!(pow(x, 2.0).to_bits(), x.powf(std::hint::black_box(2.0)).to_bits());
        for (x, y) in [(2.3, 1.3), (2.3, 1.3), (0.5, 1.0), (f64::NAN, 1.0), (3.0, -1.67), (2.3, 1.3), (0.0, 0.5)] {
            let (ours, c) = (pow(x, y), x.powf(y));
            assert!(ours.to_bits() == c.to_bits() || (ours.is_nan() && c.is_nan()), "{x}^{y}: {ours} vs {c}");
        }
    }

    /// Uniform numbers in [0, 1) from a small deterministic generator (an
    /// LCG), so the tests need no extra crate.
    fn uniform_from(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn error_functions_are_the_c_librarys() {
        assert_eq!(erf(0.0), 0.0);
        assert!((erf(1.0) - 0.842_700_792_949_714_9).abs() < 1e-16);
        assert!((erfc(2.0) - 0.004_677_734_981_047_266).abs() < 1e-17);
    }

    #[test]
    fn within_one_ulp_of_libm_over_the_range_neurons_use() {
        let mut identical = 0;
        let n = 2_000_000;
        let mut worst = 0;
        for i in 0..n {
            // -50..50 covers every rate argument of hh at sane voltages.
            let x = -50.0 + 100.0 * (i as f64 + 0.37) / n as f64;
            let d = ulps(exp(x), x.exp());
            worst = worst.max(d);
            identical += (d == 0) as usize;
        }
        assert!(worst <= 1, "worst error {worst} ulp");
        assert!(identical as f64 > 0.9 * n as f64, "only {identical} of {n} identical");
    }

    #[test]
    fn pow_in_loop_is_within_one_ulp_of_cs_pow() {
        let mut uniform = uniform_from(0x9E37_79B9_7F4A_7C15);
        let (mut worst, mut identical, mut compared) = (0, 0, 0);
        for i in 0..400_000 {
            // x over 2^-1074..2^1023 in the wide cases, near 1 and near the
            // channels' ranges in the others; y over all signs and sizes.
            let x = match i % 4 {
                0 => 2f64.powf(-1074.0 + 2097.0 * uniform()),
                1 => 1.0 + (uniform() - 0.5) * 1e-3,
                _ => 1e-6 + 50.0 * uniform(),
            };
            let y = match i % 3 {
                0 => (uniform() - 0.5) * 20.0,
                1 => ((uniform() - 0.5) * 16.0).round(),
                _ => (uniform() - 0.5) * 2000.0,
            };
            let (ours, c) = (pow_in_loop(x, y), x.powf(y));
            if c == 0.0 || c.is_infinite() {
                assert_eq!(ours, c, "{x}^{y}");
                continue;
            }
            let d = ulps(ours, c);
            assert!(d <= 1, "{x}^{y}: {ours:e} vs {c:e}, {d} ulp");
            worst = worst.max(d);
            identical += (d == 0) as usize;
            compared += 1;
        }
        assert!(compared > 250_000, "{compared} compared");
        assert!(
            identical as f64 > 0.98 * compared as f64,
            "only {identical} of {compared} identical (worst {worst} ulp)"
        );
    }

    #[test]
    fn whole_powers_are_cs_pow() {
        let mut uniform = uniform_from(0x51_7CC1_B727_220A);
        for n in [0u32, 1, 2, 3, 4, 5, 6, 7, 8, 11, 16, 25] {
            let (mut identical, mut compared) = (0, 0);
            for i in 0..60_000 {
                // Gating variables (0..1, both signs), channel-sized
                // numbers, and every magnitude whose power stays normal.
                let x = match i % 3 {
                    0 => uniform() * 2.0 - 1.0,
                    1 => (uniform() - 0.5) * 200.0,
                    _ => 2f64.powf((uniform() - 0.5) * 1900.0 / n.max(1) as f64),
                };
                let (ours, c) = (powi(x, n), x.powf(n as f64));
                if c.abs() < 2f64.powi(-960) || c.is_infinite() {
                    assert!(ours == c || ulps(ours, c) <= 1, "{x}^{n}: {ours:e} vs {c:e}");
                    continue;
                }
                let d = ulps(ours, c);
                assert!(d <= 1, "{x}^{n}: {ours:e} vs {c:e}, {d} ulp");
                identical += (d == 0) as usize;
                compared += 1;
            }
            // C's pow misrounds about 0.1% of these (for n = 2 too, where
            // x*x is correctly rounded), pow_in_loop about 1.6%.
            assert!(identical as f64 > 0.997 * compared as f64, "x^{n}: only {identical} of {compared} identical");
        }
        for x in [0.0, -0.0, 1.0, -1.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 1e200, -1e200, 1e-200, f64::MAX] {
            for n in [0u32, 1, 2, 3, 4, 5] {
                let (ours, c) = (powi(x, n), x.powf(n as f64));
                assert!(ours.to_bits() == c.to_bits() || (ours.is_nan() && c.is_nan()), "{x}^{n}: {ours:e} vs {c:e}");
            }
        }
    }

    /// x^n rounded to nearest (ties to even) from the exact power, for
    /// x = m 2^e with m a whole number below 2^53: m^n in 64-bit limbs.
    fn correctly_rounded_power(m: u64, e: i32, n: u32) -> f64 {
        let mut limbs = vec![1u64];
        for _ in 0..n {
            let mut carry = 0u128;
            for limb in limbs.iter_mut() {
                let product = *limb as u128 * m as u128 + carry;
                *limb = product as u64;
                carry = product >> 64;
            }
            if carry > 0 {
                limbs.push(carry as u64);
            }
        }
        let bit = |i: usize| limbs.get(i / 64).is_some_and(|l| (l >> (i % 64)) & 1 == 1);
        let length = 64 * limbs.len() - limbs.last().unwrap().leading_zeros() as usize;
        let drop = length.saturating_sub(53);
        let mut mantissa = (0..length - drop).fold(0u64, |acc, i| acc | (bit(drop + i) as u64) << i);
        if drop > 0 && bit(drop - 1) {
            let sticky = (0..drop - 1).any(bit);
            if sticky || mantissa & 1 == 1 {
                mantissa += 1;
            }
        }
        mantissa as f64 * 2f64.powi(drop as i32 + e * n as i32)
    }

    #[test]
    fn whole_powers_are_correctly_rounded() {
        let mut uniform = uniform_from(0x2F1D_5A4B_9C3E_7081);
        assert_eq!(correctly_rounded_power(3, 0, 4), 81.0);
        for n in [2u32, 3, 4, 5, 7, 16, 33, 64] {
            for i in 0..20_000 {
                // x in [1, 2) and [0.5, 1), both signs.
                let m = (1u64 << 52) | ((uniform() * (1u64 << 52) as f64) as u64);
                let e = if i % 2 == 0 { -52 } else { -53 };
                let sign = if i % 4 < 2 { 1.0 } else { -1.0 };
                let x = sign * m as f64 * 2f64.powi(e);
                let exact = correctly_rounded_power(m, e, n) * if n % 2 == 1 { sign } else { 1.0 };
                assert_eq!(powi(x, n).to_bits(), exact.to_bits(), "{x:e}^{n}: {:e} vs {exact:e}", powi(x, n));
            }
        }
        // Near overflow and into the subnormal range: C's answer to 1 ulp.
        for (x, n) in [(2f64.powf(255.9), 4u32), (2f64.powf(256.1), 4), (2f64.powf(-200.3), 5), (2f64.powf(-270.2), 4)]
        {
            let (ours, c) = (powi(x, n), x.powf(n as f64));
            assert!(ours == c || ulps(ours, c) <= 1, "{x:e}^{n}: {ours:e} vs {c:e}");
        }
    }

    #[test]
    fn pow_in_loop_has_cs_special_cases() {
        let specials = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN];
        let exponents = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 0.5, -0.5, 4.8, f64::INFINITY, f64::NEG_INFINITY];
        for x in specials {
            for y in exponents.iter().copied().chain([f64::NAN]) {
                let (ours, c) = (pow_in_loop(x, y), x.powf(y));
                let finite = c.is_finite() && c != 0.0;
                let same =
                    ours.to_bits() == c.to_bits() || (ours.is_nan() && c.is_nan()) || (finite && ulps(ours, c) <= 1);
                assert!(same, "pow({x}, {y}) = {ours}, C gives {c}");
            }
        }
        // Overflow, underflow and results in the subnormal range.
        for (x, y) in [(10.0, 400.0), (10.0, -400.0), (2.0, -1074.0), (2.0, -1073.5), (3.0, -677.0), (1e-300, 1.5)] {
            let (ours, c) = (pow_in_loop(x, y), x.powf(y));
            assert!(ours == c || ulps(ours, c) <= 1, "pow({x}, {y}) = {ours:e}, C gives {c:e}");
        }
    }

    #[test]
    fn ln_is_within_one_ulp_of_cs_log_with_its_special_cases() {
        let mut uniform = uniform_from(0x2545_F491_4F6C_DD1D);
        for (range, least) in [(0, 0.97), (1, 0.98), (2, 0.97), (3, 0.90)] {
            let (mut identical, n) = (0, 200_000);
            for _ in 0..n {
                let u = uniform();
                // Every magnitude (subnormals too), near 1, the ratios of
                // concentrations Nernst sees, and one binade around 1.
                let x = match range {
                    0 => 2f64.powf(-1074.0 + 2097.0 * u),
                    1 => 1.0 + (u - 0.5) * 0.1,
                    2 => 1e3 + 1e5 * u,
                    _ => 0.5 + 2.0 * u,
                };
                let d = ulps(ln(x), x.ln());
                assert!(d <= 1, "ln({x:e}) = {:e}, C gives {:e}", ln(x), x.ln());
                identical += (d == 0) as usize;
            }
            assert!(identical as f64 > least * n as f64, "range {range}: {identical} of {n} identical");
        }
        for x in [0.0, -0.0, f64::INFINITY, 1.0, 2.0, f64::MIN_POSITIVE, 5e-324, f64::MAX] {
            let (ours, c) = (ln(x), x.ln());
            assert!(ours.to_bits() == c.to_bits() || ulps(ours, c) <= 1, "ln({x:e}) = {ours}, C gives {c}");
        }
        assert!(ln(f64::NAN).is_nan() && ln(-3.0).is_nan() && ln(f64::NEG_INFINITY).is_nan());
    }

    #[test]
    fn extremes_are_neurons() {
        for x in [-700.0, -699.9, -1e-300, 0.0, 1e-300, 1.0, 699.9, 700.0] {
            let (a, b) = (exp(x), exact_exp(x));
            assert!(ulps(a, b) <= 1 || a == b, "exp({x}) = {a}, hoc_Exp {b}");
        }
        // hoc_Exp's guard: 0 below -700, e^700 above 700.
        for x in [-700.5, -708.5, -745.0, -1000.0, f64::MIN, f64::NEG_INFINITY] {
            assert_eq!(exp(x), 0.0);
            assert_eq!(exact_exp(x), 0.0);
        }
        for x in [700.5, 709.8, 800.0, f64::MAX, f64::INFINITY] {
            assert_eq!(exp(x), exact_exp(x));
            assert_eq!(exp(x), 700f64.exp());
        }
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(0.0), 1.0);
    }
}
