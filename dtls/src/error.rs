//! The engine's one error type. Every error returned by the engine is fatal for the connection
//! it concerns; records that merely fail to parse or authenticate are dropped and counted, not
//! reported as errors (RFC 6347 4.1.2.7).

use core::fmt;

use crate::codec::{DecodeError, EncodeError};
use crate::crypto::CryptoError;

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
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
