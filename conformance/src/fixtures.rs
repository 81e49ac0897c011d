//! Credentials shared with the engine's tests (`dtls/tests/data`): a self-signed P-256
//! certificate for CN=dtls-test-server, its key, and a PSK.

use std::path::PathBuf;
use std::sync::Arc;

use dtls::config::{CertifiedKey, ClientConfig, PinnedCertificates, Psk, PskTable, ServerConfig};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoProvider, SignatureScheme};
use dtls::wire::CipherSuite;

/// The server certificate, DER.
pub const CERT_DER: &[u8] = include_bytes!("../../dtls/tests/data/server.crt.der");
/// Its PKCS#8 private key, DER.
pub const KEY_DER: &[u8] = include_bytes!("../../dtls/tests/data/server.key.der");
/// The certificate's subject common name.
pub const CERT_NAME: &str = "dtls-test-server";
/// The PSK identity.
pub const PSK_IDENTITY: &str = "device-17";
/// The PSK.
pub const PSK_KEY: [u8; 16] = [0x1a; 16];

/// The PSK as the hex string command-line tools take.
pub fn psk_hex() -> String {
    PSK_KEY.iter().map(|b| format!("{b:02x}")).collect()
}

/// Path of a file in `dtls/tests/data` (for peers that read PEM files).
pub fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../dtls/tests/data")
        .join(name)
}

/// The PEM certificate path.
pub fn cert_pem_path() -> PathBuf {
    data_path("server.crt.pem")
}

/// The PEM key path.
pub fn key_pem_path() -> PathBuf {
    data_path("server.key.pem")
}

fn provider() -> Arc<RustCrypto> {
    Arc::new(RustCrypto)
}

fn psk() -> Psk {
    // Both values are within RFC 4279's limits, so this cannot fail.
    #[allow(clippy::expect_used)]
    Psk::new(PSK_IDENTITY.as_bytes(), &PSK_KEY).expect("fixture PSK is valid")
}

/// A client offering only `suite`, with the fixture PSK (for PSK suites) or the fixture
/// certificate pinned (for certificate suites).
pub fn client_config(suite: CipherSuite) -> ClientConfig {
    let mut c = ClientConfig::new(provider());
    c.common.cipher_suites = vec![suite];
    c.psk = Some(psk());
    c.verifier = Some(Arc::new(PinnedCertificates {
        leaves: vec![CERT_DER.to_vec()],
    }));
    c
}

/// A server with every supported suite, the fixture PSK and certificate, cookies on/off.
pub fn server_config(cookies: bool) -> ServerConfig {
    let p = provider();
    let mut s = ServerConfig::new(p.clone());
    s.cookies = cookies;
    s.psk_store = Some(Arc::new(PskTable::new().with(psk())));
    #[allow(clippy::expect_used)]
    let key = p
        .signing_key(SignatureScheme::EcdsaP256Sha256, KEY_DER)
        .expect("fixture key loads");
    s.certificate = Some(Arc::new(CertifiedKey {
        chain: vec![CERT_DER.to_vec()],
        key,
    }));
    s
}
