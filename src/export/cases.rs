//! `cases.json`, `cases.csv`, `manifest.json` and `README.txt` (docs/formats/bundle.md sections
//! 3–6): the shapes (shared by export and import), reading the selected cases from the store in
//! a fixed number of queries, the redaction profiles and the CSV rendering.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::dates::format_timestamp;
use crate::error::{Error, Result};
use crate::model::{FieldKind, TableDef, Value, CASE, EVENT, NOTE, TASK};
use crate::store::read::uuid_string;
use crate::store::records::{CaseSet, StoredRecord};
use crate::store::Store;

/// What the partner gets (docs/formats/bundle.md section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Full,
    NoIdentity,
    Summary,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Full => "full",
            Profile::NoIdentity => "no-identity",
            Profile::Summary => "summary",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = Error;
    fn from_str(s: &str) -> Result<Profile> {
        match s {
            "full" => Ok(Profile::Full),
            "no-identity" => Ok(Profile::NoIdentity),
            "summary" => Ok(Profile::Summary),
            _ => Err(Error::invalid("profile", "it is one of full, no-identity or summary")),
        }
    }
}

/// Which cases to export.
#[derive(Debug, Clone)]
pub enum Selection {
    All,
    Ids(Vec<[u8; 16]>),
    Stage(String),
    Country(String),
}

/// A field clock in a bundle: HLC as 16 hex digits, device id as 32.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockRec {
    pub hlc: String,
    pub device: String,
}

/// A record's clocks: its creation, and every field written later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clocks {
    pub created: ClockRec,
    #[serde(default)]
    pub fields: BTreeMap<String, ClockRec>,
}

/// A note, task or event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildRec {
    pub id: String,
    /// Full bundles only: redacted ones carry no record timestamps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    pub fields: Map<String, Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clocks: Option<Clocks>,
}

/// A case with its children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRec {
    pub id: String,
    /// Full bundles only: redacted ones carry no record timestamps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    pub fields: Map<String, Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clocks: Option<Clocks>,
    #[serde(default)]
    pub notes: Vec<ChildRec>,
    #[serde(default)]
    pub tasks: Vec<ChildRec>,
    #[serde(default)]
    pub events: Vec<ChildRec>,
}

/// Calls `f` with the store's set of the cases `selection` names (a country in capitals).
pub fn with_case_set<T>(selection: &Selection, f: impl FnOnce(CaseSet<'_>) -> T) -> T {
    match selection {
        Selection::All => f(CaseSet::All),
        Selection::Stage(s) => f(CaseSet::Stage(s)),
        Selection::Country(c) => f(CaseSet::Country(&c.trim().to_ascii_uppercase())),
        Selection::Ids(ids) => f(CaseSet::Ids(ids)),
    }
}

/// `cases.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesDoc {
    pub format: String,
    pub version: u32,
    pub profile: String,
    pub cases: Vec<CaseRec>,
    /// A `summary` bundle's counts (docs/formats/bundle.md section 4); no other profile has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Vec<Cell>>,
    /// How many cases the combinations shared by fewer than [`MIN_CELL`] cases hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<u64>,
}

/// One combination of a summary and how many cases share it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    pub category: Option<String>,
    pub stage: Option<String>,
    pub country: Option<String>,
    pub risk_level: Option<String>,
    pub cases: u64,
}

/// The fewest cases a summary lists a combination for: a smaller one is suppressed.
pub const MIN_CELL: u64 = 5;

/// The summary of `cases`: the combinations of the four case-core facts shared by at least
/// [`MIN_CELL`] cases, sorted, and how many cases the others hold. Pure.
pub fn summarise(cases: &[CaseRec]) -> (Vec<Cell>, u64) {
    let mut cells: std::collections::BTreeMap<[Option<String>; 4], u64> = Default::default();
    for c in cases {
        let get = |k: &str| c.fields.get(k).and_then(|v| v.as_str()).map(str::to_string);
        *cells.entry([get("category"), get("stage"), get("country"), get("risk_level")]).or_default() += 1;
    }
    let mut suppressed = 0;
    let mut out = Vec::new();
    for ([category, stage, country, risk_level], n) in cells {
        if n < MIN_CELL {
            suppressed += n;
        } else {
            out.push(Cell { category, stage, country, risk_level, cases: n });
        }
    }
    (out, suppressed)
}

/// A summary's `cases.csv`: one row per listed combination, then the suppressed cases.
pub fn summary_csv(cells: &[Cell], suppressed: u64) -> String {
    let mut out = String::from("\u{feff}category,stage,country,risk_level,cases\r\n");
    let mut row = |cells: [&str; 5]| {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_cell(&mut out, cell);
        }
        out.push_str("\r\n");
    };
    for c in cells {
        let n = c.cases.to_string();
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        row([&v(&c.category), &v(&c.stage), &v(&c.country), &v(&c.risk_level), &n]);
    }
    if suppressed > 0 {
        row([&format!("(fewer than {MIN_CELL} each)"), "", "", "", &suppressed.to_string()]);
    }
    out
}

pub const CASES_FORMAT: &str = "casebook-cases";
pub const BUNDLE_FORMAT: &str = "casebook-bundle";
/// The newest version of `cases.json` (and of the bundle) this build writes and reads.
pub const VERSION: u32 = 3;
/// The version written for a bundle that carries no attachment (an older Casebook reads it;
/// docs/formats/bundle.md section 9).
pub const VERSION_WITHOUT_ATTACHMENTS: u32 = 2;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub cases: u64,
    pub notes: u64,
    pub tasks: u64,
    pub events: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryInfo {
    pub size: u64,
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub created: String,
    pub vault_id: String,
    pub profile: String,
    pub counts: Counts,
    pub entries: BTreeMap<String, EntryInfo>,
}

/// A stored value as the JSON that `case add` accepts for that field.
pub fn json_of(kind: FieldKind, v: &Value) -> Option<Json> {
    match (kind, v) {
        (_, Value::Null) => None,
        (FieldKind::Bool, Value::Int(i)) => Some(Json::Bool(*i != 0)),
        (FieldKind::Ref, _) => None,
        (kind, Value::Text(t)) if kind.stored_as_json() => serde_json::from_str(t).ok(),
        (_, Value::Text(t)) => Some(Json::String(t.clone())),
        (_, Value::Int(i)) => Some(Json::from(*i)),
        (_, Value::Blob(b)) => Some(Json::String(uuid_string(b))),
    }
}

/// A record read for export: its fields as JSON (version 2 carries no clocks: section 4).
struct Read {
    id: Vec<u8>,
    case_id: Vec<u8>,
    created_ms: i64,
    updated_ms: i64,
    fields: Map<String, Json>,
}

fn read_of(table: &TableDef, r: StoredRecord) -> Read {
    let mut fields = Map::new();
    for (f, v) in table.fields.iter().zip(&r.values) {
        if let Some(j) = json_of(f.kind, v) {
            fields.insert(f.name.to_string(), j);
        }
    }
    Read { id: r.id, case_id: r.case_id, created_ms: r.created_ms, updated_ms: r.updated_ms, fields }
}

/// Reads the selected, not deleted cases with their children: one query per record kind.
pub fn read_selection(store: &Store, selection: &Selection) -> Result<Vec<CaseRec>> {
    let tables = [&CASE, &NOTE, &TASK, &EVENT];
    let read = with_case_set(selection, |set| store.records_of_cases(set, &tables))?;
    let mut read = tables.iter().zip(read).map(|(t, rows)| (*t, rows.into_iter().map(|r| read_of(t, r))));
    let mut cases: Vec<CaseRec> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let (_, case_rows) = read.next().expect("the case table is read first");
    for r in case_rows {
        index.insert(r.id.clone(), cases.len());
        cases.push(CaseRec {
            id: uuid_string(&r.id),
            created_at: Some(format_timestamp(r.created_ms as u64)),
            updated_at: Some(format_timestamp(r.updated_ms as u64)),
            fields: r.fields,
            clocks: None,
            notes: Vec::new(),
            tasks: Vec::new(),
            events: Vec::new(),
        });
    }
    for (table, rows) in read {
        for r in rows {
            let Some(&i) = index.get(&r.case_id) else { continue };
            let child = ChildRec {
                id: uuid_string(&r.id),
                created_at: Some(format_timestamp(r.created_ms as u64)),
                fields: r.fields,
                clocks: None,
            };
            let list = match table.code {
                4 => &mut cases[i].notes,
                3 => &mut cases[i].tasks,
                _ => &mut cases[i].events,
            };
            list.push(child);
        }
    }
    Ok(cases)
}

/// Counts of a document.
pub fn counts(cases: &[CaseRec]) -> Counts {
    Counts {
        cases: cases.len() as u64,
        notes: cases.iter().map(|c| c.notes.len() as u64).sum(),
        tasks: cases.iter().map(|c| c.tasks.len() as u64).sum(),
        events: cases.iter().map(|c| c.events.len() as u64).sum(),
    }
}

fn csv_cell(out: &mut String, s: &str) {
    // A cell a spreadsheet would run as a formula gets a leading apostrophe.
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if guarded.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&guarded.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&guarded);
    }
}

/// `cases.csv`: BOM, CRLF, RFC 4180 quoting, formula cells defused.
pub fn csv(cases: &[CaseRec], profile: Profile) -> String {
    let mut out = String::from("\u{feff}");
    let header = [
        "id",
        "name",
        "category",
        "stage",
        "country",
        "city",
        "risk_level",
        "next_due",
        "open_tasks",
        "created_at",
        "updated_at",
    ];
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    let text = |c: &CaseRec, k: &str| c.fields.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    for c in cases {
        // A legal name in a full bundle; otherwise the code name, if there is one.
        let name = Some(text(c, "full_name")).filter(|n| !n.is_empty()).unwrap_or_else(|| text(c, "code_name"));
        let open: Vec<&ChildRec> =
            c.tasks.iter().filter(|t| t.fields.get("done").and_then(|d| d.as_bool()) != Some(true)).collect();
        let next_due =
            open.iter().filter_map(|t| t.fields.get("due").and_then(|d| d.as_str())).min().unwrap_or_default();
        let row = [
            c.id.clone(),
            name,
            text(c, "category"),
            text(c, "stage"),
            text(c, "country"),
            text(c, "city"),
            text(c, "risk_level"),
            next_due.to_string(),
            if profile == Profile::Summary { String::new() } else { open.len().to_string() },
            c.created_at.clone().unwrap_or_default(),
            c.updated_at.clone().unwrap_or_default(),
        ];
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_cell(&mut out, cell);
        }
        out.push_str("\r\n");
    }
    out
}

/// `README.txt`, in English and Russian.
pub fn readme(profile: Profile, counts: &Counts) -> String {
    let (en, ru) = match profile {
        Profile::Full => ("full case files", "полные дела"),
        Profile::NoIdentity => (
            "case files without legal identity (no names, birth dates, contacts, document or case numbers, notes)",
            "дела без личных данных (без имён, дат рождения, контактов, номеров документов и дел, заметок)",
        ),
        Profile::Summary => (
            "counts only: how many cases share each category, stage, country and risk level (fewer than 5 are not shown)",
            "только числа: сколько дел с каждой категорией, этапом, страной и уровнем риска (меньше 5 не показываются)",
        ),
    };
    format!(
        "Casebook export — {n} case(s): {en}.\r\n\
         \r\n\
         cases.json    the cases as JSON (schema: casebook-cases v2, see docs/formats/cases.schema.json\r\n\
         \u{20}             in the Casebook source)\r\n\
         cases.csv     the same as a table, UTF-8; opens in Excel and LibreOffice\r\n\
         manifest.json what the bundle holds, who made it and for whom\r\n\
         SHA256SUMS    the SHA-256 of every file; SHA256SUMS.sig: the sender's SSH signature of it.\r\n\
         \u{20}             Check: ssh-keygen -Y verify -n casebook-bundle … ; sha256sum -c SHA256SUMS\r\n\
         \r\n\
         These files hold sensitive data about people at risk. Keep them encrypted; delete them\r\n\
         when they are no longer needed; do not upload them to cloud services.\r\n\
         \r\n\
         Экспорт Casebook — дел: {n}; {ru}.\r\n\
         \r\n\
         cases.json    дела в формате JSON (схема casebook-cases v2)\r\n\
         cases.csv     по строке на дело, UTF-8; открывается в Excel и LibreOffice\r\n\
         manifest.json что в пакете, кто и для кого его сделал\r\n\
         SHA256SUMS    SHA-256 каждого файла; SHA256SUMS.sig: SSH-подпись отправителя.\r\n\
         \r\n\
         Эти файлы содержат чувствительные данные о людях в опасности. Храните их зашифрованными,\r\n\
         удаляйте, когда они больше не нужны, не загружайте в облачные сервисы.\r\n",
        n = counts.cases
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let mut out = String::new();
        csv_cell(&mut out, "=HYPERLINK(\"http://x\")");
        assert_eq!(out, "\"'=HYPERLINK(\"\"http://x\"\")\"");
        let mut out = String::new();
        csv_cell(&mut out, "Иван, Петров");
        assert_eq!(out, "\"Иван, Петров\"");
        let mut out = String::new();
        csv_cell(&mut out, "-1");
        assert_eq!(out, "'-1");
    }

    #[test]
    fn stored_lists_become_the_json_that_case_add_accepts() {
        let v = Value::Text("[\"RU\",\"KZ\"]".into());
        assert_eq!(json_of(FieldKind::CountryList, &v), Some(serde_json::json!(["RU", "KZ"])));
        assert_eq!(json_of(FieldKind::Bool, &Value::Int(1)), Some(Json::Bool(true)));
        assert_eq!(json_of(FieldKind::Date, &Value::Null), None);
    }
}
