//! The partner contact book as the CLI and the app use it (docs/formats/bundle.md section 8):
//! the rules for a partner's name, note and keys, the fingerprints people compare by phone,
//! and the view of the book. The store keeps the rows (`store::exchange`).

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::manifest::check_partner_name;
use super::{crypt, sshsig};
use crate::error::{Error, Result};
use crate::store::exchange::{KeyKind, Partner};
use crate::store::read::uuid_string;
use crate::store::Store;

/// Longest note of a partner.
pub const MAX_NOTE: usize = 2000;
/// Most keys one `partner add` gives.
pub const MAX_KEYS: usize = 20;

/// One key as shown: what it is, its fingerprint and words, and whether this device may use it.
#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    pub kind: String,
    pub key: String,
    pub fingerprint: String,
    /// Four words of the fingerprint, to read out by phone.
    pub words: String,
    pub confirmed: bool,
    pub usable: bool,
    pub added_at: String,
    pub added_by: String,
    pub revoked_at: Option<String>,
}

/// A partner as `partner list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerView {
    pub name: String,
    pub note: String,
    /// The usable age recipients and signing keys.
    pub recipients: Vec<String>,
    pub signing_keys: Vec<String>,
    pub keys: Vec<KeyView>,
}

/// The fingerprint of a key: `ssh-keygen -l`'s for a signing key, `SHA256:` of the text of an
/// age key; and four words of it.
pub fn fingerprint(kind: KeyKind, key: &str) -> (String, String) {
    let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
    let fp = match (kind, sshsig::parse_public(key)) {
        (KeyKind::Signing, Ok(k)) => sshsig::fingerprint(&k),
        _ => {
            use base64::Engine;
            format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest))
        }
    };
    (fp, crate::sync::words::from_hash(&digest))
}

fn view(p: Partner) -> PartnerView {
    let ms = |t: i64| crate::dates::format_timestamp(t.max(0) as u64);
    let usable =
        |kind: KeyKind| p.keys.iter().filter(|k| k.kind == kind && k.usable()).map(|k| k.key.clone()).collect();
    PartnerView {
        recipients: usable(KeyKind::Recipient),
        signing_keys: usable(KeyKind::Signing),
        keys: p
            .keys
            .iter()
            .map(|k| {
                let (fingerprint, words) = fingerprint(k.kind, &k.key);
                KeyView {
                    kind: k.kind.as_str().into(),
                    key: k.key.clone(),
                    fingerprint,
                    words,
                    confirmed: k.confirmed,
                    usable: k.usable(),
                    added_at: ms(k.added_at),
                    added_by: uuid_string(&k.added_by),
                    revoked_at: k.revoked_at.map(ms),
                }
            })
            .collect(),
        name: p.name,
        note: p.note,
    }
}

/// Adds a partner, or keys to one: every key checked (an age recipient; an Ed25519 SSH public
/// key, kept as its normalised line) and confirmed on this device. Returns the partner.
pub fn add(
    store: &Store,
    name: &str,
    recipients: &[String],
    signing_keys: &[String],
    note: Option<&str>,
) -> Result<PartnerView> {
    check_partner_name(name)?;
    if let Some(n) = note {
        if n.chars().count() > MAX_NOTE || n.chars().any(|c| c.is_control() && c != '\n') {
            return Err(Error::invalid(
                "note",
                &format!("a note has at most {MAX_NOTE} characters and no control characters"),
            ));
        }
    }
    if recipients.len() + signing_keys.len() > MAX_KEYS {
        return Err(Error::invalid("key", &format!("give at most {MAX_KEYS} keys at a time")));
    }
    let mut keys = Vec::new();
    for r in recipients {
        crypt::recipient(r.trim())?;
        keys.push((KeyKind::Recipient, r.trim().to_string()));
    }
    for s in signing_keys {
        keys.push((KeyKind::Signing, sshsig::public_line(&sshsig::parse_public(s)?)));
    }
    if keys.is_empty() && store.partner(name)?.is_none() {
        return Err(Error::invalid(
            "key",
            "give the partner's age key (--recipient age1…) and, to verify its bundles, its signing key (--signing-key)",
        ));
    }
    store.add_partner(name, note, &keys)?;
    store.partner(name)?.map(view).ok_or_else(|| Error::invalid("partner", "the partner could not be read back"))
}

/// The contact book.
pub fn list(store: &Store) -> Result<Vec<PartnerView>> {
    Ok(store.partners()?.into_iter().map(view).collect())
}

/// Removes a partner: its keys are revoked on this device and never used again.
pub fn remove(store: &Store, name: &str) -> Result<()> {
    store.remove_partner(name)
}

/// This vault's own keys, as `identity show` prints them.
#[derive(Debug, Clone, Serialize)]
pub struct OwnKeys {
    /// The age public key partners encrypt to.
    pub age_recipient: String,
    /// The bundle-signing key, an OpenSSH line.
    pub signing_key: String,
    pub fingerprint: String,
    pub words: String,
    /// The line a partner puts in its `allowed_signers` file for `ssh-keygen -Y verify`.
    pub allowed_signers: String,
}

/// This vault's age key and bundle-signing key, made on first use.
pub fn own_keys(store: &mut Store) -> Result<OwnKeys> {
    let age_recipient = super::public_key(store)?;
    let signing_key = super::signing_public(store)?;
    let (fingerprint, words) = fingerprint(KeyKind::Signing, &signing_key);
    Ok(OwnKeys {
        allowed_signers: format!("casebook namespaces=\"{}\" {signing_key}", sshsig::NAMESPACE),
        age_recipient,
        signing_key,
        fingerprint,
        words,
    })
}
