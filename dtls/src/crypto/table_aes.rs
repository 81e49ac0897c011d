//! Table-based AES (FIPS-197 with one 1 KiB round table and the S-box) for microcontrollers
//! without a data cache, opt-in through [`TableAesProvider`].
//!
//! # Not constant time on cached cores
//!
//! Every round looks up tables at addresses that depend on the key and the data. On a core
//! with a data cache (Cortex-M7, application processors, any server) the cache state after an
//! encryption leaks those addresses to anyone who can time memory accesses, and cache-timing
//! attacks recover AES keys from table implementations in practice (Bernstein 2005; Osvik,
//! Shamir and Tromer 2006). On a core whose SRAM and flash are read in constant time with no
//! data cache (Cortex-M0/M0+/M3/M4 with plain SRAM, no flash accelerator cache in the path)
//! a lookup costs the same whatever its address, which is the setting this is for. The default
//! provider ([`rustcrypto`](super::rustcrypto), fixsliced AES) is constant time everywhere;
//! use this one only after checking the memory system of the part.
//!
//! Only the encryption direction is here: CCM (the suites constrained devices use, RFC 7925)
//! never decrypts a block. GCM and CBC stay on the fallback provider's constant-time AES.

// Every table index below is a byte (`as u8 as usize` or `>> 24`) into a 256-entry table, or a
// round number bounded by the key size: indexing cannot go out of bounds, and `get` in the
// inner loop would cost a compare and branch per lookup on the hot path.
#![allow(clippy::indexing_slicing)]

use alloc::boxed::Box;

use zeroize::Zeroize;

use super::CryptoError;
use super::aead::{Block, BlockEncrypt};
use super::hardware::AesHardware;

const fn xtime(x: u8) -> u8 {
    (x << 1) ^ if x & 0x80 != 0 { 0x1B } else { 0 }
}

/// The AES S-box, computed at compile time: the multiplicative inverse in GF(2^8) followed by
/// the affine map of FIPS-197 5.1.1 (walking 3^i and its inverse 3^-i together).
const fn make_sbox() -> [u8; 256] {
    let mut sbox = [0u8; 256];
    let mut p: u8 = 1;
    let mut q: u8 = 1;
    loop {
        // p *= 3
        p = p ^ xtime(p);
        // q /= 3
        q ^= q << 1;
        q ^= q << 2;
        q ^= q << 4;
        if q & 0x80 != 0 {
            q ^= 0x09;
        }
        let x = q ^ q.rotate_left(1) ^ q.rotate_left(2) ^ q.rotate_left(3) ^ q.rotate_left(4);
        sbox[p as usize] = x ^ 0x63;
        if p == 1 {
            break;
        }
    }
    sbox[0] = 0x63;
    sbox
}

const SBOX: [u8; 256] = make_sbox();

/// `TE[x]` = the MixColumns column of S(x): bytes (2·S, S, S, 3·S), big-endian. The other three
/// classic tables are its rotations, which the Cortex-M barrel shifter applies for free.
const fn make_te() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let s = SBOX[i];
        let s2 = xtime(s);
        let s3 = s2 ^ s;
        t[i] = (s2 as u32) << 24 | (s as u32) << 16 | (s as u32) << 8 | s3 as u32;
        i += 1;
    }
    t
}

const TE: [u32; 256] = make_te();

const RCON: [u32; 10] = [
    0x0100_0000,
    0x0200_0000,
    0x0400_0000,
    0x0800_0000,
    0x1000_0000,
    0x2000_0000,
    0x4000_0000,
    0x8000_0000,
    0x1B00_0000,
    0x3600_0000,
];

fn sub_word(w: u32) -> u32 {
    let [a, b, c, d] = w.to_be_bytes();
    u32::from_be_bytes([
        SBOX[a as usize],
        SBOX[b as usize],
        SBOX[c as usize],
        SBOX[d as usize],
    ])
}

/// An expanded AES-128 or AES-256 encryption key; zeroized on drop.
pub struct TableAes {
    rk: [u32; 60],
    rounds: usize,
}

impl core::fmt::Debug for TableAes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TableAes")
            .field("rounds", &self.rounds)
            .finish_non_exhaustive()
    }
}

impl Drop for TableAes {
    fn drop(&mut self) {
        self.rk.zeroize();
    }
}

impl TableAes {
    /// Expands a 16- or 32-byte key (FIPS-197 5.2).
    pub fn new(key: &[u8]) -> Result<Self, CryptoError> {
        let nk = match key.len() {
            16 => 4,
            32 => 8,
            _ => return Err(CryptoError::InvalidKey),
        };
        let rounds = nk + 6;
        let mut rk = [0u32; 60];
        for (w, chunk) in rk.iter_mut().zip(key.chunks_exact(4)) {
            *w = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        for i in nk..4 * (rounds + 1) {
            let mut t = rk[i - 1];
            if i % nk == 0 {
                t = sub_word(t.rotate_left(8)) ^ RCON[i / nk - 1];
            } else if nk == 8 && i % nk == 4 {
                t = sub_word(t);
            }
            rk[i] = rk[i - nk] ^ t;
        }
        Ok(TableAes { rk, rounds })
    }
}

impl BlockEncrypt for TableAes {
    fn encrypt_block(&self, block: &mut Block) {
        let rk = &self.rk;
        let word = |i: usize| {
            u32::from_be_bytes([block[4 * i], block[4 * i + 1], block[4 * i + 2], block[4 * i + 3]])
        };
        let mut s = [word(0) ^ rk[0], word(1) ^ rk[1], word(2) ^ rk[2], word(3) ^ rk[3]];
        let te = |x: u32| TE[(x & 0xFF) as usize];
        for r in 1..self.rounds {
            let k = &rk[4 * r..4 * r + 4];
            s = [
                TE[(s[0] >> 24) as usize]
                    ^ te(s[1] >> 16).rotate_right(8)
                    ^ te(s[2] >> 8).rotate_right(16)
                    ^ te(s[3]).rotate_right(24)
                    ^ k[0],
                TE[(s[1] >> 24) as usize]
                    ^ te(s[2] >> 16).rotate_right(8)
                    ^ te(s[3] >> 8).rotate_right(16)
                    ^ te(s[0]).rotate_right(24)
                    ^ k[1],
                TE[(s[2] >> 24) as usize]
                    ^ te(s[3] >> 16).rotate_right(8)
                    ^ te(s[0] >> 8).rotate_right(16)
                    ^ te(s[1]).rotate_right(24)
                    ^ k[2],
                TE[(s[3] >> 24) as usize]
                    ^ te(s[0] >> 16).rotate_right(8)
                    ^ te(s[1] >> 8).rotate_right(16)
                    ^ te(s[2]).rotate_right(24)
                    ^ k[3],
            ];
        }
        let k = &rk[4 * self.rounds..4 * self.rounds + 4];
        let sb = |x: u32| SBOX[(x & 0xFF) as usize];
        for c in 0..4 {
            let out = u32::from_be_bytes([
                sb(s[c] >> 24),
                sb(s[(c + 1) % 4] >> 16),
                sb(s[(c + 2) % 4] >> 8),
                sb(s[(c + 3) % 4]),
            ]) ^ k[c];
            block[4 * c..4 * c + 4].copy_from_slice(&out.to_be_bytes());
        }
        s.zeroize();
    }
}

/// Table AES as an [`AesHardware`], so that it plugs in exactly where a chip's AES unit would.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableAesEngine;

impl AesHardware for TableAesEngine {
    fn block_cipher(&self, key: &[u8]) -> Result<Box<dyn BlockEncrypt>, CryptoError> {
        Ok(Box::new(TableAes::new(key)?))
    }
}

/// The opt-in provider for cache-less microcontrollers: CCM records on table AES, everything
/// else on the constant-time RustCrypto provider. Read the module documentation first.
#[cfg(feature = "rustcrypto")]
pub type TableAesProvider = super::hardware::AesAccelerated<TableAesEngine, super::rustcrypto::RustCrypto>;

/// The table-AES provider (`TableAesProvider`).
#[cfg(feature = "rustcrypto")]
pub const fn table_aes_provider() -> TableAesProvider {
    super::hardware::AesAccelerated::new(TableAesEngine, super::rustcrypto::RustCrypto)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// FIPS-197 appendix C.1 and C.3.
    #[test]
    fn fips_197_vectors() {
        for (key, expected) in [
            (
                "000102030405060708090a0b0c0d0e0f",
                "69c4e0d86a7b0430d8cdb78070b4c55a",
            ),
            (
                "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                "8ea2b7ca516745bfeafc49904b496089",
            ),
        ] {
            let aes = TableAes::new(&hex(key)).unwrap();
            let mut block: Block = hex("00112233445566778899aabbccddeeff").try_into().unwrap();
            aes.encrypt_block(&mut block);
            assert_eq!(block.to_vec(), hex(expected));
        }
    }

    #[test]
    fn sbox_corners() {
        assert_eq!(SBOX[0x00], 0x63);
        assert_eq!(SBOX[0x01], 0x7c);
        assert_eq!(SBOX[0x53], 0xed);
        assert_eq!(SBOX[0xff], 0x16);
    }
}
