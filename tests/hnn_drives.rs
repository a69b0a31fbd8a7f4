//! HNN-core's drive event times reproduced without Python: the events of
//! tests/data/hnn_drive_events.csv (hnn-core 0.6.1's own
//! `_drive_cell_event_times`, scripts/neuron_reference.py hnn-drives) drawn
//! again by `neurite::models::hnn::drives`, bit for bit.

use neurite::models::hnn::drives::{DriveDynamics, DriveSeeds, drive_cell_event_times};
use std::collections::BTreeMap;

/// One case: name, dynamics, tstop (ms), event_seed, trial_seed_offset,
/// trials, gids.
type Case = (&'static str, DriveDynamics, f64, i64, i64, i64, Vec<i64>);

/// The cases of HNN_DRIVE_CASES in scripts/neuron_reference.py.
fn cases() -> Vec<Case> {
    vec![
        (
            "evoked",
            DriveDynamics::Evoked { mu: 26.61, sigma: 2.47, numspikes: 1 },
            170.0,
            2,
            1,
            3,
            vec![270, 271, 300, 369],
        ),
        ("evoked3", DriveDynamics::Evoked { mu: 63.53, sigma: 3.85, numspikes: 3 }, 170.0, 4, 2, 2, vec![370, 400]),
        (
            "poisson",
            DriveDynamics::Poisson { tstart: 0.0, tstop: 170.0, rate: 40.0 },
            170.0,
            7,
            1,
            2,
            vec![500, 501, 777],
        ),
        (
            "poisson_late",
            DriveDynamics::Poisson { tstart: 50.0, tstop: 120.0, rate: 85.5 },
            100.0,
            11,
            3,
            1,
            vec![0, 5],
        ),
        (
            "bursty",
            DriveDynamics::Bursty {
                tstart: 10.0,
                tstart_std: 2.5,
                tstop: 160.0,
                burst_rate: 10.0,
                burst_std: 20.0,
                numspikes: 2,
                spike_isi: 10.0,
            },
            170.0,
            3,
            1,
            2,
            vec![900, 901],
        ),
        (
            "bursty3",
            DriveDynamics::Bursty {
                tstart: 0.5,
                tstart_std: 0.0,
                tstop: 200.0,
                burst_rate: 7.3,
                burst_std: 4.0,
                numspikes: 3,
                spike_isi: 5.5,
            },
            170.0,
            13,
            2,
            1,
            vec![42],
        ),
    ]
}

#[test]
fn drive_event_times_are_hnn_cores_bit_for_bit() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/hnn_drive_events.csv")).unwrap();
    let mut reference: BTreeMap<(String, i64, i64), Vec<f64>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let key = (f[0].to_string(), f[1].parse().unwrap(), f[2].parse().unwrap());
        reference.entry(key).or_default().push(f[3].parse().unwrap());
    }
    let mut compared = 0;
    for (name, dynamics, tstop, event_seed, trial_seed_offset, trials, gids) in cases() {
        for trial in 0..trials {
            for &gid in &gids {
                let seeds = DriveSeeds { event_seed, trial_seed_offset, trial, gid };
                let times = drive_cell_event_times(&dynamics, tstop, seeds).unwrap();
                let want = reference.get(&(name.to_string(), trial, gid)).cloned().unwrap_or_default();
                let bits = |v: &[f64]| v.iter().map(|t| t.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&times), bits(&want), "{name} trial {trial} gid {gid}: {times:?} vs {want:?}");
                compared += times.len();
            }
        }
    }
    assert_eq!(compared, 100, "every reference event was drawn");
}
