//! What a file says about where and how it was made (docs/formats/attachment.md section 10):
//! shown before attaching, so the caseworker knows what stripping removes and what a PDF keeps.
//! Pure; reads at most the bytes it is given.

use serde::Serialize;

/// One thing a file reveals: `gps`, `camera`, `serial_number`, `date_taken`, `software`,
/// `xmp`, `embedded_image`, `pdf_author`, `pdf_creator`, `pdf_producer`, `pdf_revisions`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub what: &'static str,
    /// The value, shortened (shown to the caseworker only; never logged).
    pub detail: Option<String>,
}

fn finding(what: &'static str, detail: Option<String>) -> Finding {
    let detail = detail.map(|d| d.chars().filter(|c| !c.is_control()).take(80).collect::<String>());
    Finding { what, detail }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// What `bytes` (of type `media_type`) reveal.
pub fn scan(media_type: &str, bytes: &[u8]) -> Vec<Finding> {
    let mut out = Vec::new();
    if media_type.starts_with("image/") {
        exif_findings(bytes, &mut out);
        if contains(bytes, b"http://ns.adobe.com/xap/1.0/") || contains(bytes, b"<x:xmpmeta") {
            out.push(finding("xmp", None));
        }
        if media_type == "image/jpeg" && contains(bytes, b"MPF\0") {
            out.push(finding("embedded_image", None));
        }
    } else if media_type == "application/pdf" {
        pdf_findings(bytes, &mut out);
    }
    out
}

fn exif_findings(bytes: &[u8], out: &mut Vec<Finding>) {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(bytes)) else { return };
    let text = |tag: exif::Tag| {
        exif.get_field(tag, exif::In::PRIMARY).map(|f| f.display_value().to_string().trim_matches('"').to_string())
    };
    if exif.fields().any(|f| f.tag.context() == exif::Context::Gps) {
        let place = [exif::Tag::GPSLatitude, exif::Tag::GPSLongitude].into_iter().filter_map(text).collect::<Vec<_>>();
        out.push(finding("gps", (!place.is_empty()).then(|| place.join(" "))));
    }
    let camera: Vec<String> = [exif::Tag::Make, exif::Tag::Model].into_iter().filter_map(text).collect();
    if !camera.is_empty() {
        out.push(finding("camera", Some(camera.join(" "))));
    }
    for tag in [exif::Tag::BodySerialNumber, exif::Tag::LensSerialNumber, exif::Tag::ImageUniqueID] {
        if let Some(v) = text(tag) {
            out.push(finding("serial_number", Some(v)));
        }
    }
    if let Some(v) = text(exif::Tag::DateTimeOriginal).or_else(|| text(exif::Tag::DateTime)) {
        out.push(finding("date_taken", Some(v)));
    }
    if let Some(v) = text(exif::Tag::Software) {
        out.push(finding("software", Some(v)));
    }
}

/// The text after `/Key (` up to the closing parenthesis, when the Info dictionary holds it
/// as a literal string.
fn pdf_string(bytes: &[u8], key: &[u8]) -> Option<String> {
    let at = bytes.windows(key.len()).position(|w| w == key)? + key.len();
    let rest = &bytes[at..bytes.len().min(at + 400)];
    let open = rest.iter().position(|&b| b == b'(').filter(|&p| rest[..p].iter().all(|b| b.is_ascii_whitespace()))?;
    let close = rest[open..].iter().position(|&b| b == b')')? + open;
    Some(String::from_utf8_lossy(&rest[open + 1..close]).into_owned())
}

fn pdf_findings(bytes: &[u8], out: &mut Vec<Finding>) {
    for (key, what) in [(&b"/Author"[..], "pdf_author"), (b"/Creator", "pdf_creator"), (b"/Producer", "pdf_producer")] {
        if let Some(v) = pdf_string(bytes, key) {
            out.push(finding(what, Some(v)));
        } else if contains(bytes, key) {
            out.push(finding(what, None));
        }
    }
    if contains(bytes, b"/Metadata") {
        out.push(finding("xmp", None));
    }
    let revisions = bytes.windows(5).filter(|w| w == b"%%EOF").count();
    if revisions > 1 {
        out.push(finding("pdf_revisions", Some(revisions.to_string())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_says_its_author_and_revisions_and_nothing_claims_it_clean() {
        let pdf = b"%PDF-1.7\n1 0 obj << /Author (Ivan Petrov) /Producer (Scanner 2) >> endobj\n%%EOF\n\
                    2 0 obj << /Metadata 3 0 R >> endobj\n%%EOF\n";
        let found = scan("application/pdf", pdf);
        assert!(found.contains(&finding("pdf_author", Some("Ivan Petrov".into()))));
        assert!(found.contains(&finding("pdf_producer", Some("Scanner 2".into()))));
        assert!(found.contains(&finding("pdf_revisions", Some("2".into()))));
        assert!(found.iter().any(|f| f.what == "xmp"));
        assert!(crate::attach::strip::strip("application/pdf", pdf).unwrap().is_none());
    }

    #[test]
    fn nothing_is_claimed_of_a_file_without_metadata() {
        assert!(scan("image/png", b"\x89PNG\r\n\x1a\n").is_empty());
        assert!(scan("application/octet-stream", b"Author").is_empty());
    }
}
