//! The partner contact book as the CLI and the app use it (docs/formats/bundle.md section 8):
//! the rules for a partner's name, note and keys, the fingerprints people compare by phone,
//! and the view of the book. The store keeps the rows (`store::exchange`).

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::manifest::check_partner_name;
use super::{crypt, sshsig};
use crate::error::{Error, Result};
use crate::store::exchange::{KeyKind, Partner};
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
    /// The device that added it (its id), and its name in the group.
    pub added_by: String,
    pub added_by_label: Option<String>,
    pub added_here: bool,
    pub note: Option<String>,
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
                    added_by: crate::hex::encode(&k.added_by),
                    added_by_label: k.added_by_label.clone(),
                    added_here: k.added_here,
                    note: k.note.clone(),
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
    store: &mut Store,
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
    if keys.is_empty() {
        return Err(Error::invalid(
            "key",
            "give the partner's age key (--recipient age1…) and, to verify its bundles, its signing key (--signing-key)",
        ));
    }
    let known = store.partner(name)?.map(|p| p.keys).unwrap_or_default();
    let fresh = keys.iter().filter(|(kind, key)| !known.iter().any(|k| k.kind == *kind && k.key == *key)).count();
    if note.is_some_and(|n| !n.is_empty()) && fresh == 0 {
        return Err(Error::invalid(
            "note",
            "a note goes with a new key, and the partner has every key given already: give a new key with the note",
        ));
    }
    store.add_partner_keys(name, note, &keys)?;
    store.partner(name)?.map(view).ok_or_else(|| Error::invalid("partner", "the partner could not be read back"))
}

/// Confirms on this device the partner's key with this fingerprint (`SHA256:…`, or its four
/// words), after a person compared it with the partner by phone. Returns the partner.
pub fn confirm(store: &Store, name: &str, fingerprint_or_words: &str) -> Result<PartnerView> {
    let p = store.partner(name)?.ok_or_else(|| {
        Error::invalid("partner", "no partner of this name is in the contact book (see `casebook partner list`)")
    })?;
    let wanted = fingerprint_or_words.split_whitespace().collect::<Vec<_>>().join(" ");
    let matching: Vec<_> = p
        .keys
        .iter()
        .filter(|k| {
            let (fp, words) = fingerprint(k.kind, &k.key);
            fp == wanted || words.eq_ignore_ascii_case(&wanted)
        })
        .collect();
    let key = match matching.as_slice() {
        [k] => *k,
        [] => {
            return Err(Error::invalid(
                "fingerprint",
                "no key of this partner has this fingerprint: check it against `casebook partner list` and with the partner",
            ))
        }
        _ => return Err(Error::invalid("fingerprint", "several keys have these words: give the SHA256 fingerprint")),
    };
    store.confirm_partner_key(&key.ids, &key.key)?;
    store.partner(name)?.map(view).ok_or_else(|| Error::invalid("partner", "the partner could not be read back"))
}

/// A key of the book that another device added and nobody confirmed on this one: an alarm
/// (docs/formats/bundle.md section 8).
#[derive(Debug, Clone, Serialize)]
pub struct KeyAlarm {
    pub kind: &'static str,
    pub partner: String,
    pub key_kind: String,
    pub fingerprint: String,
    pub words: String,
    /// The device that added it: its name in the group, else its short id; and its id.
    pub device: String,
    pub device_id: String,
    pub detail: String,
}

/// The device that added a key, in words: its name in the group, or its short id.
pub fn device_words(k: &crate::store::exchange::PartnerKey) -> String {
    match (&k.added_by_label, k.added_here) {
        (_, true) => "this device".to_string(),
        (Some(label), false) => format!("the device {label} ({})", crate::hex::short(&k.added_by, 4)),
        (None, false) => format!("the device {}", crate::hex::short(&k.added_by, 4)),
    }
}

/// Every key that arrived from another device and is not confirmed here.
pub fn alarms(store: &Store) -> Result<Vec<KeyAlarm>> {
    let mut out = Vec::new();
    for p in store.partners()? {
        for k in p.keys.iter().filter(|k| !k.confirmed) {
            let (fingerprint, words) = fingerprint(k.kind, &k.key);
            let device = device_words(k);
            out.push(KeyAlarm {
                kind: "partner_key_unconfirmed",
                detail: format!(
                    "{device} added a {} key for {}: it is not used on this device until you compare its fingerprint {fingerprint} ({words}) with the partner by phone and confirm it",
                    k.kind.as_str(),
                    p.name
                ),
                partner: p.name.clone(),
                key_kind: k.kind.as_str().into(),
                fingerprint,
                words,
                device,
                device_id: crate::hex::encode(&k.added_by),
            });
        }
    }
    Ok(out)
}

/// The contact book.
pub fn list(store: &Store) -> Result<Vec<PartnerView>> {
    Ok(store.partners()?.into_iter().map(view).collect())
}

/// Removes a partner from the book, on every device of the group.
pub fn remove(store: &mut Store, name: &str) -> Result<()> {
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
