//! tinydtls (C, through the `dtls-peer-tinydtls` binding) as a simulator endpoint.
//!
//! Suites: TLS_PSK_WITH_AES_128_CCM_8 and TLS_PSK_WITH_AES_128_CCM; also
//! TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 between tinydtls endpoints only, because tinydtls
//! authenticates with raw public keys (RFC 7250), not X.509: the adapter gives it the
//! simulator's P-256 key as a raw key, which our engine's certificate path cannot check. A
//! tinydtls server always runs the cookie exchange, so it does not support `cookies = false`.
//!
//! # Determinism
//! None lost: the binding supplies tinydtls's platform clock (`dtls_ticks`) with the virtual
//! time of each call and its random source (`dtls_prng`) with a ChaCha20 stream seeded from
//! the endpoint's seed, and checks at run time that the linker took those definitions.
//! tinydtls's retransmission timer (2 s, doubling, 7 re-sends) and its 2 s close timeout
//! therefore run on the simulator's clock.
//!
//! No record counters: tinydtls exposes none.

use dtls::Instant;
use dtls_peer_tinydtls::{CloseOutcome, Config, EcdsaKey, Event, Role, Suite, TinyDtls};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::pkcs8::DecodePrivateKey;

use super::Params;
use crate::endpoint::{AppEvent, CloseKind, Endpoint, NodeId, RecordCounters};

/// Which tinydtls suite `params` asks for, if it has one.
fn suite(params: &Params) -> Option<Suite> {
    Suite::from_code(params.suite.0)
}

/// Whether tinydtls can play `params` against `peer_is_tinydtls` (ECDSA needs raw keys on
/// both sides).
pub fn supports(params: &Params, server: bool, peer_is_tinydtls: bool) -> bool {
    let Some(s) = suite(params) else {
        return false;
    };
    (!s.is_ecdsa() || peer_is_tinydtls) && (!server || params.cookies)
}

/// The simulator's P-256 key (PKCS#8 DER) as tinydtls's raw key.
fn raw_key(pkcs8: &[u8]) -> Result<EcdsaKey, String> {
    let secret = p256::SecretKey::from_pkcs8_der(pkcs8).map_err(|e| format!("server key: {e}"))?;
    let point = secret.public_key().to_sec1_point(false);
    let bytes = point.as_bytes();
    if bytes.len() != 65 {
        return Err("server key: unexpected public point encoding".into());
    }
    let mut key = EcdsaKey {
        private: [0; 32],
        public_x: [0; 32],
        public_y: [0; 32],
    };
    key.private.copy_from_slice(&secret.to_bytes());
    key.public_x.copy_from_slice(&bytes[1..33]);
    key.public_y.copy_from_slice(&bytes[33..65]);
    Ok(key)
}

fn config(params: &Params, role: Role) -> Result<Config, String> {
    let s = suite(params).ok_or_else(|| format!("tinydtls: suite {:#06x} not supported", params.suite.0))?;
    let mut c = Config::psk(role, &params.psk_identity, &params.psk_key, params.seed);
    c.suites = vec![s];
    if s.is_ecdsa() {
        let key = raw_key(&params.key_der)?;
        match role {
            Role::Server => c.ecdsa = Some(key),
            Role::Client => c.peer_public_key = Some((key.public_x, key.public_y)),
        }
    }
    Ok(c)
}

/// tinydtls as an endpoint.
#[derive(Debug)]
pub struct TinyDtlsEndpoint {
    inner: TinyDtls,
    server: Option<NodeId>,
}

impl TinyDtlsEndpoint {
    /// A client talking to `server`; its ClientHello is queued at `now`.
    pub fn client(params: &Params, server: NodeId, now: Instant) -> Result<Self, String> {
        let mut inner =
            TinyDtls::new(config(params, Role::Client)?, now.as_millis()).map_err(|e| e.to_string())?;
        inner
            .connect(now.as_millis(), server)
            .map_err(|e| e.to_string())?;
        Ok(TinyDtlsEndpoint {
            inner,
            server: Some(server),
        })
    }

    /// A server for any number of client nodes.
    pub fn server(params: &Params, now: Instant) -> Result<Self, String> {
        if !params.cookies {
            return Err("tinydtls: a tinydtls server always runs the cookie exchange".into());
        }
        let inner =
            TinyDtls::new(config(params, Role::Server)?, now.as_millis()).map_err(|e| e.to_string())?;
        Ok(TinyDtlsEndpoint { inner, server: None })
    }
}

fn close_kind(o: CloseOutcome) -> CloseKind {
    match o {
        CloseOutcome::Graceful => CloseKind::Graceful,
        CloseOutcome::PeerClosed => CloseKind::PeerClosed,
        CloseOutcome::Unconfirmed => CloseKind::Unconfirmed,
        CloseOutcome::ReceivedFatal(a) => CloseKind::Error(format!("tinydtls received fatal alert {a}")),
        CloseOutcome::SentFatal(a) => CloseKind::Error(format!("tinydtls sent fatal alert {a}")),
        CloseOutcome::GaveUp => {
            CloseKind::Error("tinydtls gave up after its 7 handshake retransmissions".into())
        }
    }
}

impl Endpoint for TinyDtlsEndpoint {
    fn handle_datagram(&mut self, now: Instant, from: NodeId, datagram: &[u8]) {
        if self.server.is_some_and(|s| s != from) {
            return;
        }
        self.inner.handle_datagram(now.as_millis(), from, datagram);
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.inner.handle_timeout(now.as_millis());
    }

    fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(NodeId, usize)> {
        let (to, d) = self.inner.poll_transmit()?;
        let n = d.len().min(buf.len());
        buf[..n].copy_from_slice(&d[..n]);
        Some((to, n))
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.inner.poll_timeout().map(Instant::from_millis)
    }

    fn poll_event(&mut self) -> Option<(NodeId, AppEvent)> {
        loop {
            let ev = self.inner.poll_event()?;
            return Some(match ev {
                Event::Connected(p, s) => (p, AppEvent::Connected(s.name().to_string())),
                Event::Data(p, d) => (p, AppEvent::Data(d)),
                Event::Closed(p, o) => (p, AppEvent::Closed(close_kind(o))),
                Event::Warning(..) => continue,
            });
        }
    }

    fn send(&mut self, to: NodeId, data: &[u8]) -> Result<(), String> {
        let now = self.inner.last_ms();
        self.inner.send(now, to, data).map_err(|e| e.to_string())
    }

    fn close(&mut self, now: Instant, peer: NodeId) {
        self.inner.close(now.as_millis(), peer);
    }

    fn records(&self, _peer: NodeId) -> RecordCounters {
        RecordCounters::default()
    }

    fn accepted_protected_total(&self) -> u64 {
        0
    }
}
