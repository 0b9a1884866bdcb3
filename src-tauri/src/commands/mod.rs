//! The IPC commands (docs/ipc.md), one file per domain: `vault` (create, unlock, lock,
//! passphrase, settings), `cases` (the list, one case, its edits), `sync` (the share, its
//! report, conflicts) and `exchange` (export bundles, imports). Each command is glue: state,
//! one core call, a DTO. Commands that run the KDF, touch the share folder (which may be a
//! slow network drive) or read and write export bundles are `async` so Tauri runs them off the
//! UI thread.

use std::path::PathBuf;

use casebook::secret::Passphrase;

use crate::ipc_error::{IpcError, IpcResult};

pub mod cases;
pub mod exchange;
pub mod sync;
pub mod vault;

/// A passphrase as typed (unlocking, or opening a bundle): not empty.
fn passphrase(text: String) -> IpcResult<Passphrase> {
    Passphrase::new(text).map_err(|_| IpcError::bad_input("passphrase", "the passphrase is empty"))
}

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
