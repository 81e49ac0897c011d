//! RFC 4279: plain PSK key exchange: identity and key sizes, the identity hint.

mod common;

use std::sync::Arc;

use common::*;
use dtls::config::{Psk, PskTable};
use dtls::wire::{CipherSuite, HandshakeType as HT};

const PSK_SUITE: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;

// catalogue: RFC4279-5.3-1
#[test]
fn identities_of_128_bytes_and_keys_of_64_bytes_work() {
    for (identity_len, key_len) in [(1, 1), (128, 64), (128, 16), (9, 64)] {
        let identity = vec![b'i'; identity_len];
        let key = vec![0x42; key_len];
        let mut c = client_config(PSK_SUITE);
        c.psk = Some(Psk::new(&identity, &key).unwrap());
        let mut s = server_config(true);
        s.psk_store = Some(Arc::new(PskTable::new().with(Psk::new(&identity, &key).unwrap())));
        let mut p = Pair::new(c, s, 24);
        p.handshake();
    }
}

/// Longer identities and keys are refused when the configuration is made, not on the wire.
// catalogue: RFC4279-5.3-2
#[test]
fn longer_identities_and_keys_are_refused_clearly() {
    assert!(Psk::new(&[b'i'; 129], &[1; 16]).is_err());
    assert!(Psk::new(b"id", &[1; 65]).is_err());
}

// catalogue: RFC4279-5.2-1, RFC4279-5.2-2
#[test]
fn server_key_exchange_carries_the_hint_only_when_configured_and_the_client_ignores_it() {
    for hint in [None, Some(b"a hint the client cannot use".to_vec())] {
        let mut s = server_config(false);
        s.psk_hint = hint.clone();
        let mut p = Pair::new(client_config(PSK_SUITE), s, 25);
        p.handshake();
        let ske = p
            .wire
            .iter()
            .filter(|(c, _)| !*c)
            .find_map(|(_, d)| find_message(d, HT::SERVER_KEY_EXCHANGE));
        match &hint {
            None => assert!(ske.is_none(), "ServerKeyExchange sent without a hint"),
            Some(h) => {
                let ske = ske.expect("no ServerKeyExchange with a hint");
                assert_eq!(&ske[2..], &h[..]);
            }
        }
        // The client identified itself with its configured identity whatever the hint.
        let cke = p
            .wire
            .iter()
            .filter(|(c, _)| *c)
            .find_map(|(_, d)| find_message(d, HT::CLIENT_KEY_EXCHANGE))
            .unwrap();
        assert_eq!(&cke[2..], PSK_IDENTITY.as_bytes());
    }
}
