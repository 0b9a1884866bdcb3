//! The receiver's decisions, as data (docs/formats/delta.md section 6). Pure: the engine
//! gathers what the share lists and what the vault remembers, asks here what to do, then does
//! it. Table tests cover every case without a folder.

use std::collections::BTreeMap;

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
        Name::Record | Name::Temp | Name::Unknown => FileStep::Ignore,
        Name::Delta(seq) if seq > applied_seq => FileStep::Pending(seq),
        Name::Delta(_) if applied_file == Some((len, mtime)) => FileStep::Unchanged,
        Name::Delta(_) => FileStep::Verify,
        Name::ConflictCopy if copy_known => FileStep::Unchanged,
        Name::ConflictCopy => FileStep::Verify,
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

/// Why a delta must wait for its dependencies, or None when they are all applied here.
/// `me`: this device, which has written `my_sent` deltas; `applied`: another device's applied
/// position here.
pub fn unmet_dependency(
    deps: &[([u8; 16], u64)],
    me: &[u8; 16],
    my_sent: u64,
    applied: impl Fn(&[u8; 16]) -> u64,
    hex: impl Fn(&[u8; 16]) -> String,
) -> Option<String> {
    deps.iter().find_map(|(d, s)| {
        if d == me {
            (*s > my_sent).then(|| {
                format!(
                    "it follows delta {s} of this device, which this vault never wrote (restored from an older copy?)"
                )
            })
        } else {
            (applied(d) < *s).then(|| format!("it follows delta {s} of device {}, not applied here yet", hex(d)))
        }
    })
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
        let hex = |d: &[u8; 16]| format!("{:02x}", d[0]);
        assert_eq!(unmet_dependency(&[], &me, 0, applied, hex), None);
        assert_eq!(unmet_dependency(&[(a, 4), (me, 2)], &me, 2, applied, hex), None);
        let w = unmet_dependency(&[(a, 5)], &me, 2, applied, hex).unwrap();
        assert!(w.contains("delta 5 of device 02"), "{w}");
        let w = unmet_dependency(&[(b, 1)], &me, 2, applied, hex).unwrap();
        assert!(w.contains("device 03"), "{w}");
        let w = unmet_dependency(&[(me, 3)], &me, 2, applied, hex).unwrap();
        assert!(w.contains("never wrote"), "{w}");
    }
}
