//! The certificate suites through the simulator: every RSA-authenticated suite (RSA key
//! transport, ECDHE_RSA) and ECDHE-ECDSA-AES256-GCM complete over the lossy default link at a
//! 300-byte MTU, where the server's chain (the test PKI's RSA leaf and intermediate, about
//! 1.8 KB) crosses in many fragments.

use dtls_sim::implementation::SuiteId;
use dtls_sim::sim::failure_report;
use dtls_sim::{RunSpec, run};

const SUITES: [SuiteId; 6] = [
    SuiteId::RSA_WITH_AES_128_CBC_SHA,
    SuiteId::RSA_WITH_AES_128_CBC_SHA256,
    SuiteId::ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    SuiteId::ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    SuiteId::ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    SuiteId::ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
];

/// The handshake fragments of `msg_type` in a datagram: (message length, fragment length).
fn fragments(d: &[u8], msg_type: dtls::wire::HandshakeType) -> Vec<(u32, u32)> {
    dtls::wire::split_datagram(d)
        .filter_map(Result::ok)
        .filter(|r| r.header.epoch == 0 && r.header.content_type == dtls::wire::ContentType::HANDSHAKE)
        .flat_map(|r| {
            dtls::wire::split_handshake(r.fragment)
                .filter_map(Result::ok)
                .filter(|f| f.header.msg_type == msg_type)
                .map(|f| (f.header.length, f.header.fragment_length))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn certificate_suites_complete_over_the_lossy_link_with_chains_fragmented_at_mtu_300() {
    for suite in SUITES {
        for seed in [1, 2, 3] {
            let spec = RunSpec {
                suite,
                seed,
                mtu: 300,
                capture: true,
                ..RunSpec::default()
            };
            let r = run(&spec);
            assert!(r.passed(), "{}", failure_report(&spec, &r));
            assert!(r.capture.iter().all(|c| c.bytes.len() <= 300), "{suite}");
            let certificate: Vec<(u32, u32)> = r
                .capture
                .iter()
                .filter(|c| c.from == 0)
                .flat_map(|c| fragments(&c.bytes, dtls::wire::HandshakeType::CERTIFICATE))
                .collect();
            assert!(
                certificate.iter().any(|(len, frag)| frag < len),
                "{suite}: the server's Certificate was not fragmented: {certificate:?}"
            );
            if suite.auth.rsa() {
                // The RSA chain: leaf and intermediate.
                assert!(certificate.iter().all(|(len, _)| *len > 1500), "{certificate:?}");
            }
        }
    }
}

#[test]
fn the_new_suites_parse_by_short_and_iana_name() {
    for (short, suite) in [
        ("rsa-cbc-sha", SuiteId::RSA_WITH_AES_128_CBC_SHA),
        ("ecdhe-rsa-gcm", SuiteId::ECDHE_RSA_WITH_AES_128_GCM_SHA256),
        (
            "ecdhe-ecdsa-aes256-gcm",
            SuiteId::ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ),
    ] {
        assert_eq!(dtls_sim::scenario::parse_suite(short), Ok(suite));
        assert_eq!(dtls_sim::scenario::parse_suite(suite.name), Ok(suite));
    }
}
