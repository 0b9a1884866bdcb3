//! Invites (docs/formats/delta.md section 8) on arbitrary bytes: never panics.
//!
//! `format::invite_from_text` on the input as lossy UTF-8, `format::decode_invite` on the raw
//! input and on what the text decoded to, `format::decode_invite_secret` on the raw input.
//! `seal::open_invite` runs only where it costs no Argon2 time worth mentioning: when the KDF
//! parameters are the weakest accepted (8192 KiB, t = 1, p = 1), or when `KdfParams::check`
//! refuses them (then `open_invite` must refuse before any KDF runs, or the run hits the
//! timeout). Checks besides "no panic": text → bytes → text → bytes is stable, an accepted
//! head re-encodes to the input's first 60 bytes, an accepted secret re-encodes to the input.
#![no_main]

use casebook::secret::Passphrase;
use casebook::sync::{format, seal};
use casebook::vault::header::KdfParams;
use libfuzzer_sys::fuzz_target;

fn try_invite(bytes: &[u8]) {
    let Ok((head, sealed)) = format::decode_invite(bytes) else { return };
    assert_eq!(sealed.len(), format::INVITE_LEN - format::INVITE_AAD);
    assert_eq!(format::encode_invite_head(&head), &bytes[..format::INVITE_AAD]);
    let kdf = KdfParams { m_kib: head.m_kib, t: head.t, p: head.p };
    let cheapest = (head.m_kib, head.t, head.p) == (8192, 1, 1);
    if cheapest || kdf.check().is_err() {
        let pass = Passphrase::new("tobako-rimesu-kanelo".into()).unwrap();
        let opened = seal::open_invite(bytes, &pass);
        if !cheapest {
            assert!(opened.is_err(), "refused KDF parameters opened an invite");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(bytes) = format::invite_from_text(&text) {
        let again = format::invite_from_text(&format::invite_to_text(&bytes)).expect("our own text reads back");
        assert_eq!(again, bytes);
        try_invite(&bytes);
    }
    try_invite(data);
    if let Ok(secret) = format::decode_invite_secret(data) {
        assert_eq!(&format::encode_invite_secret(&secret)[..], data);
    }
});
