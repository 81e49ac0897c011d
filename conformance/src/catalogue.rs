//! The RFC requirement catalogue: loading `conformance/catalogue/*.toml`, finding the tests
//! it names in the workspace's sources, checking the rules of the schema
//! (`conformance/catalogue/SCHEMA.md`), and rendering the coverage table of
//! `conformance/README.md`.
//!
//! Used by the checker test (`conformance/tests/catalogue.rs`) and the generator
//! (`cargo run -p dtls-conformance --bin catalogue`), so both apply the same rules.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Marker lines around the generated block in `conformance/README.md`.
pub const BEGIN_MARKER: &str = "<!-- catalogue:begin -->";
/// See [`BEGIN_MARKER`].
pub const END_MARKER: &str = "<!-- catalogue:end -->";

/// Longest paraphrase accepted: a summary in our own words, not a copy of the RFC's prose.
pub const MAX_SUMMARY_LEN: usize = 240;

/// Requirement levels of RFC 2119, as written in the RFCs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT: an absolute requirement or prohibition.
    Must,
    /// SHOULD, SHOULD NOT, RECOMMENDED, NOT RECOMMENDED.
    Should,
    /// MAY, OPTIONAL.
    May,
}

impl Level {
    /// Parses a keyword as the RFCs write it.
    pub fn parse(keyword: &str) -> Option<Level> {
        Some(match keyword {
            "MUST" | "MUST NOT" | "REQUIRED" | "SHALL" | "SHALL NOT" => Level::Must,
            "SHOULD" | "SHOULD NOT" | "RECOMMENDED" | "NOT RECOMMENDED" => Level::Should,
            "MAY" | "OPTIONAL" => Level::May,
            _ => return None,
        })
    }

    /// The level's name: MUST, SHOULD or MAY.
    pub fn name(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

/// What we do about a requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Implemented, and the named tests check it.
    Tested,
    /// We knowingly do otherwise; `reason` says why (an engine bug names its ignored test).
    Deviation,
    /// Does not apply to this implementation (a feature we refuse or do not have); `reason`.
    NotApplicable,
    /// Not decided or not tested yet. Only for SHOULD/MAY: a MUST may never be open.
    Open,
}

impl Status {
    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "tested" => Status::Tested,
            "deviation" => Status::Deviation,
            "not-applicable" => Status::NotApplicable,
            "open" => Status::Open,
            _ => return None,
        })
    }

    /// The status as the catalogue writes it.
    pub fn name(self) -> &'static str {
        match self {
            Status::Tested => "tested",
            Status::Deviation => "deviation",
            Status::NotApplicable => "not-applicable",
            Status::Open => "open",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    rfc: u32,
    title: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default, rename = "requirement")]
    requirements: Vec<RawRequirement>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: String,
    section: String,
    level: String,
    summary: String,
    status: String,
    #[serde(default)]
    tests: Vec<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// One normative statement of an RFC.
#[derive(Clone, Debug)]
pub struct Requirement {
    /// Stable id, `RFC<number>-<section>-<n>`.
    pub id: String,
    /// The RFC it comes from.
    pub rfc: u32,
    /// Section number (`4.2.1`, `E.1`).
    pub section: String,
    /// The keyword as written (`MUST NOT`, `RECOMMENDED`, ...).
    pub keyword: String,
    /// The keyword's level.
    pub level: Level,
    /// Our paraphrase.
    pub summary: String,
    /// What we do about it.
    pub status: Status,
    /// Tests that check it, as `path/from/workspace/root.rs::function`.
    pub tests: Vec<String>,
    /// Why: required for deviations and not-applicable entries, a note otherwise.
    pub reason: Option<String>,
}

/// One catalogue file: the requirements taken from one RFC.
#[derive(Clone, Debug)]
pub struct RfcCatalogue {
    /// RFC number.
    pub rfc: u32,
    /// RFC title.
    pub title: String,
    /// Which parts of the RFC were taken, when not all of it.
    pub scope: Option<String>,
    /// The file it was read from (for messages).
    pub file: PathBuf,
    /// Its requirements, in file order.
    pub requirements: Vec<Requirement>,
}

/// Every catalogue file, ordered by RFC number.
#[derive(Clone, Debug)]
pub struct Catalogue {
    /// The RFCs.
    pub rfcs: Vec<RfcCatalogue>,
}

/// The catalogue directory of this crate.
pub fn catalogue_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue")
}

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

impl Catalogue {
    /// Reads every `*.toml` file of `dir`. Errors name the file and the entry.
    pub fn load(dir: &Path) -> Result<Catalogue, Vec<String>> {
        let mut errors = Vec::new();
        let mut files: Vec<PathBuf> = match fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect(),
            Err(e) => return Err(vec![format!("cannot read {}: {e}", dir.display())]),
        };
        files.sort();
        let mut rfcs = Vec::new();
        for file in files {
            let text = match fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(format!("{}: {e}", file.display()));
                    continue;
                }
            };
            let raw: RawFile = match toml::from_str(&text) {
                Ok(r) => r,
                Err(e) => {
                    errors.push(format!("{}: {e}", file.display()));
                    continue;
                }
            };
            let mut requirements = Vec::new();
            for r in raw.requirements {
                let Some(level) = Level::parse(&r.level) else {
                    errors.push(format!(
                        "{}: {}: level {:?} is not an RFC 2119 keyword",
                        file.display(),
                        r.id,
                        r.level
                    ));
                    continue;
                };
                let Some(status) = Status::parse(&r.status) else {
                    errors.push(format!(
                        "{}: {}: status {:?} is not one of tested, deviation, not-applicable, open",
                        file.display(),
                        r.id,
                        r.status
                    ));
                    continue;
                };
                requirements.push(Requirement {
                    id: r.id,
                    rfc: raw.rfc,
                    section: r.section,
                    keyword: r.level,
                    level,
                    summary: r.summary,
                    status,
                    tests: r.tests,
                    reason: r.reason,
                });
            }
            rfcs.push(RfcCatalogue {
                rfc: raw.rfc,
                title: raw.title,
                scope: raw.scope,
                file,
                requirements,
            });
        }
        rfcs.sort_by_key(|r| r.rfc);
        if errors.is_empty() {
            Ok(Catalogue { rfcs })
        } else {
            Err(errors)
        }
    }

    /// Every requirement of every RFC.
    pub fn requirements(&self) -> impl Iterator<Item = &Requirement> {
        self.rfcs.iter().flat_map(|r| r.requirements.iter())
    }

    /// Checks the schema's rules against the tests found in the workspace; returns every
    /// violation (empty when the catalogue is consistent).
    pub fn check(&self, tests: &TestIndex) -> Vec<String> {
        let mut errors = Vec::new();
        let mut ids = BTreeSet::new();
        let mut rfc_numbers = BTreeSet::new();
        for rfc in &self.rfcs {
            if !rfc_numbers.insert(rfc.rfc) {
                errors.push(format!("RFC {} has more than one catalogue file", rfc.rfc));
            }
            let mut last_n: BTreeMap<&str, u32> = BTreeMap::new();
            for r in &rfc.requirements {
                let at = format!("{} ({})", r.id, rfc.file.display());
                if !ids.insert(r.id.clone()) {
                    errors.push(format!("{at}: duplicate id"));
                }
                // Ids are RFC<n>-<section>-<k>, numbered 1, 2, ... within a section in file
                // order, so an id names one statement for good.
                let prefix = format!("RFC{}-{}-", r.rfc, r.section);
                match r.id.strip_prefix(&prefix).map(str::parse::<u32>) {
                    Some(Ok(k)) if k >= 1 => {
                        let prev = last_n.insert(r.section.as_str(), k).unwrap_or(0);
                        if k != prev + 1 {
                            errors.push(format!(
                                "{at}: ids of section {} must count up from 1 in file order (expected -{})",
                                r.section,
                                prev + 1
                            ));
                        }
                    }
                    _ => errors.push(format!("{at}: id must be {prefix}<number>")),
                }
                let summary = r.summary.trim();
                if summary.is_empty() {
                    errors.push(format!("{at}: empty summary"));
                }
                if summary.chars().count() > MAX_SUMMARY_LEN {
                    errors.push(format!(
                        "{at}: summary longer than {MAX_SUMMARY_LEN} characters: paraphrase, do not copy"
                    ));
                }
                let reason = r.reason.as_deref().map(str::trim).unwrap_or("");
                match r.status {
                    Status::Tested => {
                        if r.tests.is_empty() {
                            errors.push(format!("{at}: status tested but no tests named"));
                        }
                    }
                    Status::Deviation | Status::NotApplicable => {
                        if reason.is_empty() {
                            errors.push(format!("{at}: status {} needs a reason", r.status.name()));
                        }
                    }
                    Status::Open => {
                        if r.level == Level::Must {
                            errors.push(format!(
                                "{at}: a {} has neither a test nor a stated deviation or not-applicable reason (status open)",
                                r.keyword
                            ));
                        }
                    }
                }
                let mut seen = BTreeSet::new();
                let mut runnable = 0;
                for t in &r.tests {
                    if !seen.insert(t) {
                        errors.push(format!("{at}: test {t} named twice"));
                    }
                    match tests.lookup(t) {
                        Lookup::Found { ignored: false } => runnable += 1,
                        Lookup::Found { ignored: true } => {
                            if r.status == Status::Tested {
                                errors.push(format!(
                                    "{at}: names test {t}, which is #[ignore]d and so checks nothing; \
                                     an ignored test belongs to a deviation"
                                ));
                            }
                        }
                        Lookup::BadName => errors.push(format!(
                            "{at}: test name {t:?} is not of the form path/to/file.rs::function"
                        )),
                        Lookup::NoFile => errors.push(format!(
                            "{at}: names test {t}, but there is no such file in the workspace's crates"
                        )),
                        Lookup::NoTest => errors.push(format!(
                            "{at}: names test {t}, but that file has no test function of that name"
                        )),
                    }
                }
                if r.status == Status::Tested && !r.tests.is_empty() && runnable == 0 {
                    errors.push(format!("{at}: status tested but none of its tests runs"));
                }
            }
        }
        errors
    }
}

/// Counts of one RFC (or all), by level and status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// `[level][status]`, levels MUST/SHOULD/MAY, statuses tested/deviation/n-a/open.
    pub cells: [[usize; 4]; 3],
}

impl Counts {
    fn add(&mut self, r: &Requirement) {
        let l = match r.level {
            Level::Must => 0,
            Level::Should => 1,
            Level::May => 2,
        };
        let s = match r.status {
            Status::Tested => 0,
            Status::Deviation => 1,
            Status::NotApplicable => 2,
            Status::Open => 3,
        };
        self.cells[l][s] += 1;
    }

    /// Entries of a level with a status.
    pub fn get(&self, level: Level, status: Status) -> usize {
        let l = match level {
            Level::Must => 0,
            Level::Should => 1,
            Level::May => 2,
        };
        let s = match status {
            Status::Tested => 0,
            Status::Deviation => 1,
            Status::NotApplicable => 2,
            Status::Open => 3,
        };
        self.cells[l][s]
    }

    /// Entries of a level.
    pub fn level_total(&self, level: Level) -> usize {
        [
            Status::Tested,
            Status::Deviation,
            Status::NotApplicable,
            Status::Open,
        ]
        .iter()
        .map(|s| self.get(level, *s))
        .sum()
    }

    /// All entries.
    pub fn total(&self) -> usize {
        self.cells.iter().flatten().sum()
    }
}

impl RfcCatalogue {
    /// Counts of this RFC.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.requirements {
            c.add(r);
        }
        c
    }
}

impl Catalogue {
    /// Counts over every RFC.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in self.requirements() {
            c.add(r);
        }
        c
    }

    /// The generated block for `conformance/README.md`, markers included.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{BEGIN_MARKER}");
        out.push_str(
            "<!-- Generated from conformance/catalogue/*.toml by \
             `cargo run -p dtls-conformance --bin catalogue -- --write conformance/README.md`; \
             do not edit by hand. -->\n\n",
        );
        out.push_str(
            "Per RFC: entries by level, as tested / deviation / not applicable / open. \
             MUST counts MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT; SHOULD counts SHOULD, \
             SHOULD NOT, RECOMMENDED, NOT RECOMMENDED; MAY counts MAY, OPTIONAL.\n\n",
        );
        out.push_str("| RFC | title | entries | MUST | SHOULD | MAY |\n");
        out.push_str("| --- | --- | ---: | --- | --- | --- |\n");
        let cell = |c: &Counts, l: Level| {
            format!(
                "{} / {} / {} / {}",
                c.get(l, Status::Tested),
                c.get(l, Status::Deviation),
                c.get(l, Status::NotApplicable),
                c.get(l, Status::Open)
            )
        };
        for rfc in &self.rfcs {
            let c = rfc.counts();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                rfc.rfc,
                rfc.title,
                c.total(),
                cell(&c, Level::Must),
                cell(&c, Level::Should),
                cell(&c, Level::May)
            );
        }
        let c = self.counts();
        let _ = writeln!(
            out,
            "| all | | {} | {} | {} | {} |",
            c.total(),
            cell(&c, Level::Must),
            cell(&c, Level::Should),
            cell(&c, Level::May)
        );
        for rfc in &self.rfcs {
            let _ = writeln!(out, "\n### RFC {}: {}\n", rfc.rfc, rfc.title);
            if let Some(scope) = &rfc.scope {
                let _ = writeln!(out, "{}\n", one_line(scope));
            }
            out.push_str("| id | level | requirement (paraphrased) | status | tests or reason |\n");
            out.push_str("| --- | --- | --- | --- | --- |\n");
            for r in &rfc.requirements {
                let evidence = evidence(r);
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    r.id,
                    r.keyword,
                    cell_text(&r.summary),
                    r.status.name(),
                    evidence
                );
            }
        }
        let _ = writeln!(out, "\n{END_MARKER}");
        out
    }
}

fn evidence(r: &Requirement) -> String {
    let tests: Vec<String> = r.tests.iter().map(|t| format!("`{t}`")).collect();
    let mut parts = Vec::new();
    if !tests.is_empty() {
        parts.push(tests.join("<br>"));
    }
    if let Some(reason) = &r.reason {
        parts.push(cell_text(reason));
    }
    parts.join("<br>")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn cell_text(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

/// Replaces the generated block of `readme` with `block`, or appends it when the markers are
/// absent. Text outside the markers (including other generated blocks) is kept as is.
pub fn splice(readme: &str, block: &str) -> Result<String, String> {
    match (readme.find(BEGIN_MARKER), readme.find(END_MARKER)) {
        (Some(b), Some(e)) if b < e => {
            let end = e + END_MARKER.len();
            let end = if readme[end..].starts_with('\n') {
                end + 1
            } else {
                end
            };
            Ok(format!("{}{}{}", &readme[..b], block, &readme[end..]))
        }
        (None, None) => {
            let mut out = readme.to_string();
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
            }
            out.push_str(block);
            Ok(out)
        }
        _ => Err(format!(
            "{BEGIN_MARKER} and {END_MARKER} must both appear, in that order, or neither"
        )),
    }
}

/// The generated block currently in `readme`, markers included, if any.
pub fn current_block(readme: &str) -> Option<&str> {
    let b = readme.find(BEGIN_MARKER)?;
    let e = readme.find(END_MARKER)?;
    if e < b {
        return None;
    }
    let end = e + END_MARKER.len();
    let end = if readme[end..].starts_with('\n') {
        end + 1
    } else {
        end
    };
    Some(&readme[b..end])
}

/// What a test name resolved to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A test function of that name exists in that file.
    Found {
        /// It carries `#[ignore]`, so `cargo test` does not run it.
        ignored: bool,
    },
    /// Not `path.rs::function`.
    BadName,
    /// No such source file in a workspace crate.
    NoFile,
    /// The file exists but has no test of that name.
    NoTest,
}

/// The test functions of the workspace's crates, by file.
#[derive(Clone, Debug, Default)]
pub struct TestIndex {
    /// Relative path (with `/`) -> test name -> ignored.
    pub files: BTreeMap<String, BTreeMap<String, bool>>,
}

impl TestIndex {
    /// Scans every `*.rs` file of the workspace members listed in `root/Cargo.toml` (the
    /// crates `cargo test --workspace` builds; `fuzz/` is its own workspace and not run).
    pub fn scan(root: &Path) -> Result<TestIndex, String> {
        let manifest = fs::read_to_string(root.join("Cargo.toml"))
            .map_err(|e| format!("cannot read {}/Cargo.toml: {e}", root.display()))?;
        let manifest: toml::Table = toml::from_str(&manifest).map_err(|e| e.to_string())?;
        let members: Vec<String> = manifest
            .get("workspace")
            .and_then(|w| w.get("members"))
            .and_then(|m| m.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
            .ok_or("root Cargo.toml has no [workspace] members")?;
        let mut index = TestIndex::default();
        for member in members {
            let dir = root.join(&member);
            let no_harness = harness_false_files(&dir);
            let mut files = Vec::new();
            collect_rs(&dir, &mut files);
            for file in files {
                let Ok(text) = fs::read_to_string(&file) else {
                    continue;
                };
                let rel = file
                    .strip_prefix(root)
                    .unwrap_or(&file)
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let mut tests = find_tests(&text);
                if no_harness.contains(&file) {
                    for name in functions_called_from_main(&text) {
                        tests.entry(name).or_insert(false);
                    }
                }
                index.files.insert(rel, tests);
            }
        }
        Ok(index)
    }

    /// Resolves `path/to/file.rs::function`.
    pub fn lookup(&self, name: &str) -> Lookup {
        let Some((path, func)) = name.rsplit_once("::") else {
            return Lookup::BadName;
        };
        if !path.ends_with(".rs") || func.is_empty() || !func.chars().all(|c| c.is_alphanumeric() || c == '_')
        {
            return Lookup::BadName;
        }
        match self.files.get(path) {
            None => Lookup::NoFile,
            Some(tests) => match tests.get(func) {
                Some(ignored) => Lookup::Found { ignored: *ignored },
                None => Lookup::NoTest,
            },
        }
    }
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            // Build output and nested workspaces are not part of the crate's sources.
            if name.starts_with("target") || name.starts_with('.') {
                continue;
            }
            collect_rs(&path, out);
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// Files of `[[test]]` targets declared with `harness = false` in `crate_dir/Cargo.toml`:
/// their checks are plain functions called from `main`.
fn harness_false_files(crate_dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let Ok(text) = fs::read_to_string(crate_dir.join("Cargo.toml")) else {
        return out;
    };
    let Ok(manifest) = toml::from_str::<toml::Table>(&text) else {
        return out;
    };
    for t in manifest
        .get("test")
        .and_then(|t| t.as_array())
        .into_iter()
        .flatten()
    {
        if t.get("harness").and_then(|h| h.as_bool()) != Some(false) {
            continue;
        }
        let path = match (
            t.get("path").and_then(|p| p.as_str()),
            t.get("name").and_then(|n| n.as_str()),
        ) {
            (Some(p), _) => crate_dir.join(p),
            (None, Some(n)) => crate_dir.join("tests").join(format!("{n}.rs")),
            (None, None) => continue,
        };
        out.insert(path);
    }
    out
}

/// Blanks out comments and the contents of string and character literals (keeping the
/// quotes and newlines), so that `#[test]` or `fn x` inside them is not taken for code.
pub fn strip_comments_and_strings(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if (c == 'r' || c == 'b') && is_raw_string_start(&b, i) {
            // r"..", r#".."#, br#".."#
            let mut j = i;
            while b[j] != 'r' {
                out.push(b[j]);
                j += 1;
            }
            out.push('r');
            j += 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                out.push('#');
                j += 1;
            }
            out.push('"');
            j += 1;
            loop {
                match b.get(j) {
                    None => break,
                    Some('"') if (1..=hashes).all(|k| b.get(j + k) == Some(&'#')) => {
                        out.push('"');
                        for _ in 0..hashes {
                            out.push('#');
                        }
                        j += 1 + hashes;
                        break;
                    }
                    Some(&ch) => {
                        out.push(blank(ch));
                        j += 1;
                    }
                }
            }
            i = j;
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < b.len() {
                match b[i] {
                    '\\' => {
                        out.push(' ');
                        if let Some(&n) = b.get(i + 1) {
                            out.push(blank(n));
                        }
                        i += 2;
                    }
                    '"' => {
                        out.push('"');
                        i += 1;
                        break;
                    }
                    ch => {
                        out.push(blank(ch));
                        i += 1;
                    }
                }
            }
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F}'), or a lifetime ('a) left as is.
            if let Some(end) = char_literal_end(&b, i) {
                out.push('\'');
                for _ in i + 1..end {
                    out.push(' ');
                }
                out.push('\'');
                i = end + 1;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_raw_string_start(b: &[char], i: usize) -> bool {
    if i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_') {
        return false;
    }
    let mut j = i;
    if b[j] == 'b' {
        j += 1;
        if b.get(j) != Some(&'r') {
            return false;
        }
    }
    j += 1; // past 'r'
    while b.get(j) == Some(&'#') {
        j += 1;
    }
    b.get(j) == Some(&'"')
}

fn char_literal_end(b: &[char], i: usize) -> Option<usize> {
    match b.get(i + 1)? {
        '\\' => {
            let mut j = i + 2;
            while j < b.len() && j < i + 12 {
                if b[j] == '\'' {
                    return Some(j);
                }
                j += 1;
            }
            None
        }
        _ => (b.get(i + 2) == Some(&'\'')).then_some(i + 2),
    }
}

/// Test functions of one source file: `fn`s carrying `#[test]` (also inside `proptest!`
/// blocks, whose cases are written the same way) or `#[tokio::test]`, with whether an
/// `#[ignore]` attribute sits among their attributes.
pub fn find_tests(src: &str) -> BTreeMap<String, bool> {
    let code = strip_comments_and_strings(src);
    let b: Vec<char> = code.chars().collect();
    let mut tests = BTreeMap::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != '#' {
            i += 1;
            continue;
        }
        // A run of outer attributes, then the item they decorate.
        let mut j = i;
        let mut is_test = false;
        let mut ignored = false;
        while let Some((attr, end)) = attribute_at(&b, j) {
            let name: String = attr
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            match name.as_str() {
                "test" | "tokio::test" => is_test = true,
                "ignore" => ignored = true,
                _ => {}
            }
            j = skip_ws(&b, end);
        }
        if j == i {
            i += 1;
            continue;
        }
        if is_test && let Some(name) = fn_name_at(&b, j) {
            tests.insert(name, ignored);
        }
        i = j.max(i + 1);
    }
    tests
}

/// `#[...]` at `i` (not `#![...]`): its inside, trimmed, and the index after `]`.
fn attribute_at(b: &[char], i: usize) -> Option<(String, usize)> {
    if b.get(i) != Some(&'#') {
        return None;
    }
    let open = skip_ws(b, i + 1);
    if b.get(open) != Some(&'[') {
        return None;
    }
    let mut depth = 0;
    let mut j = open;
    while j < b.len() {
        match b[j] {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    let inner: String = b[open + 1..j].iter().collect();
                    let inner: String = inner.split_whitespace().collect::<Vec<_>>().join("");
                    return Some((inner, j + 1));
                }
            }
            _ => {}
        }
        j += 1;
    }
    None
}

fn skip_ws(b: &[char], mut i: usize) -> usize {
    while i < b.len() && b[i].is_whitespace() {
        i += 1;
    }
    i
}

/// The name of the function declared at `i`, after optional qualifiers.
fn fn_name_at(b: &[char], mut i: usize) -> Option<String> {
    loop {
        let word = word_at(b, i);
        match word.as_str() {
            "pub" | "async" | "unsafe" | "const" => {
                i = skip_ws(b, i + word.len());
                if b.get(i) == Some(&'(') {
                    // pub(crate)
                    while i < b.len() && b[i] != ')' {
                        i += 1;
                    }
                    i = skip_ws(b, i + 1);
                }
            }
            "fn" => {
                let start = skip_ws(b, i + 2);
                let name = word_at(b, start);
                return (!name.is_empty()).then_some(name);
            }
            _ => return None,
        }
    }
}

fn word_at(b: &[char], i: usize) -> String {
    b.iter()
        .skip(i)
        .take_while(|c| c.is_alphanumeric() || **c == '_')
        .collect()
}

/// Names of the functions `fn main` calls directly (`name(`), for `harness = false` tests.
pub fn functions_called_from_main(src: &str) -> Vec<String> {
    let code = strip_comments_and_strings(src);
    let Some(start) = code.find("fn main") else {
        return Vec::new();
    };
    let b: Vec<char> = code[start..].chars().collect();
    let Some(open) = b.iter().position(|c| *c == '{') else {
        return Vec::new();
    };
    let mut depth = 0;
    let mut end = open;
    for (k, c) in b.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    end = k;
                    break;
                }
            }
            _ => {}
        }
    }
    let body: String = b[open..end].iter().collect();
    let defined: BTreeSet<String> = find_fn_names(&code);
    let mut out = Vec::new();
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_alphabetic() || chars[i] == '_' {
            let before = i.checked_sub(1).map(|k| chars[k]);
            let w = word_at(&chars, i);
            let after = skip_ws(&chars, i + w.len());
            let is_path_or_method = matches!(before, Some('.') | Some(':'));
            if chars.get(after) == Some(&'(') && !is_path_or_method && defined.contains(&w) && w != "main" {
                out.push(w.clone());
            }
            i += w.len().max(1);
        } else {
            i += 1;
        }
    }
    out
}

fn find_fn_names(code: &str) -> BTreeSet<String> {
    let b: Vec<char> = code.chars().collect();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i + 2 < b.len() {
        let boundary = i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_');
        if boundary && b[i] == 'f' && b[i + 1] == 'n' && b[i + 2].is_whitespace() {
            let name = word_at(&b, skip_ws(&b, i + 2));
            if !name.is_empty() {
                out.insert(name);
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_tests_and_ignores_and_skips_comments_and_strings() {
        let src = r##"
            #[test]
            fn plain() {}
            #[test]
            #[ignore = "engine bug: x"]
            fn ignored_after() {}
            #[ignore]
            #[test]
            fn ignored_before() {}
            #[cfg_attr(miri, ignore)]
            #[test]
            fn cfg_attr_is_not_an_ignore() {}
            // #[test]
            // fn in_a_comment() {}
            /* #[test] fn in_a_block_comment() {} */
            const S: &str = "#[test] fn in_a_string() {}";
            const R: &str = r#"#[test] fn in_a_raw_string() {}"#;
            fn helper(x: char) -> bool { x == '"' || x == '#' }
            #[test] pub async fn qualified() {}
            proptest! {
                #[test]
                fn inside_proptest(x in 0..3u8) {}
            }
            #[tokio::test]
            async fn tokio_test() {}
            fn not_a_test() {}
        "##;
        let t = find_tests(src);
        let names: Vec<_> = t.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "cfg_attr_is_not_an_ignore",
                "ignored_after",
                "ignored_before",
                "inside_proptest",
                "plain",
                "qualified",
                "tokio_test"
            ]
        );
        assert!(t["ignored_after"] && t["ignored_before"]);
        assert!(!t["plain"] && !t["cfg_attr_is_not_an_ignore"]);
    }

    #[test]
    fn main_calls_count_for_harness_false_files() {
        let src = "fn main() { checks_a(); x.checks_b(); std::mem::drop(1); println!(\"c()\"); }\n\
                   fn checks_a() {}\nfn checks_b() {}\n";
        assert_eq!(functions_called_from_main(src), ["checks_a"]);
    }

    #[test]
    fn splice_replaces_only_the_block() {
        let block = format!("{BEGIN_MARKER}\nnew\n{END_MARKER}\n");
        let readme = format!(
            "top\n<!-- matrix:begin -->\nm\n<!-- matrix:end -->\n{BEGIN_MARKER}\nold\n{END_MARKER}\ntail\n"
        );
        let out = splice(&readme, &block).unwrap();
        assert_eq!(
            out,
            format!("top\n<!-- matrix:begin -->\nm\n<!-- matrix:end -->\n{block}tail\n")
        );
        assert_eq!(current_block(&out), Some(block.as_str()));
        assert_eq!(splice("intro\n", &block).unwrap(), format!("intro\n\n{block}"));
        assert!(splice(&format!("{END_MARKER}\n{BEGIN_MARKER}\n"), &block).is_err());
    }

    #[test]
    fn test_names_resolve_exactly() {
        let mut index = TestIndex::default();
        index.files.insert(
            "dtls/tests/a.rs".into(),
            BTreeMap::from([("t".to_string(), false), ("skipped".to_string(), true)]),
        );
        assert_eq!(
            index.lookup("dtls/tests/a.rs::t"),
            Lookup::Found { ignored: false }
        );
        assert_eq!(
            index.lookup("dtls/tests/a.rs::skipped"),
            Lookup::Found { ignored: true }
        );
        assert_eq!(index.lookup("dtls/tests/a.rs::u"), Lookup::NoTest);
        assert_eq!(index.lookup("dtls/tests/b.rs::t"), Lookup::NoFile);
        assert_eq!(index.lookup("t"), Lookup::BadName);
        assert_eq!(index.lookup("dtls/tests/a.rs::t()"), Lookup::BadName);
    }
}
