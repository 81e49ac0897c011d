//! Negative tests: wrong credentials, tampering, cookie abuse and the advisory triggers of
//! TESTING.md section 3 that concern the handshake engine.

mod common;

use std::sync::Arc;

use common::*;
use dtls::codec::Codec;
use dtls::config::{Psk, PskTable};
use dtls::wire::{
    AlertDescription, CipherSuite, ClientHello, CompressionMethod, ContentType, HandshakeFragment,
    HandshakeType, ProtocolVersion, split_datagram, split_handshake,
};
use dtls::{CloseReason, Duration, Error, Event, Instant, Server};

const PSK_SUITE: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;
const ECDHE_SUITE: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;

fn closed_with(events: &[Event]) -> Option<&CloseReason> {
    events.iter().find_map(|e| match e {
        Event::Closed(r) => Some(r),
        _ => None,
    })
}

fn run_failing(client: dtls::ClientConfig, server: dtls::ServerConfig) -> Pair {
    let mut pair = Pair::new(client, server, 3);
    pair.drive(&mut |_, _, _| false, Duration::from_secs(5));
    assert!(!pair.client.is_connected());
    assert!(!pair.server_connected());
    pair
}

#[test]
fn wrong_psk_fails_cleanly_on_both_sides() {
    // Different keys: the client's Finished records cannot be authenticated by the server,
    // which ends the handshake with bad_record_mac (RFC 6347 4.1.2.7) instead of timing out.
    let mut client = client_config(PSK_SUITE, 1200);
    client.psk = Some(Psk::new(PSK_IDENTITY, &[0x55; 16]).unwrap());
    let pair = run_failing(client, server_config(true, 1200));
    assert!(
        matches!(
            closed_with(&pair.server_events),
            Some(CloseReason::Error(Error::Protocol {
                alert: AlertDescription::BAD_RECORD_MAC,
                ..
            }))
        ),
        "{:?}",
        pair.server_events
    );
    assert_eq!(
        closed_with(&pair.client_events),
        Some(&CloseReason::Error(Error::PeerAlert(
            AlertDescription::BAD_RECORD_MAC
        )))
    );
    // The verdict waits for the client's retransmitted Finished (one forged record must not
    // end a handshake), about a second, instead of a retransmission timeout of minutes.
    assert!(
        pair.now <= Instant::from_millis(1500),
        "failed by alert after the retransmission, not by timeout: {:?}",
        pair.now
    );
}

#[test]
fn unknown_identity_looks_exactly_like_a_wrong_key() {
    // No oracle: an unknown identity and a wrong key for a known identity produce the same
    // alert, at the same point, with the same number of datagrams.
    let mut wrong_key = client_config(PSK_SUITE, 1200);
    wrong_key.psk = Some(Psk::new(PSK_IDENTITY, &[0x55; 16]).unwrap());
    let mut unknown = client_config(PSK_SUITE, 1200);
    unknown.psk = Some(Psk::new(b"nobody", PSK_KEY).unwrap());
    let a = run_failing(wrong_key, server_config(true, 1200));
    let b = run_failing(unknown, server_config(true, 1200));
    assert_eq!(closed_with(&a.client_events), closed_with(&b.client_events));
    assert_eq!(closed_with(&a.server_events), closed_with(&b.server_events));
    // The same exchange, datagram for datagram, in the same directions.
    let shape = |p: &Pair| p.wire.iter().map(|(c, _)| *c).collect::<Vec<_>>();
    assert_eq!(shape(&a), shape(&b));
}

/// Applies `f` to the body of the first handshake message of type `ty` in an epoch-0
/// datagram, in place (the test's man in the middle).
fn tamper(d: &mut [u8], ty: HandshakeType, f: impl Fn(&mut [u8])) -> bool {
    let spans: Vec<_> = dtls::wire::record_spans(d).filter_map(Result::ok).collect();
    for span in spans {
        if span.header.epoch != 0 || span.header.content_type != ContentType::HANDSHAKE {
            continue;
        }
        let frag_start = span.fragment_range.start;
        let fragment = d[span.fragment_range.clone()].to_vec();
        let mut at = 0;
        for h in split_handshake(&fragment).filter_map(Result::ok) {
            let body_start = frag_start + at + 12;
            let len = h.body.len();
            if h.header.msg_type == ty {
                f(&mut d[body_start..body_start + len]);
                return true;
            }
            at += 12 + len;
        }
    }
    false
}

#[test]
fn tampered_server_key_exchange_signature_is_fatal() {
    let mut pair = Pair::new(client_config(ECDHE_SUITE, 1200), server_config(true, 1200), 3);
    let mut buf = vec![0u8; 2000];
    let mut hit = false;
    for _ in 0..10 {
        while let Some(n) = pair.client.poll_transmit(&mut buf).unwrap() {
            pair.server.handle_datagram(pair.now, CLIENT_ADDR, &buf[..n]);
        }
        while let Some((_, n)) = pair.server.poll_transmit(&mut buf).unwrap() {
            let mut d = buf[..n].to_vec();
            // Flip a byte of the ephemeral public point (covered by the signature).
            hit |= tamper(&mut d, HandshakeType::SERVER_KEY_EXCHANGE, |b| b[10] ^= 1);
            pair.client.handle_datagram(pair.now, &d);
        }
    }
    assert!(hit);
    let events: Vec<_> = std::iter::from_fn(|| pair.client.poll_event()).collect();
    assert!(
        matches!(
            closed_with(&events),
            Some(CloseReason::Error(Error::Protocol {
                alert: AlertDescription::DECRYPT_ERROR,
                ..
            }))
        ),
        "{events:?}"
    );
}

#[test]
fn tampered_hint_changes_the_keys_and_fails() {
    // A man in the middle changes the PSK identity hint. With the extended master secret the
    // change alters the session hash and so the keys: the server cannot authenticate the
    // client's Finished record and ends with bad_record_mac.
    let mut server = server_config(true, 1200);
    server.psk_hint = Some(b"hint-A".to_vec());
    let mut pair = Pair::new(client_config(PSK_SUITE, 1200), server, 3);
    let tampered = relay(&mut pair, |from_client, d| {
        !from_client && tamper(d, HandshakeType::SERVER_KEY_EXCHANGE, |b| b[2] = b'X')
    });
    assert!(tampered > 0);
    assert_server_failed_with(&mut pair, AlertDescription::BAD_RECORD_MAC);
}

#[test]
fn downgrade_of_the_client_hello_is_caught_by_finished() {
    // A man in the middle strips extended_master_secret from the ClientHello (cookies off, so
    // the cookie does not catch it first). Both sides then agree on keys, but their transcripts
    // differ: the server's Finished check must fail with decrypt_error (RFC 5246 7.4.9).
    let mut client = client_config(PSK_SUITE, 1200);
    client.common.require_extended_master_secret = false;
    let mut server = server_config(false, 1200);
    server.common.require_extended_master_secret = false;
    let mut pair = Pair::new(client, server, 3);
    let stripped = relay(&mut pair, |from_client, d| from_client && strip_ems(d));
    assert!(stripped > 0);
    assert_server_failed_with(&mut pair, AlertDescription::DECRYPT_ERROR);
}

/// Relays datagrams both ways for a while, letting `mitm` rewrite each one; returns how many
/// it changed.
fn relay(pair: &mut Pair, mut mitm: impl FnMut(bool, &mut Vec<u8>) -> bool) -> usize {
    let mut changed = 0;
    let mut buf = vec![0u8; 2000];
    for _ in 0..10 {
        while let Some(n) = pair.client.poll_transmit(&mut buf).unwrap() {
            let mut d = buf[..n].to_vec();
            changed += usize::from(mitm(true, &mut d));
            pair.server.handle_datagram(pair.now, CLIENT_ADDR, &d);
        }
        while let Some((_, n)) = pair.server.poll_transmit(&mut buf).unwrap() {
            let mut d = buf[..n].to_vec();
            changed += usize::from(mitm(false, &mut d));
            pair.client.handle_datagram(pair.now, &d);
        }
        // Let retransmission timers run (the key-mismatch verdict waits for the peer's
        // retransmitted Finished).
        if let Some(t) = [pair.client.poll_timeout(), pair.server.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .filter(|t| *t <= Instant::from_millis(10_000))
        {
            pair.now = pair.now.max(t);
            pair.client.handle_timeout(pair.now);
            pair.server.handle_timeout(pair.now);
        }
    }
    changed
}

fn assert_server_failed_with(pair: &mut Pair, expected: AlertDescription) {
    let server_events: Vec<_> = std::iter::from_fn(|| pair.server.poll_event())
        .map(|(_, e)| e)
        .collect();
    assert!(
        matches!(closed_with(&server_events), Some(CloseReason::Error(Error::Protocol { alert, .. })) if *alert == expected),
        "{server_events:?}"
    );
    assert!(!pair.client.is_connected());
}

/// Removes extended_master_secret from a ClientHello datagram, re-encoding it.
fn strip_ems(d: &mut Vec<u8>) -> bool {
    let Some(Ok(record)) = split_datagram(d).next() else {
        return false;
    };
    if record.header.epoch != 0 || record.header.content_type != ContentType::HANDSHAKE {
        return false;
    }
    let Some(Ok(frag)) = split_handshake(record.fragment).next() else {
        return false;
    };
    if frag.header.msg_type != HandshakeType::CLIENT_HELLO {
        return false;
    }
    let mut hello = ClientHello::parse(frag.body).unwrap();
    if let Some(ext) = &mut hello.extensions {
        ext.0
            .retain(|e| e.typ != dtls::wire::ExtensionType::EXTENDED_MASTER_SECRET);
    }
    let body = hello.to_vec().unwrap();
    let mut payload = Vec::new();
    HandshakeFragment::whole(HandshakeType::CLIENT_HELLO, frag.header.message_seq, &body)
        .emit(&mut payload)
        .unwrap();
    let mut header = record.header;
    header.length = payload.len() as u16;
    let mut out = header.to_array().unwrap().to_vec();
    out.extend_from_slice(&payload);
    *d = out;
    true
}

fn server(cookies: bool) -> Server<u32> {
    Server::new(Arc::new(server_config(cookies, 1200)), Box::new(TestRng(11))).unwrap()
}

fn client_hello_datagram(cookie: &[u8], random_byte: u8) -> Vec<u8> {
    let hello = ClientHello {
        client_version: ProtocolVersion::DTLS1_2,
        random: [random_byte; 32],
        session_id: vec![],
        cookie: cookie.to_vec(),
        cipher_suites: vec![PSK_SUITE],
        compression_methods: vec![CompressionMethod::NULL],
        extensions: Some(dtls::wire::Extensions(vec![dtls::wire::Extension::empty(
            dtls::wire::ExtensionType::EXTENDED_MASTER_SECRET,
        )])),
    };
    datagram_with_handshake(HandshakeType::CLIENT_HELLO, &hello.to_vec().unwrap())
}

fn datagram_with_handshake(ty: HandshakeType, body: &[u8]) -> Vec<u8> {
    let mut payload = Vec::new();
    HandshakeFragment::whole(ty, 0, body).emit(&mut payload).unwrap();
    let mut d = vec![22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0];
    d.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    d.extend_from_slice(&payload);
    d
}

fn drain(server: &mut Server<u32>) -> Vec<(u32, Vec<u8>)> {
    let mut out = vec![];
    let mut buf = vec![0u8; 2000];
    while let Some((to, n)) = server.poll_transmit(&mut buf).unwrap() {
        out.push((to, buf[..n].to_vec()));
    }
    out
}

fn is_hello_verify_request(d: &[u8]) -> bool {
    split_datagram(d).filter_map(Result::ok).any(|r| {
        split_handshake(r.fragment)
            .filter_map(Result::ok)
            .any(|h| h.header.msg_type == HandshakeType::HELLO_VERIFY_REQUEST)
    })
}

#[test]
fn invalid_cookie_gets_a_new_hello_verify_request_and_no_session() {
    let mut s = server(true);
    for cookie in [
        &[][..],
        &[0u8; 16][..],
        &[0u8; 32][..],
        &[1u8; 5][..],
        &[7u8; 255][..],
    ] {
        let ch = client_hello_datagram(cookie, 1);
        s.handle_datagram(Instant::ZERO, 1, &ch);
        let out = drain(&mut s);
        assert_eq!(out.len(), 1, "cookie {cookie:?}");
        assert!(is_hello_verify_request(&out[0].1));
        // No amplification: the answer is smaller than the request.
        assert!(out[0].1.len() <= ch.len(), "{} > {}", out[0].1.len(), ch.len());
        assert_eq!(s.session_count(), 0);
    }
}

#[test]
fn cookie_binds_the_address_and_the_hello() {
    let mut s = server(true);
    s.handle_datagram(Instant::ZERO, 1, &client_hello_datagram(&[], 1));
    let hvr = drain(&mut s).remove(0).1;
    let cookie = split_datagram(&hvr)
        .filter_map(Result::ok)
        .flat_map(|r| {
            split_handshake(r.fragment)
                .filter_map(Result::ok)
                .collect::<Vec<_>>()
        })
        .map(|h| dtls::wire::HelloVerifyRequest::parse(h.body).unwrap().cookie)
        .next()
        .unwrap();
    // Same cookie from another address, or with another random: refused.
    s.handle_datagram(Instant::ZERO, 2, &client_hello_datagram(&cookie, 1));
    s.handle_datagram(Instant::ZERO, 1, &client_hello_datagram(&cookie, 2));
    assert_eq!(s.session_count(), 0);
    assert_eq!(drain(&mut s).len(), 2);
    // The genuine echo creates the session.
    s.handle_datagram(Instant::ZERO, 1, &client_hello_datagram(&cookie, 1));
    assert_eq!(s.session_count(), 1);
}

#[test]
fn spoofed_client_hello_flood_allocates_no_sessions() {
    let mut s = server(true);
    let mut answered = 0;
    for addr in 0..10_000u32 {
        s.handle_datagram(
            Instant::ZERO,
            addr,
            &client_hello_datagram(&[], (addr % 251) as u8),
        );
        answered += drain(&mut s).len();
    }
    assert_eq!(s.session_count(), 0);
    assert_eq!(s.stats().hello_verify_requests, 10_000);
    assert_eq!(answered, 10_000);
    // No per-peer timer either: the only deadline is the server's own cookie rotation.
    assert_eq!(
        s.poll_timeout(),
        Some(Instant::ZERO + dtls::Duration::from_secs(60))
    );
}

#[test]
fn malformed_client_hellos_create_nothing() {
    let mut s = server(false);
    let mut hostile = vec![
        datagram_with_handshake(HandshakeType::CLIENT_HELLO, &[]), // ClientHello of length 0
        // cookie length running past the end of the ClientHello
        datagram_with_handshake(HandshakeType::CLIENT_HELLO, &{
            let mut b = vec![0xfe, 0xfd];
            b.extend_from_slice(&[0; 32]);
            b.extend_from_slice(&[0, 200, 1, 2]);
            b
        }),
        // odd-length cipher_suites
        datagram_with_handshake(HandshakeType::CLIENT_HELLO, &{
            let mut b = vec![0xfe, 0xfd];
            b.extend_from_slice(&[0; 32]);
            b.extend_from_slice(&[0, 0, 0, 3, 0xc0, 0xa8, 0x00, 1, 0]);
            b
        }),
        // a ChangeCipherSpec before any ClientHello
        vec![20, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
        // cleartext application data from a stranger
        vec![23, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3],
        vec![],
        vec![22],
    ];
    // An invalid version in an otherwise fine ClientHello.
    let mut bad_version = client_hello_datagram(&[], 1);
    bad_version[25] = 0x03;
    hostile.push(bad_version);
    for d in &hostile {
        s.handle_datagram(Instant::ZERO, 9, d);
    }
    assert_eq!(
        s.session_count(),
        0,
        "cookies off: only a well-formed DTLS 1.2 hello may create a session"
    );
    assert!(drain(&mut s).is_empty());
}

#[test]
fn invalid_version_does_not_bypass_the_cookie() {
    let mut s = server(true);
    let mut ch = client_hello_datagram(&[9; 32], 1);
    ch[25] = 0xff; // client_version DTLS 1.0
    ch[26] = 0xff;
    s.handle_datagram(Instant::ZERO, 1, &ch);
    assert_eq!(s.session_count(), 0);
}

#[test]
fn client_rejects_hello_verify_request_after_server_hello() {
    let hvr = dtls::wire::HelloVerifyRequest {
        server_version: ProtocolVersion::DTLS1_0,
        cookie: vec![1; 32],
    };
    let mut payload = Vec::new();
    HandshakeFragment::whole(HandshakeType::HELLO_VERIFY_REQUEST, 1, &hvr.to_vec().unwrap())
        .emit(&mut payload)
        .unwrap();
    let mut d = vec![22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 40];
    d.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    d.extend_from_slice(&payload);
    let mut fresh = Pair::new(client_config(PSK_SUITE, 1200), server_config(false, 1200), 3);
    // Deliver the server's first flight, then the HelloVerifyRequest as message_seq 1.
    let mut buf = vec![0u8; 2000];
    while let Some(n) = fresh.client.poll_transmit(&mut buf).unwrap() {
        fresh.server.handle_datagram(fresh.now, CLIENT_ADDR, &buf[..n]);
    }
    let mut first = Vec::new();
    while let Some((_, n)) = fresh.server.poll_transmit(&mut buf).unwrap() {
        first.push(buf[..n].to_vec());
    }
    // Make the server's ServerHello appear, then the HVR as the next message.
    for f in &first {
        fresh.client.handle_datagram(fresh.now, f);
    }
    fresh.client.handle_datagram(fresh.now, &d);
    // The client never completes by accepting it: it either ignored it (old/out of order)
    // or failed; in no case does it send a second ClientHello.
    let mut second_hello = false;
    while let Some(n) = fresh.client.poll_transmit(&mut buf).unwrap() {
        second_hello |= split_datagram(&buf[..n]).filter_map(Result::ok).any(|r| {
            r.header.epoch == 0
                && split_handshake(r.fragment)
                    .filter_map(Result::ok)
                    .any(|h| h.header.msg_type == HandshakeType::CLIENT_HELLO)
        });
    }
    assert!(!second_hello);
}

#[test]
fn cleartext_application_data_is_never_delivered() {
    let mut pair = Pair::new(client_config(PSK_SUITE, 1200), server_config(true, 1200), 3);
    let plain = vec![
        23, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 99, 0, 4, b'e', b'v', b'i', b'l',
    ];
    pair.client.handle_datagram(pair.now, &plain);
    pair.server.handle_datagram(pair.now, CLIENT_ADDR, &plain);
    pair.handshake();
    pair.client.handle_datagram(pair.now, &plain);
    pair.server.handle_datagram(pair.now, CLIENT_ADDR, &plain);
    pair.step(&mut |_, _, _| false);
    let delivered = |ev: &[Event]| ev.iter().any(|e| matches!(e, Event::Data(_)));
    assert!(!delivered(&pair.client_events));
    assert!(!delivered(&pair.server_events));
    assert!(pair.client.is_connected());
}

#[test]
fn replayed_finished_after_the_handshake_is_nothing() {
    let mut pair = Pair::new(client_config(PSK_SUITE, 1200), server_config(true, 1200), 3);
    pair.handshake();
    // Replay every datagram the client ever sent, including its Finished.
    let sent: Vec<_> = pair
        .wire
        .iter()
        .filter(|(c, _)| *c)
        .map(|(_, d)| d.clone())
        .collect();
    for d in &sent {
        pair.server.handle_datagram(pair.now, CLIENT_ADDR, d);
    }
    pair.step(&mut |_, _, _| false);
    let connected = pair
        .server_events
        .iter()
        .filter(|e| matches!(e, Event::Connected { .. }))
        .count();
    assert_eq!(connected, 1);
    assert!(
        !pair
            .server_events
            .iter()
            .any(|e| matches!(e, Event::Closed(_) | Event::Data(_)))
    );
    pair.client.send(b"still fine").unwrap();
    pair.step(&mut |_, _, _| false);
    assert_eq!(
        pair.server_events.last(),
        Some(&Event::Data(b"still fine".to_vec()))
    );
}

#[test]
fn stray_client_hello_does_not_disturb_the_live_session() {
    let mut pair = Pair::new(client_config(PSK_SUITE, 1200), server_config(true, 1200), 3);
    pair.handshake();
    // An epoch-0 ClientHello from the peer's address without a cookie is answered statelessly
    // and changes nothing for the live connection.
    let stray = client_hello_datagram(&[], 77);
    pair.server.handle_datagram(pair.now, CLIENT_ADDR, &stray);
    pair.step(&mut |_, _, _| false);
    pair.client.send(b"alive").unwrap();
    pair.step(&mut |_, _, _| false);
    assert_eq!(pair.server_events.last(), Some(&Event::Data(b"alive".to_vec())));
}

#[test]
fn reconnect_from_the_same_address_replaces_the_session_only_when_complete() {
    let mut pair = Pair::new(client_config(PSK_SUITE, 1200), server_config(true, 1200), 3);
    pair.handshake();
    // A second client (the device rebooted) from the same address.
    let mut second = Pair::new(client_config(PSK_SUITE, 1200), server_config(true, 1200), 99);
    std::mem::swap(&mut second.server, &mut pair.server);
    // `second` now holds the server with the live session of `pair.client`.
    let mut buf = vec![0u8; 2000];
    // First hello of the new client: answered with a HelloVerifyRequest, live session kept.
    let n = second.client.poll_transmit(&mut buf).unwrap().unwrap();
    second.server.handle_datagram(second.now, CLIENT_ADDR, &buf[..n]);
    assert_eq!(second.server.session_count(), 1);
    // The old client still talks to the server.
    pair.client.send(b"old session").unwrap();
    let n = pair.client.poll_transmit(&mut buf).unwrap().unwrap();
    second.server.handle_datagram(second.now, CLIENT_ADDR, &buf[..n]);
    let ev: Vec<_> = std::iter::from_fn(|| second.server.poll_event()).collect();
    assert!(
        ev.iter().any(|(_, e)| *e == Event::Data(b"old session".to_vec())),
        "{ev:?}"
    );
    // Let the new handshake finish: the new session replaces the old one.
    while let Some((_, n)) = second.server.poll_transmit(&mut buf).unwrap() {
        second.client.handle_datagram(second.now, &buf[..n]);
    }
    second.drive(&mut |_, _, _| false, Duration::from_secs(10));
    assert!(second.client.is_connected(), "{:?}", second.client_events);
    assert_eq!(second.server.session_count(), 1);
    // The old connection ended with its own reason, before the new one's Connected.
    let replaced = second
        .server_events
        .iter()
        .position(|e| *e == Event::Closed(CloseReason::Replaced))
        .unwrap_or_else(|| panic!("no Closed(Replaced): {:?}", second.server_events));
    assert!(
        matches!(
            second.server_events.get(replaced + 1),
            Some(Event::Connected { .. })
        ),
        "{:?}",
        second.server_events
    );
    second.client.send(b"new session").unwrap();
    second.step(&mut |_, _, _| false);
    assert_eq!(
        second.server_events.last(),
        Some(&Event::Data(b"new session".to_vec()))
    );
}

#[test]
fn psk_table_lookup_is_by_identity() {
    use dtls::config::PskStore;
    let t = PskTable::new()
        .with(Psk::new(b"a", &[1]).unwrap())
        .with(Psk::new(b"b", &[2]).unwrap());
    assert_eq!(t.key_for(b"b").unwrap().as_slice(), &[2]);
    assert!(t.key_for(b"c").is_none());
}
