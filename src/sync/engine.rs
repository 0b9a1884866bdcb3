//! What `share create`, `share invite`, `share join`, `sync` and `share status` do: the
//! vault-side state of sync (tables `shares`, `sync_*`, docs/formats/database.md section 10)
//! and the rules of docs/formats/delta.md section 6.
//!
//! Crash safety: a delta of ours is recorded as sent (with everything needed to rebuild it
//! byte for byte) before its file is written; a received delta is applied and recorded as
//! applied in one transaction. A crash anywhere leaves a consistent vault, and the next sync
//! finishes the work.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use zeroize::Zeroizing;

use super::format::{self, Body, InviteSecret, WireChange, WireClock};
use super::rules;
use super::seal::{self, GroupKeys};
use super::share::{self, Name, Share};
use crate::dates::format_timestamp;
use crate::error::{Error, Result};
use crate::model::table_by_code;
use crate::secret::Passphrase;
use crate::store::clocks::FieldClock;
use crate::store::hlc::Hlc;
use crate::store::write::{decode_clocks, value_of, Change};
use crate::store::Store;
use crate::vault::header::KdfParams;

/// Most changes one delta carries (a first sync of a large vault writes several deltas).
pub const CHANGES_PER_DELTA: usize = 20_000;
/// Most bytes of encoded changes one delta carries: half of what a reader decompresses
/// (`format::MAX_BODY`), leaving room for dependencies, the device table and padding.
pub const CHANGE_BYTES_PER_DELTA: usize = format::MAX_BODY / 2;
/// How long an invite can be used.
pub const INVITE_VALID_MS: u64 = 7 * 86_400_000;

/// The share this vault is attached to, with its keys.
struct Attached {
    idx: i64,
    group: [u8; 16],
    keys: GroupKeys,
    signing: SigningKey,
    path: PathBuf,
    scanned_upto: i64,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn attached(store: &Store) -> Result<Option<Attached>> {
    let row = store
        .conn
        .query_row(
            "SELECT idx, group_id, epoch, group_key, signing_key, path, scanned_upto FROM shares ORDER BY idx LIMIT 1",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, u32>(2)?,
                    Zeroizing::new(r.get::<_, Vec<u8>>(3)?),
                    Zeroizing::new(r.get::<_, Vec<u8>>(4)?),
                    r.get::<_, String>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((idx, group, epoch, key, seed, path, scanned_upto)) = row else { return Ok(None) };
    let damaged = || Error::invalid("database", "the share's keys in the vault are damaged");
    let group: [u8; 16] = group.try_into().map_err(|_| damaged())?;
    let key: Zeroizing<[u8; 32]> = Zeroizing::new(key.as_slice().try_into().map_err(|_| damaged())?);
    let seed: Zeroizing<[u8; 32]> = Zeroizing::new(seed.as_slice().try_into().map_err(|_| damaged())?);
    Ok(Some(Attached {
        idx,
        group,
        keys: GroupKeys::derive(epoch, &key),
        signing: SigningKey::from_bytes(&seed),
        path: PathBuf::from(path),
        scanned_upto,
    }))
}

fn require_attached(store: &Store) -> Result<Attached> {
    attached(store)?.ok_or_else(|| Error::ShareState {
        reason: "this vault is not attached to a share; use `casebook share create DIR` or `casebook share join DIR --invite FILE`".into(),
    })
}

fn refuse_if_attached(store: &Store) -> Result<()> {
    if let Some(a) = attached(store)? {
        return Err(Error::ShareState {
            reason: format!(
                "this vault already syncs with the share at {}; a vault syncs with one share",
                a.path.display()
            ),
        });
    }
    Ok(())
}

/// What `share create` and `share join` report.
#[derive(Debug, Serialize)]
pub struct Attachment {
    pub group_id: String,
    pub path: String,
    pub device_id: String,
}

fn local_label(store: &Store) -> Result<String> {
    Ok(store
        .conn
        .query_row("SELECT label FROM devices WHERE idx = ?1", [store.device], |r| r.get::<_, Option<String>>(0))?
        .unwrap_or_default())
}

/// Sets this device's label (shown to the other devices; sealed under the group key).
pub fn set_label(store: &mut Store, label: &str) -> Result<()> {
    store.conn.execute("UPDATE devices SET label = ?1 WHERE idx = ?2", params![label, store.device])?;
    Ok(())
}

fn absolute(dir: &Path) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

fn attach(store: &mut Store, group: [u8; 16], epoch: u32, key: &[u8; 32], dir: &Path) -> Result<Attached> {
    let mut seed = Zeroizing::new([0u8; 32]);
    store.entropy.fill(&mut seed[..]);
    let now = store.clock.now_ms() as i64;
    store.conn.execute(
        "INSERT INTO shares (group_id, epoch, group_key, signing_key, path, joined_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![&group[..], epoch, &key[..], &seed[..], absolute(dir).to_string_lossy(), now],
    )?;
    require_attached(store)
}

fn publish_record(store: &mut Store, a: &Attached, share: &Share, me: &[u8; 16]) -> Result<()> {
    let label = local_label(store)?;
    let now = store.clock.now_ms();
    let bytes = seal::seal_record(&a.keys, &a.signing, &a.group, me, now, &label, store.entropy.as_mut());
    share.write_own(me, share::RECORD, &bytes, store.entropy.as_mut())?;
    Ok(())
}

/// `share create DIR`: a new group with this vault as its first device.
pub fn create(store: &mut Store, dir: &Path) -> Result<Attachment> {
    refuse_if_attached(store)?;
    let mut group = [0u8; 16];
    store.entropy.fill(&mut group);
    let mut key = Zeroizing::new([0u8; 32]);
    store.entropy.fill(&mut key[..]);
    let share = Share::create(dir, &format::encode_marker(&group), store.entropy.as_mut())?;
    let a = attach(store, group, 1, &key, dir)?;
    let me = store.device_id()?;
    publish_record(store, &a, &share, &me)?;
    Ok(Attachment { group_id: hex(&group), path: a.path.display().to_string(), device_id: hex(&me) })
}

/// `share invite`: the group's key and this device's signing key, sealed under `passphrase`.
/// Returns the invite's text form.
pub fn invite(store: &mut Store, passphrase: &Passphrase, kdf: KdfParams) -> Result<String> {
    let a = require_attached(store)?;
    let key: Zeroizing<Vec<u8>> =
        Zeroizing::new(store.conn.query_row("SELECT group_key FROM shares WHERE idx = ?1", [a.idx], |r| r.get(0))?);
    let now = store.clock.now_ms();
    let secret = InviteSecret {
        group: a.group,
        epoch: a.keys.epoch,
        group_key: key.as_slice().try_into().map_err(|_| Error::invalid("database", "the group key is damaged"))?,
        inviter: store.device_id()?,
        inviter_key: a.signing.verifying_key().to_bytes(),
        created_ms: now,
        expires_ms: now + INVITE_VALID_MS,
    };
    let bytes = seal::seal_invite(&secret, passphrase, kdf, store.entropy.as_mut())?;
    Ok(format::invite_to_text(&bytes))
}

/// `share join DIR --invite FILE`: attach this vault to the invite's group at `dir`.
pub fn join(store: &mut Store, dir: &Path, invite_text: &str, passphrase: &Passphrase) -> Result<Attachment> {
    refuse_if_attached(store)?;
    let bytes = format::invite_from_text(invite_text).map_err(|b| Error::invalid("invite", &b.0))?;
    let secret = seal::open_invite(&bytes, passphrase)?;
    let now = store.clock.now_ms();
    if now > secret.expires_ms {
        return Err(Error::invalid(
            "invite",
            &format!("it expired on {}; ask for a new one", format_timestamp(secret.expires_ms)),
        ));
    }
    let me = store.device_id()?;
    if secret.inviter == me {
        return Err(Error::invalid("invite", "it was made by this vault; use it on another device"));
    }
    let share = Share::open(dir)?;
    match share.read_marker()? {
        Some(m) if format::decode_marker(&m).ok() == Some(secret.group) => {}
        Some(_) => {
            return Err(Error::ShareUnreachable {
                path: dir.to_path_buf(),
                reason: "this folder is the share of another group than the invite's".into(),
            })
        }
        None => {
            return Err(Error::ShareUnreachable {
                path: dir.to_path_buf(),
                reason: format!("it has no {} file: it is not a Casebook share (or not synced yet)", share::MARKER),
            })
        }
    }
    let a = attach(store, secret.group, secret.epoch, &secret.group_key, dir)?;
    // The inviter's key comes from the invite, so the share cannot substitute its record.
    store.write(|w| {
        let idx = w.device_index(&secret.inviter)?;
        w.tx().execute(
            "INSERT INTO sync_peers (share, device, signing_key, heard_at) VALUES (?1, ?2, ?3, ?4)",
            params![a.idx, idx, &secret.inviter_key[..], now as i64],
        )?;
        Ok(())
    })?;
    publish_record(store, &a, &share, &me)?;
    Ok(Attachment { group_id: hex(&a.group), path: a.path.display().to_string(), device_id: hex(&me) })
}

/// A file that was not used, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// Path relative to the share folder.
    pub file: String,
    pub problem: String,
}

/// A delta received and applied.
#[derive(Debug, Clone, Serialize)]
pub struct Received {
    pub device: String,
    pub label: String,
    pub seq: u64,
    pub changes: u64,
}

/// A device whose next delta cannot be applied yet.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Waiting {
    pub device: String,
    pub label: String,
    /// The sequence number it waits at.
    pub seq: u64,
    /// Why, as a stable name: `missing` (not on the share), `dependency` (it follows a delta not
    /// applied here yet), `no_record` (no valid device record), `refused` (it breaks a rule;
    /// the device's later deltas wait behind it), `deferred` (this vault failed to apply it;
    /// tried again at the next sync).
    pub state: &'static str,
    pub reason: String,
}

/// Something that needs a person: a device that signed two different files for one sequence
/// number, a changed device key, this vault being older than its own files.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Alarm {
    pub device: String,
    pub seq: u64,
    pub kind: String,
    pub detail: String,
    pub first_seen: String,
}

/// What `sync` did.
#[derive(Debug, Default, Serialize)]
pub struct SyncReport {
    pub sent_deltas: u64,
    pub sent_changes: u64,
    /// Deltas of ours that were missing from the share and were written again.
    pub republished: u64,
    pub received: Vec<Received>,
    pub received_changes: u64,
    /// Open conflicts after this sync, and how many this sync added.
    pub conflicts: u64,
    pub new_conflicts: u64,
    pub problems: Vec<Problem>,
    pub waiting: Vec<Waiting>,
    /// Alarms raised by this sync (all open alarms: `share status`).
    pub alarms: Vec<Alarm>,
}

struct Peer {
    idx: u32,
    id: [u8; 16],
    key: [u8; 32],
    label: String,
    applied_seq: u64,
    applied_hash: [u8; 32],
}

fn load_peers(store: &Store, share: i64) -> Result<BTreeMap<[u8; 16], Peer>> {
    let mut stmt = store.conn.prepare(
        "SELECT p.device, d.id, p.signing_key, p.label, p.applied_seq, p.applied_hash \
         FROM sync_peers p JOIN devices d ON d.idx = p.device WHERE p.share = ?1",
    )?;
    let rows = stmt.query_map([share], |r| {
        Ok((
            r.get::<_, u32>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, Vec<u8>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, Option<Vec<u8>>>(5)?,
        ))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (idx, id, key, label, seq, hash) = row?;
        let (Ok(id), Ok(key)) = (<[u8; 16]>::try_from(id), <[u8; 32]>::try_from(key)) else { continue };
        let applied_hash = hash.and_then(|h| <[u8; 32]>::try_from(h).ok()).unwrap_or([0; 32]);
        out.insert(id, Peer { idx, id, key, label: label.unwrap_or_default(), applied_seq: seq as u64, applied_hash });
    }
    Ok(out)
}

/// Open conflicts as `conflicts list` shows them (competing values that all equal the shown
/// one are not counted).
fn conflict_count(store: &Store) -> Result<u64> {
    Ok(store.conflicts()?.len() as u64)
}

fn raise(
    store: &Store,
    a: &Attached,
    device: &[u8; 16],
    seq: u64,
    kind: &str,
    detail: &str,
    out: &mut Vec<Alarm>,
) -> Result<()> {
    let now = store.clock.now_ms();
    let added = store.conn.execute(
        "INSERT OR IGNORE INTO sync_alarms (share, device, seq, kind, detail, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![a.idx, &device[..], seq as i64, kind, detail, now as i64],
    )?;
    if added > 0 {
        out.push(Alarm {
            device: hex(device),
            seq,
            kind: kind.into(),
            detail: detail.into(),
            first_seen: format_timestamp(now),
        });
    }
    Ok(())
}

/// `sync`: send this device's new changes, then apply everyone else's. Hostile or broken files
/// are reported in the result; only an unreachable share (or a vault failure) is an error.
pub fn sync(store: &mut Store) -> Result<SyncReport> {
    let a = require_attached(store)?;
    let share = Share::open(&a.path)?;
    match share.read_marker()? {
        Some(m) if format::decode_marker(&m).ok() == Some(a.group) => {}
        Some(_) => {
            return Err(Error::ShareUnreachable {
                path: a.path.clone(),
                reason: "the folder is now the share of another group".into(),
            })
        }
        None => {
            return Err(Error::ShareUnreachable {
                path: a.path.clone(),
                reason: format!("it has no {} file (not mounted, or not the share)", share::MARKER),
            })
        }
    }
    let mut report = SyncReport::default();
    let before = conflict_count(store)?;
    let me = store.device_id()?;
    send(store, &a, &share, &me, &mut report)?;
    receive(store, &a, &share, &me, &mut report)?;
    report.conflicts = conflict_count(store)?;
    report.new_conflicts = report.conflicts.saturating_sub(before);
    Ok(report)
}

/// A row of the change log as a delta carries it.
struct OwnRow {
    seq: i64,
    change: WireChange,
    prev_device: Option<u32>,
    supersedes: Vec<FieldClock>,
}

/// This device's changes after `after` (and up to `upto`), at most `limit`.
fn own_rows(store: &Store, after: i64, upto: i64, limit: usize) -> Result<Vec<OwnRow>> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT seq, tbl, rec, field, value, hlc, prev_hlc, prev_device, supersedes FROM changes \
         WHERE seq > ?1 AND seq <= ?2 AND device = ?3 ORDER BY seq LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![after, upto, store.device, limit as i64], |r| {
        let rec: Vec<u8> = r.get(2)?;
        let prev_hlc: Option<i64> = r.get(6)?;
        Ok(OwnRow {
            seq: r.get(0)?,
            change: WireChange {
                table: r.get(1)?,
                record: rec.as_slice().try_into().unwrap_or([0; 16]),
                field: r.get(3)?,
                hlc: r.get::<_, i64>(5)? as u64,
                prev: prev_hlc.map(|h| WireClock { hlc: h as u64, device: 0 }),
                supersedes: Vec::new(),
                value: value_of(r.get_ref(4)?),
            },
            prev_device: r.get(7)?,
            supersedes: r.get::<_, Option<Vec<u8>>>(8)?.map(|b| decode_clocks(&b)).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The body of a delta from rows of the change log: the device table lists this device first,
/// then every device a clock names, in order of first mention (deterministic).
fn body_of(
    store: &Store,
    me: &[u8; 16],
    rows: Vec<OwnRow>,
    deps: Vec<([u8; 16], u64)>,
    created_ms: u64,
) -> Result<Body> {
    let mut devices = vec![*me];
    let mut index: HashMap<u32, u16> = HashMap::from([(store.device, 0)]);
    let mut id_of = store.conn.prepare_cached("SELECT id FROM devices WHERE idx = ?1")?;
    let mut slot = |idx: u32, devices: &mut Vec<[u8; 16]>| -> Result<u16> {
        if let Some(&i) = index.get(&idx) {
            return Ok(i);
        }
        let id: Vec<u8> = id_of.query_row([idx], |r| r.get(0))?;
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

fn encode_deps(deps: &[([u8; 16], u64)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(deps.len() * 24);
    for (d, s) in deps {
        out.extend_from_slice(d);
        out.extend_from_slice(&s.to_be_bytes());
    }
    out
}

fn decode_deps(bytes: &[u8]) -> Vec<([u8; 16], u64)> {
    bytes
        .chunks_exact(24)
        .map(|e| (e[..16].try_into().expect("16 bytes"), u64::from_be_bytes(e[16..].try_into().expect("8 bytes"))))
        .collect()
}

struct SentRow {
    seq: u64,
    first: i64,
    last: i64,
    deps: Vec<u8>,
    created: u64,
    hash: [u8; 32],
}

fn sent_rows(store: &Store, share: i64) -> Result<Vec<SentRow>> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT seq, first_change, last_change, deps, created, hash FROM sync_sent WHERE share = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([share], |r| {
        Ok(SentRow {
            seq: r.get::<_, i64>(0)? as u64,
            first: r.get(1)?,
            last: r.get(2)?,
            deps: r.get(3)?,
            created: r.get::<_, i64>(4)? as u64,
            hash: r.get::<_, Vec<u8>>(5)?.try_into().unwrap_or([0; 32]),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn send(store: &mut Store, a: &Attached, share: &Share, me: &[u8; 16], report: &mut SyncReport) -> Result<()> {
    share.clean_own_temp(me);
    let own: Vec<share::Entry> = share.list(me)?;
    let names: HashSet<&str> = own.iter().map(|e| e.name.as_str()).collect();
    if !names.contains(share::RECORD) {
        publish_record(store, a, share, me)?;
    }
    let sent = sent_rows(store, a.idx)?;
    let last_sent = sent.last().map(|s| s.seq).unwrap_or(0);
    if !own_history_intact(store, a, share, me, &own, &sent, report)? {
        return Ok(());
    }
    // Republish deltas of ours that are missing (a crash before the write, a rolled-back share).
    let mut prev_hash = [0u8; 32];
    for row in &sent {
        let name = share::delta_name(row.seq);
        if !names.contains(name.as_str()) {
            let rows = own_rows(store, row.first - 1, row.last, usize::MAX >> 1)?;
            let body = body_of(store, me, rows, decode_deps(&row.deps), row.created)?;
            let bytes = seal::seal_delta(&a.keys, &a.signing, &a.group, me, row.seq, &prev_hash, &body);
            if seal::hash(&bytes) == row.hash {
                match publish(store, a, share, me, row.seq, &bytes, report)? {
                    Some(true) => report.republished += 1,
                    Some(false) => {}
                    None => return Ok(()),
                }
            } else {
                report.problems.push(Problem {
                    file: format!("{}/{name}", share::device_dir_name(me)),
                    problem: "this delta is missing from the share and could not be rebuilt identically".into(),
                });
            }
        }
        prev_hash = row.hash;
    }
    // New changes.
    let mut seq = last_sent;
    let mut scanned = a.scanned_upto;
    loop {
        let max: i64 = store.conn.query_row("SELECT coalesce(max(seq), 0) FROM changes", [], |r| r.get(0))?;
        let mut rows = own_rows(store, scanned, max, CHANGES_PER_DELTA)?;
        if rows.is_empty() {
            if max > scanned {
                store.conn.execute("UPDATE shares SET scanned_upto = ?1 WHERE idx = ?2", params![max, a.idx])?;
            }
            return Ok(());
        }
        let complete = rows.len() < CHANGES_PER_DELTA;
        let cut = delta_cut(&rows, complete);
        let complete = complete && cut == rows.len();
        rows.truncate(cut);
        let first = rows[0].seq;
        let last = rows[rows.len() - 1].seq;
        let upto = if complete { max } else { last };
        let n = rows.len() as u64;
        let peers = load_peers(store, a.idx)?;
        let deps: Vec<([u8; 16], u64)> =
            peers.values().filter(|p| p.applied_seq > 0).map(|p| (p.id, p.applied_seq)).collect();
        let created = store.clock.now_ms();
        let body = body_of(store, me, rows, deps.clone(), created)?;
        seq += 1;
        let bytes = seal::seal_delta(&a.keys, &a.signing, &a.group, me, seq, &prev_hash, &body);
        let hash = seal::hash(&bytes);
        // A sender writes only what its receivers accept: the readers' own checks, on our bytes.
        if let Err(why) = check_own(a, &bytes) {
            let detail = format!(
                "delta {seq} of this device would be refused by the other devices ({why}); it was not written and \
                 sending is stopped until Casebook is updated"
            );
            raise(store, a, me, seq, "unsendable", &detail, &mut report.alarms)?;
            return Ok(());
        }
        {
            let tx = store.conn.transaction()?;
            tx.execute(
                "INSERT INTO sync_sent (share, seq, first_change, last_change, deps, created, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![a.idx, seq as i64, first, last, encode_deps(&deps), created as i64, &hash[..]],
            )?;
            tx.execute("UPDATE shares SET scanned_upto = ?1 WHERE idx = ?2", params![upto, a.idx])?;
            tx.commit()?;
        }
        crash_point("sent-recorded");
        if publish(store, a, share, me, seq, &bytes, report)?.is_none() {
            return Ok(());
        }
        report.sent_deltas += 1;
        report.sent_changes += n;
        prev_hash = hash;
        scanned = upto;
    }
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

/// The checks every reader makes (section 4 and 6.1 of docs/formats/delta.md), run on a delta
/// of ours before it is recorded as sent.
fn check_own(a: &Attached, bytes: &[u8]) -> std::result::Result<(), String> {
    let (_, body) = seal::open_delta(&a.keys, &a.signing.verifying_key().to_bytes(), bytes).map_err(|b| b.0)?;
    rules::check(&body).map_err(|r| format!("rule `{}`: {}", r.rule, r.detail))
}

/// Checks this device's deltas as the share holds them; false: sending must stop.
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
) -> Result<bool> {
    let memo = received_of(store, a.idx, store.device)?;
    let sent_hash: HashMap<u64, [u8; 32]> = sent.iter().map(|r| (r.seq, r.hash)).collect();
    let mut intact = true;
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
        let hash = seal::hash(&bytes);
        let file = format!("{}/{}", share::device_dir_name(me), e.name);
        match sent_hash.get(&seq) {
            Some(h) if *h == hash => {
                if e.kind != Name::ConflictCopy {
                    store.conn.execute(
                        "INSERT OR REPLACE INTO sync_received (share, device, seq, hash, size, mtime) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![a.idx, store.device, seq as i64, &hash[..], e.len as i64, e.mtime],
                    )?;
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
                     {seq} and refuse its later deltas, so sending is stopped; keep using one copy of the vault only"
                );
                raise(store, a, me, seq, kind, &detail, &mut report.alarms)?;
                intact = false;
            }
            None => {
                let detail = format!(
                    "the share holds delta {seq} of this device ({file}), which this vault does not remember writing: \
                     the vault was restored from an older copy. Sending is stopped so that no sequence number is used \
                     twice"
                );
                raise(store, a, me, seq, "vault_older_than_share", &detail, &mut report.alarms)?;
                intact = false;
            }
        }
    }
    Ok(intact)
}

/// Whether `bytes` is a delta of this group signed by this device.
fn is_ours(a: &Attached, me: &[u8; 16], bytes: &[u8]) -> bool {
    format::decode_delta(bytes).is_ok_and(|p| p.header.group == a.group && &p.header.device == me)
        && seal::open_delta(&a.keys, &a.signing.verifying_key().to_bytes(), bytes).is_ok()
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

/// Test hook: `CASEBOOK_CRASH_AT=<name>` aborts the process at that point (crash-injection
/// tests kill the process at random moments as well; this makes the worst moments certain).
fn crash_point(name: &str) {
    if std::env::var_os("CASEBOOK_CRASH_AT").is_some_and(|v| v == name) {
        std::process::abort();
    }
}

enum Outcome {
    /// Applied: its number of changes and its hash.
    Applied(u64, [u8; 32]),
    Wait(String),
    /// Validly signed, but it breaks a rule of `sync::rules`: the author's fault.
    Refused(rules::Refusal),
    /// Applying it failed here (a full disk, an I/O error): this vault's fault, not the author's.
    Deferred(String),
    Reject(String),
    Fork(String),
}

fn receive(store: &mut Store, a: &Attached, share: &Share, me: &[u8; 16], report: &mut SyncReport) -> Result<()> {
    let mut peers = load_peers(store, a.idx)?;
    let my_sent: u64 =
        store.conn.query_row("SELECT coalesce(max(seq), 0) FROM sync_sent WHERE share = ?1", [a.idx], |r| {
            r.get::<_, i64>(0)
        })? as u64;
    let now = store.clock.now_ms() as i64;
    let mut pending: BTreeMap<[u8; 16], BTreeMap<u64, (String, i64)>> = BTreeMap::new();
    for dev in share.devices()? {
        if &dev == me {
            continue;
        }
        let dir = share::device_dir_name(&dev);
        let entries = share.list(&dev)?;
        // The device record: pin the first valid key.
        if entries.iter().any(|e| e.kind == Name::Record) {
            let checked = share
                .read(&dev, share::RECORD)
                .map_err(|e| e.to_string())
                .and_then(|b| seal::open_record(&a.keys, &b).map_err(|b| b.0));
            match checked {
                Ok((h, _)) if h.group != a.group => report.problems.push(Problem {
                    file: format!("{dir}/{}", share::RECORD),
                    problem: "a device record of another group".into(),
                }),
                Ok((h, _)) if h.device != dev => report.problems.push(Problem {
                    file: format!("{dir}/{}", share::RECORD),
                    problem: "the record names another device than its folder".into(),
                }),
                Ok((h, label)) => {
                    match peers.get_mut(&dev) {
                        Some(p) if p.key != h.signing_key => {
                            raise(store, a, &dev, 0, "key_changed", "the device record now carries another signing key than the one first seen; it is not used", &mut report.alarms)?;
                        }
                        Some(p) => {
                            if p.label != label {
                                store.conn.execute(
                                    "UPDATE sync_peers SET label = ?1 WHERE share = ?2 AND device = ?3",
                                    params![label, a.idx, p.idx],
                                )?;
                                p.label = label;
                            }
                        }
                        None => {
                            let key = h.signing_key;
                            let idx = store.write(|w| {
                            let idx = w.device_index(&dev)?;
                            w.tx().execute(
                                "INSERT INTO sync_peers (share, device, signing_key, label, heard_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                                params![a.idx, idx, &key[..], label, now],
                            )?;
                            Ok(idx)
                        })?;
                            peers.insert(dev, Peer { idx, id: dev, key, label, applied_seq: 0, applied_hash: [0; 32] });
                        }
                    }
                }
                Err(problem) => report.problems.push(Problem { file: format!("{dir}/{}", share::RECORD), problem }),
            }
        }
        for e in entries.iter().filter(|e| e.kind == Name::Unknown) {
            report.problems.push(Problem {
                file: format!("{dir}/{}", e.name),
                problem: "not a Casebook file (or not a regular file); left alone".into(),
            });
        }
        let Some(peer) = peers.get(&dev) else {
            if entries.iter().any(|e| matches!(e.kind, Name::Delta(_))) {
                report.waiting.push(Waiting {
                    device: hex(&dev),
                    label: String::new(),
                    seq: 1,
                    state: "no_record",
                    reason: "no valid device record yet: its deltas cannot be verified".into(),
                });
            }
            continue;
        };
        let received = received_of(store, a.idx, peer.idx)?;
        let mut mine = BTreeMap::new();
        for e in &entries {
            let file = format!("{dir}/{}", e.name);
            match e.kind {
                Name::Record | Name::Temp => {}
                Name::Unknown => {} // reported above
                Name::Delta(seq) if seq > peer.applied_seq => {
                    mine.insert(seq, (e.name.clone(), e.mtime));
                }
                Name::Delta(seq) => {
                    // Already applied: re-read only when its length differs from what was applied.
                    if received.get(&seq).is_some_and(|&(_, len, mtime)| len == e.len && mtime == e.mtime) {
                        continue;
                    }
                    check_copy(store, a, share, peer, &received, &e.name, &file, report)?;
                }
                Name::ConflictCopy => check_copy(store, a, share, peer, &received, &e.name, &file, report)?,
            }
        }
        pending.insert(dev, mine);
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
            while let Some((next, label)) = peers.get(&dev).map(|p| (p.applied_seq + 1, p.label.clone())) {
                let Some((name, mtime)) = pending.get(&dev).and_then(|m| m.get(&next)).cloned() else {
                    let later = pending.get(&dev).and_then(|m| m.keys().find(|&&s| s > next).copied());
                    if let Some(later) = later {
                        waiting.insert(dev, Waiting {
                            device: hex(&dev),
                            label,
                            seq: next,
                            state: "missing",
                            reason: format!("delta {next} is missing from the share (delta {later} is there): withheld or not synced yet"),
                        });
                    } else {
                        waiting.remove(&dev);
                    }
                    break;
                };
                let file = format!("{}/{name}", share::device_dir_name(&dev));
                match try_apply(store, a, share, &peers, &dev, (next, &name, mtime), me, my_sent)? {
                    Outcome::Applied(n, hash) => {
                        // The transaction that applied it also moved the peer on; mirror it here.
                        let p = peers.get_mut(&dev).expect("peer exists");
                        p.applied_seq = next;
                        p.applied_hash = hash;
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
                    Outcome::Wait(reason) => {
                        waiting
                            .insert(dev, Waiting { device: hex(&dev), label, seq: next, state: "dependency", reason });
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
    Ok(())
}

/// (hash, file length) of every applied delta of a device, by sequence number.
fn received_of(store: &Store, share: i64, device: u32) -> Result<HashMap<u64, Applied>> {
    let mut stmt = store
        .conn
        .prepare_cached("SELECT seq, hash, size, mtime FROM sync_received WHERE share = ?1 AND device = ?2")?;
    let rows = stmt.query_map(params![share, device], |r| {
        Ok((
            r.get::<_, i64>(0)? as u64,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, i64>(2)? as u64,
            r.get::<_, Option<i64>>(3)?.unwrap_or(0),
        ))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (seq, hash, size, mtime) = row?;
        out.insert(seq, (hash.try_into().unwrap_or([0; 32]), size, mtime));
    }
    Ok(out)
}

/// (hash, file length, modification time) of an applied delta.
type Applied = ([u8; 32], u64, i64);

/// A sync tool's conflict copy, or an applied delta whose file changed: a copy of what was
/// applied is a duplicate; another validly signed file for an applied sequence number is a fork.
#[allow(clippy::too_many_arguments)]
fn check_copy(
    store: &Store,
    a: &Attached,
    share: &Share,
    peer: &Peer,
    received: &HashMap<u64, Applied>,
    name: &str,
    file: &str,
    report: &mut SyncReport,
) -> Result<()> {
    let bytes = match share.read(&peer.id, name) {
        Ok(b) => b,
        Err(e) => {
            report.problems.push(Problem { file: file.into(), problem: e.to_string() });
            return Ok(());
        }
    };
    let header = match verify_header(a, peer, &bytes) {
        Ok(h) => h,
        Err(problem) => {
            report.problems.push(Problem { file: file.into(), problem });
            return Ok(());
        }
    };
    if let Some((hash, _, _)) = received.get(&header.seq) {
        if *hash != seal::hash(&bytes) {
            let detail = format!(
                "{file} is a second, differently signed version of delta {} that was already applied: the device (or its key) wrote two versions",
                header.seq
            );
            raise(store, a, &peer.id, header.seq, "fork", &detail, &mut report.alarms)?;
        }
    }
    Ok(())
}

/// The header checks of docs/formats/delta.md section 4 steps 1–2 (structure, group, epoch,
/// author, signature).
fn verify_header(a: &Attached, peer: &Peer, bytes: &[u8]) -> Result<format::DeltaHeader, String> {
    let parts = format::decode_delta(bytes).map_err(|b| b.0)?;
    let h = &parts.header;
    if h.group != a.group {
        return Err("a delta of another sync group".into());
    }
    if h.epoch != a.keys.epoch {
        return Err(format!("key epoch {} is not one this vault holds", h.epoch));
    }
    if h.device != peer.id {
        return Err(format!("a delta of device {} in the folder of device {}", hex(&h.device), hex(&peer.id)));
    }
    seal::open_delta(&a.keys, &peer.key, bytes).map(|(h, _)| h).map_err(|b| b.0)
}

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
    let header = match verify_header(a, peer, &bytes) {
        Ok(h) => h,
        Err(p) => return Ok(Outcome::Reject(p)),
    };
    if header.seq != seq {
        return Ok(Outcome::Reject(format!(
            "the file name says delta {seq}, the file holds delta {}: a replayed or renamed file",
            header.seq
        )));
    }
    if header.prev_hash != peer.applied_hash {
        return Ok(Outcome::Fork(format!(
            "delta {seq} does not follow the delta {} applied here: the device's history forked",
            seq - 1
        )));
    }
    let (_, body) = match seal::open_delta(&a.keys, &peer.key, &bytes) {
        Ok(x) => x,
        Err(b) => return Ok(Outcome::Reject(b.0)),
    };
    if let Err(refusal) = rules::check(&body) {
        return Ok(Outcome::Refused(refusal));
    }
    for (d, s) in &body.deps {
        if d == me {
            if *s > my_sent {
                return Ok(Outcome::Wait(format!(
                    "it follows delta {s} of this device, which this vault never wrote (restored from an older copy?)"
                )));
            }
        } else if peers.get(d).map(|p| p.applied_seq).unwrap_or(0) < *s {
            return Ok(Outcome::Wait(format!("it follows delta {s} of device {}, not applied here yet", hex(d))));
        }
    }
    let hash = seal::hash(&bytes);
    let n = body.changes.len() as u64;
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
        w.apply_remote(&changes)?;
        w.tx().execute(
            "INSERT OR REPLACE INTO sync_received (share, device, seq, hash, size, mtime) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![share_idx, peer_idx, seq as i64, &hash[..], len, mtime],
        )?;
        w.tx().execute(
            "UPDATE sync_peers SET applied_seq = ?1, applied_hash = ?2, heard_at = ?3, last_created = ?4 \
             WHERE share = ?5 AND device = ?6",
            params![seq as i64, &hash[..], now, created, share_idx, peer_idx],
        )?;
        crash_point("before-apply-commit");
        if disk_full {
            // Injected (tests): fails after every write, as a full disk at commit would.
            return Err(Error::io("applying a delta", std::io::Error::from(std::io::ErrorKind::StorageFull)));
        }
        Ok(())
    });
    // Only the rules refuse a delta. A failure here (disk full, I/O, a bug) rolled the delta's
    // transaction back; it is this vault's problem and never counts against the author.
    match written {
        Ok(()) => Ok(Outcome::Applied(n, hash)),
        Err(e) => Ok(Outcome::Deferred(e.to_string())),
    }
}

/// One device as `share status` shows it.
#[derive(Debug, Serialize)]
pub struct DeviceStatus {
    pub device: String,
    pub label: String,
    pub this_device: bool,
    /// For this device: deltas written; for the others: deltas applied here.
    pub seq: u64,
    /// The highest delta of the device on the share (None when the share is unreachable).
    pub share_seq: Option<u64>,
    /// When this vault last applied a delta of the device (or first saw it).
    pub last_heard: Option<String>,
    /// When the device wrote its last applied delta (its own clock).
    pub last_written: Option<String>,
    /// The first missing delta when later ones are on the share.
    pub gap: Option<u64>,
}

/// What `share status` shows.
#[derive(Debug, Serialize)]
pub struct Status {
    pub group_id: String,
    pub path: String,
    pub reachable: bool,
    pub unreachable_reason: Option<String>,
    pub devices: Vec<DeviceStatus>,
    pub alarms: Vec<Alarm>,
    pub conflicts: u64,
}

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
    let my_seq: i64 =
        store.conn.query_row("SELECT coalesce(max(seq), 0) FROM sync_sent WHERE share = ?1", [a.idx], |r| r.get(0))?;
    let mut devices = vec![DeviceStatus {
        device: hex(&me),
        label: local_label(store)?,
        this_device: true,
        seq: my_seq as u64,
        share_seq: on_share(&me).map(|s| s.into_iter().max().unwrap_or(0)),
        last_heard: None,
        last_written: None,
        gap: None,
    }];
    let mut stmt = store.conn.prepare(
        "SELECT d.id, p.label, p.applied_seq, p.heard_at, p.last_created FROM sync_peers p \
         JOIN devices d ON d.idx = p.device WHERE p.share = ?1 ORDER BY p.heard_at DESC",
    )?;
    let rows = stmt.query_map([a.idx], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<i64>>(4)?,
        ))
    })?;
    for row in rows {
        let (id, label, applied, heard, created) = row?;
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
        });
    }
    let mut stmt = store.conn.prepare(
        "SELECT device, seq, kind, detail, first_seen FROM sync_alarms WHERE share = ?1 ORDER BY first_seen, device, seq",
    )?;
    let alarms = stmt
        .query_map([a.idx], |r| {
            Ok(Alarm {
                device: hex(&r.get::<_, Vec<u8>>(0)?),
                seq: r.get::<_, i64>(1)? as u64,
                kind: r.get(2)?,
                detail: r.get(3)?,
                first_seen: format_timestamp(r.get::<_, i64>(4)? as u64),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Status {
        group_id: hex(&a.group),
        path: a.path.display().to_string(),
        reachable: reason.is_none(),
        unreachable_reason: reason,
        devices,
        alarms,
        conflicts: conflict_count(store)?,
    })
}
