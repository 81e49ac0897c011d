//! A hook for an AES unit (a microcontroller's crypto peripheral, or any other AES) under the
//! record layer, without touching the protocol.
//!
//! A chip implements [`AesHardware`] at the level it has: a single-block AES
//! ([`AesHardware::block_cipher`], on which our CCM runs, two blocks per call), or a whole
//! AEAD ([`AesHardware::aead`], for units that do CCM or GCM themselves). [`AesAccelerated`]
//! wraps it with a fallback provider for everything else (hashes, HMAC, ECDHE, signatures, and
//! any cipher the unit declines with [`CryptoError::Unsupported`]), and is itself a
//! [`CryptoProvider`]: configure the client or server with it instead of the fallback.

use alloc::boxed::Box;
use core::fmt;

use super::aead::{AeadCipher, AeadRecordCipher, BlockEncrypt};
use super::ccm::Ccm;
use super::{
    BulkCipher, CryptoError, CryptoProvider, Hash, HashAlgorithm, KeyExchange, KeyedHmac, MAX_HASH_LEN,
    NamedGroup, RecordCipher, SecureRandom, SignatureScheme, SigningKey,
};

/// An AES implementation the record layer can use instead of the fallback provider's.
pub trait AesHardware: fmt::Debug + Send + Sync {
    /// Loads `key` (16 or 32 bytes) and returns a block cipher for it, or
    /// [`CryptoError::Unsupported`] if the unit has no single-block mode (or not that key
    /// size). CCM records are built on it.
    fn block_cipher(&self, key: &[u8]) -> Result<Box<dyn BlockEncrypt>, CryptoError>;

    /// A whole AEAD for `cipher` (`AesCcm8`, `AesCcm` or `AesGcm`) under `key`, for units that
    /// compute CCM or GCM themselves. The default declines ([`CryptoError::Unsupported`]):
    /// CCM then runs over [`block_cipher`](Self::block_cipher), GCM on the fallback.
    fn aead(&self, cipher: BulkCipher, key: &[u8]) -> Result<Box<dyn AeadCipher>, CryptoError> {
        let _ = (cipher, key);
        Err(CryptoError::Unsupported)
    }
}

/// A provider whose AEAD record ciphers run on an [`AesHardware`], and everything else on
/// `fallback`.
#[derive(Debug, Clone)]
pub struct AesAccelerated<H, P> {
    /// The AES unit.
    pub hardware: H,
    /// Everything the unit does not do.
    pub fallback: P,
}

impl<H, P> AesAccelerated<H, P> {
    /// Puts `hardware` under the record layer of `fallback`.
    pub const fn new(hardware: H, fallback: P) -> Self {
        AesAccelerated { hardware, fallback }
    }
}

impl<H: AesHardware, P: CryptoProvider> AesAccelerated<H, P> {
    /// The hardware's record cipher, or `None` if it declines this cipher.
    fn hardware_record_cipher(
        &self,
        cipher: BulkCipher,
        enc_key: &[u8],
        fixed_iv: &[u8],
    ) -> Result<Option<Box<dyn RecordCipher>>, CryptoError> {
        match self.hardware.aead(cipher, enc_key) {
            Ok(aead) => return Ok(Some(Box::new(AeadRecordCipher::new(aead, fixed_iv)?))),
            Err(CryptoError::Unsupported) => {}
            Err(e) => return Err(e),
        }
        let tag_len = match cipher {
            BulkCipher::AesCcm8 => 8,
            BulkCipher::AesCcm => 16,
            _ => return Ok(None),
        };
        match self.hardware.block_cipher(enc_key) {
            Ok(block) => Ok(Some(Box::new(AeadRecordCipher::new(
                Ccm::new(block, tag_len)?,
                fixed_iv,
            )?))),
            Err(CryptoError::Unsupported) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl<H: AesHardware, P: CryptoProvider> CryptoProvider for AesAccelerated<H, P> {
    fn record_cipher(
        &self,
        cipher: BulkCipher,
        enc_key: &[u8],
        mac_key: &[u8],
        fixed_iv: &[u8],
    ) -> Result<Box<dyn RecordCipher>, CryptoError> {
        if matches!(
            cipher,
            BulkCipher::AesCcm8 | BulkCipher::AesCcm | BulkCipher::AesGcm
        ) && mac_key.is_empty()
            && let Some(rc) = self.hardware_record_cipher(cipher, enc_key, fixed_iv)?
        {
            return Ok(rc);
        }
        self.fallback.record_cipher(cipher, enc_key, mac_key, fixed_iv)
    }

    fn hash(&self, alg: HashAlgorithm) -> Result<Box<dyn Hash>, CryptoError> {
        self.fallback.hash(alg)
    }

    fn hmac(
        &self,
        alg: HashAlgorithm,
        key: &[u8],
        parts: &[&[u8]],
        out: &mut [u8; MAX_HASH_LEN],
    ) -> Result<usize, CryptoError> {
        self.fallback.hmac(alg, key, parts, out)
    }

    fn hmac_key<'a>(
        &'a self,
        alg: HashAlgorithm,
        key: &'a [u8],
    ) -> Result<Box<dyn KeyedHmac + 'a>, CryptoError> {
        self.fallback.hmac_key(alg, key)
    }

    fn key_exchange(
        &self,
        group: NamedGroup,
        rng: &mut dyn SecureRandom,
    ) -> Result<Box<dyn KeyExchange>, CryptoError> {
        self.fallback.key_exchange(group, rng)
    }

    fn verify(
        &self,
        scheme: SignatureScheme,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.fallback.verify(scheme, public_key, message, signature)
    }

    fn signing_key(
        &self,
        scheme: SignatureScheme,
        private_key: &[u8],
    ) -> Result<Box<dyn SigningKey>, CryptoError> {
        self.fallback.signing_key(scheme, private_key)
    }
}
