//! The DTLS 1.2 a scripted hostile peer speaks: enough of the handshake, key schedule and
//! record protection, built from the engine's wire types (`dtls::wire`) and crypto provider
//! (`dtls::crypto`), to produce a valid-looking flight at any point and then deviate from it.
//! It is deliberately not the engine: no state machine decides what is allowed, the script
//! does, and everything the peer under test sends is recorded for the verdict.
//!
//! Simplifications a test peer can afford: every message it sends fits one record; it does
//! not verify the peer's signature or certificate (it is the one attacking); it reassembles the
//! peer's messages in message_seq order only.

use std::collections::BTreeMap;

use dtls::codec::Codec;
use dtls::crypto::prf::{self, FinishedLabel};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{
    CryptoProvider, ExplicitNonce, KeyExchange, MAX_HASH_LEN, MAX_SIGNATURE_LEN, NamedGroup as Group,
    RecordAad, RecordCipher, SecureRandom, SignatureScheme as Scheme,
};
use dtls::suite::SuiteParams;
use dtls::wire::{
    Alert, AlertDescription, AlertLevel, Certificate, CipherSuite, ClientHello, ClientKeyExchange,
    CompressionMethod, ContentType, DigitallySigned, ECPointFormat, EcPointFormats, EcdhClientKeyExchange,
    EcdheServerKeyExchange, Extension, ExtensionType, Extensions, Finished, HandshakeMessage, HandshakeType,
    HelloVerifyRequest, KeyExchangeKind, NamedGroup, ProtocolVersion, PskClientKeyExchange,
    PskServerKeyExchange, RenegotiationInfo, ServerEcdhParams, ServerHello, ServerHelloDone,
    ServerKeyExchange, SignatureAlgorithms, SignatureScheme, SupportedGroups, record_spans, split_handshake,
};

use crate::implementation::{EndpointSpec, Role};
use crate::rng::SimRng;

const DTLS_1_2: u16 = 0xFEFD;
const HEADER_LEN: usize = 13;

/// Randomness for the provider's key generation and signatures, from the simulator's seeded
/// streams (a hostile peer needs no secrecy, only reproducibility).
#[derive(Debug)]
pub struct PeerRng(pub SimRng);

impl SecureRandom for PeerRng {
    fn fill(&mut self, dest: &mut [u8]) {
        self.0.fill(dest);
    }
}

/// What the peer under test sent, as the hostile peer saw it, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A complete handshake message (first copy only), with its epoch.
    Handshake {
        /// The message type.
        msg_type: u8,
        /// Its message_seq.
        seq: u16,
        /// The record epoch it came in.
        epoch: u16,
    },
    /// A ChangeCipherSpec record.
    ChangeCipherSpec,
    /// An alert (decrypted if it was protected).
    Alert {
        /// Level byte.
        level: u8,
        /// Description byte.
        description: u8,
    },
    /// Application data (decrypted).
    AppData(Vec<u8>),
    /// A point in the script (not from the peer): lets checks ask what came before it.
    Marker(&'static str),
    /// A protected record the peer could not open.
    Unreadable,
}

#[derive(Debug, Default)]
struct Partial {
    msg_type: u8,
    length: usize,
    body: Vec<u8>,
    have: Vec<bool>,
    epoch: u16,
}

/// One hostile handshake: keys, transcript, sequence numbers, and what was received.
pub struct Session {
    provider: RustCrypto,
    /// Which side the hostile peer plays.
    pub role: Role,
    /// The suite it negotiates.
    pub params: &'static SuiteParams,
    spec: EndpointSpec,
    pub(crate) rng: PeerRng,
    /// ClientHello.random.
    pub client_random: [u8; 32],
    /// ServerHello.random.
    pub server_random: [u8; 32],
    /// The cookie (from the HelloVerifyRequest, or the one the hostile server hands out).
    pub cookie: Vec<u8>,
    /// Whether the extended master secret is used (both hellos carried the extension).
    pub ems: bool,
    client_offered_ems: bool,
    /// The next message_seq the hostile peer sends.
    pub send_seq: u16,
    /// Raw handshake messages (unfragmented form) in protocol order, for the Finished hashes.
    transcript: Vec<u8>,
    /// Per epoch, the next record sequence number to send.
    write_seq: BTreeMap<u16, u64>,
    /// The epoch records are sent in.
    pub write_epoch: u16,
    write_cipher: Option<Box<dyn RecordCipher>>,
    /// The write keys derived but not yet switched to (until our ChangeCipherSpec).
    pending_write: Option<Box<dyn RecordCipher>>,
    read_cipher: Option<Box<dyn RecordCipher>>,
    master: Option<[u8; 48]>,
    ecdhe: Option<Box<dyn KeyExchange>>,
    peer_public: Option<Vec<u8>>,
    /// The PSK identity the peer under test sent (hostile server).
    pub peer_identity: Option<Vec<u8>>,
    partial: BTreeMap<u16, Partial>,
    /// The next message_seq expected from the peer under test.
    pub recv_seq: u16,
    /// Everything the peer under test sent, in order (since the last restart).
    pub seen: Vec<Seen>,
    /// What was received before the last restart.
    pub earlier: Vec<Seen>,
    /// Whether the peer's Finished arrived and verified.
    pub peer_finished_ok: Option<bool>,
    /// Protected records that arrived before the read keys, retried once they exist.
    early: Vec<Vec<u8>>,
    /// Whether the transcript takes messages (off between the first ClientHello and the
    /// HelloVerifyRequest: RFC 6347 4.2.1 leaves both out).
    pub transcript_on: bool,
    /// The last handshake message sent, as encoded (header included), for re-sending.
    pub last_handshake: Vec<u8>,
    /// Scratch space for scripts.
    pub stash: Vec<Vec<u8>>,
    /// Application payloads sent that the peer may deliver, not yet told to the oracle.
    pub legit_unreported: Vec<Vec<u8>>,
    /// Application payloads sent that the peer must never deliver.
    pub forbidden: Vec<Vec<u8>>,
    /// The distinct ClientHello randoms the peer sent (any message_seq, retransmissions
    /// included): more than one means it started a new handshake.
    pub client_randoms: Vec<[u8; 32]>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Session({:?}, {:?})", self.role, self.params.suite)
    }
}

impl Session {
    /// A session playing `role` with the credentials of `spec` (the hostile peer uses the same
    /// PSK and certificate as honest endpoints, so its flights are valid until it deviates).
    pub fn new(role: Role, spec: &EndpointSpec, seed: u64) -> Result<Self, String> {
        let params = dtls::suite::lookup(CipherSuite(spec.suite.code))
            .ok_or_else(|| format!("the hostile peer cannot speak {}", spec.suite))?;
        let mut rng = PeerRng(SimRng::new(seed, "hostile"));
        let mut client_random = [0u8; 32];
        let mut server_random = [0u8; 32];
        rng.fill(&mut client_random);
        rng.fill(&mut server_random);
        Ok(Session {
            provider: RustCrypto,
            role,
            params,
            spec: spec.clone(),
            rng,
            client_random,
            server_random,
            cookie: Vec::new(),
            ems: false,
            client_offered_ems: false,
            send_seq: 0,
            transcript: Vec::new(),
            write_seq: BTreeMap::new(),
            write_epoch: 0,
            write_cipher: None,
            pending_write: None,
            read_cipher: None,
            master: None,
            ecdhe: None,
            peer_public: None,
            peer_identity: None,
            partial: BTreeMap::new(),
            recv_seq: 0,
            seen: Vec::new(),
            earlier: Vec::new(),
            peer_finished_ok: None,
            early: Vec::new(),
            transcript_on: true,
            last_handshake: Vec::new(),
            stash: Vec::new(),
            client_randoms: Vec::new(),
            legit_unreported: Vec::new(),
            forbidden: Vec::new(),
        })
    }

    /// The key exchange of the suite.
    pub fn kx(&self) -> KeyExchangeKind {
        self.params.key_exchange
    }

    // ---- records -------------------------------------------------------------------------

    fn next_seq(&mut self, epoch: u16) -> u64 {
        let s = self.write_seq.entry(epoch).or_insert(0);
        let v = *s;
        *s += 1;
        v
    }

    /// One record with the given header fields and a cleartext body, sequence taken from
    /// `epoch`'s counter (no protection, whatever the epoch).
    pub fn plain_record(&mut self, content_type: u8, epoch: u16, body: &[u8]) -> Vec<u8> {
        let seq = self.next_seq(epoch);
        raw_record(content_type, epoch, seq, body)
    }

    /// One record of `content_type` in the current write epoch, protected once keys are in
    /// place.
    pub fn record(&mut self, content_type: u8, body: &[u8]) -> Vec<u8> {
        let epoch = self.write_epoch;
        if epoch == 0 || self.write_cipher.is_none() {
            return self.plain_record(content_type, epoch, body);
        }
        let seq = self.next_seq(epoch);
        self.seal(content_type, epoch, seq, body)
    }

    /// A protected record with explicit header fields.
    pub fn seal(&mut self, content_type: u8, epoch: u16, seq: u64, body: &[u8]) -> Vec<u8> {
        let Some(cipher) = self.write_cipher.as_ref() else {
            return raw_record(content_type, epoch, seq, body);
        };
        let prefix = cipher.prefix_len();
        let full = (u64::from(epoch) << 48) | (seq & 0xFFFF_FFFF_FFFF);
        let mut buf = vec![0u8; prefix + body.len() + cipher.max_suffix_len()];
        match cipher.explicit_nonce() {
            ExplicitNonce::Sequence => {
                if let Some(n) = buf.get_mut(..8) {
                    n.copy_from_slice(&full.to_be_bytes());
                }
            }
            ExplicitNonce::RandomIv(n) => {
                let mut iv = vec![0u8; n];
                self.rng.fill(&mut iv);
                if let Some(slot) = buf.get_mut(..n) {
                    slot.copy_from_slice(&iv);
                }
            }
            ExplicitNonce::None => {}
        }
        if let Some(slot) = buf.get_mut(prefix..prefix + body.len()) {
            slot.copy_from_slice(body);
        }
        let aad = RecordAad {
            seq: full,
            content_type,
            version: DTLS_1_2,
        };
        let Some(cipher) = self.write_cipher.as_ref() else {
            return Vec::new();
        };
        match cipher.seal(&aad, &mut buf, body.len()) {
            Ok(n) => {
                buf.truncate(n);
                raw_record(content_type, epoch, seq, &buf)
            }
            Err(_) => Vec::new(),
        }
    }

    // ---- handshake messages --------------------------------------------------------------

    /// Encodes `msg` with the next message_seq, adds it to the transcript, and returns the
    /// record carrying it (current write epoch).
    pub fn handshake(&mut self, msg: &HandshakeMessage) -> Vec<u8> {
        let seq = self.send_seq;
        self.send_seq = self.send_seq.wrapping_add(1);
        let mut bytes = Vec::new();
        if msg.emit_unfragmented(seq, &mut bytes).is_err() {
            return Vec::new();
        }
        if self.transcript_on {
            self.transcript.extend_from_slice(&bytes);
        }
        self.last_handshake = bytes.clone();
        self.record(22, &bytes)
    }

    /// Takes the next message_seq for `msg`, adds it to the transcript as if sent whole, and
    /// returns (message_seq, body): for scripts that fragment it themselves.
    pub fn prepare(&mut self, msg: &HandshakeMessage) -> (u16, Vec<u8>) {
        let seq = self.send_seq;
        self.send_seq = self.send_seq.wrapping_add(1);
        let mut whole = Vec::new();
        let _ = msg.emit_unfragmented(seq, &mut whole);
        if self.transcript_on {
            self.transcript.extend_from_slice(&whole);
        }
        (seq, whole.get(12..).unwrap_or_default().to_vec())
    }

    /// `msg` with message_seq `seq`, in the current write epoch, without taking a sequence
    /// number or touching the transcript (a message the honest handshake does not contain).
    pub fn untracked(&mut self, msg: &HandshakeMessage, seq: u16) -> Vec<u8> {
        let mut bytes = Vec::new();
        let _ = msg.emit_unfragmented(seq, &mut bytes);
        self.record(22, &bytes)
    }

    /// The last handshake message again in a new record (a retransmission).
    pub fn resend_last(&mut self) -> Vec<u8> {
        let b = self.last_handshake.clone();
        self.record(22, &b)
    }

    /// Forgets the handshake so far (what was received, the cookie, sequence numbers,
    /// transcript), as a client that starts over; what was received is kept in `earlier`.
    pub fn restart(&mut self) {
        self.earlier.append(&mut self.seen);
        self.cookie.clear();
        self.send_seq = 0;
        self.recv_seq = 0;
        self.partial.clear();
        self.transcript.clear();
        self.transcript_on = true;
    }

    /// Records a marker in [`Session::seen`].
    pub fn mark(&mut self, marker: &'static str) {
        self.seen.push(Seen::Marker(marker));
    }

    /// Whether a message of type `t` arrived before `marker` was recorded.
    pub fn got_before(&self, t: HandshakeType, marker: &'static str) -> bool {
        for s in self.earlier.iter().chain(&self.seen) {
            match s {
                Seen::Marker(m) if *m == marker => return false,
                Seen::Handshake { msg_type, .. } if *msg_type == t.0 => return true,
                _ => {}
            }
        }
        false
    }

    /// A handshake message with raw body bytes, as [`Session::handshake`] does it.
    pub fn handshake_raw(&mut self, msg_type: HandshakeType, body: &[u8]) -> Vec<u8> {
        self.handshake(&HandshakeMessage::Other {
            msg_type,
            body: body.to_vec(),
        })
    }

    /// A handshake message whose header says what the script wants (fragments, lies about
    /// lengths), in a cleartext epoch-0 record; nothing goes into the transcript.
    pub fn fragment(&mut self, msg_type: u8, length: u32, seq: u16, offset: u32, body: &[u8]) -> Vec<u8> {
        let mut b = Vec::with_capacity(12 + body.len());
        b.push(msg_type);
        b.extend_from_slice(&length.to_be_bytes()[1..]);
        b.extend_from_slice(&seq.to_be_bytes());
        b.extend_from_slice(&offset.to_be_bytes()[1..]);
        b.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        b.extend_from_slice(body);
        self.plain_record(22, 0, &b)
    }

    fn extensions(&self, server: bool) -> Extensions {
        let mut e = Extensions::new();
        if !server || self.client_offered_ems {
            e.push(Extension::empty(ExtensionType::EXTENDED_MASTER_SECRET));
        }
        if let Ok(x) = Extension::from_body(&RenegotiationInfo::default()) {
            e.push(x);
        }
        if self.kx() == KeyExchangeKind::Ecdhe && !server {
            for x in [
                Extension::from_body(&SupportedGroups {
                    groups: vec![NamedGroup::SECP256R1],
                }),
                Extension::from_body(&EcPointFormats {
                    formats: vec![ECPointFormat::UNCOMPRESSED],
                }),
                Extension::from_body(&SignatureAlgorithms {
                    schemes: vec![SignatureScheme::ECDSA_SECP256R1_SHA256],
                }),
            ]
            .into_iter()
            .flatten()
            {
                e.push(x);
            }
        }
        e
    }

    /// The ClientHello this peer would send (with the current cookie).
    pub fn client_hello_msg(&self) -> ClientHello {
        ClientHello {
            client_version: ProtocolVersion::DTLS1_2,
            random: self.client_random,
            session_id: Vec::new(),
            cookie: self.cookie.clone(),
            cipher_suites: vec![self.params.suite],
            compression_methods: vec![CompressionMethod::NULL],
            extensions: Some(self.extensions(false)),
        }
    }

    /// The ServerHello this peer would send.
    pub fn server_hello_msg(&self) -> ServerHello {
        ServerHello {
            server_version: ProtocolVersion::DTLS1_2,
            random: self.server_random,
            session_id: Vec::new(),
            cipher_suite: self.params.suite,
            compression_method: CompressionMethod::NULL,
            extensions: Some(self.extensions(true)),
        }
    }

    /// Sends a ClientHello (cookie as currently known). Without a cookie, and unless the
    /// server then skips HelloVerifyRequest, it stays out of the transcript; the world
    /// restarts the transcript when a HelloVerifyRequest arrives.
    pub fn client_hello(&mut self) -> Vec<u8> {
        let m = HandshakeMessage::ClientHello(self.client_hello_msg());
        self.handshake(&m)
    }

    /// HelloVerifyRequest with a fresh cookie (hostile server); kept out of the transcript.
    pub fn hello_verify_request(&mut self) -> Vec<u8> {
        let mut cookie = vec![0u8; 16];
        self.rng.fill(&mut cookie);
        self.cookie = cookie.clone();
        let m = HandshakeMessage::HelloVerifyRequest(HelloVerifyRequest {
            server_version: ProtocolVersion::DTLS1_0,
            cookie,
        });
        let on = self.transcript_on;
        self.transcript_on = false;
        let r = self.handshake(&m);
        self.transcript_on = on;
        // RFC 6347 4.2.1: the transcript starts again with the second ClientHello.
        self.transcript.clear();
        r
    }

    /// ServerHello.
    pub fn server_hello(&mut self) -> Vec<u8> {
        let m = HandshakeMessage::ServerHello(self.server_hello_msg());
        self.ems = self.client_offered_ems;
        self.handshake(&m)
    }

    /// The server's Certificate (the simulator's server certificate).
    pub fn certificate(&mut self) -> Vec<u8> {
        let chain = self
            .spec
            .credentials
            .as_ref()
            .map(|c| c.chain_der.clone())
            .unwrap_or_else(|| self.spec.trust_der.clone());
        let m = HandshakeMessage::Certificate(Certificate {
            certificate_list: chain,
        });
        self.handshake(&m)
    }

    /// A Certificate message carrying `chain` (e.g. empty, or an unsolicited client one).
    pub fn certificate_with(&mut self, chain: Vec<Vec<u8>>) -> Vec<u8> {
        let m = HandshakeMessage::Certificate(Certificate {
            certificate_list: chain,
        });
        self.handshake(&m)
    }

    /// The server's ServerKeyExchange: a PSK hint, or signed ECDHE parameters.
    pub fn server_key_exchange(&mut self) -> Vec<u8> {
        let m = match self.kx() {
            KeyExchangeKind::Ecdhe => {
                let Ok(kx) = self.provider.key_exchange(Group::P256, &mut self.rng) else {
                    return Vec::new();
                };
                let params = ServerEcdhParams {
                    named_group: NamedGroup::SECP256R1,
                    public: kx.public_key().to_vec(),
                };
                self.ecdhe = Some(kx);
                let mut ske = EcdheServerKeyExchange {
                    params,
                    signed: DigitallySigned {
                        algorithm: SignatureScheme::ECDSA_SECP256R1_SHA256,
                        signature: Vec::new(),
                    },
                };
                let Ok(msg) = ske.signed_message(&self.client_random, &self.server_random) else {
                    return Vec::new();
                };
                let key_der = self
                    .spec
                    .credentials
                    .as_ref()
                    .map(|c| c.key_pkcs8_der.clone())
                    .unwrap_or_else(|| crate::implementation::SERVER_KEY_DER.to_vec());
                let Ok(key) = self.provider.signing_key(Scheme::EcdsaP256Sha256, &key_der) else {
                    return Vec::new();
                };
                let mut sig = [0u8; MAX_SIGNATURE_LEN];
                let Ok(n) = key.sign(&msg, &mut self.rng, &mut sig) else {
                    return Vec::new();
                };
                ske.signed.signature = sig.get(..n).unwrap_or_default().to_vec();
                HandshakeMessage::ServerKeyExchange(ServerKeyExchange::Ecdhe(ske))
            }
            _ => HandshakeMessage::ServerKeyExchange(ServerKeyExchange::Psk(PskServerKeyExchange::default())),
        };
        self.handshake(&m)
    }

    /// ServerHelloDone.
    pub fn server_hello_done(&mut self) -> Vec<u8> {
        self.handshake(&HandshakeMessage::ServerHelloDone(ServerHelloDone))
    }

    /// ClientKeyExchange with this peer's PSK identity (or `identity` instead), or a fresh
    /// ECDHE point; derives the keys (unless the identity is a lie: then with a wrong key).
    pub fn client_key_exchange(&mut self, identity: Option<&[u8]>) -> Vec<u8> {
        let m = match self.kx() {
            KeyExchangeKind::Ecdhe => {
                let Ok(kx) = self.provider.key_exchange(Group::P256, &mut self.rng) else {
                    return Vec::new();
                };
                let public = kx.public_key().to_vec();
                self.ecdhe = Some(kx);
                HandshakeMessage::ClientKeyExchange(ClientKeyExchange::Ecdhe(EcdhClientKeyExchange {
                    public,
                }))
            }
            _ => {
                let id = identity
                    .map(<[u8]>::to_vec)
                    .or_else(|| self.spec.psk.as_ref().map(|p| p.identity.clone()))
                    .unwrap_or_default();
                HandshakeMessage::ClientKeyExchange(ClientKeyExchange::Psk(PskClientKeyExchange {
                    identity: id,
                }))
            }
        };
        let r = self.handshake(&m);
        let wrong_key = identity.is_some();
        self.derive_keys(wrong_key);
        r
    }

    fn premaster(&self, wrong_key: bool) -> Option<Vec<u8>> {
        match self.kx() {
            KeyExchangeKind::Ecdhe => {
                let mut out = [0u8; 66];
                let n = self
                    .ecdhe
                    .as_ref()?
                    .agree(self.peer_public.as_ref()?, &mut out)
                    .ok()?;
                out.get(..n).map(<[u8]>::to_vec)
            }
            _ => {
                let key = if wrong_key {
                    vec![0xEE; 16]
                } else {
                    self.spec.psk.as_ref()?.key.clone()
                };
                prf::psk_premaster_secret(&key).ok().map(|z| z.to_vec())
            }
        }
    }

    fn transcript_hash(&self) -> Vec<u8> {
        let Ok(mut h) = self.provider.hash(self.params.prf_hash) else {
            return Vec::new();
        };
        h.update(&self.transcript);
        let mut out = [0u8; MAX_HASH_LEN];
        let n = h.peek(&mut out);
        out.get(..n).unwrap_or_default().to_vec()
    }

    /// Derives the master secret and the record keys from the transcript so far (call right
    /// after ClientKeyExchange is in the transcript: RFC 7627 4 hashes up to it).
    pub fn derive_keys(&mut self, wrong_key: bool) {
        let Some(pms) = self.premaster(wrong_key) else {
            return;
        };
        let alg = self.params.prf_hash;
        let ms = if self.ems {
            prf::extended_master_secret(&self.provider, alg, &pms, &self.transcript_hash())
        } else {
            prf::master_secret(
                &self.provider,
                alg,
                &pms,
                &self.client_random,
                &self.server_random,
            )
        };
        let Ok(ms) = ms else { return };
        let mut block = vec![0u8; self.params.key_block_len()];
        if prf::key_block(
            &self.provider,
            alg,
            &ms,
            &self.client_random,
            &self.server_random,
            &mut block,
        )
        .is_err()
        {
            return;
        }
        let p = self.params;
        let (cm, rest) = block.split_at(p.mac_key_len);
        let (sm, rest) = rest.split_at(p.mac_key_len);
        let (ck, rest) = rest.split_at(p.enc_key_len);
        let (sk, rest) = rest.split_at(p.enc_key_len);
        let (civ, siv) = rest.split_at(p.fixed_iv_len);
        let client = self.provider.record_cipher(p.bulk, ck, cm, civ).ok();
        let server = self.provider.record_cipher(p.bulk, sk, sm, siv).ok();
        let (w, r) = match self.role {
            Role::Client => (client, server),
            Role::Server => (server, client),
        };
        self.pending_write = w;
        self.read_cipher = r;
        self.master = Some(*ms);
        for rec in std::mem::take(&mut self.early) {
            self.receive(&rec);
        }
    }

    /// ChangeCipherSpec, then every later record goes out in the next epoch.
    pub fn change_cipher_spec(&mut self) -> Vec<u8> {
        let epoch = self.write_epoch;
        let r = self.plain_record(20, epoch, &[1]);
        if let Some(c) = self.pending_write.take() {
            self.write_cipher = Some(c);
        }
        self.write_epoch = self.write_epoch.wrapping_add(1);
        r
    }

    /// This side's correct verify_data for the transcript so far.
    pub fn verify_data(&self, role: Role) -> Vec<u8> {
        let Some(ms) = self.master.as_ref() else {
            return vec![0; 12];
        };
        let label = match role {
            Role::Client => FinishedLabel::Client,
            Role::Server => FinishedLabel::Server,
        };
        prf::verify_data(
            &self.provider,
            self.params.prf_hash,
            ms,
            label,
            &self.transcript_hash(),
        )
        .map(|v| v.to_vec())
        .unwrap_or_else(|_| vec![0; 12])
    }

    /// Finished with the correct verify_data (or `data` instead).
    pub fn finished(&mut self, data: Option<Vec<u8>>) -> Vec<u8> {
        let verify_data = data.unwrap_or_else(|| self.verify_data(self.role));
        self.handshake(&HandshakeMessage::Finished(Finished { verify_data }))
    }

    /// An alert in the current write epoch.
    pub fn alert(&mut self, level: AlertLevel, description: AlertDescription) -> Vec<u8> {
        let a = Alert { level, description };
        self.record(21, &a.to_array())
    }

    /// Application data in the current write epoch (the script decides whether it is
    /// legitimate: see [`Session::forbid`]).
    pub fn app_data(&mut self, payload: &[u8]) -> Vec<u8> {
        self.record(23, payload)
    }

    /// Application data the peer must never deliver.
    pub fn forbidden_data(&mut self, payload: &[u8]) -> Vec<u8> {
        self.forbidden.push(payload.to_vec());
        self.record(23, payload)
    }

    // ---- receiving -----------------------------------------------------------------------

    /// Takes a datagram from the peer under test.
    pub fn receive(&mut self, datagram: &[u8]) {
        for span in record_spans(datagram) {
            let Ok(span) = span else { break };
            let h = span.header;
            let Some(rec) = datagram.get(span.record_range()) else {
                break;
            };
            let Some(frag) = datagram.get(span.fragment_range.clone()) else {
                break;
            };
            let plain: Vec<u8> = if h.epoch == 0 {
                frag.to_vec()
            } else {
                let Some(cipher) = self.read_cipher.as_ref() else {
                    self.early.push(rec.to_vec());
                    continue;
                };
                let aad = RecordAad {
                    seq: (u64::from(h.epoch) << 48) | h.sequence_number,
                    content_type: h.content_type.0,
                    version: h.version.0,
                };
                let mut buf = frag.to_vec();
                match cipher.open(&aad, &mut buf) {
                    Ok(range) => buf.get(range).unwrap_or_default().to_vec(),
                    Err(_) => {
                        self.seen.push(Seen::Unreadable);
                        continue;
                    }
                }
            };
            match h.content_type {
                ContentType::HANDSHAKE => self.handshake_record(h.epoch, &plain),
                ContentType::CHANGE_CIPHER_SPEC => self.seen.push(Seen::ChangeCipherSpec),
                ContentType::ALERT => {
                    if let Ok(a) = Alert::parse(&plain) {
                        self.seen.push(Seen::Alert {
                            level: a.level.0,
                            description: a.description.0,
                        });
                    }
                }
                ContentType::APPLICATION_DATA => self.seen.push(Seen::AppData(plain)),
                _ => {}
            }
        }
    }

    fn handshake_record(&mut self, epoch: u16, body: &[u8]) {
        for f in split_handshake(body) {
            let Ok(f) = f else { break };
            let hd = f.header;
            if hd.msg_type == HandshakeType::CLIENT_HELLO
                && hd.fragment_offset == 0
                && let Some(r) = f.body.get(2..34).and_then(|r| <[u8; 32]>::try_from(r).ok())
                && !self.client_randoms.contains(&r)
            {
                self.client_randoms.push(r);
            }
            if hd.message_seq < self.recv_seq || !hd.is_consistent() {
                continue;
            }
            let len = hd.length as usize;
            if len > 64 * 1024 {
                continue;
            }
            let p = self.partial.entry(hd.message_seq).or_insert_with(|| Partial {
                msg_type: hd.msg_type.0,
                length: len,
                body: vec![0; len],
                have: vec![false; len],
                epoch,
            });
            if p.length != len || p.msg_type != hd.msg_type.0 {
                continue;
            }
            let off = hd.fragment_offset as usize;
            if let Some(dst) = p.body.get_mut(off..off + f.body.len()) {
                dst.copy_from_slice(f.body);
            }
            if let Some(h) = p.have.get_mut(off..off + f.body.len()) {
                h.iter_mut().for_each(|b| *b = true);
            }
        }
        while let Some(p) = self.partial.get(&self.recv_seq) {
            if !p.have.iter().all(|b| *b) {
                break;
            }
            let Some(p) = self.partial.remove(&self.recv_seq) else {
                break;
            };
            let seq = self.recv_seq;
            self.recv_seq = self.recv_seq.wrapping_add(1);
            self.message(seq, p);
        }
    }

    fn message(&mut self, seq: u16, p: Partial) {
        let t = HandshakeType(p.msg_type);
        self.seen.push(Seen::Handshake {
            msg_type: p.msg_type,
            seq,
            epoch: p.epoch,
        });
        let mut raw = Vec::with_capacity(12 + p.body.len());
        raw.push(p.msg_type);
        raw.extend_from_slice(&(p.length as u32).to_be_bytes()[1..]);
        raw.extend_from_slice(&seq.to_be_bytes());
        raw.extend_from_slice(&[0, 0, 0]);
        raw.extend_from_slice(&(p.length as u32).to_be_bytes()[1..]);
        raw.extend_from_slice(&p.body);
        // The peer's Finished is checked against the transcript before it is added.
        if t == HandshakeType::FINISHED {
            let peer = match self.role {
                Role::Client => Role::Server,
                Role::Server => Role::Client,
            };
            let ok = self.verify_data(peer) == p.body;
            self.peer_finished_ok = Some(ok);
        }
        let parsed = HandshakeMessage::parse(t, &p.body, Some(self.kx())).ok();
        match parsed {
            Some(HandshakeMessage::HelloVerifyRequest(hvr)) => {
                self.cookie = hvr.cookie;
                // Neither the first ClientHello nor the HelloVerifyRequest is hashed.
                self.transcript.clear();
                return;
            }
            Some(HandshakeMessage::ServerHello(sh)) => {
                self.server_random = sh.random;
                self.ems = sh
                    .extension_list()
                    .iter()
                    .any(|e| e.typ == ExtensionType::EXTENDED_MASTER_SECRET);
            }
            Some(HandshakeMessage::ClientHello(ch)) => {
                self.client_random = ch.random;
                self.client_offered_ems = ch
                    .extension_list()
                    .iter()
                    .any(|e| e.typ == ExtensionType::EXTENDED_MASTER_SECRET);
                if ch.cookie.is_empty() && self.role == Role::Server {
                    // Until the hostile server answers, assume this hello may be the one
                    // hashed; a HelloVerifyRequest clears the transcript.
                    self.transcript.clear();
                }
            }
            Some(HandshakeMessage::ServerKeyExchange(ServerKeyExchange::Ecdhe(ske))) => {
                self.peer_public = Some(ske.params.public);
            }
            Some(HandshakeMessage::ClientKeyExchange(cke)) => {
                match cke {
                    ClientKeyExchange::Ecdhe(e) => self.peer_public = Some(e.public),
                    ClientKeyExchange::Psk(p) => self.peer_identity = Some(p.identity),
                    _ => {}
                }
                self.transcript.extend_from_slice(&raw);
                self.derive_keys(false);
                return;
            }
            _ => {}
        }
        if self.transcript_on {
            self.transcript.extend_from_slice(&raw);
        }
    }

    /// Whether a complete message of type `t` has arrived.
    pub fn got(&self, t: HandshakeType) -> bool {
        self.seen
            .iter()
            .any(|s| matches!(s, Seen::Handshake { msg_type, .. } if *msg_type == t.0))
    }

    /// How many messages of type `t` have arrived (first copies).
    pub fn count(&self, t: HandshakeType) -> usize {
        self.seen
            .iter()
            .filter(|s| matches!(s, Seen::Handshake { msg_type, .. } if *msg_type == t.0))
            .count()
    }

    /// The fatal alerts received, by description (restarts included).
    pub fn fatal_alerts(&self) -> Vec<u8> {
        self.earlier
            .iter()
            .chain(&self.seen)
            .filter_map(|s| match s {
                Seen::Alert {
                    level: 2,
                    description,
                } => Some(*description),
                _ => None,
            })
            .collect()
    }

    /// Application data received.
    pub fn app_received(&self) -> Vec<&[u8]> {
        self.seen
            .iter()
            .filter_map(|s| match s {
                Seen::AppData(d) => Some(d.as_slice()),
                _ => None,
            })
            .collect()
    }

    /// Whether keys have been derived.
    pub fn has_keys(&self) -> bool {
        self.master.is_some()
    }
}

/// A DTLS 1.2 record with the given header fields around `body`.
pub fn raw_record(content_type: u8, epoch: u16, seq: u64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.push(content_type);
    out.extend_from_slice(&DTLS_1_2.to_be_bytes());
    out.extend_from_slice(&epoch.to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes()[2..]);
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
    out
}
