//! Byte layouts of the share's files (docs/formats/delta.md): the share marker, device records,
//! deltas and their bodies, invites. Pure functions over bytes: no IO, no keys, no clocks.
//! Decoders check structure only (lengths, tags, ranges, types) and say what is wrong.

use crate::model::{table_by_code, FieldKind, Value, DELETED};

/// `CBSYNC`: the first six bytes of every file this module reads or writes.
pub const MAGIC: &[u8; 6] = b"CBSYNC";
/// The format version written; readers accept only this one.
pub const VERSION: u8 = 1;

pub const KIND_MARKER: u8 = 1;
pub const KIND_RECORD: u8 = 2;
pub const KIND_DELTA: u8 = 3;
pub const KIND_INVITE: u8 = 4;

/// Share marker length.
pub const MARKER_LEN: usize = 24;
/// Device record: bytes before the sealed label, and the signature length.
pub const RECORD_FIXED: usize = 110;
pub const SIGNATURE_LEN: usize = 64;
/// Largest label a device record may carry (bytes of UTF-8).
pub const MAX_LABEL: usize = 200;
/// Delta: bytes before the sealed body.
pub const DELTA_HEADER: usize = 112;
/// AEAD tag length.
pub const TAG: usize = 16;
/// Smallest padded plaintext (section 5.3) and the largest sealed body.
pub const MIN_PADDED: usize = 256;
pub const MAX_SEALED: usize = 64 * 1024 * 1024 + TAG;
/// Largest decompressed body.
pub const MAX_BODY: usize = 64 * 1024 * 1024;
pub const MAX_DEPS: usize = 4096;
pub const MAX_DEVICES: usize = 4096;
pub const MAX_CHANGES: usize = 1_000_000;
pub const MAX_VALUE: usize = 1024 * 1024;
/// Clocks must be below 2^63 (milliseconds below 2^47, the year 6429): a clock at the top of
/// the range would leave no later clock for the edits that must follow it.
pub const MAX_HLC: u64 = 1 << 63;
/// Invite: fixed length and where the sealed secret starts.
pub const INVITE_LEN: usize = 192;
pub const INVITE_AAD: usize = 60;
pub const INVITE_SECRET: usize = 116;
pub const INVITE_TEXT_PREFIX: &str = "CASEBOOK-INVITE-1:";

/// Why bytes were refused, in words for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad(pub String);

impl Bad {
    pub fn new(reason: impl Into<String>) -> Self {
        Bad(reason.into())
    }
}

impl std::fmt::Display for Bad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bounds-checked reader over untrusted bytes.
pub struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, pos: 0 }
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Bad> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| {
            Bad::new(format!(
                "truncated: {n} more bytes expected at offset {}, the data ends at {}",
                self.pos,
                self.bytes.len()
            ))
        })?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Bad> {
        Ok(self.take(N)?.try_into().expect("take returns N bytes"))
    }
    pub fn u8(&mut self) -> Result<u8, Bad> {
        Ok(self.take(1)?[0])
    }
    pub fn u16(&mut self) -> Result<u16, Bad> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    pub fn u32(&mut self) -> Result<u32, Bad> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64, Bad> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    pub fn position(&self) -> usize {
        self.pos
    }
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }
}

fn prefix(kind: u8) -> [u8; 8] {
    let mut p = [0u8; 8];
    p[..6].copy_from_slice(MAGIC);
    p[6] = kind;
    p[7] = VERSION;
    p
}

/// Checks the 8-byte prefix: magic, kind, version.
pub fn check_prefix(bytes: &[u8], kind: u8) -> Result<(), Bad> {
    if bytes.len() < 8 || &bytes[..6] != MAGIC {
        return Err(Bad::new("not a Casebook sync file (the first bytes are not CBSYNC)"));
    }
    if bytes[6] != kind {
        let name = |k: u8| match k {
            KIND_MARKER => "a share marker",
            KIND_RECORD => "a device record",
            KIND_DELTA => "a delta",
            KIND_INVITE => "an invite",
            _ => "an unknown kind of file",
        };
        return Err(Bad::new(format!("this is {}, not {}", name(bytes[6]), name(kind))));
    }
    match bytes[7] {
        0 => Err(Bad::new("format version 0 does not exist")),
        VERSION => Ok(()),
        v => Err(Bad::new(format!("format version {v} was made by a newer Casebook (this one reads {VERSION})"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Share marker

pub fn encode_marker(group: &[u8; 16]) -> Vec<u8> {
    let mut out = prefix(KIND_MARKER).to_vec();
    out.extend_from_slice(group);
    out
}

pub fn decode_marker(bytes: &[u8]) -> Result<[u8; 16], Bad> {
    check_prefix(bytes, KIND_MARKER)?;
    if bytes.len() != MARKER_LEN {
        return Err(Bad::new(format!("a share marker has {MARKER_LEN} bytes, this one {}", bytes.len())));
    }
    Ok(bytes[8..24].try_into().expect("16 bytes"))
}

// ---------------------------------------------------------------------------------------------
// Device record

/// The readable fields of a device record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordHeader {
    pub group: [u8; 16],
    pub epoch: u32,
    pub device: [u8; 16],
    pub signing_key: [u8; 32],
    pub issued_ms: u64,
    pub nonce: [u8; 24],
}

/// A structurally valid device record, its parts located.
pub struct RecordParts<'a> {
    pub header: RecordHeader,
    /// Bytes `0..110`: the AEAD's associated data.
    pub aad: &'a [u8],
    pub sealed_label: &'a [u8],
    /// Everything the signature covers.
    pub signed: &'a [u8],
    pub signature: [u8; 64],
}

/// Bytes `0..110` of a record whose sealed label will be `sealed_len` bytes.
pub fn encode_record_head(h: &RecordHeader, sealed_len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(RECORD_FIXED + sealed_len + SIGNATURE_LEN);
    out.extend_from_slice(&prefix(KIND_RECORD));
    out.extend_from_slice(&h.group);
    out.extend_from_slice(&h.epoch.to_be_bytes());
    out.extend_from_slice(&h.device);
    out.extend_from_slice(&h.signing_key);
    out.extend_from_slice(&h.issued_ms.to_be_bytes());
    out.extend_from_slice(&h.nonce);
    out.extend_from_slice(&(sealed_len as u16).to_be_bytes());
    out
}

pub fn decode_record(bytes: &[u8]) -> Result<RecordParts<'_>, Bad> {
    check_prefix(bytes, KIND_RECORD)?;
    let mut c = Cursor::new(bytes);
    c.take(8)?;
    let group = c.array()?;
    let epoch = c.u32()?;
    let device = c.array()?;
    let signing_key = c.array()?;
    let issued_ms = c.u64()?;
    let nonce = c.array()?;
    let sealed_len = c.u16()? as usize;
    if !(TAG..=TAG + MAX_LABEL).contains(&sealed_len) {
        return Err(Bad::new(format!("the sealed label length {sealed_len} is outside {TAG}..={}", TAG + MAX_LABEL)));
    }
    if epoch == 0 {
        return Err(Bad::new("key epoch 0 does not exist"));
    }
    let expected = RECORD_FIXED + sealed_len + SIGNATURE_LEN;
    if bytes.len() != expected {
        return Err(Bad::new(format!(
            "a device record with this label has {expected} bytes, this one {}",
            bytes.len()
        )));
    }
    let sealed_label = c.take(sealed_len)?;
    let signature = c.array()?;
    Ok(RecordParts {
        header: RecordHeader { group, epoch, device, signing_key, issued_ms, nonce },
        aad: &bytes[..RECORD_FIXED],
        sealed_label,
        signed: &bytes[..RECORD_FIXED + sealed_len],
        signature,
    })
}

// ---------------------------------------------------------------------------------------------
// Delta

/// The readable header of a delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaHeader {
    pub group: [u8; 16],
    pub epoch: u32,
    pub device: [u8; 16],
    pub seq: u64,
    pub prev_hash: [u8; 32],
    pub nonce: [u8; 24],
}

/// A structurally valid delta, its parts located.
pub struct DeltaParts<'a> {
    pub header: DeltaHeader,
    /// Bytes `0..112`: the AEAD's associated data.
    pub aad: &'a [u8],
    pub sealed_body: &'a [u8],
    pub signed: &'a [u8],
    pub signature: [u8; 64],
}

/// Bytes `0..84` (what the nonce is derived from, with the plaintext).
pub fn encode_delta_ident(h: &DeltaHeader) -> Vec<u8> {
    let mut out = Vec::with_capacity(DELTA_HEADER);
    out.extend_from_slice(&prefix(KIND_DELTA));
    out.extend_from_slice(&h.group);
    out.extend_from_slice(&h.epoch.to_be_bytes());
    out.extend_from_slice(&h.device);
    out.extend_from_slice(&h.seq.to_be_bytes());
    out.extend_from_slice(&h.prev_hash);
    out
}

/// Bytes `0..112` of a delta whose sealed body will be `sealed_len` bytes.
pub fn encode_delta_head(h: &DeltaHeader, sealed_len: usize) -> Vec<u8> {
    let mut out = encode_delta_ident(h);
    out.extend_from_slice(&h.nonce);
    out.extend_from_slice(&(sealed_len as u32).to_be_bytes());
    out
}

/// Parses a delta's header only (enough to know whose it is and which sequence number), with
/// the length checks; the body is neither verified nor opened.
pub fn decode_delta(bytes: &[u8]) -> Result<DeltaParts<'_>, Bad> {
    check_prefix(bytes, KIND_DELTA)?;
    let mut c = Cursor::new(bytes);
    c.take(8)?;
    let group = c.array()?;
    let epoch = c.u32()?;
    let device = c.array()?;
    let seq = c.u64()?;
    let prev_hash = c.array()?;
    let nonce = c.array()?;
    let sealed_len = c.u32()? as usize;
    if epoch == 0 {
        return Err(Bad::new("key epoch 0 does not exist"));
    }
    if seq == 0 {
        return Err(Bad::new("sequence number 0 does not exist (they start at 1)"));
    }
    if seq == 1 && prev_hash != [0; 32] {
        return Err(Bad::new("the first delta of a device cannot follow another"));
    }
    if !(MIN_PADDED + TAG..=MAX_SEALED).contains(&sealed_len) {
        return Err(Bad::new(format!(
            "the sealed body length {sealed_len} is outside {}..={MAX_SEALED}",
            MIN_PADDED + TAG
        )));
    }
    let expected = DELTA_HEADER + sealed_len + SIGNATURE_LEN;
    if bytes.len() != expected {
        return Err(Bad::new(format!(
            "the header announces a file of {expected} bytes, this one has {} (truncated or appended to)",
            bytes.len()
        )));
    }
    let sealed_body = c.take(sealed_len)?;
    let signature = c.array()?;
    Ok(DeltaParts {
        header: DeltaHeader { group, epoch, device, seq, prev_hash, nonce },
        aad: &bytes[..DELTA_HEADER],
        sealed_body,
        signed: &bytes[..DELTA_HEADER + sealed_len],
        signature,
    })
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

/// A delta's decrypted, decompressed body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub created_ms: u64,
    /// (device id, seq) the author had applied; sorted by device id.
    pub deps: Vec<([u8; 16], u64)>,
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

pub fn encode_body(b: &Body) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + b.changes.len() * 48);
    out.extend_from_slice(&b.created_ms.to_be_bytes());
    out.extend_from_slice(&(b.deps.len() as u16).to_be_bytes());
    for (d, s) in &b.deps {
        out.extend_from_slice(d);
        out.extend_from_slice(&s.to_be_bytes());
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

/// Decodes and checks a body: counts within bounds, device ids and dependencies well formed,
/// every change's field known to its table with a value of a fitting type, no change naming
/// its own clock. `author` is the header's device id.
pub fn decode_body(bytes: &[u8], author: &[u8; 16]) -> Result<Body, Bad> {
    let mut c = Cursor::new(bytes);
    let created_ms = c.u64()?;
    let dep_count = c.u16()? as usize;
    if dep_count > MAX_DEPS {
        return Err(Bad::new(format!("{dep_count} dependencies (at most {MAX_DEPS})")));
    }
    let mut deps: Vec<([u8; 16], u64)> = Vec::with_capacity(dep_count);
    for _ in 0..dep_count {
        let d: [u8; 16] = c.array()?;
        let s = c.u64()?;
        if &d == author {
            return Err(Bad::new("a delta cannot depend on its own author"));
        }
        if deps.last().is_some_and(|(prev, _)| prev >= &d) {
            return Err(Bad::new("dependencies are not in strictly increasing device order"));
        }
        deps.push((d, s));
    }
    let dev_count = c.u16()? as usize;
    if dev_count == 0 || dev_count > MAX_DEVICES {
        return Err(Bad::new(format!("device table of {dev_count} entries (1..={MAX_DEVICES})")));
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

// ---------------------------------------------------------------------------------------------
// Padding

/// Padded length for `n` bytes: Padmé, at least [`MIN_PADDED`].
pub fn padded_len(n: usize) -> usize {
    if n <= MIN_PADDED {
        return MIN_PADDED;
    }
    let e = usize::BITS - 1 - n.leading_zeros(); // floor(log2 n)
    let s = u32::BITS - e.leading_zeros(); // floor(log2 e) + 1
    let last_bits = e - s;
    let mask = (1usize << last_bits) - 1;
    (n + mask) & !mask
}

/// `compressed_len ‖ compressed ‖ zeros` up to [`padded_len`].
pub fn pad(compressed: &[u8]) -> Vec<u8> {
    let n = 4 + compressed.len();
    let mut out = Vec::with_capacity(padded_len(n));
    out.extend_from_slice(&(compressed.len() as u32).to_be_bytes());
    out.extend_from_slice(compressed);
    out.resize(padded_len(n), 0);
    out
}

/// The compressed body inside a padded plaintext; the padding must be exact and all zero.
pub fn unpad(padded: &[u8]) -> Result<&[u8], Bad> {
    let mut c = Cursor::new(padded);
    let len = c.u32()? as usize;
    if len > padded.len() - 4 {
        return Err(Bad::new("the compressed length runs past the padded body"));
    }
    if padded_len(4 + len) != padded.len() {
        return Err(Bad::new("the padding has the wrong length"));
    }
    let body = c.take(len)?;
    if padded[4 + len..].iter().any(|&b| b != 0) {
        return Err(Bad::new("the padding is not all zero"));
    }
    Ok(body)
}

// ---------------------------------------------------------------------------------------------
// Invite

/// An invite's cleartext part (the KDF parameters, salt and nonce).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteHead {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
    pub salt: [u8; 16],
    pub nonce: [u8; 24],
}

/// The secret an invite carries.
#[derive(Clone, PartialEq, Eq, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct InviteSecret {
    pub group: [u8; 16],
    pub epoch: u32,
    pub group_key: [u8; 32],
    pub inviter: [u8; 16],
    pub inviter_key: [u8; 32],
    pub created_ms: u64,
    pub expires_ms: u64,
}

pub fn encode_invite_head(h: &InviteHead) -> Vec<u8> {
    let mut out = prefix(KIND_INVITE).to_vec();
    out.extend_from_slice(&h.m_kib.to_be_bytes());
    out.extend_from_slice(&h.t.to_be_bytes());
    out.extend_from_slice(&h.p.to_be_bytes());
    out.extend_from_slice(&h.salt);
    out.extend_from_slice(&h.nonce);
    out
}

/// Splits a 192-byte invite into its head and the sealed secret.
pub fn decode_invite(bytes: &[u8]) -> Result<(InviteHead, &[u8]), Bad> {
    check_prefix(bytes, KIND_INVITE)?;
    if bytes.len() != INVITE_LEN {
        return Err(Bad::new(format!("an invite has {INVITE_LEN} bytes, this one {}", bytes.len())));
    }
    let mut c = Cursor::new(bytes);
    c.take(8)?;
    let head = InviteHead { m_kib: c.u32()?, t: c.u32()?, p: c.u32()?, salt: c.array()?, nonce: c.array()? };
    Ok((head, &bytes[INVITE_AAD..]))
}

pub fn encode_invite_secret(s: &InviteSecret) -> zeroize::Zeroizing<Vec<u8>> {
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(INVITE_SECRET));
    out.extend_from_slice(&s.group);
    out.extend_from_slice(&s.epoch.to_be_bytes());
    out.extend_from_slice(&s.group_key);
    out.extend_from_slice(&s.inviter);
    out.extend_from_slice(&s.inviter_key);
    out.extend_from_slice(&s.created_ms.to_be_bytes());
    out.extend_from_slice(&s.expires_ms.to_be_bytes());
    out
}

pub fn decode_invite_secret(bytes: &[u8]) -> Result<InviteSecret, Bad> {
    if bytes.len() != INVITE_SECRET {
        return Err(Bad::new("the invite's secret has the wrong length"));
    }
    let mut c = Cursor::new(bytes);
    let s = InviteSecret {
        group: c.array()?,
        epoch: c.u32()?,
        group_key: c.array()?,
        inviter: c.array()?,
        inviter_key: c.array()?,
        created_ms: c.u64()?,
        expires_ms: c.u64()?,
    };
    if s.epoch == 0 {
        return Err(Bad::new("key epoch 0 does not exist"));
    }
    Ok(s)
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The invite's text form: `CASEBOOK-INVITE-1:` and Crockford base32.
pub fn invite_to_text(bytes: &[u8]) -> String {
    let mut out = String::from(INVITE_TEXT_PREFIX);
    let (mut acc, mut bits) = (0u32, 0);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(CROCKFORD[((acc >> bits) & 31) as usize] as char);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(CROCKFORD[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Reads the text form back (white space and case ignored; I/L read as 1, O as 0).
pub fn invite_from_text(text: &str) -> Result<Vec<u8>, Bad> {
    let text = text.trim_start_matches('\u{feff}').trim();
    let upper = text.to_ascii_uppercase();
    let rest = upper
        .strip_prefix(INVITE_TEXT_PREFIX)
        .ok_or_else(|| Bad::new(format!("an invite starts with {INVITE_TEXT_PREFIX}")))?;
    if rest.len() > 1024 {
        return Err(Bad::new("the invite text is far too long"));
    }
    let mut out = Vec::with_capacity(INVITE_LEN);
    let (mut acc, mut bits) = (0u32, 0);
    for ch in rest.chars() {
        let ch = match ch {
            c if c.is_whitespace() || c == '-' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        let v = CROCKFORD
            .iter()
            .position(|&a| a as char == ch)
            .ok_or_else(|| Bad::new(format!("the invite text holds {ch:?}, which is not part of an invite")))?;
        acc = (acc << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Body {
        Body {
            created_ms: 7,
            deps: vec![([1; 16], 3)],
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
    fn body_round_trips_and_every_truncation_is_refused() {
        let b = body();
        let bytes = encode_body(&b);
        assert_eq!(decode_body(&bytes, &[9; 16]).unwrap(), b);
        for n in 0..bytes.len() {
            assert!(decode_body(&bytes[..n], &[9; 16]).is_err(), "truncated to {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_body(&longer, &[9; 16]).is_err());
        assert!(decode_body(&bytes, &[1; 16]).is_err(), "author must be entry 0");
    }

    #[test]
    fn values_of_the_wrong_type_and_a_change_naming_itself_are_refused() {
        let mut b = body();
        b.changes[0].value = Value::Int(3);
        assert!(decode_body(&encode_body(&b), &[9; 16]).unwrap_err().0.contains("cannot hold"));
        let mut b = body();
        b.changes[0].prev = Some(WireClock { hlc: 100, device: 0 });
        assert!(decode_body(&encode_body(&b), &[9; 16]).unwrap_err().0.contains("its own clock"));
        // A later clock of another device, or of the author, may be named (a far-future value
        // that this change replaces): the merge follows names, not clocks.
        for named in [WireClock { hlc: (1 << 63) - 2, device: 1 }, WireClock { hlc: 100, device: 1 }] {
            let mut b = body();
            b.changes[0].prev = Some(named);
            assert_eq!(decode_body(&encode_body(&b), &[9; 16]).unwrap().changes[0].prev, Some(named));
        }
        let mut b = body();
        b.changes[0].field = 200;
        assert!(decode_body(&encode_body(&b), &[9; 16]).is_err());
        let mut b = body();
        b.changes[1].value = Value::Int(2);
        assert!(decode_body(&encode_body(&b), &[9; 16]).is_err(), "tombstone takes 0/1");
    }

    #[test]
    fn padme_buckets_stay_within_twelve_percent_and_unpad_is_strict() {
        for n in [1, 255, 256, 257, 1000, 4096, 4097, 100_000, 1 << 20, 5_000_000] {
            let p = padded_len(n);
            assert!(p >= n && p >= MIN_PADDED);
            if n > MIN_PADDED {
                assert!((p - n) as f64 <= n as f64 * 0.12 + 1.0, "{n} -> {p}");
            }
        }
        let padded = pad(b"hello");
        assert_eq!(unpad(&padded).unwrap(), b"hello");
        let mut bad = padded.clone();
        *bad.last_mut().unwrap() = 1;
        assert!(unpad(&bad).is_err());
        assert!(unpad(&padded[..padded.len() - 1]).is_err());
    }

    #[test]
    fn invite_text_round_trips_with_look_alikes_and_spaces() {
        let bytes: Vec<u8> = (0..INVITE_LEN as u32).map(|i| (i * 37 % 256) as u8).collect();
        let text = invite_to_text(&bytes);
        assert_eq!(invite_from_text(&text).unwrap(), bytes);
        let messy = format!("  {}\n", text.to_lowercase().replace('0', "o"));
        assert_eq!(invite_from_text(&messy).unwrap(), bytes);
        assert!(invite_from_text("hello").is_err());
    }
}
