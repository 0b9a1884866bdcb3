//! Deltas (docs/formats/delta.md section 4): the header of both versions, and fork proofs.
//! Version 1 signs the whole file; version 2 signs a header that holds the SHA-256 of the
//! sealed body, so the file's first 260 bytes (its **receipt**) prove which version of a delta
//! its author signed, and a delta's **id** is the SHA-256 of that signed header.

use sha2::{Digest, Sha256};

use super::{check_prefix, prefix_v, Bad, Cursor, KIND_DELTA, MAX_SEALED, MIN_PADDED, SIGNATURE_LEN, TAG};

pub const DELTA_V1: u8 = 1;
pub const DELTA_V2: u8 = 2;
/// The reader version of this build: a version-2 delta whose `min_reader` is higher waits.
/// Readers 3 and 4 know the fields and record kinds added after reader 2 ([`ADDED_FIELDS`],
/// [`ADDED_KINDS`]).
pub const READER: u16 = 4;
/// Fields a reader of an older version does not know: (table code, field code, the reader
/// version that knows it). A delta that carries one needs that reader (docs/formats/delta.md
/// section 4.1), so an older reader waits ("update Casebook") instead of refusing it.
pub const ADDED_FIELDS: [(u8, u8, u16); 1] = [(1, 20, 3)];
/// Record kinds added after reader 2, with the reader that knows them: (kind, reader). Kind 5
/// is the partner contact book's keys, kind 6 the attachments.
pub const ADDED_KINDS: [(u8, u16); 2] = [(5, 3), (6, 4)];

/// The oldest reader that may apply a delta with these changes: 2, or the version that knows
/// the newest field or record kind it carries.
pub fn min_reader_for(changes: &[super::WireChange]) -> u16 {
    changes
        .iter()
        .filter_map(|c| {
            let field = ADDED_FIELDS.iter().find(|(t, f, _)| *t == c.table && *f == c.field).map(|a| a.2);
            let kind = ADDED_KINDS.iter().find(|(t, _)| *t == c.table).map(|a| a.1);
            field.max(kind)
        })
        .max()
        .unwrap_or(2)
}
/// The rules version this build writes and checks (section 6.1).
pub const RULES: u16 = 1;
/// Version 1: bytes before the sealed body (the AEAD's associated data and the header).
pub const DELTA_HEADER: usize = 112;
/// Version 2: the associated data (`0..164`), the signed header (`0..196`) and the receipt
/// (signed header and signature, `0..260`), after which the sealed body follows.
pub const DELTA_AAD_V2: usize = 164;
pub const DELTA_SIGNED_V2: usize = 196;
pub const RECEIPT_LEN: usize = DELTA_SIGNED_V2 + SIGNATURE_LEN;

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
            min_reader: if v2 { 2 } else { 0 },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_that_carries_a_code_name_needs_reader_3_and_no_other_does() {
        let change = |table, field| super::super::WireChange {
            table,
            record: [7; 16],
            field,
            hlc: 1,
            prev: None,
            supersedes: vec![],
            value: crate::model::Value::Text("x".into()),
        };
        assert_eq!(min_reader_for(&[]), 2);
        assert_eq!(min_reader_for(&[change(1, 11), change(2, 20)]), 2, "field 20 of an event is not the code name");
        assert_eq!(min_reader_for(&[change(1, 11), change(1, 20)]), 3);
        let key = super::super::WireChange { table: 5, ..change(1, 3) };
        assert_eq!(min_reader_for(&[change(2, 2), key]), 3, "a partner key is kind 5, which reader 2 does not know");
        const { assert!(READER >= 3, "this build reads what it writes") };
        assert_eq!(crate::model::CASE.field_by_code(20).map(|f| f.name), Some("code_name"));
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
}
