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
            pc.add_network(local).unwrap();
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
