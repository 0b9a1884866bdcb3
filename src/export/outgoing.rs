//! Building a bundle (docs/formats/bundle.md sections 2–6): the selected cases, redacted, as
//! `cases.json`, `cases.csv` and `README.txt`; the signed manifest naming whom it is for;
//! `SHA256SUMS` and its SSH signature; the archive; age. The vault remembers what it sent
//! (`exports`, section 7.3), the base of a reply's plan.

use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::attachments::{Attachments, Outgoing};
use super::cases::{self, CaseRec, Profile, Selection};
use super::manifest::{check_partner_name, sums_of, ManifestAttachment, ManifestV2, Recipients};
use super::redact::{self, Options};
use super::zipstream::ZipStream;
use super::{bundle, check_request, crypt, export_keys, signing_key, sshsig, Protection};
use crate::dates::format_timestamp;
use crate::error::{Error, Result};
use crate::model::input::{validate, Purpose};
use crate::model::{TableDef, CASE, EVENT, NOTE, TASK};
use crate::store::exchange::{ExportRecord, KeyKind, SentValues};
use crate::store::read::parse_id;
use crate::store::Store;

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub cases: u64,
    pub notes: u64,
    pub tasks: u64,
    pub events: u64,
    /// Attachments it carries (version 3, docs/formats/bundle.md section 9).
    pub attachments: u64,
    pub bytes: u64,
    pub profile: String,
    pub bundle_id: String,
    /// The partner it was made for.
    pub partner: Option<String>,
    /// The age keys it was encrypted to, or `passphrase`.
    pub recipients: Vec<String>,
}

/// An export: which cases, how redacted, protected how, for whom.
pub struct Request<'a> {
    pub selection: &'a Selection,
    pub profile: Profile,
    pub protection: &'a Protection,
    /// The contact-book partner it is made for (named in the signed manifest).
    pub partner: Option<&'a str>,
    /// The bundle it answers.
    pub in_reply_to: Option<[u8; 16]>,
    /// The profile's options (`--include-city`).
    pub options: Options,
}

/// The recipients of a partner of the contact book that this device may use: confirmed here
/// and not revoked (docs/formats/bundle.md section 8).
pub fn partner_recipients(store: &Store, name: &str) -> Result<Vec<String>> {
    let p = store.partner(name)?.ok_or_else(|| {
        Error::invalid("partner", "no partner of this name is in the contact book (see `casebook partner list`)")
    })?;
    let keys: Vec<String> =
        p.keys.iter().filter(|k| k.kind == KeyKind::Recipient && k.usable()).map(|k| k.key.clone()).collect();
    if keys.is_empty() {
        let elsewhere = p.keys.iter().find(|k| k.kind == KeyKind::Recipient && !k.usable());
        return Err(Error::invalid(
            "partner",
            &match elsewhere {
                Some(k) => format!(
                    "this key is not confirmed on this device: {name}'s key was added by {}; compare its fingerprint with the partner by phone, then confirm it with `casebook partner confirm`",
                    super::partners::device_words(k)
                ),
                None => "this partner has no age key: add one with `casebook partner add --recipient`".to_string(),
            },
        ));
    }
    Ok(keys)
}

/// Builds an encrypted bundle of the selected cases, for nobody in particular.
pub fn export_bundle(
    store: &mut Store,
    vault_id: Uuid,
    selection: &Selection,
    profile: Profile,
    protection: &Protection,
) -> Result<(Vec<u8>, ExportSummary)> {
    let req = Request { selection, profile, protection, partner: None, in_reply_to: None, options: Options::default() };
    export_for(store, vault_id, &req)
}

/// The hash of every value a record carries, as an import reads it back (validated).
fn sent_values(list: &[CaseRec]) -> Result<SentValues> {
    let mut out = SentValues::new();
    let mut put = |table: &TableDef, id: &str, fields: &serde_json::Map<String, serde_json::Value>| -> Result<()> {
        let values = validate(table, fields, Purpose::Update, &[])?;
        out.insert(parse_id(id)?, crate::export::import::hashes_of(&values));
        Ok(())
    };
    for c in list {
        put(&CASE, &c.id, &c.fields)?;
        for (table, children) in [(&NOTE, &c.notes), (&TASK, &c.tasks), (&EVENT, &c.events)] {
            for ch in children {
                put(table, &ch.id, &ch.fields)?;
            }
        }
    }
    Ok(out)
}

/// Replaces every record id (and each child's case id) by its pseudonym for `label`.
fn pseudonymise(list: &mut [CaseRec], key: &[u8; 32], label: &str) -> Result<()> {
    let p = |id: &str| -> Result<String> {
        Ok(Uuid::from_bytes(redact::pseudonym(key, label, &parse_id(id)?)).to_string())
    };
    for c in list.iter_mut() {
        c.id = p(&c.id)?;
        for ch in c.notes.iter_mut().chain(c.tasks.iter_mut()).chain(c.events.iter_mut()) {
            ch.id = p(&ch.id)?;
        }
    }
    Ok(())
}

/// Fisher–Yates with the store's entropy: cases, and each case's records.
fn shuffle(list: &mut [CaseRec], store: &mut Store) {
    fn mix<T>(v: &mut [T], store: &mut Store) {
        for i in (1..v.len()).rev() {
            let mut b = [0u8; 8];
            store.entropy.fill(&mut b);
            v.swap(i, (u64::from_le_bytes(b) % (i as u64 + 1)) as usize);
        }
    }
    mix(list, store);
    for c in list.iter_mut() {
        mix(&mut c.notes, store);
        mix(&mut c.tasks, store);
        mix(&mut c.events, store);
    }
}

/// A bundle made and signed, not yet written: its small entries, its attachments (measured),
/// and what the vault remembers once it is written.
struct Prepared {
    entries: Vec<(&'static str, zeroize::Zeroizing<Vec<u8>>)>,
    attachments: Vec<(String, Outgoing)>,
    sent: SentValues,
    bundle_id: Uuid,
    recipients: Recipients,
    counts: cases::Counts,
}

/// Builds an encrypted, signed bundle for `req` in memory, and remembers what it sent. It
/// carries no attachment: [`export_to_file`] streams those.
pub fn export_for(store: &mut Store, vault_id: Uuid, req: &Request<'_>) -> Result<(Vec<u8>, ExportSummary)> {
    let p = prepare(store, vault_id, req, &Attachments::default())?;
    let mut w = crypt::sealer(req.protection, Vec::new())?;
    write_archive(store, &p, &mut w)?;
    let sealed = w.finish().map_err(|e| Error::io("age encryption", e))?;
    let summary = remember(store, req, p, sealed.len() as u64)?;
    Ok((sealed, summary))
}

/// Builds the bundle for `req` with the attachments `with` asks for, streaming it into a new
/// file at `out` (never over a file; removed when anything fails), and remembers what it sent.
/// Memory: the small entries, and one 64 KiB chunk of an attachment at a time (an image
/// stripped at export: itself).
pub fn export_to_file(
    store: &mut Store,
    vault_id: Uuid,
    req: &Request<'_>,
    with: &Attachments,
    out: &std::path::Path,
) -> Result<ExportSummary> {
    super::file::check_new(out)?;
    let p = prepare(store, vault_id, req, with)?;
    let file = super::file::create_new(out)?;
    let written = (|| -> Result<u64> {
        let mut w = crypt::sealer(req.protection, std::io::BufWriter::with_capacity(256 * 1024, file))?;
        write_archive(store, &p, &mut w)?;
        let buf = w.finish().map_err(|e| Error::io("writing the bundle", e))?;
        let file = buf.into_inner().map_err(|e| Error::io("writing the bundle", e.into_error()))?;
        file.sync_all().map_err(|e| Error::io("writing the bundle", e))?;
        store.faults.reached("export-written");
        Ok(file.metadata().map_err(|e| Error::io("writing the bundle", e))?.len())
    })();
    match written {
        Ok(bytes) => remember(store, req, p, bytes),
        Err(e) => {
            let _ = std::fs::remove_file(out);
            Err(e)
        }
    }
}

/// The archive: the small entries deflated, then each attachment stored, streamed.
fn write_archive(store: &Store, p: &Prepared, out: &mut dyn std::io::Write) -> Result<()> {
    let mut zip = ZipStream::new(out);
    for (name, bytes) in &p.entries {
        zip.add_deflated(name, bytes)?;
    }
    for (entry, o) in &p.attachments {
        zip.add_stored(entry, o.size, o.crc, |w| super::attachments::write_content(store, o, w))?;
    }
    zip.finish()?;
    Ok(())
}

/// Records the export (section 7.3) and says what it wrote.
fn remember(store: &mut Store, req: &Request<'_>, p: Prepared, bytes: u64) -> Result<ExportSummary> {
    let recipients_json = serde_json::to_string(&p.recipients).map_err(|_| Error::Crypto("encoding failed"))?;
    let record = ExportRecord {
        bundle_id: p.bundle_id.as_bytes(),
        partner: req.partner,
        profile: req.profile.as_str(),
        recipients: &recipients_json,
    };
    store.record_export(&record, &p.sent)?;
    Ok(ExportSummary {
        cases: p.counts.cases,
        notes: p.counts.notes,
        tasks: p.counts.tasks,
        events: p.counts.events,
        attachments: p.attachments.len() as u64,
        bytes,
        profile: req.profile.as_str().into(),
        bundle_id: p.bundle_id.to_string(),
        partner: req.partner.map(str::to_string),
        recipients: match &p.recipients {
            Recipients::Keys(k) => k.clone(),
            Recipients::Passphrase(pp) => vec![pp.clone()],
        },
    })
}

/// Reads, redacts and signs the bundle for `req`: nothing is written yet.
fn prepare(store: &mut Store, vault_id: Uuid, req: &Request<'_>, with: &Attachments) -> Result<Prepared> {
    check_request(req.selection, req.protection)?;
    if let Some(p) = req.partner {
        check_partner_name(p)?;
    }
    // A stage or country that does not exist is named as such, not reported as "no case".
    let filter = crate::store::read::CaseFilter {
        stage: if let Selection::Stage(st) = req.selection { Some(st.clone()) } else { None },
        country: if let Selection::Country(c) = req.selection { Some(c.trim().to_ascii_uppercase()) } else { None },
        ..Default::default()
    };
    filter.check()?;
    let profile = req.profile;
    let mut list = cases::read_selection(store, req.selection)?;
    if list.is_empty() {
        return Err(Error::invalid("cases", "no case matches: nothing to export"));
    }
    let case_ids: Vec<[u8; 16]> = list.iter().map(|c| parse_id(&c.id)).collect::<Result<_>>()?;
    let chosen = super::attachments::choose(store, &case_ids, with, profile)?;
    let mut outgoing = super::attachments::measure(store, &chosen, with.keep_metadata)?;
    redact::apply(&mut list, profile, req.options);
    // What was sent, under the records' own ids: the base of a reply's plan.
    let sent = if profile == Profile::Summary { SentValues::new() } else { sent_values(&list)? };
    let mut random = [0u8; 16];
    store.entropy.fill(&mut random);
    let bundle_id = uuid::Builder::from_random_bytes(random).into_uuid();
    let keys = match req.protection {
        Protection::Recipients(k) => Some(k.as_slice()),
        Protection::Passphrase(..) => None,
    };
    if profile != Profile::Full {
        let label = redact::label(req.partner, keys, bundle_id.as_bytes());
        let key = export_keys(store)?.swap_remove(0);
        pseudonymise(&mut list, &key, &label)?;
        for o in outgoing.iter_mut() {
            o.bundle_id = redact::pseudonym(&key, &label, &o.id);
            o.bundle_case = redact::pseudonym(&key, &label, &o.case_id);
        }
        shuffle(&mut list, store);
    }
    let version = if outgoing.is_empty() { cases::VERSION_WITHOUT_ATTACHMENTS } else { cases::VERSION };
    let counts = cases::counts(&list);
    let mut doc = cases::CasesDoc {
        format: cases::CASES_FORMAT.into(),
        version,
        profile: profile.as_str().into(),
        cases: list,
        counts: None,
        suppressed: None,
    };
    // A summary names no case: counts of the case-core facts, small ones suppressed.
    let csv = if profile == Profile::Summary {
        let (cells, suppressed) = cases::summarise(&doc.cases);
        let csv = cases::summary_csv(&cells, suppressed);
        doc.cases.clear();
        (doc.counts, doc.suppressed) = (Some(cells), Some(suppressed));
        csv
    } else {
        cases::csv(&doc.cases, profile)
    }
    .into_bytes();
    let json = serde_json::to_vec_pretty(&doc).map_err(|_| Error::Crypto("encoding cases.json failed"))?;
    drop(doc);
    let readme = cases::readme(profile, &counts).into_bytes();
    let key = signing_key(store)?;
    let recipients = match req.protection {
        Protection::Recipients(keys) => Recipients::Keys(keys.clone()),
        Protection::Passphrase(..) => Recipients::Passphrase("passphrase".into()),
    };
    let attachments: Vec<(String, Outgoing)> =
        outgoing.into_iter().map(|o| (bundle::attachment_entry(&Uuid::from_bytes(o.bundle_id), &o.name), o)).collect();
    let manifest = ManifestV2 {
        format: cases::BUNDLE_FORMAT.into(),
        version,
        bundle_id: bundle_id.to_string(),
        created: format_timestamp(store.clock.now_ms()),
        signer: sshsig::public_line(&key.verifying_key()),
        vault_id: vault_id.to_string(),
        recipients: recipients.clone(),
        partner: req.partner.map(str::to_string),
        profile: profile.as_str().into(),
        options: req.options.to_json(profile),
        in_reply_to: req.in_reply_to.map(|id| Uuid::from_bytes(id).to_string()),
        reply_to: vec![super::public_key(store)?],
        counts: counts.clone(),
        attachments: attachments
            .iter()
            .map(|(entry, o)| ManifestAttachment {
                entry: entry.clone(),
                id: Uuid::from_bytes(o.bundle_id).to_string(),
                case: Uuid::from_bytes(o.bundle_case).to_string(),
                name: o.name.clone(),
                media_type: o.media_type.clone(),
                size: o.size,
                sha256: crate::hex::encode(&o.sha256),
                label: o.label.clone(),
                metadata_removed: o.metadata_removed,
            })
            .collect(),
    };
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(|_| Error::Crypto("encoding the manifest failed"))?;
    let small: [(&str, &[u8]); 4] =
        [("manifest.json", &manifest), ("cases.json", &json), ("cases.csv", &csv), ("README.txt", &readme)];
    let mut hashes: Vec<(String, [u8; 32])> =
        small.iter().map(|(n, b)| (n.to_string(), Sha256::digest(b).into())).collect();
    hashes.extend(attachments.iter().map(|(entry, o)| (entry.clone(), o.sha256)));
    let sums = sums_of(&hashes);
    let sig = sshsig::sign(&key, sums.as_bytes());
    let z = zeroize::Zeroizing::new;
    let entries = vec![
        ("manifest.json", z(manifest)),
        ("cases.json", z(json)),
        ("cases.csv", z(csv)),
        ("README.txt", z(readme)),
        ("SHA256SUMS", z(sums.into_bytes())),
        ("SHA256SUMS.sig", z(sig.into_bytes())),
    ];
    debug_assert_eq!(entries.iter().map(|e| e.0).collect::<Vec<_>>(), bundle::ENTRIES_V2);
    Ok(Prepared { entries, attachments, sent, bundle_id, recipients, counts })
}
