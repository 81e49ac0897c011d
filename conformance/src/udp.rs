//! Runs the sans-IO engine over a real `std::net::UdpSocket`.
//!
//! [`UdpDriver`] owns the socket and an [`Endpoint`] (a [`Client`] or a `Server<SocketAddr>`).
//! Each [`UdpDriver::turn`] sends whatever the engine queued, collects its events, then waits
//! for one datagram with the socket's read timeout set to the engine's next deadline (capped by
//! the caller's), and feeds the datagram or the timeout in. Engine time is milliseconds since
//! the driver was created; this module is the only place that reads the clock.

use std::fmt;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use dtls::{CallError, Client, ClientConfig, Event, Server, ServerConfig};

use crate::OsRng;

/// What the driver needs from an engine endpoint.
pub trait Endpoint {
    /// What `poll_event` yields.
    type Event: Clone + fmt::Debug;
    /// Feeds one datagram received from `from`.
    fn handle_datagram(&mut self, now: dtls::Instant, from: SocketAddr, datagram: &[u8]);
    /// Tells the endpoint that `now` has been reached.
    fn handle_timeout(&mut self, now: dtls::Instant);
    /// The next datagram to send and where to (`None`: the socket's connected peer).
    fn poll_transmit(&mut self, buf: &mut [u8]) -> Result<Option<(Option<SocketAddr>, usize)>, CallError>;
    /// The next event.
    fn poll_event(&mut self) -> Option<Self::Event>;
    /// The next deadline.
    fn poll_timeout(&self) -> Option<dtls::Instant>;
}

impl Endpoint for Client {
    type Event = Event;
    fn handle_datagram(&mut self, now: dtls::Instant, _from: SocketAddr, datagram: &[u8]) {
        Client::handle_datagram(self, now, datagram);
    }
    fn handle_timeout(&mut self, now: dtls::Instant) {
        Client::handle_timeout(self, now);
    }
    fn poll_transmit(&mut self, buf: &mut [u8]) -> Result<Option<(Option<SocketAddr>, usize)>, CallError> {
        Ok(Client::poll_transmit(self, buf)?.map(|n| (None, n)))
    }
    fn poll_event(&mut self) -> Option<Event> {
        Client::poll_event(self)
    }
    fn poll_timeout(&self) -> Option<dtls::Instant> {
        Client::poll_timeout(self)
    }
}

impl Endpoint for Server<SocketAddr> {
    type Event = (SocketAddr, Event);
    fn handle_datagram(&mut self, now: dtls::Instant, from: SocketAddr, datagram: &[u8]) {
        Server::handle_datagram(self, now, from, datagram);
    }
    fn handle_timeout(&mut self, now: dtls::Instant) {
        Server::handle_timeout(self, now);
    }
    fn poll_transmit(&mut self, buf: &mut [u8]) -> Result<Option<(Option<SocketAddr>, usize)>, CallError> {
        Ok(Server::poll_transmit(self, buf)?.map(|(to, n)| (Some(to), n)))
    }
    fn poll_event(&mut self) -> Option<(SocketAddr, Event)> {
        Server::poll_event(self)
    }
    fn poll_timeout(&self) -> Option<dtls::Instant> {
        Server::poll_timeout(self)
    }
}

/// Largest UDP payload we receive.
const RECV_BUF: usize = 65536;

/// An endpoint, its socket, its clock and the log of its events.
pub struct UdpDriver<E: Endpoint> {
    /// The engine; call its methods through [`UdpDriver::with`] so that what they queue is sent.
    pub endpoint: E,
    socket: UdpSocket,
    origin: std::time::Instant,
    events: Vec<E::Event>,
    /// Index into `events` of the first one [`UdpDriver::wait_for`] has not looked at.
    cursor: usize,
    datagrams_in: usize,
    datagrams_out: usize,
    buf: Vec<u8>,
}

impl<E: Endpoint> fmt::Debug for UdpDriver<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpDriver")
            .field("local", &self.socket.local_addr().ok())
            .field("events", &self.events)
            .field("datagrams_in", &self.datagrams_in)
            .field("datagrams_out", &self.datagrams_out)
            .finish_non_exhaustive()
    }
}

fn other(e: dtls::Error) -> io::Error {
    io::Error::other(format!("{e:?}"))
}

impl UdpDriver<Client> {
    /// A client on an ephemeral loopback port, connected to `server`; its ClientHello is sent
    /// on the first [`UdpDriver::turn`].
    pub fn client(config: ClientConfig, server: SocketAddr) -> io::Result<Self> {
        let socket = UdpSocket::bind(("127.0.0.1", 0))?;
        socket.connect(server)?;
        let origin = std::time::Instant::now();
        let client = Client::new(Arc::new(config), Box::new(OsRng), dtls::Instant::ZERO).map_err(other)?;
        Ok(Self::new(client, socket, origin))
    }
}

impl UdpDriver<Server<SocketAddr>> {
    /// A server on an ephemeral loopback port (see [`UdpDriver::local_addr`]).
    pub fn server(config: ServerConfig) -> io::Result<Self> {
        let socket = UdpSocket::bind(("127.0.0.1", 0))?;
        let server = Server::new(Arc::new(config), Box::new(OsRng)).map_err(other)?;
        Ok(Self::new(server, socket, std::time::Instant::now()))
    }
}

impl<E: Endpoint> UdpDriver<E> {
    fn new(endpoint: E, socket: UdpSocket, origin: std::time::Instant) -> Self {
        UdpDriver {
            endpoint,
            socket,
            origin,
            events: Vec::new(),
            cursor: 0,
            datagrams_in: 0,
            datagrams_out: 0,
            buf: vec![0; RECV_BUF],
        }
    }

    /// The socket's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Engine time now: milliseconds since the driver was created.
    pub fn now(&self) -> dtls::Instant {
        dtls::Instant::from_millis(u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    /// Every event so far, in order.
    pub fn events(&self) -> &[E::Event] {
        &self.events
    }

    /// Datagrams received and sent so far.
    pub fn datagram_counts(&self) -> (usize, usize) {
        (self.datagrams_in, self.datagrams_out)
    }

    /// Calls `f` on the endpoint with the current time, then sends what it queued.
    pub fn with<R>(&mut self, f: impl FnOnce(&mut E, dtls::Instant) -> R) -> io::Result<R> {
        let now = self.now();
        let r = f(&mut self.endpoint, now);
        self.flush()?;
        Ok(r)
    }

    /// Sends every queued datagram and moves pending events to the log.
    pub fn flush(&mut self) -> io::Result<()> {
        let mut out = vec![0u8; RECV_BUF];
        while let Some((to, n)) = self
            .endpoint
            .poll_transmit(&mut out)
            .map_err(|e| io::Error::other(e.to_string()))?
        {
            let d = &out[..n];
            let sent = match to {
                Some(addr) => self.socket.send_to(d, addr),
                None => self.socket.send(d),
            };
            match sent {
                Ok(_) => self.datagrams_out += 1,
                // A connected socket reports an earlier ICMP port unreachable on the next call;
                // UDP is lossy anyway, so the engine's timer deals with it.
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
                Err(e) => return Err(e),
            }
        }
        while let Some(e) = self.endpoint.poll_event() {
            self.events.push(e);
        }
        Ok(())
    }

    /// One turn: flush, then wait for a datagram until the engine's deadline or `max_wait`,
    /// whichever is first, and feed it in (or fire the timer).
    pub fn turn(&mut self, max_wait: Duration) -> io::Result<()> {
        self.flush()?;
        let now = self.now();
        let deadline = self.endpoint.poll_timeout();
        let wait = match deadline {
            Some(t) if t <= now => Duration::ZERO,
            Some(t) => Duration::from_millis((t - now).as_millis()).min(max_wait),
            None => max_wait,
        };
        if !wait.is_zero() {
            self.socket.set_read_timeout(Some(wait))?;
            match self.socket.recv_from(&mut self.buf) {
                Ok((n, from)) => {
                    self.datagrams_in += 1;
                    let now = self.now();
                    self.endpoint.handle_datagram(now, from, &self.buf[..n]);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::ConnectionRefused
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        let now = self.now();
        if self.endpoint.poll_timeout().is_some_and(|t| t <= now) {
            self.endpoint.handle_timeout(now);
        }
        self.flush()
    }

    /// Turns until an event not yet returned by `wait_for` matches `pred`, and returns it;
    /// fails with `TimedOut` (listing the events seen) after `timeout`.
    pub fn wait_for(
        &mut self,
        timeout: Duration,
        mut pred: impl FnMut(&E::Event) -> bool,
    ) -> io::Result<E::Event> {
        let end = std::time::Instant::now() + timeout;
        loop {
            self.flush()?;
            if let Some(i) = self.events[self.cursor..].iter().position(&mut pred) {
                let i = self.cursor + i;
                self.cursor = i + 1;
                return Ok(self.events[i].clone());
            }
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "no matching event within {timeout:?}; events so far: {:?}",
                        self.events
                    ),
                ));
            }
            self.turn(left.max(Duration::from_millis(1)))?;
        }
    }

    /// Turns until `done()` holds (checked between turns, at least every `poll` interval),
    /// for at most `timeout`; returns whether it held. For waiting on something outside the
    /// endpoint, such as a peer process's output, while keeping the endpoint responsive.
    pub fn run_until(&mut self, timeout: Duration, mut done: impl FnMut() -> bool) -> io::Result<bool> {
        const POLL: Duration = Duration::from_millis(10);
        let end = std::time::Instant::now() + timeout;
        loop {
            self.flush()?;
            if done() {
                return Ok(true);
            }
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            self.turn(left.min(POLL))?;
        }
    }

    /// Keeps the endpoint running (answering retransmissions, timers) for `duration`.
    pub fn run_for(&mut self, duration: Duration) -> io::Result<()> {
        let end = std::time::Instant::now() + duration;
        loop {
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            self.turn(left)?;
        }
    }
}
