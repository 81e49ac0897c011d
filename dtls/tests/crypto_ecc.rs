//! ECDHE P-256 and ECDSA P-256/SHA-256 of the RustCrypto provider.

use dtls::crypto::rustcrypto::{P256SigningKey, RustCrypto};
use dtls::crypto::{
    CryptoError, CryptoProvider, MAX_SIGNATURE_LEN, NamedGroup, SecureRandom, SignatureScheme,
};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// A deterministic test RNG (xorshift64*; not secure, tests only).
#[derive(Debug)]
struct TestRng(u64);

impl SecureRandom for TestRng {
    fn fill(&mut self, dest: &mut [u8]) {
        for b in dest {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8;
        }
    }
}

/// Hands out fixed bytes (a chosen private key), then repeats them.
#[derive(Debug)]
struct FixedRng(Vec<Vec<u8>>);

impl SecureRandom for FixedRng {
    fn fill(&mut self, dest: &mut [u8]) {
        let next = if self.0.len() > 1 {
            self.0.remove(0)
        } else {
            self.0[0].clone()
        };
        dest.copy_from_slice(&next);
    }
}

#[test]
fn ecdhe_agreement_is_deterministic_and_symmetric() {
    let a = RustCrypto
        .key_exchange(NamedGroup::P256, &mut TestRng(1))
        .unwrap();
    let b = RustCrypto
        .key_exchange(NamedGroup::P256, &mut TestRng(2))
        .unwrap();
    assert_eq!(a.public_key().len(), 65);
    assert_eq!(a.public_key()[0], 4);
    assert_ne!(a.public_key(), b.public_key());
    let mut s1 = [0u8; 32];
    let mut s2 = [0u8; 32];
    assert_eq!(a.agree(b.public_key(), &mut s1).unwrap(), 32);
    assert_eq!(b.agree(a.public_key(), &mut s2).unwrap(), 32);
    assert_eq!(s1, s2);
    // Same seed, same key.
    let a2 = RustCrypto
        .key_exchange(NamedGroup::P256, &mut TestRng(1))
        .unwrap();
    assert_eq!(a.public_key(), a2.public_key());
    // Output buffer too small.
    let mut small = [0u8; 31];
    assert_eq!(a.agree(b.public_key(), &mut small), Err(CryptoError::BadLength));
}

#[test]
fn out_of_range_scalars_are_redrawn() {
    // First draw is the group order n (invalid), second zero (invalid), third valid.
    let n = h("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let one = {
        let mut v = vec![0u8; 32];
        v[31] = 1;
        v
    };
    let kx = RustCrypto
        .key_exchange(
            NamedGroup::P256,
            &mut FixedRng(vec![n.clone(), vec![0u8; 32], one]),
        )
        .unwrap();
    // 1 * G.
    assert_eq!(
        kx.public_key(),
        &h(
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
        )[..]
    );
    // An RNG that only ever gives out-of-range values makes generation fail, not loop.
    assert!(
        RustCrypto
            .key_exchange(NamedGroup::P256, &mut FixedRng(vec![n]))
            .is_err()
    );
}

#[test]
fn invalid_peer_points_rejected() {
    let a = RustCrypto
        .key_exchange(NamedGroup::P256, &mut TestRng(3))
        .unwrap();
    let b = RustCrypto
        .key_exchange(NamedGroup::P256, &mut TestRng(4))
        .unwrap();
    let good = b.public_key().to_vec();
    let mut out = [0u8; 32];
    // Off the curve.
    let mut off = good.clone();
    off[64] ^= 1;
    assert_eq!(a.agree(&off, &mut out), Err(CryptoError::InvalidKey));
    // Identity, empty, wrong lengths, wrong prefixes.
    assert_eq!(a.agree(&[0], &mut out), Err(CryptoError::InvalidKey));
    assert_eq!(a.agree(&[], &mut out), Err(CryptoError::InvalidKey));
    assert_eq!(a.agree(&good[..64], &mut out), Err(CryptoError::InvalidKey));
    let mut long = good.clone();
    long.push(0);
    assert_eq!(a.agree(&long, &mut out), Err(CryptoError::InvalidKey));
    for prefix in [0u8, 2, 3, 5, 6, 7] {
        let mut p = good.clone();
        p[0] = prefix;
        assert_eq!(
            a.agree(&p, &mut out),
            Err(CryptoError::InvalidKey),
            "prefix {prefix}"
        );
    }
    // Compressed points are refused (TLS 1.2 ECDHE uses uncompressed points).
    let mut compressed = vec![2 + (good[64] & 1)];
    compressed.extend_from_slice(&good[1..33]);
    assert_eq!(a.agree(&compressed, &mut out), Err(CryptoError::InvalidKey));
    // Coordinates >= p.
    let mut big = vec![4u8];
    big.extend_from_slice(&[0xFF; 64]);
    assert_eq!(a.agree(&big, &mut out), Err(CryptoError::InvalidKey));
}

fn scalar32(bytes: &[u8]) -> Vec<u8> {
    // Wycheproof private keys are DER-style integers (may carry a leading zero or be short).
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    assert!(trimmed.len() <= 32);
    let mut v = vec![0u8; 32 - trimmed.len()];
    v.extend_from_slice(&trimmed);
    v
}

/// Wycheproof ECDH secp256r1 with raw SEC1 points (`ecdh_secp256r1_ecpoint`), through
/// `key_exchange` (the private key fed in by the RNG) and `agree`. Valid and acceptable vectors
/// with an uncompressed public key must agree on the expected secret; vectors with a
/// compressed public key are rejected by policy (counted separately); invalid ones must fail.
#[test]
fn wycheproof_ecdh_p256() {
    use wycheproof::ecdh::{TestFlag, TestName, TestSet};
    let set = TestSet::load(TestName::EcdhSecp256r1Ecpoint).unwrap();
    let (mut agreed, mut rejected_invalid, mut rejected_compressed) = (0, 0, 0);
    for group in &set.test_groups {
        for t in &group.tests {
            let kx = RustCrypto
                .key_exchange(NamedGroup::P256, &mut FixedRng(vec![scalar32(&t.private_key)]))
                .unwrap();
            let mut out = [0u8; 32];
            let r = kx.agree(&t.public_key, &mut out);
            let uncompressed = t.public_key.len() == 65 && t.public_key[0] == 4;
            if t.result.must_fail() {
                assert!(r.is_err(), "tcId {} {} should fail", t.tc_id, t.comment);
                rejected_invalid += 1;
            } else if uncompressed {
                assert_eq!(r, Ok(32), "tcId {} {}", t.tc_id, t.comment);
                assert_eq!(out.to_vec(), *t.shared_secret, "tcId {}", t.tc_id);
                agreed += 1;
            } else {
                assert!(
                    t.flags.contains(&TestFlag::CompressedPublic) || t.public_key.len() == 33,
                    "tcId {}",
                    t.tc_id
                );
                assert_eq!(r, Err(CryptoError::InvalidKey));
                rejected_compressed += 1;
            }
        }
    }
    eprintln!(
        "ECDH P-256: {agreed} agreed, {rejected_invalid} invalid rejected, {rejected_compressed} compressed refused"
    );
    assert!(agreed > 50 && rejected_invalid > 10);
}

/// Wycheproof ECDSA P-256/SHA-256 with DER signatures, through `CryptoProvider::verify`.
#[test]
fn wycheproof_ecdsa_p256_sha256() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256).unwrap();
    let (mut valid, mut invalid, mut acceptable) = (0, 0, 0);
    for group in &set.test_groups {
        let key = &group.key.key;
        for t in &group.tests {
            let r = RustCrypto.verify(SignatureScheme::EcdsaP256Sha256, key, &t.msg, &t.sig);
            match t.result {
                wycheproof::TestResult::Valid => {
                    assert_eq!(r, Ok(()), "tcId {} {}", t.tc_id, t.comment);
                    valid += 1;
                }
                wycheproof::TestResult::Invalid => {
                    assert!(r.is_err(), "tcId {} {} should fail", t.tc_id, t.comment);
                    invalid += 1;
                }
                wycheproof::TestResult::Acceptable => acceptable += 1,
            }
        }
    }
    eprintln!("ECDSA P-256/SHA-256: {valid} valid, {invalid} invalid, {acceptable} acceptable");
    assert!(valid > 50 && invalid > 50);
}

// A key generated with `openssl ecparam -name prime256v1 -genkey` (SEC1 DER), converted with
// `openssl pkcs8 -topk8 -nocrypt`; the signature was made with `openssl dgst -sha256 -sign`.
const SEC1: &str = "307702010104200cf7dd60df64546b3351c75126c7f0c7c8965896980d40fdd0484ecb21ae93f4a00a06082a8648ce3d030107a14403420004debc07c23d93ecfe4971c1a333989df45ec68a13f4292d43656b20d349ea5e3e8288e55bd6c5a84dde7b370643e3d3ea2983ec4aa5f9073bcd8cdb013547b80d";
const PKCS8: &str = "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b02010104200cf7dd60df64546b3351c75126c7f0c7c8965896980d40fdd0484ecb21ae93f4a14403420004debc07c23d93ecfe4971c1a333989df45ec68a13f4292d43656b20d349ea5e3e8288e55bd6c5a84dde7b370643e3d3ea2983ec4aa5f9073bcd8cdb013547b80d";
const RAW: &str = "0cf7dd60df64546b3351c75126c7f0c7c8965896980d40fdd0484ecb21ae93f4";
const PUBLIC: &str = "04debc07c23d93ecfe4971c1a333989df45ec68a13f4292d43656b20d349ea5e3e8288e55bd6c5a84dde7b370643e3d3ea2983ec4aa5f9073bcd8cdb013547b80d";
const OPENSSL_SIG: &str = "3045022003b871a40bf37b527cc94419193baa65cf12ac1e2ab30c23802793819d5e912d02210090af6c4a6ca87044fc99449f72d05312db8e81b6d30794db26256e6e9f53425a";

#[test]
fn signing_keys_load_from_raw_sec1_and_pkcs8() {
    for form in [RAW, SEC1, PKCS8] {
        let key = P256SigningKey::from_bytes(&h(form)).unwrap();
        assert_eq!(key.public_key().to_vec(), h(PUBLIC));
        let boxed = RustCrypto
            .signing_key(SignatureScheme::EcdsaP256Sha256, &h(form))
            .unwrap();
        assert_eq!(boxed.scheme(), SignatureScheme::EcdsaP256Sha256);
        let mut sig = [0u8; MAX_SIGNATURE_LEN];
        let n = boxed.sign(b"hello", &mut TestRng(9), &mut sig).unwrap();
        assert!(n <= 72 && sig[0] == 0x30);
        RustCrypto
            .verify(SignatureScheme::EcdsaP256Sha256, &h(PUBLIC), b"hello", &sig[..n])
            .unwrap();
        assert_eq!(
            RustCrypto.verify(SignatureScheme::EcdsaP256Sha256, &h(PUBLIC), b"hellO", &sig[..n]),
            Err(CryptoError::BadSignature)
        );
        // Deterministic (RFC 6979): the RNG does not matter.
        let mut sig2 = [0u8; MAX_SIGNATURE_LEN];
        let n2 = boxed.sign(b"hello", &mut TestRng(10), &mut sig2).unwrap();
        assert_eq!(sig[..n], sig2[..n2]);
        // Too small an output buffer.
        let mut small = [0u8; 8];
        assert_eq!(
            boxed.sign(b"hello", &mut TestRng(1), &mut small),
            Err(CryptoError::BadLength)
        );
    }
    for bad in [
        &[][..],
        &[0u8; 32][..],
        &[0xFF; 32][..],
        &h(SEC1)[..40],
        b"not a key",
    ] {
        assert!(
            RustCrypto
                .signing_key(SignatureScheme::EcdsaP256Sha256, bad)
                .is_err()
        );
    }
}

#[test]
fn verifies_an_openssl_signature_with_both_point_encodings() {
    let msg = b"message signed by openssl";
    let public = h(PUBLIC);
    RustCrypto
        .verify(SignatureScheme::EcdsaP256Sha256, &public, msg, &h(OPENSSL_SIG))
        .unwrap();
    let mut compressed = vec![2 + (public[64] & 1)];
    compressed.extend_from_slice(&public[1..33]);
    RustCrypto
        .verify(
            SignatureScheme::EcdsaP256Sha256,
            &compressed,
            msg,
            &h(OPENSSL_SIG),
        )
        .unwrap();
    assert!(
        RustCrypto
            .verify(
                SignatureScheme::EcdsaP256Sha256,
                &public,
                b"other",
                &h(OPENSSL_SIG)
            )
            .is_err()
    );
    assert_eq!(
        RustCrypto.verify(
            SignatureScheme::EcdsaP256Sha256,
            &public[..64],
            msg,
            &h(OPENSSL_SIG)
        ),
        Err(CryptoError::InvalidKey)
    );
}

/// RFC 6979 A.2.5, P-256 with SHA-256, message "sample".
#[test]
fn rfc6979_known_answer() {
    let key = P256SigningKey::from_bytes(&h(
        "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721",
    ))
    .unwrap();
    let mut sig = [0u8; MAX_SIGNATURE_LEN];
    let n = dtls::crypto::SigningKey::sign(&key, b"sample", &mut TestRng(1), &mut sig).unwrap();
    let r = h("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716");
    let s = h("f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
    // DER: SEQUENCE { INTEGER r (leading 0x00: high bit set), INTEGER s (same) }.
    let mut expected = vec![0x30, 0x46, 0x02, 0x21, 0x00];
    expected.extend_from_slice(&r);
    expected.extend_from_slice(&[0x02, 0x21, 0x00]);
    expected.extend_from_slice(&s);
    assert_eq!(sig[..n].to_vec(), expected);
}
