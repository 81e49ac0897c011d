//! The RustCrypto provider's public-key operations beyond ECDSA P-256/SHA-256, dispatched to
//! [`super::rustcrypto_rsa`] and [`super::rustcrypto_p384`] when their features
//! (`rustcrypto-rsa`, `rustcrypto-p384`) are on, and answering
//! [`CryptoError::Unsupported`] when they are off, so that a firmware image without them links
//! none of their code.

use alloc::boxed::Box;
use alloc::vec::Vec;

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use sha2::{Digest, Sha384};

use super::{CryptoError, SecureRandom, SignatureScheme, SigningKey};

/// Verifies an RSA signature (`scheme` one of the RSA schemes) with a DER `RSAPublicKey`.
pub fn verify_rsa(
    scheme: SignatureScheme,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    #[cfg(feature = "rustcrypto-rsa")]
    {
        super::rustcrypto_rsa::verify_rsa(scheme, public_key, message, signature)
    }
    #[cfg(not(feature = "rustcrypto-rsa"))]
    {
        let _ = (scheme, public_key, message, signature);
        Err(CryptoError::Unsupported)
    }
}

/// RSAES-PKCS1-v1_5 encryption (RFC 8017 7.2.1) under a DER `RSAPublicKey`.
pub fn rsa_encrypt_pkcs1(
    public_key: &[u8],
    plaintext: &[u8],
    rng: &mut dyn SecureRandom,
) -> Result<Vec<u8>, CryptoError> {
    #[cfg(feature = "rustcrypto-rsa")]
    {
        super::rustcrypto_rsa::rsa_encrypt_pkcs1(public_key, plaintext, rng)
    }
    #[cfg(not(feature = "rustcrypto-rsa"))]
    {
        let _ = (public_key, plaintext, rng);
        Err(CryptoError::Unsupported)
    }
}

/// Verifies a DER ECDSA signature for the P-384 schemes and the P-256/SHA-384 mix.
pub fn verify_ecdsa_extra(
    scheme: SignatureScheme,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    match scheme {
        SignatureScheme::EcdsaP256Sha384 => {
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key)
                .map_err(|_| CryptoError::InvalidKey)?;
            let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| CryptoError::BadSignature)?;
            // FIPS 186-5 6.4.1: a hash longer than the group order is truncated to its bits.
            key.verify_prehash(&Sha384::digest(message), &sig)
                .map_err(|_| CryptoError::BadSignature)
        }
        #[cfg(feature = "rustcrypto-p384")]
        SignatureScheme::EcdsaP384Sha384 | SignatureScheme::EcdsaP384Sha256 => {
            super::rustcrypto_p384::verify(scheme, public_key, message, signature)
        }
        _ => Err(CryptoError::Unsupported),
    }
}

/// Loads a signing key for `scheme` (the provider's `signing_key` for the schemes beyond
/// ECDSA P-256).
pub fn signing_key(scheme: SignatureScheme, private_key: &[u8]) -> Result<Box<dyn SigningKey>, CryptoError> {
    match scheme {
        #[cfg(feature = "rustcrypto-p384")]
        SignatureScheme::EcdsaP384Sha384 => Ok(Box::new(super::rustcrypto_p384::P384SigningKey::from_bytes(
            private_key,
        )?)),
        #[cfg(feature = "rustcrypto-rsa")]
        SignatureScheme::RsaPkcs1Sha256
        | SignatureScheme::RsaPkcs1Sha384
        | SignatureScheme::RsaPssRsaeSha256
        | SignatureScheme::RsaPssRsaeSha384 => Ok(Box::new(super::rustcrypto_rsa::RsaSigningKey::from_der(
            private_key,
        )?)),
        _ => {
            let _ = private_key;
            Err(CryptoError::Unsupported)
        }
    }
}
