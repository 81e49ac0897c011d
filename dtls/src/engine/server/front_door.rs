//! The server's stateless front door (RFC 6347 4.2.1): reads a ClientHello from a datagram
//! of a peer without a session, answers it with a HelloVerifyRequest unless it carries a
//! valid cookie, and otherwise hands the parsed hello, with proof that the address was
//! validated, to a new session. Nothing here keeps per-peer state.

use alloc::vec;
use alloc::vec::Vec;
use core::hash::{Hash, Hasher};

use crate::codec::{Codec, Reader};
use crate::config::ServerConfig;
use crate::handshake::cookie::{ClientHelloBinding, CookieGate, CookieVerified};
use crate::wire::{
    ClientHello, ContentType, HandshakeFragment, HandshakeType, HelloVerifyRequest, ProtocolVersion,
    RecordHeader,
};

/// Proof that a new session's client address was checked, consumed by the server's first
/// handshake state: either the ClientHello echoed a valid cookie, or cookies are turned off
/// in the configuration (then nothing was checked, and that choice is explicit).
#[derive(Debug)]
pub(crate) enum AddressValidated {
    /// The cookie verified (RFC 6347 4.2.1).
    Cookie(CookieVerified),
    /// `ServerConfig::cookies` is off.
    CookiesOff(CookiesOff),
}

/// Marks a session admitted without a cookie because the configuration turned them off.
/// Only [`admit`] makes one.
#[derive(Debug)]
pub(crate) struct CookiesOff {
    _private: (),
}

/// A ClientHello found whole in the first record of a datagram.
#[derive(Debug)]
pub(crate) struct HelloDatagram<'a> {
    /// The header of the record that carried it.
    pub(crate) record: RecordHeader,
    /// Its handshake message_seq.
    pub(crate) message_seq: u16,
    /// The ClientHello body as received (it enters the transcript as is).
    pub(crate) body: &'a [u8],
    /// The parsed ClientHello.
    pub(crate) hello: ClientHello,
    /// The rest of the datagram, after the ClientHello's record.
    pub(crate) rest: &'a [u8],
}

/// The first record of `datagram`, if it is an epoch-0 handshake record whose first fragment
/// is one whole ClientHello that parses. Parsed once: the new session receives it as is.
pub(crate) fn parse_client_hello(datagram: &[u8]) -> Option<HelloDatagram<'_>> {
    let record = RecordHeader::peek(datagram)?;
    if record.epoch != 0 || record.content_type != ContentType::HANDSHAKE {
        return None;
    }
    let fragment = datagram.get(RecordHeader::LEN..record.record_len())?;
    let rest = datagram.get(record.record_len()..)?;
    let frag = HandshakeFragment::read(&mut Reader::new(fragment)).ok()?;
    let h = frag.header;
    // The stateless path needs the whole ClientHello in one fragment; a fragmented first
    // ClientHello is dropped (the client's retransmission timer will try again).
    if h.msg_type != HandshakeType::CLIENT_HELLO || !h.is_complete() {
        return None;
    }
    let hello = ClientHello::parse(frag.body).ok()?;
    Some(HelloDatagram {
        record,
        message_seq: h.message_seq,
        body: frag.body,
        hello,
        rest,
    })
}

/// What the front door does with a ClientHello.
#[derive(Debug)]
pub(crate) enum Admission {
    /// Not a hello this server could ever accept: drop it.
    Drop,
    /// No valid cookie: send this HelloVerifyRequest datagram and keep nothing.
    HelloVerifyRequest(Vec<u8>),
    /// Start a session.
    Admit(AddressValidated),
}

/// Decides on a ClientHello from `peer` (its address serialized by [`address_bytes`]).
pub(crate) fn admit(
    config: &ServerConfig,
    cookies: &CookieGate,
    peer: &[u8],
    d: &HelloDatagram<'_>,
) -> Admission {
    let hello = &d.hello;
    // Only a DTLS client version (0xFExx, counting down from 0xFEFF) that reaches 1.2 can ever
    // succeed; anything else is dropped before any state or cookie work (TESTING.md section
    // 3: an invalid version must not bypass the cookie check). A newer client version is
    // admitted (and answered with 1.2); DTLS 1.0 gets no protocol_version alert, only silence.
    // catalogue: RFC5246-E.1-2, RFC5246-E.1-3
    let [major, _] = hello.client_version.0.to_be_bytes();
    if major != 0xFE || hello.client_version.0 > ProtocolVersion::DTLS1_2.0 {
        return Admission::Drop;
    }
    if !config.cookies {
        return Admission::Admit(AddressValidated::CookiesOff(CookiesOff { _private: () }));
    }
    let provider = config.common.provider.as_ref();
    let Some(fields) = BindingFields::of(hello) else {
        return Admission::Drop;
    };
    let binding = fields.binding(peer, hello);
    match cookies.verify(provider, &binding, &hello.cookie) {
        Ok(verified) => Admission::Admit(AddressValidated::Cookie(verified)),
        // RFC 6347 4.2.1: answer statelessly, echoing the ClientHello's record and message
        // sequence numbers; the HelloVerifyRequest is smaller than the ClientHello, so it
        // cannot amplify a spoofed request. An invalid cookie counts as none.
        // catalogue: RFC6347-4.2.1-11, RFC6347-4.2.1-19
        Err(_) => match cookies
            .generate(provider, &binding)
            .ok()
            .and_then(|cookie| hello_verify_request(&d.record, d.message_seq, &cookie))
        {
            Some(datagram) => Admission::HelloVerifyRequest(datagram),
            None => Admission::Drop,
        },
    }
}

/// Collects the bytes `Hash` writes for an address, so any address type can be bound into a
/// cookie without a trait of our own. Bounded: longer input is folded into the buffer.
struct AddressBytes {
    buf: [u8; 64],
    len: usize,
}

impl Hasher for AddressBytes {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            let i = self.len % self.buf.len();
            if let Some(slot) = self.buf.get_mut(i) {
                *slot ^= *b;
            }
            self.len += 1;
        }
    }
}

/// A stable serialization of `addr` for the cookie MAC, and its length.
pub(crate) fn address_bytes<A: Hash>(addr: &A) -> ([u8; 64], usize) {
    let mut h = AddressBytes { buf: [0; 64], len: 0 };
    addr.hash(&mut h);
    (h.buf, h.len.min(64))
}

/// The ClientHello fields a cookie binds, re-encoded as on the wire (parsing is exact, so
/// re-encoding gives the received bytes).
// catalogue: RFC6347-4.2.1-7
struct BindingFields {
    cipher_suites: Vec<u8>,
    compression_methods: Vec<u8>,
    extensions: Vec<u8>,
}

impl BindingFields {
    fn of(hello: &ClientHello) -> Option<Self> {
        let cipher_suites = hello
            .cipher_suites
            .iter()
            .flat_map(|s| s.0.to_be_bytes())
            .collect();
        let compression_methods = hello.compression_methods.iter().map(|c| c.0).collect();
        let extensions = match &hello.extensions {
            Some(e) => e.to_vec().ok()?.get(2..)?.to_vec(),
            None => Vec::new(),
        };
        Some(BindingFields {
            cipher_suites,
            compression_methods,
            extensions,
        })
    }

    fn binding<'a>(&'a self, peer: &'a [u8], hello: &'a ClientHello) -> ClientHelloBinding<'a> {
        ClientHelloBinding {
            peer,
            client_version: hello.client_version.0,
            random: &hello.random,
            session_id: &hello.session_id,
            cipher_suites: &self.cipher_suites,
            compression_methods: &self.compression_methods,
            extensions: &self.extensions,
        }
    }
}

/// A HelloVerifyRequest datagram answering the ClientHello whose record header is `ch`.
fn hello_verify_request(ch: &RecordHeader, message_seq: u16, cookie: &[u8]) -> Option<Vec<u8>> {
    // RFC 6347 4.2.1: the server uses version DTLS 1.0 in HelloVerifyRequest for
    // compatibility, independent of the version it will negotiate.
    // catalogue: RFC6347-4.2.1-3
    let hvr = HelloVerifyRequest {
        server_version: ProtocolVersion::DTLS1_0,
        cookie: cookie.to_vec(),
    };
    let body = hvr.to_vec().ok()?;
    let fragment = HandshakeFragment::whole(HandshakeType::HELLO_VERIFY_REQUEST, message_seq, &body);
    let mut payload = Vec::with_capacity(fragment.encoded_len());
    fragment.emit(&mut payload).ok()?;
    let header = RecordHeader {
        content_type: ContentType::HANDSHAKE,
        version: ProtocolVersion::DTLS1_0,
        epoch: 0,
        // RFC 6347 4.2.1: copy the ClientHello's record sequence number so the server keeps
        // no state.
        // catalogue: RFC6347-4.2.1-10
        sequence_number: ch.sequence_number,
        length: u16::try_from(payload.len()).ok()?,
    };
    let mut out = vec![0u8; RecordHeader::LEN + payload.len()];
    header.write_into(&mut out).ok()?;
    out.get_mut(RecordHeader::LEN..)?.copy_from_slice(&payload);
    Some(out)
}
