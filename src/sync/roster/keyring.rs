//! The epoch keys a device holds (docs/formats/roster.md section 3): the ones it made, the ones
//! sealed to it in boxes it can open, and every earlier one reached through the previous-key
//! chain. Pure: entries and this device's box secret in, keys and complaints out. Holding a key
//! says nothing about whether its epoch counts; the fold decides that.

use std::collections::BTreeMap;

use super::crypt::{self, BoxContext, BoxSecret, EpochKey};
use super::entry::{Clear, DeviceId, Entry, EntryId, EpochId};

#[derive(Debug, Clone, Default)]
pub struct Keyring {
    keys: BTreeMap<EpochId, EpochKey>,
}

impl Keyring {
    pub fn new() -> Self {
        Keyring::default()
    }
    pub fn insert(&mut self, epoch: EpochId, key: EpochKey) {
        self.keys.insert(epoch, key);
    }
    pub fn get(&self, epoch: &EpochId) -> Option<&EpochKey> {
        self.keys.get(epoch)
    }
    pub fn len(&self) -> usize {
        self.keys.len()
    }
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
    pub fn epochs(&self) -> impl Iterator<Item = &EpochId> {
        self.keys.keys()
    }

    /// Opens every box to `me` in `entries` and walks every previous-key chain it can, until
    /// nothing new opens. Gives the complaints: a box that does not open, or whose key does not
    /// match its entry's commitment (two boxes holding two keys, F10).
    pub fn unlock(
        &mut self,
        group: &[u8; 16],
        me: &DeviceId,
        secret: &BoxSecret,
        entries: &[(EntryId, Entry)],
    ) -> Vec<String> {
        let my_key = secret.public();
        let mut complaints = Vec::new();
        for (id, e) in entries {
            let epoch = crypt::epoch_of(id);
            if self.keys.contains_key(&epoch) && !matches!(e.clear, Clear::Approve { .. }) {
                continue;
            }
            let (key_box, commitment, epoch) = match &e.clear {
                Clear::Approve { key_box, .. } => (key_box, commitment_of(group, &e.epoch, entries), e.epoch),
                other => match other
                    .rotation()
                    .and_then(|r| r.boxes.iter().find(|b| b.recipient == *me).map(|b| (b, r)))
                {
                    Some((b, r)) => (
                        b,
                        Some(Commitment::Rotation { group: *group, author: e.author, seq: e.seq, value: r.commitment }),
                        epoch,
                    ),
                    None => continue,
                },
            };
            let Some(commitment) = commitment else { continue };
            if key_box.recipient != *me || self.keys.contains_key(&epoch) {
                continue;
            }
            let ctx = BoxContext { group, author: &e.author, seq: e.seq, recipient: me, recipient_key: &my_key };
            match crypt::open_box(&ctx, secret, key_box) {
                Ok(key) if commitment.check(&key) => {
                    self.keys.insert(epoch, key);
                }
                Ok(_) => complaints.push(format!(
                    "the key sealed to this device in entry {} does not match its epoch's commitment",
                    hex8(id)
                )),
                Err(bad) => complaints.push(format!("entry {}: {bad}", hex8(id))),
            }
        }
        self.walk_back(group, entries, &mut complaints);
        complaints.sort();
        complaints.dedup();
        complaints
    }

    /// Follows previous-key chains: a rotation whose key this device holds gives the keys before it.
    fn walk_back(&mut self, group: &[u8; 16], entries: &[(EntryId, Entry)], complaints: &mut Vec<String>) {
        loop {
            let mut grew = false;
            for (id, e) in entries {
                let Some(r) = e.clear.rotation() else { continue };
                let Some(new) = self.keys.get(&crypt::epoch_of(id)).cloned() else { continue };
                for p in &r.prevs {
                    if self.keys.contains_key(&p.epoch) {
                        continue;
                    }
                    match crypt::open_prev(&new, group, p) {
                        Ok(k) => {
                            self.keys.insert(p.epoch, k);
                            grew = true;
                        }
                        Err(bad) => complaints.push(format!("entry {}: {bad}", hex8(id))),
                    }
                }
            }
            if !grew {
                break;
            }
        }
    }
}

/// What an epoch's key must match: the commitment in the entry that made the epoch.
enum Commitment {
    Genesis { nonce: [u8; 16], value: [u8; 32] },
    Rotation { group: [u8; 16], author: DeviceId, seq: u32, value: [u8; 32] },
}

impl Commitment {
    fn check(&self, key: &EpochKey) -> bool {
        match self {
            Commitment::Genesis { nonce, value } => crypt::genesis_commitment(key, nonce) == *value,
            Commitment::Rotation { group, author, seq, value } => crypt::commitment(key, group, author, *seq) == *value,
        }
    }
}

/// The commitment of `epoch`, from the entry that made it (none when it is not among `entries`:
/// then the box cannot be checked and does not open anything).
fn commitment_of(group: &[u8; 16], epoch: &EpochId, entries: &[(EntryId, Entry)]) -> Option<Commitment> {
    entries.iter().find(|(id, _)| crypt::epoch_of(id) == *epoch).and_then(|(_, e)| match &e.clear {
        Clear::Genesis { nonce, commitment, .. } => Some(Commitment::Genesis { nonce: *nonce, value: *commitment }),
        c => c.rotation().map(|r| Commitment::Rotation {
            group: *group,
            author: e.author,
            seq: e.seq,
            value: r.commitment,
        }),
    })
}

pub fn hex8(id: &[u8]) -> String {
    id.iter().take(4).map(|b| format!("{b:02x}")).collect()
}
