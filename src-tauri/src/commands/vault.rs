//! Vault commands: status, create, unlock, lock, change the passphrase; the session's
//! activity; settings.

use serde::Serialize;
use tauri::State;

use casebook::entropy::{OsEntropy, SystemClock};
use casebook::secret::Passphrase;
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

fn open_session(vault: Vault) -> casebook::Result<Session> {
    let store = vault.open_store(Box::new(SystemClock), Box::new(OsEntropy))?;
    Ok(Session { store, vault_id: vault.id().to_string(), previewed: None })
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
    let pass = super::passphrase(passphrase)?;
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
    let current = super::passphrase(current)?;
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
