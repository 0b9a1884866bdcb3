//! Attachments in the vault folder (docs/formats/attachment.md sections 7, 8 and 10): attach a
//! file (stripped of metadata when asked, sealed into a new blob, crash-safe), read one back,
//! delete one, and the sweep that makes the blob folder agree with the database. The CLI and
//! the app call these; the policies (caps, stripping, names) live here, once.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use uuid::Uuid;
use zeroize::Zeroizing;

use super::blob::{self, BlobKey, Recorded, MAX_CONTENT, NONCE_PREFIX_LEN};
use super::{kind, reveal, strip};
use crate::error::{Error, Result};
use crate::model::{record_id, ATTACHMENT};
use crate::store::attachments::attachment_fields;
use crate::store::Store;

/// Images are stripped in memory up to this size (the memory figure of attachment.md section 3).
pub const STRIP_MAX: u64 = 32 * 1024 * 1024;

/// What attaching did.
#[derive(Debug, Clone, Serialize)]
pub struct Attached {
    pub id: String,
    pub media_type: String,
    pub size: u64,
    /// Whether metadata was removed.
    pub stripped: bool,
    /// What the file revealed (before stripping) and, for a kept file, still reveals.
    pub reveals: Vec<reveal::Finding>,
}

/// How to attach a file.
#[derive(Debug, Clone, Default)]
pub struct AttachOptions {
    pub label: Option<String>,
    /// Keep the file exactly as it came (its metadata too).
    pub keep_metadata: bool,
}

fn io(what: &str, e: std::io::Error) -> Error {
    Error::io(what.to_string(), e)
}

/// The vault's blob folder (`<vault>/blobs`), made (owner only) when missing.
pub fn blob_folder(store: &Store) -> Result<PathBuf> {
    let db = store
        .connection()
        .path()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::invalid("attachment", "this store has no vault folder"))?;
    let dir = Path::new(db)
        .parent()
        .map(|p| p.join("blobs"))
        .ok_or_else(|| Error::invalid("attachment", "no vault folder"))?;
    if !dir.is_dir() {
        std::fs::create_dir_all(&dir).map_err(|e| io("creating the vault's blob folder", e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| io("restricting the vault's blob folder", e))?;
        }
    }
    Ok(dir)
}

/// The blob folder's lock (`blobs/.lock`): held while a blob is being written or fetched, so
/// that a sweep in another process (the app and the CLI open one vault) never takes a blob in
/// progress for a leftover of a crash. Released when dropped.
pub struct BlobLock(#[allow(dead_code)] std::fs::File);

fn lock_file(dir: &Path) -> Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".lock"))
        .map_err(|e| io("locking the vault's blob folder", e))
}

/// Waits for the blob folder's lock.
pub fn lock_blobs(dir: &Path) -> Result<BlobLock> {
    let f = lock_file(dir)?;
    f.lock().map_err(|e| io("locking the vault's blob folder", e))?;
    Ok(BlobLock(f))
}

/// The blob folder's lock if nobody holds it.
fn try_lock_blobs(dir: &Path) -> Result<Option<BlobLock>> {
    let f = lock_file(dir)?;
    match f.try_lock() {
        Ok(()) => Ok(Some(BlobLock(f))),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(io("locking the vault's blob folder", e)),
    }
}

fn random_hex(store: &mut Store, n: usize) -> String {
    let mut b = vec![0u8; n];
    store.entropy.fill(&mut b);
    crate::hex::encode(&b)
}

/// A new temporary file in the blob folder (never read as a blob; swept at unlock).
pub fn temp_file(store: &mut Store, dir: &Path) -> Result<(PathBuf, std::fs::File)> {
    let path = dir.join(format!(".tmp-{}", random_hex(store, 8)));
    let file = crate::export::file::create_new(&path)?;
    Ok((path, file))
}

/// Moves a complete, synced temporary blob to its final random name; returns the name.
pub fn keep_temp(store: &mut Store, dir: &Path, tmp: &Path) -> Result<String> {
    let name = format!("{}.cbb", random_hex(store, 16));
    std::fs::rename(tmp, dir.join(&name)).map_err(|e| io("storing an attachment", e))?;
    crate::vault::sync_dir(dir)?;
    Ok(name)
}

/// Seals `size` bytes from `content` into a new blob of attachment `id` in the blob folder `dir`
/// (whose lock the caller holds), under a new key and nonce prefix: written to a temporary
/// file, synced (the fault point `fault` is reached then), moved to its random name. Returns
/// what was recorded, the key and the blob's file name; removes what it wrote when it fails.
pub fn seal_new(
    store: &mut Store,
    dir: &Path,
    id: &[u8; 16],
    content: &mut impl Read,
    size: u64,
    fault: &str,
) -> Result<(Recorded, BlobKey, String)> {
    let mut key = Zeroizing::new([0u8; 32]);
    store.entropy.fill(&mut key[..]);
    let key = BlobKey::from_bytes(*key);
    let mut prefix = [0u8; NONCE_PREFIX_LEN];
    store.entropy.fill(&mut prefix);
    let (tmp, out) = temp_file(store, dir)?;
    let sealed = (|| -> Result<Recorded> {
        let mut out = BufWriter::with_capacity(blob::CHUNK + blob::TAG, out);
        let rec = blob::seal(id, &key, &prefix, content, size, &mut out)?;
        let file = out.into_inner().map_err(|e| io("writing an attachment", e.into_error()))?;
        file.sync_all().map_err(|e| io("writing an attachment", e))?;
        store.faults.reached(fault);
        Ok(rec)
    })();
    let kept = sealed.and_then(|rec| Ok((rec, keep_temp(store, dir, &tmp)?)));
    match kept {
        Ok((rec, name)) => Ok((rec, key, name)),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Attaches the file at `path` to `case`: returns what was stored. Nothing of the file's
/// content reaches the disk unencrypted; a crash at any point leaves no record without its
/// blob and no blob the sweep does not remove.
pub fn attach_file(store: &mut Store, case: &[u8; 16], path: &Path, opts: &AttachOptions) -> Result<Attached> {
    let (mut file, size) = crate::export::file::open_capped(
        path,
        MAX_CONTENT,
        "not a regular file: choose the file itself",
        "larger than 256 MiB: a file is at most 256 MiB",
    )?;
    let name = kind::safe_name(&path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    let mut head = [0u8; kind::SNIFF_LEN];
    let got = blob::fill(&mut file, &mut head)?;
    let media_type = kind::sniff(&head[..got]);
    let examine = kind::is_image(media_type) || media_type == "application/pdf";
    if media_type == "image/heic" && !opts.keep_metadata {
        return Err(Error::invalid(
            "file",
            "Casebook cannot remove the metadata of HEIC photos yet; attach it with --keep-metadata (its GPS \
             position and camera stay in the file, encrypted in the vault)",
        ));
    }
    let in_memory = examine && size <= STRIP_MAX;
    if kind::is_image(media_type) && !opts.keep_metadata && !in_memory {
        return Err(Error::invalid(
            "file",
            "this image is over 32 MiB, too large to remove its metadata; attach it with --keep-metadata",
        ));
    }
    let (content, stripped, reveals): (Option<Zeroizing<Vec<u8>>>, bool, Vec<reveal::Finding>) = if in_memory {
        let mut all = Zeroizing::new(Vec::with_capacity(size as usize));
        all.extend_from_slice(&head[..got]);
        (&mut file).take(size + 1).read_to_end(&mut all).map_err(|e| io("reading the file", e))?;
        if all.len() as u64 != size {
            return Err(Error::invalid("file", "the file changed while it was read: attach it again"));
        }
        let reveals = reveal::scan(media_type, &all);
        if opts.keep_metadata {
            (Some(all), false, reveals)
        } else {
            match strip::strip(media_type, &all).map_err(|why| Error::invalid("file", why))? {
                Some(clean) => (Some(Zeroizing::new(clean)), true, reveals),
                None => (Some(all), false, reveals),
            }
        }
    } else {
        (None, false, Vec::new())
    };
    let size = content.as_ref().map_or(size, |c| c.len() as u64);
    let media_type = content.as_ref().map_or(media_type, |c| kind::sniff(c));

    let dir = blob_folder(store)?;
    let _writing = lock_blobs(&dir)?;
    let mut random = [0u8; 9];
    store.entropy.fill(&mut random);
    let id = record_id::new(ATTACHMENT.code, store.clock.now_ms(), random);
    let sealed = match &content {
        Some(c) => seal_new(store, &dir, &id, &mut c.as_slice(), size, "attach-sealed"),
        None => seal_new(store, &dir, &id, &mut BufReader::new((&head[..got]).chain(&mut file)), size, "attach-sealed"),
    };
    let (rec, key, stored) = sealed?;
    let fields = attachment_fields(
        &name,
        media_type,
        size,
        &rec.sha256,
        &rec.blob_sha256,
        key.expose(),
        opts.label.as_deref(),
        stripped,
    );
    let written = fields.and_then(|fields| {
        store.write(|w| {
            w.create_with_id(&ATTACHMENT, id, Some(case), fields)?;
            w.reached("attach-before-commit");
            w.record_blob_file(&id, &stored)
        })
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(dir.join(&stored));
        return Err(e);
    }
    Ok(Attached { id: Uuid::from_bytes(id).to_string(), media_type: media_type.to_string(), size, stripped, reveals })
}

/// Checks attachment `id`'s blob and decrypts its content into `out` (streaming: one chunk in
/// memory at a time). An error after some bytes were written leaves them authentic but
/// incomplete: the caller discards them.
pub fn read_content(store: &Store, id: &[u8; 16], out: &mut impl Write) -> Result<()> {
    let (row, key) = store.attachment_blob(id)?;
    let Some(file) = &row.file else {
        return Err(Error::invalid(
            "attachment",
            "its file has not arrived from the device that attached it yet; sync again later",
        ));
    };
    let key: [u8; 32] = key.as_slice().try_into().map_err(|_| Error::invalid("attachment", "its record is damaged"))?;
    if key == [0u8; 32] {
        return Err(Error::invalid("attachment", "it was deleted"));
    }
    let key = BlobKey::from_bytes(key);
    let path = blob_folder(store)?.join(file);
    let handle = std::fs::File::open(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::invalid("attachment", "its file is missing from the vault folder; it cannot be opened")
        }
        _ => io("opening an attachment", e),
    })?;
    let rec = Recorded { attachment: row.id, size: row.size, sha256: row.sha256, blob_sha256: row.blob_sha256 };
    blob::open(&mut BufReader::new(handle), &key, &rec, out)
}

/// Writes attachment `id`'s content to a new file at `out_path` (never over an existing one);
/// removes what was written when a check fails. Returns the bytes written.
pub fn save_copy(store: &Store, id: &[u8; 16], out_path: &Path) -> Result<u64> {
    let info = store.attachment(id)?;
    if info.state != "stored" {
        read_content(store, id, &mut std::io::sink())?; // says why in words
    }
    let file = crate::export::file::create_new(out_path)?;
    let mut w = BufWriter::new(file);
    let done = read_content(store, id, &mut w).and_then(|()| {
        let file = w.into_inner().map_err(|e| io("writing the copy", e.into_error()))?;
        file.sync_all().map_err(|e| io("writing the copy", e))
    });
    if let Err(e) = done {
        let _ = std::fs::remove_file(out_path);
        return Err(e);
    }
    Ok(info.size)
}

/// Deletes attachment `id` (its key scrubbed in the same transaction), removes its blob and
/// checkpoints the WAL.
pub fn delete(store: &mut Store, id: &[u8; 16]) -> Result<()> {
    store.delete_attachment(id)?;
    sweep(store)?;
    Ok(())
}

/// What a sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    pub temp_files: usize,
    pub orphans: usize,
    pub deleted: usize,
}

/// Makes the blob folder agree with the database (attachment.md section 7): removes temporary
/// files, blobs no row names (a crash before the commit) and blobs of deleted attachments,
/// scrubs keys left, and checkpoints the WAL when anything was deleted.
pub fn sweep(store: &mut Store) -> Result<Swept> {
    let Ok(dir) = blob_folder(store) else { return Ok(Swept::default()) };
    let mut swept = Swept::default();
    let scrubbed = store.scrub_deleted_keys()?;
    let rows = store.blob_files()?;
    let mut known = std::collections::HashSet::new();
    for (id, file, live) in rows {
        if live && dir.join(&file).is_file() {
            known.insert(file);
        } else {
            let _ = std::fs::remove_file(dir.join(&file));
            store.forget_blob_file(&id)?;
            swept.deleted += 1;
        }
    }
    // Another process writing or fetching a blob holds the lock: its files are not leftovers.
    if let Some(_sweeping) = try_lock_blobs(&dir)? {
        for entry in std::fs::read_dir(&dir).map_err(|e| io("reading the vault's blob folder", e))? {
            let entry = entry.map_err(|e| io("reading the vault's blob folder", e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp-") {
                let _ = std::fs::remove_file(entry.path());
                swept.temp_files += 1;
            } else if name.ends_with(".cbb") && !known.contains(&name) {
                let _ = std::fs::remove_file(entry.path());
                swept.orphans += 1;
            }
        }
    }
    if scrubbed > 0 || swept.deleted > 0 {
        store.checkpoint()?;
    }
    Ok(swept)
}
