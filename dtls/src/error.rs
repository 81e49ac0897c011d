//! The engine's one error type. Every error returned by the engine is fatal for the connection
//! it concerns; records that merely fail to parse or authenticate are dropped and counted, not
//! reported as errors (RFC 6347 4.1.2.7).

use core::fmt;

use crate::codec::{DecodeError, EncodeError};
use crate::crypto::CryptoError;
use crate::wire::{AlertDescription, HandshakeType};

/// A fatal error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A message could not be decoded.
    Decode(DecodeError),
    /// A message could not be encoded (a field exceeds its wire bounds).
    Encode(EncodeError),
    /// A cryptographic operation failed.
    Crypto(CryptoError),
    /// The 48-bit sequence number space of the current epoch is exhausted; sealing more records
    /// would repeat a nonce (RFC 6347 4.1: a sequence number must not wrap).
    SequenceExhausted,
    /// The caller's buffer is too small for the record.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// A record's payload exceeds what the record layer may carry.
    RecordTooLarge,
    /// No keys are installed for the requested epoch.
    NoKeysForEpoch,
    /// The configuration is unusable; the text says why.
    Config(&'static str),
    /// The peer broke the protocol; we sent (or would send) the fatal alert named.
    Protocol {
        /// The alert that describes the violation.
        alert: AlertDescription,
        /// What was wrong.
        reason: &'static str,
    },
    /// A handshake message arrived that the handshake's current state does not accept
    /// (RFC 5246 7.3: messages must come in the order the protocol defines); the alert is
    /// unexpected_message.
    UnexpectedMessage {
        /// The state the handshake was in (e.g. `"ExpectServerHelloDone"`).
        state: &'static str,
        /// The message types that state accepts.
        expected: &'static [HandshakeType],
        /// The message type that arrived.
        received: HandshakeType,
    },
    /// The peer sent a fatal alert.
    PeerAlert(AlertDescription),
    /// The certificate verifier did not trust the peer's chain.
    CertificateRejected,
    /// The peer did not answer within the retransmission budget (RFC 6347 4.2.4).
    HandshakeTimeout,
    /// No authenticated record arrived within `Limits::idle_timeout`.
    IdleTimeout,
    /// The connection is closed; nothing more can be sent or received.
    Closed,
    /// The handshake has not completed yet.
    NotConnected,
    /// Application data larger than fits in one datagram at the configured MTU.
    MessageTooLarge {
        /// Largest payload that fits.
        max: usize,
    },
}

impl Error {
    /// The fatal alert to send for this error (RFC 5246 7.2.2), if one should be sent.
    pub fn alert(&self) -> Option<AlertDescription> {
        Some(match self {
            Error::Decode(_) => AlertDescription::DECODE_ERROR,
            Error::Crypto(CryptoError::BadRecordMac) => AlertDescription::BAD_RECORD_MAC,
            Error::Crypto(CryptoError::BadSignature) => AlertDescription::DECRYPT_ERROR,
            Error::Crypto(CryptoError::InvalidKey) => AlertDescription::ILLEGAL_PARAMETER,
            Error::Protocol { alert, .. } => *alert,
            Error::UnexpectedMessage { .. } => AlertDescription::UNEXPECTED_MESSAGE,
            Error::CertificateRejected => AlertDescription::BAD_CERTIFICATE,
            Error::Encode(_)
            | Error::Crypto(_)
            | Error::SequenceExhausted
            | Error::BufferTooSmall { .. }
            | Error::RecordTooLarge
            | Error::NoKeysForEpoch
            | Error::Config(_) => AlertDescription::INTERNAL_ERROR,
            Error::PeerAlert(_)
            | Error::HandshakeTimeout
            | Error::IdleTimeout
            | Error::Closed
            | Error::NotConnected
            | Error::MessageTooLarge { .. } => return None,
        })
    }

    pub(crate) const fn protocol(alert: AlertDescription, reason: &'static str) -> Self {
        Error::Protocol { alert, reason }
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e)
    }
}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        Error::Encode(e)
    }
}

impl From<CryptoError> for Error {
    fn from(e: CryptoError) -> Self {
        Error::Crypto(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Decode(e) => write!(f, "decode error: {e}"),
            Error::Encode(e) => write!(f, "encode error: {e}"),
            Error::Crypto(e) => write!(f, "crypto error: {e}"),
            Error::SequenceExhausted => f.write_str("record sequence numbers exhausted for this epoch"),
            Error::BufferTooSmall { needed } => write!(f, "output buffer too small: {needed} bytes needed"),
            Error::RecordTooLarge => f.write_str("record payload larger than the record layer allows"),
            Error::NoKeysForEpoch => f.write_str("no keys installed for that epoch"),
            Error::Config(why) => write!(f, "invalid configuration: {why}"),
            Error::Protocol { alert, reason } => write!(f, "protocol violation ({alert}): {reason}"),
            Error::UnexpectedMessage {
                state,
                expected,
                received,
            } => {
                write!(
                    f,
                    "unexpected handshake message {received} in state {state} (expected "
                )?;
                for (i, t) in expected.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" or ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str(")")
            }
            Error::PeerAlert(alert) => write!(f, "peer sent alert {alert}"),
            Error::CertificateRejected => f.write_str("peer certificate not trusted"),
            Error::HandshakeTimeout => f.write_str("handshake timed out: peer did not answer"),
            Error::IdleTimeout => f.write_str("idle timeout: no authenticated record from the peer"),
            Error::Closed => f.write_str("connection closed"),
            Error::NotConnected => f.write_str("handshake not complete"),
            Error::MessageTooLarge { max } => write!(
                f,
                "message larger than {max} bytes, the most one datagram carries"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
