//! The ZIP layout of a bundle's archive (docs/formats/bundle.md section 2.1), read by hand
//! before any ZIP library sees the bytes: exactly the layout Casebook writes, so that a
//! reviewer's `unzip` and Casebook always read the same files, and so that no count or size
//! in the archive makes anything allocate before it is checked against the caps.
//!
//! Canonical: local headers back to back from offset 0, each followed by its data (no data
//! descriptors); a central directory right after the last entry that names the same entries in
//! the same order, with the same name, method, CRC and sizes as their local headers; one end
//! record with an empty comment, and nothing after it. No ZIP64, no encryption, no multi-disk
//! archive, no duplicate or empty names. Pure: bytes in, the entries' places out.

use crate::error::{Error, Result};

/// The end record's fixed size (its comment must be empty).
const END_LEN: usize = 22;
const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
/// General-purpose flags Casebook may write: bit 11 (names are UTF-8). Bit 0 (encrypted) and
/// bit 3 (data descriptor) are refused, with every other bit.
const ALLOWED_FLAGS: u16 = 1 << 11;
/// Stored (0) and deflated (8).
const METHODS: [u16; 2] = [0, 8];
/// Longest entry name and extra field accepted.
pub const MAX_NAME: usize = 255;
pub const MAX_EXTRA: usize = 64;

/// One entry as the central directory and its local header agree on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub method: u16,
    pub crc: u32,
    pub packed: u64,
    pub size: u64,
    /// Where the entry's data starts in the archive.
    pub data_at: u64,
}

fn bad(reason: impl Into<String>) -> Error {
    Error::invalid("bundle", &reason.into())
}

fn u16_at(b: &[u8], at: usize) -> Result<u16> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]])).ok_or_else(|| bad("the archive is cut short"))
}

fn u32_at(b: &[u8], at: usize) -> Result<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| bad("the archive is cut short"))
}

/// Random access to an archive: bytes in memory, or a seekable reader (the age stream of a
/// bundle file, which authenticates each chunk it returns).
pub trait ReadAt {
    fn size(&self) -> u64;
    /// Exactly `len` bytes at `at` (the caller has checked that they lie inside).
    fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>>;
}

impl ReadAt for &[u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>> {
        let at = usize::try_from(at).map_err(|_| bad("the archive is cut short"))?;
        self.get(at..at.saturating_add(len)).map(<[u8]>::to_vec).ok_or_else(|| bad("the archive is cut short"))
    }
}

/// A seekable reader as a [`ReadAt`].
pub struct Seeking<R> {
    pub inner: R,
    len: u64,
}

/// What a failed read of the decrypted stream means: the age layer refused a chunk.
pub fn damaged() -> Error {
    bad("the encrypted contents are damaged or were changed (age authentication failed)")
}

impl<R: std::io::Read + std::io::Seek> Seeking<R> {
    pub fn new(mut inner: R) -> Result<Self> {
        let len = inner.seek(std::io::SeekFrom::End(0)).map_err(|_| damaged())?;
        Ok(Seeking { inner, len })
    }
}

impl<R: std::io::Read + std::io::Seek> ReadAt for Seeking<R> {
    fn size(&self) -> u64 {
        self.len
    }
    fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>> {
        if at.saturating_add(len as u64) > self.len {
            return Err(bad("the archive is cut short"));
        }
        self.inner.seek(std::io::SeekFrom::Start(at)).map_err(|_| damaged())?;
        let mut buf = vec![0u8; len];
        self.inner.read_exact(&mut buf).map_err(|_| damaged())?;
        Ok(buf)
    }
}

/// Checks the layout and lists the entries, in archive order. `max_entries` is checked against
/// the end record's count before anything is read from the central directory, and the
/// directory's size against what that many entries can take. Only the end record, the central
/// directory and the local headers are read: never an entry's data.
pub fn check(src: &mut impl ReadAt, max_entries: usize) -> Result<Vec<Entry>> {
    let len = src.size();
    if len < END_LEN as u64 {
        return Err(bad("the decrypted contents are not a ZIP archive (too short)"));
    }
    if len >= u32::MAX as u64 {
        return Err(bad("the archive is a ZIP64 archive, which bundles never are"));
    }
    let len = len as usize;
    let end = len - END_LEN;
    let tail_at = end.saturating_sub(20);
    let tail = src.read_at(tail_at as u64, len - tail_at)?;
    let e = end - tail_at;
    if u32_at(&tail, e)? != END_SIG {
        return Err(bad(
            "the archive does not end with its end record (a comment, or bytes after it, are not allowed)",
        ));
    }
    if e >= 20 && u32_at(&tail, 0)? == ZIP64_LOCATOR_SIG {
        return Err(bad("the archive is a ZIP64 archive, which bundles never are"));
    }
    let (disk, cd_disk) = (u16_at(&tail, e + 4)?, u16_at(&tail, e + 6)?);
    let (here, total) = (u16_at(&tail, e + 8)?, u16_at(&tail, e + 10)?);
    let (cd_size, cd_at) = (u32_at(&tail, e + 12)? as usize, u32_at(&tail, e + 16)? as usize);
    if u16_at(&tail, e + 20)? != 0 {
        return Err(bad("the archive's end record carries a comment"));
    }
    if disk != 0 || cd_disk != 0 || here != total {
        return Err(bad("the archive spans several disks"));
    }
    if total == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_at == 0xFFFF_FFFF {
        return Err(bad("the archive is a ZIP64 archive, which bundles never are"));
    }
    let total = total as usize;
    if total > max_entries {
        return Err(bad(format!("the archive has {total} entries (at most {max_entries})")));
    }
    if cd_at.checked_add(cd_size) != Some(end) {
        return Err(bad("the archive's central directory is not right before its end record"));
    }
    if cd_size > total * (46 + MAX_NAME + MAX_EXTRA) {
        return Err(bad("the archive's central directory holds more than its entries"));
    }
    let cd = src.read_at(cd_at as u64, cd_size)?;
    let mut entries: Vec<Entry> = Vec::with_capacity(total);
    let mut names = std::collections::HashSet::with_capacity(total);
    let mut at = 0;
    let mut next_local = 0usize;
    for _ in 0..total {
        let e = central(&cd, at, cd.len())?;
        at = e.1;
        let entry = e.0;
        if entry.2 != next_local {
            return Err(bad(format!("{:?} does not start where the entry before it ends", entry.0.name)));
        }
        let (data_at, data_end) = local(src, &entry.0, entry.2, cd_at)?;
        if !names.insert(entry.0.name.clone()) {
            return Err(bad(format!("the archive holds {:?} twice", entry.0.name)));
        }
        next_local = data_end;
        entries.push(Entry { data_at: data_at as u64, ..entry.0 });
    }
    if at != cd.len() {
        return Err(bad("the archive's central directory holds more than its entries"));
    }
    if next_local != cd_at {
        return Err(bad("the archive holds bytes that no entry accounts for"));
    }
    Ok(entries)
}

/// One central directory header at `at`: the entry, where the next header starts, and where the
/// entry's local header is.
fn central(b: &[u8], at: usize, end: usize) -> Result<((Entry, usize, usize), usize)> {
    if at + 46 > end || u32_at(b, at)? != CENTRAL_SIG {
        return Err(bad("the archive's central directory is damaged"));
    }
    let flags = u16_at(b, at + 8)?;
    let method = u16_at(b, at + 10)?;
    let crc = u32_at(b, at + 16)?;
    let (packed, size) = (u32_at(b, at + 20)?, u32_at(b, at + 24)?);
    let (name_len, extra_len, comment_len) =
        (u16_at(b, at + 28)? as usize, u16_at(b, at + 30)? as usize, u16_at(b, at + 32)? as usize);
    let disk = u16_at(b, at + 34)?;
    let local_at = u32_at(b, at + 42)?;
    check_fields(flags, method, packed, size)?;
    if disk != 0 || comment_len != 0 || extra_len > MAX_EXTRA {
        return Err(bad("an entry of the archive carries fields bundles never have"));
    }
    let name = name_at(b, at + 46, name_len, end)?;
    let next = at + 46 + name_len + extra_len;
    if next > end {
        return Err(bad("the archive's central directory is damaged"));
    }
    let entry = Entry { name, method, crc, packed: packed as u64, size: size as u64, data_at: 0 };
    Ok(((entry, next, local_at as usize), next))
}

/// The local header of `e` at `at` must say what the central directory says; returns where the
/// entry's data starts and ends.
fn local(src: &mut impl ReadAt, e: &Entry, at: usize, cd_at: usize) -> Result<(usize, usize)> {
    let differs = || bad(format!("{:?} has a local header that differs from the archive's directory", e.name));
    if at + 30 > cd_at {
        return Err(differs());
    }
    let b = src.read_at(at as u64, 30)?;
    if u32_at(&b, 0)? != LOCAL_SIG {
        return Err(differs());
    }
    let flags = u16_at(&b, 6)?;
    let method = u16_at(&b, 8)?;
    let crc = u32_at(&b, 14)?;
    let (packed, size) = (u32_at(&b, 18)?, u32_at(&b, 22)?);
    let (name_len, extra_len) = (u16_at(&b, 26)? as usize, u16_at(&b, 28)? as usize);
    check_fields(flags, method, packed, size)?;
    if extra_len > MAX_EXTRA || name_len == 0 || name_len > MAX_NAME || at + 30 + name_len > cd_at {
        return Err(differs());
    }
    let raw = src.read_at(at as u64 + 30, name_len)?;
    let name = name_at(&raw, 0, name_len, name_len)?;
    if name != e.name || method != e.method || crc != e.crc || packed as u64 != e.packed || size as u64 != e.size {
        return Err(differs());
    }
    let data_at = at + 30 + name_len + extra_len;
    let data_end = data_at.checked_add(packed as usize).filter(|&x| x <= cd_at).ok_or_else(differs)?;
    Ok((data_at, data_end))
}

fn check_fields(flags: u16, method: u16, packed: u32, size: u32) -> Result<()> {
    if flags & !ALLOWED_FLAGS != 0 {
        return Err(bad("an entry of the archive is encrypted or uses a data descriptor, which bundles never do"));
    }
    if !METHODS.contains(&method) {
        return Err(bad(format!("an entry of the archive uses compression method {method} (bundles use 0 or 8)")));
    }
    if packed == 0xFFFF_FFFF || size == 0xFFFF_FFFF {
        return Err(bad("the archive is a ZIP64 archive, which bundles never are"));
    }
    Ok(())
}

fn name_at(b: &[u8], at: usize, len: usize, limit: usize) -> Result<String> {
    if len == 0 || len > MAX_NAME {
        return Err(bad(format!("an entry name of {len} bytes (1 ..= {MAX_NAME})")));
    }
    let raw = b.get(at..at + len).filter(|_| at + len <= limit).ok_or_else(|| bad("the archive is cut short"))?;
    String::from_utf8(raw.to_vec()).map_err(|_| bad("an entry name is not valid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::bundle;

    fn archive(names: &[&str]) -> Vec<u8> {
        let data: Vec<(String, Vec<u8>)> =
            names.iter().map(|n| (n.to_string(), format!("contents of {n} ").repeat(40).into_bytes())).collect();
        let refs: Vec<(&str, &[u8])> = data.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
        bundle::write(&refs).unwrap()
    }

    fn refused(bytes: &[u8], part: &str) {
        let err = check(&mut &bytes[..], 64).expect_err("refused").to_string();
        assert!(err.contains(part), "{err:?} does not say {part:?}");
    }

    fn replace_all(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        assert_eq!(from.len(), to.len());
        let mut out = bytes.to_vec();
        let mut i = 0;
        while i + from.len() <= out.len() {
            if &out[i..i + from.len()] == from {
                out[i..i + from.len()].copy_from_slice(to);
            }
            i += 1;
        }
        out
    }

    #[test]
    fn what_casebook_writes_is_canonical() {
        let bytes = archive(&bundle::ENTRIES);
        let entries = check(&mut &bytes[..], 64).unwrap();
        assert_eq!(entries.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), bundle::ENTRIES);
        assert_eq!(entries[0].data_at, 30 + "manifest.json".len() as u64);
        assert!(entries.iter().all(|e| e.method == 8 && e.size > e.packed));
    }

    #[test]
    fn a_name_twice_is_refused_though_the_zip_library_keeps_one() {
        let bytes = replace_all(&archive(&["manifest.json", "cases.json", "casesXjson"]), b"casesXjson", b"cases.json");
        assert_eq!(zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap().len(), 2, "the library dedups");
        refused(&bytes, "twice");
    }

    #[test]
    fn bytes_before_after_or_between_are_refused() {
        let bytes = archive(&["manifest.json", "cases.json"]);
        refused(&[&[0u8][..], &bytes].concat(), "not right before its end record");
        refused(&[&bytes[..], &[0u8]].concat(), "end record");
        // A comment on the end record.
        let mut commented = bytes.clone();
        let n = commented.len();
        commented[n - 2] = 1;
        commented.push(b'x');
        refused(&commented, "comment");
        // Room between the last entry and the central directory.
        let end = bytes.len() - END_LEN;
        let cd_at = u32_at(&bytes, end + 16).unwrap() as usize;
        let mut gap = bytes[..cd_at].to_vec();
        gap.push(0);
        gap.extend_from_slice(&bytes[cd_at..]);
        let e = gap.len() - END_LEN;
        gap[e + 16..e + 20].copy_from_slice(&((cd_at + 1) as u32).to_le_bytes());
        refused(&gap, "no entry accounts for");
    }

    #[test]
    fn counts_zip64_and_flags_are_refused_before_anything_is_read() {
        let bytes = archive(&["manifest.json"]);
        let end = bytes.len() - END_LEN;
        let with = |at: usize, v: &[u8]| {
            let mut b = bytes.clone();
            b[end + at..end + at + v.len()].copy_from_slice(v);
            b
        };
        refused(&with(8, &[0xfe, 0xff, 0xfe, 0xff]), "65534 entries (at most 64)");
        refused(&with(8, &[0xff, 0xff, 0xff, 0xff]), "ZIP64");
        refused(&with(4, &[1, 0]), "several disks");
        refused(&with(12, &[0xff, 0xff, 0xff, 0xff]), "ZIP64");
        // Data descriptor (bit 3) in both headers, as a streaming writer would set it.
        let mut desc = bytes.clone();
        desc[6] |= 8;
        let cd_at = u32_at(&bytes, end + 16).unwrap() as usize;
        desc[cd_at + 8] |= 8;
        refused(&desc, "data descriptor");
        refused(b"PK\x05\x06", "too short");
    }

    #[test]
    fn a_local_header_that_differs_from_the_directory_is_refused() {
        let bytes = archive(&["manifest.json", "cases.json"]);
        // The local name of the first entry says another name (the directory keeps its own).
        let mut local_name = bytes.clone();
        local_name[30] = b'M';
        refused(&local_name, "differs from the archive's directory");
        // The local sizes say more than the directory.
        let mut size = bytes.clone();
        size[22] ^= 1;
        refused(&size, "differs");
    }
}
