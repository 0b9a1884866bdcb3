//! `share upgrade` end to end (docs/formats/roster.md section 6, review finding F8): a group made
//! without a roster becomes one run by the device that upgrades it; the old group's history
//! stays readable by every member of the new group, up to what the upgrader had accepted;
//! nothing later of the old group counts; every other device joins again with the code check,
//! losing nothing it wrote; the old group key opens nothing new.

mod sync_common;

use std::fs;
use std::path::Path;

use casebook::error::Error;
use casebook::sync::engine::{self, members, upgrade};
use casebook::sync::format;
use casebook::sync::seal::{self, GroupKeys};
use sync_common::hostile::{add_cases, cases};
use sync_common::{group, pass, snapshot, Replica, WEAK};

const WORDS: &str = "tobako-rimesu-kanelo-dufa";

/// Invites a device into the upgraded group and approves it with the code it reads out.
fn admit(u: &mut Replica, r: &mut Replica, share: &Path) {
    let invite = members::invite(&mut u.store, &pass(WORDS), WEAK).unwrap();
    let joined = members::join(&mut r.store, share, &invite, &pass(WORDS), None).unwrap();
    assert_eq!(joined.state, "pending");
    r.sync();
    assert_eq!(engine::status(&r.store).unwrap().state.as_deref(), Some("pending"));
    u.sync();
    let device = members::requests(&mut u.store).unwrap().remove(0).device;
    members::approve(&mut u.store, &device, &joined.code).unwrap();
    r.sync();
    r.sync();
    assert_eq!(engine::status(&r.store).unwrap().state.as_deref(), Some("member"));
}

fn everyone_syncs(rs: &mut [&mut Replica]) {
    for _ in 0..2 {
        for r in rs.iter_mut() {
            r.sync();
        }
    }
}

#[test]
fn an_old_group_becomes_a_roster_group_and_nobody_loses_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 5);
    let mut sybil = rs.pop().unwrap();
    let mut d = rs.pop().unwrap();
    let mut c = rs.pop().unwrap();
    let mut b = rs.pop().unwrap();
    let mut u = rs.pop().unwrap();
    add_cases(&mut u, "Upgrader", 2);
    add_cases(&mut b, "Boris", 2);
    add_cases(&mut c, "Chingiz", 1);
    add_cases(&mut d, "Dmitri", 1);
    everyone_syncs(&mut [&mut u, &mut b, &mut c, &mut d]);
    assert_eq!(cases(&u.store), 6);
    // Sent to the old group before the upgrade, not yet applied by the upgrader: its upgrade
    // reads it first. Written and never sent: it goes out under the new group later.
    add_cases(&mut b, "Boris late", 1);
    b.sync();
    add_cases(&mut c, "Chingiz unsent", 1);
    // Anyone holding the old group key could make a device of it (a sybil): B applied what it
    // wrote, then the share hid it from the upgrader. It counts for nothing in the new group.
    add_cases(&mut sybil, "Sybil", 1);
    sybil.sync();
    b.sync();
    assert_eq!(cases(&b.store), 8);
    let hidden = tmp.path().join("hidden");
    fs::rename(share.join(sync_common::dev_hex(&sybil)), &hidden).unwrap();
    let old_marker = fs::read(share.join("casebook.share")).unwrap();

    let up = upgrade::upgrade(&mut u.store).unwrap();
    assert!(up.recovery_key.starts_with("CBGR-"));
    assert_eq!(up.old_devices, 4, "the upgrader and the three devices it had deltas of");
    assert_eq!(cases(&u.store), 7);
    assert!(upgrade::upgrade(&mut u.store).is_err(), "a group is upgraded once");
    let st = engine::status(&u.store).unwrap();
    assert_eq!(st.state.as_deref(), Some("member"));
    let legacy = st.devices.iter().filter(|d| d.state.as_deref() == Some("legacy")).count();
    assert_eq!(legacy, 4, "the old devices are listed as such: {:?}", st.devices);

    // The old group's devices stop: their share is another group's now.
    let err = engine::sync(&mut b.store).unwrap_err();
    assert!(matches!(err, Error::ShareUnreachable { .. }), "{err}");
    assert!(err.to_string().contains("join again"), "{err}");
    // A device still on the old group (or anybody holding its key) writes to it anyway.
    let new_marker = fs::read(share.join("casebook.share")).unwrap();
    fs::write(share.join("casebook.share"), &old_marker).unwrap();
    add_cases(&mut d, "Dmitri after", 1);
    assert_eq!(d.sync().sent_deltas, 1);
    fs::write(share.join("casebook.share"), &new_marker).unwrap();

    // The upgrader writes under the new group; the old key opens none of it.
    add_cases(&mut u, "Upgrader after", 1);
    let report = u.sync();
    assert!(report.alarms.is_empty(), "{:?}", report.alarms);
    let (old_key, old_epoch): (Vec<u8>, u32) = d
        .store
        .connection()
        .query_row("SELECT group_key, epoch FROM shares", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    let old_keys = GroupKeys::derive(old_epoch.max(1), &old_key.as_slice().try_into().unwrap());
    let mine = share.join(&up.attachment.device_id);
    let mut opened_new = 0;
    for f in fs::read_dir(&mine).unwrap().flatten() {
        if f.file_name().to_string_lossy().ends_with(".delta") {
            let bytes = fs::read(f.path()).unwrap();
            let parts = format::decode_delta(&bytes).unwrap();
            assert!(seal::open_body(&old_keys, &parts).is_err(), "the old group key opened a delta of the new group");
            opened_new += 1;
        }
    }
    assert!(opened_new >= 1);

    // A new device reads the old group's history up to what the upgrade counted, and nothing
    // the old group got later.
    let mut f = Replica::new(&tmp.path().join("f"), 9);
    admit(&mut u, &mut f, &share);
    let report = f.sync();
    assert_eq!(cases(&f.store), 8, "U 2 + B 3 + C 1 + D 1 + U after 1");
    let late = report.waiting.iter().find(|w| w.state == "quarantined").expect("the old group's late delta waits");
    assert!(late.reason.contains("upgraded from"), "{}", late.reason);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // Never applied, so never rolled back: nothing to quarantine on the new device.
    assert!(engine::status(&f.store).unwrap().quarantine.is_empty(), "the new device applied the late delta");

    // Each old device joins again, as a new device approved by its code; what it wrote after
    // the upgrade's cutoff (sent too late, or never) reaches everyone.
    add_cases(&mut b, "Boris between", 1);
    admit(&mut u, &mut b, &share);
    admit(&mut u, &mut c, &share);
    admit(&mut u, &mut d, &share);
    everyone_syncs(&mut [&mut u, &mut b, &mut c, &mut d, &mut f]);
    for r in [&u, &b, &c, &d, &f] {
        assert_eq!(cases(&r.store), 11, "every case of every device, once");
    }
    let want = snapshot(&u.store);
    for r in [&b, &c, &d, &f] {
        assert_eq!(snapshot(&r.store), want, "replica {} differs", r.seed);
    }
}

#[test]
fn upgrade_is_refused_where_it_does_not_apply() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lone = Replica::new(&tmp.path().join("lone"), 1);
    assert!(matches!(upgrade::upgrade(&mut lone.store), Err(Error::ShareState { .. })), "not attached");
    let roster_share = tmp.path().join("roster");
    members::create(&mut lone.store, &roster_share).unwrap();
    let err = upgrade::upgrade(&mut lone.store).err().unwrap();
    assert!(err.to_string().contains("roster already"), "{err}");

    // A vault of an old group cannot use an invite to a group that is not its group's upgrade.
    let old_share = tmp.path().join("old");
    let mut rs = group(&tmp.path().join("g"), &old_share, 2);
    let invite = members::invite(&mut lone.store, &pass(WORDS), WEAK).unwrap();
    let err = members::join(&mut rs[1].store, &roster_share, &invite, &pass(WORDS), None).unwrap_err();
    assert!(matches!(err, Error::ShareState { .. }), "{err}");
    assert!(engine::status(&rs[1].store).unwrap().state.is_none(), "the old vault was moved anyway");
}

#[test]
fn an_upgrade_stopped_before_its_last_step_is_finished_by_the_next_sync() {
    struct StopAt(&'static str);
    impl casebook::entropy::Faults for StopAt {
        fn fails(&self, _: &str) -> bool {
            false
        }
        fn reached(&self, point: &str) {
            if point == self.0 {
                panic!("stopped at {point}");
            }
        }
    }
    for point in ["upgrade-recorded", "upgrade-entry-written"] {
        let tmp = tempfile::tempdir().unwrap();
        let share = tmp.path().join("share");
        let mut rs = group(tmp.path(), &share, 2);
        add_cases(&mut rs[0], "Upgrader", 1);
        add_cases(&mut rs[1], "Boris", 1);
        everyone_syncs(&mut rs.iter_mut().collect::<Vec<_>>());
        let mut b = rs.pop().unwrap();
        let mut u = rs.pop().unwrap();
        let old_marker = fs::read(share.join("casebook.share")).unwrap();
        u.store.inject_faults(Box::new(StopAt(point)));
        let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| upgrade::upgrade(&mut u.store)));
        assert!(stopped.is_err(), "{point}: the fault did not stop the upgrade");
        assert_eq!(fs::read(share.join("casebook.share")).unwrap(), old_marker, "{point}: the marker moved early");
        u.reopen();
        let report = u.sync();
        assert!(report.problems.is_empty() && report.alarms.is_empty(), "{point}: {report:?}");
        assert_ne!(fs::read(share.join("casebook.share")).unwrap(), old_marker, "{point}: the marker is still old");
        let mut f = Replica::new(&tmp.path().join("f"), 9);
        admit(&mut u, &mut f, &share);
        assert_eq!(cases(&f.store), 2, "{point}");
        admit(&mut u, &mut b, &share);
        assert_eq!(cases(&b.store), 2, "{point}");
    }
}

fn names(r: &Replica) -> Vec<String> {
    let filter = casebook::store::read::CaseFilter::default();
    let mut v: Vec<String> = r.store.list_cases(&filter, 0, 100).unwrap().into_iter().map(|c| c.full_name).collect();
    v.sort();
    v
}

/// The upgrade names the version of each old device's last delta that counts: a share that
/// shows new members another version, signed by the same old device (a copy of its vault),
/// feeds them nothing of it, and they are told.
#[test]
fn another_version_of_a_named_delta_is_never_applied_and_is_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 2);
    everyone_syncs(&mut rs.iter_mut().collect::<Vec<_>>());
    let mut d = rs.pop().unwrap();
    let mut u = rs.pop().unwrap();
    // A copy of D's vault, syncing into a copy of the share, writes another delta 1.
    let elsewhere = tmp.path().join("share-copy");
    sync_common::hostile::copy_dir(&share, &elsewhere);
    let mut copy = sync_common::hostile::clone_vault(&mut d, &tmp.path().join("d-copy"));
    copy.store.connection().execute("UPDATE shares SET path = ?1", [elsewhere.to_str().unwrap()]).unwrap();
    add_cases(&mut d, "Real", 1);
    d.sync();
    u.sync();
    add_cases(&mut copy, "Fake", 1);
    copy.sync();
    upgrade::upgrade(&mut u.store).unwrap();
    let dir = sync_common::dev_hex(&d);
    fs::copy(elsewhere.join(&dir).join("000000000001.delta"), share.join(&dir).join("000000000001.delta")).unwrap();

    let mut f = Replica::new(&tmp.path().join("f"), 9);
    admit(&mut u, &mut f, &share);
    let report = f.sync();
    assert!(!names(&f).iter().any(|n| n.starts_with("Fake")), "the other version was applied: {:?}", names(&f));
    // Caught by the receipts the upgrader's deltas carry (a fork alarm), or by the id the
    // upgrade names (refused): either way shown, never applied.
    let st = engine::status(&f.store).unwrap();
    let forked = st.alarms.iter().any(|a| a.kind == "fork" && a.device == dir);
    let refused = report.problems.iter().any(|p| p.file.starts_with(&dir) && p.problem.contains("not the version"));
    assert!(forked || refused, "the other version went unreported: {report:?} {:?}", st.alarms);
    // The upgrader, shown the two versions too, treats D as forked (delta.md section 11): it
    // takes back what it had applied, for a person to keep on request; nobody holds the copy's.
    assert!(!names(&u).iter().any(|n| n.starts_with("Fake")));
    assert!(engine::status(&u.store).unwrap().quarantine.iter().any(|q| q.device == dir && q.changes > 0));
}
