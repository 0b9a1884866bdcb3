//! Tidy: the store's wall. The store's connection is private to `src/store/`; everything else
//! reads and writes through store methods. Sync keeps tables of its own (`shares`, `sync_*`,
//! its keys in `meta`), reached through one door, `sync_tables()`, that only
//! `src/sync/engine/state.rs` opens, and that module's SQL writes none of the store's tables.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (path relative to the root, text) of every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<(String, String)>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("tidy: cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("tidy: cannot list {}: {e}", dir.display())).path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let rel = path.strip_prefix(root()).expect("under the root").to_string_lossy().replace('\\', "/");
            let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("tidy: cannot read {rel}: {e}"));
            out.push((rel, text));
        }
    }
}

const STATE: &str = "src/sync/engine/state.rs";
/// The SQL of membership, beside it and under the same rules.
const ROSTER_STATE: &str = "src/sync/engine/roster_db.rs";

#[test]
fn the_store_connection_is_private_to_the_store() {
    let store = fs::read_to_string(root().join("src/store/mod.rs")).expect("src/store/mod.rs");
    let decl: Vec<&str> = store.lines().filter(|l| l.trim_end().ends_with("conn: Connection,")).collect();
    assert_eq!(
        decl.iter().map(|l| l.trim()).collect::<Vec<_>>(),
        ["conn: Connection,"],
        "src/store/mod.rs: `Store` must declare its connection once and without `pub`: everything outside \
         src/store/ goes through store methods (add one there)"
    );
}

#[test]
fn only_sync_state_opens_the_door_to_sync_tables() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    rust_files(&root().join("src-tauri/src"), &mut files);
    assert!(files.len() > 50, "tidy found only {} files: is CARGO_MANIFEST_DIR right?", files.len());
    let bad: Vec<String> = files
        .iter()
        .filter(|(rel, _)| !rel.starts_with("src/store/") && rel != STATE && rel != ROSTER_STATE)
        .flat_map(|(rel, text)| {
            text.lines()
                .enumerate()
                .filter(|(_, l)| l.contains("sync_tables()") || l.contains(".tx()"))
                .map(move |(n, l)| format!("{rel}:{}: {}", n + 1, l.trim()))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "only {STATE} may reach sync's tables through `sync_tables()`, and only the store uses a writer's \
         transaction; give the store a method instead:\n{}",
        bad.join("\n")
    );
}

/// The tables that sync's SQL may write.
fn sync_owns(table: &str) -> bool {
    table == "shares" || table == "meta" || table.starts_with("sync_")
}

#[test]
fn sync_state_writes_only_sync_tables() {
    for file in [STATE, ROSTER_STATE] {
        writes_only_sync_tables(file);
    }
}

fn writes_only_sync_tables(file: &str) {
    let text = fs::read_to_string(root().join(file)).expect(file);
    let mut bad = Vec::new();
    let mut writes = 0;
    for (n, line) in text.lines().enumerate() {
        for verb in ["INSERT INTO ", "INSERT OR REPLACE INTO ", "INSERT OR IGNORE INTO ", "UPDATE ", "DELETE FROM "] {
            for (at, _) in line.match_indices(verb) {
                if line[..at].ends_with("DO ") {
                    continue; // an upsert's `DO UPDATE SET` of the row it inserts
                }
                let table: String =
                    line[at + verb.len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                writes += 1;
                if !sync_owns(&table) {
                    bad.push(format!("{file}:{}: writes `{table}`", n + 1));
                }
                if table == "meta" && !line.contains("'high_water_") {
                    bad.push(format!("{file}:{}: writes a `meta` key that is not sync's (`high_water_*`)", n + 1));
                }
            }
        }
    }
    assert!(writes > 5, "tidy found only {writes} writes in {file}: did its SQL move?");
    assert!(
        bad.is_empty(),
        "sync's SQL writes a table of the store's; add a store method instead:\n{}",
        bad.join("\n")
    );
}
