//! The archive inside a bundle (docs/formats/bundle.md section 2): a ZIP with exactly the known
//! entries. Writing is deterministic apart from the contents; reading is bounded before anything
//! is expanded and never treats an entry name as a path. Bytes in, bytes out.

use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};

use sha2::{Digest, Sha256};

use super::layout::{self, ReadAt, Seeking};
use super::zipstream::ZipStream;
use crate::error::{Error, Result};

/// The entries of a version-1 bundle, in archive order.
pub const ENTRIES: [&str; 4] = ["manifest.json", "cases.json", "cases.csv", "README.txt"];
/// The entries of a version-2 bundle, in archive order: version 1's, then the signed sums.
/// Version 3 adds attachment entries after them (docs/formats/bundle.md section 9).
pub const ENTRIES_V2: [&str; 6] =
    ["manifest.json", "cases.json", "cases.csv", "README.txt", "SHA256SUMS", "SHA256SUMS.sig"];
/// Caps that keep an import of any file within 400 MiB (docs/formats/bundle.md section 2): the
/// archive, each entry expanded, and all of them (20,000 full cases make about 40 MiB). They
/// apply to the entries above; attachment entries have caps of their own (section 9.1).
pub const MAX_ARCHIVE: usize = 160 * 1024 * 1024;
pub const MAX_ENTRY: u64 = 96 * 1024 * 1024;
pub const MAX_TOTAL: u64 = 160 * 1024 * 1024;
/// Largest expansion ratio accepted for entries above 64 KiB.
pub const MAX_RATIO: u64 = 200;
/// Most attachment entries one bundle holds.
pub const MAX_ATTACHMENTS: usize = 2_000;
/// Most entries in all.
pub const MAX_ENTRIES: usize = ENTRIES_V2.len() + MAX_ATTACHMENTS;
/// The folder of attachment entries.
pub const ATTACHMENTS: &str = "attachments/";

fn bad(reason: impl Into<String>) -> Error {
    Error::invalid("bundle", &reason.into())
}

/// Builds an archive of small entries from (name, bytes) in the given order, deflated.
pub fn write(entries: &[(&str, &[u8])]) -> Result<Vec<u8>> {
    let mut zip = ZipStream::new(Vec::new());
    for (name, bytes) in entries {
        zip.add_deflated(name, bytes)?;
    }
    zip.finish()
}

/// The name of an attachment's entry: `attachments/<id>/<stored name>`.
pub fn attachment_entry(id: &uuid::Uuid, name: &str) -> String {
    format!("{ATTACHMENTS}{}/{name}", id.hyphenated())
}

/// Whether an entry name could act as a path: absolute, a `.` or `..` part, a backslash, a NUL
/// or a colon. (Two dots inside a part, as in `report..final.pdf`, are a file name.)
fn path_like(name: &str) -> bool {
    name.starts_with('/')
        || name.split('/').any(|part| part == ".." || part == ".")
        || name.contains('\\')
        || name.contains('\0')
        || name.contains(':')
}

/// An attachment entry's id and file name, if `name` has exactly the form Casebook writes.
pub fn parse_attachment_entry(name: &str) -> Option<(uuid::Uuid, &str)> {
    let rest = name.strip_prefix(ATTACHMENTS)?;
    let (id, file) = rest.split_once('/')?;
    let uuid = uuid::Uuid::try_parse(id).ok()?;
    let shaped = uuid.hyphenated().to_string() == id
        && !file.is_empty()
        && !path_like(file)
        && !file.contains('/')
        && crate::attach::kind::safe_name(file) == file;
    shaped.then_some((uuid, file))
}

/// Checks an entry name: one of [`ENTRIES_V2`] or an attachment entry, nothing path-like.
fn check_name(name: &str) -> Result<()> {
    if path_like(name) {
        return Err(bad(format!("the archive holds an entry named {name:?}, which looks like a path: refused")));
    }
    if name.starts_with(ATTACHMENTS) {
        return match parse_attachment_entry(name) {
            Some(_) => Ok(()),
            None => {
                Err(bad(format!("the archive holds an attachment entry with a name Casebook never writes: {name:?}")))
            }
        };
    }
    if !ENTRIES_V2.contains(&name) {
        return Err(bad(format!("the archive holds an unexpected entry {name:?}")));
    }
    Ok(())
}

/// A read archive: the small entries expanded, the attachment entries only located (their
/// data is streamed by [`stream_entry`]).
#[derive(Debug, Default)]
pub struct Archive {
    pub entries: BTreeMap<String, Vec<u8>>,
    pub attachments: Vec<layout::Entry>,
}

/// Reads an archive held in memory (as [`read_from`]).
pub fn read(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>> {
    let (archive, _) = read_from(std::io::Cursor::new(bytes))?;
    if !archive.attachments.is_empty() {
        return Err(bad("the archive holds attachments: read it with read_from"));
    }
    Ok(archive.entries)
}

/// Reads the archive in `src`: every entry checked (name, count, sizes, ratio, total) before it
/// is expanded; each expanded entry must have exactly its declared size (and CRC). Attachment
/// entries are checked (stored, within their cap) but not read. Returns the source too, for
/// [`stream_entry`].
pub fn read_from<R: Read + Seek>(src: R) -> Result<(Archive, Seeking<R>)> {
    let mut src = Seeking::new(src)?;
    // The layout first, by hand: nothing of the archive is allocated before its counts and
    // sizes are checked, and a reviewer's unzip reads the same entries (section 2.1).
    let layout = layout::check(&mut src, MAX_ENTRIES)?;
    let mut total = 0u64;
    let mut attached = 0u64;
    let mut names = Vec::with_capacity(layout.len());
    for e in &layout {
        let name = e.name.clone();
        check_name(&name)?;
        let (size, packed) = (e.size, e.packed);
        if name.starts_with(ATTACHMENTS) {
            if e.method != 0 || packed != size {
                return Err(bad(format!("{name} is compressed: attachment entries are stored")));
            }
            if size > crate::attach::blob::MAX_CONTENT {
                return Err(bad(format!("{name} is larger than 256 MiB, more than a file may be")));
            }
            attached += size;
            names.push(name);
            continue;
        }
        if size > MAX_ENTRY {
            return Err(bad(format!("{name} would expand to {size} bytes (at most {MAX_ENTRY})")));
        }
        if size > 64 * 1024 && size > packed.saturating_mul(MAX_RATIO) {
            return Err(bad(format!("{name} would expand {}-fold: a zip bomb is refused", size / packed.max(1))));
        }
        total += size;
        if total > MAX_TOTAL {
            return Err(bad("the archive would expand to more than 160 MiB"));
        }
        names.push(name);
    }
    if src.size().saturating_sub(attached) > MAX_ARCHIVE as u64 {
        return Err(bad("the archive is larger than 160 MiB"));
    }
    // The signed sums make it a version-2 archive, which must hold both of them.
    let signed = names.iter().any(|n| n.starts_with("SHA256SUMS"));
    for required in if signed { &ENTRIES_V2[..] } else { &ENTRIES[..] } {
        if !names.iter().any(|n| n == required) {
            return Err(bad(format!("the archive has no {required}")));
        }
    }
    let mut archive = zip::ZipArchive::new(&mut src.inner)
        .map_err(|_| bad("the decrypted contents are not a ZIP archive (or a damaged one)"))?;
    let differs = || bad("the ZIP library reads the archive differently from its own directory");
    if archive.len() != names.len() {
        return Err(differs());
    }
    for (i, name) in names.iter().enumerate() {
        if archive.by_index_raw(i).map_err(|_| differs())?.name().ok().as_deref() != Some(name.as_str()) {
            return Err(differs());
        }
    }
    let mut out = Archive::default();
    for (i, (name, e)) in names.into_iter().zip(layout).enumerate() {
        if name.starts_with(ATTACHMENTS) {
            out.attachments.push(e);
            continue;
        }
        let f = archive.by_index(i).map_err(|_| bad(format!("{name} cannot be read (unsupported or damaged)")))?;
        let size = f.size();
        let mut data = Vec::with_capacity(size as usize);
        f.take(size + 1).read_to_end(&mut data).map_err(|_| bad(format!("{name} is damaged (checksum or data)")))?;
        if data.len() as u64 != size {
            return Err(bad(format!("{name} does not have the size the archive declares")));
        }
        out.entries.insert(name, data);
    }
    drop(archive);
    Ok((out, src))
}

/// Streams a stored attachment entry's data into `out`, 64 KiB at a time, checking its CRC-32
/// against the archive's; returns its SHA-256. An error may leave part of the data written.
pub fn stream_entry(src: &mut dyn ReadAt, e: &layout::Entry, out: &mut dyn Write) -> Result<[u8; 32]> {
    const PIECE: u64 = 64 * 1024;
    let (mut sha, mut crc) = (Sha256::new(), crc32fast::Hasher::new());
    let mut at = 0;
    while at < e.size {
        let n = PIECE.min(e.size - at) as usize;
        let piece = zeroize::Zeroizing::new(src.read_at(e.data_at + at, n)?);
        sha.update(&piece[..]);
        crc.update(&piece);
        out.write_all(&piece).map_err(|err| Error::io("storing an attachment of the bundle", err))?;
        at += n as u64;
    }
    if crc.finalize() != e.crc {
        return Err(bad(format!("{} is damaged (its checksum is wrong)", e.name)));
    }
    Ok(sha.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_entries() -> Vec<(&'static str, Vec<u8>)> {
        ENTRIES.iter().map(|n| (*n, format!("contents of {n}").into_bytes())).collect()
    }

    fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        write(&refs).unwrap()
    }

    #[test]
    fn round_trips_and_refuses_paths_duplicates_missing_and_extra_entries() {
        let good = zip_of(&ok_entries());
        assert_eq!(read(&good).unwrap()["cases.csv"], b"contents of cases.csv");
        for evil in [
            "/etc/passwd",
            "../cases.json",
            "a\\b",
            "attachments/x.pdf",
            "attachments/0193a5c2-0000-4000-8000-000000000000/a/b",
            "attachments/0193A5C2-0000-4000-8000-000000000000/a",
            "attachments/0193a5c2-0000-4000-8000-000000000000/.",
            "other.txt",
            "C:cases.json",
        ] {
            let mut e = ok_entries();
            e.push((evil, b"x".to_vec()));
            assert!(read(&zip_of(&e)).is_err(), "{evil}");
        }
        // cases.json twice (the second one under a name of the same length, renamed in both
        // headers): the ZIP library keeps one of them, a reviewer's unzip may show the other.
        let mut dup = ok_entries();
        dup.push(("casesXjson", b"[]".to_vec()));
        let mut twice = zip_of(&dup);
        for i in 0..twice.len() - 10 {
            if &twice[i..i + 10] == b"casesXjson" {
                twice[i..i + 10].copy_from_slice(b"cases.json");
            }
        }
        assert!(read(&twice).unwrap_err().to_string().contains("cases.json\" twice"));
        let missing: Vec<_> = ok_entries().into_iter().filter(|(n, _)| *n != "cases.csv").collect();
        assert!(read(&zip_of(&missing)).unwrap_err().to_string().contains("no cases.csv"));
        assert!(read(b"PK\x03\x04 not really").is_err());
    }

    #[test]
    fn two_dots_inside_a_file_name_are_a_name_and_dot_parts_are_a_path() {
        let id = "0193a5c2-0000-4000-8000-000000000000";
        let stored = crate::attach::kind::safe_name("report..final.pdf");
        let entry = format!("attachments/{id}/{stored}");
        assert!(parse_attachment_entry(&entry).is_some(), "{entry}");
        assert!(check_name(&entry).is_ok());
        for evil in ["attachments/../cases.json", "attachments/./x", "../x", "a/./b", "/x"] {
            assert!(path_like(evil), "{evil}");
        }
    }

    #[test]
    fn a_zip_bomb_is_refused_before_expansion() {
        let mut e = ok_entries();
        e[1].1 = vec![0u8; 50 * 1024 * 1024];
        let bomb = zip_of(&e);
        assert!(bomb.len() < 1024 * 1024);
        let err = read(&bomb).unwrap_err().to_string();
        assert!(err.contains("zip bomb"), "{err}");
    }
}
