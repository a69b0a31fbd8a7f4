//! Ready-made models used by the examples, tests and benchmarks.

pub mod hnn;
pub mod poisson;
pub mod ring;
