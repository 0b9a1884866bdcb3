//! The vault header format (`casebook.vault`), version 1: parse and write, pure functions over
//! bytes. Layout byte for byte in `docs/formats/vault.md`.
//!
//! This module knows nothing about files, passphrases or the KDF: it only checks structure
//! (magic, version, lengths, vocabularies, checksum). Authenticity comes from the key slots'
//! AEAD and the header MAC, checked in `vault::keyslot` once a slot has opened.

use sha2::{Digest, Sha256};

/// First 8 bytes of every vault header.
pub const MAGIC: &[u8; 8] = b"CASEBOOK";
/// The header format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u16 = 1;
/// Most key slots a header may hold.
pub const MAX_SLOTS: usize = 8;
/// Bytes before the first slot: magic, version, vault id, page size, hmac, slot count.
pub const PREFIX_LEN: usize = 8 + 2 + 16 + 4 + 1 + 1;
/// Bytes of one encoded key slot.
pub const SLOT_LEN: usize = 1 + 16 + 1 + 4 + 4 + 4 + 16 + 24 + 48;
/// Length of the header MAC and of the checksum.
const TAG_LEN: usize = 32;

/// Why a header could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// Fewer bytes than the smallest valid header.
    Truncated { len: usize },
    /// The file does not start with `CASEBOOK`.
    BadMagic,
    /// Written by a newer format version.
    TooNew { version: u16 },
    /// Version 0 does not exist.
    BadVersion { version: u16 },
    /// The length does not match the slot count.
    BadLength { expected: usize, actual: usize },
    /// The SHA-256 checksum over the header does not match.
    BadChecksum,
    /// A field holds a value outside its vocabulary or range.
    BadField { field: &'static str },
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderError::Truncated { len } => write!(f, "it is truncated ({len} bytes)"),
            HeaderError::BadMagic => write!(f, "it is not a Casebook vault header"),
            HeaderError::TooNew { version } => write!(f, "format version {version} is newer than this Casebook"),
            HeaderError::BadVersion { version } => write!(f, "format version {version} does not exist"),
            HeaderError::BadLength { expected, actual } => {
                write!(f, "it has {actual} bytes where its slot count needs {expected} (truncated or extended)")
            }
            HeaderError::BadChecksum => write!(f, "its checksum does not match (truncated, corrupted or edited)"),
            HeaderError::BadField { field } => write!(f, "its field `{field}` holds an invalid value"),
        }
    }
}

/// HMAC used by SQLCipher for its per-page authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageHmac {
    Sha1 = 1,
    Sha256 = 2,
    Sha512 = 3,
}

impl PageHmac {
    /// The value for `PRAGMA cipher_hmac_algorithm`.
    pub fn pragma_value(self) -> &'static str {
        match self {
            PageHmac::Sha1 => "HMAC_SHA1",
            PageHmac::Sha256 => "HMAC_SHA256",
            PageHmac::Sha512 => "HMAC_SHA512",
        }
    }
}

/// SQLCipher settings that must be the same at every open, so they live in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbCipher {
    /// `cipher_page_size`: a power of two from 1024 to 65536.
    pub page_size: u32,
    /// `cipher_hmac_algorithm`.
    pub hmac: PageHmac,
}

impl Default for DbCipher {
    /// SHA-256 page HMACs are ~3× faster than SQLCipher's SHA-512 default here and still
    /// 256-bit; 4096-byte pages keep single-row commits small. See docs/formats/vault.md.
    fn default() -> Self {
        DbCipher { page_size: 4096, hmac: PageHmac::Sha256 }
    }
}

/// What unlocks a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    Passphrase = 1,
    RecoveryKey = 2,
}

/// Argon2id cost parameters as stored in a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

/// One key slot: the data key wrapped under a key derived from a passphrase or recovery key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySlot {
    pub kind: SlotKind,
    pub id: [u8; 16],
    pub kdf: KdfParams,
    pub salt: [u8; 16],
    pub nonce: [u8; 24],
    /// 32-byte key + 16-byte Poly1305 tag.
    pub wrapped: [u8; 48],
}

/// A parsed header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub vault_id: [u8; 16],
    pub db: DbCipher,
    pub slots: Vec<KeySlot>,
    /// HMAC-SHA256 over the prefix and slots under a key derived from the data key.
    pub mac: [u8; 32],
}

impl Header {
    /// The bytes a slot's AEAD binds as associated data besides its own metadata: the prefix
    /// without the slot count (so adding or removing slots does not invalidate the others).
    pub fn bound_prefix(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PREFIX_LEN - 1);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
        out.extend_from_slice(&self.vault_id);
        out.extend_from_slice(&self.db.page_size.to_be_bytes());
        out.push(self.db.hmac as u8);
        out
    }

    /// The bytes the header MAC covers: prefix and every slot.
    pub fn mac_input(&self) -> Vec<u8> {
        let mut out = self.bound_prefix();
        out.push(self.slots.len() as u8);
        for slot in &self.slots {
            out.extend_from_slice(&encode_slot(slot));
        }
        out
    }

    /// Encodes the header, checksum included.
    pub fn encode(&self) -> Vec<u8> {
        assert!(!self.slots.is_empty() && self.slots.len() <= MAX_SLOTS, "slot count out of range");
        let mut out = self.mac_input();
        out.extend_from_slice(&self.mac);
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// Parses and structurally checks a header.
    pub fn decode(bytes: &[u8]) -> Result<Header, HeaderError> {
        if bytes.len() < 10 {
            return Err(if bytes.len() >= 8 && &bytes[..8] != MAGIC {
                HeaderError::BadMagic
            } else {
                HeaderError::Truncated { len: bytes.len() }
            });
        }
        if &bytes[..8] != MAGIC {
            return Err(HeaderError::BadMagic);
        }
        let version = u16::from_be_bytes([bytes[8], bytes[9]]);
        if version > FORMAT_VERSION {
            return Err(HeaderError::TooNew { version });
        }
        if version == 0 {
            return Err(HeaderError::BadVersion { version });
        }
        if bytes.len() < PREFIX_LEN + SLOT_LEN + 2 * TAG_LEN {
            return Err(HeaderError::Truncated { len: bytes.len() });
        }
        let count = bytes[PREFIX_LEN - 1] as usize;
        let expected = PREFIX_LEN + count * SLOT_LEN + 2 * TAG_LEN;
        if expected != bytes.len() {
            // A wrong length is most often truncation; the checksum cannot be located.
            return Err(HeaderError::BadLength { expected, actual: bytes.len() });
        }
        let (body, sum) = bytes.split_at(bytes.len() - TAG_LEN);
        if Sha256::digest(body).as_slice() != sum {
            return Err(HeaderError::BadChecksum);
        }
        if count == 0 || count > MAX_SLOTS {
            return Err(HeaderError::BadField { field: "slot_count" });
        }
        let mut r = Reader { bytes: body, pos: 10 };
        let vault_id = r.array::<16>();
        let page_size = r.u32();
        if !(1024..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(HeaderError::BadField { field: "page_size" });
        }
        let hmac = match r.u8() {
            1 => PageHmac::Sha1,
            2 => PageHmac::Sha256,
            3 => PageHmac::Sha512,
            _ => return Err(HeaderError::BadField { field: "page_hmac" }),
        };
        let _count = r.u8();
        let mut slots = Vec::with_capacity(count);
        for _ in 0..count {
            let kind = match r.u8() {
                1 => SlotKind::Passphrase,
                2 => SlotKind::RecoveryKey,
                _ => return Err(HeaderError::BadField { field: "slot_kind" }),
            };
            let id = r.array::<16>();
            if r.u8() != 1 {
                return Err(HeaderError::BadField { field: "slot_kdf" });
            }
            let kdf = KdfParams { m_kib: r.u32(), t: r.u32(), p: r.u32() };
            slots.push(KeySlot {
                kind,
                id,
                kdf,
                salt: r.array::<16>(),
                nonce: r.array::<24>(),
                wrapped: r.array::<48>(),
            });
        }
        let mac = r.array::<32>();
        Ok(Header { vault_id, db: DbCipher { page_size, hmac }, slots, mac })
    }
}

/// Encodes one slot (its AEAD associated data is everything before `nonce`).
pub fn encode_slot(slot: &KeySlot) -> Vec<u8> {
    let mut out = slot_metadata(slot);
    out.extend_from_slice(&slot.nonce);
    out.extend_from_slice(&slot.wrapped);
    out
}

/// A slot's metadata: kind, id, KDF id and params, salt.
pub fn slot_metadata(slot: &KeySlot) -> Vec<u8> {
    let mut out = Vec::with_capacity(SLOT_LEN);
    out.push(slot.kind as u8);
    out.extend_from_slice(&slot.id);
    out.push(1); // KDF: Argon2id, version 0x13
    out.extend_from_slice(&slot.kdf.m_kib.to_be_bytes());
    out.extend_from_slice(&slot.kdf.t.to_be_bytes());
    out.extend_from_slice(&slot.kdf.p.to_be_bytes());
    out.extend_from_slice(&slot.salt);
    out
}

/// Bounds-checked only by construction: `decode` verified the total length first.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> u8 {
        let v = self.bytes[self.pos];
        self.pos += 1;
        v
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes(self.array::<4>())
    }
    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[self.pos..self.pos + N]);
        self.pos += N;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Header {
        let slot = |kind, b: u8| KeySlot {
            kind,
            id: [b; 16],
            kdf: KdfParams { m_kib: 65536, t: 3, p: 4 },
            salt: [b + 1; 16],
            nonce: [b + 2; 24],
            wrapped: [b + 3; 48],
        };
        Header {
            vault_id: [9; 16],
            db: DbCipher::default(),
            slots: vec![slot(SlotKind::Passphrase, 1), slot(SlotKind::RecoveryKey, 50)],
            mac: [7; 32],
        }
    }

    #[test]
    fn decode_of_encode_is_identity_and_reencodes_to_the_same_bytes() {
        let h = sample();
        let bytes = h.encode();
        assert_eq!(bytes.len(), PREFIX_LEN + 2 * SLOT_LEN + 64);
        let parsed = Header::decode(&bytes).unwrap();
        assert_eq!(parsed, h);
        assert_eq!(parsed.encode(), bytes);
    }

    #[test]
    fn every_truncation_is_refused_without_panic() {
        let bytes = sample().encode();
        for len in 0..bytes.len() {
            assert!(Header::decode(&bytes[..len]).is_err(), "accepted a header cut at {len}");
        }
    }

    #[test]
    fn every_flipped_byte_is_refused() {
        let bytes = sample().encode();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            assert!(Header::decode(&b).is_err(), "accepted a flip at byte {i}");
        }
    }

    #[test]
    fn newer_version_is_reported_as_too_new() {
        let mut bytes = sample().encode();
        bytes[9] = 2;
        assert_eq!(Header::decode(&bytes), Err(HeaderError::TooNew { version: 2 }));
    }

    #[test]
    fn appended_bytes_are_refused() {
        let mut bytes = sample().encode();
        bytes.push(0);
        assert!(matches!(Header::decode(&bytes), Err(HeaderError::BadLength { .. })));
    }

    #[test]
    fn garbage_is_not_a_header() {
        assert_eq!(Header::decode(b"SQLite format 3\0"), Err(HeaderError::BadMagic));
    }
}
