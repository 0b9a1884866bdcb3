//! Full-text search over names, aliases, places and notes (FTS5 inside the encrypted
//! database), matching across Cyrillic and Latin spellings.
//!
//! Two one-column indexes: `name_fts` holds, per case, the words of its names, aliases,
//! family names and city in their own script plus their phonetic keys from [`fold`] (shared
//! by the Cyrillic and Latin spellings of a name); `note_fts` holds the words of each note.
//! The terms are computed here in Rust; FTS5 only splits on spaces. A query runs in tiers —
//! names typed in full, names as prefixes, then notes — each scanning the index in ascending
//! rowid order (FTS5 scans ascending about ten times faster than descending) and stopping as
//! soon as enough cases are found, so short prefixes stay fast on 100,000 cases. Within a
//! tier the page is shown most recently updated first.

pub mod fold;

use rusqlite::{params_from_iter, Connection, OptionalExtension};

use crate::error::Result;
use crate::model::CaseSummary;
use crate::store::read::{summary_from_row_at, CaseFilter, SUMMARY_COLUMNS};
use crate::store::Store;
use fold::Terms;

/// Re-computes the `name_fts` row of the case with row id `rid` (removing it for a deleted
/// case). `fresh`: the case was inserted in this transaction and has no row yet.
pub(crate) fn reindex_case(conn: &Connection, rid: i64, fresh: bool) -> Result<()> {
    let row: Option<(bool, Vec<Option<String>>)> = conn
        .prepare_cached("SELECT deleted, full_name, full_name_latin, aliases, city, family FROM cases WHERE rid = ?1")?
        .query_row([rid], |r| {
            Ok((r.get::<_, i64>(0)? != 0, (1..6).map(|i| r.get(i)).collect::<rusqlite::Result<_>>()?))
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

/// Rows hydrated per statement in [`Store::search`] (padded with NULLs so one cached
/// statement serves every page).
const HYDRATE_CHUNK: usize = 50;

impl Store {
    /// Search-as-you-type: cases whose names, aliases, family names, city (in any script,
    /// each word as a prefix) or notes match every word of `query`, within `filter`. Names
    /// typed in full come first, then name prefixes, then notes; most recently updated first
    /// within each.
    pub fn search(&self, query: &str, filter: &CaseFilter, limit: u64) -> Result<Vec<CaseSummary>> {
        filter.check()?;
        let limit = limit.clamp(1, 1000) as usize;
        if fold::match_query(query, Terms::NamePrefix).is_none() {
            return self.list_cases(filter, 0, limit as u64);
        }
        // Stage 1: row ids only, tier by tier, stopping as soon as the page is full.
        let mut tiers: Vec<Vec<i64>> = Vec::with_capacity(3);
        let mut found: Vec<i64> = Vec::with_capacity(limit);
        let filtered = *filter != CaseFilter::default();
        for terms in [Terms::NameExact, Terms::NamePrefix, Terms::WordPrefix] {
            if found.len() >= limit {
                break;
            }
            let Some(expr) = fold::match_query(query, terms) else { continue };
            let (cond, mut params) = filter.sql();
            let n = params.len();
            params.push(rusqlite::types::Value::Text(expr));
            // Enough to fill the page after dropping cases found by an earlier tier (names) or
            // repeated by several matching notes of one case.
            let want = match terms {
                Terms::WordPrefix => (limit - found.len()) * 3,
                _ => limit,
            };
            params.push(rusqlite::types::Value::Integer(want as i64));
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
            let rows = stmt.query_map(params_from_iter(params.iter()), |r| r.get::<_, i64>(0))?;
            let mut tier = Vec::new();
            for rid in rows {
                let rid = rid?;
                if found.len() < limit && !found.contains(&rid) {
                    found.push(rid);
                    tier.push(rid);
                }
            }
            tiers.push(tier);
        }
        // Stage 2: hydrate the page, then order each tier by last update.
        let mut by_rid = std::collections::HashMap::with_capacity(found.len());
        let placeholders = (1..=HYDRATE_CHUNK).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT c.rid, {SUMMARY_COLUMNS} FROM cases c WHERE c.rid IN ({placeholders})");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        for chunk in found.chunks(HYDRATE_CHUNK) {
            let mut ids: Vec<Option<i64>> = chunk.iter().copied().map(Some).collect();
            ids.resize(HYDRATE_CHUNK, None);
            let rows = stmt
                .query_map(params_from_iter(ids.iter()), |r| Ok((r.get::<_, i64>(0)?, summary_from_row_at(r, 1)?)))?;
            for row in rows {
                let (rid, summary) = row?;
                by_rid.insert(rid, summary);
            }
        }
        let mut out = Vec::with_capacity(found.len());
        for tier in tiers {
            let mut rows: Vec<CaseSummary> = tier.iter().filter_map(|rid| by_rid.remove(rid)).collect();
            rows.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
            out.extend(rows);
        }
        Ok(out)
    }
}
