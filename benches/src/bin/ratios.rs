//! Prints the record layer's cost over the raw cipher as a markdown table, from the estimates
//! criterion saved for `benches/record.rs`.
//!
//! ```text
//! cargo bench -p dtls-benches --bench record
//! cargo run -p dtls-benches --bin ratios [CRITERION_DIR]
//! ```
//!
//! `CRITERION_DIR` defaults to `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else
//! `target/criterion` (where `cargo bench` puts it). Each cell is `ours / raw` of the median
//! times of one run, with the two medians in nanoseconds beside it.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

/// (group, function, size in bytes) -> median time in ns.
type Medians = BTreeMap<(String, String, u64), f64>;

/// Rows of the table: the record layer benchmark and the raw baseline it is divided by.
const ROWS: [(&str, &str, &str); 3] = [
    ("seal", "dtls-seal", "raw-seal"),
    ("seal in place", "dtls-seal-in-place", "raw-seal"),
    ("open", "dtls-open", "raw-open"),
];

fn criterion_dir() -> PathBuf {
    if let Some(arg) = env::args_os().nth(1) {
        return PathBuf::from(arg);
    }
    if let Some(home) = env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    target.join("criterion")
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
}

/// Collects every `<bench>/new/{benchmark,estimates}.json` pair under `dir`.
fn collect(dir: &Path, out: &mut Medians) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            let (Some(bench), Some(est)) = (
                read_json(&path.join("benchmark.json")),
                read_json(&path.join("estimates.json")),
            ) else {
                continue;
            };
            let group = bench["group_id"].as_str().unwrap_or_default().to_owned();
            let function = bench["function_id"].as_str().unwrap_or_default().to_owned();
            let size = bench["value_str"].as_str().and_then(|v| v.parse().ok());
            let median = est["median"]["point_estimate"].as_f64();
            if let (Some(size), Some(median)) = (size, median) {
                out.insert((group, function, size), median);
            }
        } else {
            collect(&path, out);
        }
    }
}

fn main() -> ExitCode {
    let dir = criterion_dir();
    let mut medians = Medians::new();
    collect(&dir, &mut medians);
    let groups: Vec<String> = {
        let mut g: Vec<String> = medians
            .keys()
            .filter(|(g, _, _)| g.starts_with("record-"))
            .map(|(g, _, _)| g.clone())
            .collect();
        g.dedup();
        g
    };
    if groups.is_empty() {
        eprintln!(
            "no record benchmark results under {}; run `cargo bench -p dtls-benches --bench record` first",
            dir.display()
        );
        return ExitCode::FAILURE;
    }
    let mut sizes: Vec<u64> = medians
        .keys()
        .filter(|(g, _, _)| g.starts_with("record-"))
        .map(|k| k.2)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();

    println!("Record layer time / raw RustCrypto time (median; ours / raw in ns in brackets).\n");
    print!("| cipher | operation |");
    for size in &sizes {
        print!(" {size} B |");
    }
    println!();
    print!("| --- | --- |");
    for _ in &sizes {
        print!(" --- |");
    }
    println!();
    for group in &groups {
        let cipher = group.trim_start_matches("record-");
        for (label, ours, raw) in ROWS {
            let mut cells = Vec::new();
            for &size in &sizes {
                let key = |f: &str| (group.clone(), f.to_owned(), size);
                cells.push(match (medians.get(&key(ours)), medians.get(&key(raw))) {
                    (Some(o), Some(r)) if *r > 0.0 => format!("{:.3} ({:.0} / {:.0})", o / r, o, r),
                    _ => "–".to_owned(),
                });
            }
            if cells.iter().all(|c| c == "–") {
                continue;
            }
            println!("| {cipher} | {label} | {} |", cells.join(" | "));
        }
    }
    ExitCode::SUCCESS
}
