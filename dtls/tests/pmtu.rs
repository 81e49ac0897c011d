//! Path MTU back-off (RFC 6347 4.1.1.1): a flight that goes unanswered is re-cut for smaller
//! datagrams, so a handshake gets through an MTU black hole.

mod common;

use common::*;
use dtls::Duration;
use dtls::wire::CipherSuite;

const ECDHE: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;

fn through_black_hole(limit: usize) -> Pair {
    let mut pair = Pair::new(client_config(ECDHE, 1200), server_config(true, 1200), 17);
    let mut largest_delivered = 0;
    pair.drive(
        &mut |_, _, d| {
            if d.len() > limit {
                return true;
            }
            largest_delivered = largest_delivered.max(d.len());
            false
        },
        Duration::from_secs(120),
    );
    assert!(largest_delivered <= limit);
    pair
}

#[test]
fn a_handshake_gets_through_a_576_byte_black_hole() {
    // At 1200 bytes the server's ECDHE flight is one datagram of ~700 bytes, which the path
    // silently drops. After two unanswered re-sends it goes out cut for 576 bytes.
    let mut clean = Pair::new(client_config(ECDHE, 1200), server_config(true, 1200), 17);
    clean.handshake();
    assert!(
        clean.wire.iter().any(|(_, d)| d.len() > 576),
        "the flight must not fit"
    );
    let mut pair = through_black_hole(576);
    assert!(pair.client.is_connected(), "{:?}", pair.client_events);
    assert!(pair.server_connected());
    assert_eq!(pair.server.path_mtu(&CLIENT_ADDR), Some(576));
    // The reduced size is kept: application data is sized for it.
    pair.client.send(b"small").unwrap();
    pair.step(&mut |_, _, _| false);
    assert!(pair.server_events.contains(&dtls::Event::Data(b"small".to_vec())));
}

#[test]
fn a_smaller_black_hole_falls_back_to_the_configured_minimum() {
    let pair = through_black_hole(400);
    assert!(pair.client.is_connected(), "{:?}", pair.client_events);
    assert_eq!(
        pair.server.path_mtu(&CLIENT_ADDR),
        Some(dtls::config::DEFAULT_MIN_MTU)
    );
}

#[test]
fn without_loss_the_configured_mtu_is_kept() {
    let mut pair = Pair::new(client_config(ECDHE, 1200), server_config(true, 1200), 17);
    pair.handshake();
    assert_eq!(pair.server.path_mtu(&CLIENT_ADDR), Some(1200));
    assert_eq!(pair.client.path_mtu(), 1200);
}
