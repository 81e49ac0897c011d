//! The facts of one DER certificate that this stack acts on, parsed once with `x509-cert`: the
//! subject key, names, validity, key usages and the algorithm it was signed with.
//!
//! Chain validation itself is `webpki`'s job ([`super::verify`]); this module serves the parts
//! around it: extracting the leaf's key for handshake signatures, matching identities to what
//! a peer asks for, the keyUsage checks webpki leaves out, and reading validity periods.

use alloc::string::String;
#[cfg(feature = "x509")]
use alloc::string::ToString;
use alloc::vec::Vec;

use der::Decode;
#[cfg(feature = "x509")]
use der::Encode;
use der::asn1::ObjectIdentifier;
#[cfg(feature = "x509")]
use x509_cert::Certificate;
#[cfg(feature = "x509")]
use x509_cert::ext::pkix::name::GeneralName;
#[cfg(feature = "x509")]
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};

use crate::crypto::{MAX_RSA_BITS, MIN_RSA_BITS, PublicKey, PublicKeyKind};
use crate::error::{CertificateError, CertificateErrorKind as Kind};
use crate::wire::SignatureScheme as WireScheme;

/// rsaEncryption (RFC 8017 A.1).
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-RSASSA-PSS (RFC 8017 A.2.3), as a key algorithm or a signature algorithm.
const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
/// sha256WithRSAEncryption / sha384WithRSAEncryption (RFC 8017 A.2.4).
#[cfg(feature = "x509")]
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
#[cfg(feature = "x509")]
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
/// id-ecPublicKey (RFC 5480 2.1.1).
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp256r1 / secp384r1 (RFC 5480 2.1.1.1).
pub(crate) const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// ecdsa-with-SHA256 / ecdsa-with-SHA384 (RFC 5758 3.2).
#[cfg(feature = "x509")]
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
#[cfg(feature = "x509")]
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
/// id-sha384 (RFC 8017 A.2.1), inside RSASSA-PSS parameters.
#[cfg(feature = "x509")]
const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
/// id-kp-serverAuth / id-kp-clientAuth (RFC 5280 4.2.1.12).
pub(crate) const ID_KP_SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
pub(crate) const ID_KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

fn err(kind: Kind, reason: &'static str) -> CertificateError {
    CertificateError::new(kind, reason)
}

/// The keyUsage bits that matter to TLS (RFC 5280 4.2.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyUsageBits {
    /// digitalSignature: signs ServerKeyExchange or CertificateVerify.
    pub digital_signature: bool,
    /// keyEncipherment: receives the RSA-encrypted premaster (RFC 5246 7.4.2).
    pub key_encipherment: bool,
    /// keyCertSign: signs certificates (required of CAs when the extension is present).
    pub key_cert_sign: bool,
}

/// What a TLS endpoint does with its certificate key, for the keyUsage check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyUse {
    /// Signs handshake messages (ECDHE suites, CertificateVerify).
    Sign,
    /// Decrypts the premaster (RSA key transport suites).
    Encipher,
}

/// The parsed facts of one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The subject's public key, if it is of a kind and size this stack uses; the reason
    /// otherwise (a CA's key may be of any kind the verifier's algorithms support).
    pub public_key: Result<PublicKey, CertificateError>,
    /// DER encoding of the subject Name (what CertificateRequest lists as a CA name).
    pub subject: Vec<u8>,
    /// DER encoding of the issuer Name.
    pub issuer: Vec<u8>,
    /// notBefore, seconds since 1970 (UTC).
    pub not_before: u64,
    /// notAfter, seconds since 1970 (UTC).
    pub not_after: u64,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// keyUsage, if the extension is present.
    pub key_usage: Option<KeyUsageBits>,
    /// extendedKeyUsage purposes, if the extension is present.
    pub extended_key_usage: Option<Vec<ObjectIdentifier>>,
    /// DNS names of the subjectAltName extension.
    pub dns_names: Vec<String>,
    /// The TLS 1.2 code point of the algorithm the issuer signed this certificate with, if it
    /// has one (for RFC 5246 7.4.2/7.4.6 preferences).
    pub signed_with: Option<WireScheme>,
}

impl CertificateInfo {
    /// Parses a DER certificate. Fails only if it is not a well-formed X.509 certificate (or an
    /// extension this module reads is malformed); an unusable key is recorded in `public_key`.
    ///
    /// Without the `x509` feature every certificate is refused as unsupported: such a build
    /// negotiates PSK suites only, and links no X.509 parser.
    #[cfg(not(feature = "x509"))]
    pub fn parse(der: &[u8]) -> Result<Self, CertificateError> {
        let _ = der;
        Err(err(Kind::Unsupported, "built without the x509 feature"))
    }

    /// Parses a DER certificate (see above).
    #[cfg(feature = "x509")]
    pub fn parse(der: &[u8]) -> Result<Self, CertificateError> {
        let cert = Certificate::from_der(der)
            .map_err(|_| err(Kind::Malformed, "certificate is not valid DER X.509"))?;
        let tbs = cert.tbs_certificate();
        let encode_name = |name: &x509_cert::name::Name| {
            name.to_der()
                .map_err(|_| err(Kind::Malformed, "certificate name does not re-encode"))
        };
        let basic = tbs
            .get_extension::<BasicConstraints>()
            .map_err(|_| err(Kind::Malformed, "basicConstraints extension does not parse"))?;
        let key_usage = tbs
            .get_extension::<KeyUsage>()
            .map_err(|_| err(Kind::Malformed, "keyUsage extension does not parse"))?
            .map(|(_, ku)| KeyUsageBits {
                digital_signature: ku.digital_signature(),
                key_encipherment: ku.key_encipherment(),
                key_cert_sign: ku.key_cert_sign(),
            });
        let extended_key_usage = tbs
            .get_extension::<ExtendedKeyUsage>()
            .map_err(|_| err(Kind::Malformed, "extendedKeyUsage extension does not parse"))?
            .map(|(_, eku)| eku.0);
        let san = tbs
            .get_extension::<SubjectAltName>()
            .map_err(|_| err(Kind::Malformed, "subjectAltName extension does not parse"))?;
        let dns_names = san
            .map(|(_, san)| {
                san.0
                    .iter()
                    .filter_map(|name| match name {
                        GeneralName::DnsName(dns) => Some(dns.as_str().to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let validity = tbs.validity();
        Ok(CertificateInfo {
            public_key: spki_public_key(tbs.subject_public_key_info()),
            subject: encode_name(tbs.subject())?,
            issuer: encode_name(tbs.issuer())?,
            not_before: validity.not_before.to_unix_duration().as_secs(),
            not_after: validity.not_after.to_unix_duration().as_secs(),
            is_ca: basic.is_some_and(|(_, bc)| bc.ca),
            key_usage,
            extended_key_usage,
            dns_names,
            signed_with: signature_code_point(cert.signature_algorithm()),
        })
    }

    /// Whether keyUsage, when present, allows `usage` (RFC 5280 4.2.1.3; RFC 5246 7.4.2 ties
    /// RSA key transport to keyEncipherment and signing to digitalSignature).
    pub fn allows(&self, usage: KeyUse) -> bool {
        match (self.key_usage, usage) {
            (None, _) => true,
            (Some(ku), KeyUse::Sign) => ku.digital_signature,
            (Some(ku), KeyUse::Encipher) => ku.key_encipherment,
        }
    }

    /// Whether extendedKeyUsage, when present, includes `purpose` (RFC 5280 4.2.1.12).
    pub fn allows_purpose(&self, purpose: ObjectIdentifier) -> bool {
        self.extended_key_usage
            .as_ref()
            .is_none_or(|purposes| purposes.contains(&purpose))
    }

    /// Whether the subjectAltName has a DNS name matching `host` (RFC 6125 6.4: ASCII
    /// case-insensitive, a `*.` wildcard covering exactly one leftmost label). Used to pick an
    /// identity by SNI; the peer's chain is matched by webpki.
    pub fn matches_host(&self, host: &str) -> bool {
        self.dns_names
            .iter()
            .any(|pattern| dns_name_matches(pattern, host))
    }
}

fn dns_name_matches(pattern: &str, host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    match pattern.strip_prefix("*.") {
        Some(suffix) => match host.split_once('.') {
            Some((label, rest)) => !label.is_empty() && rest.eq_ignore_ascii_case(suffix),
            None => false,
        },
        None => pattern.eq_ignore_ascii_case(host),
    }
}

/// The public key of a SubjectPublicKeyInfo, if it is an EC P-256/P-384 key or an RSA key of
/// an accepted size.
pub fn spki_public_key(spki: &spki::SubjectPublicKeyInfoOwned) -> Result<PublicKey, CertificateError> {
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or(err(Kind::Malformed, "public key is not a whole number of bytes"))?;
    let oid = spki.algorithm.oid;
    if oid == RSA_ENCRYPTION {
        let key = pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(bits)
            .map_err(|_| err(Kind::Malformed, "RSA public key is not a DER RSAPublicKey"))?;
        let n = key.modulus.as_bytes();
        let len_bits = modulus_bits(n);
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&len_bits) {
            return Err(err(Kind::Unsupported, "RSA key size outside 2048 to 4096 bits"));
        }
        return Ok(PublicKey::new(PublicKeyKind::Rsa, len_bits, bits.to_vec()));
    }
    if oid == RSASSA_PSS {
        return Err(err(
            Kind::Unsupported,
            "RSASSA-PSS keys (rsa_pss_pss) are not supported",
        ));
    }
    if oid != ID_EC_PUBLIC_KEY {
        return Err(err(Kind::Unsupported, "key is neither RSA nor EC"));
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
        .ok_or(err(Kind::Malformed, "EC key without a named curve"))?;
    let (kind, size, point_len) = if curve == SECP256R1 {
        (PublicKeyKind::EcP256, 256, 65)
    } else if curve == SECP384R1 {
        (PublicKeyKind::EcP384, 384, 97)
    } else {
        return Err(err(
            Kind::Unsupported,
            "EC key on a curve other than P-256 or P-384",
        ));
    };
    // RFC 8422 5.1.2: uncompressed points only.
    if bits.len() != point_len || bits.first() != Some(&0x04) {
        return Err(err(
            Kind::Malformed,
            "EC public key is not an uncompressed point of its curve",
        ));
    }
    Ok(PublicKey::new(kind, size, bits.to_vec()))
}

fn modulus_bits(n: &[u8]) -> u32 {
    let first = n.iter().position(|b| *b != 0).unwrap_or(n.len());
    let rest = n.get(first..).unwrap_or(&[]);
    let lead = rest.first().map_or(0, |b| b.leading_zeros());
    u32::try_from(rest.len())
        .unwrap_or(u32::MAX / 16)
        .saturating_mul(8)
        .saturating_sub(lead)
}

/// The TLS 1.2 `{hash, signature}` code point of a certificate signature algorithm.
#[cfg(feature = "x509")]
fn signature_code_point(alg: &spki::AlgorithmIdentifierOwned) -> Option<WireScheme> {
    let oid = alg.oid;
    if oid == ECDSA_WITH_SHA256 {
        Some(WireScheme::ECDSA_SECP256R1_SHA256)
    } else if oid == ECDSA_WITH_SHA384 {
        Some(WireScheme::ECDSA_SECP384R1_SHA384)
    } else if oid == SHA256_WITH_RSA {
        Some(WireScheme::RSA_PKCS1_SHA256)
    } else if oid == SHA384_WITH_RSA {
        Some(WireScheme::RSA_PKCS1_SHA384)
    } else if oid == RSASSA_PSS {
        let params = alg
            .parameters
            .as_ref()?
            .decode_as::<pkcs1::RsaPssParamsOwned>()
            .ok()?;
        if params.hash.oid == ID_SHA384 {
            Some(WireScheme::RSA_PSS_RSAE_SHA384)
        } else {
            Some(WireScheme::RSA_PSS_RSAE_SHA256)
        }
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_wildcards_cover_exactly_one_label() {
        assert!(dns_name_matches("dtls.example", "DTLS.example."));
        assert!(dns_name_matches("*.example", "a.example"));
        assert!(!dns_name_matches("*.example", "a.b.example"));
        assert!(!dns_name_matches("*.example", "example"));
        assert!(!dns_name_matches("*.example", ".example"));
        assert!(!dns_name_matches("a.example", "b.example"));
    }

    #[test]
    fn modulus_length_ignores_leading_zero_bytes_and_bits() {
        let mut n = alloc::vec![0u8; 257];
        n[1] = 0x80;
        assert_eq!(modulus_bits(&n), 2048);
        n[1] = 0x40;
        assert_eq!(modulus_bits(&n), 2047);
        assert_eq!(modulus_bits(&[]), 0);
    }
}
