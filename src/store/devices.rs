//! The devices this vault knows and what its change log holds of each, as sync asks for them:
//! labels, ids by local index, this device's changes not yet sent, a new identity's move. The
//! SQL of the `devices` and `changes` tables stays in the store.

use std::collections::HashMap;

use rusqlite::params;

use super::changelog::{self, Logged, RecordKey};
use super::write::Writer;
use super::Store;
use crate::error::Result;

impl Store {
    /// This device's label (the devices table), empty when it has none.
    pub fn device_label(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("SELECT label FROM devices WHERE idx = ?1", [self.device], |r| r.get::<_, Option<String>>(0))?
            .unwrap_or_default())
    }

    /// Sets this device's label (the caller has checked it).
    pub(crate) fn set_device_label(&self, label: &str) -> Result<()> {
        self.conn.execute("UPDATE devices SET label = ?1 WHERE idx = ?2", params![label, self.device])?;
        Ok(())
    }

    /// The first delta of `device` that brought a change its author dated after `ms` (its own
    /// clock): where a revocation "at the seizure time" cuts its deltas.
    pub(crate) fn first_delta_after(&self, device: &[u8; 16], ms: u64) -> Result<Option<u64>> {
        let ms = i64::try_from(ms).unwrap_or(i64::MAX >> 16);
        Ok(self
            .conn
            .query_row(
                "SELECT min(c.origin) FROM changes c JOIN devices d ON c.device = d.idx \
             WHERE d.id = ?1 AND c.origin IS NOT NULL AND (c.hlc >> 16) > ?2",
                params![&device[..], ms],
                |r| r.get::<_, Option<i64>>(0),
            )?
            .map(|s| s as u64))
    }

    /// The 16-byte id of the device with local index `idx`, as stored.
    pub(crate) fn device_id_at(&self, idx: u32) -> Result<Vec<u8>> {
        Ok(self.conn.prepare_cached("SELECT id FROM devices WHERE idx = ?1")?.query_row([idx], |r| r.get(0))?)
    }

    /// Every known device: local index → 16-byte id (rows of another length are skipped).
    pub fn device_ids(&self) -> Result<HashMap<u32, [u8; 16]>> {
        let mut stmt = self.conn.prepare("SELECT idx, id FROM devices")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut ids = HashMap::new();
        for row in rows {
            let (idx, id) = row?;
            if let Ok(id) = <[u8; 16]>::try_from(id) {
                ids.insert(idx, id);
            }
        }
        Ok(ids)
    }

    /// Whether this device has change-log rows after row `after` (changes no delta carries yet).
    pub(crate) fn has_own_changes_after(&self, after: i64) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM changes WHERE seq > ?1 AND device = ?2)",
            params![after, self.device],
            |r| r.get(0),
        )?)
    }

    /// This device's change-log rows after `after` and up to `upto`, at most `limit`, in order.
    pub(crate) fn own_changes(&self, after: i64, upto: i64, limit: usize) -> Result<Vec<Logged>> {
        changelog::of_device(&self.conn, self.device, after, upto, limit)
    }

    /// The highest row of the change log (0 when empty).
    pub(crate) fn last_change_seq(&self) -> Result<i64> {
        changelog::last_seq(&self.conn)
    }
}

impl Writer<'_> {
    /// A new identity for this vault (docs/formats/delta.md section 6.3): registers `new_id`
    /// as this vault's device and moves this device's changes after change-log row
    /// `from_change` to it ([`super::renewal::move_to_new_device`]). Returns the new index, the
    /// label it took over, and the records whose changes moved.
    pub(crate) fn move_to_new_device(
        &mut self,
        old: u32,
        new_id: &[u8; 16],
        from_change: i64,
    ) -> Result<(u32, Option<String>, Vec<RecordKey>)> {
        super::renewal::move_to_new_device(self.tx(), old, new_id, from_change)
    }
}
