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

/// Writes a file atomically: the content goes to a temporary file in the
/// same directory, which is synced and renamed over `path` only when it is
/// complete, so a run that is stopped (or runs out of disk) leaves either
/// the old file or the whole new one, never a truncated one.
pub fn write_atomically(
    path: &std::path::Path,
    content: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<()> {
    let existing = std::fs::metadata(path).ok();
    if existing.as_ref().is_some_and(|m| !m.is_file()) {
        // A device or pipe (`--spikes /dev/stdout`): nothing to replace.
        let file = std::fs::OpenOptions::new().write(true).open(path).map_err(|e| io_error(path, e))?;
        let mut out = std::io::BufWriter::new(file);
        return content(&mut out).and_then(|()| out.flush()).map_err(|e| io_error(path, e));
    }
    // Through a symbolic link, the file it points to is the one replaced.
    let resolved = std::fs::canonicalize(path).ok().filter(|_| existing.is_some());
    let path = resolved.as_deref().unwrap_or(path);
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    // Outputs get the usual permissions (0666 less the umask), not the
    // temporary file's private 0600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temporary = builder
        .prefix(&format!(".{}.", path.file_name().map_or("output".into(), |n| n.to_string_lossy())))
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(|e| io_error(path, e))?;
    {
        let mut out = std::io::BufWriter::new(temporary.as_file_mut());
        content(&mut out).and_then(|()| out.flush()).map_err(|e| io_error(path, e))?;
    }
    if let Some(metadata) = &existing {
        // A replaced file keeps its permissions.
        temporary.as_file().set_permissions(metadata.permissions()).map_err(|e| io_error(path, e))?;
    }
    temporary.as_file().sync_all().map_err(|e| io_error(path, e))?;
    // Dropping the temporary file on any error above removes it.
    temporary.persist(path).map_err(|e| io_error(path, e.error))?;
    Ok(())
}

/// Writes spikes as CSV `gid,t_ms`, sorted by time then gid, each time with
/// the shortest decimal form that reads back to the same double.
pub fn write_spikes_csv(path: impl AsRef<std::path::Path>, spikes: &[Spike]) -> Result<()> {
    let path = path.as_ref();
    let mut sorted = spikes.to_vec();
    sort_spikes(&mut sorted);
    write_atomically(path, |out| {
        writeln!(out, "gid,t_ms")?;
        for spike in &sorted {
            writeln!(out, "{},{:?}", spike.gid, spike.time)?;
        }
        Ok(())
    })
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
    let rows = columns.first().map_or(0, |(_, trace)| trace.times.len());
    write_atomically(path, |out| {
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
        Ok(())
    })
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
    fn an_interrupted_write_leaves_the_old_file_whole() {
        let dir = std::env::temp_dir().join(format!("neurite-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("spikes.csv");
        write_spikes_csv(&path, &[Spike { gid: 1, time: 2.5 }]).unwrap();
        let old = std::fs::read_to_string(&path).unwrap();
        let failed = write_atomically(&path, |out| {
            writeln!(out, "gid,t_ms")?;
            writeln!(out, "7,1")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(matches!(failed, Err(NeuriteError::Io { ref message, .. }) if message.contains("disk full")));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), old);
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("spikes.csv")], "no temporary file is left behind");
        write_spikes_csv(&path, &[Spike { gid: 3, time: 4.0 }]).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "gid,t_ms\n3,4.0\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let ordinary = dir.join("ordinary");
            std::fs::File::create(&ordinary).unwrap();
            let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(mode(&path), mode(&ordinary), "outputs get an ordinary file's permissions");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn devices_and_links_are_written_through() {
        write_spikes_csv("/dev/null", &[Spike { gid: 1, time: 2.0 }]).unwrap();
        #[cfg(unix)]
        {
            let dir = std::env::temp_dir().join(format!("neurite-link-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let (target, link) = (dir.join("real.csv"), dir.join("link.csv"));
            std::fs::write(&target, "old").unwrap();
            std::os::unix::fs::symlink(&target, &link).unwrap();
            write_spikes_csv(&link, &[Spike { gid: 3, time: 4.0 }]).unwrap();
            assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "gid,t_ms\n3,4.0\n");
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn writing_to_a_missing_directory_is_an_error() {
        let err = write_spikes_csv("/nonexistent-dir/x/s.csv", &[]).unwrap_err();
        assert!(matches!(err, NeuriteError::Io { .. }));
    }
}
