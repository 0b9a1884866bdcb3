//! The attachment blob (docs/formats/attachment.md): round trips at the sizes where chunking
//! and padding change, and every way a member or the share could change a blob — each refused
//! with a clear error, and the ones that keep the blob's recorded hash refused before anything
//! is decrypted.

use std::io::Cursor;

use casebook::attach::blob::{self, BlobKey, Recorded, CHUNK, HEADER_LEN, TAG};

const ID: [u8; 16] = [0x11; 16];
const PREFIX: [u8; 19] = [0x22; 19];

fn key() -> BlobKey {
    BlobKey::from_bytes([0x33; 32])
}

fn content(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

fn seal(id: &[u8; 16], key: &BlobKey, data: &[u8]) -> (Vec<u8>, Recorded) {
    let mut out = Vec::new();
    let rec = blob::seal(id, key, &PREFIX, &mut Cursor::new(data), data.len() as u64, &mut out).unwrap();
    (out, rec)
}

fn open(bytes: &[u8], key: &BlobKey, rec: &Recorded) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    blob::open(&mut Cursor::new(bytes), key, rec, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// A recorded blob whose hashes match `bytes` (what a member could record for a blob of its own).
fn recorded_for(bytes: &[u8], rec: &Recorded) -> Recorded {
    use sha2::{Digest, Sha256};
    Recorded { blob_sha256: Sha256::digest(bytes).into(), ..rec.clone() }
}

#[test]
fn content_comes_back_byte_for_byte_at_every_size_where_chunks_and_padding_change() {
    for n in [0, 1, 255, 256, 257, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7, 20 * 1024 * 1024] {
        let data = content(n);
        let (bytes, rec) = seal(&ID, &key(), &data);
        assert_eq!(bytes.len() as u64, blob::blob_len(n as u64), "size {n}");
        assert_eq!(rec.size, n as u64);
        assert_eq!(open(&bytes, &key(), &rec).unwrap(), data, "size {n}");
        // The content does not show through: no 16-byte run of it appears in the blob.
        if n >= 64 {
            assert!(!bytes.windows(16).any(|w| w == &data[16..32]), "size {n}");
        }
    }
}

#[test]
fn a_file_that_changes_while_it_is_read_or_is_too_big_is_refused() {
    let data = content(1000);
    let mut out = Vec::new();
    let short = blob::seal(&ID, &key(), &PREFIX, &mut Cursor::new(&data[..900]), 1000, &mut out);
    assert!(short.unwrap_err().to_string().contains("shorter while it was read"));
    let long = blob::seal(&ID, &key(), &PREFIX, &mut Cursor::new(&data), 999, &mut Vec::new());
    assert!(long.unwrap_err().to_string().contains("longer while it was read"));
    let big = blob::seal(&ID, &key(), &PREFIX, &mut Cursor::new(&data), blob::MAX_CONTENT + 1, &mut Vec::new());
    assert!(big.unwrap_err().to_string().contains("at most 256 MiB"));
}

#[test]
fn a_changed_blob_is_refused_by_its_recorded_hash_before_any_byte_is_decrypted() {
    let data = content(3 * CHUNK + 100);
    let (bytes, rec) = seal(&ID, &key(), &data);
    let mut flipped = bytes.clone();
    flipped[HEADER_LEN + CHUNK + 5] ^= 0x01;
    let err = open(&flipped, &key(), &rec).unwrap_err();
    assert!(err.contains("not the one recorded"), "{err}");
    // A member re-encrypts other content under this attachment's own key (every member holds
    // it): the AEAD would accept it, the recorded hash does not.
    let (swapped, _) = seal(&ID, &key(), &content(3 * CHUNK + 100).iter().map(|b| b ^ 0xff).collect::<Vec<_>>());
    assert_eq!(swapped.len(), bytes.len());
    let err = open(&swapped, &key(), &rec).unwrap_err();
    assert!(err.contains("not the one recorded"), "{err}");
    // Truncated (a sync tool still copying it) and extended files: by their length.
    let err = open(&bytes[..bytes.len() - 1], &key(), &rec).unwrap_err();
    assert!(err.contains("not complete yet"), "{err}");
    let mut longer = bytes.clone();
    longer.push(0);
    let err = open(&longer, &key(), &rec).unwrap_err();
    assert!(err.contains("longer than its record"), "{err}");
}

/// With the recorded hash made to match (a member recording its own attachment), the chunk
/// checks still refuse every rearrangement.
#[test]
fn chunks_cannot_be_flipped_swapped_dropped_or_moved_to_another_attachment() {
    let data = content(3 * CHUNK + 100);
    let (bytes, rec) = seal(&ID, &key(), &data);
    let sealed = CHUNK + TAG;
    let chunk = |i: usize| HEADER_LEN + i * sealed..HEADER_LEN + (i + 1) * sealed;
    let refused = |b: &[u8], what: &str| {
        let err = open(b, &key(), &recorded_for(b, &rec)).unwrap_err();
        assert!(err.contains("changed or damaged") || err.contains("another attachment"), "{what}: {err}");
    };
    let mut flipped = bytes.clone();
    flipped[HEADER_LEN + 2 * sealed + 9] ^= 0x80;
    refused(&flipped, "a flipped bit");
    let mut swapped = bytes.clone();
    let (a, b) = (bytes[chunk(0)].to_vec(), bytes[chunk(1)].to_vec());
    swapped[chunk(0)].copy_from_slice(&b);
    swapped[chunk(1)].copy_from_slice(&a);
    refused(&swapped, "two chunks swapped");
    let mut prefix = bytes.clone();
    prefix[30] ^= 1;
    refused(&prefix, "another nonce prefix");
    // The same content sealed for another attachment, under the same key: its header names
    // the other id, and with this id written in, no chunk opens.
    let (other, _) = seal(&[0x44; 16], &key(), &data);
    refused(&other, "another attachment's blob");
    let mut relabelled = other.clone();
    relabelled[8..24].copy_from_slice(&ID);
    refused(&relabelled, "another attachment's chunks under this id");
    // Dropping the last chunk leaves a blob too short for its record: a member who records the
    // shorter size too gets a last chunk that was not sealed as last.
    let short = &bytes[..HEADER_LEN + 3 * sealed];
    let as_if = Recorded { size: 3 * CHUNK as u64 - 300, ..recorded_for(short, &rec) };
    assert_eq!(blob::blob_len(as_if.size), short.len() as u64);
    let err = open(short, &key(), &as_if).unwrap_err();
    assert!(err.contains("changed or damaged"), "{err}");
    // The wrong key.
    let err = open(&bytes, &BlobKey::from_bytes([0x34; 32]), &rec).unwrap_err();
    assert!(err.contains("changed or damaged"), "{err}");
    // Not a blob at all.
    let mut junk = bytes.clone();
    junk[..8].copy_from_slice(b"PK\x03\x04....");
    let err = open(&junk, &key(), &recorded_for(&junk, &rec)).unwrap_err();
    assert!(err.contains("not a Casebook attachment"), "{err}");
}

#[test]
fn padding_and_content_are_checked_against_the_record() {
    let data = content(1010);
    let (bytes, rec) = seal(&ID, &key(), &data);
    // A record that claims fewer content bytes than were sealed: the rest is not zero padding.
    let claims_less = Recorded { size: 1000, ..rec.clone() };
    assert_eq!(blob::blob_len(1000), blob::blob_len(1010), "one padding bucket");
    let err = open(&bytes, &key(), &claims_less).unwrap_err();
    assert!(err.contains("padding is not empty"), "{err}");
    // A record whose content hash is not the content's.
    let wrong_hash = Recorded { sha256: [0; 32], ..rec };
    let err = open(&bytes, &key(), &wrong_hash).unwrap_err();
    assert!(err.contains("content is not the one recorded"), "{err}");
}
