//! Delta files and bodies (docs/formats/delta.md sections 4–5) on arbitrary bytes: never panics.
//!
//! The input is fed as a whole to `format::decode_delta`, `seal::open_delta` and
//! `seal::verify_receipt` (fixed group key and author key), `format::decode_body` (both
//! versions) and `format::unpad`. Then its first byte picks the format version (bit 0: 1 or 2)
//! and how the rest is wrapped in a *validly encrypted and signed* delta, so that mutations
//! reach the steps behind the signature ((byte / 2) % 3): 0 → the rest is the padded
//! plaintext (zero-extended to 256 bytes), 1 → the rest is the raw DEFLATE stream, 2 → the
//! rest is the body. Checks besides "no panic": an accepted header re-encodes to the input's
//! header bytes (v1: 112, v2: 196 signed bytes) and the parts add up to the file; an accepted
//! body or padded plaintext re-encodes to exactly the input; a body opens from a sealed delta
//! iff `decode_body` accepts it, and to the same body; a sealed v2 delta's receipt verifies
//! and gives the delta's id, and two versions of it make a fork proof (one version twice does
//! not). The input is also fed to `seal::verify_fork_proof`. Every body that decodes also goes through
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
        let mut head = format::encode_delta_head(&parts.header, parts.sealed_body.len());
        if parts.header.version >= format::DELTA_V2 {
            head.extend_from_slice(&parts.header.body_hash);
            assert_eq!(&head[..], parts.signed);
            assert_eq!(format::RECEIPT_LEN + parts.sealed_body.len(), data.len());
        } else {
            assert_eq!(parts.signed.len() + format::SIGNATURE_LEN, data.len());
        }
        assert_eq!(&head[..], &data[..head.len()]);
    }
    let _ = seal::open_delta(&f.keys, &f.public, data);
    let _ = seal::verify_receipt(&f.public, &data[..data.len().min(format::RECEIPT_LEN)]);
    let _ = seal::verify_fork_proof(|_: &[u8; 16]| Some(f.public), data);
    for version in [format::DELTA_V1, format::DELTA_V2] {
        if let Ok(body) = format::decode_body(data, &AUTHOR, version) {
            assert_eq!(format::encode_body(&body, version), data, "a body decodes from non-canonical bytes");
            if let Err(r) = rules::check(&body) {
                assert!(r.detail.len() < 400, "a refusal stays short: {}", r.detail);
            }
        }
    }
    if let Ok(compressed) = format::unpad(data) {
        assert_eq!(format::pad(compressed), data, "unpad accepted a non-canonical padding");
    }

    let Some((&mode, rest)) = data.split_first() else { return };
    let version = if mode & 1 == 0 { format::DELTA_V1 } else { format::DELTA_V2 };
    match (mode / 2) % 3 {
        0 => {
            let mut padded = rest.to_vec();
            if padded.len() < format::MIN_PADDED {
                padded.resize(format::MIN_PADDED, 0);
            }
            let file = f.seal_delta_raw(version, 1, &[0; 32], &padded);
            if let Ok((h, _)) = seal::open_delta(&f.keys, &f.public, &file) {
                assert_eq!((h.seq, h.device, h.version), (1, AUTHOR, version));
            }
            if version >= format::DELTA_V2 {
                let receipt = &file[..format::RECEIPT_LEN];
                let (h, id) = seal::verify_receipt(&f.public, receipt).expect("a sealed receipt");
                assert_eq!((h.seq, id), (1, seal::delta_id(&file)));
                // Two versions of delta 1 prove a fork; one version twice does not.
                let pinned = |_: &[u8; 16]| Some(f.public);
                let mut other = padded.clone();
                other[0] ^= 1;
                let second = f.seal_delta_raw(version, 1, &[0; 32], &other);
                let fork = seal::verify_fork_proof(pinned, &format::encode_fork_proof(receipt, &second[..format::RECEIPT_LEN]))
                    .expect("two signed versions are a proof");
                assert_eq!((fork.author, fork.seq), (AUTHOR, 1));
                assert!(seal::verify_fork_proof(pinned, &format::encode_fork_proof(receipt, receipt)).is_err());
            }
        }
        1 => {
            let file = f.seal_delta_raw(version, 3, &[1; 32], &format::pad(rest));
            let _ = seal::open_delta(&f.keys, &f.public, &file);
        }
        _ => {
            let expected = format::decode_body(rest, &AUTHOR, version);
            let file = f.seal_delta_raw(version, 2, &[2; 32], &format::pad(&seal::compress(rest)));
            match (seal::open_delta(&f.keys, &f.public, &file), expected) {
                (Ok((_, got)), Ok(want)) => assert_eq!(got, want),
                (Err(_), Err(_)) => {}
                (got, want) => panic!("open_delta {:?} but decode_body {:?}", got.map(|x| x.1), want),
            }
        }
    }
});
