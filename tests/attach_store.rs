//! Attachments at the core (docs/formats/attachment.md sections 7 and 8): Delete scrubs the key
//! from the record, the change log and the conflicts, removes the blob and checkpoints the WAL;
//! deleting a case deletes its attachments; the sweep removes what no committed row names.

mod common;

use casebook::attach::vault::{self, AttachOptions};
use common::*;

fn key_count(store: &casebook::store::Store, key: &[u8]) -> i64 {
    let conn = store.connection();
    let q = |sql: &str| conn.query_row(sql, [key], |r| r.get::<_, i64>(0)).unwrap();
    q("SELECT count(*) FROM changes WHERE value = ?1")
        + q("SELECT count(*) FROM conflicts WHERE value = ?1")
        + q("SELECT count(*) FROM attachments WHERE key = ?1")
}

#[test]
fn delete_leaves_the_key_nowhere_in_the_database_and_removes_the_blob() {
    let tmp = tempfile::tempdir().unwrap();
    let (vault, _) = new_vault(&tmp.path().join("v"));
    let mut store = store_of(&vault, 7);
    let case = store.add_case(&serde_json::from_str(r#"{"full_name": "Юрий Жуков"}"#).unwrap()).unwrap();
    let case = *case.as_bytes();
    let file = tmp.path().join("summons.pdf");
    std::fs::write(&file, b"%PDF-1.4 a summons").unwrap();
    let a = vault::attach_file(&mut store, &case, &file, &AttachOptions::default()).unwrap();
    let b = vault::attach_file(
        &mut store,
        &case,
        &file,
        &AttachOptions { label: Some("copy".into()), ..Default::default() },
    )
    .unwrap();
    let a_id = *uuid::Uuid::parse_str(&a.id).unwrap().as_bytes();
    let b_id = *uuid::Uuid::parse_str(&b.id).unwrap().as_bytes();
    let (_, a_key) = store.attachment_blob(&a_id).unwrap();
    let (_, b_key) = store.attachment_blob(&b_id).unwrap();
    assert_ne!(a_key.as_slice(), b_key.as_slice(), "every attachment has its own key");
    assert_eq!(key_count(&store, &a_key), 2, "the record and its creating change hold the key");
    let blob_dir = tmp.path().join("v/blobs");
    let blobs = |dir: &std::path::Path| files_under(dir).into_iter().filter(|p| !p.ends_with(".lock")).count();
    assert_eq!(blobs(&blob_dir), 2);

    vault::delete(&mut store, &a_id).unwrap();
    assert_eq!(key_count(&store, &a_key), 0, "scrubbed from the row and the change log");
    assert_eq!(key_count(&store, &b_key), 2, "the other attachment is untouched");
    assert_eq!(blobs(&blob_dir), 1, "the blob is removed");
    let wal = tmp.path().join("v/casebook.db-wal");
    assert!(std::fs::metadata(&wal).map_or(0, |m| m.len()) == 0, "the WAL was checkpointed and truncated");
    let mut sink = Vec::new();
    assert!(vault::read_content(&store, &a_id, &mut sink).is_err());

    // Deleting the case deletes the rest, keys included.
    store.delete_case(&case).unwrap();
    vault::sweep(&mut store).unwrap();
    assert_eq!(key_count(&store, &b_key), 0);
    assert_eq!(blobs(&blob_dir), 0);
}

#[test]
fn the_sweep_removes_temp_files_and_blobs_no_row_names_and_keeps_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let (vault, _) = new_vault(&tmp.path().join("v"));
    let mut store = store_of(&vault, 8);
    let case = *store.add_case(&serde_json::from_str(r#"{"full_name": "Ivan"}"#).unwrap()).unwrap().as_bytes();
    let file = tmp.path().join("a.bin");
    std::fs::write(&file, vec![5u8; 70_000]).unwrap();
    let a = vault::attach_file(&mut store, &case, &file, &AttachOptions::default()).unwrap();
    let dir = tmp.path().join("v/blobs");
    std::fs::write(dir.join(".tmp-0011223344556677"), b"half").unwrap();
    std::fs::write(dir.join("00112233445566778899aabbccddeeff.cbb"), b"orphan").unwrap();
    {
        // Another process (the app, or the CLI) writing a blob holds the folder's lock: what
        // looks like a leftover may be its blob in progress, and stays.
        let _other = vault::lock_blobs(&dir).unwrap();
        assert_eq!(vault::sweep(&mut store).unwrap(), vault::Swept::default());
        assert_eq!(files_under(&dir).iter().filter(|p| !p.ends_with(".lock")).count(), 3);
    }
    let swept = vault::sweep(&mut store).unwrap();
    assert_eq!((swept.temp_files, swept.orphans, swept.deleted), (1, 1, 0));
    assert_eq!(files_under(&dir).iter().filter(|p| !p.ends_with(".lock")).count(), 1);
    let id = *uuid::Uuid::parse_str(&a.id).unwrap().as_bytes();
    let mut back = Vec::new();
    vault::read_content(&store, &id, &mut back).unwrap();
    assert_eq!(back, vec![5u8; 70_000]);
    assert_eq!(vault::sweep(&mut store).unwrap(), vault::Swept::default(), "a second sweep finds nothing");
}
