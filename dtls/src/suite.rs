//! The cipher suites the engine negotiates, and what each one means for keys and records.

use crate::crypto::{BulkCipher, HashAlgorithm};
use crate::wire::{CipherSuite, KeyExchangeKind};

/// How the server authenticates: by a PSK, or by a certificate whose key signs (ECDSA, RSA)
/// or decrypts the premaster (RSA key transport). ECDHE_ECDSA and ECDHE_RSA share a
/// [`KeyExchangeKind`] (the same wire messages) and differ only here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SuiteAuth {
    /// The pre-shared key authenticates both sides.
    Psk,
    /// A certificate with an EC (P-256, P-384) key.
    Ecdsa,
    /// A certificate with an RSA key.
    Rsa,
}

/// Everything the engine needs to know about a supported cipher suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuiteParams {
    /// The code point.
    pub suite: CipherSuite,
    /// Key exchange, which fixes the handshake messages.
    pub key_exchange: KeyExchangeKind,
    /// What kind of credential authenticates the server.
    pub auth: SuiteAuth,
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

/// The credential a key exchange implies for the suites that existed before RSA ones did.
const fn default_auth(kx: KeyExchangeKind) -> SuiteAuth {
    match kx {
        KeyExchangeKind::Psk | KeyExchangeKind::EcdhePsk => SuiteAuth::Psk,
        KeyExchangeKind::Rsa => SuiteAuth::Rsa,
        KeyExchangeKind::Ecdhe => SuiteAuth::Ecdsa,
    }
}

const fn aead(suite: CipherSuite, kx: KeyExchangeKind, bulk: BulkCipher, key: usize) -> SuiteParams {
    SuiteParams {
        suite,
        key_exchange: kx,
        auth: default_auth(kx),
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
        auth: default_auth(kx),
        bulk,
        prf_hash: HashAlgorithm::Sha256,
        enc_key_len: 16,
        mac_key_len: mac,
        fixed_iv_len: 0,
    }
}

/// The same suite authenticated by `auth` (ECDHE_RSA).
const fn with_auth(p: SuiteParams, auth: SuiteAuth) -> SuiteParams {
    SuiteParams { auth, ..p }
}

/// The same suite with the SHA-384 PRF and transcript hash (RFC 5289 3.2: the `_SHA384`
/// GCM suites use P_SHA384).
const fn sha384(p: SuiteParams) -> SuiteParams {
    SuiteParams {
        prf_hash: HashAlgorithm::Sha384,
        ..p
    }
}

/// Every suite the engine can negotiate, in its default order of preference:
///
/// 1. forward-secret AEAD suites (ECDHE_ECDSA, then ECDHE_RSA): the constrained-device
///    favourite CCM_8 first, then GCM (AES-128 before AES-256), then CCM;
/// 2. PSK AEAD suites;
/// 3. CBC (MAC-then-encrypt) suites with forward secrecy, then PSK CBC;
/// 4. RSA key transport last: no forward secrecy, PKCS#1 v1.5 encryption of the premaster
///    (the Bleichenbacher class of attacks, countered in `crypto::rsa_premaster` but never as
///    robust as not using it) and, for TLS_RSA_WITH_AES_128_CBC_SHA, an HMAC-SHA1 MAC.
///
/// TLS_RSA_WITH_AES_128_CBC_SHA is the reference system's mandatory suite (RFC 5246 9), so it
/// is enabled by default for interoperability, but a server picks it only when the client
/// offers nothing above it that the server's credentials allow.
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
    sha384(aead(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        KeyExchangeKind::Ecdhe,
        BulkCipher::AesGcm,
        32,
    )),
    aead(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
        KeyExchangeKind::Ecdhe,
        BulkCipher::AesCcm,
        16,
    ),
    with_auth(
        aead(
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            KeyExchangeKind::Ecdhe,
            BulkCipher::AesGcm,
            16,
        ),
        SuiteAuth::Rsa,
    ),
    sha384(with_auth(
        aead(
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            KeyExchangeKind::Ecdhe,
            BulkCipher::AesGcm,
            32,
        ),
        SuiteAuth::Rsa,
    )),
    #[cfg(feature = "psk")]
    aead(
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
        KeyExchangeKind::Psk,
        BulkCipher::AesCcm8,
        16,
    ),
    #[cfg(feature = "psk")]
    aead(
        CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
        KeyExchangeKind::Psk,
        BulkCipher::AesGcm,
        16,
    ),
    #[cfg(feature = "psk")]
    aead(
        CipherSuite::TLS_PSK_WITH_AES_128_CCM,
        KeyExchangeKind::Psk,
        BulkCipher::AesCcm,
        16,
    ),
    #[cfg(feature = "psk")]
    aead(
        CipherSuite::TLS_PSK_WITH_AES_256_CCM_8,
        KeyExchangeKind::Psk,
        BulkCipher::AesCcm8,
        32,
    ),
    cbc(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        KeyExchangeKind::Ecdhe,
        BulkCipher::AesCbcSha256 {
            encrypt_then_mac: false,
        },
        32,
    ),
    with_auth(
        cbc(
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
            KeyExchangeKind::Ecdhe,
            BulkCipher::AesCbcSha256 {
                encrypt_then_mac: false,
            },
            32,
        ),
        SuiteAuth::Rsa,
    ),
    #[cfg(feature = "psk")]
    cbc(
        CipherSuite::TLS_PSK_WITH_AES_128_CBC_SHA256,
        KeyExchangeKind::Psk,
        BulkCipher::AesCbcSha256 {
            encrypt_then_mac: false,
        },
        32,
    ),
    cbc(
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
        KeyExchangeKind::Rsa,
        BulkCipher::AesCbcSha256 {
            encrypt_then_mac: false,
        },
        32,
    ),
    // TLS 1.2 suites use the SHA-256 PRF whatever their MAC (RFC 5246 5); the MAC here is
    // HMAC-SHA1 with a 20-byte key.
    cbc(
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        KeyExchangeKind::Rsa,
        BulkCipher::AesCbcSha1 {
            encrypt_then_mac: false,
        },
        20,
    ),
];

/// The parameters of `suite`, if the engine supports it (never an RC4 or NULL suite).
// catalogue: RFC6347-4.1.2.2-1, RFC5246-A.5-1
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

    #[test]
    fn every_suite_agrees_with_its_name() {
        for p in SUPPORTED {
            let name = p.suite.iana_name().unwrap();
            let auth = if name.contains("_PSK_") {
                SuiteAuth::Psk
            } else if name.contains("_RSA_WITH_") {
                SuiteAuth::Rsa
            } else {
                SuiteAuth::Ecdsa
            };
            assert_eq!(p.auth, auth, "{name}");
            let prf = if name.ends_with("_SHA384") {
                HashAlgorithm::Sha384
            } else {
                HashAlgorithm::Sha256
            };
            assert_eq!(p.prf_hash, prf, "{name}");
            let key = if name.contains("AES_256") { 32 } else { 16 };
            assert_eq!(p.enc_key_len, key, "{name}");
            let mac = match p.bulk {
                BulkCipher::AesCbcSha1 { .. } => 20,
                BulkCipher::AesCbcSha256 { .. } => 32,
                _ => 0,
            };
            assert_eq!(p.mac_key_len, mac, "{name}");
        }
    }

    #[test]
    fn aead_suites_come_first_and_rsa_key_transport_last() {
        let aead = |p: &SuiteParams| p.mac_key_len == 0;
        let last_aead = SUPPORTED.iter().rposition(aead).unwrap();
        let first_cbc = SUPPORTED.iter().position(|p| !aead(p)).unwrap();
        assert!(last_aead < first_cbc);
        let first_rsa_kx = SUPPORTED
            .iter()
            .position(|p| p.key_exchange == KeyExchangeKind::Rsa)
            .unwrap();
        assert!(
            SUPPORTED[first_rsa_kx..]
                .iter()
                .all(|p| p.key_exchange == KeyExchangeKind::Rsa)
        );
        assert_eq!(
            SUPPORTED.last().map(|p| p.suite),
            Some(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA)
        );
    }
}
