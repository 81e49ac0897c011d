//! Helpers of the requirement tests (`rfc*.rs`): an in-memory client/server pair driven
//! through the engine's public API, and wire-level tools for reading and rewriting the
//! datagrams between them (the tests' man in the middle).
#![allow(dead_code)]

use dtls::Event;
use dtls::codec::Codec;
use dtls::wire::{
    ContentType, HandshakeFragment, HandshakeType, RecordHeader, split_datagram, split_handshake,
};

#[allow(unused_imports)]
pub use dtls_conformance::fixtures::{PSK_IDENTITY, PSK_KEY, client_config, server_config};

#[allow(unused_imports)]
pub use dtls_conformance::pair::{CLIENT_ADDR, Pair};

/// The whole (unfragmented) handshake messages carried in cleartext (epoch 0) by one
/// datagram: (message_seq, type, body). Fragments are skipped.
pub fn cleartext_messages(d: &[u8]) -> Vec<(u16, HandshakeType, Vec<u8>)> {
    let mut out = vec![];
    for r in split_datagram(d).filter_map(Result::ok) {
        if r.header.epoch != 0 || r.header.content_type != ContentType::HANDSHAKE {
            continue;
        }
        for h in split_handshake(r.fragment).filter_map(Result::ok) {
            if h.header.fragment_offset == 0 && h.header.fragment_length == h.header.length {
                out.push((h.header.message_seq, h.header.msg_type, h.body.to_vec()));
            }
        }
    }
    out
}

/// The first whole cleartext message of type `ty` in a datagram.
pub fn find_message(d: &[u8], ty: HandshakeType) -> Option<Vec<u8>> {
    cleartext_messages(d)
        .into_iter()
        .find(|(_, t, _)| *t == ty)
        .map(|(_, _, b)| b)
}

/// Record headers of a datagram.
pub fn headers(d: &[u8]) -> Vec<RecordHeader> {
    split_datagram(d)
        .filter_map(Result::ok)
        .map(|r| r.header)
        .collect()
}

/// Re-encodes a datagram, replacing the body of every whole cleartext handshake message of
/// type `ty` with `f(body)`. Returns whether a message was rewritten. Record and message
/// lengths are fixed up; protected records are copied unchanged.
pub fn rewrite_message(d: &mut Vec<u8>, ty: HandshakeType, f: &mut dyn FnMut(&[u8]) -> Vec<u8>) -> bool {
    let mut out = Vec::new();
    let mut changed = false;
    for r in split_datagram(d).filter_map(Result::ok) {
        if r.header.epoch != 0 || r.header.content_type != ContentType::HANDSHAKE {
            r.emit(&mut out).unwrap();
            continue;
        }
        let mut payload = Vec::new();
        for h in split_handshake(r.fragment).filter_map(Result::ok) {
            let whole = h.header.fragment_offset == 0 && h.header.fragment_length == h.header.length;
            if h.header.msg_type == ty && whole {
                let body = f(h.body);
                HandshakeFragment::whole(ty, h.header.message_seq, &body)
                    .emit(&mut payload)
                    .unwrap();
                changed = true;
            } else {
                h.emit(&mut payload).unwrap();
            }
        }
        let mut header = r.header;
        header.length = payload.len() as u16;
        out.extend_from_slice(&header.to_array().unwrap());
        out.extend_from_slice(&payload);
    }
    *d = out;
    changed
}

/// A datagram holding one epoch-0 record with one whole handshake message.
pub fn handshake_datagram(ty: HandshakeType, message_seq: u16, record_seq: u64, body: &[u8]) -> Vec<u8> {
    let mut payload = Vec::new();
    HandshakeFragment::whole(ty, message_seq, body)
        .emit(&mut payload)
        .unwrap();
    let header = RecordHeader {
        content_type: ContentType::HANDSHAKE,
        version: dtls::wire::ProtocolVersion::DTLS1_2,
        epoch: 0,
        sequence_number: record_seq,
        length: payload.len() as u16,
    };
    let mut d = header.to_array().unwrap().to_vec();
    d.extend_from_slice(&payload);
    d
}

/// Re-encodes a wire value.
pub fn encode<T: Codec>(v: &T) -> Vec<u8> {
    v.to_vec().unwrap()
}

/// The events' Closed reason, if any.
pub fn closed(events: &[Event]) -> Option<&dtls::CloseReason> {
    events.iter().find_map(|e| match e {
        Event::Closed(r) => Some(r),
        _ => None,
    })
}

/// The fatal alert a Closed reason reports as sent by us.
pub fn sent_alert(events: &[Event]) -> Option<dtls::wire::AlertDescription> {
    match closed(events)? {
        dtls::CloseReason::Error(dtls::Error::Protocol { alert, .. }) => Some(*alert),
        dtls::CloseReason::Error(e) => e.alert(),
        _ => None,
    }
}
