//! Out-of-order and future handshake fragments and early next-epoch records buffered during a
//! handshake are freed when it completes: the heap held by both endpoints after a handshake
//! with such leftovers equals the heap after a clean handshake. Its own binary because it
//! installs a counting global allocator.

mod common;

use std::alloc::System;
use std::sync::Arc;

use common::*;
use dtls::wire::{CipherSuite, ContentType, HandshakeType, ProtocolVersion};
use dtls::{Client, Instant, Server};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Garbage the peer could send mid-handshake: incomplete fragments of future messages (each
/// makes the reassembler allocate its declared length) and next-epoch records.
fn leftovers(first_seq: u16) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (i, seq) in [first_seq + 2, first_seq + 3].into_iter().enumerate() {
        out.push(handshake_record(
            500 + i as u64,
            HandshakeType::CERTIFICATE,
            2000,
            seq,
            0,
            &[7; 10],
        ));
    }
    out.push(plain_record(
        ContentType::APPLICATION_DATA,
        1,
        9,
        &[1; 60],
        ProtocolVersion::DTLS1_2,
    ));
    out
}

/// Heap bytes live after a complete handshake (both endpoints kept alive), with or without
/// leftovers injected on both sides.
fn handshake(suite: CipherSuite, inject: bool) -> i64 {
    let mut buf = vec![0u8; 4000];
    let to_server = leftovers(3);
    let to_client = leftovers(2);
    let region = Region::new(GLOBAL);
    let mut client = Client::new(
        Arc::new(client_config(suite, 1200)),
        Box::new(TestRng(1)),
        Instant::ZERO,
    )
    .unwrap();
    let mut server: Server<Addr> =
        Server::new(Arc::new(server_config(true, 1200)), Box::new(TestRng(2))).unwrap();
    let now = Instant::ZERO;
    for round in 0..6 {
        while let Some(n) = client.poll_transmit(&mut buf).unwrap() {
            server.handle_datagram(now, CLIENT_ADDR, &buf[..n]);
        }
        if inject && round == 1 {
            // The server's session exists now (after the second ClientHello).
            for d in &to_server {
                server.handle_datagram(now, CLIENT_ADDR, d);
            }
        }
        while let Some((_, n)) = server.poll_transmit(&mut buf).unwrap() {
            client.handle_datagram(now, &buf[..n]);
        }
        if inject && round == 0 {
            for d in &to_client {
                client.handle_datagram(now, d);
            }
        }
        while client.poll_event().is_some() {}
        while server.poll_event().is_some() {}
    }
    assert!(client.is_connected(), "{suite:?} inject={inject}");
    assert_eq!(server.session_count(), 1);
    let change = region.change();
    let live = change.bytes_allocated as i64 - change.bytes_deallocated as i64;
    drop((client, server));
    live
}

fn main() {
    for suite in [
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ] {
        let clean = handshake(suite, false);
        let with_leftovers = handshake(suite, true);
        assert_eq!(
            with_leftovers, clean,
            "{suite:?}: {with_leftovers} bytes held after a handshake with leftovers, {clean} after a clean one"
        );
        println!(
            "leftovers_memory: {suite:?}: {clean} bytes held by client + server after the handshake, leftovers or not: ok"
        );
    }
}
