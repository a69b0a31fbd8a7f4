//! Reliability: an error on any rank ends every rank (thread ranks here,
//! real mpiexec in `.ci/mpi-tests`), values that must agree across ranks are
//! checked, requests too large for memory and event floods are errors, and
//! values without physical meaning are rejected.

use std::time::{Duration, Instant};

use neurite::models::ring::{RingParams, build_ring};
use neurite::parallel::round_robin;
use neurite::{
    CableCell, Location, NetConTarget, NetStimParams, Network, NeuriteError, ParallelContext, SectionGeometry,
    Simulation, SimulationConfig, ThreadCommunicator, run_thread_ranks,
};

/// The ring on `nhost` thread ranks, with `fault(pc)` run on each rank after
/// the cells are added; returns each rank's result and the wall time.
fn ring_with_fault(
    nhost: usize,
    cells: usize,
    fault: impl Fn(&mut ParallelContext<ThreadCommunicator>) -> neurite::Result<()> + Sync,
) -> (Vec<neurite::Result<usize>>, Duration) {
    let started = Instant::now();
    let results = run_thread_ranks(nhost, |comm| {
        let mut pc = ParallelContext::new(comm, SimulationConfig::default());
        let params = RingParams { cells, ..Default::default() };
        for gid in round_robin(cells as u64, pc.id(), pc.nhost()) {
            pc.set_gid2node(gid, pc.id())?;
        }
        pc.add_network(build_ring(&params, |gid| pc.gid_exists(gid))?)?;
        fault(&mut pc)?;
        pc.finitialize(-65.0)?;
        pc.psolve(50.0)?;
        Ok(pc.gather_spikes()?.len())
    });
    (results, started.elapsed())
}

fn assert_failed_everywhere(results: &[neurite::Result<usize>], failing_rank: usize, message: &str) {
    for (rank, result) in results.iter().enumerate() {
        let err = result.as_ref().expect_err("every rank must fail");
        let text = err.to_string();
        if rank == failing_rank {
            assert!(text.contains(message), "rank {rank}: {text}");
        } else {
            assert!(
                matches!(err, NeuriteError::RankFailed { rank: r, .. } if *r == failing_rank),
                "rank {rank}: {err:?}"
            );
        }
    }
}

#[test]
fn a_setup_error_returned_on_one_rank_ends_the_others() {
    // As `mpiexec -n 4 ring --cells 1 --dend-nseg 0`: only rank 0 has a cell,
    // and building it fails before any collective.
    let started = Instant::now();
    let results = run_thread_ranks(4, |comm| {
        let mut pc = ParallelContext::new(comm, SimulationConfig::default());
        let params = RingParams { cells: 1, dend_nseg: 0, ..Default::default() };
        for gid in round_robin(1, pc.id(), pc.nhost()) {
            pc.set_gid2node(gid, pc.id())?;
        }
        pc.add_network(build_ring(&params, |gid| pc.gid_exists(gid))?)?;
        pc.finitialize(-65.0)?;
        pc.psolve(10.0)
    });
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(results[0].as_ref().unwrap_err().to_string().contains("nseg"), "{:?}", results[0]);
    for result in &results[1..] {
        assert!(matches!(result, Err(NeuriteError::RankFailed { rank: 0, .. })), "{result:?}");
    }
}

#[test]
fn an_error_returned_on_one_rank_between_runs_ends_the_others() {
    let (results, took) = ring_with_fault(3, 6, |_| Ok(()));
    assert!(results.iter().all(|r| r.is_ok()));
    assert!(took < Duration::from_secs(10));
    // Rank 2 fails between finitialize and psolve (a gid it does not have),
    // the others are already in psolve's exchange.
    let started = Instant::now();
    let results = run_thread_ranks(3, |comm| -> neurite::Result<usize> {
        let mut pc = ParallelContext::new(comm, SimulationConfig::default());
        let params = RingParams { cells: 6, ..Default::default() };
        for gid in round_robin(6, pc.id(), pc.nhost()) {
            pc.set_gid2node(gid, pc.id())?;
        }
        pc.add_network(build_ring(&params, |gid| pc.gid_exists(gid))?)?;
        pc.finitialize(-65.0)?;
        if pc.id() == 2 {
            let soma = pc.simulation()?.section(2, "soma")?;
            pc.simulation()?.record_voltage(1000, Location::new(soma, 0.5))?;
        }
        pc.psolve(50.0)?;
        Ok(pc.gather_spikes()?.len())
    });
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_failed_everywhere(&results, 2, "no cell has gid 1000");
}

#[test]
fn an_error_returned_on_one_rank_after_the_last_run_ends_the_gather() {
    let results = run_thread_ranks(2, |comm| -> neurite::Result<usize> {
        let mut pc = ParallelContext::new(comm, SimulationConfig::default());
        pc.set_gid2node(pc.id() as u64, pc.id())?;
        pc.netstim(pc.id() as u64, NetStimParams { start: 1.0, number: 2.0, ..Default::default() })?;
        pc.finitialize(-65.0)?;
        pc.psolve(20.0)?;
        if pc.id() == 1 {
            return Err(NeuriteError::Io { path: "out.csv".into(), message: "disk full".into() });
        }
        Ok(pc.gather_spikes()?.len())
    });
    assert_failed_everywhere(&results, 1, "disk full");
}

/// Runs a one-NetStim-per-rank model with per-rank settings and returns each
/// rank's error text.
fn disagreement(
    config: impl Fn(usize) -> SimulationConfig + Sync,
    v_init: impl Fn(usize) -> f64 + Sync,
    tstop: impl Fn(usize) -> f64 + Sync,
    identity: impl Fn(usize) -> String + Sync,
) -> Vec<String> {
    run_thread_ranks(3, |comm| {
        let rank = comm_rank(&comm);
        let mut pc = ParallelContext::new(comm, config(rank));
        pc.set_gid2node(rank as u64, rank)?;
        pc.netstim(rank as u64, NetStimParams::default())?;
        pc.set_identity(identity(rank))?;
        pc.finitialize(v_init(rank))?;
        pc.psolve(tstop(rank))
    })
    .into_iter()
    .map(|r| r.expect_err("every rank must fail").to_string())
    .collect()
}

fn comm_rank(comm: &ThreadCommunicator) -> usize {
    use neurite::Communicator;
    comm.rank()
}

#[test]
fn settings_that_differ_between_ranks_are_errors_naming_both_values() {
    let same = |_| SimulationConfig::default();
    let ident = |_| "model".to_string();
    let errors = disagreement(
        |rank| SimulationConfig { dt: if rank == 2 { 0.05 } else { 0.025 }, ..Default::default() },
        |_| -65.0,
        |_| 10.0,
        ident,
    );
    assert!(errors[0].contains("dt (ms) must be the same on every rank, but it is 0.025 on rank 0 and 0.05 on rank 2"));
    assert!(errors[1].contains("rank 0 failed") && errors[1].contains("0.05 on rank 2"), "{}", errors[1]);
    let errors = disagreement(
        |rank| SimulationConfig { celsius: 6.3 + rank as f64, ..Default::default() },
        |_| -65.0,
        |_| 10.0,
        ident,
    );
    assert!(errors[0].contains("celsius") && errors[0].contains("7.3 on rank 1"), "{}", errors[0]);
    let errors = disagreement(same, |rank| if rank == 1 { -70.0 } else { -65.0 }, |_| 10.0, ident);
    assert!(errors[0].contains("v_init") && errors[0].contains("-70 on rank 1"), "{}", errors[0]);
    let errors = disagreement(same, |_| -65.0, |rank| 10.0 * (1 + rank) as f64, ident);
    assert!(errors[0].contains("tstop") && errors[0].contains("20 on rank 1"), "{}", errors[0]);
    let errors = disagreement(same, |_| -65.0, |_| 10.0, |rank| format!("ring cells={}", 5 + rank / 2));
    assert!(
        errors[0].contains("network identity") && errors[0].contains("\"ring cells=6\" on rank 2"),
        "{}",
        errors[0]
    );
}

#[test]
fn ring_parts_built_with_other_parameters_are_refused() {
    let results = run_thread_ranks(2, |comm| {
        let mut pc = ParallelContext::new(comm, SimulationConfig::default());
        let params = RingParams { cells: 4, syn_weight: if pc.id() == 1 { 0.02 } else { 0.01 }, ..Default::default() };
        for gid in round_robin(4, pc.id(), pc.nhost()) {
            pc.set_gid2node(gid, pc.id())?;
        }
        pc.add_network(build_ring(&params, |gid| pc.gid_exists(gid))?)?;
        pc.finitialize(-65.0)
    });
    assert!(results[0].as_ref().unwrap_err().to_string().contains("network identity"), "{results:?}");
    assert!(results[1].is_err());
}

#[test]
fn nseg_beyond_neurons_bound_is_refused() {
    let mut cell = CableCell::new("c");
    let err = cell.add_section("axon", SectionGeometry { length: 10.0, diam: 1.0, nseg: 1_000_000_000 }).unwrap_err();
    assert_eq!(err.to_string(), "section `axon`: nseg must be an integer in range 1 to 32767 (got 1000000000)");
    let axon = cell.add_section("axon", SectionGeometry { length: 10.0, diam: 1.0, nseg: 32767 }).unwrap();
    assert!(cell.set_nseg(axon, 32768).is_err());
}

#[test]
fn a_ring_too_large_for_memory_is_refused_before_it_is_built() {
    let started = Instant::now();
    let params = RingParams { cells: 1_000_000_000, ..Default::default() };
    let err = build_ring(&params, |_| true).unwrap_err();
    assert!(matches!(err, NeuriteError::TooLarge { count: 1_000_000_000, .. }), "{err}");
    assert!(err.to_string().contains("ring cells") && err.to_string().contains("bytes"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn recording_a_run_too_long_for_memory_is_refused() {
    let mut cell = CableCell::new("c");
    let soma = cell.add_section("soma", SectionGeometry { length: 10.0, diam: 10.0, nseg: 1 }).unwrap();
    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    sim.record_voltage(0, Location::new(soma, 0.5)).unwrap();
    sim.finitialize(-65.0).unwrap();
    let err = sim.run(1e15).unwrap_err();
    assert!(matches!(err, NeuriteError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("psolve(1000000000000000 ms)"), "{err}");
}

#[test]
fn an_event_flood_is_an_error_naming_its_source() {
    let mut net = Network::new();
    net.add_netstim(4, NetStimParams { start: 1.0, interval: 1e-12, number: 1e15, noise: 0.0, random_ids: None })
        .unwrap();
    let config = SimulationConfig { max_events_per_step: 100_000, ..Default::default() };
    let mut sim = Simulation::new(&net, config).unwrap();
    sim.finitialize(-65.0).unwrap();
    let started = Instant::now();
    let err = sim.run(10.0).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    match &err {
        NeuriteError::EventFlood { target, t, limit } => {
            assert_eq!(target, "NetStim of gid 4");
            assert!((0.975..1.0).contains(t), "t = {t}");
            assert_eq!(*limit, 100_000);
        }
        other => panic!("expected an event flood, got {other:?}"),
    }
}

#[test]
fn values_without_physical_meaning_are_rejected() {
    let mut cell = CableCell::new("c");
    let soma = cell.add_section("soma", SectionGeometry { length: 10.0, diam: 10.0, nseg: 1 }).unwrap();
    let expsyn = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn").unwrap();
    let exp2syn = cell.add_point_process(Location::new(soma, 0.5), "Exp2Syn").unwrap();
    let clamp = cell.add_point_process(Location::new(soma, 0.5), "IClamp").unwrap();
    for bad in [0.0, -1.0] {
        let err = cell.set_point_parameter(expsyn, "tau", bad).unwrap_err();
        assert!(err.to_string().contains("ExpSyn.tau") && err.to_string().contains("limit"), "{err}");
        for tau in ["tau1", "tau2"] {
            let err = cell.set_point_parameter(exp2syn, tau, bad).unwrap_err();
            assert!(err.to_string().contains(&format!("Exp2Syn.{tau}")), "{err}");
        }
    }
    let err = cell.set_point_parameter(clamp, "dur", -1.0).unwrap_err();
    assert!(err.to_string().contains("IClamp.dur") && err.to_string().contains("limit"), "{err}");
    cell.set_point_parameter(clamp, "dur", 0.0).unwrap();
    cell.set_point_parameter(clamp, "del", 0.0).unwrap();

    let mut net = Network::new();
    net.add_cable_cell(0, cell).unwrap();
    let err = Simulation::new(&net, SimulationConfig { celsius: -300.0, ..Default::default() }).err().unwrap();
    assert!(err.to_string().contains("celsius") && err.to_string().contains("absolute zero"), "{err}");
    // The same checks at run time.
    let mut sim = Simulation::new(&net, SimulationConfig::default()).unwrap();
    assert!(sim.set_point_variable(0, expsyn, "tau", 0.0).is_err());
    assert!(sim.set_point_variable(0, clamp, "dur", -5.0).is_err());
    sim.set_point_variable(0, expsyn, "tau", 3.0).unwrap();
    assert!(matches!(sim.run(-5.0), Err(NeuriteError::NotInitialized)));
    sim.finitialize(-65.0).unwrap();
    assert!(sim.run(-5.0).is_err(), "a negative tstop is an error");
    for (interval, number) in [(0.0, 1.0), (-1.0, 1.0), (1.0, -1.0)] {
        let mut net = Network::new();
        let err = net.add_netstim(1, NetStimParams { interval, number, ..Default::default() }).unwrap_err();
        assert!(err.to_string().contains("NetStim[gid 1]"), "{err}");
    }
    let _ = NetConTarget::NetStim { gid: 1 };
}

#[test]
fn ids_of_another_cell_or_simulation_are_errors_not_other_objects() {
    let build = |name: &str| {
        let mut cell = CableCell::new(name);
        let soma = cell.add_section("soma", SectionGeometry { length: 10.0, diam: 10.0, nseg: 1 }).unwrap();
        let dend = cell.add_section("dend", SectionGeometry { length: 100.0, diam: 1.0, nseg: 3 }).unwrap();
        cell.connect(dend, soma, 1.0).unwrap();
        let syn = cell.add_point_process(Location::new(dend, 0.5), "ExpSyn").unwrap();
        (cell, soma, dend, syn)
    };
    let (mut a, a_soma, _, a_syn) = build("a");
    let (mut b, b_soma, b_dend, b_syn) = build("b");
    // Same indices, other cell: refused, naming the cell it was given to.
    let err = a.set_nseg(b_dend, 5).unwrap_err();
    assert_eq!(err.to_string(), "a section id that belongs to another cell or simulation was given to cell `a`");
    assert!(matches!(a.insert(b_soma, "hh"), Err(NeuriteError::ForeignId { kind: "section", .. })));
    assert!(matches!(a.set_point_parameter(b_syn, "tau", 3.0), Err(NeuriteError::ForeignId { .. })));
    assert!(a.add_point_process(Location::new(b_soma, 0.5), "IClamp").is_err());
    // A clone has the same sections: its ids stay valid.
    let mut a2 = a.clone();
    a2.set_point_parameter(a_syn, "tau", 3.0).unwrap();
    b.set_spike_detector(Location::new(b_soma, 0.5), 0.0).unwrap();

    let mut net = Network::new();
    net.add_cable_cell(0, a).unwrap();
    net.add_cable_cell(1, b).unwrap();
    net.add_cable_cell(2, a2).unwrap();
    let err = net.connect(1, NetConTarget::PointProcess { gid: 1, point_process: a_syn }, 0.1, 1.0).unwrap_err();
    assert!(err.to_string().contains("gid 1"), "{err}");
    net.connect(1, NetConTarget::PointProcess { gid: 2, point_process: a_syn }, 0.1, 1.0).unwrap();
    let mut one = Simulation::new(&net, SimulationConfig::default()).unwrap();
    let err = one.record_voltage(1, Location::new(a_soma, 0.5)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a section id that belongs to another cell or simulation was given to cell `b` (gid 1)"
    );
    assert!(one.point_variable(1, a_syn, "g").is_err());
    assert!(one.point_variable(0, a_syn, "g").is_ok());
    assert_eq!(one.section(1, "dend").unwrap(), b_dend);
    assert!(matches!(one.section(1, "axon"), Err(NeuriteError::UnknownSectionName { .. })));
    // Trace ids: both simulations have a trace 0 of group 0.
    let in_one = one.record_voltage(0, Location::new(a_soma, 0.5)).unwrap();
    let mut two = Simulation::new(&net, SimulationConfig::default()).unwrap();
    let in_two = two.record_voltage(1, Location::new(b_soma, 0.5)).unwrap();
    assert!(matches!(two.trace(in_one), Err(NeuriteError::ForeignId { kind: "trace", .. })));
    assert!(one.trace(in_two).is_err());
    assert!(one.trace(in_one).is_ok() && two.trace(in_two).is_ok());
}
