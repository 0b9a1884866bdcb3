//! A new device identity for a vault that a copy of it wrote past (docs/formats/delta.md
//! section 6.3). A vault restored from a backup, or copied to a second laptop, meets deltas of
//! its own device on the share that it does not remember, or finds one of its deltas replaced
//! by another version: its sequence numbers are no longer its own. Rather than stop sending
//! for good, it continues as a new device:
//! - a new device id and signing key, and a device record for them;
//! - its old identity becomes a peer, applied up to the last delta the share holds as this
//!   vault wrote it, so the deltas its copy wrote are applied like anyone else's;
//! - its own changes from the fork point on (the lost delta's and the unsent ones) are
//!   relabelled to the new device — the same values and clocks, which no other device holds
//!   under the old identity from this vault — and sent again under the new identity.
//!
//! Nothing is lost and no sequence number is used twice. The group accepts the new device
//! as it accepts any device holding the group key (the membership issue adds approval).

use zeroize::Zeroizing;

use super::state::SyncDb;
use super::{hex, raise, Attached, SyncReport};
use crate::error::Result;
use crate::store::Store;

/// Moves this vault to a new device identity from `fork_at`, the first sequence number of its
/// old identity that the share does not hold as this vault wrote it. Returns the new id.
pub(super) fn renew(
    store: &mut Store,
    a: &Attached,
    old_id: &[u8; 16],
    fork_at: u64,
    report: &mut SyncReport,
) -> Result<[u8; 16]> {
    let old = store.device;
    let (kept_seq, kept_change, kept_hash) = SyncDb::of(store).sent_before(a.idx, fork_at)?;
    let mut new_id = [0u8; 16];
    store.entropy.fill(&mut new_id);
    let mut seed = Zeroizing::new([0u8; 32]);
    store.entropy.fill(&mut seed[..]);
    let old_public = a.signing.verifying_key().to_bytes();
    let now = store.clock.now_ms() as i64;

    // One transaction: the move, the records it touched recomputed, the old identity a peer.
    let new = store.write(|w| {
        let (new, label, records) = w.move_to_new_device(old, &new_id, kept_change)?;
        w.replay_records(&records)?;
        // The old identity is a peer now, applied as far as the share holds it as this vault wrote it.
        let reads = crate::sync::format::READER;
        let db = SyncDb::in_write(w);
        db.insert_peer(a.idx, old, &old_public, label.as_deref(), reads, now, Some((kept_seq, &kept_hash)))?;
        db.forget_received_after(a.idx, old, kept_seq)?;
        db.forget_sent(a.idx)?;
        db.set_identity(a.idx, &seed, kept_change)?;
        Ok(new)
    })?;
    store.device = new;
    let detail = format!(
        "a copy of this vault wrote under its device id (from delta {fork_at} on), so this vault now writes as a new \
         device, {}; its changes since then are sent again under the new device, and what the copy wrote is applied \
         here like any other device's. Keep using one copy of the vault only",
        hex(&new_id)
    );
    raise(store, a, old_id, fork_at, "new_identity", &detail, &mut report.alarms)?;
    Ok(new_id)
}
