//! `keyslot::unwrap` on any header that parses: returns Ok or Err, never panics.
//!
//! The input's last 32 bytes are replaced by the SHA-256 of the rest (the header checksum),
//! so mutated headers parse and reach the key slots. Headers whose KDF parameters pass
//! `KdfParams::check` but cost more than the weakest accepted (m_kib > 8192 or t > 1) are
//! skipped, so the fuzzer spends its time in the parser and the AEAD, not in Argon2. Refused
//! parameters are not skipped: `unwrap` must refuse them before any KDF runs.
#![no_main]

use casebook::vault::header::{Header, SlotKind};
use casebook::vault::keyslot;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    if data.len() < 32 {
        return;
    }
    let mut bytes = data.to_vec();
    let at = bytes.len() - 32;
    let sum = Sha256::digest(&bytes[..at]);
    bytes[at..].copy_from_slice(sum.as_slice());
    let Ok(h) = Header::decode(&bytes) else { return };
    let costly = h.slots.iter().any(|s| s.kdf.check().is_ok() && (s.kdf.m_kib > 8192 || s.kdf.t > 1));
    if costly {
        return;
    }
    let _ = keyslot::unwrap(&h, SlotKind::Passphrase, b"x");
});
