//! Byte layouts of the share's files (docs/formats/delta.md): the share marker, device records,
//! deltas and their bodies ([`delta`]), invites ([`invite`]). Pure functions over bytes: no IO,
//! no keys, no clocks. Decoders check structure only (lengths, tags, ranges, types) and say what
//! is wrong.

mod body;
mod delta;
mod invite;

pub use body::*;
pub use delta::*;
pub use invite::*;

/// `CBSYNC`: the first six bytes of every file this module reads or writes.
pub const MAGIC: &[u8; 6] = b"CBSYNC";
/// The format version of share markers and invites.
pub const VERSION: u8 = 1;
/// Device records: version 2 adds `reads` (the newest delta format the device reads).
pub const RECORD_V1: u8 = 1;
pub const RECORD_V2: u8 = 2;

pub const KIND_MARKER: u8 = 1;
pub const KIND_RECORD: u8 = 2;
pub const KIND_DELTA: u8 = 3;
pub const KIND_INVITE: u8 = 4;
/// A vault's high-water mark (kept outside the vault, never on the share).
pub const KIND_HIGH_WATER: u8 = 5;
/// A fork proof: two receipts of one author for one sequence number.
pub const KIND_FORK_PROOF: u8 = 6;
/// A roster entry and a join request (docs/formats/roster.md).
pub const KIND_ROSTER: u8 = 7;
pub const KIND_REQUEST: u8 = 8;

/// Share marker length.
pub const MARKER_LEN: usize = 24;
/// Device record: bytes before the sealed label (version 1, version 2), and the signature length.
pub const RECORD_FIXED: usize = 110;
pub const RECORD_FIXED_V2: usize = 112;
pub const SIGNATURE_LEN: usize = 64;
/// Largest label a device record may carry (bytes of UTF-8).
pub const MAX_LABEL: usize = 200;
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

pub(crate) fn prefix(kind: u8) -> [u8; 8] {
    prefix_v(kind, VERSION)
}

pub(crate) fn prefix_v(kind: u8, version: u8) -> [u8; 8] {
    let mut p = [0u8; 8];
    p[..6].copy_from_slice(MAGIC);
    p[6] = kind;
    p[7] = version;
    p
}

/// The newest version of each kind of file this build reads.
fn newest(kind: u8) -> u8 {
    match kind {
        KIND_RECORD => RECORD_V2,
        KIND_DELTA => DELTA_V2,
        KIND_ROSTER => crate::sync::roster::entry::ROSTER_V2,
        _ => VERSION,
    }
}

/// Whether `bytes` start like a file of `kind` in a version newer than this build reads: such a
/// file waits for an update of Casebook rather than being refused.
pub fn is_newer(bytes: &[u8], kind: u8) -> bool {
    bytes.len() >= 8 && &bytes[..6] == MAGIC && bytes[6] == kind && bytes[7] > newest(kind)
}

/// Checks the 8-byte prefix (magic, kind, a version this build reads) and gives the version.
pub fn check_prefix(bytes: &[u8], kind: u8) -> Result<u8, Bad> {
    if bytes.len() < 8 || &bytes[..6] != MAGIC {
        return Err(Bad::new("not a Casebook sync file (the first bytes are not CBSYNC)"));
    }
    if bytes[6] != kind {
        let name = |k: u8| match k {
            KIND_MARKER => "a share marker",
            KIND_RECORD => "a device record",
            KIND_DELTA => "a delta",
            KIND_INVITE => "an invite",
            KIND_HIGH_WATER => "a high-water mark",
            KIND_FORK_PROOF => "a fork proof",
            KIND_ROSTER => "a roster entry",
            KIND_REQUEST => "a join request",
            _ => "an unknown kind of file",
        };
        return Err(Bad::new(format!("this is {}, not {}", name(bytes[6]), name(kind))));
    }
    match bytes[7] {
        0 => Err(Bad::new("format version 0 does not exist")),
        v if v <= newest(kind) => Ok(v),
        v => Err(Bad::new(format!(
            "format version {v} was made by a newer Casebook (this one reads up to {}): update Casebook",
            newest(kind)
        ))),
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
    /// The newest delta format the device reads (1 for a version-1 record).
    pub reads: u16,
    pub nonce: [u8; 24],
}

/// A structurally valid device record, its parts located.
pub struct RecordParts<'a> {
    pub header: RecordHeader,
    /// The bytes before the sealed label: the AEAD's associated data.
    pub aad: &'a [u8],
    pub sealed_label: &'a [u8],
    /// Everything the signature covers.
    pub signed: &'a [u8],
    pub signature: [u8; 64],
}

/// The bytes before the sealed label of a record whose sealed label will be `sealed_len` bytes:
/// version 2 (`0..112`) when `reads` ≥ 2, else version 1 (`0..110`, for tests of old files).
pub fn encode_record_head(h: &RecordHeader, sealed_len: usize) -> Vec<u8> {
    let v2 = h.reads >= 2;
    let mut out = Vec::with_capacity(RECORD_FIXED_V2 + sealed_len + SIGNATURE_LEN);
    out.extend_from_slice(&prefix_v(KIND_RECORD, if v2 { RECORD_V2 } else { RECORD_V1 }));
    out.extend_from_slice(&h.group);
    out.extend_from_slice(&h.epoch.to_be_bytes());
    out.extend_from_slice(&h.device);
    out.extend_from_slice(&h.signing_key);
    out.extend_from_slice(&h.issued_ms.to_be_bytes());
    if v2 {
        out.extend_from_slice(&h.reads.to_be_bytes());
    }
    out.extend_from_slice(&h.nonce);
    out.extend_from_slice(&(sealed_len as u16).to_be_bytes());
    out
}

pub fn decode_record(bytes: &[u8]) -> Result<RecordParts<'_>, Bad> {
    let version = check_prefix(bytes, KIND_RECORD)?;
    let fixed = if version == RECORD_V1 { RECORD_FIXED } else { RECORD_FIXED_V2 };
    let mut c = Cursor::new(bytes);
    c.take(8)?;
    let group = c.array()?;
    let epoch = c.u32()?;
    let device = c.array()?;
    let signing_key = c.array()?;
    let issued_ms = c.u64()?;
    let reads = if version == RECORD_V1 { 1 } else { c.u16()? };
    if reads < 2 && version != RECORD_V1 {
        return Err(Bad::new(format!("a version-2 device record that reads delta format {reads}")));
    }
    let nonce = c.array()?;
    let sealed_len = c.u16()? as usize;
    if !(TAG..=TAG + MAX_LABEL).contains(&sealed_len) {
        return Err(Bad::new(format!("the sealed label length {sealed_len} is outside {TAG}..={}", TAG + MAX_LABEL)));
    }
    if epoch == 0 {
        return Err(Bad::new("key epoch 0 does not exist"));
    }
    let expected = fixed + sealed_len + SIGNATURE_LEN;
    if bytes.len() != expected {
        return Err(Bad::new(format!(
            "a device record with this label has {expected} bytes, this one {}",
            bytes.len()
        )));
    }
    let sealed_label = c.take(sealed_len)?;
    let signature = c.array()?;
    Ok(RecordParts {
        header: RecordHeader { group, epoch, device, signing_key, issued_ms, reads, nonce },
        aad: &bytes[..fixed],
        sealed_label,
        signed: &bytes[..fixed + sealed_len],
        signature,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn versions_this_build_does_not_read_are_newer_not_junk() {
        let mut delta = prefix_v(KIND_DELTA, 3).to_vec();
        delta.extend_from_slice(&[0; 300]);
        assert!(is_newer(&delta, KIND_DELTA));
        assert!(check_prefix(&delta, KIND_DELTA).unwrap_err().0.contains("update Casebook"));
        delta[7] = 2;
        assert!(!is_newer(&delta, KIND_DELTA));
        assert_eq!(check_prefix(&delta, KIND_DELTA), Ok(2));
        delta[7] = 0;
        assert!(check_prefix(&delta, KIND_DELTA).is_err());
        assert!(!is_newer(b"CBSYNC", KIND_DELTA));
        let marker = encode_marker(&[1; 16]);
        assert!(!is_newer(&marker, KIND_MARKER));
        let mut m2 = marker.clone();
        m2[7] = 2;
        assert!(is_newer(&m2, KIND_MARKER) && decode_marker(&m2).is_err());
    }

    #[test]
    fn device_records_of_both_versions_decode_and_a_v2_record_must_read_v2() {
        let h = RecordHeader {
            group: [1; 16],
            epoch: 1,
            device: [2; 16],
            signing_key: [3; 32],
            issued_ms: 9,
            reads: 1,
            nonce: [4; 24],
        };
        for reads in [1u16, 2, 7] {
            let mut bytes = encode_record_head(&RecordHeader { reads, ..h.clone() }, TAG + 3);
            bytes.extend_from_slice(&[5; TAG + 3 + SIGNATURE_LEN]);
            let parts = decode_record(&bytes).unwrap();
            assert_eq!(parts.header.reads, reads);
            assert_eq!(bytes[7], if reads == 1 { RECORD_V1 } else { RECORD_V2 });
            for n in 0..bytes.len() {
                assert!(decode_record(&bytes[..n]).is_err(), "truncated to {n}");
            }
        }
        let mut bytes = encode_record_head(&RecordHeader { reads: 2, ..h }, TAG);
        bytes[84..86].copy_from_slice(&1u16.to_be_bytes());
        bytes.extend_from_slice(&[5; TAG + SIGNATURE_LEN]);
        assert!(decode_record(&bytes).err().unwrap().0.contains("reads delta format 1"));
    }
}
