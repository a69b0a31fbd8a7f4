//! The seed ring network of NEURON's ParallelContext tutorial: N ball-and-stick
//! cells, each exciting the next, started by a NetStim onto cell 0.
//!
//! ```text
//! cargo run --release --example ring -- --cells 5 --tstop 100 --spikes s.csv --trace v.csv
//! cargo build --release --features mpi --example ring
//! mpiexec -n 4 target/release/examples/ring --cells 7 --tstop 200 --spikes s.csv
//! ```

use std::time::Instant;

use clap::Parser;
use neurite::models::ring::{RingParams, build_ring};
use neurite::parallel::round_robin;
use neurite::{
    Communicator, Location, ParallelContext, SectionId, SimulationConfig, write_spikes_csv, write_traces_csv,
};

/// Command line of the ring example (the flag names are a contract).
#[derive(Parser, Debug)]
#[command(about = "NEURON's ParallelContext ring of ball-and-stick cells")]
struct Args {
    /// Number of cells.
    #[arg(long, default_value_t = 5)]
    cells: usize,
    /// Simulated time, ms.
    #[arg(long, default_value_t = 100.0)]
    tstop: f64,
    /// Time step, ms.
    #[arg(long, default_value_t = 0.025)]
    dt: f64,
    /// Segments per dendrite.
    #[arg(long, default_value_t = 1)]
    dend_nseg: usize,
    /// Threads (cell groups) per process.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Write spikes as CSV `gid,t_ms` to this file.
    #[arg(long)]
    spikes: Option<std::path::PathBuf>,
    /// Write gid 0's soma(0.5) voltage as CSV `t_ms,v_mV` to this file.
    #[arg(long)]
    trace: Option<std::path::PathBuf>,
}

fn main() {
    let args = Args::parse();
    #[cfg(feature = "mpi")]
    let result = match neurite::MpiCommunicator::init() {
        Some(comm) => run(&args, comm),
        None => Err(neurite::NeuriteError::InvalidParameter {
            what: "MPI".into(),
            value: f64::NAN,
            reason: "MPI could not be initialized",
        }),
    };
    #[cfg(not(feature = "mpi"))]
    let result = {
        refuse_mpiexec_without_mpi();
        run(&args, neurite::SerialCommunicator)
    };
    if let Err(err) = result {
        eprintln!("ring: error: {err}");
        std::process::exit(1);
    }
}

/// Started by mpiexec with several ranks, a build without MPI would run the
/// whole ring once per rank: stop at once instead.
#[cfg(not(feature = "mpi"))]
fn refuse_mpiexec_without_mpi() {
    for var in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"] {
        if let Some(size) = std::env::var(var).ok().and_then(|v| v.parse::<usize>().ok())
            && size > 1
        {
            {
                eprintln!(
                    "ring: started by mpiexec with {size} ranks ({var}), but this binary was built without MPI; \
                     rebuild with `cargo build --release --features mpi --example ring`"
                );
                std::process::exit(2);
            }
        }
    }
}

fn run<C: Communicator>(args: &Args, comm: C) -> neurite::Result<()> {
    let started = Instant::now();
    let params = RingParams { cells: args.cells, dend_nseg: args.dend_nseg, ..RingParams::default() };
    let config = SimulationConfig { dt: args.dt, threads: args.threads, ..SimulationConfig::default() };
    let mut pc = ParallelContext::new(comm, config);
    // Gids dealt round-robin.
    let (id, nhost) = (pc.id(), pc.nhost());
    for gid in round_robin(params.cells as u64, id, nhost) {
        pc.set_gid2node(gid, id)?;
    }
    let network = build_ring(&params, |gid| pc.gid_exists(gid))?;
    pc.add_network(network)?;
    pc.set_maxstep(10.0)?;
    let sim = pc.setup()?;
    let soma_v = match &args.trace {
        Some(_) if sim.local_gids().contains(&0) => Some(sim.record_voltage(0, Location::new(SectionId(0), 0.5))?),
        _ => None,
    };
    pc.finitialize(-65.0)?;
    pc.psolve(args.tstop)?;
    let spikes = pc.gather_spikes()?;
    if id == 0 {
        if let Some(path) = &args.spikes {
            write_spikes_csv(path, &spikes)?;
        }
        if let (Some(path), Some(trace)) = (&args.trace, soma_v) {
            write_traces_csv(path, &[("v_mV", pc.simulation()?.trace(trace)?)])?;
        }
        println!(
            "ring: cells {} ranks {} threads {} spikes {} simulated {} ms wall {:.3} s",
            args.cells,
            nhost,
            args.threads,
            spikes.len(),
            args.tstop,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
