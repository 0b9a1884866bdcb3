//! Build script: lists the app's commands in the app manifest, so Tauri's ACL checks every
//! IPC call against `capabilities/default.json` and rejects anything else.

const COMMANDS: &[&str] = &[
    "vault_status",
    "vault_create",
    "vault_unlock",
    "vault_lock",
    "vault_change_passphrase",
    "session_touch",
    "settings_get",
    "settings_set",
    "cases_query",
    "case_get",
    "case_create",
    "case_update",
    "case_delete",
    "note_add",
    "task_add",
    "task_set_done",
    "event_add",
    "sync_overview",
    "sync_create",
    "sync_join",
    "sync_invite",
    "sync_now",
    "sync_dismiss_alarm",
    "sync_accept_quarantine",
    "sync_requests",
    "sync_approve",
    "sync_decline",
    "sync_revoke",
    "sync_upgrade",
    "conflict_resolve",
    "identity_show",
    "partner_list",
    "partner_add",
    "partner_confirm",
    "export_rarity",
    "partner_remove",
    "export_run",
    "import_preview",
    "import_apply",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
