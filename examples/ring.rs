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
use neurite::{Communicator, Location, ParallelContext, SimulationConfig, write_spikes_csv, write_traces_csv};

/// Command line of the ring example (the flag names are a contract).
#[derive(Parser, Debug)]
#[command(name = "ring", about = "NEURON's ParallelContext ring of ball-and-stick cells")]
struct Args {
    /// Number of cells (at least 1).
    #[arg(long, default_value_t = 5, value_parser = at_least_one)]
    cells: usize,
    /// Simulated time, ms (finite, >= 0).
    #[arg(long, default_value_t = 100.0, value_parser = non_negative_ms, allow_negative_numbers = true)]
    tstop: f64,
    /// Time step, ms (finite, > 0).
    #[arg(long, default_value_t = 0.025, value_parser = positive_ms, allow_negative_numbers = true)]
    dt: f64,
    /// Segments per dendrite.
    #[arg(long, default_value_t = 1)]
    dend_nseg: usize,
    /// Threads (cell groups) per process (at least 1).
    #[arg(long, default_value_t = 1, value_parser = at_least_one)]
    threads: usize,
    /// NEURON's `usetable_hh`: 1 (NEURON's default) interpolates hh's rate
    /// tables, 0 computes the rates exactly.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=1))]
    usetable: u8,
    /// Write spikes as CSV `gid,t_ms` to this file.
    #[arg(long)]
    spikes: Option<std::path::PathBuf>,
    /// Write gid 0's soma(0.5) voltage as CSV `t_ms,v_mV` to this file.
    #[arg(long)]
    trace: Option<std::path::PathBuf>,
}

fn milliseconds(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("`{text}` is not a number of ms"))?;
    if value.is_finite() { Ok(value) } else { Err(format!("{text} ms is not a finite time")) }
}

fn non_negative_ms(text: &str) -> Result<f64, String> {
    let value = milliseconds(text)?;
    if value >= 0.0 { Ok(value) } else { Err(format!("{text} ms is negative")) }
}

fn positive_ms(text: &str) -> Result<f64, String> {
    let value = milliseconds(text)?;
    if value > 0.0 { Ok(value) } else { Err(format!("{text} ms is not > 0")) }
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

fn main() -> std::process::ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) if !err.use_stderr() => {
            // --help, --version
            let _ = err.print();
            return std::process::ExitCode::SUCCESS;
        }
        Err(err) => {
            // A bad flag or value: the message, then the usage.
            eprintln!("{}", err.render().to_string().trim_end());
            eprintln!("\n{}", <Args as clap::CommandFactory>::command().render_help().to_string().trim_end());
            return std::process::ExitCode::from(2);
        }
    };
    // An error on any rank ends the whole job with its message (see
    // neurite::launch).
    neurite::launch("ring", |comm| run(&args, comm))
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
    sim.set_global("hh", "usetable", f64::from(args.usetable))?;
    let soma_v = match &args.trace {
        Some(_) if sim.local_gids().contains(&0) => {
            let soma = sim.section(0, "soma")?;
            Some(sim.record_voltage(0, Location::new(soma, 0.5))?)
        }
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
