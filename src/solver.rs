//! The Hines solver: Gaussian elimination on a tree-shaped (branched
//! tridiagonal) matrix in O(n), with nodes numbered parents before children.

/// Solves the tree system in place for the nodes `range` of one cell: on
/// return `rhs` holds the solution. `d` is overwritten. `parent[i] < i` for
/// every node but the first of the range, which is the cell's root.
///
/// Row i reads `d[i] x[i] + b[i] x[parent[i]] + sum over children c of
/// a[c] x[c] = rhs[i]`, NEURON's convention.
#[inline]
pub fn hines_solve(
    range: std::ops::Range<usize>,
    parent: &[usize],
    a: &[f64],
    b: &[f64],
    d: &mut [f64],
    rhs: &mut [f64],
) {
    let root = range.start;
    // Triangularize: eliminate each node from its parent's row, leaves first.
    for i in (root + 1..range.end).rev() {
        let p = a[i] / d[i];
        let pi = parent[i];
        d[pi] -= p * b[i];
        rhs[pi] -= p * rhs[i];
    }
    // Back substitute, root first.
    rhs[root] /= d[root];
    for i in root + 1..range.end {
        rhs[i] -= b[i] * rhs[parent[i]];
        rhs[i] /= d[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the test needs no extra crate.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((self.0 >> 11) as f64) / ((1u64 << 53) as f64)
        }
    }

    fn dense_solve(mut m: Vec<Vec<f64>>, mut r: Vec<f64>) -> Vec<f64> {
        let n = r.len();
        for col in 0..n {
            let pivot = (col..n).max_by(|&x, &y| m[x][col].abs().total_cmp(&m[y][col].abs())).unwrap();
            m.swap(col, pivot);
            r.swap(col, pivot);
            let pivot_row = m[col].clone();
            for row in col + 1..n {
                let f = m[row][col] / pivot_row[col];
                for (x, p) in m[row][col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * p;
                }
                r[row] -= f * r[col];
            }
        }
        let mut x = vec![0.0; n];
        for row in (0..n).rev() {
            let s: f64 = (row + 1..n).map(|k| m[row][k] * x[k]).sum();
            x[row] = (r[row] - s) / m[row][row];
        }
        x
    }

    #[test]
    fn matches_dense_solve_on_random_trees() {
        let mut rng = Lcg(42);
        for trial in 0..200 {
            let n = 1 + (rng.next() * 60.0) as usize;
            let offset = trial % 3; // the cell need not start at index 0
            let total = n + offset;
            let mut parent = vec![usize::MAX; total];
            let (mut a, mut b) = (vec![0.0; total], vec![0.0; total]);
            let mut d = vec![0.0; total];
            let mut rhs = vec![0.0; total];
            for i in offset + 1..total {
                parent[i] = offset + (rng.next() * (i - offset) as f64) as usize;
                a[i] = -0.1 - rng.next();
                b[i] = -0.1 - rng.next();
            }
            // Diagonally dominant like a cable matrix.
            for i in offset..total {
                d[i] = 0.5 + rng.next();
                rhs[i] = rng.next() * 2.0 - 1.0;
            }
            for i in offset + 1..total {
                d[i] -= b[i];
                d[parent[i]] -= a[i];
            }
            let mut m = vec![vec![0.0; n]; n];
            for i in 0..n {
                m[i][i] = d[i + offset];
            }
            for i in offset + 1..total {
                let (r, p) = (i - offset, parent[i] - offset);
                m[r][p] = b[i];
                m[p][r] = a[i];
            }
            let expected = dense_solve(m, rhs[offset..].to_vec());
            hines_solve(offset..total, &parent, &a, &b, &mut d, &mut rhs);
            for i in 0..n {
                approx::assert_relative_eq!(rhs[i + offset], expected[i], max_relative = 1e-9, epsilon = 1e-12);
            }
        }
    }
}
