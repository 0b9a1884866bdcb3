//! What an attachment is called and what it is (docs/formats/attachment.md section 5):
//! `kind::safe_name` on the input as lossy UTF-8 and `kind::sniff` on its bytes. Checks besides
//! "no panic": a safe name is not empty, at most 120 bytes, holds no path separator, control or
//! text-direction character, does not start with a dot, and cleaning it again changes nothing.
#![no_main]

use casebook::attach::kind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kind::sniff(data);
    let name = String::from_utf8_lossy(data);
    let safe = kind::safe_name(&name);
    assert!(!safe.is_empty() && safe.len() <= kind::MAX_NAME_BYTES, "{safe:?}");
    assert!(!safe.starts_with('.'), "{safe:?}");
    assert!(
        !safe.chars().any(|c| matches!(c, '/' | '\\') || c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
        "{safe:?}"
    );
    assert_eq!(kind::safe_name(&safe), safe);
});
