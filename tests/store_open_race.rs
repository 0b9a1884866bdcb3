//! SQLCipher finishes its own initialisation after SQLite marks itself initialised, so threads
//! opening their first connections at the same moment once failed their `PRAGMA key`. The race
//! exists only at process start, so the test starts fresh processes: this test binary itself,
//! running only `child_opens_eight_vaults_at_once`.

use std::process::Command;
use std::sync::{Arc, Barrier};

use casebook::store::{open_connection, DbKey};
use casebook::vault::header::DbCipher;

const CHILD_DIR: &str = "CASEBOOK_OPEN_RACE_DIR";
/// Measured without the fix: 4 failing starts in 300; with it, none.
const STARTS: usize = 300;

#[test]
fn threads_opening_vaults_at_process_start_all_open_them() {
    let exe = std::env::current_exe().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for start in 0..STARTS {
        let dir = tmp.path().join(start.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new(&exe)
            .args(["--exact", "child_opens_eight_vaults_at_once", "--ignored", "--quiet", "--test-threads=1"])
            .env(CHILD_DIR, &dir)
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!("start {start}: {}", String::from_utf8_lossy(&out.stdout)));
        }
    }
    assert!(failures.is_empty(), "{} of {STARTS} starts failed:\n{}", failures.len(), failures.join("\n"));
}

/// Run only by the test above, in a fresh process.
#[test]
#[ignore = "run in a child process by threads_opening_vaults_at_process_start_all_open_them"]
fn child_opens_eight_vaults_at_once() {
    let dir = std::path::PathBuf::from(std::env::var_os(CHILD_DIR).expect("run by the parent test"));
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let path = dir.join(format!("{t}.db"));
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                open_connection(&path, DbKey::Raw(&[7u8; 32], DbCipher::default()))
                    .map(drop)
                    .map_err(|e| format!("{e:?}"))
            })
        })
        .collect();
    let errors: Vec<String> = threads.into_iter().filter_map(|t| t.join().unwrap().err()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}
