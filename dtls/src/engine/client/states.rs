//! The client handshake (RFC 6347 4.2, RFC 5246 7.3) as a chain of typed states.
//!
//! Each state holds exactly what has been negotiated and checked so far and consumes one
//! message to produce the next state:
//!
//! ```text
//! ExpectServerHello ──HelloVerifyRequest (bounded)──▶ ExpectServerHello
//!       │ ServerHello
//!       ├─ ECDHE ─▶ ExpectCertificate ─▶ ExpectServerKeyExchange ─┐ (signature verified,
//!       └─ PSK ──────────────────────▶ ExpectServerKeyExchange ─┤  chain trusted)
//!                                                                ▼
//!                          ExpectServerHelloDone (CertificateRequest at most once)
//!                                     │ ServerHelloDone: our flight
//!                                     ▼
//!                          ExpectChangeCipherSpec ─▶ ExpectFinished ─▶ Connected
//! ```
//!
//! The connected state can only be built from a [`FinishedVerified`] (made by the Finished
//! check) and a [`ServerAuth`], whose certificate variant needs a [`ServerKeyVerified`] that
//! only the ServerKeyExchange check makes: skipping a check does not compile. A message a
//! state does not accept is one typed error, [`Error::UnexpectedMessage`], built in
//! [`unexpected`].

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::codec::Codec;
use crate::config::ClientConfig;
use crate::crypto::prf::psk_premaster_secret;
use crate::crypto::{self, RecordCipher, SecureRandom};
use crate::engine::connection::{Core, Message, Role};
use crate::engine::keys::{FinishedVerified, Secrets, ecdhe_premaster};
use crate::engine::{Event, PeerIdentity};
use crate::error::Error;
use crate::suite::{self, SuiteParams};
use crate::time::Instant;
use crate::wire::{
    AlertDescription as AD, Certificate, CertificateRequest, CipherSuite, ClientHello, ClientKeyExchange,
    CompressionMethod, ECPointFormat, EcPointFormats, EcdhClientKeyExchange, EcdheServerKeyExchange,
    ExtendedMasterSecret, ExtensionType, Extensions, HandshakeType as HT, HelloVerifyRequest,
    KeyExchangeKind, NamedGroup, ProtocolVersion, PskClientKeyExchange, PskServerKeyExchange,
    RenegotiationInfo, ServerHello, ServerNameList, SignatureAlgorithms, SignatureScheme, SupportedGroups,
};

/// The one place a wrong message becomes an error (alert: unexpected_message).
fn unexpected(state: &'static str, expected: &'static [HT], received: HT) -> Error {
    Error::UnexpectedMessage {
        state,
        expected,
        received,
    }
}

/// What the ServerHello settled.
#[derive(Debug)]
struct Negotiated {
    params: &'static SuiteParams,
    client_random: [u8; 32],
    server_random: [u8; 32],
    extended_master_secret: bool,
    /// The server sent renegotiation_info (RFC 5746 3.4: secure_renegotiation is TRUE).
    secure_renegotiation: bool,
}

mod auth {
    //! The server authentication check and the proof it makes.

    use alloc::vec::Vec;

    use super::Negotiated;
    use crate::config::ClientConfig;
    use crate::crypto;
    use crate::engine::connection::Core;
    use crate::error::Error;
    use crate::wire::{AlertDescription as AD, EcdheServerKeyExchange, NamedGroup, SignatureScheme};

    /// Proof that the server's ServerKeyExchange was signed by the key of the leaf it sent
    /// and that the verifier trusts the chain. Only [`verify_server_key_exchange`] makes one.
    #[derive(Debug)]
    pub(super) struct ServerKeyVerified {
        _private: (),
    }

    /// Checks an ECDHE ServerKeyExchange (RFC 8422 5.4): our group and scheme, the
    /// signature over the randoms and the parameters by the leaf's key, then the chain.
    pub(super) fn verify_server_key_exchange(
        core: &Core,
        config: &ClientConfig,
        hs: &Negotiated,
        chain: &[Vec<u8>],
        ske: &EcdheServerKeyExchange,
    ) -> Result<ServerKeyVerified, Error> {
        if ske.params.named_group != NamedGroup::SECP256R1 {
            return Err(Error::protocol(
                AD::ILLEGAL_PARAMETER,
                "server chose a group we did not offer",
            ));
        }
        if ske.signed.algorithm != SignatureScheme::ECDSA_SECP256R1_SHA256 {
            return Err(Error::protocol(
                AD::ILLEGAL_PARAMETER,
                "server used a signature scheme we did not offer",
            ));
        }
        let leaf = chain
            .first()
            .ok_or(Error::protocol(AD::BAD_CERTIFICATE, "server sent no certificate"))?;
        let spki = crate::pki::leaf_public_key(leaf)?;
        let message = ske.signed_message(&hs.client_random, &hs.server_random)?;
        core.provider()
            .verify(
                crypto::SignatureScheme::EcdsaP256Sha256,
                &spki,
                &message,
                &ske.signed.signature,
            )
            .map_err(|_| Error::protocol(AD::DECRYPT_ERROR, "ServerKeyExchange signature does not verify"))?;
        let verifier = config.verifier.as_ref().ok_or(Error::CertificateRejected)?;
        verifier.verify_server(chain, config.server_name.as_deref())?;
        Ok(ServerKeyVerified { _private: () })
    }
}

use auth::ServerKeyVerified;

/// How the server authenticated (or will, at Finished).
#[derive(Debug)]
enum ServerAuth {
    /// PSK: knowledge of the key is proven by the Finished.
    Psk,
    /// A certificate chain whose key signed the ServerKeyExchange.
    Certificate {
        chain: Vec<Vec<u8>>,
        _verified: ServerKeyVerified,
    },
}

/// The server's key exchange parameters, as ServerHelloDone finds them.
#[derive(Debug)]
enum ServerKey {
    Psk,
    Ecdhe {
        public: Vec<u8>,
        chain: Vec<Vec<u8>>,
        verified: ServerKeyVerified,
    },
}

#[derive(Debug)]
struct ExpectServerHello {
    client_random: [u8; 32],
    /// HelloVerifyRequests answered so far.
    hello_verify_requests: u8,
}

#[derive(Debug)]
struct ExpectCertificate {
    hs: Negotiated,
}

#[derive(Debug)]
struct ExpectServerKeyExchange {
    hs: Negotiated,
    /// The server's chain (certificate suites).
    chain: Option<Vec<Vec<u8>>>,
}

#[derive(Debug)]
struct ExpectServerHelloDone {
    hs: Negotiated,
    server: ServerKey,
    /// The server sent CertificateRequest (RFC 5246 7.4.4).
    certificate_requested: bool,
}

#[derive(Debug)]
struct ExpectChangeCipherSpec {
    hs: Negotiated,
    secrets: Secrets,
    server: ServerAuth,
    /// The server's write keys of the new epoch, installed on its ChangeCipherSpec.
    read: Box<dyn RecordCipher>,
}

#[derive(Debug)]
struct ExpectFinished {
    hs: Negotiated,
    secrets: Secrets,
    server: ServerAuth,
}

#[derive(Debug)]
struct Connected {
    client_random: [u8; 32],
    secure_renegotiation: bool,
    secrets: Secrets,
    _finished: FinishedVerified,
}

#[derive(Debug)]
enum State {
    ExpectServerHello(ExpectServerHello),
    ExpectCertificate(ExpectCertificate),
    ExpectServerKeyExchange(ExpectServerKeyExchange),
    ExpectServerHelloDone(ExpectServerHelloDone),
    ExpectChangeCipherSpec(ExpectChangeCipherSpec),
    ExpectFinished(ExpectFinished),
    Connected(Connected),
    /// After a failure (the connection is closed) or mid-transition.
    Failed,
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::ExpectServerHello(_) => "ExpectServerHello",
            State::ExpectCertificate(_) => "ExpectCertificate",
            State::ExpectServerKeyExchange(_) => "ExpectServerKeyExchange",
            State::ExpectServerHelloDone(_) => "ExpectServerHelloDone",
            State::ExpectChangeCipherSpec(_) => "ExpectChangeCipherSpec",
            State::ExpectFinished(_) => "ExpectFinished",
            State::Connected(_) => "Connected",
            State::Failed => "Failed",
        }
    }

    /// Whether the negotiated suite is a PSK suite (it changes what may come next).
    fn psk(&self) -> bool {
        let params = match self {
            State::ExpectServerKeyExchange(s) => s.hs.params,
            State::ExpectServerHelloDone(s) => s.hs.params,
            _ => return false,
        };
        params.key_exchange == KeyExchangeKind::Psk
    }

    /// The handshake messages the state accepts.
    fn expected(&self) -> &'static [HT] {
        let psk = self.psk();
        match self {
            State::ExpectServerHello(_) => &[HT::HELLO_VERIFY_REQUEST, HT::SERVER_HELLO],
            State::ExpectCertificate(_) => &[HT::CERTIFICATE],
            State::ExpectServerKeyExchange(_) if psk => &[HT::SERVER_KEY_EXCHANGE, HT::SERVER_HELLO_DONE],
            State::ExpectServerKeyExchange(_) => &[HT::SERVER_KEY_EXCHANGE],
            State::ExpectServerHelloDone(_) if psk => &[HT::SERVER_HELLO_DONE],
            State::ExpectServerHelloDone(_) => &[HT::CERTIFICATE_REQUEST, HT::SERVER_HELLO_DONE],
            State::ExpectChangeCipherSpec(_) => &[],
            State::ExpectFinished(_) => &[HT::FINISHED],
            State::Connected(_) | State::Failed => &[],
        }
    }
}

/// The client side of the handshake: configuration and the current state.
#[derive(Debug)]
pub(super) struct ClientHandshake {
    config: Arc<ClientConfig>,
    state: State,
}

impl ClientHandshake {
    /// Sends the first ClientHello.
    pub(super) fn start(
        config: Arc<ClientConfig>,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
    ) -> Result<Self, Error> {
        let mut client_random = [0u8; 32];
        rng.fill(&mut client_random);
        let hello = client_hello(&config, &client_random, &[])?;
        core.queue_handshake(HT::CLIENT_HELLO, hello);
        core.send_flight(now, rng, true)?;
        Ok(ClientHandshake {
            config,
            state: State::ExpectServerHello(ExpectServerHello {
                client_random,
                hello_verify_requests: 0,
            }),
        })
    }

    pub(super) fn keylog(&self) -> Option<([u8; 32], [u8; 48])> {
        let (random, secrets) = match &self.state {
            State::ExpectChangeCipherSpec(s) => (s.hs.client_random, &s.secrets),
            State::ExpectFinished(s) => (s.hs.client_random, &s.secrets),
            State::Connected(s) => (s.client_random, &s.secrets),
            _ => return None,
        };
        Some((random, *secrets.master_secret()))
    }

    fn step(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        m: Message,
    ) -> Result<State, Error> {
        let config = &self.config;
        let state = core::mem::replace(&mut self.state, State::Failed);
        let psk = state.psk();
        let wrong = |s: &State| unexpected(s.name(), s.expected(), m.msg_type);
        Ok(match (state, m.msg_type) {
            (State::ExpectServerHello(s), HT::HELLO_VERIFY_REQUEST) => {
                s.on_hello_verify_request(config, core, now, rng, &m.body)?
            }
            (State::ExpectServerHello(s), HT::SERVER_HELLO) => s.on_server_hello(config, core, now, &m)?,
            (State::ExpectCertificate(s), HT::CERTIFICATE) => s.on_certificate(core, &m)?,
            (State::ExpectServerKeyExchange(s), HT::SERVER_KEY_EXCHANGE) => {
                s.on_server_key_exchange(config, core, &m)?
            }
            (State::ExpectServerKeyExchange(s), HT::SERVER_HELLO_DONE) if psk => {
                // RFC 4279 2: a PSK server without a hint omits ServerKeyExchange.
                let done = ExpectServerHelloDone {
                    hs: s.hs,
                    server: ServerKey::Psk,
                    certificate_requested: false,
                };
                done.on_server_hello_done(config, core, now, rng, &m)?
            }
            (State::ExpectServerHelloDone(s), HT::CERTIFICATE_REQUEST)
                if !s.certificate_requested && matches!(s.server, ServerKey::Ecdhe { .. }) =>
            {
                s.on_certificate_request(core, &m)?
            }
            (State::ExpectServerHelloDone(s), HT::SERVER_HELLO_DONE) => {
                s.on_server_hello_done(config, core, now, rng, &m)?
            }
            (State::ExpectFinished(s), HT::FINISHED) => s.on_finished(config, core, now, &m)?,
            (state, _) => return Err(wrong(&state)),
        })
    }
}

impl ExpectServerHello {
    /// RFC 6347 4.2.1: answer with the same ClientHello plus the cookie. A repeated
    /// HelloVerifyRequest before any ServerHello (a restarted server, an expired cookie) is
    /// answered too, up to `Limits::max_hello_verify_requests`.
    fn on_hello_verify_request(
        mut self,
        config: &ClientConfig,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        body: &[u8],
    ) -> Result<State, Error> {
        if self.hello_verify_requests >= core.limits().max_hello_verify_requests {
            return Err(Error::protocol(
                AD::UNEXPECTED_MESSAGE,
                "too many HelloVerifyRequests",
            ));
        }
        let hvr = HelloVerifyRequest::parse(body)?;
        self.hello_verify_requests += 1;
        core.flight_acknowledged(now);
        // The ClientHello before a HelloVerifyRequest and the HelloVerifyRequest itself are
        // not part of the transcript (RFC 6347 4.2.1).
        core.reset_transcript();
        let hello = client_hello(config, &self.client_random, &hvr.cookie)?;
        core.queue_handshake(HT::CLIENT_HELLO, hello);
        core.send_flight(now, rng, true)?;
        Ok(State::ExpectServerHello(self))
    }

    fn on_server_hello(
        self,
        config: &ClientConfig,
        core: &mut Core,
        now: Instant,
        m: &Message,
    ) -> Result<State, Error> {
        core.flight_acknowledged(now);
        core.add_to_transcript(m.msg_type, m.message_seq, &m.body);
        let sh = ServerHello::parse(&m.body)?;
        if sh.server_version != ProtocolVersion::DTLS1_2 {
            return Err(Error::protocol(
                AD::PROTOCOL_VERSION,
                "server chose a version other than DTLS 1.2",
            ));
        }
        if !config.offered_suites().contains(&sh.cipher_suite) {
            return Err(Error::protocol(
                AD::ILLEGAL_PARAMETER,
                "server chose a suite we did not offer",
            ));
        }
        let params = suite::lookup(sh.cipher_suite)
            .ok_or(Error::protocol(AD::ILLEGAL_PARAMETER, "unsupported suite"))?;
        if sh.compression_method != CompressionMethod::NULL {
            return Err(Error::protocol(AD::ILLEGAL_PARAMETER, "server chose compression"));
        }
        let ext = sh.extensions.unwrap_or_default();
        ext.check_unique()?;
        let mut ems = false;
        let mut secure_renegotiation = false;
        for e in ext.iter() {
            match e.typ {
                ExtensionType::EXTENDED_MASTER_SECRET => ems = true,
                ExtensionType::RENEGOTIATION_INFO => {
                    let ri: RenegotiationInfo = e.body()?;
                    if !ri.renegotiated_connection.is_empty() {
                        return Err(Error::protocol(
                            AD::HANDSHAKE_FAILURE,
                            "non-empty renegotiation_info",
                        ));
                    }
                    secure_renegotiation = true;
                }
                ExtensionType::SERVER_NAME if config.server_name.is_some() => {}
                ExtensionType::EC_POINT_FORMATS if offers_ecdhe(config) => {}
                // RFC 5246 7.4.1.4: a server must not send an extension the client did not offer.
                _ => {
                    return Err(Error::protocol(
                        AD::UNSUPPORTED_EXTENSION,
                        "unsolicited extension in ServerHello",
                    ));
                }
            }
        }
        if !ems && config.common.require_extended_master_secret {
            return Err(Error::protocol(
                AD::HANDSHAKE_FAILURE,
                "server does not support extended_master_secret",
            ));
        }
        let hs = Negotiated {
            params,
            client_random: self.client_random,
            server_random: sh.random,
            extended_master_secret: ems,
            secure_renegotiation,
        };
        Ok(match params.key_exchange {
            KeyExchangeKind::Ecdhe => State::ExpectCertificate(ExpectCertificate { hs }),
            _ => State::ExpectServerKeyExchange(ExpectServerKeyExchange { hs, chain: None }),
        })
    }
}

impl ExpectCertificate {
    fn on_certificate(self, core: &mut Core, m: &Message) -> Result<State, Error> {
        core.add_to_transcript(m.msg_type, m.message_seq, &m.body);
        let cert = Certificate::parse(&m.body)?;
        if cert.certificate_list.is_empty() {
            return Err(Error::protocol(AD::BAD_CERTIFICATE, "server sent no certificate"));
        }
        Ok(State::ExpectServerKeyExchange(ExpectServerKeyExchange {
            hs: self.hs,
            chain: Some(cert.certificate_list),
        }))
    }
}

impl ExpectServerKeyExchange {
    fn on_server_key_exchange(
        self,
        config: &ClientConfig,
        core: &mut Core,
        m: &Message,
    ) -> Result<State, Error> {
        core.add_to_transcript(m.msg_type, m.message_seq, &m.body);
        let server = match (self.hs.params.key_exchange, self.chain) {
            (KeyExchangeKind::Psk, _) => {
                // The hint is advisory; we always send our configured identity (RFC 4279 5.2).
                let _hint = PskServerKeyExchange::parse(&m.body)?;
                ServerKey::Psk
            }
            (KeyExchangeKind::Ecdhe, Some(chain)) => {
                let (ske, _) = EcdheServerKeyExchange::parse_with_params(&m.body)?;
                let verified = auth::verify_server_key_exchange(core, config, &self.hs, &chain, &ske)?;
                ServerKey::Ecdhe {
                    public: ske.params.public,
                    chain,
                    verified,
                }
            }
            _ => {
                return Err(Error::protocol(
                    AD::HANDSHAKE_FAILURE,
                    "no key exchange for the negotiated suite",
                ));
            }
        };
        Ok(State::ExpectServerHelloDone(ExpectServerHelloDone {
            hs: self.hs,
            server,
            certificate_requested: false,
        }))
    }
}

impl ExpectServerHelloDone {
    /// RFC 5246 7.4.4: only a certificate-authenticated server may ask, once, between
    /// ServerKeyExchange and ServerHelloDone.
    fn on_certificate_request(mut self, core: &mut Core, m: &Message) -> Result<State, Error> {
        CertificateRequest::parse(&m.body)?;
        core.add_to_transcript(m.msg_type, m.message_seq, &m.body);
        self.certificate_requested = true;
        Ok(State::ExpectServerHelloDone(self))
    }

    /// Our flight: [Certificate,] ClientKeyExchange, ChangeCipherSpec, Finished.
    fn on_server_hello_done(
        self,
        config: &ClientConfig,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        m: &Message,
    ) -> Result<State, Error> {
        core.add_to_transcript(m.msg_type, m.message_seq, &m.body);
        if !m.body.is_empty() {
            return Err(Error::protocol(AD::DECODE_ERROR, "ServerHelloDone with a body"));
        }
        let provider = core.provider().clone();
        let (cke, premaster, server): (ClientKeyExchange, Zeroizing<Vec<u8>>, ServerAuth) = match self.server
        {
            ServerKey::Psk => {
                let psk = config
                    .psk
                    .as_ref()
                    .ok_or(Error::Config("PSK suite without a PSK"))?;
                let cke = ClientKeyExchange::Psk(PskClientKeyExchange {
                    identity: psk.identity.clone(),
                });
                (cke, psk_premaster_secret(&psk.key)?, ServerAuth::Psk)
            }
            ServerKey::Ecdhe {
                public,
                chain,
                verified,
            } => {
                let kx = provider.key_exchange(crypto::NamedGroup::P256, rng)?;
                let premaster = ecdhe_premaster(kx.as_ref(), &public, "invalid server ECDHE public key")?;
                let cke = ClientKeyExchange::Ecdhe(EcdhClientKeyExchange {
                    public: kx.public_key().to_vec(),
                });
                let server = ServerAuth::Certificate {
                    chain,
                    _verified: verified,
                };
                (cke, premaster, server)
            }
        };
        let mut cke_body = Vec::new();
        cke.emit(&mut cke_body)?;
        core.flight_acknowledged(now);
        if self.certificate_requested {
            // RFC 5246 7.4.6: a client without a suitable certificate sends a Certificate
            // message with an empty list (and then no CertificateVerify).
            let empty = Certificate {
                certificate_list: Vec::new(),
            };
            core.queue_handshake(HT::CERTIFICATE, empty.to_vec()?);
        }
        core.queue_handshake(HT::CLIENT_KEY_EXCHANGE, cke_body);
        let hs = self.hs;
        let (secrets, ciphers) = Secrets::establish(
            core,
            hs.params,
            &premaster,
            &hs.client_random,
            &hs.server_random,
            hs.extended_master_secret,
        )?;
        core.queue_change_cipher_spec(ciphers.client_write)?;
        let finished = secrets.finished_body(core, true)?;
        core.queue_handshake(HT::FINISHED, finished);
        core.send_flight(now, rng, true)?;
        Ok(State::ExpectChangeCipherSpec(ExpectChangeCipherSpec {
            hs,
            secrets,
            server,
            read: ciphers.server_write,
        }))
    }
}

impl ExpectFinished {
    fn on_finished(
        self,
        config: &ClientConfig,
        core: &mut Core,
        now: Instant,
        m: &Message,
    ) -> Result<State, Error> {
        // The server's Finished covers everything up to and including our Finished.
        let finished = self.secrets.check_finished(core, false, &m.body)?;
        core.add_to_transcript(m.msg_type, m.message_seq, &m.body);
        core.flight_acknowledged(now);
        let peer = match self.server {
            ServerAuth::Certificate { chain, .. } => PeerIdentity::Certificate { chain },
            ServerAuth::Psk => PeerIdentity::Psk {
                identity: config
                    .psk
                    .as_ref()
                    .map(|p| p.identity.clone())
                    .unwrap_or_default(),
            },
        };
        core.connected(
            now,
            Event::Connected {
                suite: self.hs.params.suite,
                peer,
                server_name: None,
            },
        );
        Ok(State::Connected(Connected {
            client_random: self.hs.client_random,
            secure_renegotiation: self.hs.secure_renegotiation,
            secrets: self.secrets,
            _finished: finished,
        }))
    }
}

impl Role for ClientHandshake {
    fn on_handshake(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        message: Message,
    ) -> Result<(), Error> {
        // Handshake messages before the keys change must be in epoch 0, the Finished in the
        // new epoch: anything else is an injected or confused record.
        let expected_epoch = if matches!(self.state, State::ExpectFinished(_)) {
            core.read_epoch()
        } else {
            0
        };
        if message.epoch != expected_epoch
            || (matches!(self.state, State::ExpectFinished(_)) && message.epoch == 0)
        {
            return Err(Error::protocol(
                AD::UNEXPECTED_MESSAGE,
                "handshake message in the wrong epoch",
            ));
        }
        if message.msg_type == HT::HELLO_REQUEST {
            // RFC 5246 7.4.1.1: ignored while a handshake is under way.
            return Ok(());
        }
        self.state = self.step(core, now, rng, message)?;
        Ok(())
    }

    fn on_change_cipher_spec(&mut self, core: &mut Core) -> Result<(), Error> {
        if !matches!(self.state, State::ExpectChangeCipherSpec(_)) {
            return Ok(());
        }
        if let State::ExpectChangeCipherSpec(s) = core::mem::replace(&mut self.state, State::Failed) {
            core.switch_read_epoch(s.read)?;
            self.state = State::ExpectFinished(ExpectFinished {
                hs: s.hs,
                secrets: s.secrets,
                server: s.server,
            });
        }
        Ok(())
    }

    fn expects_finished(&self) -> bool {
        matches!(self.state, State::ExpectFinished(_))
    }

    fn renegotiation_trigger(&self) -> HT {
        HT::HELLO_REQUEST
    }

    /// RFC 5746 4.2: a client refusing a legacy server's HelloRequest must answer
    /// no_renegotiation; with a server that signalled secure renegotiation the request is
    /// ignored (RFC 5246 7.4.1.1 allows it), because OpenSSL servers answer the warning with a
    /// fatal handshake_failure.
    fn alerts_renegotiation(&self) -> bool {
        !matches!(&self.state, State::Connected(c) if c.secure_renegotiation)
    }
}

fn offers_ecdhe(config: &ClientConfig) -> bool {
    config
        .offered_suites()
        .iter()
        .any(|s| suite::lookup(*s).is_some_and(|p| p.key_exchange == KeyExchangeKind::Ecdhe))
}

/// The ClientHello body, with `cookie` (empty for the first one).
fn client_hello(config: &ClientConfig, client_random: &[u8; 32], cookie: &[u8]) -> Result<Vec<u8>, Error> {
    let mut ext = Extensions::new();
    if offers_ecdhe(config) {
        ext.push_body(&SupportedGroups {
            groups: vec![NamedGroup::SECP256R1],
        })?;
        ext.push_body(&EcPointFormats {
            formats: vec![ECPointFormat::UNCOMPRESSED],
        })?;
        ext.push_body(&SignatureAlgorithms {
            schemes: vec![SignatureScheme::ECDSA_SECP256R1_SHA256],
        })?;
    }
    ext.push_body(&ExtendedMasterSecret)?;
    if let Some(name) = &config.server_name {
        ext.push_body(&ServerNameList::host_name(name.as_bytes()))?;
    }
    let hello = ClientHello {
        client_version: ProtocolVersion::DTLS1_2,
        random: *client_random,
        session_id: Vec::new(),
        cookie: cookie.to_vec(),
        // RFC 5746 3.4: an initial handshake signals secure renegotiation with either the
        // SCSV or an empty renegotiation_info extension; the SCSV is 3 bytes smaller.
        cipher_suites: {
            let mut suites = config.offered_suites();
            suites.push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
            suites
        },
        compression_methods: vec![CompressionMethod::NULL],
        extensions: Some(ext),
    };
    Ok(hello.to_vec()?)
}
