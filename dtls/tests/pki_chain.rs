//! Chain validation with `WebPkiVerifier`: valid P-256, P-384 and RSA-2048 chains for servers
//! and clients, and one test per reason a chain must be refused, each checked for its error
//! kind and the alert it maps to.
// The test PKI has RSA and P-384 keys: these need the provider features that handle them.
#![cfg(all(feature = "rustcrypto-rsa", feature = "rustcrypto-p384"))]

mod pki_support;

use std::sync::Arc;

use dtls::config::CertificateVerifier;
use dtls::error::{CertificateErrorKind as Kind, Error};
use dtls::pki::{
    ChainLimits, ChainRole, FixedTime, NameCheck, TimeSource, TrustStore, ValidityCheck, WebPkiVerifier,
};
use dtls::wire::AlertDescription;
use pki_support::{JAN_2030, cert, certs, chain, provider, store, verifier};

const SERVER: &str = "server.dtls.test";

fn refused(result: Result<(), dtls::error::CertificateError>) -> Kind {
    result.expect_err("the chain must be refused").kind
}

fn server(
    v: &WebPkiVerifier,
    names: &[&str],
    host: Option<&str>,
) -> Result<(), dtls::error::CertificateError> {
    v.verify_chain(&chain(names), ChainRole::Server, host)
}

fn client(v: &WebPkiVerifier, names: &[&str]) -> Result<(), dtls::error::CertificateError> {
    v.verify_chain(&chain(names), ChainRole::Client, None)
}

// ---------------------------------------------------------------------------------------------
// Chains that validate

#[test]
fn p256_server_chain_validates_for_its_name() {
    server(&verifier(), &["ec-server", "ec-int"], Some(SERVER)).unwrap();
    // Through the CertificateVerifier trait, as the client handshake calls it.
    verifier()
        .verify_server(&chain(&["ec-server", "ec-int"]), Some(SERVER))
        .unwrap();
}

#[test]
fn rsa_2048_server_chain_with_pss_and_sha384_signatures_validates() {
    // rsa-int is signed with RSA-PSS/SHA-256, rsa-server with sha384WithRSAEncryption.
    server(&verifier(), &["rsa-server", "rsa-int"], Some(SERVER)).unwrap();
}

#[test]
fn p384_server_chain_with_sha384_signature_validates() {
    server(&verifier(), &["p384-server"], Some(SERVER)).unwrap();
}

#[test]
fn p256_and_rsa_client_chains_validate_for_client_auth() {
    client(&verifier(), &["ec-client", "ec-int"]).unwrap();
    client(&verifier(), &["rsa-client", "rsa-int"]).unwrap();
    verifier()
        .verify_client(&chain(&["ec-client", "ec-int"]))
        .unwrap();
}

#[test]
fn intermediates_may_arrive_in_any_order_and_with_extras() {
    server(
        &verifier(),
        &["ec-server", "rsa-int", "ec-int2", "ec-int"],
        Some(SERVER),
    )
    .unwrap();
}

#[test]
fn a_wildcard_subject_alt_name_covers_one_label() {
    server(
        &verifier(),
        &["ec-server", "ec-int"],
        Some("sensor-7.devices.dtls.test"),
    )
    .unwrap();
    assert_eq!(
        refused(server(
            &verifier(),
            &["ec-server", "ec-int"],
            Some("a.b.devices.dtls.test")
        )),
        Kind::NameMismatch
    );
}

#[test]
fn without_a_server_name_the_name_is_not_checked_unless_required() {
    server(&verifier(), &["ec-server", "ec-int"], None).unwrap();
    let strict = verifier().with_name_check(NameCheck::Required);
    assert_eq!(
        refused(server(&strict, &["ec-server", "ec-int"], None)),
        Kind::NameMismatch
    );
}

#[cfg(feature = "std")]
#[test]
fn the_host_clock_validates_the_test_pki_today() {
    let v = WebPkiVerifier::new(
        provider(),
        store(&["ec-root"]),
        ValidityCheck::at(dtls::pki::SystemClock),
    );
    server(&v, &["ec-server", "ec-int"], Some(SERVER)).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Chains that are refused, one reason each

#[test]
fn expired_leaf_is_refused_with_certificate_expired() {
    let kind = refused(server(&verifier(), &["ec-expired", "ec-int"], Some(SERVER)));
    assert_eq!(kind, Kind::Expired);
    assert_eq!(kind.alert(), AlertDescription::CERTIFICATE_EXPIRED);
}

#[test]
fn validation_after_a_valid_chain_expires_is_refused() {
    let after_2125 = WebPkiVerifier::new(
        provider(),
        store(&["ec-root"]),
        ValidityCheck::at(FixedTime(4_900_000_000)),
    );
    assert_eq!(
        refused(server(&after_2125, &["ec-server", "ec-int"], Some(SERVER))),
        Kind::Expired
    );
}

#[test]
fn not_yet_valid_leaf_is_refused_with_certificate_expired() {
    let kind = refused(server(&verifier(), &["ec-future", "ec-int"], Some(SERVER)));
    assert_eq!(kind, Kind::NotYetValid);
    assert_eq!(kind.alert(), AlertDescription::CERTIFICATE_EXPIRED);
    let before_2025 = WebPkiVerifier::new(
        provider(),
        store(&["ec-root"]),
        ValidityCheck::at(FixedTime(1_600_000_000)),
    );
    assert_eq!(
        refused(server(&before_2025, &["ec-server", "ec-int"], Some(SERVER))),
        Kind::NotYetValid
    );
}

#[test]
fn ignoring_validity_periods_must_be_chosen_and_accepts_expired_chains() {
    let v = WebPkiVerifier::new(
        provider(),
        store(&["ec-root"]),
        ValidityCheck::IgnoreValidityPeriod,
    );
    server(&v, &["ec-expired", "ec-int"], Some(SERVER)).unwrap();
    server(&v, &["ec-future", "ec-int"], Some(SERVER)).unwrap();
    // Everything else is still checked.
    assert_eq!(
        refused(server(&v, &["ec-expired"], Some(SERVER))),
        Kind::UnknownIssuer
    );
}

#[test]
fn a_time_source_that_does_not_know_the_time_refuses_every_chain() {
    #[derive(Debug)]
    struct NoClock;
    impl TimeSource for NoClock {
        fn unix_time(&self) -> Option<u64> {
            None
        }
    }
    let v = WebPkiVerifier::new(
        provider(),
        store(&["ec-root"]),
        ValidityCheck::At(Arc::new(NoClock)),
    );
    let kind = refused(server(&v, &["ec-server", "ec-int"], Some(SERVER)));
    assert_eq!(kind, Kind::TimeUnavailable);
    assert_eq!(kind.alert(), AlertDescription::CERTIFICATE_UNKNOWN);
}

#[test]
fn chain_to_a_root_not_in_the_store_is_refused_with_unknown_ca() {
    let kind = refused(server(&verifier(), &["other-server"], Some(SERVER)));
    assert_eq!(kind, Kind::UnknownIssuer);
    assert_eq!(kind.alert(), AlertDescription::UNKNOWN_CA);
    // Sending the foreign root along does not make it trusted.
    assert_eq!(
        refused(server(&verifier(), &["other-server", "other-root"], Some(SERVER))),
        Kind::UnknownIssuer
    );
}

#[test]
fn chain_missing_its_intermediate_is_refused_with_unknown_ca() {
    assert_eq!(
        refused(server(&verifier(), &["ec-server"], Some(SERVER))),
        Kind::UnknownIssuer
    );
    assert_eq!(
        refused(server(&verifier(), &["rsa-server"], Some(SERVER))),
        Kind::UnknownIssuer
    );
}

#[test]
fn intermediate_with_ca_false_is_refused() {
    let kind = refused(server(
        &verifier(),
        &["ec-noca-leaf", "ec-noca-int"],
        Some(SERVER),
    ));
    assert_eq!(kind, Kind::BadConstraints);
    assert_eq!(kind.alert(), AlertDescription::BAD_CERTIFICATE);
}

#[test]
fn path_length_constraint_exceeded_is_refused() {
    // ec-int has pathlen 0, yet ec-int2 (a CA) sits below it.
    let kind = refused(server(
        &verifier(),
        &["ec-pathlen-leaf", "ec-int2", "ec-int"],
        Some(SERVER),
    ));
    assert_eq!(kind, Kind::BadConstraints);
}

#[test]
fn intermediate_whose_key_usage_lacks_key_cert_sign_is_refused() {
    let e = server(
        &verifier(),
        &["ec-nocertsign-leaf", "ec-nocertsign-int"],
        Some(SERVER),
    )
    .unwrap_err();
    assert_eq!(e.kind, Kind::BadConstraints);
    assert!(e.reason.contains("keyCertSign"), "{e}");
}

#[test]
fn client_certificate_presented_as_a_server_is_refused_for_its_extended_key_usage() {
    let kind = refused(server(&verifier(), &["ec-client", "ec-int"], None));
    assert_eq!(kind, Kind::WrongUsage);
    assert_eq!(kind.alert(), AlertDescription::UNSUPPORTED_CERTIFICATE);
}

#[test]
fn server_certificate_presented_as_a_client_is_refused_for_its_extended_key_usage() {
    assert_eq!(
        refused(client(&verifier(), &["ec-server", "ec-int"])),
        Kind::WrongUsage
    );
    assert_eq!(
        refused(client(&verifier(), &["rsa-server", "rsa-int"])),
        Kind::WrongUsage
    );
}

#[test]
fn leaf_not_valid_for_the_server_name_is_refused() {
    let kind = refused(server(
        &verifier(),
        &["ec-server", "ec-int"],
        Some("other.dtls.test"),
    ));
    assert_eq!(kind, Kind::NameMismatch);
    assert_eq!(kind.alert(), AlertDescription::BAD_CERTIFICATE);
    // The common name is never used as a host name.
    assert_eq!(
        refused(server(
            &verifier(),
            &["ec-server", "ec-int"],
            Some("dtls test ec-server")
        )),
        Kind::NameMismatch
    );
}

#[test]
fn tampered_certificate_signature_is_refused() {
    let mut leaf = cert("ec-server");
    let last = leaf.len() - 1;
    leaf[last] ^= 0x01; // inside the signature BIT STRING, the last element of the certificate
    let e = verifier()
        .verify_chain(&[leaf, cert("ec-int")], ChainRole::Server, Some(SERVER))
        .unwrap_err();
    assert_eq!(e.kind, Kind::BadSignature, "{e}");
    let mut int = cert("rsa-int");
    let last = int.len() - 1;
    int[last] ^= 0x80;
    let e = verifier()
        .verify_chain(&[cert("rsa-server"), int], ChainRole::Server, Some(SERVER))
        .unwrap_err();
    assert_eq!(e.kind, Kind::BadSignature, "{e}");
}

#[test]
fn tampered_certificate_body_is_refused() {
    // Flip a byte of the subject key: the issuer's signature no longer covers the body.
    let mut leaf = cert("ec-server");
    let spki = leaf.windows(2).position(|w| w == [0x03, 0x42]).unwrap();
    leaf[spki + 10] ^= 0x01;
    let e = verifier()
        .verify_chain(&[leaf, cert("ec-int")], ChainRole::Server, Some(SERVER))
        .unwrap_err();
    assert_eq!(e.kind, Kind::BadSignature, "{e}");
}

#[test]
fn self_signed_leaf_not_in_the_store_is_refused() {
    assert_eq!(
        refused(server(&verifier(), &["selfsigned"], Some(SERVER))),
        Kind::UnknownIssuer
    );
}

#[test]
fn a_root_sent_as_the_leaf_is_refused() {
    let mut trusting = verifier();
    trusting.roots_mut().add(&cert("ec-root")).unwrap();
    assert_eq!(
        refused(server(&trusting, &["ec-root"], None)),
        Kind::BadConstraints
    );
}

#[test]
fn chain_with_more_certificates_than_the_limit_is_refused_before_parsing() {
    let mut long = chain(&["ec-server", "ec-int"]);
    long.extend(std::iter::repeat_n(vec![0u8; 10], 5)); // garbage: never parsed
    let e = verifier()
        .verify_chain(&long, ChainRole::Server, Some(SERVER))
        .unwrap_err();
    assert_eq!(e.kind, Kind::TooLarge);
    assert_eq!(e.kind.alert(), AlertDescription::BAD_CERTIFICATE);
}

#[test]
fn chain_larger_than_the_byte_limit_is_refused() {
    let full = chain(&["rsa-server", "rsa-int"]);
    let size: usize = full.iter().map(Vec::len).sum();
    let tight = verifier().with_limits(ChainLimits {
        max_chain_bytes: size - 1,
        ..ChainLimits::default()
    });
    assert_eq!(
        refused(tight.verify_chain(&full, ChainRole::Server, Some(SERVER))),
        Kind::TooLarge
    );
    let exact = verifier().with_limits(ChainLimits {
        max_chain_bytes: size,
        ..ChainLimits::default()
    });
    exact
        .verify_chain(&full, ChainRole::Server, Some(SERVER))
        .unwrap();
}

#[test]
fn empty_chain_is_refused_as_missing() {
    let e = verifier().verify_chain(&[], ChainRole::Client, None).unwrap_err();
    assert_eq!(e.kind, Kind::Missing);
    assert_eq!(e.kind.alert(), AlertDescription::HANDSHAKE_FAILURE);
}

#[test]
fn garbage_leaf_is_refused_as_malformed() {
    let e = verifier()
        .verify_chain(&[vec![0x30, 0x00]], ChainRole::Server, None)
        .unwrap_err();
    assert_eq!(e.kind, Kind::Malformed);
}

#[test]
fn errors_reach_the_handshake_as_certificate_errors_with_their_alert() {
    let e = verifier()
        .verify_server(&chain(&["other-server"]), Some(SERVER))
        .unwrap_err();
    assert!(matches!(e, Error::Certificate(c) if c.kind == Kind::UnknownIssuer));
    assert_eq!(e.alert(), Some(AlertDescription::UNKNOWN_CA));
}

// ---------------------------------------------------------------------------------------------
// The trust store

#[test]
fn removing_a_root_from_the_store_stops_trusting_its_chains() {
    let mut v = verifier();
    server(&v, &["ec-server", "ec-int"], Some(SERVER)).unwrap();
    assert!(v.roots_mut().remove(&cert("ec-root")));
    assert!(!v.roots_mut().remove(&cert("ec-root")));
    assert_eq!(
        refused(server(&v, &["ec-server", "ec-int"], Some(SERVER))),
        Kind::UnknownIssuer
    );
    // The others are untouched.
    server(&v, &["rsa-server", "rsa-int"], Some(SERVER)).unwrap();
    v.roots_mut().add(&cert("ec-root")).unwrap();
    server(&v, &["ec-server", "ec-int"], Some(SERVER)).unwrap();
}

#[test]
fn trust_store_loads_bundles_and_removes_by_subject() {
    let mut s = TrustStore::new();
    assert_eq!(s.add_all(&pki_support::file("roots.pem")).unwrap(), 3);
    assert_eq!(s.len(), 3);
    s.add(&cert("ec-root")).unwrap(); // already present
    assert_eq!(s.len(), 3);
    let subjects = s.subjects(usize::MAX);
    assert_eq!(subjects.len(), 3);
    assert_eq!(s.remove_by_subject(&subjects[1]), 1);
    assert!(!s.contains(&cert("rsa-root")));
    assert!(s.contains(&cert("p384-root")));
    // A bundle with one bad certificate adds nothing.
    let mut bad = pki_support::file("other-root.crt.pem");
    bad.extend_from_slice(b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n");
    assert!(s.add_all(&bad).is_err());
    assert_eq!(s.len(), 2);
    assert!(s.add(b"not a certificate").is_err());
    let _ = certs("roots.pem");
}

#[test]
fn trust_store_subject_list_stays_within_its_byte_budget() {
    let s = store(&["ec-root", "rsa-root", "p384-root"]);
    let all = s.subjects(usize::MAX);
    let first = 2 + all[0].len();
    assert_eq!(s.subjects(first), vec![all[0].clone()]);
    assert!(s.subjects(first - 1).is_empty());
}

#[test]
fn validation_time_comes_only_from_the_configured_source() {
    // The same chain flips from valid to expired by the configured time alone.
    for (t, ok) in [(JAN_2030, true), (4_900_000_000, false)] {
        let v = WebPkiVerifier::new(provider(), store(&["ec-root"]), ValidityCheck::at(FixedTime(t)));
        assert_eq!(
            server(&v, &["ec-server", "ec-int"], Some(SERVER)).is_ok(),
            ok,
            "t={t}"
        );
    }
}
