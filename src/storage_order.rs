//! Where each node of a cell shape is stored in a cell group's arrays.
//!
//! NEURON's node order (sections in their tree order, each followed by its
//! zero-area end node) scatters a channel's compartments over runs of a
//! section each: the L5 cell's Ca_HVA sat on runs of 1, 9, 60, 25 and 25
//! nodes, and a reconstructed morphology with hundreds of short sections
//! would cut every channel into hundreds of runs. Storage rows put the
//! nodes that carry the same mechanisms together, so that each mechanism's
//! instances sit on one run of rows (or a few), and its kernels work on
//! slices of the group's arrays with no gathering of voltages or
//! scattering of currents.
//!
//! Only where values are stored changes: the matrix is assembled and
//! solved in NEURON's node order, row by row through the permutation, so
//! every operation and its order are NEURON's.

/// The storage row of each node (`rows[local]`), given the density
/// mechanisms at each node (`mechanisms[local]`, names in any order).
///
/// Nodes with the same set of mechanisms form a group, its nodes in
/// NEURON's order (a section's nodes stay consecutive). Groups are chained
/// from the one with the fewest mechanisms, each next group the one sharing
/// the most mechanisms with the last (then the one with more nodes, then
/// the first met): mechanisms common to neighbouring groups then span
/// their rows without a break. Nodes without membrane mechanisms (the root
/// and the sections' end nodes) come last.
pub(crate) fn storage_rows(mechanisms: &[Vec<&str>]) -> Vec<usize> {
    let mut groups: Vec<(Vec<&str>, Vec<usize>)> = Vec::new();
    for (local, names) in mechanisms.iter().enumerate() {
        let mut key = names.clone();
        key.sort_unstable();
        key.dedup();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, nodes)) => nodes.push(local),
            None => groups.push((key, vec![local])),
        }
    }
    let (mut bare, mut rest): (Vec<_>, Vec<_>) = groups.into_iter().partition(|(key, _)| key.is_empty());
    let mut chain: Vec<(Vec<&str>, Vec<usize>)> = Vec::with_capacity(rest.len() + 1);
    if let Some(first) = (0..rest.len()).min_by_key(|&g| rest[g].0.len()) {
        chain.push(rest.remove(first));
    }
    while !rest.is_empty() {
        let last = &chain[chain.len() - 1].0;
        let shared = |key: &[&str]| key.iter().filter(|name| last.contains(name)).count();
        // The most shared, then the most nodes; the first met among equals.
        let next =
            (0..rest.len()).rev().max_by_key(|&g| (shared(&rest[g].0), rest[g].1.len())).expect("a group is left");
        chain.push(rest.remove(next));
    }
    chain.append(&mut bare);
    let mut rows = vec![0; mechanisms.len()];
    for (row, local) in chain.into_iter().flat_map(|(_, nodes)| nodes).enumerate() {
        rows[local] = row;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each mechanism's rows, as runs of consecutive rows.
    fn runs(mechanisms: &[Vec<&str>], rows: &[usize], name: &str) -> usize {
        let mut mine: Vec<usize> =
            (0..mechanisms.len()).filter(|&k| mechanisms[k].contains(&name)).map(|k| rows[k]).collect();
        mine.sort_unstable();
        1 + mine.windows(2).filter(|w| w[1] != w[0] + 1).count()
    }

    #[test]
    fn rows_are_a_permutation_grouping_equal_mechanisms() {
        // The L5 benchmark cell's layout: root, soma, axon (9), 4 basal
        // dendrites (20 each), trunk (60) and 2 tufts (25 each), each
        // section followed by its end node, in NEURON's order.
        let soma = vec!["pas", "Ih", "NaTs2_t", "SKv3_1", "SK_E2", "K_Tst", "K_Pst", "Nap_Et2", "Ca_HVA", "Ca_LVAst"];
        let axon = vec!["pas", "NaTa_t", "K_Pst", "K_Tst", "Nap_Et2", "SKv3_1", "SK_E2", "Ca_HVA", "Ca_LVAst"];
        let basal = vec!["pas", "Ih"];
        let apical = vec!["pas", "Ih", "NaTa_t", "SKv3_1", "Im", "SK_E2", "Ca_HVA", "Ca_LVAst"];
        let mut nodes: Vec<Vec<&str>> = vec![vec![], soma.clone(), vec![]];
        for (section, n) in [(&axon, 9), (&basal, 20), (&basal, 20), (&basal, 20), (&basal, 20), (&apical, 60)] {
            nodes.extend(std::iter::repeat_n(section.clone(), n));
            nodes.push(vec![]);
        }
        for _ in 0..2 {
            nodes.extend(std::iter::repeat_n(apical.clone(), 25));
            nodes.push(vec![]);
        }
        let rows = storage_rows(&nodes);
        let mut sorted = rows.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..nodes.len()).collect::<Vec<_>>());
        // Every channel on one run of rows but for at most one break.
        for name in ["pas", "Ih", "NaTa_t", "Im", "Ca_HVA", "K_Pst", "NaTs2_t"] {
            assert!(runs(&nodes, &rows, name) <= 2, "{name}: {} runs", runs(&nodes, &rows, name));
        }
        assert_eq!(runs(&nodes, &rows, "pas"), 1);
        assert_eq!(runs(&nodes, &rows, "Ca_HVA"), 1);
        // Within a group, NEURON's order; bare nodes last.
        let first_apical = nodes.iter().position(|m| *m == apical).unwrap();
        assert!(rows[first_apical] + 1 == rows[first_apical + 1]);
        assert!(rows[0] >= nodes.len() - 11);
    }

    #[test]
    fn one_mechanism_everywhere_keeps_neurons_order_with_bare_nodes_last() {
        let nodes = vec![vec![], vec!["hh"], vec!["hh"], vec![], vec!["hh"]];
        assert_eq!(storage_rows(&nodes), vec![3, 0, 1, 4, 2]);
    }
}
