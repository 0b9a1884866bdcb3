//! Conflicts to review: fields where concurrent edits left competing values (the `conflicts`
//! table holds the losing heads; docs/formats/delta.md section 7). Listing them, and settling
//! one by keeping a value — a change that syncs like any other.

use rusqlite::params;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::clocks::{FieldClock, RecordClocks};
use super::hlc::Hlc;
use super::read::uuid_string;
use super::write::value_of;
use super::Store;
use crate::dates::format_timestamp;
use crate::error::{Error, Result};
use crate::model::{table_by_code, TableDef, Value, DELETED};

/// One field with competing values.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    /// Short id for `conflicts resolve` (the same on every device).
    pub id: String,
    pub case_id: String,
    /// `case`, `event`, `task` or `note`.
    pub record: String,
    pub record_id: String,
    pub field: String,
    /// The value shown now first (n = 1), then the others, newest first.
    pub values: Vec<ConflictValue>,
}

/// One competing value.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictValue {
    pub n: usize,
    pub value: serde_json::Value,
    /// Device id (hex) and its label when known.
    pub device: String,
    pub device_label: String,
    /// When it was written (its clock's wall-clock part).
    pub time: String,
    /// True for the value the case file shows now.
    pub shown: bool,
}

fn conflict_id(rec: &[u8], field: u8) -> String {
    let mut h = Sha256::new();
    h.update(rec);
    h.update([field]);
    crate::hex::short(&h.finalize(), 6)
}

fn json_of(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Int(i) => (*i).into(),
        Value::Text(t) => t.clone().into(),
        Value::Blob(b) => uuid_string(b).into(),
    }
}

/// A record's current value and clock of one field, and the case it belongs to.
struct Current {
    value: Value,
    clock: FieldClock,
    case_id: Vec<u8>,
}

/// The conflicts a caseworker decides: the contact book's keys are no caseworker decision
/// (docs/formats/bundle.md section 8), and of an attachment only its label is (what a blob is
/// never changes, a deleted attachment never comes back, and its key is never shown:
/// docs/formats/attachment.md section 6).
const DECIDABLE: &str = "tbl != 5 AND (tbl != 6 OR field = 8)";

impl Store {
    fn current(&self, table: &TableDef, rec: &[u8], field: u8) -> Result<Option<Current>> {
        let column = if field == DELETED {
            "deleted"
        } else {
            match table.field_by_code(field) {
                Some(f) => f.name,
                None => return Ok(None),
            }
        };
        let case_col = if table.field("case_id").is_some() { "case_id" } else { "id" };
        let sql = format!("SELECT {column}, hlc, device, clocks, {case_col} FROM {} WHERE id = ?1", table.table);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let row = stmt.query_row([rec], |r| {
            let created = FieldClock { hlc: Hlc(r.get::<_, i64>(1)? as u64), device: r.get(2)? };
            let clocks: Option<Vec<u8>> = r.get(3)?;
            Ok(Current {
                value: value_of(r.get_ref(0)?),
                clock: RecordClocks::decode(created, clocks.as_deref()).get(field),
                case_id: r.get::<_, Option<Vec<u8>>>(4)?.unwrap_or_default(),
            })
        });
        match row {
            Ok(c) => Ok(Some(c)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn device_names(&self, idx: u32) -> Result<(String, String)> {
        let row: Option<(Vec<u8>, Option<String>, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT d.id, d.label, (SELECT p.label FROM sync_peers p WHERE p.device = d.idx LIMIT 1) \
                 FROM devices d WHERE d.idx = ?1",
            )?
            .query_row([idx], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .ok();
        Ok(match row {
            Some((id, own, peer)) => (
                crate::hex::encode(&id),
                if idx == self.device { own.unwrap_or_else(|| "this device".into()) } else { peer.unwrap_or_default() },
            ),
            None => (String::new(), String::new()),
        })
    }

    /// Open conflicts, oldest record first. Fields whose competing values all equal the shown
    /// value are left out (nothing to decide).
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        let keys: Vec<(Vec<u8>, u8, u8)> = {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT DISTINCT rec, field, tbl FROM conflicts WHERE {DECIDABLE} ORDER BY rec, field"
            ))?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::new();
        for (rec, field, tbl) in keys {
            if let Some(c) = self.conflict_of(&rec, field, tbl)? {
                if c.values.iter().skip(1).any(|v| v.value != c.values[0].value) {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    fn conflict_of(&self, rec: &[u8], field: u8, tbl: u8) -> Result<Option<Conflict>> {
        let Some(table) = table_by_code(tbl) else { return Ok(None) };
        let Some(current) = self.current(table, rec, field)? else { return Ok(None) };
        let mut values = Vec::new();
        let (device, device_label) = self.device_names(current.clock.device)?;
        values.push(ConflictValue {
            n: 1,
            value: json_of(&current.value),
            device,
            device_label,
            time: format_timestamp(current.clock.hlc.millis()),
            shown: true,
        });
        for (value, hlc, dev) in self.competing(rec, field, &current.value)? {
            let (device, device_label) = self.device_names(dev)?;
            values.push(ConflictValue {
                n: values.len() + 1,
                value: json_of(&value),
                device,
                device_label,
                time: format_timestamp(Hlc(hlc as u64).millis()),
                shown: false,
            });
        }
        let field_name =
            if field == DELETED { "deleted" } else { table.field_by_code(field).map(|f| f.name).unwrap_or("?") };
        Ok(Some(Conflict {
            id: conflict_id(rec, field),
            case_id: uuid_string(&current.case_id),
            record: table.noun.to_string(),
            record_id: uuid_string(rec),
            field: field_name.to_string(),
            values,
        }))
    }

    /// The competing values of a field other than `shown`, newest first, each value once: two
    /// heads with the same value (a vault and its copy sending one edit under two identities)
    /// are one choice. Resolving supersedes every head whatever this list shows.
    fn competing(&self, rec: &[u8], field: u8, shown: &Value) -> Result<Vec<(Value, i64, u32)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT value, hlc, device FROM conflicts WHERE rec = ?1 AND field = ?2 ORDER BY hlc DESC, device",
        )?;
        let heads: Vec<(Value, i64, u32)> = stmt
            .query_map(params![rec, field], |r| Ok((value_of(r.get_ref(0)?), r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut seen = vec![shown.clone()];
        Ok(heads
            .into_iter()
            .filter(|(v, _, _)| {
                let fresh = !seen.contains(v);
                if fresh {
                    seen.push(v.clone());
                }
                fresh
            })
            .collect())
    }

    /// Settles conflict `id` by keeping value number `keep` (1 = the value shown now). The
    /// choice is a change that syncs and clears the conflict on every device that receives it.
    pub fn resolve_conflict(&mut self, id: &str, keep: usize) -> Result<Conflict> {
        let id = id.trim().to_ascii_lowercase();
        let keys: Vec<(Vec<u8>, u8, u8)> = {
            let mut stmt =
                self.conn.prepare(&format!("SELECT DISTINCT rec, field, tbl FROM conflicts WHERE {DECIDABLE}"))?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let Some((rec, field, tbl)) = keys.into_iter().find(|(rec, field, _)| conflict_id(rec, *field) == id) else {
            return Err(Error::NotFound { what: "conflict", id });
        };
        let conflict =
            self.conflict_of(&rec, field, tbl)?.ok_or_else(|| Error::NotFound { what: "conflict", id: id.clone() })?;
        if keep == 0 || keep > conflict.values.len() {
            return Err(Error::invalid(
                "--keep",
                &format!("this conflict has values 1 to {}; see `casebook conflicts list`", conflict.values.len()),
            ));
        }
        let table = table_by_code(tbl).ok_or_else(|| Error::invalid("conflict", "unknown record kind"))?;
        if table.field_by_code(field).is_some_and(|def| crate::model::set_at_creation_only(table, def)) {
            return Err(Error::invalid(
                "conflict",
                "this field is set once, when the record is created, and cannot be changed; another device \
                 created a record with the same id. Copy what you need into a new note",
            ));
        }
        let record: [u8; 16] =
            rec.as_slice().try_into().map_err(|_| Error::invalid("conflict", "damaged record id"))?;
        // The kept value, read back in its stored form (the list `conflict_of` showed).
        let shown = self.current(table, &rec, field)?.map(|c| c.value).unwrap_or(Value::Null);
        let value = if keep == 1 {
            shown
        } else {
            let mut heads = self.competing(&rec, field, &shown)?;
            if keep - 2 >= heads.len() {
                return Err(Error::NotFound { what: "conflict", id });
            }
            heads.swap_remove(keep - 2).0
        };
        self.write(|w| w.resolve(table, &record, field, value).map(|_| ()))?;
        Ok(conflict)
    }
}

#[cfg(test)]
mod decidable {
    use crate::model::{ATTACHMENT, PARTNER_KEY};

    #[test]
    fn the_undecidable_kinds_are_named_by_their_codes() {
        assert_eq!(
            super::DECIDABLE,
            format!(
                "tbl != {} AND (tbl != {} OR field = {})",
                PARTNER_KEY.code,
                ATTACHMENT.code,
                ATTACHMENT.field("label").unwrap().code
            )
        );
    }
}
