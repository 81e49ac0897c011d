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

use aes::cipher::array::Array;
#[cfg(feature = "cbc")]
use aes::cipher::consts::U16;
#[cfg(feature = "cbc")]
use aes::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, BlockSizeUser, InnerIvInit,
};
use hmac::digest::KeyInit;
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
#[cfg(feature = "ecdhe")]
use zeroize::Zeroizing;

use super::aead::{AeadCipher, Block, BlockEncrypt, BlockPair, BlockPass};
#[cfg(feature = "cbc")]
use super::cbc::{BLOCK_LEN, CbcBlockCipher, CbcRecordCipher, RecordMac};
#[cfg(feature = "ccm")]
use super::ccm::Ccm;
use super::{
    BulkCipher, CryptoError, CryptoProvider, Hash, HashAlgorithm, KeyExchange, KeyedHmac, MAX_HASH_LEN,
    NamedGroup, RecordCipher, SecureRandom, SignatureScheme, SigningKey,
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

pub use super::aead::{AEAD_EXPLICIT_NONCE_LEN, AEAD_FIXED_IV_LEN, AEAD_NONCE_LEN};

/// A RustCrypto AEAD record cipher (`AeadRecordCipher` over [`Aead`]).
pub type AeadRecordCipher = super::aead::AeadRecordCipher<Aead>;

/// The constant-time (fixsliced) AES of the `aes` crate with its key expanded, as a
/// [`BlockEncrypt`]: two blocks go through one bitsliced pass (`encrypt_blocks`), which is what
/// makes the paired CCM fast.
#[derive(Clone)]
pub struct AesKey(KeyInner);

#[derive(Clone)]
enum KeyInner {
    Aes128(Aligned<aes::Aes128>),
    #[cfg(feature = "aes256")]
    Aes256(Aligned<aes::Aes256>),
}

/// A key schedule on a word boundary. The `aes` crate's software key is 16-bit words, which an
/// enum would place right after its 2-byte tag; every backend pass copies the schedule, and a
/// copy from an address that is 2 mod 4 runs byte by byte: about 800 instructions per record
/// on a Cortex-M4, more than the rest of CCM's own work (benches/cortex-m).
#[derive(Clone)]
#[repr(align(4))]
struct Aligned<T>(T);

impl fmt::Debug for AesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesKey(..)")
    }
}

impl AesKey {
    /// Expands a 16- or 32-byte key.
    pub fn new(key: &[u8]) -> Result<Self, CryptoError> {
        let bad = |_| CryptoError::InvalidKey;
        match key.len() {
            16 => Ok(AesKey(KeyInner::Aes128(Aligned(
                aes::Aes128::new_from_slice(key).map_err(bad)?,
            )))),
            #[cfg(feature = "aes256")]
            32 => Ok(AesKey(KeyInner::Aes256(Aligned(
                aes::Aes256::new_from_slice(key).map_err(bad)?,
            )))),
            #[cfg(not(feature = "aes256"))]
            32 => Err(CryptoError::Unsupported),
            _ => Err(CryptoError::InvalidKey),
        }
    }
}

impl BlockEncrypt for AesKey {
    fn encrypt_block(&self, block: &mut Block) {
        use aes::cipher::BlockCipherEncrypt as _;
        let b: &mut Array<u8, aes::cipher::consts::U16> = block.into();
        match &self.0 {
            KeyInner::Aes128(k) => k.0.encrypt_block(b),
            #[cfg(feature = "aes256")]
            KeyInner::Aes256(k) => k.0.encrypt_block(b),
        }
    }

    fn encrypt_pair(&self, pair: &mut BlockPair) {
        self.pass(&mut |p| p.encrypt_pair(pair));
    }

    fn pass(&self, f: &mut dyn FnMut(&dyn BlockPass)) {
        use aes::cipher::BlockCipherEncrypt as _;
        match &self.0 {
            KeyInner::Aes128(k) => k.0.encrypt_with_backend(InBackend(f)),
            #[cfg(feature = "aes256")]
            KeyInner::Aes256(k) => k.0.encrypt_with_backend(InBackend(f)),
        }
    }
}

/// Runs a [`BlockPass`] closure inside the `aes` crate's backend, built once for the pass.
struct InBackend<'f>(&'f mut dyn FnMut(&dyn BlockPass));

impl aes::cipher::BlockSizeUser for InBackend<'_> {
    type BlockSize = aes::cipher::consts::U16;
}

impl aes::cipher::BlockCipherEncClosure for InBackend<'_> {
    fn call<B: aes::cipher::BlockCipherEncBackend<BlockSize = Self::BlockSize>>(self, backend: &B) {
        (self.0)(&Backend(backend));
    }
}

struct Backend<'b, B>(&'b B);

impl<B: aes::cipher::BlockCipherEncBackend<BlockSize = aes::cipher::consts::U16>> BlockPass
    for Backend<'_, B>
{
    fn encrypt_block(&self, block: &mut Block) {
        use aes::cipher::typenum::Unsigned as _;
        if B::ParBlocksSize::USIZE == 2 {
            // A batch of two is the 32-bit fixsliced backend (`cpubits = "32"`), whose
            // single-block path runs on 16-bit words: on a 32-bit core one block alone costs
            // more than a pair, so the block goes through the pair path beside a dummy.
            let mut pair = BlockPair([*block, [0u8; 16]]);
            self.encrypt_pair(&mut pair);
            *block = pair.0[0];
        } else {
            self.0.encrypt_block_inplace(block.into());
        }
    }

    fn encrypt_pair(&self, pair: &mut BlockPair) {
        use aes::cipher::typenum::Unsigned as _;
        let blocks = Array::<u8, aes::cipher::consts::U16>::cast_slice_from_core_mut(&mut pair.0);
        // A batch of exactly two (the 32-bit fixsliced backend) is the pair itself: the blocks
        // are encrypted where they are.
        if let Ok(batch) = <&mut aes::cipher::ParBlocks<B>>::try_from(blocks) {
            self.0.encrypt_par_blocks_inplace(batch);
        } else if B::ParBlocksSize::USIZE > 2 {
            // A wider batch (64-bit words, AES-NI): the further slots are unused.
            let mut par = aes::cipher::ParBlocks::<B>::default();
            for (slot, block) in par.iter_mut().zip(pair.0.iter()) {
                slot.copy_from_slice(block);
            }
            self.0.encrypt_par_blocks_inplace(&mut par);
            for (block, slot) in pair.0.iter_mut().zip(par.iter()) {
                block.copy_from_slice(slot);
            }
        } else {
            for block in pair.0.iter_mut() {
                self.0.encrypt_block_inplace(block.into());
            }
        }
    }
}

enum AeadInner {
    #[cfg(feature = "ccm")]
    Ccm(Ccm<AesKey>),
    #[cfg(feature = "gcm")]
    Gcm128(aes_gcm::Aes128Gcm),
    #[cfg(all(feature = "gcm", feature = "aes256"))]
    Gcm256(aes_gcm::Aes256Gcm),
}

/// An AEAD (AES-CCM, AES-CCM_8 or AES-GCM) with its key expanded, over 12-byte nonces and
/// arbitrary associated data, in place with a detached tag. The record cipher is built on it;
/// it is public so that other record layers (and the Wycheproof tests, whose associated data is
/// arbitrary) can use the exact same code path. CCM is ours ([`Ccm`], two blocks per AES
/// pass); GCM is the `aes-gcm` crate's.
pub struct Aead {
    inner: AeadInner,
}

#[cfg_attr(
    not(any(feature = "ccm", feature = "gcm")),
    allow(unreachable_code, unused_variables)
)]
impl fmt::Debug for Aead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.inner {
            #[cfg(feature = "ccm")]
            AeadInner::Ccm(ref c) if c.tag_len() == 8 => "AES-CCM_8",
            #[cfg(feature = "ccm")]
            AeadInner::Ccm(_) => "AES-CCM",
            #[cfg(feature = "gcm")]
            AeadInner::Gcm128(_) => "AES-128-GCM",
            #[cfg(all(feature = "gcm", feature = "aes256"))]
            AeadInner::Gcm256(_) => "AES-256-GCM",
        };
        f.debug_struct("Aead").field("alg", &name).finish_non_exhaustive()
    }
}

#[cfg_attr(
    not(any(feature = "ccm", feature = "gcm")),
    allow(unreachable_code, unused_variables)
)]
impl Aead {
    /// Expands `key` (16 or 32 bytes) for `cipher`, which must be one of the AEAD bulk ciphers
    /// the enabled features provide (else [`CryptoError::Unsupported`]).
    pub fn new(cipher: BulkCipher, key: &[u8]) -> Result<Self, CryptoError> {
        if key.len() != 16 && key.len() != 32 {
            return match cipher {
                BulkCipher::AesCcm8 | BulkCipher::AesCcm | BulkCipher::AesGcm => Err(CryptoError::InvalidKey),
                _ => Err(CryptoError::Unsupported),
            };
        }
        let inner = match cipher {
            #[cfg(feature = "ccm")]
            BulkCipher::AesCcm8 => AeadInner::Ccm(Ccm::new(AesKey::new(key)?, 8)?),
            #[cfg(feature = "ccm")]
            BulkCipher::AesCcm => AeadInner::Ccm(Ccm::new(AesKey::new(key)?, 16)?),
            #[cfg(feature = "gcm")]
            BulkCipher::AesGcm => {
                use aes_gcm::KeyInit as _;
                let bad = |_| CryptoError::InvalidKey;
                match key.len() {
                    16 => AeadInner::Gcm128(aes_gcm::Aes128Gcm::new_from_slice(key).map_err(bad)?),
                    #[cfg(feature = "aes256")]
                    _ => AeadInner::Gcm256(aes_gcm::Aes256Gcm::new_from_slice(key).map_err(bad)?),
                    #[cfg(not(feature = "aes256"))]
                    _ => return Err(CryptoError::Unsupported),
                }
            }
            _ => return Err(CryptoError::Unsupported),
        };
        Ok(Self { inner })
    }

    /// Tag length in bytes (8 for CCM_8, 16 otherwise).
    pub fn tag_len(&self) -> usize {
        AeadCipher::tag_len(self)
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
        AeadCipher::seal_in_place(self, nonce, aad, data, tag)
    }

    /// Verifies `tag` and decrypts `data` in place. On failure `data` holds no plaintext (it
    /// is cleared) and the error is [`CryptoError::BadRecordMac`].
    pub fn open_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError> {
        AeadCipher::open_in_place(self, nonce, aad, data, tag)
    }
}

#[cfg_attr(
    not(any(feature = "ccm", feature = "gcm")),
    allow(unreachable_code, unused_variables)
)]
impl AeadCipher for Aead {
    fn tag_len(&self) -> usize {
        match self.inner {
            #[cfg(feature = "ccm")]
            AeadInner::Ccm(ref c) => c.tag_len(),
            #[cfg(feature = "gcm")]
            AeadInner::Gcm128(_) => 16,
            #[cfg(all(feature = "gcm", feature = "aes256"))]
            AeadInner::Gcm256(_) => 16,
        }
    }

    fn seal_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &mut [u8],
    ) -> Result<(), CryptoError> {
        match self.inner {
            #[cfg(feature = "ccm")]
            AeadInner::Ccm(ref c) => c.seal_in_place(nonce, aad, data, tag),
            #[cfg(feature = "gcm")]
            AeadInner::Gcm128(ref c) => gcm_seal(c, nonce, aad, data, tag),
            #[cfg(all(feature = "gcm", feature = "aes256"))]
            AeadInner::Gcm256(ref c) => gcm_seal(c, nonce, aad, data, tag),
        }
    }

    fn open_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError> {
        match self.inner {
            #[cfg(feature = "ccm")]
            AeadInner::Ccm(ref c) => c.open_in_place(nonce, aad, data, tag),
            #[cfg(feature = "gcm")]
            AeadInner::Gcm128(ref c) => gcm_open(c, nonce, aad, data, tag),
            #[cfg(all(feature = "gcm", feature = "aes256"))]
            AeadInner::Gcm256(ref c) => gcm_open(c, nonce, aad, data, tag),
        }
    }
}

#[cfg(feature = "gcm")]
fn gcm_seal<C: aes_gcm::AeadInOut<NonceSize = aes_gcm::aead::consts::U12>>(
    c: &C,
    nonce: &[u8; AEAD_NONCE_LEN],
    aad: &[u8],
    data: &mut [u8],
    tag: &mut [u8],
) -> Result<(), CryptoError> {
    if tag.len() != 16 {
        return Err(CryptoError::BadLength);
    }
    let nonce: &Array<u8, aes_gcm::aead::consts::U12> = nonce.into();
    let t = c
        .encrypt_inout_detached(nonce, aad, data.into())
        .map_err(|_| CryptoError::BadLength)?;
    tag.copy_from_slice(&t);
    Ok(())
}

#[cfg(feature = "gcm")]
fn gcm_open<C: aes_gcm::AeadInOut<NonceSize = aes_gcm::aead::consts::U12>>(
    c: &C,
    nonce: &[u8; AEAD_NONCE_LEN],
    aad: &[u8],
    data: &mut [u8],
    tag: &[u8],
) -> Result<(), CryptoError> {
    let nonce: &Array<u8, aes_gcm::aead::consts::U12> = nonce.into();
    let t = Array::try_from(tag).map_err(|_| CryptoError::BadRecordMac)?;
    c.decrypt_inout_detached(nonce, aad, data.into(), &t)
        .map_err(|_| CryptoError::BadRecordMac)
}

/// The record cipher for an AEAD bulk cipher.
// The two kinds of record cipher are built in functions of their own, each boxing its cipher:
// inlined into `record_cipher`, the CBC keys (AES and HMAC) and the AEAD's sat side by side in a
// 2.3 KB frame under the AES key schedule, the deepest point of a PSK handshake on a Cortex-M
// (benches/cortex-m, stack peak).
#[inline(never)]
fn aead_record_cipher(
    cipher: BulkCipher,
    key: &[u8],
    fixed_iv: &[u8],
) -> Result<Box<dyn RecordCipher>, CryptoError> {
    Ok(Box::new(AeadRecordCipher::new(
        Aead::new(cipher, key)?,
        fixed_iv,
    )?))
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

impl KeyedHmac for HmacKey {
    fn mac(&self, parts: &[&[u8]], out: &mut [u8; MAX_HASH_LEN]) -> Result<usize, CryptoError> {
        Ok(self.compute(parts, out))
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

    fn public_key(&self) -> Option<super::PublicKey> {
        Some(super::PublicKey::new(
            super::PublicKeyKind::EcP256,
            256,
            P256SigningKey::public_key(self).to_vec(),
        ))
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
#[inline(never)]
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
                aead_record_cipher(cipher, enc_key, fixed_iv)
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

    fn hmac_key<'a>(
        &'a self,
        alg: HashAlgorithm,
        key: &'a [u8],
    ) -> Result<Box<dyn KeyedHmac + 'a>, CryptoError> {
        Ok(Box::new(HmacKey::new(alg, key)?))
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
            #[cfg(all(feature = "ecdhe", feature = "sha384"))]
            SignatureScheme::EcdsaP384Sha384
            | SignatureScheme::EcdsaP384Sha256
            | SignatureScheme::EcdsaP256Sha384 => {
                super::rustcrypto_pk::verify_ecdsa_extra(scheme, public_key, message, signature)
            }
            #[cfg(all(feature = "ecdhe", feature = "sha384"))]
            SignatureScheme::RsaPkcs1Sha256
            | SignatureScheme::RsaPkcs1Sha384
            | SignatureScheme::RsaPssRsaeSha256
            | SignatureScheme::RsaPssRsaeSha384 => {
                super::rustcrypto_pk::verify_rsa(scheme, public_key, message, signature)
            }
            #[allow(unreachable_patterns)]
            _ => {
                let _ = (public_key, message, signature);
                Err(CryptoError::Unsupported)
            }
        }
    }

    fn rsa_encrypt_pkcs1(
        &self,
        public_key: &[u8],
        plaintext: &[u8],
        rng: &mut dyn SecureRandom,
    ) -> Result<alloc::vec::Vec<u8>, CryptoError> {
        #[cfg(all(feature = "ecdhe", feature = "sha384"))]
        return super::rustcrypto_pk::rsa_encrypt_pkcs1(public_key, plaintext, rng);
        #[cfg(not(all(feature = "ecdhe", feature = "sha384")))]
        {
            let _ = (public_key, plaintext, rng);
            Err(CryptoError::Unsupported)
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
            #[cfg(all(feature = "ecdhe", feature = "sha384"))]
            _ => super::rustcrypto_pk::signing_key(scheme, private_key),
            #[cfg(not(all(feature = "ecdhe", feature = "sha384")))]
            #[allow(unreachable_patterns)]
            _ => {
                let _ = private_key;
                Err(CryptoError::Unsupported)
            }
        }
    }
}
