//! The attachments of a version-3 bundle (docs/formats/bundle.md section 9): checking the
//! manifest's list against the archive and the signed sums, and storing the ones an import
//! creates as new blobs of the vault, streamed from the bundle file, before the one
//! transaction that creates their records.

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Read, Seek};
use std::path::PathBuf;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::attach::vault::{blob_folder, lock_blobs, seal_new, BlobLock};
use crate::error::{Error, Result};
use crate::export::bundle;
use crate::export::layout::{self, ReadAt, Seeking};
use crate::export::manifest::ManifestAttachment;
use crate::model::Value;
use crate::secret::Passphrase;
use crate::store::attachments::attachment_fields;
use crate::store::Store;

/// An attachment of the bundle, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingAttachment {
    pub id: [u8; 16],
    pub case_id: [u8; 16],
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: [u8; 32],
    pub label: Option<String>,
    pub metadata_removed: bool,
    /// Where its bytes lie in the archive.
    pub entry: layout::Entry,
}

/// The encrypted bundle an import reads its attachments from again when it applies.
#[derive(Clone)]
pub enum Encrypted {
    File(PathBuf),
    Bytes(Arc<Vec<u8>>),
}

/// How to open the bundle again: the file (or bytes) and the passphrase (None: the vault's
/// own identity). The passphrase is zeroized when the bundle is dropped.
#[derive(Clone)]
pub struct Source {
    pub encrypted: Encrypted,
    pub passphrase: Option<Passphrase>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Source { .. }")
    }
}

struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// The bundle's decrypted archive, opened again.
fn reopen(store: &mut Store, source: &Source) -> Result<Seeking<age::stream::StreamReader<Box<dyn ReadSeek>>>> {
    let input: Box<dyn ReadSeek> = match &source.encrypted {
        Encrypted::File(path) => Box::new(BufReader::new(crate::export::file::open(path)?.0)),
        Encrypted::Bytes(bytes) => Box::new(std::io::Cursor::new(Shared(bytes.clone()))),
    };
    Seeking::new(crate::export::open_plain(store, input, source.passphrase.as_ref())?)
}

fn bad(reason: impl Into<String>) -> Error {
    Error::invalid("bundle", &reason.into())
}

/// The manifest's attachments against the archive's attachment entries and their signed hashes
/// (section 9.2, step 4): one item per entry and no other, sizes and hashes equal. Pure.
pub fn check_listed(
    listed: &[ManifestAttachment],
    entries: &[layout::Entry],
    sums: &HashMap<String, [u8; 32]>,
) -> Result<Vec<IncomingAttachment>> {
    if listed.len() != entries.len() {
        return Err(bad("manifest.json does not list exactly the attachments the archive holds"));
    }
    let by_name: HashMap<&str, &layout::Entry> = entries.iter().map(|e| (e.name.as_str(), e)).collect();
    let mut ids = HashSet::new();
    let mut out = Vec::with_capacity(listed.len());
    for m in listed {
        let (id, case_id, sha256) = m.check()?;
        let entry = by_name
            .get(m.entry.as_str())
            .ok_or_else(|| bad(format!("manifest.json lists {} , which the archive does not hold", m.entry)))?;
        if !ids.insert(id) {
            return Err(bad("manifest.json lists an attachment twice"));
        }
        if entry.size != m.size || sums.get(&m.entry) != Some(&sha256) {
            return Err(bad(format!("{}: its size or SHA-256 differs from the archive's", m.entry)));
        }
        out.push(IncomingAttachment {
            id,
            case_id,
            name: m.name.clone(),
            media_type: m.media_type.clone(),
            size: m.size,
            sha256,
            label: m.label.clone(),
            metadata_removed: m.metadata_removed,
            entry: (*entry).clone(),
        });
    }
    Ok(out)
}

/// Streams every attachment entry once through SHA-256 and CRC-32 (section 9.2, step 3).
pub fn check_hashes(src: &mut dyn ReadAt, entries: &[layout::Entry], sums: &HashMap<String, [u8; 32]>) -> Result<()> {
    for e in entries {
        let got = bundle::stream_entry(src, e, &mut std::io::sink())?;
        if sums.get(&e.name) != Some(&got) {
            return Err(bad(format!("{} does not match its SHA-256 in SHA256SUMS: changed or damaged", e.name)));
        }
    }
    Ok(())
}

/// An attachment stored in the vault folder for an import, its record still to be written.
pub struct Stored {
    pub id: [u8; 16],
    pub case_id: [u8; 16],
    pub fields: Vec<(u8, Value)>,
    pub file: String,
}

/// Blobs written for an import, with the blob folder's lock held until the records are
/// committed; dropped unkept, they are removed.
pub struct StoredBlobs {
    pub list: Vec<Stored>,
    dir: PathBuf,
    kept: bool,
    _lock: Option<BlobLock>,
}

impl StoredBlobs {
    /// The records were committed: the blobs stay.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for StoredBlobs {
    fn drop(&mut self) {
        if !self.kept {
            for s in &self.list {
                let _ = std::fs::remove_file(self.dir.join(&s.file));
            }
        }
    }
}

/// Streams each attachment of `wanted` (bundle attachment, id and case in this vault) from the
/// bundle into a new blob (a new key and nonce prefix), checking its SHA-256 again.
pub fn store_blobs(
    store: &mut Store,
    source: Option<&Source>,
    wanted: &[(&IncomingAttachment, [u8; 16], [u8; 16])],
) -> Result<StoredBlobs> {
    if wanted.is_empty() {
        return Ok(StoredBlobs { list: Vec::new(), dir: PathBuf::new(), kept: false, _lock: None });
    }
    let source = source.ok_or_else(|| bad("the bundle's attachments cannot be read again"))?;
    let mut src = reopen(store, source)?;
    let dir = blob_folder(store)?;
    let lock = lock_blobs(&dir)?;
    let mut done =
        StoredBlobs { list: Vec::with_capacity(wanted.len()), dir: dir.clone(), kept: false, _lock: Some(lock) };
    for (a, id, case_id) in wanted {
        let mut reader = EntryReader { src: &mut src, entry: &a.entry, at: 0, crc: crc32fast::Hasher::new() };
        let (rec, key, stored) = seal_new(store, &dir, id, &mut reader, a.size, "import-blob-sealed")?;
        let crc_ok = reader.crc.finalize() == a.entry.crc;
        if !crc_ok || rec.sha256 != a.sha256 || rec.size != a.size {
            let _ = std::fs::remove_file(dir.join(&stored));
            return Err(bad(if crc_ok {
                "the bundle file changed since it was previewed: preview it again".to_string()
            } else {
                format!("{} is damaged (its checksum is wrong)", a.entry.name)
            }));
        }
        let fields = attachment_fields(
            &a.name,
            &a.media_type,
            a.size,
            &rec.sha256,
            &rec.blob_sha256,
            key.expose(),
            a.label.as_deref(),
            a.metadata_removed,
        );
        // Tracked before its fields are checked, so that a refusal removes it too.
        done.list.push(Stored { id: *id, case_id: *case_id, fields: Vec::new(), file: stored });
        done.list.last_mut().expect("just pushed").fields = fields?;
    }
    Ok(done)
}

/// An entry's data as a reader (for `blob::seal`), CRC-32 on the way.
struct EntryReader<'a, S: ReadAt> {
    src: &'a mut S,
    entry: &'a layout::Entry,
    at: u64,
    crc: crc32fast::Hasher,
}

impl<S: ReadAt> Read for EntryReader<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.entry.size - self.at).min(buf.len() as u64).min(64 * 1024) as usize;
        if n == 0 {
            return Ok(0);
        }
        let piece = Zeroizing::new(
            self.src.read_at(self.entry.data_at + self.at, n).map_err(|e| std::io::Error::other(e.to_string()))?,
        );
        buf[..n].copy_from_slice(&piece);
        self.crc.update(&piece);
        self.at += n as u64;
        Ok(n)
    }
}
