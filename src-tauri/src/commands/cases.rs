//! Case commands: the case list (`Store::query_cases`), one case file, and its edits.

use serde::Serialize;
use serde_json::{Map, Value};
use tauri::State;

use casebook::model::CaseFile;
use casebook::search::query::{CaseQuery, Page};
use casebook::store::read::parse_id;

use crate::ipc_error::IpcResult;
use crate::session::AppState;

#[derive(Serialize)]
pub struct NewId {
    id: String,
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
    let q = CaseQuery {
        query,
        stage: filter.stage,
        country: filter.country,
        risk_level: filter.risk_level,
        due: filter.due.as_deref().map(str::parse).transpose()?,
        sort: sort.parse()?,
        offset,
        limit,
    };
    state.with_session(|s| s.store.query_cases(&q))
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
