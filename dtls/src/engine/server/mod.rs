//! The public [`Server`]: the stateless cookie front door ([`front_door`]), the bounded
//! session table ([`table`]) and the sessions, each a [`Core`] with the server's handshake
//! states ([`states`]).

mod front_door;
mod states;
mod table;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::hash::Hash;

use self::front_door::{Admission, HelloDatagram};
use self::states::ServerHandshake;
use self::table::{Scheduled, SessionId, SessionTable};
use super::connection::{self as conn, Core, Phase, Queues, RxBuffer};
use super::{CloseReason, Event, LifecycleStats};
use crate::config::ServerConfig;
use crate::crypto::SecureRandom;
use crate::error::{CallError, Error};
use crate::handshake::cookie::CookieGate;
use crate::pki::Identities;
use crate::record::RecordStats;
use crate::time::Instant;
use crate::wire::RecordHeader;

/// Counters of the server's front door and table.
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
    /// Sessions that ended by a timeout (handshake deadline, retransmission give-up, idle).
    pub sessions_expired: u64,
    /// Half-open sessions replaced by a new handshake from the same address (a client that
    /// restarted mid-handshake).
    pub half_open_replaced: u64,
    /// Cookie secret rotations (timer-driven and explicit).
    pub cookie_rotations: u64,
}

/// One peer's connection inside the server.
#[derive(Debug)]
struct Session {
    core: Core,
    hs: ServerHandshake,
}

impl Session {
    /// A new session on the heap.
    // Not inlined: the session is assembled in this function's frame before it moves to the
    // heap; inlined, those 2.7 KB stayed in the front door's frame under the cookie HMAC and
    // the whole first flight, the deepest point of a server's handshake on a Cortex-M
    // (benches/cortex-m).
    #[inline(never)]
    fn boxed(config: &ServerConfig, hs: ServerHandshake, now: Instant) -> Box<Session> {
        Box::new(Session {
            core: Core::new(&config.common, now),
            hs,
        })
    }
}

impl Scheduled for Session {
    fn next_deadline(&self) -> Option<Instant> {
        self.core.next_deadline()
    }
}

impl Session {
    fn feed(&mut self, now: Instant, datagram: &[u8], rng: &mut dyn SecureRandom, rx: &mut RxBuffer) {
        self.core.receive_datagram(now, datagram, rx);
        conn::drive(&mut self.core, &mut self.hs, now, rng);
    }
}

/// A DTLS server for one UDP port, generic over the peer address type `A` (for example
/// `std::net::SocketAddr`). Sans-IO: feed datagrams with their source address, poll datagrams
/// with their destination. The polling order is the client's (see [`crate::Client`]).
pub struct Server<A> {
    config: Arc<ServerConfig>,
    /// `config.identities` and `config.certificate`, parsed once for every handshake.
    identities: Arc<Identities>,
    rng: Box<dyn SecureRandom + Send>,
    cookies: CookieGate,
    /// When the cookie secret rotates next. The server has no clock of its own, so the period
    /// starts with the first time it is told (a datagram or a timeout).
    rotate_at: Option<Instant>,
    table: SessionTable<A, Session>,
    tx: VecDeque<(A, Vec<u8>)>,
    events: VecDeque<(A, Event)>,
    stats: ServerStats,
    /// Record counters of sessions that no longer exist.
    retired: RecordStats,
    /// The receive buffer all sessions share (one datagram is handled at a time).
    rx: RxBuffer,
    /// The outgoing-datagram and event queues lent to the session being called.
    queues: Queues,
}

impl<A: fmt::Debug> fmt::Debug for Server<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Where an admitted session goes in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placement {
    /// The address has no session.
    New,
    /// The address has a half-open session of another handshake: the client restarted
    /// mid-handshake, so the new one replaces it.
    ReplaceHalfOpen(SessionId),
    /// The address has an established session: the new handshake is pending until it
    /// completes (RFC 6347 4.2.8).
    Reconnect,
}

impl<A: Ord + Clone + Hash + fmt::Debug> Server<A> {
    /// A server with no sessions. Refuses a configuration whose settings contradict each
    /// other with [`Error::Config`], and a `certificate` whose chain or key is unusable with
    /// [`Error::Certificate`].
    pub fn new(config: Arc<ServerConfig>, mut rng: Box<dyn SecureRandom + Send>) -> Result<Self, Error> {
        config.validate()?;
        let identities = Arc::new(config.server_identities()?);
        let cookies = CookieGate::new(rng.as_mut());
        Ok(Server {
            config,
            identities,
            rng,
            cookies,
            rotate_at: None,
            table: SessionTable::new(),
            tx: VecDeque::new(),
            events: VecDeque::new(),
            stats: ServerStats::default(),
            retired: RecordStats::default(),
            rx: RxBuffer::default(),
            queues: Queues::default(),
        })
    }

    /// Front-door and table counters.
    pub fn stats(&self) -> ServerStats {
        self.stats
    }

    /// Number of sessions (including half-open and pending ones) in the table.
    pub fn session_count(&self) -> usize {
        self.table.len()
    }

    /// Replaces the cookie secret now; cookies made with the previous secret stay valid until
    /// the next rotation. The engine also rotates on its own every
    /// `ServerConfig::cookie_rotation`.
    pub fn rotate_cookie_secret(&mut self) {
        self.cookies.rotate(self.rng.as_mut());
        self.stats.cookie_rotations += 1;
    }

    /// Runs the server-level timer: the cookie secret rotation (RFC 6347 4.2.1 suggests
    /// changing the secret frequently). A cookie stays valid across exactly one rotation.
    fn tick(&mut self, now: Instant) {
        if !self.config.cookies {
            return;
        }
        let period = self.config.cookie_rotation;
        match self.rotate_at {
            None => self.rotate_at = Some(now + period),
            Some(at) if at <= now => {
                self.rotate_cookie_secret();
                // From now, not from the missed deadline: one rotation however late we are.
                self.rotate_at = Some(now + period);
            }
            Some(_) => {}
        }
    }

    /// Feeds one datagram received from `from`.
    pub fn handle_datagram(&mut self, now: Instant, from: A, datagram: &[u8]) {
        self.tick(now);
        let at = self.table.at(&from);
        let hello = front_door::parse_client_hello(datagram);
        match (at.current, hello) {
            (None, Some(hello)) => self.front_door(now, &from, datagram.len(), hello, Placement::New),
            (None, None) => self.stats.dropped_unknown_peer += 1,
            (Some(current), Some(hello)) => {
                // A retransmission of the hello that started one of this address's
                // handshakes belongs to that session.
                let same = |id: SessionId| {
                    self.table
                        .get(id)
                        .is_some_and(|s| *s.hs.client_random() == hello.hello.random)
                };
                if let Some(id) = [Some(current), at.pending]
                    .into_iter()
                    .flatten()
                    .find(|id| same(*id))
                {
                    self.feed(id, now, datagram);
                } else {
                    match self
                        .table
                        .get(current)
                        .map(|s| (s.core.phase(), s.core.is_lingering()))
                    {
                        Some((Phase::Closed, _)) | None => {
                            // A new hello from the address of a closed, lingering session
                            // starts afresh.
                            self.retire(current);
                            if let Some(p) = at.pending {
                                self.retire(p);
                            }
                            self.front_door(now, &from, datagram.len(), hello, Placement::New);
                        }
                        Some((Phase::Handshaking, _)) => self.front_door(
                            now,
                            &from,
                            datagram.len(),
                            hello,
                            Placement::ReplaceHalfOpen(current),
                        ),
                        // An established session: a new handshake starts (after the cookie
                        // exchange) and stays pending, the old session kept, until it completes.
                        // catalogue: RFC6347-4.2.8-1, RFC6347-4.2.8-2
                        Some(_) => self.front_door(now, &from, datagram.len(), hello, Placement::Reconnect),
                    }
                }
            }
            (Some(current), None) => {
                // With a reconnect pending, epoch-0 records belong to the new handshake (the
                // live session has no use for them); protected records go to whichever session
                // can authenticate them, the live one first.
                let epoch0 = RecordHeader::peek(datagram).is_some_and(|h| h.epoch == 0);
                let mut delivered = false;
                if !(at.pending.is_some() && epoch0) {
                    let before = self.table.get(current).map(|s| s.core.record_stats().accepted);
                    self.feed(current, now, datagram);
                    delivered = self.table.get(current).map(|s| s.core.record_stats().accepted) != before;
                }
                if let (Some(pending), false) = (at.pending, delivered) {
                    self.feed(pending, now, datagram);
                }
            }
        }
        self.collect(&from);
    }

    fn feed(&mut self, id: SessionId, now: Instant, datagram: &[u8]) {
        self.call(id, |session, rng, rx| session.feed(now, datagram, rng, rx));
    }

    /// Runs `f` on a session in the table with the queues the server lends it (see
    /// [`Core::borrow_queues`]; `collect` takes them back), then files its new deadline.
    /// `None` if there is no such session.
    fn call<R>(
        &mut self,
        id: SessionId,
        f: impl FnOnce(&mut Session, &mut dyn SecureRandom, &mut RxBuffer) -> R,
    ) -> Option<R> {
        let (_, session) = self.table.get_mut(id)?;
        session.core.borrow_queues(&mut self.queues);
        let r = f(session, self.rng.as_mut(), &mut self.rx);
        self.table.reschedule(id);
        Some(r)
    }

    fn front_door(
        &mut self,
        now: Instant,
        from: &A,
        len: usize,
        hello: HelloDatagram<'_>,
        placement: Placement,
    ) {
        let (peer, peer_len) = front_door::address_bytes(from);
        let validated = match front_door::admit(
            &self.config,
            &self.cookies,
            peer.get(..peer_len).unwrap_or(&[]),
            &hello,
        ) {
            Admission::Drop => {
                self.stats.dropped_unknown_peer += 1;
                return;
            }
            Admission::HelloVerifyRequest(d) => {
                self.stats.hello_verify_requests += 1;
                self.tx.push_back((from.clone(), d));
                return;
            }
            Admission::Admit(validated) => validated,
        };
        let replaces_a_slot = matches!(placement, Placement::ReplaceHalfOpen(_));
        if !replaces_a_slot && self.table.len() >= self.config.common.limits.max_sessions {
            self.stats.refused_table_full += 1;
            return;
        }
        let mut session = Session::boxed(
            &self.config,
            ServerHandshake::new(self.config.clone(), self.identities.clone(), hello.hello.random),
            now,
        );
        let Session { core, hs } = &mut *session;
        let rng = self.rng.as_mut();
        core.borrow_queues(&mut self.queues);
        core.note_received_bytes(len);
        core.accept_front_door_record(&hello.record);
        // RFC 6347 4.2.1: the HelloVerifyRequest reused the ClientHello's record sequence
        // number; continuing from the second ClientHello's number keeps our epoch-0 records
        // from repeating one the client's replay window has already seen.
        // catalogue: RFC6347-4.2.1-12
        let _ = core.advance_epoch0_write_sequence(hello.record.sequence_number);
        let started = hs.start(core, now, rng, validated, &hello);
        if let Err(e) = started {
            conn::fail(&mut session.core, e, rng);
        } else if !hello.rest.is_empty() {
            session.feed(now, hello.rest, rng, &mut self.rx);
        }
        self.stats.sessions_created += 1;
        let Some(id) = self.table.insert(from.clone(), session) else {
            return;
        };
        match placement {
            Placement::New => self.table.set_current(from, Some(id)),
            Placement::ReplaceHalfOpen(old) => {
                // The client restarted before its handshake completed: that handshake can no
                // longer finish, and it never produced an event worth reporting.
                self.retire(old);
                self.stats.half_open_replaced += 1;
                self.table.set_current(from, Some(id));
            }
            Placement::Reconnect => {
                if let Some(old) = self.table.at(from).pending {
                    self.retire(old);
                }
                self.table.set_pending(from, Some(id));
            }
        }
    }

    /// Moves the sessions' outgoing datagrams and events of `from` to the server's queues,
    /// promotes a completed reconnect, and removes sessions that are over.
    fn collect(&mut self, from: &A) {
        let at = self.table.at(from);
        if let Some(id) = at.current
            && let Some((_, session)) = self.table.get_mut(id)
        {
            while let Some(d) = session.core.pop_transmit() {
                self.tx.push_back((from.clone(), d));
            }
            while let Some(e) = session.core.pop_event() {
                if matches!(
                    e,
                    Event::Closed(CloseReason::Error(Error::HandshakeTimeout) | CloseReason::IdleTimeout)
                ) {
                    self.stats.sessions_expired += 1;
                }
                self.events.push_back((from.clone(), e));
            }
            session.core.return_queues(&mut self.queues);
            if session.core.phase() == Phase::Closed && !session.core.is_lingering() {
                self.retire(id);
            }
        }
        let Some(pending) = at.pending else {
            return;
        };
        let Some((_, session)) = self.table.get_mut(pending) else {
            return;
        };
        // A reconnect's datagrams go out as they come; its events are reported only once it
        // has replaced the live session, after that session's Closed, so the application sees
        // one connection per address at a time. A reconnect that fails was never visible and
        // ends silently.
        while let Some(d) = session.core.pop_transmit() {
            self.tx.push_back((from.clone(), d));
        }
        // Its events wait in its own queue until it is promoted.
        session.core.return_queues(&mut self.queues);
        match session.core.phase() {
            // catalogue: RFC6347-4.2.8-3
            Phase::Connected => {
                if let Some(old) = at.current {
                    // The old session ends without an alert: the client has forgotten it.
                    self.retire(old);
                    self.events
                        .push_back((from.clone(), Event::Closed(CloseReason::Replaced)));
                }
                self.table.set_pending(from, None);
                self.table.set_current(from, Some(pending));
                if let Some((_, session)) = self.table.get_mut(pending) {
                    while let Some(e) = session.core.pop_event() {
                        self.events.push_back((from.clone(), e));
                    }
                    session.core.return_queues(&mut self.queues);
                }
            }
            Phase::Closed => self.retire(pending),
            _ => {}
        }
    }

    /// Removes a session, keeping its record counters in the server's totals.
    fn retire(&mut self, id: SessionId) {
        if let Some((_, old)) = self.table.remove(id) {
            self.retired.add(old.core.record_stats());
        }
    }

    /// Record counters summed over every session this server has had, live or gone.
    pub fn total_record_stats(&self) -> RecordStats {
        let mut total = self.retired;
        for s in self.table.iter() {
            total.add(s.core.record_stats());
        }
        total
    }

    /// Handles the sessions whose timers expired, and the cookie rotation. Costs O(log n) per
    /// due session, not a scan of the table.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.tick(now);
        for id in self.table.due(now) {
            let Some(peer) = self.table.get_mut(id).map(|(peer, _)| peer.clone()) else {
                continue;
            };
            self.call(id, |session, rng, _| {
                conn::on_timeout(&mut session.core, now, rng)
            });
            self.collect(&peer);
        }
    }

    /// The earliest time `handle_timeout` must be called: the first session deadline or the
    /// next cookie rotation.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.table.next_deadline(), self.rotate_at]
            .into_iter()
            .flatten()
            .min()
    }

    /// The next datagram to send and its destination; copies it into `buf`. `None` when
    /// nothing is queued. A buffer too small for it is [`CallError::BufferTooSmall`] and the
    /// datagram stays queued (a buffer of the configured MTU always suffices).
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Result<Option<(A, usize)>, CallError> {
        let Some((_, d)) = self.tx.front() else {
            return Ok(None);
        };
        let needed = d.len();
        let Some(slot) = buf.get_mut(..needed) else {
            return Err(CallError::BufferTooSmall { needed });
        };
        match self.tx.pop_front() {
            Some((to, d)) => {
                slot.copy_from_slice(&d);
                Ok(Some((to, needed)))
            }
            None => Ok(None),
        }
    }

    /// The next event and the peer it concerns.
    pub fn poll_event(&mut self) -> Option<(A, Event)> {
        self.events.pop_front()
    }

    fn current(&self, peer: &A) -> Option<SessionId> {
        self.table.at(peer).current
    }

    /// Sends one datagram of application data to a connected peer. The errors are about
    /// this call only (no connection with `to` is [`CallError::Closed`]).
    pub fn send(&mut self, to: &A, data: &[u8]) -> Result<(), CallError> {
        let id = self.current(to).ok_or(CallError::Closed)?;
        let sent = self
            .call(id, |session, rng, _| conn::send(&mut session.core, data, rng))
            .ok_or(CallError::Closed)?;
        // Also after a failure: a send that ended the connection queued its alert and event.
        self.collect(to);
        sent
    }

    /// Starts a graceful close of the connection with `peer`.
    pub fn close(&mut self, now: Instant, peer: &A) {
        if let Some(id) = self.current(peer) {
            self.call(id, |session, rng, _| conn::close(&mut session.core, now, rng));
        }
        self.collect(peer);
    }

    /// The client random and master secret of the session with `peer`, for NSS key log lines
    /// (`CLIENT_RANDOM <client_random> <master_secret>`), once keys exist.
    pub fn keylog(&self, peer: &A) -> Option<([u8; 32], [u8; 48])> {
        self.table.get(self.current(peer)?)?.hs.keylog()
    }

    /// Record-layer counters of the session with `peer`.
    pub fn record_stats(&self, peer: &A) -> Option<RecordStats> {
        self.table
            .get(self.current(peer)?)
            .map(|s| *s.core.record_stats())
    }

    /// Lifecycle counters (suppressed re-sends, stale records) of the session with `peer`.
    pub fn lifecycle_stats(&self, peer: &A) -> Option<LifecycleStats> {
        self.table
            .get(self.current(peer)?)
            .map(|s| s.core.lifecycle_stats())
    }

    /// The path MTU the session with `peer` uses now (lowered by the PMTU back-off).
    pub fn path_mtu(&self, peer: &A) -> Option<usize> {
        self.table.get(self.current(peer)?).map(|s| s.core.path_mtu())
    }
}
