//! Tidy: checks what can be checked of `docs/ARCHITECTURE.md`'s invariants and of the format docs,
//! by reading the sources as text (no parsing of Rust, no dependencies).
//!
//! The checks are deliberately simple heuristics: lines whose first non-blank characters are `//`
//! are comments and ignored, and "test code" is everything from the first line that reads
//! `#[cfg(test)]` to the end of a file, and all of a file named `tests.rs`. Each failure names the file and line and says what to do.

use std::fs;
use std::path::{Path, PathBuf};

/// The crate's root folder.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One `.rs` file under `src/`.
struct Source {
    /// Path relative to the crate root, with `/` separators: `src/vault/header.rs`.
    rel: String,
    text: String,
}

impl Source {
    /// Lines that are not comment lines, with their 1-based numbers.
    fn code_lines(&self) -> impl Iterator<Item = (usize, &str)> {
        self.text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim_start().starts_with("//"))
    }

    /// Like [`Source::code_lines`], but stops at the first `#[cfg(test)]` line; a module's
    /// `tests.rs` (declared `#[cfg(test)] mod tests;`) is test code throughout.
    fn non_test_code_lines(&self) -> impl Iterator<Item = (usize, &str)> {
        let tests = self.rel.ends_with("/tests.rs");
        self.code_lines().take_while(move |(_, l)| !tests && l.trim() != "#[cfg(test)]")
    }

    fn is_under(&self, prefix: &str) -> bool {
        if prefix.ends_with('/') {
            self.rel.starts_with(prefix)
        } else {
            self.rel == prefix
        }
    }
}

/// Every `.rs` file under `src/`, sorted by path.
fn sources() -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("tidy: cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap_or_else(|e| panic!("tidy: cannot list {}: {e}", dir.display())).path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    let root = root();
    let mut paths = Vec::new();
    walk(&root.join("src"), &mut paths);
    let mut files: Vec<Source> = paths
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .expect("under the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("tidy: cannot read {rel}: {e}"));
            Source { rel, text }
        })
        .collect();
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    assert!(files.len() > 10, "tidy found only {} files under src/: is CARGO_MANIFEST_DIR right?", files.len());
    files
}

fn source(rel: &str) -> Source {
    let text = fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("tidy: cannot read {rel}: {e}"));
    Source { rel: rel.to_string(), text }
}

fn doc(rel: &str) -> String {
    fs::read_to_string(root().join(rel)).unwrap_or_else(|e| {
        panic!("tidy: cannot read {rel} ({e}); it is part of the documented architecture, restore it")
    })
}

/// Whether `line` contains `pat` at a token start (not preceded by a letter, digit or `_`), so
/// that `fs::` does not match `prefs::` and `println!` does not match `eprintln!`.
fn has_token(line: &str, pat: &str) -> bool {
    let mut from = 0;
    while let Some(i) = line[from..].find(pat) {
        let at = from + i;
        let before = line[..at].chars().next_back();
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return true;
        }
        from = at + pat.len();
    }
    false
}

/// Fails with every violation listed, one per line.
fn report(violations: Vec<String>, what_to_do: &str) {
    if !violations.is_empty() {
        panic!("\n{}\n\n{} violation(s). {what_to_do}\n", violations.join("\n"), violations.len());
    }
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let mut bad = Vec::new();
    for f in sources() {
        match f.text.lines().enumerate().find(|(_, l)| !l.trim().is_empty()) {
            Some((_, l)) if l.starts_with("//!") => {}
            Some((i, _)) => bad.push(format!("{}:{}: the first line is not a `//!` module doc", f.rel, i + 1)),
            None => bad.push(format!("{}:1: the file is empty", f.rel)),
        }
    }
    report(
        bad,
        "Start each file with `//!` lines saying what the module is for and what it must not do (STYLE.md, point 10).",
    );
}

#[test]
fn time_and_randomness_come_only_from_entropy() {
    let mut bad = Vec::new();
    for f in sources().iter().filter(|f| f.rel != "src/entropy.rs") {
        for (n, line) in f.code_lines() {
            for pat in ["SystemTime::now", "getrandom::"] {
                if line.contains(pat) {
                    bad.push(format!("{}:{n}: `{pat}` outside src/entropy.rs: {}", f.rel, line.trim()));
                }
            }
        }
    }
    report(
        bad,
        "Take an `entropy::Clock` or `entropy::Entropy` as a parameter instead, so tests and sync stay deterministic.",
    );
}

/// Crypto and format code: bytes in, bytes out. Paths ending in `/` are folders.
const PURE: &[&str] = &[
    "src/vault/header.rs",
    "src/vault/keyslot.rs",
    "src/secret.rs",
    "src/base32.rs",
    "src/hex.rs",
    "src/fold/",
    "src/store/clocks.rs",
    "src/store/hlc.rs",
    "src/store/merge.rs",
    "src/model/",
    "src/sync/format/mod.rs",
    "src/sync/format/delta.rs",
    "src/sync/format/body.rs",
    "src/sync/format/invite.rs",
    "src/sync/high_water.rs",
    "src/sync/seal.rs",
    "src/sync/rules.rs",
    "src/sync/words.rs",
    "src/sync/auto.rs",
    "src/sync/plan.rs",
    "src/sync/roster/",
    "src/export/bundle.rs",
    "src/export/layout.rs",
    "src/export/crypt.rs",
    "src/export/manifest.rs",
    "src/export/sshsig.rs",
    "src/export/redact.rs",
    "src/export/schema.rs",
];
const IO_PATTERNS: &[&str] = &["std::fs", "fs::", "File::", "OpenOptions", "rusqlite", "println!", "eprintln!"];

#[test]
fn pure_modules_do_no_io() {
    let files = sources();
    let mut bad = Vec::new();
    for pure in PURE {
        let matching: Vec<&Source> = files.iter().filter(|f| f.is_under(pure)).collect();
        if matching.is_empty() {
            bad.push(format!(
                "{pure}: listed as a pure module in tests/tidy.rs but not found; update PURE and docs/ARCHITECTURE.md"
            ));
        }
        for f in matching {
            for (n, line) in f.code_lines() {
                for pat in IO_PATTERNS.iter().filter(|p| has_token(line, p)) {
                    bad.push(format!("{}:{n}: `{pat}` in a pure module: {}", f.rel, line.trim()));
                }
            }
        }
    }
    report(
        bad,
        "Crypto, format and merge code takes bytes (or Read/Write) and returns values; move the file-system, database or terminal IO to its caller (vault/mod.rs, the store, the CLI).",
    );
}

#[test]
fn the_core_never_prints() {
    let mut bad = Vec::new();
    for f in sources().iter().filter(|f| !f.is_under("src/cli/") && !f.is_under("src/bench.rs")) {
        for (n, line) in f.code_lines() {
            for pat in ["println!", "eprintln!", "print!", "eprint!", "dbg!"] {
                if has_token(line, pat) {
                    bad.push(format!("{}:{n}: `{pat}` in the core: {}", f.rel, line.trim()));
                }
            }
        }
    }
    report(bad, "The core returns values and errors; only src/cli/ (and the bench, through its `Write`) prints. Return the text instead.");
}

#[test]
fn secrets_cannot_be_printed_or_serialised() {
    const SECRETS: &[&str] = &["DataKey", "Passphrase", "RecoveryKey"];
    let secret = source("src/secret.rs");
    let lines: Vec<&str> = secret.text.lines().collect();
    let mut bad = Vec::new();
    for name in SECRETS {
        let decl = lines.iter().position(|l| {
            let l = l.trim_start().trim_start_matches("pub ").trim_start_matches("pub(crate) ");
            l.strip_prefix("struct ").is_some_and(|rest| {
                rest.starts_with(name) && !rest[name.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
            })
        });
        let Some(decl) = decl else {
            bad.push(format!("src/secret.rs: `struct {name}` not found; if it moved, update SECRETS in tests/tidy.rs and docs/ARCHITECTURE.md"));
            continue;
        };
        // The attributes and doc lines directly above the declaration.
        let attrs: Vec<(usize, &str)> = (0..decl)
            .rev()
            .map(|i| (i, lines[i].trim()))
            .take_while(|(_, l)| l.starts_with("#[") || l.starts_with("///"))
            .collect();
        for (i, l) in &attrs {
            if l.starts_with("#[") && l.contains("derive(") {
                for tr in ["Debug", "Serialize"] {
                    if has_token(l, tr) {
                        bad.push(format!("src/secret.rs:{}: `{name}` derives `{tr}`: {l}", i + 1));
                    }
                }
            }
        }
        if !attrs.iter().any(|(_, l)| l.starts_with("#[") && has_token(l, "ZeroizeOnDrop")) {
            bad.push(format!("src/secret.rs:{}: `{name}` does not derive `ZeroizeOnDrop`", decl + 1));
        }
    }
    for f in sources() {
        for (n, line) in f.code_lines() {
            if !has_token(line, "impl") {
                continue;
            }
            for name in SECRETS {
                let Some(at) = line.find(&format!(" for {name}")) else { continue };
                let after = &line[at + 5 + name.len()..];
                if after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                for tr in ["Debug", "Display", "Serialize"] {
                    if has_token(&line[..at], tr) {
                        bad.push(format!("{}:{n}: `{tr}` implemented for the secret `{name}`: {}", f.rel, line.trim()));
                    }
                }
            }
        }
    }
    report(bad, "Secrets must never be printable or serialisable by accident: remove the derive/impl (and keep `ZeroizeOnDrop`). Show a secret only through a deliberate method such as `RecoveryKey::display_groups`.");
}

#[test]
fn no_unwrap_outside_tests() {
    let mut bad = Vec::new();
    for f in sources() {
        for (n, line) in f.non_test_code_lines() {
            if line.contains(".unwrap()") {
                bad.push(format!("{}:{n}: `.unwrap()` outside #[cfg(test)]: {}", f.rel, line.trim()));
            }
        }
    }
    report(
        bad,
        "Return an `Error` (hostile input must give a clear error, never a panic), or, for an invariant the code itself guarantees, use `.expect(\"why it cannot fail\")`.",
    );
}

/// The Markdown heading level of a line (`### x` → 3), or 0 for a line that is not a heading.
fn heading_level(line: &str) -> usize {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    if hashes > 0 && line[hashes..].starts_with(' ') {
        hashes
    } else {
        0
    }
}

/// The lines of `text` after the heading line `heading`, up to the next heading of the same or a
/// higher level.
fn section<'a>(text: &'a str, heading: &str) -> Option<Vec<(usize, &'a str)>> {
    let level = heading_level(heading);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    lines.find(|(_, l)| l.trim_end() == heading)?;
    Some(lines.take_while(|(_, l)| !(1..=level).contains(&heading_level(l))).collect())
}

/// Backticked spans of a line: "`src/a.rs` and `b`" → ["src/a.rs", "b"].
fn backticked(line: &str) -> Vec<&str> {
    line.split('`').skip(1).step_by(2).collect()
}

#[test]
fn architecture_code_map_matches_src() {
    const DOC: &str = "docs/ARCHITECTURE.md";
    let text = doc(DOC);
    let Some(map) = section(&text, "## Code Map") else {
        panic!("{DOC}: no `## Code Map` section; the code map is what this test keeps true, restore it");
    };
    let mut bad = Vec::new();
    let mut named: Vec<&str> = Vec::new();
    for (n, line) in &map {
        for span in backticked(line).into_iter().filter(|s| s.starts_with("src/")) {
            named.push(span);
            let path = root().join(span.trim_end_matches('/'));
            let exists = if span.ends_with('/') { path.is_dir() } else { path.is_file() };
            if !exists {
                bad.push(format!("{DOC}:{n}: the code map names `{span}`, which does not exist"));
            }
        }
    }
    for f in sources() {
        if !named.contains(&f.rel.as_str()) {
            bad.push(format!("{}: not in the code map of {DOC}", f.rel));
        }
    }
    report(bad, "Keep the code map true: describe each new file in `## Code Map` (as `src/…` in backticks, with what it owns), and remove files that are gone.");
}

/// A record kind parsed from `src/model/mod.rs`.
struct Table {
    code: u32,
    name: String,
    line: usize,
    fields: Vec<(u32, String, usize)>,
}

/// The number and the quoted name of `…N, "name"…` or `…N, name: "name"…` starting at `s`.
fn code_and_name(s: &str) -> Option<(u32, String)> {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let code = digits.parse().ok()?;
    let rest = s[digits.len()..].trim_start().strip_prefix(',')?.trim_start();
    let rest = rest.strip_prefix("name:").map(str::trim_start).unwrap_or(rest);
    let name = rest.strip_prefix('"')?.split('"').next()?;
    Some((code, name.to_string()))
}

/// One field definition per line: `FieldDef { code: N, name: "x", … }`, `text(N, "x", …)` or
/// `field(N, "x", …)`.
fn parse_field(line: &str) -> Option<(u32, String)> {
    let l = line.trim();
    if let Some(rest) = l.strip_prefix("FieldDef {") {
        return code_and_name(rest.trim_start().strip_prefix("code:")?.trim_start());
    }
    for helper in ["text(", "field("] {
        if let Some(rest) = l.strip_prefix(helper) {
            return code_and_name(rest);
        }
    }
    None
}

fn model_tables() -> (Vec<Table>, Vec<String>) {
    let model = source("src/model/mod.rs");
    let lines: Vec<(usize, &str)> = model.non_test_code_lines().collect();
    let mut tables = Vec::new();
    let mut problems = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (n, line) = lines[i];
        i += 1;
        if !line.contains(": TableDef = TableDef {") {
            continue;
        }
        let mut table = Table { code: u32::MAX, name: String::new(), line: n, fields: Vec::new() };
        // Header fields up to `fields: &[`, then one field per line up to `],`.
        while i < lines.len() {
            let (n, l) = lines[i];
            i += 1;
            let t = l.trim();
            if let Some(c) = t.strip_prefix("code:") {
                table.code = c.trim().trim_end_matches(',').parse().unwrap_or(u32::MAX);
            } else if let Some(name) = t.strip_prefix("table:") {
                table.name = name.trim().trim_end_matches(',').trim_matches('"').to_string();
            } else if t.starts_with("fields: &[") {
                break;
            } else if t == "};" {
                problems.push(format!("src/model/mod.rs:{n}: a TableDef without `fields: &[`"));
                break;
            }
        }
        while i < lines.len() {
            let (n, l) = lines[i];
            i += 1;
            let t = l.trim();
            if t.starts_with("],") || t == "]" {
                break;
            }
            if t.is_empty() {
                continue;
            }
            match parse_field(t) {
                Some((code, name)) => table.fields.push((code, name, n)),
                None => problems.push(format!(
                    "src/model/mod.rs:{n}: tidy cannot read this field definition: {t}\n    (write one `FieldDef {{ code: N, name: \"x\", … }}`, `text(N, \"x\", …)` or `field(N, \"x\", …)` per line, or teach tests/tidy.rs the new form)"
                )),
            }
        }
        if table.code == u32::MAX || table.name.is_empty() {
            problems.push(format!(
                "src/model/mod.rs:{}: tidy cannot read this TableDef's `code:` and `table:` lines",
                table.line
            ));
        }
        tables.push(table);
    }
    if tables.len() < 4 {
        problems.push(format!("src/model/mod.rs: tidy found only {} TableDefs (expected cases, events, tasks, notes); teach tests/tidy.rs the new form", tables.len()));
    }
    (tables, problems)
}

#[test]
fn database_doc_lists_every_table_and_field_code() {
    const DOC: &str = "docs/formats/database.md";
    let text = doc(DOC);
    let (tables, mut bad) = model_tables();
    for t in &tables {
        let heading = text.lines().find(|l| {
            l.starts_with('#')
                && l.contains(&format!("`{}`", t.name))
                && l.contains(&format!("(table code {})", t.code))
        });
        let Some(heading) = heading else {
            bad.push(format!(
                "src/model/mod.rs:{}: table `{}` (code {}) has no section in {DOC}; add a heading like \"### `{}` (table code {})\" with a row per field",
                t.line, t.name, t.code, t.name, t.code
            ));
            continue;
        };
        let rows = section(&text, heading.trim_end()).unwrap_or_default();
        let has_row = |code: u32, name: &str| {
            rows.iter().any(|(_, l)| l.replace(' ', "").starts_with(&format!("|{code}|`{name}`|")))
        };
        if !has_row(0, "deleted") {
            bad.push(format!("{DOC}: section `{}` lacks the tombstone row `| 0 | `deleted` | …`", t.name));
        }
        for (code, name, line) in &t.fields {
            if !has_row(*code, name) {
                bad.push(format!("src/model/mod.rs:{line}: field `{name}` (code {code}) of `{}` has no row `| {code} | `{name}` | …` in its section of {DOC}", t.name));
            }
        }
    }
    report(bad, "The table and field codes are the change log's and sync's wire vocabulary: document every one in docs/formats/database.md (and never renumber or reuse a code).");
}

/// The value of `pub const NAME: T = value;` in `rel`.
fn const_value(rel: &str, name: &str) -> String {
    let f = source(rel);
    let prefix = format!("pub const {name}:");
    let value = f.code_lines().find_map(|(_, l)| {
        l.trim()
            .strip_prefix(&prefix)
            .and_then(|r| r.split('=').nth(1))
            .map(|v| v.trim().trim_end_matches(';').trim().to_string())
    });
    value.unwrap_or_else(|| panic!("{rel}: `{prefix} … = …;` not found; update tests/tidy.rs if it moved"))
}

#[test]
fn format_docs_carry_the_version_of_the_code() {
    let mut bad = Vec::new();
    for (doc_rel, tag, src_rel, constant) in [
        ("docs/formats/vault.md", "casebook-vault", "src/vault/header.rs", "FORMAT_VERSION"),
        ("docs/formats/database.md", "casebook-database", "src/store/schema.rs", "VERSION"),
        ("docs/formats/delta.md", "casebook-sync", "src/sync/format/delta.rs", "DELTA_V2"),
        ("docs/formats/roster.md", "casebook-roster", "src/sync/roster/entry.rs", "ROSTER_V2"),
        ("docs/formats/bundle.md", "casebook-bundle", "src/export/cases.rs", "VERSION"),
    ] {
        let version = const_value(src_rel, constant);
        let want = format!("Format: {tag} v{version}");
        let first = doc(doc_rel).lines().next().unwrap_or_default().trim().to_string();
        if first != want {
            bad.push(format!("{doc_rel}:1: reads `{first}`, but {src_rel} has {constant} = {version}; the first line must be `{want}`"));
        }
    }
    report(bad, "When a format version changes, update its spec in docs/formats/ (the changed sections and the `Format:` line) in the same change.");
}

#[test]
fn every_derived_key_label_is_documented() {
    let vault_doc = doc("docs/formats/vault.md");
    // Keys of sync derive from the group key, not the data key: their labels belong to the
    // sync format.
    let delta_doc = doc("docs/formats/delta.md");
    let roster_doc = doc("docs/formats/roster.md");
    let mut bad = Vec::new();
    let mut found = 0;
    for f in sources() {
        for (n, line) in f.non_test_code_lines() {
            for piece in line.split('"').skip(1).step_by(2) {
                let is_label = piece
                    .strip_prefix("casebook/v")
                    .is_some_and(|r| r.split('/').count() == 2 && r.starts_with(|c: char| c.is_ascii_digit()));
                if !is_label {
                    continue;
                }
                found += 1;
                // Sync's labels are in its two formats: deltas, and the roster (membership).
                let sync_docs = format!("{delta_doc}\n{roster_doc}");
                let (spec, name) = if f.rel.starts_with("src/sync/") {
                    (&sync_docs, "docs/formats/delta.md or docs/formats/roster.md")
                } else {
                    (&vault_doc, "docs/formats/vault.md")
                };
                if !spec.contains(&format!("`{piece}`")) {
                    bad.push(format!("{}:{n}: the key label `{piece}` is not documented in {name}", f.rel));
                }
            }
        }
    }
    if found == 0 {
        bad.push(
            "src/: no `casebook/vN/…` key label found at all; if labels moved to another form, update tests/tidy.rs"
                .into(),
        );
    }
    report(bad, "Every key derived from the data key is part of the vault format: list its label and use in docs/formats/vault.md, section 3.3.");
}

/// Every key that `model::input` accepts inside a compound value (`object(key, item, &[…])`)
/// has a class in `model::reveals::SUBFIELDS`, so redaction never passes an unclassified part.
#[test]
fn every_part_of_a_compound_field_is_classified() {
    let input = source("src/model/input.rs");
    let reveals = source("src/model/reveals.rs");
    let mut bad = Vec::new();
    let mut seen = 0;
    for (n, line) in input.code_lines() {
        let Some(rest) = line.split("object(key, item, &[").nth(1) else { continue };
        let list = rest.split(']').next().unwrap_or_default();
        for part in list.split(',').map(|p| p.trim().trim_matches('"')).filter(|p| !p.is_empty()) {
            seen += 1;
            if !reveals.code_lines().any(|(_, l)| l.contains(&format!(", \"{part}\", Reveals::"))) {
                bad.push(format!("src/model/input.rs:{n}: the part `{part}` of a compound field has no class in src/model/reveals.rs SUBFIELDS"));
            }
        }
    }
    assert!(seen >= 8, "tidy found only {seen} parts of compound fields in src/model/input.rs; teach it the new form");
    report(bad, "Classify each part of a compound field in `SUBFIELDS` (src/model/reveals.rs): until then, redacted bundles leave it out.");
}
