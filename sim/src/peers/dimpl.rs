//! `dimpl` (Rust, sans-IO DTLS 1.2) as a simulator endpoint, client or server.
//!
//! Suites: TLS_PSK_WITH_AES_128_CCM_8 and TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (the ones
//! dimpl's RustCrypto provider and this project's engine share). A server keeps one dimpl
//! instance per client node. A client pins the server certificate: dimpl hands the peer's leaf
//! up (`Output::PeerCert`) and leaves validation to the application, so the adapter compares
//! it with the trusted DER and fails the connection on a mismatch.
//!
//! # Determinism
//! None lost. dimpl takes `std::time::Instant`; the adapter maps virtual time onto one base
//! `Instant` taken when the endpoint is created plus the virtual offset, and maps dimpl's
//! deadlines back the same way, so only differences of instants matter and the host clock
//! never influences a run. Randomness: dimpl's own seeded RNG (`dangerously_set_rng_seed`) for
//! what it draws itself, and a crypto provider whose `SecureRandom` and P-256 key exchange
//! draw from a ChaCha20 stream seeded per endpoint (the stock RustCrypto provider would take
//! the OS RNG). ECDSA signatures are RFC 6979 deterministic in the `p256` crate.
//!
//! # Policy the adapter adds
//! dimpl does not retransmit close_notify and has no close timer; after `close` the adapter
//! waits [`CLOSE_LINGER_MS`] for the peer's close_notify and then reports the close as
//! unconfirmed.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use dimpl::crypto::{
    ActiveKeyExchange, Buf, CryptoProvider, Dtls12CipherSuite, NamedGroup, SecureRandom, SupportedKxGroup,
};
use dimpl::{Config, CryptoError, Dtls, DtlsCertificate, Output, PskResolver};
use dtls::Instant;
use dtls::crypto::KeyExchange as _;
use dtls::crypto::rustcrypto::P256KeyExchange;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::Params;
use super::scoped_rng;
use crate::endpoint::{AppEvent, CloseKind, Endpoint, NodeId};
use crate::implementation::{
    Determinism, EndpointSpec, Implementation, Role, SERVER_CERT_DER, SERVER_KEY_DER,
};

/// How long a closing endpoint waits for the peer's close_notify (dimpl has no close timer).
pub const CLOSE_LINGER_MS: u64 = 2_000;

/// Whether dimpl (with this adapter's provider) can run `params`.
pub fn supports(params: &Params) -> bool {
    matches!(params.suite, 0xC0A8 | 0xC02B)
}

/// The `dimpl` implementation for the registry.
#[derive(Debug)]
pub struct Dimpl;

impl Implementation for Dimpl {
    fn name(&self) -> &'static str {
        "dimpl"
    }

    fn supports(&self, spec: &EndpointSpec, role: Role) -> Result<(), String> {
        let p = Params::from_spec(spec);
        if !supports(&p) {
            return Err(format!(
                "dimpl supports TLS_PSK_WITH_AES_128_CCM_8 and TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, not {}",
                p.suite_name
            ));
        }
        if !p.psk && role == Role::Server && p.chain_der.is_empty() {
            return Err("dimpl server: no certificate".into());
        }
        Ok(())
    }

    fn client(
        &self,
        spec: &EndpointSpec,
        _me: NodeId,
        server: NodeId,
        now: Instant,
    ) -> Result<Box<dyn Endpoint>, String> {
        Ok(Box::new(DimplEndpoint::client(
            &Params::from_spec(spec),
            server,
            now,
        )?))
    }

    fn server(&self, spec: &EndpointSpec, _me: NodeId, now: Instant) -> Result<Box<dyn Endpoint>, String> {
        Ok(Box::new(DimplEndpoint::server(&Params::from_spec(spec), now)?))
    }

    fn determinism(&self) -> Determinism {
        Determinism::Full
    }
}

/// dimpl's `SecureRandom`, served from the stream the adapter installs around each call.
#[derive(Debug)]
struct ScopedRandom;

impl SecureRandom for ScopedRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), CryptoError> {
        scoped_rng::fill(buf);
        Ok(())
    }
}

struct ScopedDraw;

impl dtls::crypto::SecureRandom for ScopedDraw {
    fn fill(&mut self, dest: &mut [u8]) {
        scoped_rng::fill(dest);
    }
}

impl std::fmt::Debug for ScopedDraw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScopedDraw")
    }
}

/// P-256 ECDHE whose ephemeral scalar comes from the installed stream (the engine's
/// `P256KeyExchange` does the arithmetic).
#[derive(Debug)]
struct ScopedP256;

struct P256Active {
    kx: P256KeyExchange,
    public: Vec<u8>,
}

impl std::fmt::Debug for P256Active {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("P256Active").finish_non_exhaustive()
    }
}

impl SupportedKxGroup for ScopedP256 {
    fn name(&self) -> NamedGroup {
        NamedGroup::Secp256r1
    }

    fn start_exchange(&self, _buf: Buf) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        let kx = P256KeyExchange::generate(&mut ScopedDraw)
            .map_err(|_| CryptoError::UnsupportedKeyExchangeGroup(NamedGroup::Secp256r1))?;
        let public = kx.public_key().to_vec();
        Ok(Box::new(P256Active { kx, public }))
    }
}

impl ActiveKeyExchange for P256Active {
    fn pub_key(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer_pub: &[u8], out: &mut Buf) -> Result<(), CryptoError> {
        let mut shared = [0u8; 32];
        let n = self
            .kx
            .agree(peer_pub, &mut shared)
            .map_err(|_| CryptoError::UnsupportedKeyExchangeGroup(NamedGroup::Secp256r1))?;
        out.clear();
        out.extend_from_slice(&shared[..n]);
        Ok(())
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::Secp256r1
    }
}

static SCOPED_RANDOM: ScopedRandom = ScopedRandom;
static SCOPED_P256: ScopedP256 = ScopedP256;
static KX_GROUPS: [&dyn SupportedKxGroup; 1] = [&SCOPED_P256];

fn provider() -> CryptoProvider {
    let mut p = dimpl::crypto::rust_crypto::default_provider();
    p.secure_random = &SCOPED_RANDOM;
    p.kx_groups = &KX_GROUPS;
    p
}

#[derive(Debug)]
struct OnePsk(Vec<u8>, Vec<u8>);

impl PskResolver for OnePsk {
    fn resolve(&self, identity: &[u8]) -> Option<Vec<u8>> {
        (identity == self.0.as_slice()).then(|| self.1.clone())
    }
}

fn config(params: &Params, client: bool) -> Result<Arc<Config>, String> {
    let suite = Dtls12CipherSuite::from_u16(params.suite);
    let resolver = Arc::new(OnePsk(params.psk_identity.clone(), params.psk_key.clone()));
    let mut b = Config::builder()
        .with_crypto_provider(provider())
        .dtls12_cipher_suites(&[suite])
        .dtls13_cipher_suites(&[])
        .mtu(params.mtu)
        .use_server_cookie(params.cookies)
        .require_client_certificate(false)
        .flight_start_rto(StdDuration::from_millis(params.retransmit_initial_ms))
        .flight_retries(usize::from(params.max_retransmissions))
        .handshake_timeout(StdDuration::from_millis(params.handshake_timeout_ms))
        .dangerously_set_rng_seed(params.seed);
    if params.psk {
        b = if client {
            b.with_psk_client(params.psk_identity.clone(), resolver)
        } else {
            b.with_psk_server(None, resolver)
        };
    }
    b.build().map(Arc::new).map_err(|e| format!("dimpl config: {e}"))
}

#[derive(Debug)]
struct Conn {
    dtls: Dtls,
    deadline: Option<Instant>,
    connected: bool,
    closing_at: Option<Instant>,
    closed: bool,
}

/// dimpl as an endpoint: a client with one server, or a server with one dimpl instance per
/// client node.
#[derive(Debug)]
pub struct DimplEndpoint {
    client_of: Option<NodeId>,
    params: Params,
    config: Arc<Config>,
    conns: BTreeMap<NodeId, Conn>,
    base: std::time::Instant,
    origin: Instant,
    now: Instant,
    rng: Option<ChaCha20Rng>,
    out: VecDeque<(NodeId, Vec<u8>)>,
    events: VecDeque<(NodeId, AppEvent)>,
    buf: Vec<u8>,
    suite_name: String,
}

impl DimplEndpoint {
    fn new(params: &Params, client_of: Option<NodeId>, now: Instant) -> Result<Self, String> {
        if !supports(params) {
            return Err(format!("dimpl adapter: {} not supported", params.suite_name));
        }
        let mut rng = Some(ChaCha20Rng::seed_from_u64(params.seed));
        // Building the config validates the provider, which draws random bytes.
        let config = scoped_rng::with(&mut rng, || config(params, client_of.is_some()))?;
        Ok(DimplEndpoint {
            client_of,
            params: params.clone(),
            config,
            conns: BTreeMap::new(),
            // Only offsets from this base reach dimpl, so the host clock never shows.
            base: std::time::Instant::now(),
            origin: now,
            now,
            rng,
            out: VecDeque::new(),
            events: VecDeque::new(),
            buf: vec![0u8; 2048],
            suite_name: params.suite_name.to_string(),
        })
    }

    /// A client talking to `server`; its ClientHello is queued at `now`.
    pub fn client(params: &Params, server: NodeId, now: Instant) -> Result<Self, String> {
        let mut e = Self::new(params, Some(server), now)?;
        let mut dtls = e.instance(now)?;
        scoped_rng::with(&mut e.rng, || dtls.set_active(true));
        e.conns.insert(
            server,
            Conn {
                dtls,
                deadline: None,
                connected: false,
                closing_at: None,
                closed: false,
            },
        );
        e.drain(server);
        Ok(e)
    }

    /// A server for any number of client nodes.
    pub fn server(params: &Params, now: Instant) -> Result<Self, String> {
        Self::new(params, None, now)
    }

    fn std_instant(&self, t: Instant) -> std::time::Instant {
        self.base + StdDuration::from_millis(t.as_millis().saturating_sub(self.origin.as_millis()))
    }

    fn virtual_instant(&self, t: std::time::Instant) -> Instant {
        let d = t.saturating_duration_since(self.base);
        // Round up so that a deadline is never reported before dimpl considers it due.
        let ms = d.as_micros().div_ceil(1000);
        Instant::from_millis(self.origin.as_millis() + u64::try_from(ms).unwrap_or(u64::MAX / 2))
    }

    fn instance(&mut self, now: Instant) -> Result<Dtls, String> {
        let at = self.std_instant(now);
        let config = self.config.clone();
        let cert = DtlsCertificate {
            // A dimpl client needs a certificate object even though it never sends one here
            // (no server asks for client authentication): it gets the simulator's test pair.
            certificate: self
                .params
                .chain_der
                .first()
                .cloned()
                .unwrap_or_else(|| SERVER_CERT_DER.to_vec()),
            private_key: if self.params.key_der.is_empty() {
                SERVER_KEY_DER.to_vec()
            } else {
                self.params.key_der.clone()
            },
        };
        let psk = self.params.psk;
        Ok(scoped_rng::with(&mut self.rng, || {
            if psk {
                Dtls::new_12_psk(config, at)
            } else {
                Dtls::new_12(config, cert, at)
            }
        }))
    }

    fn fail(&mut self, peer: NodeId, why: String) {
        if let Some(c) = self.conns.get_mut(&peer)
            && !c.closed
        {
            c.closed = true;
            c.deadline = None;
            self.events
                .push_back((peer, AppEvent::Closed(CloseKind::Error(why))));
        }
    }

    /// Moves dimpl's pending output (datagrams, events, the next deadline) into the queues.
    fn drain(&mut self, peer: NodeId) {
        let Some(mut conn) = self.conns.remove(&peer) else {
            return;
        };
        let mut failure = None;
        let mut rng = self.rng.take();
        scoped_rng::with(&mut rng, || {
            for _ in 0..10_000 {
                match conn.dtls.poll_output(&mut self.buf) {
                    Output::Packet(p) => self.out.push_back((peer, p.to_vec())),
                    Output::BufferTooSmall { needed } => self.buf.resize(needed, 0),
                    Output::Timeout(t) => {
                        conn.deadline = Some(self.virtual_instant(t));
                        return;
                    }
                    Output::Connected if !conn.connected && !conn.closed => {
                        conn.connected = true;
                        self.events
                            .push_back((peer, AppEvent::Connected(self.suite_name.clone())));
                    }
                    Output::PeerCert(der) if self.client_of.is_some() && !self.params.trusts(der) => {
                        failure =
                            Some("dimpl client: the server's certificate is not the pinned one".to_string());
                    }
                    Output::ApplicationData(d) if !conn.closed => {
                        self.events.push_back((peer, AppEvent::Data(d.to_vec())));
                    }
                    Output::CloseNotify if !conn.closed => {
                        conn.closed = true;
                        let kind = if conn.closing_at.is_some() {
                            CloseKind::Graceful
                        } else {
                            CloseKind::PeerClosed
                        };
                        self.events.push_back((peer, AppEvent::Closed(kind)));
                    }
                    _ => {}
                }
            }
        });
        self.rng = rng;
        self.conns.insert(peer, conn);
        if let Some(why) = failure {
            self.fail(peer, why);
        }
    }

    fn with_conn(
        &mut self,
        peer: NodeId,
        f: impl FnOnce(&mut Dtls, std::time::Instant) -> Result<(), dimpl::Error>,
    ) {
        let at = self.std_instant(self.now);
        let Some(mut conn) = self.conns.remove(&peer) else {
            return;
        };
        let mut rng = self.rng.take();
        let r = scoped_rng::with(&mut rng, || f(&mut conn.dtls, at));
        self.rng = rng;
        let closed = conn.closed;
        self.conns.insert(peer, conn);
        if let Err(e) = r {
            if !closed {
                self.fail(peer, format!("dimpl: {e}"));
            }
            return;
        }
        self.drain(peer);
    }
}

impl Endpoint for DimplEndpoint {
    fn handle_datagram(&mut self, now: Instant, from: NodeId, datagram: &[u8]) {
        self.now = self.now.max(now);
        if let Some(server) = self.client_of {
            if from != server {
                return;
            }
        } else if !self.conns.contains_key(&from) {
            match self.instance(now) {
                Ok(mut dtls) => {
                    // dimpl's server draws its random in its first handle_timeout (see
                    // dtls12/server.rs); give it that call before the first packet.
                    let at = self.std_instant(now);
                    if scoped_rng::with(&mut self.rng, || dtls.handle_timeout(at)).is_err() {
                        return;
                    }
                    self.conns.insert(
                        from,
                        Conn {
                            dtls,
                            deadline: None,
                            connected: false,
                            closing_at: None,
                            closed: false,
                        },
                    );
                }
                Err(_) => return,
            }
        }
        if self.conns.get(&from).is_some_and(|c| c.closed) {
            return;
        }
        self.with_conn(from, |d, _| d.handle_packet(datagram));
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.now = self.now.max(now);
        let due: Vec<NodeId> = self
            .conns
            .iter()
            .filter(|(_, c)| !c.closed && c.deadline.is_some_and(|d| d <= now))
            .map(|(p, _)| *p)
            .collect();
        for peer in due {
            self.with_conn(peer, |d, at| d.handle_timeout(at));
        }
        let lingered: Vec<NodeId> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                !c.closed
                    && c.closing_at
                        .is_some_and(|t| now.as_millis() >= t.as_millis() + CLOSE_LINGER_MS)
            })
            .map(|(p, _)| *p)
            .collect();
        for peer in lingered {
            if let Some(c) = self.conns.get_mut(&peer) {
                c.closed = true;
                self.events
                    .push_back((peer, AppEvent::Closed(CloseKind::Unconfirmed)));
            }
        }
    }

    fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(NodeId, usize)> {
        let (to, d) = self.out.pop_front()?;
        let n = d.len().min(buf.len());
        buf[..n].copy_from_slice(&d[..n]);
        Some((to, n))
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.conns
            .values()
            .filter(|c| !c.closed)
            .flat_map(|c| {
                let linger = c
                    .closing_at
                    .map(|t| Instant::from_millis(t.as_millis() + CLOSE_LINGER_MS));
                [c.deadline, linger]
            })
            .flatten()
            .min()
    }

    fn poll_event(&mut self) -> Option<(NodeId, AppEvent)> {
        self.events.pop_front()
    }

    fn send(&mut self, to: NodeId, data: &[u8]) -> Result<(), String> {
        match self.conns.get(&to) {
            Some(c) if c.connected && !c.closed => {}
            _ => return Err("dimpl: not connected".into()),
        }
        let mut result = Ok(());
        self.with_conn(to, |d, _| {
            d.send_application_data(data).map(|_| ()).inspect_err(|e| {
                result = Err(format!("dimpl: {e}"));
            })
        });
        result
    }

    fn close(&mut self, now: Instant, peer: NodeId) {
        self.now = self.now.max(now);
        match self.conns.get_mut(&peer) {
            Some(c) if !c.closed && c.closing_at.is_none() => c.closing_at = Some(now),
            _ => return,
        }
        self.with_conn(peer, |d, _| d.close());
    }
}
