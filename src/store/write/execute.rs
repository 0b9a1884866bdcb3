//! The two ends of the one record path around the pure plan (`store::merge::plan_record`):
//! [`Writer::record_state`] reads a record as the plan takes it (its fields' heads), and
//! [`Writer::execute`] writes what a plan (or a rollback's replay) makes of it — the row, its
//! field clocks and conflicts, and the search and due-date upkeep — as the difference between
//! the record before and after.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rusqlite::{params, ToSql};

use super::{column, value_of, Writer};
use crate::error::Result;
use crate::model::{FieldKind, TableDef, Value, CASE, DELETED, NOTE, TASK};
use crate::store::clocks::{FieldClock, RecordClocks};
use crate::store::hlc::Hlc;
use crate::store::merge::{Heads, Replayed};

/// What a field shows for a stored value: the tombstone and booleans are 0 or 1, NULL is the
/// default of every other field.
pub(super) fn shown_value(table: &TableDef, field: u8, value: Option<&Value>) -> Value {
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

/// Every field code of a record kind, the tombstone first.
fn codes(table: &TableDef) -> impl Iterator<Item = u8> + '_ {
    std::iter::once(DELETED).chain(table.fields.iter().map(|f| f.code))
}

/// A field's heads in `r`, or its default at the creation's clock when no change touched it.
fn heads_of<'r>(table: &TableDef, r: &'r Replayed, code: u8) -> Cow<'r, Heads> {
    match r.fields.get(&code) {
        Some(h) => Cow::Borrowed(h),
        None => Cow::Owned(Heads { shown: (shown_value(table, code, None), r.created), others: Vec::new() }),
    }
}

/// A record as it was before a write, as [`Writer::execute`] compares it: its row id, its
/// creation's clock, and the heads of the fields that may have changed (a plan's
/// `RecordPlan::before`, or every field for a rollback).
pub(super) struct Before<'a> {
    pub rid: i64,
    pub created: FieldClock,
    pub fields: &'a BTreeMap<u8, Heads>,
}

impl Writer<'_> {
    /// A record as the plan takes it: its row id and every field's heads (the shown value and
    /// clock, and its conflicts). None: no such record.
    pub(super) fn record_state(&self, table: &TableDef, id: &[u8; 16]) -> Result<Option<(i64, Replayed)>> {
        let Some(row) = self.load(table, id)? else { return Ok(None) };
        let mut fields = BTreeMap::new();
        for code in codes(table) {
            let shown = (row.value(table, code), row.clocks.get(code));
            fields.insert(code, Heads { shown, others: Vec::new() });
        }
        if self.tx.prepare_cached("SELECT 1 FROM conflicts WHERE rec = ?1 LIMIT 1")?.exists([&id[..]])? {
            let mut stmt = self.tx.prepare_cached("SELECT field, hlc, device, value FROM conflicts WHERE rec = ?1")?;
            let mut rows = stmt.query([&id[..]])?;
            while let Some(r) = rows.next()? {
                let clock = FieldClock { hlc: Hlc(r.get::<_, i64>(1)? as u64), device: r.get(2)? };
                if let Some(h) = fields.get_mut(&r.get::<_, u8>(0)?) {
                    h.others.push((value_of(r.get_ref(3)?), clock));
                }
            }
        }
        Ok(Some((row.rid, Replayed { created: row.clocks.created, fields })))
    }

    /// Writes the difference between a record `before` (None: no row) and `after` (None: the
    /// record goes): the row's columns, creation and field clocks, the conflicts that left or
    /// joined, and the search and due-date upkeep. Only the fields `before` names are compared.
    /// `exact`: the row's times are set from `after` (a rollback), not only moved forward.
    pub(super) fn execute(
        &mut self,
        table: &'static TableDef,
        id: &[u8; 16],
        before: Option<Before<'_>>,
        after: Option<&Replayed>,
        exact: bool,
    ) -> Result<()> {
        match (before, after) {
            (None, None) => Ok(()),
            (None, Some(a)) => self.insert_row(table, id, a),
            (Some(b), None) => self.remove_row(table, id, b.rid),
            (Some(b), Some(a)) => self.update_row(table, id, &b, a, exact),
        }
    }

    fn insert_row(&mut self, table: &'static TableDef, id: &[u8; 16], a: &Replayed) -> Result<()> {
        let mut clocks = RecordClocks::new(a.created);
        let mut values = Vec::with_capacity(table.fields.len() + 1);
        for code in codes(table) {
            let h = heads_of(table, a, code);
            if h.shown.1 != a.created {
                clocks.set(code, h.shown.1);
            }
            values.push(h.into_owned().shown.0);
        }
        let cols: Vec<&str> = table.fields.iter().map(|f| f.name).collect();
        let sql = format!(
            "INSERT INTO {} (id, created_at, updated_at, hlc, device, clocks, deleted, {}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, {})",
            table.table,
            cols.join(", "),
            (7..8 + cols.len()).map(|n| format!("?{n}")).collect::<Vec<_>>().join(", ")
        );
        let id_ref: &[u8] = id;
        let created_ms = self.display_ms(std::iter::once(a.created));
        let latest_ms = self.display_ms(a.fields.values().map(|h| h.shown.1).chain(std::iter::once(a.created)));
        let (hlc, blob) = (a.created.hlc.0 as i64, clocks.encode());
        let mut args: Vec<&dyn ToSql> = vec![&id_ref, &created_ms, &latest_ms, &hlc, &a.created.device, &blob];
        args.extend(values.iter().map(|v| v as &dyn ToSql));
        self.tx.prepare_cached(&sql)?.execute(args.as_slice())?;
        let rid = self.tx.last_insert_rowid();
        let none = BTreeMap::new();
        self.write_conflicts(table, id, codes(table), &none, a)?;
        let touched: Vec<u8> = codes(table).collect();
        self.mark_dirty(table, rid, true, &touched)
    }

    fn remove_row(&mut self, table: &'static TableDef, id: &[u8; 16], rid: i64) -> Result<()> {
        if std::ptr::eq(table, &TASK) {
            let case = self.case_of_task(rid)?;
            self.due_cases.extend(case);
        }
        self.tx.prepare_cached("DELETE FROM conflicts WHERE rec = ?1")?.execute([&id[..]])?;
        crate::store::index::forget(&self.tx, table, rid)?;
        self.tx.execute(&format!("DELETE FROM {} WHERE rid = ?1", table.table), [rid])?;
        Ok(())
    }

    fn update_row(
        &mut self,
        table: &'static TableDef,
        id: &[u8; 16],
        b: &Before<'_>,
        a: &Replayed,
        exact: bool,
    ) -> Result<()> {
        let rid = b.rid;
        let mut clocks = RecordClocks::new(a.created);
        for code in codes(table) {
            let c = a.fields.get(&code).map_or(a.created, |h| h.shown.1);
            if c != a.created {
                clocks.set(code, c);
            }
        }
        let mut sets = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut changed: Vec<u8> = Vec::new();
        for (&code, was) in b.fields {
            let now = heads_of(table, a, code);
            if now.shown != was.shown {
                sets.push(format!("{} = ?{}", column(table, code)?, values.len() + 1));
                values.push(now.shown.0.clone());
                changed.push(code);
            }
        }
        let moved = a.created != b.created;
        if std::ptr::eq(table, &TASK) && exact {
            // A rollback may move the task to another case: both cases' next due date.
            let case = self.case_of_task(rid)?;
            self.due_cases.extend(case);
        }
        if !changed.is_empty() || moved {
            let n = values.len();
            let latest = if exact {
                self.display_ms(a.fields.values().map(|h| h.shown.1).chain(std::iter::once(a.created)))
            } else {
                self.display_ms(changed.iter().map(|c| a.fields.get(c).map_or(a.created, |h| h.shown.1)))
            };
            let (hlc, blob, created_ms) =
                (a.created.hlc.0 as i64, clocks.encode(), self.display_ms(std::iter::once(a.created)));
            sets.push(format!("clocks = ?{}", n + 1));
            sets.push(if exact {
                format!("updated_at = ?{}", n + 2)
            } else {
                format!("updated_at = max(updated_at, ?{})", n + 2)
            });
            let mut args: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
            args.push(&blob);
            args.push(&latest);
            if moved {
                sets.push(format!("hlc = ?{}, device = ?{}, created_at = ?{}", n + 3, n + 4, n + 5));
                args.extend([&hlc as &dyn ToSql, &a.created.device, &created_ms]);
            }
            let sql = format!("UPDATE {} SET {} WHERE rid = ?{}", table.table, sets.join(", "), args.len() + 1);
            args.push(&rid);
            self.tx.prepare_cached(&sql)?.execute(args.as_slice())?;
        }
        self.write_conflicts(table, id, b.fields.keys().copied(), b.fields, a)?;
        if !changed.is_empty() {
            self.mark_dirty(table, rid, false, &changed)?;
        }
        Ok(())
    }

    /// The conflicts of the fields `codes` that left (in `before`, not in `after`) and joined.
    fn write_conflicts(
        &self,
        table: &TableDef,
        id: &[u8; 16],
        codes: impl Iterator<Item = u8>,
        before: &BTreeMap<u8, Heads>,
        a: &Replayed,
    ) -> Result<()> {
        const NONE: &[(Value, FieldClock)] = &[];
        for code in codes {
            let was = before.get(&code).map_or(NONE, |h| &h.others[..]);
            let now = a.fields.get(&code).map_or(NONE, |h| &h.others[..]);
            if was == now {
                continue;
            }
            let mut del = self
                .tx
                .prepare_cached("DELETE FROM conflicts WHERE rec = ?1 AND field = ?2 AND hlc = ?3 AND device = ?4")?;
            for (_, c) in was.iter().filter(|o| !now.iter().any(|n| n.1 == o.1)) {
                del.execute(params![&id[..], code, c.hlc.0 as i64, c.device])?;
            }
            let mut add = self.tx.prepare_cached(
                "INSERT OR IGNORE INTO conflicts (rec, field, hlc, device, tbl, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (value, c) in now.iter().filter(|n| !was.iter().any(|o| o.1 == n.1)) {
                add.execute(params![&id[..], code, c.hlc.0 as i64, c.device, table.code, value])?;
            }
        }
        Ok(())
    }

    /// Queues the search and due-date upkeep a write of `fields` to row `rid` needs.
    fn mark_dirty(&mut self, table: &TableDef, rid: i64, inserted: bool, fields: &[u8]) -> Result<()> {
        if std::ptr::eq(table, &CASE) {
            let indexed = crate::store::index::NAME_FIELDS;
            let touches_index =
                |&f: &u8| f == DELETED || table.field_by_code(f).is_some_and(|d| indexed.contains(&d.name));
            if inserted || fields.iter().any(touches_index) {
                self.dirty_cases.push((rid, inserted));
            }
        } else if std::ptr::eq(table, &NOTE) {
            self.dirty_notes.push((rid, inserted));
        } else if std::ptr::eq(table, &TASK) {
            let case = self.case_of_task(rid)?;
            self.due_cases.extend(case);
        }
        Ok(())
    }
}
