//! Attachment blobs on the share (docs/formats/attachment.md section 9): an author copies its
//! blob into its own folder once, streaming, never over another file, and removes it once the
//! attachment is deleted; a reader copies a blob into a file of its vault in pieces (each piece
//! one job of the share IO thread, so a large blob on a slow share never looks like a share that
//! stopped answering), hashing as it goes. Nothing here decrypts or parses a blob.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::share::{open_regular, publish_temp, temp_name, Share};
use crate::entropy::Entropy;
use crate::error::{Error, Result};

/// Bytes copied per job of the share IO thread.
const PIECE: u64 = 8 * 1024 * 1024;

/// The share name of an attachment's blob.
pub fn blob_name(attachment: &[u8; 16]) -> String {
    format!("{}.blob", crate::hex::encode(attachment))
}

/// A blob file in a device folder: its length and modification time (ns), if it is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobFile {
    pub len: u64,
    pub mtime: i64,
}

fn copy(from: &mut impl Read, to: &mut impl Write, limit: u64, hash: Option<&mut Sha256>) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 256 * 1024];
    let (mut done, mut hash) = (0u64, hash);
    while done < limit {
        let want = (limit - done).min(buf.len() as u64) as usize;
        let n = match from.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if let Some(h) = hash.as_deref_mut() {
            h.update(&buf[..n]);
        }
        to.write_all(&buf[..n])?;
        done += n as u64;
    }
    Ok(done)
}

impl Share {
    /// The blob `name` of `device`'s folder, if it is a regular file there.
    pub fn blob_file(&self, device: &[u8; 16], name: &str) -> Result<Option<BlobFile>> {
        let path = self.device_path(device).join(name);
        self.io.run(&self.root, move || match fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => {
                use std::os::unix::fs::MetadataExt;
                Ok(Some(BlobFile { len: m.len(), mtime: m.mtime() * 1_000_000_000 + m.mtime_nsec() }))
            }
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("cannot read {}", path.display()), e)),
        })
    }

    /// Copies the vault file `src` into this device's folder as `name`, once: a temp file,
    /// `fsync`, a rename that never replaces. A file already there is left alone (false).
    pub fn put_own_blob(&self, device: &[u8; 16], name: &str, src: PathBuf, entropy: &mut dyn Entropy) -> Result<bool> {
        let dir = self.device_path(device);
        let tmp = temp_name(&dir, name, entropy);
        let name = name.to_string();
        self.io.run(&self.root, move || {
            fs::create_dir_all(&dir).map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
            if fs::symlink_metadata(dir.join(&name)).is_ok() {
                return Ok(false);
            }
            let io = |e| Error::io(format!("cannot write {}", tmp.display()), e);
            let written = (|| -> Result<()> {
                let mut from = fs::File::open(&src).map_err(|e| Error::io("reading an attachment".to_string(), e))?;
                let mut to = fs::OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(io)?;
                copy(&mut from, &mut to, u64::MAX, None).map_err(io)?;
                to.sync_all().map_err(io)?;
                Ok(())
            })();
            if let Err(e) = written {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
            let published = publish_temp(&dir, &name, &tmp);
            if published.is_err() {
                let _ = fs::remove_file(&tmp);
            }
            published?;
            Ok(true)
        })
    }

    /// Removes this device's own blob `name` (its attachment was deleted). Absent is fine.
    pub fn remove_own_blob(&self, device: &[u8; 16], name: &str) -> Result<()> {
        let path = self.device_path(device).join(name);
        self.io.run(&self.root, move || match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("cannot remove {}", path.display()), e)),
        })
    }

    /// Copies at most `limit + 1` bytes of `device`'s blob `name` into the new vault file
    /// `dest`, in pieces, hashing them. Returns the bytes copied and their SHA-256; the caller
    /// compares both with the record before anything else reads the file.
    pub fn copy_blob_in(&self, device: &[u8; 16], name: &str, dest: &Path, limit: u64) -> Result<(u64, [u8; 32])> {
        let path = self.device_path(device).join(name);
        let mut hash = Sha256::new();
        let mut done = 0u64;
        loop {
            let (path, dest) = (path.clone(), dest.to_path_buf());
            let (h, n) = self.io.run(&self.root, move || {
                let mut h = hash;
                let mut from = open_regular(&path)?;
                from.seek(SeekFrom::Start(done))
                    .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
                let mut to = fs::OpenOptions::new()
                    .append(true)
                    .open(&dest)
                    .map_err(|e| Error::io(format!("cannot write {}", dest.display()), e))?;
                let want = PIECE.min(limit + 1 - done);
                let n = copy(&mut from, &mut to, want, Some(&mut h))
                    .map_err(|e| Error::io(format!("cannot copy {}", path.display()), e))?;
                Ok((h, n))
            })?;
            hash = h;
            done += n;
            if n == 0 || done > limit {
                break;
            }
        }
        let file = fs::OpenOptions::new()
            .write(true)
            .open(dest)
            .map_err(|e| Error::io("storing an attachment".to_string(), e))?;
        file.sync_all().map_err(|e| Error::io("storing an attachment".to_string(), e))?;
        Ok((done, hash.finalize().into()))
    }
}
