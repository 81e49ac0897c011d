//! Shared by the `peers_*` tests: run a pairing clean and under 20% loss, and say what
//! happened.

#![allow(dead_code)]

use dtls_sim::implementation::SuiteId;
use dtls_sim::link::LinkProfile;
use dtls_sim::sim::{FailureKind, RunReport, failure_report};
use dtls_sim::{RunSpec, run};

/// A run of `client` against `server` with `suite` on a perfect 20 ms link.
pub fn clean(client: &str, server: &str, suite: SuiteId, seed: u64) -> RunSpec {
    RunSpec {
        client_impl: client.into(),
        server_impl: server.into(),
        suite,
        seed,
        link: LinkProfile::perfect(20),
        ..RunSpec::default()
    }
}

/// The same on the default link (20% loss each way, jitter, 5% duplication).
pub fn lossy(client: &str, server: &str, suite: SuiteId, seed: u64) -> RunSpec {
    RunSpec {
        client_impl: client.into(),
        server_impl: server.into(),
        suite,
        seed,
        ..RunSpec::default()
    }
}

/// Runs `spec`; on failure prints the failure report (verdict, trace tail, replay command).
pub fn run_reported(spec: &RunSpec) -> RunReport {
    let r = run(spec);
    if !r.passed() {
        eprintln!("{}", failure_report(spec, &r));
    }
    r
}

/// Asserts that `spec` passes (handshake, echo of every message, close).
pub fn assert_passes(spec: &RunSpec) {
    let r = run_reported(spec);
    assert!(r.passed(), "{}", r.verdict());
}

/// Failures that are never acceptable whoever the peer is: the oracle's invariants (data
/// exactly once, never early, never forged; no replay accepted) and panics.
pub fn is_invariant_failure(r: &RunReport) -> bool {
    r.failure
        .as_ref()
        .is_some_and(|f| matches!(f.kind, FailureKind::Violation | FailureKind::Panic))
}

/// An invariant broken by the other implementation rather than ours, which is a finding to
/// report, not a test failure (issue 12: another implementation's failure is reported). Only
/// the amplification invariant names its sender unambiguously: the server before the cookie.
pub fn foreign_finding(spec: &RunSpec, r: &RunReport) -> bool {
    r.failure.as_ref().is_some_and(|f| {
        f.kind == FailureKind::Violation
            && f.message.starts_with("amplification: s sent")
            && spec.server_impl != "ours"
    })
}

/// Runs seeds `1..=n` of `make(seed)`; prints the pass count and every failure's verdict;
/// asserts that no run broke an invariant (other than a finding about the other
/// implementation, printed as such). Returns the number of passing runs.
pub fn sweep(label: &str, n: u64, make: impl Fn(u64) -> RunSpec) -> u64 {
    let mut passed = 0;
    for seed in 1..=n {
        let spec = make(seed);
        let r = run(&spec);
        if r.passed() {
            passed += 1;
        } else {
            eprintln!("{label}: {}\n  replay: {}", r.verdict(), spec.command());
            if foreign_finding(&spec, &r) {
                eprintln!("{label}: finding about {}: {}", spec.server_impl, r.verdict());
                continue;
            }
            assert!(
                !is_invariant_failure(&r),
                "{label}: invariant broken\n{}",
                failure_report(&spec, &r)
            );
        }
    }
    eprintln!("{label}: {passed}/{n} runs pass");
    passed
}
