//! Full-text search over names, aliases, places and notes (FTS5 inside the encrypted
//! database), matching across Cyrillic and Latin spellings.
//!
//! Two one-column indexes: `name_fts` holds, per case, the words of its names, aliases,
//! family names and city in their own script plus their phonetic keys from [`fold`] (shared
//! by the Cyrillic and Latin spellings of a name); `note_fts` holds the words of each note.
//! The terms are computed here in Rust; FTS5 only splits on spaces. Index rowids are the
//! records' row ids negated: FTS5 scans ascending rowids about ten times faster than
//! descending ones, and ascending negated ids are newest first. A query runs in tiers — names
//! typed in full, names as prefixes, then notes — each newest first and stopping as soon as
//! enough cases are found, so short prefixes stay fast on 100,000 cases.

pub mod fold;

use rusqlite::{params_from_iter, Connection, OptionalExtension};

use crate::error::Result;
use crate::model::CaseSummary;
use crate::store::read::{summary_from_row, CaseFilter, SUMMARY_COLUMNS};
use crate::store::Store;
use fold::Terms;

/// Re-computes the `name_fts` row of the case with row id `rid` (removing it for a deleted
/// case). `fresh`: the case was inserted in this transaction and has no row yet.
pub(crate) fn reindex_case(conn: &Connection, rid: i64, fresh: bool) -> Result<()> {
    let row: Option<(bool, Vec<Option<String>>)> = conn
        .prepare_cached("SELECT deleted, full_name, full_name_latin, aliases, city, family FROM cases WHERE rid = ?1")?
        .query_row([rid], |r| Ok((r.get::<_, i64>(0)? != 0, (1..6).map(|i| r.get(i)).collect::<rusqlite::Result<_>>()?)))
        .optional()?;
    let Some((deleted, fields)) = row else { return Ok(()) };
    if !fresh {
        conn.prepare_cached("DELETE FROM name_fts WHERE rowid = ?1")?.execute([-rid])?;
    }
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
    let mut terms = fold::light_text(&names);
    terms.push(' ');
    terms.push_str(&fold::key_text(&names));
    conn.prepare_cached("INSERT INTO name_fts (rowid, terms) VALUES (?1, ?2)")?.execute(rusqlite::params![-rid, terms])?;
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
        conn.prepare_cached("DELETE FROM note_fts WHERE rowid = ?1")?.execute([-rid])?;
    }
    if deleted {
        return Ok(());
    }
    let terms = fold::light_text(body.as_deref().unwrap_or_default());
    conn.prepare_cached("INSERT INTO note_fts (rowid, terms) VALUES (?1, ?2)")?.execute(rusqlite::params![-rid, terms])?;
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
    /// Search-as-you-type: cases whose names, aliases, family names, city (in any script,
    /// each word as a prefix) or notes match every word of `query`, within `filter`. Names
    /// typed in full come first, then name prefixes, then notes; newest first within each.
    pub fn search(&self, query: &str, filter: &CaseFilter, limit: u64) -> Result<Vec<CaseSummary>> {
        filter.check()?;
        let limit = limit.clamp(1, 1000) as usize;
        if fold::match_query(query, Terms::NamePrefix).is_none() {
            return self.list_cases(filter, 0, limit as u64);
        }
        let mut out: Vec<CaseSummary> = Vec::with_capacity(limit);
        let tiers = [
            (Terms::NameExact, "name_fts f JOIN cases c ON c.rid = -f.rowid", "name_fts"),
            (Terms::NamePrefix, "name_fts f JOIN cases c ON c.rid = -f.rowid", "name_fts"),
            (Terms::WordPrefix, "note_fts f JOIN notes n ON n.rid = -f.rowid JOIN cases c ON c.id = n.case_id", "note_fts"),
        ];
        for (terms, from, fts) in tiers {
            if out.len() >= limit {
                break;
            }
            let Some(expr) = fold::match_query(query, terms) else { continue };
            let (cond, mut params) = filter.sql();
            let n = params.len();
            params.push(rusqlite::types::Value::Text(expr));
            // Enough to fill the page after dropping cases found by an earlier tier (names) or
            // repeated by several matching notes of one case.
            let want = match terms {
                Terms::WordPrefix => (limit - out.len()) * 3,
                _ => limit,
            };
            params.push(rusqlite::types::Value::Integer(want as i64));
            let sql = format!(
                "SELECT {SUMMARY_COLUMNS} FROM {from} WHERE {fts} MATCH ?{m} AND {cond} ORDER BY f.rowid LIMIT ?{l}",
                m = n + 1,
                l = n + 2
            );
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(params.iter()), summary_from_row)?;
            for row in rows {
                let row = row?;
                if out.len() < limit && !out.iter().any(|s| s.id == row.id) {
                    out.push(row);
                }
            }
        }
        Ok(out)
    }
}
