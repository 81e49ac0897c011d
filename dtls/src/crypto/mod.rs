//! The crypto provider: every primitive the engine needs, behind traits, so a user can plug in
//! a hardware AES or a vetted library without touching the protocol code.
//!
//! The engine asks a [`CryptoProvider`] for record ciphers (per epoch, keys expanded once),
//! hashes, HMAC, ECDHE key pairs, signature verification and randomness. The TLS 1.2 PRF
//! ([`prf`]) and the TLS CBC record construction with its constant-time checks are ours and
//! built on the provider's primitives. The default provider, [`rustcrypto`], is `no_std`.

use alloc::boxed::Box;
use core::fmt;
use core::ops::Range;

/// Why a cryptographic operation failed. Deliberately coarse: callers must not learn *why* a
/// record failed to authenticate (padding oracle, Lucky13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// Authentication failed (bad tag, bad MAC or bad padding; which one is not said).
    BadRecordMac,
    /// The input is too short or too long for the operation.
    BadLength,
    /// A key, point or signature is malformed or invalid.
    InvalidKey,
    /// A signature did not verify.
    BadSignature,
    /// The provider does not support the requested algorithm.
    Unsupported,
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CryptoError::BadRecordMac => "record authentication failed",
            CryptoError::BadLength => "input length not valid for the operation",
            CryptoError::InvalidKey => "invalid key, point or signature encoding",
            CryptoError::BadSignature => "signature did not verify",
            CryptoError::Unsupported => "algorithm not supported by the crypto provider",
        })
    }
}

/// The fields of a record header that are authenticated with its payload (RFC 6347 4.1.2.1:
/// the 64-bit sequence number is the 16-bit epoch followed by the 48-bit sequence number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordAad {
    /// `epoch << 48 | sequence_number`.
    pub seq: u64,
    /// The record's content type.
    pub content_type: u8,
    /// The record's protocol version on the wire (0xFEFD for DTLS 1.2).
    pub version: u16,
}

impl RecordAad {
    /// The 13 bytes `seq_num + type + version + length` that AEAD ciphers authenticate and
    /// that the TLS MAC covers (RFC 5246 6.2.3.1 and 6.2.3.3).
    pub fn bytes(&self, length: u16) -> [u8; 13] {
        let mut out = [0u8; 13];
        let (seq, rest) = out.split_at_mut(8);
        seq.copy_from_slice(&self.seq.to_be_bytes());
        let (ty, rest) = rest.split_at_mut(1);
        ty.copy_from_slice(&[self.content_type]);
        let (ver, len) = rest.split_at_mut(2);
        ver.copy_from_slice(&self.version.to_be_bytes());
        len.copy_from_slice(&length.to_be_bytes());
        out
    }
}

/// How the bytes in front of a record's ciphertext are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExplicitNonce {
    /// AEAD: the 8-byte explicit nonce is the record's 64-bit sequence number (RFC 5288
    /// section 3 and RFC 6655 section 3 allow it; it can never repeat under one key).
    Sequence,
    /// CBC: a fresh unpredictable IV per record (RFC 5246 6.2.3.2), taken from the RNG.
    RandomIv(usize),
    /// No explicit bytes (the null cipher of epoch 0).
    None,
}

/// A record cipher for one direction of one epoch. Keys are expanded once when it is built;
/// sealing and opening work in place and never allocate.
pub trait RecordCipher: fmt::Debug + Send + Sync {
    /// How the explicit nonce or IV in front of the ciphertext is chosen.
    fn explicit_nonce(&self) -> ExplicitNonce;

    /// Bytes in front of the plaintext (explicit nonce or IV).
    fn prefix_len(&self) -> usize;

    /// Largest number of bytes the cipher adds after the plaintext (tag, or MAC plus padding).
    fn max_suffix_len(&self) -> usize;

    /// Smallest fragment that can possibly be valid; shorter records are dropped before any
    /// crypto runs.
    fn min_fragment_len(&self) -> usize;

    /// Seals a record in place. On entry `buf[..prefix_len()]` holds the explicit nonce or IV
    /// and `buf[prefix_len()..prefix_len() + plaintext_len]` the plaintext; `buf` must have room
    /// for `max_suffix_len()` more bytes. Returns the length of the sealed fragment.
    fn seal(&self, aad: &RecordAad, buf: &mut [u8], plaintext_len: usize) -> Result<usize, CryptoError>;

    /// Opens a sealed fragment in place and returns where the plaintext now sits inside
    /// `fragment`. Any failure is [`CryptoError::BadRecordMac`] (or `BadLength`), whichever
    /// check failed, after the same amount of work.
    fn open(&self, aad: &RecordAad, fragment: &mut [u8]) -> Result<Range<usize>, CryptoError>;
}

/// The bulk ciphers a provider may offer for records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BulkCipher {
    /// AES-CCM with an 8-byte tag (RFC 6655), 128- or 256-bit key.
    AesCcm8,
    /// AES-CCM with a 16-byte tag (RFC 6655).
    AesCcm,
    /// AES-GCM (RFC 5288).
    AesGcm,
    /// AES-CBC with HMAC-SHA1, MAC-then-encrypt (RFC 5246) or encrypt-then-MAC (RFC 7366).
    AesCbcSha1 {
        /// RFC 7366 encrypt-then-MAC was negotiated.
        encrypt_then_mac: bool,
    },
    /// AES-CBC with HMAC-SHA256, MAC-then-encrypt or encrypt-then-MAC.
    AesCbcSha256 {
        /// RFC 7366 encrypt-then-MAC was negotiated.
        encrypt_then_mac: bool,
    },
}

/// Hash algorithms the engine uses (transcripts, PRF, HMAC, signatures).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-1 (only inside HMAC-SHA1 for CBC records).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

impl HashAlgorithm {
    /// Output length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
        }
    }
}

/// Largest hash output any algorithm here produces; sizes stack buffers.
pub const MAX_HASH_LEN: usize = 48;

/// A running hash (the handshake transcript is one).
pub trait Hash: fmt::Debug + Send + Sync {
    /// Absorbs more input.
    fn update(&mut self, data: &[u8]);
    /// Writes the digest of everything absorbed so far into `out` without ending the hash
    /// (Finished needs the transcript hash mid-handshake). Returns the digest length.
    fn peek(&self, out: &mut [u8; MAX_HASH_LEN]) -> usize;
    /// A copy of this hash with the same state.
    fn fork(&self) -> Box<dyn Hash>;
}

/// An HMAC with its key absorbed once (the ipad and opad blocks hashed); every
/// [`mac`](KeyedHmac::mac) starts from a copy of that state. The PRF keys one per call and
/// reuses it for every `A(i)` and output block, which saves two compressions per HMAC.
pub trait KeyedHmac: fmt::Debug + Send + Sync {
    /// HMAC of the concatenation of `parts` into `out`; returns the tag length.
    fn mac(&self, parts: &[&[u8]], out: &mut [u8; MAX_HASH_LEN]) -> Result<usize, CryptoError>;
}

/// The fallback [`KeyedHmac`] for providers that only offer one-shot
/// [`CryptoProvider::hmac`]: it keys the HMAC again for every tag.
pub struct UnkeyedHmac<'a, P: ?Sized> {
    provider: &'a P,
    alg: HashAlgorithm,
    key: &'a [u8],
}

impl<P: ?Sized> fmt::Debug for UnkeyedHmac<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnkeyedHmac")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl<P: CryptoProvider + ?Sized> KeyedHmac for UnkeyedHmac<'_, P> {
    fn mac(&self, parts: &[&[u8]], out: &mut [u8; MAX_HASH_LEN]) -> Result<usize, CryptoError> {
        self.provider.hmac(self.alg, self.key, parts, out)
    }
}

/// An ephemeral key pair for ECDHE.
pub trait KeyExchange: fmt::Debug + Send + Sync {
    /// The public key as sent on the wire (uncompressed SEC1 point for P-256).
    fn public_key(&self) -> &[u8];
    /// Computes the shared secret with the peer's public key and writes it into `out`,
    /// returning its length. Fails on an invalid point.
    fn agree(&self, peer_public: &[u8], out: &mut [u8]) -> Result<usize, CryptoError>;
}

/// Named groups for ECDHE (IANA TLS Supported Groups values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NamedGroup {
    /// secp256r1 (23).
    P256,
}

/// Signature schemes (IANA TLS SignatureScheme values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// ecdsa_secp256r1_sha256 (0x0403): DER-encoded ECDSA signature over SHA-256.
    EcdsaP256Sha256,
}

/// A private key that can sign handshake messages.
pub trait SigningKey: fmt::Debug + Send + Sync {
    /// The scheme this key signs with.
    fn scheme(&self) -> SignatureScheme;
    /// Signs `message` (the provider hashes it) and writes the wire-encoded signature into
    /// `out`, returning its length.
    fn sign(&self, message: &[u8], rng: &mut dyn SecureRandom, out: &mut [u8]) -> Result<usize, CryptoError>;
}

/// Largest signature any supported scheme produces (DER ECDSA P-256 is at most 72 bytes; room
/// is left for RSA-4096 later).
pub const MAX_SIGNATURE_LEN: usize = 512;

/// A source of cryptographically secure random bytes. The engine takes all its randomness from
/// the one in its configuration, which is what makes seeded runs reproducible.
pub trait SecureRandom: fmt::Debug {
    /// Fills `dest` with random bytes.
    fn fill(&mut self, dest: &mut [u8]);
}

/// Everything the engine needs from a crypto library.
pub trait CryptoProvider: fmt::Debug + Send + Sync {
    /// Builds a record cipher for one direction of an epoch. `mac_key` is empty for AEAD
    /// ciphers; `fixed_iv` is the 4-byte implicit salt for AEAD and empty for CBC.
    fn record_cipher(
        &self,
        cipher: BulkCipher,
        enc_key: &[u8],
        mac_key: &[u8],
        fixed_iv: &[u8],
    ) -> Result<Box<dyn RecordCipher>, CryptoError>;

    /// A new running hash.
    fn hash(&self, alg: HashAlgorithm) -> Result<Box<dyn Hash>, CryptoError>;

    /// HMAC of the concatenation of `parts` under `key`; writes the tag into `out` and returns
    /// its length.
    fn hmac(
        &self,
        alg: HashAlgorithm,
        key: &[u8],
        parts: &[&[u8]],
        out: &mut [u8; MAX_HASH_LEN],
    ) -> Result<usize, CryptoError>;

    /// An HMAC keyed once with `key`, for many tags under the same key (the PRF). The default
    /// keys it again for every tag through [`hmac`](Self::hmac); providers override it.
    fn hmac_key<'a>(
        &'a self,
        alg: HashAlgorithm,
        key: &'a [u8],
    ) -> Result<Box<dyn KeyedHmac + 'a>, CryptoError> {
        Ok(Box::new(UnkeyedHmac {
            provider: self,
            alg,
            key,
        }))
    }

    /// A fresh ephemeral key pair for `group`, drawing randomness from `rng`.
    fn key_exchange(
        &self,
        group: NamedGroup,
        rng: &mut dyn SecureRandom,
    ) -> Result<Box<dyn KeyExchange>, CryptoError>;

    /// Verifies `signature` over `message` with `public_key` (for ECDSA, an uncompressed SEC1
    /// point as found in a certificate's SubjectPublicKeyInfo).
    fn verify(
        &self,
        scheme: SignatureScheme,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;

    /// Loads a private key for `scheme`. For ECDSA P-256 the provider accepts a raw 32-byte
    /// big-endian scalar, a SEC1 `ECPrivateKey` (RFC 5915) DER or a PKCS#8 DER document.
    /// Providers that cannot sign keep the default, which answers
    /// [`CryptoError::Unsupported`].
    fn signing_key(
        &self,
        scheme: SignatureScheme,
        private_key: &[u8],
    ) -> Result<Box<dyn SigningKey>, CryptoError> {
        let _ = (scheme, private_key);
        Err(CryptoError::Unsupported)
    }
}

pub mod aead;
pub mod cbc;
pub mod ccm;
pub mod hardware;
pub mod prf;
pub mod table_aes;

#[cfg(feature = "rustcrypto")]
pub mod rustcrypto;
#[cfg(feature = "rustcrypto")]
mod seeded;
#[cfg(feature = "rustcrypto")]
pub use seeded::DeterministicRandom;

// Deliberately insecure (transparent records, constant MACs, every signature verifies): only
// for fuzzers, which build with `--cfg fuzzing`. tests/no_fuzzing_provider.rs guards this gate.
#[cfg(fuzzing)]
pub mod fuzzing;
