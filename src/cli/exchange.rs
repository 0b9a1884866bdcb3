//! `casebook export` and `casebook import`: bundles for partner organisations. Parses, calls
//! one `export` function, prints.

use std::path::PathBuf;

use clap::Args;

use super::*;

#[derive(Args)]
pub(super) struct ExportArgs {
    /// The bundle file to write (refused if it exists)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// A case to export (repeatable)
    #[arg(long = "case", value_name = "ID")]
    cases: Vec<String>,
    /// Every case
    #[arg(long)]
    all: bool,
    /// The cases at this stage
    #[arg(long)]
    stage: Option<String>,
    /// The cases in this country (ISO code)
    #[arg(long)]
    country: Option<String>,
    /// What the partner sees: full, no-identity or summary
    #[arg(long, default_value = "full", value_name = "PROFILE")]
    redact: String,
    /// The partner's age public key (age1…, repeatable); without one, a passphrase protects
    /// the bundle ($CASEBOOK_EXPORT_PASSPHRASE, else asked twice)
    #[arg(long = "recipient", value_name = "AGE_PUBLIC_KEY")]
    recipients: Vec<String>,
    /// scrypt work factor (log2) of a passphrase bundle; the default is age's own (tests pass less)
    #[arg(long, hide = true, default_value_t = casebook::export::DEFAULT_SCRYPT_LOG_N)]
    scrypt_log_n: u8,
    #[arg(long)]
    json: bool,
}

pub(super) fn export_command(cli: &Cli, a: &ExportArgs) -> Result<()> {
    use casebook::export::{Protection, Selection};
    let chosen = usize::from(!a.cases.is_empty())
        + usize::from(a.all)
        + usize::from(a.stage.is_some())
        + usize::from(a.country.is_some());
    if chosen != 1 {
        return Err(Error::invalid(
            "cases",
            "choose exactly one of --case ID (repeatable), --all, --stage S or --country CC",
        ));
    }
    let selection = if a.all {
        Selection::All
    } else if let Some(s) = &a.stage {
        Selection::Stage(s.clone())
    } else if let Some(c) = &a.country {
        Selection::Country(c.clone())
    } else {
        Selection::Ids(a.cases.iter().map(|c| parse_id(c)).collect::<Result<_>>()?)
    };
    let profile: casebook::export::Profile =
        a.redact.parse().map_err(|_| Error::invalid("--redact", "it is one of full, no-identity or summary"))?;
    casebook::export::file::check_new(&a.out)?;
    let protection = if a.recipients.is_empty() {
        Protection::Passphrase(secrets::export_passphrase(true)?, a.scrypt_log_n)
    } else {
        for r in &a.recipients {
            casebook::export::crypt::recipient(r)?;
        }
        Protection::Recipients(a.recipients.clone())
    };
    let (vault_id, mut store) = open_with_id(cli)?;
    let (bytes, summary) = casebook::export::export_bundle(&mut store, vault_id, &selection, profile, &protection)?;
    casebook::export::file::write_new(&a.out, &bytes)?;
    if a.json {
        output::json(&summary);
    } else {
        println!(
            "Exported {} case(s) ({} notes, {} tasks, {} events), profile {}, to {} ({} bytes).",
            summary.cases,
            summary.notes,
            summary.tasks,
            summary.events,
            summary.profile,
            a.out.display(),
            summary.bytes
        );
    }
    Ok(())
}

pub(super) fn import_command(cli: &Cli, file: &std::path::Path, dry_run: bool, json: bool) -> Result<()> {
    let bytes = casebook::export::file::read(file)?;
    let needs = casebook::export::crypt::needs_passphrase(&bytes).ok_or_else(|| {
        Error::invalid("bundle", "this file is not an encrypted Casebook bundle (not in the age format)")
    })?;
    let pass = if needs { Some(secrets::export_passphrase(false)?) } else { None };
    let mut store = open(cli)?;
    let bundle = casebook::export::read_bundle(&mut store, &bytes, pass.as_ref())?;
    let plan = casebook::export::plan(&store, &bundle)?;
    if dry_run {
        output::import_plan(&plan, json);
        return Ok(());
    }
    let report = casebook::export::apply_planned(&mut store, &bundle, &plan)?;
    if json {
        output::json(&report);
    } else {
        output::import_plan(&plan, false);
        println!(
            "Imported: {} created, {} updated, {} unchanged{}.",
            report.created,
            report.updated,
            report.unchanged,
            if report.conflicts > 0 {
                format!("; {} conflict(s) to review with `casebook conflicts list`", report.conflicts)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
