//! RFC 6347 4.2.1: the HelloVerifyRequest cookie exchange, as seen on the wire between our
//! client and our server (and with hand-built ClientHellos).

mod common;

use std::sync::Arc;

use common::*;
use dtls::codec::Codec;
use dtls::crypto::DeterministicRandom;
use dtls::wire::{
    CipherSuite, ClientHello, CompressionMethod, Extension, ExtensionType, Extensions, HandshakeType as HT,
    HelloVerifyRequest, ProtocolVersion, ServerHello,
};
use dtls::{Instant, Server};

const PSK: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;

fn hello(random: u8, cookie: &[u8]) -> ClientHello {
    ClientHello {
        client_version: ProtocolVersion::DTLS1_2,
        random: [random; 32],
        session_id: vec![],
        cookie: cookie.to_vec(),
        cipher_suites: vec![PSK],
        compression_methods: vec![CompressionMethod::NULL],
        extensions: Some(Extensions(vec![Extension::empty(
            ExtensionType::EXTENDED_MASTER_SECRET,
        )])),
    }
}

fn server(cookies: bool) -> Server<u32> {
    Server::new(
        Arc::new(server_config(cookies)),
        Box::new(DeterministicRandom::from_u64(4)),
    )
    .unwrap()
}

fn drain(s: &mut Server<u32>) -> Vec<Vec<u8>> {
    let mut out = vec![];
    let mut buf = vec![0u8; 4000];
    while let Some((_, n)) = s.poll_transmit(&mut buf).unwrap() {
        out.push(buf[..n].to_vec());
    }
    out
}

// catalogue: RFC6347-4.2.1-10, RFC6347-4.2.1-3, RFC6347-4.2.1-11
#[test]
fn hello_verify_request_reuses_the_client_hello_record_sequence_number() {
    let mut s = server(true);
    for record_seq in [0u64, 5, 1 << 40] {
        let d = handshake_datagram(HT::CLIENT_HELLO, 0, record_seq, &encode(&hello(1, &[])));
        s.handle_datagram(Instant::ZERO, 1, &d);
        let out = drain(&mut s);
        assert_eq!(out.len(), 1);
        let h = headers(&out[0]);
        assert_eq!(h.len(), 1);
        assert_eq!(
            h[0].sequence_number, record_seq,
            "HVR must echo the ClientHello's record number"
        );
        assert_eq!(h[0].epoch, 0);
        let hvr =
            HelloVerifyRequest::parse(&find_message(&out[0], HT::HELLO_VERIFY_REQUEST).unwrap()).unwrap();
        // SHOULD: DTLS 1.0 in the HelloVerifyRequest, whatever will be negotiated.
        assert_eq!(hvr.server_version, ProtocolVersion::DTLS1_0);
        assert_eq!(s.session_count(), 0, "no state before the cookie comes back");
    }
}

/// The client's two ClientHellos, the HelloVerifyRequest between them, and the server's next
/// flight, from a clean run with cookies.
struct Exchange {
    first: Vec<u8>,
    hvr: Vec<u8>,
    second: Vec<u8>,
    server_flight: Vec<Vec<u8>>,
}

fn exchange(suite: CipherSuite) -> (Pair, Exchange) {
    let mut pair = Pair::new(client_config(suite), server_config(true), 21);
    let first = pair.client_sent().remove(0);
    pair.deliver_to_server(&first);
    let hvr = pair.server_sent().remove(0);
    pair.deliver_to_client(&hvr);
    let second = pair.client_sent().remove(0);
    pair.deliver_to_server(&second);
    let server_flight = pair.server_sent();
    (
        pair,
        Exchange {
            first,
            hvr,
            second,
            server_flight,
        },
    )
}

// catalogue: RFC6347-4.2.1-2, RFC6347-4.2.1-6
#[test]
fn second_client_hello_repeats_the_first_with_the_cookie_added() {
    for suite in [PSK, CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] {
        let (_, x) = exchange(suite);
        let first = ClientHello::parse(&find_message(&x.first, HT::CLIENT_HELLO).unwrap()).unwrap();
        let second = ClientHello::parse(&find_message(&x.second, HT::CLIENT_HELLO).unwrap()).unwrap();
        let hvr =
            HelloVerifyRequest::parse(&find_message(&x.hvr, HT::HELLO_VERIFY_REQUEST).unwrap()).unwrap();
        assert!(first.cookie.is_empty());
        assert!(!hvr.cookie.is_empty());
        assert_eq!(
            second.cookie, hvr.cookie,
            "the second ClientHello carries the cookie"
        );
        let without_cookie = ClientHello {
            cookie: vec![],
            ..second.clone()
        };
        assert_eq!(
            without_cookie, first,
            "every other field is the same as in the first"
        );
    }
}

// catalogue: RFC6347-4.2.1-12, RFC6347-4.2.1-13
#[test]
fn server_hello_takes_the_record_sequence_number_of_the_second_client_hello() {
    let (_, x) = exchange(PSK);
    let ch = headers(&x.second)[0];
    assert!(
        ch.sequence_number > 0,
        "the second ClientHello is the client's second record"
    );
    let first = headers(&x.server_flight[0])[0];
    assert!(find_message(&x.server_flight[0], HT::SERVER_HELLO).is_some());
    assert_eq!(first.epoch, 0);
    assert_eq!(first.sequence_number, ch.sequence_number);
    // Later records of the flight count up from there.
    let seqs: Vec<u64> = x
        .server_flight
        .iter()
        .flat_map(|d| headers(d))
        .map(|h| h.sequence_number)
        .collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
}

// catalogue: RFC6347-4.2.1-4, RFC6347-4.2.1-5
#[test]
fn client_negotiates_dtls_1_2_after_a_dtls_1_0_hello_verify_request() {
    let (mut pair, x) = exchange(PSK);
    let hvr = HelloVerifyRequest::parse(&find_message(&x.hvr, HT::HELLO_VERIFY_REQUEST).unwrap()).unwrap();
    assert_eq!(hvr.server_version, ProtocolVersion::DTLS1_0);
    let sh = ServerHello::parse(&find_message(&x.server_flight[0], HT::SERVER_HELLO).unwrap()).unwrap();
    assert_eq!(sh.server_version, ProtocolVersion::DTLS1_2);
    for d in &x.server_flight {
        pair.deliver_to_client(d);
    }
    pair.handshake();
    let second = ClientHello::parse(&find_message(&x.second, HT::CLIENT_HELLO).unwrap()).unwrap();
    assert_eq!(second.client_version, ProtocolVersion::DTLS1_2);
}

// catalogue: RFC6347-4.2.1-14, RFC6347-4.2.1-16, RFC6347-5-1
#[test]
fn cookie_exchange_is_on_by_default() {
    let config = dtls::ServerConfig::new(Arc::new(dtls::crypto::rustcrypto::RustCrypto));
    assert!(config.cookies, "ServerConfig::new must default to cookies on");
    let mut s = server(true);
    s.handle_datagram(
        Instant::ZERO,
        3,
        &handshake_datagram(HT::CLIENT_HELLO, 0, 0, &encode(&hello(2, &[]))),
    );
    let out = drain(&mut s);
    assert!(find_message(&out[0], HT::HELLO_VERIFY_REQUEST).is_some());
}

/// A server that restarted between the client's two ClientHellos answers the second with a
/// fresh HelloVerifyRequest (its new secret does not know the old cookie). The client should
/// answer that one too (RFC 6347 4.2.1) rather than give up.
// catalogue: RFC6347-4.2.1-20
#[test]
fn client_answers_a_second_hello_verify_request_before_server_hello() {
    let mut pair = Pair::new(client_config(PSK), server_config(true), 22);
    let first = pair.client_sent().remove(0);
    pair.deliver_to_server(&first);
    let hvr = pair.server_sent().remove(0);
    pair.deliver_to_client(&hvr);
    let second = pair.client_sent().remove(0);
    // The server restarts: a new cookie secret.
    pair.server = Server::new(
        Arc::new(server_config(true)),
        Box::new(DeterministicRandom::from_u64(99)),
    )
    .unwrap();
    pair.deliver_to_server(&second);
    let hvr2 = pair.server_sent().remove(0);
    assert!(find_message(&hvr2, HT::HELLO_VERIFY_REQUEST).is_some());
    pair.deliver_to_client(&hvr2);
    pair.handshake();
}
