//! Regression tests for fuzz findings: each crash a fuzz target (`fuzz/`) found becomes a test
//! here, named after the behaviour, with the target name and the reproducer bytes in hex. A
//! `--ignored` until the engine is fixed.
//!
//! Replay a reproducer in its target with
//! `cd fuzz && cargo +nightly fuzz run -O <target> <file>`.

use dtls::codec::Codec;
use dtls::wire::{HandshakeFragment, split_datagram, split_handshake};

/// Decodes a reproducer written as hex.
#[allow(dead_code)]
fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).expect("valid hex")
}

/// `wire_parsers`, selector 0 (datagram walk): an empty datagram and a lone header with a
/// length running past the end yield no records and no panic. (Seed-level sanity: keeps the
/// file compiling and documents the form of the tests that follow.)
#[test]
fn truncated_record_yields_no_record() {
    let d = unhex("16 fefd 0000 000000000000 0010 01");
    assert!(split_datagram(&d).map_while(Result::ok).next().is_none());
    assert!(split_datagram(&[]).next().is_none());
    assert!(split_handshake(&[]).next().is_none());
    assert!(HandshakeFragment::parse(&[0; 11]).is_err());
    let _ = dtls::wire::RecordHeader::parse(&d);
}

mod common;

use std::sync::Arc;

use common::{CLIENT_ADDR, Pair, TestRng, client_config, server_config};
use dtls::wire::CipherSuite;
use dtls::{Client, Duration, Event};

/// `server_state_machine` (crash-b599e276bc896764f470529fe84c3fdc0ebae269, hex in the report
/// and in fuzz/artifacts): a client restarts on the same address (RFC 6347 4.2.8) and completes
/// a new handshake while its old session is live. Per peer the server must report the old
/// connection's `Closed` before the new one's `Connected`; the fuzzer saw `Connected` twice
/// in a row for one address (the old session's `Closed` is queued after the new `Connected`,
/// so an application keyed by address tears down the new connection).
#[test]
fn reconnect_reports_old_close_before_new_connected() {
    let suite = CipherSuite::TLS_PSK_WITH_AES_128_CCM_8;
    let mut pair = Pair::new(client_config(suite, 1200), server_config(true, 1200), 11);
    pair.handshake();
    // The same address, a fresh client (new random): a restarted device.
    pair.client = Client::new(
        Arc::new(client_config(suite, 1200)),
        Box::new(TestRng(99)),
        pair.now,
    )
    .unwrap();
    pair.client_events.clear();
    pair.drive(&mut |_, _, _| false, Duration::from_secs(10));
    assert!(pair.client.is_connected(), "{:?}", pair.client_events);
    let mut connected = false;
    for e in &pair.server_events {
        match e {
            Event::Connected { .. } => {
                assert!(
                    !connected,
                    "second Connected without a Closed: {:?}",
                    pair.server_events
                );
                connected = true;
            }
            Event::Closed(_) => connected = false,
            _ => {}
        }
    }
    let _ = CLIENT_ADDR;
}
