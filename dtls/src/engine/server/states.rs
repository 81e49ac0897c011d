//! The server handshake (RFC 6347 4.2, RFC 5246 7.3) as a chain of typed states.
//!
//! ```text
//! (front door: cookie verified) ClientHello ──our flight──▶ ExpectClientKeyExchange
//!     ─▶ ExpectChangeCipherSpec ─▶ ExpectFinished ──our final flight──▶ Connected
//! ```
//!
//! The first state can only be built with the front door's [`AddressValidated`] proof (a
//! verified cookie, or cookies explicitly off), which it consumes; the connected state only
//! with a [`FinishedVerified`]. A message a state does not accept is one typed error,
//! [`Error::UnexpectedMessage`], built in [`unexpected`].

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::front_door::{AddressValidated, HelloDatagram};
use crate::codec::Codec;
use crate::config::ServerConfig;
use crate::crypto::prf::psk_premaster_secret;
use crate::crypto::{self, MAX_SIGNATURE_LEN, RecordCipher, SecureRandom};
use crate::engine::connection::{Core, Message, PeerMessage, Role};
use crate::engine::keys::{FinishedVerified, Secrets, ecdhe_premaster};
use crate::engine::{Event, PeerIdentity};
use crate::error::Error;
use crate::suite::{self, SuiteParams};
use crate::time::Instant;
use crate::wire::{
    AlertDescription as AD, Certificate, CipherSuite, ClientHello, ClientKeyExchange, CompressionMethod,
    DigitallySigned, ECPointFormat, EcPointFormats, EcdheServerKeyExchange, ExtendedMasterSecret,
    ExtensionType, Extensions, HandshakeType as HT, KeyExchangeKind, NamedGroup, ProtocolVersion,
    PskServerKeyExchange, RenegotiationInfo, ServerEcdhParams, ServerHello, ServerNameList,
    SignatureAlgorithms, SignatureScheme, SupportedGroups,
};

/// The one place a wrong message becomes an error (alert: unexpected_message).
fn unexpected(state: &'static str, expected: &'static [HT], received: HT) -> Error {
    Error::UnexpectedMessage {
        state,
        expected,
        received,
    }
}

/// What the ClientHello settled.
#[derive(Debug)]
struct Negotiated {
    params: &'static SuiteParams,
    client_random: [u8; 32],
    server_random: [u8; 32],
    extended_master_secret: bool,
    server_name: Option<Vec<u8>>,
}

/// Our side of the key exchange, between our flight and the ClientKeyExchange.
#[derive(Debug)]
enum OurKey {
    Psk,
    Ecdhe(Box<dyn crypto::KeyExchange>),
}

/// Who the client proved to be (by the Finished, for PSK).
#[derive(Debug)]
enum ClientAuth {
    Psk { identity: Vec<u8> },
    Anonymous,
}

#[derive(Debug)]
struct ExpectClientKeyExchange {
    hs: Negotiated,
    key: OurKey,
    _address: AddressValidated,
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
    ExpectClientKeyExchange(ExpectClientKeyExchange),
    ExpectChangeCipherSpec(ExpectChangeCipherSpec),
    ExpectFinished(ExpectFinished),
    Connected(Connected),
    /// Before the ClientHello was processed, after a failure, or mid-transition.
    Failed,
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::ExpectClientKeyExchange(_) => "ExpectClientKeyExchange",
            State::ExpectChangeCipherSpec(_) => "ExpectChangeCipherSpec",
            State::ExpectFinished(_) => "ExpectFinished",
            State::Connected(_) => "Connected",
            State::Failed => "Failed",
        }
    }

    fn expected(&self) -> &'static [HT] {
        match self {
            State::ExpectClientKeyExchange(_) => &[HT::CLIENT_KEY_EXCHANGE],
            State::ExpectFinished(_) => &[HT::FINISHED],
            _ => &[],
        }
    }
}

/// The server side of one handshake.
#[derive(Debug)]
pub(crate) struct ServerHandshake {
    config: Arc<ServerConfig>,
    client_random: [u8; 32],
    state: State,
}

impl ServerHandshake {
    /// Answers the ClientHello the front door admitted: our flight (ServerHello ..
    /// ServerHelloDone), then wait for the ClientKeyExchange. On error the handshake stays
    /// failed and the caller ends the connection with the error's alert.
    pub(crate) fn start(
        config: Arc<ServerConfig>,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        validated: AddressValidated,
        d: &HelloDatagram<'_>,
    ) -> (Self, Result<(), Error>) {
        let mut hs = ServerHandshake {
            config,
            client_random: d.hello.random,
            state: State::Failed,
        };
        let result = hs.on_client_hello(core, now, rng, validated, d);
        (hs, result)
    }

    /// The random of the ClientHello that started this handshake: a hello with the same
    /// random is a retransmission of it.
    pub(crate) fn client_random(&self) -> &[u8; 32] {
        &self.client_random
    }

    pub(crate) fn keylog(&self) -> Option<([u8; 32], [u8; 48])> {
        let secrets = match &self.state {
            State::ExpectChangeCipherSpec(s) => &s.secrets,
            State::ExpectFinished(s) => &s.secrets,
            State::Connected(s) => &s.secrets,
            _ => return None,
        };
        Some((self.client_random, *secrets.master_secret()))
    }

    /// Picks the first suite in our order of preference that the client offers and our
    /// credentials and the client's curves and signature schemes allow.
    fn choose_suite(&self, hello: &ClientHello, ext: &Extensions) -> Result<&'static SuiteParams, Error> {
        let groups_ok = match ext.find::<SupportedGroups>() {
            Some(g) => g?.groups.contains(&NamedGroup::SECP256R1),
            None => true, // RFC 8422 4: absent means the client accepts any curve
        };
        // RFC 5246 7.4.1.4.1: a client that sends no signature_algorithms is to be assumed
        // to support {sha1, ecdsa} only. SHA-1 signatures are deprecated (RFC 9155) and this
        // server signs only with ecdsa_secp256r1_sha256, so without the extension the ECDSA
        // suites are not eligible; if nothing else is in common the handshake fails with
        // handshake_failure.
        let sigs = match ext.find::<SignatureAlgorithms>() {
            Some(s) => Some(s?.schemes.contains(&SignatureScheme::ECDSA_SECP256R1_SHA256)),
            None => None,
        };
        let mut ecdsa_refused_for_missing_sigs = false;
        let chosen = self
            .config
            .common
            .cipher_suites
            .iter()
            .filter(|s| hello.offers(**s) && self.config.can_use(**s))
            .filter_map(|s| suite::lookup(*s))
            .find(|p| {
                if p.key_exchange != KeyExchangeKind::Ecdhe {
                    return true;
                }
                if sigs.is_none() {
                    ecdsa_refused_for_missing_sigs = true;
                }
                groups_ok && sigs == Some(true)
            });
        match chosen {
            Some(p) => Ok(p),
            None if ecdsa_refused_for_missing_sigs => Err(Error::protocol(
                AD::HANDSHAKE_FAILURE,
                "client sent no signature_algorithms: ECDSA suites need ecdsa_secp256r1_sha256 (RFC 5246 7.4.1.4.1 would mean SHA-1)",
            )),
            None => Err(Error::protocol(
                AD::HANDSHAKE_FAILURE,
                "no cipher suite in common",
            )),
        }
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
        if !hello.compression_methods.contains(&CompressionMethod::NULL) {
            return Err(Error::protocol(
                AD::ILLEGAL_PARAMETER,
                "client does not offer null compression",
            ));
        }
        let ext = hello.extensions.clone().unwrap_or_default();
        ext.check_unique()?;
        let params = self.choose_suite(hello, &ext)?;
        let ems = ext.contains(ExtensionType::EXTENDED_MASTER_SECRET);
        if !ems && self.config.common.require_extended_master_secret {
            return Err(Error::protocol(
                AD::HANDSHAKE_FAILURE,
                "client does not support extended_master_secret",
            ));
        }
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
            extended_master_secret: ems,
            server_name,
        };

        let mut sh_ext = Extensions::new();
        if ems {
            sh_ext.push_body(&ExtendedMasterSecret)?;
        }
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
        let sh = ServerHello {
            server_version: ProtocolVersion::DTLS1_2,
            random: server_random,
            session_id: Vec::new(),
            cipher_suite: params.suite,
            compression_method: CompressionMethod::NULL,
            extensions: Some(sh_ext),
        };
        core.queue_handshake(HT::SERVER_HELLO, sh.to_vec()?);
        let key = match params.key_exchange {
            KeyExchangeKind::Ecdhe => OurKey::Ecdhe(self.queue_certificate_and_key(core, rng, &hs)?),
            KeyExchangeKind::Psk => {
                // RFC 4279 2: ServerKeyExchange is sent only when there is a hint.
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
        core.queue_handshake(HT::SERVER_HELLO_DONE, Vec::new());
        core.send_flight(now, rng, true)?;
        self.state = State::ExpectClientKeyExchange(ExpectClientKeyExchange {
            hs,
            key,
            _address: validated,
        });
        Ok(())
    }

    /// Certificate and a signed ECDHE ServerKeyExchange (RFC 8422 5.3, 5.4).
    fn queue_certificate_and_key(
        &self,
        core: &mut Core,
        rng: &mut dyn SecureRandom,
        hs: &Negotiated,
    ) -> Result<Box<dyn crypto::KeyExchange>, Error> {
        let cert = self
            .config
            .certificate
            .as_ref()
            .ok_or(Error::Config("no certificate"))?;
        let msg = Certificate {
            certificate_list: cert.chain.clone(),
        };
        core.queue_handshake(HT::CERTIFICATE, msg.to_vec()?);
        let kx = core.provider().key_exchange(crypto::NamedGroup::P256, rng)?;
        let ecdh = ServerEcdhParams {
            named_group: NamedGroup::SECP256R1,
            public: kx.public_key().to_vec(),
        };
        let mut signed = Vec::with_capacity(64 + 70);
        signed.extend_from_slice(&hs.client_random);
        signed.extend_from_slice(&hs.server_random);
        ecdh.emit(&mut signed)?;
        let mut sig = [0u8; MAX_SIGNATURE_LEN];
        let n = cert.key.sign(&signed, rng, &mut sig)?;
        let ske = EcdheServerKeyExchange {
            params: ecdh,
            signed: DigitallySigned {
                algorithm: SignatureScheme::ECDSA_SECP256R1_SHA256,
                signature: sig.get(..n).unwrap_or(&[]).to_vec(),
            },
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
            (State::ExpectClientKeyExchange(s), HT::CLIENT_KEY_EXCHANGE) => {
                s.on_client_key_exchange(&self.config, core, now, rng, &m)?
            }
            (State::ExpectFinished(s), HT::FINISHED) => s.on_finished(core, now, rng, &m)?,
            (state, received) => return Err(unexpected(state.name(), state.expected(), received)),
        })
    }
}

impl ExpectClientKeyExchange {
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
        let (premaster, client): (Zeroizing<Vec<u8>>, ClientAuth) = match (cke, self.key) {
            (ClientKeyExchange::Psk(psk), OurKey::Psk) => {
                let store = config.psk_store.as_ref().ok_or(Error::Config("no PSK store"))?;
                let premaster = match store.key_for(&psk.identity) {
                    Some(key) => psk_premaster_secret(&key)?,
                    None => {
                        // An unknown identity must look exactly like a wrong key: carry on with
                        // a random key and fail at Finished (no oracle on which identities
                        // exist; RFC 4279 2 allows either alert).
                        let mut dummy = Zeroizing::new([0u8; 32]);
                        rng.fill(&mut dummy[..]);
                        psk_premaster_secret(&dummy[..])?
                    }
                };
                (
                    premaster,
                    ClientAuth::Psk {
                        identity: psk.identity,
                    },
                )
            }
            (ClientKeyExchange::Ecdhe(ecdh), OurKey::Ecdhe(kx)) => (
                ecdhe_premaster(kx.as_ref(), &ecdh.public, "invalid client ECDHE public key")?,
                ClientAuth::Anonymous,
            ),
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
        Ok(State::ExpectChangeCipherSpec(ExpectChangeCipherSpec {
            hs,
            secrets,
            client,
            read: ciphers.client_write,
            write: ciphers.server_write,
        }))
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
        // Handshake messages before the keys change must be in epoch 0, the Finished in the
        // new epoch.
        let expected_epoch = if matches!(self.state, State::ExpectFinished(_)) {
            core.read_epoch()
        } else {
            0
        };
        if message.epoch != expected_epoch {
            return Err(Error::protocol(
                AD::UNEXPECTED_MESSAGE,
                "handshake message in the wrong epoch",
            ));
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
                client: s.client,
                write: s.write,
            });
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
