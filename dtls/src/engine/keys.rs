//! The key schedule of one handshake: premaster → master secret → record ciphers, and
//! Finished, on top of [`crate::crypto::prf`].

use alloc::boxed::Box;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::codec::Codec;
use crate::crypto::prf::{self, FinishedLabel, MASTER_SECRET_LEN, MasterSecret, VERIFY_DATA_LEN};
use crate::crypto::{CryptoProvider, KeyExchange, RecordCipher};
use crate::error::Error;
use crate::suite::SuiteParams;
use crate::wire::{AlertDescription, Finished};

use super::connection::Core;

/// The ECDHE premaster secret: the shared x-coordinate with the peer's public point (RFC 8422
/// 5.10). An invalid point is the peer's fault: illegal_parameter.
pub(crate) fn ecdhe_premaster(
    ours: &dyn KeyExchange,
    peer_public: &[u8],
    what: &'static str,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let mut shared = Zeroizing::new([0u8; 66]);
    let n = ours
        .agree(peer_public, &mut shared[..])
        .map_err(|_| Error::protocol(AlertDescription::ILLEGAL_PARAMETER, what))?;
    Ok(Zeroizing::new(shared.get(..n).unwrap_or(&[]).to_vec()))
}

/// Proof that the peer's Finished verified over the transcript: only
/// [`Secrets::check_finished`] makes one, and both roles' connected states require it, so a
/// handshake cannot complete without the check.
#[derive(Debug)]
pub(crate) struct FinishedVerified {
    _private: (),
}

/// The negotiated secrets of one handshake.
pub(crate) struct Secrets {
    pub(crate) params: &'static SuiteParams,
    master: MasterSecret,
}

impl core::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Secrets")
            .field("suite", &self.params.suite)
            .finish_non_exhaustive()
    }
}

/// Record ciphers for both directions of the new epoch.
pub(crate) struct EpochCiphers {
    pub(crate) client_write: Box<dyn RecordCipher>,
    pub(crate) server_write: Box<dyn RecordCipher>,
}

impl Secrets {
    /// Derives the secrets and the new epoch's ciphers once ClientKeyExchange is in the
    /// transcript (RFC 7627 4: the session hash covers the transcript through it).
    pub(crate) fn establish(
        core: &Core,
        params: &'static SuiteParams,
        premaster: &[u8],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        extended_master_secret: bool,
    ) -> Result<(Secrets, EpochCiphers), Error> {
        let provider = core.provider().as_ref();
        let (hash, n) = core.transcript_hash(params.prf_hash)?;
        let session_hash = extended_master_secret.then(|| hash.get(..n).unwrap_or(&[]));
        let secrets = Secrets::derive(
            provider,
            params,
            premaster,
            client_random,
            server_random,
            session_hash,
        )?;
        let ciphers = secrets.ciphers(provider, client_random, server_random)?;
        Ok((secrets, ciphers))
    }

    /// The body of our Finished over the transcript so far.
    pub(crate) fn finished_body(&self, core: &Core, client: bool) -> Result<Vec<u8>, Error> {
        let (hash, n) = core.transcript_hash(self.params.prf_hash)?;
        let verify_data = self.verify_data(core.provider().as_ref(), client, hash.get(..n).unwrap_or(&[]))?;
        Ok(Finished {
            verify_data: verify_data.to_vec(),
        }
        .to_vec()?)
    }

    /// Checks the peer's Finished against the transcript so far, in constant time
    /// (RFC 5246 7.4.9); a mismatch is decrypt_error. The proof it returns is what the
    /// connected state requires.
    // catalogue: RFC5246-7.4.9-1
    pub(crate) fn check_finished(
        &self,
        core: &Core,
        from_client: bool,
        body: &[u8],
    ) -> Result<FinishedVerified, Error> {
        let (hash, n) = core.transcript_hash(self.params.prf_hash)?;
        let expected = self.verify_data(
            core.provider().as_ref(),
            from_client,
            hash.get(..n).unwrap_or(&[]),
        )?;
        let finished = Finished::parse(body)?;
        if bool::from(subtle::ConstantTimeEq::ct_eq(
            &expected[..],
            &finished.verify_data[..],
        )) {
            Ok(FinishedVerified { _private: () })
        } else {
            Err(Error::protocol(
                AlertDescription::DECRYPT_ERROR,
                "peer Finished does not verify",
            ))
        }
    }

    /// Derives the master secret. With the extended master secret (RFC 7627 4) the seed is the
    /// session hash (the transcript hash through ClientKeyExchange); otherwise the two randoms
    /// (RFC 5246 8.1).
    // catalogue: RFC7627-5.1-1, RFC7627-5.2-6
    pub(crate) fn derive(
        provider: &dyn CryptoProvider,
        params: &'static SuiteParams,
        premaster: &[u8],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        session_hash: Option<&[u8]>,
    ) -> Result<Secrets, Error> {
        let master = match session_hash {
            Some(hash) => prf::extended_master_secret(provider, params.prf_hash, premaster, hash)?,
            None => prf::master_secret(provider, params.prf_hash, premaster, client_random, server_random)?,
        };
        Ok(Secrets { params, master })
    }

    /// Expands the key block and builds the record ciphers (RFC 5246 6.3).
    pub(crate) fn ciphers(
        &self,
        provider: &dyn CryptoProvider,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Result<EpochCiphers, Error> {
        let p = self.params;
        let mut block = Zeroizing::new(Vec::new());
        block.resize(p.key_block_len(), 0);
        prf::key_block(
            provider,
            p.prf_hash,
            &self.master,
            client_random,
            server_random,
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
        let label = if client {
            FinishedLabel::Client
        } else {
            FinishedLabel::Server
        };
        Ok(prf::verify_data(
            provider,
            self.params.prf_hash,
            &self.master,
            label,
            transcript_hash,
        )?)
    }

    /// The master secret, for NSS key log lines.
    pub(crate) fn master_secret(&self) -> &[u8; MASTER_SECRET_LEN] {
        &self.master
    }
}
