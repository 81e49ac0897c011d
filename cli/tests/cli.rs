//! The `dtls` command end to end over loopback UDP: our client against our server (PSK and
//! certificates, echo, exit codes), argument errors, the key log checked by decrypting a
//! captured record, and interop with `openssl s_server` / `s_client` when OpenSSL is installed.

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dtls_conformance::fixtures::{self, PSK_IDENTITY};
use dtls_conformance::peer::{self, PeerProcess};

/// Bound on each wait.
const STEP: Duration = Duration::from_secs(10);

fn dtls() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dtls"))
}

/// A file of the engine's test PKI (`dtls/tests/data/pki`, valid 2025 to 2125): roots,
/// intermediates, RSA and P-256 server and client leaves for server.dtls.test.
fn pki(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../dtls/tests/data/pki")
        .join(name)
        .display()
        .to_string()
}

/// The name the test PKI's server leaves are for.
const SERVER_NAME: &str = "server.dtls.test";

fn cert() -> String {
    fixtures::cert_pem_path().display().to_string()
}

fn key() -> String {
    fixtures::key_pem_path().display().to_string()
}

/// `dtls server` on a free loopback port, once it said where it listens.
struct Server {
    process: PeerProcess,
    addr: SocketAddr,
}

fn server(args: &[&str]) -> Server {
    let mut all = vec!["server", "--listen", "127.0.0.1:0"];
    all.extend(args);
    let process = PeerProcess::spawn(dtls(), &all).unwrap();
    let addr = process
        .wait_for_stderr_line("listening: ", STEP)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    Server { process, addr }
}

/// Runs `dtls client` to completion with `stdin`; returns (exit code, stdout, stderr).
fn client(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut all = vec!["client"];
    all.extend(args);
    let mut p = PeerProcess::spawn(dtls(), &all).unwrap();
    p.write_stdin(stdin).unwrap();
    p.close_stdin();
    let status = p
        .wait_exit(STEP * 2)
        .unwrap_or_else(|| panic!("client did not exit\n{}", p.dump()));
    // The stdio collector threads finish once the pipes close; the drop joins them.
    let code = status.code().unwrap_or(-1);
    let (out, err) = (p.stdout(), p.stderr());
    drop(p);
    (code, out, err)
}

/// Runs `dtls` with `args` and no peer; returns (exit code, stderr).
fn run(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(dtls()).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn wait_exit_ok(srv: &mut Server) {
    let status = srv.process.wait_exit(STEP);
    assert!(
        status.is_some_and(|s| s.success()),
        "server exit {status:?}\n{}",
        srv.process.dump()
    );
}

#[test]
fn psk_echo_of_100_datagrams() {
    let psk = fixtures::psk_hex();
    let mut srv = server(&[
        "--psk",
        &psk,
        "--psk-identity",
        PSK_IDENTITY,
        "--echo",
        "--naccept",
        "1",
    ]);
    let addr = srv.addr.to_string();
    let input: String = (0..100).map(|i| format!("datagram number {i}\n")).collect();
    let (code, out, err) = client(
        &[
            "--connect",
            &addr,
            "--psk",
            &psk,
            "--psk-identity",
            PSK_IDENTITY,
            "--count",
            "100",
            "--timeout",
            "15",
        ],
        input.as_bytes(),
    );
    assert_eq!(code, 0, "stderr: {err}\n{}", srv.process.dump());
    assert_eq!(out, input, "every datagram echoed once, in order");
    assert!(err.contains("connected: TLS_PSK_WITH_AES_128_CCM_8"), "{err}");
    wait_exit_ok(&mut srv);
    assert!(
        srv.process.stderr().contains("connected: 127.0.0.1:"),
        "{}",
        srv.process.dump()
    );
}

#[test]
fn server_prints_what_a_client_sends() {
    let psk = fixtures::psk_hex();
    let mut srv = server(&["--psk", &psk, "--naccept", "1", "--psk-hint", "hint"]);
    let addr = srv.addr.to_string();
    let (code, _, err) = client(&["--connect", &addr, "--psk", &psk], b"first line\nsecond line\n");
    assert_eq!(code, 0, "{err}");
    wait_exit_ok(&mut srv);
    assert_eq!(srv.process.stdout(), "first line\nsecond line\n");
}

#[test]
fn certificate_pinned_self_signed_with_verbose_handshake() {
    let mut srv = server(&[
        "--cert",
        &cert(),
        "--key",
        &key(),
        "--echo",
        "--naccept",
        "1",
        "-v",
    ]);
    let addr = srv.addr.to_string();
    let (code, out, err) = client(
        &[
            "--connect",
            &addr,
            "--ca",
            &cert(),
            "--server-name",
            fixtures::CERT_NAME,
            "--cipher-suites",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "--message",
            "hello",
            "--count",
            "1",
            "--timeout",
            "10",
            "-v",
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "hello");
    assert!(
        err.contains("connected: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        "{err}"
    );
    assert!(err.contains("> handshake client_hello (epoch 0"), "{err}");
    assert!(err.contains("< handshake hello_verify_request"), "{err}");
    // One handshake message per record (the default; `compact` would pack them).
    for message in [
        "server_hello",
        "certificate",
        "server_key_exchange",
        "server_hello_done",
    ] {
        assert!(err.contains(&format!("< handshake {message} (epoch 0")), "{err}");
    }
    wait_exit_ok(&mut srv);
}

#[test]
fn certificate_chain_validated_to_the_ca_with_sec1_keys() {
    // The server sends leaf + intermediate; the client's --ca is the root only, so the whole
    // chain is validated (and the name, with --server-name).
    for key in [pki("ec-server.key.sec1.pem"), pki("ec-server.key.sec1.der")] {
        let mut srv = server(&[
            "--cert",
            &pki("ec-server.chain.pem"),
            "--key",
            &key,
            "--echo",
            "--naccept",
            "1",
            "--no-cookie",
        ]);
        let addr = srv.addr.to_string();
        let (code, out, err) = client(
            &[
                "--connect",
                &addr,
                "--ca",
                &pki("ec-root.crt.pem"),
                "--server-name",
                SERVER_NAME,
                "--message",
                "signed",
                "--count",
                "1",
                "--timeout",
                "10",
                "--trace",
            ],
            b"",
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, "signed");
        // --trace: hex dumps; --no-cookie: no HelloVerifyRequest.
        assert!(err.contains("    16fefd"), "{err}");
        assert!(!err.contains("hello_verify_request"), "{err}");
        assert!(err.contains("peer: certificate chain of 2"), "{err}");
        wait_exit_ok(&mut srv);
    }
}

#[test]
fn untrusted_certificate_fails_the_handshake() {
    // A chain to a root the client does not trust.
    let srv = server(&[
        "--cert",
        &pki("other-server.crt.pem"),
        "--key",
        &pki("other-server.key.pem"),
    ]);
    let addr = srv.addr.to_string();
    let (code, _, err) = client(
        &[
            "--connect",
            &addr,
            "--ca",
            &pki("ec-root.crt.pem"),
            "--message",
            "x",
            "--timeout",
            "10",
        ],
        b"",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("handshake failed: certificate error (unknown_ca)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

#[test]
fn a_server_name_the_certificate_does_not_cover_fails_the_handshake() {
    let srv = server(&[
        "--cert",
        &pki("ec-server.chain.pem"),
        "--key",
        &pki("ec-server.key.pem"),
    ]);
    let addr = srv.addr.to_string();
    let (code, _, err) = client(
        &[
            "--connect",
            &addr,
            "--ca",
            &pki("ec-root.crt.pem"),
            "--server-name",
            "other.dtls.test",
            "--message",
            "x",
            "--timeout",
            "10",
        ],
        b"",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("bad_certificate"), "{err}");
}

#[test]
fn a_server_with_rsa_and_ec_identities_serves_every_certificate_suite() {
    let mut srv = server(&[
        "--cert",
        &pki("rsa-server.chain.pem"),
        "--key",
        &pki("rsa-server.key.pkcs1.pem"),
        "--cert",
        &pki("ec-server.chain.pem"),
        "--key",
        &pki("ec-server.key.pem"),
        "--echo",
        "--naccept",
        "3",
    ]);
    let addr = srv.addr.to_string();
    for suite in [
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    ] {
        let (code, out, err) = client(
            &[
                "--connect",
                &addr,
                "--ca",
                &pki("roots.pem"),
                "--server-name",
                SERVER_NAME,
                "--cipher-suites",
                suite,
                "--message",
                suite,
                "--count",
                "1",
                "--timeout",
                "10",
            ],
            b"",
        );
        assert_eq!(code, 0, "{suite}: {err}\n{}", srv.process.dump());
        assert_eq!(out, suite);
        assert!(err.contains(&format!("connected: {suite}")), "{err}");
    }
    wait_exit_ok(&mut srv);
}

#[test]
fn a_required_client_certificate_is_validated_and_reported() {
    let mut srv = server(&[
        "--cert",
        &pki("ec-server.chain.pem"),
        "--key",
        &pki("ec-server.key.pem"),
        "--verify-client",
        "require",
        "--ca",
        &pki("roots.pem"),
        "--ca-names",
        "--echo",
        "--naccept",
        "2",
        "-v",
    ]);
    let addr = srv.addr.to_string();
    for (cert, key) in [
        ("ec-client.chain.pem", "ec-client.key.pem"),
        ("rsa-client.chain.pem", "rsa-client.key.pem"),
    ] {
        let (code, out, err) = client(
            &[
                "--connect",
                &addr,
                "--ca",
                &pki("ec-root.crt.pem"),
                "--server-name",
                SERVER_NAME,
                "--cert",
                &pki(cert),
                "--key",
                &pki(key),
                "--message",
                "mutual",
                "--count",
                "1",
                "--timeout",
                "10",
                "-v",
            ],
            b"",
        );
        assert_eq!(code, 0, "{err}\n{}", srv.process.dump());
        assert_eq!(out, "mutual");
        assert!(err.contains("< handshake certificate_request (epoch 0"), "{err}");
        assert!(err.contains("> handshake certificate_verify (epoch 0"), "{err}");
    }
    wait_exit_ok(&mut srv);
    let log = srv.process.stderr();
    assert_eq!(log.matches("certificate chain of 2").count(), 2, "{log}");
}

#[test]
fn a_missing_client_certificate_fails_when_required_and_passes_when_requested() {
    for (mode, ok) in [("require", false), ("request", true)] {
        let srv = server(&[
            "--cert",
            &pki("ec-server.chain.pem"),
            "--key",
            &pki("ec-server.key.pem"),
            "--verify-client",
            mode,
            "--ca",
            &pki("roots.pem"),
            "--echo",
        ]);
        let addr = srv.addr.to_string();
        let (code, _, err) = client(
            &[
                "--connect",
                &addr,
                "--ca",
                &pki("ec-root.crt.pem"),
                "--message",
                "anonymous",
                "--count",
                "1",
                "--timeout",
                "10",
            ],
            b"",
        );
        if ok {
            assert_eq!(code, 0, "{mode}: {err}");
        } else {
            assert_eq!(code, 1, "{mode}: {err}");
            assert!(err.contains("peer sent alert handshake_failure"), "{err}");
        }
    }
}

#[test]
fn wrong_psk_fails_the_handshake() {
    let srv = server(&["--psk", &fixtures::psk_hex()]);
    let addr = srv.addr.to_string();
    let (code, _, err) = client(
        &["--connect", &addr, "--psk", "0badc0de", "--timeout", "10"],
        b"hi\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("handshake failed: "), "{err}");
}

#[test]
fn unknown_psk_identity_is_refused_by_the_server() {
    let psk = fixtures::psk_hex();
    let srv = server(&["--psk", &psk, "--psk-identity", "expected"]);
    let addr = srv.addr.to_string();
    let (code, _, err) = client(
        &[
            "--connect",
            &addr,
            "--psk",
            &psk,
            "--psk-identity",
            "other",
            "--timeout",
            "10",
        ],
        b"hi\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("handshake failed: peer sent alert"), "{err}");
}

#[test]
fn no_server_times_out_with_a_reason() {
    let port = peer::free_udp_port().unwrap();
    let addr = format!("127.0.0.1:{port}");
    let (code, _, err) = client(
        &[
            "--connect",
            &addr,
            "--psk",
            "00",
            "--timeout",
            "1.5",
            "--count",
            "1",
        ],
        b"",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("handshake failed"), "{err}");
}

#[test]
fn count_not_reached_before_timeout_fails() {
    let psk = fixtures::psk_hex();
    // Not --echo: nothing comes back.
    let _srv = server(&["--psk", &psk]);
    let addr = _srv.addr.to_string();
    let (code, _, err) = client(
        &[
            "--connect",
            &addr,
            "--psk",
            &psk,
            "--message",
            "x",
            "--count",
            "1",
            "--timeout",
            "1",
        ],
        b"",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("timed out: received 0 of 1 datagrams"), "{err}");
}

#[test]
fn bad_arguments_are_explained() {
    let missing = "/nonexistent/key.pem".to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["client", "--psk", "zz"], "--psk: not a hex string"),
        (vec!["client"], "the client needs credentials"),
        (vec!["server"], "the server needs credentials"),
        (
            vec!["client", "--psk", "00", "--cipher-suites", "TLS_NOPE"],
            "unknown or unsupported suite `TLS_NOPE`",
        ),
        (
            vec!["client", "--psk", "00", "--mtu", "20"],
            "--mtu: must be between",
        ),
        (
            vec!["client", "--psk", "00", "--connect", "nohostport"],
            "--connect: cannot resolve",
        ),
        (
            vec!["server", "--psk", "00", "--verify-client", "require"],
            "--verify-client request/require needs --ca FILE",
        ),
        (
            vec!["server", "--psk", "00", "--ca", "x.pem"],
            "add --verify-client request or require",
        ),
        (vec!["server", "--cert", "x.pem"], "--key"),
        (
            vec!["server", "--cert", "a.pem", "--cert", "b.pem", "--key", "k.pem"],
            "--cert and --key come in pairs",
        ),
        (
            vec!["server", "--cert", &missing, "--key", &missing],
            "cannot read certificate file",
        ),
        (vec!["client", "--bogus"], "unexpected argument"),
        (vec!["frobnicate"], "unrecognized subcommand"),
    ];
    for (args, needle) in cases {
        let (code, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: expected `{needle}` in: {err}");
    }
    // A file that is not a key, and a key that is not a certificate.
    let cert = cert();
    let (code, err) = run(&["server", "--cert", &cert, "--key", &cert]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("key file"), "{err}");
    let key_der = pki("ec-server.key.der");
    let (code, err) = run(&["server", "--cert", &key_der, "--key", &key_der]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("certificate file"), "{err}");
    // A key that belongs to another certificate.
    let (code, err) = run(&[
        "server",
        "--cert",
        &pki("ec-server.chain.pem"),
        "--key",
        &pki("ec-client.key.pem"),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does not belong"), "{err}");
    let (code, _) = run(&["--help"]);
    assert_eq!(code, 0);
    let out = std::process::Command::new(dtls())
        .args(["client", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("must validate to one of them in full"), "{help}");
}

/// Datagrams seen by the relay, with their direction (true: towards the server).
type Captured = Arc<Mutex<Vec<(bool, Vec<u8>)>>>;

/// A UDP relay between one client and a server that records every datagram with its
/// direction (true: towards the server).
struct Relay {
    addr: SocketAddr,
    captured: Captured,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Relay {
    fn start(server: SocketAddr) -> Relay {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let addr = socket.local_addr().unwrap();
        let captured: Captured = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (cap, st) = (captured.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut client: Option<SocketAddr> = None;
            let mut buf = vec![0u8; 65536];
            while !st.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let d = buf[..n].to_vec();
                if from == server {
                    if let Some(c) = client {
                        cap.lock().unwrap().push((false, d.clone()));
                        let _ = socket.send_to(&d, c);
                    }
                } else {
                    client = Some(from);
                    cap.lock().unwrap().push((true, d.clone()));
                    let _ = socket.send_to(&d, server);
                }
            }
        });
        Relay {
            addr,
            captured,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Records of a datagram: (header, fragment).
fn records(d: &[u8]) -> Vec<(dtls::wire::RecordHeader, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = d;
    while let Some(len) = dtls::record::RecordLayer::record_len(rest) {
        let h = dtls::wire::RecordHeader::peek(rest).unwrap();
        out.push((h, rest[dtls::record::HEADER_LEN..len].to_vec()));
        rest = &rest[len..];
    }
    out
}

/// The key log line names the session's master secret: with it, the PRF key block and the
/// AEAD open the first application-data record the client sent, as Wireshark would.
#[test]
fn keylog_decrypts_a_captured_session() {
    use dtls::crypto::BulkCipher;
    use dtls::crypto::rustcrypto::{Aead, RustCrypto};
    use dtls::wire::{ContentType, HandshakeType};

    let psk = fixtures::psk_hex();
    let server_keylog =
        std::env::temp_dir().join(format!("dtls-cli-test-{}.server.keylog", std::process::id()));
    let _ = std::fs::remove_file(&server_keylog);
    let server_keylog_arg = server_keylog.display().to_string();
    let mut srv = server(&[
        "--psk",
        &psk,
        "--echo",
        "--naccept",
        "1",
        "--keylog",
        &server_keylog_arg,
    ]);
    let relay = Relay::start(srv.addr);
    let keylog = std::env::temp_dir().join(format!("dtls-cli-test-{}.keylog", std::process::id()));
    let _ = std::fs::remove_file(&keylog);
    let secret = "attack at dawn";
    let (code, out, err) = client(
        &[
            "--connect",
            &relay.addr.to_string(),
            "--psk",
            &psk,
            "--cipher-suites",
            "TLS_PSK_WITH_AES_128_CCM_8",
            "--keylog",
            &keylog.display().to_string(),
            "--message",
            secret,
            "--count",
            "1",
            "--timeout",
            "10",
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, secret);
    wait_exit_ok(&mut srv);
    let line = std::fs::read_to_string(&keylog).unwrap();
    let _ = std::fs::remove_file(&keylog);
    // The server logs the same session's secrets.
    let server_line = std::fs::read_to_string(&server_keylog).unwrap();
    let _ = std::fs::remove_file(&server_keylog);
    assert_eq!(server_line, line);
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields.len(), 3, "{line}");
    assert_eq!(fields[0], "CLIENT_RANDOM");
    let client_random: [u8; 32] = hex::decode(fields[1]).unwrap().try_into().unwrap();
    let master: [u8; 48] = hex::decode(fields[2]).unwrap().try_into().unwrap();

    let captured = relay.captured.lock().unwrap().clone();
    drop(relay);
    let mut server_random = None;
    let mut app_record = None;
    for (to_server, d) in &captured {
        for (h, frag) in records(d) {
            if !to_server && h.epoch == 0 && h.content_type == ContentType::HANDSHAKE {
                for f in dtls::wire::split_handshake(&frag) {
                    let f = f.unwrap();
                    if f.header.msg_type == HandshakeType::SERVER_HELLO {
                        server_random = Some(<[u8; 32]>::try_from(&f.body[2..34]).unwrap());
                    }
                }
            }
            if *to_server && h.content_type == ContentType::APPLICATION_DATA && app_record.is_none() {
                app_record = Some((h, frag));
            }
        }
        // The ClientHello on the wire carries the logged client random.
        if *to_server && records(d)[0].0.epoch == 0 {
            let (_, frag) = &records(d)[0];
            if let Some(Ok(f)) = dtls::wire::split_handshake(frag).next()
                && f.header.msg_type == HandshakeType::CLIENT_HELLO
            {
                assert_eq!(&f.body[2..34], &client_random);
            }
        }
    }
    let server_random = server_random.expect("ServerHello captured");
    let (h, mut frag) = app_record.expect("application data captured");

    // TLS_PSK_WITH_AES_128_CCM_8: key block = client key, server key (16 each), client IV,
    // server IV (4 each); no MAC keys.
    let mut kb = [0u8; 40];
    dtls::crypto::prf::key_block(
        &RustCrypto,
        dtls::crypto::HashAlgorithm::Sha256,
        &master,
        &client_random,
        &server_random,
        &mut kb,
    )
    .unwrap();
    let aead = Aead::new(BulkCipher::AesCcm8, &kb[..16]).unwrap();
    let mut nonce = [0u8; 12];
    nonce[..4].copy_from_slice(&kb[32..36]);
    nonce[4..].copy_from_slice(&frag[..8]);
    let plain_len = frag.len() - 8 - 8;
    let aad = dtls::crypto::RecordAad {
        seq: h.full_sequence(),
        content_type: h.content_type.0,
        version: h.version.0,
    }
    .bytes(u16::try_from(plain_len).unwrap());
    let (body, tag) = frag[8..].split_at_mut(plain_len);
    aead.open_in_place(&nonce, &aad, body, tag).unwrap();
    assert_eq!(body, secret.as_bytes());
}

fn openssl() -> Option<PathBuf> {
    peer::require_program("openssl")
}

/// `dtls client` against `openssl s_server -dtls1_2`, PSK and certificate.
#[test]
fn client_against_openssl_s_server() {
    let Some(openssl) = openssl() else { return };
    let psk = fixtures::psk_hex();
    let (cert, key) = (cert(), key());
    let cases: [(&[&str], Vec<&str>); 2] = [
        (
            &[
                "-psk",
                &psk,
                "-psk_identity",
                PSK_IDENTITY,
                "-nocert",
                "-cipher",
                "PSK-AES128-CCM8",
            ],
            vec!["--psk", &psk, "--psk-identity", PSK_IDENTITY],
        ),
        (
            &[
                "-cert",
                &cert,
                "-key",
                &key,
                "-cipher",
                "ECDHE-ECDSA-AES128-GCM-SHA256",
            ],
            vec!["--ca", &cert],
        ),
    ];
    for (server_args, client_args) in cases {
        let port = peer::free_udp_port().unwrap();
        let accept = format!("127.0.0.1:{port}");
        let mut args = vec!["s_server", "-dtls1_2", "-accept", &accept, "-naccept", "1"];
        args.extend(server_args);
        let srv = PeerProcess::spawn(&openssl, &args).unwrap();
        peer::wait_for_udp_port(port, STEP).unwrap();
        let mut cargs = vec!["--connect", &accept, "--timeout", "10"];
        cargs.extend(client_args);
        let (code, _, err) = client(&cargs, b"hello openssl\n");
        assert_eq!(code, 0, "{err}\n{}", srv.dump());
        assert!(err.contains("connected: TLS_"), "{err}");
        srv.wait_for_stdout("hello openssl", STEP).unwrap();
    }
}

/// `openssl s_client -dtls1_2` against `dtls server --echo`.
#[test]
fn openssl_s_client_against_server() {
    let Some(openssl) = openssl() else { return };
    let psk = fixtures::psk_hex();
    let mut srv = server(&["--psk", &psk, "--cert", &cert(), "--key", &key(), "--echo"]);
    let connect = srv.addr.to_string();
    let cert = cert();
    let cases: [Vec<&str>; 2] = [
        vec![
            "-psk",
            &psk,
            "-psk_identity",
            PSK_IDENTITY,
            "-cipher",
            "PSK-AES128-CCM8",
        ],
        vec![
            "-CAfile",
            &cert,
            "-verify_return_error",
            "-cipher",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
        ],
    ];
    for extra in cases {
        let mut args = vec!["s_client", "-dtls1_2", "-connect", &connect, "-quiet"];
        args.extend(extra);
        let mut c = PeerProcess::spawn(&openssl, &args).unwrap();
        srv.process
            .wait_for_stderr("connected: 127.0.0.1", STEP)
            .unwrap_or_else(|e| panic!("{e}\n{}", c.dump()));
        c.write_stdin(b"echo me\n").unwrap();
        c.wait_for_stdout("echo me", STEP).unwrap();
        drop(c);
    }
    assert!(
        srv.process.wait_exit(Duration::from_millis(100)).is_none(),
        "server keeps running"
    );
    let _ = &mut srv;
}
