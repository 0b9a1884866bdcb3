//! Errors: a rich internal [`Error`] and the small set of [`ErrorCode`]s that the CLI and the
//! desktop app act on.
//!
//! Messages are written for a caseworker: what is wrong, in the domain's words; what to do
//! about it is the front end's (the CLI's `hint:` line, the app's own words). No message ever
//! contains a passphrase, key or case content.

use std::fmt;
use std::path::PathBuf;

/// Result with the core's error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in enough detail to explain it.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// No key slot opened with the given passphrase or recovery key.
    WrongKey,
    /// The vault folder has no header file.
    HeaderMissing { path: PathBuf },
    /// The header file is truncated, corrupt or was modified.
    HeaderDamaged { path: PathBuf, reason: String },
    /// The header was written by a newer version of Casebook (`reads`: the newest this one reads).
    HeaderTooNew { path: PathBuf, version: u16, reads: u16 },
    /// Key-derivation parameters outside the accepted bounds (checked before the KDF runs).
    KdfParams { reason: String },
    /// `init` was pointed at a folder that already holds something.
    VaultExists { path: PathBuf },
    /// The database's schema is newer than this build understands.
    DatabaseTooNew { version: i64 },
    /// A record that does not exist (or was deleted).
    NotFound { what: &'static str, id: String },
    /// Input that does not fit: names the field and why.
    InvalidInput { field: String, reason: String },
    /// A file-system operation failed.
    Io { context: String, source: std::io::Error },
    /// SQLCipher/SQLite failed.
    Database(rusqlite::Error),
    /// A cryptographic operation failed in a way that is not a wrong key.
    Crypto(&'static str),
    /// The sync share folder cannot be read or written, or is not the group's share.
    ShareUnreachable { path: PathBuf, reason: String },
    /// The vault is not attached to a share (or already is, for `share create`/`join`).
    ShareState { reason: String },
    /// The work was stopped from outside (the app locked the vault while a sync ran).
    Cancelled,
}

/// The codes the UI and CLI branch on. Stable: the desktop app receives them over IPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// Wrong passphrase or recovery key.
    WrongKey,
    /// The input is invalid; the message names the field.
    BadInput,
    /// The record does not exist.
    NotFound,
    /// There is no vault at the given place.
    VaultMissing,
    /// The vault's files are damaged or were tampered with.
    VaultDamaged,
    /// The vault needs a newer Casebook.
    VaultTooNew,
    /// A vault (or other files) already exists where one would be created.
    VaultExists,
    /// Reading or writing a file failed.
    Io,
    /// The sync share cannot be reached (unplugged stick, unmounted drive, wrong folder).
    ShareUnreachable,
    /// The work was stopped because the vault was locked.
    Cancelled,
    /// Anything else: a bug or an unexpected database failure.
    Internal,
}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(field: &str, reason: &str) -> Self {
        Error::InvalidInput { field: field.to_string(), reason: reason.to_string() }
    }

    /// Shorthand for [`Error::Io`] with a context line.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    /// The code the UI and CLI act on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::WrongKey => ErrorCode::WrongKey,
            Error::HeaderMissing { .. } => ErrorCode::VaultMissing,
            Error::HeaderDamaged { .. } => ErrorCode::VaultDamaged,
            Error::HeaderTooNew { .. } | Error::DatabaseTooNew { .. } => ErrorCode::VaultTooNew,
            Error::KdfParams { .. } => ErrorCode::VaultDamaged,
            Error::VaultExists { .. } => ErrorCode::VaultExists,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::InvalidInput { .. } => ErrorCode::BadInput,
            Error::Io { .. } => ErrorCode::Io,
            Error::Database(e) if is_not_a_database(e) => ErrorCode::VaultDamaged,
            Error::Database(_) | Error::Crypto(_) => ErrorCode::Internal,
            Error::ShareUnreachable { .. } => ErrorCode::ShareUnreachable,
            Error::ShareState { .. } => ErrorCode::BadInput,
            Error::Cancelled => ErrorCode::Cancelled,
        }
    }
}

/// SQLite's words for "this file is not what the key says it is": a wrong key, a damaged
/// page (its HMAC fails) or a file that is not a database at all.
fn is_not_a_database(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if matches!(f.code, rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::WrongKey => write!(f, "wrong passphrase or recovery key"),
            Error::HeaderMissing { path } => {
                write!(f, "no vault here: the header file {} does not exist", path.display())
            }
            Error::HeaderDamaged { path, reason } => {
                write!(f, "the vault header {} is damaged or was modified: {reason}", path.display())
            }
            Error::HeaderTooNew { path, version, reads } => write!(
                f,
                "the vault header {} has format version {version}, written by a newer Casebook; this one reads up to version {reads}",
                path.display(),
            ),
            Error::KdfParams { reason } => write!(f, "refused key-derivation parameters: {reason}"),
            Error::VaultExists { path } => {
                write!(f, "{} is not empty; a new vault needs an empty or new folder", path.display())
            }
            Error::DatabaseTooNew { version } => write!(
                f,
                "the vault's database has schema version {version}, written by a newer Casebook"
            ),
            Error::NotFound { what, id } => write!(f, "no {what} with id {id}"),
            Error::InvalidInput { field, reason } => write!(f, "invalid {field}: {reason}"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Database(e) if is_not_a_database(e) => {
                write!(f, "the vault database cannot be read: it is damaged, was modified, or does not belong to this header")
            }
            Error::Database(e) => write!(f, "database error: {e}"),
            Error::Crypto(what) => write!(f, "cryptographic failure: {what}"),
            Error::ShareUnreachable { path, reason } => write!(f, "the share {} cannot be used: {reason}", path.display()),
            Error::ShareState { reason } => f.write_str(reason),
            Error::Cancelled => f.write_str("stopped: the vault was locked; nothing half-done was kept"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Database(e) => Some(e),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Database(e)
    }
}
