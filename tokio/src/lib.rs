//! Tokio adapter for the sans-IO DTLS engine.
//!
//! One background task per endpoint owns the engine and drives it: it feeds received datagrams
//! and expired timers in (`tokio::time::sleep_until` on the engine's `poll_timeout`), sends
//! what the engine queued, and hands events to the user's handles through channels. Nothing in
//! the engine blocks, and the handles only ever await channels, so:
//!
//! - [`ClientConnection::recv`], [`ServerConnection::recv`] and [`Listener::accept`] are
//!   cancellation safe (they wrap `tokio::sync::mpsc::Receiver::recv`): a `select!` or a
//!   `tokio::time::timeout` around them loses nothing;
//! - the sockets are reached through the small [`DatagramSocket`] trait, implemented here for
//!   `tokio::net::UdpSocket`; a newtype around `turmoil::net::UdpSocket` (or any other datagram
//!   transport) plugs in the same way, which is how the tests run under a simulated network.
//!
//! Engine time is milliseconds since the endpoint was started, read from `tokio::time`, so a
//! paused or simulated tokio clock (turmoil) drives the retransmission timers too.
//!
//! ```no_run
//! # async fn demo(config: std::sync::Arc<dtls::ClientConfig>) -> Result<(), dtls_tokio::Error> {
//! let socket = tokio::net::UdpSocket::bind("0.0.0.0:0").await?;
//! let server = "127.0.0.1:4433".parse().unwrap();
//! let mut conn = dtls_tokio::ClientConnection::connect(socket, server, config).await?;
//! conn.send(b"hello").await?;
//! let reply = conn.recv().await?;
//! conn.close().await?;
//! # let _ = reply; Ok(()) }
//! ```

mod client;
mod clock;
mod error;
mod rng;
mod server;
mod socket;

pub use client::{ClientConnection, ConnectionInfo};
pub use error::Error;
pub use rng::OsRng;
pub use server::{Listener, ServerConnection};
pub use socket::DatagramSocket;

/// Adapter settings (the engine's own settings live in its `ClientConfig`/`ServerConfig`:
/// among them `Limits::idle_timeout`, which ends a connection that received no authenticated
/// record for that long and is reported here as [`Error::IdleTimeout`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Datagrams of application data queued per connection for `recv` before further ones are
    /// dropped (UDP semantics: a reader that falls behind loses datagrams, it never stalls the
    /// endpoint or other connections). Default 256.
    pub recv_queue: usize,
    /// Established connections not yet taken by [`Listener::accept`]; further handshakes that
    /// complete are closed. Default 64.
    pub accept_backlog: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            recv_queue: 256,
            accept_backlog: 64,
        }
    }
}

/// Largest datagram received.
const RECV_BUF: usize = 65536;
