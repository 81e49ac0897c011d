//! tinydtls through the simulator: against ours both ways and against itself, clean and under
//! 20% loss.
//!
//! tinydtls takes one handshake message per record and no handshake fragments; the engine's
//! default packing (one message per record) suits it. Under loss, every run must keep the
//! oracle's invariants; pass counts are printed.

mod peers_common;

use dtls_sim::implementation::SuiteId;
use peers_common::{assert_passes, clean, lossy, sweep};

const PSK: SuiteId = SuiteId::PSK_WITH_AES_128_CCM_8;
const LOSSY_RUNS: u64 = 20;

#[test]
fn ours_client_tinydtls_server_clean() {
    assert_passes(&clean("ours", "tinydtls", PSK, 1));
    assert_passes(&clean("ours", "tinydtls", SuiteId::PSK_WITH_AES_128_CCM, 1));
}

#[test]
fn tinydtls_against_itself_clean() {
    assert_passes(&clean("tinydtls", "tinydtls", PSK, 1));
    // Raw public keys on both sides (RFC 7250): the simulator's certificate key.
    assert_passes(&clean(
        "tinydtls",
        "tinydtls",
        SuiteId::ECDHE_ECDSA_WITH_AES_128_CCM_8,
        1,
    ));
}

#[test]
fn tinydtls_client_ours_server_completes() {
    assert_passes(&clean("tinydtls", "ours", PSK, 1));
}

#[test]
fn tinydtls_runs_are_reproducible() {
    let spec = lossy("tinydtls", "tinydtls", PSK, 4);
    let (a, b) = (dtls_sim::run(&spec), dtls_sim::run(&spec));
    assert_eq!(a.verdict(), b.verdict());
    assert_eq!((a.bytes, a.datagrams), (b.bytes, b.datagrams));
    assert_eq!(dtls_peer_tinydtls::stray_random_bytes(), 0);
}

#[test]
fn pairings_with_tinydtls_under_20_percent_loss() {
    for (c, s) in [
        ("ours", "tinydtls"),
        ("tinydtls", "tinydtls"),
        ("tinydtls", "ours"),
    ] {
        sweep(
            &format!("{c} client vs {s} server, PSK-CCM_8, 20% loss"),
            LOSSY_RUNS,
            |seed| lossy(c, s, PSK, seed),
        );
    }
}
