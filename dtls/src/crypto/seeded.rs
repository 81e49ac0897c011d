//! A deterministic random generator for reproducible runs: simulations, tests, benchmarks and
//! fuzzing, where the same seed must give byte-identical handshakes.

use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use super::SecureRandom;

/// SHA-256 in counter mode over a 32-byte seed: output block `i` is `SHA-256(seed || i)`.
///
/// Its output is as unpredictable as its seed. Seeded from a true entropy source it is a sound
/// generator; seeded from a small number (as simulations and tests do) it is predictable by
/// design, which is the point there and a vulnerability anywhere else.
#[derive(Clone)]
pub struct DeterministicRandom {
    seed: [u8; 32],
    counter: u64,
}

impl DeterministicRandom {
    /// A generator over a full 32-byte seed.
    pub fn new(seed: [u8; 32]) -> Self {
        DeterministicRandom { seed, counter: 0 }
    }

    /// A generator for reproducible runs, keyed by a small number (a simulation seed).
    pub fn from_u64(seed: u64) -> Self {
        let mut full = [0u8; 32];
        let (number, label) = full.split_at_mut(8);
        number.copy_from_slice(&seed.to_be_bytes());
        label.copy_from_slice(b"dtls-deterministic-rng-1");
        Self::new(full)
    }
}

impl core::fmt::Debug for DeterministicRandom {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeterministicRandom")
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

impl Drop for DeterministicRandom {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}

impl SecureRandom for DeterministicRandom {
    fn fill(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(32) {
            let block = Sha256::new()
                .chain_update(self.seed)
                .chain_update(self.counter.to_be_bytes())
                .finalize();
            self.counter = self.counter.wrapping_add(1);
            for (d, s) in chunk.iter_mut().zip(block.iter()) {
                *d = *s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_and_blocks_differ() {
        let mut a = DeterministicRandom::from_u64(7);
        let mut b = DeterministicRandom::from_u64(7);
        let (mut x, mut y) = ([0u8; 70], [0u8; 70]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
        assert_ne!(x[..32], x[32..64]);
        let mut c = DeterministicRandom::from_u64(8);
        c.fill(&mut y);
        assert_ne!(x, y);
    }
}
