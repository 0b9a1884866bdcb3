//! The contract between the core and the UI, as data: the vocabularies (under the names the
//! UI's catalogs use, `vocab.<name>.<code>`), the countries, every record kind with its fields
//! (code, kind, limits, required), the limits the core enforces, and the error codes. It is
//! written to `ui/src/lib/generated/model.json`, which the UI's vocabularies and its test fake
//! read; `tests/contract.rs` keeps the file equal to what this builds, so a change here that
//! the UI does not see fails a test. Pure.

use serde_json::{json, Map, Value};

use crate::error::ErrorCode;
use crate::model::vocab::{self, Vocab};
use crate::model::{FieldDef, FieldKind, TABLES};

/// Every vocabulary, under the name the UI's catalogs use.
pub const VOCABULARIES: [(&str, &Vocab); 9] = [
    ("category", &vocab::CATEGORY),
    ("stage", &vocab::STAGE),
    ("risk_level", &vocab::RISK_LEVEL),
    ("risk_flag", &vocab::RISK_FLAG),
    ("document_kind", &vocab::DOCUMENT_KIND),
    ("document_status", &vocab::DOCUMENT_STATUS),
    ("contact_channel", &vocab::CONTACT_CHANNEL),
    ("event_kind", &vocab::EVENT_KIND),
    ("key_kind", &vocab::KEY_KIND),
];

/// Every error code, as the core reports it.
pub const ERROR_CODES: [ErrorCode; 11] = [
    ErrorCode::WrongKey,
    ErrorCode::BadInput,
    ErrorCode::NotFound,
    ErrorCode::VaultMissing,
    ErrorCode::VaultDamaged,
    ErrorCode::VaultTooNew,
    ErrorCode::VaultExists,
    ErrorCode::Io,
    ErrorCode::ShareUnreachable,
    ErrorCode::Cancelled,
    ErrorCode::Internal,
];

/// Fails to compile when a code is added to `ErrorCode` and not to [`ERROR_CODES`].
const _: fn(ErrorCode) -> () = |c| match c {
    ErrorCode::WrongKey
    | ErrorCode::BadInput
    | ErrorCode::NotFound
    | ErrorCode::VaultMissing
    | ErrorCode::VaultDamaged
    | ErrorCode::VaultTooNew
    | ErrorCode::VaultExists
    | ErrorCode::Io
    | ErrorCode::ShareUnreachable
    | ErrorCode::Cancelled
    | ErrorCode::Internal => (),
};

fn vocabulary_name(v: &Vocab) -> &'static str {
    VOCABULARIES.iter().find(|(_, x)| x.name == v.name).map_or(v.name, |(n, _)| n)
}

fn field(f: &FieldDef) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(f.name));
    out.insert("code".into(), json!(f.code));
    out.insert("required".into(), json!(f.required));
    out.insert("reveals".into(), json!(f.reveals.as_str()));
    let (kind, extra): (&str, Value) = match f.kind {
        FieldKind::Text { max, multiline } => ("text", json!({"max": max, "multiline": multiline})),
        FieldKind::Date => ("date", json!({})),
        FieldKind::Country => ("country", json!({})),
        FieldKind::Code(v) => ("code", json!({"vocabulary": vocabulary_name(v)})),
        FieldKind::CodeList(v) => ("code_list", json!({"vocabulary": vocabulary_name(v)})),
        FieldKind::CountryList => ("country_list", json!({})),
        FieldKind::TextList { max_items, max } => ("text_list", json!({"max_items": max_items, "max": max})),
        FieldKind::Contacts => ("contacts", json!({})),
        FieldKind::Documents => ("documents", json!({})),
        FieldKind::Family => ("family", json!({})),
        FieldKind::Bool => ("bool", json!({})),
        FieldKind::Ref => ("ref", json!({})),
        FieldKind::PublicKey => ("public_key", json!({})),
        FieldKind::FileName => ("file_name", json!({"max_bytes": crate::attach::kind::MAX_NAME_BYTES})),
        FieldKind::MediaType => ("media_type", json!({})),
        FieldKind::ByteSize => ("byte_size", json!({"max": crate::attach::blob::MAX_CONTENT})),
        FieldKind::Digest => ("sha256", json!({})),
        FieldKind::BlobKey => ("blob_key", json!({})),
    };
    out.insert("kind".into(), json!(kind));
    if let Value::Object(extra) = extra {
        out.extend(extra);
    }
    Value::Object(out)
}

/// The redaction table (docs/formats/bundle.md section 6): per profile, what it does with each
/// class, with and without `include_city`, so the export wizard says what the core does.
fn redaction() -> Value {
    use crate::export::redact::{transform, Options, Transform};
    use crate::export::Profile;
    let table = |options: Options| -> Map<String, Value> {
        [Profile::Full, Profile::NoIdentity, Profile::Summary]
            .iter()
            .map(|p| {
                let classes: Map<String, Value> = crate::model::Reveals::ALL
                    .iter()
                    .map(|c| {
                        let t = if transform(*p, *c, options) == Transform::Keep { "keep" } else { "drop" };
                        (c.as_str().to_string(), json!(t))
                    })
                    .collect();
                (p.as_str().to_string(), Value::Object(classes))
            })
            .collect()
    };
    let subfields: Vec<Value> =
        crate::model::reveals::SUBFIELDS.iter().map(|(f, p, c)| json!([f, p, c.as_str()])).collect();
    json!({
        "classes": crate::model::Reveals::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "profiles": table(Options::default()),
        "profiles_with_city": table(Options { include_city: true }),
        "subfields": subfields,
    })
}

/// The contract as JSON.
pub fn contract() -> Value {
    let vocabularies: Map<String, Value> =
        VOCABULARIES.iter().map(|(name, v)| (name.to_string(), json!(v.codes))).collect();
    let tables: Vec<Value> = TABLES
        .iter()
        .map(|t| json!({"table": t.table, "noun": t.noun, "code": t.code, "fields": t.fields.iter().map(field).collect::<Vec<_>>()}))
        .collect();
    json!({
        "about": "Generated from the core (src/contract.rs) by `CASEBOOK_WRITE_CONTRACT=1 cargo test --test contract`; do not edit.",
        "redaction": redaction(),
        "vocabularies": vocabularies,
        "countries": vocab::countries().collect::<Vec<_>>(),
        "tables": tables,
        "limits": {
            "min_new_passphrase_chars": crate::secret::MIN_NEW_PASSPHRASE_CHARS,
            "max_recipients": crate::export::MAX_RECIPIENTS,
            "max_selected_ids": crate::export::MAX_SELECTED_IDS,
            "max_bundle_bytes": crate::export::file::MAX_BUNDLE_BYTES,
        },
        "error_codes": ERROR_CODES,
    })
}
