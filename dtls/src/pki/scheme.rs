//! Between TLS 1.2 signature code points and the provider's schemes.
//!
//! A TLS 1.2 `SignatureAndHashAlgorithm` (RFC 5246 7.4.1.4.1) names a hash and a signature
//! algorithm but, for ECDSA, no curve: `{sha256, ecdsa}` (0x0403) is valid with a P-384 key.
//! So mapping a received code point needs the signer's key; mapping ours out does not.

use crate::crypto::{PublicKeyKind, SignatureScheme};
use crate::wire::SignatureScheme as WireScheme;

/// The code points this stack verifies and signs, best first: what a client advertises in
/// signature_algorithms and a server in CertificateRequest. ECDSA before RSA (smaller, faster);
/// PSS before PKCS#1 v1.5 (RFC 8446 4.2.3 prefers it, and TLS 1.2 peers accept it).
pub const SUPPORTED_WIRE_SCHEMES: &[WireScheme] = &[
    WireScheme::ECDSA_SECP256R1_SHA256,
    WireScheme::ECDSA_SECP384R1_SHA384,
    WireScheme::RSA_PSS_RSAE_SHA256,
    WireScheme::RSA_PSS_RSAE_SHA384,
    WireScheme::RSA_PKCS1_SHA256,
    WireScheme::RSA_PKCS1_SHA384,
];

/// The code point a signature made with `scheme` is sent under.
pub const fn to_wire(scheme: SignatureScheme) -> WireScheme {
    match scheme {
        SignatureScheme::EcdsaP256Sha256 | SignatureScheme::EcdsaP384Sha256 => {
            WireScheme::ECDSA_SECP256R1_SHA256
        }
        SignatureScheme::EcdsaP384Sha384 | SignatureScheme::EcdsaP256Sha384 => {
            WireScheme::ECDSA_SECP384R1_SHA384
        }
        SignatureScheme::RsaPkcs1Sha256 => WireScheme::RSA_PKCS1_SHA256,
        SignatureScheme::RsaPkcs1Sha384 => WireScheme::RSA_PKCS1_SHA384,
        SignatureScheme::RsaPssRsaeSha256 => WireScheme::RSA_PSS_RSAE_SHA256,
        SignatureScheme::RsaPssRsaeSha384 => WireScheme::RSA_PSS_RSAE_SHA384,
    }
}

/// The scheme that verifies a signature received under `code` from a key of `key`, or `None`
/// if the pair is not one this stack implements (the handshake answers illegal_parameter when
/// the peer used a code point we did not offer, or one that does not fit its key).
pub const fn from_wire(code: WireScheme, key: PublicKeyKind) -> Option<SignatureScheme> {
    Some(match (code.0, key) {
        (0x0403, PublicKeyKind::EcP256) => SignatureScheme::EcdsaP256Sha256,
        (0x0403, PublicKeyKind::EcP384) => SignatureScheme::EcdsaP384Sha256,
        (0x0503, PublicKeyKind::EcP384) => SignatureScheme::EcdsaP384Sha384,
        (0x0503, PublicKeyKind::EcP256) => SignatureScheme::EcdsaP256Sha384,
        (0x0401, PublicKeyKind::Rsa) => SignatureScheme::RsaPkcs1Sha256,
        (0x0501, PublicKeyKind::Rsa) => SignatureScheme::RsaPkcs1Sha384,
        (0x0804, PublicKeyKind::Rsa) => SignatureScheme::RsaPssRsaeSha256,
        (0x0805, PublicKeyKind::Rsa) => SignatureScheme::RsaPssRsaeSha384,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheme_maps_back_from_its_code_point_and_key() {
        for s in [
            SignatureScheme::EcdsaP256Sha256,
            SignatureScheme::EcdsaP384Sha384,
            SignatureScheme::EcdsaP256Sha384,
            SignatureScheme::EcdsaP384Sha256,
            SignatureScheme::RsaPkcs1Sha256,
            SignatureScheme::RsaPkcs1Sha384,
            SignatureScheme::RsaPssRsaeSha256,
            SignatureScheme::RsaPssRsaeSha384,
        ] {
            assert_eq!(from_wire(to_wire(s), s.key_kind()), Some(s), "{s:?}");
            assert!(SUPPORTED_WIRE_SCHEMES.contains(&to_wire(s)));
        }
        assert_eq!(
            from_wire(WireScheme::RSA_PKCS1_SHA256, PublicKeyKind::EcP256),
            None
        );
        assert_eq!(
            from_wire(WireScheme::ECDSA_SECP256R1_SHA256, PublicKeyKind::Rsa),
            None
        );
        assert_eq!(from_wire(WireScheme::RSA_PKCS1_SHA1, PublicKeyKind::Rsa), None);
    }
}
