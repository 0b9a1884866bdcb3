//! Export and import of case files for partner organisations (docs/formats/bundle.md): an age
//! file holding a ZIP of `manifest.json`, `cases.json`, `cases.csv` and `README.txt`.
//!
//! Map: [`cases`] (the documents, reading the selection, redaction, CSV) → [`manifest`] (the
//! signed manifest and `SHA256SUMS`) and [`sshsig`] (the signature) → [`bundle`] (the archive,
//! bounded; [`layout`] its canonical form) → [`crypt`] (age); [`outgoing`] builds a bundle,
//! [`import`] reads one, plans and applies it. This module holds the vault's own keys (age, and
//! the bundle-signing key) and the checks of a request.

pub mod attachments;
pub mod bundle;
pub mod cases;
pub mod crypt;
pub mod file;
pub mod import;
pub mod layout;
pub mod manifest;
pub mod outgoing;
pub mod partners;
pub mod rarity;
pub mod redact;
pub mod schema;
pub mod sshsig;
pub mod zipstream;

use std::str::FromStr;

use age::secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

pub use attachments::{Attachments, Pick};
pub use cases::{Profile, Selection};
pub use import::{apply, apply_planned, plan, Bundle, ImportPlan, ImportReport};
pub use outgoing::{export_bundle, export_for, export_to_file, partner_recipients, ExportSummary, Request};

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

/// The `identity` table's kind for the vault's bundle-signing key.
const SIGNING_KEY: &str = "bundle-ed25519";

/// This vault's bundle-signing key (Ed25519, its own: never a device's sync key), made on first
/// use from the store's entropy and kept only in the encrypted database.
pub(crate) fn signing_key(store: &mut Store) -> Result<ed25519_dalek::SigningKey> {
    if let Some(secret) = store.identity_secret(SIGNING_KEY)? {
        let seed = zeroize::Zeroizing::new(
            crate::hex::decode::<32>(&secret)
                .ok_or_else(|| Error::invalid("database", "the vault's signing key is damaged"))?,
        );
        return Ok(ed25519_dalek::SigningKey::from_bytes(&seed));
    }
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    store.entropy.fill(&mut seed[..]);
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let secret = zeroize::Zeroizing::new(hex(&seed[..]));
    store.keep_identity(SIGNING_KEY, &secret, &sshsig::public_line(&key.verifying_key()))?;
    Ok(key)
}

/// The `identity` table's kind for the key of per-partner record ids.
const EXPORT_KEY: &str = "export-hmac";

/// The keys of the record ids of redacted bundles (`redact::pseudonym`, docs/formats/bundle.md
/// section 6.1), the one exports use first: the group's (so that any member maps a partner's
/// reply), then this vault's own (what it used outside a group, and before a joiner held the
/// group's first key).
pub(crate) fn export_keys(store: &mut Store) -> Result<Vec<zeroize::Zeroizing<[u8; 32]>>> {
    let mut keys = Vec::with_capacity(2);
    if let Some(group) = crate::sync::engine::group_export_key(store)? {
        keys.push(group);
    }
    keys.push(zeroize::Zeroizing::new(vault_export_key(store)?));
    Ok(keys)
}

/// This vault's own key for redacted ids, made on first use.
fn vault_export_key(store: &mut Store) -> Result<[u8; 32]> {
    if let Some(secret) = store.identity_secret(EXPORT_KEY)? {
        return crate::hex::decode::<32>(&secret)
            .ok_or_else(|| Error::invalid("database", "the vault's export key is damaged"));
    }
    let mut key = zeroize::Zeroizing::new([0u8; 32]);
    store.entropy.fill(&mut key[..]);
    store.keep_identity(EXPORT_KEY, &zeroize::Zeroizing::new(hex(&key[..])), "")?;
    Ok(*key)
}

/// This vault's bundle-signing key as an OpenSSH line (`ssh-ed25519 AAAA…`): partners verify
/// its bundles with it (`ssh-keygen -Y verify`, docs/formats/bundle.md section 3.2).
pub fn signing_public(store: &mut Store) -> Result<String> {
    Ok(sshsig::public_line(&signing_key(store)?.verifying_key()))
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

/// Reads the bundle file at `path` as it decrypts it (this vault's identity, or `passphrase`)
/// and checks it; nothing is written. The file is read through age's seekable stream: only the
/// small entries are held in memory (docs/formats/bundle.md section 2: within 400 MiB for any
/// file), attachments are streamed through their hashes (section 9.2).
pub fn read_bundle_file(store: &mut Store, path: &std::path::Path, passphrase: Option<&Passphrase>) -> Result<Bundle> {
    let sha256 = file::sha256_of(path)?;
    let (handle, _) = file::open(path)?;
    let source = || {
        Some(import::Source { encrypted: import::Encrypted::File(path.to_path_buf()), passphrase: passphrase.cloned() })
    };
    read_seekable(store, std::io::BufReader::new(handle), passphrase, sha256, source)
}

/// The plaintext of an age file, seekable, opened with `passphrase` or else this vault's identity.
pub(crate) fn open_plain<R: std::io::Read + std::io::Seek>(
    store: &mut Store,
    input: R,
    passphrase: Option<&Passphrase>,
) -> Result<age::stream::StreamReader<R>> {
    match passphrase {
        Some(p) => crypt::open_seekable(input, crypt::Key::Passphrase(p)),
        None => crypt::open_seekable(input, crypt::Key::Identity(&identity(store)?)),
    }
}

fn read_seekable<R: std::io::Read + std::io::Seek>(
    store: &mut Store,
    input: R,
    passphrase: Option<&Passphrase>,
    sha256: [u8; 32],
    source: impl FnOnce() -> Option<import::Source>,
) -> Result<Bundle> {
    let (archive, mut src) = bundle::read_from(open_plain(store, input, passphrase)?)?;
    import::check_archive(archive, &mut src, sha256, source)
}

/// Whether the bundle file at `path` is protected by a passphrase (from its age header);
/// None: it is not an age file.
pub fn needs_passphrase(path: &std::path::Path) -> Result<Option<bool>> {
    let (handle, _) = file::open(path)?;
    let mut head = Vec::with_capacity(64 * 1024);
    std::io::Read::read_to_end(&mut std::io::Read::take(handle, 64 * 1024), &mut head)
        .map_err(|e| Error::io("reading the bundle", e))?;
    Ok(crypt::needs_passphrase(&head))
}

/// Decrypts (this vault's identity, or `passphrase`) and checks a bundle; nothing is written.
pub fn read_bundle(store: &mut Store, bytes: &[u8], passphrase: Option<&Passphrase>) -> Result<Bundle> {
    let sha256: [u8; 32] = Sha256::digest(bytes).into();
    let source = || {
        Some(import::Source {
            encrypted: import::Encrypted::Bytes(std::sync::Arc::new(bytes.to_vec())),
            passphrase: passphrase.cloned(),
        })
    };
    read_seekable(store, std::io::Cursor::new(bytes), passphrase, sha256, source)
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
