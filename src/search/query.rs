//! The case list as the app asks for it (`Store::query_cases`): a search text or none, the
//! list filters with "tasks overdue" and "due this week" as of today, an order, and a page.
//! The rules (orders, due filters, text and page bounds) are here once; the app's command
//! only parses its arguments into a [`CaseQuery`].

use std::str::FromStr;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::CaseSummary;
use crate::store::read::{CaseFilter, CaseSort};
use crate::store::Store;

/// The longest search text.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most rows of one page.
pub const MAX_PAGE_ROWS: u64 = 500;

/// Cases with an open task due by a day relative to today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Due before today.
    Overdue,
    /// Due within the next seven days (or before).
    Week,
}

impl FromStr for Due {
    type Err = Error;
    fn from_str(s: &str) -> Result<Due> {
        match s {
            "overdue" => Ok(Due::Overdue),
            "week" => Ok(Due::Week),
            _ => Err(Error::invalid("due", "expected overdue or week")),
        }
    }
}

impl FromStr for CaseSort {
    type Err = Error;
    fn from_str(s: &str) -> Result<CaseSort> {
        match s {
            "updated" => Ok(CaseSort::Updated),
            "name" => Ok(CaseSort::Name),
            "next_due" => Ok(CaseSort::NextDue),
            "risk" => Ok(CaseSort::Risk),
            _ => Err(Error::invalid("sort", "expected updated, name, next_due or risk")),
        }
    }
}

/// One request of the case list.
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    /// Search text (empty: the filtered list in `sort` order).
    pub query: String,
    pub stage: Option<String>,
    pub country: Option<String>,
    pub risk_level: Option<String>,
    pub due: Option<Due>,
    pub sort: CaseSort,
    pub offset: u64,
    /// Rows wanted, 1 to [`MAX_PAGE_ROWS`] (clamped).
    pub limit: u64,
}

/// A page of the case list: its rows, and how many cases match in all (a search returns its
/// best matches only, and counts those).
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub total: u64,
    pub rows: Vec<CaseSummary>,
}

impl Store {
    /// The page of cases `q` asks for.
    pub fn query_cases(&self, q: &CaseQuery) -> Result<Page> {
        if q.query.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::invalid("query", "the search text is too long"));
        }
        let filter = CaseFilter {
            stage: q.stage.clone(),
            country: q.country.clone(),
            risk_level: q.risk_level.clone(),
            tasks_due_by: q.due.map(|d| match d {
                Due::Overdue => self.date_in_days(-1),
                Due::Week => self.date_in_days(7),
            }),
        };
        let limit = q.limit.clamp(1, MAX_PAGE_ROWS);
        if q.query.trim().is_empty() {
            let total = self.count_cases(&filter)?;
            let rows = self.list_cases_sorted(&filter, q.sort, q.offset, limit)?;
            Ok(Page { total, rows })
        } else {
            let rows = self.search(&q.query, &filter, limit)?;
            Ok(Page { total: rows.len() as u64, rows })
        }
    }
}
