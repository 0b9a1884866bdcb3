//! Reading a bundle (decrypt, archive, manifest, schema, every field) and importing it in one
//! transaction with the merge rules of sync (docs/formats/bundle.md section 7).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};

use super::bundle;
use super::cases::{
    CaseRec, CasesDoc, ChildRec, ClockRec, Clocks, Manifest, Profile, BUNDLE_FORMAT, CASES_FORMAT, VERSION,
};
use crate::error::{Error, Result};
use crate::model::input::{validate, Purpose};
use crate::model::{TableDef, Value, CASE, EVENT, NOTE, TASK};
use crate::store::clocks::FieldClock;
use crate::store::hlc::Hlc;
use crate::store::read::parse_id;
use crate::store::records::ImportRecord;
use crate::store::write::{Change, Writer};
use crate::store::Store;

/// Most cases a bundle may hold.
pub const MAX_CASES: usize = 1_000_000;

/// A clock as carried by a bundle: (device id, HLC).
pub type BundleClock = ([u8; 16], u64);
/// A record's clocks in a `full` bundle: its creation, and per field code the later ones.
pub type RecordClocks = (BundleClock, HashMap<u8, BundleClock>);
/// Values local changes replaced knowingly: (record, field, HLC, device id).
type Known = HashSet<([u8; 16], u8, u64, Vec<u8>)>;

/// A record of the bundle, validated.
#[derive(Debug, Clone)]
pub struct Record {
    pub table: &'static TableDef,
    pub id: [u8; 16],
    pub case_id: [u8; 16],
    pub fields: Vec<(u8, Value)>,
    /// (created, per-field) clocks as (HLC, device id), in `full` bundles.
    pub clocks: Option<RecordClocks>,
}

/// A bundle that decrypted and passed every check, ready to plan or apply.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub manifest: Manifest,
    pub profile: Profile,
    /// SHA-256 of the encrypted file.
    pub sha256: [u8; 32],
    /// Cases first, then their children, in bundle order.
    pub records: Vec<Record>,
    /// Display names of the cases (legal name, alias or short id), by case id.
    pub names: HashMap<[u8; 16], String>,
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

fn clock_of(c: &ClockRec, what: &str) -> Result<BundleClock> {
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

fn parse_clocks(table: &TableDef, clocks: &Option<Clocks>, what: &str) -> Result<Option<RecordClocks>> {
    let Some(c) = clocks else { return Ok(None) };
    let created = clock_of(&c.created, what)?;
    let mut fields = HashMap::new();
    for (name, rec) in &c.fields {
        let def = table
            .field(name)
            .ok_or_else(|| bad("cases.json", format!("{what}: a clock for unknown field {name:?}")))?;
        fields.insert(def.code, clock_of(rec, what)?);
    }
    Ok(Some((created, fields)))
}

fn record(
    table: &'static TableDef,
    id: &str,
    case_id: [u8; 16],
    fields: &Map<String, Json>,
    clocks: &Option<Clocks>,
    profile: Profile,
) -> Result<Record> {
    let what = format!("{} {id}", table.noun);
    let rid = parse_id(id).map_err(|_| bad("cases.json", format!("{what}: not a valid id")))?;
    let fields =
        validate(table, fields, Purpose::Update, &[]).map_err(|e| bad("cases.json", format!("{what}: {e}")))?;
    if clocks.is_some() && profile != Profile::Full {
        return Err(bad("cases.json", format!("{what}: clocks in a redacted bundle")));
    }
    let clocks = parse_clocks(table, clocks, &what)?;
    Ok(Record { table, id: rid, case_id: if table.code == CASE.code { rid } else { case_id }, fields, clocks })
}

/// Opens and checks a decrypted archive: the manifest (format, version, sizes, hashes), then
/// `cases.json` against the schema and every field against the rules of `case add`.
pub fn check(zip: &[u8], sha256: [u8; 32]) -> Result<Bundle> {
    let entries = bundle::read(zip)?;
    let text = |name: &str| -> Result<&str> {
        std::str::from_utf8(&entries[name]).map_err(|_| bad("bundle", format!("{name} is not valid UTF-8")))
    };
    let manifest: Manifest = serde_json::from_str(text("manifest.json")?)
        .map_err(|e| bad("bundle", format!("manifest.json does not fit the format: {e}")))?;
    if manifest.format != BUNDLE_FORMAT {
        return Err(bad("bundle", "manifest.json is not a Casebook bundle manifest"));
    }
    if manifest.version != VERSION {
        return Err(bad(
            "version",
            if manifest.version > VERSION {
                format!("made by a newer Casebook (bundle version {}); update Casebook", manifest.version)
            } else {
                format!("bundle version {} does not exist", manifest.version)
            },
        ));
    }
    let profile: Profile = manifest.profile.parse()?;
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
    let doc: CasesDoc = serde_json::from_str(text("cases.json")?)
        .map_err(|e| bad("bundle", format!("cases.json does not fit the schema: {e}")))?;
    if doc.format != CASES_FORMAT || doc.version != VERSION || doc.profile != manifest.profile {
        return Err(bad("bundle", "cases.json's format, version or profile does not match the manifest"));
    }
    if doc.cases.len() > MAX_CASES {
        return Err(bad("bundle", format!("more than {MAX_CASES} cases")));
    }
    let mut records = Vec::new();
    let mut names = HashMap::new();
    let mut seen = HashSet::new();
    for c in &doc.cases {
        let case = record(&CASE, &c.id, [0; 16], &c.fields, &c.clocks, profile)?;
        let cid = case.id;
        names.insert(cid, display_name(c));
        records.push(case);
        for (table, list) in [(&NOTE, &c.notes), (&TASK, &c.tasks), (&EVENT, &c.events)] {
            for ch in list.iter() {
                records.push(child(table, ch, cid, profile)?);
            }
        }
    }
    for r in &records {
        if !seen.insert(r.id) {
            return Err(bad("cases.json", format!("the id {} appears twice", crate::store::read::uuid_string(&r.id))));
        }
    }
    let counts = super::cases::counts(&doc.cases);
    if counts != manifest.counts {
        return Err(bad("bundle", "the counts in manifest.json do not match cases.json"));
    }
    Ok(Bundle { manifest, profile, sha256, records, names })
}

fn child(table: &'static TableDef, ch: &ChildRec, case: [u8; 16], profile: Profile) -> Result<Record> {
    record(table, &ch.id, case, &ch.fields, &ch.clocks, profile)
}

fn display_name(c: &CaseRec) -> String {
    if let Some(n) = c.fields.get("full_name").and_then(|v| v.as_str()) {
        return n.to_string();
    }
    if let Some(a) = c.fields.get("aliases").and_then(|a| a.as_array()).and_then(|a| a.first()).and_then(|v| v.as_str())
    {
        return a.to_string();
    }
    format!("Case {}", &c.id.chars().filter(|c| c.is_ascii_hexdigit()).take(8).collect::<String>())
}

/// What an import would do, case by case.
#[derive(Debug, Clone, Serialize)]
pub struct ImportPlan {
    pub profile: String,
    pub exported_at: String,
    pub vault_id: String,
    pub create: u64,
    pub update: u64,
    pub unchanged: u64,
    pub notes: u64,
    pub tasks: u64,
    pub events: u64,
    pub cases: Vec<PlannedCase>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedCase {
    pub id: String,
    pub name: String,
    /// `create`, `update` or `unchanged`.
    pub action: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Conflicts to review that this import added.
    pub conflicts: u64,
}

fn differs(now: &HashMap<u8, Value>, fields: &[(u8, Value)]) -> bool {
    fields.iter().any(|(code, v)| {
        let cur = now.get(code).cloned().unwrap_or(Value::Null);
        cur != *v && !(cur == Value::Null && *v == Value::Int(0))
    })
}

/// The plan of an import (nothing is written).
pub fn plan(store: &Store, b: &Bundle) -> Result<ImportPlan> {
    let mut p = ImportPlan {
        profile: b.profile.as_str().into(),
        exported_at: b.manifest.created.clone(),
        vault_id: b.manifest.vault_id.clone(),
        create: 0,
        update: 0,
        unchanged: 0,
        notes: b.manifest.counts.notes,
        tasks: b.manifest.counts.tasks,
        events: b.manifest.counts.events,
        cases: Vec::new(),
    };
    // A case is "update" when it or one of its records would change.
    let mut action: BTreeMap<[u8; 16], &str> = BTreeMap::new();
    let mut order = Vec::new();
    for r in &b.records {
        let now = store.stored_values(r.table, &r.id)?;
        let a = match now {
            None => "create",
            Some(m) if differs(&m, &r.fields) => "update",
            Some(_) => "unchanged",
        };
        let entry = action.entry(r.case_id).or_insert_with(|| {
            order.push(r.case_id);
            a
        });
        if r.table.code != CASE.code && *entry == "unchanged" && a != "unchanged" {
            *entry = "update";
        }
    }
    for id in order {
        let a = action[&id];
        match a {
            "create" => p.create += 1,
            "update" => p.update += 1,
            _ => p.unchanged += 1,
        }
        p.cases.push(PlannedCase {
            id: crate::store::read::uuid_string(&id),
            name: b.names.get(&id).cloned().unwrap_or_default(),
            action: a.into(),
        });
    }
    Ok(p)
}

/// Clocks (hlc, device) of values that local changes replaced knowingly, per (record, field):
/// an imported value among them is old news, not a conflict. One pass over the change log.
fn known(store: &Store, ids: &HashSet<[u8; 16]>) -> Result<Known> {
    Ok(store.replaced_values()?.into_iter().filter(|(rec, ..)| ids.contains(rec)).collect())
}

/// Imports everything in one transaction (or nothing), and records where it came from.
pub fn apply(store: &mut Store, b: &Bundle) -> Result<ImportReport> {
    let plan = plan(store, b)?;
    apply_planned(store, b, &plan)
}

/// As [`apply`], with the plan the caller has already shown (made by [`plan`] on this store,
/// with nothing written in between).
pub fn apply_planned(store: &mut Store, b: &Bundle, plan: &ImportPlan) -> Result<ImportReport> {
    let before = store.conflicts()?.len() as u64;
    let ids: HashSet<[u8; 16]> = b.records.iter().map(|r| r.id).collect();
    let known = if b.profile == Profile::Full { known(store, &ids)? } else { HashSet::new() };
    let actions: HashMap<String, String> = plan.cases.iter().map(|c| (c.id.clone(), c.action.clone())).collect();
    store.write(|w| {
        for r in &b.records {
            import_record(w, r, &known, b)?;
        }
        let cases =
            actions.iter().map(|(id, action)| Ok((parse_id(id)?, action.as_str()))).collect::<Result<Vec<_>>>()?;
        let from = ImportRecord {
            sha256: &b.sha256,
            vault_id: &b.manifest.vault_id,
            profile: b.profile.as_str(),
            exported_at: &b.manifest.created,
        };
        w.record_import(&from, &cases)
    })?;
    let after = store.conflicts()?.len() as u64;
    Ok(ImportReport {
        created: plan.create,
        updated: plan.update,
        unchanged: plan.unchanged,
        conflicts: after.saturating_sub(before),
    })
}

fn import_record(w: &mut Writer<'_>, r: &Record, known: &Known, b: &Bundle) -> Result<()> {
    let case_ref = (r.table.code != CASE.code).then_some(&r.case_id);
    match &r.clocks {
        Some(((created_dev, created_hlc), per_field)) => {
            // Like a remote delta: the record's creation at its own clock, later fields at theirs.
            let table = r.table;
            let created = FieldClock { hlc: Hlc(*created_hlc), device: w.device_index(created_dev)? };
            let mut changes = Vec::with_capacity(r.fields.len() + 1);
            if let Some(case) = case_ref {
                let def = table.field("case_id").expect("child tables have case_id");
                changes.push(Change {
                    table,
                    record: r.id,
                    field: def.code,
                    value: Value::Blob(case.to_vec()),
                    clock: created,
                    prev: None,
                    supersedes: Vec::new(),
                });
            }
            let mut later = Vec::new();
            for (code, value) in &r.fields {
                match per_field.get(code) {
                    None => changes.push(Change {
                        table,
                        record: r.id,
                        field: *code,
                        value: value.clone(),
                        clock: created,
                        prev: None,
                        supersedes: Vec::new(),
                    }),
                    Some((dev, hlc)) => {
                        if known.contains(&(r.id, *code, *hlc, dev.to_vec())) {
                            continue; // a local edit already replaced this value knowingly
                        }
                        later.push(Change {
                            table,
                            record: r.id,
                            field: *code,
                            value: value.clone(),
                            clock: FieldClock { hlc: Hlc(*hlc), device: w.device_index(dev)? },
                            prev: Some(created),
                            supersedes: Vec::new(),
                        });
                    }
                }
            }
            later.sort_by_key(|c| c.clock.hlc);
            changes.extend(later);
            w.apply_remote(&changes)
        }
        None => {
            match w.is_deleted(r.table, &r.id)? {
                Some(false) => {
                    w.update(r.table, &r.id, r.fields.clone())?;
                }
                Some(true) => {} // deleted here: a redacted import does not bring it back
                None => {
                    let mut fields = r.fields.clone();
                    // Required fields a redacted bundle left out get a stand-in.
                    for def in r.table.fields.iter().filter(|f| f.required && f.name != "case_id") {
                        if !fields.iter().any(|(c, _)| *c == def.code) {
                            let stand_in = if def.name == "full_name" {
                                b.names.get(&r.id).cloned().unwrap_or_else(|| "Case".into())
                            } else {
                                "—".into()
                            };
                            fields.push((def.code, Value::Text(stand_in)));
                        }
                    }
                    w.create_with_id(r.table, r.id, case_ref, fields)?;
                }
            }
            Ok(())
        }
    }
}
