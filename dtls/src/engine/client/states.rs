//! The client handshake (RFC 6347 4.2, RFC 5246 7.3) as a chain of typed states.
//!
//! Each state holds exactly what has been negotiated and checked so far and consumes one
//! message to produce the next state:
//!
//! ```text
//! ExpectServerHello ──HelloVerifyRequest (bounded)──▶ ExpectServerHello
//!       │ ServerHello
//!       ├─ ECDHE ─▶ ExpectCertificate ─▶ ExpectServerKeyExchange ─┐ (chain trusted,
//!       ├─ RSA ───▶ ExpectCertificate ─────────────────────────────┤  signature verified)
//!       └─ PSK ──────────────────────▶ ExpectServerKeyExchange ───┤
//!                                                                  ▼
//!               ExpectServerHelloDone (CertificateRequest at most once, certificate suites)
//!                        │ ServerHelloDone: our flight ([Certificate,] ClientKeyExchange,
//!                        ▼  [CertificateVerify,] ChangeCipherSpec, Finished)
//!               ExpectChangeCipherSpec ─▶ ExpectFinished ─▶ Connected
//! ```
//!
//! The connected state can only be built from a [`FinishedVerified`] (made by the Finished
//! check) and a [`ServerAuth`]. Its certificate variants carry a [`ServerChain`], which only
//! the chain check makes; the ECDHE variant also a [`ServerKeyVerified`], which only the
//! ServerKeyExchange check makes. With RSA key transport the trusted chain is the whole proof
//! until Finished: only the holder of the leaf's private key can decrypt the premaster, so a
//! verified Finished authenticates the key. Skipping a check does not compile. A message a
//! state does not accept is one typed error, [`Error::UnexpectedMessage`], built in
//! [`unexpected`].

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::codec::Codec;
use crate::config::ClientConfig;
#[cfg(feature = "psk")]
use crate::crypto::prf::psk_premaster_secret;
use crate::crypto::rsa_premaster::encrypt_premaster;
use crate::crypto::{self, PublicKey, RecordCipher, SecureRandom};
use crate::engine::connection::{self as conn, Core, Message, Role};
use crate::engine::keys::{FinishedVerified, Secrets, ecdhe_premaster};
use crate::engine::{Event, PeerIdentity};
use crate::error::Error;
use crate::pki;
use crate::suite::{self, SuiteParams};
use crate::time::Instant;
use crate::wire::{
    AlertDescription as AD, Certificate, CertificateRequest, CipherSuite, ClientHello, ClientKeyExchange,
    CompressionMethod, ECPointFormat, EcPointFormats, EcdhClientKeyExchange, EcdheServerKeyExchange,
    ExtendedMasterSecret, ExtensionType, Extensions, HandshakeType as HT, HelloVerifyRequest,
    KeyExchangeKind, NamedGroup, ProtocolVersion, RenegotiationInfo, RsaClientKeyExchange, ServerHello,
    ServerNameList, SignatureAlgorithms, SupportedGroups,
};
#[cfg(feature = "psk")]
use crate::wire::{PskClientKeyExchange, PskServerKeyExchange};

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
    //! The server authentication checks and the proofs they make.

    use alloc::vec::Vec;

    use super::Negotiated;
    use crate::config::ClientConfig;
    use crate::crypto::{PublicKey, PublicKeyKind};
    use crate::engine::connection::Core;
    use crate::error::{CertificateError, CertificateErrorKind, Error};
    use crate::pki::{self, KeyUse};
    use crate::suite::SuiteAuth;
    use crate::wire::{AlertDescription as AD, EcdheServerKeyExchange, KeyExchangeKind, NamedGroup};

    /// The server's chain, judged trustworthy by the configured verifier after passing
    /// `Limits::chain`. Only [`trust_server_chain`] makes one.
    #[derive(Debug)]
    pub(super) struct ServerChain {
        chain: Vec<Vec<u8>>,
    }

    impl ServerChain {
        pub(super) fn into_chain(self) -> Vec<Vec<u8>> {
            self.chain
        }
    }

    /// Proof that the server's ServerKeyExchange was signed by the key of its trusted leaf.
    /// Only [`verify_server_key_exchange`] makes one.
    #[derive(Debug)]
    pub(super) struct ServerKeyVerified {
        _private: (),
    }

    /// Checks the server's Certificate (RFC 5246 7.4.2): within `Limits::chain`, trusted by
    /// the verifier for our server name, and a leaf key fit for the negotiated suite (an EC
    /// key for ECDHE_ECDSA, RSA for ECDHE_RSA and RSA key transport) whose keyUsage allows
    /// what the suite does with it. Returns the trusted chain and that key.
    pub(super) fn trust_server_chain(
        core: &Core,
        config: &ClientConfig,
        hs: &Negotiated,
        chain: Vec<Vec<u8>>,
    ) -> Result<(ServerChain, PublicKey), Error> {
        if chain.is_empty() {
            return Err(Error::protocol(AD::BAD_CERTIFICATE, "server sent no certificate"));
        }
        core.limits().chain.check(&chain)?;
        let verifier = config.verifier.as_ref().ok_or(Error::CertificateRejected)?;
        verifier.verify_server(&chain, config.server_name.as_deref())?;
        let usage = match hs.params.key_exchange {
            KeyExchangeKind::Rsa => KeyUse::Encipher,
            _ => KeyUse::Sign,
        };
        let key = pki::peer_key(&chain, usage)?;
        let fits = matches!(
            (hs.params.auth, key.kind()),
            (SuiteAuth::Ecdsa, PublicKeyKind::EcP256 | PublicKeyKind::EcP384)
                | (SuiteAuth::Rsa, PublicKeyKind::Rsa)
        );
        if !fits {
            return Err(CertificateError::new(
                CertificateErrorKind::Unsupported,
                "the server's certificate key does not fit the negotiated suite",
            )
            .into());
        }
        Ok((ServerChain { chain }, key))
    }

    /// Checks an ECDHE ServerKeyExchange (RFC 8422 5.4, RFC 5246 7.4.3): our group, then the
    /// signature over the randoms and the parameters by the trusted leaf's key, with a scheme
    /// we offered in signature_algorithms.
    // catalogue: RFC8422-2.1-2
    pub(super) fn verify_server_key_exchange(
        core: &Core,
        hs: &Negotiated,
        _chain: &ServerChain,
        key: &PublicKey,
        ske: &EcdheServerKeyExchange,
    ) -> Result<ServerKeyVerified, Error> {
        if ske.params.named_group != NamedGroup::SECP256R1 {
            return Err(Error::protocol(
                AD::ILLEGAL_PARAMETER,
                "server chose a group we did not offer",
            ));
        }
        let message = ske.signed_message(&hs.client_random, &hs.server_random)?;
        pki::verify_signed(
            core.provider().as_ref(),
            key,
            pki::SUPPORTED_WIRE_SCHEMES,
            &ske.signed,
            &message,
        )?;
        Ok(ServerKeyVerified { _private: () })
    }
}

use auth::{ServerChain, ServerKeyVerified};

/// How the server authenticated (or will, at Finished).
#[derive(Debug)]
enum ServerAuth {
    /// PSK: knowledge of the key is proven by the Finished.
    #[cfg(feature = "psk")]
    Psk,
    /// A trusted chain whose key signed the ServerKeyExchange.
    Signed {
        chain: ServerChain,
        _verified: ServerKeyVerified,
    },
    /// RSA key transport: a trusted chain; the Finished proves the server decrypted the
    /// premaster with the leaf's key.
    KeyTransport { chain: ServerChain },
}

/// The server's key exchange parameters, as ServerHelloDone finds them.
#[derive(Debug)]
enum ServerKey {
    #[cfg(feature = "psk")]
    Psk,
    Ecdhe {
        public: Vec<u8>,
        chain: ServerChain,
        verified: ServerKeyVerified,
    },
    Rsa {
        chain: ServerChain,
        key: PublicKey,
    },
}

impl ServerKey {
    fn is_psk(&self) -> bool {
        #[cfg(feature = "psk")]
        if matches!(self, ServerKey::Psk) {
            return true;
        }
        false
    }

    /// Our ClientKeyExchange, the premaster secret, and how the server is to be authenticated.
    // Not inlined: the key exchange's temporaries (an ECDHE or RSA computation) then live only
    // while it runs, not under the key derivation and record-cipher setup that follow, the
    // deepest point of a handshake's stack (benches/cortex-m).
    // The configuration is read only for PSK (the identity and key).
    #[cfg_attr(not(feature = "psk"), allow(unused_variables))]
    #[inline(never)]
    fn key_exchange(
        self,
        config: &ClientConfig,
        core: &Core,
        rng: &mut dyn SecureRandom,
    ) -> Result<(ClientKeyExchange, Zeroizing<Vec<u8>>, ServerAuth), Error> {
        Ok(match self {
            #[cfg(feature = "psk")]
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
                let kx = core.provider().key_exchange(crypto::NamedGroup::P256, rng)?;
                let premaster = ecdhe_premaster(kx.as_ref(), &public, "invalid server ECDHE public key")?;
                let cke = ClientKeyExchange::Ecdhe(EcdhClientKeyExchange {
                    public: kx.public_key().to_vec(),
                });
                let server = ServerAuth::Signed {
                    chain,
                    _verified: verified,
                };
                (cke, premaster, server)
            }
            ServerKey::Rsa { chain, key } => {
                // RFC 5246 7.4.7.1: the version is the one our ClientHello offered.
                let (premaster, encrypted) =
                    encrypt_premaster(core.provider().as_ref(), &key, ProtocolVersion::DTLS1_2.0, rng)?;
                let cke = ClientKeyExchange::Rsa(RsaClientKeyExchange {
                    encrypted_pre_master_secret: encrypted,
                });
                let premaster = Zeroizing::new(premaster.to_vec());
                (cke, premaster, ServerAuth::KeyTransport { chain })
            }
        })
    }
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
    /// The server's trusted chain and leaf key (certificate suites).
    chain: Option<(ServerChain, PublicKey)>,
}

#[derive(Debug)]
struct ExpectServerHelloDone {
    hs: Negotiated,
    server: ServerKey,
    /// The server's CertificateRequest (RFC 5246 7.4.4), if it sent one.
    request: Option<CertificateRequest>,
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

    /// The handshake messages the state accepts.
    fn expected(&self) -> &'static [HT] {
        match self {
            State::ExpectServerHello(_) => &[HT::HELLO_VERIFY_REQUEST, HT::SERVER_HELLO],
            State::ExpectCertificate(_) => &[HT::CERTIFICATE],
            // RFC 4279 2: a PSK server without a hint omits ServerKeyExchange.
            #[cfg(feature = "psk")]
            State::ExpectServerKeyExchange(s) if s.hs.params.key_exchange == KeyExchangeKind::Psk => {
                &[HT::SERVER_KEY_EXCHANGE, HT::SERVER_HELLO_DONE]
            }
            State::ExpectServerKeyExchange(_) => &[HT::SERVER_KEY_EXCHANGE],
            State::ExpectServerHelloDone(s) if s.may_request_certificate() => {
                &[HT::CERTIFICATE_REQUEST, HT::SERVER_HELLO_DONE]
            }
            State::ExpectServerHelloDone(_) => &[HT::SERVER_HELLO_DONE],
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
        let wrong = |s: &State| conn::unexpected(s.name(), s.expected(), m.msg_type);
        Ok(match (state, m.msg_type) {
            (State::ExpectServerHello(s), HT::HELLO_VERIFY_REQUEST) => {
                s.on_hello_verify_request(config, core, now, rng, &m.body)?
            }
            (State::ExpectServerHello(s), HT::SERVER_HELLO) => s.on_server_hello(config, core, now, &m)?,
            (State::ExpectCertificate(s), HT::CERTIFICATE) => s.on_certificate(config, core, &m)?,
            (State::ExpectServerKeyExchange(s), HT::SERVER_KEY_EXCHANGE) => {
                s.on_server_key_exchange(core, &m)?
            }
            #[cfg(feature = "psk")]
            (State::ExpectServerKeyExchange(s), HT::SERVER_HELLO_DONE)
                if s.hs.params.key_exchange == KeyExchangeKind::Psk =>
            {
                // RFC 4279 2: a PSK server without a hint omits ServerKeyExchange.
                let done = ExpectServerHelloDone {
                    hs: s.hs,
                    server: ServerKey::Psk,
                    request: None,
                };
                done.on_server_hello_done(config, core, now, rng, &m)?
            }
            (State::ExpectServerHelloDone(s), HT::CERTIFICATE_REQUEST) if s.may_request_certificate() => {
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
    /// answered too, up to `Limits::max_hello_verify_requests`. Its version is not read: it is
    /// record formatting, not version negotiation.
    // catalogue: RFC6347-4.2.1-2, RFC6347-4.2.1-4, RFC6347-4.2.1-5, RFC6347-4.2.1-6, RFC6347-4.2.1-20
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
        // catalogue: RFC6347-4.2.6-2
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
        // Only the ServerHello's version counts, never the HelloVerifyRequest's.
        // catalogue: RFC5246-E.1-1, RFC6347-4.2.1-9
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
        // catalogue: RFC5246-7.4.1.4-3
        ext.check_unique()?;
        let mut ems = false;
        let mut secure_renegotiation = false;
        for e in ext.iter() {
            match e.typ {
                ExtensionType::EXTENDED_MASTER_SECRET => ems = true,
                // catalogue: RFC5746-3.4-3, RFC5746-3.4-4
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
                // catalogue: RFC5246-7.4.1.4-2
                _ => {
                    return Err(Error::protocol(
                        AD::UNSUPPORTED_EXTENSION,
                        "unsolicited extension in ServerHello",
                    ));
                }
            }
        }
        // catalogue: RFC7627-5.2-5, RFC7627-4-1
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
            KeyExchangeKind::Ecdhe | KeyExchangeKind::Rsa => {
                State::ExpectCertificate(ExpectCertificate { hs })
            }
            _ => State::ExpectServerKeyExchange(ExpectServerKeyExchange { hs, chain: None }),
        })
    }
}

impl ExpectCertificate {
    /// The server's chain is judged here, before anything signed with its key is read. With
    /// RSA key transport no ServerKeyExchange follows (RFC 5246 7.4.3).
    fn on_certificate(self, config: &ClientConfig, core: &mut Core, m: &Message) -> Result<State, Error> {
        core.add_to_transcript(m.msg_type, m.message_seq, &m.body);
        let cert = Certificate::parse(&m.body)?;
        let (chain, key) = auth::trust_server_chain(core, config, &self.hs, cert.certificate_list)?;
        Ok(match self.hs.params.key_exchange {
            KeyExchangeKind::Rsa => State::ExpectServerHelloDone(ExpectServerHelloDone {
                hs: self.hs,
                server: ServerKey::Rsa { chain, key },
                request: None,
            }),
            _ => State::ExpectServerKeyExchange(ExpectServerKeyExchange {
                hs: self.hs,
                chain: Some((chain, key)),
            }),
        })
    }
}

impl ExpectServerKeyExchange {
    fn on_server_key_exchange(self, core: &mut Core, m: &Message) -> Result<State, Error> {
        core.add_to_transcript(m.msg_type, m.message_seq, &m.body);
        let server = match (self.hs.params.key_exchange, self.chain) {
            #[cfg(feature = "psk")]
            (KeyExchangeKind::Psk, _) => {
                // The hint is advisory; we always send our configured identity (RFC 4279 5.2).
                // catalogue: RFC4279-5.2-2
                let _hint = PskServerKeyExchange::parse(&m.body)?;
                ServerKey::Psk
            }
            (KeyExchangeKind::Ecdhe, Some((chain, key))) => {
                let (ske, _) = EcdheServerKeyExchange::parse_with_params(&m.body)?;
                let verified = auth::verify_server_key_exchange(core, &self.hs, &chain, &key, &ske)?;
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
            request: None,
        }))
    }
}

impl ExpectServerHelloDone {
    /// RFC 5246 7.4.4: only a certificate-authenticated server may ask, once, after its
    /// Certificate and ServerKeyExchange (RFC 4279 2: never on PSK suites).
    // catalogue: RFC5246-7.4.4-1
    fn may_request_certificate(&self) -> bool {
        self.request.is_none() && !self.server.is_psk()
    }

    fn on_certificate_request(mut self, core: &mut Core, m: &Message) -> Result<State, Error> {
        let request = CertificateRequest::parse(&m.body)?;
        core.add_to_transcript(m.msg_type, m.message_seq, &m.body);
        self.request = Some(request);
        Ok(State::ExpectServerHelloDone(self))
    }

    /// Our flight: [Certificate,] ClientKeyExchange, [CertificateVerify,] ChangeCipherSpec,
    /// Finished.
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
        let (cke, premaster, server) = self.server.key_exchange(config, core, rng)?;
        let mut cke_body = Vec::new();
        cke.emit(&mut cke_body)?;
        core.flight_acknowledged(now);
        // catalogue: RFC5246-7.4.6-1, RFC5246-7.4.6-2, RFC5246-7.4.8-1, RFC5246-7.3-1
        // RFC 5246 7.4.6: answer a CertificateRequest with a chain that fits it, or with an
        // empty list when we have none (and then send no CertificateVerify).
        let client_choice = self.request.as_ref().map(|request| {
            config
                .identities
                .as_ref()
                .and_then(|identities| identities.select_client(request))
        });
        if let Some(choice) = &client_choice {
            let msg = Certificate {
                certificate_list: choice
                    .as_ref()
                    .map(|c| c.identity.chain().to_vec())
                    .unwrap_or_default(),
            };
            core.queue_handshake(HT::CERTIFICATE, msg.to_vec()?);
        }
        core.queue_handshake(HT::CLIENT_KEY_EXCHANGE, cke_body);
        let hs = self.hs;
        // RFC 7627 4: the session hash ends with the ClientKeyExchange, before
        // CertificateVerify.
        let (secrets, ciphers) = Secrets::establish(
            core,
            hs.params,
            &premaster,
            &hs.client_random,
            &hs.server_random,
            hs.extended_master_secret,
        )?;
        if let Some(Some(choice)) = &client_choice {
            // RFC 5246 7.4.8: a signature over every handshake message so far.
            let verify = pki::sign(choice.identity.key(), choice.scheme, core.transcript(), rng)?;
            core.queue_handshake(HT::CERTIFICATE_VERIFY, verify.to_vec()?);
        }
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
    // The configuration is read only for PSK (the identity, the store).
    #[cfg_attr(not(feature = "psk"), allow(unused_variables))]
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
            ServerAuth::Signed { chain, .. } | ServerAuth::KeyTransport { chain } => {
                PeerIdentity::Certificate {
                    chain: chain.into_chain(),
                }
            }
            #[cfg(feature = "psk")]
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
        core.check_handshake_epoch(matches!(self.state, State::ExpectFinished(_)), message.epoch)?;
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
    // catalogue: RFC5746-4.2-2, RFC5246-7.4.1.1-1
    fn alerts_renegotiation(&self) -> bool {
        !matches!(&self.state, State::Connected(c) if c.secure_renegotiation)
    }
}

fn offers(config: &ClientConfig, kinds: &[KeyExchangeKind]) -> bool {
    config
        .offered_suites()
        .iter()
        .any(|s| suite::lookup(*s).is_some_and(|p| kinds.contains(&p.key_exchange)))
}

fn offers_ecdhe(config: &ClientConfig) -> bool {
    offers(config, &[KeyExchangeKind::Ecdhe])
}

/// The ClientHello body, with `cookie` (empty for the first one).
fn client_hello(config: &ClientConfig, client_random: &[u8; 32], cookie: &[u8]) -> Result<Vec<u8>, Error> {
    let mut ext = Extensions::new();
    // catalogue: RFC8422-4-1, RFC8422-4-3, RFC8422-5.1-1
    if offers_ecdhe(config) {
        // P-256 only: it is the one ECDHE group we implement, and RFC 8422 5.1.1 makes this
        // list govern ECDSA certificate curves too (so a P-384 server certificate is not
        // asked for until P-384 ECDHE exists).
        ext.push_body(&SupportedGroups {
            groups: vec![NamedGroup::SECP256R1],
        })?;
        ext.push_body(&EcPointFormats {
            formats: vec![ECPointFormat::UNCOMPRESSED],
        })?;
    }
    if offers(config, &[KeyExchangeKind::Ecdhe, KeyExchangeKind::Rsa]) {
        // Every scheme we verify (RFC 5246 7.4.1.4.1): for ServerKeyExchange and for the
        // signatures of the server's chain.
        ext.push_body(&SignatureAlgorithms {
            schemes: pki::SUPPORTED_WIRE_SCHEMES.to_vec(),
        })?;
    }
    // catalogue: RFC7627-5.2-1
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
        // catalogue: RFC5746-3.4-1, RFC5746-3.4-2
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
