//! Retransmission: the exact RFC 6347 4.2.4 timer schedule, giving up, and recovery from
//! loss of each flight.

mod common;

use common::*;
use dtls::wire::CipherSuite;
use dtls::{CloseReason, Duration, Error, Event, Instant};

#[test]
fn client_timer_doubles_caps_and_gives_up() {
    let mut pair = Pair::new(
        client_config(CipherSuite::TLS_PSK_WITH_AES_128_CCM_8, 1200),
        server_config(true, 1200),
        1,
    );
    let mut client_sends = Vec::new();
    let mut buf = vec![0u8; 2000];
    loop {
        while pair.client.poll_transmit(&mut buf).unwrap().is_some() {
            client_sends.push(pair.now.as_millis() / 1000);
        }
        // Every server datagram is lost: the server never hears anything either.
        match pair.client.poll_timeout() {
            Some(t) => {
                pair.now = t;
                pair.client.handle_timeout(t);
            }
            None => break,
        }
    }
    // Initial 1 s, doubling, capped at 60 s; the default budget is 12 retransmissions.
    assert_eq!(
        client_sends,
        vec![0, 1, 3, 7, 15, 31, 63, 123, 183, 243, 303, 363, 423]
    );
    assert_eq!(pair.now, Instant::from_millis(483_000));
    let events: Vec<_> = std::iter::from_fn(|| pair.client.poll_event()).collect();
    assert_eq!(
        events,
        vec![Event::Closed(CloseReason::Error(Error::HandshakeTimeout))]
    );
}

#[test]
fn configured_budget_and_initial_timeout_are_honoured() {
    let mut config = client_config(CipherSuite::TLS_PSK_WITH_AES_128_CCM_8, 1200);
    config.common.limits.retransmit_initial = Duration::from_millis(500);
    config.common.limits.max_retransmissions = 3;
    let mut pair = Pair::new(config, server_config(true, 1200), 1);
    let mut sends = Vec::new();
    let mut buf = vec![0u8; 2000];
    loop {
        while pair.client.poll_transmit(&mut buf).unwrap().is_some() {
            sends.push(pair.now.as_millis());
        }
        let Some(t) = pair.client.poll_timeout() else {
            break;
        };
        pair.now = t;
        pair.client.handle_timeout(t);
    }
    assert_eq!(sends, vec![0, 500, 1500, 3500]);
    assert_eq!(pair.now.as_millis(), 7500);
    assert!(pair.client.is_closed());
}

/// Drops the datagram with the given index in the wire log (each index once), for every
/// position in a complete handshake, and checks the handshake still completes.
#[test]
fn every_single_datagram_drop_recovers() {
    for suite in [
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ] {
        let mut clean = Pair::new(client_config(suite, 300), server_config(true, 300), 5);
        clean.handshake();
        let n = clean.wire.len();
        assert!(n >= 6, "{suite:?}: only {n} datagrams");
        for victim in 0..n {
            let mut pair = Pair::new(client_config(suite, 300), server_config(true, 300), 5);
            pair.drive(&mut |_, idx, _| idx == victim, Duration::from_secs(120));
            assert!(
                pair.client.is_connected(),
                "{suite:?} drop #{victim}: {:?}",
                pair.client_events
            );
            assert!(
                pair.server_connected(),
                "{suite:?} drop #{victim}: {:?}",
                pair.server_events
            );
            // Data flows afterwards in both directions.
            pair.client.send(b"after").unwrap();
            pair.step(&mut |_, _, _| false);
            assert!(
                pair.server_events.contains(&Event::Data(b"after".to_vec())),
                "{suite:?} drop #{victim}"
            );
        }
    }
}

/// The server's final flight is lost every time until the client retransmits; the server
/// must re-send it when the client's retransmitted flight arrives (RFC 6347 4.2.4).
#[test]
fn lost_final_flight_is_resent_on_peer_retransmission() {
    let mut pair = Pair::new(
        client_config(CipherSuite::TLS_PSK_WITH_AES_128_CCM_8, 1200),
        server_config(true, 1200),
        9,
    );
    let mut dropped_final = 0;
    pair.drive(
        &mut |from_client, _, d| {
            // The server's final flight is the only server datagram with an epoch-1 record.
            let epoch1 = dtls::wire::split_datagram(d).any(|r| r.is_ok_and(|r| r.header.epoch == 1));
            if !from_client && epoch1 && dropped_final < 2 {
                dropped_final += 1;
                return true;
            }
            false
        },
        Duration::from_secs(60),
    );
    assert_eq!(dropped_final, 2);
    assert!(pair.client.is_connected());
    assert!(pair.client.retransmissions() >= 2);
}

/// RFC 6347 4.2.4: a retransmitted flight of several datagrams is answered with one re-send
/// of ours, not one per message or datagram received.
#[test]
fn a_retransmitted_multi_datagram_flight_is_answered_once() {
    let suite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    let mut pair = Pair::new(client_config(suite, 300), server_config(true, 300), 3);
    let mut buf = vec![0u8; 2000];
    let mut flight4 = Vec::new();
    // Cookie exchange, then the server's flight (several datagrams at MTU 300).
    for _ in 0..2 {
        while let Some(n) = pair.client.poll_transmit(&mut buf).unwrap() {
            pair.server.handle_datagram(pair.now, CLIENT_ADDR, &buf[..n]);
        }
        flight4 = server_out(&mut pair.server);
        for d in &flight4 {
            pair.client.handle_datagram(pair.now, d);
        }
    }
    assert!(flight4.len() >= 3, "{} datagrams", flight4.len());
    let flight5 = client_out(&mut pair.client);
    assert!(!flight5.is_empty());
    // The client's flight is lost; the server's timer re-sends its whole flight.
    pair.now = pair.server.poll_timeout().unwrap();
    pair.server.handle_timeout(pair.now);
    let again = server_out(&mut pair.server);
    assert_eq!(again.len(), flight4.len());
    let mut resent = Vec::new();
    for d in &again {
        pair.client.handle_datagram(pair.now, d);
        resent.extend(client_out(&mut pair.client));
    }
    assert_eq!(resent.len(), flight5.len(), "one copy of the client's flight");
}
