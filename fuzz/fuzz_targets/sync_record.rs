//! Device records (docs/formats/delta.md section 3) on arbitrary bytes: never panics.
//!
//! The input is fed as a whole to `format::decode_record` and `seal::open_record` (fixed group
//! key). Then the input (its first 200 bytes) is sealed as the label of a validly encrypted and
//! signed record, so that mutations reach the label checks: it opens iff it is UTF-8 without
//! control characters, and to the same text. Last, `seal::seal_record` with the input as a
//! (lossy UTF-8) label must open again. Checks besides "no panic": an accepted record (of
//! version 1 or 2) re-encodes to the input's bytes before the sealed label.
#![no_main]

mod sync_keys;

use casebook::entropy::SeededEntropy;
use casebook::sync::{format, seal};
use libfuzzer_sys::fuzz_target;
use sync_keys::{Fixed, AUTHOR, GROUP};

fuzz_target!(|data: &[u8]| {
    let f = Fixed::get();
    if let Ok(parts) = format::decode_record(data) {
        let head = format::encode_record_head(&parts.header, parts.sealed_label.len());
        assert_eq!(&head[..], &data[..head.len()]);
        assert_eq!(head.len(), parts.aad.len());
        assert_eq!(parts.signed.len() + format::SIGNATURE_LEN, data.len());
    }
    let _ = seal::open_record(&f.keys, data);

    let label = &data[..data.len().min(format::MAX_LABEL)];
    let record = f.seal_record_raw(label);
    let valid = std::str::from_utf8(label).ok().filter(|s| !s.chars().any(|c| c.is_control()));
    match (seal::open_record(&f.keys, &record), valid) {
        (Ok((h, got)), Some(want)) => assert_eq!((h.device, got.as_str()), (AUTHOR, want)),
        (Err(_), None) => {}
        (got, want) => panic!("open_record {:?} for the label {want:?}", got.map(|x| x.1)),
    }

    let text = String::from_utf8_lossy(data);
    let record = seal::seal_record(&f.keys, &f.signing, &GROUP, &AUTHOR, 5, &text, &mut SeededEntropy::new(1));
    let opened = seal::open_record(&f.keys, &record);
    if !text.chars().any(|c| c.is_control()) {
        let (_, got) = opened.expect("a record of ours opens");
        assert!(text.starts_with(&got) && got.len() <= format::MAX_LABEL);
    }
});
