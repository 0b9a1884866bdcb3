//! High-water marks (docs/formats/delta.md section 10) on arbitrary bytes: never panics.
//!
//! The input is fed as a whole to `high_water::decode` under a fixed key (it must be refused
//! unless it was sealed under that key, which random bytes never are). Then the input is read as
//! entries (72 bytes each) and sealed with the key, so that mutations reach the checks behind
//! the seal: the file decodes to exactly those entries, and `fork_point` decides for each
//! without panicking.
#![no_main]

use casebook::sync::high_water::{self, Mark};
use libfuzzer_sys::fuzz_target;

const KEY: [u8; 32] = [3; 32];

fuzz_target!(|data: &[u8]| {
    if let Ok(marks) = high_water::decode(&KEY, data) {
        let nonce: [u8; 24] = data[8..32].try_into().unwrap();
        assert_eq!(high_water::encode(&KEY, &marks, nonce), data, "a mark decodes from non-canonical bytes");
    }
    let marks: Vec<Mark> = data
        .chunks_exact(72)
        .take(high_water::MAX_ENTRIES)
        .map(|e| Mark {
            group: e[..16].try_into().unwrap(),
            device: e[16..32].try_into().unwrap(),
            seq: u64::from_be_bytes(e[32..40].try_into().unwrap()),
            id: e[40..].try_into().unwrap(),
        })
        .collect();
    let bytes = high_water::encode(&KEY, &marks, [9; 24]);
    assert_eq!(high_water::decode(&KEY, &bytes).unwrap(), marks);
    assert!(high_water::decode(&[4; 32], &bytes).is_err(), "another vault's key");
    for m in &marks {
        let known = marks.iter().find(|x| (x.group, x.device) == (m.group, m.device)).unwrap();
        if let Some(k) = high_water::fork_point(&marks, &m.group, &m.device, (m.seq / 2, m.id)) {
            assert!(k <= known.seq, "the fork point is within what the mark knows");
        }
    }
});
