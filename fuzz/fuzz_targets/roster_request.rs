//! Join requests and invites v2 (docs/formats/roster.md section 5) on arbitrary bytes: never
//! panics. `invite::decode_request` under a fixed invite key (an accepted request re-encodes to
//! exactly the input, and random bytes never carry both signatures), `invite::request_label`
//! with a fixed request key, `invite::invite_head` (KDF bounds refused before any KDF) and
//! `invite::open_invite` with a fixed key; and the code of the input as a request id is always
//! four groups of six digits.
#![no_main]

use casebook::sync::roster::crypt::BoxSecret;
use casebook::sync::roster::invite;
use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let invite_key = SigningKey::from_bytes(&[5; 32]).verifying_key().to_bytes();
    if let Ok(r) = invite::decode_request(data, &invite_key) {
        assert_eq!(invite::encode_request(&r), data);
        let _ = invite::request_label(&r, &BoxSecret::from_bytes([6; 32]));
    }
    if let Ok(head) = invite::invite_head(data) {
        assert!(head.m_kib <= invite::MAX_INVITE_M_KIB && head.t <= invite::MAX_INVITE_T && head.p <= invite::MAX_INVITE_P);
    }
    let _ = invite::open_invite(data, &[7; 32]);
    let code = invite::code(&[1; 32], &[2; 16], &invite::request_id(data));
    assert!(invite::normalise_code(&code).as_deref() == Some(code.as_str()));
});
