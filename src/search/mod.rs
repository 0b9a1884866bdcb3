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

use crate::error::Result;
use crate::fold::{self, Terms};
use crate::model::CaseSummary;
use crate::store::read::CaseFilter;
use crate::store::Store;

pub mod query;

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
        for terms in [Terms::NameExact, Terms::NamePrefix, Terms::WordPrefix] {
            if found.len() >= limit {
                break;
            }
            let Some(expr) = fold::match_query(query, terms) else { continue };
            // Enough to fill the page after dropping cases found by an earlier tier (names) or
            // repeated by several matching notes of one case.
            let want = match terms {
                Terms::WordPrefix => (limit - found.len()) * 3,
                _ => limit,
            };
            let rows = self.index_matches(terms, expr, filter, want)?;
            let mut tier = Vec::new();
            for rid in rows {
                if found.len() < limit && !found.contains(&rid) {
                    found.push(rid);
                    tier.push(rid);
                }
            }
            tiers.push(tier);
        }
        // Stage 2: hydrate the page, then order each tier by last update.
        let mut by_rid = self.summaries_by_rid(&found)?;
        let mut out = Vec::with_capacity(found.len());
        for tier in tiers {
            let mut rows: Vec<CaseSummary> = tier.iter().filter_map(|rid| by_rid.remove(rid)).collect();
            rows.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
            out.extend(rows);
        }
        Ok(out)
    }
}
