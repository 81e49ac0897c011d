//! Stateless HelloVerifyRequest cookies (RFC 6347 4.2.1).
//!
//! A server answers a ClientHello without a valid cookie with a HelloVerifyRequest carrying
//! `HMAC-SHA256(secret, ClientHello parameters, client address)` and keeps no state at all for
//! that peer; only a ClientHello that echoes a cookie the gate recognises, proving the client
//! receives datagrams at its claimed address, may create a session. This is the defence
//! against spoofed-address floods (state exhaustion) and amplification.
//!
//! The MAC input, in this order, each variable-length field preceded by its length as a
//! 32-bit big-endian integer so that no two different inputs concatenate alike:
//!
//! 1. the label `"dtls12 hello cookie v1"` (the secret is used for nothing else, but the
//!    label makes that explicit and versions the format);
//! 2. `len(peer) || peer`: the peer address in whatever stable serialized form the server
//!    chooses (the server is generic over its address type);
//! 3. `client_version` (2 bytes);
//! 4. `random` (32 bytes);
//! 5. `len || session_id`;
//! 6. `len || cipher_suites` (the vector's contents, without its wire length prefix);
//! 7. `len || compression_methods` (likewise);
//! 8. `len || extensions` (the raw extensions block as received, without its prefix; empty
//!    if the ClientHello has none).
//!
//! RFC 6347 4.2.1 requires the client to repeat version, random, session_id, cipher_suites
//! and compression_method in its second ClientHello; binding the extensions as well is our
//! choice (a client that changes them is not replaying its hello). A server that meets a
//! client changing its extensions between the two hellos can pass an empty `extensions`.
//!
//! The cookie is the HMAC-SHA256 output truncated to 16 bytes ([`COOKIE_LEN`]): guessing one
//! takes 2^128 tries against a secret that rotates, and every byte saved is saved twice per
//! handshake (in the HelloVerifyRequest and in the second ClientHello) on links where bytes
//! cost energy. The HelloVerifyRequest carrying it (13 + 12 + 3 + 16 = 44 bytes) is smaller
//! than the smallest valid ClientHello (67 bytes), so answering a spoofed hello never
//! amplifies.
//!
//! Secrets rotate: the gate holds the current and the previous secret, so a cookie minted
//! just before a [`rotate`](CookieGate::rotate) still verifies, and one minted two rotations
//! ago does not. Rotating every few minutes bounds how long a captured cookie is useful.
//! Generating and verifying never allocate: the gate is two fixed arrays, the MAC input is
//! a list of borrowed slices on the stack.

use core::fmt;

use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::crypto::{CryptoError, CryptoProvider, HashAlgorithm, MAX_HASH_LEN, SecureRandom};

/// Bytes of a cookie (the whole HMAC-SHA256 output).
pub const COOKIE_LEN: usize = 16;

/// Bytes of a cookie secret (the HMAC-SHA256 block-size-independent key length we draw).
pub const COOKIE_SECRET_LEN: usize = 32;

/// Domain-separation label at the front of the MAC input.
const LABEL: &[u8] = b"dtls12 hello cookie v1";

/// The ClientHello fields and the client address a cookie binds. Slices are the raw field
/// contents, without their wire length prefixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientHelloBinding<'a> {
    /// The peer address, serialized by the server in a stable way.
    pub peer: &'a [u8],
    /// `client_version` as on the wire (0xFEFD for DTLS 1.2).
    pub client_version: u16,
    /// The client random.
    pub random: &'a [u8; 32],
    /// The session_id contents.
    pub session_id: &'a [u8],
    /// The cipher_suites contents.
    pub cipher_suites: &'a [u8],
    /// The compression_methods contents.
    pub compression_methods: &'a [u8],
    /// The extensions block contents (empty when absent).
    pub extensions: &'a [u8],
}

/// Proof that a ClientHello carried a valid cookie for its address: only
/// [`CookieGate::verify`] makes one, so code that needs it cannot skip the check.
#[derive(Debug)]
pub struct CookieVerified {
    _private: (),
}

/// Why a cookie was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieError {
    /// Wrong length, or not made by either secret for these parameters and this address.
    Invalid,
    /// The crypto provider failed (e.g. it offers no HMAC-SHA256).
    Crypto(CryptoError),
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CookieError::Invalid => f.write_str("invalid HelloVerifyRequest cookie"),
            CookieError::Crypto(e) => write!(f, "cookie MAC failed: {e}"),
        }
    }
}

impl From<CryptoError> for CookieError {
    fn from(e: CryptoError) -> Self {
        CookieError::Crypto(e)
    }
}

/// Mints and checks HelloVerifyRequest cookies under a rotating secret (RFC 6347 4.2.1).
// catalogue: RFC6347-4.2.1-7, RFC6347-4.2.1-11
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct CookieGate {
    current: [u8; COOKIE_SECRET_LEN],
    previous: Option<[u8; COOKIE_SECRET_LEN]>,
}

impl fmt::Debug for CookieGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secrets.
        f.debug_struct("CookieGate")
            .field("has_previous", &self.previous.is_some())
            .finish_non_exhaustive()
    }
}

impl CookieGate {
    /// A gate with a fresh secret drawn from `rng`.
    pub fn new(rng: &mut dyn SecureRandom) -> Self {
        let mut current = [0u8; COOKIE_SECRET_LEN];
        rng.fill(&mut current);
        CookieGate {
            current,
            previous: None,
        }
    }

    /// A gate with the given secret (it is copied; the caller zeroizes its own copy).
    pub fn with_secret(secret: &[u8; COOKIE_SECRET_LEN]) -> Self {
        CookieGate {
            current: *secret,
            previous: None,
        }
    }

    /// Replaces the secret with a fresh one from `rng`; the old one keeps verifying until the
    /// next rotation.
    pub fn rotate(&mut self, rng: &mut dyn SecureRandom) {
        let mut fresh = [0u8; COOKIE_SECRET_LEN];
        rng.fill(&mut fresh);
        self.rotate_to(&fresh);
        fresh.zeroize();
    }

    /// Replaces the secret with `secret`; the old one keeps verifying until the next rotation.
    pub fn rotate_to(&mut self, secret: &[u8; COOKIE_SECRET_LEN]) {
        if let Some(old) = self.previous.as_mut() {
            old.zeroize();
        }
        self.previous = Some(self.current);
        self.current = *secret;
    }

    /// The cookie for `hello` under the current secret.
    pub fn generate(
        &self,
        crypto: &dyn CryptoProvider,
        hello: &ClientHelloBinding<'_>,
    ) -> Result<[u8; COOKIE_LEN], CryptoError> {
        mac(crypto, &self.current, hello)
    }

    /// Checks `cookie` against `hello` under the current and the previous secret. Both MACs
    /// are computed and compared in constant time whichever matches, so timing tells nothing
    /// about which secret (if any) made it.
    pub fn verify(
        &self,
        crypto: &dyn CryptoProvider,
        hello: &ClientHelloBinding<'_>,
        cookie: &[u8],
    ) -> Result<CookieVerified, CookieError> {
        // The length is public (it is on the wire); an empty cookie is the normal first hello.
        let Ok(cookie) = <&[u8; COOKIE_LEN]>::try_from(cookie) else {
            return Err(CookieError::Invalid);
        };
        let mut ok: Choice = mac(crypto, &self.current, hello)?[..].ct_eq(&cookie[..]);
        if let Some(previous) = &self.previous {
            ok |= mac(crypto, previous, hello)?[..].ct_eq(&cookie[..]);
        }
        if bool::from(ok) {
            Ok(CookieVerified { _private: () })
        } else {
            Err(CookieError::Invalid)
        }
    }
}

/// Big-endian u32 length of a field (fields longer than 4 GiB cannot come from a datagram;
/// they saturate, which only makes the cookie fail).
fn len32(field: &[u8]) -> [u8; 4] {
    u32::try_from(field.len()).unwrap_or(u32::MAX).to_be_bytes()
}

fn mac(
    crypto: &dyn CryptoProvider,
    secret: &[u8; COOKIE_SECRET_LEN],
    hello: &ClientHelloBinding<'_>,
) -> Result<[u8; COOKIE_LEN], CryptoError> {
    let peer_len = len32(hello.peer);
    let version = hello.client_version.to_be_bytes();
    let sid_len = len32(hello.session_id);
    let suites_len = len32(hello.cipher_suites);
    let comp_len = len32(hello.compression_methods);
    let ext_len = len32(hello.extensions);
    let parts: [&[u8]; 13] = [
        LABEL,
        &peer_len,
        hello.peer,
        &version,
        hello.random,
        &sid_len,
        hello.session_id,
        &suites_len,
        hello.cipher_suites,
        &comp_len,
        hello.compression_methods,
        &ext_len,
        hello.extensions,
    ];
    let mut out = [0u8; MAX_HASH_LEN];
    let n = crypto.hmac(HashAlgorithm::Sha256, secret, &parts, &mut out)?;
    match out.first_chunk::<COOKIE_LEN>() {
        Some(cookie) if n >= COOKIE_LEN => Ok(*cookie),
        _ => Err(CryptoError::BadLength),
    }
}

#[cfg(all(test, feature = "rustcrypto"))]
mod tests {
    use super::*;
    use crate::crypto::rustcrypto::RustCrypto;
    use hmac::{KeyInit, Mac};

    /// A counter-based "RNG": deterministic and distinct per call.
    #[derive(Debug)]
    struct CountingRng(u8);

    impl SecureRandom for CountingRng {
        fn fill(&mut self, dest: &mut [u8]) {
            self.0 = self.0.wrapping_add(1);
            dest.fill(self.0);
        }
    }

    const RANDOM: [u8; 32] = [0x5A; 32];
    const SUITES: [u8; 4] = [0xC0, 0xAE, 0x00, 0xFF];

    fn hello<'a>(peer: &'a [u8], random: &'a [u8; 32]) -> ClientHelloBinding<'a> {
        ClientHelloBinding {
            peer,
            client_version: 0xFEFD,
            random,
            session_id: &[],
            cipher_suites: &SUITES,
            compression_methods: &[0],
            extensions: &[0x00, 0x0A, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17],
        }
    }

    #[test]
    fn valid_cookie_verifies() {
        let gate = CookieGate::new(&mut CountingRng(0));
        let h = hello(b"192.0.2.1:5684", &RANDOM);
        let cookie = gate.generate(&RustCrypto, &h).unwrap();
        assert!(gate.verify(&RustCrypto, &h, &cookie).is_ok());
        // Deterministic: the same hello gets the same cookie (a retransmitted ClientHello
        // gets an identical HelloVerifyRequest, as RFC 6347 4.2.1 expects).
        assert_eq!(gate.generate(&RustCrypto, &h).unwrap(), cookie);
    }

    #[test]
    fn cookie_binds_address_and_every_hello_field() {
        let gate = CookieGate::new(&mut CountingRng(0));
        let base = hello(b"192.0.2.1:5684", &RANDOM);
        let cookie = gate.generate(&RustCrypto, &base).unwrap();
        let other_random = [0xA5; 32];
        let variants = [
            ClientHelloBinding {
                peer: b"192.0.2.2:5684",
                ..base
            },
            ClientHelloBinding {
                peer: b"192.0.2.1:5685",
                ..base
            },
            ClientHelloBinding {
                client_version: 0xFEFF,
                ..base
            },
            ClientHelloBinding {
                client_version: 0x0303,
                ..base
            },
            ClientHelloBinding {
                random: &other_random,
                ..base
            },
            ClientHelloBinding {
                session_id: &[1],
                ..base
            },
            ClientHelloBinding {
                cipher_suites: &SUITES[..2],
                ..base
            },
            ClientHelloBinding {
                cipher_suites: &[0xC0, 0xA8, 0x00, 0xFF],
                ..base
            },
            ClientHelloBinding {
                compression_methods: &[1, 0],
                ..base
            },
            ClientHelloBinding {
                extensions: &[],
                ..base
            },
        ];
        for v in &variants {
            assert_eq!(
                gate.verify(&RustCrypto, v, &cookie).unwrap_err(),
                CookieError::Invalid,
                "{v:?}"
            );
        }
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        // Moving a byte from one field to the next must change the cookie.
        let gate = CookieGate::with_secret(&[7; 32]);
        let a = ClientHelloBinding {
            session_id: &[0xC0],
            cipher_suites: &[0xAE, 0x00, 0xFF],
            ..hello(b"p", &RANDOM)
        };
        let b = ClientHelloBinding {
            session_id: &[],
            cipher_suites: &[0xC0, 0xAE, 0x00, 0xFF],
            ..a
        };
        assert_ne!(
            gate.generate(&RustCrypto, &a).unwrap(),
            gate.generate(&RustCrypto, &b).unwrap()
        );
        let c = ClientHelloBinding {
            peer: b"ab",
            session_id: &[],
            ..a
        };
        let d = ClientHelloBinding {
            peer: b"a",
            session_id: b"b",
            ..a
        };
        assert_ne!(
            gate.generate(&RustCrypto, &c).unwrap(),
            gate.generate(&RustCrypto, &d).unwrap()
        );
    }

    #[test]
    fn previous_secret_verifies_after_one_rotation_not_two() {
        let mut rng = CountingRng(0);
        let mut gate = CookieGate::new(&mut rng);
        let h = hello(b"peer", &RANDOM);
        let cookie = gate.generate(&RustCrypto, &h).unwrap();
        gate.rotate(&mut rng);
        assert!(gate.verify(&RustCrypto, &h, &cookie).is_ok());
        let newer = gate.generate(&RustCrypto, &h).unwrap();
        assert_ne!(newer, cookie);
        gate.rotate(&mut rng);
        assert_eq!(
            gate.verify(&RustCrypto, &h, &cookie).unwrap_err(),
            CookieError::Invalid
        );
        assert!(gate.verify(&RustCrypto, &h, &newer).is_ok());
    }

    #[test]
    fn rotate_to_uses_the_given_secret() {
        let mut a = CookieGate::with_secret(&[1; 32]);
        a.rotate_to(&[2; 32]);
        let b = CookieGate::with_secret(&[2; 32]);
        let h = hello(b"peer", &RANDOM);
        assert_eq!(
            a.generate(&RustCrypto, &h).unwrap(),
            b.generate(&RustCrypto, &h).unwrap()
        );
    }

    #[test]
    fn wrong_length_cookies_fail() {
        let gate = CookieGate::with_secret(&[9; 32]);
        let h = hello(b"peer", &RANDOM);
        let cookie = gate.generate(&RustCrypto, &h).unwrap();
        let mut long = [0u8; COOKIE_LEN + 1];
        long[..COOKIE_LEN].copy_from_slice(&cookie);
        for bad in [
            &[][..],
            &cookie[..1],
            &cookie[..COOKIE_LEN - 1],
            &long[..],
            &[0u8; 255][..],
        ] {
            assert_eq!(
                gate.verify(&RustCrypto, &h, bad).unwrap_err(),
                CookieError::Invalid
            );
        }
        // A cookie of the right length that is not the MAC, including all zeros.
        let mut flipped = cookie;
        flipped[COOKIE_LEN - 1] ^= 1;
        assert_eq!(
            gate.verify(&RustCrypto, &h, &flipped).unwrap_err(),
            CookieError::Invalid
        );
        assert_eq!(
            gate.verify(&RustCrypto, &h, &[0; COOKIE_LEN]).unwrap_err(),
            CookieError::Invalid
        );
    }

    #[test]
    fn mac_input_matches_the_documented_layout() {
        let secret = [0x42; 32];
        let gate = CookieGate::with_secret(&secret);
        let h = hello(b"addr", &RANDOM);
        let mut m = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&secret).unwrap();
        m.update(b"dtls12 hello cookie v1");
        m.update(&[0, 0, 0, 4]);
        m.update(b"addr");
        m.update(&[0xFE, 0xFD]);
        m.update(&RANDOM);
        m.update(&[0, 0, 0, 0]);
        m.update(&[0, 0, 0, 4]);
        m.update(&SUITES);
        m.update(&[0, 0, 0, 1, 0]);
        m.update(&[0, 0, 0, 8, 0x00, 0x0A, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17]);
        let full: [u8; 32] = m.finalize().into_bytes().into();
        assert_eq!(gate.generate(&RustCrypto, &h).unwrap()[..], full[..COOKIE_LEN]);
    }

    #[test]
    fn debug_does_not_print_secrets() {
        let gate = CookieGate::with_secret(&[0xAB; 32]);
        let s = std::format!("{gate:?}");
        assert!(!s.contains("171") && !s.to_lowercase().contains("ab, "), "{s}");
    }

    /// The gate must not allocate per peer (spoofed-address floods). No allocation-counting
    /// allocator is available here (it would need `unsafe` or a new dependency), so this
    /// guards the property structurally: the non-test part of this module names no
    /// allocating type, and the gate is two fixed arrays.
    #[test]
    fn gate_code_uses_no_allocation() {
        let src = include_str!("cookie.rs");
        let code = src.split("#[cfg(all(test").next().unwrap();
        for word in [
            "alloc::", "Vec", "Box", "String", "vec!", "format!", "to_vec", "to_owned",
        ] {
            assert!(!code.contains(word), "cookie.rs library code mentions {word}");
        }
        assert_eq!(core::mem::size_of::<CookieGate>(), 2 * COOKIE_SECRET_LEN + 1);
    }
}
