//! Shared pieces of the fuzz targets: the action language the state-machine targets execute,
//! the configurations (built on the insecure `dtls::crypto::fuzzing` provider, so the fuzzer
//! gets past MACs and Finished checks) and the event invariants.
//!
//! Actions have a hand-written [`Arbitrary`] implementation with a simple, stable byte
//! format (documented on [`Action`]) instead of the derived one, so `examples/gen_corpus.rs`
//! can write real handshakes as seed inputs with [`Action::encode`].

use std::collections::BTreeMap;
use std::sync::Arc;

use arbitrary::{Arbitrary, Result, Unstructured};
use dtls::config::{CertifiedKey, ClientConfig, PinnedCertificates, Psk, PskTable, ServerConfig};
use dtls::crypto::fuzzing::{FuzzRng, FuzzingProvider};
use dtls::crypto::{CryptoProvider, SecureRandom, SignatureScheme};
use dtls::wire::CipherSuite;
use dtls::{Event, Instant};

/// The test certificate; the client pins it, so a Certificate message must carry it.
pub const CERT_DER: &[u8] = include_bytes!("../../dtls/tests/data/server.crt.der");
/// The PSK identity both sides use.
pub const PSK_IDENTITY: &[u8] = b"device-17";
/// The PSK.
pub const PSK_KEY: &[u8] = &[0x1a; 16];
/// The byte [`FuzzRng`] returns on the client.
pub const CLIENT_RNG: u8 = 0xc1;
/// The byte [`FuzzRng`] returns on the server.
pub const SERVER_RNG: u8 = 0x5e;

/// The suites a target may pick from with its configuration byte.
pub const SUITES: [CipherSuite; 10] = [
    CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
    CipherSuite::TLS_PSK_WITH_AES_128_CCM,
    CipherSuite::TLS_PSK_WITH_AES_256_CCM_8,
    CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_PSK_WITH_AES_128_CBC_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
];

/// The suite nibble that offers ECDHE-ECDSA-AES128-GCM with client certificates requested by the server
/// (the client holds the pinned certificate as its identity), so the targets reach
/// ExpectClientCertificate, ExpectCertificateVerify and the client's CertificateVerify.
pub const CLIENT_AUTH_NIBBLE: u8 = 0x0f;

/// MTUs a target may pick (small ones force fragmentation).
pub const MTUS: [usize; 4] = [1200, 200, 512, 1400];

/// One configuration byte: bits 0..4 pick the suite (values past the list offer all suites;
/// [`CLIENT_AUTH_NIBBLE`] is one certificate suite with client certificates), bits 4..6 the MTU, bit 6 turns
/// server cookies off, bit 7 disables extended master secret enforcement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigByte(pub u8);

impl ConfigByte {
    /// The suites offered: one, or all of them.
    pub fn suites(self) -> Vec<CipherSuite> {
        if self.client_auth() {
            return vec![CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256];
        }
        match SUITES.get(usize::from(self.0 & 0x0f)) {
            Some(s) => vec![*s],
            None => SUITES.to_vec(),
        }
    }

    /// Whether the server asks for (and the client sends) a client certificate.
    pub fn client_auth(self) -> bool {
        self.0 & 0x0f == CLIENT_AUTH_NIBBLE
    }

    /// The path MTU.
    pub fn mtu(self) -> usize {
        MTUS[usize::from((self.0 >> 4) & 3)]
    }

    /// Whether the server answers with HelloVerifyRequest first.
    pub fn cookies(self) -> bool {
        self.0 & 0x40 == 0
    }

    /// Whether the extended master secret is required.
    pub fn require_ems(self) -> bool {
        self.0 & 0x80 == 0
    }
}

fn fuzz_provider() -> Arc<FuzzingProvider> {
    Arc::new(FuzzingProvider)
}

/// A client on the fuzzing provider that can use every suite of `cfg`.
pub fn client_config(cfg: ConfigByte) -> ClientConfig {
    let mut c = ClientConfig::new(fuzz_provider());
    c.common.cipher_suites = cfg.suites();
    c.common.mtu = cfg.mtu();
    c.common.require_extended_master_secret = cfg.require_ems();
    c.psk = Some(Psk::new(PSK_IDENTITY, PSK_KEY).expect("valid PSK"));
    c.verifier = Some(Arc::new(PinnedCertificates {
        leaves: vec![CERT_DER.to_vec()],
    }));
    if cfg.client_auth() {
        // The fuzzing provider takes any key bytes; the identity is the pinned certificate.
        let key = c
            .common
            .provider
            .signing_key(
                SignatureScheme::EcdsaP256Sha256,
                include_bytes!("../../dtls/tests/data/server.key.der"),
            )
            .expect("signing key");
        let mut ids = dtls::pki::Identities::new();
        ids.add(dtls::pki::Identity::new(vec![CERT_DER.to_vec()], key).expect("identity"));
        c.identities = Some(Arc::new(ids));
    }
    c
}

/// A server with PSK and certificate credentials on `provider`.
pub fn server_config_with(provider: Arc<dyn CryptoProvider + Send + Sync>, cfg: ConfigByte) -> ServerConfig {
    let mut s = ServerConfig::new(provider.clone());
    s.common.cipher_suites = cfg.suites();
    s.common.mtu = cfg.mtu();
    s.common.require_extended_master_secret = cfg.require_ems();
    s.cookies = cfg.cookies();
    s.psk_store = Some(Arc::new(
        PskTable::new().with(Psk::new(PSK_IDENTITY, PSK_KEY).expect("valid PSK")),
    ));
    // The fuzzing provider accepts any key bytes; the real one needs the test key.
    let key = provider
        .signing_key(
            SignatureScheme::EcdsaP256Sha256,
            include_bytes!("../../dtls/tests/data/server.key.der"),
        )
        .expect("signing key");
    s.certificate = Some(Arc::new(CertifiedKey {
        chain: vec![CERT_DER.to_vec()],
        key,
    }));
    if cfg.client_auth() {
        s.client_auth = dtls::config::ClientAuth::Request;
        s.client_verifier = Some(Arc::new(PinnedCertificates {
            leaves: vec![CERT_DER.to_vec()],
        }));
    }
    s
}

/// A server on the fuzzing provider.
pub fn server_config(cfg: ConfigByte) -> ServerConfig {
    server_config_with(fuzz_provider(), cfg)
}

/// The client every state-machine input starts from.
pub fn new_client(cfg: ConfigByte) -> dtls::Client {
    dtls::Client::new(
        Arc::new(client_config(cfg)),
        Box::new(FuzzRng(CLIENT_RNG)),
        Instant::ZERO,
    )
    .expect("valid client config")
}

/// The server every state-machine input starts from.
pub fn new_server(cfg: ConfigByte) -> dtls::Server<u8> {
    dtls::Server::new(Arc::new(server_config(cfg)), Box::new(FuzzRng(SERVER_RNG)))
        .expect("valid server config")
}

/// SplitMix64, for targets that use the real provider and need varied randomness.
#[derive(Debug, Clone)]
pub struct SplitMix(pub u64);

impl SecureRandom for SplitMix {
    fn fill(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_be_bytes()[..chunk.len()]);
        }
    }
}

/// A record built from typed fields: record header plus, for handshake records, one handshake
/// fragment. Records of epoch > 0 get an 8-byte explicit nonce and the fuzzing provider's
/// 16-byte tag, so they open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedRecord {
    /// Record content type (22 = handshake gets a handshake header).
    pub content_type: u8,
    /// Record epoch.
    pub epoch: u16,
    /// Record sequence number (low 16 bits of the 48).
    pub sequence: u16,
    /// Handshake message type.
    pub msg_type: u8,
    /// Handshake message_seq.
    pub message_seq: u16,
    /// Fragment offset.
    pub fragment_offset: u16,
    /// Declared message length minus (offset + body length).
    pub length_extra: u16,
    /// Fragment (or record payload) bytes.
    pub body: Vec<u8>,
}

impl TypedRecord {
    /// The datagram holding this one record.
    pub fn to_datagram(&self) -> Vec<u8> {
        let mut payload = Vec::new();
        if self.content_type == 22 {
            let frag_len = self.body.len() as u32;
            let length = u32::from(self.fragment_offset) + frag_len + u32::from(self.length_extra);
            payload.push(self.msg_type);
            payload.extend_from_slice(&length.to_be_bytes()[1..]);
            payload.extend_from_slice(&self.message_seq.to_be_bytes());
            payload.extend_from_slice(&u32::from(self.fragment_offset).to_be_bytes()[1..]);
            payload.extend_from_slice(&frag_len.to_be_bytes()[1..]);
        }
        payload.extend_from_slice(&self.body);
        let mut fragment = Vec::new();
        if self.epoch > 0 {
            fragment.extend_from_slice(&[0, 0]);
            fragment.extend_from_slice(&self.epoch.to_be_bytes());
            fragment.extend_from_slice(&[0, 0, 0, 0]);
            fragment[6..8].copy_from_slice(&self.sequence.to_be_bytes());
        }
        fragment.extend_from_slice(&payload);
        if self.epoch > 0 {
            fragment.extend_from_slice(&[0; dtls::crypto::fuzzing::TAG_LEN]);
        }
        let mut d = vec![self.content_type, 0xfe, 0xfd];
        d.extend_from_slice(&self.epoch.to_be_bytes());
        d.extend_from_slice(&[0, 0, 0, 0]);
        d.extend_from_slice(&self.sequence.to_be_bytes());
        d.extend_from_slice(&(fragment.len().min(0xffff) as u16).to_be_bytes());
        d.extend_from_slice(&fragment);
        d
    }
}

/// One step of a state-machine input.
///
/// Byte format (all integers big-endian): a tag byte (its value modulo 7 picks the kind), a
/// peer byte (the source address for the server; ignored by the client), then:
/// - 0 `Datagram`: u16 length, bytes;
/// - 1 `Typed`: content type u8, epoch u8, sequence u16, msg_type u8, message_seq u16,
///   fragment_offset u16, length_extra u16, u16 length, body;
/// - 2 `TimeStep`: u16 milliseconds;
/// - 3 `Timeout`: nothing (jump to the next deadline);
/// - 4 `Send`: u16 length, bytes;
/// - 5 `Close`: nothing;
/// - 6 `Rotate`: nothing (server: new cookie secret).
///
/// Lengths are clamped to the bytes that remain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A raw datagram from `peer`.
    Datagram { peer: u8, bytes: Vec<u8> },
    /// A datagram built from typed fields.
    Typed { peer: u8, record: TypedRecord },
    /// Advance the clock by this many ms, then handle timeouts.
    TimeStep(u16),
    /// Jump to the next deadline (if any) and handle it.
    Timeout,
    /// Send application data (to `peer` on the server).
    Send { peer: u8, bytes: Vec<u8> },
    /// Close (the connection with `peer` on the server).
    Close { peer: u8 },
    /// Rotate the server's cookie secret.
    Rotate,
}

fn take_vec(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let len = usize::from(take_u16(u)?).min(u.len());
    Ok(u.bytes(len)?.to_vec())
}

fn take_u8(u: &mut Unstructured<'_>) -> Result<u8> {
    Ok(u.bytes(1)?[0])
}

fn take_u16(u: &mut Unstructured<'_>) -> Result<u16> {
    let b = u.bytes(2)?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

fn put_vec(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = bytes.len().min(0xffff);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(&bytes[..len]);
}

impl<'a> Arbitrary<'a> for Action {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let tag = take_u8(u)?;
        let peer = take_u8(u)?;
        Ok(match tag % 7 {
            0 => Action::Datagram {
                peer,
                bytes: take_vec(u)?,
            },
            1 => {
                let content_type = take_u8(u)?;
                let epoch = u16::from(take_u8(u)?);
                let sequence = take_u16(u)?;
                let msg_type = take_u8(u)?;
                let message_seq = take_u16(u)?;
                let fragment_offset = take_u16(u)?;
                let length_extra = take_u16(u)?;
                let body = take_vec(u)?;
                Action::Typed {
                    peer,
                    record: TypedRecord {
                        content_type,
                        epoch,
                        sequence,
                        msg_type,
                        message_seq,
                        fragment_offset,
                        length_extra,
                        body,
                    },
                }
            }
            2 => Action::TimeStep(take_u16(u)?),
            3 => Action::Timeout,
            4 => Action::Send {
                peer,
                bytes: take_vec(u)?,
            },
            5 => Action::Close { peer },
            _ => Action::Rotate,
        })
    }
}

impl Action {
    /// The bytes that [`Arbitrary::arbitrary`] decodes back into this action.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Action::Datagram { peer, bytes } => {
                out.extend_from_slice(&[0, *peer]);
                put_vec(out, bytes);
            }
            Action::Typed { peer, record: r } => {
                out.extend_from_slice(&[1, *peer, r.content_type, r.epoch.min(255) as u8]);
                out.extend_from_slice(&r.sequence.to_be_bytes());
                out.push(r.msg_type);
                out.extend_from_slice(&r.message_seq.to_be_bytes());
                out.extend_from_slice(&r.fragment_offset.to_be_bytes());
                out.extend_from_slice(&r.length_extra.to_be_bytes());
                put_vec(out, &r.body);
            }
            Action::TimeStep(ms) => {
                out.extend_from_slice(&[2, 0]);
                out.extend_from_slice(&ms.to_be_bytes());
            }
            Action::Timeout => out.extend_from_slice(&[3, 0]),
            Action::Send { peer, bytes } => {
                out.extend_from_slice(&[4, *peer]);
                put_vec(out, bytes);
            }
            Action::Close { peer } => out.extend_from_slice(&[5, *peer]),
            Action::Rotate => out.extend_from_slice(&[6, 0]),
        }
    }
}

/// A whole state-machine input: a configuration byte, then actions until the bytes run out.
#[derive(Clone, Debug)]
pub struct Script {
    /// The configuration.
    pub config: ConfigByte,
    /// The steps.
    pub actions: Vec<Action>,
}

/// Most actions one input runs (keeps each execution short).
pub const MAX_ACTIONS: usize = 256;

impl<'a> Arbitrary<'a> for Script {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let config = ConfigByte(take_u8(u)?);
        let mut actions = Vec::new();
        while !u.is_empty() && actions.len() < MAX_ACTIONS {
            match Action::arbitrary(u) {
                Ok(a) => actions.push(a),
                Err(_) => break,
            }
        }
        Ok(Script { config, actions })
    }

    fn arbitrary_take_rest(mut u: Unstructured<'a>) -> Result<Self> {
        Self::arbitrary(&mut u)
    }
}

impl Script {
    /// The bytes of this script as a fuzz input.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.config.0];
        for a in &self.actions {
            a.encode(&mut out);
        }
        out
    }
}

/// Where one connection is in its life, as seen through its events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Life {
    /// No Connected yet.
    #[default]
    Handshaking,
    /// Connected, not closed.
    Connected,
    /// Closed: nothing may follow.
    Closed,
}

impl Life {
    /// Applies `event`, panicking (a fuzz finding) if it is out of order.
    pub fn observe(&mut self, event: &Event, who: &str) {
        *self = match (*self, event) {
            (Life::Closed, e) => panic!("{who}: event after Closed: {e:?}"),
            (Life::Handshaking, Event::Connected { .. }) => Life::Connected,
            (Life::Connected, Event::Connected { .. }) => panic!("{who}: second Connected"),
            (Life::Handshaking, Event::Data(d)) => panic!("{who}: Data before Connected: {d:?}"),
            (Life::Connected, Event::Data(_)) => Life::Connected,
            (_, Event::Closed(_)) => Life::Closed,
            // An event kind a newer engine adds: no lifecycle rule for it yet.
            (life, _) => life,
        };
    }
}

/// Per-peer event checking on the server. A peer's connection may end and a new one start
/// from the same address (a fresh ClientHello after Closed), so `Closed` returns the peer to
/// "no connection".
#[derive(Debug, Default)]
pub struct ServerLives {
    peers: BTreeMap<u8, Life>,
}

impl ServerLives {
    /// Applies an event reported for `peer`.
    pub fn observe(&mut self, peer: u8, event: &Event) {
        let life = self.peers.entry(peer).or_default();
        let who = format!("server peer {peer}");
        life.observe(event, &who);
        if *life == Life::Closed {
            *life = Life::Handshaking;
        }
    }
}
