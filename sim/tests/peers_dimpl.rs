//! dimpl through the simulator: against ours both ways and against itself, clean (every run
//! must pass) and under 20% loss (invariants must hold; the pass count is printed).

mod peers_common;

use dtls_sim::implementation::SuiteId;
use peers_common::{assert_passes, clean, lossy, sweep};

const PSK: SuiteId = SuiteId::PSK_WITH_AES_128_CCM_8;
const ECDHE: SuiteId = SuiteId::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
const LOSSY_RUNS: u64 = 20;

#[test]
fn dimpl_client_ours_server_clean() {
    assert_passes(&clean("dimpl", "ours", PSK, 1));
    assert_passes(&clean("dimpl", "ours", ECDHE, 1));
}

#[test]
fn ours_client_dimpl_server_clean() {
    assert_passes(&clean("ours", "dimpl", PSK, 1));
    assert_passes(&clean("ours", "dimpl", ECDHE, 1));
}

#[test]
fn dimpl_against_itself_clean() {
    assert_passes(&clean("dimpl", "dimpl", PSK, 1));
    assert_passes(&clean("dimpl", "dimpl", ECDHE, 1));
}

#[test]
fn dimpl_runs_are_reproducible() {
    let spec = lossy("dimpl", "dimpl", ECDHE, 3);
    let (a, b) = (dtls_sim::run(&spec), dtls_sim::run(&spec));
    assert_eq!(a.verdict(), b.verdict());
    assert_eq!((a.bytes, a.datagrams), (b.bytes, b.datagrams));
    assert_eq!(dtls_sim::peers::stray_random_bytes(), 0);
}

#[test]
fn pairings_with_dimpl_under_20_percent_loss() {
    for (c, s) in [("dimpl", "ours"), ("ours", "dimpl"), ("dimpl", "dimpl")] {
        sweep(
            &format!("{c} client vs {s} server, PSK-CCM_8, 20% loss"),
            LOSSY_RUNS,
            |seed| lossy(c, s, PSK, seed),
        );
    }
}
