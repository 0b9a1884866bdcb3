//! `share status`: the attached share, this device and every other one (with their role and
//! state in a group with a roster), gaps, alarms, quarantines, the roster's epoch and head words.

use super::report::{DeviceStatus, Status};
use super::state::SyncDb;
use super::{conflict_count, hex, local_label, quarantine, require_attached, roster_sync};
use crate::dates::format_timestamp;
use crate::error::Result;
use crate::store::Store;
use crate::sync::format;
use crate::sync::share::{Name, Share};

/// `share status`.
pub fn status(store: &Store) -> Result<Status> {
    let a = require_attached(store)?;
    let me = store.device_id()?;
    let (share, reason) = match Share::open(&a.path) {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let on_share = |dev: &[u8; 16]| -> Option<Vec<u64>> {
        let entries = share.as_ref()?.list(dev).ok()?;
        Some(entries.iter().filter_map(|e| if let Name::Delta(s) = e.kind { Some(s) } else { None }).collect())
    };
    let my_seq = SyncDb::of(store).last_sent(a.idx)?.0 as i64;
    let mut devices = vec![DeviceStatus {
        device: hex(&me),
        label: local_label(store)?,
        this_device: true,
        seq: my_seq as u64,
        share_seq: on_share(&me).map(|s| s.into_iter().max().unwrap_or(0)),
        last_heard: None,
        last_written: None,
        gap: None,
        reads: format::READER,
        role: None,
        state: None,
    }];
    let rows = SyncDb::of(store).peer_status(a.idx)?;
    for (id, label, applied, heard, created, reads) in rows {
        let Ok(id) = <[u8; 16]>::try_from(id) else { continue };
        let seqs = on_share(&id);
        let applied = applied as u64;
        let gap = seqs.as_ref().and_then(|s| {
            let has_next = s.contains(&(applied + 1));
            (!has_next && s.iter().any(|&x| x > applied + 1)).then_some(applied + 1)
        });
        devices.push(DeviceStatus {
            device: hex(&id),
            label: label.unwrap_or_default(),
            this_device: false,
            seq: applied,
            share_seq: seqs.map(|s| s.into_iter().max().unwrap_or(0)),
            last_heard: heard.map(|ms| format_timestamp(ms as u64)),
            last_written: created.map(|ms| format_timestamp(ms as u64)),
            gap,
            reads: u16::try_from(reads).unwrap_or(1),
            role: None,
            state: None,
        });
    }
    let mut alarms = SyncDb::of(store).open_alarms(a.idx)?;
    // Partner keys another device added and nobody confirmed here (docs/formats/bundle.md
    // section 8): an alarm for as long as they stay unconfirmed.
    for k in crate::export::partners::alarms(store)? {
        alarms.push(super::report::Alarm {
            device: k.device_id,
            seq: 0,
            kind: k.kind.into(),
            detail: k.detail,
            first_seen: String::new(),
        });
    }
    let (mut state, mut code, mut epoch, mut roster_head, mut approved_by) = (None, None, None, None, None);
    if let (Some(side), Some(share)) = (&a.roster, &share) {
        let roster = roster_sync::peek(side, share);
        state = Some(if side.state == "removed" { "revoked".to_string() } else { side.state.clone() });
        code = (side.state == "pending").then(|| side.code.clone()).flatten();
        if let Some(r) = &roster {
            epoch = r.epoch.map(|e| hex(&e));
            approved_by = r.devices.get(&me).and_then(|d| d.approved_by).map(|by| {
                let label = r.devices.get(&by).map(|d| d.label.clone()).unwrap_or_default();
                if label.is_empty() {
                    hex(&by)[..8].to_string()
                } else {
                    label
                }
            });
            roster_head = Some(roster_sync::head_words(&r.heads));
            // Devices the roster admitted that this vault has not synced with yet.
            for id in r.devices.keys() {
                if !devices.iter().any(|d| d.device == hex(id)) {
                    devices.push(DeviceStatus {
                        device: hex(id),
                        label: String::new(),
                        this_device: false,
                        seq: 0,
                        share_seq: on_share(id).map(|s| s.into_iter().max().unwrap_or(0)),
                        last_heard: None,
                        last_written: None,
                        gap: None,
                        reads: format::READER,
                        role: None,
                        state: None,
                    });
                }
            }
            for d in devices.iter_mut() {
                let Some(id) = crate::hex::decode::<16>(&d.device) else { continue };
                if let Some(dev) = r.devices.get(&id) {
                    d.role = Some(
                        if dev.role == crate::sync::roster::Role::Coordinator { "coordinator" } else { "member" }
                            .into(),
                    );
                    d.state = Some(if dev.removed.is_some() { "revoked" } else { "member" }.into());
                    if d.label.is_empty() {
                        d.label = dev.label.clone();
                    }
                } else if r.legacy.as_ref().is_some_and(|l| l.devices.contains_key(&id)) {
                    // A device of the group this one was upgraded from: its history counts,
                    // nothing it writes now does, until it joins again as a new device.
                    d.state = Some("legacy".into());
                } else if d.this_device {
                    d.state = state.clone();
                }
            }
            // Peers this vault knew before that the roster does not know count for nothing here.
            devices.retain(|d| d.this_device || d.state.is_some());
        }
    }
    Ok(Status {
        group_id: hex(&a.group),
        path: a.path.display().to_string(),
        reachable: reason.is_none(),
        unreachable_reason: reason,
        devices,
        alarms,
        quarantine: quarantine::list(store, &a)?,
        conflicts: conflict_count(store)?,
        state,
        code,
        approved_by,
        epoch,
        roster_head,
    })
}
