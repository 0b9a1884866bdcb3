//! Receiving: every other device's deltas, verified, checked by the rules and applied in
//! causal order, each in its own transaction; forks, gaps, refusals and deferrals reported.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::forks;
use super::quarantine;
use super::records;
use super::state::SyncDb;
use super::{hex, load_peers, raise, Attached, Peer, Problem, Received, SyncReport, Waiting};
use crate::error::{Error, Result};
use crate::model::table_by_code;
use crate::store::clocks::FieldClock;
use crate::store::hlc::Hlc;
use crate::store::write::{Change, Origin};
use crate::store::Store;
use crate::sync::format::{self, WireClock};
use crate::sync::plan::{self, DeviceStep, FileStep};
use crate::sync::rules;
use crate::sync::seal;
use crate::sync::share::{self, Name, Share};

enum Outcome {
    /// Applied: its number of changes, its hash, and the greatest clock (in ms) it carries
    /// from more than the drift ahead of its creation time or of this device's clock.
    Applied(u64, [u8; 32], Option<u64>, Vec<format::Dep>),
    /// Waits (its `Waiting` state and why): a dependency, or a newer Casebook.
    Wait(&'static str, String),
    /// Validly signed, but it breaks a rule of `sync::rules`: the author's fault.
    Refused(rules::Refusal),
    /// Applying it failed here (a full disk, an I/O error): this vault's fault, not the author's.
    Deferred(String),
    Reject(String),
    Fork(String),
}

/// Applies what the share holds from the other devices, in one batch of writes: one commit
/// for the whole sync, each delta a savepoint of it (rolled back alone when it cannot be
/// applied), the search index updated once at the end. A failure of the sync itself (the
/// share stops answering, lock) rolls the batch back; the next sync applies it again.
pub(super) fn receive(
    store: &mut Store,
    a: &Attached,
    share: &Share,
    me: &[u8; 16],
    report: &mut SyncReport,
) -> Result<Option<u64>> {
    store.begin_batch()?;
    let received = receive_in_batch(store, a, share, me, report);
    match received {
        Ok(own_fork) => {
            store.end_batch(true)?;
            Ok(own_fork)
        }
        Err(e) => {
            let _ = store.end_batch(false);
            Err(e)
        }
    }
}

fn receive_in_batch(
    store: &mut Store,
    a: &Attached,
    share: &Share,
    me: &[u8; 16],
    report: &mut SyncReport,
) -> Result<Option<u64>> {
    let mut peers = load_peers(store, a.idx)?;
    let my_sent = SyncDb::of(store).last_sent(a.idx)?.0;
    let now = store.clock.now_ms() as i64;
    let mut pending: BTreeMap<[u8; 16], BTreeMap<u64, (String, i64)>> = BTreeMap::new();
    let mut fork_proofs: Vec<([u8; 16], Vec<share::Entry>)> = Vec::new();
    for dev in share.devices()? {
        if &dev == me {
            continue;
        }
        let dir = share::device_dir_name(&dev);
        let entries = share.list(&dev)?;
        records::read_record(store, a, share, &dev, &entries, &mut peers, now, report)?;
        for e in entries.iter().filter(|e| e.kind == Name::Unknown) {
            report.problems.push(Problem {
                file: format!("{dir}/{}", e.name),
                problem: "not a Casebook file (or not a regular file); left alone".into(),
            });
        }
        // A roster group reads the devices its roster admitted and those of the group it was
        // upgraded from; any other peer this vault knows from before is not read.
        let Some(peer) = peers.get(&dev).filter(|_| a.reads_device(&dev)) else {
            if entries.iter().any(|e| matches!(e.kind, Name::Delta(_))) {
                let (state, reason) = if a.roster.is_some() {
                    ("not_member", "not a device the group's roster admitted: its deltas are ignored")
                } else {
                    ("no_record", "no valid device record yet: its deltas cannot be verified")
                };
                report.waiting.push(Waiting {
                    device: hex(&dev),
                    label: String::new(),
                    seq: 1,
                    state,
                    reason: reason.into(),
                });
            }
            continue;
        };
        let received = received_of(store, a.idx, peer.idx)?;
        let mut mine = BTreeMap::new();
        let mut proofs: Vec<share::Entry> = Vec::new();
        for e in &entries {
            let applied_file = match e.kind {
                Name::Delta(seq) => received.get(&seq).map(|&(_, len, mtime)| (len, mtime)),
                _ => None,
            };
            let known =
                matches!(e.kind, Name::ConflictCopy | Name::ForkProof) && forks::copy_known(store, a.idx, peer.idx, e)?;
            match plan::file_step(&e.kind, e.len, e.mtime, peer.applied_seq, applied_file, known) {
                FileStep::Ignore | FileStep::Unchanged => {}
                FileStep::Pending(seq) => {
                    mine.insert(seq, (e.name.clone(), e.mtime));
                }
                FileStep::Verify => {
                    let file = format!("{dir}/{}", e.name);
                    forks::check_copy(store, a, share, me, peer, &received, e, &file, report)?;
                }
                FileStep::Proof => proofs.push(e.clone()),
            }
        }
        pending.insert(dev, mine);
        if !proofs.is_empty() {
            fork_proofs.push((dev, std::mem::take(&mut proofs)));
        }
    }
    // Fork proofs are checked once every device's record is pinned (a proof may be about any).
    let mut own_fork: Option<u64> = None;
    for (dev, entries) in fork_proofs {
        if let Some(k) = forks::check_proofs(store, a, share, me, &peers, &dev, &entries, report)? {
            own_fork = Some(own_fork.map_or(k, |o| o.min(k)));
        }
    }
    // A device proven forked is quarantined from the fork on: rolled back here, not applied.
    let mut quarantined: HashMap<[u8; 16], u64> = quarantine::settle(store, a, me, report)?.into_iter().collect();
    // Devices the roster removed are quarantined from their cutoff too.
    // Devices of the group an upgrade replaced count up to the delta it names for each.
    let old_cutoffs = a.legacy().into_iter().flat_map(|l| l.devices.values().map(|d| (d.device, d.seq + 1)));
    for (dev, from) in super::roster_db::RosterDb::of(store).quarantined_devices(a.idx)?.into_iter().chain(old_cutoffs)
    {
        let q = quarantined.entry(dev).or_insert(from);
        *q = (*q).min(from);
    }
    // Apply in order, round after round, until nothing more can be applied (a delta waits for
    // the deltas of other devices its author had applied).
    let mut stopped: HashSet<[u8; 16]> = HashSet::new();
    let mut waiting: HashMap<[u8; 16], Waiting> = HashMap::new();
    loop {
        let mut progress = false;
        let devs: Vec<[u8; 16]> = pending.keys().copied().collect();
        for dev in devs {
            if stopped.contains(&dev) {
                continue;
            }
            while let Some((applied, label)) = peers.get(&dev).map(|p| (p.applied_seq, p.label.clone())) {
                let empty = BTreeMap::new();
                let files = pending.get(&dev).unwrap_or(&empty);
                let next = match plan::device_step(applied, files) {
                    DeviceStep::Try(next) => next,
                    DeviceStep::Missing { next, later } => {
                        waiting.insert(dev, Waiting {
                            device: hex(&dev),
                            label,
                            seq: next,
                            state: "missing",
                            reason: format!("delta {next} is missing from the share (delta {later} is there): withheld or not synced yet"),
                        });
                        break;
                    }
                    DeviceStep::UpToDate => {
                        waiting.remove(&dev);
                        break;
                    }
                };
                if let Some(&from) = quarantined.get(&dev).filter(|&&from| next >= from) {
                    let old_group = a.legacy().is_some_and(|l| l.devices.contains_key(&dev));
                    let reason = if old_group {
                        format!(
                            "a device of the group this one was upgraded from: its deltas from {from} on are not read. \
                             Its Casebook still writes for the old group, which anyone who ever held an invite to it \
                             can read; it must join this group again with a new invite"
                        )
                    } else {
                        format!(
                            "the device signed two versions of delta {from}, or was removed: its deltas from there on \
                             are quarantined (see `share status`)"
                        )
                    };
                    waiting.insert(dev, Waiting { device: hex(&dev), label, seq: next, state: "quarantined", reason });
                    break;
                }
                let (name, mtime) = files[&next].clone();
                if store.cancelled() {
                    return Err(Error::Cancelled);
                }
                let file = format!("{}/{name}", share::device_dir_name(&dev));
                match try_apply(store, a, share, &peers, &dev, (next, &name, mtime), me, my_sent)? {
                    Outcome::Applied(n, hash, ahead, vector) => {
                        if let Some(ms) = ahead {
                            let detail = format!(
                                "delta {next} carries a clock dated {}, far ahead of when it was written: its values \
                                 were applied and win over edits made without seeing them (each shows as a conflict); \
                                 an edit made after seeing them replaces them. The device's clock may be wrong",
                                crate::dates::date_of_ms(ms)
                            );
                            raise(store, a, &dev, next, "future_clock", &detail, &mut report.alarms)?;
                        }
                        // The transaction that applied it also moved the peer on; mirror it here.
                        let p = peers.get_mut(&dev).expect("peer exists");
                        p.applied_seq = next;
                        p.applied_hash = hash;
                        p.vector = vector;
                        report.received.push(Received {
                            device: hex(&dev),
                            label: p.label.clone(),
                            seq: next,
                            changes: n,
                        });
                        report.received_changes += n;
                        waiting.remove(&dev);
                        progress = true;
                    }
                    Outcome::Wait(state, reason) => {
                        waiting.insert(dev, Waiting { device: hex(&dev), label, seq: next, state, reason });
                        break;
                    }
                    Outcome::Refused(r) => {
                        let detail = format!(
                            "delta {next} breaks the rule `{}`: {}. Nothing of it was applied, and the device's later \
                             deltas wait behind it on every device",
                            r.rule, r.detail
                        );
                        raise(store, a, &dev, next, "refused", &detail, &mut report.alarms)?;
                        let reason =
                            format!("delta {next} was refused ({}); its later deltas cannot be applied", r.rule);
                        waiting.insert(dev, Waiting { device: hex(&dev), label, seq: next, state: "refused", reason });
                        stopped.insert(dev);
                        break;
                    }
                    Outcome::Deferred(error) => {
                        let reason = format!(
                            "this vault could not apply delta {next} ({error}); nothing of it was applied, and it is \
                             tried again at the next sync"
                        );
                        waiting.insert(dev, Waiting { device: hex(&dev), label, seq: next, state: "deferred", reason });
                        stopped.insert(dev);
                        break;
                    }
                    Outcome::Reject(problem) => {
                        report.problems.push(Problem { file, problem });
                        stopped.insert(dev);
                        break;
                    }
                    Outcome::Fork(detail) => {
                        raise(store, a, &dev, next, "fork", &detail, &mut report.alarms)?;
                        quarantined.extend(quarantine::settle(store, a, me, report)?);
                        stopped.insert(dev);
                        break;
                    }
                }
            }
        }
        if !progress {
            break;
        }
    }
    let mut w: Vec<Waiting> = waiting.into_values().collect();
    w.sort_by(|x, y| x.device.cmp(&y.device));
    report.waiting.extend(w);
    Ok(own_fork)
}

/// The greatest clock (in ms) of a change more than the drift ahead of the delta's creation
/// time or of this device's wall clock at first sight: such values are applied and flagged,
/// never refused (docs/formats/delta.md section 7.1).
fn future_clock(body: &format::Body, now_ms: u64) -> Option<u64> {
    let limit = body.created_ms.min(now_ms);
    body.changes.iter().map(|c| Hlc(c.hlc)).filter(|h| h.is_ahead_of(limit)).map(|h| h.millis()).max()
}

/// The format version of a device's delta `seq − 1` as applied here (1 when unknown: applied
/// before the vault kept receipts, which only version-2 deltas have).
fn last_applied_version(store: &Store, share: i64, device: u32, seq: u64) -> Result<u8> {
    let receipt = SyncDb::of(store).receipt_of(share, device, seq.saturating_sub(1))?;
    Ok(receipt.and_then(|r| r.get(7).copied()).unwrap_or(format::DELTA_V1))
}

/// The id of delta `seq` of `device` as this vault applied it (or wrote it, for `me`), when
/// it knows it.
fn known_id(
    store: &Store,
    share: i64,
    peers: &BTreeMap<[u8; 16], Peer>,
    me: &[u8; 16],
    device: &[u8; 16],
    seq: u64,
) -> Result<Option<[u8; 32]>> {
    if device == me {
        SyncDb::of(store).sent_id(share, seq)
    } else {
        match peers.get(device) {
            Some(p) => SyncDb::of(store).received_id(share, p.idx, seq),
            None => Ok(None),
        }
    }
}

/// (id, file length, modification time) of every applied delta of a device, by sequence number.
pub(super) fn received_of(store: &Store, share: i64, device: u32) -> Result<HashMap<u64, Applied>> {
    SyncDb::of(store).received_of(share, device)
}

pub(super) use super::state::Applied;

/// The header checks of docs/formats/delta.md section 4 steps 1–2 (structure, group, epoch,
/// author, signature).
pub(super) fn verify_header<'a>(a: &Attached, peer: &Peer, bytes: &'a [u8]) -> Result<format::DeltaParts<'a>, String> {
    let parts = format::decode_delta(bytes).map_err(|b| b.0)?;
    let h = &parts.header;
    if h.group != a.group_of(&peer.id) {
        return Err("a delta of another sync group".into());
    }
    if h.device != peer.id {
        return Err(format!("a delta of device {} in the folder of device {}", hex(&h.device), hex(&peer.id)));
    }
    // A device of the group an upgrade replaced: its old group's key, nothing else.
    if a.legacy().is_some_and(|l| l.devices.contains_key(&peer.id)) {
        let parts = seal::verify_delta(&peer.key, bytes).map_err(|b| b.0)?;
        if a.keys_of(&peer.id, &parts.header).is_none() {
            return Err("a delta of the group this one was upgraded from, not under that group's key".into());
        }
        return Ok(parts);
    }
    // A roster group checks the signature first: a member's delta under an epoch this device's
    // fold does not know means the roster moved on without this device seeing it.
    if a.roster.is_some() {
        let parts = seal::verify_delta(&peer.key, bytes).map_err(|b| b.0)?;
        if a.keys_for(&parts.header).is_none() {
            return Err(UNKNOWN_EPOCH.into());
        }
        return Ok(parts);
    }
    if a.keys_for(h).is_none() {
        return Err(format!("key epoch {} is not one this vault holds", h.epoch));
    }
    seal::verify_delta(&peer.key, bytes).map_err(|b| b.0)
}

/// What [`verify_header`] says of a member's delta under an epoch this device cannot read.
pub(super) const UNKNOWN_EPOCH: &str =
    "it is written under an epoch of the group's roster that this device has not seen: the share may be \
     withholding roster entries";

#[allow(clippy::too_many_arguments)]
fn try_apply(
    store: &mut Store,
    a: &Attached,
    share: &Share,
    peers: &BTreeMap<[u8; 16], Peer>,
    dev: &[u8; 16],
    (seq, name, mtime): (u64, &str, i64),
    me: &[u8; 16],
    my_sent: u64,
) -> Result<Outcome> {
    let peer = peers.get(dev).expect("caller checked");
    let bytes = match share.read(dev, name) {
        Ok(b) => b,
        Err(e) => return Ok(Outcome::Reject(e.to_string())),
    };
    // A newer Casebook's delta waits for this one to be updated: never refused, no alarm.
    if format::is_newer(&bytes, format::KIND_DELTA) {
        return Ok(Outcome::Wait(
            "newer_version",
            format!("delta {seq} was made by a newer Casebook, in a format this one cannot read: update Casebook"),
        ));
    }
    let parts = match verify_header(a, peer, &bytes) {
        Ok(p) => p,
        Err(p) if p == UNKNOWN_EPOCH => return Ok(Outcome::Wait("unknown_epoch", format!("delta {seq}: {p}"))),
        Err(p) => return Ok(Outcome::Reject(p)),
    };
    let header = &parts.header;
    // Signed by its author, so the share did not set it: it may use rules this build lacks.
    if header.min_reader > format::READER {
        return Ok(Outcome::Wait(
            "newer_version",
            format!(
                "delta {seq} asks for Casebook reader version {} (this one is {}): update Casebook",
                header.min_reader,
                format::READER
            ),
        ));
    }
    if header.seq != seq {
        return Ok(Outcome::Reject(format!(
            "the file name says delta {seq}, the file holds delta {}: a replayed or renamed file",
            header.seq
        )));
    }
    if header.prev != peer.applied_hash {
        return Ok(Outcome::Fork(format!(
            "delta {seq} does not follow the delta {} applied here: the device's history forked",
            seq - 1
        )));
    }
    let keys = a.keys_of(dev, header).expect("verify_header checked the epoch");
    let body = match seal::open_body(&keys, &parts) {
        Ok(b) => b,
        Err(b) => return Ok(Outcome::Reject(b.0)),
    };
    // The upgrade names the last delta of an old device that counts: that version, no other.
    if let Some(d) = a.legacy().and_then(|l| l.devices.get(dev)).filter(|d| d.seq == seq) {
        if d.delta != parts.id {
            return Ok(Outcome::Reject(format!(
                "delta {seq} is not the version of it the group's upgrade named: the old device's history forked"
            )));
        }
    }
    // An author never goes back a format version: a version-1 delta after a version-2 one
    // would name dependencies without ids again.
    let last_version = last_applied_version(store, a.idx, peer.idx, seq)?;
    if header.version < last_version {
        return Ok(Outcome::Refused(rules::Refusal {
            rule: "version_downgrade",
            detail: format!("a version-{} delta after a version-{last_version} one", header.version),
        }));
    }
    if let Err(refusal) = rules::check(&body) {
        return Ok(Outcome::Refused(refusal));
    }
    let applied = |d: &[u8; 16]| peers.get(d).map(|p| p.applied_seq).unwrap_or(0);
    // What the plan asks of the vault, read first, so that a failing read fails the sync
    // instead of passing for "no such delta" or "not forked".
    let mut ids: HashMap<([u8; 16], u64), Option<[u8; 32]>> = HashMap::with_capacity(body.deps.len());
    let mut forks: HashMap<[u8; 16], Option<u64>> = HashMap::with_capacity(body.deps.len());
    for d in &body.deps {
        ids.insert((d.device, d.seq), known_id(store, a.idx, peers, me, &d.device, d.seq)?);
        if let std::collections::hash_map::Entry::Vacant(e) = forks.entry(d.device) {
            // A delta nobody will apply (past a fork, a removal's cutoff or an upgrade's) is no
            // dependency to wait for: what it brought is rolled back everywhere.
            let old = a.legacy().and_then(|l| l.devices.get(&d.device)).map(|o| o.seq + 1);
            let stops = [
                SyncDb::of(store).forked_at(a.idx, &d.device)?,
                SyncDb::of(store).quarantined_from(a.idx, &d.device)?,
                old,
            ];
            e.insert(stops.into_iter().flatten().min());
        }
    }
    let id_of = |d: &[u8; 16], s: u64| ids.get(&(*d, s)).copied().flatten();
    let forked_at = |d: &[u8; 16]| forks.get(d).copied().flatten();
    if let Some((state, reason)) =
        plan::unmet_dependency(&body.deps, me, my_sent, applied, id_of, forked_at, |d| hex(d))
    {
        return Ok(Outcome::Wait(state, reason));
    }
    // What the author had applied: a version-1 delta names it all, a version-2 one what changed.
    let vector = if header.version >= format::DELTA_V2 {
        super::merge_vector(&peer.vector, &body.deps)
    } else {
        body.deps.clone()
    };
    let hash = parts.id;
    let receipt = parts.receipt.map(<[u8]>::to_vec);
    let n = body.changes.len() as u64;
    let ahead = future_clock(&body, store.clock.now_ms());
    let now = store.clock.now_ms() as i64;
    let created = body.created_ms as i64;
    let (share_idx, peer_idx, len) = (a.idx, peer.idx, bytes.len() as i64);
    let disk_full = store.faults.fails("apply-delta");
    let written = store.write(|w| {
        let idx: Vec<u32> = body.devices.iter().map(|d| w.device_index(d)).collect::<Result<_>>()?;
        let author = idx[0];
        let clock = |c: &WireClock| FieldClock { hlc: Hlc(c.hlc), device: idx[usize::from(c.device)] };
        let mut changes = Vec::with_capacity(body.changes.len());
        for c in &body.changes {
            let table = table_by_code(c.table).ok_or_else(|| Error::invalid("delta", "unknown record kind"))?;
            changes.push(Change {
                table,
                record: c.record,
                field: c.field,
                value: c.value.clone(),
                clock: FieldClock { hlc: Hlc(c.hlc), device: author },
                prev: c.prev.as_ref().map(clock),
                supersedes: c.supersedes.iter().map(clock).collect(),
            });
        }
        // One author's changes of one record stay in order; records are independent, so
        // grouping each record's changes (stable sort) makes one read and one write per record.
        changes.sort_by_key(|c| (c.table.code, c.record));
        let mut deps = HashMap::with_capacity(vector.len());
        for d in &vector {
            deps.insert(w.device_index(&d.device)?, d.seq);
        }
        w.apply_delta(&changes, &Origin { share: share_idx, author, seq, deps })?;
        SyncDb::in_write(w).record_received(share_idx, peer_idx, seq, &hash, len, mtime, receipt.as_deref())?;
        SyncDb::in_write(w).mark_applied(
            share_idx,
            peer_idx,
            seq,
            &hash,
            now,
            created,
            &super::vector_blob(&vector),
        )?;
        w.reached("before-apply-commit");
        if disk_full {
            // Injected (tests): fails after every write, as a full disk at commit would.
            return Err(Error::io("applying a delta", std::io::Error::from(std::io::ErrorKind::StorageFull)));
        }
        Ok(())
    });
    // Only the rules refuse a delta. A failure here (disk full, I/O, a bug) rolled the delta's
    // transaction back; it is this vault's problem and never counts against the author.
    match written {
        Ok(()) => Ok(Outcome::Applied(n, hash, ahead, vector)),
        Err(e) => Ok(Outcome::Deferred(e.to_string())),
    }
}
