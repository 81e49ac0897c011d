//! Chain validation: from the peer's leaf through the intermediates it sent to an anchor of a
//! [`TrustStore`], with `webpki` building and checking the path and our provider checking the
//! signatures.
//!
//! What is checked (RFC 5280 6.1 as webpki implements it, plus two checks of ours):
//! - every signature on the path (ECDSA P-256/P-384 with SHA-256/384, RSA PKCS#1 v1.5 and
//!   RSA-PSS with SHA-256/384), through [`CryptoProvider::verify`];
//! - every certificate's validity period against the configured [`ValidityCheck`];
//! - basicConstraints: issuers are CAs, the leaf is not, pathLenConstraint holds;
//! - extendedKeyUsage serverAuth or clientAuth, when the extension is present (also on CAs);
//! - keyUsage keyCertSign on every intermediate whose keyUsage is present (ours: webpki
//!   skips keyUsage entirely), and digitalSignature on a client leaf;
//! - the server name against the leaf's subjectAltName (never the CN), when one is given;
//! - name constraints of the anchors and intermediates;
//! - [`ChainLimits`] (ours): the number of certificates and their total size, before any
//!   parsing.
//!
//! Not checked: revocation (no CRL or OCSP source in a sans-IO engine), certificate policies.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::Cell;
use core::fmt;

use pki_types::{CertificateDer, ServerName, SignatureVerificationAlgorithm, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use super::algorithms::algorithms;
use super::cert::{CertificateInfo, KeyUse};
use super::store::TrustStore;
use crate::config::CertificateVerifier;
use crate::crypto::CryptoProvider;
use crate::error::{CertificateError, CertificateErrorKind as Kind, Error};
pub use crate::handshake::limits::ChainLimits;

/// Where the validation time comes from. The engine has no clock (its `Instant` is monotonic
/// and relative), so wall-clock time for certificate validity is the configuration's business.
pub trait TimeSource: fmt::Debug + Send + Sync {
    /// Seconds since 1970-01-01T00:00:00Z, or `None` if the device does not know the date
    /// (yet), in which case validation fails with `certificate_unknown`.
    fn unix_time(&self) -> Option<u64>;
}

/// A fixed validation time: for tests, simulations, and devices that set it from a trusted
/// source before each handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedTime(pub u64);

impl TimeSource for FixedTime {
    fn unix_time(&self) -> Option<u64> {
        Some(self.0)
    }
}

/// The host's wall clock (`std::time::SystemTime`).
#[cfg(feature = "std")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

#[cfg(feature = "std")]
impl TimeSource for SystemClock {
    fn unix_time(&self) -> Option<u64> {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs())
    }
}

/// How certificate validity periods are checked.
#[derive(Debug, Clone)]
pub enum ValidityCheck {
    /// Against the time this source gives at each validation.
    At(Arc<dyn TimeSource>),
    /// **Insecure: expired and not-yet-valid certificates are accepted.** For devices with no
    /// notion of the date at all, which must say so explicitly. Validation runs at a moment
    /// inside the leaf's validity period (the latest notBefore of the certificates sent, when
    /// that is within every one's period), so a chain whose periods do not overlap still fails.
    IgnoreValidityPeriod,
}

impl ValidityCheck {
    /// Checks validity against `source`.
    pub fn at(source: impl TimeSource + 'static) -> Self {
        ValidityCheck::At(Arc::new(source))
    }
}

/// When the server's name is compared with the leaf's subjectAltName.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NameCheck {
    /// When the client configured a server name (the default). Without one, any chain to a
    /// trusted anchor is accepted: configure a name whenever the server has one.
    #[default]
    WhenGiven,
    /// Always: a client without a configured server name rejects every chain.
    Required,
}

/// Which end of the connection a chain belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainRole {
    /// A server's chain: extendedKeyUsage serverAuth.
    Server,
    /// A client's chain: extendedKeyUsage clientAuth, and a leaf that may sign.
    Client,
}

/// The X.509 verifier: a [`CertificateVerifier`] that validates whole chains against a trust
/// store. Use one with the client's roots in `ClientConfig::verifier`, and one with the roots
/// for client certificates on the server.
#[derive(Clone)]
pub struct WebPkiVerifier {
    provider: Arc<dyn CryptoProvider + Send + Sync>,
    roots: TrustStore,
    validity: ValidityCheck,
    limits: ChainLimits,
    name_check: NameCheck,
}

impl fmt::Debug for WebPkiVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebPkiVerifier")
            .field("roots", &self.roots.len())
            .field("validity", &self.validity)
            .field("limits", &self.limits)
            .field("name_check", &self.name_check)
            .finish_non_exhaustive()
    }
}

fn err(kind: Kind, reason: &'static str) -> CertificateError {
    CertificateError::new(kind, reason)
}

impl WebPkiVerifier {
    /// A verifier trusting `roots`, checking validity with `validity`, default limits, names
    /// checked when given.
    pub fn new(
        provider: Arc<dyn CryptoProvider + Send + Sync>,
        roots: TrustStore,
        validity: ValidityCheck,
    ) -> Self {
        WebPkiVerifier {
            provider,
            roots,
            validity,
            limits: ChainLimits::DEFAULT,
            name_check: NameCheck::default(),
        }
    }

    /// Replaces the chain bounds. Inside a handshake the engine has already applied
    /// `Limits::chain` to the peer's chain before any verifier sees it; this bound is the
    /// verifier's own, for chains validated outside a handshake (or to be stricter).
    pub fn with_limits(mut self, limits: ChainLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Replaces the name policy.
    pub fn with_name_check(mut self, name_check: NameCheck) -> Self {
        self.name_check = name_check;
        self
    }

    /// The trust store, to add or remove anchors before the verifier is shared.
    pub fn roots_mut(&mut self) -> &mut TrustStore {
        &mut self.roots
    }

    /// The trust store.
    pub fn roots(&self) -> &TrustStore {
        &self.roots
    }

    /// Validates `chain` (DER, leaf first, then the intermediates the peer sent in any order)
    /// for `role`, and the leaf for `server_name` when given.
    pub fn verify_chain(
        &self,
        chain: &[Vec<u8>],
        role: ChainRole,
        server_name: Option<&str>,
    ) -> Result<(), CertificateError> {
        let (leaf, intermediates) = chain
            .split_first()
            .ok_or(err(Kind::Missing, "the peer sent no certificate"))?;
        self.limits.check(chain)?;
        let name = match (server_name, self.name_check, role) {
            (Some(name), _, ChainRole::Server) => Some(ServerName::try_from(name).map_err(|_| {
                err(
                    Kind::NameMismatch,
                    "configured server name is not a DNS name or IP address",
                )
            })?),
            (None, NameCheck::Required, ChainRole::Server) => {
                return Err(err(
                    Kind::NameMismatch,
                    "no server name configured to check the certificate against",
                ));
            }
            _ => None,
        };

        let time = self.validation_time(chain)?;
        let leaf_der = CertificateDer::from(leaf.as_slice());
        let end_entity = EndEntityCert::try_from(&leaf_der).map_err(|e| map_webpki(&e, None))?;
        let intermediates: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        let algs = algorithms(&*self.provider);
        let algs: Vec<&dyn SignatureVerificationAlgorithm> = algs
            .iter()
            .map(|a| a as &dyn SignatureVerificationAlgorithm)
            .collect();
        let usage = match role {
            ChainRole::Server => KeyUsage::server_auth(),
            ChainRole::Client => KeyUsage::client_auth(),
        };

        // keyUsage, which webpki ignores, checked on each candidate path so that path building
        // can try another one. The reason travels out beside webpki's error.
        let refusal: Cell<Option<CertificateError>> = Cell::new(None);
        let check_path = |path: &webpki::VerifiedPath<'_>| -> Result<(), webpki::Error> {
            match check_key_usage(path, role) {
                Ok(()) => Ok(()),
                Err(e) => {
                    refusal.set(Some(e));
                    #[allow(deprecated)]
                    Err(webpki::Error::RequiredEkuNotFound)
                }
            }
        };
        end_entity
            .verify_for_usage(
                &algs,
                self.roots.webpki_anchors(),
                &intermediates,
                time,
                usage,
                None,
                Some(&check_path),
            )
            .map_err(|e| map_webpki(&e, refusal.get()))?;
        if let Some(name) = name {
            end_entity
                .verify_is_valid_for_subject_name(&name)
                .map_err(|e| map_webpki(&e, None))?;
        }
        Ok(())
    }

    fn validation_time(&self, chain: &[Vec<u8>]) -> Result<UnixTime, CertificateError> {
        let secs = match &self.validity {
            ValidityCheck::At(source) => source.unix_time().ok_or(err(
                Kind::TimeUnavailable,
                "the time source does not know the time",
            ))?,
            ValidityCheck::IgnoreValidityPeriod => {
                let mut latest_start = 0u64;
                let mut earliest_end = u64::MAX;
                for cert in chain {
                    let info = CertificateInfo::parse(cert)?;
                    latest_start = latest_start.max(info.not_before);
                    earliest_end = earliest_end.min(info.not_after);
                }
                if latest_start <= earliest_end {
                    latest_start
                } else {
                    // No common moment: validate at the leaf's start and let webpki report
                    // whichever certificate does not cover it.
                    chain
                        .first()
                        .map(|leaf| CertificateInfo::parse(leaf).map(|i| i.not_before))
                        .transpose()?
                        .unwrap_or(0)
                }
            }
        };
        Ok(UnixTime::since_unix_epoch(core::time::Duration::from_secs(secs)))
    }
}

/// keyCertSign on every intermediate whose keyUsage is present (RFC 5280 4.2.1.3: "the
/// keyCertSign bit MUST be asserted" for keys that verify certificate signatures), and
/// digitalSignature on a client's leaf (it signs CertificateVerify, RFC 5246 7.4.8).
fn check_key_usage(path: &webpki::VerifiedPath<'_>, role: ChainRole) -> Result<(), CertificateError> {
    for ca in path.intermediate_certificates() {
        let info = CertificateInfo::parse(ca.der().as_ref())?;
        if info.key_usage.is_some_and(|ku| !ku.key_cert_sign) {
            return Err(err(
                Kind::BadConstraints,
                "an intermediate's keyUsage lacks keyCertSign",
            ));
        }
    }
    if role == ChainRole::Client {
        let leaf = CertificateInfo::parse(path.end_entity().der().as_ref())?;
        if !leaf.allows(KeyUse::Sign) {
            return Err(err(
                Kind::WrongUsage,
                "client certificate keyUsage lacks digitalSignature",
            ));
        }
    }
    Ok(())
}

/// webpki's verdict as our error kind (and so the alert).
fn map_webpki(e: &webpki::Error, ours: Option<CertificateError>) -> CertificateError {
    use webpki::Error as W;
    #[allow(deprecated)]
    match e {
        W::RequiredEkuNotFound => ours.unwrap_or(err(Kind::WrongUsage, "keyUsage does not allow this use")),
        W::CertExpired { .. } => err(Kind::Expired, "a certificate in the chain has expired"),
        W::CertNotValidYet { .. } => err(Kind::NotYetValid, "a certificate in the chain is not valid yet"),
        W::UnknownIssuer => err(Kind::UnknownIssuer, "no path from the leaf to a trusted anchor"),
        W::InvalidSignatureForPublicKey => err(Kind::BadSignature, "a certificate signature does not verify"),
        W::CaUsedAsEndEntity => err(Kind::BadConstraints, "the leaf is a CA certificate"),
        W::EndEntityUsedAsCa => err(
            Kind::BadConstraints,
            "an issuer is not a CA (basicConstraints cA=FALSE)",
        ),
        W::PathLenConstraintViolated => err(Kind::BadConstraints, "a CA's pathLenConstraint is exceeded"),
        W::NameConstraintViolation => err(Kind::BadConstraints, "a name constraint is violated"),
        W::MaximumPathDepthExceeded => err(
            Kind::TooLarge,
            "the path has more intermediates than webpki allows",
        ),
        W::MaximumSignatureChecksExceeded
        | W::MaximumPathBuildCallsExceeded
        | W::MaximumNameConstraintComparisonsExceeded => {
            err(Kind::TooLarge, "path building exceeded its budget")
        }
        W::RequiredEkuNotFoundContext(_) | W::EmptyEkuExtension => {
            err(Kind::WrongUsage, "extendedKeyUsage does not allow this use")
        }
        W::CertNotValidForName(_) => err(Kind::NameMismatch, "the leaf is not valid for the server name"),
        W::UnsupportedSignatureAlgorithm
        | W::UnsupportedSignatureAlgorithmContext(_)
        | W::UnsupportedSignatureAlgorithmForPublicKey
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => err(
            Kind::Unsupported,
            "a certificate is signed with an unsupported algorithm",
        ),
        W::SignatureAlgorithmMismatch => err(Kind::Malformed, "signature algorithm fields disagree"),
        W::UnsupportedCriticalExtension => err(
            Kind::Unsupported,
            "a certificate has an unknown critical extension",
        ),
        W::UnsupportedCertVersion => err(Kind::Unsupported, "certificate is not X.509 v3"),
        W::CertDistrusted => err(Kind::Other, "a key in the chain is distrusted"),
        W::BadDer
        | W::BadDerTime
        | W::TrailingData(_)
        | W::InvalidCertValidity
        | W::InvalidSerialNumber
        | W::MalformedExtensions
        | W::ExtensionValueInvalid
        | W::MalformedDnsIdentifier
        | W::MalformedNameConstraint
        | W::InvalidNetworkMaskConstraint => err(Kind::Malformed, "a certificate in the chain is malformed"),
        _ => err(Kind::Other, "chain validation failed"),
    }
}

impl CertificateVerifier for WebPkiVerifier {
    fn verify_server(&self, chain: &[Vec<u8>], server_name: Option<&str>) -> Result<(), Error> {
        self.verify_chain(chain, ChainRole::Server, server_name)
            .map_err(Error::Certificate)
    }

    fn verify_client(&self, chain: &[Vec<u8>]) -> Result<(), Error> {
        self.verify_chain(chain, ChainRole::Client, None)
            .map_err(Error::Certificate)
    }
}
