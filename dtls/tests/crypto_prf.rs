//! TLS 1.2 PRF, key-schedule helpers, hashes and HMAC of the RustCrypto provider.

use dtls::crypto::prf::{self, FinishedLabel};
use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{CryptoError, CryptoProvider, HashAlgorithm, MAX_HASH_LEN};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

/// The widely used TLS 1.2 PRF vectors (posted to the IETF TLS WG list, msg03416). The expected
/// outputs were also recomputed independently with python3's `hmac`/`hashlib` and match.
#[test]
fn prf_sha256_vector() {
    let mut out = [0u8; 100];
    prf::prf(
        &RustCrypto,
        HashAlgorithm::Sha256,
        &h("9bbe436ba940f017b17652849a71db35"),
        b"test label",
        &[&h("a0ba9f936cda311827a6f796ffd5198c")],
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out.to_vec(),
        h("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a
           6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab
           4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701
           87347b66")
    );
}

#[test]
fn prf_sha384_vector() {
    let mut out = [0u8; 148];
    prf::prf(
        &RustCrypto,
        HashAlgorithm::Sha384,
        &h("b80b733d6ceefcdc71566ea48e5567df"),
        b"test label",
        &[&h("cd665cf6a8447dd6ff8b27555edb7465")],
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out.to_vec(),
        h("7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd
           e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd
           8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425
           9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6
           91c8f3a26854308d5eaa3be85e0990703d73e56f")
    );
}

#[test]
fn prf_any_output_length_is_a_prefix_and_split_seed_is_the_same() {
    let secret = h("9bbe436ba940f017b17652849a71db35");
    let seed = h("a0ba9f936cda311827a6f796ffd5198c");
    let mut full = [0u8; 200];
    prf::prf(
        &RustCrypto,
        HashAlgorithm::Sha256,
        &secret,
        b"test label",
        &[&seed],
        &mut full,
    )
    .unwrap();
    for len in [0usize, 1, 31, 32, 33, 64, 65, 199] {
        let mut out = vec![0u8; len];
        let (a, b) = seed.split_at(5);
        prf::prf(
            &RustCrypto,
            HashAlgorithm::Sha256,
            &secret,
            b"test label",
            &[a, &[], b],
            &mut out,
        )
        .unwrap();
        assert_eq!(out, full[..len]);
    }
    // Too many seed parts and SHA-1 are refused, never panic.
    let mut out = [0u8; 8];
    let parts: [&[u8]; 5] = [&[], &[], &[], &[], &[]];
    assert_eq!(
        prf::prf(
            &RustCrypto,
            HashAlgorithm::Sha256,
            &secret,
            b"x",
            &parts,
            &mut out
        ),
        Err(CryptoError::BadLength)
    );
    assert_eq!(
        prf::prf(&RustCrypto, HashAlgorithm::Sha1, &secret, b"x", &[], &mut out),
        Err(CryptoError::Unsupported)
    );
}

// Expected values for the helpers below were produced with python3 (hmac + hashlib), an
// independent P_hash written from RFC 5246 section 5:
//   pm = bytes(range(48)); cr = b"\x01" * 32; sr = b"\x02" * 32; sh = sha256(b"transcript")
const MS: &str =
    "a8537d81a7d96d13e825f7e4f4cc3aa15a88c93441b2cd614ea74dcc3a283dcbce75223ecf9cceb7e520070683e8cc0e";

#[test]
fn master_secret_key_block_and_finished() {
    let pm: Vec<u8> = (0u8..48).collect();
    let cr = [1u8; 32];
    let sr = [2u8; 32];
    let ms = prf::master_secret(&RustCrypto, HashAlgorithm::Sha256, &pm, &cr, &sr).unwrap();
    assert_eq!(ms.to_vec(), h(MS));

    let mut kb = [0u8; 72];
    prf::key_block(&RustCrypto, HashAlgorithm::Sha256, &ms, &cr, &sr, &mut kb).unwrap();
    assert_eq!(
        kb.to_vec(),
        h(
            "04a08dbb8550d79d1aaacbf56788f7d1455323633f2404bbe8f63a1a54ae4cf000cc8da1f3fd1dd9ce757aff1df7c2e5
           9ac830ae206dedef97efb8da7b04df71535ce54e0375100a"
        )
    );

    let mut transcript = RustCrypto.hash(HashAlgorithm::Sha256).unwrap();
    transcript.update(b"transcript");
    let mut sh = [0u8; MAX_HASH_LEN];
    let n = transcript.peek(&mut sh);
    let sh = &sh[..n];

    let ems = prf::extended_master_secret(&RustCrypto, HashAlgorithm::Sha256, &pm, sh).unwrap();
    assert_eq!(
        ems.to_vec(),
        h("38eec34173d3bca3feaef05244cc93c222bfd751ffa3171bc2d7f395c904ac10d824a14a565873a7a37330324de2ab6c")
    );
    let vc = prf::verify_data(&RustCrypto, HashAlgorithm::Sha256, &ms, FinishedLabel::Client, sh).unwrap();
    let vs = prf::verify_data(&RustCrypto, HashAlgorithm::Sha256, &ms, FinishedLabel::Server, sh).unwrap();
    assert_eq!(vc.to_vec(), h("ae224a9d032ad220d0ac2adb"));
    assert_eq!(vs.to_vec(), h("4ab42631cc0134bdd2c39900"));
}

#[test]
fn sha384_master_secret_and_finished() {
    let pm: Vec<u8> = (0u8..48).collect();
    let ms = prf::master_secret(&RustCrypto, HashAlgorithm::Sha384, &pm, &[1; 32], &[2; 32]).unwrap();
    assert_eq!(
        ms.to_vec(),
        h("01e0ef697d40d05b279489200008a0ed864276c0cfff5af17d5d19b40854ca7bd98a06618dff88445471bb314daa3294")
    );
    let mut t = RustCrypto.hash(HashAlgorithm::Sha384).unwrap();
    t.update(b"trans");
    t.update(b"cript");
    let mut sh = [0u8; MAX_HASH_LEN];
    assert_eq!(t.peek(&mut sh), 48);
    let vc = prf::verify_data(
        &RustCrypto,
        HashAlgorithm::Sha384,
        &ms,
        FinishedLabel::Client,
        &sh,
    )
    .unwrap();
    assert_eq!(vc.to_vec(), h("6005bf68fad7ddcf02f92a7e"));
}

#[test]
fn psk_premaster_layout() {
    let pm = prf::psk_premaster_secret(b"\x01\x02\x03").unwrap();
    assert_eq!(pm.as_slice(), &[0, 3, 0, 0, 0, 0, 3, 1, 2, 3]);
    let big = vec![0xAB; 300];
    let pm = prf::psk_premaster_secret(&big).unwrap();
    assert_eq!(pm.len(), 4 + 600);
    assert_eq!(&pm[..2], &[1, 44]);
    assert!(pm[2..302].iter().all(|&b| b == 0));
    assert_eq!(&pm[302..304], &[1, 44]);
    assert_eq!(&pm[304..], &big[..]);
    assert_eq!(
        prf::psk_premaster_secret(&[]).unwrap_err(),
        CryptoError::BadLength
    );
    assert_eq!(
        prf::psk_premaster_secret(&vec![0; 65536]).unwrap_err(),
        CryptoError::BadLength
    );
    assert!(prf::psk_premaster_secret(&vec![0; 65535]).is_ok());
}

#[test]
fn hashes_known_answers_peek_and_fork() {
    let cases = [
        (HashAlgorithm::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (
            HashAlgorithm::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            HashAlgorithm::Sha384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
        ),
    ];
    for (alg, expected) in cases {
        let mut hsh = RustCrypto.hash(alg).unwrap();
        hsh.update(b"a");
        let fork = hsh.fork();
        hsh.update(b"bc");
        let mut out = [0u8; MAX_HASH_LEN];
        let n = hsh.peek(&mut out);
        assert_eq!(n, alg.output_len());
        assert_eq!(out[..n].to_vec(), h(expected));
        // peek does not end the hash; a fork is independent.
        let n2 = hsh.peek(&mut out);
        assert_eq!(out[..n2].to_vec(), h(expected));
        let mut fork = fork;
        fork.update(b"bc");
        let mut out2 = [0u8; MAX_HASH_LEN];
        fork.peek(&mut out2);
        assert_eq!(out2[..n].to_vec(), h(expected));
    }
}

/// Wycheproof HMAC-SHA1/SHA256/SHA384 through `CryptoProvider::hmac`. Vectors with a truncated
/// tag (tagSize < full output) compare the prefix, as Wycheproof intends; the provider always
/// returns the full tag.
#[test]
fn wycheproof_hmac() {
    use wycheproof::mac::{TestName, TestSet};
    let mut total = 0;
    for (name, alg) in [
        (TestName::HmacSha1, HashAlgorithm::Sha1),
        (TestName::HmacSha256, HashAlgorithm::Sha256),
        (TestName::HmacSha384, HashAlgorithm::Sha384),
    ] {
        let set = TestSet::load(name).unwrap();
        let mut count = 0;
        for group in &set.test_groups {
            for t in &group.tests {
                let mut out = [0u8; MAX_HASH_LEN];
                let n = RustCrypto.hmac(alg, &t.key, &[&t.msg], &mut out).unwrap();
                assert_eq!(n, alg.output_len());
                let tag_len = group.tag_size / 8;
                let matches = tag_len <= n && t.tag.len() == tag_len && out[..tag_len] == t.tag[..];
                assert_eq!(
                    matches,
                    !t.result.must_fail(),
                    "{alg:?} tcId {} ({})",
                    t.tc_id,
                    t.comment
                );
                count += 1;
            }
        }
        assert!(count > 100, "{alg:?}: only {count} vectors");
        eprintln!("wycheproof {alg:?}: {count} vectors");
        total += count;
    }
    assert!(total > 0);
}

#[test]
fn hmac_over_parts_equals_concatenation() {
    let mut a = [0u8; MAX_HASH_LEN];
    let mut b = [0u8; MAX_HASH_LEN];
    let n = RustCrypto
        .hmac(HashAlgorithm::Sha256, b"key", &[b"hello ", b"", b"world"], &mut a)
        .unwrap();
    RustCrypto
        .hmac(HashAlgorithm::Sha256, b"key", &[b"hello world"], &mut b)
        .unwrap();
    assert_eq!(a[..n], b[..n]);
}
