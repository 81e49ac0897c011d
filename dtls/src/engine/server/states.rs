//! The server handshake (RFC 6347 4.2, RFC 5246 7.3) as a chain of typed states.
//!
//! ```text
//! (front door: cookie verified) ClientHello ──our flight──┬──────────────────────────┐
//!     (CertificateRequest sent) ExpectClientCertificate ◀─┘                          ▼
//!         │ Certificate (empty, or a trusted chain) ──────────▶ ExpectClientKeyExchange
//!         ▼                                                         │
//!     (a chain was received) ExpectCertificateVerify ◀──────────────┤
//!         │ CertificateVerify (signature verified)                  │
//!         ▼                                                         ▼
//!     ExpectChangeCipherSpec ◀──────────────────────────────────────┘
//!         ─▶ ExpectFinished ──our final flight──▶ Connected
//! ```
//!
//! The first state can only be built with the front door's [`AddressValidated`] proof (a
//! verified cookie, or cookies explicitly off), which it consumes; the connected state only
//! with a [`FinishedVerified`]. A client chain can only reach the connected state as a
//! [`ClientAuth::Certificate`], which needs the [`ClientCertificateVerified`] that only the
//! CertificateVerify check makes, and a received chain ([`ClientChain`]) leads only to
//! ExpectCertificateVerify: accepting a chain without its signature does not compile. A
//! message a state does not accept is one typed error, [`Error::UnexpectedMessage`], built in
//! [`unexpected`].

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::front_door::{AddressValidated, HelloDatagram};
use crate::codec::Codec;
use crate::config::{ClientAuth as ClientAuthSetting, ServerConfig};
#[cfg(feature = "psk")]
use crate::crypto::prf::psk_premaster_secret;
use crate::crypto::rsa_premaster::decrypt_premaster;
use crate::crypto::{self, RecordCipher, SecureRandom};
use crate::engine::connection::{self as conn, Core, Message, PeerMessage, Role};
use crate::engine::keys::{FinishedVerified, Secrets, ecdhe_premaster};
use crate::engine::{Event, PeerIdentity};
use crate::error::{CertificateError, CertificateErrorKind, Error};
use crate::pki::{self, ClientOffer, Identities, Identity, ServerChoice};
use crate::suite::{self, SuiteParams};
use crate::time::Instant;
#[cfg(feature = "psk")]
use crate::wire::PskServerKeyExchange;
use crate::wire::{
    AlertDescription as AD, Certificate, CertificateRequest, CipherSuite, ClientHello, ClientKeyExchange,
    CompressionMethod, ECPointFormat, EcPointFormats, EcdheServerKeyExchange, ExtendedMasterSecret,
    ExtensionType, Extensions, HandshakeType as HT, KeyExchangeKind, NamedGroup, ProtocolVersion,
    RenegotiationInfo, ServerEcdhParams, ServerHello, ServerNameList, SignatureAlgorithms, SupportedGroups,
};

/// What the ClientHello settled.
#[derive(Debug)]
struct Negotiated {
    params: &'static SuiteParams,
    client_random: [u8; 32],
    server_random: [u8; 32],
    /// The ClientHello's client_version: RSA key transport checks the premaster against it
    /// (RFC 5246 7.4.7.1), not against the negotiated version.
    client_version: ProtocolVersion,
    extended_master_secret: bool,
    server_name: Option<Vec<u8>>,
}

/// Our side of the key exchange, between our flight and the ClientKeyExchange.
#[derive(Debug)]
enum OurKey {
    #[cfg(feature = "psk")]
    Psk,
    Ecdhe(Box<dyn crypto::KeyExchange>),
    /// RSA key transport: the identity whose key decrypts the premaster.
    Rsa(Arc<Identity>),
}

mod client_auth {
    //! The client certificate checks (RFC 5246 7.4.6, 7.4.8) and the proofs they make.

    use alloc::vec::Vec;

    use crate::config::ServerConfig;
    use crate::crypto::PublicKey;
    use crate::engine::connection::Core;
    use crate::error::Error;
    use crate::pki::{self, KeyUse};
    use crate::wire::{CertificateRequest, CertificateVerify, SignatureScheme};

    /// A client chain within `Limits::chain` that the client verifier trusts, with its leaf
    /// key, whose possession is not proven yet. Only [`trust_client_chain`] makes one.
    #[derive(Debug)]
    pub(super) struct ClientChain {
        chain: Vec<Vec<u8>>,
        key: PublicKey,
        /// The signature algorithms our CertificateRequest allowed.
        offered: Vec<SignatureScheme>,
    }

    /// Proof that the client's CertificateVerify was signed by its leaf's key over the
    /// transcript. Only [`verify_certificate_verify`] makes one.
    #[derive(Debug)]
    pub(crate) struct ClientCertificateVerified {
        _private: (),
    }

    /// Checks a non-empty client Certificate: `Limits::chain`, the client verifier (which
    /// checks the path and clientAuth), and a leaf key that may sign.
    pub(super) fn trust_client_chain(
        core: &Core,
        config: &ServerConfig,
        request: &CertificateRequest,
        chain: Vec<Vec<u8>>,
    ) -> Result<ClientChain, Error> {
        core.limits().chain.check(&chain)?;
        let verifier = config.client_verifier.as_ref().ok_or(Error::Config(
            "client certificates requested without a client_verifier",
        ))?;
        verifier.verify_client(&chain)?;
        let key = pki::peer_key(&chain, KeyUse::Sign)?;
        Ok(ClientChain {
            chain,
            key,
            offered: request.supported_signature_algorithms.clone(),
        })
    }

    /// Checks CertificateVerify (RFC 5246 7.4.8): a scheme our CertificateRequest listed, and
    /// a signature by the leaf's key over every handshake message before this one
    /// (`illegal_parameter` for a scheme we did not offer, `decrypt_error` for a signature
    /// that does not verify). Returns the chain with the proof.
    // catalogue: RFC5246-7.4.8-1
    pub(super) fn verify_certificate_verify(
        core: &Core,
        client: ClientChain,
        body: &[u8],
    ) -> Result<(Vec<Vec<u8>>, ClientCertificateVerified), Error> {
        let verify = CertificateVerify::parse(body)?;
        pki::verify_signed(
            core.provider().as_ref(),
            &client.key,
            &client.offered,
            &verify,
            core.transcript(),
        )?;
        Ok((client.chain, ClientCertificateVerified { _private: () }))
    }

    use crate::codec::Codec;
}

use client_auth::{ClientCertificateVerified, ClientChain};

/// What the client's Certificate message said, between it and the ClientKeyExchange.
#[derive(Debug)]
enum ClientCertificate {
    /// We sent no CertificateRequest.
    NotRequested,
    /// An empty Certificate, and the setting allows it (RFC 5246 7.4.6).
    Empty,
    /// A trusted chain whose CertificateVerify is still to come.
    Chain(ClientChain),
}

/// Who the client proved to be.
#[derive(Debug)]
enum ClientAuth {
    /// By the PSK (proven by the Finished).
    Psk { identity: Vec<u8> },
    /// Not at all (a certificate suite without client authentication).
    Anonymous,
    /// By a trusted chain whose key signed CertificateVerify.
    Certificate {
        chain: Vec<Vec<u8>>,
        _verified: ClientCertificateVerified,
    },
}

#[derive(Debug)]
struct ExpectClientCertificate {
    hs: Negotiated,
    key: OurKey,
    request: CertificateRequest,
    address: AddressValidated,
}

#[derive(Debug)]
struct ExpectClientKeyExchange {
    hs: Negotiated,
    key: OurKey,
    client: ClientCertificate,
    _address: AddressValidated,
}

#[derive(Debug)]
struct ExpectCertificateVerify {
    hs: Negotiated,
    secrets: Secrets,
    client: ClientChain,
    /// The client's write keys of the new epoch; `None` once its ChangeCipherSpec arrived
    /// ahead of the CertificateVerify and they were installed.
    read: Option<Box<dyn RecordCipher>>,
    write: Box<dyn RecordCipher>,
}

#[derive(Debug)]
struct ExpectChangeCipherSpec {
    hs: Negotiated,
    secrets: Secrets,
    client: ClientAuth,
    /// The client's write keys of the new epoch, installed on its ChangeCipherSpec.
    read: Box<dyn RecordCipher>,
    /// Ours, installed when we send ChangeCipherSpec.
    write: Box<dyn RecordCipher>,
}

#[derive(Debug)]
struct ExpectFinished {
    hs: Negotiated,
    secrets: Secrets,
    client: ClientAuth,
    write: Box<dyn RecordCipher>,
}

#[derive(Debug)]
struct Connected {
    secrets: Secrets,
    _finished: FinishedVerified,
}

#[derive(Debug)]
enum State {
    ExpectClientCertificate(ExpectClientCertificate),
    ExpectClientKeyExchange(ExpectClientKeyExchange),
    ExpectCertificateVerify(ExpectCertificateVerify),
    ExpectChangeCipherSpec(ExpectChangeCipherSpec),
    ExpectFinished(ExpectFinished),
    Connected(Connected),
    /// Before the ClientHello was processed, after a failure, or mid-transition.
    Failed,
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::ExpectClientCertificate(_) => "ExpectClientCertificate",
            State::ExpectClientKeyExchange(_) => "ExpectClientKeyExchange",
            State::ExpectCertificateVerify(_) => "ExpectCertificateVerify",
            State::ExpectChangeCipherSpec(_) => "ExpectChangeCipherSpec",
            State::ExpectFinished(_) => "ExpectFinished",
            State::Connected(_) => "Connected",
            State::Failed => "Failed",
        }
    }

    fn expected(&self) -> &'static [HT] {
        match self {
            State::ExpectClientCertificate(_) => &[HT::CERTIFICATE],
            State::ExpectClientKeyExchange(_) => &[HT::CLIENT_KEY_EXCHANGE],
            State::ExpectCertificateVerify(_) => &[HT::CERTIFICATE_VERIFY],
            State::ExpectFinished(_) => &[HT::FINISHED],
            _ => &[],
        }
    }
}

/// The suite the ClientHello settled, and for certificate suites the identity that serves it.
struct Chosen {
    params: &'static SuiteParams,
    server: Option<ServerChoice>,
}

/// The server side of one handshake.
#[derive(Debug)]
pub(crate) struct ServerHandshake {
    config: Arc<ServerConfig>,
    /// The server's identities (`ServerConfig::identities` and `certificate`), built once per
    /// server.
    identities: Arc<Identities>,
    client_random: [u8; 32],
    state: State,
}

impl ServerHandshake {
    /// A handshake for the ClientHello whose random is `client_random`, not yet started: it
    /// stays failed until [`start`](Self::start) answers that ClientHello.
    pub(crate) fn new(
        config: Arc<ServerConfig>,
        identities: Arc<Identities>,
        client_random: [u8; 32],
    ) -> Self {
        ServerHandshake {
            config,
            identities,
            client_random,
            state: State::Failed,
        }
    }

    /// Answers the ClientHello the front door admitted: our flight (ServerHello ..
    /// ServerHelloDone), then wait for the ClientKeyExchange. On error the handshake stays
    /// failed and the caller ends the connection with the error's alert.
    pub(crate) fn start(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        validated: AddressValidated,
        d: &HelloDatagram<'_>,
    ) -> Result<(), Error> {
        self.on_client_hello(core, now, rng, validated, d)
    }

    /// The random of the ClientHello that started this handshake: a hello with the same
    /// random is a retransmission of it.
    pub(crate) fn client_random(&self) -> &[u8; 32] {
        &self.client_random
    }

    pub(crate) fn keylog(&self) -> Option<([u8; 32], [u8; 48])> {
        let secrets = match &self.state {
            State::ExpectCertificateVerify(s) => &s.secrets,
            State::ExpectChangeCipherSpec(s) => &s.secrets,
            State::ExpectFinished(s) => &s.secrets,
            State::Connected(s) => &s.secrets,
            _ => return None,
        };
        Some((self.client_random, *secrets.master_secret()))
    }

    /// Picks the first suite in our order of preference that the client offers and our
    /// credentials allow: PSK suites by the PSK store, certificate suites by an identity that
    /// fits the client's curves, signature schemes and server name
    /// ([`Identities::select_server`]).
    fn choose_suite(&self, hello: &ClientHello, ext: &Extensions) -> Result<Chosen, Error> {
        let groups = match ext.find::<SupportedGroups>() {
            Some(g) => Some(g?.groups),
            None => None, // RFC 8422 4: absent means the client accepts any curve
        };
        // We do ECDHE on P-256 only.
        // catalogue: RFC8422-4-2
        let ecdhe_group_ok = groups.as_ref().is_none_or(|g| g.contains(&NamedGroup::SECP256R1));
        let sigs = match ext.find::<SignatureAlgorithms>() {
            Some(s) => Some(s?.schemes),
            None => None,
        };
        let server_name = match ext.find::<ServerNameList>() {
            Some(names) => names?
                .first_host_name()
                .and_then(|n| core::str::from_utf8(n).ok())
                .map(alloc::string::ToString::to_string),
            None => None,
        };
        let offer = ClientOffer {
            cipher_suites: &hello.cipher_suites,
            signature_algorithms: sigs.as_deref(),
            supported_groups: groups.as_deref(),
            server_name: server_name.as_deref(),
        };
        let mut refused_for_missing_sigs = false;
        // Our suites, in our order: the client's others (unknown, unsupported, unwanted) are
        // ignored.
        // catalogue: RFC5246-7.4.1.2-1
        for s in &self.config.common.cipher_suites {
            if !hello.offers(*s) || !self.config.can_use(*s) {
                continue;
            }
            let Some(p) = suite::lookup(*s) else { continue };
            match p.key_exchange {
                #[cfg(feature = "psk")]
                KeyExchangeKind::Psk => {
                    return Ok(Chosen {
                        params: p,
                        server: None,
                    });
                }
                KeyExchangeKind::Ecdhe => {
                    // RFC 5246 7.4.1.4.1: a client that sends no signature_algorithms is to be
                    // assumed to support {sha1, ecdsa} and {sha1, rsa} only. SHA-1 signatures
                    // are deprecated (RFC 9155) and this server signs with SHA-256 or better,
                    // so without the extension no signed (ECDHE) suite is eligible; if nothing
                    // else is in common the handshake fails with handshake_failure.
                    // catalogue: RFC5246-7.4.1.4.1-1
                    if sigs.is_none() {
                        refused_for_missing_sigs = true;
                        continue;
                    }
                    if !ecdhe_group_ok {
                        continue;
                    }
                }
                // RSA key transport signs nothing: no signature_algorithms needed.
                KeyExchangeKind::Rsa => {}
                _ => continue,
            }
            // An identity whose key and chain fit the client's signature_algorithms and curves.
            // catalogue: RFC5246-7.4.3-1, RFC8422-4-2
            if let Some(choice) = self.identities.select_server(p, &offer) {
                return Ok(Chosen {
                    params: p,
                    server: Some(choice),
                });
            }
        }
        Err(if refused_for_missing_sigs {
            Error::protocol(
                AD::HANDSHAKE_FAILURE,
                "client sent no signature_algorithms: signed suites need SHA-256 or better (RFC 5246 7.4.1.4.1 would mean SHA-1)",
            )
        } else {
            Error::protocol(AD::HANDSHAKE_FAILURE, "no cipher suite in common")
        })
    }

    fn on_client_hello(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        validated: AddressValidated,
        d: &HelloDatagram<'_>,
    ) -> Result<(), Error> {
        let hello = &d.hello;
        // RFC 6347 4.2.2: our first message takes the ClientHello's message_seq, and the
        // client's messages continue from it.
        core.start_sequences(d.message_seq, d.message_seq.wrapping_add(1));
        core.add_to_transcript(HT::CLIENT_HELLO, d.message_seq, d.body);
        core.note_peer_message(PeerMessage {
            epoch: 0,
            msg_type: HT::CLIENT_HELLO,
            message_seq: d.message_seq,
            length: u32::try_from(d.body.len()).unwrap_or(u32::MAX),
        });
        // DTLS versions count down: 0xFEFD (1.2) is newer than 0xFEFF (1.0).
        if hello.client_version.0 > ProtocolVersion::DTLS1_2.0 {
            return Err(Error::protocol(
                AD::PROTOCOL_VERSION,
                "client does not offer DTLS 1.2",
            ));
        }
        // catalogue: RFC5246-7.4.1.2-2
        if !hello.compression_methods.contains(&CompressionMethod::NULL) {
            return Err(Error::protocol(
                AD::ILLEGAL_PARAMETER,
                "client does not offer null compression",
            ));
        }
        // A ClientHello without an extensions field is fine; one with a repeated type is not.
        // catalogue: RFC5246-7.4.1.2-3, RFC5246-7.4.1.4-3
        let ext = hello.extensions.clone().unwrap_or_default();
        ext.check_unique()?;
        let chosen = self.choose_suite(hello, &ext)?;
        let params = chosen.params;
        let ems = ext.contains(ExtensionType::EXTENDED_MASTER_SECRET);
        // catalogue: RFC7627-5.2-3, RFC7627-4-1
        if !ems && self.config.common.require_extended_master_secret {
            return Err(Error::protocol(
                AD::HANDSHAKE_FAILURE,
                "client does not support extended_master_secret",
            ));
        }
        // catalogue: RFC5746-3.6-1, RFC5746-3.6-2, RFC5746-3.6-3
        let secure_renegotiation = match ext.find::<RenegotiationInfo>() {
            Some(ri) => {
                if !ri?.renegotiated_connection.is_empty() {
                    return Err(Error::protocol(
                        AD::HANDSHAKE_FAILURE,
                        "non-empty renegotiation_info",
                    ));
                }
                true
            }
            None => hello.offers(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
        };
        let server_name = match ext.find::<ServerNameList>() {
            Some(names) => names?.first_host_name().map(<[u8]>::to_vec),
            None => None,
        };
        let mut server_random = [0u8; 32];
        rng.fill(&mut server_random);
        let hs = Negotiated {
            params,
            client_random: hello.random,
            server_random,
            client_version: hello.client_version,
            extended_master_secret: ems,
            server_name,
        };

        // Only extensions the client sent are answered (never signature_algorithms).
        // catalogue: RFC5246-7.4.1.4-1, RFC5246-7.4.1.4.1-2
        let mut sh_ext = Extensions::new();
        // catalogue: RFC7627-5.2-2, RFC7627-5.2-4
        if ems {
            sh_ext.push_body(&ExtendedMasterSecret)?;
        }
        // catalogue: RFC5746-3.6-4
        if secure_renegotiation {
            sh_ext.push_body(&RenegotiationInfo {
                renegotiated_connection: Vec::new(),
            })?;
        }
        if params.key_exchange == KeyExchangeKind::Ecdhe && ext.contains(ExtensionType::EC_POINT_FORMATS) {
            sh_ext.push_body(&EcPointFormats {
                formats: vec![ECPointFormat::UNCOMPRESSED],
            })?;
        }
        // DTLS 1.2 whatever higher version the client offered.
        // catalogue: RFC5246-E.1-2
        let sh = ServerHello {
            server_version: ProtocolVersion::DTLS1_2,
            random: server_random,
            session_id: Vec::new(),
            cipher_suite: params.suite,
            compression_method: CompressionMethod::NULL,
            extensions: Some(sh_ext),
        };
        core.queue_handshake(HT::SERVER_HELLO, sh.to_vec()?);
        let key = match (params.key_exchange, chosen.server) {
            (KeyExchangeKind::Ecdhe, Some(server)) => {
                OurKey::Ecdhe(Self::queue_certificate_and_key(core, rng, &hs, &server)?)
            }
            (KeyExchangeKind::Rsa, Some(server)) => {
                // catalogue: RFC5246-7.4.3-2
                // RFC 5246 7.4.3: no ServerKeyExchange with RSA key transport.
                Self::queue_certificate(core, &server.identity)?;
                OurKey::Rsa(server.identity)
            }
            #[cfg(feature = "psk")]
            (KeyExchangeKind::Psk, _) => {
                // RFC 4279 2: ServerKeyExchange is sent only when there is a hint.
                // catalogue: RFC4279-5.2-1
                if let Some(hint) = &self.config.psk_hint {
                    let ske = PskServerKeyExchange {
                        identity_hint: hint.clone(),
                    };
                    core.queue_handshake(HT::SERVER_KEY_EXCHANGE, ske.to_vec()?);
                }
                OurKey::Psk
            }
            _ => return Err(Error::protocol(AD::HANDSHAKE_FAILURE, "unsupported key exchange")),
        };
        // catalogue: RFC5246-7.4.4-1
        // RFC 5246 7.4.4: only a server that authenticates with a certificate may ask for
        // one (RFC 4279 2: never on PSK suites).
        let request = match (self.config.client_auth, &key) {
            (ClientAuthSetting::None, _) => None,
            #[cfg(feature = "psk")]
            (_, OurKey::Psk) => None,
            _ => {
                let mut request = pki::certificate_request_naming(Vec::new());
                request
                    .certificate_authorities
                    .clone_from(&self.config.client_ca_names);
                core.queue_handshake(HT::CERTIFICATE_REQUEST, request.to_vec()?);
                Some(request)
            }
        };
        core.queue_handshake(HT::SERVER_HELLO_DONE, Vec::new());
        core.send_flight(now, rng, true)?;
        self.state = match request {
            Some(request) => State::ExpectClientCertificate(ExpectClientCertificate {
                hs,
                key,
                request,
                address: validated,
            }),
            None => State::ExpectClientKeyExchange(ExpectClientKeyExchange {
                hs,
                key,
                client: ClientCertificate::NotRequested,
                _address: validated,
            }),
        };
        Ok(())
    }

    /// Our Certificate: the chosen identity's chain (RFC 5246 7.4.2).
    fn queue_certificate(core: &mut Core, identity: &Identity) -> Result<(), Error> {
        let msg = Certificate {
            certificate_list: identity.chain().to_vec(),
        };
        core.queue_handshake(HT::CERTIFICATE, msg.to_vec()?);
        Ok(())
    }

    /// Certificate and a signed ECDHE ServerKeyExchange (RFC 8422 5.3, 5.4), signed with the
    /// scheme the identity choice settled.
    fn queue_certificate_and_key(
        core: &mut Core,
        rng: &mut dyn SecureRandom,
        hs: &Negotiated,
        server: &ServerChoice,
    ) -> Result<Box<dyn crypto::KeyExchange>, Error> {
        Self::queue_certificate(core, &server.identity)?;
        let scheme = server.scheme.ok_or(Error::Config(
            "an ECDHE identity choice without a signature scheme",
        ))?;
        let kx = core.provider().key_exchange(crypto::NamedGroup::P256, rng)?;
        let ecdh = ServerEcdhParams {
            named_group: NamedGroup::SECP256R1,
            public: kx.public_key().to_vec(),
        };
        let mut signed = Vec::with_capacity(64 + 70);
        signed.extend_from_slice(&hs.client_random);
        signed.extend_from_slice(&hs.server_random);
        ecdh.emit(&mut signed)?;
        let ske = EcdheServerKeyExchange {
            params: ecdh,
            signed: pki::sign(server.identity.key(), scheme, &signed, rng)?,
        };
        core.queue_handshake(HT::SERVER_KEY_EXCHANGE, ske.to_vec()?);
        Ok(kx)
    }

    fn step(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        m: Message,
    ) -> Result<State, Error> {
        let state = core::mem::replace(&mut self.state, State::Failed);
        Ok(match (state, m.msg_type) {
            (State::ExpectClientCertificate(s), HT::CERTIFICATE) => {
                s.on_certificate(&self.config, core, now, &m)?
            }
            (State::ExpectClientKeyExchange(s), HT::CLIENT_KEY_EXCHANGE) => {
                s.on_client_key_exchange(&self.config, core, now, rng, &m)?
            }
            (State::ExpectCertificateVerify(s), HT::CERTIFICATE_VERIFY) => {
                s.on_certificate_verify(core, &m)?
            }
            (State::ExpectFinished(s), HT::FINISHED) => s.on_finished(core, now, rng, &m)?,
            (state, received) => return Err(conn::unexpected(state.name(), state.expected(), received)),
        })
    }
}

impl ExpectClientCertificate {
    /// RFC 5246 7.4.6: the client's chain, or an empty list when it has none that fits. An
    /// empty one fails the handshake (handshake_failure) if certificates are required.
    // catalogue: RFC5246-7.4.6-3
    fn on_certificate(
        self,
        config: &ServerConfig,
        core: &mut Core,
        now: Instant,
        m: &Message,
    ) -> Result<State, Error> {
        core.flight_acknowledged(now);
        let cert = Certificate::parse(&m.body)?;
        core.add_to_transcript(HT::CERTIFICATE, m.message_seq, &m.body);
        let client = if cert.certificate_list.is_empty() {
            if config.client_auth == ClientAuthSetting::Require {
                return Err(CertificateError::new(
                    CertificateErrorKind::Missing,
                    "the client sent no certificate and one is required",
                )
                .into());
            }
            ClientCertificate::Empty
        } else {
            ClientCertificate::Chain(client_auth::trust_client_chain(
                core,
                config,
                &self.request,
                cert.certificate_list,
            )?)
        };
        Ok(State::ExpectClientKeyExchange(ExpectClientKeyExchange {
            hs: self.hs,
            key: self.key,
            client,
            _address: self.address,
        }))
    }
}

impl ExpectClientKeyExchange {
    // The configuration is read only for PSK (the identity, the store).
    #[cfg_attr(not(feature = "psk"), allow(unused_variables))]
    fn on_client_key_exchange(
        self,
        config: &ServerConfig,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        m: &Message,
    ) -> Result<State, Error> {
        let hs = self.hs;
        core.flight_acknowledged(now);
        let cke = ClientKeyExchange::parse_with(hs.params.key_exchange, &m.body)?;
        let (premaster, psk_identity): (Zeroizing<Vec<u8>>, Option<Vec<u8>>) = match (cke, self.key) {
            #[cfg(feature = "psk")]
            (ClientKeyExchange::Psk(psk), OurKey::Psk) => {
                let store = config.psk_store.as_ref().ok_or(Error::Config("no PSK store"))?;
                let premaster = match store.key_for(&psk.identity) {
                    Some(key) => psk_premaster_secret(&key)?,
                    None => {
                        // An unknown identity must look exactly like a wrong key: carry on with
                        // a random key and fail at Finished (no oracle on which identities
                        // exist; RFC 4279 2 allows either alert).
                        // catalogue: RFC4279-2-2
                        let mut dummy = Zeroizing::new([0u8; 32]);
                        rng.fill(&mut dummy[..]);
                        psk_premaster_secret(&dummy[..])?
                    }
                };
                (premaster, Some(psk.identity))
            }
            (ClientKeyExchange::Ecdhe(ecdh), OurKey::Ecdhe(kx)) => (
                ecdhe_premaster(kx.as_ref(), &ecdh.public, "invalid client ECDHE public key")?,
                None,
            ),
            (ClientKeyExchange::Rsa(rsa), OurKey::Rsa(identity)) => {
                // catalogue: RFC5246-7.4.7.1-1, RFC5246-7.4.7.1-2
                // RFC 5246 7.4.7.1: whatever the ciphertext, a 48-byte premaster comes back
                // through one path (a random one when padding, length or version is wrong),
                // so a bad ciphertext shows only as a Finished that does not verify.
                let premaster = decrypt_premaster(
                    identity.key(),
                    &rsa.encrypted_pre_master_secret,
                    hs.client_version.0,
                    rng,
                )?;
                (Zeroizing::new(premaster.to_vec()), None)
            }
            _ => {
                return Err(Error::protocol(
                    AD::HANDSHAKE_FAILURE,
                    "ClientKeyExchange does not match the negotiated suite",
                ));
            }
        };
        core.add_to_transcript(HT::CLIENT_KEY_EXCHANGE, m.message_seq, &m.body);
        let (secrets, ciphers) = Secrets::establish(
            core,
            hs.params,
            &premaster,
            &hs.client_random,
            &hs.server_random,
            hs.extended_master_secret,
        )?;
        let client = match (self.client, psk_identity) {
            (ClientCertificate::Chain(chain), _) => {
                return Ok(State::ExpectCertificateVerify(ExpectCertificateVerify {
                    hs,
                    secrets,
                    client: chain,
                    read: Some(ciphers.client_write),
                    write: ciphers.server_write,
                }));
            }
            (_, Some(identity)) => ClientAuth::Psk { identity },
            (ClientCertificate::Empty | ClientCertificate::NotRequested, None) => ClientAuth::Anonymous,
        };
        Ok(State::ExpectChangeCipherSpec(ExpectChangeCipherSpec {
            hs,
            secrets,
            client,
            read: ciphers.client_write,
            write: ciphers.server_write,
        }))
    }
}

impl ExpectCertificateVerify {
    fn on_certificate_verify(self, core: &mut Core, m: &Message) -> Result<State, Error> {
        let (chain, verified) = client_auth::verify_certificate_verify(core, self.client, &m.body)?;
        core.add_to_transcript(HT::CERTIFICATE_VERIFY, m.message_seq, &m.body);
        let client = ClientAuth::Certificate {
            chain,
            _verified: verified,
        };
        Ok(match self.read {
            Some(read) => State::ExpectChangeCipherSpec(ExpectChangeCipherSpec {
                hs: self.hs,
                secrets: self.secrets,
                client,
                read,
                write: self.write,
            }),
            // The client's ChangeCipherSpec came first (its CertificateVerify was lost or
            // reordered); the keys are in place.
            None => State::ExpectFinished(ExpectFinished {
                hs: self.hs,
                secrets: self.secrets,
                client,
                write: self.write,
            }),
        })
    }
}

impl ExpectFinished {
    fn on_finished(
        self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        m: &Message,
    ) -> Result<State, Error> {
        let finished = self.secrets.check_finished(core, true, &m.body)?;
        core.add_to_transcript(HT::FINISHED, m.message_seq, &m.body);
        let ours = self.secrets.finished_body(core, false)?;
        core.queue_change_cipher_spec(self.write)?;
        core.queue_handshake(HT::FINISHED, ours);
        core.send_flight(now, rng, false)?;
        let peer = match self.client {
            ClientAuth::Psk { identity } => PeerIdentity::Psk { identity },
            ClientAuth::Anonymous => PeerIdentity::Anonymous,
            ClientAuth::Certificate { chain, .. } => PeerIdentity::Certificate { chain },
        };
        core.connected(
            now,
            Event::Connected {
                suite: self.hs.params.suite,
                peer,
                server_name: self.hs.server_name,
            },
        );
        Ok(State::Connected(Connected {
            secrets: self.secrets,
            _finished: finished,
        }))
    }
}

impl Role for ServerHandshake {
    fn on_handshake(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        message: Message,
    ) -> Result<(), Error> {
        core.check_handshake_epoch(matches!(self.state, State::ExpectFinished(_)), message.epoch)?;
        self.state = self.step(core, now, rng, message)?;
        Ok(())
    }

    /// Installs the client's keys on its ChangeCipherSpec. Also in ExpectCertificateVerify,
    /// where the keys exist already: the state still requires the CertificateVerify (in epoch
    /// 0), but the client's Finished can now be read, so a flight that omits the
    /// CertificateVerify is refused with unexpected_message as soon as its Finished arrives in
    /// its place, instead of stalling until the handshake times out.
    fn on_change_cipher_spec(&mut self, core: &mut Core) -> Result<(), Error> {
        match &mut self.state {
            State::ExpectCertificateVerify(s) => {
                if let Some(read) = s.read.take() {
                    core.switch_read_epoch(read)?;
                }
            }
            State::ExpectChangeCipherSpec(_) => {
                if let State::ExpectChangeCipherSpec(s) = core::mem::replace(&mut self.state, State::Failed) {
                    core.switch_read_epoch(s.read)?;
                    self.state = State::ExpectFinished(ExpectFinished {
                        hs: s.hs,
                        secrets: s.secrets,
                        client: s.client,
                        write: s.write,
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn expects_finished(&self) -> bool {
        matches!(self.state, State::ExpectFinished(_))
    }

    fn renegotiation_trigger(&self) -> HT {
        HT::CLIENT_HELLO
    }

    fn alerts_renegotiation(&self) -> bool {
        true
    }
}
