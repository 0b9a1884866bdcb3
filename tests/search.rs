//! Search across scripts on the real store: a table of real name spellings, filters, notes,
//! deleted cases, and hostile queries.

mod common;

use common::*;
use serde_json::json;

use casebook::store::read::CaseFilter;
use casebook::store::Store;

fn obj(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

fn names(store: &Store, q: &str) -> Vec<String> {
    store.search(q, &CaseFilter::default(), 50).unwrap().into_iter().map(|s| s.full_name).collect()
}

/// (stored name, spellings a caseworker may type) — passport (ICAO), BGN/PCGN and everyday.
const PAIRS: &[(&str, &[&str])] = &[
    ("Александр Кузнецов", &["Aleksandr", "Alexander", "Alexandr", "Kuznetsov", "Kuznecov", "alex kuzn"]),
    ("Юрий Шевченко", &["Yuri", "Yuriy", "Iurii", "Jurij", "Shevchenko", "Schewtschenko"]),
    ("Сергей Соловьёв", &["Sergei", "Sergey", "Solovyov", "Soloviev", "Solovev"]),
    ("Евгений Жуков", &["Evgenii", "Yevgeniy", "Evgeny", "Zhukov", "Jukov"]),
    ("Щукин Пётр", &["Shchukin", "Schukin", "Pyotr", "Petr", "Peter"]),
    ("Ксения Хабарова", &["Kseniia", "Ksenia", "Xenia", "Khabarova", "Habarova"]),
    ("Фёдор Чайковский", &["Fedor", "Fyodor", "Chaikovskii", "Tchaikovsky", "Chaykovskiy"]),
    ("Наталья Цой", &["Natalia", "Natalya", "Tsoi", "Tsoy"]),
    ("Илья Алексеев", &["Ilya", "Ilia", "Alekseev", "Alekseyev", "Alexeev"]),
    ("Yelena Vasilyeva", &["Елена", "Васильева", "Elena", "Jelena", "Vasilieva"]),
    ("Dmitry Kasymov", &["Дмитрий", "Касымов", "Dmitrii", "Kassymov"]),
];

fn seeded() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let (vault, _) = new_vault(&tmp.path().join("v"));
    let mut store = store_of(&vault, 1);
    for (name, _) in PAIRS {
        store.add_case(&obj(json!({"full_name": name}))).unwrap();
    }
    // Distractors that must not come up for the spellings above.
    for name in ["Иван Петров", "Мария Смирнова", "Олег Тихонов", "Анна Морозова"]
    {
        store.add_case(&obj(json!({"full_name": name}))).unwrap();
    }
    (tmp, store)
}

#[test]
fn names_are_found_by_their_spellings_in_the_other_script() {
    let (_tmp, store) = seeded();
    let mut misses = Vec::new();
    for (name, spellings) in PAIRS {
        for q in *spellings {
            let found = names(&store, q);
            if !found.iter().any(|n| n == name) {
                misses.push(format!("{q:?} did not find {name:?} (got {found:?})"));
            }
            if found.len() > 2 {
                misses.push(format!("{q:?} is not selective: {found:?}"));
            }
        }
    }
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

#[test]
fn prefixes_match_as_you_type_in_both_scripts() {
    let (_tmp, store) = seeded();
    for q in ["Алекс", "алекс кузн", "Kuzne", "Щук", "shch", "Хаба", "khab", "ксен", "Yele", "Елен"]
    {
        assert!(!names(&store, q).is_empty(), "{q:?} found nothing");
    }
    assert!(names(&store, "Иванова").is_empty(), "a longer word must not match a shorter name");
}

#[test]
fn yo_and_ye_are_folded_on_both_sides() {
    let (_tmp, store) = seeded();
    assert_eq!(names(&store, "Соловьев"), vec!["Сергей Соловьёв"]);
    // "Петр" is also a prefix of Петров: the exact word ranks first.
    assert_eq!(names(&store, "Петр")[0], "Щукин Пётр");
    assert_eq!(names(&store, "ФЁДОР"), vec!["Фёдор Чайковский"]);
}

#[test]
fn aliases_places_and_notes_are_searchable() {
    let tmp = tempfile::tempdir().unwrap();
    let (vault, _) = new_vault(&tmp.path().join("v"));
    let mut store = store_of(&vault, 1);
    let id = store
        .add_case(&obj(json!({"full_name": "Андрей Волков", "aliases": ["Волк"], "city": "Гюмри", "notes": ["Встреча у консульства Германии"]})))
        .unwrap();
    store.add_note(id.as_bytes(), "Interpol diffusion suspected").unwrap();
    for q in ["Volk", "Gyumri", "Гюмри", "консульств", "interpol", "Andrej Volkov"] {
        assert_eq!(names(&store, q), vec!["Андрей Волков"], "{q}");
    }
    store.delete_case(id.as_bytes()).unwrap();
    assert!(names(&store, "Volkov").is_empty(), "deleted cases leave the index");
}

#[test]
fn filters_narrow_search_and_list() {
    let tmp = tempfile::tempdir().unwrap();
    let (vault, _) = new_vault(&tmp.path().join("v"));
    let mut store = store_of(&vault, 1);
    let a = store
        .add_case(&obj(json!({"full_name": "Иван Петров", "stage": "vetting", "country": "AM", "risk_level": "high"})))
        .unwrap();
    let b = store
        .add_case(&obj(json!({"full_name": "Иван Сидоров", "stage": "exit", "country": "GE", "risk_level": "low"})))
        .unwrap();
    store.add_task(a.as_bytes(), "deadline", Some("2026-11-25")).unwrap();
    store.add_task(b.as_bytes(), "later", Some("2027-03-01")).unwrap();
    let f = |stage: Option<&str>, country: Option<&str>, risk: Option<&str>, due: Option<&str>| CaseFilter {
        stage: stage.map(Into::into),
        country: country.map(Into::into),
        risk_level: risk.map(Into::into),
        tasks_due_by: due.map(Into::into),
    };
    let hits = |filter: CaseFilter| {
        store.search("Ivan", &filter, 10).unwrap().into_iter().map(|s| s.full_name).collect::<Vec<_>>()
    };
    assert_eq!(hits(f(None, None, None, None)).len(), 2);
    assert_eq!(hits(f(Some("vetting"), None, None, None)), vec!["Иван Петров"]);
    assert_eq!(hits(f(None, Some("GE"), None, None)), vec!["Иван Сидоров"]);
    assert_eq!(hits(f(None, None, Some("high"), None)), vec!["Иван Петров"]);
    assert_eq!(hits(f(None, None, None, Some("2026-11-30"))), vec!["Иван Петров"]);
    assert_eq!(store.count_cases(&f(None, None, None, Some("2027-12-31"))).unwrap(), 2);
    assert!(store.list_cases(&f(Some("bogus"), None, None, None), 0, 10).is_err());
}

#[test]
fn hostile_queries_are_plain_text_not_fts_syntax() {
    let (_tmp, store) = seeded();
    for q in [
        "\"",
        "*",
        "NEAR(a b)",
        "light:*",
        "key : x*",
        "a OR b",
        "-x",
        "^a",
        "\u{0}",
        "))))",
        "' OR 1=1 --",
        &"ж".repeat(5000),
        "🙂",
        "   ",
    ] {
        store.search(q, &CaseFilter::default(), 50).unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
}

/// A vault whose search indexes were made by schema 7 (FTS5's `unicode61` tokenizer) is
/// upgraded at its next opening: the indexes are made again with the `ascii` tokenizer and
/// rebuilt from the records, so names and notes are found as before.
#[test]
fn a_vault_of_schema_7_is_searchable_after_the_upgrade_rebuilds_its_indexes() {
    let tmp = tempfile::tempdir().unwrap();
    let (vault, _) = new_vault(&tmp.path().join("v"));
    {
        let mut store = store_of(&vault, 1);
        store.add_case(&obj(json!({"full_name": "Юрий Шевченко", "notes": ["Встреча в Ереване"]}))).unwrap();
        // Back to schema 7: its index definitions, empty (as if never filled by this build).
        store
            .connection()
            .execute_batch(
                "DROP TABLE name_fts; DROP TABLE note_fts;
                 CREATE VIRTUAL TABLE name_fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0',
                     content = '', contentless_delete = 1, detail = none, prefix = '1 2 3 4 5 6');
                 CREATE VIRTUAL TABLE note_fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0',
                     content = '', contentless_delete = 1, detail = none, prefix = '1 2 3');
                 DROP TABLE sync_roster; DROP TABLE sync_epochs; DROP TABLE sync_invites;
                 DROP TABLE sync_requests; ALTER TABLE sync_sent DROP COLUMN epoch_id;
                 DROP TABLE partner_keys; DROP TABLE partner_confirmations; DROP TABLE exports; DROP TABLE export_values;
                 DROP INDEX imports_bundle; ALTER TABLE imports DROP COLUMN bundle_id; ALTER TABLE cases DROP COLUMN code_name;
                 ALTER TABLE imports DROP COLUMN signer; ALTER TABLE imports DROP COLUMN signer_key;
                 DROP TABLE attachments; DROP TABLE attachment_files; DROP TABLE attachment_fetch;
                 DROP TABLE attachment_quota;
                 PRAGMA user_version = 7;",
            )
            .unwrap();
        assert!(names(&store, "Shevchenko").is_empty(), "the old index is empty");
    }
    let store = store_of(&vault, 1);
    let sql: String = store
        .connection()
        .query_row("SELECT sql FROM sqlite_master WHERE name = 'note_fts'", [], |r| r.get(0))
        .unwrap();
    assert!(sql.contains("'ascii'"), "{sql}");
    assert_eq!(names(&store, "Shevchenko"), ["Юрий Шевченко"]);
    assert_eq!(names(&store, "Юр"), ["Юрий Шевченко"]);
    assert_eq!(names(&store, "ереван"), ["Юрий Шевченко"], "notes are found too");
}

/// The case list as the app asks for it: the filtered list in order with its total, a search
/// (its best matches, counted), "overdue" and "this week" as of the store's today, a page
/// clamped to 500 rows, and bad arguments named.
#[test]
fn the_case_list_query_pages_searches_and_filters_by_due_dates() {
    use casebook::search::query::{CaseQuery, Due};
    use casebook::store::read::CaseSort;
    let (_tmp, mut store) = seeded();
    let today = store.date_in_days(0);
    let overdue_case = *store.add_case(&obj(json!({"full_name": "Overdue Case"}))).unwrap().as_bytes();
    store.add_task(&overdue_case, "late", Some(&store.date_in_days(-3))).unwrap();
    let soon_case = *store.add_case(&obj(json!({"full_name": "Soon Case"}))).unwrap().as_bytes();
    store.add_task(&soon_case, "soon", Some(&store.date_in_days(5))).unwrap();
    let all = store.query_cases(&CaseQuery { limit: 5, ..Default::default() }).unwrap();
    let seeded = PAIRS.len() + 4; // and four distractors
    assert_eq!((all.total, all.rows.len()), (seeded as u64 + 2, 5));
    let names = |q: CaseQuery| -> Vec<String> {
        store.query_cases(&q).unwrap().rows.into_iter().map(|r| r.full_name).collect()
    };
    assert_eq!(names(CaseQuery { due: Some(Due::Overdue), limit: 50, ..Default::default() }), ["Overdue Case"]);
    let mut week = names(CaseQuery { due: Some(Due::Week), limit: 50, ..Default::default() });
    week.sort();
    assert_eq!(week, ["Overdue Case", "Soon Case"], "due within the week, or before (today {today})");
    let first = names(CaseQuery { sort: CaseSort::NextDue, limit: 1, ..Default::default() });
    assert_eq!(first, ["Overdue Case"]);
    let found = store.query_cases(&CaseQuery { query: "Yuri".into(), limit: 50, ..Default::default() }).unwrap();
    assert_eq!((found.total, found.rows[0].full_name.as_str()), (1, "Юрий Шевченко"));
    let page = store.query_cases(&CaseQuery { limit: 100_000, ..Default::default() }).unwrap();
    assert_eq!(page.rows.len(), seeded + 2, "a page is clamped, not refused");
    let long = CaseQuery { query: "я".repeat(201), limit: 10, ..Default::default() };
    assert!(matches!(store.query_cases(&long), Err(casebook::Error::InvalidInput { field, .. }) if field == "query"));
    assert!("soonest".parse::<CaseSort>().is_err() && "week".parse::<Due>().is_ok());
}
