//! Rollback (docs/formats/delta.md section 11.2): voiding the deltas of an author from some
//! sequence number on leaves a vault exactly as a vault that never applied them; accepting
//! writes the void values again as this device's own.

mod common;

use std::collections::HashMap;

use common::*;

use casebook::model::{Value, CASE, NOTE};
use casebook::store::clocks::FieldClock;
use casebook::store::hlc::Hlc;
use casebook::store::read::CaseFilter;
use casebook::store::write::{Change, Origin};
use casebook::store::Store;

const A: [u8; 16] = [0xA0; 16];
const B: [u8; 16] = [0xB0; 16];
const CASE_X: [u8; 16] = [0x11; 16];
const NOTE_N: [u8; 16] = [0x22; 16];
const MS: u64 = 1_795_442_000_000;

fn code(table: &casebook::model::TableDef, name: &str) -> u8 {
    table.field(name).unwrap().code
}
fn at(ms: u64, device: u32) -> FieldClock {
    FieldClock { hlc: Hlc(ms << 16), device }
}
fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// The deltas of the scenario, by (author, seq): B creates case X; A renames it (A:1); A:2
/// adds a note, moves the city and settles nothing; B, not having seen A:2, moves the city too
/// and the country (B:2, conflicts with A:2), then, having seen A:2, moves the city again
/// naming A:2's value (B:3).
/// One delta: (author, seq, changes, dependencies as (device, seq)).
type Delta = (u32, u64, Vec<Change>, Vec<(u32, u64)>);

fn deltas(a: u32, b: u32) -> Vec<Delta> {
    let created = at(MS, b);
    let name = code(&CASE, "full_name");
    let city = code(&CASE, "city");
    let country = code(&CASE, "country");
    let ch = |table, record, field, value, clock, prev: Option<FieldClock>| Change {
        table,
        record,
        field,
        value,
        clock,
        prev,
        supersedes: Vec::new(),
    };
    vec![
        (
            b,
            1,
            vec![
                ch(&CASE, CASE_X, name, text("Ivan"), created, None),
                ch(&CASE, CASE_X, city, text("Tbilisi"), created, None),
            ],
            vec![],
        ),
        (a, 1, vec![ch(&CASE, CASE_X, name, text("Ivan Petrov"), at(MS + 10, a), Some(created))], vec![(b, 1)]),
        (
            a,
            2,
            vec![
                ch(&CASE, CASE_X, city, text("Yerevan"), at(MS + 20, a), Some(created)),
                ch(&CASE, CASE_X, country, text("AM"), at(MS + 20, a), Some(created)),
                ch(&NOTE, NOTE_N, code(&NOTE, "case_id"), Value::Blob(CASE_X.to_vec()), at(MS + 20, a), None),
                ch(&NOTE, NOTE_N, code(&NOTE, "body"), text("crossed at Verkhny Lars"), at(MS + 20, a), None),
            ],
            vec![(b, 1)],
        ),
        // B:2 names A:1's name without having applied A:1 (its dependencies say so): that
        // name does not count, and a replay must not count it either.
        (
            b,
            2,
            vec![
                ch(&CASE, CASE_X, city, text("Batumi"), at(MS + 15, b), Some(created)),
                ch(&CASE, CASE_X, country, text("GE"), at(MS + 15, b), Some(created)),
                ch(&CASE, CASE_X, name, text("Ivan B."), at(MS + 15, b), Some(at(MS + 10, a))),
            ],
            vec![],
        ),
        (b, 3, vec![ch(&CASE, CASE_X, city, text("Gori"), at(MS + 30, b), Some(at(MS + 20, a)))], vec![(a, 2)]),
    ]
}

/// A vault that applies the scenario's deltas, except those `skip` names.
fn replica(dir: &std::path::Path, skip: &[([u8; 16], u64)]) -> (casebook::vault::Vault, Store) {
    let (vault, _) = new_vault(dir);
    let mut store = store_of(&vault, 7);
    let (a, b) = store.write(|w| Ok((w.device_index(&A)?, w.device_index(&B)?))).unwrap();
    for (author, seq, changes, deps) in deltas(a, b) {
        if skip.contains(&(if author == a { A } else { B }, seq)) {
            continue;
        }
        let origin = Origin { share: 1, author, seq, deps: deps.into_iter().collect::<HashMap<_, _>>() };
        store.write(|w| w.apply_delta(&changes, &origin)).unwrap();
    }
    (vault, store)
}

/// What a vault holds of the scenario's records: rows (without row ids and display times),
/// field clocks, conflicts, and what search finds.
fn state(store: &Store) -> Vec<String> {
    let conn = store.connection();
    let mut out = Vec::new();
    for sql in [
        "SELECT 'case', quote(id), deleted, hlc, device, quote(clocks), full_name, city, country, created_at FROM cases ORDER BY id",
        "SELECT 'note', quote(id), deleted, hlc, device, quote(clocks), quote(case_id), body FROM notes ORDER BY id",
        "SELECT 'conflict', quote(rec), field, hlc, device, tbl, quote(value) FROM conflicts ORDER BY rec, field, hlc, device",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let cell = |i| match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    v => format!("{v:?}"),
                };
                Ok((0..n).map(cell).collect::<Vec<_>>().join(" | "))
            })
            .unwrap();
        out.extend(rows.map(|r| r.unwrap()));
    }
    for word in ["Verkhny", "Yerevan", "Gori", "Petrov"] {
        let found = store.search(word, &CaseFilter::default(), 10).unwrap();
        out.push(format!("search {word}: {}", found.len()));
    }
    out
}

#[test]
fn voiding_a_delta_leaves_the_vault_as_one_that_never_applied_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (_v1, mut rolled) = replica(&tmp.path().join("rolled"), &[]);
    let (_v2, never) = replica(&tmp.path().join("never"), &[(A, 2)]);
    let before = state(&rolled);
    let expected = state(&never);
    assert_ne!(before, expected, "A:2 made a difference before the rollback");
    let a = rolled.write(|w| w.device_index(&A)).unwrap();
    let voided = rolled.write(|w| w.void_deltas(a, 2)).unwrap();
    assert_eq!((voided.changes, voided.records), (4, 2), "A:2's four changes, of case X and note N");
    assert_eq!(state(&rolled), expected);
    // The log keeps the void changes, marked.
    let void: i64 = rolled
        .connection()
        .query_row("SELECT count(*) FROM changes WHERE voided IS NOT NULL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(void, 4);
    // Voiding again changes nothing.
    assert_eq!(rolled.write(|w| w.void_deltas(a, 2)).unwrap().changes, 0);
    assert_eq!(state(&rolled), expected);
}

#[test]
fn voiding_from_the_first_delta_removes_what_only_it_created() {
    let tmp = tempfile::tempdir().unwrap();
    let (_v1, mut rolled) = replica(&tmp.path().join("rolled"), &[]);
    let (_v2, never) = replica(&tmp.path().join("never"), &[(A, 1), (A, 2)]);
    let a = rolled.write(|w| w.device_index(&A)).unwrap();
    assert_eq!(rolled.write(|w| w.void_deltas(a, 1)).unwrap().changes, 5);
    assert_eq!(state(&rolled), state(&never));
    let notes: i64 = rolled.connection().query_row("SELECT count(*) FROM notes", [], |r| r.get(0)).unwrap();
    assert_eq!(notes, 0, "the note only A:2 created is gone");
}

#[test]
fn accepting_writes_the_void_values_again_as_this_devices_own() {
    let tmp = tempfile::tempdir().unwrap();
    let (_v1, mut store) = replica(&tmp.path().join("v"), &[]);
    let a = store.write(|w| w.device_index(&A)).unwrap();
    store.write(|w| w.void_deltas(a, 2)).unwrap();
    let accepted = store.write(|w| w.accept_voided(a, 2)).unwrap();
    assert_eq!((accepted.changes, accepted.records), (4, 2));
    let file = store.case(&CASE_X).unwrap();
    let json = serde_json::to_value(&file).unwrap();
    assert_eq!(json["city"], "Yerevan", "{json}");
    assert!(json.to_string().contains("crossed at Verkhny Lars"), "the note is back: {json}");
    // Written by this device: its own rows in the log, which it will send.
    let own: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM changes c JOIN devices d ON d.idx = c.device WHERE d.local = 1 AND c.voided IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(own, 4, "the city, the country and the note's two fields");
    assert_eq!(store.search("Verkhny", &CaseFilter::default(), 10).unwrap().len(), 1);
}
