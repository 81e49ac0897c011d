//! Every targeted scenario of TESTING.md section 1, on a perfect link, for a PSK and an
//! ECDHE suite. Known engine bugs are listed in `dtls_sim::expected`, not ignored here.

use dtls_sim::faults::Fault;
use dtls_sim::implementation::SuiteId;
use dtls_sim::sim::failure_report;
use dtls_sim::{RunSpec, run};

const SUITES: [SuiteId; 2] = [
    SuiteId::PSK_WITH_AES_128_CCM_8,
    SuiteId::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
];

fn check(scenario: &str) {
    for suite in SUITES {
        for cookies in [true, false] {
            let spec = RunSpec {
                suite,
                cookies,
                faults: vec![scenario.parse::<Fault>().unwrap()],
                ..RunSpec::perfect()
            };
            let r = run(&spec);
            assert!(r.passed(), "{}", failure_report(&spec, &r));
        }
    }
}

#[test]
fn dropping_a_datagram_of_each_early_flight() {
    for f in 1..=4 {
        check(&format!("drop-flight:{f}.1"));
    }
}

#[test]
fn dropping_named_messages_repeatedly() {
    for m in [
        "ClientHello",
        "ServerHello",
        "ClientKeyExchange",
        "ChangeCipherSpec",
        "Finished",
    ] {
        check(&format!("drop-message:{m}:2"));
    }
    check("drop-epoch:1:2");
}

/// Losing the ClientKeyExchange while its ChangeCipherSpec gets through is ordinary loss; the
/// server must wait for the retransmitted flight, not abort.
#[test]
fn dropping_the_client_key_exchange() {
    check("drop-message:ClientKeyExchange:1");
}

#[test]
fn change_cipher_spec_always_delayed() {
    check("delay-ccs:300");
}

#[test]
fn finished_before_change_cipher_spec() {
    check("finished-before-ccs");
}

#[test]
fn stray_client_hello_after_the_connection_is_up() {
    check("stray-client-hello");
}

#[test]
fn replayed_client_hello_after_the_connection_is_up() {
    check("replayed-client-hello");
}

#[test]
fn next_epoch_records_with_huge_sequence_numbers() {
    check("inject-huge-seq");
}

#[test]
fn cleartext_epoch0_application_data_after_the_handshake() {
    check("inject-epoch0-data");
}

#[test]
fn cleartext_epoch0_application_data_before_the_handshake() {
    check("inject-epoch0-data-early");
}

#[test]
fn application_data_overtaking_the_servers_finished() {
    check("appdata-before-finished");
}

#[test]
fn permuted_flights_at_a_small_mtu() {
    for suite in SUITES {
        let spec = RunSpec {
            suite,
            mtu: 200,
            faults: vec!["perm:4:1,0".parse().unwrap()],
            ..RunSpec::perfect()
        };
        let r = run(&spec);
        assert!(r.passed(), "{}", failure_report(&spec, &r));
    }
}

/// With cookies on a perfect link the handshake should take two round trips, not a
/// retransmission timeout.
#[test]
fn cookie_handshake_on_a_perfect_link_needs_no_retransmission() {
    let spec = RunSpec::perfect();
    let r = run(&spec);
    assert!(r.passed());
    assert!(
        r.handshake_ms.unwrap() < 1000,
        "handshake took {:?} ms",
        r.handshake_ms
    );
    assert_eq!(r.retransmissions, 0, "{}", failure_report(&spec, &r));
}

/// A delayed ChangeCipherSpec must not make the two sides answer each other's
/// retransmissions in a loop.
#[test]
fn delayed_change_cipher_spec_does_not_cause_a_retransmission_storm() {
    let spec = RunSpec {
        faults: vec!["delay-ccs:300".parse().unwrap()],
        ..RunSpec::perfect()
    };
    let r = run(&spec);
    assert!(r.passed());
    assert!(
        r.retransmissions <= 4,
        "{} retransmissions\n{}",
        r.retransmissions,
        failure_report(&spec, &r)
    );
}

#[test]
fn change_cipher_spec_before_any_hello() {
    check("inject-early-ccs");
}

#[test]
fn records_with_a_huge_epoch_before_the_handshake() {
    check("inject-early-high-epoch");
}

#[test]
fn the_servers_final_flight_arriving_twice() {
    check("repeat-final-flight");
}

/// Tampering with a handshake message must end in a rejected handshake: the run passes
/// because the client's connection failed and the conversation was marked rejected, not
/// because it completed.
#[test]
fn tampered_handshake_messages_are_rejected() {
    for name in [
        "ClientHello",
        "HelloVerifyRequest",
        "ServerHello",
        "ClientKeyExchange",
        "Finished",
    ] {
        for suite in SUITES {
            let spec = RunSpec {
                suite,
                faults: vec![format!("tamper:{name}").parse::<Fault>().unwrap()],
                ..RunSpec::perfect()
            };
            let r = run(&spec);
            assert!(r.passed(), "{}", failure_report(&spec, &r));
            assert_eq!(r.rejected, vec![1], "tamper:{name} was not rejected");
            assert_eq!(r.handshake_ms, None, "tamper:{name}");
        }
    }
}
