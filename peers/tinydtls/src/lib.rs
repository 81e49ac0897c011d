//! A safe, deterministic, in-memory driver for tinydtls (the C library vendored by the
//! `tinydtls-sys` crate), for interop tests and the simulator.
//!
//! tinydtls is written for sockets and its own clock; this crate turns it into a sans-IO
//! endpoint: datagrams are handed in with [`TinyDtls::handle_datagram`], what tinydtls sends is
//! queued for [`TinyDtls::poll_transmit`], application data and alerts become [`Event`]s, and
//! time is the caller's. Peers are named by a small integer ([`PeerId`]), mapped to a made-up
//! IPv4 address inside tinydtls.
//!
//! # Determinism
//! tinydtls reads time through `dtls_ticks()` and randomness through `dtls_prng()`. This crate
//! defines both symbols itself (see [`clock`]), so the static library's own `dtls_time.o`
//! (which calls `gettimeofday`) and `dtls_prng.o` (which calls `getrandom`) are never linked:
//! tinydtls sees the virtual time passed to each call, in milliseconds, and draws its random
//! bytes from a ChaCha20 stream seeded per context. Two runs with the same seed and the same
//! inputs produce the same bytes. [`self_check`] verifies at run time that the linker really
//! chose these definitions, and every constructor fails if it did not.
//!
//! # What tinydtls supports
//! DTLS 1.2 only; TLS_PSK_WITH_AES_128_CCM_8, TLS_PSK_WITH_AES_128_CCM,
//! TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 and TLS_ECDHE_ECDSA_WITH_AES_128_CCM; ECDSA with raw
//! public keys (RFC 7250) only, no X.509; one handshake message per record and no handshake
//! fragments on input; extended master secret and renegotiation_info always sent; a server
//! always asks for a HelloVerifyRequest cookie. It retransmits each handshake record on its own
//! timer (2 s, doubling, 7 re-sends, then it gives up silently: reported here as
//! [`CloseOutcome::GaveUp`] for a client) and never retransmits an alert: a close whose
//! answer is lost ends after [`CLOSE_LINGER_MS`] as [`CloseOutcome::Unconfirmed`].

mod clock;
mod context;
mod simple;

pub use clock::{self_check, stray_random_bytes};
pub use context::{
    CLOSE_LINGER_MS, CloseOutcome, Config, EcdsaKey, Error, Event, MAX_DATAGRAM, PeerId, Role, Suite,
    TinyDtls,
};
pub use simple::{TinyDtlsClient, TinyDtlsServer};
