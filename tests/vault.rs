//! The vault at rest: wrong keys, damaged and hostile headers, passphrase change and
//! recovery, and a canary scan proving nothing readable reaches the disk.

mod common;

use common::*;
use std::fs;

use casebook::entropy::OsEntropy;
use casebook::error::{Error, ErrorCode};
use casebook::secret::RecoveryKey;
use casebook::store::read::CaseFilter;
use casebook::vault::{Vault, DB_FILE, HEADER_FILE};
use serde_json::json;

fn case_json(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

fn snapshot(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = files_under(dir).into_iter().map(|p| (p.clone(), fs::read(&p).unwrap())).collect();
    files.sort();
    files
}

#[test]
fn wrong_passphrase_is_refused_and_modifies_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (vault, _) = new_vault(&dir);
    drop(vault);
    let before = snapshot(&dir);
    let err = Vault::unlock(&dir, &pass("correct horse battery stapl")).err().unwrap();
    assert!(matches!(err, Error::WrongKey));
    assert_eq!(err.code(), ErrorCode::WrongKey);
    assert_eq!(err.to_string(), "wrong passphrase or recovery key");
    assert_eq!(snapshot(&dir), before, "a failed unlock changed files");
}

#[test]
fn wrong_recovery_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    new_vault(&dir);
    let other = RecoveryKey::generate(&mut OsEntropy);
    assert!(matches!(Vault::unlock_with_recovery_key(&dir, &other), Err(Error::WrongKey)));
}

#[test]
fn missing_truncated_and_tampered_headers_give_errors_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    new_vault(&dir);
    let header_path = dir.join(HEADER_FILE);
    let good = fs::read(&header_path).unwrap();

    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let err = Vault::unlock(&empty, &pass(PASS)).err().unwrap();
    assert_eq!(err.code(), ErrorCode::VaultMissing);
    assert!(err.to_string().contains("casebook.vault"), "{err}");

    for len in [0, 7, 40, good.len() - 1] {
        fs::write(&header_path, &good[..len]).unwrap();
        let err = Vault::unlock(&dir, &pass(PASS)).err().unwrap();
        assert_eq!(err.code(), ErrorCode::VaultDamaged, "cut at {len}: {err}");
        assert!(err.to_string().contains(&header_path.display().to_string()), "{err}");
    }
    // A flipped byte anywhere: refused (checksum), never a panic, never accepted.
    for i in (0..good.len()).step_by(7) {
        let mut bad = good.clone();
        bad[i] ^= 0x40;
        fs::write(&header_path, &bad).unwrap();
        let err = Vault::unlock(&dir, &pass(PASS)).err().unwrap();
        assert!(matches!(err.code(), ErrorCode::VaultDamaged | ErrorCode::VaultTooNew), "flip at {i}: {err}");
    }
    fs::write(&header_path, &good).unwrap();
    assert!(Vault::unlock(&dir, &pass(PASS)).is_ok());
}

/// Rewrites the header with a valid checksum after `edit`, as a deliberate attacker would.
fn forge(bytes: &mut Vec<u8>, edit: impl FnOnce(&mut Vec<u8>)) {
    use sha2::Digest;
    edit(bytes);
    let n = bytes.len() - 32;
    let sum = sha2::Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&sum);
}

#[test]
fn forged_header_with_valid_checksum_is_still_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    new_vault(&dir);
    let header_path = dir.join(HEADER_FILE);
    let good = fs::read(&header_path).unwrap();
    // Changing the recovery slot (the second) is caught by the header MAC after the passphrase slot opens.
    let mut bad = good.clone();
    forge(&mut bad, |b| b[32 + 118 + 100] ^= 1);
    fs::write(&header_path, &bad).unwrap();
    let err = Vault::unlock(&dir, &pass(PASS)).err().unwrap();
    assert_eq!(err.code(), ErrorCode::VaultDamaged, "{err}");
    // Changing the vault id breaks every slot's binding.
    let mut bad = good.clone();
    forge(&mut bad, |b| b[12] ^= 1);
    fs::write(&header_path, &bad).unwrap();
    assert!(matches!(Vault::unlock(&dir, &pass(PASS)), Err(Error::WrongKey)));
}

#[test]
fn hostile_kdf_memory_is_refused_well_under_a_second() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    new_vault(&dir);
    let header_path = dir.join(HEADER_FILE);
    let mut bad = fs::read(&header_path).unwrap();
    // Slot 1's m_kib lives at 32 + 1 + 16 + 1 = 50: set it to 1 TiB (2^30 KiB).
    forge(&mut bad, |b| b[50..54].copy_from_slice(&(1u32 << 30).to_be_bytes()));
    fs::write(&header_path, &bad).unwrap();
    let started = std::time::Instant::now();
    let err = Vault::unlock(&dir, &pass(PASS)).err().unwrap();
    let elapsed = started.elapsed();
    assert_eq!(err.code(), ErrorCode::VaultDamaged, "{err}");
    assert!(err.to_string().contains("key-derivation parameters"), "{err}");
    assert!(elapsed.as_millis() < 200, "took {elapsed:?}: the KDF must not run");
}

#[test]
fn header_from_a_newer_version_is_refused_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    new_vault(&dir);
    let header_path = dir.join(HEADER_FILE);
    let mut bytes = fs::read(&header_path).unwrap();
    bytes[9] = 7;
    fs::write(&header_path, &bytes).unwrap();
    let err = Vault::unlock(&dir, &pass(PASS)).err().unwrap();
    assert_eq!(err.code(), ErrorCode::VaultTooNew);
    assert!(err.to_string().contains("newer Casebook"), "{err}");
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    new_vault(&dir);
    let err = Vault::create(&dir, &pass("x"), weak_options(), &mut OsEntropy).err().unwrap();
    assert_eq!(err.code(), ErrorCode::VaultExists);
}

#[test]
fn passphrase_change_keeps_every_case_and_retires_the_old_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (mut vault, recovery) = new_vault(&dir);
    let ids: Vec<_> = {
        let mut store = store_of(&vault, 1);
        (0..25)
            .map(|i| {
                store.add_case(&case_json(json!({"full_name": format!("Иван {i}"), "notes": ["заметка"]}))).unwrap()
            })
            .collect()
    };
    vault.change_passphrase(&pass("new passphrase"), WEAK, &mut OsEntropy).unwrap();
    drop(vault);
    assert!(matches!(Vault::unlock(&dir, &pass(PASS)), Err(Error::WrongKey)));
    let vault = Vault::unlock(&dir, &pass("new passphrase")).unwrap();
    let store = store_of(&vault, 2);
    assert_eq!(store.count_cases(&CaseFilter::default()).unwrap(), 25);
    for id in &ids {
        assert_eq!(store.case(id.as_bytes()).unwrap().notes.len(), 1);
    }
    // The recovery key still works after a passphrase change.
    assert!(Vault::unlock_with_recovery_key(&dir, &recovery).is_ok());
    assert!(
        files_under(&dir).iter().all(|p| !p.file_name().unwrap().to_string_lossy().contains(".tmp-")),
        "temp header left behind"
    );
}

#[test]
fn recovery_sets_a_new_passphrase_and_keeps_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (vault, recovery) = new_vault(&dir);
    let id = store_of(&vault, 1).add_case(&case_json(json!({"full_name": "Пётр Щукин"}))).unwrap();
    drop(vault);
    let typed = recovery.display_groups().to_lowercase();
    let mut vault = Vault::unlock_with_recovery_key(&dir, &RecoveryKey::parse(&typed).unwrap()).unwrap();
    vault.change_passphrase(&pass("after recovery"), WEAK, &mut OsEntropy).unwrap();
    drop(vault);
    assert!(matches!(Vault::unlock(&dir, &pass(PASS)), Err(Error::WrongKey)));
    let vault = Vault::unlock(&dir, &pass("after recovery")).unwrap();
    assert_eq!(store_of(&vault, 2).case(id.as_bytes()).unwrap().full_name, "Пётр Щукин");
}

#[test]
fn crash_between_the_two_header_writes_leaves_both_passphrases_working() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (mut vault, _) = new_vault(&dir);
    let id = store_of(&vault, 1).add_case(&case_json(json!({"full_name": "Анна"}))).unwrap();
    // The first half of change_passphrase, then "power loss".
    vault.add_passphrase_slot(&pass("second"), WEAK, &mut OsEntropy).unwrap();
    drop(vault);
    for p in [PASS, "second"] {
        let v = Vault::unlock(&dir, &pass(p)).unwrap();
        assert_eq!(store_of(&v, 2).case(id.as_bytes()).unwrap().full_name, "Анна");
    }
    // Finishing the change from the new passphrase retires only the slot it opened with.
    let mut v = Vault::unlock(&dir, &pass("second")).unwrap();
    v.change_passphrase(&pass("third"), WEAK, &mut OsEntropy).unwrap();
    assert!(Vault::unlock(&dir, &pass(PASS)).is_ok());
    assert!(matches!(Vault::unlock(&dir, &pass("second")), Err(Error::WrongKey)));
    assert!(Vault::unlock(&dir, &pass("third")).is_ok());
}

#[test]
fn database_is_not_plain_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (vault, _) = new_vault(&dir);
    store_of(&vault, 1).add_case(&case_json(json!({"full_name": "Test"}))).unwrap();
    drop(vault);
    let bytes = fs::read(dir.join(DB_FILE)).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"), "the database has a plaintext SQLite header");
    // Plain SQLite (no key) cannot read it.
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    conn.execute_batch("PRAGMA cipher_log_level = NONE;").unwrap();
    let err = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert!(err.to_string().contains("not a database"), "{err}");
}

/// Unique strings that must never appear in the clear on disk.
const CANARIES: &[&str] =
    &["Щеглов-Канарейкин", "Kanareykin-Shcheglov", "Птичий-переулок-17", "zz-canary-note-41", "канарейка-заметка-ё"];

fn encodings(s: &str) -> Vec<Vec<u8>> {
    let utf16le: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let utf16be: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    let lower = s.to_lowercase().into_bytes();
    vec![s.as_bytes().to_vec(), lower, utf16le, utf16be]
}

fn find_canaries(files: &[std::path::PathBuf]) -> Vec<String> {
    let mut hits = Vec::new();
    for path in files {
        let Ok(bytes) = fs::read(path) else { continue };
        for canary in CANARIES {
            // Also the first 8 characters: a canary cut across a page boundary still leaks.
            let prefix: String = canary.chars().take(8).collect();
            for needle in encodings(canary).into_iter().chain(encodings(&prefix)) {
                if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                    hits.push(format!("{} contains {canary:?}", path.display()));
                }
            }
        }
    }
    hits
}

#[test]
fn canary_scan_finds_nothing_readable_in_vault_wal_or_temp_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (vault, _) = new_vault(&dir);
    let mut store = store_of(&vault, 3);
    let id = store
        .add_case(&case_json(json!({
            "full_name": CANARIES[0], "full_name_latin": CANARIES[1], "city": CANARIES[2],
            "aliases": [CANARIES[3]], "notes": [CANARIES[4], CANARIES[3]]
        })))
        .unwrap();
    for i in 0..200 {
        store.add_note(id.as_bytes(), &format!("{} {i}", CANARIES[4])).unwrap();
    }
    store.update_case(id.as_bytes(), &case_json(json!({"city": format!("{}-b", CANARIES[2])}))).unwrap();
    // While open: the WAL and SHM exist and hold recent pages.
    let mut files = files_under(&dir);
    assert!(files.iter().any(|p| p.to_string_lossy().ends_with("-wal")), "expected a WAL while open: {files:?}");
    files.extend(files_under(&std::env::temp_dir().join("casebook-nonexistent")));
    let hits = find_canaries(&files);
    assert!(hits.is_empty(), "plaintext on disk: {hits:?}");
    // The canaries are really in there (the scan is not vacuous).
    assert_eq!(store.search("Канарейкин", &CaseFilter::default(), 10).unwrap().len(), 1);
    assert_eq!(store.search("Kanareikin", &CaseFilter::default(), 10).unwrap().len(), 1);
    drop(store);
    drop(vault);
    let hits = find_canaries(&files_under(&dir));
    assert!(hits.is_empty(), "plaintext on disk after close: {hits:?}");
}

#[test]
fn canary_scan_of_the_cli_covers_vault_and_its_temp_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    let id = cli
        .ok_stdin(
            &["case", "add", "--json", "-"],
            &json!({"full_name": CANARIES[0], "full_name_latin": CANARIES[1], "city": CANARIES[2], "notes": [CANARIES[4]]}).to_string(),
        )
        .trim()
        .to_string();
    cli.ok(&["note", "add", &id, CANARIES[3]]);
    let out = cli.ok(&["search", "Kanareikin", "--json"]);
    assert!(out.contains(&id));
    let mut files = files_under(&cli.vault);
    files.extend(files_under(&cli.tmp));
    files.extend(files_under(&cli.home));
    let hits = find_canaries(&files);
    assert!(hits.is_empty(), "plaintext on disk: {hits:?}");
}

#[test]
fn the_scan_itself_finds_a_planted_canary() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("planted");
    let utf16: Vec<u8> = CANARIES[0].encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    fs::write(&p, [b"xx".as_slice(), &utf16, b"yy"].concat()).unwrap();
    assert_eq!(find_canaries(&[p]).len(), 2, "full canary and its prefix, in UTF-16");
}
