//! `RecoveryKey::parse` on arbitrary text: never panics; an accepted key parses again from
//! its written form to the same key.
#![no_main]

use casebook::secret::RecoveryKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(key) = RecoveryKey::parse(&text) {
        let shown = key.display_groups();
        let again = RecoveryKey::parse(&shown).expect("the written form of a key must parse");
        assert_eq!(*again.display_groups(), *shown, "round trip changed the key");
    }
});
