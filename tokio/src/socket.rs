//! The datagram transport the adapter runs on.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

/// What the adapter needs from a UDP-like socket. Implemented for `tokio::net::UdpSocket`;
/// wrap other transports (a simulated `turmoil::net::UdpSocket`, a socket that logs every
/// datagram) in a newtype.
///
/// `recv_from` must be cancellation safe (dropping its future loses no datagram): the adapter
/// calls it from one reader task only, but that task is aborted when the endpoint ends.
pub trait DatagramSocket: Send + Sync + 'static {
    /// Sends one datagram to `to`.
    fn send_to(&self, buf: &[u8], to: SocketAddr) -> impl Future<Output = io::Result<usize>> + Send;
    /// Receives one datagram and its source address.
    fn recv_from(&self, buf: &mut [u8]) -> impl Future<Output = io::Result<(usize, SocketAddr)>> + Send;
    /// The socket's own address.
    fn local_addr(&self) -> io::Result<SocketAddr>;
}

impl DatagramSocket for tokio::net::UdpSocket {
    fn send_to(&self, buf: &[u8], to: SocketAddr) -> impl Future<Output = io::Result<usize>> + Send {
        tokio::net::UdpSocket::send_to(self, buf, to)
    }
    fn recv_from(&self, buf: &mut [u8]) -> impl Future<Output = io::Result<(usize, SocketAddr)>> + Send {
        tokio::net::UdpSocket::recv_from(self, buf)
    }
    fn local_addr(&self) -> io::Result<SocketAddr> {
        tokio::net::UdpSocket::local_addr(self)
    }
}

/// Whether a send error only means "this datagram was not delivered" (UDP is lossy anyway and
/// the engine's timers deal with it), as opposed to a broken socket.
pub(crate) fn transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::WouldBlock
            | io::ErrorKind::Interrupted
    )
}

/// Reads datagrams into a channel until the channel closes or the socket fails; a separate
/// task, so that the endpoint's `select!` only ever waits on channels and timers.
pub(crate) fn spawn_reader<S: DatagramSocket>(
    socket: std::sync::Arc<S>,
    tx: tokio::sync::mpsc::Sender<io::Result<(Vec<u8>, SocketAddr)>>,
) -> AbortOnDrop {
    let handle = tokio::spawn(async move {
        let mut buf = vec![0u8; crate::RECV_BUF];
        loop {
            let r = socket.recv_from(&mut buf).await;
            let item = match r {
                Ok((n, from)) => Ok((buf.get(..n).unwrap_or_default().to_vec(), from)),
                // An ICMP error for an earlier datagram (on Linux only for connected sockets).
                Err(e) if transient(&e) => continue,
                Err(e) => Err(e),
            };
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                return;
            }
        }
    });
    AbortOnDrop(handle)
}

/// Aborts a background task when dropped.
#[derive(Debug)]
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
