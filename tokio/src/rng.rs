//! The operating system's random number generator as the engine's [`SecureRandom`].

use dtls::crypto::SecureRandom;

/// [`SecureRandom`] from the operating system (`getrandom`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRng;

impl SecureRandom for OsRng {
    fn fill(&mut self, dest: &mut [u8]) {
        // The trait cannot report failure, and going on with predictable bytes would be worse
        // than stopping: the OS RNG failing on a hosted system is not recoverable.
        #[allow(clippy::expect_used)]
        getrandom::fill(dest).expect("the operating system's random number generator failed");
    }
}
