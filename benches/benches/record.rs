//! The record layer beside the raw RustCrypto primitives it is built on, measured in the same
//! run so that the ratio, not the absolute time, is what we report.
//!
//! For every record cipher and payload size there are up to five benchmarks in one group
//! (`record-<cipher>`):
//!
//! - `dtls-seal`: `RecordLayer::seal` (copies the payload in, writes header and explicit nonce or
//!   IV, encrypts, counts the sequence number). This is the call the engine makes.
//! - `dtls-seal-in-place`: `RecordLayer::seal_in_place` (the plaintext is already in place).
//! - `raw-seal`: the raw cipher alone, in place, with the key expanded once and the nonce and
//!   13-byte AAD precomputed: `encrypt_inout_detached` for AEAD; HMAC, padding and CBC
//!   encryption for CBC (fixed IV, no RNG).
//! - `dtls-open`: `RecordLayer::open` (header checks, epoch lookup, replay window, decryption,
//!   constant-time CBC checks) on freshly sealed records.
//! - `raw-open`: `decrypt_inout_detached` for AEAD; HMAC verification, CBC decryption and a
//!   plain (not constant-time) padding check for CBC.
//!
//! Opening consumes its input (it decrypts in place and the replay window accepts each sequence
//! number once), so open benchmarks use `iter_batched_ref`: records are prepared untimed in
//! batches of 64 and then opened in one timed run, the same way for ours and for the raw cipher.
//!
//! Run: `cargo bench -p dtls-benches --bench record` (add `-- --quick` for a fast pass), then
//! `cargo run -p dtls-benches --bin ratios` prints the table of ratios.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use aes::Aes128;
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce, Tag};
use cbc::cipher::consts::U16;
use cbc::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit};
use hmac::{Hmac, Mac};

use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{BulkCipher, CryptoProvider, SecureRandom};
use dtls::record::RecordLayer;

const SIZES: [usize; 4] = [64, 256, 1024, 1400];
const BATCH: BatchSize = BatchSize::NumIterations(64);
const APPLICATION_DATA: u8 = 23;
const DTLS_1_2: [u8; 2] = [0xFE, 0xFD];

const ENC_KEY: [u8; 16] = [0x2b; 16];
const MAC_KEY: [u8; 32] = [0x7e; 32];
const FIXED_IV: [u8; 4] = [0x10, 0x20, 0x30, 0x40];
const CBC_IV: [u8; 16] = [0x5d; 16];
/// Epoch 1, sequence number 0: what the raw baselines use for nonce and AAD.
const SEQ: [u8; 8] = [0, 1, 0, 0, 0, 0, 0, 0];

/// SplitMix64: cheap, unlike `dtls::crypto::DeterministicRandom`, so the CBC IV draw costs what it costs in the record
/// layer's own code and not a CSPRNG's.
#[derive(Debug)]
struct BenchRng(u64);

impl SecureRandom for BenchRng {
    fn fill(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_be_bytes()[..chunk.len()]);
        }
    }
}

fn aad(len: usize) -> [u8; 13] {
    let mut aad = [0u8; 13];
    aad[..8].copy_from_slice(&SEQ);
    aad[8] = APPLICATION_DATA;
    aad[9..11].copy_from_slice(&DTLS_1_2);
    aad[11..].copy_from_slice(&(len as u16).to_be_bytes());
    aad
}

/// The raw primitive for one payload size: seal `buf[..len]` in place, open what it sealed.
trait Raw {
    /// Seals the plaintext at `buf[..len]`; returns the sealed length.
    fn seal(&self, buf: &mut [u8], len: usize) -> usize;
    /// Opens a sealed buffer in place; returns the plaintext length.
    fn open(&self, sealed: &mut [u8]) -> usize;
}

struct RawAead<A: AeadInOut> {
    aead: A,
    nonce: Nonce<A>,
    aad: [u8; 13],
}

impl<A: AeadInOut + KeyInit> RawAead<A> {
    fn new(len: usize) -> Self {
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&FIXED_IV);
        nonce[4..].copy_from_slice(&SEQ);
        RawAead {
            aead: A::new_from_slice(&ENC_KEY).expect("key"),
            nonce: Nonce::<A>::try_from(&nonce[..]).expect("12-byte nonce"),
            aad: aad(len),
        }
    }
}

impl<A: AeadInOut> Raw for RawAead<A> {
    fn seal(&self, buf: &mut [u8], len: usize) -> usize {
        let (data, rest) = buf.split_at_mut(len);
        let tag = self
            .aead
            .encrypt_inout_detached(&self.nonce, &self.aad, data.into())
            .expect("seal");
        rest[..tag.len()].copy_from_slice(&tag);
        len + tag.len()
    }

    fn open(&self, sealed: &mut [u8]) -> usize {
        let tag_len = Tag::<A>::default().len();
        let (data, tag) = sealed.split_at_mut(sealed.len() - tag_len);
        let tag = Tag::<A>::try_from(&*tag).expect("tag");
        self.aead
            .decrypt_inout_detached(&self.nonce, &self.aad, data.into(), &tag)
            .expect("open");
        data.len()
    }
}

struct RawCbc<M> {
    aes: Aes128,
    mac: M,
    mac_len: usize,
    encrypt_then_mac: bool,
}

impl<M: Mac + KeyInit + Clone> RawCbc<M> {
    fn new(mac_len: usize, encrypt_then_mac: bool) -> Self {
        RawCbc {
            aes: Aes128::new_from_slice(&ENC_KEY).expect("key"),
            mac: <M as KeyInit>::new_from_slice(&MAC_KEY[..mac_len]).expect("mac key"),
            mac_len,
            encrypt_then_mac,
        }
    }

    fn encrypt(&self, data: &mut [u8]) {
        let (blocks, _) = Array::<u8, U16>::slice_as_chunks_mut(data);
        cbc::Encryptor::<&Aes128>::inner_iv_init(&self.aes, (&CBC_IV).into()).encrypt_blocks(blocks);
    }

    fn decrypt(&self, data: &mut [u8]) {
        let (blocks, _) = Array::<u8, U16>::slice_as_chunks_mut(data);
        cbc::Decryptor::<&Aes128>::inner_iv_init(&self.aes, (&CBC_IV).into()).decrypt_blocks(blocks);
    }

    /// Appends padding after `len` bytes; returns the padded length.
    fn pad(buf: &mut [u8], len: usize) -> usize {
        let pad_total = 16 - len % 16;
        buf[len..len + pad_total].fill((pad_total - 1) as u8);
        len + pad_total
    }

    /// Checks and strips padding (not constant time: a plain baseline); returns the length
    /// before the padding.
    fn unpad(body: &[u8]) -> usize {
        let pad = usize::from(*body.last().expect("body"));
        assert!(
            pad < body.len()
                && body[body.len() - 1 - pad..]
                    .iter()
                    .all(|&b| usize::from(b) == pad)
        );
        body.len() - 1 - pad
    }
}

impl<M: Mac + KeyInit + Clone> Raw for RawCbc<M> {
    fn seal(&self, buf: &mut [u8], len: usize) -> usize {
        if self.encrypt_then_mac {
            let body = Self::pad(buf, len);
            self.encrypt(&mut buf[..body]);
            let mut m = self.mac.clone();
            m.update(&aad(16 + body));
            m.update(&CBC_IV);
            m.update(&buf[..body]);
            buf[body..body + self.mac_len].copy_from_slice(&m.finalize().into_bytes());
            body + self.mac_len
        } else {
            let mut m = self.mac.clone();
            m.update(&aad(len));
            m.update(&buf[..len]);
            buf[len..len + self.mac_len].copy_from_slice(&m.finalize().into_bytes());
            let body = Self::pad(buf, len + self.mac_len);
            self.encrypt(&mut buf[..body]);
            body
        }
    }

    fn open(&self, sealed: &mut [u8]) -> usize {
        if self.encrypt_then_mac {
            let (body, tag) = sealed.split_at_mut(sealed.len() - self.mac_len);
            let mut m = self.mac.clone();
            m.update(&aad(16 + body.len()));
            m.update(&CBC_IV);
            m.update(body);
            m.verify_slice(tag).expect("mac");
            self.decrypt(body);
            Self::unpad(body)
        } else {
            self.decrypt(sealed);
            let unpadded = Self::unpad(sealed);
            let len = unpadded - self.mac_len;
            let mut m = self.mac.clone();
            m.update(&aad(len));
            m.update(&sealed[..len]);
            m.verify_slice(&sealed[len..unpadded]).expect("mac");
            len
        }
    }
}

/// One record cipher: its name in the report, the bulk cipher and its raw baseline.
struct Subject {
    name: &'static str,
    bulk: BulkCipher,
    raw: fn(usize) -> Box<dyn Raw>,
}

fn subjects() -> Vec<Subject> {
    type Ccm8 = ccm::Ccm<Aes128, ccm::consts::U8, ccm::consts::U12>;
    type Ccm16 = ccm::Ccm<Aes128, ccm::consts::U16, ccm::consts::U12>;
    type Sha1 = Hmac<sha1::Sha1>;
    type Sha256 = Hmac<sha2::Sha256>;
    vec![
        Subject {
            name: "AES-128-CCM_8",
            bulk: BulkCipher::AesCcm8,
            raw: |n| Box::new(RawAead::<Ccm8>::new(n)),
        },
        Subject {
            name: "AES-128-CCM",
            bulk: BulkCipher::AesCcm,
            raw: |n| Box::new(RawAead::<Ccm16>::new(n)),
        },
        Subject {
            name: "AES-128-GCM",
            bulk: BulkCipher::AesGcm,
            raw: |n| Box::new(RawAead::<aes_gcm::Aes128Gcm>::new(n)),
        },
        Subject {
            name: "AES-128-CBC-SHA256-MtE",
            bulk: BulkCipher::AesCbcSha256 {
                encrypt_then_mac: false,
            },
            raw: |_| Box::new(RawCbc::<Sha256>::new(32, false)),
        },
        Subject {
            name: "AES-128-CBC-SHA256-EtM",
            bulk: BulkCipher::AesCbcSha256 {
                encrypt_then_mac: true,
            },
            raw: |_| Box::new(RawCbc::<Sha256>::new(32, true)),
        },
        Subject {
            name: "AES-128-CBC-SHA1-MtE",
            bulk: BulkCipher::AesCbcSha1 {
                encrypt_then_mac: false,
            },
            raw: |_| Box::new(RawCbc::<Sha1>::new(20, false)),
        },
        Subject {
            name: "AES-128-CBC-SHA1-EtM",
            bulk: BulkCipher::AesCbcSha1 {
                encrypt_then_mac: true,
            },
            raw: |_| Box::new(RawCbc::<Sha1>::new(20, true)),
        },
    ]
}

/// A sender and a receiver in epoch 1 with the benchmark keys.
fn layers(bulk: BulkCipher) -> (RecordLayer, RecordLayer) {
    let (mac_key, fixed_iv): (&[u8], &[u8]) = match bulk {
        BulkCipher::AesCbcSha1 { .. } => (&MAC_KEY[..20], &[]),
        BulkCipher::AesCbcSha256 { .. } => (&MAC_KEY[..], &[]),
        _ => (&[], &FIXED_IV),
    };
    let cipher = || {
        RustCrypto
            .record_cipher(bulk, &ENC_KEY, mac_key, fixed_iv)
            .expect("record cipher")
    };
    let mut sender = RecordLayer::new();
    let mut receiver = RecordLayer::new();
    sender.install_write(cipher()).expect("install");
    receiver.install_read(cipher()).expect("install");
    (sender, receiver)
}

fn record(c: &mut Criterion) {
    for subject in subjects() {
        let mut group = c.benchmark_group(format!("record-{}", subject.name));
        for size in SIZES {
            group.throughput(Throughput::Bytes(size as u64));
            let payload: Vec<u8> = (0..size).map(|i| i as u8).collect();
            let (mut sender, mut receiver) = layers(subject.bulk);
            let mut rng = BenchRng(1);
            let mut out = vec![0u8; size + 128];
            let raw = (subject.raw)(size);

            group.bench_with_input(BenchmarkId::new("dtls-seal", size), &payload, |b, payload| {
                b.iter(|| {
                    sender
                        .seal(1, APPLICATION_DATA, black_box(payload), &mut out, &mut rng)
                        .expect("seal")
                })
            });
            let offset = sender.plaintext_offset(1).expect("epoch 1");
            out[offset..offset + size].copy_from_slice(&payload);
            group.bench_function(BenchmarkId::new("dtls-seal-in-place", size), |b| {
                b.iter(|| {
                    sender
                        .seal_in_place(1, APPLICATION_DATA, black_box(&mut out), size, &mut rng)
                        .expect("seal")
                })
            });
            let mut buf = vec![0u8; size + 128];
            buf[..size].copy_from_slice(&payload);
            group.bench_function(BenchmarkId::new("raw-seal", size), |b| {
                b.iter(|| raw.seal(black_box(&mut buf), size))
            });

            group.bench_function(BenchmarkId::new("dtls-open", size), |b| {
                b.iter_batched_ref(
                    || {
                        let n = sender
                            .seal(1, APPLICATION_DATA, &payload, &mut out, &mut rng)
                            .expect("seal");
                        out[..n].to_vec()
                    },
                    |record| receiver.open(record).expect("open").plaintext.len(),
                    BATCH,
                )
            });
            buf[..size].copy_from_slice(&payload);
            let sealed_len = raw.seal(&mut buf, size);
            let sealed = buf[..sealed_len].to_vec();
            assert_eq!(
                raw.open(&mut sealed.clone()),
                size,
                "{} raw round trip",
                subject.name
            );
            group.bench_function(BenchmarkId::new("raw-open", size), |b| {
                b.iter_batched_ref(|| sealed.clone(), |sealed| raw.open(sealed), BATCH)
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // Short by default: the figures are ratios between neighbours measured in the same run, and
    // the machine is shared. `--warm-up-time` / `--measurement-time` on the command line win.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    targets = record
}
criterion_main!(benches);
