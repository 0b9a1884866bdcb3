//! A share that never answers (a hung network mount): the sync waiting on it stops within a
//! second when cancelled (the app's lock), the store can be dropped at once — its keys with
//! it — while the stuck read stays in the share IO thread, which holds only paths and
//! ciphertext; and once the share answers again, the next sync completes with no alarm.
//! (Its own test binary: the share IO thread is one per process, and this test stalls it.)

mod sync_common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use casebook::error::Error;
use casebook::sync::engine;
use sync_common::*;

#[test]
fn a_sync_stuck_on_a_share_that_never_answers_is_cancelled_within_a_second() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    let case = *rs[0].store.add_case(&case_json("Ждёт в Тбилиси")).unwrap().as_bytes();
    rs[0].sync();
    let mut b = rs.pop().unwrap();
    b.store.add_case(&case_json("Local edit while the share hangs")).unwrap();

    for when in ["at once", "after 300 ms"] {
        let stall = Arc::new(AtomicBool::new(true));
        let mut store =
            std::mem::replace(&mut b.store, open_store(&tmp.path().join(format!("x{when}")), 90, b.clock.clone()));
        store.inject_share_stall(stall.clone());
        let cancel = store.cancel_handle();
        let syncing = std::thread::spawn(move || {
            let r = engine::sync(&mut store);
            drop(store); // the keys go with the store, in the thread that held it
            r
        });
        if when != "at once" {
            std::thread::sleep(Duration::from_millis(300));
        }
        let t = Instant::now();
        cancel.cancel();
        let result = syncing.join().unwrap();
        let took = t.elapsed();
        assert!(matches!(result, Err(Error::Cancelled)), "{when}: {result:?}");
        assert!(took < Duration::from_secs(1), "{when}: stopped after {took:?}");
        // The share answers again: the vault opens and syncs normally.
        stall.store(false, Ordering::SeqCst);
        b.reopen();
        let report = b.sync();
        assert!(report.alarms.is_empty(), "{when}: {:?}", report.alarms);
        assert!(report.problems.is_empty(), "{when}: {:?}", report.problems);
        assert!(b.store.case(&case).is_ok(), "{when}: the other device's case arrived");
    }
    // What this device wrote while the share hung reached the others.
    let report = rs[0].sync();
    assert!(report.alarms.is_empty(), "{:?}", report.alarms);
    assert_eq!(rs[0].store.count_cases(&Default::default()).unwrap(), 2);
}
