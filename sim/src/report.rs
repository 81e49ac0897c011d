//! What a run produced and how it is told: the failure classes, the report, the verdict line
//! and the failure report with its replay command.

use std::fmt;

use crate::endpoint::CloseKind;
use crate::pcap::Captured;
use crate::scenario::RunSpec;

/// Trace lines shown with a failure.
const FAILURE_TAIL: usize = 25;

/// How a run failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// Nothing scheduled, no timer pending, and the work not done.
    Stall,
    /// The virtual time limit passed.
    TimeLimit,
    /// Too many steps without finishing.
    Livelock,
    /// A connection ended with an error, or the application gave up.
    Connection,
    /// An invariant was broken (data integrity, replay acceptance).
    Violation,
    /// The endpoint code panicked.
    Panic,
    /// A bug pattern's implementation under test did not do what the pattern requires.
    Expectation,
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FailureKind::Stall => "stall",
            FailureKind::TimeLimit => "time limit",
            FailureKind::Livelock => "livelock",
            FailureKind::Connection => "connection failed",
            FailureKind::Violation => "invariant violated",
            FailureKind::Panic => "panic",
            FailureKind::Expectation => "unexpected outcome",
        })
    }
}

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The class of failure.
    pub kind: FailureKind,
    /// What happened.
    pub message: String,
}

/// Everything a run produced.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// The run's seed.
    pub seed: u64,
    /// `None` if the run passed.
    pub failure: Option<Failure>,
    /// Virtual time until the (last) client reported the handshake complete, in ms.
    pub handshake_ms: Option<u64>,
    /// Virtual time at the end of the run, in ms.
    pub end_ms: u64,
    /// Handshake datagrams sent again (recognised on the wire).
    pub retransmissions: u64,
    /// Datagrams sent by the endpoints.
    pub datagrams: u64,
    /// Bytes sent by the endpoints (UDP payload).
    pub bytes: u64,
    /// Datagrams lost on the links, by [`DropReason::index`].
    pub link_drops: [u64; 5],
    /// Records dropped inside the endpoints, by reason (see `RECORD_DROP_REASONS`).
    pub record_drops: [u64; 7],
    /// How the clients' connections ended.
    pub closes: Vec<CloseKind>,
    /// The trace, if it was on.
    pub trace: Vec<String>,
    /// Delivered datagrams, if capture was on.
    pub capture: Vec<Captured>,
    /// The flights of client 1's conversation, in order (the exhaustive explorers enumerate
    /// these).
    pub flights: Vec<FlightInfo>,
    /// Names of the handshake messages client 1's conversation carried, in order of first
    /// appearance (the tamper explorer enumerates these).
    pub handshake_messages: Vec<&'static str>,
    /// Conversations whose handshake was rejected as the scenario expected (a tampered
    /// handshake message), by client node.
    pub rejected: Vec<u16>,
    /// For a bug pattern that passed, what the implementation under test did.
    pub pattern_outcome: Option<String>,
}

/// One flight of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlightInfo {
    /// Sent by the client.
    pub from_client: bool,
    /// Datagrams in the flight (after targeted faults, before the link).
    pub datagrams: u32,
    /// Whether any of them carries handshake records.
    pub handshake: bool,
}

impl RunReport {
    /// Whether the run passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }

    /// The closing verdict line.
    pub fn verdict(&self) -> String {
        let hs = self
            .handshake_ms
            .map_or("none".to_string(), |ms| format!("{:.3}s", ms as f64 / 1000.0));
        let lost: u64 = self.link_drops.iter().sum();
        let summary = format!(
            "seed {}, handshake {hs}, {} datagrams ({lost} lost), {} retransmissions, {} bytes, end {:.3}s",
            self.seed,
            self.datagrams,
            self.retransmissions,
            self.bytes,
            self.end_ms as f64 / 1000.0
        );
        match &self.failure {
            None => match &self.pattern_outcome {
                Some(how) => format!("verdict: PASS ({how})  {summary}"),
                None => format!("verdict: PASS  {summary}"),
            },
            Some(f) => format!("verdict: FAIL ({}): {}  [{summary}]", f.kind, f.message),
        }
    }
}

/// A failure report: the verdict, the replay command, the fault profile and the last trace
/// lines (the run is re-executed with tracing on if it was off, which is exact because runs
/// are deterministic).
pub fn failure_report(spec: &RunSpec, report: &RunReport) -> String {
    let traced = if report.trace.is_empty() {
        let mut s = spec.clone();
        s.trace = true;
        s.capture = false;
        crate::world::run(&s)
    } else {
        report.clone()
    };
    let tail_start = traced.trace.len().saturating_sub(FAILURE_TAIL);
    let mut out = String::new();
    out.push_str(&report.verdict());
    out.push('\n');
    out.push_str(&format!(
        "  seed: {}\n  profile: {}\n",
        spec.seed,
        spec.profile_line()
    ));
    if let Ok(p) = crate::world::pairing_for(spec) {
        out.push_str(&format!("  pairing: {p:?}\n"));
        for c in p.caveats() {
            out.push_str(&format!("  determinism caveat: {c}\n"));
        }
    }
    out.push_str("  last events:\n");
    for l in &traced.trace[tail_start..] {
        out.push_str("    ");
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&format!("  replay: {}\n", spec.command()));
    out
}
