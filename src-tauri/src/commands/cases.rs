//! Case commands: the paged, filtered and sorted list (or a search), one case file, and its
//! edits.

use serde::Serialize;
use serde_json::{Map, Value};
use tauri::State;

use casebook::model::{CaseFile, CaseSummary};
use casebook::store::read::{parse_id, CaseFilter, CaseSort};

use crate::ipc_error::{IpcError, IpcResult};
use crate::session::AppState;

#[derive(Serialize)]
pub struct NewId {
    id: String,
}

#[derive(Serialize)]
pub struct Page {
    total: u64,
    rows: Vec<CaseSummary>,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FilterArg {
    stage: Option<String>,
    country: Option<String>,
    risk_level: Option<String>,
    due: Option<String>,
}

#[tauri::command(async)]
pub fn cases_query(
    state: State<'_, AppState>,
    query: String,
    filter: FilterArg,
    sort: String,
    offset: u64,
    limit: u64,
) -> IpcResult<Page> {
    let sort = match sort.as_str() {
        "updated" => CaseSort::Updated,
        "name" => CaseSort::Name,
        "next_due" => CaseSort::NextDue,
        "risk" => CaseSort::Risk,
        _ => return Err(IpcError::bad_input("sort", "unknown sort")),
    };
    if query.chars().count() > 200 {
        return Err(IpcError::bad_input("query", "the search text is too long"));
    }
    state.with_session(|s| {
        let due_by = match filter.due.as_deref() {
            None => None,
            Some("overdue") => Some(s.store.date_in_days(-1)),
            Some("week") => Some(s.store.date_in_days(7)),
            Some(_) => return Err(casebook::Error::invalid("due", "expected overdue or week")),
        };
        let f = CaseFilter {
            stage: filter.stage,
            country: filter.country,
            risk_level: filter.risk_level,
            tasks_due_by: due_by,
        };
        let limit = limit.clamp(1, 500);
        if query.trim().is_empty() {
            let total = s.store.count_cases(&f)?;
            let rows = s.store.list_cases_sorted(&f, sort, offset, limit)?;
            Ok(Page { total, rows })
        } else {
            let rows = s.store.search(&query, &f, limit)?;
            Ok(Page { total: rows.len() as u64, rows })
        }
    })
}

#[tauri::command(async)]
pub fn case_get(state: State<'_, AppState>, id: String) -> IpcResult<CaseFile> {
    let id = parse_id(&id)?;
    state.with_session(|s| s.store.case(&id))
}

#[tauri::command(async)]
pub fn case_create(state: State<'_, AppState>, input: Map<String, Value>) -> IpcResult<NewId> {
    state.with_session(|s| s.store.add_case(&input).map(|id| NewId { id: id.to_string() }))
}

#[tauri::command(async)]
pub fn case_update(state: State<'_, AppState>, id: String, input: Map<String, Value>) -> IpcResult<()> {
    let id = parse_id(&id)?;
    state.with_session(|s| s.store.update_case(&id, &input).map(|_| ()))
}

#[tauri::command(async)]
pub fn case_delete(state: State<'_, AppState>, id: String) -> IpcResult<()> {
    let id = parse_id(&id)?;
    state.with_session(|s| s.store.delete_case(&id))
}

#[tauri::command(async)]
pub fn note_add(state: State<'_, AppState>, case_id: String, text: String) -> IpcResult<NewId> {
    let id = parse_id(&case_id)?;
    state.with_session(|s| s.store.add_note(&id, &text).map(|id| NewId { id: id.to_string() }))
}

#[tauri::command(async)]
pub fn task_add(state: State<'_, AppState>, case_id: String, title: String, due: Option<String>) -> IpcResult<NewId> {
    let id = parse_id(&case_id)?;
    state.with_session(|s| s.store.add_task(&id, &title, due.as_deref()).map(|id| NewId { id: id.to_string() }))
}

#[tauri::command(async)]
pub fn task_set_done(state: State<'_, AppState>, task_id: String, done: bool) -> IpcResult<()> {
    let id = parse_id(&task_id)?;
    state.with_session(|s| s.store.set_task_done(&id, done))
}

#[tauri::command(async)]
pub fn event_add(
    state: State<'_, AppState>,
    case_id: String,
    date: String,
    kind: String,
    text: String,
) -> IpcResult<NewId> {
    let id = parse_id(&case_id)?;
    state.with_session(|s| s.store.add_event(&id, &date, &kind, &text).map(|id| NewId { id: id.to_string() }))
}
