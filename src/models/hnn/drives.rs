//! The event times of HNN-core's drive cells, number for number as
//! hnn-core 0.6.1 draws them (its `_drive_cell_event_times`): every drive
//! cell has two NumPy legacy generators, `RandomState(seed + gid)` for its
//! events and `RandomState(seed)` for a bursty drive's common start, where
//! `seed = event_seed + trial · trial_seed_offset`.

use crate::numpy_random::NumpyRandomState;
use crate::{NeuriteError, Result};

/// How a drive's events are distributed in time (ms, Hz).
#[derive(Debug, Clone, PartialEq)]
pub enum DriveDynamics {
    /// `poisson`: exponential intervals at `rate` (Hz) from `tstart` to
    /// `tstop` (ms).
    Poisson {
        /// Start (ms, >= 0).
        tstart: f64,
        /// End (ms, >= `tstart`).
        tstop: f64,
        /// Rate (Hz, > 0) for the drive cell's target type.
        rate: f64,
    },
    /// `evoked` (and `gaussian`): `numspikes` times drawn from a normal
    /// distribution of mean `mu` and standard deviation `sigma` (ms).
    Evoked {
        /// Mean (ms).
        mu: f64,
        /// Standard deviation (ms).
        sigma: f64,
        /// Events per drive cell.
        numspikes: usize,
    },
    /// `bursty`: bursts at `burst_rate` (Hz) from `tstart` (drawn around it
    /// with `tstart_std` when that is > 0, the same for all cells of the
    /// drive) to `tstop`, each burst's time jittered by `burst_std` (ms),
    /// `numspikes` events per burst `spike_isi` (ms) apart.
    Bursty {
        /// First burst (ms).
        tstart: f64,
        /// Its standard deviation (ms; 0: exactly `tstart`).
        tstart_std: f64,
        /// Last burst before this (ms).
        tstop: f64,
        /// Bursts per second (Hz, > 0).
        burst_rate: f64,
        /// Jitter of each burst (ms).
        burst_std: f64,
        /// Events per burst (>= 1).
        numspikes: usize,
        /// Interval between the events of a burst (ms).
        spike_isi: f64,
    },
}

/// Where a drive cell's generators start (hnn-core's seeds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriveSeeds {
    /// The drive's `event_seed`.
    pub event_seed: i64,
    /// The drive's `trial_seed_offset`: added per trial.
    pub trial_seed_offset: i64,
    /// The trial (0 first).
    pub trial: i64,
    /// The drive cell's gid (hnn-core's numbering).
    pub gid: i64,
}

/// The event times (ms) of one drive cell in a simulation of `tstop` ms:
/// drawn as hnn-core does, then those in (0, tstop] kept and sorted.
pub fn drive_cell_event_times(dynamics: &DriveDynamics, tstop: f64, seeds: DriveSeeds) -> Result<Vec<f64>> {
    let seed = seeds.event_seed + seeds.trial * seeds.trial_seed_offset;
    let mut events = numpy_generator(seed + seeds.gid)?;
    let mut times = match *dynamics {
        DriveDynamics::Poisson { tstart, tstop: end, rate } => {
            if tstart.is_nan() || tstart < 0.0 {
                return Err(invalid("poisson tstart", tstart, "must be >= 0 ms"));
            }
            if end.is_nan() || end < tstart {
                return Err(invalid("poisson tstop", end, "must be >= tstart"));
            }
            if !(rate > 0.0 && rate.is_finite()) {
                return Err(invalid("poisson rate_constant", rate, "must be a finite rate > 0 Hz"));
            }
            let mut times = Vec::new();
            let mut t = tstart;
            while t < end {
                t += events.exponential(1.0 / rate) * 1000.0;
                if t < end {
                    times.push(t);
                }
            }
            times
        }
        DriveDynamics::Evoked { mu, sigma, numspikes } => events.normals(mu, sigma, numspikes),
        DriveDynamics::Bursty { tstart, tstart_std, tstop: end, burst_rate, burst_std, numspikes, spike_isi } => {
            if !(burst_rate > 0.0 && burst_rate.is_finite()) {
                return Err(invalid("bursty burst_rate", burst_rate, "must be a finite rate > 0 Hz"));
            }
            let start = if tstart_std > 0.0 { numpy_generator(seed)?.normal(tstart, tstart_std) } else { tstart };
            let period = 1000.0 / burst_rate;
            let duration = (numspikes.max(1) - 1) as f64 * spike_isi;
            if duration > period {
                return Err(invalid(
                    "bursty spike_isi",
                    spike_isi,
                    "a burst (numspikes - 1)·spike_isi must not be longer than the burst period",
                ));
            }
            let centres: Vec<f64> =
                numpy_arange(start, end, period).into_iter().map(|c| events.normal(c, burst_std)).collect();
            if numspikes > 1 {
                // Every burst's first events, then every burst's second, ...
                let half = (numspikes - 1) as f64 / 2.0;
                (0..numspikes)
                    .flat_map(|i| {
                        let shift = spike_isi * (i as f64 - half);
                        centres.iter().map(move |c| c + shift)
                    })
                    .collect()
            } else {
                centres
            }
        }
    };
    times.retain(|&t| t > 0.0 && t <= tstop);
    times.sort_by(f64::total_cmp);
    Ok(times)
}

/// `RandomState(seed)`, which takes integers from 0 to 2³² − 1.
fn numpy_generator(seed: i64) -> Result<NumpyRandomState> {
    u32::try_from(seed)
        .map(NumpyRandomState::new)
        .map_err(|_| invalid("drive seed", seed as f64, "seed + gid must be between 0 and 2^32 - 1, as NumPy's"))
}

/// NumPy's `arange(start, stop, step)` for floats: ceil((stop − start)/step)
/// values, the i-th `start + i·((start + step) − start)` as NumPy fills it.
fn numpy_arange(start: f64, stop: f64, step: f64) -> Vec<f64> {
    let length = ((stop - start) / step).ceil();
    if length.is_nan() || length <= 0.0 {
        return Vec::new();
    }
    let length = length as usize;
    let delta = (start + step) - start;
    (0..length)
        .map(|i| match i {
            0 => start,
            1 => start + step,
            _ => start + i as f64 * delta,
        })
        .collect()
}

fn invalid(what: &str, value: f64, reason: &'static str) -> NeuriteError {
    NeuriteError::InvalidParameter { what: what.to_string(), value, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arange_has_numpys_length_and_values() {
        assert_eq!(numpy_arange(0.0, 1.0, 0.25), vec![0.0, 0.25, 0.5, 0.75]);
        assert_eq!(numpy_arange(0.1, 0.35, 0.1).len(), 3);
        assert!(numpy_arange(5.0, 1.0, 1.0).is_empty());
    }

    #[test]
    fn bad_drives_are_refused() {
        let seeds = DriveSeeds { event_seed: 2, trial_seed_offset: 1, trial: 0, gid: 300 };
        let poisson = DriveDynamics::Poisson { tstart: 0.0, tstop: 100.0, rate: 0.0 };
        assert!(drive_cell_event_times(&poisson, 170.0, seeds).unwrap_err().to_string().contains("rate"));
        let negative = DriveSeeds { event_seed: -5, gid: 0, ..seeds };
        let evoked = DriveDynamics::Evoked { mu: 20.0, sigma: 3.0, numspikes: 1 };
        assert!(drive_cell_event_times(&evoked, 170.0, negative).unwrap_err().to_string().contains("seed"));
    }
}
