//! The fold (docs/formats/roster.md section 4): a pure function from a set of roster entries and
//! the epoch keys a device holds to the group's state. Entries are taken in one order fixed by
//! their hashes and ancestry, so every device holding the same set computes the same state.
//!
//! An entry counts by what its author had seen (its ancestry), and removals are decided from
//! the revocations that count ([`super::removal`]); since each depends on the other, the two
//! are repeated until the removals settle, at most [`MAX_ROUNDS`] times, failing toward removing.

use std::collections::{BTreeMap, BTreeSet};

use super::crypt::{self, EpochKey};
use super::entry::{self, Clear, DeviceId, Entry, EntryId, EpochId, RecoveryAction, Role, Sealed};
use super::keyring::Keyring;
use super::removal::{self, Cutoff, Judgement, Revocation};
use super::state::{assemble, Alarm, Roster};
use crate::sync::format::Bad;

pub const MAX_ROUNDS: usize = 16;

/// One entry in the fold's order.
pub(super) struct Node {
    pub id: EntryId,
    pub e: Entry,
    pub signed_len: usize,
    pub bytes: Vec<u8>,
    /// Its sealed fields: `None` while unreadable (no key), `Err` when they do not open.
    pub sealed: Option<Result<Sealed, Bad>>,
    /// Whether it passed the checks that need nothing but its own bytes.
    pub sound: bool,
    /// The key of its author's under which its signature verifies (checked once per fold, or
    /// remembered from an earlier fold).
    pub signer: Option<[u8; 32]>,
}

/// A set of entries as bits over the fold's order.
#[derive(Clone)]
pub(super) struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Self {
        Bits(vec![0; n.div_ceil(64)])
    }
    pub fn has(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 == 1
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn or(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
}

/// The entries, in order, with their ancestry.
pub(super) struct Graph {
    pub nodes: Vec<Node>,
    pub anc: Vec<Bits>,
    pub genesis: usize,
}

/// Entry id → the key its signature was verified under, kept by the caller between folds (in
/// the vault) so that each signature is checked once.
pub type Verified = BTreeMap<EntryId, [u8; 32]>;

/// Folds `files` (roster entries as found on the share, any order, duplicates allowed) for
/// the group whose genesis has id `genesis`.
pub fn fold(genesis: &EntryId, files: &[Vec<u8>], keys: &Keyring) -> Result<Roster, Bad> {
    fold_with(genesis, files, keys, &Verified::new())
}

/// [`fold`], trusting the signatures `verified` lists (the state's `verified` gives the next one).
pub fn fold_with(genesis: &EntryId, files: &[Vec<u8>], keys: &Keyring, verified: &Verified) -> Result<Roster, Bad> {
    let mut alarms = BTreeSet::new();
    let (mut graph, waiting) = order(genesis, files, keys, &mut alarms)?;
    find_signers(&mut graph, verified);
    let chain = removal::recovery_chain(&graph, &mut alarms);
    let mut judgement = Judgement::default();
    let mut seen: Vec<Judgement> = Vec::new();
    let mut eval = evaluate(&graph, &chain, &judgement);
    let mut settled = false;
    let mut round_alarms = BTreeSet::new();
    for _ in 0..MAX_ROUNDS {
        round_alarms.clear();
        let next = removal::judge(&graph, &chain, &eval, &mut round_alarms);
        if next == judgement {
            settled = true;
            break;
        }
        seen.push(judgement);
        judgement = next;
        eval = evaluate(&graph, &chain, &judgement);
    }
    if !settled {
        alarms.insert(Alarm::Contested);
        seen.push(judgement);
        judgement = Judgement::union(&seen);
        eval = evaluate(&graph, &chain, &judgement);
    }
    alarms.append(&mut round_alarms);
    Ok(assemble(&graph, &chain, &eval, &judgement, alarms, waiting))
}

/// Decodes, drops what is not of this group, and puts the rest in an order where every entry
/// comes after the entries it names (lowest id first among the ready ones).
fn order(
    genesis: &EntryId,
    files: &[Vec<u8>],
    keys: &Keyring,
    alarms: &mut BTreeSet<Alarm>,
) -> Result<(Graph, usize), Bad> {
    let group = crypt::group_of(genesis);
    let mut by_id: BTreeMap<EntryId, Node> = BTreeMap::new();
    for bytes in files {
        let id = crypt::entry_id(bytes);
        if by_id.contains_key(&id) {
            continue;
        }
        match entry::decode(bytes) {
            Ok(e) if id == *genesis || e.group == group => {
                let signed_len = bytes.len() - 64;
                by_id.insert(
                    id,
                    Node { id, e, signed_len, bytes: bytes.clone(), sealed: None, sound: true, signer: None },
                );
            }
            Ok(_) => {
                alarms.insert(Alarm::Refused { entry: id, reason: "an entry of another group".into() });
            }
            Err(bad) => {
                alarms.insert(Alarm::Refused { entry: id, reason: bad.0 });
            }
        }
    }
    if !by_id.get(genesis).is_some_and(|n| matches!(n.e.clear, Clear::Genesis { .. })) {
        return Err(Bad::new("the group's genesis entry is not on the share, or is not a genesis"));
    }
    // Kahn's algorithm over "names": parents, and the previous entry of the author.
    let names = |n: &Node| -> Vec<EntryId> {
        let mut v = n.e.parents.clone();
        if n.e.seq > 1 {
            v.push(n.e.prev);
        }
        v
    };
    let mut missing = 0usize;
    let mut pending: BTreeMap<EntryId, usize> = BTreeMap::new();
    let mut named_by: BTreeMap<EntryId, Vec<EntryId>> = BTreeMap::new();
    let mut ready: BTreeSet<EntryId> = BTreeSet::new();
    for (id, n) in &by_id {
        let deps: BTreeSet<EntryId> = names(n).into_iter().collect();
        let mut count = 0;
        for d in deps {
            if by_id.contains_key(&d) {
                named_by.entry(d).or_default().push(*id);
                count += 1;
            } else {
                alarms.insert(Alarm::Withheld(d));
                missing += 1;
                count = usize::MAX / 2;
            }
        }
        if count == 0 {
            ready.insert(*id);
        } else {
            pending.insert(*id, count);
        }
    }
    let _ = missing;
    let mut sequence = Vec::with_capacity(by_id.len());
    while let Some(id) = ready.pop_first() {
        sequence.push(id);
        for later in named_by.get(&id).into_iter().flatten() {
            let c = pending.get_mut(later).expect("pending");
            *c -= 1;
            if *c == 0 {
                pending.remove(later);
                ready.insert(*later);
            }
        }
    }
    let waiting = by_id.len() - sequence.len();
    let index: BTreeMap<EntryId, usize> = sequence.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut nodes: Vec<Node> = sequence.iter().map(|id| by_id.remove(id).expect("present")).collect();
    let n = nodes.len();
    let mut anc = Vec::with_capacity(n);
    for i in 0..n {
        let mut bits = Bits::new(n);
        for p in &nodes[i].e.parents {
            let j = index[p];
            bits.or(&anc[j]);
            bits.set(j);
        }
        if nodes[i].e.seq > 1 && !bits.has(index[&nodes[i].e.prev]) {
            alarms.insert(Alarm::Refused {
                entry: nodes[i].id,
                reason: "it does not build on its author's previous entry".into(),
            });
            nodes[i].sound = false;
        }
        anc.push(bits);
    }
    let genesis = index[genesis];
    for node in nodes.iter_mut() {
        open_sealed(node, genesis_epoch_key(keys, &crypt::epoch_of(&sequence[genesis])), keys);
        if let Err(bad) = check_keys(&node.e.clear) {
            alarms.insert(Alarm::Refused { entry: node.id, reason: bad.0 });
            node.sound = false;
        }
        if let Some(Err(bad)) = &node.sealed {
            alarms.insert(Alarm::Refused { entry: node.id, reason: bad.0.clone() });
            node.sound = false;
        }
        if node.sealed.is_none() && node.e.clear.has_sealed() {
            alarms.insert(Alarm::Unreadable(node.id));
        }
    }
    Ok((Graph { nodes, anc, genesis }, waiting))
}

fn genesis_epoch_key<'a>(keys: &'a Keyring, epoch: &EpochId) -> Option<&'a EpochKey> {
    keys.get(epoch)
}

fn open_sealed(node: &mut Node, genesis_key: Option<&EpochKey>, keys: &Keyring) {
    if !node.e.clear.has_sealed() {
        node.sealed = Some(Ok(Sealed::None));
        return;
    }
    let key = match node.e.clear {
        Clear::Genesis { .. } => genesis_key,
        _ => keys.get(&node.e.epoch),
    };
    let Some(key) = key else { return };
    let aad = entry::sealed_aad(&node.bytes[..node.signed_len], node.e.sealed.len());
    node.sealed = Some(
        crypt::open_fields(key, aad, &node.e.sealed)
            .and_then(|plain| entry::decode_sealed(node.e.clear.kind(), &plain)),
    );
}

/// Checks each entry's signature once, under the keys its author can have: the one its id is
/// derived from (named by the genesis or an approval) and those of its key updates.
fn find_signers(g: &mut Graph, verified: &Verified) {
    let group = crypt::group_of(&g.nodes[g.genesis].id);
    let mut candidates: BTreeMap<DeviceId, Vec<[u8; 32]>> = BTreeMap::new();
    for node in &g.nodes {
        match &node.e.clear {
            Clear::Genesis { creator_sign: k, .. } | Clear::Approve { joiner_sign: k, .. } => {
                candidates.entry(crypt::device_id(&group, k)).or_default().push(*k)
            }
            Clear::KeyUpdate { sign, .. } => candidates.entry(node.e.author).or_default().push(*sign),
            _ => {}
        }
    }
    let (creator_id, ..) = creator(g);
    for node in g.nodes.iter_mut() {
        let author = if matches!(node.e.clear, Clear::Genesis { .. }) { creator_id } else { node.e.author };
        let Some(keys) = candidates.get(&author) else { continue };
        let signed = &node.bytes[..node.signed_len];
        node.signer = match verified.get(&node.id) {
            Some(k) if keys.contains(k) => Some(*k),
            _ => keys.iter().find(|k| crypt::verify(k, signed, &node.e.signature).is_ok()).copied(),
        };
        if let Clear::KeyUpdate { sign, proof, .. } = &node.e.clear {
            let msg = [&b"casebook/v2/key-update"[..], &group, &node.e.author, &node.e.seq.to_be_bytes()].concat();
            if crypt::verify(sign, &msg, proof).is_err() {
                node.sound = false;
            }
        }
    }
}

/// The checks an entry passes on its own bytes: the encoding, the keys it carries, a key
/// update's proof, a genesis's signature. What the hostile vectors and the fuzz target run.
pub fn check_alone(bytes: &[u8]) -> Result<Entry, Bad> {
    let e = entry::decode(bytes)?;
    check_keys(&e.clear)?;
    let signed = &bytes[..bytes.len() - 64];
    match &e.clear {
        Clear::KeyUpdate { sign, proof, .. } => {
            let msg = [&b"casebook/v2/key-update"[..], &e.group, &e.author, &e.seq.to_be_bytes()].concat();
            crypt::verify(sign, &msg, proof).map_err(|_| Bad::new("a key update whose new key did not sign it"))?;
        }
        Clear::Genesis { creator_sign, .. } => crypt::verify(creator_sign, signed, &e.signature)?,
        _ => {}
    }
    Ok(e)
}

/// The public keys an entry carries must be sound (F10).
fn check_keys(c: &Clear) -> Result<(), Bad> {
    match c {
        Clear::Genesis { creator_sign, creator_box, recovery, .. } => {
            crypt::check_sign_key(creator_sign)?;
            crypt::check_box_key(creator_box)?;
            crypt::check_sign_key(recovery).map(|_| ())
        }
        Clear::Invite { invite_sign, request_box, .. } => {
            crypt::check_sign_key(invite_sign)?;
            crypt::check_box_key(request_box)
        }
        Clear::Approve { joiner_sign, joiner_box, .. }
        | Clear::KeyUpdate { sign: joiner_sign, boxk: joiner_box, .. } => {
            crypt::check_sign_key(joiner_sign)?;
            crypt::check_box_key(joiner_box)
        }
        Clear::Recovery { next, .. } => crypt::check_sign_key(next).map(|_| ()),
        Clear::Upgrade { devices, .. } => devices.iter().try_for_each(|d| crypt::check_sign_key(&d.sign).map(|_| ())),
        _ => Ok(()),
    }
}

/// What one round of the fold found, entry by entry.
pub(super) struct Eval {
    /// The entry counts.
    pub counts: Vec<bool>,
    /// The entry would count if its author were not removed (the revocation graph's edges).
    pub valid: Vec<bool>,
    /// Device → the entries that admitted it (the creator: the genesis).
    pub admitted: BTreeMap<DeviceId, Vec<usize>>,
    /// Device → its keys over time.
    pub keys: BTreeMap<DeviceId, Vec<KeysFrom>>,
    /// Approvals and declines that pass every check but "one per invite".
    pub invite_uses: BTreeMap<[u8; 16], BTreeSet<EntryId>>,
}

/// A device's keys from an entry number on: (from seq, Ed25519, X25519).
pub(super) type KeysFrom = (u32, [u8; 32], [u8; 32]);

/// The recovery chain, decided once: it depends on signatures alone.
pub(super) struct Chain {
    /// Recovery entries that count, in chain order.
    pub used: Vec<usize>,
    pub next_key: [u8; 32],
    pub next_seq: u32,
    pub last: EntryId,
}

pub(super) fn creator(g: &Graph) -> (DeviceId, [u8; 32], [u8; 32]) {
    let Clear::Genesis { creator_sign, creator_box, .. } = &g.nodes[g.genesis].e.clear else { unreachable!("checked") };
    (crypt::device_id(&crypt::group_of(&g.nodes[g.genesis].id), creator_sign), *creator_sign, *creator_box)
}

fn evaluate(g: &Graph, chain: &Chain, j: &Judgement) -> Eval {
    let n = g.nodes.len();
    let group = crypt::group_of(&g.nodes[g.genesis].id);
    let (creator_id, creator_sign, creator_box) = creator(g);
    let mut ev = Eval {
        counts: vec![false; n],
        valid: vec![false; n],
        admitted: BTreeMap::from([(creator_id, vec![g.genesis])]),
        keys: BTreeMap::from([(creator_id, vec![(1, creator_sign, creator_box)])]),
        invite_uses: BTreeMap::new(),
    };
    // Promotions of a device (coordinator by role or approval) and counting invites, by id.
    let mut promotions: BTreeMap<DeviceId, Vec<usize>> = BTreeMap::new();
    let mut invites: BTreeMap<[u8; 16], usize> = BTreeMap::new();
    let mut epochs: BTreeMap<EpochId, usize> = BTreeMap::from([(crypt::epoch_of(&g.nodes[g.genesis].id), g.genesis)]);
    let genesis_ok = g.nodes[g.genesis].sound
        && crypt::verify(
            &creator_sign,
            &g.nodes[g.genesis].bytes[..g.nodes[g.genesis].signed_len],
            &g.nodes[g.genesis].e.signature,
        )
        .is_ok();
    ev.counts[g.genesis] = genesis_ok;
    ev.valid[g.genesis] = genesis_ok;
    let coordinator = |promotions: &BTreeMap<DeviceId, Vec<usize>>, x: &DeviceId, i: usize, seq: u32| -> bool {
        let anc = &g.anc[i];
        let promoted_after = |d: Option<usize>| {
            promotions.get(x).into_iter().flatten().any(|&p| anc.has(p) && d.is_none_or(|d| g.anc[p].has(d)))
        };
        if *x != creator_id && !promoted_after(None) {
            return false;
        }
        j.demoted.get(x).into_iter().flatten().all(|&(from_seq, d)| {
            let applies = seq > from_seq || anc.has(d);
            !applies || promoted_after(Some(d))
        })
    };
    for i in 0..n {
        if i == g.genesis {
            continue;
        }
        let node = &g.nodes[i];
        let e = &node.e;
        if matches!(e.clear, Clear::Recovery { .. }) {
            let counts = chain.used.contains(&i);
            ev.counts[i] = counts;
            ev.valid[i] = counts;
            if counts {
                epochs.insert(crypt::epoch_of(&node.id), i);
            }
            continue;
        }
        let x = e.author;
        let anc = &g.anc[i];
        let admitted = ev.admitted.get(&x).is_some_and(|v| v.iter().any(|&a| a == g.genesis || anc.has(a)));
        if !node.sound || !admitted || !ev.counts[g.genesis] {
            continue;
        }
        let Some(Ok(sealed)) = &node.sealed else { continue };
        let key = ev.keys[&x].iter().rev().find(|(from, ..)| *from <= e.seq).map(|k| k.1).expect("a first key");
        let annulled = chain.used.iter().any(|&r| match &g.nodes[r].e.clear {
            Clear::Recovery { target, action: RecoveryAction::Annul, from_seq, .. } => {
                *target == x && e.seq >= *from_seq
            }
            _ => false,
        });
        let epoch_known = epochs.get(&e.epoch).is_some_and(|&m| m == g.genesis || anc.has(m));
        if annulled || !epoch_known || node.signer != Some(key) {
            continue;
        }
        let is_coord = || coordinator(&promotions, &x, i, e.seq);
        let authority = match &e.clear {
            Clear::Genesis { .. } | Clear::Recovery { .. } => false,
            Clear::Invite { invite, .. } => is_coord() && !invites.contains_key(invite),
            Clear::Role { target } | Clear::Revoke { target, .. } => is_coord() && ev.admitted.contains_key(target),
            Clear::Head => is_coord(),
            // The group's creator, in its first entry (section 6): one upgrade per group.
            Clear::Upgrade { .. } => x == creator_id && e.seq == 1,
            Clear::Approve { invite, .. } | Clear::Decline { invite, .. } => {
                let own_invite = invites.get(invite).is_some_and(|&k| g.nodes[k].e.author == x && anc.has(k));
                let box_ok = match &e.clear {
                    Clear::Approve { joiner_sign, key_box, .. } => key_box_for(&group, joiner_sign, key_box),
                    _ => true,
                };
                if own_invite && box_ok {
                    ev.invite_uses.entry(*invite).or_default().insert(node.id);
                }
                own_invite && box_ok && j.chosen.get(invite).is_none_or(|c| *c == node.id)
            }
            Clear::Leave | Clear::Rotate(_) | Clear::KeyUpdate { .. } => true,
        };
        if !authority {
            continue;
        }
        ev.valid[i] = true;
        if j.removed.get(&x).is_some_and(|c| e.seq > c.roster_seq) {
            continue;
        }
        ev.counts[i] = true;
        match (&e.clear, sealed) {
            (Clear::Invite { invite, .. }, _) => {
                invites.insert(*invite, i);
            }
            (Clear::Approve { joiner_sign, joiner_box, .. }, Sealed::Approve { role, .. }) => {
                let joiner = crypt::device_id(&group, joiner_sign);
                ev.admitted.entry(joiner).or_default().push(i);
                ev.keys.entry(joiner).or_insert_with(|| vec![(1, *joiner_sign, *joiner_box)]);
                if *role == Role::Coordinator {
                    promotions.entry(joiner).or_default().push(i);
                }
            }
            (Clear::Role { target }, Sealed::Role { role: Role::Coordinator, .. }) => {
                promotions.entry(*target).or_default().push(i);
            }
            (Clear::KeyUpdate { sign, boxk, .. }, _) => {
                ev.keys.entry(x).or_default().push((e.seq + 1, *sign, *boxk));
            }
            (Clear::Revoke { .. } | Clear::Rotate(_), _) => {
                epochs.insert(crypt::epoch_of(&node.id), i);
            }
            _ => {}
        }
    }
    ev
}

/// An approval's box must be addressed to the joiner's id.
fn key_box_for(group: &[u8; 16], joiner_sign: &[u8; 32], b: &entry::KeyBox) -> bool {
    b.recipient == crypt::device_id(group, joiner_sign)
}

pub(super) fn revocations(g: &Graph, ev: &Eval, chain: &Chain) -> Vec<Revocation> {
    let mut out = Vec::new();
    for (i, node) in g.nodes.iter().enumerate() {
        if !ev.valid[i] {
            continue;
        }
        let e = &node.e;
        let cutoff = match (&e.clear, &node.sealed) {
            (
                Clear::Revoke { target, .. },
                Some(Ok(Sealed::Revoke { cutoff_seq, cutoff_delta_seq, cutoff_delta, .. })),
            ) => {
                let admitted_back = chain.used.iter().any(|&r| {
                    g.anc[r].has(i)
                        && matches!(&g.nodes[r].e.clear, Clear::Recovery { target: t, action: RecoveryAction::Admit, .. } if t == target)
                });
                if admitted_back {
                    continue;
                }
                (*target, Cutoff { roster_seq: *cutoff_seq, delta: Some((*cutoff_delta_seq, *cutoff_delta)) })
            }
            (Clear::Leave, _) => (e.author, Cutoff { roster_seq: e.seq, delta: None }),
            _ => continue,
        };
        out.push(Revocation { author: e.author, seq: e.seq, target: cutoff.0, cutoff: cutoff.1 });
    }
    out
}
