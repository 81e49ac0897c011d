//! OpenSSL (the system libssl 3.x, in-process through the `openssl` crate) as a simulator
//! endpoint, client or server.
//!
//! Each connection is an `SslStream` over an in-memory datagram queue that keeps datagram
//! boundaries (one read returns one datagram; one write is one datagram). The MTU is set with
//! `SSL_set_mtu` and `SSL_OP_NO_QUERY_MTU`. A server runs OpenSSL's stateful cookie exchange
//! (`SSL_OP_COOKIE_EXCHANGE` with generate/verify callbacks; no `DTLSv1_listen`, since the
//! simulator needs no stateless front door to drive OpenSSL), one `SSL` per client node. A
//! client pins the server leaf in its verify callback. Suites by OpenSSL cipher string, set
//! explicitly (PSK and CCM_8 suites are not in OpenSSL's default list).
//!
//! # Timers
//! OpenSSL's DTLS timer reads `gettimeofday`; `dtls-peer-openssl` makes that the simulator's
//! virtual time during every call the adapter makes into OpenSSL, so `DTLSv1_get_timeout` is
//! the virtual deadline and `DTLSv1_handle_timeout` fires exactly at it (1 s doubling to 60 s,
//! OpenSSL's own schedule). OpenSSL's retransmission budget is not configurable (it gives up
//! after 12 timeouts of one flight, `DTLS1_TMO_ALERT_COUNT`), so the spec's
//! `max_retransmissions` is not applied.
//!
//! # Determinism caveat
//! See [`CAVEAT`]: OpenSSL's random bytes come from its own DRBG.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Read, Write};

use dtls::Instant;
use dtls_peer_openssl::{ClockScope, clock_is_virtual, dtls_get_timeout, dtls_handle_timeout};
use openssl::pkey::PKey;
use openssl::ssl::{
    ErrorCode, Ssl, SslContext, SslContextBuilder, SslMethod, SslOptions, SslStream, SslVerifyMode,
    SslVersion,
};
use openssl::x509::X509;

use super::Params;
use crate::endpoint::{AppEvent, CloseKind, Endpoint, NodeId};
use crate::implementation::{Determinism, EndpointSpec, Implementation, Role};

/// What a run with OpenSSL does not reproduce.
pub const CAVEAT: &str = "OpenSSL draws its random bytes (hello randoms, ECDHE keys, ECDSA \
nonces) from its own DRBG seeded by the OS, so the bytes of a run differ between replays of \
one seed; its DTLS timers run on the simulator's clock, and the link's fault decisions do not \
depend on payload bytes, so verdicts and timings replay except where an ECDSA signature's \
DER length (70 to 72 bytes) changes a datagram's size.";

/// How long a closing endpoint waits for the peer's close_notify (OpenSSL has no close timer).
pub const CLOSE_LINGER_MS: u64 = 2_000;

/// The OpenSSL cipher string of a suite, if the adapter knows it.
fn cipher_string(code: u16) -> Option<&'static str> {
    Some(match code {
        0xC0A8 => "PSK-AES128-CCM8",
        0x00A8 => "PSK-AES128-GCM-SHA256",
        0xC0A4 => "PSK-AES128-CCM",
        0xC0A9 => "PSK-AES256-CCM8",
        0x00AE => "PSK-AES128-CBC-SHA256",
        0x00A9 => "PSK-AES256-GCM-SHA384",
        0xC0AE => "ECDHE-ECDSA-AES128-CCM8",
        0xC02B => "ECDHE-ECDSA-AES128-GCM-SHA256",
        0xC0AC => "ECDHE-ECDSA-AES128-CCM",
        0xC023 => "ECDHE-ECDSA-AES128-SHA256",
        0xC02C => "ECDHE-ECDSA-AES256-GCM-SHA384",
        _ => return None,
    })
}

/// The `openssl` implementation for the registry.
#[derive(Debug)]
pub struct OpenSsl;

impl Implementation for OpenSsl {
    fn name(&self) -> &'static str {
        "openssl"
    }

    fn supports(&self, spec: &EndpointSpec, role: Role) -> Result<(), String> {
        if !clock_is_virtual() {
            return Err("gettimeofday is not virtualised in this executable".into());
        }
        let p = Params::from_spec(spec);
        cipher_string(p.suite).ok_or_else(|| format!("no OpenSSL cipher string for {}", p.suite_name))?;
        if !p.psk && role == Role::Server && p.chain_der.is_empty() {
            return Err("OpenSSL server: no certificate".into());
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
        Ok(Box::new(OpenSslEndpoint::client(
            &Params::from_spec(spec),
            server,
            now,
        )?))
    }

    fn server(&self, spec: &EndpointSpec, _me: NodeId, now: Instant) -> Result<Box<dyn Endpoint>, String> {
        Ok(Box::new(OpenSslEndpoint::server(&Params::from_spec(spec), now)?))
    }

    fn determinism(&self) -> Determinism {
        Determinism::Caveat(CAVEAT)
    }
}

/// A datagram queue in both directions, as the `SslStream`'s transport.
#[derive(Debug, Default)]
struct Datagrams {
    inbox: VecDeque<Vec<u8>>,
    outbox: VecDeque<Vec<u8>>,
}

impl Read for Datagrams {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inbox.pop_front() {
            Some(d) => {
                // A datagram larger than OpenSSL's buffer is cut, as a socket read would.
                let n = d.len().min(buf.len());
                buf[..n].copy_from_slice(&d[..n]);
                Ok(n)
            }
            None => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Write for Datagrams {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outbox.push_back(buf.to_vec());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Conn {
    stream: SslStream<Datagrams>,
    connected: bool,
    closing_at: Option<Instant>,
    closed: bool,
}

fn context(params: &Params, client: bool) -> Result<SslContext, String> {
    fn e(what: &'static str) -> impl Fn(openssl::error::ErrorStack) -> String {
        move |err| format!("OpenSSL {what}: {err}")
    }
    let method = if client {
        SslMethod::dtls_client()
    } else {
        SslMethod::dtls_server()
    };
    let mut b = SslContextBuilder::new(method).map_err(e("context"))?;
    b.set_min_proto_version(Some(SslVersion::DTLS1_2))
        .map_err(e("version"))?;
    b.set_max_proto_version(Some(SslVersion::DTLS1_2))
        .map_err(e("version"))?;
    let ciphers = cipher_string(params.suite).ok_or("no cipher string")?;
    b.set_cipher_list(ciphers).map_err(e("cipher list"))?;
    b.set_options(SslOptions::NO_QUERY_MTU | SslOptions::NO_TICKET);
    if params.psk {
        let (identity, key) = (params.psk_identity.clone(), params.psk_key.clone());
        if client {
            b.set_psk_client_callback(move |_ssl, _hint, id_out, psk_out| {
                // OpenSSL reads the identity as a NUL-terminated string.
                if identity.len() + 1 > id_out.len() || key.len() > psk_out.len() {
                    return Ok(0);
                }
                id_out[..identity.len()].copy_from_slice(&identity);
                id_out[identity.len()] = 0;
                psk_out[..key.len()].copy_from_slice(&key);
                Ok(key.len())
            });
        } else {
            b.set_psk_server_callback(move |_ssl, id, psk_out| {
                if id != Some(identity.as_slice()) || key.len() > psk_out.len() {
                    return Ok(0); // unknown identity: OpenSSL fails the handshake
                }
                psk_out[..key.len()].copy_from_slice(&key);
                Ok(key.len())
            });
        }
    } else if client {
        let trust = params.trust_der.clone();
        b.set_verify_callback(SslVerifyMode::PEER, move |_preverified, ctx| {
            // Pinned leaf (self-signed, so OpenSSL's own chain check fails): accept exactly
            // the trusted certificates, at every depth OpenSSL asks about.
            ctx.current_cert()
                .and_then(|c| c.to_der().ok())
                .is_some_and(|der| trust.contains(&der))
        });
    } else {
        let leaf = params.chain_der.first().ok_or("no certificate")?;
        let cert = X509::from_der(leaf).map_err(e("certificate"))?;
        let key = PKey::private_key_from_der(&params.key_der).map_err(e("key"))?;
        b.set_certificate(&cert).map_err(e("certificate"))?;
        b.set_private_key(&key).map_err(e("key"))?;
    }
    if !client && params.cookies {
        b.set_options(SslOptions::COOKIE_EXCHANGE);
        // The cookie binds nothing the simulator varies (one address per node, a fixed
        // secret per server): enough to exercise the exchange, not a security property.
        let cookie: Vec<u8> = params.seed.to_be_bytes().repeat(2);
        let expected = cookie.clone();
        b.set_cookie_generate_cb(move |_ssl, out| {
            let n = cookie.len().min(out.len());
            out[..n].copy_from_slice(&cookie[..n]);
            Ok(n)
        });
        b.set_cookie_verify_cb(move |_ssl, got| got == expected.as_slice());
    }
    Ok(b.build())
}

/// OpenSSL as an endpoint: a client with one server, or a server with one `SSL` per client.
pub struct OpenSslEndpoint {
    client_of: Option<NodeId>,
    ctx: SslContext,
    mtu: u32,
    conns: BTreeMap<NodeId, Conn>,
    out: VecDeque<(NodeId, Vec<u8>)>,
    events: VecDeque<(NodeId, AppEvent)>,
    now: Instant,
    suite_name: String,
    buf: Vec<u8>,
}

impl std::fmt::Debug for OpenSslEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenSslEndpoint")
            .field("client_of", &self.client_of)
            .field("connections", &self.conns.len())
            .finish_non_exhaustive()
    }
}

impl OpenSslEndpoint {
    fn new(params: &Params, client_of: Option<NodeId>, now: Instant) -> Result<Self, String> {
        if !clock_is_virtual() {
            return Err("OpenSSL adapter: gettimeofday is not virtualised in this executable".into());
        }
        Ok(OpenSslEndpoint {
            client_of,
            ctx: context(params, client_of.is_some())?,
            mtu: u32::try_from(params.mtu).unwrap_or(1200),
            conns: BTreeMap::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            now,
            suite_name: params.suite_name.to_string(),
            buf: vec![0u8; 70_000],
        })
    }

    fn connection(&self, client: bool) -> Result<Conn, String> {
        let mut ssl = Ssl::new(&self.ctx).map_err(|e| format!("OpenSSL: {e}"))?;
        ssl.set_mtu(self.mtu).map_err(|e| format!("OpenSSL mtu: {e}"))?;
        if client {
            ssl.set_connect_state();
        } else {
            ssl.set_accept_state();
        }
        let stream = SslStream::new(ssl, Datagrams::default()).map_err(|e| format!("OpenSSL: {e}"))?;
        Ok(Conn {
            stream,
            connected: false,
            closing_at: None,
            closed: false,
        })
    }

    /// A client talking to `server`; its ClientHello is queued at `now`.
    pub fn client(params: &Params, server: NodeId, now: Instant) -> Result<Self, String> {
        let mut e = Self::new(params, Some(server), now)?;
        let c = e.connection(true)?;
        e.conns.insert(server, c);
        e.progress(server);
        Ok(e)
    }

    /// A server for any number of client nodes.
    pub fn server(params: &Params, now: Instant) -> Result<Self, String> {
        Self::new(params, None, now)
    }

    fn fail(&mut self, peer: NodeId, why: String) {
        if let Some(c) = self.conns.get_mut(&peer)
            && !c.closed
        {
            c.closed = true;
            self.events
                .push_back((peer, AppEvent::Closed(CloseKind::Error(why))));
        }
    }

    /// Lets OpenSSL process whatever is queued for `peer` (handshake or records), at the
    /// current virtual time, then collects its datagrams and events.
    fn progress(&mut self, peer: NodeId) {
        let _clock = ClockScope::enter(self.now.as_millis());
        let Some(mut c) = self.conns.remove(&peer) else {
            return;
        };
        let mut failure = None;
        if !c.closed && !c.connected {
            match c.stream.do_handshake() {
                Ok(()) => {
                    c.connected = true;
                    self.events
                        .push_back((peer, AppEvent::Connected(self.suite_name.clone())));
                }
                Err(e) if e.code() == ErrorCode::WANT_READ => {}
                Err(e) => failure = Some(format!("OpenSSL handshake: {e}")),
            }
        }
        if !c.closed && c.connected && failure.is_none() {
            loop {
                match c.stream.ssl_read(&mut self.buf) {
                    Ok(n) => self
                        .events
                        .push_back((peer, AppEvent::Data(self.buf[..n].to_vec()))),
                    Err(e) if e.code() == ErrorCode::WANT_READ => break,
                    Err(e) if e.code() == ErrorCode::ZERO_RETURN => {
                        // close_notify from the peer: answer it (RFC 5246 7.2.1) unless we
                        // sent ours first.
                        let kind = if c.closing_at.is_some() {
                            CloseKind::Graceful
                        } else {
                            let _ = c.stream.shutdown();
                            CloseKind::PeerClosed
                        };
                        c.closed = true;
                        self.events.push_back((peer, AppEvent::Closed(kind)));
                        break;
                    }
                    Err(e) => {
                        failure = Some(format!("OpenSSL: {e}"));
                        break;
                    }
                }
            }
        }
        while let Some(d) = c.stream.get_mut().outbox.pop_front() {
            self.out.push_back((peer, d));
        }
        self.conns.insert(peer, c);
        if let Some(why) = failure {
            self.fail(peer, why);
        }
    }
}

impl Endpoint for OpenSslEndpoint {
    fn handle_datagram(&mut self, now: Instant, from: NodeId, datagram: &[u8]) {
        self.now = self.now.max(now);
        if let Some(server) = self.client_of {
            if from != server {
                return;
            }
        } else if !self.conns.contains_key(&from) {
            match self.connection(false) {
                Ok(c) => {
                    self.conns.insert(from, c);
                }
                Err(_) => return,
            }
        }
        match self.conns.get_mut(&from) {
            Some(c) if !c.closed => c.stream.get_mut().inbox.push_back(datagram.to_vec()),
            _ => return,
        }
        self.progress(from);
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.now = self.now.max(now);
        let peers: Vec<NodeId> = self.conns.keys().copied().collect();
        for peer in peers {
            let mut too_many = false;
            let mut lingered = false;
            if let Some(c) = self.conns.get_mut(&peer) {
                if c.closed {
                    continue;
                }
                let _clock = ClockScope::enter(now.as_millis());
                if dtls_get_timeout(c.stream.ssl()).is_some_and(|d| d.is_zero()) {
                    too_many = dtls_handle_timeout(c.stream.ssl()) < 0;
                }
                lingered = c
                    .closing_at
                    .is_some_and(|t| now.as_millis() >= t.as_millis() + CLOSE_LINGER_MS);
            }
            if too_many {
                self.fail(peer, "OpenSSL gave up: too many retransmission timeouts".into());
            } else if lingered {
                if let Some(c) = self.conns.get_mut(&peer) {
                    c.closed = true;
                }
                self.events
                    .push_back((peer, AppEvent::Closed(CloseKind::Unconfirmed)));
            }
            self.progress(peer);
        }
    }

    fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(NodeId, usize)> {
        let (to, d) = self.out.pop_front()?;
        let n = d.len().min(buf.len());
        buf[..n].copy_from_slice(&d[..n]);
        Some((to, n))
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let _clock = ClockScope::enter(self.now.as_millis());
        self.conns
            .values()
            .filter(|c| !c.closed)
            .flat_map(|c| {
                let timer = dtls_get_timeout(c.stream.ssl()).map(|d| {
                    // Round up: OpenSSL treats under 15 ms left as expired anyway.
                    let ms = d.as_micros().div_ceil(1000);
                    Instant::from_millis(self.now.as_millis() + u64::try_from(ms).unwrap_or(0))
                });
                let linger = c
                    .closing_at
                    .map(|t| Instant::from_millis(t.as_millis() + CLOSE_LINGER_MS));
                [timer, linger]
            })
            .flatten()
            .min()
    }

    fn poll_event(&mut self) -> Option<(NodeId, AppEvent)> {
        self.events.pop_front()
    }

    fn send(&mut self, to: NodeId, data: &[u8]) -> Result<(), String> {
        let _clock = ClockScope::enter(self.now.as_millis());
        let c = match self.conns.get_mut(&to) {
            Some(c) if c.connected && !c.closed => c,
            _ => return Err("OpenSSL: not connected".into()),
        };
        let r = c
            .stream
            .ssl_write(data)
            .map(|_| ())
            .map_err(|e| format!("OpenSSL: {e}"));
        while let Some(d) = c.stream.get_mut().outbox.pop_front() {
            self.out.push_back((to, d));
        }
        r
    }

    fn close(&mut self, now: Instant, peer: NodeId) {
        self.now = self.now.max(now);
        let _clock = ClockScope::enter(now.as_millis());
        let Some(c) = self.conns.get_mut(&peer) else {
            return;
        };
        if c.closed || c.closing_at.is_some() {
            return;
        }
        c.closing_at = Some(now);
        let _ = c.stream.shutdown();
        while let Some(d) = c.stream.get_mut().outbox.pop_front() {
            self.out.push_back((peer, d));
        }
    }
}
