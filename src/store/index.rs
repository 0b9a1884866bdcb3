//! The search indexes' upkeep, kept by the write path in the same transaction as the records
//! (docs/formats/database.md section 8): the `name_fts` row of a case and the `note_fts` row
//! of a note, their terms folded by [`crate::fold`]. `search` reads them; it sits above the
//! store, and the store knows nothing of it.

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;
use crate::fold;

/// The case fields the name index holds (names, aliases, city, family names): a write to one
/// of them re-indexes the case.
pub(crate) const NAME_FIELDS: [&str; 5] = ["full_name", "full_name_latin", "aliases", "city", "family"];

/// The tombstone and [`NAME_FIELDS`] of a case (spelled out: it runs for every indexed case).
const NAME_ROW: &str = "SELECT deleted, full_name, full_name_latin, aliases, city, family FROM cases WHERE rid = ?1";

/// Re-computes the `name_fts` row of the case with row id `rid` (removing it for a deleted
/// case). `fresh`: the case was inserted in this transaction and has no row yet.
pub(crate) fn reindex_case(conn: &Connection, rid: i64, fresh: bool) -> Result<()> {
    let row: Option<(bool, Vec<Option<String>>)> = conn
        .prepare_cached(NAME_ROW)?
        .query_row([rid], |r| {
            Ok((r.get::<_, i64>(0)? != 0, (1..=NAME_FIELDS.len()).map(|i| r.get(i)).collect::<rusqlite::Result<_>>()?))
        })
        .optional()?;
    let Some((deleted, fields)) = row else { return Ok(()) };
    if !fresh {
        conn.prepare_cached("DELETE FROM name_fts WHERE rowid = ?1")?.execute([rid])?;
    }
    if deleted {
        return Ok(());
    }
    let mut names = String::new();
    for (name, f) in NAME_FIELDS.iter().zip(&fields) {
        let Some(f) = f else { continue };
        match *name {
            // aliases: JSON array of strings; family: JSON array of objects with a name
            "aliases" => json_strings(f, None, &mut names),
            "family" => json_strings(f, Some("name"), &mut names),
            _ => {
                names.push_str(f);
                names.push(' ');
            }
        }
    }
    let mut terms = fold::light_text(&names);
    terms.push(' ');
    terms.push_str(&fold::key_text(&names));
    conn.prepare_cached("INSERT INTO name_fts (rowid, terms) VALUES (?1, ?2)")?
        .execute(rusqlite::params![rid, terms])?;
    Ok(())
}

/// Removes the search row of a record that goes (a rollback removed its every change).
pub(crate) fn forget(conn: &Connection, table: &crate::model::TableDef, rid: i64) -> Result<()> {
    if std::ptr::eq(table, &crate::model::CASE) {
        conn.prepare_cached("DELETE FROM name_fts WHERE rowid = ?1")?.execute([rid])?;
    } else if std::ptr::eq(table, &crate::model::NOTE) {
        conn.prepare_cached("DELETE FROM note_fts WHERE rowid = ?1")?.execute([rid])?;
    }
    Ok(())
}

/// Re-computes the `note_fts` row of the note with row id `rid`.
pub(crate) fn reindex_note(conn: &Connection, rid: i64, fresh: bool) -> Result<()> {
    let row: Option<(bool, Option<String>)> = conn
        .prepare_cached("SELECT deleted, body FROM notes WHERE rid = ?1")?
        .query_row([rid], |r| Ok((r.get::<_, i64>(0)? != 0, r.get(1)?)))
        .optional()?;
    let Some((deleted, body)) = row else { return Ok(()) };
    if !fresh {
        conn.prepare_cached("DELETE FROM note_fts WHERE rowid = ?1")?.execute([rid])?;
    }
    if deleted {
        return Ok(());
    }
    let terms = fold::light_text(body.as_deref().unwrap_or_default());
    conn.prepare_cached("INSERT INTO note_fts (rowid, terms) VALUES (?1, ?2)")?
        .execute(rusqlite::params![rid, terms])?;
    Ok(())
}

fn json_strings(json: &str, field: Option<&str>, out: &mut String) {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(json) else { return };
    for item in items {
        let s = match field {
            None => item.as_str().map(str::to_string),
            Some(f) => item.get(f).and_then(|v| v.as_str()).map(str::to_string),
        };
        if let Some(s) = s {
            out.push_str(&s);
            out.push(' ');
        }
    }
}

impl crate::store::Store {
    /// Row ids of the cases whose index rows match `expr` (an FTS5 expression of
    /// [`fold::match_query`]) in the index that `terms` searches, within `filter`, in ascending
    /// index row order, at most `limit` (a case with several matching notes comes once per note).
    pub(crate) fn index_matches(
        &self,
        terms: fold::Terms,
        expr: String,
        filter: &crate::store::read::CaseFilter,
        limit: usize,
    ) -> Result<Vec<i64>> {
        use fold::Terms;
        let filtered = *filter != crate::store::read::CaseFilter::default();
        let (cond, mut params) = filter.sql();
        let n = params.len();
        params.push(rusqlite::types::Value::Text(expr));
        params.push(rusqlite::types::Value::Integer(limit as i64));
        let (m, l) = (n + 1, n + 2);
        let sql = match (terms, filtered) {
            // Deleted cases are not in the index: without filters no join is needed.
            (Terms::NameExact | Terms::NamePrefix, false) => {
                format!("SELECT rowid FROM name_fts WHERE name_fts MATCH ?{m} ORDER BY rowid LIMIT ?{l}")
            }
            (Terms::NameExact | Terms::NamePrefix, true) => format!(
                "SELECT c.rid FROM name_fts f JOIN cases c ON c.rid = f.rowid \
                 WHERE name_fts MATCH ?{m} AND {cond} ORDER BY f.rowid LIMIT ?{l}"
            ),
            (Terms::WordPrefix, _) => format!(
                "SELECT c.rid FROM note_fts f JOIN notes n ON n.rid = f.rowid JOIN cases c ON c.id = n.case_id \
                 WHERE note_fts MATCH ?{m} AND {cond} ORDER BY f.rowid LIMIT ?{l}"
            ),
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| r.get::<_, i64>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_row_reads_the_name_fields() {
        assert_eq!(NAME_ROW, format!("SELECT deleted, {} FROM cases WHERE rid = ?1", NAME_FIELDS.join(", ")));
    }
}
