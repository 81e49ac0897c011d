//! The one list of scenarios known to fail against our own engine (ours as client and
//! server), each with the engine bug behind it. Tests and the matrix consult it: a listed
//! scenario that fails is reported as an expected failure, a listed scenario that passes
//! fails the tests until its entry is removed, and anything else that fails is a regression.

use crate::implementation::{Role, SuiteId};

/// A scenario that fails against ours because of an engine bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedFailure {
    /// The scenario's name, as the matrix and `--scenario` spell it.
    pub scenario: &'static str,
    /// The suites it fails with (empty: every suite).
    pub suites: &'static [SuiteId],
    /// Which of our endpoints is at fault.
    pub side: Role,
    /// What the engine does wrong, and the RFC rule it breaks.
    pub reason: &'static str,
}

/// Every known engine bug a scenario exposes.
pub const EXPECTED_FAILURES: &[ExpectedFailure] = &[ExpectedFailure {
    scenario: "inject-next-epoch-early",
    suites: &[],
    side: Role::Server,
    reason: "a forged epoch-1 record that arrives before the client's ChangeCipherSpec is \
                 buffered, fails to authenticate once the keys are installed, and ends the \
                 handshake with a fatal bad_record_mac; the same record after the handshake is \
                 silently dropped. RFC 6347 4.1.2.7: invalid records SHOULD be discarded, and \
                 ARCHITECTURE.md promises it: an off-path attacker can kill handshakes this way",
}];

/// The expected failure for `scenario` with `suite`, if it is listed.
pub fn lookup(scenario: &str, suite: SuiteId) -> Option<&'static ExpectedFailure> {
    EXPECTED_FAILURES
        .iter()
        .find(|e| e.scenario == scenario && (e.suites.is_empty() || e.suites.contains(&suite)))
}
