//! Regression tests for fuzz findings: each crash a fuzz target (`fuzz/`) found becomes a test
//! here, named after the behaviour, with the target name and the reproducer bytes in hex. A
//! finding not fixed yet is marked `#[ignore = "fuzz crash: ..."]` so it fails when run with
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
