//! HNN-core's cortical column (Jones et al. 2009; hnn-core 0.6.1): its
//! parameter files, cells, grid, connectivity and drives, its drives' event
//! times drawn as hnn-core draws them, and its current dipole.

pub mod cells;
pub mod column;
pub mod config;
pub mod dipole;
pub mod drives;
pub mod params;
pub mod simulate;

pub use cells::{CellType, Receptor, SynapseGroup};
pub use column::{Column, Connection, Drive, DriveEvents, DriveKind, DriveTarget, Source, TonicBias};
pub use dipole::Dipole;
pub use params::Params;
pub use simulate::{TrialOutput, simulate_trial, simulate_trial_with_progress};
