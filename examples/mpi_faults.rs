//! Shows how a distributed run fails: `--fault KIND` makes one rank (or the
//! setup) go wrong, and the whole job must end with that message, never hang.
//! Used by `.ci/mpi-tests` under `mpiexec -n 3`.
//!
//! KIND: `nan` (a voltage blows up on rank 1), `panic` (rank 1 panics
//! mid-run), `duplicate-gid` (a gid set on two ranks), `missing-source` (a
//! NetCon from a gid that exists nowhere), `short-delay` (a delay below dt),
//! `local-setup` (rank 1 fails building its cell, before any collective),
//! `local-run` (rank 1 returns an error between two psolves, while the
//! others go on), `none` (a healthy run).

use clap::Parser;
use neurite::{
    CableCell, Communicator, Gid, Location, NetConTarget, NetStimParams, ParallelContext, SectionGeometry,
    SimulationConfig,
};

#[derive(Parser, Debug)]
struct Args {
    /// Which fault to inject.
    #[arg(long, default_value = "none")]
    fault: String,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    neurite::launch("mpi_faults", |comm| {
        let rank = comm.rank();
        let spikes = run(&args.fault, comm)?;
        if rank == 0 {
            println!("mpi_faults: healthy run, {spikes} spikes");
        }
        Ok(())
    })
}

fn run<C: Communicator>(fault: &str, comm: C) -> neurite::Result<usize> {
    let mut pc = ParallelContext::new(comm, SimulationConfig::default());
    let n: Gid = 6;
    let nhost = pc.nhost() as Gid;
    for gid in 0..n {
        pc.set_gid2node(gid, (gid % nhost) as usize)?;
    }
    let mine: Vec<Gid> = (0..n).filter(|&g| pc.gid_exists(g)).collect();
    for gid in mine {
        let mut cell = CableCell::new("chain");
        let nseg = if fault == "local-setup" && pc.id() == 1 { 0 } else { 1 };
        let soma = cell.add_section("soma", SectionGeometry { length: 15.0, diam: 15.0, nseg })?;
        cell.insert(soma, "hh")?;
        let syn = cell.add_point_process(Location::new(soma, 0.5), "ExpSyn")?;
        let clamp = cell.add_point_process(Location::new(soma, 0.5), "IClamp")?;
        cell.set_point_parameter(clamp, "del", 1.0)?;
        cell.set_point_parameter(clamp, "dur", 1.0)?;
        let amp = match (fault, gid) {
            ("nan", 1) => 1e308,
            (_, 0) => 1.0,
            _ => 0.0,
        };
        cell.set_point_parameter(clamp, "amp", amp)?;
        cell.set_spike_detector(Location::new(soma, 0.5), 0.0)?;
        pc.cell(gid, cell)?;
        let delay = if fault == "short-delay" { 0.01 } else { 2.0 };
        let source = if fault == "missing-source" && gid == 2 { 1000 } else { (gid + n - 1) % n };
        pc.gid_connect(source, NetConTarget::PointProcess { gid, point_process: syn }, 0.1, delay)?;
    }
    if fault == "duplicate-gid" && pc.id() == 1 {
        pc.set_gid2node(0, 1)?;
        pc.netstim(0, NetStimParams::default())?;
    }
    pc.finitialize(-65.0)?;
    pc.psolve(10.0)?;
    if fault == "panic" && pc.id() == 1 {
        panic!("rank 1 panics on purpose");
    }
    if fault == "local-run" && pc.id() == 1 {
        // A gid this rank does not have: an error only this rank sees.
        let soma = pc.simulation()?.section(1, "soma")?;
        pc.simulation()?.record_voltage(1000, Location::new(soma, 0.5))?;
    }
    pc.psolve(20.0)?;
    Ok(pc.gather_spikes()?.len())
}
