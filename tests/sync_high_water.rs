//! The high-water mark (docs/formats/delta.md section 10): a vault restored from a backup
//! while its share is behind too (a week-old USB stick, a sync tool not caught up) cannot see
//! on the share that it wrote more than it remembers. Its mark, kept outside the vault folder,
//! says so before it writes: it continues under a new identity, and when the share catches up
//! nothing is lost and no delta number was written twice.

mod sync_common;

use std::fs;
use std::path::Path;

use casebook::sync::engine::SyncReport;
use sync_common::*;

fn copy_db(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if e.file_type().unwrap().is_file() && name.starts_with("casebook.db") && !name.ends_with("sync-lock") {
            fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

/// Closes `r`'s store, copies its database to `backup`, opens it again.
fn back_up(r: &mut Replica, backup: &Path, marks: &Path) {
    let placeholder = open_store(&r.dir.join("placeholder"), r.seed, r.clock.clone());
    drop(std::mem::replace(&mut r.store, placeholder));
    copy_db(&r.dir, backup);
    r.store = open_store(&r.dir, r.seed, r.clock.clone());
    r.store.keep_high_water_in(marks.to_path_buf());
}

/// Replaces `r`'s database by the backup (the laptop restored), with the same marks folder.
fn restore(r: &mut Replica, backup: &Path, marks: &Path) {
    let placeholder = open_store(&r.dir.join("placeholder"), r.seed, r.clock.clone());
    drop(std::mem::replace(&mut r.store, placeholder));
    for e in fs::read_dir(&r.dir).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with("casebook.db") {
            fs::remove_file(e.path()).unwrap();
        }
    }
    copy_db(backup, &r.dir);
    r.store = open_store(&r.dir, r.seed, r.clock.clone());
    r.store.keep_high_water_in(marks.to_path_buf());
}

fn kinds(report: &SyncReport) -> Vec<&str> {
    report.alarms.iter().map(|a| a.kind.as_str()).collect()
}

struct Setup {
    _tmp: tempfile::TempDir,
    root: std::path::PathBuf,
    share: std::path::PathBuf,
    marks: std::path::PathBuf,
    rs: Vec<Replica>,
    case: uuid::Uuid,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let share = root.join("share");
    let marks = root.join("state").join("high-water");
    let mut rs = group(&root, &share, 2);
    rs[0].store.keep_high_water_in(marks.clone());
    let case = rs[0].store.add_case(&case_json("Restored")).unwrap();
    rs[0].sync();
    rs[1].sync();
    Setup { _tmp: tmp, root, share, marks, rs, case }
}

#[test]
fn a_restored_vault_with_a_stale_share_is_caught_before_it_writes_and_loses_nothing() {
    let mut s = setup();
    let a = dev_hex(&s.rs[0]);
    let backup = s.root.join("backup");
    back_up(&mut s.rs[0], &backup, &s.marks);
    // Monday: A writes delta 2 and B applies it; the stick is then a week old (no delta 2).
    s.rs[0].store.update_case(s.case.as_bytes(), &obj(serde_json::json!({"city": "Батуми"}))).unwrap();
    assert_eq!(s.rs[0].sync().sent_deltas, 1);
    let monday = s.share.join(&a).join(delta(2));
    let kept = s.root.join("delta-2-elsewhere");
    fs::rename(&monday, &kept).unwrap();
    // Tuesday: A is restored from Sunday's backup, edits and syncs with the stale stick.
    restore(&mut s.rs[0], &backup, &s.marks);
    s.rs[0].store.update_case(s.case.as_bytes(), &obj(serde_json::json!({"city": "Кутаиси"}))).unwrap();
    let r = s.rs[0].sync();
    assert!(kinds(&r).contains(&"vault_older_than_share") && kinds(&r).contains(&"new_identity"), "{:?}", r.alarms);
    let older = r.alarms.iter().find(|x| x.kind == "vault_older_than_share").unwrap();
    assert!(older.detail.contains("high-water mark"), "{}", older.detail);
    assert_eq!(r.sent_deltas, 1, "the new edit goes out under a new identity");
    assert!(!s.share.join(&a).join(delta(2)).exists(), "no second delta 2 of the old identity");
    let new = dev_hex(&s.rs[0]);
    assert_ne!(new, a);
    // The stick catches up: both edits reach everyone, nobody sees a fork.
    fs::rename(&kept, &monday).unwrap();
    for _ in 0..2 {
        for r in s.rs.iter_mut() {
            let report = r.sync();
            assert!(!kinds(&report).contains(&"fork"), "{:?}", report.alarms);
        }
    }
    for r in &s.rs {
        let conflicts = r.store.conflicts().unwrap();
        let values: Vec<String> = conflicts.iter().flat_map(|c| c.values.iter().map(|v| v.value.to_string())).collect();
        assert!(
            values.iter().any(|v| v.contains("Батуми")) && values.iter().any(|v| v.contains("Кутаиси")),
            "{values:?}"
        );
    }
    assert_eq!(snapshot_without_devices(&s.rs[0]), snapshot_without_devices(&s.rs[1]));
    // A later sync raises nothing more: the mark knows the new identity.
    let again = s.rs[0].sync();
    assert!(again.alarms.is_empty(), "{:?}", again.alarms);
}

fn snapshot_without_devices(r: &Replica) -> String {
    snapshot(&r.store).lines().filter(|l| !l.starts_with("conflict")).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_vault_copied_to_where_its_mark_is_missing_continues_as_a_new_device_once() {
    let mut s = setup();
    let a = dev_hex(&s.rs[0]);
    // The vault moves to another computer: same database, no mark there.
    let elsewhere = s.root.join("other-computer");
    s.rs[0].store.keep_high_water_in(elsewhere.clone());
    s.rs[0].store.add_case(&case_json("On the new laptop")).unwrap();
    let r = s.rs[0].sync();
    assert!(kinds(&r).contains(&"vault_older_than_share"), "{:?}", r.alarms);
    assert_ne!(dev_hex(&s.rs[0]), a);
    assert_eq!(r.sent_deltas, 1);
    // Once: the mark is now kept there.
    s.rs[0].store.add_case(&case_json("Later")).unwrap();
    let r = s.rs[0].sync();
    assert!(r.alarms.is_empty(), "{:?}", r.alarms);
    let b = s.rs[1].sync();
    assert!(b.alarms.is_empty() && b.problems.is_empty(), "{b:?}");
    assert_eq!(s.rs[1].store.list_cases(&Default::default(), 0, 100).unwrap().len(), 3);
}

#[test]
fn a_changed_mark_is_reported_and_written_again_without_a_new_identity() {
    let mut s = setup();
    let a = dev_hex(&s.rs[0]);
    let file = fs::read_dir(&s.marks).unwrap().flatten().find(|e| e.file_name().to_string_lossy().ends_with(".hwm"));
    let file = file.expect("the mark was written").path();
    let mut bytes = fs::read(&file).unwrap();
    let last = bytes.len() - 40;
    bytes[last] ^= 1; // someone raises the seq without the key
    fs::write(&file, &bytes).unwrap();
    let r = s.rs[0].sync();
    assert!(r.alarms.is_empty(), "{:?}", r.alarms);
    assert!(r.problems.iter().any(|p| p.problem.contains("not written by this vault")), "{:?}", r.problems);
    assert_eq!(dev_hex(&s.rs[0]), a);
    let r = s.rs[0].sync();
    assert!(r.problems.is_empty(), "written again: {:?}", r.problems);
}
