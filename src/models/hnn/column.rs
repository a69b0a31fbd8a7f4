//! HNN-core's cortical column as a description: cell positions on hnn-core's
//! grid, its gid ranges (cells, then drive cells), its connectivity with
//! distance-dependent weights and delays, and its drives; built into a
//! [`Network`] of neurite cells.

use std::collections::HashMap;

use super::cells::{BuiltCell, CellTemplate, CellType, DipoleTerms, Receptor, SynapseGroup};
use super::drives::{DriveDynamics, DriveSeeds, drive_cell_event_times};
use super::params::Params;
use crate::error::{NeuriteError, Result};
use crate::network::{Gid, NetConTarget, Network};
use crate::numpy_generator::NumpyGenerator;

/// Where a connection's spikes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The cells of a type.
    Cells(CellType),
    /// The drive cells of drive `k` (in the order drives were added).
    Drive(usize),
}

/// One of hnn-core's connections (an entry of `net.connectivity`): from
/// each source gid to its targets, onto the synapses of `receptor` in
/// `location`, with weight `weight · gain · exp(−d²/λ²)` (µS) and delay
/// `delay / exp(−d²/λ²)` (ms), d the distance in the plane between the
/// cells' positions.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// The source cells.
    pub source: Source,
    /// The target cell type.
    pub target: CellType,
    /// Sections of the synapses.
    pub location: SynapseGroup,
    /// Receptor of the synapses.
    pub receptor: Receptor,
    /// Weight at distance 0, µS.
    pub weight: f64,
    /// Delay at distance 0, ms.
    pub delay: f64,
    /// Space constant λ (grid units).
    pub lamtha: f64,
    /// Gain multiplying the weight.
    pub gain: f64,
    /// Per source gid, its target gids.
    pub pairs: Vec<(Gid, Vec<Gid>)>,
}

impl Connection {
    /// Keeps a random subset of the connection's (source, target) pairs, as
    /// hnn-core's `add_connection(..., probability, conn_seed)` does: the
    /// pairs in source order, then each source's targets, are numbered; NumPy's
    /// `default_rng(conn_seed).choice(range(n), round(n·probability),
    /// replace=False)` picks those kept (rounding half to even, as
    /// `np.round`); sources left without targets are dropped. `probability`
    /// must be in (0, 1]; 1 keeps every pair (hnn-core draws nothing then).
    pub fn keep_with_probability(&mut self, probability: f64, conn_seed: u64) -> Result<()> {
        if !(probability > 0.0 && probability <= 1.0) {
            return Err(NeuriteError::InvalidParameter {
                what: format!("connection probability onto {}", self.target.name()),
                value: probability,
                reason: "must be in (0, 1]",
            });
        }
        if probability == 1.0 {
            return Ok(());
        }
        let n: usize = self.pairs.iter().map(|(_, targets)| targets.len()).sum();
        let keep_count = (n as f64 * probability).round_ties_even() as u64;
        let chosen = NumpyGenerator::new(conn_seed)
            .choice_without_replacement(n as u64, keep_count)
            .expect("round(n·p) <= n for p <= 1");
        let mut kept = vec![false; n];
        for index in chosen {
            kept[index as usize] = true;
        }
        let mut index = 0;
        for (_, targets) in self.pairs.iter_mut() {
            targets.retain(|_| {
                index += 1;
                kept[index - 1]
            });
        }
        self.pairs.retain(|(_, targets)| !targets.is_empty());
        Ok(())
    }
}

/// A drive: cells that spike at drawn times and excite the target types'
/// cells; either one drive cell per target cell (hnn-core's
/// `cell_specific=True`, `n_drive_cells='n_cells'`) or `n_drive_cells`
/// cells each connected to every target cell (`cell_specific=False`, a
/// common input).
#[derive(Debug, Clone, PartialEq)]
pub struct Drive {
    /// Its name (`evprox1`, ...).
    pub name: String,
    /// Its event dynamics; a Poisson drive's rate is per target type.
    pub dynamics: DriveKind,
    /// Sections its synapses are on.
    pub location: SynapseGroup,
    /// Target cell types (in the column's order) with their AMPA and NMDA
    /// weights (µS; absent receptors are not connected) and delay (ms).
    pub targets: Vec<DriveTarget>,
    /// Space constant λ of its weights and delays.
    pub space_constant: f64,
    /// Seed of its event times.
    pub event_seed: i64,
    /// One drive cell per target cell (`true`), or `n_drive_cells` cells
    /// each driving every target cell.
    pub cell_specific: bool,
    /// Number of drive cells of a common drive (unused when cell-specific).
    pub n_drive_cells: usize,
    /// Seed of the choice of connections kept where a target's
    /// `probability` is below 1 (hnn-core's `conn_seed`, 3 by default); the
    /// k-th target type (in the column's order) uses `conn_seed + k`.
    pub conn_seed: u64,
}

/// How a drive's event times are drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum DriveKind {
    /// Gaussian times (hnn-core's `evoked`).
    Evoked {
        /// Mean, ms.
        mu: f64,
        /// Standard deviation, ms.
        sigma: f64,
        /// Events per drive cell.
        numspikes: usize,
    },
    /// Poisson times from `tstart` to `tstop` (ms; `None`: the simulation's
    /// end) at a rate (Hz) per target type (a common drive's: the first).
    Poisson {
        /// Start, ms.
        tstart: f64,
        /// End, ms (`None`: the end of the simulation).
        tstop: Option<f64>,
        /// Rate per target type, Hz.
        rates: Vec<(CellType, f64)>,
    },
    /// Rhythmic bursts (hnn-core's `bursty`): bursts at `burst_rate` (Hz)
    /// from `tstart` (drawn around it with `tstart_std`) to `tstop` (ms;
    /// `None`: the end), each jittered by `burst_std` (ms), `numspikes`
    /// events `spike_isi` (ms) apart.
    Bursty {
        /// First burst, ms.
        tstart: f64,
        /// Its standard deviation, ms.
        tstart_std: f64,
        /// End, ms (`None`: the end of the simulation).
        tstop: Option<f64>,
        /// Bursts per second, Hz.
        burst_rate: f64,
        /// Jitter of each burst, ms.
        burst_std: f64,
        /// Events per burst.
        numspikes: usize,
        /// Interval within a burst, ms.
        spike_isi: f64,
    },
}

/// A drive's weights and delay onto one cell type.
#[derive(Debug, Clone, PartialEq)]
pub struct DriveTarget {
    /// The cell type.
    pub cell_type: CellType,
    /// AMPA weight, µS (`None`: no AMPA connection).
    pub ampa: Option<f64>,
    /// NMDA weight, µS (`None`: no NMDA connection).
    pub nmda: Option<f64>,
    /// Delay at distance 0, ms.
    pub delay: f64,
    /// Probability that a drive cell connects to a target cell (1: all;
    /// see [`Connection::keep_with_probability`]).
    pub probability: f64,
}

/// The column: its cells, connections and drives.
#[derive(Debug, Clone)]
pub struct Column {
    /// The parameter set the column was made from.
    pub params: Params,
    /// Pyramidal cells per row and column of the grid.
    pub mesh: (usize, usize),
    /// Positions of the cells of each type (grid units; z in µm).
    pub positions: Vec<(CellType, Vec<[f64; 3]>)>,
    /// The template of each cell type.
    pub templates: Vec<(CellType, CellTemplate)>,
    /// The position drive cells have (the grid's centre).
    pub origin: [f64; 3],
    /// Connections between cells, then those of the drives, in hnn-core's
    /// order.
    pub connections: Vec<Connection>,
    /// The drives, in the order they were added.
    pub drives: Vec<Drive>,
    /// Tonic currents into the cells of a type (hnn-core's
    /// `add_tonic_bias`).
    pub biases: Vec<TonicBias>,
}

/// A constant current into every cell of a type (hnn-core's tonic bias):
/// an IClamp at the middle of `section` from `t0` to `tstop`.
#[derive(Debug, Clone, PartialEq)]
pub struct TonicBias {
    /// The bias's name (hnn-core's `bias_name`, `tonic` by default): one
    /// bias of a name per cell type.
    pub name: String,
    /// The cell type.
    pub cell_type: CellType,
    /// The section (`soma`, `apical_tuft`, ...).
    pub section: String,
    /// Amplitude, nA.
    pub amplitude: f64,
    /// Start, ms.
    pub t0: f64,
    /// End, ms (`None`: the end of the simulation).
    pub tstop: Option<f64>,
}

/// Event times (ms) of every drive cell of every drive: `[drive][cell]`.
pub type DriveEvents = Vec<Vec<Vec<f64>>>;

/// What [`Column::build`] made: the network and each pyramidal cell's
/// dipole terms (see [`BuiltCell::dipole_terms`]).
pub struct BuiltColumn {
    /// The cells here with their NetCons.
    pub network: Network,
    /// Per pyramidal cell here: gid, type, dipole terms.
    pub dipoles: Vec<(Gid, CellType, DipoleTerms)>,
}

impl Column {
    /// hnn-core's `jones_2009_model(params)` (its `neymotin_2020_model`):
    /// 100 L2 and 100 L5 pyramidal cells on a 10 × 10 grid, 35 basket
    /// cells in each layer, connected with the weights of `params`; no
    /// drives.
    pub fn jones_2009(params: Params) -> Result<Column> {
        let (nx, ny) = (10usize, 10usize);
        let inplane = 1.0;
        let z = 1307.4;
        let xs: Vec<f64> = (0..nx).map(|i| i as f64 * inplane).collect();
        let ys: Vec<f64> = (0..ny).map(|i| i as f64 * inplane).collect();
        let pyramidal =
            |z: f64| -> Vec<[f64; 3]> { xs.iter().flat_map(|&x| ys.iter().map(move |&y| [x, y, z])).collect() };
        let basket = |weight: f64| -> Vec<[f64; 3]> {
            let mut coords: Vec<(f64, f64)> = Vec::new();
            for x in (0..nx).step_by(3) {
                for y in (0..ny).step_by(2) {
                    coords.push((x as f64 * inplane, y as f64 * inplane));
                }
            }
            for x in (1..nx).step_by(3) {
                for y in (1..ny).step_by(2) {
                    coords.push((x as f64 * inplane, y as f64 * inplane));
                }
            }
            // A stable sort by y, as Python's sorted.
            coords.sort_by(|a, b| a.1.total_cmp(&b.1));
            coords.into_iter().map(|(x, y)| [x, y, weight * z]).collect()
        };
        let positions = vec![
            (CellType::L2Basket, basket(0.8)),
            (CellType::L2Pyramidal, pyramidal(z)),
            (CellType::L5Basket, basket(0.2)),
            (CellType::L5Pyramidal, pyramidal(0.0)),
        ];
        let origin = [xs[(nx - 1) / 2], ys[(ny - 1) / 2], (z / 2.0).floor()];
        let lookup = |name: &str| params.cell_number(name);
        let templates = vec![
            (CellType::L2Basket, CellTemplate::basket(CellType::L2Basket)),
            (CellType::L2Pyramidal, CellTemplate::l2_pyramidal(&lookup)?),
            (CellType::L5Basket, CellTemplate::basket(CellType::L5Basket)),
            (CellType::L5Pyramidal, CellTemplate::l5_pyramidal(&lookup)?),
        ];
        let mut column = Column {
            params,
            mesh: (nx, ny),
            positions,
            templates,
            origin,
            connections: Vec::new(),
            drives: Vec::new(),
            biases: Vec::new(),
        };
        use CellType::*;
        use Receptor::*;
        let proximal = || SynapseGroup::Proximal;
        let distal = || SynapseGroup::Distal;
        let soma = || SynapseGroup::Section("soma".into());
        // (source, target, location, receptor, weight name, λ, autapses)
        let table: Vec<(CellType, CellType, SynapseGroup, Receptor, &str, f64, bool)> = vec![
            (L2Pyramidal, L2Pyramidal, proximal(), Nmda, "gbar_L2Pyr_L2Pyr_nmda", 3.0, false),
            (L2Pyramidal, L2Pyramidal, proximal(), Ampa, "gbar_L2Pyr_L2Pyr_ampa", 3.0, false),
            (L5Pyramidal, L5Pyramidal, proximal(), Nmda, "gbar_L5Pyr_L5Pyr_nmda", 3.0, false),
            (L5Pyramidal, L5Pyramidal, proximal(), Ampa, "gbar_L5Pyr_L5Pyr_ampa", 3.0, false),
            (L2Basket, L2Pyramidal, soma(), Gabaa, "gbar_L2Basket_L2Pyr_gabaa", 50.0, true),
            (L2Basket, L2Pyramidal, soma(), Gabab, "gbar_L2Basket_L2Pyr_gabab", 50.0, true),
            (L5Basket, L5Pyramidal, soma(), Gabaa, "gbar_L5Basket_L5Pyr_gabaa", 70.0, true),
            (L5Basket, L5Pyramidal, soma(), Gabab, "gbar_L5Basket_L5Pyr_gabab", 70.0, true),
            (L2Pyramidal, L5Pyramidal, proximal(), Ampa, "gbar_L2Pyr_L5Pyr", 3.0, true),
            (L2Pyramidal, L5Pyramidal, distal(), Ampa, "gbar_L2Pyr_L5Pyr", 3.0, true),
            (L2Basket, L5Pyramidal, distal(), Gabaa, "gbar_L2Basket_L5Pyr", 50.0, true),
            (L2Pyramidal, L2Basket, soma(), Ampa, "gbar_L2Pyr_L2Basket", 3.0, true),
            (L2Basket, L2Basket, soma(), Gabaa, "gbar_L2Basket_L2Basket", 20.0, true),
            (L5Basket, L5Basket, soma(), Gabaa, "gbar_L5Basket_L5Basket", 20.0, false),
            (L5Pyramidal, L5Basket, soma(), Ampa, "gbar_L5Pyr_L5Basket", 3.0, true),
            (L2Pyramidal, L5Basket, soma(), Ampa, "gbar_L2Pyr_L5Basket", 3.0, true),
        ];
        for (source, target, location, receptor, weight, lamtha, autapses) in table {
            let weight = column.params.number(weight)?;
            let pairs = column.all_to_all_pairs(source, target, autapses);
            column.connections.push(Connection {
                source: Source::Cells(source),
                target,
                location,
                receptor,
                weight,
                delay: 1.0,
                lamtha,
                gain: 1.0,
                pairs,
            });
        }
        Ok(column)
    }

    /// hnn-core's `jones_2009_model(params, add_drives_from_params=True)`
    /// for a flat parameter file (the HNN GUI's): the connection weights,
    /// `threshold` and `celsius` of `params` (missing values take hnn-core's
    /// defaults for files, weights 0), and its drives in hnn-core's order
    /// (by name): the rhythmic inputs `input_prox` and `input_dist`
    /// (`bursty1`, `bursty2`: common drives of `repeats_*` cells, λ = 100)
    /// when they start before they end, the evoked inputs (`t_evprox_1`,
    /// `sigma_t_evprox_1`, `gbar_evprox_1_L2Pyr_ampa`, ...; one drive cell per
    /// target, or one for all with `sync_evinput`; delays 0.1 ms, 1 ms from
    /// proximal drives onto layer 5; λ = 3), and the Poisson input
    /// (`extpois`, cell-specific, rate `<type>_Pois_lamtha` Hz or 1 Hz when
    /// that is not > 0, λ = 100) when `T_pois` ≥ `t0_pois`. Drives with zero
    /// weights stay (they number gids); event seeds are `prng_seedcore_*`
    /// plus the drive's first gid (the HNN GUI's "absolute gid" seeds). As in
    /// hnn-core 0.6.1, keys it does not know (tonic biases `Itonic_*`) are
    /// ignored. The Gaussian input (`extgauss`) is added when
    /// `L2Basket_Gauss_mu` ≤ tstop, as hnn-core does (see the code).
    pub fn from_params(params: Params) -> Result<Column> {
        let mut column = Column::jones_2009(params)?;
        let p = column.params.clone();
        let tstop = p.number("tstop")?;
        let unsupported = |what: &str| NeuriteError::InvalidInput {
            what: format!("parameter file: {what}"),
            reason: "this input is not supported yet".into(),
        };
        let mut drives: Vec<Drive> = Vec::new();
        // The Gaussian input, when the L2 basket cells' mean is within tstop
        // (hnn-core decides on it alone): an evoked drive of 50 events per
        // cell (the GUI's fixed number) around the L2 basket cells' mean and
        // deviation for every target, AMPA only. Its delay onto each type
        // is that type's `_Gauss_mu`: hnn-core 0.6.1 reads the mean's place
        // of the GUI's tuple as the delay.
        if p.number("L2Basket_Gauss_mu")? <= tstop {
            let mut targets = flat_targets(
                &p,
                true,
                |t, _| format!("{}_Gauss_A_weight", t.short_name()),
                |t| p.number(&format!("{}_Gauss_mu", t.short_name())),
            )?;
            for target in &mut targets {
                target.nmda = None;
            }
            drives.push(Drive {
                name: "extgauss".into(),
                dynamics: DriveKind::Evoked {
                    mu: p.number("L2Basket_Gauss_mu")?,
                    sigma: p.number("L2Basket_Gauss_sigma")?,
                    numspikes: 50,
                },
                location: SynapseGroup::Proximal,
                targets,
                space_constant: 100.0,
                event_seed: p.number("prng_seedcore_extgauss")? as i64,
                cell_specific: true,
                n_drive_cells: 1,
                conn_seed: 3,
            });
        }
        // Rhythmic inputs: one common bursty drive per feed.
        for (k, feed) in ["prox", "dist"].iter().enumerate() {
            let key = |name: &str| format!("{name}_{feed}");
            let t0 = p.number(&key("t0_input"))?;
            let end = p.number(&key("tstop_input"))?.min(tstop);
            if end < t0 {
                continue;
            }
            let proximal = *feed == "prox";
            let targets = flat_targets(
                &p,
                proximal,
                |t, r| format!("input_{feed}_A_weight_{}_{r}", t.short_name()),
                |t| {
                    let layer = if matches!(t, CellType::L2Basket | CellType::L2Pyramidal) { "L2" } else { "L5" };
                    let delay = p.number(&format!("input_{feed}_A_delay_{layer}"))?;
                    if delay == -1.0 {
                        return Err(unsupported(&format!("input_{feed}_A_delay_{layer} = -1")));
                    }
                    Ok(delay)
                },
            )?;
            drives.push(Drive {
                name: format!("bursty{}", k + 1),
                dynamics: DriveKind::Bursty {
                    tstart: t0,
                    tstart_std: p.number(&key("t0_input_stdev"))?,
                    tstop: Some(end),
                    burst_rate: p.number(&key("f_input"))?,
                    burst_std: p.number(&key("f_stdev"))?,
                    numspikes: p.number(&key("events_per_cycle"))? as usize,
                    spike_isi: 10.0,
                },
                location: if proximal { SynapseGroup::Proximal } else { SynapseGroup::Distal },
                targets,
                space_constant: 100.0,
                event_seed: p.number(&format!("prng_seedcore_input_{feed}"))? as i64,
                cell_specific: false,
                n_drive_cells: p.number(&key("repeats"))? as usize,
                conn_seed: 3,
            });
        }
        // Evoked inputs.
        let sync = p.number("sync_evinput")? != 0.0;
        let mut names: Vec<String> = p
            .names()
            .filter_map(|k| k.strip_prefix("t_").filter(|n| n.starts_with("evprox_") || n.starts_with("evdist_")))
            .map(str::to_string)
            .collect();
        names.sort_by_key(|n| n.replace('_', ""));
        for name in names {
            let number = |key: String| p.number(&key);
            let proximal = name.starts_with("evprox");
            let targets = flat_targets(
                &p,
                proximal,
                |t, r| format!("gbar_{name}_{}_{r}", t.short_name()),
                |t| {
                    let layer5 = matches!(t, CellType::L5Basket | CellType::L5Pyramidal);
                    Ok(if proximal && layer5 { 1.0 } else { 0.1 })
                },
            )?;
            drives.push(Drive {
                name: name.replace('_', ""),
                dynamics: DriveKind::Evoked {
                    mu: number(format!("t_{name}"))?,
                    sigma: number(format!("sigma_t_{name}"))?,
                    numspikes: number(format!("numspikes_{name}"))? as usize,
                },
                location: if proximal { SynapseGroup::Proximal } else { SynapseGroup::Distal },
                targets,
                space_constant: 3.0,
                event_seed: number(format!("prng_seedcore_{name}"))? as i64,
                cell_specific: !sync,
                n_drive_cells: 1,
                conn_seed: 3,
            });
        }
        // The Poisson input.
        let (t0, end) = (p.number("t0_pois")?, p.number("T_pois")?);
        if end >= t0 {
            let targets = flat_targets(
                &p,
                true,
                |t, r| format!("{}_Pois_A_weight_{r}", t.short_name()),
                |t| Ok(if t == CellType::L2Pyramidal { 0.1 } else { 1.0 }),
            )?;
            let mut rates = Vec::new();
            for cell_type in CellType::ALL {
                let rate = p.number(&format!("{}_Pois_lamtha", cell_type.short_name()))?;
                rates.push((cell_type, if rate > 0.0 { rate } else { 1.0 }));
            }
            drives.push(Drive {
                name: "extpois".into(),
                dynamics: DriveKind::Poisson { tstart: t0.max(0.0), tstop: Some(end.max(0.0)), rates },
                location: SynapseGroup::Proximal,
                targets,
                space_constant: 100.0,
                event_seed: p.number("prng_seedcore_extpois")? as i64,
                cell_specific: true,
                n_drive_cells: 0,
                conn_seed: 3,
            });
        }
        drives.sort_by(|a, b| a.name.cmp(&b.name));
        for drive in drives {
            column.add_drive(drive)?;
        }
        // The HNN GUI's seeds count from the drive's first gid, and the
        // drives come before the local connections (they are added first).
        for k in 0..column.drives.len() {
            column.drives[k].event_seed += column.drive_gids(k).start as i64;
        }
        column.connections.sort_by_key(|c| matches!(c.source, Source::Cells(_)));
        Ok(column)
    }

    /// Reads drive events from a CSV file `drive,target_gid,t_ms`: each row
    /// an event of the cell of drive `drive` that drives cell `target_gid`.
    /// Drive cells without rows get no events.
    pub fn read_drive_events(&self, path: &std::path::Path) -> Result<DriveEvents> {
        let text = std::fs::read_to_string(path).map_err(|e| NeuriteError::InvalidInput {
            what: path.display().to_string(),
            reason: format!("cannot read: {e}"),
        })?;
        self.parse_drive_events(&text, &path.display().to_string())
    }

    /// [`Column::read_drive_events`] of a file's text; `source` names it.
    pub fn parse_drive_events(&self, text: &str, source: &str) -> Result<DriveEvents> {
        let mut events: DriveEvents =
            (0..self.drives.len()).map(|k| vec![Vec::new(); self.drive_cell_count(k)]).collect();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || (n == 0 && line.starts_with("drive")) {
                continue;
            }
            let bad = |reason: String| NeuriteError::InvalidInput { what: format!("{source}:{}", n + 1), reason };
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let [drive, target, time] = fields[..] else {
                return Err(bad(format!("expected `drive,target_gid,t_ms`, got `{line}`")));
            };
            let k = self
                .drives
                .iter()
                .position(|d| d.name == drive)
                .ok_or_else(|| bad(format!("no drive `{drive}` in this model")))?;
            if !self.drives[k].cell_specific {
                return Err(bad(format!("drive `{drive}` is a common drive: its cells have no single target")));
            }
            let target: Gid = target.parse().map_err(|_| bad(format!("`{target}` is not a gid")))?;
            let time: f64 = time.parse().map_err(|_| bad(format!("`{time}` is not a time in ms")))?;
            if !(time.is_finite() && time >= 0.0) {
                return Err(bad(format!("event time {time} ms must be finite and >= 0")));
            }
            let cell = self
                .drive_cell_of_target(k, target)
                .ok_or_else(|| bad(format!("drive `{drive}` does not target gid {target}")))?;
            events[k][cell].push(time);
        }
        for cells in events.iter_mut() {
            for times in cells.iter_mut() {
                times.sort_by(f64::total_cmp);
            }
        }
        Ok(events)
    }

    /// Index among drive `k`'s cells of the one that drives `target`.
    pub fn drive_cell_of_target(&self, k: usize, target: Gid) -> Option<usize> {
        let mut first = 0;
        for t in &self.drives[k].targets {
            let gids = self.cell_gids(t.cell_type);
            if gids.contains(&target) {
                return Some(first + (target - gids.start) as usize);
            }
            first += (gids.end - gids.start) as usize;
        }
        None
    }

    /// Number of cells of `cell_type`.
    pub fn cell_count(&self, cell_type: CellType) -> usize {
        self.positions.iter().find(|(t, _)| *t == cell_type).map_or(0, |(_, p)| p.len())
    }

    /// Number of network cells (not drive cells).
    pub fn network_cell_count(&self) -> usize {
        self.positions.iter().map(|(_, p)| p.len()).sum()
    }

    /// Gids of the cells of `cell_type` (hnn-core's `gid_ranges`).
    pub fn cell_gids(&self, cell_type: CellType) -> std::ops::Range<Gid> {
        let mut start = 0;
        for (t, p) in &self.positions {
            if *t == cell_type {
                return start..start + p.len() as Gid;
            }
            start += p.len() as Gid;
        }
        start..start
    }

    /// The type of network cell `gid` and its index in that type.
    pub fn cell_of(&self, gid: Gid) -> Option<(CellType, usize)> {
        let mut start = 0;
        for (t, p) in &self.positions {
            if gid < start + p.len() as Gid {
                return Some((*t, (gid - start) as usize));
            }
            start += p.len() as Gid;
        }
        None
    }

    /// Number of drive cells of drive `k`: one per cell of its targets, or
    /// a common drive's `n_drive_cells`.
    pub fn drive_cell_count(&self, k: usize) -> usize {
        let drive = &self.drives[k];
        if drive.cell_specific {
            drive.targets.iter().map(|t| self.cell_count(t.cell_type)).sum()
        } else {
            drive.n_drive_cells
        }
    }

    /// Gids of drive `k`'s cells, after the network's and the earlier
    /// drives'.
    pub fn drive_gids(&self, k: usize) -> std::ops::Range<Gid> {
        let start = self.network_cell_count() + (0..k).map(|j| self.drive_cell_count(j)).sum::<usize>();
        start as Gid..(start + self.drive_cell_count(k)) as Gid
    }

    /// Every gid: network cells and drive cells.
    pub fn gid_count(&self) -> usize {
        self.network_cell_count() + (0..self.drives.len()).map(|k| self.drive_cell_count(k)).sum::<usize>()
    }

    /// Adds a drive (hnn-core's `add_evoked_drive` or `add_poisson_drive`
    /// with `cell_specific=True`): one drive cell per target cell, connected
    /// with AMPA and NMDA weights decaying with distance from the grid's
    /// centre over `space_constant`.
    pub fn add_drive(&mut self, drive: Drive) -> Result<()> {
        if self.drives.iter().any(|d| d.name == drive.name) {
            return Err(NeuriteError::InvalidParameter {
                what: format!("drive `{}`", drive.name),
                value: f64::NAN,
                reason: "a drive of that name was already added",
            });
        }
        if drive.location == SynapseGroup::Distal
            && drive.targets.iter().any(|t| self.template(t.cell_type).is_ok_and(|x| x.distal.is_empty()))
        {
            return Err(NeuriteError::InvalidParameter {
                what: format!("drive `{}` onto L5_basket", drive.name),
                value: f64::NAN,
                reason: "L5 basket cells have no distal synapses",
            });
        }
        if !drive.cell_specific && drive.n_drive_cells == 0 {
            return Err(NeuriteError::InvalidParameter {
                what: format!("drive `{}` n_drive_cells", drive.name),
                value: 0.0,
                reason: "a common drive needs at least one drive cell",
            });
        }
        let mut targets = drive.targets.clone();
        targets.sort_by_key(|t| t.cell_type);
        let k = self.drives.len();
        self.drives.push(Drive { targets: targets.clone(), ..drive });
        let drive_gids: Vec<Gid> = self.drive_gids(k).collect();
        let mut next = 0;
        for (increment, target) in targets.iter().enumerate() {
            let cells: Vec<Gid> = self.cell_gids(target.cell_type).collect();
            let pairs: Vec<(Gid, Vec<Gid>)> = if self.drives[k].cell_specific {
                let sources = &drive_gids[next..next + cells.len()];
                next += cells.len();
                sources.iter().zip(&cells).map(|(&s, &t)| (s, vec![t])).collect()
            } else {
                drive_gids.iter().map(|&s| (s, cells.clone())).collect()
            };
            for (receptor, weight) in [(Receptor::Ampa, target.ampa), (Receptor::Nmda, target.nmda)] {
                let Some(weight) = weight else { continue };
                let mut connection = Connection {
                    source: Source::Drive(k),
                    target: target.cell_type,
                    location: self.drives[k].location.clone(),
                    receptor,
                    weight,
                    delay: target.delay,
                    lamtha: self.drives[k].space_constant,
                    gain: 1.0,
                    pairs: pairs.clone(),
                };
                // AMPA and NMDA draw from the same seed: the same pairs.
                connection.keep_with_probability(target.probability, self.drives[k].conn_seed + increment as u64)?;
                self.connections.push(connection);
            }
        }
        Ok(())
    }

    /// Every cell of `source` onto every cell of `target` (a cell onto
    /// itself only with `allow_autapses`), by source gid: the pairs of
    /// hnn-core's `add_connection` between two cell types.
    pub fn all_to_all_pairs(&self, source: CellType, target: CellType, allow_autapses: bool) -> Vec<(Gid, Vec<Gid>)> {
        let targets: Vec<Gid> = self.cell_gids(target).collect();
        self.cell_gids(source)
            .map(|s| (s, targets.iter().copied().filter(|&t| allow_autapses || t != s).collect()))
            .collect()
    }

    /// hnn-core's `add_erp_drives_to_jones_model`: a distal drive at
    /// 63.53 ms and proximal ones at 26.61 and 137.12 ms.
    pub fn add_erp_drives(&mut self) -> Result<()> {
        use CellType::*;
        let target = |cell_type, ampa, nmda, delay| DriveTarget { cell_type, ampa, nmda, delay, probability: 1.0 };
        self.add_drive(Drive {
            name: "evdist1".into(),
            dynamics: DriveKind::Evoked { mu: 63.53, sigma: 3.85, numspikes: 1 },
            location: SynapseGroup::Distal,
            targets: vec![
                target(L2Basket, Some(0.006562), Some(0.019482), 0.1),
                target(L2Pyramidal, Some(7e-06), Some(0.004317), 0.1),
                target(L5Pyramidal, Some(0.1423), Some(0.080074), 0.1),
            ],
            space_constant: 3.0,
            event_seed: 274,
            cell_specific: true,
            n_drive_cells: 0,
            conn_seed: 3,
        })?;
        self.add_drive(Drive {
            name: "evprox1".into(),
            dynamics: DriveKind::Evoked { mu: 26.61, sigma: 2.47, numspikes: 1 },
            location: SynapseGroup::Proximal,
            targets: vec![
                target(L2Basket, Some(0.08831), None, 0.1),
                target(L2Pyramidal, Some(0.01525), None, 0.1),
                target(L5Basket, Some(0.19934), None, 1.0),
                target(L5Pyramidal, Some(0.00865), None, 1.0),
            ],
            space_constant: 3.0,
            event_seed: 544,
            cell_specific: true,
            n_drive_cells: 0,
            conn_seed: 3,
        })?;
        self.add_drive(Drive {
            name: "evprox2".into(),
            dynamics: DriveKind::Evoked { mu: 137.12, sigma: 8.33, numspikes: 1 },
            location: SynapseGroup::Proximal,
            targets: vec![
                target(L2Basket, Some(3e-06), None, 0.1),
                target(L2Pyramidal, Some(1.43884), None, 0.1),
                target(L5Basket, Some(0.008958), None, 1.0),
                target(L5Pyramidal, Some(0.684013), None, 1.0),
            ],
            space_constant: 3.0,
            event_seed: 814,
            cell_specific: true,
            n_drive_cells: 0,
            conn_seed: 3,
        })
    }

    /// The event times of every drive cell in trial `trial` of a simulation
    /// of `tstop` ms, drawn as hnn-core draws them.
    pub fn drive_events(&self, tstop: f64, trial: usize) -> Result<DriveEvents> {
        let offset = self.gid_count() as i64;
        let mut all = Vec::with_capacity(self.drives.len());
        for (k, drive) in self.drives.iter().enumerate() {
            let count = self.drive_cell_count(k);
            // The target type of each drive cell (a common drive's: any).
            let types: Vec<Option<CellType>> = if drive.cell_specific {
                drive
                    .targets
                    .iter()
                    .flat_map(|t| std::iter::repeat_n(Some(t.cell_type), self.cell_count(t.cell_type)))
                    .collect()
            } else {
                vec![None; count]
            };
            let mut cells = Vec::with_capacity(count);
            for (index, target) in types.into_iter().enumerate() {
                let dynamics = self.dynamics_for(drive, target, tstop)?;
                let seeds = DriveSeeds {
                    event_seed: drive.event_seed,
                    trial_seed_offset: offset,
                    trial: trial as i64,
                    gid: index as i64,
                };
                cells.push(drive_cell_event_times(&dynamics, tstop, seeds)?);
            }
            all.push(cells);
        }
        Ok(all)
    }

    /// A drive's dynamics for a drive cell targeting `target` (`None`: a
    /// common drive's cell, any target).
    fn dynamics_for(&self, drive: &Drive, target: Option<CellType>, tstop: f64) -> Result<DriveDynamics> {
        Ok(match &drive.dynamics {
            DriveKind::Evoked { mu, sigma, numspikes } => {
                DriveDynamics::Evoked { mu: *mu, sigma: *sigma, numspikes: *numspikes }
            }
            DriveKind::Poisson { tstart, tstop: end, rates } => {
                let rate = match target {
                    Some(t) => rates.iter().find(|(u, _)| *u == t).map(|(_, r)| *r),
                    None => rates.first().map(|(_, r)| *r),
                };
                DriveDynamics::Poisson {
                    tstart: *tstart,
                    tstop: end.unwrap_or(tstop),
                    rate: rate.ok_or_else(|| NeuriteError::InvalidParameter {
                        what: format!("drive `{}` rate", drive.name),
                        value: f64::NAN,
                        reason: "a Poisson drive needs a rate for every target type",
                    })?,
                }
            }
            DriveKind::Bursty { tstart, tstart_std, tstop: end, burst_rate, burst_std, numspikes, spike_isi } => {
                DriveDynamics::Bursty {
                    tstart: *tstart,
                    tstart_std: *tstart_std,
                    tstop: end.unwrap_or(tstop),
                    burst_rate: *burst_rate,
                    burst_std: *burst_std,
                    numspikes: *numspikes,
                    spike_isi: *spike_isi,
                }
            }
        })
    }

    /// The template of `cell_type`.
    pub fn template(&self, cell_type: CellType) -> Result<&CellTemplate> {
        self.templates.iter().find(|(t, _)| *t == cell_type).map(|(_, t)| t).ok_or_else(|| NeuriteError::InvalidInput {
            what: format!("cell type {}", cell_type.name()),
            reason: "no template".into(),
        })
    }

    /// Position of gid `gid` (a drive cell is at the grid's centre).
    fn position(&self, gid: Gid) -> [f64; 3] {
        match self.cell_of(gid) {
            Some((t, i)) => self.positions.iter().find(|(u, _)| *u == t).expect("type").1[i],
            None => self.origin,
        }
    }

    /// Adds a tonic bias (hnn-core's `add_tonic_bias`): `amplitude` nA into
    /// the soma's middle of every cell of `cell_type` from `t0` to `tstop`
    /// ms (`None`: the end of the simulation), named `tonic`.
    pub fn add_tonic_bias(&mut self, cell_type: CellType, amplitude: f64, t0: f64, tstop: Option<f64>) -> Result<()> {
        self.add_bias(TonicBias { name: "tonic".into(), cell_type, section: "soma".into(), amplitude, t0, tstop })
    }

    /// Adds a bias of any name on any section (hnn-core's
    /// `add_tonic_bias(amplitude={type: nA}, section=..., bias_name=...,
    /// t0=..., tstop=...)`): an IClamp at the section's middle in every cell
    /// of the type. One bias of a name per cell type; a cell's biases are
    /// made in the order their names were first used, as hnn-core's
    /// NetworkBuilder makes them.
    pub fn add_bias(&mut self, bias: TonicBias) -> Result<()> {
        let bad = |what: &str, value: f64, reason: &'static str| NeuriteError::InvalidParameter {
            what: format!("bias `{}` of {} {what}", bias.name, bias.cell_type.name()),
            value,
            reason,
        };
        if self.biases.iter().any(|b| b.cell_type == bias.cell_type && b.name == bias.name) {
            return Err(bad("", f64::NAN, "a bias of this name was already added for this cell type"));
        }
        if !self.template(bias.cell_type)?.sections.iter().any(|s| s.name == bias.section) {
            return Err(NeuriteError::InvalidInput {
                what: format!("bias `{}` of {}", bias.name, bias.cell_type.name()),
                reason: format!("no section `{}` in its cells", bias.section),
            });
        }
        if !bias.amplitude.is_finite() {
            return Err(bad("amplitude (nA)", bias.amplitude, "must be finite"));
        }
        if !(bias.t0.is_finite() && bias.t0 >= 0.0) {
            return Err(bad("t0 (ms)", bias.t0, "must be finite and >= 0"));
        }
        if let Some(end) = bias.tstop
            && !(end.is_finite() && end >= bias.t0)
        {
            return Err(bad("tstop (ms)", end, "must be finite and >= t0"));
        }
        self.biases.push(bias);
        Ok(())
    }

    /// The biases of cells of `cell_type`, in the order hnn-core makes
    /// them: by the first use of their names.
    fn biases_of(&self, cell_type: CellType) -> Vec<&TonicBias> {
        let first_use = |name: &str| self.biases.iter().position(|b| b.name == name).unwrap_or(usize::MAX);
        let mut biases: Vec<&TonicBias> = self.biases.iter().filter(|b| b.cell_type == cell_type).collect();
        biases.sort_by_key(|b| first_use(&b.name));
        biases
    }

    /// Builds the cells `keep` selects for a simulation of `tstop` ms, their
    /// NetCons and tonic biases, and the drive cells `keep` selects, spiking
    /// at `events` (one list per drive cell).
    pub fn build(&self, events: &DriveEvents, tstop: f64, keep: impl Fn(Gid) -> bool) -> Result<BuiltColumn> {
        let threshold = self.params.number("threshold")?;
        let mut network = Network::new();
        network.set_identity(format!("hnn column {} cells, {} drives", self.network_cell_count(), self.drives.len()));
        let mut built: HashMap<Gid, (CellType, BuiltCell)> = HashMap::new();
        for (cell_type, positions) in &self.positions {
            let first = self.cell_gids(*cell_type).start;
            for (i, pos) in positions.iter().enumerate() {
                let gid = first + i as Gid;
                if !keep(gid) {
                    continue;
                }
                let mut cell =
                    self.template(*cell_type)?.build(cell_type.name(), *pos, threshold, cell_type.is_pyramidal())?;
                for bias in self.biases_of(*cell_type) {
                    let section = cell.cell.find_section(&bias.section).ok_or_else(|| NeuriteError::InvalidInput {
                        what: format!("tonic bias of {}", cell_type.name()),
                        reason: format!("no section `{}`", bias.section),
                    })?;
                    let clamp =
                        cell.cell.add_point_process(crate::morphology::Location::new(section, 0.5), "IClamp")?;
                    cell.cell.set_point_parameter(clamp, "del", bias.t0)?;
                    cell.cell.set_point_parameter(clamp, "dur", bias.tstop.unwrap_or(tstop) - bias.t0)?;
                    cell.cell.set_point_parameter(clamp, "amp", bias.amplitude)?;
                }
                built.insert(gid, (*cell_type, cell));
            }
        }
        if events.len() != self.drives.len() {
            return Err(NeuriteError::InvalidParameter {
                what: "drive event lists".into(),
                value: events.len() as f64,
                reason: "must be one per drive",
            });
        }
        for (k, drive_events) in events.iter().enumerate() {
            let gids = self.drive_gids(k);
            if drive_events.len() as u64 != gids.end - gids.start {
                return Err(NeuriteError::InvalidParameter {
                    what: format!("event lists of drive `{}`", self.drives[k].name),
                    value: drive_events.len() as f64,
                    reason: "must be one per drive cell",
                });
            }
            // A cell-specific drive's cell whose connections were all left
            // out by a probability below 1 is not made (as hnn-core's
            // NetworkBuilder): it neither exists nor spikes.
            let connected: std::collections::HashSet<Gid> = self
                .connections
                .iter()
                .filter(|c| c.source == Source::Drive(k))
                .flat_map(|c| c.pairs.iter().map(|(source, _)| *source))
                .collect();
            for (gid, times) in gids.zip(drive_events) {
                if keep(gid) && (!self.drives[k].cell_specific || connected.contains(&gid)) {
                    network.add_spike_source(gid, times.clone())?;
                }
            }
        }
        let mut gids: Vec<Gid> = built.keys().copied().collect();
        gids.sort_unstable();
        let mut netcons: Vec<(Gid, NetConTarget, f64, f64)> = Vec::new();
        for connection in &self.connections {
            for (source, targets) in &connection.pairs {
                let from = self.position(*source);
                for target in targets {
                    let Some((cell_type, cell)) = built.get(target) else { continue };
                    let to = self.position(*target);
                    let (dx, dy) = (to[0] - from[0], to[1] - from[1]);
                    let distance = (dx.powi(2) + dy.powi(2)).sqrt();
                    let decay = (-distance.powi(2) / connection.lamtha.powi(2)).exp();
                    let weight = connection.weight * connection.gain * decay;
                    let delay = connection.delay / decay;
                    let template = self.template(*cell_type)?;
                    for synapse in cell.synapses_at(template, &connection.location, connection.receptor)? {
                        let to = NetConTarget::PointProcess { gid: *target, point_process: synapse };
                        netcons.push((*source, to, weight, delay));
                    }
                }
            }
        }
        let mut dipoles = Vec::new();
        for gid in gids {
            let (cell_type, cell) = built.remove(&gid).expect("built");
            if cell_type.is_pyramidal() {
                dipoles.push((gid, cell_type, cell.dipole_terms));
            }
            network.add_cable_cell(gid, cell.cell)?;
        }
        for (source, target, weight, delay) in netcons {
            network.connect(source, target, weight, delay)?;
        }
        Ok(BuiltColumn { network, dipoles })
    }
}

/// A flat file's drive targets: every cell type (L5 basket cells only for
/// proximal drives), AMPA and NMDA weights from the keys `weight_key(type,
/// receptor)` gives (zeros included: hnn-core connects them), delays from
/// `delay`.
fn flat_targets(
    p: &Params,
    proximal: bool,
    weight_key: impl Fn(CellType, &str) -> String,
    delay: impl Fn(CellType) -> Result<f64>,
) -> Result<Vec<DriveTarget>> {
    CellType::ALL
        .into_iter()
        .filter(|&t| proximal || t != CellType::L5Basket)
        .map(|cell_type| {
            Ok(DriveTarget {
                cell_type,
                ampa: Some(p.number(&weight_key(cell_type, "ampa"))?),
                nmda: Some(p.number(&weight_key(cell_type, "nmda"))?),
                delay: delay(cell_type)?,
                probability: 1.0,
            })
        })
        .collect()
}
