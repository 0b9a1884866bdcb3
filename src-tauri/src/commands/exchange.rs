//! Exchange commands: this vault's keys, the partner contact book, export bundles and imports
//! (docs/formats/bundle.md).

use std::path::PathBuf;

use serde::Serialize;
use tauri::State;

use casebook::export::partners::PartnerView;
use casebook::export::{self, ExportSummary, ImportPlan, ImportReport, Profile, Protection, Selection};
use casebook::secret::Passphrase;
use casebook::store::read::parse_id;

use super::typed_path;
use crate::ipc_error::{IpcError, IpcResult};
use crate::session::AppState;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    public_key: String,
    signing_key: String,
    fingerprint: String,
    words: String,
    allowed_signers: String,
}

/// `export_run`'s `selection`: `{kind: "all" | "ids" | "stage" | "country", ids?, stage?, country?}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionArg {
    kind: String,
    ids: Option<Vec<String>>,
    stage: Option<String>,
    country: Option<String>,
}

impl SelectionArg {
    fn parse(self) -> IpcResult<Selection> {
        let missing = |what: &str| IpcError::bad_input("selection", &format!("a {what} selection needs `{what}`"));
        match self.kind.as_str() {
            "all" => Ok(Selection::All),
            "stage" => Ok(Selection::Stage(self.stage.ok_or_else(|| missing("stage"))?)),
            "country" => Ok(Selection::Country(self.country.ok_or_else(|| missing("country"))?)),
            "ids" => {
                let ids = self.ids.ok_or_else(|| IpcError::bad_input("selection", "an ids selection needs `ids`"))?;
                // Bounded before the ids are parsed (the count itself is checked by the core).
                if ids.len() > export::MAX_SELECTED_IDS {
                    return Err(IpcError::bad_input("selection", "select from 1 to 1,000,000 cases"));
                }
                Ok(Selection::Ids(ids.iter().map(|id| parse_id(id)).collect::<casebook::Result<_>>()?))
            }
            _ => Err(IpcError::bad_input("selection", "kind is one of all, ids, stage or country")),
        }
    }
}

/// A bundle file's path as typed: trimmed, `~/` expanded, absolute, naming a file.
fn bundle_path(path: &str) -> IpcResult<PathBuf> {
    let file = typed_path(path).ok_or_else(|| IpcError::bad_input("path", "enter the path of the file"))?;
    if !file.is_absolute() {
        return Err(IpcError::bad_input("path", "give the file's full path, such as /home/me/casebook-export.age"));
    }
    if path.trim().ends_with('/') || file.file_name().is_none() {
        return Err(IpcError::bad_input("path", "give a file name, not a folder"));
    }
    Ok(file)
}

/// Reads the bundle file at a path as typed (`export::file::read`: a regular file, bounded,
/// never blocking).
/// An import's passphrase: absent or empty means "open with this vault's identity".
fn bundle_passphrase(text: Option<String>) -> IpcResult<Option<Passphrase>> {
    match text {
        Some(t) if !t.is_empty() => Ok(Some(super::passphrase(t)?)),
        _ => Ok(None),
    }
}

#[tauri::command(async)]
pub fn identity_show(state: State<'_, AppState>) -> IpcResult<Identity> {
    state.with_session(|s| {
        let k = export::partners::own_keys(&mut s.store)?;
        Ok(Identity {
            public_key: k.age_recipient,
            signing_key: k.signing_key,
            fingerprint: k.fingerprint,
            words: k.words,
            allowed_signers: k.allowed_signers,
        })
    })
}

#[tauri::command(async)]
pub fn partner_list(state: State<'_, AppState>) -> IpcResult<Vec<PartnerView>> {
    state.with_session(|s| export::partners::list(&s.store))
}

#[tauri::command(async)]
pub fn partner_add(
    state: State<'_, AppState>,
    name: String,
    recipients: Vec<String>,
    signing_keys: Vec<String>,
    note: Option<String>,
) -> IpcResult<PartnerView> {
    state.with_session(|s| export::partners::add(&mut s.store, &name, &recipients, &signing_keys, note.as_deref()))
}

/// Confirms on this device a key another device added, once a person compared its fingerprint.
#[tauri::command(async)]
pub fn partner_confirm(state: State<'_, AppState>, name: String, fingerprint: String) -> IpcResult<PartnerView> {
    state.with_session(|s| export::partners::confirm(&s.store, &name, &fingerprint))
}

#[tauri::command(async)]
pub fn partner_remove(state: State<'_, AppState>, name: String) -> IpcResult<()> {
    state.with_session(|s| export::partners::remove(&mut s.store, &name))
}

/// How rare the selected cases are by the facts a `no-identity` bundle keeps (the wizard's
/// rarity line).
#[tauri::command(async)]
pub fn export_rarity(state: State<'_, AppState>, selection: SelectionArg) -> IpcResult<export::rarity::Rarity> {
    let selection = selection.parse()?;
    state.with_session(|s| export::rarity::rarity(&s.store, &selection))
}

/// The IPC names each argument (the webview sends an object of them), so they stay separate.
#[allow(clippy::too_many_arguments)]
#[tauri::command(async)]
pub fn export_run(
    state: State<'_, AppState>,
    selection: SelectionArg,
    profile: String,
    recipients: Option<Vec<String>>,
    partner: Option<String>,
    include_city: Option<bool>,
    passphrase: Option<String>,
    path: String,
) -> IpcResult<ExportSummary> {
    let selection = selection.parse()?;
    let profile: Profile = profile.parse()?;
    let protection = match (recipients, passphrase, &partner) {
        (Some(keys), None, None) => Some(Protection::Recipients(keys)),
        (None, Some(text), None) => {
            Some(Protection::Passphrase(Passphrase::for_new_vault(text)?, export::DEFAULT_SCRYPT_LOG_N))
        }
        (None, None, Some(_)) => None,
        _ => {
            return Err(IpcError::bad_input("recipient", "give one of a partner, public keys or a passphrase"));
        }
    };
    let file = bundle_path(&path)?;
    // Refused before the work (the write refuses it again, race-free).
    export::file::check_new(&file)?;
    // The store is held while the bundle is built; the file is written after it is released.
    let (bytes, summary) = state.with_session(|s| {
        let vault_id = s.vault_id.parse().map_err(|_| casebook::Error::invalid("vault", "the vault id is damaged"))?;
        let protection = match protection {
            Some(p) => p,
            None => Protection::Recipients(export::partner_recipients(&s.store, partner.as_deref().unwrap_or(""))?),
        };
        let request = export::Request {
            selection: &selection,
            profile,
            protection: &protection,
            partner: partner.as_deref(),
            in_reply_to: None,
            options: export::redact::Options { include_city: include_city.unwrap_or(false) },
        };
        export::export_for(&mut s.store, vault_id, &request)
    })?;
    export::file::write_new(&file, &bytes)?;
    Ok(summary)
}

#[tauri::command(async)]
pub fn import_preview(state: State<'_, AppState>, path: String, passphrase: Option<String>) -> IpcResult<ImportPlan> {
    let pass = bundle_passphrase(passphrase)?;
    let file = bundle_path(&path)?;
    state.with_session(|s| {
        s.previewed = None;
        // Streamed from the file as it decrypts: never the whole file in memory.
        let bundle = export::read_bundle_file(&mut s.store, &file, pass.as_ref())?;
        let plan = export::plan(&mut s.store, &bundle)?;
        s.previewed = Some((bundle, plan.clone()));
        Ok(plan)
    })
}

#[tauri::command(async)]
pub fn import_apply(state: State<'_, AppState>, path: String, passphrase: Option<String>) -> IpcResult<ImportReport> {
    drop(bundle_passphrase(passphrase)?);
    let sha256 = export::file::sha256_of(&bundle_path(&path)?)?;
    state.with_session(|s| {
        // Only the bundle the person previewed, with the plan they saw (review F11).
        match s.previewed.take() {
            Some((bundle, plan)) if bundle.sha256 == sha256 => export::apply_planned(&mut s.store, &bundle, &plan),
            _ => Err(casebook::Error::invalid(
                "import",
                "the file changed since it was previewed, or nothing was previewed: preview it again before importing",
            )),
        }
    })
}
