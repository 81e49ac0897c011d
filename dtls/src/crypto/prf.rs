//! The TLS 1.2 PRF (RFC 5246 section 5) and the key-schedule steps built on it, over any
//! [`CryptoProvider`]'s HMAC.
//!
//! `PRF(secret, label, seed) = P_<hash>(secret, label + seed)`, where
//! `P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...` and
//! `A(0) = seed`, `A(i) = HMAC(secret, A(i-1))`.

use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::{CryptoError, CryptoProvider, HashAlgorithm, MAX_HASH_LEN};

/// Length of the master secret (RFC 5246 8.1).
pub const MASTER_SECRET_LEN: usize = 48;
/// Length of Finished.verify_data for every TLS 1.2 suite we offer (RFC 5246 7.4.9).
pub const VERIFY_DATA_LEN: usize = 12;
/// Longest PSK the RFC 4279 premaster construction accepts (a 16-bit length).
pub const MAX_PSK_LEN: usize = u16::MAX as usize;

/// Most seed parts [`prf`] takes after the label.
pub const MAX_SEED_PARTS: usize = 4;

/// A 48-byte master secret, zeroized on drop.
pub type MasterSecret = Zeroizing<[u8; MASTER_SECRET_LEN]>;

/// Which side's Finished message is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinishedLabel {
    /// "client finished".
    Client,
    /// "server finished".
    Server,
}

impl FinishedLabel {
    /// The PRF label.
    pub const fn label(self) -> &'static [u8] {
        match self {
            FinishedLabel::Client => b"client finished",
            FinishedLabel::Server => b"server finished",
        }
    }
}

/// The TLS 1.2 PRF: fills all of `out` with `P_<alg>(secret, label + seed[0] + seed[1] + ...)`.
///
/// `alg` is SHA-256 for every suite here, SHA-384 for the `_SHA384` suites; SHA-1 is refused
/// ([`CryptoError::Unsupported`]), it is not a TLS 1.2 PRF hash. At most
/// [`MAX_SEED_PARTS`] seed parts (else [`CryptoError::BadLength`]). Any `out` length works,
/// zero included.
pub fn prf<P: CryptoProvider + ?Sized>(
    provider: &P,
    alg: HashAlgorithm,
    secret: &[u8],
    label: &[u8],
    seed: &[&[u8]],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    if matches!(alg, HashAlgorithm::Sha1) {
        return Err(CryptoError::Unsupported);
    }
    if seed.len() > MAX_SEED_PARTS {
        return Err(CryptoError::BadLength);
    }
    // parts = [A(i), label, seed...], unused slots empty.
    let mut full_seed: [&[u8]; MAX_SEED_PARTS + 1] = [&[]; MAX_SEED_PARTS + 1];
    if let Some(first) = full_seed.first_mut() {
        *first = label;
    }
    for (slot, part) in full_seed.iter_mut().skip(1).zip(seed) {
        *slot = part;
    }

    // Keyed once: every HMAC below starts from a copy of the keyed state (on a Cortex-M4 this
    // is about a sixth of a PSK handshake side, notes/cortex-m-crypto-costs.md).
    let mac = provider.hmac_key(alg, secret)?;
    let mut a = Zeroizing::new([0u8; MAX_HASH_LEN]);
    let mut block = Zeroizing::new([0u8; MAX_HASH_LEN]);
    // A(1) = HMAC(secret, seed).
    let mut a_len = mac.mac(&full_seed, &mut a)?;
    let mut written = 0;
    while written < out.len() {
        let a_i = a.get(..a_len).ok_or(CryptoError::BadLength)?;
        let parts: [&[u8]; MAX_SEED_PARTS + 2] = [
            a_i,
            full_seed[0],
            full_seed[1],
            full_seed[2],
            full_seed[3],
            full_seed[4],
        ];
        let n = mac.mac(&parts, &mut block)?;
        if n == 0 {
            return Err(CryptoError::Unsupported);
        }
        let take = n.min(out.len() - written);
        let dst = out
            .get_mut(written..written + take)
            .ok_or(CryptoError::BadLength)?;
        dst.copy_from_slice(block.get(..take).ok_or(CryptoError::BadLength)?);
        written += take;
        if written < out.len() {
            let mut next = Zeroizing::new([0u8; MAX_HASH_LEN]);
            a_len = mac.mac(&[a.get(..a_len).ok_or(CryptoError::BadLength)?], &mut next)?;
            *a = *next;
        }
    }
    Ok(())
}

/// The standard master secret (RFC 5246 8.1):
/// `PRF(pre_master_secret, "master secret", client_random + server_random)[0..47]`.
pub fn master_secret<P: CryptoProvider + ?Sized>(
    provider: &P,
    alg: HashAlgorithm,
    pre_master_secret: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Result<MasterSecret, CryptoError> {
    let mut ms = Zeroizing::new([0u8; MASTER_SECRET_LEN]);
    prf(
        provider,
        alg,
        pre_master_secret,
        b"master secret",
        &[client_random, server_random],
        &mut *ms,
    )?;
    Ok(ms)
}

/// The extended master secret (RFC 7627 section 4):
/// `PRF(pre_master_secret, "extended master secret", session_hash)[0..47]`, where
/// `session_hash` is the transcript hash up to and including ClientKeyExchange.
pub fn extended_master_secret<P: CryptoProvider + ?Sized>(
    provider: &P,
    alg: HashAlgorithm,
    pre_master_secret: &[u8],
    session_hash: &[u8],
) -> Result<MasterSecret, CryptoError> {
    let mut ms = Zeroizing::new([0u8; MASTER_SECRET_LEN]);
    prf(
        provider,
        alg,
        pre_master_secret,
        b"extended master secret",
        &[session_hash],
        &mut *ms,
    )?;
    Ok(ms)
}

/// The key block (RFC 5246 6.3): fills `out` with
/// `PRF(master_secret, "key expansion", server_random + client_random)`. Note the order of
/// the randoms, reversed from the master secret's.
pub fn key_block<P: CryptoProvider + ?Sized>(
    provider: &P,
    alg: HashAlgorithm,
    master_secret: &[u8; MASTER_SECRET_LEN],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    prf(
        provider,
        alg,
        master_secret,
        b"key expansion",
        &[server_random, client_random],
        out,
    )
}

/// Finished.verify_data (RFC 5246 7.4.9):
/// `PRF(master_secret, finished_label, handshake_hash)[0..11]`.
pub fn verify_data<P: CryptoProvider + ?Sized>(
    provider: &P,
    alg: HashAlgorithm,
    master_secret: &[u8; MASTER_SECRET_LEN],
    label: FinishedLabel,
    handshake_hash: &[u8],
) -> Result<[u8; VERIFY_DATA_LEN], CryptoError> {
    let mut out = [0u8; VERIFY_DATA_LEN];
    prf(
        provider,
        alg,
        master_secret,
        label.label(),
        &[handshake_hash],
        &mut out,
    )?;
    Ok(out)
}

/// The plain-PSK premaster secret (RFC 4279 section 2):
/// `uint16 N || N zero bytes || uint16 N || psk`, N = psk length. Fails with
/// [`CryptoError::BadLength`] if the PSK is empty or longer than [`MAX_PSK_LEN`].
pub fn psk_premaster_secret(psk: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if psk.is_empty() || psk.len() > MAX_PSK_LEN {
        return Err(CryptoError::BadLength);
    }
    let n = u16::try_from(psk.len()).map_err(|_| CryptoError::BadLength)?;
    let mut out = Zeroizing::new(Vec::with_capacity(4 + 2 * psk.len()));
    out.extend_from_slice(&n.to_be_bytes());
    out.resize(2 + psk.len(), 0);
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(psk);
    Ok(out)
}
