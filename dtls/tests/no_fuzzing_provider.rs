//! The insecure fuzzing provider (`dtls::crypto::fuzzing`: transparent records, constant MACs,
//! signatures that always verify) must not exist in a normal build. It is compiled only with
//! `--cfg fuzzing`, which `cargo fuzz` passes and nothing else should.

/// This test binary is a normal build: the cfg that unlocks the provider is off.
#[test]
fn normal_builds_are_not_built_with_the_fuzzing_cfg() {
    // Checked at compile time: a test build with the cfg on does not even compile.
    const { assert!(!cfg!(fuzzing), "tests must not be built with --cfg fuzzing") };
}

/// The module declaration itself is gated: the line before `pub mod fuzzing;` (skipping
/// comments) is `#[cfg(fuzzing)]`, and nothing else in the crate re-exports it.
#[test]
fn the_fuzzing_module_is_declared_only_under_cfg_fuzzing() {
    let crypto = include_str!("../src/crypto/mod.rs");
    let lines: Vec<&str> = crypto.lines().map(str::trim).collect();
    let decl = lines
        .iter()
        .position(|l| *l == "pub mod fuzzing;")
        .expect("crypto/mod.rs declares the fuzzing module");
    let attr = lines[..decl]
        .iter()
        .rev()
        .find(|l| !l.starts_with("//"))
        .expect("an attribute precedes the declaration");
    assert_eq!(*attr, "#[cfg(fuzzing)]");
    assert_eq!(
        crypto.matches("mod fuzzing").count(),
        1,
        "exactly one declaration of the fuzzing module"
    );
    let lib = include_str!("../src/lib.rs");
    assert!(
        !lib.contains("fuzzing"),
        "lib.rs must not re-export the fuzzing provider"
    );
}

/// The provider's source says what it is at the top, so nobody mistakes it for a real one.
#[test]
fn the_fuzzing_provider_documents_that_it_is_insecure() {
    let src = include_str!("../src/crypto/fuzzing.rs");
    assert!(src.starts_with("//! A deliberately insecure crypto provider for fuzzing only"));
}
