//! Record protection for the certificate suites added with issue 11 (RSA key transport,
//! ECDHE_RSA and the SHA-384 GCM suites):
//! keys derived with each suite's PRF hash (SHA-384 for the `_SHA384` GCM suites), split as
//! RFC 5246 6.3 says, sealed by one side's write cipher and opened by the other's read cipher;
//! AES-256-GCM records checked against the `aes-gcm` crate directly.

use aes_gcm::aead::{AeadInOut, KeyInit};
use dtls::crypto::prf;
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{BulkCipher, CryptoProvider, HashAlgorithm, RecordAad, RecordCipher};
use dtls::suite::{self, SuiteParams};
use dtls::wire::CipherSuite;

/// The suites this file covers.
const CERTIFICATE_SUITES: &[CipherSuite] = &[
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
    CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
];

fn pending() -> Vec<&'static SuiteParams> {
    CERTIFICATE_SUITES
        .iter()
        .map(|s| suite::lookup(*s).unwrap())
        .collect()
}

const CLIENT_RANDOM: [u8; 32] = [0xc1; 32];
const SERVER_RANDOM: [u8; 32] = [0x5e; 32];

/// The six key-block pieces in RFC 5246 6.3 order: client MAC, server MAC, client key, server
/// key, client IV, server IV.
struct Keys {
    client_mac: Vec<u8>,
    server_mac: Vec<u8>,
    client_key: Vec<u8>,
    server_key: Vec<u8>,
    client_iv: Vec<u8>,
    server_iv: Vec<u8>,
}

fn keys(p: &SuiteParams) -> Keys {
    let premaster = [0x03u8; 48];
    let ms = prf::master_secret(
        &RustCrypto,
        p.prf_hash,
        &premaster,
        &CLIENT_RANDOM,
        &SERVER_RANDOM,
    )
    .unwrap();
    let mut block = vec![0u8; p.key_block_len()];
    prf::key_block(
        &RustCrypto,
        p.prf_hash,
        &ms,
        &CLIENT_RANDOM,
        &SERVER_RANDOM,
        &mut block,
    )
    .unwrap();
    let mut rest = &block[..];
    let mut take = |n: usize| {
        let (a, b) = rest.split_at(n);
        rest = b;
        a.to_vec()
    };
    let k = Keys {
        client_mac: take(p.mac_key_len),
        server_mac: take(p.mac_key_len),
        client_key: take(p.enc_key_len),
        server_key: take(p.enc_key_len),
        client_iv: take(p.fixed_iv_len),
        server_iv: take(p.fixed_iv_len),
    };
    assert!(rest.is_empty());
    k
}

fn cipher(p: &SuiteParams, key: &[u8], mac: &[u8], iv: &[u8]) -> Box<dyn RecordCipher> {
    RustCrypto.record_cipher(p.bulk, key, mac, iv).unwrap()
}

fn aad(seq: u64) -> RecordAad {
    RecordAad {
        seq: (1 << 48) | seq,
        content_type: 23,
        version: 0xFEFD,
    }
}

/// Seals `plaintext` with `sender` and opens it with `receiver`; returns the sealed fragment.
fn round_trip(sender: &dyn RecordCipher, receiver: &dyn RecordCipher, seq: u64, plaintext: &[u8]) -> Vec<u8> {
    let prefix = sender.prefix_len();
    let mut buf = vec![0u8; prefix + plaintext.len() + sender.max_suffix_len()];
    // The AEAD explicit nonce is the sequence number; a CBC IV is random (fixed here).
    buf[..prefix].copy_from_slice(&seq.to_be_bytes().repeat(prefix.div_ceil(8))[..prefix]);
    buf[prefix..prefix + plaintext.len()].copy_from_slice(plaintext);
    let n = sender.seal(&aad(seq), &mut buf, plaintext.len()).unwrap();
    buf.truncate(n);
    let mut copy = buf.clone();
    let range = receiver.open(&aad(seq), &mut copy).unwrap();
    assert_eq!(&copy[range], plaintext);
    buf
}

#[test]
fn key_blocks_have_the_length_each_pending_suite_needs() {
    let len = |s| {
        pending()
            .into_iter()
            .find(|p| p.suite == s)
            .unwrap()
            .key_block_len()
    };
    assert_eq!(
        len(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384),
        2 * (32 + 4)
    );
    assert_eq!(
        len(CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384),
        2 * (32 + 4)
    );
    assert_eq!(
        len(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
        2 * (16 + 4)
    );
    assert_eq!(len(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA), 2 * (16 + 20));
    assert_eq!(len(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256), 2 * (16 + 32));
    assert_eq!(
        len(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256),
        2 * (16 + 32)
    );
}

#[test]
fn every_pending_suite_protects_records_in_both_directions_with_derived_keys() {
    for p in pending() {
        let k = keys(p);
        let client_write = cipher(p, &k.client_key, &k.client_mac, &k.client_iv);
        let server_read = cipher(p, &k.client_key, &k.client_mac, &k.client_iv);
        let server_write = cipher(p, &k.server_key, &k.server_mac, &k.server_iv);
        let client_read = cipher(p, &k.server_key, &k.server_mac, &k.server_iv);
        for (seq, len) in [(0u64, 0usize), (1, 1), (2, 17), (3, 1400)] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let sealed = round_trip(&*client_write, &*server_read, seq, &data);
            round_trip(&*server_write, &*client_read, seq, &data);
            // The other direction's keys do not open it.
            let mut copy = sealed.clone();
            assert!(client_read.open(&aad(seq), &mut copy).is_err(), "{:?}", p.suite);
        }
    }
}

#[test]
fn sha384_and_sha256_prfs_give_different_keys_for_the_same_secrets() {
    let gcm384 = pending()
        .into_iter()
        .find(|p| p.suite == CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)
        .unwrap();
    assert_eq!(gcm384.prf_hash, HashAlgorithm::Sha384);
    let as_sha256 = SuiteParams {
        prf_hash: HashAlgorithm::Sha256,
        ..*gcm384
    };
    assert_ne!(keys(gcm384).client_key, keys(&as_sha256).client_key);
}

#[test]
fn aes_256_gcm_records_from_a_sha384_key_block_match_rfc5288_construction() {
    for suite in [
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ] {
        let p = pending().into_iter().find(|p| p.suite == suite).unwrap();
        assert_eq!(p.bulk, BulkCipher::AesGcm);
        let k = keys(p);
        let ours = cipher(p, &k.client_key, &[], &k.client_iv);
        let plaintext = b"application data over AES-256-GCM";
        let seq = 7u64;
        let sealed = {
            let mut buf = vec![0u8; 8 + plaintext.len() + 16];
            buf[..8].copy_from_slice(&aad(seq).seq.to_be_bytes());
            buf[8..8 + plaintext.len()].copy_from_slice(plaintext);
            let n = ours.seal(&aad(seq), &mut buf, plaintext.len()).unwrap();
            buf.truncate(n);
            buf
        };
        // RFC 5288 3: nonce = salt (client_write_IV) || explicit nonce; AAD = seq || type ||
        // version || length; ciphertext || tag after the explicit nonce.
        let raw = aes_gcm::Aes256Gcm::new_from_slice(&k.client_key).unwrap();
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&k.client_iv);
        nonce[4..].copy_from_slice(&sealed[..8]);
        let mut data = plaintext.to_vec();
        let tag = raw
            .encrypt_inout_detached(
                (&nonce).into(),
                &aad(seq).bytes(plaintext.len() as u16),
                (&mut data[..]).into(),
            )
            .unwrap();
        data.extend_from_slice(&tag);
        assert_eq!(&sealed[8..], &data[..], "{suite:?}");
    }
}

#[test]
fn cbc_sha1_records_of_the_rsa_suite_reject_a_flipped_mac_bit() {
    let p = pending()
        .into_iter()
        .find(|p| p.suite == CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA)
        .unwrap();
    assert_eq!(
        p.bulk,
        BulkCipher::AesCbcSha1 {
            encrypt_then_mac: false
        }
    );
    let k = keys(p);
    assert_eq!(k.client_mac.len(), 20);
    let write = cipher(p, &k.client_key, &k.client_mac, &[]);
    let read = cipher(p, &k.client_key, &k.client_mac, &[]);
    let sealed = round_trip(&*write, &*read, 9, b"GET /.well-known/core");
    // IV (16) + AES-CBC over data + 20-byte MAC + padding: a whole number of blocks.
    assert_eq!((sealed.len() - 16) % 16, 0);
    assert!(sealed.len() >= 16 + 21 + 20);
    for i in 16..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x01;
        assert!(read.open(&aad(9), &mut bad).is_err(), "flip at {i}");
    }
}
