//! Communication between ranks, behind one small trait with three
//! implementations: [`SerialCommunicator`] (one rank), [`ThreadCommunicator`]
//! (several ranks as threads of one process, so plain `cargo test` exercises
//! multi-rank runs) and `MpiCommunicator` (cargo feature `mpi`).
//!
//! Collectives return `Result`: when one rank fails, the others' collectives
//! fail too instead of waiting forever (threads), or the whole job ends with
//! the failing rank's message (MPI).

use std::sync::{Arc, Condvar, Mutex};

use crate::error::{NeuriteError, Result};
use crate::network::Gid;
use crate::recording::Spike;

/// What the simulation needs from the ranks it runs on.
pub trait Communicator {
    /// This rank, 0..size.
    fn rank(&self) -> usize;
    /// Number of ranks.
    fn size(&self) -> usize;
    /// Every rank's bytes, indexed by rank (counts are exchanged first, then
    /// the data). Collective.
    fn all_gather_bytes(&mut self, local: &[u8]) -> Result<Vec<Vec<u8>>>;
    /// Every rank's `local`, concatenated in rank order into `out`, when
    /// every rank passes the same number of bytes: one collective, no count
    /// exchange (serial and MPI: no allocation once `out` has grown to size;
    /// the thread backend, for tests, allocates).
    fn all_gather_fixed(&mut self, local: &[u8], out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        for bytes in self.all_gather_bytes(local)? {
            out.extend_from_slice(&bytes);
        }
        Ok(())
    }
    /// The minimum of `value` over all ranks. Collective.
    fn all_reduce_min(&mut self, value: f64) -> Result<f64> {
        let all = self.all_gather_bytes(&value.to_le_bytes())?;
        Ok(all.iter().map(|b| f64::from_le_bytes(b[..8].try_into().expect("8 bytes"))).fold(f64::INFINITY, f64::min))
    }
    /// Waits until every rank gets here. Collective.
    fn barrier(&mut self) -> Result<()> {
        self.all_gather_bytes(&[]).map(|_| ())
    }
    /// This rank failed with `error`: the other ranks must not wait for it.
    /// Threads: their next collective returns [`NeuriteError::RankFailed`].
    /// MPI: the job ends (MPI_Abort) after printing the message.
    fn fail(&mut self, error: &NeuriteError);
}

/// A borrowed communicator is one too: a simulation can run on a job's
/// ranks and give them back (several trials, one after another).
impl<C: Communicator + ?Sized> Communicator for &mut C {
    fn rank(&self) -> usize {
        (**self).rank()
    }
    fn size(&self) -> usize {
        (**self).size()
    }
    fn all_gather_bytes(&mut self, local: &[u8]) -> Result<Vec<Vec<u8>>> {
        (**self).all_gather_bytes(local)
    }
    fn all_gather_fixed(&mut self, local: &[u8], out: &mut Vec<u8>) -> Result<()> {
        (**self).all_gather_fixed(local, out)
    }
    fn all_reduce_min(&mut self, value: f64) -> Result<f64> {
        (**self).all_reduce_min(value)
    }
    fn barrier(&mut self) -> Result<()> {
        (**self).barrier()
    }
    fn fail(&mut self, error: &NeuriteError) {
        (**self).fail(error)
    }
}

/// Spikes every rank sends in the first, fixed-size round of an exchange
/// (NEURON's spike exchange does the same): most intervals need one
/// collective only.
const SPIKES_IN_FIRST_ROUND: usize = 64;

fn encode_spikes(spikes: &[Spike], out: &mut Vec<u8>) {
    for spike in spikes {
        out.extend_from_slice(&spike.gid.to_le_bytes());
        out.extend_from_slice(&spike.time.to_le_bytes());
    }
}

fn decode_spikes(bytes: &[u8], out: &mut Vec<Spike>) {
    for chunk in bytes.chunks_exact(16) {
        out.push(Spike {
            gid: u64::from_le_bytes(chunk[..8].try_into().expect("8 bytes")),
            time: f64::from_le_bytes(chunk[8..].try_into().expect("8 bytes")),
        });
    }
}

/// Buffers of the spike exchange, kept from one interval to the next so that
/// exchanging allocates nothing in the common case.
#[derive(Debug, Default, Clone)]
pub struct SpikeExchange {
    send: Vec<u8>,
    recv: Vec<u8>,
    counts: Vec<usize>,
}

impl SpikeExchange {
    /// Every rank's spikes, in rank order, into `out` (cleared first).
    /// Collective: a fixed-size round with each rank's count and first
    /// spikes, and a second round only when some rank had more.
    pub fn all_gather<C: Communicator + ?Sized>(
        &mut self,
        comm: &mut C,
        local: &[Spike],
        out: &mut Vec<Spike>,
    ) -> Result<()> {
        let first = local.len().min(SPIKES_IN_FIRST_ROUND);
        let block = 8 + 16 * SPIKES_IN_FIRST_ROUND;
        self.send.clear();
        self.send.extend_from_slice(&(local.len() as u64).to_le_bytes());
        encode_spikes(&local[..first], &mut self.send);
        self.send.resize(block, 0);
        comm.all_gather_fixed(&self.send, &mut self.recv)?;
        self.counts.clear();
        self.counts.extend(
            self.recv.chunks_exact(block).map(|b| u64::from_le_bytes(b[..8].try_into().expect("8 bytes")) as usize),
        );
        let rest = if self.counts.iter().any(|&c| c > SPIKES_IN_FIRST_ROUND) {
            let mut extra = Vec::new();
            encode_spikes(&local[first..], &mut extra);
            comm.all_gather_bytes(&extra)?
        } else {
            Vec::new()
        };
        out.clear();
        for (rank, b) in self.recv.chunks_exact(block).enumerate() {
            let n = self.counts[rank].min(SPIKES_IN_FIRST_ROUND);
            decode_spikes(&b[8..8 + 16 * n], out);
            if let Some(extra) = rest.get(rank) {
                decode_spikes(extra, out);
            }
        }
        Ok(())
    }
}

/// Every rank's spikes, in rank order. Collective (see [`SpikeExchange`]).
pub fn all_gather_spikes<C: Communicator + ?Sized>(comm: &mut C, local: &[Spike]) -> Result<Vec<Spike>> {
    let mut out = Vec::new();
    SpikeExchange::default().all_gather(comm, local, &mut out)?;
    Ok(out)
}

/// Every rank's gids, indexed by rank. Collective.
pub fn all_gather_gids<C: Communicator + ?Sized>(comm: &mut C, local: &[Gid]) -> Result<Vec<Vec<Gid>>> {
    let bytes: Vec<u8> = local.iter().flat_map(|g| g.to_le_bytes()).collect();
    Ok(comm
        .all_gather_bytes(&bytes)?
        .iter()
        .map(|b| b.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
        .collect())
}

/// Makes every rank agree on a setup step: if any rank's `local` is an
/// error, every rank returns an error (its own, or the first failing rank's
/// as [`NeuriteError::RankFailed`]). Collective.
pub fn agree<C: Communicator + ?Sized, T>(comm: &mut C, local: Result<T>) -> Result<T> {
    let message = match &local {
        Ok(_) => Vec::new(),
        Err(e) => {
            let mut m = e.to_string().into_bytes();
            m.insert(0, b'!'); // never empty
            m
        }
    };
    let all = comm.all_gather_bytes(&message)?;
    let local = local?;
    match all.iter().position(|m| !m.is_empty()) {
        None => Ok(local),
        Some(rank) => {
            Err(NeuriteError::RankFailed { rank, message: String::from_utf8_lossy(&all[rank][1..]).into_owned() })
        }
    }
}

/// An error that every rank found in the same gathered data: rank 0 reports
/// it as its own and the others as [`NeuriteError::RankFailed`] from rank 0,
/// so that a program prints it once.
pub fn collective_error(rank: usize, error: NeuriteError) -> NeuriteError {
    if rank == 0 { error } else { NeuriteError::RankFailed { rank: 0, message: error.to_string() } }
}

/// Checks that every rank passes the same `values` (name and value; compared
/// bit for bit), and fails on every rank with
/// [`NeuriteError::RanksDisagree`] naming the first that differs. Collective.
pub fn check_same_on_all_ranks<C: Communicator + ?Sized>(comm: &mut C, values: &[(&str, f64)]) -> Result<()> {
    let local: Vec<u8> = values.iter().flat_map(|(_, v)| v.to_bits().to_le_bytes()).collect();
    let all = comm.all_gather_bytes(&local)?;
    let value = |rank: usize, k: usize| {
        all[rank].get(8 * k..8 * k + 8).map(|b| f64::from_bits(u64::from_le_bytes(b.try_into().expect("8 bytes"))))
    };
    for (k, (name, _)) in values.iter().enumerate() {
        for rank in 1..all.len() {
            let (first, other) = (value(0, k), value(rank, k));
            if first.map(f64::to_bits) != other.map(f64::to_bits) {
                let show = |v: Option<f64>| v.map_or("nothing".to_string(), |v| v.to_string());
                return Err(collective_error(
                    comm.rank(),
                    NeuriteError::RanksDisagree {
                        parameter: name.to_string(),
                        first_rank: 0,
                        first_value: show(first),
                        other_rank: rank,
                        other_value: show(other),
                    },
                ));
            }
        }
    }
    Ok(())
}

/// Checks that every rank passes the same `text` for `name`. Collective.
pub fn check_same_text_on_all_ranks<C: Communicator + ?Sized>(comm: &mut C, name: &str, text: &str) -> Result<()> {
    let all = comm.all_gather_bytes(text.as_bytes())?;
    match all.iter().position(|t| t != &all[0]) {
        None => Ok(()),
        Some(rank) => Err(collective_error(
            comm.rank(),
            NeuriteError::RanksDisagree {
                parameter: name.to_string(),
                first_rank: 0,
                first_value: format!("{:?}", String::from_utf8_lossy(&all[0])),
                other_rank: rank,
                other_value: format!("{:?}", String::from_utf8_lossy(&all[rank])),
            },
        )),
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
    fn all_gather_bytes(&mut self, local: &[u8]) -> Result<Vec<Vec<u8>>> {
        Ok(vec![local.to_vec()])
    }
    fn all_gather_fixed(&mut self, local: &[u8], out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        out.extend_from_slice(local);
        Ok(())
    }
    fn fail(&mut self, _error: &NeuriteError) {}
}

/// State shared by the ranks of a [`ThreadCommunicator`] world.
#[derive(Debug)]
struct Rendezvous {
    /// Deposits of the collective in progress.
    slots: Vec<Option<Vec<u8>>>,
    arrived: usize,
    /// Completed collectives so far.
    generation: u64,
    /// Result of the last completed collective.
    result: Arc<Vec<Vec<u8>>>,
    /// Set when a rank failed: (rank, message).
    failure: Option<(usize, String)>,
    /// Ranks whose communicator is gone, in the order they left: a
    /// collective that needs them can never complete, so it fails instead of
    /// waiting, naming the first to leave (the others left because of it).
    departed: Vec<usize>,
}

impl Rendezvous {
    /// Why a collective cannot complete, if it cannot: a failed rank, or a
    /// rank that ended (returned an error, or finished early) without
    /// taking part.
    fn broken(&self) -> Option<NeuriteError> {
        if let Some((rank, message)) = &self.failure {
            return Some(NeuriteError::RankFailed { rank: *rank, message: message.clone() });
        }
        self.departed.first().map(|&rank| NeuriteError::RankFailed {
            rank,
            message: "it ended without taking part in this collective (it returned an error or stopped early)".into(),
        })
    }
}

/// A rank that runs as a thread of this process; all ranks of one world
/// share a rendezvous. Made by [`ThreadCommunicator::world`].
#[derive(Debug)]
pub struct ThreadCommunicator {
    rank: usize,
    size: usize,
    shared: Arc<(Mutex<Rendezvous>, Condvar)>,
}

impl ThreadCommunicator {
    /// `size` connected ranks, to be moved into one thread each.
    pub fn world(size: usize) -> Vec<ThreadCommunicator> {
        let shared = Arc::new((
            Mutex::new(Rendezvous {
                slots: vec![None; size],
                arrived: 0,
                generation: 0,
                result: Arc::new(Vec::new()),
                failure: None,
                departed: Vec::with_capacity(size),
            }),
            Condvar::new(),
        ));
        (0..size).map(|rank| ThreadCommunicator { rank, size, shared: Arc::clone(&shared) }).collect()
    }
}

impl Communicator for ThreadCommunicator {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn all_gather_bytes(&mut self, local: &[u8]) -> Result<Vec<Vec<u8>>> {
        let (lock, ready) = &*self.shared;
        let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(err) = state.broken() {
            return Err(err);
        }
        state.slots[self.rank] = Some(local.to_vec());
        state.arrived += 1;
        let generation = state.generation;
        if state.arrived == self.size {
            let result: Vec<Vec<u8>> = state.slots.iter_mut().map(|s| s.take().unwrap_or_default()).collect();
            state.result = Arc::new(result);
            state.arrived = 0;
            state.generation += 1;
            ready.notify_all();
            return Ok(state.result.as_ref().clone());
        }
        while state.generation == generation {
            if let Some(err) = state.broken() {
                return Err(err);
            }
            state = ready.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        Ok(state.result.as_ref().clone())
    }
    fn fail(&mut self, error: &NeuriteError) {
        let (lock, ready) = &*self.shared;
        let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
        if state.failure.is_none() {
            let message = match error {
                NeuriteError::RankFailed { message, .. } => message.clone(),
                other => other.to_string(),
            };
            state.failure = Some((self.rank, message));
        }
        ready.notify_all();
    }
}

impl Drop for ThreadCommunicator {
    /// A rank that ends, returns an error or panics must not leave the others
    /// waiting: its departure makes every collective it has not joined fail
    /// (a rank that ends after its last collective harms no one).
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.fail(&NeuriteError::RankFailed { rank: self.rank, message: "rank panicked".into() });
        }
        let (lock, ready) = &*self.shared;
        let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
        state.departed.push(self.rank);
        ready.notify_all();
    }
}

/// Runs `body` on `size` in-process ranks (one thread each) and returns each
/// rank's result in rank order. A panic on any rank is re-raised here after
/// all ranks have finished.
pub fn run_thread_ranks<T: Send>(size: usize, body: impl Fn(ThreadCommunicator) -> T + Sync) -> Vec<T> {
    let world = ThreadCommunicator::world(size);
    std::thread::scope(|scope| {
        let handles: Vec<_> = world.into_iter().map(|comm| scope.spawn(|| body(comm))).collect();
        let results: Vec<std::thread::Result<T>> = handles.into_iter().map(|h| h.join()).collect();
        results.into_iter().map(|r| r.unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    })
}

#[cfg(feature = "mpi")]
pub use mpi_backend::{MpiCommunicator, MpiEnvironment};

#[cfg(feature = "mpi")]
mod mpi_backend {
    use mpi::datatype::PartitionMut;
    use mpi::traits::Communicator as _;
    use mpi::traits::*;

    use super::Communicator;
    use crate::error::{NeuriteError, Result};

    /// Open MPI's default choice of point-to-point layer (PML) probes UCX
    /// and OFI for network devices in MPI_Init: about 0.2 s of every job's
    /// start on a machine without them (an HNN run's 2-rank start went from
    /// 0.3 to 0.1 s). When Open MPI's launcher says that every rank is on
    /// this node (or there is no launcher: a singleton), the job can only
    /// use shared memory, which Open MPI's `ob1` PML does: it is chosen then,
    /// unless the user chose a PML (`OMPI_MCA_pml`). Jobs over several nodes
    /// keep Open MPI's choice; other MPI libraries ignore the variable.
    fn prefer_shared_memory_transport() {
        let var = |name: &str| std::env::var(name).ok();
        let one_node = var("OMPI_COMM_WORLD_SIZE") == var("OMPI_COMM_WORLD_LOCAL_SIZE");
        if one_node && std::env::var_os("OMPI_MCA_pml").is_none() {
            // SAFETY: MPI is initialized by `launch` (or a program's own
            // call of `init`) first thing in `main`, before any thread that
            // could read the environment exists.
            unsafe { std::env::set_var("OMPI_MCA_pml", "ob1") };
        }
    }

    /// The MPI environment of this process (rsmpi's universe). MPI is
    /// finalized only by [`MpiEnvironment::finish`]; an environment dropped
    /// any other way (an error returned past it, an early return) ends the
    /// whole job with MPI_Abort, because the other ranks may be waiting in a
    /// collective this rank will never join. A panic on any rank ends the job
    /// too. [`crate::launch`] does all of this for a program's `main`.
    pub struct MpiEnvironment {
        universe: Option<mpi::environment::Universe>,
    }

    impl MpiEnvironment {
        /// Initializes MPI (once per process) and returns the environment and
        /// this rank's communicator on MPI_COMM_WORLD; `None` if MPI was
        /// already initialized.
        pub fn init() -> Option<(MpiEnvironment, MpiCommunicator)> {
            prefer_shared_memory_transport();
            let universe = mpi::initialize()?;
            let world = universe.world();
            let default_hook = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                default_hook(info);
                mpi::topology::SimpleCommunicator::world().abort(70);
            }));
            Some((MpiEnvironment { universe: Some(universe) }, MpiCommunicator { world }))
        }

        /// This rank of MPI_COMM_WORLD.
        pub fn rank(&self) -> usize {
            mpi::topology::SimpleCommunicator::world().rank() as usize
        }

        /// Number of ranks of MPI_COMM_WORLD.
        pub fn size(&self) -> usize {
            mpi::topology::SimpleCommunicator::world().size() as usize
        }

        /// Ends the job on every rank now with exit status `code`
        /// (MPI_Abort); print the reason first.
        pub fn abort(mut self, code: i32) -> ! {
            // Never finalize: the other ranks may be inside a collective.
            std::mem::forget(self.universe.take());
            mpi::topology::SimpleCommunicator::world().abort(code)
        }

        /// Finalizes MPI after a run that succeeded on this rank (or that
        /// failed on every rank alike).
        pub fn finish(mut self) {
            drop(self.universe.take());
        }
    }

    impl Drop for MpiEnvironment {
        fn drop(&mut self) {
            if let Some(universe) = self.universe.take() {
                let world = universe.world();
                eprintln!(
                    "neurite: rank {} of {}: MPI environment dropped without finish() (an error returned on this \
                     rank?); ending the job",
                    world.rank(),
                    world.size()
                );
                // Never finalize: the other ranks may be inside a collective.
                std::mem::forget(universe);
                world.abort(1);
            }
        }
    }

    /// A rank of an MPI job (rsmpi), on MPI_COMM_WORLD.
    pub struct MpiCommunicator {
        world: mpi::topology::SimpleCommunicator,
    }

    impl Communicator for MpiCommunicator {
        fn rank(&self) -> usize {
            self.world.rank() as usize
        }
        fn size(&self) -> usize {
            self.world.size() as usize
        }
        fn all_gather_bytes(&mut self, local: &[u8]) -> Result<Vec<Vec<u8>>> {
            let size = self.size();
            let count = local.len() as i32;
            let mut counts = vec![0i32; size];
            self.world.all_gather_into(&count, &mut counts[..]);
            let displs: Vec<i32> = counts
                .iter()
                .scan(0i32, |acc, &c| {
                    let d = *acc;
                    *acc += c;
                    Some(d)
                })
                .collect();
            let total: i32 = counts.iter().sum();
            if total == 0 {
                // Nothing to move (MPI rejects the empty buffers).
                return Ok(vec![Vec::new(); size]);
            }
            let mut buffer = vec![0u8; total as usize];
            {
                let mut partition = PartitionMut::new(&mut buffer[..], &counts[..], &displs[..]);
                self.world.all_gather_varcount_into(local, &mut partition);
            }
            Ok(counts.iter().zip(&displs).map(|(&c, &d)| buffer[d as usize..(d + c) as usize].to_vec()).collect())
        }
        fn all_gather_fixed(&mut self, local: &[u8], out: &mut Vec<u8>) -> Result<()> {
            out.resize(local.len() * self.size(), 0);
            if !local.is_empty() {
                self.world.all_gather_into(local, &mut out[..]);
            }
            Ok(())
        }
        fn all_reduce_min(&mut self, value: f64) -> Result<f64> {
            let mut out = 0.0f64;
            self.world.all_reduce_into(&value, &mut out, mpi::collective::SystemOperation::min());
            Ok(out)
        }
        fn barrier(&mut self) -> Result<()> {
            self.world.barrier();
            Ok(())
        }
        fn fail(&mut self, error: &NeuriteError) {
            eprintln!("neurite: rank {} of {}: {error}; aborting the MPI job", self.rank(), self.size());
            self.world.abort(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_ranks_gather_in_rank_order_many_times() {
        let results = run_thread_ranks(4, |mut comm| {
            let mut seen = Vec::new();
            for round in 0..50u8 {
                let mine = vec![comm.rank() as u8; comm.rank() + round as usize % 3];
                let all = comm.all_gather_bytes(&mine).unwrap();
                seen.push(all);
            }
            (comm.all_reduce_min(comm.rank() as f64 + 1.0).unwrap(), seen)
        });
        for (min, seen) in &results {
            assert_eq!(*min, 1.0);
            for (round, all) in seen.iter().enumerate() {
                for (rank, bytes) in all.iter().enumerate() {
                    assert_eq!(bytes, &vec![rank as u8; rank + round % 3]);
                }
            }
        }
    }

    #[test]
    fn spike_exchange_handles_ranks_over_the_first_round() {
        let results = run_thread_ranks(3, |mut comm| {
            let n = [3, SPIKES_IN_FIRST_ROUND + 17, 0][comm.rank()];
            let local: Vec<Spike> =
                (0..n).map(|k| Spike { gid: comm.rank() as u64 * 1000 + k as u64, time: k as f64 * 0.5 }).collect();
            all_gather_spikes(&mut comm, &local).unwrap()
        });
        let expected: Vec<Spike> = [3, SPIKES_IN_FIRST_ROUND + 17, 0]
            .iter()
            .enumerate()
            .flat_map(|(r, &n)| (0..n).map(move |k| Spike { gid: r as u64 * 1000 + k as u64, time: k as f64 * 0.5 }))
            .collect();
        for got in results {
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn a_failing_rank_releases_the_others() {
        let results = run_thread_ranks(3, |mut comm| {
            if comm.rank() == 1 {
                comm.fail(&NeuriteError::NotInitialized);
                return Err(NeuriteError::NotInitialized);
            }
            comm.barrier()
        });
        assert!(matches!(results[0], Err(NeuriteError::RankFailed { rank: 1, .. })));
        assert!(matches!(results[2], Err(NeuriteError::RankFailed { rank: 1, .. })));
    }

    #[test]
    fn agree_spreads_the_first_error() {
        let results = run_thread_ranks(3, |mut comm| {
            let local = if comm.rank() == 2 { Err(NeuriteError::InvalidDt { dt: 0.0 }) } else { Ok(()) };
            agree(&mut comm, local)
        });
        assert!(matches!(results[0], Err(NeuriteError::RankFailed { rank: 2, .. })));
        assert!(matches!(results[2], Err(NeuriteError::InvalidDt { .. })));
        let msg = results[1].as_ref().unwrap_err().to_string();
        assert!(msg.contains("rank 2") && msg.contains("dt"), "{msg}");
    }
}
