//! Connection lifecycle: close and its failure, send limits, the bounded session table, and
//! expiry of half-open and idle sessions.

mod common;

use std::sync::Arc;

use common::*;
use dtls::wire::CipherSuite;
use dtls::{CallError, Client, CloseReason, Duration, Error, Event, Instant, Server};

const SUITE: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;

#[test]
fn close_without_an_answer_is_reported_as_failed() {
    let mut pair = Pair::new(client_config(SUITE, 1200), server_config(true, 1200), 4);
    pair.handshake();
    pair.client.close(pair.now);
    assert_eq!(pair.client.send(b"x"), Err(CallError::Closed));
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
    let (_, n) = pair.server.poll_transmit(&mut buf).unwrap().unwrap();
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
    assert_eq!(pair.client.send(b"early"), Err(CallError::NotConnected));
    pair.handshake();
    let max = pair.client.max_payload();
    assert!(max > 200 && max < 300, "{max}");
    assert_eq!(
        pair.client.send(&vec![0; max + 1]),
        Err(CallError::MessageTooLarge { max })
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
        let n = c.poll_transmit(&mut buf).unwrap().unwrap();
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
    let n = client.poll_transmit(&mut buf).unwrap().unwrap();
    server.handle_datagram(Instant::ZERO, 1, &buf[..n]);
    assert_eq!(server.session_count(), 1);
    // The client vanishes; the server retransmits and finally drops the session.
    let mut now = Instant::ZERO;
    while let Some(t) = server.poll_timeout() {
        now = t;
        server.handle_timeout(now);
        while server.poll_transmit(&mut buf).unwrap().is_some() {}
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
        while let Some(n) = pair.client.poll_transmit(&mut buf).unwrap() {
            pair.server.handle_datagram(pair.now, CLIENT_ADDR, &buf[..n]);
        }
        while let Some((_, n)) = pair.server.poll_transmit(&mut buf).unwrap() {
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

#[test]
fn one_lost_answer_to_close_notify_still_ends_in_a_graceful_close() {
    let mut pair = Pair::new(client_config(SUITE, 1200), server_config(true, 1200), 21);
    pair.handshake();
    pair.client.close(pair.now);
    // The server's first answer is lost; it lingers and answers the re-sent close_notify.
    let mut answers_lost = 0;
    pair.drive(
        &mut |from_client, _, _| {
            if !from_client && answers_lost == 0 {
                answers_lost += 1;
                return true;
            }
            false
        },
        Duration::from_secs(20),
    );
    assert_eq!(answers_lost, 1);
    assert_eq!(
        pair.client_events.last(),
        Some(&Event::Closed(CloseReason::Graceful))
    );
    assert_eq!(
        pair.server_events.last(),
        Some(&Event::Closed(CloseReason::PeerClosed))
    );
    // The linger ends and the server forgets the session.
    pair.now = pair.now + dtls::config::Limits::DEFAULT.close_linger;
    pair.server.handle_timeout(pair.now);
    assert_eq!(pair.server.session_count(), 0);
}

#[test]
fn a_closed_client_answers_a_re_sent_close_notify_during_its_linger() {
    let mut pair = Pair::new(client_config(SUITE, 1200), server_config(true, 1200), 22);
    pair.handshake();
    pair.server.close(pair.now, &CLIENT_ADDR);
    let mut lost = 0;
    pair.drive(
        &mut |from_client, _, _| {
            if from_client && lost == 0 {
                lost += 1;
                return true;
            }
            false
        },
        Duration::from_secs(20),
    );
    assert_eq!(lost, 1);
    assert_eq!(
        pair.server_events.last(),
        Some(&Event::Closed(CloseReason::Graceful))
    );
    assert_eq!(
        pair.client_events.last(),
        Some(&Event::Closed(CloseReason::PeerClosed))
    );
}

#[test]
fn held_application_data_respects_the_count_and_byte_bounds() {
    // Application data the server sends right after its Finished reaches the client before the
    // Finished does (it arrives after the ChangeCipherSpec): it is held until the Finished
    // verifies, within max_early_records and max_early_record_bytes.
    let mut config = client_config(SUITE, 1200);
    config.common.limits.max_early_records = 3;
    config.common.limits.max_early_record_bytes = 100;
    let mut pair = Pair::new(config, server_config(true, 1200), 23);
    let mut finished: Vec<Vec<u8>> = vec![];
    for _ in 0..6 {
        for d in client_out(&mut pair.client) {
            pair.server.handle_datagram(pair.now, CLIENT_ADDR, &d);
        }
        for d in server_out(&mut pair.server) {
            if records_of(&d).iter().any(|(h, _)| h.epoch == 1) {
                finished.push(d);
            } else {
                pair.client.handle_datagram(pair.now, &d);
            }
        }
    }
    assert_eq!(finished.len(), 1);
    // Deliver the ChangeCipherSpec alone, then five 40-byte records, then the Finished.
    let (ccs, fin): (Vec<_>, Vec<_>) = records_of(&finished[0])
        .into_iter()
        .partition(|(h, _)| h.epoch == 0);
    let rebuild = |rs: &[(dtls::wire::RecordHeader, Vec<u8>)]| -> Vec<u8> {
        rs.iter()
            .flat_map(|(h, f)| plain_record(h.content_type, h.epoch, h.sequence_number, f, h.version))
            .collect()
    };
    pair.client.handle_datagram(pair.now, &rebuild(&ccs));
    for i in 0..5u8 {
        pair.server.send(&CLIENT_ADDR, &[i; 40]).unwrap();
        for d in server_out(&mut pair.server) {
            pair.client.handle_datagram(pair.now, &d);
        }
    }
    assert!(!pair.client.is_connected());
    pair.client.handle_datagram(pair.now, &rebuild(&fin));
    let events: Vec<_> = std::iter::from_fn(|| pair.client.poll_event()).collect();
    assert!(matches!(events[0], Event::Connected { .. }), "{events:?}");
    // 2 x 40 bytes fit in 100; the third would not.
    assert_eq!(
        &events[1..],
        &[Event::Data(vec![0; 40]), Event::Data(vec![1; 40])]
    );
    assert_eq!(pair.client.lifecycle_stats().early_data_dropped, 3);
}

#[test]
fn contradictory_limits_are_refused_by_new() {
    use dtls::config::Limits;
    let bad = [
        Limits {
            max_reassembly_bytes: 1000,
            ..Limits::DEFAULT
        },
        Limits {
            retransmit_max: Duration::from_millis(10),
            ..Limits::DEFAULT
        },
        Limits {
            max_hello_verify_requests: 0,
            ..Limits::DEFAULT
        },
        Limits {
            amplification_factor: 0,
            ..Limits::DEFAULT
        },
        Limits {
            idle_timeout: Some(Duration::ZERO),
            ..Limits::DEFAULT
        },
    ];
    for limits in bad {
        let mut c = client_config(SUITE, 1200);
        c.common.limits = limits;
        let err = Client::new(Arc::new(c), Box::new(TestRng(1)), Instant::ZERO).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{limits:?}: {err:?}");
        let mut s = server_config(true, 1200);
        s.common.limits = limits;
        let err = Server::<Addr>::new(Arc::new(s), Box::new(TestRng(1))).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{limits:?}: {err:?}");
    }
    let mut s = server_config(true, 1200);
    s.cookie_rotation = Duration::ZERO;
    assert!(matches!(
        Server::<Addr>::new(Arc::new(s), Box::new(TestRng(1))),
        Err(Error::Config("cookie_rotation must be positive"))
    ));
}

#[test]
fn the_cookie_secret_rotates_on_the_engines_timer_and_a_cookie_survives_one_rotation() {
    let mut config = server_config(true, 1200);
    config.cookie_rotation = Duration::from_secs(10);
    let mut server = Server::new(Arc::new(config), Box::new(TestRng(30))).unwrap();
    // The client's first hello starts the rotation clock; the cookie it gets is minted under
    // the secret that is current then.
    let mut client = Client::new(
        Arc::new(client_config(SUITE, 1200)),
        Box::new(TestRng(31)),
        Instant::ZERO,
    )
    .unwrap();
    for d in client_out(&mut client) {
        server.handle_datagram(Instant::ZERO, CLIENT_ADDR, &d);
    }
    assert_eq!(server.poll_timeout(), Some(Instant::from_millis(10_000)));
    for d in server_out(&mut server) {
        client.handle_datagram(Instant::ZERO, &d);
    }
    let second_hello = client_out(&mut client).remove(0);
    let with_cookie_at = |t: u64, server: &mut Server<Addr>| {
        let now = Instant::from_millis(t);
        server.handle_timeout(now);
        server.handle_datagram(now, CLIENT_ADDR, &second_hello);
        let hvr = server.stats().hello_verify_requests;
        let _ = server_out(server);
        hvr
    };
    // One rotation (at 10 s) later the cookie still verifies: a session is created.
    assert_eq!(server.stats().cookie_rotations, 0);
    assert_eq!(with_cookie_at(15_000, &mut server), 1);
    assert_eq!(server.stats().cookie_rotations, 1);
    assert_eq!(server.session_count(), 1);
    // Two rotations after it was minted, it no longer verifies. (A second server with the
    // same seed holds the same initial secret: it lets the cookie age without a session
    // being made from it first.)
    let mut config = server_config(true, 1200);
    config.cookie_rotation = Duration::from_secs(10);
    let mut other = Server::new(Arc::new(config), Box::new(TestRng(30))).unwrap();
    for t in [0, 10_000, 20_000] {
        other.handle_timeout(Instant::from_millis(t));
    }
    assert_eq!(other.stats().cookie_rotations, 2);
    assert_eq!(
        with_cookie_at(25_000, &mut other),
        1,
        "answered with a new HelloVerifyRequest"
    );
    assert_eq!(other.session_count(), 0);
    // While a control with one rotation accepts it.
    let mut config = server_config(true, 1200);
    config.cookie_rotation = Duration::from_secs(10);
    let mut control = Server::new(Arc::new(config), Box::new(TestRng(30))).unwrap();
    for t in [0, 10_000] {
        control.handle_timeout(Instant::from_millis(t));
    }
    assert_eq!(with_cookie_at(15_000, &mut control), 0);
    assert_eq!(control.session_count(), 1);
}

#[test]
fn an_out_of_order_message_is_one_typed_error_naming_state_and_types() {
    let mut client = Client::new(
        Arc::new(client_config(SUITE, 1200)),
        Box::new(TestRng(40)),
        Instant::ZERO,
    )
    .unwrap();
    let _ = client_out(&mut client);
    // A Certificate where a HelloVerifyRequest or ServerHello must come.
    let cert = handshake_record(0, dtls::wire::HandshakeType::CERTIFICATE, 3, 0, 0, &[0, 0, 0]);
    client.handle_datagram(Instant::ZERO, &cert);
    let events: Vec<_> = std::iter::from_fn(|| client.poll_event()).collect();
    let Some(Event::Closed(CloseReason::Error(e))) = events.last() else {
        panic!("{events:?}");
    };
    assert_eq!(
        *e,
        Error::UnexpectedMessage {
            state: "ExpectServerHello",
            expected: &[
                dtls::wire::HandshakeType::HELLO_VERIFY_REQUEST,
                dtls::wire::HandshakeType::SERVER_HELLO
            ],
            received: dtls::wire::HandshakeType::CERTIFICATE,
        }
    );
    assert_eq!(e.alert(), Some(dtls::wire::AlertDescription::UNEXPECTED_MESSAGE));
    // The alert went out.
    let out = client_out(&mut client);
    assert_eq!(records_of(&out[0])[0].1, vec![2, 10]);
}

/// RFC 5246 7.4.1.1: a HelloRequest that arrives while a handshake is under way is ignored.
#[test]
fn a_hello_request_during_the_handshake_is_ignored() {
    let mut pair = Pair::new(client_config(SUITE, 1200), server_config(true, 1200), 41);
    let _ = client_out(&mut pair.client);
    let hello_request = handshake_record(0, dtls::wire::HandshakeType::HELLO_REQUEST, 0, 0, 0, &[]);
    pair.client.handle_datagram(pair.now, &hello_request);
    assert!(client_out(&mut pair.client).is_empty(), "nothing sent in answer");
    assert!(pair.client.poll_event().is_none(), "no error");
    // The lost first ClientHello is re-sent by the timer and the handshake completes.
    pair.drive(&mut |_, _, _| false, Duration::from_secs(10));
    assert!(pair.client.is_connected(), "{:?}", pair.client_events);
}

#[test]
fn poll_transmit_into_a_too_small_buffer_is_an_error_and_keeps_the_datagram() {
    let now = Instant::ZERO;
    let mut client = Client::new(
        Arc::new(client_config(CipherSuite::TLS_PSK_WITH_AES_128_CCM_8, 1200)),
        Box::new(TestRng(5)),
        now,
    )
    .unwrap();
    let mut small = [0u8; 16];
    let Err(CallError::BufferTooSmall { needed }) = client.poll_transmit(&mut small) else {
        panic!("a 16-byte buffer cannot hold a ClientHello");
    };
    assert!(needed > small.len());
    // Nothing was dropped: the same datagram comes out into a buffer that holds it.
    let mut buf = vec![0u8; needed];
    assert_eq!(client.poll_transmit(&mut buf), Ok(Some(needed)));
    assert_eq!(buf.first(), Some(&22), "a handshake record");
    assert_eq!(client.poll_transmit(&mut buf), Ok(None));

    // The server keeps its HelloVerifyRequest the same way.
    let mut server: Server<u32> =
        Server::new(Arc::new(server_config(true, 1200)), Box::new(TestRng(6))).unwrap();
    server.handle_datagram(now, 1, &buf);
    let Err(CallError::BufferTooSmall { needed }) = server.poll_transmit(&mut small) else {
        panic!("a 16-byte buffer cannot hold a HelloVerifyRequest");
    };
    let mut buf = vec![0u8; needed];
    assert_eq!(server.poll_transmit(&mut buf), Ok(Some((1, needed))));
}
