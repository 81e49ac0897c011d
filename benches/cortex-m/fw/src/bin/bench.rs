//! The measuring firmware: record seal/open per suite and payload size (ours through
//! `dtls::record`, and the raw AEAD), the same payloads through Mbed TLS and tinydtls, and full
//! handshakes with both sides in the image, each side measured alone by replaying the other
//! side's recorded datagrams (instructions, peak heap, peak stack, allocations).
//!
//! Output: one CSV line per figure on semihosting stdout,
//! `M,<group>,<implementation>,<subject>,<operation>,<size>,<value>`; `run.sh` turns them into
//! RESULTS.md. With arguments (`-semihosting-config arg=fw,arg=...`) it runs one measurement
//! `ITERS` times and prints `T,<total instructions>` for the criterion bench:
//!
//! - `fw record <cipher> <seal|open> <size> <iters>` (cipher: ccm8, ccm, gcm, cbc, cbc-etm, ccm8-256)
//! - `fw record-table <ccm8|ccm|ccm8-256> <seal|open> <size> <iters>` (the table-AES provider)
//! - `fw peer <mbed-ccm8|mbed-ccm|mbed-gcm|tiny-ccm8> <seal|open> <size> <iters>`
//! - `fw handshake <psk|ecdhe> <client|server> <iters>`
#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use cortex_m_rt::entry;
use dtls::config::{CertifiedKey, ClientConfig, PinnedCertificates, Psk, PskTable, ServerConfig};
use dtls::crypto::rustcrypto::{Aead, RustCrypto};
use dtls::crypto::table_aes::table_aes_provider;
use dtls::crypto::{BulkCipher, CryptoProvider, DeterministicRandom, SecureRandom, SignatureScheme};
use dtls::record::RecordLayer;
use dtls::wire::CipherSuite;
use dtls::{Client, Event, Instant, Server};
use dtls_cortex_m::heap::CountingHeap;
use dtls_cortex_m::peers::{Peer, PeerAlg};
use dtls_cortex_m::{counter, io, out, stack};

#[global_allocator]
static HEAP: CountingHeap = CountingHeap::new();

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    out!("panic: {}", info);
    io::exit(false)
}

const SIZES: [usize; 4] = [16, 64, 256, 1024];
const APPLICATION_DATA: u8 = 23;
const ENC_KEY: [u8; 16] = [0x2b; 16];
const ENC_KEY_256: [u8; 32] = [0x2b; 32];
const MAC_KEY: [u8; 32] = [0x7e; 32];
const FIXED_IV: [u8; 4] = [0x10, 0x20, 0x30, 0x40];
/// Epoch 1, sequence 0: the nonce and AAD of the raw and C measurements.
const SEQ: [u8; 8] = [0, 1, 0, 0, 0, 0, 0, 0];

const CERT: &[u8] = include_bytes!("../../../../../dtls/tests/data/server.crt.der");
const KEY: &[u8] = include_bytes!("../../../../../dtls/tests/data/server.key.der");

/// Cheap deterministic bytes for CBC IVs (SplitMix64), as in the host record bench.
#[derive(Debug)]
struct BenchRng(u64);

impl SecureRandom for BenchRng {
    fn fill(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_be_bytes()[..chunk.len()]);
        }
    }
}

fn emit(group: &str, implementation: &str, subject: &str, op: &str, size: usize, value: u64) {
    out!(
        "M,{},{},{},{},{},{}",
        group,
        implementation,
        subject,
        op,
        size,
        value
    );
}

// ---------------------------------------------------------------------------------------------
// Records

#[derive(Clone, Copy)]
struct Cipher {
    arg: &'static str,
    name: &'static str,
    bulk: BulkCipher,
    key: &'static [u8],
}

const CIPHERS: [Cipher; 6] = [
    Cipher {
        arg: "ccm8",
        name: "AES-128-CCM_8",
        bulk: BulkCipher::AesCcm8,
        key: &ENC_KEY,
    },
    Cipher {
        arg: "ccm",
        name: "AES-128-CCM",
        bulk: BulkCipher::AesCcm,
        key: &ENC_KEY,
    },
    Cipher {
        arg: "gcm",
        name: "AES-128-GCM",
        bulk: BulkCipher::AesGcm,
        key: &ENC_KEY,
    },
    Cipher {
        arg: "ccm8-256",
        name: "AES-256-CCM_8",
        bulk: BulkCipher::AesCcm8,
        key: &ENC_KEY_256,
    },
    Cipher {
        arg: "cbc",
        name: "AES-128-CBC-SHA256",
        bulk: BulkCipher::AesCbcSha256 {
            encrypt_then_mac: false,
        },
        key: &ENC_KEY,
    },
    Cipher {
        arg: "cbc-etm",
        name: "AES-128-CBC-SHA256-EtM",
        bulk: BulkCipher::AesCbcSha256 {
            encrypt_then_mac: true,
        },
        key: &ENC_KEY,
    },
];

fn is_aead(bulk: BulkCipher) -> bool {
    matches!(
        bulk,
        BulkCipher::AesCcm8 | BulkCipher::AesCcm | BulkCipher::AesGcm
    )
}

fn record_cipher(provider: &dyn CryptoProvider, c: &Cipher) -> Box<dyn dtls::crypto::RecordCipher> {
    let (mac, iv): (&[u8], &[u8]) = if is_aead(c.bulk) {
        (&[], &FIXED_IV)
    } else {
        (&MAC_KEY, &[])
    };
    provider
        .record_cipher(c.bulk, c.key, mac, iv)
        .expect("record cipher")
}

/// A sender and a receiver in epoch 1.
fn layers(provider: &dyn CryptoProvider, c: &Cipher) -> (RecordLayer, RecordLayer) {
    let mut sender = RecordLayer::new();
    let mut receiver = RecordLayer::new();
    sender.install_write(record_cipher(provider, c)).expect("install");
    receiver
        .install_read(record_cipher(provider, c))
        .expect("install");
    (sender, receiver)
}

/// Instructions for `iters` record seals (or opens) of `size` bytes through `dtls::record`.
fn record_run(provider: &dyn CryptoProvider, c: &Cipher, seal: bool, size: usize, iters: u32) -> u64 {
    let payload: Vec<u8> = (0..size).map(|i| i as u8).collect();
    let (mut sender, mut receiver) = layers(provider, c);
    let mut rng = BenchRng(1);
    let mut out = vec![0u8; size + 128];
    let mut total = 0;
    for _ in 0..iters {
        if seal {
            let (n, t) = counter::measure(|| sender.seal(1, APPLICATION_DATA, &payload, &mut out, &mut rng));
            n.expect("seal");
            total += t;
        } else {
            let n = sender
                .seal(1, APPLICATION_DATA, &payload, &mut out, &mut rng)
                .expect("seal");
            let (opened, t) = counter::measure(|| receiver.open(&mut out[..n]).map(|o| o.plaintext.len()));
            assert_eq!(opened, Ok(size), "{} open", c.name);
            total += t;
        }
    }
    total
}

fn nonce_and_aad(size: usize) -> ([u8; 12], [u8; 13]) {
    let mut nonce = [0u8; 12];
    nonce[..4].copy_from_slice(&FIXED_IV);
    nonce[4..].copy_from_slice(&SEQ);
    let mut aad = [0u8; 13];
    aad[..8].copy_from_slice(&SEQ);
    aad[8] = APPLICATION_DATA;
    aad[9..11].copy_from_slice(&[0xFE, 0xFD]);
    aad[11..].copy_from_slice(&(size as u16).to_be_bytes());
    (nonce, aad)
}

/// The raw AEAD (no record layer): what the C peers are compared with.
fn raw_run(c: &Cipher, seal: bool, size: usize, iters: u32) -> u64 {
    let aead = Aead::new(c.bulk, c.key).expect("aead");
    let (nonce, aad) = nonce_and_aad(size);
    let mut data: Vec<u8> = (0..size).map(|i| i as u8).collect();
    let mut tag = vec![0u8; aead.tag_len()];
    let mut total = 0;
    for _ in 0..iters {
        if seal {
            let (r, t) = counter::measure(|| aead.seal_in_place(&nonce, &aad, &mut data, &mut tag));
            r.expect("seal");
            total += t;
        } else {
            data.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
            aead.seal_in_place(&nonce, &aad, &mut data, &mut tag)
                .expect("seal");
            let (r, t) = counter::measure(|| aead.open_in_place(&nonce, &aad, &mut data, &tag));
            r.expect("open");
            total += t;
        }
    }
    total
}

fn peer_run(alg: PeerAlg, seal: bool, size: usize, iters: u32) -> u64 {
    let mut peer = Peer::new(alg, &ENC_KEY);
    let (nonce, aad) = nonce_and_aad(size);
    let mut buf = vec![0u8; size + 16];
    let mut total = 0;
    for _ in 0..iters {
        buf[..size].iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
        if seal {
            let (_, t) = counter::measure(|| peer.seal(&nonce, &aad, &mut buf, size));
            total += t;
        } else {
            let n = peer.seal(&nonce, &aad, &mut buf, size);
            let (r, t) = counter::measure(|| peer.open(&nonce, &aad, &mut buf[..n]));
            assert_eq!(r, Some(size), "{alg:?} open");
            total += t;
        }
    }
    total
}

const PEERS: [(&str, &str, PeerAlg); 4] = [
    ("mbed-ccm8", "AES-128-CCM_8", PeerAlg::MbedCcm8),
    ("mbed-ccm", "AES-128-CCM", PeerAlg::MbedCcm16),
    ("mbed-gcm", "AES-128-GCM", PeerAlg::MbedGcm),
    ("tiny-ccm8", "AES-128-CCM_8", PeerAlg::TinyCcm8),
];

/// The same plaintext sealed by us and by each C peer must give the same bytes.
fn cross_check() {
    for (_, subject, alg) in PEERS {
        let c = CIPHERS.iter().find(|c| c.name == subject).expect("cipher");
        let aead = Aead::new(c.bulk, c.key).expect("aead");
        let (nonce, aad) = nonce_and_aad(100);
        let mut ours: Vec<u8> = (0..100).map(|i| i as u8).collect();
        let mut tag = vec![0u8; aead.tag_len()];
        aead.seal_in_place(&nonce, &aad, &mut ours, &mut tag)
            .expect("seal");
        ours.extend_from_slice(&tag);
        let mut theirs = vec![0u8; 100 + 16];
        theirs[..100]
            .iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = i as u8);
        let n = Peer::new(alg, &ENC_KEY).seal(&nonce, &aad, &mut theirs, 100);
        assert_eq!(ours, theirs[..n], "{alg:?} and ours disagree");
    }
}

fn key_setup() {
    let provider = RustCrypto;
    for c in CIPHERS.iter().filter(|c| is_aead(c.bulk)) {
        let (rc, t) = counter::measure(|| record_cipher(&provider, c));
        drop(rc);
        emit("keysetup", "dtls", c.name, "record_cipher", 0, t);
    }
    let table = table_aes_provider();
    for c in CIPHERS
        .iter()
        .filter(|c| matches!(c.bulk, BulkCipher::AesCcm8 | BulkCipher::AesCcm))
    {
        let (rc, t) = counter::measure(|| record_cipher(&table, c));
        drop(rc);
        emit("keysetup", "dtls-table", c.name, "record_cipher", 0, t);
    }
    for (_, subject, alg) in PEERS {
        let (p, t) = counter::measure(|| Peer::new(alg, &ENC_KEY));
        drop(p);
        emit("keysetup", alg.implementation(), subject, "setkey", 0, t);
    }
}

/// One AES block and two blocks in one call: what the paired CCM relies on.
fn aes_blocks() {
    use dtls::crypto::aead::BlockEncrypt;
    use dtls::crypto::rustcrypto::AesKey;
    use dtls::crypto::table_aes::TableAes;
    let fixsliced = AesKey::new(&ENC_KEY).expect("key");
    let table = TableAes::new(&ENC_KEY).expect("key");
    let ciphers: [(&str, &dyn BlockEncrypt); 2] = [("dtls", &fixsliced), ("dtls-table", &table)];
    for (name, c) in ciphers {
        let mut pair = dtls::crypto::aead::BlockPair([[1u8; 16], [2u8; 16]]);
        let (_, t1) = counter::measure(|| c.encrypt_block(&mut pair.0[0]));
        let (_, t2) = counter::measure(|| c.encrypt_pair(&mut pair));
        emit("aes", name, "AES-128", "one_block", 16, t1);
        emit("aes", name, "AES-128", "two_blocks", 32, t2);
    }
}

fn all_records() {
    let provider = RustCrypto;
    for c in &CIPHERS {
        for size in SIZES {
            for (op, seal) in [("seal", true), ("open", false)] {
                emit(
                    "record",
                    "dtls",
                    c.name,
                    op,
                    size,
                    record_run(&provider, c, seal, size, 1),
                );
                if is_aead(c.bulk) {
                    emit("record", "dtls-raw", c.name, op, size, raw_run(c, seal, size, 1));
                }
                if matches!(c.bulk, BulkCipher::AesCcm8 | BulkCipher::AesCcm) {
                    let table = table_aes_provider();
                    emit(
                        "record",
                        "dtls-table",
                        c.name,
                        op,
                        size,
                        record_run(&table, c, seal, size, 1),
                    );
                }
            }
        }
    }
    for (_, subject, alg) in PEERS {
        for size in SIZES {
            for (op, seal) in [("seal", true), ("open", false)] {
                emit(
                    "record",
                    alg.implementation(),
                    subject,
                    op,
                    size,
                    peer_run(alg, seal, size, 1),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Handshakes

#[derive(Clone, Copy)]
struct Suite {
    arg: &'static str,
    name: &'static str,
    suite: CipherSuite,
}

const SUITES: [Suite; 2] = [
    Suite {
        arg: "psk",
        name: "PSK-AES128-CCM8",
        suite: CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
    },
    Suite {
        arg: "ecdhe",
        name: "ECDHE-ECDSA-AES128-CCM8",
        suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
    },
];

fn configs(suite: CipherSuite) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let provider = Arc::new(RustCrypto);
    let psk = Psk::new(b"device-17", &[7; 16]).expect("psk");
    let mut client = ClientConfig::new(provider.clone());
    client.common.cipher_suites = vec![suite];
    if suite == CipherSuite::TLS_PSK_WITH_AES_128_CCM_8 {
        client.psk = Some(psk.clone());
    } else {
        client.verifier = Some(Arc::new(PinnedCertificates {
            leaves: vec![CERT.to_vec()],
        }));
    }
    let mut server = ServerConfig::new(provider.clone());
    server.common.cipher_suites = vec![suite];
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

const CLIENT_SEED: u64 = 17;
const SERVER_SEED: u64 = 4;
const ADDR: u32 = 1;
const ROUNDS: usize = 8;

/// Datagrams of one complete handshake, by round (what the client sent, what the server sent).
struct Transcript {
    rounds: Vec<(Vec<Vec<u8>>, Vec<Vec<u8>>)>,
}

fn transcript(suite: CipherSuite) -> Transcript {
    let (client_cfg, server_cfg) = configs(suite);
    let now = Instant::ZERO;
    let mut server =
        Server::new(server_cfg, Box::new(DeterministicRandom::from_u64(SERVER_SEED))).expect("server");
    let mut client = Client::new(
        client_cfg,
        Box::new(DeterministicRandom::from_u64(CLIENT_SEED)),
        now,
    )
    .expect("client");
    let mut buf = vec![0u8; 2048];
    let mut rounds = Vec::new();
    for _ in 0..ROUNDS {
        let (mut c2s, mut s2c) = (Vec::new(), Vec::new());
        while let Some(n) = client.poll_transmit(&mut buf).unwrap() {
            c2s.push(buf[..n].to_vec());
            server.handle_datagram(now, ADDR, &buf[..n]);
        }
        while let Some((_, n)) = server.poll_transmit(&mut buf).unwrap() {
            s2c.push(buf[..n].to_vec());
            client.handle_datagram(now, &buf[..n]);
        }
        rounds.push((c2s, s2c));
        if client.is_connected() {
            return Transcript { rounds };
        }
    }
    while let Some(e) = client.poll_event() {
        out!("client event: {:?}", e);
    }
    panic!("handshake did not complete");
}

/// What one side cost over a whole handshake.
#[derive(Default)]
struct SideCost {
    instructions: u64,
    stack: usize,
    heap_peak: usize,
    heap_after: usize,
    allocations: usize,
    calls: u32,
}

impl SideCost {
    /// Runs one engine call: counts its instructions and its stack.
    fn call<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let ((r, t), s) = stack::peak(|| counter::measure(f));
        self.instructions += t;
        self.stack = self.stack.max(s);
        self.calls += 1;
        r
    }
}

fn client_alone(suite: CipherSuite, t: &Transcript) -> SideCost {
    let (client_cfg, _) = configs(suite);
    let now = Instant::ZERO;
    let mut buf = vec![0u8; 2048];
    let mut cost = SideCost::default();
    let base = HEAP.current();
    HEAP.reset_peak();
    let rng: Box<dyn SecureRandom + Send> = Box::new(DeterministicRandom::from_u64(CLIENT_SEED));
    let mut client = cost.call(|| Client::new(client_cfg, rng, now)).expect("client");
    let mut connected = false;
    for (c2s, s2c) in &t.rounds {
        for expected in c2s {
            let n = cost
                .call(|| client.poll_transmit(&mut buf).unwrap())
                .expect("client datagram");
            assert_eq!(&buf[..n], &expected[..], "client replay diverged");
        }
        assert!(cost.call(|| client.poll_transmit(&mut buf).unwrap()).is_none());
        for d in s2c {
            cost.call(|| client.handle_datagram(now, d));
        }
        while let Some(e) = cost.call(|| client.poll_event()) {
            connected |= matches!(e, Event::Connected { .. });
        }
    }
    assert!(connected, "client replay did not connect");
    cost.heap_peak = HEAP.peak() - base;
    cost.allocations = HEAP.allocations();
    cost.heap_after = HEAP.current() - base;
    drop(client);
    cost
}

fn server_alone(suite: CipherSuite, t: &Transcript) -> SideCost {
    let (_, server_cfg) = configs(suite);
    let now = Instant::ZERO;
    let mut buf = vec![0u8; 2048];
    let mut cost = SideCost::default();
    let base = HEAP.current();
    HEAP.reset_peak();
    let rng: Box<dyn SecureRandom + Send> = Box::new(DeterministicRandom::from_u64(SERVER_SEED));
    let mut server: Server<u32> = cost.call(|| Server::new(server_cfg, rng)).expect("server");
    let idle = HEAP.current() - base;
    let mut connected = false;
    for (c2s, s2c) in &t.rounds {
        for d in c2s {
            cost.call(|| server.handle_datagram(now, ADDR, d));
        }
        for expected in s2c {
            let (_, n) = cost
                .call(|| server.poll_transmit(&mut buf).unwrap())
                .expect("server datagram");
            assert_eq!(&buf[..n], &expected[..], "server replay diverged");
        }
        assert!(cost.call(|| server.poll_transmit(&mut buf).unwrap()).is_none());
        while let Some((_, e)) = cost.call(|| server.poll_event()) {
            connected |= matches!(e, Event::Connected { .. });
        }
    }
    assert!(connected, "server replay did not connect");
    cost.heap_peak = HEAP.peak() - base;
    cost.allocations = HEAP.allocations();
    // Per established session: what the session holds beyond an idle server.
    cost.heap_after = HEAP.current() - base - idle;
    drop(server);
    cost
}

/// The Mbed TLS handshake of `c/mbedtls_hs.c` (PSK-AES128-CCM8, cookies, extended master
/// secret), each side's calls counted apart as ours are: (client, server, bytes on the wire).
fn mbed_handshake() -> (SideCost, SideCost, usize) {
    use dtls_cortex_m::peers::{MbedSide, mbed_free, mbed_setup, mbed_step, mbed_wire_bytes};
    let (mut client, mut server) = (SideCost::default(), SideCost::default());
    client
        .call(|| mbed_setup(MbedSide::Client))
        .expect("mbed client setup");
    server
        .call(|| mbed_setup(MbedSide::Server))
        .expect("mbed server setup");
    let mut done = (false, false);
    for _ in 0..ROUNDS {
        done.0 = client.call(|| mbed_step(MbedSide::Client)).expect("mbed client");
        done.1 = server.call(|| mbed_step(MbedSide::Server)).expect("mbed server");
        if done == (true, true) {
            break;
        }
    }
    // The client reads the server's last flight.
    done.0 = client.call(|| mbed_step(MbedSide::Client)).expect("mbed client");
    assert_eq!(done, (true, true), "Mbed TLS handshake did not complete");
    let bytes = mbed_wire_bytes();
    mbed_free(MbedSide::Client);
    mbed_free(MbedSide::Server);
    (client, server, bytes)
}

/// Sessions behind one server in [`server_sessions`].
const SESSIONS: usize = 9;

/// Heap a server holds per session, as the marginal cost of one more session: what all
/// sessions share (the receive buffer, the table's nodes, the event queue) and what a table
/// grows by in steps is not charged to one session, as a single-session figure would. Each
/// client is dropped once its session is measured, so the heap holds only the server.
/// Returns (bytes of one more session just connected, its final flight still kept for
/// re-sending; bytes per session in steady state, once the client's first application data
/// released the flight and epoch 0, averaged over the sessions after the first).
fn server_sessions(suite: CipherSuite) -> (usize, usize) {
    let (client_cfg, server_cfg) = configs(suite);
    let now = Instant::ZERO;
    let mut buf = vec![0u8; 2048];
    let mut server: Server<u32> =
        Server::new(server_cfg, Box::new(DeterministicRandom::from_u64(SERVER_SEED))).expect("server");
    let mut steady = Vec::new();
    let mut connected = 0;
    for k in 0..SESSIONS {
        let addr = 100 + k as u32;
        let rng = Box::new(DeterministicRandom::from_u64(CLIENT_SEED + 1 + k as u64));
        let mut client = Client::new(client_cfg.clone(), rng, now).expect("client");
        for _ in 0..ROUNDS {
            while let Some(n) = client.poll_transmit(&mut buf).unwrap() {
                server.handle_datagram(now, addr, &buf[..n]);
            }
            while let Some((_, n)) = server.poll_transmit(&mut buf).unwrap() {
                client.handle_datagram(now, &buf[..n]);
            }
            if client.is_connected() {
                break;
            }
        }
        assert!(client.is_connected(), "session {k} did not connect");
        while server.poll_event().is_some() {}
        if k + 1 == SESSIONS {
            drop(client);
            connected = HEAP.current() - steady.last().copied().unwrap_or(0);
            break;
        }
        client.send(b"ping").expect("send");
        while let Some(n) = client.poll_transmit(&mut buf).unwrap() {
            server.handle_datagram(now, addr, &buf[..n]);
        }
        while server.poll_event().is_some() {}
        while server.poll_transmit(&mut buf).unwrap().is_some() {}
        drop(client);
        steady.push(HEAP.current());
    }
    let per_steady = match (steady.first(), steady.last()) {
        (Some(first), Some(last)) if steady.len() > 1 => (last - first) / (steady.len() - 1),
        _ => 0,
    };
    drop(server);
    (connected, per_steady)
}

fn all_handshakes() {
    for s in &SUITES {
        let t = transcript(s.suite);
        let bytes: usize = t
            .rounds
            .iter()
            .map(|(a, b)| a.iter().chain(b).map(Vec::len).sum::<usize>())
            .sum();
        emit("handshake", "dtls", s.name, "wire_bytes", 0, bytes as u64);
        for (side, cost) in [
            ("client", client_alone(s.suite, &t)),
            ("server", server_alone(s.suite, &t)),
        ] {
            emit(
                "handshake",
                "dtls",
                s.name,
                &alloc::format!("{side}_instructions"),
                0,
                cost.instructions,
            );
            emit(
                "handshake",
                "dtls",
                s.name,
                &alloc::format!("{side}_stack_peak"),
                0,
                cost.stack as u64,
            );
            emit(
                "handshake",
                "dtls",
                s.name,
                &alloc::format!("{side}_heap_peak"),
                0,
                cost.heap_peak as u64,
            );
            let after = if side == "server" {
                "server_heap_per_session"
            } else {
                "client_heap_after"
            };
            emit("handshake", "dtls", s.name, after, 0, cost.heap_after as u64);
            emit(
                "handshake",
                "dtls",
                s.name,
                &alloc::format!("{side}_allocations"),
                0,
                cost.allocations as u64,
            );
            emit(
                "handshake",
                "dtls",
                s.name,
                &alloc::format!("{side}_calls"),
                0,
                u64::from(cost.calls),
            );
        }
        if s.name == "PSK-AES128-CCM8" {
            let (client, server, bytes) = mbed_handshake();
            emit("handshake", "mbedtls", s.name, "wire_bytes", 0, bytes as u64);
            for (side, cost) in [("client", client), ("server", server)] {
                emit(
                    "handshake",
                    "mbedtls",
                    s.name,
                    &alloc::format!("{side}_instructions"),
                    0,
                    cost.instructions,
                );
                emit(
                    "handshake",
                    "mbedtls",
                    s.name,
                    &alloc::format!("{side}_stack_peak"),
                    0,
                    cost.stack as u64,
                );
            }
        }
        let (connected, steady) = server_sessions(s.suite);
        emit(
            "handshake",
            "dtls",
            s.name,
            "server_heap_marginal_connected",
            0,
            connected as u64,
        );
        emit(
            "handshake",
            "dtls",
            s.name,
            "server_heap_marginal_steady",
            0,
            steady as u64,
        );
    }
}

// ---------------------------------------------------------------------------------------------

fn one(args: &[&str]) -> Option<u64> {
    let seal = |op: &str| match op {
        "seal" => Some(true),
        "open" => Some(false),
        _ => None,
    };
    let num = |s: &str| s.parse::<u32>().ok();
    match args {
        ["record", cipher, op, size, iters] => {
            let c = CIPHERS.iter().find(|c| c.arg == *cipher)?;
            Some(record_run(
                &RustCrypto,
                c,
                seal(op)?,
                num(size)? as usize,
                num(iters)?,
            ))
        }
        ["record-table", cipher, op, size, iters] => {
            let c = CIPHERS.iter().find(|c| c.arg == *cipher)?;
            Some(record_run(
                &table_aes_provider(),
                c,
                seal(op)?,
                num(size)? as usize,
                num(iters)?,
            ))
        }
        ["peer", alg, op, size, iters] => {
            let (_, _, alg) = PEERS.iter().find(|p| p.0 == *alg)?;
            Some(peer_run(*alg, seal(op)?, num(size)? as usize, num(iters)?))
        }
        ["handshake", suite, side, iters] => {
            let s = SUITES.iter().find(|s| s.arg == *suite)?;
            let t = transcript(s.suite);
            let mut total = 0;
            for _ in 0..num(iters)? {
                total += match *side {
                    "client" => client_alone(s.suite, &t).instructions,
                    "server" => server_alone(s.suite, &t).instructions,
                    _ => return None,
                };
            }
            Some(total)
        }
        _ => None,
    }
}

#[entry]
fn main() -> ! {
    HEAP.init();
    counter::init();
    let cal = counter::calibrate();
    let mut line = [0u8; 256];
    let cmd = io::cmdline(&mut line);
    let args: Vec<&str> = cmd
        .split_whitespace()
        .skip_while(|a| *a != "fw")
        .skip(1)
        .collect();
    if !args.is_empty() {
        match one(&args) {
            Some(total) => out!("T,{}", total),
            None => {
                out!("bad arguments: {}", cmd);
                io::exit(false)
            }
        }
        io::exit(true)
    }
    emit(
        "calibration",
        "qemu",
        "icount-shift-5",
        "empty_region",
        0,
        cal.overhead,
    );
    emit(
        "calibration",
        "qemu",
        "icount-shift-5",
        "loop_expected",
        0,
        cal.expected,
    );
    emit(
        "calibration",
        "qemu",
        "icount-shift-5",
        "loop_counted",
        0,
        cal.counted,
    );
    cross_check();
    key_setup();
    aes_blocks();
    all_records();
    all_handshakes();
    out!("done");
    io::exit(true)
}
