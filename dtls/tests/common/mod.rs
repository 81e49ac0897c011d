//! Helpers of the engine's tests: a deterministic RNG, the fixture configurations at an MTU,
//! wire-level record builders and readers; the two-party driver is the conformance crate's
//! `Pair`, shared with the requirement tests.
#![allow(dead_code)]

use std::sync::Arc;

use dtls::config::{ClientConfig, ServerConfig};
use dtls::crypto::DeterministicRandom;
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::wire::CipherSuite;
use dtls::{Client, Server};
use dtls_conformance::fixtures;

/// The engine's seeded generator: reproducible runs from a small seed.
pub type TestRng = DeterministicRandom;

/// A seeded generator for test endpoints.
#[allow(non_snake_case)]
pub fn TestRng(seed: u64) -> DeterministicRandom {
    DeterministicRandom::from_u64(seed)
}

#[allow(unused_imports)]
pub use fixtures::{CERT_DER, KEY_DER};
pub const PSK_IDENTITY: &[u8] = b"device-17";
pub const PSK_KEY: &[u8] = &[0x1a; 16];

pub fn provider() -> Arc<RustCrypto> {
    Arc::new(RustCrypto)
}

/// The fixture client (`dtls_conformance::fixtures`) offering `suite`, at `mtu`.
pub fn client_config(suite: CipherSuite, mtu: usize) -> ClientConfig {
    let mut c = fixtures::client_config(suite);
    c.common.mtu = mtu;
    c
}

/// The fixture server (every suite, PSK and certificate), at `mtu`.
pub fn server_config(cookies: bool, mtu: usize) -> ServerConfig {
    let mut s = fixtures::server_config(cookies);
    s.common.mtu = mtu;
    s
}

/// The address type the tests use for the server side.
pub type Addr = u32;
/// The pair of endpoints every suite drives (one implementation, in the conformance crate).
#[allow(unused_imports)]
pub use dtls_conformance::pair::{CLIENT_ADDR, Pair};

/// One epoch-0 handshake record carrying one fragment with the given header fields (the body
/// is `body`, whose length becomes the fragment_length).
pub fn handshake_record(
    record_seq: u64,
    msg_type: dtls::wire::HandshakeType,
    length: u32,
    message_seq: u16,
    fragment_offset: u32,
    body: &[u8],
) -> Vec<u8> {
    use dtls::wire::{ContentType, HandshakeHeader, ProtocolVersion};
    let header = HandshakeHeader {
        msg_type,
        length,
        message_seq,
        fragment_offset,
        fragment_length: body.len() as u32,
    };
    let mut payload = header.to_array().unwrap().to_vec();
    payload.extend_from_slice(body);
    plain_record(
        ContentType::HANDSHAKE,
        0,
        record_seq,
        &payload,
        ProtocolVersion::DTLS1_2,
    )
}

/// An unprotected record of any type and epoch (a forgery when the epoch is protected).
pub fn plain_record(
    content_type: dtls::wire::ContentType,
    epoch: u16,
    record_seq: u64,
    payload: &[u8],
    version: dtls::wire::ProtocolVersion,
) -> Vec<u8> {
    let header = dtls::wire::RecordHeader {
        content_type,
        version,
        epoch,
        sequence_number: record_seq,
        length: payload.len() as u16,
    };
    let mut out = header.to_array().unwrap().to_vec();
    out.extend_from_slice(payload);
    out
}

/// The records of a datagram: (header, fragment bytes).
pub fn records_of(d: &[u8]) -> Vec<(dtls::wire::RecordHeader, Vec<u8>)> {
    dtls::wire::split_datagram(d)
        .filter_map(Result::ok)
        .map(|r| (r.header, r.fragment.to_vec()))
        .collect()
}

/// The handshake messages (type, message_seq, length, fragment_length) of a datagram's
/// epoch-0 handshake records.
pub fn handshake_headers(d: &[u8]) -> Vec<dtls::wire::HandshakeHeader> {
    records_of(d)
        .into_iter()
        .filter(|(h, _)| h.epoch == 0 && h.content_type == dtls::wire::ContentType::HANDSHAKE)
        .flat_map(|(_, f)| {
            dtls::wire::split_handshake(&f)
                .filter_map(Result::ok)
                .map(|x| x.header)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Drains a client's datagrams.
pub fn client_out(client: &mut Client) -> Vec<Vec<u8>> {
    let mut buf = vec![0u8; 70000];
    std::iter::from_fn(|| client.poll_transmit(&mut buf).unwrap().map(|n| buf[..n].to_vec())).collect()
}

/// Drains a server's datagrams (all to one peer in these tests).
pub fn server_out(server: &mut Server<Addr>) -> Vec<Vec<u8>> {
    let mut buf = vec![0u8; 70000];
    std::iter::from_fn(|| {
        server
            .poll_transmit(&mut buf)
            .unwrap()
            .map(|(_, n)| buf[..n].to_vec())
    })
    .collect()
}
