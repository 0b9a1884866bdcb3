//! Reading a bundle (docs/formats/bundle.md sections 2–4): the archive, for version 2 the signed
//! `SHA256SUMS` before anything else, the manifest, the schema and every field. Then [`plan`]
//! decides who signed it and what it may do, field by field, and [`apply`] writes the plan in
//! one transaction (section 7).

mod apply;
pub mod attachments;
mod plan;

pub use apply::{apply, apply_planned, ImportReport};
pub use attachments::{Encrypted, IncomingAttachment, Source};
pub use plan::{hashes_of, plan, value_hash, FieldPlan, ImportPlan, PlannedAttachment, PlannedCase, Signer};

use std::collections::{BTreeMap, HashMap, HashSet};

use ed25519_dalek::VerifyingKey;
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};

use super::bundle;
use super::cases::{
    CaseRec, CasesDoc, ChildRec, ClockRec, Clocks, Counts, Manifest, Profile, BUNDLE_FORMAT, CASES_FORMAT,
};
use super::layout::{self, ReadAt};
use super::manifest::{parse_bundle_id, parse_sums, ManifestV2};
use super::sshsig;
use crate::error::{Error, Result};
use crate::model::input::{validate, Purpose};
use crate::model::{TableDef, Value, CASE, EVENT, NOTE, TASK};
use crate::store::read::parse_id;

/// Most cases a bundle may hold.
pub const MAX_CASES: usize = 1_000_000;

/// The newest bundle version this build reads and writes (3: version 2 with attachments).
pub const VERSION: u32 = super::cases::VERSION;

/// A record of the bundle, validated.
#[derive(Debug, Clone)]
pub struct Record {
    pub table: &'static TableDef,
    pub id: [u8; 16],
    pub case_id: [u8; 16],
    pub fields: Vec<(u8, Value)>,
}

/// What a version-2 bundle's signature vouches for (docs/formats/bundle.md section 3).
#[derive(Debug, Clone)]
pub struct Signed {
    /// The key that made the signature (equal to `manifest.signer`).
    pub key: VerifyingKey,
    pub bundle_id: [u8; 16],
    /// The age keys it was encrypted to; None: a passphrase.
    pub recipients: Option<Vec<String>>,
    pub partner: Option<String>,
    pub in_reply_to: Option<[u8; 16]>,
    pub reply_to: Vec<String>,
}

/// A bundle that decrypted and passed every check, ready to plan or apply.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// 1 (unsigned) or 2.
    pub version: u32,
    pub profile: Profile,
    /// When it was made, as the manifest says (RFC 3339).
    pub created: String,
    /// The exporting vault's id, as claimed: shown, never trusted.
    pub vault_id: String,
    pub counts: Counts,
    /// Version 2: the verified signature and what it covers.
    pub signed: Option<Signed>,
    /// SHA-256 of the encrypted file.
    pub sha256: [u8; 32],
    /// Cases first, then their children, in bundle order.
    pub records: Vec<Record>,
    /// Display names of the cases (legal name, alias or short id), by case id.
    pub names: HashMap<[u8; 16], String>,
    /// Version 3: the attachments, checked (hashes, names, cases).
    pub attachments: Vec<IncomingAttachment>,
    /// Where to read the attachments again when the import is applied.
    pub source: Option<Source>,
}

impl Bundle {
    /// Whether `bytes` are the encrypted file this bundle was read from (its SHA-256): an
    /// import applies the bundle a person previewed without decrypting it again, unless the
    /// file changed in between.
    pub fn is_of(&self, bytes: &[u8]) -> bool {
        <[u8; 32]>::from(Sha256::digest(bytes)) == self.sha256
    }
}

fn bad(field: &str, reason: impl Into<String>) -> Error {
    Error::invalid(field, &reason.into())
}

fn clock_of(c: &ClockRec, what: &str) -> Result<([u8; 16], u64)> {
    let hlc = crate::hex::decode::<8>(&c.hlc).map(u64::from_be_bytes);
    let device = crate::hex::decode::<16>(&c.device);
    match (device, hlc) {
        (Some(d), Some(h)) if h < (1 << 63) => Ok((d, h)),
        _ => Err(bad(
            "cases.json",
            format!("{what}: a clock must be 16 hex digits below 2^63 and a 32-hex-digit device"),
        )),
    }
}

/// A version-1 `full` bundle's clocks are checked, then not used: an import never merges with
/// a partner's clocks (docs/formats/bundle.md section 4).
fn check_clocks(table: &TableDef, clocks: &Option<Clocks>, what: &str) -> Result<()> {
    let Some(c) = clocks else { return Ok(()) };
    clock_of(&c.created, what)?;
    for (name, rec) in &c.fields {
        table.field(name).ok_or_else(|| bad("cases.json", format!("{what}: a clock for unknown field {name:?}")))?;
        clock_of(rec, what)?;
    }
    Ok(())
}

fn record(
    table: &'static TableDef,
    id: &str,
    case_id: [u8; 16],
    fields: &Map<String, Json>,
    clocks: &Option<Clocks>,
    profile: Profile,
    version: u32,
) -> Result<Record> {
    let what = format!("{} {id}", table.noun);
    let rid = parse_id(id).map_err(|_| bad("cases.json", format!("{what}: not a valid id")))?;
    let fields =
        validate(table, fields, Purpose::Update, &[]).map_err(|e| bad("cases.json", format!("{what}: {e}")))?;
    if clocks.is_some() && (profile != Profile::Full || version > 1) {
        return Err(bad("cases.json", format!("{what}: clocks in a redacted or version-2 bundle")));
    }
    check_clocks(table, clocks, &what)?;
    Ok(Record { table, id: rid, case_id: if table.code == CASE.code { rid } else { case_id }, fields })
}

/// What the manifest of either version says that the rest of the reading needs.
struct Header {
    version: u32,
    profile: Profile,
    created: String,
    vault_id: String,
    counts: Counts,
    signed: Option<Signed>,
    attachments: Vec<IncomingAttachment>,
}

fn version_error(version: u32) -> Error {
    bad(
        "version",
        if version > VERSION {
            format!("made by a newer Casebook (bundle version {version}); update Casebook")
        } else {
            format!("bundle version {version} does not exist")
        },
    )
}

/// The version a manifest claims, read before anything else in it is believed.
fn claimed_version(manifest: &[u8]) -> Result<u32> {
    #[derive(serde::Deserialize)]
    struct Probe {
        format: String,
        version: u32,
    }
    let p: Probe = serde_json::from_slice(manifest)
        .map_err(|e| bad("bundle", format!("manifest.json does not fit the format: {e}")))?;
    if p.format != BUNDLE_FORMAT {
        return Err(bad("bundle", "manifest.json is not a Casebook bundle manifest"));
    }
    Ok(p.version)
}

/// Versions 2 and 3: `SHA256SUMS` in its grammar naming exactly the other entries (attachments
/// included), each small entry's hash right, the signature over it valid and made by the
/// manifest's `signer` (section 3.1–3.2); then each attachment streamed through its hash, and
/// the manifest's list of them (section 9.2).
fn check_signed(
    entries: &BTreeMap<String, Vec<u8>>,
    attached: &[layout::Entry],
    src: &mut dyn ReadAt,
    version: u32,
) -> Result<Header> {
    let sums = parse_sums(&entries["SHA256SUMS"])?;
    let mut others: Vec<&str> = entries.keys().filter(|n| !n.starts_with("SHA256SUMS")).map(String::as_str).collect();
    others.extend(attached.iter().map(|e| e.name.as_str()));
    others.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    if sums.len() != others.len() || sums.iter().zip(&others).any(|((n, _), o)| n != o) {
        return Err(bad("bundle", "SHA256SUMS does not list exactly the entries of the archive"));
    }
    for (name, hash) in sums.iter().filter(|(n, _)| entries.contains_key(n)) {
        if <[u8; 32]>::from(Sha256::digest(&entries[name])) != *hash {
            return Err(bad("bundle", format!("{name} does not match its SHA-256 in SHA256SUMS: changed or damaged")));
        }
    }
    let key = sshsig::verify(&entries["SHA256SUMS.sig"], &entries["SHA256SUMS"])?;
    let m: ManifestV2 = serde_json::from_slice(&entries["manifest.json"])
        .map_err(|e| bad("bundle", format!("manifest.json does not fit the format: {e}")))?;
    if sshsig::parse_public(&m.signer).ok() != Some(key) || m.signer != sshsig::public_line(&key) {
        return Err(bad("signature", "the bundle was signed by another key than the one its manifest names"));
    }
    m.check()?;
    if m.version != version {
        return Err(bad("bundle", "the archive's entries do not fit its version: changed or damaged"));
    }
    let sums: HashMap<String, [u8; 32]> = sums.into_iter().collect();
    attachments::check_hashes(src, attached, &sums)?;
    let attachments = attachments::check_listed(&m.attachments, attached, &sums)?;
    let id = |s: &str, what: &str| parse_bundle_id(s, what).map(|u| *u.as_bytes());
    let signed = Signed {
        key,
        bundle_id: id(&m.bundle_id, "bundle_id")?,
        recipients: m.keys().map(|k| k.to_vec()),
        partner: m.partner.clone(),
        in_reply_to: m.in_reply_to.as_deref().map(|r| id(r, "in_reply_to")).transpose()?,
        reply_to: m.reply_to.clone(),
    };
    Ok(Header {
        version,
        profile: m.profile.parse()?,
        created: m.created,
        vault_id: m.vault_id,
        counts: m.counts,
        signed: Some(signed),
        attachments,
    })
}

/// Version 1: unsigned; each entry's size and hash as the manifest lists them.
fn check_unsigned(entries: &BTreeMap<String, Vec<u8>>) -> Result<Header> {
    let manifest: Manifest = serde_json::from_slice(&entries["manifest.json"])
        .map_err(|e| bad("bundle", format!("manifest.json does not fit the format: {e}")))?;
    for name in bundle::ENTRIES.iter().filter(|n| **n != "manifest.json") {
        let info =
            manifest.entries.get(*name).ok_or_else(|| bad("bundle", format!("manifest.json does not list {name}")))?;
        let bytes = &entries[*name];
        let hash: String = crate::hex::encode(&Sha256::digest(bytes));
        if info.size != bytes.len() as u64 || info.sha256 != hash {
            return Err(bad(
                "bundle",
                format!("{name} does not match its size and SHA-256 in manifest.json: changed or damaged"),
            ));
        }
    }
    if manifest.entries.len() != bundle::ENTRIES.len() - 1 {
        return Err(bad("bundle", "manifest.json lists entries the archive does not hold"));
    }
    Ok(Header {
        version: 1,
        profile: manifest.profile.parse()?,
        created: manifest.created,
        vault_id: manifest.vault_id,
        counts: manifest.counts,
        signed: None,
        attachments: Vec::new(),
    })
}

/// Most JSON values `cases.json` may hold (20,000 full cases hold about 1.2 million): counted
/// in a pass that allocates nothing, before any value is built, so that text of zeros cannot
/// make the reader build gigabytes of values (each is about 50 bytes in memory).
pub const MAX_JSON_VALUES: u64 = 2_000_000;

/// Counts the values of a JSON text without building them, refusing past `cap`.
fn count_values(text: &str, cap: u64) -> Result<()> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    struct Count<'a>(&'a mut u64, u64);
    impl Count<'_> {
        fn bump<E: serde::de::Error>(&mut self) -> std::result::Result<(), E> {
            *self.0 += 1;
            if *self.0 > self.1 {
                return Err(E::custom("too many values"));
            }
            Ok(())
        }
    }
    impl<'de> DeserializeSeed<'de> for Count<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    macro_rules! leaf {
        ($($f:ident: $t:ty),*) => {$(
            fn $f<E: serde::de::Error>(mut self, _: $t) -> std::result::Result<(), E> { self.bump() }
        )*};
    }
    impl<'de> Visitor<'de> for Count<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        leaf!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);
        fn visit_unit<E: serde::de::Error>(mut self) -> std::result::Result<(), E> {
            self.bump()
        }
        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> std::result::Result<(), A::Error> {
            self.bump()?;
            while seq.next_element_seed(Count(&mut *self.0, self.1))?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> std::result::Result<(), A::Error> {
            self.bump()?;
            while map.next_key::<IgnoredAny>()?.is_some() {
                map.next_value_seed(Count(&mut *self.0, self.1))?;
            }
            Ok(())
        }
    }
    let mut n = 0;
    let mut de = serde_json::Deserializer::from_str(text);
    Count(&mut n, cap).deserialize(&mut de).and_then(|()| de.end()).map_err(|e| {
        if n > cap {
            bad("bundle", format!("cases.json holds more than {cap} values: not a bundle Casebook reads"))
        } else {
            bad("bundle", format!("cases.json does not fit the schema: {e}"))
        }
    })
}

/// Opens and checks a decrypted archive held in memory (as [`check_archive`]).
pub fn check(zip: &[u8], sha256: [u8; 32]) -> Result<Bundle> {
    let (archive, mut src) = bundle::read_from(std::io::Cursor::new(zip))?;
    check_archive(archive, &mut src, sha256, || None)
}

/// Checks a read archive: for versions 2 and 3 the signed sums first, then the manifest and the
/// attachments (streamed from `src`); `cases.json` against the schema and every field against
/// the rules of `case add`. `source` says how to read the attachments again when the import is
/// applied; it is asked only when there are some.
pub fn check_archive(
    archive: bundle::Archive,
    src: &mut dyn ReadAt,
    sha256: [u8; 32],
    source: impl FnOnce() -> Option<Source>,
) -> Result<Bundle> {
    let bundle::Archive { entries, attachments: attached } = archive;
    let signed = entries.contains_key("SHA256SUMS");
    let version = claimed_version(&entries["manifest.json"])?;
    let header = match version {
        2 | 3 if signed => check_signed(&entries, &attached, src, version)?,
        1 if !signed && attached.is_empty() => check_unsigned(&entries)?,
        1..=3 => return Err(bad("bundle", "the archive's entries do not fit its version: changed or damaged")),
        v => return Err(version_error(v)),
    };
    if header.version >= 2 && header.profile == Profile::Summary {
        return Err(bad(
            "bundle",
            "a summary holds counts only, no case files: there is nothing to import (its cases.csv opens in a spreadsheet)",
        ));
    }
    let text =
        std::str::from_utf8(&entries["cases.json"]).map_err(|_| bad("bundle", "cases.json is not valid UTF-8"))?;
    count_values(text, MAX_JSON_VALUES)?;
    let doc: CasesDoc =
        serde_json::from_str(text).map_err(|e| bad("bundle", format!("cases.json does not fit the schema: {e}")))?;
    drop(entries); // the text is parsed: only the cases stay in memory from here on
    if doc.format != CASES_FORMAT || doc.version != header.version || doc.profile != header.profile.as_str() {
        return Err(bad("bundle", "cases.json's format, version or profile does not match the manifest"));
    }
    if doc.cases.len() > MAX_CASES {
        return Err(bad("bundle", format!("more than {MAX_CASES} cases")));
    }
    let (profile, version) = (header.profile, header.version);
    let mut records = Vec::new();
    let mut names = HashMap::new();
    let mut seen = HashSet::new();
    for c in &doc.cases {
        let case = record(&CASE, &c.id, [0; 16], &c.fields, &c.clocks, profile, version)?;
        let cid = case.id;
        names.insert(cid, display_name(c));
        records.push(case);
        for (table, list) in [(&NOTE, &c.notes), (&TASK, &c.tasks), (&EVENT, &c.events)] {
            for ch in list.iter() {
                records.push(child(table, ch, cid, profile, version)?);
            }
        }
    }
    for r in &records {
        if !seen.insert(r.id) {
            return Err(bad("cases.json", format!("the id {} appears twice", crate::store::read::uuid_string(&r.id))));
        }
    }
    let cases: HashSet<[u8; 16]> = records.iter().filter(|r| r.table.code == CASE.code).map(|r| r.id).collect();
    for a in &header.attachments {
        if !cases.contains(&a.case_id) || seen.contains(&a.id) {
            return Err(bad(
                "bundle",
                format!(
                    "attachment {}: its case is not in the bundle, or its id is a record's",
                    uuid::Uuid::from_bytes(a.id)
                ),
            ));
        }
    }
    if super::cases::counts(&doc.cases) != header.counts {
        return Err(bad("bundle", "the counts in manifest.json do not match cases.json"));
    }
    drop(doc);
    Ok(Bundle {
        version,
        profile,
        created: header.created,
        vault_id: header.vault_id,
        counts: header.counts,
        signed: header.signed,
        sha256,
        records,
        names,
        source: if header.attachments.is_empty() { None } else { source() },
        attachments: header.attachments,
    })
}

fn child(table: &'static TableDef, ch: &ChildRec, case: [u8; 16], profile: Profile, version: u32) -> Result<Record> {
    record(table, &ch.id, case, &ch.fields, &ch.clocks, profile, version)
}

fn display_name(c: &CaseRec) -> String {
    if let Some(n) = c.fields.get("full_name").and_then(|v| v.as_str()) {
        return n.to_string();
    }
    if let Some(n) = c.fields.get("code_name").and_then(|v| v.as_str()) {
        return n.to_string();
    }
    format!("Case {}", &c.id.chars().filter(|c| c.is_ascii_hexdigit()).take(8).collect::<String>())
}
