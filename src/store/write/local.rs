//! The local edits of the write path: create (with a new id, or an import's), update, delete
//! and resolve a conflict. Each makes changes with this device's next clock and names the
//! values it replaces, then goes through the one merge of `Writer::apply`.

use uuid::Uuid;

use super::{not_found, Change, Writer};
use crate::error::Result;
use crate::model::{record_id, TableDef, Value, DELETED};
use crate::store::clocks::FieldClock;

impl Writer<'_> {
    /// Creates a record of `table` with `fields` (already validated); `case_id` links children
    /// to their case. Its id names its kind (`model::record_id`: time-ordered, from the
    /// injected clock and entropy). Returns the id.
    pub fn create(
        &mut self,
        table: &'static TableDef,
        case_id: Option<&[u8; 16]>,
        fields: Vec<(u8, Value)>,
    ) -> Result<Uuid> {
        let clock = self.next_clock();
        let mut random = [0u8; 9];
        self.entropy.fill(&mut random);
        let id = record_id::new(table.code, self.clock.now_ms(), random);
        self.create_at(table, id, clock, case_id, fields)
    }

    /// As [`Writer::create`], with an id given by the caller (an import keeps the ids of the
    /// bundle); the caller checks that no record has it.
    pub fn create_with_id(
        &mut self,
        table: &'static TableDef,
        id: [u8; 16],
        case_id: Option<&[u8; 16]>,
        fields: Vec<(u8, Value)>,
    ) -> Result<Uuid> {
        let clock = self.next_clock();
        self.create_at(table, id, clock, case_id, fields)
    }

    fn create_at(
        &mut self,
        table: &'static TableDef,
        id: [u8; 16],
        clock: FieldClock,
        case_id: Option<&[u8; 16]>,
        fields: Vec<(u8, Value)>,
    ) -> Result<Uuid> {
        let mut changes = Vec::with_capacity(fields.len() + 1);
        if let Some(case) = case_id {
            let def = table.field("case_id").expect("child tables have case_id");
            changes.push(Change {
                table,
                record: id,
                field: def.code,
                value: Value::Blob(case.to_vec()),
                clock,
                prev: None,
                supersedes: Vec::new(),
            });
        }
        for (field, value) in fields {
            if value != Value::Null {
                changes.push(Change { table, record: id, field, value, clock, prev: None, supersedes: Vec::new() });
            }
        }
        // A fresh id (or one the caller checked) cannot exist yet: skip the lookup.
        self.apply_record(&changes, None, true)?;
        Ok(Uuid::from_bytes(id))
    }

    /// Changes some fields of an existing, not deleted record. Only values that differ are
    /// recorded. Returns how many fields changed.
    pub fn update(&mut self, table: &'static TableDef, id: &[u8; 16], fields: Vec<(u8, Value)>) -> Result<usize> {
        let row = self.load(table, id)?.ok_or_else(|| not_found(table, id))?;
        if row.deleted {
            return Err(not_found(table, id));
        }
        let clock = self.next_clock();
        let mut changes = Vec::new();
        for (field, value) in fields {
            if row.value(table, field) != value {
                let prev = Some(row.clocks.get(field));
                changes.push(Change { table, record: *id, field, value, clock, prev, supersedes: Vec::new() });
            }
        }
        self.apply(&changes)?;
        Ok(changes.len())
    }

    /// Offers values beside an existing record's own (an import's conflicts, docs/formats/bundle.md
    /// section 7.2): this device's changes that name no value, so each competes with the value
    /// there as a conflict to review, here and on every device. Returns how many were offered.
    pub fn offer(&mut self, table: &'static TableDef, id: &[u8; 16], fields: Vec<(u8, Value)>) -> Result<usize> {
        let row = self.load(table, id)?.ok_or_else(|| not_found(table, id))?;
        if row.deleted {
            return Err(not_found(table, id));
        }
        let clock = self.next_clock();
        let changes: Vec<Change> = fields
            .into_iter()
            .filter(|(field, value)| row.value(table, *field) != *value)
            .map(|(field, value)| Change {
                table,
                record: *id,
                field,
                value,
                clock,
                prev: None,
                supersedes: Vec::new(),
            })
            .collect();
        self.apply(&changes)?;
        Ok(changes.len())
    }

    /// Tombstones a record (the row stays, marked deleted, so sync sees the deletion).
    pub fn delete(&mut self, table: &'static TableDef, id: &[u8; 16]) -> Result<()> {
        let row = self.load(table, id)?.ok_or_else(|| not_found(table, id))?;
        if row.deleted {
            return Err(not_found(table, id));
        }
        let clock = self.next_clock();
        let prev = Some(row.clocks.get(DELETED));
        let supersedes = Vec::new();
        self.apply(&[Change { table, record: *id, field: DELETED, value: Value::Int(1), clock, prev, supersedes }])
    }

    /// Settles a conflict: writes `value` to the field, superseding the shown value and every
    /// competing one. Returns the number of competing values settled.
    pub fn resolve(&mut self, table: &'static TableDef, id: &[u8; 16], field: u8, value: Value) -> Result<usize> {
        let row = self.load(table, id)?.ok_or_else(|| not_found(table, id))?;
        let heads: Vec<FieldClock> = self.conflict_heads(id, field)?.into_iter().map(|h| h.1).collect();
        let n = heads.len();
        // At most MAX_SUPERSEDES names per change: more heads are settled by successive changes,
        // each replacing the one before, so every peer accepts them and ends with one head.
        let chunks: Vec<&[FieldClock]> =
            if heads.is_empty() { vec![&[][..]] } else { heads.chunks(crate::model::MAX_SUPERSEDES).collect() };
        let mut prev = Some(row.clocks.get(field));
        for chunk in chunks {
            let clock = self.next_clock();
            let supersedes = chunk.to_vec();
            self.apply_record(
                &[Change { table, record: *id, field, value: value.clone(), clock, prev, supersedes }],
                None,
                false,
            )?;
            prev = Some(clock);
        }
        Ok(n)
    }
}
