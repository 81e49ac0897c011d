//! Interop with libcoap 4.3 (Debian `libcoap3-bin`) as real CoAP-over-DTLS peers on loopback
//! UDP, PSK, both of its DTLS back ends (OpenSSL and GnuTLS):
//! - `coap-client` against our server: the handshake completes, its CoAP GET arrives as
//!   application data, and our hand-built 2.05 response is what coap-client prints;
//! - our client against `coap-server`: a hand-built GET for `/.well-known/core` gets a 2.05
//!   response with the server's link format.
//!
//! Without the binaries the tests skip, unless `CI` is set, in which case they fail.

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use dtls::config::{Psk, PskTable};
use dtls::wire::CipherSuite;
use dtls::{Client, Event, Server};
use dtls_conformance::coap::{self, CONTENT, GET};
use dtls_conformance::fixtures;
use dtls_conformance::peer::{self, PeerProcess};
use dtls_conformance::udp::UdpDriver;

/// Bound on each wait.
const STEP: Duration = Duration::from_secs(10);
/// libcoap 4.3.1 takes the key as a string argument, so the key is printable.
const IDENTITY: &str = "coap-device";
const KEY: &str = "coap-interop-key";
const ANSWER: &str = "hello from our DTLS server";

/// The PSK suites we offer or accept with libcoap.
const SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
    CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_PSK_WITH_AES_128_CCM,
];

fn psk() -> Psk {
    Psk::new(IDENTITY.as_bytes(), KEY.as_bytes()).unwrap()
}

fn our_server(backend: &str) {
    let Some(client) = peer::require_program(&format!("coap-client-{backend}")) else {
        return;
    };
    let mut config = fixtures::server_config(true);
    config.common.cipher_suites = SUITES.to_vec();
    config.psk_store = Some(Arc::new(PskTable::new().with(psk())));
    let mut s = UdpDriver::<Server<SocketAddr>>::server(config).unwrap();
    let port = s.local_addr().unwrap().port();
    let uri = format!("coaps://127.0.0.1:{port}/hello");
    let args: [&OsStr; 9] = [
        "-m".as_ref(),
        "get".as_ref(),
        "-u".as_ref(),
        IDENTITY.as_ref(),
        "-k".as_ref(),
        KEY.as_ref(),
        "-B".as_ref(),
        "10".as_ref(),
        uri.as_ref(),
    ];
    let args: Vec<&str> = args.iter().map(|a| a.to_str().unwrap()).collect();
    let mut proc = PeerProcess::spawn(&client, &args).unwrap();

    let connected = s
        .wait_for(STEP, |(_, e)| {
            matches!(e, Event::Connected { .. } | Event::Closed(_))
        })
        .unwrap_or_else(|e| panic!("{e}\n{}", proc.dump()));
    let (peer_addr, ev) = connected;
    assert!(matches!(ev, Event::Connected { .. }), "{ev:?}\n{}", proc.dump());

    let (_, data) = s
        .wait_for(STEP, |(_, e)| matches!(e, Event::Data(_) | Event::Closed(_)))
        .unwrap_or_else(|e| panic!("{e}\n{}", proc.dump()));
    let Event::Data(request) = data else {
        panic!("expected the CoAP request, got {data:?}\n{}", proc.dump());
    };
    let req = coap::parse(&request).unwrap_or_else(|| panic!("not CoAP: {request:02x?}"));
    assert_eq!(req.code, GET, "{req:?}");
    let resp = coap::response(&req, CONTENT, ANSWER.as_bytes());
    s.with(|s, _| s.send(&peer_addr, &resp)).unwrap().unwrap();

    let printed = s.run_until(STEP, || proc.stdout().contains(ANSWER)).unwrap();
    assert!(printed, "coap-client did not print our response\n{}", proc.dump());
    let status = proc.wait_exit(STEP);
    assert!(
        status.is_some_and(|st| st.success()),
        "{status:?}\n{}",
        proc.dump()
    );
}

fn our_client(backend: &str) {
    let Some(server) = peer::require_program(&format!("coap-server-{backend}")) else {
        return;
    };
    // coap-server listens for DTLS on its port + 1.
    let port = peer::free_udp_port().unwrap();
    let dtls_port = port + 1;
    let port_s = port.to_string();
    let proc =
        PeerProcess::spawn(&server, &["-A", "127.0.0.1", "-p", &port_s, "-k", KEY, "-v", "0"]).unwrap();
    if let Err(e) = peer::wait_for_udp_port(dtls_port, STEP) {
        panic!("{e}\n{}", proc.dump());
    }
    let mut config = fixtures::client_config(SUITES[0]);
    config.common.cipher_suites = SUITES.to_vec();
    config.psk = Some(psk());
    let mut c = UdpDriver::<Client>::client(config, SocketAddr::from(([127, 0, 0, 1], dtls_port))).unwrap();
    let first = c
        .wait_for(STEP, |_| true)
        .unwrap_or_else(|e| panic!("{e}\n{}", proc.dump()));
    assert!(
        matches!(first, Event::Connected { .. }),
        "{first:?}\n{}",
        proc.dump()
    );

    let get = coap::get(0x2b2b, b"\x01\x02", &[".well-known", "core"]);
    c.with(|c, _| c.send(&get)).unwrap().unwrap();
    let reply = c
        .wait_for(STEP, |e| matches!(e, Event::Data(_) | Event::Closed(_)))
        .unwrap_or_else(|e| panic!("{e}\n{}", proc.dump()));
    let Event::Data(bytes) = reply else {
        panic!("expected a CoAP response, got {reply:?}\n{}", proc.dump());
    };
    let m = coap::parse(&bytes).unwrap_or_else(|| panic!("not CoAP: {bytes:02x?}"));
    assert_eq!((m.kind, m.code, m.message_id), (2, CONTENT, 0x2b2b), "{m:?}");
    assert_eq!(m.token, b"\x01\x02");
    let links = String::from_utf8_lossy(&m.payload);
    assert!(links.contains("</"), "not a link format: {links}");
    eprintln!("coap-server-{backend} /.well-known/core: {links}");
    c.with(|c, now| c.close(now)).unwrap();
    let _ = c.wait_for(STEP, |e| matches!(e, Event::Closed(_)));
}

#[test]
fn coap_client_openssl_gets_our_servers_response() {
    our_server("openssl");
}

#[test]
fn coap_client_gnutls_gets_our_servers_response() {
    our_server("gnutls");
}

#[test]
fn our_client_gets_coap_server_openssl_response() {
    our_client("openssl");
}

#[test]
fn our_client_gets_coap_server_gnutls_response() {
    our_client("gnutls");
}
