//! Removing an image's metadata and reading what a file reveals (docs/formats/attachment.md
//! section 10): `strip::strip` as each image type and `reveal::scan` on hostile bytes. Checks
//! besides "no panic": a stripped image is never longer than the input plus an Orientation-only
//! Exif (34 bytes), and stripping what was stripped changes nothing.
#![no_main]

use casebook::attach::{reveal, strip};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for ty in ["image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"] {
        let _ = reveal::scan(ty, data);
        if let Ok(Some(out)) = strip::strip(ty, data) {
            assert!(out.len() <= data.len() + 34 + 1, "{ty}: {} > {}", out.len(), data.len());
            assert_eq!(strip::strip(ty, &out), Ok(Some(out.clone())), "{ty}: stripping twice");
        }
    }
});
