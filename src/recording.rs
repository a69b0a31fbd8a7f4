//! Recorded results: spike times per gid and sampled traces, with CSV writers.

use std::io::Write;

use crate::error::{NeuriteError, Result};
use crate::network::Gid;

/// A spike: the cell that fired and when.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Spike {
    /// Cell that fired.
    pub gid: Gid,
    /// Spike time, ms.
    pub time: f64,
}

impl Spike {
    /// Total order: by time, then gid (the order of spike files).
    pub fn total_cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.time.total_cmp(&other.time).then(self.gid.cmp(&other.gid))
    }
}

/// Sorts spikes by time, then gid.
pub fn sort_spikes(spikes: &mut [Spike]) {
    // Equal keys are equal spikes, so an unstable sort (no allocation) is
    // as deterministic as a stable one.
    spikes.sort_unstable_by(Spike::total_cmp);
}

/// A variable sampled during a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    /// Sample times, ms.
    pub times: Vec<f64>,
    /// Sampled values, in the variable's units.
    pub values: Vec<f64>,
}

fn io_error(path: &std::path::Path, err: std::io::Error) -> NeuriteError {
    NeuriteError::Io { path: path.display().to_string(), message: err.to_string() }
}

/// Writes spikes as CSV `gid,t_ms`, sorted by time then gid, each time with
/// the shortest decimal form that reads back to the same double.
pub fn write_spikes_csv(path: impl AsRef<std::path::Path>, spikes: &[Spike]) -> Result<()> {
    let path = path.as_ref();
    let mut sorted = spikes.to_vec();
    sort_spikes(&mut sorted);
    let file = std::fs::File::create(path).map_err(|e| io_error(path, e))?;
    let mut out = std::io::BufWriter::new(file);
    let mut write = || -> std::io::Result<()> {
        writeln!(out, "gid,t_ms")?;
        for spike in &sorted {
            writeln!(out, "{},{:?}", spike.gid, spike.time)?;
        }
        out.flush()
    };
    write().map_err(|e| io_error(path, e))
}

/// Writes traces sampled at the same times as CSV `t_ms,<name>,...`.
pub fn write_traces_csv(path: impl AsRef<std::path::Path>, columns: &[(&str, &Trace)]) -> Result<()> {
    let path = path.as_ref();
    if let Some((_, reference)) = columns.first() {
        for (name, trace) in columns {
            if trace.times != reference.times || trace.values.len() != trace.times.len() {
                return Err(NeuriteError::InvalidParameter {
                    what: format!("trace `{name}` in {}", path.display()),
                    value: trace.times.len() as f64,
                    reason: "traces written together must be sampled at the same times as the first one",
                });
            }
        }
    }
    let file = std::fs::File::create(path).map_err(|e| io_error(path, e))?;
    let mut out = std::io::BufWriter::new(file);
    let rows = columns.first().map_or(0, |(_, trace)| trace.times.len());
    let mut write = || -> std::io::Result<()> {
        write!(out, "t_ms")?;
        for (name, _) in columns {
            write!(out, ",{name}")?;
        }
        writeln!(out)?;
        for row in 0..rows {
            write!(out, "{:?}", columns[0].1.times[row])?;
            for (_, trace) in columns {
                write!(out, ",{:?}", trace.values[row])?;
            }
            writeln!(out)?;
        }
        out.flush()
    };
    write().map_err(|e| io_error(path, e))
}

/// Reads a spike CSV written by [`write_spikes_csv`] (or by the NEURON
/// reference script).
pub fn read_spikes_csv(path: impl AsRef<std::path::Path>) -> Result<Vec<Spike>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e))?;
    let bad = |line: &str| NeuriteError::Io { path: path.display().to_string(), message: format!("bad line `{line}`") };
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (gid, time) = line.split_once(',').ok_or_else(|| bad(line))?;
            Ok(Spike {
                gid: gid.trim().parse().map_err(|_| bad(line))?,
                time: time.trim().parse().map_err(|_| bad(line))?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spikes_round_trip_exactly() {
        let dir = std::env::temp_dir().join(format!("neurite-rec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.csv");
        let spikes = vec![
            Spike { gid: 3, time: 10.925000000099914 },
            Spike { gid: 1, time: 0.1 + 0.2 },
            Spike { gid: 0, time: 10.925000000099914 },
        ];
        write_spikes_csv(&path, &spikes).unwrap();
        let back = read_spikes_csv(&path).unwrap();
        assert_eq!(back[0], spikes[1]);
        assert_eq!(back[1], spikes[2]);
        assert_eq!(back[2], spikes[0]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn traces_sampled_differently_are_not_written_together() {
        let a = Trace { times: vec![0.0, 1.0], values: vec![1.0, 2.0] };
        let b = Trace::default();
        let path = std::env::temp_dir().join(format!("neurite-tr-{}.csv", std::process::id()));
        assert!(write_traces_csv(&path, &[("a", &a), ("b", &b)]).is_err());
        write_traces_csv(&path, &[("a", &a), ("a2", &a)]).unwrap();
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn writing_to_a_missing_directory_is_an_error() {
        let err = write_spikes_csv("/nonexistent-dir/x/s.csv", &[]).unwrap_err();
        assert!(matches!(err, NeuriteError::Io { .. }));
    }
}
