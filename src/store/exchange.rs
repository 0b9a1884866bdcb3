//! What the vault remembers of its exchanges with partners (docs/formats/bundle.md sections 7.3
//! and 8): the partner contact book with its append-only key list, the bundles this vault made
//! with a hash of every value sent, and which bundle ids it imported. The SQL stays here.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::error::{Error, Result};

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

/// One key of a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerKey {
    pub kind: KeyKind,
    pub key: String,
    pub added_at: i64,
    /// The device that added it.
    pub added_by: [u8; 16],
    /// Confirmed on this device (typed in here, or its fingerprint confirmed here).
    pub confirmed: bool,
    pub revoked_at: Option<i64>,
}

impl PartnerKey {
    /// Whether this device may use it: confirmed here and not revoked.
    pub fn usable(&self) -> bool {
        self.confirmed && self.revoked_at.is_none()
    }
}

/// A partner organisation of the contact book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub name: String,
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

impl Store {
    /// Adds a partner (or brings back a removed one) with `keys`, all confirmed on this device;
    /// a key the partner has already is confirmed here. A revoked key is refused: it is never
    /// used again. `note` replaces the note when given. Returns whether the partner is new.
    pub fn add_partner(&self, name: &str, note: Option<&str>, keys: &[(KeyKind, String)]) -> Result<bool> {
        let device = self.device_id()?;
        let now = self.clock.now_ms() as i64;
        let tx = self.conn.unchecked_transaction()?;
        let found: Option<(i64, Option<i64>)> = tx
            .query_row("SELECT idx, removed FROM partners WHERE name = ?1", [name], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (idx, new) = match found {
            Some((idx, removed)) => {
                tx.execute("UPDATE partners SET removed = NULL WHERE idx = ?1", [idx])?;
                (idx, removed.is_some())
            }
            None => {
                tx.execute(
                    "INSERT INTO partners (name, note, created) VALUES (?1, ?2, ?3)",
                    params![name, note.unwrap_or(""), now],
                )?;
                (tx.last_insert_rowid(), true)
            }
        };
        if let Some(n) = note {
            tx.execute("UPDATE partners SET note = ?2 WHERE idx = ?1", params![idx, n])?;
        }
        for (kind, key) in keys {
            let revoked: Option<Option<i64>> = tx
                .query_row(
                    "SELECT revoked_at FROM partner_keys WHERE partner = ?1 AND kind = ?2 AND key = ?3",
                    params![idx, kind.as_str(), key],
                    |r| r.get(0),
                )
                .optional()?;
            match revoked {
                Some(Some(_)) => {
                    return Err(Error::invalid(
                        "key",
                        "this key was revoked for this partner and is never used again: ask the partner for a new key",
                    ))
                }
                Some(None) => {
                    tx.execute(
                        "UPDATE partner_keys SET confirmed = 1 WHERE partner = ?1 AND kind = ?2 AND key = ?3",
                        params![idx, kind.as_str(), key],
                    )?;
                }
                None => {
                    tx.execute(
                        "INSERT INTO partner_keys (partner, kind, key, added_at, added_by, confirmed) VALUES (?1, ?2, ?3, ?4, ?5, 1)",
                        params![idx, kind.as_str(), key, now, &device[..]],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(new)
    }

    /// The partners in the book, by name, with their keys in the order they were added.
    pub fn partners(&self) -> Result<Vec<Partner>> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare(
            "SELECT idx, name, note, created FROM partners WHERE removed IS NULL ORDER BY name COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        for row in rows {
            let (idx, name, note, created) = row?;
            out.push(Partner { name, note, created, keys: self.partner_keys(idx)? });
        }
        Ok(out)
    }

    fn partner_keys(&self, idx: i64) -> Result<Vec<PartnerKey>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, key, added_at, added_by, confirmed, revoked_at FROM partner_keys WHERE partner = ?1 ORDER BY added_at, key",
        )?;
        let rows = stmt.query_map([idx], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get::<_, Vec<u8>>(3)?, r.get::<_, i64>(4)?, r.get(5)?))
        })?;
        rows.map(|row| {
            let (kind, key, added_at, by, confirmed, revoked_at) = row?;
            Ok(PartnerKey {
                kind: kind_of(&kind)?,
                key,
                added_at,
                added_by: by.try_into().unwrap_or([0; 16]),
                confirmed: confirmed == 1,
                revoked_at,
            })
        })
        .collect()
    }

    /// The partner of this name, if it is in the book.
    pub fn partner(&self, name: &str) -> Result<Option<Partner>> {
        let row: Option<(i64, String, String, i64)> = self
            .conn
            .query_row(
                "SELECT idx, name, note, created FROM partners WHERE name = ?1 AND removed IS NULL",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        row.map(|(idx, name, note, created)| Ok(Partner { name, note, created, keys: self.partner_keys(idx)? }))
            .transpose()
    }

    /// Takes a partner out of the book: every key of it is revoked. Imports keep its name.
    pub fn remove_partner(&self, name: &str) -> Result<()> {
        let now = self.clock.now_ms() as i64;
        let tx = self.conn.unchecked_transaction()?;
        let idx: Option<i64> = tx
            .query_row("SELECT idx FROM partners WHERE name = ?1 AND removed IS NULL", [name], |r| r.get(0))
            .optional()?;
        let idx = idx.ok_or_else(|| {
            Error::invalid("partner", "no partner of this name is in the contact book (see `casebook partner list`)")
        })?;
        tx.execute("UPDATE partners SET removed = ?2 WHERE idx = ?1", params![idx, now])?;
        tx.execute(
            "UPDATE partner_keys SET revoked_at = ?2 WHERE partner = ?1 AND revoked_at IS NULL",
            params![idx, now],
        )?;
        tx.commit()?;
        Ok(())
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
