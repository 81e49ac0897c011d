//! The TLS CBC record construction (RFC 5246 6.2.3.2 MAC-then-encrypt, RFC 7366
//! encrypt-then-MAC), generic over two small primitives so any provider can reuse it: a
//! 16-byte block cipher in CBC mode ([`CbcBlockCipher`]) and a keyed HMAC ([`RecordMac`]).
//!
//! # Constant-time opening (MAC-then-encrypt)
//!
//! A MAC-then-encrypt record hides its padding length under the encryption, and the classic
//! padding-oracle and Lucky Thirteen attacks (AlFardan and Paterson, 2013) recover plaintext
//! from *how long* or *how differently* a receiver fails. [`CbcRecordCipher::open`] therefore:
//!
//! - rejects only on public facts before decrypting (fragment shorter than
//!   [`RecordCipher::min_fragment_len`], ciphertext not a whole number of blocks);
//! - never exits early on the padding: the padding bytes are checked with a branch-free scan over
//!   the last `min(256, len)` bytes, the outcome kept in a [`subtle::Choice`];
//! - on bad padding, goes on as if the padding were empty (RFC 5246's advice) so a MAC is still
//!   computed and compared;
//! - equalises the number of hash compression-function calls: after the real HMAC over the
//!   secret-length plaintext it asks the MAC for as many dummy compressions as the longest
//!   possible plaintext (zero padding) would have needed more, so real plus dummy work is the same
//!   for every padding length. Block counts are computed with shifts, not divisions (division
//!   time is data dependent on some cores, e.g. the Cortex-M `UDIV`);
//! - reads the received MAC, whose position depends on the secret padding length, with a
//!   branch-free scan and rotation over every position it could occupy (no secret-dependent
//!   memory index), and compares it with [`subtle::ConstantTimeEq`];
//! - answers every failure with the same [`CryptoError::BadRecordMac`] after the same work, and
//!   zeroes the decrypted bytes of a rejected record.
//!
//! Limits: the real and the dummy compressions are issued from two different call sites, so the
//! point where real work stops and dummy work starts still depends on the padding length (the
//! total does not); the HMAC implementation copies the secret-length input into its block
//! buffer, a per-byte cost that is small next to a compression but not zero; the timing of the
//! primitive itself (a table-based AES, say) is the provider's business. A fully constant-time
//! MAC needs access to the raw compression function (as OpenSSL's `ssl3_cbc_digest_record`
//! does); encrypt-then-MAC (RFC 7366) or an AEAD suite avoids the issue entirely and should be
//! preferred.

use core::fmt;
use core::ops::Range;

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq, ConstantTimeGreater, ConstantTimeLess};

use super::{CryptoError, ExplicitNonce, MAX_HASH_LEN, RecordAad, RecordCipher};

/// The block size of the ciphers this construction supports (AES).
pub const BLOCK_LEN: usize = 16;

/// The explicit IV in front of every CBC record (TLS 1.1 and later).
pub const IV_LEN: usize = BLOCK_LEN;

/// Largest ciphertext (IV excluded) this construction accepts; the MAC's length field is 16 bits.
const MAX_BODY_LEN: usize = u16::MAX as usize;

/// A 16-byte block cipher with its key expanded, used in CBC mode.
pub trait CbcBlockCipher: fmt::Debug + Send + Sync {
    /// Encrypts `data` in place in CBC mode starting from `iv`. `data.len()` is a multiple of
    /// [`BLOCK_LEN`] (the construction guarantees it).
    fn encrypt_cbc(&self, iv: &[u8; BLOCK_LEN], data: &mut [u8]);
    /// Decrypts `data` in place in CBC mode starting from `iv`. `data.len()` is a multiple of
    /// [`BLOCK_LEN`].
    fn decrypt_cbc(&self, iv: &[u8; BLOCK_LEN], data: &mut [u8]);
}

/// A keyed HMAC for record protection, with what the constant-time open needs to know about
/// the underlying Merkle-Damgård hash.
pub trait RecordMac: fmt::Debug + Send + Sync {
    /// Tag length in bytes (at most [`MAX_HASH_LEN`]).
    fn output_len(&self) -> usize;
    /// The hash's block length in bytes (64 for SHA-1 and SHA-256). Must be a power of two.
    fn hash_block_len(&self) -> usize;
    /// Bytes of the hash's length field in its final padding (8 for SHA-1 and SHA-256).
    fn hash_length_field_len(&self) -> usize;
    /// Computes the HMAC of the concatenation of `parts` into `out[..output_len()]`.
    fn mac(&self, parts: &[&[u8]], out: &mut [u8; MAX_HASH_LEN]);
    /// Runs the hash compression function `blocks` times on throwaway state, costing what
    /// `blocks` more blocks of real input would cost.
    fn dummy_compressions(&self, blocks: usize);
}

/// A CBC record cipher for one direction of one epoch (AES-CBC with HMAC, MAC-then-encrypt or
/// encrypt-then-MAC).
pub struct CbcRecordCipher<C, M> {
    cipher: C,
    mac: M,
    encrypt_then_mac: bool,
    mac_len: usize,
    block_shift: u32,
}

impl<C, M> fmt::Debug for CbcRecordCipher<C, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CbcRecordCipher")
            .field("encrypt_then_mac", &self.encrypt_then_mac)
            .field("mac_len", &self.mac_len)
            .finish_non_exhaustive()
    }
}

impl<C: CbcBlockCipher, M: RecordMac> CbcRecordCipher<C, M> {
    /// Combines a keyed block cipher and a keyed MAC. Fails with [`CryptoError::Unsupported`]
    /// if the MAC's parameters are out of range (tag longer than [`MAX_HASH_LEN`] or empty, hash
    /// block length not a power of two).
    pub fn new(cipher: C, mac: M, encrypt_then_mac: bool) -> Result<Self, CryptoError> {
        let mac_len = mac.output_len();
        let block = mac.hash_block_len();
        if mac_len == 0 || mac_len > MAX_HASH_LEN || !block.is_power_of_two() {
            return Err(CryptoError::Unsupported);
        }
        Ok(Self {
            cipher,
            mac,
            encrypt_then_mac,
            mac_len,
            block_shift: block.trailing_zeros(),
        })
    }

    /// The block cipher.
    pub fn cipher(&self) -> &C {
        &self.cipher
    }

    /// The MAC.
    pub fn mac(&self) -> &M {
        &self.mac
    }

    /// Number of compression-function calls the inner hash makes on `len` bytes of record
    /// input after the key block (header included in `len`). Uses a shift, never a division.
    fn inner_blocks(&self, len: usize) -> usize {
        let block = 1usize << self.block_shift;
        (len + 1 + self.mac.hash_length_field_len() + block - 1) >> self.block_shift
    }

    fn seal_mte(&self, aad: &RecordAad, buf: &mut [u8], plaintext_len: usize) -> Result<usize, CryptoError> {
        let body_len = plaintext_len + self.mac_len;
        let pad_total = BLOCK_LEN - body_len % BLOCK_LEN; // 1..=16, the length byte included
        let body_len = body_len + pad_total;
        if body_len > MAX_BODY_LEN || plaintext_len > MAX_BODY_LEN {
            return Err(CryptoError::BadLength);
        }
        let total = IV_LEN + body_len;
        let buf = buf.get_mut(..total).ok_or(CryptoError::BadLength)?;
        let (iv, body) = buf.split_at_mut(IV_LEN);
        let (plain, rest) = body.split_at_mut(plaintext_len);
        let (mac_out, padding) = rest.split_at_mut(self.mac_len);

        let mut tag = [0u8; MAX_HASH_LEN];
        let header = aad.bytes(u16::try_from(plaintext_len).map_err(|_| CryptoError::BadLength)?);
        self.mac.mac(&[&header, plain], &mut tag);
        mac_out.copy_from_slice(tag.get(..self.mac_len).ok_or(CryptoError::BadLength)?);
        // catalogue: RFC5246-6.2.3.2-2
        padding.fill(u8::try_from(pad_total - 1).map_err(|_| CryptoError::BadLength)?);

        let iv: [u8; BLOCK_LEN] = (&*iv).try_into().map_err(|_| CryptoError::BadLength)?;
        self.cipher.encrypt_cbc(&iv, body);
        Ok(total)
    }

    fn seal_etm(&self, aad: &RecordAad, buf: &mut [u8], plaintext_len: usize) -> Result<usize, CryptoError> {
        let pad_total = BLOCK_LEN - plaintext_len % BLOCK_LEN;
        let body_len = plaintext_len + pad_total;
        if body_len + IV_LEN > MAX_BODY_LEN {
            return Err(CryptoError::BadLength);
        }
        let ct_len = IV_LEN + body_len;
        let total = ct_len + self.mac_len;
        let buf = buf.get_mut(..total).ok_or(CryptoError::BadLength)?;
        let (ct, mac_out) = buf.split_at_mut(ct_len);
        {
            let (iv, body) = ct.split_at_mut(IV_LEN);
            let padding = body.get_mut(plaintext_len..).ok_or(CryptoError::BadLength)?;
            padding.fill(u8::try_from(pad_total - 1).map_err(|_| CryptoError::BadLength)?);
            let iv: [u8; BLOCK_LEN] = (&*iv).try_into().map_err(|_| CryptoError::BadLength)?;
            self.cipher.encrypt_cbc(&iv, body);
        }
        let header = aad.bytes(u16::try_from(ct_len).map_err(|_| CryptoError::BadLength)?);
        let mut tag = [0u8; MAX_HASH_LEN];
        self.mac.mac(&[&header, ct], &mut tag);
        mac_out.copy_from_slice(tag.get(..self.mac_len).ok_or(CryptoError::BadLength)?);
        Ok(total)
    }

    // Constant time, and bad padding fails exactly like a bad MAC (see the module docs).
    // catalogue: RFC5246-6.2.3.2-3, RFC5246-6.2.3.2-4
    fn open_mte(&self, aad: &RecordAad, fragment: &mut [u8]) -> Result<Range<usize>, CryptoError> {
        let (iv, body) = fragment.split_at_mut(IV_LEN);
        if body.len() % BLOCK_LEN != 0 {
            return Err(CryptoError::BadRecordMac);
        }
        let iv: [u8; BLOCK_LEN] = (&*iv).try_into().map_err(|_| CryptoError::BadLength)?;
        self.cipher.decrypt_cbc(&iv, body);

        let n = body.len();
        let mac_len = self.mac_len;
        // All length arithmetic below is on u32 so subtle's comparisons apply; n <= 65535.
        let n32 = u32::try_from(n).map_err(|_| CryptoError::BadLength)?;
        let mac32 = u32::try_from(mac_len).map_err(|_| CryptoError::BadLength)?;
        let Some(&last) = body.last() else {
            return Err(CryptoError::BadLength);
        };
        let pad = u32::from(last);

        // The padding (pad bytes + the length byte) and the MAC must fit.
        let mut good: Choice = !(pad + 1 + mac32).ct_gt(&n32);
        // Every one of the pad + 1 trailing bytes must equal `pad`; scan the largest possible
        // padding so the work does not depend on `pad`.
        let scan = n.min(256);
        for i in 0..scan {
            let byte = body.get(n - 1 - i).copied().unwrap_or(0);
            let i32_ = u32::try_from(i).unwrap_or(u32::MAX);
            let in_padding = i32_.ct_lt(&(pad + 1));
            let matches = byte.ct_eq(&last);
            good &= !in_padding | matches;
        }
        // With bad padding, carry on as if there were none.
        let pad_eff = u32::conditional_select(&0, &pad, good);
        // Cannot underflow: good => pad + 1 + mac <= n; bad => 1 + mac <= n (min_fragment_len).
        let plain32 = n32 - pad_eff - 1 - mac32;
        let plain_len = plain32 as usize;
        let max_plain = n - 1 - mac_len;

        // The MAC over the secret-length plaintext, then dummy compressions up to the count the
        // longest possible plaintext would need.
        let header = aad.bytes(u16::try_from(plain32).unwrap_or(0));
        let mut computed = [0u8; MAX_HASH_LEN];
        {
            let plain = body.get(..plain_len).unwrap_or(&[]);
            self.mac.mac(&[&header, plain], &mut computed);
        }
        let dummy = self.inner_blocks(header.len() + max_plain) - self.inner_blocks(header.len() + plain_len);
        self.mac.dummy_compressions(dummy);

        // Gather the received MAC, at body[plain_len..plain_len + mac_len], without indexing by
        // the secret offset: accumulate every candidate byte into a rotated copy, then undo the
        // rotation with a branch-free selection.
        let scan_start = max_plain.saturating_sub(255);
        let mut rotated = [0u8; MAX_HASH_LEN];
        let mut rotation = 0u32;
        let mut j = 0usize;
        let mac_end32 = plain32 + mac32;
        for i in scan_start..n - 1 {
            let i32_ = u32::try_from(i).unwrap_or(u32::MAX);
            let j32 = u32::try_from(j).unwrap_or(0);
            rotation.conditional_assign(&j32, i32_.ct_eq(&plain32));
            let in_mac = !i32_.ct_lt(&plain32) & i32_.ct_lt(&mac_end32);
            let byte = body.get(i).copied().unwrap_or(0);
            if let Some(slot) = rotated.get_mut(j) {
                *slot |= u8::conditional_select(&0, &byte, in_mac);
            }
            j += 1;
            if j == mac_len {
                j = 0;
            }
        }
        let mut received = [0u8; MAX_HASH_LEN];
        for (k, out) in received.iter_mut().take(mac_len).enumerate() {
            let k32 = u32::try_from(k).unwrap_or(0);
            let idx = rotation + k32;
            let idx = u32::conditional_select(&idx, &idx.wrapping_sub(mac32), !idx.ct_lt(&mac32));
            for (m, &b) in rotated.iter().take(mac_len).enumerate() {
                let m32 = u32::try_from(m).unwrap_or(u32::MAX);
                *out |= u8::conditional_select(&0, &b, m32.ct_eq(&idx));
            }
        }

        let tags_equal = computed
            .get(..mac_len)
            .unwrap_or(&[])
            .ct_eq(received.get(..mac_len).unwrap_or(&[1]));
        good &= tags_equal;

        if bool::from(good) {
            Ok(IV_LEN..IV_LEN + plain_len)
        } else {
            body.fill(0);
            Err(CryptoError::BadRecordMac)
        }
    }

    fn open_etm(&self, aad: &RecordAad, fragment: &mut [u8]) -> Result<Range<usize>, CryptoError> {
        let ct_len = fragment.len() - self.mac_len;
        if !(ct_len - IV_LEN).is_multiple_of(BLOCK_LEN) {
            return Err(CryptoError::BadRecordMac);
        }
        let (ct, received) = fragment.split_at_mut(ct_len);
        let header = aad.bytes(u16::try_from(ct_len).map_err(|_| CryptoError::BadLength)?);
        let mut computed = [0u8; MAX_HASH_LEN];
        self.mac.mac(&[&header, ct], &mut computed);
        let tags_equal = computed.get(..self.mac_len).unwrap_or(&[]).ct_eq(received);
        if !bool::from(tags_equal) {
            return Err(CryptoError::BadRecordMac);
        }

        // Authenticated: what follows cannot be an oracle, but stays branch-free anyway.
        let (iv, body) = ct.split_at_mut(IV_LEN);
        let iv: [u8; BLOCK_LEN] = (&*iv).try_into().map_err(|_| CryptoError::BadLength)?;
        self.cipher.decrypt_cbc(&iv, body);
        let n = body.len();
        let Some(&last) = body.last() else {
            return Err(CryptoError::BadRecordMac);
        };
        let pad = usize::from(last);
        let mut good = Choice::from(u8::from(pad < n));
        for i in 0..n.min(256) {
            let byte = body.get(n - 1 - i).copied().unwrap_or(0);
            let in_padding = Choice::from(u8::from(i <= pad));
            good &= !in_padding | byte.ct_eq(&last);
        }
        if bool::from(good) {
            Ok(IV_LEN..IV_LEN + n - pad - 1)
        } else {
            body.fill(0);
            Err(CryptoError::BadRecordMac)
        }
    }
}

impl<C: CbcBlockCipher, M: RecordMac> RecordCipher for CbcRecordCipher<C, M> {
    // A fresh random IV for every record (filled in by the record layer).
    // catalogue: RFC5246-6.2.3.2-1
    fn explicit_nonce(&self) -> ExplicitNonce {
        ExplicitNonce::RandomIv(IV_LEN)
    }

    fn prefix_len(&self) -> usize {
        IV_LEN
    }

    fn max_suffix_len(&self) -> usize {
        // MAC plus at most one block of padding (length byte included).
        self.mac_len + BLOCK_LEN
    }

    fn min_fragment_len(&self) -> usize {
        if self.encrypt_then_mac {
            IV_LEN + BLOCK_LEN + self.mac_len
        } else {
            let mac_and_len_byte = (self.mac_len + 1).div_ceil(BLOCK_LEN) * BLOCK_LEN;
            IV_LEN + mac_and_len_byte.max(BLOCK_LEN)
        }
    }

    fn seal(&self, aad: &RecordAad, buf: &mut [u8], plaintext_len: usize) -> Result<usize, CryptoError> {
        if self.encrypt_then_mac {
            self.seal_etm(aad, buf, plaintext_len)
        } else {
            self.seal_mte(aad, buf, plaintext_len)
        }
    }

    fn open(&self, aad: &RecordAad, fragment: &mut [u8]) -> Result<Range<usize>, CryptoError> {
        if fragment.len() < self.min_fragment_len() {
            return Err(CryptoError::BadLength);
        }
        if fragment.len() > IV_LEN + MAX_BODY_LEN {
            return Err(CryptoError::BadLength);
        }
        if self.encrypt_then_mac {
            self.open_etm(aad, fragment)
        } else {
            self.open_mte(aad, fragment)
        }
    }
}
