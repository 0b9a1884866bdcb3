//! Rollback and acceptance of a forked author's changes (docs/formats/delta.md section 11.2).
//! Voiding marks the changes of some deltas void in the change log and recomputes every record
//! they touched from the changes that still count ([`merge::replay`]), so the vault holds what
//! a vault that never applied those deltas holds. Accepting writes the void values again as this
//! device's own changes.

use std::collections::BTreeMap;

use rusqlite::{params, ToSql};

use super::{column, Change, Writer};
use crate::error::{Error, Result};
use crate::model::{table_by_code, FieldKind, TableDef, Value, CASE, DELETED, NOTE, TASK};
use crate::store::changelog::{self, RecordKey};
use crate::store::clocks::RecordClocks;
use crate::store::merge::{self, Replayed};

/// What a rollback or an acceptance changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Voided {
    /// Changes of the change log made void (or, accepting, written again).
    pub changes: usize,
    /// Records recomputed (or written).
    pub records: usize,
}

/// What a field shows for a stored value: the tombstone and booleans are 0 or 1, NULL is the
/// default of every other field.
fn shown_value(table: &TableDef, field: u8, value: Option<&Value>) -> Value {
    let flag = |v: Option<&Value>| Value::Int(i64::from(v.is_some_and(|v| *v != Value::Int(0) && *v != Value::Null)));
    if field == DELETED {
        return flag(value);
    }
    match table.field_by_code(field).map(|f| f.kind) {
        Some(FieldKind::Bool) => match value {
            None | Some(Value::Null) => Value::Int(0),
            Some(v) => v.clone(),
        },
        _ => value.cloned().unwrap_or(Value::Null),
    }
}

impl Writer<'_> {
    /// Voids what deltas `from_seq` onwards of device `author` brought, and recomputes every
    /// record they touched from the changes that still count. Changes voided before stay void.
    pub fn void_deltas(&mut self, author: u32, from_seq: u64) -> Result<Voided> {
        let (changes, records) = changelog::void(&self.tx, author, from_seq, self.clock.now_ms())?;
        if changes == 0 {
            return Ok(Voided::default());
        }
        let mut counted = changelog::counted_of(&self.tx, &records)?;
        for key in &records {
            let table = table_by_code(key.0).ok_or_else(|| Error::invalid("change log", "unknown record kind"))?;
            let log = counted.remove(key).unwrap_or_default();
            let replayed = merge::replay(&log, |f, v| shown_value(table, f, v), |d| self.device_id(d));
            self.rewrite(table, &key.1, replayed)?;
        }
        Ok(Voided { changes, records: records.len() })
    }

    /// Writes the void changes of deltas `from_seq` onwards of device `author` again as this
    /// device's own: per record, the last void value of each field, replacing what the field
    /// shows (its other competing values stay); a record the rollback removed is created again
    /// under its id.
    pub fn accept_voided(&mut self, author: u32, from_seq: u64) -> Result<Voided> {
        let mut last: BTreeMap<RecordKey, BTreeMap<u8, Value>> = BTreeMap::new();
        let mut n = 0;
        for (key, field, value) in changelog::voided_of(&self.tx, author, from_seq)? {
            last.entry(key).or_default().insert(field, value);
            n += 1;
        }
        for ((tbl, rec), fields) in &last {
            let table = table_by_code(*tbl).ok_or_else(|| Error::invalid("change log", "unknown record kind"))?;
            let clock = self.next_clock();
            let row = self.load(table, rec)?;
            let mut changes = Vec::new();
            for (&field, value) in fields {
                let prev = match &row {
                    Some(r) if r.value(table, field) == shown_value(table, field, Some(value)) => continue,
                    Some(r) => Some(r.clocks.get(field)),
                    None => None,
                };
                let (value, supersedes) = (value.clone(), Vec::new());
                changes.push(Change { table, record: *rec, field, value, clock, prev, supersedes });
            }
            if !changes.is_empty() {
                self.apply(&changes)?;
            }
        }
        Ok(Voided { changes: n, records: last.len() })
    }

    /// Replaces a record's row, field clocks and conflicts by what its replayed changes make
    /// (None: no change is left, the record goes).
    fn rewrite(&mut self, table: &'static TableDef, id: &[u8; 16], replayed: Option<Replayed>) -> Result<()> {
        let Some(old) = self.load(table, id)? else { return Ok(()) };
        if std::ptr::eq(table, &TASK) {
            self.due_cases.extend(self.case_of_task(old.rid)?);
        }
        self.tx.prepare_cached("DELETE FROM conflicts WHERE rec = ?1")?.execute([&id[..]])?;
        let Some(r) = replayed else {
            crate::search::forget(&self.tx, table, old.rid)?;
            self.tx.execute(&format!("DELETE FROM {} WHERE rid = ?1", table.table), [old.rid])?;
            return Ok(());
        };
        let mut clocks = RecordClocks::new(r.created);
        let mut sets = Vec::with_capacity(table.fields.len() + 1);
        let mut values: Vec<Value> = Vec::with_capacity(table.fields.len() + 1);
        for code in std::iter::once(DELETED).chain(table.fields.iter().map(|f| f.code)) {
            let value = match r.fields.get(&code) {
                Some(h) => {
                    if h.shown.1 != r.created {
                        clocks.set(code, h.shown.1);
                    }
                    h.shown.0.clone()
                }
                None => shown_value(table, code, None),
            };
            sets.push(format!("{} = ?{}", column(table, code)?, values.len() + 1));
            values.push(value);
        }
        let latest = self.display_ms(r.fields.values().map(|h| h.shown.1).chain(std::iter::once(r.created)));
        let created_ms = self.display_ms(std::iter::once(r.created));
        let n = values.len();
        let sql = format!(
            "UPDATE {} SET {}, hlc = ?{}, device = ?{}, clocks = ?{}, created_at = ?{}, updated_at = ?{} WHERE rid = ?{}",
            table.table,
            sets.join(", "),
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6
        );
        let (hlc, blob) = (r.created.hlc.0 as i64, clocks.encode());
        let mut args: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
        args.extend([&hlc as &dyn ToSql, &r.created.device, &blob, &created_ms, &latest, &old.rid]);
        self.tx.prepare_cached(&sql)?.execute(args.as_slice())?;
        let mut add = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO conflicts (rec, field, hlc, device, tbl, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (field, heads) in &r.fields {
            for (value, c) in &heads.others {
                add.execute(params![&id[..], field, c.hlc.0 as i64, c.device, table.code, value])?;
            }
        }
        drop(add);
        if std::ptr::eq(table, &CASE) {
            self.dirty_cases.push((old.rid, false));
        } else if std::ptr::eq(table, &NOTE) {
            self.dirty_notes.push((old.rid, false));
        } else if std::ptr::eq(table, &TASK) {
            self.due_cases.extend(self.case_of_task(old.rid)?);
        }
        Ok(())
    }
}
