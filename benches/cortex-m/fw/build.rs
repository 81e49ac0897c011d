//! Puts memory.x where the linker finds it and, with the `c-peers` feature, compiles the C
//! peers (Mbed TLS 2.28 CCM/GCM and its DTLS PSK handshake, tinydtls CCM) with
//! arm-none-eabi-gcc -O2 through `cc`.
//!
//! Their sources are not in this repository: they come from the crates.io packages
//! `mbedtls-sys-auto` (Mbed TLS 2.28 in `vendor/`) and `tinydtls-sys` (tinydtls in
//! `src/tinydtls/`), which Cargo.toml names under a `cfg(any())` target so that they are locked
//! and downloaded by `cargo fetch` but never built. This script asks `cargo metadata` where
//! they were unpacked. `MBEDTLS_DIR` / `TINYDTLS_DIR` override the lookup.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    fs::copy("memory.x", out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    // A linker map beside each binary (target/<triple>/<profile>/<bin>.map): run.sh reads the
    // flash figure by section and symbol from it.
    if let Some(profile_dir) = out.ancestors().nth(3) {
        for bin in ["bench", "psk_client"] {
            println!(
                "cargo:rustc-link-arg-bin={bin}=-Map={}",
                profile_dir.join(format!("{bin}.map")).display()
            );
        }
    }
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=c");
    println!("cargo:rerun-if-env-changed=MBEDTLS_DIR");
    println!("cargo:rerun-if-env-changed=TINYDTLS_DIR");

    if env::var_os("CARGO_FEATURE_C_PEERS").is_none() {
        return;
    }
    let mbedtls = env::var_os("MBEDTLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| package_dir("mbedtls-sys-auto").join("vendor"));
    let tinydtls = env::var_os("TINYDTLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| package_dir("tinydtls-sys").join("src/tinydtls"));

    let mut mb = c_build();
    mb.include("c")
        .include(mbedtls.join("include"))
        .define("MBEDTLS_CONFIG_FILE", "\"mbedtls_fw_config.h\"");
    for f in [
        "aes.c",
        "ccm.c",
        "gcm.c",
        "cipher.c",
        "cipher_wrap.c",
        "platform.c",
        "platform_util.c",
        "constant_time.c",
        "md.c",
        "sha256.c",
        "ssl_tls.c",
        "ssl_msg.c",
        "ssl_cli.c",
        "ssl_srv.c",
        "ssl_cookie.c",
        "ssl_ciphersuites.c",
    ] {
        mb.file(mbedtls.join("library").join(f));
    }
    // The handshake of the C peer: client and server in memory (see c/mbedtls_hs.c).
    mb.file("c/mbedtls_hs.c");
    mb.compile("mbedtls_peer");

    let mut td = c_build();
    // Our dtls_config.h first: tinydtls expects configure to have generated one.
    td.include("c").include(&tinydtls).include(tinydtls.join("aes"));
    for f in ["ccm.c", "aes/rijndael.c", "aes/rijndael_wrap.c"] {
        td.file(tinydtls.join(f));
    }
    td.compile("tinydtls_peer");
}

fn c_build() -> cc::Build {
    let mut b = cc::Build::new();
    b.compiler("arm-none-eabi-gcc")
        .archiver("arm-none-eabi-ar")
        .opt_level(2)
        .debug(false)
        .flag("-mcpu=cortex-m4")
        .flag("-mthumb")
        .flag("-mfloat-abi=hard")
        .flag("-mfpu=fpv4-sp-d16")
        .flag("-ffunction-sections")
        .flag("-fdata-sections")
        .warnings(false);
    b
}

/// The directory of a locked package, from `cargo metadata` (works offline after `cargo fetch`).
fn package_dir(name: &str) -> PathBuf {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("manifest dir")).join("Cargo.toml");
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--locked",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed (run `cargo fetch` in benches/cortex-m/fw first): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = String::from_utf8(output.stdout).expect("utf-8 metadata");
    // Every package has "manifest_path":"<registry>/<name>-<version>/Cargo.toml"; a tiny scan
    // avoids a JSON dependency in the build script.
    let key = "\"manifest_path\":\"";
    json.match_indices(key)
        .filter_map(|(at, _)| {
            let start = at + key.len();
            let end = start + json[start..].find('"')?;
            let dir = Path::new(&json[start..end]).parent()?.to_path_buf();
            let file = dir.file_name()?.to_str()?;
            let version = file.strip_prefix(name)?.strip_prefix('-')?;
            version.starts_with(|c: char| c.is_ascii_digit()).then_some(dir)
        })
        .next()
        .unwrap_or_else(|| panic!("{name} not found by cargo metadata; run `cargo fetch` first"))
}
