//! Local identities (a certificate chain and the private key of its leaf) and choosing one for
//! a handshake: the server's by what the ClientHello offers, the client's by what the
//! CertificateRequest asks. Both choices are pure functions of their inputs.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::cert::{CertificateInfo, ID_KP_CLIENT_AUTH, ID_KP_SERVER_AUTH, KeyUse};
#[cfg(feature = "x509")]
use super::load::{load_certificates, load_private_key};
use super::scheme::to_wire;
use crate::config::CertifiedKey;
#[cfg(feature = "x509")]
use crate::crypto::CryptoProvider;
use crate::crypto::{PublicKey, PublicKeyKind, SignatureScheme, SigningKey};
use crate::error::{CertificateError, CertificateErrorKind as Kind};
use crate::suite::{self, SuiteAuth, SuiteParams};
use crate::wire::{
    CertificateRequest, CipherSuite, ClientCertificateType, KeyExchangeKind, NamedGroup,
    SignatureScheme as WireScheme,
};

fn err(kind: Kind, reason: &'static str) -> CertificateError {
    CertificateError::new(kind, reason)
}

/// A certificate chain (DER, leaf first, as sent in Certificate) and its leaf's private key,
/// with the leaf's facts parsed once.
#[derive(Debug)]
pub struct Identity {
    certified: Arc<CertifiedKey>,
    leaf: CertificateInfo,
    public_key: PublicKey,
    /// Issuer and subject Names of every certificate in the chain (CA-name matching).
    names: Vec<Vec<u8>>,
    /// The signature algorithm of every certificate in the chain.
    signed_with: Vec<Option<WireScheme>>,
}

impl Identity {
    /// An identity from a chain and its leaf's key. Fails if the chain is empty or does not
    /// parse, if the leaf's key is of a kind this stack cannot use, or if the key is known not
    /// to belong to the leaf.
    pub fn new(chain: Vec<Vec<u8>>, key: Box<dyn SigningKey>) -> Result<Self, CertificateError> {
        Identity::from_certified(Arc::new(CertifiedKey { chain, key }))
    }

    /// An identity from a chain and key already shared as a [`CertifiedKey`] (what
    /// `ServerConfig::certificate` holds), with the checks of [`Identity::new`].
    pub fn from_certified(certified: Arc<CertifiedKey>) -> Result<Self, CertificateError> {
        let chain = &certified.chain;
        let key = &certified.key;
        let leaf_der = chain
            .first()
            .ok_or(err(Kind::Missing, "an identity needs a certificate"))?;
        let leaf = CertificateInfo::parse(leaf_der)?;
        let public_key = leaf.public_key.clone()?;
        if let Some(ours) = key.public_key()
            && ours != public_key
        {
            return Err(err(
                Kind::KeyMismatch,
                "the private key does not belong to the leaf certificate",
            ));
        }
        if !key.schemes().iter().all(|s| public_key.fits(*s)) {
            return Err(err(
                Kind::KeyMismatch,
                "the private key is not of the leaf certificate's kind",
            ));
        }
        let mut names = Vec::new();
        let mut signed_with = Vec::new();
        for cert in chain {
            let info = CertificateInfo::parse(cert)?;
            names.push(info.issuer);
            names.push(info.subject);
            signed_with.push(info.signed_with);
        }
        Ok(Identity {
            certified,
            leaf,
            public_key,
            names,
            signed_with,
        })
    }

    /// Loads an identity from a certificate file (DER or PEM, leaf first) and a key file
    /// (PKCS#1, PKCS#8 or SEC1; DER or PEM), the key loaded by `provider`.
    #[cfg(feature = "x509")]
    pub fn load(
        provider: &dyn CryptoProvider,
        certificates: &[u8],
        private_key: &[u8],
    ) -> Result<Self, CertificateError> {
        let chain = load_certificates(certificates)?;
        let key = load_private_key(private_key)?.signing_key(provider)?;
        Identity::new(chain, key)
    }

    /// The chain and key as one shared value (the form of `ServerConfig::certificate`).
    pub fn certified_key(&self) -> &Arc<CertifiedKey> {
        &self.certified
    }

    /// The chain, leaf first.
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.certified.chain
    }

    /// The leaf's private key.
    pub fn key(&self) -> &dyn SigningKey {
        &*self.certified.key
    }

    /// The leaf's public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The leaf's parsed facts.
    pub fn leaf(&self) -> &CertificateInfo {
        &self.leaf
    }

    /// The first of the key's schemes the peer accepts (`None` for "no list sent": then the
    /// first non-PSS scheme, since a peer that sends no signature_algorithms predates PSS).
    fn scheme_for(&self, accepted: Option<&[WireScheme]>) -> Option<SignatureScheme> {
        self.key().schemes().iter().copied().find(|s| match accepted {
            Some(list) => list.contains(&to_wire(*s)),
            None => !matches!(
                s,
                SignatureScheme::RsaPssRsaeSha256 | SignatureScheme::RsaPssRsaeSha384
            ),
        })
    }

    fn is_ec(&self) -> bool {
        matches!(
            self.public_key.kind(),
            PublicKeyKind::EcP256 | PublicKeyKind::EcP384
        )
    }

    fn curve(&self) -> Option<NamedGroup> {
        match self.public_key.kind() {
            PublicKeyKind::EcP256 => Some(NamedGroup::SECP256R1),
            PublicKeyKind::EcP384 => Some(NamedGroup::SECP384R1),
            PublicKeyKind::Rsa => None,
        }
    }
}

/// What a ClientHello offers that bears on the server's certificate.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientOffer<'a> {
    /// The cipher suites offered.
    pub cipher_suites: &'a [CipherSuite],
    /// The signature_algorithms extension, `None` if absent.
    pub signature_algorithms: Option<&'a [WireScheme]>,
    /// The supported_groups extension, `None` if absent (RFC 8422 4: any curve).
    pub supported_groups: Option<&'a [NamedGroup]>,
    /// The server_name extension's host name, if any.
    pub server_name: Option<&'a str>,
}

/// The server's choice for one suite: the identity, and the scheme that signs
/// ServerKeyExchange (`None` for RSA key transport, which signs nothing).
#[derive(Clone, Debug)]
pub struct ServerChoice {
    /// The suite.
    pub suite: &'static SuiteParams,
    /// The identity to send and sign with.
    pub identity: Arc<Identity>,
    /// How to sign ServerKeyExchange; `None` for RSA key transport.
    pub scheme: Option<SignatureScheme>,
    /// Whether the identity's subjectAltName matches the client's server_name (false also
    /// when the client sent none).
    pub name_matched: bool,
}

/// The client's choice for a CertificateRequest.
#[derive(Clone, Debug)]
pub struct ClientChoice {
    /// The identity to send.
    pub identity: Arc<Identity>,
    /// How to sign CertificateVerify.
    pub scheme: SignatureScheme,
    /// Whether the chain involves one of the CAs the server listed (always true when it
    /// listed none). RFC 5246 7.4.6 makes this a SHOULD, so a non-matching identity is still
    /// offered when nothing better fits.
    pub ca_matched: bool,
}

/// The identities of one endpoint, in order of preference, with add and remove.
#[derive(Debug, Clone, Default)]
pub struct Identities {
    list: Vec<Arc<Identity>>,
}

impl Identities {
    /// No identities.
    pub fn new() -> Self {
        Identities::default()
    }

    /// Adds an identity after the existing ones.
    pub fn add(&mut self, identity: Identity) -> Arc<Identity> {
        let identity = Arc::new(identity);
        self.list.push(identity.clone());
        identity
    }

    /// Removes the identity whose leaf has these DER bytes; returns whether one was removed.
    pub fn remove(&mut self, leaf_der: &[u8]) -> bool {
        let before = self.list.len();
        self.list
            .retain(|i| i.chain().first().map(Vec::as_slice) != Some(leaf_der));
        self.list.len() != before
    }

    /// The identities, in order of preference.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Identity>> {
        self.list.iter()
    }

    /// Number of identities.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The identity and signature scheme to use for `suite` given the client's offer, or
    /// `None` if no identity fits:
    /// - ECDSA suites need an EC identity whose curve the client's supported_groups allows
    ///   (RFC 8422 5.1) and whose scheme its signature_algorithms lists (RFC 5246 7.4.1.4.1);
    /// - ECDHE_RSA suites need an RSA identity and an RSA scheme the client lists;
    /// - RSA key transport needs an RSA identity whose keyUsage allows keyEncipherment
    ///   (RFC 5246 7.4.2); signing suites need digitalSignature;
    /// - the leaf's extendedKeyUsage, when present, must include serverAuth;
    /// - among those that fit, one whose subjectAltName matches the server_name wins; else the
    ///   first that fits (RFC 6066 3 lets the server go on without a match).
    pub fn select_server(
        &self,
        suite: &'static SuiteParams,
        offer: &ClientOffer<'_>,
    ) -> Option<ServerChoice> {
        let mut first: Option<ServerChoice> = None;
        for identity in &self.list {
            let Some(choice) = Self::fit_server(identity, suite, offer) else {
                continue;
            };
            if choice.name_matched {
                return Some(choice);
            }
            if first.is_none() {
                first = Some(choice);
            }
        }
        first
    }

    fn fit_server(
        identity: &Arc<Identity>,
        suite: &'static SuiteParams,
        offer: &ClientOffer<'_>,
    ) -> Option<ServerChoice> {
        if !identity.leaf.allows_purpose(ID_KP_SERVER_AUTH) {
            return None;
        }
        let scheme = match (suite.auth, suite.key_exchange) {
            (SuiteAuth::Rsa, KeyExchangeKind::Rsa) => {
                if identity.public_key.kind() != PublicKeyKind::Rsa || !identity.leaf.allows(KeyUse::Encipher)
                {
                    return None;
                }
                None
            }
            (SuiteAuth::Rsa, KeyExchangeKind::Ecdhe) => {
                if identity.public_key.kind() != PublicKeyKind::Rsa || !identity.leaf.allows(KeyUse::Sign) {
                    return None;
                }
                Some(identity.scheme_for(offer.signature_algorithms)?)
            }
            (SuiteAuth::Ecdsa, KeyExchangeKind::Ecdhe) => {
                if !identity.is_ec() || !identity.leaf.allows(KeyUse::Sign) {
                    return None;
                }
                if let (Some(groups), Some(curve)) = (offer.supported_groups, identity.curve())
                    && !groups.contains(&curve)
                {
                    return None;
                }
                Some(identity.scheme_for(offer.signature_algorithms)?)
            }
            _ => return None,
        };
        Some(ServerChoice {
            suite,
            identity: identity.clone(),
            scheme,
            name_matched: offer.server_name.is_some_and(|n| identity.leaf.matches_host(n)),
        })
    }

    /// Walks `our_suites` in our order of preference and returns the first certificate suite
    /// the client offers and an identity fits (see [`select_server`](Self::select_server)).
    /// PSK suites and code points outside [`suite::SUPPORTED`] are skipped.
    pub fn choose_suite(&self, our_suites: &[CipherSuite], offer: &ClientOffer<'_>) -> Option<ServerChoice> {
        our_suites
            .iter()
            .filter(|s| offer.cipher_suites.contains(s))
            .filter_map(|s| suite::lookup(*s))
            .filter(|p| p.auth != SuiteAuth::Psk)
            .find_map(|p| self.select_server(p, offer))
    }

    /// The identity to answer a CertificateRequest with, or `None` (then the client sends an
    /// empty Certificate, RFC 5246 7.4.6):
    /// - the key's type must be one of certificate_types (rsa_sign, ecdsa_sign);
    /// - one of its schemes must be in supported_signature_algorithms;
    /// - the leaf's extendedKeyUsage, when present, must include clientAuth, and keyUsage
    ///   digitalSignature;
    /// - preferred, in this order: a chain involving a listed CA, and a chain whose own
    ///   signatures use listed algorithms (RFC 5246 7.4.6 SHOULD); then configuration order.
    pub fn select_client(&self, request: &CertificateRequest) -> Option<ClientChoice> {
        let mut best: Option<(u8, ClientChoice)> = None;
        for identity in &self.list {
            let wanted_type = if identity.is_ec() {
                ClientCertificateType::ECDSA_SIGN
            } else {
                ClientCertificateType::RSA_SIGN
            };
            if !request.certificate_types.contains(&wanted_type)
                || !identity.leaf.allows_purpose(ID_KP_CLIENT_AUTH)
                || !identity.leaf.allows(KeyUse::Sign)
            {
                continue;
            }
            let Some(scheme) = identity.scheme_for(Some(&request.supported_signature_algorithms)) else {
                continue;
            };
            let ca_matched = request.certificate_authorities.is_empty()
                || identity
                    .names
                    .iter()
                    .any(|n| request.certificate_authorities.contains(n));
            let sigs_listed = identity
                .signed_with
                .iter()
                .all(|s| s.is_some_and(|s| request.supported_signature_algorithms.contains(&s)));
            let rank = u8::from(ca_matched) * 2 + u8::from(sigs_listed);
            if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                best = Some((
                    rank,
                    ClientChoice {
                        identity: identity.clone(),
                        scheme,
                        ca_matched,
                    },
                ));
            }
        }
        best.map(|(_, choice)| choice)
    }
}
