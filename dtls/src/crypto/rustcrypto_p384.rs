//! ECDSA P-384 on the `p384` crate for the RustCrypto provider.

use alloc::vec::Vec;
use core::fmt;

use p384::ecdsa::signature::hazmat::PrehashVerifier;
use p384::ecdsa::signature::{Signer, Verifier};
use p384::pkcs8::DecodePrivateKey;
use sha2::{Digest, Sha256};

use super::{CryptoError, PublicKey, PublicKeyKind, SecureRandom, SignatureScheme, SigningKey};

/// Length of an uncompressed SEC1 P-384 point.
pub const P384_POINT_LEN: usize = 97;

/// A P-384 ECDSA signing key; signs with RFC 6979 deterministic nonces and SHA-384, DER output.
pub struct P384SigningKey {
    key: p384::ecdsa::SigningKey,
}

impl fmt::Debug for P384SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("P384SigningKey").finish_non_exhaustive()
    }
}

impl P384SigningKey {
    /// Loads a key from a raw 48-byte big-endian scalar, a SEC1 `ECPrivateKey` DER (RFC 5915)
    /// or a PKCS#8 `PrivateKeyInfo` DER holding a P-384 key.
    pub fn from_bytes(private_key: &[u8]) -> Result<Self, CryptoError> {
        let secret = if private_key.len() == 48 {
            p384::SecretKey::from_slice(private_key).map_err(|_| CryptoError::InvalidKey)?
        } else if let Ok(secret) = p384::SecretKey::from_pkcs8_der(private_key) {
            secret
        } else {
            p384::SecretKey::from_sec1_der(private_key).map_err(|_| CryptoError::InvalidKey)?
        };
        Ok(Self {
            key: p384::ecdsa::SigningKey::from(&secret),
        })
    }

    /// The public key as an uncompressed SEC1 point.
    pub fn public_point(&self) -> Vec<u8> {
        self.key.verifying_key().to_sec1_point(false).as_bytes().to_vec()
    }
}

impl SigningKey for P384SigningKey {
    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::EcdsaP384Sha384
    }

    fn sign(
        &self,
        message: &[u8],
        _rng: &mut dyn SecureRandom,
        out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        let signature: p384::ecdsa::DerSignature =
            self.key.try_sign(message).map_err(|_| CryptoError::InvalidKey)?;
        let bytes = signature.as_bytes();
        let dst = out.get_mut(..bytes.len()).ok_or(CryptoError::BadLength)?;
        dst.copy_from_slice(bytes);
        Ok(bytes.len())
    }

    fn public_key(&self) -> Option<PublicKey> {
        Some(PublicKey::new(PublicKeyKind::EcP384, 384, self.public_point()))
    }
}

/// Verifies a DER ECDSA P-384 signature over SHA-384 (`EcdsaP384Sha384`) or SHA-256
/// (`EcdsaP384Sha256`) with a SEC1 key.
pub fn verify(
    scheme: SignatureScheme,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| CryptoError::InvalidKey)?;
    let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| CryptoError::BadSignature)?;
    match scheme {
        SignatureScheme::EcdsaP384Sha384 => key.verify(message, &sig).map_err(|_| CryptoError::BadSignature),
        SignatureScheme::EcdsaP384Sha256 => key
            .verify_prehash(&Sha256::digest(message), &sig)
            .map_err(|_| CryptoError::BadSignature),
        _ => Err(CryptoError::Unsupported),
    }
}
