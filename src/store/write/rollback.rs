//! Rollback and acceptance of a forked author's changes (docs/formats/delta.md section 11.2).
//! Voiding marks the changes of some deltas void in the change log and recomputes every record
//! they touched from the changes that still count ([`merge::replay`]), so the vault holds what
//! a vault that never applied those deltas holds. Accepting writes the void values again as this
//! device's own changes.

use std::collections::BTreeMap;

use super::execute::shown_value;
use super::{Change, Writer};
use crate::error::{Error, Result};
use crate::model::{table_by_code, TableDef, Value};
use crate::store::changelog::{self, RecordKey};
use crate::store::merge::{self, Replayed};

/// What a rollback or an acceptance changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Voided {
    /// Changes of the change log made void (or, accepting, written again).
    pub changes: usize,
    /// Records recomputed (or written).
    pub records: usize,
}

impl Writer<'_> {
    /// Voids what deltas `from_seq` onwards of device `author` brought, and recomputes every
    /// record they touched from the changes that still count. Changes voided before stay void.
    pub fn void_deltas(&mut self, author: u32, from_seq: u64) -> Result<Voided> {
        let (changes, records) = changelog::void(&self.tx, author, from_seq, self.clock.now_ms())?;
        if changes == 0 {
            return Ok(Voided::default());
        }
        self.replay_records(&records)?;
        Ok(Voided { changes, records: records.len() })
    }

    /// Recomputes `records` from the changes of the change log that count ([`merge::replay`]):
    /// after a rollback, or after a new identity took over some changes (their device decides
    /// ties between values of one clock, so the value a field shows can change).
    pub(crate) fn replay_records(&mut self, records: &[RecordKey]) -> Result<()> {
        let mut counted = changelog::counted_of(&self.tx, records)?;
        for key in records {
            let table = table_by_code(key.0).ok_or_else(|| Error::invalid("change log", "unknown record kind"))?;
            let log = counted.remove(key).unwrap_or_default();
            let replayed = merge::replay(&log, |f, v| shown_value(table, f, v), |d| self.device_id(d));
            self.rewrite(table, &key.1, replayed)?;
        }
        Ok(())
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
        let Some((rid, now)) = self.record_state(table, id)? else { return Ok(()) };
        let before = super::execute::Before { rid, created: now.created, fields: &now.fields };
        self.execute(table, id, Some(before), replayed.as_ref(), true)
    }
}
