//! Bounds checked before large allocations, so that a request that cannot
//! fit (a billion cells, a run recorded over 1e12 ms) fails at once with an
//! error naming the parameter and the memory it would need, instead of
//! allocating until the machine runs out.
//!
//! The memory bound is this machine's physical memory, or the environment
//! variable `NEURITE_MAX_MEMORY` (bytes, or with a suffix K, M, G, T: powers
//! of 1024) when it is set. It is read from the environment once per check;
//! nothing is cached.

use crate::error::{NeuriteError, Result};

/// NEURON's largest `nseg` ("nseg must be an integer in range 1 to 32767").
pub const MAX_NSEG: usize = 32767;

/// Default bound on the events one cell group may deliver in one time step
/// (see `SimulationConfig::max_events_per_step`).
pub const DEFAULT_MAX_EVENTS_PER_STEP: u64 = 10_000_000;

/// Parses a byte count such as `8G`, `512M` or `1000000`.
pub fn parse_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let (number, scale) = match text.char_indices().last()? {
        (i, 'K' | 'k') => (&text[..i], 1u64 << 10),
        (i, 'M' | 'm') => (&text[..i], 1 << 20),
        (i, 'G' | 'g') => (&text[..i], 1 << 30),
        (i, 'T' | 't') => (&text[..i], 1 << 40),
        _ => (text, 1),
    };
    let value: f64 = number.trim().parse().ok()?;
    (value.is_finite() && value > 0.0).then_some((value * scale as f64) as u64)
}

/// Physical memory of this machine, bytes (`None` where it cannot be read).
fn physical_memory() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: sysconf only reads system configuration values.
        let (pages, page_size) = unsafe { (libc::sysconf(libc::_SC_PHYS_PAGES), libc::sysconf(libc::_SC_PAGESIZE)) };
        if pages > 0 && page_size > 0 {
            return Some(pages as u64 * page_size as u64);
        }
    }
    None
}

/// The memory bound, bytes: `NEURITE_MAX_MEMORY` if set and valid, else the
/// machine's physical memory, else 64 GiB.
pub fn memory_limit() -> u64 {
    std::env::var("NEURITE_MAX_MEMORY").ok().and_then(|v| parse_bytes(&v)).or_else(physical_memory).unwrap_or(64 << 30)
}

/// Checks that `count` items of `bytes_each` bytes fit in the memory bound;
/// `what` names the parameter that asks for them (e.g. `ring --cells`).
pub fn check_memory(what: &str, count: u64, bytes_each: u64) -> Result<()> {
    let limit = memory_limit();
    let needed = (count as u128) * (bytes_each as u128);
    if needed > limit as u128 {
        return Err(NeuriteError::TooLarge {
            what: what.to_string(),
            count,
            needed_bytes: u64::try_from(needed).unwrap_or(u64::MAX),
            limit_bytes: limit,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_parse_with_suffixes() {
        assert_eq!(parse_bytes("1000"), Some(1000));
        assert_eq!(parse_bytes("8G"), Some(8 << 30));
        assert_eq!(parse_bytes("1.5k"), Some(1536));
        assert_eq!(parse_bytes("-1G"), None);
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(parse_bytes(""), None);
    }

    #[test]
    fn requests_over_the_machine_are_refused_with_the_bytes() {
        let err = check_memory("cells", 1 << 40, 1 << 20).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("cells") && text.contains("1099511627776"), "{text}");
        assert!(check_memory("cells", 10, 100).is_ok());
    }
}
