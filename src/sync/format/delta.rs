//! Deltas (docs/formats/delta.md sections 4 and 5): the header of both versions, the body and
//! its changes. Version 1 signs the whole file; version 2 signs a header that holds the SHA-256
//! of the sealed body, so the file's first 260 bytes (its **receipt**) prove which version of a
//! delta its author signed, and a delta's **id** is the SHA-256 of that signed header.

use sha2::{Digest, Sha256};

use super::{check_prefix, prefix_v, Bad, Cursor, KIND_DELTA, MAX_SEALED, MIN_PADDED, SIGNATURE_LEN, TAG};
use crate::model::{table_by_code, FieldKind, Value, DELETED};

pub const DELTA_V1: u8 = 1;
pub const DELTA_V2: u8 = 2;
/// The reader version of this build: a version-2 delta whose `min_reader` is higher waits.
pub const READER: u16 = 2;
/// The rules version this build writes and checks (section 6.1).
pub const RULES: u16 = 1;
/// Version 1: bytes before the sealed body (the AEAD's associated data and the header).
pub const DELTA_HEADER: usize = 112;
/// Version 2: the associated data (`0..164`), the signed header (`0..196`) and the receipt
/// (signed header and signature, `0..260`), after which the sealed body follows.
pub const DELTA_AAD_V2: usize = 164;
pub const DELTA_SIGNED_V2: usize = 196;
pub const RECEIPT_LEN: usize = DELTA_SIGNED_V2 + SIGNATURE_LEN;
pub const MAX_DEPS: usize = 4096;
pub const MAX_DEVICES: usize = 4096;
pub const MAX_CHANGES: usize = 1_000_000;
pub const MAX_VALUE: usize = 1024 * 1024;
/// Clocks must be below 2^63 (milliseconds below 2^47, the year 6429): a clock at the top of
/// the range would leave no later clock for the edits that must follow it.
pub const MAX_HLC: u64 = 1 << 63;

/// The readable header of a delta. Fields a version does not have are zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaHeader {
    pub version: u8,
    pub group: [u8; 16],
    pub epoch: u32,
    /// Version 2: the membership epoch the author wrote under (zero until the group has a roster).
    pub epoch_id: [u8; 16],
    /// Version 2: the roster entry the author had applied last (zero until the group has a roster).
    pub roster_head: [u8; 32],
    pub device: [u8; 16],
    pub seq: u64,
    /// The id of the author's delta `seq − 1` (zero for `seq` = 1).
    pub prev: [u8; 32],
    /// Version 2: the rules the author followed, and the oldest reader that may apply the delta.
    pub rules: u16,
    pub min_reader: u16,
    pub nonce: [u8; 24],
    /// Version 2: SHA-256 of the sealed body.
    pub body_hash: [u8; 32],
}

impl DeltaHeader {
    /// A header of `version` with the fields that are not derived from the body.
    pub fn new(version: u8, group: [u8; 16], epoch: u32, device: [u8; 16], seq: u64, prev: [u8; 32]) -> Self {
        let v2 = version >= DELTA_V2;
        DeltaHeader {
            version,
            group,
            epoch,
            epoch_id: [0; 16],
            roster_head: [0; 32],
            device,
            seq,
            prev,
            rules: if v2 { RULES } else { 0 },
            min_reader: if v2 { READER } else { 0 },
            nonce: [0; 24],
            body_hash: [0; 32],
        }
    }
}

/// A structurally valid delta, its parts located.
pub struct DeltaParts<'a> {
    pub header: DeltaHeader,
    /// The AEAD's associated data.
    pub aad: &'a [u8],
    pub sealed_body: &'a [u8],
    /// What the signature covers: the whole file before it (v1), the header (v2).
    pub signed: &'a [u8],
    pub signature: [u8; 64],
    /// The delta's id: SHA-256 of the whole file (v1), of the signed header (v2).
    pub id: [u8; 32],
    /// Version 2: the receipt (signed header and signature).
    pub receipt: Option<&'a [u8]>,
}

/// The header bytes the nonce is derived from (with the padded plaintext): everything before it.
pub fn encode_delta_ident(h: &DeltaHeader) -> Vec<u8> {
    let mut out = Vec::with_capacity(DELTA_SIGNED_V2);
    out.extend_from_slice(&prefix_v(KIND_DELTA, h.version));
    out.extend_from_slice(&h.group);
    out.extend_from_slice(&h.epoch.to_be_bytes());
    if h.version >= DELTA_V2 {
        out.extend_from_slice(&h.epoch_id);
        out.extend_from_slice(&h.roster_head);
    }
    out.extend_from_slice(&h.device);
    out.extend_from_slice(&h.seq.to_be_bytes());
    out.extend_from_slice(&h.prev);
    if h.version >= DELTA_V2 {
        out.extend_from_slice(&h.rules.to_be_bytes());
        out.extend_from_slice(&h.min_reader.to_be_bytes());
    }
    out
}

/// The associated data of a delta whose sealed body will be `sealed_len` bytes (v1: `0..112`,
/// the bytes before the sealed body; v2: `0..164`, the header before the body hash).
pub fn encode_delta_head(h: &DeltaHeader, sealed_len: usize) -> Vec<u8> {
    let mut out = encode_delta_ident(h);
    out.extend_from_slice(&h.nonce);
    out.extend_from_slice(&(sealed_len as u32).to_be_bytes());
    out
}

/// Parses a delta's header only (enough to know whose it is and which sequence number), with
/// the length checks; the body is neither verified nor opened.
pub fn decode_delta(bytes: &[u8]) -> Result<DeltaParts<'_>, Bad> {
    let version = check_prefix(bytes, KIND_DELTA)?;
    let v2 = version >= DELTA_V2;
    let mut c = Cursor::new(bytes);
    c.take(8)?;
    let group = c.array()?;
    let epoch = c.u32()?;
    let (epoch_id, roster_head) = if v2 { (c.array()?, c.array()?) } else { ([0; 16], [0; 32]) };
    let device = c.array()?;
    let seq = c.u64()?;
    let prev = c.array()?;
    let (rules, min_reader) = if v2 { (c.u16()?, c.u16()?) } else { (0, 0) };
    let nonce = c.array()?;
    let sealed_len = c.u32()? as usize;
    let body_hash = if v2 { c.array()? } else { [0; 32] };
    if epoch == 0 {
        return Err(Bad::new("key epoch 0 does not exist"));
    }
    if seq == 0 {
        return Err(Bad::new("sequence number 0 does not exist (they start at 1)"));
    }
    if seq == 1 && prev != [0; 32] {
        return Err(Bad::new("the first delta of a device cannot follow another"));
    }
    if v2 && rules == 0 {
        return Err(Bad::new("rules version 0 does not exist"));
    }
    if v2 && min_reader < u16::from(DELTA_V2) {
        return Err(Bad::new(format!("a version-2 delta cannot be read by reader version {min_reader}")));
    }
    if !(MIN_PADDED + TAG..=MAX_SEALED).contains(&sealed_len) {
        return Err(Bad::new(format!(
            "the sealed body length {sealed_len} is outside {}..={MAX_SEALED}",
            MIN_PADDED + TAG
        )));
    }
    let fixed = if v2 { RECEIPT_LEN } else { DELTA_HEADER + SIGNATURE_LEN };
    let expected = fixed + sealed_len;
    if bytes.len() != expected {
        return Err(Bad::new(format!(
            "the header announces a file of {expected} bytes, this one has {} (truncated or appended to)",
            bytes.len()
        )));
    }
    let header = DeltaHeader {
        version,
        group,
        epoch,
        epoch_id,
        roster_head,
        device,
        seq,
        prev,
        rules,
        min_reader,
        nonce,
        body_hash,
    };
    if v2 {
        let signature = c.array()?;
        let sealed_body = c.take(sealed_len)?;
        Ok(DeltaParts {
            header,
            aad: &bytes[..DELTA_AAD_V2],
            sealed_body,
            signed: &bytes[..DELTA_SIGNED_V2],
            signature,
            id: Sha256::digest(&bytes[..DELTA_SIGNED_V2]).into(),
            receipt: Some(&bytes[..RECEIPT_LEN]),
        })
    } else {
        let sealed_body = c.take(sealed_len)?;
        let signature = c.array()?;
        Ok(DeltaParts {
            header,
            aad: &bytes[..DELTA_HEADER],
            sealed_body,
            signed: &bytes[..DELTA_HEADER + sealed_len],
            signature,
            id: Sha256::digest(bytes).into(),
            receipt: None,
        })
    }
}

/// A fork proof file: the prefix and two receipts (docs/formats/delta.md section 11).
pub const FORK_PROOF_LEN: usize = 8 + 2 * RECEIPT_LEN;

/// The fork proof of two receipts (in the order of their ids, so that every device that holds
/// both writes the same bytes).
pub fn encode_fork_proof(a: &[u8], b: &[u8]) -> Vec<u8> {
    let id = |r: &[u8]| -> [u8; 32] { Sha256::digest(&r[..DELTA_SIGNED_V2.min(r.len())]).into() };
    let (first, second) = if id(a) <= id(b) { (a, b) } else { (b, a) };
    let mut out = super::prefix(super::KIND_FORK_PROOF).to_vec();
    out.extend_from_slice(first);
    out.extend_from_slice(second);
    out
}

/// The two receipts of a fork proof (structure only: `seal::verify_fork_proof` checks them).
pub fn decode_fork_proof(bytes: &[u8]) -> Result<(&[u8], &[u8]), Bad> {
    check_prefix(bytes, super::KIND_FORK_PROOF)?;
    if bytes.len() != FORK_PROOF_LEN {
        return Err(Bad::new(format!("a fork proof has {FORK_PROOF_LEN} bytes, this one {}", bytes.len())));
    }
    Ok((&bytes[8..8 + RECEIPT_LEN], &bytes[8 + RECEIPT_LEN..]))
}

/// A field clock as carried in a delta: HLC and an index into the body's device table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireClock {
    pub hlc: u64,
    pub device: u16,
}

/// One change as carried in a delta (its device is the author).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireChange {
    pub table: u8,
    pub record: [u8; 16],
    pub field: u8,
    pub hlc: u64,
    pub prev: Option<WireClock>,
    pub supersedes: Vec<WireClock>,
    pub value: Value,
}

/// A dependency: the author had applied `device`'s deltas up to `seq`, the last of them with
/// the id `id` (version 2; zero in version 1, which names no ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dep {
    pub device: [u8; 16],
    pub seq: u64,
    pub id: [u8; 32],
}

/// A delta's decrypted, decompressed body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub created_ms: u64,
    /// Sorted by device id. Version 1: every device the author had applied; version 2: only
    /// those whose applied position changed since the author's previous delta.
    pub deps: Vec<Dep>,
    /// Device table; entry 0 is the author.
    pub devices: Vec<[u8; 16]>,
    pub changes: Vec<WireChange>,
}

/// The encoded length of one change (section 5.2.1 of docs/formats/delta.md).
pub fn change_len(c: &WireChange) -> usize {
    let value = match &c.value {
        Value::Null => 1,
        Value::Int(_) => 9,
        Value::Text(t) => 5 + t.len(),
        Value::Blob(b) => 5 + b.len(),
    };
    27 + c.prev.map_or(0, |_| 10) + if c.supersedes.is_empty() { 0 } else { 1 + 10 * c.supersedes.len() } + value
}

fn dep_len(version: u8) -> usize {
    if version >= DELTA_V2 {
        56
    } else {
        24
    }
}

pub fn encode_body(b: &Body, version: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + b.changes.len() * 48);
    out.extend_from_slice(&b.created_ms.to_be_bytes());
    out.extend_from_slice(&(b.deps.len() as u16).to_be_bytes());
    for d in &b.deps {
        out.extend_from_slice(&d.device);
        out.extend_from_slice(&d.seq.to_be_bytes());
        if version >= DELTA_V2 {
            out.extend_from_slice(&d.id);
        }
    }
    out.extend_from_slice(&(b.devices.len() as u16).to_be_bytes());
    for d in &b.devices {
        out.extend_from_slice(d);
    }
    out.extend_from_slice(&(b.changes.len() as u32).to_be_bytes());
    for c in &b.changes {
        out.push(c.table);
        out.extend_from_slice(&c.record);
        out.push(c.field);
        out.extend_from_slice(&c.hlc.to_be_bytes());
        let flags = u8::from(c.prev.is_some()) | (u8::from(!c.supersedes.is_empty()) << 1);
        out.push(flags);
        let clock = |out: &mut Vec<u8>, w: &WireClock| {
            out.extend_from_slice(&w.hlc.to_be_bytes());
            out.extend_from_slice(&w.device.to_be_bytes());
        };
        if let Some(p) = &c.prev {
            clock(&mut out, p);
        }
        if !c.supersedes.is_empty() {
            out.push(c.supersedes.len() as u8);
            for s in &c.supersedes {
                clock(&mut out, s);
            }
        }
        match &c.value {
            Value::Null => out.push(0),
            Value::Int(i) => {
                out.push(1);
                out.extend_from_slice(&i.to_be_bytes());
            }
            Value::Text(t) => {
                out.push(2);
                out.extend_from_slice(&(t.len() as u32).to_be_bytes());
                out.extend_from_slice(t.as_bytes());
            }
            Value::Blob(b) => {
                out.push(3);
                out.extend_from_slice(&(b.len() as u32).to_be_bytes());
                out.extend_from_slice(b);
            }
        }
    }
    out
}

/// Decodes and checks a body of `version`: counts within bounds, device ids and dependencies
/// well formed, every change's field known to its table with a value of a fitting type, no
/// change naming its own clock. `author` is the header's device id.
pub fn decode_body(bytes: &[u8], author: &[u8; 16], version: u8) -> Result<Body, Bad> {
    let mut c = Cursor::new(bytes);
    let created_ms = c.u64()?;
    let dep_count = c.u16()? as usize;
    if dep_count > MAX_DEPS {
        return Err(Bad::new(format!("{dep_count} dependencies (at most {MAX_DEPS})")));
    }
    if dep_count > c.remaining() / dep_len(version) {
        return Err(Bad::new(format!("{dep_count} dependencies announced, the data holds fewer")));
    }
    let mut deps: Vec<Dep> = Vec::with_capacity(dep_count);
    for _ in 0..dep_count {
        let device: [u8; 16] = c.array()?;
        let seq = c.u64()?;
        let id = if version >= DELTA_V2 { c.array()? } else { [0; 32] };
        if &device == author {
            return Err(Bad::new("a delta cannot depend on its own author"));
        }
        if deps.last().is_some_and(|prev| prev.device >= device) {
            return Err(Bad::new("dependencies are not in strictly increasing device order"));
        }
        if version >= DELTA_V2 && seq == 0 {
            return Err(Bad::new("a dependency on delta 0, which does not exist"));
        }
        if version >= DELTA_V2 && id == [0; 32] {
            return Err(Bad::new("a dependency without the id of the delta it follows"));
        }
        deps.push(Dep { device, seq, id });
    }
    let dev_count = c.u16()? as usize;
    if dev_count == 0 || dev_count > MAX_DEVICES {
        return Err(Bad::new(format!("device table of {dev_count} entries (1..={MAX_DEVICES})")));
    }
    if dev_count > c.remaining() / 16 {
        return Err(Bad::new(format!("a device table of {dev_count} announced, the data holds fewer")));
    }
    let mut devices: Vec<[u8; 16]> = Vec::with_capacity(dev_count);
    for _ in 0..dev_count {
        devices.push(c.array()?);
    }
    if &devices[0] != author {
        return Err(Bad::new("the first entry of the device table is not the author"));
    }
    let mut sorted = devices.clone();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err(Bad::new("the device table names a device twice"));
    }
    let change_count = c.u32()? as usize;
    if change_count == 0 || change_count > MAX_CHANGES {
        return Err(Bad::new(format!("{change_count} changes (1..={MAX_CHANGES})")));
    }
    // Each change takes at least 28 bytes: refuse counts the data cannot hold before allocating.
    if change_count > c.remaining() / 28 {
        return Err(Bad::new(format!("{change_count} changes announced, the data holds fewer")));
    }
    let mut changes = Vec::with_capacity(change_count);
    for i in 0..change_count {
        changes.push(decode_change(&mut c, dev_count).map_err(|b| Bad::new(format!("change {}: {b}", i + 1)))?);
    }
    if c.remaining() != 0 {
        return Err(Bad::new(format!("{} bytes after the last change", c.remaining())));
    }
    Ok(Body { created_ms, deps, devices, changes })
}

fn decode_change(c: &mut Cursor<'_>, dev_count: usize) -> Result<WireChange, Bad> {
    let table_code = c.u8()?;
    let table = table_by_code(table_code).ok_or_else(|| Bad::new(format!("unknown record kind {table_code}")))?;
    let record: [u8; 16] = c.array()?;
    let field = c.u8()?;
    let hlc = c.u64()?;
    if hlc >= MAX_HLC {
        return Err(Bad::new("a clock beyond the year 6429"));
    }
    let flags = c.u8()?;
    if flags & !3 != 0 {
        return Err(Bad::new(format!("unknown flags {flags:#04x}")));
    }
    let clock = |c: &mut Cursor<'_>| -> Result<WireClock, Bad> {
        let w = WireClock { hlc: c.u64()?, device: c.u16()? };
        if usize::from(w.device) >= dev_count {
            return Err(Bad::new(format!("device index {} outside the table of {dev_count}", w.device)));
        }
        if w.hlc == hlc && w.device == 0 {
            // Its own clock: a change cannot replace itself. (A named clock may be later than
            // the change's own: the merge follows names, not clocks, section 7.)
            return Err(Bad::new("names its own clock"));
        }
        Ok(w)
    };
    let prev = if flags & 1 != 0 { Some(clock(c)?) } else { None };
    let mut supersedes = Vec::new();
    if flags & 2 != 0 {
        let n = c.u8()?;
        if n == 0 {
            return Err(Bad::new("an empty supersedes list must be left out"));
        }
        for _ in 0..n {
            supersedes.push(clock(c)?);
        }
    }
    let tag = c.u8()?;
    let value = match tag {
        0 => Value::Null,
        1 => Value::Int(i64::from_be_bytes(c.array()?)),
        2 | 3 => {
            let len = c.u32()? as usize;
            if len > MAX_VALUE {
                return Err(Bad::new(format!("a value of {len} bytes (at most {MAX_VALUE})")));
            }
            let bytes = c.take(len)?;
            if tag == 2 {
                Value::Text(
                    std::str::from_utf8(bytes).map_err(|_| Bad::new("a text value is not valid UTF-8"))?.to_string(),
                )
            } else {
                Value::Blob(bytes.to_vec())
            }
        }
        t => return Err(Bad::new(format!("unknown value type {t}"))),
    };
    let fits = if field == DELETED {
        matches!(value, Value::Int(0 | 1))
    } else {
        let def = table
            .field_by_code(field)
            .ok_or_else(|| Bad::new(format!("{} has no field with code {field}", table.noun)))?;
        match def.kind {
            FieldKind::Bool => matches!(value, Value::Int(0 | 1) | Value::Null),
            FieldKind::Ref => matches!(&value, Value::Blob(b) if b.len() == 16) || value == Value::Null,
            _ => matches!(value, Value::Text(_) | Value::Null),
        }
    };
    if !fits {
        return Err(Bad::new(format!("field {field} of a {} cannot hold this type of value", table.noun)));
    }
    Ok(WireChange { table: table_code, record, field, hlc, prev, supersedes, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Body {
        Body {
            created_ms: 7,
            deps: vec![Dep { device: [1; 16], seq: 3, id: [0; 32] }],
            devices: vec![[9; 16], [1; 16]],
            changes: vec![
                WireChange {
                    table: 1,
                    record: [5; 16],
                    field: 1,
                    hlc: 100,
                    prev: Some(WireClock { hlc: 90, device: 1 }),
                    supersedes: vec![WireClock { hlc: 80, device: 0 }],
                    value: Value::Text("Иван".into()),
                },
                WireChange {
                    table: 3,
                    record: [6; 16],
                    field: 0,
                    hlc: 101,
                    prev: None,
                    supersedes: vec![],
                    value: Value::Int(1),
                },
            ],
        }
    }

    #[test]
    fn body_round_trips_in_both_versions_and_every_truncation_is_refused() {
        for version in [DELTA_V1, DELTA_V2] {
            let mut b = body();
            if version == DELTA_V2 {
                b.deps[0].id = [0xd1; 32];
            }
            let bytes = encode_body(&b, version);
            assert_eq!(decode_body(&bytes, &[9; 16], version).unwrap(), b);
            for n in 0..bytes.len() {
                assert!(decode_body(&bytes[..n], &[9; 16], version).is_err(), "truncated to {n}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert!(decode_body(&longer, &[9; 16], version).is_err());
            assert!(decode_body(&bytes, &[1; 16], version).is_err(), "author must be entry 0");
            let other = if version == DELTA_V1 { DELTA_V2 } else { DELTA_V1 };
            assert!(decode_body(&bytes, &[9; 16], other).is_err(), "read as the other version");
        }
    }

    #[test]
    fn a_v2_dependency_on_delta_0_or_out_of_order_is_refused() {
        let mut b = body();
        b.deps[0].id = [1; 32];
        b.deps[0].seq = 0;
        assert!(decode_body(&encode_body(&b, DELTA_V2), &[9; 16], DELTA_V2).unwrap_err().0.contains("delta 0"));
        let b = body();
        assert!(decode_body(&encode_body(&b, DELTA_V2), &[9; 16], DELTA_V2).unwrap_err().0.contains("without the id"));
        let mut b = body();
        b.deps = vec![Dep { device: [3; 16], seq: 1, id: [1; 32] }, Dep { device: [2; 16], seq: 1, id: [1; 32] }];
        b.changes.truncate(1);
        assert!(decode_body(&encode_body(&b, DELTA_V2), &[9; 16], DELTA_V2).unwrap_err().0.contains("increasing"));
    }

    fn v2_file(h: &DeltaHeader, sealed_len: usize) -> Vec<u8> {
        let mut out = encode_delta_head(h, sealed_len);
        assert_eq!(out.len(), DELTA_AAD_V2);
        out.extend_from_slice(&h.body_hash);
        out.extend_from_slice(&[0x51; SIGNATURE_LEN]);
        out.extend_from_slice(&vec![0xbb; sealed_len]);
        out
    }

    #[test]
    fn a_v2_header_round_trips_and_its_receipt_is_the_first_260_bytes() {
        let mut h = DeltaHeader::new(DELTA_V2, [1; 16], 1, [2; 16], 7, [3; 32]);
        h.epoch_id = [4; 16];
        h.roster_head = [5; 32];
        h.nonce = [6; 24];
        h.body_hash = [7; 32];
        let bytes = v2_file(&h, 400);
        let parts = decode_delta(&bytes).unwrap();
        assert_eq!(parts.header, h);
        assert_eq!(parts.receipt.unwrap(), &bytes[..RECEIPT_LEN]);
        assert_eq!(parts.signed, &bytes[..DELTA_SIGNED_V2]);
        assert_eq!(parts.sealed_body.len(), 400);
        assert_eq!(parts.id, <[u8; 32]>::from(Sha256::digest(&bytes[..DELTA_SIGNED_V2])));
        for n in [0, 8, 100, 195, 259, bytes.len() - 1] {
            assert!(decode_delta(&bytes[..n]).is_err(), "truncated to {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_delta(&longer).is_err());
        // Field checks: rules 0, a reader below 2, a first delta that follows another.
        let bad = |f: &dyn Fn(&mut DeltaHeader)| {
            let mut h2 = h.clone();
            f(&mut h2);
            decode_delta(&v2_file(&h2, 400)).err().map(|b| b.0)
        };
        assert!(bad(&|h| h.rules = 0).unwrap().contains("rules version 0"));
        assert!(bad(&|h| h.min_reader = 1).unwrap().contains("reader version 1"));
        assert!(bad(&|h| h.seq = 1).unwrap().contains("cannot follow"));
        assert!(bad(&|h| h.seq = 0).unwrap().contains("sequence number 0"));
        let mut newer = h.clone();
        newer.min_reader = 3;
        assert_eq!(decode_delta(&v2_file(&newer, 400)).unwrap().header.min_reader, 3, "decodes: the reader decides");
    }

    #[test]
    fn values_of_the_wrong_type_and_a_change_naming_itself_are_refused() {
        let mut b = body();
        b.changes[0].value = Value::Int(3);
        assert!(decode_body(&encode_body(&b, DELTA_V1), &[9; 16], DELTA_V1).unwrap_err().0.contains("cannot hold"));
        let mut b = body();
        b.changes[0].prev = Some(WireClock { hlc: 100, device: 0 });
        assert!(decode_body(&encode_body(&b, DELTA_V1), &[9; 16], DELTA_V1).unwrap_err().0.contains("its own clock"));
        // A later clock of another device, or of the author, may be named (a far-future value
        // that this change replaces): the merge follows names, not clocks.
        for named in [WireClock { hlc: (1 << 63) - 2, device: 1 }, WireClock { hlc: 100, device: 1 }] {
            let mut b = body();
            b.changes[0].prev = Some(named);
            assert_eq!(
                decode_body(&encode_body(&b, DELTA_V1), &[9; 16], DELTA_V1).unwrap().changes[0].prev,
                Some(named)
            );
        }
        let mut b = body();
        b.changes[0].field = 200;
        assert!(decode_body(&encode_body(&b, DELTA_V1), &[9; 16], DELTA_V1).is_err());
        let mut b = body();
        b.changes[1].value = Value::Int(2);
        assert!(decode_body(&encode_body(&b, DELTA_V1), &[9; 16], DELTA_V1).is_err(), "tombstone takes 0/1");
    }
}
