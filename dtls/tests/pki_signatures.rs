//! RSA (PKCS#1 v1.5, PSS) and ECDSA P-384 signatures through the provider: Wycheproof vectors,
//! sign/verify round trips with the test PKI's keys, and the handshake's signature steps
//! (`pki::sign`, `pki::verify_signed`) with their alerts.
// The test PKI has RSA and P-384 keys: these need the provider features that handle them.
#![cfg(all(feature = "rustcrypto-rsa", feature = "rustcrypto-p384"))]

mod pki_support;

use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoError, CryptoProvider, MAX_SIGNATURE_LEN, PublicKeyKind, SignatureScheme};
use dtls::pki::{KeyUse, SUPPORTED_WIRE_SCHEMES, leaf_key, load_private_key, peer_key, sign, verify_signed};
use dtls::wire::{AlertDescription, DigitallySigned, SignatureScheme as Wire};
use pki_support::{TestRng, cert, chain, file};
use wycheproof::TestResult;

/// One Wycheproof case: key, message, signature, expected result, tcId, comment.
type Case = (Vec<u8>, Vec<u8>, Vec<u8>, TestResult, usize, String);

fn check_wycheproof(name: &str, scheme: SignatureScheme, cases: impl Iterator<Item = Case>) {
    let (mut valid, mut invalid, mut acceptable) = (0, 0, 0);
    for (key, msg, sig, result, id, comment) in cases {
        let r = RustCrypto.verify(scheme, &key, &msg, &sig);
        match result {
            TestResult::Valid => {
                assert_eq!(r, Ok(()), "{name} tcId {id} {comment}");
                valid += 1;
            }
            TestResult::Invalid => {
                assert!(r.is_err(), "{name} tcId {id} {comment} should fail");
                invalid += 1;
            }
            TestResult::Acceptable => acceptable += 1,
        }
    }
    eprintln!("{name}: {valid} valid, {invalid} invalid, {acceptable} acceptable");
    assert!(valid > 0 && invalid > 0, "{name}: vectors did not run");
}

fn pkcs1_cases(name: wycheproof::rsa_pkcs1_verify::TestName) -> Vec<Case> {
    let set = wycheproof::rsa_pkcs1_verify::TestSet::load(name).unwrap();
    set.test_groups
        .iter()
        .flat_map(|g| {
            g.tests.iter().map(move |t| {
                (
                    g.asn_key.to_vec(),
                    t.msg.to_vec(),
                    t.sig.to_vec(),
                    t.result,
                    t.tc_id,
                    t.comment.clone(),
                )
            })
        })
        .collect()
}

#[test]
fn wycheproof_rsa_pkcs1_sha256_2048() {
    use wycheproof::rsa_pkcs1_verify::TestName;
    check_wycheproof(
        "RSA-2048 PKCS#1 SHA-256",
        SignatureScheme::RsaPkcs1Sha256,
        pkcs1_cases(TestName::Rsa2048Sha256).into_iter(),
    );
}

#[test]
fn wycheproof_rsa_pkcs1_sha384_2048_and_3072() {
    use wycheproof::rsa_pkcs1_verify::TestName;
    let cases = pkcs1_cases(TestName::Rsa2048Sha384)
        .into_iter()
        .chain(pkcs1_cases(TestName::Rsa3072Sha384));
    check_wycheproof("RSA PKCS#1 SHA-384", SignatureScheme::RsaPkcs1Sha384, cases);
}

#[test]
fn wycheproof_rsa_pss_sha256_salt_32() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let set = TestSet::load(TestName::RsaPss2048Sha256Mgf1SaltLen32).unwrap();
    let cases: Vec<_> = set
        .test_groups
        .iter()
        .flat_map(|g| {
            g.tests.iter().map(move |t| {
                (
                    g.asn_key.to_vec(),
                    t.msg.to_vec(),
                    t.sig.to_vec(),
                    t.result,
                    t.tc_id,
                    t.comment.clone(),
                )
            })
        })
        .collect();
    check_wycheproof(
        "RSA-PSS SHA-256 salt 32",
        SignatureScheme::RsaPssRsaeSha256,
        cases.into_iter(),
    );
}

#[test]
fn wycheproof_rsa_pss_sha384_salt_48() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let set = TestSet::load(TestName::RsaPss2048Sha384Mgf1SaltLen48).unwrap();
    let cases: Vec<_> = set
        .test_groups
        .iter()
        .flat_map(|g| {
            g.tests.iter().map(move |t| {
                (
                    g.asn_key.to_vec(),
                    t.msg.to_vec(),
                    t.sig.to_vec(),
                    t.result,
                    t.tc_id,
                    t.comment.clone(),
                )
            })
        })
        .collect();
    check_wycheproof(
        "RSA-PSS SHA-384 salt 48",
        SignatureScheme::RsaPssRsaeSha384,
        cases.into_iter(),
    );
}

#[test]
fn wycheproof_rsa_pss_with_another_salt_length_is_refused() {
    // RFC 8446 4.2.3: the salt is as long as the hash. Signatures with a 0-byte salt, valid
    // for their own parameters, must not verify as rsa_pss_rsae_sha256.
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let set = TestSet::load(TestName::RsaPss2048Sha256Mgf1SaltLen0).unwrap();
    let mut checked = 0;
    for g in &set.test_groups {
        for t in g.tests.iter().filter(|t| t.result == TestResult::Valid) {
            assert!(
                RustCrypto
                    .verify(SignatureScheme::RsaPssRsaeSha256, &g.asn_key, &t.msg, &t.sig)
                    .is_err()
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}

#[test]
fn wycheproof_ecdsa_p384_sha384() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let set = TestSet::load(TestName::EcdsaSecp384r1Sha384).unwrap();
    let cases: Vec<_> = set
        .test_groups
        .iter()
        .flat_map(|g| {
            g.tests.iter().map(move |t| {
                (
                    g.key.key.to_vec(),
                    t.msg.to_vec(),
                    t.sig.to_vec(),
                    t.result,
                    t.tc_id,
                    t.comment.clone(),
                )
            })
        })
        .collect();
    check_wycheproof(
        "ECDSA P-384/SHA-384",
        SignatureScheme::EcdsaP384Sha384,
        cases.into_iter(),
    );
}

#[test]
fn wycheproof_ecdsa_p384_sha256() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let set = TestSet::load(TestName::EcdsaSecp384r1Sha256).unwrap();
    let cases: Vec<_> = set
        .test_groups
        .iter()
        .flat_map(|g| {
            g.tests.iter().map(move |t| {
                (
                    g.key.key.to_vec(),
                    t.msg.to_vec(),
                    t.sig.to_vec(),
                    t.result,
                    t.tc_id,
                    t.comment.clone(),
                )
            })
        })
        .collect();
    check_wycheproof(
        "ECDSA P-384/SHA-256",
        SignatureScheme::EcdsaP384Sha256,
        cases.into_iter(),
    );
}

#[test]
fn openssl_ecdsa_signatures_with_the_other_hash_verify() {
    // Wycheproof has no P-256/SHA-384 set; these were made by `openssl dgst` (see make.sh).
    let msg = b"dtls test message";
    let p256 = leaf_key(&cert("ec-server")).unwrap();
    let sig = file("ec-server.sha384.sig");
    p256.verify(&RustCrypto, SignatureScheme::EcdsaP256Sha384, msg, &sig)
        .unwrap();
    assert!(
        p256.verify(&RustCrypto, SignatureScheme::EcdsaP256Sha256, msg, &sig)
            .is_err()
    );
    assert!(
        p256.verify(&RustCrypto, SignatureScheme::EcdsaP256Sha384, b"other", &sig)
            .is_err()
    );
    let p384 = leaf_key(&cert("p384-server")).unwrap();
    let sig = file("p384-server.sha256.sig");
    p384.verify(&RustCrypto, SignatureScheme::EcdsaP384Sha256, msg, &sig)
        .unwrap();
    assert!(
        p384.verify(&RustCrypto, SignatureScheme::EcdsaP384Sha384, msg, &sig)
            .is_err()
    );
}

fn signing_key(name: &str) -> Box<dyn dtls::crypto::SigningKey> {
    load_private_key(&file(name))
        .unwrap()
        .signing_key(&RustCrypto)
        .unwrap()
}

#[test]
fn rsa_key_signs_with_every_rsa_scheme_and_the_certificate_key_verifies() {
    let key = signing_key("rsa-server.key.pem");
    let public = leaf_key(&cert("rsa-server")).unwrap();
    assert_eq!((public.kind(), public.bits()), (PublicKeyKind::Rsa, 2048));
    assert_eq!(key.public_key().as_ref(), Some(&public));
    let msg = b"client_random || server_random || ServerECDHParams";
    for &scheme in key.schemes() {
        let mut out = [0u8; MAX_SIGNATURE_LEN];
        let n = key.sign_with(scheme, msg, &mut TestRng(7), &mut out).unwrap();
        assert_eq!(n, 256, "{scheme:?}");
        public.verify(&RustCrypto, scheme, msg, &out[..n]).unwrap();
        assert_eq!(
            public.verify(&RustCrypto, scheme, b"another message", &out[..n]),
            Err(CryptoError::BadSignature),
            "{scheme:?}"
        );
        // A signature under one padding does not verify under another.
        let other = if scheme == SignatureScheme::RsaPkcs1Sha256 {
            SignatureScheme::RsaPssRsaeSha256
        } else {
            SignatureScheme::RsaPkcs1Sha256
        };
        assert!(
            public.verify(&RustCrypto, other, msg, &out[..n]).is_err(),
            "{scheme:?} as {other:?}"
        );
    }
    assert_eq!(key.schemes().len(), 4);
}

#[test]
fn rsa_pkcs1_signatures_are_deterministic_and_pss_ones_are_salted() {
    let key = signing_key("rsa-server.key.pkcs1.der");
    let sig = |scheme, seed| {
        let mut out = [0u8; MAX_SIGNATURE_LEN];
        let n = key.sign_with(scheme, b"m", &mut TestRng(seed), &mut out).unwrap();
        out[..n].to_vec()
    };
    assert_eq!(
        sig(SignatureScheme::RsaPkcs1Sha256, 1),
        sig(SignatureScheme::RsaPkcs1Sha256, 2)
    );
    assert_ne!(
        sig(SignatureScheme::RsaPssRsaeSha256, 1),
        sig(SignatureScheme::RsaPssRsaeSha256, 2)
    );
    // Same seed, same PSS signature: seeded runs reproduce.
    assert_eq!(
        sig(SignatureScheme::RsaPssRsaeSha256, 3),
        sig(SignatureScheme::RsaPssRsaeSha256, 3)
    );
}

#[test]
fn p384_key_signs_and_its_certificate_key_verifies() {
    let key = signing_key("p384-server.key.sec1.pem");
    assert_eq!(key.scheme(), SignatureScheme::EcdsaP384Sha384);
    let public = leaf_key(&cert("p384-server")).unwrap();
    assert_eq!(key.public_key().as_ref(), Some(&public));
    let mut out = [0u8; MAX_SIGNATURE_LEN];
    let n = key.sign(b"hello", &mut TestRng(1), &mut out).unwrap();
    assert!(n <= 104);
    public
        .verify(&RustCrypto, SignatureScheme::EcdsaP384Sha384, b"hello", &out[..n])
        .unwrap();
    // The key cannot sign with a scheme it does not have.
    assert_eq!(
        key.sign_with(
            SignatureScheme::EcdsaP256Sha256,
            b"hello",
            &mut TestRng(1),
            &mut out
        ),
        Err(CryptoError::Unsupported)
    );
}

#[test]
fn signature_output_buffer_too_small_is_an_error_not_a_panic() {
    let key = signing_key("rsa-server.key.pem");
    let mut out = [0u8; 255];
    assert_eq!(
        key.sign(b"m", &mut TestRng(1), &mut out),
        Err(CryptoError::BadLength)
    );
}

#[test]
fn a_scheme_that_does_not_fit_the_key_is_refused_before_verifying() {
    let public = leaf_key(&cert("ec-server")).unwrap();
    assert_eq!(
        public.verify(&RustCrypto, SignatureScheme::RsaPkcs1Sha256, b"m", &[0u8; 256]),
        Err(CryptoError::InvalidKey)
    );
}

#[test]
fn rsa_signatures_of_the_wrong_length_are_refused() {
    let key = signing_key("rsa-server.key.pem");
    let public = leaf_key(&cert("rsa-server")).unwrap();
    let mut out = [0u8; MAX_SIGNATURE_LEN];
    let n = key.sign(b"m", &mut TestRng(1), &mut out).unwrap();
    let mut long = out[..n].to_vec();
    long.insert(0, 0);
    assert_eq!(
        public.verify(&RustCrypto, SignatureScheme::RsaPkcs1Sha256, b"m", &long),
        Err(CryptoError::BadSignature)
    );
    assert_eq!(
        public.verify(&RustCrypto, SignatureScheme::RsaPkcs1Sha256, b"m", &out[1..n]),
        Err(CryptoError::BadSignature)
    );
}

// ---------------------------------------------------------------------------------------------
// The handshake's signature steps

fn ske_message() -> Vec<u8> {
    let mut m = vec![0x11; 64];
    m.extend_from_slice(&[3, 0, 23, 65, 4]);
    m.extend_from_slice(&[0x22; 64]);
    m
}

#[test]
fn signed_server_key_exchange_verifies_for_rsa_p256_and_p384_identities() {
    for (key_file, leaf) in [
        ("rsa-server.key.pem", "rsa-server"),
        ("ec-server.key.pem", "ec-server"),
        ("p384-server.key.pem", "p384-server"),
    ] {
        let key = signing_key(key_file);
        let peer = peer_key(&chain(&[leaf]), KeyUse::Sign).unwrap();
        for &scheme in key.schemes() {
            let signed = sign(&*key, scheme, &ske_message(), &mut TestRng(5)).unwrap();
            verify_signed(
                &RustCrypto,
                &peer,
                SUPPORTED_WIRE_SCHEMES,
                &signed,
                &ske_message(),
            )
            .unwrap_or_else(|e| panic!("{leaf} {scheme:?}: {e}"));
        }
    }
}

#[test]
fn handshake_signature_over_another_message_is_decrypt_error() {
    let key = signing_key("ec-server.key.pem");
    let peer = peer_key(&chain(&["ec-server"]), KeyUse::Sign).unwrap();
    let signed = sign(
        &*key,
        SignatureScheme::EcdsaP256Sha256,
        &ske_message(),
        &mut TestRng(5),
    )
    .unwrap();
    let e = verify_signed(
        &RustCrypto,
        &peer,
        SUPPORTED_WIRE_SCHEMES,
        &signed,
        b"other transcript",
    )
    .unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::DECRYPT_ERROR));
}

#[test]
fn handshake_signature_by_another_key_is_decrypt_error() {
    let key = signing_key("ec-client.key.pem");
    let peer = peer_key(&chain(&["ec-server"]), KeyUse::Sign).unwrap();
    let signed = sign(
        &*key,
        SignatureScheme::EcdsaP256Sha256,
        &ske_message(),
        &mut TestRng(5),
    )
    .unwrap();
    let e = verify_signed(
        &RustCrypto,
        &peer,
        SUPPORTED_WIRE_SCHEMES,
        &signed,
        &ske_message(),
    )
    .unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::DECRYPT_ERROR));
}

#[test]
fn handshake_signature_with_an_unoffered_or_mismatched_algorithm_is_illegal_parameter() {
    let key = signing_key("rsa-server.key.pem");
    let peer = peer_key(&chain(&["rsa-server"]), KeyUse::Sign).unwrap();
    let signed = sign(
        &*key,
        SignatureScheme::RsaPssRsaeSha256,
        &ske_message(),
        &mut TestRng(5),
    )
    .unwrap();
    let e = verify_signed(
        &RustCrypto,
        &peer,
        &[Wire::RSA_PKCS1_SHA256],
        &signed,
        &ske_message(),
    )
    .unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
    // An ECDSA code point on an RSA key.
    let relabelled = DigitallySigned {
        algorithm: Wire::ECDSA_SECP256R1_SHA256,
        signature: signed.signature.clone(),
    };
    let e = verify_signed(
        &RustCrypto,
        &peer,
        SUPPORTED_WIRE_SCHEMES,
        &relabelled,
        &ske_message(),
    )
    .unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
}

#[test]
fn peer_key_checks_the_leaf_key_usage_for_the_key_exchange() {
    // rsa-server allows digitalSignature and keyEncipherment; the sign-only one cannot receive
    // an RSA-encrypted premaster (RFC 5246 7.4.2).
    peer_key(&chain(&["rsa-server"]), KeyUse::Encipher).unwrap();
    peer_key(&chain(&["rsa-server-signonly"]), KeyUse::Sign).unwrap();
    let e = peer_key(&chain(&["rsa-server-signonly"]), KeyUse::Encipher).unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::UNSUPPORTED_CERTIFICATE));
    let e = peer_key(&[], KeyUse::Sign).unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::HANDSHAKE_FAILURE));
}

#[test]
fn leaf_key_reports_the_kind_and_size_of_every_test_key() {
    for (name, kind, bits) in [
        ("ec-server", PublicKeyKind::EcP256, 256),
        ("p384-server", PublicKeyKind::EcP384, 384),
        ("rsa-server", PublicKeyKind::Rsa, 2048),
        ("rsa-root", PublicKeyKind::Rsa, 2048),
    ] {
        let k = leaf_key(&cert(name)).unwrap();
        assert_eq!((k.kind(), k.bits()), (kind, bits), "{name}");
    }
    // The P-256-only helper the current handshake uses still works, and refuses RSA.
    assert_eq!(
        dtls::pki::leaf_public_key(&cert("ec-server")).unwrap(),
        leaf_key(&cert("ec-server")).unwrap().bytes()
    );
    assert!(dtls::pki::leaf_public_key(&cert("rsa-server")).is_err());
}
