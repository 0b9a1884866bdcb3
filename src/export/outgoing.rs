//! Building a bundle (docs/formats/bundle.md sections 2–6): the selected cases, redacted, as
//! `cases.json`, `cases.csv` and `README.txt`; the signed manifest naming whom it is for;
//! `SHA256SUMS` and its SSH signature; the archive; age. The vault remembers what it sent
//! (`exports`, section 7.3), the base of a reply's plan.

use serde::Serialize;
use uuid::Uuid;

use super::cases::{self, CaseRec, Profile, Selection};
use super::manifest::{check_partner_name, sums, ManifestV2, Recipients};
use super::redact::{self, Options};
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

/// Builds an encrypted, signed bundle for `req`, and remembers what it sent.
pub fn export_for(store: &mut Store, vault_id: Uuid, req: &Request<'_>) -> Result<(Vec<u8>, ExportSummary)> {
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
        pseudonymise(&mut list, &export_keys(store)?[0], &label)?;
        shuffle(&mut list, store);
    }
    let counts = cases::counts(&list);
    let mut doc = cases::CasesDoc {
        format: cases::CASES_FORMAT.into(),
        version: cases::VERSION,
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
    let readme = cases::readme(profile, &counts).into_bytes();
    let key = signing_key(store)?;
    let recipients = match req.protection {
        Protection::Recipients(keys) => Recipients::Keys(keys.clone()),
        Protection::Passphrase(..) => Recipients::Passphrase("passphrase".into()),
    };
    let manifest = ManifestV2 {
        format: cases::BUNDLE_FORMAT.into(),
        version: cases::VERSION,
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
    };
    let manifest = serde_json::to_vec_pretty(&manifest).map_err(|_| Error::Crypto("encoding the manifest failed"))?;
    let entries: [(&str, &[u8]); 4] =
        [("manifest.json", &manifest), ("cases.json", &json), ("cases.csv", &csv), ("README.txt", &readme)];
    let sums = sums(&entries);
    let sig = sshsig::sign(&key, sums.as_bytes());
    let mut all = entries.to_vec();
    all.push(("SHA256SUMS", sums.as_bytes()));
    all.push(("SHA256SUMS.sig", sig.as_bytes()));
    debug_assert_eq!(all.iter().map(|e| e.0).collect::<Vec<_>>(), bundle::ENTRIES_V2);
    let zip = zeroize::Zeroizing::new(bundle::write(&all)?);
    let sealed = match req.protection {
        Protection::Recipients(keys) => crypt::to_recipients(&zip, keys)?,
        Protection::Passphrase(pass, log_n) => crypt::to_passphrase(&zip, pass, *log_n)?,
    };
    let recipients_json = serde_json::to_string(&recipients).map_err(|_| Error::Crypto("encoding failed"))?;
    let record = ExportRecord {
        bundle_id: bundle_id.as_bytes(),
        partner: req.partner,
        profile: profile.as_str(),
        recipients: &recipients_json,
    };
    store.record_export(&record, &sent)?;
    let summary = ExportSummary {
        cases: counts.cases,
        notes: counts.notes,
        tasks: counts.tasks,
        events: counts.events,
        bytes: sealed.len() as u64,
        profile: profile.as_str().into(),
        bundle_id: bundle_id.to_string(),
        partner: req.partner.map(str::to_string),
        recipients: match &recipients {
            Recipients::Keys(k) => k.clone(),
            Recipients::Passphrase(p) => vec![p.clone()],
        },
    };
    Ok((sealed, summary))
}
