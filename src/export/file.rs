//! Bundle files on disk, the one place the CLI and the app read and write them: a bundle is
//! read only from a regular file of at most [`MAX_BUNDLE_BYTES`], opened without blocking (a
//! pipe or a device put at the path cannot hang the program); a new bundle goes to a new file
//! only (never over a file or a link, even a dangling one), readable by its owner only, and a
//! half-written file is removed.

use std::io::{ErrorKind, Read, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// The largest bundle file read: a version-3 bundle's archive stays below 4 GiB (no ZIP64,
/// docs/formats/bundle.md section 9.1), and age adds 16 bytes per 64 KiB and its header. (A
/// bundle of 20,000 full cases without attachments is about 40 MiB.)
pub const MAX_BUNDLE_BYTES: u64 = (4 << 30) + (2 << 20);
/// The largest bundle file read into memory whole ([`read`]).
pub const MAX_IN_MEMORY: u64 = 300 * 1024 * 1024;

fn refuse(path: &Path, why: &str) -> Error {
    Error::invalid("path", &format!("{}: {why}", path.display()))
}

const NOT_REGULAR: &str = "not a regular file: choose the bundle file itself";
const TOO_LARGE: &str = "larger than 4 GiB: not a Casebook bundle";

/// The bundle file at `path`, opened for reading after the checks (a regular file of at most
/// [`MAX_BUNDLE_BYTES`], opened without blocking), and its length. Reading streams from it.
pub fn open(path: &Path) -> Result<(std::fs::File, u64)> {
    open_capped(path, MAX_BUNDLE_BYTES, NOT_REGULAR, TOO_LARGE)
}

/// A regular file of at most `max` bytes at `path`, opened for reading without blocking (a
/// pipe, a device or a folder put at the path is refused with `not_regular`, a larger file with
/// `too_large`), checked again on the opened handle; and its length. Bundles and attachments
/// are read only through here.
pub fn open_capped(path: &Path, max: u64, not_regular: &str, too_large: &str) -> Result<(std::fs::File, u64)> {
    let meta = std::fs::metadata(path).map_err(|e| refuse(path, &format!("cannot open it ({e})")))?;
    if !meta.is_file() {
        return Err(refuse(path, not_regular));
    }
    if meta.len() > max {
        return Err(refuse(path, too_large));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let handle = options.open(path).map_err(|e| refuse(path, &format!("cannot open it ({e})")))?;
    // Checked again on what was opened: the path may have changed in between.
    let meta = handle.metadata().map_err(|e| refuse(path, &format!("cannot read it ({e})")))?;
    if !meta.is_file() {
        return Err(refuse(path, not_regular));
    }
    if meta.len() > max {
        return Err(refuse(path, too_large));
    }
    Ok((handle, meta.len()))
}

/// The bytes of the bundle file at `path` (tests and small tools: an import streams instead).
pub fn read(path: &Path) -> Result<Vec<u8>> {
    let (handle, len) = open_capped(path, MAX_IN_MEMORY, NOT_REGULAR, "larger than 300 MiB: too large to read whole")?;
    let mut bytes = Vec::with_capacity(len as usize);
    handle
        .take(MAX_IN_MEMORY + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(path, &format!("cannot read it ({e})")))?;
    if bytes.len() as u64 > MAX_IN_MEMORY {
        return Err(refuse(path, "larger than 300 MiB: too large to read whole"));
    }
    Ok(bytes)
}

/// Reads through to a SHA-256 of everything read: the file's hash while age decrypts it.
pub struct Hashing<R> {
    inner: R,
    hash: sha2::Sha256,
    read: u64,
}

impl<R: Read> Hashing<R> {
    pub fn new(inner: R) -> Self {
        Hashing { inner, hash: sha2::Digest::new(), read: 0 }
    }

    /// Reads the rest (bounded by [`MAX_BUNDLE_BYTES`]) and returns the hash of all of it.
    pub fn finish(mut self) -> std::io::Result<[u8; 32]> {
        let mut sink = [0u8; 64 * 1024];
        while self.read <= MAX_BUNDLE_BYTES && self.read(&mut sink)? > 0 {}
        Ok(sha2::Digest::finalize(self.hash).into())
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        sha2::Digest::update(&mut self.hash, &buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// The SHA-256 of the bundle file at `path`, streamed (whether it is still the previewed file).
pub fn sha256_of(path: &Path) -> Result<[u8; 32]> {
    let (handle, _) = open(path)?;
    Hashing::new(std::io::BufReader::new(handle)).finish().map_err(|e| refuse(path, &format!("cannot read it ({e})")))
}

/// Whether a new bundle can go to `path`, checked before the work of building it (the write
/// checks again, race-free): nothing is there yet, and its folder exists.
pub fn check_new(path: &Path) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(refuse(path, "it exists already; Casebook never overwrites a file: choose another name"));
    }
    match path.parent() {
        Some(dir) if dir.as_os_str().is_empty() || dir.is_dir() => Ok(()),
        _ => Err(refuse(path, "its folder does not exist")),
    }
}

/// Writes `bytes` to a new file at `path`, readable by its owner only (a bundle).
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    write_new_with_mode(path, bytes, 0o600)
}

/// Writes `bytes` to a new file at `path` that anyone may read (this vault's public key, to
/// hand to a partner).
pub fn write_new_public(path: &Path, bytes: &[u8]) -> Result<()> {
    write_new_with_mode(path, bytes, 0o644)
}

/// A new file at `path` for writing, readable by its owner only, never over a file or a link
/// (even a dangling one). The caller removes it when writing fails.
pub fn create_new(path: &Path) -> Result<std::fs::File> {
    create_new_with_mode(path, 0o600)
}

fn write_new_with_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let mut file = create_new_with_mode(path, mode)?;
    if let Err(e) = file.write_all(bytes).and_then(|_| file.sync_all()) {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(Error::io(format!("writing {}", path.display()), e));
    }
    Ok(())
}

fn create_new_with_mode(path: &Path, mode: u32) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path).map_err(|e| match e.kind() {
        ErrorKind::AlreadyExists => {
            refuse(path, "it exists already; Casebook never overwrites a file: choose another name")
        }
        ErrorKind::NotFound => refuse(path, "its folder does not exist"),
        ErrorKind::PermissionDenied => refuse(path, "no permission to write it"),
        _ => refuse(path, &format!("cannot create it ({e})")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> String {
        match e {
            Error::InvalidInput { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_only_a_regular_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("b.age");
        std::fs::write(&file, b"age bytes").unwrap();
        assert_eq!(read(&file).unwrap(), b"age bytes");
        assert_eq!(field_of(read(tmp.path()).unwrap_err()), "path", "a folder");
        assert_eq!(field_of(read(&tmp.path().join("none")).unwrap_err()), "path", "nothing there");
        #[cfg(unix)]
        {
            // A pipe at the path: refused at once, never read (reading it would block).
            let fifo = tmp.path().join("fifo");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            let start = std::time::Instant::now();
            assert_eq!(field_of(read(&fifo).unwrap_err()), "path");
            assert!(start.elapsed() < std::time::Duration::from_secs(1));
            // A link to a regular file is followed, as a person choosing the file expects.
            let link = tmp.path().join("link.age");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert_eq!(read(&link).unwrap(), b"age bytes");
        }
    }

    #[test]
    fn a_new_bundle_never_replaces_anything() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("out.age");
        check_new(&file).unwrap();
        write_new(&file, b"one").unwrap();
        assert_eq!(field_of(check_new(&file).unwrap_err()), "path");
        assert_eq!(field_of(write_new(&file, b"two").unwrap_err()), "path");
        assert_eq!(std::fs::read(&file).unwrap(), b"one");
        assert_eq!(field_of(check_new(&tmp.path().join("no/such/out.age")).unwrap_err()), "path");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
            // A dangling link is not followed to create its target.
            let link = tmp.path().join("dangling.age");
            std::os::unix::fs::symlink(tmp.path().join("target.age"), &link).unwrap();
            assert!(check_new(&link).is_err());
            assert!(write_new(&link, b"x").is_err());
            assert!(!tmp.path().join("target.age").exists());
        }
    }
}
