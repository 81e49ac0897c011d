//! The RFC requirement catalogue (`conformance/catalogue/*.toml`) is consistent with the
//! code: every test it names exists (and runs, unless the entry is a deviation), no MUST is
//! left without a test, a deviation or a not-applicable reason, every id the code cites in a
//! `catalogue:` comment exists, and the coverage table in `conformance/README.md` is the one
//! the catalogue generates. Rules: `conformance/catalogue/SCHEMA.md`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dtls_conformance::catalogue::{
    Catalogue, Level, Status, TestIndex, catalogue_dir, current_block, workspace_root,
};

fn load() -> Catalogue {
    match Catalogue::load(&catalogue_dir()) {
        Ok(c) => c,
        Err(errors) => panic!("catalogue does not load:\n{}", errors.join("\n")),
    }
}

#[test]
fn every_named_test_exists_and_every_must_is_accounted_for() {
    let catalogue = load();
    let index = TestIndex::scan(&workspace_root()).unwrap();
    // The scan must see the workspace's tests, or every lookup would fail for the wrong reason.
    assert!(
        index.files.values().map(|t| t.len()).sum::<usize>() > 100,
        "the test scan found almost nothing: is the workspace root right?"
    );
    let errors = catalogue.check(&index);
    assert!(
        errors.is_empty(),
        "{} catalogue problem(s):\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn every_rfc_the_catalogue_promises_is_present() {
    let catalogue = load();
    let present: Vec<u32> = catalogue.rfcs.iter().map(|r| r.rfc).collect();
    for rfc in [6347, 5246, 4279, 5746, 6655, 7251, 7627, 8422] {
        assert!(present.contains(&rfc), "no catalogue file for RFC {rfc}");
    }
    let c = catalogue.counts();
    assert_eq!(c.get(Level::Must, Status::Open), 0);
}

#[test]
fn readme_table_is_up_to_date() {
    let catalogue = load();
    let path = workspace_root().join("conformance/README.md");
    let readme = std::fs::read_to_string(&path).unwrap_or_default();
    let expected = catalogue.render();
    assert!(
        current_block(&readme) == Some(expected.as_str()),
        "the catalogue block of conformance/README.md is out of date; regenerate it with\n  \
         cargo run -p dtls-conformance --bin catalogue -- --write conformance/README.md"
    );
}

/// The crates whose sources cite catalogue ids in comments.
const CITING_CRATES: [&str; 5] = ["dtls", "sim", "conformance", "cli", "tokio"];

/// Every `.rs` file under `dir`, skipping build output and hidden directories.
fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with("target") && !name.starts_with('.') {
                rs_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// The ids cited by the comments of `src`, with their line numbers: the comma-separated
/// words after `catalogue:`, up to the first that does not start with `RFC` (in any case, so
/// that a lowercase typo is caught rather than skipped) or is followed by prose.
fn citations(src: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in src.lines().enumerate() {
        let Some((_, comment)) = line.split_once("//") else {
            continue;
        };
        let Some((_, cited)) = comment.split_once("catalogue:") else {
            continue;
        };
        for item in cited.split(',') {
            let mut words = item.split_whitespace();
            let Some(word) = words.next() else {
                break;
            };
            let id = word.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
            if !id.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("rfc")) {
                break;
            }
            out.push((n + 1, id.to_string()));
            if words.next().is_some() {
                // Prose follows the id: the list has ended.
                break;
            }
        }
    }
    out
}

#[test]
fn every_cited_id_exists() {
    let catalogue = load();
    let ids: BTreeSet<&str> = catalogue.requirements().map(|r| r.id.as_str()).collect();
    let root = workspace_root();
    let mut files = Vec::new();
    for krate in CITING_CRATES {
        rs_files(&root.join(krate), &mut files);
    }
    files.sort();
    let mut cited = 0;
    let mut unknown = Vec::new();
    for file in &files {
        let Ok(src) = std::fs::read_to_string(file) else {
            continue;
        };
        for (line, id) in citations(&src) {
            cited += 1;
            if !ids.contains(id.as_str()) {
                let rel = file.strip_prefix(&root).unwrap_or(file);
                unknown.push(format!("{}:{line}: {id}", rel.display()));
            }
        }
    }
    // The walk must see the citations, or the check would pass for the wrong reason.
    assert!(
        cited > 100,
        "only {cited} citations found: is the workspace root right?"
    );
    assert!(
        unknown.is_empty(),
        "{} citation(s) of ids not in the catalogue (ranges must be written out):\n{}",
        unknown.len(),
        unknown.join("\n")
    );
}

#[test]
fn citations_are_read_from_comments_only() {
    // `#` stands for `/`, so that this file's own scan does not take the samples for citations.
    let src = "let s = \"catalogue: RFC1-1-1\";\n\
               ## catalogue: RFC6347-4.2.1-10, RFC6347-4.2.1-3 (and prose, RFC9-9-9)\n\
               ### `## catalogue: <id>` in a doc comment\n\
               ## catalogue: rfc6347-4.2.3-1..4\n"
        .replace('#', "/");
    assert_eq!(
        citations(&src),
        [
            (2, "RFC6347-4.2.1-10".to_string()),
            (2, "RFC6347-4.2.1-3".to_string()),
            (4, "rfc6347-4.2.3-1..4".to_string()),
        ]
    );
}
