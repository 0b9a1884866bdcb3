//! The contract file the UI reads (`ui/src/lib/generated/model.json`) is what the core says
//! (`casebook::contract`): vocabularies, countries, record kinds and their fields, limits and
//! error codes. Regenerate with `CASEBOOK_WRITE_CONTRACT=1 cargo test --test contract`.

#[test]
fn the_ui_contract_file_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/lib/generated/model.json");
    let fresh = serde_json::to_string_pretty(&casebook::contract::contract()).unwrap() + "\n";
    if std::env::var_os("CASEBOOK_WRITE_CONTRACT").is_some() {
        std::fs::create_dir_all(std::path::Path::new(path).parent().unwrap()).unwrap();
        std::fs::write(path, &fresh).unwrap();
    }
    let kept = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        kept == fresh,
        "ui/src/lib/generated/model.json is out of date: run CASEBOOK_WRITE_CONTRACT=1 cargo test --test contract"
    );
}

#[test]
fn the_contract_names_every_vocabulary_a_field_uses() {
    let c = casebook::contract::contract();
    let names: Vec<&str> = c["vocabularies"].as_object().unwrap().keys().map(|k| k.as_str()).collect();
    for t in c["tables"].as_array().unwrap() {
        for f in t["fields"].as_array().unwrap() {
            if let Some(v) = f.get("vocabulary") {
                assert!(names.contains(&v.as_str().unwrap()), "{} {}: {v}", t["table"], f["name"]);
            }
        }
    }
    assert_eq!(c["error_codes"].as_array().unwrap().len(), 11);
}
