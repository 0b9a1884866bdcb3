//! The archive inside a bundle (docs/formats/bundle.md section 2) on arbitrary bytes: never
//! panics. `layout::check` accepts only a canonical layout whose entries lie inside the input,
//! in order, once each; `bundle::read` accepts only what `layout::check` accepts.
#![no_main]

use casebook::export::{bundle, layout};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let checked = layout::check(&mut &data[..], bundle::MAX_ENTRIES);
    if let Ok(entries) = &checked {
        let mut end = 0u64;
        for (i, e) in entries.iter().enumerate() {
            assert!(e.data_at >= end, "entries overlap");
            end = e.data_at + e.packed;
            assert!(end <= data.len() as u64, "an entry lies outside the archive");
            assert!(!entries[..i].iter().any(|x| x.name == e.name), "a name twice");
        }
    }
    if bundle::read(data).is_ok() {
        assert!(checked.is_ok(), "bundle::read accepted a layout layout::check refuses");
    }
});
