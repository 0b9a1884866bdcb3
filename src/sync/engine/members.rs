//! Membership commands (docs/formats/roster.md): `share create` (a genesis, a recovery key, the
//! first epoch), `share invite` (an invite entry and an invite v2 that carries no key), `share
//! join` (a join request and the code), `share requests`, `share approve --code`, `share
//! decline`, `share revoke` (with its rotation), `share leave`, `share role`. Each reads the
//! roster first ([`roster_sync::refresh`]) and acts on the fold.

use std::path::Path;

use ed25519_dalek::SigningKey;
use serde::Serialize;
use zeroize::Zeroizing;

use super::roster_db::RosterDb;
use super::roster_sync::{self, Side};
use super::state::SyncDb;
use super::{absolute, hex, refuse_if_attached, require_attached, Attached, Attachment, SyncReport};
use crate::dates::format_timestamp;
use crate::error::{Error, Result};
use crate::secret::Passphrase;
use crate::store::Store;
use crate::sync::format::{self, InviteHead};
use crate::sync::roster::crypt::{self, BoxSecret};
use crate::sync::roster::entry::{Clear, DeviceId, RecoveryAction, Role, Sealed};
use crate::sync::roster::{author, invite};
use crate::sync::share::{self, Share};
use crate::vault::header::KdfParams;

/// What `share create` reports: the attachment and the group recovery key, shown once.
#[derive(Serialize)]
pub struct Created {
    #[serde(flatten)]
    pub attachment: Attachment,
    /// Shown once; zeroized when dropped.
    #[serde(serialize_with = "expose")]
    pub recovery_key: Zeroizing<String>,
}

pub(super) fn expose<S: serde::Serializer>(text: &Zeroizing<String>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(text)
}

/// What `share join` reports: pending until a coordinator approves, with the code to read out.
#[derive(Debug, Serialize)]
pub struct Joined {
    #[serde(flatten)]
    pub attachment: Attachment,
    pub state: String,
    pub code: String,
}

/// A pending join request as `share requests` lists it (never its code: the approver types it).
#[derive(Debug, Serialize)]
pub struct JoinRequest {
    pub device: String,
    pub label: String,
    pub arrived_at: String,
}

fn fresh_key(store: &mut Store) -> Zeroizing<[u8; 32]> {
    let mut k = Zeroizing::new([0u8; 32]);
    store.entropy.fill(&mut k[..]);
    k
}

/// The group recovery key's written form: `CBGR-` and Crockford base32 of its 32 bytes in groups of 4.
pub(super) fn recovery_text(seed: &[u8; 32]) -> Zeroizing<String> {
    let b = crate::base32::encode(seed);
    let groups: Vec<&str> = b.as_str().as_bytes().chunks(4).map(|c| std::str::from_utf8(c).expect("ascii")).collect();
    Zeroizing::new(format!("CBGR-{}", groups.join("-")))
}

/// Reads a group recovery key as written by [`recovery_text`].
pub fn parse_recovery_key(text: &str) -> Result<SigningKey> {
    let bad = || {
        Error::invalid("recovery key", "a group recovery key starts with CBGR- and has 52 letters and digits after it")
    };
    let t = text.trim();
    let rest = t.get(..5).filter(|p| p.eq_ignore_ascii_case("CBGR-")).map(|_| &t[5..]).ok_or_else(bad)?;
    let decoded = crate::base32::decode(rest).map_err(|_| bad())?;
    let seed: [u8; 32] = decoded.bytes.as_slice().try_into().map_err(|_| bad())?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Moves this vault's own changes to the device id the group derives from its key (a device
/// id is never chosen in a roster group, F15).
fn become_device(store: &mut Store, id: &DeviceId) -> Result<()> {
    if store.device_id()? == *id {
        return Ok(());
    }
    let old = store.device;
    let new = store.write(|w| {
        let (new, _, records) = w.move_to_new_device(old, id, 0)?;
        w.replay_records(&records)?;
        Ok(new)
    })?;
    store.device = new;
    Ok(())
}

/// Attaches the vault to a roster group: the share row (no group key), its roster side, keys.
fn attach_roster(
    store: &mut Store,
    dir: &Path,
    group: [u8; 16],
    seed: &[u8; 32],
    genesis: &[u8; 32],
    boxs: &[u8; 32],
    state: &str,
) -> Result<Attached> {
    let now = store.clock.now_ms() as i64;
    let path = absolute(dir).to_string_lossy().to_string();
    SyncDb::of(store).insert_share(&group, 1, &[0; 32], seed, &path, now)?;
    let idx = SyncDb::of(store).share_row()?.expect("just inserted").0;
    RosterDb::of(store).insert_roster(idx, genesis, boxs, state)?;
    require_attached(store)
}

/// A new group's first keys and its genesis, this vault its creator (`share create`, `share
/// upgrade`).
pub(super) struct NewGroup {
    pub seed: Zeroizing<[u8; 32]>,
    pub creator: SigningKey,
    pub boxs: BoxSecret,
    pub recovery_seed: Zeroizing<[u8; 32]>,
    pub first: crypt::EpochKey,
    pub bytes: Vec<u8>,
    pub genesis: [u8; 32],
    pub group: [u8; 16],
    pub me: DeviceId,
}

pub(super) fn new_group(store: &mut Store) -> Result<NewGroup> {
    let seed = fresh_key(store);
    let boxs = BoxSecret::from_bytes(*fresh_key(store));
    let recovery_seed = fresh_key(store);
    let recovery = SigningKey::from_bytes(&recovery_seed);
    let first = author::new_epoch_key(store.entropy.as_mut());
    let creator = SigningKey::from_bytes(&seed);
    let label = store.device_label()?;
    let recovery_public = recovery.verifying_key().to_bytes();
    let bytes = author::genesis(&creator, boxs.public(), recovery_public, &first, &label, store.entropy.as_mut());
    let genesis = crypt::entry_id(&bytes);
    let group = crypt::group_of(&genesis);
    let me = crypt::device_id(&group, &creator.verifying_key().to_bytes());
    Ok(NewGroup { seed, creator, boxs, recovery_seed, first, bytes, genesis, group, me })
}

/// `share create DIR`: a new group with a roster, this vault its creator and first coordinator.
pub fn create(store: &mut Store, dir: &Path) -> Result<Created> {
    refuse_if_attached(store)?;
    let NewGroup { seed, boxs, recovery_seed, first, bytes, genesis, group, me, .. } = new_group(store)?;
    let share = Share::create(dir, &format::encode_marker(&group), store.entropy.as_mut())?;
    become_device(store, &me)?;
    let a = attach_roster(store, dir, group, &seed, &genesis, boxs.expose(), "member")?;
    RosterDb::of(store).insert_epoch(a.idx, &crypt::epoch_of(&genesis), first.expose())?;
    share.write_own(&me, share::GENESIS, &bytes, store.entropy.as_mut())?;
    Ok(Created {
        attachment: Attachment { group_id: hex(&group), path: a.path.display().to_string(), device_id: hex(&me) },
        recovery_key: recovery_text(&recovery_seed),
    })
}

/// Opens the attached roster group's share and folds its roster.
pub(super) fn folded(store: &mut Store) -> Result<(Attached, Share, SyncReport)> {
    let mut a = require_attached(store)?;
    if a.roster.is_none() {
        return Err(Error::ShareState {
            reason: "this group has no roster yet (it was made by an older Casebook); a coordinator runs `casebook share upgrade` first".into(),
        });
    }
    let share = Share::open_with(&a.path, store.share_io())?;
    let mut report = SyncReport::default();
    roster_sync::refresh(store, &mut a, &share, &mut report)?;
    Ok((a, share, report))
}

fn side(a: &Attached) -> &Side {
    a.roster.as_ref().expect("a roster group")
}

fn require_coordinator(store: &Store, a: &Attached, what: &str) -> Result<()> {
    let me = store.device_id()?;
    if side(a).roster.as_ref().is_some_and(|r| r.is_coordinator(&me)) {
        Ok(())
    } else {
        Err(Error::ShareState { reason: format!("only a coordinator of the group can {what}; ask one of them") })
    }
}

/// `share invite`: an invite entry on the share and the invite (sealed under `passphrase`) for
/// the joiner. The invite carries no key of the group.
pub fn invite(store: &mut Store, passphrase: &Passphrase, kdf: KdfParams) -> Result<String> {
    let (mut a, share, _) = folded(store)?;
    require_coordinator(store, &a, "invite")?;
    let mut id = [0u8; 16];
    store.entropy.fill(&mut id);
    let invite_seed = fresh_key(store);
    let invite_key = SigningKey::from_bytes(&invite_seed);
    let request = BoxSecret::from_bytes(*fresh_key(store));
    let now = store.clock.now_ms();
    let expires = now + super::INVITE_VALID_MS;
    let clear =
        Clear::Invite { invite: id, invite_sign: invite_key.verifying_key().to_bytes(), request_box: request.public() };
    RosterDb::of(store).insert_invite(
        a.idx,
        &id,
        request.expose(),
        &invite_key.verifying_key().to_bytes(),
        now as i64,
        expires as i64,
    )?;
    roster_sync::write_entry(store, &mut a, &share, clear, &Sealed::Expires(expires), None)?;
    let secret = invite::InviteV2 {
        genesis: side(&a).genesis,
        invite: id,
        invite_secret: *invite_seed,
        request_box: request.public(),
        inviter: store.device_id()?,
        expires_ms: expires,
    };
    let mut head = InviteHead { m_kib: kdf.m_kib, t: kdf.t, p: kdf.p, salt: [0; 16], nonce: [0; 24] };
    store.entropy.fill(&mut head.salt);
    store.entropy.fill(&mut head.nonce);
    let key = crate::sync::seal::invite_key(passphrase, &head)?;
    Ok(invite::invite_to_text(&invite::encode_invite(&head, &key, &secret)))
}

/// `share join DIR --invite FILE`: asks to join; pending until the inviter approves it with the
/// code this returns, read out by voice.
pub fn join(
    store: &mut Store,
    dir: &Path,
    invite_text: &str,
    passphrase: &Passphrase,
    label: Option<&str>,
) -> Result<Joined> {
    // A device that left this group (after a border search, or because a copy of its vault
    // wrote under its id) joins again as a new device; any other attachment is refused.
    // A vault of a group without a roster joins the group an upgrade made of it.
    let (rejoin, old_group) = match super::attached(store)? {
        Some(a) if a.roster.as_ref().is_some_and(|s| s.state == "removed") => (Some(a), None),
        Some(a) if a.roster.is_none() => (None, Some(a)),
        Some(_) => return refuse_if_attached(store).map(|_| unreachable!("attached")),
        None => (None, None),
    };
    let text = invite_text.trim_start_matches('\u{feff}').trim();
    if text
        .get(..invite::INVITE_TEXT_PREFIX_V2.len())
        .is_none_or(|p| !p.eq_ignore_ascii_case(invite::INVITE_TEXT_PREFIX_V2))
    {
        return Err(Error::invalid(
            "invite",
            "this is not an invite of this Casebook (it starts with CASEBOOK-INVITE-2:); ask for a new one",
        ));
    }
    let rest = &text[invite::INVITE_TEXT_PREFIX_V2.len()..];
    let bytes = crate::base32::decode(rest)
        .map_err(|c| Error::invalid("invite", &format!("the invite holds {c:?}, which is not part of an invite")))?
        .bytes
        .to_vec();
    let head = invite::invite_head(&bytes).map_err(|b| Error::invalid("invite", &b.0))?;
    let key = crate::sync::seal::invite_key(passphrase, &head)?;
    let secret = invite::open_invite(&bytes, &key).map_err(|e| match e {
        None => Error::WrongKey,
        Some(b) => Error::invalid("invite", &b.0),
    })?;
    if store.clock.now_ms() > secret.expires_ms {
        return Err(Error::invalid(
            "invite",
            &format!("it expired on {}; ask for a new one", format_timestamp(secret.expires_ms)),
        ));
    }
    let group = crypt::group_of(&secret.genesis);
    if rejoin.as_ref().is_some_and(|a| a.group != group) {
        return refuse_if_attached(store).map(|_| unreachable!("attached"));
    }
    let share = super::share_of_group(store, dir, &group)?;
    let old_cutoff = match &old_group {
        Some(old) => Some(super::upgrade::old_group_cutoff(&share, &secret.genesis, old, &store.device_id()?)?),
        None => None,
    };
    if let Some(l) = label {
        super::set_label(store, l)?;
    }
    let seed = fresh_key(store);
    let signing = SigningKey::from_bytes(&seed);
    let boxs = BoxSecret::from_bytes(*fresh_key(store));
    let me = crypt::device_id(&group, &signing.verifying_key().to_bytes());
    let request = invite::make_request(&secret, &signing, &boxs, &store.device_label()?)
        .map_err(|b| Error::invalid("invite", &b.0))?;
    let request_id = invite::request_id(&request);
    let code = invite::code(&secret.genesis, &secret.invite, &request_id);
    let a = match (rejoin, old_group) {
        (Some(old), _) => rejoin_as(store, &old, &me, &seed, boxs.expose())?,
        (None, Some(old)) => {
            let cutoff = old_cutoff.flatten();
            super::upgrade::old_group_rejoin(
                store,
                &old,
                dir,
                group,
                &secret.genesis,
                &me,
                &seed,
                boxs.expose(),
                cutoff,
            )?
        }
        (None, None) => {
            become_device(store, &me)?;
            attach_roster(store, dir, group, &seed, &secret.genesis, boxs.expose(), "pending")?
        }
    };
    RosterDb::of(store).set_request(a.idx, &secret.invite, &request_id, &code)?;
    share.write_own(&me, &share::request_name(&secret.invite), &request, store.entropy.as_mut())?;
    Ok(Joined {
        attachment: Attachment { group_id: hex(&group), path: a.path.display().to_string(), device_id: hex(&me) },
        state: "pending".into(),
        code,
    })
}

/// The vault continues in the same group as a new device (as `identity::renew` does for a group
/// without a roster): its old identity becomes a peer, applied as far as this vault sent, so
/// what a copy of the vault wrote under it is applied here like anybody's; its changes not sent
/// yet move to the new device, and go out once the new device is approved.
fn rejoin_as(store: &mut Store, old: &Attached, me: &DeviceId, seed: &[u8; 32], boxs: &[u8; 32]) -> Result<Attached> {
    let old_idx = store.device;
    let old_public = old.signing.verifying_key().to_bytes();
    let (kept_seq, kept_change, kept_hash) = SyncDb::of(store).sent_before(old.idx, u64::MAX >> 1)?;
    let now = store.clock.now_ms() as i64;
    let share = old.idx;
    let new = store.write(|w| {
        let (new, label, records) = w.move_to_new_device(old_idx, me, kept_change)?;
        w.replay_records(&records)?;
        let db = SyncDb::in_write(w);
        db.insert_peer(
            share,
            old_idx,
            &old_public,
            label.as_deref(),
            format::READER,
            now,
            Some((kept_seq, &kept_hash)),
        )?;
        db.forget_received_after(share, old_idx, kept_seq)?;
        db.forget_sent(share)?;
        db.set_identity(share, seed, kept_change)?;
        RosterDb::in_write(w).restart(share, boxs)?;
        Ok(new)
    })?;
    store.device = new;
    require_attached(store)
}

/// `share requests`: join requests waiting for this device's answer.
pub fn requests(store: &mut Store) -> Result<Vec<JoinRequest>> {
    let (a, _, _) = folded(store)?;
    Ok(RosterDb::of(store)
        .requests(a.idx)?
        .into_iter()
        .filter(|r| r.state == "pending")
        .map(|r| JoinRequest {
            device: hex(&roster_sync::to16(&r.device)),
            label: r.label,
            arrived_at: format_timestamp(r.arrived_at as u64),
        })
        .collect())
}

/// A device as typed: its full id or the short id (the first 8 hex digits) `share status` shows.
pub(super) fn resolve(candidates: impl Iterator<Item = DeviceId>, typed: &str) -> Result<DeviceId> {
    let t = typed.trim().to_lowercase();
    if t.len() < 8 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::invalid(
            "device",
            "give the device's id as `share status` shows it (8 or 32 hexadecimal digits)",
        ));
    }
    let matching: Vec<DeviceId> = candidates.filter(|d| hex(d).starts_with(&t)).collect();
    match matching[..] {
        [one] => Ok(one),
        [] => Err(Error::NotFound { what: "device", id: typed.trim().into() }),
        _ => Err(Error::invalid("device", "several devices start with these digits; give the full id")),
    }
}

/// `share approve DEVICE --code CODE`: admits the requester when the typed code is the one the
/// joiner's screen shows (compared by voice). A wrong code approves nothing.
pub fn approve(store: &mut Store, device: &str, typed_code: &str) -> Result<()> {
    let (mut a, share, _) = folded(store)?;
    require_coordinator(store, &a, "approve a device")?;
    let rows = RosterDb::of(store).requests(a.idx)?;
    let dev = resolve(rows.iter().filter(|r| r.state == "pending").map(|r| roster_sync::to16(&r.device)), device)?;
    let row = rows.iter().find(|r| r.state == "pending" && r.device == dev).expect("resolved");
    let invite_id = roster_sync::to16(&row.invite);
    let Some(inv) = RosterDb::of(store).invites(a.idx)?.into_iter().find(|i| i.0 == row.invite) else {
        return Err(Error::ShareState {
            reason: "the invite this request answers was made on another device: approve it there".into(),
        });
    };
    if row.arrived_at > inv.4 {
        return Err(Error::invalid("device", "the request arrived after its invite had expired; make a new invite"));
    }
    let Some(typed) = invite::normalise_code(typed_code) else {
        return Err(Error::invalid("code", "a code is four groups of six digits, as the joiner's screen shows it"));
    };
    let request: [u8; 32] =
        row.request.as_slice().try_into().map_err(|_| Error::invalid("database", "a request id is damaged"))?;
    if invite::code(&side(&a).genesis, &invite_id, &request) != typed {
        return Err(Error::invalid(
            "code",
            "it is not the code of this request. Nothing was approved. Compare again by voice with the person you recognise; if the codes differ, somebody else answered the invite: decline it",
        ));
    }
    let roster = side(&a).roster.clone().expect("folded");
    if roster.invites.get(&invite_id).is_some_and(|i| i.used_by.is_some()) {
        return Err(Error::invalid("device", "its invite was answered already"));
    }
    let epoch = roster.epoch.ok_or_else(|| Error::ShareState {
        reason: "the group is changing its key; sync once more, then approve".into(),
    })?;
    let key = side(&a).keyring.get(&epoch).cloned().expect("the current epoch's key");
    let joiner_sign: [u8; 32] =
        row.joiner_sign.as_slice().try_into().map_err(|_| Error::invalid("database", "a request is damaged"))?;
    let joiner_box: [u8; 32] =
        row.joiner_box.as_slice().try_into().map_err(|_| Error::invalid("database", "a request is damaged"))?;
    let me = store.device_id()?;
    let ctx = crypt::BoxContext {
        group: &a.group,
        author: &me,
        seq: side(&a).seq + 1,
        recipient: &dev,
        recipient_key: &joiner_box,
    };
    let key_box = crypt::seal_box(&ctx, &key).map_err(|b| Error::invalid("device", &b.0))?;
    let clear = Clear::Approve { invite: invite_id, request, joiner_sign, joiner_box, key_box };
    let sealed = Sealed::Approve { label: row.label.clone(), role: Role::Member };
    roster_sync::write_entry(store, &mut a, &share, clear, &sealed, None)?;
    RosterDb::of(store).set_request_state(a.idx, &row.invite, "approved", Some(&row.device))?;
    Ok(())
}

/// `share decline DEVICE`: answers a request with no.
pub fn decline(store: &mut Store, device: &str) -> Result<()> {
    let (mut a, share, _) = folded(store)?;
    let rows = RosterDb::of(store).requests(a.idx)?;
    let dev = resolve(rows.iter().filter(|r| r.state != "approved").map(|r| roster_sync::to16(&r.device)), device)?;
    let row = rows.iter().find(|r| r.device == dev).expect("resolved");
    let request: [u8; 32] =
        row.request.as_slice().try_into().map_err(|_| Error::invalid("database", "a request id is damaged"))?;
    let clear = Clear::Decline { invite: roster_sync::to16(&row.invite), request };
    if RosterDb::of(store).invites(a.idx)?.iter().any(|i| i.0 == row.invite) {
        roster_sync::write_entry(store, &mut a, &share, clear, &Sealed::None, None)?;
    }
    RosterDb::of(store).set_request_state(a.idx, &row.invite, "declined", Some(&row.device))?;
    Ok(())
}

/// `share revoke DEVICE`: removes a device and, in the same entry, gives every other member a
/// new key (a rotation sealed to exactly them). Its roster entries count up to the last one
/// this device folded, its deltas up to the last one applied here, or the last one written
/// before `cutoff_ms`.
pub fn revoke(store: &mut Store, device: &str, cutoff_ms: Option<u64>, reason: &str) -> Result<()> {
    let (mut a, share, _) = folded(store)?;
    require_coordinator(store, &a, "revoke a device")?;
    let me = store.device_id()?;
    let roster = side(&a).roster.clone().expect("folded");
    let target = resolve(roster.members().map(|(id, _)| *id), device)?;
    if target == me {
        return Err(Error::invalid("device", "this is this device: use `casebook share leave` instead"));
    }
    if reason.chars().count() > 200 {
        return Err(Error::invalid("reason", "use at most 200 characters"));
    }
    let t = &roster.devices[&target];
    let upto = match cutoff_ms {
        Some(ms) => store.first_delta_after(&target, ms)?.map_or(u64::MAX, |first| first.saturating_sub(1)),
        None => u64::MAX,
    };
    let (delta_seq, delta_id) = RosterDb::of(store).applied_upto(a.idx, &target, upto)?;
    let members: Vec<(DeviceId, [u8; 32])> =
        roster.members().filter(|(id, _)| **id != target).map(|(id, d)| (*id, d.boxk)).collect();
    let (rotation, new) = roster_sync::rotation(store, &a, &members)?;
    let sealed = Sealed::Revoke {
        cutoff_seq: t.last_seq,
        cutoff_entry: t.last_entry,
        cutoff_delta_seq: delta_seq,
        cutoff_delta: delta_id,
        reason: reason.to_string(),
    };
    roster_sync::write_entry(store, &mut a, &share, Clear::Revoke { target, rotation }, &sealed, Some(&new))?;
    Ok(())
}

/// `share leave`: this device leaves the group (after a border search, before travel, when a
/// volunteer stops). It writes nothing more; a coordinator's next sync rotates the key.
pub fn leave(store: &mut Store, reason: &str) -> Result<()> {
    let (mut a, share, _) = folded(store)?;
    if side(&a).state != "member" {
        return Err(Error::ShareState { reason: "this device is not a member of the group".into() });
    }
    roster_sync::write_entry(store, &mut a, &share, Clear::Leave, &Sealed::Reason(reason.to_string()), None)?;
    RosterDb::of(store).set_state(a.idx, "removed")?;
    Ok(())
}

/// `share role DEVICE coordinator|member`.
pub fn set_role(store: &mut Store, device: &str, role: &str) -> Result<()> {
    let role = match role {
        "coordinator" => Role::Coordinator,
        "member" => Role::Member,
        _ => return Err(Error::invalid("role", "a role is `coordinator` or `member`")),
    };
    let (mut a, share, _) = folded(store)?;
    require_coordinator(store, &a, "change roles")?;
    let roster = side(&a).roster.clone().expect("folded");
    let target = resolve(roster.members().map(|(id, _)| *id), device)?;
    let from_seq = roster.devices[&target].last_seq;
    roster_sync::write_entry(store, &mut a, &share, Clear::Role { target }, &Sealed::Role { role, from_seq }, None)?;
    Ok(())
}

/// What `share recover-group` reports: the recovery key that replaces the one just used.
#[derive(Serialize)]
pub struct Recovered {
    #[serde(serialize_with = "expose")]
    pub next_recovery_key: Zeroizing<String>,
}

/// `share recover-group`: the group recovery key annuls a device's entries from `from_seq` on
/// and removes it (`admit` false: a seized coordinator), or voids every revocation of it
/// (`admit` true), with a new epoch sealed to the members that leaves. Every use is a lasting
/// alarm on every device and names the next recovery key, printed once; the used one stops
/// working.
pub fn recover_group(
    store: &mut Store,
    recovery: &str,
    device: &str,
    admit: bool,
    from_seq: Option<u32>,
) -> Result<Recovered> {
    let key = parse_recovery_key(recovery)?;
    let (mut a, share, _) = folded(store)?;
    let roster = side(&a).roster.clone().expect("folded");
    if key.verifying_key().to_bytes() != roster.recovery_key {
        return Err(Error::invalid(
            "recovery key",
            "it is not this group's current recovery key (each use replaces it: use the one the last use printed)",
        ));
    }
    let target = resolve(roster.devices.keys().copied(), device)?;
    let next_seed = fresh_key(store);
    let next = SigningKey::from_bytes(&next_seed);
    let use_ = author::RecoveryUse {
        recovery_key: &key,
        next: next.verifying_key().to_bytes(),
        target,
        action: if admit { RecoveryAction::Admit } else { RecoveryAction::Annul },
        from_seq: from_seq.unwrap_or(1),
        reason: if admit { "re-admitted with the group recovery key" } else { "removed with the group recovery key" },
    };
    let (files, _) = roster_sync::gather(&share)?;
    let side = a.roster.as_mut().expect("a roster group");
    let (bytes, new) = author::recovery_entry(&side.genesis, &files, &side.keyring, &use_, store.entropy.as_mut())
        .map_err(|b| Error::invalid("device", &b.0))?;
    let id = crypt::entry_id(&bytes);
    RosterDb::of(store).insert_epoch(a.idx, &crypt::epoch_of(&id), new.expose())?;
    side.keyring.insert(crypt::epoch_of(&id), new);
    let me = store.device_id()?;
    share.write_own(&me, &format!("recovery-{:012}.roster", roster.recovery_seq), &bytes, store.entropy.as_mut())?;
    Ok(Recovered { next_recovery_key: recovery_text(&next_seed) })
}
