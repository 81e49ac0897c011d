//! What unauthenticated input can and cannot make the engine do: re-sends only on plausible
//! evidence, at most once per timer period and within 3x the bytes received; nothing after
//! the handshake without authentication; epoch 0 retired; idle timeouts that cleartext
//! cannot defeat.

mod common;

use std::sync::Arc;

use common::*;
use dtls::wire::{CipherSuite, ContentType, HandshakeHeader, HandshakeType, ProtocolVersion};
use dtls::{Client, CloseReason, Duration, Event, Instant, Server};

const PSK: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;
const ECDHE: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;

fn endpoints(suite: CipherSuite) -> (Client, Server<Addr>) {
    let client = Client::new(
        Arc::new(client_config(suite, 1200)),
        Box::new(TestRng(5)),
        Instant::ZERO,
    )
    .unwrap();
    let server = Server::new(Arc::new(server_config(true, 1200)), Box::new(TestRng(6))).unwrap();
    (client, server)
}

/// Runs the cookie exchange and lets the server send its first flight, which the client does
/// not receive. Returns the client's second ClientHello datagram (the server's session
/// answers it) and the server's flight.
fn server_awaiting_flight_5(client: &mut Client, server: &mut Server<Addr>) -> (Vec<u8>, Vec<Vec<u8>>) {
    let now = Instant::ZERO;
    for d in client_out(client) {
        server.handle_datagram(now, CLIENT_ADDR, &d);
    }
    for d in server_out(server) {
        client.handle_datagram(now, &d);
    }
    let hello = client_out(client).remove(0);
    server.handle_datagram(now, CLIENT_ADDR, &hello);
    let flight = server_out(server);
    assert!(!flight.is_empty());
    (hello, flight)
}

fn bytes(ds: &[Vec<u8>]) -> usize {
    ds.iter().map(Vec::len).sum()
}

/// The header of the ClientHello a datagram carries.
fn hello_header(d: &[u8]) -> HandshakeHeader {
    handshake_headers(d)
        .into_iter()
        .find(|h| h.msg_type == HandshakeType::CLIENT_HELLO)
        .unwrap()
}

#[test]
fn spoofed_empty_fragments_during_and_after_an_ecdhe_handshake_are_never_answered() {
    let (mut client, mut server) = endpoints(ECDHE);
    let (hello, flight4) = server_awaiting_flight_5(&mut client, &mut server);
    let h = hello_header(&hello);
    // During the handshake: 1,000 spoofed 25-byte fragments (record header + handshake
    // header, no body) naming the very ClientHello the server's flight answers, and others.
    let mut sent_in = 0;
    let mut sent_out = 0;
    for i in 0..1000u64 {
        let (ty, seq) = match i % 3 {
            0 => (HandshakeType::CLIENT_HELLO, h.message_seq),
            1 => (HandshakeType::CLIENT_KEY_EXCHANGE, h.message_seq + 1),
            _ => (HandshakeType::FINISHED, h.message_seq + 2),
        };
        let spoof = handshake_record(100 + i, ty, h.length, seq, 0, &[]);
        assert_eq!(spoof.len(), 25);
        sent_in += spoof.len();
        // Spread over time so that no rate limit is what holds them back.
        let now = Instant::from_millis(i * 1500);
        server.handle_datagram(now, CLIENT_ADDR, &spoof);
        sent_out += bytes(&server_out(&mut server));
    }
    assert!(sent_out <= 3 * sent_in);
    assert_eq!(
        sent_out, 0,
        "an empty fragment is never evidence of a retransmission"
    );

    // The same after a completed handshake.
    let mut pair = Pair::new(client_config(ECDHE, 1200), server_config(true, 1200), 5);
    pair.handshake();
    let now = pair.now;
    let mut sent_out = 0;
    for i in 0..1000u64 {
        let ty = [HandshakeType::CLIENT_KEY_EXCHANGE, HandshakeType::FINISHED][(i % 2) as usize];
        let spoof = handshake_record(1000 + i, ty, 66, 2 + (i % 2) as u16, 0, &[]);
        pair.server
            .handle_datagram(now + Duration::from_millis(i * 1500), CLIENT_ADDR, &spoof);
        sent_out += bytes(&server_out(&mut pair.server));
    }
    assert_eq!(sent_out, 0);
    assert!(!flight4.is_empty());
}

#[test]
fn plausible_spoofed_retransmissions_stay_within_three_times_the_bytes_received() {
    // A spoofer that knows the ClientHello's type, message_seq and length sends one-byte
    // fragments of it (26 bytes each), spaced so that the rate limit never holds them back:
    // only the amplification budget bounds what the server re-sends (its ECDHE flight is
    // several times larger than a fragment).
    let (mut client, mut server) = endpoints(ECDHE);
    let (hello, flight4) = server_awaiting_flight_5(&mut client, &mut server);
    let flight_bytes = bytes(&flight4);
    let h = hello_header(&hello);
    let body_first_byte = [hello[25]];
    let mut received = hello.len();
    let mut resent = 0;
    for i in 0..1000u64 {
        let spoof = handshake_record(
            200 + i,
            HandshakeType::CLIENT_HELLO,
            h.length,
            h.message_seq,
            0,
            &body_first_byte,
        );
        assert_eq!(spoof.len(), 26);
        received += spoof.len();
        server.handle_datagram(Instant::from_millis(i * 1100), CLIENT_ADDR, &spoof);
        resent += bytes(&server_out(&mut server));
    }
    assert!(
        resent > 0,
        "plausible evidence is answered while the budget allows"
    );
    assert!(
        resent <= 3 * received,
        "re-sent {resent} bytes for {received} received"
    );
    // With a budget of 3x, about 3 * 26 / flight_bytes of the spoofs get an answer.
    assert!(resent < 1000 * flight_bytes / 4);
}

/// `d` with its first record's sequence number replaced: what a retransmission of the same
/// message looks like on the wire (RFC 6347 4.2.4: a re-sent record takes a new number).
fn renumbered(d: &[u8], seq: u64) -> Vec<u8> {
    let mut out = d.to_vec();
    out[5..11].copy_from_slice(&seq.to_be_bytes()[2..]);
    out
}

#[test]
fn a_retransmitted_client_hello_is_answered_once_per_timer_period() {
    let (mut client, mut server) = endpoints(PSK);
    let (hello, flight4) = server_awaiting_flight_5(&mut client, &mut server);
    // Exact duplicates (a duplicating link) are not retransmissions: the epoch-0 replay
    // window drops them.
    server.handle_datagram(Instant::from_millis(10), CLIENT_ADDR, &hello);
    assert!(server_out(&mut server).is_empty());
    // Ten retransmissions arriving together: one re-send.
    let mut out = Vec::new();
    for i in 0..10 {
        server.handle_datagram(Instant::from_millis(10), CLIENT_ADDR, &renumbered(&hello, 50 + i));
        out.extend(server_out(&mut server));
    }
    assert_eq!(out.len(), flight4.len(), "one copy of the flight");
    // Within the retransmission period (1 s): nothing more.
    server.handle_datagram(Instant::from_millis(900), CLIENT_ADDR, &renumbered(&hello, 70));
    assert!(server_out(&mut server).is_empty());
    // After it: one more.
    server.handle_datagram(Instant::from_millis(1100), CLIENT_ADDR, &renumbered(&hello, 71));
    assert_eq!(server_out(&mut server).len(), flight4.len());
}

#[test]
fn mismatched_fragments_never_trigger_a_resend() {
    let (mut client, mut server) = endpoints(PSK);
    let (hello, _) = server_awaiting_flight_5(&mut client, &mut server);
    let h = hello_header(&hello);
    let body = &hello[25..25 + 4];
    let cases = [
        // Wrong total length.
        handshake_record(
            300,
            HandshakeType::CLIENT_HELLO,
            h.length + 1,
            h.message_seq,
            0,
            body,
        ),
        // Wrong type.
        handshake_record(301, HandshakeType::SERVER_HELLO, h.length, h.message_seq, 0, body),
        // A message the flight does not answer (the first ClientHello, answered statelessly).
        handshake_record(
            302,
            HandshakeType::CLIENT_HELLO,
            h.length,
            h.message_seq - 1,
            0,
            body,
        ),
        // Running past its declared length.
        handshake_record(
            303,
            HandshakeType::CLIENT_HELLO,
            h.length,
            h.message_seq,
            h.length - 2,
            body,
        ),
        // The right message in the wrong epoch (a protected-epoch forgery fails earlier still).
        plain_record(
            ContentType::HANDSHAKE,
            1,
            304,
            &hello[13..],
            ProtocolVersion::DTLS1_2,
        ),
    ];
    for (i, d) in cases.iter().enumerate() {
        server.handle_datagram(Instant::from_millis(2000 * (i as u64 + 1)), CLIENT_ADDR, d);
        assert!(server_out(&mut server).is_empty(), "case {i} triggered a re-send");
    }
}

#[test]
fn after_the_handshake_only_an_authenticated_finished_triggers_the_final_flight() {
    let mut pair = Pair::new(client_config(PSK, 1200), server_config(true, 1200), 8);
    // Run until the client has sent its last flight; lose the server's final flight.
    let mut final_lost = false;
    pair.drive(
        &mut |from_client, _, d| {
            let is_final = !from_client && records_of(d).iter().any(|(h, _)| h.epoch == 1);
            if is_final && !final_lost {
                final_lost = true;
                return true;
            }
            false
        },
        Duration::from_millis(500),
    );
    assert!(pair.server_connected() && !pair.client.is_connected());
    let flight5 = pair.wire.iter().rev().find(|(c, _)| *c).unwrap().1.clone();
    // The epoch-0 part of the client's flight alone: not evidence once connected.
    let epoch0: Vec<u8> = records_of(&flight5)
        .into_iter()
        .filter(|(h, _)| h.epoch == 0)
        .flat_map(|(h, f)| plain_record(h.content_type, 0, h.sequence_number + 50, &f, h.version))
        .collect();
    pair.server.handle_datagram(pair.now, CLIENT_ADDR, &epoch0);
    assert!(server_out(&mut pair.server).is_empty());
    // The recorded flight replayed as is: its Finished record is a replay, dropped.
    pair.server.handle_datagram(pair.now, CLIENT_ADDR, &flight5);
    assert!(server_out(&mut pair.server).is_empty());
    // The client's real retransmission (fresh record numbers) gets the final flight again.
    pair.drive(&mut |_, _, _| false, Duration::from_secs(5));
    assert!(pair.client.is_connected(), "{:?}", pair.client_events);
}

#[test]
fn epoch0_is_read_only_during_the_linger() {
    let mut pair = Pair::new(client_config(PSK, 1200), server_config(true, 1200), 9);
    pair.handshake();
    let cleartext = |seq| plain_record(ContentType::ALERT, 0, seq, &[1, 0], ProtocolVersion::DTLS1_2);
    let stats = |p: &Pair| p.server.record_stats(&CLIENT_ADDR).unwrap();
    let before = stats(&pair);
    pair.server.handle_datagram(pair.now, CLIENT_ADDR, &cleartext(90));
    assert_eq!(
        stats(&pair).accepted,
        before.accepted + 1,
        "still read during the linger"
    );
    let linger = dtls::config::Limits::DEFAULT.epoch0_linger;
    pair.now = pair.now + linger + Duration::from_secs(1);
    pair.server.handle_timeout(pair.now);
    pair.server.handle_datagram(pair.now, CLIENT_ADDR, &cleartext(91));
    assert_eq!(
        stats(&pair).unknown_epoch,
        before.unknown_epoch + 1,
        "retired after it"
    );
    assert!(!pair.server_events.iter().any(|e| matches!(e, Event::Closed(_))));
}

#[test]
fn the_peers_application_data_retires_epoch0_at_once() {
    let mut pair = Pair::new(client_config(PSK, 1200), server_config(true, 1200), 10);
    pair.handshake();
    pair.client.send(b"hello").unwrap();
    pair.step(&mut |_, _, _| false);
    let before = pair.server.record_stats(&CLIENT_ADDR).unwrap();
    let cleartext = plain_record(ContentType::ALERT, 0, 77, &[1, 0], ProtocolVersion::DTLS1_2);
    pair.server.handle_datagram(pair.now, CLIENT_ADDR, &cleartext);
    let after = pair.server.record_stats(&CLIENT_ADDR).unwrap();
    assert_eq!(after.unknown_epoch, before.unknown_epoch + 1);
}

#[test]
fn spoofed_cleartext_does_not_keep_an_idle_session_alive() {
    let mut pair = Pair::new(client_config(PSK, 1200), server_config(true, 1200), 11);
    pair.handshake();
    let connected_at = pair.now;
    let idle = dtls::config::Limits::DEFAULT.idle_timeout.unwrap();
    // A spoofed cleartext record (and a forged protected one) every minute.
    for minute in 1..=6u64 {
        let now = connected_at + Duration::from_secs(60 * minute);
        pair.server.handle_timeout(now);
        let cleartext = plain_record(
            ContentType::APPLICATION_DATA,
            0,
            100 + minute,
            b"ping",
            ProtocolVersion::DTLS1_2,
        );
        let forged = plain_record(
            ContentType::APPLICATION_DATA,
            1,
            100 + minute,
            &[0; 40],
            ProtocolVersion::DTLS1_2,
        );
        pair.server.handle_datagram(now, CLIENT_ADDR, &cleartext);
        pair.server.handle_datagram(now, CLIENT_ADDR, &forged);
        while let Some((_, e)) = pair.server.poll_event() {
            pair.server_events.push(e);
        }
        let closed = pair.server_events.iter().any(|e| matches!(e, Event::Closed(_)));
        assert_eq!(closed, now >= connected_at + idle, "minute {minute}");
    }
    assert_eq!(
        pair.server_events.last(),
        Some(&Event::Closed(CloseReason::IdleTimeout))
    );
    assert_eq!(pair.server.session_count(), 0);
}

#[test]
fn authenticated_records_keep_a_session_alive() {
    let mut pair = Pair::new(client_config(PSK, 1200), server_config(true, 1200), 12);
    pair.handshake();
    for _ in 0..5 {
        pair.now = pair.now + Duration::from_secs(200);
        pair.server.handle_timeout(pair.now);
        pair.client.handle_timeout(pair.now);
        pair.client.send(b"ping").unwrap();
        pair.step(&mut |_, _, _| false);
        pair.server.send(&CLIENT_ADDR, b"pong").unwrap();
        pair.step(&mut |_, _, _| false);
    }
    let closed = |ev: &[Event]| ev.iter().any(|e| matches!(e, Event::Closed(_)));
    assert!(!closed(&pair.server_events) && !closed(&pair.client_events));
    assert_eq!(pair.server.session_count(), 1);
}

#[test]
fn a_silent_connection_ends_by_the_clients_own_idle_timeout() {
    let mut pair = Pair::new(client_config(PSK, 1200), server_config(true, 1200), 13);
    pair.handshake();
    let idle = dtls::config::Limits::DEFAULT.idle_timeout.unwrap();
    let deadline = pair.client.poll_timeout().unwrap();
    assert!(deadline <= pair.now + idle);
    pair.now = pair.now + idle;
    pair.client.handle_timeout(pair.now);
    let events: Vec<_> = std::iter::from_fn(|| pair.client.poll_event()).collect();
    assert_eq!(events.last(), Some(&Event::Closed(CloseReason::IdleTimeout)));
    assert!(pair.client.is_closed());
}

#[test]
fn a_forged_next_epoch_record_before_change_cipher_spec_does_not_end_the_handshake() {
    // An off-path attacker injects an epoch-1 handshake record while the server waits for the
    // client's ChangeCipherSpec; it is buffered, fails to authenticate once the keys exist, and
    // is dropped and counted: one such record is not taken for a key mismatch.
    let mut pair = Pair::new(client_config(PSK, 1200), server_config(true, 1200), 14);
    let forged = plain_record(
        ContentType::HANDSHAKE,
        1,
        0,
        &[0x55; 40],
        ProtocolVersion::DTLS1_2,
    );
    let now = pair.now;
    for _ in 0..2 {
        for d in client_out(&mut pair.client) {
            pair.server.handle_datagram(now, CLIENT_ADDR, &d);
        }
        for d in server_out(&mut pair.server) {
            pair.client.handle_datagram(now, &d);
        }
    }
    pair.server.handle_datagram(now, CLIENT_ADDR, &forged);
    pair.step(&mut |_, _, _| false);
    pair.step(&mut |_, _, _| false);
    assert!(pair.client.is_connected(), "{:?}", pair.client_events);
    assert!(pair.server_connected(), "{:?}", pair.server_events);
    assert_eq!(pair.server.record_stats(&CLIENT_ADDR).unwrap().bad_mac, 1);
}
