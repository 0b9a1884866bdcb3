//! Whole records as export and import read and record them: the stored rows of a set of cases
//! with their children and clocks, a record's stored values, a record's tombstone, and the
//! record of an import. The SQL of the record tables stays in the store.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use super::clocks::{FieldClock, RecordClocks};
use super::hlc::Hlc;
use super::read::uuid_string;
use super::write::{value_of, Writer};
use super::Store;
use crate::error::{Error, Result};
use crate::model::{TableDef, Value};

/// Which cases: every case not deleted, those of a stage or a country, or these ids (each must
/// exist and not be deleted).
#[derive(Debug, Clone, Copy)]
pub enum CaseSet<'a> {
    All,
    Stage(&'a str),
    Country(&'a str),
    Ids(&'a [[u8; 16]]),
}

/// One stored record, not deleted: its values in the order of its table's fields, and clocks.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub id: Vec<u8>,
    /// The case it belongs to (its own id for a case).
    pub case_id: Vec<u8>,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// The record's creation clock.
    pub created: FieldClock,
    pub clocks: RecordClocks,
    pub values: Vec<Value>,
}

impl Store {
    /// The records of `tables` that belong to the cases of `set`, one list per table, in the
    /// order they were stored. The set is gathered once into a temporary table of this
    /// connection (in memory: `temp_store` is memory) and emptied again before returning.
    pub fn records_of_cases(&self, set: CaseSet<'_>, tables: &[&TableDef]) -> Result<Vec<Vec<StoredRecord>>> {
        self.conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS export_sel (id BLOB PRIMARY KEY); DELETE FROM temp.export_sel;",
        )?;
        let read = self.select_cases(set).and_then(|()| tables.iter().map(|t| self.read_selected(t)).collect());
        self.conn.execute_batch("DELETE FROM temp.export_sel;")?;
        read
    }

    fn select_cases(&self, set: CaseSet<'_>) -> Result<()> {
        const LIVE: &str = "INSERT INTO temp.export_sel SELECT id FROM cases WHERE deleted = 0";
        match set {
            CaseSet::All => self.conn.execute(LIVE, [])?,
            CaseSet::Stage(s) => self.conn.execute(&format!("{LIVE} AND stage = ?1"), [s])?,
            CaseSet::Country(c) => self.conn.execute(&format!("{LIVE} AND country = ?1"), [c])?,
            CaseSet::Ids(ids) => {
                for id in ids {
                    let found = self
                        .conn
                        .prepare_cached("SELECT 1 FROM cases WHERE id = ?1 AND deleted = 0")?
                        .exists([&id[..]])?;
                    if !found {
                        return Err(Error::NotFound { what: "case", id: uuid_string(id) });
                    }
                    self.conn.execute("INSERT OR IGNORE INTO temp.export_sel (id) VALUES (?1)", [&id[..]])?;
                }
                0
            }
        };
        Ok(())
    }

    fn read_selected(&self, table: &TableDef) -> Result<Vec<StoredRecord>> {
        let case_col = if table.field("case_id").is_some() { "t.case_id" } else { "t.id" };
        let sql = format!(
            "SELECT t.id, {case_col}, t.created_at, t.updated_at, t.hlc, t.device, t.clocks, {} FROM {} t \
             JOIN temp.export_sel s ON s.id = {case_col} WHERE t.deleted = 0 ORDER BY t.rowid",
            table.fields.iter().map(|f| format!("t.{}", f.name)).collect::<Vec<_>>().join(", "),
            table.table
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| {
            let created = FieldClock { hlc: Hlc(r.get::<_, i64>(4)? as u64), device: r.get(5)? };
            let blob: Option<Vec<u8>> = r.get(6)?;
            let values =
                (0..table.fields.len()).map(|i| Ok(value_of(r.get_ref(7 + i)?))).collect::<rusqlite::Result<_>>()?;
            Ok(StoredRecord {
                id: r.get(0)?,
                case_id: r.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default(),
                created_ms: r.get(2)?,
                updated_ms: r.get(3)?,
                created,
                clocks: RecordClocks::decode(created, blob.as_deref()),
                values,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The stored values of one record's fields by field code, or None when the vault does not
    /// have it (deleted records included: their values are what a tombstone keeps).
    pub fn stored_values(&self, table: &TableDef, id: &[u8; 16]) -> Result<Option<HashMap<u8, Value>>> {
        let cols: Vec<&str> = table.fields.iter().map(|f| f.name).collect();
        let sql = format!("SELECT {} FROM {} WHERE id = ?1", cols.join(", "), table.table);
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([&id[..]], |r| {
                let mut m = HashMap::new();
                for (i, f) in table.fields.iter().enumerate() {
                    m.insert(f.code, value_of(r.get_ref(i)?));
                }
                Ok(m)
            })
            .optional()?)
    }

    /// Whether the record is deleted here; None when the vault does not have it.
    pub fn is_deleted(&self, table: &TableDef, id: &[u8; 16]) -> Result<Option<bool>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT deleted FROM {} WHERE id = ?1", table.table))?
            .query_row([&id[..]], |row| row.get::<_, i64>(0))
            .optional()?
            .map(|d| d != 0))
    }

    /// The secret of this vault's key of `kind` in the `identity` table, if it has one.
    pub(crate) fn identity_secret(&self, kind: &str) -> Result<Option<zeroize::Zeroizing<String>>> {
        Ok(self
            .conn
            .query_row("SELECT secret FROM identity WHERE kind = ?1", [kind], |r| r.get::<_, String>(0))
            .optional()?
            .map(zeroize::Zeroizing::new))
    }

    /// Keeps a new key of `kind` (its secret and public halves) in the `identity` table.
    pub(crate) fn keep_identity(&self, kind: &str, secret: &str, public: &str) -> Result<()> {
        let now = self.clock.now_ms() as i64;
        self.conn.execute(
            "INSERT INTO identity (kind, secret, public, created) VALUES (?1, ?2, ?3, ?4)",
            params![kind, secret, public, now],
        )?;
        Ok(())
    }
}

impl Writer<'_> {
    /// Whether the record is deleted here; None when the vault does not have it.
    pub fn is_deleted(&self, table: &TableDef, id: &[u8; 16]) -> Result<Option<bool>> {
        Ok(self
            .tx()
            .prepare_cached(&format!("SELECT deleted FROM {} WHERE id = ?1", table.table))?
            .query_row([&id[..]], |row| row.get::<_, i64>(0))
            .optional()?
            .map(|d| d != 0))
    }

    /// The ids of a case's children in `table` that are not deleted.
    pub fn children_of(&self, table: &TableDef, case: &[u8; 16]) -> Result<Vec<[u8; 16]>> {
        let sql = format!("SELECT id FROM {} WHERE case_id = ?1 AND deleted = 0", table.table);
        let mut stmt = self.tx().prepare(&sql)?;
        let rows = stmt.query_map([&case[..]], |r| r.get::<_, Vec<u8>>(0))?;
        let ids: Vec<Vec<u8>> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(ids.into_iter().filter_map(|v| <[u8; 16]>::try_from(v).ok()).collect())
    }

    /// Records where an import came from (the `imports` row) and what it did to each case.
    pub(crate) fn record_import(&self, import: &ImportRecord<'_>, cases: &[([u8; 16], &str)]) -> Result<()> {
        self.tx().execute(
            "INSERT INTO imports (bundle_sha256, vault_id, profile, exported_at, imported_at, bundle_id, signer, signer_key) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                &import.sha256[..],
                import.vault_id,
                import.profile,
                import.exported_at,
                self.now_ms() as i64,
                import.bundle_id.map(|b| b.to_vec()),
                import.signer,
                import.signer_key
            ],
        )?;
        let row = self.tx().last_insert_rowid();
        for (id, action) in cases {
            self.tx().execute(
                "INSERT OR REPLACE INTO import_cases (import, case_id, action) VALUES (?1, ?2, ?3)",
                params![row, &id[..], action],
            )?;
        }
        Ok(())
    }
}

/// What the vault keeps of an import's bundle.
pub(crate) struct ImportRecord<'a> {
    pub sha256: &'a [u8; 32],
    pub vault_id: &'a str,
    pub profile: &'a str,
    pub exported_at: &'a str,
    /// Version 2: the bundle's id (a replay changes nothing).
    pub bundle_id: Option<&'a [u8; 16]>,
    /// `own`, `partner`, `unknown` or `unsigned`.
    pub signer: &'a str,
    /// The verified signing key's OpenSSH line.
    pub signer_key: Option<&'a str>,
}
