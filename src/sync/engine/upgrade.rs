//! `share upgrade` (docs/formats/roster.md section 6): a group made by a build without rosters
//! becomes a roster group, run by the person who upgrades it. Its group key counts as public:
//! the new group has a new genesis, recovery key and epoch, and an upgrade entry (the
//! creator's first) that names each device of the old group with its last delta this vault
//! accepted. Those deltas stay the group's history, read with the old key (sealed in the
//! upgrade); nothing later of the old group counts. Every other device joins again with a new
//! invite and the code check ([`old_group_rejoin`]); a sybil of the old group gets no key.
//!
//! Order on disk: the genesis file (nobody follows it yet), the vault in one transaction, the
//! upgrade entry (written again by every later sync until it is there), the share's marker last
//! (a sync that finds the old marker writes it again: [`finish`]).

use std::path::Path;

use serde::Serialize;
use zeroize::Zeroizing;

use super::members::{expose, recovery_text};
use super::roster_db::RosterDb;
use super::state::SyncDb;
use super::{absolute, hex, require_attached, roster_sync, Attached, Attachment, SyncReport};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::sync::format;
use crate::sync::roster::crypt;
use crate::sync::roster::entry::{self, Clear, DeviceId, EntryId, LegacyDevice, LegacyKey, Sealed, MAX_LEGACY};
use crate::sync::roster::{author, fold};
use crate::sync::share::{self, Share};

/// What `share upgrade` reports: the new group, its recovery key (shown once), and how many
/// devices of the old group keep their history in it.
#[derive(Serialize)]
pub struct Upgraded {
    #[serde(flatten)]
    pub attachment: Attachment,
    #[serde(serialize_with = "expose")]
    pub recovery_key: Zeroizing<String>,
    pub old_devices: usize,
}

/// `share upgrade`: run on the vault of the person who becomes the group's first coordinator.
pub fn upgrade(store: &mut Store) -> Result<Upgraded> {
    let a = require_attached(store)?;
    if a.roster.is_some() {
        return Err(Error::ShareState { reason: "this group has a roster already: it needs no upgrade".into() });
    }
    // What the old group holds for this vault first: what it accepts now is the history every
    // device of the new group reads. Its own unsent changes go out under the new group.
    super::sync_with(store, false)?;
    let a = require_attached(store)?;
    let _one_at_a_time = store.sync_lock()?;
    let old_me = store.device_id()?;
    let (kept_seq, kept_change, kept_hash) = SyncDb::of(store).sent_before(a.idx, u64::MAX >> 1)?;
    let mut devices: Vec<LegacyDevice> = SyncDb::of(store)
        .load_peers(a.idx)?
        .values()
        .filter(|p| p.applied_seq >= 1 && crypt::check_sign_key(&p.key).is_ok())
        .map(|p| LegacyDevice { device: p.id, sign: p.key, seq: p.applied_seq, delta: p.applied_hash })
        .collect();
    if let (true, Ok(delta)) = (kept_seq >= 1, <[u8; 32]>::try_from(kept_hash.as_slice())) {
        let sign = a.signing.verifying_key().to_bytes();
        devices.push(LegacyDevice { device: old_me, sign, seq: kept_seq as u64, delta });
    }
    devices.sort_by_key(|d| d.device);
    if devices.len() > MAX_LEGACY {
        return Err(Error::ShareState {
            reason: format!("the group has more than {MAX_LEGACY} devices with changes; it cannot be upgraded"),
        });
    }
    let old_key: [u8; 32] = SyncDb::of(store)
        .group_key(a.idx)?
        .as_slice()
        .try_into()
        .map_err(|_| Error::invalid("database", "the group key is damaged"))?;
    let old_key = LegacyKey(Zeroizing::new(old_key));

    // The new group.
    let super::members::NewGroup {
        seed,
        creator,
        boxs,
        recovery_seed,
        first,
        bytes: genesis_bytes,
        genesis,
        group,
        me,
    } = super::members::new_group(store)?;
    let writer = author::Author {
        group,
        device: me,
        key: &creator,
        seq: 1,
        prev: [0; 32],
        epoch: crypt::epoch_of(&genesis),
        epoch_key: &first,
        parents: vec![genesis],
    };
    let old_devices = devices.len();
    let clear = Clear::Upgrade { legacy_group: a.group, devices };
    let upgrade_bytes =
        author::write(&writer, clear, &Sealed::Legacy { epoch: a.keys.epoch, key: old_key }, store.entropy.as_mut());
    let upgrade_id = crypt::entry_id(&upgrade_bytes);

    let share = Share::open_with(&a.path, store.share_io())?;
    share.write_own(&me, share::GENESIS, &genesis_bytes, store.entropy.as_mut())?;
    let old_idx = store.device;
    let old_public = a.signing.verifying_key().to_bytes();
    let now = store.clock.now_ms() as i64;
    let (idx, path) = (a.idx, a.path.to_string_lossy().to_string());
    let new = store.write(|w| {
        let (new, label, records) = w.move_to_new_device(old_idx, &me, kept_change)?;
        w.replay_records(&records)?;
        let db = SyncDb::in_write(w);
        let applied = (kept_seq >= 1).then_some((kept_seq, kept_hash.as_slice()));
        db.insert_peer(idx, old_idx, &old_public, label.as_deref(), format::READER, now, applied)?;
        db.forget_sent(idx)?;
        db.set_identity(idx, &seed, kept_change)?;
        let roster = RosterDb::in_write(w);
        roster.set_group(idx, &group, &path)?;
        roster.insert_roster(idx, &genesis, boxs.expose(), "member")?;
        roster.insert_epoch(idx, &crypt::epoch_of(&genesis), first.expose())?;
        roster.set_position(idx, 1, &upgrade_id, &upgrade_bytes)?;
        Ok(new)
    })?;
    store.device = new;
    super::crash_point(store, "upgrade-recorded");
    share.write_own(&me, &share::roster_name(1), &upgrade_bytes, store.entropy.as_mut())?;
    super::crash_point(store, "upgrade-entry-written");
    share.replace_marker(&format::encode_marker(&group), store.entropy.as_mut())?;
    Ok(Upgraded {
        attachment: Attachment { group_id: hex(&group), path, device_id: hex(&me) },
        recovery_key: recovery_text(&recovery_seed),
        old_devices,
    })
}

/// A sync of a group this vault upgraded that finds the old group's marker on the share (the
/// upgrade stopped before its last step): writes the marker. Returns whether it did; any other
/// marker is not this vault's to replace.
pub(super) fn finish(store: &mut Store, a: &mut Attached, share: &Share, marker: &[u8]) -> Result<bool> {
    let Ok(old) = format::decode_marker(marker) else { return Ok(false) };
    let mut report = SyncReport::default();
    roster_sync::refresh(store, a, share, &mut report)?;
    let me = store.device_id()?;
    let side = a.roster.as_ref().expect("a roster group");
    let Some(roster) = side.roster.as_ref() else { return Ok(false) };
    let creator = roster.devices.iter().find(|(_, d)| d.approved_by.is_none()).map(|(id, _)| *id);
    if creator != Some(me) || roster.legacy.as_ref().is_none_or(|l| l.group != old) {
        return Ok(false);
    }
    share.replace_marker(&format::encode_marker(&a.group), store.entropy.as_mut())?;
    Ok(true)
}

/// A vault of an old group joining the group that replaced it: the upgrade entry on the share
/// must be signed by the creator of the invite's genesis and name this vault's old group (else
/// the invite is for another group). Returns this device's last delta the upgrade counts, if it
/// names one.
pub(super) fn old_group_cutoff(
    share: &Share,
    genesis: &EntryId,
    old: &Attached,
    old_me: &DeviceId,
) -> Result<Option<(u64, [u8; 32])>> {
    let (files, _) = roster_sync::gather(share)?;
    let group = crypt::group_of(genesis);
    let creator =
        files.iter().find(|f| crypt::entry_id(f) == *genesis).and_then(|f| fold::check_alone(f).ok()).and_then(|e| {
            match e.clear {
                Clear::Genesis { creator_sign, .. } => Some(creator_sign),
                _ => None,
            }
        });
    let not_yet = || Error::ShareState {
        reason: "the share does not show this group's upgrade yet: let the folder finish syncing, then join again"
            .into(),
    };
    let creator_sign = creator.ok_or_else(not_yet)?;
    let creator_id = crypt::device_id(&group, &creator_sign);
    let mut named_other_group = false;
    for f in &files {
        let Ok(e) = entry::decode(f) else { continue };
        let Clear::Upgrade { legacy_group, devices } = &e.clear else { continue };
        if e.group != group || e.author != creator_id || e.seq != 1 {
            continue;
        }
        if crypt::verify(&creator_sign, &f[..f.len() - 64], &e.signature).is_err() {
            continue;
        }
        if *legacy_group != old.group {
            named_other_group = true;
            continue;
        }
        return Ok(devices.iter().find(|d| d.device == *old_me).map(|d| (d.seq, d.delta)));
    }
    if named_other_group {
        return Err(Error::ShareState {
            reason: format!(
                "this invite is for a group upgraded from another group than the one this vault syncs with (at {})",
                old.path.display()
            ),
        });
    }
    Err(not_yet())
}

/// Moves a vault of the old group into the group that replaced it, pending approval, as a new
/// device: its old identity becomes a peer applied as far as the upgrade counts it, and its
/// changes after that (sent to the old group too late, or not sent) move to the new device,
/// sent once it is approved. Nothing is lost; what the upgrade counted is not sent twice.
#[allow(clippy::too_many_arguments)]
pub(super) fn old_group_rejoin(
    store: &mut Store,
    old: &Attached,
    dir: &Path,
    group: [u8; 16],
    genesis: &EntryId,
    me: &DeviceId,
    seed: &[u8; 32],
    boxs: &[u8; 32],
    cutoff: Option<(u64, [u8; 32])>,
) -> Result<Attached> {
    let old_idx = store.device;
    let old_public = old.signing.verifying_key().to_bytes();
    let (kept_seq, kept_change, kept_hash) = match cutoff {
        Some((seq, id)) => {
            let kept = SyncDb::of(store).sent_before(old.idx, seq)?;
            if kept.0 as u64 == seq && kept.2 == id {
                kept
            } else {
                (0, 0, Vec::new())
            }
        }
        None => (0, 0, Vec::new()),
    };
    let now = store.clock.now_ms() as i64;
    let (idx, path) = (old.idx, absolute(dir).to_string_lossy().to_string());
    let new = store.write(|w| {
        let (new, label, records) = w.move_to_new_device(old_idx, me, kept_change)?;
        w.replay_records(&records)?;
        let db = SyncDb::in_write(w);
        let applied = (kept_seq >= 1).then_some((kept_seq, kept_hash.as_slice()));
        db.insert_peer(idx, old_idx, &old_public, label.as_deref(), format::READER, now, applied)?;
        db.forget_sent(idx)?;
        db.set_identity(idx, seed, kept_change)?;
        let roster = RosterDb::in_write(w);
        roster.set_group(idx, &group, &path)?;
        roster.insert_roster(idx, genesis, boxs, "pending")?;
        Ok(new)
    })?;
    store.device = new;
    require_attached(store)
}
