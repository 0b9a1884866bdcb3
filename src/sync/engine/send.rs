//! Sending: this device's new changes as deltas, split between records within the readers'
//! limits and checked with the readers' own checks before they are recorded as sent; missing
//! deltas of ours republished byte for byte; this device's files on the share checked for a
//! copy of the vault that wrote the same numbers.

use std::collections::{HashMap, HashSet};

use super::receive::received_of;
use super::state::{SentRow, SyncDb};
use super::{
    crash_point, load_peers, publish_record, raise, Attached, Problem, SyncReport, CHANGES_PER_DELTA,
    CHANGE_BYTES_PER_DELTA,
};
use crate::error::{Error, Result};
use crate::store::clocks::FieldClock;
use crate::store::Store;
use crate::sync::format::{self, Body, DeltaHeader, Dep, WireChange, WireClock};
use crate::sync::plan;
use crate::sync::rules;
use crate::sync::seal;
use crate::sync::share::{self, Name, Share};

/// A row of the change log as a delta carries it.
struct OwnRow {
    seq: i64,
    change: WireChange,
    prev_device: Option<u32>,
    supersedes: Vec<FieldClock>,
}

/// This device's changes after `after` (and up to `upto`), at most `limit`.
fn own_rows(store: &Store, after: i64, upto: i64, limit: usize) -> Result<Vec<OwnRow>> {
    Ok(store
        .own_changes(after, upto, limit)?
        .into_iter()
        .map(|l| OwnRow {
            seq: l.seq,
            change: WireChange {
                table: l.table,
                record: l.record,
                field: l.field,
                hlc: l.hlc,
                prev: l.prev.map(|p| WireClock { hlc: p.hlc.0, device: 0 }),
                supersedes: Vec::new(),
                value: l.value,
            },
            prev_device: l.prev.map(|p| p.device),
            supersedes: l.supersedes,
        })
        .collect())
}

/// The body of a delta from rows of the change log: the device table lists this device first,
/// then every device a clock names, in order of first mention (deterministic).
fn body_of(store: &Store, me: &[u8; 16], rows: Vec<OwnRow>, deps: Vec<Dep>, created_ms: u64) -> Result<Body> {
    let mut devices = vec![*me];
    let mut index: HashMap<u32, u16> = HashMap::from([(store.device, 0)]);
    let id_of = |idx: u32| store.device_id_at(idx);
    let mut slot = |idx: u32, devices: &mut Vec<[u8; 16]>| -> Result<u16> {
        if let Some(&i) = index.get(&idx) {
            return Ok(i);
        }
        let id: Vec<u8> = id_of(idx)?;
        devices.push(id.as_slice().try_into().map_err(|_| Error::invalid("database", "a device id is damaged"))?);
        let i = (devices.len() - 1) as u16;
        index.insert(idx, i);
        Ok(i)
    };
    let mut changes = Vec::with_capacity(rows.len());
    for row in rows {
        let mut c = row.change;
        if let Some(p) = c.prev.as_mut() {
            p.device = slot(row.prev_device.unwrap_or(store.device), &mut devices)?;
        }
        // Resolutions name at most MAX_SUPERSEDES values (`Writer::resolve` splits larger ones);
        // a row written before that rule keeps its first names, and the rest stay conflicts.
        for s in row.supersedes.into_iter().take(crate::model::MAX_SUPERSEDES) {
            c.supersedes.push(WireClock { hlc: s.hlc.0, device: slot(s.device, &mut devices)? });
        }
        changes.push(c);
    }
    Ok(Body { created_ms, deps, devices, changes })
}

/// A sent delta's full dependency vector as `sync_sent.deps` keeps it: 24 bytes per device
/// (id, seq) for version 1, 56 (with the delta id) for version 2.
fn encode_deps(deps: &[Dep], version: u8) -> Vec<u8> {
    if version >= format::DELTA_V2 {
        return super::vector_blob(deps);
    }
    let mut out = Vec::with_capacity(deps.len() * 24);
    for d in deps {
        out.extend_from_slice(&d.device);
        out.extend_from_slice(&d.seq.to_be_bytes());
    }
    out
}

fn decode_deps(bytes: &[u8], version: u8) -> Vec<Dep> {
    if version >= format::DELTA_V2 {
        return super::blob_vector(bytes);
    }
    bytes
        .chunks_exact(24)
        .map(|e| Dep {
            device: e[..16].try_into().expect("16 bytes"),
            seq: u64::from_be_bytes(e[16..].try_into().expect("8 bytes")),
            id: [0; 32],
        })
        .collect()
}

fn sent_rows(store: &Store, share: i64) -> Result<Vec<SentRow>> {
    SyncDb::of(store).sent_rows(share)
}

/// Sends this device's new changes (with `publish_new`; republishing what of ours is missing
/// in any case). Some(k): a copy of this vault wrote past it from delta k on; nothing more was
/// sent, and the caller renews the identity.
pub(super) fn send(
    store: &mut Store,
    a: &Attached,
    share: &Share,
    me: &[u8; 16],
    publish_new: bool,
    report: &mut SyncReport,
) -> Result<Option<u64>> {
    share.clean_own_temp(me);
    let own: Vec<share::Entry> = share.list(me)?;
    let names: HashSet<&str> = own.iter().map(|e| e.name.as_str()).collect();
    // A roster group has no device records: the roster names every device's keys and label.
    if a.roster.is_some() {
    } else if !names.contains(share::RECORD) {
        publish_record(store, a, share, me)?;
    } else {
        own_record_intact(store, a, share, me, report)?;
    }
    let sent = sent_rows(store, a.idx)?;
    let last_sent = sent.last().map(|s| s.seq).unwrap_or(0);
    if let Some(fork_at) = own_history_intact(store, a, share, me, &own, &sent, report)? {
        return Ok(Some(fork_at));
    }
    // Republish deltas of ours that are missing (a crash before the write, a rolled-back share).
    let mut prev_hash = [0u8; 32];
    // The full vector of the previous delta when it was of version 2 (which names changes only).
    let mut prev_full: Option<Vec<Dep>> = None;
    for row in &sent {
        let name = share::delta_name(row.seq);
        let full = decode_deps(&row.deps, row.format);
        if !names.contains(name.as_str()) {
            let rows = own_rows(store, row.first - 1, row.last, usize::MAX >> 1)?;
            let deps = plan::written_deps(&full, prev_full.as_deref(), row.format);
            let body = body_of(store, me, rows, deps, row.created)?;
            let Some((header, keys)) = sealed_as(store, a, me, row.format, row.seq, prev_hash)? else {
                prev_hash = row.hash;
                prev_full = (row.format >= format::DELTA_V2).then_some(full);
                continue;
            };
            let bytes = seal::seal_delta(&keys, &a.signing, &header, &body);
            if seal::delta_id(&bytes) == row.hash {
                match publish(store, a, share, me, row.seq, &bytes, report)? {
                    Some(true) => report.republished += 1,
                    Some(false) => {}
                    None => return Ok(Some(row.seq)),
                }
            } else {
                report.problems.push(Problem {
                    file: format!("{}/{name}", share::device_dir_name(me)),
                    problem: "this delta is missing from the share and could not be rebuilt identically".into(),
                });
            }
        }
        prev_hash = row.hash;
        prev_full = (row.format >= format::DELTA_V2).then_some(full);
    }
    if !publish_new {
        return Ok(None);
    }
    send_new(
        store,
        a,
        me,
        Chain { prev_hash, prev_full, last_version: sent.last().map_or(0, |r| r.format), seq: last_sent },
        Sink::Now(share),
        usize::MAX,
        report,
    )
}

/// Where the last sent delta of this identity left its chain.
struct Chain {
    prev_hash: [u8; 32],
    /// Its full dependency vector when it was of version 2.
    prev_full: Option<Vec<Dep>>,
    last_version: u8,
    seq: u64,
}

fn chain_of(sent: &[SentRow]) -> Chain {
    match sent.last() {
        Some(r) => Chain {
            prev_hash: r.hash,
            prev_full: (r.format >= format::DELTA_V2).then(|| decode_deps(&r.deps, r.format)),
            last_version: r.format,
            seq: r.seq,
        },
        None => Chain { prev_hash: [0; 32], prev_full: None, last_version: 0, seq: 0 },
    }
}

/// What becomes of each delta once it is recorded as sent.
enum Sink<'s> {
    /// Written to the share now (a sync).
    Now(&'s Share),
    /// Handed back to be queued for the share IO thread (lock, quit, suspend).
    Later(&'s mut Vec<(u64, Vec<u8>)>),
}

/// At lock, quit or suspend: this device's unsent changes sealed and recorded as sent (at most
/// `max_deltas` deltas), without reading or waiting for the share. The files to write, by seq.
pub(super) fn send_at_lock(
    store: &mut Store,
    a: &Attached,
    me: &[u8; 16],
    max_deltas: usize,
    report: &mut SyncReport,
) -> Result<Vec<(u64, Vec<u8>)>> {
    let chain = chain_of(&sent_rows(store, a.idx)?);
    let mut files = Vec::new();
    send_new(store, a, me, chain, Sink::Later(&mut files), max_deltas, report)?;
    Ok(files)
}

/// This device's changes not yet in a delta, in the newest format every peer reads (and never
/// an older one than before): sealed, checked as readers check them, recorded as sent, then
/// handed to `sink`. Some(k): the share holds another delta `k` of ours (a copy wrote it).
#[allow(clippy::too_many_arguments)]
fn send_new(
    store: &mut Store,
    a: &Attached,
    me: &[u8; 16],
    chain: Chain,
    mut sink: Sink<'_>,
    max_deltas: usize,
    report: &mut SyncReport,
) -> Result<Option<u64>> {
    let Chain { mut prev_hash, mut prev_full, mut last_version, mut seq } = chain;
    let mut scanned = a.scanned_upto;
    for _ in 0..max_deltas {
        let max = store.last_change_seq()?;
        let mut rows = own_rows(store, scanned, max, CHANGES_PER_DELTA)?;
        if rows.is_empty() {
            if max > scanned {
                SyncDb::of(store).set_scanned(a.idx, max)?;
            }
            return Ok(None);
        }
        let complete = rows.len() < CHANGES_PER_DELTA;
        let cut = delta_cut(&rows, complete);
        let complete = complete && cut == rows.len();
        rows.truncate(cut);
        let first = rows[0].seq;
        let last = rows[rows.len() - 1].seq;
        let upto = if complete { max } else { last };
        let n = rows.len() as u64;
        let mut peers = load_peers(store, a.idx)?;
        // A roster group names only devices it reads (never a sybil an old group's key let in).
        peers.retain(|id, _| a.reads_device(id));
        let version = plan::sender_version(last_version, peers.values().map(|p| p.reads));
        let full: Vec<Dep> = peers
            .values()
            .filter(|p| p.applied_seq > 0)
            .map(|p| Dep {
                device: p.id,
                seq: p.applied_seq,
                id: if version >= format::DELTA_V2 { p.applied_hash } else { [0; 32] },
            })
            .collect();
        let deps = plan::written_deps(&full, prev_full.as_deref(), version);
        let created = store.clock.now_ms();
        let body = body_of(store, me, rows, deps, created)?;
        seq += 1;
        let header = a.header(version, me, seq, prev_hash);
        let bytes = seal::seal_delta(&a.keys, &a.signing, &header, &body);
        let sealed_with = [&header.epoch_id[..], &header.roster_head[..]].concat();
        let hash = seal::delta_id(&bytes);
        // A sender writes only what its receivers accept: the readers' own checks, on our bytes.
        if let Err(why) = check_own(a, &bytes) {
            let detail = format!(
                "delta {seq} of this device would be refused by the other devices ({why}); it was not written and \
                 sending is stopped until Casebook is updated"
            );
            raise(store, a, me, seq, "unsendable", &detail, &mut report.alarms)?;
            return Ok(None);
        }
        store.write(|w| {
            let db = SyncDb::in_write(w);
            db.record_sent(a.idx, seq, first, last, &encode_deps(&full, version), created, &hash, version)?;
            if a.roster.is_some() {
                super::roster_db::RosterDb::in_write(w).set_sent_epoch(a.idx, seq, &sealed_with)?;
            }
            db.set_scanned(a.idx, upto)
        })?;
        super::high_water::record(store, a, me, seq, hash, report);
        crash_point(store, "sent-recorded");
        match &mut sink {
            Sink::Now(share) => {
                if publish(store, a, share, me, seq, &bytes, report)?.is_none() {
                    return Ok(Some(seq));
                }
            }
            Sink::Later(files) => files.push((seq, bytes)),
        }
        report.sent_deltas += 1;
        report.sent_changes += n;
        prev_hash = hash;
        prev_full = (version >= format::DELTA_V2).then_some(full);
        last_version = version;
        scanned = upto;
    }
    Ok(None)
}

/// Where to end the next delta among `rows` (at most [`CHANGES_PER_DELTA`] of them): within
/// [`CHANGE_BYTES_PER_DELTA`], and never between two changes of one record made at one clock
/// (a record's creation, or one edit), so that no delta holds half a creation. `complete`: the
/// rows are all there is, so they may all go.
fn delta_cut(rows: &[OwnRow], complete: bool) -> usize {
    if rows.len() <= 1 {
        return rows.len();
    }
    let mut bytes = 0;
    let mut end = rows.len();
    for (i, r) in rows.iter().enumerate() {
        bytes += format::change_len(&r.change) + 10 * r.supersedes.len().min(crate::model::MAX_SUPERSEDES);
        if bytes > CHANGE_BYTES_PER_DELTA {
            end = i;
            break;
        }
    }
    if end == rows.len() && complete {
        return end;
    }
    let same =
        |i: usize| rows[i - 1].change.record == rows[i].change.record && rows[i - 1].change.hlc == rows[i].change.hlc;
    let mut cut = end.min(rows.len() - 1).max(1);
    while cut > 1 && same(cut) {
        cut -= 1;
    }
    // One transaction's changes of one record alone over the budget cannot happen (a record
    // has a few dozen fields of at most 1 MiB); should it, the delta ends at the budget.
    if same(cut) {
        end.max(1)
    } else {
        cut
    }
}

/// The header and keys delta `seq` of ours was first sealed with: a roster group remembers the
/// epoch and roster heads of each (`sync_sent.epoch_id`), so that the delta is rebuilt byte for
/// byte after the group moved to another epoch. None: the epoch's key is not held (the delta
/// cannot be rebuilt; it is not republished).
fn sealed_as(
    store: &Store,
    a: &Attached,
    me: &[u8; 16],
    version: u8,
    seq: u64,
    prev: [u8; 32],
) -> Result<Option<(DeltaHeader, seal::GroupKeys)>> {
    let mut header = DeltaHeader::new(version, a.group, a.keys.epoch, *me, seq, prev);
    let Some(side) = &a.roster else { return Ok(Some((header, a.keys.clone()))) };
    let Some(with) = super::roster_db::RosterDb::of(store).sent_epoch(a.idx, seq)?.filter(|w| w.len() == 48) else {
        return Ok(None);
    };
    header.epoch_id = with[..16].try_into().expect("16 bytes");
    header.roster_head = with[16..].try_into().expect("32 bytes");
    Ok(side.keyring.get(&header.epoch_id).map(|k| (header, super::roster_sync::group_keys(k))))
}

/// The checks every reader makes (section 4 and 6.1 of docs/formats/delta.md), run on a delta
/// of ours before it is recorded as sent.
fn check_own(a: &Attached, bytes: &[u8]) -> std::result::Result<(), String> {
    let parts = format::decode_delta(bytes).map_err(|b| b.0)?;
    let keys = a.keys_for(&parts.header).ok_or("its epoch is not one the group counts")?;
    let (_, body) = seal::open_delta(&keys, &a.signing.verifying_key().to_bytes(), bytes).map_err(|b| b.0)?;
    rules::check(&body).map_err(|r| format!("rule `{}`: {}", r.rule, r.detail))
}

/// Checks this device's deltas as the share holds them. Some(k): from sequence number k on, the
/// share does not hold this vault's history as it wrote it, and the vault must continue as a
/// new device (`identity::renew`).
/// - A delta signed with this device's key beyond what this vault remembers sending: the vault
///   was restored from an older copy (`vault_older_than_share`).
/// - Another version of a delta it did send, signed with its key — in place of ours (a sync tool
///   kept the other one under the name: `own_delta_replaced`) or in a sync tool's conflict copy
///   (`fork`): a copy of this vault (a restored backup, or the vault copied to a second laptop)
///   wrote the same sequence number, and peers that applied the other version refuse every
///   later delta of ours. Raised in the same sync that first sees both versions.
///
/// A file there that this device did not sign is junk (replaced when its name's turn comes). A
/// canonical file that checked out is remembered by (length, mtime) in `sync_received`, so each
/// sync reads only what changed.
fn own_history_intact(
    store: &Store,
    a: &Attached,
    share: &Share,
    me: &[u8; 16],
    own: &[share::Entry],
    sent: &[SentRow],
    report: &mut SyncReport,
) -> Result<Option<u64>> {
    let memo = received_of(store, a.idx, store.device)?;
    let sent_hash: HashMap<u64, [u8; 32]> = sent.iter().map(|r| (r.seq, r.hash)).collect();
    let last_sent = sent.last().map(|r| r.seq).unwrap_or(0);
    let mut fork_at: Option<u64> = None;
    for e in own {
        match e.kind {
            Name::Delta(seq) if memo.get(&seq).is_some_and(|&(_, len, mtime)| len == e.len && mtime == e.mtime) => {
                continue
            }
            Name::Delta(_) | Name::ConflictCopy => {}
            _ => continue,
        }
        let Ok(bytes) = share.read(me, &e.name) else { continue };
        if !is_ours(a, me, &bytes) {
            continue; // junk under one of our names: not a version of ours
        }
        let Ok(parts) = format::decode_delta(&bytes) else { continue };
        let seq = parts.header.seq;
        let hash = parts.id;
        let file = format!("{}/{}", share::device_dir_name(me), e.name);
        match sent_hash.get(&seq) {
            Some(h) if *h == hash => {
                if e.kind != Name::ConflictCopy {
                    SyncDb::of(store).record_received(a.idx, store.device, seq, &hash, e.len as i64, e.mtime, None)?;
                }
            }
            Some(_) => {
                let (kind, what) = if e.kind == Name::ConflictCopy {
                    ("fork", format!("{file} holds another version of delta {seq} of this device"))
                } else {
                    (
                        "own_delta_replaced",
                        format!("delta {seq} of this device was replaced on the share by another version"),
                    )
                };
                let detail = format!(
                    "{what}, signed with this device's key: a copy of this vault (a restored backup, or the vault copied to \
                     another laptop) wrote it. Devices that applied the other version miss this vault's changes in delta \
                     {seq}, so this vault sends them again as a new device; keep using one copy of the vault only"
                );
                raise(store, a, me, seq, kind, &detail, &mut report.alarms)?;
                fork_at = Some(fork_at.map_or(seq, |f| f.min(seq)));
            }
            None => {
                let detail = format!(
                    "the share holds delta {seq} of this device ({file}), which this vault does not remember writing: \
                     the vault was restored from an older copy. So that no sequence number is used twice, this vault \
                     continues as a new device and applies what its copy wrote"
                );
                raise(store, a, me, seq, "vault_older_than_share", &detail, &mut report.alarms)?;
                let at = last_sent + 1;
                fork_at = Some(fork_at.map_or(at, |f| f.min(at)));
            }
        }
    }
    Ok(fork_at)
}

/// This device's record on the share must be the one it would write: this group, this device,
/// its signing key and its current label. A renamed device writes its record again; one that
/// someone else replaced (another key or group, junk) is written again and reported.
fn own_record_intact(
    store: &mut Store,
    a: &Attached,
    share: &Share,
    me: &[u8; 16],
    report: &mut SyncReport,
) -> Result<()> {
    let label = super::local_label(store)?;
    let ours = a.signing.verifying_key().to_bytes();
    let found = share.read(me, share::RECORD).ok().and_then(|b| seal::open_record(&a.keys, &b).ok());
    let problem = match found {
        Some((h, l)) if h.group == a.group && h.device == *me && h.signing_key == ours => {
            if l == label && h.reads == format::READER {
                return Ok(());
            }
            None // renamed here, or written by an older Casebook: the others learn the news
        }
        _ => Some(
            "the device record of this device on the share is not the one it wrote (another key, group or \
                   junk); it was written again",
        ),
    };
    let bytes = super::record_bytes(store, a, me)?;
    share.replace_own(me, share::RECORD, &bytes, store.entropy.as_mut())?;
    if let Some(problem) = problem {
        report.problems.push(Problem {
            file: format!("{}/{}", share::device_dir_name(me), share::RECORD),
            problem: problem.into(),
        });
    }
    Ok(())
}

/// Whether `bytes` is a delta of this group signed by this device.
fn is_ours(a: &Attached, me: &[u8; 16], bytes: &[u8]) -> bool {
    let Ok(parts) = format::decode_delta(bytes) else { return false };
    let Some(keys) = a.keys_for(&parts.header) else { return false };
    parts.header.group == a.group
        && &parts.header.device == me
        && seal::open_delta(&keys, &a.signing.verifying_key().to_bytes(), bytes).is_ok()
}

/// Writes delta `seq` of ours. Some(true): written; Some(false): the same file was there;
/// None: another delta signed by this device holds the name (alarm raised; sending stops).
/// A file this device did not sign that holds the name is replaced and reported.
fn publish(
    store: &mut Store,
    a: &Attached,
    share: &Share,
    me: &[u8; 16],
    seq: u64,
    bytes: &[u8],
    report: &mut SyncReport,
) -> Result<Option<bool>> {
    let name = share::delta_name(seq);
    match share.write_own(me, &name, bytes, store.entropy.as_mut())? {
        share::Written::Written => Ok(Some(true)),
        share::Written::AlreadyThere => Ok(Some(false)),
        share::Written::Occupied(existing) if is_ours(a, me, &existing) => {
            let detail = format!("delta {seq} of this device already exists on the share with other content");
            raise(store, a, me, seq, "vault_older_than_share", &detail, &mut report.alarms)?;
            Ok(None)
        }
        share::Written::Occupied(_) => {
            share.replace_own(me, &name, bytes, store.entropy.as_mut())?;
            report.problems.push(Problem {
                file: format!("{}/{name}", share::device_dir_name(me)),
                problem: "a file this device did not write held the name of its next delta; it was replaced".into(),
            });
            Ok(Some(true))
        }
    }
}
