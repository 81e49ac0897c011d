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
use crate::endpoint::{AppEvent, CloseKind, Endpoint, NodeId};
use crate::implementation::{Determinism, EndpointSpec, Implementation, Role as SimRole};

/// Which tinydtls suite `params` asks for, if it has one.
fn suite(params: &Params) -> Option<Suite> {
    Suite::from_code(params.suite)
}

/// The `tinydtls` implementation for the registry.
#[derive(Debug)]
pub struct TinyDtlsImpl;

impl Implementation for TinyDtlsImpl {
    fn name(&self) -> &'static str {
        "tinydtls"
    }

    fn supports(&self, spec: &EndpointSpec, role: SimRole) -> Result<(), String> {
        let p = Params::from_spec(spec);
        let s = suite(&p).ok_or_else(|| format!("tinydtls does not support {}", p.suite_name))?;
        if role == SimRole::Server && !p.cookies {
            return Err("a tinydtls server always runs the cookie exchange".into());
        }
        if s.is_ecdsa() {
            // Raw public keys (RFC 7250): the key is the simulator's certificate key. Usable
            // only against another tinydtls endpoint; the pairing decides that, not the spec.
            if role == SimRole::Server && p.key_der.is_empty() {
                return Err("tinydtls server: no key".into());
            }
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
        Ok(Box::new(TinyDtlsEndpoint::client(
            &Params::from_spec(spec),
            server,
            now,
        )?))
    }

    fn server(&self, spec: &EndpointSpec, _me: NodeId, now: Instant) -> Result<Box<dyn Endpoint>, String> {
        Ok(Box::new(TinyDtlsEndpoint::server(&Params::from_spec(spec), now)?))
    }

    fn determinism(&self) -> Determinism {
        Determinism::Full
    }
}

/// The simulator's P-256 key (SEC1 or PKCS#8 DER) as tinydtls's raw key.
fn raw_key(pkcs8: &[u8]) -> Result<EcdsaKey, String> {
    // The simulator's key file is SEC1 (`EC PRIVATE KEY`); PKCS#8 is accepted too.
    let secret = p256::SecretKey::from_pkcs8_der(pkcs8)
        .or_else(|_| p256::SecretKey::from_sec1_der(pkcs8))
        .map_err(|e| format!("server key: {e}"))?;
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

/// The P-256 point of a certificate's SubjectPublicKeyInfo, found by its fixed DER prefix
/// (SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING 04 || x || y }): the raw
/// key a tinydtls client pins for the trusted certificate.
fn point_of_certificate(der: &[u8]) -> Result<([u8; 32], [u8; 32]), String> {
    const SPKI_PREFIX: [u8; 27] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86,
        0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
    ];
    let at = der
        .windows(SPKI_PREFIX.len())
        .position(|w| w == SPKI_PREFIX)
        .ok_or("trusted certificate has no P-256 public key")?;
    let point = der
        .get(at + SPKI_PREFIX.len()..at + SPKI_PREFIX.len() + 64)
        .ok_or("truncated P-256 public key")?;
    let mut x = [0u8; 32];
    let mut y = [0u8; 32];
    x.copy_from_slice(&point[..32]);
    y.copy_from_slice(&point[32..]);
    Ok((x, y))
}

fn config(params: &Params, role: Role) -> Result<Config, String> {
    let s = suite(params).ok_or_else(|| format!("tinydtls does not support {}", params.suite_name))?;
    let mut c = Config::psk(role, &params.psk_identity, &params.psk_key, params.seed);
    c.suites = vec![s];
    if s.is_ecdsa() {
        match role {
            Role::Server => c.ecdsa = Some(raw_key(&params.key_der)?),
            Role::Client => {
                let cert = params
                    .trust_der
                    .first()
                    .ok_or("tinydtls client: nothing trusted")?;
                c.peer_public_key = Some(point_of_certificate(cert)?);
            }
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
}
