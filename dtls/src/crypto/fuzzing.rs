//! A deliberately insecure crypto provider for fuzzing only, so a fuzzer can reach the code
//! behind MACs, signatures and Finished checks.
//!
//! It exists only when the crate is built with `--cfg fuzzing` (what `cargo fuzz` passes);
//! `tests/no_fuzzing_provider.rs` checks that normal builds cannot reach it. Every property
//! that makes a real provider secure is removed on purpose:
//! - record ciphers are transparent: the plaintext is sent as is, followed by a 16-byte tag of
//!   zeros, and any tag opens;
//! - HMAC outputs zeros, so the PRF, the key block and every Finished `verify_data` are fixed
//!   (12 zero bytes) and cookies are all zeros;
//! - hashes are a cheap non-cryptographic mix (only their lengths matter now);
//! - every signature verifies, ECDHE public keys are fixed and the shared secret is constant;
//! - [`FuzzRng`] returns a fixed byte, so runs are reproducible from the input alone.

use alloc::boxed::Box;
use core::ops::Range;

use super::{
    BulkCipher, CryptoError, CryptoProvider, ExplicitNonce, Hash, HashAlgorithm, KeyExchange, MAX_HASH_LEN,
    NamedGroup, RecordAad, RecordCipher, SecureRandom, SignatureScheme, SigningKey,
};

/// Length of the (never checked) tag a transparent record carries.
pub const TAG_LEN: usize = 16;

/// The shared secret every fuzzing key exchange agrees on.
pub const SHARED_SECRET: [u8; 32] = [0x22; 32];

/// The public key every fuzzing key exchange announces (an uncompressed-point shape).
pub const PUBLIC_KEY: [u8; 65] = {
    let mut k = [0x11u8; 65];
    k[0] = 0x04;
    k
};

/// The signature every fuzzing signing key produces (a minimal DER ECDSA shape).
pub const SIGNATURE: [u8; 8] = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01];

/// The insecure provider. See the module docs for what it does not do.
#[derive(Clone, Copy, Debug, Default)]
pub struct FuzzingProvider;

/// A random source that always yields the same byte.
#[derive(Clone, Copy, Debug)]
pub struct FuzzRng(pub u8);

impl SecureRandom for FuzzRng {
    fn fill(&mut self, dest: &mut [u8]) {
        dest.fill(self.0);
    }
}

/// A record cipher that does not encrypt and whose tag always verifies.
#[derive(Clone, Copy, Debug)]
struct TransparentCipher {
    nonce: ExplicitNonce,
    prefix: usize,
}

impl RecordCipher for TransparentCipher {
    fn explicit_nonce(&self) -> ExplicitNonce {
        self.nonce
    }

    fn prefix_len(&self) -> usize {
        self.prefix
    }

    fn max_suffix_len(&self) -> usize {
        TAG_LEN
    }

    fn min_fragment_len(&self) -> usize {
        self.prefix + TAG_LEN
    }

    fn seal(&self, _aad: &RecordAad, buf: &mut [u8], plaintext_len: usize) -> Result<usize, CryptoError> {
        let end = self
            .prefix
            .checked_add(plaintext_len)
            .ok_or(CryptoError::BadLength)?;
        let total = end.checked_add(TAG_LEN).ok_or(CryptoError::BadLength)?;
        buf.get_mut(end..total).ok_or(CryptoError::BadLength)?.fill(0);
        Ok(total)
    }

    fn open(&self, _aad: &RecordAad, fragment: &mut [u8]) -> Result<Range<usize>, CryptoError> {
        let end = fragment
            .len()
            .checked_sub(TAG_LEN)
            .filter(|e| *e >= self.prefix)
            .ok_or(CryptoError::BadLength)?;
        Ok(self.prefix..end)
    }
}

/// A cheap running mix standing in for a hash; only its output length matters.
#[derive(Clone, Copy, Debug)]
struct MixHash {
    len: usize,
    state: u64,
}

impl Hash for MixHash {
    fn update(&mut self, data: &[u8]) {
        for b in data {
            self.state = (self.state ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn peek(&self, out: &mut [u8; MAX_HASH_LEN]) -> usize {
        let bytes = self.state.to_be_bytes();
        for (o, b) in out.iter_mut().zip(bytes.iter().cycle()) {
            *o = *b;
        }
        self.len
    }

    fn fork(&self) -> Box<dyn Hash> {
        Box::new(*self)
    }
}

/// A key pair with a fixed public key and a constant shared secret.
#[derive(Clone, Copy, Debug)]
struct FixedKeyExchange;

impl KeyExchange for FixedKeyExchange {
    fn public_key(&self) -> &[u8] {
        &PUBLIC_KEY
    }

    fn agree(&self, peer_public: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
        if peer_public.is_empty() {
            return Err(CryptoError::InvalidKey);
        }
        out.get_mut(..SHARED_SECRET.len())
            .ok_or(CryptoError::BadLength)?
            .copy_from_slice(&SHARED_SECRET);
        Ok(SHARED_SECRET.len())
    }
}

/// A signing key that always produces [`SIGNATURE`].
#[derive(Clone, Copy, Debug)]
struct FixedSigningKey;

impl SigningKey for FixedSigningKey {
    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::EcdsaP256Sha256
    }

    fn sign(
        &self,
        _message: &[u8],
        _rng: &mut dyn SecureRandom,
        out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        out.get_mut(..SIGNATURE.len())
            .ok_or(CryptoError::BadLength)?
            .copy_from_slice(&SIGNATURE);
        Ok(SIGNATURE.len())
    }
}

impl CryptoProvider for FuzzingProvider {
    fn record_cipher(
        &self,
        cipher: BulkCipher,
        _enc_key: &[u8],
        _mac_key: &[u8],
        _fixed_iv: &[u8],
    ) -> Result<Box<dyn RecordCipher>, CryptoError> {
        let (nonce, prefix) = match cipher {
            BulkCipher::AesCbcSha1 { .. } | BulkCipher::AesCbcSha256 { .. } => {
                (ExplicitNonce::RandomIv(16), 16)
            }
            _ => (ExplicitNonce::Sequence, 8),
        };
        Ok(Box::new(TransparentCipher { nonce, prefix }))
    }

    fn hash(&self, alg: HashAlgorithm) -> Result<Box<dyn Hash>, CryptoError> {
        Ok(Box::new(MixHash {
            len: alg.output_len(),
            state: 0xcbf2_9ce4_8422_2325,
        }))
    }

    fn hmac(
        &self,
        alg: HashAlgorithm,
        _key: &[u8],
        _parts: &[&[u8]],
        out: &mut [u8; MAX_HASH_LEN],
    ) -> Result<usize, CryptoError> {
        out.fill(0);
        Ok(alg.output_len())
    }

    fn key_exchange(
        &self,
        group: NamedGroup,
        _rng: &mut dyn SecureRandom,
    ) -> Result<Box<dyn KeyExchange>, CryptoError> {
        match group {
            NamedGroup::P256 => Ok(Box::new(FixedKeyExchange)),
        }
    }

    fn verify(
        &self,
        _scheme: SignatureScheme,
        _public_key: &[u8],
        _message: &[u8],
        _signature: &[u8],
    ) -> Result<(), CryptoError> {
        Ok(())
    }

    fn signing_key(
        &self,
        _scheme: SignatureScheme,
        _private_key: &[u8],
    ) -> Result<Box<dyn SigningKey>, CryptoError> {
        Ok(Box::new(FixedSigningKey))
    }
}
