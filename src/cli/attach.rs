//! `casebook attach …`: parse, call one core function (`casebook::attach::vault`), print.

use super::args::AttachCommand;
use super::{open, Cli};
use casebook::attach::vault::{self, AttachOptions};
use casebook::error::Result;
use casebook::store::read::parse_id;

pub(super) fn run(cli: &Cli, cmd: &AttachCommand) -> Result<()> {
    match cmd {
        AttachCommand::Add { case_id, file, label, keep_metadata } => {
            let case = parse_id(case_id)?;
            let mut store = open(cli)?;
            let opts = AttachOptions { label: label.clone(), keep_metadata: *keep_metadata };
            let done = vault::attach_file(&mut store, &case, file, &opts)?;
            for f in &done.reveals {
                let what = f.detail.as_deref().map_or(String::new(), |d| format!(": {d}"));
                let fate = if done.stripped { "removed" } else { "kept in the file" };
                eprintln!("metadata {}{what} ({fate})", f.what);
            }
            println!("{}", done.id);
            Ok(())
        }
        AttachCommand::List { case_id, json } => {
            let case = parse_id(case_id)?;
            let store = open(cli)?;
            let rows = store.attachments_of(&case)?;
            if *json {
                let list: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|a| {
                        serde_json::json!({
                            "id": a.id, "name": a.name, "media_type": a.media_type, "size": a.size,
                            "sha256": a.sha256, "label": a.label, "created_at": a.created_at,
                            "state": a.state, "stripped": a.stripped,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else if rows.is_empty() {
                println!("no attachments");
            } else {
                for a in rows {
                    let label = a.label.as_deref().map_or(String::new(), |l| format!("  \"{l}\""));
                    let state = if a.state == "stored" { String::new() } else { format!("  [{}]", a.state) };
                    println!("{}  {}  {}  {} bytes{label}{state}", a.id, a.name, a.media_type, a.size);
                }
            }
            Ok(())
        }
        AttachCommand::Get { attachment_id, out } => {
            let id = parse_id(attachment_id)?;
            let store = open(cli)?;
            let info = store.attachment(&id)?;
            vault::save_copy(&store, &id, out)?;
            eprintln!(
                "saved a decrypted copy to {}: it is not protected by the vault; delete it when done{}",
                out.display(),
                if info.stripped || !casebook::attach::kind::is_image(&info.media_type) {
                    ""
                } else {
                    " (it still holds the image's metadata)"
                }
            );
            Ok(())
        }
        AttachCommand::Accept { device } => {
            let mut store = open(cli)?;
            let n = casebook::sync::engine::accept_quota(&mut store, device)?;
            println!("{n} attachment(s) of this device will be fetched at the next sync");
            Ok(())
        }
        AttachCommand::Delete { attachment_id } => {
            let id = parse_id(attachment_id)?;
            let mut store = open(cli)?;
            vault::delete(&mut store, &id)?;
            eprintln!(
                "deleted here; every device that syncs deletes it too. Copies made before (old synced changes, \
                 sync-tool versions, exports, devices not yet synced) stay readable where they are"
            );
            Ok(())
        }
    }
}
