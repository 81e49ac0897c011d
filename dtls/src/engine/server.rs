//! The server: the stateless cookie front door (RFC 6347 4.2.1), the bounded session table,
//! and the server side of the handshake.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::hash::{Hash, Hasher};

use zeroize::Zeroizing;

use super::core::{Core, Phase};
use super::driver::{self, Message, Role};
use super::keys::{Secrets, ecdhe_premaster};
use super::{Event, PeerIdentity};
use crate::codec::Codec;
use crate::config::ServerConfig;
use crate::crypto::prf::psk_premaster_secret;
use crate::crypto::{self, MAX_SIGNATURE_LEN, SecureRandom};
use crate::error::Error;
use crate::handshake::cookie::{ClientHelloBinding, CookieGate};
use crate::record::{HEADER_LEN, Header, RecordLayer};
use crate::suite::{self, SuiteParams};
use crate::time::Instant;
use crate::wire::{
    AlertDescription as AD, Certificate, CipherSuite, ClientHello, ClientKeyExchange, CompressionMethod,
    ContentType, DigitallySigned, ECPointFormat, EcPointFormats, EcdheServerKeyExchange,
    ExtendedMasterSecret, ExtensionType, Extensions, HandshakeFragment, HandshakeType as HT,
    HelloVerifyRequest, KeyExchangeKind, NamedGroup, ProtocolVersion, PskServerKeyExchange,
    RenegotiationInfo, ServerEcdhParams, ServerHello, ServerNameList, SignatureAlgorithms, SignatureScheme,
    SupportedGroups,
};

/// Counters of the server's front door.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// HelloVerifyRequests sent (ClientHellos without a valid cookie).
    pub hello_verify_requests: u64,
    /// Datagrams from unknown peers that were not a usable ClientHello.
    pub dropped_unknown_peer: u64,
    /// Valid ClientHellos refused because the session table was full.
    pub refused_table_full: u64,
    /// Sessions created.
    pub sessions_created: u64,
    /// Sessions expired (half-open or idle).
    pub sessions_expired: u64,
}

#[derive(Debug)]
enum State {
    ClientHello,
    ClientKeyExchange,
    ChangeCipherSpec,
    Finished,
    Done,
}

#[derive(Debug)]
struct ServerHs {
    config: Arc<ServerConfig>,
    state: State,
    client_random: [u8; 32],
    server_random: [u8; 32],
    params: Option<&'static SuiteParams>,
    extended_master_secret: bool,
    server_name: Option<Vec<u8>>,
    psk_identity: Vec<u8>,
    /// Our ephemeral ECDHE key, between ServerKeyExchange and ClientKeyExchange.
    ecdhe: Option<Box<dyn crypto::KeyExchange>>,
    secrets: Option<Secrets>,
    /// Our write keys for the new epoch, installed when we send ChangeCipherSpec.
    pending_write: Option<Box<dyn crypto::RecordCipher>>,
}

/// One peer's connection inside the server.
#[derive(Debug)]
struct Session {
    core: Core,
    hs: ServerHs,
    held: Vec<Vec<u8>>,
    created: Instant,
    last_activity: Instant,
}

/// A DTLS server for one UDP port, generic over the peer address type `A` (for example
/// `std::net::SocketAddr`). Sans-IO: feed datagrams with their source address, poll datagrams
/// with their destination.
pub struct Server<A> {
    config: Arc<ServerConfig>,
    rng: Box<dyn SecureRandom + Send>,
    cookies: CookieGate,
    sessions: BTreeMap<A, Session>,
    /// A new handshake from the address of a live session (RFC 6347 4.2.8): it replaces the
    /// live session only once it completes.
    reconnects: BTreeMap<A, Session>,
    tx: VecDeque<(A, Vec<u8>)>,
    events: VecDeque<(A, Event)>,
    stats: ServerStats,
    /// Record counters of sessions that no longer exist.
    retired: crate::record::RecordStats,
}

impl<A: fmt::Debug> fmt::Debug for Server<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("sessions", &self.sessions.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Collects the bytes `Hash` writes for an address, so any address type can be bound into a
/// cookie without a trait of our own. Bounded: longer input is folded into the buffer.
struct AddressBytes {
    buf: [u8; 64],
    len: usize,
}

impl Hasher for AddressBytes {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            let i = self.len % self.buf.len();
            if let Some(slot) = self.buf.get_mut(i) {
                *slot ^= *b;
            }
            self.len += 1;
        }
    }
}

fn address_bytes<A: Hash>(addr: &A) -> ([u8; 64], usize) {
    let mut h = AddressBytes { buf: [0; 64], len: 0 };
    addr.hash(&mut h);
    (h.buf, h.len.min(64))
}

/// The first record of a datagram, if it is an epoch-0 handshake record holding one whole
/// ClientHello: (record header, handshake message_seq, ClientHello body).
fn parse_client_hello(datagram: &[u8]) -> Option<(Header, u16, &[u8])> {
    let len = RecordLayer::record_len(datagram)?;
    let header = Header::read(datagram)?;
    if header.epoch != 0 || header.content_type != ContentType::HANDSHAKE.0 {
        return None;
    }
    let fragment = datagram.get(HEADER_LEN..len)?;
    let mut frags = crate::wire::split_handshake(fragment);
    let frag: HandshakeFragment<'_> = frags.next()?.ok()?;
    let h = frag.header;
    // The stateless path needs the whole ClientHello in one fragment; a fragmented first
    // ClientHello is dropped (the client's retransmission timer will try again).
    if h.msg_type != HT::CLIENT_HELLO || h.fragment_offset != 0 || h.fragment_length != h.length {
        return None;
    }
    Some((header, h.message_seq, frag.body))
}

impl<A: Ord + Clone + Hash + fmt::Debug> Server<A> {
    /// A server with no sessions.
    pub fn new(config: Arc<ServerConfig>, mut rng: Box<dyn SecureRandom + Send>) -> Result<Self, Error> {
        config.validate()?;
        let cookies = CookieGate::new(rng.as_mut());
        Ok(Server {
            config,
            rng,
            cookies,
            sessions: BTreeMap::new(),
            reconnects: BTreeMap::new(),
            tx: VecDeque::new(),
            events: VecDeque::new(),
            stats: ServerStats::default(),
            retired: crate::record::RecordStats::default(),
        })
    }

    /// Front-door counters.
    pub fn stats(&self) -> ServerStats {
        self.stats
    }

    /// Number of sessions (including half-open ones) in the table.
    pub fn session_count(&self) -> usize {
        self.sessions.len() + self.reconnects.len()
    }

    /// Replaces the cookie secret; cookies made with the previous secret stay valid until the
    /// next rotation.
    pub fn rotate_cookie_secret(&mut self) {
        self.cookies.rotate(self.rng.as_mut());
    }

    /// Feeds one datagram received from `from`.
    pub fn handle_datagram(&mut self, now: Instant, from: A, datagram: &[u8]) {
        let hello = parse_client_hello(datagram);
        // A new ClientHello from the address of a closed, lingering session starts afresh.
        if hello.is_some()
            && self
                .sessions
                .get(&from)
                .is_some_and(|s| s.core.phase == Phase::Closed)
        {
            self.retire(&from);
        }
        let live = self
            .sessions
            .get(&from)
            .is_some_and(|s| s.core.phase != Phase::Handshaking);
        match (self.sessions.contains_key(&from), hello) {
            (true, Some((header, seq, body))) if live && !self.is_same_handshake(&from, body) => {
                // RFC 6347 4.2.8: a new epoch-0 ClientHello from a live peer's address may be
                // the same client restarted. Verify its cookie statelessly; the live session
                // survives until the new handshake completes.
                self.front_door(now, from, datagram, header, seq, body, true);
            }
            (true, _) => {
                // With a reconnect pending, epoch-0 records belong to the new handshake (the live
                // session has no use for them); protected records go to whichever session can
                // authenticate them, the live one first.
                let first_epoch = Header::read(datagram).map(|h| h.epoch);
                let pending = self.reconnects.contains_key(&from);
                let mut delivered = false;
                if !(pending && first_epoch == Some(0)) {
                    if let Some(session) = self.sessions.get_mut(&from) {
                        let before = session.core.records.stats().accepted;
                        feed(session, now, datagram, self.rng.as_mut());
                        delivered = session.core.records.stats().accepted != before;
                    }
                }
                if pending && !delivered {
                    if let Some(session) = self.reconnects.get_mut(&from) {
                        feed(session, now, datagram, self.rng.as_mut());
                    }
                }
                self.collect(&from);
            }
            (false, Some((header, seq, body))) => {
                self.front_door(now, from, datagram, header, seq, body, false)
            }
            (false, None) => self.stats.dropped_unknown_peer += 1,
        }
    }

    /// Whether `body` is a retransmission of the ClientHello that started the session's
    /// current handshake (same client random).
    fn is_same_handshake(&self, from: &A, body: &[u8]) -> bool {
        let random = body.get(2..34);
        let matches = |s: &Session| random == Some(&s.hs.client_random[..]);
        self.sessions.get(from).is_some_and(matches) || self.reconnects.get(from).is_some_and(matches)
    }

    #[allow(clippy::too_many_arguments)]
    fn front_door(
        &mut self,
        now: Instant,
        from: A,
        datagram: &[u8],
        header: Header,
        message_seq: u16,
        body: &[u8],
        reconnect: bool,
    ) {
        let Ok(hello) = ClientHello::parse(body) else {
            self.stats.dropped_unknown_peer += 1;
            return;
        };
        // Only a DTLS client version (0xFExx, counting down from 0xFEFF) that reaches 1.2 can
        // ever succeed; anything else is dropped before any state or cookie work.
        let [major, _] = hello.client_version.0.to_be_bytes();
        if major != 0xFE || hello.client_version.0 > ProtocolVersion::DTLS1_2.0 {
            self.stats.dropped_unknown_peer += 1;
            return;
        }
        if reconnect {
            if let Some(pending) = self.reconnects.get_mut(&from) {
                if pending.hs.client_random == hello.random {
                    feed(pending, now, datagram, self.rng.as_mut());
                    self.collect(&from);
                    return;
                }
            }
        }
        let (addr, addr_len) = address_bytes(&from);
        let addr = addr.get(..addr_len).unwrap_or(&[]);
        if self.config.cookies {
            let provider = self.config.common.provider.as_ref();
            let Some(fields) = BindingFields::of(&hello) else {
                self.stats.dropped_unknown_peer += 1;
                return;
            };
            let binding = fields.binding(addr, &hello);
            if self.cookies.verify(provider, &binding, &hello.cookie).is_err() {
                // RFC 6347 4.2.1: answer statelessly, echoing the ClientHello's record and
                // message sequence numbers; the HelloVerifyRequest is smaller than the
                // ClientHello, so it cannot amplify a spoofed request.
                if let Ok(cookie) = self.cookies.generate(provider, &binding) {
                    if let Some(d) = hello_verify_request(&header, message_seq, &cookie) {
                        self.stats.hello_verify_requests += 1;
                        self.tx.push_back((from, d));
                    }
                }
                return;
            }
        }
        if self.session_count() >= self.config.common.limits.max_sessions {
            self.stats.refused_table_full += 1;
            return;
        }
        let mut session = Session {
            core: Core::new(
                self.config.common.provider.clone(),
                self.config.common.limits,
                self.config.common.mtu,
            ),
            hs: ServerHs {
                config: self.config.clone(),
                state: State::ClientHello,
                client_random: hello.random,
                server_random: [0; 32],
                params: None,
                extended_master_secret: false,
                server_name: None,
                psk_identity: Vec::new(),
                ecdhe: None,
                secrets: None,
                pending_write: None,
            },
            held: Vec::new(),
            created: now,
            last_activity: now,
        };
        // RFC 6347 4.2.2: our first message takes the ClientHello's message_seq, and we
        // expect the client's messages to continue from it.
        session.core.next_message_seq = message_seq;
        session.core.reassembler.reset(message_seq);
        // RFC 6347 4.2.1: the HelloVerifyRequest reused the ClientHello's record sequence
        // number; continuing from the second ClientHello's number keeps our epoch-0 records
        // from repeating one the client's replay window has already seen.
        let _ = session.core.records.advance_write_sequence(0, header.sequence);
        self.stats.sessions_created += 1;
        feed(&mut session, now, datagram, self.rng.as_mut());
        if reconnect {
            self.reconnects.insert(from.clone(), session);
        } else {
            self.sessions.insert(from.clone(), session);
        }
        self.collect(&from);
    }

    /// Moves a session's outgoing datagrams and events to the server's queues, promotes a
    /// completed reconnect, and removes closed sessions.
    fn collect(&mut self, from: &A) {
        if let Some(session) = self.sessions.get_mut(from) {
            drain(session, from, &mut self.tx, &mut self.events);
            if session.core.phase == Phase::Closed && session.core.answered_close_at.is_none() {
                self.retire(from);
            }
        }
        let Some(pending) = self.reconnects.get_mut(from) else {
            return;
        };
        // A reconnect's datagrams go out as they come; its events are reported only once it
        // has replaced the live session, after that session's Closed, so the application sees
        // one connection per address at a time. A reconnect that fails was never visible and
        // ends silently.
        while let Some(d) = pending.core.tx.pop_front() {
            self.tx.push_back((from.clone(), d));
        }
        match pending.core.phase {
            Phase::Connected => {
                if let Some(mut new) = self.reconnects.remove(from) {
                    // The old session ends without an alert: the client has forgotten it.
                    if self.retire(from) {
                        self.events.push_back((
                            from.clone(),
                            Event::Closed(super::CloseReason::Error(Error::Closed)),
                        ));
                    }
                    drain(&mut new, from, &mut self.tx, &mut self.events);
                    self.sessions.insert(from.clone(), new);
                }
            }
            Phase::Closed => {
                if let Some(failed) = self.reconnects.remove(from) {
                    self.retired.add(failed.core.records.stats());
                }
            }
            _ => {}
        }
    }

    /// Removes the session with `from`, keeping its record counters in the server's totals.
    fn retire(&mut self, from: &A) -> bool {
        match self.sessions.remove(from) {
            Some(old) => {
                self.retired.add(old.core.records.stats());
                true
            }
            None => false,
        }
    }

    /// Record counters summed over every session this server has had, live or gone.
    pub fn total_record_stats(&self) -> crate::record::RecordStats {
        let mut total = self.retired;
        for s in self.sessions.values().chain(self.reconnects.values()) {
            total.add(s.core.records.stats());
        }
        total
    }

    /// Handles expired timers of every session, and expires half-open and idle sessions.
    pub fn handle_timeout(&mut self, now: Instant) {
        let limits = self.config.common.limits;
        let mut touched = Vec::new();
        for (addr, session) in self.sessions.iter_mut().chain(self.reconnects.iter_mut()) {
            driver::on_timeout(&mut session.core, now, self.rng.as_mut());
            let half_open = session.core.phase == Phase::Handshaking
                && now.saturating_since(session.created) >= limits.handshake_timeout;
            let idle = limits
                .idle_timeout
                .is_some_and(|t| now.saturating_since(session.last_activity) >= t);
            if session
                .core
                .answered_close_at
                .is_some_and(|t| now.saturating_since(t) >= limits.close_linger)
            {
                // Lingering after close_notify is over: collect() removes the session.
                session.core.answered_close_at = None;
            }
            if (half_open || idle) && session.core.phase != Phase::Closed {
                self.stats.sessions_expired += 1;
                driver::finish(
                    &mut session.core,
                    super::CloseReason::Error(Error::HandshakeTimeout),
                );
            }
            touched.push(addr.clone());
        }
        for addr in touched {
            self.collect(&addr);
        }
    }

    /// The earliest time `handle_timeout` must be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let limits = &self.config.common.limits;
        self.sessions
            .values()
            .chain(self.reconnects.values())
            .flat_map(|s| {
                let expiry = if s.core.phase == Phase::Handshaking {
                    Some(s.created + limits.handshake_timeout)
                } else if let Some(t) = s.core.answered_close_at {
                    Some(t + limits.close_linger)
                } else {
                    limits.idle_timeout.map(|t| s.last_activity + t)
                };
                [s.core.timer.deadline(), expiry]
            })
            .flatten()
            .min()
    }

    /// The next datagram to send and its destination; copies it into `buf`. A datagram larger
    /// than `buf` is dropped.
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(A, usize)> {
        while let Some((to, d)) = self.tx.pop_front() {
            if let Some(slot) = buf.get_mut(..d.len()) {
                slot.copy_from_slice(&d);
                return Some((to, d.len()));
            }
        }
        None
    }

    /// The next event and the peer it concerns.
    pub fn poll_event(&mut self) -> Option<(A, Event)> {
        self.events.pop_front()
    }

    /// Sends one datagram of application data to a connected peer.
    pub fn send(&mut self, to: &A, data: &[u8]) -> Result<(), Error> {
        let session = self.sessions.get_mut(to).ok_or(Error::Closed)?;
        driver::send(&mut session.core, data, self.rng.as_mut())?;
        self.collect(to);
        Ok(())
    }

    /// Starts a graceful close of the connection with `peer`.
    pub fn close(&mut self, now: Instant, peer: &A) {
        if let Some(session) = self.sessions.get_mut(peer) {
            driver::close(&mut session.core, now, self.rng.as_mut());
        }
        self.collect(peer);
    }

    /// The client random and master secret of the session with `peer`, for NSS key log lines
    /// (`CLIENT_RANDOM <client_random> <master_secret>`), once keys exist.
    pub fn keylog(&self, peer: &A) -> Option<([u8; 32], [u8; 48])> {
        let session = self.sessions.get(peer)?;
        let secrets = session.hs.secrets.as_ref()?;
        Some((session.hs.client_random, *secrets.master_secret()))
    }

    /// Record-layer counters of the session with `peer`.
    pub fn record_stats(&self, peer: &A) -> Option<crate::record::RecordStats> {
        self.sessions.get(peer).map(|s| *s.core.records.stats())
    }
}

fn feed(session: &mut Session, now: Instant, datagram: &[u8], rng: &mut dyn SecureRandom) {
    if session.core.phase == Phase::Closed {
        return;
    }
    let before = session.core.records.stats().accepted;
    session.core.receive_datagram(datagram);
    if session.core.records.stats().accepted != before {
        session.last_activity = now;
    }
    driver::drive(&mut session.core, &mut session.hs, now, rng, &mut session.held);
}

fn drain<A: Clone>(
    session: &mut Session,
    to: &A,
    tx: &mut VecDeque<(A, Vec<u8>)>,
    events: &mut VecDeque<(A, Event)>,
) {
    while let Some(d) = session.core.tx.pop_front() {
        tx.push_back((to.clone(), d));
    }
    while let Some(e) = session.core.events.pop_front() {
        events.push_back((to.clone(), e));
    }
}

/// The ClientHello fields a cookie binds, re-encoded as on the wire (parsing is exact, so
/// re-encoding gives the received bytes).
struct BindingFields {
    cipher_suites: Vec<u8>,
    compression_methods: Vec<u8>,
    extensions: Vec<u8>,
}

impl BindingFields {
    fn of(hello: &ClientHello) -> Option<Self> {
        let cipher_suites = hello
            .cipher_suites
            .iter()
            .flat_map(|s| s.0.to_be_bytes())
            .collect();
        let compression_methods = hello.compression_methods.iter().map(|c| c.0).collect();
        let extensions = match &hello.extensions {
            Some(e) => e.to_vec().ok()?.get(2..)?.to_vec(),
            None => Vec::new(),
        };
        Some(BindingFields {
            cipher_suites,
            compression_methods,
            extensions,
        })
    }

    fn binding<'a>(&'a self, peer: &'a [u8], hello: &'a ClientHello) -> ClientHelloBinding<'a> {
        ClientHelloBinding {
            peer,
            client_version: hello.client_version.0,
            random: &hello.random,
            session_id: &hello.session_id,
            cipher_suites: &self.cipher_suites,
            compression_methods: &self.compression_methods,
            extensions: &self.extensions,
        }
    }
}

/// A HelloVerifyRequest datagram answering the ClientHello whose record header is `ch`.
fn hello_verify_request(ch: &Header, message_seq: u16, cookie: &[u8]) -> Option<Vec<u8>> {
    // RFC 6347 4.2.1: the server uses version DTLS 1.0 in HelloVerifyRequest for
    // compatibility, independent of the version it will negotiate.
    let hvr = HelloVerifyRequest {
        server_version: ProtocolVersion::DTLS1_0,
        cookie: cookie.to_vec(),
    };
    let body = hvr.to_vec().ok()?;
    let mut payload = Vec::with_capacity(12 + body.len());
    HandshakeFragment::whole(HT::HELLO_VERIFY_REQUEST, message_seq, &body)
        .emit(&mut payload)
        .ok()?;
    let mut out = vec![0u8; HEADER_LEN + payload.len()];
    let header = Header {
        content_type: ContentType::HANDSHAKE.0,
        version: crate::record::DTLS_1_0,
        epoch: 0,
        // RFC 6347 4.2.1: copy the ClientHello's record sequence number so the server keeps
        // no state.
        sequence: ch.sequence,
        length: u16::try_from(payload.len()).ok()?,
    };
    header.write(&mut out).ok()?;
    out.get_mut(HEADER_LEN..)?.copy_from_slice(&payload);
    Some(out)
}

fn unexpected(what: &'static str) -> Error {
    Error::protocol(AD::UNEXPECTED_MESSAGE, what)
}

impl ServerHs {
    fn params(&self) -> Result<&'static SuiteParams, Error> {
        self.params
            .ok_or(Error::protocol(AD::INTERNAL_ERROR, "no suite negotiated"))
    }

    /// Picks the first suite in our order of preference that the client offers and our
    /// credentials and the client's curves and signature schemes allow.
    fn choose_suite(&self, hello: &ClientHello, ext: &Extensions) -> Result<&'static SuiteParams, Error> {
        let groups_ok = match ext.find::<SupportedGroups>() {
            Some(g) => g?.groups.contains(&NamedGroup::SECP256R1),
            None => true, // RFC 8422 4: absent means the client accepts any curve
        };
        let sigs_ok = match ext.find::<SignatureAlgorithms>() {
            Some(s) => s?.schemes.contains(&SignatureScheme::ECDSA_SECP256R1_SHA256),
            None => true,
        };
        self.config
            .common
            .cipher_suites
            .iter()
            .filter(|s| hello.offers(**s) && self.config.can_use(**s))
            .filter_map(|s| suite::lookup(*s))
            .find(|p| p.key_exchange != KeyExchangeKind::Ecdhe || (groups_ok && sigs_ok))
            .ok_or(Error::protocol(
                AD::HANDSHAKE_FAILURE,
                "no cipher suite in common",
            ))
    }

    fn on_client_hello(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        body: &[u8],
    ) -> Result<(), Error> {
        let hello = ClientHello::parse(body)?;
        // DTLS versions count down: 0xFEFD (1.2) is newer than 0xFEFF (1.0).
        if hello.client_version.0 > ProtocolVersion::DTLS1_2.0 {
            return Err(Error::protocol(
                AD::PROTOCOL_VERSION,
                "client does not offer DTLS 1.2",
            ));
        }
        if !hello.compression_methods.contains(&CompressionMethod::NULL) {
            return Err(Error::protocol(
                AD::ILLEGAL_PARAMETER,
                "client does not offer null compression",
            ));
        }
        let ext = hello.extensions.clone().unwrap_or_default();
        ext.check_unique()?;
        let params = self.choose_suite(&hello, &ext)?;
        let ems = ext.contains(ExtensionType::EXTENDED_MASTER_SECRET);
        if !ems && self.config.common.require_extended_master_secret {
            return Err(Error::protocol(
                AD::HANDSHAKE_FAILURE,
                "client does not support extended_master_secret",
            ));
        }
        let secure_renegotiation = match ext.find::<RenegotiationInfo>() {
            Some(ri) => {
                if !ri?.renegotiated_connection.is_empty() {
                    return Err(Error::protocol(
                        AD::HANDSHAKE_FAILURE,
                        "non-empty renegotiation_info",
                    ));
                }
                true
            }
            None => hello.offers(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
        };
        if let Some(names) = ext.find::<ServerNameList>() {
            self.server_name = names?.first_host_name().map(<[u8]>::to_vec);
        }
        self.client_random = hello.random;
        rng.fill(&mut self.server_random);
        self.params = Some(params);
        self.extended_master_secret = ems;

        let mut sh_ext = Extensions::new();
        if ems {
            sh_ext.push_body(&ExtendedMasterSecret)?;
        }
        if secure_renegotiation {
            sh_ext.push_body(&RenegotiationInfo {
                renegotiated_connection: Vec::new(),
            })?;
        }
        if params.key_exchange == KeyExchangeKind::Ecdhe && ext.contains(ExtensionType::EC_POINT_FORMATS) {
            sh_ext.push_body(&EcPointFormats {
                formats: vec![ECPointFormat::UNCOMPRESSED],
            })?;
        }
        let sh = ServerHello {
            server_version: ProtocolVersion::DTLS1_2,
            random: self.server_random,
            session_id: Vec::new(),
            cipher_suite: params.suite,
            compression_method: CompressionMethod::NULL,
            extensions: Some(sh_ext),
        };
        core.add_to_transcript(HT::CLIENT_HELLO, core.next_message_seq, body);
        core.queue_handshake(HT::SERVER_HELLO, sh.to_vec()?, true);
        match params.key_exchange {
            KeyExchangeKind::Ecdhe => {
                let cert = self
                    .config
                    .certificate
                    .as_ref()
                    .ok_or(Error::Config("no certificate"))?;
                let msg = Certificate {
                    certificate_list: cert.chain.clone(),
                };
                core.queue_handshake(HT::CERTIFICATE, msg.to_vec()?, true);
                let kx = core.provider.key_exchange(crypto::NamedGroup::P256, rng)?;
                let ecdh = ServerEcdhParams {
                    named_group: NamedGroup::SECP256R1,
                    public: kx.public_key().to_vec(),
                };
                let mut signed = Vec::with_capacity(64 + 70);
                signed.extend_from_slice(&self.client_random);
                signed.extend_from_slice(&self.server_random);
                ecdh.emit(&mut signed)?;
                let mut sig = [0u8; MAX_SIGNATURE_LEN];
                let n = cert.key.sign(&signed, rng, &mut sig)?;
                let ske = EcdheServerKeyExchange {
                    params: ecdh,
                    signed: DigitallySigned {
                        algorithm: SignatureScheme::ECDSA_SECP256R1_SHA256,
                        signature: sig.get(..n).unwrap_or(&[]).to_vec(),
                    },
                };
                core.queue_handshake(HT::SERVER_KEY_EXCHANGE, ske.to_vec()?, true);
                self.ecdhe = Some(kx);
            }
            KeyExchangeKind::Psk => {
                // RFC 4279 2: ServerKeyExchange is sent only when there is a hint.
                if let Some(hint) = &self.config.psk_hint {
                    let ske = PskServerKeyExchange {
                        identity_hint: hint.clone(),
                    };
                    core.queue_handshake(HT::SERVER_KEY_EXCHANGE, ske.to_vec()?, true);
                }
            }
            _ => return Err(Error::protocol(AD::HANDSHAKE_FAILURE, "unsupported key exchange")),
        }
        core.queue_handshake(HT::SERVER_HELLO_DONE, Vec::new(), true);
        self.state = State::ClientKeyExchange;
        core.send_flight(now, rng, true)
    }

    fn on_client_key_exchange(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        message_seq: u16,
        body: &[u8],
    ) -> Result<(), Error> {
        let params = self.params()?;
        core.flight_acknowledged(now);
        let cke = ClientKeyExchange::parse_with(params.key_exchange, body)?;
        let premaster: Zeroizing<Vec<u8>> = match cke {
            ClientKeyExchange::Psk(psk) => {
                let store = self
                    .config
                    .psk_store
                    .as_ref()
                    .ok_or(Error::Config("no PSK store"))?;
                self.psk_identity = psk.identity.clone();
                match store.key_for(&psk.identity) {
                    Some(key) => psk_premaster_secret(&key)?,
                    None => {
                        // An unknown identity must look exactly like a wrong key: carry on with
                        // a random key and fail at Finished with decrypt_error (no oracle on
                        // which identities exist; RFC 4279 2 allows either alert).
                        let mut dummy = Zeroizing::new([0u8; 32]);
                        rng.fill(&mut dummy[..]);
                        psk_premaster_secret(&dummy[..])?
                    }
                }
            }
            ClientKeyExchange::Ecdhe(ecdh) => {
                let kx = self
                    .ecdhe
                    .take()
                    .ok_or(unexpected("ClientKeyExchange without our key"))?;
                ecdhe_premaster(kx.as_ref(), &ecdh.public, "invalid client ECDHE public key")?
            }
            _ => return Err(unexpected("ClientKeyExchange for this suite")),
        };
        core.add_to_transcript(HT::CLIENT_KEY_EXCHANGE, message_seq, body);
        let (secrets, ciphers) = Secrets::establish(
            core,
            params,
            &premaster,
            &self.client_random,
            &self.server_random,
            self.extended_master_secret,
        )?;
        core.pending_read = Some(ciphers.client_write);
        self.pending_write = Some(ciphers.server_write);
        self.secrets = Some(secrets);
        self.state = State::ChangeCipherSpec;
        Ok(())
    }

    fn on_finished(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        message_seq: u16,
        body: &[u8],
    ) -> Result<(), Error> {
        let params = self.params()?;
        let secrets = self.secrets.as_ref().ok_or(unexpected("Finished before keys"))?;
        secrets.check_finished(core, true, body)?;
        core.add_to_transcript(HT::FINISHED, message_seq, body);
        let ours = secrets.finished_body(core, false)?;
        core.queue_change_cipher_spec();
        let write = self.pending_write.take().ok_or(unexpected("no write keys"))?;
        core.records.install_write(write)?;
        core.queue_handshake(HT::FINISHED, ours, true);
        core.send_flight(now, rng, false)?;
        self.state = State::Done;
        core.phase = Phase::Connected;
        let peer = match params.key_exchange {
            KeyExchangeKind::Psk => PeerIdentity::Psk {
                identity: self.psk_identity.clone(),
            },
            _ => PeerIdentity::Anonymous,
        };
        core.events.push_back(Event::Connected {
            suite: params.suite,
            peer,
            server_name: self.server_name.clone(),
        });
        Ok(())
    }
}

impl Role for ServerHs {
    fn on_handshake(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        message: Message,
    ) -> Result<(), Error> {
        let Message {
            msg_type,
            message_seq,
            body,
            epoch,
        } = message;
        let expected_epoch = if matches!(self.state, State::Finished) {
            core.records.read_epoch()
        } else {
            0
        };
        if epoch != expected_epoch {
            return Err(unexpected("handshake message in the wrong epoch"));
        }
        match (&self.state, msg_type) {
            (State::ClientHello, HT::CLIENT_HELLO) => {
                core.next_message_seq = message_seq;
                self.on_client_hello(core, now, rng, &body)
            }
            (State::ClientKeyExchange, HT::CLIENT_KEY_EXCHANGE) => {
                self.on_client_key_exchange(core, now, rng, message_seq, &body)
            }
            (State::Finished, HT::FINISHED) => self.on_finished(core, now, rng, message_seq, &body),
            _ => Err(unexpected("handshake message out of order")),
        }
    }

    fn awaiting_change_cipher_spec(&self) -> bool {
        matches!(self.state, State::ChangeCipherSpec)
    }

    fn expect_finished(&mut self) {
        self.state = State::Finished;
    }

    fn renegotiation_trigger(&self) -> HT {
        HT::CLIENT_HELLO
    }
}
