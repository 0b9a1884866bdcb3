//! The vault-side state of sync, and the only SQL of sync (docs/formats/database.md section
//! 10): the attached share (`shares`), the other devices (`sync_peers`), what this device sent
//! (`sync_sent`) and what it applied (`sync_received`), alarms (`sync_alarms`), verified
//! copies and proofs (`sync_copies`), quarantines (`sync_quarantine`) and sync's keys in
//! `meta`. Each method is one statement (or one read), so that it runs as well inside a
//! `Store::write` or a batch as outside; the engine decides, this module stores. It writes no
//! table of the store's (records, change log, devices): those change through store methods, and
//! `tests/tidy.rs` checks this module's SQL and that nothing else in sync opens the door. (What
//! a new identity changes in the records and the change log is the store's, in
//! `store/renewal.rs`.)

use std::collections::{BTreeMap, HashMap};

use rusqlite::{params, Connection, OptionalExtension};
use zeroize::Zeroizing;

use super::{blob_vector, hex, Alarm, Peer};
use crate::dates::format_timestamp;
use crate::error::Result;
use crate::store::write::Writer;
use crate::store::Store;

/// Sync's own tables, reached through the store's one door for them
/// ([`Store::sync_tables`], [`Writer::sync_tables`]): the same statements run outside a write
/// and inside one (a batch, a renewal, an applied delta).
#[derive(Clone, Copy)]
pub(super) struct SyncDb<'c>(&'c Connection);

impl<'c> SyncDb<'c> {
    pub(super) fn of(store: &'c Store) -> Self {
        SyncDb(store.sync_tables())
    }

    pub(super) fn in_write(w: &'c Writer<'_>) -> Self {
        SyncDb(w.sync_tables())
    }
}

/// The attached share's row: (idx, group id, epoch, group key, signing seed, path, scanned_upto).
pub(super) type ShareRow = (i64, Vec<u8>, u32, Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>, String, i64);

/// Every other device as `share status` lists them: (id, label, applied, heard, created, reads).
pub(super) type PeerStatusRow = (Vec<u8>, Option<String>, i64, Option<i64>, Option<i64>, i64);

/// A delta this device wrote, as `sync_sent` keeps it (enough to rebuild it byte for byte).
pub(super) struct SentRow {
    pub(super) seq: u64,
    pub(super) first: i64,
    pub(super) last: i64,
    pub(super) deps: Vec<u8>,
    pub(super) created: u64,
    pub(super) hash: [u8; 32],
    pub(super) format: u8,
}

/// (id, file length, modification time) of an applied delta.
pub(super) type Applied = ([u8; 32], u64, i64);

/// One quarantine as stored: (device, label, from_seq, changes, records, voided_at, accepted_at).
pub(super) type QuarantineRow = (Vec<u8>, Option<String>, i64, i64, i64, i64, Option<i64>);

impl SyncDb<'_> {
    // -----------------------------------------------------------------------------------------
    // The share

    pub(super) fn share_row(&self) -> Result<Option<ShareRow>> {
        let conn = self.0;
        Ok(conn
        .query_row(
            "SELECT idx, group_id, epoch, group_key, signing_key, path, scanned_upto FROM shares ORDER BY idx LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, u32>(2)?,
                    Zeroizing::new(r.get::<_, Vec<u8>>(3)?),
                    Zeroizing::new(r.get::<_, Vec<u8>>(4)?),
                    r.get::<_, String>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            },
        )
        .optional()?)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert_share(
        &self,
        group: &[u8; 16],
        epoch: u32,
        key: &[u8; 32],
        seed: &[u8; 32],
        path: &str,
        now: i64,
    ) -> Result<()> {
        let conn = self.0;
        conn.execute(
        "INSERT INTO shares (group_id, epoch, group_key, signing_key, path, joined_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![&group[..], epoch, &key[..], &seed[..], path, now],
    )?;
        Ok(())
    }

    pub(super) fn group_key(&self, share: i64) -> Result<Zeroizing<Vec<u8>>> {
        let conn = self.0;
        Ok(Zeroizing::new(conn.query_row("SELECT group_key FROM shares WHERE idx = ?1", [share], |r| r.get(0))?))
    }

    /// This device's changes up to `upto` are in deltas (or were looked at and need none).
    pub(super) fn set_scanned(&self, share: i64, upto: i64) -> Result<()> {
        let conn = self.0;
        conn.execute("UPDATE shares SET scanned_upto = ?1 WHERE idx = ?2", params![upto, share])?;
        Ok(())
    }

    /// A new identity: its signing seed, and where its deltas start in the change log.
    pub(super) fn set_identity(&self, share: i64, seed: &[u8; 32], scanned_upto: i64) -> Result<()> {
        let conn = self.0;
        conn.execute(
            "UPDATE shares SET signing_key = ?1, scanned_upto = ?2 WHERE idx = ?3",
            params![&seed[..], scanned_upto, share],
        )?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Peers

    pub(super) fn load_peers(&self, share: i64) -> Result<BTreeMap<[u8; 16], Peer>> {
        let conn = self.0;
        let mut stmt = conn.prepare_cached(
            "SELECT p.device, d.id, p.signing_key, p.label, p.applied_seq, p.applied_hash, p.reads, p.vector \
         FROM sync_peers p JOIN devices d ON d.idx = p.device WHERE p.share = ?1",
        )?;
        let rows = stmt.query_map([share], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Option<Vec<u8>>>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, Option<Vec<u8>>>(7)?,
            ))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (idx, id, key, label, seq, hash, reads, vector) = row?;
            let (Ok(id), Ok(key)) = (<[u8; 16]>::try_from(id), <[u8; 32]>::try_from(key)) else { continue };
            let applied_hash = hash.and_then(|h| <[u8; 32]>::try_from(h).ok()).unwrap_or([0; 32]);
            out.insert(
                id,
                Peer {
                    idx,
                    id,
                    key,
                    label: label.unwrap_or_default(),
                    applied_seq: seq as u64,
                    applied_hash,
                    reads: u16::try_from(reads).unwrap_or(1),
                    vector: vector.as_deref().map(blob_vector).unwrap_or_default(),
                },
            );
        }
        Ok(out)
    }

    /// A device first seen: its pinned key, label and format from its record (when known), and
    /// how far it is applied (`applied`: (seq, id); this vault's old identity after a new one is
    /// applied up to the last delta the share holds as the vault wrote it).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert_peer(
        &self,
        share: i64,
        device: u32,
        key: &[u8; 32],
        label: Option<&str>,
        reads: u16,
        now: i64,
        applied: Option<(i64, &[u8])>,
    ) -> Result<()> {
        let conn = self.0;
        let (seq, id) = applied.map_or((0, None), |(s, id)| (s, Some(id)));
        conn.execute(
            "INSERT INTO sync_peers (share, device, signing_key, label, applied_seq, applied_hash, heard_at, reads) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![share, device, &key[..], label, seq, id, now, reads],
        )?;
        Ok(())
    }

    /// What a device's record says now: its label and the newest format it reads.
    pub(super) fn update_peer_record(&self, share: i64, device: u32, label: &str, reads: u16) -> Result<()> {
        let conn = self.0;
        conn.execute(
            "UPDATE sync_peers SET label = ?1, reads = ?2 WHERE share = ?3 AND device = ?4",
            params![label, reads, share, device],
        )?;
        Ok(())
    }

    /// A delta of the device was applied: its position, id, times and accumulated vector.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn mark_applied(
        &self,
        share: i64,
        device: u32,
        seq: u64,
        id: &[u8; 32],
        now: i64,
        created: i64,
        vector: &[u8],
    ) -> Result<()> {
        let conn = self.0;
        conn.execute(
            "UPDATE sync_peers SET applied_seq = ?1, applied_hash = ?2, heard_at = ?3, last_created = ?4, vector = ?5 \
         WHERE share = ?6 AND device = ?7",
            params![seq as i64, &id[..], now, created, vector, share, device],
        )?;
        // Conflict copies of this number verified before it was applied are read again: against
        // the applied version, one of them may now prove a fork.
        // Their names begin with the number's 12 digits (share::Name::ConflictCopy).
        let (from, to) = (format!("{seq:012}"), format!("{:012}", seq + 1));
        conn.prepare_cached("DELETE FROM sync_copies WHERE share = ?1 AND device = ?2 AND name >= ?3 AND name < ?4")?
            .execute(params![share, device, from, to])?;
        Ok(())
    }

    pub(super) fn peer_status(&self, share: i64) -> Result<Vec<PeerStatusRow>> {
        let conn = self.0;
        let mut stmt = conn.prepare_cached(
            "SELECT d.id, p.label, p.applied_seq, p.heard_at, p.last_created, p.reads FROM sync_peers p \
         JOIN devices d ON d.idx = p.device WHERE p.share = ?1 ORDER BY p.heard_at DESC",
        )?;
        let rows =
            stmt.query_map([share], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    // -----------------------------------------------------------------------------------------
    // What this device sent

    pub(super) fn sent_rows(&self, share: i64) -> Result<Vec<SentRow>> {
        let conn = self.0;
        let mut stmt = conn.prepare_cached(
        "SELECT seq, first_change, last_change, deps, created, hash, format FROM sync_sent WHERE share = ?1 ORDER BY seq",
    )?;
        let rows = stmt.query_map([share], |r| {
            Ok(SentRow {
                seq: r.get::<_, i64>(0)? as u64,
                first: r.get(1)?,
                last: r.get(2)?,
                deps: r.get(3)?,
                created: r.get::<_, i64>(4)? as u64,
                hash: r.get::<_, Vec<u8>>(5)?.try_into().unwrap_or([0; 32]),
                format: u8::try_from(r.get::<_, i64>(6)?).unwrap_or(crate::sync::format::DELTA_V1),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The last delta this device recorded as sent: (seq, id), (0, zero) when none.
    pub(super) fn last_sent(&self, share: i64) -> Result<(u64, [u8; 32])> {
        let conn = self.0;
        let row: Option<(i64, Vec<u8>)> = conn
            .prepare_cached("SELECT seq, hash FROM sync_sent WHERE share = ?1 ORDER BY seq DESC LIMIT 1")?
            .query_row([share], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.map(|(s, h)| (s as u64, h.try_into().unwrap_or([0; 32]))).unwrap_or((0, [0; 32])))
    }

    /// The id of this device's delta `seq`, when it wrote one.
    pub(super) fn sent_id(&self, share: i64, seq: u64) -> Result<Option<[u8; 32]>> {
        let conn = self.0;
        let row: Option<Vec<u8>> = conn
            .prepare_cached("SELECT hash FROM sync_sent WHERE share = ?1 AND seq = ?2")?
            .query_row(params![share, seq as i64], |r| r.get(0))
            .optional()?;
        Ok(row.and_then(|h| h.try_into().ok()))
    }

    /// The last delta sent before `seq`: (seq, its last change, id), zeros when none.
    pub(super) fn sent_before(&self, share: i64, seq: u64) -> Result<(i64, i64, Vec<u8>)> {
        let conn = self.0;
        Ok(conn
            .query_row(
                "SELECT seq, last_change, hash FROM sync_sent WHERE share = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1",
                params![share, seq as i64],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .unwrap_or((0, 0, vec![0; 32])))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn record_sent(
        &self,
        share: i64,
        seq: u64,
        first: i64,
        last: i64,
        deps: &[u8],
        created: u64,
        id: &[u8; 32],
        format: u8,
    ) -> Result<()> {
        let conn = self.0;
        conn.execute(
            "INSERT INTO sync_sent (share, seq, first_change, last_change, deps, created, hash, format) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![share, seq as i64, first, last, deps, created as i64, &id[..], format],
        )?;
        Ok(())
    }

    /// A new identity starts its own numbering.
    pub(super) fn forget_sent(&self, share: i64) -> Result<()> {
        let conn = self.0;
        conn.execute("DELETE FROM sync_sent WHERE share = ?1", [share])?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // What this device applied (and its own files as last verified)

    /// Every applied delta of a device, by sequence number.
    pub(super) fn received_of(&self, share: i64, device: u32) -> Result<HashMap<u64, Applied>> {
        let conn = self.0;
        let mut stmt =
            conn.prepare_cached("SELECT seq, hash, size, mtime FROM sync_received WHERE share = ?1 AND device = ?2")?;
        let rows = stmt.query_map(params![share, device], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)? as u64,
                r.get::<_, Option<i64>>(3)?.unwrap_or(0),
            ))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (seq, hash, size, mtime) = row?;
            out.insert(seq, (hash.try_into().unwrap_or([0; 32]), size, mtime));
        }
        Ok(out)
    }

    /// The id of a device's delta `seq` as applied here.
    pub(super) fn received_id(&self, share: i64, device: u32, seq: u64) -> Result<Option<[u8; 32]>> {
        let conn = self.0;
        let row: Option<Vec<u8>> = conn
            .prepare_cached("SELECT hash FROM sync_received WHERE share = ?1 AND device = ?2 AND seq = ?3")?
            .query_row(params![share, device, seq as i64], |r| r.get(0))
            .optional()?;
        Ok(row.and_then(|h| h.try_into().ok()))
    }

    /// The receipt kept for a device's delta `seq` (version 2 only).
    pub(super) fn receipt_of(&self, share: i64, device: u32, seq: u64) -> Result<Option<Vec<u8>>> {
        let conn = self.0;
        let row: Option<Option<Vec<u8>>> = conn
            .prepare_cached("SELECT receipt FROM sync_received WHERE share = ?1 AND device = ?2 AND seq = ?3")?
            .query_row(params![share, device, seq as i64], |r| r.get(0))
            .optional()?;
        Ok(row.flatten())
    }

    /// An applied delta (or, for this device, one of its own files verified on the share).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn record_received(
        &self,
        share: i64,
        device: u32,
        seq: u64,
        id: &[u8; 32],
        len: i64,
        mtime: i64,
        receipt: Option<&[u8]>,
    ) -> Result<()> {
        let conn = self.0;
        conn.execute(
            "INSERT OR REPLACE INTO sync_received (share, device, seq, hash, size, mtime, receipt) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![share, device, seq as i64, &id[..], len, mtime, receipt],
        )?;
        Ok(())
    }

    /// After a new identity: what the old one wrote after `kept` is another copy's to show.
    pub(super) fn forget_received_after(&self, share: i64, device: u32, kept: i64) -> Result<()> {
        let conn = self.0;
        conn.execute(
            "DELETE FROM sync_received WHERE share = ?1 AND device = ?2 AND seq > ?3",
            params![share, device, kept],
        )?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Alarms

    /// Records an alarm; true when it is new (an alarm is raised once per device, delta and kind).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert_alarm(
        &self,
        share: i64,
        device: &[u8; 16],
        seq: u64,
        kind: &str,
        detail: &str,
        now: i64,
    ) -> Result<bool> {
        let conn = self.0;
        Ok(conn.execute(
        "INSERT OR IGNORE INTO sync_alarms (share, device, seq, kind, detail, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![share, &device[..], seq as i64, kind, detail, now],
    )? > 0)
    }

    /// Closes an open alarm; false when there was none.
    pub(super) fn dismiss_alarm(&self, share: i64, device: &[u8; 16], seq: u64, kind: &str, now: i64) -> Result<bool> {
        let conn = self.0;
        Ok(conn.execute(
            "UPDATE sync_alarms SET dismissed = ?1 WHERE share = ?2 AND device = ?3 AND seq = ?4 AND kind = ?5 \
         AND dismissed IS NULL",
            params![now, share, &device[..], seq as i64, kind],
        )? > 0)
    }

    /// Closes every open alarm of `kind` for a device (the condition went away by itself).
    pub(super) fn close_alarms(&self, share: i64, device: &[u8; 16], kind: &str, now: i64) -> Result<()> {
        let conn = self.0;
        conn.execute(
        "UPDATE sync_alarms SET dismissed = ?1 WHERE share = ?2 AND device = ?3 AND kind = ?4 AND dismissed IS NULL",
        params![now, share, &device[..], kind],
    )?;
        Ok(())
    }

    pub(super) fn open_alarms(&self, share: i64) -> Result<Vec<Alarm>> {
        let conn = self.0;
        let mut stmt = conn.prepare_cached(
            "SELECT device, seq, kind, detail, first_seen FROM sync_alarms WHERE share = ?1 AND dismissed IS NULL \
         ORDER BY first_seen, device, seq",
        )?;
        let rows = stmt.query_map([share], |r| {
            Ok(Alarm {
                device: hex(&r.get::<_, Vec<u8>>(0)?),
                seq: r.get::<_, i64>(1)? as u64,
                kind: r.get(2)?,
                detail: r.get(3)?,
                first_seen: format_timestamp(r.get::<_, i64>(4)? as u64),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The first delta of a device this vault holds proof of a fork for (a `fork` alarm, open or
    /// dismissed: each was raised on two versions signed by the device).
    pub(super) fn forked_at(&self, share: i64, device: &[u8; 16]) -> Result<Option<u64>> {
        let conn = self.0;
        Ok(conn
            .prepare_cached("SELECT min(seq) FROM sync_alarms WHERE share = ?1 AND device = ?2 AND kind = 'fork'")?
            .query_row(params![share, &device[..]], |r| r.get::<_, Option<i64>>(0))?
            .map(|s| s as u64))
    }

    // -----------------------------------------------------------------------------------------
    // Conflict copies and fork proofs verified before

    /// Whether a file with this name, size and modification time was verified before, so that
    /// 1,000 copies of one delta cost their verification once, not at every sync.
    pub(super) fn copy_known(&self, share: i64, device: u32, name: &str, size: u64, mtime: i64) -> Result<bool> {
        let conn = self.0;
        Ok(conn
            .prepare_cached(
                "SELECT 1 FROM sync_copies WHERE share = ?1 AND device = ?2 AND name = ?3 AND size = ?4 AND mtime = ?5",
            )?
            .exists(params![share, device, name, size as i64, mtime])?)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn remember_copy(
        &self,
        share: i64,
        device: u32,
        name: &str,
        size: u64,
        mtime: i64,
        hash: &[u8; 32],
    ) -> Result<()> {
        let conn = self.0;
        conn.execute(
        "INSERT OR REPLACE INTO sync_copies (share, device, name, size, mtime, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![share, device, name, size as i64, mtime, &hash[..]],
    )?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Sync's keys in the store's key-value table (`meta`)

    /// The high-water mark's key (docs/formats/delta.md section 10) and whether the vault wrote
    /// its mark before.
    pub(super) fn high_water_key(&self) -> Result<(Option<Vec<u8>>, bool)> {
        let conn = self.0;
        let key: Option<Vec<u8>> =
            conn.query_row("SELECT value FROM meta WHERE key = 'high_water_key'", [], |r| r.get(0)).optional()?;
        let kept: Option<i64> =
            conn.query_row("SELECT value FROM meta WHERE key = 'high_water_kept'", [], |r| r.get(0)).optional()?;
        Ok((key, kept == Some(1)))
    }

    pub(super) fn set_high_water_key(&self, key: &[u8; 32]) -> Result<()> {
        let conn = self.0;
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('high_water_key', ?1)", [&key[..]])?;
        Ok(())
    }

    pub(super) fn set_high_water_kept(&self) -> Result<()> {
        let conn = self.0;
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('high_water_kept', 1)", [])?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Quarantine of forked authors (docs/formats/delta.md section 11.2)

    /// Every device of the share with a `fork` alarm, and the first sequence number proven forked.
    pub(super) fn forked_devices(&self, share: i64) -> Result<Vec<([u8; 16], u64)>> {
        let conn = self.0;
        let mut stmt = conn.prepare_cached(
        "SELECT device, min(seq) FROM sync_alarms WHERE share = ?1 AND kind = 'fork' GROUP BY device ORDER BY device",
    )?;
        let rows = stmt.query_map([share], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, seq) = row?;
            if let Ok(id) = <[u8; 16]>::try_from(id) {
                out.push((id, seq as u64));
            }
        }
        Ok(out)
    }

    /// Where a device's quarantine begins (None: not quarantined).
    pub(super) fn quarantined_from(&self, share: i64, device: &[u8; 16]) -> Result<Option<u64>> {
        let conn = self.0;
        Ok(conn
            .prepare_cached("SELECT from_seq FROM sync_quarantine WHERE share = ?1 AND device = ?2")?
            .query_row(params![share, &device[..]], |r| r.get::<_, i64>(0))
            .optional()?
            .map(|s| s as u64))
    }

    /// Records (or widens to an earlier sequence number) a device's quarantine and what its
    /// rollback voided.
    pub(super) fn record_quarantine(
        &self,
        share: i64,
        device: &[u8; 16],
        from_seq: u64,
        voided: crate::store::write::Voided,
        now: i64,
    ) -> Result<()> {
        let conn = self.0;
        conn.prepare_cached(
        "INSERT INTO sync_quarantine (share, device, from_seq, changes, records, voided_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT(share, device) DO UPDATE SET from_seq = min(from_seq, excluded.from_seq), \
         changes = changes + excluded.changes, records = records + excluded.records, voided_at = excluded.voided_at",
    )?
    .execute(params![share, &device[..], from_seq as i64, voided.changes as i64, voided.records as i64, now])?;
        Ok(())
    }

    /// Every quarantine of the share, by device.
    pub(super) fn quarantines(&self, share: i64) -> Result<Vec<QuarantineRow>> {
        let conn = self.0;
        let mut stmt = conn.prepare_cached(
        "SELECT q.device, p.label, q.from_seq, q.changes, q.records, q.voided_at, q.accepted_at FROM sync_quarantine q \
         LEFT JOIN devices d ON d.id = q.device LEFT JOIN sync_peers p ON p.share = q.share AND p.device = d.idx \
         WHERE q.share = ?1 ORDER BY q.device",
    )?;
        let rows = stmt.query_map([share], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Marks a quarantine accepted; false when there is none open.
    pub(super) fn accept_quarantine(&self, share: i64, device: &[u8; 16], now: i64) -> Result<bool> {
        let conn = self.0;
        Ok(conn.execute(
            "UPDATE sync_quarantine SET accepted_at = ?3 WHERE share = ?1 AND device = ?2 AND accepted_at IS NULL",
            params![share, &device[..], now],
        )? > 0)
    }
}
