//! `Header::decode` on arbitrary bytes: never panics; whatever it accepts re-encodes to the
//! exact input bytes and decodes again to the same header.
//!
//! Each input is also tried with its last 32 bytes replaced by the SHA-256 of the rest, so
//! mutations get past the checksum and exercise the field checks behind it.
#![no_main]

use casebook::vault::header::Header;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fn check(bytes: &[u8]) {
    if let Ok(h) = Header::decode(bytes) {
        let encoded = h.encode();
        assert_eq!(encoded, bytes, "encode(decode(x)) != x");
        assert_eq!(Header::decode(&encoded).as_ref(), Ok(&h), "decode(encode(h)) != h");
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if data.len() >= 32 {
        let mut fixed = data.to_vec();
        let at = fixed.len() - 32;
        let sum = Sha256::digest(&fixed[..at]);
        fixed[at..].copy_from_slice(sum.as_slice());
        check(&fixed);
    }
});
