//! `casebook init`, `passwd`, `recover` and `check`: the vault itself.

use casebook::entropy::OsEntropy;
use casebook::error::{Error, Result};
use casebook::vault::{keyslot, CreateOptions, Vault};

use super::args::{Cli, KdfArgs};
use super::{open, output, secrets, vault_dir};

/// Creates a vault (a new passphrase of the strength rule, asked twice) and prints its
/// recovery key once.
pub(super) fn init(cli: &Cli, kdf: &KdfArgs) -> Result<()> {
    let dir = vault_dir(cli)?;
    let opts = CreateOptions {
        passphrase_kdf: kdf.params(keyslot::DEFAULT_PASSPHRASE_KDF),
        recovery_kdf: kdf.recovery_params(),
        ..CreateOptions::default()
    };
    opts.passphrase_kdf.check()?;
    let pass = secrets::passphrase(cli.passphrase_file.as_deref(), true)?;
    let (vault, recovery) = Vault::create(&dir, &pass, opts, &mut OsEntropy)?;
    output::created(&vault, &recovery);
    if let Some(w) = casebook::vault::location::warning(&dir) {
        eprintln!("warning: {w}");
    }
    Ok(())
}

/// Changes the passphrase, proving the current one.
pub(super) fn passwd(cli: &Cli, kdf: &KdfArgs) -> Result<()> {
    let dir = vault_dir(cli)?;
    casebook::vault::read_header(&dir)?;
    let pass = secrets::passphrase(cli.passphrase_file.as_deref(), false)?;
    let mut vault = Vault::unlock(&dir, &pass)?;
    let new = secrets::new_passphrase()?;
    vault.change_passphrase(&new, kdf.params(keyslot::DEFAULT_PASSPHRASE_KDF), &mut OsEntropy)?;
    println!("Passphrase changed for the vault at {}.", dir.display());
    Ok(())
}

/// Sets a new passphrase with the recovery key.
pub(super) fn recover(cli: &Cli, kdf: &KdfArgs) -> Result<()> {
    let dir = vault_dir(cli)?;
    casebook::vault::read_header(&dir)?;
    let key = secrets::recovery_key()?;
    let mut vault = Vault::unlock_with_recovery_key(&dir, &key)?;
    let new = secrets::new_passphrase()?;
    vault.change_passphrase(&new, kdf.params(keyslot::DEFAULT_PASSPHRASE_KDF), &mut OsEntropy)?;
    println!("New passphrase set for the vault at {}. The recovery key stays the same.", dir.display());
    Ok(())
}

/// SQLite's and SQLCipher's integrity checks of the vault database.
pub(super) fn check(cli: &Cli) -> Result<()> {
    if let Some(w) = casebook::vault::location::warning(&vault_dir(cli)?) {
        eprintln!("warning: {w}");
    }
    let store = open(cli)?;
    let problems = store.integrity_check()?;
    if problems.is_empty() {
        println!("ok: the vault database passed SQLite's and SQLCipher's integrity checks");
        Ok(())
    } else {
        for p in &problems {
            println!("problem: {p}");
        }
        Err(Error::HeaderDamaged {
            path: vault_dir(cli)?.join(casebook::vault::DB_FILE),
            reason: format!("{} integrity problems", problems.len()),
        })
    }
}
