//! The two non-handshake control messages: Alert (RFC 5246 7.2) and ChangeCipherSpec
//! (RFC 5246 7.1).

use crate::codec::{Codec, DecodeError, DecodeErrorKind, Reader, Writer};

use super::enums::{AlertDescription, AlertLevel};

/// An alert message (RFC 5246 7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Alert {
    /// Warning or fatal.
    pub level: AlertLevel,
    /// What happened.
    pub description: AlertDescription,
}

impl Alert {
    /// A fatal alert with the given description.
    pub const fn fatal(description: AlertDescription) -> Self {
        Alert {
            level: AlertLevel::FATAL,
            description,
        }
    }

    /// The warning-level close_notify that ends a connection (RFC 5246 7.2.1).
    pub const fn close_notify() -> Self {
        Alert {
            level: AlertLevel::WARNING,
            description: AlertDescription::CLOSE_NOTIFY,
        }
    }

    /// The encoding, without allocating.
    pub const fn to_array(&self) -> [u8; 2] {
        [self.level.0, self.description.0]
    }
}

impl Codec for Alert {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let level = AlertLevel::read(r)?;
        let description = AlertDescription::read(r)?;
        Ok(Alert { level, description })
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.bytes(&self.to_array());
    }

    fn encoded_len(&self) -> usize {
        2
    }
}

/// The ChangeCipherSpec message (RFC 5246 7.1): a single byte of value 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ChangeCipherSpec;

impl ChangeCipherSpec {
    /// The only value `type` may take (`change_cipher_spec(1)`).
    pub const VALUE: u8 = 1;
}

impl Codec for ChangeCipherSpec {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        // Any other value is not a ChangeCipherSpec; accepting it would let a fuzzed record
        // switch epochs (RFC 5246 7.1 defines only change_cipher_spec(1)).
        match r.u8("change_cipher_spec")? {
            Self::VALUE => Ok(ChangeCipherSpec),
            _ => Err(DecodeError::new(
                DecodeErrorKind::InvalidValue,
                "change_cipher_spec",
            )),
        }
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.u8(Self::VALUE);
    }

    fn encoded_len(&self) -> usize {
        1
    }
}
