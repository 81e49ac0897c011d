//! The one trait the simulator drives endpoints through, and the plain values it exchanges.
//!
//! The simulator never names a DTLS type: it moves datagrams, time and application requests
//! through [`Endpoint`]. Endpoints are built by an
//! [`Implementation`](crate::implementation::Implementation) (ours in [`crate::ours`], other
//! implementations' adapters in `sim/src/peers/`), so the network, the faults, the workload
//! and the oracle work unchanged with any of them.

pub use dtls::Instant;

/// Address of a node in the simulated network.
pub type NodeId = u16;

/// How a connection ended, as the simulator judges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseKind {
    /// We closed and the peer confirmed.
    Graceful,
    /// The peer closed.
    PeerClosed,
    /// We closed and the peer never confirmed (its confirmation may have been lost).
    Unconfirmed,
    /// A fatal error, described.
    Error(String),
}

/// What an endpoint reports to the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppEvent {
    /// The handshake completed with this suite (IANA name).
    Connected(String),
    /// Application data arrived.
    Data(Vec<u8>),
    /// The connection ended.
    Closed(CloseKind),
}

/// Record-layer counters an endpoint exposes, summed over its connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordCounters {
    /// Records that were accepted (any epoch).
    pub accepted: u64,
    /// Records of a protected epoch that authenticated: what replay checks look at, since an
    /// epoch-0 record carries no authentication to replay.
    pub accepted_protected: u64,
    /// Dropped counts by reason, in the order of [`RECORD_DROP_REASONS`].
    pub dropped: [u64; 7],
}

/// Names of the record drop reasons, in the order of [`RecordCounters::dropped`].
pub const RECORD_DROP_REASONS: [&str; 7] = [
    "malformed",
    "too_large",
    "unknown_epoch",
    "future_epoch",
    "too_short",
    "bad_mac",
    "replayed",
];

impl RecordCounters {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &RecordCounters) {
        self.accepted += other.accepted;
        self.accepted_protected += other.accepted_protected;
        for (a, b) in self.dropped.iter_mut().zip(other.dropped) {
            *a += b;
        }
    }
}

/// A DTLS endpoint as the simulator sees it: datagrams and time in, datagrams, events and the
/// next deadline out, plus the two application requests (send, close).
pub trait Endpoint {
    /// Feeds a datagram that arrived from `from`.
    fn handle_datagram(&mut self, now: Instant, from: NodeId, datagram: &[u8]);
    /// Called when the deadline from `poll_timeout` has been reached.
    fn handle_timeout(&mut self, now: Instant);
    /// The next datagram to send: destination and length copied into `buf`, which holds at
    /// least `dtls::config::MAX_MTU` bytes (the largest datagram any endpoint may send).
    fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(NodeId, usize)>;
    /// When `handle_timeout` must be called next, if ever.
    fn poll_timeout(&self) -> Option<Instant>;
    /// The next application-visible event and the peer it concerns.
    fn poll_event(&mut self) -> Option<(NodeId, AppEvent)>;
    /// Sends one datagram of application data to a connected peer.
    fn send(&mut self, to: NodeId, data: &[u8]) -> Result<(), String>;
    /// Starts a graceful close of the connection with `peer`.
    fn close(&mut self, now: Instant, peer: NodeId);
    /// Record counters for the connection with `peer` (the last known values once it is gone).
    /// Implementations that do not expose counters keep the default (all zero): reports then
    /// show no endpoint drops for them.
    fn records(&self, peer: NodeId) -> RecordCounters {
        let _ = peer;
        RecordCounters::default()
    }
    /// Protected records this endpoint has ever accepted, over all its connections, live or
    /// gone: the replay check compares it before and after one datagram, so it must never move
    /// because a connection was replaced or forgotten. `None` (the default) when the
    /// implementation cannot tell; the oracle then judges replays by the data delivered only.
    fn accepted_protected_total(&self) -> Option<u64> {
        None
    }
}
