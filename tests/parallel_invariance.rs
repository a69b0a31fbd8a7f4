//! Results do not depend on the number of ranks, the gid-to-rank mapping or
//! the number of threads: random networks give the same spikes, bit for bit,
//! under every distribution. Also: faults on one rank end every rank.

use neurite::parallel::ParallelContext;
use neurite::{
    CableCell, Gid, Location, NetConTarget, NetStimParams, Network, NeuriteError, SectionGeometry, SimulationConfig,
    Spike, ThreadCommunicator, run_thread_ranks,
};

/// SplitMix64: a tiny deterministic generator for the random models.
struct Rng(u64);
impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

struct CellSpec {
    dend_nseg: usize,
    second_dend: bool,
    synapses: Vec<(&'static str, Vec<(&'static str, f64)>)>,
}

struct Spec {
    cells: Vec<CellSpec>,
    stims: Vec<NetStimParams>,
    /// (source, target gid, synapse index, weight, delay), in creation order.
    netcons: Vec<(Gid, Gid, usize, f64, f64)>,
}

fn random_spec(seed: u64) -> Spec {
    let mut rng = Rng(seed);
    let n_cells = 6 + rng.below(14) as usize;
    let n_stims = 1 + rng.below(4) as usize;
    let cells: Vec<CellSpec> = (0..n_cells)
        .map(|_| {
            let n_syn = 1 + rng.below(3) as usize;
            let synapses = (0..n_syn)
                .map(|k| match if k == 0 { 0 } else { rng.below(3) } {
                    0 => ("ExpSyn", vec![("tau", rng.uniform(0.5, 5.0)), ("e", 0.0)]),
                    1 => ("ExpSyn", vec![("tau", rng.uniform(2.0, 8.0)), ("e", -80.0)]),
                    _ => ("Exp2Syn", vec![("tau1", rng.uniform(0.2, 1.0)), ("tau2", rng.uniform(2.0, 6.0))]),
                })
                .collect();
            CellSpec { dend_nseg: 1 + rng.below(7) as usize, second_dend: rng.below(2) == 0, synapses }
        })
        .collect();
    let stims = (0..n_stims)
        .map(|_| NetStimParams {
            start: rng.uniform(0.0, 20.0),
            number: (1 + rng.below(20)) as f64,
            interval: rng.uniform(2.0, 15.0),
            noise: if rng.below(2) == 0 { 0.0 } else { rng.uniform(0.0, 1.0) },
            random_ids: if rng.below(2) == 0 { None } else { Some((rng.below(100) as u32, 3, 4)) },
        })
        .collect();
    let total = (n_cells + n_stims) as u64;
    // Delays drawn from a few values, so that many events tie.
    let delays = [0.025, 1.0, 1.5, 2.0, rng.uniform(1.0, 9.0)];
    let mut netcons = Vec::new();
    // Every stimulus drives some cell's excitatory synapse 0 hard enough.
    for k in 0..n_stims {
        let target = rng.below(n_cells as u64);
        netcons.push(((n_cells + k) as Gid, target, 0, 0.1, delays[rng.below(delays.len() as u64) as usize]));
    }
    for (target, cell) in cells.iter().enumerate() {
        for _ in 0..1 + rng.below(5) {
            let source = rng.below(total);
            let synapse = rng.below(cell.synapses.len() as u64) as usize;
            let weight = rng.uniform(0.02, 0.12);
            let delay = delays[rng.below(delays.len() as u64) as usize];
            netcons.push((source, target as Gid, synapse, weight, delay));
        }
    }
    Spec { cells, stims, netcons }
}

fn build_cell(spec: &CellSpec) -> CableCell {
    let mut cell = CableCell::new("random");
    let soma = cell.add_section("soma", SectionGeometry { length: 15.0, diam: 15.0, nseg: 1 }).unwrap();
    cell.insert(soma, "hh").unwrap();
    let dend = cell.add_section("dend", SectionGeometry { length: 180.0, diam: 1.2, nseg: spec.dend_nseg }).unwrap();
    cell.connect(dend, soma, 1.0).unwrap();
    cell.insert(dend, "pas").unwrap();
    cell.set_parameter(dend, "pas", "e", -65.0).unwrap();
    if spec.second_dend {
        let d2 = cell.add_section("dend2", SectionGeometry { length: 90.0, diam: 0.8, nseg: 3 }).unwrap();
        cell.connect(d2, soma, 0.0).unwrap();
        cell.insert(d2, "pas").unwrap();
    }
    for (k, (mechanism, params)) in spec.synapses.iter().enumerate() {
        let pp = cell.add_point_process(Location::new(dend, 0.1 + 0.3 * k as f64), mechanism).unwrap();
        for (name, value) in params {
            cell.set_point_parameter(pp, name, *value).unwrap();
        }
    }
    cell.set_spike_detector(Location::new(soma, 0.5), 0.0).unwrap();
    cell
}

/// The part of the network whose gids `keep` selects.
fn build(spec: &Spec, keep: &dyn Fn(Gid) -> bool) -> Network {
    let mut net = Network::new();
    let mut synapses = std::collections::HashMap::new();
    for (i, cell) in spec.cells.iter().enumerate() {
        if keep(i as Gid) {
            let built = build_cell(cell);
            synapses.insert(i as Gid, built.point_process_ids().collect::<Vec<_>>());
            net.add_cable_cell(i as Gid, built).unwrap();
        }
    }
    for (k, stim) in spec.stims.iter().enumerate() {
        let gid = (spec.cells.len() + k) as Gid;
        if keep(gid) {
            net.add_netstim(gid, *stim).unwrap();
        }
    }
    for &(source, target, synapse, weight, delay) in &spec.netcons {
        if keep(target) {
            let target = NetConTarget::PointProcess { gid: target, point_process: synapses[&target][synapse] };
            net.connect(source, target, weight, delay).unwrap();
        }
    }
    net
}

/// How gids are dealt to ranks.
#[derive(Clone, Copy, Debug)]
enum Mapping {
    RoundRobin,
    Blocks,
    Shuffled(u64),
}

fn rank_of(mapping: Mapping, gid: Gid, total: u64, nhost: usize) -> usize {
    match mapping {
        Mapping::RoundRobin => (gid % nhost as u64) as usize,
        Mapping::Blocks => (gid * nhost as u64 / total) as usize,
        Mapping::Shuffled(seed) => {
            let mut rng = Rng(seed ^ gid.wrapping_mul(0x2545_F491_4F6C_DD1D));
            rng.below(nhost as u64) as usize
        }
    }
}

/// Runs the spec on `nhost` thread ranks with `threads` per rank; every rank
/// returns the gathered spikes.
fn run(spec: &Spec, nhost: usize, threads: usize, mapping: Mapping, tstop: f64) -> Vec<Spike> {
    let total = (spec.cells.len() + spec.stims.len()) as u64;
    let results = run_thread_ranks(nhost, |comm: ThreadCommunicator| {
        let config = SimulationConfig { threads, ..SimulationConfig::default() };
        let mut pc = ParallelContext::new(comm, config);
        let (id, n) = (pc.id(), pc.nhost());
        for gid in 0..total {
            pc.set_gid2node(gid, rank_of(mapping, gid, total, n)).unwrap();
        }
        let net = build(spec, &|gid| rank_of(mapping, gid, total, n) == id);
        pc.add_network(net).unwrap();
        pc.finitialize(-65.0).unwrap();
        pc.psolve(tstop).unwrap();
        pc.gather_spikes().unwrap()
    });
    for other in &results[1..] {
        assert_eq!(bits(other), bits(&results[0]), "ranks disagree on the gathered spikes");
    }
    results.into_iter().next().unwrap()
}

fn bits(spikes: &[Spike]) -> Vec<(Gid, u64)> {
    spikes.iter().map(|s| (s.gid, s.time.to_bits())).collect()
}

#[test]
fn random_networks_give_the_same_spikes_on_any_ranks_mapping_and_threads() {
    let distributions = [
        (2, 1, Mapping::RoundRobin),
        (3, 1, Mapping::Shuffled(7)),
        (4, 1, Mapping::Blocks),
        (1, 3, Mapping::RoundRobin),
        (2, 2, Mapping::Shuffled(99)),
        (3, 2, Mapping::RoundRobin),
        (4, 3, Mapping::Shuffled(5)),
    ];
    let mut total_spikes = 0;
    for seed in 0..6 {
        let spec = random_spec(seed);
        let reference = run(&spec, 1, 1, Mapping::RoundRobin, 120.0);
        total_spikes += reference.len();
        let cells_spiking = reference.iter().filter(|s| (s.gid as usize) < spec.cells.len()).count();
        assert!(cells_spiking > 0, "seed {seed}: the random network must make its cells fire");
        for &(nhost, threads, mapping) in &distributions {
            let spikes = run(&spec, nhost, threads, mapping, 120.0);
            assert_eq!(
                bits(&spikes),
                bits(&reference),
                "seed {seed}: {nhost} ranks, {threads} threads, {mapping:?} differ from serial"
            );
        }
    }
    assert!(total_spikes > 200, "only {total_spikes} spikes: the test would prove little");
}

#[test]
fn psolve_in_pieces_equals_one_psolve() {
    let spec = random_spec(42);
    let whole = run(&spec, 1, 1, Mapping::RoundRobin, 100.0);
    let pieces = run_thread_ranks(2, |comm| {
        let mut pc = ParallelContext::new(comm, SimulationConfig::default());
        let (id, n) = (pc.id(), pc.nhost());
        let total = (spec.cells.len() + spec.stims.len()) as u64;
        for gid in 0..total {
            pc.set_gid2node(gid, rank_of(Mapping::RoundRobin, gid, total, n)).unwrap();
        }
        pc.add_network(build(&spec, &|gid| (gid % n as u64) as usize == id)).unwrap();
        pc.finitialize(-65.0).unwrap();
        for tstop in [13.3, 40.0, 40.0, 77.7, 100.0] {
            pc.psolve(tstop).unwrap();
        }
        pc.gather_spikes().unwrap()
    });
    assert_eq!(bits(&pieces[0]), bits(&whole));
}

/// One ball-and-stick cell per gid with an ExpSyn; gid k excites gid k+1.
fn chain(
    pc: &mut ParallelContext<ThreadCommunicator>,
    n: u64,
    delay: f64,
    blow_up: Option<Gid>,
) -> neurite::Result<()> {
    for gid in 0..n {
        pc.set_gid2node(gid, (gid % pc.nhost() as u64) as usize)?;
    }
    for gid in 0..n {
        if !pc.gid_exists(gid) {
            continue;
        }
        let mut cell = CableCell::new("chain");
        let soma = cell.add_section("soma", SectionGeometry { length: 15.0, diam: 15.0, nseg: 1 })?;
        cell.insert(soma, "hh")?;
        let syn = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn")?;
        let clamp = cell.add_point_process(Location::new(soma, 0.5), "IClamp")?;
        cell.set_point_parameter(clamp, "del", 1.0)?;
        cell.set_point_parameter(clamp, "dur", 1.0)?;
        let amp = if Some(gid) == blow_up {
            1e308
        } else if gid == 0 {
            1.0
        } else {
            0.0
        };
        cell.set_point_parameter(clamp, "amp", amp)?;
        cell.set_spike_detector(Location::new(soma, 0.5), 0.0)?;
        pc.cell(gid, cell)?;
        if gid > 0 {
            pc.gid_connect(gid - 1, NetConTarget::PointProcess { gid, point_process: syn }, 0.1, delay)?;
        }
    }
    Ok(())
}

#[test]
fn an_error_on_one_rank_ends_every_rank_with_its_message() {
    let results = run_thread_ranks(3, |comm| {
        let mut pc = ParallelContext::new(comm, SimulationConfig::default());
        chain(&mut pc, 6, 2.0, Some(4))?;
        pc.finitialize(-65.0)?;
        pc.psolve(20.0)
    });
    // gid 4 lives on rank 1.
    assert!(matches!(&results[1], Err(NeuriteError::NonFiniteVoltage { gid: 4, .. })), "{:?}", results[1]);
    for rank in [0, 2] {
        match &results[rank] {
            Err(NeuriteError::RankFailed { rank: 1, message }) => {
                assert!(message.contains("gid 4") && message.contains("soma"), "{message}")
            }
            other => panic!("rank {rank}: {other:?}"),
        }
    }
}

#[test]
fn a_panic_on_one_rank_does_not_hang_the_others() {
    let outcome = std::panic::catch_unwind(|| {
        run_thread_ranks(3, |comm| {
            let mut pc = ParallelContext::new(comm, SimulationConfig::default());
            chain(&mut pc, 6, 2.0, None).unwrap();
            pc.finitialize(-65.0).unwrap();
            if pc.id() == 2 {
                panic!("rank 2 gives up");
            }
            pc.psolve(20.0)
        })
    });
    // The panic reaches the caller once every rank has stopped.
    assert!(outcome.is_err());
}

fn setup_errors_on_every_rank(body: impl Fn(&mut ParallelContext<ThreadCommunicator>) -> neurite::Result<()> + Sync) {
    let results = run_thread_ranks(3, |comm| {
        let mut pc = ParallelContext::new(comm, SimulationConfig::default());
        body(&mut pc)?;
        pc.finitialize(-65.0)?;
        pc.psolve(10.0)
    });
    for (rank, result) in results.iter().enumerate() {
        assert!(result.is_err(), "rank {rank} did not see the setup error");
    }
}

#[test]
fn a_gid_on_two_ranks_is_an_error_on_every_rank() {
    setup_errors_on_every_rank(|pc| {
        chain(pc, 4, 2.0, None)?;
        // Rank 1 also claims gid 0 (rank 0's).
        if pc.id() == 1 {
            pc.set_gid2node(0, 1)?;
            pc.netstim(0, NetStimParams::default())?;
        }
        Ok(())
    });
    let results = run_thread_ranks(2, |comm| {
        let mut pc = ParallelContext::new(comm, SimulationConfig::default());
        pc.set_gid2node(9, pc.id())?;
        pc.netstim(9, NetStimParams::default())?;
        pc.finitialize(-65.0)
    });
    // Every rank finds it in the same gathered placement; rank 0 reports it
    // (printed once), the others name rank 0's error.
    assert_eq!(results[0].clone().unwrap_err(), NeuriteError::GidOnTwoRanks { gid: 9, first: 0, second: 1 });
    match results[1].clone().unwrap_err() {
        NeuriteError::RankFailed { rank: 0, message } => assert_eq!(message, "gid 9 is set on rank 0 and on rank 1"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_source_gid_that_exists_nowhere_is_an_error_on_every_rank() {
    setup_errors_on_every_rank(|pc| {
        chain(pc, 3, 2.0, None)?;
        pc.set_gid2node(3, 3 % pc.nhost())?;
        if pc.gid_exists(3) {
            let mut cell = CableCell::new("listener");
            let soma = cell.add_section("soma", SectionGeometry { length: 15.0, diam: 15.0, nseg: 1 })?;
            let syn = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn")?;
            pc.cell(3, cell)?;
            pc.gid_connect(77, NetConTarget::PointProcess { gid: 3, point_process: syn }, 0.1, 2.0)?;
        }
        Ok(())
    });
}

#[test]
fn a_delay_below_dt_or_zero_min_delay_is_an_error_on_every_rank() {
    setup_errors_on_every_rank(|pc| chain(pc, 4, 0.01, None));
    setup_errors_on_every_rank(|pc| chain(pc, 4, 0.0, None));
}

#[test]
fn cells_must_be_placed_before_they_are_added() {
    let results = run_thread_ranks(2, |comm| {
        let mut pc = ParallelContext::new(comm, SimulationConfig::default());
        pc.netstim(1, NetStimParams::default())
    });
    assert_eq!(results[0], Err(NeuriteError::GidNotOnThisRank { gid: 1, rank: 0 }));
}

#[test]
fn the_poisson_network_is_rank_and_thread_invariant_and_busy() {
    use neurite::models::poisson::{PoissonParams, build_poisson_network};
    let params = PoissonParams { cells: 40, stims: 30, inputs_per_cell: 30, ..Default::default() };
    let total = (params.cells + params.stims) as u64;
    let run = |nhost: usize, threads: usize| {
        run_thread_ranks(nhost, |comm| {
            let mut pc = ParallelContext::new(comm, SimulationConfig { threads, ..Default::default() });
            let (id, n) = (pc.id(), pc.nhost());
            for gid in 0..total {
                pc.set_gid2node(gid, (gid % n as u64) as usize).unwrap();
            }
            pc.add_network(build_poisson_network(&params, |gid| (gid % n as u64) as usize == id).unwrap()).unwrap();
            pc.finitialize(-65.0).unwrap();
            pc.psolve(300.0).unwrap();
            pc.gather_spikes().unwrap()
        })
        .remove(0)
    };
    let serial = run(1, 1);
    let cell_spikes = serial.iter().filter(|s| s.gid < params.cells as u64).count();
    assert!(cell_spikes > 100, "only {cell_spikes} cell spikes");
    assert_eq!(bits(&run(3, 2)), bits(&serial));
    assert_eq!(bits(&run(2, 1)), bits(&serial));
}

#[test]
fn ranks_without_cells_keep_time_with_the_others_over_several_psolves() {
    let spec = random_spec(3);
    let serial = run(&spec, 1, 1, Mapping::RoundRobin, 60.0);
    // Everything on rank 0; ranks 1 and 2 have no cells at all.
    let total = (spec.cells.len() + spec.stims.len()) as u64;
    let results = run_thread_ranks(3, |comm| {
        let mut pc = ParallelContext::new(comm, SimulationConfig::default());
        for gid in 0..total {
            pc.set_gid2node(gid, 0).unwrap();
        }
        let mine = pc.id() == 0;
        pc.add_network(build(&spec, &|_| mine)).unwrap();
        pc.finitialize(-65.0).unwrap();
        for tstop in [10.0, 25.0, 60.0] {
            pc.psolve(tstop).unwrap();
        }
        pc.gather_spikes().unwrap()
    });
    for spikes in results {
        assert_eq!(bits(&spikes), bits(&serial));
    }
}

#[test]
fn setup_that_failed_keeps_failing_instead_of_panicking() {
    let results = run_thread_ranks(2, |comm| {
        let mut pc = ParallelContext::new(comm, SimulationConfig { dt: -1.0, ..Default::default() });
        let first = pc.finitialize(-65.0).is_err();
        let second = pc.finitialize(-65.0).is_err();
        let barrier = pc.barrier().is_err();
        (first, second, barrier, pc.set_maxstep(0.0).is_err())
    });
    for r in results {
        assert_eq!(r, (true, true, true, true));
    }
}
