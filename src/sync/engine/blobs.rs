//! The blob step of a sync (docs/formats/attachment.md section 9): this device's attachments'
//! blobs are put into its own folder before the deltas that name them, and removed once the
//! attachment is deleted; other devices' blobs are fetched after the deltas were applied —
//! copied into a vault temp file and kept only when their length and SHA-256 are the recorded
//! ones (nothing of a blob is decrypted first), within the author's quotas and the disk's free
//! space. A missing blob waits and never blocks a chain of deltas.

use super::{raise, Attached, Problem, SyncReport};
use crate::attach::blob::blob_len;
use crate::attach::vault::{blob_folder, keep_temp, lock_blobs, temp_file};
use crate::error::Result;
use crate::store::Store;
use crate::sync::share::{Name, Share};
use crate::sync::share_blobs::blob_name;

/// How long a blob may be missing before a sync reports it.
pub const WAIT_REPORTED_MS: i64 = 7 * 86_400_000;
/// Free space the vault's file system keeps after a blob is copied in.
pub const KEEP_FREE: u64 = 1024 * 1024 * 1024;

/// Puts this device's live blobs that its folder lacks, and removes those of deleted ones.
pub(super) fn publish_own(store: &mut Store, share: &Share, me: &[u8; 16], report: &mut SyncReport) -> Result<()> {
    let there: std::collections::HashSet<String> =
        share.list(me)?.into_iter().filter(|e| e.kind == Name::Blob).map(|e| e.name).collect();
    let crate::store::attachments::OwnBlobs { live, deleted } = store.own_blobs()?;
    let dir = match blob_folder(store) {
        Ok(d) => d,
        Err(_) => return Ok(()),
    };
    for (id, file) in live {
        let name = blob_name(&id);
        if !there.contains(&name) {
            if let Err(e) = share.put_own_blob(me, &name, dir.join(&file), store.entropy.as_mut()) {
                report.problems.push(Problem { file: name, problem: format!("could not put an attachment here: {e}") });
            }
        }
    }
    for id in deleted {
        let name = blob_name(&id);
        if there.contains(&name) {
            share.remove_own_blob(me, &name)?;
        }
    }
    Ok(())
}

/// Free bytes of the file system holding `dir` (None where this cannot be told).
fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is NUL-terminated and `st` a writable statvfs.
    (unsafe { libc::statvfs(c.as_ptr(), &mut st) } == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

/// Fetches the blobs of other devices' attachments that this vault lacks.
pub(super) fn fetch(store: &mut Store, a: &Attached, share: &Share, report: &mut SyncReport) -> Result<()> {
    let dir = match blob_folder(store) {
        Ok(d) => d,
        Err(_) => return Ok(()),
    };
    let now = store.clock.now_ms() as i64;
    for crate::store::attachments::ToFetch { row, state, tried_size, tried_mtime } in store.attachments_to_fetch()? {
        if state.as_deref() == Some("over_quota") {
            continue; // until a person accepts it: no share IO for it meanwhile
        }
        let author: [u8; 16] = match store.device_id_at(row.device)?.try_into() {
            Ok(id) => id,
            Err(_) => continue,
        };
        let name = blob_name(&row.id);
        let want = blob_len(row.size);
        let Some(found) = share.blob_file(&author, &name)? else {
            // Waiting; after a week the caseworker is told, since the author may have to sync.
            if now - row.created_ms > WAIT_REPORTED_MS {
                report.problems.push(Problem {
                    file: format!("{}/{name}", crate::sync::share::device_dir_name(&author)),
                    problem: "the file of an attachment has not arrived for over 7 days: the device that attached \
                              it has to sync (or its sync tool has not delivered the file yet)"
                        .into(),
                });
            }
            continue;
        };
        if state.as_deref() == Some("refused")
            && tried_size == Some(found.len as i64)
            && tried_mtime == Some(found.mtime)
        {
            continue; // the same file as last time
        }
        if found.len < want {
            continue; // not complete yet
        }
        let refuse = |store: &mut Store, report: &mut SyncReport, why: &str| -> Result<()> {
            store.set_fetch_state(&row.id, "refused", Some(found.len as i64), Some(found.mtime), why)?;
            let detail = format!("a file of an attachment is not the one its record names ({why}); it is not kept");
            raise(store, a, &author, 0, "blob_refused", &detail, &mut report.alarms)
        };
        if found.len > want {
            refuse(store, report, "it is longer")?;
            continue;
        }
        let accepted = store.quota_accepted_at(row.device)?;
        if accepted.is_none_or(|t| row.created_ms > t) {
            let (all, day) = store.attachment_bytes_of(row.device, now - 86_400_000)?;
            let (day_quota, total_quota) = store.blob_quotas;
            if day + row.size > day_quota || all + row.size > total_quota {
                store.set_fetch_state(&row.id, "over_quota", None, None, "over the device's quota")?;
                report.problems.push(Problem {
                    file: format!("{}/{name}", crate::sync::share::device_dir_name(&author)),
                    problem: "this device attached more than 2 GiB today or 20 GiB in all: its files wait until a \
                              person accepts them (`casebook attach accept DEVICE`)"
                        .into(),
                });
                continue;
            }
        }
        if free_bytes(&dir).is_some_and(|free| free < want + KEEP_FREE) {
            report.problems.push(Problem {
                file: "vault".into(),
                problem: "the disk is nearly full: attachments from other devices wait until 1 GiB is free".into(),
            });
            break;
        }
        let _fetching = lock_blobs(&dir)?;
        let (tmp, file) = temp_file(store, &dir)?;
        drop(file);
        let copied = share.copy_blob_in(&author, &name, &tmp, want);
        store.faults.reached("blob-copied");
        match copied {
            Ok((n, hash)) if n == want && hash == row.blob_sha256 => {
                let kept = keep_temp(store, &dir, &tmp).and_then(|file| {
                    store.record_blob_file(&row.id, &file).inspect_err(|_| {
                        let _ = std::fs::remove_file(dir.join(&file));
                    })
                });
                if kept.is_err() {
                    let _ = std::fs::remove_file(&tmp);
                }
                kept?;
            }
            Ok((n, _)) => {
                let _ = std::fs::remove_file(&tmp);
                if n < want {
                    continue; // it became shorter: a sync tool is still writing it
                }
                refuse(store, report, if n > want { "it is longer" } else { "its SHA-256 differs" })?;
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                report.problems.push(Problem { file: name, problem: format!("could not copy an attachment: {e}") });
            }
        }
    }
    Ok(())
}

/// `attach accept DEVICE`: lets the blobs a device attached until now past the quotas (they
/// are fetched at the next sync). DEVICE as `share status` shows it; only a device whose blobs
/// wait over the quota can be named. Returns how many attachments were waiting.
pub fn accept_quota(store: &mut Store, typed: &str) -> Result<usize> {
    let waiting = store.over_quota_devices()?;
    let device = super::members::resolve(waiting.iter().map(|(d, _)| *d), typed)?;
    store.accept_quota(&device)?;
    Ok(waiting.iter().find(|(d, _)| *d == device).map_or(0, |(_, n)| *n))
}
