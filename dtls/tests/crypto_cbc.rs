//! AES-CBC + HMAC record protection: MAC-then-encrypt (RFC 5246) and encrypt-then-MAC
//! (RFC 7366).

use std::sync::atomic::{AtomicUsize, Ordering};

use dtls::crypto::cbc::{CbcBlockCipher, CbcRecordCipher, RecordMac};
use dtls::crypto::rustcrypto::{AesCbc, HmacKey, RustCrypto};
use dtls::crypto::{
    BulkCipher, CryptoError, CryptoProvider, ExplicitNonce, HashAlgorithm, MAX_HASH_LEN, RecordAad,
    RecordCipher,
};

const AAD: RecordAad = RecordAad {
    seq: 0x0001_0000_0000_0007,
    content_type: 23,
    version: 0xFEFD,
};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn ciphers() -> Vec<(BulkCipher, usize, usize)> {
    let mut v = Vec::new();
    for etm in [false, true] {
        for key_len in [16, 32] {
            v.push((
                BulkCipher::AesCbcSha1 {
                    encrypt_then_mac: etm,
                },
                key_len,
                20,
            ));
            v.push((
                BulkCipher::AesCbcSha256 {
                    encrypt_then_mac: etm,
                },
                key_len,
                32,
            ));
        }
    }
    v
}

fn make(cipher: BulkCipher, key_len: usize, mac_len: usize) -> Box<dyn RecordCipher> {
    let key: Vec<u8> = (0..key_len as u8).collect();
    let mac: Vec<u8> = (100..100 + mac_len as u8).collect();
    RustCrypto.record_cipher(cipher, &key, &mac, &[]).unwrap()
}

fn seal(rc: &dyn RecordCipher, plain: &[u8], iv: &[u8; 16]) -> Vec<u8> {
    let mut buf = vec![0u8; 16 + plain.len() + rc.max_suffix_len()];
    buf[..16].copy_from_slice(iv);
    buf[16..16 + plain.len()].copy_from_slice(plain);
    let n = rc.seal(&AAD, &mut buf, plain.len()).unwrap();
    buf.truncate(n);
    buf
}

#[test]
fn round_trips_and_lengths() {
    for (cipher, key_len, mac_len) in ciphers() {
        let rc = make(cipher, key_len, mac_len);
        let etm = matches!(
            cipher,
            BulkCipher::AesCbcSha1 {
                encrypt_then_mac: true
            } | BulkCipher::AesCbcSha256 {
                encrypt_then_mac: true
            }
        );
        assert_eq!(rc.explicit_nonce(), ExplicitNonce::RandomIv(16));
        assert_eq!(rc.prefix_len(), 16);
        assert_eq!(rc.max_suffix_len(), mac_len + 16);
        let min = if etm {
            16 + 16 + mac_len
        } else {
            16 + (mac_len + 1).div_ceil(16) * 16
        };
        assert_eq!(rc.min_fragment_len(), min, "{cipher:?}");
        for len in 0..80usize {
            let plain: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let sealed = seal(&*rc, &plain, &[len as u8; 16]);
            assert!(sealed.len() >= rc.min_fragment_len());
            assert!(sealed.len() <= 16 + len + rc.max_suffix_len());
            let mut b = sealed.clone();
            let r = rc.open(&AAD, &mut b).unwrap();
            assert_eq!(&b[r], &plain[..], "{cipher:?} len {len}");
        }
    }
}

#[test]
fn every_bit_flip_and_truncation_fails() {
    for (cipher, key_len, mac_len) in ciphers() {
        let rc = make(cipher, key_len, mac_len);
        for len in [0usize, 5, 16, 33] {
            let plain = vec![0x33u8; len];
            let sealed = seal(&*rc, &plain, &[7; 16]);
            for bit in 0..sealed.len() * 8 {
                let mut b = sealed.clone();
                b[bit / 8] ^= 1 << (bit % 8);
                assert_eq!(
                    rc.open(&AAD, &mut b),
                    Err(CryptoError::BadRecordMac),
                    "{cipher:?} len {len} bit {bit}"
                );
            }
            for cut in 0..sealed.len() {
                let mut b = sealed[..cut].to_vec();
                let e = rc.open(&AAD, &mut b).unwrap_err();
                assert!(
                    matches!(e, CryptoError::BadRecordMac | CryptoError::BadLength),
                    "{cipher:?} cut {cut}: {e:?}"
                );
            }
            let mut b = sealed.clone();
            assert_eq!(
                rc.open(
                    &RecordAad {
                        content_type: 22,
                        ..AAD
                    },
                    &mut b
                ),
                Err(CryptoError::BadRecordMac)
            );
        }
        // Garbage of every length up to a few blocks never panics.
        for len in 0..120 {
            let mut b: Vec<u8> = (0..len).map(|i| (i * 31 + 5) as u8).collect();
            assert!(rc.open(&AAD, &mut b).is_err());
        }
    }
}

#[test]
fn seal_into_short_buffer_fails() {
    for (cipher, key_len, mac_len) in ciphers() {
        let rc = make(cipher, key_len, mac_len);
        let mut buf = vec![0u8; 16 + 10 + 5];
        assert_eq!(rc.seal(&AAD, &mut buf, 10), Err(CryptoError::BadLength));
    }
}

/// Known answers computed independently with python3 + `cryptography` 48 (AES-CBC, no padding)
/// and `hmac`/`hashlib`, building the records by hand from RFC 5246 6.2.3.2 and RFC 7366:
/// seq = 0x0001000000000007, type 23, version FEFD.
#[test]
fn known_answers() {
    // MtE, AES-128, HMAC-SHA1: key = 00..0f, mac key = 100..119, IV = 200..215.
    let rc = RustCrypto
        .record_cipher(
            BulkCipher::AesCbcSha1 {
                encrypt_then_mac: false,
            },
            &(0u8..16).collect::<Vec<_>>(),
            &(100u8..120).collect::<Vec<_>>(),
            &[],
        )
        .unwrap();
    let iv: [u8; 16] = core::array::from_fn(|i| 200 + i as u8);
    let plain = b"The quick brown fox jumps";
    let expected = h(
        "c8c9cacbcccdcecfd0d1d2d3d4d5d6d70fa598bc6c7930ee1916e9fe10f405623f97947cb26b4447a2921a1c38284c66ed59f2250990310c23e0f7c1e22096f1",
    );
    assert_eq!(seal(&*rc, plain, &iv), expected);
    let mut b = expected.clone();
    let r = rc.open(&AAD, &mut b).unwrap();
    assert_eq!(&b[r], plain);

    // EtM, AES-256, HMAC-SHA256: key = 00..1f, mac key = 50..81, IV = 00..0f.
    let rc = RustCrypto
        .record_cipher(
            BulkCipher::AesCbcSha256 {
                encrypt_then_mac: true,
            },
            &(0u8..32).collect::<Vec<_>>(),
            &(50u8..82).collect::<Vec<_>>(),
            &[],
        )
        .unwrap();
    let iv: [u8; 16] = core::array::from_fn(|i| i as u8);
    let plain = b"encrypt-then-MAC, RFC 7366";
    let expected = h(
        "000102030405060708090a0b0c0d0e0fe358817c3998e4a3dcef6ce9ef39a1b554f7f3842072f0c0a5ab42fa93c8f2e3fece2b0994fec44ab8607bda487d3b40b8d022e1e97ae9de97e2f6fc478d48c4",
    );
    assert_eq!(seal(&*rc, plain, &iv), expected);
    let mut b = expected.clone();
    let r = rc.open(&AAD, &mut b).unwrap();
    assert_eq!(&b[r], plain);
}

/// Wrong key lengths and a stray fixed IV are refused.
#[test]
fn bad_keys_rejected() {
    let c = BulkCipher::AesCbcSha256 {
        encrypt_then_mac: false,
    };
    assert_eq!(
        RustCrypto.record_cipher(c, &[0; 24], &[0; 32], &[]).unwrap_err(),
        CryptoError::InvalidKey
    );
    assert_eq!(
        RustCrypto.record_cipher(c, &[0; 16], &[0; 20], &[]).unwrap_err(),
        CryptoError::InvalidKey
    );
    assert_eq!(
        RustCrypto
            .record_cipher(c, &[0; 16], &[0; 32], &[0; 4])
            .unwrap_err(),
        CryptoError::InvalidKey
    );
}

// ---------------------------------------------------------------------------------------------
// Hand-built MtE records with chosen padding, through the generic construction with a MAC that
// counts compression-function calls.

/// HMAC-SHA1/256 that counts how many inner-hash compressions a real MAC would do (after the
/// key block) plus the dummy ones requested.
#[derive(Debug)]
struct CountingMac {
    inner: HmacKey,
    compressions: AtomicUsize,
}

impl RecordMac for CountingMac {
    fn output_len(&self) -> usize {
        self.inner.output_len()
    }
    fn hash_block_len(&self) -> usize {
        self.inner.hash_block_len()
    }
    fn hash_length_field_len(&self) -> usize {
        self.inner.hash_length_field_len()
    }
    fn mac(&self, parts: &[&[u8]], out: &mut [u8; MAX_HASH_LEN]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let blocks = (len + 1 + self.hash_length_field_len()).div_ceil(self.hash_block_len());
        self.compressions.fetch_add(blocks, Ordering::Relaxed);
        self.inner.mac(parts, out);
    }
    fn dummy_compressions(&self, blocks: usize) {
        self.compressions.fetch_add(blocks, Ordering::Relaxed);
        self.inner.dummy_compressions(blocks);
    }
}

struct Fixture {
    cipher: AesCbc<aes::Aes128>,
    mac: HmacKey,
    rc: CbcRecordCipher<AesCbc<aes::Aes128>, CountingMac>,
}

impl Fixture {
    fn new(alg: HashAlgorithm) -> Self {
        let key = [0x11u8; 16];
        let mac_key = vec![0x22u8; alg.output_len()];
        let mac = HmacKey::new(alg, &mac_key).unwrap();
        let counting = CountingMac {
            inner: mac.clone(),
            compressions: AtomicUsize::new(0),
        };
        let rc = CbcRecordCipher::new(AesCbc::new(&key).unwrap(), counting, false).unwrap();
        Fixture {
            cipher: AesCbc::new(&key).unwrap(),
            mac,
            rc,
        }
    }

    /// plaintext || MAC || padding (pad_len + 1 bytes of value pad_len), optionally corrupted,
    /// encrypted under IV 0x44.., as a fragment.
    fn build(&self, plain: &[u8], pad_len: usize, bad_pad: bool, bad_mac: bool) -> Vec<u8> {
        let mut tag = [0u8; MAX_HASH_LEN];
        let header = AAD.bytes(plain.len() as u16);
        self.mac.mac(&[&header, plain], &mut tag);
        let mac_len = self.mac.output_len();
        let mut body = plain.to_vec();
        body.extend_from_slice(&tag[..mac_len]);
        if bad_mac {
            body[plain.len()] ^= 1;
        }
        body.extend(std::iter::repeat_n(pad_len as u8, pad_len + 1));
        if bad_pad && pad_len > 0 {
            let i = body.len() - 1 - pad_len; // first padding byte
            body[i] ^= 0x80;
        }
        assert_eq!(body.len() % 16, 0);
        let iv = [0x44u8; 16];
        self.cipher.encrypt_cbc(&iv, &mut body);
        let mut frag = iv.to_vec();
        frag.extend_from_slice(&body);
        frag
    }

    fn open_counting(&self, frag: &[u8]) -> (Result<core::ops::Range<usize>, CryptoError>, usize) {
        self.rc.mac().compressions.store(0, Ordering::Relaxed);
        let mut b = frag.to_vec();
        let r = self.rc.open(&AAD, &mut b);
        (r, self.rc.mac().compressions.load(Ordering::Relaxed))
    }
}

#[test]
fn bad_padding_and_bad_mac_are_indistinguishable_and_cost_the_same() {
    for alg in [HashAlgorithm::Sha1, HashAlgorithm::Sha256] {
        let fx = Fixture::new(alg);
        let mac_len = alg.output_len();
        // A fixed fragment length; every padding length that fits gives one record.
        let body_len = 320usize;
        let mut counts = std::collections::BTreeSet::new();
        let mut valid = 0;
        for pad_len in 0..=255usize {
            let Some(plain_len) = body_len.checked_sub(mac_len + pad_len + 1) else {
                continue;
            };
            let plain: Vec<u8> = (0..plain_len).map(|i| i as u8).collect();

            let good = fx.build(&plain, pad_len, false, false);
            let (r, n) = fx.open_counting(&good);
            let r = r.unwrap();
            assert_eq!(r.len(), plain_len);
            counts.insert(n);
            valid += 1;

            let (r, n) = fx.open_counting(&fx.build(&plain, pad_len, false, true));
            assert_eq!(r, Err(CryptoError::BadRecordMac), "bad MAC, pad {pad_len}");
            counts.insert(n);

            if pad_len > 0 {
                let (r, n) = fx.open_counting(&fx.build(&plain, pad_len, true, false));
                assert_eq!(r, Err(CryptoError::BadRecordMac), "bad padding, pad {pad_len}");
                counts.insert(n);
            }
        }
        // A padding length byte larger than the record: same error, same work.
        let pad_len = (16 - (10 + mac_len + 1) % 16) % 16;
        let mut frag = fx.build(&[0u8; 10], pad_len, false, false);
        // Flip the top bits of the last byte of the second-to-last ciphertext block: the final
        // (padding length) byte now decrypts to pad_len ^ 0xF0, larger than the record.
        let last = frag.len() - 1;
        frag[last - 16] ^= 0xF0;
        let (r, _) = fx.open_counting(&frag);
        assert_eq!(r, Err(CryptoError::BadRecordMac));

        assert!(valid > 200);
        assert_eq!(
            counts.len(),
            1,
            "{alg:?}: compression counts vary with padding: {counts:?}"
        );
    }
}

#[test]
fn maximum_padding_is_accepted() {
    let fx = Fixture::new(HashAlgorithm::Sha256);
    // 255 bytes of padding + length byte: 256, plaintext 0, MAC 32 => 288 = 18 blocks.
    let frag = fx.build(&[], 255, false, false);
    let (r, _) = fx.open_counting(&frag);
    assert_eq!(r.unwrap().len(), 0);
}

proptest::proptest! {
    /// Arbitrary fragments never panic and never authenticate, for every CBC and AEAD cipher.
    #[test]
    fn arbitrary_fragments_are_rejected(frag in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let mut all = ciphers();
        all.push((BulkCipher::AesGcm, 16, 0));
        all.push((BulkCipher::AesCcm8, 32, 0));
        for (cipher, key_len, mac_len) in all {
            let rc = if mac_len == 0 {
                RustCrypto.record_cipher(cipher, &vec![3u8; key_len], &[], &[1, 2, 3, 4]).unwrap()
            } else {
                make(cipher, key_len, mac_len)
            };
            let mut b = frag.clone();
            let e = rc.open(&AAD, &mut b).unwrap_err();
            proptest::prop_assert!(matches!(e, CryptoError::BadRecordMac | CryptoError::BadLength));
        }
    }
}
