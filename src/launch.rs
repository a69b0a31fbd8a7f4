//! A program's entry point on its ranks: [`launch`] runs the program's body
//! once per rank (MPI when built with the `mpi` feature, else one process)
//! and makes sure that an error on any rank ends the whole job, promptly and
//! with the error's message printed once, instead of leaving the other ranks
//! waiting in a collective.
//!
//! ```no_run
//! use neurite::{Communicator, ParallelContext, SimulationConfig};
//!
//! fn main() -> std::process::ExitCode {
//!     neurite::launch("my_model", |comm| {
//!         let mut pc = ParallelContext::new(comm, SimulationConfig::default());
//!         // ... set_gid2node, cells, gid_connect ...
//!         pc.finitialize(-65.0)?;
//!         pc.psolve(100.0)
//!     })
//! }
//! ```
//!
//! What happens on an error returned by the body of one rank:
//! - an error that only this rank has (a bad cell, a file it could not
//!   write): the rank prints `program: rank R of N: error: message`
//!   (`program: error: message` on one rank) and ends the job with
//!   MPI_Abort, so ranks waiting in a collective end too, within seconds (an
//!   error inside `psolve`, such as a NaN voltage, is printed as `neurite:
//!   rank R of N: message` by the simulation, which aborts at once);
//! - an error every rank got from the same collective check (a gid on two
//!   ranks, dt differing between ranks): the rank that caused it prints it and
//!   ends the job; the others, which got [`NeuriteError::RankFailed`], print
//!   nothing and wait for that end;
//! - a panic: the panic message is printed and the job is aborted.
//!
//! The process exits with a non-zero status in every one of these cases.

use std::process::ExitCode;

use crate::communication::{Communicator, SerialCommunicator};
use crate::error::{NeuriteError, Result};

/// The communicator of all ranks of this job, as [`launch`] gives it: one
/// process, or MPI_COMM_WORLD.
pub enum WorldCommunicator {
    /// A single process.
    Serial(SerialCommunicator),
    /// A rank of an MPI job.
    #[cfg(feature = "mpi")]
    Mpi(crate::communication::MpiCommunicator),
}

macro_rules! dispatch {
    ($self:ident, $c:ident => $body:expr) => {
        match $self {
            WorldCommunicator::Serial($c) => $body,
            #[cfg(feature = "mpi")]
            WorldCommunicator::Mpi($c) => $body,
        }
    };
}

impl Communicator for WorldCommunicator {
    fn rank(&self) -> usize {
        dispatch!(self, c => c.rank())
    }
    fn size(&self) -> usize {
        dispatch!(self, c => c.size())
    }
    fn all_gather_bytes(&mut self, local: &[u8]) -> Result<Vec<Vec<u8>>> {
        dispatch!(self, c => c.all_gather_bytes(local))
    }
    fn all_gather_fixed(&mut self, local: &[u8], out: &mut Vec<u8>) -> Result<()> {
        dispatch!(self, c => c.all_gather_fixed(local, out))
    }
    fn all_reduce_min(&mut self, value: f64) -> Result<f64> {
        dispatch!(self, c => c.all_reduce_min(value))
    }
    fn barrier(&mut self) -> Result<()> {
        dispatch!(self, c => c.barrier())
    }
    fn fail(&mut self, error: &NeuriteError) {
        dispatch!(self, c => c.fail(error))
    }
}

/// The line a failing rank prints: `program: error: message` on one rank,
/// `program: rank R of N: error: message` on several.
pub fn error_line(program: &str, rank: usize, size: usize, error: &NeuriteError) -> String {
    if size > 1 {
        format!("{program}: rank {rank} of {size}: error: {error}")
    } else {
        format!("{program}: error: {error}")
    }
}

/// Runs `body` on this process's rank of the job and returns the process's
/// exit status; see the module documentation for what an error does.
/// `program` names the program in messages.
pub fn launch(program: &str, body: impl FnOnce(WorldCommunicator) -> Result<()>) -> ExitCode {
    #[cfg(feature = "mpi")]
    {
        let Some((environment, comm)) = crate::communication::MpiEnvironment::init() else {
            eprintln!("{program}: error: MPI could not be initialized (already initialized in this process?)");
            return ExitCode::FAILURE;
        };
        let (rank, size) = (environment.rank(), environment.size());
        match body(WorldCommunicator::Mpi(comm)) {
            Ok(()) => {
                environment.finish();
                ExitCode::SUCCESS
            }
            // The rank that caused it prints it and aborts the job, which
            // ends this rank too. Wait for that, printing nothing: entering
            // MPI_Finalize while another rank is in MPI_Abort makes Open
            // MPI's mpiexec crash or hang now and then (seen in CI). Should
            // the abort not come, finalize after a minute.
            Err(NeuriteError::RankFailed { .. }) => {
                if size > 1 {
                    std::thread::sleep(std::time::Duration::from_secs(60));
                }
                environment.finish();
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("{}", error_line(program, rank, size, &error));
                if size > 1 {
                    environment.abort(1)
                }
                environment.finish();
                ExitCode::FAILURE
            }
        }
    }
    #[cfg(not(feature = "mpi"))]
    {
        if let Some(message) = started_by_mpiexec_without_mpi(program) {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
        match body(WorldCommunicator::Serial(SerialCommunicator)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("{}", error_line(program, 0, 1, &error));
                ExitCode::FAILURE
            }
        }
    }
}

/// Started by mpiexec with several ranks, a build without MPI would run the
/// whole model once per rank: say so instead.
#[cfg(not(feature = "mpi"))]
fn started_by_mpiexec_without_mpi(program: &str) -> Option<String> {
    for var in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"] {
        if let Some(size) = std::env::var(var).ok().and_then(|v| v.parse::<usize>().ok())
            && size > 1
        {
            return Some(format!(
                "{program}: started by mpiexec with {size} ranks ({var}), but this binary was built without MPI; \
                 rebuild with `cargo build --release --features mpi`"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_name_the_rank_only_with_several_ranks() {
        let e = NeuriteError::InvalidDt { dt: -1.0 };
        assert_eq!(error_line("ring", 0, 1, &e), "ring: error: dt must be a finite number > 0 ms (got -1)");
        assert!(error_line("ring", 2, 4, &e).starts_with("ring: rank 2 of 4: error: dt"));
    }
}
