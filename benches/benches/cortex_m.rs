//! Cortex-M4 figures through criterion: the measurement is *instructions* executed by the
//! firmware in `benches/cortex-m/fw` under `qemu-system-arm -M mps2-an386 -icount shift=5`, so
//! criterion's reports, saved baselines and change detection work on deterministic counts.
//!
//! Each sample runs QEMU once: `iter_custom(n)` asks the firmware (through semihosting
//! arguments) to repeat the operation `n` times and reads back the total instructions it
//! counted for them (setup excluded). Counts do not vary between runs, so criterion reports
//! zero noise and any change is a real one.
//!
//! Run: `cargo bench -p dtls-benches --bench cortex_m`. It needs Debian's `rustc-web`,
//! `cargo-web`, `rust-web-src`, `qemu-system-arm`, `binutils-arm-none-eabi` and
//! `gcc-arm-none-eabi` (see benches/cortex-m/README.md); without them it says what is missing
//! and measures nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{BenchmarkId, Criterion, Throughput};

/// Instructions executed by the guest, as counted by the firmware.
struct Instructions;

struct InstructionsFormatter;

impl ValueFormatter for InstructionsFormatter {
    fn scale_values(&self, _typical: f64, _values: &mut [f64]) -> &'static str {
        "instr"
    }

    fn scale_throughputs(&self, _typical: f64, throughput: &Throughput, values: &mut [f64]) -> &'static str {
        let (per, unit) = match *throughput {
            Throughput::Bytes(b) | Throughput::BytesDecimal(b) => (b, "instr/B"),
            Throughput::Elements(e) => (e, "instr/elem"),
            _ => (1, "instr"),
        };
        for v in values.iter_mut() {
            *v /= per.max(1) as f64;
        }
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "instr"
    }
}

impl Measurement for Instructions {
    type Intermediate = ();
    type Value = u64;

    fn start(&self) -> Self::Intermediate {}

    fn end(&self, _: Self::Intermediate) -> Self::Value {
        // Only `iter_custom` is used: the value comes from the firmware, not from here.
        0
    }

    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }

    fn zero(&self) -> u64 {
        0
    }

    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &InstructionsFormatter
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// What is missing to build and run the firmware, if anything.
fn missing_tools() -> Vec<&'static str> {
    let mut missing = Vec::new();
    for (tool, package) in [
        ("qemu-system-arm", "qemu-system-arm"),
        ("arm-none-eabi-ld", "binutils-arm-none-eabi"),
        ("arm-none-eabi-gcc", "gcc-arm-none-eabi"),
        ("/usr/bin/cargo", "cargo-web"),
        ("/usr/bin/rustc", "rustc-web"),
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            missing.push(package);
        }
    }
    if !Path::new("/usr/lib/rustlib/src/rust/library/core").exists() {
        missing.push("rust-web-src");
    }
    missing
}

/// Builds the measuring firmware with Debian's toolchain; returns the ELF.
fn build_firmware() -> Result<PathBuf, String> {
    let target = std::env::var_os("CORTEX_M_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/cortex-m"));
    let status = Command::new("/usr/bin/cargo")
        .current_dir(root().join("benches/cortex-m/fw"))
        .env(
            "PATH",
            format!("/usr/bin:{}", std::env::var("PATH").unwrap_or_default()),
        )
        .env("RUSTC", "/usr/bin/rustc")
        .env("RUSTDOC", "/usr/bin/rustdoc")
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .args([
            "build",
            "--locked",
            "--release",
            "--bin",
            "bench",
            "--features",
            "c-peers",
        ])
        .status()
        .map_err(|e| format!("running /usr/bin/cargo: {e}"))?;
    if !status.success() {
        return Err("the firmware did not build".into());
    }
    Ok(target.join("thumbv7em-none-eabihf/release/bench"))
}

/// Runs the firmware once for `iters` repetitions of `args`; returns the instructions counted.
fn run(elf: &Path, args: &[&str], iters: u64) -> u64 {
    let mut semihosting = String::from("enable=on,target=native,arg=fw");
    for a in args.iter().map(|a| a.to_string()).chain([iters.to_string()]) {
        semihosting.push_str(",arg=");
        semihosting.push_str(&a);
    }
    let out = Command::new("qemu-system-arm")
        .args([
            "-cpu",
            "cortex-m4",
            "-machine",
            "mps2-an386",
            "-nographic",
            "-monitor",
            "none",
        ])
        .args(["-serial", "none", "-icount", "shift=5,align=off,sleep=off"])
        .args(["-semihosting-config", &semihosting, "-kernel"])
        .arg(elf)
        .output()
        .expect("run qemu-system-arm");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "firmware failed for {args:?}: {stdout}");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("T,"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no total in firmware output for {args:?}: {stdout}"))
}

fn main() {
    let missing = missing_tools();
    if !missing.is_empty() {
        println!(
            "cortex_m bench skipped: missing {} (apt-get install {}); see benches/cortex-m/README.md",
            missing.join(", "),
            missing.join(" ")
        );
        return;
    }
    let elf = match build_firmware() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cortex_m bench: {e}");
            std::process::exit(1);
        }
    };
    let mut c = Criterion::default()
        .with_measurement(Instructions)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        // Criterion sizes samples as if values were nanoseconds: this budget is ~10^8
        // instructions per benchmark, a few QEMU seconds.
        .measurement_time(Duration::from_millis(100))
        .configure_from_args();

    let mut records = c.benchmark_group("cortex-m-record");
    for (kind, cipher, op, size) in [
        ("record", "ccm8", "seal", 16),
        ("record", "ccm8", "seal", 1024),
        ("record", "ccm8", "open", 1024),
        ("record", "gcm", "seal", 1024),
        ("record-table", "ccm8", "seal", 1024),
        ("peer", "mbed-ccm8", "seal", 1024),
        ("peer", "tiny-ccm8", "seal", 1024),
    ] {
        records.throughput(Throughput::Bytes(size));
        let id = BenchmarkId::new(format!("{kind}-{cipher}-{op}"), size);
        let size_arg = size.to_string();
        records.bench_function(id, |b| {
            b.iter_custom(|n| run(&elf, &[kind, cipher, op, &size_arg], n))
        });
    }
    records.finish();

    let mut handshakes = c.benchmark_group("cortex-m-handshake");
    handshakes.throughput(Throughput::Elements(1));
    for side in ["client", "server"] {
        handshakes.bench_function(BenchmarkId::new("psk-ccm8", side), |b| {
            b.iter_custom(|n| run(&elf, &["handshake", "psk", side], n))
        });
    }
    handshakes.finish();
    c.final_summary();
}
