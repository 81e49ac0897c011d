//! OpenSSL (in-process) through the simulator: against ours both ways and against itself, clean (every run
//! must pass) and under 20% loss (invariants must hold; the pass count is printed).

mod peers_common;

use dtls_sim::implementation::SuiteId;
use peers_common::{assert_passes, clean, lossy, sweep};

const PSK: SuiteId = SuiteId::PSK_WITH_AES_128_CCM_8;
const ECDHE: SuiteId = SuiteId::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
const LOSSY_RUNS: u64 = 20;

#[test]
fn openssl_client_ours_server_clean() {
    assert_passes(&clean("openssl", "ours", PSK, 1));
    assert_passes(&clean("openssl", "ours", ECDHE, 1));
}

#[test]
fn ours_client_openssl_server_clean() {
    assert_passes(&clean("ours", "openssl", PSK, 1));
    assert_passes(&clean("ours", "openssl", ECDHE, 1));
}

#[test]
fn openssl_against_itself_clean() {
    assert_passes(&clean("openssl", "openssl", PSK, 1));
    assert_passes(&clean("openssl", "openssl", ECDHE, 1));
}

#[test]
fn openssl_timers_run_on_the_virtual_clock() {
    // OpenSSL's random bytes are its own (see the adapter's caveat), but with its timer on the
    // simulator's clock a lossy run's verdict and timing replay.
    let spec = lossy("openssl", "ours", PSK, 3);
    let (a, b) = (dtls_sim::run(&spec), dtls_sim::run(&spec));
    assert_eq!(a.verdict(), b.verdict());
    assert!(
        a.retransmissions > 0,
        "seed 3 should need retransmissions: {}",
        a.verdict()
    );
}

#[test]
fn pairings_with_openssl_under_20_percent_loss() {
    for (c, s) in [("openssl", "ours"), ("ours", "openssl"), ("openssl", "openssl")] {
        sweep(
            &format!("{c} client vs {s} server, PSK-CCM_8, 20% loss"),
            LOSSY_RUNS,
            |seed| lossy(c, s, PSK, seed),
        );
    }
}
