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

/// Signature schemes: a key type and a hash, as the provider implements them. The TLS 1.2
/// code point (`{hash, signature}`, RFC 5246 7.4.1.4.1) does not bind an ECDSA curve, so
/// `pki::scheme` maps a wire code point and the peer's key to one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// ecdsa_secp256r1_sha256 (0x0403): DER-encoded ECDSA signature over SHA-256.
    EcdsaP256Sha256,
    /// ecdsa_secp384r1_sha384 (0x0503): DER-encoded ECDSA P-384 signature over SHA-384.
    EcdsaP384Sha384,
    /// `{sha384, ecdsa}` (0x0503) made with a P-256 key: legal in TLS 1.2 and in X.509
    /// (ecdsa-with-SHA384). Verification only.
    EcdsaP256Sha384,
    /// `{sha256, ecdsa}` (0x0403) made with a P-384 key. Verification only.
    EcdsaP384Sha256,
    /// rsa_pkcs1_sha256 (0x0401): RSASSA-PKCS1-v1_5 with a SHA-256 DigestInfo (RFC 8017 8.2).
    RsaPkcs1Sha256,
    /// rsa_pkcs1_sha384 (0x0501).
    RsaPkcs1Sha384,
    /// rsa_pss_rsae_sha256 (0x0804): RSASSA-PSS, MGF1 with SHA-256, salt as long as the hash
    /// (RFC 8446 4.2.3), with an rsaEncryption key.
    RsaPssRsaeSha256,
    /// rsa_pss_rsae_sha384 (0x0805).
    RsaPssRsaeSha384,
}

impl SignatureScheme {
    /// The kind of key that makes and checks this scheme's signatures.
    pub const fn key_kind(self) -> PublicKeyKind {
        match self {
            SignatureScheme::EcdsaP256Sha256 | SignatureScheme::EcdsaP256Sha384 => PublicKeyKind::EcP256,
            SignatureScheme::EcdsaP384Sha384 | SignatureScheme::EcdsaP384Sha256 => PublicKeyKind::EcP384,
            SignatureScheme::RsaPkcs1Sha256
            | SignatureScheme::RsaPkcs1Sha384
            | SignatureScheme::RsaPssRsaeSha256
            | SignatureScheme::RsaPssRsaeSha384 => PublicKeyKind::Rsa,
        }
    }

    /// The hash the scheme signs.
    pub const fn hash(self) -> HashAlgorithm {
        match self {
            SignatureScheme::EcdsaP256Sha256
            | SignatureScheme::EcdsaP384Sha256
            | SignatureScheme::RsaPkcs1Sha256
            | SignatureScheme::RsaPssRsaeSha256 => HashAlgorithm::Sha256,
            SignatureScheme::EcdsaP384Sha384
            | SignatureScheme::EcdsaP256Sha384
            | SignatureScheme::RsaPkcs1Sha384
            | SignatureScheme::RsaPssRsaeSha384 => HashAlgorithm::Sha384,
        }
    }

    /// This scheme alone, as a slice (the default of [`SigningKey::schemes`]).
    pub const fn as_slice(self) -> &'static [SignatureScheme] {
        match self {
            SignatureScheme::EcdsaP256Sha256 => &[SignatureScheme::EcdsaP256Sha256],
            SignatureScheme::EcdsaP384Sha384 => &[SignatureScheme::EcdsaP384Sha384],
            SignatureScheme::EcdsaP256Sha384 => &[SignatureScheme::EcdsaP256Sha384],
            SignatureScheme::EcdsaP384Sha256 => &[SignatureScheme::EcdsaP384Sha256],
            SignatureScheme::RsaPkcs1Sha256 => &[SignatureScheme::RsaPkcs1Sha256],
            SignatureScheme::RsaPkcs1Sha384 => &[SignatureScheme::RsaPkcs1Sha384],
            SignatureScheme::RsaPssRsaeSha256 => &[SignatureScheme::RsaPssRsaeSha256],
            SignatureScheme::RsaPssRsaeSha384 => &[SignatureScheme::RsaPssRsaeSha384],
        }
    }
}

/// Smallest RSA modulus accepted anywhere (peer keys, certificate signatures, our own keys).
/// 2048 bits is the floor of NIST SP 800-131A and of the CA/Browser Forum; 1024-bit keys are
/// within reach of well-funded attackers.
pub const MIN_RSA_BITS: u32 = 2048;
/// Largest RSA modulus accepted. It bounds what a peer can make us compute (verification cost
/// grows with the square of the modulus length) and keeps every signature within
/// [`MAX_SIGNATURE_LEN`] (512 bytes = 4096 bits).
pub const MAX_RSA_BITS: u32 = 4096;

/// The kind of a public (or private) key, as named by its SubjectPublicKeyInfo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PublicKeyKind {
    /// id-ecPublicKey on secp256r1 (RFC 5480 2.1.1.1).
    EcP256,
    /// id-ecPublicKey on secp384r1.
    EcP384,
    /// rsaEncryption (RFC 8017 A.1): signs with PKCS#1 v1.5 or PSS, and decrypts.
    Rsa,
}

/// A public key as the provider takes it, with what kind of key it is. The bytes are the
/// contents of the SubjectPublicKeyInfo's `subjectPublicKey` BIT STRING: an uncompressed SEC1
/// point for EC keys, a DER `RSAPublicKey` (RFC 8017 A.1.1) for RSA — exactly what
/// [`CryptoProvider::verify`] takes. `pki::leaf_key` extracts one from a certificate.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicKey {
    kind: PublicKeyKind,
    bits: u32,
    bytes: alloc::vec::Vec<u8>,
}

impl PublicKey {
    /// A key of `kind` with `bits` of strength-defining size (the curve size, or the RSA modulus
    /// length) and its `subjectPublicKey` bytes. Callers that parse keys check the encoding;
    /// the provider checks it again when it uses the key.
    pub fn new(kind: PublicKeyKind, bits: u32, bytes: alloc::vec::Vec<u8>) -> Self {
        PublicKey { kind, bits, bytes }
    }

    /// What kind of key this is.
    pub fn kind(&self) -> PublicKeyKind {
        self.kind
    }

    /// Curve size or RSA modulus length in bits.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The `subjectPublicKey` bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether `scheme` signs with this kind of key.
    pub fn fits(&self, scheme: SignatureScheme) -> bool {
        scheme.key_kind() == self.kind
    }

    /// Verifies `signature` over `message` with this key, after checking that `scheme` is one
    /// this kind of key makes ([`CryptoError::InvalidKey`] if not).
    pub fn verify(
        &self,
        provider: &dyn CryptoProvider,
        scheme: SignatureScheme,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        if !self.fits(scheme) {
            return Err(CryptoError::InvalidKey);
        }
        provider.verify(scheme, &self.bytes, message, signature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("kind", &self.kind)
            .field("bits", &self.bits)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A private key that can sign handshake messages.
pub trait SigningKey: fmt::Debug + Send + Sync {
    /// The scheme this key signs with.
    fn scheme(&self) -> SignatureScheme;
    /// Signs `message` (the provider hashes it) and writes the wire-encoded signature into
    /// `out`, returning its length.
    fn sign(&self, message: &[u8], rng: &mut dyn SecureRandom, out: &mut [u8]) -> Result<usize, CryptoError>;

    /// Every scheme the key can sign with, in the key's order of preference. An RSA key signs
    /// with PKCS#1 v1.5 and PSS over several hashes; the handshake picks one the peer offered.
    fn schemes(&self) -> &'static [SignatureScheme] {
        self.scheme().as_slice()
    }

    /// Signs `message` with `scheme`, one of [`schemes`](Self::schemes); the default knows
    /// only [`scheme`](Self::scheme).
    fn sign_with(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        rng: &mut dyn SecureRandom,
        out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        if scheme == self.scheme() {
            self.sign(message, rng, out)
        } else {
            Err(CryptoError::Unsupported)
        }
    }

    /// The matching public key, if the key can say (used to check that a configured key
    /// belongs to its certificate).
    fn public_key(&self) -> Option<PublicKey> {
        None
    }

    /// RSA keys only: the raw decryption primitive RSADP with I2OSP (RFC 8017 5.1.2, 4.1),
    /// blinded with `rng`, writing exactly the modulus length into `out` and returning it. No
    /// padding is checked here: RSA key transport checks it itself in constant time
    /// ([`rsa_premaster`], RFC 5246 7.4.7.1). Failures (a ciphertext of the wrong length or
    /// not below the modulus, the CRT fault check) depend only on public values; keys that
    /// cannot decrypt answer [`CryptoError::Unsupported`].
    fn rsa_decrypt_raw(
        &self,
        ciphertext: &[u8],
        rng: &mut dyn SecureRandom,
        out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        let _ = (ciphertext, rng, out);
        Err(CryptoError::Unsupported)
    }
}

/// Largest signature any supported scheme produces: an RSA-4096 signature is 512 bytes (DER
/// ECDSA P-384 at most 104). Signing keys with larger moduli are refused when loaded.
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

    /// RSAES-PKCS1-v1_5 encryption (RFC 8017 7.2.1) of `plaintext` under `public_key` (a DER
    /// `RSAPublicKey`), for the client's side of RSA key transport. Providers without RSA keep
    /// the default, which answers [`CryptoError::Unsupported`].
    fn rsa_encrypt_pkcs1(
        &self,
        public_key: &[u8],
        plaintext: &[u8],
        rng: &mut dyn SecureRandom,
    ) -> Result<alloc::vec::Vec<u8>, CryptoError> {
        let _ = (public_key, plaintext, rng);
        Err(CryptoError::Unsupported)
    }

    /// Loads a private key for `scheme`. For ECDSA P-256 (and P-384) the provider accepts a raw
    /// 32-byte (48-byte) big-endian scalar, a SEC1 `ECPrivateKey` (RFC 5915) DER or a PKCS#8
    /// DER document; for RSA a PKCS#1 `RSAPrivateKey` or a PKCS#8 DER document (the returned key
    /// signs with every RSA scheme, see [`SigningKey::schemes`]).
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
pub mod rsa_premaster;
pub mod table_aes;

#[cfg(feature = "rustcrypto")]
pub mod rustcrypto;
#[cfg(feature = "rustcrypto-p384")]
pub mod rustcrypto_p384;
#[cfg(all(feature = "rustcrypto", feature = "ecdhe", feature = "sha384"))]
pub mod rustcrypto_pk;
#[cfg(feature = "rustcrypto-rsa")]
pub mod rustcrypto_rsa;
#[cfg(feature = "rustcrypto")]
mod seeded;
#[cfg(feature = "rustcrypto")]
pub use seeded::DeterministicRandom;

// Deliberately insecure (transparent records, constant MACs, every signature verifies): only
// for fuzzers, which build with `--cfg fuzzing`. tests/no_fuzzing_provider.rs guards this gate.
#[cfg(fuzzing)]
pub mod fuzzing;
