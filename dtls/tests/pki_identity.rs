//! Choosing the local identity: the server's by the ClientHello's suites, signature_algorithms,
//! supported_groups and server_name; the client's by the CertificateRequest.
// The test PKI has RSA and P-384 keys: these need the provider features that handle them.
#![cfg(all(feature = "rustcrypto-rsa", feature = "rustcrypto-p384"))]

mod pki_support;

use std::sync::Arc;

use dtls::crypto::rustcrypto::RustCrypto;
use dtls::crypto::{PublicKeyKind, SignatureScheme};
use dtls::pki::{ClientOffer, Identities, Identity, TrustStore, certificate_request};
use dtls::suite::{self, SuiteAuth};
use dtls::wire::{
    CertificateRequest, CipherSuite as Cs, ClientCertificateType, NamedGroup, SignatureScheme as Wire,
};
use pki_support::{cert, file, store};

fn identity(chain: &str, key: &str) -> Identity {
    Identity::load(&RustCrypto, &file(chain), &file(key)).unwrap()
}

/// A server with an RSA identity, then a P-256 one, then a P-384 one.
fn server_identities() -> Identities {
    let mut ids = Identities::new();
    ids.add(identity("rsa-server.chain.pem", "rsa-server.key.pem"));
    ids.add(identity("ec-server.chain.pem", "ec-server.key.pem"));
    ids.add(identity("p384-server.crt.pem", "p384-server.key.pem"));
    ids
}

const ALL_SCHEMES: &[Wire] = dtls::pki::SUPPORTED_WIRE_SCHEMES;
const GROUPS: &[NamedGroup] = &[NamedGroup::SECP256R1, NamedGroup::SECP384R1];

fn offer<'a>(
    suites: &'a [Cs],
    schemes: Option<&'a [Wire]>,
    groups: Option<&'a [NamedGroup]>,
    sni: Option<&'a str>,
) -> ClientOffer<'a> {
    ClientOffer {
        cipher_suites: suites,
        signature_algorithms: schemes,
        supported_groups: groups,
        server_name: sni,
    }
}

fn params(s: Cs) -> &'static suite::SuiteParams {
    suite::lookup(s).unwrap()
}

#[test]
fn ecdsa_suite_picks_the_ec_identity_and_rsa_suites_the_rsa_one() {
    let ids = server_identities();
    let o = offer(&[], Some(ALL_SCHEMES), Some(GROUPS), None);
    let c = ids
        .select_server(params(Cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), &o)
        .unwrap();
    assert_eq!(c.identity.public_key().kind(), PublicKeyKind::EcP256);
    assert_eq!(c.scheme, Some(SignatureScheme::EcdsaP256Sha256));
    let c = ids
        .select_server(params(Cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), &o)
        .unwrap();
    assert_eq!(c.identity.public_key().kind(), PublicKeyKind::Rsa);
    assert_eq!(c.scheme, Some(SignatureScheme::RsaPssRsaeSha256));
    let c = ids
        .select_server(params(Cs::TLS_RSA_WITH_AES_128_CBC_SHA), &o)
        .unwrap();
    assert_eq!(c.identity.public_key().kind(), PublicKeyKind::Rsa);
    assert_eq!(c.scheme, None, "RSA key transport signs nothing");
}

#[test]
fn the_scheme_is_one_the_client_offered() {
    let ids = server_identities();
    let pkcs1_only = [Wire::RSA_PKCS1_SHA384, Wire::ECDSA_SECP256R1_SHA256];
    let o = offer(&[], Some(&pkcs1_only), None, None);
    let c = ids
        .select_server(params(Cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384), &o)
        .unwrap();
    assert_eq!(c.scheme, Some(SignatureScheme::RsaPkcs1Sha384));
    // No RSA scheme offered: no RSA signing identity fits.
    let ec_only = [Wire::ECDSA_SECP256R1_SHA256];
    let o = offer(&[], Some(&ec_only), None, None);
    assert!(
        ids.select_server(params(Cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), &o)
            .is_none()
    );
    // RSA key transport needs no signature scheme.
    assert!(
        ids.select_server(params(Cs::TLS_RSA_WITH_AES_128_CBC_SHA256), &o)
            .is_some()
    );
}

#[test]
fn without_signature_algorithms_an_rsa_server_avoids_pss() {
    let ids = server_identities();
    let o = offer(&[], None, None, None);
    let c = ids
        .select_server(params(Cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), &o)
        .unwrap();
    assert_eq!(c.scheme, Some(SignatureScheme::RsaPkcs1Sha256));
}

#[test]
fn the_ec_certificate_curve_must_be_a_supported_group() {
    let ids = server_identities();
    let only_p384 = [NamedGroup::SECP384R1];
    let o = offer(&[], Some(ALL_SCHEMES), Some(&only_p384), None);
    let c = ids
        .select_server(params(Cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384), &o)
        .unwrap();
    assert_eq!(c.identity.public_key().kind(), PublicKeyKind::EcP384);
    assert_eq!(c.scheme, Some(SignatureScheme::EcdsaP384Sha384));
    let only_x25519 = [NamedGroup::X25519];
    let o = offer(&[], Some(ALL_SCHEMES), Some(&only_x25519), None);
    assert!(
        ids.select_server(params(Cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), &o)
            .is_none()
    );
}

#[test]
fn sni_picks_the_identity_whose_name_matches() {
    let mut ids = Identities::new();
    ids.add(identity("p384-server.crt.pem", "p384-server.key.pem")); // server.dtls.test
    // ec-server also covers *.devices.dtls.test.
    ids.add(identity("ec-server.chain.pem", "ec-server.key.pem"));
    let ecdsa = params(Cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    let o = offer(&[], Some(ALL_SCHEMES), None, Some("lamp.devices.dtls.test"));
    let c = ids.select_server(ecdsa, &o).unwrap();
    assert_eq!(c.identity.public_key().kind(), PublicKeyKind::EcP256);
    assert!(c.name_matched);
    // No match: the first identity that fits, flagged.
    let o = offer(&[], Some(ALL_SCHEMES), None, Some("unknown.example"));
    let c = ids.select_server(ecdsa, &o).unwrap();
    assert_eq!(c.identity.public_key().kind(), PublicKeyKind::EcP384);
    assert!(!c.name_matched);
}

#[test]
fn rsa_key_transport_needs_key_encipherment() {
    let mut ids = Identities::new();
    ids.add(identity(
        "rsa-server-signonly.crt.pem",
        "rsa-server-signonly.key.pem",
    ));
    let o = offer(&[], Some(ALL_SCHEMES), None, None);
    assert!(
        ids.select_server(params(Cs::TLS_RSA_WITH_AES_128_CBC_SHA), &o)
            .is_none()
    );
    assert!(
        ids.select_server(params(Cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), &o)
            .is_some()
    );
}

#[test]
fn a_client_only_certificate_is_never_chosen_by_a_server() {
    let mut ids = Identities::new();
    ids.add(identity("ec-client.chain.pem", "ec-client.key.pem"));
    let o = offer(&[], Some(ALL_SCHEMES), None, None);
    assert!(
        ids.select_server(params(Cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), &o)
            .is_none()
    );
}

#[test]
fn choose_suite_follows_our_preference_among_what_the_client_offers() {
    let ids = server_identities();
    let ours = [
        Cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        Cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        Cs::TLS_RSA_WITH_AES_128_CBC_SHA,
        Cs::TLS_PSK_WITH_AES_128_CCM_8,
    ];
    let theirs = [
        Cs::TLS_PSK_WITH_AES_128_CCM_8,
        Cs::TLS_RSA_WITH_AES_128_CBC_SHA,
        Cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];
    let c = ids
        .choose_suite(&ours, &offer(&theirs, Some(ALL_SCHEMES), None, None))
        .unwrap();
    assert_eq!(c.suite.suite, Cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    assert_eq!(c.suite.auth, SuiteAuth::Rsa);
    let c = ids.choose_suite(
        &ours,
        &offer(&[Cs::TLS_PSK_WITH_AES_128_CCM_8], Some(ALL_SCHEMES), None, None),
    );
    assert!(c.is_none(), "PSK suites are not certificate suites");
    assert!(
        Identities::new()
            .choose_suite(&ours, &offer(&theirs, None, None, None))
            .is_none()
    );
}

#[test]
fn identities_can_be_added_and_removed() {
    let mut ids = server_identities();
    assert_eq!(ids.len(), 3);
    assert!(ids.remove(&cert("rsa-server")));
    assert!(!ids.remove(&cert("rsa-server")));
    assert_eq!(ids.len(), 2);
    let o = offer(&[], Some(ALL_SCHEMES), None, None);
    assert!(
        ids.select_server(params(Cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), &o)
            .is_none()
    );
    let added = ids.add(identity("rsa-server.chain.pem", "rsa-server.key.pem"));
    assert!(Arc::ptr_eq(
        &ids.select_server(params(Cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), &o)
            .unwrap()
            .identity,
        &added
    ));
    assert_eq!(
        added.certified_key().chain,
        vec![cert("rsa-server"), cert("rsa-int")]
    );
}

// ---------------------------------------------------------------------------------------------
// The client's side

fn client_identities() -> Identities {
    let mut ids = Identities::new();
    ids.add(identity("rsa-client.chain.pem", "rsa-client.key.pem"));
    ids.add(identity("ec-client.chain.pem", "ec-client.key.pem"));
    ids
}

fn request(types: &[ClientCertificateType], schemes: &[Wire], cas: Vec<Vec<u8>>) -> CertificateRequest {
    CertificateRequest {
        certificate_types: types.to_vec(),
        supported_signature_algorithms: schemes.to_vec(),
        certificate_authorities: cas,
    }
}

#[test]
fn client_picks_an_identity_of_a_requested_type_and_scheme() {
    let ids = client_identities();
    let c = ids
        .select_client(&request(
            &[ClientCertificateType::ECDSA_SIGN],
            ALL_SCHEMES,
            vec![],
        ))
        .unwrap();
    assert_eq!(c.identity.public_key().kind(), PublicKeyKind::EcP256);
    assert_eq!(c.scheme, SignatureScheme::EcdsaP256Sha256);
    let c = ids
        .select_client(&request(
            &[ClientCertificateType::RSA_SIGN],
            &[Wire::RSA_PKCS1_SHA256],
            vec![],
        ))
        .unwrap();
    assert_eq!(c.identity.public_key().kind(), PublicKeyKind::Rsa);
    assert_eq!(c.scheme, SignatureScheme::RsaPkcs1Sha256);
    assert!(c.ca_matched);
}

#[test]
fn client_without_a_fitting_identity_answers_with_none() {
    let ids = client_identities();
    // ECDSA only, but no ECDSA scheme we can sign.
    let r = request(
        &[ClientCertificateType::ECDSA_SIGN],
        &[Wire::ECDSA_SHA1, Wire::RSA_PKCS1_SHA256],
        vec![],
    );
    assert!(ids.select_client(&r).is_none());
    let r = request(&[ClientCertificateType::DSS_SIGN], ALL_SCHEMES, vec![]);
    assert!(ids.select_client(&r).is_none());
    // A server certificate is not offered as a client certificate.
    let mut servers = Identities::new();
    servers.add(identity("ec-server.chain.pem", "ec-server.key.pem"));
    assert!(
        servers
            .select_client(&request(
                &[ClientCertificateType::ECDSA_SIGN],
                ALL_SCHEMES,
                vec![]
            ))
            .is_none()
    );
}

#[test]
fn client_prefers_an_identity_under_a_listed_ca() {
    let ids = client_identities(); // RSA first in configuration order
    let both = [ClientCertificateType::RSA_SIGN, ClientCertificateType::ECDSA_SIGN];
    let c = ids.select_client(&request(&both, ALL_SCHEMES, vec![])).unwrap();
    assert_eq!(c.identity.public_key().kind(), PublicKeyKind::Rsa);
    let ec_root_name = store(&["ec-root"]).subjects(usize::MAX);
    let c = ids
        .select_client(&request(&both, ALL_SCHEMES, ec_root_name))
        .unwrap();
    assert_eq!(c.identity.public_key().kind(), PublicKeyKind::EcP256);
    assert!(c.ca_matched);
    // Listed CAs that none of ours involve: still answered (RFC 5246 7.4.6 SHOULD), flagged.
    let other = store(&["other-root"]).subjects(usize::MAX);
    let c = ids.select_client(&request(&both, ALL_SCHEMES, other)).unwrap();
    assert!(!c.ca_matched);
}

#[test]
fn client_prefers_a_chain_signed_with_listed_algorithms() {
    let ids = client_identities();
    let both = [ClientCertificateType::RSA_SIGN, ClientCertificateType::ECDSA_SIGN];
    // rsa-int is signed with RSA-PSS, which this server does not list; the EC chain is all
    // ecdsa-with-SHA256.
    let c = ids
        .select_client(&request(
            &both,
            &[Wire::RSA_PKCS1_SHA256, Wire::ECDSA_SECP256R1_SHA256],
            vec![],
        ))
        .unwrap();
    assert_eq!(c.identity.public_key().kind(), PublicKeyKind::EcP256);
}

#[test]
fn the_servers_certificate_request_lists_what_we_verify() {
    let r = certificate_request(None);
    assert_eq!(
        r.certificate_types,
        [ClientCertificateType::ECDSA_SIGN, ClientCertificateType::RSA_SIGN]
    );
    assert_eq!(r.supported_signature_algorithms, ALL_SCHEMES);
    assert!(r.certificate_authorities.is_empty());
    let roots: TrustStore = store(&["ec-root", "rsa-root"]);
    let r = certificate_request(Some(&roots));
    assert_eq!(r.certificate_authorities.len(), 2);
    // It round-trips through the wire codec and the client can answer it.
    use dtls::codec::Codec;
    let parsed = CertificateRequest::parse(&r.to_vec().unwrap()).unwrap();
    assert_eq!(parsed, r);
    assert!(client_identities().select_client(&parsed).unwrap().ca_matched);
}
