//! Tidy: no source file grows past what a person reads in one sitting (600 lines). A file over
//! it is named in [`ALLOWED`] with its length today; the list can only shrink: a listed file
//! that grew fails, and one that shrank must lower its number (or leave the list).

use std::fs;
use std::path::{Path, PathBuf};

const LIMIT: usize = 600;

/// Files over the limit, with the most lines each may have, and why it is still long.
const ALLOWED: &[(&str, usize, &str)] = &[];

/// Where sources live, and the folders inside them that are not ours (or are generated).
const ROOTS: &[&str] = &[
    "src",
    "src-tauri/src",
    "src-tauri/build.rs",
    "tests",
    "benches",
    "fuzz/fuzz_targets",
    "scripts",
    "ui/src",
    "e2e",
];
const SKIP: &[&str] = &["node_modules", "target", "dist", "gen", "vectors", "screenshots"];
const EXTENSIONS: &[&str] = &["rs", "ts", "svelte", "sh", "js", "mjs", "py"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn walk(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = fs::read_dir(path) else { return };
    for entry in entries.flatten() {
        let p = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if p.is_dir() {
            if !SKIP.contains(&name.as_str()) && !name.starts_with('.') {
                walk(&p, out);
            }
        } else if p.extension().is_some_and(|x| EXTENSIONS.contains(&x.to_string_lossy().as_ref())) {
            out.push(p);
        }
    }
}

/// (path relative to the root, lines) of every source file.
fn lengths() -> Vec<(String, usize)> {
    let root = root();
    let mut paths = Vec::new();
    for r in ROOTS {
        walk(&root.join(r), &mut paths);
    }
    let mut out: Vec<(String, usize)> = paths
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).expect("under the root").to_string_lossy().replace('\\', "/");
            let text = fs::read_to_string(p).unwrap_or_default();
            (rel, text.lines().count())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn no_source_file_is_longer_than_one_sitting() {
    let files = lengths();
    assert!(files.len() > 100, "tidy found only {} source files: is CARGO_MANIFEST_DIR right?", files.len());
    assert!(files.iter().any(|(p, _)| p.ends_with(".svelte")), "the UI's sources were not found");
    let mut violations = Vec::new();
    for (path, lines) in &files {
        match ALLOWED.iter().find(|(p, _, _)| p == path) {
            None if *lines > LIMIT => violations.push(format!(
                "{path}: {lines} lines, over {LIMIT}: split it by what its parts do (see STYLE.md), do not list it"
            )),
            Some((_, allowed, _)) if lines > allowed => {
                violations.push(format!("{path}: {lines} lines, more than the {allowed} it is allowed: split it"))
            }
            Some((_, allowed, _)) if lines < allowed => violations.push(format!(
                "{path}: {lines} lines, fewer than the {allowed} listed: lower its number in ALLOWED{}",
                if *lines <= LIMIT { " (or remove it: it is within the limit now)" } else { "" }
            )),
            _ => {}
        }
    }
    for (p, _, _) in ALLOWED {
        if !files.iter().any(|(f, _)| f == p) {
            violations.push(format!("{p} is listed in ALLOWED but does not exist: remove it from the list"));
        }
    }
    if !violations.is_empty() {
        panic!("\n{}\n\n{} file(s) break the size rule.\n", violations.join("\n"), violations.len());
    }
}
