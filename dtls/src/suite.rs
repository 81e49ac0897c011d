//! The cipher suites the engine negotiates, and what each one means for keys and records.

use crate::crypto::{BulkCipher, HashAlgorithm};
use crate::wire::{CipherSuite, KeyExchangeKind};

/// Everything the engine needs to know about a supported cipher suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuiteParams {
    /// The code point.
    pub suite: CipherSuite,
    /// Key exchange, which fixes the handshake messages.
    pub key_exchange: KeyExchangeKind,
    /// Record protection.
    pub bulk: BulkCipher,
    /// Hash of the PRF and of the handshake transcript (RFC 5246 5: SHA-256 unless the suite
    /// says otherwise).
    pub prf_hash: HashAlgorithm,
    /// Encryption key length in bytes.
    pub enc_key_len: usize,
    /// MAC key length in bytes (0 for AEAD).
    pub mac_key_len: usize,
    /// Implicit IV (AEAD salt) length in bytes (0 for CBC, which uses explicit IVs).
    pub fixed_iv_len: usize,
}

impl SuiteParams {
    /// Bytes of key material taken from the key block (RFC 5246 6.3).
    pub const fn key_block_len(&self) -> usize {
        2 * (self.enc_key_len + self.mac_key_len + self.fixed_iv_len)
    }
}

const fn aead(suite: CipherSuite, kx: KeyExchangeKind, bulk: BulkCipher, key: usize) -> SuiteParams {
    SuiteParams {
        suite,
        key_exchange: kx,
        bulk,
        prf_hash: HashAlgorithm::Sha256,
        enc_key_len: key,
        mac_key_len: 0,
        fixed_iv_len: 4,
    }
}

const fn cbc(suite: CipherSuite, kx: KeyExchangeKind, bulk: BulkCipher, mac: usize) -> SuiteParams {
    SuiteParams {
        suite,
        key_exchange: kx,
        bulk,
        prf_hash: HashAlgorithm::Sha256,
        enc_key_len: 16,
        mac_key_len: mac,
        fixed_iv_len: 0,
    }
}

/// Every suite the engine can negotiate, in its default order of preference: AEAD first, the
/// constrained-device favourite CCM_8 before GCM.
pub const SUPPORTED: &[SuiteParams] = &[
    aead(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
        KeyExchangeKind::Ecdhe,
        BulkCipher::AesCcm8,
        16,
    ),
    aead(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        KeyExchangeKind::Ecdhe,
        BulkCipher::AesGcm,
        16,
    ),
    aead(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
        KeyExchangeKind::Ecdhe,
        BulkCipher::AesCcm,
        16,
    ),
    cbc(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        KeyExchangeKind::Ecdhe,
        BulkCipher::AesCbcSha256 {
            encrypt_then_mac: false,
        },
        32,
    ),
    aead(
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
        KeyExchangeKind::Psk,
        BulkCipher::AesCcm8,
        16,
    ),
    aead(
        CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
        KeyExchangeKind::Psk,
        BulkCipher::AesGcm,
        16,
    ),
    aead(
        CipherSuite::TLS_PSK_WITH_AES_128_CCM,
        KeyExchangeKind::Psk,
        BulkCipher::AesCcm,
        16,
    ),
    aead(
        CipherSuite::TLS_PSK_WITH_AES_256_CCM_8,
        KeyExchangeKind::Psk,
        BulkCipher::AesCcm8,
        32,
    ),
    cbc(
        CipherSuite::TLS_PSK_WITH_AES_128_CBC_SHA256,
        KeyExchangeKind::Psk,
        BulkCipher::AesCbcSha256 {
            encrypt_then_mac: false,
        },
        32,
    ),
];

/// The parameters of `suite`, if the engine supports it.
pub fn lookup(suite: CipherSuite) -> Option<&'static SuiteParams> {
    SUPPORTED.iter().find(|p| p.suite == suite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_suite_agrees_with_the_wire_key_exchange() {
        for p in SUPPORTED {
            assert_eq!(p.suite.key_exchange(), Some(p.key_exchange), "{:?}", p.suite);
            assert!(lookup(p.suite).is_some());
        }
        assert!(lookup(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV).is_none());
    }
}
