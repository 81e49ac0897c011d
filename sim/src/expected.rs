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
pub const EXPECTED_FAILURES: &[ExpectedFailure] = &[
    // Empty: `inject-next-epoch-early` (one forged epoch-1 record before the client's
    // ChangeCipherSpec ended the handshake with bad_record_mac) is fixed; the engine now
    // waits for `Limits::key_mismatch_after` failing Finished records.
];

/// The expected failure for `scenario` with `suite`, if it is listed.
pub fn lookup(scenario: &str, suite: SuiteId) -> Option<&'static ExpectedFailure> {
    EXPECTED_FAILURES
        .iter()
        .find(|e| e.scenario == scenario && (e.suites.is_empty() || e.suites.contains(&suite)))
}
