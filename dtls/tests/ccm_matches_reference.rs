//! Our paired-block CCM (`dtls::crypto::ccm`) gives the same ciphertext and tag as the `ccm`
//! crate for every data length around block boundaries, empty and long associated data (the
//! 6-byte length encoding from 0xFF00 bytes on), both tag lengths and both key sizes; a flipped
//! bit anywhere is rejected and the data is cleared.

use aes::{Aes128, Aes256};
use ccm::aead::{AeadInOut, KeyInit};
use ccm::consts::{U8, U12, U16};
use dtls::crypto::aead::AeadCipher;
use dtls::crypto::ccm::Ccm;
use dtls::crypto::rustcrypto::AesKey;

fn reference(key: &[u8], tag_len: usize, nonce: &[u8; 12], aad: &[u8], data: &mut [u8]) -> Vec<u8> {
    let n = nonce.into();
    match (key.len(), tag_len) {
        (16, 8) => ccm::Ccm::<Aes128, U8, U12>::new_from_slice(key)
            .unwrap()
            .encrypt_inout_detached(n, aad, data.into())
            .unwrap()
            .to_vec(),
        (16, 16) => ccm::Ccm::<Aes128, U16, U12>::new_from_slice(key)
            .unwrap()
            .encrypt_inout_detached(n, aad, data.into())
            .unwrap()
            .to_vec(),
        (32, 8) => ccm::Ccm::<Aes256, U8, U12>::new_from_slice(key)
            .unwrap()
            .encrypt_inout_detached(n, aad, data.into())
            .unwrap()
            .to_vec(),
        _ => ccm::Ccm::<Aes256, U16, U12>::new_from_slice(key)
            .unwrap()
            .encrypt_inout_detached(n, aad, data.into())
            .unwrap()
            .to_vec(),
    }
}

#[test]
fn paired_ccm_equals_reference_and_rejects_any_flipped_bit() {
    let nonce = [0x42u8; 12];
    let long_aad: Vec<u8> = (0..0xFF10u32).map(|i| i as u8).collect();
    // 14 bytes fill the first block beside the 2-byte length; 15 and 30 spill into a second.
    let aads: [&[u8]; 7] = [&[], &[1], &[7; 13], &[9; 14], &[3; 15], &[5; 30], &long_aad];
    let mut checked = 0;
    for key in [&[0x11u8; 16][..], &[0x22u8; 32][..]] {
        for tag_len in [8, 16] {
            let ours = Ccm::new(AesKey::new(key).unwrap(), tag_len).unwrap();
            for aad in aads {
                for len in [0usize, 1, 15, 16, 17, 31, 32, 33, 100, 1024] {
                    let plain: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                    let mut expected = plain.clone();
                    let expected_tag = reference(key, tag_len, &nonce, aad, &mut expected);
                    let mut data = plain.clone();
                    let mut tag = vec![0u8; tag_len];
                    ours.seal_in_place(&nonce, aad, &mut data, &mut tag).unwrap();
                    assert_eq!(data, expected, "len {len} aad {} tag {tag_len}", aad.len());
                    assert_eq!(tag, expected_tag, "len {len} aad {} tag {tag_len}", aad.len());

                    let mut opened = data.clone();
                    ours.open_in_place(&nonce, aad, &mut opened, &tag).unwrap();
                    assert_eq!(opened, plain);

                    // One flipped bit in the ciphertext or the tag fails and clears the data.
                    let mut bad = data.clone();
                    if let Some(b) = bad.first_mut() {
                        *b ^= 1;
                        assert!(ours.open_in_place(&nonce, aad, &mut bad, &tag).is_err());
                        assert!(bad.iter().all(|&b| b == 0));
                    }
                    let mut bad_tag = tag.clone();
                    bad_tag[tag_len - 1] ^= 0x80;
                    let mut d = data.clone();
                    assert!(ours.open_in_place(&nonce, aad, &mut d, &bad_tag).is_err());
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 2 * 2 * 7 * 10);
}

#[test]
fn odd_or_out_of_range_tag_lengths_are_refused() {
    for t in [0, 2, 3, 5, 17, 18] {
        assert!(
            Ccm::new(AesKey::new(&[0; 16]).unwrap(), t).is_err(),
            "tag length {t}"
        );
    }
}

/// A block cipher whose `pass` never runs the work it is handed, as a faulty hardware binding
/// might: CCM must fail, not report a record sealed under an all-zero tag.
struct SkipsPass;

impl dtls::crypto::aead::BlockEncrypt for SkipsPass {
    fn encrypt_block(&self, _block: &mut dtls::crypto::aead::Block) {}

    fn pass(&self, _f: &mut dyn FnMut(&dyn dtls::crypto::aead::BlockPass)) {}
}

#[test]
fn a_pass_that_never_runs_is_an_error() {
    let ccm = Ccm::new(SkipsPass, 8).unwrap();
    let mut data = [1u8; 16];
    let mut tag = [0u8; 8];
    assert!(
        ccm.seal_in_place(&[0; 12], &[0; 13], &mut data, &mut tag)
            .is_err()
    );
    assert!(ccm.open_in_place(&[0; 12], &[0; 13], &mut data, &tag).is_err());
}
