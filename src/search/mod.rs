//! Full-text search over names, aliases, places and notes (FTS5 inside the encrypted
//! database), matching across Cyrillic and Latin spellings.
//!
//! Two one-column indexes: `name_fts` holds, per case, the words of its names, aliases,
//! family names and city in their own script plus their phonetic keys from [`crate::fold`] (shared
//! by the Cyrillic and Latin spellings of a name); `note_fts` holds the words of each note.
//! The terms are computed in Rust as the write path changes records (`store::index`); FTS5
//! only splits on spaces. A query runs in tiers —
//! names typed in full, names as prefixes, then notes — each scanning the index in ascending
//! rowid order (FTS5 scans ascending about ten times faster than descending) and stopping as
//! soon as enough cases are found, so short prefixes stay fast on 100,000 cases. Within a
//! tier the page is shown most recently updated first.

use rusqlite::params_from_iter;

use crate::error::Result;
use crate::fold::{self, Terms};
use crate::model::CaseSummary;
use crate::store::read::{summary_from_row_at, CaseFilter, SUMMARY_COLUMNS};
use crate::store::Store;

pub mod query;

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
