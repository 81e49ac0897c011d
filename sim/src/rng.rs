//! Seeded randomness: one ChaCha20 stream per consumer, all derived from the run seed.
//!
//! Every consumer (each endpoint's engine, each link direction, the attacker) gets its own
//! stream, so adding a draw in one place never shifts the numbers another consumer sees. That
//! keeps traces stable when a fault is added to one direction only.

use dtls::crypto::SecureRandom;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

/// Derives the seed of one named stream from the run seed (SplitMix64 finaliser over the
/// label's bytes; collisions between our handful of labels are not a concern).
pub fn stream_seed(run_seed: u64, label: &str) -> u64 {
    let mut h = run_seed ^ 0x6a09_e667_f3bc_c909;
    for b in label.bytes() {
        h = mix(h ^ u64::from(b));
    }
    mix(h)
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic random stream for the simulator's own decisions (loss, delay, ...).
#[derive(Debug, Clone)]
pub struct SimRng(ChaCha20Rng);

impl SimRng {
    /// The stream named `label` of run `seed`.
    pub fn new(seed: u64, label: &str) -> Self {
        SimRng(ChaCha20Rng::seed_from_u64(stream_seed(seed, label)))
    }

    /// A uniform `u64`.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// `true` with probability `p` (no draw at all when `p <= 0`, so a disabled fault does not
    /// consume randomness and shift later decisions).
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        self.unit() < p
    }

    /// A uniform float in `[0, 1)` (53 random bits).
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform integer in `0..=max` (no draw when `max == 0`).
    pub fn upto(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        // Modulo bias is below 2^-40 for the ranges used here (milliseconds, byte offsets).
        self.0.next_u64() % (max + 1)
    }

    /// Fills `dest` with random bytes.
    pub fn fill(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest);
    }
}

/// The engine's randomness in a simulation: ChaCha20 seeded from the run seed, so a run is
/// reproducible. Not a secure RNG in the sense that matters (the seed is printed on every
/// failure); simulation only.
#[derive(Debug)]
pub struct EngineRng(ChaCha20Rng);

impl EngineRng {
    /// The engine stream named `label` of run `seed`.
    pub fn new(seed: u64, label: &str) -> Self {
        EngineRng(ChaCha20Rng::seed_from_u64(stream_seed(seed, label)))
    }

    /// The engine stream whose seed was already derived with [`stream_seed`] (what an
    /// [`EndpointSpec`](crate::implementation::EndpointSpec) carries).
    pub fn from_stream_seed(seed: u64) -> Self {
        EngineRng(ChaCha20Rng::seed_from_u64(seed))
    }
}

impl SecureRandom for EngineRng {
    fn fill(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u64> = (0..4).map(|_| SimRng::new(7, "x").next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(SimRng::new(7, "x").next_u64(), SimRng::new(7, "y").next_u64());
        assert_ne!(SimRng::new(7, "x").next_u64(), SimRng::new(8, "x").next_u64());
    }
}
