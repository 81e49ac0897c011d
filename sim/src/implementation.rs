//! The framework seam: what a run asks of a DTLS implementation, in implementation-neutral
//! terms, and the registry of implementations the simulator can drive.
//!
//! A run names an implementation for each side ("ours", "openssl", ...). The world asks the
//! registered [`Implementation`] for an [`Endpoint`] built from an [`EndpointSpec`]; from
//! then on it only moves datagrams, time and application requests through that trait. The
//! network, the faults, the workload and the oracle never see a DTLS type, so an adapter for
//! another implementation plugs in here (in `sim/src/peers/`) without touching them.

use std::fmt;
use std::sync::Arc;

use dtls::Instant;

use crate::endpoint::{Endpoint, NodeId};

/// A cipher suite by its IANA name and code point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SuiteId {
    /// The IANA registry name, e.g. `TLS_PSK_WITH_AES_128_CCM_8`.
    pub name: &'static str,
    /// The two-byte code point.
    pub code: u16,
    /// How the suite authenticates, which decides the credentials it needs.
    pub auth: SuiteAuth,
}

/// The credential family of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuiteAuth {
    /// Plain pre-shared key (RFC 4279 2).
    Psk,
    /// ECDHE key agreement signed with an ECDSA certificate key (RFC 8422).
    EcdheEcdsa,
    /// ECDHE key agreement signed with an RSA certificate key (RFC 8422, RFC 5246 7.4.3).
    EcdheRsa,
    /// RSA key transport: the premaster encrypted to the server certificate's RSA key
    /// (RFC 5246 7.4.7.1).
    Rsa,
}

impl SuiteAuth {
    /// Whether the server authenticates with an RSA certificate.
    pub fn rsa(self) -> bool {
        matches!(self, SuiteAuth::EcdheRsa | SuiteAuth::Rsa)
    }
}

impl fmt::Display for SuiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

macro_rules! suites {
    ($($konst:ident = $code:literal, $auth:ident, $short:literal;)*) => {
        impl SuiteId {
            $(
                #[doc = concat!("`", stringify!($konst), "`.")]
                pub const $konst: SuiteId = SuiteId {
                    name: concat!("TLS_", stringify!($konst)),
                    code: $code,
                    auth: SuiteAuth::$auth,
                };
            )*
            /// Every suite the simulator can name (a superset of what any one implementation
            /// supports; [`Implementation::supports`] says which).
            pub const ALL: &'static [SuiteId] = &[$(SuiteId::$konst),*];
            /// Short names accepted on the command line, beside the IANA names.
            const SHORT: &'static [(&'static str, SuiteId)] = &[$(($short, SuiteId::$konst)),*];
        }
    };
}

suites! {
    PSK_WITH_AES_128_CCM_8 = 0xC0A8, Psk, "psk-ccm8";
    PSK_WITH_AES_128_GCM_SHA256 = 0x00A8, Psk, "psk-gcm";
    PSK_WITH_AES_128_CCM = 0xC0A4, Psk, "psk-ccm";
    PSK_WITH_AES_256_CCM_8 = 0xC0A9, Psk, "psk-aes256-ccm8";
    PSK_WITH_AES_128_CBC_SHA256 = 0x00AE, Psk, "psk-cbc";
    PSK_WITH_AES_256_GCM_SHA384 = 0x00A9, Psk, "psk-aes256-gcm";
    ECDHE_ECDSA_WITH_AES_128_CCM_8 = 0xC0AE, EcdheEcdsa, "ecdhe-ecdsa-ccm8";
    ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xC02B, EcdheEcdsa, "ecdhe-ecdsa-gcm";
    ECDHE_ECDSA_WITH_AES_128_CCM = 0xC0AC, EcdheEcdsa, "ecdhe-ecdsa-ccm";
    ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 = 0xC023, EcdheEcdsa, "ecdhe-ecdsa-cbc";
    ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xC02C, EcdheEcdsa, "ecdhe-ecdsa-aes256-gcm";
    ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xC02F, EcdheRsa, "ecdhe-rsa-gcm";
    ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xC030, EcdheRsa, "ecdhe-rsa-aes256-gcm";
    ECDHE_RSA_WITH_AES_128_CBC_SHA256 = 0xC027, EcdheRsa, "ecdhe-rsa-cbc";
    RSA_WITH_AES_128_CBC_SHA256 = 0x003C, Rsa, "rsa-cbc-sha256";
    RSA_WITH_AES_128_CBC_SHA = 0x002F, Rsa, "rsa-cbc-sha";
}

impl SuiteId {
    /// The suite with this IANA name or short name (case-insensitive).
    pub fn parse(s: &str) -> Result<SuiteId, String> {
        let lower = s.to_ascii_lowercase();
        // Older spellings kept working for replay commands already printed.
        let lower = match lower.as_str() {
            "psk-ccm_8" => "psk-ccm8".to_string(),
            "ecdhe-gcm" => "ecdhe-ecdsa-gcm".to_string(),
            "ecdhe-ccm8" => "ecdhe-ecdsa-ccm8".to_string(),
            _ => lower,
        };
        SuiteId::SHORT
            .iter()
            .find(|(n, _)| *n == lower)
            .map(|(_, id)| *id)
            .or_else(|| {
                SuiteId::ALL
                    .iter()
                    .copied()
                    .find(|id| id.name.eq_ignore_ascii_case(s))
            })
            .ok_or_else(|| {
                let names: Vec<&str> = SuiteId::ALL.iter().map(|id| id.name).collect();
                format!("unknown suite {s:?}; known: {}", names.join(", "))
            })
    }

    /// The suite with this code point, if the simulator knows it.
    pub fn from_code(code: u16) -> Option<SuiteId> {
        SuiteId::ALL.iter().copied().find(|id| id.code == code)
    }

    /// The short command-line name.
    pub fn short_name(self) -> &'static str {
        SuiteId::SHORT
            .iter()
            .find(|(_, id)| *id == self)
            .map_or(self.name, |(n, _)| n)
    }
}

/// A pre-shared key and its identity (RFC 4279).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PskSpec {
    /// The identity the client sends.
    pub identity: Vec<u8>,
    /// The key.
    pub key: Vec<u8>,
}

/// A certificate chain and the private key of its leaf.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertSpec {
    /// DER certificates, leaf first.
    pub chain_der: Vec<Vec<u8>>,
    /// The leaf's private key, PKCS#8 DER.
    pub key_pkcs8_der: Vec<u8>,
}

/// The handshake retransmission schedule an endpoint should use (RFC 6347 4.2.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetransmitSpec {
    /// First retransmission timeout, in ms (RFC 6347 4.2.4.1: 1 s).
    pub initial_ms: u64,
    /// Ceiling of the doubling timeout, in ms (RFC 6347 4.2.4.1: at least 60 s).
    pub max_ms: u64,
    /// Retransmissions of one flight before giving up. The oracle holds every endpoint to
    /// this bound; an adapter that cannot configure it must say so in [`Implementation::supports`]
    /// or its determinism caveat.
    pub max_retransmissions: u8,
    /// Longest a handshake may take, in ms (a server's bound on half-open sessions).
    pub handshake_timeout_ms: u64,
}

impl RetransmitSpec {
    /// Our engine's defaults (`dtls::config::Limits::DEFAULT`: RFC 6347's 1 s timer doubling
    /// to 60 s, and the engine's give-up count and handshake timeout), so that ours runs with
    /// its own defaults and every other implementation is asked for the same schedule.
    pub const DEFAULT: RetransmitSpec = {
        let l = dtls::config::Limits::DEFAULT;
        RetransmitSpec {
            initial_ms: l.retransmit_initial.as_millis(),
            max_ms: l.retransmit_max.as_millis(),
            max_retransmissions: l.max_retransmissions,
            handshake_timeout_ms: l.handshake_timeout.as_millis(),
        }
    };
}

impl Default for RetransmitSpec {
    fn default() -> Self {
        RetransmitSpec::DEFAULT
    }
}

/// What a run asks of one endpoint. Every field is plain data, so any implementation's
/// adapter can be configured from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EndpointSpec {
    /// The one suite to offer (client) or accept (server).
    pub suite: SuiteId,
    /// The PSK, for PSK suites (both sides; the server's table holds exactly this one).
    pub psk: Option<PskSpec>,
    /// The server's certificate and key, for certificate suites (server side only).
    pub credentials: Option<CertSpec>,
    /// DER certificates the client trusts as server leaves (pinned, byte for byte).
    pub trust_der: Vec<Vec<u8>>,
    /// The name the client sends in server_name and checks the certificate against.
    pub server_name: Option<String>,
    /// Server: answer ClientHellos without a valid cookie with HelloVerifyRequest.
    pub cookies: bool,
    /// Path MTU: the largest datagram to send, in bytes of UDP payload.
    pub mtu: usize,
    /// Require the peer to negotiate the extended master secret (RFC 7627); when false the
    /// endpoint offers it but also talks to peers that do not.
    pub require_extended_master_secret: bool,
    /// Seed of the endpoint's randomness: an adapter must draw every random byte from a
    /// stream seeded by it, or declare a [`Determinism::Caveat`].
    pub seed: u64,
    /// The retransmission schedule.
    pub retransmit: RetransmitSpec,
}

/// Which side an endpoint plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Starts the handshake.
    Client,
    /// Answers on one port, for any number of clients.
    Server,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Client => "client",
            Role::Server => "server",
        })
    }
}

/// Whether runs with an implementation are reproducible from their seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Determinism {
    /// Time and randomness come only from the simulator: same seed, same bytes.
    Full,
    /// The implementation reads its own clock or RNG somewhere; the text says where and what
    /// that means for replays. The simulator prints it with every result that involves it.
    Caveat(&'static str),
}

/// A DTLS implementation the simulator can drive: a factory of [`Endpoint`]s.
pub trait Implementation: Send + Sync {
    /// The name used on the command line and in reports (`ours`, `openssl`, ...).
    fn name(&self) -> &'static str;
    /// `Ok` if this implementation can play `role` with `spec` (suite available, credentials
    /// usable, ...); otherwise why not. The matrix reports such pairings as unsupported.
    fn supports(&self, spec: &EndpointSpec, role: Role) -> Result<(), String>;
    /// A client at node `me` that talks to the server at node `server`; its first flight is
    /// due at `now`.
    fn client(
        &self,
        spec: &EndpointSpec,
        me: NodeId,
        server: NodeId,
        now: Instant,
    ) -> Result<Box<dyn Endpoint>, String>;
    /// A server at node `me`, with no sessions yet.
    fn server(&self, spec: &EndpointSpec, me: NodeId, now: Instant) -> Result<Box<dyn Endpoint>, String>;
    /// Whether its runs are reproducible.
    fn determinism(&self) -> Determinism;
    /// The most times an endpoint built from `spec` re-sends one flight on its own timer:
    /// the bound the oracle holds it to. The default, the spec's
    /// [`RetransmitSpec::max_retransmissions`], is right for an implementation that applies
    /// the spec; one whose library fixes the count (OpenSSL's is 12) returns that instead,
    /// so the invariant still catches unbounded retransmission without failing a documented
    /// constant.
    fn max_retransmissions(&self, spec: &EndpointSpec) -> u8 {
        spec.retransmit.max_retransmissions
    }
}

impl fmt::Debug for dyn Implementation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Implementation({})", self.name())
    }
}

/// The server certificate the simulator hands to servers for certificate suites
/// (self-signed P-256, DER).
pub const SERVER_CERT_DER: &[u8] = include_bytes!("../data/server.crt.der");
/// Its private key (PKCS#8 DER).
pub const SERVER_KEY_DER: &[u8] = include_bytes!("../data/server.key.der");
/// The RSA server chain the simulator hands to servers for RSA suites: the test PKI's
/// RSA-2048 leaf for server.dtls.test and its intermediate (DER, leaf first), so the
/// Certificate message is about 1.8 KB and fragments at small MTUs.
pub const SERVER_RSA_CHAIN_DER: [&[u8]; 2] = [
    include_bytes!("../../dtls/tests/data/pki/rsa-server.crt.der"),
    include_bytes!("../../dtls/tests/data/pki/rsa-int.crt.der"),
];
/// Its leaf's private key (PKCS#8 DER).
pub const SERVER_RSA_KEY_DER: &[u8] = include_bytes!("../../dtls/tests/data/pki/rsa-server.key.der");
/// The PSK identity of simulated clients.
pub const PSK_IDENTITY: &[u8] = b"sim-device";
/// The PSK itself (a fixed test key).
pub const PSK_KEY: &[u8] = &[0x5a; 16];

/// Every registered implementation: ours, then the adapters in `sim/src/peers/`.
pub fn registry() -> Vec<Box<dyn Implementation>> {
    let mut all: Vec<Box<dyn Implementation>> = vec![Box::new(crate::ours::Ours::new())];
    all.extend(crate::peers::implementations());
    all
}

/// The names of the registered implementations, in registry order.
pub fn names() -> Vec<&'static str> {
    registry().iter().map(|i| i.name()).collect()
}

/// The implementation called `name`.
pub fn find(name: &str) -> Result<Box<dyn Implementation>, String> {
    let all = registry();
    let known: Vec<&'static str> = all.iter().map(|i| i.name()).collect();
    all.into_iter()
        .find(|i| i.name().eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            format!(
                "unknown implementation {name:?}; registered: {}",
                known.join(", ")
            )
        })
}

/// The implementations of the two sides of a run, resolved once and shared by many runs.
#[derive(Clone)]
pub struct Pairing {
    /// The clients' implementation.
    pub client: Arc<dyn Implementation>,
    /// The server's implementation.
    pub server: Arc<dyn Implementation>,
}

impl fmt::Debug for Pairing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} client vs {} server",
            self.client.name(),
            self.server.name()
        )
    }
}

impl Pairing {
    /// Looks both names up in the registry (one shared instance when they are the same).
    pub fn named(client: &str, server: &str) -> Result<Pairing, String> {
        let c: Arc<dyn Implementation> = Arc::from(find(client)?);
        let s = if server.eq_ignore_ascii_case(client) {
            c.clone()
        } else {
            Arc::from(find(server)?)
        };
        Ok(Pairing { client: c, server: s })
    }

    /// Whether this pairing serves these names.
    pub fn is(&self, client: &str, server: &str) -> bool {
        self.client.name().eq_ignore_ascii_case(client) && self.server.name().eq_ignore_ascii_case(server)
    }

    /// The determinism caveats of the two sides, each prefixed with its name (empty when both
    /// are fully deterministic).
    pub fn caveats(&self) -> Vec<String> {
        let mut out = Vec::new();
        for i in [&self.client, &self.server] {
            if let Determinism::Caveat(c) = i.determinism() {
                let line = format!("{}: {c}", i.name());
                if !out.contains(&line) {
                    out.push(line);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_names_and_codes_match_the_iana_registry_as_the_engine_knows_it() {
        for id in SuiteId::ALL {
            let cs = dtls::wire::CipherSuite(id.code);
            assert_eq!(cs.iana_name(), Some(id.name), "{id}");
            assert_eq!(SuiteId::parse(id.name).unwrap(), *id);
            assert_eq!(SuiteId::parse(id.short_name()).unwrap(), *id);
            assert_eq!(SuiteId::from_code(id.code), Some(*id));
        }
        assert!(SuiteId::parse("nope").is_err());
    }

    #[test]
    fn unknown_implementations_are_named_in_the_error() {
        assert_eq!(find("ours").unwrap().name(), "ours");
        let e = find("nonesuch").unwrap_err();
        assert!(e.contains("nonesuch") && e.contains("ours"), "{e}");
    }
}
