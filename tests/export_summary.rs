//! Summary bundles are counts (docs/formats/bundle.md section 4; review F10, DESIGN section 10).

mod sync_common;

use casebook::export::{self, Profile, Protection, Selection};
use sync_common::*;
use uuid::Uuid;

const VAULT_ID: Uuid = Uuid::from_u128(0x0193_a5c2_0000_7000_8000_0000_0000_0003);

/// A summary is counts, never rows (review F10, DESIGN section 10): a combination of the four
/// case-core facts is listed only when at least 5 cases share it; no id, date or name leaves.
#[test]
fn a_summary_lists_counts_of_at_least_five_and_suppresses_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = Replica::new(&tmp.path().join("a"), 1);
    let add = |a: &mut Replica, n: usize, stage: &str, country: &str| {
        for i in 0..n {
            let input = obj(serde_json::json!({
                "full_name": format!("Canary Person {stage} {i}"), "category": "draft_evader",
                "stage": stage, "country": country, "risk_level": "medium"
            }));
            a.store.add_case(&input).unwrap();
        }
    };
    add(&mut a, 6, "vetting", "AM");
    add(&mut a, 5, "exit", "GE");
    add(&mut a, 4, "exit", "KZ");
    add(&mut a, 1, "closed", "AM");
    let id = age::x25519::Identity::generate();
    let (bytes, _) = export::export_bundle(
        &mut a.store,
        VAULT_ID,
        &Selection::All,
        Profile::Summary,
        &Protection::Recipients(vec![id.to_public().to_string()]),
    )
    .unwrap();
    let zip = export::crypt::decrypt(&bytes, export::crypt::Key::Identity(&id)).unwrap();
    let entries = export::bundle::read(&zip).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&entries["cases.json"]).unwrap();
    assert_eq!(doc["cases"], serde_json::json!([]));
    assert_eq!(
        doc["counts"],
        serde_json::json!([
            {"category": "draft_evader", "stage": "exit", "country": "GE", "risk_level": "medium", "cases": 5},
            {"category": "draft_evader", "stage": "vetting", "country": "AM", "risk_level": "medium", "cases": 6}
        ])
    );
    assert_eq!(doc["suppressed"], 5);
    let csv = String::from_utf8(entries["cases.csv"].clone()).unwrap();
    assert_eq!(
        csv,
        "\u{feff}category,stage,country,risk_level,cases\r\n\
         draft_evader,exit,GE,medium,5\r\ndraft_evader,vetting,AM,medium,6\r\n(fewer than 5 each),,,,5\r\n"
    );
    let all = entries.values().map(|b| String::from_utf8_lossy(b).to_string()).collect::<String>();
    assert!(!all.contains("Canary Person") && !all.contains("\"id\""), "no name, no record id");
    // It holds nothing to import.
    let mut b = Replica::new(&tmp.path().join("b"), 2);
    let mine = export::public_key(&mut b.store).unwrap();
    let to_b = export::crypt::to_recipients(&zip, &[mine]).unwrap();
    let err = export::read_bundle(&mut b.store, &to_b, None).unwrap_err().to_string();
    assert!(err.contains("a summary holds counts only"), "{err}");
}

/// The wizard's rarity line (review F10): how many cases of the vault share the facts a
/// `no-identity` bundle keeps about the rarest selected case.
#[test]
fn rarity_counts_the_cases_that_share_the_facts_a_redacted_bundle_keeps() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a = Replica::new(&tmp.path().join("a"), 1);
    let facts = serde_json::json!({"category": "draft_evader", "stage": "vetting", "country": "AM", "risk_level": "medium", "citizenship": ["RU"]});
    let mut common = Vec::new();
    for i in 0..6 {
        let mut input = obj(facts.clone());
        input.insert("full_name".into(), format!("Person {i}").into());
        common.push(*a.store.add_case(&input).unwrap().as_bytes());
    }
    let mut rare = obj(facts);
    rare.insert("full_name".into(), "The only Belarusian".into());
    rare.insert("citizenship".into(), serde_json::json!(["BY"]));
    let rare = *a.store.add_case(&rare).unwrap().as_bytes();
    let r = export::rarity::rarity(&a.store, &Selection::All).unwrap();
    assert_eq!((r.smallest, r.rare, r.rare_below), (1, 1, 5));
    let r = export::rarity::rarity(&a.store, &Selection::Ids(vec![common[0], common[3]])).unwrap();
    assert_eq!((r.smallest, r.rare), (6, 0));
    let r = export::rarity::rarity(&a.store, &Selection::Ids(vec![rare])).unwrap();
    assert_eq!((r.smallest, r.rare), (1, 1));
}
