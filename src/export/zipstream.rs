//! The one writer of bundle archives (docs/formats/bundle.md sections 2.1 and 9): a ZIP written
//! front to back into any `Write` (an age stream, in practice), never seeking. Each entry's CRC
//! and sizes are known before its local header is written, so the archive has the canonical
//! layout `layout::check` accepts: no data descriptors, no ZIP64, no comments, no extra fields.
//! Small entries are deflated in memory; attachments are stored and streamed.

use std::io::Write;

use crate::error::{Error, Result};

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
/// Bit 11: the name is UTF-8.
const UTF8: u16 = 1 << 11;
/// MS-DOS date of 1980-01-01 (time 00:00): entries carry no time of their own.
const DOS_DATE: u16 = (1 << 5) | 1;
/// Version needed to extract: 2.0 (deflate).
const NEEDED: u16 = 20;
/// Made by: Unix, 2.0 (so that the mode below is read).
const MADE_BY: u16 = (3 << 8) | 20;
/// A regular file readable by its owner only.
const MODE: u32 = 0o100600 << 16;

fn too_large() -> Error {
    Error::invalid(
        "export",
        "the bundle would be larger than 4 GiB, more than one bundle can hold: export fewer cases or leave some attachments out",
    )
}

struct Central {
    name: String,
    method: u16,
    crc: u32,
    packed: u32,
    size: u32,
    at: u32,
}

/// A ZIP archive being written to `W`.
pub struct ZipStream<W: Write> {
    out: W,
    at: u64,
    entries: Vec<Central>,
}

impl<W: Write> ZipStream<W> {
    pub fn new(out: W) -> Self {
        ZipStream { out, at: 0, entries: Vec::new() }
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(|e| Error::io("writing the bundle", e))?;
        self.at += bytes.len() as u64;
        if self.at >= u32::MAX as u64 {
            return Err(too_large());
        }
        Ok(())
    }

    fn header(&mut self, name: &str, method: u16, crc: u32, packed: u64, size: u64) -> Result<()> {
        if name.is_empty() || name.len() > super::layout::MAX_NAME || self.entries.len() >= 0xFFFF {
            return Err(Error::invalid("export", "an entry of the bundle cannot be named or counted in a ZIP archive"));
        }
        let (packed, size) = match (u32::try_from(packed), u32::try_from(size)) {
            (Ok(p), Ok(s)) if p < u32::MAX && s < u32::MAX => (p, s),
            _ => return Err(too_large()),
        };
        let at = u32::try_from(self.at).map_err(|_| too_large())?;
        let mut h = Vec::with_capacity(30 + name.len());
        h.extend_from_slice(&LOCAL_SIG.to_le_bytes());
        for v in [NEEDED, UTF8, method, 0, DOS_DATE] {
            h.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, packed, size] {
            h.extend_from_slice(&v.to_le_bytes());
        }
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(name.as_bytes());
        self.put(&h)?;
        self.entries.push(Central { name: name.to_string(), method, crc, packed, size, at });
        Ok(())
    }

    /// Adds an entry held in memory, deflated.
    pub fn add_deflated(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).map_err(|e| Error::io("building the archive", e))?;
        let packed = zeroize::Zeroizing::new(enc.finish().map_err(|e| Error::io("building the archive", e))?);
        self.header(name, 8, crc32fast::hash(bytes), packed.len() as u64, bytes.len() as u64)?;
        self.put(&packed)
    }

    /// Adds a stored entry of `size` bytes with CRC-32 `crc`, which `fill` writes to the given
    /// writer. What `fill` writes is counted and checked: other bytes than announced are an
    /// error (the archive is then unusable and the caller removes it).
    pub fn add_stored(
        &mut self,
        name: &str,
        size: u64,
        crc: u32,
        fill: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        self.header(name, 0, crc, size, size)?;
        let mut counted = Counted { inner: &mut self.out, n: 0, crc: crc32fast::Hasher::new() };
        fill(&mut counted)?;
        let (n, got) = (counted.n, counted.crc.finalize());
        if n != size || got != crc {
            return Err(Error::invalid("attachment", &format!("{name} changed while it was exported: export again")));
        }
        self.at += n;
        if self.at >= u32::MAX as u64 {
            return Err(too_large());
        }
        Ok(())
    }

    /// Writes the central directory and the end record; returns the writer.
    pub fn finish(mut self) -> Result<W> {
        let cd_at = u32::try_from(self.at).map_err(|_| too_large())?;
        let mut cd = Vec::with_capacity(self.entries.len() * 100);
        for e in &self.entries {
            cd.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
            for v in [MADE_BY, NEEDED, UTF8, e.method, 0, DOS_DATE] {
                cd.extend_from_slice(&v.to_le_bytes());
            }
            for v in [e.crc, e.packed, e.size] {
                cd.extend_from_slice(&v.to_le_bytes());
            }
            // name length, extra 0, comment 0, disk 0, internal attributes 0
            for v in [e.name.len() as u16, 0, 0, 0, 0] {
                cd.extend_from_slice(&v.to_le_bytes());
            }
            cd.extend_from_slice(&MODE.to_le_bytes());
            cd.extend_from_slice(&e.at.to_le_bytes());
            cd.extend_from_slice(e.name.as_bytes());
        }
        self.put(&cd)?;
        let n = self.entries.len() as u16;
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&END_SIG.to_le_bytes());
        for v in [0u16, 0, n, n] {
            end.extend_from_slice(&v.to_le_bytes());
        }
        end.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        end.extend_from_slice(&cd_at.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        self.put(&end)?;
        Ok(self.out)
    }
}

struct Counted<'a, W: Write> {
    inner: &'a mut W,
    n: u64,
    crc: crc32fast::Hasher,
}

impl<W: Write> Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn writes_what_layout_check_and_the_zip_library_read_alike() {
        let mut z = ZipStream::new(Vec::new());
        z.add_deflated("manifest.json", b"{\"a\": 1}").unwrap();
        let data = b"stored bytes".repeat(1000);
        z.add_stored("attachments/x/a.bin", data.len() as u64, crc32fast::hash(&data), |w| {
            w.write_all(&data).map_err(|e| Error::io("t", e))
        })
        .unwrap();
        let bytes = z.finish().unwrap();
        let entries = crate::export::layout::check(&mut &bytes[..], 10).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[1].method, entries[1].size, entries[1].packed), (0, data.len() as u64, data.len() as u64));
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let mut back = Vec::new();
        zip.by_index(1).unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        let mut m = String::new();
        zip.by_index(0).unwrap().read_to_string(&mut m).unwrap();
        assert_eq!(m, "{\"a\": 1}");
    }

    #[test]
    fn a_stored_entry_that_is_not_what_was_announced_is_an_error() {
        let mut z = ZipStream::new(Vec::new());
        let err = z.add_stored("a", 3, crc32fast::hash(b"abc"), |w| w.write_all(b"abd").map_err(|e| Error::io("t", e)));
        assert!(err.unwrap_err().to_string().contains("changed while it was exported"));
        let mut z = ZipStream::new(Vec::new());
        assert!(z
            .add_stored("a", 4, crc32fast::hash(b"abc"), |w| w.write_all(b"abc").map_err(|e| Error::io("t", e)))
            .is_err());
    }
}
