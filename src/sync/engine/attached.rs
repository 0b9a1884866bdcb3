//! The share this vault is attached to (table `shares`, docs/formats/database.md section 10),
//! with its keys: the group key's epoch in a group without a roster, the roster's epochs in one
//! with a roster, and the old group's key for the devices of a group an upgrade replaced
//! (docs/formats/roster.md section 6).

use std::path::PathBuf;

use ed25519_dalek::SigningKey;
use zeroize::Zeroizing;

use super::roster_sync;
use super::state::SyncDb;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::sync::format;
use crate::sync::seal::GroupKeys;

/// The share this vault is attached to, with its keys.
pub(super) struct Attached {
    pub(super) idx: i64,
    pub(super) group: [u8; 16],
    pub(super) keys: GroupKeys,
    pub(super) signing: SigningKey,
    pub(super) path: PathBuf,
    pub(super) scanned_upto: i64,
    /// A group with a roster (docs/formats/roster.md): this device's side of it. `keys` are then
    /// the current epoch's, once a refresh has folded the roster.
    pub(super) roster: Option<roster_sync::Side>,
}

impl Attached {
    /// The keys a delta names: its roster epoch's (when this device holds them), or the group
    /// key's epoch.
    pub(super) fn keys_for(&self, h: &format::DeltaHeader) -> Option<GroupKeys> {
        match &self.roster {
            None => (h.epoch == self.keys.epoch).then(|| self.keys.clone()),
            Some(side) => {
                let counts = side.roster.as_ref().is_some_and(|r| r.epochs.contains(&h.epoch_id));
                side.keyring.get(&h.epoch_id).filter(|_| counts).map(roster_sync::group_keys)
            }
        }
    }

    /// The group an upgraded roster group replaced (docs/formats/roster.md section 6), as the
    /// last refresh folded it.
    pub(super) fn legacy(&self) -> Option<&crate::sync::roster::Legacy> {
        self.roster.as_ref()?.roster.as_ref()?.legacy.as_ref()
    }

    /// Whether this group reads a device's deltas: any device in a group without a roster; in
    /// one with a roster, those the roster admitted and those of the group it was upgraded from.
    pub(super) fn reads_device(&self, device: &[u8; 16]) -> bool {
        self.roster.as_ref().and_then(|s| s.roster.as_ref()).is_none_or(|r| {
            r.devices.contains_key(device) || r.legacy.as_ref().is_some_and(|l| l.devices.contains_key(device))
        })
    }

    /// The group a device's deltas name: the old group's for a device of the group an upgrade
    /// replaced, this group's for anybody else.
    pub(super) fn group_of(&self, device: &[u8; 16]) -> [u8; 16] {
        self.legacy().filter(|l| l.devices.contains_key(device)).map_or(self.group, |l| l.group)
    }

    /// The keys of a device's delta: a device of the replaced group's under the old group's key
    /// (and only that), anybody else's as [`Attached::keys_for`] says.
    pub(super) fn keys_of(&self, device: &[u8; 16], h: &format::DeltaHeader) -> Option<GroupKeys> {
        if let Some(l) = self.legacy().filter(|l| l.devices.contains_key(device)) {
            let old = h.group == l.group && h.epoch == l.epoch && h.epoch_id == [0; 16];
            return old.then(|| GroupKeys::derive(l.epoch.max(1), &l.key.0));
        }
        self.keys_for(h)
    }

    /// A header of ours: in a roster group it names the epoch written under and the roster's
    /// heads (docs/formats/roster.md section 6).
    pub(super) fn header(&self, version: u8, me: &[u8; 16], seq: u64, prev: [u8; 32]) -> format::DeltaHeader {
        let mut h = format::DeltaHeader::new(version, self.group, self.keys.epoch, *me, seq, prev);
        if let Some(r) = self.roster.as_ref().and_then(|s| s.roster.as_ref()) {
            h.epoch_id = r.epoch.unwrap_or_default();
            let mut parts: Vec<&[u8]> = Vec::new();
            parts.extend(r.heads.iter().map(|x| &x[..]));
            h.roster_head = crate::sync::roster::crypt::sha256(&parts);
        }
        h
    }
}

pub(super) fn attached(store: &Store) -> Result<Option<Attached>> {
    let row = SyncDb::of(store).share_row()?;
    let Some((idx, group, epoch, key, seed, path, scanned_upto)) = row else { return Ok(None) };
    let damaged = || Error::invalid("database", "the share's keys in the vault are damaged");
    let group: [u8; 16] = group.try_into().map_err(|_| damaged())?;
    let key: Zeroizing<[u8; 32]> = Zeroizing::new(key.as_slice().try_into().unwrap_or([0; 32]));
    let seed: Zeroizing<[u8; 32]> = Zeroizing::new(seed.as_slice().try_into().map_err(|_| damaged())?);
    let roster = roster_sync::load(store, idx)?;
    let keys = match &roster {
        // Until a refresh names the current epoch: the newest key held (never used unread).
        Some(side) => side.keyring.epochs().last().and_then(|e| side.keyring.get(e)).map(roster_sync::group_keys),
        None => None,
    };
    Ok(Some(Attached {
        idx,
        group,
        keys: keys.unwrap_or_else(|| GroupKeys::derive(epoch.max(1), &key)),
        signing: SigningKey::from_bytes(&seed),
        path: PathBuf::from(path),
        scanned_upto,
        roster,
    }))
}

pub(super) fn require_attached(store: &Store) -> Result<Attached> {
    attached(store)?.ok_or_else(|| Error::ShareState {
        reason: "this vault is not attached to a share; use `casebook share create DIR` or `casebook share join DIR --invite FILE`".into(),
    })
}

pub(super) fn refuse_if_attached(store: &Store) -> Result<()> {
    if let Some(a) = attached(store)? {
        return Err(Error::ShareState {
            reason: format!(
                "this vault already syncs with the share at {}; a vault syncs with one share",
                a.path.display()
            ),
        });
    }
    Ok(())
}
