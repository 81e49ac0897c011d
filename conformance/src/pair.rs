//! The one in-memory client/server pair of the test suites: the engine's own tests
//! (`dtls/tests/`) and the requirement tests (`conformance/tests/`) drive a [`Client`] and a
//! [`Server`] through it. Every datagram is recorded in [`Pair::wire`]; a test may drop it,
//! rewrite it (a man in the middle) or deliver datagrams by hand. Time is virtual: when
//! nothing is in flight the pair moves to the next deadline. Test support: it panics (with
//! the events so far) when an endpoint cannot be built or a handshake does not complete.

use std::sync::Arc;

use dtls::crypto::DeterministicRandom;
use dtls::{Client, ClientConfig, Duration, Event, Instant, Server, ServerConfig};

/// The server-side address of the client.
pub const CLIENT_ADDR: u32 = 7;

/// Largest datagram the pair moves (the engine's MTU is at most 65,507).
const BUF: usize = 70_000;

/// A client and a server joined by a link the test controls.
#[derive(Debug)]
pub struct Pair {
    /// The client.
    pub client: Client,
    /// The server; the client is [`CLIENT_ADDR`] to it.
    pub server: Server<u32>,
    /// Virtual time.
    pub now: Instant,
    /// The client's events so far.
    pub client_events: Vec<Event>,
    /// The server's events so far.
    pub server_events: Vec<Event>,
    /// Every datagram sent, in order: (from_client, bytes as sent).
    pub wire: Vec<(bool, Vec<u8>)>,
}

impl Pair {
    /// Both endpoints at time zero, their random generators seeded from `seed`.
    #[allow(clippy::expect_used)]
    pub fn new(client: ClientConfig, server: ServerConfig, seed: u64) -> Pair {
        let now = Instant::ZERO;
        let client = Client::new(
            Arc::new(client),
            Box::new(DeterministicRandom::from_u64(seed)),
            now,
        )
        .expect("client config is valid");
        let server = Server::new(
            Arc::new(server),
            Box::new(DeterministicRandom::from_u64(seed ^ 0xdead_beef)),
        )
        .expect("server config is valid");
        Pair {
            client,
            server,
            now,
            client_events: vec![],
            server_events: vec![],
            wire: vec![],
        }
    }

    /// Takes the datagrams the client has queued, recording them.
    pub fn client_sent(&mut self) -> Vec<Vec<u8>> {
        let mut out = vec![];
        let mut buf = vec![0u8; BUF];
        while let Ok(Some(n)) = self.client.poll_transmit(&mut buf) {
            let d = buf.get(..n).unwrap_or_default().to_vec();
            self.wire.push((true, d.clone()));
            out.push(d);
        }
        out
    }

    /// Takes the datagrams the server has queued (all to the client), recording them.
    pub fn server_sent(&mut self) -> Vec<Vec<u8>> {
        let mut out = vec![];
        let mut buf = vec![0u8; BUF];
        while let Ok(Some((to, n))) = self.server.poll_transmit(&mut buf) {
            assert_eq!(to, CLIENT_ADDR, "the server sent to an unknown peer");
            let d = buf.get(..n).unwrap_or_default().to_vec();
            self.wire.push((false, d.clone()));
            out.push(d);
        }
        out
    }

    /// Hands a datagram to the server as if from the client.
    pub fn deliver_to_server(&mut self, d: &[u8]) {
        self.server.handle_datagram(self.now, CLIENT_ADDR, d);
        self.collect();
    }

    /// Hands a datagram to the client as if from the server.
    pub fn deliver_to_client(&mut self, d: &[u8]) {
        self.client.handle_datagram(self.now, d);
        self.collect();
    }

    /// Moves both endpoints' events to `client_events` / `server_events`.
    pub fn collect(&mut self) {
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
        }
        while let Some((_, e)) = self.server.poll_event() {
            self.server_events.push(e);
        }
    }

    /// Moves every queued datagram across once, client's first; `link` sees each (from_client,
    /// index in `wire`, bytes it may rewrite) and returns whether it is delivered. Returns how
    /// many datagrams were sent.
    pub fn exchange(&mut self, link: &mut dyn FnMut(bool, usize, &mut Vec<u8>) -> bool) -> usize {
        let mut moved = 0;
        for from_client in [true, false] {
            let first = self.wire.len();
            let sent = if from_client {
                self.client_sent()
            } else {
                self.server_sent()
            };
            for (k, mut d) in sent.into_iter().enumerate() {
                moved += 1;
                if link(from_client, first + k, &mut d) {
                    if from_client {
                        self.deliver_to_server(&d);
                    } else {
                        self.deliver_to_client(&d);
                    }
                }
            }
        }
        self.collect();
        moved
    }

    /// One [`exchange`](Self::exchange) where `drop` says (from_client, index in `wire`,
    /// bytes) which datagrams the link loses.
    pub fn step(&mut self, drop: &mut dyn FnMut(bool, usize, &[u8]) -> bool) -> usize {
        self.exchange(&mut |c, i, d| !drop(c, i, d))
    }

    /// Exchanges until nothing is in flight; then, unless both sides are connected with no
    /// timer pending on the client, advances time to the next deadline, up to `max_time`.
    pub fn pump(&mut self, max_time: Duration, link: &mut dyn FnMut(bool, usize, &mut Vec<u8>) -> bool) {
        let end = self.now + max_time;
        loop {
            while self.exchange(link) > 0 {}
            if self.client.is_connected() && self.server_connected() && self.client.poll_timeout().is_none() {
                return;
            }
            let next = [self.client.poll_timeout(), self.server.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.client.handle_timeout(self.now);
                    self.server.handle_timeout(self.now);
                    self.collect();
                }
                _ => return,
            }
        }
    }

    /// [`pump`](Self::pump) with a lossy link: `drop` says which datagrams are lost.
    pub fn drive(&mut self, drop: &mut dyn FnMut(bool, usize, &[u8]) -> bool, max_time: Duration) {
        self.pump(max_time, &mut |c, i, d| !drop(c, i, d));
    }

    /// [`pump`](Self::pump) with a man in the middle: `mitm` may rewrite each datagram and
    /// returns whether it is delivered.
    pub fn run(&mut self, max_time: Duration, mitm: &mut dyn FnMut(bool, &mut Vec<u8>) -> bool) {
        self.pump(max_time, &mut |c, _, d| mitm(c, d));
    }

    /// Whether the server reported Connected.
    pub fn server_connected(&self) -> bool {
        self.server_events
            .iter()
            .any(|e| matches!(e, Event::Connected { .. }))
    }

    /// A clean handshake; panics, with the events so far, if it does not complete.
    pub fn handshake(&mut self) {
        self.drive(&mut |_, _, _| false, Duration::from_secs(10));
        assert!(
            self.client.is_connected(),
            "client events: {:?}",
            self.client_events
        );
        assert!(self.server_connected(), "server events: {:?}", self.server_events);
    }
}
