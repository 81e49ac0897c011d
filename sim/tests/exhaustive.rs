//! Every exhaustive scenario (every single drop, every flight permutation, each datagram
//! dropped up to three times, every handshake message tampered with) passes for PSK-CCM_8 and
//! ECDHE-ECDSA-GCM, except the cases `dtls_sim::expected` lists (which must still fail).
//! Permutations need multi-datagram flights, so each suite also runs at a 200-byte MTU.

use dtls_sim::RunSpec;
use dtls_sim::expected;
use dtls_sim::explore::{self, Family};
use dtls_sim::implementation::SuiteId;
use dtls_sim::sim::failure_report;
use dtls_sim::sweep;

fn all_cases_pass(suite: SuiteId, mtu: usize) -> usize {
    let base = RunSpec {
        suite,
        mtu,
        ..RunSpec::perfect()
    };
    let specs = explore::case_specs(&base, &Family::ALL).unwrap();
    let reports = sweep::run_many(&specs, sweep::default_threads(), &|_| {}).unwrap();
    let mut failures: Vec<String> = Vec::new();
    for (s, r) in specs.iter().zip(&reports) {
        let name = s.faults[0].to_string();
        match (expected::lookup(&name, suite), r.passed()) {
            (None, false) => failures.push(failure_report(s, r)),
            (Some(e), true) => failures.push(format!(
                "{name} passes but is listed as an expected failure ({}); remove it from dtls_sim::expected",
                e.reason
            )),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        specs.len(),
        failures.join("\n")
    );
    specs.len()
}

#[test]
fn psk_ccm8_every_case() {
    assert!(all_cases_pass(SuiteId::PSK_WITH_AES_128_CCM_8, 1200) >= 10);
    assert!(all_cases_pass(SuiteId::PSK_WITH_AES_128_CCM_8, 200) >= 10);
}

#[test]
fn ecdhe_ecdsa_gcm_every_case() {
    assert!(all_cases_pass(SuiteId::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 1200) >= 10);
    // The certificate flight fragments into several datagrams here, so permutations exist.
    assert!(all_cases_pass(SuiteId::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 200) >= 40);
}

#[test]
fn case_names_replay_as_scenarios() {
    let base = RunSpec {
        mtu: 200,
        ..RunSpec::perfect()
    };
    for s in explore::case_specs(&base, &Family::ALL).unwrap() {
        let name = s.faults[0].to_string();
        assert_eq!(name.parse::<dtls_sim::faults::Fault>().unwrap(), s.faults[0]);
        assert!(s.command().contains(&format!("--scenario {name}")));
    }
}
