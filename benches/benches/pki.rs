//! Public-key costs of the certificate suites on the host: RSA-2048 sign (PKCS#1 v1.5, PSS),
//! verify and premaster decryption (with the RFC 5246 7.4.7.1 countermeasure), ECDSA P-256 and
//! P-384, and validating a two-certificate chain (P-256, RSA-2048) with `WebPkiVerifier`.
//!
//! `cargo bench -p dtls-benches --bench pki`

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use dtls::crypto::rsa_premaster::{decrypt_premaster, encrypt_premaster};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{DeterministicRandom, MAX_SIGNATURE_LEN, SignatureScheme, SigningKey};
use dtls::pki::{
    ChainRole, FixedTime, TrustStore, ValidityCheck, WebPkiVerifier, leaf_key, load_private_key,
};

macro_rules! pki {
    ($name:literal) => {
        include_bytes!(concat!("../../dtls/tests/data/pki/", $name))
    };
}

const MESSAGE: &[u8] = &[0x5a; 130]; // the size of an ECDHE ServerKeyExchange's signed part
const JAN_2030: u64 = 1_893_456_000;

fn key(bytes: &[u8]) -> Box<dyn SigningKey> {
    load_private_key(bytes).unwrap().signing_key(&RustCrypto).unwrap()
}

/// A benchmark name, a private key, its certificate and the scheme to sign with.
type Case = (&'static str, Box<dyn SigningKey>, &'static [u8], SignatureScheme);

fn signatures(c: &mut Criterion) {
    let mut rng = DeterministicRandom::from_u64(1);
    let cases: [Case; 5] = [
        (
            "rsa2048_pkcs1_sha256",
            key(pki!("rsa-server.key.pem")),
            pki!("rsa-server.crt.der"),
            SignatureScheme::RsaPkcs1Sha256,
        ),
        (
            "rsa2048_pss_sha256",
            key(pki!("rsa-server.key.pem")),
            pki!("rsa-server.crt.der"),
            SignatureScheme::RsaPssRsaeSha256,
        ),
        (
            "rsa2048_pkcs1_sha384",
            key(pki!("rsa-server.key.pem")),
            pki!("rsa-server.crt.der"),
            SignatureScheme::RsaPkcs1Sha384,
        ),
        (
            "ecdsa_p256_sha256",
            key(pki!("ec-server.key.pem")),
            pki!("ec-server.crt.der"),
            SignatureScheme::EcdsaP256Sha256,
        ),
        (
            "ecdsa_p384_sha384",
            key(pki!("p384-server.key.pem")),
            pki!("p384-server.crt.der"),
            SignatureScheme::EcdsaP384Sha384,
        ),
    ];
    let mut g = c.benchmark_group("pki");
    for (name, key, cert, scheme) in &cases {
        let public = leaf_key(cert).unwrap();
        let mut sig = [0u8; MAX_SIGNATURE_LEN];
        let n = key.sign_with(*scheme, MESSAGE, &mut rng, &mut sig).unwrap();
        g.bench_function(format!("sign_{name}"), |b| {
            b.iter(|| key.sign_with(*scheme, MESSAGE, &mut rng, &mut sig).unwrap())
        });
        let sig = sig[..n].to_vec();
        g.bench_function(format!("verify_{name}"), |b| {
            b.iter(|| public.verify(&RustCrypto, *scheme, MESSAGE, &sig).unwrap())
        });
    }

    let server = key(pki!("rsa-server.key.pem"));
    let public = leaf_key(pki!("rsa-server.crt.der")).unwrap();
    let (_, good) = encrypt_premaster(&RustCrypto, &public, 0xFEFD, &mut rng).unwrap();
    let mut bad = good.clone();
    bad[100] ^= 1;
    g.bench_function("rsa2048_premaster_encrypt", |b| {
        b.iter(|| encrypt_premaster(&RustCrypto, &public, 0xFEFD, &mut rng).unwrap())
    });
    // Both must cost the same: the countermeasure takes one path.
    g.bench_function("rsa2048_premaster_decrypt_valid", |b| {
        b.iter(|| decrypt_premaster(&*server, &good, 0xFEFD, &mut rng).unwrap())
    });
    g.bench_function("rsa2048_premaster_decrypt_tampered", |b| {
        b.iter(|| decrypt_premaster(&*server, &bad, 0xFEFD, &mut rng).unwrap())
    });
    g.finish();
}

fn chains(c: &mut Criterion) {
    let mut roots = TrustStore::new();
    roots.add(pki!("ec-root.crt.der")).unwrap();
    roots.add(pki!("rsa-root.crt.der")).unwrap();
    let v = WebPkiVerifier::new(
        Arc::new(RustCrypto),
        roots,
        ValidityCheck::at(FixedTime(JAN_2030)),
    );
    let ec = vec![
        pki!("ec-server.crt.der").to_vec(),
        pki!("ec-int.crt.der").to_vec(),
    ];
    let rsa = vec![
        pki!("rsa-server.crt.der").to_vec(),
        pki!("rsa-int.crt.der").to_vec(),
    ];
    let mut g = c.benchmark_group("pki");
    g.bench_function("validate_chain_p256", |b| {
        b.iter(|| {
            v.verify_chain(&ec, ChainRole::Server, Some("server.dtls.test"))
                .unwrap()
        })
    });
    g.bench_function("validate_chain_rsa2048", |b| {
        b.iter(|| {
            v.verify_chain(&rsa, ChainRole::Server, Some("server.dtls.test"))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, signatures, chains);
criterion_main!(benches);
