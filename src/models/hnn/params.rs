//! HNN parameter sets: hnn-core's flat parameter files (`default.json`:
//! `L2Pyr_soma_L`, `gbar_L2Pyr_L2Basket`, `t_evprox_1`, ...) read with
//! serde_json, over the Jones 2009 defaults.

use std::collections::BTreeMap;

use crate::error::{NeuriteError, Result};

/// The values of the Jones 2009 model that the column reads: simulation
/// settings and connection weights (µS) of hnn-core's `default.json`.
const NETWORK_DEFAULTS: &[(&str, f64)] = &[
    ("tstop", 170.0),
    ("dt", 0.025),
    ("celsius", 37.0),
    ("threshold", 0.0),
    ("N_trials", 1.0),
    ("dipole_scalefctr", 3000.0),
    ("dipole_smooth_win", 30.0),
    ("N_pyr_x", 10.0),
    ("N_pyr_y", 10.0),
    ("gbar_L2Pyr_L2Pyr_ampa", 0.0005),
    ("gbar_L2Pyr_L2Pyr_nmda", 0.0005),
    ("gbar_L2Basket_L2Pyr_gabaa", 0.05),
    ("gbar_L2Basket_L2Pyr_gabab", 0.05),
    ("gbar_L2Pyr_L5Pyr", 0.00025),
    ("gbar_L2Basket_L5Pyr", 0.001),
    ("gbar_L5Pyr_L5Pyr_ampa", 0.0005),
    ("gbar_L5Pyr_L5Pyr_nmda", 0.0005),
    ("gbar_L5Basket_L5Pyr_gabaa", 0.025),
    ("gbar_L5Basket_L5Pyr_gabab", 0.025),
    ("gbar_L2Pyr_L2Basket", 0.0005),
    ("gbar_L2Basket_L2Basket", 0.02),
    ("gbar_L2Pyr_L5Basket", 0.00025),
    ("gbar_L5Pyr_L5Basket", 0.0005),
    ("gbar_L5Basket_L5Basket", 0.02),
];

/// hnn-core 0.6.1's defaults for what a parameter file leaves out
/// (`get_params_default`): its `Params` fills every missing key from them
/// (and keeps only keys it knows). Evoked drives' keys are handled apart.
const FILE_DEFAULTS: &[(&str, f64)] = &[
    ("tstop", 250.0),
    ("dt", 0.025),
    ("celsius", 37.0),
    ("threshold", 0.0),
    ("N_trials", 1.0),
    ("dipole_scalefctr", 30000.0),
    ("dipole_smooth_win", 15.0),
    ("sync_evinput", 1.0),
    ("t0_input_prox", 1000.0),
    ("tstop_input_prox", 250.0),
    ("f_input_prox", 10.0),
    ("f_stdev_prox", 20.0),
    ("events_per_cycle_prox", 2.0),
    ("repeats_prox", 10.0),
    ("t0_input_stdev_prox", 0.0),
    ("input_prox_A_delay_L2", 0.1),
    ("input_prox_A_delay_L5", 1.0),
    ("t0_input_dist", 1000.0),
    ("tstop_input_dist", 250.0),
    ("f_input_dist", 10.0),
    ("f_stdev_dist", 20.0),
    ("events_per_cycle_dist", 2.0),
    ("repeats_dist", 10.0),
    ("t0_input_stdev_dist", 0.0),
    ("input_dist_A_delay_L2", 5.0),
    ("input_dist_A_delay_L5", 5.0),
    ("t0_pois", 0.0),
    ("T_pois", -1.0),
    ("L2Basket_Gauss_mu", 2000.0),
    ("L2Pyr_Gauss_mu", 2000.0),
    ("L5Basket_Gauss_mu", 2000.0),
    ("L5Pyr_Gauss_mu", 2000.0),
    ("L2Basket_Gauss_sigma", 3.6),
    ("L2Pyr_Gauss_sigma", 3.6),
    ("L5Basket_Gauss_sigma", 2.0),
    ("L5Pyr_Gauss_sigma", 4.8),
];

/// The pyramidal cells' values (hnn-core 0.6.1's `params_default.py`:
/// geometry in µm, Ra in Ω·cm, cm in µF/cm², synapses in mV and ms,
/// conductances in S/cm² or pS/µm² as the channel's gbar).
const CELL_DEFAULTS: &[(&str, f64)] = &[
    ("L2Pyr_soma_L", 22.1),
    ("L2Pyr_soma_diam", 23.4),
    ("L2Pyr_soma_cm", 0.6195),
    ("L2Pyr_soma_Ra", 200.0),
    ("L2Pyr_dend_cm", 0.6195),
    ("L2Pyr_dend_Ra", 200.0),
    ("L2Pyr_apicaltrunk_L", 59.5),
    ("L2Pyr_apicaltrunk_diam", 4.25),
    ("L2Pyr_apical1_L", 306.0),
    ("L2Pyr_apical1_diam", 4.08),
    ("L2Pyr_apicaltuft_L", 238.0),
    ("L2Pyr_apicaltuft_diam", 3.4),
    ("L2Pyr_apicaloblique_L", 340.0),
    ("L2Pyr_apicaloblique_diam", 3.91),
    ("L2Pyr_basal1_L", 85.0),
    ("L2Pyr_basal1_diam", 4.25),
    ("L2Pyr_basal2_L", 255.0),
    ("L2Pyr_basal2_diam", 2.72),
    ("L2Pyr_basal3_L", 255.0),
    ("L2Pyr_basal3_diam", 2.72),
    ("L2Pyr_ampa_e", 0.0),
    ("L2Pyr_ampa_tau1", 0.5),
    ("L2Pyr_ampa_tau2", 5.0),
    ("L2Pyr_nmda_e", 0.0),
    ("L2Pyr_nmda_tau1", 1.0),
    ("L2Pyr_nmda_tau2", 20.0),
    ("L2Pyr_gabaa_e", -80.0),
    ("L2Pyr_gabaa_tau1", 0.5),
    ("L2Pyr_gabaa_tau2", 5.0),
    ("L2Pyr_gabab_e", -80.0),
    ("L2Pyr_gabab_tau1", 1.0),
    ("L2Pyr_gabab_tau2", 20.0),
    ("L2Pyr_soma_gkbar_hh2", 0.01),
    ("L2Pyr_soma_gnabar_hh2", 0.18),
    ("L2Pyr_soma_el_hh2", -65.0),
    ("L2Pyr_soma_gl_hh2", 4.26e-05),
    ("L2Pyr_soma_gbar_km", 250.0),
    ("L2Pyr_dend_gkbar_hh2", 0.01),
    ("L2Pyr_dend_gnabar_hh2", 0.15),
    ("L2Pyr_dend_el_hh2", -65.0),
    ("L2Pyr_dend_gl_hh2", 4.26e-05),
    ("L2Pyr_dend_gbar_km", 250.0),
    ("L5Pyr_soma_L", 39.0),
    ("L5Pyr_soma_diam", 28.9),
    ("L5Pyr_soma_cm", 0.85),
    ("L5Pyr_soma_Ra", 200.0),
    ("L5Pyr_dend_cm", 0.85),
    ("L5Pyr_dend_Ra", 200.0),
    ("L5Pyr_apicaltrunk_L", 102.0),
    ("L5Pyr_apicaltrunk_diam", 10.2),
    ("L5Pyr_apical1_L", 680.0),
    ("L5Pyr_apical1_diam", 7.48),
    ("L5Pyr_apical2_L", 680.0),
    ("L5Pyr_apical2_diam", 4.93),
    ("L5Pyr_apicaltuft_L", 425.0),
    ("L5Pyr_apicaltuft_diam", 3.4),
    ("L5Pyr_apicaloblique_L", 255.0),
    ("L5Pyr_apicaloblique_diam", 5.1),
    ("L5Pyr_basal1_L", 85.0),
    ("L5Pyr_basal1_diam", 6.8),
    ("L5Pyr_basal2_L", 255.0),
    ("L5Pyr_basal2_diam", 8.5),
    ("L5Pyr_basal3_L", 255.0),
    ("L5Pyr_basal3_diam", 8.5),
    ("L5Pyr_ampa_e", 0.0),
    ("L5Pyr_ampa_tau1", 0.5),
    ("L5Pyr_ampa_tau2", 5.0),
    ("L5Pyr_nmda_e", 0.0),
    ("L5Pyr_nmda_tau1", 1.0),
    ("L5Pyr_nmda_tau2", 20.0),
    ("L5Pyr_gabaa_e", -80.0),
    ("L5Pyr_gabaa_tau1", 0.5),
    ("L5Pyr_gabaa_tau2", 5.0),
    ("L5Pyr_gabab_e", -80.0),
    ("L5Pyr_gabab_tau1", 1.0),
    ("L5Pyr_gabab_tau2", 20.0),
    ("L5Pyr_soma_gkbar_hh2", 0.01),
    ("L5Pyr_soma_gnabar_hh2", 0.16),
    ("L5Pyr_soma_el_hh2", -65.0),
    ("L5Pyr_soma_gl_hh2", 4.26e-05),
    ("L5Pyr_soma_gbar_ca", 60.0),
    ("L5Pyr_soma_taur_cad", 20.0),
    ("L5Pyr_soma_gbar_kca", 0.0002),
    ("L5Pyr_soma_gbar_km", 200.0),
    ("L5Pyr_soma_gbar_cat", 0.0002),
    ("L5Pyr_soma_gbar_ar", 1e-06),
    ("L5Pyr_dend_gkbar_hh2", 0.01),
    ("L5Pyr_dend_gnabar_hh2", 0.14),
    ("L5Pyr_dend_el_hh2", -71.0),
    ("L5Pyr_dend_gl_hh2", 4.26e-05),
    ("L5Pyr_dend_gbar_ca", 60.0),
    ("L5Pyr_dend_taur_cad", 20.0),
    ("L5Pyr_dend_gbar_kca", 0.0002),
    ("L5Pyr_dend_gbar_km", 200.0),
    ("L5Pyr_dend_gbar_cat", 0.0002),
    ("L5Pyr_dend_gbar_ar", 1e-06),
];

/// A parameter set: the Jones 2009 defaults, with the values of a parameter
/// file over them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    /// Values read from a file (numbers; booleans as 0 and 1).
    values: BTreeMap<String, f64>,
    /// Whether missing values come from hnn-core's defaults for files
    /// (`get_params_default`) rather than from `default.json`.
    file: bool,
    /// Where they came from (for messages).
    source: String,
}

impl Params {
    /// The Jones 2009 defaults (hnn-core's `default.json` for what the
    /// column reads).
    pub fn jones_2009() -> Params {
        Params { values: BTreeMap::new(), file: false, source: "the Jones 2009 defaults".into() }
    }

    /// Reads a flat parameter file (hnn-core's `.json` parameter files, as
    /// the HNN GUI wrote them): a JSON object of numbers, booleans and
    /// strings. Strings are kept out (they name things, such as
    /// `sim_prefix`); a value of another type is an error naming its key.
    pub fn from_json_str(text: &str, source: &str) -> Result<Params> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| NeuriteError::InvalidInput {
            what: format!("{source}:{}:{}", e.line(), e.column()),
            reason: format!("not a JSON parameter file: {e}"),
        })?;
        let serde_json::Value::Object(map) = value else {
            return Err(NeuriteError::InvalidInput {
                what: source.to_string(),
                reason: "a parameter file is one JSON object of names and values".into(),
            });
        };
        let mut values = BTreeMap::new();
        for (key, value) in map {
            let number = match &value {
                serde_json::Value::Number(n) => n.as_f64(),
                serde_json::Value::Bool(b) => Some(f64::from(u8::from(*b))),
                serde_json::Value::String(_) => None,
                _ => {
                    return Err(NeuriteError::InvalidInput {
                        what: format!("{source}: .{key}"),
                        reason: format!("expected a number, got {value}"),
                    });
                }
            };
            if let Some(number) = number {
                values.insert(key, number);
            }
        }
        Ok(Params { values, file: true, source: source.to_string() })
    }

    /// Reads a flat parameter file from `path`.
    pub fn read(path: &std::path::Path) -> Result<Params> {
        let text = std::fs::read_to_string(path).map_err(|e| NeuriteError::InvalidInput {
            what: path.display().to_string(),
            reason: format!("cannot read: {e}"),
        })?;
        Params::from_json_str(&text, &path.display().to_string())
    }

    /// The value of `name`: from the file, else the default.
    pub fn number(&self, name: &str) -> Result<f64> {
        if let Some(v) = self.values.get(name) {
            return Ok(*v);
        }
        if self.file {
            // hnn-core's defaults: weights 0, the inputs' settings above,
            // and for the rest (seeds, times) 0.
            let zero =
                ["gbar_", "input_prox_A_weight_", "input_dist_A_weight_", "prng_seedcore_", "t_ev", "sigma_t_ev"]
                    .iter()
                    .any(|p| name.starts_with(p))
                    || name.ends_with("_Pois_A_weight_ampa")
                    || name.ends_with("_Pois_A_weight_nmda")
                    || name.ends_with("_Pois_lamtha")
                    || name.ends_with("_Gauss_A_weight");
            if let Some((_, v)) = FILE_DEFAULTS.iter().find(|(k, _)| *k == name) {
                return Ok(*v);
            }
            if name.starts_with("numspikes_ev") {
                return Ok(1.0);
            }
            if zero {
                return Ok(0.0);
            }
        }
        NETWORK_DEFAULTS.iter().chain(CELL_DEFAULTS).find(|(k, _)| *k == name).map(|(_, v)| *v).ok_or_else(|| {
            NeuriteError::InvalidInput { what: format!("{}: .{name}", self.source), reason: "missing parameter".into() }
        })
    }

    /// The value of `name` if the file or the defaults have it.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.number(name).ok()
    }

    /// Whether the file sets `name`.
    pub fn is_set(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// A pyramidal cell's value `name`. hnn-core 0.6.1 builds its cells from
    /// its own defaults whatever the file says (`jones_2009_model` calls
    /// `pyramidal(cell_name)` without the file's values), and so does this.
    pub fn cell_number(&self, name: &str) -> Result<f64> {
        CELL_DEFAULTS.iter().find(|(k, _)| *k == name).map(|(_, v)| *v).ok_or_else(|| NeuriteError::InvalidInput {
            what: format!("cell parameter .{name}"),
            reason: "not a parameter of hnn-core's pyramidal cells".into(),
        })
    }

    /// The names the file sets, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }
}
