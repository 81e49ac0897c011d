//! One snapshot per suite of a decoded handshake transcript (deterministic RNG and clock), so
//! any change in what goes on the wire shows up as a diff under `snapshots/`.

mod common;

use std::fmt::Write;

use common::*;
use dtls::codec::Codec;
use dtls::wire::{
    CipherSuite, ClientHello, ContentType, HandshakeType, ServerHello, record_spans, split_handshake,
};

fn describe_handshake(out: &mut String, ty: HandshakeType, body: &[u8], whole: bool) {
    match ty {
        HandshakeType::CLIENT_HELLO if whole => {
            let h = ClientHello::parse(body).unwrap();
            let suites: Vec<_> = h.cipher_suites.iter().map(|s| format!("{s:?}")).collect();
            let ext: Vec<_> = h
                .extension_list()
                .iter()
                .map(|e| format!("{:?}", e.typ))
                .collect();
            let _ = write!(
                out,
                " cookie={}B suites=[{}] ext=[{}]",
                h.cookie.len(),
                suites.join(","),
                ext.join(",")
            );
        }
        HandshakeType::SERVER_HELLO if whole => {
            let h = ServerHello::parse(body).unwrap();
            let ext: Vec<_> = h
                .extension_list()
                .iter()
                .map(|e| format!("{:?}", e.typ))
                .collect();
            let _ = write!(out, " suite={:?} ext=[{}]", h.cipher_suite, ext.join(","));
        }
        _ => {}
    }
}

fn transcript(suite: CipherSuite, mtu: usize, compact: bool) -> String {
    let mut client = client_config(suite, mtu);
    let mut server = server_config(true, mtu);
    client.common.compact = compact;
    server.common.compact = compact;
    let mut pair = Pair::new(client, server, 2024);
    pair.handshake();
    pair.client.send(b"hello").unwrap();
    pair.step(&mut |_, _, _| false);
    pair.server.send(&CLIENT_ADDR, b"world").unwrap();
    pair.step(&mut |_, _, _| false);
    pair.client.close(pair.now);
    pair.step(&mut |_, _, _| false);
    pair.step(&mut |_, _, _| false);
    let mut out = String::new();
    let mut total = 0;
    for (i, (from_client, d)) in pair.wire.iter().enumerate() {
        total += d.len();
        let dir = if *from_client { "C->S" } else { "S->C" };
        let _ = writeln!(out, "#{i} {dir} datagram {} bytes", d.len());
        for span in record_spans(d) {
            let span = span.unwrap();
            let h = span.header;
            let fragment = &d[span.fragment_range.clone()];
            let _ = write!(
                out,
                "  record {:?} epoch={} seq={} len={}",
                h.content_type, h.epoch, h.sequence_number, h.length
            );
            if h.epoch == 0 && h.content_type == ContentType::HANDSHAKE {
                out.push('\n');
                for f in split_handshake(fragment) {
                    let f = f.unwrap();
                    let hh = f.header;
                    let whole = hh.fragment_offset == 0 && hh.fragment_length == hh.length;
                    let _ = write!(
                        out,
                        "    {:?} msg_seq={} len={} frag={}+{}",
                        hh.msg_type, hh.message_seq, hh.length, hh.fragment_offset, hh.fragment_length
                    );
                    describe_handshake(&mut out, hh.msg_type, f.body, whole);
                    out.push('\n');
                }
            } else if h.epoch > 0 {
                out.push_str(" (protected)\n");
            } else {
                let _ = writeln!(out, " {:02x?}", fragment);
            }
        }
    }
    let _ = writeln!(out, "total {} datagrams, {} bytes", pair.wire.len(), total);
    out
}

fn snapshot(name: &str, suite: CipherSuite, mtu: usize) {
    snapshot_with(name, suite, mtu, false);
}

fn snapshot_with(name: &str, suite: CipherSuite, mtu: usize, compact: bool) {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots/transcripts"),
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, transcript(suite, mtu, compact));
    });
}

#[test]
fn psk_aes_128_ccm_8() {
    snapshot("psk_aes_128_ccm_8", CipherSuite::TLS_PSK_WITH_AES_128_CCM_8, 1200);
}

/// The opt-in `compact` packing: several handshake messages share a record (RFC 6347 4.2.3).
#[test]
fn psk_aes_128_ccm_8_compact() {
    snapshot_with(
        "psk_aes_128_ccm_8_compact",
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
        1200,
        true,
    );
}

#[test]
fn psk_aes_128_gcm_sha256() {
    snapshot(
        "psk_aes_128_gcm_sha256",
        CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
        1200,
    );
}

#[test]
fn psk_aes_128_cbc_sha256() {
    snapshot(
        "psk_aes_128_cbc_sha256",
        CipherSuite::TLS_PSK_WITH_AES_128_CBC_SHA256,
        1200,
    );
}

#[test]
fn ecdhe_ecdsa_aes_128_ccm_8() {
    snapshot(
        "ecdhe_ecdsa_aes_128_ccm_8",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
        1200,
    );
}

#[test]
fn ecdhe_ecdsa_aes_128_gcm_sha256_mtu_300() {
    snapshot(
        "ecdhe_ecdsa_aes_128_gcm_sha256_mtu_300",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        300,
    );
}

#[test]
fn same_seed_gives_byte_identical_datagrams() {
    let run = || {
        let mut pair = Pair::new(
            client_config(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 300),
            server_config(true, 300),
            77,
        );
        pair.handshake();
        pair.client.send(b"x").unwrap();
        pair.step(&mut |_, _, _| false);
        pair.wire
    };
    let a = run();
    assert_eq!(a, run());
    assert!(a.len() > 6);
}
