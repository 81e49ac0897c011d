//! `catalogue`: checks the RFC requirement catalogue and writes its coverage table.
//!
//! ```text
//! cargo run -p dtls-conformance --bin catalogue -- --write conformance/README.md
//! cargo run -p dtls-conformance --bin catalogue -- --check conformance/README.md
//! cargo run -p dtls-conformance --bin catalogue            # print the block and the counts
//! ```
//!
//! `--write` replaces the block between `<!-- catalogue:begin -->` and
//! `<!-- catalogue:end -->` (appending it if absent) and leaves the rest of the file alone.
//! Every mode first applies the catalogue's rules (`conformance/catalogue/SCHEMA.md`) and exits
//! non-zero on a violation.

use std::process::ExitCode;

use dtls_conformance::catalogue::{
    Catalogue, Level, Status, TestIndex, catalogue_dir, current_block, splice, workspace_root,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, path) = match args.as_slice() {
        [] => ("print", None),
        [m, p] if m == "--write" || m == "--check" => (m.as_str(), Some(p.clone())),
        _ => {
            eprintln!(
                "usage: catalogue [--write README | --check README]\n\
                 checks conformance/catalogue/*.toml; --write updates the coverage table in README,\n\
                 --check fails if it is out of date; no argument prints the table"
            );
            return ExitCode::from(2);
        }
    };
    let catalogue = match Catalogue::load(&catalogue_dir()) {
        Ok(c) => c,
        Err(errors) => return fail(&errors),
    };
    let index = match TestIndex::scan(&workspace_root()) {
        Ok(i) => i,
        Err(e) => return fail(&[e]),
    };
    let errors = catalogue.check(&index);
    if !errors.is_empty() {
        return fail(&errors);
    }
    let block = catalogue.render();
    match (mode, path) {
        ("print", _) => print!("{block}"),
        ("--write", Some(p)) => {
            let old = std::fs::read_to_string(&p).unwrap_or_default();
            let new = match splice(&old, &block) {
                Ok(n) => n,
                Err(e) => return fail(&[format!("{p}: {e}")]),
            };
            if let Err(e) = std::fs::write(&p, new) {
                return fail(&[format!("{p}: {e}")]);
            }
            eprintln!("wrote the catalogue block of {p}");
        }
        ("--check", Some(p)) => {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            if current_block(&text) != Some(block.as_str()) {
                return fail(&[format!(
                    "{p}: the catalogue block is out of date; run \
                     cargo run -p dtls-conformance --bin catalogue -- --write {p}"
                )]);
            }
        }
        _ => unreachable!(),
    }
    let c = catalogue.counts();
    eprintln!(
        "{} entries; MUST: {} tested, {} deviation, {} not applicable; SHOULD: {} tested, {} deviation, {} not applicable, {} open; MAY: {} tested, {} deviation, {} not applicable, {} open",
        c.total(),
        c.get(Level::Must, Status::Tested),
        c.get(Level::Must, Status::Deviation),
        c.get(Level::Must, Status::NotApplicable),
        c.get(Level::Should, Status::Tested),
        c.get(Level::Should, Status::Deviation),
        c.get(Level::Should, Status::NotApplicable),
        c.get(Level::Should, Status::Open),
        c.get(Level::May, Status::Tested),
        c.get(Level::May, Status::Deviation),
        c.get(Level::May, Status::NotApplicable),
        c.get(Level::May, Status::Open),
    );
    ExitCode::SUCCESS
}

fn fail(errors: &[String]) -> ExitCode {
    for e in errors {
        eprintln!("catalogue: {e}");
    }
    eprintln!("catalogue: {} problem(s)", errors.len());
    ExitCode::FAILURE
}
