//! Device records on the share (docs/formats/delta.md section 3): a group without a roster pins
//! the first valid signing key of each device and keeps its label and reader version; a group
//! with a roster pins the roster's keys and reads only the labels of the devices of the group
//! it was upgraded from (roster.md section 6).

use std::collections::BTreeMap;

use super::state::SyncDb;
use super::{hex, raise, Attached, Peer, Problem, SyncReport};
use crate::error::Result;
use crate::store::Store;
use crate::sync::format;
use crate::sync::seal::{self, GroupKeys};
use crate::sync::share::{self, Entry, Name, Share};

/// Reads the record of device `dev`, if its folder has one, and acts on it.
#[allow(clippy::too_many_arguments)]
pub(super) fn read_record(
    store: &mut Store,
    a: &Attached,
    share: &Share,
    dev: &[u8; 16],
    entries: &[Entry],
    peers: &mut BTreeMap<[u8; 16], Peer>,
    now: i64,
    report: &mut SyncReport,
) -> Result<()> {
    let dev = *dev;
    let dir = share::device_dir_name(&dev);
    // The device record: pin the first valid key (a roster group pins the roster's keys,
    // and reads only the labels of the devices of the group it was upgraded from).
    let old_device = a.legacy().filter(|l| l.devices.contains_key(&dev));
    let record_keys = match old_device {
        Some(l) => Some(GroupKeys::derive(l.epoch.max(1), &l.key.0)),
        None => a.roster.is_none().then(|| a.keys.clone()),
    };
    if let Some(keys) = record_keys.filter(|_| entries.iter().any(|e| e.kind == Name::Record)) {
        let checked = share
            .read(&dev, share::RECORD)
            .map_err(|e| e.to_string())
            .and_then(|b| seal::open_record(&keys, &b).map_err(|b| b.0));
        match checked {
            Ok((h, _)) if h.group != a.group_of(&dev) => report.problems.push(Problem {
                file: format!("{dir}/{}", share::RECORD),
                problem: "a device record of another group".into(),
            }),
            Ok((h, _)) if h.device != dev => report.problems.push(Problem {
                file: format!("{dir}/{}", share::RECORD),
                problem: "the record names another device than its folder".into(),
            }),
            Ok((h, label)) => match peers.get_mut(&dev) {
                Some(p) if p.key != h.signing_key => {
                    raise(
                        store,
                        a,
                        &dev,
                        0,
                        "key_changed",
                        "the device record now carries another signing key than the one first seen; it is not used",
                        &mut report.alarms,
                    )?;
                }
                Some(p) => {
                    old_version_alarm(store, a, &dev, p.reads, h.reads, report)?;
                    if p.label != label || p.reads != h.reads {
                        SyncDb::of(store).update_peer_record(a.idx, p.idx, &label, h.reads)?;
                        p.label = label;
                        p.reads = h.reads;
                    }
                }
                None if a.roster.is_some() => {}
                None => {
                    let key = h.signing_key;
                    let idx = store.write(|w| {
                        let idx = w.device_index(&dev)?;
                        SyncDb::in_write(w).insert_peer(a.idx, idx, &key, Some(&label), h.reads, now, None)?;
                        Ok(idx)
                    })?;
                    let reads = h.reads;
                    old_version_alarm(store, a, &dev, format::READER, reads, report)?;
                    peers.insert(
                        dev,
                        Peer {
                            idx,
                            id: dev,
                            key,
                            label,
                            applied_seq: 0,
                            applied_hash: [0; 32],
                            reads,
                            vector: Vec::new(),
                        },
                    );
                }
            },
            Err(problem) => report.problems.push(Problem { file: format!("{dir}/{}", share::RECORD), problem }),
        }
    }
    Ok(())
}

/// A standing alarm while a device's record says it reads an older delta format than this
/// build writes (docs/formats/delta.md section 6.2: the group keeps writing that format until it
/// is updated); closed by itself once the device's record says it was updated. `was`: what
/// the vault knew the device to read before this record.
fn old_version_alarm(
    store: &Store,
    a: &Attached,
    dev: &[u8; 16],
    was: u16,
    reads: u16,
    report: &mut SyncReport,
) -> Result<()> {
    if reads < format::READER {
        let detail = format!(
            "device {} runs an older Casebook (it reads sync format {reads}, this one writes {}): the group keeps writing \
             the older format, without its protections, until that device is updated",
            hex(dev),
            format::READER
        );
        raise(store, a, dev, 0, "old_version", &detail, &mut report.alarms)
    } else if was < format::READER {
        SyncDb::of(store).close_alarms(a.idx, dev, "old_version", store.clock.now_ms() as i64)
    } else {
        Ok(())
    }
}
