//! Publishing at lock, quit and suspend (docs/formats/delta.md section 6.2): the unsent
//! changes are sealed and recorded as sent without waiting for the share, so the keys can go at
//! once even when the share hangs; the file reaches the share when it answers again, and a file
//! the share never got is written again, byte for byte, by the next sync. (Its own test binary:
//! the share IO thread is one per process, and this test stalls it.)

mod sync_common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use casebook::sync::engine;
use sync_common::*;

fn wait_for(path: &std::path::Path) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn lock_publishes_without_waiting_for_a_hung_share_and_nothing_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    assert_eq!(engine::publish_at_lock(&mut rs[0].store).unwrap(), 0, "nothing unsent");
    let case = *rs[0].store.add_case(&case_json("Locked before syncing")).unwrap().as_bytes();
    let a = dev_hex(&rs[0]);
    let file = share.join(&a).join(delta(1));

    // The share hangs; lock comes.
    let stall = Arc::new(AtomicBool::new(true));
    rs[0].store.inject_share_stall(stall.clone());
    let t = Instant::now();
    assert_eq!(engine::publish_at_lock(&mut rs[0].store).unwrap(), 1);
    let took = t.elapsed();
    let placeholder = open_store(&tmp.path().join("placeholder"), 77, rs[0].clock.clone());
    drop(std::mem::replace(&mut rs[0].store, placeholder)); // the keys go
    assert!(took < Duration::from_secs(1), "publishing at lock took {took:?}");
    assert!(!file.exists(), "nothing reached the hung share yet");

    // The share answers: the queued file arrives, and the other device applies it.
    stall.store(false, Ordering::SeqCst);
    assert!(wait_for(&file), "the delta reached the share");
    let report = rs[1].sync();
    assert!(report.alarms.is_empty() && report.problems.is_empty(), "{report:?}");
    assert!(rs[1].store.case(&case).is_ok());

    // Unlocked again: nothing to republish, nothing sent twice.
    rs[0].reopen();
    let report = rs[0].sync();
    assert!(report.alarms.is_empty() && report.problems.is_empty(), "{report:?}");
    assert_eq!((report.sent_deltas, report.republished), (0, 0));

    // A file the share never got (lost before it arrived) is written again by the next sync.
    rs[0].store.add_case(&case_json("Second")).unwrap();
    assert_eq!(engine::publish_at_lock(&mut rs[0].store).unwrap(), 1);
    let second = share.join(&a).join(delta(2));
    assert!(wait_for(&second));
    let bytes = std::fs::read(&second).unwrap();
    std::fs::remove_file(&second).unwrap();
    rs[0].reopen();
    let report = rs[0].sync();
    assert_eq!(report.republished, 1, "{report:?}");
    assert_eq!(std::fs::read(&second).unwrap(), bytes, "byte for byte");
    let report = rs[1].sync();
    assert_eq!(applied(&report), vec![(a, 2)]);
}
