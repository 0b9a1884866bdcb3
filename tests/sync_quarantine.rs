//! A proven fork quarantines its author from the fork point on every device (docs/formats/
//! delta.md section 11.2; the review's S2 scenario): a vault and its restored copy each write
//! delta 2 while apart, device B applies the original's, device C the copy's. Once the sync
//! tool meets both versions, every device rolls back what it applied of either, both vaults
//! continue under new identities and send their changes again, and all four end with the same
//! records: nothing lost, nothing applied twice, whatever the sync tool kept.

mod sync_common;

use std::fs;

use casebook::sync::engine;
use sync_common::hostile::*;
use sync_common::*;

/// How the sync tool leaves the losing version (the original's delta 2).
#[derive(Clone, Copy, Debug)]
enum Loser {
    /// Syncthing: renamed to a conflict copy next to the copy's version.
    ConflictCopy,
    /// Nextcloud never uploads it, `maxConflicts = 0`, or a person tidied it away: gone, after
    /// B (which applied it) saw the copy's version in its place.
    Gone,
}

struct Fork {
    _tmp: tempfile::TempDir,
    /// The original, the copy, B, C.
    all: Vec<Replica>,
    case: [u8; 16],
    old_id: String,
}

fn fork(loser: Loser, c_first: bool) -> Fork {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 3);
    let case = *rs[0].store.add_case(&case_json("Forked")).unwrap().as_bytes();
    for r in rs.iter_mut() {
        r.sync();
    }
    let copy = clone_vault(&mut rs[0], &tmp.path().join("copy"));
    let old_id = dev_hex(&rs[0]);
    let dir = share.join(&old_id);
    let mut it = rs.into_iter();
    let (original, b, c) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    let mut all = vec![original, copy, b, c];
    // Apart: the original writes delta 2 and B applies it; the copy writes its own 2 and 3,
    // and C applies those.
    all[0].store.update_case(&case, &obj(serde_json::json!({"city": "Gyumri"}))).unwrap();
    assert_eq!(all[0].sync().sent_deltas, 1);
    assert_eq!(applied(&all[2].sync()), vec![(old_id.clone(), 2)]);
    let original2 = fs::read(dir.join(delta(2))).unwrap();
    fs::remove_file(dir.join(delta(2))).unwrap();
    all[1].store.update_case(&case, &obj(serde_json::json!({"city": "Vanadzor"}))).unwrap();
    all[1].store.add_case(&case_json("Only in the copy")).unwrap();
    all[1].sync();
    all[1].store.add_note(&case, "the copy's second delta").unwrap();
    all[1].sync();
    assert_eq!(applied(&all[3].sync()), vec![(old_id.clone(), 2), (old_id.clone(), 3)]);
    // The sync tool meets both versions.
    if let Loser::ConflictCopy = loser {
        fs::write(dir.join("000000000002.sync-conflict-20261201-101010-ABCDEFG.delta"), &original2).unwrap();
    }
    let order: [usize; 2] = if c_first { [3, 2] } else { [2, 3] };
    for &i in &order {
        let report = all[i].sync();
        assert!(report.alarms.iter().any(|x| x.kind == "fork" && x.device == old_id), "{i}: {report:?}");
        let q = report.quarantined.iter().find(|q| q.device == old_id).unwrap_or_else(|| panic!("{report:?}"));
        assert_eq!(q.from_seq, 2, "{q:?}");
        assert!(q.changes >= 1, "what it applied of either version is rolled back: {q:?}");
        assert!(report.problems.is_empty(), "{report:?}");
    }
    Fork { _tmp: tmp, all, case, old_id }
}

fn converge(f: &mut Fork) {
    for _ in 0..3 {
        for r in f.all.iter_mut() {
            let report = r.sync();
            assert!(report.problems.is_empty(), "{report:?}");
            assert!(!report.waiting.iter().any(|w| w.state != "quarantined"), "{:?}", report.waiting);
        }
    }
}

fn check(loser: Loser, c_first: bool) {
    let mut f = fork(loser, c_first);
    converge(&mut f);
    let what = format!("{loser:?}, C first: {c_first}");
    for (i, r) in f.all.iter().enumerate() {
        assert_ne!(dev_hex(r), f.old_id, "{what}: vault {i} no longer writes as the forked identity");
    }
    let expected = snapshot(&f.all[2].store);
    for (i, r) in f.all.iter().enumerate() {
        assert_eq!(snapshot(&r.store), expected, "{what}: vault {i} holds what B holds");
        let file = r.store.case(&f.case).unwrap();
        let names: Vec<String> =
            r.store.list_cases(&Default::default(), 0, 100).unwrap().into_iter().map(|c| c.full_name).collect();
        assert!(names.contains(&"Only in the copy".to_string()), "{what}: {names:?}");
        assert_eq!(file.notes.len(), 1, "{what}: the copy's note, once");
        let mut cities: Vec<String> = r
            .store
            .conflicts()
            .unwrap()
            .iter()
            .flat_map(|c| c.values.iter().map(|v| v.value.as_str().unwrap_or_default().to_string()))
            .collect();
        cities.sort();
        assert_eq!(cities, ["Gyumri", "Vanadzor"], "{what}: both edits kept, neither lost, neither twice");
    }
    for i in [2, 3] {
        let q = engine::status(&f.all[i].store).unwrap().quarantine;
        assert_eq!((q.len(), q[0].from_seq, q[0].accepted_at.clone()), (1, 2, None), "{what}: listed");
    }
}

#[test]
fn both_branches_roll_back_and_come_back_under_new_identities_with_a_conflict_copy() {
    check(Loser::ConflictCopy, false);
    check(Loser::ConflictCopy, true);
}

#[test]
fn both_branches_roll_back_and_come_back_under_new_identities_when_the_loser_is_gone() {
    check(Loser::Gone, false);
}

/// Accepting a quarantine writes what it rolled back again as this device's own changes, and
/// once only.
#[test]
fn accepting_a_quarantine_writes_its_changes_again_once() {
    let mut f = fork(Loser::ConflictCopy, false);
    let b = &mut f.all[2];
    assert_eq!(b.store.case(&f.case).unwrap().city, None, "B rolled back the original's delta 2");
    let q = engine::accept_quarantined(&mut b.store, &f.old_id).unwrap();
    assert!(q.accepted_at.is_some(), "{q:?}");
    assert_eq!(b.store.case(&f.case).unwrap().city.as_deref(), Some("Gyumri"));
    let again = engine::accept_quarantined(&mut b.store, &f.old_id).unwrap_err().to_string();
    assert!(again.contains("accepted already"), "{again}");
    let none = engine::accept_quarantined(&mut b.store, &"0".repeat(32)).unwrap_err().to_string();
    assert!(none.contains("quarantine"), "{none}");
    assert!(b.sync().sent_deltas >= 1, "the accepted values go to the group as B's own");
}
