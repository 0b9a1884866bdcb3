//! Sync commands: the overview, create and join a share (a group with a roster), the invite,
//! join requests and their answers (approve by typing the code, decline), revoke, the upgrade
//! of a group made by an older Casebook, sync now,
//! dismiss an alarm, accept a quarantine, resolve a conflict.

use std::path::PathBuf;

use serde::{Serialize, Serializer};
use tauri::State;
use zeroize::Zeroizing;

use casebook::entropy::OsEntropy;
use casebook::secret::Passphrase;
use casebook::store::conflicts::Conflict;
use casebook::sync::engine::members::{self, Created, JoinRequest, Joined};
use casebook::sync::engine::upgrade::Upgraded;
use casebook::sync::engine::{self, Status, SyncReport};
use casebook::sync::words;
use casebook::vault::keyslot;

use super::typed_path;
use crate::ipc_error::{IpcError, IpcResult};
use crate::session::AppState;

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
    Ok(engine::check_label(label)?)
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
pub fn sync_create(state: State<'_, AppState>, path: String, label: String) -> IpcResult<Created> {
    let dir = share_dir(&path)?;
    let label = device_label(&label)?;
    state
        .with_session(|s| {
            if !label.is_empty() {
                engine::set_label(&mut s.store, &label)?;
            }
            Ok(members::create(&mut s.store, &dir))
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
) -> IpcResult<Joined> {
    let dir = share_dir(&path)?;
    let label = device_label(&label)?;
    if invite.trim().is_empty() {
        return Err(IpcError::bad_input("invite", "paste the invite text"));
    }
    let pass = Passphrase::new(passphrase).map_err(|_| IpcError::bad_input("passphrase", "enter the passphrase"))?;
    state
        .with_session(|s| {
            let label = (!label.is_empty()).then_some(label.as_str());
            Ok(members::join(&mut s.store, &dir, &invite, &pass, label))
        })?
        .map_err(share_state)
}

#[tauri::command(async)]
pub fn sync_invite(state: State<'_, AppState>) -> IpcResult<Invite> {
    let words = words::generate(&mut OsEntropy);
    let pass = super::passphrase(words.to_string())?;
    let invite = state.with_session(|s| members::invite(&mut s.store, &pass, keyslot::DEFAULT_PASSPHRASE_KDF))?;
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
pub fn sync_requests(state: State<'_, AppState>) -> IpcResult<Vec<JoinRequest>> {
    state.with_session(|s| members::requests(&mut s.store))
}

/// Approves a join request with the code the joiner reads out (typed here, never shown here).
#[tauri::command(async)]
pub fn sync_approve(state: State<'_, AppState>, device: String, code: String) -> IpcResult<()> {
    if code.trim().is_empty() {
        return Err(IpcError::bad_input("code", "type the code the other person reads out to you"));
    }
    state.with_session(|s| members::approve(&mut s.store, &device, &code))
}

#[tauri::command(async)]
pub fn sync_decline(state: State<'_, AppState>, device: String) -> IpcResult<()> {
    state.with_session(|s| members::decline(&mut s.store, &device))
}

#[tauri::command(async)]
pub fn sync_revoke(state: State<'_, AppState>, device: String, reason: String) -> IpcResult<()> {
    state.with_session(|s| members::revoke(&mut s.store, &device, None, reason.trim()))
}

/// Moves a group made by an older Casebook (no roster) to one with a roster, run by this
/// device; returns the group's recovery key, shown once.
#[tauri::command(async)]
pub fn sync_upgrade(state: State<'_, AppState>) -> IpcResult<Upgraded> {
    state.with_session(|s| Ok(engine::upgrade::upgrade(&mut s.store)))?.map_err(share_state)
}

#[tauri::command(async)]
pub fn conflict_resolve(state: State<'_, AppState>, id: String, keep: usize) -> IpcResult<()> {
    state.with_session(|s| s.store.resolve_conflict(&id, keep).map(|_| ()))
}
