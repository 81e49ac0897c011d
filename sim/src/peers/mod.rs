//! Adapters for other DTLS implementations, each behind the [`Implementation`] seam and
//! driven through memory datagrams and the simulator's virtual clock, one module each:
//!
//! - [`tinydtls`]: the tinydtls C library (through the `dtls-peer-tinydtls` binding);
//! - [`dimpl`]: the `dimpl` crate (Rust, sans-IO DTLS 1.2);
//! - `openssl`: OpenSSL in-process through the `openssl` crate.
//!
//! Each is behind the cargo feature of the same name (on by default). Every adapter states
//! its determinism caveat in its module documentation and in [`Implementation::determinism`]:
//! what, if anything, it reads from the host instead of the simulator (clock, random source).

#[cfg(feature = "dimpl")]
pub mod dimpl;
#[cfg(feature = "openssl")]
pub mod openssl;
#[cfg(feature = "tinydtls")]
pub mod tinydtls;

use crate::implementation::{EndpointSpec, Implementation, SuiteAuth};

/// The adapters compiled into this build, in the order reports list them.
// One push per compiled-in adapter, each behind its feature.
#[allow(clippy::vec_init_then_push)]
pub fn implementations() -> Vec<Box<dyn Implementation>> {
    #[allow(unused_mut)]
    let mut all: Vec<Box<dyn Implementation>> = Vec::new();
    #[cfg(feature = "openssl")]
    all.push(Box::new(openssl::OpenSsl));
    #[cfg(feature = "dimpl")]
    all.push(Box::new(dimpl::Dimpl));
    #[cfg(feature = "tinydtls")]
    all.push(Box::new(tinydtls::TinyDtlsImpl));
    all
}

/// The parts of an [`EndpointSpec`] the adapters use, flattened (credentials that a spec
/// leaves out are empty).
#[derive(Debug, Clone)]
pub struct Params {
    /// The one suite to offer or accept (IANA code point).
    pub suite: u16,
    /// Its IANA name.
    pub suite_name: &'static str,
    /// Whether it is a PSK suite (else ECDHE-ECDSA with a certificate).
    pub psk: bool,
    /// PSK identity.
    pub psk_identity: Vec<u8>,
    /// The PSK.
    pub psk_key: Vec<u8>,
    /// The server's certificate chain (DER, leaf first).
    pub chain_der: Vec<Vec<u8>>,
    /// The server's private key (PKCS#8 DER).
    pub key_der: Vec<u8>,
    /// Certificates a client accepts as the server's leaf (pinned, DER).
    pub trust_der: Vec<Vec<u8>>,
    /// Whether a server asks for a HelloVerifyRequest cookie.
    pub cookies: bool,
    /// Largest datagram to send.
    pub mtu: usize,
    /// Seed of the endpoint's random stream.
    pub seed: u64,
    /// First retransmission timeout, ms.
    pub retransmit_initial_ms: u64,
    /// Retransmissions before giving up.
    pub max_retransmissions: u8,
    /// Longest a handshake may take, ms.
    pub handshake_timeout_ms: u64,
}

impl Params {
    /// Flattens `spec`.
    pub fn from_spec(spec: &EndpointSpec) -> Params {
        let (psk_identity, psk_key) = spec
            .psk
            .as_ref()
            .map(|p| (p.identity.clone(), p.key.clone()))
            .unwrap_or_default();
        let (chain_der, key_der) = spec
            .credentials
            .as_ref()
            .map(|c| (c.chain_der.clone(), c.key_pkcs8_der.clone()))
            .unwrap_or_default();
        Params {
            suite: spec.suite.code,
            suite_name: spec.suite.name,
            psk: spec.suite.auth == SuiteAuth::Psk,
            psk_identity,
            psk_key,
            chain_der,
            key_der,
            trust_der: spec.trust_der.clone(),
            cookies: spec.cookies,
            mtu: spec.mtu,
            seed: spec.seed,
            retransmit_initial_ms: spec.retransmit.initial_ms,
            max_retransmissions: spec.retransmit.max_retransmissions,
            handshake_timeout_ms: spec.retransmit.handshake_timeout_ms,
        }
    }

    /// Whether `der` is one of the trusted server leaves.
    pub fn trusts(&self, der: &[u8]) -> bool {
        self.trust_der.iter().any(|t| t.as_slice() == der)
    }
}

/// A thread-local seeded random stream, lent to a foreign library for the duration of one
/// call (for libraries whose random source is a global hook rather than a per-object RNG).
#[cfg(any(feature = "dimpl", feature = "openssl"))]
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

    /// Whether a stream is installed on this thread.
    #[allow(dead_code)]
    pub(crate) fn installed() -> bool {
        CURRENT.with(|c| c.borrow().is_some())
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

#[cfg(any(feature = "dimpl", feature = "openssl"))]
pub use scoped_rng::stray_bytes as stray_random_bytes;
