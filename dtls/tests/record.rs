//! The record layer end to end, for every record cipher of the default provider: seal and open
//! across epochs, the AEAD nonce and AAD against an independent construction, fresh CBC IVs,
//! the replay window (RFC 6347 4.1.2.6), the silent and counted discard of invalid records
//! (RFC 6347 4.1.2.7), sequence number exhaustion, and the uniform failure of CBC records.

mod common;
mod record_support;

use std::sync::atomic::Ordering;

use dtls::Error;
use dtls::crypto::cbc::CbcBlockCipher;
use dtls::crypto::rustcrypto::{AesCbc, HmacKey};
use dtls::crypto::{BulkCipher, HashAlgorithm, MAX_HASH_LEN, SecureRandom};
use dtls::record::{
    Discard, HEADER_LEN, MAX_FRAGMENT_LEN, MAX_PLAINTEXT_LEN, MAX_SEQUENCE, RecordLayer, RecordStats,
    WINDOW_SIZE,
};
use dtls::wire::{ContentType, ProtocolVersion, RecordHeader};

use common::TestRng;
use record_support::{CountingCipher, SUITES, Suite, aead_suites, cbc_suites, payload};

const APPLICATION_DATA: u8 = 23;
const HANDSHAKE: u8 = 22;
const DTLS_1_2: u16 = ProtocolVersion::DTLS1_2.0;
const DTLS_1_0: u16 = ProtocolVersion::DTLS1_0.0;

/// The record header as raw integers, for tests that forge and rewrite headers; converts to
/// and from the engine's `wire::RecordHeader`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Header {
    content_type: u8,
    version: u16,
    epoch: u16,
    sequence: u64,
    length: u16,
}

impl From<RecordHeader> for Header {
    fn from(h: RecordHeader) -> Self {
        Header {
            content_type: h.content_type.0,
            version: h.version.0,
            epoch: h.epoch,
            sequence: h.sequence_number,
            length: h.length,
        }
    }
}

impl Header {
    fn full_sequence(&self) -> u64 {
        (u64::from(self.epoch) << 48) | self.sequence
    }

    fn read(bytes: &[u8]) -> Option<Header> {
        RecordHeader::peek(bytes).map(Header::from)
    }

    fn write(&self, out: &mut [u8]) -> Result<(), dtls::codec::EncodeError> {
        RecordHeader {
            content_type: ContentType(self.content_type),
            version: ProtocolVersion(self.version),
            epoch: self.epoch,
            sequence_number: self.sequence,
            length: self.length,
        }
        .write_into(out)
    }
}

const SIZES: [usize; 7] = [0, 1, 15, 16, 17, 1400, MAX_PLAINTEXT_LEN];

/// Seals one record into a fresh vector.
fn seal(layer: &mut RecordLayer, epoch: u16, content_type: u8, data: &[u8], rng: &mut TestRng) -> Vec<u8> {
    let mut out = vec![0u8; data.len() + 256];
    let len = layer
        .seal(epoch, content_type, data, &mut out, rng)
        .unwrap_or_else(|e| panic!("seal {} bytes in epoch {epoch}: {e:?}", data.len()));
    out.truncate(len);
    out
}

/// Opens a copy of `record` and returns the plaintext.
fn open(layer: &mut RecordLayer, record: &[u8]) -> Result<(Header, Vec<u8>), Discard> {
    let mut copy = record.to_vec();
    let opened = layer.open(&mut copy)?;
    Ok((Header::from(opened.header), copy[opened.plaintext].to_vec()))
}

fn header(record: &[u8]) -> Header {
    Header::read(record).expect("record header")
}

/// Rewrites the header of `record` in place.
fn rewrite_header(record: &mut [u8], edit: impl FnOnce(&mut Header)) {
    let mut h = header(record);
    edit(&mut h);
    h.write(record).unwrap();
}

/// A record of `fragment_len` arbitrary bytes with the given header fields.
fn raw_record(epoch: u16, sequence: u64, version: u16, fragment_len: usize) -> Vec<u8> {
    let mut record = vec![0xA5u8; HEADER_LEN + fragment_len];
    Header {
        content_type: APPLICATION_DATA,
        version,
        epoch,
        sequence,
        length: fragment_len as u16,
    }
    .write(&mut record)
    .unwrap();
    record
}

/// Opens `record` and checks that it was dropped for `reason` and that exactly that counter, and
/// nothing else, went up by one.
#[track_caller]
fn assert_dropped(layer: &mut RecordLayer, record: &[u8], reason: Discard) {
    let before = *layer.stats();
    let mut copy = record.to_vec();
    assert_eq!(layer.open(&mut copy).map(|_| ()), Err(reason));
    let mut expected = before;
    let slot = match reason {
        Discard::Malformed => &mut expected.malformed,
        Discard::TooLarge => &mut expected.too_large,
        Discard::UnknownEpoch => &mut expected.unknown_epoch,
        Discard::FutureEpoch => &mut expected.future_epoch,
        Discard::TooShort => &mut expected.too_short,
        Discard::BadMac => &mut expected.bad_mac,
        Discard::Replayed => &mut expected.replayed,
    };
    *slot += 1;
    assert_eq!(*layer.stats(), expected, "stats after {reason:?}");
}

// ---------------------------------------------------------------------------------------------
// Round trips and sequence numbers

#[test]
fn every_cipher_round_trips_every_size_across_epochs() {
    for suite in SUITES {
        let name = suite.name;
        let mut rng = TestRng(1);
        let mut sender = RecordLayer::new();
        let mut receiver = RecordLayer::new();

        // Epoch 0: the null cipher, plaintext on the wire.
        let hello = payload(40, 0);
        let record = seal(&mut sender, 0, HANDSHAKE, &hello, &mut rng);
        assert_eq!(&record[HEADER_LEN..], &hello[..], "{name}: epoch 0 is plaintext");
        assert_eq!(open(&mut receiver, &record).unwrap().1, hello);

        // Epoch 1: every size, sequence numbers counting from 0.
        assert_eq!(sender.install_write(suite.cipher(1)).unwrap(), 1);
        assert_eq!(receiver.install_read(suite.cipher(1)).unwrap(), 1);
        assert_eq!(sender.next_write_sequence(1), Some(0));
        for (i, &len) in SIZES.iter().enumerate() {
            let data = payload(len, i as u8);
            let record = seal(&mut sender, 1, APPLICATION_DATA, &data, &mut rng);
            let h = header(&record);
            assert_eq!(
                (h.epoch, h.sequence, h.version),
                (1, i as u64, DTLS_1_2),
                "{name} len {len}"
            );
            assert_eq!(usize::from(h.length), record.len() - HEADER_LEN);
            assert!(
                record.len() <= len + sender.overhead(1).unwrap(),
                "{name}: overhead bound"
            );
            assert_eq!(RecordLayer::record_len(&record), Some(record.len()));
            if len >= 16 {
                assert!(
                    !record.windows(len.min(16)).any(|w| w == &data[..len.min(16)]),
                    "{name}: plaintext visible"
                );
            }
            let (h2, plain) =
                open(&mut receiver, &record).unwrap_or_else(|d| panic!("{name} len {len}: {d:?}"));
            assert_eq!(h2, h);
            assert_eq!(plain, data, "{name} len {len}");
        }
        assert_eq!(sender.next_write_sequence(1), Some(SIZES.len() as u64));

        // 2^14 + 1 is refused, and does not use up a sequence number.
        let mut out = vec![0u8; MAX_PLAINTEXT_LEN + 512];
        let too_big = payload(MAX_PLAINTEXT_LEN + 1, 9);
        assert_eq!(
            sender.seal(1, APPLICATION_DATA, &too_big, &mut out, &mut rng),
            Err(Error::RecordTooLarge)
        );
        assert_eq!(sender.next_write_sequence(1), Some(SIZES.len() as u64));

        // Epoch 2 with new keys: sequence numbers restart at 0.
        assert_eq!(sender.install_write(suite.cipher(2)).unwrap(), 2);
        assert_eq!(receiver.install_read(suite.cipher(2)).unwrap(), 2);
        assert_eq!(sender.next_write_sequence(2), Some(0));
        for (i, &len) in SIZES.iter().enumerate() {
            let data = payload(len, 0x80 | i as u8);
            let record = seal(&mut sender, 2, APPLICATION_DATA, &data, &mut rng);
            assert_eq!(
                (header(&record).epoch, header(&record).sequence),
                (2, i as u64),
                "{name}"
            );
            assert_eq!(
                open(&mut receiver, &record).unwrap().1,
                data,
                "{name} epoch 2 len {len}"
            );
        }

        // A retransmission in the previous epoch takes that epoch's counter, and leaves the
        // current epoch's alone (RFC 6347 4.2.4: a flight keeps its epoch).
        let data = payload(100, 0x42);
        let record = seal(&mut sender, 1, HANDSHAKE, &data, &mut rng);
        assert_eq!(
            (header(&record).epoch, header(&record).sequence),
            (1, SIZES.len() as u64),
            "{name}"
        );
        assert_eq!(sender.next_write_sequence(1), Some(SIZES.len() as u64 + 1));
        assert_eq!(sender.next_write_sequence(2), Some(SIZES.len() as u64));
        let (h, plain) = open(&mut receiver, &record).unwrap();
        assert_eq!((h.epoch, h.content_type, plain), (1, HANDSHAKE, data));

        // Epoch 1 keys do not open epoch 2 records, and vice versa: forge the epoch number.
        let mut forged = seal(&mut sender, 2, APPLICATION_DATA, &payload(30, 1), &mut rng);
        rewrite_header(&mut forged, |h| {
            h.epoch = 1;
            h.sequence = 100;
        });
        assert_eq!(
            open(&mut receiver, &forged).map(|_| ()),
            Err(Discard::BadMac),
            "{name}"
        );

        // Only the current and previous epochs are kept.
        assert_eq!(sender.next_write_sequence(0), None);
        assert_eq!(
            sender.seal(0, HANDSHAKE, &hello, &mut out, &mut rng),
            Err(Error::NoKeysForEpoch)
        );
        assert_eq!(
            sender.seal(3, HANDSHAKE, &hello, &mut out, &mut rng),
            Err(Error::NoKeysForEpoch)
        );

        let stats = receiver.stats();
        assert_eq!(stats.accepted, 1 + 2 * SIZES.len() as u64 + 1, "{name}");
        assert_eq!(stats.dropped(), 1, "{name}");
    }
}

#[test]
fn seal_in_place_writes_the_same_record_as_seal() {
    for suite in SUITES {
        let (mut a, _) = suite.pair(3);
        let (mut b, mut receiver) = suite.pair(3);
        for len in [0, 33, 1400] {
            let data = payload(len, 5);
            let by_copy = seal(&mut a, 1, APPLICATION_DATA, &data, &mut TestRng(len as u64));

            let mut buf = vec![0u8; len + 256];
            let offset = b.plaintext_offset(1).unwrap();
            buf[offset..offset + len].copy_from_slice(&data);
            let n = b
                .seal_in_place(1, APPLICATION_DATA, &mut buf, len, &mut TestRng(len as u64))
                .unwrap();
            assert_eq!(&buf[..n], &by_copy[..], "{} len {len}", suite.name);
            assert_eq!(open(&mut receiver, &buf[..n]).unwrap().1, data);
        }
        // Too small an output buffer is an error, not a panic, and costs no sequence number.
        let next = a.next_write_sequence(1);
        let mut small = vec![0u8; 40];
        assert!(matches!(
            a.seal(1, APPLICATION_DATA, &[0; 30], &mut small, &mut TestRng(0)),
            Err(Error::BufferTooSmall { .. })
        ));
        assert_eq!(a.next_write_sequence(1), next);
    }
}

#[test]
fn sequence_exhaustion_refuses_to_seal_instead_of_wrapping() {
    for suite in [SUITES[0], SUITES[4], SUITES[7], SUITES[10]] {
        let name = suite.name;
        let mut rng = TestRng(7);
        let (mut sender, mut receiver) = suite.pair(1);
        seal(&mut sender, 1, APPLICATION_DATA, b"first", &mut rng);

        // Backwards would repeat a nonce; past 2^48 - 1 does not exist.
        assert!(
            matches!(sender.advance_write_sequence(1, 0), Err(Error::Config(_))),
            "{name}"
        );
        assert_eq!(
            sender.advance_write_sequence(1, MAX_SEQUENCE + 1),
            Err(Error::SequenceExhausted)
        );
        assert_eq!(sender.advance_write_sequence(2, 5), Err(Error::NoKeysForEpoch));

        sender.advance_write_sequence(1, MAX_SEQUENCE - 1).unwrap();
        for expected in [MAX_SEQUENCE - 1, MAX_SEQUENCE] {
            let record = seal(&mut sender, 1, APPLICATION_DATA, b"near the end", &mut rng);
            assert_eq!(header(&record).sequence, expected, "{name}");
            assert_eq!(header(&record).full_sequence(), 1 << 48 | expected);
            assert_eq!(open(&mut receiver, &record).unwrap().1, b"near the end");
        }
        let mut out = vec![0u8; 256];
        for _ in 0..3 {
            assert_eq!(
                sender.seal(1, APPLICATION_DATA, b"one too many", &mut out, &mut rng),
                Err(Error::SequenceExhausted),
                "{name}"
            );
            assert_eq!(
                sender.seal_in_place(1, APPLICATION_DATA, &mut out, 0, &mut rng),
                Err(Error::SequenceExhausted)
            );
        }
        assert_eq!(
            sender.next_write_sequence(1),
            Some(MAX_SEQUENCE + 1),
            "{name}: no wrap to 0"
        );
        assert_eq!(
            sender.advance_write_sequence(1, MAX_SEQUENCE),
            Err(Error::Config("write sequence numbers may only move forward"))
        );

        // A new epoch starts over; the exhausted one stays exhausted.
        sender.install_write(suite.cipher(2)).unwrap();
        receiver.install_read(suite.cipher(2)).unwrap();
        let record = seal(&mut sender, 2, APPLICATION_DATA, b"fresh keys", &mut rng);
        assert_eq!(header(&record).sequence, 0);
        assert_eq!(open(&mut receiver, &record).unwrap().1, b"fresh keys");
        assert_eq!(
            sender.seal(1, HANDSHAKE, b"retransmit", &mut out, &mut rng),
            Err(Error::SequenceExhausted)
        );
    }

    // The null cipher of epoch 0 obeys the same limit.
    let mut layer = RecordLayer::new();
    layer.advance_write_sequence(0, MAX_SEQUENCE).unwrap();
    let record = seal(&mut layer, 0, HANDSHAKE, b"hello", &mut TestRng(0));
    assert_eq!(header(&record).sequence, MAX_SEQUENCE);
    let mut out = [0u8; 64];
    assert_eq!(
        layer.seal(0, HANDSHAKE, b"hello", &mut out, &mut TestRng(0)),
        Err(Error::SequenceExhausted)
    );
}

// ---------------------------------------------------------------------------------------------
// AEAD nonce and additional data, built independently with the raw crates

/// The expected record, built from RFC 5246 6.2.3.3, RFC 5288 3 / RFC 6655 3 and RFC 6347 4.1:
/// `nonce = fixed_iv(4) || epoch(2) || seq(6)` with the explicit part sent in front of the
/// ciphertext, `aad = epoch(2) || seq(6) || type(1) || version(2) || plaintext length(2)`.
fn expected_aead_record(
    encrypt: impl Fn(&[u8; 12], &[u8], &mut [u8]) -> Vec<u8>,
    fixed_iv: &[u8],
    epoch: u16,
    seq: u64,
    content_type: u8,
    plaintext: &[u8],
) -> Vec<u8> {
    let epoch_seq: Vec<u8> = epoch
        .to_be_bytes()
        .into_iter()
        .chain(seq.to_be_bytes()[2..].iter().copied())
        .collect();
    assert_eq!(epoch_seq.len(), 8);
    let mut nonce = [0u8; 12];
    nonce[..4].copy_from_slice(fixed_iv);
    nonce[4..].copy_from_slice(&epoch_seq);
    let mut aad = epoch_seq.clone();
    aad.push(content_type);
    aad.extend_from_slice(&[0xFE, 0xFD]);
    aad.extend_from_slice(&(plaintext.len() as u16).to_be_bytes());
    assert_eq!(aad.len(), 13);

    let mut ciphertext = plaintext.to_vec();
    let tag = encrypt(&nonce, &aad, &mut ciphertext);
    let fragment_len = 8 + ciphertext.len() + tag.len();
    let mut record = vec![content_type, 0xFE, 0xFD];
    record.extend_from_slice(&epoch_seq);
    record.extend_from_slice(&(fragment_len as u16).to_be_bytes());
    record.extend_from_slice(&epoch_seq);
    record.extend_from_slice(&ciphertext);
    record.extend_from_slice(&tag);
    record
}

fn check_aead_against_raw(suite: Suite, encrypt: impl Fn(&[u8; 12], &[u8], &mut [u8]) -> Vec<u8>) {
    let (_, _, fixed_iv) = suite.key_material(9);
    let mut sender = RecordLayer::new();
    let mut receiver = RecordLayer::new();
    // Epoch 2 and a sequence number with every byte distinct, so any byte-order or field-order
    // mistake shows.
    sender.install_write(suite.cipher(8)).unwrap();
    sender.install_write(suite.cipher(9)).unwrap();
    receiver.install_read(suite.cipher(8)).unwrap();
    receiver.install_read(suite.cipher(9)).unwrap();
    let seq = 0x0102_0304_0506;
    sender.advance_write_sequence(2, seq).unwrap();
    for (i, len) in [0usize, 1, 37, 300].into_iter().enumerate() {
        let data = payload(len, 0x3c);
        let record = seal(&mut sender, 2, APPLICATION_DATA, &data, &mut TestRng(0));
        let expected = expected_aead_record(&encrypt, &fixed_iv, 2, seq + i as u64, APPLICATION_DATA, &data);
        assert_eq!(
            hex::encode(&record),
            hex::encode(&expected),
            "{} len {len}",
            suite.name
        );
    }

    // The receiver takes the explicit nonce from the record: RFC 5288 lets the sender choose it,
    // so an independently built record whose explicit nonce is not the sequence number opens.
    let data = payload(50, 0x77);
    let mut record = expected_aead_record(&encrypt, &fixed_iv, 2, 0x0000_0000_0009, HANDSHAKE, &data);
    let (_, plain) = open(&mut receiver, &record).unwrap();
    assert_eq!(plain, data, "{}", suite.name);
    // ...and the nonce really is fixed_iv || explicit: change the explicit part and it fails.
    record[HEADER_LEN] ^= 0x80;
    rewrite_header(&mut record, |h| h.sequence = 10);
    assert_eq!(open(&mut receiver, &record).map(|_| ()), Err(Discard::BadMac));
}

#[test]
fn aes_gcm_record_matches_rfc5288_construction() {
    use aes_gcm::aead::{AeadInOut, KeyInit};
    for suite in aead_suites().filter(|s| s.bulk == BulkCipher::AesGcm) {
        let (key, _, _) = suite.key_material(9);
        if suite.key_len == 16 {
            let aead = aes_gcm::Aes128Gcm::new_from_slice(&key).unwrap();
            check_aead_against_raw(suite, |n, aad, buf| {
                aead.encrypt_inout_detached(n.into(), aad, buf.into())
                    .unwrap()
                    .to_vec()
            });
        } else {
            let aead = aes_gcm::Aes256Gcm::new_from_slice(&key).unwrap();
            check_aead_against_raw(suite, |n, aad, buf| {
                aead.encrypt_inout_detached(n.into(), aad, buf.into())
                    .unwrap()
                    .to_vec()
            });
        }
    }
}

#[test]
fn aes_ccm_records_match_rfc6655_construction() {
    use ccm::aead::consts::{U8, U12, U16};
    use ccm::aead::{AeadInOut, KeyInit};
    for suite in aead_suites().filter(|s| s.bulk != BulkCipher::AesGcm) {
        let (key, _, _) = suite.key_material(9);
        match (suite.bulk, suite.key_len) {
            (BulkCipher::AesCcm8, 16) => {
                let aead = ccm::Ccm::<aes::Aes128, U8, U12>::new_from_slice(&key).unwrap();
                check_aead_against_raw(suite, |n, aad, buf| {
                    aead.encrypt_inout_detached(n.into(), aad, buf.into())
                        .unwrap()
                        .to_vec()
                });
            }
            (BulkCipher::AesCcm8, 32) => {
                let aead = ccm::Ccm::<aes::Aes256, U8, U12>::new_from_slice(&key).unwrap();
                check_aead_against_raw(suite, |n, aad, buf| {
                    aead.encrypt_inout_detached(n.into(), aad, buf.into())
                        .unwrap()
                        .to_vec()
                });
            }
            (BulkCipher::AesCcm, 16) => {
                let aead = ccm::Ccm::<aes::Aes128, U16, U12>::new_from_slice(&key).unwrap();
                check_aead_against_raw(suite, |n, aad, buf| {
                    aead.encrypt_inout_detached(n.into(), aad, buf.into())
                        .unwrap()
                        .to_vec()
                });
            }
            (BulkCipher::AesCcm, 32) => {
                let aead = ccm::Ccm::<aes::Aes256, U16, U12>::new_from_slice(&key).unwrap();
                check_aead_against_raw(suite, |n, aad, buf| {
                    aead.encrypt_inout_detached(n.into(), aad, buf.into())
                        .unwrap()
                        .to_vec()
                });
            }
            other => panic!("unexpected suite {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CBC

#[test]
fn cbc_explicit_iv_is_fresh_from_the_rng_for_every_record() {
    for suite in cbc_suites() {
        let (mut sender, mut receiver) = suite.pair(4);
        let mut rng = TestRng(0xC0FFEE);
        let mut shadow = rng.clone();
        let data = payload(48, 1);
        let mut ivs = Vec::new();
        let mut bodies = Vec::new();
        for _ in 0..64 {
            let record = seal(&mut sender, 1, APPLICATION_DATA, &data, &mut rng);
            let iv = record[HEADER_LEN..HEADER_LEN + 16].to_vec();
            let mut expected = [0u8; 16];
            shadow.fill(&mut expected);
            assert_eq!(iv, expected, "{}: the IV is the RNG's next 16 bytes", suite.name);
            ivs.push(iv);
            bodies.push(record[HEADER_LEN + 16..].to_vec());
            assert_eq!(open(&mut receiver, &record).unwrap().1, data);
        }
        ivs.sort();
        ivs.dedup();
        assert_eq!(ivs.len(), 64, "{}: IVs repeat", suite.name);
        bodies.sort();
        bodies.dedup();
        assert_eq!(
            bodies.len(),
            64,
            "{}: same plaintext, same ciphertext",
            suite.name
        );
    }
}

/// The MAC input of RFC 5246 6.2.3.1: seq_num(8) || type || version || length, then the data.
fn mac_header(epoch: u16, seq: u64, content_type: u8, len: usize) -> Vec<u8> {
    let mut h = ((u64::from(epoch) << 48) | seq).to_be_bytes().to_vec();
    h.push(content_type);
    h.extend_from_slice(&DTLS_1_2.to_be_bytes());
    h.extend_from_slice(&(len as u16).to_be_bytes());
    h
}

/// Builds a CBC record by hand (so that it can be wrong in exactly one chosen way) and returns
/// the whole record.
struct CbcForge {
    suite: Suite,
    aes: Box<dyn CbcBlockCipher>,
    mac: HmacKey,
    mac_len: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flaw {
    None,
    /// One MAC byte flipped.
    BadMac,
    /// One padding byte (not the length byte) differs from the padding length.
    BadPaddingByte,
    /// The padding length byte claims more than the record holds.
    PaddingTooLong,
    /// Both the MAC and the padding are wrong.
    Both,
}

impl CbcForge {
    fn new(suite: Suite, seed: u8) -> Self {
        let (enc, mac, _) = suite.key_material(seed);
        let aes: Box<dyn CbcBlockCipher> = match enc.len() {
            16 => Box::new(AesCbc::<aes::Aes128>::new(&enc).unwrap()),
            _ => Box::new(AesCbc::<aes::Aes256>::new(&enc).unwrap()),
        };
        let alg = if suite.mac_len() == 20 {
            HashAlgorithm::Sha1
        } else {
            HashAlgorithm::Sha256
        };
        CbcForge {
            suite,
            aes,
            mac: HmacKey::new(alg, &mac).unwrap(),
            mac_len: suite.mac_len(),
        }
    }

    fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut out = [0u8; MAX_HASH_LEN];
        let n = self.mac.compute(parts, &mut out);
        out[..n].to_vec()
    }

    fn etm(&self) -> bool {
        matches!(
            self.suite.bulk,
            BulkCipher::AesCbcSha1 {
                encrypt_then_mac: true
            } | BulkCipher::AesCbcSha256 {
                encrypt_then_mac: true
            }
        )
    }

    /// `pad_len` is the value of the padding length byte (pad_len + 1 bytes of padding in all).
    fn record(&self, seq: u64, plaintext: &[u8], pad_len: u8, flaw: Flaw) -> Vec<u8> {
        let iv = [0x5Du8; 16];
        let mut padding = vec![pad_len; usize::from(pad_len) + 1];
        let bad_padding = matches!(flaw, Flaw::BadPaddingByte | Flaw::Both);
        if bad_padding {
            padding[0] ^= 0x01;
        }
        let bad_mac = matches!(flaw, Flaw::BadMac | Flaw::Both);
        let fragment = if self.etm() {
            let mut body = plaintext.to_vec();
            body.extend_from_slice(&padding);
            if flaw == Flaw::PaddingTooLong {
                *body.last_mut().unwrap() = 0xFF;
            }
            assert_eq!(body.len() % 16, 0);
            self.aes.encrypt_cbc(&iv, &mut body);
            let mut ct = iv.to_vec();
            ct.extend_from_slice(&body);
            let mut tag = self.mac(&[&mac_header(1, seq, APPLICATION_DATA, ct.len()), &ct]);
            if bad_mac {
                tag[3] ^= 0x10;
            }
            ct.extend_from_slice(&tag);
            ct
        } else {
            let mut tag = self.mac(&[&mac_header(1, seq, APPLICATION_DATA, plaintext.len()), plaintext]);
            if bad_mac {
                tag[3] ^= 0x10;
            }
            let mut body = plaintext.to_vec();
            body.extend_from_slice(&tag);
            body.extend_from_slice(&padding);
            if flaw == Flaw::PaddingTooLong {
                *body.last_mut().unwrap() = 0xFF;
            }
            assert_eq!(body.len() % 16, 0, "choose pad_len to fill the block");
            self.aes.encrypt_cbc(&iv, &mut body);
            let mut fragment = iv.to_vec();
            fragment.extend_from_slice(&body);
            fragment
        };
        let mut record = vec![0u8; HEADER_LEN];
        Header {
            content_type: APPLICATION_DATA,
            version: DTLS_1_2,
            epoch: 1,
            sequence: seq,
            length: fragment.len() as u16,
        }
        .write(&mut record)
        .unwrap();
        record.extend_from_slice(&fragment);
        record
    }
}

/// Lucky Thirteen and padding oracles live on *distinguishable failures*. What a test can check
/// is that the record layer gives an attacker nothing observable besides time: a bad padding and
/// a bad MAC yield the same `Discard::BadMac`, the same counter moves by the same amount, the
/// receive window does not move, and the rejected plaintext is wiped.
///
/// Time is the part a unit test cannot prove. What `dtls/src/crypto/cbc.rs` does about it for
/// MAC-then-encrypt: it never returns early on the padding (a bad padding is treated as empty,
/// RFC 5246's advice, and the MAC is still computed); it checks the padding with a branch-free
/// scan over the last min(256, len) bytes; it pads the HMAC work with dummy compression-function
/// calls up to what the longest possible plaintext would cost, counting blocks with shifts, not
/// divisions; it reads the received MAC with a branch-free rotation over every offset it could
/// have, and compares tags with `subtle::ConstantTimeEq`. Its stated residual leaks: the switch
/// from real to dummy compressions happens at a padding-dependent point (the total is fixed),
/// the HMAC copies the secret-length input, and the AES implementation's own timing is the
/// provider's. Encrypt-then-MAC checks the MAC over the ciphertext first, so it has no oracle.
#[test]
fn cbc_bad_padding_and_bad_mac_are_indistinguishable() {
    for suite in cbc_suites() {
        let name = suite.name;
        let forge = CbcForge::new(suite, 6);
        let (_, mut receiver) = suite.pair(6);
        let plaintext = payload(27, 0x21);
        // Padding that fills the last block exactly (MtE: plaintext + MAC + padding; EtM:
        // plaintext + padding), with at least 4 bytes of padding so one of them can be wrong.
        let unpadded = if forge.etm() {
            plaintext.len()
        } else {
            plaintext.len() + forge.mac_len
        };
        let mut pad_len = (16 - (unpadded + 1) % 16) % 16;
        if pad_len < 4 {
            pad_len += 16;
        }
        let pad_len = pad_len as u8;

        // The control: built by hand with no flaw, it opens. This validates the forge.
        let good = forge.record(0, &plaintext, pad_len, Flaw::None);
        assert_eq!(
            open(&mut receiver, &good).unwrap().1,
            plaintext,
            "{name}: forged control"
        );

        let flaws = [
            Flaw::BadMac,
            Flaw::BadPaddingByte,
            Flaw::PaddingTooLong,
            Flaw::Both,
        ];
        let mut deltas = Vec::new();
        for (i, flaw) in flaws.into_iter().enumerate() {
            let record = forge.record(1 + i as u64, &plaintext, pad_len, flaw);
            assert_eq!(
                record.len(),
                good.len(),
                "{name}: same length, so length tells nothing"
            );
            let before = *receiver.stats();
            let mut copy = record.clone();
            let result = receiver.open(&mut copy).map(|_| ());
            assert_eq!(result, Err(Discard::BadMac), "{name} {flaw:?}");
            let after = *receiver.stats();
            deltas.push(RecordStats {
                accepted: after.accepted - before.accepted,
                accepted_protected: after.accepted_protected - before.accepted_protected,
                malformed: after.malformed - before.malformed,
                too_large: after.too_large - before.too_large,
                unknown_epoch: after.unknown_epoch - before.unknown_epoch,
                future_epoch: after.future_epoch - before.future_epoch,
                too_short: after.too_short - before.too_short,
                bad_mac: after.bad_mac - before.bad_mac,
                replayed: after.replayed - before.replayed,
            });
            if !forge.etm() {
                // MtE decrypts before it can know; the rejected plaintext must not linger.
                assert!(
                    copy[HEADER_LEN + 16..].iter().all(|&b| b == 0),
                    "{name} {flaw:?}: plaintext left"
                );
            }
        }
        let one_bad_mac = RecordStats {
            bad_mac: 1,
            ..RecordStats::default()
        };
        assert!(deltas.iter().all(|d| *d == one_bad_mac), "{name}: {deltas:?}");

        // None of the failures moved the window: the genuine records 1..=4 still open.
        for i in 1..=4u64 {
            let record = forge.record(i, &plaintext, pad_len, Flaw::None);
            assert_eq!(
                open(&mut receiver, &record).unwrap().1,
                plaintext,
                "{name} seq {i}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Replay window and discards

#[test]
fn duplicated_record_is_dropped_as_replayed_before_crypto_and_counted() {
    for suite in SUITES {
        let name = suite.name;
        let mut rng = TestRng(11);
        let mut sender = RecordLayer::new();
        let mut receiver = RecordLayer::new();
        sender.install_write(suite.cipher(1)).unwrap();
        let (counting, opens) = CountingCipher::wrap(suite.cipher(1));
        receiver.install_read(counting).unwrap();

        let records: Vec<Vec<u8>> = (0..WINDOW_SIZE + 10)
            .map(|i| seal(&mut sender, 1, APPLICATION_DATA, &payload(20, i as u8), &mut rng))
            .collect();

        // Out of order inside the window is fine; the same record twice is not.
        open(&mut receiver, &records[5]).unwrap();
        open(&mut receiver, &records[3]).unwrap();
        let crypto_runs = opens.load(Ordering::SeqCst);
        assert_dropped(&mut receiver, &records[5], Discard::Replayed);
        assert_dropped(&mut receiver, &records[3], Discard::Replayed);
        assert_eq!(
            opens.load(Ordering::SeqCst),
            crypto_runs,
            "{name}: replay check runs before crypto"
        );
        open(&mut receiver, &records[4]).unwrap();

        // Once the window has moved past a record, it is too old to tell, and dropped.
        let last = records.len() - 1;
        open(&mut receiver, &records[last]).unwrap();
        let crypto_runs = opens.load(Ordering::SeqCst);
        assert_dropped(&mut receiver, &records[0], Discard::Replayed);
        assert_dropped(
            &mut receiver,
            &records[last - WINDOW_SIZE as usize],
            Discard::Replayed,
        );
        assert_eq!(opens.load(Ordering::SeqCst), crypto_runs);
        // The oldest sequence number still inside the window opens.
        open(&mut receiver, &records[last + 1 - WINDOW_SIZE as usize]).unwrap();

        let stats = receiver.stats();
        assert_eq!(
            (stats.accepted, stats.replayed, stats.dropped()),
            (5, 4, 4),
            "{name}"
        );
    }
}

#[test]
fn forged_records_with_huge_sequence_numbers_do_not_move_the_window() {
    for suite in SUITES {
        let name = suite.name;
        let mut rng = TestRng(12);
        let (mut sender, mut receiver) = suite.pair(1);

        // Current epoch: a genuine record relabelled with the largest sequence number fails
        // authentication (the sequence number is in the AAD / MAC) and must not slide the window
        // past the genuine records.
        let genuine: Vec<Vec<u8>> = (0..3)
            .map(|i| seal(&mut sender, 1, APPLICATION_DATA, &payload(64, i), &mut rng))
            .collect();
        for target in [MAX_SEQUENCE, MAX_SEQUENCE - 1, 1000, WINDOW_SIZE + 1] {
            let mut forged = genuine[2].clone();
            rewrite_header(&mut forged, |h| h.sequence = target);
            assert_dropped(&mut receiver, &forged, Discard::BadMac);
        }
        for record in &genuine {
            open(&mut receiver, record).unwrap_or_else(|d| panic!("{name}: genuine record dropped: {d:?}"));
        }

        // Next epoch, before its keys exist: reported for buffering, never decrypted.
        sender.install_write(suite.cipher(2)).unwrap();
        let next: Vec<Vec<u8>> = (0..2)
            .map(|i| seal(&mut sender, 2, APPLICATION_DATA, &payload(64, i), &mut rng))
            .collect();
        let mut forged = next[1].clone();
        rewrite_header(&mut forged, |h| h.sequence = MAX_SEQUENCE);
        assert_dropped(&mut receiver, &forged, Discard::FutureEpoch);
        // Once the keys are installed, the forgery fails and the genuine small sequence numbers
        // still open.
        receiver.install_read(suite.cipher(2)).unwrap();
        assert_dropped(&mut receiver, &forged, Discard::BadMac);
        for record in &next {
            open(&mut receiver, record)
                .unwrap_or_else(|d| panic!("{name}: next-epoch record dropped: {d:?}"));
        }
        // The previous epoch's window is equally untouched by a forgery.
        let mut forged = seal(&mut sender, 1, APPLICATION_DATA, b"retransmitted", &mut rng);
        let genuine_prev = forged.clone();
        rewrite_header(&mut forged, |h| h.sequence = MAX_SEQUENCE);
        assert_dropped(&mut receiver, &forged, Discard::BadMac);
        assert_eq!(
            open(&mut receiver, &genuine_prev).unwrap().1,
            b"retransmitted",
            "{name}"
        );
    }
}

#[test]
fn records_too_short_for_nonce_and_tag_are_dropped_before_crypto() {
    for suite in SUITES {
        let name = suite.name;
        let min = suite.cipher(1).min_fragment_len();
        // AEAD: explicit nonce (8) + tag. CBC EtM: IV + one block + MAC. CBC MtE: IV + the
        // blocks that hold the MAC and the padding length byte.
        let expected_min = match suite.bulk {
            BulkCipher::AesCcm8 => 8 + 8,
            BulkCipher::AesCcm | BulkCipher::AesGcm => 8 + 16,
            BulkCipher::AesCbcSha1 {
                encrypt_then_mac: true,
            } => 16 + 16 + 20,
            BulkCipher::AesCbcSha1 {
                encrypt_then_mac: false,
            } => 16 + 32,
            BulkCipher::AesCbcSha256 {
                encrypt_then_mac: true,
            } => 16 + 16 + 32,
            BulkCipher::AesCbcSha256 {
                encrypt_then_mac: false,
            } => 16 + 48,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(min, expected_min, "{name}");

        let mut receiver = RecordLayer::new();
        let (counting, opens) = CountingCipher::wrap(suite.cipher(1));
        receiver.install_read(counting).unwrap();
        for len in 0..min {
            assert_dropped(
                &mut receiver,
                &raw_record(1, len as u64, DTLS_1_2, len),
                Discard::TooShort,
            );
        }
        assert_eq!(
            opens.load(Ordering::SeqCst),
            0,
            "{name}: crypto ran on a too-short record"
        );
        assert_eq!(receiver.stats().too_short, min as u64);
        // At the minimum length the cipher gets to look (and rejects the garbage).
        assert_dropped(
            &mut receiver,
            &raw_record(1, 1000, DTLS_1_2, min),
            Discard::BadMac,
        );
        assert_eq!(opens.load(Ordering::SeqCst), 1, "{name}");
    }
}

#[test]
fn every_discard_reason_is_counted_separately() {
    let suite = SUITES[4]; // AES-128-GCM
    let mut rng = TestRng(13);
    let (mut sender, mut receiver) = suite.pair(1);
    let good = seal(&mut sender, 1, APPLICATION_DATA, b"a genuine record", &mut rng);

    // Unknown epoch: neither current (1), previous (0) nor next (2).
    assert_dropped(
        &mut receiver,
        &raw_record(5, 0, DTLS_1_2, 40),
        Discard::UnknownEpoch,
    );
    assert_dropped(
        &mut receiver,
        &raw_record(u16::MAX, 0, DTLS_1_2, 40),
        Discard::UnknownEpoch,
    );
    // Future epoch: current + 1, whose keys are not installed yet.
    assert_dropped(
        &mut receiver,
        &raw_record(2, 0, DTLS_1_2, 40),
        Discard::FutureEpoch,
    );
    // Malformed: shorter than a header; length field disagreeing with the record.
    assert_dropped(&mut receiver, &good[..HEADER_LEN - 1], Discard::Malformed);
    assert_dropped(&mut receiver, &[], Discard::Malformed);
    assert_dropped(&mut receiver, &good[..good.len() - 1], Discard::Malformed);
    let mut longer = good.clone();
    longer.push(0);
    assert_dropped(&mut receiver, &longer, Discard::Malformed);
    // Wrong version: TLS 1.2, DTLS 1.0 outside epoch 0, garbage.
    for version in [0x0303, DTLS_1_0, 0xFEFC, 0x0000] {
        let mut record = good.clone();
        rewrite_header(&mut record, |h| h.version = version);
        assert_dropped(&mut receiver, &record, Discard::Malformed);
    }
    // Too large: a fragment over 2^14 + 2048.
    assert_dropped(
        &mut receiver,
        &raw_record(1, 0, DTLS_1_2, MAX_FRAGMENT_LEN + 1),
        Discard::TooLarge,
    );
    // Too short.
    assert_dropped(&mut receiver, &raw_record(1, 0, DTLS_1_2, 23), Discard::TooShort);
    // Bad MAC: one ciphertext bit.
    let mut record = good.clone();
    *record.last_mut().unwrap() ^= 1;
    assert_dropped(&mut receiver, &record, Discard::BadMac);
    // The previous epoch (0, the null cipher) is still readable. Its window only drops exact
    // duplicates: it is unauthenticated, so a record left of the window is let through rather
    // than letting one injected record with a high sequence number poison the epoch.
    let clear = raw_record(0, 0, DTLS_1_2, 10);
    open(&mut receiver, &clear).unwrap();
    assert_dropped(&mut receiver, &clear, Discard::Replayed);
    open(&mut receiver, &raw_record(0, MAX_SEQUENCE, DTLS_1_2, 10)).unwrap();
    open(&mut receiver, &clear).unwrap();

    // The genuine record was never harmed by all that; its replay is dropped.
    assert_eq!(open(&mut receiver, &good).unwrap().1, b"a genuine record");
    assert_dropped(&mut receiver, &good, Discard::Replayed);
    assert_eq!(
        *receiver.stats(),
        RecordStats {
            accepted: 4,
            accepted_protected: 1,
            malformed: 8,
            too_large: 1,
            unknown_epoch: 2,
            future_epoch: 1,
            too_short: 1,
            bad_mac: 1,
            replayed: 2,
        }
    );
    assert_eq!(receiver.stats().dropped(), 16);

    // A datagram remainder that cannot hold a record is for the caller to count.
    assert_eq!(RecordLayer::record_len(&good[..good.len() - 1]), None);
    assert_eq!(RecordLayer::record_len(&good[..5]), None);
    receiver.count_malformed();
    assert_eq!(receiver.stats().malformed, 9);

    // Epoch 0 accepts the DTLS 1.0 version on the wire (RFC 6347 4.1), other layers do not
    // care.
    let mut fresh = RecordLayer::new();
    open(&mut fresh, &raw_record(0, 0, DTLS_1_0, 10)).unwrap();
    open(&mut fresh, &raw_record(0, 1, DTLS_1_2, 10)).unwrap();
    assert_dropped(&mut fresh, &raw_record(0, 2, 0x0303, 10), Discard::Malformed);
    // An epoch-0 record that would carry more than 2^14 bytes of plaintext.
    assert_dropped(
        &mut fresh,
        &raw_record(0, 3, DTLS_1_2, MAX_PLAINTEXT_LEN + 1),
        Discard::TooLarge,
    );
    open(&mut fresh, &raw_record(0, 4, DTLS_1_2, MAX_PLAINTEXT_LEN)).unwrap();
}

#[test]
fn every_single_bit_flip_of_a_sealed_record_is_dropped() {
    for suite in SUITES {
        let name = suite.name;
        let mut rng = TestRng(14);
        let (mut sender, mut receiver) = suite.pair(1);
        // Epoch 0 is plaintext by definition: a flip that turns epoch 1 into epoch 0 yields a
        // well-formed unprotected record, which the engine (not the record layer) judges by its
        // content type. Retire epoch 0 so that every flip here must be caught.
        receiver.retire_previous_read();
        let record = seal(&mut sender, 1, APPLICATION_DATA, &payload(33, 0x99), &mut rng);
        let mut reasons = std::collections::BTreeMap::<String, usize>::new();
        for bit in 0..record.len() * 8 {
            let mut flipped = record.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            match receiver.open(&mut flipped) {
                Ok(opened) => panic!("{name}: accepted with bit {bit} flipped: {opened:?}"),
                Err(reason) => *reasons.entry(format!("{reason:?}")).or_default() += 1,
            }
        }
        let stats = receiver.stats();
        assert_eq!(stats.accepted, 0, "{name}");
        assert_eq!(stats.dropped(), record.len() as u64 * 8, "{name}");
        // Every flip in the fragment, type or sequence number is caught by the MAC/tag.
        // Version and length flips are malformed, epoch flips name an unknown epoch.
        assert_eq!(
            stats.bad_mac,
            (record.len() - HEADER_LEN) as u64 * 8 + 8 + 48,
            "{name}: {reasons:?}"
        );
        assert_eq!(stats.malformed, 16 + 16, "{name}: {reasons:?}");
        assert_eq!(stats.unknown_epoch, 16, "{name}: {reasons:?}");
        // And nothing moved the window: the record itself still opens.
        open(&mut receiver, &record).unwrap_or_else(|d| panic!("{name}: original dropped: {d:?}"));
    }
}
