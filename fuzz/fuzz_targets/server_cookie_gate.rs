//! The server's stateless cookie gate (RFC 6347 4.2.1) with the real crypto provider:
//! arbitrary ClientHellos from arbitrary addresses, with arbitrary cookies or with cookies the
//! server really issued (obtained from its HelloVerifyRequest, then replayed as is, from
//! another address, or with the hello changed). Checks: a session is created only by a hello
//! carrying a cookie the server issued for that address and those exact hello fields; the
//! table stays bounded; a HelloVerifyRequest is never larger than the hello it answers.
#![no_main]

use std::collections::BTreeSet;
use std::sync::Arc;

use arbitrary::Arbitrary;
use dtls::codec::Codec;
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::wire::{
    CipherSuite, ClientHello, CompressionMethod, Extension, ExtensionType, Extensions, HandshakeFragment,
    HandshakeMessage, HandshakeType, HelloVerifyRequest, ProtocolVersion, split_datagram,
};
use dtls::{Duration, Instant, Server};
use dtls_fuzz::{ConfigByte, SplitMix};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug, Clone)]
struct HelloSpec {
    /// 0: DTLS 1.2, 1: DTLS 1.0, otherwise the raw value.
    version: u16,
    random: [u8; 32],
    session_id: Vec<u8>,
    /// Indexes into a short list of suites (unknown values pass through).
    suites: Vec<u16>,
    /// Whether to offer only `null` compression.
    null_compression: bool,
    extensions: Option<Vec<(u16, Vec<u8>)>>,
}

#[derive(Arbitrary, Debug)]
enum Tweak {
    None,
    Random(u8, u8),
    CookieByte(u8, u8),
    SessionId(Vec<u8>),
    DropSuites,
    Extensions(Option<Vec<(u16, Vec<u8>)>>),
    Version(u16),
}

#[derive(Arbitrary, Debug)]
enum Step {
    /// A hello with an arbitrary cookie.
    Arbitrary {
        addr: u8,
        hello: HelloSpec,
        cookie: Vec<u8>,
    },
    /// A hello without a cookie; a HelloVerifyRequest's cookie is remembered.
    Obtain {
        addr: u8,
        hello: HelloSpec,
    },
    /// Replays a remembered cookie and hello, possibly from another address or changed.
    Replay {
        which: u8,
        addr: Option<u8>,
        tweak: Tweak,
    },
    /// Any datagram.
    Raw {
        addr: u8,
        bytes: Vec<u8>,
    },
    Rotate,
    Time(u16),
}

#[derive(Arbitrary, Debug)]
struct Input {
    seed: u64,
    steps: Vec<Step>,
}

fn build(spec: &HelloSpec, cookie: Vec<u8>) -> ClientHello {
    let client_version = match spec.version {
        0 => ProtocolVersion::DTLS1_2,
        1 => ProtocolVersion::DTLS1_0,
        v => ProtocolVersion(v),
    };
    let known = [
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
        CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ];
    let cipher_suites = spec
        .suites
        .iter()
        .take(16)
        .map(|s| known.get(usize::from(*s)).copied().unwrap_or(CipherSuite(*s)))
        .collect();
    let compression_methods = if spec.null_compression {
        vec![CompressionMethod::NULL]
    } else {
        vec![CompressionMethod(1), CompressionMethod::NULL]
    };
    let extensions = spec.extensions.as_ref().map(|list| {
        Extensions(
            list.iter()
                .take(8)
                .map(|(t, d)| Extension::new(ExtensionType(*t), d.clone()))
                .collect(),
        )
    });
    ClientHello {
        client_version,
        random: spec.random,
        session_id: spec.session_id.iter().copied().take(32).collect(),
        cookie,
        cipher_suites,
        compression_methods,
        extensions,
    }
}

/// The datagram carrying `hello` in one epoch-0 record, or `None` if it cannot be encoded.
fn datagram(hello: &ClientHello, seq: u16) -> Option<Vec<u8>> {
    let mut hs = Vec::new();
    HandshakeMessage::ClientHello(hello.clone())
        .emit_unfragmented(0, &mut hs)
        .ok()?;
    let mut d = vec![22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0];
    d.extend_from_slice(&seq.to_be_bytes());
    d.extend_from_slice(&u16::try_from(hs.len()).ok()?.to_be_bytes());
    d.extend_from_slice(&hs);
    Some(d)
}

/// What the server binds a cookie to: the address and every hello field except the cookie
/// (an absent extension block and an empty one are the same).
fn binding(addr: u8, hello: &ClientHello) -> Vec<u8> {
    let mut h = hello.clone();
    h.cookie.clear();
    if h.extensions.as_ref().is_some_and(|e| e.0.is_empty()) {
        h.extensions = None;
    }
    let mut out = vec![addr];
    out.extend(h.to_vec().unwrap_or_default());
    out
}

/// The cookie of a HelloVerifyRequest datagram.
fn hvr_cookie(d: &[u8]) -> Option<Vec<u8>> {
    let rec = split_datagram(d).next()?.ok()?;
    let frag = HandshakeFragment::parse(rec.fragment).ok()?;
    if frag.header.msg_type != HandshakeType::HELLO_VERIFY_REQUEST {
        return None;
    }
    Some(HelloVerifyRequest::parse(frag.body).ok()?.cookie)
}

fuzz_target!(|input: Input| {
    let mut config = dtls_fuzz::server_config_with(Arc::new(RustCrypto), ConfigByte(0x0f));
    // PSK only: the success path stays cheap (no ECDSA signing per execution).
    config.certificate = None;
    config.common.cipher_suites = dtls_fuzz::SUITES[..5].to_vec();
    config.cookies = true;
    let max_sessions = config.common.limits.max_sessions;
    let mut server: Server<u8> =
        Server::new(Arc::new(config), Box::new(SplitMix(input.seed))).expect("server config");
    let mut now = Instant::ZERO;
    let mut genuine: BTreeSet<(Vec<u8>, Vec<u8>)> = BTreeSet::new();
    let mut obtained: Vec<(u8, ClientHello)> = Vec::new();
    let mut admitted: BTreeSet<u8> = BTreeSet::new();
    let mut buf = vec![0u8; 70_000];
    let mut seq = 0u16;

    for step in input.steps.into_iter().take(64) {
        seq = seq.wrapping_add(1);
        let (addr, hello) = match step {
            Step::Arbitrary { addr, hello, cookie } => {
                (addr, build(&hello, cookie.into_iter().take(255).collect()))
            }
            Step::Obtain { addr, hello } => (addr, build(&hello, Vec::new())),
            Step::Replay { which, addr, tweak } => {
                let Some((from, mut h)) = obtained.get(usize::from(which) % obtained.len().max(1)).cloned()
                else {
                    continue;
                };
                match tweak {
                    Tweak::None => {}
                    Tweak::Random(i, x) => h.random[usize::from(i) % 32] ^= x,
                    Tweak::CookieByte(i, x) => {
                        if let Some(b) = h.cookie.get_mut(usize::from(i)) {
                            *b ^= x;
                        } else {
                            h.cookie.push(x);
                        }
                    }
                    Tweak::SessionId(s) => h.session_id = s.into_iter().take(32).collect(),
                    Tweak::DropSuites => h.cipher_suites.truncate(1),
                    Tweak::Extensions(e) => {
                        h.extensions = e.map(|l| {
                            Extensions(
                                l.into_iter()
                                    .take(8)
                                    .map(|(t, d)| Extension::new(ExtensionType(t), d))
                                    .collect(),
                            )
                        })
                    }
                    Tweak::Version(v) => h.client_version = ProtocolVersion(v),
                }
                (addr.unwrap_or(from), h)
            }
            Step::Raw { addr, bytes } => {
                let before = server.stats().sessions_created;
                server.handle_datagram(now, addr, &bytes);
                while server.poll_transmit(&mut buf).unwrap().is_some() {}
                while server.poll_event().is_some() {}
                // A raw datagram may happen to be a hello with a genuine cookie; only count it
                // as admitted if it parses to one.
                if server.stats().sessions_created != before {
                    let rec = split_datagram(&bytes)
                        .next()
                        .and_then(Result::ok)
                        .expect("admitted a record");
                    let frag = HandshakeFragment::parse(rec.fragment)
                        .ok()
                        .or_else(|| {
                            dtls::wire::split_handshake(rec.fragment)
                                .next()
                                .and_then(Result::ok)
                        })
                        .expect("admitted a handshake fragment");
                    let h = ClientHello::parse(frag.body).expect("admitted a ClientHello");
                    assert!(
                        genuine.contains(&(binding(addr, &h), h.cookie.clone())),
                        "raw datagram admitted without a genuine cookie: {h:?}"
                    );
                    admitted.insert(addr);
                }
                continue;
            }
            Step::Rotate => {
                server.rotate_cookie_secret();
                continue;
            }
            Step::Time(ms) => {
                now = now + Duration::from_millis(u64::from(ms) * 16);
                server.handle_timeout(now);
                while server.poll_transmit(&mut buf).unwrap().is_some() {}
                while server.poll_event().is_some() {}
                continue;
            }
        };
        let Some(d) = datagram(&hello, seq) else { continue };
        let before = server.stats().sessions_created;
        let hvr_before = server.stats().hello_verify_requests;
        server.handle_datagram(now, addr, &d);
        let created = server.stats().sessions_created != before;
        if created {
            assert!(
                genuine.contains(&(binding(addr, &hello), hello.cookie.clone())),
                "session for {addr} created without a cookie issued for it: {hello:?}"
            );
            admitted.insert(addr);
        }
        let answered = server.stats().hello_verify_requests != hvr_before;
        while let Some((to, n)) = server.poll_transmit(&mut buf).unwrap() {
            let out = &buf[..n];
            if answered && to == addr {
                if let Some(cookie) = hvr_cookie(out) {
                    assert!(
                        n <= d.len(),
                        "HelloVerifyRequest of {n} bytes answers a {}-byte hello",
                        d.len()
                    );
                    genuine.insert((binding(addr, &hello), cookie.clone()));
                    let mut h = hello.clone();
                    h.cookie = cookie;
                    obtained.push((addr, h));
                }
            }
        }
        while server.poll_event().is_some() {}
        assert!(server.session_count() <= max_sessions);
        assert!(
            server.session_count() <= admitted.len(),
            "{} sessions but only {} addresses admitted",
            server.session_count(),
            admitted.len()
        );
    }
});
