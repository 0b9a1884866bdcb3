//! The command line: every command, its arguments and their help (clap). Parsing only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::exchange::ExportArgs;
use super::share::{QuarantineCommand, ShareCommand};
use casebook::store::read::CaseFilter;
use casebook::vault::header::KdfParams;
use casebook::vault::keyslot;

#[derive(Parser)]
#[command(name = "casebook", version, about = "Encrypted, offline case files for caseworkers", max_term_width = 100)]
pub(super) struct Cli {
    /// Vault folder [default: $CASEBOOK_VAULT, else the platform's data folder]
    #[arg(long, global = true, value_name = "DIR")]
    pub(super) vault: Option<PathBuf>,
    /// Read the passphrase from this file (used when $CASEBOOK_PASSPHRASE is not set)
    #[arg(long, global = true, value_name = "FILE")]
    pub(super) passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Subcommand)]
pub(super) enum Command {
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
    /// Files of a case (scans, photos, PDFs), encrypted in the vault
    #[command(subcommand)]
    Attach(AttachCommand),
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
    /// What the group set aside from removed or forked devices, and accepting it back
    #[command(subcommand)]
    Quarantine(QuarantineCommand),
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
    /// This vault's age key (partners export to it) and bundle-signing key (they verify with it)
    #[command(subcommand)]
    Identity(IdentityCommand),
    /// The partner contact book: partner organisations, their age keys and signing keys
    #[command(subcommand)]
    Partner(PartnerCommand),
    /// Check the vault's database for damage
    Check,
    /// Measure speed and size on generated cases (a throw-away vault in a temp folder)
    Bench(casebook::bench::BenchArgs),
}

/// Key-derivation cost for a new passphrase slot. The defaults are the production settings;
/// lower values exist for tests and are bounded below by the same floor as every slot.
#[derive(Args)]
pub(super) struct KdfArgs {
    /// Argon2id memory in MiB
    #[arg(long, value_name = "MIB")]
    pub(super) kdf_memory_mib: Option<u32>,
    /// Argon2id passes
    #[arg(long, value_name = "N")]
    pub(super) kdf_iterations: Option<u32>,
    /// Argon2id lanes
    #[arg(long, value_name = "N")]
    pub(super) kdf_parallelism: Option<u32>,
}

impl KdfArgs {
    pub(super) fn params(&self, default: KdfParams) -> KdfParams {
        KdfParams {
            m_kib: self.kdf_memory_mib.map(|m| m.saturating_mul(1024)).unwrap_or(default.m_kib),
            t: self.kdf_iterations.unwrap_or(default.t),
            p: self.kdf_parallelism.unwrap_or(default.p),
        }
    }
    pub(super) fn recovery_params(&self) -> KdfParams {
        // Test-weakened runs weaken the recovery slot the same way; production keeps its default.
        if self.kdf_memory_mib.is_some() || self.kdf_iterations.is_some() {
            self.params(keyslot::DEFAULT_RECOVERY_KDF)
        } else {
            keyslot::DEFAULT_RECOVERY_KDF
        }
    }
}

#[derive(Args, Default)]
pub(super) struct FilterArgs {
    /// Only cases at this stage
    #[arg(long)]
    pub(super) stage: Option<String>,
    /// Only cases in this country (ISO code such as AM, GE, KZ)
    #[arg(long)]
    pub(super) country: Option<String>,
    /// Only cases at this risk level
    #[arg(long)]
    pub(super) risk: Option<String>,
    /// Only cases with an open task due on or before this date (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub(super) due_by: Option<String>,
}

impl FilterArgs {
    pub(super) fn filter(&self) -> CaseFilter {
        CaseFilter {
            stage: self.stage.clone(),
            country: self.country.as_ref().map(|c| c.trim().to_ascii_uppercase()),
            risk_level: self.risk.clone(),
            tasks_due_by: self.due_by.clone(),
        }
    }
}

#[derive(Subcommand)]
pub(super) enum CaseCommand {
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
pub(super) enum PartnerCommand {
    /// Add a partner, or add keys to one (keys typed here are confirmed on this device)
    Add {
        name: String,
        /// The partner's age public key (age1…, repeatable)
        #[arg(long = "recipient", value_name = "AGE_PUBLIC_KEY")]
        recipients: Vec<String>,
        /// The partner's bundle-signing key: the `ssh-ed25519 AAAA…` line its `identity show` prints (repeatable)
        #[arg(long = "signing-key", value_name = "KEY")]
        signing_keys: Vec<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The partners, their keys and fingerprints
    List {
        #[arg(long)]
        json: bool,
    },
    /// Confirm on this device a key another device added, after comparing its fingerprint (or
    /// its four words) with the partner by phone
    Confirm {
        name: String,
        /// The key's fingerprint as `partner list` shows it (SHA256:…), or its four words
        fingerprint: String,
        #[arg(long)]
        json: bool,
    },
    /// Take a partner out of the book, on every device of the group (its keys are removed for good)
    Remove { name: String },
}

#[derive(Subcommand)]
pub(super) enum IdentityCommand {
    /// Print this vault's age public key (first line), its bundle-signing key and fingerprint
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Write the public key to a file, with a label, to send to partners
    ExportPublic {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long)]
        label: Option<String>,
    },
}

#[derive(Subcommand)]
pub(super) enum ConflictsCommand {
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
pub(super) enum AttachCommand {
    /// Attach a file to a case (images lose their metadata unless --keep-metadata); prints its id
    Add {
        case_id: String,
        file: PathBuf,
        #[arg(long, value_name = "TEXT")]
        label: Option<String>,
        /// Keep the file exactly as it is, GPS position and camera serial included
        #[arg(long)]
        keep_metadata: bool,
    },
    /// List a case's attachments
    List {
        case_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Save a decrypted copy of an attachment to a new file
    Get {
        attachment_id: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Delete an attachment here and on every device that syncs
    Delete { attachment_id: String },
    /// Fetch the files a device attached beyond the quota (2 GiB a day, 20 GiB in all)
    Accept {
        /// The device as `share status` shows it
        device: String,
    },
}

#[derive(Subcommand)]
pub(super) enum NoteCommand {
    /// Append a note (notes are never edited)
    Add { id: String, text: String },
}

#[derive(Subcommand)]
pub(super) enum TaskCommand {
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
pub(super) enum EventCommand {
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
