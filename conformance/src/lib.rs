//! Conformance suite and interop harness.
//!
//! So far: the pieces that run our engine against real peers over loopback UDP.
//! - [`udp`]: drives a [`dtls::Client`] or [`dtls::Server`] over a `std::net::UdpSocket`, with
//!   the socket's read timeout taken from the engine's `poll_timeout`;
//! - [`peer`]: starts a command-line peer (`openssl s_server`, `gnutls-cli`, ...) with piped
//!   stdin/stdout, kills it on drop, and waits for it to bind its UDP port;
//! - [`coap`]: just enough CoAP to talk to libcoap over DTLS;
//! - [`fixtures`]: the test certificate, key and PSK shared with the engine's own tests;
//! - [`pair`]: the in-memory client/server pair both test suites drive;
//! - [`catalogue`]: the RFC requirement catalogue (`conformance/catalogue/*.toml`), its
//!   rules, the test finder and the coverage table of `conformance/README.md`;
//! - [`OsRng`]: the engine's [`SecureRandom`] backed by the operating system.

pub mod catalogue;
pub mod coap;
pub mod fixtures;
pub mod pair;
pub mod peer;
pub mod udp;

use dtls::crypto::SecureRandom;

/// [`SecureRandom`] from the operating system (`getrandom`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRng;

impl SecureRandom for OsRng {
    fn fill(&mut self, dest: &mut [u8]) {
        // The trait cannot report failure, and continuing with predictable bytes would be
        // worse than stopping: the OS RNG failing on a hosted system is not recoverable.
        #[allow(clippy::expect_used)]
        getrandom::fill(dest).expect("the operating system's random number generator failed");
    }
}
