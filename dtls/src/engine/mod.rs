//! The connection engine: client and server handshakes (typed states per role) over the
//! shared per-connection core (records, flights, timers, lifecycle), and the public sans-IO
//! types ([`Client`], [`Server`], [`Event`]).

mod client;
mod connection;
mod keys;
mod server;

use alloc::vec::Vec;

pub use client::Client;
pub use connection::LifecycleStats;
pub use server::{Server, ServerStats};

use crate::error::Error;
use crate::wire::CipherSuite;

/// Who the peer proved to be.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerIdentity {
    /// The PSK identity the client used (RFC 4279).
    Psk {
        /// The identity bytes.
        identity: Vec<u8>,
    },
    /// The certificate chain the peer presented (leaf first, DER).
    Certificate {
        /// The chain.
        chain: Vec<Vec<u8>>,
    },
    /// The peer did not authenticate itself (a client on a certificate suite without client
    /// authentication).
    Anonymous,
}

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// We sent close_notify and the peer answered with its own.
    Graceful,
    /// The peer sent close_notify (we answered it).
    PeerClosed,
    /// We sent close_notify and the peer never answered within the retransmission budget.
    CloseFailed,
    /// No authenticated record arrived within `Limits::idle_timeout` (spoofed cleartext
    /// records do not count as activity).
    IdleTimeout,
    /// On a server: the client connected again from the same address (a new handshake
    /// completed, RFC 6347 4.2.8), so this connection, which the client has forgotten, ends
    /// without an alert; the new one follows with its own `Connected`.
    Replaced,
    /// A fatal error: an alert we sent or received, a timeout, or a local failure.
    Error(Error),
}

/// Something that happened on a connection, reported by `poll_event`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The handshake completed.
    Connected {
        /// The negotiated suite.
        suite: CipherSuite,
        /// Who the peer is.
        peer: PeerIdentity,
        /// The server name the client asked for (RFC 6066 3), on the server side.
        server_name: Option<Vec<u8>>,
    },
    /// Application data arrived (one datagram's record).
    Data(Vec<u8>),
    /// The connection ended; nothing more will be delivered.
    Closed(CloseReason),
}
