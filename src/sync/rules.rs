//! The rules a delta of another device must pass before any of it is applied
//! (docs/formats/delta.md section 6.1): every value passes the checks local input passes
//! (`model::input::check_stored`), and the rules a caseworker relies on hold — a record's
//! reference and a note's body are set only when the record is created, a required field is
//! never cleared, a deleted record comes back only through a conflict resolution, and an id
//! that names its kind (`model::record_id`) is never used for another kind.
//!
//! Pure: a rule reads the delta alone, never this vault's records, clock or arrival order, so
//! every device refuses the same deltas. A refused delta is refused as a whole, for its author
//! only (the engine stops that author's chain and raises an alarm naming the rule).

use super::format::{Body, WireChange};
use crate::model::input::check_stored;
use crate::model::{
    deleted_for_good, is_attachment, is_partner_key, record_id, set_at_creation_only, table_by_code, FieldKind,
    TableDef, Value, DELETED,
};

/// Stable names of the rules (they appear in alarms and in `share status --json`).
pub const RULE_VALUE: &str = "value";
pub const RULE_REFERENCE: &str = "reference_changed";
pub const RULE_NOTE_BODY: &str = "note_rewritten";
pub const RULE_UNDELETE: &str = "undelete";
pub const RULE_SUPERSEDES: &str = "supersedes_without_prev";
pub const RULE_KIND: &str = "kind_mismatch";
pub const RULE_PARTNER_KEY: &str = "partner_key_changed";
pub const RULE_ATTACHMENT: &str = "attachment_changed";

/// Why a delta is refused: the rule and, in words, which change broke it. Never holds a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: &'static str,
    pub detail: String,
}

/// Checks every change of `body`; the first broken rule refuses the delta.
pub fn check(body: &Body) -> Result<(), Refusal> {
    for (i, c) in body.changes.iter().enumerate() {
        check_change(c).map_err(|(rule, why)| Refusal {
            rule,
            detail: format!("change {} of {} ({}): {why}", i + 1, body.changes.len(), describe(c)),
        })?;
    }
    Ok(())
}

fn describe(c: &WireChange) -> String {
    let short = crate::hex::short(&c.record, 4);
    match table_by_code(c.table) {
        Some(t) => format!("{} {short}…", t.noun),
        None => format!("record kind {} {short}…", c.table),
    }
}

fn check_change(c: &WireChange) -> Result<(), (&'static str, String)> {
    // The decoder has checked the kind, the field code and the value's type already; the
    // kind is looked up again so this function stands on its own.
    let table: &TableDef =
        table_by_code(c.table).ok_or((RULE_VALUE, format!("record kind {} does not exist", c.table)))?;
    if let Some(kind) = record_id::kind_of(&c.record).filter(|&k| k != table.code) {
        let named = table_by_code(kind).map_or_else(|| format!("record kind {kind}"), |t| t.noun.to_string());
        return Err((RULE_KIND, format!("writes a {} under the id of a {named}", table.noun)));
    }
    if c.prev.is_none() && !c.supersedes.is_empty() {
        return Err((RULE_SUPERSEDES, "a resolution must name the value it replaces".into()));
    }
    if c.field == DELETED {
        return match c.value {
            Value::Int(1) => Ok(()),
            Value::Int(0) if is_partner_key(table) => {
                Err((RULE_UNDELETE, "brings a removed partner key back (a key given again is a new record)".into()))
            }
            Value::Int(0) if deleted_for_good(table) => {
                Err((RULE_UNDELETE, format!("brings a deleted {} back (it is deleted for good)", table.noun)))
            }
            Value::Int(0) if !c.supersedes.is_empty() => Ok(()),
            Value::Int(0) => {
                Err((RULE_UNDELETE, format!("brings a deleted {} back without resolving a conflict", table.noun)))
            }
            _ => Err((RULE_VALUE, "a deletion mark must be 0 or 1".into())),
        };
    }
    let def = table
        .field_by_code(c.field)
        .ok_or((RULE_VALUE, format!("a {} has no field with code {}", table.noun, c.field)))?;
    let creation = c.prev.is_none() && c.supersedes.is_empty();
    if set_at_creation_only(table, def) && !creation {
        if is_partner_key(table) {
            return Err((
                RULE_PARTNER_KEY,
                format!("changes the `{}` of a partner key (the keys are append-only)", def.name),
            ));
        }
        if is_attachment(table) && !matches!(def.kind, FieldKind::Ref) {
            return Err((
                RULE_ATTACHMENT,
                format!("changes the `{}` of an attachment (only its label can change)", def.name),
            ));
        }
        if matches!(def.kind, FieldKind::Ref) {
            return Err((RULE_REFERENCE, format!("moves a {} to another case after it was created", table.noun)));
        }
        return Err((RULE_NOTE_BODY, "changes the text of a note after it was written (notes are append-only)".into()));
    }
    check_stored(def, &c.value).map_err(|why| (RULE_VALUE, why))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::format::WireClock;

    fn change(table: u8, field: u8, value: Value) -> WireChange {
        WireChange { table, record: [7; 16], field, hlc: 1000, prev: None, supersedes: vec![], value }
    }
    fn edit(mut c: WireChange) -> WireChange {
        c.prev = Some(WireClock { hlc: 10, device: 0 });
        c
    }
    fn resolution(mut c: WireChange) -> WireChange {
        c = edit(c);
        c.supersedes = vec![WireClock { hlc: 11, device: 0 }];
        c
    }
    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }
    const AGE: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    const SSH: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    trait WithRecord {
        fn with_record(self, id: [u8; 16]) -> Self;
    }
    impl WithRecord for WireChange {
        fn with_record(mut self, id: [u8; 16]) -> Self {
            self.record = id;
            self
        }
    }

    /// (what, change, the rule it breaks or None).
    fn table() -> Vec<(&'static str, WireChange, Option<&'static str>)> {
        vec![
            ("a case's name", change(1, 1, text("Юрий Жуков")), None),
            ("a stage this version knows", edit(change(1, 9, text("vetting"))), None),
            ("a stage of a newer version", edit(change(1, 9, text("resettled_ca"))), None),
            ("a country of a newer version", edit(change(1, 10, text("XK"))), None),
            ("a stage that is no code", edit(change(1, 9, text("Not A Code!"))), Some(RULE_VALUE)),
            ("a lower-case country", edit(change(1, 10, text("am"))), Some(RULE_VALUE)),
            ("a name cleared", edit(change(1, 1, Value::Null)), Some(RULE_VALUE)),
            ("a name of 201 characters", change(1, 1, text(&"я".repeat(201))), Some(RULE_VALUE)),
            ("a name with a newline", change(1, 1, text("A\nB")), Some(RULE_VALUE)),
            ("a name with a direction control", change(1, 1, text("A\u{202e}B")), Some(RULE_VALUE)),
            ("a name not trimmed", change(1, 1, text(" A")), Some(RULE_VALUE)),
            ("an empty name", change(1, 1, text("")), Some(RULE_VALUE)),
            ("a city cleared", edit(change(1, 11, Value::Null)), None),
            ("a date", edit(change(1, 4, text("1990-02-28"))), None),
            ("no date", edit(change(1, 4, text("1990-02-30"))), Some(RULE_VALUE)),
            ("aliases", edit(change(1, 3, text(r#"["Sasha","Шура"]"#))), None),
            ("aliases repeated", edit(change(1, 3, text(r#"["Sasha","Sasha"]"#))), Some(RULE_VALUE)),
            ("aliases not JSON", edit(change(1, 3, text("[1, {"))), Some(RULE_VALUE)),
            ("aliases as an object", edit(change(1, 3, text(r#"{"a":1}"#))), Some(RULE_VALUE)),
            ("an empty list", edit(change(1, 3, text("[]"))), Some(RULE_VALUE)),
            ("21 aliases", edit(change(1, 3, text(&list(21)))), Some(RULE_VALUE)),
            ("a contact", edit(change(1, 6, text(r#"[{"channel":"signal","value":"+374"}]"#))), None),
            (
                "a contact with a key twice",
                edit(change(1, 6, text(r#"[{"channel":"signal","channel":"x","value":"1"}]"#))),
                Some(RULE_VALUE),
            ),
            ("a contact without a value", edit(change(1, 6, text(r#"[{"channel":"signal"}]"#))), Some(RULE_VALUE)),
            ("a document", edit(change(1, 14, text(r#"[{"kind":"military_id","status":"held"}]"#))), None),
            ("family as null JSON", edit(change(1, 19, text("null"))), Some(RULE_VALUE)),
            ("a task done", edit(change(3, 4, Value::Int(1))), None),
            ("a task done = null", edit(change(3, 4, Value::Null)), Some(RULE_VALUE)),
            ("a task done = 2", edit(change(3, 4, Value::Int(2))), Some(RULE_VALUE)),
            ("a task's title cleared", edit(change(3, 2, Value::Null)), Some(RULE_VALUE)),
            ("a task's due date cleared", edit(change(3, 3, Value::Null)), None),
            ("a note written", change(4, 2, text("Met at the consulate")), None),
            ("a note rewritten", edit(change(4, 2, text("Never met"))), Some(RULE_NOTE_BODY)),
            ("a note rewritten by a resolution", resolution(change(4, 2, text("x"))), Some(RULE_NOTE_BODY)),
            ("a note of 20,001 characters", change(4, 2, text(&"n".repeat(20_001))), Some(RULE_VALUE)),
            ("a note's case set at creation", change(4, 1, Value::Blob(vec![1; 16])), None),
            ("a note moved to another case", edit(change(4, 1, Value::Blob(vec![1; 16]))), Some(RULE_REFERENCE)),
            ("a task moved to another case", edit(change(3, 1, Value::Blob(vec![1; 16]))), Some(RULE_REFERENCE)),
            ("a reference of 15 bytes", change(4, 1, Value::Blob(vec![1; 15])), Some(RULE_VALUE)),
            ("a reference cleared at creation", change(2, 1, Value::Null), Some(RULE_VALUE)),
            ("a deletion", edit(change(1, DELETED, Value::Int(1))), None),
            ("an undelete", edit(change(1, DELETED, Value::Int(0))), Some(RULE_UNDELETE)),
            ("an undelete at creation", change(1, DELETED, Value::Int(0)), Some(RULE_UNDELETE)),
            ("an undelete that resolves a conflict", resolution(change(1, DELETED, Value::Int(0))), None),
            ("a partner key added", change(5, 3, text(AGE)), None),
            ("a partner key's name at creation", change(5, 1, text("Memorial Yerevan")), None),
            ("a partner key of no known shape", change(5, 3, text("age1short")), Some(RULE_VALUE)),
            ("an ssh key with a comment", change(5, 3, text(&format!("{SSH} anna@laptop"))), Some(RULE_VALUE)),
            ("an ssh-ed25519 key", change(5, 3, text(SSH)), None),
            ("a partner key rewritten", edit(change(5, 3, text(AGE))), Some(RULE_PARTNER_KEY)),
            ("a partner key moved to another partner", edit(change(5, 1, text("Ark"))), Some(RULE_PARTNER_KEY)),
            ("a partner key's kind changed", resolution(change(5, 2, text("signing"))), Some(RULE_PARTNER_KEY)),
            ("a partner key's note rewritten", edit(change(5, 4, text("x"))), Some(RULE_PARTNER_KEY)),
            ("a partner key removed", edit(change(5, DELETED, Value::Int(1))), None),
            (
                "a partner key revived by a resolution",
                resolution(change(5, DELETED, Value::Int(0))),
                Some(RULE_UNDELETE),
            ),
            ("an attachment's name", change(6, 2, text("passport p1.jpg")), None),
            ("an attachment's name with a path", change(6, 2, text("../../etc/passwd")), Some(RULE_VALUE)),
            ("an attachment's name hiding its extension", change(6, 2, text("photo\u{202E}gpj.exe")), Some(RULE_VALUE)),
            ("an attachment's empty name", change(6, 2, text("")), Some(RULE_VALUE)),
            ("an attachment's reserved name", change(6, 2, text("CON.jpg")), Some(RULE_VALUE)),
            ("an attachment's media type", change(6, 3, text("image/jpeg")), None),
            ("a media type of a newer version", change(6, 3, text("image/jxl")), None),
            ("a media type that is no type", change(6, 3, text("text/html; charset=x")), Some(RULE_VALUE)),
            ("an attachment's size", change(6, 4, Value::Int(0)), None),
            ("an attachment of 256 MiB and one byte", change(6, 4, Value::Int(268_435_457)), Some(RULE_VALUE)),
            ("a negative size", change(6, 4, Value::Int(-1)), Some(RULE_VALUE)),
            ("a size as text", change(6, 4, text("12")), Some(RULE_VALUE)),
            ("a blob hash", change(6, 6, Value::Blob(vec![1; 32])), None),
            ("a blob hash of 31 bytes", change(6, 6, Value::Blob(vec![1; 31])), Some(RULE_VALUE)),
            ("a key of 33 bytes", change(6, 7, Value::Blob(vec![1; 33])), Some(RULE_VALUE)),
            ("a key cleared", change(6, 7, Value::Null), Some(RULE_VALUE)),
            ("a blob hash swapped later", edit(change(6, 6, Value::Blob(vec![2; 32]))), Some(RULE_ATTACHMENT)),
            ("a key swapped later", edit(change(6, 7, Value::Blob(vec![2; 32]))), Some(RULE_ATTACHMENT)),
            ("a size changed by a resolution", resolution(change(6, 4, Value::Int(5))), Some(RULE_ATTACHMENT)),
            ("an attachment moved to another case", edit(change(6, 1, Value::Blob(vec![3; 16]))), Some(RULE_REFERENCE)),
            ("an attachment's label edited", edit(change(6, 8, text("military ID, page 2"))), None),
            ("an attachment deleted", edit(change(6, DELETED, Value::Int(1))), None),
            (
                "an attachment revived by a resolution",
                resolution(change(6, DELETED, Value::Int(0))),
                Some(RULE_UNDELETE),
            ),
            ("a deletion mark of 2", edit(change(1, DELETED, Value::Int(2))), Some(RULE_VALUE)),
            ("a resolution", resolution(change(1, 9, text("exit"))), None),
            (
                "supersedes without prev",
                {
                    let mut c = change(1, 9, text("exit"));
                    c.supersedes = vec![WireClock { hlc: 3, device: 0 }];
                    c
                },
                Some(RULE_SUPERSEDES),
            ),
            ("a field that does not exist", change(1, 99, text("x")), Some(RULE_VALUE)),
            ("a note under a note's id", change(4, 2, text("x")).with_record(record_id::new(4, 5, [2; 9])), None),
            (
                "a task under a note's id",
                change(3, 2, text("Call")).with_record(record_id::new(4, 5, [2; 9])),
                Some(RULE_KIND),
            ),
            (
                "an edit of a case under a task's id",
                edit(change(1, 11, text("Gori"))).with_record(record_id::new(3, 5, [2; 9])),
                Some(RULE_KIND),
            ),
            (
                "a deletion under another kind's id",
                edit(change(1, DELETED, Value::Int(1))).with_record(record_id::new(4, 5, [2; 9])),
                Some(RULE_KIND),
            ),
            ("a text where a number belongs", edit(change(3, 4, text("yes"))), Some(RULE_VALUE)),
            ("a number where a text belongs", edit(change(1, 11, Value::Int(5))), Some(RULE_VALUE)),
        ]
    }

    fn list(n: usize) -> String {
        serde_json::to_string(&(0..n).map(|i| format!("a{i}")).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn every_change_is_checked_as_local_input_is() {
        let mut failures = Vec::new();
        for (what, c, expect) in table() {
            let body = Body { created_ms: 1, deps: vec![], devices: vec![[1; 16]], changes: vec![c] };
            let got = check(&body).err().map(|r| r.rule);
            if got != expect {
                failures.push(format!("{what}: expected {expect:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn a_refusal_names_the_change_and_never_the_value() {
        let good = change(1, 1, text("Genuine"));
        let bad = edit(change(4, 2, text("SECRET-CANARY")));
        let body = Body { created_ms: 1, deps: vec![], devices: vec![[1; 16]], changes: vec![good, bad] };
        let r = check(&body).unwrap_err();
        assert_eq!(r.rule, RULE_NOTE_BODY);
        assert!(r.detail.starts_with("change 2 of 2 (note 07070707…)"), "{}", r.detail);
        assert!(!r.detail.contains("SECRET-CANARY"), "{}", r.detail);
        let long = change(1, 1, text(&format!("{}CANARY", "x".repeat(300))));
        let r = check(&Body { created_ms: 1, deps: vec![], devices: vec![[1; 16]], changes: vec![long] }).unwrap_err();
        assert!(!r.detail.contains("CANARY") && r.detail.contains("at most 200 characters"), "{}", r.detail);
    }
}
