//! A sender writes only what its receivers accept (docs/formats/delta.md section 6.2): a
//! resolution of more competing values than one change can name, notes too long for one delta,
//! a first sync that must be split, and random local work — every delta this device writes
//! passes every reader's checks, and no record's creation is cut in two.

mod sync_common;

use std::collections::BTreeMap;
use std::path::Path;

use casebook::model::{Value, NOTE};
use casebook::store::read::CaseFilter;
use casebook::sync::format::{self, Body, WireClock};
use casebook::sync::{rules, seal, seal::GroupKeys, share};
use proptest::prelude::*;
use sync_common::*;

/// Every delta of `r` on the share, opened as a reader opens it (signature with the key of its
/// device record, decryption, decoding) and checked by the rules.
fn own_deltas(share_dir: &Path, r: &Replica) -> Vec<Body> {
    let (_, key) = group_secret(&r.store);
    let keys = GroupKeys::derive(1, &key);
    let dir = share_dir.join(dev_hex(r));
    let record = std::fs::read(dir.join(share::RECORD)).unwrap();
    let (header, _) = seal::open_record(&keys, &record).unwrap();
    let mut out = Vec::new();
    for seq in 1.. {
        let Ok(bytes) = std::fs::read(dir.join(delta(seq))) else { break };
        let (_, body) = seal::open_delta(&keys, &header.signing_key, &bytes)
            .unwrap_or_else(|b| panic!("delta {seq}: a reader refuses it: {}", b.0));
        rules::check(&body).unwrap_or_else(|r| panic!("delta {seq}: the rules refuse it: {r:?}"));
        out.push(body);
    }
    out
}

/// (record, clock) of every change, mapped to the deltas that carry one: a creation (or an edit)
/// whose changes sit in two deltas shows up here.
fn straddling(bodies: &[Body]) -> Vec<String> {
    let mut seen: BTreeMap<([u8; 16], u64), Vec<usize>> = BTreeMap::new();
    for (i, b) in bodies.iter().enumerate() {
        for c in &b.changes {
            let e = seen.entry((c.record, c.hlc)).or_default();
            if !e.contains(&i) {
                e.push(i);
            }
        }
    }
    seen.into_iter().filter(|(_, d)| d.len() > 1).map(|(k, d)| format!("{} in deltas {d:?}", hex(&k.0))).collect()
}

/// An insider writes 301 competing values for one field that was empty (an empty field is no
/// value: it does not compete); a caseworker resolves the field. The resolution names the 300
/// others and is written as two changes (255 names, then 45 and the first), every peer accepts
/// it, and every device ends with one value and no conflict.
#[test]
fn a_resolution_of_300_competing_values_reaches_every_peer() {
    let tmp = tempfile::tempdir().unwrap();
    let share_dir = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share_dir, 3);
    let case = *rs[0].store.add_case(&case_json("Genuine")).unwrap().as_bytes();
    for r in rs.iter_mut() {
        r.sync();
    }
    let (group_id, key) = group_secret(&rs[0].store);
    let keys = GroupKeys::derive(1, &key);
    let mut insider = Insider::new(&share_dir, &keys, &group_id, 1);
    let base = (rs[1].clock.0.load(std::sync::atomic::Ordering::SeqCst) + 60_000) << 16;
    let values: Vec<_> = (0..301u64)
        .map(|i| {
            let mut c = change(1, case, 11, base + i, Value::Text(format!("City {i}")));
            c.prev = Some(WireClock { hlc: 1, device: 0 });
            c
        })
        .collect();
    insider.send(&share_dir, &keys, &group_id, values);
    let report = rs[1].sync();
    assert_eq!(report.received.len(), 1, "{report:?}");
    let conflicts = rs[1].store.conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].values.len(), 301, "301 competing values");
    rs[1].store.resolve_conflict(&conflicts[0].id, 301).unwrap();
    assert!(rs[1].store.conflicts().unwrap().is_empty());
    rs[1].sync();

    let bodies = own_deltas(&share_dir, &rs[1]);
    let names: Vec<usize> = bodies.last().unwrap().changes.iter().map(|c| c.supersedes.len()).collect();
    assert_eq!(names, vec![255, 45], "the resolution is split, each part within the format's count");
    for i in [0, 2, 1] {
        let report = rs[i].sync();
        assert!(report.problems.iter().all(|p| p.file.starts_with(&hex(&insider.id))), "{report:?}");
        assert!(report.alarms.is_empty(), "{:?}", report.alarms);
        assert!(rs[i].store.conflicts().unwrap().is_empty(), "device {i} still has conflicts");
    }
    let shown: Vec<Option<String>> = rs.iter().map(|r| r.store.case(&case).unwrap().city).collect();
    assert_eq!(shown, vec![shown[0].clone(); 3]);
    assert_eq!(snapshot(&rs[0].store), snapshot(&rs[2].store));
    assert_eq!(snapshot(&rs[0].store), snapshot(&rs[1].store));
}

/// 2,000 honest notes of 20,000 characters (mostly Cyrillic: 74 MB of text, more than a reader
/// decompresses for one delta) are split into deltas that every peer accepts.
#[test]
fn long_notes_are_split_not_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let share_dir = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share_dir, 2);
    let case = *rs[0].store.add_case(&case_json("Long notes")).unwrap().as_bytes();
    let words = ["военкомат", "повестка", "граница", "консульство", "убежище", "паспорт", "решение"];
    rs[0]
        .store
        .write(|w| {
            for n in 0..2_000usize {
                let mut body = String::with_capacity(40_000);
                let mut i = n;
                while body.chars().count() < 19_980 {
                    body.push_str(words[i % words.len()]);
                    body.push(' ');
                    i = i.wrapping_mul(31).wrapping_add(7);
                }
                let body: String = body.chars().take(20_000).collect::<String>().trim().to_string();
                w.create(&NOTE, Some(&case), vec![(2, Value::Text(body))])?;
            }
            Ok(())
        })
        .unwrap();
    let report = rs[0].sync();
    assert!(report.sent_deltas >= 3, "{} deltas", report.sent_deltas);
    let bodies = own_deltas(&share_dir, &rs[0]);
    for (i, b) in bodies.iter().enumerate() {
        let len = format::encode_body(b, format::DELTA_V2).len();
        assert!(len <= format::MAX_BODY, "delta {} holds {len} bytes", i + 1);
    }
    assert!(straddling(&bodies).is_empty(), "{:?}", straddling(&bodies));
    let report = rs[1].sync();
    assert!(report.problems.is_empty() && report.alarms.is_empty(), "{report:?}");
    assert_eq!(report.received.len() as u64, bodies.len() as u64);
    assert_eq!(rs[1].store.case(&case).unwrap().notes.len(), 2_000);
}

/// A first sync of 4,100 cases (about 20,500 changes) is split by count; no case's creation
/// is cut in two, and the peer applies every delta.
#[test]
fn a_large_first_sync_never_cuts_a_creation_in_two() {
    let tmp = tempfile::tempdir().unwrap();
    let share_dir = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share_dir, 2);
    let input = obj(serde_json::json!({
        "full_name": "Иван Петров", "stage": "vetting", "country": "GE", "city": "Тбилиси", "aliases": ["Ваня"]
    }));
    rs[0]
        .store
        .write(|w| {
            let fields = casebook::model::input::validate(
                &casebook::model::CASE,
                &input,
                casebook::model::input::Purpose::Create,
                &[],
            )?;
            for _ in 0..4_100 {
                w.create(&casebook::model::CASE, None, fields.clone())?;
            }
            Ok(())
        })
        .unwrap();
    rs[0].sync();
    let bodies = own_deltas(&share_dir, &rs[0]);
    assert_eq!(bodies.len(), 2, "20,500 changes make two deltas");
    assert!(straddling(&bodies).is_empty(), "{:?}", straddling(&bodies));
    let report = rs[1].sync();
    assert!(report.problems.is_empty() && report.alarms.is_empty() && report.waiting.is_empty(), "{report:?}");
    assert_eq!(rs[1].store.count_cases(&CaseFilter::default()).unwrap(), 4_100);
}

#[derive(Debug, Clone)]
enum Op {
    AddCase(String, Option<String>),
    Note(usize, String),
    Task(usize, String, bool),
    City(usize, String),
    Delete(usize),
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Zа-яА-ЯёЁ0-9 .,-]{1,60}", "\\PC{1,40}", (1usize..20_000).prop_map(|n| "ж".repeat(n)),]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (text(), proptest::option::of("[A-Za-z ]{1,30}")).prop_map(|(n, l)| Op::AddCase(n, l)),
        (any::<usize>(), text()).prop_map(|(i, t)| Op::Note(i, t)),
        (any::<usize>(), text(), any::<bool>()).prop_map(|(i, t, d)| Op::Task(i, t, d)),
        (any::<usize>(), text()).prop_map(|(i, t)| Op::City(i, t)),
        any::<usize>().prop_map(Op::Delete),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Whatever local input accepts, the sender writes deltas that every reader accepts and
    /// applies: random cases, notes, tasks, edits and deletions in any script and length.
    #[test]
    fn every_delta_the_sender_writes_is_accepted_by_its_readers(ops in proptest::collection::vec(op(), 1..25)) {
        let tmp = tempfile::tempdir().unwrap();
        let share_dir = tmp.path().join("share");
        let mut rs = group(tmp.path(), &share_dir, 2);
        let mut cases: Vec<[u8; 16]> = Vec::new();
        for op in ops {
            // Local input refuses some of these (an empty name, a control character): that is
            // input's business; what it accepts must sync.
            let pick = |i: usize| (!cases.is_empty()).then(|| cases[i % cases.len()]);
            let s = &mut rs[0].store;
            match op {
                Op::AddCase(name, latin) => {
                    let mut input = obj(serde_json::json!({"full_name": name, "stage": "exit"}));
                    if let Some(l) = latin { input.insert("full_name_latin".into(), l.into()); }
                    if let Ok(id) = s.add_case(&input) { cases.push(*id.as_bytes()); }
                }
                Op::Note(i, t) => if let Some(c) = pick(i) { let _ = s.add_note(&c, &t); },
                Op::Task(i, t, done) => if let Some(c) = pick(i) {
                    if let Ok(task) = s.add_task(&c, &t.chars().take(500).collect::<String>(), None) {
                        if done { s.set_task_done(task.as_bytes(), true).unwrap(); }
                    }
                },
                Op::City(i, t) => if let Some(c) = pick(i) {
                    let _ = s.update_case(&c, &obj(serde_json::json!({"city": t.chars().take(100).collect::<String>()})));
                },
                Op::Delete(i) => if let Some(c) = pick(i) { let _ = s.delete_case(&c); },
            }
        }
        rs[0].sync();
        own_deltas(&share_dir, &rs[0]);
        let report = rs[1].sync();
        prop_assert!(report.problems.is_empty() && report.alarms.is_empty() && report.waiting.is_empty(), "{:?}", report);
        prop_assert_eq!(rs[0].store.count_cases(&CaseFilter::default()).unwrap(), rs[1].store.count_cases(&CaseFilter::default()).unwrap());
    }
}
