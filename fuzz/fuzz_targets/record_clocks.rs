//! `RecordClocks::decode` on arbitrary bytes: never panics, and once decoded, encoding and
//! decoding again is stable.
#![no_main]

use casebook::store::clocks::{FieldClock, RecordClocks};
use casebook::store::hlc::Hlc;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let created = FieldClock { hlc: Hlc(0x0123_4567_89ab_cdef), device: 7 };
    let first = RecordClocks::decode(created, Some(data));
    let blob = first.encode();
    let second = RecordClocks::decode(created, blob.as_deref());
    assert_eq!(second, first, "decode(encode(c)) != c");
    assert_eq!(second.encode(), blob, "encoding is not stable");
});
