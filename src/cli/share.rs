//! `casebook share …`: create a sync group (with a roster), invite, join, the requests and their
//! answers, revoke, leave, roles, status, dismiss an alarm, accept a quarantine; `casebook
//! quarantine …`. Parses, calls one `sync::engine` function, prints.

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
    /// Join requests waiting for this device's answer (device, label, when it arrived here)
    Requests {
        #[arg(long)]
        json: bool,
    },
    /// Admit a device that asked to join: type the code its screen shows, read out by voice
    Approve {
        device: String,
        #[arg(long)]
        code: String,
    },
    /// Answer a join request with no
    Decline { device: String },
    /// Remove a device from the group and give every other member a new key
    Revoke {
        device: String,
        /// Void what the device wrote after this time (RFC 3339, e.g. the seizure time)
        #[arg(long, value_name = "RFC3339")]
        cutoff: Option<String>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Leave the group from this device (after a border search, before travel, when you stop)
    Leave {
        #[arg(long)]
        reason: Option<String>,
    },
    /// Make a device a coordinator (who may invite, approve and revoke) or a member
    Role { device: String, role: String },
    /// Move a group made by an older Casebook (no roster) to a group with one, run by the
    /// person who becomes its first coordinator; every other device then joins again
    Upgrade,
    /// Use the group recovery key (from --recovery-key-file or standard input, never the
    /// environment): remove a seized coordinator and void what it did, or re-admit a device
    #[command(name = "recover-group")]
    RecoverGroup {
        /// Remove this device and void its roster entries from --from-seq on (default: all)
        #[arg(long, value_name = "DEVICE", conflicts_with = "admit", required_unless_present = "admit")]
        revoke: Option<String>,
        /// Void every revocation of this device
        #[arg(long, value_name = "DEVICE")]
        admit: Option<String>,
        #[arg(long, value_name = "N")]
        from_seq: Option<u32>,
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<PathBuf>,
    },
    /// Devices, their role and state, their last delta and when they were last heard from; gaps and alarms
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

#[derive(Subcommand)]
pub(super) enum QuarantineCommand {
    /// What was rolled back from removed or forked devices, and whether it was accepted
    List {
        #[arg(long)]
        json: bool,
    },
    /// Write what a quarantine rolled back again as this device's own changes (ID: the device
    /// as `quarantine list` shows it); sent at the next sync
    Accept {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

pub(super) fn quarantine_command(cli: &Cli, cmd: &QuarantineCommand) -> Result<()> {
    match cmd {
        QuarantineCommand::List { json } => {
            let store = open(cli)?;
            output::quarantines(&engine::status(&store)?.quarantine, *json);
        }
        QuarantineCommand::Accept { id, json } => {
            let mut store = open(cli)?;
            output::accepted(&engine::accept_quarantined(&mut store, id)?, *json);
        }
    }
    Ok(())
}

/// The group recovery key from a file or standard input (one line), never an environment
/// variable (environments leak into process listings and crash reports).
fn recovery_key_text(file: Option<&std::path::Path>) -> Result<zeroize::Zeroizing<String>> {
    let text = match file {
        Some(f) => std::fs::read_to_string(f).map_err(|e| Error::io(format!("could not read {}", f.display()), e))?,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| Error::io("could not read the recovery key from standard input", e))?;
            line
        }
    };
    Ok(zeroize::Zeroizing::new(text.trim().to_string()))
}

/// An RFC 3339 time (`2026-11-30T14:00:00Z`, `…+04:00`) in ms since 1970.
fn parse_rfc3339(text: &str) -> Result<u64> {
    casebook::dates::parse_rfc3339(text).ok_or_else(|| {
        Error::invalid("cutoff", "give a time as 2026-11-30T14:00:00Z (or with an offset such as +04:00)")
    })
}

pub(super) fn share_command(cli: &Cli, cmd: &ShareCommand) -> Result<()> {
    match cmd {
        ShareCommand::Create { dir, label } => {
            let mut store = open(cli)?;
            if let Some(l) = label {
                engine::set_label(&mut store, l)?;
            }
            let c = engine::members::create(&mut store, dir)?;
            println!("This vault now syncs through {} (group {}).", c.attachment.path, c.attachment.group_id);
            println!("This device is the group's first coordinator.");
            println!();
            println!("Group recovery key (shown once; write it on paper and keep it offline, away from this laptop):");
            println!("  {}", c.recovery_key.as_str());
            println!("It re-admits devices when a coordinator's laptop is seized. It is not a vault passphrase.");
            println!();
            println!("Invite another device with `casebook share invite --out FILE`.");
        }
        ShareCommand::Invite { out, kdf } => {
            let (pass, generated) = secrets::invite_passphrase_for_new(&mut OsEntropy)?;
            let params = kdf.params(keyslot::DEFAULT_PASSPHRASE_KDF);
            params.check()?;
            let mut store = open(cli)?;
            let text = engine::members::invite(&mut store, &pass, params)?;
            std::fs::write(out, format!("{text}\n"))
                .map_err(|e| Error::io(format!("could not write the invite {}", out.display()), e))?;
            println!("Invite written to {} (valid 7 days, one device).", out.display());
            if let Some(words) = generated {
                println!("One-time words (read them out by voice; never send them with the file): {}", words.as_str());
            }
            println!("The invite holds no key of the group: the joiner waits until you approve it with its code.");
        }
        ShareCommand::Join { dir, invite, label } => {
            let text = std::fs::read_to_string(invite)
                .map_err(|e| Error::io(format!("could not read the invite {}", invite.display()), e))?;
            let mut store = open(cli)?;
            let pass = secrets::invite_passphrase()?;
            let j = engine::members::join(&mut store, dir, &text, &pass, label.as_deref())?;
            println!("pending approval");
            println!("code: {}", j.code);
            println!(
                "Read this code to the person who invited you, by voice, someone you recognise (never in the chat that \
                 carried the invite). They type it to approve this device; then run `casebook sync`."
            );
        }
        ShareCommand::Requests { json } => {
            let mut store = open(cli)?;
            output::join_requests(&engine::members::requests(&mut store)?, *json);
        }
        ShareCommand::Approve { device, code } => {
            let mut store = open(cli)?;
            engine::members::approve(&mut store, device, code)?;
            println!("Approved. The device receives the group's key at its next sync.");
        }
        ShareCommand::Decline { device } => {
            let mut store = open(cli)?;
            engine::members::decline(&mut store, device)?;
            println!("Declined.");
        }
        ShareCommand::Revoke { device, cutoff, reason } => {
            let cutoff_ms = cutoff.as_deref().map(parse_rfc3339).transpose()?;
            let mut store = open(cli)?;
            engine::members::revoke(&mut store, device, cutoff_ms, reason.as_deref().unwrap_or(""))?;
            println!("Revoked: the device reads nothing written from now on, and what it wrote after its cutoff is rolled back on every device.");
            println!("Now also: remove the device from Syncthing on every device; change the Nextcloud or network-share password; tell the group.");
        }
        ShareCommand::Leave { reason } => {
            let mut store = open(cli)?;
            engine::members::leave(&mut store, reason.as_deref().unwrap_or(""))?;
            println!("This device left the group. It sends and receives nothing more.");
        }
        ShareCommand::RecoverGroup { revoke, admit, from_seq, recovery_key_file } => {
            let key = recovery_key_text(recovery_key_file.as_deref())?;
            let mut store = open(cli)?;
            let (device, is_admit) = match (revoke, admit) {
                (Some(d), None) => (d, false),
                (None, Some(d)) => (d, true),
                _ => return Err(Error::invalid("device", "give either --revoke DEVICE or --admit DEVICE")),
            };
            let r = engine::members::recover_group(&mut store, &key, device, is_admit, *from_seq)?;
            println!("Done. Every device shows this use of the recovery key as an alarm.");
            println!();
            println!("The recovery key you used no longer works. Its replacement (shown once; write it on paper, keep it offline):");
            println!("  {}", r.next_recovery_key.as_str());
        }
        ShareCommand::Upgrade => {
            let mut store = open(cli)?;
            let u = engine::upgrade::upgrade(&mut store)?;
            println!(
                "The group now has a roster (group {}); this device is its first coordinator.",
                u.attachment.group_id
            );
            println!(
                "What {} device(s) of the old group had written, as far as this vault had it, stays the group's history.",
                u.old_devices
            );
            println!();
            println!("Group recovery key (shown once; write it on paper and keep it offline, away from this laptop):");
            println!("  {}", u.recovery_key.as_str());
            println!("It re-admits devices when a coordinator's laptop is seized. It is not a vault passphrase.");
            println!();
            println!(
                "Every other device must join again: make an invite for each (`casebook share invite --out FILE`), and \
                 approve each with the code its person reads out to you. Until then they send and receive nothing; \
                 nothing of theirs is lost."
            );
        }
        ShareCommand::Role { device, role } => {
            let mut store = open(cli)?;
            engine::members::set_role(&mut store, device, role)?;
            println!("Role changed to {role}.");
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
