//! A new device identity for this vault (docs/formats/delta.md section 6.3), as the store
//! sees it: a new local device, and this device's changes from a point in the change log on
//! relabelled to it — the same values and clocks — in the change log, the conflicts that are
//! such values, and the records' field clocks. Sync decides when (`sync::engine::identity`).

use rusqlite::{params, Connection};

use crate::error::Result;
use crate::model::table_by_code;
use crate::store::changelog;
use crate::store::clocks::{FieldClock, RecordClocks};
use crate::store::hlc::Hlc;

/// Registers `new_id` as this vault's device (the old one, `old`, stays as another device) and
/// moves this device's changes after change-log row `from_change` to it. Returns the new
/// device's index, the label it took over, and the records whose changes moved: the caller
/// replays them (`Writer::replay_records`), because a value's device decides a tie between
/// values of one clock, so moving it can change which value a field shows.
pub(crate) fn move_to_new_device(
    tx: &Connection,
    old: u32,
    new_id: &[u8; 16],
    from_change: i64,
) -> Result<(u32, Option<String>, Vec<changelog::RecordKey>)> {
    let label: Option<String> = tx.query_row("SELECT label FROM devices WHERE idx = ?1", [old], |r| r.get(0))?;
    tx.execute("UPDATE devices SET local = 0 WHERE idx = ?1", [old])?;
    tx.execute("INSERT INTO devices (id, label, local) VALUES (?1, ?2, 1)", params![&new_id[..], label])?;
    let new = tx.last_insert_rowid() as u32;

    // The changes to relabel (this device's from the first lost delta on), and the names of them.
    let (relabelled, records) = changelog::relabel(tx, old, new, from_change)?;
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
    let mut moved: Vec<changelog::RecordKey> = Vec::with_capacity(records.len());
    for (tbl, rec) in records {
        if let Ok(id) = <[u8; 16]>::try_from(rec.as_slice()) {
            moved.push((tbl, id));
        }
    }
    moved.sort();
    Ok((new, label, moved))
}
