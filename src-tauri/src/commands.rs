//! The IPC commands (docs/ipc.md). Each is glue: state, one core call, a DTO. Commands that
//! run the KDF, touch the share folder (which may be a slow network drive) or read and write
//! export bundles are `async` so Tauri runs them off the UI thread.

use std::path::PathBuf;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use tauri::State;
use zeroize::Zeroizing;

use casebook::entropy::{OsEntropy, SystemClock};
use casebook::export::{self, ExportSummary, ImportPlan, ImportReport, Profile, Protection, Selection};
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
    /// Set when the vault folder is on a network file system (the UI warns in Settings).
    network_drive: Option<String>,
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
    Ok(Session { store, vault_id: vault.id().to_string() })
}

fn passphrase(text: String) -> IpcResult<Passphrase> {
    Passphrase::new(text).map_err(|_| IpcError::bad_input("passphrase", "the passphrase is empty"))
}

// Async (off the UI thread) like every command that takes the session: a running sync holds it.
#[tauri::command(async)]
pub fn vault_status(state: State<'_, AppState>) -> IpcResult<VaultStatus> {
    Ok(VaultStatus {
        exists: state.vault_dir.join(casebook::vault::HEADER_FILE).exists(),
        unlocked: state.is_unlocked(),
        path: state.vault_dir.display().to_string(),
        network_drive: casebook::vault::location::warning(&state.vault_dir),
    })
}

#[tauri::command(async)]
pub fn vault_create(state: State<'_, AppState>, passphrase: String) -> IpcResult<Created> {
    let pass = Passphrase::for_new_vault(passphrase)?;
    let (vault, recovery) = Vault::create(&state.vault_dir, &pass, CreateOptions::default(), &mut OsEntropy)?;
    state.open(open_session(vault)?)?;
    Ok(Created { recovery_key: recovery.display_groups().to_string() })
}

#[tauri::command(async)]
pub fn vault_unlock(state: State<'_, AppState>, passphrase: String) -> IpcResult<()> {
    let pass = self::passphrase(passphrase)?;
    state.open(open_session(Vault::unlock(&state.vault_dir, &pass)?)?)?;
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
    // The form shows the error beside the new passphrase.
    let next =
        Passphrase::for_new_vault(next).map_err(|e| IpcError { field: Some("next".into()), ..IpcError::from(e) })?;
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

/// A path as typed: trimmed, a leading `~/` is the home folder. None when empty.
fn typed_path(path: &str) -> Option<PathBuf> {
    let path = path.trim();
    if path.is_empty() {
        return None;
    }
    Some(match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    })
}

/// The share folder as typed: trimmed, `~/` expanded, and absolute (a relative path would
/// depend on where the app was started from).
fn share_dir(path: &str) -> IpcResult<PathBuf> {
    let dir = typed_path(path).ok_or_else(|| IpcError::bad_input("path", "enter the share folder"))?;
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
        // Not attached: conflicts can still come from an import, and are reviewed on the same screen.
        Err(casebook::Error::ShareState { .. }) => {
            Ok(SyncOverview { attached: false, status: None, conflicts: Some(s.store.conflicts()?) })
        }
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
pub fn sync_dismiss_alarm(state: State<'_, AppState>, device: String, seq: u64, kind: String) -> IpcResult<()> {
    state.with_session(|s| engine::dismiss_alarm(&mut s.store, &device, seq, &kind))
}

#[tauri::command(async)]
pub fn sync_accept_quarantine(state: State<'_, AppState>, device: String) -> IpcResult<engine::Quarantined> {
    state.with_session(|s| engine::accept_quarantined(&mut s.store, &device))
}

#[tauri::command(async)]
pub fn conflict_resolve(state: State<'_, AppState>, id: String, keep: usize) -> IpcResult<()> {
    state.with_session(|s| s.store.resolve_conflict(&id, keep).map(|_| ()))
}

// ---- Export bundles and import (docs/formats/bundle.md) -------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    public_key: String,
}

/// `export_run`'s `selection`: `{kind: "all" | "ids" | "stage" | "country", ids?, stage?, country?}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionArg {
    kind: String,
    ids: Option<Vec<String>>,
    stage: Option<String>,
    country: Option<String>,
}

impl SelectionArg {
    fn parse(self) -> IpcResult<Selection> {
        let missing = |what: &str| IpcError::bad_input("selection", &format!("a {what} selection needs `{what}`"));
        match self.kind.as_str() {
            "all" => Ok(Selection::All),
            "stage" => Ok(Selection::Stage(self.stage.ok_or_else(|| missing("stage"))?)),
            "country" => Ok(Selection::Country(self.country.ok_or_else(|| missing("country"))?)),
            "ids" => {
                let ids = self.ids.ok_or_else(|| IpcError::bad_input("selection", "an ids selection needs `ids`"))?;
                // Bounded before the ids are parsed (the count itself is checked by the core).
                if ids.len() > export::MAX_SELECTED_IDS {
                    return Err(IpcError::bad_input("selection", "select from 1 to 1,000,000 cases"));
                }
                Ok(Selection::Ids(ids.iter().map(|id| parse_id(id)).collect::<casebook::Result<_>>()?))
            }
            _ => Err(IpcError::bad_input("selection", "kind is one of all, ids, stage or country")),
        }
    }
}

/// A bundle file's path as typed: trimmed, `~/` expanded, absolute, naming a file.
fn bundle_path(path: &str) -> IpcResult<PathBuf> {
    let file = typed_path(path).ok_or_else(|| IpcError::bad_input("path", "enter the path of the file"))?;
    if !file.is_absolute() {
        return Err(IpcError::bad_input("path", "give the file's full path, such as /home/me/casebook-export.age"));
    }
    if path.trim().ends_with('/') || file.file_name().is_none() {
        return Err(IpcError::bad_input("path", "give a file name, not a folder"));
    }
    Ok(file)
}

/// Reads the bundle file at a path as typed (`export::file::read`: a regular file, bounded,
/// never blocking).
fn read_bundle_file(path: &str) -> IpcResult<Vec<u8>> {
    Ok(export::file::read(&bundle_path(path)?)?)
}

/// An import's passphrase: absent or empty means "open with this vault's identity".
fn bundle_passphrase(text: Option<String>) -> IpcResult<Option<Passphrase>> {
    match text {
        Some(t) if !t.is_empty() => Ok(Some(self::passphrase(t)?)),
        _ => Ok(None),
    }
}

#[tauri::command(async)]
pub fn identity_show(state: State<'_, AppState>) -> IpcResult<Identity> {
    state.with_session(|s| export::public_key(&mut s.store).map(|public_key| Identity { public_key }))
}

#[tauri::command(async)]
pub fn export_run(
    state: State<'_, AppState>,
    selection: SelectionArg,
    profile: String,
    recipients: Option<Vec<String>>,
    passphrase: Option<String>,
    path: String,
) -> IpcResult<ExportSummary> {
    let selection = selection.parse()?;
    let profile: Profile = profile.parse()?;
    let protection = match (recipients, passphrase) {
        (Some(keys), None) => Protection::Recipients(keys),
        (None, Some(text)) => Protection::Passphrase(Passphrase::for_new_vault(text)?, export::DEFAULT_SCRYPT_LOG_N),
        _ => return Err(IpcError::bad_input("recipient", "give either public keys or a passphrase")),
    };
    let file = bundle_path(&path)?;
    // Refused before the work (the write refuses it again, race-free).
    export::file::check_new(&file)?;
    // The store is held while the bundle is built; the file is written after it is released.
    let (bytes, summary) = state.with_session(|s| {
        let vault_id = s.vault_id.parse().map_err(|_| casebook::Error::invalid("vault", "the vault id is damaged"))?;
        export::export_bundle(&mut s.store, vault_id, &selection, profile, &protection)
    })?;
    export::file::write_new(&file, &bytes)?;
    Ok(summary)
}

#[tauri::command(async)]
pub fn import_preview(state: State<'_, AppState>, path: String, passphrase: Option<String>) -> IpcResult<ImportPlan> {
    let pass = bundle_passphrase(passphrase)?;
    let bytes = read_bundle_file(&path)?;
    state.with_session(|s| {
        let bundle = export::read_bundle(&mut s.store, &bytes, pass.as_ref())?;
        export::plan(&s.store, &bundle)
    })
}

#[tauri::command(async)]
pub fn import_apply(state: State<'_, AppState>, path: String, passphrase: Option<String>) -> IpcResult<ImportReport> {
    let pass = bundle_passphrase(passphrase)?;
    let bytes = read_bundle_file(&path)?;
    state.with_session(|s| {
        let bundle = export::read_bundle(&mut s.store, &bytes, pass.as_ref())?;
        export::apply(&mut s.store, &bundle)
    })
}
