//! Loading keys, certificates and PSKs from the command line, and the `--ca` verifier.

use std::path::Path;
use std::sync::Arc;

use der::{Decode, Encode};
use dtls::config::CertificateVerifier;
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoProvider, SignatureScheme, SigningKey};
use x509_cert::Certificate;
use zeroize::Zeroizing;

/// OID of ecdsa-with-SHA256 (RFC 5758 3.2).
const ECDSA_WITH_SHA256: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// The DER documents in a file: every PEM block with one of `labels`, or the whole file if it
/// is not PEM (then it must be a single DER document).
fn read_documents(path: &Path, what: &str, labels: &[&str]) -> Result<Vec<Zeroizing<Vec<u8>>>, String> {
    let bytes = Zeroizing::new(
        std::fs::read(path).map_err(|e| format!("cannot read {what} file {}: {e}", path.display()))?,
    );
    let Some(text) = std::str::from_utf8(&bytes)
        .ok()
        .filter(|t| t.contains("-----BEGIN "))
    else {
        if bytes.is_empty() {
            return Err(format!("{what} file {} is empty", path.display()));
        }
        return Ok(vec![Zeroizing::new(bytes.to_vec())]);
    };
    let mut docs = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let Some(end_marker) = block.find("-----END ") else {
            return Err(format!(
                "{what} file {}: PEM block without an END line",
                path.display()
            ));
        };
        let after_end = &block[end_marker + 9..];
        let end = after_end
            .find("-----")
            .map(|i| end_marker + 9 + i + 5)
            .ok_or_else(|| format!("{what} file {}: malformed PEM END line", path.display()))?;
        let (label, der) = pem_rfc7468::decode_vec(&block.as_bytes()[..end])
            .map_err(|e| format!("{what} file {}: bad PEM: {e}", path.display()))?;
        if labels.contains(&label) {
            docs.push(Zeroizing::new(der));
        }
        rest = &block[end..];
    }
    if docs.is_empty() {
        return Err(format!(
            "{what} file {} holds no PEM block labelled {}",
            path.display(),
            labels.join(" or ")
        ));
    }
    Ok(docs)
}

/// Certificates (PEM, any number, or one DER), each checked to parse as X.509.
pub fn load_certificates(path: &Path, what: &str) -> Result<Vec<Vec<u8>>, String> {
    let docs = read_documents(path, what, &["CERTIFICATE"])?;
    docs.iter()
        .enumerate()
        .map(|(i, d)| {
            Certificate::from_der(d).map_err(|e| {
                format!(
                    "{what} file {}: certificate {} does not parse: {e}",
                    path.display(),
                    i + 1
                )
            })?;
            Ok(d.to_vec())
        })
        .collect()
}

/// An EC P-256 private key: PEM (`EC PRIVATE KEY` = SEC1, `PRIVATE KEY` = PKCS#8) or DER.
pub fn load_key(path: &Path) -> Result<Box<dyn SigningKey>, String> {
    let docs = read_documents(path, "key", &["EC PRIVATE KEY", "PRIVATE KEY"])?;
    let der = docs.first().ok_or("key file holds no key")?;
    RustCrypto
        .signing_key(SignatureScheme::EcdsaP256Sha256, der)
        .map_err(|e| {
            format!(
                "key file {}: not an EC P-256 private key in SEC1 or PKCS#8 form ({e})",
                path.display()
            )
        })
}

/// A PSK given as hex (as `openssl -psk` takes it).
pub fn parse_psk(hex_key: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let key = Zeroizing::new(hex::decode(hex_key).map_err(|e| format!("--psk: not a hex string: {e}"))?);
    if key.is_empty() || key.len() > dtls::config::MAX_PSK_LEN {
        return Err(format!(
            "--psk: the key must be 1 to {} bytes, got {}",
            dtls::config::MAX_PSK_LEN,
            key.len()
        ));
    }
    Ok(key)
}

/// Trusts a server whose leaf certificate is one of the `--ca` certificates byte for byte, or
/// is issued directly by one of them with an ECDSA P-256 / SHA-256 signature that verifies
/// under that certificate's key (and whose issuer name is that certificate's subject). No
/// intermediate certificates, validity dates, key usage or host names are checked.
#[derive(Debug)]
pub struct CaVerifier {
    cas: Vec<Vec<u8>>,
}

impl CaVerifier {
    /// A verifier over the given DER certificates.
    pub fn new(cas: Vec<Vec<u8>>) -> Arc<Self> {
        Arc::new(CaVerifier { cas })
    }

    fn signed_by(leaf: &Certificate, ca_der: &[u8]) -> bool {
        let Ok(ca) = Certificate::from_der(ca_der) else {
            return false;
        };
        if leaf.tbs_certificate().issuer() != ca.tbs_certificate().subject()
            || leaf.signature_algorithm().oid != ECDSA_WITH_SHA256
        {
            return false;
        }
        let (Ok(ca_key), Ok(tbs), Some(sig)) = (
            dtls::pki::leaf_public_key(ca_der),
            leaf.tbs_certificate().to_der(),
            leaf.signature().as_bytes(),
        ) else {
            return false;
        };
        RustCrypto
            .verify(SignatureScheme::EcdsaP256Sha256, &ca_key, &tbs, sig)
            .is_ok()
    }
}

impl CertificateVerifier for CaVerifier {
    fn verify_server(&self, chain: &[Vec<u8>], _server_name: Option<&str>) -> Result<(), dtls::Error> {
        let leaf_der = chain.first().ok_or(dtls::Error::CertificateRejected)?;
        if self.cas.iter().any(|ca| ca == leaf_der) {
            return Ok(());
        }
        let leaf = Certificate::from_der(leaf_der).map_err(|_| dtls::Error::CertificateRejected)?;
        if self.cas.iter().any(|ca| Self::signed_by(&leaf, ca)) {
            return Ok(());
        }
        Err(dtls::Error::CertificateRejected)
    }
}
