//! The oracle's invariants can fail: each test runs our engine behind a deliberately broken
//! implementation (a "mutant" wrapping ours) and checks that the run fails with the
//! invariant that mutant breaks. Without these, an invariant that never fires would look the
//! same as one that holds.

use std::sync::Arc;

use dtls_sim::endpoint::{AppEvent, CloseKind, Endpoint, Instant, NodeId, RecordCounters};
use dtls_sim::implementation::{Determinism, EndpointSpec, Implementation, Pairing, Role};
use dtls_sim::link::{LinkProfile, Partition};
use dtls_sim::ours::Ours;
use dtls_sim::scenario::Direction;
use dtls_sim::sim::{FailureKind, failure_report, run_with};
use dtls_sim::{RunSpec, run};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flaw {
    /// The server skips the cookie exchange although the run asks for cookies.
    IgnoresCookies,
    /// The client retransmits far more often than the run allows.
    RetransmitsTooOften,
    /// Every application datagram is delivered twice.
    DuplicatesData,
    /// After reporting the connection closed, the last datagram is delivered again.
    DataAfterClose,
    /// A handshake that failed is reported as complete.
    FailureReportedAsConnected,
}

struct Mutant {
    ours: Ours,
    flaw: Flaw,
}

struct Broken {
    inner: Box<dyn Endpoint>,
    flaw: Flaw,
    queued: Vec<(NodeId, AppEvent)>,
    last_data: Option<(NodeId, Vec<u8>)>,
}

impl Endpoint for Broken {
    fn handle_datagram(&mut self, now: Instant, from: NodeId, datagram: &[u8]) {
        self.inner.handle_datagram(now, from, datagram);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.inner.handle_timeout(now);
    }
    fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(NodeId, usize)> {
        self.inner.poll_transmit(buf)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.inner.poll_timeout()
    }
    fn poll_event(&mut self) -> Option<(NodeId, AppEvent)> {
        if let Some(e) = self.queued.pop() {
            return Some(e);
        }
        let (peer, ev) = self.inner.poll_event()?;
        match (&ev, self.flaw) {
            (AppEvent::Data(d), Flaw::DuplicatesData) => self.queued.push((peer, AppEvent::Data(d.clone()))),
            (AppEvent::Data(d), _) => self.last_data = Some((peer, d.clone())),
            (AppEvent::Closed(_), Flaw::DataAfterClose) => {
                if let Some((p, d)) = self.last_data.take() {
                    self.queued.push((p, AppEvent::Data(d)));
                }
            }
            (AppEvent::Closed(CloseKind::Error(_)), Flaw::FailureReportedAsConnected) => {
                return Some((peer, AppEvent::Connected("forged".into())));
            }
            _ => {}
        }
        Some((peer, ev))
    }
    fn send(&mut self, to: NodeId, data: &[u8]) -> Result<(), String> {
        self.inner.send(to, data)
    }
    fn close(&mut self, now: Instant, peer: NodeId) {
        self.inner.close(now, peer);
    }
    fn records(&self, peer: NodeId) -> RecordCounters {
        self.inner.records(peer)
    }
    fn accepted_protected_total(&self) -> Option<u64> {
        self.inner.accepted_protected_total()
    }
}

impl Implementation for Mutant {
    fn name(&self) -> &'static str {
        "mutant"
    }
    fn supports(&self, spec: &EndpointSpec, role: Role) -> Result<(), String> {
        self.ours.supports(spec, role)
    }
    fn client(
        &self,
        spec: &EndpointSpec,
        me: NodeId,
        server: NodeId,
        now: Instant,
    ) -> Result<Box<dyn Endpoint>, String> {
        let mut spec = spec.clone();
        if self.flaw == Flaw::RetransmitsTooOften {
            spec.retransmit.max_retransmissions = 30;
            spec.retransmit.max_ms = 2_000;
        }
        let inner = self.ours.client(&spec, me, server, now)?;
        Ok(self.wrap(inner))
    }
    fn server(&self, spec: &EndpointSpec, me: NodeId, now: Instant) -> Result<Box<dyn Endpoint>, String> {
        let mut spec = spec.clone();
        if self.flaw == Flaw::IgnoresCookies {
            spec.cookies = false;
        }
        let inner = self.ours.server(&spec, me, now)?;
        Ok(self.wrap(inner))
    }
    fn determinism(&self) -> Determinism {
        Determinism::Full
    }
}

impl Mutant {
    fn wrap(&self, inner: Box<dyn Endpoint>) -> Box<dyn Endpoint> {
        Box::new(Broken {
            inner,
            flaw: self.flaw,
            queued: Vec::new(),
            last_data: None,
        })
    }
}

/// Runs `spec` with the mutant on `side` and ours on the other, and returns the violation.
fn violation(spec: &RunSpec, flaw: Flaw, side: Role) -> String {
    let ours: Arc<dyn Implementation> = Arc::new(Ours::new());
    let mutant: Arc<dyn Implementation> = Arc::new(Mutant {
        ours: Ours::new(),
        flaw,
    });
    let pairing = match side {
        Role::Client => Pairing {
            client: mutant,
            server: ours,
        },
        Role::Server => Pairing {
            client: ours,
            server: mutant,
        },
    };
    let r = run_with(spec, &pairing);
    let f = r
        .failure
        .clone()
        .unwrap_or_else(|| panic!("{flaw:?} went unnoticed: {}", r.verdict()));
    assert_eq!(
        f.kind,
        FailureKind::Violation,
        "{flaw:?}: {}",
        failure_report(spec, &r)
    );
    f.message
}

#[test]
fn a_server_that_skips_the_cookie_exchange_amplifies() {
    let m = violation(&RunSpec::perfect(), Flaw::IgnoresCookies, Role::Server);
    assert!(m.starts_with("amplification:"), "{m}");
    // The same mutant is fine when the run does not ask for cookies.
    let spec = RunSpec {
        cookies: false,
        ..RunSpec::perfect()
    };
    let pairing = Pairing {
        client: Arc::new(Ours::new()),
        server: Arc::new(Mutant {
            ours: Ours::new(),
            flaw: Flaw::IgnoresCookies,
        }),
    };
    assert!(run_with(&spec, &pairing).passed());
}

#[test]
fn a_client_that_retransmits_past_its_bound_is_caught() {
    let spec = RunSpec {
        link: LinkProfile::perfect(20),
        partitions: vec![(
            Partition {
                from_ms: 0,
                to_ms: 10_000_000,
            },
            Direction::Down,
        )],
        ..RunSpec::perfect()
    };
    let m = violation(&spec, Flaw::RetransmitsTooOften, Role::Client);
    assert!(m.starts_with("retransmissions:"), "{m}");
    // Ours, with the same partition, gives up within its bound.
    let r = run(&spec);
    assert_eq!(r.failure.map(|f| f.kind), Some(FailureKind::Connection));
}

#[test]
fn data_delivered_twice_is_caught() {
    let m = violation(&RunSpec::perfect(), Flaw::DuplicatesData, Role::Server);
    assert!(
        m.starts_with("integrity:") && m.contains("delivered twice"),
        "{m}"
    );
}

#[test]
fn data_after_close_is_caught() {
    let m = violation(&RunSpec::perfect(), Flaw::DataAfterClose, Role::Client);
    assert!(m.starts_with("after-close:"), "{m}");
}

#[test]
fn a_completed_handshake_after_tampering_is_caught() {
    let spec = RunSpec {
        faults: vec!["tamper:ClientKeyExchange".parse().unwrap()],
        ..RunSpec::perfect()
    };
    let m = violation(&spec, Flaw::FailureReportedAsConnected, Role::Server);
    assert!(m.starts_with("tampered-handshake:"), "{m}");
}

/// A bug pattern's verdict can fail too: a server that reports a refused handshake as
/// complete fails the early-Finished pattern, and one that delivers data after close fails
/// the close_notify pattern.
#[test]
fn bug_patterns_catch_a_permissive_server() {
    let spec = RunSpec {
        pattern: Some("server-early-finished".into()),
        ..RunSpec::perfect()
    };
    let m = violation(&spec, Flaw::FailureReportedAsConnected, Role::Server);
    assert!(m.contains("completed the handshake"), "{m}");
    let spec = RunSpec {
        pattern: Some("server-data-after-close-notify".into()),
        ..RunSpec::perfect()
    };
    let m = violation(&spec, Flaw::DataAfterClose, Role::Server);
    assert!(m.starts_with("after-close:"), "{m}");
    // Ours passes both.
    for p in ["server-early-finished", "server-data-after-close-notify"] {
        let spec = RunSpec {
            pattern: Some(p.into()),
            ..RunSpec::perfect()
        };
        let r = run(&spec);
        assert!(r.passed(), "{}", failure_report(&spec, &r));
    }
}
