//! Record input JSON: `parse_object`, then `validate` against every record kind for both
//! purposes. Never panics; every error is `InvalidInput` naming a key of the input (or a path
//! inside one, `contacts.channel`) or a required field of the record kind.
#![no_main]

use casebook::model::input::{parse_object, validate, Purpose};
use casebook::model::TABLES;
use casebook::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(object) = parse_object(&text) else { return };
    for table in TABLES {
        for purpose in [Purpose::Create, Purpose::Update] {
            match validate(table, &object, purpose, &[]) {
                Ok(_) => {}
                Err(Error::InvalidInput { field, .. }) => {
                    let named = object.contains_key(&field)
                        || table.field(&field).is_some()
                        || field.split_once('.').is_some_and(|(key, _)| object.contains_key(key));
                    assert!(named, "error names {field:?}, which is neither an input key nor a field");
                }
                Err(e) => panic!("validate returned a non-input error: {e}"),
            }
        }
    }
});
