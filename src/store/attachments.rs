//! The attachments' rows (record kind 6, docs/formats/attachment.md sections 6 to 9): the
//! records, where each blob lies in the vault folder (`attachment_files`), what is still to
//! fetch (`attachment_fetch`) and the quotas a person lifted. The files themselves are the
//! business of `crate::attach`; the SQL stays here.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use zeroize::Zeroizing;

use super::read::uuid_string;
use super::Store;
use crate::dates::format_timestamp;
use crate::error::{Error, Result};
use crate::model::{Value, ATTACHMENT, CASE};

/// Field codes of `model::ATTACHMENT` (docs/formats/database.md section 3.7).
pub const F_NAME: u8 = 2;
pub const F_MEDIA_TYPE: u8 = 3;
pub const F_SIZE: u8 = 4;
pub const F_SHA256: u8 = 5;
pub const F_BLOB_SHA256: u8 = 6;
pub const F_KEY: u8 = 7;
pub const F_LABEL: u8 = 8;
pub const F_STRIPPED: u8 = 9;

/// One attachment as lists show it: never its key.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AttachmentInfo {
    pub id: String,
    pub case_id: String,
    pub name: String,
    pub media_type: String,
    pub size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    pub label: Option<String>,
    pub created_at: String,
    /// Whether metadata was removed when it was attached.
    pub stripped: bool,
    /// `stored` (the blob is in the vault), `waiting` (not arrived yet), `over_quota` or
    /// `refused` (docs/formats/attachment.md section 9).
    pub state: String,
    /// Which device attached it ("this device" or its label).
    pub added_by: String,
}

/// What the blob's reader needs besides the key: the record's id, size and hashes, the file
/// it lies in (None: not here yet) and the local index of the device that made it.
#[derive(Debug, Clone)]
pub struct BlobRow {
    pub id: [u8; 16],
    pub size: u64,
    pub sha256: [u8; 32],
    pub blob_sha256: [u8; 32],
    pub file: Option<String>,
    pub device: u32,
    pub created_ms: i64,
    pub media_type: String,
    pub name: String,
}

/// An attachment of another device whose blob this vault lacks, with its fetch state and the
/// share file's size and mtime when it was last tried.
#[derive(Debug, Clone)]
pub struct ToFetch {
    pub row: BlobRow,
    pub state: Option<String>,
    pub tried_size: Option<i64>,
    pub tried_mtime: Option<i64>,
}

/// This device's attachments: (id, file) of the live ones held, and the deleted ones' ids.
#[derive(Debug, Clone, Default)]
pub struct OwnBlobs {
    pub live: Vec<([u8; 16], String)>,
    pub deleted: Vec<[u8; 16]>,
}

/// Scrubs an attachment's key wherever the database holds it: the record's column, the change
/// log (the creating change, and any competing creation, found by their clocks through the
/// index `changes_clock`) and the conflicts. `secure_delete` zeroes the freed bytes.
pub(crate) fn scrub_key(conn: &Connection, id: &[u8; 16]) -> Result<()> {
    let (t, f) = (ATTACHMENT.code, F_KEY);
    conn.prepare_cached(&format!(
        "UPDATE changes SET value = zeroblob(32) WHERE hlc IN \
         (SELECT hlc FROM attachments WHERE id = ?1 UNION SELECT hlc FROM conflicts WHERE rec = ?1 AND field = {f}) \
         AND tbl = {t} AND rec = ?1 AND field = {f}"
    ))?
    .execute([&id[..]])?;
    conn.prepare_cached(&format!(
        "UPDATE conflicts SET value = zeroblob(32) WHERE rec = ?1 AND field = {f} AND tbl = {t}"
    ))?
    .execute([&id[..]])?;
    conn.prepare_cached("UPDATE attachments SET key = zeroblob(32) WHERE id = ?1")?.execute([&id[..]])?;
    Ok(())
}

const INFO_COLUMNS: &str = "a.id, a.case_id, a.name, a.media_type, a.size, a.sha256, a.label, a.created_at, \
     a.stripped, f.file IS NOT NULL, x.state, a.device, d.local, d.label";

fn info_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<AttachmentInfo> {
    let stored: bool = r.get(9)?;
    let state =
        if stored { "stored".to_string() } else { r.get::<_, Option<String>>(10)?.unwrap_or_else(|| "waiting".into()) };
    let local: Option<bool> = r.get(12)?;
    Ok(AttachmentInfo {
        id: uuid_string(&r.get::<_, Vec<u8>>(0)?),
        case_id: uuid_string(&r.get::<_, Vec<u8>>(1)?),
        name: r.get(2)?,
        media_type: r.get(3)?,
        size: r.get::<_, i64>(4)?.max(0) as u64,
        sha256: crate::hex::encode(&r.get::<_, Vec<u8>>(5)?),
        label: r.get(6)?,
        created_at: format_timestamp(r.get::<_, i64>(7)?.max(0) as u64),
        stripped: r.get::<_, Option<bool>>(8)?.unwrap_or(false),
        state,
        added_by: if local == Some(true) {
            "this device".into()
        } else {
            r.get::<_, Option<String>>(13)?.unwrap_or_else(|| "another device".into())
        },
    })
}

const INFO_FROM: &str = "FROM attachments a LEFT JOIN attachment_files f ON f.id = a.id \
     LEFT JOIN attachment_fetch x ON x.id = a.id LEFT JOIN devices d ON d.idx = a.device";

impl Store {
    /// The live attachments of a case, oldest first. The case must exist and not be deleted.
    pub fn attachments_of(&self, case: &[u8; 16]) -> Result<Vec<AttachmentInfo>> {
        self.require_live(&CASE, case)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {INFO_COLUMNS} {INFO_FROM} WHERE a.case_id = ?1 AND a.deleted = 0 ORDER BY a.hlc, a.rid"
        ))?;
        let rows = stmt.query_map([&case[..]], info_of)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One live attachment.
    pub fn attachment(&self, id: &[u8; 16]) -> Result<AttachmentInfo> {
        self.conn
            .prepare_cached(&format!("SELECT {INFO_COLUMNS} {INFO_FROM} WHERE a.id = ?1 AND a.deleted = 0"))?
            .query_row([&id[..]], info_of)
            .optional()?
            .ok_or_else(|| not_found(id))
    }

    /// What reading a live attachment's blob needs, and its key (zeroized when dropped).
    pub fn attachment_blob(&self, id: &[u8; 16]) -> Result<(BlobRow, Zeroizing<Vec<u8>>)> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT a.id, a.size, a.sha256, a.blob_sha256, f.file, a.device, a.created_at, a.media_type, a.name, a.key \
                 FROM attachments a LEFT JOIN attachment_files f ON f.id = a.id WHERE a.id = ?1 AND a.deleted = 0",
            )?
            .query_row([&id[..]], |r| Ok((blob_row(r)?, Zeroizing::new(r.get::<_, Vec<u8>>(9)?))))
            .optional()?;
        row.ok_or_else(|| not_found(id))
    }

    /// Every live attachment of another device whose blob this vault does not hold yet, with
    /// its fetch state: (row, state, share file size and mtime last tried).
    pub fn attachments_to_fetch(&self) -> Result<Vec<ToFetch>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.id, a.size, a.sha256, a.blob_sha256, NULL, a.device, a.created_at, a.media_type, a.name, \
             x.state, x.size, x.mtime FROM attachments a JOIN devices d ON d.idx = a.device \
             LEFT JOIN attachment_files f ON f.id = a.id LEFT JOIN attachment_fetch x ON x.id = a.id \
             WHERE a.deleted = 0 AND f.id IS NULL AND d.local = 0 ORDER BY a.created_at, a.rid",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ToFetch { row: blob_row(r)?, state: r.get(9)?, tried_size: r.get(10)?, tried_mtime: r.get(11)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// This device's attachments: (id, file) of the live ones it holds, and the ids of the
    /// deleted ones (whose share files its sync removes).
    pub fn own_blobs(&self) -> Result<OwnBlobs> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.id, f.file, a.deleted FROM attachments a JOIN devices d ON d.idx = a.device              LEFT JOIN attachment_files f ON f.id = a.id WHERE d.local = 1",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, bool>(2)?)))?;
        let (mut live, mut deleted) = (Vec::new(), Vec::new());
        for row in rows {
            let (id, file, gone) = row?;
            let Ok(id) = <[u8; 16]>::try_from(id.as_slice()) else { continue };
            match (gone, file) {
                (true, _) => deleted.push(id),
                (false, Some(file)) => live.push((id, file)),
                (false, None) => {}
            }
        }
        Ok(OwnBlobs { live, deleted })
    }

    /// Bytes of blobs of device `device` this vault holds or is fetching, in all and of records
    /// created since `since_ms`, for the quotas.
    pub fn attachment_bytes_of(&self, device: u32, since_ms: i64) -> Result<(u64, u64)> {
        let (all, recent): (i64, i64) = self.conn.query_row(
            "SELECT coalesce(sum(a.size), 0), coalesce(sum(CASE WHEN a.created_at >= ?2 THEN a.size ELSE 0 END), 0) \
             FROM attachments a JOIN attachment_files f ON f.id = a.id WHERE a.device = ?1 AND a.deleted = 0",
            params![device, since_ms],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((all.max(0) as u64, recent.max(0) as u64))
    }

    /// The devices whose blobs wait over the quota, with how many.
    pub fn over_quota_devices(&self) -> Result<Vec<([u8; 16], usize)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.id, count(*) FROM attachment_fetch x JOIN attachments a ON a.id = x.id \
             JOIN devices d ON d.idx = a.device WHERE x.state = 'over_quota' AND a.deleted = 0 GROUP BY d.id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, n) = row?;
            if let Ok(id) = <[u8; 16]>::try_from(id.as_slice()) {
                out.push((id, n.max(0) as usize));
            }
        }
        Ok(out)
    }

    /// When a person let `device`'s blobs past the quota (`attach accept`), if ever.
    pub fn quota_accepted_at(&self, device: u32) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT q.accepted_at FROM attachment_quota q JOIN devices d ON d.id = q.device WHERE d.idx = ?1",
            )?
            .query_row([device], |r| r.get(0))
            .optional()?)
    }

    /// Lets the blobs of `device` (a 16-byte id) attached until now past the quotas.
    pub fn accept_quota(&mut self, device: &[u8; 16]) -> Result<()> {
        let now = self.clock.now_ms() as i64;
        self.conn.execute(
            "INSERT INTO attachment_quota (device, accepted_at) VALUES (?1, ?2) \
             ON CONFLICT(device) DO UPDATE SET accepted_at = excluded.accepted_at",
            params![&device[..], now],
        )?;
        self.conn.execute(
            "DELETE FROM attachment_fetch WHERE state = 'over_quota' AND id IN \
             (SELECT a.id FROM attachments a JOIN devices d ON d.idx = a.device WHERE d.id = ?1)",
            [&device[..]],
        )?;
        Ok(())
    }

    /// Records why a blob could not be kept yet (`refused`, `over_quota`), with the share file's
    /// size and mtime so that an unchanged file is not read again.
    pub fn set_fetch_state(
        &mut self,
        id: &[u8; 16],
        state: &str,
        size: Option<i64>,
        mtime: Option<i64>,
        detail: &str,
    ) -> Result<()> {
        let now = self.clock.now_ms() as i64;
        self.conn.execute(
            "INSERT INTO attachment_fetch (id, state, size, mtime, since, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT(id) DO UPDATE SET state = excluded.state, size = excluded.size, mtime = excluded.mtime, \
             detail = excluded.detail, since = CASE WHEN state = excluded.state THEN since ELSE excluded.since END",
            params![&id[..], state, size, mtime, now, detail],
        )?;
        Ok(())
    }

    /// Records that the blob of `id` now lies in `file` of the vault's blob folder (a blob
    /// fetched from the share; one attached here is recorded with its record).
    pub fn record_blob_file(&mut self, id: &[u8; 16], file: &str) -> Result<()> {
        let now = self.clock.now_ms() as i64;
        let tx = self.conn.unchecked_transaction()?;
        let live: bool =
            tx.prepare_cached("SELECT 1 FROM attachments WHERE id = ?1 AND deleted = 0")?.exists([&id[..]])?;
        if !live {
            return Err(not_found(id));
        }
        tx.execute(
            "INSERT INTO attachment_files (id, file, stored_at) VALUES (?1, ?2, ?3)",
            params![&id[..], file, now],
        )?;
        tx.execute("DELETE FROM attachment_fetch WHERE id = ?1", [&id[..]])?;
        tx.commit()?;
        Ok(())
    }

    /// Every (attachment id, file) of `attachment_files`, and whether its attachment is live.
    pub fn blob_files(&self) -> Result<Vec<([u8; 16], String, bool)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.id, f.file, coalesce(a.deleted = 0, 0) FROM attachment_files f LEFT JOIN attachments a ON a.id = f.id",
        )?;
        let rows = stmt.query_map([], |r| {
            let id: Vec<u8> = r.get(0)?;
            Ok((id.try_into().unwrap_or([0u8; 16]), r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Forgets the file of `id` (its blob was removed, or is to be).
    pub fn forget_blob_file(&mut self, id: &[u8; 16]) -> Result<()> {
        self.conn.execute("DELETE FROM attachment_files WHERE id = ?1", [&id[..]])?;
        self.conn.execute("DELETE FROM attachment_fetch WHERE id = ?1", [&id[..]])?;
        Ok(())
    }

    /// Scrubs every deleted attachment's key still held (a vault of a build that crashed
    /// between a deletion and its scrub cannot exist, but a repair costs one query). Returns how
    /// many were scrubbed.
    pub fn scrub_deleted_keys(&mut self) -> Result<usize> {
        let ids: Vec<Vec<u8>> = {
            let mut stmt =
                self.conn.prepare_cached("SELECT id FROM attachments WHERE deleted = 1 AND key IS NOT zeroblob(32)")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if ids.is_empty() {
            return Ok(0);
        }
        let tx = self.conn.unchecked_transaction()?;
        for id in &ids {
            if let Ok(id) = <[u8; 16]>::try_from(id.as_slice()) {
                scrub_key(&tx, &id)?;
            }
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// Deletes an attachment: its tombstone syncs and its key is scrubbed in the same
    /// transaction. The caller removes the file ([`crate::attach::vault::sweep`]).
    pub fn delete_attachment(&mut self, id: &[u8; 16]) -> Result<()> {
        self.require_live(&ATTACHMENT, id)?;
        self.write(|w| w.delete(&ATTACHMENT, id))
    }

    fn require_live(&self, table: &crate::model::TableDef, id: &[u8; 16]) -> Result<()> {
        let live = self
            .conn
            .prepare_cached(&format!("SELECT 1 FROM {} WHERE id = ?1 AND deleted = 0", table.table))?
            .exists([&id[..]])?;
        if live {
            Ok(())
        } else {
            Err(Error::NotFound { what: table.noun, id: uuid_string(id) })
        }
    }
}

fn blob_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BlobRow> {
    let bytes32 = |v: Vec<u8>| <[u8; 32]>::try_from(v.as_slice()).unwrap_or([0u8; 32]);
    let id: Vec<u8> = r.get(0)?;
    Ok(BlobRow {
        id: id.as_slice().try_into().unwrap_or([0u8; 16]),
        size: r.get::<_, i64>(1)?.max(0) as u64,
        sha256: bytes32(r.get(2)?),
        blob_sha256: bytes32(r.get(3)?),
        file: r.get(4)?,
        device: r.get(5)?,
        created_ms: r.get(6)?,
        media_type: r.get(7)?,
        name: r.get(8)?,
    })
}

fn not_found(id: &[u8; 16]) -> Error {
    Error::NotFound { what: "attachment", id: uuid_string(id) }
}

impl super::write::Writer<'_> {
    /// Records that the new attachment `id`'s blob lies in `file`, in this transaction (the
    /// record and its file land together or not at all).
    pub fn record_blob_file(&mut self, id: &[u8; 16], file: &str) -> Result<()> {
        let now = self.now_ms() as i64;
        self.tx
            .prepare_cached("INSERT INTO attachment_files (id, file, stored_at) VALUES (?1, ?2, ?3)")?
            .execute(params![&id[..], file, now])?;
        Ok(())
    }
}

/// The field values of a new attachment's record, in field order.
#[allow(clippy::too_many_arguments)]
pub fn attachment_fields(
    name: &str,
    media_type: &str,
    size: u64,
    sha256: &[u8; 32],
    blob_sha256: &[u8; 32],
    key: &[u8; 32],
    label: Option<&str>,
    stripped: bool,
) -> Result<Vec<(u8, Value)>> {
    let label_def = ATTACHMENT.field("label").expect("attachments have a label");
    let label = crate::model::input::field_value(label_def, &label.map_or(serde_json::Value::Null, |l| l.into()))?;
    let fields = vec![
        (F_NAME, Value::Text(name.to_string())),
        (F_MEDIA_TYPE, Value::Text(media_type.to_string())),
        (F_SIZE, Value::Int(size as i64)),
        (F_SHA256, Value::Blob(sha256.to_vec())),
        (F_BLOB_SHA256, Value::Blob(blob_sha256.to_vec())),
        (F_KEY, Value::Blob(key.to_vec())),
        (F_LABEL, label),
        (F_STRIPPED, Value::Int(i64::from(stripped))),
    ];
    // The rules every device checks (model::input::check_stored) hold for our own records too.
    for (code, value) in &fields {
        let def = ATTACHMENT.field_by_code(*code).expect("field codes of ATTACHMENT");
        crate::model::input::check_stored(def, value).map_err(|why| Error::invalid("attachment", &why))?;
    }
    Ok(fields)
}
