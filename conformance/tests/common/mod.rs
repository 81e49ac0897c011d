//! Helpers of the requirement tests (`rfc*.rs`): an in-memory client/server pair driven
//! through the engine's public API, and wire-level tools for reading and rewriting the
//! datagrams between them (the tests' man in the middle).
#![allow(dead_code)]

use std::sync::Arc;

use dtls::codec::Codec;
use dtls::crypto::DeterministicRandom;
use dtls::wire::{
    ContentType, HandshakeFragment, HandshakeType, RecordHeader, split_datagram, split_handshake,
};
use dtls::{Client, ClientConfig, Duration, Event, Instant, Server, ServerConfig};

#[allow(unused_imports)]
pub use dtls_conformance::fixtures::{PSK_IDENTITY, PSK_KEY, client_config, server_config};

/// The server-side address of the client in these tests.
pub const CLIENT_ADDR: u32 = 7;

/// A client and a server joined by a link the test controls; every datagram is recorded.
pub struct Pair {
    pub client: Client,
    pub server: Server<u32>,
    pub now: Instant,
    pub client_events: Vec<Event>,
    pub server_events: Vec<Event>,
    /// Every datagram sent, in order: (from_client, bytes as sent).
    pub wire: Vec<(bool, Vec<u8>)>,
}

impl Pair {
    pub fn new(client: ClientConfig, server: ServerConfig, seed: u64) -> Pair {
        let now = Instant::ZERO;
        let client = Client::new(
            Arc::new(client),
            Box::new(DeterministicRandom::from_u64(seed)),
            now,
        )
        .unwrap();
        let server = Server::new(
            Arc::new(server),
            Box::new(DeterministicRandom::from_u64(seed ^ 0x5eed)),
        )
        .unwrap();
        Pair {
            client,
            server,
            now,
            client_events: vec![],
            server_events: vec![],
            wire: vec![],
        }
    }

    /// Datagrams the client has queued.
    pub fn client_sent(&mut self) -> Vec<Vec<u8>> {
        let mut out = vec![];
        let mut buf = vec![0u8; 70000];
        while let Some(n) = self.client.poll_transmit(&mut buf).unwrap() {
            self.wire.push((true, buf[..n].to_vec()));
            out.push(buf[..n].to_vec());
        }
        out
    }

    /// Datagrams the server has queued (all to the client).
    pub fn server_sent(&mut self) -> Vec<Vec<u8>> {
        let mut out = vec![];
        let mut buf = vec![0u8; 70000];
        while let Some((to, n)) = self.server.poll_transmit(&mut buf).unwrap() {
            assert_eq!(to, CLIENT_ADDR);
            self.wire.push((false, buf[..n].to_vec()));
            out.push(buf[..n].to_vec());
        }
        out
    }

    pub fn deliver_to_server(&mut self, d: &[u8]) {
        self.server.handle_datagram(self.now, CLIENT_ADDR, d);
        self.collect();
    }

    pub fn deliver_to_client(&mut self, d: &[u8]) {
        self.client.handle_datagram(self.now, d);
        self.collect();
    }

    fn collect(&mut self) {
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
        }
        while let Some((_, e)) = self.server.poll_event() {
            self.server_events.push(e);
        }
    }

    /// Moves datagrams both ways until quiet, letting `mitm` rewrite (or drop, by returning
    /// false) each one; when quiet, advances virtual time to the next deadline, up to
    /// `max_time`.
    pub fn run(&mut self, max_time: Duration, mitm: &mut dyn FnMut(bool, &mut Vec<u8>) -> bool) {
        let end = self.now + max_time;
        loop {
            loop {
                let mut moved = 0;
                for mut d in self.client_sent() {
                    moved += 1;
                    if mitm(true, &mut d) {
                        self.deliver_to_server(&d);
                    }
                }
                for mut d in self.server_sent() {
                    moved += 1;
                    if mitm(false, &mut d) {
                        self.deliver_to_client(&d);
                    }
                }
                if moved == 0 {
                    break;
                }
            }
            if self.client.is_connected() && self.server_connected() && self.client.poll_timeout().is_none() {
                return;
            }
            let next = [self.client.poll_timeout(), self.server.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.client.handle_timeout(self.now);
                    self.server.handle_timeout(self.now);
                    self.collect();
                }
                _ => return,
            }
        }
    }

    /// A clean handshake; panics if it does not complete.
    pub fn handshake(&mut self) {
        self.run(Duration::from_secs(10), &mut |_, _| true);
        assert!(self.client.is_connected(), "client: {:?}", self.client_events);
        assert!(self.server_connected(), "server: {:?}", self.server_events);
    }

    pub fn server_connected(&self) -> bool {
        self.server_events
            .iter()
            .any(|e| matches!(e, Event::Connected { .. }))
    }
}

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
