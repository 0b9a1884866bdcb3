//! Helpers of the hostile-share tests (`tests/sync_hostile.rs`, `tests/sync_hostile_members.rs`).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use casebook::entropy::Clock;
use casebook::store::read::CaseFilter;
use casebook::store::Store;
use casebook::sync::engine::{self, SyncReport};

use super::*;

/// `<share>/<device>/`.
pub fn folder(share: &Path, r: &Replica) -> PathBuf {
    share.join(dev_hex(r))
}

pub fn cases(store: &Store) -> u64 {
    store.count_cases(&CaseFilter::default()).unwrap()
}

/// `engine::sync` without moving the clock (the replica's `sync` moves it).
pub fn sync_now(r: &mut Replica) -> SyncReport {
    engine::sync(&mut r.store).unwrap()
}

pub fn problem_of<'a>(report: &'a SyncReport, file: &str) -> Option<&'a str> {
    report.problems.iter().find(|p| p.file == file).map(|p| p.problem.as_str())
}

/// `n` cases, each with a note, so that a delta carries a few changes.
pub fn add_cases(r: &mut Replica, prefix: &str, n: usize) {
    for i in 0..n {
        let id = r.store.add_case(&case_json(&format!("{prefix} {i}"))).unwrap();
        r.store.add_note(id.as_bytes(), &format!("note {i} of {prefix}")).unwrap();
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A second vault with the same database as `r` (same device, same signing key): as if the
/// vault folder had been copied to another machine. `r`'s store is closed for the copy.
pub fn clone_vault(r: &mut Replica, to: &Path) -> Replica {
    let placeholder = open_store(&r.dir.join("placeholder"), r.seed, r.clock.clone());
    drop(std::mem::replace(&mut r.store, placeholder));
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(&r.dir).unwrap().flatten() {
        if e.file_type().unwrap().is_file() && e.file_name().to_string_lossy().starts_with("casebook.db") {
            fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
    r.store = open_store(&r.dir, r.seed, r.clock.clone());
    let clock = TestClock(Arc::new(AtomicU64::new(r.clock.now_ms())));
    Replica { store: open_store(to, r.seed, clock.clone()), clock, dir: to.to_path_buf(), seed: r.seed }
}

/// Runs `f`, turning a panic into an error that names the case.
pub fn no_panic<T>(case: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|e| {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{case}: panicked: {msg}")
    })
}
