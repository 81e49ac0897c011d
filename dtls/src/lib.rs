//! A sans-IO DTLS 1.2 engine (RFC 6347) for microcontrollers and servers.
//!
//! The engine never touches a socket or a clock: callers feed datagrams and the current time in,
//! and poll datagrams, events and the next deadline out. It is `no_std` + `alloc`, contains no
//! `unsafe`, and every buffer it keeps is bounded.
//!
//! Layers, each in its own module:
//! - [`codec`]: bounds-checked reading and writing of wire integers and vectors;
//! - [`wire`]: every DTLS 1.2 structure with `parse` and `emit`;
//! - [`crypto`]: the provider traits and the default RustCrypto backend;
//! - [`record`]: epochs, sequence numbers, sealing and opening records, the replay window.
#![no_std]
#![forbid(unsafe_code)]
// Library code never unwraps, panics or indexes untrusted slices; tests may.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod codec;
pub mod config;
pub mod crypto;
pub mod engine;
pub mod error;
pub mod handshake;
pub mod pki;
pub mod record;
pub mod suite;
pub mod time;
pub mod wire;

pub use config::{ClientConfig, ServerConfig};
pub use engine::{Client, CloseReason, Event, PeerIdentity, Server};
pub use error::Error;
pub use time::{Duration, Instant};
