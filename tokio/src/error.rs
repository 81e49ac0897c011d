//! The adapter's error type.

use std::fmt;
use std::io;

/// Why an operation on a connection or listener failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The socket failed.
    Io(io::Error),
    /// The handshake failed (an alert sent or received, a timeout, an untrusted certificate).
    Handshake(dtls::Error),
    /// An established connection ended with an error.
    Connection(dtls::Error),
    /// One call did nothing and the connection goes on (data too large for a datagram).
    Call(dtls::CallError),
    /// The connection was closed (by us or, with close_notify, by the peer); no more data.
    Closed,
    /// We sent close_notify and the peer never answered it.
    CloseFailed,
    /// No authenticated record arrived from the peer within the engine's
    /// `Limits::idle_timeout`.
    IdleTimeout,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "socket error: {e}"),
            Error::Handshake(e) => write!(f, "handshake failed: {e}"),
            Error::Connection(e) => write!(f, "connection failed: {e}"),
            Error::Call(e) => write!(f, "{e}"),
            Error::Closed => f.write_str("connection closed"),
            Error::CloseFailed => f.write_str("close failed: the peer did not answer close_notify"),
            Error::IdleTimeout => f.write_str("connection idle: nothing received from the peer"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Handshake(e) | Error::Connection(e) => Some(e),
            Error::Call(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

impl Error {
    /// A copy for a second waiter (`io::Error` is not `Clone`: its kind and text are kept).
    pub(crate) fn duplicate(&self) -> Error {
        match self {
            Error::Io(e) => Error::Io(io::Error::new(e.kind(), e.to_string())),
            Error::Handshake(e) => Error::Handshake(*e),
            Error::Connection(e) => Error::Connection(*e),
            Error::Call(e) => Error::Call(*e),
            Error::Closed => Error::Closed,
            Error::CloseFailed => Error::CloseFailed,
            Error::IdleTimeout => Error::IdleTimeout,
        }
    }

    /// What a refused call means to the adapter's caller.
    pub(crate) fn from_call(e: dtls::CallError) -> Error {
        match e {
            dtls::CallError::Closed => Error::Closed,
            e => Error::Call(e),
        }
    }

    /// What an engine close reason means once the connection was established (`None`: a
    /// clean close).
    pub(crate) fn from_close(reason: &dtls::CloseReason) -> Option<Error> {
        match reason {
            dtls::CloseReason::Graceful | dtls::CloseReason::PeerClosed => None,
            dtls::CloseReason::CloseFailed => Some(Error::CloseFailed),
            dtls::CloseReason::IdleTimeout => Some(Error::IdleTimeout),
            dtls::CloseReason::Error(e) => Some(Error::Connection(*e)),
            // Replaced (a server's session superseded by the client's new one), or a reason a
            // newer engine adds: the connection is over.
            _ => Some(Error::Closed),
        }
    }
}
