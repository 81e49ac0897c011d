//! Our client asked to renegotiate after the handshake (RFC 5746 4.2, RFC 5246 7.4.1.1). The
//! server is the hostile peer's [`Session`], which plays an honest PSK handshake by hand: as a
//! legacy server its ServerHello carries no renegotiation_info (secure_renegotiation is FALSE
//! on the client), as a secure one it carries the empty extension. Once connected it sends a
//! HelloRequest in epoch 1 and looks at what the client answers.

use std::sync::Arc;

use dtls::crypto::DeterministicRandom;
use dtls::wire::{
    AlertDescription, AlertLevel, ExtensionType, Extensions, HandshakeMessage, HandshakeType, HelloRequest,
};
use dtls::{Client, Event, Instant};
use dtls_sim::hostile::{Seen, Session};
use dtls_sim::implementation::{Role, SuiteId};
use dtls_sim::{RunSpec, ours};

const NOW: Instant = Instant::ZERO;
const AFTER_HELLO_REQUEST: &str = "HelloRequest sent";

/// Delivers every datagram the client has queued to the server.
fn client_to_server(client: &mut Client, server: &mut Session) {
    let mut buf = vec![0u8; 70000];
    while let Some(n) = client.poll_transmit(&mut buf).unwrap() {
        server.receive(&buf[..n]);
    }
}

fn client_events(client: &mut Client) -> Vec<Event> {
    std::iter::from_fn(|| client.poll_event()).collect()
}

/// What the server saw from the client after it sent the HelloRequest.
fn seen_after_hello_request(server: &Session) -> Vec<Seen> {
    let at = server
        .seen
        .iter()
        .position(|s| *s == Seen::Marker(AFTER_HELLO_REQUEST))
        .expect("the HelloRequest was sent");
    server.seen[at + 1..].to_vec()
}

/// Connects our client to the scripted server (whose ServerHello carries renegotiation_info
/// only if `renegotiation_info`), then has the server send a HelloRequest and delivers the
/// client's answer. Returns the client, the server and the client's events after the
/// handshake.
fn hello_request_after_handshake(renegotiation_info: bool) -> (Client, Session, Vec<Event>) {
    let spec = RunSpec {
        suite: SuiteId::PSK_WITH_AES_128_CCM_8,
        cookies: false,
        ..RunSpec::perfect()
    };
    let config = ours::client_config(&spec.endpoint_spec(Role::Client, "client")).unwrap();
    let mut client = Client::new(Arc::new(config), Box::new(DeterministicRandom::from_u64(46)), NOW).unwrap();
    let mut server = Session::new(Role::Server, &spec.endpoint_spec(Role::Server, "server"), 47).unwrap();

    client_to_server(&mut client, &mut server);
    assert!(server.got(HandshakeType::CLIENT_HELLO));
    let mut hello = server.server_hello_msg();
    let extensions = hello.extensions.take().unwrap_or_default();
    assert!(
        extensions.contains(ExtensionType::RENEGOTIATION_INFO),
        "the session's ServerHello signals secure renegotiation unless told otherwise"
    );
    hello.extensions = Some(Extensions(
        extensions
            .iter()
            .filter(|e| renegotiation_info || e.typ != ExtensionType::RENEGOTIATION_INFO)
            .cloned()
            .collect(),
    ));
    server.ems = hello
        .extension_list()
        .iter()
        .any(|e| e.typ == ExtensionType::EXTENDED_MASTER_SECRET);
    let flight = [
        server.handshake(&HandshakeMessage::ServerHello(hello)),
        server.server_hello_done(),
    ]
    .concat();
    client.handle_datagram(NOW, &flight);

    client_to_server(&mut client, &mut server);
    assert_eq!(
        server.peer_finished_ok,
        Some(true),
        "the client's Finished verifies"
    );
    let last = [server.change_cipher_spec(), server.finished(None)].concat();
    client.handle_datagram(NOW, &last);
    assert!(client.is_connected(), "{:?}", client_events(&mut client));
    let connected = client_events(&mut client);
    assert!(
        connected.iter().any(|e| matches!(e, Event::Connected { .. })),
        "{connected:?}"
    );

    let seq = server.send_seq;
    let request = server.untracked(&HandshakeMessage::HelloRequest(HelloRequest), seq);
    server.mark(AFTER_HELLO_REQUEST);
    client.handle_datagram(NOW, &request);
    client_to_server(&mut client, &mut server);
    let events = client_events(&mut client);
    (client, server, events)
}

/// The connection is still up and carries data both ways.
fn still_carries_data(client: &mut Client, server: &mut Session, events: &[Event]) {
    assert!(client.is_connected(), "{events:?}");
    assert!(
        !events.iter().any(|e| matches!(e, Event::Closed(_))),
        "{events:?}"
    );
    client.send(b"after the HelloRequest").unwrap();
    client_to_server(client, server);
    assert_eq!(server.app_received(), [b"after the HelloRequest".as_slice()]);
    let data = server.app_data(b"from the server");
    client.handle_datagram(NOW, &data);
    let events = client_events(client);
    assert!(
        events.contains(&Event::Data(b"from the server".to_vec())),
        "{events:?}"
    );
}

/// RFC 5746 4.2: with secure_renegotiation FALSE the client refuses the renegotiation and
/// answers with a no_renegotiation alert of warning level; nothing else (no ClientHello, no
/// fatal alert), and the connection carries on.
// catalogue: RFC5746-4.2-1, RFC5746-4.2-2, RFC5246-7.4.1.1-1
#[test]
fn client_answers_a_legacy_servers_hello_request_with_a_no_renegotiation_warning() {
    let (mut client, mut server, events) = hello_request_after_handshake(false);
    assert_eq!(
        seen_after_hello_request(&server),
        [Seen::Alert {
            level: AlertLevel::WARNING.0,
            description: AlertDescription::NO_RENEGOTIATION.0,
        }],
        "exactly one no_renegotiation warning"
    );
    assert_eq!(server.client_randoms.len(), 1, "no new ClientHello");
    still_carries_data(&mut client, &mut server, &events);
}

/// RFC 5246 7.4.1.1: with a server that signalled secure renegotiation the client ignores
/// the HelloRequest (sends nothing) and the connection carries on. Beside the test above, it
/// shows the alert depends on what the ServerHello said.
// catalogue: RFC5246-7.4.1.1-1
#[test]
fn client_ignores_a_hello_request_from_a_server_that_signalled_secure_renegotiation() {
    let (mut client, mut server, events) = hello_request_after_handshake(true);
    assert_eq!(seen_after_hello_request(&server), []);
    assert_eq!(server.client_randoms.len(), 1, "no new ClientHello");
    still_carries_data(&mut client, &mut server, &events);
}
