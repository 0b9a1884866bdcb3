//! The JSON Schema of `cases.json` (docs/formats/cases.schema.json), generated from the record
//! kinds and vocabularies so that it cannot drift from the validation rules. Pure.

use serde_json::{json, Map, Value as Json};

use crate::model::{FieldKind, TableDef, CASE, EVENT, NOTE, TASK};

fn field_schema(kind: FieldKind) -> Option<Json> {
    let country = json!({"type": "string", "pattern": "^[A-Za-z]{2}$"});
    Some(match kind {
        FieldKind::Text { max, .. } => json!({"type": ["string", "null"], "maxLength": max}),
        FieldKind::Date => json!({"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
        FieldKind::Country => json!({"type": ["string", "null"], "pattern": "^[A-Za-z]{2}$"}),
        FieldKind::Code(v) => {
            json!({"enum": v.codes.iter().map(|c| Json::from(*c)).chain([Json::Null]).collect::<Vec<_>>()})
        }
        FieldKind::CodeList(v) => json!({"type": "array", "items": {"enum": v.codes}}),
        FieldKind::CountryList => json!({"type": "array", "maxItems": 10, "items": country}),
        FieldKind::TextList { max_items, max } => {
            json!({"type": "array", "maxItems": max_items, "items": {"type": "string", "maxLength": max}})
        }
        FieldKind::Contacts => json!({"type": "array", "maxItems": 20, "items": {
            "type": "object", "additionalProperties": false, "required": ["channel", "value"],
            "properties": {"channel": {"enum": crate::model::vocab::CONTACT_CHANNEL.codes}, "value": {"type": "string", "maxLength": 200}}
        }}),
        FieldKind::Documents => json!({"type": "array", "maxItems": 20, "items": {
            "type": "object", "additionalProperties": false, "required": ["kind", "status"],
            "properties": {
                "kind": {"enum": crate::model::vocab::DOCUMENT_KIND.codes},
                "status": {"enum": crate::model::vocab::DOCUMENT_STATUS.codes},
                "number": {"type": ["string", "null"], "maxLength": 100}
            }
        }}),
        FieldKind::Family => json!({"type": "array", "maxItems": 20, "items": {
            "type": "object", "additionalProperties": false, "required": ["name"],
            "properties": {
                "name": {"type": "string", "maxLength": 200},
                "relation": {"type": ["string", "null"], "maxLength": 50},
                "birth_date": {"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
            }
        }}),
        FieldKind::Bool => json!({"type": "boolean"}),
        FieldKind::Ref
        | FieldKind::PublicKey
        | FieldKind::FileName
        | FieldKind::MediaType
        | FieldKind::ByteSize
        | FieldKind::Digest
        | FieldKind::BlobKey => return None,
    })
}

fn fields_schema(table: &TableDef) -> Json {
    let mut props = Map::new();
    for f in table.fields {
        if let Some(s) = field_schema(f.kind) {
            props.insert(f.name.to_string(), s);
        }
    }
    json!({"type": "object", "additionalProperties": false, "properties": props})
}

fn record_schema(table: &TableDef, children: bool) -> Json {
    let mut props = json!({
        "id": {"$ref": "#/$defs/uuid", "description": "the record's id; in redacted bundles the id for this partner (bundle.md section 6.1)"},
        "created_at": {"$ref": "#/$defs/timestamp", "description": "full bundles only"},
        "fields": fields_schema(table),
        "clocks": {"$ref": "#/$defs/clocks"}
    });
    let required = vec!["id", "fields"];
    if children {
        props["updated_at"] = json!({"$ref": "#/$defs/timestamp", "description": "full bundles only"});
        props["notes"] = json!({"type": "array", "items": {"$ref": "#/$defs/note"}});
        props["tasks"] = json!({"type": "array", "items": {"$ref": "#/$defs/task"}});
        props["events"] = json!({"type": "array", "items": {"$ref": "#/$defs/event"}});
    }
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": props})
}

/// The schema document.
pub fn cases_schema() -> Json {
    let clock = json!({"type": "object", "additionalProperties": false, "required": ["hlc", "device"], "properties": {
        "hlc": {"type": "string", "pattern": "^[0-7][0-9a-f]{15}$", "description": "hybrid logical clock: 48-bit milliseconds and a 16-bit counter, big-endian hex"},
        "device": {"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "16-byte id of the device that wrote the value"}
    }});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://casebook.invalid/formats/cases.schema.json",
        "title": "Casebook cases.json, version 2 (version 1 is still read)",
        "description": "Generated from src/model by src/export/schema.rs; fields take the values `casebook case add` accepts. See docs/formats/bundle.md.",
        "type": "object",
        "additionalProperties": false,
        "required": ["format", "version", "profile", "cases"],
        "properties": {
            "format": {"const": "casebook-cases"},
            "version": {"enum": [1, 2]},
            "profile": {"enum": ["full", "no-identity", "summary"]},
            "cases": {"type": "array", "items": {"$ref": "#/$defs/case"}},
            "counts": {"type": "array", "items": {"$ref": "#/$defs/cell"}, "description": "summary bundles only (cases is then empty): combinations of at least 5 cases"},
            "suppressed": {"type": "integer", "minimum": 0, "description": "summary bundles only: how many cases the combinations of fewer than 5 hold"}
        },
        "$defs": {
            "uuid": {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"},
            "timestamp": {"type": "string", "format": "date-time"},
            "clock": clock,
            "clocks": {"type": "object", "additionalProperties": false, "required": ["created"], "properties": {
                "created": {"$ref": "#/$defs/clock"},
                "fields": {"type": "object", "additionalProperties": {"$ref": "#/$defs/clock"}}
            }, "description": "version-1 full bundles only (checked, never used): the record's creation clock and the clock of every field written later; version 2 has no clocks"},
            "cell": {"type": "object", "additionalProperties": false, "required": ["category", "stage", "country", "risk_level", "cases"], "properties": {
                "category": {"type": ["string", "null"]},
                "stage": {"type": ["string", "null"]},
                "country": {"type": ["string", "null"]},
                "risk_level": {"type": ["string", "null"]},
                "cases": {"type": "integer", "minimum": 5}
            }},
            "case": record_schema(&CASE, true),
            "note": record_schema(&NOTE, false),
            "task": record_schema(&TASK, false),
            "event": record_schema(&EVENT, false)
        }
    })
}
