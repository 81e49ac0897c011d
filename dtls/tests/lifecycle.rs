//! Connection lifecycle: close and its failure, send limits, the bounded session table, and
//! expiry of half-open and idle sessions.

mod common;

use std::sync::Arc;

use common::*;
use dtls::wire::CipherSuite;
use dtls::{Client, CloseReason, Duration, Error, Event, Instant, Server};

const SUITE: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;

#[test]
fn close_without_an_answer_is_reported_as_failed() {
    let mut pair = Pair::new(client_config(SUITE, 1200), server_config(true, 1200), 4);
    pair.handshake();
    pair.client.close(pair.now);
    assert_eq!(pair.client.send(b"x"), Err(Error::Closed));
    // Every datagram to the server is lost from now on.
    pair.drive(&mut |from_client, _, _| from_client, Duration::from_secs(600));
    assert_eq!(
        pair.client_events.last(),
        Some(&Event::Closed(CloseReason::CloseFailed))
    );
    assert!(pair.client.is_closed());
}

#[test]
fn nothing_is_delivered_after_close() {
    let mut pair = Pair::new(client_config(SUITE, 1200), server_config(true, 1200), 4);
    pair.handshake();
    pair.server.send(&CLIENT_ADDR, b"late").unwrap();
    let mut buf = vec![0u8; 2000];
    let (_, n) = pair.server.poll_transmit(&mut buf).unwrap();
    let late = buf[..n].to_vec();
    pair.client.close(pair.now);
    pair.step(&mut |_, _, _| false);
    pair.step(&mut |_, _, _| false);
    pair.client.handle_datagram(pair.now, &late);
    while let Some(e) = pair.client.poll_event() {
        pair.client_events.push(e);
    }
    assert!(!pair.client_events.iter().any(|e| matches!(e, Event::Data(_))));
    assert_eq!(
        pair.client_events.last(),
        Some(&Event::Closed(CloseReason::Graceful))
    );
}

#[test]
fn send_before_connected_and_oversized_send_fail_clearly() {
    let mut pair = Pair::new(client_config(SUITE, 300), server_config(true, 300), 4);
    assert_eq!(pair.client.send(b"early"), Err(Error::NotConnected));
    pair.handshake();
    let max = pair.client.max_payload();
    assert!(max > 200 && max < 300, "{max}");
    assert_eq!(
        pair.client.send(&vec![0; max + 1]),
        Err(Error::MessageTooLarge { max })
    );
    pair.client.send(&vec![7; max]).unwrap();
    pair.step(&mut |_, _, _| false);
    assert_eq!(pair.server_events.last(), Some(&Event::Data(vec![7; max])));
    assert!(pair.wire.iter().all(|(_, d)| d.len() <= 300));
}

#[test]
fn full_table_refuses_new_peers_without_allocating_sessions() {
    let mut config = server_config(false, 1200);
    config.common.limits.max_sessions = 2;
    let mut server = Server::new(Arc::new(config), Box::new(TestRng(5))).unwrap();
    let mut clients: Vec<Client> = (0..3)
        .map(|i| {
            Client::new(
                Arc::new(client_config(SUITE, 1200)),
                Box::new(TestRng(100 + i)),
                Instant::ZERO,
            )
            .unwrap()
        })
        .collect();
    let mut buf = vec![0u8; 2000];
    for (addr, c) in clients.iter_mut().enumerate() {
        let n = c.poll_transmit(&mut buf).unwrap();
        server.handle_datagram(Instant::ZERO, addr as u32, &buf[..n]);
    }
    assert_eq!(server.session_count(), 2);
    assert_eq!(server.stats().refused_table_full, 1);
}

#[test]
fn half_open_sessions_expire() {
    let mut config = server_config(false, 1200);
    config.common.limits.handshake_timeout = Duration::from_secs(30);
    let mut server = Server::new(Arc::new(config), Box::new(TestRng(5))).unwrap();
    let mut client = Client::new(
        Arc::new(client_config(SUITE, 1200)),
        Box::new(TestRng(1)),
        Instant::ZERO,
    )
    .unwrap();
    let mut buf = vec![0u8; 2000];
    let n = client.poll_transmit(&mut buf).unwrap();
    server.handle_datagram(Instant::ZERO, 1, &buf[..n]);
    assert_eq!(server.session_count(), 1);
    // The client vanishes; the server retransmits and finally drops the session.
    let mut now = Instant::ZERO;
    while let Some(t) = server.poll_timeout() {
        now = t;
        server.handle_timeout(now);
        while server.poll_transmit(&mut buf).is_some() {}
        if now > Instant::from_millis(100_000) {
            break;
        }
    }
    assert_eq!(server.session_count(), 0);
    assert!(now <= Instant::from_millis(30_000), "expired at {now:?}");
    let events: Vec<_> = std::iter::from_fn(|| server.poll_event()).collect();
    assert!(matches!(events.last(), Some((1, Event::Closed(_)))), "{events:?}");
}

#[test]
fn idle_sessions_expire() {
    let mut server_cfg = server_config(true, 1200);
    server_cfg.common.limits.idle_timeout = Some(Duration::from_secs(60));
    let mut pair = Pair::new(client_config(SUITE, 1200), server_cfg, 4);
    pair.handshake();
    assert_eq!(pair.server.session_count(), 1);
    pair.now = pair.now + Duration::from_secs(61);
    pair.server.handle_timeout(pair.now);
    assert_eq!(pair.server.session_count(), 0);
}

#[test]
fn early_next_epoch_records_are_buffered_not_lost() {
    // The server's ChangeCipherSpec+Finished and its first application data arrive in the
    // wrong order: the data (epoch 1) comes before the keys exist and must still be delivered,
    // after the Finished verifies.
    let mut pair = Pair::new(client_config(SUITE, 1200), server_config(true, 1200), 4);
    let mut buf = vec![0u8; 2000];
    let mut held_final: Vec<Vec<u8>> = vec![];
    for _ in 0..6 {
        while let Some(n) = pair.client.poll_transmit(&mut buf) {
            pair.server.handle_datagram(pair.now, CLIENT_ADDR, &buf[..n]);
        }
        while let Some((_, n)) = pair.server.poll_transmit(&mut buf) {
            let d = buf[..n].to_vec();
            let epoch1 = dtls::wire::split_datagram(&d).any(|r| r.is_ok_and(|r| r.header.epoch == 1));
            if epoch1 && !pair.client.is_connected() {
                held_final.push(d);
            } else {
                pair.client.handle_datagram(pair.now, &d);
            }
        }
        while let Some((_, e)) = pair.server.poll_event() {
            if matches!(e, Event::Connected { .. }) {
                pair.server.send(&CLIENT_ADDR, b"early bird").unwrap();
            }
        }
    }
    assert_eq!(held_final.len(), 2, "final flight and the data");
    // Deliver the data first, then the final flight.
    pair.client.handle_datagram(pair.now, &held_final[1]);
    assert!(!pair.client.is_connected());
    pair.client.handle_datagram(pair.now, &held_final[0]);
    let events: Vec<_> = std::iter::from_fn(|| pair.client.poll_event()).collect();
    assert!(matches!(events[0], Event::Connected { .. }), "{events:?}");
    assert_eq!(events[1], Event::Data(b"early bird".to_vec()));
}
