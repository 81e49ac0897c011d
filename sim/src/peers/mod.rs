//! Adapters that put other DTLS implementations behind the simulator's [`Endpoint`] trait,
//! driven through memory datagrams and the simulator's virtual clock, one module each:
//!
//! - [`tinydtls`]: the tinydtls C library (through the `dtls-peer-tinydtls` binding);
//! - [`dimpl`]: the `dimpl` crate (Rust, sans-IO DTLS 1.2);
//! - [`openssl`]: OpenSSL in-process through the `openssl` crate.
//!
//! Each is behind the cargo feature of the same name (on by default). Every adapter states
//! its determinism caveat in its module documentation: what, if anything, it reads from the
//! host instead of the simulator (clock, random source).
//!
//! [`Endpoint`]: crate::endpoint::Endpoint

#[cfg(feature = "dimpl")]
pub mod dimpl;
#[cfg(feature = "tinydtls")]
pub mod tinydtls;

use dtls::wire::CipherSuite;

/// What an adapter is asked to be: the implementation-neutral settings of one endpoint.
#[derive(Debug, Clone)]
pub struct Params {
    /// The one suite to offer or accept.
    pub suite: CipherSuite,
    /// PSK identity and key.
    pub psk_identity: Vec<u8>,
    /// The PSK.
    pub psk_key: Vec<u8>,
    /// The server's certificate (DER, self-signed P-256) and PKCS#8 key.
    pub cert_der: Vec<u8>,
    /// The server's private key (PKCS#8 DER).
    pub key_der: Vec<u8>,
    /// The certificate a client trusts (pinned leaf, DER).
    pub trust_der: Vec<u8>,
    /// Whether a server asks for a HelloVerifyRequest cookie.
    pub cookies: bool,
    /// Largest datagram to send.
    pub mtu: usize,
    /// Seed of the endpoint's random stream.
    pub seed: u64,
}

impl Params {
    /// Whether the suite is a PSK suite (else ECDHE-ECDSA with the certificate).
    pub fn is_psk(&self) -> bool {
        self.suite.iana_name().is_some_and(|n| n.starts_with("TLS_PSK_"))
    }

    /// The simulator's standard credentials for `suite`.
    pub fn standard(suite: CipherSuite, cookies: bool, mtu: usize, seed: u64) -> Params {
        use crate::endpoint::{PSK_IDENTITY, PSK_KEY, SERVER_CERT_DER, SERVER_KEY_DER};
        Params {
            suite,
            psk_identity: PSK_IDENTITY.to_vec(),
            psk_key: PSK_KEY.to_vec(),
            cert_der: SERVER_CERT_DER.to_vec(),
            key_der: SERVER_KEY_DER.to_vec(),
            trust_der: SERVER_CERT_DER.to_vec(),
            cookies,
            mtu,
            seed,
        }
    }
}

/// A thread-local seeded random stream, lent to a foreign library for the duration of one
/// call (for libraries whose random source is a global hook rather than a per-object RNG).
#[cfg(feature = "dimpl")]
pub(crate) mod scoped_rng {
    use std::cell::{Cell, RefCell};

    use rand_chacha::ChaCha20Rng;
    use rand_core::{Rng, SeedableRng};

    thread_local! {
        static CURRENT: RefCell<Option<ChaCha20Rng>> = const { RefCell::new(None) };
        static STRAY: Cell<u64> = const { Cell::new(0) };
    }

    /// Runs `f` with `rng` installed as this thread's stream, and puts it back after.
    pub(crate) fn with<R>(rng: &mut Option<ChaCha20Rng>, f: impl FnOnce() -> R) -> R {
        let lent = rng.take();
        let previous = CURRENT.with(|c| c.replace(lent));
        let r = f();
        *rng = CURRENT.with(|c| c.replace(previous));
        r
    }

    /// Fills `dest` from the installed stream (or, outside [`with`], from a fixed stream, and
    /// counts the bytes: see [`stray_bytes`]).
    pub(crate) fn fill(dest: &mut [u8]) {
        CURRENT.with(|c| match c.borrow_mut().as_mut() {
            Some(rng) => rng.fill_bytes(dest),
            None => {
                STRAY.with(|s| s.set(s.get() + dest.len() as u64));
                ChaCha20Rng::seed_from_u64(0).fill_bytes(dest);
            }
        });
    }

    /// Random bytes drawn on this thread outside [`with`] (a determinism leak if non-zero).
    pub fn stray_bytes() -> u64 {
        STRAY.with(Cell::get)
    }
}

#[cfg(feature = "dimpl")]
pub use scoped_rng::stray_bytes as stray_random_bytes;
