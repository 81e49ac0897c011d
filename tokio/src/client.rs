//! The client side: [`ClientConnection`] and the task that drives its engine.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use dtls::crypto::SecureRandom;
use dtls::wire::CipherSuite;
use dtls::{ClientConfig, Event, PeerIdentity};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until};

use crate::clock::Clock;
use crate::error::Error;
use crate::socket::{self, AbortOnDrop, DatagramSocket};
use crate::{Options, OsRng};

/// What the handshake established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The negotiated cipher suite.
    pub suite: CipherSuite,
    /// Who the peer proved to be.
    pub peer_identity: PeerIdentity,
    /// The peer's address.
    pub peer_addr: SocketAddr,
    /// Our socket's address.
    pub local_addr: SocketAddr,
    /// On the client: `(client_random, master_secret)` for an NSS key log line
    /// (`CLIENT_RANDOM <client_random> <master_secret>`, both hex). `None` on the server side,
    /// which the engine does not expose yet.
    pub keylog: Option<([u8; 32], [u8; 48])>,
    /// On the server: the server name the client asked for (RFC 6066 3).
    pub server_name: Option<Vec<u8>>,
}

pub(crate) enum Command {
    Send(Vec<u8>, oneshot::Sender<Result<(), Error>>),
    Close(oneshot::Sender<Result<(), Error>>),
}

/// Why the connection ended, for `recv` once the data queue is drained.
pub(crate) type Ending = Arc<Mutex<Option<Error>>>;

pub(crate) fn ending_error(ending: &Ending) -> Error {
    match ending.lock() {
        Ok(g) => g.as_ref().map_or(Error::Closed, Error::duplicate),
        Err(_) => Error::Closed,
    }
}

/// An established DTLS client connection. Dropping it sends close_notify (without waiting for
/// the answer); [`ClientConnection::close`] waits for the peer's.
#[derive(Debug)]
pub struct ClientConnection {
    info: ConnectionInfo,
    commands: mpsc::UnboundedSender<Command>,
    data: mpsc::Receiver<Vec<u8>>,
    ending: Ending,
}

impl ClientConnection {
    /// Connects `socket` (bound, not necessarily connected) to `peer` with default
    /// [`Options`] and the OS random number generator.
    pub async fn connect<S: DatagramSocket>(
        socket: S,
        peer: SocketAddr,
        config: Arc<ClientConfig>,
    ) -> Result<Self, Error> {
        Self::connect_with(socket, peer, config, Box::new(OsRng), Options::default()).await
    }

    /// Connects, with the engine's randomness from `rng` (seeded in tests) and adapter
    /// `options`. Returns once the handshake completed, or with [`Error::Handshake`].
    /// Cancelling this future abandons the handshake.
    pub async fn connect_with<S: DatagramSocket>(
        socket: S,
        peer: SocketAddr,
        config: Arc<ClientConfig>,
        rng: Box<dyn SecureRandom + Send>,
        options: Options,
    ) -> Result<Self, Error> {
        let clock = Clock::start();
        let engine = dtls::Client::new(config, rng, clock.now()).map_err(Error::Handshake)?;
        let local_addr = socket.local_addr()?;
        let socket = Arc::new(socket);
        let (dgram_tx, dgram_rx) = mpsc::channel(64);
        let reader = socket::spawn_reader(socket.clone(), dgram_tx);
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (data_tx, data_rx) = mpsc::channel(options.recv_queue.max(1));
        let (connected_tx, connected_rx) = oneshot::channel();
        let ending: Ending = Arc::new(Mutex::new(None));
        let task = ClientTask {
            engine,
            socket,
            peer,
            local_addr,
            clock,
            _reader: reader,
            datagrams: dgram_rx,
            commands: cmd_rx,
            connected: Some(connected_tx),
            data: Some(data_tx),
            ending: ending.clone(),
            close_waiters: Vec::new(),
            buf: vec![0; crate::RECV_BUF],
        };
        tokio::spawn(task.run());
        let info = match connected_rx.await {
            Ok(r) => r?,
            Err(_) => return Err(ending_error(&ending)),
        };
        Ok(ClientConnection {
            info,
            commands: cmd_tx,
            data: data_rx,
            ending,
        })
    }

    /// What the handshake established.
    pub fn info(&self) -> &ConnectionInfo {
        &self.info
    }

    /// The negotiated cipher suite.
    pub fn suite(&self) -> CipherSuite {
        self.info.suite
    }

    /// `(client_random, master_secret)` for an NSS key log line.
    pub fn keylog(&self) -> Option<([u8; 32], [u8; 48])> {
        self.info.keylog
    }

    /// Sends one datagram of application data (at most the engine's `max_payload` bytes).
    pub async fn send(&self, data: &[u8]) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Send(data.to_vec(), tx))
            .map_err(|_| ending_error(&self.ending))?;
        rx.await.map_err(|_| ending_error(&self.ending))?
    }

    /// The next datagram of application data. Cancellation safe. Once the connection has
    /// ended: [`Error::Closed`] after a clean close, otherwise the error that ended it.
    pub async fn recv(&mut self) -> Result<Vec<u8>, Error> {
        match self.data.recv().await {
            Some(d) => Ok(d),
            None => Err(ending_error(&self.ending)),
        }
    }

    /// Sends close_notify and waits for the peer's answer (the engine re-sends it on its
    /// retransmission schedule; [`Error::CloseFailed`] if the peer never answers).
    pub async fn close(self) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Close(tx)).is_err() {
            return match ending_error(&self.ending) {
                Error::Closed => Ok(()),
                e => Err(e),
            };
        }
        rx.await.unwrap_or(Ok(()))
    }
}

struct ClientTask<S> {
    engine: dtls::Client,
    socket: Arc<S>,
    peer: SocketAddr,
    local_addr: SocketAddr,
    clock: Clock,
    _reader: AbortOnDrop,
    datagrams: mpsc::Receiver<io::Result<(Vec<u8>, SocketAddr)>>,
    commands: mpsc::UnboundedReceiver<Command>,
    connected: Option<oneshot::Sender<Result<ConnectionInfo, Error>>>,
    data: Option<mpsc::Sender<Vec<u8>>>,
    ending: Ending,
    close_waiters: Vec<oneshot::Sender<Result<(), Error>>>,
    buf: Vec<u8>,
}

impl<S: DatagramSocket> ClientTask<S> {
    async fn run(mut self) {
        let mut handles_alive = true;
        loop {
            if let Err(e) = self.flush().await {
                self.end(Error::Io(e));
                return;
            }
            if self.engine.is_closed() {
                return;
            }
            if !handles_alive {
                // Every handle is gone: close_notify has been sent by the flush above.
                return;
            }
            let deadline = self.engine.poll_timeout().map(|t| self.clock.deadline(t));
            tokio::select! {
                cmd = self.commands.recv() => match cmd {
                    Some(Command::Send(d, reply)) => {
                        let _ = reply.send(self.engine.send(&d).map_err(Error::from_call));
                    }
                    Some(Command::Close(reply)) => {
                        self.close_waiters.push(reply);
                        self.engine.close(self.clock.now());
                    }
                    None => {
                        handles_alive = false;
                        self.engine.close(self.clock.now());
                    }
                },
                d = self.datagrams.recv() => match d {
                    Some(Ok((d, from))) if from == self.peer => {
                        self.engine.handle_datagram(self.clock.now(), &d);
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        self.end(Error::Io(e));
                        return;
                    }
                    None => {
                        self.end(Error::Io(io::Error::other("socket reader ended")));
                        return;
                    }
                },
                () = sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                    self.engine.handle_timeout(self.clock.now());
                }
            }
        }
    }

    /// Sends what the engine queued and hands its events out.
    async fn flush(&mut self) -> io::Result<()> {
        while let Some(n) = self
            .engine
            .poll_transmit(&mut self.buf)
            .map_err(io::Error::other)?
        {
            let d = self.buf.get(..n).unwrap_or_default();
            match self.socket.send_to(d, self.peer).await {
                Ok(_) => {}
                Err(e) if socket::transient(&e) => {}
                Err(e) => return Err(e),
            }
        }
        while let Some(event) = self.engine.poll_event() {
            match event {
                Event::Connected {
                    suite,
                    peer,
                    server_name,
                } => {
                    let info = ConnectionInfo {
                        suite,
                        peer_identity: peer,
                        peer_addr: self.peer,
                        local_addr: self.local_addr,
                        keylog: self.engine.keylog(),
                        server_name,
                    };
                    if let Some(tx) = self.connected.take() {
                        let _ = tx.send(Ok(info));
                    }
                }
                Event::Data(d) => {
                    if let Some(tx) = &self.data {
                        // A full queue drops the datagram, as a full socket buffer would.
                        let _ = tx.try_send(d);
                    }
                }
                Event::Closed(reason) => {
                    if let Some(tx) = self.connected.take() {
                        let e = match reason {
                            dtls::CloseReason::Error(e) => Error::Handshake(e),
                            _ => Error::Closed,
                        };
                        let _ = tx.send(Err(e));
                    }
                    let err = Error::from_close(&reason);
                    self.finish(err);
                }
                // An event kind a newer engine adds: nothing this adapter reports.
                _ => {}
            }
        }
        Ok(())
    }

    /// Ends the connection because of something outside the engine.
    fn end(&mut self, e: Error) {
        if let Some(tx) = self.connected.take() {
            let _ = tx.send(Err(e.duplicate()));
        }
        self.finish(Some(e));
    }

    fn finish(&mut self, error: Option<Error>) {
        for w in self.close_waiters.drain(..) {
            let _ = w.send(error.as_ref().map_or(Ok(()), |e| Err(e.duplicate())));
        }
        if let Ok(mut g) = self.ending.lock()
            && g.is_none()
        {
            *g = error;
        }
        // Closing the data queue lets `recv` drain what is left, then report the ending.
        self.data = None;
    }
}
