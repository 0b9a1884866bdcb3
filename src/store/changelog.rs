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

/// Appends applied changes of one record kind, with the delta they came in (`origin`).
pub(crate) fn append(conn: &Connection, table: &TableDef, changes: &[&Change], origin: Option<u64>) -> Result<()> {
    let mut log = conn.prepare_cached(
        "INSERT INTO changes (tbl, rec, field, value, hlc, device, prev_hlc, prev_device, supersedes, origin) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let origin = origin.map(|o| o as i64);
    for c in changes {
        let supersedes = (!c.supersedes.is_empty()).then(|| encode_clocks(&c.supersedes));
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
            origin
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
        let mut stmt =
            conn.prepare("SELECT seq, prev_hlc, prev_device, supersedes FROM changes WHERE prev_device = ?1 OR supersedes IS NOT NULL")?;
        let mut rows = stmt.query([old])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let prev = r.get::<_, Option<i64>>(1)?.zip(r.get::<_, Option<u32>>(2)?);
            let prev_moved = prev.is_some_and(|(h, d)| moved(FieldClock { hlc: Hlc(h as u64), device: d }));
            let sup = r.get::<_, Option<Vec<u8>>>(3)?.map(|b| decode_clocks(&b));
            let sup_moved = sup.as_ref().is_some_and(|s| s.iter().any(|c| moved(*c)));
            if prev_moved || sup_moved {
                let sup = sup.map(|s| {
                    let s: Vec<FieldClock> =
                        s.into_iter().map(|c| if moved(c) { FieldClock { device: new, ..c } } else { c }).collect();
                    encode_clocks(&s)
                });
                named.push((seq, prev_moved, sup));
            }
        }
    }
    for (seq, prev_moved, sup) in named {
        if prev_moved {
            conn.execute("UPDATE changes SET prev_device = ?1 WHERE seq = ?2", params![new, seq])?;
        }
        conn.execute("UPDATE changes SET supersedes = ?1 WHERE seq = ?2", params![sup, seq])?;
    }
    Ok((moved_hlc, records))
}

/// A value a local change replaced knowingly: (record, field, HLC, device id).
pub(crate) type Replaced = ([u8; 16], u8, u64, Vec<u8>);

/// Every value a local change replaced knowingly (named as its `prev`).
pub(crate) fn replaced(conn: &Connection) -> Result<Vec<Replaced>> {
    let mut stmt = conn.prepare(
        "SELECT c.rec, c.field, c.prev_hlc, d.id FROM changes c JOIN devices d ON d.idx = c.prev_device \
         WHERE c.prev_hlc IS NOT NULL",
    )?;
    let mut out = Vec::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let rec: Vec<u8> = r.get(0)?;
        let Ok(rec) = <[u8; 16]>::try_from(rec) else { continue };
        out.push((rec, r.get(1)?, r.get::<_, i64>(2)? as u64, r.get(3)?));
    }
    Ok(out)
}
