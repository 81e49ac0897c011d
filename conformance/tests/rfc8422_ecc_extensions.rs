//! RFC 8422 4 and 5.1: the ECC hello extensions, as our client sends them.

mod common;

use common::*;
use dtls::codec::Codec;
use dtls::wire::{CipherSuite, ClientHello, ExtensionType, HandshakeType as HT};

fn client_hello(suites: Vec<CipherSuite>) -> ClientHello {
    let mut c = client_config(suites[0]);
    c.common.cipher_suites = suites;
    let mut p = Pair::new(c, server_config(true), 27);
    let d = p.client_sent().remove(0);
    ClientHello::parse(&find_message(&d, HT::CLIENT_HELLO).unwrap()).unwrap()
}

// catalogue: RFC8422-4-1, RFC8422-5.1-1, RFC8422-4-3
#[test]
fn ecc_extensions_are_sent_exactly_when_ecc_suites_are_offered() {
    let groups = ExtensionType::from(10u16);
    let formats = ExtensionType::from(11u16);
    let ecc = client_hello(vec![
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
    ]);
    let ext = ecc.extensions.unwrap();
    assert!(ext.contains(groups) && ext.contains(formats));
    // The point format list holds uncompressed (0).
    let body = &ext.get(formats).unwrap().data;
    assert!(body[1..].contains(&0), "{body:?}");
    let psk_only = client_hello(vec![CipherSuite::TLS_PSK_WITH_AES_128_CCM_8]);
    let ext = psk_only.extensions.unwrap();
    assert!(!ext.contains(groups) && !ext.contains(formats));
}
