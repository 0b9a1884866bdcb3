//! What `share create`, `share invite`, `share join`, `sync` and `share status` do: the
//! vault-side state of sync (tables `shares`, `sync_*`, docs/formats/database.md section 10)
//! and the rules of docs/formats/delta.md section 6.
//!
//! Crash safety: a delta of ours is recorded as sent (with everything needed to rebuild it
//! byte for byte) before its file is written; a received delta is applied and recorded as
//! applied in one transaction. A crash anywhere leaves a consistent vault, and the next sync
//! finishes the work.
//!
//! Split by flow: [`send`] (this device's changes to the share), [`receive`] (everyone else's
//! into the vault), [`report`] (what `sync` and `share status` return), [`attached`] (the
//! attached share and its keys), [`members`] and [`upgrade`] (membership). This file holds
//! `create`, `invite` and `join` of a group without a roster, and `sync`.

mod attached;
mod blobs;
pub use blobs::accept_quota;
mod forks;
mod high_water;
mod identity;
pub mod members;
mod quarantine;
mod receive;
mod records;
mod report;
mod roster_db;
mod roster_sync;
mod send;
mod state;
mod status;
pub mod upgrade;
use attached::{attached, refuse_if_attached, require_attached, Attached};
use state::SyncDb;
pub use status::status;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use zeroize::Zeroizing;

pub use quarantine::accept as accept_quarantined;
pub use report::{Alarm, DeviceStatus, Problem, Quarantined, Received, Status, SyncReport, Waiting};

use super::format::{self, InviteSecret};
use super::seal;
use super::share::{self, Share};
use crate::dates::format_timestamp;
use crate::error::{Error, Result};
pub(crate) use crate::hex::encode as hex;
use crate::secret::Passphrase;
use crate::store::Store;
use crate::vault::header::KdfParams;

/// Most changes one delta carries (a first sync of a large vault writes several deltas).
pub const CHANGES_PER_DELTA: usize = 20_000;
/// Most bytes of encoded changes one delta carries: half of what a reader decompresses
/// (`format::MAX_BODY`), leaving room for dependencies, the device table and padding.
pub const CHANGE_BYTES_PER_DELTA: usize = format::MAX_BODY / 2;
/// How long an invite can be used.
pub const INVITE_VALID_MS: u64 = 7 * 86_400_000;

/// What `share create` and `share join` report.
#[derive(Debug, Serialize)]
pub struct Attachment {
    pub group_id: String,
    pub path: String,
    pub device_id: String,
}

fn local_label(store: &Store) -> Result<String> {
    store.device_label()
}

/// The most characters of a device label (the share's device record holds at most 200 bytes).
pub const MAX_LABEL_CHARS: usize = 60;

/// A device label as typed: trimmed, at most [`MAX_LABEL_CHARS`] characters, no control or
/// text-direction characters (the other devices show it beside this device's changes).
pub fn check_label(label: &str) -> Result<String> {
    let label = label.trim();
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(Error::invalid("label", &format!("use at most {MAX_LABEL_CHARS} characters")));
    }
    let direction =
        |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    if label.chars().any(|c| c.is_control() || direction(c)) {
        return Err(Error::invalid("label", "use letters, digits, spaces and punctuation only"));
    }
    Ok(label.to_string())
}

/// Sets this device's label (shown to the other devices; sealed under the group key), as
/// [`check_label`] takes it.
pub fn set_label(store: &mut Store, label: &str) -> Result<()> {
    store.set_device_label(&check_label(label)?)
}

fn absolute(dir: &Path) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

fn attach(store: &mut Store, group: [u8; 16], epoch: u32, key: &[u8; 32], dir: &Path) -> Result<Attached> {
    let mut seed = Zeroizing::new([0u8; 32]);
    store.entropy.fill(&mut seed[..]);
    let now = store.clock.now_ms() as i64;
    SyncDb::of(store).insert_share(&group, epoch, key, &seed, &absolute(dir).to_string_lossy(), now)?;
    require_attached(store)
}

fn publish_record(store: &mut Store, a: &Attached, share: &Share, me: &[u8; 16]) -> Result<()> {
    let bytes = record_bytes(store, a, me)?;
    share.write_own(me, share::RECORD, &bytes, store.entropy.as_mut())?;
    Ok(())
}

/// This device's record as it writes it now (its current label).
fn record_bytes(store: &mut Store, a: &Attached, me: &[u8; 16]) -> Result<Vec<u8>> {
    let label = local_label(store)?;
    let now = store.clock.now_ms();
    Ok(seal::seal_record(&a.keys, &a.signing, &a.group, me, now, &label, store.entropy.as_mut()))
}

/// `share create DIR`: a new group with this vault as its first device.
pub fn create(store: &mut Store, dir: &Path) -> Result<Attachment> {
    refuse_if_attached(store)?;
    let mut group = [0u8; 16];
    store.entropy.fill(&mut group);
    let mut key = Zeroizing::new([0u8; 32]);
    store.entropy.fill(&mut key[..]);
    let share = Share::create(dir, &format::encode_marker(&group), store.entropy.as_mut())?;
    let a = attach(store, group, 1, &key, dir)?;
    let me = store.device_id()?;
    publish_record(store, &a, &share, &me)?;
    Ok(Attachment { group_id: hex(&group), path: a.path.display().to_string(), device_id: hex(&me) })
}

/// `share invite`: the group's key and this device's signing key, sealed under `passphrase`.
/// Returns the invite's text form.
pub fn invite(store: &mut Store, passphrase: &Passphrase, kdf: KdfParams) -> Result<String> {
    let a = require_attached(store)?;
    let key = SyncDb::of(store).group_key(a.idx)?;
    let now = store.clock.now_ms();
    let secret = InviteSecret {
        group: a.group,
        epoch: a.keys.epoch,
        group_key: key.as_slice().try_into().map_err(|_| Error::invalid("database", "the group key is damaged"))?,
        inviter: store.device_id()?,
        inviter_key: a.signing.verifying_key().to_bytes(),
        created_ms: now,
        expires_ms: now + INVITE_VALID_MS,
    };
    let bytes = seal::seal_invite(&secret, passphrase, kdf, store.entropy.as_mut())?;
    Ok(format::invite_to_text(&bytes))
}

/// `share join DIR --invite FILE`: attach this vault to the invite's group at `dir`.
pub fn join(store: &mut Store, dir: &Path, invite_text: &str, passphrase: &Passphrase) -> Result<Attachment> {
    refuse_if_attached(store)?;
    let bytes = format::invite_from_text(invite_text).map_err(|b| Error::invalid("invite", &b.0))?;
    let secret = seal::open_invite(&bytes, passphrase)?;
    let now = store.clock.now_ms();
    if now > secret.expires_ms {
        return Err(Error::invalid(
            "invite",
            &format!("it expired on {}; ask for a new one", format_timestamp(secret.expires_ms)),
        ));
    }
    let me = store.device_id()?;
    if secret.inviter == me {
        return Err(Error::invalid("invite", "it was made by this vault; use it on another device"));
    }
    let share = share_of_group(store, dir, &secret.group)?;
    let a = attach(store, secret.group, secret.epoch, &secret.group_key, dir)?;
    // The inviter's key comes from the invite, so the share cannot substitute its record.
    store.write(|w| {
        let idx = w.device_index(&secret.inviter)?;
        SyncDb::in_write(w).insert_peer(a.idx, idx, &secret.inviter_key, None, 1, now as i64, None)
    })?;
    publish_record(store, &a, &share, &me)?;
    Ok(Attachment { group_id: hex(&a.group), path: a.path.display().to_string(), device_id: hex(&me) })
}

/// The share folder at `dir`, when its marker names `group` (the invite's): a joiner's check that
/// it was pointed at the right folder (the marker proves nothing; it catches a wrong folder).
fn share_of_group(store: &Store, dir: &Path, group: &[u8; 16]) -> Result<Share> {
    let share = Share::open_with(dir, store.share_io())?;
    let reason = match share.read_marker()? {
        Some(m) if format::decode_marker(&m).ok() == Some(*group) => return Ok(share),
        Some(_) => "this folder is the share of another group than the invite's".to_string(),
        None => format!("it has no {} file: it is not a Casebook share (or not synced yet)", share::MARKER),
    };
    Err(Error::ShareUnreachable { path: dir.to_path_buf(), reason })
}

struct Peer {
    idx: u32,
    id: [u8; 16],
    key: [u8; 32],
    label: String,
    applied_seq: u64,
    /// The id of the last applied delta (SHA-256 of the file in version 1).
    applied_hash: [u8; 32],
    /// The newest delta format the device reads (from its record).
    reads: u16,
    /// What the device's deltas say it had applied (accumulated: version 2 names only changes).
    vector: Vec<format::Dep>,
}

/// A dependency vector as the vault stores it: 56 bytes per device (id, seq, delta id).
fn vector_blob(deps: &[format::Dep]) -> Vec<u8> {
    let mut out = Vec::with_capacity(deps.len() * 56);
    for d in deps {
        out.extend_from_slice(&d.device);
        out.extend_from_slice(&d.seq.to_be_bytes());
        out.extend_from_slice(&d.id);
    }
    out
}

fn blob_vector(bytes: &[u8]) -> Vec<format::Dep> {
    bytes
        .chunks_exact(56)
        .map(|e| format::Dep {
            device: e[..16].try_into().expect("16 bytes"),
            seq: u64::from_be_bytes(e[16..24].try_into().expect("8 bytes")),
            id: e[24..].try_into().expect("32 bytes"),
        })
        .collect()
}

/// `base` with the entries of `changed` put in (by device), sorted by device id.
fn merge_vector(base: &[format::Dep], changed: &[format::Dep]) -> Vec<format::Dep> {
    let mut by_device: BTreeMap<[u8; 16], format::Dep> = base.iter().map(|d| (d.device, *d)).collect();
    for d in changed {
        by_device.insert(d.device, *d);
    }
    by_device.into_values().collect()
}

fn load_peers(store: &Store, share: i64) -> Result<BTreeMap<[u8; 16], Peer>> {
    SyncDb::of(store).load_peers(share)
}

/// Open conflicts as `conflicts list` shows them (competing values that all equal the shown
/// one are not counted).
fn conflict_count(store: &Store) -> Result<u64> {
    Ok(store.conflicts()?.len() as u64)
}

fn raise(
    store: &Store,
    a: &Attached,
    device: &[u8; 16],
    seq: u64,
    kind: &str,
    detail: &str,
    out: &mut Vec<Alarm>,
) -> Result<()> {
    let now = store.clock.now_ms();
    if SyncDb::of(store).insert_alarm(a.idx, device, seq, kind, detail, now as i64)? {
        out.push(Alarm {
            device: hex(device),
            seq,
            kind: kind.into(),
            detail: detail.into(),
            first_seen: format_timestamp(now),
        });
    }
    Ok(())
}

/// `sync`: send this device's new changes, then apply everyone else's. Hostile or broken files
/// are reported in the result; only an unreachable share (or a vault failure) is an error.
pub fn sync(store: &mut Store) -> Result<SyncReport> {
    sync_with(store, true)
}

/// As [`sync`]; with `publish` false, this device's new changes wait for a later sync (the
/// app's automatic syncs publish at most every few minutes, `sync::auto`), while what arrived
/// is applied and missing deltas of ours are republished.
pub fn sync_with(store: &mut Store, publish: bool) -> Result<SyncReport> {
    let mut a = require_attached(store)?;
    let _one_at_a_time = store.sync_lock()?;
    let share = Share::open_with(&a.path, store.share_io())?;
    match share.read_marker()? {
        Some(m) if format::decode_marker(&m).ok() == Some(a.group) => {}
        // An upgrade of this vault's that stopped before its last step.
        Some(m) if a.roster.is_some() && upgrade::finish(store, &mut a, &share, &m)? => {}
        Some(_) if a.roster.is_none() => {
            return Err(Error::ShareUnreachable {
                path: a.path.clone(),
                reason: "the folder is now the share of another group: the group was upgraded, or the folder \
                         replaced. Ask a coordinator for a new invite and join again (`casebook share join`); \
                         nothing of this vault is lost"
                    .into(),
            })
        }
        Some(_) => {
            return Err(Error::ShareUnreachable {
                path: a.path.clone(),
                reason: "the folder is now the share of another group".into(),
            })
        }
        None => {
            return Err(Error::ShareUnreachable {
                path: a.path.clone(),
                reason: format!("it has no {} file (not mounted, or not the share)", share::MARKER),
            })
        }
    }
    let mut report = SyncReport::default();
    let before = conflict_count(store)?;
    if a.roster.is_some() {
        return sync_roster_group(store, a, &share, publish, report, before);
    }
    let me = store.device_id()?;
    let (mut a, mut me) = (a, me);
    // Before anything is written: is this vault older than its own high-water mark?
    if let Some(fork_at) = high_water::check(store, &a, &me, &mut report)? {
        (a, me) = new_identity(store, &a, &me, fork_at, &mut report)?;
    }
    blobs::publish_own(store, &share, &me, &mut report)?;
    if let Some(fork_at) = send::send(store, &a, &share, &me, publish, &mut report)? {
        // A copy of this vault wrote under its id: continue as a new device, sending at once
        // what the old identity's lost and unsent deltas carried.
        (a, me) = new_identity(store, &a, &me, fork_at, &mut report)?;
        send::send(store, &a, &share, &me, true, &mut report)?;
    }
    if let Some(fork_at) = receive::receive(store, &a, &share, &me, &mut report)? {
        // Another device proved that a copy of this vault signed another version of one of its
        // deltas: continue as a new device, sending again what the old identity sent from there.
        (a, me) = new_identity(store, &a, &me, fork_at, &mut report)?;
        send::send(store, &a, &share, &me, true, &mut report)?;
    }
    blobs::fetch(store, &a, &share, &mut report)?;
    crate::attach::vault::sweep(store)?; // files of attachments deleted by what arrived
    report.conflicts = conflict_count(store)?;
    report.new_conflicts = report.conflicts.saturating_sub(before);
    Ok(report)
}

/// A sync of a group with a roster: the roster first (approvals, removals, keys, a rotation or
/// head that is due), then deltas under the current epoch. A device that is pending or removed
/// exchanges no deltas; a device whose group needs a rotation publishes nothing until it has
/// one (it never writes under a superseded epoch, section 4.4). A copy of this vault writing
/// under its id is a fork the roster removes: this device stops and re-enrols (no new identity).
fn sync_roster_group(
    store: &mut Store,
    mut a: Attached,
    share: &Share,
    publish: bool,
    mut report: SyncReport,
    before: u64,
) -> Result<SyncReport> {
    roster_sync::refresh(store, &mut a, share, &mut report)?;
    roster_sync::upkeep(store, &mut a, share)?;
    if a.roster.as_ref().is_some_and(|s| s.state != "member") {
        report.conflicts = conflict_count(store)?;
        return Ok(report);
    }
    let me = store.device_id()?;
    let roster = a.roster.as_ref().and_then(|s| s.roster.clone()).expect("refreshed");
    let now = store.clock.now_ms();
    if roster.newest_head_ms.is_some_and(|t| now.saturating_sub(t) > roster_sync::STALE_HEAD_MS) {
        report.problems.push(Problem {
            file: "roster".into(),
            problem: "no coordinator has confirmed the group's membership for over 7 days: compare the roster head \
                      words (`casebook share status`) with a coordinator by phone before relying on who is a member"
                .into(),
        });
    }
    // Receive first: a member's delta under an epoch this fold does not know freezes publishing
    // (the share may be withholding a revocation, F3), so it must be seen before sending.
    let mut stopped = high_water::check(store, &a, &me, &mut report)?.is_some();
    stopped |= receive::receive(store, &a, share, &me, &mut report)?.is_some();
    let frozen = report.waiting.iter().any(|w| w.state == "unknown_epoch");
    if frozen {
        let detail = "another member wrote under a key epoch this device has not seen: the share may be hiding a \
                      change of the group's membership. Nothing is sent until this device sees it; compare the roster \
                      head words with a coordinator by phone";
        raise(store, &a, &me, 0, "roster_behind", detail, &mut report.alarms)?;
    }
    let publish = publish && roster.epoch.is_some() && !frozen;
    if !stopped {
        blobs::fetch(store, &a, share, &mut report)?;
        crate::attach::vault::sweep(store)?; // files of attachments deleted by what arrived
        if publish {
            blobs::publish_own(store, share, &me, &mut report)?;
        }
        stopped = send::send(store, &a, share, &me, publish, &mut report)?.is_some();
    }
    if stopped {
        let detail = "a copy of this vault wrote under this device's identity: it writes nothing more under it. \
                      Leave the group from this device (`casebook share leave`) and join again with a new invite";
        raise(store, &a, &me, 0, "reenrol", detail, &mut report.alarms)?;
    }
    report.conflicts = conflict_count(store)?;
    report.new_conflicts = report.conflicts.saturating_sub(before);
    Ok(report)
}

/// At lock, quit and suspend (docs/formats/delta.md section 6.2): this device's unsent changes
/// (at most one delta of them) are sealed and recorded as sent, and their files queued for the
/// share IO thread; nothing here reads or waits for the share, so the caller may drop the keys
/// at once. A file the share never gets is written again by the next sync, byte for byte.
/// Returns how many deltas were queued: 0 when no share is attached, another sync is running
/// (it publishes), nothing is unsent, or the vault is older than its high-water mark (the next
/// sync continues under a new identity first).
pub fn publish_at_lock(store: &mut Store) -> Result<usize> {
    let Ok(a) = require_attached(store) else { return Ok(0) };
    // A roster group publishes only after folding its roster (the epoch may have moved on).
    if a.roster.is_some() {
        return Ok(0);
    }
    let Ok(_one_at_a_time) = store.sync_lock() else { return Ok(0) };
    if !has_unsent(store)? {
        return Ok(0);
    }
    let me = store.device_id()?;
    let mut report = SyncReport::default();
    if high_water::check(store, &a, &me, &mut report)?.is_some() {
        return Ok(0);
    }
    let files = send::send_at_lock(store, &a, &me, 1, &mut report)?;
    let io = store.share_io();
    let queued = files
        .into_iter()
        .map(|(seq, bytes)| {
            Share::write_own_later(&a.path, &io, &me, &share::delta_name(seq), bytes, store.entropy.as_mut())
        })
        .filter(|queued| *queued)
        .count();
    Ok(queued)
}

/// Continues this vault under a new device identity from `fork_at` (section 6.3), with its
/// high-water mark: the attached share and device id to go on with.
fn new_identity(
    store: &mut Store,
    a: &Attached,
    me: &[u8; 16],
    fork_at: u64,
    report: &mut SyncReport,
) -> Result<(Attached, [u8; 16])> {
    identity::renew(store, a, me, fork_at, report)?;
    let (a, me) = (require_attached(store)?, store.device_id()?);
    high_water::settle(store, &a, &me, report)?;
    Ok((a, me))
}

/// `share dismiss`: closes an open alarm once a person has dealt with it (it is kept, no longer
/// listed, and not raised again for the same device, delta and kind). What the alarm reported
/// stays as it is: a device whose deltas wait behind a refused or forked one still waits.
pub fn dismiss_alarm(store: &mut Store, device: &str, seq: u64, kind: &str) -> Result<()> {
    let a = require_attached(store)?;
    let id = parse_device(device)?;
    let now = store.clock.now_ms() as i64;
    if !SyncDb::of(store).dismiss_alarm(a.idx, &id, seq, kind, now)? {
        return Err(Error::NotFound { what: "open alarm", id: format!("{device} {seq} {kind}") });
    }
    Ok(())
}

/// A device id as `share status` shows it (32 hexadecimal digits).
fn parse_device(device: &str) -> Result<[u8; 16]> {
    (device.trim().len() == 32)
        .then(|| uuid::Uuid::try_parse(device.trim()).ok())
        .flatten()
        .map(|u| *u.as_bytes())
        .ok_or_else(|| Error::invalid("device", "a device id is 32 hexadecimal digits, as `share status` shows it"))
}

/// A fingerprint of the share's listing (every device folder's names, sizes and modification
/// times): it changes when anything arrives or goes. Reads no file.
/// The group's key for the record ids of redacted bundles (docs/formats/bundle.md section 6.1):
/// derived from the group's first key, so every member, whenever it joined, makes and maps the
/// same ids for a partner. None outside a group, or before a joiner holds the first key.
pub fn group_export_key(store: &Store) -> Result<Option<zeroize::Zeroizing<[u8; 32]>>> {
    Ok(roster_db::RosterDb::of(store).first_group_key()?.map(|(group, key)| {
        zeroize::Zeroizing::new(crate::sync::roster::crypt::hmac(&key, &[b"casebook/v3/export-ids", &group]))
    }))
}

pub fn share_listing(store: &Store) -> Result<u64> {
    use std::hash::{Hash, Hasher};
    let a = require_attached(store)?;
    let share = Share::open_with(&a.path, store.share_io())?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for dev in share.devices()? {
        dev.hash(&mut h);
        for e in share.list(&dev)? {
            (e.name, e.len, e.mtime).hash(&mut h);
        }
    }
    Ok(h.finish())
}

/// Whether this device has changes its deltas do not carry yet.
pub fn has_unsent(store: &Store) -> Result<bool> {
    let a = require_attached(store)?;
    store.has_own_changes_after(a.scanned_upto)
}

/// A crash point between two durable steps: the store's injected faults decide (a crash test
/// ends the process here; production does nothing).
fn crash_point(store: &Store, name: &str) {
    store.faults.reached(name);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_trimmed_bounded_and_plain() {
        assert_eq!(check_label("  Anna laptop \n").unwrap(), "Anna laptop");
        assert_eq!(check_label(&"я".repeat(60)).unwrap().chars().count(), 60);
        for bad in ["я".repeat(61), "Anna\u{202e}pot".into(), "Anna\u{0}".into(), "a\tb".into()] {
            assert!(matches!(check_label(&bad), Err(Error::InvalidInput { field, .. }) if field == "label"), "{bad:?}");
        }
    }
}
