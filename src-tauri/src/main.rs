//! The Casebook desktop shell: sets up Tauri, the session state, the auto-lock watcher and
//! automatic sync, and registers the commands. All work happens in the `casebook` core.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod autosync;
mod commands;
mod ipc_error;
mod session;
mod settings;
mod sleep;

fn main() {
    // WebKitGTK's accelerated compositing doubles the web process's memory (measured with
    // 20,000 cases: 221 → 121 MiB PSS) and misbehaves on old GPUs; Casebook draws plain
    // forms and lists, which need none of it. A value set by the user wins.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    let app = tauri::Builder::default()
        .setup(|app| {
            let state = session::AppState::new(app.handle())?;
            tauri::Manager::manage(app, state);
            session::spawn_auto_lock(app.handle().clone());
            autosync::spawn(app.handle().clone());
            sleep::spawn(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::vault::vault_status,
            commands::vault::vault_create,
            commands::vault::vault_unlock,
            commands::vault::vault_lock,
            commands::vault::vault_change_passphrase,
            commands::vault::session_touch,
            commands::vault::settings_get,
            commands::vault::settings_set,
            commands::cases::cases_query,
            commands::cases::case_get,
            commands::cases::case_create,
            commands::cases::case_update,
            commands::cases::case_delete,
            commands::cases::note_add,
            commands::cases::task_add,
            commands::cases::task_set_done,
            commands::cases::event_add,
            commands::sync::sync_overview,
            commands::sync::sync_create,
            commands::sync::sync_join,
            commands::sync::sync_invite,
            commands::sync::sync_now,
            commands::sync::sync_dismiss_alarm,
            commands::sync::sync_accept_quarantine,
            commands::sync::sync_requests,
            commands::sync::sync_approve,
            commands::sync::sync_decline,
            commands::sync::sync_revoke,
            commands::sync::sync_upgrade,
            commands::sync::conflict_resolve,
            commands::exchange::identity_show,
            commands::exchange::partner_list,
            commands::exchange::partner_add,
            commands::exchange::partner_confirm,
            commands::exchange::export_rarity,
            commands::exchange::partner_remove,
            commands::exchange::export_run,
            commands::exchange::import_preview,
            commands::exchange::import_apply,
        ])
        .build(tauri::generate_context!());
    match app {
        // Quitting locks like the Lock button: unsent edits leave first, then the keys go.
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::ExitRequested { .. } | tauri::RunEvent::Exit = event {
                if let Some(state) = tauri::Manager::try_state::<session::AppState>(handle) {
                    state.lock();
                }
            }
        }),
        Err(e) => {
            eprintln!("error: Casebook could not start: {e}");
            std::process::exit(1);
        }
    }
}
