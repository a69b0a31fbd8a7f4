//! HNN-core's ERP simulation (jones_2009_model with the three ERP drives,
//! 170 ms, dt 0.025) against hnn-core 0.6.1 on NEURON 9.0.2
//! (`scripts/hnn_reference.py`: tests/data/hnn_erp_*.csv): the drive event
//! times neurite draws are hnn-core's bit for bit; with them every spike
//! comes at hnn-core's step and the dipole (L2, L5, agg, nAm) stays within
//! 1e-6 of its peak; ranks and threads change nothing.

use neurite::models::hnn::{Column, Dipole, DriveEvents, Params, simulate_trial};
use neurite::{SerialCommunicator, SimulationConfig, Spike, run_thread_ranks};

fn data(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn erp_column() -> Column {
    let mut column = Column::jones_2009(Params::jones_2009()).unwrap();
    column.add_erp_drives().unwrap();
    column
}

fn csv(name: &str) -> Vec<Vec<f64>> {
    data(name).lines().skip(1).map(|l| l.split(',').map(|x| x.parse().unwrap()).collect()).collect()
}

#[test]
fn drive_events_are_hnn_cores_bit_for_bit() {
    let column = erp_column();
    assert_eq!(column.gid_count(), 1045);
    assert_eq!([column.drive_gids(0), column.drive_gids(1), column.drive_gids(2)], [270..505, 505..775, 775..1045]);
    let reference = column.parse_drive_events(&data("hnn_erp_drive_events.csv"), "hnn_erp_drive_events.csv").unwrap();
    let ours = column.drive_events(170.0, 0).unwrap();
    let count: usize = reference.iter().flatten().map(Vec::len).sum();
    assert_eq!(count, 775);
    for (k, (a, b)) in ours.iter().zip(&reference).enumerate() {
        for (cell, (x, y)) in a.iter().zip(b).enumerate() {
            let bits = |v: &[f64]| v.iter().map(|t| t.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(x), bits(y), "drive {k} cell {cell}: {x:?} vs hnn-core {y:?}");
        }
    }
}

fn run(column: &Column, events: &DriveEvents, tstop: f64, threads: usize) -> (Vec<Spike>, Dipole) {
    let config = SimulationConfig { dt: 0.025, threads, ..SimulationConfig::default() };
    let output = simulate_trial(column, events, tstop, config, SerialCommunicator).unwrap();
    let mut dipole = output.dipole;
    dipole.renormalize(10, 10);
    (output.spikes, dipole)
}

#[test]
fn erp_spikes_and_dipole_match_hnn_core() {
    let column = erp_column();
    let events = column.read_drive_events(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/hnn_erp_drive_events.csv"
    )));
    let (spikes, dipole) = run(&column, &events.unwrap(), 170.0, 1);

    let reference: Vec<Spike> =
        csv("hnn_erp_spikes.csv").iter().map(|r| Spike { gid: r[0] as u64, time: r[1] }).collect();
    assert_eq!(spikes.len(), reference.len(), "spike counts differ");
    for (a, b) in spikes.iter().zip(&reference) {
        assert_eq!(a.gid, b.gid, "ours {a:?}, hnn-core {b:?}");
        assert!((a.time - b.time).abs() < 1e-3 * 0.025, "ours {a:?}, hnn-core {b:?}");
    }
    let per_type = |lo: u64, hi: u64| reference.iter().filter(|s| (lo..hi).contains(&s.gid)).count();
    assert_eq!([per_type(0, 35), per_type(35, 135), per_type(135, 170), per_type(170, 270)], [55, 114, 90, 394]);

    let rows = csv("hnn_erp_dipole.csv");
    assert_eq!(dipole.times.len(), rows.len());
    for (column, ours, name) in [(1, &dipole.l2, "L2"), (2, &dipole.l5, "L5"), (3, &dipole.agg, "agg")] {
        let peak = rows.iter().map(|r| r[column].abs()).fold(0.0, f64::max);
        let worst = rows.iter().zip(ours).map(|(r, x)| (r[column] - x).abs()).fold(0.0, f64::max);
        println!("{name}: peak {peak:e} nAm, largest difference {worst:e} nAm ({:e} of the peak)", worst / peak);
        assert!(worst <= 1e-6 * peak, "{name}: {worst} nAm off, peak {peak}");
    }
    for (k, r) in rows.iter().enumerate() {
        assert!((dipole.times[k] - r[0]).abs() < 1e-9, "sample {k} at {} ms, hnn-core's at {}", dipole.times[k], r[0]);
    }
}

#[test]
fn ranks_and_threads_give_the_same_column_bit_for_bit() {
    let column = erp_column();
    let events = column.drive_events(45.0, 0).unwrap();
    let (spikes, dipole) = run(&column, &events, 45.0, 1);
    assert!(spikes.iter().any(|s| s.gid < 270), "the first drive makes cells spike by 45 ms");
    let bits = |d: &Dipole| [&d.l2, &d.l5, &d.agg].map(|s| s.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
    let (threaded, threaded_dipole) = run(&column, &events, 45.0, 3);
    assert_eq!(threaded, spikes);
    assert_eq!(bits(&threaded_dipole), bits(&dipole));
    for ranks in [2, 4] {
        let outputs = run_thread_ranks(ranks, |comm| {
            let config = SimulationConfig { dt: 0.025, ..SimulationConfig::default() };
            simulate_trial(&column, &events, 45.0, config, comm).unwrap()
        });
        for output in outputs {
            let mut d = output.dipole;
            d.renormalize(10, 10);
            assert_eq!(output.spikes, spikes, "{ranks} ranks");
            assert_eq!(bits(&d), bits(&dipole), "{ranks} ranks");
        }
    }
}

#[test]
fn bad_inputs_name_their_place() {
    let column = erp_column();
    let bad = |text: &str| column.parse_drive_events(text, "events.csv").unwrap_err().to_string();
    assert!(bad("drive,target_gid,t_ms\nevprox1,3,x\n").contains("events.csv:2"));
    assert!(bad("drive,target_gid,t_ms\nevprox9,3,20\n").contains("no drive `evprox9`"));
    assert!(bad("drive,target_gid,t_ms\nevdist1,140,20\n").contains("does not target gid 140"));
    assert!(bad("evprox1,3,-1\n").contains("events.csv:1"));
    let params = |text: &str| Params::from_json_str(text, "p.json").unwrap_err().to_string();
    assert!(params("{\n \"tstop\": 170,\n \"dt\": }").contains("p.json:3:"));
    assert!(params("{\"gbar_L2Pyr_L2Basket\": [1]}").contains(".gbar_L2Pyr_L2Basket"));
    assert!(params("[1, 2]").contains("one JSON object"));
    let empty = Params::from_json_str("{}", "empty.json").unwrap();
    // A file's missing weight is hnn-core's default for files (0); the Jones
    // 2009 model's own is default.json's.
    assert_eq!(empty.number("gbar_L2Pyr_L2Basket").unwrap(), 0.0);
    assert_eq!(Params::jones_2009().number("gbar_L2Pyr_L2Basket").unwrap(), 0.0005);
    assert!(empty.number("no_such_key").unwrap_err().to_string().contains(".no_such_key"));
}

#[test]
fn a_flat_parameter_file_sets_weights_and_drives_as_hnn_core_reads_it() {
    let text = r#"{"sim_prefix": "test", "tstop": 170, "threshold": 0.0, "gbar_L2Pyr_L2Basket": 0.00123,
        "sync_evinput": false, "Itonic_A_L2Pyr_soma": 1.0,
        "t_evprox_1": 26.61, "sigma_t_evprox_1": 2.47, "numspikes_evprox_1": 1, "prng_seedcore_evprox_1": 2,
        "gbar_evprox_1_L2Pyr_ampa": 0.01525, "gbar_evprox_1_L2Basket_ampa": 0.08831,
        "t_evdist_1": 63.53, "sigma_t_evdist_1": 3.85, "numspikes_evdist_1": 1, "prng_seedcore_evdist_1": 2}"#;
    let column = Column::from_params(Params::from_json_str(text, "test.json").unwrap()).unwrap();
    // hnn-core's order (by name); a drive without weight stays (it numbers gids).
    assert_eq!(column.drives.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["evdist1", "evprox1"]);
    assert_eq!([column.drive_cell_count(0), column.drive_cell_count(1)], [235, 270]);
    // Absolute-gid seeds: prng_seedcore plus the drive's first gid.
    assert_eq!([column.drives[0].event_seed, column.drives[1].event_seed], [2 + 270, 2 + 505]);
    let l2_pyramidal_to_l2_basket = column.connections.iter().find(|c| c.weight == 0.00123).unwrap();
    assert_eq!(l2_pyramidal_to_l2_basket.pairs.len(), 100);
    // A weight the file leaves out is hnn-core's default for files: 0.
    assert!(column.connections.iter().any(|c| c.weight == 0.0 && c.lamtha == 50.0));
    let with = |extra: &str| {
        let text = text.replacen('{', &format!("{{{extra},"), 1);
        Column::from_params(Params::from_json_str(&text, "test.json").unwrap())
    };
    // The rhythmic input starts before it ends: a common drive of 10 cells.
    let rhythmic = with(r#""t0_input_prox": 50, "tstop_input_prox": 1001"#).unwrap();
    assert_eq!(rhythmic.drives[0].name, "bursty1");
    assert_eq!(rhythmic.drive_cell_count(0), 10);
    // sync_evinput: one drive cell for all targets.
    let text_sync = text.replace(r#""sync_evinput": false"#, r#""sync_evinput": true"#);
    let synced = Column::from_params(Params::from_json_str(&text_sync, "test.json").unwrap()).unwrap();
    assert_eq!([synced.drive_cell_count(0), synced.drive_cell_count(1)], [1, 1]);
    // The Gaussian input is on when the L2 basket cells' mean is within
    // tstop: one drive cell per cell, after the evoked drives by name.
    let gauss = with(r#""L2Basket_Gauss_mu": 20"#).unwrap();
    assert_eq!(gauss.drives.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["evdist1", "evprox1", "extgauss"]);
    assert_eq!(gauss.drive_cell_count(2), 270);
}

/// Spikes at hnn-core's steps and the agg dipole within 1e-6 of its peak,
/// against tests/data/<prefix>_{spikes,dipole}.csv.
fn assert_matches_hnn_core(spikes: &[Spike], dipole: &Dipole, prefix: &str) {
    let theirs: Vec<Spike> =
        csv(&format!("{prefix}_spikes.csv")).iter().map(|r| Spike { gid: r[0] as u64, time: r[1] }).collect();
    assert_eq!(spikes.len(), theirs.len(), "{prefix}: spike counts differ");
    for (a, b) in spikes.iter().zip(&theirs) {
        assert!(a.gid == b.gid && (a.time - b.time).abs() < 1e-3 * 0.025, "{prefix}: ours {a:?}, hnn-core {b:?}");
    }
    let rows = csv(&format!("{prefix}_dipole.csv"));
    assert_eq!(dipole.agg.len(), rows.len());
    let peak = rows.iter().map(|r| r[3].abs()).fold(0.0, f64::max);
    let worst = rows.iter().zip(&dipole.agg).map(|(r, x)| (r[3] - x).abs()).fold(0.0, f64::max);
    println!("{prefix}: {} spikes, agg largest difference {:e} of the peak", spikes.len(), worst / peak);
    assert!(worst <= 1e-6 * peak, "{prefix}: agg {worst} nAm off, peak {peak}");
}

#[test]
fn a_flat_files_gaussian_input_matches_hnn_core() {
    // hnn_params_gauss.json: a few keys (the rest hnn-core's defaults for
    // files) with the Gaussian input on; scripts/hnn_reference.py
    // params-file tests/data/hnn_params_gauss.json made the reference.
    let params = Params::from_json_str(&data("hnn_params_gauss.json"), "hnn_params_gauss.json").unwrap();
    let column = Column::from_params(params).unwrap();
    assert_eq!(column.drives.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["extgauss"]);
    let events = column.drive_events(170.0, 0).unwrap();
    let (spikes, dipole) = run(&column, &events, 170.0, 1);
    assert_matches_hnn_core(&spikes, &dipole, "hnn_params_gauss");
}

#[test]
fn a_second_trial_draws_hnn_cores_second_events_and_matches() {
    let column = erp_column();
    let events = column.drive_events(170.0, 1).unwrap();
    let (spikes, dipole) = run(&column, &events, 170.0, 2);
    assert_matches_hnn_core(&spikes, &dipole, "hnn_erp_trial1");
}

/// hnn-core's drives beyond the ERP's (`scripts/hnn_reference.py
/// drives-mix`): a common rhythmic drive (10 drive cells each onto every L2
/// and L5 pyramidal cell), a cell-specific Poisson drive with NMDA, and a
/// common evoked drive onto the basket cells.
fn drives_mix_column() -> Column {
    use neurite::models::hnn::{CellType::*, Drive, DriveKind, DriveTarget, SynapseGroup};
    let mut column = Column::jones_2009(Params::jones_2009()).unwrap();
    let target = |cell_type, ampa, nmda, delay| DriveTarget { cell_type, ampa, nmda, delay, probability: 1.0 };
    column
        .add_drive(Drive {
            name: "alpha_prox".into(),
            dynamics: DriveKind::Bursty {
                tstart: 50.0,
                tstart_std: 0.0,
                tstop: None,
                burst_rate: 10.0,
                burst_std: 20.0,
                numspikes: 2,
                spike_isi: 10.0,
            },
            location: SynapseGroup::Proximal,
            targets: vec![target(L2Pyramidal, Some(5.4e-5), None, 0.1), target(L5Pyramidal, Some(5.4e-5), None, 1.0)],
            space_constant: 100.0,
            event_seed: 284,
            cell_specific: false,
            n_drive_cells: 10,
            conn_seed: 3,
        })
        .unwrap();
    column
        .add_drive(Drive {
            name: "poisson".into(),
            dynamics: DriveKind::Poisson {
                tstart: 0.0,
                tstop: None,
                rates: vec![(L2Pyramidal, 40.0), (L5Pyramidal, 40.0)],
            },
            location: SynapseGroup::Distal,
            targets: vec![
                target(L2Pyramidal, Some(0.0008), Some(0.0004), 0.1),
                target(L5Pyramidal, Some(0.0008), Some(0.0004), 0.1),
            ],
            space_constant: 100.0,
            event_seed: 1349,
            cell_specific: true,
            n_drive_cells: 0,
            conn_seed: 3,
        })
        .unwrap();
    column
        .add_drive(Drive {
            name: "common".into(),
            dynamics: DriveKind::Evoked { mu: 40.0, sigma: 2.0, numspikes: 1 },
            location: SynapseGroup::Proximal,
            targets: vec![target(L2Basket, Some(0.08), None, 0.1), target(L5Basket, Some(0.1), None, 1.0)],
            space_constant: 3.0,
            event_seed: 300,
            cell_specific: false,
            n_drive_cells: 5,
            conn_seed: 3,
        })
        .unwrap();
    column
}

#[test]
fn common_rhythmic_and_poisson_drives_match_hnn_core() {
    let column = drives_mix_column();
    assert_eq!([column.drive_gids(0), column.drive_gids(1), column.drive_gids(2)], [270..280, 280..480, 480..485]);
    let events = column.drive_events(170.0, 0).unwrap();
    let mut reference: Vec<Vec<Vec<f64>>> = (0..3).map(|k| vec![Vec::new(); column.drive_cell_count(k)]).collect();
    for line in data("hnn_drives_mix_events.csv").lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let k = ["alpha_prox", "poisson", "common"].iter().position(|d| *d == f[0]).unwrap();
        let gid: u64 = f[1].parse().unwrap();
        reference[k][(gid - column.drive_gids(k).start) as usize].push(f[2].parse().unwrap());
    }
    let bits = |e: &DriveEvents| {
        e.iter()
            .map(|d| d.iter().map(|c| c.iter().map(|t| t.to_bits()).collect::<Vec<_>>()).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&events), bits(&reference), "drive events differ from hnn-core's");
    let (spikes, dipole) = run(&column, &events, 170.0, 1);
    let theirs: Vec<Spike> =
        csv("hnn_drives_mix_spikes.csv").iter().map(|r| Spike { gid: r[0] as u64, time: r[1] }).collect();
    assert_eq!(spikes.len(), theirs.len());
    for (a, b) in spikes.iter().zip(&theirs) {
        assert!(a.gid == b.gid && (a.time - b.time).abs() < 1e-3 * 0.025, "ours {a:?}, hnn-core {b:?}");
    }
    let rows = csv("hnn_drives_mix_dipole.csv");
    for (c, ours, name) in [(1, &dipole.l2, "L2"), (2, &dipole.l5, "L5"), (3, &dipole.agg, "agg")] {
        let peak = rows.iter().map(|r| r[c].abs()).fold(0.0, f64::max);
        let worst = rows.iter().zip(ours).map(|(r, x)| (r[c] - x).abs()).fold(0.0, f64::max);
        println!("drives mix {name}: largest difference {:e} of the peak", worst / peak);
        assert!(worst <= 1e-6 * peak, "{name}: {worst} nAm off, peak {peak}");
    }
    let common = column.parse_drive_events("drive,target_gid,t_ms\ncommon,0,40\n", "e.csv").unwrap_err();
    assert!(common.to_string().contains("common drive"), "{common}");
}

#[test]
fn tonic_biases_match_hnn_core() {
    use neurite::models::hnn::CellType;
    let mut column = erp_column();
    column.add_tonic_bias(CellType::L2Pyramidal, 0.3, 20.0, None).unwrap();
    column.add_tonic_bias(CellType::L5Basket, -0.1, 20.0, None).unwrap();
    assert!(column.add_tonic_bias(CellType::L5Basket, 0.1, 0.0, None).is_err(), "one tonic bias per type");
    assert!(column.add_tonic_bias(CellType::L2Basket, 0.1, 30.0, Some(10.0)).is_err(), "tstop before t0");
    let events = column.drive_events(170.0, 0).unwrap();
    let (spikes, dipole) = run(&column, &events, 170.0, 1);
    assert_matches_hnn_core(&spikes, &dipole, "hnn_bias");
}

/// hnn-core's connections kept at random (`scripts/hnn_reference.py
/// probability`): a cell-specific evoked drive with a probability per target
/// type (conn_seed 11), a common evoked drive at 0.4 (conn_seed 5), and L2
/// pyramidal -> L5 pyramidal distal AMPA at 0.25 (conn_seed 19).
fn probability_column() -> Column {
    use neurite::models::hnn::{
        CellType::*, Connection, Drive, DriveKind, DriveTarget, Receptor, Source, SynapseGroup,
    };
    let mut column = Column::jones_2009(Params::jones_2009()).unwrap();
    let target = |cell_type, ampa, nmda, delay, probability| DriveTarget { cell_type, ampa, nmda, delay, probability };
    column
        .add_drive(Drive {
            name: "evprox_p".into(),
            dynamics: DriveKind::Evoked { mu: 26.61, sigma: 2.47, numspikes: 1 },
            location: SynapseGroup::Proximal,
            targets: vec![
                target(L2Basket, Some(0.08831), None, 0.1, 0.5),
                target(L2Pyramidal, Some(0.01525), Some(0.001), 0.1, 0.3),
                target(L5Basket, Some(0.19934), None, 1.0, 1.0),
                target(L5Pyramidal, Some(0.00865), None, 1.0, 0.65),
            ],
            space_constant: 3.0,
            event_seed: 274,
            cell_specific: true,
            n_drive_cells: 0,
            conn_seed: 11,
        })
        .unwrap();
    column
        .add_drive(Drive {
            name: "evdist_p".into(),
            dynamics: DriveKind::Evoked { mu: 63.53, sigma: 3.85, numspikes: 1 },
            location: SynapseGroup::Distal,
            targets: vec![
                target(L2Pyramidal, Some(0.00507), Some(0.00502), 0.1, 0.4),
                target(L5Pyramidal, Some(0.0425), Some(0.0), 0.1, 0.4),
            ],
            space_constant: 3.0,
            event_seed: 2,
            cell_specific: false,
            n_drive_cells: 4,
            conn_seed: 5,
        })
        .unwrap();
    let mut local = Connection {
        source: Source::Cells(L2Pyramidal),
        target: L5Pyramidal,
        location: SynapseGroup::Distal,
        receptor: Receptor::Ampa,
        weight: 0.0005,
        delay: 1.0,
        lamtha: 3.0,
        gain: 1.0,
        pairs: column.all_to_all_pairs(L2Pyramidal, L5Pyramidal, true),
    };
    local.keep_with_probability(0.25, 19).unwrap();
    column.connections.push(local);
    column
}

#[test]
fn connections_kept_with_a_probability_are_hnn_cores_and_match() {
    use neurite::models::hnn::{CellType, Source};
    let column = probability_column();
    // hnn-core's pairs, grouped by connection in its order.
    let mut theirs: Vec<(String, Vec<(u64, u64)>)> = Vec::new();
    for line in data("hnn_probability_pairs.csv").lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let pair = (f[4].parse().unwrap(), f[5].parse().unwrap());
        match theirs.last_mut() {
            Some((index, pairs)) if index == f[0] => pairs.push(pair),
            _ => theirs.push((f[0].to_string(), vec![pair])),
        }
    }
    // Ours in the same order: the drives' (all but onto L5 basket, kept at
    // probability 1) and the local connection.
    let ours: Vec<Vec<(u64, u64)>> = column
        .connections
        .iter()
        .filter(|c| matches!(c.source, Source::Drive(_)) && c.target != CellType::L5Basket)
        .chain(column.connections.last())
        .map(|c| c.pairs.iter().flat_map(|(s, targets)| targets.iter().map(move |&t| (*s, t))).collect())
        .collect();
    assert_eq!(ours.len(), theirs.len());
    for (k, (a, (index, b))) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(a, b, "connection {k} (hnn-core's connectivity[{index}])");
    }
    let events = column.drive_events(170.0, 0).unwrap();
    let (spikes, dipole) = run(&column, &events, 170.0, 1);
    assert_matches_hnn_core(&spikes, &dipole, "hnn_probability");
    // A probability outside (0, 1] is an error naming the connection.
    let mut bad = column.connections[0].clone();
    let error = bad.keep_with_probability(1.5, 0).unwrap_err().to_string();
    assert!(error.contains("probability") && error.contains("1.5"), "{error}");
}

#[test]
fn named_biases_on_dendrites_match_hnn_core() {
    // scripts/hnn_reference.py bias-sections: 'tuft' into the L5 pyramidal
    // cells' apical tuft, 'trunk' into the L2 pyramidal cells' apical trunk,
    // 'tonic' into the L5 pyramidal somata (two biases on one cell type).
    use neurite::models::hnn::{CellType::*, TonicBias};
    let mut column = erp_column();
    let bias = |name: &str, cell_type, section: &str, amplitude, t0, tstop| TonicBias {
        name: name.into(),
        cell_type,
        section: section.into(),
        amplitude,
        t0,
        tstop,
    };
    column.add_bias(bias("tuft", L5Pyramidal, "apical_tuft", 0.4, 30.0, Some(120.0))).unwrap();
    column.add_bias(bias("trunk", L2Pyramidal, "apical_trunk", 0.2, 10.0, None)).unwrap();
    column.add_tonic_bias(L5Pyramidal, -0.1, 0.0, None).unwrap();
    let error = column.add_bias(bias("x", L2Basket, "apical_tuft", 0.1, 0.0, None)).unwrap_err().to_string();
    assert!(error.contains("L2_basket") && error.contains("apical_tuft"), "{error}");
    let error = column.add_bias(bias("tuft", L5Pyramidal, "soma", 0.1, 0.0, None)).unwrap_err().to_string();
    assert!(error.contains("`tuft`") && error.contains("already"), "{error}");
    let events = column.drive_events(170.0, 0).unwrap();
    let (spikes, dipole) = run(&column, &events, 170.0, 1);
    assert_matches_hnn_core(&spikes, &dipole, "hnn_bias_sections");
}
