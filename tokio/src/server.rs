//! The server side: a [`Listener`] on one socket yielding a [`ServerConnection`] per peer,
//! and the task that drives the engine's `Server`.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use dtls::crypto::SecureRandom;
use dtls::wire::CipherSuite;
use dtls::{Event, ServerConfig};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until};

use crate::client::{ConnectionInfo, Ending, ending_error};
use crate::clock::Clock;
use crate::error::Error;
use crate::socket::{self, AbortOnDrop, DatagramSocket};
use crate::{Options, OsRng};

enum Command {
    Send(SocketAddr, Vec<u8>, oneshot::Sender<Result<(), Error>>),
    Close(SocketAddr, oneshot::Sender<Result<(), Error>>),
    /// A connection handle was dropped without `close`.
    Dropped(SocketAddr),
}

/// Accepts DTLS sessions on one socket. The cookie exchange (RFC 6347 4.2.1) and the
/// handshakes run in the background; [`Listener::accept`] yields connections whose handshake
/// completed. The endpoint keeps running while the listener or any connection is alive.
#[derive(Debug)]
pub struct Listener {
    local_addr: SocketAddr,
    incoming: mpsc::Receiver<ServerConnection>,
    ending: Ending,
    _commands: mpsc::UnboundedSender<Command>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Send(to, d, _) => write!(f, "Send({to}, {} bytes)", d.len()),
            Command::Close(to, _) => write!(f, "Close({to})"),
            Command::Dropped(to) => write!(f, "Dropped({to})"),
        }
    }
}

impl Listener {
    /// Serves on `socket` with default [`Options`] and the OS random number generator.
    pub fn bind<S: DatagramSocket>(socket: S, config: Arc<ServerConfig>) -> Result<Self, Error> {
        Self::bind_with(socket, config, Box::new(OsRng), Options::default())
    }

    /// Serves on `socket`, with the engine's randomness from `rng` and adapter `options`.
    /// Fails with [`Error::Handshake`] if the configuration is unusable.
    pub fn bind_with<S: DatagramSocket>(
        socket: S,
        config: Arc<ServerConfig>,
        rng: Box<dyn SecureRandom + Send>,
        options: Options,
    ) -> Result<Self, Error> {
        let engine = dtls::Server::new(config, rng).map_err(Error::Handshake)?;
        let local_addr = socket.local_addr()?;
        let socket = Arc::new(socket);
        let (dgram_tx, dgram_rx) = mpsc::channel(256);
        let reader = socket::spawn_reader(socket.clone(), dgram_tx);
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (incoming_tx, incoming_rx) = mpsc::channel(options.accept_backlog.max(1));
        let ending: Ending = Arc::new(Mutex::new(None));
        let task = ServerTask {
            engine,
            socket,
            local_addr,
            clock: Clock::start(),
            options,
            _reader: reader,
            datagrams: dgram_rx,
            commands: cmd_rx,
            command_handle: cmd_tx.downgrade(),
            incoming: Some(incoming_tx),
            ending: ending.clone(),
            peers: HashMap::new(),
            buf: vec![0; crate::RECV_BUF],
        };
        tokio::spawn(task.run());
        Ok(Listener {
            local_addr,
            incoming: incoming_rx,
            ending,
            _commands: cmd_tx,
        })
    }

    /// The socket's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The next connection whose handshake completed. Cancellation safe. Fails only if the
    /// socket failed.
    pub async fn accept(&mut self) -> Result<ServerConnection, Error> {
        self.incoming
            .recv()
            .await
            .ok_or_else(|| ending_error(&self.ending))
    }
}

/// One peer's established connection on a [`Listener`]. Dropping it sends close_notify.
#[derive(Debug)]
pub struct ServerConnection {
    info: ConnectionInfo,
    commands: mpsc::UnboundedSender<Command>,
    data: mpsc::Receiver<Vec<u8>>,
    ending: Ending,
    closed: bool,
}

impl ServerConnection {
    /// What the handshake established.
    pub fn info(&self) -> &ConnectionInfo {
        &self.info
    }

    /// The client random and master secret, for NSS key log lines.
    pub fn keylog(&self) -> Option<([u8; 32], [u8; 48])> {
        self.info.keylog
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.info.peer_addr
    }

    /// The negotiated cipher suite.
    pub fn suite(&self) -> CipherSuite {
        self.info.suite
    }

    /// Sends one datagram of application data to the peer.
    pub async fn send(&self, data: &[u8]) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Send(self.info.peer_addr, data.to_vec(), tx))
            .map_err(|_| ending_error(&self.ending))?;
        rx.await.map_err(|_| ending_error(&self.ending))?
    }

    /// The next datagram from the peer. Cancellation safe. Once the connection has ended:
    /// [`Error::Closed`] after a clean close, otherwise the error that ended it.
    pub async fn recv(&mut self) -> Result<Vec<u8>, Error> {
        match self.data.recv().await {
            Some(d) => Ok(d),
            None => Err(ending_error(&self.ending)),
        }
    }

    /// Sends close_notify and waits for the peer's answer.
    pub async fn close(mut self) -> Result<(), Error> {
        self.closed = true;
        let (tx, rx) = oneshot::channel();
        if self
            .commands
            .send(Command::Close(self.info.peer_addr, tx))
            .is_err()
        {
            return Ok(());
        }
        rx.await.unwrap_or(Ok(()))
    }
}

impl Drop for ServerConnection {
    fn drop(&mut self) {
        if !self.closed {
            let _ = self.commands.send(Command::Dropped(self.info.peer_addr));
        }
    }
}

/// The driver's view of one established peer.
struct Peer {
    data: mpsc::Sender<Vec<u8>>,
    ending: Ending,
    close_waiters: Vec<oneshot::Sender<Result<(), Error>>>,
}

struct ServerTask<S> {
    engine: dtls::Server<SocketAddr>,
    socket: Arc<S>,
    local_addr: SocketAddr,
    clock: Clock,
    options: Options,
    _reader: AbortOnDrop,
    datagrams: mpsc::Receiver<io::Result<(Vec<u8>, SocketAddr)>>,
    commands: mpsc::UnboundedReceiver<Command>,
    /// Handed to new connections; weak, so that the channel closes (and this task ends) once
    /// the listener and every connection are gone.
    command_handle: mpsc::WeakUnboundedSender<Command>,
    incoming: Option<mpsc::Sender<ServerConnection>>,
    ending: Ending,
    peers: HashMap<SocketAddr, Peer>,
    buf: Vec<u8>,
}

impl<S: DatagramSocket> ServerTask<S> {
    async fn run(mut self) {
        loop {
            if let Err(e) = self.flush().await {
                self.fail(Error::Io(e));
                return;
            }
            let deadline = self.engine.poll_timeout().map(|t| self.clock.deadline(t));
            tokio::select! {
                cmd = self.commands.recv() => match cmd {
                    Some(cmd) => self.command(cmd),
                    // The listener and every connection are gone.
                    None => return,
                },
                d = self.datagrams.recv() => match d {
                    Some(Ok((d, from))) => {
                        self.engine.handle_datagram(self.clock.now(), from, &d);
                    }
                    Some(Err(e)) => {
                        self.fail(Error::Io(e));
                        return;
                    }
                    None => {
                        self.fail(Error::Io(io::Error::other("socket reader ended")));
                        return;
                    }
                },
                () = sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                    self.engine.handle_timeout(self.clock.now());
                }
            }
        }
    }

    fn command(&mut self, cmd: Command) {
        let now = self.clock.now();
        match cmd {
            Command::Send(to, d, reply) => {
                let _ = reply.send(self.engine.send(&to, &d).map_err(Error::from_call));
            }
            Command::Close(to, reply) => match self.peers.get_mut(&to) {
                Some(p) => {
                    p.close_waiters.push(reply);
                    self.engine.close(now, &to);
                }
                None => {
                    let _ = reply.send(Ok(()));
                }
            },
            Command::Dropped(to) => {
                if self.peers.contains_key(&to) {
                    self.engine.close(now, &to);
                }
            }
        }
    }

    async fn flush(&mut self) -> io::Result<()> {
        while let Some((to, n)) = self
            .engine
            .poll_transmit(&mut self.buf)
            .map_err(io::Error::other)?
        {
            let d = self.buf.get(..n).unwrap_or_default();
            match self.socket.send_to(d, to).await {
                Ok(_) => {}
                Err(e) if socket::transient(&e) => {}
                Err(e) => return Err(e),
            }
        }
        while let Some((addr, event)) = self.engine.poll_event() {
            match event {
                Event::Connected {
                    suite,
                    peer,
                    server_name,
                } => self.connected(addr, suite, peer, server_name),
                Event::Data(d) => {
                    if let Some(p) = self.peers.get(&addr) {
                        // A full queue drops the datagram, as a full socket buffer would.
                        let _ = p.data.try_send(d);
                    }
                }
                Event::Closed(reason) => {
                    // A handshake that never completed has no peer entry: nothing to tell.
                    if let Some(p) = self.peers.remove(&addr) {
                        finish_peer(p, Error::from_close(&reason));
                    }
                }
                // An event kind a newer engine adds: nothing this adapter reports.
                _ => {}
            }
        }
        Ok(())
    }

    fn connected(
        &mut self,
        addr: SocketAddr,
        suite: CipherSuite,
        peer_identity: dtls::PeerIdentity,
        server_name: Option<Vec<u8>>,
    ) {
        // A new handshake from the address of a live session replaced it (RFC 6347 4.2.8).
        if let Some(old) = self.peers.remove(&addr) {
            finish_peer(old, None);
        }
        let Some(commands) = self.command_handle.upgrade() else {
            return;
        };
        let keylog = self.engine.keylog(&addr);
        let (data_tx, data_rx) = mpsc::channel(self.options.recv_queue.max(1));
        let ending: Ending = Arc::new(Mutex::new(None));
        let conn = ServerConnection {
            info: ConnectionInfo {
                suite,
                peer_identity,
                peer_addr: addr,
                local_addr: self.local_addr,
                keylog,
                server_name,
            },
            commands,
            data: data_rx,
            ending: ending.clone(),
            closed: false,
        };
        self.peers.insert(
            addr,
            Peer {
                data: data_tx,
                ending,
                close_waiters: Vec::new(),
            },
        );
        let accepted = self.incoming.as_ref().is_some_and(|tx| match tx.try_send(conn) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(mut c) | mpsc::error::TrySendError::Closed(mut c)) => {
                // Refused: the handle is dropped below without a Dropped command.
                c.closed = true;
                false
            }
        });
        if !accepted {
            self.peers.remove(&addr);
            self.engine.close(self.clock.now(), &addr);
        }
    }

    /// The socket failed: every connection and the listener learn why.
    fn fail(&mut self, e: Error) {
        for (_, p) in self.peers.drain() {
            finish_peer(p, Some(e.duplicate()));
        }
        if let Ok(mut g) = self.ending.lock() {
            *g = Some(e);
        }
        self.incoming = None;
    }
}

fn finish_peer(p: Peer, error: Option<Error>) {
    for w in p.close_waiters {
        let _ = w.send(error.as_ref().map_or(Ok(()), |e| Err(e.duplicate())));
    }
    if let Ok(mut g) = p.ending.lock()
        && g.is_none()
    {
        *g = error;
    }
}
