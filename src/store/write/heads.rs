//! The heads of a field as the write path reads them: its conflicts, and whether a change of a
//! delta may name a head (its author's causal past, docs/formats/delta.md section 7).

use rusqlite::{params, OptionalExtension};

use super::{value_of, Origin, Writer};
use crate::error::Result;
use crate::model::Value;
use crate::store::changelog;
use crate::store::clocks::FieldClock;
use crate::store::hlc::Hlc;

impl Writer<'_> {
    /// The losing heads of one field: (value, clock), newest first.
    pub fn conflict_heads(&self, id: &[u8; 16], field: u8) -> Result<Vec<(Value, FieldClock)>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT value, hlc, device FROM conflicts WHERE rec = ?1 AND field = ?2 ORDER BY hlc DESC, device",
        )?;
        let rows = stmt.query_map(params![&id[..], field], |r| {
            Ok((value_of(r.get_ref(0)?), FieldClock { hlc: Hlc(r.get::<_, i64>(1)? as u64), device: r.get(2)? }))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether a change of `origin` may replace the head `named` of a field: local changes and
    /// imports may name any value they hold; a delta only values of its author's own chain or
    /// of the deltas its dependencies cover. A value whose delta of origin is not known (it
    /// was applied before schema version 5, or came in a bundle) may be named.
    pub(super) fn may_name(
        &self,
        origin: Option<&Origin>,
        record: &[u8; 16],
        field: u8,
        named: FieldClock,
    ) -> Result<bool> {
        let Some(o) = origin else { return Ok(true) };
        if named.device == o.author {
            return Ok(true);
        }
        let row = changelog::place_of(&self.tx, record, field, named)?;
        let covered = o.deps.get(&named.device).copied().unwrap_or(0);
        Ok(match row {
            None => true,
            Some((_, Some(delta))) => delta <= covered,
            Some((log_seq, None)) if named.device == self.device => {
                // This device's own value: named only if a delta of ours that carried it is covered.
                let sent: Option<i64> = self
                    .tx
                    .prepare_cached(
                        "SELECT seq FROM sync_sent WHERE share = ?1 AND first_change <= ?2 AND last_change >= ?2 LIMIT 1",
                    )?
                    .query_row(params![o.share, log_seq], |r| r.get(0))
                    .optional()?;
                sent.is_some_and(|s| s as u64 <= covered)
            }
            Some((_, None)) => true,
        })
    }
}
