//! Sync between replicas through a share folder: convergence, conflicts and their resolution,
//! confidentiality of the share.

mod sync_common;

use casebook::store::read::parse_id;
use casebook::sync::engine;
use sync_common::*;

#[test]
fn two_devices_exchange_cases_notes_tasks_and_deletions() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    let a = rs[0].store.add_case(&case_json("Иван Петров")).unwrap();
    rs[0].store.add_note(a.as_bytes(), "met at the border").unwrap();
    rs[0].store.add_task(a.as_bytes(), "file the application", Some("2026-12-01")).unwrap();
    let report = rs[0].sync();
    assert_eq!(report.sent_deltas, 1);
    let report = rs[1].sync();
    assert_eq!(report.received.len(), 1, "{report:?}");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let b_case = rs[1].store.case(a.as_bytes()).unwrap();
    assert_eq!(b_case.full_name, "Иван Петров");
    // B finds it by a Latin spelling: the search index was updated by the remote apply.
    let hits = rs[1].store.search("Ivan", &Default::default(), 10).unwrap();
    assert_eq!(hits.len(), 1);
    // Notes appended on both devices are both kept; a deletion travels.
    rs[1].store.add_note(a.as_bytes(), "note from B").unwrap();
    rs[0].store.add_note(a.as_bytes(), "note from A").unwrap();
    let doomed = rs[0].store.add_case(&case_json("Temporary")).unwrap();
    rs[0].store.delete_case(doomed.as_bytes()).unwrap();
    for _ in 0..2 {
        rs[0].sync();
        rs[1].sync();
    }
    assert_eq!(snapshot(&rs[0].store), snapshot(&rs[1].store));
    assert_eq!(rs[1].store.case(a.as_bytes()).unwrap().notes.len(), 3);
    assert!(rs[1].store.case(doomed.as_bytes()).is_err(), "deleted on B too");
}

#[test]
fn concurrent_edits_become_a_conflict_and_its_resolution_clears_it_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 3);
    let id = rs[0].store.add_case(&case_json("Pavel Sidorov")).unwrap();
    rs[0].sync();
    rs[1].sync();
    rs[2].sync();
    // Two devices change the stage without seeing each other's edit.
    rs[0].store.update_case(id.as_bytes(), &obj(serde_json::json!({"stage": "transit_stay"}))).unwrap();
    rs[1].clock.advance(5);
    rs[1].store.update_case(id.as_bytes(), &obj(serde_json::json!({"stage": "visa_applied"}))).unwrap();
    for _ in 0..2 {
        for r in rs.iter_mut() {
            r.sync();
        }
    }
    let s0 = snapshot(&rs[0].store);
    assert_eq!(s0, snapshot(&rs[1].store));
    assert_eq!(s0, snapshot(&rs[2].store));
    for r in &rs {
        let list = r.store.conflicts().unwrap();
        assert_eq!(list.len(), 1, "one conflict on every device");
        assert_eq!(list[0].field, "stage");
        assert_eq!(list[0].values.len(), 2);
    }
    let c = rs[2].store.conflicts().unwrap().remove(0);
    let losing = c.values[1].value.clone();
    // Device C keeps the losing value; the resolution syncs and clears the conflict everywhere.
    rs[2].store.resolve_conflict(&c.id, 2).unwrap();
    assert!(rs[2].store.conflicts().unwrap().is_empty());
    for _ in 0..2 {
        for r in rs.iter_mut() {
            r.sync();
        }
    }
    for r in &rs {
        assert!(r.store.conflicts().unwrap().is_empty());
        assert_eq!(serde_json::Value::String(r.store.case(id.as_bytes()).unwrap().stage), losing);
    }
    assert_eq!(snapshot(&rs[0].store), snapshot(&rs[1].store));
    assert_eq!(snapshot(&rs[0].store), snapshot(&rs[2].store));
}

#[test]
fn an_edit_that_saw_the_previous_value_is_not_a_conflict() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    let id = rs[0].store.add_case(&case_json("Oleg")).unwrap();
    rs[0].sync();
    rs[1].sync();
    rs[1].store.update_case(id.as_bytes(), &obj(serde_json::json!({"city": "Yerevan"}))).unwrap();
    rs[1].sync();
    rs[0].sync();
    rs[0].store.update_case(id.as_bytes(), &obj(serde_json::json!({"city": "Gyumri"}))).unwrap();
    rs[0].sync();
    rs[1].sync();
    assert!(rs[0].store.conflicts().unwrap().is_empty());
    assert!(rs[1].store.conflicts().unwrap().is_empty());
    assert_eq!(rs[1].store.case(id.as_bytes()).unwrap().city.as_deref(), Some("Gyumri"));
}

#[test]
fn the_share_holds_no_readable_case_data() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs: Vec<Replica> = (0..2).map(|i| Replica::new(&tmp.path().join(format!("r{i}")), i + 1)).collect();
    engine::set_label(&mut rs[0].store, "canary-label-Boris").unwrap();
    engine::create(&mut rs[0].store, &share).unwrap();
    let invite = engine::invite(&mut rs[0].store, &pass("tobako-rimesu"), WEAK).unwrap();
    engine::set_label(&mut rs[1].store, "canary-label-Anna").unwrap();
    engine::join(&mut rs[1].store, &share, &invite, &pass("tobako-rimesu")).unwrap();
    let canary = "Zxqcanary Vonnegutovich";
    let id = rs[0].store.add_case(&case_json(canary)).unwrap();
    rs[0].store.add_note(id.as_bytes(), "canary-note-Щукин-7731").unwrap();
    rs[0].sync();
    rs[1].store.add_case(&case_json("Zxqcanary Second")).unwrap();
    rs[1].sync();
    rs[0].sync();
    let status = engine::status(&rs[0].store).unwrap();
    assert_eq!(status.devices[1].label, "canary-label-Anna", "labels travel sealed");
    let needles: Vec<Vec<u8>> = ["Zxqcanary", "Vonnegutovich", "canary-note", "Щукин", "canary-label"]
        .iter()
        .flat_map(|s| {
            let utf16: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
            [s.as_bytes().to_vec(), utf16]
        })
        .collect();
    let files: Vec<_> = walk(&share);
    assert!(files.len() >= 5, "marker, 2 records, deltas: {files:?}");
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for n in &needles {
            assert!(!bytes.windows(n.len()).any(|w| w == &n[..]), "{} holds a canary", f.display());
        }
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            name == "casebook.share" || name == "device" || (name.len() == 18 && name.ends_with(".delta")),
            "file name {name} says more than ids and numbers"
        );
    }
    assert_eq!(rs[1].store.case(&parse_id(&id.to_string()).unwrap()).unwrap().full_name, canary);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn junk_under_our_next_name_is_replaced_and_a_real_delta_of_ours_moves_this_vault_to_a_new_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    rs[0].store.add_case(&case_json("Arman")).unwrap();
    rs[0].sync();
    let me = casebook::sync::share::device_dir_name(&rs[0].store.device_id().unwrap());
    // Someone with write access to the share puts junk where A's delta 2 will go.
    std::fs::write(share.join(&me).join("000000000002.delta"), b"not a delta").unwrap();
    rs[0].store.add_case(&case_json("Gor")).unwrap();
    let report = rs[0].sync();
    assert_eq!(report.sent_deltas, 1, "{report:?}");
    assert!(report.alarms.is_empty());
    assert!(report.problems.iter().any(|p| p.file.ends_with("000000000002.delta") && p.problem.contains("replaced")));
    let report = rs[1].sync();
    assert_eq!(report.received.len(), 2, "{report:?}");
    // A vault restored from an older copy meets its own later delta on the share: it is told,
    // and continues as a new device, so that no sequence number is used twice.
    let saved = share.join(&me).join("000000000002.delta");
    let bytes = std::fs::read(&saved).unwrap();
    rs[0].store.connection().execute("DELETE FROM sync_sent WHERE seq = 2", []).unwrap();
    std::fs::write(&saved, &bytes).unwrap();
    let old_id = rs[0].store.device_id().unwrap();
    rs[0].store.add_case(&case_json("Narek")).unwrap();
    let report = rs[0].sync();
    let kinds: Vec<&str> = report.alarms.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["vault_older_than_share", "new_identity"], "{report:?}");
    assert_ne!(rs[0].store.device_id().unwrap(), old_id);
    assert_eq!(report.sent_deltas, 1, "sent under the new identity: {report:?}");
    assert_eq!(std::fs::read(&saved).unwrap(), bytes, "nothing written under the old identity");
    let report = rs[1].sync();
    assert!(report.alarms.is_empty() && report.problems.is_empty(), "{report:?}");
    assert_eq!(rs[1].store.count_cases(&Default::default()).unwrap(), 3);
}

#[test]
fn links_and_pipes_in_the_share_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    rs[0].store.add_case(&case_json("Levon")).unwrap();
    rs[0].sync();
    let a = share.join(casebook::sync::share::device_dir_name(&rs[0].store.device_id().unwrap()));
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, "outside the share").unwrap();
    std::os::unix::fs::symlink(&secret, a.join("000000000002.delta")).unwrap();
    // A named pipe: opening it for reading would block until someone writes.
    let fifo = a.join("000000000003.delta");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let report = rs[1].sync();
    assert_eq!(report.received.len(), 1, "{report:?}");
    for n in ["000000000002.delta", "000000000003.delta"] {
        assert!(report.problems.iter().any(|p| p.file.ends_with(n)), "{n}: {report:?}");
    }
}

/// The app's automatic syncs between publishes: what arrived is applied, this device's new
/// changes wait (`has_unsent` says so) until a publishing sync; the listing fingerprint changes
/// when a file arrives and stays when nothing does.
#[test]
fn a_sync_that_does_not_publish_applies_what_arrived_and_keeps_local_changes_for_later() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = sync_common::group(tmp.path(), &share, 2);
    let quiet = engine::share_listing(&rs[1].store).unwrap();
    assert_eq!(engine::share_listing(&rs[1].store).unwrap(), quiet, "nothing changed, same fingerprint");
    rs[0].store.add_case(&sync_common::case_json("Arrives")).unwrap();
    rs[0].sync();
    assert_ne!(engine::share_listing(&rs[1].store).unwrap(), quiet, "a delta arrived");
    rs[1].store.add_case(&sync_common::case_json("Waits")).unwrap();
    assert!(engine::has_unsent(&rs[1].store).unwrap());
    let report = engine::sync_with(&mut rs[1].store, false).unwrap();
    assert_eq!((report.received.len(), report.sent_deltas), (1, 0), "{report:?}");
    assert!(engine::has_unsent(&rs[1].store).unwrap(), "still waiting to be published");
    let report = engine::sync_with(&mut rs[1].store, true).unwrap();
    assert_eq!(report.sent_deltas, 1);
    assert!(!engine::has_unsent(&rs[1].store).unwrap());
    rs[0].sync();
    assert_eq!(rs[0].store.count_cases(&Default::default()).unwrap(), 2);
}

/// Two syncs of one vault at once (the app's and `casebook sync`) would both write this
/// device's next delta: the second is refused with a clear message until the first ends.
#[test]
fn one_sync_at_a_time_per_vault_across_processes() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = sync_common::group(tmp.path(), &share, 2);
    rs[0].store.add_case(&sync_common::case_json("Once")).unwrap();
    let held = rs[0].store.sync_lock().unwrap().expect("a vault on disk has a lock file");
    let err = engine::sync(&mut rs[0].store).unwrap_err();
    assert!(err.to_string().contains("another sync of this vault is running"), "{err}");
    assert_eq!(engine::status(&rs[0].store).unwrap().devices[0].seq, 0, "nothing was sent");
    drop(held);
    assert_eq!(engine::sync(&mut rs[0].store).unwrap().sent_deltas, 1);
}
