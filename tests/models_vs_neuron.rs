//! Branched cells, 3-D points and noisy NetStims against NEURON 9.0.2
//! (reference files written by scripts/neuron_reference.py).

mod common;

use common::*;
use neurite::{
    CableCell, Location, NetConTarget, NetStimParams, Network, SectionGeometry, SectionId, Simulation, SimulationConfig,
};

fn section(cell: &mut CableCell, name: &str, l: f64, diam: f64, nseg: usize, ra: f64, cm: f64) -> SectionId {
    let s = cell.add_section(name, SectionGeometry { length: l, diam, nseg }).unwrap();
    cell.set_ra(s, ra).unwrap();
    cell.set_cm(s, cm).unwrap();
    s
}

fn pas(cell: &mut CableCell, s: SectionId, g: f64, e: f64) {
    cell.insert(s, "pas").unwrap();
    cell.set_parameter(s, "pas", "g", g).unwrap();
    cell.set_parameter(s, "pas", "e", e).unwrap();
}

/// The branched cell of the reference script, with its two NetStims (gids 1
/// and 2). Returns the network and the sections to record.
fn branched() -> (Network, Vec<(&'static str, Location)>) {
    let mut cell = CableCell::new("branched");
    let soma = section(&mut cell, "soma", 20.0, 20.0, 1, 120.0, 1.0);
    cell.insert(soma, "hh").unwrap();
    let dend1 = section(&mut cell, "dend1", 400.0, 2.0, 9, 150.0, 1.5);
    pas(&mut cell, dend1, 0.0002, -65.0);
    cell.connect(dend1, soma, 1.0).unwrap();
    let dend2 = section(&mut cell, "dend2", 150.0, 1.2, 4, 100.0, 1.0);
    pas(&mut cell, dend2, 0.0005, -70.0);
    cell.insert(dend2, "hh").unwrap();
    cell.set_parameter(dend2, "hh", "gnabar", 0.03).unwrap();
    cell.set_parameter(dend2, "hh", "gkbar", 0.01).unwrap();
    cell.connect(dend2, soma, 0.5).unwrap();
    let dend3 = section(&mut cell, "dend3", 120.0, 0.8, 3, 150.0, 1.0);
    pas(&mut cell, dend3, 0.0002, -65.0);
    cell.connect(dend3, dend1, 0.6).unwrap();
    let dend4 = section(&mut cell, "dend4", 80.0, 0.6, 2, 150.0, 1.0);
    pas(&mut cell, dend4, 0.0002, -65.0);
    cell.connect(dend4, dend1, 1.0).unwrap();
    let axon = section(&mut cell, "axon", 500.0, 1.0, 21, 100.0, 1.0);
    cell.insert(axon, "hh").unwrap();
    cell.connect(axon, soma, 0.0).unwrap();

    let ic = cell.add_point_process(Location::new(soma, 0.5), "IClamp").unwrap();
    cell.set_point_parameter(ic, "del", 2.0).unwrap();
    cell.set_point_parameter(ic, "dur", 3.0).unwrap();
    cell.set_point_parameter(ic, "amp", 0.25).unwrap();
    let syn1 = cell.add_point_process(Location::new(dend1, 0.8), "Exp2Syn").unwrap();
    cell.set_point_parameter(syn1, "tau1", 0.5).unwrap();
    cell.set_point_parameter(syn1, "tau2", 4.0).unwrap();
    cell.set_point_parameter(syn1, "e", 0.0).unwrap();
    let syn2 = cell.add_point_process(Location::new(dend2, 0.3), "ExpSyn").unwrap();
    cell.set_point_parameter(syn2, "tau", 3.0).unwrap();
    cell.set_point_parameter(syn2, "e", -80.0).unwrap();
    cell.set_spike_detector(Location::new(axon, 1.0), 0.0).unwrap();

    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    let stim = |start, number, interval| NetStimParams { start, number, interval, noise: 0.0, random_ids: None };
    net.add_netstim(1, stim(5.0, 4.0, 6.0)).unwrap();
    net.add_netstim(2, stim(12.0, 3.0, 10.0)).unwrap();
    net.connect(1, NetConTarget::PointProcess { gid: 0, point_process: syn1 }, 0.004, 2.0).unwrap();
    net.connect(2, NetConTarget::PointProcess { gid: 0, point_process: syn2 }, 0.002, 0.5).unwrap();
    let probes = vec![
        ("soma_v", Location::new(soma, 0.5)),
        ("dend1_0.8_v", Location::new(dend1, 0.8)),
        ("dend3_0.5_v", Location::new(dend3, 0.5)),
        ("axon_1_v", Location::new(axon, 1.0)),
        ("dend2_0.3_v", Location::new(dend2, 0.3)),
    ];
    (net, probes)
}

fn compare(
    net: &Network,
    probes: &[(&str, Location)],
    config: SimulationConfig,
    tstop: f64,
    traces: &str,
    spikes: &str,
) {
    let mut sim = Simulation::new(net, config).unwrap();
    sim.set_global("hh", "usetable", 0.0).unwrap(); // references: usetable_hh = 0
    let ids: Vec<_> = probes.iter().map(|(_, loc)| sim.record_voltage(0, *loc).unwrap()).collect();
    sim.finitialize(-65.0).unwrap();
    sim.run(tstop).unwrap();
    let reference = reference_traces(traces);
    for ((name, _), id) in probes.iter().zip(ids) {
        let (dv, at) = max_abs_diff(&sim.trace(id).unwrap().values, &reference.column(name));
        println!("{traces} {name}: max |dv| = {dv:e} mV at step {at}");
        assert!(dv <= 1e-6, "{name}: max |dv| = {dv} mV at step {at}");
    }
    let ours: Vec<_> = sim.spikes().iter().copied().filter(|s| s.gid == 0).collect();
    assert_same_spikes(&ours, &reference_spikes(spikes), config.dt);
}

#[test]
fn branched_cell_matches_neuron() {
    let (net, probes) = branched();
    compare(&net, &probes, SimulationConfig::default(), 60.0, "branched_v.csv", "branched_spikes.csv");
}

#[test]
fn branched_cell_at_dt_0_01_and_16_celsius_matches_neuron() {
    let (net, probes) = branched();
    let config = SimulationConfig { dt: 0.01, celsius: 16.0, ..SimulationConfig::default() };
    compare(&net, &probes, config, 40.0, "branched_dt01_v.csv", "branched_dt01_spikes.csv");
}

fn pt3d_cell() -> (CableCell, [SectionId; 3]) {
    let mut cell = CableCell::new("pt3d");
    let soma = section(&mut cell, "soma", 1.0, 1.0, 1, 110.0, 1.0);
    for (x, y, z, d) in [(0.0, 0.0, 0.0, 18.0), (7.0, 0.0, 0.0, 20.0), (15.0, 0.0, 0.0, 16.0)] {
        cell.pt3d_add(soma, x, y, z, d).unwrap();
    }
    cell.insert(soma, "hh").unwrap();
    let dend = section(&mut cell, "dend", 1.0, 1.0, 5, 140.0, 1.2);
    cell.connect(dend, soma, 1.0).unwrap();
    for (x, y, z, d) in [
        (15.0, 0.0, 0.0, 3.0),
        (40.0, 10.0, 0.0, 2.5),
        (90.0, 12.0, 5.0, 2.0),
        (160.0, 30.0, 5.0, 1.6),
        (200.0, 35.0, 8.0, 1.0),
    ] {
        cell.pt3d_add(dend, x, y, z, d).unwrap();
    }
    pas(&mut cell, dend, 0.0003, -65.0);
    let dend2 = section(&mut cell, "dend2", 100.0, 1.5, 3, 100.0, 1.0);
    cell.connect(dend2, soma, 0.0).unwrap();
    pas(&mut cell, dend2, 0.0003, -65.0);
    cell.define_shape().unwrap();
    (cell, [soma, dend, dend2])
}

#[test]
fn pt3d_geometry_matches_neuron() {
    let (cell, sections) = pt3d_cell();
    let text = std::fs::read_to_string(data("pt3d_geometry.csv")).unwrap();
    let mut rows = text.lines().skip(1);
    for id in sections {
        let section = &cell.sections()[id.index()];
        let electrics = section.electrics();
        for k in 0..section.nseg() {
            let row: Vec<&str> = rows.next().unwrap().split(',').collect();
            assert_eq!(row[0], section.name());
            let (area, ri, diam): (f64, f64, f64) =
                (row[2].parse().unwrap(), row[3].parse().unwrap(), row[4].parse().unwrap());
            let ours_ri = 1.0 / electrics.rinv[k];
            assert!(
                (electrics.area[k] - area).abs() <= 1e-12 * area,
                "{} area {} vs {area}",
                row[0],
                electrics.area[k]
            );
            assert!((ours_ri - ri).abs() <= 1e-12 * ri, "{} ri {ours_ri} vs {ri}", row[0]);
            assert!(
                (electrics.diam[k] - diam).abs() <= 1e-12 * diam,
                "{} diam {} vs {diam}",
                row[0],
                electrics.diam[k]
            );
        }
    }
}

#[test]
fn pt3d_cell_matches_neuron() {
    let (mut cell, [soma, dend, dend2]) = pt3d_cell();
    let ic = cell.add_point_process(Location::new(soma, 0.5), "IClamp").unwrap();
    cell.set_point_parameter(ic, "del", 1.0).unwrap();
    cell.set_point_parameter(ic, "dur", 2.0).unwrap();
    cell.set_point_parameter(ic, "amp", 0.4).unwrap();
    let syn = cell.add_point_process(Location::new(dend, 0.7), "ExpSyn").unwrap();
    cell.set_point_parameter(syn, "tau", 2.0).unwrap();
    cell.set_spike_detector(Location::new(soma, 0.5), 10.0).unwrap();
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    net.add_netstim(1, NetStimParams { start: 20.0, number: 2.0, interval: 10.0, ..NetStimParams::default() }).unwrap();
    net.connect(1, NetConTarget::PointProcess { gid: 0, point_process: syn }, 0.01, 1.0).unwrap();
    let probes = [
        ("soma_v", Location::new(soma, 0.5)),
        ("dend_0.7_v", Location::new(dend, 0.7)),
        ("dend2_1_v", Location::new(dend2, 1.0)),
    ];
    compare(&net, &probes, SimulationConfig::default(), 50.0, "pt3d_v.csv", "pt3d_spikes.csv");
}

#[test]
fn noisy_netstims_match_neuron_random123_streams() {
    let mut net = Network::new();
    net.add_netstim(
        0,
        NetStimParams { start: 5.0, interval: 4.0, number: 50.0, noise: 0.5, random_ids: Some((1, 2, 3)) },
    )
    .unwrap();
    net.add_netstim(
        1,
        NetStimParams { start: 0.0, interval: 2.0, number: 30.0, noise: 1.0, random_ids: Some((7, 0, 0)) },
    )
    .unwrap();
    // Default stream: (1, 0, gid + 1) = NEURON's (1, 0, 3) for the third NetStim.
    net.add_netstim(2, NetStimParams { start: 10.0, interval: 5.0, number: 20.0, noise: 0.3, random_ids: None })
        .unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    sim.set_global("hh", "usetable", 0.0).unwrap(); // references: usetable_hh = 0
    sim.finitialize(-65.0).unwrap();
    sim.run(200.0).unwrap();
    let reference = reference_spikes("netstim_noise_spikes.csv");
    let ours = sim.spikes();
    assert_eq!(ours.len(), reference.len());
    for (a, b) in ours.iter().zip(&reference) {
        assert_eq!(a.gid, b.gid);
        // Artificial-cell spikes are event times: exactly NEURON's.
        assert_eq!(a.time, b.time, "ours {a:?} NEURON {b:?}");
    }
}

/// The geometry-edits model of the reference script: nseg changed after an
/// ExpSyn, an IClamp and the detector were placed (3 -> 5 -> 3), then
/// per-segment diam and cm set through segments.
#[test]
fn nseg_changes_after_placement_and_per_segment_diam_cm_match_neuron() {
    let mut cell = CableCell::new("edited");
    let soma = section(&mut cell, "soma", 20.0, 20.0, 1, 35.4, 1.0);
    cell.insert(soma, "hh").unwrap();
    let dend = section(&mut cell, "dend", 300.0, 1.0, 3, 120.0, 1.0);
    pas(&mut cell, dend, 0.0002, -65.0);
    cell.connect(dend, soma, 1.0).unwrap();
    let dend2 = section(&mut cell, "dend2", 200.0, 500.0, 4, 100.0, 1.0);
    cell.insert(dend2, "pas").unwrap();
    cell.connect(dend2, soma, 0.0).unwrap();
    let syn = cell.add_point_process(Location::new(dend, 0.3), "ExpSyn").unwrap();
    cell.set_point_parameter(syn, "tau", 2.0).unwrap();
    let ic = cell.add_point_process(Location::new(dend, 0.1), "IClamp").unwrap();
    cell.set_point_parameter(ic, "del", 2.0).unwrap();
    cell.set_point_parameter(ic, "dur", 2.0).unwrap();
    cell.set_point_parameter(ic, "amp", 0.3).unwrap();
    cell.set_spike_detector(Location::new(dend, 0.75), -40.0).unwrap();

    let positions = std::fs::read_to_string(data("geometry_edits_x.csv")).unwrap();
    let rows: Vec<Vec<String>> =
        positions.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect();
    let x_of = |cell: &CableCell, id| cell.point_processes()[neurite::PointProcessId::index(&id)].location.x;
    let start: Vec<f64> = rows[0][1..].iter().map(|v| v.parse().unwrap()).collect();
    // Before any change NEURON reports the segment centre; the point is in it.
    for (x, centre) in [(0.3, start[0]), (0.1, start[1]), (0.75, start[2])] {
        assert_eq!((x * 3.0) as usize, (centre * 3.0) as usize);
    }
    for (row, nseg) in rows[1..].iter().zip([5, 3]) {
        cell.set_nseg(dend, nseg).unwrap();
        let expected: Vec<f64> = row[1..].iter().map(|v| v.parse().unwrap()).collect();
        assert_eq!(x_of(&cell, syn), expected[0], "ExpSyn after nseg {nseg}");
        assert_eq!(x_of(&cell, ic), expected[1], "IClamp after nseg {nseg}");
        assert_eq!(cell.spike_detector().unwrap().location.x, expected[2], "detector after nseg {nseg}");
    }
    for k in 0..3 {
        let x = (k as f64 + 0.5) / 3.0;
        cell.set_diam_at(Location::new(dend, x), 0.6 + x).unwrap();
        cell.set_cm_at(Location::new(dend, x), 1.0 + 0.5 * x).unwrap();
    }
    for k in 0..4 {
        let x = (k as f64 + 0.5) / 4.0;
        cell.set_diam_at(Location::new(dend2, x), 2.0 - 1.5 * x).unwrap();
        cell.set_cm_at(Location::new(dend2, x), 0.8 + x).unwrap();
    }
    let syn_x = x_of(&cell, syn);
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    let stim = NetStimParams { start: 5.0, number: 3.0, interval: 8.0, noise: 0.0, random_ids: None };
    net.add_netstim(1, stim).unwrap();
    net.connect(1, NetConTarget::PointProcess { gid: 0, point_process: syn }, 0.01, 1.0).unwrap();
    let probes = vec![
        ("soma_v", Location::new(soma, 0.5)),
        ("dend_syn_v", Location::new(dend, syn_x)),
        ("dend_0.5_v", Location::new(dend, 0.5)),
        ("dend2_0.9_v", Location::new(dend2, 0.9)),
    ];
    compare(&net, &probes, SimulationConfig::default(), 40.0, "geometry_edits_v.csv", "geometry_edits_spikes.csv");
}

/// The netstim-default-streams model: NetStims without explicit ids get
/// NEURON's default streams (1, 0, n), numbered by owner gid (NEURON's
/// creation order here), whatever the decomposition; a cell's own NetStim's
/// spikes can be recorded.
#[test]
fn netstims_without_ids_use_neurons_default_streams_on_any_decomposition() {
    let build = |keep: &dyn Fn(u64) -> bool| {
        let mut net = Network::new();
        for (gid, start, interval, number) in [(0, 2.0, 5.0, 20.0), (1, 0.0, 3.0, 30.0)] {
            if keep(gid) {
                net.add_netstim(gid, NetStimParams { start, interval, number, noise: 1.0, random_ids: None }).unwrap();
            }
        }
        let mut cell = CableCell::new("soma");
        let soma = section(&mut cell, "soma", 20.0, 20.0, 1, 35.4, 1.0);
        cell.insert(soma, "hh").unwrap();
        let syn = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn").unwrap();
        cell.set_point_parameter(syn, "tau", 2.0).unwrap();
        let own = cell
            .add_netstim(NetStimParams { start: 1.0, interval: 8.0, number: 10.0, noise: 0.5, random_ids: None })
            .unwrap();
        cell.connect_netstim(own, syn, 0.01, 1.0).unwrap();
        cell.set_spike_detector(Location::new(soma, 0.5), 10.0).unwrap();
        if keep(2) {
            net.add_cable_cell(2, cell).unwrap();
        }
        (net, own)
    };
    let reference = reference_spikes("netstim_default_streams_spikes.csv");
    let own_reference: Vec<f64> =
        reference_spikes("netstim_default_streams_own_stim.csv").iter().map(|s| s.time).collect();
    for nhost in [1, 3] {
        let results = neurite::run_thread_ranks(nhost, |comm| {
            let rank = neurite::Communicator::rank(&comm);
            let (net, own) = build(&|gid| gid as usize % nhost == rank);
            let mut sim = Simulation::with_communicator(&net, SimulationConfig::default(), comm).unwrap();
            sim.set_global("hh", "usetable", 0.0).unwrap(); // references: usetable_hh = 0
            let log = net.cell(2).map(|_| sim.record_netstim_spikes(2, own).unwrap());
            sim.finitialize(-65.0).unwrap();
            sim.run(100.0).unwrap();
            let own_spikes = log.map(|id| sim.netstim_spikes(id).unwrap().to_vec());
            (sim.gather_spikes().unwrap(), own_spikes)
        });
        for (spikes, _) in &results {
            assert_same_spikes(spikes, &reference, 0.025);
        }
        let own_spikes = results.iter().find_map(|(_, own)| own.clone()).unwrap();
        assert_eq!(own_spikes.len(), own_reference.len(), "{own_spikes:?}");
        for (a, b) in own_spikes.iter().zip(&own_reference) {
            assert_eq!(a.to_bits(), b.to_bits(), "own NetStim spike {a} vs NEURON {b} ({nhost} ranks)");
        }
    }
}

/// The cases of the event-ties model (scripts/neuron_reference.py,
/// EVENT_TIE_CASES): (sources (gid, start) in order, NetCons to T (source,
/// weight, delay) in order).
type TieCase = (&'static [(u64, f64)], &'static [(u64, f64, f64)]);
const EVENT_TIE_CASES: [TieCase; 9] = [
    (&[(1, 9.0)], &[(1, 1.0, 3.0), (1, -1.0, 3.0)]),
    (&[(1, 9.0)], &[(1, -1.0, 3.0), (1, 1.0, 3.0)]),
    (&[(1, 8.0), (2, 9.0)], &[(1, 1.0, 4.0), (2, -1.0, 3.0)]),
    (&[(1, 9.0), (2, 8.0)], &[(1, 1.0, 3.0), (2, -1.0, 4.0)]),
    (&[(1, 9.0), (2, 9.0)], &[(1, 1.0, 3.0), (2, -1.0, 3.0)]),
    (&[(1, 9.0), (2, 9.0)], &[(2, -1.0, 3.0), (1, 1.0, 3.0)]),
    (&[(1, 3.0), (2, 7.0)], &[(1, 1.0, 7.0), (2, -1.0, 3.0)]),
    (&[(1, 7.0), (2, 3.0)], &[(1, 1.0, 3.0), (2, -1.0, 7.0)]),
    (&[(1, 7.0)], &[(1, -1.0, 3.0)]),
];

/// The one case where NEURON's order comes from its queue's internals (see
/// `EventKey`), not from when events were sent.
const QUEUE_QUIRK_CASE: usize = 7;

/// Events due at the same time at one NetStim are delivered in NEURON's
/// order: start and stop events arriving together, and arriving when its own
/// next spike is due. Checked on 1 and 2 ranks.
#[test]
fn events_due_at_the_same_time_are_delivered_in_neurons_order() {
    let text = std::fs::read_to_string(data("event_ties_spikes.csv")).unwrap();
    let rows: Vec<(usize, f64)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let (case, t) = l.split_once(',').unwrap();
            (case.parse().unwrap(), t.parse().unwrap())
        })
        .collect();
    for (case, (sources, netcons)) in EVENT_TIE_CASES.iter().enumerate() {
        let expected: Vec<f64> = rows.iter().filter(|(c, _)| *c == case).map(|(_, t)| *t).collect();
        for nhost in [1, 2] {
            let results = neurite::run_thread_ranks(nhost, |comm| {
                let rank = neurite::Communicator::rank(&comm);
                let mut net = Network::new();
                let stim = |start, number| NetStimParams { start, number, interval: 5.0, noise: 0.0, random_ids: None };
                if rank == 0 {
                    net.add_netstim(0, stim(0.0, 1e9)).unwrap();
                    for &(source, weight, delay) in netcons.iter() {
                        net.connect(source, NetConTarget::NetStim { gid: 0 }, weight, delay).unwrap();
                    }
                }
                for &(gid, start) in sources.iter() {
                    if gid as usize % nhost == rank {
                        net.add_netstim(gid, stim(start, 1.0)).unwrap();
                    }
                }
                let config = SimulationConfig { max_step: 10.0, ..Default::default() };
                let mut sim = Simulation::with_communicator(&net, config, comm).unwrap();
                sim.set_global("hh", "usetable", 0.0).unwrap(); // references: usetable_hh = 0
                sim.finitialize(-65.0).unwrap();
                sim.run(22.2).unwrap();
                sim.gather_spikes().unwrap()
            });
            let got: Vec<f64> = results[0].iter().filter(|s| s.gid == 0).map(|s| s.time).collect();
            if case == QUEUE_QUIRK_CASE {
                // NEURON delivers the start event (sent at 7) before T's own
                // self event (sent at 5): its queue moved that self event
                // behind its equal-time peers when an earlier event was
                // inserted, so T runs two spike trains. neurite delivers in
                // send order (stop, self event, start): one train.
                assert_eq!(expected, [0.0, 5.0, 10.0, 10.0, 15.0, 15.0, 20.0, 20.0]);
                assert_eq!(got, [0.0, 5.0, 10.0, 15.0, 20.0], "case {case} on {nhost} ranks");
                continue;
            }
            assert_eq!(got, expected, "case {case} on {nhost} ranks: {sources:?} {netcons:?}");
        }
    }
}

/// The reversed models: sections connected by their 1 end, children on a
/// reversed section (at its interior, x = 0.2 with a tie, and its tip), a
/// tapered 3-D axon connected by its 1 end, an nseg change after placement;
/// with and without define_shape.
fn reversed_model(shape: bool) -> (Network, Vec<(&'static str, Location)>, CableCell) {
    let mut cell = CableCell::new("reversed");
    let soma = section(&mut cell, "soma", 20.0, 20.0, 1, 35.4, 1.0);
    cell.insert(soma, "hh").unwrap();
    let dend = section(&mut cell, "dend", 300.0, 1.0, 1, 120.0, 1.0);
    pas(&mut cell, dend, 0.0002, -65.0);
    cell.connect_end(dend, 1.0, soma, 1.0).unwrap();
    let syn = cell.add_point_process(Location::new(dend, 0.3), "ExpSyn").unwrap();
    cell.set_point_parameter(syn, "tau", 2.0).unwrap();
    let ic = cell.add_point_process(Location::new(dend, 0.1), "IClamp").unwrap();
    cell.set_point_parameter(ic, "del", 2.0).unwrap();
    cell.set_point_parameter(ic, "dur", 2.0).unwrap();
    cell.set_point_parameter(ic, "amp", 0.2).unwrap();
    let positions = std::fs::read_to_string(data("reversed_x.csv")).unwrap();
    for (row, nseg) in positions.lines().skip(2).zip([2, 5]) {
        cell.set_nseg(dend, nseg).unwrap();
        let expected: Vec<f64> = row.split(',').skip(1).map(|v| v.parse().unwrap()).collect();
        for (id, x) in [(syn, expected[0]), (ic, expected[1])] {
            assert_eq!(cell.point_processes()[id.index()].location.x, x, "after nseg {nseg}");
        }
    }
    for k in 0..5 {
        let x = (k as f64 + 0.5) / 5.0;
        cell.set_diam_at(Location::new(dend, x), 0.8 + x).unwrap();
    }
    let tuft = section(&mut cell, "tuft", 100.0, 0.7, 3, 35.4, 1.0);
    cell.insert(tuft, "pas").unwrap();
    cell.connect(tuft, dend, 0.2).unwrap();
    let tip = section(&mut cell, "tip", 50.0, 0.5, 2, 35.4, 1.0);
    cell.insert(tip, "pas").unwrap();
    cell.connect(tip, dend, 0.0).unwrap();
    let axon = section(&mut cell, "axon", 1.0, 1.0, 7, 100.0, 1.0);
    cell.insert(axon, "hh").unwrap();
    for k in 0..5 {
        cell.pt3d_add(axon, 0.0, -10.0 - 50.0 * k as f64, 0.0, 4.0 - 0.75 * k as f64).unwrap();
    }
    cell.connect_end(axon, 1.0, soma, 0.0).unwrap();
    if shape {
        cell.define_shape().unwrap();
    }
    cell.set_spike_detector(Location::new(soma, 0.5), 0.0).unwrap();
    let mut net = Network::new();
    net.add_cable_cell(0, cell.clone()).unwrap();
    let stim = NetStimParams { start: 5.0, number: 2.0, interval: 10.0, noise: 0.0, random_ids: None };
    net.add_netstim(1, stim).unwrap();
    net.connect(1, NetConTarget::PointProcess { gid: 0, point_process: syn }, 0.02, 1.0).unwrap();
    let probes = vec![
        ("soma_v", Location::new(soma, 0.5)),
        ("dend_0.1_v", Location::new(dend, 0.1)),
        ("dend_0.9_v", Location::new(dend, 0.9)),
        ("tuft_0.5_v", Location::new(tuft, 0.5)),
        ("tip_1_v", Location::new(tip, 1.0)),
        ("axon_0.2_v", Location::new(axon, 0.2)),
    ];
    (net, probes, cell)
}

fn check_reversed_geometry(cell: &CableCell, file: &str) {
    let text = std::fs::read_to_string(data(file)).unwrap();
    let mut row = 0;
    for name in ["dend", "axon", "tuft"] {
        let id = cell.find_section(name).unwrap();
        let electrics = cell.section(id).unwrap().electrics();
        let ri = electrics.ri();
        for (k, (&our_area, &our_ri)) in electrics.area.iter().zip(&ri).enumerate() {
            let line = text.lines().nth(1 + row).unwrap();
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields[0], name);
            let (area, r): (f64, f64) = (fields[2].parse().unwrap(), fields[3].parse().unwrap());
            assert!((our_area - area).abs() <= 1e-12 * area, "{name} {k}: area {our_area} vs {area}");
            assert!((our_ri - r).abs() <= 1e-12 * r, "{name} {k}: ri {our_ri} vs {r}");
            row += 1;
        }
    }
}

#[test]
fn sections_connected_by_their_1_end_match_neuron() {
    let (net, probes, cell) = reversed_model(false);
    check_reversed_geometry(&cell, "reversed_geometry.csv");
    compare(&net, &probes, SimulationConfig::default(), 30.0, "reversed_v.csv", "reversed_spikes.csv");
}

#[test]
fn sections_connected_by_their_1_end_after_define_shape_match_neuron() {
    let (net, probes, cell) = reversed_model(true);
    check_reversed_geometry(&cell, "reversed_shape_geometry.csv");
    compare(&net, &probes, SimulationConfig::default(), 30.0, "reversed_shape_v.csv", "reversed_shape_spikes.csv");
}
