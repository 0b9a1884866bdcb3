//! The attachment blob (docs/formats/attachment.md) on arbitrary bytes: `blob::verify` and
//! `blob::open` of the input as a blob recorded with its own SHA-256 (so mutations get past the
//! hash into the header, chunk and padding checks), under a content size read from the input's
//! first bytes and under every size whose blob length is the input's; and the input sealed and
//! opened again. Checks besides "no panic": nothing opens that was not sealed (the recorded
//! content hash is zero); a sealed input comes back exactly.
#![no_main]

use std::io::Cursor;

use casebook::attach::blob::{self, BlobKey, Recorded};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

const ID: [u8; 16] = [0x11; 16];

fuzz_target!(|data: &[u8]| {
    let key = BlobKey::from_bytes([0x33; 32]);
    let mut sizes = vec![];
    if data.len() >= 8 {
        sizes.push(u64::from_le_bytes(data[..8].try_into().unwrap()) % (1 << 20));
    }
    // The sizes whose blob is exactly as long as the input (a few around its length).
    let guess = (data.len() as u64).saturating_sub(59);
    for s in guess.saturating_sub(64)..=guess {
        if blob::blob_len(s) == data.len() as u64 {
            sizes.push(s);
        }
    }
    let blob_sha256: [u8; 32] = Sha256::digest(data).into();
    for size in sizes {
        let rec = Recorded { attachment: ID, size, sha256: [0; 32], blob_sha256 };
        let _ = blob::verify(&mut Cursor::new(data), &rec);
        let mut out = Vec::new();
        assert!(blob::open(&mut Cursor::new(data), &key, &rec, &mut out).is_err(), "nothing opens that was not sealed");
    }
    let mut sealed = Vec::new();
    let rec = blob::seal(&ID, &key, &[0x22; 19], &mut Cursor::new(data), data.len() as u64, &mut sealed).unwrap();
    let mut back = Vec::new();
    blob::open(&mut Cursor::new(&sealed), &key, &rec, &mut back).unwrap();
    assert_eq!(back, data);
});
