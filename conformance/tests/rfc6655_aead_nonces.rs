//! RFC 6655 3 (and RFC 5288 3 for GCM): the explicit nonce of every AEAD record we send is
//! the record's epoch and sequence number, so it never repeats under one key.

mod common;

use std::collections::BTreeSet;

use common::*;
use dtls::Duration;
use dtls::wire::{CipherSuite, split_datagram};

// catalogue: RFC6655-3-1, RFC6655-3-2, RFC7251-2-1
#[test]
fn explicit_nonces_are_epoch_and_sequence_number_and_never_repeat() {
    for suite in [
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
        CipherSuite::TLS_PSK_WITH_AES_128_CCM,
        CipherSuite::TLS_PSK_WITH_AES_256_CCM_8,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
        CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
    ] {
        let mut p = Pair::new(client_config(suite), server_config(true), 26);
        p.handshake();
        for i in 0..20u8 {
            p.client.send(&[i; 100]).unwrap();
            p.server.send(&CLIENT_ADDR, &[i; 50]).unwrap();
        }
        p.client.close(p.now);
        p.run(Duration::from_secs(1), &mut |_, _| true);
        for side in [true, false] {
            let mut nonces = BTreeSet::new();
            for (from_client, d) in &p.wire {
                if *from_client != side {
                    continue;
                }
                for r in split_datagram(d).filter_map(Result::ok) {
                    if r.header.epoch == 0 {
                        continue;
                    }
                    let mut expected = r.header.epoch.to_be_bytes().to_vec();
                    expected.extend_from_slice(&r.header.sequence_number.to_be_bytes()[2..]);
                    assert_eq!(&r.fragment[..8], &expected[..], "{suite}: nonce_explicit");
                    assert!(nonces.insert(expected), "{suite}: nonce repeated");
                }
            }
            assert!(nonces.len() > 20, "{suite}: too few protected records seen");
        }
    }
}
