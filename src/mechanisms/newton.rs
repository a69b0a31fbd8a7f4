//! NEURON's Newton iteration for `METHOD derivimplicit` (scopmath's
//! `nrn_newton_thread`): the implicit step s = s_old + dt·f(s) of a
//! DERIVATIVE block is solved as F(s) = f(s) − (s − s_old)/dt = 0, with a
//! Jacobian from central differences, LU factorization by Crout's method
//! with partial pivoting and implicit equilibration, and the Jacobian
//! rebuilt only while the solution still moves by more than 5 % per
//! iteration. The arithmetic follows NEURON's step for step so that the
//! iterates (not only the limit) are NEURON's.
//!
//! Everything lives on the stack (`N` is the number of states of the
//! block, known when the code is generated): no allocation per call.

// Index loops keep the matrix code in the shape of the algorithm it mirrors.
#![allow(clippy::needless_range_loop)]

/// Smallest pivot accepted (scopmath's ROUNDOFF).
const ROUNDOFF: f64 = 1.0e-20;
/// Residual small enough, and states below which relative change is not
/// measured (ZERO).
const ZERO: f64 = 1.0e-8;
/// Smallest finite-difference increment (STEP).
const STEP: f64 = 1.0e-6;
/// Relative change small enough (CONVERGE).
const CONVERGE: f64 = 1.0e-6;
/// Relative change above which the Jacobian is rebuilt (MAXCHANGE).
const MAXCHANGE: f64 = 0.05;
/// Iterations before giving up (MAXITERS).
const MAXITERS: usize = 50;

/// Why a Newton solve failed (NEURON aborts the run in both cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewtonFailure {
    /// The Jacobian was singular or ill-conditioned.
    Singular,
    /// No convergence within 50 iterations.
    NoConvergence,
}

impl NewtonFailure {
    /// A sentence for error messages.
    pub fn reason(self) -> &'static str {
        match self {
            NewtonFailure::Singular => "derivimplicit: the Newton iteration met a singular Jacobian",
            NewtonFailure::NoConvergence => "derivimplicit: the Newton iteration did not converge in 50 iterations",
        }
    }
}

/// Solves `residual(x) = 0` for `x`, starting from `x`, as
/// `nrn_newton_thread`. `residual(x, out)` writes F(x) into `out`.
pub fn solve<const N: usize>(
    x: &mut [f64; N],
    mut residual: impl FnMut(&[f64; N], &mut [f64; N]),
) -> Result<(), NewtonFailure> {
    let mut value = [0.0; N];
    let mut jacobian = [[0.0; N]; N];
    let mut perm = [0usize; N];
    let mut delta = [0.0; N];
    let mut change = 1.0;
    for count in 1..=MAXITERS {
        if change > MAXCHANGE {
            build_jacobian(x, &mut residual, &mut value, &mut jacobian);
            for f in value.iter_mut() {
                *f = -*f;
            }
            crout(&mut jacobian, &mut perm)?;
        }
        lu_solve(&jacobian, &value, &perm, &mut delta);
        change = 0.0;
        for i in 0..N {
            if x[i].abs() > ZERO {
                let relative = (delta[i] / x[i]).abs();
                if relative > change {
                    change = relative;
                }
            }
            x[i] += delta[i];
        }
        residual(x, &mut value);
        let mut max_dev: f64 = 0.0;
        for f in value.iter_mut() {
            *f = -*f;
            if f.abs() > max_dev {
                max_dev = f.abs();
            }
        }
        if change <= CONVERGE && max_dev <= ZERO {
            return Ok(());
        }
        if count == MAXITERS {
            break;
        }
    }
    Err(NewtonFailure::NoConvergence)
}

/// Solves `m x = b` in place (`b` becomes x) by Crout's LU with partial
/// pivoting; for KINETIC schemes, whose Newton step NEURON solves with its
/// sparse solver (the same solution up to rounding).
pub fn solve_linear<const N: usize>(m: &mut [[f64; N]; N], b: &mut [f64; N]) -> Result<(), NewtonFailure> {
    let mut perm = [0usize; N];
    crout(m, &mut perm)?;
    let rhs = *b;
    lu_solve(m, &rhs, &perm, b);
    Ok(())
}

/// Solves `m x = b` in place (`b` becomes x) as NEURON's sparse solver
/// for KINETIC schemes does (scopmath's `matsol` and `bksub`): Gaussian
/// elimination without pivoting, the rows taken as pivots in `order` (the
/// order nocmodl's minimum-degree ordering gives; see neurite-nmodl's
/// `pivot_order`), back substitution in the reverse order. A pivot of
/// magnitude 1e-20 or less is a singular matrix, as in NEURON.
pub fn solve_in_order<const N: usize>(
    m: &mut [[f64; N]; N],
    b: &mut [f64; N],
    order: &[usize; N],
) -> Result<(), NewtonFailure> {
    for p in 0..N {
        let pivot_row = order[p];
        let pivot = m[pivot_row][pivot_row];
        if pivot.abs() <= 1e-20 {
            return Err(NewtonFailure::Singular);
        }
        for &row in &order[p + 1..] {
            if m[row][pivot_row] == 0.0 {
                continue; // no element there: NEURON skips the row
            }
            let r = m[row][pivot_row] / pivot;
            b[row] -= b[pivot_row] * r;
            for &col in &order[p + 1..] {
                m[row][col] -= m[pivot_row][col] * r;
            }
        }
    }
    for p in (0..N).rev() {
        let row = order[p];
        for &col in &order[p + 1..] {
            b[row] -= m[row][col] * b[col];
        }
        b[row] /= m[row][row];
    }
    Ok(())
}

/// Column j of the Jacobian from central differences of half-width
/// max(|0.02·x_j|, 1e-6); leaves `value` = F(x) (x restored as NEURON
/// restores it: +h, −2h, +h).
fn build_jacobian<const N: usize>(
    x: &mut [f64; N],
    residual: &mut impl FnMut(&[f64; N], &mut [f64; N]),
    value: &mut [f64; N],
    jacobian: &mut [[f64; N]; N],
) {
    for j in 0..N {
        let increment = (0.02 * x[j]).abs().max(STEP);
        x[j] += increment;
        residual(x, value);
        let high = *value;
        x[j] -= 2.0 * increment;
        residual(x, value);
        for i in 0..N {
            jacobian[i][j] = (high[i] - value[i]) / (2.0 * increment);
        }
        x[j] += increment;
        residual(x, value);
    }
}

/// Crout LU factorization in place with partial pivoting and implicit
/// equilibration (each row scaled by its largest element when choosing
/// pivots); `perm[r]` is the row holding the r-th pivot.
fn crout<const N: usize>(a: &mut [[f64; N]; N], perm: &mut [usize; N]) -> Result<(), NewtonFailure> {
    let mut rowmax = [0.0; N];
    for i in 0..N {
        perm[i] = i;
        let mut k = 0;
        for j in 1..N {
            if a[i][j].abs() > a[i][k].abs() {
                k = j;
            }
        }
        rowmax[i] = a[i][k];
    }
    let mut save_i = 0;
    for r in 0..N {
        for i in r..N {
            let irow = perm[i];
            let mut sum = 0.0;
            for k in 0..r {
                sum += a[irow][k] * a[perm[k]][r];
            }
            a[irow][r] -= sum;
        }
        let mut pivot = perm[r];
        let mut equil_1 = (a[pivot][r] / rowmax[pivot]).abs();
        for i in r + 1..N {
            let irow = perm[i];
            let equil_2 = (a[irow][r] / rowmax[irow]).abs();
            if equil_2 > equil_1 {
                pivot = irow;
                save_i = i;
                equil_1 = equil_2;
            }
        }
        if pivot != perm[r] {
            perm[save_i] = perm[r];
            perm[r] = pivot;
        }
        // NaN pivots fail too (NEURON's `<` lets them through and goes on
        // with NaN states; neurite stops at the first one).
        if a[pivot][r].abs().is_nan() || a[pivot][r].abs() < ROUNDOFF {
            return Err(NewtonFailure::Singular);
        }
        for j in r + 1..N {
            let mut sum = 0.0;
            for k in 0..r {
                sum += a[pivot][k] * a[perm[k]][j];
            }
            a[pivot][j] = (a[pivot][j] - sum) / a[pivot][r];
        }
    }
    Ok(())
}

/// Forward and back substitution with the factors of [`crout`].
fn lu_solve<const N: usize>(a: &[[f64; N]; N], b: &[f64; N], perm: &[usize; N], p: &mut [f64; N]) {
    for i in 0..N {
        let pivot = perm[i];
        let mut sum = 0.0;
        for j in 0..i {
            sum += a[pivot][j] * p[j];
        }
        p[i] = (b[pivot] - sum) / a[pivot][i];
    }
    for i in (0..N).rev() {
        let pivot = perm[i];
        let mut sum = 0.0;
        for j in i + 1..N {
            sum += a[pivot][j] * p[j];
        }
        p[i] -= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crout_with_pivoting_solves_a_system_that_needs_it() {
        // A zero in the first pivot position forces a row exchange.
        let mut a = [[0.0, 2.0, 1.0], [1.0, 1.0, 0.0], [3.0, 0.0, 1.0]];
        let original = a;
        let mut perm = [0; 3];
        crout(&mut a, &mut perm).unwrap();
        let b = [5.0, 3.0, 5.0];
        let mut x = [0.0; 3];
        lu_solve(&a, &b, &perm, &mut x);
        for (row, bi) in original.iter().zip(b) {
            let ax: f64 = row.iter().zip(&x).map(|(r, x)| r * x).sum();
            assert!((ax - bi).abs() < 1e-12, "{x:?}");
        }
        let mut singular = [[1.0, 2.0], [2.0, 4.0]];
        assert_eq!(crout(&mut singular, &mut [0; 2]), Err(NewtonFailure::Singular));
    }

    #[test]
    fn newton_solves_a_coupled_nonlinear_implicit_step() {
        // a' = -k1 a + k2 b², b' = k1 a - k2 b² (mass conserved), one
        // backward Euler step of dt = 0.1 from (1, 0).
        let (k1, k2, dt) = (0.5, 2.0, 0.1);
        let old = [1.0, 0.0];
        let mut x = old;
        solve(&mut x, |x, out| {
            let r = k2 * x[1] * x[1];
            out[0] = -k1 * x[0] + r - (x[0] - old[0]) / dt;
            out[1] = k1 * x[0] - r - (x[1] - old[1]) / dt;
        })
        .unwrap();
        let r = k2 * x[1] * x[1];
        assert!((x[0] - old[0] - dt * (-k1 * x[0] + r)).abs() < 1e-10, "{x:?}");
        assert!((x[0] + x[1] - 1.0).abs() < 1e-12, "{x:?}");
        // A residual without a root never converges.
        let mut y = [1.0];
        assert!(solve(&mut y, |y, out| out[0] = y[0] * y[0] + 1.0).is_err());
    }
}
