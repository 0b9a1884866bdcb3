//! The IPC commands (docs/ipc.md). Each is glue: state, one core call, a DTO. Commands that
//! run the KDF or touch the share folder (which may be a slow network drive) are `async` so
//! Tauri runs them off the UI thread.

use std::path::PathBuf;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use tauri::State;
use zeroize::Zeroizing;

use casebook::entropy::{OsEntropy, SystemClock};
use casebook::model::{CaseFile, CaseSummary};
use casebook::secret::Passphrase;
use casebook::store::conflicts::Conflict;
use casebook::store::read::{parse_id, CaseFilter, CaseSort};
use casebook::sync::engine::{self, Attachment, Status, SyncReport};
use casebook::sync::words;
use casebook::vault::{keyslot, CreateOptions, Vault};

use crate::ipc_error::{IpcError, IpcResult};
use crate::session::{AppState, Session};
use crate::settings::Settings;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultStatus {
    exists: bool,
    unlocked: bool,
    path: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    recovery_key: String,
}

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

fn open_session(vault: Vault) -> casebook::Result<Session> {
    let store = vault.open_store(Box::new(SystemClock), Box::new(OsEntropy))?;
    Ok(Session { store })
}

fn passphrase(text: String) -> IpcResult<Passphrase> {
    Passphrase::new(text).map_err(|_| IpcError::bad_input("passphrase", "the passphrase is empty"))
}

// Async (off the UI thread) like every command that takes the session: a running sync holds it.
#[tauri::command(async)]
pub fn vault_status(state: State<'_, AppState>) -> IpcResult<VaultStatus> {
    Ok(VaultStatus {
        exists: state.vault_dir.join(casebook::vault::HEADER_FILE).exists(),
        unlocked: state.session.lock().map(|s| s.is_some()).unwrap_or(false),
        path: state.vault_dir.display().to_string(),
    })
}

#[tauri::command(async)]
pub fn vault_create(state: State<'_, AppState>, passphrase: String) -> IpcResult<Created> {
    let pass = self::passphrase(passphrase)?;
    if pass.char_count() < 8 {
        return Err(IpcError::bad_input("passphrase", "use at least 8 characters"));
    }
    let (vault, recovery) = Vault::create(&state.vault_dir, &pass, CreateOptions::default(), &mut OsEntropy)?;
    let session = open_session(vault)?;
    *state.session.lock().map_err(|_| IpcError::locked())? = Some(session);
    state.touch();
    Ok(Created { recovery_key: recovery.display_groups().to_string() })
}

#[tauri::command(async)]
pub fn vault_unlock(state: State<'_, AppState>, passphrase: String) -> IpcResult<()> {
    let pass = self::passphrase(passphrase)?;
    let session = open_session(Vault::unlock(&state.vault_dir, &pass)?)?;
    *state.session.lock().map_err(|_| IpcError::locked())? = Some(session);
    state.touch();
    Ok(())
}

#[tauri::command(async)]
pub fn vault_lock(state: State<'_, AppState>) -> IpcResult<()> {
    state.lock();
    Ok(())
}

#[tauri::command(async)]
pub fn vault_change_passphrase(state: State<'_, AppState>, current: String, next: String) -> IpcResult<()> {
    let current = self::passphrase(current)?;
    let next = self::passphrase(next).map_err(|_| IpcError::bad_input("next", "the new passphrase is empty"))?;
    if next.char_count() < 8 {
        return Err(IpcError::bad_input("next", "use at least 8 characters"));
    }
    // Proves the current passphrase; the open session is kept.
    let mut vault = Vault::unlock(&state.vault_dir, &current)?;
    vault.change_passphrase(&next, keyslot::DEFAULT_PASSPHRASE_KDF, &mut OsEntropy)?;
    Ok(())
}

#[tauri::command]
pub fn session_touch(state: State<'_, AppState>) {
    state.touch();
}

#[tauri::command]
pub fn settings_get(state: State<'_, AppState>) -> Settings {
    state.settings.lock().map(|s| s.clone()).unwrap_or_default()
}

#[tauri::command]
pub fn settings_set(state: State<'_, AppState>, settings: Settings) -> IpcResult<Settings> {
    settings.check().map_err(|(field, msg)| IpcError::bad_input(field, &msg))?;
    settings.save(&state.settings_path)?;
    *state.settings.lock().map_err(|_| IpcError::locked())? = settings.clone();
    Ok(settings)
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

#[derive(Serialize)]
pub struct SyncOverview {
    attached: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conflicts: Option<Vec<Conflict>>,
}

#[derive(Serialize)]
pub struct Invite {
    invite: String,
    /// The one-time passphrase words: shown once, sent by another channel than the invite.
    #[serde(serialize_with = "expose")]
    passphrase: Zeroizing<String>,
}

fn expose<S: Serializer>(text: &Zeroizing<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(text)
}

/// Most characters of a device label (the share's record holds at most 200 bytes).
const MAX_LABEL_CHARS: usize = 60;

/// The share folder as typed: trimmed, `~/` expanded, and absolute (a relative path would
/// depend on where the app was started from).
fn share_dir(path: &str) -> IpcResult<PathBuf> {
    let path = path.trim();
    if path.is_empty() {
        return Err(IpcError::bad_input("path", "enter the share folder"));
    }
    let dir = match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    };
    if !dir.is_absolute() {
        return Err(IpcError::bad_input("path", "give the folder's full path, such as /home/me/Sync/casebook"));
    }
    Ok(dir)
}

fn device_label(label: &str) -> IpcResult<String> {
    let label = label.trim();
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(IpcError::bad_input("label", "use at most 60 characters"));
    }
    Ok(label.to_string())
}

/// "Already a share" / "already attached" come from the core as `ShareState`; the forms show
/// them beside the folder, so they carry the field `share`.
fn share_state(e: casebook::Error) -> IpcError {
    let at_share = matches!(e, casebook::Error::ShareState { .. });
    let mut out = IpcError::from(e);
    if at_share {
        out.field = Some("share".into());
    }
    out
}

#[tauri::command(async)]
pub fn sync_overview(state: State<'_, AppState>) -> IpcResult<SyncOverview> {
    state.with_session(|s| match engine::status(&s.store) {
        Ok(status) => Ok(SyncOverview { attached: true, status: Some(status), conflicts: Some(s.store.conflicts()?) }),
        Err(casebook::Error::ShareState { .. }) => Ok(SyncOverview { attached: false, status: None, conflicts: None }),
        Err(e) => Err(e),
    })
}

#[tauri::command(async)]
pub fn sync_create(state: State<'_, AppState>, path: String, label: String) -> IpcResult<Attachment> {
    let dir = share_dir(&path)?;
    let label = device_label(&label)?;
    state
        .with_session(|s| {
            if !label.is_empty() {
                engine::set_label(&mut s.store, &label)?;
            }
            Ok(engine::create(&mut s.store, &dir))
        })?
        .map_err(share_state)
}

#[tauri::command(async)]
pub fn sync_join(
    state: State<'_, AppState>,
    path: String,
    invite: String,
    passphrase: String,
    label: String,
) -> IpcResult<Attachment> {
    let dir = share_dir(&path)?;
    let label = device_label(&label)?;
    if invite.trim().is_empty() {
        return Err(IpcError::bad_input("invite", "paste the invite text"));
    }
    let pass = Passphrase::new(passphrase).map_err(|_| IpcError::bad_input("passphrase", "enter the passphrase"))?;
    state
        .with_session(|s| {
            if !label.is_empty() {
                engine::set_label(&mut s.store, &label)?;
            }
            Ok(engine::join(&mut s.store, &dir, &invite, &pass))
        })?
        .map_err(share_state)
}

#[tauri::command(async)]
pub fn sync_invite(state: State<'_, AppState>) -> IpcResult<Invite> {
    let words = words::generate(&mut OsEntropy);
    let pass = self::passphrase(words.to_string())?;
    let invite = state.with_session(|s| engine::invite(&mut s.store, &pass, keyslot::DEFAULT_PASSPHRASE_KDF))?;
    Ok(Invite { invite, passphrase: words })
}

#[tauri::command(async)]
pub fn sync_now(state: State<'_, AppState>) -> IpcResult<SyncReport> {
    state.with_session(|s| engine::sync(&mut s.store))
}

#[tauri::command(async)]
pub fn conflict_resolve(state: State<'_, AppState>, id: String, keep: usize) -> IpcResult<()> {
    state.with_session(|s| s.store.resolve_conflict(&id, keep).map(|_| ()))
}
