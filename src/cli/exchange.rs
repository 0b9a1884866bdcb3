//! `casebook export`, `casebook import` and `casebook partner`: bundles for partner
//! organisations and the contact book. Parses, calls one `export` function, prints.

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
    /// With --redact no-identity: keep the city (otherwise only the country)
    #[arg(long)]
    include_city: bool,
    /// The partner's age public key (age1…, repeatable); without one, a passphrase protects
    /// the bundle ($CASEBOOK_EXPORT_PASSPHRASE, else asked twice)
    #[arg(long = "recipient", value_name = "AGE_PUBLIC_KEY")]
    recipients: Vec<String>,
    /// A partner of the contact book: encrypts to its keys confirmed on this device
    #[arg(long, value_name = "NAME", conflicts_with = "recipients")]
    partner: Option<String>,
    /// Include every attachment of the selected cases (profile full)
    #[arg(long, conflicts_with = "attachments")]
    with_attachments: bool,
    /// Include this attachment (repeatable; profiles full and no-identity)
    #[arg(long = "attachment", value_name = "ATTACHMENT_ID")]
    attachments: Vec<String>,
    /// Keep the metadata (GPS position, camera) of attached images that kept it when attached;
    /// by default every export removes it
    #[arg(long)]
    keep_metadata: bool,
    /// The bundle id this export answers (from the bundle's `import --dry-run`)
    #[arg(long, value_name = "BUNDLE_ID")]
    in_reply_to: Option<String>,
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
    let in_reply_to = a.in_reply_to.as_deref().map(parse_id).transpose()?;
    let (vault_id, mut store) = open_with_id(cli)?;
    let protection = if let Some(p) = &a.partner {
        Protection::Recipients(casebook::export::partner_recipients(&store, p)?)
    } else if a.recipients.is_empty() {
        Protection::Passphrase(secrets::export_passphrase(true)?, a.scrypt_log_n)
    } else {
        for r in &a.recipients {
            casebook::export::crypt::recipient(r)?;
        }
        Protection::Recipients(a.recipients.clone())
    };
    let request = casebook::export::Request {
        selection: &selection,
        profile,
        protection: &protection,
        partner: a.partner.as_deref(),
        in_reply_to,
        options: casebook::export::redact::Options { include_city: a.include_city },
    };
    let with = casebook::export::Attachments {
        pick: if a.with_attachments {
            casebook::export::Pick::All
        } else if a.attachments.is_empty() {
            casebook::export::Pick::None
        } else {
            casebook::export::Pick::Ids(a.attachments.iter().map(|i| parse_id(i)).collect::<Result<_>>()?)
        },
        keep_metadata: a.keep_metadata,
    };
    let summary = casebook::export::export_to_file(&mut store, vault_id, &request, &with, &a.out)?;
    if profile == casebook::export::Profile::NoIdentity {
        let r = casebook::export::rarity::rarity(&store, &selection)?;
        if r.rare > 0 {
            eprintln!(
                "warning: {} of these case(s) share their category, stage, country, risk level and citizenship with fewer than {} case(s) in this vault (the rarest with {}): without a name the partner may still recognise the person",
                r.rare, r.rare_below, r.smallest
            );
        }
    }
    if a.json {
        output::json(&summary);
    } else {
        println!(
            "Exported {} case(s) ({} notes, {} tasks, {} events, {} attachments), profile {}, to {} ({} bytes).",
            summary.cases,
            summary.notes,
            summary.tasks,
            summary.events,
            summary.attachments,
            summary.profile,
            a.out.display(),
            summary.bytes
        );
        if let Some(p) = &summary.partner {
            println!("For {p}; bundle {}.", summary.bundle_id);
        }
        for r in summary.recipients.iter().filter(|r| r.starts_with("age1")) {
            let (fp, words) = casebook::export::partners::fingerprint(casebook::store::exchange::KeyKind::Recipient, r);
            println!("  encrypted to {r}  ({fp}, {words})");
        }
    }
    Ok(())
}

pub(super) fn import_command(cli: &Cli, file: &std::path::Path, dry_run: bool, json: bool) -> Result<()> {
    let needs = casebook::export::needs_passphrase(file)?.ok_or_else(|| {
        Error::invalid("bundle", "this file is not an encrypted Casebook bundle (not in the age format)")
    })?;
    let pass = if needs { Some(secrets::export_passphrase(false)?) } else { None };
    let mut store = open(cli)?;
    // Streamed from the file as it decrypts: never the whole file in memory.
    let bundle = casebook::export::read_bundle_file(&mut store, file, pass.as_ref())?;
    let plan = casebook::export::plan(&mut store, &bundle)?;
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
            "Imported: {} created, {} updated, {} unchanged, {} refused, {} attachment(s) stored{}.",
            report.created,
            report.updated,
            report.unchanged,
            report.refused,
            report.attachments,
            if report.conflicts > 0 {
                format!("; {} conflict(s) to review with `casebook conflicts list`", report.conflicts)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}

pub(super) fn partner_command(cli: &Cli, command: &PartnerCommand) -> Result<()> {
    use casebook::export::partners;
    let mut store = open(cli)?;
    match command {
        PartnerCommand::Add { name, recipients, signing_keys, note, json } => {
            let p = partners::add(&mut store, name, recipients, signing_keys, note.as_deref())?;
            output::partners(std::slice::from_ref(&p), *json);
        }
        PartnerCommand::List { json } => output::partners(&partners::list(&store)?, *json),
        PartnerCommand::Confirm { name, fingerprint, json } => {
            let p = partners::confirm(&store, name, fingerprint)?;
            output::partners(std::slice::from_ref(&p), *json);
        }
        PartnerCommand::Remove { name } => {
            partners::remove(&mut store, name)?;
            println!("Removed {name} from the contact book, on every device of the group once it syncs.");
        }
    }
    Ok(())
}
