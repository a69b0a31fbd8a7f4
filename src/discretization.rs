//! From sections to nodes, as NEURON lays them out: every section has one
//! node at the centre of each segment and a node of zero area at its x = 1
//! end; a section's x = 0 end is the node it attaches to on its parent (the
//! root section's is an extra root node of zero area).

use crate::error::Result;
use crate::morphology::{CableCell, Location, SectionId};

/// Area NEURON gives nodes without membrane (µm², "dimensionless" 100): the
/// rows of those nodes then read in µS and nA.
pub const ZERO_AREA_NODE_AREA: f64 = 100.0;

/// Where a position x of a section is among its nodes: a section's nodes are
/// laid out from the end connected to its parent (x = 0, or x = 1 for a
/// section connected by its 1 end), so node-order index j is segment j, or
/// nseg - 1 - j on a reversed section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodePlace {
    /// The node the section attaches to (on its parent).
    Attach,
    /// The zero-area node at the section's tip.
    FarEnd,
    /// The node of a segment, by node-order index.
    Segment(usize),
}

impl NodePlace {
    /// Place of `x` on a section of `nseg` segments, connected by its 1 end
    /// when `reversed` (NEURON's `node_exact`: the segment is found in user
    /// coordinates, then flipped).
    pub fn of(x: f64, nseg: usize, reversed: bool) -> Self {
        let attached_end = if reversed { 1.0 } else { 0.0 };
        if x == attached_end {
            NodePlace::Attach
        } else if x <= 0.0 || x >= 1.0 {
            NodePlace::FarEnd
        } else {
            let k = ((nseg as f64 * x) as usize).min(nseg - 1);
            NodePlace::Segment(if reversed { nseg - 1 - k } else { k })
        }
    }
}

/// Nodes of one cable cell, parents before children.
#[derive(Debug, Clone)]
pub struct CellNodes {
    /// Parent of each node (the root node, index 0, has none: `usize::MAX`).
    pub parent: Vec<usize>,
    /// Membrane area, µm² (100 for nodes without membrane).
    pub area: Vec<f64>,
    /// Axial conductance to the parent, µS.
    pub rinv: Vec<f64>,
    /// Specific capacitance, µF/cm² (0 for nodes without membrane).
    pub cm: Vec<f64>,
    /// Section each node belongs to (for messages).
    pub section_of: Vec<SectionId>,
    /// Per section: index of its first segment node.
    pub first_segment_node: Vec<usize>,
    /// Per section: the node it attaches to (its x = 0 node, x = 1 when
    /// connected by its 1 end).
    pub attach_node: Vec<usize>,
    /// Per section: its tip node (x = 1, or x = 0 when connected by its 1
    /// end).
    pub far_end_node: Vec<usize>,
}

/// The node tree of a cell without its electrical values: parents and where
/// each section's nodes are.
struct Skeleton {
    order: Vec<SectionId>,
    parent: Vec<usize>,
    first_segment_node: Vec<usize>,
    attach_node: Vec<usize>,
    far_end_node: Vec<usize>,
}

impl Skeleton {
    /// NEURON's layout: the root node, then per section (parents first) its
    /// segment nodes and its x = 1 node.
    fn new(cell: &CableCell) -> Result<Self> {
        let order = cell.tree_order()?;
        let sections = cell.sections();
        let mut skeleton = Skeleton {
            parent: Vec::with_capacity(1 + sections.iter().map(|s| s.nseg() + 1).sum::<usize>()),
            first_segment_node: vec![0; sections.len()],
            attach_node: vec![0; sections.len()],
            far_end_node: vec![0; sections.len()],
            order: Vec::new(),
        };
        skeleton.parent.push(usize::MAX);
        for &id in &order {
            let section = &sections[id.0];
            let attach = match section.parent() {
                None => 0,
                Some((p, x)) => match sections[p.0].node_place(x) {
                    NodePlace::Attach => skeleton.attach_node[p.0],
                    NodePlace::FarEnd => skeleton.far_end_node[p.0],
                    NodePlace::Segment(j) => skeleton.first_segment_node[p.0] + j,
                },
            };
            skeleton.attach_node[id.0] = attach;
            skeleton.first_segment_node[id.0] = skeleton.parent.len();
            for k in 0..section.nseg() {
                let parent = if k == 0 { attach } else { skeleton.parent.len() - 1 };
                skeleton.parent.push(parent);
            }
            skeleton.far_end_node[id.0] = skeleton.parent.len();
            skeleton.parent.push(skeleton.parent.len() - 1);
        }
        skeleton.order = order;
        Ok(skeleton)
    }
}

impl CellNodes {
    /// Lays out the nodes of `cell`.
    pub fn new(cell: &CableCell) -> Result<Self> {
        let skeleton = Skeleton::new(cell)?;
        let n = skeleton.parent.len();
        let (mut area, mut rinv, mut cm) = (vec![ZERO_AREA_NODE_AREA; n], vec![0.0; n], vec![0.0; n]);
        let mut section_of = vec![skeleton.order[0]; n];
        for &id in &skeleton.order {
            let section = &cell.sections()[id.0];
            let electrics = section.electrics_in_node_order();
            let first = skeleton.first_segment_node[id.0];
            for j in 0..section.nseg() {
                (area[first + j], rinv[first + j], cm[first + j]) =
                    (electrics.area[j], electrics.rinv[j], section.cm_at(section.node_of_segment(j)));
                section_of[first + j] = id;
            }
            let end = skeleton.far_end_node[id.0];
            rinv[end] = electrics.rinv_end;
            section_of[end] = id;
        }
        Ok(CellNodes {
            parent: skeleton.parent,
            area,
            rinv,
            cm,
            section_of,
            first_segment_node: skeleton.first_segment_node,
            attach_node: skeleton.attach_node,
            far_end_node: skeleton.far_end_node,
        })
    }

    /// Only the parent of each node, as [`CellNodes::new`] lays them out
    /// (cheap: no areas or resistances); cells with equal topologies can be
    /// interleaved.
    pub fn topology(cell: &CableCell) -> Result<Vec<usize>> {
        Ok(Skeleton::new(cell)?.parent)
    }

    /// Node of section `id` at `x`, as NEURON's `node_exact`: the attached
    /// end is the node the section attaches to, the other end its tip node,
    /// anything else the centre of the segment containing x.
    fn node_on(&self, cell: &CableCell, id: SectionId, x: f64) -> usize {
        match cell.sections()[id.0].node_place(x) {
            NodePlace::Attach => self.attach_node[id.0],
            NodePlace::FarEnd => self.far_end_node[id.0],
            NodePlace::Segment(j) => self.first_segment_node[id.0] + j,
        }
    }

    /// Node at `location` (which must be a valid location of `cell`).
    pub fn node_at(&self, cell: &CableCell, location: Location) -> usize {
        self.node_on(cell, location.section, location.x)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    /// Off-diagonal coefficients `(a, b)` of NEURON's tree matrix: `a[i]`
    /// couples node i into its parent's row, `b[i]` the parent into row i.
    pub fn coefficients(&self) -> (Vec<f64>, Vec<f64>) {
        let mut a = vec![0.0; self.len()];
        let mut b = vec![0.0; self.len()];
        for i in 1..self.len() {
            a[i] = -1.0e2 * self.rinv[i] / self.area[self.parent[i]];
            b[i] = -1.0e2 * self.rinv[i] / self.area[i];
        }
        (a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::morphology::SectionGeometry;

    #[test]
    fn ball_and_stick_layout() {
        let mut cell = CableCell::new("bs");
        let soma = cell.add_section("soma", SectionGeometry { length: 10.0, diam: 10.0, nseg: 1 }).unwrap();
        let dend = cell.add_section("dend", SectionGeometry { length: 100.0, diam: 1.0, nseg: 3 }).unwrap();
        cell.connect(dend, soma, 1.0).unwrap();
        let nodes = CellNodes::new(&cell).unwrap();
        // root, soma centre, soma(1), 3 dend centres, dend(1)
        assert_eq!(nodes.len(), 7);
        assert_eq!(nodes.parent, vec![usize::MAX, 0, 1, 2, 3, 4, 5]);
        assert_eq!(nodes.node_at(&cell, Location::new(soma, 0.5)), 1);
        assert_eq!(nodes.node_at(&cell, Location::new(dend, 0.0)), 2);
        assert_eq!(nodes.node_at(&cell, Location::new(dend, 0.5)), 4);
        assert_eq!(nodes.node_at(&cell, Location::new(dend, 1.0)), 6);
        assert_eq!(nodes.cm[2], 0.0);
        assert_eq!(nodes.area[6], ZERO_AREA_NODE_AREA);
        assert_eq!(CellNodes::topology(&cell).unwrap(), nodes.parent);
    }

    #[test]
    fn interior_connection_attaches_to_segment_centre() {
        let mut cell = CableCell::new("c");
        let soma = cell.add_section("soma", SectionGeometry { length: 10.0, diam: 10.0, nseg: 3 }).unwrap();
        let d = cell.add_section("d", SectionGeometry { length: 50.0, diam: 1.0, nseg: 1 }).unwrap();
        cell.connect(d, soma, 0.5).unwrap();
        let nodes = CellNodes::new(&cell).unwrap();
        // soma centres are nodes 1..=3; 0.5 lies in the second segment.
        assert_eq!(nodes.parent[nodes.first_segment_node[d.0]], 2);
    }
}
