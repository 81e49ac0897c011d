//! Shared by the record layer tests: the table of record ciphers, deterministic key material,
//! and a sender/receiver pair of record layers keyed alike.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{BulkCipher, CryptoError, CryptoProvider, ExplicitNonce, RecordAad, RecordCipher};
use dtls::record::RecordLayer;

/// One record cipher as negotiated: the bulk cipher and its key length.
#[derive(Clone, Copy, Debug)]
pub struct Suite {
    pub name: &'static str,
    pub bulk: BulkCipher,
    pub key_len: usize,
}

impl Suite {
    pub fn is_aead(&self) -> bool {
        matches!(
            self.bulk,
            BulkCipher::AesCcm8 | BulkCipher::AesCcm | BulkCipher::AesGcm
        )
    }

    pub fn mac_len(&self) -> usize {
        match self.bulk {
            BulkCipher::AesCbcSha1 { .. } => 20,
            BulkCipher::AesCbcSha256 { .. } => 32,
            _ => 0,
        }
    }

    pub fn fixed_iv_len(&self) -> usize {
        if self.is_aead() { 4 } else { 0 }
    }

    /// Deterministic key material for one direction of one epoch: `(enc_key, mac_key, fixed_iv)`.
    /// Different `seed`s give unrelated keys.
    pub fn key_material(&self, seed: u8) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let bytes = |len: usize, salt: u8| -> Vec<u8> {
            (0..len)
                .map(|i| (i as u8).wrapping_mul(29).wrapping_add(seed.wrapping_mul(101)) ^ salt)
                .collect()
        };
        (
            bytes(self.key_len, 0x11),
            bytes(self.mac_len(), 0x5a),
            bytes(self.fixed_iv_len(), 0xc3),
        )
    }

    /// The record cipher for `seed`'s key material, from the default provider.
    pub fn cipher(&self, seed: u8) -> Box<dyn RecordCipher> {
        let (enc, mac, iv) = self.key_material(seed);
        RustCrypto
            .record_cipher(self.bulk, &enc, &mac, &iv)
            .expect("record cipher")
    }

    /// A sender and a receiver, both in epoch 1 with `seed`'s keys.
    pub fn pair(&self, seed: u8) -> (RecordLayer, RecordLayer) {
        let mut sender = RecordLayer::new();
        let mut receiver = RecordLayer::new();
        assert_eq!(sender.install_write(self.cipher(seed)).unwrap(), 1);
        assert_eq!(receiver.install_read(self.cipher(seed)).unwrap(), 1);
        (sender, receiver)
    }
}

const fn suite(name: &'static str, bulk: BulkCipher, key_len: usize) -> Suite {
    Suite { name, bulk, key_len }
}

const MTE: bool = false;
const ETM: bool = true;

/// Every record cipher the default provider offers.
pub const SUITES: [Suite; 14] = [
    suite("AES-128-CCM_8", BulkCipher::AesCcm8, 16),
    suite("AES-256-CCM_8", BulkCipher::AesCcm8, 32),
    suite("AES-128-CCM", BulkCipher::AesCcm, 16),
    suite("AES-256-CCM", BulkCipher::AesCcm, 32),
    suite("AES-128-GCM", BulkCipher::AesGcm, 16),
    suite("AES-256-GCM", BulkCipher::AesGcm, 32),
    suite(
        "AES-128-CBC-SHA1-MtE",
        BulkCipher::AesCbcSha1 {
            encrypt_then_mac: MTE,
        },
        16,
    ),
    suite(
        "AES-128-CBC-SHA1-EtM",
        BulkCipher::AesCbcSha1 {
            encrypt_then_mac: ETM,
        },
        16,
    ),
    suite(
        "AES-256-CBC-SHA1-MtE",
        BulkCipher::AesCbcSha1 {
            encrypt_then_mac: MTE,
        },
        32,
    ),
    suite(
        "AES-256-CBC-SHA1-EtM",
        BulkCipher::AesCbcSha1 {
            encrypt_then_mac: ETM,
        },
        32,
    ),
    suite(
        "AES-128-CBC-SHA256-MtE",
        BulkCipher::AesCbcSha256 {
            encrypt_then_mac: MTE,
        },
        16,
    ),
    suite(
        "AES-128-CBC-SHA256-EtM",
        BulkCipher::AesCbcSha256 {
            encrypt_then_mac: ETM,
        },
        16,
    ),
    suite(
        "AES-256-CBC-SHA256-MtE",
        BulkCipher::AesCbcSha256 {
            encrypt_then_mac: MTE,
        },
        32,
    ),
    suite(
        "AES-256-CBC-SHA256-EtM",
        BulkCipher::AesCbcSha256 {
            encrypt_then_mac: ETM,
        },
        32,
    ),
];

pub fn cbc_suites() -> impl Iterator<Item = Suite> {
    SUITES.into_iter().filter(|s| !s.is_aead())
}

pub fn aead_suites() -> impl Iterator<Item = Suite> {
    SUITES.into_iter().filter(|s| s.is_aead())
}

/// A record cipher that counts how often `open` reached the cryptography, so a test can show
/// that a record was dropped *before* any crypto ran.
#[derive(Debug)]
pub struct CountingCipher {
    pub inner: Box<dyn RecordCipher>,
    pub opens: Arc<AtomicUsize>,
}

impl CountingCipher {
    pub fn wrap(inner: Box<dyn RecordCipher>) -> (Box<dyn RecordCipher>, Arc<AtomicUsize>) {
        let opens = Arc::new(AtomicUsize::new(0));
        (
            Box::new(CountingCipher {
                inner,
                opens: opens.clone(),
            }),
            opens,
        )
    }
}

impl RecordCipher for CountingCipher {
    fn explicit_nonce(&self) -> ExplicitNonce {
        self.inner.explicit_nonce()
    }
    fn prefix_len(&self) -> usize {
        self.inner.prefix_len()
    }
    fn max_suffix_len(&self) -> usize {
        self.inner.max_suffix_len()
    }
    fn min_fragment_len(&self) -> usize {
        self.inner.min_fragment_len()
    }
    fn seal(&self, aad: &RecordAad, buf: &mut [u8], plaintext_len: usize) -> Result<usize, CryptoError> {
        self.inner.seal(aad, buf, plaintext_len)
    }
    fn open(&self, aad: &RecordAad, fragment: &mut [u8]) -> Result<std::ops::Range<usize>, CryptoError> {
        self.opens.fetch_add(1, Ordering::SeqCst);
        self.inner.open(aad, fragment)
    }
}

/// A payload of `len` bytes that differs from record to record.
pub fn payload(len: usize, tag: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(7) ^ tag).collect()
}
