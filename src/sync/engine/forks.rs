//! Forks seen by a reader (docs/formats/delta.md sections 6 and 11): a sync tool's conflict
//! copy or a changed file holding another signed version of an applied delta raises `fork`
//! and, for version-2 deltas, publishes the proof (both receipts); proofs other devices
//! published raise `fork` here too. Each copy and proof is verified once and remembered by
//! (name, size, mtime), so a hostile share's 1,000 copies cost one verification.

use std::collections::{BTreeMap, HashMap};

use super::receive::{verify_header, Applied};
use super::state::SyncDb;
use super::{hex, raise, Attached, Peer, Problem, SyncReport};
use crate::error::Result;
use crate::store::Store;
use crate::sync::format;
use crate::sync::seal;
use crate::sync::share::{self, Name, Share};

/// A sync tool's conflict copy, or an applied delta whose file changed: a copy of what was
/// applied is a duplicate; another validly signed file for an applied sequence number is a
/// fork, and so is a conflict copy of a number not applied yet that differs from the
/// canonical file of that number. (A copy remembered before its number was applied is read
/// again once it is: `SyncDb::mark_applied`.)
#[allow(clippy::too_many_arguments)]
pub(super) fn check_copy(
    store: &mut Store,
    a: &Attached,
    share: &Share,
    me: &[u8; 16],
    peer: &Peer,
    received: &HashMap<u64, Applied>,
    entry: &share::Entry,
    file: &str,
    report: &mut SyncReport,
) -> Result<()> {
    let bytes = match share.read(&peer.id, &entry.name) {
        Ok(b) => b,
        Err(e) => {
            report.problems.push(Problem { file: file.into(), problem: e.to_string() });
            return Ok(());
        }
    };
    let (header, id) = match verify_header(a, peer, &bytes) {
        Ok(p) => (p.header, p.id),
        Err(problem) => {
            report.problems.push(Problem { file: file.into(), problem });
            return Ok(());
        }
    };
    if let Some((hash, _, _)) = received.get(&header.seq) {
        if *hash != id {
            let detail = format!(
                "{file} is a second, differently signed version of delta {} that was already applied: the device (or its key) wrote two versions",
                header.seq
            );
            raise(store, a, &peer.id, header.seq, "fork", &detail, &mut report.alarms)?;
            let applied = SyncDb::of(store).receipt_of(a.idx, peer.idx, header.seq)?;
            publish_proof(store, share, me, peer, header.seq, applied.as_deref(), &bytes, report)?;
        }
    } else if entry.kind == Name::ConflictCopy {
        // Not applied yet: the canonical file of that number, if validly signed and another
        // version, proves the fork now, before either version is applied.
        let canonical = share.read(&peer.id, &share::delta_name(header.seq)).ok();
        let other = canonical.as_deref().and_then(|b| verify_header(a, peer, b).ok().map(|p| (p.id, p.receipt)));
        if let Some((_, other_receipt)) = other.filter(|(other_id, _)| *other_id != id) {
            let detail = format!(
                "{file} and {} are two differently signed versions of delta {}: the device (or its key) wrote two versions",
                share::delta_name(header.seq),
                header.seq
            );
            raise(store, a, &peer.id, header.seq, "fork", &detail, &mut report.alarms)?;
            publish_proof(store, share, me, peer, header.seq, other_receipt, &bytes, report)?;
        }
    }
    if entry.kind == Name::ConflictCopy {
        // Verified (a duplicate, or a fork now raised): not read again while it stays as it is.
        SyncDb::of(store).remember_copy(a.idx, peer.idx, &entry.name, entry.len, entry.mtime, &seal::hash(&bytes))?;
    }
    Ok(())
}

/// Publishes the proof that `peer` signed two versions of delta `seq`: the receipt `ours` (of
/// the version applied here, or of the canonical file) and that of `other`, so that devices that applied the other version,
/// or neither, learn of the fork even if `other`'s file vanishes. Only version-2 deltas have
/// receipts; a fork of version-1 deltas is raised here only.
#[allow(clippy::too_many_arguments)]
fn publish_proof(
    store: &mut Store,
    share: &Share,
    me: &[u8; 16],
    peer: &Peer,
    seq: u64,
    ours: Option<&[u8]>,
    other: &[u8],
    report: &mut SyncReport,
) -> Result<()> {
    let (Some(ours), Some(theirs)) = (ours, format::decode_delta(other).ok().and_then(|p| p.receipt)) else {
        return Ok(());
    };
    let proof = format::encode_fork_proof(ours, theirs);
    let name = share::fork_proof_name(&peer.id, seq);
    if let Err(e) = share.write_own(me, &name, &proof, store.entropy.as_mut()) {
        report.problems.push(Problem {
            file: format!("{}/{name}", share::device_dir_name(me)),
            problem: format!("the proof of the fork could not be written ({e})"),
        });
    }
    Ok(())
}

/// Fork proofs other devices published: each valid one raises `fork` here, naming both
/// versions, once (remembered like conflict copies); anything else is reported. Some(k): a
/// proof that this device's own identity forked at delta `k` (a copy of this vault wrote the
/// other version): the caller continues under a new identity.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_proofs(
    store: &mut Store,
    a: &Attached,
    share: &Share,
    me: &[u8; 16],
    peers: &BTreeMap<[u8; 16], Peer>,
    dev: &[u8; 16],
    entries: &[share::Entry],
    report: &mut SyncReport,
) -> Result<Option<u64>> {
    let Some(holder) = peers.get(dev) else { return Ok(None) };
    let mut own_fork: Option<u64> = None;
    let pinned = |d: &[u8; 16]| {
        if d == me {
            Some(a.signing.verifying_key().to_bytes())
        } else {
            peers.get(d).map(|p| p.key)
        }
    };
    for e in entries {
        let file = format!("{}/{}", share::device_dir_name(dev), e.name);
        let checked = share
            .read(dev, &e.name)
            .map_err(|err| err.to_string())
            .and_then(|b| seal::verify_fork_proof(pinned, &b).map(|f| (f, b)).map_err(|bad| bad.0));
        match checked {
            Ok((fork, bytes)) => {
                let short = |id: &[u8; 32]| crate::hex::short(id, 6);
                let detail = format!(
                    "device {} signed two versions of delta {} (ids {}… and {}…), as receipts published by device {} \
                     prove: the device, or a copy of its vault or key, forked its history",
                    hex(&fork.author),
                    fork.seq,
                    short(&fork.ids[0]),
                    short(&fork.ids[1]),
                    hex(dev)
                );
                raise(store, a, &fork.author, fork.seq, "fork", &detail, &mut report.alarms)?;
                if fork.author == *me {
                    own_fork = Some(own_fork.map_or(fork.seq, |k| k.min(fork.seq)));
                }
                SyncDb::of(store).remember_copy(a.idx, holder.idx, &e.name, e.len, e.mtime, &seal::hash(&bytes))?;
            }
            Err(problem) => report.problems.push(Problem { file, problem }),
        }
    }
    Ok(own_fork)
}

/// Whether a conflict copy was verified before with this name, size and modification time, so
/// that 1,000 copies of one delta cost their verification once, not at every sync.
pub(super) fn copy_known(store: &Store, share: i64, device: u32, e: &share::Entry) -> Result<bool> {
    SyncDb::of(store).copy_known(share, device, &e.name, e.len, e.mtime)
}
