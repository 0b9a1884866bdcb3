//! The high-water mark's IO and checks (docs/formats/delta.md section 10; the bytes are
//! `sync::high_water`). Checked before this vault writes anything in a sync; moved on after
//! each delta it records as sent. A mark that cannot be read or written is reported as a
//! problem and never stops a sync.

use std::path::{Path, PathBuf};

use super::state::SyncDb;
use super::{raise, Attached, Problem, SyncReport};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::sync::high_water::{self, Mark};

/// The mark's key (made on first use, kept in the vault) and whether this vault has written
/// its mark before.
fn key(store: &mut Store) -> Result<([u8; 32], bool)> {
    let (key, kept) = SyncDb::of(store).high_water_key()?;
    if let Some(k) = key.and_then(|k| <[u8; 32]>::try_from(k).ok()) {
        return Ok((k, kept));
    }
    let mut k = [0u8; 32];
    store.entropy.fill(&mut k);
    SyncDb::of(store).set_high_water_key(&k)?;
    Ok((k, false))
}

fn path_of(dir: &Path, key: &[u8; 32]) -> PathBuf {
    dir.join(high_water::file_name(key))
}

/// The last delta this vault recorded as sent on the attached share (seq, id).
fn last_sent(store: &Store, a: &Attached) -> Result<(u64, [u8; 32])> {
    SyncDb::of(store).last_sent(a.idx)
}

/// Before this vault writes anything: Some(k) when it is older than its own mark, from delta
/// `k` of its identity on (restored from a backup, or a copy that wrote more), after raising
/// `vault_older_than_share`. A mark that was kept but is missing means the vault was copied
/// or moved here: its identity is renewed as well, from after its last sent delta.
pub(super) fn check(store: &mut Store, a: &Attached, me: &[u8; 16], report: &mut SyncReport) -> Result<Option<u64>> {
    let Some(dir) = store.high_water.clone() else { return Ok(None) };
    let (key, kept) = key(store)?;
    let path = path_of(&dir, &key);
    let last = last_sent(store, a)?;
    let marks = match std::fs::read(&path) {
        Ok(bytes) => match high_water::decode(&key, &bytes) {
            Ok(m) => m,
            Err(bad) => {
                report.problems.push(Problem {
                    file: path.display().to_string(),
                    problem: format!("{bad}; it is written again from this vault"),
                });
                write(store, &dir, &key, &[], a, me, last, report);
                return Ok(None);
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if kept && last.0 > 0 {
                let detail = format!(
                    "this vault's high-water mark ({}) is missing: the vault was copied or moved to this computer, or \
                     restored. So that no copy of it writes a delta twice, it continues as a new device",
                    path.display()
                );
                raise(store, a, me, last.0 + 1, "vault_older_than_share", &detail, &mut report.alarms)?;
                return Ok(Some(last.0 + 1));
            }
            write(store, &dir, &key, &[], a, me, last, report);
            return Ok(None);
        }
        Err(e) => {
            report.problems.push(Problem {
                file: path.display().to_string(),
                problem: format!(
                    "the high-water mark cannot be read ({e}); a restored copy of this vault may go unnoticed"
                ),
            });
            return Ok(None);
        }
    };
    match high_water::fork_point(&marks, &a.group, me, last) {
        Some(k) => {
            let detail = format!(
                "this vault wrote delta {} of this device before, but remembers only {}: it was restored from an older \
                 copy (its high-water mark says so before the share can). So that no delta is written twice, it \
                 continues as a new device",
                marks.iter().find(|m| m.group == a.group && &m.device == me).map_or(0, |m| m.seq),
                last.0
            );
            raise(store, a, me, k, "vault_older_than_share", &detail, &mut report.alarms)?;
            Ok(Some(k))
        }
        None => Ok(None),
    }
}

/// After a new identity: its entry, so that the mark is there for it from now on.
pub(super) fn settle(store: &mut Store, a: &Attached, me: &[u8; 16], report: &mut SyncReport) -> Result<()> {
    let last = last_sent(store, a)?;
    record(store, a, me, last.0, last.1, report);
    Ok(())
}

/// After delta `seq` (id `id`) of `me` was recorded as sent, before its file is written.
pub(super) fn record(store: &mut Store, a: &Attached, me: &[u8; 16], seq: u64, id: [u8; 32], report: &mut SyncReport) {
    let Some(dir) = store.high_water.clone() else { return };
    let Ok((key, _)) = key(store) else { return };
    let marks = std::fs::read(path_of(&dir, &key)).ok().and_then(|b| high_water::decode(&key, &b).ok());
    write(store, &dir, &key, &marks.unwrap_or_default(), a, me, (seq, id), report);
}

/// Writes the marks with this identity's entry set to `last`; reports a failure.
#[allow(clippy::too_many_arguments)]
fn write(
    store: &mut Store,
    dir: &Path,
    key: &[u8; 32],
    marks: &[Mark],
    a: &Attached,
    me: &[u8; 16],
    last: (u64, [u8; 32]),
    report: &mut SyncReport,
) {
    let marks = high_water::with_mark(marks, Mark { group: a.group, device: *me, seq: last.0, id: last.1 });
    let written = private_dir(dir)
        .and_then(|()| {
            let mut nonce = [0u8; 24];
            store.entropy.fill(&mut nonce);
            crate::vault::write_atomically(dir, &high_water::file_name(key), &high_water::encode(key, &marks, nonce))
        })
        .and_then(|()| SyncDb::of(store).set_high_water_kept());
    if let Err(e) = written {
        report.problems.push(Problem {
            file: dir.display().to_string(),
            problem: format!(
                "the high-water mark cannot be written ({e}); a restored copy of this vault may go unnoticed"
            ),
        });
    }
}

fn private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("could not create {}", dir.display()), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(format!("could not restrict access to {}", dir.display()), e))?;
    }
    Ok(())
}
