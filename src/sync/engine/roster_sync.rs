//! The roster's side of a sync (docs/formats/roster.md sections 4–6): read every roster entry
//! and join request on the share, open the key boxes sealed to this device, fold, and act on
//! what the fold says — this device approved or removed, a rotation the group needs, a head
//! that is due, peers and their keys for the delta layer, removed devices quarantined from
//! their cutoff. Also writes this device's entries ([`write_entry`]).

use std::collections::BTreeMap;

use super::roster_db::{RequestRow, RosterDb};
use super::{hex, raise, state::SyncDb, Attached, SyncReport};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::sync::roster::crypt::{self, BoxSecret, EpochKey};
use crate::sync::roster::entry::{self, Clear, DeviceId, EntryId, EpochId, Sealed};
use crate::sync::roster::fold::{fold_with, Verified};
use crate::sync::roster::{author, invite, Alarm, Keyring, Roster};
use crate::sync::seal::GroupKeys;
use crate::sync::share::{self, Name, Share};

/// A coordinator writes a head at most this often while it syncs (section 4.5).
pub const HEAD_EVERY_MS: i64 = 86_400_000;
/// A device that has seen no head younger than this warns before it publishes.
pub const STALE_HEAD_MS: u64 = 7 * 86_400_000;

/// This device's side of a group with a roster.
pub(super) struct Side {
    pub genesis: EntryId,
    pub box_secret: BoxSecret,
    pub keyring: Keyring,
    /// `pending`, `member` or `removed`.
    pub state: String,
    pub seq: u32,
    pub prev: EntryId,
    pub verified: Verified,
    pub code: Option<String>,
    pub head_at: Option<i64>,
    /// The fold of the last refresh (None before the first one of this run).
    pub roster: Option<Roster>,
}

pub(super) fn load(store: &Store, share: i64) -> Result<Option<Side>> {
    let Some(row) = RosterDb::of(store).roster(share)? else { return Ok(None) };
    let damaged = || Error::invalid("database", "the group's membership keys in the vault are damaged");
    let mut keyring = Keyring::new();
    for (epoch, key) in RosterDb::of(store).epochs(share)? {
        let epoch: EpochId = epoch.try_into().map_err(|_| damaged())?;
        keyring.insert(epoch, EpochKey::from_bytes(key.as_slice().try_into().map_err(|_| damaged())?));
    }
    let verified = row
        .verified
        .unwrap_or_default()
        .chunks_exact(64)
        .map(|c| (c[..32].try_into().expect("32"), c[32..].try_into().expect("32")))
        .collect();
    Ok(Some(Side {
        genesis: row.genesis.try_into().map_err(|_| damaged())?,
        box_secret: BoxSecret::from_bytes(row.box_secret.as_slice().try_into().map_err(|_| damaged())?),
        keyring,
        state: row.state,
        seq: row.entry_seq,
        prev: row.entry_prev.map_or(Ok([0; 32]), |p| p.try_into()).map_err(|_| damaged())?,
        verified,
        code: row.code,
        head_at: row.head_at,
        roster: None,
    }))
}

/// The keys of one epoch, as the delta layer uses them.
pub(super) fn group_keys(key: &EpochKey) -> GroupKeys {
    GroupKeys::of_epoch(key.expose())
}

/// A join request as found: (its folder's device, its name, its bytes).
type RequestFile = (DeviceId, String, Vec<u8>);

/// Every roster entry on the share (any folder), and every join request with its folder.
pub(super) fn gather(share: &Share) -> Result<(Vec<Vec<u8>>, Vec<RequestFile>)> {
    let mut entries = Vec::new();
    let mut requests = Vec::new();
    for dev in share.devices()? {
        for e in share.list(&dev)? {
            match e.kind {
                Name::Roster => {
                    if let Ok(b) = share.read(&dev, &e.name) {
                        entries.push(b);
                    }
                }
                Name::Request => {
                    if let Ok(b) = share.read(&dev, &e.name) {
                        requests.push((dev, e.name.clone(), b));
                    }
                }
                _ => {}
            }
        }
    }
    Ok((entries, requests))
}

/// New entries (not folded before) taken from one author in one sync; the rest wait for later
/// syncs, so a member writing a flood of entries costs each sync a bounded amount of checking
/// (docs/formats/roster.md section 2: delayed, never refused).
pub const NEW_ENTRIES_PER_SYNC: usize = 64;

/// Keeps every entry folded before and, per author, its first [`NEW_ENTRIES_PER_SYNC`] new ones
/// (lowest numbers first, so its chain goes on); gives the authors that had more.
fn cap_new_entries(files: Vec<Vec<u8>>, verified: &Verified) -> (Vec<Vec<u8>>, Vec<DeviceId>) {
    let mut fresh: BTreeMap<DeviceId, Vec<(u32, Vec<u8>)>> = BTreeMap::new();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let id = crypt::entry_id(&f);
        match entry::decode(&f) {
            Ok(e) if !verified.contains_key(&id) && e.author != [0; 16] => {
                fresh.entry(e.author).or_default().push((e.seq, f))
            }
            _ => out.push(f),
        }
    }
    let mut flooding = Vec::new();
    for (author, mut list) in fresh {
        list.sort_by_key(|(seq, _)| *seq);
        if list.len() > NEW_ENTRIES_PER_SYNC {
            flooding.push(author);
            list.truncate(NEW_ENTRIES_PER_SYNC);
        }
        out.extend(list.into_iter().map(|(_, f)| f));
    }
    (out, flooding)
}

/// Reads the roster and the requests, opens this device's boxes, folds, and settles what the
/// fold says. Leaves the fold in `a.roster` and the current epoch's keys in `a.keys`.
pub(super) fn refresh(store: &mut Store, a: &mut Attached, share: &Share, report: &mut SyncReport) -> Result<()> {
    let me = store.device_id()?;
    // The newest entry of ours, recorded before a crash stopped its file from being written.
    let seq = a.roster.as_ref().expect("a roster group").seq;
    if seq > 0 {
        if let Some(bytes) = RosterDb::of(store).last_entry(a.idx)? {
            share.write_own(&me, &share::roster_name(seq), &bytes, store.entropy.as_mut())?;
        }
    }
    let (files, requests) = gather(share)?;
    let side = a.roster.as_mut().expect("a roster group");
    let group = a.group;
    let (files, flooding) = cap_new_entries(files, &side.verified);
    for author in flooding {
        let detail = format!(
            "device {} wrote more than {NEW_ENTRIES_PER_SYNC} new membership entries at once: the rest are read at later \
             syncs. A device that keeps doing this should be revoked",
            hex(&author)
        );
        report
            .problems
            .push(super::Problem { file: format!("{}/*.roster", share::device_dir_name(&author)), problem: detail });
    }
    let decoded: Vec<(EntryId, entry::Entry)> =
        files.iter().filter_map(|f| entry::decode(f).ok().map(|e| (crypt::entry_id(f), e))).collect();
    for complaint in side.keyring.unlock(&group, &me, &side.box_secret, &decoded) {
        report.problems.push(super::Problem { file: "roster".into(), problem: complaint });
    }
    let roster = fold_with(&side.genesis, &files, &side.keyring, &side.verified)
        .map_err(|b| Error::ShareUnreachable { path: a.path.clone(), reason: b.0 })?;
    let idx = a.idx;
    let keys: Vec<(EpochId, [u8; 32])> =
        side.keyring.epochs().map(|e| (*e, *side.keyring.get(e).expect("listed").expose())).collect();
    let memo: Vec<u8> = roster.verified.iter().flat_map(|(id, k)| id.iter().chain(k.iter()).copied()).collect();
    store.write(|w| {
        let db = RosterDb::in_write(w);
        for (e, k) in &keys {
            db.insert_epoch(idx, e, k)?;
        }
        db.set_verified(idx, &memo)
    })?;
    side.verified = roster.verified.clone();
    // This device's state.
    let was = side.state.clone();
    let now_state = if roster.is_member(&me) {
        "member"
    } else if roster.devices.contains_key(&me) {
        "removed"
    } else {
        was.as_str()
    };
    if now_state != was {
        RosterDb::of(store).set_state(idx, now_state)?;
        // Being approved needs no alarm (`share status` says `member`); being removed does.
        if now_state == "removed" {
            let detail = "this device was removed from the group: it writes nothing more, and nothing new reaches it";
            raise(store, a, &me, 0, "removed", detail, &mut report.alarms)?;
        }
        a.roster.as_mut().expect("roster").state = now_state.to_string();
    }
    alarms(store, a, &roster, report)?;
    take_requests(store, a, &roster, requests, report)?;
    if a.roster.as_ref().expect("roster").state == "member" {
        peers_from(store, a, &roster)?;
        quarantine_removed(store, a, &me, &roster, report)?;
        if let Some(legacy) = &roster.legacy {
            old_group(store, a, &roster, legacy, report)?;
        }
    }
    let side = a.roster.as_mut().expect("roster");
    if let Some(k) = roster.epoch.and_then(|e| side.keyring.get(&e)) {
        a.keys = group_keys(k);
    }
    side.roster = Some(roster);
    Ok(())
}

/// The fold of what the share holds now, with the keys this device holds, changing nothing
/// (for `share status`). None when the share cannot be read or holds no genesis.
pub(super) fn peek(side: &Side, share: &Share) -> Option<Roster> {
    let (files, _) = gather(share).ok()?;
    fold_with(&side.genesis, &files, &side.keyring, &side.verified).ok()
}

/// The fold's alarms, raised once each (docs/formats/roster.md section 4).
fn alarms(store: &Store, a: &Attached, roster: &Roster, report: &mut SyncReport) -> Result<()> {
    for alarm in &roster.alarms {
        let (device, seq, kind) = match alarm {
            Alarm::Withheld(id) => (id16(id), 0, "roster_withheld"),
            Alarm::Refused { entry, .. } => (id16(entry), 0, "roster_refused"),
            Alarm::Unreadable(_) => continue,
            Alarm::Fork { device, seq } => (*device, *seq as u64, "roster_fork"),
            Alarm::InviteReused(i) => (*i, 0, "invite_reused"),
            Alarm::RevocationCycle(d) => (d[0], 0, "revocation_cycle"),
            Alarm::Contested => ([0; 16], 0, "roster_contested"),
            Alarm::RecoveryUsed { seq, target, .. } => (*target, *seq as u64, "recovery_used"),
            Alarm::RecoveryKeyCopied => ([0; 16], 0, "recovery_key_copied"),
            Alarm::RecoveryKeyReused(id) => (id16(id), 0, "recovery_key_reused"),
        };
        raise(store, a, &device, seq, kind, &alarm.to_string(), &mut report.alarms)?;
    }
    Ok(())
}

fn id16(id: &EntryId) -> [u8; 16] {
    id[..16].try_into().expect("16 bytes")
}

/// Join requests for invites this device made (section 5): recorded once, with this device's
/// arrival time; a second request for one invite burns it.
fn take_requests(
    store: &mut Store,
    a: &Attached,
    roster: &Roster,
    requests: Vec<RequestFile>,
    report: &mut SyncReport,
) -> Result<()> {
    let invites = RosterDb::of(store).invites(a.idx)?;
    if invites.is_empty() {
        return Ok(());
    }
    let now = store.clock.now_ms() as i64;
    let mut by_invite: BTreeMap<Vec<u8>, Vec<RequestRow>> = BTreeMap::new();
    for (dev, name, bytes) in requests {
        let Some((inv, secret, sign, _, _)) = invites.iter().find(|i| share::request_name(&to16(&i.0)) == name) else {
            continue;
        };
        let file = format!("{}/{name}", share::device_dir_name(&dev));
        let sign: [u8; 32] = sign.as_slice().try_into().unwrap_or([0; 32]);
        let checked = invite::decode_request(&bytes, &sign).and_then(|r| {
            let device = crypt::device_id(&a.group, &r.joiner_sign);
            if device != dev {
                return Err(crate::sync::format::Bad::new("the request sits in another device's folder"));
            }
            let label =
                invite::request_label(&r, &BoxSecret::from_bytes(secret.as_slice().try_into().unwrap_or([0; 32])))?;
            Ok((r, label))
        });
        match checked {
            Ok((r, label)) => by_invite.entry(inv.clone()).or_default().push(RequestRow {
                invite: inv.clone(),
                device: dev.to_vec(),
                request: invite::request_id(&bytes).to_vec(),
                joiner_sign: r.joiner_sign.to_vec(),
                joiner_box: r.joiner_box.to_vec(),
                label: crate::sync::engine::check_label(&label).unwrap_or_default(),
                arrived_at: now,
                state: "pending".into(),
            }),
            Err(bad) => report.problems.push(super::Problem { file, problem: bad.0 }),
        }
    }
    for (inv, rows) in by_invite {
        let used = roster.invites.get(&to16(&inv)).is_some_and(|i| i.used_by.is_some());
        for row in &rows {
            RosterDb::of(store).insert_request(a.idx, row)?;
        }
        if rows.len() > 1 && !used {
            RosterDb::of(store).set_request_state(a.idx, &inv, "burnt", None)?;
            let detail = format!(
                "{} devices asked to join with one invite: the invite is burnt and none of them is approved. Somebody \
                 else holds the invite and its words; make a new invite and hand it over in person or by voice",
                rows.len()
            );
            raise(store, a, &to16(&inv), 0, "invite_reused", &detail, &mut report.alarms)?;
        }
    }
    Ok(())
}

pub(super) fn to16(v: &[u8]) -> [u8; 16] {
    v.try_into().unwrap_or([0; 16])
}

/// Every device the roster admitted is a peer of the delta layer, with the key the roster
/// names: nobody else's deltas are verified, so a sybil's are ignored (F15).
fn peers_from(store: &mut Store, a: &Attached, roster: &Roster) -> Result<()> {
    let me = store.device_id()?;
    let peers = SyncDb::of(store).load_peers(a.idx)?;
    let now = store.clock.now_ms() as i64;
    for (id, d) in &roster.devices {
        if *id == me {
            continue;
        }
        match peers.get(id) {
            Some(p) if p.label != d.label => SyncDb::of(store).update_peer_record(a.idx, p.idx, &d.label, p.reads)?,
            Some(_) => {}
            None => {
                let (key, label) = (d.sign, d.label.clone());
                store.write(|w| {
                    let idx = w.device_index(id)?;
                    SyncDb::in_write(w).insert_peer(
                        a.idx,
                        idx,
                        &key,
                        Some(&label),
                        crate::sync::format::READER,
                        now,
                        None,
                    )
                })?;
            }
        }
    }
    Ok(())
}

/// A removed device's deltas count only up to its delta cutoff (section 4.3): what it brought
/// later is rolled back here, as a fork's is, and its later deltas are not applied.
fn quarantine_removed(
    store: &mut Store,
    a: &Attached,
    me: &[u8; 16],
    roster: &Roster,
    report: &mut SyncReport,
) -> Result<()> {
    for (id, d) in &roster.devices {
        let Some((delta_seq, _)) = d.removed.as_ref().and_then(|c| c.delta) else { continue };
        let from = delta_seq + 1;
        if id == me || SyncDb::of(store).quarantined_from(a.idx, id)?.is_some_and(|q| q <= from) {
            continue;
        }
        let voided = store.write(|w| {
            let idx = w.device_index(id)?;
            w.void_deltas(idx, from)
        })?;
        let now = store.clock.now_ms() as i64;
        SyncDb::of(store).record_quarantine(a.idx, id, from, voided, now)?;
        report.quarantined.extend(super::quarantine::list(store, a)?.into_iter().filter(|q| q.device == hex(id)));
    }
    Ok(())
}

/// The devices of the group an upgrade replaced (section 6) are peers with the keys the
/// upgrade names, read up to the delta it names for each: what they wrote later is rolled back
/// here and not read. A device this vault knew in the old group that the upgrade does not name
/// (a sybil holding the old key, a device nobody had heard from) counts for nothing.
fn old_group(
    store: &mut Store,
    a: &Attached,
    roster: &Roster,
    legacy: &crate::sync::roster::Legacy,
    report: &mut SyncReport,
) -> Result<()> {
    let peers = SyncDb::of(store).load_peers(a.idx)?;
    let now = store.clock.now_ms() as i64;
    for (id, d) in &legacy.devices {
        if !peers.contains_key(id) {
            store.write(|w| {
                let idx = w.device_index(id)?;
                SyncDb::in_write(w).insert_peer(a.idx, idx, &d.sign, None, crate::sync::format::READER, now, None)
            })?;
        }
    }
    // The delta layer never reads past these (`receive`); what this vault applied past them
    // before the upgrade reached it is rolled back, and listed as a quarantine.
    let unnamed = peers.keys().filter(|id| !roster.devices.contains_key(*id) && !legacy.devices.contains_key(*id));
    let cutoffs: Vec<([u8; 16], u64)> =
        legacy.devices.values().map(|d| (d.device, d.seq + 1)).chain(unnamed.map(|id| (*id, 1))).collect();
    for (id, from) in cutoffs {
        let applied = peers.get(&id).map_or(0, |p| p.applied_seq);
        if applied < from || SyncDb::of(store).quarantined_from(a.idx, &id)?.is_some_and(|q| q <= from) {
            continue;
        }
        let voided = store.write(|w| {
            let idx = w.device_index(&id)?;
            w.void_deltas(idx, from)
        })?;
        SyncDb::of(store).record_quarantine(a.idx, &id, from, voided, now)?;
        report.quarantined.extend(super::quarantine::list(store, a)?.into_iter().filter(|q| q.device == hex(&id)));
    }
    Ok(())
}

/// Writes this device's next roster entry under the fold's epoch (or the newest, for a
/// rotation that merges), naming the fold's heads; returns its id.
pub(super) fn write_entry(
    store: &mut Store,
    a: &mut Attached,
    share: &Share,
    clear: Clear,
    sealed: &Sealed,
    new_epoch: Option<&EpochKey>,
) -> Result<EntryId> {
    let me = store.device_id()?;
    let side = a.roster.as_mut().expect("a roster group");
    let roster = side.roster.as_ref().expect("folded first");
    let epoch = roster.epoch.or_else(|| roster.newest_epochs.last().copied()).expect("the genesis makes an epoch");
    let key = side.keyring.get(&epoch).cloned().ok_or_else(|| Error::ShareState {
        reason: "this device does not hold the group's current key yet; sync again once it has been approved".into(),
    })?;
    let author = author::Author {
        group: a.group,
        device: me,
        key: &a.signing,
        seq: side.seq + 1,
        prev: side.prev,
        epoch,
        epoch_key: &key,
        parents: if roster.heads.is_empty() { vec![side.genesis] } else { roster.heads.clone() },
    };
    let bytes = author::write(&author, clear, sealed, store.entropy.as_mut());
    let id = crypt::entry_id(&bytes);
    let seq = side.seq + 1;
    // The key of a new epoch is kept before the entry that makes it reaches the share.
    if let Some(k) = new_epoch {
        RosterDb::of(store).insert_epoch(a.idx, &crypt::epoch_of(&id), k.expose())?;
        side.keyring.insert(crypt::epoch_of(&id), k.clone());
    }
    RosterDb::of(store).set_position(a.idx, seq, &id, &bytes)?;
    super::crash_point(store, "roster-recorded");
    side.seq = seq;
    side.prev = id;
    share.write_own(&me, &share::roster_name(seq), &bytes, store.entropy.as_mut())?;
    Ok(id)
}

/// A rotation by this device: a new key sealed to `members`, following the newest epochs.
pub(super) fn rotation(
    store: &mut Store,
    a: &Attached,
    members: &[(DeviceId, [u8; 32])],
) -> Result<(entry::Rotation, EpochKey)> {
    let me = store.device_id()?;
    let side = a.roster.as_ref().expect("a roster group");
    let roster = side.roster.as_ref().expect("folded first");
    let new = author::new_epoch_key(store.entropy.as_mut());
    let prevs: Vec<(EpochId, EpochKey)> =
        roster.newest_epochs.iter().filter_map(|e| side.keyring.get(e).map(|k| (*e, k.clone()))).collect();
    let refs: Vec<(EpochId, &EpochKey)> = prevs.iter().map(|(e, k)| (*e, k)).collect();
    let r = author::rotation(&a.group, &me, side.seq + 1, &new, members, &refs, store.entropy.as_mut())
        .map_err(|b| Error::invalid("device", &b.0))?;
    Ok((r, new))
}

/// What a group needs from this device after a fold: a rotation when the epoch is not settled
/// (the lowest-id coordinator writes it, so that members do not all rotate at once), a head
/// when one is due (coordinators).
pub(super) fn upkeep(store: &mut Store, a: &mut Attached, share: &Share) -> Result<()> {
    let me = store.device_id()?;
    let roster = a.roster.as_ref().and_then(|s| s.roster.clone()).expect("folded first");
    if !roster.is_member(&me) {
        return Ok(());
    }
    let coordinators: Vec<DeviceId> =
        roster.members().filter(|(_, d)| d.role == entry::Role::Coordinator).map(|(id, _)| *id).collect();
    let rotator = coordinators.first().copied().or_else(|| roster.members().next().map(|(id, _)| *id));
    if roster.epoch.is_none() && rotator == Some(me) {
        let members: Vec<(DeviceId, [u8; 32])> = roster.members().map(|(id, d)| (*id, d.boxk)).collect();
        let (r, new) = rotation(store, a, &members)?;
        write_entry(store, a, share, Clear::Rotate(r), &Sealed::None, Some(&new))?;
        return Ok(());
    }
    let now = store.clock.now_ms() as i64;
    let due = a.roster.as_ref().is_some_and(|s| s.head_at.is_none_or(|t| now - t >= HEAD_EVERY_MS));
    if roster.is_coordinator(&me) && roster.epoch.is_some() && due {
        write_entry(store, a, share, Clear::Head, &Sealed::Time(now as u64), None)?;
        RosterDb::of(store).set_head_at(a.idx, now)?;
        a.roster.as_mut().expect("roster").head_at = Some(now);
    }
    Ok(())
}

/// The roster head as four words two people compare by phone (section 4.5).
pub fn head_words(heads: &[EntryId]) -> String {
    let mut parts: Vec<&[u8]> = vec![b"casebook/v2/head-words"];
    parts.extend(heads.iter().map(|h| &h[..]));
    crate::sync::words::from_hash(&crypt::sha256(&parts))
}
