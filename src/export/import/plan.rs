//! The plan of an import (docs/formats/bundle.md sections 7.1–7.2): who signed the bundle and
//! whether it was made for this vault, then, record by record and field by field, what it will
//! do. A verified bundle is planned three-way against what this vault sent; any other bundle only
//! creates. Reads the store; writes nothing.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use super::{Bundle, Record};
use crate::error::Result;
use crate::export::cases::json_of;
use crate::export::{redact, sshsig};
use crate::model::{TableDef, Value, CASE};
use crate::store::read::uuid_string;
use crate::store::Store;

/// Who signed a bundle, and what that lets it do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    /// `own`, `partner`, `unknown` or `unsigned`.
    pub class: String,
    /// The partner whose confirmed key signed it.
    pub partner: Option<String>,
    /// The signing key's OpenSSH line and fingerprint.
    pub key: Option<String>,
    pub fingerprint: Option<String>,
    /// Whether it was encrypted to this vault (or to a passphrase).
    pub addressed: bool,
    /// The partner it was made for, as the signed manifest names it.
    pub made_for: Option<String>,
    /// Signed by a key the vault trusts and addressed to it: it may change existing records.
    pub verified: bool,
}

impl Signer {
    /// The signer line shown before an import.
    pub fn line(&self) -> String {
        let who = match self.class.as_str() {
            "own" => "signed by this vault".to_string(),
            "partner" => format!("signed by {} (known key)", self.partner.as_deref().unwrap_or("a partner")),
            "unknown" => format!("signed by an unknown key {}", self.fingerprint.as_deref().unwrap_or("")),
            _ => "unsigned".to_string(),
        };
        if self.class != "unsigned" && !self.addressed {
            let whom = self.made_for.as_deref().map(|p| format!(" for {p}")).unwrap_or_default();
            return format!("{who}; made{whom}: forwarded to you");
        }
        who
    }
}

/// One field an import changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldPlan {
    pub case: String,
    /// The record (the case itself, or one of its notes, tasks, events).
    pub record: String,
    pub kind: String,
    pub field: String,
    pub local: Json,
    pub incoming: Json,
    /// `apply` or `conflict`.
    pub action: String,
}

/// What an import does to one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedCase {
    pub id: String,
    pub name: String,
    /// `create`, `update`, `unchanged` or `refused`.
    pub action: String,
}

/// What an import does with one attachment of the bundle (docs/formats/bundle.md section 9.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedAttachment {
    /// Its id and its case's id in this vault.
    pub id: String,
    pub case: String,
    pub name: String,
    pub size: u64,
    /// `create`, `unchanged` (this vault has it: an attachment never changes) or `refused`.
    pub action: String,
}

/// What the writer does with one record of the bundle.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    Create,
    Skip,
    Refused,
    Change { apply: Vec<(u8, Value)>, conflict: Vec<(u8, Value)> },
}

/// What an import would do (nothing is written).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportPlan {
    /// The signer line ([`Signer::line`]).
    pub signer: String,
    pub trust: Signer,
    pub profile: String,
    pub version: u32,
    pub bundle_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub exported_at: String,
    /// The exporting vault's id as the bundle claims it.
    pub vault_id: String,
    /// When this bundle was imported before (then nothing changes).
    pub already_imported: Option<String>,
    /// Cases it creates.
    pub creates: u64,
    /// The fields it changes.
    pub updates: Vec<FieldPlan>,
    pub create: u64,
    pub update: u64,
    pub unchanged: u64,
    /// Records refused because this vault has them and the bundle is not verified.
    pub refused: u64,
    pub conflicts: u64,
    pub notes: u64,
    pub tasks: u64,
    pub events: u64,
    pub cases: Vec<PlannedCase>,
    /// One line per attachment of the bundle, in its order.
    pub attachments: Vec<PlannedAttachment>,
    /// One step per record of the bundle, in its order.
    #[serde(skip)]
    pub(crate) steps: Vec<Step>,
    /// Per record of the bundle: its id and its case's id in this vault (a redacted bundle's
    /// per-partner ids mapped back to ours).
    #[serde(skip)]
    pub(crate) ids: Vec<([u8; 16], [u8; 16])>,
}

/// A value's hash as `export_values` keeps it (the type, then the bytes; an empty value and a
/// false flag hash alike, as they compare alike).
pub fn value_hash(v: &Value) -> [u8; 16] {
    let mut h = Sha256::new();
    match v {
        Value::Null | Value::Int(0) => h.update([0]),
        Value::Int(i) => {
            h.update([1]);
            h.update(i.to_be_bytes());
        }
        Value::Text(t) => {
            h.update([2]);
            h.update(t.as_bytes());
        }
        Value::Blob(b) => {
            h.update([3]);
            h.update(b);
        }
    }
    h.finalize()[..16].try_into().expect("16 of 32 bytes")
}

/// `export_values.hashes` of a record's fields: per field, its code and [`value_hash`].
pub fn hashes_of(fields: &[(u8, Value)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(fields.len() * 17);
    for (code, v) in fields {
        out.push(*code);
        out.extend_from_slice(&value_hash(v));
    }
    out
}

fn parse_hashes(blob: &[u8]) -> HashMap<u8, [u8; 16]> {
    blob.chunks_exact(17).map(|c| (c[0], c[1..].try_into().expect("17-byte chunks"))).collect()
}

fn same(a: &Value, b: &Value) -> bool {
    a == b || matches!((a, b), (Value::Null, Value::Int(0)) | (Value::Int(0), Value::Null))
}

/// Who signed the bundle, from the verified key and this vault's own keys and contact book.
fn signer(store: &mut Store, b: &Bundle) -> Result<Signer> {
    let Some(s) = &b.signed else {
        let none = Signer {
            class: "unsigned".into(),
            partner: None,
            key: None,
            fingerprint: None,
            addressed: false,
            made_for: None,
            verified: false,
        };
        return Ok(none);
    };
    let line = sshsig::public_line(&s.key);
    let own = crate::export::signing_public(store)?;
    let partner = if line == own { None } else { store.partner_of_signing_key(&line)? };
    let class = if line == own {
        "own"
    } else if partner.is_some() {
        "partner"
    } else {
        "unknown"
    };
    let me = crate::export::public_key(store)?;
    let addressed = s.recipients.as_ref().is_none_or(|keys| keys.contains(&me));
    Ok(Signer {
        class: class.into(),
        partner,
        fingerprint: Some(sshsig::fingerprint(&s.key)),
        key: Some(line),
        addressed,
        made_for: s.partner.clone(),
        verified: class != "unknown" && addressed,
    })
}

fn json(table: &TableDef, code: u8, v: &Value) -> Json {
    table.fields.iter().find(|f| f.code == code).and_then(|f| json_of(f.kind, v)).unwrap_or(Json::Null)
}

fn field_name(table: &TableDef, code: u8) -> String {
    table.fields.iter().find(|f| f.code == code).map(|f| f.name.to_string()).unwrap_or_default()
}

/// A verified bundle's record that this vault has: the three-way plan of its fields.
fn three_way(
    r: &Record,
    (rid, cid): ([u8; 16], [u8; 16]),
    local: &HashMap<u8, Value>,
    base: Option<&HashMap<u8, [u8; 16]>>,
    out: &mut Vec<FieldPlan>,
) -> Step {
    let (mut apply, mut conflict) = (Vec::new(), Vec::new());
    for (code, incoming) in &r.fields {
        let here = local.get(code).unwrap_or(&Value::Null);
        if same(here, incoming) {
            continue;
        }
        let sent = base.and_then(|b| b.get(code));
        if sent == Some(&value_hash(incoming)) {
            continue; // unchanged there: what we sent comes back
        }
        let action = if matches!(here, Value::Null) || sent == Some(&value_hash(here)) {
            apply.push((*code, incoming.clone()));
            "apply"
        } else {
            conflict.push((*code, incoming.clone()));
            "conflict"
        };
        out.push(FieldPlan {
            case: uuid_string(&cid),
            record: uuid_string(&rid),
            kind: r.table.noun.to_string(),
            field: field_name(r.table, *code),
            local: json(r.table, *code, here),
            incoming: json(r.table, *code, incoming),
            action: action.into(),
        });
    }
    if apply.is_empty() && conflict.is_empty() {
        Step::Skip
    } else {
        Step::Change { apply, conflict }
    }
}

/// For a redacted bundle from this vault or a confirmed partner: the per-partner ids it
/// carries, mapped to this vault's records (docs/formats/bundle.md section 6.1). Empty when
/// nothing maps (a full bundle keeps the ids; a stranger's ids are its own).
fn id_map(store: &mut Store, b: &Bundle, trust: &Signer) -> Result<HashMap<[u8; 16], [u8; 16]>> {
    // Any profile: a partner may answer a redacted bundle with a full one, under the ids it got.
    let Some(s) = b.signed.as_ref() else {
        return Ok(HashMap::new());
    };
    let label = match trust.class.as_str() {
        "partner" => redact::label(trust.partner.as_deref(), None, &s.bundle_id),
        "own" => match store.export_of(&s.bundle_id)? {
            Some((partner, recipients)) => {
                let keys: Option<Vec<String>> = serde_json::from_str(&recipients).ok();
                redact::label(partner.as_deref(), keys.as_deref(), &s.bundle_id)
            }
            None => return Ok(HashMap::new()),
        },
        _ => return Ok(HashMap::new()),
    };
    // Under every key this vault's bundles may have used: the group's, and the vault's own.
    let keys = crate::export::export_keys(store)?;
    let ids = store.record_ids()?;
    Ok(keys.iter().rev().flat_map(|key| ids.iter().map(|id| (redact::pseudonym(key, &label, id), *id))).collect())
}

/// The plan of an import: who signed it, and per record and field what it does.
pub fn plan(store: &mut Store, b: &Bundle) -> Result<ImportPlan> {
    let trust = signer(store, b)?;
    let map = id_map(store, b, &trust)?;
    let ours = |id: &[u8; 16]| *map.get(id).unwrap_or(id);
    let ids: Vec<([u8; 16], [u8; 16])> = b.records.iter().map(|r| (ours(&r.id), ours(&r.case_id))).collect();
    let bundle_id = b.signed.as_ref().map(|s| s.bundle_id);
    let already = match &bundle_id {
        Some(id) => store.imported_at(id)?.map(|ms| crate::dates::format_timestamp(ms.max(0) as u64)),
        None => None,
    };
    let base_id = b.signed.as_ref().and_then(|s| s.in_reply_to.or((trust.class == "own").then_some(s.bundle_id)));
    let base = match base_id {
        Some(id) if trust.verified => store.sent_values(&id)?,
        _ => None,
    };
    let mut updates = Vec::new();
    let mut steps = Vec::with_capacity(b.records.len());
    let mut case_action: BTreeMap<[u8; 16], &str> = BTreeMap::new();
    let mut order = Vec::new();
    let mut refused = 0;
    for (r, &(rid, cid)) in b.records.iter().zip(&ids) {
        let local = store.stored_values(r.table, &rid)?;
        let step = match (&local, already.is_some(), trust.verified) {
            (_, true, _) => Step::Skip,
            (None, ..) => Step::Create,
            (Some(_), _, false) => Step::Refused,
            (Some(_), _, true) if store.is_deleted(r.table, &rid)? == Some(true) => Step::Skip,
            (Some(now), _, true) => {
                let sent = base.as_ref().and_then(|m| m.get(&rid)).map(|h| parse_hashes(h));
                three_way(r, (rid, cid), now, sent.as_ref(), &mut updates)
            }
        };
        let a = match &step {
            Step::Create => "create",
            Step::Skip => "unchanged",
            Step::Refused => "refused",
            Step::Change { .. } => "update",
        };
        if step == Step::Refused {
            refused += 1;
        }
        let is_case = r.table.code == CASE.code;
        let entry = case_action.entry(cid).or_insert_with(|| {
            order.push(cid);
            a
        });
        if !is_case && *entry == "unchanged" && matches!(a, "update" | "create") {
            *entry = "update";
        }
        // A case that is refused keeps its children out too: they would land in another vault's case.
        let step = if !is_case && *entry == "refused" && step == Step::Create { Step::Refused } else { step };
        steps.push(step);
    }
    let mut attachments = Vec::with_capacity(b.attachments.len());
    for a in &b.attachments {
        let (id, cid) = (ours(&a.id), ours(&a.case_id));
        let here = store.is_deleted(&crate::model::ATTACHMENT, &id)?.is_some();
        let case = case_action.get(&cid).copied().unwrap_or("refused");
        // A per-partner id that maps back to a record of another kind is no attachment here.
        let other_kind =
            map.contains_key(&a.id) && crate::model::record_id::kind_of(&id) != Some(crate::model::ATTACHMENT.code);
        let action = match (already.is_some(), here, trust.verified) {
            (true, ..) => "unchanged",
            _ if other_kind => "refused",
            (_, true, true) => "unchanged",
            (_, true, false) => "refused",
            _ if case == "refused" => "refused",
            _ => "create",
        };
        if action == "create" && case == "unchanged" {
            case_action.insert(cid, "update");
        }
        if action == "refused" {
            refused += 1;
        }
        attachments.push(PlannedAttachment {
            id: uuid_string(&id),
            case: uuid_string(&cid),
            name: a.name.clone(),
            size: a.size,
            action: action.into(),
        });
    }
    let mut p = ImportPlan {
        attachments,
        signer: trust.line(),
        trust,
        profile: b.profile.as_str().into(),
        version: b.version,
        bundle_id: bundle_id.map(|id| uuid_string(&id)),
        in_reply_to: b.signed.as_ref().and_then(|s| s.in_reply_to).map(|id| uuid_string(&id)),
        exported_at: b.created.clone(),
        vault_id: b.vault_id.clone(),
        already_imported: already,
        creates: 0,
        conflicts: updates.iter().filter(|u| u.action == "conflict").count() as u64,
        updates,
        create: 0,
        update: 0,
        unchanged: 0,
        refused,
        notes: b.counts.notes,
        tasks: b.counts.tasks,
        events: b.counts.events,
        cases: Vec::new(),
        steps,
        ids,
    };
    for id in order {
        let a = case_action[&id];
        match a {
            "create" => p.create += 1,
            "update" => p.update += 1,
            "unchanged" => p.unchanged += 1,
            _ => {}
        }
        p.cases.push(PlannedCase {
            id: uuid_string(&id),
            name: b.names.get(&id).cloned().unwrap_or_default(),
            action: a.into(),
        });
    }
    p.creates = p.create;
    Ok(p)
}
