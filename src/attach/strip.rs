//! Removing what an image says about where and how it was made, losslessly and by allow-list
//! (docs/formats/attachment.md section 10, review F13): containers are rewritten segment by
//! segment, no pixel is decoded or re-encoded. Pure: bytes in, bytes out.

/// Why an image could not be stripped (it is then not changed).
pub const DAMAGED: &str = "this image is damaged or of a layout Casebook does not know; attach it with \
                           --keep-metadata to keep it as it is";

/// The image without its metadata, or [`DAMAGED`]. Types other than JPEG, PNG, WebP and GIF
/// come back unchanged (`None`): nothing is claimed about them.
pub fn strip(media_type: &str, bytes: &[u8]) -> Result<Option<Vec<u8>>, &'static str> {
    match media_type {
        "image/jpeg" => jpeg(bytes).map(Some),
        "image/png" => png(bytes).map(Some),
        "image/webp" => webp(bytes).map(Some),
        "image/gif" => gif(bytes).map(Some),
        _ => Ok(None),
    }
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize)
}

/// The Exif Orientation (1..8) of a JPEG's APP1 Exif payload, if it says one.
fn orientation(exif: &[u8]) -> Option<u16> {
    let tiff = exif.strip_prefix(b"Exif\0\0")?;
    let parsed = exif::Reader::new().read_raw(tiff.to_vec()).ok()?;
    let field = parsed.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    field.value.get_uint(0).and_then(|v| u16::try_from(v).ok()).filter(|v| (2..=8).contains(v))
}

/// An APP1 segment holding an Exif with only the Orientation tag.
fn orientation_segment(o: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian TIFF, first IFD at 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count 1
    tiff.extend_from_slice(&o.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    seg
}

fn jpeg(b: &[u8]) -> Result<Vec<u8>, &'static str> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err(DAMAGED);
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut kept_orientation = None;
    let mut body = Vec::with_capacity(b.len());
    let mut at = 2;
    let mut scans = 0;
    loop {
        if b.get(at) != Some(&0xFF) {
            return Err(DAMAGED);
        }
        while b.get(at + 1) == Some(&0xFF) {
            at += 1; // fill bytes
        }
        let marker = *b.get(at + 1).ok_or(DAMAGED)?;
        if marker == 0xD9 {
            if scans == 0 {
                return Err(DAMAGED);
            }
            body.extend_from_slice(&[0xFF, 0xD9]);
            break; // nothing after EOI is kept (a Motion Photo's video, a trailer)
        }
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            body.extend_from_slice(&[0xFF, marker]);
            at += 2;
            continue;
        }
        let len = be16(b, at + 2).ok_or(DAMAGED)?;
        if len < 2 || at + 2 + len > b.len() {
            return Err(DAMAGED);
        }
        let seg = &b[at..at + 2 + len];
        let payload = &seg[4..];
        let keep = match marker {
            0xDB | 0xC4 | 0xDD | 0xCC | 0xDC => true,
            0xC0..=0xCF => marker != 0xC8,
            0xE0 => payload.starts_with(b"JFIF\0") || payload.starts_with(b"JFXX\0"),
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
            0xEE => payload.starts_with(b"Adobe"),
            0xDA => true,
            _ => false,
        };
        if marker == 0xE1 && kept_orientation.is_none() {
            kept_orientation = orientation(payload);
        }
        if keep {
            body.extend_from_slice(seg);
        }
        at += 2 + len;
        if marker == 0xDA {
            scans += 1;
            // The entropy-coded data runs to the next marker that is neither a stuffed 0xFF
            // (FF 00) nor a restart marker (FF D0..D7).
            let start = at;
            let mut i = at;
            loop {
                let p = i + b[i..].iter().position(|&x| x == 0xFF).ok_or(DAMAGED)?;
                match b.get(p + 1) {
                    Some(0x00 | 0xD0..=0xD7) => i = p + 2,
                    Some(_) => {
                        body.extend_from_slice(&b[start..p]);
                        at = p;
                        break;
                    }
                    None => return Err(DAMAGED),
                }
            }
        }
    }
    if let Some(o) = kept_orientation {
        out.extend_from_slice(&orientation_segment(o));
    }
    out.extend_from_slice(&body);
    Ok(out)
}

const PNG_SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
const PNG_KEEP: [&[u8; 4]; 15] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD", b"pHYs",
    b"acTL", b"fcTL", b"fdAT",
];

fn png(b: &[u8]) -> Result<Vec<u8>, &'static str> {
    if !b.starts_with(PNG_SIG) {
        return Err(DAMAGED);
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(PNG_SIG);
    let mut at = PNG_SIG.len();
    loop {
        let head = b.get(at..at + 8).ok_or(DAMAGED)?;
        let len = u32::from_be_bytes(head[..4].try_into().expect("4 bytes")) as usize;
        let end = at.checked_add(12).and_then(|x| x.checked_add(len)).filter(|&e| e <= b.len()).ok_or(DAMAGED)?;
        let kind = &head[4..8];
        if PNG_KEEP.iter().any(|k| &k[..] == kind) {
            out.extend_from_slice(&b[at..end]);
        }
        at = end;
        if kind == b"IEND" {
            return Ok(out); // nothing after IEND
        }
    }
}

const WEBP_KEEP: [&[u8; 4]; 7] = [b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"];

fn webp(b: &[u8]) -> Result<Vec<u8>, &'static str> {
    if b.len() < 12 || &b[..4] != b"RIFF" || &b[8..12] != b"WEBP" {
        return Err(DAMAGED);
    }
    let riff = u32::from_le_bytes(b[4..8].try_into().expect("4 bytes")) as usize;
    let end = riff.checked_add(8).filter(|&e| e <= b.len() && e >= 12).ok_or(DAMAGED)?;
    let mut out = Vec::with_capacity(end);
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    let mut at = 12;
    while at < end {
        let head = b.get(at..at + 8).ok_or(DAMAGED)?;
        let len = u32::from_le_bytes(head[4..8].try_into().expect("4 bytes")) as usize;
        let next = at.checked_add(8 + len + (len & 1)).ok_or(DAMAGED)?;
        if next > end && at + 8 + len != end {
            return Err(DAMAGED);
        }
        let next = next.min(end);
        let kind = &head[..4];
        if WEBP_KEEP.iter().any(|k| &k[..] == kind) {
            let start = out.len();
            out.extend_from_slice(&b[at..next]);
            if kind == b"VP8X" && len >= 1 {
                out[start + 8] &= !0x0C; // the Exif and XMP flags
            }
        }
        at = next;
    }
    if out.len() & 1 == 1 {
        out.push(0);
    }
    let size = u32::try_from(out.len() - 8).map_err(|_| DAMAGED)?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Ok(out)
}

/// Copies a run of GIF sub-blocks (length byte, data) up to and including the 0 terminator.
fn sub_blocks(b: &[u8], mut at: usize, out: Option<&mut Vec<u8>>) -> Result<usize, &'static str> {
    let start = at;
    loop {
        let n = *b.get(at).ok_or(DAMAGED)? as usize;
        at += 1 + n;
        if at > b.len() {
            return Err(DAMAGED);
        }
        if n == 0 {
            break;
        }
    }
    if let Some(out) = out {
        out.extend_from_slice(&b[start..at]);
    }
    Ok(at)
}

fn gif(b: &[u8]) -> Result<Vec<u8>, &'static str> {
    if b.len() < 13 || !(b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a")) {
        return Err(DAMAGED);
    }
    let table = |packed: u8| if packed & 0x80 != 0 { 3usize << ((packed & 7) + 1) } else { 0 };
    let mut at = 13 + table(b[10]);
    if at > b.len() {
        return Err(DAMAGED);
    }
    let mut out = b[..at].to_vec();
    loop {
        match *b.get(at).ok_or(DAMAGED)? {
            0x3B => {
                out.push(0x3B);
                return Ok(out); // nothing after the trailer
            }
            0x2C => {
                let desc = b.get(at..at + 10).ok_or(DAMAGED)?;
                let data = at + 10 + table(desc[9]);
                let lzw = data + 1;
                if lzw > b.len() {
                    return Err(DAMAGED);
                }
                out.extend_from_slice(&b[at..lzw]);
                at = sub_blocks(b, lzw, Some(&mut out))?;
            }
            0x21 => {
                let label = *b.get(at + 1).ok_or(DAMAGED)?;
                let first = b.get(at + 2..).ok_or(DAMAGED)?;
                let app =
                    first.first() == Some(&11) && matches!(first.get(1..12), Some(b"NETSCAPE2.0" | b"ANIMEXTS1.0"));
                if label == 0xF9 || (label == 0xFF && app) {
                    out.extend_from_slice(&b[at..at + 2]);
                    at = sub_blocks(b, at + 2, Some(&mut out))?;
                } else {
                    at = sub_blocks(b, at + 2, None)?; // comments, plain text, other applications
                }
            }
            _ => return Err(DAMAGED),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn exif_with(canary: &[u8], orientation: Option<u16>) -> Vec<u8> {
        // A big-endian TIFF with Make (ASCII, the canary) and maybe Orientation.
        let mut entries: Vec<(u16, u16, u32, [u8; 4])> = Vec::new();
        let n = if orientation.is_some() { 2 } else { 1 };
        let data_at = 8 + 2 + 12 * n + 4;
        if let Some(o) = orientation {
            let v = o.to_be_bytes();
            entries.push((0x0112, 3, 1, [v[0], v[1], 0, 0]));
        }
        entries.push((0x010F, 2, canary.len() as u32 + 1, (data_at as u32).to_be_bytes()));
        entries.sort_by_key(|e| e.0);
        let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
        t.extend_from_slice(&(n as u16).to_be_bytes());
        for (tag, ty, count, v) in entries {
            t.extend_from_slice(&tag.to_be_bytes());
            t.extend_from_slice(&ty.to_be_bytes());
            t.extend_from_slice(&count.to_be_bytes());
            t.extend_from_slice(&v);
        }
        t.extend_from_slice(&0u32.to_be_bytes());
        t.extend_from_slice(canary);
        t.push(0);
        let mut seg = vec![0xFF, 0xE1];
        seg.extend_from_slice(&((2 + 6 + t.len()) as u16).to_be_bytes());
        seg.extend_from_slice(b"Exif\0\0");
        seg.extend_from_slice(&t);
        seg
    }

    /// A JPEG's container around fake entropy-coded data: SOI, APP0 JFIF, `extra`, DQT, SOF0,
    /// SOS + data (with a stuffed FF 00 and a restart marker), EOI, then `after`.
    pub(crate) fn jpeg_with(extra: &[u8], after: &[u8]) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
        j.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        j.extend_from_slice(extra);
        j.extend_from_slice(&[0xFF, 0xDB, 0, 4, 0, 1]);
        j.extend_from_slice(&[0xFF, 0xC0, 0, 5, 8, 0, 1]);
        j.extend_from_slice(&[0xFF, 0xDA, 0, 3, 1]);
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        j.extend_from_slice(&[0xFF, 0xD9]);
        j.extend_from_slice(after);
        j
    }

    fn has(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_jpeg_loses_exif_xmp_comments_mpf_and_what_follows_the_image_but_keeps_its_orientation() {
        let mut extra = exif_with(b"CANARY-MAKE", Some(6));
        extra.extend_from_slice(&[0xFF, 0xFE, 0, 10]);
        extra.extend_from_slice(b"CANARY-C");
        let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>CANARY-XMP</x:xmpmeta>";
        extra.extend_from_slice(&[0xFF, 0xE1]);
        extra.extend_from_slice(&((xmp.len() + 2) as u16).to_be_bytes());
        extra.extend_from_slice(xmp);
        let mpf = b"MPF\0CANARY-MPF";
        extra.extend_from_slice(&[0xFF, 0xE2]);
        extra.extend_from_slice(&((mpf.len() + 2) as u16).to_be_bytes());
        extra.extend_from_slice(mpf);
        let input = jpeg_with(&extra, b"\0\0\0\x18ftypmp42CANARY-VIDEO");
        let out = strip("image/jpeg", &input).unwrap().unwrap();
        for canary in [&b"CANARY-MAKE"[..], b"CANARY-C", b"CANARY-XMP", b"CANARY-MPF", b"CANARY-VIDEO", b"ftyp"] {
            assert!(!has(&out, canary), "{}", String::from_utf8_lossy(canary));
        }
        assert!(out.ends_with(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]), "the scan is kept as it was");
        assert_eq!(orientation(&out[6..]), Some(6), "Orientation is written back");
        assert!(has(&out, b"JFIF\0"));
        // Stripping twice changes nothing more.
        assert_eq!(strip("image/jpeg", &out).unwrap().unwrap(), out);
        // Without an orientation, no Exif at all.
        let plain = strip("image/jpeg", &jpeg_with(&exif_with(b"CANARY-MAKE", None), b"")).unwrap().unwrap();
        assert!(!has(&plain, b"Exif"));
    }

    #[test]
    fn damaged_images_are_refused_not_half_stripped() {
        let good = jpeg_with(&exif_with(b"M", None), b"");
        for cut in [3, 10, 30, good.len() - 3] {
            assert_eq!(strip("image/jpeg", &good[..cut]), Err(DAMAGED), "cut at {cut}");
        }
        assert_eq!(strip("image/jpeg", b"\xFF\xD8\xFF\xD9"), Err(DAMAGED), "no scan");
        assert_eq!(strip("image/png", b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"), Err(DAMAGED));
        assert_eq!(strip("image/webp", b"RIFF\xff\xff\xff\x7fWEBPVP8 "), Err(DAMAGED));
        assert_eq!(strip("image/gif", b"GIF89a\x01\0\x01\0\x80\0\0"), Err(DAMAGED));
        assert_eq!(strip("application/pdf", b"%PDF-1.7"), Ok(None), "a PDF is never claimed cleaned");
    }

    fn png_chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0; 4]);
        c
    }

    #[test]
    fn a_png_keeps_only_its_image_chunks() {
        let mut p = PNG_SIG.to_vec();
        p.extend(png_chunk(b"IHDR", &[0; 13]));
        p.extend(png_chunk(b"eXIf", b"MM\0*CANARY-EXIF"));
        p.extend(png_chunk(b"tEXt", b"Author\0CANARY-T"));
        p.extend(png_chunk(b"iTXt", b"XML:com.adobe.xmp\0CANARY-I"));
        p.extend(png_chunk(b"tIME", &[7; 7]));
        p.extend(png_chunk(b"IDAT", b"pixels"));
        p.extend(png_chunk(b"IEND", b""));
        p.extend_from_slice(b"CANARY-AFTER");
        let out = strip("image/png", &p).unwrap().unwrap();
        for canary in [&b"CANARY"[..], b"tIME"] {
            assert!(!has(&out, canary));
        }
        assert!(has(&out, b"pixels") && out.ends_with(&png_chunk(b"IEND", b"")));
    }

    #[test]
    fn a_webp_loses_exif_and_xmp_and_its_flags() {
        let chunk = |k: &[u8], d: &[u8]| {
            let mut c = k.to_vec();
            c.extend_from_slice(&(d.len() as u32).to_le_bytes());
            c.extend_from_slice(d);
            if d.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let mut body = b"WEBP".to_vec();
        body.extend(chunk(b"VP8X", &[0x0C | 0x10, 0, 0, 0, 1, 0, 0, 1, 0, 0]));
        body.extend(chunk(b"VP8L", b"lossless"));
        body.extend(chunk(b"EXIF", b"CANARY-E"));
        body.extend(chunk(b"XMP ", b"CANARY-XMP"));
        let mut w = b"RIFF".to_vec();
        w.extend_from_slice(&(body.len() as u32).to_le_bytes());
        w.extend(body);
        let out = strip("image/webp", &w).unwrap().unwrap();
        assert!(!has(&out, b"CANARY"));
        assert_eq!(out[20] & 0x0C, 0, "the Exif and XMP flags are cleared");
        assert_eq!(out[20] & 0x10, 0x10, "the alpha flag stays");
        assert_eq!(u32::from_le_bytes(out[4..8].try_into().unwrap()) as usize, out.len() - 8);
    }

    #[test]
    fn a_gif_loses_comments_and_foreign_application_blocks() {
        let mut g = b"GIF89a\x01\0\x01\0\x80\0\0".to_vec();
        g.extend_from_slice(&[0, 0, 0, 255, 255, 255]); // a 2-colour table
        g.extend_from_slice(b"\x21\xFF\x0bNETSCAPE2.0\x03\x01\0\0\0");
        g.extend_from_slice(b"\x21\xFE\x08CANARY-C\0");
        g.extend_from_slice(b"\x21\xFF\x0bXMP DataXMP\x08CANARY-X\0");
        g.extend_from_slice(b"\x21\xF9\x04\0\0\0\0\0");
        g.extend_from_slice(b"\x2C\0\0\0\0\x01\0\x01\0\0\x02\x02\x44\x01\0");
        g.extend_from_slice(b"\x3BCANARY-AFTER");
        let out = strip("image/gif", &g).unwrap().unwrap();
        assert!(!has(&out, b"CANARY"));
        assert!(has(&out, b"NETSCAPE2.0") && out.ends_with(b"\x44\x01\0\x3B"));
    }
}
