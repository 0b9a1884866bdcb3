//! What the vault remembers of its exchanges with partners (docs/formats/bundle.md sections 7.3
//! and 8): the partner contact book with its append-only key list, the bundles this vault made
//! with a hash of every value sent, and which bundle ids it imported. The SQL stays here.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use super::Store;
use crate::error::{Error, Result};
use crate::model::{Value, PARTNER_KEY};

/// What a partner's key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// An age recipient (`age1…`): exports to the partner are encrypted to it.
    Recipient,
    /// A bundle-signing key (an OpenSSH `ssh-ed25519` line): bundles it signed are the partner's.
    Signing,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Recipient => "recipient",
            KeyKind::Signing => "signing",
        }
    }
}

/// One key of a partner: the live records of kind 5 (`model::PARTNER_KEY`) that give this key
/// to this partner (two devices that typed the same key in made two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerKey {
    /// The records' ids, the first one's first.
    pub ids: Vec<[u8; 16]>,
    pub kind: KeyKind,
    pub key: String,
    pub note: Option<String>,
    pub added_at: i64,
    /// The device that added it first, and whether that is this device.
    pub added_by: [u8; 16],
    /// The name that device goes by in the group, if known.
    pub added_by_label: Option<String>,
    pub added_here: bool,
    /// Confirmed on this device (typed in here, or its fingerprint confirmed here): one of its
    /// records has a confirmation here of this exact key text.
    pub confirmed: bool,
}

impl PartnerKey {
    /// Whether this device may use it: confirmed here.
    pub fn usable(&self) -> bool {
        self.confirmed
    }
}

/// A partner organisation of the contact book: every live key of one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub name: String,
    /// The note of its newest key that has one.
    pub note: String,
    pub created: i64,
    pub keys: Vec<PartnerKey>,
}

/// A bundle this vault made, as `exports` keeps it.
pub struct ExportRecord<'a> {
    pub bundle_id: &'a [u8; 16],
    pub partner: Option<&'a str>,
    pub profile: &'a str,
    /// The manifest's `recipients`, as JSON.
    pub recipients: &'a str,
}

/// Per record sent: its id and the field hashes (`export_values.hashes`).
pub type SentValues = HashMap<[u8; 16], Vec<u8>>;

fn kind_of(s: &str) -> Result<KeyKind> {
    match s {
        "recipient" => Ok(KeyKind::Recipient),
        "signing" => Ok(KeyKind::Signing),
        _ => Err(Error::invalid("database", "a partner key of an unknown kind: the database is damaged")),
    }
}

/// Whether two partner names are one partner's (they compare case-insensitively, in any script).
pub fn same_partner(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

fn confirm_in(conn: &Connection, id: &[u8; 16], key: &str, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO partner_confirmations (id, key, confirmed_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT(id) DO UPDATE SET key = excluded.key, confirmed_at = excluded.confirmed_at",
        params![&id[..], key, now],
    )?;
    Ok(())
}

impl Store {
    /// Adds `keys` to the partner `name` (created when it has none): a key the partner has
    /// already is not added again; every key given is confirmed on this device, in the same
    /// transaction. A new key carries `note`. The records sync to the group (kind 5, append-only).
    /// Returns how many keys were new.
    pub fn add_partner_keys(&mut self, name: &str, note: Option<&str>, keys: &[(KeyKind, String)]) -> Result<usize> {
        let existing = self.partner(name)?.map(|p| p.keys).unwrap_or_default();
        let now = self.clock.now_ms() as i64;
        self.write(|w| {
            let mut new = 0;
            for (kind, key) in keys {
                let ids = match existing.iter().find(|k| k.kind == *kind && k.key == *key) {
                    Some(k) => k.ids.clone(),
                    None => {
                        let mut fields = vec![
                            (1, Value::Text(name.to_string())),
                            (2, Value::Text(kind.as_str().into())),
                            (3, Value::Text(key.clone())),
                        ];
                        if let Some(n) = note.filter(|n| !n.is_empty()) {
                            fields.push((4, Value::Text(n.to_string())));
                        }
                        new += 1;
                        vec![*w.create(&PARTNER_KEY, None, fields)?.as_bytes()]
                    }
                };
                for id in &ids {
                    confirm_in(w.tx(), id, key, now)?;
                }
            }
            Ok(new)
        })
    }

    /// Confirms on this device the key records `ids`, as long as they hold `key`.
    pub fn confirm_partner_key(&self, ids: &[[u8; 16]], key: &str) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        for id in ids {
            confirm_in(&tx, id, key, self.clock.now_ms() as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The partners in the book, by name, with their keys in the order they were added.
    pub fn partners(&self) -> Result<Vec<Partner>> {
        let mut stmt = self.conn.prepare(
            "SELECT k.id, k.partner, k.kind, k.key, k.note, k.created_at, d.id, k.device, \
                    EXISTS (SELECT 1 FROM partner_confirmations c WHERE c.id = k.id AND c.key = k.key), \
                    (SELECT p.label FROM sync_peers p WHERE p.device = k.device LIMIT 1) \
             FROM partner_keys k LEFT JOIN devices d ON d.idx = k.device \
             WHERE k.deleted = 0 AND k.partner IS NOT NULL AND k.key IS NOT NULL \
             ORDER BY k.created_at, k.rid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<Vec<u8>>>(6)?,
                r.get::<_, u32>(7)?,
                r.get::<_, bool>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })?;
        let mut out: Vec<Partner> = Vec::new();
        for row in rows {
            let (id, name, kind, key, note, added_at, by, device, confirmed, label) = row?;
            // A key of a kind this version does not know (a newer version's) is not used here.
            let Some(kind) = kind.as_deref().and_then(|k| kind_of(k).ok()) else { continue };
            let id: [u8; 16] = id.try_into().unwrap_or([0; 16]);
            let key = PartnerKey {
                ids: vec![id],
                kind,
                key,
                note,
                added_at,
                added_by: by.and_then(|b| b.try_into().ok()).unwrap_or([0; 16]),
                added_by_label: label.filter(|l| !l.is_empty()),
                added_here: device == self.device,
                confirmed,
            };
            match out.iter_mut().find(|p| same_partner(&p.name, &name)) {
                Some(p) => {
                    if let Some(n) = key.note.clone() {
                        p.note = n;
                    }
                    match p.keys.iter_mut().find(|k| k.kind == key.kind && k.key == key.key) {
                        Some(k) => {
                            k.ids.push(id);
                            k.confirmed |= key.confirmed;
                        }
                        None => p.keys.push(key),
                    }
                }
                None => out.push(Partner {
                    name,
                    note: key.note.clone().unwrap_or_default(),
                    created: added_at,
                    keys: vec![key],
                }),
            }
        }
        out.sort_by_key(|p| p.name.to_lowercase());
        Ok(out)
    }

    /// The partner of this name, if it is in the book.
    pub fn partner(&self, name: &str) -> Result<Option<Partner>> {
        Ok(self.partners()?.into_iter().find(|p| same_partner(&p.name, name)))
    }

    /// Takes a partner out of the book on every device: every key of it is removed for good
    /// (tombstones that sync). Imports keep its name.
    pub fn remove_partner(&mut self, name: &str) -> Result<()> {
        let partner = self.partner(name)?.ok_or_else(|| {
            Error::invalid("partner", "no partner of this name is in the contact book (see `casebook partner list`)")
        })?;
        self.write(|w| {
            for id in partner.keys.iter().flat_map(|k| &k.ids) {
                w.delete(&PARTNER_KEY, id)?;
                w.tx().execute("DELETE FROM partner_confirmations WHERE id = ?1", [&id[..]])?;
            }
            Ok(())
        })
    }

    /// The partner whose usable signing key is `line` (an OpenSSH public key line).
    pub fn partner_of_signing_key(&self, line: &str) -> Result<Option<String>> {
        Ok(self.partners()?.into_iter().find_map(|p| {
            p.keys.iter().any(|k| k.kind == KeyKind::Signing && k.usable() && k.key == line).then_some(p.name)
        }))
    }

    /// Remembers a bundle this vault made, with the hashes of the values it sent.
    pub fn record_export(&self, export: &ExportRecord<'_>, sent: &SentValues) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO exports (bundle_id, partner, profile, recipients, created) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                &export.bundle_id[..],
                export.partner,
                export.profile,
                export.recipients,
                self.clock.now_ms() as i64
            ],
        )?;
        let idx = tx.last_insert_rowid();
        {
            let mut stmt = tx.prepare("INSERT INTO export_values (export, record, hashes) VALUES (?1, ?2, ?3)")?;
            for (record, hashes) in sent {
                stmt.execute(params![idx, &record[..], hashes])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// What this vault sent in the bundle `bundle_id`, if it made it.
    pub fn sent_values(&self, bundle_id: &[u8; 16]) -> Result<Option<SentValues>> {
        let idx: Option<i64> = self
            .conn
            .query_row("SELECT idx FROM exports WHERE bundle_id = ?1", [&bundle_id[..]], |r| r.get(0))
            .optional()?;
        let Some(idx) = idx else { return Ok(None) };
        let mut stmt = self.conn.prepare("SELECT record, hashes FROM export_values WHERE export = ?1")?;
        let rows = stmt.query_map([idx], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut out = HashMap::new();
        for row in rows {
            let (record, hashes) = row?;
            if let Ok(id) = <[u8; 16]>::try_from(record) {
                out.insert(id, hashes);
            }
        }
        Ok(Some(out))
    }

    /// The partner and recipients (the manifest's JSON) of a bundle this vault made.
    pub fn export_of(&self, bundle_id: &[u8; 16]) -> Result<Option<(Option<String>, String)>> {
        Ok(self
            .conn
            .query_row("SELECT partner, recipients FROM exports WHERE bundle_id = ?1", [&bundle_id[..]], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// The ids of every record of the record tables, deleted ones included.
    pub fn record_ids(&self) -> Result<Vec<[u8; 16]>> {
        let mut out = Vec::new();
        for t in crate::model::TABLES {
            let mut stmt = self.conn.prepare(&format!("SELECT id FROM {}", t.table))?;
            let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
            for id in rows {
                if let Ok(id) = <[u8; 16]>::try_from(id?) {
                    out.push(id);
                }
            }
        }
        Ok(out)
    }

    /// When the bundle `bundle_id` was imported here (ms), if it was.
    pub fn imported_at(&self, bundle_id: &[u8; 16]) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row("SELECT imported_at FROM imports WHERE bundle_id = ?1", [&bundle_id[..]], |r| r.get(0))
            .optional()?)
    }
}
