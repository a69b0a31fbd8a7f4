//! Communication between ranks, behind one small trait: serial (one rank),
//! in-process threads (several ranks in one process, for tests) and MPI
//! (cargo feature `mpi`).

use crate::network::Gid;
use crate::recording::Spike;

/// What the simulation needs from the ranks it runs on.
pub trait Communicator: Send {
    /// This rank, 0..size.
    fn rank(&self) -> usize;
    /// Number of ranks.
    fn size(&self) -> usize;
    /// Every rank's spikes, concatenated in rank order (NEURON's spike
    /// exchange: counts first, then the data).
    fn all_gather_spikes(&mut self, local: &[Spike]) -> Vec<Spike>;
    /// Every rank's gids, concatenated in rank order.
    fn all_gather_gids(&mut self, local: &[Gid]) -> Vec<Gid>;
    /// The minimum of `value` over all ranks.
    fn all_reduce_min(&mut self, value: f64) -> f64;
    /// The maximum of `value` over all ranks.
    fn all_reduce_max(&mut self, value: f64) -> f64 {
        -self.all_reduce_min(-value)
    }
    /// Waits until every rank gets here.
    fn barrier(&mut self);
    /// Ends the whole job with `message` (MPI_Abort under MPI).
    fn abort(&mut self, message: &str) -> ! {
        eprintln!("neurite rank {}: {message}", self.rank());
        std::process::exit(1)
    }
}

/// One rank, nothing to exchange.
#[derive(Debug, Default, Clone, Copy)]
pub struct SerialCommunicator;

impl Communicator for SerialCommunicator {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn all_gather_spikes(&mut self, local: &[Spike]) -> Vec<Spike> {
        local.to_vec()
    }
    fn all_gather_gids(&mut self, local: &[Gid]) -> Vec<Gid> {
        local.to_vec()
    }
    fn all_reduce_min(&mut self, value: f64) -> f64 {
        value
    }
    fn barrier(&mut self) {}
}
