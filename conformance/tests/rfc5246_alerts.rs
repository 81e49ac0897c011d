//! RFC 5246 7.2.2: the alerts a compliant implementation never sends. A static check over
//! the engine's sources: outside the enum that names them (so that received ones print),
//! nothing refers to the three reserved descriptions.

use std::path::Path;

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
