//! Export and import of case files for partner organisations (docs/formats/bundle.md): an age
//! file holding a ZIP of `manifest.json`, `cases.json`, `cases.csv` and `README.txt`.
//!
//! Map: [`cases`] (the documents, reading the selection, redaction, CSV) → [`bundle`] (the
//! archive, bounded) → [`crypt`] (age) ; [`import`] checks a bundle and merges it. This module
//! holds the vault's own age identity and the two entry points.

pub mod bundle;
pub mod cases;
pub mod crypt;
pub mod file;
pub mod import;
pub mod layout;
pub mod schema;

use std::str::FromStr;

use age::secrecy::ExposeSecret;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use cases::{Profile, Selection};
pub use import::{apply, apply_planned, plan, Bundle, ImportPlan, ImportReport};

use crate::dates::format_timestamp;
use crate::error::{Error, Result};
use crate::hex::encode as hex;
use crate::secret::Passphrase;
use crate::store::Store;

/// age's own default scrypt work factor (2^18: about 2 s here).
pub const DEFAULT_SCRYPT_LOG_N: u8 = 18;

/// How a bundle is protected.
pub enum Protection {
    /// age X25519 public keys (`age1…`).
    Recipients(Vec<String>),
    /// A passphrase, with the scrypt work factor (log2).
    Passphrase(Passphrase, u8),
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub cases: u64,
    pub notes: u64,
    pub tasks: u64,
    pub events: u64,
    pub bytes: u64,
    pub profile: String,
}

/// This vault's age identity, made on first use and kept only in the encrypted database.
fn identity(store: &mut Store) -> Result<age::x25519::Identity> {
    if let Some(secret) = store.identity_secret(AGE_IDENTITY)? {
        return age::x25519::Identity::from_str(&secret)
            .map_err(|_| Error::invalid("database", "the vault's age identity is damaged"));
    }
    let id = age::x25519::Identity::generate();
    store.keep_identity(AGE_IDENTITY, id.to_string().expose_secret(), &id.to_public().to_string())?;
    Ok(id)
}

/// The `identity` table's kind for the vault's age key.
const AGE_IDENTITY: &str = "age-x25519";

/// This vault's age public key (`age1…`): partners export to it.
pub fn public_key(store: &mut Store) -> Result<String> {
    Ok(identity(store)?.to_public().to_string())
}

/// Most public keys one bundle is encrypted to.
pub const MAX_RECIPIENTS: usize = 20;
/// Most cases one selection by id may name.
pub const MAX_SELECTED_IDS: usize = 1_000_000;

/// Checks an export's selection and protection before any work, for the CLI and the app alike:
/// 1 to [`MAX_SELECTED_IDS`] ids, 1 to [`MAX_RECIPIENTS`] well-formed public keys, and a
/// passphrase of the strength rule (`Passphrase::for_new_vault`).
pub fn check_request(selection: &Selection, protection: &Protection) -> Result<()> {
    if let Selection::Ids(ids) = selection {
        if ids.is_empty() || ids.len() > MAX_SELECTED_IDS {
            return Err(Error::invalid("selection", "select from 1 to 1,000,000 cases"));
        }
    }
    match protection {
        Protection::Recipients(keys) => {
            if keys.is_empty() || keys.len() > MAX_RECIPIENTS {
                return Err(Error::invalid("recipient", &format!("give from 1 to {MAX_RECIPIENTS} public keys")));
            }
            for k in keys {
                crypt::recipient(k)?;
            }
        }
        Protection::Passphrase(pass, _) => pass.check_new()?,
    }
    Ok(())
}

/// Builds an encrypted bundle of the selected cases.
pub fn export_bundle(
    store: &mut Store,
    vault_id: Uuid,
    selection: &Selection,
    profile: Profile,
    protection: &Protection,
) -> Result<(Vec<u8>, ExportSummary)> {
    check_request(selection, protection)?;
    // A stage or country that does not exist is named as such, not reported as "no case".
    let filter = crate::store::read::CaseFilter {
        stage: if let Selection::Stage(st) = selection { Some(st.clone()) } else { None },
        country: if let Selection::Country(c) = selection { Some(c.trim().to_ascii_uppercase()) } else { None },
        ..Default::default()
    };
    filter.check()?;
    let mut list = cases::read_selection(store, selection)?;
    if list.is_empty() {
        return Err(Error::invalid("cases", "no case matches: nothing to export"));
    }
    cases::redact(&mut list, profile);
    let counts = cases::counts(&list);
    let doc = cases::CasesDoc {
        format: cases::CASES_FORMAT.into(),
        version: cases::VERSION,
        profile: profile.as_str().into(),
        cases: list,
    };
    let json = serde_json::to_vec_pretty(&doc).map_err(|_| Error::Crypto("encoding cases.json failed"))?;
    let csv = cases::csv(&doc.cases, profile).into_bytes();
    let readme = cases::readme(profile, &counts).into_bytes();
    let mut entries = std::collections::BTreeMap::new();
    for (name, bytes) in [("cases.json", &json), ("cases.csv", &csv), ("README.txt", &readme)] {
        entries.insert(
            name.to_string(),
            cases::EntryInfo { size: bytes.len() as u64, sha256: hex(&Sha256::digest(bytes)) },
        );
    }
    let manifest = cases::Manifest {
        format: cases::BUNDLE_FORMAT.into(),
        version: cases::VERSION,
        created: format_timestamp(store.clock.now_ms()),
        vault_id: vault_id.to_string(),
        profile: profile.as_str().into(),
        counts: counts.clone(),
        entries,
    };
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(|_| Error::Crypto("encoding the manifest failed"))?;
    let zip = zeroize::Zeroizing::new(bundle::write(&[
        ("manifest.json", &manifest),
        ("cases.json", &json),
        ("cases.csv", &csv),
        ("README.txt", &readme),
    ])?);
    let sealed = match protection {
        Protection::Recipients(keys) => crypt::to_recipients(&zip, keys)?,
        Protection::Passphrase(pass, log_n) => crypt::to_passphrase(&zip, pass, *log_n)?,
    };
    let summary = ExportSummary {
        cases: counts.cases,
        notes: counts.notes,
        tasks: counts.tasks,
        events: counts.events,
        bytes: sealed.len() as u64,
        profile: profile.as_str().into(),
    };
    Ok((sealed, summary))
}

/// Decrypts (this vault's identity, or `passphrase`) and checks a bundle; nothing is written.
pub fn read_bundle(store: &mut Store, bytes: &[u8], passphrase: Option<&Passphrase>) -> Result<Bundle> {
    let sha256: [u8; 32] = Sha256::digest(bytes).into();
    let zip = match passphrase {
        Some(p) => crypt::decrypt(bytes, crypt::Key::Passphrase(p))?,
        None => {
            let id = identity(store)?;
            crypt::decrypt(bytes, crypt::Key::Identity(&id))?
        }
    };
    let zip = zeroize::Zeroizing::new(zip);
    import::check(&zip, sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(r: Result<()>) -> Option<String> {
        match r {
            Err(Error::InvalidInput { field, .. }) => Some(field),
            Err(other) => panic!("{other:?}"),
            Ok(()) => None,
        }
    }

    #[test]
    fn a_request_is_checked_before_any_work() {
        let key = age::x25519::Identity::generate().to_public().to_string();
        let pass = |s: &str| Passphrase::new(s.into()).unwrap();
        let keys = |n: usize| Protection::Recipients(vec![key.clone(); n]);
        assert_eq!(field(check_request(&Selection::All, &keys(1))), None);
        assert_eq!(field(check_request(&Selection::All, &keys(20))), None);
        assert_eq!(field(check_request(&Selection::All, &keys(0))).as_deref(), Some("recipient"));
        assert_eq!(field(check_request(&Selection::All, &keys(21))).as_deref(), Some("recipient"));
        let bad = Protection::Recipients(vec!["age1nope".into()]);
        assert!(check_request(&Selection::All, &bad).is_err());
        assert_eq!(field(check_request(&Selection::Ids(vec![]), &keys(1))).as_deref(), Some("selection"));
        assert_eq!(field(check_request(&Selection::Ids(vec![[1; 16]]), &keys(1))), None);
        let short = Protection::Passphrase(pass("seven77"), 10);
        assert_eq!(field(check_request(&Selection::All, &short)).as_deref(), Some("passphrase"));
        assert_eq!(field(check_request(&Selection::All, &Protection::Passphrase(pass("eight888"), 10))), None);
    }
}
