//! The attachment blob (docs/formats/attachment.md): a 43-byte header (magic, attachment id,
//! nonce prefix), then the padded content in 64 KiB XChaCha20-Poly1305 STREAM chunks whose
//! associated data is the header. Streaming both ways, one chunk in memory at a time. Pure:
//! readers and writers in, the key and the nonce prefix passed in.
//!
//! A reader checks the blob's length and the SHA-256 of the whole blob against what the
//! database recorded before it decrypts a byte (review F8: every member holds the key, so only
//! that hash tells the author's blob from a member's), then the header, every chunk, the zero
//! padding and the content's SHA-256.

use std::io::{Read, Seek, SeekFrom, Write};

use aead_stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::KeyInit;
use chacha20poly1305::XChaCha20Poly1305;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};
use crate::sync::format::padded_len;

/// Magic and version (the last byte).
pub const MAGIC: [u8; 8] = *b"CBBLOB\x00\x01";
/// Header bytes: magic, attachment id, nonce prefix.
pub const HEADER_LEN: usize = 8 + 16 + NONCE_PREFIX_LEN;
/// The STREAM nonce prefix of XChaCha20-Poly1305 (24 bytes less 4 of counter and 1 of flag).
pub const NONCE_PREFIX_LEN: usize = 19;
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
/// Poly1305 tag per chunk.
pub const TAG: usize = 16;
/// The largest attachment (content bytes).
pub const MAX_CONTENT: u64 = 256 * 1024 * 1024;

/// An attachment's own key: 32 random bytes, never used for anything else.
pub struct BlobKey(Zeroizing<[u8; 32]>);

impl BlobKey {
    pub fn from_bytes(bytes: [u8; 32]) -> BlobKey {
        BlobKey(Zeroizing::new(bytes))
    }
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

/// What the database records of a blob, and what a reader checks it against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub attachment: [u8; 16],
    /// Content bytes.
    pub size: u64,
    /// SHA-256 of the content.
    pub sha256: [u8; 32],
    /// SHA-256 of the whole blob file.
    pub blob_sha256: [u8; 32],
}

fn bad(why: &str) -> Error {
    Error::invalid("attachment", why)
}

fn wrote(e: std::io::Error) -> Error {
    Error::io("writing an attachment", e)
}

/// The padded plaintext's length for `size` content bytes.
fn padded(size: u64) -> u64 {
    padded_len(usize::try_from(size).unwrap_or(usize::MAX)) as u64
}

/// The blob's length for `size` content bytes (at most [`MAX_CONTENT`]).
pub fn blob_len(size: u64) -> u64 {
    let p = padded(size);
    HEADER_LEN as u64 + p + TAG as u64 * p.div_ceil(CHUNK as u64)
}

fn header(attachment: &[u8; 16], prefix: &[u8; NONCE_PREFIX_LEN]) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..8].copy_from_slice(&MAGIC);
    h[8..24].copy_from_slice(attachment);
    h[24..].copy_from_slice(prefix);
    h
}

/// Reads exactly `buf.len()` bytes, or fewer at the end of `r`; returns how many.
pub(crate) fn fill(r: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("reading an attachment", e)),
        }
    }
    Ok(n)
}

/// Encrypts `size` bytes of `content` into `out` as the blob of `attachment`. `content` must
/// hold exactly `size` bytes (a file that changes while it is read is refused). Returns what
/// the database records.
pub fn seal(
    attachment: &[u8; 16],
    key: &BlobKey,
    prefix: &[u8; NONCE_PREFIX_LEN],
    content: &mut impl Read,
    size: u64,
    out: &mut impl Write,
) -> Result<Recorded> {
    if size > MAX_CONTENT {
        return Err(bad("a file is at most 256 MiB"));
    }
    let head = header(attachment, prefix);
    let mut blob_hash = Sha256::new();
    let mut content_hash = Sha256::new();
    out.write_all(&head).map_err(wrote)?;
    blob_hash.update(head);
    let aead = XChaCha20Poly1305::new(key.expose().into());
    let mut enc = EncryptorBE32::from_aead(aead, prefix.into());
    let total = padded(size);
    let mut done = 0u64; // plaintext bytes sealed, padding included
    let mut left = size; // content bytes still to read
    let mut buf: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(CHUNK + TAG));
    loop {
        let this = (total - done).min(CHUNK as u64) as usize;
        buf.clear();
        buf.resize(this, 0);
        let want = left.min(this as u64) as usize;
        if fill(content, &mut buf[..want])? != want {
            return Err(bad("the file became shorter while it was read: attach it again"));
        }
        content_hash.update(&buf[..want]);
        left -= want as u64;
        done += this as u64;
        let last = done == total;
        if last {
            let mut probe = [0u8; 1];
            if fill(content, &mut probe)? != 0 {
                return Err(bad("the file became longer while it was read: attach it again"));
            }
            enc.encrypt_last_in_place(&head, &mut *buf).map_err(|_| Error::Crypto("sealing an attachment failed"))?;
            blob_hash.update(&buf[..]);
            out.write_all(&buf).map_err(wrote)?;
            break;
        }
        enc.encrypt_next_in_place(&head, &mut *buf).map_err(|_| Error::Crypto("sealing an attachment failed"))?;
        blob_hash.update(&buf[..]);
        out.write_all(&buf).map_err(wrote)?;
    }
    out.flush().map_err(wrote)?;
    Ok(Recorded {
        attachment: *attachment,
        size,
        sha256: content_hash.finalize().into(),
        blob_sha256: blob_hash.finalize().into(),
    })
}

/// Checks a blob's length and the SHA-256 of all of it against `rec`, reading it once.
pub fn verify(blob: &mut impl Read, rec: &Recorded) -> Result<()> {
    if rec.size > MAX_CONTENT {
        return Err(bad("the recorded size is over 256 MiB: the record is damaged"));
    }
    let mut hash = Sha256::new();
    let mut len = 0u64;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = fill(blob, &mut buf)?;
        if n == 0 {
            break;
        }
        len += n as u64;
        if len > blob_len(rec.size) {
            return Err(bad("the file is longer than its record says: it was changed"));
        }
        hash.update(&buf[..n]);
    }
    if len < blob_len(rec.size) {
        return Err(bad("the file is shorter than its record says: it is not complete yet, or damaged"));
    }
    if <[u8; 32]>::from(hash.finalize()) != rec.blob_sha256 {
        return Err(bad("the file is not the one recorded: it was changed or replaced"));
    }
    Ok(())
}

/// Verifies the blob ([`verify`]), then decrypts its content into `out`, checking every chunk,
/// the padding and the content's SHA-256. What is written before a later check fails is
/// authentic (the blob's hash held) but incomplete: the caller discards it on an error.
pub fn open<R: Read + Seek>(blob: &mut R, key: &BlobKey, rec: &Recorded, out: &mut impl Write) -> Result<()> {
    blob.seek(SeekFrom::Start(0)).map_err(|e| Error::io("reading an attachment", e))?;
    verify(blob, rec)?;
    blob.seek(SeekFrom::Start(0)).map_err(|e| Error::io("reading an attachment", e))?;
    let mut head = [0u8; HEADER_LEN];
    if fill(blob, &mut head)? != HEADER_LEN || head[..8] != MAGIC {
        return Err(bad("the file is not a Casebook attachment of a version this build reads"));
    }
    if head[8..24] != rec.attachment {
        return Err(bad("the file belongs to another attachment"));
    }
    let prefix: [u8; NONCE_PREFIX_LEN] = head[24..].try_into().expect("19 bytes");
    let aead = XChaCha20Poly1305::new(key.expose().into());
    let mut dec = Some(DecryptorBE32::from_aead(aead, (&prefix).into()));
    let total = padded(rec.size);
    let (mut done, mut left) = (0u64, rec.size);
    let mut hash = Sha256::new();
    let mut buf: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(CHUNK + TAG));
    let wrong = || bad("the file was changed or damaged (a part of it does not decrypt)");
    loop {
        let this = (total - done).min(CHUNK as u64) as usize;
        buf.clear();
        buf.resize(this + TAG, 0);
        if fill(blob, &mut buf)? != this + TAG {
            return Err(wrong());
        }
        done += this as u64;
        if done == total {
            dec.take().ok_or_else(wrong)?.decrypt_last_in_place(&head, &mut *buf).map_err(|_| wrong())?;
        } else {
            dec.as_mut().ok_or_else(wrong)?.decrypt_next_in_place(&head, &mut *buf).map_err(|_| wrong())?;
        }
        let keep = left.min(this as u64) as usize;
        if buf[keep..].iter().any(|&b| b != 0) {
            return Err(bad("the file's padding is not empty: it was made wrongly or changed"));
        }
        hash.update(&buf[..keep]);
        out.write_all(&buf[..keep]).map_err(wrote)?;
        left -= keep as u64;
        buf.zeroize();
        if done == total {
            break;
        }
    }
    if <[u8; 32]>::from(hash.finalize()) != rec.sha256 {
        return Err(bad("the content is not the one recorded: it was changed"));
    }
    out.flush().map_err(wrote)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blob_length_follows_from_the_content_size() {
        assert_eq!(blob_len(0), (HEADER_LEN + 256 + TAG) as u64);
        assert_eq!(blob_len(256), (HEADER_LEN + 256 + TAG) as u64);
        let p = padded(CHUNK as u64 + 1);
        assert_eq!(blob_len(CHUNK as u64 + 1), HEADER_LEN as u64 + p + 2 * TAG as u64);
        assert!(blob_len(MAX_CONTENT) < MAX_CONTENT + MAX_CONTENT / 8);
        assert_eq!(header(&[1; 16], &[2; 19]).len(), 43);
    }
}
