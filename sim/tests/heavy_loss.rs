//! Heavy loss with default engine settings: at 30% independent loss each way, plus the default
//! link's jitter (up to 30 ms) and 5% duplication, at least 99.9% of 100,000 seeded runs
//! (handshake, echo of every message, close) complete. Deterministic: the same seeds give the
//! same count on every machine, so this is a regression check on the retransmission policy
//! (`Limits::max_retransmissions` 12, evidence-driven re-sends), not a timing test. About
//! 3-6 s in release on 2 cores.

use dtls_sim::scenario::{RunSpec, default_link};
use dtls_sim::sweep;

#[test]
fn at_30_percent_loss_each_way_999_of_1000_runs_complete() {
    let spec = RunSpec {
        link: dtls_sim::link::LinkProfile {
            loss: 0.3,
            ..default_link()
        },
        ..RunSpec::default()
    };
    let runs = 100_000u64;
    let outcomes = sweep::sweep(&spec, 0..runs, sweep::default_threads(), &|_| {}).unwrap();
    assert_eq!(outcomes.len() as u64, runs);
    let passed = outcomes.iter().filter(|o| o.failure.is_none()).count() as u64;
    eprintln!(
        "30% loss each way: {passed} of {runs} runs complete ({:.2}%)",
        passed as f64 * 100.0 / runs as f64
    );
    assert!(
        passed * 1000 >= runs * 999,
        "only {passed} of {runs} runs complete"
    );
}
