//! The SQL of membership (docs/formats/database.md section 10, schema 9): this device's side of
//! a group with a roster (`sync_roster`), its epoch keys (`sync_epochs`), the invites it made
//! (`sync_invites`), the join requests that reached it (`sync_requests`) and the epoch of each
//! sent delta (`sync_sent.epoch_id`). Like [`super::state`], one statement per method, behind
//! the store's one door to sync's tables; `tests/tidy_walls.rs` checks that it writes only
//! sync's tables.

use rusqlite::{params, Connection, OptionalExtension};
use zeroize::Zeroizing;

use crate::error::Result;
use crate::store::write::Writer;
use crate::store::Store;

#[derive(Clone, Copy)]
pub(super) struct RosterDb<'c>(&'c Connection);

impl<'c> RosterDb<'c> {
    pub(super) fn of(store: &'c Store) -> Self {
        RosterDb(store.sync_tables())
    }

    pub(super) fn in_write(w: &'c Writer<'_>) -> Self {
        RosterDb(w.sync_tables())
    }
}

/// This device's side of a roster group.
pub(super) struct RosterRow {
    pub(super) genesis: Vec<u8>,
    pub(super) box_secret: Zeroizing<Vec<u8>>,
    /// `pending` (asked to join), `member`, or `removed`.
    pub(super) state: String,
    pub(super) entry_seq: u32,
    pub(super) entry_prev: Option<Vec<u8>>,
    pub(super) code: Option<String>,
    pub(super) verified: Option<Vec<u8>>,
    pub(super) head_at: Option<i64>,
}

/// An epoch key this device holds: (epoch id, key).
pub(super) type EpochRow = (Vec<u8>, Zeroizing<Vec<u8>>);

/// An invite this device made: (invite id, request secret, invite public key, created, expires).
pub(super) type InviteRow = (Vec<u8>, Zeroizing<Vec<u8>>, Vec<u8>, i64, i64);

/// A join request as it reached this device.
pub(super) struct RequestRow {
    pub(super) invite: Vec<u8>,
    pub(super) device: Vec<u8>,
    pub(super) request: Vec<u8>,
    pub(super) joiner_sign: Vec<u8>,
    pub(super) joiner_box: Vec<u8>,
    pub(super) label: String,
    pub(super) arrived_at: i64,
    pub(super) state: String,
}

/// A group's id and its first key.
pub(super) type GroupFirstKey = ([u8; 16], Zeroizing<Vec<u8>>);
/// A share's index, group id, group key and, with a roster, its genesis id.
type ShareKeys = (i64, Vec<u8>, Zeroizing<Vec<u8>>, Option<Vec<u8>>);

impl RosterDb<'_> {
    pub(super) fn insert_roster(
        &self,
        share: i64,
        genesis: &[u8; 32],
        box_secret: &[u8; 32],
        state: &str,
    ) -> Result<()> {
        self.0.execute(
            "INSERT INTO sync_roster (share, genesis, box_secret, state) VALUES (?1, ?2, ?3, ?4)",
            params![share, &genesis[..], &box_secret[..], state],
        )?;
        Ok(())
    }

    pub(super) fn roster(&self, share: i64) -> Result<Option<RosterRow>> {
        Ok(self
            .0
            .query_row(
                "SELECT genesis, box_secret, state, entry_seq, entry_prev, code, verified, head_at \
                 FROM sync_roster WHERE share = ?1",
                [share],
                |r| {
                    Ok(RosterRow {
                        genesis: r.get(0)?,
                        box_secret: Zeroizing::new(r.get(1)?),
                        state: r.get(2)?,
                        entry_seq: r.get(3)?,
                        entry_prev: r.get(4)?,
                        code: r.get(5)?,
                        verified: r.get(6)?,
                        head_at: r.get(7)?,
                    })
                },
            )
            .optional()?)
    }

    /// This device starts again in the group as a new device: a new box key, pending, no entries.
    pub(super) fn restart(&self, share: i64, box_secret: &[u8; 32]) -> Result<()> {
        self.0.execute(
            "UPDATE sync_roster SET box_secret = ?1, state = 'pending', entry_seq = 0, entry_prev = NULL, \
             entry_bytes = NULL, invite = NULL, request = NULL, code = NULL, head_at = NULL WHERE share = ?2",
            params![&box_secret[..], share],
        )?;
        Ok(())
    }

    /// The share row of a vault that moves from a group without a roster to the group that
    /// replaces it (`share upgrade`, or joining the upgraded group): the new group's id, no
    /// group key (the roster's epochs hold the keys), and the share's path here.
    pub(super) fn set_group(&self, share: i64, group: &[u8; 16], path: &str) -> Result<()> {
        self.0.execute(
            "UPDATE shares SET group_id = ?1, epoch = 1, group_key = zeroblob(32), path = ?2 WHERE idx = ?3",
            params![&group[..], path, share],
        )?;
        Ok(())
    }

    pub(super) fn set_state(&self, share: i64, state: &str) -> Result<()> {
        self.0.execute("UPDATE sync_roster SET state = ?1 WHERE share = ?2", params![state, share])?;
        Ok(())
    }

    /// The joiner's request: the invite it answers, the request's id and the code it shows.
    pub(super) fn set_request(&self, share: i64, invite: &[u8; 16], request: &[u8; 32], code: &str) -> Result<()> {
        self.0.execute(
            "UPDATE sync_roster SET invite = ?1, request = ?2, code = ?3 WHERE share = ?4",
            params![&invite[..], &request[..], code, share],
        )?;
        Ok(())
    }

    /// This device's newest roster entry, recorded before its file is written (so that a crash
    /// in between leaves it to be written again, never a second entry of that number).
    pub(super) fn set_position(&self, share: i64, seq: u32, id: &[u8; 32], bytes: &[u8]) -> Result<()> {
        self.0.execute(
            "UPDATE sync_roster SET entry_seq = ?1, entry_prev = ?2, entry_bytes = ?3 WHERE share = ?4",
            params![seq, &id[..], bytes, share],
        )?;
        Ok(())
    }

    /// This device's newest roster entry's bytes.
    pub(super) fn last_entry(&self, share: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .0
            .query_row("SELECT entry_bytes FROM sync_roster WHERE share = ?1", [share], |r| {
                r.get::<_, Option<Vec<u8>>>(0)
            })
            .optional()?
            .flatten())
    }

    pub(super) fn set_verified(&self, share: i64, blob: &[u8]) -> Result<()> {
        self.0.execute("UPDATE sync_roster SET verified = ?1 WHERE share = ?2", params![blob, share])?;
        Ok(())
    }

    pub(super) fn set_head_at(&self, share: i64, ms: i64) -> Result<()> {
        self.0.execute("UPDATE sync_roster SET head_at = ?1 WHERE share = ?2", params![ms, share])?;
        Ok(())
    }

    pub(super) fn epochs(&self, share: i64) -> Result<Vec<EpochRow>> {
        let mut stmt = self.0.prepare("SELECT epoch_id, epoch_key FROM sync_epochs WHERE share = ?1")?;
        let rows = stmt.query_map([share], |r| Ok((r.get(0)?, Zeroizing::new(r.get(1)?))))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(super) fn insert_epoch(&self, share: i64, epoch: &[u8; 16], key: &[u8; 32]) -> Result<()> {
        self.0.execute(
            "INSERT OR IGNORE INTO sync_epochs (share, epoch_id, epoch_key) VALUES (?1, ?2, ?3)",
            params![share, &epoch[..], &key[..]],
        )?;
        Ok(())
    }

    pub(super) fn insert_invite(
        &self,
        share: i64,
        invite: &[u8; 16],
        request_secret: &[u8; 32],
        invite_sign: &[u8; 32],
        created: i64,
        expires: i64,
    ) -> Result<()> {
        self.0.execute(
            "INSERT INTO sync_invites (share, invite, request_secret, invite_sign, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![share, &invite[..], &request_secret[..], &invite_sign[..], created, expires],
        )?;
        Ok(())
    }

    pub(super) fn invites(&self, share: i64) -> Result<Vec<InviteRow>> {
        let mut stmt = self.0.prepare(
            "SELECT invite, request_secret, invite_sign, created_at, expires_at FROM sync_invites WHERE share = ?1",
        )?;
        let rows =
            stmt.query_map([share], |r| Ok((r.get(0)?, Zeroizing::new(r.get(1)?), r.get(2)?, r.get(3)?, r.get(4)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records a request the first time it is seen (later sightings change nothing).
    pub(super) fn insert_request(&self, share: i64, r: &RequestRow) -> Result<bool> {
        Ok(self.0.execute(
            "INSERT OR IGNORE INTO sync_requests (share, invite, device, request, joiner_sign, joiner_box, label, \
             arrived_at, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![share, r.invite, r.device, r.request, r.joiner_sign, r.joiner_box, r.label, r.arrived_at, r.state],
        )? == 1)
    }

    pub(super) fn set_request_state(
        &self,
        share: i64,
        invite: &[u8],
        state: &str,
        device: Option<&[u8]>,
    ) -> Result<()> {
        match device {
            Some(d) => self.0.execute(
                "UPDATE sync_requests SET state = ?1 WHERE share = ?2 AND invite = ?3 AND device = ?4",
                params![state, share, invite, d],
            )?,
            None => self.0.execute(
                "UPDATE sync_requests SET state = ?1 WHERE share = ?2 AND invite = ?3",
                params![state, share, invite],
            )?,
        };
        Ok(())
    }

    pub(super) fn requests(&self, share: i64) -> Result<Vec<RequestRow>> {
        let mut stmt = self.0.prepare(
            "SELECT invite, device, request, joiner_sign, joiner_box, label, arrived_at, state FROM sync_requests \
             WHERE share = ?1 ORDER BY arrived_at, device",
        )?;
        let rows = stmt.query_map([share], |r| {
            Ok(RequestRow {
                invite: r.get(0)?,
                device: r.get(1)?,
                request: r.get(2)?,
                joiner_sign: r.get(3)?,
                joiner_box: r.get(4)?,
                label: r.get(5)?,
                arrived_at: r.get(6)?,
                state: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The last delta of `device` applied here, at or before `upto` (its number and id; 0 and
    /// zeros when none): a revocation's delta cutoff.
    pub(super) fn applied_upto(&self, share: i64, device: &[u8; 16], upto: u64) -> Result<(u64, [u8; 32])> {
        let row: Option<(i64, Vec<u8>)> = self
            .0
            .query_row(
                "SELECT r.seq, r.hash FROM sync_received r JOIN devices d ON r.device = d.idx \
                 WHERE r.share = ?1 AND d.id = ?2 AND r.seq <= ?3 ORDER BY r.seq DESC LIMIT 1",
                params![share, &device[..], upto.min(i64::MAX as u64) as i64],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map_or((0, [0; 32]), |(s, h)| (s as u64, h.try_into().unwrap_or([0; 32]))))
    }

    /// Every quarantine: (device, first quarantined delta).
    pub(super) fn quarantined_devices(&self, share: i64) -> Result<Vec<([u8; 16], u64)>> {
        let mut stmt = self.0.prepare("SELECT device, from_seq FROM sync_quarantine WHERE share = ?1")?;
        let rows = stmt.query_map([share], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (d, from) = row?;
            if let Ok(d) = <[u8; 16]>::try_from(d) {
                out.push((d, from as u64));
            }
        }
        Ok(out)
    }

    /// The epoch id and roster head (48 bytes) a sent delta was sealed with (roster groups).
    pub(super) fn set_sent_epoch(&self, share: i64, seq: u64, epoch: &[u8]) -> Result<()> {
        self.0.execute(
            "UPDATE sync_sent SET epoch_id = ?1 WHERE share = ?2 AND seq = ?3",
            params![epoch, share, seq as i64],
        )?;
        Ok(())
    }

    pub(super) fn sent_epoch(&self, share: i64, seq: u64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .0
            .query_row(
                "SELECT epoch_id FROM sync_sent WHERE share = ?1 AND seq = ?2",
                params![share, seq as i64],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()?
            .flatten())
    }
}

impl RosterDb<'_> {
    /// The group's first key, which every member holds and no rotation changes: a group with
    /// a roster's genesis epoch key (a joiner walks back to it, docs/formats/roster.md section
    /// 3.1), else a group without a roster's key. With the group id; None outside a group.
    pub(super) fn first_group_key(&self) -> Result<Option<GroupFirstKey>> {
        let conn = self.0;
        let row: Option<ShareKeys> = conn
            .query_row(
                "SELECT s.idx, s.group_id, s.group_key, r.genesis FROM shares s \
                 LEFT JOIN sync_roster r ON r.share = s.idx ORDER BY s.idx LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, Zeroizing::new(r.get(2)?), r.get(3)?)),
            )
            .optional()?;
        let Some((share, group, legacy, genesis)) = row else { return Ok(None) };
        let Ok(group) = <[u8; 16]>::try_from(group) else { return Ok(None) };
        let key = match genesis {
            Some(genesis) => conn
                .query_row(
                    "SELECT epoch_key FROM sync_epochs WHERE share = ?1 AND epoch_id = ?2",
                    params![share, &genesis[..genesis.len().min(16)]],
                    |r| r.get::<_, Vec<u8>>(0),
                )
                .optional()?
                .map(Zeroizing::new),
            None => Some(legacy).filter(|k| k.iter().any(|b| *b != 0)),
        };
        Ok(key.map(|k| (group, k)))
    }
}
