//! Every DTLS 1.2 wire structure, each with `parse` and `emit`.
//!
//! Each structure implements [`Codec`] (`read`/`write`, `parse`/`emit`,
//! `encoded_len`), and every length-prefixed vector declares its prefix width, floor and
//! ceiling with the RFC that sets them. Parsing is exact: a parsed value re-encodes to the bytes
//! it came from, and trailing bytes are an error. Protocol enums are open newtypes, so unknown
//! code points survive a round trip and print as `Unknown(0x..)`.
//!
//! - [`record`]: record header and splitting datagrams into records (RFC 6347 4.1);
//! - [`handshake`]: handshake header, fragments and [`HandshakeMessage`] (RFC 6347 4.2.2);
//! - [`hello`]: ClientHello, ServerHello, HelloVerifyRequest;
//! - [`certificate`]: Certificate, CertificateRequest, CertificateVerify;
//! - [`key_exchange`]: ServerKeyExchange and ClientKeyExchange forms;
//! - [`extensions`]: the extension list and typed extension bodies;
//! - [`alert`]: Alert and ChangeCipherSpec;
//! - [`enums`]: the protocol enums.
//!
//! Checks that need negotiated state (versions, maximum record size, offered suites, duplicate
//! extensions) belong to the engine; this module only answers "is this well formed".

use alloc::vec::Vec;

use crate::codec::{Codec, DecodeError, Reader, VecSpec, Writer};

pub mod alert;
pub mod certificate;
pub mod enums;
pub mod extensions;
pub mod handshake;
pub mod hello;
pub mod key_exchange;
pub mod record;

pub use alert::{Alert, ChangeCipherSpec};
pub use certificate::{Certificate, CertificateRequest, CertificateVerify, DigitallySigned};
pub use enums::{
    AlertDescription, AlertLevel, CipherSuite, ClientCertificateType, CompressionMethod, ContentType,
    ECCurveType, ECPointFormat, ExtensionType, HandshakeType, MaxFragmentLength, NameType, NamedGroup,
    ProtocolVersion, SignatureScheme,
};
pub use extensions::{
    ConnectionId, EcPointFormats, EncryptThenMac, ExtendedMasterSecret, Extension, ExtensionBody, Extensions,
    RecordSizeLimit, RenegotiationInfo, ServerName, ServerNameList, SignatureAlgorithms, SupportedGroups,
};
pub use handshake::{
    Finished, HandshakeFragment, HandshakeFragments, HandshakeHeader, HandshakeMessage, HelloRequest,
    ServerHelloDone, split_handshake,
};
pub use hello::{ClientHello, HelloVerifyRequest, ServerHello};
pub use key_exchange::{
    ClientKeyExchange, EcdhClientKeyExchange, EcdhePskClientKeyExchange, EcdhePskServerKeyExchange,
    EcdheServerKeyExchange, KeyExchangeKind, PskClientKeyExchange, PskServerKeyExchange,
    RsaClientKeyExchange, ServerEcdhParams, ServerKeyExchange,
};
pub use record::{
    Record, RecordHeader, RecordSpan, RecordSpans, Records, record_spans, record_spans_with_cid,
    split_datagram, split_datagram_with_cid,
};

/// Reads a length-prefixed vector of `T`s that must fill the vector exactly.
fn read_list<T: Codec>(r: &mut Reader<'_>, spec: VecSpec) -> Result<Vec<T>, DecodeError> {
    r.vec_items(spec, |r| T::read(r))
}

/// Writes a length-prefixed vector of `T`s, recording an error if it breaks `spec`'s bounds.
fn write_list<T: Codec>(w: &mut Writer<'_>, spec: VecSpec, items: &[T]) {
    w.vec(spec, |w| {
        for item in items {
            item.write(w);
        }
    });
}
