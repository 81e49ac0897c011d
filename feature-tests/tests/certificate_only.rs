//! The engine without its `psk` feature (a certificate-only firmware): PSK is refused with a
//! clear error and a certificate handshake still completes.

use std::sync::Arc;

use dtls::config::{CertifiedKey, PinnedCertificates, Psk, PskTable};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoProvider, DeterministicRandom, SignatureScheme};
use dtls::wire::{CipherSuite, KeyExchangeKind};
use dtls::{Client, ClientConfig, Error, Event, Instant, Server, ServerConfig};

const CERT_DER: &[u8] = include_bytes!("../../dtls/tests/data/server.crt.der");
const KEY_DER: &[u8] = include_bytes!("../../dtls/tests/data/server.key.der");

fn rng(seed: u64) -> Box<DeterministicRandom> {
    Box::new(DeterministicRandom::from_u64(seed))
}

fn client_config() -> ClientConfig {
    let mut c = ClientConfig::new(Arc::new(RustCrypto));
    c.verifier = Some(Arc::new(PinnedCertificates {
        leaves: vec![CERT_DER.to_vec()],
    }));
    c
}

fn server_config() -> ServerConfig {
    let mut s = ServerConfig::new(Arc::new(RustCrypto));
    let key = RustCrypto
        .signing_key(SignatureScheme::EcdsaP256Sha256, KEY_DER)
        .unwrap();
    s.certificate = Some(Arc::new(CertifiedKey {
        chain: vec![CERT_DER.to_vec()],
        key,
    }));
    s
}

#[test]
fn no_psk_suite_is_supported() {
    assert!(!dtls::suite::SUPPORTED.is_empty());
    for p in dtls::suite::SUPPORTED {
        assert_ne!(p.key_exchange, KeyExchangeKind::Psk, "{:?}", p.suite);
    }
}

#[test]
fn a_psk_configuration_is_refused_with_a_clear_error() {
    let psk = Psk::new(b"device-17", &[0x1a; 16]).unwrap();
    let mut c = client_config();
    c.psk = Some(psk.clone());
    let e = Client::new(Arc::new(c), rng(1), Instant::ZERO).unwrap_err();
    assert!(
        matches!(e, Error::Config(why) if why.contains("`psk` feature")),
        "{e:?}"
    );

    let mut s = server_config();
    s.psk_store = Some(Arc::new(PskTable::new().with(psk)));
    let e = Server::<u32>::new(Arc::new(s), rng(2)).unwrap_err();
    assert!(
        matches!(e, Error::Config(why) if why.contains("`psk` feature")),
        "{e:?}"
    );

    let mut c = client_config();
    c.common.cipher_suites = vec![CipherSuite::TLS_PSK_WITH_AES_128_CCM_8];
    let e = Client::new(Arc::new(c), rng(3), Instant::ZERO).unwrap_err();
    assert!(
        matches!(e, Error::Config(why) if why.contains("`psk` feature")),
        "{e:?}"
    );
}

#[test]
fn a_certificate_handshake_completes_and_carries_data() {
    let now = Instant::ZERO;
    let mut client = Client::new(Arc::new(client_config()), rng(4), now).unwrap();
    let mut server: Server<u32> = Server::new(Arc::new(server_config()), rng(5)).unwrap();
    let mut buf = vec![0u8; 1500];
    let (mut connected, mut echoed) = (None, false);
    for _ in 0..20 {
        while let Some(n) = client.poll_transmit(&mut buf).unwrap() {
            server.handle_datagram(now, 7, &buf[..n]);
        }
        while let Some((_, n)) = server.poll_transmit(&mut buf).unwrap() {
            client.handle_datagram(now, &buf[..n]);
        }
        while let Some((peer, e)) = server.poll_event() {
            if let Event::Data(d) = e {
                server.send(&peer, &d).unwrap();
            }
        }
        while let Some(e) = client.poll_event() {
            match e {
                Event::Connected { suite, .. } => {
                    connected = Some(suite);
                    client.send(b"no psk here").unwrap();
                }
                Event::Data(d) => echoed = d == b"no psk here",
                other => panic!("{other:?}"),
            }
        }
        if echoed {
            break;
        }
    }
    let suite = connected.expect("the handshake completes");
    assert_eq!(suite.key_exchange(), Some(KeyExchangeKind::Ecdhe));
    assert!(echoed, "the echo came back");
}
