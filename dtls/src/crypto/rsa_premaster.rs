//! RSA key transport of the premaster secret (RFC 5246 7.4.7.1), built on the provider's RSA
//! primitives: the client encrypts `client_version || 46 random bytes` under the server's key;
//! the server decrypts with the Bleichenbacher countermeasure.
//!
//! The countermeasure (RFC 5246 7.4.7.1, and the "Marvin" lesson that any observable
//! difference is an oracle): the server draws a random 48-byte premaster *before* decrypting,
//! then checks the PKCS#1 v1.5 padding, the 48-byte length and the version bytes in constant
//! time over the whole decrypted block, and selects byte by byte, without branching, between the
//! decrypted premaster and the random one. Every outcome returns a 48-byte premaster through the
//! same path; a bad ciphertext shows up only later, as a Finished that does not verify
//! (`decrypt_error`), exactly like a good ciphertext with a wrong key.
//!
//! On a version mismatch RFC 5246 uses `client_version || M[2..47]`; we use the random value,
//! as OpenSSL does. Both make the handshake fail at Finished and neither is observable.

use alloc::vec::Vec;

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use super::{CryptoError, CryptoProvider, PublicKey, PublicKeyKind, SecureRandom, SigningKey};

/// Length of the RSA premaster secret (RFC 5246 7.4.7.1).
pub const PREMASTER_LEN: usize = 48;

/// Largest RSA modulus in bytes the server side decrypts with (RSA-4096, the largest key the
/// RustCrypto provider loads); sizes the decryption buffer.
pub const MAX_RSA_MODULUS_LEN: usize = 512;

/// PKCS#1 v1.5 type-2 block overhead: `00 02`, at least 8 nonzero padding bytes, `00`
/// (RFC 8017 7.2.1).
const PKCS1_OVERHEAD: usize = 11;

/// The client's side: a fresh premaster (`client_version || 46 random bytes`, where
/// `client_version` is the one this client sent in its ClientHello) and its RSAES-PKCS1-v1_5
/// encryption under the server certificate's key, the body of `EncryptedPreMasterSecret`.
pub fn encrypt_premaster(
    provider: &dyn CryptoProvider,
    server_key: &PublicKey,
    client_version: u16,
    rng: &mut dyn SecureRandom,
) -> Result<(Zeroizing<[u8; PREMASTER_LEN]>, Vec<u8>), CryptoError> {
    if server_key.kind() != PublicKeyKind::Rsa {
        return Err(CryptoError::InvalidKey);
    }
    let mut premaster = Zeroizing::new([0u8; PREMASTER_LEN]);
    let (version, random) = premaster.split_at_mut(2);
    version.copy_from_slice(&client_version.to_be_bytes());
    rng.fill(random);
    let ciphertext = provider.rsa_encrypt_pkcs1(server_key.bytes(), &*premaster, rng)?;
    Ok((premaster, ciphertext))
}

/// The server's side: the premaster secret from `EncryptedPreMasterSecret`, with the RFC 5246
/// 7.4.7.1 countermeasure. `client_version` is the `client_version` of the ClientHello (not the
/// negotiated version), so a version-rollback attack also fails.
///
/// Always returns 48 bytes: the decrypted premaster when the padding, the length and the version
/// are right, otherwise a random one drawn from `rng` before decryption. The only error is a key
/// that cannot decrypt at all ([`CryptoError::Unsupported`], a configuration mistake that does
/// not depend on the ciphertext).
pub fn decrypt_premaster(
    key: &dyn SigningKey,
    ciphertext: &[u8],
    client_version: u16,
    rng: &mut dyn SecureRandom,
) -> Result<Zeroizing<[u8; PREMASTER_LEN]>, CryptoError> {
    // RFC 5246 7.4.7.1 step 1: the random premaster comes first, whatever happens next.
    let mut premaster = Zeroizing::new([0u8; PREMASTER_LEN]);
    rng.fill(&mut *premaster);

    let mut block = Zeroizing::new([0u8; MAX_RSA_MODULUS_LEN]);
    let k = match key.rsa_decrypt_raw(ciphertext, rng, &mut *block) {
        Ok(k) => k,
        Err(CryptoError::Unsupported) => return Err(CryptoError::Unsupported),
        // A ciphertext of the wrong length or not below the modulus: facts the sender already
        // knows, so answering through the random premaster reveals nothing. Keep going with k=0.
        Err(_) => 0,
    };
    let block = block.get(..k).unwrap_or(&[]);
    let good = well_formed(block, client_version);
    if let Some(start) = k.checked_sub(PREMASTER_LEN)
        && let Some(decrypted) = block.get(start..)
    {
        for (out, byte) in premaster.iter_mut().zip(decrypted) {
            // Take the decrypted byte only if everything checked out.
            out.conditional_assign(byte, good);
        }
    }
    Ok(premaster)
}

/// Whether `block` (the k-byte RSADP output) is `00 02 PS 00 M` with a nonzero PS of at least 8
/// bytes and a 48-byte M starting with `client_version`, computed without data-dependent
/// branches: every byte of the block is looked at, whatever it holds. `k` itself (the modulus
/// length) is public.
fn well_formed(block: &[u8], client_version: u16) -> Choice {
    let k = block.len();
    if k < PKCS1_OVERHEAD + PREMASTER_LEN {
        return Choice::from(0);
    }
    // The separator sits exactly 49 bytes from the end: the message must be 48 bytes.
    let separator = k - PREMASTER_LEN - 1;
    let [version_hi, version_lo] = client_version.to_be_bytes();
    let mut good = Choice::from(1);
    for (i, byte) in block.iter().enumerate() {
        let byte = *byte;
        let expect = |want: u8| byte.ct_eq(&want);
        // Which role byte i plays depends only on i and k, never on the data.
        let check = if i == 0 {
            expect(0x00)
        } else if i == 1 {
            expect(0x02)
        } else if i < separator {
            !expect(0x00)
        } else if i == separator {
            expect(0x00)
        } else if i == separator + 1 {
            expect(version_hi)
        } else if i == separator + 2 {
            expect(version_lo)
        } else {
            Choice::from(1)
        };
        good &= check;
    }
    good
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(k: usize, version: [u8; 2]) -> alloc::vec::Vec<u8> {
        let mut b = alloc::vec![0x5au8; k];
        b[0] = 0;
        b[1] = 2;
        b[k - 49] = 0;
        b[k - 48] = version[0];
        b[k - 47] = version[1];
        b
    }

    #[test]
    fn a_well_formed_block_passes_and_each_defect_fails() {
        let k = 256;
        assert!(bool::from(well_formed(&block(k, [0xfe, 0xfd]), 0xfefd)));
        let mut b = block(k, [0xfe, 0xfd]);
        b[0] = 1;
        assert!(!bool::from(well_formed(&b, 0xfefd)), "first byte");
        let mut b = block(k, [0xfe, 0xfd]);
        b[1] = 1;
        assert!(!bool::from(well_formed(&b, 0xfefd)), "block type");
        let mut b = block(k, [0xfe, 0xfd]);
        b[9] = 0;
        assert!(!bool::from(well_formed(&b, 0xfefd)), "zero inside the padding");
        let mut b = block(k, [0xfe, 0xfd]);
        b[k - 49] = 1;
        assert!(
            !bool::from(well_formed(&b, 0xfefd)),
            "no separator at 48 bytes from the end"
        );
        assert!(
            !bool::from(well_formed(&block(k, [0xfe, 0xff]), 0xfefd)),
            "version"
        );
        assert!(
            !bool::from(well_formed(&block(58, [0xfe, 0xfd]), 0xfefd)),
            "too short for 8 padding bytes"
        );
        assert!(
            bool::from(well_formed(&block(59, [0xfe, 0xfd]), 0xfefd)),
            "exactly 8 padding bytes"
        );
    }
}
