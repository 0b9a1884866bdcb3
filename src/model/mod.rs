//! What a case file holds: record kinds, their fields (with stable codes for the change log),
//! validation of input, and the shapes the CLI and the app read.
//!
//! Pure: no SQL and no IO. The store maps [`TableDef`]s to tables; sync ships field codes.

pub mod input;
pub mod record_id;
pub mod reveals;
pub use reveals::Reveals;
pub mod vocab;

use serde::Serialize;

/// A field's value as stored and as carried in the change log.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    /// Record references (16-byte UUIDs).
    Blob(Vec<u8>),
}

/// How a field is validated and stored.
#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    /// Free text up to `max` characters (single line unless `multiline`).
    Text { max: usize, multiline: bool },
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An ISO 3166-1 alpha-2 code.
    Country,
    /// One code of a vocabulary.
    Code(&'static vocab::Vocab),
    /// A list of codes of a vocabulary (stored as a JSON array).
    CodeList(&'static vocab::Vocab),
    /// A list of country codes (stored as a JSON array).
    CountryList,
    /// A list of short texts (stored as a JSON array).
    TextList { max_items: usize, max: usize },
    /// Contact channels: `[{"channel": "signal", "value": "+374..."}]`.
    Contacts,
    /// Documents held: `[{"kind": "international_passport", "status": "held", "number": "..."}]`.
    Documents,
    /// Family members travelling along: `[{"name": "...", "relation": "...", "birth_date": "..."}]`.
    Family,
    /// true/false (stored as 0/1).
    Bool,
    /// A reference to another record (a 16-byte UUID). Set at creation only.
    Ref,
    /// A public key of a partner: an age recipient or an OpenSSH `ssh-ed25519` line
    /// (`model::input::check_public_key`).
    PublicKey,
    /// A safe file name (`attach::kind::safe_name` changes nothing), at most 120 bytes.
    FileName,
    /// A media type `type/subtype`, lower case, at most 100 characters.
    MediaType,
    /// A byte count, 0 to `attach::blob::MAX_CONTENT` (stored as an integer).
    ByteSize,
    /// A SHA-256 (32 bytes, stored as a blob).
    Digest,
    /// An attachment's own key (32 bytes, stored as a blob): never shown, exported or logged.
    BlobKey,
}

impl FieldKind {
    /// Whether the value is stored as a JSON array in a text column (the list kinds).
    pub fn stored_as_json(self) -> bool {
        matches!(
            self,
            FieldKind::CodeList(_)
                | FieldKind::CountryList
                | FieldKind::TextList { .. }
                | FieldKind::Contacts
                | FieldKind::Documents
                | FieldKind::Family
        )
    }
}

/// One field of a record kind.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    /// Stable code in the change log and deltas; never reused.
    pub code: u8,
    /// JSON key and SQL column.
    pub name: &'static str,
    pub kind: FieldKind,
    /// Must be present at creation and can never be cleared.
    pub required: bool,
    /// What the value reveals about the person (`reveals`): redaction profiles decide per class.
    pub reveals: Reveals,
}

/// Field code 0 of every record kind: the tombstone (1 = deleted).
pub const DELETED: u8 = 0;

/// Most competing values one change can name in `supersedes` (the delta format counts them in
/// one byte). A resolution of more is written as successive changes, each replacing the last.
pub const MAX_SUPERSEDES: usize = 255;

/// Whether a field is set once, when its record is created: references, a note's body,
/// every field of a partner key (the contact book is append-only) and every field of an
/// attachment but its label (what a blob is never changes).
pub fn set_at_creation_only(table: &TableDef, def: &FieldDef) -> bool {
    matches!(def.kind, FieldKind::Ref)
        || (std::ptr::eq(table, &NOTE) && def.name == "body")
        || is_partner_key(table)
        || (is_attachment(table) && def.name != "label")
}

/// Whether `table` is the contact book's record kind, whose deleted records never come back.
pub fn is_partner_key(table: &TableDef) -> bool {
    std::ptr::eq(table, &PARTNER_KEY)
}

/// Whether `table` is the attachments' record kind (a deleted attachment never comes back:
/// its key is scrubbed).
pub fn is_attachment(table: &TableDef) -> bool {
    std::ptr::eq(table, &ATTACHMENT)
}

/// Whether a deleted record of `table` may never come back, even through a resolution.
pub fn deleted_for_good(table: &TableDef) -> bool {
    is_partner_key(table) || is_attachment(table)
}

/// A record kind.
#[derive(Debug)]
pub struct TableDef {
    /// Stable code in the change log.
    pub code: u8,
    /// SQL table name.
    pub table: &'static str,
    /// Singular noun for messages.
    pub noun: &'static str,
    pub fields: &'static [FieldDef],
}

impl TableDef {
    /// The field with JSON key `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
    /// The field with change-log code `code`.
    pub fn field_by_code(&self, code: u8) -> Option<&'static FieldDef> {
        self.fields.iter().find(|f| f.code == code)
    }
}

const fn text(code: u8, name: &'static str, max: usize, reveals: Reveals) -> FieldDef {
    FieldDef { code, name, kind: FieldKind::Text { max, multiline: false }, required: false, reveals }
}
const fn field(code: u8, name: &'static str, kind: FieldKind, reveals: Reveals) -> FieldDef {
    FieldDef { code, name, kind, required: false, reveals }
}

/// A case file: the person and their case.
#[rustfmt::skip]
pub static CASE: TableDef = TableDef {
    code: 1,
    table: "cases",
    noun: "case",
    fields: &[
        FieldDef { code: 1, name: "full_name", kind: FieldKind::Text { max: 200, multiline: false }, required: true, reveals: Reveals::Identity },
        text(2, "full_name_latin", 200, Reveals::Identity),
        field(3, "aliases", FieldKind::TextList { max_items: 20, max: 200 }, Reveals::Identity),
        field(4, "birth_date", FieldKind::Date, Reveals::Identity),
        field(5, "citizenship", FieldKind::CountryList, Reveals::CaseFacts),
        field(6, "contacts", FieldKind::Contacts, Reveals::Compound),
        field(7, "languages", FieldKind::TextList { max_items: 20, max: 50 }, Reveals::CaseFacts),
        field(8, "category", FieldKind::Code(&vocab::CATEGORY), Reveals::CaseCore),
        FieldDef { code: 9, name: "stage", kind: FieldKind::Code(&vocab::STAGE), required: false, reveals: Reveals::CaseCore },
        field(10, "country", FieldKind::Country, Reveals::CaseCore),
        text(11, "city", 100, Reveals::Place),
        field(12, "risk_level", FieldKind::Code(&vocab::RISK_LEVEL), Reveals::CaseCore),
        field(13, "risk_flags", FieldKind::CodeList(&vocab::RISK_FLAG), Reveals::LegalStatus),
        field(14, "documents", FieldKind::Documents, Reveals::Compound),
        field(15, "criminal_articles", FieldKind::TextList { max_items: 20, max: 40 }, Reveals::LegalStatus),
        text(16, "criminal_case_number", 100, Reveals::OfficialId),
        text(17, "assigned_to", 100, Reveals::Staff),
        text(18, "partner_org", 200, Reveals::ThirdParty),
        field(19, "family", FieldKind::Family, Reveals::Compound),
        text(20, "code_name", 100, Reveals::Pseudonym),
    ],
};

/// A dated timeline event of a case.
#[rustfmt::skip]
pub static EVENT: TableDef = TableDef {
    code: 2,
    table: "events",
    noun: "event",
    fields: &[
        FieldDef { code: 1, name: "case_id", kind: FieldKind::Ref, required: true, reveals: Reveals::Structure },
        FieldDef { code: 2, name: "date", kind: FieldKind::Date, required: true, reveals: Reveals::CaseDate },
        FieldDef { code: 3, name: "kind", kind: FieldKind::Code(&vocab::EVENT_KIND), required: true, reveals: Reveals::CaseFacts },
        FieldDef { code: 4, name: "text", kind: FieldKind::Text { max: 2000, multiline: true }, required: false, reveals: Reveals::FreeText },
    ],
};

/// A task or follow-up with a due date.
#[rustfmt::skip]
pub static TASK: TableDef = TableDef {
    code: 3,
    table: "tasks",
    noun: "task",
    fields: &[
        FieldDef { code: 1, name: "case_id", kind: FieldKind::Ref, required: true, reveals: Reveals::Structure },
        FieldDef { code: 2, name: "title", kind: FieldKind::Text { max: 500, multiline: false }, required: true, reveals: Reveals::FreeText },
        field(3, "due", FieldKind::Date, Reveals::CaseDate),
        field(4, "done", FieldKind::Bool, Reveals::CaseFacts),
    ],
};

/// An append-only note.
#[rustfmt::skip]
pub static NOTE: TableDef = TableDef {
    code: 4,
    table: "notes",
    noun: "note",
    fields: &[
        FieldDef { code: 1, name: "case_id", kind: FieldKind::Ref, required: true, reveals: Reveals::Structure },
        FieldDef { code: 2, name: "body", kind: FieldKind::Text { max: 20_000, multiline: true }, required: true, reveals: Reveals::FreeText },
    ],
};

/// One key of a partner organisation of the contact book (docs/formats/bundle.md section 8):
/// every field is set at creation; whether a key may be used is confirmed per device.
#[rustfmt::skip]
pub static PARTNER_KEY: TableDef = TableDef {
    code: 5,
    table: "partner_keys",
    noun: "partner key",
    fields: &[
        FieldDef { code: 1, name: "partner", kind: FieldKind::Text { max: 100, multiline: false }, required: true, reveals: Reveals::ThirdParty },
        FieldDef { code: 2, name: "kind", kind: FieldKind::Code(&vocab::KEY_KIND), required: true, reveals: Reveals::ThirdParty },
        FieldDef { code: 3, name: "key", kind: FieldKind::PublicKey, required: true, reveals: Reveals::ThirdParty },
        FieldDef { code: 4, name: "note", kind: FieldKind::Text { max: 2000, multiline: true }, required: false, reveals: Reveals::ThirdParty },
    ],
};

/// A file of a case: a scan, a photo, a PDF (docs/formats/attachment.md section 6). The bytes
/// are a blob in the vault folder; every field but the label is set at creation.
#[rustfmt::skip]
pub static ATTACHMENT: TableDef = TableDef {
    code: 6,
    table: "attachments",
    noun: "attachment",
    fields: &[
        FieldDef { code: 1, name: "case_id", kind: FieldKind::Ref, required: true, reveals: Reveals::Structure },
        FieldDef { code: 2, name: "name", kind: FieldKind::FileName, required: true, reveals: Reveals::Identity },
        FieldDef { code: 3, name: "media_type", kind: FieldKind::MediaType, required: true, reveals: Reveals::Structure },
        FieldDef { code: 4, name: "size", kind: FieldKind::ByteSize, required: true, reveals: Reveals::Structure },
        FieldDef { code: 5, name: "sha256", kind: FieldKind::Digest, required: true, reveals: Reveals::Structure },
        FieldDef { code: 6, name: "blob_sha256", kind: FieldKind::Digest, required: true, reveals: Reveals::Structure },
        FieldDef { code: 7, name: "key", kind: FieldKind::BlobKey, required: true, reveals: Reveals::Structure },
        text(8, "label", 200, Reveals::FreeText),
        field(9, "stripped", FieldKind::Bool, Reveals::Structure),
    ],
};

/// Every record kind, by code.
pub static TABLES: [&TableDef; 6] = [&CASE, &EVENT, &TASK, &NOTE, &PARTNER_KEY, &ATTACHMENT];

/// The record kinds of a case file (what bundles carry): every kind but the contact book's.
pub static CASE_TABLES: [&TableDef; 4] = [&CASE, &EVENT, &TASK, &NOTE];

/// The record kind with change-log code `code`.
pub fn table_by_code(code: u8) -> Option<&'static TableDef> {
    TABLES.iter().copied().find(|t| t.code == code)
}

/// One row of the case list or of search results.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseSummary {
    pub id: String,
    pub full_name: String,
    pub full_name_latin: Option<String>,
    pub category: Option<String>,
    pub stage: String,
    pub country: Option<String>,
    pub city: Option<String>,
    pub risk_level: Option<String>,
    /// Earliest due date of an open task.
    pub next_due: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A whole case file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseFile {
    pub id: String,
    pub full_name: String,
    pub full_name_latin: Option<String>,
    pub aliases: Vec<String>,
    /// A pseudonym chosen for sharing (the only name a `no-identity` bundle carries).
    pub code_name: Option<String>,
    pub birth_date: Option<String>,
    pub citizenship: Vec<String>,
    pub contacts: serde_json::Value,
    pub languages: Vec<String>,
    pub category: Option<String>,
    pub stage: String,
    pub country: Option<String>,
    pub city: Option<String>,
    pub risk_level: Option<String>,
    pub risk_flags: Vec<String>,
    pub documents: serde_json::Value,
    pub criminal_articles: Vec<String>,
    pub criminal_case_number: Option<String>,
    pub assigned_to: Option<String>,
    pub partner_org: Option<String>,
    pub family: serde_json::Value,
    pub created_at: String,
    pub updated_at: String,
    pub events: Vec<Event>,
    pub tasks: Vec<Task>,
    /// Newest first.
    pub notes: Vec<Note>,
}

/// A timeline event as read.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    pub id: String,
    pub date: String,
    pub kind: String,
    pub text: Option<String>,
}

/// A task as read.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub due: Option<String>,
    pub done: bool,
}

/// A note as read.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Note {
    pub id: String,
    pub body: String,
    pub created_at: String,
    /// Short id of the device that wrote it.
    pub author_device: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_codes_are_unique_and_never_zero_within_each_table() {
        for t in TABLES {
            let mut codes: Vec<u8> = t.fields.iter().map(|f| f.code).collect();
            assert!(!codes.contains(&DELETED), "{}", t.table);
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), t.fields.len(), "{}", t.table);
        }
    }
}
