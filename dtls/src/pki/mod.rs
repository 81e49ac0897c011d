//! Certificates and keys: loading (DER, PEM), trust stores, local identities and choosing one,
//! chain validation, and the signature steps of the handshake.
//!
//! - [`load`]: certificates and private keys from DER or PEM;
//! - [`cert`]: the facts of one certificate (key, names, usages, validity);
//! - [`store`]: [`TrustStore`], the anchors chains must end at;
//! - [`identity`]: [`Identity`] (chain + key), [`Identities`], server and client selection;
//! - [`verify`]: [`WebPkiVerifier`], chain validation with webpki over our crypto provider;
//! - [`scheme`]: TLS 1.2 signature code points and the provider's schemes.
//!
//! The functions at this level are the handshake's steps: the peer's leaf key
//! ([`peer_key`]), verifying a ServerKeyExchange or CertificateVerify signature
//! ([`verify_signed`]), making one ([`sign`]) and building a CertificateRequest
//! ([`certificate_request`]).

use alloc::vec::Vec;

#[cfg(feature = "x509")]
use der::Decode;
#[cfg(feature = "x509")]
use der::asn1::ObjectIdentifier;
#[cfg(feature = "x509")]
use x509_cert::Certificate;

use crate::crypto::{
    CryptoProvider, MAX_SIGNATURE_LEN, PublicKey, SecureRandom, SignatureScheme, SigningKey,
};
use crate::error::{CertificateError, CertificateErrorKind, Error};
use crate::wire::{
    AlertDescription, CertificateRequest, ClientCertificateType, DigitallySigned,
    SignatureScheme as WireScheme,
};

// Without the `x509` feature only what the handshake's types need stays: certificate facts
// (whose parser then refuses every certificate), identities and the signature steps; loading,
// trust stores and chain validation go, and with them every X.509 dependency.
#[cfg(feature = "x509")]
mod algorithms;
pub mod cert;
pub mod identity;
#[cfg(feature = "x509")]
pub mod load;
pub mod scheme;
#[cfg(feature = "x509")]
pub mod store;
#[cfg(feature = "x509")]
pub mod verify;

pub use crate::handshake::limits::ChainLimits;
pub use cert::{CertificateInfo, KeyUsageBits, KeyUse};
pub use identity::{ClientChoice, ClientOffer, Identities, Identity, ServerChoice};
#[cfg(feature = "x509")]
pub use load::{PrivateKeyDer, PrivateKeyFormat, load_certificates, load_private_key};
pub use scheme::SUPPORTED_WIRE_SCHEMES;
#[cfg(feature = "x509")]
pub use store::TrustStore;
#[cfg(all(feature = "std", feature = "x509"))]
pub use verify::SystemClock;
#[cfg(feature = "x509")]
pub use verify::{ChainRole, FixedTime, NameCheck, TimeSource, ValidityCheck, WebPkiVerifier};

/// OID of id-ecPublicKey (RFC 5480 2.1.1).
#[cfg(feature = "x509")]
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// OID of the secp256r1 named curve (RFC 5480 2.1.1.1).
#[cfg(feature = "x509")]
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// The SEC1-encoded P-256 public key of a DER certificate, or `bad_certificate` if the
/// certificate does not parse or holds another kind of key. Kept for the current ECDHE-ECDSA
/// handshake; [`leaf_key`] is the general form.
#[cfg(feature = "x509")]
pub fn leaf_public_key(der: &[u8]) -> Result<Vec<u8>, Error> {
    let bad = |reason| Error::protocol(AlertDescription::BAD_CERTIFICATE, reason);
    let cert = Certificate::from_der(der).map_err(|_| bad("certificate does not parse"))?;
    let spki = &cert.tbs_certificate().subject_public_key_info();
    if spki.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err(Error::protocol(
            AlertDescription::UNSUPPORTED_CERTIFICATE,
            "certificate key is not EC",
        ));
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
        .ok_or(bad("EC key without a named curve"))?;
    if curve != SECP256R1 {
        return Err(Error::protocol(
            AlertDescription::UNSUPPORTED_CERTIFICATE,
            "certificate key is not P-256",
        ));
    }
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or(bad("public key is not a whole number of bytes"))?;
    Ok(key.to_vec())
}

/// The public key of a DER certificate, with its kind: EC P-256, EC P-384 or RSA of 2048 to
/// 4096 bits (`bad_certificate` if it does not parse, `unsupported_certificate` for other
/// keys).
pub fn leaf_key(der: &[u8]) -> Result<PublicKey, Error> {
    Ok(CertificateInfo::parse(der)?.public_key?)
}

/// The peer's leaf key for the handshake, after checking that the leaf's keyUsage (when
/// present) allows `usage`: [`KeyUse::Sign`] for ServerKeyExchange and CertificateVerify,
/// [`KeyUse::Encipher`] for RSA key transport (RFC 5246 7.4.2, RFC 5280 4.2.1.3).
pub fn peer_key(chain: &[Vec<u8>], usage: KeyUse) -> Result<PublicKey, Error> {
    let leaf = chain.first().ok_or(CertificateError::new(
        CertificateErrorKind::Missing,
        "the peer sent no certificate",
    ))?;
    let info = CertificateInfo::parse(leaf)?;
    if !info.allows(usage) {
        return Err(CertificateError::new(
            CertificateErrorKind::WrongUsage,
            "the leaf's keyUsage does not allow this key exchange",
        )
        .into());
    }
    Ok(info.public_key?)
}

/// Verifies a peer's `digitally-signed` element (ServerKeyExchange RFC 5246 7.4.3,
/// CertificateVerify 7.4.8) over `message` with the peer's leaf key.
///
/// `offered` is what we told the peer it may use: the signature_algorithms we sent (client
/// side) or the list in our CertificateRequest (server side). A code point outside it, or one
/// that does not fit the key, is `illegal_parameter`; a signature that does not verify is
/// `decrypt_error` (RFC 5246 7.2.2).
pub fn verify_signed(
    provider: &dyn CryptoProvider,
    key: &PublicKey,
    offered: &[WireScheme],
    signed: &DigitallySigned,
    message: &[u8],
) -> Result<(), Error> {
    if !offered.contains(&signed.algorithm) {
        return Err(Error::protocol(
            AlertDescription::ILLEGAL_PARAMETER,
            "peer signed with a signature algorithm we did not offer",
        ));
    }
    let scheme = scheme::from_wire(signed.algorithm, key.kind()).ok_or(Error::protocol(
        AlertDescription::ILLEGAL_PARAMETER,
        "signature algorithm does not fit the certificate's key",
    ))?;
    key.verify(provider, scheme, message, &signed.signature)
        .map_err(|_| {
            Error::protocol(
                AlertDescription::DECRYPT_ERROR,
                "handshake signature does not verify",
            )
        })
}

/// Signs `message` with `key` under `scheme` (from [`ServerChoice`] or [`ClientChoice`]) and
/// returns the `digitally-signed` element to send.
pub fn sign(
    key: &dyn SigningKey,
    scheme: SignatureScheme,
    message: &[u8],
    rng: &mut dyn SecureRandom,
) -> Result<DigitallySigned, Error> {
    let mut out = [0u8; MAX_SIGNATURE_LEN];
    let n = key.sign_with(scheme, message, rng, &mut out)?;
    Ok(DigitallySigned {
        algorithm: scheme::to_wire(scheme),
        signature: out.get(..n).unwrap_or(&[]).to_vec(),
    })
}

/// The CertificateRequest a server sends (RFC 5246 7.4.4): both certificate types we verify,
/// every signature algorithm we verify, and, if `ca_names` is given, the subjects of that
/// store's anchors (as many as fit the 2^16-1 byte vector). Listing CAs helps clients with
/// several identities and costs bytes in the flight; it is off unless asked for.
#[cfg(feature = "x509")]
pub fn certificate_request(ca_names: Option<&TrustStore>) -> CertificateRequest {
    certificate_request_naming(ca_names.map(|s| s.subjects(0xffff)).unwrap_or_default())
}

/// A CertificateRequest listing `ca_names` (DER subjects) as certificate_authorities.
pub fn certificate_request_naming(ca_names: Vec<Vec<u8>>) -> CertificateRequest {
    CertificateRequest {
        certificate_types: alloc::vec![ClientCertificateType::ECDSA_SIGN, ClientCertificateType::RSA_SIGN],
        supported_signature_algorithms: SUPPORTED_WIRE_SCHEMES.to_vec(),
        certificate_authorities: ca_names,
    }
}
