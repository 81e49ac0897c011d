//! RFC 5246 7.2.2: the alerts a compliant implementation never sends. A static check over
//! the engine's sources: outside the enum that names them (so that received ones print),
//! nothing refers to the three reserved descriptions. And what is left of a connection that
//! failed with a fatal alert.

mod common;

use std::path::Path;

use common::*;
use dtls::Duration;
use dtls::config::Psk;
use dtls::wire::CipherSuite;

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

// catalogue: RFC5246-7.2.2-7, RFC5246-7.2.2-8, RFC5246-7.2.2-9
#[test]
fn reserved_alerts_are_never_sent() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dtls/src");
    let mut files = vec![];
    sources(&root, &mut files);
    assert!(files.len() > 20);
    let mut found = vec![];
    for f in files {
        if f.ends_with("wire/enums.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for name in ["DECRYPTION_FAILED", "NO_CERTIFICATE", "EXPORT_RESTRICTION"] {
            if text.contains(name) {
                found.push(format!("{}: {name}", f.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:?}");
    // The enum does name them (or the check above would prove nothing about their spelling).
    let enums = std::fs::read_to_string(root.join("wire/enums.rs")).unwrap();
    assert!(enums.contains("DECRYPTION_FAILED") || enums.contains("decryption_failed"));
}

/// A server session that ended with a fatal alert is removed with its keys at once; nothing
/// of it can be resumed or looked up.
// catalogue: RFC5246-7.2.2-1, RFC5246-7.2.2-4
#[test]
fn failed_server_session_is_forgotten_with_its_keys() {
    let mut c = client_config(CipherSuite::TLS_PSK_WITH_AES_128_CCM_8);
    c.psk = Some(Psk::new(PSK_IDENTITY.as_bytes(), &[0x55; 16]).unwrap());
    let mut p = Pair::new(c, server_config(true), 28);
    p.run(Duration::from_secs(5), &mut |_, _| true);
    assert!(
        matches!(
            closed(&p.server_events),
            Some(dtls::CloseReason::Error(dtls::Error::Protocol { .. }))
        ),
        "{:?}",
        p.server_events
    );
    // The fatal alert reached the client as a fatal alert.
    assert!(matches!(
        closed(&p.client_events),
        Some(dtls::CloseReason::Error(dtls::Error::PeerAlert(_)))
    ));
    assert_eq!(p.server.session_count(), 0);
    assert!(p.server.keylog(&CLIENT_ADDR).is_none());
    assert!(p.server.record_stats(&CLIENT_ADDR).is_none());
}
