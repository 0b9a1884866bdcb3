//! Hostile group members and what sync tools leave behind (docs/formats/delta.md): forged and
//! swapped device records, hostile invites, the debris of Syncthing and Nextcloud, and
//! insiders' validly signed deltas with hostile bodies. Every case asserts what is applied,
//! what is reported, and that nothing panics.

mod sync_common;

use std::fs;
use std::time::{Duration, Instant};

use casebook::entropy::SeededEntropy;
use casebook::error::Error;
use casebook::model::{Value, DELETED};
use casebook::store::read::CaseFilter;
use casebook::sync::engine::{self};
use casebook::sync::format::{self, Body, WireChange};
use casebook::sync::seal::{self, GroupKeys};
use ed25519_dalek::SigningKey;
use sync_common::hostile::*;
use sync_common::*;

// ---------------------------------------------------------------------------------------------
// (c) Hostile device records and invites

/// Device records: flipped bytes, another group, another folder, a label that does not open,
/// a label with control characters: each reported by name, the device is not pinned and its
/// deltas wait. A record with a new key for a pinned device raises `key_changed`; deltas
/// signed by the new key are rejected, the device's genuine ones still apply.
#[test]
fn hostile_device_records() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 3);
    add_cases(&mut rs[2], "From C", 1);
    rs[2].sync();
    let c = dev_hex(&rs[2]);
    let c_id = rs[2].store.device_id().unwrap();
    let record = folder(&share, &rs[2]).join("device");
    let orig = fs::read(&record).unwrap();
    let file = format!("{c}/device");

    let mut positions: Vec<usize> = vec![0, 6, 7, 8, 24, 27, 28, 44, 60, 76, 84, 108, 109, 110, 120];
    positions.extend([orig.len() - 64, orig.len() - 1]);
    for i in positions {
        let mut bytes = orig.clone();
        bytes[i] ^= 0x10;
        fs::write(&record, &bytes).unwrap();
        let report = sync_now(&mut rs[1]);
        let p = problem_of(&report, &file).unwrap_or_else(|| panic!("byte {i}: not reported: {report:?}"));
        assert!(!p.is_empty());
        let w = report.waiting.iter().find(|w| w.device == c).unwrap_or_else(|| panic!("byte {i}: {report:?}"));
        assert!(w.reason.contains("no valid device record"), "{}", w.reason);
        assert!(report.received.is_empty() && report.alarms.is_empty(), "byte {i}: {report:?}");
    }
    for (cut, extra) in [(orig.len() - 1, 0), (100, 0), (0, 0), (orig.len(), 3)] {
        let mut bytes = orig[..cut].to_vec();
        bytes.extend(std::iter::repeat_n(0, extra));
        fs::write(&record, &bytes).unwrap();
        let report = sync_now(&mut rs[1]);
        assert!(problem_of(&report, &file).is_some(), "{cut}+{extra}: {report:?}");
        assert!(report.received.is_empty());
    }

    // Records made with the group's key by an insider, for device folders of their own.
    let (group_id, group_key) = group_secret(&rs[0].store);
    let keys = GroupKeys::derive(1, &group_key);
    let sk = SigningKey::from_bytes(&[0x33; 32]);
    let mut e = SeededEntropy::new(77);
    let fake = [0x5e; 16];
    let fake_dir = share.join(hex(&fake));
    fs::create_dir_all(&fake_dir).unwrap();
    let cases_of: Vec<(&str, Vec<u8>, &str)> = vec![
        ("another group", seal::seal_record(&keys, &sk, &[0xee; 16], &fake, 1, "x", &mut e), "another group"),
        (
            "another device",
            seal::seal_record(&keys, &sk, &group_id, &[0x5f; 16], 1, "x", &mut e),
            "names another device",
        ),
        (
            "another group key",
            seal::seal_record(&GroupKeys::derive(1, &[0x42; 32]), &sk, &group_id, &fake, 1, "x", &mut e),
            "does not open under the group key",
        ),
        (
            "control characters",
            seal::seal_record(&keys, &sk, &group_id, &fake, 1, "Anna\u{1b}[2J", &mut e),
            "control characters",
        ),
        (
            "epoch 2",
            seal::seal_record(&GroupKeys::derive(2, &group_key), &sk, &group_id, &fake, 1, "x", &mut e),
            "epoch",
        ),
    ];
    let fake_file = format!("{}/device", hex(&fake));
    for (what, bytes, expect) in cases_of {
        fs::write(fake_dir.join("device"), &bytes).unwrap();
        let report = sync_now(&mut rs[1]);
        let p = problem_of(&report, &fake_file).unwrap_or_else(|| panic!("{what}: not reported: {report:?}"));
        assert!(p.contains(expect), "{what}: {p}");
    }
    fs::remove_dir_all(&fake_dir).unwrap();

    // The genuine record: C is pinned and its delta applies.
    fs::write(&record, &orig).unwrap();
    let report = rs[1].sync();
    assert_eq!(applied(&report), vec![(c.clone(), 1)], "{report:?}");
    assert!(report.problems.is_empty(), "{:?}", report.problems);

    // A record with another key for the pinned device: alarm, not used.
    let thief = SigningKey::from_bytes(&[0x44; 32]);
    let swapped = seal::seal_record(&keys, &thief, &group_id, &c_id, 2, "C", &mut e);
    fs::write(&record, &swapped).unwrap();
    let report = rs[1].sync();
    let alarm = report.alarms.iter().find(|x| x.kind == "key_changed").expect("key_changed alarm");
    assert_eq!(alarm.device, c);
    assert!(engine::status(&rs[1].store).unwrap().alarms.iter().any(|x| x.kind == "key_changed"));
    // A delta signed by the new key is rejected...
    let body = Body {
        created_ms: 1,
        deps: vec![],
        devices: vec![c_id],
        changes: vec![WireChange {
            table: 1,
            record: [0x77; 16],
            field: DELETED,
            hlc: 1 << 20,
            prev: None,
            supersedes: vec![],
            value: Value::Int(1),
        }],
    };
    let c_dir = folder(&share, &rs[2]);
    let prev = seal::delta_id(&fs::read(c_dir.join(delta(1))).unwrap());
    let header = format::DeltaHeader::new(format::DELTA_V2, group_id, keys.epoch, c_id, 2, prev);
    let forged = seal::seal_delta(&keys, &thief, &header, &body);
    fs::write(c_dir.join(delta(2)), &forged).unwrap();
    let report = rs[1].sync();
    let p = problem_of(&report, &format!("{c}/{}", delta(2))).expect("rejected");
    assert!(p.contains("signature does not verify"), "{p}");
    assert!(report.received.is_empty());
    // ...and C's genuine delta 2 (same sequence number, signed by the pinned key) applies.
    fs::remove_file(c_dir.join(delta(2))).unwrap();
    add_cases(&mut rs[2], "C again", 1);
    rs[2].sync();
    let report = rs[1].sync();
    assert_eq!(applied(&report), vec![(c.clone(), 2)], "{report:?}");
    assert_eq!(cases(&rs[1].store), 2);
}

/// Invites: truncated, a flipped byte, expired, the wrong passphrase, KDF parameters of 4 TiB
/// (refused before the KDF runs). None attaches the vault; the genuine invite still works.
#[test]
fn hostile_invites() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 1);
    let invite = engine::invite(&mut rs[0].store, &pass("kanelo-tibura"), WEAK).unwrap();
    let bytes = format::invite_from_text(&invite).unwrap();
    assert_eq!(bytes.len(), format::INVITE_LEN);
    let mut j = Replica::new(&tmp.path().join("joiner"), 9);
    let right = pass("kanelo-tibura");
    let not_attached = |j: &Replica| matches!(engine::status(&j.store), Err(Error::ShareState { .. }));

    // Truncated text and truncated bytes.
    for cut in [invite.len() - 1, invite.len() - 20, format::INVITE_TEXT_PREFIX.len(), 5] {
        let err = engine::join(&mut j.store, &share, &invite[..cut], &right).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "cut at {cut}: {err:?}");
    }
    for cut in [0, 8, 59, 60, 191] {
        let err = engine::join(&mut j.store, &share, &format::invite_to_text(&bytes[..cut]), &right).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{cut} bytes: {err:?}");
    }
    let err = engine::join(&mut j.store, &share, &format!("{invite}Q7"), &right).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "appended: {err:?}");
    // A flipped byte: refused as bad input, bad KDF parameters, or a wrong key; never opened.
    for i in [0, 5, 6, 7, 8, 11, 15, 19, 20, 35, 36, 59, 60, 100, 175, 176, 191] {
        let mut b = bytes.clone();
        b[i] ^= 0xff;
        let err = engine::join(&mut j.store, &share, &format::invite_to_text(&b), &right).unwrap_err();
        assert!(
            matches!(err, Error::WrongKey | Error::InvalidInput { .. } | Error::KdfParams { .. }),
            "byte {i}: {err:?}"
        );
        assert!(i >= 20 || i == 11 || !matches!(err, Error::WrongKey), "byte {i} of the head: {err:?}");
    }
    // Garbage in the text.
    for text in ["", "CASEBOOK-INVITE-1:", "CASEBOOK-INVITE-1:!!!!", "CASEBOOK-INVITE-2:0000", "\u{feff}  \n"] {
        assert!(
            matches!(engine::join(&mut j.store, &share, text, &right), Err(Error::InvalidInput { .. })),
            "{text:?}"
        );
    }
    // The wrong passphrase.
    assert!(matches!(engine::join(&mut j.store, &share, &invite, &pass("kanelo-tibure")), Err(Error::WrongKey)));
    // KDF parameters of 4 TiB: refused before Argon2 runs.
    let mut b = bytes.clone();
    b[8..12].copy_from_slice(&[0xff; 4]);
    let started = Instant::now();
    let err = engine::join(&mut j.store, &share, &format::invite_to_text(&b), &right).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
    assert!(matches!(err, Error::KdfParams { .. }), "{err:?}");
    // Expired: the joiner's clock 8 days later.
    let mut late = Replica::new(&tmp.path().join("late"), 10);
    late.clock.advance(8 * 86_400_000);
    let err = engine::join(&mut late.store, &share, &invite, &right).unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
    assert!(not_attached(&late));
    // The invite into a folder that is not the group's share.
    let elsewhere = tmp.path().join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    assert!(matches!(engine::join(&mut j.store, &elsewhere, &invite, &right), Err(Error::ShareUnreachable { .. })));

    assert!(not_attached(&j), "no failed join attached the vault");
    engine::join(&mut j.store, &share, &invite, &right).unwrap();
    add_cases(&mut rs[0], "Welcome", 1);
    rs[0].sync();
    assert_eq!(cases_after_sync(&mut j), 1);
}

fn cases_after_sync(r: &mut Replica) -> u64 {
    let report = r.sync();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    cases(&r.store)
}

// ---------------------------------------------------------------------------------------------
// (d) What sync tools leave behind

/// Temp files are skipped silently; an identical conflict copy is a duplicate (no problem, no
/// alarm); a conflict copy holding garbage and a `desktop.ini` are reported, and the device's
/// deltas still apply.
#[test]
fn sync_tool_debris() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    add_cases(&mut rs[0], "Debris 1", 1);
    rs[0].sync();
    add_cases(&mut rs[0], "Debris 2", 1);
    rs[0].sync();
    let a = dev_hex(&rs[0]);
    let dir = folder(&share, &rs[0]);
    let d1 = fs::read(dir.join(delta(1))).unwrap();
    fs::write(dir.join(".syncthing.000000000002.delta.tmp"), b"partial").unwrap();
    fs::write(dir.join("000000000003.delta.part"), b"partial").unwrap();
    fs::write(dir.join(".~lock.000000000003.delta#"), b"lock").unwrap();
    fs::write(dir.join("000000000001.sync-conflict-20261123-101010-ABCDEFG.delta"), &d1).unwrap();
    let garbage_copy = "000000000001 (conflicted copy 2026-11-23).delta";
    fs::write(dir.join(garbage_copy), b"\0garbage from a sync tool, not a delta").unwrap();
    fs::write(dir.join("desktop.ini"), b"[.ShellClassInfo]\r\n").unwrap();
    fs::create_dir_all(share.join(".stfolder")).unwrap();
    fs::write(share.join("desktop.ini"), b"[.ShellClassInfo]\r\n").unwrap();
    fs::create_dir_all(share.join("NOT-A-DEVICE")).unwrap();

    for round in 0..2 {
        let report = rs[1].sync();
        if round == 0 {
            assert_eq!(applied(&report), vec![(a.clone(), 1), (a.clone(), 2)]);
        } else {
            assert!(report.received.is_empty());
        }
        let mut files: Vec<&str> = report.problems.iter().map(|p| p.file.as_str()).collect();
        files.sort_unstable();
        assert_eq!(files, vec![format!("{a}/{garbage_copy}"), format!("{a}/desktop.ini")], "round {round}: {report:?}");
        assert!(problem_of(&report, &format!("{a}/desktop.ini")).unwrap().contains("not a Casebook file"));
        assert!(!problem_of(&report, &format!("{a}/{garbage_copy}")).unwrap().is_empty());
        assert!(report.alarms.is_empty() && report.waiting.is_empty(), "round {round}: {report:?}");
    }
    assert_eq!(cases(&rs[1].store), 2);
    assert!(engine::status(&rs[1].store).unwrap().alarms.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Insiders: validly signed deltas with hostile (well-formed) bodies

/// A device made by hand with the group key: it publishes a record and signs deltas.
/// Well-formed deltas that no honest device writes (an update of a record never created, a
/// record without its required fields, a note of no case, values outside the vocabularies,
/// a note reusing a case's id): sync reports or applies them but never fails or panics, and
/// genuine deltas keep flowing both ways.
#[test]
fn insider_deltas_with_hostile_bodies_do_not_stop_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    let case = rs[0].store.add_case(&case_json("Genuine")).unwrap();
    rs[0].sync();
    rs[1].sync();
    let (group_id, group_key) = group_secret(&rs[0].store);
    let keys = GroupKeys::derive(1, &group_key);
    let h = (START_MS + 60_000) << 16;
    let text = |s: &str| Value::Text(s.into());
    let bodies: Vec<(&str, Vec<WireChange>)> = vec![
        ("update of a record never created", {
            let mut c = change(1, [0xd1; 16], 11, h, text("Yerevan"));
            c.prev = Some(format::WireClock { hlc: h - 1, device: 0 });
            vec![c]
        }),
        ("case without its required name", vec![change(1, [0xd2; 16], 11, h, text("Gyumri"))]),
        (
            "note of a case that does not exist",
            vec![change(4, [0xd3; 16], 1, h, Value::Blob(vec![0xcc; 16])), change(4, [0xd3; 16], 2, h, text("x"))],
        ),
        (
            "values outside the vocabularies and limits",
            [
                (1, text(&"x".repeat(5000))),
                (3, text("[1, {")),
                (4, text("yesterday")),
                (5, text("{")),
                (6, text("not json")),
                (9, text("not-a-stage")),
                (10, text("Atlantis")),
                (14, text("[{]")),
                (19, text("null")),
            ]
            .into_iter()
            .map(|(f, v)| change(1, [0xd4; 16], f, h, v))
            .collect(),
        ),
        (
            "note reusing the id of a case",
            vec![
                change(4, *case.as_bytes(), 1, h, Value::Blob(case.as_bytes().to_vec())),
                change(4, *case.as_bytes(), 2, h, text("y")),
            ],
        ),
        ("tombstone of nothing", vec![change(3, [0xd6; 16], DELETED, h, Value::Int(1))]),
    ];
    let mut names = Vec::new();
    for (n, (what, changes)) in bodies.into_iter().enumerate() {
        let mut insider = Insider::new(&share, &keys, &group_id, n as u8);
        names.push((what, insider.send(&share, &keys, &group_id, changes)));
    }
    let b = &mut rs[1];
    let report = no_panic("insider deltas", || engine::sync(&mut b.store)).unwrap();
    let report = report.unwrap_or_else(|e| panic!("sync failed on insider deltas: {e:?}"));
    for (what, name) in &names {
        let dev = name.split('/').next().unwrap();
        let outcome = if report.received.iter().any(|r| r.device == dev) {
            "applied".to_string()
        } else {
            format!("{:?}", problem_of(&report, name))
        };
        eprintln!("{what}: {outcome}");
    }
    // Every case still reads, the list still works.
    let list = b.store.list_cases(&CaseFilter::default(), 0, 100).unwrap();
    for c in &list {
        let id = casebook::store::read::parse_id(&c.id).unwrap();
        b.store.case(&id).unwrap();
    }
    // Genuine deltas keep flowing both ways.
    rs[0].store.update_case(case.as_bytes(), &obj(serde_json::json!({"city": "Vanadzor"}))).unwrap();
    rs[0].sync();
    let report = rs[1].sync();
    assert_eq!(applied(&report), vec![(dev_hex(&rs[0]), 2)], "{report:?}");
    rs[1].store.add_note(case.as_bytes(), "from B after the insiders").unwrap();
    rs[1].sync();
    let report = rs[0].sync();
    assert_eq!(report.received.len(), 1, "{report:?}");
}

/// An insider stamps a change of a case's city with `hlc`; B applies it, then edits the city
/// and adds a note; returns (B's city after its edit, A's city and note count after syncing).
fn edit_after_a_remote_clock(hlc: u64, accepted: bool) -> (Option<String>, Option<String>, usize) {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    let case = rs[0].store.add_case(&case_json("Genuine")).unwrap();
    rs[0].sync();
    rs[1].sync();
    let (group_id, group_key) = group_secret(&rs[0].store);
    let keys = GroupKeys::derive(1, &group_key);
    let mut insider = Insider::new(&share, &keys, &group_id, 9);
    let mut c = change(1, *case.as_bytes(), 11, hlc, Value::Text("Nowhere".into()));
    c.prev = Some(format::WireClock { hlc: 1, device: 0 });
    let insider_file = insider.send(&share, &keys, &group_id, vec![c]);
    let report = rs[1].sync();
    if accepted {
        assert_eq!(report.received.len(), 1, "{report:?}");
    } else {
        assert!(report.received.is_empty(), "{report:?}");
        let p = problem_of(&report, &insider_file).expect("the delta is reported");
        assert!(p.contains("beyond the year 6429"), "{p}");
    }

    rs[1].store.update_case(case.as_bytes(), &obj(serde_json::json!({"city": "Dilijan"}))).unwrap();
    rs[1].store.add_note(case.as_bytes(), "written after the remote clock").unwrap();
    let b_city = rs[1].store.case(case.as_bytes()).unwrap().city;
    assert_eq!(rs[1].sync().sent_deltas, 1);
    let report = rs[0].sync();
    assert!(report.problems.iter().all(|p| p.file == insider_file), "A rejects B's delta: {:?}", report.problems);
    assert_eq!(report.received.len(), if accepted { 2 } else { 1 }, "{report:?}");
    let a = rs[0].store.case(case.as_bytes()).unwrap();
    (b_city, a.city, a.notes.len())
}

/// A remote clock far in the future (the year 3000, below the format's bound): local clocks
/// follow it at most an hour past the wall clock, and B's later edit, which names the far
/// value, still replaces it everywhere (sync_clocks.rs tests the same at 2^63 − 1).
#[test]
fn an_edit_after_a_far_future_remote_clock_still_wins() {
    let year_3000_ms = 32_503_680_000_000u64;
    let got = edit_after_a_remote_clock(year_3000_ms << 16, true);
    assert_eq!(got, (Some("Dilijan".into()), Some("Dilijan".into()), 1));
}

/// A remote clock at the HLC's ceiling (u64::MAX: the largest millisecond, counter exhausted)
/// or anywhere from 2^63 on: the delta is refused (it would leave no later clock), and B's next
/// edit is not lost.
#[test]
fn an_edit_after_a_remote_clock_at_the_ceiling_is_not_lost() {
    let got = edit_after_a_remote_clock(u64::MAX, false);
    assert_eq!(got, (Some("Dilijan".into()), Some("Dilijan".into()), 1));
    let got = edit_after_a_remote_clock(1 << 63, false);
    assert_eq!(got, (Some("Dilijan".into()), Some("Dilijan".into()), 1));
}

// ---------------------------------------------------------------------------------------------
// Files the share cannot be trusted to hold

/// A delta larger than any delta can be, a folder where a delta should be, a device record
/// that is a folder: reported, nothing panics, the other files still apply.
#[test]
fn oversized_and_unreadable_files_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 3);
    add_cases(&mut rs[0], "Big", 1);
    rs[0].sync();
    let a = dev_hex(&rs[0]);
    let dir = folder(&share, &rs[0]);
    // Sparse: no disk space used; the reader must stop at its bound.
    let big = fs::File::create(dir.join(delta(2))).unwrap();
    big.set_len(casebook::sync::share::MAX_FILE + 1).unwrap();
    drop(big);
    // C's record replaced by a folder.
    let c = dev_hex(&rs[2]);
    let c_record = folder(&share, &rs[2]).join("device");
    fs::remove_file(&c_record).unwrap();
    fs::create_dir_all(&c_record).unwrap();

    let report = rs[1].sync();
    assert_eq!(applied(&report), vec![(a.clone(), 1)]);
    let p = problem_of(&report, &format!("{a}/{}", delta(2))).expect("oversized file reported");
    assert!(p.contains("larger than"), "{p}");
    assert!(problem_of(&report, &format!("{c}/device")).is_some(), "{report:?}");

    fs::remove_file(dir.join(delta(2))).unwrap();
    fs::create_dir_all(dir.join(delta(2))).unwrap();
    let report = rs[1].sync();
    assert!(problem_of(&report, &format!("{a}/{}", delta(2))).is_some(), "{report:?}");
    assert!(report.received.is_empty() && report.alarms.is_empty(), "{report:?}");
    assert_eq!(cases(&rs[1].store), 1);
}

/// The marker names another group, or is gone: sync refuses the folder as a whole (an error,
/// not a report), and works again once the marker is back.
#[test]
fn a_changed_or_missing_share_marker_stops_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    let marker = share.join("casebook.share");
    let orig = fs::read(&marker).unwrap();
    let mut other = orig.clone();
    other[8] ^= 1;
    for bytes in [other, orig[..23].to_vec(), b"garbage".to_vec(), Vec::new()] {
        fs::write(&marker, &bytes).unwrap();
        let err = engine::sync(&mut rs[1].store).unwrap_err();
        assert!(matches!(err, Error::ShareUnreachable { .. }), "{err:?}");
    }
    fs::remove_file(&marker).unwrap();
    assert!(matches!(engine::sync(&mut rs[1].store), Err(Error::ShareUnreachable { .. })));
    fs::write(&marker, &orig).unwrap();
    add_cases(&mut rs[0], "Back", 1);
    rs[0].sync();
    assert_eq!(rs[1].sync().received.len(), 1);
}

/// A device's own record on the share is checked at every sync: a renamed device writes it
/// again (the others learn the new name), and one someone replaced (here with another device's
/// record) is written again and reported.
#[test]
fn a_device_keeps_its_own_record_on_the_share_true() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    rs[0].sync();
    rs[1].sync();
    engine::set_label(&mut rs[0].store, "Renamed laptop").unwrap();
    let report = rs[0].sync();
    assert!(report.problems.is_empty(), "{report:?}");
    rs[1].sync();
    let status = engine::status(&rs[1].store).unwrap();
    assert!(status.devices.iter().any(|d| d.label == "Renamed laptop"), "{:?}", status.devices);

    let mine = folder(&share, &rs[0]).join("device");
    fs::copy(folder(&share, &rs[1]).join("device"), &mine).unwrap();
    let report = rs[0].sync();
    assert!(
        report.problems.iter().any(|p| p.file.ends_with("/device") && p.problem.contains("written again")),
        "{report:?}"
    );
    let report = rs[1].sync();
    assert!(report.problems.is_empty() && report.alarms.is_empty(), "{report:?}");
    assert!(engine::status(&rs[1].store).unwrap().devices.iter().any(|d| d.label == "Renamed laptop"));
}
