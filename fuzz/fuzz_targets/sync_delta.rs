//! Delta files and bodies (docs/formats/delta.md sections 4–5) on arbitrary bytes: never panics.
//!
//! The input is fed as a whole to `format::decode_delta`, `seal::open_delta` (fixed group key
//! and author key), `format::decode_body` and `format::unpad`. Then its first byte picks how the
//! rest is wrapped in a *validly encrypted and signed* delta, so that mutations reach the steps
//! behind the signature: 0 → the rest is the padded plaintext (zero-extended to 256 bytes),
//! 1 → the rest is the raw DEFLATE stream, 2 → the rest is the body. Checks besides "no panic":
//! an accepted header re-encodes to the input's first 112 bytes; an accepted body or padded
//! plaintext re-encodes to exactly the input; a body opens from a sealed delta iff
//! `decode_body` accepts it, and to the same body. Every body that decodes also goes through
//! the content rules (`sync::rules::check`, docs/formats/delta.md section 6.1), which must
//! decide without panicking and never echo a value into the refusal.
#![no_main]

mod sync_keys;

use casebook::sync::{format, rules, seal};
use libfuzzer_sys::fuzz_target;
use sync_keys::{Fixed, AUTHOR};

fuzz_target!(|data: &[u8]| {
    let f = Fixed::get();
    if let Ok(parts) = format::decode_delta(data) {
        assert_eq!(format::encode_delta_head(&parts.header, parts.sealed_body.len()), &data[..format::DELTA_HEADER]);
        assert_eq!(parts.signed.len() + format::SIGNATURE_LEN, data.len());
    }
    let _ = seal::open_delta(&f.keys, &f.public, data);
    if let Ok(body) = format::decode_body(data, &AUTHOR) {
        assert_eq!(format::encode_body(&body), data, "a body decodes from non-canonical bytes");
        if let Err(r) = rules::check(&body) {
            assert!(r.detail.len() < 400, "a refusal stays short: {}", r.detail);
        }
    }
    if let Ok(compressed) = format::unpad(data) {
        assert_eq!(format::pad(compressed), data, "unpad accepted a non-canonical padding");
    }

    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => {
            let mut padded = rest.to_vec();
            if padded.len() < format::MIN_PADDED {
                padded.resize(format::MIN_PADDED, 0);
            }
            let file = f.seal_delta_raw(1, &[0; 32], &padded);
            if let Ok((h, _)) = seal::open_delta(&f.keys, &f.public, &file) {
                assert_eq!((h.seq, h.device), (1, AUTHOR));
            }
        }
        1 => {
            let file = f.seal_delta_raw(3, &[1; 32], &format::pad(rest));
            let _ = seal::open_delta(&f.keys, &f.public, &file);
        }
        _ => {
            let expected = format::decode_body(rest, &AUTHOR);
            let file = f.seal_delta_raw(2, &[2; 32], &format::pad(&seal::compress(rest)));
            match (seal::open_delta(&f.keys, &f.public, &file), expected) {
                (Ok((_, got)), Ok(want)) => assert_eq!(got, want),
                (Err(_), Err(_)) => {}
                (got, want) => panic!("open_delta {:?} but decode_body {:?}", got.map(|x| x.1), want),
            }
        }
    }
});
