//! RSA key transport (RFC 5246 7.4.7.1): the client's encrypted premaster decrypts to the same
//! 48 bytes on the server, and every defective ciphertext (bad padding, wrong length, wrong
//! version, wrong size, out of range) yields a 48-byte premaster through the same `Ok` path:
//! the random one drawn before decryption.
// The test PKI has RSA and P-384 keys: these need the provider features that handle them.
#![cfg(all(feature = "rustcrypto-rsa", feature = "rustcrypto-p384"))]

mod pki_support;

use dtls::crypto::rsa_premaster::{PREMASTER_LEN, decrypt_premaster, encrypt_premaster};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoError, SecureRandom, SigningKey};
use dtls::pki::{leaf_key, load_private_key};
use pki_support::{TestRng, cert, file};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::traits::PublicKeyParts;

/// DTLS 1.2 as the ClientHello's client_version.
const DTLS12: u16 = 0xFEFD;

fn server_key() -> Box<dyn SigningKey> {
    load_private_key(&file("rsa-server.key.pem"))
        .unwrap()
        .signing_key(&RustCrypto)
        .unwrap()
}

/// The premaster a server must fall back to with `TestRng(seed)`: its first 48 bytes.
fn fallback(seed: u64) -> [u8; PREMASTER_LEN] {
    let mut out = [0u8; PREMASTER_LEN];
    TestRng(seed).fill(&mut out);
    out
}

fn decrypt(ciphertext: &[u8], client_version: u16, seed: u64) -> [u8; PREMASTER_LEN] {
    *decrypt_premaster(&*server_key(), ciphertext, client_version, &mut TestRng(seed))
        .expect("always Ok for an RSA key")
}

/// Raw RSA encryption of a chosen 256-byte block under rsa-server's key.
fn encrypt_block(block: &[u8]) -> Vec<u8> {
    let public = leaf_key(&cert("rsa-server")).unwrap();
    let key = rsa::PublicKey::from_pkcs1_der(public.bytes()).unwrap();
    let m = rsa::BoxedUint::from_be_slice(block, key.n_bits_precision()).unwrap();
    let c = rsa::hazmat::rsa_encrypt(&key, &m).unwrap().to_be_bytes();
    c[c.len() - 256..].to_vec()
}

/// `00 02 PS 00 M` for a 2048-bit key, with a nonzero PS.
fn pkcs1_block(message: &[u8]) -> Vec<u8> {
    let mut block = vec![0u8; 256];
    block[1] = 2;
    let sep = 256 - message.len() - 1;
    for (i, b) in block[2..sep].iter_mut().enumerate() {
        *b = (i % 251) as u8 + 1;
    }
    block[sep + 1..].copy_from_slice(message);
    block
}

fn premaster(version: u16) -> [u8; PREMASTER_LEN] {
    let mut p = [0x42u8; PREMASTER_LEN];
    p[..2].copy_from_slice(&version.to_be_bytes());
    p
}

#[test]
fn a_correct_ciphertext_yields_the_clients_premaster() {
    let server_public = leaf_key(&cert("rsa-server")).unwrap();
    let (sent, ciphertext) = encrypt_premaster(&RustCrypto, &server_public, DTLS12, &mut TestRng(9)).unwrap();
    assert_eq!(ciphertext.len(), 256);
    assert_eq!(sent[..2], DTLS12.to_be_bytes());
    let got = decrypt(&ciphertext, DTLS12, 77);
    assert_eq!(got, *sent);
    assert_ne!(got, fallback(77));
    // A hand-built block decrypts too.
    assert_eq!(
        decrypt(&encrypt_block(&pkcs1_block(&premaster(DTLS12))), DTLS12, 1),
        premaster(DTLS12)
    );
}

#[test]
fn client_premaster_is_fresh_per_handshake_and_encryption_is_randomised() {
    let server_public = leaf_key(&cert("rsa-server")).unwrap();
    let (a, ca) = encrypt_premaster(&RustCrypto, &server_public, DTLS12, &mut TestRng(1)).unwrap();
    let (b, cb) = encrypt_premaster(&RustCrypto, &server_public, DTLS12, &mut TestRng(2)).unwrap();
    assert_ne!(*a, *b);
    assert_ne!(ca, cb);
    // Only RSA keys can receive a premaster.
    let ec = leaf_key(&cert("ec-server")).unwrap();
    assert_eq!(
        encrypt_premaster(&RustCrypto, &ec, DTLS12, &mut TestRng(1)).unwrap_err(),
        CryptoError::InvalidKey
    );
}

#[test]
fn wrong_padding_yields_the_random_premaster() {
    let good = pkcs1_block(&premaster(DTLS12));
    let mut cases = Vec::new();
    let mut b = good.clone();
    b[0] = 1;
    cases.push(("first byte not zero", b));
    let mut b = good.clone();
    b[1] = 1;
    cases.push(("block type 1 (signature padding)", b));
    let mut b = good.clone();
    b[20] = 0;
    cases.push(("a zero inside the padding string", b));
    let mut b = good.clone();
    b[256 - 49] = 0x17;
    cases.push(("no zero separator before the message", b));
    for (what, block) in cases {
        assert_eq!(decrypt(&encrypt_block(&block), DTLS12, 5), fallback(5), "{what}");
    }
}

#[test]
fn wrong_message_length_yields_the_random_premaster() {
    for len in [0, 1, 46, 47, 49, 50, 100, 245] {
        let mut message = vec![0x42u8; len];
        if len >= 2 {
            message[..2].copy_from_slice(&DTLS12.to_be_bytes());
        }
        let c = encrypt_block(&pkcs1_block(&message));
        assert_eq!(decrypt(&c, DTLS12, 6), fallback(6), "message of {len} bytes");
    }
}

#[test]
fn wrong_version_yields_the_random_premaster() {
    // The premaster names DTLS 1.0 while the ClientHello offered DTLS 1.2 (a rollback), and
    // the reverse: the check is against the ClientHello's client_version.
    let c = encrypt_block(&pkcs1_block(&premaster(0xFEFF)));
    assert_eq!(decrypt(&c, DTLS12, 7), fallback(7));
    assert_eq!(decrypt(&c, 0xFEFF, 7), premaster(0xFEFF));
    let c = encrypt_block(&pkcs1_block(&premaster(0x0303)));
    assert_eq!(
        decrypt(&c, DTLS12, 7),
        fallback(7),
        "TLS 1.2 version bytes in DTLS"
    );
}

#[test]
fn ciphertexts_of_the_wrong_size_or_out_of_range_yield_the_random_premaster() {
    let good = encrypt_block(&pkcs1_block(&premaster(DTLS12)));
    let mut long = good.clone();
    long.insert(0, 0);
    for (what, c) in [
        ("empty", Vec::new()),
        ("one byte short", good[1..].to_vec()),
        ("one byte long", long),
        ("not below the modulus", vec![0xff; 256]),
        ("zero", vec![0; 256]),
    ] {
        assert_eq!(decrypt(&c, DTLS12, 8), fallback(8), "{what}");
    }
}

#[test]
fn every_wycheproof_pkcs1_decryption_case_yields_the_random_premaster() {
    // None of the vectors is a well-formed 48-byte premaster, so the countermeasure must fall
    // back for every one, valid or not; the valid ones check the raw decryption itself.
    use wycheproof::rsa_pkcs1_decrypt::{TestName, TestSet};
    let set = TestSet::load(TestName::Rsa2048).unwrap();
    let mut checked_raw = 0;
    for group in &set.test_groups {
        let key = load_private_key(&group.pkcs8)
            .unwrap()
            .signing_key(&RustCrypto)
            .unwrap();
        for t in &group.tests {
            let got = decrypt_premaster(&*key, &t.ct, DTLS12, &mut TestRng(t.tc_id as u64)).unwrap();
            assert_eq!(*got, fallback(t.tc_id as u64), "tcId {} {}", t.tc_id, t.comment);
            if t.result == wycheproof::TestResult::Valid {
                let mut block = [0u8; 512];
                let k = key.rsa_decrypt_raw(&t.ct, &mut TestRng(1), &mut block).unwrap();
                let block = &block[..k];
                assert_eq!(&block[..2], &[0, 2], "tcId {}", t.tc_id);
                let sep = 2 + block[2..].iter().position(|b| *b == 0).unwrap();
                assert_eq!(&block[sep + 1..], &t.pt[..], "tcId {}", t.tc_id);
                checked_raw += 1;
            }
        }
    }
    assert!(checked_raw >= 5, "{checked_raw}");
}

#[test]
fn every_outcome_takes_the_same_api_path() {
    // Good, bad padding, bad length, bad version, bad size: each is `Ok` with 48 bytes, and the
    // server learns nothing more from the call than the bytes themselves.
    let cases = [
        encrypt_block(&pkcs1_block(&premaster(DTLS12))),
        encrypt_block(&pkcs1_block(&[1u8; 47])),
        encrypt_block(&pkcs1_block(&premaster(0xFEFF))),
        vec![0u8; 3],
    ];
    for c in cases {
        let r = decrypt_premaster(&*server_key(), &c, DTLS12, &mut TestRng(3));
        assert!(matches!(r, Ok(ref p) if p.len() == PREMASTER_LEN));
    }
}

#[test]
fn a_key_that_cannot_decrypt_is_a_configuration_error() {
    let ec = load_private_key(&file("ec-server.key.pem"))
        .unwrap()
        .signing_key(&RustCrypto)
        .unwrap();
    assert_eq!(
        decrypt_premaster(&*ec, &[0u8; 256], DTLS12, &mut TestRng(1)).unwrap_err(),
        CryptoError::Unsupported
    );
}
