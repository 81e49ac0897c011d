//! Handshakes per second with client and server in one process over a perfect in-memory link,
//! for PSK-CCM_8 (with cookies), ECDHE-ECDSA-GCM (pinned self-signed leaf), and with the test
//! PKI's two-certificate chains validated by `WebPkiVerifier`: ECDHE-ECDSA-GCM, ECDHE-RSA-GCM
//! and RSA-AES128-CBC-SHA (group `handshake`); also reports each handshake's bytes on the wire
//! once, so a change that wastes bytes shows up next to the timing.
//!
//! One side's work alone (groups `handshake-client` and `handshake-server`): one handshake is
//! recorded with fixed RNG seeds, then each iteration replays the recorded datagrams of the
//! peer into a fresh endpoint with the same seed. The engine is deterministic, so the replayed
//! endpoint sends exactly what it sent in the recording (checked once before timing) and the
//! recorded peer flights stay valid for it: the time is that endpoint's handshake work alone
//! (parsing, key exchange, signatures, chain validation, record protection), with nothing of
//! the peer's. A fresh server is built outside the timed part (`iter_batched`), since building
//! one parses its certificates; the client's `Client::new` is timed, since it writes the
//! ClientHello.
//!
//! `cargo bench -p dtls-benches --bench handshake`

use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use dtls::config::{CertifiedKey, ClientConfig, PinnedCertificates, Psk, PskTable, ServerConfig};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoProvider, DeterministicRandom, SignatureScheme};
use dtls::wire::CipherSuite;
use dtls::{Client, Event, Instant, Server};

macro_rules! pki {
    ($name:literal) => {
        include_bytes!(concat!("../../dtls/tests/data/pki/", $name))
    };
}

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
        while let Some(n) = client.poll_transmit(&mut buf).unwrap() {
            bytes += n;
            server.handle_datagram(now, addr, &buf[..n]);
        }
        while let Some((_, n)) = server.poll_transmit(&mut buf).unwrap() {
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

/// 2030-01-01: inside the test PKI's validity (the bench has no calendar).
const JAN_2030: u64 = 1_893_456_000;

/// Configurations with the test PKI: the server holds the RSA and P-256 identities (leaf +
/// intermediate), the client validates chains against the roots with `WebPkiVerifier`.
fn pki_configs(suite: CipherSuite) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let provider = Arc::new(RustCrypto);
    let mut roots = dtls::pki::TrustStore::new();
    roots.add_all(pki!("roots.pem")).expect("roots");
    let mut client = ClientConfig::new(provider.clone());
    client.common.cipher_suites = vec![suite];
    client.verifier = Some(Arc::new(dtls::pki::WebPkiVerifier::new(
        provider.clone(),
        roots,
        dtls::pki::ValidityCheck::at(dtls::pki::FixedTime(JAN_2030)),
    )));
    client.server_name = Some("server.dtls.test".into());
    let mut ids = dtls::pki::Identities::new();
    for (chain, key) in [
        (&pki!("rsa-server.chain.pem")[..], &pki!("rsa-server.key.pem")[..]),
        (&pki!("ec-server.chain.pem")[..], &pki!("ec-server.key.pem")[..]),
    ] {
        ids.add(dtls::pki::Identity::load(provider.as_ref(), chain, key).expect("identity"));
    }
    let mut server = ServerConfig::new(provider);
    server.identities = Some(Arc::new(ids));
    (Arc::new(client), Arc::new(server))
}

/// The suites measured, with how their configurations are made.
type Setup = fn(CipherSuite) -> (Arc<ClientConfig>, Arc<ServerConfig>);

const CASES: &[(&str, CipherSuite, Setup)] = &[
    (
        "PSK-AES128-CCM8",
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
        configs,
    ),
    (
        "ECDHE-ECDSA-AES128-GCM",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        configs,
    ),
    (
        "ECDHE-ECDSA-AES128-GCM-chain",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        pki_configs,
    ),
    (
        "ECDHE-RSA-AES128-GCM-chain",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        pki_configs,
    ),
    (
        "RSA-AES128-CBC-SHA-chain",
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        pki_configs,
    ),
];

const CLIENT_SEED: u64 = 11;
const SERVER_SEED: u64 = 12;
const ADDR: u32 = 1;

/// The datagrams of one handshake, batch by batch: each batch is what one side sent in answer
/// to the other's previous batch (the first client batch is the ClientHello).
struct Recording {
    client: Vec<Vec<Vec<u8>>>,
    server: Vec<Vec<Vec<u8>>>,
}

fn drain_client(client: &mut Client, buf: &mut [u8]) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| client.poll_transmit(buf).unwrap().map(|n| buf[..n].to_vec())).collect()
}

fn drain_server(server: &mut Server<u32>, buf: &mut [u8]) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| server.poll_transmit(buf).unwrap().map(|(_, n)| buf[..n].to_vec())).collect()
}

fn new_client(config: &Arc<ClientConfig>) -> Client {
    Client::new(
        config.clone(),
        Box::new(DeterministicRandom::from_u64(CLIENT_SEED)),
        Instant::ZERO,
    )
    .expect("client")
}

fn new_server(config: &Arc<ServerConfig>) -> Server<u32> {
    Server::new(
        config.clone(),
        Box::new(DeterministicRandom::from_u64(SERVER_SEED)),
    )
    .expect("server")
}

/// One handshake between fresh endpoints with the fixed seeds.
fn record(client_cfg: &Arc<ClientConfig>, server_cfg: &Arc<ServerConfig>) -> Recording {
    let mut buf = vec![0u8; 2048];
    let mut client = new_client(client_cfg);
    let mut server = new_server(server_cfg);
    let mut rec = Recording {
        client: Vec::new(),
        server: Vec::new(),
    };
    for _ in 0..8 {
        let batch = drain_client(&mut client, &mut buf);
        for d in &batch {
            server.handle_datagram(Instant::ZERO, ADDR, d);
        }
        rec.client.push(batch);
        let batch = drain_server(&mut server, &mut buf);
        for d in &batch {
            client.handle_datagram(Instant::ZERO, d);
        }
        rec.server.push(batch);
        if client.is_connected() {
            return rec;
        }
    }
    panic!("recorded handshake did not complete");
}

/// The client's side: a fresh client fed the server's recorded batches. Returns what it sent.
fn replay_client(config: &Arc<ClientConfig>, rec: &Recording, buf: &mut [u8]) -> Vec<Vec<Vec<u8>>> {
    let mut client = new_client(config);
    let mut sent = Vec::with_capacity(rec.client.len());
    for batch in &rec.server {
        sent.push(drain_client(&mut client, buf));
        for d in batch {
            client.handle_datagram(Instant::ZERO, d);
        }
    }
    assert!(client.is_connected(), "replayed client did not connect");
    sent
}

/// The server's side: `server` (fresh) fed the client's recorded batches. Returns what it sent.
fn replay_server(mut server: Server<u32>, rec: &Recording, buf: &mut [u8]) -> Vec<Vec<Vec<u8>>> {
    let mut sent = Vec::with_capacity(rec.server.len());
    for batch in &rec.client {
        for d in batch {
            server.handle_datagram(Instant::ZERO, ADDR, d);
        }
        sent.push(drain_server(&mut server, buf));
    }
    assert!(
        std::iter::from_fn(|| server.poll_event()).any(|(_, e)| matches!(e, Event::Connected { .. })),
        "replayed server did not connect"
    );
    sent
}

fn one_side(c: &mut Criterion) {
    let mut client_group = c.benchmark_group("handshake-client");
    client_group.throughput(Throughput::Elements(1));
    let mut buf = vec![0u8; 2048];
    let mut recordings = Vec::new();
    for (name, suite, setup) in CASES {
        let (client_cfg, server_cfg) = setup(*suite);
        let rec = record(&client_cfg, &server_cfg);
        // The replays are faithful: each side sends exactly what it sent in the recording.
        assert_eq!(replay_client(&client_cfg, &rec, &mut buf), rec.client, "{name}");
        let server_sent = replay_server(new_server(&server_cfg), &rec, &mut buf);
        assert_eq!(server_sent, rec.server, "{name}");
        client_group.bench_function(*name, |b| b.iter(|| replay_client(&client_cfg, &rec, &mut buf)));
        recordings.push((name, server_cfg, rec));
    }
    client_group.finish();
    let mut server_group = c.benchmark_group("handshake-server");
    server_group.throughput(Throughput::Elements(1));
    for (name, server_cfg, rec) in &recordings {
        server_group.bench_function(**name, |b| {
            b.iter_batched(
                || new_server(server_cfg),
                |server| replay_server(server, rec, &mut buf),
                BatchSize::SmallInput,
            )
        });
    }
    server_group.finish();
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("handshake");
    group.throughput(Throughput::Elements(1));
    for (name, suite, setup) in CASES {
        let (client, server_cfg) = setup(*suite);
        let mut server =
            Server::new(server_cfg.clone(), Box::new(DeterministicRandom::from_u64(1))).expect("server");
        let bytes = handshake(&client, &mut server, 0, 0);
        println!("{name}: {bytes} bytes on the wire per handshake (with cookie exchange)");
        let mut seed = 1u64;
        group.bench_function(*name, |b| {
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

criterion_group!(benches, bench, one_side);
criterion_main!(benches);
