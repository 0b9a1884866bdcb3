//! Per-field clocks of a record and the last-writer-wins rule. Pure: no SQL.
//!
//! A record row stores the clock of its creation (`hlc`, `device`) and, in `clocks`, only the
//! fields changed since: 13 bytes each (field code, HLC big-endian, device index big-endian),
//! sorted by field. A freshly created record costs no clock bytes at all.

use super::hlc::Hlc;

/// When and where a field's value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldClock {
    pub hlc: Hlc,
    /// Local index of the device (the `devices` table); ties between equal HLCs are broken by
    /// the device's 16-byte id, which the caller compares when indices differ.
    pub device: u32,
}

const ENTRY: usize = 13;

/// Decoded field clocks of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordClocks {
    pub created: FieldClock,
    entries: Vec<(u8, FieldClock)>,
}

impl RecordClocks {
    /// Clocks of a record created at `created` with no later changes.
    pub fn new(created: FieldClock) -> Self {
        RecordClocks { created, entries: Vec::new() }
    }

    /// Decodes the `clocks` column; malformed bytes (never written by us) are ignored entry by
    /// entry rather than trusted.
    pub fn decode(created: FieldClock, blob: Option<&[u8]>) -> Self {
        let mut entries = Vec::new();
        for e in blob.unwrap_or_default().chunks_exact(ENTRY) {
            let hlc = Hlc(u64::from_be_bytes(e[1..9].try_into().expect("8 bytes")));
            let device = u32::from_be_bytes(e[9..13].try_into().expect("4 bytes"));
            entries.push((e[0], FieldClock { hlc, device }));
        }
        entries.sort_by_key(|e| e.0);
        entries.dedup_by_key(|e| e.0);
        RecordClocks { created, entries }
    }

    /// Encodes for the `clocks` column (None when no field changed since creation).
    pub fn encode(&self) -> Option<Vec<u8>> {
        if self.entries.is_empty() {
            return None;
        }
        let mut out = Vec::with_capacity(self.entries.len() * ENTRY);
        for (field, c) in &self.entries {
            out.push(*field);
            out.extend_from_slice(&c.hlc.0.to_be_bytes());
            out.extend_from_slice(&c.device.to_be_bytes());
        }
        Some(out)
    }

    /// The clock of the value `field` holds now.
    pub fn get(&self, field: u8) -> FieldClock {
        match self.entries.binary_search_by_key(&field, |e| e.0) {
            Ok(i) => self.entries[i].1,
            Err(_) => self.created,
        }
    }

    /// Maps every clock (the creation's and each field's) through `f` (a device's changes
    /// moving to a new device identity).
    pub fn relabel(&mut self, f: impl Fn(FieldClock) -> FieldClock) {
        self.created = f(self.created);
        for e in &mut self.entries {
            e.1 = f(e.1);
        }
    }

    /// Records that `field` was written at `clock`.
    pub fn set(&mut self, field: u8, clock: FieldClock) {
        match self.entries.binary_search_by_key(&field, |e| e.0) {
            Ok(i) => self.entries[i].1 = clock,
            Err(i) => self.entries.insert(i, (field, clock)),
        }
    }
}

/// Last writer wins: an incoming write replaces the current value when its HLC is later, or
/// equal and its device id is greater. `device_id` maps a local device index to its 16-byte id.
pub fn incoming_wins(current: FieldClock, incoming: FieldClock, device_id: impl Fn(u32) -> [u8; 16]) -> bool {
    match incoming.hlc.cmp(&current.hlc) {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => device_id(incoming.device) > device_id(current.device),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(hlc: u64, device: u32) -> FieldClock {
        FieldClock { hlc: Hlc(hlc), device }
    }

    #[test]
    fn fresh_record_has_no_clock_bytes_and_reports_its_creation_clock() {
        let r = RecordClocks::new(c(5, 1));
        assert_eq!(r.encode(), None);
        assert_eq!(r.get(9), c(5, 1));
    }

    #[test]
    fn set_get_and_round_trip() {
        let mut r = RecordClocks::new(c(5, 1));
        r.set(9, c(7, 2));
        r.set(3, c(6, 1));
        r.set(9, c(8, 2));
        let blob = r.encode().unwrap();
        assert_eq!(blob.len(), 26);
        let back = RecordClocks::decode(c(5, 1), Some(&blob));
        assert_eq!(back, r);
        assert_eq!(back.get(9), c(8, 2));
        assert_eq!(back.get(1), c(5, 1));
    }

    #[test]
    fn malformed_clock_bytes_do_not_panic() {
        let r = RecordClocks::decode(c(1, 1), Some(&[1, 2, 3]));
        assert_eq!(r.get(1), c(1, 1));
    }

    #[test]
    fn last_writer_wins_with_device_id_tie_break_in_both_orders() {
        let ids = |d: u32| [d as u8; 16];
        assert!(incoming_wins(c(1, 1), c(2, 1), ids));
        assert!(!incoming_wins(c(2, 1), c(1, 2), ids));
        assert!(incoming_wins(c(2, 1), c(2, 2), ids));
        assert!(!incoming_wins(c(2, 2), c(2, 1), ids));
    }
}
