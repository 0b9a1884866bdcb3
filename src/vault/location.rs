//! Where the vault folder lives. A vault on a network file system (NFS, SMB, a FUSE mount of a
//! cloud drive) can freeze every database call when the network drops, with the keys in the
//! blocked thread, and is carried in pieces by that file system: the app and the CLI warn.

use std::path::Path;

/// File systems whose calls can block on the network (`statfs` magic numbers, Linux).
const NETWORK: &[(i64, &str)] = &[
    (0x6969, "NFS"),
    (0x517B, "SMB"),
    (0xFF53_4D42, "CIFS"),
    (0xFE53_4D42, "SMB2"),
    (0x6573_5546, "FUSE (a network or cloud drive)"),
    (0x00C3_6400, "Ceph"),
    (0x5346_414F, "AFS"),
    (0x0102_1997, "9P"),
    (0x7375_7245, "Coda"),
];

/// The name of a network file system by its `statfs` type, or None.
pub fn network_kind(fs_type: i64) -> Option<&'static str> {
    NETWORK.iter().find(|(t, _)| *t == fs_type).map(|(_, name)| *name)
}

/// A warning when `dir` (or, before it exists, its nearest existing parent) is on a network
/// file system; None on a local disk or where this cannot be told.
pub fn warning(dir: &Path) -> Option<String> {
    let existing = dir.ancestors().find(|p| p.exists())?;
    let kind = network_kind(fs_type(existing)?)?;
    Some(format!(
        "the vault folder {} is on a network file system ({kind}); Casebook can freeze when the network drops and \
         the database may be damaged: keep the vault on this computer's own disk and use the share folder for sync",
        dir.display()
    ))
}

#[cfg(target_os = "linux")]
fn fs_type(p: &Path) -> Option<i64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is NUL-terminated and `st` a writable statfs.
    (unsafe { libc::statfs(c.as_ptr(), &mut st) } == 0).then_some(st.f_type as i64)
}

#[cfg(not(target_os = "linux"))]
fn fs_type(_: &Path) -> Option<i64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_file_systems_are_named_and_local_ones_are_not() {
        assert_eq!(network_kind(0x6969), Some("NFS"));
        assert_eq!(network_kind(0xFF53_4D42), Some("CIFS"));
        for local in [0xEF53, 0x0102_1994, 0x5846_5342, 0x9123_683E, 0x4d44] {
            assert_eq!(network_kind(local), None, "{local:#x}"); // ext4, tmpfs, xfs, btrfs, FAT
        }
        let tmp = std::env::temp_dir();
        assert_eq!(warning(&tmp.join("not-yet/a-vault")), None, "a local temp folder");
    }
}
