//! The byte-level bug patterns and advisory triggers of TESTING.md sections 2 and 3, each a
//! script for the hostile peer ([`crate::hostile`]) and the outcome the implementation under
//! test must produce. A pattern runs against any registered implementation: the hostile peer
//! plays one side, the implementation the other.
//!
//! Outcomes (RFC 6347 4.1.2.7: invalid records are silently discarded; a protocol violation
//! inside a handshake is fatal):
//! - [`Expect::Refuse`]: the handshake must not complete and nothing the script sent may be
//!   delivered; the implementation may stay silent or send one of the listed fatal alerts.
//! - [`Expect::Survive`]: the deviation must be discarded or refused: either the connection
//!   goes on working (the script's later messages and data get their normal answers) or the
//!   implementation ends it with one of the listed fatal alerts.
//! - [`Expect::Ends`]: the script ends a working connection itself; what it sends after
//!   that must not be delivered.
//!
//! In every case data the script marks forbidden must never be delivered, and the
//! implementation must never panic, stall or break an oracle invariant.

use dtls::codec::Codec;
use dtls::wire::{
    AlertDescription as A, AlertLevel, CertificateRequest, CipherSuite, ClientCertificateType,
    HandshakeMessage, HandshakeType as T, HelloRequest, HelloVerifyRequest, ProtocolVersion, SignatureScheme,
};

use crate::hostile::session::raw_record;
use crate::hostile::{Session, Step};
use crate::implementation::{Role, SuiteAuth};

/// What the implementation under test must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Never complete the handshake; silence or one of these fatal alerts.
    Refuse(&'static [A]),
    /// Keep the connection working, or end it with one of these fatal alerts.
    Survive(&'static [A]),
    /// The script itself ends the connection (close_notify or a fatal alert) after a
    /// working handshake; whatever it sends afterwards must not be delivered.
    Ends,
}

/// An extra check on what the hostile peer saw: `Err(why)` fails the scenario.
pub type Check = fn(&Session) -> Result<(), String>;

/// A named bug pattern.
#[derive(Debug, Clone, Copy)]
pub struct Pattern {
    /// The scenario name (`--scenario NAME`).
    pub name: &'static str,
    /// The TESTING.md section and item it covers.
    pub item: &'static str,
    /// The side the hostile script plays (the implementation under test plays the other).
    pub hostile: Role,
    /// The suites it applies to (`None`: any).
    pub auth: Option<SuiteAuth>,
    /// Only CBC suites.
    pub cbc_only: bool,
    /// The outcome required.
    pub expect: Expect,
    /// Builds the script.
    pub script: fn() -> Vec<Step>,
    /// Extra checks on what the hostile peer saw.
    pub check: Option<Check>,
}

impl Pattern {
    /// The role of the implementation under test.
    pub fn under_test(&self) -> Role {
        match self.hostile {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        }
    }
}

// Alert sets. RFC 5246 7.2.2: unexpected_message for a message out of order, decode_error for
// one that does not parse, illegal_parameter for a field out of range, handshake_failure as
// the generic refusal; decrypt_error when a Finished (or signature) does not verify;
// bad_record_mac is the only alert RFC 6347 4.1.2.7 allows for a record that fails to
// authenticate.
const PROTOCOL: &[A] = &[
    A::UNEXPECTED_MESSAGE,
    A::DECODE_ERROR,
    A::ILLEGAL_PARAMETER,
    A::HANDSHAKE_FAILURE,
];
const PROTOCOL_OR_FINISHED: &[A] = &[
    A::UNEXPECTED_MESSAGE,
    A::DECODE_ERROR,
    A::ILLEGAL_PARAMETER,
    A::HANDSHAKE_FAILURE,
    A::DECRYPT_ERROR,
    A::BAD_RECORD_MAC,
];
const FINISHED: &[A] = &[A::DECRYPT_ERROR, A::HANDSHAKE_FAILURE, A::BAD_RECORD_MAC];
const WRONG_KEY: &[A] = &[
    A::DECRYPT_ERROR,
    A::HANDSHAKE_FAILURE,
    A::BAD_RECORD_MAC,
    A::UNKNOWN_PSK_IDENTITY,
];
const BAD_RECORD: &[A] = &[A::BAD_RECORD_MAC];
const PROTOCOL_OR_BAD_RECORD: &[A] = &[
    A::UNEXPECTED_MESSAGE,
    A::DECODE_ERROR,
    A::ILLEGAL_PARAMETER,
    A::HANDSHAKE_FAILURE,
    A::BAD_RECORD_MAC,
];
const NONE: &[A] = &[];
const VERSION: &[A] = &[
    A::PROTOCOL_VERSION,
    A::HANDSHAKE_FAILURE,
    A::ILLEGAL_PARAMETER,
    A::DECODE_ERROR,
];

// ---- conditions ------------------------------------------------------------------------

fn got_hvr_or_done(s: &Session) -> bool {
    s.got(T::HELLO_VERIFY_REQUEST) || s.got(T::SERVER_HELLO_DONE)
}
fn got_hvr(s: &Session) -> bool {
    s.got(T::HELLO_VERIFY_REQUEST)
}
fn got_done(s: &Session) -> bool {
    s.got(T::SERVER_HELLO_DONE)
}
fn got_server_hello(s: &Session) -> bool {
    s.got(T::SERVER_HELLO)
}
fn peer_finished(s: &Session) -> bool {
    s.peer_finished_ok.is_some()
}
fn got_echo(s: &Session) -> bool {
    s.app_received().iter().any(|d| d.starts_with(b"echo hostile"))
}
fn got_two_echoes(s: &Session) -> bool {
    s.app_received()
        .iter()
        .filter(|d| d.starts_with(b"echo hostile"))
        .count()
        >= 2
}
fn got_hello(s: &Session) -> bool {
    s.count(T::CLIENT_HELLO) >= 1
}
fn got_second_hello(s: &Session) -> bool {
    s.count(T::CLIENT_HELLO) >= 2
}
fn got_app(s: &Session) -> bool {
    !s.app_received().is_empty()
}
fn got_client_flight(s: &Session) -> bool {
    s.got(T::CLIENT_KEY_EXCHANGE)
}

fn until(what: &'static str, cond: fn(&Session) -> bool) -> Step {
    Step::Until {
        what,
        cond,
        within_ms: 3_000,
        required: true,
    }
}

fn maybe(what: &'static str, cond: fn(&Session) -> bool, within_ms: u64) -> Step {
    Step::Until {
        what,
        cond,
        within_ms,
        required: false,
    }
}

fn send(f: impl FnMut(&mut Session) -> Vec<Vec<u8>> + 'static) -> Step {
    Step::Send(Box::new(f))
}

/// One datagram of several records.
fn dg(parts: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    vec![parts.concat()]
}

fn restart() -> Step {
    send(|s| {
        s.restart();
        Vec::new()
    })
}

fn mark(m: &'static str) -> Step {
    send(move |s| {
        s.mark(m);
        Vec::new()
    })
}

// ---- honest building blocks -----------------------------------------------------------

/// Client: ClientHello, the cookie exchange if the server asks for one, up to the server's
/// ServerHelloDone.
fn client_hellos() -> Vec<Step> {
    vec![
        send(|s| vec![s.client_hello()]),
        until("HelloVerifyRequest or ServerHelloDone", got_hvr_or_done),
        send(|s| {
            if s.got(T::HELLO_VERIFY_REQUEST) && !s.got(T::SERVER_HELLO) {
                vec![s.client_hello()]
            } else {
                Vec::new()
            }
        }),
        until("the server's flight (ServerHelloDone)", got_done),
    ]
}

/// Client: the cookie exchange only, up to the HelloVerifyRequest (cookies must be on).
fn client_cookie() -> Vec<Step> {
    vec![
        send(|s| vec![s.client_hello()]),
        until("HelloVerifyRequest (the run needs cookies on)", got_hvr),
    ]
}

/// Client: ClientKeyExchange, ChangeCipherSpec, Finished in one datagram.
fn client_flight() -> Step {
    send(|s| {
        let cke = s.client_key_exchange(None);
        let ccs = s.change_cipher_spec();
        let fin = s.finished(None);
        dg(vec![cke, ccs, fin])
    })
}

/// Client: a whole honest handshake, then one echo round trip.
fn client_handshake() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(client_flight());
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

/// Application data the server must echo.
fn ping(n: u8) -> Vec<Step> {
    vec![
        Step::App {
            payload: format!("hostile ping {n}").into_bytes(),
            legit: true,
        },
        until(
            "the echo of the hostile ping",
            if n == 1 { got_echo } else { got_two_echoes },
        ),
    ]
}

/// Server: waits for the ClientHello, answers with a HelloVerifyRequest, waits for the
/// second ClientHello.
fn server_cookie() -> Vec<Step> {
    vec![
        until("ClientHello", got_hello),
        send(|s| vec![s.hello_verify_request()]),
        until("the second ClientHello", got_second_hello),
    ]
}

/// Server: the honest first flight.
fn server_flight(s: &mut Session) -> Vec<Vec<u8>> {
    let mut parts = vec![s.server_hello()];
    if s.kx() == dtls::wire::KeyExchangeKind::Ecdhe {
        parts.push(s.certificate());
        parts.push(s.server_key_exchange());
    }
    parts.push(s.server_hello_done());
    dg(parts)
}

/// Server: ChangeCipherSpec and Finished.
fn server_final(s: &mut Session) -> Vec<Vec<u8>> {
    let ccs = s.change_cipher_spec();
    let fin = s.finished(None);
    dg(vec![ccs, fin])
}

/// Server: a whole honest handshake; the client's application then runs against the echo.
fn server_handshake() -> Vec<Step> {
    let mut v = server_cookie();
    v.push(send(server_flight));
    v.push(until("the client's Finished", peer_finished));
    v.push(send(server_final));
    v
}

fn bogus_certificate_verify(s: &mut Session) -> Vec<u8> {
    let mut body = vec![0x04, 0x03, 0x00, 0x46];
    body.extend_from_slice(&[0x30; 70]);
    s.handshake_raw(T::CERTIFICATE_VERIFY, &body)
}

fn client_certificate(s: &mut Session) -> Vec<u8> {
    s.certificate_with(vec![crate::implementation::SERVER_CERT_DER.to_vec()])
}

fn certificate_request(s: &mut Session) -> Vec<u8> {
    s.handshake(&HandshakeMessage::CertificateRequest(CertificateRequest {
        certificate_types: vec![ClientCertificateType::ECDSA_SIGN],
        supported_signature_algorithms: vec![SignatureScheme::ECDSA_SECP256R1_SHA256],
        certificate_authorities: Vec::new(),
    }))
}

/// A protected application record with its last byte (part of the tag or MAC) flipped.
fn bad_mac_record(s: &mut Session) -> Vec<u8> {
    let mut r = s.app_data(b"forged application data");
    if let Some(b) = r.last_mut() {
        *b ^= 0x01;
    }
    r
}

/// Protected-epoch records too short to hold an explicit nonce and tag or IV and MAC.
fn short_records(s: &mut Session) -> Vec<Vec<u8>> {
    let epoch = s.write_epoch;
    [0usize, 1, 7, 8, 15, 16, 23]
        .iter()
        .map(|n| s.plain_record(23, epoch, &vec![0x17; *n]))
        .collect()
}

// ---- checks --------------------------------------------------------------------------

fn no_server_hello(s: &Session) -> Result<(), String> {
    if s.got(T::SERVER_HELLO) {
        Err("the server answered with a ServerHello".into())
    } else {
        Ok(())
    }
}

fn no_server_hello_before_honest(s: &Session) -> Result<(), String> {
    if s.got_before(T::SERVER_HELLO, "honest") {
        Err("the server answered the malformed or mismatched ClientHello with a ServerHello".into())
    } else {
        Ok(())
    }
}

fn no_finished_before_honest(s: &Session) -> Result<(), String> {
    if s.got_before(T::FINISHED, "honest") {
        Err("the server completed a ClientKeyExchange from fragments of two different messages".into())
    } else {
        Ok(())
    }
}

fn nothing_answered(s: &Session) -> Result<(), String> {
    if s.got(T::SERVER_HELLO) || s.got(T::HELLO_VERIFY_REQUEST) {
        Err("the server answered a handshake that did not start with a ClientHello".into())
    } else {
        Ok(())
    }
}

fn one_client_hello_random(s: &Session) -> Result<(), String> {
    if s.client_randoms.len() > 1 {
        Err(format!(
            "the client started a new handshake ({} different ClientHello randoms)",
            s.client_randoms.len()
        ))
    } else {
        Ok(())
    }
}

fn one_server_hello(s: &Session) -> Result<(), String> {
    if s.count(T::SERVER_HELLO) > 1 {
        Err("the server renegotiated (a second ServerHello)".into())
    } else {
        Ok(())
    }
}

fn client_sent_certificate(s: &Session) -> Result<(), String> {
    if s.peer_finished_ok.is_some() && !s.got(T::CERTIFICATE) {
        Err("the client answered CertificateRequest without a Certificate message (RFC 5246 7.4.6)".into())
    } else {
        Ok(())
    }
}

// ---- server under test ----------------------------------------------------------------

fn s_early_finished() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| vec![s.finished(Some(vec![0; 12]))]));
    v.push(Step::Sleep(2_000));
    v
}

fn s_cert_without_verify() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let c = client_certificate(s);
        let k = s.client_key_exchange(None);
        let ccs = s.change_cipher_spec();
        let f = s.finished(None);
        dg(vec![c, k, ccs, f])
    }));
    v.push(maybe("the server's Finished", peer_finished, 2_000));
    v
}

fn s_verify_without_cert() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let k = s.client_key_exchange(None);
        let cv = bogus_certificate_verify(s);
        let ccs = s.change_cipher_spec();
        let f = s.finished(None);
        dg(vec![k, cv, ccs, f])
    }));
    v.push(maybe("the server's Finished", peer_finished, 2_000));
    v
}

fn s_cke_before_cert() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let k = s.client_key_exchange(None);
        let c = client_certificate(s);
        let ccs = s.change_cipher_spec();
        let f = s.finished(None);
        dg(vec![k, c, ccs, f])
    }));
    v.push(maybe("the server's Finished", peer_finished, 2_000));
    v
}

fn s_unauthenticated_cke() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let k = s.client_key_exchange(Some(b"intruder"));
        let ccs = s.change_cipher_spec();
        let f = s.finished(None);
        dg(vec![k, ccs, f])
    }));
    v.push(maybe("the server's Finished", peer_finished, 2_000));
    v
}

fn s_ccs_before_verify() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let c = client_certificate(s);
        let k = s.client_key_exchange(None);
        let ccs = s.change_cipher_spec();
        let cv = bogus_certificate_verify(s);
        let f = s.finished(None);
        dg(vec![c, k, ccs, cv, f])
    }));
    v.push(maybe("the server's Finished", peer_finished, 2_000));
    v
}

fn s_finished_before_ccs() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let k = s.client_key_exchange(None);
        // The Finished goes out in epoch 0, in the clear, before the ChangeCipherSpec.
        let f = s.finished(None);
        let ccs = s.change_cipher_spec();
        dg(vec![k, f, ccs])
    }));
    v.push(maybe("the server's Finished", peer_finished, 2_000));
    v
}

fn s_double_ccs() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let k = s.client_key_exchange(None);
        let ccs = s.change_cipher_spec();
        let ccs2 = s.plain_record(20, 0, &[1]);
        let f = s.finished(None);
        dg(vec![k, ccs, ccs2, f])
    }));
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

fn s_restart_mid_flight() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        // A fresh first ClientHello (new random, message_seq 0) in the middle of the
        // handshake, outside the transcript.
        let mut ch = s.client_hello_msg();
        ch.cookie.clear();
        ch.random = [0x42; 32];
        vec![s.untracked(&HandshakeMessage::ClientHello(ch), 0)]
    }));
    v.push(Step::Sleep(100));
    v.push(client_flight());
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

fn s_bad_finished_then_good() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let k = s.client_key_exchange(None);
        let ccs = s.change_cipher_spec();
        let good = s.verify_data(Role::Client);
        let seq = s.send_seq;
        s.stash = vec![good, seq.to_be_bytes().to_vec()];
        let mut bad = s.verify_data(Role::Client);
        if let Some(b) = bad.first_mut() {
            *b ^= 0xFF;
        }
        let f = s.finished(Some(bad));
        dg(vec![k, ccs, f])
    }));
    v.push(Step::Sleep(200));
    v.push(send(|s| {
        // The correct Finished, as if it were a retransmission of the same message.
        let good = s.stash.first().cloned().unwrap_or_default();
        let seq = s
            .stash
            .get(1)
            .and_then(|b| <[u8; 2]>::try_from(b.as_slice()).ok())
            .map_or(0, u16::from_be_bytes);
        let m = HandshakeMessage::Finished(dtls::wire::Finished { verify_data: good });
        vec![s.untracked(&m, seq)]
    }));
    v.push(maybe("the server's Finished", peer_finished, 2_000));
    v
}

fn s_bad_cookie() -> Vec<Step> {
    let mut v = client_cookie();
    v.push(send(|s| {
        if let Some(b) = s.cookie.first_mut() {
            *b ^= 0x01;
        }
        vec![s.client_hello()]
    }));
    v.push(maybe("a ServerHello", got_server_hello, 1_500));
    v
}

fn s_hvr_answered_wrong() -> Vec<Step> {
    let mut v = client_cookie();
    v.push(send(|s| vec![s.client_key_exchange(None)]));
    v.push(maybe("a ServerHello", got_server_hello, 1_500));
    v
}

fn s_hvr_retransmission() -> Vec<Step> {
    vec![
        send(|s| vec![s.client_hello()]),
        send(|s| vec![s.resend_last()]),
        until("HelloVerifyRequest or ServerHelloDone", got_hvr_or_done),
        send(|s| {
            if s.got(T::HELLO_VERIFY_REQUEST) && !s.got(T::SERVER_HELLO) {
                let first = s.client_hello();
                vec![first, s.resend_last()]
            } else {
                Vec::new()
            }
        }),
        until("the server's flight (ServerHelloDone)", got_done),
        client_flight(),
        until("the server's Finished", peer_finished),
        ping(1).remove(0),
        until("the echo of the hostile ping", got_echo),
    ]
}

fn s_ccs_anywhere() -> Vec<Step> {
    vec![
        send(|s| vec![s.plain_record(20, 0, &[1])]),
        send(|s| vec![s.client_hello()]),
        send(|s| vec![s.plain_record(20, 0, &[1])]),
        until("HelloVerifyRequest or ServerHelloDone", got_hvr_or_done),
        send(|s| {
            if s.got(T::HELLO_VERIFY_REQUEST) && !s.got(T::SERVER_HELLO) {
                let ccs = s.plain_record(20, 0, &[1]);
                let ch = s.client_hello();
                vec![ccs, ch]
            } else {
                Vec::new()
            }
        }),
        until("the server's flight (ServerHelloDone)", got_done),
        send(|s| vec![s.plain_record(20, 0, &[1])]),
        Step::Sleep(100),
        client_flight(),
        until("the server's Finished", peer_finished),
        ping(1).remove(0),
        until("the echo of the hostile ping", got_echo),
    ]
}

fn s_renegotiation() -> Vec<Step> {
    let mut v = client_handshake();
    v.push(send(|s| {
        // A new ClientHello inside the connection, without the previous verify_data in
        // renegotiation_info (RFC 5746 3.5): insecure renegotiation.
        let mut ch = s.client_hello_msg();
        ch.random = [0x24; 32];
        ch.extensions = None;
        let seq = s.send_seq;
        vec![s.untracked(&HandshakeMessage::ClientHello(ch), seq)]
    }));
    v.push(Step::Sleep(500));
    v.extend(ping(2));
    v
}

fn s_bad_mac_record() -> Vec<Step> {
    let mut v = client_handshake();
    v.push(send(|s| vec![bad_mac_record(s)]));
    v.extend(ping(2));
    v
}

fn s_short_records() -> Vec<Step> {
    let mut v = client_handshake();
    v.push(send(short_records));
    v.extend(ping(2));
    v
}

fn s_cbc_padding() -> Vec<Step> {
    let mut v = client_handshake();
    v.push(send(|s| {
        // Bad padding (last ciphertext byte), a bad MAC (a middle byte), and a record one
        // block short: all must look alike and all be dropped.
        let mut out = Vec::new();
        for flip in [1usize, 17, 33] {
            let mut r = s.app_data(b"lucky thirteen probe with some length");
            let n = r.len();
            if let Some(b) = r.get_mut(n.saturating_sub(flip)) {
                *b ^= 0x5A;
            }
            out.push(r);
        }
        let mut r = s.app_data(b"truncated by a block");
        let n = r.len();
        r.truncate(n.saturating_sub(16));
        if r.len() >= 13 {
            let body = (r.len() - 13) as u16;
            r[11..13].copy_from_slice(&body.to_be_bytes());
        }
        out.push(r);
        out
    }));
    v.extend(ping(2));
    v
}

fn s_bad_finished_length() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let k = s.client_key_exchange(None);
        let ccs = s.change_cipher_spec();
        let mut short = s.verify_data(Role::Client);
        short.truncate(11);
        let f = s.finished(Some(short));
        dg(vec![k, ccs, f])
    }));
    v.push(maybe("the server's Finished", peer_finished, 2_000));
    v
}

fn s_first_not_hello() -> Vec<Step> {
    vec![
        send(|s| vec![s.client_key_exchange(None)]),
        send(|s| vec![s.finished(Some(vec![0; 12]))]),
        send(|s| {
            let m = HandshakeMessage::ServerHello(s.server_hello_msg());
            vec![s.untracked(&m, 0)]
        }),
        Step::Sleep(1_500),
    ]
}

fn s_double_certificate() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let c1 = client_certificate(s);
        let c2 = client_certificate(s);
        let k = s.client_key_exchange(None);
        let ccs = s.change_cipher_spec();
        let f = s.finished(None);
        dg(vec![c1, c2, k, ccs, f])
    }));
    v.push(maybe("the server's Finished", peer_finished, 2_000));
    v
}

fn s_data_after_close_notify() -> Vec<Step> {
    let mut v = client_handshake();
    v.push(send(|s| vec![s.alert(AlertLevel::WARNING, A::CLOSE_NOTIFY)]));
    v.push(Step::App {
        payload: b"FORBIDDEN data after close_notify".to_vec(),
        legit: false,
    });
    v.push(Step::Sleep(1_000));
    v
}

fn s_data_after_fatal_alert() -> Vec<Step> {
    let mut v = client_handshake();
    v.push(send(|s| vec![s.alert(AlertLevel::FATAL, A::INTERNAL_ERROR)]));
    v.push(Step::App {
        payload: b"FORBIDDEN data after a fatal alert".to_vec(),
        legit: false,
    });
    v.push(Step::Sleep(1_000));
    v
}

fn s_second_finished() -> Vec<Step> {
    let mut v = client_handshake();
    v.push(send(|s| vec![s.finished(None)]));
    v.push(Step::Sleep(200));
    v.extend(ping(2));
    v
}

fn s_appdata_before_bad_finished() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let k = s.client_key_exchange(None);
        let ccs = s.change_cipher_spec();
        let d = s.forbidden_data(b"FORBIDDEN data before a bad Finished");
        let f = s.finished(Some(vec![0xAB; 12]));
        dg(vec![k, ccs, d, f])
    }));
    v.push(Step::App {
        payload: b"FORBIDDEN data after a bad Finished".to_vec(),
        legit: false,
    });
    v.push(Step::Sleep(2_000));
    v
}

fn s_inconsistent_epochs() -> Vec<Step> {
    let mut v = client_cookie();
    v.push(send(|s| {
        // The second ClientHello, in a record claiming epoch 1 (no keys exist yet).
        let m = HandshakeMessage::ClientHello(s.client_hello_msg());
        let (seq, body) = s.prepare(&m);
        let mut hs = Vec::new();
        let _ = m.emit_unfragmented(seq, &mut hs);
        let _ = body;
        vec![raw_record(22, 1, 1, &hs)]
    }));
    v.push(maybe("a ServerHello", got_server_hello, 1_500));
    v.push(send(|s| {
        vec![s.plain_record(22, 2, &[16, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0])]
    }));
    v.push(Step::Sleep(1_000));
    v
}

// ---- advisories: reassembly (hostile client) ------------------------------------------
//
// The fragment tricks are played on ClientKeyExchange: a server that keeps no state before
// the cookie (RFC 6347 4.2.1) may well not reassemble a fragmented ClientHello at all, but it
// must reassemble the messages after it.

/// The honest ClientKeyExchange, taken out of the flight: (message_seq, body); keys derived.
fn cke_parts(s: &mut Session) -> (u16, Vec<u8>) {
    let _ = s.client_key_exchange(None);
    let body = s.last_handshake.get(12..).unwrap_or_default().to_vec();
    let seq = s.send_seq.wrapping_sub(1);
    (seq, body)
}

/// ChangeCipherSpec and Finished after a ClientKeyExchange sent some other way.
fn ccs_finished(s: &mut Session) -> Vec<u8> {
    let ccs = s.change_cipher_spec();
    let fin = s.finished(None);
    [ccs, fin].concat()
}

/// The whole ClientKeyExchange a script fragmented (as an honest retransmission), then
/// ChangeCipherSpec and Finished.
fn finish_cke() -> Step {
    send(move |s| {
        let body = s.stash.first().cloned().unwrap_or_default();
        let seq = s
            .stash
            .get(1)
            .and_then(|b| <[u8; 2]>::try_from(b.as_slice()).ok())
            .map_or(0, u16::from_be_bytes);
        let frag = s.fragment(16, body.len() as u32, seq, 0, &body);
        let rest = ccs_finished(s);
        vec![[frag, rest].concat()]
    })
}

fn stash_cke(s: &mut Session, seq: u16, body: &[u8]) {
    s.stash = vec![body.to_vec(), seq.to_be_bytes().to_vec()];
}

fn a_length_grows() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let (seq, body) = cke_parts(s);
        let len = body.len() as u32;
        let half = body.len() / 2;
        let first = s.fragment(16, len, seq, 0, &body[..half]);
        // The second fragment claims a larger message: it must not grow the buffer or be
        // joined to the first.
        let lie = s.fragment(16, len + 200, seq, half as u32, &body[half..]);
        stash_cke(s, seq, &body);
        vec![first, lie]
    }));
    v.push(Step::Sleep(200));
    // What an honest client does next: retransmit the whole message. Whether the receiver
    // kept the first fragment or the conflicting one, this completes it.
    v.push(finish_cke());
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

fn a_bad_fragments() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let (seq, body) = cke_parts(s);
        let len = body.len() as u32;
        let mut out = Vec::new();
        // Zero-length fragments everywhere, and fragments that run past the message end.
        for off in [0, 1, len / 2, len - 1, len, len + 5] {
            out.push(s.fragment(16, len, seq, off, &[]));
        }
        out.push(s.fragment(16, len, seq, len - 2, &[0xAA; 10]));
        out.push(s.fragment(16, len, seq, len + 100, &[0xAA; 4]));
        stash_cke(s, seq, &body);
        out
    }));
    v.push(Step::Sleep(200));
    v.push(finish_cke());
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

fn a_far_future_seq() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        vec![
            s.fragment(16, 100, 1_000, 0, &[0; 20]),
            s.fragment(16, 100, 60_000, 0, &[0; 20]),
            s.fragment(20, 12, 65_535, 0, &[0; 12]),
        ]
    }));
    v.push(client_flight());
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

fn a_no_slot_sharing() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let (seq, body) = cke_parts(s);
        let len = body.len() as u32;
        let half = body.len() / 2;
        let first = s.fragment(16, len, seq, 0, &body[..half]);
        // The rest of the same bytes, labelled as a later message (seq + 2: the Finished
        // takes seq + 1): it must not complete the first one. The ChangeCipherSpec and
        // Finished follow at once, so a server that joined the two would complete the
        // handshake here.
        let other = s.fragment(16, len, seq + 2, half as u32, &body[half..]);
        stash_cke(s, seq, &body);
        let rest = ccs_finished(s);
        vec![[first, other, rest].concat()]
    }));
    v.push(maybe("the server's Finished", peer_finished, 500));
    v.push(mark("honest"));
    v.push(send(|s| {
        // The honest second half, and the Finished again as a retransmission.
        let body = s.stash.first().cloned().unwrap_or_default();
        let seq = s
            .stash
            .get(1)
            .and_then(|b| <[u8; 2]>::try_from(b.as_slice()).ok())
            .map_or(0, u16::from_be_bytes);
        let half = body.len() / 2;
        let frag = s.fragment(16, body.len() as u32, seq, half as u32, &body[half..]);
        let ccs = s.plain_record(20, 0, &[1]);
        let fin = s.resend_last();
        vec![[frag, ccs, fin].concat()]
    }));
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

fn a_huge_length() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        vec![
            s.fragment(16, 0x00FF_FFFF, 2, 0, &[0; 10]),
            s.fragment(11, 0x00FF_FFFF, 2, 0x00FF_FF00, &[0; 10]),
        ]
    }));
    v.push(client_flight());
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

fn a_flood() -> Vec<Step> {
    let mut v = client_hellos();
    v.push(send(|s| {
        let mut out = Vec::new();
        for i in 0..40u16 {
            out.push(s.fragment(16, 4_000, 3 + (i % 8), u32::from(i) * 10, &[0; 10]));
        }
        for i in 0..40u64 {
            out.push(raw_record(23, 1, 100 + i, &[0x55; 64]));
            out.push(raw_record(22, 1, 200 + i, &[0x55; 64]));
        }
        out
    }));
    v.push(client_flight());
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

fn a_leftovers_after_handshake() -> Vec<Step> {
    let mut v = client_handshake();
    v.push(send(|s| {
        let mut out = Vec::new();
        for i in 0..8u16 {
            let mut frag = vec![1u8, 0, 1, 0];
            frag.extend_from_slice(&(10 + i).to_be_bytes());
            frag.extend_from_slice(&[0, 0, 0, 0, 0, 16]);
            frag.extend_from_slice(&[0; 16]);
            out.push(s.record(22, &frag));
        }
        out
    }));
    v.extend(ping(2));
    v
}

// ---- advisories: cookies (hostile client) ---------------------------------------------

fn k_malformed_hellos() -> Vec<Step> {
    let mut v = vec![send(|s| {
        let mut ch = Vec::new();
        let _ = s.client_hello_msg().emit(&mut ch);
        let mut out = Vec::new();
        // The cookie length byte (after version, random and an empty session id) claims
        // more than is left.
        let mut long_cookie = ch.clone();
        long_cookie.truncate(36);
        long_cookie[35] = 0xFF;
        out.push(s.fragment(1, long_cookie.len() as u32, 0, 0, &long_cookie));
        // A ClientHello of length 0.
        out.push(s.fragment(1, 0, 0, 0, &[]));
        // Truncated in the middle of the random.
        out.push(s.fragment(1, 20, 0, 0, &ch[..20]));
        out
    })];
    v.push(Step::Sleep(200));
    v.push(mark("honest"));
    v.push(restart());
    v.extend(client_hellos());
    v.push(client_flight());
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

fn k_bad_version() -> Vec<Step> {
    let mut v = client_cookie();
    v.push(send(|s| {
        let mut ch = s.client_hello_msg();
        ch.client_version = ProtocolVersion(0x0100);
        vec![s.handshake(&HandshakeMessage::ClientHello(ch))]
    }));
    v.push(maybe("a ServerHello", got_server_hello, 1_500));
    v
}

fn k_changed_hello() -> Vec<Step> {
    let mut v = client_cookie();
    v.push(send(|s| {
        // The cookie echoed with other parameters (a new random): a server that binds the
        // cookie to the hello answers with a new HelloVerifyRequest, one that does not
        // goes on with the new random. Either is allowed (RFC 6347 4.2.1 leaves the cookie's
        // contents to the server); mixing the two hellos is not.
        s.client_random = [0x33; 32];
        vec![s.client_hello()]
    }));
    v.push(maybe("the server's flight", got_done, 1_000));
    v.push(send(|s| {
        if s.got(T::SERVER_HELLO_DONE) {
            return Vec::new();
        }
        // It asked again: answer this cookie properly.
        vec![s.client_hello()]
    }));
    v.push(until("the server's flight (ServerHelloDone)", got_done));
    v.push(client_flight());
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

fn k_flood() -> Vec<Step> {
    let mut v = vec![send(|s| {
        let mut out = Vec::new();
        for i in 0..64u8 {
            let mut ch = s.client_hello_msg();
            ch.random = [i; 32];
            ch.extensions = None;
            out.push(s.untracked(&HandshakeMessage::ClientHello(ch), 0));
        }
        out
    })];
    v.push(Step::Sleep(300));
    v.push(restart());
    v.extend(client_hellos());
    v.push(client_flight());
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

fn k_amplification() -> Vec<Step> {
    let mut v = vec![send(|s| {
        // The smallest well-formed hello, and junk: nothing may be answered with more.
        let mut ch = s.client_hello_msg();
        ch.extensions = None;
        let small = s.untracked(&HandshakeMessage::ClientHello(ch), 0);
        vec![
            small,
            vec![22, 0xFE, 0xFD, 0, 0],
            raw_record(22, 0, 0, &[1, 0, 0]),
        ]
    })];
    v.push(Step::Sleep(300));
    v.push(restart());
    v.extend(client_hellos());
    v.push(client_flight());
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

fn h_malformed_vectors() -> Vec<Step> {
    let mut v = client_cookie();
    v.push(send(|s| {
        let mut good = Vec::new();
        let _ = s.client_hello_msg().emit(&mut good);
        let sid_end = 35 + usize::from(good[34]);
        let cookie_end = sid_end + 1 + usize::from(good[sid_end]);
        let suites_len = usize::from(u16::from_be_bytes([good[cookie_end], good[cookie_end + 1]]));
        let suites_end = cookie_end + 2 + suites_len;
        let mut variants = Vec::new();
        // Odd-length cipher_suites.
        let mut odd = good.clone();
        odd[cookie_end + 1] = odd[cookie_end + 1].wrapping_add(1);
        odd.insert(suites_end, 0x00);
        variants.push(odd);
        // Empty cipher_suites (RFC 5246: <2..2^16-2>).
        let mut empty = good[..cookie_end].to_vec();
        empty.extend_from_slice(&[0, 0]);
        empty.extend_from_slice(&good[suites_end..]);
        variants.push(empty);
        // Empty compression_methods (<1..2^8-1>).
        let mut nocomp = good[..suites_end].to_vec();
        nocomp.push(0);
        nocomp.extend_from_slice(&good[suites_end + 2..]);
        variants.push(nocomp);
        // Trailing bytes after the extensions.
        let mut trailing = good.clone();
        trailing.extend_from_slice(&[0xDE, 0xAD]);
        variants.push(trailing);
        variants
            .iter()
            .map(|b| s.fragment(1, b.len() as u32, 1, 0, b))
            .collect()
    }));
    v.push(Step::Sleep(300));
    v.push(mark("honest"));
    v.push(send(|s| vec![s.client_hello()]));
    v.push(until("the server's flight (ServerHelloDone)", got_done));
    v.push(client_flight());
    v.push(until("the server's Finished", peer_finished));
    v.extend(ping(1));
    v
}

// ---- client under test (hostile server) -----------------------------------------------

fn c_data_after(alert: fn(&mut Session) -> Vec<u8>) -> Vec<Step> {
    let mut v = server_handshake();
    v.push(until("application data from the client", got_app));
    v.push(send(move |s| vec![alert(s)]));
    v.push(Step::App {
        payload: b"FORBIDDEN data after the connection ended".to_vec(),
        legit: false,
    });
    v.push(Step::Sleep(1_000));
    v
}

fn c_data_after_close_notify() -> Vec<Step> {
    c_data_after(|s| s.alert(AlertLevel::WARNING, A::CLOSE_NOTIFY))
}

fn c_data_after_fatal_alert() -> Vec<Step> {
    c_data_after(|s| s.alert(AlertLevel::FATAL, A::INTERNAL_ERROR))
}

fn c_early_finished() -> Vec<Step> {
    let mut v = server_cookie();
    v.push(send(|s| {
        let sh = s.server_hello();
        let f = s.finished(Some(vec![0; 12]));
        dg(vec![sh, f])
    }));
    v.push(Step::Sleep(3_000));
    v
}

fn c_finished_before_ccs() -> Vec<Step> {
    let mut v = server_cookie();
    v.push(send(server_flight));
    v.push(until("the client's Finished", peer_finished));
    v.push(send(|s| {
        let f = s.finished(None);
        let ccs = s.change_cipher_spec();
        dg(vec![f, ccs])
    }));
    v.push(Step::Sleep(3_000));
    v
}

fn c_bad_mac_record() -> Vec<Step> {
    let mut v = server_handshake();
    v.push(until("application data from the client", got_app));
    v.push(send(|s| {
        let mut out = vec![bad_mac_record(s)];
        out.extend(short_records(s));
        out
    }));
    v
}

fn c_invalid_order() -> Vec<Step> {
    let mut v = server_cookie();
    v.push(send(|s| {
        // ServerHelloDone takes the ServerHello's message_seq.
        let done = s.server_hello_done();
        let sh = s.server_hello();
        dg(vec![done, sh])
    }));
    v.push(Step::Sleep(3_000));
    v
}

fn c_double_ccs() -> Vec<Step> {
    let mut v = server_cookie();
    v.push(send(server_flight));
    v.push(until("the client's Finished", peer_finished));
    v.push(send(|s| {
        let ccs = s.change_cipher_spec();
        let ccs2 = s.plain_record(20, 0, &[1]);
        let f = s.finished(None);
        dg(vec![ccs, ccs2, f])
    }));
    v.push(maybe("application data from the client", got_app, 3_000));
    v
}

fn c_flight(build: fn(&mut Session) -> Vec<Vec<u8>>) -> Vec<Step> {
    let mut v = server_cookie();
    v.push(send(build));
    v.push(maybe("the client's Finished", peer_finished, 2_000));
    v.push(send(|s| {
        if s.peer_finished_ok.is_some() {
            server_final(s)
        } else {
            Vec::new()
        }
    }));
    v.push(Step::Sleep(2_000));
    v
}

fn c_double_certificate() -> Vec<Step> {
    c_flight(|s| {
        let sh = s.server_hello();
        let c1 = s.certificate();
        let c2 = s.certificate();
        let ske = s.server_key_exchange();
        let d = s.server_hello_done();
        dg(vec![sh, c1, c2, ske, d])
    })
}

fn c_double_certificate_request() -> Vec<Step> {
    c_flight(|s| {
        let sh = s.server_hello();
        let c = s.certificate();
        let ske = s.server_key_exchange();
        let r1 = certificate_request(s);
        let r2 = certificate_request(s);
        let d = s.server_hello_done();
        dg(vec![sh, c, ske, r1, r2, d])
    })
}

fn c_double_ske() -> Vec<Step> {
    c_flight(|s| {
        let mut parts = vec![s.server_hello()];
        if s.kx() == dtls::wire::KeyExchangeKind::Ecdhe {
            parts.push(s.certificate());
        }
        parts.push(s.server_key_exchange());
        parts.push(s.server_key_exchange());
        parts.push(s.server_hello_done());
        dg(parts)
    })
}

fn c_no_ske() -> Vec<Step> {
    c_flight(|s| {
        let sh = s.server_hello();
        let c = s.certificate();
        let d = s.server_hello_done();
        dg(vec![sh, c, d])
    })
}

fn c_reordered_cert_request() -> Vec<Step> {
    c_flight(|s| {
        let sh = s.server_hello();
        let r = certificate_request(s);
        let c = s.certificate();
        let ske = s.server_key_exchange();
        let d = s.server_hello_done();
        dg(vec![sh, r, c, ske, d])
    })
}

fn c_unrequested_certificate() -> Vec<Step> {
    c_flight(|s| {
        let sh = s.server_hello();
        let c = s.certificate();
        let d = s.server_hello_done();
        dg(vec![sh, c, d])
    })
}

fn c_suite_switched() -> Vec<Step> {
    c_flight(|s| {
        let mut sh = s.server_hello_msg();
        sh.cipher_suite = if s.params.suite == CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256 {
            CipherSuite::TLS_PSK_WITH_AES_128_CCM_8
        } else if s.kx() == dtls::wire::KeyExchangeKind::Psk {
            CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256
        } else if s.params.suite == CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 {
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8
        } else {
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        };
        let sh = s.handshake(&HandshakeMessage::ServerHello(sh));
        let mut parts = vec![sh];
        if s.kx() == dtls::wire::KeyExchangeKind::Ecdhe {
            parts.push(s.certificate());
            parts.push(s.server_key_exchange());
        }
        parts.push(s.server_hello_done());
        dg(parts)
    })
}

fn c_hvr_after_server_hello() -> Vec<Step> {
    let mut v = server_cookie();
    v.push(send(|s| {
        let mut f = server_flight(s);
        let hvr = HandshakeMessage::HelloVerifyRequest(HelloVerifyRequest {
            server_version: ProtocolVersion::DTLS1_0,
            cookie: vec![0x77; 16],
        });
        let seq = s.send_seq;
        f.push(s.untracked(&hvr, seq));
        f
    }));
    v.push(maybe("the client's Finished", peer_finished, 3_000));
    v.push(send(|s| {
        if s.peer_finished_ok.is_some() {
            server_final(s)
        } else {
            Vec::new()
        }
    }));
    v.push(maybe("application data from the client", got_app, 3_000));
    v
}

fn c_server_hello_restart() -> Vec<Step> {
    let mut v = server_cookie();
    v.push(send(server_flight));
    v.push(until("the client's flight", got_client_flight));
    v.push(send(|s| {
        let mut sh = s.server_hello_msg();
        sh.random = [0x99; 32];
        let seq = s.send_seq;
        vec![s.untracked(&HandshakeMessage::ServerHello(sh), seq)]
    }));
    v.push(Step::Sleep(200));
    v.push(maybe("the client's Finished", peer_finished, 2_000));
    v.push(send(|s| {
        if s.peer_finished_ok.is_some() {
            server_final(s)
        } else {
            Vec::new()
        }
    }));
    v.push(maybe("application data from the client", got_app, 3_000));
    v
}

fn c_hello_request() -> Vec<Step> {
    let mut v = server_handshake();
    v.push(until("application data from the client", got_app));
    v.push(send(|s| {
        let seq = s.send_seq;
        vec![s.untracked(&HandshakeMessage::HelloRequest(HelloRequest), seq)]
    }));
    v.push(Step::Sleep(1_000));
    v
}

fn c_final_flight_again() -> Vec<Step> {
    let mut v = server_handshake();
    v.push(until("application data from the client", got_app));
    v.push(send(|s| {
        // A true retransmission: the same messages in new records.
        let ccs = s.plain_record(20, 0, &[1]);
        let fin = s.resend_last();
        dg(vec![ccs, fin])
    }));
    v
}

fn c_certificate_request() -> Vec<Step> {
    let mut v = server_cookie();
    v.push(send(|s| {
        let sh = s.server_hello();
        let c = s.certificate();
        let ske = s.server_key_exchange();
        let r = certificate_request(s);
        let d = s.server_hello_done();
        dg(vec![sh, c, ske, r, d])
    }));
    v.push(until("the client's Finished", peer_finished));
    v.push(send(server_final));
    v.push(until("application data from the client", got_app));
    v
}

fn c_second_finished() -> Vec<Step> {
    let mut v = server_handshake();
    v.push(until("application data from the client", got_app));
    v.push(send(|s| vec![s.finished(None)]));
    v
}

fn c_appdata_before_bad_finished() -> Vec<Step> {
    let mut v = server_cookie();
    v.push(send(server_flight));
    v.push(until("the client's Finished", peer_finished));
    v.push(send(|s| {
        let ccs = s.change_cipher_spec();
        let d = s.forbidden_data(b"FORBIDDEN data before a bad Finished");
        let f = s.finished(Some(vec![0xAB; 12]));
        dg(vec![ccs, d, f])
    }));
    v.push(Step::Sleep(3_000));
    v
}

const fn pat(
    name: &'static str,
    item: &'static str,
    hostile: Role,
    auth: Option<SuiteAuth>,
    expect: Expect,
    script: fn() -> Vec<Step>,
) -> Pattern {
    Pattern {
        name,
        item,
        hostile,
        auth,
        cbc_only: false,
        expect,
        script,
        check: None,
    }
}

const fn with_check(mut p: Pattern, check: Check) -> Pattern {
    p.check = Some(check);
    p
}

const fn cbc(mut p: Pattern) -> Pattern {
    p.cbc_only = true;
    p
}

use Role::{Client as HOSTILE_CLIENT, Server as HOSTILE_SERVER};
const PSK: Option<SuiteAuth> = Some(SuiteAuth::Psk);
const ECDHE: Option<SuiteAuth> = Some(SuiteAuth::EcdheEcdsa);

fn control_client() -> Vec<Step> {
    let mut v = client_handshake();
    v.extend(ping(2));
    v
}

fn control_server() -> Vec<Step> {
    let mut v = server_handshake();
    v.push(until("application data from the client", got_app));
    v
}

/// Every pattern, in TESTING.md order, after two controls: honest handshakes by the hostile
/// peer, which prove its scripts speak valid DTLS to the implementation under test (if a
/// control fails, the refusals of that implementation prove nothing).
pub const PATTERNS: &[Pattern] = &[
    pat(
        "control-honest-client",
        "control: the hostile peer as an honest client",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(NONE),
        control_client,
    ),
    pat(
        "control-honest-server",
        "control: the hostile peer as an honest server",
        HOSTILE_SERVER,
        None,
        Expect::Survive(NONE),
        control_server,
    ),
    // Section 2, server side.
    pat(
        "server-early-finished",
        "2 server: early Finished",
        HOSTILE_CLIENT,
        None,
        Expect::Refuse(PROTOCOL_OR_FINISHED),
        s_early_finished,
    ),
    pat(
        "server-certificate-without-verify",
        "2 server: client authentication without CertificateVerify; 3 handshake: a client Certificate without CertificateVerify is never accepted",
        HOSTILE_CLIENT,
        None,
        Expect::Refuse(PROTOCOL_OR_FINISHED),
        s_cert_without_verify,
    ),
    pat(
        "server-verify-without-certificate",
        "2 server: client authentication without Certificate",
        HOSTILE_CLIENT,
        None,
        Expect::Refuse(PROTOCOL_OR_FINISHED),
        s_verify_without_cert,
    ),
    pat(
        "server-key-exchange-before-certificate",
        "2 server: ClientKeyExchange before Certificate",
        HOSTILE_CLIENT,
        None,
        Expect::Refuse(PROTOCOL_OR_FINISHED),
        s_cke_before_cert,
    ),
    pat(
        "server-unauthenticated-key-exchange",
        "2 server: unauthenticated ClientKeyExchange (unknown identity, wrong key)",
        HOSTILE_CLIENT,
        PSK,
        Expect::Refuse(WRONG_KEY),
        s_unauthenticated_cke,
    ),
    pat(
        "server-ccs-before-certificate-verify",
        "2 server: ChangeCipherSpec before CertificateVerify",
        HOSTILE_CLIENT,
        None,
        Expect::Refuse(PROTOCOL_OR_FINISHED),
        s_ccs_before_verify,
    ),
    pat(
        "server-finished-before-ccs",
        "2 server: Finished before ChangeCipherSpec",
        HOSTILE_CLIENT,
        None,
        Expect::Refuse(PROTOCOL_OR_FINISHED),
        s_finished_before_ccs,
    ),
    pat(
        "server-multiple-ccs",
        "2 server: multiple ChangeCipherSpec",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(PROTOCOL),
        s_double_ccs,
    ),
    pat(
        "server-handshake-restarted",
        "2 server: handshake restarted mid-flight",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(PROTOCOL),
        s_restart_mid_flight,
    ),
    pat(
        "server-invalid-finished-then-valid",
        "2 server: invalid Finished taken as a retransmission",
        HOSTILE_CLIENT,
        None,
        Expect::Refuse(FINISHED),
        s_bad_finished_then_good,
    ),
    with_check(
        pat(
            "server-bad-cookie",
            "2 server: non-conforming cookie accepted",
            HOSTILE_CLIENT,
            None,
            Expect::Refuse(PROTOCOL),
            s_bad_cookie,
        ),
        no_server_hello,
    ),
    with_check(
        pat(
            "server-hello-verify-request-answered-wrong",
            "2 server: invalid response to HelloVerifyRequest",
            HOSTILE_CLIENT,
            None,
            Expect::Refuse(PROTOCOL),
            s_hvr_answered_wrong,
        ),
        no_server_hello,
    ),
    pat(
        "server-hello-verify-request-retransmission",
        "2 server: HelloVerifyRequest retransmission handling",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(NONE),
        s_hvr_retransmission,
    ),
    pat(
        "server-ccs-anywhere",
        "2 server: crash on ChangeCipherSpec",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(PROTOCOL),
        s_ccs_anywhere,
    ),
    with_check(
        pat(
            "server-insecure-renegotiation",
            "2 server: insecure renegotiation",
            HOSTILE_CLIENT,
            None,
            Expect::Survive(&[A::HANDSHAKE_FAILURE, A::NO_RENEGOTIATION]),
            s_renegotiation,
        ),
        one_server_hello,
    ),
    pat(
        "server-bad-record-mac",
        "2 server: wrong alert for decrypt errors",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(BAD_RECORD),
        s_bad_mac_record,
    ),
    pat(
        "server-malformed-finished",
        "2 server: internal error on Finished",
        HOSTILE_CLIENT,
        None,
        Expect::Refuse(PROTOCOL_OR_FINISHED),
        s_bad_finished_length,
    ),
    with_check(
        pat(
            "server-first-message-not-client-hello",
            "2 server: handshake started with a message other than ClientHello",
            HOSTILE_CLIENT,
            None,
            Expect::Refuse(PROTOCOL),
            s_first_not_hello,
        ),
        nothing_answered,
    ),
    pat(
        "server-multiple-certificates",
        "2 server: multiple Certificate messages",
        HOSTILE_CLIENT,
        None,
        Expect::Refuse(PROTOCOL_OR_FINISHED),
        s_double_certificate,
    ),
    pat(
        "server-data-after-close-notify",
        "2 server: continuing after close_notify",
        HOSTILE_CLIENT,
        None,
        Expect::Ends,
        s_data_after_close_notify,
    ),
    pat(
        "server-data-after-fatal-alert",
        "2 server: continuing after a fatal alert",
        HOSTILE_CLIENT,
        None,
        Expect::Ends,
        s_data_after_fatal_alert,
    ),
    // Section 2, client side.
    pat(
        "client-data-after-close-notify",
        "2 client: continuing after close_notify",
        HOSTILE_SERVER,
        None,
        Expect::Ends,
        c_data_after_close_notify,
    ),
    pat(
        "client-data-after-fatal-alert",
        "2 client: continuing after a fatal alert",
        HOSTILE_SERVER,
        None,
        Expect::Ends,
        c_data_after_fatal_alert,
    ),
    pat(
        "client-early-finished",
        "2 client: early Finished",
        HOSTILE_SERVER,
        None,
        Expect::Refuse(PROTOCOL_OR_FINISHED),
        c_early_finished,
    ),
    pat(
        "client-finished-before-ccs",
        "2 client: Finished before ChangeCipherSpec",
        HOSTILE_SERVER,
        None,
        Expect::Refuse(PROTOCOL_OR_FINISHED),
        c_finished_before_ccs,
    ),
    pat(
        "client-bad-record-mac",
        "2 client: wrong alert for decrypt errors",
        HOSTILE_SERVER,
        None,
        Expect::Survive(BAD_RECORD),
        c_bad_mac_record,
    ),
    pat(
        "client-invalid-message-order",
        "2 client: handshake completed with an invalid message sequence",
        HOSTILE_SERVER,
        None,
        Expect::Refuse(PROTOCOL),
        c_invalid_order,
    ),
    pat(
        "client-multiple-ccs",
        "2 client: multiple ChangeCipherSpec",
        HOSTILE_SERVER,
        None,
        Expect::Survive(PROTOCOL),
        c_double_ccs,
    ),
    pat(
        "client-multiple-certificates",
        "2 client: multiple Certificate",
        HOSTILE_SERVER,
        ECDHE,
        Expect::Refuse(PROTOCOL),
        c_double_certificate,
    ),
    pat(
        "client-multiple-certificate-requests",
        "2 client: multiple CertificateRequest",
        HOSTILE_SERVER,
        ECDHE,
        Expect::Refuse(PROTOCOL),
        c_double_certificate_request,
    ),
    pat(
        "client-multiple-server-key-exchanges",
        "2 client: multiple ServerKeyExchange",
        HOSTILE_SERVER,
        None,
        Expect::Refuse(PROTOCOL),
        c_double_ske,
    ),
    pat(
        "client-ecdhe-without-server-key-exchange",
        "2 client: ECDHE without ServerKeyExchange",
        HOSTILE_SERVER,
        ECDHE,
        Expect::Refuse(PROTOCOL),
        c_no_ske,
    ),
    with_check(
        pat(
            "client-premature-hello-request",
            "2 client: premature HelloRequest",
            HOSTILE_SERVER,
            None,
            Expect::Survive(&[A::HANDSHAKE_FAILURE, A::NO_RENEGOTIATION]),
            c_hello_request,
        ),
        one_client_hello_random,
    ),
    pat(
        "client-certificate-request-before-certificate",
        "2 client: Certificate and CertificateRequest reordered",
        HOSTILE_SERVER,
        ECDHE,
        Expect::Refuse(PROTOCOL),
        c_reordered_cert_request,
    ),
    pat(
        "client-final-flight-retransmitted",
        "2 client: retransmitted server final flight mishandled",
        HOSTILE_SERVER,
        None,
        Expect::Survive(NONE),
        c_final_flight_again,
    ),
    with_check(
        pat(
            "client-server-hello-restarts-flight",
            "2 client: ServerHello restarting the flight",
            HOSTILE_SERVER,
            None,
            Expect::Survive(PROTOCOL),
            c_server_hello_restart,
        ),
        one_client_hello_random,
    ),
    pat(
        "client-cipher-suite-switched",
        "2 client: cipher suite switched between hellos",
        HOSTILE_SERVER,
        None,
        Expect::Refuse(PROTOCOL),
        c_suite_switched,
    ),
    with_check(
        pat(
            "client-hello-verify-request-after-server-hello",
            "2 client: unexpected reply to ClientHello (HelloVerifyRequest after ServerHello); 3 handshake: the client rejects a HelloVerifyRequest after ServerHello",
            HOSTILE_SERVER,
            None,
            Expect::Survive(PROTOCOL),
            c_hvr_after_server_hello,
        ),
        one_client_hello_random,
    ),
    pat(
        "client-unrequested-certificate",
        "2 client: unrequested Certificate",
        HOSTILE_SERVER,
        PSK,
        Expect::Refuse(PROTOCOL),
        c_unrequested_certificate,
    ),
    with_check(
        pat(
            "client-certificate-request-answer",
            "2 client: incorrect response to CertificateRequest",
            HOSTILE_SERVER,
            ECDHE,
            Expect::Survive(&[A::HANDSHAKE_FAILURE]),
            c_certificate_request,
        ),
        client_sent_certificate,
    ),
    // Section 3: reassembly and fragments.
    pat(
        "reassembly-length-grows",
        "3 reassembly: a later fragment declares a larger total length than the first",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(PROTOCOL),
        a_length_grows,
    ),
    pat(
        "reassembly-bad-fragments",
        "3 reassembly: a fragment extends past its declared length; zero-length fragments",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(PROTOCOL),
        a_bad_fragments,
    ),
    pat(
        "reassembly-far-future-message",
        "3 reassembly: a fragment whose message_seq is far ahead",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(PROTOCOL),
        a_far_future_seq,
    ),
    with_check(
        pat(
            "reassembly-no-slot-sharing",
            "3 reassembly: two messages of the same type but different message_seq must not share a slot",
            HOSTILE_CLIENT,
            None,
            Expect::Survive(PROTOCOL),
            a_no_slot_sharing,
        ),
        no_finished_before_honest,
    ),
    pat(
        "reassembly-huge-length",
        "3 reassembly: huge declared message lengths",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(PROTOCOL),
        a_huge_length,
    ),
    pat(
        "reassembly-flood",
        "3 reassembly: many incomplete future messages, many next-epoch records (bounded buffering; RFC 6347 4.1.2.7 allows bad_record_mac for the forged ones)",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(PROTOCOL_OR_BAD_RECORD),
        a_flood,
    ),
    pat(
        "reassembly-leftovers-after-handshake",
        "3 reassembly: out-of-order messages left over after the handshake",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(PROTOCOL),
        a_leftovers_after_handshake,
    ),
    // Section 3: record layer.
    pat(
        "record-too-short",
        "3 record: records too short for IV + MAC / tag are dropped",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(BAD_RECORD),
        s_short_records,
    ),
    cbc(pat(
        "record-cbc-bad-padding",
        "3 record: CBC padding and MAC checks (Lucky13; timing is checked by dtls's constant-time tests, here only that every variant is dropped alike)",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(BAD_RECORD),
        s_cbc_padding,
    )),
    pat(
        "record-data-before-bad-finished",
        "3 record: ApplicationData between ChangeCipherSpec and Finished is not delivered before Finished verifies (server)",
        HOSTILE_CLIENT,
        None,
        Expect::Refuse(FINISHED),
        s_appdata_before_bad_finished,
    ),
    pat(
        "client-data-before-bad-finished",
        "3 record: ApplicationData between ChangeCipherSpec and Finished is not delivered before Finished verifies (client)",
        HOSTILE_SERVER,
        None,
        Expect::Refuse(FINISHED),
        c_appdata_before_bad_finished,
    ),
    with_check(
        pat(
            "record-inconsistent-epochs",
            "3 record: inconsistent epochs across ClientHello/ClientKeyExchange/ChangeCipherSpec",
            HOSTILE_CLIENT,
            None,
            Expect::Refuse(PROTOCOL),
            s_inconsistent_epochs,
        ),
        no_server_hello,
    ),
    // Section 3: cookies.
    with_check(
        pat(
            "cookie-malformed-hellos",
            "3 cookies: cookie length past the end of the ClientHello; ClientHello of length 0",
            HOSTILE_CLIENT,
            None,
            Expect::Survive(PROTOCOL),
            k_malformed_hellos,
        ),
        no_server_hello_before_honest,
    ),
    with_check(
        pat(
            "cookie-bad-version",
            "3 cookies: an invalid ClientHello version must not bypass the cookie check",
            HOSTILE_CLIENT,
            None,
            Expect::Refuse(VERSION),
            k_bad_version,
        ),
        no_server_hello,
    ),
    pat(
        "cookie-changed-hello",
        "3 cookies: the cookie binds the ClientHello parameters (either a new cookie or a consistent handshake)",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(PROTOCOL),
        k_changed_hello,
    ),
    pat(
        "cookie-hello-flood",
        "3 cookies: no per-peer state before a valid cookie (a flood of hellos, then an honest handshake)",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(NONE),
        k_flood,
    ),
    pat(
        "cookie-no-amplification",
        "3 cookies: no amplification (the oracle checks every run; here the smallest hello and junk)",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(NONE),
        k_amplification,
    ),
    // Section 3: handshake.
    pat(
        "server-second-finished",
        "3 handshake: a second Finished after the handshake is not accepted as anything (server)",
        HOSTILE_CLIENT,
        None,
        Expect::Survive(PROTOCOL),
        s_second_finished,
    ),
    pat(
        "client-second-finished",
        "3 handshake: a second Finished after the handshake is not accepted as anything (client)",
        HOSTILE_SERVER,
        None,
        Expect::Survive(PROTOCOL),
        c_second_finished,
    ),
    with_check(
        pat(
            "hello-malformed-vectors",
            "3 handshake: odd-length cipher_suites, empty vectors where the RFC forbids them, trailing bytes",
            HOSTILE_CLIENT,
            None,
            Expect::Survive(PROTOCOL),
            h_malformed_vectors,
        ),
        no_server_hello_before_honest,
    ),
];

/// The pattern called `name`.
pub fn find(name: &str) -> Option<&'static Pattern> {
    PATTERNS.iter().find(|p| p.name == name)
}
