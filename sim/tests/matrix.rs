//! The ours-against-ours column of the conformance matrix: every targeted scenario, explorer
//! family and bug pattern, for every suite our engine supports, passes, except the entries
//! of `dtls_sim::expected` (which must still fail, so the list stays true). A failure names
//! each scenario and its replay command.

use dtls_sim::implementation::SuiteId;
use dtls_sim::matrix::{self, Cell, Row};
use dtls_sim::scenarios::patterns::PATTERNS;
use dtls_sim::sweep;

fn ours_suites() -> Vec<SuiteId> {
    SuiteId::ALL
        .iter()
        .copied()
        .filter(|s| dtls::suite::lookup(dtls::wire::CipherSuite(s.code)).is_some())
        .collect()
}

/// About 9 s in release on 2 cores (the RSA suites' private-key operations dominate).
#[test]
fn every_scenario_passes_for_ours_against_ours_except_the_listed_engine_bugs() {
    let suites = ours_suites();
    assert_eq!(suites.len(), 15, "the engine's suites changed: {suites:?}");
    let m = matrix::run(
        &[("ours", "ours")],
        &suites,
        None,
        sweep::default_threads(),
        &|_| {},
    );
    let regressions = m.regressions();
    assert!(
        regressions.is_empty(),
        "{} regressions:\n{}",
        regressions.len(),
        regressions.join("\n")
    );
    // Every row ran somewhere: nothing is silently not applicable everywhere.
    for (name, _) in &m.rows {
        let ran = suites.iter().any(|s| {
            !matches!(
                m.cells.get(&(name.to_string(), ("ours", "ours"), s.code)),
                Some(Cell::NotApplicable(_)) | None
            )
        });
        assert!(ran, "{name} ran for no suite");
    }
}

#[test]
fn every_testing_md_pattern_is_a_row_and_names_its_item() {
    let rows = matrix::rows();
    for p in PATTERNS {
        assert!(
            rows.iter()
                .any(|r| matches!(r, Row::Pattern(q) if q.name == p.name))
        );
        assert!(
            p.item.starts_with("2 ") || p.item.starts_with("3 ") || p.item.starts_with("control"),
            "{}: {}",
            p.name,
            p.item
        );
    }
    let mut names: Vec<&str> = rows.iter().map(Row::name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate row names");
}

#[test]
fn the_generated_section_replaces_only_itself() {
    let m = matrix::run(
        &[("ours", "ours")],
        &[SuiteId::PSK_WITH_AES_128_CCM_8],
        Some(&|r: &Row| r.name() == "control-honest-client"),
        1,
        &|_| {},
    );
    let section = m.markdown();
    assert!(
        section.contains("| `control-honest-client` | pass |"),
        "{section}"
    );
    let readme = format!("# Title\n\nintro\n\n{section}\n## Coverage\n\nkept\n");
    let again = matrix::splice(&readme, &section);
    assert_eq!(again, readme);
    let fresh = matrix::splice("# Title\n", &section);
    assert!(fresh.starts_with("# Title\n\n<!-- matrix:begin"));
    let replaced = matrix::splice(&readme, "<!-- matrix:begin x -->\nnew\n<!-- matrix:end -->\n");
    assert!(
        replaced.contains("new")
            && replaced.contains("## Coverage\n\nkept")
            && !replaced.contains("| `control")
    );
}
