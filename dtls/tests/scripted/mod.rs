//! A scripted client for the state-machine tests of client authentication (TESTING.md
//! section 2): it runs a real ECDHE-ECDSA handshake against our `Server`, built from the
//! public wire, record and PRF pieces, and sends whatever second flight the test scripts,
//! including ones an honest client never sends (a Certificate without CertificateVerify, a
//! CertificateVerify over the wrong transcript, messages out of order).
//!
//! One message per record, one record per datagram, no fragmentation (the server's MTU must
//! hold its largest message), cookies off on the server.
//!
//! A test crate that includes this module declares `mod common;` too (for `server_out`).
#![allow(dead_code)]

use std::sync::Arc;

use dtls::codec::Codec;
use dtls::crypto::prf::{self, FinishedLabel};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{
    CryptoProvider, DeterministicRandom, HashAlgorithm, NamedGroup as Group, SignatureScheme, SigningKey,
};
use dtls::record::RecordLayer;
use dtls::wire::{
    Certificate, CertificateRequest, CipherSuite, ClientHello, ClientKeyExchange, CompressionMethod,
    ContentType, ECPointFormat, EcPointFormats, EcdhClientKeyExchange, EcdheServerKeyExchange,
    ExtendedMasterSecret, Extensions, Finished, HandshakeFragment, HandshakeHeader, HandshakeType,
    NamedGroup, ProtocolVersion, RecordHeader, ServerHello, SignatureAlgorithms, SupportedGroups,
    split_datagram, split_handshake,
};
use dtls::{Event, Instant, Server};

use crate::common::server_out;

pub const SUITE: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
pub const ADDR: u32 = 9;

/// What the scripted flight sends, in order.
pub enum Step {
    /// A Certificate with this chain (empty for "no certificate").
    Certificate(Vec<Vec<u8>>),
    /// The ECDHE ClientKeyExchange; the keys are derived here (RFC 7627: the session hash
    /// ends with it).
    ClientKeyExchange,
    /// CertificateVerify signed by `key` with `scheme` over the transcript so far, after
    /// `tamper` has had its way with a copy of it.
    CertificateVerify {
        key: Box<dyn SigningKey>,
        scheme: SignatureScheme,
        tamper: fn(&mut Vec<u8>),
    },
    /// ChangeCipherSpec; what follows is protected.
    ChangeCipherSpec,
    /// Finished over the transcript so far.
    Finished,
}

/// The transcript as is.
#[allow(clippy::ptr_arg)] // the shape of `Step::CertificateVerify::tamper`
pub fn untouched(_: &mut Vec<u8>) {}

pub struct ScriptedClient {
    provider: Arc<RustCrypto>,
    rng: DeterministicRandom,
    records: RecordLayer,
    transcript: Vec<u8>,
    message_seq: u16,
    client_random: [u8; 32],
    server_random: [u8; 32],
    server_public: Vec<u8>,
    master: Option<prf::MasterSecret>,
    /// The server's first flight, by message type.
    pub server_messages: Vec<(HandshakeType, Vec<u8>)>,
}

impl ScriptedClient {
    pub fn new(seed: u64) -> Self {
        let mut rng = DeterministicRandom::from_u64(seed);
        let mut client_random = [0u8; 32];
        dtls::crypto::SecureRandom::fill(&mut rng, &mut client_random);
        ScriptedClient {
            provider: Arc::new(RustCrypto),
            rng,
            records: RecordLayer::new(),
            transcript: Vec::new(),
            message_seq: 0,
            client_random,
            server_random: [0; 32],
            server_public: Vec::new(),
            master: None,
            server_messages: Vec::new(),
        }
    }

    /// The server's CertificateRequest, if its flight had one.
    pub fn certificate_request(&self) -> Option<CertificateRequest> {
        self.server_messages
            .iter()
            .find(|(t, _)| *t == HandshakeType::CERTIFICATE_REQUEST)
            .map(|(_, b)| CertificateRequest::parse(b).unwrap())
    }

    fn datagram(&mut self, content_type: ContentType, payload: &[u8]) -> Vec<u8> {
        let epoch = self.records.write_epoch();
        let mut out = vec![0u8; payload.len() + 64];
        let n = self
            .records
            .seal(epoch, content_type.0, payload, &mut out, &mut self.rng)
            .unwrap();
        out.truncate(n);
        out
    }

    fn handshake(&mut self, msg_type: HandshakeType, body: &[u8]) -> Vec<u8> {
        let seq = self.message_seq;
        self.message_seq += 1;
        self.add_to_transcript(msg_type, seq, body);
        let mut payload = Vec::new();
        HandshakeFragment::whole(msg_type, seq, body)
            .emit(&mut payload)
            .unwrap();
        self.datagram(ContentType::HANDSHAKE, &payload)
    }

    fn add_to_transcript(&mut self, msg_type: HandshakeType, seq: u16, body: &[u8]) {
        let h = HandshakeHeader::unfragmented(msg_type, seq, body.len() as u32);
        self.transcript.extend_from_slice(&h.to_array().unwrap());
        self.transcript.extend_from_slice(body);
    }

    fn hash(&self, data: &[u8]) -> Vec<u8> {
        let mut h = self.provider.hash(HashAlgorithm::Sha256).unwrap();
        h.update(data);
        let mut out = [0u8; dtls::crypto::MAX_HASH_LEN];
        let n = h.peek(&mut out);
        out[..n].to_vec()
    }

    /// The ClientHello datagram: our one suite, P-256, every signature scheme, EMS.
    pub fn client_hello(&mut self) -> Vec<u8> {
        let mut ext = Extensions::new();
        ext.push_body(&SupportedGroups {
            groups: vec![NamedGroup::SECP256R1],
        })
        .unwrap();
        ext.push_body(&EcPointFormats {
            formats: vec![ECPointFormat::UNCOMPRESSED],
        })
        .unwrap();
        ext.push_body(&SignatureAlgorithms {
            schemes: dtls::pki::SUPPORTED_WIRE_SCHEMES.to_vec(),
        })
        .unwrap();
        ext.push_body(&ExtendedMasterSecret).unwrap();
        let hello = ClientHello {
            client_version: ProtocolVersion::DTLS1_2,
            random: self.client_random,
            session_id: vec![],
            cookie: vec![],
            cipher_suites: vec![SUITE, CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV],
            compression_methods: vec![CompressionMethod::NULL],
            extensions: Some(ext),
        };
        let body = hello.to_vec().unwrap();
        self.handshake(HandshakeType::CLIENT_HELLO, &body)
    }

    /// Takes in the server's first flight (unfragmented messages in epoch 0).
    pub fn server_flight(&mut self, datagrams: &[Vec<u8>]) {
        for d in datagrams {
            for record in split_datagram(d) {
                let record = record.unwrap();
                assert_eq!(record.header.content_type, ContentType::HANDSHAKE);
                for f in split_handshake(record.fragment) {
                    let f = f.unwrap();
                    assert!(f.header.is_complete(), "the scripted client does not reassemble");
                    self.add_to_transcript(f.header.msg_type, f.header.message_seq, f.body);
                    self.server_messages.push((f.header.msg_type, f.body.to_vec()));
                    match f.header.msg_type {
                        HandshakeType::SERVER_HELLO => {
                            let sh = ServerHello::parse(f.body).unwrap();
                            assert_eq!(sh.cipher_suite, SUITE);
                            self.server_random = sh.random;
                        }
                        HandshakeType::SERVER_KEY_EXCHANGE => {
                            let (ske, _) = EcdheServerKeyExchange::parse_with_params(f.body).unwrap();
                            self.server_public = ske.params.public;
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// The scripted second flight, one datagram per message.
    pub fn flight(&mut self, steps: Vec<Step>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut ciphers = None;
        for step in steps {
            match step {
                Step::Certificate(chain) => {
                    let body = Certificate {
                        certificate_list: chain,
                    }
                    .to_vec()
                    .unwrap();
                    out.push(self.handshake(HandshakeType::CERTIFICATE, &body));
                }
                Step::ClientKeyExchange => {
                    let kx = self.provider.key_exchange(Group::P256, &mut self.rng).unwrap();
                    let mut shared = [0u8; 66];
                    let n = kx.agree(&self.server_public, &mut shared).unwrap();
                    let mut body = Vec::new();
                    ClientKeyExchange::Ecdhe(EcdhClientKeyExchange {
                        public: kx.public_key().to_vec(),
                    })
                    .emit(&mut body)
                    .unwrap();
                    out.push(self.handshake(HandshakeType::CLIENT_KEY_EXCHANGE, &body));
                    let session_hash = self.hash(&self.transcript.clone());
                    let master = prf::extended_master_secret(
                        self.provider.as_ref(),
                        HashAlgorithm::Sha256,
                        &shared[..n],
                        &session_hash,
                    )
                    .unwrap();
                    // AES-128-GCM: two 16-byte keys, two 4-byte salts (RFC 5246 6.3).
                    let mut block = [0u8; 40];
                    prf::key_block(
                        self.provider.as_ref(),
                        HashAlgorithm::Sha256,
                        &master,
                        &self.client_random,
                        &self.server_random,
                        &mut block,
                    )
                    .unwrap();
                    let write = self
                        .provider
                        .record_cipher(
                            dtls::crypto::BulkCipher::AesGcm,
                            &block[..16],
                            &[],
                            &block[32..36],
                        )
                        .unwrap();
                    ciphers = Some(write);
                    self.master = Some(master);
                }
                Step::CertificateVerify { key, scheme, tamper } => {
                    let mut signed = self.transcript.clone();
                    tamper(&mut signed);
                    let body = dtls::pki::sign(key.as_ref(), scheme, &signed, &mut self.rng)
                        .unwrap()
                        .to_vec()
                        .unwrap();
                    out.push(self.handshake(HandshakeType::CERTIFICATE_VERIFY, &body));
                }
                Step::ChangeCipherSpec => {
                    out.push(self.datagram(ContentType::CHANGE_CIPHER_SPEC, &[1]));
                    self.records
                        .install_write(ciphers.take().expect("ClientKeyExchange comes first"))
                        .unwrap();
                }
                Step::Finished => {
                    let hash = self.hash(&self.transcript.clone());
                    let master = self.master.as_ref().expect("ClientKeyExchange comes first");
                    let verify_data = prf::verify_data(
                        self.provider.as_ref(),
                        HashAlgorithm::Sha256,
                        master,
                        FinishedLabel::Client,
                        &hash,
                    )
                    .unwrap();
                    let body = Finished {
                        verify_data: verify_data.to_vec(),
                    }
                    .to_vec()
                    .unwrap();
                    out.push(self.handshake(HandshakeType::FINISHED, &body));
                }
            }
        }
        out
    }
}

/// What happened when a scripted flight met the server.
#[derive(Debug)]
pub struct Outcome {
    pub events: Vec<Event>,
    /// Datagrams the server sent in answer to the scripted flight.
    pub answers: Vec<Vec<u8>>,
}

impl Outcome {
    /// The alert description the server sent (in the clear, epoch 0), if any.
    pub fn alert_sent(&self) -> Option<dtls::wire::AlertDescription> {
        self.answers.iter().find_map(|d| {
            let h = RecordHeader::peek(d)?;
            if h.content_type != ContentType::ALERT || h.epoch != 0 {
                return None;
            }
            Some(
                dtls::wire::Alert::parse(&d[RecordHeader::LEN..])
                    .ok()?
                    .description,
            )
        })
    }

    pub fn connected(&self) -> bool {
        self.events.iter().any(|e| matches!(e, Event::Connected { .. }))
    }

    /// The error the server closed with.
    pub fn error(&self) -> Option<&dtls::Error> {
        self.events.iter().find_map(|e| match e {
            Event::Closed(dtls::CloseReason::Error(e)) => Some(e),
            _ => None,
        })
    }
}

/// Runs the hello exchange with `server`, then sends the flight `script` builds (it gets the
/// client after the server's first flight, to look at the CertificateRequest), then lets
/// `extra` virtual seconds pass so timeouts can fire.
pub fn run(
    server: &mut Server<u32>,
    client: &mut ScriptedClient,
    script: impl FnOnce(&ScriptedClient) -> Vec<Step>,
) -> Outcome {
    let now = Instant::ZERO;
    let hello = client.client_hello();
    server.handle_datagram(now, ADDR, &hello);
    let flight = server_out(server);
    assert!(!flight.is_empty(), "the server answers the ClientHello");
    client.server_flight(&flight);
    let steps = script(client);
    let mut answers = Vec::new();
    for d in client.flight(steps) {
        server.handle_datagram(now, ADDR, &d);
        answers.extend(server_out(server));
    }
    let mut events = Vec::new();
    while let Some((_, e)) = server.poll_event() {
        events.push(e);
    }
    Outcome { events, answers }
}
