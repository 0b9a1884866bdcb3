//! Validation of record input given as JSON (CLI `--json` files, IPC arguments): every key is
//! checked against its field definition, and the result is a list of (field code, value).
//!
//! Errors name the key and say what is accepted. Nothing here touches the database.

use serde_json::{Map, Value as Json};

use super::vocab::{self, Vocab};
use super::{FieldDef, FieldKind, TableDef, Value};
use crate::error::{Error, Result};

/// Whether the input creates a record or changes some fields of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Create,
    Update,
}

/// Parses JSON text that must be an object. A leading byte-order mark (Windows editors
/// write one) is ignored. A key given twice in one object is refused: JSON parsers disagree
/// on which value wins, and a case file must not mean two things.
pub fn parse_object(text: &str) -> Result<Map<String, Json>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match serde_json::from_str::<StrictJson>(text) {
        Ok(StrictJson(Json::Object(map))) => Ok(map),
        Ok(_) => Err(Error::invalid("JSON", "expected an object such as {\"full_name\": \"...\"}")),
        Err(e) => Err(Error::invalid("JSON", &format!("it could not be parsed: {e}"))),
    }
}

/// A JSON value whose objects (at any depth) have no repeated keys.
struct StrictJson(Json);

impl<'de> serde::Deserialize<'de> for StrictJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Json, E> {
        Ok(serde_json::Number::from_f64(v).map(Json::Number).unwrap_or(Json::Null))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_unit<E>(self) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictJson(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Json, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!("the key `{}` appears twice", shorten(&key))));
            }
            let StrictJson(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Json::Object(out))
    }
}

/// Validates `object` for `table`. Keys that are not fields, or that cannot be set directly
/// (references), are errors; keys listed in `extra` are skipped (the caller handles them).
pub fn validate(
    table: &TableDef,
    object: &Map<String, Json>,
    purpose: Purpose,
    extra: &[&str],
) -> Result<Vec<(u8, Value)>> {
    let mut out = Vec::new();
    for (key, json) in object {
        if extra.contains(&key.as_str()) {
            continue;
        }
        let Some(def) = table.field(key).filter(|f| !matches!(f.kind, FieldKind::Ref)) else {
            let known: Vec<&str> = table
                .fields
                .iter()
                .filter(|f| !matches!(f.kind, FieldKind::Ref))
                .map(|f| f.name)
                .chain(extra.iter().copied())
                .collect();
            let name = if key.is_empty() { "\"\"" } else { key.as_str() };
            return Err(Error::invalid(name, &format!("unknown key; a {} accepts {}", table.noun, known.join(", "))));
        };
        let value = field_value(def, json)?;
        if def.required && value == Value::Null {
            return Err(Error::invalid(key, "it is required and cannot be empty"));
        }
        out.push((def.code, value));
    }
    if purpose == Purpose::Create {
        for def in table.fields.iter().filter(|f| f.required && !matches!(f.kind, FieldKind::Ref)) {
            if !object.contains_key(def.name) {
                return Err(Error::invalid(def.name, "it is required"));
            }
        }
    }
    Ok(out)
}

/// Which vocabulary codes a value may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codes {
    /// Local input: only the codes this version knows.
    Known,
    /// Values from other devices: any code-shaped text, since a newer version may know more
    /// codes (they are kept and shown as unknown).
    AnyShaped,
}

/// Validates one value for one field. JSON `null` (and an empty string or list) clears it;
/// a true/false field cannot be cleared.
pub fn field_value(def: &FieldDef, json: &Json) -> Result<Value> {
    field_value_as(def, json, Codes::Known)
}

/// Checks a value that another device wrote (a sync delta, an import) by the rules of local
/// input: the same types, lengths, shapes and required fields, and the value must be exactly
/// what local input would have stored. Vocabulary codes this version does not know pass when
/// they are code-shaped. The error says which rule the value breaks and never echoes it.
pub fn check_stored(def: &FieldDef, value: &Value) -> std::result::Result<(), String> {
    let wrong = || format!("`{}` must be {}", def.name, accepted(def.kind));
    let json = match (def.kind, value) {
        (FieldKind::Bool, Value::Null) => return Err(format!("`{}` must be true or false, never empty", def.name)),
        (_, Value::Null) if def.required => return Err(format!("`{}` is required and cannot be empty", def.name)),
        (_, Value::Null) => return Ok(()),
        (FieldKind::Bool, Value::Int(0 | 1)) => return Ok(()),
        (FieldKind::Ref, Value::Blob(b)) if b.len() == 16 => return Ok(()),
        (FieldKind::PublicKey, Value::Text(s)) => return check_public_key(s).map_err(|_| wrong()),
        (FieldKind::FileName, Value::Text(s)) => {
            let safe = !s.is_empty() && crate::attach::kind::safe_name(s) == *s;
            return if safe { Ok(()) } else { Err(wrong()) };
        }
        (FieldKind::MediaType, Value::Text(s)) => {
            return if crate::attach::kind::media_type_shaped(s) { Ok(()) } else { Err(wrong()) };
        }
        (FieldKind::ByteSize, Value::Int(n)) => {
            let fits = u64::try_from(*n).is_ok_and(|n| n <= crate::attach::blob::MAX_CONTENT);
            return if fits { Ok(()) } else { Err(wrong()) };
        }
        (FieldKind::Digest | FieldKind::BlobKey, Value::Blob(b)) => {
            return if b.len() == 32 { Ok(()) } else { Err(wrong()) };
        }
        (FieldKind::Text { .. } | FieldKind::Date | FieldKind::Country | FieldKind::Code(_), Value::Text(s)) => {
            Json::String(s.clone())
        }
        (kind, Value::Text(s)) if kind.stored_as_json() => match serde_json::from_str::<StrictJson>(s) {
            Ok(StrictJson(list @ Json::Array(_))) => list,
            _ => return Err(wrong()),
        },
        _ => return Err(wrong()),
    };
    match field_value_as(def, &json, Codes::AnyShaped) {
        Ok(canonical) if canonical == *value => Ok(()),
        _ => Err(wrong()),
    }
}

/// What a field accepts, in words (for refusals of values from other devices).
fn accepted(kind: FieldKind) -> String {
    match kind {
        FieldKind::Text { max, multiline: false } => format!("one line of at most {max} characters, trimmed"),
        FieldKind::Text { max, multiline: true } => format!("a text of at most {max} characters, trimmed"),
        FieldKind::Date => "a date in the form YYYY-MM-DD".into(),
        FieldKind::Country => "a two-letter country code".into(),
        FieldKind::Code(_) => "a code such as first_contact".into(),
        FieldKind::CodeList(_) => "a list of distinct codes".into(),
        FieldKind::CountryList => "a list of distinct two-letter country codes".into(),
        FieldKind::TextList { max_items, max } => {
            format!("a list of at most {max_items} distinct texts of at most {max} characters")
        }
        FieldKind::Contacts => "a list of contacts (channel and value)".into(),
        FieldKind::Documents => "a list of documents (kind, status, number)".into(),
        FieldKind::Family => "a list of family members (name, relation, birth date)".into(),
        FieldKind::Bool => "true or false".into(),
        FieldKind::Ref => "a 16-byte record id".into(),
        FieldKind::PublicKey => "an age key (age1…) or an ssh-ed25519 key line without comment".into(),
        FieldKind::FileName => "a file name of at most 120 bytes that cleaning leaves unchanged".into(),
        FieldKind::MediaType => "a media type such as image/jpeg".into(),
        FieldKind::ByteSize => "a size of 0 to 268,435,456 bytes".into(),
        FieldKind::Digest => "a SHA-256 of 32 bytes".into(),
        FieldKind::BlobKey => "a key of 32 bytes".into(),
    }
}

fn field_value_as(def: &FieldDef, json: &Json, codes: Codes) -> Result<Value> {
    let key = def.name;
    if json.is_null() {
        if matches!(def.kind, FieldKind::Bool) {
            return Err(Error::invalid(key, "expected true or false"));
        }
        return Ok(Value::Null);
    }
    match def.kind {
        FieldKind::Text { max, multiline } => Ok(opt_text(clean_text(key, json, max, multiline)?)),
        FieldKind::Date => {
            let s = string(key, json)?;
            if s.trim().is_empty() {
                return Ok(Value::Null);
            }
            check_date(key, s.trim())?;
            Ok(Value::Text(s.trim().to_string()))
        }
        FieldKind::Country => {
            let s = string(key, json)?.trim().to_ascii_uppercase();
            if s.is_empty() {
                return Ok(Value::Null);
            }
            check_country(key, &s, codes)?;
            Ok(Value::Text(s))
        }
        FieldKind::Code(v) => {
            let s = string(key, json)?.trim();
            if s.is_empty() {
                return Ok(Value::Null);
            }
            check_code(key, v, s, codes)?;
            Ok(Value::Text(s.to_string()))
        }
        FieldKind::CodeList(v) => {
            let mut list = Vec::new();
            for item in array(key, json, if codes == Codes::Known { v.codes.len() } else { 64 })? {
                let s = string(key, item)?.trim();
                check_code(key, v, s, codes)?;
                if !list.contains(&s) {
                    list.push(s);
                }
            }
            list_value(&list)
        }
        FieldKind::CountryList => {
            let mut list = Vec::new();
            for item in array(key, json, 10)? {
                let s = string(key, item)?.trim().to_ascii_uppercase();
                check_country(key, &s, codes)?;
                if !list.contains(&s) {
                    list.push(s);
                }
            }
            list_value(&list)
        }
        FieldKind::TextList { max_items, max } => {
            let mut items = Vec::new();
            for item in array(key, json, max_items)? {
                let s = clean_text(key, item, max, false)?;
                if !s.is_empty() && !items.contains(&s) {
                    items.push(s);
                }
            }
            list_value(&items)
        }
        FieldKind::Contacts => {
            let mut items = Vec::new();
            for item in array(key, json, 20)? {
                let obj = object(key, item, &["channel", "value"])?;
                let channel = required_code(key, obj, "channel", &vocab::CONTACT_CHANNEL, codes)?;
                let value = clean_text(&format!("{key}.value"), obj.get("value").unwrap_or(&Json::Null), 200, false)?;
                if value.is_empty() {
                    return Err(Error::invalid(&format!("{key}.value"), "each contact needs a value"));
                }
                items.push(serde_json::json!({"channel": channel, "value": value}));
            }
            list_value(&items)
        }
        FieldKind::Documents => {
            let mut items = Vec::new();
            for item in array(key, json, 20)? {
                let obj = object(key, item, &["kind", "status", "number"])?;
                let kind = required_code(key, obj, "kind", &vocab::DOCUMENT_KIND, codes)?;
                let status = required_code(key, obj, "status", &vocab::DOCUMENT_STATUS, codes)?;
                let mut doc = serde_json::json!({"kind": kind, "status": status});
                if let Some(n) = obj.get("number").filter(|n| !n.is_null()) {
                    let n = clean_text(&format!("{key}.number"), n, 100, false)?;
                    if !n.is_empty() {
                        doc["number"] = Json::String(n);
                    }
                }
                items.push(doc);
            }
            list_value(&items)
        }
        FieldKind::Family => {
            let mut items = Vec::new();
            for item in array(key, json, 20)? {
                let obj = object(key, item, &["name", "relation", "birth_date"])?;
                let name = clean_text(&format!("{key}.name"), obj.get("name").unwrap_or(&Json::Null), 200, false)?;
                if name.is_empty() {
                    return Err(Error::invalid(&format!("{key}.name"), "each family member needs a name"));
                }
                let mut member = serde_json::json!({"name": name});
                if let Some(r) = obj.get("relation").filter(|r| !r.is_null()) {
                    member["relation"] = Json::String(clean_text(&format!("{key}.relation"), r, 50, false)?);
                }
                if let Some(d) = obj.get("birth_date").filter(|d| !d.is_null()) {
                    let d = string(&format!("{key}.birth_date"), d)?;
                    check_date(&format!("{key}.birth_date"), d)?;
                    member["birth_date"] = Json::String(d.to_string());
                }
                items.push(member);
            }
            list_value(&items)
        }
        FieldKind::Bool => match json {
            Json::Bool(b) => Ok(Value::Int(i64::from(*b))),
            _ => Err(Error::invalid(key, "expected true or false")),
        },
        FieldKind::Ref
        | FieldKind::FileName
        | FieldKind::MediaType
        | FieldKind::ByteSize
        | FieldKind::Digest
        | FieldKind::BlobKey => Err(Error::invalid(key, "it cannot be set")),
        FieldKind::PublicKey => {
            let text = string(key, json)?;
            check_public_key(text).map_err(|why| Error::invalid(key, why))?;
            Ok(Value::Text(text.to_string()))
        }
    }
}

/// The shape of a partner's public key as stored (docs/formats/database.md section 3): an age
/// recipient, `age1` and 58 lower-case bech32 characters, or an OpenSSH Ed25519 line,
/// `ssh-ed25519 ` and the 68-character base64 of the key blob, with no comment. Whether the key
/// decodes is checked where it is used.
pub fn check_public_key(s: &str) -> std::result::Result<(), &'static str> {
    const BECH32: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    if let Some(data) = s.strip_prefix("age1") {
        if data.len() == 58 && data.chars().all(|c| BECH32.contains(c)) {
            return Ok(());
        }
        return Err("an age key is age1 followed by 58 lower-case letters and digits");
    }
    if let Some(b64) = s.strip_prefix("ssh-ed25519 ") {
        let base64 = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '/';
        if b64.len() == 68 && b64.starts_with("AAAAC3NzaC1lZDI1NTE5") && b64.chars().all(base64) {
            return Ok(());
        }
        return Err("a signing key is ssh-ed25519 followed by its 68-character base64, without comment");
    }
    Err("a key is an age key (age1…) or an ssh-ed25519 signing key")
}

fn opt_text(s: String) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::Text(s)
    }
}

fn list_value<T: serde::Serialize>(items: &[T]) -> Result<Value> {
    if items.is_empty() {
        return Ok(Value::Null);
    }
    Ok(Value::Text(serde_json::to_string(items).map_err(|_| Error::invalid("list", "could not be encoded"))?))
}

fn string<'a>(key: &str, json: &'a Json) -> Result<&'a str> {
    json.as_str().ok_or_else(|| Error::invalid(key, "expected a text value in quotes"))
}

fn array<'a>(key: &str, json: &'a Json, max_items: usize) -> Result<&'a Vec<Json>> {
    let items = json.as_array().ok_or_else(|| Error::invalid(key, "expected a list such as [\"...\"]"))?;
    if items.len() > max_items {
        return Err(Error::invalid(key, &format!("at most {max_items} items, got {}", items.len())));
    }
    Ok(items)
}

fn object<'a>(key: &str, json: &'a Json, allowed: &[&str]) -> Result<&'a Map<String, Json>> {
    let obj = json.as_object().ok_or_else(|| {
        Error::invalid(key, &format!("each item must be an object with the keys {}", allowed.join(", ")))
    })?;
    if let Some(bad) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Error::invalid(&format!("{key}.{bad}"), &format!("unknown key; accepted: {}", allowed.join(", "))));
    }
    Ok(obj)
}

fn required_code(key: &str, obj: &Map<String, Json>, sub: &str, v: &Vocab, codes: Codes) -> Result<String> {
    let name = format!("{key}.{sub}");
    let s = obj
        .get(sub)
        .and_then(Json::as_str)
        .ok_or_else(|| Error::invalid(&name, &format!("required: one of {}", v.listing())))?;
    check_code(&name, v, s.trim(), codes)?;
    Ok(s.trim().to_string())
}

/// A code another version may know: lower-case letters, digits and `_`, at most 40.
fn code_shaped(s: &str) -> bool {
    (1..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn check_code(key: &str, v: &Vocab, s: &str, codes: Codes) -> Result<()> {
    if v.contains(s) || (codes == Codes::AnyShaped && code_shaped(s)) {
        Ok(())
    } else {
        Err(Error::invalid(key, &format!("`{}` is not one of {}", shorten(s), v.listing())))
    }
}

fn check_country(key: &str, s: &str, codes: Codes) -> Result<()> {
    let shaped = s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase());
    if vocab::is_country(s) || (codes == Codes::AnyShaped && shaped) {
        Ok(())
    } else {
        Err(Error::invalid(
            key,
            &format!("`{}` is not an ISO 3166 two-letter country code such as AM, GE or KZ", shorten(s)),
        ))
    }
}

fn check_date(key: &str, s: &str) -> Result<()> {
    if crate::dates::parse_date(s).is_some() {
        Ok(())
    } else {
        Err(Error::invalid(key, &format!("`{}` is not a date in the form YYYY-MM-DD", shorten(s))))
    }
}

/// Bidirectional-text controls: they can make a name display as something else.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Trims, refuses control characters (newlines and tabs only where `multiline`) and
/// bidirectional controls, bounds length.
fn clean_text(key: &str, json: &Json, max: usize, multiline: bool) -> Result<String> {
    let s = string(key, json)?.trim();
    if let Some(c) = s.chars().find(|&c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r'))) {
        return Err(Error::invalid(key, &format!("it contains the control character U+{:04X}", c as u32)));
    }
    if let Some(c) = s.chars().find(|&c| is_bidi_control(c)) {
        return Err(Error::invalid(
            key,
            &format!("it contains the text-direction control U+{:04X}, which can disguise a name", c as u32),
        ));
    }
    let n = s.chars().count();
    if n > max {
        return Err(Error::invalid(key, &format!("at most {max} characters, got {n}")));
    }
    Ok(s.to_string())
}

/// Echoes user input in errors only in a bounded form.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CASE;

    fn check(json: &str, purpose: Purpose) -> std::result::Result<Vec<(u8, Value)>, String> {
        validate(&CASE, &parse_object(json).unwrap(), purpose, &["notes"]).map_err(|e| e.to_string())
    }

    #[test]
    fn minimal_case_needs_only_a_full_name() {
        assert_eq!(
            check(r#"{"full_name": " Иван Петров "}"#, Purpose::Create).unwrap(),
            vec![(1, Value::Text("Иван Петров".into()))]
        );
        assert!(check(r#"{"city": "Yerevan"}"#, Purpose::Create).unwrap_err().contains("full_name"));
        assert!(check(r#"{"city": "Yerevan"}"#, Purpose::Update).is_ok());
        assert!(check(r#"{"full_name": ""}"#, Purpose::Update).unwrap_err().contains("full_name"));
        assert!(check(r#"{"full_name": null}"#, Purpose::Update).unwrap_err().contains("full_name"));
    }

    #[test]
    fn errors_name_the_key() {
        for (json, key) in [
            (r#"{"full_name": "A", "nickname": "x"}"#, "nickname"),
            (r#"{"full_name": "A", "stage": "fled"}"#, "stage"),
            (r#"{"full_name": "A", "country": "XX"}"#, "country"),
            (r#"{"full_name": "A", "birth_date": "1990-02-30"}"#, "birth_date"),
            (r#"{"full_name": "A", "risk_level": 3}"#, "risk_level"),
            (r#"{"full_name": "A", "risk_flags": ["wanted_federal", "nope"]}"#, "risk_flags"),
            (r#"{"full_name": "A", "aliases": "Sasha"}"#, "aliases"),
            (r#"{"full_name": "A", "contacts": [{"channel": "pigeon", "value": "x"}]}"#, "contacts.channel"),
            (
                r#"{"full_name": "A", "documents": [{"kind": "military_id", "status": "held", "colour": "red"}]}"#,
                "documents.colour",
            ),
            (r#"{"full_name": "A\u0000B"}"#, "full_name"),
            (r#"{"case_id": "x", "full_name": "A"}"#, "case_id"),
        ] {
            let err = check(json, Purpose::Create).unwrap_err();
            assert!(err.contains(&format!("invalid {key}:")), "{json} → {err}");
        }
    }

    #[test]
    fn lists_are_deduplicated_and_stored_as_json() {
        let v = check(
            r#"{"full_name": "A", "aliases": ["Sasha", " Sasha ", "Шура"], "citizenship": ["ru", "KZ"]}"#,
            Purpose::Create,
        )
        .unwrap();
        assert!(v.contains(&(3, Value::Text(r#"["Sasha","Шура"]"#.into()))));
        assert!(v.contains(&(5, Value::Text(r#"["RU","KZ"]"#.into()))));
    }

    #[test]
    fn overlong_text_is_refused_with_its_length() {
        let long = "я".repeat(201);
        let err = check(&format!(r#"{{"full_name": "{long}"}}"#), Purpose::Create).unwrap_err();
        assert!(err.contains("at most 200 characters, got 201"), "{err}");
    }

    #[test]
    fn a_key_given_twice_is_refused_at_any_depth() {
        let err = parse_object(r#"{"full_name": "A", "full_name": ""}"#).unwrap_err().to_string();
        assert!(err.contains("invalid JSON") && err.contains("`full_name` appears twice"), "{err}");
        let nested = r#"{"full_name": "A", "contacts": [{"channel": "signal", "channel": "phone", "value": "1"}]}"#;
        assert!(parse_object(nested).unwrap_err().to_string().contains("`channel` appears twice"));
        assert!(parse_object(r#"{"full_name": "A", "aliases": ["x", "x"]}"#).is_ok(), "repeated list items are fine");
    }

    #[test]
    fn non_object_json_is_refused() {
        assert!(parse_object("[1]").is_err());
        assert!(parse_object("{").is_err());
    }
}
