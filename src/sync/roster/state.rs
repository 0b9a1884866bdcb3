//! The group's state as the fold leaves it (docs/formats/roster.md section 4): devices with
//! their roles and removals, invites, epochs, heads, the recovery chain's position and alarms.

use std::collections::{BTreeMap, BTreeSet};

use super::crypt;
use super::entry::{Clear, DeviceId, EntryId, EpochId, LegacyDevice, LegacyKey, RecoveryAction, Role, Sealed};
use super::fold::{creator, Chain, Eval, Graph, Verified};
use super::keyring::hex8;
use super::removal::{Cutoff, Judgement};

/// Something every device shows until someone acts on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Alarm {
    /// An entry other entries name is not on the share (withheld, or not yet synced).
    Withheld(EntryId),
    /// Bytes in the roster that are not a valid entry of this group.
    Refused { entry: EntryId, reason: String },
    /// Entries this device cannot read: it holds no key for their epoch.
    Unreadable(EntryId),
    /// Two signed entries of one device with one number: it is removed from there on.
    Fork { device: DeviceId, seq: u32 },
    /// A second approval or decline of one invite: only the lowest counts.
    InviteReused([u8; 16]),
    /// Devices that revoked each other: all of them are removed.
    RevocationCycle(Vec<DeviceId>),
    /// The removals did not settle: every removal computed is applied.
    Contested,
    /// The group recovery key was used (a lasting alarm).
    RecoveryUsed { seq: u32, target: DeviceId, action: u8 },
    /// Two recovery entries with one number: the recovery key was copied.
    RecoveryKeyCopied,
    /// A recovery entry signed by a recovery key that an earlier use had replaced.
    RecoveryKeyReused(EntryId),
}

/// A device the group admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub sign: [u8; 32],
    pub boxk: [u8; 32],
    pub role: Role,
    pub label: String,
    /// Its newest roster entry that counts (0: none).
    pub last_seq: u32,
    pub last_entry: EntryId,
    /// Set when it is removed (revoked, left, forked).
    pub removed: Option<Cutoff>,
    /// The device whose approval admitted it (none for the creator).
    pub approved_by: Option<DeviceId>,
}

/// A counting invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub inviter: DeviceId,
    pub entry: EntryId,
    pub invite_sign: [u8; 32],
    pub request_box: [u8; 32],
    pub expires_ms: u64,
    /// The approval or decline that used it.
    pub used_by: Option<EntryId>,
}

/// The group a counting upgrade replaced (section 6): its devices' deltas count up to the
/// delta the upgrade names for each, read with the old group's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Legacy {
    pub group: [u8; 16],
    pub epoch: u32,
    pub key: LegacyKey,
    pub devices: BTreeMap<DeviceId, LegacyDevice>,
}

/// The group's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub genesis: EntryId,
    pub group: [u8; 16],
    pub devices: BTreeMap<DeviceId, Device>,
    /// The epoch the group writes under; `None` when a rotation is needed first (section 4.4).
    pub epoch: Option<EpochId>,
    /// The newest epochs (the ones no other counting epoch follows); a rotation follows them all.
    pub newest_epochs: Vec<EpochId>,
    pub epochs: BTreeSet<EpochId>,
    /// Entries no other entry names as a parent, ascending.
    pub heads: Vec<EntryId>,
    pub newest_head_ms: Option<u64>,
    pub invites: BTreeMap<[u8; 16], Invite>,
    /// The signatures this fold checked or trusted: give them to the next fold.
    pub verified: Verified,
    /// The recovery key that signs the next recovery entry, and that entry's number.
    pub recovery_key: [u8; 32],
    pub recovery_seq: u32,
    pub last_recovery: EntryId,
    pub alarms: BTreeSet<Alarm>,
    /// Entries that wait for an entry they name.
    pub waiting: usize,
    /// The group this one was upgraded from, if it was.
    pub legacy: Option<Legacy>,
}

impl Roster {
    pub fn members(&self) -> impl Iterator<Item = (&DeviceId, &Device)> {
        self.devices.iter().filter(|(_, d)| d.removed.is_none())
    }
    pub fn is_member(&self, id: &DeviceId) -> bool {
        self.devices.get(id).is_some_and(|d| d.removed.is_none())
    }
    pub fn is_coordinator(&self, id: &DeviceId) -> bool {
        self.devices.get(id).is_some_and(|d| d.removed.is_none() && d.role == Role::Coordinator)
    }
}

pub(super) fn assemble(
    g: &Graph,
    chain: &Chain,
    ev: &Eval,
    j: &Judgement,
    mut alarms: BTreeSet<Alarm>,
    waiting: usize,
) -> Roster {
    let group = crypt::group_of(&g.nodes[g.genesis].id);
    let (creator_id, ..) = creator(g);
    let mut devices = BTreeMap::new();
    let mut promoted: BTreeMap<DeviceId, Vec<usize>> = BTreeMap::from([(creator_id, vec![g.genesis])]);
    let mut demoted: BTreeMap<DeviceId, Vec<usize>> = BTreeMap::new();
    let mut labels: BTreeMap<DeviceId, String> = BTreeMap::new();
    let mut approvers: BTreeMap<DeviceId, DeviceId> = BTreeMap::new();
    let mut invites = BTreeMap::new();
    let mut newest_head_ms = None;
    let mut legacy = None;
    let mut last: BTreeMap<DeviceId, (u32, EntryId)> = BTreeMap::new();
    for (i, node) in g.nodes.iter().enumerate() {
        if !ev.counts[i] {
            continue;
        }
        let e = &node.e;
        if e.author != [0; 16] && e.clear.kind() != 1 {
            let l = last.entry(e.author).or_insert((0, [0; 32]));
            if e.seq > l.0 {
                *l = (e.seq, node.id);
            }
        }
        match (&e.clear, &node.sealed) {
            (Clear::Genesis { .. }, Some(Ok(Sealed::Label(label)))) => {
                labels.insert(creator_id, label.clone());
            }
            (Clear::Approve { joiner_sign, .. }, Some(Ok(Sealed::Approve { label, role }))) => {
                let joiner = crypt::device_id(&group, joiner_sign);
                labels.entry(joiner).or_insert_with(|| label.clone());
                approvers.entry(joiner).or_insert(e.author);
                if *role == Role::Coordinator {
                    promoted.entry(joiner).or_default().push(i);
                }
            }
            (Clear::Role { target }, Some(Ok(Sealed::Role { role, .. }))) => match role {
                Role::Coordinator => promoted.entry(*target).or_default().push(i),
                Role::Member => demoted.entry(*target).or_default().push(i),
            },
            (Clear::Invite { invite, invite_sign, request_box }, Some(Ok(Sealed::Expires(expires_ms)))) => {
                let used_by = j
                    .chosen
                    .get(invite)
                    .copied()
                    .or_else(|| ev.invite_uses.get(invite).and_then(|s| s.first().copied()));
                invites.insert(
                    *invite,
                    Invite {
                        inviter: e.author,
                        entry: node.id,
                        invite_sign: *invite_sign,
                        request_box: *request_box,
                        expires_ms: *expires_ms,
                        used_by,
                    },
                );
            }
            (Clear::Head, Some(Ok(Sealed::Time(t)))) => newest_head_ms = newest_head_ms.max(Some(*t)),
            (Clear::Upgrade { legacy_group, devices }, Some(Ok(Sealed::Legacy { epoch, key }))) => {
                legacy = Some(Legacy {
                    group: *legacy_group,
                    epoch: *epoch,
                    key: key.clone(),
                    devices: devices.iter().map(|d| (d.device, d.clone())).collect(),
                })
            }
            _ => {}
        }
    }
    for (invite, uses) in &ev.invite_uses {
        if uses.len() > 1 {
            alarms.insert(Alarm::InviteReused(*invite));
        }
    }
    for (id, keys) in &ev.keys {
        if !ev.admitted[id].iter().any(|&a| ev.counts[a]) {
            continue;
        }
        let (_, sign, boxk) = *keys.last().expect("a first key");
        // The newest role entries win; when a demotion is concurrent with a promotion, member.
        let role_entries: Vec<(usize, bool)> = promoted
            .get(id)
            .into_iter()
            .flatten()
            .map(|&p| (p, true))
            .chain(demoted.get(id).into_iter().flatten().map(|&d| (d, false)))
            .collect();
        let newest = role_entries.iter().filter(|(a, _)| !role_entries.iter().any(|(b, _)| g.anc[*b].has(*a)));
        let mut role = None;
        for (_, up) in newest {
            role = Some(match (role, up) {
                (Some(Role::Member), _) | (_, false) => Role::Member,
                _ => Role::Coordinator,
            });
        }
        let (last_seq, last_entry) = last.get(id).copied().unwrap_or((0, [0; 32]));
        devices.insert(
            *id,
            Device {
                sign,
                boxk,
                role: role.unwrap_or(Role::Member),
                label: labels.get(id).cloned().unwrap_or_default(),
                last_seq,
                last_entry,
                removed: j.removed.get(id).cloned(),
                approved_by: approvers.get(id).copied(),
            },
        );
    }
    // Epochs (section 4.4).
    let makers: Vec<usize> = (0..g.nodes.len())
        .filter(|&i| ev.counts[i] && (i == g.genesis || g.nodes[i].e.clear.rotation().is_some()))
        .collect();
    let newest: Vec<usize> = makers.iter().copied().filter(|&m| !makers.iter().any(|&o| g.anc[o].has(m))).collect();
    let members: BTreeSet<DeviceId> = devices.iter().filter(|(_, d)| d.removed.is_none()).map(|(id, _)| *id).collect();
    let epoch = match newest[..] {
        [m] => {
            let made = crypt::epoch_of(&g.nodes[m].id);
            let mut recipients: BTreeSet<DeviceId> = match g.nodes[m].e.clear.rotation() {
                Some(r) => r.boxes.iter().map(|b| b.recipient).collect(),
                None => BTreeSet::from([creator_id]),
            };
            for (i, node) in g.nodes.iter().enumerate() {
                if let (true, Clear::Approve { joiner_sign, .. }) = (ev.counts[i], &node.e.clear) {
                    if node.e.epoch == made {
                        recipients.insert(crypt::device_id(&group, joiner_sign));
                    }
                }
            }
            (recipients == members).then_some(made)
        }
        _ => None,
    };
    let named: BTreeSet<&EntryId> = g.nodes.iter().flat_map(|n| &n.e.parents).collect();
    Roster {
        genesis: g.nodes[g.genesis].id,
        group,
        devices,
        epoch,
        newest_epochs: newest.iter().map(|&m| crypt::epoch_of(&g.nodes[m].id)).collect(),
        epochs: makers.iter().map(|&m| crypt::epoch_of(&g.nodes[m].id)).collect(),
        heads: g.nodes.iter().map(|n| n.id).filter(|id| !named.contains(id)).collect(),
        newest_head_ms,
        invites,
        verified: g.nodes.iter().filter_map(|n| n.signer.map(|k| (n.id, k))).collect(),
        recovery_key: chain.next_key,
        recovery_seq: chain.next_seq,
        last_recovery: chain.last,
        alarms,
        waiting,
        legacy,
    }
}

impl std::fmt::Display for Alarm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Alarm::Withheld(id) => write!(f, "roster entry {} is named but not on the share", hex8(id)),
            Alarm::Refused { entry, reason } => write!(f, "roster entry {} refused: {reason}", hex8(entry)),
            Alarm::Unreadable(id) => write!(f, "roster entry {} is sealed under a key this device lacks", hex8(id)),
            Alarm::Fork { device, seq } => write!(f, "device {} signed two entries numbered {seq}", hex8(device)),
            Alarm::InviteReused(i) => write!(f, "invite {} was answered twice", hex8(i)),
            Alarm::RevocationCycle(d) => {
                write!(
                    f,
                    "devices revoked each other and are all removed: {}",
                    d.iter().map(|d| hex8(d)).collect::<Vec<_>>().join(", ")
                )
            }
            Alarm::Contested => f.write_str("the roster's removals do not settle: every removal was applied"),
            Alarm::RecoveryUsed { seq, target, action } => {
                let what = if *action == RecoveryAction::Admit as u8 { "re-admitted" } else { "annulled entries of" };
                write!(f, "the group recovery key was used (use {seq}): it {what} device {}", hex8(target))
            }
            Alarm::RecoveryKeyCopied => {
                f.write_str("two different recovery entries carry one number: the recovery key was copied")
            }
            Alarm::RecoveryKeyReused(id) => {
                write!(f, "roster entry {} is signed by a recovery key that was already replaced", hex8(id))
            }
        }
    }
}
