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

/// C's `pow(x, y)` (NMODL's `x^y` and `pow(x, y)`). Calls whose arguments
/// do not change during a kernel are computed once before its loop by the
/// NMODL code generator.
#[inline(always)]
pub fn pow(x: f64, y: f64) -> f64 {
    x.powf(y)
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

/// NEURON's `exp` (`hoc_Exp`) for the step loop: e^x to within 1 ulp of
/// the correctly rounded value for -700 ≤ x ≤ 700, 0 below -700 and e^700
/// above 700 (NEURON's range guard; NaN stays NaN). Vectorizes: the guard
/// is a clamp and two selects.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // The clamp also keeps the exponent arithmetic below in range.
    let xc = x.clamp(-700.0, 700.0);
    let t = mul_add(xc, LOG2E, ROUND_SHIFT);
    let k = (t.to_bits() as i64).wrapping_sub(ROUND_SHIFT_BITS);
    let kf = t - ROUND_SHIFT;
    // r in [-ln2/2, ln2/2]: Cody–Waite reduction, exact to ~2^-60.
    let r = mul_add(-kf, LN2_LO, mul_add(-kf, LN2_HI, xc));
    // Taylor series to r^13 (remainder < 5e-18 on this interval), Horner.
    let mut p = 1.0 / 6_227_020_800.0;
    p = mul_add(p, r, 1.0 / 479_001_600.0);
    p = mul_add(p, r, 1.0 / 39_916_800.0);
    p = mul_add(p, r, 1.0 / 3_628_800.0);
    p = mul_add(p, r, 1.0 / 362_880.0);
    p = mul_add(p, r, 1.0 / 40_320.0);
    p = mul_add(p, r, 1.0 / 5_040.0);
    p = mul_add(p, r, 1.0 / 720.0);
    p = mul_add(p, r, 1.0 / 120.0);
    p = mul_add(p, r, 1.0 / 24.0);
    p = mul_add(p, r, 1.0 / 6.0);
    p = mul_add(p, r, 0.5);
    // e^r = 1 + r + r^2 p, summed so the large terms round once.
    let er = 1.0 + mul_add(r * r, p, r);
    // 2^k as 2 * 2^(k-1) (doubling is exact). A NaN argument stays NaN
    // throughout (clamp keeps it).
    let value = (er * 2.0) * f64::from_bits(((k + 1022) as u64) << 52);
    if x < -700.0 {
        0.0
    } else if x > 700.0 {
        EXP_700
    } else {
        value
    }
}

/// e^700, what `hoc_Exp` returns above 700.
const EXP_700: f64 = 1.0142320547350045e304;

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
        for (x, y) in [(2.3, 1.3), (2.3, 1.3), (0.5, 1.0), (f64::NAN, 1.0), (3.0, -1.67), (2.3, 1.3), (0.0, 0.5)] {
            let (ours, c) = (pow(x, y), x.powf(y));
            assert!(ours.to_bits() == c.to_bits() || (ours.is_nan() && c.is_nan()), "{x}^{y}: {ours} vs {c}");
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
