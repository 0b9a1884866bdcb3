//! What a person at the command line can do about an error: the `hint:` line under
//! `error: …`. The core's errors say what is wrong in the domain's words; the command-line
//! advice (which command, which option) lives here, the app has its own.

use casebook::error::Error;

pub(super) fn hint(e: &Error) -> Option<&'static str> {
    match e {
        Error::WrongKey => Some(
            "check the keyboard layout and Caps Lock; if the passphrase is lost, use `casebook recover` with the recovery key",
        ),
        Error::HeaderMissing { .. } => {
            Some("check the vault folder (--vault or $CASEBOOK_VAULT), or create a vault with `casebook init`")
        }
        Error::HeaderDamaged { .. } => Some("restore the vault folder from a backup; do not edit files inside it"),
        // A database file that is not what the key says (damaged, or not a vault's).
        Error::Database(_) if e.code() == casebook::ErrorCode::VaultDamaged => {
            Some("restore the vault folder from a backup; do not edit files inside it")
        }
        Error::HeaderTooNew { .. } | Error::DatabaseTooNew { .. } => Some("install the newest version of Casebook"),
        Error::VaultExists { .. } => Some("choose an empty or new folder"),
        Error::Io { .. } => Some("check that the disk is not full and the folder is writable"),
        Error::ShareUnreachable { .. } => Some(
            "plug in the stick or mount the drive that holds the share, or check the folder with `casebook share status`",
        ),
        _ => None,
    }
}
