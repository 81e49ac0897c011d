//! In-process client/server handshakes over a perfect link, for every suite, with and without
//! cookies, and with a small MTU that forces fragmentation.

mod common;

use common::*;
use dtls::wire::CipherSuite;
use dtls::{Event, PeerIdentity};

const SUITES: &[CipherSuite] = &[
    CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
    CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_PSK_WITH_AES_128_CBC_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
];

fn run(suite: CipherSuite, cookies: bool, mtu: usize) {
    let mut pair = Pair::new(client_config(suite, mtu), server_config(cookies, mtu), 42);
    pair.handshake();
    match &pair.client_events[0] {
        Event::Connected { suite: s, peer, .. } => {
            assert_eq!(*s, suite);
            if suite.key_exchange() == Some(dtls::wire::KeyExchangeKind::Ecdhe) {
                assert_eq!(
                    *peer,
                    PeerIdentity::Certificate {
                        chain: vec![CERT_DER.to_vec()]
                    }
                );
            }
        }
        e => panic!("unexpected {e:?}"),
    }
    match &pair.server_events[0] {
        Event::Connected { suite: s, peer, .. } => {
            assert_eq!(*s, suite);
            if suite.key_exchange() == Some(dtls::wire::KeyExchangeKind::Psk) {
                assert_eq!(
                    *peer,
                    PeerIdentity::Psk {
                        identity: PSK_IDENTITY.to_vec()
                    }
                );
            }
        }
        e => panic!("unexpected {e:?}"),
    }
    // Both sides log the same secrets for Wireshark.
    assert_eq!(pair.client.keylog(), pair.server.keylog(&CLIENT_ADDR));
    assert!(pair.client.keylog().is_some());
    for (from_client, d) in &pair.wire {
        assert!(
            d.len() <= mtu,
            "datagram of {} bytes over MTU {mtu} (client: {from_client})",
            d.len()
        );
    }
    // Application data both ways, then a graceful close.
    pair.client.send(b"ping").unwrap();
    pair.step(&mut |_, _, _| false);
    assert_eq!(pair.server_events.last(), Some(&Event::Data(b"ping".to_vec())));
    pair.server.send(&CLIENT_ADDR, b"pong").unwrap();
    pair.step(&mut |_, _, _| false);
    assert_eq!(pair.client_events.last(), Some(&Event::Data(b"pong".to_vec())));
    pair.client.close(pair.now);
    pair.step(&mut |_, _, _| false);
    pair.step(&mut |_, _, _| false);
    assert_eq!(
        pair.client_events.last(),
        Some(&Event::Closed(dtls::CloseReason::Graceful))
    );
    assert_eq!(
        pair.server_events.last(),
        Some(&Event::Closed(dtls::CloseReason::PeerClosed))
    );
    assert_eq!(pair.client.send(b"late"), Err(dtls::CallError::Closed));
}

#[test]
fn every_suite_with_cookies() {
    for s in SUITES {
        run(*s, true, 1200);
    }
}

#[test]
fn every_suite_without_cookies() {
    for s in SUITES {
        run(*s, false, 1200);
    }
}

#[test]
fn every_suite_with_a_300_byte_mtu() {
    for s in SUITES {
        run(*s, true, 300);
    }
}
