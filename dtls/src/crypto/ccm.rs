//! AES-CCM (RFC 3610, NIST SP 800-38C) with 12-byte nonces (L = 3) and 8- or 16-byte tags, as
//! the TLS CCM suites use it (RFC 6655), over any [`BlockEncrypt`].
//!
//! CCM is a CBC-MAC over the plaintext and a CTR encryption of it. The MAC chain is
//! sequential, but every counter block is independent, so each MAC step is issued together
//! with one counter block in a single [`BlockEncrypt::encrypt_two`] call: a bitsliced AES
//! computes both for about the cost of one, which nearly halves the work of a record on a
//! Cortex-M (notes/cortex-m-crypto-costs.md). The counter runs one block ahead of the MAC, so
//! opening has the keystream of a block before the MAC needs that block's plaintext.
//!
//! Constant time: the work depends only on the lengths of the data and the associated data;
//! the tag is compared with [`subtle::ConstantTimeEq`]; a record that fails is zeroed.

use subtle::ConstantTimeEq;

use super::CryptoError;
use super::aead::{AEAD_NONCE_LEN, AES_BLOCK_LEN, AeadCipher, Block, BlockEncrypt, BlockPass};

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
        if !(4..=16).contains(&tag_len) || tag_len % 2 != 0 {
            return Err(CryptoError::Unsupported);
        }
        Ok(Ccm { cipher, tag_len })
    }

    /// The block cipher underneath.
    pub fn cipher(&self) -> &B {
        &self.cipher
    }

    /// Counter block `A_i`: flags (L - 1), nonce, 3-byte big-endian counter.
    fn counter(nonce: &[u8; AEAD_NONCE_LEN], i: u32) -> Block {
        let mut a = [0u8; AES_BLOCK_LEN];
        let (flags, rest) = a.split_at_mut(1);
        let (n, ctr) = rest.split_at_mut(AEAD_NONCE_LEN);
        flags.copy_from_slice(&[(L - 1) as u8]);
        n.copy_from_slice(nonce);
        let [_, c0, c1, c2] = i.to_be_bytes();
        ctr.copy_from_slice(&[c0, c1, c2]);
        a
    }

    /// `B_0`: flags (Adata, tag length, L - 1), nonce, 3-byte message length.
    fn b0(&self, nonce: &[u8; AEAD_NONCE_LEN], has_aad: bool, len: usize) -> Block {
        let mut b = Self::counter(nonce, 0);
        let flags = (u8::from(has_aad) << 6) | ((((self.tag_len - 2) / 2) as u8) << 3) | (L - 1) as u8;
        let [_, l0, l1, l2] = (len as u32).to_be_bytes();
        if let Some((f, rest)) = b.split_first_mut()
            && let Some(tail) = rest.get_mut(AES_BLOCK_LEN - 1 - L..)
        {
            *f = flags;
            tail.copy_from_slice(&[l0, l1, l2]);
        }
        b
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
        let mut result = Err(CryptoError::BadLength);
        self.cipher
            .pass(&mut |pass| result = self.run_pass(pass, dir, nonce, aad, data));
        result
    }

    /// [`run`](Self::run) inside one pass of the block cipher.
    fn run_pass(
        &self,
        pass: &dyn BlockPass,
        dir: Direction,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<Block, CryptoError> {
        let data_blocks = data.len().div_ceil(AES_BLOCK_LEN);
        // Counter items, one per MAC step from the last AAD step on: A_1 .. A_n, then A_0
        // (S_0 masks the tag).
        let total_counters = data_blocks + 1;
        let mut next_counter = 0usize;
        let counter_item = |k: usize| -> Block {
            let i = if k + 1 == total_counters { 0 } else { k + 1 };
            Self::counter(nonce, i as u32)
        };

        let mut x = self.b0(nonce, !aad.is_empty(), data.len());
        let mut pending = [0u8; AES_BLOCK_LEN];

        // The associated data, length-prefixed (RFC 3610 2.2) and zero-padded, block by block.
        let mut prefix = [0u8; 6];
        let prefix_len = if aad.is_empty() {
            0
        } else if aad.len() < 0xFF00 {
            prefix
                .get_mut(..2)
                .ok_or(CryptoError::BadLength)?
                .copy_from_slice(&(aad.len() as u16).to_be_bytes());
            2
        } else {
            let [a0, a1, a2, a3] = (aad.len() as u32).to_be_bytes();
            prefix = [0xFF, 0xFE, a0, a1, a2, a3];
            6
        };
        let aad_blocks = (prefix_len + aad.len()).div_ceil(AES_BLOCK_LEN);

        // Step 0: B_0, paired with the first counter item when there is no AAD.
        if aad_blocks == 0 {
            pending = counter_item(next_counter);
            next_counter += 1;
            pass.encrypt_two(&mut x, &mut pending);
        } else {
            pass.encrypt_block(&mut x);
        }

        let mut rest = aad;
        let mut head = prefix.get(..prefix_len).unwrap_or(&[]);
        for t in 1..=aad_blocks {
            let mut block = [0u8; AES_BLOCK_LEN];
            let mut fill = 0;
            let take = head.len().min(AES_BLOCK_LEN);
            let (h, h_rest) = head.split_at(take);
            if let Some(dst) = block.get_mut(..take) {
                dst.copy_from_slice(h);
            }
            fill += take;
            head = h_rest;
            let take = rest.len().min(AES_BLOCK_LEN - fill);
            let (r, r_rest) = rest.split_at(take);
            if let Some(dst) = block.get_mut(fill..fill + take) {
                dst.copy_from_slice(r);
            }
            rest = r_rest;
            xor(&mut x, &block);
            if t == aad_blocks {
                pending = counter_item(next_counter);
                next_counter += 1;
                pass.encrypt_two(&mut x, &mut pending);
            } else {
                pass.encrypt_block(&mut x);
            }
        }

        for chunk in data.chunks_mut(AES_BLOCK_LEN) {
            // `pending` is this block's keystream S_i, computed in the previous step.
            if let Ok(block) = <&mut Block>::try_from(&mut *chunk) {
                // Whole blocks as words: a byte loop here costs as much as a table AES round.
                let k = u128::from_ne_bytes(pending);
                let input = u128::from_ne_bytes(*block);
                let (plain, output) = match dir {
                    Direction::Seal => (input, input ^ k),
                    Direction::Open => (input ^ k, input ^ k),
                };
                x = (u128::from_ne_bytes(x) ^ plain).to_ne_bytes();
                *block = output.to_ne_bytes();
            } else {
                let mut plain = [0u8; AES_BLOCK_LEN];
                if dir == Direction::Open {
                    for (c, s) in chunk.iter_mut().zip(&pending) {
                        *c ^= s;
                    }
                }
                if let Some(dst) = plain.get_mut(..chunk.len()) {
                    dst.copy_from_slice(chunk);
                }
                xor(&mut x, &plain);
                if dir == Direction::Seal {
                    for (c, s) in chunk.iter_mut().zip(&pending) {
                        *c ^= s;
                    }
                }
            }
            pending = counter_item(next_counter);
            next_counter += 1;
            pass.encrypt_two(&mut x, &mut pending);
        }
        // After the last step `pending` is S_0.
        xor(&mut x, &pending);
        Ok(x)
    }
}

fn xor(acc: &mut Block, other: &Block) {
    *acc = (u128::from_ne_bytes(*acc) ^ u128::from_ne_bytes(*other)).to_ne_bytes();
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
        tag.copy_from_slice(t.get(..self.tag_len).ok_or(CryptoError::BadLength)?);
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
