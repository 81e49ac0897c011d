//! AEAD record ciphers (AES-GCM, AES-CCM, AES-CCM_8) of the RustCrypto provider.
//!
//! Wycheproof vectors carry arbitrary associated data, which a record's 13-byte header cannot
//! reproduce, so they drive `rustcrypto::Aead` — the exact helper `AeadRecordCipher::seal/open`
//! call after building `nonce = fixed_iv || explicit` and `aad = RecordAad::bytes(len)`. Every
//! 12-byte-nonce vector is additionally split 4 + 8 and run through the *record* cipher's nonce
//! construction with our own header, comparing against the helper, so the composition is
//! exercised too.

use dtls::crypto::rustcrypto::{Aead, RustCrypto};
use dtls::crypto::{BulkCipher, CryptoError, CryptoProvider, ExplicitNonce, RecordAad};

const AAD: RecordAad = RecordAad {
    seq: 0x0001_0000_0000_0007,
    content_type: 23,
    version: 0xFEFD,
};

fn run_wycheproof(
    name: wycheproof::aead::TestName,
    pick: impl Fn(usize) -> Option<BulkCipher>,
) -> (usize, usize) {
    let set = wycheproof::aead::TestSet::load(name).unwrap();
    let (mut direct, mut record) = (0, 0);
    for group in &set.test_groups {
        let Some(cipher) = pick(group.tag_size) else {
            continue;
        };
        if group.nonce_size != 96 || !(group.key_size == 128 || group.key_size == 256) {
            continue;
        }
        for t in &group.tests {
            let aead = Aead::new(cipher, &t.key).unwrap();
            let nonce: [u8; 12] = t.nonce[..].try_into().unwrap();

            // Open.
            let mut data = t.ct.to_vec();
            let opened = aead.open_in_place(&nonce, &t.aad, &mut data, &t.tag);
            if t.result.must_fail() {
                assert_eq!(
                    opened,
                    Err(CryptoError::BadRecordMac),
                    "tcId {} {}",
                    t.tc_id,
                    t.comment
                );
            } else {
                opened.unwrap_or_else(|e| panic!("tcId {} {}: {e:?}", t.tc_id, t.comment));
                assert_eq!(data, *t.pt, "tcId {}", t.tc_id);
                // Seal gives back the same ciphertext and tag.
                let mut data = t.pt.to_vec();
                let mut tag = vec![0u8; aead.tag_len()];
                aead.seal_in_place(&nonce, &t.aad, &mut data, &mut tag).unwrap();
                assert_eq!(data, *t.ct, "tcId {}", t.tc_id);
                assert_eq!(tag, *t.tag, "tcId {}", t.tc_id);
            }
            direct += 1;

            // The record cipher with fixed_iv = nonce[..4], explicit = nonce[4..], our header:
            // its output must equal the helper's for the same nonce and header.
            let rc = RustCrypto
                .record_cipher(cipher, &t.key, &[], &nonce[..4])
                .unwrap();
            assert_eq!(rc.explicit_nonce(), ExplicitNonce::Sequence);
            assert_eq!(rc.prefix_len(), 8);
            let tag_len = aead.tag_len();
            let mut buf = vec![0u8; 8 + t.pt.len() + rc.max_suffix_len()];
            buf[..8].copy_from_slice(&nonce[4..]);
            buf[8..8 + t.pt.len()].copy_from_slice(&t.pt);
            let n = rc.seal(&AAD, &mut buf, t.pt.len()).unwrap();
            assert_eq!(n, 8 + t.pt.len() + tag_len);
            let mut data = t.pt.to_vec();
            let mut tag = vec![0u8; tag_len];
            let header = AAD.bytes(t.pt.len() as u16);
            aead.seal_in_place(&nonce, &header, &mut data, &mut tag).unwrap();
            assert_eq!(&buf[8..8 + t.pt.len()], &data[..]);
            assert_eq!(&buf[8 + t.pt.len()..n], &tag[..]);
            let range = rc.open(&AAD, &mut buf[..n]).unwrap();
            assert_eq!(&buf[range], &t.pt[..]);
            record += 1;
        }
    }
    (direct, record)
}

#[test]
fn wycheproof_aes_gcm() {
    let (direct, record) = run_wycheproof(wycheproof::aead::TestName::AesGcm, |tag| {
        (tag == 128).then_some(BulkCipher::AesGcm)
    });
    eprintln!("AES-GCM: {direct} Wycheproof vectors, {record} through the record cipher");
    assert!(direct > 50 && record == direct);
}

#[test]
fn wycheproof_aes_ccm() {
    let (direct, record) = run_wycheproof(wycheproof::aead::TestName::AesCcm, |tag| match tag {
        128 => Some(BulkCipher::AesCcm),
        64 => Some(BulkCipher::AesCcm8),
        _ => None,
    });
    eprintln!("AES-CCM/CCM_8: {direct} Wycheproof vectors, {record} through the record cipher");
    assert!(direct > 20 && record == direct);
}

fn all_aead() -> Vec<(BulkCipher, usize)> {
    let mut v = Vec::new();
    for c in [BulkCipher::AesCcm8, BulkCipher::AesCcm, BulkCipher::AesGcm] {
        for k in [16, 32] {
            v.push((c, k));
        }
    }
    v
}

#[test]
fn record_round_trip_tamper_and_truncation() {
    for (cipher, key_len) in all_aead() {
        let key: Vec<u8> = (0..key_len as u8).collect();
        let rc = RustCrypto
            .record_cipher(cipher, &key, &[], &[9, 8, 7, 6])
            .unwrap();
        let tag_len = if cipher == BulkCipher::AesCcm8 { 8 } else { 16 };
        assert_eq!(rc.min_fragment_len(), 8 + tag_len);
        assert_eq!(rc.max_suffix_len(), tag_len);
        for len in [0usize, 1, 15, 16, 17, 100] {
            let plain: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5A).collect();
            let mut buf = vec![0u8; 8 + len + tag_len];
            buf[..8].copy_from_slice(&AAD.seq.to_be_bytes());
            buf[8..8 + len].copy_from_slice(&plain);
            let n = rc.seal(&AAD, &mut buf, len).unwrap();
            assert_eq!(n, buf.len());
            let sealed = buf.clone();
            let r = rc.open(&AAD, &mut buf).unwrap();
            assert_eq!(&buf[r], &plain[..]);

            // Every bit flip fails.
            for bit in 0..sealed.len() * 8 {
                let mut b = sealed.clone();
                b[bit / 8] ^= 1 << (bit % 8);
                assert_eq!(
                    rc.open(&AAD, &mut b),
                    Err(CryptoError::BadRecordMac),
                    "{cipher:?} bit {bit}"
                );
            }
            // Every truncation fails.
            for cut in 0..sealed.len() {
                let mut b = sealed[..cut].to_vec();
                let e = rc.open(&AAD, &mut b).unwrap_err();
                assert!(matches!(e, CryptoError::BadRecordMac | CryptoError::BadLength));
            }
            // A different header fails.
            let mut b = sealed.clone();
            let other = RecordAad {
                seq: AAD.seq + 1,
                ..AAD
            };
            assert_eq!(rc.open(&other, &mut b), Err(CryptoError::BadRecordMac));
        }
        // Seal into a buffer that is too small fails without panicking.
        let mut small = vec![0u8; 8 + 4 + tag_len - 1];
        assert_eq!(rc.seal(&AAD, &mut small, 4), Err(CryptoError::BadLength));
    }
}

#[test]
fn bad_keys_rejected() {
    assert_eq!(
        RustCrypto
            .record_cipher(BulkCipher::AesGcm, &[0; 24], &[], &[0; 4])
            .unwrap_err(),
        CryptoError::InvalidKey
    );
    assert_eq!(
        RustCrypto
            .record_cipher(BulkCipher::AesCcm8, &[0; 16], &[], &[0; 12])
            .unwrap_err(),
        CryptoError::InvalidKey
    );
}

/// RFC 5288 / RFC 6655 nonce and AAD layout checked by hand against the helper: the record
/// cipher must use `fixed_iv || explicit` as the nonce and `seq || type || version || length`
/// (length = plaintext length) as the AAD.
#[test]
fn record_layout_matches_rfc() {
    let key = [0x42u8; 16];
    let fixed = [0xA0, 0xA1, 0xA2, 0xA3];
    let explicit = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let rc = RustCrypto
        .record_cipher(BulkCipher::AesGcm, &key, &[], &fixed)
        .unwrap();
    let plain = b"hello, dtls";
    let mut buf = vec![0u8; 8 + plain.len() + 16];
    buf[..8].copy_from_slice(&explicit);
    buf[8..8 + plain.len()].copy_from_slice(plain);
    rc.seal(&AAD, &mut buf, plain.len()).unwrap();
    assert_eq!(&buf[..8], &explicit);

    let mut nonce = [0u8; 12];
    nonce[..4].copy_from_slice(&fixed);
    nonce[4..].copy_from_slice(&explicit);
    let mut aad = Vec::new();
    aad.extend_from_slice(&AAD.seq.to_be_bytes());
    aad.push(23);
    aad.extend_from_slice(&[0xFE, 0xFD]);
    aad.extend_from_slice(&(plain.len() as u16).to_be_bytes());
    let aead = Aead::new(BulkCipher::AesGcm, &key).unwrap();
    let mut data = plain.to_vec();
    let mut tag = [0u8; 16];
    aead.seal_in_place(&nonce, &aad, &mut data, &mut tag).unwrap();
    assert_eq!(&buf[8..8 + plain.len()], &data[..]);
    assert_eq!(&buf[8 + plain.len()..], &tag[..]);
}
