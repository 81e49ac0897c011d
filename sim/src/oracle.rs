//! The invariant oracle: what every run checks, whatever the implementations, the faults or
//! the workload. It watches only what the world can see of any endpoint (datagrams on the
//! wire, application events, the optional record counter) and never names a DTLS type.
//!
//! | invariant | checked on | rule |
//! | --- | --- | --- |
//! | [`Invariant::DataBeforeConnected`] | data event | no application data before the receiving side reported the handshake complete |
//! | [`Invariant::Integrity`] | data event | every payload delivered was sent by the peer application, intact, and is delivered at most once |
//! | [`Invariant::AfterClose`] | data event, send | after a side reported the connection closed it delivers no data and sends no application-data record on it (until a new handshake completes) |
//! | [`Invariant::Replay`] | delivery | no protected record is accepted from a datagram whose earlier copy already had one accepted (RFC 6347 4.1.2.6), nor from a forged injection |
//! | [`Invariant::TamperedHandshake`] | connected event | once a handshake message of a conversation was tampered with, neither side completes that handshake (RFC 5246 7.4.9) |
//! | [`Invariant::Retransmissions`] | send | a side re-sends one handshake datagram on its own timer at most `max_retransmissions` times in a row (RFC 6347 4.2.4) |
//! | [`Invariant::Amplification`] | send | with cookies on, until an address has returned a cookie the server gave it, the server sends it no more bytes than it received from it (RFC 6347 4.2.1) |

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::classify::{self, Shape};
use crate::endpoint::NodeId;

/// One of the invariants every run checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Invariant {
    /// Data delivered before the handshake completed.
    DataBeforeConnected,
    /// Data altered, invented or delivered twice.
    Integrity,
    /// Data delivered or sent on a closed connection.
    AfterClose,
    /// A replayed or forged protected record accepted.
    Replay,
    /// A handshake completed although one of its messages was tampered with.
    TamperedHandshake,
    /// A flight re-sent on the timer more often than the configured bound.
    Retransmissions,
    /// An unverified address sent more bytes than it sent.
    Amplification,
}

impl Invariant {
    /// Every invariant, in table order.
    pub const ALL: [Invariant; 7] = [
        Invariant::DataBeforeConnected,
        Invariant::Integrity,
        Invariant::AfterClose,
        Invariant::Replay,
        Invariant::TamperedHandshake,
        Invariant::Retransmissions,
        Invariant::Amplification,
    ];

    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            Invariant::DataBeforeConnected => "data-before-connected",
            Invariant::Integrity => "integrity",
            Invariant::AfterClose => "after-close",
            Invariant::Replay => "replay",
            Invariant::TamperedHandshake => "tampered-handshake",
            Invariant::Retransmissions => "retransmissions",
            Invariant::Amplification => "amplification",
        }
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A broken invariant and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Which one.
    pub invariant: Invariant,
    /// What happened.
    pub message: String,
}

fn violation(invariant: Invariant, message: String) -> Option<Violation> {
    Some(Violation { invariant, message })
}

/// Why a node sent a burst of datagrams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Its retransmission (or other) timer expired.
    Timer,
    /// Anything else: a delivery, an application request, the start.
    Other,
}

/// How a delivery came about, as far as the replay check cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Sent by a node (possibly duplicated or replayed by the network).
    Network,
    /// Injected by a fault; `forged` when it can never authenticate.
    Injected {
        /// Accepting a record of it is a forgery.
        forged: bool,
    },
}

/// Node names as the trace prints them.
fn name(n: NodeId, server: NodeId) -> String {
    if n == server {
        "s".to_string()
    } else {
        format!("c{n}")
    }
}

/// Per (receiving side, peer) connection state.
#[derive(Debug, Default, Clone, Copy)]
struct Link {
    connected: bool,
    closed: bool,
}

/// Amplification bookkeeping per client address.
#[derive(Debug, Default, Clone)]
struct Exposure {
    received: u64,
    sent: u64,
    verified: bool,
    /// Cookies the server sent this address in HelloVerifyRequests (the last few).
    cookies: Vec<Vec<u8>>,
}

/// HelloVerifyRequest cookies remembered per address (secrets rotate; a handful covers any
/// handshake).
const COOKIES_KEPT: usize = 8;

/// What the checks keep for one side of one conversation: the node `node` talking to
/// `peer` (the server's side of a client's conversation, or the client's).
#[derive(Debug, Default)]
struct Side {
    link: Link,
    /// Payloads the peer's application sent to this side.
    sent_to_me: HashSet<Vec<u8>>,
    /// Payloads this side delivered.
    got: HashSet<Vec<u8>>,
    /// Digests of datagrams delivered to this side, and whether a delivery of that datagram
    /// had a protected record accepted.
    seen: HashMap<u64, bool>,
    /// Retransmission keys this side sent on its timer, with their consecutive re-sends.
    timer_copies: Vec<(u64, u32)>,
    /// This side's own bound, if its implementation declares one.
    bound: Option<u8>,
}

/// What the checks keep per conversation (per client).
#[derive(Debug, Default)]
struct Conv {
    /// `[server side, client side]`.
    sides: [Side; 2],
    exposure: Exposure,
    /// The tampered handshake message, if a fault tampered with one.
    tampered: Option<String>,
}

/// The running state of every check of one run. State lives in a vector indexed by client
/// node (the simulator's node ids are small): sweeps run the checks on every datagram of
/// millions of runs, and hashing per lookup showed in their profile.
#[derive(Debug)]
pub struct Oracle {
    server: NodeId,
    cookies: bool,
    max_retransmissions: u8,
    /// The server's own bound, if its implementation declares one.
    server_bound: Option<u8>,
    convs: Vec<Conv>,
    /// Nodes the checks do not judge (a scripted hostile peer breaks rules on purpose).
    exempt: Option<NodeId>,
}

impl Oracle {
    /// The checks of a run with this server node, cookie setting and retransmission bound.
    pub fn new(server: NodeId, cookies: bool, max_retransmissions: u8) -> Self {
        Oracle {
            server,
            cookies,
            max_retransmissions,
            server_bound: None,
            convs: Vec::new(),
            exempt: None,
        }
    }

    fn conv(&mut self, client: NodeId) -> &mut Conv {
        let i = usize::from(client);
        if self.convs.len() <= i {
            self.convs.resize_with(i + 1, Conv::default);
        }
        &mut self.convs[i]
    }

    /// The side of `node` in its conversation with `peer`.
    fn side(&mut self, node: NodeId, peer: NodeId) -> &mut Side {
        let (client, i) = if node == self.server { (peer, 0) } else { (node, 1) };
        &mut self.conv(client).sides[i]
    }

    fn client_of(&self, a: NodeId, b: NodeId) -> NodeId {
        if a == self.server { b } else { a }
    }

    /// Holds `node` to `bound` timer retransmissions instead of the run's.
    pub fn set_retransmission_bound(&mut self, node: NodeId, bound: u8) {
        if node == self.server {
            self.server_bound = Some(bound);
        } else {
            let server = self.server;
            self.side(node, server).bound = Some(bound);
        }
    }

    /// Stops judging what `node` sends (it is a hostile script, not an implementation).
    pub fn exempt(&mut self, node: NodeId) {
        self.exempt = Some(node);
    }

    /// The application of `from` asked its endpoint to send `data` to `to`.
    pub fn on_app_send(&mut self, from: NodeId, to: NodeId, data: Vec<u8>) {
        self.side(to, from).sent_to_me.insert(data);
    }

    /// A fault tampered with handshake message `what` of the conversation of `client`.
    pub fn on_tampered(&mut self, client: NodeId, what: &str) {
        self.conv(client).tampered.get_or_insert_with(|| what.to_string());
    }

    /// Whether the conversation of `client` had a handshake message tampered with.
    pub fn is_tampered(&self, client: NodeId) -> bool {
        self.convs
            .get(usize::from(client))
            .is_some_and(|c| c.tampered.is_some())
    }

    /// `node` reported its connection with `peer` established.
    pub fn on_connected(&mut self, node: NodeId, peer: NodeId) -> Option<Violation> {
        let side = self.side(node, peer);
        side.link.connected = true;
        side.link.closed = false;
        side.timer_copies.clear();
        let client = self.client_of(node, peer);
        let server = self.server;
        if let Some(what) = &self.conv(client).tampered {
            return violation(
                Invariant::TamperedHandshake,
                format!(
                    "{} completed the handshake with {} after a tampered {what}",
                    name(node, server),
                    name(peer, server)
                ),
            );
        }
        None
    }

    /// `node` reported its connection with `peer` closed.
    pub fn on_closed(&mut self, node: NodeId, peer: NodeId) {
        // A finished or abandoned handshake ends its flights' budgets; a later handshake
        // (a reconnect) starts its own.
        let side = self.side(node, peer);
        side.link.connected = false;
        side.link.closed = true;
        side.timer_copies.clear();
    }

    /// `node` delivered application data from `peer` to its application; `shown` prints it
    /// for a violation message, in the trace's words.
    pub fn on_data(
        &mut self,
        node: NodeId,
        peer: NodeId,
        data: &[u8],
        shown: impl Fn() -> String,
    ) -> Option<Violation> {
        let server = self.server;
        let sender = if node == server { "client" } else { "server" };
        let side = self.side(node, peer);
        let l = side.link;
        let who = || {
            if node == server {
                format!("s: data from c{peer} {}", shown())
            } else {
                format!("c{node}: data {}", shown())
            }
        };
        if !l.connected {
            if l.closed {
                return violation(
                    Invariant::AfterClose,
                    format!("{}: delivered after the connection closed", who()),
                );
            }
            return violation(
                Invariant::DataBeforeConnected,
                format!("{}: delivered before the handshake completed", who()),
            );
        }
        if !side.sent_to_me.contains(data) {
            return violation(
                Invariant::Integrity,
                format!("{}: never sent by the {sender} (injected or altered)", who()),
            );
        }
        if !side.got.insert(data.to_vec()) {
            return violation(Invariant::Integrity, format!("{}: delivered twice", who()));
        }
        None
    }

    /// `from` sends `bytes`, of `shape`, to `to`, for `cause`; `again` when it already sent
    /// `to` a handshake datagram of the same retransmission key.
    pub fn on_send(
        &mut self,
        from: NodeId,
        to: NodeId,
        bytes: &[u8],
        shape: &Shape,
        cause: Cause,
        again: bool,
    ) -> Option<Violation> {
        if self.exempt == Some(from) {
            return None;
        }
        let server = self.server;
        let f = || name(from, server);
        let t = || name(to, server);
        let default_bound = self.max_retransmissions;
        let server_bound = self.server_bound;
        let side = self.side(from, to);
        let l = side.link;
        if l.closed && !l.connected && shape.has_content_type(23) {
            return violation(
                Invariant::AfterClose,
                format!(
                    "{} sent application data to {} after reporting the connection closed",
                    f(),
                    t()
                ),
            );
        }
        if shape.handshake {
            let k = shape.key;
            match cause {
                Cause::Timer if again => {
                    let bound =
                        if from == server { server_bound } else { side.bound }.unwrap_or(default_bound);
                    let n = match side.timer_copies.iter_mut().find(|(key, _)| *key == k) {
                        Some((_, n)) => {
                            *n += 1;
                            *n
                        }
                        None => {
                            side.timer_copies.push((k, 1));
                            1
                        }
                    };
                    if n > u32::from(bound) {
                        return violation(
                            Invariant::Retransmissions,
                            format!(
                                "{} re-sent a handshake datagram to {} on its timer {n} times in a row (bound {bound})",
                                f(),
                                t(),
                            ),
                        );
                    }
                }
                _ => {
                    // A re-send prompted by the peer (its retransmission) or a new flight of
                    // the same shape starts the count again.
                    side.timer_copies.retain(|(key, _)| *key != k);
                }
            }
        }
        if from == self.server && self.cookies {
            let e = &mut self.conv(to).exposure;
            if !e.verified {
                if shape.has_message(3)
                    && let Some(c) = classify::hello_cookie(bytes, 3)
                {
                    if e.cookies.len() == COOKIES_KEPT {
                        e.cookies.remove(0);
                    }
                    e.cookies.push(c);
                }
                e.sent += bytes.len() as u64;
                if e.sent > e.received {
                    return violation(
                        Invariant::Amplification,
                        format!(
                            "s sent {} bytes to unverified {}, which had sent {} bytes",
                            e.sent,
                            t(),
                            e.received
                        ),
                    );
                }
            }
        }
        None
    }

    /// `bytes` from `from` are about to be delivered to `to`.
    pub fn before_delivery(&mut self, from: NodeId, to: NodeId, bytes: &[u8]) {
        if to == self.server && self.cookies {
            let e = &mut self.conv(from).exposure;
            if !e.verified {
                e.received += bytes.len() as u64;
                // The address proved it receives what the server sends it.
                if !e.cookies.is_empty()
                    && let Some(c) = classify::hello_cookie(bytes, 1)
                {
                    e.verified = !c.is_empty() && e.cookies.contains(&c);
                }
            }
        }
    }

    /// A datagram with `digest` from `from` was delivered to `to`; `accepted` says whether the receiver's
    /// count of accepted protected records moved (`None`: it cannot tell).
    #[allow(clippy::too_many_arguments)]
    pub fn after_delivery(
        &mut self,
        from: NodeId,
        to: NodeId,
        digest: u64,
        accepted: Option<bool>,
        provenance: Provenance,
        id: u64,
        tag: &str,
    ) -> Option<Violation> {
        let accepted = accepted.unwrap_or(false);
        let server = self.server;
        let seen = &mut self.side(to, from).seen;
        let earlier = seen.get(&digest).copied();
        seen.insert(digest, earlier.unwrap_or(false) || accepted);
        let n = name(to, server);
        if accepted && earlier == Some(true) {
            return violation(
                Invariant::Replay,
                format!("{n} accepted a record from a repeated datagram #{id} ({tag})"),
            );
        }
        if accepted && provenance == (Provenance::Injected { forged: true }) {
            return violation(
                Invariant::Replay,
                format!("{n} accepted an injected forged record #{id}"),
            );
        }
        None
    }
}
