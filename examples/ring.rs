//! The seed ring network of NEURON's ParallelContext tutorial: N ball-and-stick
//! cells, each exciting the next, started by a NetStim onto cell 0.
//!
//! ```text
//! cargo run --release --example ring -- --cells 5 --tstop 100 --spikes s.csv --trace v.csv
//! ```

use std::time::Instant;

use clap::Parser;
use neurite::models::ring::{RingParams, build_ring, stimulus_gid};
use neurite::{Location, SectionId, Simulation, SimulationConfig, write_spikes_csv, write_traces_csv};

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
    if let Err(err) = run(&args) {
        eprintln!("ring: error: {err}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> neurite::Result<()> {
    let started = Instant::now();
    let params = RingParams { cells: args.cells, dend_nseg: args.dend_nseg, ..RingParams::default() };
    let network = build_ring(&params, |_| true)?;
    let config = SimulationConfig { dt: args.dt, threads: args.threads, ..SimulationConfig::default() };
    let mut sim = Simulation::new(&network, config)?;
    let soma_v = match (&args.trace, args.cells) {
        (Some(_), 1..) => Some(sim.record_voltage(0, Location::new(SectionId(0), 0.5))?),
        _ => None,
    };
    sim.finitialize(-65.0)?;
    sim.run(args.tstop)?;
    let stim = stimulus_gid(&params);
    let spikes: Vec<_> = sim.spikes().iter().copied().filter(|s| s.gid != stim).collect();
    if let Some(path) = &args.spikes {
        write_spikes_csv(path, &spikes)?;
    }
    if let (Some(path), Some(id)) = (&args.trace, soma_v) {
        write_traces_csv(path, &[("v_mV", sim.trace(id))])?;
    }
    println!(
        "ring: cells {} ranks {} threads {} spikes {} simulated {} ms wall {:.3} s",
        args.cells,
        1,
        args.threads,
        spikes.len(),
        args.tstop,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
