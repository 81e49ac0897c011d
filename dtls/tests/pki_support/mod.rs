//! Shared by the pki tests: the committed test PKI (tests/data/pki, made by its make.sh) and
//! verifiers over it.
#![allow(dead_code)]

use std::sync::Arc;

use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoProvider, SecureRandom};
use dtls::pki::{FixedTime, TrustStore, ValidityCheck, WebPkiVerifier, load_certificates};

/// 2030-01-01T00:00:00Z: inside every valid test certificate (2025 to 2125), after the expired
/// one (2025-01 to 2025-06), before the not-yet-valid one (2100-2110).
pub const JAN_2030: u64 = 1_893_456_000;

pub fn file(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/pki/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The DER certificates of a PEM file.
pub fn certs(name: &str) -> Vec<Vec<u8>> {
    load_certificates(&file(name)).unwrap()
}

/// The single DER certificate of `NAME.crt.der`.
pub fn cert(name: &str) -> Vec<u8> {
    file(&format!("{name}.crt.der"))
}

pub fn provider() -> Arc<dyn CryptoProvider + Send + Sync> {
    Arc::new(RustCrypto)
}

/// A store holding the given roots (by name).
pub fn store(roots: &[&str]) -> TrustStore {
    let mut s = TrustStore::new();
    for r in roots {
        s.add(&cert(r)).unwrap();
    }
    s
}

/// A verifier trusting the EC, RSA and P-384 roots, validating at 2030-01-01.
pub fn verifier() -> WebPkiVerifier {
    WebPkiVerifier::new(
        provider(),
        store(&["ec-root", "rsa-root", "p384-root"]),
        ValidityCheck::at(FixedTime(JAN_2030)),
    )
}

/// Leaf then intermediates, by name.
pub fn chain(names: &[&str]) -> Vec<Vec<u8>> {
    names.iter().map(|n| cert(n)).collect()
}

/// A deterministic RNG (a counter through SHA-256 would do; xorshift is enough for tests).
#[derive(Debug)]
pub struct TestRng(pub u64);

impl SecureRandom for TestRng {
    fn fill(&mut self, dest: &mut [u8]) {
        for b in dest {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = (self.0 >> 24) as u8;
        }
    }
}

/// An identity from a PEM chain and PEM key of the test PKI.
pub fn identity(chain_pem: &str, key_pem: &str) -> dtls::pki::Identity {
    dtls::pki::Identity::load(provider().as_ref(), &file(chain_pem), &file(key_pem)).unwrap()
}

/// The server's identities: RSA (sign + encipher) and P-256, both for server.dtls.test.
pub fn server_identities() -> dtls::pki::Identities {
    let mut ids = dtls::pki::Identities::new();
    ids.add(identity("rsa-server.chain.pem", "rsa-server.key.pem"));
    ids.add(identity("ec-server.chain.pem", "ec-server.key.pem"));
    ids
}

/// The client identities of the test PKI, by key kind.
pub fn ec_client() -> dtls::pki::Identities {
    let mut ids = dtls::pki::Identities::new();
    ids.add(identity("ec-client.chain.pem", "ec-client.key.pem"));
    ids
}

pub fn rsa_client() -> dtls::pki::Identities {
    let mut ids = dtls::pki::Identities::new();
    ids.add(identity("rsa-client.chain.pem", "rsa-client.key.pem"));
    ids
}

/// The server name of the test PKI's server leaves.
pub const SERVER_NAME: &str = "server.dtls.test";

/// A client offering only `suite`, validating the server's chain with [`verifier`] for
/// [`SERVER_NAME`], with `identities` for client authentication.
pub fn pki_client(
    suite: dtls::wire::CipherSuite,
    mtu: usize,
    identities: Option<dtls::pki::Identities>,
) -> dtls::ClientConfig {
    let mut c = dtls::ClientConfig::new(provider());
    c.common.cipher_suites = vec![suite];
    c.common.mtu = mtu;
    c.verifier = Some(Arc::new(verifier()));
    c.server_name = Some(SERVER_NAME.into());
    c.identities = identities.map(Arc::new);
    c
}

/// A server with [`server_identities`], cookies on, asking for client certificates as
/// `client_auth` says and validating them with [`verifier`].
pub fn pki_server(mtu: usize, client_auth: dtls::config::ClientAuth) -> dtls::ServerConfig {
    let mut s = dtls::ServerConfig::new(provider());
    s.common.mtu = mtu;
    s.identities = Some(Arc::new(server_identities()));
    s.client_auth = client_auth;
    s.client_verifier = Some(Arc::new(verifier()));
    s
}
