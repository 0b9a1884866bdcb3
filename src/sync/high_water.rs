//! The high-water mark (docs/formats/delta.md section 10): for each sync group and device
//! identity of a vault, the last delta it wrote, kept in a file outside the vault folder and
//! sealed (XChaCha20-Poly1305) with a key only the vault holds, so that the file neither
//! tells a reader which group and devices the laptop syncs with nor can be changed. A vault restored from a backup, or copied, finds
//! there that it wrote more than it remembers, before the share can show it (a USB stick or a
//! sync tool that is behind), and continues under a new identity instead of writing a second
//! version of a delta. Pure: bytes in, bytes out; the engine does the file IO.

use chacha20poly1305::aead::{Aead, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::format::{check_prefix, prefix, Bad, Cursor, KIND_HIGH_WATER};

/// At most this many (group, identity) entries (a vault renews its identity rarely).
pub const MAX_ENTRIES: usize = 1024;
const ENTRY: usize = 72;

/// The last delta one identity of this vault wrote in one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub group: [u8; 16],
    pub device: [u8; 16],
    pub seq: u64,
    pub id: [u8; 32],
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// The file's name for the vault whose mark key is `key` (a copy of the vault on the same
/// machine finds the same file).
pub fn file_name(key: &[u8; 32]) -> String {
    let tag = hmac(key, &[b"casebook/v1/high-water-name"]);
    let mut out: String = crate::hex::short(&tag, 16);
    out.push_str(".hwm");
    out
}

/// The prefix and nonce: the associated data of the sealed entries.
const HEAD: usize = 8 + 24;

fn sealer(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new_from_slice(&hmac(key, &[b"casebook/v1/high-water-seal"])).expect("32-byte key")
}

/// The file for `marks` (the last [`MAX_ENTRIES`] of them: [`with_mark`] puts the newest
/// last), sealed under a fresh random `nonce`.
pub fn encode(key: &[u8; 32], marks: &[Mark], nonce: [u8; 24]) -> Vec<u8> {
    let marks = &marks[marks.len().saturating_sub(MAX_ENTRIES)..];
    let mut plain = zeroize::Zeroizing::new(Vec::with_capacity(2 + marks.len() * ENTRY));
    plain.extend_from_slice(&(marks.len() as u16).to_be_bytes());
    for m in marks {
        plain.extend_from_slice(&m.group);
        plain.extend_from_slice(&m.device);
        plain.extend_from_slice(&m.seq.to_be_bytes());
        plain.extend_from_slice(&m.id);
    }
    let mut out = prefix(KIND_HIGH_WATER).to_vec();
    out.extend_from_slice(&nonce);
    let sealed = sealer(key)
        .encrypt(&XNonce::from(nonce), Payload { msg: &plain, aad: &out })
        .expect("XChaCha20-Poly1305 seals any length we produce");
    out.extend_from_slice(&sealed);
    out
}

/// The marks of a file made with `key`; refused when it is damaged, cut, made with another key
/// or changed by anybody without it.
pub fn decode(key: &[u8; 32], bytes: &[u8]) -> Result<Vec<Mark>, Bad> {
    check_prefix(bytes, KIND_HIGH_WATER)?;
    if bytes.len() < HEAD + 16 + 2 {
        return Err(Bad::new("the high-water mark is cut short"));
    }
    let nonce: [u8; 24] = bytes[8..HEAD].try_into().expect("24 bytes");
    let plain = zeroize::Zeroizing::new(
        sealer(key)
            .decrypt(&XNonce::from(nonce), Payload { msg: &bytes[HEAD..], aad: &bytes[..HEAD] })
            .map_err(|_| Bad::new("the high-water mark was not written by this vault, or was changed"))?,
    );
    let mut c = Cursor::new(&plain);
    let n = c.u16()? as usize;
    if n > MAX_ENTRIES || c.remaining() != n * ENTRY {
        return Err(Bad::new("the high-water mark holds a wrong number of entries"));
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(Mark { group: c.array()?, device: c.array()?, seq: c.u64()?, id: c.array()? });
    }
    Ok(out)
}

/// `marks` with the entry of (`group`, `device`) set to `seq` and `id`.
pub fn with_mark(marks: &[Mark], mark: Mark) -> Vec<Mark> {
    let mut out: Vec<Mark> =
        marks.iter().filter(|m| (m.group, m.device) != (mark.group, mark.device)).copied().collect();
    out.push(mark);
    out
}

/// Whether this vault is older than its own mark: the first sequence number of `device` in
/// `group` that the vault does not hold as it wrote it, or None. `last`: the vault's last sent
/// delta of that identity (seq, id), (0, zero) when none.
pub fn fork_point(marks: &[Mark], group: &[u8; 16], device: &[u8; 16], last: (u64, [u8; 32])) -> Option<u64> {
    let m = marks.iter().find(|m| &m.group == group && &m.device == device)?;
    if m.seq > last.0 {
        Some(last.0 + 1)
    } else if m.seq == last.0 && m.seq > 0 && m.id != last.1 {
        Some(last.0)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(g: u8, d: u8, seq: u64) -> Mark {
        Mark { group: [g; 16], device: [d; 16], seq, id: [seq as u8; 32] }
    }

    #[test]
    fn marks_round_trip_and_any_change_or_cut_is_refused() {
        let key = [7; 32];
        let marks = vec![mark(1, 2, 5), mark(1, 3, 9), mark(4, 2, 1)];
        let bytes = encode(&key, &marks, [5; 24]);
        assert_eq!(decode(&key, &bytes).unwrap(), marks);
        assert!(decode(&[8; 32], &bytes).unwrap_err().0.contains("not written by this vault"));
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            assert!(decode(&key, &bad).is_err(), "byte {i}");
        }
        for n in 0..bytes.len() {
            assert!(decode(&key, &bytes[..n]).is_err(), "cut to {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&key, &longer).is_err());
        assert_eq!(decode(&key, &encode(&key, &[], [6; 24])).unwrap(), vec![]);
        assert_ne!(file_name(&key), file_name(&[8; 32]));
        assert!(file_name(&key).ends_with(".hwm") && file_name(&key).len() == 36);
    }

    #[test]
    fn the_fork_point_of_a_vault_older_than_its_mark() {
        let marks = vec![mark(1, 2, 5), mark(1, 3, 9)];
        let (g, d) = ([1; 16], [2; 16]);
        type Case = (&'static str, (u64, [u8; 32]), Option<u64>);
        let cases: &[Case] = &[
            ("as it wrote it", (5, [5; 32]), None),
            ("ahead of the mark (the mark was not written after a crash)", (6, [6; 32]), None),
            ("restored: the mark knows delta 5, the vault 3", (3, [3; 32]), Some(4)),
            ("restored before its first delta", (0, [0; 32]), Some(1)),
            ("a copy wrote delta 5 differently", (5, [9; 32]), Some(5)),
        ];
        for (what, last, expect) in cases {
            assert_eq!(fork_point(&marks, &g, &d, *last), *expect, "{what}");
        }
        assert_eq!(fork_point(&marks, &[9; 16], &d, (0, [0; 32])), None, "another group");
        assert_eq!(fork_point(&marks, &g, &[9; 16], (0, [0; 32])), None, "another identity");
        let many: Vec<Mark> = (0..MAX_ENTRIES as u64 + 5).map(|i| mark(1, (i % 251) as u8, i)).collect();
        let kept = decode(&[7; 32], &encode(&[7; 32], &many, [7; 24])).unwrap();
        assert_eq!((kept.len(), kept.last()), (MAX_ENTRIES, many.last()), "the newest entries are kept");
        let updated = with_mark(&marks, Mark { seq: 6, ..mark(1, 2, 6) });
        assert_eq!(updated.len(), 2);
        assert_eq!(fork_point(&updated, &g, &d, (5, [5; 32])), Some(6));
    }
}
