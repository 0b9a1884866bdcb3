//! The receiver's decisions, as data (docs/formats/delta.md section 6). Pure: the engine
//! gathers what the share lists and what the vault remembers, asks here what to do, then does
//! it. Table tests cover every case without a folder.

use std::collections::BTreeMap;

use super::format::{Dep, DELTA_V1, DELTA_V2};
use super::share::Name;

/// What to do with one file in another device's folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStep {
    /// The device record, a temp file, or junk reported elsewhere: nothing here.
    Ignore,
    /// A delta beyond what was applied: it waits its turn.
    Pending(u64),
    /// An applied delta whose file is as it was applied (length, modification time): not read.
    Unchanged,
    /// A delta already applied whose file changed, or a sync tool's conflict copy not verified
    /// before: read it and compare with what was applied (a duplicate, or a fork).
    Verify,
    /// A fork proof not verified before: verify it (docs/formats/delta.md section 11).
    Proof,
}

/// `applied_seq`: the device's last applied delta; `applied_file`: (length, mtime) of the file
/// of this number when it was applied; `copy_known`: a conflict copy with this name, size and
/// time was verified before.
pub fn file_step(
    kind: &Name,
    len: u64,
    mtime: i64,
    applied_seq: u64,
    applied_file: Option<(u64, i64)>,
    copy_known: bool,
) -> FileStep {
    match *kind {
        Name::Record | Name::Temp | Name::Unknown | Name::Roster | Name::Request | Name::Blob => FileStep::Ignore,
        Name::Delta(seq) if seq > applied_seq => FileStep::Pending(seq),
        Name::Delta(_) if applied_file == Some((len, mtime)) => FileStep::Unchanged,
        Name::Delta(_) => FileStep::Verify,
        Name::ConflictCopy | Name::ForkProof if copy_known => FileStep::Unchanged,
        Name::ConflictCopy => FileStep::Verify,
        Name::ForkProof => FileStep::Proof,
    }
}

/// What comes next for one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStep {
    /// Its next delta is on the share: try it.
    Try(u64),
    /// Its next delta is not on the share, but a later one is: withheld or not synced yet.
    Missing { next: u64, later: u64 },
    /// Nothing newer on the share.
    UpToDate,
}

pub fn device_step<T>(applied_seq: u64, pending: &BTreeMap<u64, T>) -> DeviceStep {
    use std::ops::Bound::{Excluded, Unbounded};
    let next = applied_seq.saturating_add(1);
    if pending.contains_key(&next) {
        return DeviceStep::Try(next);
    }
    match pending.range((Excluded(next), Unbounded)).next() {
        Some((&later, _)) => DeviceStep::Missing { next, later },
        None => DeviceStep::UpToDate,
    }
}

/// Why a delta must wait for its dependencies (its `Waiting` state and the reason), or None
/// when they are all applied here. `me`: this device, which has written `my_sent` deltas;
/// `applied`: another device's applied position here; `id_of`: the id of a delta applied (or,
/// for `me`, written) here, when the vault knows it. A version-2 dependency names the id of the
/// delta it follows: another id is another version of that delta (a fork of that device, or a
/// false claim of the author), and only the author of the claim waits for it. `forked_at`: the
/// first delta of a device whose fork this vault holds proof of (docs/formats/delta.md section
/// 11): a dependency on it or later counts as met, so that devices that applied different
/// branches of a forked device go on exchanging everything else.
pub fn unmet_dependency(
    deps: &[Dep],
    me: &[u8; 16],
    my_sent: u64,
    applied: impl Fn(&[u8; 16]) -> u64,
    id_of: impl Fn(&[u8; 16], u64) -> Option<[u8; 32]>,
    forked_at: impl Fn(&[u8; 16]) -> Option<u64>,
    hex: impl Fn(&[u8; 16]) -> String,
) -> Option<(&'static str, String)> {
    deps.iter().filter(|d| forked_at(&d.device).is_none_or(|k| d.seq < k)).find_map(|d| {
        let (s, who) = (d.seq, if &d.device == me { "this device".to_string() } else { format!("device {}", hex(&d.device)) });
        let here = if &d.device == me { my_sent } else { applied(&d.device) };
        if here < s {
            return Some(if &d.device == me {
                ("dependency", format!("it follows delta {s} of this device, which this vault never wrote (restored from an older copy?)"))
            } else {
                ("dependency", format!("it follows delta {s} of {who}, not applied here yet"))
            });
        }
        match id_of(&d.device, s) {
            Some(id) if d.id != [0; 32] && id != d.id => Some((
                "other_version",
                format!(
                    "it follows a version of delta {s} of {who} that this device never applied (this device applied \
                     another): that device forked, or the author claims a delta that does not exist"
                ),
            )),
            _ => None,
        }
    })
}

/// The delta format a sender writes next: the newest every peer reads (`reads`, from their
/// records), and never older than what it wrote last (`last`, 0 when nothing yet).
pub fn sender_version(last: u8, reads: impl IntoIterator<Item = u16>) -> u8 {
    let all_read = reads.into_iter().min().unwrap_or(u16::from(DELTA_V2));
    let newest = if all_read >= u16::from(DELTA_V2) { DELTA_V2 } else { DELTA_V1 };
    newest.max(last)
}

/// The dependencies a delta of `version` carries, from the author's full vector `full`: all of
/// it in version 1 and in the first version-2 delta (`prev_full` None: the previous delta was
/// of version 1, or there is none); in later ones only the entries that changed.
pub fn written_deps(full: &[Dep], prev_full: Option<&[Dep]>, version: u8) -> Vec<Dep> {
    match prev_full {
        Some(prev) if version >= DELTA_V2 => full.iter().filter(|d| !prev.contains(d)).copied().collect(),
        _ => full.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_a_device_folder() {
        let d = Name::Delta;
        type Case = (&'static str, Name, Option<(u64, i64)>, bool, FileStep);
        let cases: &[Case] = &[
            ("the device record", Name::Record, None, false, FileStep::Ignore),
            ("a sync tool's temp file", Name::Temp, None, false, FileStep::Ignore),
            ("junk (reported with the listing)", Name::Unknown, None, false, FileStep::Ignore),
            ("the next delta", d(6), None, false, FileStep::Pending(6)),
            ("a later delta", d(9), None, false, FileStep::Pending(9)),
            ("an applied delta as it was", d(5), Some((100, 7)), false, FileStep::Unchanged),
            ("an applied delta of another length", d(5), Some((99, 7)), false, FileStep::Verify),
            ("an applied delta touched (mtime)", d(5), Some((100, 8)), false, FileStep::Verify),
            ("an applied delta never remembered", d(3), None, false, FileStep::Verify),
            ("a conflict copy seen before", Name::ConflictCopy, None, true, FileStep::Unchanged),
            ("a new conflict copy", Name::ConflictCopy, None, false, FileStep::Verify),
            ("a fork proof seen before", Name::ForkProof, None, true, FileStep::Unchanged),
            ("a new fork proof", Name::ForkProof, None, false, FileStep::Proof),
        ];
        for (what, kind, applied_file, known, expect) in cases {
            assert_eq!(file_step(kind, 100, 7, 5, *applied_file, *known), *expect, "{what}");
        }
    }

    #[test]
    fn next_step_of_a_device() {
        let pending = |seqs: &[u64]| seqs.iter().map(|&s| (s, ())).collect::<BTreeMap<u64, ()>>();
        assert_eq!(device_step(5, &pending(&[6, 7])), DeviceStep::Try(6));
        assert_eq!(device_step(5, &pending(&[7, 9])), DeviceStep::Missing { next: 6, later: 7 });
        assert_eq!(device_step(5, &pending(&[])), DeviceStep::UpToDate);
        assert_eq!(device_step(0, &pending(&[1])), DeviceStep::Try(1));
        assert_eq!(device_step(u64::MAX - 1, &pending(&[])), DeviceStep::UpToDate);
    }

    #[test]
    fn dependencies() {
        let (me, a, b) = ([1u8; 16], [2u8; 16], [3u8; 16]);
        let applied = |d: &[u8; 16]| if *d == a { 4 } else { 0 };
        // What this vault applied (a:1..=4) and wrote (me:1..=2): delta (d, s) has id [s; 32].
        let id_of = |d: &[u8; 16], s: u64| ((*d == a && s <= 4) || (*d == me && s <= 2)).then_some([s as u8; 32]);
        let hex = |d: &[u8; 16]| format!("{:02x}", d[0]);
        let dep = |device: [u8; 16], seq: u64, id: u8| Dep { device, seq, id: [id; 32] };
        let no_fork = |_: &[u8; 16]| None;
        let check = |deps: &[Dep]| unmet_dependency(deps, &me, 2, applied, id_of, no_fork, hex);
        type Case = (&'static str, Vec<Dep>, Option<(&'static str, &'static str)>);
        let cases: Vec<Case> = vec![
            ("none", vec![], None),
            ("applied, v1 (no ids)", vec![dep(a, 4, 0), dep(me, 2, 0)], None),
            ("applied, same ids", vec![dep(a, 4, 4), dep(me, 2, 2)], None),
            ("an older applied delta, its id", vec![dep(a, 3, 3)], None),
            ("not applied yet", vec![dep(a, 5, 5)], Some(("dependency", "delta 5 of device 02"))),
            ("an unknown device", vec![dep(b, 1, 1)], Some(("dependency", "device 03"))),
            ("ours, never written", vec![dep(me, 3, 3)], Some(("dependency", "never wrote"))),
            ("another version of a peer's", vec![dep(a, 4, 9)], Some(("other_version", "delta 4 of device 02"))),
            ("another version of ours", vec![dep(me, 1, 9)], Some(("other_version", "delta 1 of this device"))),
        ];
        for (what, deps, expect) in cases {
            let got = check(&deps);
            match (expect, got) {
                (None, None) => {}
                (Some((state, words)), Some((s, w))) => {
                    assert_eq!(s, state, "{what}");
                    assert!(w.contains(words), "{what}: {w}");
                }
                (e, g) => panic!("{what}: expected {e:?}, got {g:?}"),
            }
        }
        // The id of an applied delta this vault does not know (applied before it kept ids) is
        // no evidence either way.
        assert_eq!(unmet_dependency(&[dep(a, 4, 9)], &me, 2, applied, |_: &[u8; 16], _| None, no_fork, hex), None);
        // A device proven to have forked at delta 4: a dependency on its delta 4 or later is
        // met (another version, or one never applied here); one before the fork still counts.
        let forked = |d: &[u8; 16]| (*d == a).then_some(4);
        for deps in [vec![dep(a, 4, 9)], vec![dep(a, 6, 6)]] {
            assert_eq!(unmet_dependency(&deps, &me, 2, applied, id_of, forked, hex), None, "{deps:?}");
        }
        let w = unmet_dependency(&[dep(a, 3, 9)], &me, 2, applied, id_of, forked, hex).unwrap();
        assert_eq!(w.0, "other_version");
    }

    #[test]
    fn what_a_sender_writes() {
        assert_eq!(sender_version(0, []), DELTA_V2, "alone in the group");
        assert_eq!(sender_version(0, [2, 2]), DELTA_V2);
        assert_eq!(sender_version(0, [2, 1]), DELTA_V1, "a peer reads only version 1");
        assert_eq!(sender_version(1, [2, 1]), DELTA_V1);
        assert_eq!(sender_version(2, [2, 1]), DELTA_V2, "never back to an older version");
        assert_eq!(sender_version(1, [3, 2]), DELTA_V2, "no newer than this build writes");
        let dep = |d: u8, seq: u64| Dep { device: [d; 16], seq, id: [seq as u8; 32] };
        let full = vec![dep(1, 4), dep(2, 7), dep(3, 1)];
        assert_eq!(written_deps(&full, None, DELTA_V2), full, "a first version-2 delta names all");
        assert_eq!(written_deps(&full, Some(&[dep(1, 4), dep(2, 6)]), DELTA_V2), vec![dep(2, 7), dep(3, 1)]);
        assert_eq!(written_deps(&full, Some(&full), DELTA_V2), vec![], "nothing changed");
        assert_eq!(written_deps(&full, Some(&[dep(1, 4)]), DELTA_V1), full, "version 1 names all");
    }
}
