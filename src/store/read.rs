//! Reading case files: one case with its children, the paged case list with filters, counts.
//! Every list is one query (no N+1): summaries carry their next due date via a subquery on
//! an index.

use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, OptionalExtension, Row};
use uuid::Uuid;

use super::Store;
use crate::dates::format_timestamp;
use crate::error::{Error, Result};
use crate::model::{CaseFile, CaseSummary, Event, Note, Task, NOTE};
use crate::store::clocks::{FieldClock, RecordClocks};
use crate::store::hlc::Hlc;

/// Filters of the case list and of search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub stage: Option<String>,
    pub country: Option<String>,
    pub risk_level: Option<String>,
    /// Only cases with an open task due on or before this date (`YYYY-MM-DD`).
    pub tasks_due_by: Option<String>,
}

impl CaseFilter {
    /// Validates the filter values (codes and dates), naming the bad one.
    pub fn check(&self) -> Result<()> {
        use crate::model::vocab::{is_country, RISK_LEVEL, STAGE};
        if let Some(s) = &self.stage {
            if !STAGE.contains(s) {
                return Err(Error::invalid("stage", &format!("`{s}` is not one of {}", STAGE.listing())));
            }
        }
        if let Some(c) = &self.country {
            if !is_country(c) {
                return Err(Error::invalid(
                    "country",
                    &format!("`{c}` is not a two-letter country code such as AM, GE or KZ"),
                ));
            }
        }
        if let Some(r) = &self.risk_level {
            if !RISK_LEVEL.contains(r) {
                return Err(Error::invalid("risk_level", &format!("`{r}` is not one of {}", RISK_LEVEL.listing())));
            }
        }
        if let Some(d) = &self.tasks_due_by {
            if crate::dates::parse_date(d).is_none() {
                return Err(Error::invalid("due", &format!("`{d}` is not a date in the form YYYY-MM-DD")));
            }
        }
        Ok(())
    }

    /// SQL conditions on table alias `c` and their parameters.
    pub(crate) fn sql(&self) -> (String, Vec<SqlValue>) {
        let mut sql = String::from("c.deleted = 0");
        let mut params = Vec::new();
        for (col, val) in [("stage", &self.stage), ("country", &self.country), ("risk_level", &self.risk_level)] {
            if let Some(v) = val {
                params.push(SqlValue::Text(v.clone()));
                sql.push_str(&format!(" AND c.{col} = ?{}", params.len()));
            }
        }
        if let Some(d) = &self.tasks_due_by {
            params.push(SqlValue::Text(d.clone()));
            sql.push_str(&format!(" AND c.next_due <= ?{}", params.len()));
        }
        (sql, params)
    }
}

/// Orders of the case list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseSort {
    /// Most recently changed first.
    #[default]
    Updated,
    /// By full name (case-insensitive for Latin letters, then Cyrillic).
    Name,
    /// Earliest open task first; cases without one last.
    NextDue,
    /// Critical first, then high, medium, low, unset.
    Risk,
}

impl CaseSort {
    fn order_by(self) -> &'static str {
        match self {
            CaseSort::Updated => "c.updated_at DESC, c.rid DESC",
            CaseSort::Name => "c.full_name, c.rid",
            CaseSort::NextDue => "c.next_due IS NULL, c.next_due, c.rid DESC",
            CaseSort::Risk => {
                "CASE c.risk_level WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, \
                 c.updated_at DESC, c.rid DESC"
            }
        }
    }
}

/// Columns of a summary, in the order [`summary_from_row`] reads them (table alias `c`).
pub(crate) const SUMMARY_COLUMNS: &str =
    "c.id, c.full_name, c.full_name_latin, c.category, c.stage, c.country, c.city, c.risk_level, \
     c.next_due, c.created_at, c.updated_at";

pub(crate) fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<CaseSummary> {
    summary_from_row_at(r, 0)
}

/// A summary from [`SUMMARY_COLUMNS`] starting at column `at`.
pub(crate) fn summary_from_row_at(r: &Row<'_>, at: usize) -> rusqlite::Result<CaseSummary> {
    Ok(CaseSummary {
        id: uuid_string(&r.get::<_, Vec<u8>>(at)?),
        full_name: r.get::<_, Option<String>>(at + 1)?.unwrap_or_default(),
        full_name_latin: r.get(at + 2)?,
        category: r.get(at + 3)?,
        stage: r.get::<_, Option<String>>(at + 4)?.unwrap_or_else(|| "first_contact".into()),
        country: r.get(at + 5)?,
        city: r.get(at + 6)?,
        risk_level: r.get(at + 7)?,
        next_due: r.get(at + 8)?,
        created_at: format_timestamp(r.get::<_, i64>(at + 9)? as u64),
        updated_at: format_timestamp(r.get::<_, i64>(at + 10)? as u64),
    })
}

/// Text form of a 16-byte id.
pub fn uuid_string(bytes: &[u8]) -> String {
    Uuid::from_slice(bytes).map(|u| u.to_string()).unwrap_or_default()
}

/// Parses a case id as typed: a full UUID.
pub fn parse_id(text: &str) -> Result<[u8; 16]> {
    Uuid::parse_str(text.trim()).map(|u| *u.as_bytes()).map_err(|_| {
        Error::invalid(
            "id",
            &format!("`{}` is not a case id (a UUID such as 0193b3c4-…)", text.chars().take(40).collect::<String>()),
        )
    })
}

fn json_list(text: Option<String>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

fn json_value(text: Option<String>) -> serde_json::Value {
    text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_else(|| serde_json::Value::Array(vec![]))
}

/// Rows hydrated per statement in [`Store::summaries_by_rid`] (padded with NULLs so one
/// cached statement serves every page).
const HYDRATE_CHUNK: usize = 50;

impl Store {
    /// The summaries of the cases with these row ids (ids with no case are left out).
    pub(crate) fn summaries_by_rid(&self, rids: &[i64]) -> Result<std::collections::HashMap<i64, CaseSummary>> {
        let mut by_rid = std::collections::HashMap::with_capacity(rids.len());
        let placeholders = (1..=HYDRATE_CHUNK).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT c.rid, {SUMMARY_COLUMNS} FROM cases c WHERE c.rid IN ({placeholders})");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        for chunk in rids.chunks(HYDRATE_CHUNK) {
            let mut ids: Vec<Option<i64>> = chunk.iter().copied().map(Some).collect();
            ids.resize(HYDRATE_CHUNK, None);
            let rows = stmt
                .query_map(params_from_iter(ids.iter()), |r| Ok((r.get::<_, i64>(0)?, summary_from_row_at(r, 1)?)))?;
            for row in rows {
                let (rid, summary) = row?;
                by_rid.insert(rid, summary);
            }
        }
        Ok(by_rid)
    }

    /// One case file with its events, tasks and notes.
    pub fn case(&self, id: &[u8; 16]) -> Result<CaseFile> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT full_name, full_name_latin, aliases, birth_date, citizenship, contacts, languages, category, stage, \
             country, city, risk_level, risk_flags, documents, criminal_articles, criminal_case_number, assigned_to, \
             partner_org, family, created_at, updated_at, code_name FROM cases WHERE id = ?1 AND deleted = 0",
        )?;
        let case = stmt
            .query_row([&id[..]], |r| {
                Ok(CaseFile {
                    id: uuid_string(id),
                    full_name: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    full_name_latin: r.get(1)?,
                    aliases: json_list(r.get(2)?),
                    code_name: r.get(21)?,
                    birth_date: r.get(3)?,
                    citizenship: json_list(r.get(4)?),
                    contacts: json_value(r.get(5)?),
                    languages: json_list(r.get(6)?),
                    category: r.get(7)?,
                    stage: r.get::<_, Option<String>>(8)?.unwrap_or_else(|| "first_contact".into()),
                    country: r.get(9)?,
                    city: r.get(10)?,
                    risk_level: r.get(11)?,
                    risk_flags: json_list(r.get(12)?),
                    documents: json_value(r.get(13)?),
                    criminal_articles: json_list(r.get(14)?),
                    criminal_case_number: r.get(15)?,
                    assigned_to: r.get(16)?,
                    partner_org: r.get(17)?,
                    family: json_value(r.get(18)?),
                    created_at: format_timestamp(r.get::<_, i64>(19)? as u64),
                    updated_at: format_timestamp(r.get::<_, i64>(20)? as u64),
                    events: Vec::new(),
                    tasks: Vec::new(),
                    notes: Vec::new(),
                })
            })
            .optional()?;
        let mut case = case.ok_or_else(|| Error::NotFound { what: "case", id: uuid_string(id) })?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, date, kind, text FROM events WHERE case_id = ?1 AND deleted = 0 ORDER BY date, hlc",
        )?;
        case.events = stmt
            .query_map([&id[..]], |r| {
                Ok(Event {
                    id: uuid_string(&r.get::<_, Vec<u8>>(0)?),
                    date: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    kind: r.get::<_, Option<String>>(2)?.unwrap_or_else(|| "other".into()),
                    text: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, title, due, done FROM tasks WHERE case_id = ?1 AND deleted = 0 \
             ORDER BY done, due IS NULL, due, hlc",
        )?;
        case.tasks = stmt
            .query_map([&id[..]], |r| {
                Ok(Task {
                    id: uuid_string(&r.get::<_, Vec<u8>>(0)?),
                    title: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    due: r.get(2)?,
                    done: r.get::<_, i64>(3)? != 0,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        // A note's author is the device that wrote the text it shows (the body's clock), not the
        // first change of the record that arrived: a member who reused the id of another's note
        // never puts words under the other's name.
        let body = NOTE.field("body").expect("notes have a body").code;
        let mut stmt = self.conn.prepare_cached(
            "SELECT n.id, n.body, n.created_at, n.hlc, n.device, n.clocks FROM notes n \
             WHERE n.case_id = ?1 AND n.deleted = 0 ORDER BY n.hlc DESC",
        )?;
        let rows: Vec<(Note, u32)> = stmt
            .query_map([&id[..]], |r| {
                let created = FieldClock { hlc: Hlc(r.get::<_, i64>(3)? as u64), device: r.get(4)? };
                let clocks = RecordClocks::decode(created, r.get::<_, Option<Vec<u8>>>(5)?.as_deref());
                let note = Note {
                    id: uuid_string(&r.get::<_, Vec<u8>>(0)?),
                    body: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    created_at: format_timestamp(r.get::<_, i64>(2)? as u64),
                    author_device: String::new(),
                };
                Ok((note, clocks.get(body).device))
            })?
            .collect::<rusqlite::Result<_>>()?;
        // One lookup per author, not per note (a case holds many notes by few devices).
        let mut device = self.conn.prepare_cached("SELECT id FROM devices WHERE idx = ?1")?;
        let mut short: std::collections::HashMap<u32, String> = std::collections::HashMap::new();
        for (mut note, author) in rows {
            note.author_device = match short.entry(author) {
                std::collections::hash_map::Entry::Occupied(e) => e.get().clone(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let id: Vec<u8> = device.query_row([author], |r| r.get(0))?;
                    e.insert(crate::hex::short(&id, 4)).clone()
                }
            };
            case.notes.push(note);
        }
        Ok(case)
    }

    /// A page of the case list, most recently updated first.
    pub fn list_cases(&self, filter: &CaseFilter, offset: u64, limit: u64) -> Result<Vec<CaseSummary>> {
        self.list_cases_sorted(filter, CaseSort::Updated, offset, limit)
    }

    /// A page of the case list in the given order.
    pub fn list_cases_sorted(
        &self,
        filter: &CaseFilter,
        sort: CaseSort,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<CaseSummary>> {
        filter.check()?;
        let (cond, mut params) = filter.sql();
        let n = params.len();
        params.push(SqlValue::Integer(limit.min(10_000) as i64));
        params.push(SqlValue::Integer(offset.min(i64::MAX as u64) as i64));
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM cases c WHERE {cond} ORDER BY {} LIMIT ?{} OFFSET ?{}",
            sort.order_by(),
            n + 1,
            n + 2
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(params.iter()), summary_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many cases match the filter.
    pub fn count_cases(&self, filter: &CaseFilter) -> Result<u64> {
        filter.check()?;
        let (cond, params) = filter.sql();
        let sql = format!("SELECT count(*) FROM cases c WHERE {cond}");
        Ok(self.conn.prepare_cached(&sql)?.query_row(params_from_iter(params.iter()), |r| r.get::<_, i64>(0))? as u64)
    }
}
