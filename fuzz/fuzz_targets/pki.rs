//! Certificate and key loading and chain validation on arbitrary bytes, with the real
//! provider. The first byte picks the mode:
//!
//! - 0: `load_certificates` (DER or PEM); whatever loads parses again as a certificate;
//! - 1: `load_private_key` and, if it loads, the provider's signing key;
//! - 2: `CertificateInfo::parse`, `leaf_key`, `TrustStore::add`;
//! - 3: a chain split from the input (u16 length prefixes) validated for both roles against the
//!   test PKI's roots;
//! - 4: the test PKI's valid chain with fuzzer-chosen byte edits (position, xor): an edited
//!   chain may validate only if its signed parts (every TBSCertificate) are unchanged, i.e.
//!   no edit forges a signature.
#![no_main]

use std::sync::{Arc, LazyLock};

use der::{Decode, Encode};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::pki::{
    CertificateInfo, ChainRole, FixedTime, TrustStore, ValidityCheck, WebPkiVerifier, leaf_key,
    load_certificates, load_private_key,
};
use libfuzzer_sys::fuzz_target;

const JAN_2030: u64 = 1_893_456_000;

static ROOTS: &[&[u8]] = &[
    include_bytes!("../../dtls/tests/data/pki/ec-root.crt.der"),
    include_bytes!("../../dtls/tests/data/pki/rsa-root.crt.der"),
    include_bytes!("../../dtls/tests/data/pki/p384-root.crt.der"),
];
static VALID_CHAIN: &[&[u8]] = &[
    include_bytes!("../../dtls/tests/data/pki/ec-server.crt.der"),
    include_bytes!("../../dtls/tests/data/pki/ec-int.crt.der"),
];

static VERIFIER: LazyLock<WebPkiVerifier> = LazyLock::new(|| {
    let mut roots = TrustStore::new();
    for r in ROOTS {
        roots.add(r).expect("test roots load");
    }
    WebPkiVerifier::new(
        Arc::new(RustCrypto),
        roots,
        ValidityCheck::at(FixedTime(JAN_2030)),
    )
});

fn tbs(der: &[u8]) -> Option<Vec<u8>> {
    x509_cert::Certificate::from_der(der)
        .ok()?
        .tbs_certificate()
        .to_der()
        .ok()
}

fn split_chain(mut data: &[u8]) -> Vec<Vec<u8>> {
    let mut chain = Vec::new();
    while let [a, b, rest @ ..] = data {
        let n = usize::from(u16::from_be_bytes([*a, *b])).min(rest.len());
        chain.push(rest[..n].to_vec());
        data = &rest[n..];
    }
    chain
}

fuzz_target!(|data: &[u8]| {
    let [mode, data @ ..] = data else { return };
    match mode % 5 {
        0 => {
            if let Ok(certs) = load_certificates(data) {
                assert!(!certs.is_empty());
                for c in certs {
                    CertificateInfo::parse(&c).expect("a loaded certificate parses");
                }
            }
        }
        1 => {
            if let Ok(key) = load_private_key(data) {
                let _ = key.signing_key(&RustCrypto);
            }
        }
        2 => {
            let info = CertificateInfo::parse(data);
            let key = leaf_key(data);
            if info.is_err() {
                assert!(key.is_err());
            }
            let mut store = TrustStore::new();
            if store.add(data).is_ok() {
                assert!(store.contains(data));
                assert_eq!(store.subjects(usize::MAX).len(), 1);
            }
        }
        3 => {
            let chain = split_chain(data);
            let _ = VERIFIER.verify_chain(&chain, ChainRole::Server, Some("server.dtls.test"));
            let _ = VERIFIER.verify_chain(&chain, ChainRole::Client, None);
        }
        _ => {
            let mut chain: Vec<Vec<u8>> = VALID_CHAIN.iter().map(|c| c.to_vec()).collect();
            for edit in data.chunks_exact(4) {
                let which = usize::from(edit[0] & 1);
                let cert = &mut chain[which];
                let pos = usize::from(u16::from_be_bytes([edit[1], edit[2]])) % cert.len();
                cert[pos] ^= edit[3];
            }
            if VERIFIER
                .verify_chain(&chain, ChainRole::Server, Some("server.dtls.test"))
                .is_ok()
            {
                for (edited, original) in chain.iter().zip(VALID_CHAIN) {
                    assert_eq!(tbs(edited), tbs(original), "an edited certificate body validated");
                }
            }
        }
    }
});
