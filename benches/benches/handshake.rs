//! Handshakes per second with client and server in one process over a perfect in-memory link,
//! for PSK-CCM_8 (with cookies) and ECDHE-ECDSA-GCM; also reports the handshake's bytes on the
//! wire once, so a change that wastes bytes shows up next to the timing.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dtls::config::{CertifiedKey, ClientConfig, PinnedCertificates, Psk, PskTable, ServerConfig};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoProvider, DeterministicRandom, SignatureScheme};
use dtls::wire::CipherSuite;
use dtls::{Client, Event, Instant, Server};

const CERT: &[u8] = include_bytes!("../../dtls/tests/data/server.crt.der");
const KEY: &[u8] = include_bytes!("../../dtls/tests/data/server.key.der");

fn configs(suite: CipherSuite) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let provider = Arc::new(RustCrypto);
    let psk = Psk::new(b"bench", &[7; 16]).expect("psk");
    let mut client = ClientConfig::new(provider.clone());
    client.common.cipher_suites = vec![suite];
    client.psk = Some(psk.clone());
    client.verifier = Some(Arc::new(PinnedCertificates {
        leaves: vec![CERT.to_vec()],
    }));
    let mut server = ServerConfig::new(provider.clone());
    server.psk_store = Some(Arc::new(PskTable::new().with(psk)));
    let key = provider
        .signing_key(SignatureScheme::EcdsaP256Sha256, KEY)
        .expect("key");
    server.certificate = Some(Arc::new(CertifiedKey {
        chain: vec![CERT.to_vec()],
        key,
    }));
    (Arc::new(client), Arc::new(server))
}

/// One complete handshake; returns the handshake's bytes on the wire (UDP payloads).
fn handshake(client_cfg: &Arc<ClientConfig>, server: &mut Server<u32>, seed: u64, addr: u32) -> usize {
    let now = Instant::ZERO;
    let mut client = Client::new(
        client_cfg.clone(),
        Box::new(DeterministicRandom::from_u64(seed)),
        now,
    )
    .expect("client");
    let mut buf = vec![0u8; 2048];
    let mut bytes = 0;
    for _ in 0..8 {
        while let Some(n) = client.poll_transmit(&mut buf) {
            bytes += n;
            server.handle_datagram(now, addr, &buf[..n]);
        }
        while let Some((_, n)) = server.poll_transmit(&mut buf) {
            bytes += n;
            client.handle_datagram(now, &buf[..n]);
        }
        if client.is_connected() {
            while server.poll_event().is_some() {}
            return bytes;
        }
    }
    let events: Vec<Event> = std::iter::from_fn(|| client.poll_event()).collect();
    panic!("handshake did not complete: {events:?}");
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("handshake");
    group.throughput(Throughput::Elements(1));
    for (name, suite) in [
        ("PSK-AES128-CCM8", CipherSuite::TLS_PSK_WITH_AES_128_CCM_8),
        (
            "ECDHE-ECDSA-AES128-GCM",
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
    ] {
        let (client, server_cfg) = configs(suite);
        let mut server =
            Server::new(server_cfg.clone(), Box::new(DeterministicRandom::from_u64(1))).expect("server");
        let bytes = handshake(&client, &mut server, 0, 0);
        println!("{name}: {bytes} bytes on the wire per handshake (with cookie exchange)");
        let mut seed = 1u64;
        group.bench_function(name, |b| {
            b.iter(|| {
                seed += 1;
                // A fresh address each time: every handshake is a new session (and the table
                // is reset before it fills).
                if server.session_count() >= 1000 {
                    server = Server::new(server_cfg.clone(), Box::new(DeterministicRandom::from_u64(seed)))
                        .expect("server");
                }
                handshake(&client, &mut server, seed, seed as u32)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
