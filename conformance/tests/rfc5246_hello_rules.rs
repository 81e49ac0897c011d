//! RFC 5246 7.4.1: hello rules that DTLS 1.2 keeps: cipher suite lists, extensions in both
//! hellos, and which suites may never be used.

mod common;

use std::sync::Arc;

use common::*;
use dtls::codec::Codec;
use dtls::crypto::DeterministicRandom;
use dtls::wire::{
    AlertDescription as AD, CipherSuite, ClientHello, CompressionMethod, Extension, ExtensionType,
    Extensions, HandshakeType as HT, ProtocolVersion, ServerHello,
};
use dtls::{Client, Duration, Instant, Server};

const PSK: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;
const ECDHE: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;

fn server(require_ems: bool) -> Server<u32> {
    let mut c = server_config(false);
    c.common.require_extended_master_secret = require_ems;
    Server::new(Arc::new(c), Box::new(DeterministicRandom::from_u64(12))).unwrap()
}

fn answer(s: &mut Server<u32>, hello: &ClientHello) -> Vec<Vec<u8>> {
    s.handle_datagram(
        Instant::ZERO,
        1,
        &handshake_datagram(HT::CLIENT_HELLO, 0, 0, &encode(hello)),
    );
    let mut out = vec![];
    let mut buf = vec![0u8; 4000];
    while let Some((_, n)) = s.poll_transmit(&mut buf).unwrap() {
        out.push(buf[..n].to_vec());
    }
    out
}

fn hello(suites: Vec<CipherSuite>, extensions: Option<Vec<Extension>>) -> ClientHello {
    ClientHello {
        client_version: ProtocolVersion::DTLS1_2,
        random: [3; 32],
        session_id: vec![],
        cookie: vec![],
        cipher_suites: suites,
        compression_methods: vec![CompressionMethod::NULL],
        extensions: extensions.map(Extensions),
    }
}

fn ems() -> Extension {
    Extension::empty(ExtensionType::EXTENDED_MASTER_SECRET)
}

fn server_hello(out: &[Vec<u8>]) -> Option<ServerHello> {
    out.iter()
        .find_map(|d| find_message(d, HT::SERVER_HELLO))
        .map(|b| ServerHello::parse(&b).unwrap())
}

// catalogue: RFC5246-7.4.1.2-1
#[test]
fn server_ignores_cipher_suites_it_does_not_know_or_use() {
    let suites = vec![
        CipherSuite::from(0x1301u16), // a TLS 1.3 suite
        CipherSuite::from(0xFFFFu16),
        CipherSuite::from(0x0005u16), // TLS_RSA_WITH_RC4_128_SHA
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        PSK,
    ];
    let sh = server_hello(&answer(&mut server(true), &hello(suites, Some(vec![ems()])))).unwrap();
    assert_eq!(sh.cipher_suite, PSK);
}

// catalogue: RFC6347-4.1.2.2-1, RFC5246-A.5-1
#[test]
fn rc4_and_null_suites_can_neither_be_configured_nor_negotiated() {
    for bad in [
        CipherSuite::from(0x0005u16),
        CipherSuite::from(0x0004u16),
        CipherSuite::TLS_NULL_WITH_NULL_NULL,
    ] {
        let mut c = client_config(PSK);
        c.common.cipher_suites = vec![bad];
        assert!(
            Client::new(
                Arc::new(c),
                Box::new(DeterministicRandom::from_u64(1)),
                Instant::ZERO
            )
            .is_err(),
            "{bad} accepted in a client configuration"
        );
        let mut s = server_config(false);
        s.common.cipher_suites = vec![bad];
        assert!(Server::<u32>::new(Arc::new(s), Box::new(DeterministicRandom::from_u64(1))).is_err());
        // Offered alone by a client, it finds no common suite.
        let out = answer(&mut server(true), &hello(vec![bad], Some(vec![ems()])));
        assert!(server_hello(&out).is_none());
    }
}

// catalogue: RFC5246-7.4.1.2-3
#[test]
fn client_hello_without_an_extensions_field_is_accepted() {
    let sh = server_hello(&answer(&mut server(false), &hello(vec![PSK], None))).unwrap();
    assert_eq!(sh.cipher_suite, PSK);
    // Nothing was asked for, so nothing is answered (RFC 5246 7.4.1.4).
    assert!(sh.extensions.is_none_or(|e| e.0.is_empty()));
}

// catalogue: RFC5246-7.4.1.4-3
#[test]
fn client_hello_with_a_duplicated_extension_is_refused() {
    let mut s = server(true);
    let out = answer(&mut s, &hello(vec![PSK], Some(vec![ems(), ems()])));
    assert!(
        server_hello(&out).is_none(),
        "a ServerHello answered duplicated extensions"
    );
}

fn client_run_with_server_hello(suite: CipherSuite, edit: impl Fn(&mut ServerHello)) -> Pair {
    let mut p = Pair::new(client_config(suite), server_config(false), 13);
    p.run(Duration::from_secs(5), &mut |from_client, d| {
        if !from_client {
            rewrite_message(d, HT::SERVER_HELLO, &mut |b| {
                let mut sh = ServerHello::parse(b).unwrap();
                edit(&mut sh);
                sh.to_vec().unwrap()
            });
        }
        true
    });
    p
}

// catalogue: RFC5246-7.4.1.4-1, RFC5246-7.4.1.4-2
#[test]
fn client_refuses_an_unrequested_server_hello_extension_with_unsupported_extension() {
    for suite in [PSK, ECDHE] {
        // The client sent no server_name, and no record_size_limit.
        for typ in [
            ExtensionType::SERVER_NAME,
            ExtensionType::from(28u16),
            ExtensionType::from(0x7777u16),
        ] {
            let p = client_run_with_server_hello(suite, |sh| {
                sh.extensions
                    .get_or_insert_with(Extensions::new)
                    .0
                    .push(Extension::empty(typ))
            });
            assert!(!p.client.is_connected());
            assert_eq!(
                sent_alert(&p.client_events),
                Some(AD::UNSUPPORTED_EXTENSION),
                "{typ}"
            );
        }
    }
}

// catalogue: RFC5246-7.4.1.4-3
#[test]
fn client_refuses_a_server_hello_with_a_duplicated_extension() {
    let p = client_run_with_server_hello(PSK, |sh| {
        sh.extensions.get_or_insert_with(Extensions::new).0.push(ems())
    });
    assert!(!p.client.is_connected());
    assert!(sent_alert(&p.client_events).is_some(), "{:?}", p.client_events);
}

// catalogue: RFC5246-E.1-1
#[test]
fn client_refuses_a_server_hello_for_another_version() {
    for v in [ProtocolVersion::DTLS1_0, ProtocolVersion::from(0x0303u16)] {
        let p = client_run_with_server_hello(PSK, |sh| sh.server_version = v);
        assert!(!p.client.is_connected());
        assert_eq!(sent_alert(&p.client_events), Some(AD::PROTOCOL_VERSION));
    }
}

// catalogue: RFC5246-E.1-3
#[test]
fn server_refuses_a_client_that_offers_only_dtls_1_0() {
    let mut h = hello(vec![PSK], Some(vec![ems()]));
    h.client_version = ProtocolVersion::DTLS1_0;
    let mut s = server(true);
    let out = answer(&mut s, &h);
    assert!(server_hello(&out).is_none());
    assert_eq!(s.session_count(), 0);
}

// catalogue: RFC5246-E.1-2, RFC5746-3.6-6
#[test]
fn server_answers_a_newer_client_version_with_dtls_1_2() {
    let mut h = hello(vec![PSK], Some(vec![ems()]));
    h.client_version = ProtocolVersion::from(0xFEFCu16); // DTLS 1.3
    let sh = server_hello(&answer(&mut server(true), &h)).unwrap();
    assert_eq!(sh.server_version, ProtocolVersion::DTLS1_2);
}

/// RFC 5246 7.4.1.4.1: a client that sends no signature_algorithms is assumed to accept
/// {sha1, ecdsa} only; a server on an ECDHE_ECDSA suite must then sign with SHA-1 (or refuse
/// the suite). Ours signs with SHA-256 regardless.
// catalogue: RFC5246-7.4.1.4.1-1
#[test]
fn ecdhe_server_without_client_signature_algorithms_signs_with_sha1_or_refuses() {
    let supported_groups = Extension::new(ExtensionType::from(10u16), vec![0, 2, 0, 23]);
    let point_formats = Extension::new(ExtensionType::from(11u16), vec![1, 0]);
    let out = answer(
        &mut server(true),
        &hello(vec![ECDHE], Some(vec![ems(), supported_groups, point_formats])),
    );
    let Some(ske) = out.iter().find_map(|d| find_message(d, HT::SERVER_KEY_EXCHANGE)) else {
        return; // refused: allowed
    };
    // ServerECDHParams: curve_type(1) named_curve(2) point<1..255>, then the signature's
    // SignatureAndHashAlgorithm.
    let point_len = ske[3] as usize;
    let scheme = &ske[4 + point_len..6 + point_len];
    assert_eq!(scheme, [2, 3], "expected {{sha1, ecdsa}}, got {scheme:?}");
}

// catalogue: RFC5246-7.4.1.2-2
#[test]
fn client_hello_without_null_compression_is_refused() {
    let mut h = hello(vec![PSK], Some(vec![ems()]));
    h.compression_methods = vec![CompressionMethod::from(1u8)];
    assert!(server_hello(&answer(&mut server(true), &h)).is_none());
}

// catalogue: RFC5246-7.4.1.4-1, RFC5246-7.4.1.4.1-2, RFC5746-3.6-5, RFC5246-7.4.1.3-1
#[test]
fn server_hello_answers_only_extensions_the_client_sent() {
    let offered = vec![
        ems(),
        Extension::new(ExtensionType::from(10u16), vec![0, 2, 0, 23]), // supported_groups
        Extension::new(ExtensionType::from(11u16), vec![1, 0]),        // ec_point_formats
        Extension::new(ExtensionType::SIGNATURE_ALGORITHMS, vec![0, 2, 4, 3]),
        Extension::new(ExtensionType::from(0x7777u16), vec![1, 2, 3]), // unknown: ignored
    ];
    let h = hello(
        vec![ECDHE, CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV],
        Some(offered.clone()),
    );
    let sh = server_hello(&answer(&mut server(true), &h)).unwrap();
    assert_eq!(sh.cipher_suite, ECDHE);
    assert_ne!(sh.random, h.random, "the server random is its own");
    for e in sh.extensions.unwrap().iter() {
        assert!(
            e.typ == ExtensionType::RENEGOTIATION_INFO || offered.iter().any(|o| o.typ == e.typ),
            "unsolicited {}",
            e.typ
        );
        assert_ne!(
            e.typ,
            ExtensionType::SIGNATURE_ALGORITHMS,
            "servers never send signature_algorithms"
        );
        assert_ne!(e.typ, ExtensionType::from(0x7777u16));
    }
}

// catalogue: RFC5246-7.4.3-1, RFC8422-4-2
#[test]
fn ecdhe_is_not_chosen_when_the_client_cannot_take_our_curve_or_signature() {
    let groups = |g: u16| {
        Extension::new(
            ExtensionType::from(10u16),
            [vec![0, 2], g.to_be_bytes().to_vec()].concat(),
        )
    };
    let sigs = |s: [u8; 2]| Extension::new(ExtensionType::SIGNATURE_ALGORITHMS, vec![0, 2, s[0], s[1]]);
    for ext in [
        vec![ems(), groups(24), sigs([4, 3])], // secp384r1 only
        vec![ems(), groups(23), sigs([4, 1])], // rsa_pkcs1_sha256 only
    ] {
        let out = answer(&mut server(true), &hello(vec![ECDHE], Some(ext)));
        assert!(server_hello(&out).is_none());
    }
    // With a PSK suite also offered, the server falls back to it.
    let out = answer(
        &mut server(true),
        &hello(vec![ECDHE, PSK], Some(vec![ems(), groups(24)])),
    );
    assert_eq!(server_hello(&out).unwrap().cipher_suite, PSK);
}

// catalogue: RFC5246-7.4-1
#[test]
fn handshake_message_out_of_order_is_fatal() {
    // Server: a Finished where the ClientKeyExchange belongs (cleartext, next message_seq).
    let mut s = server(true);
    answer(&mut s, &hello(vec![PSK], Some(vec![ems()])));
    s.handle_datagram(
        Instant::ZERO,
        1,
        &handshake_datagram(HT::FINISHED, 1, 1, &[0; 12]),
    );
    let events: Vec<_> = std::iter::from_fn(|| s.poll_event()).map(|(_, e)| e).collect();
    assert_eq!(sent_alert(&events), Some(AD::UNEXPECTED_MESSAGE), "{events:?}");
    // Client: a ServerHelloDone where the ServerHello belongs.
    let mut c = Client::new(
        Arc::new(client_config(PSK)),
        Box::new(DeterministicRandom::from_u64(2)),
        Instant::ZERO,
    )
    .unwrap();
    c.handle_datagram(
        Instant::ZERO,
        &handshake_datagram(HT::SERVER_HELLO_DONE, 0, 0, &[]),
    );
    let events: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
    assert_eq!(sent_alert(&events), Some(AD::UNEXPECTED_MESSAGE), "{events:?}");
}
