//! Test tooling for the end-to-end test of `share upgrade` (`e2e/upgrade.test.mjs`): two vaults
//! in a sync group of the kind builds before rosters made (the group key is the membership: no
//! coordinators, no approval), one case each, synced both ways. No Casebook command makes such
//! a group any more; this does, with the library's own functions, so the test can upgrade it in
//! the real app. Weak KDF parameters, passed explicitly (a test's vault, not a volunteer's).
//!
//! Usage: `old_group VAULT_A PASSPHRASE_A LABEL_A VAULT_B PASSPHRASE_B LABEL_B SHARE`

use std::path::Path;

use casebook::entropy::{OsEntropy, SystemClock};
use casebook::error::Result;
use casebook::secret::Passphrase;
use casebook::store::Store;
use casebook::sync::engine;
use casebook::vault::header::KdfParams;
use casebook::vault::{keyslot, CreateOptions, Vault};

const WEAK: KdfParams = KdfParams { m_kib: keyslot::MIN_M_KIB, t: 1, p: 1 };

fn vault(dir: &Path, passphrase: &str, label: &str, case: &str) -> Result<Store> {
    let pass = Passphrase::new(passphrase.to_string())?;
    let opts = CreateOptions { passphrase_kdf: WEAK, recovery_kdf: WEAK, ..CreateOptions::default() };
    let (vault, _recovery) = Vault::create(dir, &pass, opts, &mut OsEntropy)?;
    let mut store = vault.open_store(Box::new(SystemClock), Box::new(OsEntropy))?;
    engine::set_label(&mut store, label)?;
    let input = serde_json::json!({ "full_name": case, "stage": "first_contact", "country": "GE" });
    store.add_case(input.as_object().expect("an object"))?;
    Ok(store)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [vault_a, pass_a, label_a, vault_b, pass_b, label_b, share] = &args[..] else {
        eprintln!("usage: old_group VAULT_A PASSPHRASE_A LABEL_A VAULT_B PASSPHRASE_B LABEL_B SHARE");
        std::process::exit(2);
    };
    let share = Path::new(share);
    let mut a = vault(Path::new(vault_a), pass_a, label_a, "Тимур Ахмедов")?;
    let mut b = vault(Path::new(vault_b), pass_b, label_b, "Павел Орлов")?;
    engine::create(&mut a, share)?;
    let words = Passphrase::new("tobako-rimesu-kanelo-dufa".to_string())?;
    let invite = engine::invite(&mut a, &words, WEAK)?;
    engine::join(&mut b, share, &invite, &words)?;
    engine::sync(&mut a)?;
    engine::sync(&mut b)?;
    engine::sync(&mut a)?;
    println!("two vaults in a group without a roster at {}", share.display());
    Ok(())
}
