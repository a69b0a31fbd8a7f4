//! The Hines solver: Gaussian elimination on a tree-shaped (branched
//! tridiagonal) matrix in O(n), with nodes numbered parents before children.

/// Solves the tree system in place for the nodes `range` of one cell: on
/// return `rhs` holds the solution; `d` is overwritten. The arithmetic is
/// NEURON's `triang` and `bksub`, operation for operation (each row's
/// factor a/d, the back substitution divided by d), so that the same
/// matrix gives NEURON's solution bit for bit. `parent[i] < i` for every
/// node but the first of the range, which is the cell's root.
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

/// `width` trees of the same shape stored interleaved: row k of tree c is
/// at `base + k * width + c` (CoreNEURON's layout for vectorizing across
/// cells). Rows may be stored in any order (a cell group groups them by
/// mechanism); `order` says in which the solve visits them.
#[derive(Debug, Clone, Copy)]
pub struct InterleavedTree<'a> {
    /// Index of row 0 of tree 0.
    pub base: usize,
    /// Number of trees.
    pub width: usize,
    /// The root's row.
    pub root: usize,
    /// Parent row of each row of the shape (the root's unused).
    pub parent: &'a [usize],
    /// The rows but the root, in the order of their nodes by depth, then
    /// by NEURON's node index ([`level_order`]).
    pub order: &'a [usize],
}

/// Rows `row` and `prow` (distinct, `w` long) of `x`, both mutable.
#[inline(always)]
pub(crate) fn row_and_parent(x: &mut [f64], row: usize, prow: usize, w: usize) -> (&mut [f64], &mut [f64]) {
    if prow < row {
        let (lo, hi) = x.split_at_mut(row);
        (&mut hi[..w], &mut lo[prow..prow + w])
    } else {
        let (lo, hi) = x.split_at_mut(prow);
        (&mut lo[row..row + w], &mut hi[..w])
    }
}

/// The nodes `1..parent.len()` of a tree sorted by their depth (edges from
/// node 0), then by index: the order in which [`hines_solve_interleaved`]
/// visits them (the reverse of it to eliminate, it to back substitute).
///
/// Visiting nodes of one depth together puts the unbranched sections'
/// serial chains (each row's division waits for its child's) side by side,
/// so that the CPU overlaps them: the solve then takes about the time of the
/// deepest path instead of the sum of all. The arithmetic is unchanged bit
/// for bit: a node's children all have the same depth, so they are still
/// eliminated from its row in decreasing index order, each after its own
/// children; and a back substitution only needs its parent's.
pub fn level_order(parent: &[usize]) -> Vec<usize> {
    let mut depth = vec![0usize; parent.len()];
    for k in 1..parent.len() {
        depth[k] = depth[parent[k]] + 1;
    }
    let mut order: Vec<usize> = (1..parent.len()).collect();
    order.sort_by_key(|&k| (depth[k], k));
    order
}

/// The Hines solve of `width` interleaved trees at once, each with exactly
/// the operations [`hines_solve`] does on it alone: eliminate each node from
/// its parent's row leaves first, then back substitute root first. On return
/// `rhs` holds the solution.
pub fn hines_solve_interleaved(tree: &InterleavedTree<'_>, a: &[f64], b: &[f64], d: &mut [f64], rhs: &mut [f64]) {
    if tree.width == 1 {
        return hines_solve_single(tree, a, b, d, rhs);
    }
    let w = tree.width;
    let block = tree;
    for &k in block.order.iter().rev() {
        let row = block.base + k * w;
        let prow = block.base + block.parent[k] * w;
        let (di, dp) = row_and_parent(d, row, prow, w);
        let (ri, rp) = row_and_parent(rhs, row, prow, w);
        triangularize_row(dp, rp, di, ri, &a[row..row + w], &b[row..row + w]);
    }
    let root = block.base + block.root * w..block.base + (block.root + 1) * w;
    for (r, d) in rhs[root.clone()].iter_mut().zip(&d[root]) {
        *r /= d;
    }
    for &k in block.order {
        let row = block.base + k * w;
        let prow = block.base + block.parent[k] * w;
        let (ri, rp) = row_and_parent(rhs, row, prow, w);
        back_substitute_row(ri, rp, &b[row..row + w], &d[row..row + w]);
    }
}

/// A block of one cell: the same arithmetic as the interleaved solve, in
/// plain indexed loops (a lone large cell spends its step here).
///
/// Where the order runs down a chain (a depth with one node, as along the
/// L5 cell's trunk), each row waits on the one before: the value just
/// computed is carried to the next row in registers rather than through
/// memory, which would add a store-to-load delay to every row of the chain.
/// The operations and their order are the plain loop's.
fn hines_solve_single(tree: &InterleavedTree<'_>, a: &[f64], b: &[f64], d: &mut [f64], rhs: &mut [f64]) {
    let base = tree.base;
    let n = tree.parent.len();
    let (a, b) = (&a[base..base + n], &b[base..base + n]);
    let (d, rhs) = (&mut d[base..base + n], &mut rhs[base..base + n]);
    let (order, parent) = (tree.order, tree.parent);
    // Triangularization, from the last row in the order to the first.
    let mut i = order.len();
    while i > 0 {
        let mut k = order[i - 1];
        let (mut dk, mut rk) = (d[k], rhs[k]);
        loop {
            i -= 1;
            let p = parent[k];
            let factor = a[k] / dk;
            let dp = d[p] - factor * b[k];
            let rp = rhs[p] - factor * rk;
            d[p] = dp;
            rhs[p] = rp;
            if i > 0 && order[i - 1] == p {
                (k, dk, rk) = (p, dp, rp);
            } else {
                break;
            }
        }
    }
    rhs[tree.root] /= d[tree.root];
    // Back substitution, from the first row in the order to the last.
    let mut i = 0;
    while i < order.len() {
        let mut k = order[i];
        let mut rp = rhs[parent[k]];
        loop {
            let rk = (rhs[k] - b[k] * rp) / d[k];
            rhs[k] = rk;
            i += 1;
            if i < order.len() && parent[order[i]] == k {
                (k, rp) = (order[i], rk);
            } else {
                break;
            }
        }
    }
}

/// Eliminates one node row of every lane from its parent row.
#[inline(always)]
fn triangularize_row(dp: &mut [f64], rp: &mut [f64], di: &[f64], ri: &[f64], a: &[f64], b: &[f64]) {
    let w = di.len();
    let (dp, rp, ri, a, b) = (&mut dp[..w], &mut rp[..w], &ri[..w], &a[..w], &b[..w]);
    for c in 0..w {
        let p = a[c] / di[c];
        dp[c] -= p * b[c];
        rp[c] -= p * ri[c];
    }
}

/// Back substitution of one node row of every lane from its parent row.
#[inline(always)]
fn back_substitute_row(ri: &mut [f64], rp: &[f64], b: &[f64], d: &[f64]) {
    let w = ri.len();
    let (rp, b, d) = (&rp[..w], &b[..w], &d[..w]);
    for c in 0..w {
        ri[c] -= b[c] * rp[c];
        ri[c] /= d[c];
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

    /// Also for one tree alone (width 1), whose solve has a path of its own:
    /// the level order changes no bit of NEURON's node-order elimination.
    #[test]
    fn interleaved_solve_equals_solving_each_tree_alone_bit_for_bit() {
        // Bushy trees, and trees of long unbranched chains (a lone cell's
        // solve carries values along a chain in registers).
        for chained in [0.0, 0.8] {
            for width in [1, 2, 9] {
                interleaved_solve_matches(width, chained);
            }
        }
    }

    fn interleaved_solve_matches(width: usize, chained: f64) {
        let mut rng = Lcg(7 + width as u64);
        let n = 37;
        let base = 5;
        let mut parent = vec![usize::MAX; n];
        for (k, p) in parent.iter_mut().enumerate().skip(1) {
            *p = if rng.next() < chained { k - 1 } else { (rng.next() * k as f64) as usize };
        }
        let total = base + n * width;
        let fill =
            |rng: &mut Lcg, lo: f64, hi: f64| (0..total).map(|_| lo + (hi - lo) * rng.next()).collect::<Vec<_>>();
        let (a, b) = (fill(&mut rng, -1.0, -0.1), fill(&mut rng, -1.0, -0.1));
        let (mut d, mut rhs) = (fill(&mut rng, 3.0, 5.0), fill(&mut rng, -1.0, 1.0));
        // Each tree alone, in its own contiguous arrays.
        let mut expected = Vec::new();
        for c in 0..width {
            let pick = |v: &[f64]| (0..n).map(|k| v[base + k * width + c]).collect::<Vec<_>>();
            let (ac, bc, mut dc, mut rc) = (pick(&a), pick(&b), pick(&d), pick(&rhs));
            hines_solve(0..n, &parent, &ac, &bc, &mut dc, &mut rc);
            expected.push(rc);
        }
        let order = level_order(&parent);
        let tree = InterleavedTree { base, width, root: 0, parent: &parent, order: &order };
        hines_solve_interleaved(&tree, &a, &b, &mut d, &mut rhs);
        for c in 0..width {
            for k in 0..n {
                assert_eq!(rhs[base + k * width + c].to_bits(), expected[c][k].to_bits());
            }
        }
    }

    /// Rows stored in any order give each node the bits of NEURON's order.
    #[test]
    fn a_permutation_of_the_rows_changes_no_bit() {
        let mut rng = Lcg(99);
        for width in [1, 3] {
            let n = 41;
            let mut parent = vec![usize::MAX; n];
            for (k, p) in parent.iter_mut().enumerate().skip(1) {
                *p = if rng.next() < 0.7 { k - 1 } else { (rng.next() * k as f64) as usize };
            }
            let mut row: Vec<usize> = (0..n).collect();
            for k in (1..n).rev() {
                row.swap(k, (rng.next() * (k + 1) as f64) as usize);
            }
            let total = n * width;
            let fill =
                |rng: &mut Lcg, lo: f64, hi: f64| (0..total).map(|_| lo + (hi - lo) * rng.next()).collect::<Vec<_>>();
            let (a, b) = (fill(&mut rng, -1.0, -0.1), fill(&mut rng, -1.0, -0.1));
            let (d, rhs) = (fill(&mut rng, 3.0, 5.0), fill(&mut rng, -1.0, 1.0));
            // NEURON's order.
            let order = level_order(&parent);
            let tree = InterleavedTree { base: 0, width, root: 0, parent: &parent, order: &order };
            let (mut d1, mut rhs1) = (d.clone(), rhs.clone());
            hines_solve_interleaved(&tree, &a, &b, &mut d1, &mut rhs1);
            // The same nodes at other rows.
            let moved = |x: &[f64]| {
                let mut out = vec![0.0; total];
                for k in 0..n {
                    for c in 0..width {
                        out[row[k] * width + c] = x[k * width + c];
                    }
                }
                out
            };
            let mut row_parent = vec![usize::MAX; n];
            for k in 1..n {
                row_parent[row[k]] = row[parent[k]];
            }
            let row_order: Vec<usize> = order.iter().map(|&k| row[k]).collect();
            let tree = InterleavedTree { base: 0, width, root: row[0], parent: &row_parent, order: &row_order };
            let (a2, b2, mut d2, mut rhs2) = (moved(&a), moved(&b), moved(&d), moved(&rhs));
            hines_solve_interleaved(&tree, &a2, &b2, &mut d2, &mut rhs2);
            assert_eq!(
                moved(&rhs1).iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                rhs2.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                "width {width}"
            );
        }
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
