//! tinydtls against this project's engine, in memory, both directions, PSK-CCM_8, no loss.
//!
//! tinydtls accepts one handshake message per record and no handshake fragments. The engine's
//! default is one message per record (records share datagrams), so both directions complete;
//! with the opt-in `compact` packing our server puts ServerHello and ServerHelloDone into one
//! record, which the tinydtls client answers with a fatal handshake_failure alert (40). The
//! `*_outcome` tests run the same exchanges, print what happened, and check only that each
//! run ended in a stated way (completed, an alert, or a stall) rather than looping.

use std::sync::Arc;

use dtls::config::{Psk, PskTable};
use dtls::crypto::SecureRandom;
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::wire::CipherSuite;
use dtls::{Client, ClientConfig, Event, Instant, Server, ServerConfig};
use dtls_peer_tinydtls::{TinyDtlsClient, TinyDtlsServer};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

const ID: &[u8] = b"device-17";
const KEY: [u8; 16] = [0x1a; 16];

#[derive(Debug)]
struct Seeded(ChaCha20Rng);
impl SecureRandom for Seeded {
    fn fill(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest);
    }
}

fn psk() -> Psk {
    Psk::new(ID, &KEY).unwrap()
}

fn our_client() -> Client {
    let mut c = ClientConfig::new(Arc::new(RustCrypto));
    c.common.cipher_suites = vec![CipherSuite::TLS_PSK_WITH_AES_128_CCM_8];
    c.psk = Some(psk());
    Client::new(
        Arc::new(c),
        Box::new(Seeded(ChaCha20Rng::seed_from_u64(1))),
        Instant::from_millis(0),
    )
    .unwrap()
}

fn our_server() -> Server<u16> {
    our_server_packed(false)
}

fn our_server_packed(compact: bool) -> Server<u16> {
    let mut s = ServerConfig::new(Arc::new(RustCrypto));
    s.common.compact = compact;
    s.common.cipher_suites = vec![CipherSuite::TLS_PSK_WITH_AES_128_CCM_8];
    s.psk_store = Some(Arc::new(PskTable::new().with(psk())));
    Server::new(Arc::new(s), Box::new(Seeded(ChaCha20Rng::seed_from_u64(2)))).unwrap()
}

/// What an exchange came to.
#[derive(Debug, Default)]
struct Outcome {
    connected_ours: bool,
    connected_theirs: bool,
    echoed: bool,
    closed: bool,
    /// What went wrong, in words (tinydtls's alert, our error, or a stall).
    failure: Option<String>,
    /// Datagrams, with direction, for the report.
    log: Vec<String>,
}

fn describe(d: &[u8]) -> String {
    // Record headers and, for cleartext handshake records, the message types they carry.
    let mut out = Vec::new();
    let mut rest = d;
    while rest.len() >= 13 {
        let len = u16::from_be_bytes([rest[11], rest[12]]) as usize;
        let epoch = u16::from_be_bytes([rest[3], rest[4]]);
        let body = &rest[13..(13 + len).min(rest.len())];
        let mut msgs = Vec::new();
        if rest[0] == 22 && epoch == 0 {
            let mut b = body;
            while b.len() >= 12 {
                let ml = u32::from_be_bytes([0, b[9], b[10], b[11]]) as usize;
                msgs.push(b[0].to_string());
                b = &b[(12 + ml).min(b.len())..];
            }
        }
        out.push(format!("ct{} e{epoch} [{}]", rest[0], msgs.join(",")));
        rest = &rest[(13 + len).min(rest.len())..];
    }
    format!("{}B {}", d.len(), out.join(" | "))
}

fn ours_client_vs_tinydtls_server() -> Outcome {
    let mut o = Outcome::default();
    let mut ours = our_client();
    let mut theirs = TinyDtlsServer::new(ID, &KEY).unwrap();
    let mut buf = vec![0u8; 2048];
    let mut now = 0u64;
    for _ in 0..2_000 {
        let mut moved = false;
        while let Some(n) = ours.poll_transmit(&mut buf).unwrap() {
            moved = true;
            o.log.push(format!("ours -> tinydtls {}", describe(&buf[..n])));
            theirs.handle_datagram(now, &buf[..n]);
        }
        while let Some(d) = theirs.poll_transmit() {
            moved = true;
            o.log.push(format!("tinydtls -> ours {}", describe(&d)));
            ours.handle_datagram(Instant::from_millis(now), &d);
        }
        if theirs.is_connected() {
            o.connected_theirs = true;
        }
        while let Some(d) = theirs.poll_data() {
            theirs.send(now, &d).unwrap();
            moved = true;
        }
        while let Some(ev) = ours.poll_event() {
            moved = true;
            match ev {
                Event::Connected { .. } => {
                    o.connected_ours = true;
                    ours.send(b"ping").unwrap();
                }
                Event::Data(d) if d == b"ping" => {
                    o.echoed = true;
                    ours.close(Instant::from_millis(now));
                }
                Event::Closed(r) => {
                    o.closed = true;
                    if !o.echoed {
                        o.failure = Some(format!("our client closed: {r:?}"));
                    }
                    return o;
                }
                _ => {}
            }
        }
        if let Some(c) = theirs.closed()
            && o.failure.is_none()
            && !o.echoed
        {
            o.failure = Some(format!("tinydtls server: {c:?}"));
        }
        if !moved {
            let next = [ours.poll_timeout().map(|t| t.as_millis()), theirs.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next else {
                o.failure.get_or_insert("stall: nothing to send, no timer".into());
                return o;
            };
            now = now.max(next);
            ours.handle_timeout(Instant::from_millis(now));
            theirs.handle_timeout(now);
        }
    }
    o.failure.get_or_insert("no end after 2000 steps".into());
    o
}

fn tinydtls_client_vs_ours_server() -> Outcome {
    tinydtls_client_vs(our_server())
}

fn tinydtls_client_vs(mut ours: Server<u16>) -> Outcome {
    let mut o = Outcome::default();
    let mut theirs = TinyDtlsClient::new(ID, &KEY).unwrap();
    let mut buf = vec![0u8; 2048];
    let mut now = 0u64;
    let mut sent = false;
    for _ in 0..2_000 {
        let mut moved = false;
        while let Some(d) = theirs.poll_transmit() {
            moved = true;
            o.log.push(format!("tinydtls -> ours {}", describe(&d)));
            ours.handle_datagram(Instant::from_millis(now), 7, &d);
        }
        while let Some((_, n)) = ours.poll_transmit(&mut buf).unwrap() {
            moved = true;
            o.log.push(format!("ours -> tinydtls {}", describe(&buf[..n])));
            theirs.handle_datagram(now, &buf[..n]);
        }
        while let Some((peer, ev)) = ours.poll_event() {
            moved = true;
            match ev {
                Event::Connected { .. } => o.connected_ours = true,
                Event::Data(d) => ours.send(&peer, &d).unwrap(),
                _ => {}
            }
        }
        if theirs.is_connected() && !sent {
            o.connected_theirs = true;
            theirs.send(now, b"ping").unwrap();
            sent = true;
            moved = true;
        }
        if theirs.poll_data().as_deref() == Some(b"ping") {
            o.echoed = true;
            theirs.close(now);
            moved = true;
        }
        if let Some(c) = theirs.closed() {
            o.closed = true;
            if !o.echoed {
                o.failure = Some(format!("tinydtls client: {c:?}"));
            }
            return o;
        }
        if !moved {
            let next = [ours.poll_timeout().map(|t| t.as_millis()), theirs.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next else {
                o.failure.get_or_insert("stall: nothing to send, no timer".into());
                return o;
            };
            now = now.max(next);
            ours.handle_timeout(Instant::from_millis(now));
            theirs.handle_timeout(now);
        }
    }
    o.failure.get_or_insert("no end after 2000 steps".into());
    o
}

fn report(name: &str, o: &Outcome) {
    eprintln!(
        "{name}: connected ours={} tinydtls={} echoed={} closed={} failure={:?}",
        o.connected_ours, o.connected_theirs, o.echoed, o.closed, o.failure
    );
    for l in o.log.iter().take(30) {
        eprintln!("  {l}");
    }
}

#[test]
fn ours_client_vs_tinydtls_server_outcome() {
    let o = ours_client_vs_tinydtls_server();
    report("ours client vs tinydtls server", &o);
    assert!(
        o.echoed || o.failure.is_some(),
        "the run ended without a stated outcome"
    );
    // Whatever happened, tinydtls must never report a connection our side did not complete.
    assert!(!o.echoed || o.connected_ours);
}

#[test]
fn tinydtls_client_vs_ours_server_outcome() {
    let o = tinydtls_client_vs_ours_server();
    report("tinydtls client vs ours server", &o);
    assert!(
        o.echoed || o.failure.is_some(),
        "the run ended without a stated outcome"
    );
    assert!(!o.echoed || o.connected_theirs);
}

#[test]
fn ours_client_vs_tinydtls_server_completes() {
    let o = ours_client_vs_tinydtls_server();
    report("ours client vs tinydtls server", &o);
    assert!(o.echoed && o.closed, "{:?}", o.failure);
}

#[test]
fn tinydtls_client_vs_ours_server_completes() {
    let o = tinydtls_client_vs_ours_server();
    report("tinydtls client vs ours server", &o);
    assert!(o.echoed && o.closed, "{:?}", o.failure);
}

/// Why one message per record is the default: with `compact` packing the tinydtls client
/// refuses our server's flight.
#[test]
fn tinydtls_client_refuses_our_compact_packing() {
    let o = tinydtls_client_vs(our_server_packed(true));
    report("tinydtls client vs ours server (compact)", &o);
    assert!(!o.connected_ours && !o.echoed);
    let failure = o.failure.unwrap_or_default();
    assert!(failure.contains("40"), "{failure}");
}
