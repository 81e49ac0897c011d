//! The client handshake (RFC 6347 4.2, RFC 5246 7.3) and the public [`Client`].

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::core::{Core, Phase};
use super::driver::{self, Message, Role};
use super::keys::{Secrets, ecdhe_premaster};
use super::{Event, PeerIdentity};
use crate::codec::Codec;
use crate::config::ClientConfig;
use crate::crypto::prf::psk_premaster_secret;
use crate::crypto::{self, SecureRandom};
use crate::error::Error;
use crate::suite::{self, SuiteParams};
use crate::time::Instant;
use crate::wire::{
    AlertDescription as AD, Certificate, CipherSuite, ClientHello, ClientKeyExchange, CompressionMethod,
    ECPointFormat, EcPointFormats, EcdhClientKeyExchange, EcdheServerKeyExchange, ExtendedMasterSecret,
    ExtensionType, Extensions, HandshakeType as HT, HelloVerifyRequest, KeyExchangeKind, NamedGroup,
    ProtocolVersion, PskClientKeyExchange, PskServerKeyExchange, RenegotiationInfo, ServerHello,
    ServerNameList, SignatureAlgorithms, SignatureScheme, SupportedGroups,
};

/// What the client waits for next.
#[derive(Debug)]
enum State {
    /// ServerHello, or HelloVerifyRequest if none has been received yet.
    ServerHello,
    /// The server's Certificate (ECDHE suites).
    Certificate,
    /// ServerKeyExchange: mandatory for ECDHE, optional (identity hint) for PSK.
    ServerKeyExchange,
    /// ServerHelloDone.
    ServerHelloDone,
    /// The server's ChangeCipherSpec.
    ChangeCipherSpec,
    /// The server's Finished.
    Finished,
    /// Handshake over.
    Done,
}

/// What has been negotiated so far.
#[derive(Debug)]
struct ClientHs {
    config: Arc<ClientConfig>,
    state: State,
    client_random: [u8; 32],
    cookie: Vec<u8>,
    hello_verified: bool,
    params: Option<&'static SuiteParams>,
    server_random: [u8; 32],
    extended_master_secret: bool,
    server_chain: Vec<Vec<u8>>,
    server_public: Option<Vec<u8>>,
    /// The server sent CertificateRequest; we answer with an empty Certificate (no client
    /// certificate is configured; client authentication is a later feature).
    certificate_requested: bool,
    secrets: Option<Secrets>,
}

/// A DTLS client connection, sans-IO. See the crate docs for the polling order.
#[derive(Debug)]
pub struct Client {
    core: Core,
    hs: ClientHs,
    rng: Box<dyn SecureRandom + Send>,
    held: Vec<Vec<u8>>,
}

impl Client {
    /// Creates a client and its first flight (the ClientHello), ready to be polled.
    pub fn new(
        config: Arc<ClientConfig>,
        mut rng: Box<dyn SecureRandom + Send>,
        now: Instant,
    ) -> Result<Self, Error> {
        config.validate()?;
        let mut client_random = [0u8; 32];
        rng.fill(&mut client_random);
        let mut core = Core::new(
            config.common.provider.clone(),
            config.common.limits,
            config.common.mtu,
        );
        let hs = ClientHs {
            config,
            state: State::ServerHello,
            client_random,
            cookie: Vec::new(),
            hello_verified: false,
            params: None,
            server_random: [0; 32],
            extended_master_secret: false,
            server_chain: Vec::new(),
            server_public: None,
            certificate_requested: false,
            secrets: None,
        };
        let body = hs.client_hello()?;
        core.queue_handshake(HT::CLIENT_HELLO, body, true);
        core.send_flight(now, rng.as_mut(), true)?;
        Ok(Client {
            core,
            hs,
            rng,
            held: Vec::new(),
        })
    }

    /// Feeds one received datagram.
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        if self.core.phase == Phase::Closed {
            return;
        }
        self.core.receive_datagram(datagram);
        driver::drive(
            &mut self.core,
            &mut self.hs,
            now,
            self.rng.as_mut(),
            &mut self.held,
        );
    }

    /// Tells the client that `now` has been reached; call when `poll_timeout` expires.
    pub fn handle_timeout(&mut self, now: Instant) {
        driver::on_timeout(&mut self.core, now, self.rng.as_mut());
    }

    /// Copies the next datagram to send into `buf`, returning its length.
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<usize> {
        poll_transmit(&mut self.core, buf)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.events.pop_front()
    }

    /// When `handle_timeout` must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.core.timer.deadline()
    }

    /// Sends one datagram of application data.
    pub fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        driver::send(&mut self.core, data, self.rng.as_mut())
    }

    /// Starts a graceful close (close_notify).
    pub fn close(&mut self, now: Instant) {
        driver::close(&mut self.core, now, self.rng.as_mut());
    }

    /// Whether the handshake completed and the connection is open.
    pub fn is_connected(&self) -> bool {
        self.core.phase == Phase::Connected
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.core.phase == Phase::Closed
    }

    /// Largest application payload one `send` can carry.
    pub fn max_payload(&self) -> usize {
        self.core.max_payload()
    }

    /// Record-layer counters (accepted and dropped records by reason).
    pub fn record_stats(&self) -> &crate::record::RecordStats {
        self.core.records.stats()
    }

    /// Flights re-sent so far.
    pub fn retransmissions(&self) -> u64 {
        self.core.retransmissions
    }

    /// The master secret and client random, for NSS key log lines, once keys exist.
    pub fn keylog(&self) -> Option<([u8; 32], [u8; 48])> {
        let secrets = self.hs.secrets.as_ref()?;
        Some((self.hs.client_random, *secrets.master_secret()))
    }
}

/// Moves the next queued datagram into `buf`. A datagram larger than `buf` is dropped, not
/// truncated (the caller's buffer must hold an MTU).
pub(crate) fn poll_transmit(core: &mut Core, buf: &mut [u8]) -> Option<usize> {
    while let Some(d) = core.tx.pop_front() {
        if let Some(slot) = buf.get_mut(..d.len()) {
            slot.copy_from_slice(&d);
            return Some(d.len());
        }
    }
    None
}

fn unexpected(what: &'static str) -> Error {
    Error::protocol(AD::UNEXPECTED_MESSAGE, what)
}

impl ClientHs {
    fn offers_ecdhe(&self) -> bool {
        self.config
            .offered_suites()
            .iter()
            .any(|s| suite::lookup(*s).is_some_and(|p| p.key_exchange == KeyExchangeKind::Ecdhe))
    }

    fn client_hello(&self) -> Result<Vec<u8>, Error> {
        let mut ext = Extensions::new();
        if self.offers_ecdhe() {
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
        if let Some(name) = &self.config.server_name {
            ext.push_body(&ServerNameList::host_name(name.as_bytes()))?;
        }
        let hello = ClientHello {
            client_version: ProtocolVersion::DTLS1_2,
            random: self.client_random,
            session_id: Vec::new(),
            cookie: self.cookie.clone(),
            // RFC 5746 3.4: an initial handshake signals secure renegotiation with either the
            // SCSV or an empty renegotiation_info extension; the SCSV is 3 bytes smaller.
            cipher_suites: {
                let mut suites = self.config.offered_suites();
                suites.push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
                suites
            },
            compression_methods: vec![CompressionMethod::NULL],
            extensions: Some(ext),
        };
        Ok(hello.to_vec()?)
    }

    fn on_hello_verify_request(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        body: &[u8],
    ) -> Result<(), Error> {
        // RFC 6347 4.2.1: at most one HelloVerifyRequest is answered per handshake, and never
        // after a ServerHello (TESTING.md: "HelloVerifyRequest after ServerHello").
        if self.hello_verified {
            return Err(unexpected("second HelloVerifyRequest"));
        }
        let hvr = HelloVerifyRequest::parse(body)?;
        self.hello_verified = true;
        self.cookie = hvr.cookie;
        core.flight_acknowledged(now);
        // The first ClientHello and the HelloVerifyRequest are not part of the transcript
        // (RFC 6347 4.2.1).
        core.transcript.clear();
        let hello = self.client_hello()?;
        core.queue_handshake(HT::CLIENT_HELLO, hello, true);
        core.send_flight(now, rng, true)
    }

    fn on_server_hello(&mut self, body: &[u8]) -> Result<(), Error> {
        let sh = ServerHello::parse(body)?;
        if sh.server_version != ProtocolVersion::DTLS1_2 {
            return Err(Error::protocol(
                AD::PROTOCOL_VERSION,
                "server chose a version other than DTLS 1.2",
            ));
        }
        let offered = self.config.offered_suites();
        if !offered.contains(&sh.cipher_suite) {
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
                }
                ExtensionType::SERVER_NAME if self.config.server_name.is_some() => {}
                ExtensionType::EC_POINT_FORMATS if self.offers_ecdhe() => {}
                // RFC 5246 7.4.1.4: a server must not send an extension the client did not offer.
                _ => {
                    return Err(Error::protocol(
                        AD::UNSUPPORTED_EXTENSION,
                        "unsolicited extension in ServerHello",
                    ));
                }
            }
        }
        if !ems && self.config.common.require_extended_master_secret {
            return Err(Error::protocol(
                AD::HANDSHAKE_FAILURE,
                "server does not support extended_master_secret",
            ));
        }
        self.extended_master_secret = ems;
        self.server_random = sh.random;
        self.params = Some(params);
        self.state = match params.key_exchange {
            KeyExchangeKind::Ecdhe => State::Certificate,
            _ => State::ServerKeyExchange,
        };
        Ok(())
    }

    fn params(&self) -> Result<&'static SuiteParams, Error> {
        self.params
            .ok_or(Error::protocol(AD::INTERNAL_ERROR, "no suite negotiated"))
    }

    fn on_certificate(&mut self, body: &[u8]) -> Result<(), Error> {
        let cert = Certificate::parse(body)?;
        if cert.certificate_list.is_empty() {
            return Err(Error::protocol(AD::BAD_CERTIFICATE, "server sent no certificate"));
        }
        self.server_chain = cert.certificate_list;
        self.state = State::ServerKeyExchange;
        Ok(())
    }

    fn on_server_key_exchange(&mut self, core: &mut Core, body: &[u8]) -> Result<(), Error> {
        let params = self.params()?;
        match params.key_exchange {
            KeyExchangeKind::Psk => {
                // The hint is advisory; we always send our configured identity (RFC 4279 5.2).
                let _hint = PskServerKeyExchange::parse(body)?;
            }
            KeyExchangeKind::Ecdhe => {
                let (ske, _) = EcdheServerKeyExchange::parse_with_params(body)?;
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
                let leaf = self
                    .server_chain
                    .first()
                    .ok_or(unexpected("ServerKeyExchange before Certificate"))?;
                let spki = crate::pki::leaf_public_key(leaf)?;
                let message = ske.signed_message(&self.client_random, &self.server_random)?;
                core.provider
                    .verify(
                        crypto::SignatureScheme::EcdsaP256Sha256,
                        &spki,
                        &message,
                        &ske.signed.signature,
                    )
                    .map_err(|_| {
                        Error::protocol(AD::DECRYPT_ERROR, "ServerKeyExchange signature does not verify")
                    })?;
                let verifier = self.config.verifier.as_ref().ok_or(Error::CertificateRejected)?;
                verifier.verify_server(&self.server_chain, self.config.server_name.as_deref())?;
                self.server_public = Some(ske.params.public);
            }
            _ => return Err(unexpected("ServerKeyExchange for this suite")),
        }
        self.state = State::ServerHelloDone;
        Ok(())
    }

    fn on_server_hello_done(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        body: &[u8],
    ) -> Result<(), Error> {
        if !body.is_empty() {
            return Err(Error::protocol(AD::DECODE_ERROR, "ServerHelloDone with a body"));
        }
        let params = self.params()?;
        let provider = core.provider.clone();
        let (cke, premaster): (ClientKeyExchange, Zeroizing<Vec<u8>>) = match params.key_exchange {
            KeyExchangeKind::Psk => {
                let psk = self
                    .config
                    .psk
                    .as_ref()
                    .ok_or(Error::Config("PSK suite without a PSK"))?;
                (
                    ClientKeyExchange::Psk(PskClientKeyExchange {
                        identity: psk.identity.clone(),
                    }),
                    psk_premaster_secret(&psk.key)?,
                )
            }
            KeyExchangeKind::Ecdhe => {
                let server_public = self
                    .server_public
                    .as_ref()
                    .ok_or(unexpected("ServerHelloDone before ServerKeyExchange"))?;
                let kx = provider.key_exchange(crypto::NamedGroup::P256, rng)?;
                let premaster =
                    ecdhe_premaster(kx.as_ref(), server_public, "invalid server ECDHE public key")?;
                (
                    ClientKeyExchange::Ecdhe(EcdhClientKeyExchange {
                        public: kx.public_key().to_vec(),
                    }),
                    premaster,
                )
            }
            _ => return Err(unexpected("key exchange")),
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
            core.queue_handshake(HT::CERTIFICATE, empty.to_vec()?, true);
        }
        core.queue_handshake(HT::CLIENT_KEY_EXCHANGE, cke_body, true);
        let (secrets, ciphers) = Secrets::establish(
            core,
            params,
            &premaster,
            &self.client_random,
            &self.server_random,
            self.extended_master_secret,
        )?;
        core.queue_change_cipher_spec();
        core.records.install_write(ciphers.client_write)?;
        core.pending_read = Some(ciphers.server_write);
        let finished = secrets.finished_body(core, true)?;
        core.queue_handshake(HT::FINISHED, finished, true);
        self.secrets = Some(secrets);
        self.state = State::ChangeCipherSpec;
        core.send_flight(now, rng, true)
    }

    fn on_finished(
        &mut self,
        core: &mut Core,
        now: Instant,
        body: &[u8],
        message_seq: u16,
    ) -> Result<(), Error> {
        let params = self.params()?;
        let secrets = self.secrets.as_ref().ok_or(unexpected("Finished before keys"))?;
        // The server's Finished covers everything up to and including our Finished.
        secrets.check_finished(core, false, body)?;
        core.add_to_transcript(HT::FINISHED, message_seq, body);
        core.flight_acknowledged(now);
        self.state = State::Done;
        core.phase = Phase::Connected;
        let peer = match params.key_exchange {
            KeyExchangeKind::Ecdhe => PeerIdentity::Certificate {
                chain: self.server_chain.clone(),
            },
            _ => PeerIdentity::Psk {
                identity: self
                    .config
                    .psk
                    .as_ref()
                    .map(|p| p.identity.clone())
                    .unwrap_or_default(),
            },
        };
        core.events.push_back(Event::Connected {
            suite: params.suite,
            peer,
            server_name: None,
        });
        Ok(())
    }
}

impl Role for ClientHs {
    fn on_handshake(
        &mut self,
        core: &mut Core,
        now: Instant,
        rng: &mut dyn SecureRandom,
        message: Message,
    ) -> Result<(), Error> {
        let Message {
            msg_type,
            message_seq,
            body,
            epoch,
        } = message;
        // Handshake messages before our keys change must be in epoch 0, the Finished in the
        // new epoch: anything else is an injected or confused record.
        let expected_epoch = if matches!(self.state, State::Finished) {
            core.records.read_epoch()
        } else {
            0
        };
        if epoch != expected_epoch || (matches!(self.state, State::Finished) && epoch == 0) {
            return Err(unexpected("handshake message in the wrong epoch"));
        }
        match (&self.state, msg_type) {
            (State::ServerHello, HT::HELLO_VERIFY_REQUEST) => {
                self.on_hello_verify_request(core, now, rng, &body)
            }
            (State::ServerHello, HT::SERVER_HELLO) => {
                core.flight_acknowledged(now);
                core.add_to_transcript(msg_type, message_seq, &body);
                self.on_server_hello(&body)
            }
            (State::Certificate, HT::CERTIFICATE) => {
                core.add_to_transcript(msg_type, message_seq, &body);
                self.on_certificate(&body)
            }
            (State::ServerKeyExchange, HT::SERVER_KEY_EXCHANGE) => {
                core.add_to_transcript(msg_type, message_seq, &body);
                self.on_server_key_exchange(core, &body)
            }
            (State::ServerKeyExchange, HT::SERVER_HELLO_DONE)
                if self
                    .params
                    .is_some_and(|p| p.key_exchange == KeyExchangeKind::Psk) =>
            {
                // RFC 4279 2: a PSK server without a hint may omit ServerKeyExchange.
                core.add_to_transcript(msg_type, message_seq, &body);
                self.on_server_hello_done(core, now, rng, &body)
            }
            // RFC 5246 7.4.4: only a certificate-authenticated server may ask, once, between
            // ServerKeyExchange and ServerHelloDone.
            (State::ServerHelloDone, HT::CERTIFICATE_REQUEST)
                if !self.certificate_requested
                    && self
                        .params
                        .is_some_and(|p| p.key_exchange == KeyExchangeKind::Ecdhe) =>
            {
                crate::wire::CertificateRequest::parse(&body)?;
                core.add_to_transcript(msg_type, message_seq, &body);
                self.certificate_requested = true;
                Ok(())
            }
            (State::ServerHelloDone, HT::SERVER_HELLO_DONE) => {
                core.add_to_transcript(msg_type, message_seq, &body);
                self.on_server_hello_done(core, now, rng, &body)
            }
            (State::Finished, HT::FINISHED) => self.on_finished(core, now, &body, message_seq),
            (_, HT::HELLO_REQUEST) => Ok(()), // RFC 5246 7.4.1.1: ignored during a handshake
            _ => Err(unexpected("handshake message out of order")),
        }
    }

    fn awaiting_change_cipher_spec(&self) -> bool {
        matches!(self.state, State::ChangeCipherSpec)
    }

    fn expect_finished(&mut self) {
        self.state = State::Finished;
    }

    fn renegotiation_trigger(&self) -> HT {
        HT::HELLO_REQUEST
    }
}
