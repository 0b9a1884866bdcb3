//! The one write path. Every change to a record — local edits, remote deltas, imports and
//! conflict resolutions — goes through one merge, per record, in the caller's transaction:
//! (1) gather the record as it is and the names each change may make, (2) plan
//! ([`super::merge::plan_record`], pure: a change replaces what it names, concurrent values
//! compete by clock), (3) append every applied change to the change log with its delta of
//! origin, (4) execute the plan (`execute.rs`: the materialised row, its field clocks and
//! conflicts, and the search and due-date upkeep).

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Savepoint, ToSql};
use uuid::Uuid;

use super::changelog;
use super::clocks::{FieldClock, RecordClocks};

mod execute;
use execute::shown_value;
mod heads;
mod local;
mod rollback;
use super::hlc::Hlc;
use super::merge;
use super::Store;
use crate::entropy::{Clock, Entropy};
use crate::error::{Error, Result};
use crate::model::{FieldKind, TableDef, Value, DELETED};
pub use rollback::Voided;

/// One field-level change, as recorded in the change log and shipped by sync.
#[derive(Debug, Clone)]
pub struct Change {
    /// Record kind (see `model::TABLES`).
    pub table: &'static TableDef,
    /// Record id.
    pub record: [u8; 16],
    /// Field code (0 = tombstone).
    pub field: u8,
    pub value: Value,
    pub clock: FieldClock,
    /// Clock of the value this change replaced on the writing device (None: it had none).
    pub prev: Option<FieldClock>,
    /// Other competing values this change settles (a conflict resolution); usually empty.
    pub supersedes: Vec<FieldClock>,
}

/// Where the changes of a delta come from, for the check that a change names only values of
/// its author's causal past.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The share (`shares.idx`) the delta came through.
    pub share: i64,
    /// The author's local device index.
    pub author: u32,
    /// The delta's sequence number.
    pub seq: u64,
    /// Its dependencies: per local device index, the author's applied position.
    pub deps: std::collections::HashMap<u32, u64>,
}

pub use super::changelog::{decode_clocks, encode_clocks};

/// A stored value as a [`Value`].
pub fn value_of(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        ValueRef::Real(f) => Value::Text(f.to_string()),
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

/// Writes inside one transaction. Obtain one with [`Store::write`].
pub struct Writer<'a> {
    /// A transaction of its own, or a savepoint inside the store's open batch.
    pub(super) tx: Savepoint<'a>,
    /// Inside a batch: the search rows to recompute go to the batch, reindexed once at its end.
    batch: Option<&'a mut super::Batch>,
    device: u32,
    hlc: &'a mut Hlc,
    clock: &'a dyn Clock,
    entropy: &'a mut dyn Entropy,
    faults: &'a dyn crate::entropy::Faults,
    /// Search rows to recompute at commit: (row id, inserted in this transaction).
    dirty_cases: Vec<(i64, bool)>,
    dirty_notes: Vec<(i64, bool)>,
    /// Cases whose `next_due` must be recomputed at commit (a task of theirs changed).
    due_cases: Vec<Vec<u8>>,
    /// Attachments deleted in this transaction: their keys are scrubbed at commit
    /// (docs/formats/attachment.md section 8).
    scrub: Vec<[u8; 16]>,
}

impl Store {
    /// Runs `f` in one transaction: everything it writes lands together or not at all. Inside
    /// a batch ([`Store::begin_batch`]) it is a savepoint of the batch's transaction: a failure
    /// rolls back `f`'s writes only, and the batch commits them all at its end.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let mut hlc = self.hlc;
        // A savepoint outside a transaction begins one (deferred) and its release commits it.
        let tx = self.conn.savepoint()?;
        let mut w = Writer {
            tx,
            batch: self.batch.as_mut(),
            device: self.device,
            hlc: &mut hlc,
            clock: self.clock.as_ref(),
            entropy: self.entropy.as_mut(),
            faults: self.faults.as_ref(),
            dirty_cases: Vec::new(),
            dirty_notes: Vec::new(),
            due_cases: Vec::new(),
            scrub: Vec::new(),
        };
        let out = f(&mut w)?;
        w.finish()?;
        self.hlc = hlc;
        Ok(out)
    }
}

impl Writer<'_> {
    /// A crash point inside the transaction (crash tests end the process here).
    pub fn reached(&self, point: &str) {
        self.faults.reached(point);
    }

    fn finish(mut self) -> Result<()> {
        for id in std::mem::take(&mut self.scrub) {
            super::attachments::scrub_key(&self.tx, &id)?;
        }
        self.due_cases.sort();
        self.due_cases.dedup();
        for case in &self.due_cases {
            self.tx
                .prepare_cached(
                    "UPDATE cases SET next_due = (SELECT min(due) FROM tasks WHERE case_id = ?1 AND done = 0 AND deleted = 0) \
                     WHERE id = ?1",
                )?
                .execute([case])?;
        }
        if !self.dirty_cases.is_empty() || !self.dirty_notes.is_empty() {
            self.tx.execute(
                "INSERT INTO meta (key, value) VALUES ('index_writes', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1",
                [],
            )?;
        }
        if let Some(batch) = self.batch.take() {
            batch.dirty_cases.append(&mut self.dirty_cases);
            batch.dirty_notes.append(&mut self.dirty_notes);
        } else {
            reindex_dirty(&self.tx, &mut self.dirty_cases, &mut self.dirty_notes)?;
        }
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES ('hlc', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [self.hlc.0 as i64],
        )?;
        self.tx.commit()?;
        Ok(())
    }

    /// The store clock's reading, in milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    fn next_clock(&mut self) -> FieldClock {
        *self.hlc = self.hlc.tick(self.clock.now_ms());
        FieldClock { hlc: *self.hlc, device: self.device }
    }

    /// Applies local changes (all of one transaction) by the merge of `store::merge`: a change
    /// replaces the values it names, concurrent values compete by clock; every change is
    /// logged, and the winners are materialised.
    pub fn apply(&mut self, changes: &[Change]) -> Result<()> {
        self.apply_grouped(changes, None)
    }

    /// Applies changes of another origin that is trusted to name values (an import): as
    /// [`Writer::apply`], keeping every concurrent value as a conflict, and moving this
    /// device's clock towards the remote clocks, at most [`super::hlc::DRIFT_MS`] past the
    /// wall clock.
    pub fn apply_remote(&mut self, changes: &[Change]) -> Result<()> {
        self.observe(changes);
        self.apply_grouped(changes, None)
    }

    /// Applies the changes of one delta: as [`Writer::apply_remote`], and a change may replace
    /// only values from its author's causal past (its own chain and the deltas its
    /// dependencies cover); other names are void (docs/formats/delta.md section 7).
    pub fn apply_delta(&mut self, changes: &[Change], origin: &Origin) -> Result<()> {
        self.observe(changes);
        self.apply_grouped(changes, Some(origin))
    }

    fn observe(&mut self, changes: &[Change]) {
        let now = self.clock.now_ms();
        for c in changes {
            *self.hlc = self.hlc.observe(c.clock.hlc, now);
        }
    }

    fn apply_grouped(&mut self, changes: &[Change], origin: Option<&Origin>) -> Result<()> {
        let mut i = 0;
        while i < changes.len() {
            // Group consecutive changes of one record, so a creation becomes one INSERT.
            let mut j = i + 1;
            while j < changes.len()
                && changes[j].record == changes[i].record
                && std::ptr::eq(changes[j].table, changes[i].table)
            {
                j += 1;
            }
            self.apply_record(&changes[i..j], origin, false)?;
            i = j;
        }
        Ok(())
    }

    /// One record's changes, in order: gathered (the record as it is, and the names each change
    /// may make), planned by [`merge::plan_record`] (pure), then executed ([`Writer::execute`])
    /// with every applied change logged. `fresh`: the caller knows the record does not exist yet
    /// (an id just minted), so it is not looked up.
    fn apply_record(&mut self, changes: &[Change], origin: Option<&Origin>, fresh: bool) -> Result<()> {
        let table = changes[0].table;
        let record = changes[0].record;
        let before = if fresh { None } else { self.record_state(table, &record)? };
        // Names outside the author's causal past do not count, head or not; the log keeps
        // them apart so that a replay after a rollback counts the same names.
        let mut logged = Vec::with_capacity(changes.len());
        let mut unnamed = Vec::with_capacity(changes.len());
        for c in changes {
            column(table, c.field)?; // a field the kind does not have
            let (mut names, mut dropped) = (Vec::new(), Vec::new());
            for n in c.prev.iter().chain(c.supersedes.iter()) {
                if self.may_name(origin, &record, c.field, *n)? {
                    names.push(*n);
                } else {
                    dropped.push(*n);
                }
            }
            logged.push(merge::Counted { field: c.field, value: c.value.clone(), clock: c.clock, names });
            unnamed.push(dropped);
        }
        let (rid, now) = before.map_or((None, None), |(rid, state)| (Some(rid), Some(state)));
        let created = now.as_ref().map(|s| s.created);
        let shown = |f: u8, v: Option<&Value>| shown_value(table, f, v);
        let Some(plan) = merge::plan_record(now, &logged, shown, |d| self.device_id(d)) else { return Ok(()) };
        if plan.applied.is_empty() {
            return Ok(());
        }
        let applied: Vec<changelog::Applied<'_>> =
            plan.applied.iter().map(|&i| (&changes[i], std::mem::take(&mut unnamed[i]))).collect();
        self.log(table, &applied, origin)?;
        if crate::model::is_attachment(table)
            && applied.iter().any(|(c, _)| c.field == DELETED && c.value == Value::Int(1))
        {
            self.scrub.push(record);
        }
        let before = rid.zip(created).map(|(rid, created)| execute::Before { rid, created, fields: &plan.before });
        self.execute(table, &record, before, Some(&plan.after), false)
    }

    /// A time to show for values written at `clocks`: the latest, but never after now, so a
    /// value from a far-future clock does not sit at the top of every list for years.
    fn display_ms(&self, clocks: impl Iterator<Item = FieldClock>) -> i64 {
        let latest = clocks.map(|c| c.hlc.millis()).max().unwrap_or(0);
        latest.min(self.clock.now_ms()) as i64
    }

    fn log(&self, table: &TableDef, changes: &[changelog::Applied<'_>], origin: Option<&Origin>) -> Result<()> {
        changelog::append(&self.tx, table, changes, origin.map(|o| o.seq))
    }

    /// The case a task belongs to.
    fn case_of_task(&self, rid: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .tx
            .prepare_cached("SELECT case_id FROM tasks WHERE rid = ?1")?
            .query_row([rid], |r| r.get::<_, Option<Vec<u8>>>(0))
            .optional()?
            .flatten())
    }

    /// The local index of a device by its 16-byte id, registering it on first sight.
    pub fn device_index(&self, id: &[u8; 16]) -> Result<u32> {
        if let Some(idx) = self
            .tx
            .prepare_cached("SELECT idx FROM devices WHERE id = ?1")?
            .query_row([&id[..]], |r| r.get(0))
            .optional()?
        {
            return Ok(idx);
        }
        self.tx.prepare_cached("INSERT INTO devices (id, local) VALUES (?1, 0)")?.execute([&id[..]])?;
        Ok(self.tx.last_insert_rowid() as u32)
    }

    /// The 16-byte id of a device by its local index (for last-writer-wins ties).
    fn device_id(&self, idx: u32) -> [u8; 16] {
        self.tx
            .prepare_cached("SELECT id FROM devices WHERE idx = ?1")
            .and_then(|mut s| s.query_row([idx], |r| r.get::<_, Vec<u8>>(0)))
            .ok()
            .and_then(|v| <[u8; 16]>::try_from(v).ok())
            .unwrap_or([0; 16])
    }

    /// The current row of a record (any kind), with its clocks.
    fn load(&self, table: &TableDef, id: &[u8; 16]) -> Result<Option<Row>> {
        let cols: Vec<&str> = table.fields.iter().map(|f| f.name).collect();
        let sql =
            format!("SELECT rid, deleted, hlc, device, clocks, {} FROM {} WHERE id = ?1", cols.join(", "), table.table);
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let row = stmt
            .query_row([&id[..]], |r| {
                let created = FieldClock { hlc: Hlc(r.get::<_, i64>(2)? as u64), device: r.get(3)? };
                let blob: Option<Vec<u8>> = r.get(4)?;
                let mut values = Vec::with_capacity(table.fields.len());
                for i in 0..table.fields.len() {
                    values.push(value_of(r.get_ref(5 + i)?));
                }
                Ok(Row {
                    rid: r.get(0)?,
                    deleted: r.get::<_, i64>(1)? != 0,
                    clocks: RecordClocks::decode(created, blob.as_deref()),
                    values,
                })
            })
            .optional()?;
        Ok(row)
    }

    /// The transaction, for the store's own modules.
    pub(in crate::store) fn tx(&self) -> &Connection {
        &self.tx
    }

    /// The one door to sync's own tables inside a write ([`Store::sync_tables`]).
    pub(crate) fn sync_tables(&self) -> &Connection {
        &self.tx
    }
}

struct Row {
    rid: i64,
    deleted: bool,
    clocks: RecordClocks,
    values: Vec<Value>,
}

impl Row {
    fn value(&self, table: &TableDef, field: u8) -> Value {
        if field == DELETED {
            return Value::Int(i64::from(self.deleted));
        }
        let i = table.fields.iter().position(|f| f.code == field);
        let v = i.map(|i| self.values[i].clone()).unwrap_or(Value::Null);
        // Booleans are stored 0/1 with a default of 0: treat 0 and NULL alike.
        match (v, i.map(|i| table.fields[i].kind)) {
            (Value::Null, Some(FieldKind::Bool)) => Value::Int(0),
            (v, _) => v,
        }
    }
}

fn column(table: &TableDef, field: u8) -> Result<&'static str> {
    if field == DELETED {
        return Ok("deleted");
    }
    table
        .field_by_code(field)
        .map(|f| f.name)
        .ok_or_else(|| Error::invalid("field", &format!("{} has no field with code {field}", table.noun)))
}

/// Recomputes the search rows of the cases and notes a transaction (or a batch) changed, once
/// each.
pub(crate) fn reindex_dirty(
    conn: &Connection,
    dirty_cases: &mut Vec<(i64, bool)>,
    dirty_notes: &mut Vec<(i64, bool)>,
) -> Result<()> {
    for (dirty, reindex) in [
        (dirty_cases, crate::store::index::reindex_case as fn(&rusqlite::Connection, i64, bool) -> Result<()>),
        (dirty_notes, crate::store::index::reindex_note),
    ] {
        // A row inserted and then changed in one transaction is still fresh for the index.
        dirty.sort_by_key(|&(rid, fresh)| (rid, !fresh));
        dirty.dedup_by_key(|e| e.0);
        for &(rid, fresh) in dirty.iter() {
            reindex(conn, rid, fresh)?;
        }
        dirty.clear();
    }
    Ok(())
}

fn not_found(table: &TableDef, id: &[u8; 16]) -> Error {
    Error::NotFound { what: table.noun, id: Uuid::from_bytes(*id).to_string() }
}
