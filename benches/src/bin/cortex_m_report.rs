//! Turns the Cortex-M firmware's measurements into `benches/cortex-m/RESULTS.md`, and checks
//! them against the committed baseline. Run by `benches/cortex-m/run.sh`, which builds and runs
//! the firmware first; see `benches/cortex-m/README.md`.
//!
//! ```text
//! cortex-m-report --measurements M.csv --elf psk_client [--history history.csv]
//!                 [--out RESULTS.md] [--baseline baseline.csv] [--check] [--write-baseline]
//!                 [--record-history LABEL]
//! ```
//!
//! Measurement lines are `group,implementation,subject,operation,size,value` (the firmware's
//! `M,` lines without the prefix). Flash figures of the PSK client are added as group `flash`.
//! `--check` fails (exit 1) if any figure in the baseline (instructions, heap, stack, flash by
//! section) grew by more than 2% or is missing; the counts are deterministic, so any change is
//! a real change.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::{Command, ExitCode};

/// Allowed growth before `--check` fails.
const TOLERANCE: f64 = 0.02;

type Key = (String, String, String, String, u64);

#[derive(Default)]
struct Args {
    measurements: String,
    elf: Option<String>,
    out: Option<String>,
    baseline: Option<String>,
    history: Option<String>,
    record_history: Option<String>,
    check: bool,
    write_baseline: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--measurements" => a.measurements = val()?,
            "--elf" => a.elf = Some(val()?),
            "--out" => a.out = Some(val()?),
            "--baseline" => a.baseline = Some(val()?),
            "--history" => a.history = Some(val()?),
            "--record-history" => a.record_history = Some(val()?),
            "--check" => a.check = true,
            "--write-baseline" => a.write_baseline = true,
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    if a.measurements.is_empty() {
        return Err("--measurements is required".into());
    }
    Ok(a)
}

fn parse_csv(text: &str) -> BTreeMap<Key, u64> {
    let mut m = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim().strip_prefix("M,").unwrap_or(line.trim());
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 6 {
            continue;
        }
        let (Ok(size), Ok(value)) = (f[4].parse(), f[5].parse()) else {
            continue;
        };
        m.insert((f[0].into(), f[1].into(), f[2].into(), f[3].into(), size), value);
    }
    m
}

fn key_str(k: &Key) -> String {
    format!("{},{},{},{},{}", k.0, k.1, k.2, k.3, k.4)
}

fn to_csv(m: &BTreeMap<Key, u64>) -> String {
    let mut s = String::from("group,implementation,subject,operation,size,value\n");
    for (k, v) in m {
        let _ = writeln!(s, "{},{v}", key_str(k));
    }
    s
}

fn run(cmd: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Flash of the ELF: bytes per allocated section, and per crate from the symbol table.
fn flash(elf: &str, m: &mut BTreeMap<Key, u64>) -> Result<(), String> {
    let flash_sections = [".vector_table", ".text", ".rodata", ".data"];
    let sizes = run("arm-none-eabi-size", &["-A", elf])?;
    let mut total = 0;
    for line in sizes.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() >= 2 && flash_sections.contains(&f[0]) {
            let v: u64 = f[1].parse().unwrap_or(0);
            total += v;
            m.insert(key("flash", "section", f[0]), v);
        }
    }
    m.insert(key("flash", "section", "total"), total);
    // Symbols in .text/.rodata (t/T/r/R), grouped by the first path segment of the demangled
    // name: the crate (or the C library).
    let nm = run("arm-none-eabi-nm", &["-S", "-C", "--size-sort", elf])?;
    let mut crates: BTreeMap<String, u64> = BTreeMap::new();
    for line in nm.lines() {
        let mut f = line.splitn(4, ' ');
        let (_, Some(size), Some(kind), Some(name)) = (f.next(), f.next(), f.next(), f.next()) else {
            continue;
        };
        if !matches!(kind, "t" | "T" | "r" | "R") {
            continue;
        }
        let size = u64::from_str_radix(size, 16).unwrap_or(0);
        *crates.entry(crate_of(name)).or_default() += size;
    }
    for (c, v) in crates {
        m.insert(key("flash", "crate", &c), v);
    }
    Ok(())
}

fn key(group: &str, implementation: &str, subject: &str) -> Key {
    (
        group.into(),
        implementation.into(),
        subject.into(),
        "bytes".into(),
        0,
    )
}

fn crate_of(name: &str) -> String {
    let n = name
        .trim_start_matches(['<', '&', '*', ' ', '['])
        .trim_start_matches("mut ");
    let n = n.strip_prefix("dyn ").unwrap_or(n);
    match n.split_once("::") {
        // dtls modules are worth telling apart (engine, handshake, wire, crypto...).
        Some(("dtls", rest)) => {
            let module = rest.split("::").next().unwrap_or("");
            format!("dtls::{}", module.split(['<', ' ']).next().unwrap_or(module))
        }
        Some((c, _)) if !c.is_empty() && !c.contains([' ', '>', ']']) => c.to_string(),
        _ => "(other: C library, compiler builtins, unnamed)".to_string(),
    }
}

struct Report<'a> {
    m: &'a BTreeMap<Key, u64>,
    s: String,
}

impl Report<'_> {
    fn get(&self, g: &str, i: &str, subj: &str, op: &str, size: u64) -> Option<u64> {
        self.m
            .get(&(g.into(), i.into(), subj.into(), op.into(), size))
            .copied()
    }
    fn line(&mut self, l: &str) {
        self.s.push_str(l);
        self.s.push('\n');
    }
}

fn ratio(a: Option<u64>, b: Option<u64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0 => format!("{:.2}", a as f64 / b as f64),
        _ => "–".into(),
    }
}

fn num(v: Option<u64>) -> String {
    match v {
        Some(v) => {
            let s = v.to_string();
            let mut out = String::new();
            for (i, c) in s.chars().enumerate() {
                if i > 0 && (s.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            out
        }
        None => "–".into(),
    }
}

const SIZES: [u64; 4] = [16, 64, 256, 1024];

fn render(m: &BTreeMap<Key, u64>, history: &str) -> String {
    let mut r = Report { m, s: String::new() };
    r.line("# Cortex-M4 figures (generated)");
    r.line("");
    r.line("Written by `benches/cortex-m/run.sh`; do not edit by hand. Instruction counts, not cycles:");
    r.line("`qemu-system-arm -M mps2-an386 -cpu cortex-m4 -icount shift=5,align=off,sleep=off`, timed by");
    r.line("the CMSDK timer 0 (25 MHz; one tick = 40 ns of virtual time = 1.25 instructions at 32 ns per");
    r.line("instruction). Rust: Debian rustc-web, build-std, opt-level 3, fat LTO, `--cfg cpubits=\"32\"`;");
    r.line("C peers: arm-none-eabi-gcc -O2, same image, same payloads (12-byte nonce, 13-byte AAD).");
    let cal = (
        r.get("calibration", "qemu", "icount-shift-5", "loop_expected", 0),
        r.get("calibration", "qemu", "icount-shift-5", "loop_counted", 0),
        r.get("calibration", "qemu", "icount-shift-5", "empty_region", 0),
    );
    r.line(&format!(
        "Calibration: a loop of {} instructions counted {}; an empty region costs {} (subtracted).",
        num(cal.0),
        num(cal.1),
        num(cal.2)
    ));
    r.line("");

    r.line("## Record protection through `dtls::record` (instructions per record)");
    r.line("");
    r.line("| cipher | op | 16 B | 64 B | 256 B | 1024 B | per byte at 1 KiB |");
    r.line("| --- | --- | --- | --- | --- | --- | --- |");
    let ciphers: Vec<String> = {
        let mut v: Vec<String> = m
            .keys()
            .filter(|k| k.0 == "record" && k.1 == "dtls")
            .map(|k| k.2.clone())
            .collect();
        v.dedup();
        v.sort();
        v.dedup();
        v
    };
    for c in &ciphers {
        for op in ["seal", "open"] {
            let cells: Vec<String> = SIZES
                .iter()
                .map(|&s| num(r.get("record", "dtls", c, op, s)))
                .collect();
            let pb = r
                .get("record", "dtls", c, op, 1024)
                .map(|v| format!("{:.0}", v as f64 / 1024.0))
                .unwrap_or_default();
            r.line(&format!("| {c} | {op} | {} | {pb} |", cells.join(" | ")));
        }
    }
    r.line("");

    r.line("## Beside the C peers (same image, same payloads)");
    r.line("");
    r.line("`dtls` is the record layer (header, nonce, copy, AEAD); `dtls-raw` the AEAD alone; `dtls-table`");
    r.line("the opt-in table-AES provider's record layer. Ratios are ours (record layer) / theirs.");
    r.line("");
    r.line("| cipher | op | size | dtls | dtls-raw | dtls-table | Mbed TLS | tinydtls | dtls/Mbed | dtls/tinydtls | table/Mbed |");
    r.line("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for c in ["AES-128-CCM_8", "AES-128-CCM", "AES-128-GCM"] {
        for op in ["seal", "open"] {
            for s in SIZES {
                let ours = r.get("record", "dtls", c, op, s);
                let raw = r.get("record", "dtls-raw", c, op, s);
                let table = r.get("record", "dtls-table", c, op, s);
                let mbed = r.get("record", "mbedtls", c, op, s);
                let tiny = r.get("record", "tinydtls", c, op, s);
                r.line(&format!(
                    "| {c} | {op} | {s} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    num(ours),
                    num(raw),
                    num(table),
                    num(mbed),
                    num(tiny),
                    ratio(ours, mbed),
                    ratio(ours, tiny),
                    ratio(table, mbed)
                ));
            }
        }
    }
    r.line("");

    r.line("## Key setup (once per epoch and direction)");
    r.line("");
    r.line("| implementation | cipher | instructions |");
    r.line("| --- | --- | --- |");
    for (k, v) in m.iter().filter(|(k, _)| k.0 == "keysetup") {
        r.line(&format!("| {} | {} | {} |", k.1, k.2, num(Some(*v))));
    }
    r.line("");

    r.line("## Handshakes, both sides in the image, each side measured alone");
    r.line("");
    r.line("Each side replays the other's recorded datagrams (same seeds, byte-identical). Instructions");
    r.line("of every engine call summed; stack by painting (deepest use over all calls); heap from the");
    r.line("counting allocator (peak during the handshake, and what stays allocated once connected:");
    r.line("for the server, beyond an idle `Server`, with one session; this includes what all sessions");
    r.line("share, such as the receive buffer; the per-session cost is in the next table).");
    r.line("");
    r.line(
        "| suite | side | instructions | stack peak | heap peak | heap kept | heap + stack | allocations |",
    );
    r.line("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let suites: Vec<String> = {
        let mut v: Vec<String> = m
            .keys()
            .filter(|k| k.0 == "handshake")
            .map(|k| k.2.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    for s in &suites {
        for side in ["client", "server"] {
            let kept = if side == "server" {
                "server_heap_per_session"
            } else {
                "client_heap_after"
            };
            let stack = r.get("handshake", "dtls", s, &format!("{side}_stack_peak"), 0);
            let heap = r.get("handshake", "dtls", s, &format!("{side}_heap_peak"), 0);
            r.line(&format!(
                "| {s} | {side} | {} | {} | {} | {} | {} | {} |",
                num(r.get("handshake", "dtls", s, &format!("{side}_instructions"), 0)),
                num(stack),
                num(heap),
                num(r.get("handshake", "dtls", s, kept, 0)),
                num(stack.zip(heap).map(|(a, b)| a + b)),
                num(r.get("handshake", "dtls", s, &format!("{side}_allocations"), 0)),
            ));
        }
        let wire = r.get("handshake", "dtls", s, "wire_bytes", 0);
        r.line(&format!(
            "| {s} | (bytes on the wire) | {} | | | | | |",
            num(wire)
        ));
    }
    r.line("");

    let psk = "PSK-AES128-CCM8";
    if r.get("handshake", "mbedtls", psk, "client_instructions", 0)
        .is_some()
    {
        r.line("## PSK-CCM_8 handshake beside Mbed TLS 2.28");
        r.line("");
        r.line("Mbed TLS's DTLS client and server (`fw/c/mbedtls_hs.c`: PSK-AES128-CCM8, cookies, extended");
        r.line("master secret, 1 KiB record buffers) in the same image, each side's calls counted apart");
        r.line("(`mbedtls_ssl_setup` and every `mbedtls_ssl_handshake`), against ours from the table above");
        r.line("(`Client::new`/`Server::new` and every engine call). Ratios are ours / Mbed TLS.");
        r.line("");
        r.line("| side | dtls instructions | Mbed TLS instructions | ratio | dtls stack | Mbed TLS stack |");
        r.line("| --- | --- | --- | --- | --- | --- |");
        for side in ["client", "server"] {
            let ours = r.get("handshake", "dtls", psk, &format!("{side}_instructions"), 0);
            let theirs = r.get("handshake", "mbedtls", psk, &format!("{side}_instructions"), 0);
            let ratio = match (ours, theirs) {
                (Some(a), Some(b)) if b > 0 => format!("{:.2}", a as f64 / b as f64),
                _ => "–".into(),
            };
            r.line(&format!(
                "| {side} | {} | {} | {ratio} | {} | {} |",
                num(ours),
                num(theirs),
                num(r.get("handshake", "dtls", psk, &format!("{side}_stack_peak"), 0)),
                num(r.get("handshake", "mbedtls", psk, &format!("{side}_stack_peak"), 0)),
            ));
        }
        r.line(&format!(
            "| bytes on the wire | {} | {} | | | |",
            num(r.get("handshake", "dtls", psk, "wire_bytes", 0)),
            num(r.get("handshake", "mbedtls", psk, "wire_bytes", 0)),
        ));
        r.line("");
    }

    r.line("## Server heap per session");
    r.line("");
    r.line("One server, nine clients connected one after another (each client dropped once measured, so");
    r.line("the heap holds only the server). \"Just connected\": what the ninth session adds, its final");
    r.line("flight still kept for re-sending; \"steady\": per session over sessions 1-8, each after its");
    r.line("client's first application data (the final flight and epoch 0 released).");
    r.line("");
    r.line("| suite | just connected | steady |");
    r.line("| --- | --- | --- |");
    for s in &suites {
        r.line(&format!(
            "| {s} | {} | {} |",
            num(r.get("handshake", "dtls", s, "server_heap_marginal_connected", 0)),
            num(r.get("handshake", "dtls", s, "server_heap_marginal_steady", 0)),
        ));
    }
    r.line("");

    r.line("## Flash of the PSK-CCM_8 client image (`psk_client`, opt-level \"z\", dtls features `psk` + `rustcrypto` + `ccm`)");
    r.line("");
    r.line("The example firmware of `run.sh --example` (UART, SLIP, semihosting included), built for size:");
    r.line("SHA-256's compact backend (`--cfg sha2_backend_soft=\"compact\"`: 6.7 KB less flash, +38% PSK");
    r.line("handshake instructions, see the history rows; the handshake table above uses the unrolled one).");
    r.line(
        "From `arm-none-eabi-size -A`; per crate from `arm-none-eabi-nm -S -C` (text and rodata symbols).",
    );
    r.line("");
    r.line("| section | bytes |");
    r.line("| --- | --- |");
    for (k, v) in m.iter().filter(|(k, _)| k.0 == "flash" && k.1 == "section") {
        r.line(&format!("| {} | {} |", k.2, num(Some(*v))));
    }
    r.line("");
    r.line("| crate / module | bytes |");
    r.line("| --- | --- |");
    let mut crates: Vec<(&Key, &u64)> = m
        .iter()
        .filter(|(k, _)| k.0 == "flash" && k.1 == "crate")
        .collect();
    crates.sort_by(|a, b| b.1.cmp(a.1));
    for (k, v) in crates {
        r.line(&format!("| {} | {} |", k.2, num(Some(*v))));
    }
    r.line("");

    r.line("## Targets of issue 10");
    r.line("");
    r.line("| target | figure | met |");
    r.line("| --- | --- | --- |");
    let ccm8_1k = r.get("record", "dtls", "AES-128-CCM_8", "seal", 1024);
    let ccm8_16 = r.get("record", "dtls", "AES-128-CCM_8", "seal", 16);
    let yes = |b: bool| if b { "yes" } else { "**no**" };
    if let Some(v) = ccm8_1k {
        let pb = v as f64 / 1024.0;
        r.line(&format!(
            "| CCM_8 seal ≤ 250 instructions/B at 1 KiB (constant-time default) | {pb:.0} | {} |",
            yes(pb <= 250.0)
        ));
    }
    if let Some(v) = ccm8_16 {
        r.line(&format!(
            "| CCM_8 seal of a 16-byte record ≤ 12,000 | {} | {} |",
            num(Some(v)),
            yes(v <= 12_000)
        ));
    }
    let table = r.get("record", "dtls-table", "AES-128-CCM_8", "seal", 1024);
    let mbed = r.get("record", "mbedtls", "AES-128-CCM_8", "seal", 1024);
    if let (Some(t), Some(mb)) = (table, mbed) {
        r.line(&format!(
            "| table provider ≤ Mbed TLS, CCM_8 seal 1 KiB | {} vs {} | {} |",
            num(Some(t)),
            num(Some(mb)),
            yes(t <= mb)
        ));
    }
    if let Some(total) = r.get("flash", "section", "total", "bytes", 0) {
        r.line(&format!(
            "| PSK-CCM_8 client flash ≤ 64 KiB (65,536 B) | {} | {} |",
            num(Some(total)),
            yes(total <= 65_536)
        ));
    }
    if let (Some(st), Some(h)) = (
        r.get("handshake", "dtls", psk, "client_stack_peak", 0),
        r.get("handshake", "dtls", psk, "client_heap_peak", 0),
    ) {
        r.line(&format!(
            "| PSK client heap + stack ≤ 8 KiB (8,192 B) | {} + {} = {} | {} |",
            num(Some(h)),
            num(Some(st)),
            num(Some(h + st)),
            yes(h + st <= 8192)
        ));
    }
    if let (Some(c), Some(s), Some(mc), Some(ms)) = (
        r.get("handshake", "dtls", psk, "client_instructions", 0),
        r.get("handshake", "dtls", psk, "server_instructions", 0),
        r.get("handshake", "mbedtls", psk, "client_instructions", 0),
        r.get("handshake", "mbedtls", psk, "server_instructions", 0),
    ) {
        r.line(&format!(
            "| PSK-CCM_8 handshake per side beside a C peer (reported), client / server vs Mbed TLS | {} / {} vs {} / {} | reported |",
            num(Some(c)),
            num(Some(s)),
            num(Some(mc)),
            num(Some(ms))
        ));
    }
    if let Some(v) = r.get("handshake", "dtls", psk, "server_heap_marginal_connected", 0) {
        let steady = r.get("handshake", "dtls", psk, "server_heap_marginal_steady", 0);
        r.line(&format!(
            "| server heap per established session ≤ 2 KiB (2,048 B), just connected (steady) | {} ({}) | {} |",
            num(Some(v)),
            num(steady),
            yes(v <= 2048)
        ));
    }
    r.line("");

    if !history.trim().is_empty() {
        r.line(
            "## Steps, before and after (from `history.csv`, appended by `run.sh --record-history LABEL`)",
        );
        r.line("");
        r.line("| step | CCM_8 seal 16 B | CCM_8 seal 1 KiB | GCM seal 1 KiB | PSK client instr. | PSK server instr. | ECDHE client instr. | flash |");
        r.line("| --- | --- | --- | --- | --- | --- | --- | --- |");
        for line in history.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() == 8 {
                let cells: Vec<String> = f[1..].iter().map(|v| num(v.parse().ok())).collect();
                r.line(&format!("| {} | {} |", f[0], cells.join(" | ")));
            }
        }
        r.line("");
    }

    r.line("## All figures (CSV)");
    r.line("");
    r.line("```csv");
    r.s.push_str(&to_csv(m));
    r.line("```");
    r.s
}

fn history_row(label: &str, m: &BTreeMap<Key, u64>) -> String {
    let g = |g: &str, i: &str, s: &str, o: &str, z: u64| {
        m.get(&(g.into(), i.into(), s.into(), o.into(), z))
            .map(u64::to_string)
            .unwrap_or_default()
    };
    format!(
        "{},{},{},{},{},{},{},{}\n",
        label.replace(',', ";"),
        g("record", "dtls", "AES-128-CCM_8", "seal", 16),
        g("record", "dtls", "AES-128-CCM_8", "seal", 1024),
        g("record", "dtls", "AES-128-GCM", "seal", 1024),
        g("handshake", "dtls", "PSK-AES128-CCM8", "client_instructions", 0),
        g("handshake", "dtls", "PSK-AES128-CCM8", "server_instructions", 0),
        g(
            "handshake",
            "dtls",
            "ECDHE-ECDSA-AES128-CCM8",
            "client_instructions",
            0
        ),
        g("flash", "section", "total", "bytes", 0),
    )
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cortex-m-report: {e}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(&args.measurements) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cortex-m-report: {}: {e}", args.measurements);
            return ExitCode::from(2);
        }
    };
    let mut m = parse_csv(&text);
    if m.is_empty() {
        eprintln!("cortex-m-report: no measurements in {}", args.measurements);
        return ExitCode::FAILURE;
    }
    if let Some(elf) = &args.elf
        && let Err(e) = flash(elf, &mut m)
    {
        eprintln!("cortex-m-report: {e}");
        return ExitCode::FAILURE;
    }
    let mut history = args
        .history
        .as_ref()
        .and_then(|h| std::fs::read_to_string(h).ok())
        .unwrap_or_default();
    if let (Some(label), Some(path)) = (&args.record_history, &args.history) {
        if history.is_empty() {
            history.push_str(
                "step,ccm8_seal_16,ccm8_seal_1024,gcm_seal_1024,psk_client,psk_server,ecdhe_client,flash\n",
            );
        }
        history.push_str(&history_row(label, &m));
        if let Err(e) = std::fs::write(path, &history) {
            eprintln!("cortex-m-report: {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    if let Some(out) = &args.out
        && let Err(e) = std::fs::write(out, render(&m, &history))
    {
        eprintln!("cortex-m-report: {out}: {e}");
        return ExitCode::FAILURE;
    }
    let mut failed = false;
    if let Some(path) = &args.baseline {
        if args.write_baseline {
            if let Err(e) = std::fs::write(path, to_csv(&m)) {
                eprintln!("cortex-m-report: {path}: {e}");
                return ExitCode::FAILURE;
            }
            println!("baseline written to {path} ({} figures)", m.len());
        } else if args.check {
            let base = match std::fs::read_to_string(path) {
                Ok(b) => parse_csv(&b),
                Err(e) => {
                    eprintln!("cortex-m-report: {path}: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let (mut worse, mut better, mut missing) = (0, 0, 0);
            for (k, &b) in &base {
                // Calibration lines describe the harness, not the code under test; flash per
                // crate is informational (a crate may vanish, small ones move by a few bytes):
                // the sections and the total are checked.
                if k.0 == "calibration" || (k.0 == "flash" && k.1 == "crate") {
                    continue;
                }
                match m.get(k) {
                    None => {
                        println!("MISSING  {}", key_str(k));
                        missing += 1;
                    }
                    Some(&v) if (v as f64) > (b as f64) * (1.0 + TOLERANCE) => {
                        println!(
                            "REGRESSED {}: {b} -> {v} (+{:.1}%)",
                            key_str(k),
                            (v as f64 / b.max(1) as f64 - 1.0) * 100.0
                        );
                        worse += 1;
                    }
                    Some(&v) if (v as f64) < (b as f64) * (1.0 - TOLERANCE) => {
                        println!(
                            "improved  {}: {b} -> {v} ({:.1}%)",
                            key_str(k),
                            (v as f64 / b.max(1) as f64 - 1.0) * 100.0
                        );
                        better += 1;
                    }
                    Some(_) => {}
                }
            }
            println!(
                "cortex-m check: {} figures against {path}: {worse} regressed by more than 2%, {better} improved by more than 2%, {missing} missing",
                base.len()
            );
            if better > 0 && worse == 0 {
                println!(
                    "(improvements: update the baseline with `run.sh --update-baseline` in the same commit)"
                );
            }
            failed = worse > 0 || missing > 0;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
