//! The archive inside a bundle (docs/formats/bundle.md section 2): a ZIP with exactly the known
//! entries. Writing is deterministic apart from the contents; reading is bounded before anything
//! is expanded and never treats an entry name as a path. Bytes in, bytes out.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;

use super::layout;
use crate::error::{Error, Result};

/// The entries of a version-1 bundle, in archive order.
pub const ENTRIES: [&str; 4] = ["manifest.json", "cases.json", "cases.csv", "README.txt"];
/// The entries of a version-2 bundle, in archive order: version 1's, then the signed sums.
pub const ENTRIES_V2: [&str; 6] =
    ["manifest.json", "cases.json", "cases.csv", "README.txt", "SHA256SUMS", "SHA256SUMS.sig"];
/// Caps that keep an import of any file within 400 MiB (docs/formats/bundle.md section 2): the
/// archive, each entry expanded, and all of them (20,000 full cases make about 40 MiB).
pub const MAX_ARCHIVE: usize = 160 * 1024 * 1024;
pub const MAX_ENTRIES: usize = 64;
pub const MAX_ENTRY: u64 = 96 * 1024 * 1024;
pub const MAX_TOTAL: u64 = 160 * 1024 * 1024;
/// Largest expansion ratio accepted for entries above 64 KiB.
pub const MAX_RATIO: u64 = 200;

fn bad(reason: impl Into<String>) -> Error {
    Error::invalid("bundle", &reason.into())
}

/// Builds the archive from (name, bytes) in the given order.
pub fn write(entries: &[(&str, &[u8])]) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o600);
    for (name, bytes) in entries {
        zip.start_file(*name, options).map_err(|e| Error::io("building the archive", std::io::Error::other(e)))?;
        zip.write_all(bytes).map_err(|e| Error::io("building the archive", e))?;
    }
    let cursor = zip.finish().map_err(|e| Error::io("building the archive", std::io::Error::other(e)))?;
    Ok(cursor.into_inner())
}

/// Checks an entry name: one of [`ENTRIES_V2`], nothing path-like.
fn check_name(name: &str) -> Result<()> {
    if name.starts_with('/') || name.contains("..") || name.contains('\\') || name.contains('\0') || name.contains(':')
    {
        return Err(bad(format!("the archive holds an entry named {name:?}, which looks like a path: refused")));
    }
    if name.starts_with("attachments/") {
        return Err(bad("the bundle holds attachments, which this version of Casebook cannot import yet"));
    }
    if !ENTRIES_V2.contains(&name) {
        return Err(bad(format!("the archive holds an unexpected entry {name:?}")));
    }
    Ok(())
}

/// Reads the archive: every entry checked (name, count, sizes, ratio, total) before it is
/// expanded; each expanded entry must have exactly its declared size (and CRC).
pub fn read(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>> {
    if bytes.len() > MAX_ARCHIVE {
        return Err(bad("the archive is larger than 160 MiB"));
    }
    // The layout first, by hand: nothing of the archive is allocated before its counts and
    // sizes are checked, and a reviewer's unzip reads the same entries (section 2.1).
    let layout = layout::check(bytes, MAX_ENTRIES)?;
    // First pass: names and sizes only.
    let mut total = 0u64;
    let mut names = Vec::with_capacity(layout.len());
    for e in &layout {
        let name = e.name.clone();
        check_name(&name)?;
        let (size, packed) = (e.size, e.packed);
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
    // The signed sums make it a version-2 archive, which must hold both of them.
    let signed = names.iter().any(|n| n.starts_with("SHA256SUMS"));
    for required in if signed { &ENTRIES_V2[..] } else { &ENTRIES[..] } {
        if !names.iter().any(|n| n == required) {
            return Err(bad(format!("the archive has no {required}")));
        }
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
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
    let mut out = BTreeMap::new();
    for (i, name) in names.into_iter().enumerate() {
        let f = archive.by_index(i).map_err(|_| bad(format!("{name} cannot be read (unsupported or damaged)")))?;
        let size = f.size();
        let mut data = Vec::with_capacity(size as usize);
        f.take(size + 1).read_to_end(&mut data).map_err(|_| bad(format!("{name} is damaged (checksum or data)")))?;
        if data.len() as u64 != size {
            return Err(bad(format!("{name} does not have the size the archive declares")));
        }
        out.insert(name, data);
    }
    Ok(out)
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
        for evil in ["/etc/passwd", "../cases.json", "a\\b", "attachments/x.pdf", "other.txt", "C:cases.json"] {
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
    fn a_zip_bomb_is_refused_before_expansion() {
        let mut e = ok_entries();
        e[1].1 = vec![0u8; 50 * 1024 * 1024];
        let bomb = zip_of(&e);
        assert!(bomb.len() < 1024 * 1024);
        let err = read(&bomb).unwrap_err().to_string();
        assert!(err.contains("zip bomb"), "{err}");
    }
}
