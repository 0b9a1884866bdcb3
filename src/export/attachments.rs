//! The attachments an export carries (docs/formats/bundle.md section 9.1): which ones (the
//! profile decides what may be asked), each one's content as the bundle holds it (an image whose
//! metadata was kept at attach is stripped again in memory unless the export keeps it too), and
//! its size, SHA-256 and CRC-32 measured in a first pass, so that the archive streams it in a
//! second pass with its local header written first.

use std::collections::HashSet;
use std::io::Write;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::bundle::MAX_ATTACHMENTS;
use super::cases::Profile;
use crate::attach::vault::{read_content, STRIP_MAX};
use crate::attach::{kind, strip};
use crate::error::{Error, Result};
use crate::store::attachments::AttachmentInfo;
use crate::store::read::parse_id;
use crate::store::Store;

/// Which attachments of the selected cases an export carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Pick {
    #[default]
    None,
    /// Every attachment of the selected cases (`--with-attachments`, `full` only).
    All,
    /// These (`--attachment ID`, `full` or `no-identity`).
    Ids(Vec<[u8; 16]>),
}

/// The attachments of an export, and whether their metadata is kept (`--keep-metadata`).
#[derive(Debug, Clone, Default)]
pub struct Attachments {
    pub pick: Pick,
    pub keep_metadata: bool,
}

/// One attachment as the bundle carries it, measured.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Its id and its case's in this vault.
    pub id: [u8; 16],
    pub case_id: [u8; 16],
    /// Its id and its case's as the bundle names them (per partner in a redacted bundle).
    pub bundle_id: [u8; 16],
    pub bundle_case: [u8; 16],
    pub name: String,
    pub media_type: String,
    pub label: Option<String>,
    /// Stripped again as it is exported.
    pub strip: bool,
    /// Whether the bundle's bytes are free of the metadata (stripped at attach or now).
    pub metadata_removed: bool,
    pub size: u64,
    pub sha256: [u8; 32],
    pub crc: u32,
}

fn state_words(state: &str) -> &'static str {
    match state {
        "waiting" => "has not arrived on this device yet",
        "over_quota" => "is held back by its device's storage quota",
        "refused" => "arrived damaged and was refused",
        _ => "is not in this vault",
    }
}

/// The attachments `with` asks for among the cases `cases` (their ids in this vault), checked
/// against the profile: refused by name when one cannot be exported.
pub fn choose(store: &Store, cases: &[[u8; 16]], with: &Attachments, profile: Profile) -> Result<Vec<AttachmentInfo>> {
    let refuse = |why: &str| Err(Error::invalid("attachments", why));
    let list = match (&with.pick, profile) {
        (Pick::None, _) => return Ok(Vec::new()),
        (_, Profile::Summary) => return refuse("a summary names no case, so it carries no attachment"),
        (Pick::All, Profile::NoIdentity) => {
            return refuse(
                "a no-identity bundle carries only the attachments you pick (a scan shows who the person is): give them with --attachment ID",
            )
        }
        (Pick::All, _) => {
            let mut all = Vec::new();
            for c in cases {
                all.extend(store.attachments_of(c)?);
            }
            all
        }
        (Pick::Ids(ids), _) => {
            let selected: HashSet<&[u8; 16]> = cases.iter().collect();
            let mut seen = HashSet::new();
            let mut out = Vec::with_capacity(ids.len());
            for id in ids.iter().filter(|id| seen.insert(**id)) {
                let a = store.attachment(id)?;
                if !selected.contains(&parse_id(&a.case_id)?) {
                    return refuse(&format!(
                        "attachment {} belongs to a case this export does not carry: select its case too",
                        a.id
                    ));
                }
                out.push(a);
            }
            out
        }
    };
    if list.len() > MAX_ATTACHMENTS {
        return refuse(&format!(
            "{} attachments: a bundle carries at most {MAX_ATTACHMENTS}; export fewer cases",
            list.len()
        ));
    }
    for a in &list {
        if a.state != "stored" {
            return refuse(&format!(
                "the file of attachment {:?} ({}) {}: sync first, or leave it out",
                a.name,
                a.id,
                state_words(&a.state)
            ));
        }
    }
    Ok(list)
}

/// Writes an attachment's content as the bundle carries it.
pub fn write_content(store: &Store, o: &Outgoing, out: &mut dyn Write) -> Result<()> {
    let mut out = out;
    if !o.strip {
        return read_content(store, &o.id, &mut out);
    }
    let mut all = Zeroizing::new(Vec::with_capacity(STRIP_MAX as usize / 8));
    read_content(store, &o.id, &mut *all)?;
    let clean = strip::strip(&o.media_type, &all)
        .map_err(|why| {
            Error::invalid(
                "attachments",
                &format!(
                    "the metadata of {:?} cannot be removed ({why}): export with --keep-metadata, or leave it out",
                    o.name
                ),
            )
        })?
        .map(Zeroizing::new);
    let bytes: &[u8] = clean.as_deref().map_or(&all, |c| c);
    out.write_all(bytes).map_err(|e| Error::io("writing the bundle", e))
}

struct Measure {
    sha: Sha256,
    crc: crc32fast::Hasher,
    n: u64,
}

impl Write for Measure {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sha.update(buf);
        self.crc.update(buf);
        self.n += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The first pass: each attachment's content as the bundle will carry it, measured (one chunk
/// in memory at a time; an image stripped now, whole, at most 32 MiB).
pub fn measure(store: &Store, list: &[AttachmentInfo], keep_metadata: bool) -> Result<Vec<Outgoing>> {
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        let strip = !keep_metadata && !a.stripped && kind::is_image(&a.media_type);
        if strip && a.size > STRIP_MAX {
            return Err(Error::invalid(
                "attachments",
                &format!(
                    "{:?} is an image over 32 MiB whose metadata was kept: too large to remove it now; export with --keep-metadata, or leave it out",
                    a.name
                ),
            ));
        }
        let (id, case_id) = (parse_id(&a.id)?, parse_id(&a.case_id)?);
        let mut o = Outgoing {
            id,
            case_id,
            bundle_id: id,
            bundle_case: case_id,
            name: a.name.clone(),
            media_type: a.media_type.clone(),
            label: a.label.clone(),
            strip,
            metadata_removed: a.stripped || strip,
            size: 0,
            sha256: [0; 32],
            crc: 0,
        };
        let mut m = Measure { sha: Sha256::new(), crc: crc32fast::Hasher::new(), n: 0 };
        write_content(store, &o, &mut m)?;
        (o.size, o.sha256, o.crc) = (m.n, m.sha.finalize().into(), m.crc.finalize());
        out.push(o);
    }
    Ok(out)
}
