//! Writing an import's plan (docs/formats/bundle.md section 7.2) in one transaction, or nothing:
//! new records as this device's own, applied values as this device's edits naming the values
//! they replace, conflicts as this device's values beside the local ones. No clock of the
//! bundle ever enters the vault.

use serde::Serialize;

use super::attachments::store_blobs;
use super::plan::{plan, ImportPlan, Step};
use super::{Bundle, Record};
use crate::error::{Error, Result};
use crate::model::{Value, ATTACHMENT, CASE};
use crate::store::read::parse_id;
use crate::store::records::ImportRecord;
use crate::store::write::Writer;
use crate::store::Store;

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Records refused: this vault has them and the bundle is not verified.
    pub refused: u64,
    /// Conflicts to review that this import added.
    pub conflicts: u64,
    /// Attachments it stored.
    pub attachments: u64,
}

/// Plans and imports everything in one transaction (or nothing), and records where it came from.
pub fn apply(store: &mut Store, b: &Bundle) -> Result<ImportReport> {
    let plan = plan(store, b)?;
    apply_planned(store, b, &plan)
}

/// As [`apply`], with the plan the person was shown: the import is planned again and refused
/// if anything in the vault changed the plan since (a sync or an edit in between).
pub fn apply_planned(store: &mut Store, b: &Bundle, shown: &ImportPlan) -> Result<ImportReport> {
    let now = plan(store, b)?;
    if now != *shown {
        return Err(Error::invalid(
            "import",
            "the vault changed since this import was previewed: preview it again before importing",
        ));
    }
    let report = ImportReport {
        created: now.create,
        updated: now.update,
        unchanged: now.unchanged,
        refused: now.refused,
        conflicts: now.conflicts,
        attachments: 0,
    };
    if now.already_imported.is_some() {
        return Ok(report);
    }
    let verified = now.trust.verified;
    // The attachments' blobs first, streamed from the bundle and checked again; their records
    // land with the rest in the one transaction below, or the blobs are removed.
    let wanted: Vec<_> = b
        .attachments
        .iter()
        .zip(&now.attachments)
        .filter(|(_, p)| p.action == "create")
        .map(|(a, p)| Ok((a, parse_id(&p.id)?, parse_id(&p.case)?)))
        .collect::<Result<_>>()?;
    let blobs = store_blobs(store, b.source.as_ref(), &wanted)?;
    let stored = blobs.list.len() as u64;
    store.write(|w| {
        for ((r, step), ids) in b.records.iter().zip(&now.steps).zip(&now.ids) {
            write_record(w, r, *ids, step, b)?;
        }
        let cases = now
            .cases
            .iter()
            .map(|c| {
                let action = if c.action == "create" && !verified { "created-unverified" } else { c.action.as_str() };
                Ok((parse_id(&c.id)?, action))
            })
            .collect::<Result<Vec<_>>>()?;
        let signed = b.signed.as_ref();
        let key = now.trust.key.as_deref();
        let from = ImportRecord {
            sha256: &b.sha256,
            vault_id: &b.vault_id,
            profile: b.profile.as_str(),
            exported_at: &b.created,
            bundle_id: signed.map(|s| &s.bundle_id),
            signer: &now.trust.class,
            signer_key: key,
        };
        for a in &blobs.list {
            w.create_with_id(&ATTACHMENT, a.id, Some(&a.case_id), a.fields.clone())?;
            w.record_blob_file(&a.id, &a.file)?;
        }
        w.reached("import-before-commit");
        w.record_import(&from, &cases)
    })?;
    blobs.keep();
    Ok(ImportReport { attachments: stored, ..report })
}

fn write_record(
    w: &mut Writer<'_>,
    r: &Record,
    (id, case): ([u8; 16], [u8; 16]),
    step: &Step,
    b: &Bundle,
) -> Result<()> {
    match step {
        Step::Skip | Step::Refused => Ok(()),
        Step::Change { apply, conflict } => {
            if !apply.is_empty() {
                w.update(r.table, &id, apply.clone())?;
            }
            if !conflict.is_empty() {
                w.offer(r.table, &id, conflict.clone())?;
            }
            Ok(())
        }
        Step::Create => {
            let case_ref = (r.table.code != CASE.code).then_some(&case);
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
            w.create_with_id(r.table, id, case_ref, fields)?;
            Ok(())
        }
    }
}
