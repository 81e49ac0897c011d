//! Certificate handshakes end to end: every certificate suite with X.509 chains from the test
//! PKI (RSA and P-256 identities on one server, picked per suite), with and without client
//! authentication, at an MTU of 300 so chains fragment; RSA key transport failures; chain
//! bounds from `Limits`; and the server's identity choice.

mod common;
mod pki_support;

use std::sync::Arc;

use common::{CLIENT_ADDR, Pair, handshake_headers};
use dtls::config::ClientAuth;
use dtls::wire::{AlertDescription, CipherSuite, HandshakeType, KeyExchangeKind};
use dtls::{CloseReason, Duration, Error, Event, PeerIdentity};
use pki_support::*;

/// Every suite that authenticates the server with a certificate.
const CERTIFICATE_SUITES: &[CipherSuite] = &[
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
];

fn is_rsa_suite(suite: CipherSuite) -> bool {
    suite.iana_name().unwrap().contains("_RSA_WITH_")
}

fn server_chain_for(suite: CipherSuite) -> Vec<Vec<u8>> {
    if is_rsa_suite(suite) {
        certs("rsa-server.chain.pem")
    } else {
        certs("ec-server.chain.pem")
    }
}

fn closed_with(events: &[Event]) -> Option<&CloseReason> {
    events.iter().find_map(|e| match e {
        Event::Closed(r) => Some(r),
        _ => None,
    })
}

/// Runs a handshake of `suite` at `mtu` with the client holding `client` (and the server
/// requiring a certificate when it does), exchanges data both ways and checks who each side
/// says the other is.
fn handshake(
    suite: CipherSuite,
    mtu: usize,
    client: Option<(&str, dtls::pki::Identities)>,
    seed: u64,
) -> Pair {
    let auth = if client.is_some() {
        ClientAuth::Require
    } else {
        ClientAuth::None
    };
    let client_chain = client.as_ref().map(|(pem, _)| certs(pem));
    let mut pair = Pair::new(
        pki_client(suite, mtu, client.map(|(_, ids)| ids)),
        pki_server(mtu, auth),
        seed,
    );
    pair.handshake();
    let name = suite.iana_name().unwrap();
    match &pair.client_events[0] {
        Event::Connected { suite: s, peer, .. } => {
            assert_eq!(*s, suite, "{name}");
            assert_eq!(
                *peer,
                PeerIdentity::Certificate {
                    chain: server_chain_for(suite)
                },
                "{name}"
            );
        }
        e => panic!("{name}: {e:?}"),
    }
    match &pair.server_events[0] {
        Event::Connected { peer, .. } => {
            let expected = match &client_chain {
                Some(chain) => PeerIdentity::Certificate { chain: chain.clone() },
                None => PeerIdentity::Anonymous,
            };
            assert_eq!(*peer, expected, "{name}");
        }
        e => panic!("{name}: {e:?}"),
    }
    for (from_client, d) in &pair.wire {
        assert!(
            d.len() <= mtu,
            "{name}: {} bytes over MTU {mtu} ({from_client})",
            d.len()
        );
    }
    pair.client.send(b"ping").unwrap();
    pair.step(&mut |_, _, _| false);
    assert_eq!(
        pair.server_events.last(),
        Some(&Event::Data(b"ping".to_vec())),
        "{name}"
    );
    pair.server.send(&CLIENT_ADDR, b"pong").unwrap();
    pair.step(&mut |_, _, _| false);
    assert_eq!(
        pair.client_events.last(),
        Some(&Event::Data(b"pong".to_vec())),
        "{name}"
    );
    assert_eq!(pair.client.keylog(), pair.server.keylog(&CLIENT_ADDR));
    pair
}

/// The handshake messages of `ty` that crossed the wire in more than one fragment.
fn fragmented(pair: &Pair, from_client: bool, ty: HandshakeType) -> bool {
    pair.wire
        .iter()
        .filter(|(c, _)| *c == from_client)
        .flat_map(|(_, d)| handshake_headers(d))
        .any(|h| h.msg_type == ty && h.fragment_length < h.length)
}

#[test]
fn every_certificate_suite_completes_with_chains_fragmented_at_mtu_300() {
    for (i, suite) in CERTIFICATE_SUITES.iter().enumerate() {
        let pair = handshake(*suite, 300, None, 100 + i as u64);
        assert!(
            fragmented(&pair, false, HandshakeType::CERTIFICATE),
            "{:?}: the server's chain did not fragment",
            suite
        );
    }
}

#[test]
fn every_certificate_suite_completes_with_client_certificates_at_mtu_300() {
    for (i, suite) in CERTIFICATE_SUITES.iter().enumerate() {
        // Alternate the client's key kind: the client's certificate is independent of the
        // suite (RFC 5246 7.4.6: any type the CertificateRequest lists).
        let client = if i % 2 == 0 {
            ("ec-client.chain.pem", ec_client())
        } else {
            ("rsa-client.chain.pem", rsa_client())
        };
        let pair = handshake(*suite, 300, Some(client), 200 + i as u64);
        assert!(fragmented(&pair, true, HandshakeType::CERTIFICATE), "{suite:?}");
        let cv_sent = pair
            .wire
            .iter()
            .filter(|(c, _)| *c)
            .flat_map(|(_, d)| handshake_headers(d))
            .any(|h| h.msg_type == HandshakeType::CERTIFICATE_VERIFY);
        assert!(cv_sent, "{suite:?}");
    }
}

#[test]
fn every_certificate_suite_completes_at_the_default_mtu() {
    for (i, suite) in CERTIFICATE_SUITES.iter().enumerate() {
        handshake(*suite, 1200, None, 300 + i as u64);
        handshake(
            *suite,
            1200,
            Some(("ec-client.chain.pem", ec_client())),
            400 + i as u64,
        );
    }
}

#[test]
fn rsa_key_transport_sends_no_server_key_exchange() {
    let pair = handshake(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA, 1200, None, 5);
    let server_types: Vec<_> = pair
        .wire
        .iter()
        .filter(|(c, _)| !*c)
        .flat_map(|(_, d)| handshake_headers(d))
        .map(|h| h.msg_type)
        .collect();
    assert!(server_types.contains(&HandshakeType::CERTIFICATE));
    assert!(!server_types.contains(&HandshakeType::SERVER_KEY_EXCHANGE));
    assert_eq!(
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA.key_exchange(),
        Some(KeyExchangeKind::Rsa)
    );
}

#[test]
fn the_server_picks_its_identity_by_the_suite_the_client_offers() {
    // One server, RSA and EC identities; each client gets the chain its suite needs.
    for suite in [
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ] {
        let pair = handshake(suite, 1200, None, 7);
        let Event::Connected { peer, .. } = &pair.client_events[0] else {
            panic!()
        };
        assert_eq!(
            *peer,
            PeerIdentity::Certificate {
                chain: server_chain_for(suite)
            }
        );
    }
}

#[test]
fn the_server_prefers_its_own_order_among_the_suites_both_can_use() {
    // The default order puts forward-secret AEAD first and RSA key transport last.
    let mut client = pki_client(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA, 1200, None);
    client.common.cipher_suites = vec![
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];
    let mut pair = Pair::new(client, pki_server(1200, ClientAuth::None), 8);
    pair.handshake();
    assert!(matches!(
        pair.client_events[0],
        Event::Connected {
            suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            ..
        }
    ));
}

#[test]
fn a_server_without_an_rsa_identity_does_not_negotiate_rsa_suites() {
    let mut server = pki_server(1200, ClientAuth::None);
    let mut ids = dtls::pki::Identities::new();
    ids.add(identity("ec-server.chain.pem", "ec-server.key.pem"));
    server.identities = Some(Arc::new(ids));
    let mut pair = Pair::new(
        pki_client(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA, 1200, None),
        server,
        9,
    );
    pair.drive(&mut |_, _, _| false, Duration::from_secs(5));
    assert!(!pair.client.is_connected());
    assert_eq!(
        closed_with(&pair.client_events),
        Some(&CloseReason::Error(Error::PeerAlert(
            AlertDescription::HANDSHAKE_FAILURE
        )))
    );
}

#[test]
fn a_sign_only_rsa_certificate_is_not_used_for_key_transport() {
    // keyUsage digitalSignature only: fine for ECDHE_RSA, not for RSA key transport
    // (RFC 5246 7.4.2: keyEncipherment).
    let mut server = pki_server(1200, ClientAuth::None);
    let mut ids = dtls::pki::Identities::new();
    let mut pem = file("rsa-server-signonly.crt.pem");
    pem.extend_from_slice(&file("rsa-int.crt.pem"));
    ids.add(
        dtls::pki::Identity::load(provider().as_ref(), &pem, &file("rsa-server-signonly.key.pem")).unwrap(),
    );
    server.identities = Some(Arc::new(ids));
    let mut rsa_kx = Pair::new(
        pki_client(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256, 1200, None),
        server.clone(),
        10,
    );
    rsa_kx.drive(&mut |_, _, _| false, Duration::from_secs(5));
    assert!(!rsa_kx.client.is_connected());
    let mut ecdhe = Pair::new(
        pki_client(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 1200, None),
        server,
        10,
    );
    ecdhe.handshake();
}

/// Runs an RSA key transport handshake with the client's ClientKeyExchange changed by `f`.
fn tampered_premaster(f: fn(&mut Vec<u8>)) -> Pair {
    let mut pair = Pair::new(
        pki_client(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA, 1200, None),
        pki_server(1200, ClientAuth::None),
        11,
    );
    let mut buf = vec![0u8; 2000];
    let end = dtls::Instant::from_millis(10_000);
    while pair.now < end && !pair.client.is_closed() {
        while let Some(n) = pair.client.poll_transmit(&mut buf).unwrap() {
            let mut d = buf[..n].to_vec();
            rewrite_message(&mut d, HandshakeType::CLIENT_KEY_EXCHANGE, f);
            pair.wire.push((true, d.clone()));
            pair.server.handle_datagram(pair.now, CLIENT_ADDR, &d);
        }
        while let Some((_, n)) = pair.server.poll_transmit(&mut buf).unwrap() {
            pair.wire.push((false, buf[..n].to_vec()));
            pair.client.handle_datagram(pair.now, &buf[..n]);
        }
        // The server ends the handshake once the client's re-sent Finished fails to
        // authenticate too (`Limits::key_mismatch_after`): let the timers run.
        let next = [pair.client.poll_timeout(), pair.server.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let Some(next) = next else { break };
        pair.now = pair.now.max(next);
        pair.client.handle_timeout(pair.now);
        pair.server.handle_timeout(pair.now);
    }
    while let Some(e) = pair.client.poll_event() {
        pair.client_events.push(e);
    }
    while let Some((_, e)) = pair.server.poll_event() {
        pair.server_events.push(e);
    }
    pair
}

/// Replaces the body of the epoch-0 handshake message of type `ty` in `d` (a whole message in
/// one record) by `f(body)`, fixing the record and handshake lengths.
fn rewrite_message(d: &mut Vec<u8>, ty: HandshakeType, f: fn(&mut Vec<u8>)) {
    let mut out = Vec::new();
    for r in dtls::wire::split_datagram(d) {
        let r = r.unwrap();
        let mut fragment = r.fragment.to_vec();
        if r.header.epoch == 0 && r.header.content_type == dtls::wire::ContentType::HANDSHAKE {
            let h = dtls::wire::HandshakeFragment::parse(r.fragment).unwrap();
            if h.header.msg_type == ty {
                assert!(h.header.is_complete());
                let mut body = h.body.to_vec();
                f(&mut body);
                fragment.clear();
                dtls::wire::HandshakeFragment::whole(ty, h.header.message_seq, &body)
                    .emit(&mut fragment)
                    .unwrap();
            }
        }
        let mut header = r.header;
        header.length = fragment.len() as u16;
        out.extend_from_slice(&header.to_array().unwrap());
        out.extend_from_slice(&fragment);
    }
    *d = out;
}

#[test]
fn a_bad_rsa_premaster_fails_at_finished_like_a_wrong_key() {
    // RFC 5246 7.4.7.1: a ciphertext that does not decrypt, one with bad padding and one that
    // is not even the modulus length all continue with a random premaster, so each fails the
    // same way, at the same point: the client's Finished does not authenticate.
    let flip: fn(&mut Vec<u8>) = |b| b[40] ^= 0x01;
    let garbage: fn(&mut Vec<u8>) = |b| {
        for x in b[2..].iter_mut() {
            *x = 0x42;
        }
    };
    let short: fn(&mut Vec<u8>) = |b| {
        b.truncate(2 + 128);
        b[0..2].copy_from_slice(&128u16.to_be_bytes());
    };
    let outcomes: Vec<Pair> = [flip, garbage, short]
        .into_iter()
        .map(tampered_premaster)
        .collect();
    for p in &outcomes {
        assert!(!p.client.is_connected());
        assert!(
            matches!(
                closed_with(&p.server_events),
                Some(CloseReason::Error(Error::Protocol {
                    alert: AlertDescription::BAD_RECORD_MAC,
                    ..
                }))
            ),
            "{:?}",
            p.server_events
        );
    }
    let shape = |p: &Pair| p.wire.iter().map(|(c, d)| (*c, d.len())).collect::<Vec<_>>();
    // Same directions and sizes, except the shortened ClientKeyExchange itself.
    assert_eq!(shape(&outcomes[0]), shape(&outcomes[1]));
    assert_eq!(
        outcomes[0].wire.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        outcomes[2].wire.iter().map(|(c, _)| *c).collect::<Vec<_>>()
    );
}

#[test]
fn an_untrusted_server_chain_is_unknown_ca() {
    let mut client = pki_client(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 1200, None);
    client.verifier = Some(Arc::new(dtls::pki::WebPkiVerifier::new(
        provider(),
        store(&["other-root"]),
        dtls::pki::ValidityCheck::at(dtls::pki::FixedTime(JAN_2030)),
    )));
    let mut pair = Pair::new(client, pki_server(1200, ClientAuth::None), 12);
    pair.drive(&mut |_, _, _| false, Duration::from_secs(5));
    assert!(!pair.client.is_connected());
    assert_eq!(
        closed_with(&pair.server_events),
        Some(&CloseReason::Error(Error::PeerAlert(
            AlertDescription::UNKNOWN_CA
        )))
    );
}

#[test]
fn a_server_name_the_leaf_does_not_cover_is_bad_certificate() {
    let mut client = pki_client(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 1200, None);
    client.server_name = Some("elsewhere.dtls.test".into());
    let mut pair = Pair::new(client, pki_server(1200, ClientAuth::None), 13);
    pair.drive(&mut |_, _, _| false, Duration::from_secs(5));
    assert_eq!(
        closed_with(&pair.server_events),
        Some(&CloseReason::Error(Error::PeerAlert(
            AlertDescription::BAD_CERTIFICATE
        )))
    );
}

#[test]
fn the_chain_bound_in_limits_applies_before_the_verifier() {
    // The server's chain is two certificates; a client that allows one refuses it without
    // asking the verifier (which would have accepted it).
    let mut client = pki_client(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 1200, None);
    client.common.limits.chain.max_chain_len = 1;
    let mut pair = Pair::new(client, pki_server(1200, ClientAuth::None), 14);
    pair.drive(&mut |_, _, _| false, Duration::from_secs(5));
    match closed_with(&pair.client_events) {
        Some(CloseReason::Error(Error::Certificate(e))) => {
            assert_eq!(e.kind, dtls::error::CertificateErrorKind::TooLarge);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        closed_with(&pair.server_events),
        Some(&CloseReason::Error(Error::PeerAlert(
            AlertDescription::BAD_CERTIFICATE
        )))
    );
    // The same bound on the server side, for client chains.
    let mut server = pki_server(1200, ClientAuth::Require);
    server.common.limits.chain.max_chain_bytes = 100;
    let mut pair = Pair::new(
        pki_client(
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            1200,
            Some(ec_client()),
        ),
        server,
        15,
    );
    pair.drive(&mut |_, _, _| false, Duration::from_secs(5));
    assert_eq!(
        closed_with(&pair.client_events),
        Some(&CloseReason::Error(Error::PeerAlert(
            AlertDescription::BAD_CERTIFICATE
        )))
    );
}

#[test]
fn the_single_certificate_field_still_serves_alongside_identities() {
    // `ServerConfig::certificate` (the pinned self-signed P-256 leaf of the older tests) is
    // one more identity after `identities`.
    let mut server = common::server_config(true, 1200);
    server.identities = Some(Arc::new({
        let mut ids = dtls::pki::Identities::new();
        ids.add(identity("rsa-server.chain.pem", "rsa-server.key.pem"));
        ids
    }));
    let mut ecdsa = Pair::new(
        common::client_config(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 1200),
        server.clone(),
        16,
    );
    ecdsa.handshake();
    let mut rsa = Pair::new(
        pki_client(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 1200, None),
        server,
        16,
    );
    rsa.handshake();
}

#[test]
fn client_hello_offers_every_signature_scheme_we_verify() {
    use dtls::codec::Codec;
    let mut client = dtls::Client::new(
        Arc::new(pki_client(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA, 1200, None)),
        Box::new(common::TestRng(1)),
        dtls::Instant::ZERO,
    )
    .unwrap();
    let d = common::client_out(&mut client).remove(0);
    let (_, fragment) = &common::records_of(&d)[0];
    let f = dtls::wire::HandshakeFragment::parse(fragment).unwrap();
    let hello = dtls::wire::ClientHello::parse(f.body).unwrap();
    let ext = hello.extensions.unwrap();
    let sigs = ext.find::<dtls::wire::SignatureAlgorithms>().unwrap().unwrap();
    assert_eq!(sigs.schemes, dtls::pki::SUPPORTED_WIRE_SCHEMES);
    // No ECDHE suite offered: no supported_groups.
    assert!(ext.find::<dtls::wire::SupportedGroups>().is_none());
}
