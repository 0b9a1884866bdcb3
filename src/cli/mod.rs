//! Argument parsing, secret prompts and the exit-code contract: 0 success, 1 bad input or any
//! other failure, 2 wrong passphrase or recovery key. Errors go to stderr as one
//! `error: …` line, optionally followed by a `hint: …` line.

mod advice;
mod args;
mod attach;
mod cases;
mod exchange;
mod output;
mod secrets;
mod share;
mod vault;

use args::{
    Cli, Command, ConflictsCommand, EventCommand, IdentityCommand, KdfArgs, NoteCommand, PartnerCommand, TaskCommand,
};
use cases::case_command;
use exchange::{export_command, import_command, partner_command};
use share::{quarantine_command, share_command};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use casebook::entropy::{OsEntropy, SystemClock};
use casebook::error::{Error, ErrorCode, Result};
use casebook::model::input::parse_object;
use casebook::store::read::parse_id;
use casebook::store::Store;
use casebook::vault::Vault;

/// Parses the command line, runs it, and maps errors to the exit-code contract.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            // A wrong passphrase stays one line: scripts and people read it at a glance.
            if let Some(hint) = advice::hint(&e).filter(|_| e.code() != ErrorCode::WrongKey) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(if e.code() == ErrorCode::WrongKey { 2 } else { 1 })
        }
    }
}

fn vault_dir(cli: &Cli) -> Result<PathBuf> {
    if let Some(v) = &cli.vault {
        return Ok(v.clone());
    }
    casebook::vault::default_dir()
}

fn open(cli: &Cli) -> Result<Store> {
    let dir = vault_dir(cli)?;
    casebook::vault::read_header(&dir)?; // a missing vault is reported before asking for a passphrase
    let pass = secrets::passphrase(cli.passphrase_file.as_deref(), false)?;
    let vault = Vault::unlock(&dir, &pass)?;
    open_store(&vault)
}

/// The vault's store with the system clock and randomness; `CASEBOOK_CRASH_AT=<point>` (crash
/// tests) ends the process at that crash point of the core.
fn open_store(vault: &Vault) -> Result<Store> {
    let mut store = vault.open_store(Box::new(SystemClock), Box::new(OsEntropy))?;
    if let Some(point) = std::env::var_os("CASEBOOK_CRASH_AT") {
        store.inject_faults(Box::new(casebook::entropy::CrashAt(point.to_string_lossy().into_owned())));
    }
    Ok(store)
}

fn open_with_id(cli: &Cli) -> Result<(uuid::Uuid, Store)> {
    let dir = vault_dir(cli)?;
    casebook::vault::read_header(&dir)?;
    let pass = secrets::passphrase(cli.passphrase_file.as_deref(), false)?;
    let vault = Vault::unlock(&dir, &pass)?;
    Ok((vault.id(), open_store(&vault)?))
}

fn read_json_arg(path: &std::path::Path) -> Result<serde_json::Map<String, serde_json::Value>> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| Error::io("could not read standard input", e))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| Error::io(format!("could not read {}", path.display()), e))?
    };
    parse_object(&text)
}

fn execute(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Init(kdf) => vault::init(&cli, kdf),
        Command::Passwd(kdf) => vault::passwd(&cli, kdf),
        Command::Recover(kdf) => vault::recover(&cli, kdf),
        Command::Case(cmd) => case_command(&cli, cmd),
        Command::Note(NoteCommand::Add { id, text }) => {
            let case = parse_id(id)?;
            let mut store = open(&cli)?;
            println!("{}", store.add_note(&case, text)?);
            Ok(())
        }
        Command::Task(cmd) => {
            match cmd {
                TaskCommand::Add { id, due, text } => {
                    let case = parse_id(id)?;
                    let mut store = open(&cli)?;
                    println!("{}", store.add_task(&case, text, due.as_deref())?);
                }
                TaskCommand::Done { task_id } | TaskCommand::Reopen { task_id } => {
                    let task = parse_id(task_id)?;
                    let mut store = open(&cli)?;
                    store.set_task_done(&task, matches!(cmd, TaskCommand::Done { .. }))?;
                }
            }
            Ok(())
        }
        Command::Attach(cmd) => attach::run(&cli, cmd),
        Command::Event(EventCommand::Add { id, date, kind, text }) => {
            let case = parse_id(id)?;
            let mut store = open(&cli)?;
            println!("{}", store.add_event(&case, date, kind, text)?);
            Ok(())
        }
        Command::Search { query, filter, limit, json } => {
            let filter = filter.filter();
            filter.check()?;
            let store = open(&cli)?;
            let rows = store.search(query, &filter, *limit)?;
            output::summaries(&rows, *json);
            Ok(())
        }
        Command::Share(cmd) => share_command(&cli, cmd),
        Command::Quarantine(cmd) => quarantine_command(&cli, cmd),
        Command::Sync { json } => {
            let mut store = open(&cli)?;
            let report = casebook::sync::engine::sync(&mut store)?;
            output::sync_report(&report, *json);
            Ok(())
        }
        Command::Conflicts(ConflictsCommand::List { json }) => {
            let store = open(&cli)?;
            output::conflicts(&store.conflicts()?, *json);
            Ok(())
        }
        Command::Conflicts(ConflictsCommand::Resolve { id, keep }) => {
            let mut store = open(&cli)?;
            let c = store.resolve_conflict(id, *keep)?;
            println!(
                "kept value {keep} for {} of {} {}; the choice reaches the other devices with the next sync",
                c.field, c.record, c.record_id
            );
            Ok(())
        }
        Command::Export(args) => export_command(&cli, args),
        Command::Import { file, dry_run, json } => import_command(&cli, file, *dry_run, *json),
        Command::Identity(IdentityCommand::Show { json }) => {
            let mut store = open(&cli)?;
            output::own_keys(&casebook::export::partners::own_keys(&mut store)?, *json);
            Ok(())
        }
        Command::Partner(command) => partner_command(&cli, command),
        Command::Identity(IdentityCommand::ExportPublic { out, label }) => {
            let (vault_id, mut store) = open_with_id(&cli)?;
            let key = casebook::export::public_key(&mut store)?;
            let label = label.clone().unwrap_or_else(|| format!("Casebook vault {vault_id}"));
            let label: String = label.chars().filter(|c| !c.is_control()).collect();
            casebook::export::file::write_new_public(
                out,
                format!("# {label}\n# Casebook (age) public key: export bundles to it with --recipient\n{key}\n")
                    .as_bytes(),
            )?;
            println!("Public key written to {}: {key}", out.display());
            Ok(())
        }
        Command::Check => vault::check(&cli),
        Command::Bench(args) => casebook::bench::run(args, &mut std::io::stdout()),
    }
}
