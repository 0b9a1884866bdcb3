//! Errors as they cross IPC: `{code, message, field?}`. The UI branches on `code` (and
//! `field`) and shows its own translated words; `message` is the core's English text.

use serde::Serialize;

use casebook::error::{Error, ErrorCode};

/// The error object a rejected command returns.
#[derive(Debug, Serialize)]
pub struct IpcError {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl IpcError {
    /// The vault is locked: the UI shows the unlock screen.
    pub fn locked() -> Self {
        IpcError { code: "locked", message: "the vault is locked".into(), field: None }
    }

    /// The vault was locked while a command held it (a sync on a share that does not answer)
    /// and that command has not returned yet: unlocking must wait for it.
    pub fn closing() -> Self {
        IpcError {
            code: "closing",
            message: "the vault is still closing: a sync that was running when it locked has not finished".into(),
            field: None,
        }
    }

    /// Input the shell itself refuses (before the core sees it).
    pub fn bad_input(field: &str, message: &str) -> Self {
        IpcError { code: "bad_input", message: message.into(), field: Some(field.into()) }
    }
}

impl From<Error> for IpcError {
    fn from(e: Error) -> Self {
        let code = match e.code() {
            ErrorCode::WrongKey => "wrong_key",
            ErrorCode::BadInput => "bad_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::VaultMissing => "vault_missing",
            ErrorCode::VaultDamaged => "vault_damaged",
            ErrorCode::VaultTooNew => "vault_too_new",
            ErrorCode::VaultExists => "vault_exists",
            ErrorCode::Io => "io",
            ErrorCode::ShareUnreachable => "share_unreachable",
            ErrorCode::Cancelled => "locked",
            _ => "internal",
        };
        let field = match &e {
            Error::InvalidInput { field, .. } => Some(field.clone()),
            _ => None,
        };
        IpcError { code, message: e.to_string(), field }
    }
}

pub type IpcResult<T> = Result<T, IpcError>;
