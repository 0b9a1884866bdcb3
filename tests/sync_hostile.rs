//! Sync against a hostile share (docs/formats/delta.md): tampered, truncated, renamed, replayed,
//! misplaced and foreign deltas; a rolled-back share; a device that signed two versions of one
//! delta; withheld deltas. (Hostile records, invites, sync-tool debris and insiders:
//! `tests/sync_hostile_members.rs`.)
//! Every case asserts what is applied (nothing, unless the file is genuine), what is reported,
//! and that nothing panics.

mod sync_common;

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use casebook::store::Store;
use casebook::sync::engine::{self, SyncReport};
use casebook::sync::format::{self};
use sync_common::hostile::*;
use sync_common::*;

// ---------------------------------------------------------------------------------------------
// (a) Tampered, renamed, misplaced and foreign deltas

/// Every byte of the receipt (signed header and signature) flipped, ~200 body bytes flipped,
/// truncation at every length (so at every boundary: 8, 164, 196, 260, len - 1), bytes
/// appended: each variant of a real (version-2) delta is rejected by name, nothing is applied,
/// no alarm is raised, nothing panics. The one exception is the version byte: a version this
/// build does not read waits for an update of Casebook, named in the status.
#[test]
fn tamper_matrix_on_a_real_delta() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    add_cases(&mut rs[0], "Tamper", 4);
    assert_eq!(rs[0].sync().sent_deltas, 1);
    let name = format!("{}/{}", dev_hex(&rs[0]), delta(1));
    let path = share.join(&name);
    let orig = fs::read(&path).unwrap();
    let len = orig.len();
    assert_eq!(orig[7], format::DELTA_V2);
    let sealed_len = u32::from_be_bytes(orig[160..164].try_into().unwrap()) as usize;
    assert_eq!(len, format::RECEIPT_LEN + sealed_len);

    let mut variants: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..format::RECEIPT_LEN {
        let mut b = orig.clone();
        b[i] ^= 0xff;
        variants.push((format!("header byte {i} flipped"), b));
    }
    let tail = len - format::RECEIPT_LEN;
    let mut sampled: Vec<usize> = (0..200).map(|k| format::RECEIPT_LEN + k * tail / 200).collect();
    sampled.extend([format::RECEIPT_LEN, len - 64, len - 33, len - 32, len - 1]);
    sampled.sort_unstable();
    sampled.dedup();
    for &i in &sampled {
        let mut b = orig.clone();
        b[i] ^= 1 << (i % 8);
        variants.push((format!("byte {i} flipped"), b));
    }
    let cuts: Vec<usize> = (0..len).collect();
    for boundary in [8, format::DELTA_AAD_V2, format::DELTA_SIGNED_V2, format::RECEIPT_LEN, len - 1] {
        assert!(cuts.contains(&boundary));
    }
    for &n in &cuts {
        variants.push((format!("truncated to {n} bytes"), orig[..n].to_vec()));
    }
    for extra in [1, 100] {
        let mut b = orig.clone();
        b.extend(std::iter::repeat_n(0x5a, extra));
        variants.push((format!("{extra} bytes appended"), b));
    }

    let started = Instant::now();
    let b = &mut rs[1];
    let mut failures = Vec::new();
    let mut texts: BTreeMap<String, usize> = BTreeMap::new();
    for (case, bytes) in &variants {
        fs::write(&path, bytes).unwrap();
        let report = match no_panic(case, || engine::sync(&mut b.store)) {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                failures.push(format!("{case}: sync failed: {e}"));
                continue;
            }
            Err(p) => {
                failures.push(p);
                continue;
            }
        };
        let newer = report.waiting.iter().any(|w| w.state == "newer_version" && w.reason.contains("update Casebook"));
        match problem_of(&report, &name) {
            None if case == "header byte 7 flipped" && newer => {}
            Some(p) if !p.trim().is_empty() => {
                // Counted by their words (the numbers differ).
                let words: String = p.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect();
                *texts.entry(words.split(':').next().unwrap().to_string()).or_default() += 1;
            }
            _ => failures.push(format!("{case}: no problem reported for {name}: {:?}", report.problems)),
        }
        if !report.received.is_empty() || cases(&b.store) != 0 {
            failures.push(format!("{case}: something was applied: {:?}", applied(&report)));
        }
        if !report.alarms.is_empty() {
            failures.push(format!("{case}: alarm raised: {:?}", report.alarms));
        }
    }
    let elapsed = started.elapsed();
    eprintln!("{} tampered variants of a {len}-byte delta in {elapsed:?}; problems: {texts:#?}", variants.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(engine::status(&b.store).unwrap().alarms.is_empty());

    // The genuine file still applies afterwards: nothing of the above stuck.
    fs::write(&path, &orig).unwrap();
    let report = b.sync();
    assert_eq!(report.received.len(), 1, "{report:?}");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(cases(&b.store), 4);
}

/// A delta under another sequence number: alone, it is a gap (the device waits at 1); next to
/// the genuine delta 1, a copy named as delta 2 is rejected ("the file name says").
#[test]
fn a_renamed_delta_is_a_gap_or_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    add_cases(&mut rs[0], "Renamed", 2);
    rs[0].sync();
    let dir = folder(&share, &rs[0]);
    let a = dev_hex(&rs[0]);
    fs::rename(dir.join(delta(1)), dir.join(delta(2))).unwrap();

    let report = rs[1].sync();
    assert!(report.received.is_empty() && report.problems.is_empty(), "{report:?}");
    let w = report.waiting.iter().find(|w| w.device == a).expect("A waits");
    assert_eq!(w.seq, 1, "{w:?}");
    assert!(w.reason.contains("missing"), "{}", w.reason);
    let status = engine::status(&rs[1].store).unwrap();
    let sa = status.devices.iter().find(|d| d.device == a).unwrap();
    assert_eq!((sa.seq, sa.share_seq, sa.gap), (0, Some(2), Some(1)));
    assert_eq!(cases(&rs[1].store), 0);

    // Delta 1 back in place, its copy still named 2.
    fs::copy(dir.join(delta(2)), dir.join(delta(1))).unwrap();
    let report = rs[1].sync();
    assert_eq!(applied(&report), vec![(a.clone(), 1)]);
    let p = problem_of(&report, &format!("{a}/{}", delta(2))).expect("the copy is rejected");
    assert!(p.contains("file name says delta 2") && p.contains("holds delta 1"), "{p}");
    assert_eq!(cases(&rs[1].store), 2);
    assert!(report.alarms.is_empty());
}

/// A's delta copied into C's folder is rejected ("in the folder of device"); A's own still
/// applies.
#[test]
fn a_delta_in_another_devices_folder_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 3);
    add_cases(&mut rs[0], "Misplaced", 2);
    rs[0].sync();
    let c_dir = folder(&share, &rs[2]);
    fs::copy(folder(&share, &rs[0]).join(delta(1)), c_dir.join(delta(1))).unwrap();

    let report = rs[1].sync();
    let p = problem_of(&report, &format!("{}/{}", dev_hex(&rs[2]), delta(1))).expect("rejected");
    assert!(p.contains("in the folder of device"), "{p}");
    assert_eq!(applied(&report), vec![(dev_hex(&rs[0]), 1)], "only A's own copy applies");
    assert_eq!(cases(&rs[1].store), 2);
    let status = engine::status(&rs[1].store).unwrap();
    assert_eq!(status.devices.iter().find(|d| d.device == dev_hex(&rs[2])).unwrap().seq, 0);
}

/// A valid delta of another group, placed in A's folder as A's next delta: rejected.
#[test]
fn a_delta_of_another_group_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    add_cases(&mut rs[0], "Ours", 1);
    rs[0].sync();
    let other_share = tmp.path().join("other-share");
    let mut other = group(&tmp.path().join("other"), &other_share, 1);
    add_cases(&mut other[0], "Theirs", 3);
    other[0].sync();
    let theirs = folder(&other_share, &other[0]).join(delta(1));
    fs::copy(&theirs, folder(&share, &rs[0]).join(delta(2))).unwrap();

    let report = rs[1].sync();
    let a = dev_hex(&rs[0]);
    assert_eq!(applied(&report), vec![(a.clone(), 1)]);
    let p = problem_of(&report, &format!("{a}/{}", delta(2))).expect("rejected");
    assert!(p.contains("another sync group"), "{p}");
    assert_eq!(cases(&rs[1].store), 1, "nothing of the other group");
    assert!(report.alarms.is_empty());
}

// ---------------------------------------------------------------------------------------------
// (b) Replay, rollback, fork, gap

/// An old delta under a new name (the next sequence number) is rejected.
#[test]
fn a_replayed_delta_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    add_cases(&mut rs[0], "First", 1);
    rs[0].sync();
    add_cases(&mut rs[0], "Second", 1);
    rs[0].sync();
    rs[1].sync();
    let before = snapshot(&rs[1].store);
    let dir = folder(&share, &rs[0]);
    fs::copy(dir.join(delta(1)), dir.join(delta(3))).unwrap();

    let report = rs[1].sync();
    let p = problem_of(&report, &format!("{}/{}", dev_hex(&rs[0]), delta(3))).expect("rejected");
    assert!(p.contains("file name says delta 3, the file holds delta 1"), "{p}");
    assert!(report.received.is_empty() && report.alarms.is_empty(), "{report:?}");
    assert_eq!(snapshot(&rs[1].store), before);
}

/// The share is restored from an old copy: nothing applied is undone, the devices write their
/// missing deltas again, and a device joining afterwards still gets everything.
#[test]
fn a_rolled_back_share_undoes_nothing_and_is_repaired() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    add_cases(&mut rs[0], "Before", 2);
    rs[0].sync();
    rs[1].sync();
    let old = tmp.path().join("share-at-t1");
    copy_dir(&share, &old);

    add_cases(&mut rs[0], "After A", 2);
    rs[0].sync();
    add_cases(&mut rs[1], "After B", 1);
    rs[1].sync();
    add_cases(&mut rs[0], "Later A", 1);
    rs[0].sync();
    rs[1].sync();
    let b_before = snapshot(&rs[1].store);
    assert_eq!(cases(&rs[1].store), 6);

    fs::remove_dir_all(&share).unwrap();
    copy_dir(&old, &share);
    let report = rs[1].sync();
    assert!(report.received.is_empty() && report.alarms.is_empty(), "{report:?}");
    assert_eq!(report.republished, 1, "B writes its delta 1 again: {report:?}");
    assert_eq!(snapshot(&rs[1].store), b_before, "B's data does not go back");
    let status = engine::status(&rs[1].store).unwrap();
    let sa = status.devices.iter().find(|d| d.device == dev_hex(&rs[0])).unwrap();
    assert_eq!((sa.seq, sa.share_seq, sa.gap), (3, Some(1), None), "A applied ahead of the share");

    let report = rs[0].sync();
    assert_eq!(report.republished, 2, "A writes its deltas 2 and 3 again: {report:?}");
    assert!(report.alarms.is_empty() && report.problems.is_empty(), "{report:?}");

    // A device joining now gets everything.
    let invite = engine::invite(&mut rs[0].store, &pass("kanelo-tibura"), WEAK).unwrap();
    let mut c = Replica::new(&tmp.path().join("r2"), 3);
    engine::join(&mut c.store, &share, &invite, &pass("kanelo-tibura")).unwrap();
    let report = c.sync();
    assert!(report.problems.is_empty() && report.waiting.is_empty(), "{report:?}");
    assert_eq!(cases(&c.store), 6);
    rs[0].sync();
    assert_eq!(snapshot(&c.store), snapshot(&rs[0].store));
    assert_eq!(snapshot(&c.store), b_before);
}

/// A and a copy of A's vault (same device, same key) each write a delta 2: A, B, C sync with
/// A's; the copy's delta 2 and 3 are validly signed but another history. With `bigger`, the
/// copy's delta 2 carries a long note, so that it is larger than A's.
struct Fork {
    _tmp: tempfile::TempDir,
    share: PathBuf,
    rs: Vec<Replica>,
    real2: Vec<u8>,
    forged2: Vec<u8>,
    forged3: Vec<u8>,
    /// A vault's records before delta 2 (what a proven fork at delta 2 rolls back to).
    before_fork: String,
}

fn fork(bigger: bool) -> Fork {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 3);
    let id = rs[0].store.add_case(&case_json("Forked Case")).unwrap();
    rs[0].sync();
    rs[1].sync();
    let before_fork = snapshot(&rs[1].store);
    let mut copy = clone_vault(&mut rs[0], &tmp.path().join("a-copy"));
    rs[0].store.update_case(id.as_bytes(), &obj(serde_json::json!({"city": "Yerevan"}))).unwrap();
    rs[0].sync();
    rs[1].sync();
    rs[2].sync();
    let dir = folder(&share, &rs[0]);
    let real2 = fs::read(dir.join(delta(2))).unwrap();
    fs::remove_file(dir.join(delta(2))).unwrap();
    copy.store.update_case(id.as_bytes(), &obj(serde_json::json!({"city": "Gyumri"}))).unwrap();
    if bigger {
        // Letters that do not compress much.
        let long: String =
            (0..2000u32).map(|i| char::from(b'a' + (i.wrapping_mul(2_654_435_761) >> 27) as u8 % 26)).collect();
        copy.store.add_note(id.as_bytes(), &long).unwrap();
    }
    copy.sync();
    let forged2 = fs::read(dir.join(delta(2))).unwrap();
    add_cases(&mut copy, "Forged", 1);
    copy.sync();
    let forged3 = fs::read(dir.join(delta(3))).unwrap();
    fs::remove_file(dir.join(delta(3))).unwrap();
    fs::write(dir.join(delta(2)), &real2).unwrap();
    assert_ne!(real2, forged2);
    assert_eq!(&real2[..84], &forged2[..84], "same author, seq and chain: only the content differs");
    assert_eq!(real2.len() == forged2.len(), !bigger, "padding makes small deltas the same size");
    Fork { _tmp: tmp, share, rs, real2, forged2, forged3, before_fork }
}

/// The second version of an applied delta as a sync tool's conflict copy raises a `fork`
/// alarm and quarantines the author from delta 2 (docs/formats/delta.md section 11.2): the
/// applied version is rolled back too, nothing of the copy is applied, and a delta 3 that
/// follows either version waits, quarantined.
#[test]
fn a_fork_in_a_conflict_copy_raises_an_alarm_and_quarantines_the_author() {
    let mut f = fork(false);
    let a = dev_hex(&f.rs[0]);
    let dir = folder(&f.share, &f.rs[0]);
    let b = &mut f.rs[1];
    assert_eq!(b.store.case(&rs_case(&b.store)).unwrap().city.as_deref(), Some("Yerevan"));
    fs::write(dir.join("000000000002.sync-conflict-20261123-101010-ABCDEFG.delta"), &f.forged2).unwrap();
    let report = b.sync();
    assert!(report.received.is_empty() && report.problems.is_empty(), "{report:?}");
    let alarm = report.alarms.iter().find(|x| x.kind == "fork").expect("fork alarm");
    assert_eq!((alarm.device.as_str(), alarm.seq), (a.as_str(), 2));
    let q = report.quarantined.iter().find(|q| q.device == a).expect("quarantined");
    assert_eq!((q.from_seq, q.changes, q.records), (2, 1, 1), "{q:?}");
    let status = engine::status(&b.store).unwrap();
    assert!(status.alarms.iter().any(|x| x.kind == "fork" && x.seq == 2));
    assert_eq!(status.quarantine, vec![q.clone()]);
    assert_eq!(snapshot(&b.store), f.before_fork, "delta 2 rolled back, nothing of the other version");
    assert_eq!(b.store.case(&rs_case(&b.store)).unwrap().city, None);

    fs::write(dir.join(delta(3)), &f.forged3).unwrap();
    let report = b.sync();
    assert!(report.received.is_empty(), "{report:?}");
    assert!(report.quarantined.is_empty(), "once: {:?}", report.quarantined);
    let w = report.waiting.iter().find(|w| w.device == a).expect("waits");
    assert_eq!((w.state, w.seq), ("quarantined", 3), "{w:?}");
    assert_eq!(snapshot(&b.store), f.before_fork, "nothing of the other history");
    assert_eq!(cases(&b.store), 1);
}

/// A vault and its copy (a backup restored on a second laptop) each write delta 2 while apart;
/// the sync tool keeps the copy's version under the name and turns the original's into a
/// conflict copy. Both vaults are told in their next sync — the original that its delta was
/// replaced, the copy that another version of its delta exists — and both continue as new
/// devices: every device ends with the same cases, both cities (one shown, one a conflict to
/// review) and the note written after the fork. Nothing is lost; no number is used twice.
#[test]
fn a_vault_and_its_copy_writing_one_delta_are_both_told_at_once_and_both_go_on() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    let case = *rs[0].store.add_case(&case_json("Genuine")).unwrap().as_bytes();
    rs[0].sync();
    rs[1].sync();
    let old_id = rs[0].store.device_id().unwrap();
    let mut copy = clone_vault(&mut rs[0], &tmp.path().join("copy"));
    let dir = folder(&share, &rs[0]);

    // Apart: the original writes delta 2 (kept aside), then the copy writes its own delta 2.
    rs[0].store.update_case(&case, &obj(serde_json::json!({"city": "Gyumri"}))).unwrap();
    assert_eq!(rs[0].sync().sent_deltas, 1);
    let original2 = fs::read(dir.join(delta(2))).unwrap();
    fs::remove_file(dir.join(delta(2))).unwrap();
    copy.store.update_case(&case, &obj(serde_json::json!({"city": "Vanadzor"}))).unwrap();
    assert_eq!(copy.sync().sent_deltas, 1);
    // The sync tool meets both: the older one becomes a conflict copy.
    fs::write(dir.join("000000000002.sync-conflict-20261201-101010-ABCDEFG.delta"), &original2).unwrap();
    let canonical2 = fs::read(dir.join(delta(2))).unwrap();

    rs[0].store.add_note(&case, "written after the fork").unwrap();
    let report = rs[0].sync();
    let alarm = report.alarms.iter().find(|x| x.kind == "own_delta_replaced").unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(alarm.seq, 2);
    assert!(alarm.detail.contains("a copy of this vault"), "{}", alarm.detail);
    assert!(report.alarms.iter().any(|x| x.kind == "new_identity"), "{report:?}");
    assert_ne!(rs[0].store.device_id().unwrap(), old_id);
    assert_eq!(report.sent_deltas, 1, "the lost edit and the note, under the new identity");

    let report = copy.sync();
    let alarm = report.alarms.iter().find(|x| x.kind == "fork").unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!((alarm.seq, alarm.device.as_str()), (2, hex(&old_id).as_str()));
    assert!(alarm.detail.contains("sync-conflict"), "{}", alarm.detail);
    assert!(report.alarms.iter().any(|x| x.kind == "new_identity"), "{report:?}");
    assert_ne!(copy.store.device_id().unwrap(), old_id);
    assert_ne!(copy.store.device_id().unwrap(), rs[0].store.device_id().unwrap());
    assert_eq!(fs::read(dir.join(delta(2))).unwrap(), canonical2, "the old identity's files are never rewritten");

    for _ in 0..2 {
        for r in rs.iter_mut().chain(std::iter::once(&mut copy)) {
            let report = r.sync();
            assert!(report.problems.is_empty(), "{report:?}");
        }
    }
    let all: Vec<&Replica> = rs.iter().chain(std::iter::once(&copy)).collect();
    let city = all[0].store.case(&case).unwrap().city;
    for r in &all {
        let file = r.store.case(&case).unwrap();
        assert_eq!(file.city, city, "the same city shows everywhere");
        assert_eq!(file.notes.len(), 1, "the note written after the fork arrived");
        let conflicts = r.store.conflicts().unwrap();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        let mut values: Vec<String> =
            conflicts[0].values.iter().map(|v| v.value.as_str().unwrap().to_string()).collect();
        values.sort();
        assert_eq!(values, ["Gyumri", "Vanadzor"], "both edits kept, neither lost");
    }
}

/// Own deltas that checked out are remembered: a later sync reads none of them again, and one
/// whose file changed is read once more.
#[test]
fn own_deltas_are_verified_once_until_their_file_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    add_cases(&mut rs[0], "Own", 3);
    rs[0].sync();
    rs[0].sync();
    let remembered: i64 = rs[0]
        .store
        .connection()
        .query_row(
            "SELECT count(*) FROM sync_received r JOIN devices d ON d.idx = r.device WHERE d.local = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(remembered, 1, "delta 1 of this device is remembered after one check");
    // A same-content rewrite (a sync tool touching the file) is read again and still intact.
    let path = folder(&share, &rs[0]).join(delta(1));
    let bytes = fs::read(&path).unwrap();
    fs::remove_file(&path).unwrap();
    fs::write(&path, &bytes).unwrap();
    let report = rs[0].sync();
    assert!(report.alarms.is_empty() && report.problems.is_empty(), "{report:?}");
}

/// A share holding 1,000 conflict copies of one delta costs their verification once: a copy
/// that stays as it was (name, size, modification time) is not read again; one that changes is.
#[test]
fn conflict_copies_are_verified_once_until_they_change() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    add_cases(&mut rs[0], "Copied", 2);
    rs[0].sync();
    rs[1].sync();
    let dir = folder(&share, &rs[0]);
    let bytes = fs::read(dir.join(delta(1))).unwrap();
    for i in 0..1000 {
        fs::write(dir.join(format!("000000000001.sync-conflict-20261201-{i:06}-ABCDEFG.delta")), &bytes).unwrap();
    }
    let report = rs[1].sync();
    assert!(report.alarms.is_empty() && report.problems.is_empty(), "{report:?}");
    let known: i64 = rs[1].store.connection().query_row("SELECT count(*) FROM sync_copies", [], |r| r.get(0)).unwrap();
    assert_eq!(known, 1000);
    // Junk of the same size under a known copy's name, with its old modification time: not
    // read again (so not reported); once its time changes, it is read and reported.
    let copy = dir.join("000000000001.sync-conflict-20261201-000007-ABCDEFG.delta");
    let mtime = fs::metadata(&copy).unwrap().modified().unwrap();
    fs::write(&copy, vec![0x55u8; bytes.len()]).unwrap();
    fs::File::options().write(true).open(&copy).unwrap().set_modified(mtime).unwrap();
    let report = rs[1].sync();
    assert!(report.problems.is_empty(), "an unchanged copy is not read again: {report:?}");
    fs::File::options()
        .write(true)
        .open(&copy)
        .unwrap()
        .set_modified(mtime + std::time::Duration::from_secs(5))
        .unwrap();
    let report = rs[1].sync();
    assert_eq!(report.problems.len(), 1, "{report:?}");
}

/// The only case in a vault.
fn rs_case(store: &Store) -> [u8; 16] {
    let id: Vec<u8> = store.connection().query_row("SELECT id FROM cases", [], |r| r.get(0)).unwrap();
    id.try_into().unwrap()
}

/// C applied A's delta 2; the copy's delta 2 replaces the canonical file. Nothing of it may be
/// applied, and (docs/formats/delta.md section 6: "seq ≤ applied, other hash, valid signature →
/// fork alarm") a `fork` alarm is raised and the applied version is rolled back (section
/// 11.2). Returns C's report.
fn fork_in_place(f: &mut Fork) -> SyncReport {
    let dir = folder(&f.share, &f.rs[0]);
    let c = &mut f.rs[2];
    fs::write(dir.join(delta(2)), &f.forged2).unwrap();
    let report = c.sync();
    assert!(report.received.is_empty(), "{report:?}");
    assert_eq!(snapshot(&c.store), f.before_fork, "delta 2 rolled back, nothing of the other version");
    report
}

#[test]
fn a_fork_of_another_size_in_place_of_an_applied_delta_raises_an_alarm() {
    let mut f = fork(true);
    assert_ne!(f.real2.len(), f.forged2.len());
    let report = fork_in_place(&mut f);
    assert!(report.alarms.iter().any(|x| x.kind == "fork" && x.seq == 2), "{report:?}");
}

#[test]
fn a_fork_of_the_same_size_in_place_of_an_applied_delta_raises_an_alarm() {
    let mut f = fork(false);
    assert_eq!(f.real2.len(), f.forged2.len());
    let report = fork_in_place(&mut f);
    assert!(
        report.alarms.iter().any(|x| x.kind == "fork" && x.seq == 2),
        "no fork alarm for a differently signed delta 2 in place of the applied one: {report:?}"
    );
}

/// Delta 2 withheld while 3 is there: B applies 1 and waits at 2 (status: gap 2); with 2 back,
/// B applies 2 and 3.
#[test]
fn a_withheld_delta_is_a_gap_until_it_comes_back() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    for n in 1..=3 {
        add_cases(&mut rs[0], &format!("Gap {n}"), 1);
        rs[0].sync();
    }
    let dir = folder(&share, &rs[0]);
    let away = tmp.path().join("withheld.delta");
    fs::rename(dir.join(delta(2)), &away).unwrap();
    let a = dev_hex(&rs[0]);

    let report = rs[1].sync();
    assert_eq!(applied(&report), vec![(a.clone(), 1)]);
    let w = report.waiting.iter().find(|w| w.device == a).expect("waits");
    assert_eq!(w.seq, 2);
    assert!(w.reason.contains("delta 2 is missing") && w.reason.contains("delta 3 is there"), "{}", w.reason);
    assert!(report.problems.is_empty() && report.alarms.is_empty(), "{report:?}");
    let status = engine::status(&rs[1].store).unwrap();
    let sa = status.devices.iter().find(|d| d.device == a).unwrap();
    assert_eq!((sa.seq, sa.share_seq, sa.gap), (1, Some(3), Some(2)));
    assert_eq!(cases(&rs[1].store), 1);

    fs::rename(&away, dir.join(delta(2))).unwrap();
    let report = rs[1].sync();
    assert_eq!(applied(&report), vec![(a.clone(), 2), (a.clone(), 3)]);
    assert!(report.waiting.is_empty(), "{report:?}");
    let status = engine::status(&rs[1].store).unwrap();
    assert_eq!(status.devices.iter().find(|d| d.device == a).unwrap().gap, None);
    assert_eq!(snapshot(&rs[1].store), snapshot(&rs[0].store));
}
