//! The one trait the simulator drives endpoints through, and its adapters for our engine.
//!
//! The simulator never names a DTLS type: it moves datagrams, time and application requests
//! through [`Endpoint`], so an adapter for another implementation (OpenSSL, dimpl, ...) can be
//! added beside [`DtlsClient`] and [`DtlsServer`] without touching the network or the faults.

use std::collections::BTreeMap;
use std::sync::Arc;

use dtls::config::{CertifiedKey, ClientConfig, Limits, PinnedCertificates, Psk, PskTable, ServerConfig};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoProvider, SignatureScheme};
use dtls::record::RecordStats;
use dtls::wire::CipherSuite;
use dtls::{Client, CloseReason, Event, Instant, Server};

use crate::rng::EngineRng;

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
    fn from_stats(s: &RecordStats) -> Self {
        RecordCounters {
            accepted: s.accepted,
            accepted_protected: s.accepted_protected,
            dropped: [
                s.malformed,
                s.too_large,
                s.unknown_epoch,
                s.future_epoch,
                s.too_short,
                s.bad_mac,
                s.replayed,
            ],
        }
    }

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
    /// The next datagram to send: destination and length copied into `buf`.
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
    fn records(&self, peer: NodeId) -> RecordCounters;
    /// Protected records this endpoint has ever accepted, over all its connections, live or
    /// gone: the replay check compares it before and after one datagram, so it must never move
    /// because a connection was replaced or forgotten.
    fn accepted_protected_total(&self) -> u64;
}

fn close_kind(reason: CloseReason) -> CloseKind {
    match reason {
        CloseReason::Graceful => CloseKind::Graceful,
        CloseReason::PeerClosed => CloseKind::PeerClosed,
        CloseReason::CloseFailed => CloseKind::Unconfirmed,
        CloseReason::Error(e) => CloseKind::Error(e.to_string()),
    }
}

fn app_event(e: Event) -> AppEvent {
    match e {
        Event::Connected { suite, .. } => AppEvent::Connected(
            suite
                .iana_name()
                .map_or_else(|| format!("{:#06x}", suite.0), str::to_string),
        ),
        Event::Data(d) => AppEvent::Data(d),
        Event::Closed(r) => AppEvent::Closed(close_kind(r)),
    }
}

/// Our engine's client, talking to one server node.
#[derive(Debug)]
pub struct DtlsClient {
    client: Client,
    server: NodeId,
}

impl DtlsClient {
    /// A client that will talk to `server`; its first flight is queued at `now`.
    pub fn new(
        config: Arc<ClientConfig>,
        rng: EngineRng,
        now: Instant,
        server: NodeId,
    ) -> Result<Self, String> {
        let client = Client::new(config, Box::new(rng), now).map_err(|e| e.to_string())?;
        Ok(DtlsClient { client, server })
    }
}

impl Endpoint for DtlsClient {
    fn handle_datagram(&mut self, now: Instant, from: NodeId, datagram: &[u8]) {
        // A client socket connected to its server ignores other sources, as a real one would.
        if from == self.server {
            self.client.handle_datagram(now, datagram);
        }
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.client.handle_timeout(now);
    }
    fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(NodeId, usize)> {
        self.client.poll_transmit(buf).map(|n| (self.server, n))
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.client.poll_timeout()
    }
    fn poll_event(&mut self) -> Option<(NodeId, AppEvent)> {
        self.client.poll_event().map(|e| (self.server, app_event(e)))
    }
    fn send(&mut self, _to: NodeId, data: &[u8]) -> Result<(), String> {
        self.client.send(data).map_err(|e| e.to_string())
    }
    fn close(&mut self, now: Instant, _peer: NodeId) {
        self.client.close(now);
    }
    fn records(&self, _peer: NodeId) -> RecordCounters {
        RecordCounters::from_stats(self.client.record_stats())
    }
    fn accepted_protected_total(&self) -> u64 {
        self.client.record_stats().accepted_protected
    }
}

/// Our engine's server: one port, any number of client nodes.
#[derive(Debug)]
pub struct DtlsServer {
    server: Server<NodeId>,
    /// Last seen counters per peer: the server forgets a session when it closes.
    last: BTreeMap<NodeId, RecordCounters>,
}

impl DtlsServer {
    /// A server with no sessions.
    pub fn new(config: Arc<ServerConfig>, rng: EngineRng) -> Result<Self, String> {
        let server = Server::new(config, Box::new(rng)).map_err(|e| e.to_string())?;
        Ok(DtlsServer {
            server,
            last: BTreeMap::new(),
        })
    }

    fn snapshot(&mut self, peer: NodeId) {
        if let Some(s) = self.server.record_stats(&peer) {
            let now = RecordCounters::from_stats(&s);
            let entry = self.last.entry(peer).or_default();
            // A replaced session (reconnect) starts counting again from zero; keep the larger
            // totals so counters never go backwards in reports.
            if now.accepted >= entry.accepted {
                *entry = now;
            }
        }
    }
}

impl Endpoint for DtlsServer {
    fn handle_datagram(&mut self, now: Instant, from: NodeId, datagram: &[u8]) {
        self.server.handle_datagram(now, from, datagram);
        self.snapshot(from);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.server.handle_timeout(now);
    }
    fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(NodeId, usize)> {
        self.server.poll_transmit(buf)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.server.poll_timeout()
    }
    fn poll_event(&mut self) -> Option<(NodeId, AppEvent)> {
        self.server.poll_event().map(|(a, e)| (a, app_event(e)))
    }
    fn send(&mut self, to: NodeId, data: &[u8]) -> Result<(), String> {
        let r = self.server.send(&to, data).map_err(|e| e.to_string());
        self.snapshot(to);
        r
    }
    fn close(&mut self, now: Instant, peer: NodeId) {
        self.server.close(now, &peer);
    }
    fn records(&self, peer: NodeId) -> RecordCounters {
        self.server
            .record_stats(&peer)
            .map(|s| RecordCounters::from_stats(&s))
            .or_else(|| self.last.get(&peer).copied())
            .unwrap_or_default()
    }
    fn accepted_protected_total(&self) -> u64 {
        self.server.total_record_stats().accepted_protected
    }
}

/// The server certificate used by certificate suites in the simulator (self-signed P-256).
pub const SERVER_CERT_DER: &[u8] = include_bytes!("../data/server.crt.der");
/// Its private key (PKCS#8 DER).
pub const SERVER_KEY_DER: &[u8] = include_bytes!("../data/server.key.der");
/// The PSK identity the simulated client uses.
pub const PSK_IDENTITY: &[u8] = b"sim-device";
/// The PSK itself (a fixed test key).
pub const PSK_KEY: &[u8] = &[0x5a; 16];

/// Configurations for both sides of a simulated run, built once and shared by many runs.
#[derive(Debug, Clone)]
pub struct Configs {
    /// The client side.
    pub client: Arc<ClientConfig>,
    /// The server side.
    pub server: Arc<ServerConfig>,
}

impl Configs {
    /// Client and server offering exactly `suite`, with the given MTU, cookie setting and
    /// limits.
    pub fn new(suite: CipherSuite, cookies: bool, mtu: usize, limits: Limits) -> Result<Self, String> {
        let provider: Arc<dyn CryptoProvider + Send + Sync> = Arc::new(RustCrypto);
        let psk = Psk::new(PSK_IDENTITY, PSK_KEY).map_err(|e| e.to_string())?;
        let mut c = ClientConfig::new(provider.clone());
        c.common.cipher_suites = vec![suite];
        c.common.mtu = mtu;
        c.common.limits = limits;
        c.psk = Some(psk.clone());
        c.verifier = Some(Arc::new(PinnedCertificates {
            leaves: vec![SERVER_CERT_DER.to_vec()],
        }));
        let mut s = ServerConfig::new(provider.clone());
        s.common.cipher_suites = vec![suite];
        s.common.mtu = mtu;
        s.common.limits = limits;
        s.cookies = cookies;
        s.psk_store = Some(Arc::new(PskTable::new().with(psk)));
        let key = provider
            .signing_key(SignatureScheme::EcdsaP256Sha256, SERVER_KEY_DER)
            .map_err(|e| format!("loading the server key: {e}"))?;
        s.certificate = Some(Arc::new(CertifiedKey {
            chain: vec![SERVER_CERT_DER.to_vec()],
            key,
        }));
        Ok(Configs {
            client: Arc::new(c),
            server: Arc::new(s),
        })
    }
}
