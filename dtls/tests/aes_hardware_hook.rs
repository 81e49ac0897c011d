//! An AES unit plugs in under the record layer through `crypto::hardware` without touching the
//! protocol: a software stand-in for a chip (single-block mode, and whole-AEAD mode) carries
//! real handshakes and data against a peer on the plain RustCrypto provider; the table-AES
//! provider passes the Wycheproof CCM vectors and interoperates record by record.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Pair, client_config, server_config};
use dtls::Event;
use dtls::crypto::aead::{AeadCipher, Block, BlockEncrypt};
use dtls::crypto::ccm::Ccm;
use dtls::crypto::hardware::{AesAccelerated, AesHardware};
use dtls::crypto::rustcrypto::{Aead, AesKey, RustCrypto};
use dtls::crypto::table_aes::{TableAes, table_aes_provider};
use dtls::crypto::{BulkCipher, CryptoError, CryptoProvider, RecordAad};
use dtls::wire::CipherSuite;

/// Counts what the "hardware" was asked to do.
#[derive(Debug, Default)]
struct Calls {
    keys: AtomicUsize,
    blocks: AtomicUsize,
    aead: AtomicUsize,
}

/// A single-block AES "peripheral" (software underneath), counting blocks.
#[derive(Debug, Clone)]
struct BlockUnit(Arc<Calls>);

struct LoadedKey(AesKey, Arc<Calls>);

impl BlockEncrypt for LoadedKey {
    fn encrypt_block(&self, block: &mut Block) {
        self.1.blocks.fetch_add(1, Ordering::Relaxed);
        self.0.encrypt_block(block);
    }
}

impl AesHardware for BlockUnit {
    fn block_cipher(&self, key: &[u8]) -> Result<Box<dyn BlockEncrypt>, CryptoError> {
        self.0.keys.fetch_add(1, Ordering::Relaxed);
        Ok(Box::new(LoadedKey(AesKey::new(key)?, self.0.clone())))
    }
}

/// A "peripheral" that does whole CCM and GCM itself, and no single blocks.
#[derive(Debug, Clone)]
struct AeadUnit(Arc<Calls>);

struct UnitAead(Aead, Arc<Calls>);

impl AeadCipher for UnitAead {
    fn tag_len(&self) -> usize {
        self.0.tag_len()
    }
    fn seal_in_place(&self, n: &[u8; 12], aad: &[u8], d: &mut [u8], t: &mut [u8]) -> Result<(), CryptoError> {
        self.1.aead.fetch_add(1, Ordering::Relaxed);
        self.0.seal_in_place(n, aad, d, t)
    }
    fn open_in_place(&self, n: &[u8; 12], aad: &[u8], d: &mut [u8], t: &[u8]) -> Result<(), CryptoError> {
        self.1.aead.fetch_add(1, Ordering::Relaxed);
        self.0.open_in_place(n, aad, d, t)
    }
}

impl AesHardware for AeadUnit {
    fn block_cipher(&self, _key: &[u8]) -> Result<Box<dyn BlockEncrypt>, CryptoError> {
        Err(CryptoError::Unsupported)
    }
    fn aead(&self, cipher: BulkCipher, key: &[u8]) -> Result<Box<dyn AeadCipher>, CryptoError> {
        self.0.keys.fetch_add(1, Ordering::Relaxed);
        Ok(Box::new(UnitAead(Aead::new(cipher, key)?, self.0.clone())))
    }
}

/// Handshake with the client on `provider`, the server on RustCrypto, then data both ways.
fn handshake_and_data(suite: CipherSuite, provider: Arc<dyn CryptoProvider + Send + Sync>) {
    let mut client = client_config(suite, 1200);
    client.common.provider = provider;
    let mut pair = Pair::new(client, server_config(true, 1200), 3);
    pair.handshake();
    pair.client.send(b"ping over the hook").unwrap();
    while pair.step(&mut |_, _, _| false) > 0 {}
    assert!(
        pair.server_events
            .iter()
            .any(|e| matches!(e, Event::Data(d) if d == b"ping over the hook")),
        "{:?}",
        pair.server_events
    );
}

#[test]
fn single_block_unit_carries_ccm_handshakes_and_data() {
    for suite in [
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
        CipherSuite::TLS_PSK_WITH_AES_128_CCM,
        CipherSuite::TLS_PSK_WITH_AES_256_CCM_8,
    ] {
        let calls = Arc::new(Calls::default());
        handshake_and_data(
            suite,
            Arc::new(AesAccelerated::new(BlockUnit(calls.clone()), RustCrypto)),
        );
        // Two epochs' keys (read and write) went to the unit, and it encrypted the records.
        assert_eq!(calls.keys.load(Ordering::Relaxed), 2, "{suite:?}");
        assert!(calls.blocks.load(Ordering::Relaxed) > 8, "{suite:?}");
    }
}

#[test]
fn single_block_unit_leaves_gcm_to_the_fallback() {
    let calls = Arc::new(Calls::default());
    handshake_and_data(
        CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
        Arc::new(AesAccelerated::new(BlockUnit(calls.clone()), RustCrypto)),
    );
    assert_eq!(calls.keys.load(Ordering::Relaxed), 0);
}

#[test]
fn whole_aead_unit_carries_ccm_and_gcm() {
    for suite in [
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
        CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
    ] {
        let calls = Arc::new(Calls::default());
        handshake_and_data(
            suite,
            Arc::new(AesAccelerated::new(AeadUnit(calls.clone()), RustCrypto)),
        );
        assert_eq!(calls.keys.load(Ordering::Relaxed), 2, "{suite:?}");
        // Finished each way and the data record at least.
        assert!(calls.aead.load(Ordering::Relaxed) >= 3, "{suite:?}");
    }
}

#[test]
fn table_aes_provider_completes_a_handshake() {
    handshake_and_data(
        CipherSuite::TLS_PSK_WITH_AES_128_CCM_8,
        Arc::new(table_aes_provider()),
    );
}

#[test]
fn table_aes_ccm_passes_wycheproof() {
    let set = wycheproof::aead::TestSet::load(wycheproof::aead::TestName::AesCcm).unwrap();
    let mut n = 0;
    for group in &set.test_groups {
        if group.nonce_size != 96 || !(group.tag_size == 64 || group.tag_size == 128) {
            continue;
        }
        if !(group.key_size == 128 || group.key_size == 256) {
            continue;
        }
        for t in &group.tests {
            let ccm = Ccm::new(TableAes::new(&t.key).unwrap(), group.tag_size / 8).unwrap();
            let nonce: [u8; 12] = t.nonce[..].try_into().unwrap();
            let mut data = t.ct.to_vec();
            let opened = ccm.open_in_place(&nonce, &t.aad, &mut data, &t.tag);
            if t.result.must_fail() {
                assert_eq!(opened, Err(CryptoError::BadRecordMac), "tcId {}", t.tc_id);
            } else {
                opened.unwrap_or_else(|e| panic!("tcId {}: {e:?}", t.tc_id));
                assert_eq!(data, *t.pt, "tcId {}", t.tc_id);
                let mut data = t.pt.to_vec();
                let mut tag = vec![0u8; group.tag_size / 8];
                ccm.seal_in_place(&nonce, &t.aad, &mut data, &mut tag).unwrap();
                assert_eq!((data, tag), (t.ct.to_vec(), t.tag.to_vec()), "tcId {}", t.tc_id);
            }
            n += 1;
        }
    }
    assert!(n > 100, "only {n} vectors");
}

#[test]
fn table_aes_records_open_with_the_default_provider_and_back() {
    let aad = RecordAad {
        seq: 0x0001_0000_0000_0009,
        content_type: 23,
        version: 0xFEFD,
    };
    let table = table_aes_provider();
    for (bulk, key) in [
        (BulkCipher::AesCcm8, &[5u8; 16][..]),
        (BulkCipher::AesCcm, &[6u8; 16][..]),
        (BulkCipher::AesCcm8, &[7u8; 32][..]),
        (BulkCipher::AesGcm, &[8u8; 16][..]),
    ] {
        for len in [0, 1, 16, 17, 300] {
            let plain: Vec<u8> = (0..len).map(|i| i as u8).collect();
            for (seal, open) in [
                (&table as &dyn CryptoProvider, &RustCrypto as &dyn CryptoProvider),
                (&RustCrypto, &table),
            ] {
                let s = seal.record_cipher(bulk, key, &[], &[1, 2, 3, 4]).unwrap();
                let o = open.record_cipher(bulk, key, &[], &[1, 2, 3, 4]).unwrap();
                let mut buf = vec![0u8; 8 + len + 16];
                buf[..8].copy_from_slice(&[0, 1, 0, 0, 0, 0, 0, 9]);
                buf[8..8 + len].copy_from_slice(&plain);
                let n = s.seal(&aad, &mut buf, len).unwrap();
                let range = o.open(&aad, &mut buf[..n]).unwrap();
                assert_eq!(&buf[range], &plain[..], "{bulk:?} len {len}");
            }
        }
    }
}
