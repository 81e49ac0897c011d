//! The DTLS handshake header and fragments (RFC 6347 4.2.2), the bodies without fields of their
//! own (HelloRequest, ServerHelloDone, Finished), and [`HandshakeMessage`], which decodes a
//! reassembled body by its type.

use alloc::vec::Vec;

use crate::codec::{Codec, DecodeError, DecodeErrorKind, EncodeError, Reader, Writer};

use super::certificate::{Certificate, CertificateRequest, CertificateVerify};
use super::enums::HandshakeType;
use super::hello::{ClientHello, HelloVerifyRequest, ServerHello};
use super::key_exchange::{ClientKeyExchange, KeyExchangeKind, ServerKeyExchange};

/// The 12-byte DTLS handshake header (RFC 6347 4.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HandshakeHeader {
    /// The message type.
    pub msg_type: HandshakeType,
    /// Length of the whole message body (`uint24`).
    pub length: u32,
    /// Per-direction message counter, which orders messages across retransmissions.
    pub message_seq: u16,
    /// Where this fragment starts within the body (`uint24`).
    pub fragment_offset: u32,
    /// Length of this fragment (`uint24`).
    pub fragment_length: u32,
}

impl HandshakeHeader {
    /// Encoded length of the header in bytes.
    pub const LEN: usize = 12;

    /// The largest value a `uint24` field can carry.
    pub const MAX_U24: u32 = 0xff_ffff;

    /// The header of a message sent in one piece: offset 0, fragment length = length. This is
    /// also the form the transcript hash covers (RFC 6347 4.2.6).
    pub const fn unfragmented(msg_type: HandshakeType, message_seq: u16, length: u32) -> Self {
        HandshakeHeader {
            msg_type,
            length,
            message_seq,
            fragment_offset: 0,
            fragment_length: length,
        }
    }

    /// Whether the fragment lies inside the message: `fragment_offset + fragment_length <=
    /// length`. Parsing does not check this; reassembly must, before using the offset.
    pub const fn is_consistent(&self) -> bool {
        // u24 + u24 cannot overflow a u32.
        (self.fragment_offset as u64) + (self.fragment_length as u64) <= self.length as u64
    }

    /// Whether the fragment is the whole message.
    pub const fn is_complete(&self) -> bool {
        self.fragment_offset == 0 && self.fragment_length == self.length
    }

    /// The header as a fixed-size array, without allocating; fails if a `uint24` field is out
    /// of range.
    pub fn to_array(&self) -> Result<[u8; Self::LEN], EncodeError> {
        let u24 = |v: u32, context: &'static str| {
            let [hi, a, b, c] = v.to_be_bytes();
            if hi == 0 {
                Ok([a, b, c])
            } else {
                Err(EncodeError { context })
            }
        };
        let [l0, l1, l2] = u24(self.length, "handshake length")?;
        let [o0, o1, o2] = u24(self.fragment_offset, "handshake fragment_offset")?;
        let [f0, f1, f2] = u24(self.fragment_length, "handshake fragment_length")?;
        let [s0, s1] = self.message_seq.to_be_bytes();
        Ok([self.msg_type.0, l0, l1, l2, s0, s1, o0, o1, o2, f0, f1, f2])
    }
}

impl Codec for HandshakeHeader {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let msg_type = HandshakeType::read(r)?;
        let length = r.u24("handshake length")?;
        let message_seq = r.u16("handshake message_seq")?;
        let fragment_offset = r.u24("handshake fragment_offset")?;
        let fragment_length = r.u24("handshake fragment_length")?;
        Ok(HandshakeHeader {
            msg_type,
            length,
            message_seq,
            fragment_offset,
            fragment_length,
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        self.msg_type.write(w);
        w.u24(self.length, "handshake length");
        w.u16(self.message_seq);
        w.u24(self.fragment_offset, "handshake fragment_offset");
        w.u24(self.fragment_length, "handshake fragment_length");
    }

    fn encoded_len(&self) -> usize {
        Self::LEN
    }
}

/// One handshake fragment inside a record, borrowing its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandshakeFragment<'a> {
    /// The header; `fragment_length` equals `body.len()` for a parsed fragment.
    pub header: HandshakeHeader,
    /// `fragment_length` bytes of the message body, starting at `fragment_offset`.
    pub body: &'a [u8],
}

impl<'a> HandshakeFragment<'a> {
    /// Reads one fragment: the header, then `fragment_length` bytes. Offsets are not checked
    /// against `length` (see [`HandshakeHeader::is_consistent`]).
    pub fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let header = HandshakeHeader::read(r)?;
        let body = r.take(header.fragment_length as usize, "handshake fragment")?;
        Ok(HandshakeFragment { header, body })
    }

    /// Parses a buffer holding exactly one fragment.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let fragment = Self::read(&mut r)?;
        r.expect_end("handshake fragment")?;
        Ok(fragment)
    }

    /// A fragment holding a whole message.
    pub fn whole(msg_type: HandshakeType, message_seq: u16, body: &'a [u8]) -> Self {
        let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
        HandshakeFragment {
            header: HandshakeHeader::unfragmented(msg_type, message_seq, len),
            body,
        }
    }

    /// Appends the fragment; fails if `fragment_length` does not match the body or a `uint24`
    /// field is out of range.
    pub fn write(&self, w: &mut Writer<'_>) {
        if self.header.fragment_length as usize != self.body.len() {
            w.fail("handshake fragment_length");
        }
        self.header.write(w);
        w.bytes(self.body);
    }

    /// Appends the fragment to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut w = Writer::new(out);
        self.write(&mut w);
        w.finish()
    }

    /// Length of the encoding in bytes.
    pub fn encoded_len(&self) -> usize {
        HandshakeHeader::LEN + self.body.len()
    }
}

/// Iterator over the handshake fragments of one record; see [`split_handshake`].
#[derive(Clone, Debug)]
pub struct HandshakeFragments<'a> {
    reader: Reader<'a>,
    failed: bool,
}

impl<'a> Iterator for HandshakeFragments<'a> {
    type Item = Result<HandshakeFragment<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.reader.is_empty() {
            return None;
        }
        let item = HandshakeFragment::read(&mut self.reader);
        self.failed = item.is_err();
        Some(item)
    }
}

impl core::iter::FusedIterator for HandshakeFragments<'_> {}

/// Walks the handshake fragments packed into one handshake record (RFC 6347 4.2.3 lets several
/// share a record), stopping after the first malformed one.
pub fn split_handshake(record_fragment: &[u8]) -> HandshakeFragments<'_> {
    HandshakeFragments {
        reader: Reader::new(record_fragment),
        failed: false,
    }
}

/// Declares a handshake body that has no fields.
macro_rules! empty_body {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl Codec for $name {
            fn read(_: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok($name)
            }

            fn write(&self, _: &mut Writer<'_>) {}

            fn encoded_len(&self) -> usize {
                0
            }
        }
    };
}

empty_body! {
    /// The HelloRequest message (RFC 5246 7.4.1.1): an empty body asking for renegotiation.
    HelloRequest
}

empty_body! {
    /// The ServerHelloDone message (RFC 5246 7.4.5): an empty body ending the server's flight.
    ServerHelloDone
}

/// The Finished message (RFC 5246 7.4.9). `verify_data` is the whole body: 12 bytes for every
/// TLS 1.2 suite we know, but its length is suite-defined, so it is read as opaque and the
/// engine compares it (in constant time) with the expected value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Finished {
    /// The PRF output over the transcript.
    pub verify_data: Vec<u8>,
}

impl Codec for Finished {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Finished {
            verify_data: r.take_rest().to_vec(),
        })
    }

    fn write(&self, w: &mut Writer<'_>) {
        w.bytes(&self.verify_data);
    }

    fn encoded_len(&self) -> usize {
        self.verify_data.len()
    }
}

/// A reassembled handshake message, decoded by its type.
///
/// ServerKeyExchange and ClientKeyExchange have layouts that depend on the negotiated key
/// exchange, so [`HandshakeMessage::parse`] takes it as `kx`; with `kx = None` those two fail
/// with `InvalidValue` (a key exchange message before the suite is known is unexpected anyway).
/// Types we do not model (NewSessionTicket, CertificateStatus, unassigned values) are kept as
/// [`HandshakeMessage::Other`] with their raw body; the state machine decides whether they are
/// unexpected.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HandshakeMessage {
    /// RFC 5246 7.4.1.1.
    HelloRequest(HelloRequest),
    /// RFC 5246 7.4.1.2, RFC 6347 4.2.1.
    ClientHello(ClientHello),
    /// RFC 5246 7.4.1.3.
    ServerHello(ServerHello),
    /// RFC 6347 4.2.1.
    HelloVerifyRequest(HelloVerifyRequest),
    /// RFC 5246 7.4.2.
    Certificate(Certificate),
    /// RFC 5246 7.4.3.
    ServerKeyExchange(ServerKeyExchange),
    /// RFC 5246 7.4.4.
    CertificateRequest(CertificateRequest),
    /// RFC 5246 7.4.5.
    ServerHelloDone(ServerHelloDone),
    /// RFC 5246 7.4.8.
    CertificateVerify(CertificateVerify),
    /// RFC 5246 7.4.7.
    ClientKeyExchange(ClientKeyExchange),
    /// RFC 5246 7.4.9.
    Finished(Finished),
    /// A message type we do not decode, with its raw body.
    Other {
        /// The message type.
        msg_type: HandshakeType,
        /// The raw body.
        body: Vec<u8>,
    },
}

impl HandshakeMessage {
    /// Decodes a reassembled body of type `msg_type`; the body must be consumed exactly.
    pub fn parse(
        msg_type: HandshakeType,
        body: &[u8],
        kx: Option<KeyExchangeKind>,
    ) -> Result<Self, DecodeError> {
        let no_kx = DecodeError::new(DecodeErrorKind::InvalidValue, "key exchange not negotiated");
        Ok(match msg_type {
            HandshakeType::HELLO_REQUEST => Self::HelloRequest(HelloRequest::parse(body)?),
            HandshakeType::CLIENT_HELLO => Self::ClientHello(ClientHello::parse(body)?),
            HandshakeType::SERVER_HELLO => Self::ServerHello(ServerHello::parse(body)?),
            HandshakeType::HELLO_VERIFY_REQUEST => Self::HelloVerifyRequest(HelloVerifyRequest::parse(body)?),
            HandshakeType::CERTIFICATE => Self::Certificate(Certificate::parse(body)?),
            HandshakeType::SERVER_KEY_EXCHANGE => {
                let kx = kx.ok_or(no_kx)?;
                Self::ServerKeyExchange(ServerKeyExchange::parse_with(kx, body)?)
            }
            HandshakeType::CERTIFICATE_REQUEST => Self::CertificateRequest(CertificateRequest::parse(body)?),
            HandshakeType::SERVER_HELLO_DONE => Self::ServerHelloDone(ServerHelloDone::parse(body)?),
            HandshakeType::CERTIFICATE_VERIFY => Self::CertificateVerify(CertificateVerify::parse(body)?),
            HandshakeType::CLIENT_KEY_EXCHANGE => {
                let kx = kx.ok_or(no_kx)?;
                Self::ClientKeyExchange(ClientKeyExchange::parse_with(kx, body)?)
            }
            HandshakeType::FINISHED => Self::Finished(Finished::parse(body)?),
            _ => Self::Other {
                msg_type,
                body: body.to_vec(),
            },
        })
    }

    /// The message type.
    pub fn msg_type(&self) -> HandshakeType {
        match self {
            Self::HelloRequest(_) => HandshakeType::HELLO_REQUEST,
            Self::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            Self::ServerHello(_) => HandshakeType::SERVER_HELLO,
            Self::HelloVerifyRequest(_) => HandshakeType::HELLO_VERIFY_REQUEST,
            Self::Certificate(_) => HandshakeType::CERTIFICATE,
            Self::ServerKeyExchange(_) => HandshakeType::SERVER_KEY_EXCHANGE,
            Self::CertificateRequest(_) => HandshakeType::CERTIFICATE_REQUEST,
            Self::ServerHelloDone(_) => HandshakeType::SERVER_HELLO_DONE,
            Self::CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
            Self::ClientKeyExchange(_) => HandshakeType::CLIENT_KEY_EXCHANGE,
            Self::Finished(_) => HandshakeType::FINISHED,
            Self::Other { msg_type, .. } => *msg_type,
        }
    }

    /// Appends the body (without the handshake header).
    pub fn write_body(&self, w: &mut Writer<'_>) {
        match self {
            Self::HelloRequest(m) => m.write(w),
            Self::ClientHello(m) => m.write(w),
            Self::ServerHello(m) => m.write(w),
            Self::HelloVerifyRequest(m) => m.write(w),
            Self::Certificate(m) => m.write(w),
            Self::ServerKeyExchange(m) => m.write(w),
            Self::CertificateRequest(m) => m.write(w),
            Self::ServerHelloDone(m) => m.write(w),
            Self::CertificateVerify(m) => m.write(w),
            Self::ClientKeyExchange(m) => m.write(w),
            Self::Finished(m) => m.write(w),
            Self::Other { body, .. } => w.bytes(body),
        }
    }

    /// Appends the body (without the handshake header) to `out`.
    pub fn emit_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut w = Writer::new(out);
        self.write_body(&mut w);
        w.finish()
    }

    /// Length of the body in bytes.
    pub fn body_len(&self) -> usize {
        match self {
            Self::HelloRequest(m) => m.encoded_len(),
            Self::ClientHello(m) => m.encoded_len(),
            Self::ServerHello(m) => m.encoded_len(),
            Self::HelloVerifyRequest(m) => m.encoded_len(),
            Self::Certificate(m) => m.encoded_len(),
            Self::ServerKeyExchange(m) => m.encoded_len(),
            Self::CertificateRequest(m) => m.encoded_len(),
            Self::ServerHelloDone(m) => m.encoded_len(),
            Self::CertificateVerify(m) => m.encoded_len(),
            Self::ClientKeyExchange(m) => m.encoded_len(),
            Self::Finished(m) => m.encoded_len(),
            Self::Other { body, .. } => body.len(),
        }
    }

    /// Appends the message with an unfragmented header (offset 0, fragment length = length),
    /// the form that goes into the transcript hash (RFC 6347 4.2.6) and into a single record.
    /// On error `out` is left as it was.
    pub fn emit_unfragmented(&self, message_seq: u16, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let result = self.emit_unfragmented_inner(message_seq, out);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    fn emit_unfragmented_inner(&self, message_seq: u16, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.extend_from_slice(&[0; HandshakeHeader::LEN]);
        let body_start = out.len();
        self.emit_body(out)?;
        let len = u32::try_from(out.len() - body_start).map_err(|_| EncodeError {
            context: "handshake length",
        })?;
        let header = HandshakeHeader::unfragmented(self.msg_type(), message_seq, len).to_array()?;
        if let Some(slot) = out.get_mut(start..body_start) {
            slot.copy_from_slice(&header);
        }
        Ok(())
    }
}
