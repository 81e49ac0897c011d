//! Interop with the OpenSSL 3 command line over loopback UDP: our client against
//! `openssl s_server`, and `openssl s_client` against our server, for a PSK suite and an ECDHE
//! certificate suite; and, with X.509 chains from the test PKI and a required client
//! certificate both ways, for TLS_RSA_WITH_AES_128_CBC_SHA, ECDHE-RSA-AES128-GCM and
//! ECDHE-ECDSA-AES128-GCM. Each test checks the handshake, one line of application data each way,
//! and close_notify, and where OpenSSL reports it, that the extended master secret (RFC 7627)
//! and secure renegotiation (RFC 5746) were negotiated.
//!
//! Every peer gets its own ephemeral port and is killed when its test ends (pass or fail);
//! each wait is bounded by a few seconds. Without `openssl` the tests skip, unless `CI` is set,
//! in which case they fail.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use dtls::wire::CipherSuite;
use dtls::{Client, CloseReason, Event, PeerIdentity, Server};
use dtls_conformance::fixtures::{self, CERT_DER, CERT_NAME, PSK_IDENTITY};
use dtls_conformance::peer::{self, PeerProcess};
use dtls_conformance::udp::UdpDriver;

/// Bound on each wait in these tests.
const STEP: Duration = Duration::from_secs(5);

const TO_OPENSSL: &str = "hello from our engine";
const FROM_OPENSSL: &str = "hello from openssl";

fn openssl() -> Option<PathBuf> {
    peer::require_program("openssl")
}

/// OpenSSL's arguments for a suite: (`-cipher` string, credentials for s_server, for s_client).
fn openssl_args(suite: CipherSuite) -> (&'static str, Vec<String>, Vec<String>) {
    let psk = fixtures::psk_hex();
    let cert = fixtures::cert_pem_path().display().to_string();
    let key = fixtures::key_pem_path().display().to_string();
    if suite == CipherSuite::TLS_PSK_WITH_AES_128_CCM_8 {
        let server = [
            "-psk",
            &psk,
            "-psk_identity",
            PSK_IDENTITY,
            "-psk_hint",
            "openssl-hint",
            "-nocert",
        ];
        let client = ["-psk", &psk, "-psk_identity", PSK_IDENTITY];
        (
            "PSK-AES128-CCM8",
            server.map(String::from).to_vec(),
            client.map(String::from).to_vec(),
        )
    } else if suite == CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 {
        let server = ["-cert", &cert, "-key", &key];
        // The fixture is self-signed with CA:TRUE, so it can be its own trust anchor.
        let client = [
            "-CAfile",
            &cert,
            "-verify_return_error",
            "-verify_hostname",
            CERT_NAME,
        ];
        (
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            server.map(String::from).to_vec(),
            client.map(String::from).to_vec(),
        )
    } else {
        panic!("no OpenSSL arguments for {suite:?}")
    }
}

/// `openssl s_server` for one connection on a fresh loopback port, with its key log in a
/// temporary file.
struct SServer {
    process: PeerProcess,
    addr: SocketAddr,
    keylog: PathBuf,
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.keylog);
    }
}

fn s_server(openssl: &PathBuf, suite: CipherSuite, extra: &[&str]) -> SServer {
    let (cipher, creds, _) = openssl_args(suite);
    let port = peer::free_udp_port().unwrap();
    let keylog = std::env::temp_dir().join(format!("dtls-conformance-{}-{port}.keylog", std::process::id()));
    let accept = format!("127.0.0.1:{port}");
    let keylog_s = keylog.display().to_string();
    let mut args = vec![
        "s_server",
        "-dtls1_2",
        "-accept",
        &accept,
        "-naccept",
        "1",
        "-keylogfile",
        &keylog_s,
    ];
    args.extend(creds.iter().map(String::as_str));
    args.extend(["-cipher", cipher]);
    args.extend(extra);
    let process = PeerProcess::spawn(openssl, &args).unwrap();
    if let Err(e) = peer::wait_for_udp_port(port, STEP) {
        panic!("{e}\n{}", process.dump());
    }
    SServer {
        process,
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        keylog,
    }
}

/// Our client against `openssl s_server` started with `extra` arguments.
fn client_to_s_server(suite: CipherSuite, extra: &[&str]) {
    let Some(openssl) = openssl() else { return };
    let mut srv = s_server(&openssl, suite, extra);
    let mut config = fixtures::client_config(suite);
    config.common.require_extended_master_secret = true;
    config.server_name = Some(CERT_NAME.into());
    let mut c = UdpDriver::<Client>::client(config, srv.addr).unwrap();

    // Handshake (s_server asks for a cookie by default: HelloVerifyRequest is exercised).
    let first = c
        .wait_for(STEP, |_| true)
        .unwrap_or_else(|e| panic!("{e}\n{}", srv.process.dump()));
    match &first {
        Event::Connected { suite: s, peer, .. } => {
            assert_eq!(*s, suite);
            if suite.key_exchange() == Some(dtls::wire::KeyExchangeKind::Ecdhe) {
                assert_eq!(
                    *peer,
                    PeerIdentity::Certificate {
                        chain: vec![CERT_DER.to_vec()]
                    }
                );
            }
        }
        e => panic!("expected Connected, got {e:?}\n{}", srv.process.dump()),
    }

    // Both sides derived the same master secret: OpenSSL's key log names our client random.
    let (client_random, master) = c.endpoint.keylog().expect("keys exist after the handshake");
    let line = format!("CLIENT_RANDOM {} {}", hex(&client_random), hex(&master));
    let found = c
        .run_until(STEP, || {
            std::fs::read_to_string(&srv.keylog).is_ok_and(|k| k.contains(&line))
        })
        .unwrap();
    assert!(
        found,
        "key log lacks `{line}`: {:?}",
        std::fs::read_to_string(&srv.keylog)
    );

    // Our line reaches s_server's stdout.
    c.with(|c, _| c.send(format!("{TO_OPENSSL}\n").as_bytes()))
        .unwrap()
        .unwrap();
    let seen = c
        .run_until(STEP, || srv.process.stdout().contains(TO_OPENSSL))
        .unwrap();
    assert!(seen, "s_server did not print our data\n{}", srv.process.dump());
    let out = srv.process.stdout();
    assert!(
        out.contains("Secure Renegotiation IS supported"),
        "{}",
        srv.process.dump()
    );
    assert!(!out.contains("PSK warning"), "{}", srv.process.dump());

    // A line typed into s_server reaches us.
    srv.process
        .write_stdin(format!("{FROM_OPENSSL}\n").as_bytes())
        .unwrap();
    let mut received = String::new();
    while !received.contains(FROM_OPENSSL) {
        match c.wait_for(STEP, |e| matches!(e, Event::Data(_) | Event::Closed(_))) {
            Ok(Event::Data(d)) => received.push_str(&String::from_utf8_lossy(&d)),
            other => panic!("expected data, got {other:?}\n{}", srv.process.dump()),
        }
    }

    // close_notify: s_server answers with its own, so the close is graceful.
    c.with(|c, now| c.close(now)).unwrap();
    let closed = c.wait_for(STEP, |e| matches!(e, Event::Closed(_))).unwrap();
    assert_eq!(
        closed,
        Event::Closed(CloseReason::Graceful),
        "{}",
        srv.process.dump()
    );
    srv.process.wait_for_stdout("CONNECTION CLOSED", STEP).unwrap();
    // -naccept 1: s_server exits after the connection.
    let status = srv.process.wait_exit(STEP);
    assert!(
        status.is_some_and(|s| s.success()),
        "s_server did not exit cleanly: {status:?}\n{}",
        srv.process.dump()
    );
    assert_eq!(
        c.endpoint.retransmissions(),
        0,
        "retransmissions on loopback: {:?}",
        c
    );
    eprintln!("{}", srv.process.dump());
}

/// s_server's `r` command sends a HelloRequest; our client refuses renegotiation with a
/// no_renegotiation warning (RFC 5246 7.2.2) and the connection carries on.
#[test]
fn client_refuses_openssl_renegotiation() {
    let suite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;
    let Some(openssl) = openssl() else { return };
    let mut srv = s_server(&openssl, suite, &[]);
    let mut c = UdpDriver::<Client>::client(fixtures::client_config(suite), srv.addr).unwrap();
    let first = c
        .wait_for(STEP, |_| true)
        .unwrap_or_else(|e| panic!("{e}\n{}", srv.process.dump()));
    assert!(
        matches!(first, Event::Connected { .. }),
        "{first:?}\n{}",
        srv.process.dump()
    );

    srv.process.write_stdin(b"r\n").unwrap();
    // s_server reports the HelloRequest with a printf that stays in its stdio buffer, so
    // there is nothing to wait for but time.
    let before = c.datagram_counts().0;
    let end = std::time::Instant::now() + STEP;
    while c.datagram_counts().0 == before && std::time::Instant::now() < end {
        c.turn(Duration::from_millis(20)).unwrap();
    }
    assert!(
        c.datagram_counts().0 > before,
        "no HelloRequest arrived\n{}",
        srv.process.dump()
    );
    // Let OpenSSL react to the refusal (and retransmit, if it does).
    c.run_for(Duration::from_millis(1500)).unwrap();

    c.with(|c, _| c.send(format!("{TO_OPENSSL}\n").as_bytes()))
        .unwrap()
        .unwrap();
    let seen = c
        .run_until(STEP, || srv.process.stdout().contains(TO_OPENSSL))
        .unwrap();
    assert!(
        seen,
        "s_server did not print our data after the refusal\n{}",
        srv.process.dump()
    );
    srv.process
        .write_stdin(format!("{FROM_OPENSSL}\n").as_bytes())
        .unwrap();
    let mut received = String::new();
    while !received.contains(FROM_OPENSSL) {
        match c.wait_for(STEP, |e| matches!(e, Event::Data(_) | Event::Closed(_))) {
            Ok(Event::Data(d)) => received.push_str(&String::from_utf8_lossy(&d)),
            other => panic!("expected data, got {other:?}\n{}", srv.process.dump()),
        }
    }
    c.with(|c, now| c.close(now)).unwrap();
    let closed = c.wait_for(STEP, |e| matches!(e, Event::Closed(_))).unwrap();
    assert_eq!(
        closed,
        Event::Closed(CloseReason::Graceful),
        "{}",
        srv.process.dump()
    );
    eprintln!("{}", srv.process.dump());
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn client_psk_ccm8_to_openssl_s_server() {
    client_to_s_server(CipherSuite::TLS_PSK_WITH_AES_128_CCM_8, &[]);
}

#[test]
fn client_ecdhe_ecdsa_gcm_to_openssl_s_server() {
    client_to_s_server(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, &[]);
}

/// `-verify 1`: s_server asks for a client certificate but does not require one. A client
/// without a certificate must answer with an empty Certificate (RFC 5246 7.4.6).
#[test]
fn client_ecdhe_ecdsa_gcm_to_openssl_s_server_requesting_a_client_certificate() {
    client_to_s_server(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        &["-verify", "1"],
    );
}

/// Who ends the connection in a server test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closer {
    /// Our server sends close_notify.
    Us,
    /// s_client sends close_notify (its stdin reaches end of file).
    Openssl,
}

/// `openssl s_client` against our server.
fn s_client_to_server(suite: CipherSuite, cookies: bool, closer: Closer) {
    let Some(openssl) = openssl() else { return };
    let mut config = fixtures::server_config(cookies);
    config.common.require_extended_master_secret = true;
    config.common.cipher_suites = vec![suite];
    // After answering a close_notify the server keeps the session a while to answer a
    // re-sent one (30 s by default); short here so the test can see it go.
    config.common.limits.close_linger = dtls::Duration::from_millis(300);
    let mut s = UdpDriver::<Server<SocketAddr>>::server(config).unwrap();
    let addr = s.local_addr().unwrap().to_string();

    let (cipher, _, creds) = openssl_args(suite);
    let mut args = vec!["s_client", "-dtls1_2", "-connect", &addr];
    args.extend(creds.iter().map(String::as_str));
    args.extend(["-cipher", cipher]);
    let mut cli = PeerProcess::spawn(&openssl, &args).unwrap();

    let (peer, first) = s
        .wait_for(STEP, |_| true)
        .unwrap_or_else(|e| panic!("{e}\n{}", cli.dump()));
    match &first {
        Event::Connected { suite: got, peer, .. } => {
            assert_eq!(*got, suite);
            if suite == CipherSuite::TLS_PSK_WITH_AES_128_CCM_8 {
                assert_eq!(
                    *peer,
                    PeerIdentity::Psk {
                        identity: PSK_IDENTITY.as_bytes().to_vec()
                    }
                );
            }
        }
        e => panic!("expected Connected, got {e:?}\n{}", cli.dump()),
    }
    let stats = s.endpoint.stats();
    assert_eq!(stats.hello_verify_requests, u64::from(cookies), "{stats:?}");
    assert_eq!(stats.sessions_created, 1, "{stats:?}");

    // s_client's session summary: EMS and secure renegotiation negotiated.
    let summary = s
        .run_until(STEP, || cli.stdout().contains("Extended master secret"))
        .unwrap();
    assert!(summary, "no session summary\n{}", cli.dump());
    let out = cli.stdout();
    assert!(out.contains("Extended master secret: yes"), "{}", cli.dump());
    assert!(
        out.contains("Secure Renegotiation IS supported"),
        "{}",
        cli.dump()
    );
    assert!(out.contains("Verify return code: 0 (ok)"), "{}", cli.dump());

    // Data both ways.
    s.with(|s, _| s.send(&peer, format!("{TO_OPENSSL}\n").as_bytes()))
        .unwrap()
        .unwrap();
    let seen = s.run_until(STEP, || cli.stdout().contains(TO_OPENSSL)).unwrap();
    assert!(seen, "s_client did not print our data\n{}", cli.dump());
    cli.write_stdin(format!("{FROM_OPENSSL}\n").as_bytes()).unwrap();
    let mut received = String::new();
    while !received.contains(FROM_OPENSSL) {
        match s.wait_for(STEP, |(_, e)| matches!(e, Event::Data(_) | Event::Closed(_))) {
            Ok((from, Event::Data(d))) => {
                assert_eq!(from, peer);
                received.push_str(&String::from_utf8_lossy(&d));
            }
            other => panic!("expected data, got {other:?}\n{}", cli.dump()),
        }
    }

    match closer {
        Closer::Us => {
            s.with(|s, now| s.close(now, &peer)).unwrap();
            let (_, closed) = s.wait_for(STEP, |(_, e)| matches!(e, Event::Closed(_))).unwrap();
            assert_eq!(closed, Event::Closed(CloseReason::Graceful), "{}", cli.dump());
        }
        Closer::Openssl => {
            cli.close_stdin();
            let (_, closed) = s.wait_for(STEP, |(_, e)| matches!(e, Event::Closed(_))).unwrap();
            assert_eq!(closed, Event::Closed(CloseReason::PeerClosed), "{}", cli.dump());
        }
    }
    // s_client exits once the connection is closed.
    let status = cli.wait_exit(STEP);
    assert!(status.is_some(), "s_client still running\n{}", cli.dump());
    eprintln!("s_client exit: {status:?}\n{}", cli.dump());
    s.run_for(Duration::from_millis(500)).unwrap();
    assert_eq!(s.endpoint.session_count(), 0, "session left in the table");
}

#[test]
fn openssl_s_client_psk_ccm8_to_server_with_cookies() {
    s_client_to_server(CipherSuite::TLS_PSK_WITH_AES_128_CCM_8, true, Closer::Us);
}

#[test]
fn openssl_s_client_psk_ccm8_to_server_without_cookies() {
    s_client_to_server(CipherSuite::TLS_PSK_WITH_AES_128_CCM_8, false, Closer::Openssl);
}

#[test]
fn openssl_s_client_ecdhe_ecdsa_gcm_to_server_with_cookies() {
    s_client_to_server(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        true,
        Closer::Openssl,
    );
}

#[test]
fn openssl_s_client_ecdhe_ecdsa_gcm_to_server_without_cookies() {
    s_client_to_server(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        false,
        Closer::Us,
    );
}

// ---- X.509 chains and client certificates (issue 11) ----
//
// The test PKI of `dtls/tests/data/pki`: servers send leaf + intermediate, clients too, and
// each side validates the other's whole chain against the roots (OpenSSL with `-CAfile`,
// `-Verify`/`-verify_return_error`; we with the WebPki verifier). Every test requires a client
// certificate, so a handshake that completes proves the client chain and CertificateVerify
// were accepted.

/// A test PKI identity as OpenSSL takes it: leaf, intermediate, key.
struct PkiIdentity {
    leaf: &'static str,
    intermediate: &'static str,
    key: &'static str,
    chain: &'static str,
    subject: &'static str,
}

const RSA_SERVER: PkiIdentity = PkiIdentity {
    leaf: "rsa-server.crt.pem",
    intermediate: "rsa-int.crt.pem",
    key: "rsa-server.key.pem",
    chain: "rsa-server.chain.pem",
    subject: "CN = dtls test rsa-server",
};
const EC_SERVER: PkiIdentity = PkiIdentity {
    leaf: "ec-server.crt.pem",
    intermediate: "ec-int.crt.pem",
    key: "ec-server.key.pem",
    chain: "ec-server.chain.pem",
    subject: "CN = dtls test ec-server",
};
const RSA_CLIENT: PkiIdentity = PkiIdentity {
    leaf: "rsa-client.crt.pem",
    intermediate: "rsa-int.crt.pem",
    key: "rsa-client.key.pem",
    chain: "rsa-client.chain.pem",
    subject: "CN = dtls test rsa-client",
};
const EC_CLIENT: PkiIdentity = PkiIdentity {
    leaf: "ec-client.crt.pem",
    intermediate: "ec-int.crt.pem",
    key: "ec-client.key.pem",
    chain: "ec-client.chain.pem",
    subject: "CN = dtls test ec-client",
};

fn pki(name: &str) -> String {
    fixtures::pki_path(name).display().to_string()
}

/// OpenSSL's `-cert/-cert_chain/-key` for an identity.
fn openssl_identity(id: &PkiIdentity) -> Vec<String> {
    vec![
        "-cert".into(),
        pki(id.leaf),
        "-cert_chain".into(),
        pki(id.intermediate),
        "-key".into(),
        pki(id.key),
    ]
}

/// Our client with `client` against `openssl s_server -Verify` with `server`, for `suite`
/// (`cipher` in OpenSSL's names).
fn client_with_certificate_to_s_server(
    suite: CipherSuite,
    cipher: &str,
    server: &PkiIdentity,
    client: &PkiIdentity,
) {
    let Some(openssl) = openssl() else { return };
    let port = peer::free_udp_port().unwrap();
    let accept = format!("127.0.0.1:{port}");
    let roots = pki("roots.pem");
    let mut args: Vec<String> = ["s_server", "-dtls1_2", "-accept", &accept, "-naccept", "1"]
        .map(String::from)
        .to_vec();
    args.extend(openssl_identity(server));
    // -Verify: a client certificate is required and must validate against -CAfile.
    args.extend(["-Verify", "2", "-CAfile", &roots, "-cipher", cipher].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let srv = PeerProcess::spawn(&openssl, &args).unwrap();
    if let Err(e) = peer::wait_for_udp_port(port, STEP) {
        panic!("{e}\n{}", srv.dump());
    }
    let config = fixtures::pki_client_config(suite, Some((client.chain, client.key)));
    let mut c = UdpDriver::<Client>::client(config, ([127, 0, 0, 1], port).into()).unwrap();
    let first = c
        .wait_for(STEP, |_| true)
        .unwrap_or_else(|e| panic!("{e}\n{}", srv.dump()));
    match &first {
        Event::Connected { suite: s, peer, .. } => {
            assert_eq!(*s, suite);
            assert_eq!(
                *peer,
                PeerIdentity::Certificate {
                    chain: fixtures::pki_certificates(server.chain)
                }
            );
        }
        e => panic!("expected Connected, got {e:?}\n{}", srv.dump()),
    }
    c.with(|c, _| c.send(format!("{TO_OPENSSL}\n").as_bytes()))
        .unwrap()
        .unwrap();
    let seen = c.run_until(STEP, || srv.stdout().contains(TO_OPENSSL)).unwrap();
    assert!(seen, "s_server did not print our data\n{}", srv.dump());
    // s_server prints the client certificate it verified.
    let out = srv.stdout();
    assert!(
        out.contains(&format!("subject={}", client.subject)),
        "{}",
        srv.dump()
    );
    c.with(|c, now| c.close(now)).unwrap();
    let closed = c.wait_for(STEP, |e| matches!(e, Event::Closed(_))).unwrap();
    assert_eq!(closed, Event::Closed(CloseReason::Graceful), "{}", srv.dump());
    eprintln!("{}", srv.dump());
}

/// `openssl s_client` with `client` (and `-verify_return_error` on our chain) against our
/// server requiring a client certificate.
fn s_client_with_certificate_to_server(suite: CipherSuite, cipher: &str, client: &PkiIdentity) {
    let Some(openssl) = openssl() else { return };
    let mut config = fixtures::pki_server_config(true, dtls::config::ClientAuth::Require);
    config.common.cipher_suites = vec![suite];
    config.common.limits.close_linger = dtls::Duration::from_millis(300);
    let mut s = UdpDriver::<Server<SocketAddr>>::server(config).unwrap();
    let addr = s.local_addr().unwrap().to_string();
    let roots = pki("roots.pem");
    let mut args: Vec<String> = [
        "s_client",
        "-dtls1_2",
        "-connect",
        &addr,
        "-CAfile",
        &roots,
        "-verify_return_error",
        "-verify_hostname",
        fixtures::PKI_SERVER_NAME,
        "-servername",
        fixtures::PKI_SERVER_NAME,
        "-cipher",
        cipher,
    ]
    .map(String::from)
    .to_vec();
    args.extend(openssl_identity(client));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cli = PeerProcess::spawn(&openssl, &args).unwrap();
    let (peer, first) = s
        .wait_for(STEP, |_| true)
        .unwrap_or_else(|e| panic!("{e}\n{}", cli.dump()));
    match &first {
        Event::Connected {
            suite: got,
            peer,
            server_name,
        } => {
            assert_eq!(*got, suite);
            assert_eq!(
                *peer,
                PeerIdentity::Certificate {
                    chain: fixtures::pki_certificates(client.chain)
                }
            );
            assert_eq!(server_name.as_deref(), Some(fixtures::PKI_SERVER_NAME.as_bytes()));
        }
        e => panic!("expected Connected, got {e:?}\n{}", cli.dump()),
    }
    let summary = s
        .run_until(STEP, || cli.stdout().contains("Verify return code"))
        .unwrap();
    assert!(summary, "no session summary\n{}", cli.dump());
    assert!(
        cli.stdout().contains("Verify return code: 0 (ok)"),
        "{}",
        cli.dump()
    );
    s.with(|s, _| s.send(&peer, format!("{TO_OPENSSL}\n").as_bytes()))
        .unwrap()
        .unwrap();
    let seen = s.run_until(STEP, || cli.stdout().contains(TO_OPENSSL)).unwrap();
    assert!(seen, "s_client did not print our data\n{}", cli.dump());
    cli.write_stdin(format!("{FROM_OPENSSL}\n").as_bytes()).unwrap();
    let mut received = String::new();
    while !received.contains(FROM_OPENSSL) {
        match s.wait_for(STEP, |(_, e)| matches!(e, Event::Data(_) | Event::Closed(_))) {
            Ok((_, Event::Data(d))) => received.push_str(&String::from_utf8_lossy(&d)),
            other => panic!("expected data, got {other:?}\n{}", cli.dump()),
        }
    }
    cli.close_stdin();
    let (_, closed) = s.wait_for(STEP, |(_, e)| matches!(e, Event::Closed(_))).unwrap();
    assert_eq!(closed, Event::Closed(CloseReason::PeerClosed), "{}", cli.dump());
    assert!(cli.wait_exit(STEP).is_some(), "{}", cli.dump());
}

#[test]
fn client_rsa_aes128_cbc_sha_with_client_certificate_to_openssl_s_server() {
    client_with_certificate_to_s_server(
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        "AES128-SHA",
        &RSA_SERVER,
        &EC_CLIENT,
    );
}

#[test]
fn client_ecdhe_rsa_gcm_with_client_certificate_to_openssl_s_server() {
    client_with_certificate_to_s_server(
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        "ECDHE-RSA-AES128-GCM-SHA256",
        &RSA_SERVER,
        &RSA_CLIENT,
    );
}

#[test]
fn client_ecdhe_ecdsa_gcm_with_client_certificate_to_openssl_s_server() {
    client_with_certificate_to_s_server(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        &EC_SERVER,
        &EC_CLIENT,
    );
}

#[test]
fn openssl_s_client_rsa_aes128_cbc_sha_with_client_certificate_to_server() {
    s_client_with_certificate_to_server(
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        "AES128-SHA",
        &RSA_CLIENT,
    );
}

#[test]
fn openssl_s_client_ecdhe_rsa_gcm_with_client_certificate_to_server() {
    s_client_with_certificate_to_server(
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        "ECDHE-RSA-AES128-GCM-SHA256",
        &EC_CLIENT,
    );
}

#[test]
fn openssl_s_client_ecdhe_ecdsa_gcm_with_client_certificate_to_server() {
    s_client_with_certificate_to_server(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        &RSA_CLIENT,
    );
}
