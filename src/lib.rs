//! # neurite
//!
//! Simulation of networks of multi-compartment neurons with the cable
//! equation, with numerics identical to NEURON's fixed-step method, in
//! parallel over threads and MPI ranks.
//!
//! The crate is layered as Arbor is: a *description* of the model
//! ([`morphology`] for cells, [`network`] for gids and NetCons) kept apart
//! from its *execution* ([`discretization`] into nodes, the Hines [`solver`],
//! [`mechanisms`], [`events`], and the spike exchange of [`simulation`] over a
//! [`communication`] layer).
//!
//! Units are NEURON's: mV, ms, µm, nA, µS, S/cm², µF/cm², Ω·cm.

#![deny(missing_docs)]

pub mod cell_group;
pub mod communication;
pub mod discretization;
pub mod error;
pub mod events;
pub mod ions;
pub mod launch;
pub mod limits;
pub mod math;
pub mod mechanisms;
pub mod models;
pub mod morphology;
pub mod network;
pub mod numpy_generator;
pub mod numpy_random;
pub mod parallel;
pub mod random123;
pub mod recording;
pub mod simulation;
pub mod solver;
mod storage_order;

pub use communication::{Communicator, SerialCommunicator, ThreadCommunicator, run_thread_ranks};
#[cfg(feature = "mpi")]
pub use communication::{MpiCommunicator, MpiEnvironment};
pub use error::{NeuriteError, Result};
pub use launch::{WorldCommunicator, launch};
pub use morphology::{
    CableCell, LocalStimId, Location, PointProcessId, PointerOwner, PointerTarget, SectionGeometry, SectionId,
};
pub use network::{ArtificialCell, CellDescription, Gid, NetCon, NetConId, NetConTarget, NetStimParams, Network};
pub use parallel::ParallelContext;
pub use recording::{Spike, Trace, write_spikes_csv, write_traces_csv};
pub use simulation::{NetStimLogId, Simulation, SimulationConfig, TraceId};
