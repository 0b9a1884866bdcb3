//! Quarantine of a forked author (docs/formats/delta.md section 11.2). Once a fork of a device
//! is proven (a `fork` alarm: two versions it signed), what its deltas from the fork point
//! brought is rolled back on this vault (`Writer::void_deltas`), so that devices which applied
//! different branches hold the same; its later deltas are not applied. Every vault of the forked
//! identity sends its changes again under a new identity (section 6.3); a person may accept the
//! rolled-back changes here, which writes them again as this device's own.

use super::{format_timestamp, hex, parse_device, require_attached, state::SyncDb, Attached, SyncReport};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::sync::engine::report::Quarantined;

/// Quarantines every device of the share proven forked, from its first forked delta, unless it
/// is already quarantined from there or earlier. Runs inside the sync's write batch, so the
/// rollback lands with the sync or not at all. Returns the quarantined devices and where.
pub(super) fn settle(
    store: &mut Store,
    a: &Attached,
    me: &[u8; 16],
    report: &mut SyncReport,
) -> Result<Vec<([u8; 16], u64)>> {
    let forked = SyncDb::of(store).forked_devices(a.idx)?;
    for (dev, from) in &forked {
        // This device's own identity forked: it continues under a new one (section 6.3).
        if dev == me || SyncDb::of(store).quarantined_from(a.idx, dev)?.is_some_and(|q| q <= *from) {
            continue;
        }
        let voided = store.write(|w| {
            let idx = w.device_index(dev)?;
            w.void_deltas(idx, *from)
        })?;
        let now = store.clock.now_ms() as i64;
        SyncDb::of(store).record_quarantine(a.idx, dev, *from, voided, now)?;
        report.quarantined.extend(list(store, a)?.into_iter().filter(|q| q.device == hex(dev)));
    }
    Ok(forked.into_iter().filter(|(d, _)| d != me).collect())
}

/// Every quarantine of the attached share.
pub(super) fn list(store: &Store, a: &Attached) -> Result<Vec<Quarantined>> {
    let rows = SyncDb::of(store).quarantines(a.idx)?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, label, from_seq, changes, records, voided_at, accepted_at) in rows {
        let Ok(id) = <[u8; 16]>::try_from(id) else { continue };
        out.push(Quarantined {
            device: hex(&id),
            label: label.unwrap_or_default(),
            from_seq: from_seq as u64,
            changes: changes as u64,
            records: records as u64,
            voided_at: format_timestamp(voided_at as u64),
            accepted_at: accepted_at.map(|ms| format_timestamp(ms as u64)),
        });
    }
    Ok(out)
}

/// `share accept`: writes what the quarantine of `device` rolled back again as this device's
/// own changes (per record, the last value of each field the forked deltas set), which the
/// next sync sends to the group. Once per quarantine.
pub fn accept(store: &mut Store, device: &str) -> Result<Quarantined> {
    let a = require_attached(store)?;
    let id = parse_device(device)?;
    let Some(from) = SyncDb::of(store).quarantined_from(a.idx, &id)? else {
        return Err(Error::NotFound { what: "quarantine", id: device.trim().to_string() });
    };
    let now = store.clock.now_ms() as i64;
    let share = a.idx;
    store.write(|w| {
        if !SyncDb::in_write(w).accept_quarantine(share, &id, now)? {
            return Err(Error::invalid(
                "quarantine",
                "its changes were accepted already; accepting again would write them twice",
            ));
        }
        let idx = w.device_index(&id)?;
        w.accept_voided(idx, from)?;
        Ok(())
    })?;
    list(store, &a)?
        .into_iter()
        .find(|q| q.device == hex(&id))
        .ok_or_else(|| Error::NotFound { what: "quarantine", id: device.trim().to_string() })
}
