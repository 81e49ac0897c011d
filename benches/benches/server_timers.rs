//! The server's timer work against the size of its session table: `poll_timeout` and a
//! `handle_timeout` with one session due must cost O(log n), not a scan of every session
//! (the table files sessions in an ordered deadline queue). Run with 100, 1,000 and 10,000
//! established sessions; the figures should stay flat across sizes.

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use dtls::config::{ClientConfig, Psk, PskTable, ServerConfig};
use dtls::crypto::DeterministicRandom;
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::wire::CipherSuite;
use dtls::{Client, Instant, Server};

fn configs() -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let psk = Psk::new(b"bench", &[7; 16]).expect("psk");
    let mut client = ClientConfig::new(Arc::new(RustCrypto));
    client.common.cipher_suites = vec![CipherSuite::TLS_PSK_WITH_AES_128_CCM_8];
    client.psk = Some(psk.clone());
    let mut server = ServerConfig::new(Arc::new(RustCrypto));
    server.common.limits.max_sessions = 20_000;
    server.psk_store = Some(Arc::new(PskTable::new().with(psk)));
    (Arc::new(client), Arc::new(server))
}

/// A server with `n` established sessions, their handshakes spread over `n` milliseconds so
/// that their deadlines differ.
fn server_with(n: u32) -> Server<u32> {
    let (client_cfg, server_cfg) = configs();
    let mut server = Server::new(server_cfg, Box::new(DeterministicRandom::from_u64(1))).expect("server");
    let mut buf = vec![0u8; 2048];
    for addr in 0..n {
        let now = Instant::from_millis(u64::from(addr));
        let mut client = Client::new(
            client_cfg.clone(),
            Box::new(DeterministicRandom::from_u64(u64::from(addr) + 10)),
            now,
        )
        .expect("client");
        for _ in 0..8 {
            while let Some(len) = client.poll_transmit(&mut buf).unwrap() {
                server.handle_datagram(now, addr, &buf[..len]);
            }
            while let Some((_, len)) = server.poll_transmit(&mut buf).unwrap() {
                client.handle_datagram(now, &buf[..len]);
            }
            if client.is_connected() {
                break;
            }
        }
        assert!(client.is_connected());
        while server.poll_event().is_some() {}
    }
    assert_eq!(server.session_count(), n as usize);
    server
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("server_timers");
    for n in [100u32, 1_000, 10_000] {
        let mut server = server_with(n);
        group.bench_function(BenchmarkId::new("poll_timeout", n), |b| {
            b.iter(|| std::hint::black_box(server.poll_timeout()))
        });
        // The common case: called at a time when no session is due yet.
        let before_any = Instant::from_millis(server.poll_timeout().expect("deadline").as_millis() - 1);
        group.bench_function(BenchmarkId::new("handle_timeout_none_due", n), |b| {
            b.iter(|| server.handle_timeout(before_any))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
