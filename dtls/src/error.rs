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
    /// A certificate, chain or key was refused (or could not be loaded); the kind says why and
    /// fixes the alert.
    Certificate(CertificateError),
    /// The peer did not answer within the retransmission budget (RFC 6347 4.2.4).
    HandshakeTimeout,
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
            Error::Certificate(e) => e.kind.alert(),
            Error::Encode(_)
            | Error::Crypto(_)
            | Error::SequenceExhausted
            | Error::BufferTooSmall { .. }
            | Error::RecordTooLarge
            | Error::NoKeysForEpoch
            | Error::Config(_) => AlertDescription::INTERNAL_ERROR,
            Error::PeerAlert(_) | Error::HandshakeTimeout => return None,
        })
    }

    pub(crate) const fn protocol(alert: AlertDescription, reason: &'static str) -> Self {
        Error::Protocol { alert, reason }
    }
}

/// What is wrong with a certificate, a chain or a key; decides the alert (RFC 5246 7.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertificateErrorKind {
    /// DER or PEM that does not parse, or a field out of range (`bad_certificate`).
    Malformed,
    /// A key type, curve, key size or signature algorithm this stack does not accept
    /// (`unsupported_certificate`).
    Unsupported,
    /// Past its notAfter at the validation time (`certificate_expired`).
    Expired,
    /// Before its notBefore at the validation time (`certificate_expired`: "expired or is not
    /// currently valid").
    NotYetValid,
    /// No path from the leaf to a trust anchor (`unknown_ca`).
    UnknownIssuer,
    /// A signature in the chain does not verify (`bad_certificate`).
    BadSignature,
    /// basicConstraints broken: a non-CA certificate used as an issuer, a CA used as the leaf,
    /// a path length constraint exceeded (`bad_certificate`).
    BadConstraints,
    /// keyUsage or extendedKeyUsage does not allow this use, e.g. a clientAuth-only certificate
    /// presented by a server (`unsupported_certificate`).
    WrongUsage,
    /// The leaf is not valid for the requested server name (`bad_certificate`).
    NameMismatch,
    /// The chain has more certificates or bytes than the configured bounds (`bad_certificate`).
    TooLarge,
    /// No certificate where one is required (`handshake_failure`, RFC 5246 7.4.6).
    Missing,
    /// The configured time source cannot tell the time, so validity cannot be checked
    /// (`certificate_unknown`).
    TimeUnavailable,
    /// A private key that does not belong to its certificate, or another local configuration
    /// mistake (`internal_error`: the peer did nothing wrong).
    KeyMismatch,
    /// Any other reason not to trust the chain (`certificate_unknown`).
    Other,
}

impl CertificateErrorKind {
    /// The fatal alert for this kind (RFC 5246 7.2.2).
    pub const fn alert(self) -> AlertDescription {
        match self {
            CertificateErrorKind::Malformed
            | CertificateErrorKind::BadSignature
            | CertificateErrorKind::BadConstraints
            | CertificateErrorKind::NameMismatch
            | CertificateErrorKind::TooLarge => AlertDescription::BAD_CERTIFICATE,
            CertificateErrorKind::Unsupported | CertificateErrorKind::WrongUsage => {
                AlertDescription::UNSUPPORTED_CERTIFICATE
            }
            CertificateErrorKind::Expired | CertificateErrorKind::NotYetValid => {
                AlertDescription::CERTIFICATE_EXPIRED
            }
            CertificateErrorKind::UnknownIssuer => AlertDescription::UNKNOWN_CA,
            CertificateErrorKind::Missing => AlertDescription::HANDSHAKE_FAILURE,
            CertificateErrorKind::TimeUnavailable | CertificateErrorKind::Other => {
                AlertDescription::CERTIFICATE_UNKNOWN
            }
            CertificateErrorKind::KeyMismatch => AlertDescription::INTERNAL_ERROR,
        }
    }
}

/// A refused certificate, chain or key: the kind (which fixes the alert) and what exactly was
/// wrong, for logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CertificateError {
    /// What class of problem, and so which alert.
    pub kind: CertificateErrorKind,
    /// What was wrong, naming the structure or field.
    pub reason: &'static str,
}

impl CertificateError {
    /// An error of `kind` because of `reason`.
    pub const fn new(kind: CertificateErrorKind, reason: &'static str) -> Self {
        CertificateError { kind, reason }
    }
}

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "certificate error ({}): {}", self.kind.alert(), self.reason)
    }
}

impl From<CertificateError> for Error {
    fn from(e: CertificateError) -> Self {
        Error::Certificate(e)
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
            Error::Certificate(e) => write!(f, "{e}"),
            Error::HandshakeTimeout => f.write_str("handshake timed out: peer did not answer"),
        }
    }
}

// `core::error::Error` (Rust 1.81): the engine's errors work with `?` into
// `Box<dyn Error>` and error-reporting crates without the `std` feature.
impl core::error::Error for Error {}

/// Why one call (`send`, `poll_transmit`) did nothing. These never end the connection, which
/// is as it was before the call: what ends a connection is an [`Error`], reported once as
/// `Event::Closed(CloseReason::Error(..))`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallError {
    /// The handshake has not completed yet (RFC 5246 7.3: no application data before it).
    NotConnected,
    /// The connection is closing or closed, or (on a server) there is none with that peer.
    Closed,
    /// Application data larger than one record at the current path MTU.
    MessageTooLarge {
        /// Largest payload that fits.
        max: usize,
    },
    /// The buffer given to `poll_transmit` cannot hold the next datagram; the datagram stays
    /// queued for a call with a buffer of at least `needed` bytes.
    BufferTooSmall {
        /// Bytes of the next datagram.
        needed: usize,
    },
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::NotConnected => f.write_str("handshake not complete"),
            CallError::Closed => f.write_str("connection closed"),
            CallError::MessageTooLarge { max } => write!(
                f,
                "message larger than {max} bytes, the most one datagram carries"
            ),
            CallError::BufferTooSmall { needed } => {
                write!(f, "buffer too small for the next datagram ({needed} bytes)")
            }
        }
    }
}

impl core::error::Error for CallError {}
