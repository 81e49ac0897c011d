//! The key schedule: premaster → master secret → key block → record ciphers, and Finished.

use alloc::boxed::Box;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::crypto::{prf, CryptoProvider, RecordCipher};
use crate::error::Error;
use crate::suite::SuiteParams;

/// Length of the master secret (RFC 5246 8.1).
pub(crate) const MASTER_SECRET_LEN: usize = 48;
/// Length of Finished.verify_data for every TLS 1.2 suite here (RFC 5246 7.4.9).
pub(crate) const VERIFY_DATA_LEN: usize = 12;

/// The negotiated secrets of one handshake.
pub(crate) struct Secrets {
    pub(crate) params: &'static SuiteParams,
    pub(crate) master: Zeroizing<[u8; MASTER_SECRET_LEN]>,
}

impl core::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Secrets").field("suite", &self.params.suite).finish_non_exhaustive()
    }
}

/// Record ciphers for both directions of the new epoch.
pub(crate) struct EpochCiphers {
    pub(crate) client_write: Box<dyn RecordCipher>,
    pub(crate) server_write: Box<dyn RecordCipher>,
}

impl Secrets {
    /// Derives the master secret. With the extended master secret (RFC 7627 4) the seed is the
    /// session hash (the transcript hash up to and including ClientKeyExchange); otherwise the
    /// two randoms (RFC 5246 8.1).
    pub(crate) fn derive(
        provider: &dyn CryptoProvider,
        params: &'static SuiteParams,
        premaster: &[u8],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        session_hash: Option<&[u8]>,
    ) -> Result<Secrets, Error> {
        let mut master = Zeroizing::new([0u8; MASTER_SECRET_LEN]);
        match session_hash {
            Some(hash) => prf::prf(
                provider,
                params.prf_hash,
                premaster,
                b"extended master secret",
                &[hash],
                &mut master[..],
            )?,
            None => prf::prf(
                provider,
                params.prf_hash,
                premaster,
                b"master secret",
                &[client_random, server_random],
                &mut master[..],
            )?,
        }
        Ok(Secrets { params, master })
    }

    /// Expands the key block and builds the record ciphers (RFC 5246 6.3: the seed is
    /// server_random + client_random, the opposite order to the master secret's).
    pub(crate) fn ciphers(
        &self,
        provider: &dyn CryptoProvider,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Result<EpochCiphers, Error> {
        let p = self.params;
        let mut block = Zeroizing::new(Vec::new());
        block.resize(p.key_block_len(), 0);
        prf::prf(
            provider,
            p.prf_hash,
            &self.master[..],
            b"key expansion",
            &[server_random, client_random],
            &mut block[..],
        )?;
        let mut rest: &[u8] = &block[..];
        let mut take = |n: usize| -> Result<&[u8], Error> {
            if n > rest.len() {
                return Err(Error::Config("key block too short"));
            }
            let (head, tail) = rest.split_at(n);
            rest = tail;
            Ok(head)
        };
        let client_mac = take(p.mac_key_len)?;
        let server_mac = take(p.mac_key_len)?;
        let client_key = take(p.enc_key_len)?;
        let server_key = take(p.enc_key_len)?;
        let client_iv = take(p.fixed_iv_len)?;
        let server_iv = take(p.fixed_iv_len)?;
        Ok(EpochCiphers {
            client_write: provider.record_cipher(p.bulk, client_key, client_mac, client_iv)?,
            server_write: provider.record_cipher(p.bulk, server_key, server_mac, server_iv)?,
        })
    }

    /// Finished.verify_data (RFC 5246 7.4.9) over the given transcript hash.
    pub(crate) fn verify_data(
        &self,
        provider: &dyn CryptoProvider,
        client: bool,
        transcript_hash: &[u8],
    ) -> Result<[u8; VERIFY_DATA_LEN], Error> {
        let label: &[u8] = if client { b"client finished" } else { b"server finished" };
        let mut out = [0u8; VERIFY_DATA_LEN];
        prf::prf(provider, self.params.prf_hash, &self.master[..], label, &[transcript_hash], &mut out)?;
        Ok(out)
    }

    /// The master secret, for NSS key log lines.
    pub(crate) fn master_secret(&self) -> &[u8; MASTER_SECRET_LEN] {
        &self.master
    }
}

/// The RFC 4279 section 2 premaster secret for plain PSK: `uint16 N, N zero bytes, uint16 N,
/// the N-byte PSK`.
pub(crate) fn psk_premaster(psk: &[u8]) -> Zeroizing<Vec<u8>> {
    let n = psk.len().min(usize::from(u16::MAX));
    let len = (n as u16).to_be_bytes();
    let mut out = Zeroizing::new(Vec::with_capacity(4 + 2 * n));
    out.extend_from_slice(&len);
    out.resize(2 + n, 0);
    out.extend_from_slice(&len);
    out.extend_from_slice(psk.get(..n).unwrap_or(&[]));
    out
}
