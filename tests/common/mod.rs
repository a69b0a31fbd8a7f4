//! Helpers shared by the integration tests: reading NEURON's reference files
//! and comparing against them.
#![allow(dead_code)]

use neurite::recording::{Spike, read_spikes_csv};

/// Path of a file in tests/data.
pub fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("data").join(name)
}

/// NEURON's spikes from a reference file.
pub fn reference_spikes(name: &str) -> Vec<Spike> {
    read_spikes_csv(data(name)).unwrap_or_else(|e| panic!("{e}"))
}

/// A trace file: header names and one row per step.
pub struct TraceTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<f64>>,
}

impl TraceTable {
    pub fn column(&self, name: &str) -> Vec<f64> {
        let k = self.columns.iter().position(|c| c == name).unwrap_or_else(|| panic!("no column {name}"));
        self.rows.iter().map(|r| r[k]).collect()
    }
}

pub fn reference_traces(name: &str) -> TraceTable {
    let text = std::fs::read_to_string(data(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let columns = lines.next().unwrap().split(',').map(|s| s.trim().to_string()).collect();
    let rows = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|x| x.trim().parse::<f64>().unwrap()).collect())
        .collect();
    TraceTable { columns, rows }
}

/// Largest absolute difference, and the index where it occurs.
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> (f64, usize) {
    assert_eq!(a.len(), b.len(), "trace lengths differ");
    a.iter()
        .zip(b)
        .enumerate()
        .map(|(i, (x, y))| ((x - y).abs(), i))
        .fold((0.0, 0), |best, cur| if cur.0 > best.0 || cur.0.is_nan() { cur } else { best })
}

/// Spikes must be the same gids at the same steps: times equal to well
/// under a step (NEURON's times carry accumulated round-off).
pub fn assert_same_spikes(ours: &[Spike], reference: &[Spike], dt: f64) {
    assert_eq!(ours.len(), reference.len(), "spike counts differ:\nours {ours:?}\nNEURON {reference:?}");
    for (a, b) in ours.iter().zip(reference) {
        assert_eq!(a.gid, b.gid, "gid differs: ours {a:?} NEURON {b:?}");
        assert!((a.time - b.time).abs() < 1e-3 * dt, "spike step differs: ours {a:?} NEURON {b:?}");
    }
}
