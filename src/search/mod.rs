//! Full-text search over names, aliases, places and notes (FTS5 inside the encrypted
//! database), matching across Cyrillic and Latin spellings.
//!
//! The index holds, per case, a `light` column (case- and ё-folded words in their own script)
//! and a `key` column (phonetic keys from [`fold`], shared by the Cyrillic and the Latin
//! spellings of a name). The text is computed here in Rust; FTS5 only splits on spaces.

pub mod fold;

use rusqlite::{params_from_iter, Connection, OptionalExtension};

use crate::error::Result;
use crate::model::CaseSummary;
use crate::store::read::{summary_from_row, CaseFilter, SUMMARY_COLUMNS};
use crate::store::Store;

/// Re-computes the index row of one case (deleting it for a deleted case).
pub(crate) fn reindex_case(conn: &Connection, id: &[u8]) -> Result<()> {
    let row: Option<(i64, bool, Vec<Option<String>>)> = conn
        .prepare_cached("SELECT rid, deleted, full_name, full_name_latin, aliases, city, family FROM cases WHERE id = ?1")?
        .query_row([id], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? != 0, (2..7).map(|i| r.get(i)).collect::<rusqlite::Result<_>>()?))
        })
        .optional()?;
    let Some((rid, deleted, fields)) = row else { return Ok(()) };
    conn.prepare_cached("DELETE FROM case_fts WHERE rowid = ?1")?.execute([rid])?;
    if deleted {
        return Ok(());
    }
    let mut names = String::new();
    for (i, f) in fields.iter().enumerate() {
        let Some(f) = f else { continue };
        match i {
            // aliases: JSON array of strings; family: JSON array of objects with a name
            2 => json_strings(f, None, &mut names),
            4 => json_strings(f, Some("name"), &mut names),
            _ => {
                names.push_str(f);
                names.push(' ');
            }
        }
    }
    let mut light = fold::light_text(&names);
    let mut stmt = conn.prepare_cached("SELECT body FROM notes WHERE case_id = ?1 AND deleted = 0")?;
    let bodies = stmt.query_map([id], |r| r.get::<_, Option<String>>(0))?;
    for body in bodies {
        if let Some(body) = body? {
            light.push(' ');
            light.push_str(&fold::light_text(&body));
        }
    }
    let key = fold::key_text(&names);
    conn.prepare_cached("INSERT INTO case_fts (rowid, light, key) VALUES (?1, ?2, ?3)")?.execute(rusqlite::params![rid, light, key])?;
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

impl Store {
    /// Search-as-you-type: cases whose names, aliases, places or notes match every word of
    /// `query` (as a prefix, in any script), best matches first, within `filter`.
    pub fn search(&self, query: &str, filter: &CaseFilter, limit: u64) -> Result<Vec<CaseSummary>> {
        filter.check()?;
        let Some(expr) = fold::match_query(query) else {
            return self.list_cases(filter, 0, limit);
        };
        let (cond, mut params) = filter.sql();
        let n = params.len();
        params.push(rusqlite::types::Value::Text(expr));
        params.push(rusqlite::types::Value::Integer(limit.min(1000) as i64));
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM (SELECT rowid, rank FROM case_fts WHERE case_fts MATCH ?{m} ORDER BY rank LIMIT 2000) f \
             JOIN cases c ON c.rid = f.rowid WHERE {cond} ORDER BY f.rank, c.updated_at DESC LIMIT ?{l}",
            m = n + 1,
            l = n + 2
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(params.iter()), summary_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
