//! Loading keys, certificates and PSKs from the command line, and the `--ca` verifier.
//!
//! Certificates and keys go through the engine's loaders (`dtls::pki`): DER or PEM, chains
//! and bundles, PKCS#1, PKCS#8 and SEC1 keys, RSA and EC P-256/P-384.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dtls::config::CertificateVerifier;
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::pki::{Identities, Identity, SystemClock, TrustStore, ValidityCheck, WebPkiVerifier};
use zeroize::Zeroizing;

fn read(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read {what} file {}: {e}", path.display()))?;
    if bytes.is_empty() {
        return Err(format!("{what} file {} is empty", path.display()));
    }
    Ok(Zeroizing::new(bytes))
}

/// Certificates: PEM (any number of `CERTIFICATE` blocks) or DER.
pub fn load_certificates(path: &Path, what: &str) -> Result<Vec<Vec<u8>>, String> {
    let bytes = read(path, what)?;
    dtls::pki::load_certificates(&bytes).map_err(|e| format!("{what} file {}: {e}", path.display()))
}

/// Identities from `--cert`/`--key` pairs, in order: each chain (leaf first) with its leaf's
/// private key (PKCS#1, PKCS#8 or SEC1; PEM or DER; RSA or EC P-256/P-384).
pub fn load_identities(certs: &[PathBuf], keys: &[PathBuf]) -> Result<Option<Identities>, String> {
    if certs.len() != keys.len() {
        return Err(format!(
            "--cert and --key come in pairs: {} --cert and {} --key given",
            certs.len(),
            keys.len()
        ));
    }
    if certs.is_empty() {
        return Ok(None);
    }
    let mut identities = Identities::new();
    for (cert, key) in certs.iter().zip(keys) {
        let chain = read(cert, "certificate")?;
        let key_bytes = read(key, "key")?;
        dtls::pki::load_certificates(&chain)
            .map_err(|e| format!("certificate file {}: {e}", cert.display()))?;
        dtls::pki::load_private_key(&key_bytes).map_err(|e| format!("key file {}: {e}", key.display()))?;
        let identity = Identity::load(&RustCrypto, &chain, &key_bytes)
            .map_err(|e| format!("--cert {} with --key {}: {e}", cert.display(), key.display()))?;
        identities.add(identity);
    }
    Ok(Some(identities))
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

/// The `--ca` verifier: the given certificates are trust anchors, and a peer chain must
/// validate to one of them in full (`dtls::pki::WebPkiVerifier`: every signature, validity at
/// the system clock, basicConstraints and path length, keyUsage and extendedKeyUsage, and the
/// `--server-name` against the leaf's subjectAltName). A peer whose leaf *is* one of the
/// `--ca` certificates, byte for byte, is also trusted: that is pinning a self-signed device
/// certificate, which no chain validation can accept (the name is not checked then).
#[derive(Debug)]
pub struct CaVerifier {
    pinned: Vec<Vec<u8>>,
    chains: WebPkiVerifier,
}

impl CaVerifier {
    /// A verifier over the certificates of `path`.
    pub fn load(path: &Path) -> Result<Arc<Self>, String> {
        let cas = load_certificates(path, "CA")?;
        let mut roots = TrustStore::new();
        for ca in &cas {
            roots
                .add(ca)
                .map_err(|e| format!("CA file {}: {e}", path.display()))?;
        }
        Ok(Arc::new(CaVerifier {
            pinned: cas,
            chains: WebPkiVerifier::new(Arc::new(RustCrypto), roots, ValidityCheck::at(SystemClock)),
        }))
    }

    /// The anchors' subject names, for CertificateRequest.
    pub fn subjects(&self) -> Vec<Vec<u8>> {
        self.chains.roots().subjects(0xffff)
    }

    fn pinned(&self, chain: &[Vec<u8>]) -> bool {
        chain.first().is_some_and(|leaf| self.pinned.contains(leaf))
    }
}

impl CertificateVerifier for CaVerifier {
    fn verify_server(&self, chain: &[Vec<u8>], server_name: Option<&str>) -> Result<(), dtls::Error> {
        if self.pinned(chain) {
            return Ok(());
        }
        self.chains.verify_server(chain, server_name)
    }

    fn verify_client(&self, chain: &[Vec<u8>]) -> Result<(), dtls::Error> {
        if self.pinned(chain) {
            return Ok(());
        }
        self.chains.verify_client(chain)
    }
}
