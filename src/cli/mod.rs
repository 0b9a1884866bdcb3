//! Argument parsing, secret prompts and the exit-code contract: 0 success, 1 bad input or any
//! other failure, 2 wrong passphrase or recovery key. Errors go to stderr as one
//! `error: …` line, optionally followed by a `hint: …` line.

mod exchange;
mod output;
mod secrets;
mod share;

use exchange::{export_command, import_command, ExportArgs};
use share::{share_command, ShareCommand};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use casebook::entropy::{OsEntropy, SystemClock};
use casebook::error::{Error, ErrorCode, Result};
use casebook::model::input::parse_object;
use casebook::store::read::{parse_id, CaseFilter};
use casebook::store::Store;
use casebook::vault::header::KdfParams;
use casebook::vault::{keyslot, CreateOptions, Vault};

#[derive(Parser)]
#[command(name = "casebook", version, about = "Encrypted, offline case files for caseworkers", max_term_width = 100)]
struct Cli {
    /// Vault folder [default: $CASEBOOK_VAULT, else the platform's data folder]
    #[arg(long, global = true, value_name = "DIR")]
    vault: Option<PathBuf>,
    /// Read the passphrase from this file (used when $CASEBOOK_PASSPHRASE is not set)
    #[arg(long, global = true, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new vault and print its recovery key (once)
    Init(KdfArgs),
    /// Change the vault passphrase
    Passwd(KdfArgs),
    /// Set a new passphrase using the recovery key
    Recover(KdfArgs),
    /// Add, show, list, update and delete cases
    #[command(subcommand)]
    Case(CaseCommand),
    /// Append notes to a case
    #[command(subcommand)]
    Note(NoteCommand),
    /// Tasks and follow-ups with due dates
    #[command(subcommand)]
    Task(TaskCommand),
    /// Timeline events
    #[command(subcommand)]
    Event(EventCommand),
    /// Search names (any script), aliases, places and notes
    Search {
        query: String,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, default_value_t = 50)]
        limit: u64,
        #[arg(long)]
        json: bool,
    },
    /// Sync through a shared folder: create a group, invite devices, join, status
    #[command(subcommand)]
    Share(ShareCommand),
    /// Send this device's new changes to the share and apply everyone else's
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// Review and settle fields that were edited on two devices at once
    #[command(subcommand)]
    Conflicts(ConflictsCommand),
    /// Write an encrypted bundle of cases for a partner organisation (age format: opens without Casebook)
    Export(ExportArgs),
    /// Import a bundle: checks everything, then applies it in one transaction (or nothing)
    Import {
        file: PathBuf,
        /// Show what would be created or updated, change nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// This vault's age key, so that partners can export to it
    #[command(subcommand)]
    Identity(IdentityCommand),
    /// Check the vault's database for damage
    Check,
    /// Measure speed and size on generated cases (a throw-away vault in a temp folder)
    Bench(casebook::bench::BenchArgs),
}

/// Key-derivation cost for a new passphrase slot. The defaults are the production settings;
/// lower values exist for tests and are bounded below by the same floor as every slot.
#[derive(Args)]
struct KdfArgs {
    /// Argon2id memory in MiB
    #[arg(long, value_name = "MIB")]
    kdf_memory_mib: Option<u32>,
    /// Argon2id passes
    #[arg(long, value_name = "N")]
    kdf_iterations: Option<u32>,
    /// Argon2id lanes
    #[arg(long, value_name = "N")]
    kdf_parallelism: Option<u32>,
}

impl KdfArgs {
    fn params(&self, default: KdfParams) -> KdfParams {
        KdfParams {
            m_kib: self.kdf_memory_mib.map(|m| m.saturating_mul(1024)).unwrap_or(default.m_kib),
            t: self.kdf_iterations.unwrap_or(default.t),
            p: self.kdf_parallelism.unwrap_or(default.p),
        }
    }
    fn recovery_params(&self) -> KdfParams {
        // Test-weakened runs weaken the recovery slot the same way; production keeps its default.
        if self.kdf_memory_mib.is_some() || self.kdf_iterations.is_some() {
            self.params(keyslot::DEFAULT_RECOVERY_KDF)
        } else {
            keyslot::DEFAULT_RECOVERY_KDF
        }
    }
}

#[derive(Args, Default)]
struct FilterArgs {
    /// Only cases at this stage
    #[arg(long)]
    stage: Option<String>,
    /// Only cases in this country (ISO code such as AM, GE, KZ)
    #[arg(long)]
    country: Option<String>,
    /// Only cases at this risk level
    #[arg(long)]
    risk: Option<String>,
    /// Only cases with an open task due on or before this date (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    due_by: Option<String>,
}

impl FilterArgs {
    fn filter(&self) -> CaseFilter {
        CaseFilter {
            stage: self.stage.clone(),
            country: self.country.as_ref().map(|c| c.trim().to_ascii_uppercase()),
            risk_level: self.risk.clone(),
            tasks_due_by: self.due_by.clone(),
        }
    }
}

#[derive(Subcommand)]
enum CaseCommand {
    /// Create a case from a JSON object (FILE, or - for stdin); prints the new id
    Add {
        #[arg(long, value_name = "FILE")]
        json: PathBuf,
    },
    /// Show one case file
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// List cases, most recently updated first
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, default_value_t = 100)]
        limit: u64,
        #[arg(long, default_value_t = 0)]
        offset: u64,
        #[arg(long)]
        json: bool,
    },
    /// Change the keys given in a JSON object; other fields keep their values
    Update {
        id: String,
        #[arg(long, value_name = "FILE")]
        json: PathBuf,
    },
    /// Delete a case (kept as a tombstone so that sync can carry the deletion)
    Delete { id: String },
}

#[derive(Subcommand)]
enum IdentityCommand {
    /// Print this vault's age public key
    Show,
    /// Write the public key to a file, with a label, to send to partners
    ExportPublic {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long)]
        label: Option<String>,
    },
}

#[derive(Subcommand)]
enum ConflictsCommand {
    /// Fields with competing values from concurrent edits
    List {
        #[arg(long)]
        json: bool,
    },
    /// Keep value N of conflict ID (1 = the value shown now); the choice syncs
    Resolve {
        id: String,
        #[arg(long, value_name = "N")]
        keep: usize,
    },
}

#[derive(Subcommand)]
enum NoteCommand {
    /// Append a note (notes are never edited)
    Add { id: String, text: String },
}

#[derive(Subcommand)]
enum TaskCommand {
    /// Add a task to a case
    Add {
        id: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        due: Option<String>,
        text: String,
    },
    /// Mark a task done
    Done { task_id: String },
    /// Open a done task again
    Reopen { task_id: String },
}

#[derive(Subcommand)]
enum EventCommand {
    /// Add a dated event to a case's timeline
    Add {
        id: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
        /// contact, border_crossing, detention, release, hearing, interview, application_submitted, decision, appeal, other
        #[arg(long)]
        kind: String,
        text: String,
    },
}

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
            if let Some(hint) = e.hint().filter(|_| e.code() != ErrorCode::WrongKey) {
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
        Command::Init(kdf) => {
            let dir = vault_dir(&cli)?;
            let opts = CreateOptions {
                passphrase_kdf: kdf.params(keyslot::DEFAULT_PASSPHRASE_KDF),
                recovery_kdf: kdf.recovery_params(),
                ..CreateOptions::default()
            };
            opts.passphrase_kdf.check()?;
            let pass = secrets::passphrase(cli.passphrase_file.as_deref(), true)?;
            let (vault, recovery) = Vault::create(&dir, &pass, opts, &mut OsEntropy)?;
            output::created(&vault, &recovery);
            if let Some(w) = casebook::vault::location::warning(&dir) {
                eprintln!("warning: {w}");
            }
            Ok(())
        }
        Command::Passwd(kdf) => {
            let dir = vault_dir(&cli)?;
            casebook::vault::read_header(&dir)?;
            let pass = secrets::passphrase(cli.passphrase_file.as_deref(), false)?;
            let mut vault = Vault::unlock(&dir, &pass)?;
            let new = secrets::new_passphrase()?;
            vault.change_passphrase(&new, kdf.params(keyslot::DEFAULT_PASSPHRASE_KDF), &mut OsEntropy)?;
            println!("Passphrase changed for the vault at {}.", dir.display());
            Ok(())
        }
        Command::Recover(kdf) => {
            let dir = vault_dir(&cli)?;
            casebook::vault::read_header(&dir)?;
            let key = secrets::recovery_key()?;
            let mut vault = Vault::unlock_with_recovery_key(&dir, &key)?;
            let new = secrets::new_passphrase()?;
            vault.change_passphrase(&new, kdf.params(keyslot::DEFAULT_PASSPHRASE_KDF), &mut OsEntropy)?;
            println!("New passphrase set for the vault at {}. The recovery key stays the same.", dir.display());
            Ok(())
        }
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
        Command::Identity(IdentityCommand::Show) => {
            let mut store = open(&cli)?;
            println!("{}", casebook::export::public_key(&mut store)?);
            Ok(())
        }
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
        Command::Check => {
            if let Some(w) = casebook::vault::location::warning(&vault_dir(&cli)?) {
                eprintln!("warning: {w}");
            }
            let store = open(&cli)?;
            let problems = store.integrity_check()?;
            if problems.is_empty() {
                println!("ok: the vault database passed SQLite's and SQLCipher's integrity checks");
                Ok(())
            } else {
                for p in &problems {
                    println!("problem: {p}");
                }
                Err(Error::HeaderDamaged {
                    path: vault_dir(&cli)?.join(casebook::vault::DB_FILE),
                    reason: format!("{} integrity problems", problems.len()),
                })
            }
        }
        Command::Bench(args) => casebook::bench::run(args, &mut std::io::stdout()),
    }
}

fn case_command(cli: &Cli, cmd: &CaseCommand) -> Result<()> {
    match cmd {
        CaseCommand::Add { json } => {
            let input = read_json_arg(json)?;
            let mut store = open(cli)?;
            println!("{}", store.add_case(&input)?);
        }
        CaseCommand::Show { id, json } => {
            let id = parse_id(id)?;
            let store = open(cli)?;
            output::case_file(&store.case(&id)?, *json);
        }
        CaseCommand::List { filter, limit, offset, json } => {
            let filter = filter.filter();
            filter.check()?;
            let store = open(cli)?;
            let rows = store.list_cases(&filter, *offset, *limit)?;
            output::summaries(&rows, *json);
        }
        CaseCommand::Update { id, json } => {
            let id = parse_id(id)?;
            let input = read_json_arg(json)?;
            let mut store = open(cli)?;
            let n = store.update_case(&id, &input)?;
            eprintln!("{n} field(s) changed");
        }
        CaseCommand::Delete { id } => {
            let id = parse_id(id)?;
            let mut store = open(cli)?;
            store.delete_case(&id)?;
            eprintln!("case deleted");
        }
    }
    Ok(())
}
