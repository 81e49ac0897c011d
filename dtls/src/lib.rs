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
//!
//! # Driving an endpoint
//!
//! [`Client`] and [`Server`] are driven the same way, from one loop that owns the socket and
//! the clock. After anything goes in (a datagram, a timeout, a `send`, a `close`):
//!
//! 1. drain [`Client::poll_transmit`] until it returns `Ok(None)`, sending each datagram; a
//!    buffer of the configured MTU always suffices (a smaller one is
//!    [`CallError::BufferTooSmall`], and the datagram stays queued);
//! 2. drain [`Client::poll_event`]: `Connected` once, `Data` per record, `Closed` last, after
//!    which the connection reports nothing more;
//! 3. read [`Client::poll_timeout`] and wait until that instant or the next datagram, then
//!    call `handle_timeout(now)` or `handle_datagram(now, ..)` and start again.
//!
//! `send` and `poll_transmit` fail only for the call ([`CallError`]: not connected yet, closed,
//! too large, buffer too small); what ends a connection is reported once, as
//! `Event::Closed` with its [`CloseReason`]. Here a client and a server run that loop
//! against each other in memory (the server's datagrams carry the client's address, `7`):
//!
//! ```
//! use std::sync::Arc;
//! use dtls::config::{Psk, PskTable};
//! use dtls::crypto::DeterministicRandom;
//! use dtls::crypto::rustcrypto::RustCrypto;
//! use dtls::{Client, ClientConfig, Event, Instant, Server, ServerConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let psk = Psk::new(b"device-17", &[0x1a; 16])?;
//! let mut client_config = ClientConfig::new(Arc::new(RustCrypto));
//! client_config.psk = Some(psk.clone());
//! let mut server_config = ServerConfig::new(Arc::new(RustCrypto));
//! server_config.psk_store = Some(Arc::new(PskTable::new().with(psk)));
//!
//! let mut now = Instant::ZERO;
//! // A real device seeds its random generator from hardware; this one is reproducible.
//! let rng = |seed| Box::new(DeterministicRandom::from_u64(seed));
//! let mut client = Client::new(Arc::new(client_config), rng(1), now)?;
//! let mut server: Server<u32> = Server::new(Arc::new(server_config), rng(2))?;
//! let mut buf = vec![0u8; 1500];
//! let mut echoed = None;
//! for _ in 0..100 {
//!     // 1. what each side wants to send goes to the other
//!     while let Some(n) = client.poll_transmit(&mut buf)? {
//!         server.handle_datagram(now, 7, &buf[..n]);
//!     }
//!     while let Some((_to, n)) = server.poll_transmit(&mut buf)? {
//!         client.handle_datagram(now, &buf[..n]);
//!     }
//!     // 2. events: the server echoes data; the client sends once connected
//!     while let Some((peer, event)) = server.poll_event() {
//!         if let Event::Data(d) = event {
//!             server.send(&peer, &d)?;
//!         }
//!     }
//!     while let Some(event) = client.poll_event() {
//!         match event {
//!             Event::Connected { .. } => client.send(b"hello")?,
//!             Event::Data(d) => echoed = Some(d),
//!             _ => {}
//!         }
//!     }
//!     if echoed.is_some() {
//!         break;
//!     }
//!     // 3. nothing in flight: move time to the next deadline (a real loop waits on the
//!     // socket until then)
//!     if let Some(t) = [client.poll_timeout(), server.poll_timeout()].into_iter().flatten().min() {
//!         now = now.max(t);
//!         client.handle_timeout(now);
//!         server.handle_timeout(now);
//!     }
//! }
//! assert_eq!(echoed.as_deref(), Some(&b"hello"[..]));
//! # Ok(())
//! # }
//! ```
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
pub use error::{CallError, Error};
pub use time::{Duration, Instant};
