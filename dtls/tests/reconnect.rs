//! Reconnects and restarts (RFC 6347 4.2.8, 4.2.1): a client that restarts mid-handshake, a
//! stale record of an old session, a server that restarted between the hellos.

mod common;

use std::sync::Arc;

use common::*;
use dtls::wire::{AlertDescription, CipherSuite};
use dtls::{Client, CloseReason, Duration, Error, Event, Instant, Server};

const PSK: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;

fn client(seed: u64) -> Client {
    Client::new(
        Arc::new(client_config(PSK, 1200)),
        Box::new(TestRng(seed)),
        Instant::ZERO,
    )
    .unwrap()
}

fn server(seed: u64) -> Server<Addr> {
    Server::new(Arc::new(server_config(true, 1200)), Box::new(TestRng(seed))).unwrap()
}

/// Moves datagrams both ways until both are quiet.
fn exchange(client: &mut Client, server: &mut Server<Addr>, now: Instant) {
    loop {
        let up = client_out(client);
        let down_before = up.is_empty();
        for d in &up {
            server.handle_datagram(now, CLIENT_ADDR, d);
        }
        let down = server_out(server);
        for d in &down {
            client.handle_datagram(now, d);
        }
        if down_before && down.is_empty() {
            return;
        }
    }
}

fn server_events(server: &mut Server<Addr>) -> Vec<Event> {
    std::iter::from_fn(|| server.poll_event())
        .map(|(_, e)| e)
        .collect()
}

#[test]
fn a_client_restarting_during_a_half_open_handshake_gets_a_cookie_and_connects() {
    let mut srv = server(1);
    let mut old = client(2);
    let now = Instant::ZERO;
    // The old client gets through the cookie exchange; the server's session is half-open
    // (its flight is lost) when the device restarts.
    for d in client_out(&mut old) {
        srv.handle_datagram(now, CLIENT_ADDR, &d);
    }
    for d in server_out(&mut srv) {
        old.handle_datagram(now, &d);
    }
    for d in client_out(&mut old) {
        srv.handle_datagram(now, CLIENT_ADDR, &d);
    }
    assert!(!server_out(&mut srv).is_empty());
    assert_eq!(srv.session_count(), 1);
    // The restarted client, same address, new random: a HelloVerifyRequest, then a session
    // that replaces the half-open one.
    let mut new = client(3);
    let later = now + Duration::from_secs(2);
    exchange(&mut new, &mut srv, later);
    assert!(
        new.is_connected(),
        "{:?}",
        std::iter::from_fn(|| new.poll_event()).collect::<Vec<_>>()
    );
    assert_eq!(srv.session_count(), 1);
    assert_eq!(srv.stats().half_open_replaced, 1);
    assert_eq!(srv.stats().hello_verify_requests, 2);
    let events = server_events(&mut srv);
    assert!(
        matches!(events.as_slice(), [Event::Connected { .. }]),
        "{events:?}"
    );
}

#[test]
fn a_stale_record_of_the_old_session_before_change_cipher_spec_is_dropped_and_counted() {
    let mut pair = Pair::new(client_config(PSK, 1200), server_config(true, 1200), 4);
    pair.handshake();
    // The device restarts and starts a new handshake from the same address while the
    // server's old session is still up.
    let mut restarted = client(5);
    let now = pair.now;
    for d in client_out(&mut restarted) {
        pair.server.handle_datagram(now, CLIENT_ADDR, &d);
    }
    for d in server_out(&mut pair.server) {
        restarted.handle_datagram(now, &d);
    }
    for d in client_out(&mut restarted) {
        pair.server.handle_datagram(now, CLIENT_ADDR, &d);
    }
    // The server's reply flight to the new handshake, held back for a moment.
    let flight4 = server_out(&mut pair.server);
    for d in &flight4 {
        restarted.handle_datagram(now, d);
    }
    let flight5 = client_out(&mut restarted);
    // The old session sends application data, which reaches the restarted client before the
    // new session's ChangeCipherSpec: it is an epoch-1 record under keys it does not have.
    pair.server.send(&CLIENT_ADDR, b"for the old session").unwrap();
    for d in server_out(&mut pair.server) {
        restarted.handle_datagram(now, &d);
    }
    for d in &flight5 {
        pair.server.handle_datagram(now, CLIENT_ADDR, d);
    }
    for d in server_out(&mut pair.server) {
        restarted.handle_datagram(now, &d);
    }
    let events: Vec<_> = std::iter::from_fn(|| restarted.poll_event()).collect();
    assert!(restarted.is_connected(), "{events:?}");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Data(_) | Event::Closed(_)))
    );
    assert_eq!(restarted.lifecycle_stats().stale_early_records, 1);
    assert_eq!(restarted.record_stats().bad_mac, 1);
}

#[test]
fn a_client_answers_a_second_hello_verify_request_after_a_server_restart() {
    let mut c = client(6);
    let now = Instant::ZERO;
    // The first server answers the first ClientHello, then restarts (new cookie secret).
    let mut first = server(7);
    for d in client_out(&mut c) {
        first.handle_datagram(now, CLIENT_ADDR, &d);
    }
    for d in server_out(&mut first) {
        c.handle_datagram(now, &d);
    }
    let mut restarted = server(8);
    exchange(&mut c, &mut restarted, now);
    assert!(c.is_connected());
    assert_eq!(restarted.stats().hello_verify_requests, 1);
}

#[test]
fn hello_verify_requests_are_answered_only_up_to_the_bound() {
    let mut config = client_config(PSK, 1200);
    config.common.limits.max_hello_verify_requests = 2;
    let mut c = Client::new(Arc::new(config), Box::new(TestRng(9)), Instant::ZERO).unwrap();
    let now = Instant::ZERO;
    // Every ClientHello reaches a freshly restarted server, which answers with yet another
    // HelloVerifyRequest.
    for round in 0..3u64 {
        let mut s = server(100 + round);
        for d in client_out(&mut c) {
            s.handle_datagram(now, CLIENT_ADDR, &d);
        }
        for d in server_out(&mut s) {
            c.handle_datagram(now, &d);
        }
    }
    let events: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
    assert!(
        matches!(
            events.last(),
            Some(Event::Closed(CloseReason::Error(Error::Protocol {
                alert: AlertDescription::UNEXPECTED_MESSAGE,
                ..
            })))
        ),
        "{events:?}"
    );
}
