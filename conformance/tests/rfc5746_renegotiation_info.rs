//! RFC 5746: renegotiation indication in the initial handshake (renegotiation itself is
//! refused with no_renegotiation, see `openssl_interop.rs`).

mod common;

use std::sync::Arc;

use common::*;
use dtls::codec::Codec;
use dtls::crypto::DeterministicRandom;
use dtls::wire::{
    AlertDescription as AD, CipherSuite, ClientHello, CompressionMethod, Extension, ExtensionType,
    Extensions, HandshakeType as HT, ProtocolVersion, RenegotiationInfo, ServerHello,
};
use dtls::{Duration, Instant, Server};

const PSK: CipherSuite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;
const SCSV: CipherSuite = CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV;

fn answer(hello: &ClientHello) -> Vec<Vec<u8>> {
    let mut s = Server::new(
        Arc::new(server_config(false)),
        Box::new(DeterministicRandom::from_u64(14)),
    )
    .unwrap();
    s.handle_datagram(
        Instant::ZERO,
        1,
        &handshake_datagram(HT::CLIENT_HELLO, 0, 0, &encode(hello)),
    );
    let mut out = vec![];
    let mut buf = vec![0u8; 4000];
    while let Some((_, n)) = s.poll_transmit(&mut buf).unwrap() {
        out.push(buf[..n].to_vec());
    }
    out
}

fn hello(suites: Vec<CipherSuite>, renegotiation_info: Option<Vec<u8>>) -> ClientHello {
    let mut ext = vec![Extension::empty(ExtensionType::EXTENDED_MASTER_SECRET)];
    if let Some(ri) = renegotiation_info {
        let body = RenegotiationInfo {
            renegotiated_connection: ri,
        };
        ext.push(Extension::from_body(&body).unwrap());
    }
    ClientHello {
        client_version: ProtocolVersion::DTLS1_2,
        random: [4; 32],
        session_id: vec![],
        cookie: vec![],
        cipher_suites: suites,
        compression_methods: vec![CompressionMethod::NULL],
        extensions: Some(Extensions(ext)),
    }
}

fn renegotiation_info_of(out: &[Vec<u8>]) -> Option<Option<Vec<u8>>> {
    let body = out.iter().find_map(|d| find_message(d, HT::SERVER_HELLO))?;
    let sh = ServerHello::parse(&body).unwrap();
    let ext = sh.extensions.unwrap_or_default();
    Some(
        ext.find::<RenegotiationInfo>()
            .map(|ri| ri.unwrap().renegotiated_connection),
    )
}

// catalogue: RFC5746-3.4-1, RFC5746-3.4-2
#[test]
fn client_signals_secure_renegotiation_with_the_scsv_alone() {
    let mut p = Pair::new(client_config(PSK), server_config(false), 15);
    let d = p.client_sent().remove(0);
    let ch = ClientHello::parse(&find_message(&d, HT::CLIENT_HELLO).unwrap()).unwrap();
    assert!(ch.offers(SCSV));
    assert!(
        !ch.extensions
            .unwrap_or_default()
            .contains(ExtensionType::RENEGOTIATION_INFO),
        "both the SCSV and the extension: not recommended"
    );
}

// catalogue: RFC5746-3.6-1, RFC5746-3.6-4
#[test]
fn server_answers_the_scsv_with_an_empty_renegotiation_info() {
    assert_eq!(
        renegotiation_info_of(&answer(&hello(vec![PSK, SCSV], None))),
        Some(Some(vec![]))
    );
}

// catalogue: RFC5746-3.6-2, RFC5746-3.6-4
#[test]
fn server_answers_an_empty_renegotiation_info_extension_with_one() {
    assert_eq!(
        renegotiation_info_of(&answer(&hello(vec![PSK], Some(vec![])))),
        Some(Some(vec![]))
    );
}

// catalogue: RFC5746-3.6-7
#[test]
fn server_sends_no_renegotiation_info_to_a_client_that_did_not_signal() {
    assert_eq!(
        renegotiation_info_of(&answer(&hello(vec![PSK], None))),
        Some(None)
    );
}

// catalogue: RFC5746-3.6-3
#[test]
fn server_refuses_a_non_empty_renegotiation_info_in_an_initial_handshake() {
    let out = answer(&hello(vec![PSK, SCSV], Some(vec![1; 12])));
    assert_eq!(renegotiation_info_of(&out), None, "no ServerHello");
}

// catalogue: RFC5746-3.4-3, RFC5746-3.4-4
#[test]
fn client_refuses_a_non_empty_renegotiation_info_with_handshake_failure() {
    let mut p = Pair::new(client_config(PSK), server_config(false), 16);
    let mut rewritten = false;
    p.run(Duration::from_secs(5), &mut |from_client, d| {
        if !from_client {
            rewritten |= rewrite_message(d, HT::SERVER_HELLO, &mut |b| {
                let mut sh = ServerHello::parse(b).unwrap();
                let mut ext = Extensions::new();
                for e in sh.extensions.take().unwrap_or_default().iter() {
                    if e.typ != ExtensionType::RENEGOTIATION_INFO {
                        ext.push(e.clone());
                    }
                }
                ext.push_body(&RenegotiationInfo {
                    renegotiated_connection: vec![9; 24],
                })
                .unwrap();
                sh.extensions = Some(ext);
                sh.to_vec().unwrap()
            });
        }
        true
    });
    assert!(rewritten);
    assert!(!p.client.is_connected());
    assert_eq!(sent_alert(&p.client_events), Some(AD::HANDSHAKE_FAILURE));
}
