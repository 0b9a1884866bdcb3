//! A new device identity for a vault that a copy of it wrote past (docs/formats/delta.md
//! section 6.3). A vault restored from a backup, or copied to a second laptop, meets deltas of
//! its own device on the share that it does not remember, or finds one of its deltas replaced
//! by another version: its sequence numbers are no longer its own. Rather than stop sending
//! for good, it continues as a new device:
//! - a new device id and signing key, and a device record for them;
//! - its old identity becomes a peer, applied up to the last delta the share holds as this
//!   vault wrote it, so the deltas its copy wrote are applied like anyone else's;
//! - its own changes from the fork point on (the lost delta's and the unsent ones) are
//!   relabelled to the new device — the same values and clocks, which no other device holds
//!   under the old identity from this vault — and sent again under the new identity.
//!
//! Nothing is lost and no sequence number is used twice. The group accepts the new device
//! as it accepts any device holding the group key (the membership issue adds approval).

use rusqlite::params;
use zeroize::Zeroizing;

use super::{hex, raise, Attached, SyncReport};
use crate::error::Result;
use crate::model::table_by_code;
use crate::store::changelog;
use crate::store::clocks::{FieldClock, RecordClocks};
use crate::store::hlc::Hlc;
use crate::store::Store;

/// Moves this vault to a new device identity from `fork_at`, the first sequence number of its
/// old identity that the share does not hold as this vault wrote it. Returns the new id.
pub(super) fn renew(
    store: &mut Store,
    a: &Attached,
    old_id: &[u8; 16],
    fork_at: u64,
    report: &mut SyncReport,
) -> Result<[u8; 16]> {
    let old = store.device;
    let (kept_seq, kept_change, kept_hash): (i64, i64, Vec<u8>) = store
        .conn
        .query_row(
            "SELECT seq, last_change, hash FROM sync_sent WHERE share = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1",
            params![a.idx, fork_at as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok((0, 0, vec![0; 32])) } else { Err(e) })?;
    let mut new_id = [0u8; 16];
    store.entropy.fill(&mut new_id);
    let mut seed = Zeroizing::new([0u8; 32]);
    store.entropy.fill(&mut seed[..]);
    let old_public = a.signing.verifying_key().to_bytes();
    let now = store.clock.now_ms() as i64;

    let tx = store.conn.transaction()?;
    let label: Option<String> = tx.query_row("SELECT label FROM devices WHERE idx = ?1", [old], |r| r.get(0))?;
    tx.execute("UPDATE devices SET local = 0 WHERE idx = ?1", [old])?;
    tx.execute("INSERT INTO devices (id, label, local) VALUES (?1, ?2, 1)", params![&new_id[..], label])?;
    let new = tx.last_insert_rowid() as u32;

    // The changes to relabel (this device's from the first lost delta on), and the names of them.
    let (relabelled, records) = changelog::relabel(&tx, old, new, kept_change)?;
    let moved = |c: FieldClock| c.device == old && relabelled.contains(&c.hlc.0);
    // Conflicts that are relabelled values.
    {
        let mut conflicts = Vec::new();
        let mut stmt = tx.prepare("SELECT rec, field, hlc FROM conflicts WHERE device = ?1")?;
        let mut rows = stmt.query([old])?;
        while let Some(r) = rows.next()? {
            let hlc: i64 = r.get(2)?;
            if relabelled.contains(&(hlc as u64)) {
                conflicts.push((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?, hlc));
            }
        }
        for (rec, field, hlc) in conflicts {
            tx.execute(
                "UPDATE conflicts SET device = ?1 WHERE rec = ?2 AND field = ?3 AND hlc = ?4 AND device = ?5",
                params![new, rec, field, hlc, old],
            )?;
        }
    }
    // The records' creation and field clocks.
    for (tbl, rec) in &records {
        let Some(table) = table_by_code(*tbl) else { continue };
        let row: Option<(i64, i64, u32, Option<Vec<u8>>)> = tx
            .query_row(&format!("SELECT rid, hlc, device, clocks FROM {} WHERE id = ?1", table.table), [rec], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map(Some)
            .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })?;
        let Some((rid, hlc, device, blob)) = row else { continue };
        let created = FieldClock { hlc: Hlc(hlc as u64), device };
        let mut clocks = RecordClocks::decode(created, blob.as_deref());
        clocks.relabel(|c| if moved(c) { FieldClock { device: new, ..c } } else { c });
        tx.execute(
            &format!("UPDATE {} SET device = ?1, clocks = ?2 WHERE rid = ?3", table.table),
            params![clocks.created.device, clocks.encode(), rid],
        )?;
    }
    // The old identity is a peer now, applied as far as the share holds it as this vault wrote it.
    tx.execute(
        "INSERT INTO sync_peers (share, device, signing_key, label, applied_seq, applied_hash, heard_at, reads) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![a.idx, old, &old_public[..], label, kept_seq, kept_hash, now, crate::sync::format::READER],
    )?;
    tx.execute(
        "DELETE FROM sync_received WHERE share = ?1 AND device = ?2 AND seq > ?3",
        params![a.idx, old, kept_seq],
    )?;
    tx.execute("DELETE FROM sync_sent WHERE share = ?1", [a.idx])?;
    tx.execute(
        "UPDATE shares SET signing_key = ?1, scanned_upto = ?2 WHERE idx = ?3",
        params![&seed[..], kept_change, a.idx],
    )?;
    tx.commit()?;
    store.device = new;
    let detail = format!(
        "a copy of this vault wrote under its device id (from delta {fork_at} on), so this vault now writes as a new \
         device, {}; its changes since then are sent again under the new device, and what the copy wrote is applied \
         here like any other device's. Keep using one copy of the vault only",
        hex(&new_id)
    );
    raise(store, a, old_id, fork_at, "new_identity", &detail, &mut report.alarms)?;
    Ok(new_id)
}
