//! Credentials shared with the engine's tests (`dtls/tests/data`): a self-signed P-256
//! certificate for CN=dtls-test-server, its key, a PSK, and the test PKI (`pki/`: chains,
//! RSA and P-256 server and client identities).

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

/// Path of a file of the engine's test PKI (`dtls/tests/data/pki`, made by its `make.sh`):
/// P-256, P-384 and RSA-2048 roots, intermediates, server leaves for [`PKI_SERVER_NAME`] and
/// client leaves, valid 2025 to 2125.
pub fn pki_path(name: &str) -> PathBuf {
    data_path("pki").join(name)
}

/// The name the test PKI's server leaves carry in subjectAltName.
pub const PKI_SERVER_NAME: &str = "server.dtls.test";

/// When our side validates test PKI chains: 2030-01-01, inside every valid certificate (the
/// peers validate at their own clock).
pub const PKI_TIME: u64 = 1_893_456_000;

fn pki_file(name: &str) -> Vec<u8> {
    let path = pki_path(name);
    #[allow(clippy::expect_used)]
    std::fs::read(&path).expect("test PKI file is readable")
}

/// A verifier trusting the test PKI's three roots at [`PKI_TIME`].
pub fn pki_verifier() -> Arc<dtls::pki::WebPkiVerifier> {
    let mut roots = dtls::pki::TrustStore::new();
    #[allow(clippy::expect_used)]
    roots
        .add_all(&pki_file("roots.pem"))
        .expect("the test roots load");
    Arc::new(dtls::pki::WebPkiVerifier::new(
        provider(),
        roots,
        dtls::pki::ValidityCheck::at(dtls::pki::FixedTime(PKI_TIME)),
    ))
}

/// The identity of a test PKI chain file (leaf first) and key file.
pub fn pki_identity(chain: &str, key: &str) -> dtls::pki::Identity {
    #[allow(clippy::expect_used)]
    dtls::pki::Identity::load(&RustCrypto, &pki_file(chain), &pki_file(key)).expect("test identity loads")
}

/// The DER certificates of a test PKI file.
pub fn pki_certificates(name: &str) -> Vec<Vec<u8>> {
    #[allow(clippy::expect_used)]
    dtls::pki::load_certificates(&pki_file(name)).expect("test certificates load")
}

/// A client offering only `suite`, validating the server's chain against the test roots for
/// [`PKI_SERVER_NAME`], and holding the client identity `(chain, key)` if given.
pub fn pki_client_config(suite: CipherSuite, identity: Option<(&str, &str)>) -> ClientConfig {
    let mut c = ClientConfig::new(provider());
    c.common.cipher_suites = vec![suite];
    c.verifier = Some(pki_verifier());
    c.server_name = Some(PKI_SERVER_NAME.into());
    c.identities = identity.map(|(chain, key)| {
        let mut ids = dtls::pki::Identities::new();
        ids.add(pki_identity(chain, key));
        Arc::new(ids)
    });
    c
}

/// A server with the test PKI's RSA and P-256 server identities, asking for client
/// certificates as `client_auth` says and validating them against the test roots.
pub fn pki_server_config(cookies: bool, client_auth: dtls::config::ClientAuth) -> ServerConfig {
    let mut s = ServerConfig::new(provider());
    s.cookies = cookies;
    let mut ids = dtls::pki::Identities::new();
    ids.add(pki_identity("rsa-server.chain.pem", "rsa-server.key.pem"));
    ids.add(pki_identity("ec-server.chain.pem", "ec-server.key.pem"));
    s.identities = Some(Arc::new(ids));
    s.client_auth = client_auth;
    s.client_verifier = Some(pki_verifier());
    s
}
