//! Where secrets come from: the environment, a file, or a hidden prompt on the terminal.
//! Nothing here prints or logs a secret.

use std::path::Path;

use zeroize::Zeroizing;

use casebook::error::{Error, Result};
use casebook::secret::{Passphrase, RecoveryKey};

fn env_secret(name: &str) -> Option<Zeroizing<String>> {
    std::env::var(name).ok().map(Zeroizing::new)
}

fn prompt(label: &str) -> Result<Zeroizing<String>> {
    rpassword::prompt_password(label).map(Zeroizing::new).map_err(|e| {
        Error::invalid(
            "passphrase",
            &format!("cannot ask for it here ({e}); set the environment variable or pass a file"),
        )
    })
}

/// The vault passphrase: `$CASEBOOK_PASSPHRASE`, else `--passphrase-file`, else a prompt
/// (asked twice when `new`, for a new vault, which needs a passphrase of the strength rule).
pub fn passphrase(file: Option<&Path>, new: bool) -> Result<Passphrase> {
    let wrap = |text: String| if new { Passphrase::for_new_vault(text) } else { Passphrase::new(text) };
    if let Some(p) = env_secret("CASEBOOK_PASSPHRASE") {
        return wrap(p.to_string());
    }
    if let Some(file) = file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| Error::io(format!("could not read the passphrase file {}", file.display()), e))?;
        return wrap(text);
    }
    let first = prompt("Vault passphrase: ")?;
    if new {
        let second = prompt("Repeat the passphrase: ")?;
        if *first != *second {
            return Err(Error::invalid("passphrase", "the two entries differ; nothing was created"));
        }
    }
    wrap(first.to_string())
}

/// The new passphrase for `passwd`/`recover`: `$CASEBOOK_NEW_PASSPHRASE` or a prompt asked twice.
pub fn new_passphrase() -> Result<Passphrase> {
    if let Some(p) = env_secret("CASEBOOK_NEW_PASSPHRASE") {
        return Passphrase::for_new_vault(p.to_string());
    }
    let first = prompt("New passphrase: ")?;
    let second = prompt("Repeat the new passphrase: ")?;
    if *first != *second {
        return Err(Error::invalid("new passphrase", "the two entries differ; nothing was changed"));
    }
    Passphrase::for_new_vault(first.to_string())
}

/// The recovery key: `$CASEBOOK_RECOVERY_KEY` or a prompt.
pub fn recovery_key() -> Result<RecoveryKey> {
    let text = match env_secret("CASEBOOK_RECOVERY_KEY") {
        Some(t) => t,
        None => prompt("Recovery key: ")?,
    };
    RecoveryKey::parse(&text)
}

/// The one-time invite passphrase for `share invite`: `$CASEBOOK_INVITE_PASSPHRASE`, else four
/// generated words (returned too, to be printed once).
pub fn invite_passphrase_for_new(
    entropy: &mut dyn casebook::entropy::Entropy,
) -> Result<(Passphrase, Option<Zeroizing<String>>)> {
    if let Some(p) = env_secret("CASEBOOK_INVITE_PASSPHRASE") {
        return Ok((Passphrase::new(p.to_string())?, None));
    }
    let words = casebook::sync::words::generate(entropy);
    Ok((Passphrase::new(words.to_string())?, Some(words)))
}

/// The invite passphrase for `share join`: `$CASEBOOK_INVITE_PASSPHRASE` or a prompt.
pub fn invite_passphrase() -> Result<Passphrase> {
    let text = match env_secret("CASEBOOK_INVITE_PASSPHRASE") {
        Some(t) => t,
        None => prompt("Invite passphrase: ")?,
    };
    Passphrase::new(text.to_string())
}

/// The export passphrase: `$CASEBOOK_EXPORT_PASSPHRASE`, else a prompt (asked twice for a new
/// bundle).
pub fn export_passphrase(confirm: bool) -> Result<Passphrase> {
    let wrap = |text: String| if confirm { Passphrase::for_new_vault(text) } else { Passphrase::new(text) };
    if let Some(p) = env_secret("CASEBOOK_EXPORT_PASSPHRASE") {
        return wrap(p.to_string());
    }
    let first = prompt("Bundle passphrase: ")?;
    if confirm {
        let second = prompt("Repeat the bundle passphrase: ")?;
        if *first != *second {
            return Err(Error::invalid("passphrase", "the two entries differ; nothing was exported"));
        }
    }
    wrap(first.to_string())
}
