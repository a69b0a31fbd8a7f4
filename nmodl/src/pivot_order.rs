//! The pivot order in which NEURON's sparse solver (scopmath's
//! `sparse_thread`, used by `METHOD sparse` and `STEADYSTATE sparse`)
//! eliminates a KINETIC scheme's matrix. Its elimination has no pivoting,
//! so its rounding, and with it the last digits of every state, depend only
//! on this order; neurite's generated code eliminates in the same order.
//!
//! The order is NEURON's minimum-degree ordering, computed once from the
//! matrix's structure: rows are kept in a list sorted by their number of
//! elements (a row inserted before the first row with as many or more, so
//! that among equals the last inserted comes first); each step takes the
//! head of the list as the next pivot, adds the fill-in elements its
//! elimination creates (each one moving its row up the list) and moves every
//! row it eliminates from down by one.

/// The rows of an `n`×`n` matrix in NEURON's pivot order, for a matrix
/// whose elements are the diagonal and those with `present[row][col]`
/// (rows and columns numbered as nocmodl numbers the states).
pub fn pivot_order(present: &[Vec<bool>]) -> Vec<usize> {
    let n = present.len();
    let mut present: Vec<Vec<bool>> = present.to_vec();
    for (i, row) in present.iter_mut().enumerate() {
        row[i] = true;
    }
    // The list of rows not yet pivoted, sorted by element count.
    let mut list: Vec<(usize, usize)> = Vec::with_capacity(n);
    let insert = |list: &mut Vec<(usize, usize)>, row: usize, count: usize| {
        let at = list.iter().position(|&(_, c)| c >= count).unwrap_or(list.len());
        list.insert(at, (row, count));
    };
    let take = |list: &mut Vec<(usize, usize)>, row: usize| -> usize {
        let at = list.iter().position(|&(r, _)| r == row).expect("a row of the list");
        list.remove(at).1
    };
    for (row, elements) in present.iter().enumerate() {
        insert(&mut list, row, elements.iter().filter(|&&e| e).count());
    }
    // Positions of the rows in solution order (NEURON's varord).
    let mut position: Vec<usize> = (0..n).collect();
    let mut order = Vec::with_capacity(n);
    for i in 0..n {
        let pivot = list[0].0;
        // The pivot moves to position i; rows between shift down by one.
        let from = position[pivot];
        for p in position.iter_mut() {
            if *p >= i && *p < from {
                *p += 1;
            }
        }
        position[pivot] = i;
        let later = |position: &[usize]| {
            let mut rows: Vec<usize> = (0..n).filter(|&r| position[r] > i).collect();
            rows.sort_by_key(|&r| position[r]);
            rows
        };
        let rows_below: Vec<usize> = later(&position).into_iter().filter(|&r| present[r][pivot]).collect();
        let cols_right: Vec<usize> = later(&position).into_iter().filter(|&c| present[pivot][c]).collect();
        for &row in &rows_below {
            for &col in &cols_right {
                if !present[row][col] {
                    present[row][col] = true;
                    let count = take(&mut list, row);
                    insert(&mut list, row, count + 1);
                }
            }
            let count = take(&mut list, row);
            insert(&mut list, row, count - 1);
        }
        take(&mut list, pivot);
        order.push(pivot);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(n: usize, elements: &[(usize, usize)]) -> Vec<Vec<bool>> {
        let mut m = vec![vec![false; n]; n];
        for &(r, c) in elements {
            m[r][c] = true;
        }
        m
    }

    #[test]
    fn ties_go_to_the_last_row_and_sparse_rows_first() {
        // A diagonal matrix: all rows have one element, the last inserted
        // is first.
        assert_eq!(pivot_order(&matrix(3, &[])), vec![2, 1, 0]);
        // A chain 0-1-2 (tridiagonal): the ends have two elements, the
        // middle three; the last end (2) first, then 1 (its count fell to
        // two and it was reinserted before 0), then 0.
        let chain = matrix(3, &[(0, 1), (1, 0), (1, 2), (2, 1)]);
        assert_eq!(pivot_order(&chain), vec![2, 1, 0]);
        // A star around 0: leaves 3 and 2 first (no fill-in); each takes
        // one element from the hub, which then ties with leaf 1 and, being
        // reinserted last, goes before it.
        let star = matrix(4, &[(0, 1), (1, 0), (0, 2), (2, 0), (0, 3), (3, 0)]);
        assert_eq!(pivot_order(&star), vec![3, 2, 0, 1]);
        // A square 0-1-3-2-0: eliminating 3 fills in between 1 and 2
        // (each rises to four elements and falls back to three).
        let square = matrix(4, &[(0, 1), (1, 0), (0, 2), (2, 0), (1, 3), (3, 1), (2, 3), (3, 2)]);
        assert_eq!(pivot_order(&square), vec![3, 2, 1, 0]);
    }
}
