//! HNN-core's cortical column (Jones et al. 2009) driven by hnn-core's ERP
//! drives: the current dipole and the spikes, as hnn-core's
//! `simulate_dipole` gives them, on threads or under `mpiexec`.
//!
//! ```text
//! cargo run --release --example hnn -- --dipole d.csv --spikes s.csv --plot erp.png
//! mpiexec -n 2 target/release/examples/hnn --trials 4 --dipole d.csv
//! ```
//!
//! `--params FILE` reads an HNN model: hnn-core 0.6's network file (written
//! by `net.write_configuration`, e.g. its `neymotin2020_base.json`), or a
//! flat parameter file as hnn-core's `default.json` (its connection weights,
//! `threshold`, `celsius` and evoked drives, as
//! `jones_2009_model(params, add_drives_from_params=True)`). Without it the
//! model is hnn-core's `jones_2009_model()` with
//! `add_erp_drives_to_jones_model`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use neurite::models::hnn::{Column, Dipole, DriveEvents, Params, TrialOutput, simulate_trial_with_progress};
use neurite::{Communicator, NeuriteError, SerialCommunicator, SimulationConfig, Spike};

#[derive(Parser, Debug)]
#[command(name = "hnn", about = "HNN-core's cortical column: ERP dipole and spikes")]
struct Args {
    /// HNN model: hnn-core 0.6 network file or flat parameter file (.json);
    /// default: Jones 2009 with the ERP drives.
    #[arg(long)]
    params: Option<PathBuf>,
    /// Simulated time, ms.
    #[arg(long, default_value_t = 170.0, allow_negative_numbers = true)]
    tstop: f64,
    /// Time step, ms.
    #[arg(long, default_value_t = 0.025, allow_negative_numbers = true)]
    dt: f64,
    /// Number of trials (each with its own drive events).
    #[arg(long, default_value_t = 1)]
    trials: usize,
    /// Threads per rank.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// CSV `drive,target_gid,t_ms` of drive events replacing the generated ones.
    #[arg(long)]
    drive_events: Option<PathBuf>,
    /// Output CSV `t_ms,L2,L5,agg` (nAm, hnn-core's `simulate_dipole`).
    #[arg(long)]
    dipole: Option<PathBuf>,
    /// Output CSV `gid,t_ms` of every spike (hnn-core's gids).
    #[arg(long)]
    spikes: Option<PathBuf>,
    /// Output PNG of the dipole and the spike raster.
    #[arg(long)]
    plot: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            return std::process::ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("{}", err.render().to_string().trim_end());
            return std::process::ExitCode::from(2);
        }
    };
    neurite::launch("hnn", |comm| run(&args, comm))
}

fn invalid(what: &str, value: f64, reason: &'static str) -> NeuriteError {
    NeuriteError::InvalidParameter { what: what.into(), value, reason }
}

fn run<C: Communicator>(args: &Args, mut comm: C) -> neurite::Result<()> {
    let started = Instant::now();
    if !(args.tstop.is_finite() && args.tstop > 0.0) {
        return Err(invalid("--tstop", args.tstop, "must be a number of ms > 0"));
    }
    if !(args.dt.is_finite() && args.dt > 0.0) {
        return Err(invalid("--dt", args.dt, "must be a number of ms > 0"));
    }
    if args.trials == 0 || args.threads == 0 {
        return Err(invalid("--trials and --threads", 0.0, "must be at least 1"));
    }
    let column = match &args.params {
        Some(path) => Column::read(path)?,
        None => {
            let mut column = Column::jones_2009(Params::jones_2009())?;
            column.add_erp_drives()?;
            column
        }
    };
    let given_events = match &args.drive_events {
        Some(path) => Some(column.read_drive_events(path)?),
        None => None,
    };
    let config = SimulationConfig { dt: args.dt, threads: args.threads, ..SimulationConfig::default() };
    let (rank, ranks) = (comm.rank(), comm.size());
    let progress = rank == 0 && std::io::stderr().is_terminal();

    // With at least as many trials as ranks each rank runs whole trials;
    // otherwise every trial runs on all ranks.
    let mut outputs: Vec<(usize, TrialOutput)> = Vec::new();
    let whole_trials = ranks > 1 && args.trials >= ranks;
    for trial in 0..args.trials {
        if whole_trials && trial % ranks != rank {
            continue;
        }
        let events: DriveEvents = match &given_events {
            Some(events) => events.clone(),
            None => column.drive_events(args.tstop, trial)?,
        };
        let trial_started = Instant::now();
        let bar = progress.then(|| {
            let bar = indicatif::ProgressBar::new((args.tstop * 1000.0) as u64);
            let style = indicatif::ProgressStyle::with_template("hnn: [{bar:30}] {msg}").expect("a valid template");
            bar.set_style(style.progress_chars("=> "));
            bar
        });
        let mut report = |t: f64| {
            if let Some(bar) = &bar {
                let rate = t / trial_started.elapsed().as_secs_f64().max(1e-9);
                bar.set_position((t * 1000.0) as u64);
                bar.set_message(format!(
                    "trial {} of {}: {t:.0} of {} ms simulated, {rate:.0} ms/s",
                    trial + 1,
                    args.trials,
                    args.tstop
                ));
            }
        };
        let output = if whole_trials {
            simulate_trial_with_progress(&column, &events, args.tstop, config, SerialCommunicator, &mut report)
        } else {
            simulate_trial_with_progress(&column, &events, args.tstop, config, &mut comm, &mut report)
        };
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let output = match output {
            Ok(output) => output,
            Err(err) => {
                comm.fail(&err);
                return Err(err);
            }
        };
        if std::io::stderr().is_terminal() && (rank == 0 || whole_trials) {
            let seconds = trial_started.elapsed().as_secs_f64();
            eprintln!(
                "hnn: trial {} of {}: {} ms simulated in {seconds:.2} s ({:.0} ms/s)",
                trial + 1,
                args.trials,
                args.tstop,
                args.tstop / seconds
            );
        }
        outputs.push((trial, output));
    }
    if whole_trials {
        outputs = gather_trials(&mut comm, outputs)?;
    }
    let spike_count: usize = outputs.iter().map(|(_, o)| o.spikes.len()).sum();
    let (n_x, n_y) = column.mesh;
    let mut dipoles: Vec<Dipole> = outputs.iter().map(|(_, o)| o.dipole.clone()).collect();
    for dipole in dipoles.iter_mut() {
        dipole.renormalize(n_x, n_y);
    }
    if rank == 0 {
        if let Some(path) = &args.dipole {
            write_dipoles(path, &dipoles)?;
        }
        if let Some(path) = &args.spikes {
            write_spikes(path, &outputs)?;
        }
        if let Some(path) = &args.plot {
            plot(path, &dipoles[0], &outputs[0].1.spikes, column.network_cell_count() as u64)?;
        }
        println!(
            "hnn: cells {} drive cells {} trials {} ranks {} threads {} spikes {} simulated {} ms wall {:.3} s",
            column.network_cell_count(),
            column.gid_count() - column.network_cell_count(),
            args.trials,
            ranks,
            args.threads,
            spike_count,
            args.tstop,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Every rank's trials to every rank, in trial order.
fn gather_trials<C: Communicator>(
    comm: &mut C,
    mine: Vec<(usize, TrialOutput)>,
) -> neurite::Result<Vec<(usize, TrialOutput)>> {
    let mut bytes = Vec::new();
    let put = |bytes: &mut Vec<u8>, values: &[f64]| {
        bytes.extend((values.len() as u64).to_le_bytes());
        for v in values {
            bytes.extend(v.to_le_bytes());
        }
    };
    for (trial, output) in &mine {
        bytes.extend((*trial as u64).to_le_bytes());
        put(&mut bytes, &output.dipole.times);
        put(&mut bytes, &output.dipole.l2);
        put(&mut bytes, &output.dipole.l5);
        let spikes: Vec<f64> = output.spikes.iter().flat_map(|s| [s.gid as f64, s.time]).collect();
        put(&mut bytes, &spikes);
    }
    let mut all = Vec::new();
    for chunk in comm.all_gather_bytes(&bytes)? {
        let mut at = 0;
        let word = |at: usize| u64::from_le_bytes(chunk[at..at + 8].try_into().expect("8 bytes"));
        let take = |at: &mut usize| {
            let n = word(*at) as usize;
            *at += 8;
            let values: Vec<f64> = (0..n).map(|k| f64::from_bits(word(*at + 8 * k))).collect();
            *at += 8 * n;
            values
        };
        while at < chunk.len() {
            let trial = word(at) as usize;
            at += 8;
            let (times, l2, l5) = (take(&mut at), take(&mut at), take(&mut at));
            let spikes =
                take(&mut at).chunks_exact(2).map(|p| Spike { gid: p[0] as u64, time: p[1] }).collect::<Vec<_>>();
            all.push((trial, TrialOutput { spikes, dipole: Dipole::raw(times, l2, l5) }));
        }
    }
    all.sort_by_key(|(trial, _)| *trial);
    Ok(all)
}

fn write_dipoles(path: &std::path::Path, dipoles: &[Dipole]) -> neurite::Result<()> {
    neurite::recording::write_atomically(path, |out| {
        if dipoles.len() == 1 {
            writeln!(out, "t_ms,L2,L5,agg")?;
        } else {
            writeln!(out, "trial,t_ms,L2,L5,agg")?;
        }
        for (trial, d) in dipoles.iter().enumerate() {
            for k in 0..d.times.len() {
                if dipoles.len() > 1 {
                    write!(out, "{trial},")?;
                }
                writeln!(out, "{:?},{:?},{:?},{:?}", d.times[k], d.l2[k], d.l5[k], d.agg[k])?;
            }
        }
        Ok(())
    })
}

fn write_spikes(path: &std::path::Path, outputs: &[(usize, TrialOutput)]) -> neurite::Result<()> {
    neurite::recording::write_atomically(path, |out| {
        if outputs.len() == 1 {
            writeln!(out, "gid,t_ms")?;
        } else {
            writeln!(out, "trial,gid,t_ms")?;
        }
        for (trial, output) in outputs {
            for s in &output.spikes {
                if outputs.len() > 1 {
                    write!(out, "{trial},")?;
                }
                writeln!(out, "{},{:?}", s.gid, s.time)?;
            }
        }
        Ok(())
    })
}

/// One of the plot's panels: time on x (ms), `y` described by `y_desc`.
type Panel<'a> = plotters::chart::ChartContext<
    'a,
    plotters::prelude::BitMapBackend<'a>,
    plotters::prelude::Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A panel titled `caption` on `area`, its axes drawn and labelled.
fn panel<'a>(
    area: &plotters::prelude::DrawingArea<plotters::prelude::BitMapBackend<'a>, plotters::coord::Shift>,
    caption: &str,
    (tstop, y): (f64, std::ops::Range<f64>),
    y_desc: &str,
    y_label: Option<&dyn Fn(&f64) -> String>,
) -> Result<Panel<'a>, String> {
    use plotters::prelude::*;
    let mut chart = ChartBuilder::on(area)
        .margin(15)
        .caption(caption, ("sans-serif", 22))
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..tstop, y)
        .map_err(|e| e.to_string())?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh().x_desc("t (ms)").x_label_formatter(&|t| format!("{t:.0}")).y_desc(y_desc);
    if let Some(format) = y_label {
        mesh.y_label_formatter(format);
    }
    mesh.draw().map_err(|e| e.to_string())?;
    Ok(chart)
}

/// The legend of a panel's series, in its upper left corner.
fn legend(chart: &mut Panel) -> Result<(), String> {
    use plotters::prelude::*;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())
}

/// The dipole (agg, L2, L5) above a raster of the network cells' spikes,
/// with axis labels and a legend.
fn plot(path: &std::path::Path, dipole: &Dipole, spikes: &[Spike], cells: u64) -> neurite::Result<()> {
    use plotters::prelude::*;
    let io = |e: String| NeuriteError::Io { path: path.display().to_string(), message: e };
    // plotters draws text only with a registered font.
    plotters::style::register_font("sans-serif", FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT)
        .map_err(|_| io("the built-in font could not be read".into()))?;
    let root = BitMapBackend::new(path, (1000, 760)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| io(e.to_string()))?;
    let (upper, lower) = root.split_vertically(430);
    let tstop = dipole.times.last().copied().unwrap_or(1.0);
    let (lo, hi) = dipole
        .l2
        .iter()
        .chain(&dipole.l5)
        .chain(&dipole.agg)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    let pad = 0.05 * (hi - lo).max(1e-9);
    let y_range = (lo - pad)..(hi + pad);
    let mut chart = panel(&upper, "Current dipole", (tstop, y_range), "dipole (nAm)", None).map_err(io)?;
    for (series, color, name) in [(&dipole.agg, BLACK, "aggregate"), (&dipole.l2, GREEN, "L2"), (&dipole.l5, RED, "L5")]
    {
        chart
            .draw_series(LineSeries::new(dipole.times.iter().copied().zip(series.iter().copied()), &color))
            .map_err(|e| io(e.to_string()))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    legend(&mut chart).map_err(io)?;
    let mut raster =
        panel(&lower, "Spikes", (tstop, 0.0..cells as f64), "gid", Some(&|gid| format!("{gid:.0}"))).map_err(io)?;
    // hnn-core's gid ranges: [first, end) per cell type.
    let types = [
        ("L2 basket", 0..35, BLUE),
        ("L2 pyramidal", 35..135, GREEN),
        ("L5 basket", 135..170, CYAN),
        ("L5 pyramidal", 170..cells, RED),
    ];
    for (name, gids, color) in types {
        raster
            .draw_series(
                spikes
                    .iter()
                    .filter(|s| gids.contains(&s.gid))
                    .map(|s| Circle::new((s.time, s.gid as f64), 1, color.filled())),
            )
            .map_err(|e| io(e.to_string()))?
            .label(name)
            .legend(move |(x, y)| Circle::new((x + 10, y), 3, color.filled()));
    }
    legend(&mut raster).map_err(io)?;
    root.present().map_err(|e| io(e.to_string()))?;
    Ok(())
}
