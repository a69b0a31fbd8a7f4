//! hnn-core 0.6's own network files (`write_configuration` /
//! `read_network_configuration`: `{"object_type": "Network", "cell_types":
//! ..., "connectivity": ..., "external_drives": ...}`), read into a
//! [`Column`] as hnn-core reads them: cell templates from the file, drives
//! re-created (their events drawn again), then the file's connectivity.

use serde_json::{Map, Value};

use super::cells::nseg_for_length;
use super::cells::{CellTemplate, CellType, Receptor, SectionTemplate, SectionValue, SynapseGroup, SynapseKinetics};
use super::column::{Column, Connection, Drive, DriveKind, DriveTarget, Source, TonicBias};
use super::params::Params;
use crate::error::{NeuriteError, Result};
use crate::network::Gid;

/// A JSON value with the path that leads to it, for messages.
struct At<'a> {
    value: &'a Value,
    path: String,
    source: &'a str,
}

impl<'a> At<'a> {
    fn error(&self, reason: impl Into<String>) -> NeuriteError {
        NeuriteError::InvalidInput { what: format!("{}: {}", self.source, self.path), reason: reason.into() }
    }

    fn get(&self, key: &str) -> Result<At<'a>> {
        let object = self.object()?;
        let value = object.get(key).ok_or_else(|| self.error(format!("missing `{key}`")))?;
        Ok(At { value, path: format!("{}.{key}", self.path), source: self.source })
    }

    fn optional(&self, key: &str) -> Option<At<'a>> {
        let value = self.value.as_object()?.get(key)?;
        (!value.is_null()).then(|| At { value, path: format!("{}.{key}", self.path), source: self.source })
    }

    fn object(&self) -> Result<&'a Map<String, Value>> {
        self.value.as_object().ok_or_else(|| self.error("expected an object"))
    }

    fn entries(&self) -> Result<Vec<(&'a str, At<'a>)>> {
        Ok(self
            .object()?
            .iter()
            .map(|(k, v)| (k.as_str(), At { value: v, path: format!("{}.{k}", self.path), source: self.source }))
            .collect())
    }

    fn items(&self) -> Result<Vec<At<'a>>> {
        let array = self.value.as_array().ok_or_else(|| self.error("expected an array"))?;
        Ok(array
            .iter()
            .enumerate()
            .map(|(i, v)| At { value: v, path: format!("{}[{i}]", self.path), source: self.source })
            .collect())
    }

    fn number(&self) -> Result<f64> {
        self.value
            .as_f64()
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.error(format!("expected a number, got {}", self.value)))
    }

    fn text(&self) -> Result<&'a str> {
        self.value.as_str().ok_or_else(|| self.error(format!("expected a string, got {}", self.value)))
    }

    fn point(&self) -> Result<[f64; 3]> {
        let items = self.items()?;
        if items.len() != 3 {
            return Err(self.error("expected [x, y, z]"));
        }
        Ok([items[0].number()?, items[1].number()?, items[2].number()?])
    }

    fn cell_type(&self) -> Result<CellType> {
        let name = self.text()?;
        CellType::from_name(name)
            .ok_or_else(|| self.error(format!("unknown cell type `{name}` (neurite has hnn-core's four)")))
    }
}

fn receptor(at: &At, name: &str) -> Result<Receptor> {
    Receptor::from_name(name).ok_or_else(|| at.error(format!("unknown receptor `{name}`")))
}

/// A `"section,end"` node of a `cell_tree`.
fn node(at: &At, text: &str) -> Result<(String, f64)> {
    let (section, end) = text.rsplit_once(',').ok_or_else(|| at.error(format!("`{text}` is not `section,end`")))?;
    match end.trim() {
        "0" => Ok((section.to_string(), 0.0)),
        "1" => Ok((section.to_string(), 1.0)),
        other => Err(at.error(format!("end `{other}` of `{text}` must be 0 or 1"))),
    }
}

fn template(at: &At) -> Result<CellTemplate> {
    let object = match at.optional("cell_object") {
        Some(object) => object,
        None => At { value: at.value, path: at.path.clone(), source: at.source },
    };
    let mut sections = Vec::new();
    for (name, s) in object.get("sections")?.entries()? {
        let length = s.get("L")?.number()?;
        let ends = s.get("end_pts")?.items()?;
        if ends.len() != 2 {
            return Err(s.get("end_pts")?.error("expected two end points"));
        }
        let mut mechanisms = Vec::new();
        for (mechanism, values) in s.get("mechs")?.entries()? {
            let mut parameters = Vec::new();
            for (attribute, value) in values.entries()? {
                let parameter = attribute
                    .strip_suffix(&format!("_{mechanism}"))
                    .ok_or_else(|| value.error(format!("`{attribute}` does not end in _{mechanism}")))?;
                let value = match value.value {
                    Value::Array(_) => {
                        let parts = value.items()?;
                        let per_segment = parts.get(1).ok_or_else(|| value.error("expected [positions, values]"))?;
                        SectionValue::PerSegment(per_segment.items()?.iter().map(At::number).collect::<Result<_>>()?)
                    }
                    _ => SectionValue::Uniform(value.number()?),
                };
                parameters.push((parameter.to_string(), value));
            }
            mechanisms.push((mechanism.to_string(), parameters));
        }
        let receptors = s.get("syns")?.items()?.iter().map(|r| receptor(r, r.text()?)).collect::<Result<Vec<_>>>()?;
        sections.push(SectionTemplate {
            name: name.to_string(),
            length,
            diam: s.get("diam")?.number()?,
            cm: s.get("cm")?.number()?,
            ra: s.get("Ra")?.number()?,
            end_points: [ends[0].point()?, ends[1].point()?],
            // hnn-core's Section computes nseg from L whatever the file says.
            nseg: nseg_for_length(length),
            v0: s.optional("v0").map_or(Ok(-65.0), |v| v.number())?,
            mechanisms,
            receptors,
        });
    }
    let mut tree = Vec::new();
    if let Some(cell_tree) = object.optional("cell_tree") {
        for (parent, children) in cell_tree.entries()? {
            let (parent, parent_end) = node(&children, parent)?;
            for child in children.items()? {
                let (child_section, child_end) = node(&child, child.text()?)?;
                if child_section != parent {
                    tree.push((child_section, child_end, parent.clone(), parent_end));
                }
            }
        }
    }
    let group = |key: &str| -> Result<Vec<String>> {
        match object.get("sect_loc")?.optional(key) {
            Some(list) => list.items()?.iter().map(|s| Ok(s.text()?.to_string())).collect(),
            None => Ok(Vec::new()),
        }
    };
    let mut kinetics = Vec::new();
    for (name, k) in object.get("synapses")?.entries()? {
        kinetics.push((
            receptor(&k, name)?,
            SynapseKinetics {
                e: k.get("e")?.number()?,
                tau1: k.get("tau1")?.number()?,
                tau2: k.get("tau2")?.number()?,
            },
        ));
    }
    let template = CellTemplate { sections, tree, proximal: group("proximal")?, distal: group("distal")?, kinetics };
    if !template.sections.iter().any(|s| s.name == "soma") {
        return Err(object.get("sections")?.error("a cell needs a section called soma"));
    }
    Ok(template)
}

impl Column {
    /// Reads hnn-core 0.6's network file (`net.write_configuration(fname)`),
    /// as `read_network_configuration` does: the file's cell templates,
    /// positions, `celsius` and `threshold`; its drives re-created (their
    /// events are drawn again from their seeds); its connectivity as
    /// written (with the pairs a probability below 1 kept); tonic biases.
    /// Errors name the JSON path. Not supported yet: cell types other than
    /// hnn-core's four.
    pub fn from_network_configuration(text: &str, source: &str) -> Result<Column> {
        let value: Value = serde_json::from_str(text).map_err(|e| NeuriteError::InvalidInput {
            what: format!("{source}:{}:{}", e.line(), e.column()),
            reason: format!("not a JSON network file: {e}"),
        })?;
        let root = At { value: &value, path: "$".into(), source };
        if root.get("object_type")?.text()? != "Network" {
            return Err(root.get("object_type")?.error("must be \"Network\""));
        }
        let unsupported = |at: &At, what: &str| at.error(format!("{what} is not supported yet"));
        let flat = format!(
            "{{\"celsius\": {}, \"threshold\": {}}}",
            root.get("celsius")?.number()?,
            root.get("threshold")?.number()?
        );
        let mut column = Column::jones_2009(Params::from_json_str(&flat, source)?)?;
        column.mesh = (root.get("N_pyr_x")?.number()? as usize, root.get("N_pyr_y")?.number()? as usize);
        let mut biases = Vec::new();
        if let Some(file_biases) = root.optional("external_biases") {
            for (name, per_type) in file_biases.entries()? {
                for (cell_type, b) in per_type.entries()? {
                    let tstop = match b.optional("tstop") {
                        Some(t) if !t.value.is_null() => Some(t.number()?),
                        _ => None,
                    };
                    let bias = TonicBias {
                        name: name.to_string(),
                        cell_type: CellType::from_name(cell_type).ok_or_else(|| b.error("unknown cell type"))?,
                        section: b.optional("section").map_or(Ok("soma"), |s| s.text())?.to_string(),
                        amplitude: b.get("amplitude")?.number()?,
                        t0: b.get("t0")?.number()?,
                        tstop,
                    };
                    biases.push((b, bias));
                }
            }
        }

        // Cell types, in the file's order, with their positions.
        column.templates.clear();
        column.positions.clear();
        let positions = root.get("pos_dict")?;
        for (name, cell) in root.get("cell_types")?.entries()? {
            let cell_type = CellType::from_name(name)
                .ok_or_else(|| cell.error(format!("unknown cell type `{name}` (neurite has hnn-core's four)")))?;
            column.templates.push((cell_type, template(&cell)?));
            let points = positions.get(name)?.items()?.iter().map(At::point).collect::<Result<Vec<_>>>()?;
            column.positions.push((cell_type, points));
        }
        column.origin = positions.get("origin")?.point()?;

        // Drives in gid order (hnn-core's _order_drives).
        let ranges = root.get("gid_ranges")?;
        let start_of = |name: &str| -> Result<Gid> { Ok(ranges.get(name)?.get("start")?.number()? as Gid) };
        let mut drives: Vec<(Gid, &str, At)> = Vec::new();
        for (name, drive) in root.get("external_drives")?.entries()? {
            drives.push((start_of(name)?, name, drive));
        }
        drives.sort_by_key(|(start, _, _)| *start);
        for (_, name, d) in drives {
            let cell_specific = d.get("cell_specific")?.value.as_bool().unwrap_or(false);
            let n_drive_cells = match cell_specific {
                true => 0,
                false => d.get("n_drive_cells")?.number()? as usize,
            };
            let dynamics = d.get("dynamics")?;
            let kind = match d.get("type")?.text()? {
                "evoked" | "gaussian" => DriveKind::Evoked {
                    mu: dynamics.get("mu")?.number()?,
                    sigma: dynamics.get("sigma")?.number()?,
                    numspikes: dynamics.get("numspikes")?.number()? as usize,
                },
                "poisson" => {
                    let rates = dynamics.get("rate_constant")?;
                    let rates = match rates.value {
                        Value::Object(_) => rates
                            .entries()?
                            .iter()
                            .map(|(t, r)| {
                                Ok((CellType::from_name(t).ok_or_else(|| r.error("unknown cell type"))?, r.number()?))
                            })
                            .collect::<Result<Vec<_>>>()?,
                        _ => CellType::ALL.iter().map(|&t| Ok((t, rates.number()?))).collect::<Result<Vec<_>>>()?,
                    };
                    DriveKind::Poisson {
                        tstart: dynamics.get("tstart")?.number()?,
                        tstop: dynamics.optional("tstop").map(|t| t.number()).transpose()?,
                        rates,
                    }
                }
                "bursty" => DriveKind::Bursty {
                    tstart: dynamics.get("tstart")?.number()?,
                    tstart_std: dynamics.get("tstart_std")?.number()?,
                    tstop: dynamics.optional("tstop").map(|t| t.number()).transpose()?,
                    burst_rate: dynamics.get("burst_rate")?.number()?,
                    burst_std: dynamics.get("burst_std")?.number()?,
                    numspikes: dynamics.get("numspikes")?.number()? as usize,
                    spike_isi: dynamics.get("spike_isi")?.number()?,
                },
                other => return Err(unsupported(&d.get("type")?, &format!("a `{other}` drive"))),
            };
            let weights = |key: &str, cell_type: CellType| -> Result<Option<f64>> {
                match d.optional(key) {
                    Some(w) => w.optional(cell_type.name()).map(|x| x.number()).transpose(),
                    None => Ok(None),
                }
            };
            let mut targets = Vec::new();
            for t in d.get("target_types")?.items()? {
                let cell_type = t.cell_type()?;
                let delays = d.get("synaptic_delays")?;
                let delay = match delays.value {
                    Value::Object(_) => delays.get(cell_type.name())?.number()?,
                    _ => delays.number()?,
                };
                let probabilities = d.get("probability")?;
                let probability = match probabilities.value {
                    Value::Object(_) => probabilities.get(cell_type.name())?.number()?,
                    _ => probabilities.number()?,
                };
                targets.push(DriveTarget {
                    cell_type,
                    ampa: weights("weights_ampa", cell_type)?,
                    nmda: weights("weights_nmda", cell_type)?,
                    delay,
                    probability,
                });
            }
            column.add_drive(Drive {
                name: name.to_string(),
                dynamics: kind,
                location: SynapseGroup::from_name(d.get("location")?.text()?),
                targets,
                space_constant: 3.0,
                event_seed: d.get("event_seed")?.number()? as i64,
                cell_specific,
                n_drive_cells,
                conn_seed: match d.optional("conn_seed") {
                    Some(seed) if !seed.value.is_null() => seed.number()? as u64,
                    _ => 3,
                },
            })?;
        }
        for (name, range) in ranges.entries()? {
            let (start, stop) = (range.get("start")?.number()? as Gid, range.get("stop")?.number()? as Gid);
            let ours = match CellType::from_name(name) {
                Some(t) => column.cell_gids(t),
                None => match column.drives.iter().position(|d| d.name == name) {
                    Some(k) => column.drive_gids(k),
                    None => return Err(range.error(format!("`{name}` is neither a cell type nor a drive"))),
                },
            };
            if ours != (start..stop) {
                return Err(range.error(format!("gids {start}..{stop}, but the cells and drives number {ours:?}")));
            }
        }

        // The connectivity as written (it replaces the drives' own), pairs
        // kept by a probability below 1 included. (hnn-core 0.6.1's reader
        // passes such a connection's probability to add_connection again,
        // without a seed: it drops another random part of the pairs at each
        // reading. neurite keeps the network the file holds.)
        column.connections.clear();
        for c in root.get("connectivity")?.items()? {
            let source_at = c.get("src_type")?;
            let source_name = source_at.text()?;
            let source = match CellType::from_name(source_name) {
                Some(t) => Source::Cells(t),
                None => Source::Drive(
                    column
                        .drives
                        .iter()
                        .position(|d| d.name == source_name)
                        .ok_or_else(|| source_at.error("no such drive or cell type"))?,
                ),
            };
            let nc = c.get("nc_dict")?;
            let mut pairs = Vec::new();
            for (src, targets) in c.get("gid_pairs")?.entries()? {
                let src: Gid = src.parse().map_err(|_| targets.error(format!("`{src}` is not a gid")))?;
                let targets = targets.items()?.iter().map(|t| Ok(t.number()? as Gid)).collect::<Result<Vec<_>>>()?;
                pairs.push((src, targets));
            }
            column.connections.push(Connection {
                source,
                target: c.get("target_type")?.cell_type()?,
                location: SynapseGroup::from_name(c.get("loc")?.text()?),
                receptor: receptor(&c, c.get("receptor")?.text()?)?,
                weight: nc.get("A_weight")?.number()?,
                delay: nc.get("A_delay")?.number()?,
                lamtha: nc.get("lamtha")?.number()?,
                gain: nc.optional("gain").map_or(Ok(1.0), |g| g.number())?,
                pairs,
            });
        }
        // Biases last: their sections are checked against the templates.
        for (at, bias) in biases {
            column.add_bias(bias).map_err(|e| at.error(e.to_string()))?;
        }
        Ok(column)
    }

    /// Reads an HNN model file at `path`: hnn-core 0.6's network file
    /// ([`Column::from_network_configuration`]) when it says
    /// `"object_type": "Network"`, else a flat parameter file
    /// ([`Column::from_params`]).
    pub fn read(path: &std::path::Path) -> Result<Column> {
        let text = std::fs::read_to_string(path).map_err(|e| NeuriteError::InvalidInput {
            what: path.display().to_string(),
            reason: format!("cannot read: {e}"),
        })?;
        let source = path.display().to_string();
        let is_network = serde_json::from_str::<Value>(&text)
            .ok()
            .is_some_and(|v| v.get("object_type").and_then(Value::as_str) == Some("Network"));
        if is_network {
            Column::from_network_configuration(&text, &source)
        } else {
            Column::from_params(Params::from_json_str(&text, &source)?)
        }
    }
}
