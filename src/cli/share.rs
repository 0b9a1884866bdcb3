//! `casebook share …`: create a sync group, invite, join, status, dismiss an alarm, accept a
//! quarantine. Parses,
//! calls one `sync::engine` function, prints.

use std::path::PathBuf;

use clap::Subcommand;

use casebook::entropy::OsEntropy;
use casebook::error::{Error, Result};
use casebook::sync::engine;
use casebook::vault::keyslot;

use super::{open, output, secrets, Cli, KdfArgs};

#[derive(Subcommand)]
pub(super) enum ShareCommand {
    /// Make DIR (a Syncthing/Nextcloud folder, network drive, USB stick) the share of a new sync group
    Create {
        dir: PathBuf,
        /// How the other devices see this one, e.g. "Anna, Yerevan office" (sealed in the share)
        #[arg(long)]
        label: Option<String>,
    },
    /// Write an invite for another device, sealed under a one-time passphrase
    /// ($CASEBOOK_INVITE_PASSPHRASE, else four generated words, printed once)
    Invite {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        kdf: KdfArgs,
    },
    /// Attach this vault to the group whose share is DIR (the path may differ on each device)
    Join {
        dir: PathBuf,
        #[arg(long, value_name = "FILE")]
        invite: PathBuf,
        #[arg(long)]
        label: Option<String>,
    },
    /// Devices, their last delta and when they were last heard from; gaps and alarms
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Close an alarm once it has been dealt with (device, delta and kind as `share status` shows them)
    Dismiss {
        #[arg(long)]
        device: String,
        #[arg(long)]
        seq: u64,
        #[arg(long)]
        kind: String,
    },
    /// Write what a forked device's quarantine rolled back again as this device's own changes
    /// (device as `share status` shows it); sent at the next sync
    Accept {
        #[arg(long)]
        device: String,
        #[arg(long)]
        json: bool,
    },
}

pub(super) fn share_command(cli: &Cli, cmd: &ShareCommand) -> Result<()> {
    match cmd {
        ShareCommand::Create { dir, label } => {
            let mut store = open(cli)?;
            if let Some(l) = label {
                engine::set_label(&mut store, l)?;
            }
            let a = engine::create(&mut store, dir)?;
            println!("This vault now syncs through {} (group {}).", a.path, a.group_id);
            println!("Invite another device with `casebook share invite --out FILE`, then run `casebook sync`.");
        }
        ShareCommand::Invite { out, kdf } => {
            let (pass, generated) = secrets::invite_passphrase_for_new(&mut OsEntropy)?;
            let params = kdf.params(keyslot::DEFAULT_PASSPHRASE_KDF);
            params.check()?;
            let mut store = open(cli)?;
            let text = engine::invite(&mut store, &pass, params)?;
            std::fs::write(out, format!("{text}\n"))
                .map_err(|e| Error::io(format!("could not write the invite {}", out.display()), e))?;
            println!("Invite written to {} (valid 7 days).", out.display());
            if let Some(words) = generated {
                println!("One-time passphrase (give it by another channel than the file): {}", words.as_str());
            }
        }
        ShareCommand::Join { dir, invite, label } => {
            let text = std::fs::read_to_string(invite)
                .map_err(|e| Error::io(format!("could not read the invite {}", invite.display()), e))?;
            let mut store = open(cli)?;
            let pass = secrets::invite_passphrase()?;
            if let Some(l) = label {
                engine::set_label(&mut store, l)?;
            }
            let a = engine::join(&mut store, dir, &text, &pass)?;
            println!("This vault joined group {} through {}. Run `casebook sync`.", a.group_id, a.path);
        }
        ShareCommand::Status { json } => {
            let store = open(cli)?;
            output::share_status(&engine::status(&store)?, *json);
        }
        ShareCommand::Dismiss { device, seq, kind } => {
            let mut store = open(cli)?;
            engine::dismiss_alarm(&mut store, device, *seq, kind)?;
        }
        ShareCommand::Accept { device, json } => {
            let mut store = open(cli)?;
            output::accepted(&engine::accept_quarantined(&mut store, device)?, *json);
        }
    }
    Ok(())
}
