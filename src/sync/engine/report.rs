//! What `sync` and `share status` report: stable shapes for the CLI's `--json` and the app.

use serde::Serialize;

/// A file that was not used, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// Path relative to the share folder.
    pub file: String,
    pub problem: String,
}

/// A delta received and applied.
#[derive(Debug, Clone, Serialize)]
pub struct Received {
    pub device: String,
    pub label: String,
    pub seq: u64,
    pub changes: u64,
}

/// A device whose next delta cannot be applied yet.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Waiting {
    pub device: String,
    pub label: String,
    /// The sequence number it waits at.
    pub seq: u64,
    /// Why, as a stable name: `missing` (not on the share), `dependency` (it follows a delta not
    /// applied here yet), `other_version` (it follows another version of a delta than the one
    /// applied here), `newer_version` (made by a newer Casebook: update), `no_record` (no valid
    /// device record), `refused` (it breaks a rule; the device's later deltas wait behind it),
    /// `deferred` (this vault failed to apply it; tried again at the next sync), `quarantined`
    /// (its device was proven to have forked its history: nothing from the fork on applies).
    pub state: &'static str,
    pub reason: String,
}

/// Something that needs a person: a device that signed two different files for one sequence
/// number, a changed device key, this vault being older than its own files.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Alarm {
    pub device: String,
    pub seq: u64,
    pub kind: String,
    pub detail: String,
    pub first_seen: String,
}

/// A device whose deltas from a proven fork on are quarantined here (docs/formats/delta.md
/// section 11.2): what they brought was rolled back; a person may accept it, which writes it
/// again as this device's own changes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Quarantined {
    pub device: String,
    pub label: String,
    /// The first quarantined delta (the first sequence number proven forked).
    pub from_seq: u64,
    /// Changes rolled back, and the records they touched.
    pub changes: u64,
    pub records: u64,
    pub voided_at: String,
    /// When a person accepted them (None while open).
    pub accepted_at: Option<String>,
}

/// What `sync` did.
#[derive(Debug, Default, Serialize)]
pub struct SyncReport {
    pub sent_deltas: u64,
    pub sent_changes: u64,
    /// Deltas of ours that were missing from the share and were written again.
    pub republished: u64,
    pub received: Vec<Received>,
    pub received_changes: u64,
    /// Open conflicts after this sync, and how many this sync added.
    pub conflicts: u64,
    pub new_conflicts: u64,
    pub problems: Vec<Problem>,
    pub waiting: Vec<Waiting>,
    /// Alarms raised by this sync (all open alarms: `share status`).
    pub alarms: Vec<Alarm>,
    /// Forked devices this sync quarantined, or whose quarantine it widened.
    pub quarantined: Vec<Quarantined>,
}

/// One device as `share status` shows it.
#[derive(Debug, Serialize)]
pub struct DeviceStatus {
    pub device: String,
    pub label: String,
    pub this_device: bool,
    /// For this device: deltas written; for the others: deltas applied here.
    pub seq: u64,
    /// The highest delta of the device on the share (None when the share is unreachable).
    pub share_seq: Option<u64>,
    /// When this vault last applied a delta of the device (or first saw it).
    pub last_heard: Option<String>,
    /// When the device wrote its last applied delta (its own clock).
    pub last_written: Option<String>,
    /// The first missing delta when later ones are on the share.
    pub gap: Option<u64>,
    /// The newest sync format the device reads (its record; this device: this build's). A
    /// device below the newest keeps the group writing its format (alarm `old_version`).
    pub reads: u16,
    /// In a group with a roster: `coordinator` or `member`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// In a group with a roster: `pending`, `member` or `revoked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// What `share status` shows.
#[derive(Debug, Serialize)]
pub struct Status {
    pub group_id: String,
    pub path: String,
    pub reachable: bool,
    pub unreachable_reason: Option<String>,
    pub devices: Vec<DeviceStatus>,
    pub alarms: Vec<Alarm>,
    /// Every quarantine, open or accepted.
    pub quarantine: Vec<Quarantined>,
    pub conflicts: u64,
    /// In a group with a roster: this device's state (`pending` until approved, `member`,
    /// `revoked` once removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// While pending: the code to read out to the approver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Once approved: the label of the device that approved this one (F16: if it is not the
    /// coordinator the person spoke to, somebody else approved it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// The epoch the group writes under (32 hex digits), `null` while a rotation is needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epoch: Option<String>,
    /// The roster head as four words, to compare with a coordinator by phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roster_head: Option<String>,
}
