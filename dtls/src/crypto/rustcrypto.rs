//! The default crypto provider, built on RustCrypto crates (`aes`, `ccm`, `aes-gcm`, `cbc`,
//! `hmac`, `sha1`, `sha2`, `p256`); all of them are `no_std`.
//!
//! The crate features `ccm`, `gcm`, `cbc`, `aes256`, `sha384` and `ecdhe` decide which
//! primitives are compiled in (all of them by default); what is left out is answered with
//! [`CryptoError::Unsupported`], so a firmware links only what it negotiates.
//!
//! Record keys are expanded once per epoch when the record cipher is built, and the expanded
//! keys are zeroized when it is dropped (the `zeroize` features of `aes`, `aes-gcm`, `hmac` and
//! `sha2` are enabled). ECDHE secrets and signing keys are `p256` types that zeroize on drop.

use alloc::boxed::Box;
use core::fmt;
use core::ops::Range;

#[cfg(feature = "ccm")]
use aes::Aes128;
#[cfg(all(feature = "ccm", feature = "aes256"))]
use aes::Aes256;
use aes::cipher::array::Array;
#[cfg(feature = "cbc")]
use aes::cipher::consts::U16;
use aes::cipher::consts::U12;
#[cfg(feature = "ccm")]
use aes::cipher::consts::U8;
#[cfg(feature = "cbc")]
use aes::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, BlockSizeUser, InnerIvInit,
};
#[cfg(all(feature = "gcm", not(feature = "ccm")))]
use aes_gcm::aead::{AeadInOut, KeyInit};
#[cfg(feature = "ccm")]
use ccm::aead::{AeadInOut, KeyInit};
#[cfg(all(feature = "cbc", not(any(feature = "ccm", feature = "gcm"))))]
use aes::cipher::KeyInit;
#[cfg(all(feature = "gcm", feature = "aes256"))]
use aes_gcm::Aes256Gcm;
#[cfg(feature = "gcm")]
use aes_gcm::Aes128Gcm;
use hmac::{Hmac, Mac};
#[cfg(feature = "ecdhe")]
use p256::ecdsa::signature::{Signer, Verifier};
#[cfg(feature = "ecdhe")]
use p256::elliptic_curve::sec1::ToSec1Point;
#[cfg(feature = "ecdhe")]
use p256::pkcs8::DecodePrivateKey;
#[cfg(feature = "cbc")]
use sha1::Sha1;
#[cfg(feature = "sha384")]
use sha2::Sha384;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

#[cfg(feature = "cbc")]
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

#[cfg(feature = "ccm")]
type Aes128Ccm8 = ccm::Ccm<Aes128, U8, U12>;
#[cfg(all(feature = "ccm", feature = "aes256"))]
type Aes256Ccm8 = ccm::Ccm<Aes256, U8, U12>;
#[cfg(feature = "ccm")]
type Aes128Ccm16 = ccm::Ccm<Aes128, ccm::consts::U16, U12>;
#[cfg(all(feature = "ccm", feature = "aes256"))]
type Aes256Ccm16 = ccm::Ccm<Aes256, ccm::consts::U16, U12>;

enum AeadInner {
    #[cfg(feature = "ccm")]
    Ccm8x128(Aes128Ccm8),
    #[cfg(all(feature = "ccm", feature = "aes256"))]
    Ccm8x256(Aes256Ccm8),
    #[cfg(feature = "ccm")]
    Ccm16x128(Aes128Ccm16),
    #[cfg(all(feature = "ccm", feature = "aes256"))]
    Ccm16x256(Aes256Ccm16),
    #[cfg(feature = "gcm")]
    Gcm128(Aes128Gcm),
    #[cfg(all(feature = "gcm", feature = "aes256"))]
    Gcm256(Aes256Gcm),
}

/// An AEAD (AES-CCM, AES-CCM_8 or AES-GCM) with its key expanded, over 12-byte nonces and
/// arbitrary associated data, in place with a detached tag. The record cipher is built on it;
/// it is public so that other record layers (and the Wycheproof tests, whose associated data is
/// arbitrary) can use the exact same code path.
pub struct Aead {
    inner: AeadInner,
}

#[allow(unreachable_code)]
impl fmt::Debug for Aead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.inner {
            #[cfg(feature = "ccm")]
            AeadInner::Ccm8x128(_) => "AES-128-CCM_8",
            #[cfg(all(feature = "ccm", feature = "aes256"))]
            AeadInner::Ccm8x256(_) => "AES-256-CCM_8",
            #[cfg(feature = "ccm")]
            AeadInner::Ccm16x128(_) => "AES-128-CCM",
            #[cfg(all(feature = "ccm", feature = "aes256"))]
            AeadInner::Ccm16x256(_) => "AES-256-CCM",
            #[cfg(feature = "gcm")]
            AeadInner::Gcm128(_) => "AES-128-GCM",
            #[cfg(all(feature = "gcm", feature = "aes256"))]
            AeadInner::Gcm256(_) => "AES-256-GCM",
        };
        f.debug_struct("Aead").field("alg", &name).finish_non_exhaustive()
    }
}

macro_rules! with_aead {
    ($inner:expr, $c:ident => $body:expr) => {
        match $inner {
            #[cfg(feature = "ccm")]
            AeadInner::Ccm8x128($c) => $body,
            #[cfg(all(feature = "ccm", feature = "aes256"))]
            AeadInner::Ccm8x256($c) => $body,
            #[cfg(feature = "ccm")]
            AeadInner::Ccm16x128($c) => $body,
            #[cfg(all(feature = "ccm", feature = "aes256"))]
            AeadInner::Ccm16x256($c) => $body,
            #[cfg(feature = "gcm")]
            AeadInner::Gcm128($c) => $body,
            #[cfg(all(feature = "gcm", feature = "aes256"))]
            AeadInner::Gcm256($c) => $body,
        }
    };
}

#[allow(unreachable_code, unused_variables)]
impl Aead {
    /// Expands `key` (16 or 32 bytes) for `cipher`, which must be one of the AEAD bulk ciphers.
    pub fn new(cipher: BulkCipher, key: &[u8]) -> Result<Self, CryptoError> {
        #[cfg(any(feature = "ccm", feature = "gcm"))]
        let bad = |_| CryptoError::InvalidKey;
        let inner = match (cipher, key.len()) {
            #[cfg(feature = "ccm")]
            (BulkCipher::AesCcm8, 16) => AeadInner::Ccm8x128(Aes128Ccm8::new_from_slice(key).map_err(bad)?),
            #[cfg(all(feature = "ccm", feature = "aes256"))]
            (BulkCipher::AesCcm8, 32) => AeadInner::Ccm8x256(Aes256Ccm8::new_from_slice(key).map_err(bad)?),
            #[cfg(feature = "ccm")]
            (BulkCipher::AesCcm, 16) => AeadInner::Ccm16x128(Aes128Ccm16::new_from_slice(key).map_err(bad)?),
            #[cfg(all(feature = "ccm", feature = "aes256"))]
            (BulkCipher::AesCcm, 32) => AeadInner::Ccm16x256(Aes256Ccm16::new_from_slice(key).map_err(bad)?),
            #[cfg(feature = "gcm")]
            (BulkCipher::AesGcm, 16) => AeadInner::Gcm128(Aes128Gcm::new_from_slice(key).map_err(bad)?),
            #[cfg(all(feature = "gcm", feature = "aes256"))]
            (BulkCipher::AesGcm, 32) => AeadInner::Gcm256(Aes256Gcm::new_from_slice(key).map_err(bad)?),
            #[allow(unreachable_patterns)]
            (BulkCipher::AesCcm8 | BulkCipher::AesCcm | BulkCipher::AesGcm, 16 | 32) => {
                return Err(CryptoError::Unsupported);
            }
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
            #[cfg(feature = "ccm")]
            AeadInner::Ccm8x128(_) => 8,
            #[cfg(all(feature = "ccm", feature = "aes256"))]
            AeadInner::Ccm8x256(_) => 8,
            #[allow(unreachable_patterns)]
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
#[cfg(feature = "cbc")]
pub struct AesCbc<A>(A);

#[cfg(feature = "cbc")]
impl<A> fmt::Debug for AesCbc<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AesCbc").finish_non_exhaustive()
    }
}

#[cfg(feature = "cbc")]
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

#[cfg(feature = "cbc")]
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
    #[cfg(feature = "cbc")]
    Sha1(Hmac<Sha1>),
    /// HMAC-SHA256.
    Sha256(Hmac<Sha256>),
    /// HMAC-SHA384.
    #[cfg(feature = "sha384")]
    Sha384(Hmac<Sha384>),
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            #[cfg(feature = "cbc")]
            HmacKey::Sha1(_) => "HmacKey::Sha1(..)",
            HmacKey::Sha256(_) => "HmacKey::Sha256(..)",
            #[cfg(feature = "sha384")]
            HmacKey::Sha384(_) => "HmacKey::Sha384(..)",
        })
    }
}

macro_rules! with_hmac {
    ($key:expr, $m:ident => $body:expr) => {
        match $key {
            #[cfg(feature = "cbc")]
            HmacKey::Sha1($m) => $body,
            HmacKey::Sha256($m) => $body,
            #[cfg(feature = "sha384")]
            HmacKey::Sha384($m) => $body,
        }
    };
}

impl HmacKey {
    /// Keys an HMAC for `alg`.
    pub fn new(alg: HashAlgorithm, key: &[u8]) -> Result<Self, CryptoError> {
        let bad = |_| CryptoError::InvalidKey;
        Ok(match alg {
            #[cfg(feature = "cbc")]
            HashAlgorithm::Sha1 => HmacKey::Sha1(Hmac::new_from_slice(key).map_err(bad)?),
            HashAlgorithm::Sha256 => HmacKey::Sha256(Hmac::new_from_slice(key).map_err(bad)?),
            #[cfg(feature = "sha384")]
            HashAlgorithm::Sha384 => HmacKey::Sha384(Hmac::new_from_slice(key).map_err(bad)?),
            #[allow(unreachable_patterns)]
            _ => return Err(CryptoError::Unsupported),
        })
    }

    #[cfg(feature = "cbc")]
    fn alg(&self) -> HashAlgorithm {
        match self {
            #[cfg(feature = "cbc")]
            HmacKey::Sha1(_) => HashAlgorithm::Sha1,
            HmacKey::Sha256(_) => HashAlgorithm::Sha256,
            #[cfg(feature = "sha384")]
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

#[cfg(feature = "cbc")]
impl RecordMac for HmacKey {
    fn output_len(&self) -> usize {
        self.alg().output_len()
    }

    fn hash_block_len(&self) -> usize {
        match self {
            HmacKey::Sha1(_) | HmacKey::Sha256(_) => 64,
            #[cfg(feature = "sha384")]
            HmacKey::Sha384(_) => 128,
        }
    }

    fn hash_length_field_len(&self) -> usize {
        match self {
            HmacKey::Sha1(_) | HmacKey::Sha256(_) => 8,
            #[cfg(feature = "sha384")]
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

#[cfg(feature = "ecdhe")]
/// Length of an uncompressed SEC1 P-256 point.
pub const P256_POINT_LEN: usize = 65;
#[cfg(feature = "ecdhe")]
/// Length of the P-256 ECDH shared secret (the x coordinate).
pub const P256_SHARED_SECRET_LEN: usize = 32;

#[cfg(feature = "ecdhe")]
/// How many 32-byte draws to try before giving up on finding a scalar in `[1, n-1]`. A draw is
/// out of range with probability about 2^-32, so running out means the RNG is broken.
const SCALAR_ATTEMPTS: usize = 16;

#[cfg(feature = "ecdhe")]
/// An ephemeral P-256 key pair.
pub struct P256KeyExchange {
    secret: p256::SecretKey,
    public: [u8; P256_POINT_LEN],
}

#[cfg(feature = "ecdhe")]
impl fmt::Debug for P256KeyExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("P256KeyExchange").finish_non_exhaustive()
    }
}

#[cfg(feature = "ecdhe")]
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

#[cfg(feature = "ecdhe")]
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

#[cfg(feature = "ecdhe")]
/// A P-256 ECDSA signing key; signs with RFC 6979 deterministic nonces and SHA-256, DER output.
pub struct P256SigningKey {
    key: p256::ecdsa::SigningKey,
}

#[cfg(feature = "ecdhe")]
impl fmt::Debug for P256SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("P256SigningKey").finish_non_exhaustive()
    }
}

#[cfg(feature = "ecdhe")]
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

#[cfg(feature = "ecdhe")]
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
}

#[cfg(feature = "ecdhe")]
/// Verifies a DER ECDSA P-256/SHA-256 signature with a SEC1 (uncompressed or compressed) key.
fn verify_p256(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| CryptoError::InvalidKey)?;
    let signature = p256::ecdsa::Signature::from_der(signature).map_err(|_| CryptoError::BadSignature)?;
    key.verify(message, &signature)
        .map_err(|_| CryptoError::BadSignature)
}

/// A CBC record cipher (AES-CBC with HMAC-SHA1 or HMAC-SHA256).
#[cfg(feature = "cbc")]
fn cbc_record_cipher(
    cipher: BulkCipher,
    enc_key: &[u8],
    mac_key: &[u8],
    fixed_iv: &[u8],
) -> Result<Box<dyn RecordCipher>, CryptoError> {
    let (mac_alg, encrypt_then_mac) = match cipher {
        BulkCipher::AesCbcSha1 { encrypt_then_mac } => (HashAlgorithm::Sha1, encrypt_then_mac),
        BulkCipher::AesCbcSha256 { encrypt_then_mac } => (HashAlgorithm::Sha256, encrypt_then_mac),
        _ => return Err(CryptoError::Unsupported),
    };
    if !fixed_iv.is_empty() || mac_key.len() != mac_alg.output_len() {
        return Err(CryptoError::InvalidKey);
    }
    let mac = HmacKey::new(mac_alg, mac_key)?;
    match enc_key.len() {
        16 => Ok(Box::new(CbcRecordCipher::new(
            AesCbc::<aes::Aes128>::new(enc_key)?,
            mac,
            encrypt_then_mac,
        )?)),
        #[cfg(feature = "aes256")]
        32 => Ok(Box::new(CbcRecordCipher::new(
            AesCbc::<aes::Aes256>::new(enc_key)?,
            mac,
            encrypt_then_mac,
        )?)),
        #[cfg(not(feature = "aes256"))]
        32 => Err(CryptoError::Unsupported),
        _ => Err(CryptoError::InvalidKey),
    }
}

/// Without the `cbc` feature no CBC suite is offered.
#[cfg(not(feature = "cbc"))]
fn cbc_record_cipher(
    _cipher: BulkCipher,
    _enc_key: &[u8],
    _mac_key: &[u8],
    _fixed_iv: &[u8],
) -> Result<Box<dyn RecordCipher>, CryptoError> {
    Err(CryptoError::Unsupported)
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
        match cipher {
            BulkCipher::AesCcm8 | BulkCipher::AesCcm | BulkCipher::AesGcm => {
                Ok(Box::new(AeadRecordCipher::new(cipher, enc_key, fixed_iv)?))
            }
            _ => cbc_record_cipher(cipher, enc_key, mac_key, fixed_iv),
        }
    }

    fn hash(&self, alg: HashAlgorithm) -> Result<Box<dyn Hash>, CryptoError> {
        Ok(match alg {
            #[cfg(feature = "cbc")]
            HashAlgorithm::Sha1 => Box::new(DigestHash(Sha1::new())),
            HashAlgorithm::Sha256 => Box::new(DigestHash(Sha256::new())),
            #[cfg(feature = "sha384")]
            HashAlgorithm::Sha384 => Box::new(DigestHash(Sha384::new())),
            #[allow(unreachable_patterns)]
            _ => return Err(CryptoError::Unsupported),
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
            #[cfg(feature = "ecdhe")]
            NamedGroup::P256 => Ok(Box::new(P256KeyExchange::generate(rng)?)),
            #[allow(unreachable_patterns)]
            _ => {
                let _ = rng;
                Err(CryptoError::Unsupported)
            }
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
            #[cfg(feature = "ecdhe")]
            SignatureScheme::EcdsaP256Sha256 => verify_p256(public_key, message, signature),
            #[allow(unreachable_patterns)]
            _ => {
                let _ = (public_key, message, signature);
                Err(CryptoError::Unsupported)
            }
        }
    }

    fn signing_key(
        &self,
        scheme: SignatureScheme,
        private_key: &[u8],
    ) -> Result<Box<dyn SigningKey>, CryptoError> {
        match scheme {
            #[cfg(feature = "ecdhe")]
            SignatureScheme::EcdsaP256Sha256 => Ok(Box::new(P256SigningKey::from_bytes(private_key)?)),
            #[allow(unreachable_patterns)]
            _ => {
                let _ = private_key;
                Err(CryptoError::Unsupported)
            }
        }
    }
}
