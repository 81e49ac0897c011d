//! The TLS AEAD record construction (RFC 5288 section 3, RFC 6655 section 3), over any keyed
//! AEAD ([`AeadCipher`]), and the 16-byte block-cipher interface ([`BlockEncrypt`]) that CCM is
//! built on, so a software AES, a table AES or a chip's AES unit can sit underneath.

use core::fmt;
use core::ops::Range;

use zeroize::Zeroizing;

use super::{CryptoError, ExplicitNonce, RecordAad, RecordCipher};

/// Length of the implicit part of the AEAD nonce (the `fixed_iv` from the key block).
pub const AEAD_FIXED_IV_LEN: usize = 4;
/// Length of the explicit AEAD nonce carried in front of each record.
pub const AEAD_EXPLICIT_NONCE_LEN: usize = 8;
/// Full AEAD nonce length (RFC 5116 `N_MIN` = `N_MAX` = 12 for the TLS suites).
pub const AEAD_NONCE_LEN: usize = AEAD_FIXED_IV_LEN + AEAD_EXPLICIT_NONCE_LEN;

/// The block length of AES.
pub const AES_BLOCK_LEN: usize = 16;
/// One AES block.
pub type Block = [u8; AES_BLOCK_LEN];

/// Two AES blocks side by side, on a 16-byte boundary: a backend that batches two blocks takes
/// them as its batch where they are, and its whole-batch copies stay word copies (into memory
/// of unknown alignment a Cortex-M compiler calls a byte-by-byte memcpy instead).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
#[repr(C, align(16))]
pub struct BlockPair(pub [Block; 2]);

impl fmt::Debug for BlockPair {
    // Blocks in flight are keystream and MAC state: not for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlockPair(..)")
    }
}

/// The block operations available during one [`BlockEncrypt::pass`].
pub trait BlockPass {
    /// Encrypts one block in place.
    fn encrypt_block(&self, block: &mut Block);

    /// Encrypts two independent blocks in place. Bitsliced software AES processes two blocks in
    /// one pass for much less than twice one block, and a hardware unit may pipeline them, so
    /// CCM pairs each CBC-MAC block with a counter block here.
    fn encrypt_pair(&self, pair: &mut BlockPair);
}

/// A 16-byte block cipher with its key expanded, encryption direction only (CCM, GCM and CTR
/// never decrypt a block).
pub trait BlockEncrypt: Send + Sync {
    /// Encrypts one block in place.
    fn encrypt_block(&self, block: &mut Block);

    /// Encrypts two independent blocks in place. The default does them one after the other.
    fn encrypt_pair(&self, pair: &mut BlockPair) {
        let [a, b] = &mut pair.0;
        self.encrypt_block(a);
        self.encrypt_block(b);
    }

    /// Runs `f` with the cipher prepared for many blocks: a record's CCM runs inside one pass,
    /// so per-call setup (the bitsliced AES widens its round keys for two-block batches) is paid
    /// once per record, not per block. The default hands `f` the cipher itself.
    fn pass(&self, f: &mut dyn FnMut(&dyn BlockPass)) {
        f(&Direct(self))
    }
}

/// A [`BlockEncrypt`] used directly as a [`BlockPass`].
struct Direct<'a, B: ?Sized>(&'a B);

impl<B: BlockEncrypt + ?Sized> BlockPass for Direct<'_, B> {
    fn encrypt_block(&self, block: &mut Block) {
        self.0.encrypt_block(block);
    }

    fn encrypt_pair(&self, pair: &mut BlockPair) {
        self.0.encrypt_pair(pair);
    }
}

impl<B: BlockEncrypt + ?Sized> BlockEncrypt for alloc::boxed::Box<B> {
    fn encrypt_block(&self, block: &mut Block) {
        (**self).encrypt_block(block);
    }

    fn encrypt_pair(&self, pair: &mut BlockPair) {
        (**self).encrypt_pair(pair);
    }

    fn pass(&self, f: &mut dyn FnMut(&dyn BlockPass)) {
        (**self).pass(f);
    }
}

/// An AEAD with its key expanded, over 12-byte nonces and arbitrary associated data, in place
/// with a detached tag.
pub trait AeadCipher: Send + Sync {
    /// Tag length in bytes.
    fn tag_len(&self) -> usize;

    /// Encrypts `data` in place and writes the tag into `tag`, which must be exactly
    /// [`tag_len`](Self::tag_len) bytes long.
    fn seal_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &mut [u8],
    ) -> Result<(), CryptoError>;

    /// Verifies `tag` and decrypts `data` in place. On failure `data` holds no plaintext and
    /// the error is [`CryptoError::BadRecordMac`].
    fn open_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError>;
}

impl<A: AeadCipher + ?Sized> AeadCipher for alloc::boxed::Box<A> {
    fn tag_len(&self) -> usize {
        (**self).tag_len()
    }

    fn seal_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &mut [u8],
    ) -> Result<(), CryptoError> {
        (**self).seal_in_place(nonce, aad, data, tag)
    }

    fn open_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError> {
        (**self).open_in_place(nonce, aad, data, tag)
    }
}

/// A TLS AEAD record cipher: nonce = `fixed_iv(4) || explicit(8)`, the explicit part carried as
/// the first 8 bytes of the fragment; AAD = the 13-byte record header with the plaintext
/// length.
pub struct AeadRecordCipher<A> {
    aead: A,
    fixed_iv: Zeroizing<[u8; AEAD_FIXED_IV_LEN]>,
}

impl<A> fmt::Debug for AeadRecordCipher<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AeadRecordCipher").finish_non_exhaustive()
    }
}

impl<A: AeadCipher> AeadRecordCipher<A> {
    /// Builds the record cipher from a keyed AEAD and the 4-byte implicit IV.
    pub fn new(aead: A, fixed_iv: &[u8]) -> Result<Self, CryptoError> {
        let fixed: [u8; AEAD_FIXED_IV_LEN] = fixed_iv.try_into().map_err(|_| CryptoError::InvalidKey)?;
        Ok(Self {
            aead,
            fixed_iv: Zeroizing::new(fixed),
        })
    }

    /// The keyed AEAD.
    pub fn aead(&self) -> &A {
        &self.aead
    }

    // The implicit part is the write IV from the key block.
    // catalogue: RFC5246-6.2.3.3-1
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

impl<A: AeadCipher> RecordCipher for AeadRecordCipher<A> {
    // catalogue: RFC6655-3-1, RFC6655-3-2
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
