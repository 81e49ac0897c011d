//! Loading certificates and private keys from DER and PEM: every accepted format, and a clear
//! error (never a panic) for each kind of malformed input.
// The test PKI has RSA and P-384 keys: these need the provider features that handle them.
#![cfg(all(feature = "rustcrypto-rsa", feature = "rustcrypto-p384"))]

mod pki_support;

use dtls::crypto::PublicKeyKind;
use dtls::error::CertificateErrorKind as Kind;
use dtls::pki::{Identity, PrivateKeyFormat, load_certificates, load_private_key};
use pki_support::{cert, file, provider};

fn kind_of<T: std::fmt::Debug>(r: Result<T, dtls::error::CertificateError>) -> Kind {
    r.expect_err("must fail").kind
}

#[test]
fn a_single_der_certificate_loads() {
    let der = cert("ec-server");
    assert_eq!(load_certificates(&der).unwrap(), vec![der]);
}

#[test]
fn a_pem_bundle_loads_every_certificate_in_file_order() {
    let certs = load_certificates(&file("ec-server.chain.pem")).unwrap();
    assert_eq!(certs, vec![cert("ec-server"), cert("ec-int")]);
    let roots = load_certificates(&file("roots.pem")).unwrap();
    assert_eq!(roots, vec![cert("ec-root"), cert("rsa-root"), cert("p384-root")]);
}

#[test]
fn concatenated_der_certificates_load_as_a_bundle() {
    let mut both = cert("rsa-server");
    both.extend_from_slice(&cert("rsa-int"));
    assert_eq!(
        load_certificates(&both).unwrap(),
        vec![cert("rsa-server"), cert("rsa-int")]
    );
}

#[test]
fn pem_text_between_and_around_blocks_is_ignored() {
    let mut pem = b"subject=CN = dtls test ec-server\n\n".to_vec();
    pem.extend_from_slice(&file("ec-server.crt.pem"));
    pem.extend_from_slice(b"\nsome comment\r\n");
    pem.extend_from_slice(&file("ec-int.crt.pem"));
    assert_eq!(load_certificates(&pem).unwrap().len(), 2);
}

#[test]
fn empty_or_unarmoured_certificate_input_is_refused() {
    assert_eq!(kind_of(load_certificates(b"")), Kind::Malformed);
    assert_eq!(kind_of(load_certificates(b"  \n\t")), Kind::Malformed);
    let e = load_certificates(b"hello, not a certificate").unwrap_err();
    assert!(e.reason.contains("neither DER"), "{e}");
}

#[test]
fn every_truncation_of_a_der_certificate_is_refused() {
    let der = cert("rsa-server");
    for n in 1..der.len() {
        assert_eq!(
            kind_of(load_certificates(&der[..n])),
            Kind::Malformed,
            "prefix {n}"
        );
    }
}

#[test]
fn der_certificate_with_trailing_garbage_is_refused() {
    let mut der = cert("ec-server");
    der.extend_from_slice(&[0x30, 0x03, 0x02, 0x01]);
    assert_eq!(kind_of(load_certificates(&der)), Kind::Malformed);
    let mut der = cert("ec-server");
    der.push(0x00);
    assert_eq!(kind_of(load_certificates(&der)), Kind::Malformed);
}

#[test]
fn pem_with_bad_base64_or_missing_end_is_refused() {
    let pem = String::from_utf8(file("ec-server.crt.pem")).unwrap();
    let bad_base64 = pem.replacen("MII", "M*I", 1);
    let e = load_certificates(bad_base64.as_bytes()).unwrap_err();
    assert!(e.reason.contains("Base64"), "{e}");
    let no_end = &pem[..pem.find("-----END").unwrap()];
    let e = load_certificates(no_end.as_bytes()).unwrap_err();
    assert!(e.reason.contains("without an END"), "{e}");
    let wrong_end = pem.replace("END CERTIFICATE", "END PRIVATE KEY");
    assert_eq!(kind_of(load_certificates(wrong_end.as_bytes())), Kind::Malformed);
}

#[test]
fn a_pem_block_that_is_not_a_certificate_is_refused_where_a_certificate_is_expected() {
    let e = load_certificates(&file("ec-server.key.pem")).unwrap_err();
    assert!(e.reason.contains("not a CERTIFICATE"), "{e}");
}

#[test]
fn certificate_with_a_malformed_subject_alt_name_is_refused_when_loaded() {
    // Found by the pki fuzz target: well-formed X.509 around an extension that is not.
    let e = load_certificates(&file("regression-malformed-san.pem")).unwrap_err();
    assert!(e.reason.contains("subjectAltName"), "{e}");
}

#[test]
fn pem_certificate_whose_contents_are_not_x509_is_refused() {
    let pem = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
    let e = load_certificates(pem.as_bytes()).unwrap_err();
    assert!(e.reason.contains("X.509"), "{e}");
}

/// Every key file in the test PKI loads, in each format, and belongs to its certificate.
#[test]
fn private_keys_load_from_every_supported_format() {
    let cases = [
        (
            "ec-server.key.pem",
            PrivateKeyFormat::Pkcs8,
            PublicKeyKind::EcP256,
            "ec-server",
        ),
        (
            "ec-server.key.der",
            PrivateKeyFormat::Pkcs8,
            PublicKeyKind::EcP256,
            "ec-server",
        ),
        (
            "ec-server.key.sec1.pem",
            PrivateKeyFormat::Sec1,
            PublicKeyKind::EcP256,
            "ec-server",
        ),
        (
            "ec-server.key.sec1.der",
            PrivateKeyFormat::Sec1,
            PublicKeyKind::EcP256,
            "ec-server",
        ),
        (
            "p384-server.key.pem",
            PrivateKeyFormat::Pkcs8,
            PublicKeyKind::EcP384,
            "p384-server",
        ),
        (
            "p384-server.key.sec1.pem",
            PrivateKeyFormat::Sec1,
            PublicKeyKind::EcP384,
            "p384-server",
        ),
        (
            "rsa-server.key.pem",
            PrivateKeyFormat::Pkcs8,
            PublicKeyKind::Rsa,
            "rsa-server",
        ),
        (
            "rsa-server.key.der",
            PrivateKeyFormat::Pkcs8,
            PublicKeyKind::Rsa,
            "rsa-server",
        ),
        (
            "rsa-server.key.pkcs1.pem",
            PrivateKeyFormat::Pkcs1,
            PublicKeyKind::Rsa,
            "rsa-server",
        ),
        (
            "rsa-server.key.pkcs1.der",
            PrivateKeyFormat::Pkcs1,
            PublicKeyKind::Rsa,
            "rsa-server",
        ),
    ];
    let provider = provider();
    for (name, format, kind, cert_name) in cases {
        let key = load_private_key(&file(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((key.format(), key.kind()), (format, kind), "{name}");
        let signing = key.signing_key(&*provider).unwrap();
        let identity =
            Identity::new(vec![cert(cert_name)], signing).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(identity.public_key().kind(), kind);
    }
}

#[test]
fn an_sec1_pem_with_an_ec_parameters_block_loads() {
    let mut pem = b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n".to_vec();
    pem.extend_from_slice(&file("ec-server.key.sec1.pem"));
    assert_eq!(load_private_key(&pem).unwrap().format(), PrivateKeyFormat::Sec1);
}

#[test]
fn a_key_that_is_not_its_certificates_is_refused_as_an_identity() {
    let provider = provider();
    let key = load_private_key(&file("ec-client.key.pem")).unwrap();
    let e = Identity::new(vec![cert("ec-server")], key.signing_key(&*provider).unwrap()).unwrap_err();
    assert_eq!(e.kind, Kind::KeyMismatch);
    let rsa = load_private_key(&file("rsa-server.key.pem")).unwrap();
    let e = Identity::new(vec![cert("ec-server")], rsa.signing_key(&*provider).unwrap()).unwrap_err();
    assert_eq!(e.kind, Kind::KeyMismatch);
    let e = Identity::new(
        vec![],
        load_private_key(&file("ec-server.key.pem"))
            .unwrap()
            .signing_key(&*provider)
            .unwrap(),
    )
    .unwrap_err();
    assert_eq!(e.kind, Kind::Missing);
}

#[test]
fn identity_loads_from_a_chain_file_and_a_key_file() {
    let provider = provider();
    let id = Identity::load(
        &*provider,
        &file("rsa-server.chain.pem"),
        &file("rsa-server.key.pkcs1.pem"),
    )
    .unwrap();
    assert_eq!(id.chain(), &[cert("rsa-server"), cert("rsa-int")]);
    assert_eq!(id.public_key().bits(), 2048);
}

#[test]
fn encrypted_private_keys_are_refused_with_a_reason() {
    let e = load_private_key(&file("ec-server.key.encrypted.pem")).unwrap_err();
    assert_eq!(e.kind, Kind::Unsupported);
    assert!(e.reason.contains("encrypted"), "{e}");
}

#[test]
fn keys_of_unsupported_algorithms_and_curves_are_refused() {
    let e = load_private_key(&file("ed25519.key.pem")).unwrap_err();
    assert_eq!(e.kind, Kind::Unsupported, "{e}");
    let e = load_private_key(&file("secp256k1.key.pem")).unwrap_err();
    assert_eq!(e.kind, Kind::Unsupported, "{e}");
    assert!(e.reason.contains("curve"), "{e}");
}

#[test]
fn rsa_keys_below_2048_bits_are_refused_by_the_provider() {
    let key = load_private_key(&file("rsa1024.key.pem")).unwrap();
    assert_eq!(key.kind(), PublicKeyKind::Rsa);
    let e = key.signing_key(&*provider()).unwrap_err();
    assert_eq!(e.kind, Kind::Unsupported);
    assert!(e.reason.contains("2048"), "{e}");
}

#[test]
fn a_certificate_or_two_keys_where_one_key_is_expected_are_refused() {
    let e = load_private_key(&file("ec-server.crt.pem")).unwrap_err();
    assert!(e.reason.contains("CERTIFICATE"), "{e}");
    let mut two = file("ec-server.key.pem");
    two.extend_from_slice(&file("ec-client.key.pem"));
    let e = load_private_key(&two).unwrap_err();
    assert!(e.reason.contains("more than one"), "{e}");
    let e = load_private_key(&file("ec-server.crt.der")).unwrap_err();
    assert!(e.reason.contains("neither PKCS#8, SEC1 nor PKCS#1"), "{e}");
}

#[test]
fn a_pem_label_that_disagrees_with_the_key_inside_is_refused() {
    let pem = String::from_utf8(file("ec-server.key.pem")).unwrap();
    let relabelled = pem.replace("PRIVATE KEY", "RSA PRIVATE KEY");
    let e = load_private_key(relabelled.as_bytes()).unwrap_err();
    assert!(e.reason.contains("label does not match"), "{e}");
}

#[test]
fn every_truncation_of_a_der_key_is_refused() {
    for name in [
        "ec-server.key.der",
        "ec-server.key.sec1.der",
        "rsa-server.key.pkcs1.der",
    ] {
        let der = file(name);
        for n in 0..der.len() {
            assert!(load_private_key(&der[..n]).is_err(), "{name} prefix {n}");
        }
    }
}

#[test]
fn empty_key_input_is_refused() {
    assert_eq!(load_private_key(b"").unwrap_err().kind, Kind::Malformed);
    assert_eq!(
        load_private_key(b"-----BEGIN garbage").unwrap_err().kind,
        Kind::Malformed
    );
}
