//! The database schema: the current SQL, its version, and the upgrade path from every earlier
//! version. `PRAGMA user_version` holds the version.
//!
//! Rules: a migration never loses data; the test `upgrades_from_every_old_version_to_the_fresh_schema`
//! builds each old version from `HISTORY` and checks that upgrading gives the same schema as a
//! fresh database.

use rusqlite::Connection;

use crate::error::{Error, Result};

/// Schema version written by this build.
pub const VERSION: i64 = 11;

/// Version 1 (the first release of the store).
const V1: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID;
CREATE TABLE devices (
    idx INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    label TEXT,
    local INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE cases (
    rid INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    full_name TEXT, full_name_latin TEXT, aliases TEXT, birth_date TEXT, citizenship TEXT,
    contacts TEXT, languages TEXT, category TEXT, stage TEXT, country TEXT, city TEXT,
    risk_level TEXT, risk_flags TEXT, documents TEXT, criminal_articles TEXT,
    criminal_case_number TEXT, assigned_to TEXT, partner_org TEXT, family TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    hlc INTEGER NOT NULL, device INTEGER NOT NULL, clocks BLOB
);
CREATE INDEX cases_updated ON cases(deleted, updated_at);
CREATE INDEX cases_stage ON cases(deleted, stage, updated_at);
CREATE INDEX cases_country ON cases(deleted, country, updated_at);
CREATE TABLE events (
    rid INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    case_id BLOB, date TEXT, kind TEXT, text TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    hlc INTEGER NOT NULL, device INTEGER NOT NULL, clocks BLOB
);
CREATE INDEX events_case ON events(case_id, date);
CREATE TABLE tasks (
    rid INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    case_id BLOB, title TEXT, due TEXT, done INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    hlc INTEGER NOT NULL, device INTEGER NOT NULL, clocks BLOB
);
CREATE INDEX tasks_case ON tasks(case_id);
CREATE INDEX tasks_open_due ON tasks(due, case_id) WHERE done = 0 AND deleted = 0;
CREATE TABLE notes (
    rid INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    case_id BLOB, body TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    hlc INTEGER NOT NULL, device INTEGER NOT NULL, clocks BLOB
);
CREATE INDEX notes_case ON notes(case_id, hlc);
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY,
    tbl INTEGER NOT NULL,
    rec BLOB NOT NULL,
    field INTEGER NOT NULL,
    value,
    hlc INTEGER NOT NULL,
    device INTEGER NOT NULL,
    prev_hlc INTEGER
);
CREATE VIRTUAL TABLE case_fts USING fts5(
    light, key,
    tokenize = 'unicode61 remove_diacritics 0',
    content = '', contentless_delete = 1, detail = column
);
";

/// Version 2: indexes for the risk filter and the name sort; `cases.next_due` (earliest due
/// date of an open task, kept by the write path) so the tasks-due filter and sort use an
/// index instead of a subquery per case; and search split into two one-column indexes so
/// that search-as-you-type stays fast: `name_fts` (one row per case: names, aliases, family
/// names, city — words and phonetic keys) and `note_fts` (one row per note), both with prefix
/// indexes and no positions (`detail = none`); their rowids are the records' row ids. Adding
/// a note no longer re-indexes the whole case. The indexes are rebuilt from the records.
const V1_TO_V2: &str = "
CREATE INDEX cases_risk ON cases(deleted, risk_level, updated_at);
CREATE INDEX cases_name ON cases(deleted, full_name);
ALTER TABLE cases ADD COLUMN next_due TEXT;
UPDATE cases SET next_due =
    (SELECT min(t.due) FROM tasks t WHERE t.case_id = cases.id AND t.done = 0 AND t.deleted = 0);
CREATE INDEX cases_next_due ON cases(deleted, next_due);
DROP TABLE case_fts;
CREATE VIRTUAL TABLE name_fts USING fts5(
    terms,
    tokenize = 'unicode61 remove_diacritics 0',
    content = '', contentless_delete = 1, detail = none, prefix = '1 2 3 4 5 6'
);
CREATE VIRTUAL TABLE note_fts USING fts5(
    terms,
    tokenize = 'unicode61 remove_diacritics 0',
    content = '', contentless_delete = 1, detail = none, prefix = '1 2 3'
);
";

/// Version 3: sync. The change log records the device of the value a change replaced and the
/// clocks a conflict resolution settles (`prev_device`, `supersedes`; before version 3 every
/// change was local, so its `prev` was this device's); `conflicts` keeps the competing values
/// of a field (its losing heads); `shares`, `sync_peers`, `sync_received`, `sync_sent` and
/// `sync_alarms` hold the state of sync with a share (docs/formats/database.md section 10).
const V2_TO_V3: &str = "
ALTER TABLE changes ADD COLUMN prev_device INTEGER;
ALTER TABLE changes ADD COLUMN supersedes BLOB;
UPDATE changes SET prev_device = device WHERE prev_hlc IS NOT NULL;
CREATE TABLE conflicts (
    rec BLOB NOT NULL,
    field INTEGER NOT NULL,
    hlc INTEGER NOT NULL,
    device INTEGER NOT NULL,
    tbl INTEGER NOT NULL,
    value,
    PRIMARY KEY (rec, field, hlc, device)
) WITHOUT ROWID;
CREATE TABLE shares (
    idx INTEGER PRIMARY KEY,
    group_id BLOB NOT NULL UNIQUE,
    epoch INTEGER NOT NULL,
    group_key BLOB NOT NULL,
    signing_key BLOB NOT NULL,
    path TEXT NOT NULL,
    scanned_upto INTEGER NOT NULL DEFAULT 0,
    joined_at INTEGER NOT NULL
);
CREATE TABLE sync_peers (
    share INTEGER NOT NULL,
    device INTEGER NOT NULL,
    signing_key BLOB NOT NULL,
    label TEXT,
    applied_seq INTEGER NOT NULL DEFAULT 0,
    applied_hash BLOB,
    heard_at INTEGER,
    last_created INTEGER,
    PRIMARY KEY (share, device)
) WITHOUT ROWID;
CREATE TABLE sync_received (
    share INTEGER NOT NULL,
    device INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL,
    size INTEGER NOT NULL,
    mtime INTEGER,
    PRIMARY KEY (share, device, seq)
) WITHOUT ROWID;
CREATE TABLE sync_sent (
    share INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    first_change INTEGER NOT NULL,
    last_change INTEGER NOT NULL,
    deps BLOB NOT NULL,
    created INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (share, seq)
) WITHOUT ROWID;
CREATE TABLE sync_alarms (
    share INTEGER NOT NULL,
    device BLOB NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (share, device, seq, kind)
) WITHOUT ROWID;
";

/// Version 4: export and import. `identity` keeps this vault's age identity (partners export
/// to its public key); `imports` remembers every imported bundle and `import_cases` which cases
/// it created or updated (docs/formats/database.md section 11).
const V3_TO_V4: &str = "
CREATE TABLE identity (
    kind TEXT PRIMARY KEY NOT NULL,
    secret TEXT NOT NULL,
    public TEXT NOT NULL,
    created INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE imports (
    idx INTEGER PRIMARY KEY,
    bundle_sha256 BLOB NOT NULL,
    vault_id TEXT NOT NULL,
    profile TEXT NOT NULL,
    exported_at TEXT NOT NULL,
    imported_at INTEGER NOT NULL
);
CREATE TABLE import_cases (
    import INTEGER NOT NULL,
    case_id BLOB NOT NULL,
    action TEXT NOT NULL,
    PRIMARY KEY (import, case_id)
) WITHOUT ROWID;
CREATE INDEX import_cases_case ON import_cases(case_id);
";

/// Version 5: the merge by causality (docs/formats/delta.md section 7). `changes.origin` is the
/// sequence number of the delta that brought a remote change (NULL: a local change, an import,
/// or a change applied before version 5), so that a later delta may replace only values of its
/// author's causal past; the change log now keeps every applied change, winning or not.
/// `sync_alarms.dismissed` (ms; NULL while open) lets a person close an alarm once dealt with.
/// `changes_clock` finds a value's change by its clock. `sync_copies` remembers the sync tools'
/// conflict copies already verified, so that a share full of copies costs their reading once. (The repair of a clock that a v1
/// import or delta moved far past the wall clock runs at every open: `Store::open`.)
const V4_TO_V5: &str = "
ALTER TABLE changes ADD COLUMN origin INTEGER;
CREATE INDEX changes_clock ON changes(hlc);
CREATE TABLE sync_copies (
    share INTEGER NOT NULL,
    device INTEGER NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (share, device, name)
) WITHOUT ROWID;
ALTER TABLE sync_alarms ADD COLUMN dismissed INTEGER;
";

/// Delta format 2 (docs/formats/delta.md): the format of each sent delta, the receipt of each
/// received version-2 delta, the newest format each peer reads, and each peer's accumulated
/// dependency vector (version-2 deltas name only what changed).
const V5_TO_V6: &str = "
ALTER TABLE sync_sent ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sync_received ADD COLUMN receipt BLOB;
ALTER TABLE sync_peers ADD COLUMN reads INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sync_peers ADD COLUMN vector BLOB;
";

/// Rollback (docs/formats/delta.md section 11.2): `changes.unnamed` holds the names a remote
/// change made that did not count (outside its author's causal past), so that a field's heads
/// can be recomputed from the log alone; `changes.voided` (ms) marks a change a proven fork
/// voided. `sync_quarantine` lists, per forked author, what was voided and whether a person
/// accepted it (re-authored it as this device's own change).
const V6_TO_V7: &str = "
ALTER TABLE changes ADD COLUMN unnamed BLOB;
ALTER TABLE changes ADD COLUMN voided INTEGER;
CREATE TABLE sync_quarantine (
    share INTEGER NOT NULL,
    device BLOB NOT NULL,
    from_seq INTEGER NOT NULL,
    changes INTEGER NOT NULL,
    records INTEGER NOT NULL,
    voided_at INTEGER NOT NULL,
    accepted_at INTEGER,
    PRIMARY KEY (share, device)
) WITHOUT ROWID;
";

/// Version 8: the search indexes split their (already folded) text with FTS5's `ascii`
/// tokenizer: the text is folded in Rust (`fold`) into lower-case words separated by
/// single spaces, so FTS5 only has to split on spaces. `unicode61` folded and classified every
/// character a second time (its tokenizer was 11.6% of the profile of applying 100,000 remote
/// changes, `ascii`'s is 5.3%) and could split a word the Rust folding keeps whole. The
/// indexes are rebuilt from the records.
const V7_TO_V8: &str = "
DROP TABLE name_fts;
DROP TABLE note_fts;
CREATE VIRTUAL TABLE name_fts USING fts5(
    terms,
    tokenize = 'ascii',
    content = '', contentless_delete = 1, detail = none, prefix = '1 2 3 4 5 6'
);
CREATE VIRTUAL TABLE note_fts USING fts5(
    terms,
    tokenize = 'ascii',
    content = '', contentless_delete = 1, detail = none, prefix = '1 2 3'
);
";

/// Version 9: group membership (docs/formats/roster.md) — this device's side of a group with a
/// roster (`sync_roster`), the epoch keys it holds (`sync_epochs`), the invites it made
/// (`sync_invites`) and the join requests that reached it (`sync_requests`); each sent delta
/// remembers the epoch it was sealed under (`sync_sent.epoch_id`), so that it is rebuilt byte
/// for byte after a rotation. Groups without a roster have no rows in the new tables.
const V8_TO_V9: &str = "
CREATE TABLE sync_roster (
    share INTEGER PRIMARY KEY,
    genesis BLOB NOT NULL,
    box_secret BLOB NOT NULL,
    state TEXT NOT NULL,
    entry_seq INTEGER NOT NULL DEFAULT 0,
    entry_prev BLOB,
    entry_bytes BLOB,
    invite BLOB,
    request BLOB,
    code TEXT,
    verified BLOB,
    head_at INTEGER
);
CREATE TABLE sync_epochs (
    share INTEGER NOT NULL,
    epoch_id BLOB NOT NULL,
    epoch_key BLOB NOT NULL,
    PRIMARY KEY (share, epoch_id)
) WITHOUT ROWID;
CREATE TABLE sync_invites (
    share INTEGER NOT NULL,
    invite BLOB NOT NULL,
    request_secret BLOB NOT NULL,
    invite_sign BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (share, invite)
) WITHOUT ROWID;
CREATE TABLE sync_requests (
    share INTEGER NOT NULL,
    invite BLOB NOT NULL,
    device BLOB NOT NULL,
    request BLOB NOT NULL,
    joiner_sign BLOB NOT NULL,
    joiner_box BLOB NOT NULL,
    label TEXT NOT NULL,
    arrived_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (share, invite, device)
) WITHOUT ROWID;
ALTER TABLE sync_sent ADD COLUMN epoch_id BLOB;
";

/// Version 10: exchange trust (docs/formats/bundle.md sections 7 and 8) — the partner contact
/// book (`partner_keys`, record kind 5, synced and append-only; `partner_confirmations`, the
/// keys a person confirmed on this device), the
/// bundles this vault made (`exports`) with a hash of every value sent (`export_values`), the
/// base of a reply's three-way plan; `imports` gains the bundle id (a replay changes nothing)
/// and the verified signer (existing imports were of version-1 bundles: unsigned); a case gains
/// `code_name` (field code 20), the pseudonym a `no-identity` bundle carries.
const V9_TO_V10: &str = "
CREATE TABLE partner_keys (
    rid INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    partner TEXT COLLATE NOCASE, kind TEXT, key TEXT, note TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    hlc INTEGER NOT NULL, device INTEGER NOT NULL, clocks BLOB
);
CREATE INDEX partner_keys_partner ON partner_keys(deleted, partner);
CREATE TABLE partner_confirmations (
    id BLOB PRIMARY KEY NOT NULL,
    key TEXT NOT NULL,
    confirmed_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE exports (
    idx INTEGER PRIMARY KEY,
    bundle_id BLOB NOT NULL UNIQUE,
    partner TEXT,
    profile TEXT NOT NULL,
    recipients TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE TABLE export_values (
    export INTEGER NOT NULL,
    record BLOB NOT NULL,
    hashes BLOB NOT NULL,
    PRIMARY KEY (export, record)
) WITHOUT ROWID;
ALTER TABLE cases ADD COLUMN code_name TEXT;
ALTER TABLE imports ADD COLUMN bundle_id BLOB;
ALTER TABLE imports ADD COLUMN signer TEXT NOT NULL DEFAULT 'unsigned';
ALTER TABLE imports ADD COLUMN signer_key TEXT;
CREATE UNIQUE INDEX imports_bundle ON imports(bundle_id);
";

/// Version 11: attachments (docs/formats/attachment.md) — record table `attachments` (kind 6),
/// where each blob lies in the vault folder (`attachment_files`), the blobs of other devices
/// that could not be kept yet (`attachment_fetch`) and the quotas a person lifted
/// (`attachment_quota`).
const V10_TO_V11: &str = "
CREATE TABLE attachments (
    rid INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    case_id BLOB, name TEXT, media_type TEXT, size INTEGER, sha256 BLOB, blob_sha256 BLOB, key BLOB,
    label TEXT, stripped INTEGER,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    hlc INTEGER NOT NULL, device INTEGER NOT NULL, clocks BLOB
);
CREATE INDEX attachments_case ON attachments(case_id, deleted);
CREATE TABLE attachment_files (
    id BLOB PRIMARY KEY NOT NULL,
    file TEXT NOT NULL UNIQUE,
    stored_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE attachment_fetch (
    id BLOB PRIMARY KEY NOT NULL,
    state TEXT NOT NULL,
    size INTEGER,
    mtime INTEGER,
    since INTEGER NOT NULL,
    detail TEXT
) WITHOUT ROWID;
CREATE TABLE attachment_quota (
    device BLOB PRIMARY KEY NOT NULL,
    accepted_at INTEGER NOT NULL
) WITHOUT ROWID;
";

/// The SQL that produced each old version from an empty database (kept for the migration test).
#[cfg(test)]
pub(crate) const HISTORY: &[(i64, &[&str])] = &[
    (1, &[V1]),
    (2, &[V1, V1_TO_V2]),
    (3, &[V1, V1_TO_V2, V2_TO_V3]),
    (4, &[V1, V1_TO_V2, V2_TO_V3, V3_TO_V4]),
    (5, &[V1, V1_TO_V2, V2_TO_V3, V3_TO_V4, V4_TO_V5]),
    (6, &[V1, V1_TO_V2, V2_TO_V3, V3_TO_V4, V4_TO_V5, V5_TO_V6]),
    (7, &[V1, V1_TO_V2, V2_TO_V3, V3_TO_V4, V4_TO_V5, V5_TO_V6, V6_TO_V7]),
    (8, &[V1, V1_TO_V2, V2_TO_V3, V3_TO_V4, V4_TO_V5, V5_TO_V6, V6_TO_V7, V7_TO_V8]),
    (9, &[V1, V1_TO_V2, V2_TO_V3, V3_TO_V4, V4_TO_V5, V5_TO_V6, V6_TO_V7, V7_TO_V8, V8_TO_V9]),
    (10, &[V1, V1_TO_V2, V2_TO_V3, V3_TO_V4, V4_TO_V5, V5_TO_V6, V6_TO_V7, V7_TO_V8, V8_TO_V9, V9_TO_V10]),
];

/// What the caller must do after an upgrade.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Upgrade {
    /// The search index was recreated and must be rebuilt from the cases.
    pub reindex: bool,
}

/// Brings a database to the current schema: creates it when empty, upgrades it when older,
/// refuses it when newer. Runs in one transaction.
pub fn ensure(conn: &mut Connection) -> Result<Upgrade> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > VERSION {
        return Err(Error::DatabaseTooNew { version });
    }
    if version < 0 {
        return Err(Error::invalid(
            "database",
            &format!("schema version {version} does not exist; the database is damaged"),
        ));
    }
    if version == VERSION {
        return Ok(Upgrade::default());
    }
    let tx = conn.transaction()?;
    let upgrade = if version == 0 {
        tx.execute_batch(V1)?;
        upgrade_from(&tx, 1)?
    } else {
        upgrade_from(&tx, version)?
    };
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(upgrade)
}

/// Applies every step from `version` to [`VERSION`].
fn upgrade_from(conn: &Connection, version: i64) -> Result<Upgrade> {
    let mut up = Upgrade::default();
    let mut v = version;
    while v < VERSION {
        match v {
            1 => {
                conn.execute_batch(V1_TO_V2)?;
                up.reindex = true;
            }
            2 => conn.execute_batch(V2_TO_V3)?,
            3 => conn.execute_batch(V3_TO_V4)?,
            4 => conn.execute_batch(V4_TO_V5)?,
            5 => conn.execute_batch(V5_TO_V6)?,
            6 => conn.execute_batch(V6_TO_V7)?,
            7 => {
                conn.execute_batch(V7_TO_V8)?;
                up.reindex = true;
            }
            8 => conn.execute_batch(V8_TO_V9)?,
            9 => conn.execute_batch(V9_TO_V10)?,
            10 => conn.execute_batch(V10_TO_V11)?,
            _ => unreachable!("no upgrade step from schema version {v}"),
        }
        v += 1;
    }
    Ok(up)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_of(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare(
                "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE '%fts_%' ORDER BY name",
            )
            .unwrap();
        stmt.query_map([], |r| {
            let sql: String = r.get(1)?;
            Ok((r.get(0)?, sql.split_whitespace().collect::<Vec<_>>().join(" ")))
        })
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
    }

    #[test]
    fn upgrades_from_every_old_version_to_the_fresh_schema() {
        let mut fresh = Connection::open_in_memory().unwrap();
        ensure(&mut fresh).unwrap();
        assert_eq!(HISTORY.len() as i64, VERSION - 1, "every old version needs its SQL in HISTORY");
        for &(version, steps) in HISTORY {
            let mut old = Connection::open_in_memory().unwrap();
            for sql in steps {
                old.execute_batch(sql).unwrap();
            }
            old.pragma_update(None, "user_version", version).unwrap();
            old.execute(
                "INSERT INTO cases (id, full_name, stage, created_at, updated_at, hlc, device) VALUES (x'01', 'Иван', 'exit', 1, 1, 1, 1)",
                [],
            )
            .unwrap();
            let up = ensure(&mut old).unwrap();
            assert_eq!(up.reindex, version < 8, "every version before 8 rebuilds the search index");
            assert_eq!(schema_of(&old), schema_of(&fresh), "upgrade from v{version}");
            let name: String = old.query_row("SELECT full_name FROM cases", [], |r| r.get(0)).unwrap();
            assert_eq!(name, "Иван", "data kept through the upgrade from v{version}");
        }
    }

    #[test]
    fn newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1).unwrap();
        assert!(matches!(ensure(&mut conn), Err(Error::DatabaseTooNew { .. })));
    }

    #[test]
    fn ensure_is_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        ensure(&mut conn).unwrap();
        assert_eq!(ensure(&mut conn).unwrap(), Upgrade::default());
    }
}
