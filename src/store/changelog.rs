//! The change log (`changes`, docs/formats/database.md section 4): the one module that writes
//! and reads it. The write path appends every applied change; sync reads this device's rows to
//! send, asks where a value came from, and relabels rows for a new device identity; import asks
//! which values local edits replaced knowingly.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension};

use super::clocks::FieldClock;
use super::hlc::Hlc;
use super::write::{value_of, Change};
use crate::error::Result;
use crate::model::{TableDef, Value};

/// `supersedes` as stored in the change log: 12 bytes per clock (HLC, device index).
pub fn encode_clocks(clocks: &[FieldClock]) -> Vec<u8> {
    let mut out = Vec::with_capacity(clocks.len() * 12);
    for c in clocks {
        out.extend_from_slice(&c.hlc.0.to_be_bytes());
        out.extend_from_slice(&c.device.to_be_bytes());
    }
    out
}

/// Reads [`encode_clocks`] back (whole entries only).
pub fn decode_clocks(bytes: &[u8]) -> Vec<FieldClock> {
    bytes
        .chunks_exact(12)
        .map(|e| FieldClock {
            hlc: Hlc(u64::from_be_bytes(e[..8].try_into().expect("8 bytes"))),
            device: u32::from_be_bytes(e[8..].try_into().expect("4 bytes")),
        })
        .collect()
}

/// An applied change with the names it made that did not count (outside its author's causal
/// past: docs/formats/delta.md section 7), kept so that a replay of the log counts the same.
pub(crate) type Applied<'c> = (&'c Change, Vec<FieldClock>);

/// Appends applied changes of one record kind, with the delta they came in (`origin`).
pub(crate) fn append(conn: &Connection, table: &TableDef, changes: &[Applied<'_>], origin: Option<u64>) -> Result<()> {
    let mut log = conn.prepare_cached(
        "INSERT INTO changes (tbl, rec, field, value, hlc, device, prev_hlc, prev_device, supersedes, origin, unnamed) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let origin = origin.map(|o| o as i64);
    for (c, unnamed) in changes {
        let supersedes = (!c.supersedes.is_empty()).then(|| encode_clocks(&c.supersedes));
        let unnamed = (!unnamed.is_empty()).then(|| encode_clocks(unnamed));
        log.execute(params![
            table.code,
            &c.record[..],
            c.field,
            &c.value,
            c.clock.hlc.0 as i64,
            c.clock.device,
            c.prev.map(|p| p.hlc.0 as i64),
            c.prev.map(|p| p.device),
            supersedes,
            origin,
            unnamed
        ])?;
    }
    Ok(())
}

/// One row of the change log as sync reads it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub seq: i64,
    pub table: u8,
    pub record: [u8; 16],
    pub field: u8,
    pub value: Value,
    pub hlc: u64,
    pub prev: Option<FieldClock>,
    pub supersedes: Vec<FieldClock>,
}

/// The rows of `device` after `after` and up to `upto`, at most `limit`, in log order.
pub fn of_device(conn: &Connection, device: u32, after: i64, upto: i64, limit: usize) -> Result<Vec<Logged>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, tbl, rec, field, value, hlc, prev_hlc, prev_device, supersedes FROM changes \
         WHERE seq > ?1 AND seq <= ?2 AND device = ?3 ORDER BY seq LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![after, upto, device, limit as i64], |r| {
        let rec: Vec<u8> = r.get(2)?;
        let prev = r.get::<_, Option<i64>>(6)?.zip(r.get::<_, Option<u32>>(7)?);
        Ok(Logged {
            seq: r.get(0)?,
            table: r.get(1)?,
            record: rec.as_slice().try_into().unwrap_or([0; 16]),
            field: r.get(3)?,
            value: value_of(r.get_ref(4)?),
            hlc: r.get::<_, i64>(5)? as u64,
            prev: prev.map(|(h, d)| FieldClock { hlc: Hlc(h as u64), device: d }),
            supersedes: r.get::<_, Option<Vec<u8>>>(8)?.map(|b| decode_clocks(&b)).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Where the value `clock` of (`record`, `field`) is in the log: its row and the delta of its
/// device that brought it (None for a local change, an import, or a row from before version 5).
/// None: the log has no such value.
pub(crate) fn place_of(
    conn: &Connection,
    record: &[u8; 16],
    field: u8,
    clock: FieldClock,
) -> Result<Option<(i64, Option<u64>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT seq, origin FROM changes WHERE hlc = ?1 AND device = ?2 AND rec = ?3 AND field = ?4 LIMIT 1",
        )?
        .query_row(params![clock.hlc.0 as i64, clock.device, &record[..], field], |r| {
            Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.map(|o| o as u64)))
        })
        .optional()?)
}

/// The highest row of the log (0 when empty).
pub fn last_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| r.get(0))?)
}

/// What [`relabel`] moved: the HLCs of the rows, and the records (table code, id) they belong to.
pub(crate) type Relabelled = (HashSet<u64>, HashSet<(u8, Vec<u8>)>);

/// Moves the rows of device `old` after row `after` to device `new` (a new identity), and the
/// names (`prev`, `supersedes`) that point at them. Returns the clocks moved and the records
/// they belong to, for the caller to relabel field clocks and conflicts.
pub(crate) fn relabel(conn: &Connection, old: u32, new: u32, after: i64) -> Result<Relabelled> {
    let mut moved_hlc: HashSet<u64> = HashSet::new();
    let mut records: HashSet<(u8, Vec<u8>)> = HashSet::new();
    {
        let mut stmt = conn.prepare("SELECT hlc, tbl, rec FROM changes WHERE device = ?1 AND seq > ?2")?;
        let mut rows = stmt.query(params![old, after])?;
        while let Some(r) = rows.next()? {
            moved_hlc.insert(r.get::<_, i64>(0)? as u64);
            records.insert((r.get(1)?, r.get(2)?));
        }
    }
    let moved = |c: FieldClock| c.device == old && moved_hlc.contains(&c.hlc.0);
    conn.execute("UPDATE changes SET device = ?1 WHERE device = ?2 AND seq > ?3", params![new, old, after])?;
    let mut named = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT seq, prev_hlc, prev_device, supersedes, unnamed FROM changes \
             WHERE prev_device = ?1 OR supersedes IS NOT NULL OR unnamed IS NOT NULL",
        )?;
        let mut rows = stmt.query([old])?;
        let relabelled = |blob: Option<Vec<u8>>| -> (bool, Option<Vec<u8>>) {
            let Some(clocks) = blob.map(|b| decode_clocks(&b)) else { return (false, None) };
            let any = clocks.iter().any(|c| moved(*c));
            let clocks: Vec<FieldClock> =
                clocks.into_iter().map(|c| if moved(c) { FieldClock { device: new, ..c } } else { c }).collect();
            (any, Some(encode_clocks(&clocks)))
        };
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let prev = r.get::<_, Option<i64>>(1)?.zip(r.get::<_, Option<u32>>(2)?);
            let prev_moved = prev.is_some_and(|(h, d)| moved(FieldClock { hlc: Hlc(h as u64), device: d }));
            let (sup_moved, sup) = relabelled(r.get(3)?);
            let (unnamed_moved, unnamed) = relabelled(r.get(4)?);
            if prev_moved || sup_moved || unnamed_moved {
                named.push((seq, prev_moved, sup, unnamed));
            }
        }
    }
    for (seq, prev_moved, sup, unnamed) in named {
        if prev_moved {
            conn.execute("UPDATE changes SET prev_device = ?1 WHERE seq = ?2", params![new, seq])?;
        }
        conn.execute("UPDATE changes SET supersedes = ?1, unnamed = ?2 WHERE seq = ?3", params![sup, unnamed, seq])?;
    }
    Ok((moved_hlc, records))
}

/// A record as the change log names it: (table code, record id).
pub(crate) type RecordKey = (u8, [u8; 16]);

/// Marks void (at `now` ms) the changes that deltas `from_seq` onwards of device `author`
/// brought and that are not void yet. Returns how many, and the records they touched.
pub(crate) fn void(conn: &Connection, author: u32, from_seq: u64, now: u64) -> Result<(usize, Vec<RecordKey>)> {
    let mut records: Vec<RecordKey> = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT DISTINCT tbl, rec FROM changes WHERE device = ?1 AND origin >= ?2 AND voided IS NULL ORDER BY tbl, rec",
        )?;
        let mut rows = stmt.query(params![author, from_seq as i64])?;
        while let Some(r) = rows.next()? {
            let rec: Vec<u8> = r.get(1)?;
            if let Ok(rec) = <[u8; 16]>::try_from(rec) {
                records.push((r.get(0)?, rec));
            }
        }
    }
    let n = conn.execute(
        "UPDATE changes SET voided = ?3 WHERE device = ?1 AND origin >= ?2 AND voided IS NULL",
        params![author, from_seq as i64, now as i64],
    )?;
    Ok((n, records))
}

/// The changes that still count (not void) of each of `records`, in log order, as
/// [`merge::replay`](super::merge::replay) takes them: the names that counted only.
pub(crate) fn counted_of(
    conn: &Connection,
    records: &[RecordKey],
) -> Result<std::collections::HashMap<RecordKey, Vec<super::merge::Counted>>> {
    let wanted: HashSet<RecordKey> = records.iter().copied().collect();
    let mut out: std::collections::HashMap<RecordKey, Vec<super::merge::Counted>> = Default::default();
    // One pass over the log (a rollback is rare; an index on records would cost every write).
    let mut stmt = conn.prepare(
        "SELECT tbl, rec, field, value, hlc, device, prev_hlc, prev_device, supersedes, unnamed FROM changes \
         WHERE voided IS NULL ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let rec: Vec<u8> = r.get(1)?;
        let Ok(rec) = <[u8; 16]>::try_from(rec) else { continue };
        let key = (r.get::<_, u8>(0)?, rec);
        if !wanted.contains(&key) {
            continue;
        }
        let prev = r.get::<_, Option<i64>>(6)?.zip(r.get::<_, Option<u32>>(7)?);
        let unnamed = r.get::<_, Option<Vec<u8>>>(9)?.map(|b| decode_clocks(&b)).unwrap_or_default();
        let mut names: Vec<FieldClock> =
            prev.map(|(h, d)| FieldClock { hlc: Hlc(h as u64), device: d }).into_iter().collect();
        names.extend(r.get::<_, Option<Vec<u8>>>(8)?.map(|b| decode_clocks(&b)).unwrap_or_default());
        names.retain(|n| !unnamed.contains(n));
        out.entry(key).or_default().push(super::merge::Counted {
            field: r.get(2)?,
            value: value_of(r.get_ref(3)?),
            clock: FieldClock { hlc: Hlc(r.get::<_, i64>(4)? as u64), device: r.get(5)? },
            names,
        });
    }
    Ok(out)
}

/// The void changes of deltas `from_seq` onwards of device `author`, in log order: (record,
/// field, value), for a person who accepts them to write them again as their own.
pub(crate) fn voided_of(conn: &Connection, author: u32, from_seq: u64) -> Result<Vec<(RecordKey, u8, Value)>> {
    let mut stmt = conn.prepare(
        "SELECT tbl, rec, field, value FROM changes WHERE device = ?1 AND origin >= ?2 AND voided IS NOT NULL ORDER BY seq",
    )?;
    let mut rows = stmt.query(params![author, from_seq as i64])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let rec: Vec<u8> = r.get(1)?;
        let Ok(rec) = <[u8; 16]>::try_from(rec) else { continue };
        out.push(((r.get(0)?, rec), r.get(2)?, value_of(r.get_ref(3)?)));
    }
    Ok(out)
}
