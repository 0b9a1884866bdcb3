//! Search folding on arbitrary text: `match_query` (every kind of terms), `light_text` and
//! `key_text` never panic, and a MATCH expression never has an unbalanced double quote (which
//! FTS5 would read as syntax instead of a string literal).
#![no_main]

use casebook::fold::{key_text, light_text, match_query, Terms};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let light = light_text(&text);
    assert!(!light.contains('"'), "light_text kept a double quote: {light:?}");
    let keys = key_text(&text);
    assert!(keys.bytes().all(|b| b == b' ' || b.is_ascii_lowercase() || b.is_ascii_digit()), "key_text: {keys:?}");
    for terms in [Terms::NamePrefix, Terms::NameExact, Terms::WordPrefix] {
        if let Some(expr) = match_query(&text, terms) {
            let quotes = expr.bytes().filter(|&b| b == b'"').count();
            assert!(quotes % 2 == 0, "unbalanced quotes in {expr:?} ({terms:?})");
        }
    }
});
