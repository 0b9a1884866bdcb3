//! Delta format 2 (docs/formats/delta.md sections 4.1, 6 and 9): a group with a device still on
//! an older Casebook keeps writing version 1 and moves to version 2 once it is updated, never
//! back; a chain switches from version 1 to version 2 without a break; a delta asking for a
//! newer reader waits; a dependency naming another version of a delta blocks only its author.

mod sync_common;

use std::fs;

use casebook::model::Value;
use casebook::sync::engine::{self, SyncReport};
use casebook::sync::format::{self, DELTA_V1, DELTA_V2};
use casebook::sync::seal::{self, GroupKeys};
use sync_common::*;

/// The format version byte of delta `seq` of `device` (hex) on the share.
fn version_of(share: &std::path::Path, device: &str, seq: u64) -> u8 {
    fs::read(share.join(device).join(delta(seq))).unwrap()[7]
}

fn dependencies_of(share: &std::path::Path, keys: &GroupKeys, r: &Replica, seq: u64) -> Vec<format::Dep> {
    let bytes = fs::read(share.join(dev_hex(r)).join(delta(seq))).unwrap();
    let key: Vec<u8> = r.store.connection().query_row("SELECT signing_key FROM shares", [], |row| row.get(0)).unwrap();
    let sk = ed25519_dalek::SigningKey::from_bytes(&key.try_into().unwrap());
    seal::open_delta(keys, &sk.verifying_key().to_bytes(), &bytes).unwrap().1.deps
}

fn waiting_state(report: &SyncReport, device: &str) -> Option<(&'static str, String)> {
    report.waiting.iter().find(|w| w.device == device).map(|w| (w.state, w.reason.clone()))
}

struct Setup {
    _tmp: tempfile::TempDir,
    share: std::path::PathBuf,
    rs: Vec<Replica>,
    keys: GroupKeys,
    group: [u8; 16],
    case: [u8; 16],
}

fn setup() -> Setup {
    setup_with(|_, _, _| {})
}

/// The group of two, `before` run before anybody writes a delta, then a case of device 0.
fn setup_with(before: impl FnOnce(&std::path::Path, &GroupKeys, &[u8; 16])) -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    let (group, key) = group_secret(&rs[0].store);
    let keys = GroupKeys::derive(1, &key);
    before(&share, &keys, &group);
    rs[1].sync();
    rs[0].sync();
    let case = *rs[0].store.add_case(&case_json("Genuine")).unwrap().as_bytes();
    rs[0].sync();
    rs[1].sync();
    Setup { _tmp: tmp, share, rs, keys, group, case }
}

/// A new note of `m` in the setup's case (its `n`th).
fn note_on(s: &Setup, m: &Insider, n: u8) -> Vec<casebook::sync::format::WireChange> {
    let hlc = (START_MS + 60_000 + u64::from(n)) << 16;
    let mut record = [0u8; 16];
    record[0] = 0x70 + n;
    record[1..].copy_from_slice(&m.id[1..]);
    vec![
        change(4, record, 1, hlc, Value::Blob(s.case.to_vec())),
        change(4, record, 2, hlc, Value::Text(format!("note {n} of an insider"))),
    ]
}

#[test]
fn a_peer_on_an_older_casebook_keeps_the_group_on_version_1_until_it_is_updated() {
    // This build's devices write version 2 among themselves.
    let modern = setup();
    assert_eq!(version_of(&modern.share, &dev_hex(&modern.rs[0]), 1), DELTA_V2);
    // A device of an older Casebook is in the group from the start: its record is of version 1.
    let mut old = None;
    let mut s = setup_with(|share, keys, group| {
        let o = Insider::new(share, keys, group, 1);
        o.write_record(share, keys, group, 1);
        old = Some(o);
    });
    let mut old = old.unwrap();
    old.version = DELTA_V1;
    assert_eq!(version_of(&s.share, &dev_hex(&s.rs[0]), 1), DELTA_V1, "an old peer reads only version 1");
    let open_old = |r: &Replica| {
        casebook::sync::engine::status(&r.store).unwrap().alarms.iter().filter(|a| a.kind == "old_version").count()
    };
    assert_eq!(open_old(&s.rs[0]), 1, "a standing alarm names the old device");
    let reads_of = |r: &Replica, dev: &str| {
        casebook::sync::engine::status(&r.store).unwrap().devices.iter().find(|d| d.device == dev).map(|d| d.reads)
    };
    assert_eq!(reads_of(&s.rs[0], &hex(&old.id)), Some(1), "share status says which format it reads");
    assert_eq!(reads_of(&s.rs[0], &dev_hex(&s.rs[0])), Some(format::READER));
    s.rs[0].store.add_case(&case_json("While one device is old")).unwrap();
    s.rs[0].sync();
    assert_eq!(version_of(&s.share, &dev_hex(&s.rs[0]), 2), DELTA_V1);
    // The old device writes version 1; everyone applies it.
    let c = note_on(&s, &old, 1);
    old.send(&s.share, &s.keys, &s.group, c);
    let got = s.rs[1].sync();
    assert_eq!(got.received.len(), 2, "{got:?}");
    // It is updated: its record now reads this build's version, and so the group moves to
    // version 2.
    old.write_record(&s.share, &s.keys, &s.group, format::READER);
    s.rs[0].sync();
    s.rs[0].store.add_case(&case_json("After the update")).unwrap();
    s.rs[0].sync();
    assert_eq!(version_of(&s.share, &dev_hex(&s.rs[0]), 3), DELTA_V2);
    assert_eq!(open_old(&s.rs[0]), 0, "closed by itself once the device is updated");
    assert_eq!(reads_of(&s.rs[0], &hex(&old.id)), Some(format::READER));
    // The first version-2 delta after a version-1 one names every dependency, with ids.
    let deps = dependencies_of(&s.share, &s.keys, &s.rs[0], 3);
    let old_delta = fs::read(s.share.join(hex(&old.id)).join(delta(1))).unwrap();
    assert_eq!(deps, vec![format::Dep { device: old.id, seq: 1, id: seal::delta_id(&old_delta) }]);
    let got = s.rs[1].sync();
    assert!(got.alarms.is_empty() && got.problems.is_empty(), "{got:?}");
    assert_eq!(applied(&got), vec![(dev_hex(&s.rs[0]), 3)], "the chain goes on from version 1 to 2");
    // Another edit: only what changed is named (here nothing did).
    s.rs[0].store.add_case(&case_json("Later")).unwrap();
    s.rs[0].sync();
    assert_eq!(dependencies_of(&s.share, &s.keys, &s.rs[0], 4), vec![]);
    // A peer going back to an older Casebook does not move the group back.
    old.write_record(&s.share, &s.keys, &s.group, 1);
    s.rs[0].sync();
    s.rs[0].store.add_case(&case_json("Never back")).unwrap();
    s.rs[0].sync();
    assert_eq!(version_of(&s.share, &dev_hex(&s.rs[0]), 5), DELTA_V2);
    let got = s.rs[1].sync();
    assert_eq!(applied(&got), vec![(dev_hex(&s.rs[0]), 4), (dev_hex(&s.rs[0]), 5)], "{got:?}");
    // Both vaults hold the same cases.
    assert_eq!(snapshot(&s.rs[0].store), snapshot(&s.rs[1].store));
}

#[test]
fn an_author_going_back_to_version_1_is_refused_and_blocks_only_itself() {
    let mut s = setup();
    let mut m = Insider::new(&s.share, &s.keys, &s.group, 2);
    let c = note_on(&s, &m, 1);
    m.send(&s.share, &s.keys, &s.group, c);
    assert_eq!(applied(&s.rs[1].sync()).len(), 1);
    m.version = DELTA_V1;
    let c = note_on(&s, &m, 2);
    m.send(&s.share, &s.keys, &s.group, c);
    s.rs[0].store.add_case(&case_json("Still flows")).unwrap();
    s.rs[0].sync();
    let got = s.rs[1].sync();
    let m_hex = hex(&m.id);
    let alarm = got.alarms.iter().find(|a| a.device == m_hex).expect("refused alarm");
    assert!(alarm.detail.contains("version_downgrade"), "{}", alarm.detail);
    assert_eq!(applied(&got), vec![(dev_hex(&s.rs[0]), 2)], "the other device still applies");
    assert_eq!(waiting_state(&got, &m_hex).unwrap().0, "refused");
}

#[test]
fn a_delta_asking_for_a_newer_reader_waits_without_an_alarm_and_others_go_on() {
    let mut s = setup();
    let mut m = Insider::new(&s.share, &s.keys, &s.group, 3);
    m.min_reader = format::READER + 1;
    let c = note_on(&s, &m, 1);
    m.send(&s.share, &s.keys, &s.group, c);
    s.rs[0].store.add_case(&case_json("Still flows")).unwrap();
    s.rs[0].sync();
    for _ in 0..2 {
        let got = s.rs[1].sync();
        assert!(got.alarms.is_empty() && got.problems.is_empty(), "{got:?}");
        let (state, reason) = waiting_state(&got, &hex(&m.id)).expect("waits");
        assert_eq!(state, "newer_version");
        assert!(reason.contains("update Casebook"), "{reason}");
    }
    assert_eq!(s.rs[1].store.case(&s.case).unwrap().notes.len(), 0);
    // A delta of an unknown later format version waits the same way.
    let path = s.share.join(hex(&m.id)).join(delta(1));
    let mut bytes = fs::read(&path).unwrap();
    bytes[7] = 3;
    fs::write(&path, bytes).unwrap();
    let got = s.rs[1].sync();
    assert!(got.alarms.is_empty() && got.problems.is_empty(), "{got:?}");
    assert_eq!(waiting_state(&got, &hex(&m.id)).unwrap().0, "newer_version");
}

#[test]
fn a_dependency_on_another_version_of_a_delta_blocks_only_its_author() {
    let mut s = setup();
    let a = dev_hex(&s.rs[0]);
    let a_id: [u8; 16] = s.rs[0].store.device_id().unwrap();
    // M claims to follow A's delta 1 but names an id A never signed.
    let mut m = Insider::new(&s.share, &s.keys, &s.group, 4);
    let real = fs::read(s.share.join(&a).join(delta(1))).unwrap();
    let moved = s.share.join(&a).join("moved-away");
    fs::rename(s.share.join(&a).join(delta(1)), &moved).unwrap();
    m.deps = vec![(a_id, 1)];
    let c = note_on(&s, &m, 1);
    m.send(&s.share, &s.keys, &s.group, c); // the file is missing: a made-up id
    fs::rename(&moved, s.share.join(&a).join(delta(1))).unwrap();
    assert_eq!(seal::delta_id(&real), seal::delta_id(&fs::read(s.share.join(&a).join(delta(1))).unwrap()));
    s.rs[0].store.add_case(&case_json("Still flows")).unwrap();
    s.rs[0].sync();
    let got = s.rs[1].sync();
    assert!(got.alarms.is_empty(), "nobody is blamed without two receipts: {:?}", got.alarms);
    let (state, reason) = waiting_state(&got, &hex(&m.id)).expect("M waits");
    assert_eq!(state, "other_version");
    assert!(reason.contains("delta 1 of device"), "{reason}");
    assert_eq!(applied(&got), vec![(a.clone(), 2)], "A still applies");
    // A's own device sees the same claim about itself.
    let got = s.rs[0].sync();
    assert_eq!(waiting_state(&got, &hex(&m.id)).unwrap().0, "other_version");
    // M's next delta, naming the real id, still waits behind the first (its chain).
    let m2 = Insider::new(&s.share, &s.keys, &s.group, 5);
    let mut m2 = m2;
    m2.deps = vec![(a_id, 1)];
    let c = note_on(&s, &m2, 2);
    m2.send(&s.share, &s.keys, &s.group, c);
    let got = s.rs[1].sync();
    assert!(applied(&got).contains(&(hex(&m2.id), 1)), "an honest claim applies: {got:?}");
}

/// A member's two versions of one delta, the losing one gone from the share (Nextcloud never
/// uploads it, the user tidies conflict copies away): the device that saw both publishes the
/// two receipts, and the device that only ever saw the other version learns of the fork from
/// them, with both ids named.
#[test]
fn a_fork_proof_tells_a_device_that_never_saw_the_other_version() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 3);
    let (group, key) = group_secret(&rs[0].store);
    let keys = GroupKeys::derive(1, &key);
    let case = *rs[0].store.add_case(&case_json("Forked")).unwrap().as_bytes();
    for r in rs.iter_mut() {
        r.sync();
    }
    let s = Setup {
        _tmp: tempfile::tempdir().unwrap(),
        share: share.clone(),
        rs: vec![],
        keys: GroupKeys::derive(1, &key),
        group,
        case,
    };
    // M's delta 1, version X, reaches device 0; then a copy of M (same key) writes version Y
    // under the same name, and X's file is gone.
    let mut m = Insider::new(&share, &keys, &group, 6);
    let x = note_on(&s, &m, 1);
    m.send(&share, &keys, &group, x);
    assert_eq!(applied(&rs[0].sync()).len(), 1);
    let mut copy = Insider::new(&share, &keys, &group, 6);
    let y = note_on(&s, &copy, 2);
    copy.send(&share, &keys, &group, y);
    // Device 1 only ever sees Y: it applies it, and has no reason to suspect anything.
    let r1 = rs[1].sync();
    assert_eq!(applied(&r1).len(), 1);
    assert!(r1.alarms.is_empty(), "{:?}", r1.alarms);
    // Device 0 sees its applied delta's file changed to another signed version: fork, and it
    // publishes both receipts.
    let r0 = rs[0].sync();
    assert!(r0.alarms.iter().any(|a| a.kind == "fork" && a.device == hex(&m.id)), "{:?}", r0.alarms);
    let proof = share.join(dev_hex(&rs[0])).join(format!("{}-{:012}.fork", hex(&m.id), 1));
    assert_eq!(fs::read(&proof).unwrap().len(), format::FORK_PROOF_LEN);
    // Device 1 learns of it from the proof alone, with both versions named.
    let r1 = rs[1].sync();
    let alarm = r1.alarms.iter().find(|a| a.kind == "fork").expect("fork alarm from the proof");
    assert_eq!((alarm.device.as_str(), alarm.seq), (hex(&m.id).as_str(), 1));
    assert!(alarm.detail.contains("receipts published by device"), "{}", alarm.detail);
    assert!(r1.problems.is_empty(), "{:?}", r1.problems);
    // Once: the proof is remembered, not verified and raised again.
    assert!(rs[1].sync().alarms.is_empty());
    // Device 2 too; a damaged proof is reported, never an alarm.
    let mut bytes = fs::read(&proof).unwrap();
    let theirs = share.join(dev_hex(&rs[1])).join(format!("{}-{:012}.fork", hex(&m.id), 1));
    bytes[100] ^= 1;
    fs::write(&theirs, &bytes).unwrap();
    let r2 = rs[2].sync();
    assert_eq!(r2.alarms.iter().filter(|a| a.kind == "fork").count(), 1, "{:?}", r2.alarms);
    assert!(r2.problems.iter().any(|p| p.file.ends_with(".fork")), "{:?}", r2.problems);
    // Devices 0 and 1 applied different versions of M's delta 1, so each one's later deltas
    // name a version the other never applied. With the fork proven, that dependency counts as
    // met: they go on exchanging everything else instead of waiting on each other for ever.
    let c0 = rs[0].store.add_case(&case_json("After the fork, from device 0")).unwrap();
    let c1 = rs[1].store.add_case(&case_json("After the fork, from device 1")).unwrap();
    for _ in 0..2 {
        for r in rs.iter_mut() {
            let report = r.sync();
            assert!(!report.waiting.iter().any(|w| w.state == "other_version"), "{:?}", report.waiting);
        }
    }
    assert!(rs[0].store.case(c1.as_bytes()).is_ok(), "device 1's case reached device 0");
    assert!(rs[1].store.case(c0.as_bytes()).is_ok(), "device 0's case reached device 1");
}

/// A vault and its copy (a restored backup) each wrote delta 2; the share kept only the copy's
/// version, and the copy never saw the other. The device that applied the first version
/// publishes the proof; the copy reads it, learns that its own identity forked, and continues
/// as a new device, sending again what it wrote from delta 2 on. Nothing is lost.
#[test]
fn a_proof_about_this_vaults_own_identity_moves_it_to_a_new_one() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    rs[0].store.add_case(&case_json("Before the copy")).unwrap();
    rs[0].sync();
    rs[1].sync();
    let mut copy = sync_common::hostile::clone_vault(&mut rs[0], &tmp.path().join("copy"));
    let a = dev_hex(&rs[0]);
    // The original writes delta 2 (X); device 1 applies it; then X's file vanishes.
    rs[0].store.add_case(&case_json("Written by the original")).unwrap();
    rs[0].sync();
    assert_eq!(applied(&rs[1].sync()), vec![(a.clone(), 2)]);
    let x = share.join(&a).join(delta(2));
    fs::remove_file(&x).unwrap();
    // The copy writes its own delta 2 (Y), seeing nothing wrong.
    copy.store.add_case(&case_json("Written by the copy")).unwrap();
    let r = copy.sync();
    assert!(r.alarms.is_empty(), "{:?}", r.alarms);
    assert_eq!(dev_hex(&copy), a);
    // Device 1 sees its applied delta 2 replaced: fork, proof published.
    let r = rs[1].sync();
    assert!(r.alarms.iter().any(|x| x.kind == "fork"), "{:?}", r.alarms);
    // The copy reads the proof about itself and moves to a new identity at once.
    let r = copy.sync();
    assert!(r.alarms.iter().any(|x| x.kind == "fork" && x.device == a), "{:?}", r.alarms);
    assert!(r.alarms.iter().any(|x| x.kind == "new_identity"), "{:?}", r.alarms);
    assert_ne!(dev_hex(&copy), a);
    assert!(r.sent_deltas >= 1, "its delta 2 goes out again under the new identity");
    // Device 1 gets the copy's case under the new identity. The original's delta 2 it had
    // applied is quarantined (rolled back) like the copy's: the fork is proven from there.
    rs[1].sync();
    let names = |r: &Replica| -> Vec<String> {
        r.store.list_cases(&Default::default(), 0, 100).unwrap().into_iter().map(|c| c.full_name).collect()
    };
    assert!(names(&rs[1]).iter().any(|n| n == "Written by the copy"), "{:?}", names(&rs[1]));
    assert!(!names(&rs[1]).iter().any(|n| n == "Written by the original"), "{:?}", names(&rs[1]));
    let q = engine::status(&rs[1].store).unwrap().quarantine;
    assert_eq!((q.len(), q[0].device.as_str(), q[0].from_seq, q[0].records), (1, a.as_str(), 2, 1), "{q:?}");
    // The original finds its delta 2 replaced, continues under a new identity of its own and
    // sends it again: nothing is lost.
    let r = rs[0].sync();
    assert!(r.alarms.iter().any(|x| x.kind == "new_identity"), "{:?}", r.alarms);
    rs[1].sync();
    assert!(names(&rs[1]).iter().any(|n| n == "Written by the original"), "{:?}", names(&rs[1]));
    assert_eq!(names(&rs[1]).len(), 3);
}

/// A delta that carries a case's code name (field 20, unknown to reader 2) asks for reader 3,
/// so a device on the previous Casebook waits for an update instead of refusing it; any other
/// delta still asks for reader 2 (docs/formats/delta.md section 4.1).
#[test]
fn only_a_delta_carrying_a_code_name_asks_for_reader_3() {
    let mut s = setup();
    let min_reader = |s: &Setup, seq: u64| {
        let bytes = fs::read(s.share.join(dev_hex(&s.rs[0])).join(delta(seq))).unwrap();
        format::decode_delta(&bytes).unwrap().header.min_reader
    };
    let first = s.rs[0].store.add_case(&case_json("No code name")).unwrap();
    s.rs[0].sync();
    let last = |s: &Setup| -> u64 {
        let dir = s.share.join(dev_hex(&s.rs[0]));
        (1..).take_while(|n| dir.join(delta(*n)).exists()).last().unwrap_or(0)
    };
    let seq = last(&s);
    assert_eq!(min_reader(&s, seq), 2);
    s.rs[0].store.update_case(first.as_bytes(), &obj(serde_json::json!({"code_name": "Sokol-7"}))).unwrap();
    s.rs[0].sync();
    let seq = last(&s);
    assert_eq!(min_reader(&s, seq), 3);
    let got = s.rs[1].sync();
    assert!(got.alarms.is_empty() && got.problems.is_empty(), "{got:?}");
    assert_eq!(s.rs[1].store.case(first.as_bytes()).unwrap().code_name.as_deref(), Some("Sokol-7"));
}
