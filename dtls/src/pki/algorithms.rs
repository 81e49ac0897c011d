//! webpki's signature verification algorithms, implemented on our [`CryptoProvider`], so that
//! certificate signatures go through the same (pluggable) crypto as handshake signatures.
//!
//! webpki picks an algorithm by the pair (the issuer key's AlgorithmIdentifier, the
//! certificate's signatureAlgorithm) and hands it the issuer's `subjectPublicKey` bytes, which
//! is exactly the form [`CryptoProvider::verify`] takes.

use core::fmt;

use pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm, alg_id};

use crate::crypto::{CryptoProvider, SignatureScheme};

/// One (key algorithm, signature algorithm) pair, verified by the provider as `scheme`.
pub(crate) struct ProviderAlgorithm<'a> {
    provider: &'a dyn CryptoProvider,
    scheme: SignatureScheme,
    public_key_alg: AlgorithmIdentifier,
    signature_alg: AlgorithmIdentifier,
}

impl fmt::Debug for ProviderAlgorithm<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderAlgorithm")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl SignatureVerificationAlgorithm for ProviderAlgorithm<'_> {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        self.provider
            .verify(self.scheme, public_key, message, signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key_alg
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg
    }
}

/// How many algorithms [`algorithms`] returns.
pub(crate) const ALGORITHM_COUNT: usize = 8;

/// Every certificate signature algorithm accepted in chains: ECDSA P-256 and P-384 with SHA-256
/// or SHA-384, RSA PKCS#1 v1.5 and RSA-PSS (rsaEncryption keys) with SHA-256 or SHA-384.
/// SHA-1 and SHA-512 signatures, Ed25519 and RSASSA-PSS-keyed certificates are refused
/// (`UnsupportedSignatureAlgorithm`).
pub(crate) fn algorithms(provider: &dyn CryptoProvider) -> [ProviderAlgorithm<'_>; ALGORITHM_COUNT] {
    let alg = |scheme, public_key_alg, signature_alg| ProviderAlgorithm {
        provider,
        scheme,
        public_key_alg,
        signature_alg,
    };
    [
        alg(
            SignatureScheme::EcdsaP256Sha256,
            alg_id::ECDSA_P256,
            alg_id::ECDSA_SHA256,
        ),
        alg(
            SignatureScheme::EcdsaP256Sha384,
            alg_id::ECDSA_P256,
            alg_id::ECDSA_SHA384,
        ),
        alg(
            SignatureScheme::EcdsaP384Sha384,
            alg_id::ECDSA_P384,
            alg_id::ECDSA_SHA384,
        ),
        alg(
            SignatureScheme::EcdsaP384Sha256,
            alg_id::ECDSA_P384,
            alg_id::ECDSA_SHA256,
        ),
        alg(
            SignatureScheme::RsaPkcs1Sha256,
            alg_id::RSA_ENCRYPTION,
            alg_id::RSA_PKCS1_SHA256,
        ),
        alg(
            SignatureScheme::RsaPkcs1Sha384,
            alg_id::RSA_ENCRYPTION,
            alg_id::RSA_PKCS1_SHA384,
        ),
        alg(
            SignatureScheme::RsaPssRsaeSha256,
            alg_id::RSA_ENCRYPTION,
            alg_id::RSA_PSS_SHA256,
        ),
        alg(
            SignatureScheme::RsaPssRsaeSha384,
            alg_id::RSA_ENCRYPTION,
            alg_id::RSA_PSS_SHA384,
        ),
    ]
}
