//! "ours": this project's engine behind the [`Implementation`] seam. The only module of the
//! simulator, beside the scripted hostile peer, that names engine types.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use dtls::config::{CertifiedKey, ClientConfig, Limits, PinnedCertificates, Psk, PskTable, ServerConfig};
use dtls::crypto::CryptoProvider;
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::record::RecordStats;
use dtls::wire::CipherSuite;
use dtls::{Client, CloseReason, Duration, Event, Instant, Server};

use crate::endpoint::{AppEvent, CloseKind, Endpoint, NodeId, RecordCounters};
use crate::implementation::{Determinism, EndpointSpec, Implementation, Role};
use crate::rng::EngineRng;

fn counters(s: &RecordStats) -> RecordCounters {
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

fn close_kind(reason: CloseReason) -> CloseKind {
    match reason {
        CloseReason::Graceful => CloseKind::Graceful,
        CloseReason::PeerClosed => CloseKind::PeerClosed,
        CloseReason::CloseFailed => CloseKind::Unconfirmed,
        CloseReason::Error(e) => CloseKind::Error(e.to_string()),
        CloseReason::IdleTimeout => CloseKind::Error("idle timeout".into()),
        CloseReason::Replaced => CloseKind::Error("replaced by the client's new connection".into()),
        // A reason a newer engine adds: still an end, described.
        other => CloseKind::Error(format!("{other:?}")),
    }
}

/// What the application sees of an engine event; `None` for an event kind this simulator
/// does not know (a newer engine's), which carries nothing the workload checks.
fn app_event(e: Event) -> Option<AppEvent> {
    Some(match e {
        Event::Connected { suite, .. } => AppEvent::Connected(
            suite
                .iana_name()
                .map_or_else(|| format!("{:#06x}", suite.0), str::to_string),
        ),
        Event::Data(d) => AppEvent::Data(d),
        Event::Closed(r) => AppEvent::Closed(close_kind(r)),
        _ => return None,
    })
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
        // The world's buffer holds the largest datagram (see `Endpoint::poll_transmit`), so
        // the engine's BufferTooSmall cannot occur here.
        self.client
            .poll_transmit(buf)
            .unwrap_or(None)
            .map(|n| (self.server, n))
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.client.poll_timeout()
    }
    fn poll_event(&mut self) -> Option<(NodeId, AppEvent)> {
        loop {
            let e = self.client.poll_event()?;
            if let Some(e) = app_event(e) {
                return Some((self.server, e));
            }
        }
    }
    fn send(&mut self, _to: NodeId, data: &[u8]) -> Result<(), String> {
        self.client.send(data).map_err(|e| e.to_string())
    }
    fn close(&mut self, now: Instant, _peer: NodeId) {
        self.client.close(now);
    }
    fn records(&self, _peer: NodeId) -> RecordCounters {
        counters(self.client.record_stats())
    }
    fn accepted_protected_total(&self) -> Option<u64> {
        Some(self.client.record_stats().accepted_protected)
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
            let now = counters(&s);
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
        // As for the client: the buffer holds any datagram.
        self.server.poll_transmit(buf).unwrap_or(None)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.server.poll_timeout()
    }
    fn poll_event(&mut self) -> Option<(NodeId, AppEvent)> {
        loop {
            let (a, e) = self.server.poll_event()?;
            if let Some(e) = app_event(e) {
                return Some((a, e));
            }
        }
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
            .map(|s| counters(&s))
            .or_else(|| self.last.get(&peer).copied())
            .unwrap_or_default()
    }
    fn accepted_protected_total(&self) -> Option<u64> {
        Some(self.server.total_record_stats().accepted_protected)
    }
}

/// The engine limits an endpoint spec asks for: the defaults with the spec's retransmission
/// schedule.
pub fn limits(spec: &EndpointSpec) -> Limits {
    let r = spec.retransmit;
    let mut l = Limits::DEFAULT;
    l.retransmit_initial = Duration::from_millis(r.initial_ms);
    l.retransmit_max = Duration::from_millis(r.max_ms);
    l.max_retransmissions = r.max_retransmissions;
    l.handshake_timeout = Duration::from_millis(r.handshake_timeout_ms);
    l
}

/// Our client configuration for `spec`.
pub fn client_config(spec: &EndpointSpec) -> Result<ClientConfig, String> {
    let provider: Arc<dyn CryptoProvider + Send + Sync> = Arc::new(RustCrypto);
    let mut c = ClientConfig::new(provider);
    c.common.cipher_suites = vec![CipherSuite(spec.suite.code)];
    c.common.mtu = spec.mtu;
    c.common.limits = limits(spec);
    c.common.require_extended_master_secret = spec.require_extended_master_secret;
    if let Some(p) = &spec.psk {
        c.psk = Some(Psk::new(&p.identity, &p.key).map_err(|e| e.to_string())?);
    }
    if !spec.trust_der.is_empty() {
        c.verifier = Some(Arc::new(PinnedCertificates {
            leaves: spec.trust_der.clone(),
        }));
    }
    c.server_name = spec.server_name.clone();
    Ok(c)
}

/// Our server configuration for `spec`.
pub fn server_config(spec: &EndpointSpec) -> Result<ServerConfig, String> {
    let provider: Arc<dyn CryptoProvider + Send + Sync> = Arc::new(RustCrypto);
    let mut s = ServerConfig::new(provider.clone());
    s.common.cipher_suites = vec![CipherSuite(spec.suite.code)];
    s.common.mtu = spec.mtu;
    s.common.limits = limits(spec);
    s.common.require_extended_master_secret = spec.require_extended_master_secret;
    s.cookies = spec.cookies;
    if let Some(p) = &spec.psk {
        let psk = Psk::new(&p.identity, &p.key).map_err(|e| e.to_string())?;
        s.psk_store = Some(Arc::new(PskTable::new().with(psk)));
    }
    if let Some(cred) = &spec.credentials {
        // PKCS#8 of any key kind the engine takes (P-256 for ECDSA suites, RSA for RSA ones).
        let key = dtls::pki::load_private_key(&cred.key_pkcs8_der)
            .and_then(|k| k.signing_key(provider.as_ref()))
            .map_err(|e| format!("loading the server key: {e}"))?;
        s.certificate = Some(Arc::new(CertifiedKey {
            chain: cred.chain_der.clone(),
            key,
        }));
    }
    Ok(s)
}

/// Whether two specs ask for the same configuration (the seed only feeds the RNG).
fn same_but_seed(a: &EndpointSpec, b: &EndpointSpec) -> bool {
    let EndpointSpec {
        suite,
        psk,
        credentials,
        trust_der,
        server_name,
        cookies,
        mtu,
        require_extended_master_secret,
        seed: _,
        retransmit,
    } = a;
    *suite == b.suite
        && *psk == b.psk
        && *credentials == b.credentials
        && *trust_der == b.trust_der
        && *server_name == b.server_name
        && *cookies == b.cookies
        && *mtu == b.mtu
        && *require_extended_master_secret == b.require_extended_master_secret
        && *retransmit == b.retransmit
}

#[derive(Debug, Clone)]
enum Prepared {
    Client(Arc<ClientConfig>),
    Server(Arc<ServerConfig>),
}

/// Configurations kept for reuse: a sweep builds thousands of endpoints from specs that
/// differ only in their seed, and building a configuration (parsing the server key) would
/// otherwise cost as much as a PSK handshake.
const CACHED_CONFIGS: usize = 16;

/// Our engine as an [`Implementation`].
#[derive(Debug, Default)]
pub struct Ours {
    cache: Mutex<Vec<(Role, EndpointSpec, Prepared)>>,
}

impl Ours {
    /// The implementation, with an empty configuration cache.
    pub fn new() -> Self {
        Ours::default()
    }

    fn prepared(&self, spec: &EndpointSpec, role: Role) -> Result<Prepared, String> {
        if let Ok(cache) = self.cache.lock()
            && let Some((_, _, p)) = cache
                .iter()
                .find(|(r, s, _)| *r == role && same_but_seed(s, spec))
        {
            return Ok(p.clone());
        }
        let key = EndpointSpec {
            seed: 0,
            ..spec.clone()
        };
        let p = match role {
            Role::Client => Prepared::Client(Arc::new(client_config(spec)?)),
            Role::Server => Prepared::Server(Arc::new(server_config(spec)?)),
        };
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHED_CONFIGS {
                cache.remove(0);
            }
            cache.push((role, key, p.clone()));
        }
        Ok(p)
    }
}

impl Implementation for Ours {
    fn name(&self) -> &'static str {
        "ours"
    }

    fn supports(&self, spec: &EndpointSpec, _role: Role) -> Result<(), String> {
        match dtls::suite::lookup(CipherSuite(spec.suite.code)) {
            Some(_) => Ok(()),
            None => Err(format!("{} is not implemented", spec.suite)),
        }
    }

    fn client(
        &self,
        spec: &EndpointSpec,
        _me: NodeId,
        server: NodeId,
        now: Instant,
    ) -> Result<Box<dyn Endpoint>, String> {
        self.supports(spec, Role::Client)?;
        let Prepared::Client(config) = self.prepared(spec, Role::Client)? else {
            return Err("configuration cache returned the wrong role".into());
        };
        let rng = EngineRng::from_stream_seed(spec.seed);
        Ok(Box::new(DtlsClient::new(config, rng, now, server)?))
    }

    fn server(&self, spec: &EndpointSpec, _me: NodeId, _now: Instant) -> Result<Box<dyn Endpoint>, String> {
        self.supports(spec, Role::Server)?;
        let Prepared::Server(config) = self.prepared(spec, Role::Server)? else {
            return Err("configuration cache returned the wrong role".into());
        };
        let rng = EngineRng::from_stream_seed(spec.seed);
        Ok(Box::new(DtlsServer::new(config, rng)?))
    }

    fn determinism(&self) -> Determinism {
        Determinism::Full
    }
}
