//! The RFC requirement catalogue (`conformance/catalogue/*.toml`) is consistent with the
//! code: every test it names exists (and runs, unless the entry is a deviation), no MUST is
//! left without a test, a deviation or a not-applicable reason, and the coverage table in
//! `conformance/README.md` is the one the catalogue generates. Rules:
//! `conformance/catalogue/SCHEMA.md`.

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
