//! What an attachment is, from its first bytes, and the safe form of its file name
//! (docs/formats/attachment.md section 5). Pure.

/// Bytes [`sniff`] needs to decide.
pub const SNIFF_LEN: usize = 16;
/// Longest stored file name, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 120;
/// Longest extension kept when a name is cut.
const MAX_EXT_BYTES: usize = 10;

/// The media type of content starting with `head` (at least [`SNIFF_LEN`] bytes when the content
/// has them). Never from the name.
pub fn sniff(head: &[u8]) -> &'static str {
    let at = |i: usize, s: &[u8]| head.get(i..i + s.len()) == Some(s);
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return "image/jpeg";
    }
    if at(0, &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return "image/png";
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return "image/gif";
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return "image/webp";
    }
    if at(0, b"RIFF") && at(8, b"WAVE") {
        return "audio/wav";
    }
    if at(4, b"ftyp") {
        return match head.get(8..12) {
            Some(b"heic" | b"heix" | b"heim" | b"heis" | b"mif1") => "image/heic",
            Some(b"M4A ") => "audio/mp4",
            _ => "video/mp4",
        };
    }
    if at(0, b"%PDF-") {
        return "application/pdf";
    }
    if at(0, b"OggS") {
        return "audio/ogg";
    }
    if at(0, b"ID3") || at(0, &[0xFF, 0xFB]) || at(0, &[0xFF, 0xF3]) || at(0, &[0xFF, 0xF2]) {
        return "audio/mpeg";
    }
    "application/octet-stream"
}

/// Whether the type is an image a Rust decoder may try to preview.
pub fn is_image(media_type: &str) -> bool {
    matches!(media_type, "image/jpeg" | "image/png" | "image/gif" | "image/webp")
}

/// Whether `s` is shaped like a media type (`type/subtype`, lower case ASCII, at most 100
/// characters): what a record from another device, maybe of a newer version, may carry.
pub fn media_type_shaped(s: &str) -> bool {
    let Some((ty, sub)) = s.split_once('/') else { return false };
    s.len() <= 100
        && !ty.is_empty()
        && ty.bytes().all(|b| b.is_ascii_lowercase())
        && sub.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && sub.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-'))
}

fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
        || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*')
}

fn reserved(stem: &str) -> bool {
    let s = stem.to_ascii_uppercase();
    matches!(s.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((s.starts_with("COM") || s.starts_with("LPT"))
            && s.len() == 4
            && s.as_bytes()[3].is_ascii_digit()
            && s.as_bytes()[3] != b'0')
}

/// The longest prefix of `s` of at most `max` bytes that ends at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The name stored, shown and written into bundles for a file once called `name`. Cleaning
/// it again changes nothing: a cut can bring a new short extension to light, so the one pass is
/// repeated until it is stable (each repeat only drops characters; the fuzz target
/// `attachment_name` checks the fixpoint).
pub fn safe_name(name: &str) -> String {
    let mut out = clean_once(name);
    for _ in 0..8 {
        let again = clean_once(&out);
        if again == out {
            break;
        }
        out = again;
    }
    out
}

fn clean_once(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().map(|c| if unsafe_char(c) { '_' } else { c }).collect();
    // Leading dots hide a file; trailing dots and spaces are dropped by Windows.
    let dot_or_space = |c: char| c == '.' || c.is_whitespace();
    let cleaned = cleaned.trim_start_matches(dot_or_space).trim_end_matches(dot_or_space);
    let (stem, ext) = match cleaned.rfind('.') {
        Some(i) if i > 0 && cleaned.len() - i - 1 <= MAX_EXT_BYTES => (&cleaned[..i], &cleaned[i..]),
        _ => (cleaned, ""),
    };
    // A device name is reserved whatever follows its first dot (`con.tar.gz`).
    let first = stem.split('.').next().unwrap_or("");
    let stem = if stem.trim().is_empty() {
        "attachment".to_string()
    } else if reserved(first.trim_end()) {
        format!("attachment{}", &stem[first.len()..])
    } else {
        stem.to_string()
    };
    let stem = cut(&stem, MAX_NAME_BYTES - ext.len()).trim_end_matches(dot_or_space);
    let stem = if stem.is_empty() { "attachment" } else { stem };
    format!("{stem}{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_first_bytes() {
        let cases: [(&[u8], &str); 14] = [
            (&[0xFF, 0xD8, 0xFF, 0xE1, 0, 0], "image/jpeg"),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png"),
            (b"GIF89a\x01\x00", "image/gif"),
            (b"RIFF\x10\0\0\0WEBPVP8 ", "image/webp"),
            (b"RIFF\x10\0\0\0WAVEfmt ", "audio/wav"),
            (b"\0\0\0\x18ftypheic\0\0\0\0", "image/heic"),
            (b"\0\0\0\x18ftypmif1\0\0\0\0", "image/heic"),
            (b"\0\0\0\x18ftypM4A \0\0\0\0", "audio/mp4"),
            (b"\0\0\0\x18ftypisom\0\0\0\0", "video/mp4"),
            (b"%PDF-1.7\n", "application/pdf"),
            (b"OggS\0\x02", "audio/ogg"),
            (b"ID3\x04\0", "audio/mpeg"),
            (b"", "application/octet-stream"),
            (b"<html><script>", "application/octet-stream"),
        ];
        for (head, want) in cases {
            assert_eq!(sniff(head), want, "{head:?}");
        }
        // Truncated headers never panic and never claim a type.
        assert_eq!(sniff(b"RIFF"), "application/octet-stream");
        assert_eq!(sniff(b"\0\0\0\x18ftyp"), "video/mp4");
        assert!(is_image("image/png") && !is_image("image/heic") && !is_image("application/pdf"));
    }

    #[test]
    fn names_lose_paths_controls_and_hidden_extensions() {
        let cases = [
            ("passport.jpg", "passport.jpg"),
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\anna\\Desktop\\повестка.pdf", "повестка.pdf"),
            ("photo\u{202E}gpj.exe", "photo_gpj.exe"),
            ("a\u{0}b\nc.png", "a_b_c.png"),
            ("  .bashrc  ", "bashrc"),
            ("...", "attachment"),
            ("", "attachment"),
            ("dir/", "attachment"),
            ("CON", "attachment"),
            ("con.txt", "attachment.txt"),
            ("LPT1.pdf", "attachment.pdf"),
            ("COM0.pdf", "COM0.pdf"),
            ("what?.pdf", "what_.pdf"),
            ("file.", "file"),
            // Found by the attachment_name fuzz target: a trailing dot once hid a device name.
            ("con.txe.", "attachment.txe"),
            ("con.tar.gz", "attachment.tar.gz"),
            ("report . ", "report"),
            (". .0.\u{7f}\u{0}", "0.__"),
        ];
        for (name, want) in cases {
            assert_eq!(safe_name(name), want, "{name:?}");
        }
        let long = format!("{}.jpeg", "я".repeat(200));
        let safe = safe_name(&long);
        assert!(safe.len() <= MAX_NAME_BYTES && safe.ends_with(".jpeg"), "{safe}");
        assert!(safe.trim_end_matches(".jpeg").chars().all(|c| c == 'я'));
        // Found by the fuzz target: a cut that brings a short extension to light, then stable.
        let crash = b"\xff\x7c\x7c\xb3\x20\x20\x20\x20\x2e\x36\xbd\x2e\x2e\x2e\x2e\x09\x76\xaf\xb1\x03\x03\x03\x03\xfc\xfc\x39\xfc\xfc\xfc\xfc\xfc\xfc\xfc\xfc\x27\xfc\xfc\xfc\xfc\xfc\xfc\xad\xfc\xfc\xfc\xfc\xfc\xfc\xfc\x47\x0d\x0a\x2e\x2e\x1a\x0a\x7c\x27\x47\x49\x46\x38\x39\x61\x9c";
        let once = safe_name(&String::from_utf8_lossy(crash));
        assert_eq!(safe_name(&once), once, "{once:?}");
        assert_ne!(
            clean_once(&clean_once(&String::from_utf8_lossy(crash))),
            clean_once(&String::from_utf8_lossy(crash)),
            "one pass alone is not stable here"
        );
        let no_ext = "😀".repeat(100);
        assert!(safe_name(&no_ext).len() <= MAX_NAME_BYTES);
        // Cleaning is stable.
        for (name, _) in cases {
            assert_eq!(safe_name(&safe_name(name)), safe_name(name), "{name:?}");
        }
    }
}
