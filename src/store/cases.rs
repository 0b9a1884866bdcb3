//! Case-file operations as the CLI and the app call them: validated input in, one
//! transaction through the store's single write path, ids out.

use serde_json::{Map, Value as Json};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::model::input::{field_value, validate, Purpose};
use crate::model::{FieldDef, FieldKind, TableDef, Value, CASE, EVENT, NOTE, TASK};
use crate::store::write::Writer;
use crate::store::Store;

/// Keys a case's JSON may carry besides its fields: initial notes (array of strings).
const CASE_EXTRA_KEYS: &[&str] = &["notes"];

impl Store {
    /// Creates a case from a JSON object (see `model::CASE` for the keys; `notes` adds initial
    /// notes). The stage defaults to `first_contact`.
    pub fn add_case(&mut self, input: &Map<String, Json>) -> Result<Uuid> {
        self.write(|w| w.add_case_in(input))
    }

    /// Changes the keys given in `input`; other fields keep their values. `null` clears a field.
    pub fn update_case(&mut self, id: &[u8; 16], input: &Map<String, Json>) -> Result<usize> {
        let fields = validate(&CASE, input, Purpose::Update, CASE_EXTRA_KEYS)?;
        let notes = note_bodies(input.get("notes"))?;
        self.write(|w| {
            let mut n = w.update(&CASE, id, fields)?;
            for body in notes {
                w.create(&NOTE, Some(id), vec![(2, body)])?;
                n += 1;
            }
            Ok(n)
        })
    }

    /// Deletes a case (a tombstone that sync carries) with its events, tasks, notes and
    /// attachments (whose keys are scrubbed; the caller removes their files).
    pub fn delete_case(&mut self, id: &[u8; 16]) -> Result<()> {
        self.write(|w| {
            w.delete(&CASE, id)?;
            for table in [&EVENT, &TASK, &NOTE, &crate::model::ATTACHMENT] {
                for child in w.children_of(table, id)? {
                    w.delete(table, &child)?;
                }
            }
            Ok(())
        })
    }

    /// Appends a note to a case. Notes are never edited.
    pub fn add_note(&mut self, case: &[u8; 16], text: &str) -> Result<Uuid> {
        let body = text_value(&NOTE, "body", text)?;
        self.require_case(case)?;
        self.write(|w| w.create(&NOTE, Some(case), vec![(2, body)]))
    }

    /// Adds a task with an optional due date (`YYYY-MM-DD`).
    pub fn add_task(&mut self, case: &[u8; 16], title: &str, due: Option<&str>) -> Result<Uuid> {
        let mut fields = vec![(2, text_value(&TASK, "title", title)?)];
        if let Some(due) = due {
            fields.push((3, text_value(&TASK, "due", due)?));
        }
        self.require_case(case)?;
        self.write(|w| w.create(&TASK, Some(case), fields))
    }

    /// Marks a task done or open again.
    pub fn set_task_done(&mut self, task: &[u8; 16], done: bool) -> Result<()> {
        self.write(|w| w.update(&TASK, task, vec![(4, Value::Int(i64::from(done)))]).map(|_| ()))
    }

    /// Adds a dated event to the case's timeline.
    pub fn add_event(&mut self, case: &[u8; 16], date: &str, kind: &str, text: &str) -> Result<Uuid> {
        let fields = vec![
            (2, text_value(&EVENT, "date", date)?),
            (3, text_value(&EVENT, "kind", kind)?),
            (4, text_value(&EVENT, "text", text)?),
        ];
        self.require_case(case)?;
        self.write(|w| w.create(&EVENT, Some(case), fields))
    }

    fn require_case(&self, id: &[u8; 16]) -> Result<()> {
        let exists: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?1 AND deleted = 0)")?
            .query_row([&id[..]], |r| r.get(0))?;
        if exists {
            Ok(())
        } else {
            Err(Error::NotFound { what: "case", id: Uuid::from_bytes(*id).to_string() })
        }
    }
}

impl Writer<'_> {
    /// [`Store::add_case`] inside a larger transaction.
    pub fn add_case_in(&mut self, input: &Map<String, Json>) -> Result<Uuid> {
        let mut fields = validate(&CASE, input, Purpose::Create, CASE_EXTRA_KEYS)?;
        let stage = CASE.field("stage").expect("stage").code;
        if !fields.iter().any(|(c, v)| *c == stage && *v != Value::Null) {
            fields.retain(|(c, _)| *c != stage);
            fields.push((stage, Value::Text("first_contact".into())));
        }
        let notes = note_bodies(input.get("notes"))?;
        let id = self.create(&CASE, None, fields)?;
        for body in notes {
            self.create(&NOTE, Some(id.as_bytes()), vec![(2, body)])?;
        }
        Ok(id)
    }

    /// Adds an event, task or note to a case given as text fields (`[("date", "2025-01-02")]`),
    /// validated like the CLI's input, inside a larger transaction.
    pub fn add_child(&mut self, table: &'static TableDef, case: &Uuid, fields: &[(&str, &str)]) -> Result<Uuid> {
        let mut values = Vec::with_capacity(fields.len());
        for (name, text) in fields {
            let def = table.field(name).ok_or_else(|| Error::invalid(name, "unknown key"))?;
            values.push((def.code, text_value(table, name, text)?));
        }
        self.create(table, Some(case.as_bytes()), values)
    }
}

fn text_value(table: &TableDef, name: &str, text: &str) -> Result<Value> {
    let def: &FieldDef = table.field(name).expect("known field");
    let v = field_value(def, &Json::String(text.to_string()))?;
    if v == Value::Null && (def.required || matches!(def.kind, FieldKind::Date)) && !text.trim().is_empty() {
        return Err(Error::invalid(name, "it is empty"));
    }
    if v == Value::Null && def.required {
        return Err(Error::invalid(name, "it is required and cannot be empty"));
    }
    Ok(v)
}

fn note_bodies(json: Option<&Json>) -> Result<Vec<Value>> {
    let Some(json) = json else { return Ok(vec![]) };
    if json.is_null() {
        return Ok(vec![]);
    }
    let items =
        json.as_array().ok_or_else(|| Error::invalid("notes", "expected a list of texts such as [\"first call\"]"))?;
    if items.len() > 1000 {
        return Err(Error::invalid("notes", "at most 1000 notes at once"));
    }
    let def = NOTE.field("body").expect("body");
    let mut out = Vec::new();
    for item in items {
        if !item.is_string() {
            return Err(Error::invalid("notes", "each note must be a text in quotes"));
        }
        let v = field_value(def, item).map_err(|e| match e {
            Error::InvalidInput { reason, .. } => Error::InvalidInput { field: "notes".into(), reason },
            e => e,
        })?;
        if v != Value::Null {
            out.push(v);
        }
    }
    Ok(out)
}
