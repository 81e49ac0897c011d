//! Client and server configuration: suites, credentials, verifiers, path MTU and [`Limits`].

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use crate::crypto::{CryptoProvider, SigningKey};
use crate::error::Error;
use crate::suite;
use crate::time::Duration;
use crate::wire::CipherSuite;

pub use crate::handshake::limits::{ChainLimits, Limits};

/// Largest PSK the engine accepts (RFC 4279 5.3 requires at least 64 bytes of support).
pub const MAX_PSK_LEN: usize = 64;
/// Largest PSK identity or identity hint (RFC 4279 5.3 requires at least 128 bytes).
pub const MAX_PSK_IDENTITY_LEN: usize = 128;

/// A pre-shared key and the identity that names it.
#[derive(Clone)]
pub struct Psk {
    /// The identity sent in ClientKeyExchange (RFC 4279 2).
    pub identity: Vec<u8>,
    /// The key itself; zeroized when dropped.
    pub key: Zeroizing<Vec<u8>>,
}

impl Psk {
    /// A PSK, checked against the RFC 4279 5.3 sizes this engine supports.
    // catalogue: RFC4279-5.3-1, RFC4279-5.3-2
    pub fn new(identity: &[u8], key: &[u8]) -> Result<Self, Error> {
        if identity.len() > MAX_PSK_IDENTITY_LEN || key.is_empty() || key.len() > MAX_PSK_LEN {
            return Err(Error::Config(
                "PSK identity must be at most 128 bytes and the key 1 to 64 bytes",
            ));
        }
        Ok(Psk {
            identity: identity.to_vec(),
            key: Zeroizing::new(key.to_vec()),
        })
    }
}

impl fmt::Debug for Psk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Psk")
            .field("identity", &String::from_utf8_lossy(&self.identity))
            .field("key", &"<redacted>")
            .finish()
    }
}

/// Where the server finds the key for a PSK identity (RFC 4279 2: the server selects the key by
/// the identity the client sends).
pub trait PskStore: fmt::Debug + Send + Sync {
    /// The key for `identity`, or `None` if the identity is unknown.
    fn key_for(&self, identity: &[u8]) -> Option<Zeroizing<Vec<u8>>>;
}

/// A fixed table of PSKs, enough for most devices and tests.
#[derive(Debug, Default, Clone)]
pub struct PskTable {
    entries: Vec<Psk>,
}

impl PskTable {
    /// An empty table.
    pub fn new() -> Self {
        PskTable::default()
    }

    /// Adds an identity and its key.
    pub fn with(mut self, psk: Psk) -> Self {
        self.entries.push(psk);
        self
    }
}

impl PskStore for PskTable {
    fn key_for(&self, identity: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        self.entries
            .iter()
            .find(|p| p.identity == identity)
            .map(|p| p.key.clone())
    }
}

/// Decides whether to trust the server's certificate chain (leaf first, DER). The engine has
/// already checked that the leaf's key signed the handshake; the verifier judges the chain.
/// There is deliberately no default: a client must choose one.
pub trait CertificateVerifier: fmt::Debug + Send + Sync {
    /// `Ok(())` to trust the chain for `server_name` (if the client configured one).
    fn verify_server(&self, chain: &[Vec<u8>], server_name: Option<&str>) -> Result<(), Error>;

    /// `Ok(())` to trust a client's chain (leaf first, DER), on a server that asked for client
    /// certificates. The default trusts no client, so a verifier written for servers only can
    /// never accept one by accident. [`crate::pki::WebPkiVerifier`] validates chains.
    fn verify_client(&self, chain: &[Vec<u8>]) -> Result<(), Error> {
        let _ = chain;
        Err(Error::CertificateRejected)
    }
}

/// A verifier that trusts exactly the given leaf certificates (byte-for-byte), e.g. a pinned
/// self-signed device certificate.
#[derive(Debug, Clone, Default)]
pub struct PinnedCertificates {
    /// DER encodings of the trusted leaves.
    pub leaves: Vec<Vec<u8>>,
}

impl CertificateVerifier for PinnedCertificates {
    fn verify_server(&self, chain: &[Vec<u8>], _server_name: Option<&str>) -> Result<(), Error> {
        match chain.first() {
            Some(leaf) if self.leaves.iter().any(|l| l == leaf) => Ok(()),
            _ => Err(Error::CertificateRejected),
        }
    }

    fn verify_client(&self, chain: &[Vec<u8>]) -> Result<(), Error> {
        self.verify_server(chain, None)
    }
}

/// Whether a server asks clients for certificates (RFC 5246 7.4.4, 7.4.6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ClientAuth {
    /// No CertificateRequest (the default).
    #[default]
    None,
    /// Send CertificateRequest; a client that answers with an empty Certificate is served
    /// anonymously, one that sends a chain must pass the client verifier and CertificateVerify.
    Request,
    /// Send CertificateRequest and fail the handshake (handshake_failure, RFC 5246 7.4.6) if
    /// the client sends no certificate.
    Require,
}

/// A certificate chain and the private key of its leaf.
pub struct CertifiedKey {
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
    /// Signs ServerKeyExchange.
    pub key: Box<dyn SigningKey>,
}

impl fmt::Debug for CertifiedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertifiedKey")
            .field("chain_len", &self.chain.len())
            .field("key", &self.key.scheme())
            .finish()
    }
}

/// What both sides share.
#[derive(Debug, Clone)]
pub struct CommonConfig {
    /// The crypto provider.
    pub provider: Arc<dyn CryptoProvider + Send + Sync>,
    /// Suites in order of preference; each must be one the engine supports.
    pub cipher_suites: Vec<CipherSuite>,
    /// Path MTU: the largest datagram the engine will send, in bytes of UDP payload.
    pub mtu: usize,
    /// Require the peer to support the extended master secret (RFC 7627). On by default;
    /// turn off only to talk to old peers.
    pub require_extended_master_secret: bool,
    /// Bounds on every buffer and table, and the timers.
    pub limits: Limits,
    /// Smallest path MTU the flight back-off goes down to (RFC 6347 4.1.1.1; see
    /// `Limits::pmtu_backoff_after`). Default 256; a value above `mtu` means no back-off.
    pub min_mtu: usize,
    /// Pack several handshake messages into one record (RFC 6347 4.2.3 allows it; it saves
    /// a record header, nonce and tag per message). Off by default: constrained stacks such as
    /// tinydtls accept only one handshake message per record, and OpenSSL, Mbed TLS and GnuTLS
    /// send one per record too; records still share datagrams either way.
    pub compact: bool,
}

impl CommonConfig {
    /// Defaults: every supported suite, a 1200-byte MTU (safe over IPv6 with tunnels), EMS
    /// required, default limits. A build of the RustCrypto provider without `rustcrypto-rsa`
    /// cannot do RSA: leave the RSA and ECDHE_RSA suites out of `cipher_suites` there.
    pub fn new(provider: Arc<dyn CryptoProvider + Send + Sync>) -> Self {
        CommonConfig {
            provider,
            cipher_suites: suite::SUPPORTED.iter().map(|s| s.suite).collect(),
            mtu: 1200,
            require_extended_master_secret: true,
            limits: Limits::default(),
            min_mtu: DEFAULT_MIN_MTU,
            compact: false,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.cipher_suites.is_empty() {
            return Err(Error::Config("no cipher suites configured"));
        }
        #[cfg(not(feature = "psk"))]
        if self
            .cipher_suites
            .iter()
            .any(|s| s.key_exchange() == Some(crate::wire::KeyExchangeKind::Psk))
        {
            return Err(Error::Config("PSK suites need the engine's `psk` feature"));
        }
        // catalogue: RFC6347-4.1.2.2-1, RFC5246-A.5-1
        if self.cipher_suites.iter().any(|s| suite::lookup(*s).is_none()) {
            return Err(Error::Config(
                "a configured cipher suite is not supported by the engine",
            ));
        }
        if self.mtu < MIN_MTU || self.mtu > MAX_MTU {
            return Err(Error::Config("MTU must be between 128 and 65507 bytes"));
        }
        if self.min_mtu < MIN_MTU {
            // A floor above the MTU is not an error: the MTU is then the floor.
            return Err(Error::Config("min_mtu must be at least 128 bytes"));
        }
        self.limits.validate().map_err(|e| Error::Config(e.what))?;
        Ok(())
    }
}

/// Smallest path MTU accepted: enough for a record header, a handshake header, AEAD overhead
/// and some bytes of body per fragment.
pub const MIN_MTU: usize = 128;
/// Largest UDP payload over IPv4.
pub const MAX_MTU: usize = 65507;
/// Default floor of the path-MTU back-off.
pub const DEFAULT_MIN_MTU: usize = 256;

/// Client configuration.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Settings shared with the server side.
    pub common: CommonConfig,
    /// The PSK to offer, for PSK suites.
    pub psk: Option<Psk>,
    /// Judges the server's certificate chain, for certificate suites. Must be set explicitly
    /// to use them.
    pub verifier: Option<Arc<dyn CertificateVerifier>>,
    /// Sent in the server_name extension (RFC 6066 3) and passed to the verifier.
    pub server_name: Option<String>,
    /// Client certificates offered when the server sends CertificateRequest (RFC 5246 7.4.6),
    /// chosen with [`crate::pki::Identities::select_client`]: the chosen chain is sent and its
    /// key signs CertificateVerify. With none (or none that fits the request) the client
    /// answers with an empty Certificate.
    pub identities: Option<Arc<crate::pki::Identities>>,
}

impl ClientConfig {
    /// A client that offers the suites its credentials allow: PSK suites if `psk` is set,
    /// certificate suites if a verifier is set (call [`ClientConfig::validate`] via
    /// `Client::new`).
    pub fn new(provider: Arc<dyn CryptoProvider + Send + Sync>) -> Self {
        ClientConfig {
            common: CommonConfig::new(provider),
            psk: None,
            verifier: None,
            server_name: None,
            identities: None,
        }
    }

    /// The suites actually offered: the configured ones whose credentials are present.
    pub(crate) fn offered_suites(&self) -> Vec<CipherSuite> {
        use crate::wire::KeyExchangeKind as Kx;
        self.common
            .cipher_suites
            .iter()
            .copied()
            .filter(|s| match suite::lookup(*s).map(|p| p.key_exchange) {
                Some(Kx::Psk) => self.psk.is_some(),
                Some(Kx::Ecdhe | Kx::Rsa) => self.verifier.is_some(),
                _ => false,
            })
            .collect()
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        self.common.validate()?;
        #[cfg(not(feature = "psk"))]
        if self.psk.is_some() {
            return Err(Error::Config(
                "a PSK is configured but the engine is built without its `psk` feature",
            ));
        }
        if self.offered_suites().is_empty() {
            return Err(Error::Config(
                "no suite can be offered: PSK suites need a PSK, certificate suites need a verifier",
            ));
        }
        Ok(())
    }
}

/// Server configuration.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Settings shared with the client side.
    pub common: CommonConfig,
    /// Keys for PSK suites, by identity.
    pub psk_store: Option<Arc<dyn PskStore>>,
    /// Sent as the PSK identity hint in ServerKeyExchange (RFC 4279 2); omitted when `None`.
    pub psk_hint: Option<Vec<u8>>,
    /// One chain and key for certificate suites: the single-identity shorthand, kept for
    /// configurations that predate `identities`. It is used as one more identity after those
    /// of `identities` (so it is the fallback when both are set); it need not be migrated.
    pub certificate: Option<Arc<CertifiedKey>>,
    /// Chains and keys (say RSA and ECDSA) in order of preference. Each handshake picks the
    /// suite and identity with [`crate::pki::Identities::choose_suite`]: by the client's
    /// suites, signature_algorithms, supported_groups and server_name.
    pub identities: Option<Arc<crate::pki::Identities>>,
    /// Whether to ask clients for certificates on certificate suites (RFC 5246 7.4.4; PSK
    /// suites never ask). Anything but `None` needs `client_verifier`.
    pub client_auth: ClientAuth,
    /// Judges client chains when `client_auth` is not `None` (see
    /// [`CertificateVerifier::verify_client`]; [`crate::pki::WebPkiVerifier`] validates them
    /// against a trust store).
    pub client_verifier: Option<Arc<dyn CertificateVerifier>>,
    /// Distinguished names (DER) listed in CertificateRequest.certificate_authorities (RFC
    /// 5246 7.4.4), e.g. [`crate::pki::TrustStore::subjects`] of the client roots. Empty by
    /// default: the list only helps clients with several identities, and costs flight bytes.
    pub client_ca_names: Vec<Vec<u8>>,
    /// Answer ClientHellos without a valid cookie with a HelloVerifyRequest (RFC 6347 4.2.1).
    /// On by default: without it a spoofed ClientHello makes the server do work and answer
    /// with a large flight (amplification).
    pub cookies: bool,
    /// How often the engine replaces the cookie secret on its own timer (default 60 s). A
    /// cookie stays valid across exactly one rotation, so for between one and two periods:
    /// long enough for a client to answer a HelloVerifyRequest over a lossy path, short
    /// enough that a captured cookie is soon useless (RFC 6347 4.2.1).
    pub cookie_rotation: Duration,
}

impl ServerConfig {
    /// A server with cookies on and no credentials yet.
    pub fn new(provider: Arc<dyn CryptoProvider + Send + Sync>) -> Self {
        ServerConfig {
            common: CommonConfig::new(provider),
            psk_store: None,
            psk_hint: None,
            certificate: None,
            identities: None,
            client_auth: ClientAuth::None,
            client_verifier: None,
            client_ca_names: Vec::new(),
            // catalogue: RFC6347-4.2.1-16
            cookies: true,
            cookie_rotation: Duration::from_secs(60),
        }
    }

    /// Whether the server can negotiate `suite` with its credentials.
    pub(crate) fn can_use(&self, s: CipherSuite) -> bool {
        use crate::wire::KeyExchangeKind as Kx;
        self.common.cipher_suites.contains(&s)
            && match suite::lookup(s).map(|p| p.key_exchange) {
                Some(Kx::Psk) => self.psk_store.is_some(),
                Some(Kx::Ecdhe | Kx::Rsa) => self.has_identity(),
                _ => false,
            }
    }

    fn has_identity(&self) -> bool {
        self.certificate.is_some() || self.identities.as_ref().is_some_and(|i| !i.is_empty())
    }

    /// The identities a handshake chooses from: `identities`, then `certificate`. Built once
    /// per server ([`crate::Server::new`]), since it parses every certificate.
    pub(crate) fn server_identities(&self) -> Result<crate::pki::Identities, Error> {
        let mut all = self.identities.as_deref().cloned().unwrap_or_default();
        if let Some(certified) = &self.certificate {
            all.add(crate::pki::Identity::from_certified(certified.clone())?);
        }
        Ok(all)
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        self.common.validate()?;
        #[cfg(not(feature = "psk"))]
        if self.psk_store.is_some() {
            return Err(Error::Config(
                "a PSK store is configured but the engine is built without its `psk` feature",
            ));
        }
        if self.cookies && self.cookie_rotation == Duration::ZERO {
            return Err(Error::Config("cookie_rotation must be positive"));
        }
        if let Some(hint) = &self.psk_hint
            && hint.len() > MAX_PSK_IDENTITY_LEN
        {
            return Err(Error::Config("PSK identity hint longer than 128 bytes"));
        }
        if !self.common.cipher_suites.iter().any(|s| self.can_use(*s)) {
            return Err(Error::Config(
                "no suite can be negotiated: PSK suites need a PSK store, certificate suites a certificate",
            ));
        }
        if self.client_auth != ClientAuth::None && self.client_verifier.is_none() {
            return Err(Error::Config(
                "client_auth asks for client certificates but no client_verifier judges them",
            ));
        }
        Ok(())
    }
}
