//! A hostile group member (docs/formats/delta.md section 6.1): validly signed deltas that break
//! a rule of the content. Each is refused as a whole for its author only — nothing of it is
//! applied, an alarm names the device and the rule, its later deltas wait behind it — while the
//! genuine deltas of every other device apply in the same sync. A failure of this vault while
//! applying is never the author's fault.

mod sync_common;

use casebook::entropy::{Clock, FaultSwitch};
use casebook::model::{FieldKind, Value, DELETED, TABLES};
use casebook::store::read::CaseFilter;
use casebook::sync::engine::{self, SyncReport};
use casebook::sync::format::{WireChange, WireClock};
use casebook::sync::seal::GroupKeys;
use sync_common::*;

/// Two devices that share one case with a note and a task; the case, the note and the task ids.
struct Setup {
    _tmp: tempfile::TempDir,
    share: std::path::PathBuf,
    rs: Vec<Replica>,
    keys: GroupKeys,
    group: [u8; 16],
    case: [u8; 16],
    note: [u8; 16],
    task: [u8; 16],
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    let case = *rs[0].store.add_case(&case_json("Genuine")).unwrap().as_bytes();
    let note = *rs[0].store.add_note(&case, "Anna's note: met at the consulate").unwrap().as_bytes();
    let task = *rs[0].store.add_task(&case, "File the appeal", Some("2026-12-20")).unwrap().as_bytes();
    rs[0].sync();
    rs[1].sync();
    let (group, key) = group_secret(&rs[0].store);
    Setup { _tmp: tmp, share, rs, keys: GroupKeys::derive(1, &key), group, case, note, task }
}

fn now_hlc(r: &Replica) -> u64 {
    (r.clock.now_ms() + 5_000) << 16
}

/// An edit: names a clock as the value it replaces.
fn edit(mut c: WireChange) -> WireChange {
    c.prev = Some(WireClock { hlc: 1, device: 0 });
    c
}

fn alarm_of<'a>(report: &'a SyncReport, device: &str) -> Option<&'a engine::Alarm> {
    report.alarms.iter().find(|a| a.device == device)
}

/// Values that break each field of each record kind: empty where it may not be, of the wrong
/// type, too long. (what, change) pairs, on the records of the setup (or a new one).
fn bad_values(s: &Setup, hlc: u64) -> Vec<(String, WireChange)> {
    let mut out = Vec::new();
    for table in TABLES {
        let record = match table.code {
            1 => s.case,
            3 => s.task,
            4 => s.note,
            _ => [0xe0; 16],
        };
        for def in table.fields {
            let what = |w: &str| format!("{} {}: {w}", table.noun, def.name);
            let mut values: Vec<(String, Value)> = Vec::new();
            if def.required || matches!(def.kind, FieldKind::Bool) {
                values.push((what("null"), Value::Null));
            }
            match def.kind {
                FieldKind::Bool => values.push((what("2"), Value::Int(2))),
                FieldKind::Ref => values.push((what("a 15-byte id"), Value::Blob(vec![1; 15]))),
                FieldKind::Text { max, .. } => values.push((what("too long"), Value::Text("я".repeat(max + 1)))),
                FieldKind::Date => values.push((what("no date"), Value::Text("2026-02-30".into()))),
                FieldKind::Country => values.push((what("no country"), Value::Text("Atlantis".into()))),
                FieldKind::Code(_) => values.push((what("no code"), Value::Text("Not a code!".into()))),
                _ => {
                    let many: Vec<String> = (0..100).map(|i| format!("x{i}")).collect();
                    values.push((what("100 items"), Value::Text(serde_json::to_string(&many).unwrap())));
                    values.push((what("not JSON"), Value::Text("[{".into())));
                }
            }
            if !matches!(def.kind, FieldKind::Ref | FieldKind::Bool) {
                values.push((what("a number"), Value::Int(5)));
            }
            for (what, value) in values {
                let c = change(table.code, record, def.code, hlc, value);
                // References may only be set at creation: offer them as a creation.
                let c = if matches!(def.kind, FieldKind::Ref) { c } else { edit(c) };
                out.push((what, c));
            }
        }
    }
    out
}

/// Every field kind with a broken value, a note rewritten, a task and a note moved to another
/// case, a deleted case brought back, a task marked done = null, a task under a note's id: each
/// from its own insider, all
/// in one sync together with a genuine delta. The genuine delta applies, none of the others
/// does, each insider has an alarm naming the rule (or its file a problem, where the decoder
/// already refuses the type), and the insiders' later deltas wait behind the refused one.
#[test]
fn every_rule_breaking_delta_is_refused_for_its_author_only() {
    let mut s = setup();
    let hlc = now_hlc(&s.rs[1]);
    let deleted = *s.rs[0].store.add_case(&case_json("Deleted at the person's request")).unwrap().as_bytes();
    s.rs[0].store.delete_case(&deleted).unwrap();
    s.rs[0].sync();
    s.rs[1].sync();
    let other_case = *s.rs[0].store.add_case(&case_json("Another")).unwrap().as_bytes();
    s.rs[0].sync();
    s.rs[1].sync();

    let mut attacks = bad_values(&s, hlc);
    let rules: Vec<(&str, WireChange, &str)> = vec![
        (
            "a note rewritten",
            edit(change(4, s.note, 2, hlc, Value::Text("Anna never met him".into()))),
            "note_rewritten",
        ),
        ("a note moved", edit(change(4, s.note, 1, hlc, Value::Blob(other_case.to_vec()))), "reference_changed"),
        ("a task moved", edit(change(3, s.task, 1, hlc, Value::Blob(other_case.to_vec()))), "reference_changed"),
        ("a deleted case brought back", edit(change(1, deleted, DELETED, hlc, Value::Int(0))), "undelete"),
        ("a task done = null", edit(change(3, s.task, 4, hlc, Value::Null)), "value"),
        // The note's id names its kind: a task under it is refused on the change alone.
        ("a reused id of another kind", change(3, s.note, 2, hlc, Value::Text("Call him".into())), "kind_mismatch"),
    ];
    let expected_rules: Vec<(String, &str)> = rules.iter().map(|(w, _, r)| (w.to_string(), *r)).collect();
    attacks.extend(rules.into_iter().map(|(w, c, _)| (w.to_string(), c)));
    assert!(attacks.len() > 50, "{} attacks", attacks.len());

    let before = snapshot(&s.rs[1].store);
    let mut insiders = Vec::new();
    for (n, (what, c)) in attacks.into_iter().enumerate() {
        let mut insider = Insider::new(&s.share, &s.keys, &s.group, n as u8);
        // A genuine-looking change first, so a half-applied delta would show.
        let first = edit(change(1, s.case, 11, hlc, Value::Text("Half-applied".into())));
        let file = insider.send(&s.share, &s.keys, &s.group, vec![first, c]);
        // And a valid later delta, which must wait behind the refused one.
        insider.send(
            &s.share,
            &s.keys,
            &s.group,
            vec![edit(change(1, s.case, 11, hlc + 1, Value::Text("Later".into())))],
        );
        insiders.push((what, hex(&insider.id), file));
    }
    // A genuine edit of the first device in the same sync.
    s.rs[0].store.update_case(&s.case, &obj(serde_json::json!({"assigned_to": "Bakhyt"}))).unwrap();
    s.rs[0].sync();

    let report = engine::sync(&mut s.rs[1].store).expect("sync goes on whatever insiders write");
    assert_eq!(applied(&report), vec![(dev_hex(&s.rs[0]), 4)], "only the genuine delta applies: {:?}", report.received);
    let case = s.rs[1].store.case(&s.case).unwrap();
    assert_eq!(case.assigned_to.as_deref(), Some("Bakhyt"));
    assert_eq!(case.city, None, "nothing of a refused delta is applied");
    assert_eq!(case.notes[0].body, "Anna's note: met at the consulate");
    assert_eq!(case.tasks.len(), 1);
    assert!(!case.tasks[0].done);
    assert!(s.rs[1].store.case(&deleted).is_err(), "the deleted case stays deleted");
    assert_eq!(s.rs[1].store.case(&other_case).unwrap().notes.len(), 0);
    let after = snapshot(&s.rs[1].store);
    assert_eq!(after.lines().count(), before.lines().count(), "no record was added by an insider");

    let mut refused = 0;
    for (what, dev, file) in &insiders {
        let waits = report.waiting.iter().find(|w| &w.device == dev);
        match alarm_of(&report, dev) {
            Some(alarm) => {
                refused += 1;
                assert_eq!((alarm.kind.as_str(), alarm.seq), ("refused", 1), "{what}: {alarm:?}");
                assert!(alarm.detail.contains("change 2 of 2"), "{what}: {}", alarm.detail);
                let w = waits.unwrap_or_else(|| panic!("{what}: its later delta is not listed as waiting"));
                assert_eq!((w.state, w.seq), ("refused", 1), "{what}: {w:?}");
                if let Some((_, rule)) = expected_rules.iter().find(|(w, _)| w == what) {
                    assert!(alarm.detail.contains(&format!("`{rule}`")), "{what}: {}", alarm.detail);
                }
            }
            None => {
                let p = report.problems.iter().find(|p| &p.file == file);
                assert!(p.is_some(), "{what}: neither refused nor reported: {report:?}");
            }
        }
    }
    eprintln!("{} insider deltas: {refused} refused by the rules, the rest rejected by the decoder", insiders.len());
    assert!(refused >= 40, "{refused} of {} refused by the rules", insiders.len());

    // The next sync raises no new alarm, applies nothing of theirs, and the genuine devices
    // keep exchanging both ways.
    let again = engine::sync(&mut s.rs[1].store).unwrap();
    assert!(again.alarms.is_empty() && again.received.is_empty(), "{again:?}");
    s.rs[1].store.add_note(&s.case, "from B after the insiders").unwrap();
    s.rs[1].sync();
    let report = s.rs[0].sync();
    assert_eq!(report.received.len(), 1, "{report:?}");
    let status = engine::status(&s.rs[0].store).unwrap();
    assert!(status.alarms.iter().filter(|a| a.kind == "refused").count() >= 40);
}

/// A far-future task title, a 64-bit integer where a flag belongs: the shapes a column would
/// refuse. The delta is refused before the database sees it, so no SQL error can stop a sync.
#[test]
fn a_value_that_would_break_a_column_never_reaches_the_database() {
    let mut s = setup();
    let hlc = now_hlc(&s.rs[1]);
    let mut insider = Insider::new(&s.share, &s.keys, &s.group, 1);
    let new_task = [0xe1; 16];
    let file = insider.send(
        &s.share,
        &s.keys,
        &s.group,
        vec![
            change(3, new_task, 1, hlc, Value::Blob(s.case.to_vec())),
            change(3, new_task, 2, hlc, Value::Text("Crafted".into())),
            change(3, new_task, 4, hlc, Value::Null),
        ],
    );
    let report = s.rs[1].sync();
    let alarm = alarm_of(&report, &hex(&insider.id)).unwrap_or_else(|| panic!("{file}: {report:?}"));
    assert!(alarm.detail.contains("`done` must be true or false"), "{}", alarm.detail);
    assert_eq!(s.rs[1].store.case(&s.case).unwrap().tasks.len(), 1);
}

/// A full disk (an injected failure) while a genuine delta is applied: the delta is deferred,
/// nothing of it lands, no alarm is raised against its author, the other devices' deltas still
/// apply, and the next sync with room on the disk applies it.
#[test]
fn a_failure_while_applying_defers_the_delta_and_blames_nobody() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 3);
    let case = *rs[0].store.add_case(&case_json("Genuine")).unwrap().as_bytes();
    rs[0].sync();
    let faults = FaultSwitch::new(&["apply-delta"]);
    rs[2].store.inject_faults(Box::new(faults.clone()));
    let report = rs[2].sync();
    assert!(report.received.is_empty(), "{report:?}");
    assert!(report.alarms.is_empty(), "a local failure raises no alarm: {:?}", report.alarms);
    let w = report.waiting.iter().find(|w| w.device == dev_hex(&rs[0])).expect("listed as waiting");
    assert_eq!((w.state, w.seq), ("deferred", 1), "{w:?}");
    assert!(w.reason.contains("tried again at the next sync"), "{}", w.reason);
    assert_eq!(rs[2].store.count_cases(&CaseFilter::default()).unwrap(), 0, "nothing half-applied");
    assert!(engine::status(&rs[2].store).unwrap().alarms.is_empty());

    faults.clear();
    let report = rs[2].sync();
    assert_eq!(applied(&report), vec![(dev_hex(&rs[0]), 1)], "{report:?}");
    assert_eq!(rs[2].store.case(&case).unwrap().full_name, "Genuine");
    // The author was never blocked anywhere: its next delta reaches both peers.
    rs[0].store.add_note(&case, "later").unwrap();
    rs[0].sync();
    assert_eq!(rs[1].sync().received.len(), 2);
    assert_eq!(rs[2].sync().received.len(), 1);
}

/// A member's delta with a device table or a dependency list one entry beyond the format's
/// bound (4,097) is rejected by the decoder, by name, with nothing applied; the genuine delta
/// of another device still applies in the same sync.
#[test]
fn a_device_table_or_dependency_list_beyond_the_bound_stops_no_one() {
    let mut s = setup();
    let h = now_hlc(&s.rs[0]);
    let ids = |n: usize, base: u8| -> Vec<[u8; 16]> {
        (0..n)
            .map(|i| {
                let mut id = [base; 16];
                id[..8].copy_from_slice(&(i as u64).to_be_bytes());
                id
            })
            .collect()
    };
    let mut wide = Insider::new(&s.share, &s.keys, &s.group, 40);
    wide.devices = ids(casebook::sync::format::MAX_DEVICES, 0x11); // with the author: 4,097 entries
    let wide_file =
        wide.send(&s.share, &s.keys, &s.group, vec![change(1, [0xe1; 16], 1, h, Value::Text("Wide".into()))]);
    let mut deep = Insider::new(&s.share, &s.keys, &s.group, 41);
    deep.deps = ids(casebook::sync::format::MAX_DEPS + 1, 0x22).into_iter().map(|d| (d, 1)).collect();
    let deep_file =
        deep.send(&s.share, &s.keys, &s.group, vec![change(1, [0xe2; 16], 1, h, Value::Text("Deep".into()))]);
    let genuine = *s.rs[0].store.add_case(&case_json("Genuine after them")).unwrap().as_bytes();
    s.rs[0].sync();
    let before = s.rs[1].store.count_cases(&CaseFilter::default()).unwrap();
    let report = s.rs[1].sync();
    for file in [&wide_file, &deep_file] {
        let p = report.problems.iter().find(|p| &p.file == file).unwrap_or_else(|| panic!("{file}: {report:?}"));
        assert!(p.problem.contains("4096"), "{}", p.problem);
    }
    assert!(s.rs[1].store.case(&genuine).is_ok(), "the genuine delta applied in the same sync");
    assert_eq!(
        s.rs[1].store.count_cases(&CaseFilter::default()).unwrap(),
        before + 1,
        "nothing of the wide or deep deltas"
    );
}
