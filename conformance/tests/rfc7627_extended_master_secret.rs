//! RFC 7627: the extended master secret, negotiated and derived; checked against the wire and
//! the key log (`Client::keylog`, `Server::keylog`).

mod common;

use std::sync::Arc;

use common::*;
use dtls::codec::Codec;
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoProvider, DeterministicRandom, HashAlgorithm, MAX_HASH_LEN, prf};
use dtls::wire::{
    AlertDescription as AD, CipherSuite, ClientHello, CompressionMethod, Extension, ExtensionType,
    Extensions, HandshakeHeader, HandshakeType as HT, ProtocolVersion, ServerHello,
};
use dtls::{Duration, Instant, Server};

const PSK: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;

fn has_ems(ext: &Option<Extensions>) -> bool {
    ext.as_ref()
        .is_some_and(|e| e.contains(ExtensionType::EXTENDED_MASTER_SECRET))
}

// catalogue: RFC7627-5.2-1
#[test]
fn client_offers_the_extension_even_when_it_does_not_require_it() {
    for require in [true, false] {
        let mut c = client_config(PSK);
        c.common.require_extended_master_secret = require;
        let mut p = Pair::new(c, server_config(true), 17);
        let d = p.client_sent().remove(0);
        let ch = ClientHello::parse(&find_message(&d, HT::CLIENT_HELLO).unwrap()).unwrap();
        assert!(has_ems(&ch.extensions));
    }
}

fn answer(require: bool, with_ems: bool) -> (Server<u32>, Vec<Vec<u8>>) {
    let mut c = server_config(false);
    c.common.require_extended_master_secret = require;
    let mut s = Server::new(Arc::new(c), Box::new(DeterministicRandom::from_u64(18))).unwrap();
    let ext = if with_ems {
        vec![Extension::empty(ExtensionType::EXTENDED_MASTER_SECRET)]
    } else {
        vec![]
    };
    let hello = ClientHello {
        client_version: ProtocolVersion::DTLS1_2,
        random: [5; 32],
        session_id: vec![],
        cookie: vec![],
        cipher_suites: vec![PSK],
        compression_methods: vec![CompressionMethod::NULL],
        extensions: Some(Extensions(ext)),
    };
    s.handle_datagram(
        Instant::ZERO,
        1,
        &handshake_datagram(HT::CLIENT_HELLO, 0, 0, &encode(&hello)),
    );
    let mut out = vec![];
    let mut buf = vec![0u8; 4000];
    while let Some((_, n)) = s.poll_transmit(&mut buf).unwrap() {
        out.push(buf[..n].to_vec());
    }
    (s, out)
}

fn server_hello(out: &[Vec<u8>]) -> Option<ServerHello> {
    out.iter()
        .find_map(|d| find_message(d, HT::SERVER_HELLO))
        .map(|b| ServerHello::parse(&b).unwrap())
}

// catalogue: RFC7627-5.2-2
#[test]
fn server_echoes_the_extension() {
    for require in [true, false] {
        assert!(has_ems(
            &server_hello(&answer(require, true).1).unwrap().extensions
        ));
    }
}

// catalogue: RFC7627-5.2-4
#[test]
fn server_does_not_send_the_extension_to_a_client_that_did_not_offer_it() {
    assert!(!has_ems(
        &server_hello(&answer(false, false).1).unwrap().extensions
    ));
}

// catalogue: RFC7627-5.2-3, RFC7627-4-1
#[test]
fn server_refuses_a_client_without_the_extension_by_default() {
    let (mut s, out) = answer(true, false);
    assert!(server_hello(&out).is_none());
    let events: Vec<_> = std::iter::from_fn(|| s.poll_event()).map(|(_, e)| e).collect();
    assert_eq!(sent_alert(&events), Some(AD::HANDSHAKE_FAILURE), "{events:?}");
}

fn strip_ems_from_server_hello(d: &mut Vec<u8>) -> bool {
    rewrite_message(d, HT::SERVER_HELLO, &mut |b| {
        let mut sh = ServerHello::parse(b).unwrap();
        if let Some(ext) = &mut sh.extensions {
            ext.0.retain(|e| e.typ != ExtensionType::EXTENDED_MASTER_SECRET);
        }
        sh.to_vec().unwrap()
    })
}

// catalogue: RFC7627-5.2-5, RFC7627-4-1
#[test]
fn client_refuses_a_server_without_the_extension_by_default() {
    let mut p = Pair::new(client_config(PSK), server_config(false), 19);
    p.run(Duration::from_secs(5), &mut |from_client, d| {
        if !from_client {
            strip_ems_from_server_hello(d);
        }
        true
    });
    assert!(!p.client.is_connected());
    assert_eq!(sent_alert(&p.client_events), Some(AD::HANDSHAKE_FAILURE));
}

/// SHA-256 over the handshake messages of `wire` up to and including the ClientKeyExchange,
/// each in its unfragmented form, leaving out the cookie exchange (RFC 6347 4.2.6).
fn session_hash(wire: &[(bool, Vec<u8>)]) -> Vec<u8> {
    let mut seen = std::collections::BTreeSet::new();
    let mut h = RustCrypto.hash(HashAlgorithm::Sha256).unwrap();
    'outer: for (from_client, d) in wire {
        for (seq, ty, body) in cleartext_messages(d) {
            if ty == HT::HELLO_VERIFY_REQUEST || (ty == HT::CLIENT_HELLO && seq == 0 && wire.len() > 4) {
                continue;
            }
            if !seen.insert((*from_client, seq)) {
                continue;
            }
            let header = HandshakeHeader::unfragmented(ty, seq, body.len() as u32);
            h.update(&header.to_vec().unwrap());
            h.update(&body);
            if ty == HT::CLIENT_KEY_EXCHANGE {
                break 'outer;
            }
        }
    }
    let mut out = [0u8; MAX_HASH_LEN];
    let n = h.peek(&mut out);
    out[..n].to_vec()
}

fn randoms(wire: &[(bool, Vec<u8>)]) -> ([u8; 32], [u8; 32]) {
    let ch = wire
        .iter()
        .find_map(|(_, d)| find_message(d, HT::CLIENT_HELLO))
        .unwrap();
    let sh = wire
        .iter()
        .find_map(|(_, d)| find_message(d, HT::SERVER_HELLO))
        .unwrap();
    (
        ClientHello::parse(&ch).unwrap().random,
        ServerHello::parse(&sh).unwrap().random,
    )
}

// catalogue: RFC7627-5.1-1, RFC6347-4.2.6-1, RFC6347-4.2.6-2
#[test]
fn master_secret_is_derived_from_the_session_hash() {
    for cookies in [false, true] {
        let mut p = Pair::new(client_config(PSK), server_config(cookies), 20);
        p.handshake();
        let premaster = prf::psk_premaster_secret(&PSK_KEY).unwrap();
        let expected = prf::extended_master_secret(
            &RustCrypto,
            HashAlgorithm::Sha256,
            &premaster,
            &session_hash(&p.wire),
        )
        .unwrap();
        let (client_random, client_ms) = p.client.keylog().unwrap();
        assert_eq!(client_random, randoms(&p.wire).0);
        assert_eq!(
            client_ms.to_vec(),
            expected.to_vec(),
            "client master secret (cookies: {cookies})"
        );
        assert_eq!(
            p.server.keylog(&CLIENT_ADDR).unwrap().1.to_vec(),
            expected.to_vec()
        );
    }
}

// catalogue: RFC7627-5.2-6
#[test]
fn without_the_extension_the_standard_master_secret_is_used() {
    // The client accepts a server without the extension; a man in the middle strips it from
    // the ServerHello, so the client alone falls back (the handshake then fails at Finished,
    // which is the point of the extension), and its key log shows the standard derivation.
    let mut c = client_config(PSK);
    c.common.require_extended_master_secret = false;
    let mut p = Pair::new(c, server_config(false), 23);
    for d in p.client_sent() {
        p.deliver_to_server(&d);
    }
    for mut d in p.server_sent() {
        strip_ems_from_server_hello(&mut d);
        p.wire.push((false, d.clone()));
        p.deliver_to_client(&d);
    }
    let (cr, sr) = randoms(&p.wire);
    let premaster = prf::psk_premaster_secret(&PSK_KEY).unwrap();
    let standard = prf::master_secret(&RustCrypto, HashAlgorithm::Sha256, &premaster, &cr, &sr).unwrap();
    assert_eq!(p.client.keylog().unwrap().1.to_vec(), standard.to_vec());
}
