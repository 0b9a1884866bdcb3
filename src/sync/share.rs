//! The share folder (docs/formats/delta.md section 2): the only code that reads or writes it.
//! Names are classified here; bytes are interpreted elsewhere. A device writes only inside its
//! own folder, each file once (temp name in the same folder, fsync, rename, fsync the folder),
//! and never deletes or modifies anything of anyone else's.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::share_io::ShareIo;
use crate::entropy::Entropy;
use crate::error::{Error, Result};

/// The share marker's file name.
pub const MARKER: &str = "casebook.share";
/// A device record's file name inside its device folder.
pub const RECORD: &str = "device";
/// Largest file read from the share (a delta's header, its largest body and its signature).
pub const MAX_FILE: u64 = super::format::MAX_SEALED as u64 + 176;

/// What a file name in a device folder is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Name {
    /// `device`.
    Record,
    /// `<12 digits>.delta`.
    Delta(u64),
    /// A sync tool's conflict copy of one of our files: verified like any other.
    ConflictCopy,
    /// `<author: 32 hex>-<seq: 12 digits>.fork`: a fork proof a reader published.
    ForkProof,
    /// A roster entry: `<12 digits>.roster`, `genesis.roster`, `recovery-<12 digits>.roster`
    /// (docs/formats/roster.md section 2), read by the roster step of a sync.
    Roster,
    /// `request-<invite: 32 hex>`: a join request (docs/formats/roster.md section 5).
    Request,
    /// `<attachment id: 32 hex>.blob`: an attachment's blob (docs/formats/attachment.md
    /// section 9), read by the blob step of a sync.
    Blob,
    /// A temp file (ours or a sync tool's): skipped.
    Temp,
    /// Anything else: reported, left alone.
    Unknown,
}

/// The final name of delta `seq`.
pub fn delta_name(seq: u64) -> String {
    format!("{seq:012}.delta")
}

/// The name of roster entry `seq` of a device.
pub fn roster_name(seq: u32) -> String {
    format!("{seq:012}.roster")
}

/// The genesis entry's name (in its creator's folder).
pub const GENESIS: &str = "genesis.roster";

/// The name of a join request answering `invite`.
pub fn request_name(invite: &[u8; 16]) -> String {
    format!("request-{}", crate::hex::encode(invite))
}

/// The name of the fork proof about delta `seq` of `author`.
pub fn fork_proof_name(author: &[u8; 16], seq: u64) -> String {
    format!("{}-{seq:012}.fork", device_dir_name(author))
}

/// Classifies a file name found in a device folder.
pub fn classify(name: &str) -> Name {
    if name == RECORD {
        return Name::Record;
    }
    if let Some((author, seq)) = name.strip_suffix(".fork").and_then(|n| n.split_once('-')) {
        if parse_device_dir(author).is_some() && seq.len() == 12 && seq.bytes().all(|b| b.is_ascii_digit()) {
            return Name::ForkProof;
        }
    }
    if let Some(stem) = name.strip_suffix(".roster") {
        let digits = stem.strip_prefix("recovery-").unwrap_or(stem);
        if stem == "genesis" || (digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit())) {
            return Name::Roster;
        }
    }
    if name.strip_prefix("request-").is_some_and(|id| parse_device_dir(id).is_some()) {
        return Name::Request;
    }
    if name.strip_suffix(".blob").is_some_and(|id| parse_device_dir(id).is_some()) {
        return Name::Blob;
    }
    if let Some(digits) = name.strip_suffix(".delta") {
        if digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(seq) = digits.parse::<u64>() {
                return Name::Delta(seq);
            }
        }
    }
    let lower = name.to_lowercase();
    if lower.contains(".sync-conflict-") || lower.contains("conflicted copy") || lower.contains("(conflict") {
        return Name::ConflictCopy;
    }
    if name.starts_with('.')
        || name.starts_with("~")
        || lower.ends_with(".tmp")
        || lower.ends_with(".part")
        || name.ends_with('~')
    {
        return Name::Temp;
    }
    Name::Unknown
}

/// 32 lowercase hex digits → device id.
pub fn parse_device_dir(name: &str) -> Option<[u8; 16]> {
    // Lower case only: one folder per device, whatever the file system's case rules.
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    crate::hex::decode(name)
}

/// Device id → folder name.
pub fn device_dir_name(id: &[u8; 16]) -> String {
    crate::hex::encode(id)
}

/// A file found in a device folder.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub kind: Name,
    pub len: u64,
    /// Modification time in nanoseconds since 1970 (0 when unknown).
    pub mtime: i64,
}

/// An opened share folder. Every file-system call runs on the share IO thread
/// ([`super::share_io`]), which holds only paths and bytes.
pub struct Share {
    pub(super) root: PathBuf,
    pub(super) io: ShareIo,
}

fn unreachable(path: &Path, reason: impl Into<String>) -> Error {
    Error::ShareUnreachable { path: path.to_path_buf(), reason: reason.into() }
}

impl Share {
    /// Opens an existing share folder; a missing or unreadable folder is
    /// [`Error::ShareUnreachable`].
    pub fn open(root: &Path) -> Result<Share> {
        Share::open_with(root, ShareIo::default())
    }

    /// As [`Share::open`], with share IO that can be cancelled (or, in tests, stalled).
    pub fn open_with(root: &Path, io: ShareIo) -> Result<Share> {
        ShareIo::check_not_stuck(root)?;
        let path = root.to_path_buf();
        io.run(root, move || match fs::metadata(&path) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(unreachable(&path, "it is not a folder")),
            Err(e) => Err(unreachable(&path, format!("the folder cannot be opened ({e})"))),
        })?;
        Ok(Share { root: root.to_path_buf(), io })
    }

    /// Makes `root` the share of a new group: creates it if needed and writes the marker. A
    /// folder that already has a marker is refused.
    pub fn create(root: &Path, marker: &[u8], entropy: &mut dyn Entropy) -> Result<Share> {
        let path = root.to_path_buf();
        let tmp = temp_name(root, MARKER, entropy);
        let marker = marker.to_vec();
        ShareIo::default().run(root, move || {
            fs::create_dir_all(&path).map_err(|e| unreachable(&path, format!("the folder cannot be created ({e})")))?;
            if path.join(MARKER).exists() {
                return Err(Error::ShareState {
                    reason: format!(
                        "{} is already the share of a sync group; to use it, join that group with an invite",
                        path.display()
                    ),
                });
            }
            write_once(&path, MARKER, &marker, &tmp)
        })?;
        Share::open(root)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The marker's bytes, bounded; `None` if there is none.
    pub fn read_marker(&self) -> Result<Option<Vec<u8>>> {
        let path = self.root.join(MARKER);
        self.io.run(&self.root, move || {
            if !path.exists() {
                return Ok(None);
            }
            read_bounded(&path, 64).map(Some)
        })
    }

    /// Device folders (named by a device id), sorted.
    pub fn devices(&self) -> Result<Vec<[u8; 16]>> {
        let root = self.root.clone();
        self.io.run(&self.root, move || {
            let mut out = Vec::new();
            let dir = fs::read_dir(&root).map_err(|e| unreachable(&root, format!("cannot list it ({e})")))?;
            for entry in dir {
                let entry = entry.map_err(|e| unreachable(&root, format!("cannot list it ({e})")))?;
                if let Some(id) = entry.file_name().to_str().and_then(parse_device_dir) {
                    if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                        out.push(id);
                    }
                }
            }
            out.sort_unstable();
            Ok(out)
        })
    }

    pub(super) fn device_path(&self, device: &[u8; 16]) -> PathBuf {
        self.root.join(device_dir_name(device))
    }

    /// The files in a device's folder, classified; temp files are left out. Names that are not
    /// UTF-8 are reported as unknown.
    pub fn list(&self, device: &[u8; 16]) -> Result<Vec<Entry>> {
        let path = self.device_path(device);
        self.io.run(&self.root, move || list_dir(&path))
    }

    /// Reads a file of a device folder, refusing more than [`MAX_FILE`] bytes.
    pub fn read(&self, device: &[u8; 16], name: &str) -> Result<Vec<u8>> {
        let path = self.device_path(device).join(name);
        self.io.run(&self.root, move || read_bounded(&path, MAX_FILE))
    }

    /// Writes a file into this device's own folder, once. When a file of that name exists
    /// already, nothing is written and its bytes are returned for the caller to judge.
    pub fn write_own(&self, device: &[u8; 16], name: &str, bytes: &[u8], entropy: &mut dyn Entropy) -> Result<Written> {
        let dir = self.device_path(device);
        let tmp = temp_name(&dir, name, entropy);
        let (name, bytes) = (name.to_string(), bytes.to_vec());
        self.io.run(&self.root, move || {
            fs::create_dir_all(&dir)
                .map_err(|e| unreachable(&dir, format!("cannot create the device folder ({e})")))?;
            let target = dir.join(&name);
            if target.exists() {
                let existing = read_bounded(&target, MAX_FILE).unwrap_or_default();
                return Ok(if existing == bytes { Written::AlreadyThere } else { Written::Occupied(existing) });
            }
            write_once(&dir, &name, &bytes, &tmp)?;
            Ok(Written::Written)
        })
    }

    /// Queues a file for this device's own folder on the IO thread and returns at once: written
    /// once, never over an existing file (the next sync judges what it finds there). Holds
    /// only the path and the ciphertext. False when it could not be queued.
    pub fn write_own_later(
        root: &Path,
        io: &ShareIo,
        device: &[u8; 16],
        name: &str,
        bytes: Vec<u8>,
        entropy: &mut dyn Entropy,
    ) -> bool {
        let dir = root.join(device_dir_name(device));
        let tmp = temp_name(&dir, name, entropy);
        let name = name.to_string();
        io.submit(move || {
            if fs::create_dir_all(&dir).is_ok() && !dir.join(&name).exists() {
                let _ = write_once(&dir, &name, &bytes, &tmp);
            }
        })
    }

    /// Replaces a file in this device's own folder that this device did not write (junk put
    /// there by someone else under one of its names): temp file, fsync, rename over it.
    pub fn replace_own(&self, device: &[u8; 16], name: &str, bytes: &[u8], entropy: &mut dyn Entropy) -> Result<()> {
        self.replace_in(self.device_path(device), name, bytes, entropy)
    }

    /// Replaces the share's marker (`share upgrade`: the folder becomes the share of the group
    /// that replaces the old one), so a reader sees one marker or the other, never a part.
    pub fn replace_marker(&self, marker: &[u8], entropy: &mut dyn Entropy) -> Result<()> {
        self.replace_in(self.root.clone(), MARKER, marker, entropy)
    }

    /// Temp file, fsync, rename over `dir/name`, fsync of the folder.
    fn replace_in(&self, dir: PathBuf, name: &str, bytes: &[u8], entropy: &mut dyn Entropy) -> Result<()> {
        let tmp = temp_name(&dir, name, entropy);
        let target = dir.join(name);
        let bytes = bytes.to_vec();
        self.io.run(&self.root, move || {
            let io = |e| Error::io(format!("cannot write {}", target.display()), e);
            {
                let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(io)?;
                f.write_all(&bytes).map_err(io)?;
                f.sync_all().map_err(io)?;
            }
            fs::rename(&tmp, &target).map_err(io)?;
            if let Ok(d) = fs::File::open(&dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })
    }

    /// Removes temp files this device left in its own folder (a crash during a write).
    pub fn clean_own_temp(&self, device: &[u8; 16]) {
        let path = self.device_path(device);
        let _ = self.io.run(&self.root, move || {
            let Ok(dir) = fs::read_dir(&path) else { return Ok(()) };
            for entry in dir.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                // Only ours, `.<final name>.<16 hex>.tmp` (see `temp_name`); a sync tool's are left alone.
                let ours = name
                    .strip_prefix('.')
                    .and_then(|n| n.strip_suffix(".tmp"))
                    .and_then(|n| n.rsplit_once('.'))
                    .is_some_and(|(_, r)| r.len() == 16 && r.bytes().all(|b| b.is_ascii_hexdigit()));
                if ours {
                    let _ = fs::remove_file(entry.path());
                }
            }
            Ok(())
        });
    }
}

fn list_dir(path: &Path) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    let dir = match fs::read_dir(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(unreachable(path, format!("cannot list it ({e})"))),
    };
    for entry in dir {
        let entry = entry.map_err(|e| unreachable(path, format!("cannot list it ({e})")))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let mut kind = classify(&name);
        if kind == Name::Temp {
            continue;
        }
        // Symbolic links, folders, pipes and devices are never read (a link could point
        // anywhere on this computer, a pipe would block): reported, left alone.
        if !entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
            kind = Name::Unknown;
        }
        let meta = entry.metadata().ok();
        let len = meta.as_ref().map(|m| m.len()).unwrap_or(0);
        let mtime = meta
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos() as i64)
            .unwrap_or(0);
        out.push(Entry { name, kind, len, mtime });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut out = Vec::new();
    file.take(max + 1).read_to_end(&mut out).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    if out.len() as u64 > max {
        return Err(Error::invalid("file", &format!("{} is larger than {max} bytes", path.display())));
    }
    Ok(out)
}

/// Opens a regular file for reading, and nothing else. The check is made on the opened file
/// (`fstat`), not on the name before opening, so a file swapped for a symbolic link or a named
/// pipe after the listing is refused: a link is not followed (`O_NOFOLLOW`), and opening a pipe
/// does not wait for a writer (`O_NONBLOCK`, which does nothing to a regular file's reads).
pub(super) fn open_regular(path: &Path) -> Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let not_regular = || Error::invalid("file", &format!("{} is not a regular file", path.display()));
    let file = fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path).map_err(
        |e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                not_regular()
            } else {
                Error::io(format!("cannot read {}", path.display()), e)
            }
        },
    )?;
    match file.metadata() {
        Ok(m) if m.is_file() => Ok(file),
        Ok(_) => Err(not_regular()),
        Err(e) => Err(Error::io(format!("cannot read {}", path.display()), e)),
    }
}

/// What [`Share::write_own`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    Written,
    /// The same bytes were there already.
    AlreadyThere,
    /// Another file holds the name: its bytes.
    Occupied(Vec<u8>),
}

pub(super) fn temp_name(dir: &Path, name: &str, entropy: &mut dyn Entropy) -> PathBuf {
    let mut rand = [0u8; 8];
    entropy.fill(&mut rand);
    dir.join(format!(".{name}.{}.tmp", crate::hex::encode(&rand)))
}

/// Temp file `tmp` in the same folder, fsync, rename (refusing to replace), fsync the folder.
fn write_once(dir: &Path, name: &str, bytes: &[u8], tmp: &Path) -> Result<()> {
    let target = dir.join(name);
    let io = |e| Error::io(format!("cannot write {}", target.display()), e);
    {
        let mut f = fs::OpenOptions::new().write(true).create_new(true).open(tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    publish_temp(dir, name, tmp)
}

/// Gives the complete, synced temp file `tmp` its final `name`, never over an existing file,
/// and syncs the folder.
pub(super) fn publish_temp(dir: &Path, name: &str, tmp: &Path) -> Result<()> {
    let target = dir.join(name);
    let io = |e| Error::io(format!("cannot write {}", target.display()), e);
    // Never over an existing file (it may be the other version of a fork that a sync tool just
    // delivered): an atomic no-replace rename where the kernel and file system have one, else a
    // hard link (which refuses an existing target), else, on file systems with neither, a
    // rename after the existence check of the caller.
    match rename_noreplace(tmp, &target) {
        Some(Ok(())) => {
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
            return Ok(());
        }
        Some(Err(e)) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = fs::remove_file(tmp);
            return Err(io(e));
        }
        Some(Err(_)) | None => {}
    }
    match fs::hard_link(tmp, &target) {
        Ok(()) => {
            let _ = fs::remove_file(tmp);
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = fs::remove_file(tmp);
            return Err(io(e));
        }
        Err(_) => fs::rename(tmp, &target).map_err(io)?,
    }
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// `renameat2(RENAME_NOREPLACE)`: Some(result) when the system could try it, None where it
/// has no such call or the file system refuses the flag (then the caller falls back).
fn rename_noreplace(from: &Path, to: &Path) -> Option<std::io::Result<()>> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::ffi::OsStrExt;
        let from = std::ffi::CString::new(from.as_os_str().as_bytes()).ok()?;
        let to = std::ffi::CString::new(to.as_os_str().as_bytes()).ok()?;
        // SAFETY: both paths are valid NUL-terminated strings for the duration of the call.
        let rc = unsafe {
            libc::renameat2(libc::AT_FDCWD, from.as_ptr(), libc::AT_FDCWD, to.as_ptr(), libc::RENAME_NOREPLACE)
        };
        if rc == 0 {
            return Some(Ok(()));
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP) => None,
            _ => Some(Err(e)),
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        let _ = (from, to);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_written_once_and_never_over_another() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join(".x.tmp");
        write_once(dir.path(), "000000000001.delta", b"first", &tmp).unwrap();
        assert_eq!(fs::read(dir.path().join("000000000001.delta")).unwrap(), b"first");
        assert!(!tmp.exists(), "the temp file is gone");
        let err = write_once(dir.path(), "000000000001.delta", b"second", &tmp).unwrap_err();
        assert!(err.to_string().contains("cannot write"), "{err}");
        assert_eq!(fs::read(dir.path().join("000000000001.delta")).unwrap(), b"first", "the other version stays");
        assert!(!tmp.exists());
        assert!(matches!(rename_noreplace(&dir.path().join("none"), &dir.path().join("y")), Some(Err(_)) | None));
    }

    /// A name that was a regular file at listing time may be a link or a pipe by the time it is
    /// opened: the opened file is what is checked, and opening never waits.
    #[test]
    fn links_and_pipes_are_refused_at_open_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("secret");
        fs::write(&target, b"outside the share").unwrap();
        let link = dir.path().join("000000000002.delta");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = open_regular(&link).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        let fifo = dir.path().join("000000000003.delta");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let start = std::time::Instant::now();
        let err = read_bounded(&fifo, 10).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(read_bounded(&target, 100).unwrap(), b"outside the share");
    }

    #[test]
    fn names_of_sync_tools_are_classified() {
        assert_eq!(classify("000000000012.delta"), Name::Delta(12));
        assert_eq!(classify("device"), Name::Record);
        assert_eq!(classify("000000000012.sync-conflict-20261123-101010-ABCDEF.delta"), Name::ConflictCopy);
        assert_eq!(classify("000000000012 (conflicted copy 2026-11-23).delta"), Name::ConflictCopy);
        assert_eq!(classify(".syncthing.000000000012.delta.tmp"), Name::Temp);
        assert_eq!(classify(".000000000012.delta.0011223344556677.tmp"), Name::Temp);
        assert_eq!(classify("~$notes.docx"), Name::Temp);
        assert_eq!(classify("12.delta"), Name::Unknown);
        assert_eq!(classify(&fork_proof_name(&[0xab; 16], 14)), Name::ForkProof);
        assert_eq!(classify("abababababababababababababababab-000000000014.fork"), Name::ForkProof);
        assert_eq!(classify("ABABABABABABABABABABABABABABABAB-000000000014.fork"), Name::Unknown);
        assert_eq!(classify("abab-000000000014.fork"), Name::Unknown);
        assert_eq!(classify("abababababababababababababababab-14.fork"), Name::Unknown);
        assert_eq!(classify("0000000000012.delta"), Name::Unknown);
        assert_eq!(classify("desktop.ini"), Name::Unknown);
        assert_eq!(parse_device_dir(&device_dir_name(&[0xab; 16])), Some([0xab; 16]));
        assert_eq!(parse_device_dir("AB".repeat(16).as_str()), None);
    }
}
