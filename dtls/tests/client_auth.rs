//! Client certificate authentication (RFC 5246 7.4.4, 7.4.6, 7.4.8): what honest peers do
//! with none / request / require, and one test per state-machine bug pattern of TESTING.md
//! section 2 about certificates, each failing with its alert. The server-side patterns are
//! played by a scripted client (`scripted/`), the client-side ones by rewriting the server's
//! first flight.

mod common;
mod pki_support;
mod scripted;

use std::sync::Arc;

use common::{CLIENT_ADDR, Pair};
use dtls::codec::Codec;
use dtls::config::ClientAuth;
use dtls::crypto::SignatureScheme;
use dtls::wire::{
    AlertDescription, CipherSuite, ContentType, HandshakeFragment, HandshakeType, RecordHeader,
};
use dtls::{CloseReason, Duration, Error, Event, Instant, PeerIdentity, Server};
use pki_support::*;
use scripted::{ScriptedClient, Step, untouched};

const SUITE: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;

fn closed_with(events: &[Event]) -> Option<&CloseReason> {
    events.iter().find_map(|e| match e {
        Event::Closed(r) => Some(r),
        _ => None,
    })
}

fn server_peer(pair: &Pair) -> &PeerIdentity {
    pair.server_events
        .iter()
        .find_map(|e| match e {
            Event::Connected { peer, .. } => Some(peer),
            _ => None,
        })
        .unwrap()
}

// ---- honest peers ----

#[test]
fn a_required_client_chain_is_validated_and_reported_to_the_server() {
    for (pem, ids) in [
        ("ec-client.chain.pem", ec_client()),
        ("rsa-client.chain.pem", rsa_client()),
    ] {
        for auth in [ClientAuth::Request, ClientAuth::Require] {
            let mut pair = Pair::new(
                pki_client(SUITE, 1200, Some(ids.clone())),
                pki_server(1200, auth),
                1,
            );
            pair.handshake();
            assert_eq!(
                *server_peer(&pair),
                PeerIdentity::Certificate { chain: certs(pem) }
            );
        }
    }
}

#[test]
fn a_client_without_a_certificate_answers_with_an_empty_one_and_request_serves_it_anonymously() {
    let mut pair = Pair::new(
        pki_client(SUITE, 1200, None),
        pki_server(1200, ClientAuth::Request),
        2,
    );
    pair.handshake();
    assert_eq!(*server_peer(&pair), PeerIdentity::Anonymous);
    let sent_certificate = pair
        .wire
        .iter()
        .filter(|(c, _)| *c)
        .flat_map(|(_, d)| common::handshake_headers(d))
        .find(|h| h.msg_type == HandshakeType::CERTIFICATE)
        .unwrap();
    // RFC 5246 7.4.6: an empty certificate_list (3 bytes of length) and no CertificateVerify.
    assert_eq!(sent_certificate.length, 3);
    assert!(
        !pair
            .wire
            .iter()
            .flat_map(|(_, d)| common::handshake_headers(d))
            .any(|h| h.msg_type == HandshakeType::CERTIFICATE_VERIFY)
    );
}

#[test]
fn an_empty_certificate_when_one_is_required_is_handshake_failure() {
    let mut pair = Pair::new(
        pki_client(SUITE, 1200, None),
        pki_server(1200, ClientAuth::Require),
        3,
    );
    pair.drive(&mut |_, _, _| false, Duration::from_secs(5));
    assert!(!pair.client.is_connected() && !pair.server_connected());
    match closed_with(&pair.server_events) {
        Some(CloseReason::Error(e)) => assert_eq!(e.alert(), Some(AlertDescription::HANDSHAKE_FAILURE)),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        closed_with(&pair.client_events),
        Some(&CloseReason::Error(Error::PeerAlert(
            AlertDescription::HANDSHAKE_FAILURE
        )))
    );
}

#[test]
fn a_client_chain_from_a_root_the_server_does_not_trust_is_unknown_ca() {
    let mut server = pki_server(1200, ClientAuth::Require);
    server.client_verifier = Some(Arc::new(dtls::pki::WebPkiVerifier::new(
        provider(),
        store(&["ec-root"]),
        dtls::pki::ValidityCheck::at(dtls::pki::FixedTime(JAN_2030)),
    )));
    let mut pair = Pair::new(pki_client(SUITE, 1200, Some(rsa_client())), server, 4);
    pair.drive(&mut |_, _, _| false, Duration::from_secs(5));
    assert!(!pair.server_connected());
    assert_eq!(
        closed_with(&pair.client_events),
        Some(&CloseReason::Error(Error::PeerAlert(
            AlertDescription::UNKNOWN_CA
        )))
    );
}

#[test]
fn the_client_sends_the_identity_whose_ca_the_request_names() {
    // Both identities fit the request's types and algorithms; the CA names decide (RFC 5246
    // 7.4.6 SHOULD), whatever the configuration order.
    let mut ids = ec_client();
    ids.add(identity("rsa-client.chain.pem", "rsa-client.key.pem"));
    let mut server = pki_server(1200, ClientAuth::Require);
    server.client_ca_names = store(&["rsa-root"]).subjects(0xffff);
    let mut pair = Pair::new(pki_client(SUITE, 1200, Some(ids.clone())), server, 5);
    pair.handshake();
    assert_eq!(
        *server_peer(&pair),
        PeerIdentity::Certificate {
            chain: certs("rsa-client.chain.pem")
        }
    );
    // Without names, the first identity.
    let mut pair = Pair::new(
        pki_client(SUITE, 1200, Some(ids)),
        pki_server(1200, ClientAuth::Require),
        5,
    );
    pair.handshake();
    assert_eq!(
        *server_peer(&pair),
        PeerIdentity::Certificate {
            chain: certs("ec-client.chain.pem")
        }
    );
}

/// `d` without its records that carry a handshake message of type `ty` (epoch 0).
fn without_message(d: &[u8], ty: HandshakeType) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut removed = false;
    for r in dtls::wire::split_datagram(d) {
        let r = r.unwrap();
        let is_it = r.header.epoch == 0
            && r.header.content_type == ContentType::HANDSHAKE
            && HandshakeFragment::parse(r.fragment).is_ok_and(|f| f.header.msg_type == ty);
        if is_it {
            removed = true;
            continue;
        }
        out.extend_from_slice(&r.header.to_array().unwrap());
        out.extend_from_slice(r.fragment);
    }
    (out, removed)
}

#[test]
fn a_lost_certificate_verify_is_recovered_even_when_the_change_cipher_spec_arrives() {
    // The CertificateVerify record is lost, its ChangeCipherSpec and Finished arrive: the
    // server installs the keys but still waits for the CertificateVerify, drops the Finished
    // that came ahead of it, and the client's retransmission completes the handshake.
    let mut pair = Pair::new(
        pki_client(SUITE, 1200, Some(ec_client())),
        pki_server(1200, ClientAuth::Require),
        6,
    );
    let mut dropped = false;
    let mut buf = vec![0u8; 4000];
    let end = Instant::from_millis(10_000);
    while pair.now < end && !(pair.client.is_connected() && pair.server_connected()) {
        while let Some(n) = pair.client.poll_transmit(&mut buf).unwrap() {
            let mut d = buf[..n].to_vec();
            if !dropped {
                let (rest, removed) = without_message(&d, HandshakeType::CERTIFICATE_VERIFY);
                if removed {
                    dropped = true;
                    d = rest;
                }
            }
            pair.server.handle_datagram(pair.now, CLIENT_ADDR, &d);
        }
        while let Some((_, n)) = pair.server.poll_transmit(&mut buf).unwrap() {
            pair.client.handle_datagram(pair.now, &buf[..n]);
        }
        while let Some(e) = pair.client.poll_event() {
            pair.client_events.push(e);
        }
        while let Some((_, e)) = pair.server.poll_event() {
            pair.server_events.push(e);
        }
        let next = [pair.client.poll_timeout(), pair.server.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .unwrap();
        pair.now = next;
        pair.client.handle_timeout(pair.now);
        pair.server.handle_timeout(pair.now);
    }
    assert!(dropped);
    assert!(pair.client.is_connected(), "{:?}", pair.client_events);
    assert_eq!(
        *server_peer(&pair),
        PeerIdentity::Certificate {
            chain: certs("ec-client.chain.pem")
        }
    );
    assert!(pair.client.retransmissions() >= 1);
    // The Finished that overtook the missing CertificateVerify was dropped and counted.
    let stats = pair.server.lifecycle_stats(&CLIENT_ADDR).unwrap();
    assert!(stats.protected_messages_ahead >= 1, "{stats:?}");
}

// ---- the scripted client against our server (server-side patterns) ----

fn scripted_server(auth: ClientAuth) -> Server<u32> {
    let mut config = pki_server(4000, auth);
    config.cookies = false;
    Server::new(Arc::new(config), Box::new(common::TestRng(77))).unwrap()
}

fn ec_client_key() -> Box<dyn dtls::crypto::SigningKey> {
    dtls::pki::load_private_key(&file("ec-client.key.pem"))
        .unwrap()
        .signing_key(provider().as_ref())
        .unwrap()
}

fn key_of(name: &str) -> Box<dyn dtls::crypto::SigningKey> {
    dtls::pki::load_private_key(&file(name))
        .unwrap()
        .signing_key(provider().as_ref())
        .unwrap()
}

fn honest_steps(chain: Vec<Vec<u8>>, key: Box<dyn dtls::crypto::SigningKey>) -> Vec<Step> {
    vec![
        Step::Certificate(chain),
        Step::ClientKeyExchange,
        Step::CertificateVerify {
            key,
            scheme: SignatureScheme::EcdsaP256Sha256,
            tamper: untouched,
        },
        Step::ChangeCipherSpec,
        Step::Finished,
    ]
}

fn assert_refused(outcome: &scripted::Outcome, alert: AlertDescription) {
    assert!(!outcome.connected(), "{:?}", outcome.events);
    assert_eq!(outcome.alert_sent(), Some(alert), "{:?}", outcome.events);
    assert_eq!(outcome.error().and_then(Error::alert), Some(alert));
}

#[test]
fn the_scripted_client_completes_an_honest_flight() {
    // The control for every scripted test below: played straight, the script connects.
    let mut server = scripted_server(ClientAuth::Require);
    let mut client = ScriptedClient::new(10);
    let outcome = scripted::run(&mut server, &mut client, |c| {
        assert!(c.certificate_request().is_some());
        honest_steps(certs("ec-client.chain.pem"), ec_client_key())
    });
    assert!(outcome.connected(), "{:?}", outcome.events);
    assert!(outcome.events.iter().any(|e| matches!(
        e,
        Event::Connected { peer: PeerIdentity::Certificate { chain }, .. } if *chain == certs("ec-client.chain.pem")
    )));
}

#[test]
fn a_client_certificate_without_certificate_verify_is_unexpected_message() {
    // Certificate, ClientKeyExchange, ChangeCipherSpec, Finished: the Finished arrives (and
    // is readable) where the CertificateVerify must be.
    let mut server = scripted_server(ClientAuth::Require);
    let outcome = scripted::run(&mut server, &mut ScriptedClient::new(11), |_| {
        vec![
            Step::Certificate(certs("ec-client.chain.pem")),
            Step::ClientKeyExchange,
            Step::ChangeCipherSpec,
            Step::Finished,
        ]
    });
    assert_refused(&outcome, AlertDescription::UNEXPECTED_MESSAGE);
}

#[test]
fn a_certificate_verify_without_a_certificate_is_unexpected_message() {
    // After an empty Certificate (allowed with `Request`) nothing may be verified.
    let mut server = scripted_server(ClientAuth::Request);
    let outcome = scripted::run(&mut server, &mut ScriptedClient::new(12), |_| {
        honest_steps(Vec::new(), ec_client_key())
    });
    assert_refused(&outcome, AlertDescription::UNEXPECTED_MESSAGE);
    // And with no CertificateRequest at all.
    let mut server = scripted_server(ClientAuth::None);
    let outcome = scripted::run(&mut server, &mut ScriptedClient::new(13), |c| {
        assert!(c.certificate_request().is_none());
        let mut steps = honest_steps(Vec::new(), ec_client_key());
        steps.remove(0);
        steps
    });
    assert_refused(&outcome, AlertDescription::UNEXPECTED_MESSAGE);
}

#[test]
fn an_empty_certificate_from_the_scripted_client_when_required_is_handshake_failure() {
    let mut server = scripted_server(ClientAuth::Require);
    let outcome = scripted::run(&mut server, &mut ScriptedClient::new(14), |_| {
        vec![
            Step::Certificate(Vec::new()),
            Step::ClientKeyExchange,
            Step::ChangeCipherSpec,
            Step::Finished,
        ]
    });
    assert_refused(&outcome, AlertDescription::HANDSHAKE_FAILURE);
}

#[test]
fn a_certificate_verify_by_the_wrong_key_is_decrypt_error() {
    // The chain is ec-client's, the signature ec-server's (another P-256 key).
    let mut server = scripted_server(ClientAuth::Require);
    let outcome = scripted::run(&mut server, &mut ScriptedClient::new(15), |_| {
        honest_steps(certs("ec-client.chain.pem"), key_of("ec-server.key.pem"))
    });
    assert_refused(&outcome, AlertDescription::DECRYPT_ERROR);
}

#[test]
fn a_certificate_verify_over_the_wrong_transcript_is_decrypt_error() {
    #[allow(clippy::ptr_arg)] // the shape of `Step::CertificateVerify::tamper`
    fn flip_client_random(t: &mut Vec<u8>) {
        // The ClientHello's random, 12 (header) + 2 (version) bytes in.
        t[20] ^= 0x01;
    }
    fn without_client_key_exchange(t: &mut Vec<u8>) {
        // Signed one message short: the transcript before the ClientKeyExchange (ECDHE
        // P-256: 12-byte header, 1-byte length, 65-byte point).
        t.truncate(t.len() - (12 + 1 + 65));
    }
    for (seed, tamper) in [
        (16, flip_client_random as fn(&mut Vec<u8>)),
        (17, without_client_key_exchange),
    ] {
        let mut server = scripted_server(ClientAuth::Require);
        let outcome = scripted::run(&mut server, &mut ScriptedClient::new(seed), |_| {
            let mut steps = honest_steps(certs("ec-client.chain.pem"), ec_client_key());
            steps[2] = Step::CertificateVerify {
                key: ec_client_key(),
                scheme: SignatureScheme::EcdsaP256Sha256,
                tamper,
            };
            steps
        });
        assert_refused(&outcome, AlertDescription::DECRYPT_ERROR);
    }
}

#[test]
fn a_client_chain_valid_only_for_server_auth_is_unsupported_certificate() {
    // ec-server's chain is fine in every other way, but its extendedKeyUsage is serverAuth.
    let mut server = scripted_server(ClientAuth::Require);
    let outcome = scripted::run(&mut server, &mut ScriptedClient::new(18), |_| {
        honest_steps(certs("ec-server.chain.pem"), key_of("ec-server.key.pem"))
    });
    assert_refused(&outcome, AlertDescription::UNSUPPORTED_CERTIFICATE);
    match outcome.error() {
        Some(Error::Certificate(e)) => assert_eq!(e.kind, dtls::error::CertificateErrorKind::WrongUsage),
        other => panic!("{other:?}"),
    }
}

#[test]
fn multiple_client_certificates_are_unexpected_message() {
    let mut server = scripted_server(ClientAuth::Require);
    let outcome = scripted::run(&mut server, &mut ScriptedClient::new(19), |_| {
        let mut steps = honest_steps(certs("ec-client.chain.pem"), ec_client_key());
        steps.insert(1, Step::Certificate(certs("ec-client.chain.pem")));
        steps
    });
    assert_refused(&outcome, AlertDescription::UNEXPECTED_MESSAGE);
}

#[test]
fn a_client_key_exchange_before_the_requested_certificate_is_unexpected_message() {
    let mut server = scripted_server(ClientAuth::Request);
    let outcome = scripted::run(&mut server, &mut ScriptedClient::new(20), |_| {
        vec![Step::ClientKeyExchange, Step::ChangeCipherSpec, Step::Finished]
    });
    assert_refused(&outcome, AlertDescription::UNEXPECTED_MESSAGE);
    match outcome.error() {
        Some(Error::UnexpectedMessage {
            state,
            expected,
            received,
        }) => {
            assert_eq!(*state, "ExpectClientCertificate");
            assert_eq!(*expected, &[HandshakeType::CERTIFICATE][..]);
            assert_eq!(*received, HandshakeType::CLIENT_KEY_EXCHANGE);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unrequested_client_certificate_is_unexpected_message() {
    let mut server = scripted_server(ClientAuth::None);
    let outcome = scripted::run(&mut server, &mut ScriptedClient::new(21), |c| {
        assert!(c.certificate_request().is_none());
        honest_steps(certs("ec-client.chain.pem"), ec_client_key())
    });
    assert_refused(&outcome, AlertDescription::UNEXPECTED_MESSAGE);
}

// ---- rewriting the server's flight (client-side patterns) ----

/// Runs our client against our server, with the server's first flight (the one with
/// ServerHello) replaced by its messages after `edit`, renumbered, one per record in fresh
/// record sequence numbers. Returns the client's events.
fn client_against_edited_flight(
    client: dtls::ClientConfig,
    server: dtls::ServerConfig,
    edit: impl Fn(&mut Vec<(HandshakeType, Vec<u8>)>),
) -> Vec<Event> {
    let mut pair = Pair::new(client, server, 30);
    let mut buf = vec![0u8; 8000];
    let mut edited = false;
    for _ in 0..6 {
        while let Some(n) = pair.client.poll_transmit(&mut buf).unwrap() {
            pair.server.handle_datagram(pair.now, CLIENT_ADDR, &buf[..n]);
        }
        let mut flight = Vec::new();
        while let Some((_, n)) = pair.server.poll_transmit(&mut buf).unwrap() {
            flight.push(buf[..n].to_vec());
        }
        let mut messages = Vec::new();
        let mut first_seq = None;
        for d in &flight {
            for r in dtls::wire::split_datagram(d) {
                let r = r.unwrap();
                if r.header.epoch != 0 || r.header.content_type != ContentType::HANDSHAKE {
                    continue;
                }
                for f in dtls::wire::split_handshake(r.fragment) {
                    let f = f.unwrap();
                    assert!(f.header.is_complete());
                    first_seq.get_or_insert(f.header.message_seq);
                    messages.push((f.header.msg_type, f.body.to_vec()));
                }
            }
        }
        if !edited && messages.iter().any(|(t, _)| *t == HandshakeType::SERVER_HELLO) {
            edited = true;
            edit(&mut messages);
            let mut datagram = Vec::new();
            for (i, (ty, body)) in messages.iter().enumerate() {
                let mut fragment = Vec::new();
                HandshakeFragment::whole(*ty, first_seq.unwrap() + i as u16, body)
                    .emit(&mut fragment)
                    .unwrap();
                let header = RecordHeader {
                    content_type: ContentType::HANDSHAKE,
                    version: dtls::wire::ProtocolVersion::DTLS1_2,
                    epoch: 0,
                    sequence_number: 1000 + i as u64,
                    length: fragment.len() as u16,
                };
                datagram.extend_from_slice(&header.to_array().unwrap());
                datagram.extend_from_slice(&fragment);
            }
            flight = vec![datagram];
        }
        for d in flight {
            pair.client.handle_datagram(pair.now, &d);
        }
    }
    assert!(edited);
    std::iter::from_fn(|| pair.client.poll_event()).collect()
}

fn assert_client_refused(events: &[Event], state: &str, received: HandshakeType) {
    match closed_with(events) {
        Some(CloseReason::Error(Error::UnexpectedMessage {
            state: s,
            received: r,
            ..
        })) => {
            assert_eq!(*s, state);
            assert_eq!(*r, received);
        }
        other => panic!("{other:?}"),
    }
}

fn position(messages: &[(HandshakeType, Vec<u8>)], ty: HandshakeType) -> usize {
    messages.iter().position(|(t, _)| *t == ty).unwrap()
}

#[test]
fn a_second_certificate_request_is_unexpected_message() {
    let events = client_against_edited_flight(
        pki_client(SUITE, 1200, Some(ec_client())),
        pki_server(4000, ClientAuth::Require),
        |m| {
            let i = position(m, HandshakeType::CERTIFICATE_REQUEST);
            let again = m[i].clone();
            m.insert(i + 1, again);
        },
    );
    assert_client_refused(
        &events,
        "ExpectServerHelloDone",
        HandshakeType::CERTIFICATE_REQUEST,
    );
}

#[test]
fn a_certificate_request_before_the_servers_certificate_is_unexpected_message() {
    let events = client_against_edited_flight(
        pki_client(SUITE, 1200, Some(ec_client())),
        pki_server(4000, ClientAuth::Require),
        |m| {
            let request = m.remove(position(m, HandshakeType::CERTIFICATE_REQUEST));
            m.insert(position(m, HandshakeType::CERTIFICATE), request);
        },
    );
    assert_client_refused(&events, "ExpectCertificate", HandshakeType::CERTIFICATE_REQUEST);
}

#[test]
fn a_second_server_certificate_is_unexpected_message() {
    let events = client_against_edited_flight(
        pki_client(SUITE, 1200, None),
        pki_server(4000, ClientAuth::None),
        |m| {
            let i = position(m, HandshakeType::CERTIFICATE);
            let again = m[i].clone();
            m.insert(i + 1, again);
        },
    );
    assert_client_refused(&events, "ExpectServerKeyExchange", HandshakeType::CERTIFICATE);
}

#[test]
fn a_server_key_exchange_with_rsa_key_transport_is_unexpected_message() {
    // RFC 5246 7.4.3: RSA key transport has no ServerKeyExchange.
    let events = client_against_edited_flight(
        pki_client(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA, 1200, None),
        pki_server(4000, ClientAuth::None),
        |m| {
            let i = position(m, HandshakeType::CERTIFICATE);
            m.insert(i + 1, (HandshakeType::SERVER_KEY_EXCHANGE, vec![0; 8]));
        },
    );
    assert_client_refused(
        &events,
        "ExpectServerHelloDone",
        HandshakeType::SERVER_KEY_EXCHANGE,
    );
}

#[test]
fn an_unrequested_certificate_or_request_on_a_psk_suite_is_unexpected_message() {
    let psk = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;
    let chain = certs("ec-server.chain.pem");
    let certificate = dtls::wire::Certificate {
        certificate_list: chain,
    }
    .to_vec()
    .unwrap();
    let events = client_against_edited_flight(
        common::client_config(psk, 1200),
        common::server_config(true, 4000),
        |m| m.insert(1, (HandshakeType::CERTIFICATE, certificate.clone())),
    );
    assert_client_refused(&events, "ExpectServerKeyExchange", HandshakeType::CERTIFICATE);
    let request = dtls::pki::certificate_request(None).to_vec().unwrap();
    let events = client_against_edited_flight(
        common::client_config(psk, 1200),
        common::server_config(true, 4000),
        |m| {
            let i = position(m, HandshakeType::SERVER_HELLO_DONE);
            m.insert(i, (HandshakeType::CERTIFICATE_REQUEST, request.clone()));
        },
    );
    assert_client_refused(
        &events,
        "ExpectServerKeyExchange",
        HandshakeType::CERTIFICATE_REQUEST,
    );
}
