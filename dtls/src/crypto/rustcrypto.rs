//! The default crypto provider, built on RustCrypto crates (`aes`, `ccm`, `aes-gcm`, `cbc`,
//! `hmac`, `sha1`, `sha2`, `p256`); all of them are `no_std`.
//!
//! Record keys are expanded once per epoch when the record cipher is built, and the expanded
//! keys are zeroized when it is dropped (the `zeroize` features of `aes`, `aes-gcm`, `hmac` and
//! `sha2` are enabled). ECDHE secrets and signing keys are `p256` types that zeroize on drop.

use alloc::boxed::Box;
use core::fmt;
use core::ops::Range;

use aes::{Aes128, Aes256};
use aes_gcm::aead::array::Array;
use aes_gcm::aead::consts::{U8, U12, U16};
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use cbc::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, BlockSizeUser, InnerIvInit,
};
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::pkcs8::DecodePrivateKey;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384};
use zeroize::Zeroizing;

use super::cbc::{BLOCK_LEN, CbcBlockCipher, CbcRecordCipher, RecordMac};
use super::{
    BulkCipher, CryptoError, CryptoProvider, ExplicitNonce, Hash, HashAlgorithm, KeyExchange, MAX_HASH_LEN,
    NamedGroup, RecordAad, RecordCipher, SecureRandom, SignatureScheme, SigningKey,
};

/// The RustCrypto-based provider. Stateless; every method builds what it returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RustCrypto;

impl RustCrypto {
    /// A provider (same as `RustCrypto::default()`).
    pub const fn new() -> Self {
        RustCrypto
    }
}

// ---------------------------------------------------------------------------------------------
// AEAD

/// Length of the implicit part of the AEAD nonce (the `fixed_iv` from the key block).
pub const AEAD_FIXED_IV_LEN: usize = 4;
/// Length of the explicit AEAD nonce carried in front of each record.
pub const AEAD_EXPLICIT_NONCE_LEN: usize = 8;
/// Full AEAD nonce length (RFC 5116 `N_MIN` = `N_MAX` = 12 for the TLS suites).
pub const AEAD_NONCE_LEN: usize = AEAD_FIXED_IV_LEN + AEAD_EXPLICIT_NONCE_LEN;

type Aes128Ccm8 = ccm::Ccm<Aes128, U8, U12>;
type Aes256Ccm8 = ccm::Ccm<Aes256, U8, U12>;
type Aes128Ccm16 = ccm::Ccm<Aes128, U16, U12>;
type Aes256Ccm16 = ccm::Ccm<Aes256, U16, U12>;

enum AeadInner {
    Ccm8x128(Aes128Ccm8),
    Ccm8x256(Aes256Ccm8),
    Ccm16x128(Aes128Ccm16),
    Ccm16x256(Aes256Ccm16),
    Gcm128(Aes128Gcm),
    Gcm256(Aes256Gcm),
}

/// An AEAD (AES-CCM, AES-CCM_8 or AES-GCM) with its key expanded, over 12-byte nonces and
/// arbitrary associated data, in place with a detached tag. The record cipher is built on it;
/// it is public so that other record layers (and the Wycheproof tests, whose associated data is
/// arbitrary) can use the exact same code path.
pub struct Aead {
    inner: AeadInner,
}

impl fmt::Debug for Aead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.inner {
            AeadInner::Ccm8x128(_) => "AES-128-CCM_8",
            AeadInner::Ccm8x256(_) => "AES-256-CCM_8",
            AeadInner::Ccm16x128(_) => "AES-128-CCM",
            AeadInner::Ccm16x256(_) => "AES-256-CCM",
            AeadInner::Gcm128(_) => "AES-128-GCM",
            AeadInner::Gcm256(_) => "AES-256-GCM",
        };
        f.debug_struct("Aead").field("alg", &name).finish_non_exhaustive()
    }
}

macro_rules! with_aead {
    ($inner:expr, $c:ident => $body:expr) => {
        match $inner {
            AeadInner::Ccm8x128($c) => $body,
            AeadInner::Ccm8x256($c) => $body,
            AeadInner::Ccm16x128($c) => $body,
            AeadInner::Ccm16x256($c) => $body,
            AeadInner::Gcm128($c) => $body,
            AeadInner::Gcm256($c) => $body,
        }
    };
}

impl Aead {
    /// Expands `key` (16 or 32 bytes) for `cipher`, which must be one of the AEAD bulk ciphers.
    pub fn new(cipher: BulkCipher, key: &[u8]) -> Result<Self, CryptoError> {
        let bad = |_| CryptoError::InvalidKey;
        let inner = match (cipher, key.len()) {
            (BulkCipher::AesCcm8, 16) => AeadInner::Ccm8x128(Aes128Ccm8::new_from_slice(key).map_err(bad)?),
            (BulkCipher::AesCcm8, 32) => AeadInner::Ccm8x256(Aes256Ccm8::new_from_slice(key).map_err(bad)?),
            (BulkCipher::AesCcm, 16) => AeadInner::Ccm16x128(Aes128Ccm16::new_from_slice(key).map_err(bad)?),
            (BulkCipher::AesCcm, 32) => AeadInner::Ccm16x256(Aes256Ccm16::new_from_slice(key).map_err(bad)?),
            (BulkCipher::AesGcm, 16) => AeadInner::Gcm128(Aes128Gcm::new_from_slice(key).map_err(bad)?),
            (BulkCipher::AesGcm, 32) => AeadInner::Gcm256(Aes256Gcm::new_from_slice(key).map_err(bad)?),
            (BulkCipher::AesCcm8 | BulkCipher::AesCcm | BulkCipher::AesGcm, _) => {
                return Err(CryptoError::InvalidKey);
            }
            _ => return Err(CryptoError::Unsupported),
        };
        Ok(Self { inner })
    }

    /// Tag length in bytes (8 for CCM_8, 16 otherwise).
    pub fn tag_len(&self) -> usize {
        match self.inner {
            AeadInner::Ccm8x128(_) | AeadInner::Ccm8x256(_) => 8,
            _ => 16,
        }
    }

    /// Encrypts `data` in place and writes the tag into `tag`, which must be exactly
    /// [`tag_len`](Self::tag_len) bytes long.
    pub fn seal_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &mut [u8],
    ) -> Result<(), CryptoError> {
        if tag.len() != self.tag_len() {
            return Err(CryptoError::BadLength);
        }
        let nonce: &Array<u8, U12> = nonce.into();
        with_aead!(&self.inner, c => {
            let t = c.encrypt_inout_detached(nonce, aad, data.into()).map_err(|_| CryptoError::BadLength)?;
            tag.copy_from_slice(&t);
        });
        Ok(())
    }

    /// Verifies `tag` and decrypts `data` in place. On failure the contents of `data` are
    /// unspecified (the AEAD implementations clear it) and the error is
    /// [`CryptoError::BadRecordMac`].
    pub fn open_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError> {
        if tag.len() != self.tag_len() {
            return Err(CryptoError::BadRecordMac);
        }
        let nonce: &Array<u8, U12> = nonce.into();
        let bad = |_| CryptoError::BadRecordMac;
        with_aead!(&self.inner, c => {
            let t = Array::try_from(tag).map_err(|_| CryptoError::BadRecordMac)?;
            c.decrypt_inout_detached(nonce, aad, data.into(), &t).map_err(bad)?;
        });
        Ok(())
    }
}

/// A TLS AEAD record cipher (RFC 5288, RFC 6655): nonce = `fixed_iv(4) || explicit(8)`, the
/// explicit part carried as the first 8 bytes of the fragment; AAD = the 13-byte record header
/// with the plaintext length.
pub struct AeadRecordCipher {
    aead: Aead,
    fixed_iv: Zeroizing<[u8; AEAD_FIXED_IV_LEN]>,
}

impl fmt::Debug for AeadRecordCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AeadRecordCipher")
            .field("aead", &self.aead)
            .finish_non_exhaustive()
    }
}

impl AeadRecordCipher {
    /// Builds the record cipher from the write key and the 4-byte implicit IV.
    pub fn new(cipher: BulkCipher, key: &[u8], fixed_iv: &[u8]) -> Result<Self, CryptoError> {
        let fixed: [u8; AEAD_FIXED_IV_LEN] = fixed_iv.try_into().map_err(|_| CryptoError::InvalidKey)?;
        Ok(Self {
            aead: Aead::new(cipher, key)?,
            fixed_iv: Zeroizing::new(fixed),
        })
    }

    fn nonce(&self, explicit: &[u8]) -> Result<[u8; AEAD_NONCE_LEN], CryptoError> {
        let mut nonce = [0u8; AEAD_NONCE_LEN];
        let (fixed, exp) = nonce.split_at_mut(AEAD_FIXED_IV_LEN);
        fixed.copy_from_slice(&*self.fixed_iv);
        exp.copy_from_slice(
            explicit
                .get(..AEAD_EXPLICIT_NONCE_LEN)
                .ok_or(CryptoError::BadLength)?,
        );
        Ok(nonce)
    }
}

impl RecordCipher for AeadRecordCipher {
    fn explicit_nonce(&self) -> ExplicitNonce {
        ExplicitNonce::Sequence
    }

    fn prefix_len(&self) -> usize {
        AEAD_EXPLICIT_NONCE_LEN
    }

    fn max_suffix_len(&self) -> usize {
        self.aead.tag_len()
    }

    fn min_fragment_len(&self) -> usize {
        AEAD_EXPLICIT_NONCE_LEN + self.aead.tag_len()
    }

    fn seal(&self, aad: &RecordAad, buf: &mut [u8], plaintext_len: usize) -> Result<usize, CryptoError> {
        let tag_len = self.aead.tag_len();
        let total = AEAD_EXPLICIT_NONCE_LEN + plaintext_len + tag_len;
        let length = u16::try_from(plaintext_len).map_err(|_| CryptoError::BadLength)?;
        let buf = buf.get_mut(..total).ok_or(CryptoError::BadLength)?;
        let (explicit, rest) = buf.split_at_mut(AEAD_EXPLICIT_NONCE_LEN);
        let nonce = self.nonce(explicit)?;
        let (data, tag) = rest.split_at_mut(plaintext_len);
        self.aead.seal_in_place(&nonce, &aad.bytes(length), data, tag)?;
        Ok(total)
    }

    fn open(&self, aad: &RecordAad, fragment: &mut [u8]) -> Result<Range<usize>, CryptoError> {
        let tag_len = self.aead.tag_len();
        if fragment.len() < self.min_fragment_len() {
            return Err(CryptoError::BadLength);
        }
        let plaintext_len = fragment.len() - AEAD_EXPLICIT_NONCE_LEN - tag_len;
        let length = u16::try_from(plaintext_len).map_err(|_| CryptoError::BadLength)?;
        let (explicit, rest) = fragment.split_at_mut(AEAD_EXPLICIT_NONCE_LEN);
        let nonce = self.nonce(explicit)?;
        let (data, tag) = rest.split_at_mut(plaintext_len);
        self.aead.open_in_place(&nonce, &aad.bytes(length), data, tag)?;
        Ok(AEAD_EXPLICIT_NONCE_LEN..AEAD_EXPLICIT_NONCE_LEN + plaintext_len)
    }
}

// ---------------------------------------------------------------------------------------------
// CBC primitives

/// AES (128 or 256) in CBC mode, keys expanded once; implements [`CbcBlockCipher`].
pub struct AesCbc<A>(A);

impl<A> fmt::Debug for AesCbc<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AesCbc").finish_non_exhaustive()
    }
}

impl<A> AesCbc<A>
where
    A: KeyInit,
{
    /// Expands `key`; fails with [`CryptoError::InvalidKey`] on a wrong key length.
    pub fn new(key: &[u8]) -> Result<Self, CryptoError> {
        A::new_from_slice(key)
            .map(AesCbc)
            .map_err(|_| CryptoError::InvalidKey)
    }
}

impl<A> CbcBlockCipher for AesCbc<A>
where
    A: BlockCipherEncrypt + BlockCipherDecrypt + BlockSizeUser<BlockSize = U16> + Send + Sync,
{
    fn encrypt_cbc(&self, iv: &[u8; BLOCK_LEN], data: &mut [u8]) {
        let (blocks, _rest) = Array::<u8, U16>::slice_as_chunks_mut(data);
        let mut mode = cbc::Encryptor::<&A>::inner_iv_init(&self.0, iv.into());
        mode.encrypt_blocks(blocks);
    }

    fn decrypt_cbc(&self, iv: &[u8; BLOCK_LEN], data: &mut [u8]) {
        let (blocks, _rest) = Array::<u8, U16>::slice_as_chunks_mut(data);
        let mut mode = cbc::Decryptor::<&A>::inner_iv_init(&self.0, iv.into());
        mode.decrypt_blocks(blocks);
    }
}

/// A keyed HMAC-SHA1, HMAC-SHA256 or HMAC-SHA384; implements [`RecordMac`]. The key is
/// absorbed once (the ipad and opad blocks); each MAC starts from a copy of that state.
#[derive(Clone)]
pub enum HmacKey {
    /// HMAC-SHA1.
    Sha1(Hmac<Sha1>),
    /// HMAC-SHA256.
    Sha256(Hmac<Sha256>),
    /// HMAC-SHA384.
    Sha384(Hmac<Sha384>),
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HmacKey::Sha1(_) => "HmacKey::Sha1(..)",
            HmacKey::Sha256(_) => "HmacKey::Sha256(..)",
            HmacKey::Sha384(_) => "HmacKey::Sha384(..)",
        })
    }
}

macro_rules! with_hmac {
    ($key:expr, $m:ident => $body:expr) => {
        match $key {
            HmacKey::Sha1($m) => $body,
            HmacKey::Sha256($m) => $body,
            HmacKey::Sha384($m) => $body,
        }
    };
}

impl HmacKey {
    /// Keys an HMAC for `alg`.
    pub fn new(alg: HashAlgorithm, key: &[u8]) -> Result<Self, CryptoError> {
        let bad = |_| CryptoError::InvalidKey;
        Ok(match alg {
            HashAlgorithm::Sha1 => HmacKey::Sha1(Hmac::new_from_slice(key).map_err(bad)?),
            HashAlgorithm::Sha256 => HmacKey::Sha256(Hmac::new_from_slice(key).map_err(bad)?),
            HashAlgorithm::Sha384 => HmacKey::Sha384(Hmac::new_from_slice(key).map_err(bad)?),
        })
    }

    fn alg(&self) -> HashAlgorithm {
        match self {
            HmacKey::Sha1(_) => HashAlgorithm::Sha1,
            HmacKey::Sha256(_) => HashAlgorithm::Sha256,
            HmacKey::Sha384(_) => HashAlgorithm::Sha384,
        }
    }

    /// HMAC of the concatenation of `parts`, written to `out[..output_len]`; returns the length.
    pub fn compute(&self, parts: &[&[u8]], out: &mut [u8; MAX_HASH_LEN]) -> usize {
        with_hmac!(self, m => {
            let mut m = m.clone();
            for part in parts {
                m.update(part);
            }
            let tag = m.finalize().into_bytes();
            let len = tag.len();
            if let Some(dst) = out.get_mut(..len) {
                dst.copy_from_slice(&tag);
            }
            len
        })
    }
}

impl RecordMac for HmacKey {
    fn output_len(&self) -> usize {
        self.alg().output_len()
    }

    fn hash_block_len(&self) -> usize {
        match self {
            HmacKey::Sha1(_) | HmacKey::Sha256(_) => 64,
            HmacKey::Sha384(_) => 128,
        }
    }

    fn hash_length_field_len(&self) -> usize {
        match self {
            HmacKey::Sha1(_) | HmacKey::Sha256(_) => 8,
            HmacKey::Sha384(_) => 16,
        }
    }

    fn mac(&self, parts: &[&[u8]], out: &mut [u8; MAX_HASH_LEN]) {
        self.compute(parts, out);
    }

    fn dummy_compressions(&self, blocks: usize) {
        const ZEROS: [u8; 128] = [0u8; 128];
        let block = self.hash_block_len();
        let chunk = ZEROS.get(..block).unwrap_or(&ZEROS);
        // The keyed state has an empty buffer (the key is exactly one block), and the hashes are
        // eager, so every whole block fed costs exactly one compression.
        with_hmac!(self, m => {
            let mut m = m.clone();
            for _ in 0..blocks {
                m.update(chunk);
            }
            core::hint::black_box(&m);
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Hashes

struct DigestHash<D>(D);

impl<D> fmt::Debug for DigestHash<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestHash").finish_non_exhaustive()
    }
}

impl<D> Hash for DigestHash<D>
where
    D: Digest + Clone + Send + Sync + 'static,
{
    fn update(&mut self, data: &[u8]) {
        Digest::update(&mut self.0, data);
    }

    fn peek(&self, out: &mut [u8; MAX_HASH_LEN]) -> usize {
        let digest = self.0.clone().finalize();
        let len = digest.len();
        if let Some(dst) = out.get_mut(..len) {
            dst.copy_from_slice(&digest);
        }
        len
    }

    fn fork(&self) -> Box<dyn Hash> {
        Box::new(DigestHash(self.0.clone()))
    }
}

// ---------------------------------------------------------------------------------------------
// ECDHE P-256

/// Length of an uncompressed SEC1 P-256 point.
pub const P256_POINT_LEN: usize = 65;
/// Length of the P-256 ECDH shared secret (the x coordinate).
pub const P256_SHARED_SECRET_LEN: usize = 32;

/// How many 32-byte draws to try before giving up on finding a scalar in `[1, n-1]`. A draw is
/// out of range with probability about 2^-32, so running out means the RNG is broken.
const SCALAR_ATTEMPTS: usize = 16;

/// An ephemeral P-256 key pair.
pub struct P256KeyExchange {
    secret: p256::SecretKey,
    public: [u8; P256_POINT_LEN],
}

impl fmt::Debug for P256KeyExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("P256KeyExchange").finish_non_exhaustive()
    }
}

impl P256KeyExchange {
    /// Draws a secret scalar from `rng` (32 bytes at a time, big-endian, redrawing while it is
    /// zero or not below the group order), so a seeded RNG gives a reproducible key.
    pub fn generate(rng: &mut dyn SecureRandom) -> Result<Self, CryptoError> {
        for _ in 0..SCALAR_ATTEMPTS {
            let mut bytes = Zeroizing::new([0u8; 32]);
            rng.fill(&mut *bytes);
            if let Ok(secret) = p256::SecretKey::from_slice(&*bytes) {
                return Ok(Self::from_secret(secret));
            }
        }
        Err(CryptoError::InvalidKey)
    }

    fn from_secret(secret: p256::SecretKey) -> Self {
        let point = secret.public_key().to_sec1_point(false);
        let mut public = [0u8; P256_POINT_LEN];
        if point.as_bytes().len() == P256_POINT_LEN {
            public.copy_from_slice(point.as_bytes());
        }
        Self { secret, public }
    }
}

impl KeyExchange for P256KeyExchange {
    fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// Accepts only an uncompressed point (RFC 8422 5.4.1: the only format TLS 1.2 peers
    /// negotiate by default), checks that it is on the curve and not the identity, and writes
    /// the x coordinate of the shared point (RFC 8422 5.10).
    fn agree(&self, peer_public: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
        if peer_public.len() != P256_POINT_LEN || peer_public.first() != Some(&0x04) {
            return Err(CryptoError::InvalidKey);
        }
        let peer = p256::PublicKey::from_sec1_bytes(peer_public).map_err(|_| CryptoError::InvalidKey)?;
        let shared = self.secret.diffie_hellman(&peer);
        let x = shared.raw_secret_bytes();
        let dst = out
            .get_mut(..P256_SHARED_SECRET_LEN)
            .ok_or(CryptoError::BadLength)?;
        dst.copy_from_slice(x);
        Ok(P256_SHARED_SECRET_LEN)
    }
}

// ---------------------------------------------------------------------------------------------
// ECDSA P-256

/// A P-256 ECDSA signing key; signs with RFC 6979 deterministic nonces and SHA-256, DER output.
pub struct P256SigningKey {
    key: p256::ecdsa::SigningKey,
}

impl fmt::Debug for P256SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("P256SigningKey").finish_non_exhaustive()
    }
}

impl P256SigningKey {
    /// Loads a key from a raw 32-byte big-endian scalar, a SEC1 `ECPrivateKey` DER (RFC 5915)
    /// or a PKCS#8 `PrivateKeyInfo` DER holding a P-256 key.
    pub fn from_bytes(private_key: &[u8]) -> Result<Self, CryptoError> {
        let secret = if private_key.len() == 32 {
            p256::SecretKey::from_slice(private_key).map_err(|_| CryptoError::InvalidKey)?
        } else if let Ok(secret) = p256::SecretKey::from_pkcs8_der(private_key) {
            secret
        } else {
            p256::SecretKey::from_sec1_der(private_key).map_err(|_| CryptoError::InvalidKey)?
        };
        Ok(Self {
            key: p256::ecdsa::SigningKey::from(&secret),
        })
    }

    /// The public key as an uncompressed SEC1 point.
    pub fn public_key(&self) -> [u8; P256_POINT_LEN] {
        let point = self.key.verifying_key().to_sec1_point(false);
        let mut out = [0u8; P256_POINT_LEN];
        if point.as_bytes().len() == P256_POINT_LEN {
            out.copy_from_slice(point.as_bytes());
        }
        out
    }
}

impl SigningKey for P256SigningKey {
    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::EcdsaP256Sha256
    }

    fn sign(
        &self,
        message: &[u8],
        _rng: &mut dyn SecureRandom,
        out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        let signature: p256::ecdsa::DerSignature =
            self.key.try_sign(message).map_err(|_| CryptoError::InvalidKey)?;
        let bytes = signature.as_bytes();
        let dst = out.get_mut(..bytes.len()).ok_or(CryptoError::BadLength)?;
        dst.copy_from_slice(bytes);
        Ok(bytes.len())
    }

    fn public_key(&self) -> Option<super::PublicKey> {
        Some(super::PublicKey::new(
            super::PublicKeyKind::EcP256,
            256,
            P256SigningKey::public_key(self).to_vec(),
        ))
    }
}

/// Verifies a DER ECDSA P-256/SHA-256 signature with a SEC1 (uncompressed or compressed) key.
fn verify_p256(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| CryptoError::InvalidKey)?;
    let signature = p256::ecdsa::Signature::from_der(signature).map_err(|_| CryptoError::BadSignature)?;
    key.verify(message, &signature)
        .map_err(|_| CryptoError::BadSignature)
}

// ---------------------------------------------------------------------------------------------
// The provider

impl CryptoProvider for RustCrypto {
    fn record_cipher(
        &self,
        cipher: BulkCipher,
        enc_key: &[u8],
        mac_key: &[u8],
        fixed_iv: &[u8],
    ) -> Result<Box<dyn RecordCipher>, CryptoError> {
        let (mac_alg, encrypt_then_mac) = match cipher {
            BulkCipher::AesCcm8 | BulkCipher::AesCcm | BulkCipher::AesGcm => {
                return Ok(Box::new(AeadRecordCipher::new(cipher, enc_key, fixed_iv)?));
            }
            BulkCipher::AesCbcSha1 { encrypt_then_mac } => (HashAlgorithm::Sha1, encrypt_then_mac),
            BulkCipher::AesCbcSha256 { encrypt_then_mac } => (HashAlgorithm::Sha256, encrypt_then_mac),
        };
        if !fixed_iv.is_empty() || mac_key.len() != mac_alg.output_len() {
            return Err(CryptoError::InvalidKey);
        }
        let mac = HmacKey::new(mac_alg, mac_key)?;
        match enc_key.len() {
            16 => Ok(Box::new(CbcRecordCipher::new(
                AesCbc::<Aes128>::new(enc_key)?,
                mac,
                encrypt_then_mac,
            )?)),
            32 => Ok(Box::new(CbcRecordCipher::new(
                AesCbc::<Aes256>::new(enc_key)?,
                mac,
                encrypt_then_mac,
            )?)),
            _ => Err(CryptoError::InvalidKey),
        }
    }

    fn hash(&self, alg: HashAlgorithm) -> Result<Box<dyn Hash>, CryptoError> {
        Ok(match alg {
            HashAlgorithm::Sha1 => Box::new(DigestHash(Sha1::new())),
            HashAlgorithm::Sha256 => Box::new(DigestHash(Sha256::new())),
            HashAlgorithm::Sha384 => Box::new(DigestHash(Sha384::new())),
        })
    }

    fn hmac(
        &self,
        alg: HashAlgorithm,
        key: &[u8],
        parts: &[&[u8]],
        out: &mut [u8; MAX_HASH_LEN],
    ) -> Result<usize, CryptoError> {
        Ok(HmacKey::new(alg, key)?.compute(parts, out))
    }

    fn key_exchange(
        &self,
        group: NamedGroup,
        rng: &mut dyn SecureRandom,
    ) -> Result<Box<dyn KeyExchange>, CryptoError> {
        match group {
            NamedGroup::P256 => Ok(Box::new(P256KeyExchange::generate(rng)?)),
        }
    }

    fn verify(
        &self,
        scheme: SignatureScheme,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        match scheme {
            SignatureScheme::EcdsaP256Sha256 => verify_p256(public_key, message, signature),
            SignatureScheme::EcdsaP384Sha384
            | SignatureScheme::EcdsaP384Sha256
            | SignatureScheme::EcdsaP256Sha384 => {
                super::rustcrypto_pk::verify_ecdsa_extra(scheme, public_key, message, signature)
            }
            SignatureScheme::RsaPkcs1Sha256
            | SignatureScheme::RsaPkcs1Sha384
            | SignatureScheme::RsaPssRsaeSha256
            | SignatureScheme::RsaPssRsaeSha384 => {
                super::rustcrypto_pk::verify_rsa(scheme, public_key, message, signature)
            }
        }
    }

    fn rsa_encrypt_pkcs1(
        &self,
        public_key: &[u8],
        plaintext: &[u8],
        rng: &mut dyn SecureRandom,
    ) -> Result<alloc::vec::Vec<u8>, CryptoError> {
        super::rustcrypto_pk::rsa_encrypt_pkcs1(public_key, plaintext, rng)
    }

    fn signing_key(
        &self,
        scheme: SignatureScheme,
        private_key: &[u8],
    ) -> Result<Box<dyn SigningKey>, CryptoError> {
        match scheme {
            SignatureScheme::EcdsaP256Sha256 => Ok(Box::new(P256SigningKey::from_bytes(private_key)?)),
            _ => super::rustcrypto_pk::signing_key(scheme, private_key),
        }
    }
}
