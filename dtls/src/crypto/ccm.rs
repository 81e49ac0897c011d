//! AES-CCM (RFC 3610, NIST SP 800-38C) with 12-byte nonces (L = 3) and 8- or 16-byte tags, as
//! the TLS CCM suites use it (RFC 6655), over any [`BlockEncrypt`].
//!
//! CCM is a CBC-MAC over the plaintext and a CTR encryption of it. The MAC chain is
//! sequential, but every counter block is independent, so each MAC step is issued together
//! with one counter block in a single [`BlockPass::encrypt_pair`] call: a bitsliced AES
//! computes both for about the cost of one, which nearly halves the work of a record on a
//! Cortex-M (notes/cortex-m-crypto-costs.md). The counter runs one block ahead of the MAC, so
//! opening has the keystream of a block before the MAC needs that block's plaintext.
//!
//! Constant time: the work depends only on the lengths of the data and the associated data;
//! the tag is compared with [`subtle::ConstantTimeEq`]; a record that fails is zeroed.

use subtle::ConstantTimeEq;

use super::CryptoError;
use super::aead::{AEAD_NONCE_LEN, AES_BLOCK_LEN, AeadCipher, Block, BlockEncrypt, BlockPair, BlockPass};

/// Bytes of the length field, `L` (15 - nonce length).
const L: usize = 15 - AEAD_NONCE_LEN;
/// Longest message with a 3-byte length field.
const MAX_DATA_LEN: usize = (1 << (8 * L)) - 1;

/// AES-CCM with its key expanded.
pub struct Ccm<B> {
    cipher: B,
    tag_len: usize,
}

impl<B> core::fmt::Debug for Ccm<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ccm")
            .field("tag_len", &self.tag_len)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Seal,
    Open,
}

impl<B: BlockEncrypt> Ccm<B> {
    /// CCM over `cipher` with a `tag_len`-byte tag (an even number from 4 to 16; the TLS
    /// suites use 8 and 16).
    pub fn new(cipher: B, tag_len: usize) -> Result<Self, CryptoError> {
        if !(4..=16).contains(&tag_len) || !tag_len.is_multiple_of(2) {
            return Err(CryptoError::Unsupported);
        }
        Ok(Ccm { cipher, tag_len })
    }

    /// The block cipher underneath.
    pub fn cipher(&self) -> &B {
        &self.cipher
    }

    /// Counter block `A_0`: flags (L - 1), nonce, a zero 3-byte counter. `A_i` and `B_0`
    /// differ from it only in the flags and the last three bytes.
    fn counter_zero(nonce: &[u8; AEAD_NONCE_LEN]) -> Block {
        let mut a = [0u8; AES_BLOCK_LEN];
        let (flags, rest) = a.split_at_mut(1);
        flags.copy_from_slice(&[(L - 1) as u8]);
        if let Some(n) = rest.get_mut(..AEAD_NONCE_LEN) {
            n.copy_from_slice(nonce);
        }
        a
    }

    /// `base` with its last three bytes set to `value`, big-endian: the counter of `A_i`, the
    /// message length of `B_0`.
    fn with_tail(mut base: Block, value: u32) -> Block {
        let [_, v0, v1, v2] = value.to_be_bytes();
        if let Some(tail) = base.get_mut(AES_BLOCK_LEN - L..) {
            tail.copy_from_slice(&[v0, v1, v2]);
        }
        base
    }

    /// Runs CCM in either direction over `data` in place; returns the full-width tag
    /// (CBC-MAC xor `S_0`), of which the first `tag_len` bytes are sent.
    fn run(
        &self,
        dir: Direction,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<Block, CryptoError> {
        if data.len() > MAX_DATA_LEN || aad.len() > u32::MAX as usize {
            return Err(CryptoError::BadLength);
        }
        // A `pass` that never runs its closure (a faulty hardware binding) must not look
        // like a record sealed under a zero tag.
        let mut tag = None;
        self.cipher
            .pass(&mut |pass| tag = Some(self.run_pass(pass, dir, nonce, aad, data)));
        tag.ok_or(CryptoError::Unsupported)
    }

    /// [`run`](Self::run) inside one pass of the block cipher, on lengths it has checked.
    fn run_pass(
        &self,
        pass: &dyn BlockPass,
        dir: Direction,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
    ) -> Block {
        let a0 = Self::counter_zero(nonce);
        // Counter items, one per MAC step from the last AAD step on: A_1 .. A_n, then A_0
        // (S_0 masks the tag).
        let total_counters = data.len().div_ceil(AES_BLOCK_LEN) + 1;
        let mut next_counter = 0usize;
        let mut counter_item = || -> Block {
            next_counter += 1;
            let i = if next_counter == total_counters {
                0
            } else {
                next_counter
            };
            Self::with_tail(a0, i as u32)
        };

        // st.0[0] is the CBC-MAC chain, st.0[1] the counter block encrypted beside it: after each
        // step, the keystream of the next data block (after the last, S_0).
        let mut b0 = Self::with_tail(a0, data.len() as u32);
        if let Some(flags) = b0.first_mut() {
            *flags =
                (u8::from(!aad.is_empty()) << 6) | ((((self.tag_len - 2) / 2) as u8) << 3) | (L - 1) as u8;
        }
        let mut st = BlockPair([b0, [0u8; AES_BLOCK_LEN]]);

        if aad.is_empty() {
            // Step 0: B_0, paired with the first counter item.
            st.0[1] = counter_item();
            pass.encrypt_pair(&mut st);
        } else {
            pass.encrypt_block(&mut st.0[0]);
            // The associated data, length-prefixed (RFC 3610 2.2) and zero-padded: the prefix
            // and as much of the data as fits make the first block; zero padding is a no-op
            // in a xor, so each block is xored in as far as it goes.
            let mut prefix = [0u8; 6];
            let prefix_len = if aad.len() < 0xFF00 {
                if let Some(p) = prefix.get_mut(..2) {
                    p.copy_from_slice(&(aad.len() as u16).to_be_bytes());
                }
                2
            } else {
                let [a0, a1, a2, a3] = (aad.len() as u32).to_be_bytes();
                prefix = [0xFF, 0xFE, a0, a1, a2, a3];
                6
            };
            let (head, tail) = aad.split_at(aad.len().min(AES_BLOCK_LEN - prefix_len));
            let (x_prefix, x_head) = st.0[0].split_at_mut(prefix_len);
            xor_into(x_prefix, &prefix);
            xor_into(x_head, head);
            for chunk in tail.chunks(AES_BLOCK_LEN) {
                pass.encrypt_block(&mut st.0[0]);
                xor_into(&mut st.0[0], chunk);
            }
            // The last AAD step, paired with the first counter item.
            st.0[1] = counter_item();
            pass.encrypt_pair(&mut st);
        }

        for chunk in data.chunks_mut(AES_BLOCK_LEN) {
            // st.0[1] is this block's keystream S_i, computed in the previous step.
            let [x, s] = &mut st.0;
            if let Ok(block) = <&mut Block>::try_from(&mut *chunk) {
                // Whole blocks as words: a byte loop here costs as much as a table AES round.
                let k = u128::from_ne_bytes(*s);
                let input = u128::from_ne_bytes(*block);
                let (plain, output) = match dir {
                    Direction::Seal => (input, input ^ k),
                    Direction::Open => (input ^ k, input ^ k),
                };
                *x = (u128::from_ne_bytes(*x) ^ plain).to_ne_bytes();
                *block = output.to_ne_bytes();
            } else {
                // The last, partial block: the MAC takes the plaintext, zero-padded.
                if dir == Direction::Open {
                    xor_into(chunk, s);
                }
                xor_into(x, chunk);
                if dir == Direction::Seal {
                    xor_into(chunk, s);
                }
            }
            st.0[1] = counter_item();
            pass.encrypt_pair(&mut st);
        }
        // After the last step st.0[1] is S_0.
        let [x, s0] = &mut st.0;
        xor_into(x, s0);
        *x
    }
}

/// `acc[i] ^= bytes[i]` over the shorter of the two; a whole block at once as a word.
fn xor_into(acc: &mut [u8], bytes: &[u8]) {
    if let (Ok(a), Ok(b)) = (<&mut Block>::try_from(&mut *acc), <&Block>::try_from(bytes)) {
        *a = (u128::from_ne_bytes(*a) ^ u128::from_ne_bytes(*b)).to_ne_bytes();
    } else {
        for (a, b) in acc.iter_mut().zip(bytes) {
            *a ^= b;
        }
    }
}

impl<B: BlockEncrypt> AeadCipher for Ccm<B> {
    fn tag_len(&self) -> usize {
        self.tag_len
    }

    fn seal_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &mut [u8],
    ) -> Result<(), CryptoError> {
        if tag.len() != self.tag_len {
            return Err(CryptoError::BadLength);
        }
        let t = self.run(Direction::Seal, nonce, aad, data)?;
        // The two lengths the TLS suites use as fixed-size copies: a copy of run-time length is
        // a call to a byte-wise memcpy on a Cortex-M.
        if let (Ok(out), Some(t8)) = (<&mut [u8; 8]>::try_from(&mut *tag), t.first_chunk::<8>()) {
            *out = *t8;
        } else if let Ok(out) = <&mut [u8; 16]>::try_from(&mut *tag) {
            *out = t;
        } else {
            tag.copy_from_slice(t.get(..self.tag_len).ok_or(CryptoError::BadLength)?);
        }
        Ok(())
    }

    fn open_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError> {
        if tag.len() != self.tag_len {
            return Err(CryptoError::BadRecordMac);
        }
        let t = self.run(Direction::Open, nonce, aad, data)?;
        let expected = t.get(..self.tag_len).ok_or(CryptoError::BadRecordMac)?;
        if bool::from(expected.ct_eq(tag)) {
            Ok(())
        } else {
            data.fill(0);
            Err(CryptoError::BadRecordMac)
        }
    }
}
