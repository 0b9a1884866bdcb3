//! Key boxes and public keys of roster entries (docs/formats/roster.md sections 1, 3.2) on
//! arbitrary bytes: never panics. `crypt::check_box_key` and `crypt::check_sign_key` on the
//! input's first 32 bytes; `crypt::open_box` of the input as an age file with a fixed device
//! key (random bytes never open: a box that opens must hold the exact context).
#![no_main]

use casebook::sync::roster::crypt::{self, BoxContext, BoxSecret};
use casebook::sync::roster::entry::KeyBox;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(k) = data.get(..32) {
        let k: [u8; 32] = k.try_into().expect("32 bytes");
        let _ = crypt::check_box_key(&k);
        let _ = crypt::check_sign_key(&k);
    }
    let secret = BoxSecret::from_bytes([3; 32]);
    let public = secret.public();
    let ctx = BoxContext { group: &[1; 16], author: &[2; 16], seq: 1, recipient: &[4; 16], recipient_key: &public };
    let b = KeyBox { recipient: [4; 16], age: data.to_vec() };
    assert!(crypt::open_box(&ctx, &secret, &b).is_err(), "random bytes opened as a key box");
});
