//! Loading certificates and private keys from DER or PEM (RFC 7468), as files hold them.
//!
//! Certificates: one DER certificate, several concatenated, or a PEM bundle of `CERTIFICATE`
//! blocks (explanatory text between blocks is allowed, RFC 7468 2). Private keys: PKCS#1
//! `RSA PRIVATE KEY` (RFC 8017 A.1.2), PKCS#8 `PRIVATE KEY` (RFC 5958) holding RSA or EC
//! P-256/P-384, or SEC1 `EC PRIVATE KEY` (RFC 5915), each as DER or PEM. Every failure names
//! what is wrong; nothing here panics, and the work is linear in the input.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use der::asn1::ObjectIdentifier;
use der::{Decode, Reader, SliceReader};
use zeroize::Zeroizing;

use super::cert::{CertificateInfo, SECP256R1, SECP384R1};
use crate::crypto::{CryptoError, CryptoProvider, PublicKeyKind, SignatureScheme, SigningKey};
use crate::error::{CertificateError, CertificateErrorKind as Kind};

fn malformed(reason: &'static str) -> CertificateError {
    CertificateError::new(Kind::Malformed, reason)
}

/// rsaEncryption (RFC 8017 A.1) and id-ecPublicKey (RFC 5480 2.1.1), as PKCS#8 key algorithms.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// How the input is armoured, judged by its first non-blank byte: DER always starts with a
/// SEQUENCE tag, PEM with `-----BEGIN` (possibly after explanatory text).
fn is_der(input: &[u8]) -> bool {
    input.first() == Some(&0x30)
}

/// One PEM block: its label and decoded contents (zeroized when dropped, since it may be a key).
struct PemBlock {
    label: String,
    der: Zeroizing<Vec<u8>>,
}

/// Splits PEM text into its encapsulated blocks and decodes each (RFC 7468 2: text outside the
/// blocks is ignored). Fails if there is no block, or a block has no matching END line or bad
/// Base64.
fn pem_blocks(input: &[u8]) -> Result<Vec<PemBlock>, CertificateError> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const END: &[u8] = b"-----END ";
    let mut blocks = Vec::new();
    let mut rest = input;
    while let Some(start) = find(rest, BEGIN) {
        let from_begin = rest.get(start..).unwrap_or(&[]);
        let end = find(from_begin, END).ok_or(malformed("PEM: a BEGIN line without an END line"))?;
        let after_end = from_begin.get(end + END.len()..).unwrap_or(&[]);
        let close =
            find(after_end, b"-----").ok_or(malformed("PEM: an END line without its closing dashes"))?;
        let block_len = end + END.len() + close + 5;
        let block = from_begin.get(..block_len).unwrap_or(&[]);
        let (label, der) = pem_rfc7468::decode_vec(block)
            .map_err(|_| malformed("PEM: a block with bad armour or Base64"))?;
        blocks.push(PemBlock {
            label: String::from(label),
            der: Zeroizing::new(der),
        });
        rest = from_begin.get(block_len..).unwrap_or(&[]);
    }
    if blocks.is_empty() {
        return Err(malformed(
            "neither DER (no leading SEQUENCE) nor PEM (no -----BEGIN line)",
        ));
    }
    Ok(blocks)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(input: &[u8]) -> &[u8] {
    let first = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(input.len());
    input.get(first..).unwrap_or(&[])
}

/// Loads certificates, in file order (for a chain: leaf first). Accepts one DER certificate,
/// several DER certificates back to back, or PEM with one or more `CERTIFICATE` blocks. Each
/// certificate is checked to be well-formed X.509, including the extensions this stack reads
/// (basicConstraints, keyUsage, extendedKeyUsage, subjectAltName).
pub fn load_certificates(input: &[u8]) -> Result<Vec<Vec<u8>>, CertificateError> {
    let input = trim_start(input);
    if input.is_empty() {
        return Err(malformed("empty input: no certificate"));
    }
    let mut out = Vec::new();
    if is_der(input) {
        let mut reader = SliceReader::new(input).map_err(|_| malformed("DER input too long"))?;
        while !reader.is_finished() {
            let start = usize::try_from(u32::from(reader.position())).unwrap_or(usize::MAX);
            x509_cert::Certificate::decode(&mut reader)
                .map_err(|_| malformed("DER certificate does not parse as X.509"))?;
            let end = usize::try_from(u32::from(reader.position())).unwrap_or(usize::MAX);
            let der = input.get(start..end).ok_or(malformed("DER certificate bounds"))?;
            // Also the extensions this stack reads, so that a loaded certificate is usable.
            CertificateInfo::parse(der)?;
            out.push(der.to_vec());
        }
        return Ok(out);
    }
    for block in pem_blocks(input)? {
        if block.label != "CERTIFICATE" {
            return Err(malformed("PEM block is not a CERTIFICATE"));
        }
        x509_cert::Certificate::from_der(&block.der)
            .map_err(|_| malformed("PEM CERTIFICATE does not parse as X.509"))?;
        CertificateInfo::parse(&block.der)?;
        out.push(block.der.to_vec());
    }
    Ok(out)
}

/// The encoding a private key came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrivateKeyFormat {
    /// PKCS#1 `RSAPrivateKey` (RFC 8017 A.1.2).
    Pkcs1,
    /// PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey` (RFC 5958).
    Pkcs8,
    /// SEC1 `ECPrivateKey` (RFC 5915).
    Sec1,
}

/// A private key as loaded: its DER (zeroized on drop), the structure it is in and the kind of
/// key it holds. [`PrivateKeyDer::signing_key`] hands it to a crypto provider.
pub struct PrivateKeyDer {
    format: PrivateKeyFormat,
    kind: PublicKeyKind,
    der: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for PrivateKeyDer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrivateKeyDer")
            .field("format", &self.format)
            .field("kind", &self.kind)
            .field("der", &"<redacted>")
            .finish()
    }
}

impl PrivateKeyDer {
    /// The structure the key was stored in.
    pub fn format(&self) -> PrivateKeyFormat {
        self.format
    }

    /// The kind of key.
    pub fn kind(&self) -> PublicKeyKind {
        self.kind
    }

    /// The DER document.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The provider's signing key for it (an RSA key signs with every RSA scheme and decrypts).
    pub fn signing_key(
        &self,
        provider: &dyn CryptoProvider,
    ) -> Result<Box<dyn SigningKey>, CertificateError> {
        let scheme = match self.kind {
            PublicKeyKind::EcP256 => SignatureScheme::EcdsaP256Sha256,
            PublicKeyKind::EcP384 => SignatureScheme::EcdsaP384Sha384,
            PublicKeyKind::Rsa => SignatureScheme::RsaPkcs1Sha256,
        };
        provider.signing_key(scheme, &self.der).map_err(|e| match e {
            CryptoError::Unsupported => CertificateError::new(
                Kind::Unsupported,
                "the crypto provider cannot sign with this kind of key",
            ),
            _ => CertificateError::new(
                Kind::Unsupported,
                "the crypto provider refused the key (RSA keys must be 2048 to 4096 bits)",
            ),
        })
    }
}

/// Loads a private key from DER or PEM: PKCS#1 RSA, PKCS#8 (RSA, EC P-256, EC P-384) or SEC1
/// EC. In PEM, `EC PARAMETERS` blocks (as `openssl ecparam -genkey` writes them) are skipped;
/// encrypted keys are refused with a reason.
pub fn load_private_key(input: &[u8]) -> Result<PrivateKeyDer, CertificateError> {
    let input = trim_start(input);
    if input.is_empty() {
        return Err(malformed("empty input: no private key"));
    }
    if is_der(input) {
        return classify_der(Zeroizing::new(input.to_vec()));
    }
    let mut found = None;
    for block in pem_blocks(input)? {
        let format = match block.label.as_str() {
            "EC PARAMETERS" => continue,
            "RSA PRIVATE KEY" => PrivateKeyFormat::Pkcs1,
            "PRIVATE KEY" => PrivateKeyFormat::Pkcs8,
            "EC PRIVATE KEY" => PrivateKeyFormat::Sec1,
            "ENCRYPTED PRIVATE KEY" => {
                return Err(CertificateError::new(
                    Kind::Unsupported,
                    "encrypted private keys are not supported: decrypt it first (openssl pkey)",
                ));
            }
            "CERTIFICATE" => {
                return Err(malformed(
                    "PEM holds a CERTIFICATE where a private key was expected",
                ));
            }
            _ => return Err(malformed("PEM block is not a private key (unknown label)")),
        };
        if found.is_some() {
            return Err(malformed("PEM holds more than one private key"));
        }
        found = Some((format, block.der));
    }
    let (format, der) = found.ok_or(malformed("PEM holds no private key"))?;
    let key = classify_der(der)?;
    if key.format != format {
        return Err(malformed("PEM label does not match the key structure inside"));
    }
    Ok(key)
}

/// Works out which structure a DER private key is, and what key it holds.
fn classify_der(der: Zeroizing<Vec<u8>>) -> Result<PrivateKeyDer, CertificateError> {
    if let Ok(info) = pkcs8::PrivateKeyInfoRef::from_der(&der) {
        let kind = if info.algorithm.oid == RSA_ENCRYPTION {
            pkcs1::RsaPrivateKeyRef::from_der(info.private_key.as_bytes())
                .map_err(|_| malformed("PKCS#8 RSA key does not hold a PKCS#1 RSAPrivateKey"))?;
            PublicKeyKind::Rsa
        } else if info.algorithm.oid == ID_EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .ok_or(malformed("PKCS#8 EC key without a named curve"))?;
            curve_kind(curve)?
        } else {
            return Err(CertificateError::new(
                Kind::Unsupported,
                "PKCS#8 key is neither RSA nor EC (e.g. Ed25519 or RSASSA-PSS)",
            ));
        };
        return Ok(PrivateKeyDer {
            format: PrivateKeyFormat::Pkcs8,
            kind,
            der,
        });
    }
    if let Ok(ec) = sec1::EcPrivateKey::from_der(&der) {
        let curve = match ec.parameters {
            Some(sec1::EcParameters::NamedCurve(oid)) => oid,
            None => return Err(malformed("SEC1 EC key without curve parameters")),
        };
        let kind = curve_kind(curve)?;
        let scalar_len = if kind == PublicKeyKind::EcP256 { 32 } else { 48 };
        if ec.private_key.len() != scalar_len {
            return Err(malformed(
                "SEC1 EC private scalar has the wrong length for its curve",
            ));
        }
        return Ok(PrivateKeyDer {
            format: PrivateKeyFormat::Sec1,
            kind,
            der,
        });
    }
    if pkcs1::RsaPrivateKeyRef::from_der(&der).is_ok() {
        return Ok(PrivateKeyDer {
            format: PrivateKeyFormat::Pkcs1,
            kind: PublicKeyKind::Rsa,
            der,
        });
    }
    Err(malformed("private key DER is neither PKCS#8, SEC1 nor PKCS#1"))
}

fn curve_kind(curve: ObjectIdentifier) -> Result<PublicKeyKind, CertificateError> {
    if curve == SECP256R1 {
        Ok(PublicKeyKind::EcP256)
    } else if curve == SECP384R1 {
        Ok(PublicKeyKind::EcP384)
    } else {
        Err(CertificateError::new(
            Kind::Unsupported,
            "EC key on a curve other than P-256 or P-384",
        ))
    }
}
