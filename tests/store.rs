//! The case store's write path: field-level change log in the same transaction, clocks,
//! record ids (UUIDv8: time and kind), tombstones, all-or-nothing writes, and compact storage.

mod common;

use common::*;
use serde_json::json;

use casebook::entropy::{FixedClock, SeededEntropy};
use casebook::model::{Value, CASE, NOTE};
use casebook::store::read::CaseFilter;

fn obj(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

/// (tbl, field, value as text, hlc, prev_hlc) of every change-log row, in order.
fn changes(store: &casebook::store::Store) -> Vec<(u8, u8, String, i64, Option<i64>)> {
    let mut stmt =
        store.connection().prepare("SELECT tbl, field, quote(value), hlc, prev_hlc FROM changes ORDER BY seq").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn every_write_records_field_level_changes_with_the_clock_it_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let (vault, _) = new_vault(&tmp.path().join("v"));
    let mut store = store_of(&vault, 1);
    let id = store.add_case(&obj(json!({"full_name": "Иван", "country": "AM", "notes": ["первая"]}))).unwrap();
    let log = changes(&store);
    // full_name, country, stage (defaulted) for the case; case_id and body for the note.
    assert_eq!(log.iter().filter(|c| c.0 == CASE.code).count(), 3, "{log:?}");
    assert_eq!(log.iter().filter(|c| c.0 == NOTE.code).count(), 2, "{log:?}");
    assert!(log.iter().all(|c| c.4.is_none()), "creations replace nothing");
    let created_hlc = log[0].3;

    let n = store.update_case(id.as_bytes(), &obj(json!({"country": "GE", "full_name": "Иван"}))).unwrap();
    assert_eq!(n, 1, "an unchanged value is not recorded");
    let log = changes(&store);
    let last = log.last().unwrap();
    assert_eq!((last.1, last.2.as_str()), (CASE.field("country").unwrap().code, "'GE'"));
    assert_eq!(last.4, Some(created_hlc), "prev_hlc is the clock of the value replaced");
    assert!(last.3 > created_hlc);

    store.update_case(id.as_bytes(), &obj(json!({"country": "KZ"}))).unwrap();
    let log = changes(&store);
    assert_eq!(log.last().unwrap().4, Some(last.3), "the second edit replaced the first edit's value");

    store.delete_case(id.as_bytes()).unwrap();
    let log = changes(&store);
    assert!(log.iter().any(|c| c.0 == CASE.code && c.1 == 0 && c.2 == "1"), "tombstone logged: {log:?}");
    assert!(log.iter().any(|c| c.0 == NOTE.code && c.1 == 0), "children tombstoned too");
    // The row stays for sync, marked deleted.
    let deleted: i64 = store.connection().query_row("SELECT deleted FROM cases", [], |r| r.get(0)).unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(store.count_cases(&CaseFilter::default()).unwrap(), 0);
}

#[test]
fn ids_name_their_kind_and_time_and_are_stored_as_16_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let (vault, _) = new_vault(&tmp.path().join("v"));
    let mut store = store_of(&vault, 1);
    let id = store.add_case(&obj(json!({"full_name": "A", "notes": ["first"]}))).unwrap();
    assert_eq!(id.get_version_num(), 8);
    let b = id.as_bytes();
    let ms = u64::from_be_bytes([0, 0, b[0], b[1], b[2], b[3], b[4], b[5]]);
    assert_eq!(ms / 1000, 1_795_442_975, "the id's time comes from the injected clock");
    assert_eq!(casebook::model::record_id::kind_of(b), Some(CASE.code));
    let note: Vec<u8> = store.connection().query_row("SELECT id FROM notes", [], |r| r.get(0)).unwrap();
    assert_eq!(casebook::model::record_id::kind_of(&note.try_into().unwrap()), Some(NOTE.code));
    let (len, rec_len): (i64, i64) = store
        .connection()
        .query_row("SELECT length(id), (SELECT max(length(rec)) FROM changes) FROM cases", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((len, rec_len), (16, 16));
}

#[test]
fn same_seed_and_clock_give_the_same_store_contents() {
    let build = || {
        let tmp = tempfile::tempdir().unwrap();
        let (vault, _) = new_vault(&tmp.path().join("v"));
        let clock = FixedClock::new(1_700_000_000_000);
        let mut store = vault.open_store(Box::new(clock), Box::new(SeededEntropy::new(5))).unwrap();
        let id = store.add_case(&obj(json!({"full_name": "Олег", "notes": ["x"]}))).unwrap();
        store.add_task(id.as_bytes(), "call", Some("2026-01-02")).unwrap();
        let rows: Vec<(Vec<u8>, i64)> = store
            .connection()
            .prepare("SELECT rec, hlc FROM changes ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        (id, rows)
    };
    assert_eq!(build(), build());
}

#[test]
fn a_failing_write_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let (vault, _) = new_vault(&tmp.path().join("v"));
    let mut store = store_of(&vault, 1);
    let before = changes(&store).len();
    let result = store.write(|w| {
        w.add_case_in(&obj(json!({"full_name": "Половина"})))?;
        w.add_case_in(&obj(json!({"full_name": "B", "stage": "nope"})))
    });
    assert!(result.is_err());
    assert_eq!(store.count_cases(&CaseFilter::default()).unwrap(), 0, "first case of a failed transaction was kept");
    assert_eq!(changes(&store).len(), before);
    assert!(store.search("Половина", &CaseFilter::default(), 10).unwrap().is_empty());
}

#[test]
fn the_same_path_applies_changes_by_last_writer_wins() {
    // A change carrying an older clock than the current value must not overwrite it.
    use casebook::store::clocks::FieldClock;
    use casebook::store::hlc::Hlc;
    use casebook::store::write::Change;
    let tmp = tempfile::tempdir().unwrap();
    let (vault, _) = new_vault(&tmp.path().join("v"));
    let mut store = store_of(&vault, 1);
    let id = store.add_case(&obj(json!({"full_name": "Новый", "city": "Ереван"}))).unwrap();
    let city = CASE.field("city").unwrap().code;
    let device = 1;
    let stale = Change {
        table: &CASE,
        record: *id.as_bytes(),
        field: city,
        value: Value::Text("Старый".into()),
        clock: FieldClock { hlc: Hlc(1), device },
        prev: None,
        supersedes: Vec::new(),
    };
    store.write(|w| w.apply(&[stale])).unwrap();
    assert_eq!(store.case(id.as_bytes()).unwrap().city.as_deref(), Some("Ереван"));
    let newer = Change {
        table: &CASE,
        record: *id.as_bytes(),
        field: city,
        value: Value::Text("Тбилиси".into()),
        clock: FieldClock { hlc: Hlc(u64::MAX >> 1), device },
        prev: None,
        supersedes: Vec::new(),
    };
    store.write(|w| w.apply(&[newer])).unwrap();
    assert_eq!(store.case(id.as_bytes()).unwrap().city.as_deref(), Some("Тбилиси"));
    assert_eq!(
        store.search("Tbilisi", &CaseFilter::default(), 5).unwrap().len(),
        1,
        "re-indexed through the same path"
    );
}

#[test]
fn change_log_keeps_the_database_within_about_twice_its_size() {
    let tmp = tempfile::tempdir().unwrap();
    let (vault, _) = new_vault(&tmp.path().join("v"));
    let mut store = store_of(&vault, 1);
    let mut w = casebook::bench::Workload::new(3);
    for _ in 0..400 {
        let (case, _, _) = w.case();
        store.add_case(&case).unwrap();
    }
    store.checkpoint().unwrap();
    let page_count = |s: &casebook::store::Store| -> i64 {
        s.connection().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap()
    };
    let with_log = page_count(&store);
    store.connection().execute_batch("DELETE FROM changes; VACUUM;").unwrap();
    let without = page_count(&store);
    let ratio = with_log as f64 / without as f64;
    assert!(ratio < 2.1, "change log makes the DB {ratio:.2}× larger ({with_log} vs {without} pages)");
}

#[test]
fn next_due_follows_open_tasks_and_drives_sort_and_filter() {
    use casebook::store::read::CaseSort;
    let tmp = tempfile::tempdir().unwrap();
    let (vault, _) = new_vault(&tmp.path().join("v"));
    let mut store = store_of(&vault, 1);
    let a = store.add_case(&obj(json!({"full_name": "Борис", "risk_level": "low"}))).unwrap();
    let b = store.add_case(&obj(json!({"full_name": "Анна", "risk_level": "critical"}))).unwrap();
    let c = store.add_case(&obj(json!({"full_name": "Виктор"}))).unwrap();
    let t1 = store.add_task(a.as_bytes(), "first", Some("2026-12-10")).unwrap();
    store.add_task(a.as_bytes(), "second", Some("2026-12-20")).unwrap();
    store.add_task(b.as_bytes(), "urgent", Some("2026-11-30")).unwrap();
    let names = |sort| {
        store
            .list_cases_sorted(&CaseFilter::default(), sort, 0, 10)
            .unwrap()
            .into_iter()
            .map(|s| s.full_name)
            .collect::<Vec<_>>()
    };
    assert_eq!(names(CaseSort::NextDue), vec!["Анна", "Борис", "Виктор"]);
    assert_eq!(names(CaseSort::Name), vec!["Анна", "Борис", "Виктор"]);
    assert_eq!(names(CaseSort::Risk), vec!["Анна", "Борис", "Виктор"]);
    assert_eq!(store.case(a.as_bytes()).unwrap().tasks.len(), 2);
    let due = |store: &casebook::store::Store, id: &uuid::Uuid| {
        store
            .list_cases(&CaseFilter::default(), 0, 10)
            .unwrap()
            .into_iter()
            .find(|s| s.id == id.to_string())
            .unwrap()
            .next_due
    };
    assert_eq!(due(&store, &a).as_deref(), Some("2026-12-10"));
    store.set_task_done(t1.as_bytes(), true).unwrap();
    assert_eq!(due(&store, &a).as_deref(), Some("2026-12-20"), "a done task no longer counts");
    store.set_task_done(t1.as_bytes(), false).unwrap();
    assert_eq!(due(&store, &a).as_deref(), Some("2026-12-10"), "reopened");
    assert_eq!(due(&store, &c), None);
    let by = |d: &str| store.count_cases(&CaseFilter { tasks_due_by: Some(d.into()), ..Default::default() }).unwrap();
    assert_eq!((by("2026-11-29"), by("2026-11-30"), by("2026-12-31")), (0, 1, 2));
}
