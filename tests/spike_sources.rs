//! Spike source cells (NEURON's VecStim): they spike at their times, with
//! VecStim's arithmetic of event times, drive synapses like any source,
//! take no events, and refuse bad times with the gid.

use neurite::{
    CableCell, Location, NetConTarget, Network, SectionGeometry, Simulation, SimulationConfig, run_thread_ranks,
};

fn network() -> (Network, neurite::PointProcessId) {
    let mut cell = CableCell::new("target");
    let soma = cell.add_section("soma", SectionGeometry { length: 10.0, diam: 10.0, nseg: 1 }).unwrap();
    cell.insert(soma, "pas").unwrap();
    let syn = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn").unwrap();
    cell.set_spike_detector(Location::new(soma, 0.5), 0.0).unwrap();
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    net.add_spike_source(1, vec![0.0, 1.0, 1.0, 5.3, 12.0]).unwrap();
    net.add_spike_source(2, vec![3.3]).unwrap();
    net.connect(1, NetConTarget::PointProcess { gid: 0, point_process: syn }, 0.001, 1.0).unwrap();
    (net, syn)
}

/// The part of `net` this rank holds: its cells and the NetCons onto them.
fn rank_part<C: neurite::Communicator>(net: &Network, pc: &neurite::ParallelContext<C>) -> Network {
    let mut local = Network::new();
    for (gid, cell) in net.cells() {
        if pc.gid_exists(gid) {
            match cell {
                neurite::CellDescription::Cable(c) => local.add_cable_cell(gid, c.clone()).unwrap(),
                neurite::CellDescription::SpikeSource(t) => local.add_spike_source(gid, t.clone()).unwrap(),
                _ => unreachable!(),
            }
        }
    }
    for (_, nc) in net.netcons() {
        if pc.gid_exists(nc.target.gid()) {
            local.connect(nc.source, nc.target, nc.weight, nc.delay).unwrap();
        }
    }
    local
}

#[test]
fn spike_sources_spike_at_their_times_and_drive_synapses() {
    let (net, _) = network();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    let soma = sim.section(0, "soma").unwrap();
    let v = sim.record_voltage(0, Location::new(soma, 0.5)).unwrap();
    sim.finitialize(-70.0).unwrap();
    sim.run(10.0).unwrap();
    let spikes: Vec<(u64, f64)> = sim.spikes().iter().map(|s| (s.gid, s.time)).collect();
    // 12 ms is after tstop; the repeated 1 ms is two spikes.
    assert_eq!(spikes, [(1, 0.0), (1, 1.0), (1, 1.0), (2, 3.3), (1, 5.3)]);
    // The synapse depolarizes the cell after the first event arrives (1 ms).
    let trace = sim.trace(v).unwrap();
    assert_eq!(trace.values[30], -70.0, "nothing before the first event arrives");
    assert!(trace.values[60] > -70.0);
    // Any decomposition: the same spikes.
    for ranks in [2, 3] {
        let all = run_thread_ranks(ranks, |comm| {
            let mut pc = neurite::ParallelContext::new(comm, SimulationConfig::default());
            let (net, _) = network();
            for gid in 0..3 {
                pc.set_gid2node(gid, gid as usize % ranks).unwrap();
            }
            pc.add_network(rank_part(&net, &pc)).unwrap();
            pc.setup().unwrap();
            pc.finitialize(-70.0).unwrap();
            pc.psolve(10.0).unwrap();
            pc.gather_spikes().unwrap().iter().map(|s| (s.gid, s.time)).collect::<Vec<_>>()
        });
        for got in all {
            assert_eq!(got, spikes, "{ranks} ranks");
        }
    }
}

#[test]
fn spike_sources_take_no_events_and_refuse_bad_times() {
    let (mut net, _) = network();
    let err = net.connect(0, NetConTarget::Artificial { gid: 2 }, 1.0, 1.0).unwrap_err();
    assert!(err.to_string().contains("spike source"), "{err}");
    let mut net = Network::new();
    let err = net.add_spike_source(7, vec![1.0, 0.5]).unwrap_err();
    assert!(err.to_string().contains("gid 7") && err.to_string().contains("[1]"), "{err}");
    assert!(net.add_spike_source(7, vec![f64::NAN]).is_err());
    assert!(net.add_spike_source(7, vec![-1.0]).is_err());
    assert!(net.add_spike_source(7, Vec::new()).is_ok(), "a source without times is silent");
}

/// Two cells (0 drives 3 with a 2 ms NetCon) and a spike source (gid 1)
/// onto cell 0 with a delay of only 0.1 ms.
fn network_with_fast_source() -> Network {
    let mut net = Network::new();
    let mut syns = Vec::new();
    for gid in [0, 3] {
        let mut cell = CableCell::new("cell");
        let soma = cell.add_section("soma", SectionGeometry { length: 20.0, diam: 20.0, nseg: 1 }).unwrap();
        cell.insert(soma, "hh").unwrap();
        syns.push(cell.add_point_process(Location::new(soma, 0.5), "ExpSyn").unwrap());
        cell.set_spike_detector(Location::new(soma, 0.5), 0.0).unwrap();
        net.add_cable_cell(gid, cell).unwrap();
    }
    net.add_spike_source(1, vec![2.0, 9.0, 9.05]).unwrap();
    net.connect(1, NetConTarget::PointProcess { gid: 0, point_process: syns[0] }, 0.05, 0.1).unwrap();
    net.connect(0, NetConTarget::PointProcess { gid: 3, point_process: syns[1] }, 0.05, 2.0).unwrap();
    net
}

#[test]
fn spike_source_events_are_queued_ahead_and_do_not_bound_the_exchange_interval() {
    // The spike source's times are fixed: its 0.1 ms NetCon gets its events
    // at initialization, and spikes are exchanged every 2 ms (the cells'
    // NetCon), not every 0.1 ms.
    let net = network_with_fast_source();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    assert_eq!(sim.min_delay(), 2.0);
    let soma = sim.section(3, "soma").unwrap();
    let v = sim.record_voltage(3, Location::new(soma, 0.5)).unwrap();
    sim.finitialize(-65.0).unwrap();
    sim.run(20.0).unwrap();
    let spikes: Vec<(u64, f64)> = sim.spikes().iter().map(|s| (s.gid, s.time)).collect();
    assert!(spikes.iter().any(|s| s.0 == 3), "cell 3 fires after cell 0: {spikes:?}");
    let trace: Vec<u64> = sim.trace(v).unwrap().values.iter().map(|x| x.to_bits()).collect();
    // The source on another rank than its target: the same bits.
    for ranks in [2, 3] {
        let all = run_thread_ranks(ranks, |comm| {
            let mut pc = neurite::ParallelContext::new(comm, SimulationConfig::default());
            for gid in [0, 1, 3] {
                pc.set_gid2node(gid, gid as usize % ranks).unwrap();
            }
            pc.add_network(rank_part(&net, &pc)).unwrap();
            let has_target = pc.gid_exists(3);
            let sim = pc.setup().unwrap();
            assert_eq!(sim.min_delay(), 2.0);
            let trace = if has_target {
                let soma = sim.section(3, "soma").unwrap();
                Some(sim.record_voltage(3, Location::new(soma, 0.5)).unwrap())
            } else {
                None
            };
            pc.finitialize(-65.0).unwrap();
            pc.psolve(20.0).unwrap();
            let spikes: Vec<(u64, f64)> = pc.gather_spikes().unwrap().iter().map(|s| (s.gid, s.time)).collect();
            let sim = pc.simulation().unwrap();
            let values = trace.map(|t| sim.trace(t).unwrap().values.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            (spikes, values)
        });
        for (got, values) in all {
            assert_eq!(got, spikes, "{ranks} ranks");
            if let Some(values) = values {
                assert_eq!(values, trace, "{ranks} ranks: cell 3's voltage");
            }
        }
    }
}
