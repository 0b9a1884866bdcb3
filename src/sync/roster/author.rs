//! Writing this device's roster entries (docs/formats/roster.md sections 2, 3): the fields, the
//! sealed part under the epoch's roster key, the signature. Randomness comes in.

use ed25519_dalek::SigningKey;

use super::crypt::{self, BoxContext, EpochKey};
use super::entry::{self, Clear, DeviceId, Entry, EntryId, EpochId, Rotation, Sealed};
use crate::entropy::Entropy;
use crate::sync::format::Bad;

/// Who writes an entry and from which view of the roster.
pub struct Author<'a> {
    pub group: [u8; 16],
    pub device: DeviceId,
    pub key: &'a SigningKey,
    /// The entry's number and the author's previous entry (zero for number 1).
    pub seq: u32,
    pub prev: EntryId,
    /// The epoch written under, and its key (the sealed fields are sealed under it).
    pub epoch: EpochId,
    pub epoch_key: &'a EpochKey,
    /// The roster heads the author folded; sorted and deduplicated here.
    pub parents: Vec<EntryId>,
}

fn nonce24(rng: &mut dyn Entropy) -> [u8; 24] {
    let mut n = [0u8; 24];
    rng.fill(&mut n);
    n
}

/// A fresh epoch key.
pub fn new_epoch_key(rng: &mut dyn Entropy) -> EpochKey {
    let mut k = zeroize::Zeroizing::new([0u8; 32]);
    rng.fill(&mut k[..]);
    EpochKey::from_bytes(*k)
}

/// Seals and signs `clear` with its `sealed` fields.
pub fn write(a: &Author<'_>, clear: Clear, sealed: &Sealed, rng: &mut dyn Entropy) -> Vec<u8> {
    let mut parents = a.parents.clone();
    parents.sort_unstable();
    parents.dedup();
    let has_sealed = clear.has_sealed();
    let mut e = Entry {
        group: a.group,
        author: a.device,
        seq: a.seq,
        prev: a.prev,
        epoch: a.epoch,
        parents,
        clear,
        sealed: Vec::new(),
        signature: [0; 64],
    };
    finish(&mut e, has_sealed.then_some((a.epoch_key, sealed)), a.key, rng)
}

/// Fills in the sealed part (its length is known before sealing, so the AAD is exact) and signs.
fn finish(e: &mut Entry, sealed: Option<(&EpochKey, &Sealed)>, key: &SigningKey, rng: &mut dyn Entropy) -> Vec<u8> {
    if let Some((epoch_key, fields)) = sealed {
        let plain = zeroize::Zeroizing::new(entry::encode_sealed(fields));
        e.sealed = vec![0; 24 + plain.len() + 16];
        let unsigned = entry::encode_unsigned(e);
        let aad = entry::sealed_aad(&unsigned, e.sealed.len()).to_vec();
        e.sealed = crypt::seal_fields(epoch_key, &aad, &plain, nonce24(rng));
    }
    e.signature = crypt::sign(key, &entry::encode_unsigned(e));
    entry::encode(e)
}

/// The genesis of a new group: the creator's keys, the recovery key's public half, the first
/// epoch's commitment and the creator's sealed label.
pub fn genesis(
    creator: &SigningKey,
    creator_box: [u8; 32],
    recovery: [u8; 32],
    first: &EpochKey,
    label: &str,
    rng: &mut dyn Entropy,
) -> Vec<u8> {
    let mut nonce = [0u8; 16];
    rng.fill(&mut nonce);
    let clear = Clear::Genesis {
        nonce,
        creator_sign: creator.verifying_key().to_bytes(),
        creator_box,
        recovery,
        commitment: crypt::genesis_commitment(first, &nonce),
    };
    let mut e = Entry {
        group: [0; 16],
        author: [0; 16],
        seq: 1,
        prev: [0; 32],
        epoch: [0; 16],
        parents: Vec::new(),
        clear,
        sealed: Vec::new(),
        signature: [0; 64],
    };
    finish(&mut e, Some((first, &Sealed::Label(label.to_owned()))), creator, rng)
}

/// A rotation by `author` at `seq`: `new` sealed to each recipient (device, X25519 key), the
/// commitment, and each previous epoch's key under `new`.
pub fn rotation(
    group: &[u8; 16],
    author: &DeviceId,
    seq: u32,
    new: &EpochKey,
    recipients: &[(DeviceId, [u8; 32])],
    prevs: &[(EpochId, &EpochKey)],
    rng: &mut dyn Entropy,
) -> Result<Rotation, Bad> {
    let mut recipients = recipients.to_vec();
    recipients.sort_by_key(|r| r.0);
    recipients.dedup_by_key(|r| r.0);
    let mut boxes = Vec::with_capacity(recipients.len());
    for (device, key) in &recipients {
        let ctx = BoxContext { group, author, seq, recipient: device, recipient_key: key };
        boxes.push(crypt::seal_box(&ctx, new)?);
    }
    let mut prevs: Vec<_> =
        prevs.iter().map(|(epoch, key)| crypt::seal_prev(new, group, *epoch, key, nonce24(rng))).collect();
    prevs.sort_by_key(|p| p.epoch);
    prevs.dedup_by_key(|p| p.epoch);
    Ok(Rotation { boxes, commitment: crypt::commitment(new, group, author, seq), prevs })
}

/// What a use of the recovery key does (section 4.6).
pub struct RecoveryUse<'a> {
    pub recovery_key: &'a SigningKey,
    pub next: [u8; 32],
    pub target: DeviceId,
    pub action: super::entry::RecoveryAction,
    pub from_seq: u32,
    pub reason: &'a str,
}

/// A recovery entry whose rotation is sealed to exactly the members the group has once the
/// entry counts: a first entry sealed to every device the roster knows is folded to learn who
/// they are, then the entry is made again for them. Returns the bytes and the new epoch's key.
pub fn recovery_entry(
    genesis: &EntryId,
    files: &[Vec<u8>],
    keys: &super::Keyring,
    use_: &RecoveryUse<'_>,
    rng: &mut dyn Entropy,
) -> Result<(Vec<u8>, EpochKey), Bad> {
    let view = super::fold::fold(genesis, files, keys)?;
    let group = view.group;
    let epoch = view.epoch.or_else(|| view.newest_epochs.last().copied()).expect("the genesis makes an epoch");
    let key = keys.get(&epoch).cloned().ok_or_else(|| Bad::new("this device does not hold the group's current key"))?;
    let prevs: Vec<(EpochId, EpochKey)> =
        view.newest_epochs.iter().filter_map(|e| keys.get(e).map(|k| (*e, k.clone()))).collect();
    let refs: Vec<(EpochId, &EpochKey)> = prevs.iter().map(|(e, k)| (*e, k)).collect();
    let new = new_epoch_key(rng);
    let make = |to: &[(DeviceId, [u8; 32])], rng: &mut dyn Entropy| -> Result<Vec<u8>, Bad> {
        let rotation = rotation(&group, &[0; 16], view.recovery_seq, &new, to, &refs, rng)?;
        let clear = Clear::Recovery {
            next: use_.next,
            target: use_.target,
            action: use_.action,
            from_seq: use_.from_seq,
            rotation,
        };
        Ok(recovery(
            use_.recovery_key,
            group,
            view.recovery_seq,
            view.last_recovery,
            (epoch, &key),
            view.heads.clone(),
            clear,
            use_.reason,
            rng,
        ))
    };
    let everyone: Vec<(DeviceId, [u8; 32])> = view.devices.iter().map(|(id, d)| (*id, d.boxk)).collect();
    let first = make(&everyone, rng)?;
    let mut trial_keys = keys.clone();
    trial_keys.insert(crypt::epoch_of(&crypt::entry_id(&first)), new.clone());
    let mut trial = files.to_vec();
    trial.push(first);
    let after = super::fold::fold(genesis, &trial, &trial_keys)?;
    let members: Vec<(DeviceId, [u8; 32])> = after.members().map(|(id, d)| (*id, d.boxk)).collect();
    if members.is_empty() {
        return Err(Bad::new("after this use of the recovery key no device would be left in the group"));
    }
    Ok((make(&members, rng)?, new))
}

/// A recovery entry (section 4.6), signed by the recovery key the chain has reached.
#[allow(clippy::too_many_arguments)]
pub fn recovery(
    recovery_key: &SigningKey,
    group: [u8; 16],
    seq: u32,
    prev: EntryId,
    (epoch, epoch_key): (EpochId, &EpochKey),
    parents: Vec<EntryId>,
    clear: Clear,
    reason: &str,
    rng: &mut dyn Entropy,
) -> Vec<u8> {
    let author = Author { group, device: [0; 16], key: recovery_key, seq, prev, epoch, epoch_key, parents };
    write(&author, clear, &Sealed::Reason(reason.to_owned()), rng)
}
