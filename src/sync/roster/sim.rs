//! A group's devices in memory, writing roster entries as real devices would, for the tests,
//! the benchmark and the fuzz seeds. Every entry goes through [`super::author`]; nothing here
//! shortcuts a check. Randomness is seeded, so a scenario is reproducible.

use ed25519_dalek::SigningKey;

use super::author::{self, Author};
use super::crypt::{self, BoxSecret, EpochKey};
use super::entry::{Clear, DeviceId, EntryId, EpochId, RecoveryAction, Role, Sealed};
use super::fold::fold;
use super::keyring::Keyring;
use super::state::Roster;
use crate::entropy::{Entropy, SeededEntropy};

/// One device: its keys and where its chain of entries stands.
pub struct Device {
    pub sign: SigningKey,
    pub boxs: BoxSecret,
    pub id: DeviceId,
    pub seq: u32,
    pub prev: EntryId,
    pub label: String,
}

/// A group seen from above: every file on the share and every epoch key.
pub struct Group {
    pub rng: SeededEntropy,
    pub genesis: EntryId,
    pub group: [u8; 16],
    pub files: Vec<Vec<u8>>,
    /// Every epoch key, for folding with a full view.
    pub keys: Keyring,
    /// The recovery key the chain has reached (each use names the next).
    pub recovery: SigningKey,
    pub devices: Vec<Device>,
}

fn signing(rng: &mut SeededEntropy) -> SigningKey {
    let mut b = [0u8; 32];
    rng.fill(&mut b);
    SigningKey::from_bytes(&b)
}

fn box_secret(rng: &mut SeededEntropy) -> BoxSecret {
    let mut b = [0u8; 32];
    rng.fill(&mut b);
    BoxSecret::from_bytes(b)
}

impl Group {
    /// A new group whose creator (device 0) is labelled `label`.
    pub fn create(seed: u64, label: &str) -> Group {
        let mut rng = SeededEntropy::new(seed);
        let sign = signing(&mut rng);
        let boxs = box_secret(&mut rng);
        let recovery = signing(&mut rng);
        let first = author::new_epoch_key(&mut rng);
        let bytes = author::genesis(&sign, boxs.public(), recovery.verifying_key().to_bytes(), &first, label, &mut rng);
        let genesis = crypt::entry_id(&bytes);
        let group = crypt::group_of(&genesis);
        let mut keys = Keyring::new();
        keys.insert(crypt::epoch_of(&genesis), first);
        let id = crypt::device_id(&group, &sign.verifying_key().to_bytes());
        let creator = Device { sign, boxs, id, seq: 0, prev: [0; 32], label: label.into() };
        Group { rng, genesis, group, files: vec![bytes], keys, recovery, devices: vec![creator] }
    }

    pub fn fold(&self) -> Roster {
        fold(&self.genesis, &self.files, &self.keys).expect("the genesis is there")
    }

    /// The fold of a device that has seen only `parents` and what they name (None: everything).
    pub fn view(&self, parents: Option<&[EntryId]>) -> Roster {
        let Some(parents) = parents else { return self.fold() };
        let by_id: std::collections::BTreeMap<EntryId, (&Vec<u8>, Vec<EntryId>)> = self
            .files
            .iter()
            .filter_map(|f| {
                let e = super::entry::decode(f).ok()?;
                let mut names = e.parents.clone();
                if e.seq > 1 {
                    names.push(e.prev);
                }
                Some((crypt::entry_id(f), (f, names)))
            })
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        let mut todo: Vec<EntryId> = parents.to_vec();
        while let Some(id) = todo.pop() {
            if seen.insert(id) {
                todo.extend(by_id.get(&id).map(|(_, n)| n.clone()).unwrap_or_default());
            }
        }
        let files: Vec<Vec<u8>> = seen.iter().filter_map(|id| by_id.get(id).map(|(f, _)| (*f).clone())).collect();
        fold(&self.genesis, &files, &self.keys).expect("the genesis is there")
    }

    /// A device that is not yet a member (index returned).
    pub fn new_device(&mut self, label: &str) -> usize {
        let sign = signing(&mut self.rng);
        let boxs = box_secret(&mut self.rng);
        let id = crypt::device_id(&self.group, &sign.verifying_key().to_bytes());
        self.devices.push(Device { sign, boxs, id, seq: 0, prev: [0; 32], label: label.into() });
        self.devices.len() - 1
    }

    fn epoch_key(&self, epoch: &EpochId) -> EpochKey {
        self.keys.get(epoch).cloned().expect("the simulation holds every key")
    }

    /// Writes an entry of device `d` with `parents` (None: the current heads) under `epoch`
    /// (None: the current epoch, or the newest one when a rotation is needed).
    pub fn write(
        &mut self,
        d: usize,
        clear: Clear,
        sealed: Sealed,
        parents: Option<Vec<EntryId>>,
        epoch: Option<EpochId>,
    ) -> EntryId {
        let (epoch, mut parents, heads) = match (epoch, parents) {
            // Both given: no fold (the benchmark writes long rosters this way).
            (Some(epoch), Some(parents)) => (epoch, parents, Vec::new()),
            (epoch, parents) => {
                let view = self.view(parents.as_deref());
                let epoch = epoch.or(view.epoch).unwrap_or_else(|| *view.newest_epochs.last().expect("an epoch"));
                (epoch, parents.unwrap_or(view.heads.clone()), view.heads)
            }
        };
        let key = self.epoch_key(&epoch);
        let dev = &self.devices[d];
        if dev.seq > 0 && !parents.contains(&dev.prev) && !heads.contains(&dev.prev) {
            parents.push(dev.prev);
        }
        let a = Author {
            group: self.group,
            device: dev.id,
            key: &dev.sign,
            seq: dev.seq + 1,
            prev: dev.prev,
            epoch,
            epoch_key: &key,
            parents,
        };
        let bytes = author::write(&a, clear, &sealed, &mut self.rng);
        let id = crypt::entry_id(&bytes);
        let dev = &mut self.devices[d];
        dev.seq += 1;
        dev.prev = id;
        self.files.push(bytes);
        id
    }

    pub fn invite(&mut self, d: usize) -> [u8; 16] {
        let mut invite = [0u8; 16];
        self.rng.fill(&mut invite);
        let invite_sign = signing(&mut self.rng).verifying_key().to_bytes();
        let request_box = box_secret(&mut self.rng).public();
        self.write(d, Clear::Invite { invite, invite_sign, request_box }, Sealed::Expires(u64::MAX >> 1), None, None);
        invite
    }

    /// `d` approves `joiner` through `invite`, with a box of the current epoch's key.
    pub fn approve(&mut self, d: usize, invite: [u8; 16], joiner: usize, role: Role) -> EntryId {
        let view = self.fold();
        let epoch = view.epoch.unwrap_or_else(|| *view.newest_epochs.last().expect("an epoch"));
        let key = self.epoch_key(&epoch);
        let j = &self.devices[joiner];
        let (joiner_sign, joiner_box) = (j.sign.verifying_key().to_bytes(), j.boxs.public());
        let ctx = crypt::BoxContext {
            group: &self.group,
            author: &self.devices[d].id,
            seq: self.devices[d].seq + 1,
            recipient: &j.id,
            recipient_key: &joiner_box,
        };
        let key_box = crypt::seal_box(&ctx, &key).expect("a sound key");
        let mut request = [0u8; 32];
        self.rng.fill(&mut request);
        let label = j.label.clone();
        let clear = Clear::Approve { invite, request, joiner_sign, joiner_box, key_box };
        self.write(d, clear, Sealed::Approve { label, role }, None, Some(epoch))
    }

    /// Invites and approves a new device; gives its index.
    pub fn join(&mut self, by: usize, label: &str, role: Role) -> usize {
        let joiner = self.new_device(label);
        let invite = self.invite(by);
        self.approve(by, invite, joiner, role);
        joiner
    }

    /// A rotation's clear fields by `d` sealed to `recipients` (None: the members its fold leaves).
    fn make_rotation(
        &mut self,
        d: usize,
        exclude: Option<DeviceId>,
        recipients: Option<Vec<DeviceId>>,
        parents: Option<&[EntryId]>,
    ) -> (super::entry::Rotation, EpochKey) {
        let view = self.view(parents);
        let to: Vec<(DeviceId, [u8; 32])> = match recipients {
            Some(ids) => ids
                .iter()
                .map(|id| (*id, self.devices.iter().find(|x| x.id == *id).expect("known").boxs.public()))
                .collect(),
            None => view.members().filter(|(id, _)| Some(**id) != exclude).map(|(id, dev)| (*id, dev.boxk)).collect(),
        };
        let new = author::new_epoch_key(&mut self.rng);
        let prevs: Vec<(EpochId, EpochKey)> = view.newest_epochs.iter().map(|e| (*e, self.epoch_key(e))).collect();
        let prev_refs: Vec<(EpochId, &EpochKey)> = prevs.iter().map(|(e, k)| (*e, k)).collect();
        let dev = &self.devices[d];
        let r = author::rotation(&self.group, &dev.id, dev.seq + 1, &new, &to, &prev_refs, &mut self.rng)
            .expect("sound keys");
        (r, new)
    }

    /// `d` revokes `target` with a cutoff (None: the target's last counting entry).
    pub fn revoke(
        &mut self,
        d: usize,
        target: usize,
        cutoff_seq: Option<u32>,
        parents: Option<Vec<EntryId>>,
    ) -> EntryId {
        let tid = self.devices[target].id;
        let view = self.view(parents.as_deref());
        let last = view.devices.get(&tid).map_or(0, |x| x.last_seq);
        let (rotation, new) = self.make_rotation(d, Some(tid), None, parents.as_deref());
        let sealed = Sealed::Revoke {
            cutoff_seq: cutoff_seq.unwrap_or(last),
            cutoff_entry: [0; 32],
            cutoff_delta_seq: 0,
            cutoff_delta: [0; 32],
            reason: "laptop seized".into(),
        };
        let id = self.write(d, Clear::Revoke { target: tid, rotation }, sealed, parents, None);
        self.keys.insert(crypt::epoch_of(&id), new);
        id
    }

    /// `d` rotates, sealed to `recipients` (None: the members).
    pub fn rotate(&mut self, d: usize, recipients: Option<Vec<DeviceId>>, parents: Option<Vec<EntryId>>) -> EntryId {
        let (rotation, new) = self.make_rotation(d, None, recipients, parents.as_deref());
        let id = self.write(d, Clear::Rotate(rotation), Sealed::None, parents, None);
        self.keys.insert(crypt::epoch_of(&id), new);
        id
    }

    pub fn role(&mut self, d: usize, target: usize, role: Role) -> EntryId {
        let tid = self.devices[target].id;
        let from_seq = self.fold().devices.get(&tid).map_or(0, |x| x.last_seq);
        self.write(d, Clear::Role { target: tid }, Sealed::Role { role, from_seq }, None, None)
    }

    pub fn leave(&mut self, d: usize) -> EntryId {
        self.write(d, Clear::Leave, Sealed::Reason("stopped volunteering".into()), None, None)
    }

    pub fn head(&mut self, d: usize, time_ms: u64) -> EntryId {
        self.write(d, Clear::Head, Sealed::Time(time_ms), None, None)
    }

    /// Uses the recovery key: `action` on `target` from its entry `from_seq`.
    pub fn recover(&mut self, target: usize, action: RecoveryAction, from_seq: u32) -> EntryId {
        let next = signing(&mut self.rng);
        let use_ = author::RecoveryUse {
            recovery_key: &self.recovery,
            next: next.verifying_key().to_bytes(),
            target: self.devices[target].id,
            action,
            from_seq,
            reason: "seized coordinator",
        };
        let (bytes, new) =
            author::recovery_entry(&self.genesis, &self.files, &self.keys, &use_, &mut self.rng).expect("a recovery");
        let id = crypt::entry_id(&bytes);
        self.files.push(bytes);
        self.keys.insert(crypt::epoch_of(&id), new);
        self.recovery = next;
        id
    }

    pub fn id(&self, d: usize) -> DeviceId {
        self.devices[d].id
    }
}
