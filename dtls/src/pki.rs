//! Certificates and keys: what the handshake needs from X.509 today (the leaf's public key).
//! Full chain validation is a later issue; [`crate::config::CertificateVerifier`] decides trust.

use alloc::vec::Vec;

use der::Decode;
use der::asn1::ObjectIdentifier;
use x509_cert::Certificate;

use crate::error::Error;
use crate::wire::AlertDescription;

/// OID of id-ecPublicKey (RFC 5480 2.1.1).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// OID of the secp256r1 named curve (RFC 5480 2.1.1.1).
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// The SEC1-encoded P-256 public key of a DER certificate, or `bad_certificate` if the
/// certificate does not parse or holds another kind of key.
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
