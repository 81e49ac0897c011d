//! RSA on the `rsa` crate for the RustCrypto provider: PKCS#1 v1.5 and PSS signatures
//! (SHA-256, SHA-384), PKCS#1 v1.5 encryption, and the raw decryption RSA key transport is built
//! on.
//!
//! Side channels: `rsa` 0.10 computes with `crypto-bigint` (constant-time modular
//! exponentiation) and blinds every private-key operation with the engine's RNG. Versions
//! before 0.10 were exposed to the Marvin timing attack (RUSTSEC-2023-0071); the 0.10 release
//! notes say the private-key paths were hardened against it, which is a claim of the crate's
//! maintainers, not something this project measured. The RSA key-transport padding check is
//! ours and constant time (see [`super::rsa_premaster`]).

use alloc::vec::Vec;
use core::fmt;

use rsa::pkcs1::der::Decode;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, Pkcs1v15Encrypt, Pkcs1v15Sign, Pss};
use sha2::{Digest, Sha256, Sha384};

use super::{CryptoError, PublicKey, PublicKeyKind, SecureRandom, SignatureScheme, SigningKey};

// ---------------------------------------------------------------------------------------------
// Randomness for the `rsa` crate

/// Gives the engine's RNG to `rsa` (blinding, PSS salts, PKCS#1 v1.5 encryption padding), so
/// seeded runs stay reproducible and no OS RNG is needed.
struct EngineRng<'a>(&'a mut dyn SecureRandom);

impl rsa::rand_core::TryRng for EngineRng<'_> {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.0.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill(dst);
        Ok(())
    }
}

impl rsa::rand_core::TryCryptoRng for EngineRng<'_> {}

const MIN_RSA_BITS: usize = super::MIN_RSA_BITS as usize;
const MAX_RSA_BITS: usize = super::MAX_RSA_BITS as usize;

fn rsa_public_from_der(der: &[u8]) -> Result<rsa::PublicKey, CryptoError> {
    // Decode the components first: `rsa`'s own decoder applies its default size range, ours is
    // narrower and must be applied explicitly.
    let parsed = rsa::pkcs1::RsaPublicKeyRef::from_der(der).map_err(|_| CryptoError::InvalidKey)?;
    rsa_public_from_parts(parsed.modulus.as_bytes(), parsed.public_exponent.as_bytes())
}

fn rsa_public_from_parts(modulus: &[u8], exponent: &[u8]) -> Result<rsa::PublicKey, CryptoError> {
    let bits = |b: &[u8]| u32::try_from(b.len()).ok().and_then(|n| n.checked_mul(8));
    let n_bits = bits(modulus).ok_or(CryptoError::InvalidKey)?;
    let e_bits = bits(exponent).ok_or(CryptoError::InvalidKey)?;
    let n = BoxedUint::from_be_slice(modulus, n_bits.max(64)).map_err(|_| CryptoError::InvalidKey)?;
    let e = BoxedUint::from_be_slice(exponent, e_bits.max(64)).map_err(|_| CryptoError::InvalidKey)?;
    rsa::PublicKey::new_with_size_limits(n, e, MIN_RSA_BITS..=MAX_RSA_BITS)
        .map_err(|_| CryptoError::InvalidKey)
}

/// The modulus length in bits of a DER `RSAPublicKey`, if it is one within our size range.
pub fn rsa_public_key_bits(der: &[u8]) -> Result<u32, CryptoError> {
    let key = rsa_public_from_der(der)?;
    u32::try_from(key.size() * 8).map_err(|_| CryptoError::InvalidKey)
}

/// Verifies an RSA signature (`scheme` one of the RSA schemes) with a DER `RSAPublicKey`.
pub fn verify_rsa(
    scheme: SignatureScheme,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let key = rsa_public_from_der(public_key)?;
    // RFC 8017 8.2.2 step 1 / 8.1.2 step 1: the signature is exactly k bytes.
    if signature.len() != key.size() {
        return Err(CryptoError::BadSignature);
    }
    let result = match scheme {
        SignatureScheme::RsaPkcs1Sha256 => {
            key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message), signature)
        }
        SignatureScheme::RsaPkcs1Sha384 => {
            key.verify(Pkcs1v15Sign::new::<Sha384>(), &Sha384::digest(message), signature)
        }
        // RFC 8446 4.2.3: the salt is as long as the hash; `Pss::new` checks exactly that.
        SignatureScheme::RsaPssRsaeSha256 => {
            key.verify(Pss::<Sha256>::new(), &Sha256::digest(message), signature)
        }
        SignatureScheme::RsaPssRsaeSha384 => {
            key.verify(Pss::<Sha384>::new(), &Sha384::digest(message), signature)
        }
        _ => return Err(CryptoError::Unsupported),
    };
    result.map_err(|_| CryptoError::BadSignature)
}

/// RSAES-PKCS1-v1_5 encryption (RFC 8017 7.2.1) under a DER `RSAPublicKey`.
pub fn rsa_encrypt_pkcs1(
    public_key: &[u8],
    plaintext: &[u8],
    rng: &mut dyn SecureRandom,
) -> Result<Vec<u8>, CryptoError> {
    let key = rsa_public_from_der(public_key)?;
    key.encrypt(&mut EngineRng(rng), Pkcs1v15Encrypt, plaintext)
        .map_err(|_| CryptoError::BadLength)
}

/// An RSA private key: signs with PKCS#1 v1.5 and PSS (SHA-256, SHA-384) and decrypts the
/// RSA key-transport premaster. Private-key operations are blinded with the caller's RNG.
pub struct RsaSigningKey {
    key: rsa::PrivateKey,
    public: PublicKey,
}

impl fmt::Debug for RsaSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaSigningKey")
            .field("bits", &self.public.bits())
            .finish_non_exhaustive()
    }
}

/// What an RSA key signs with, best first: PSS is the modern padding (RFC 8446 prefers it),
/// PKCS#1 v1.5 is what every TLS 1.2 peer verifies.
const RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RsaPssRsaeSha256,
    SignatureScheme::RsaPkcs1Sha256,
    SignatureScheme::RsaPssRsaeSha384,
    SignatureScheme::RsaPkcs1Sha384,
];

impl RsaSigningKey {
    /// Loads a PKCS#1 `RSAPrivateKey` or a PKCS#8 `PrivateKeyInfo` (rsaEncryption) DER, with a
    /// modulus of [`super::MIN_RSA_BITS`] to [`super::MAX_RSA_BITS`] bits.
    pub fn from_der(der: &[u8]) -> Result<Self, CryptoError> {
        let key = match rsa::PrivateKey::from_pkcs1_der(der) {
            Ok(key) => key,
            Err(_) => rsa::PrivateKey::from_pkcs8_der(der).map_err(|_| CryptoError::InvalidKey)?,
        };
        let bits = key.size() * 8;
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(CryptoError::InvalidKey);
        }
        let der = key
            .as_public_key()
            .to_pkcs1_der()
            .map_err(|_| CryptoError::InvalidKey)?;
        let bits = u32::try_from(bits).map_err(|_| CryptoError::InvalidKey)?;
        let public = PublicKey::new(PublicKeyKind::Rsa, bits, der.as_bytes().to_vec());
        Ok(Self { key, public })
    }

    fn write(out: &mut [u8], signature: &[u8]) -> Result<usize, CryptoError> {
        let dst = out.get_mut(..signature.len()).ok_or(CryptoError::BadLength)?;
        dst.copy_from_slice(signature);
        Ok(signature.len())
    }
}

impl SigningKey for RsaSigningKey {
    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::RsaPkcs1Sha256
    }

    fn schemes(&self) -> &'static [SignatureScheme] {
        RSA_SCHEMES
    }

    fn sign(&self, message: &[u8], rng: &mut dyn SecureRandom, out: &mut [u8]) -> Result<usize, CryptoError> {
        self.sign_with(self.scheme(), message, rng, out)
    }

    fn sign_with(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        rng: &mut dyn SecureRandom,
        out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        let rng = &mut EngineRng(rng);
        let signature = match scheme {
            SignatureScheme::RsaPkcs1Sha256 => {
                self.key
                    .sign_with_rng(rng, Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message))
            }
            SignatureScheme::RsaPkcs1Sha384 => {
                self.key
                    .sign_with_rng(rng, Pkcs1v15Sign::new::<Sha384>(), &Sha384::digest(message))
            }
            SignatureScheme::RsaPssRsaeSha256 => {
                self.key
                    .sign_with_rng(rng, Pss::<Sha256>::new(), &Sha256::digest(message))
            }
            SignatureScheme::RsaPssRsaeSha384 => {
                self.key
                    .sign_with_rng(rng, Pss::<Sha384>::new(), &Sha384::digest(message))
            }
            _ => return Err(CryptoError::Unsupported),
        }
        .map_err(|_| CryptoError::InvalidKey)?;
        Self::write(out, &signature)
    }

    fn public_key(&self) -> Option<PublicKey> {
        Some(self.public.clone())
    }

    fn rsa_decrypt_raw(
        &self,
        ciphertext: &[u8],
        rng: &mut dyn SecureRandom,
        out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        let k = self.key.size();
        // RFC 8017 7.2.2 step 1: the ciphertext is exactly k bytes. Its length is public.
        if ciphertext.len() != k {
            return Err(CryptoError::BadLength);
        }
        let out = out.get_mut(..k).ok_or(CryptoError::BadLength)?;
        let c = BoxedUint::from_be_slice(ciphertext, self.key.n_bits_precision())
            .map_err(|_| CryptoError::BadLength)?;
        // Blinded RSADP with the CRT fault check; fails only for c >= n (public) or a fault.
        let m = zeroize::Zeroizing::new(
            rsa::hazmat::rsa_decrypt_and_check(&self.key, Some(&mut EngineRng(rng)), &c)
                .map_err(|_| CryptoError::BadLength)?,
        );
        let bytes = zeroize::Zeroizing::new(m.to_be_bytes());
        // I2OSP(m, k): the integer's storage is at least k bytes (its precision is the
        // modulus's), and m < n, so the leading bytes beyond k are zero.
        let start = bytes.len().checked_sub(k).ok_or(CryptoError::BadLength)?;
        let em = bytes.get(start..).ok_or(CryptoError::BadLength)?;
        out.copy_from_slice(em);
        Ok(k)
    }
}
