//! Attachments through the share (docs/formats/attachment.md section 9): the blob travels as an
//! immutable file in its author's folder, named by the attachment id; a receiver applies the
//! delta at once, waits for a blob that has not arrived without blocking later deltas, keeps a
//! blob only when its length and SHA-256 are the recorded ones, and a deletion removes the blob
//! on the share (by its author) and on every device, its key scrubbed.

mod sync_common;

use casebook::attach::vault::{self, AttachOptions};
use sync_common::*;

fn attach(r: &mut Replica, case: &[u8; 16], bytes: &[u8]) -> [u8; 16] {
    let file = r.dir.join("source.bin");
    std::fs::write(&file, bytes).unwrap();
    let done = vault::attach_file(&mut r.store, case, &file, &AttachOptions::default()).unwrap();
    std::fs::remove_file(&file).unwrap();
    *uuid::Uuid::parse_str(&done.id).unwrap().as_bytes()
}

fn content(r: &Replica, id: &[u8; 16]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    vault::read_content(&r.store, id, &mut out).map(|()| out).map_err(|e| e.to_string())
}

fn state(r: &Replica, id: &[u8; 16]) -> String {
    r.store.attachment(id).unwrap().state
}

fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(13) ^ seed ^ (i >> 11) as u8).collect()
}

#[test]
fn a_blob_travels_waits_is_checked_before_it_is_kept_and_goes_with_its_deletion() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = roster_group(tmp.path(), &share, 2);
    let case = *rs[0].store.add_case(&case_json("Юрий Жуков")).unwrap().as_bytes();
    let data = bytes(300_000, 1);
    let id = attach(&mut rs[0], &case, &data);
    rs[0].sync();
    let blob_path = share.join(dev_hex(&rs[0])).join(format!("{}.blob", hex(&id)));
    assert!(blob_path.is_file(), "the author put its blob into its own folder");

    // The blob has not arrived yet (a sync tool delivered the delta first): the record is there,
    // waiting, and later deltas of its author still apply.
    let held = std::fs::read(&blob_path).unwrap();
    std::fs::remove_file(&blob_path).unwrap();
    rs[0].store.add_note(&case, "a later note").unwrap();
    rs[0].sync();
    std::fs::remove_file(&blob_path).ok(); // the author put it back; the share still lacks it
    let report = rs[1].sync();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(state(&rs[1], &id), "waiting");
    rs[1].clock.advance(8 * 86_400_000);
    let report = rs[1].sync();
    assert!(report.problems.iter().any(|p| p.problem.contains("not arrived for over 7 days")), "{:?}", report.problems);
    assert!(content(&rs[1], &id).unwrap_err().contains("not arrived"));
    assert_eq!(rs[1].store.case(&case).unwrap().notes.len(), 1, "the later delta applied");

    // A blob that is not the recorded one (a member rewrote it under the attachment's own key,
    // or the share damaged it) is refused before anything of it is decrypted, and not kept.
    let mut swapped = held.clone();
    swapped[200_000] ^= 0x40;
    std::fs::write(&blob_path, &swapped).unwrap();
    let report = rs[1].sync();
    assert_eq!(state(&rs[1], &id), "refused");
    assert!(report.alarms.iter().any(|a| a.kind == "blob_refused"), "{:?}", report.alarms);
    assert!(vault_blobs(&rs[1]).is_empty(), "nothing of it stays in the vault");
    rs[1].sync();
    assert_eq!(state(&rs[1], &id), "refused", "an unchanged file is not read again");

    // The right file arrives: it is kept, and opens.
    std::fs::remove_file(&blob_path).unwrap();
    std::fs::write(&blob_path, &held).unwrap();
    set_mtime_later(&blob_path);
    rs[1].sync();
    assert_eq!(state(&rs[1], &id), "stored");
    assert_eq!(content(&rs[1], &id).unwrap(), data);

    // Delete on the author: its share file goes, and the receiver drops its blob and key.
    vault::delete(&mut rs[0].store, &id).unwrap();
    rs[0].sync();
    assert!(!blob_path.exists(), "the author removed its share file");
    rs[1].sync();
    assert!(rs[1].store.attachment(&id).is_err());
    assert!(vault_blobs(&rs[1]).is_empty(), "the receiver removed its blob");
    let key_rows: i64 = rs[1]
        .store
        .connection()
        .query_row("SELECT count(*) FROM changes WHERE tbl = 6 AND field = 7 AND value != zeroblob(32)", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(key_rows, 0, "the receiver scrubbed the key from its change log");
}

fn vault_blobs(r: &Replica) -> Vec<std::path::PathBuf> {
    let dir = r.dir.join("blobs");
    std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "cbb")).collect())
        .unwrap_or_default()
}

fn set_mtime_later(path: &std::path::Path) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5)).unwrap();
}

#[test]
fn a_blob_longer_than_its_record_is_refused_and_one_still_arriving_waits() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = roster_group(tmp.path(), &share, 2);
    let case = *rs[0].store.add_case(&case_json("Ivan")).unwrap().as_bytes();
    let data = bytes(70_000, 2);
    let id = attach(&mut rs[0], &case, &data);
    rs[0].sync();
    let blob_path = share.join(dev_hex(&rs[0])).join(format!("{}.blob", hex(&id)));
    let held = std::fs::read(&blob_path).unwrap();
    std::fs::write(&blob_path, &held[..held.len() / 2]).unwrap();
    rs[1].sync();
    assert_eq!(state(&rs[1], &id), "waiting", "half a file is still arriving");
    let mut longer = held.clone();
    longer.extend_from_slice(b"junk");
    std::fs::write(&blob_path, &longer).unwrap();
    rs[1].sync();
    assert_eq!(state(&rs[1], &id), "refused");
    std::fs::write(&blob_path, &held).unwrap();
    set_mtime_later(&blob_path);
    rs[1].sync();
    assert_eq!(content(&rs[1], &id).unwrap(), data);
}

#[test]
fn an_author_over_its_quota_waits_for_a_person_and_the_others_go_on() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = roster_group(tmp.path(), &share, 3);
    rs[2].store.set_blob_quotas(150_000, 10_000_000);
    let case = *rs[0].store.add_case(&case_json("Ivan")).unwrap().as_bytes();
    let ids: Vec<[u8; 16]> = (0..3).map(|i| attach(&mut rs[0], &case, &bytes(60_000, i))).collect();
    rs[0].sync();
    rs[1].sync();
    let other = *rs[1].store.add_case(&case_json("Пётр")).unwrap().as_bytes();
    let theirs = attach(&mut rs[1], &other, &bytes(50_000, 9));
    rs[1].sync();
    let report = rs[2].sync();
    let states: Vec<String> = ids.iter().map(|id| state(&rs[2], id)).collect();
    assert_eq!(states, ["stored", "stored", "over_quota"], "150 kB a day: the third waits");
    assert_eq!(state(&rs[2], &theirs), "stored", "another member's files go on");
    assert!(report.problems.iter().any(|p| p.problem.contains("attach accept")), "{:?}", report.problems);
    let (short, not_over) = (dev_hex(&rs[0])[..8].to_string(), dev_hex(&rs[1])[..8].to_string());
    assert!(casebook::sync::engine::accept_quota(&mut rs[2].store, &not_over).is_err(), "not over quota");
    assert_eq!(casebook::sync::engine::accept_quota(&mut rs[2].store, &short).unwrap(), 1);
    rs[2].sync();
    assert_eq!(content(&rs[2], &ids[2]).unwrap(), bytes(60_000, 2));
}
