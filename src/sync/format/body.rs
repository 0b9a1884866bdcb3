//! A delta's body (docs/formats/delta.md section 5.2): its dependencies, device table and
//! changes, in version 1 and 2 (which differ in the dependencies only).

use super::{Bad, Cursor, DELTA_V2, MAX_CHANGES, MAX_DEPS, MAX_DEVICES, MAX_HLC, MAX_VALUE};
use crate::model::{table_by_code, FieldKind, Value, DELETED};

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
            FieldKind::ByteSize => matches!(value, Value::Int(_) | Value::Null),
            FieldKind::Digest | FieldKind::BlobKey => {
                matches!(&value, Value::Blob(b) if b.len() == 32) || value == Value::Null
            }
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
    use crate::sync::format::DELTA_V1;
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
