//! Shared test helpers: a deterministic RNG, configurations and a two-party driver.
#![allow(dead_code)]

use std::sync::Arc;

use dtls::config::{CertifiedKey, ClientConfig, PinnedCertificates, Psk, PskTable, ServerConfig};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoProvider, DeterministicRandom, SignatureScheme};
use dtls::wire::CipherSuite;
use dtls::{Client, Duration, Event, Instant, Server};

/// The engine's seeded generator: reproducible runs from a small seed.
pub type TestRng = DeterministicRandom;

/// A seeded generator for test endpoints.
#[allow(non_snake_case)]
pub fn TestRng(seed: u64) -> DeterministicRandom {
    DeterministicRandom::from_u64(seed)
}

pub const CERT_DER: &[u8] = include_bytes!("../data/server.crt.der");
pub const KEY_DER: &[u8] = include_bytes!("../data/server.key.der");
pub const PSK_IDENTITY: &[u8] = b"device-17";
pub const PSK_KEY: &[u8] = &[0x1a; 16];

pub fn provider() -> Arc<RustCrypto> {
    Arc::new(RustCrypto)
}

pub fn client_config(suite: CipherSuite, mtu: usize) -> ClientConfig {
    let mut c = ClientConfig::new(provider());
    c.common.cipher_suites = vec![suite];
    c.common.mtu = mtu;
    c.psk = Some(Psk::new(PSK_IDENTITY, PSK_KEY).unwrap());
    c.verifier = Some(Arc::new(PinnedCertificates {
        leaves: vec![CERT_DER.to_vec()],
    }));
    c
}

pub fn server_config(cookies: bool, mtu: usize) -> ServerConfig {
    let p = provider();
    let mut s = ServerConfig::new(p.clone());
    s.common.mtu = mtu;
    s.cookies = cookies;
    s.psk_store = Some(Arc::new(
        PskTable::new().with(Psk::new(PSK_IDENTITY, PSK_KEY).unwrap()),
    ));
    let key = p.signing_key(SignatureScheme::EcdsaP256Sha256, KEY_DER).unwrap();
    s.certificate = Some(Arc::new(CertifiedKey {
        chain: vec![CERT_DER.to_vec()],
        key,
    }));
    s
}

/// The address type the tests use for the server side.
pub type Addr = u32;
pub const CLIENT_ADDR: Addr = 7;

/// A client and a server joined by a link the test controls.
pub struct Pair {
    pub client: Client,
    pub server: Server<Addr>,
    pub now: Instant,
    pub client_events: Vec<Event>,
    pub server_events: Vec<Event>,
    /// Every datagram sent, in order: (from_client, bytes).
    pub wire: Vec<(bool, Vec<u8>)>,
}

impl Pair {
    pub fn new(client: ClientConfig, server: ServerConfig, seed: u64) -> Pair {
        let now = Instant::ZERO;
        let client = Client::new(Arc::new(client), Box::new(TestRng(seed)), now).unwrap();
        let server = Server::new(Arc::new(server), Box::new(TestRng(seed ^ 0xdead_beef))).unwrap();
        Pair {
            client,
            server,
            now,
            client_events: vec![],
            server_events: vec![],
            wire: vec![],
        }
    }

    /// Moves every pending datagram across, both ways, until nothing is in flight. `drop`
    /// decides per datagram (from_client, index in wire) whether the link loses it.
    pub fn step(&mut self, drop: &mut dyn FnMut(bool, usize, &[u8]) -> bool) -> usize {
        let mut moved = 0;
        let mut buf = vec![0u8; 70000];
        while let Some(n) = self.client.poll_transmit(&mut buf).unwrap() {
            let d = buf[..n].to_vec();
            let idx = self.wire.len();
            self.wire.push((true, d.clone()));
            moved += 1;
            if !drop(true, idx, &d) {
                self.server.handle_datagram(self.now, CLIENT_ADDR, &d);
            }
        }
        while let Some((to, n)) = self.server.poll_transmit(&mut buf).unwrap() {
            assert_eq!(to, CLIENT_ADDR);
            let d = buf[..n].to_vec();
            let idx = self.wire.len();
            self.wire.push((false, d.clone()));
            moved += 1;
            if !drop(false, idx, &d) {
                self.client.handle_datagram(self.now, &d);
            }
        }
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
        }
        while let Some((_, e)) = self.server.poll_event() {
            self.server_events.push(e);
        }
        moved
    }

    /// Runs until quiet; when quiet, advances time to the next deadline. Stops after
    /// `max_time` of virtual time.
    pub fn drive(&mut self, drop: &mut dyn FnMut(bool, usize, &[u8]) -> bool, max_time: Duration) {
        let end = self.now + max_time;
        loop {
            while self.step(drop) > 0 {}
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
                }
                _ => return,
            }
        }
    }

    pub fn server_connected(&self) -> bool {
        self.server_events
            .iter()
            .any(|e| matches!(e, Event::Connected { .. }))
    }

    pub fn handshake(&mut self) {
        self.drive(&mut |_, _, _| false, Duration::from_secs(10));
        assert!(
            self.client.is_connected(),
            "client events: {:?}",
            self.client_events
        );
        assert!(self.server_connected(), "server events: {:?}", self.server_events);
    }
}

/// One epoch-0 handshake record carrying one fragment with the given header fields (the body
/// is `body`, whose length becomes the fragment_length).
pub fn handshake_record(
    record_seq: u64,
    msg_type: dtls::wire::HandshakeType,
    length: u32,
    message_seq: u16,
    fragment_offset: u32,
    body: &[u8],
) -> Vec<u8> {
    use dtls::wire::{ContentType, HandshakeHeader, ProtocolVersion};
    let header = HandshakeHeader {
        msg_type,
        length,
        message_seq,
        fragment_offset,
        fragment_length: body.len() as u32,
    };
    let mut payload = header.to_array().unwrap().to_vec();
    payload.extend_from_slice(body);
    plain_record(
        ContentType::HANDSHAKE,
        0,
        record_seq,
        &payload,
        ProtocolVersion::DTLS1_2,
    )
}

/// An unprotected record of any type and epoch (a forgery when the epoch is protected).
pub fn plain_record(
    content_type: dtls::wire::ContentType,
    epoch: u16,
    record_seq: u64,
    payload: &[u8],
    version: dtls::wire::ProtocolVersion,
) -> Vec<u8> {
    let header = dtls::wire::RecordHeader {
        content_type,
        version,
        epoch,
        sequence_number: record_seq,
        length: payload.len() as u16,
    };
    let mut out = header.to_array().unwrap().to_vec();
    out.extend_from_slice(payload);
    out
}

/// The records of a datagram: (header, fragment bytes).
pub fn records_of(d: &[u8]) -> Vec<(dtls::wire::RecordHeader, Vec<u8>)> {
    dtls::wire::split_datagram(d)
        .filter_map(Result::ok)
        .map(|r| (r.header, r.fragment.to_vec()))
        .collect()
}

/// The handshake messages (type, message_seq, length, fragment_length) of a datagram's
/// epoch-0 handshake records.
pub fn handshake_headers(d: &[u8]) -> Vec<dtls::wire::HandshakeHeader> {
    records_of(d)
        .into_iter()
        .filter(|(h, _)| h.epoch == 0 && h.content_type == dtls::wire::ContentType::HANDSHAKE)
        .flat_map(|(_, f)| {
            dtls::wire::split_handshake(&f)
                .filter_map(Result::ok)
                .map(|x| x.header)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Drains a client's datagrams.
pub fn client_out(client: &mut Client) -> Vec<Vec<u8>> {
    let mut buf = vec![0u8; 70000];
    std::iter::from_fn(|| client.poll_transmit(&mut buf).unwrap().map(|n| buf[..n].to_vec())).collect()
}

/// Drains a server's datagrams (all to one peer in these tests).
pub fn server_out(server: &mut Server<Addr>) -> Vec<Vec<u8>> {
    let mut buf = vec![0u8; 70000];
    std::iter::from_fn(|| {
        server
            .poll_transmit(&mut buf)
            .unwrap()
            .map(|(_, n)| buf[..n].to_vec())
    })
    .collect()
}
