//! Clocks from the far future (docs/formats/delta.md sections 7 and 7.1): a member's value at
//! 2^63 − 1, 2^63 − 2 or ten years ahead is applied and flagged, never refused; it moves no
//! device's clock more than an hour past its wall clock; an edit made after seeing it replaces
//! it on every device, a resolution reaches every device, and a concurrent edit shows as a
//! conflict everywhere. A change may replace only values of its author's causal past, so
//! guessing another device's future clocks supersedes nothing, in either arrival order.

mod sync_common;

use casebook::entropy::Clock;
use casebook::model::{Value, CASE};
use casebook::store::hlc::{Hlc, DRIFT_MS};
use casebook::sync::engine;
use casebook::sync::format::WireClock;
use casebook::sync::seal::GroupKeys;
use sync_common::*;

const TEN_YEARS_MS: u64 = 10 * 365 * 86_400_000;

fn field(name: &str) -> u8 {
    CASE.field(name).unwrap().code
}

fn meta_hlc(r: &Replica) -> Hlc {
    Hlc(r.store.connection().query_row("SELECT value FROM meta WHERE key = 'hlc'", [], |x| x.get::<_, i64>(0)).unwrap()
        as u64)
}

/// The clock (hlc, device id) a replica holds for a case's field.
fn clock_of(r: &Replica, case: &[u8; 16], name: &str) -> (u64, [u8; 16]) {
    let (created, dev, blob): (i64, i64, Option<Vec<u8>>) = r
        .store
        .connection()
        .query_row("SELECT hlc, device, clocks FROM cases WHERE id = ?1", [&case[..]], |x| {
            Ok((x.get(0)?, x.get(1)?, x.get(2)?))
        })
        .unwrap();
    let code = field(name);
    let (hlc, idx) = blob
        .unwrap_or_default()
        .chunks_exact(13)
        .find(|e| e[0] == code)
        .map(|e| (u64::from_be_bytes(e[1..9].try_into().unwrap()), u32::from_be_bytes(e[9..13].try_into().unwrap())))
        .unwrap_or((created as u64, dev as u32));
    let id: Vec<u8> =
        r.store.connection().query_row("SELECT id FROM devices WHERE idx = ?1", [idx], |x| x.get(0)).unwrap();
    (hlc, id.try_into().unwrap())
}

/// The last delta a replica wrote.
fn sent_seq(r: &Replica) -> u64 {
    r.store.connection().query_row("SELECT max(seq) FROM sync_sent", [], |x| x.get::<_, i64>(0)).unwrap() as u64
}

fn city(r: &Replica, case: &[u8; 16]) -> Option<String> {
    r.store.case(case).unwrap().city
}

fn stage(r: &Replica, case: &[u8; 16]) -> String {
    r.store.case(case).unwrap().stage
}

struct Group {
    _tmp: tempfile::TempDir,
    share: std::path::PathBuf,
    rs: Vec<Replica>,
    keys: GroupKeys,
    group: [u8; 16],
    case: [u8; 16],
}

/// Three devices holding one case created by the first; its creation clock.
fn setup() -> (Group, (u64, [u8; 16])) {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 3);
    let case = *rs[0].store.add_case(&case_json("Олег Смирнов")).unwrap().as_bytes();
    for r in rs.iter_mut() {
        r.sync();
    }
    let (group, key) = group_secret(&rs[0].store);
    let created = clock_of(&rs[0], &case, "city");
    (Group { _tmp: tmp, share, rs, keys: GroupKeys::derive(1, &key), group, case }, created)
}

fn sync_all(g: &mut Group, rounds: usize) {
    for _ in 0..rounds {
        for r in g.rs.iter_mut() {
            let report = r.sync();
            assert!(report.problems.is_empty(), "{:?}", report.problems);
            assert!(
                !report.alarms.iter().any(|a| a.kind == "refused" || a.kind == "unsendable"),
                "{:?}",
                report.alarms
            );
        }
    }
}

#[test]
fn a_far_future_value_cuts_no_one_off_and_an_edit_after_it_replaces_it_everywhere() {
    for far in [(1u64 << 63) - 1, (1 << 63) - 2, (START_MS + TEN_YEARS_MS) << 16] {
        let (mut g, created) = setup();
        let mut m = Insider::new(&g.share, &g.keys, &g.group, 1);
        // The member has applied the case's creation and "edits" the stage with a far clock.
        m.deps = vec![(created.1, sent_seq(&g.rs[0]))];
        m.devices = vec![created.1];
        let mut c = change(1, g.case, field("stage"), far, Value::Text("closed".into()));
        c.prev = Some(WireClock { hlc: created.0, device: 1 });
        m.send(&g.share, &g.keys, &g.group, vec![c]);
        for r in g.rs.iter_mut() {
            let report = r.sync();
            assert_eq!(stage(r, &g.case), "closed", "applied, not refused ({far:#x})");
            let alarm = report.alarms.iter().find(|a| a.kind == "future_clock").expect("flagged");
            assert_eq!(alarm.device, hex(&m.id), "the alarm names the author");
            let bound = r.clock.now_ms() + DRIFT_MS;
            assert!(meta_hlc(r).millis() <= bound, "clock {:?} past wall + drift ({far:#x})", meta_hlc(r));
        }
        // Anna's edit after seeing it has a clock of today, and replaces it on every device.
        g.rs[0].store.update_case(&g.case, &obj(serde_json::json!({"stage": "vetting"}))).unwrap();
        let (hlc, _) = clock_of(&g.rs[0], &g.case, "stage");
        assert!(hlc < far && Hlc(hlc).millis() <= g.rs[0].clock.now_ms() + DRIFT_MS);
        sync_all(&mut g, 2);
        for r in &g.rs {
            assert_eq!(stage(r, &g.case), "vetting", "{far:#x}");
            assert!(r.store.conflicts().unwrap().is_empty(), "{:?}", r.store.conflicts().unwrap());
        }
        // A concurrent edit (made without seeing the far value) loses visibly: a conflict on
        // every device. Boris edits the city; the member's far city arrives at the same time.
        g.rs[1].store.update_case(&g.case, &obj(serde_json::json!({"city": "Тбилиси"}))).unwrap();
        let mut c = change(1, g.case, field("city"), far - 1, Value::Text("Нигде".into()));
        c.prev = Some(WireClock { hlc: created.0, device: 1 });
        m.send(&g.share, &g.keys, &g.group, vec![c]);
        sync_all(&mut g, 2);
        for r in &g.rs {
            assert_eq!(city(r, &g.case).as_deref(), Some("Нигде"));
            let conflicts = r.store.conflicts().unwrap();
            assert_eq!(conflicts.len(), 1, "{conflicts:?}");
            assert_eq!(conflicts[0].values[1].value, "Тбилиси");
        }
        // Anna keeps Boris's value: her resolution reaches every device and leaves one head.
        let id = g.rs[0].store.conflicts().unwrap()[0].id.clone();
        g.rs[0].store.resolve_conflict(&id, 2).unwrap();
        sync_all(&mut g, 2);
        let snapshots: Vec<String> = g.rs.iter().map(|r| snapshot(&r.store)).collect();
        assert!(snapshots.windows(2).all(|w| w[0] == w[1]), "replicas differ ({far:#x})");
        for r in &g.rs {
            assert_eq!(city(r, &g.case).as_deref(), Some("Тбилиси"));
            assert!(r.store.conflicts().unwrap().is_empty());
            assert!(meta_hlc(r).millis() <= r.clock.now_ms() + DRIFT_MS);
        }
        // Everyone keeps exchanging.
        let later = *g.rs[2].store.add_case(&case_json("Later")).unwrap().as_bytes();
        sync_all(&mut g, 2);
        assert!(g.rs[0].store.case(&later).is_ok() && g.rs[1].store.case(&later).is_ok());
    }
}

#[test]
fn naming_guessed_future_clocks_of_another_device_supersedes_nothing_in_either_order() {
    let (mut g, created) = setup();
    let mut m = Insider::new(&g.share, &g.keys, &g.group, 2);
    m.deps = vec![(created.1, sent_seq(&g.rs[0]))];
    let boris = g.rs[1].store.device_id().unwrap();
    m.devices = vec![created.1, boris];
    // Device 2 stays away from the share while the others go on (it sees the member first).
    g.rs[1].store.update_case(&g.case, &obj(serde_json::json!({"city": "Гюмри"}))).unwrap();
    let boris_clock = clock_of(&g.rs[1], &g.case, "city");
    assert_eq!(boris_clock.1, boris);
    // The member names Boris's clock, which it could only have guessed: its dependencies do
    // not cover Boris's delta. Its own value is older than Boris's.
    let mut c = change(1, g.case, field("city"), boris_clock.0 - 5, Value::Text("Подмена".into()));
    c.prev = Some(WireClock { hlc: created.0, device: 1 });
    c.supersedes = vec![WireClock { hlc: boris_clock.0, device: 2 }];
    m.send(&g.share, &g.keys, &g.group, vec![c]);
    // Device 3 applies the member's delta before Boris's edit is on the share.
    g.rs[2].sync();
    assert_eq!(city(&g.rs[2], &g.case).as_deref(), Some("Подмена"));
    // Boris publishes; Anna applies his edit and the member's delta in one sync (Boris's
    // value is present when the member's change arrives), device 3 sees Boris's edit after.
    g.rs[1].sync();
    g.rs[0].sync();
    g.rs[2].sync();
    sync_all(&mut g, 1);
    for r in &g.rs {
        assert_eq!(city(r, &g.case).as_deref(), Some("Гюмри"), "Boris's edit stands on every device");
        let conflicts = r.store.conflicts().unwrap();
        assert_eq!(conflicts.len(), 1, "the member's value is a conflict to review: {conflicts:?}");
        assert_eq!(conflicts[0].values[1].value, "Подмена");
    }
    let snapshots: Vec<String> = g.rs.iter().map(|r| snapshot(&r.store)).collect();
    assert!(snapshots.windows(2).all(|w| w[0] == w[1]), "replicas differ:\n{}", snapshots.join("\n---\n"));
}

#[test]
fn a_vault_whose_clock_an_old_version_moved_to_the_ceiling_edits_normally_after_opening() {
    let (mut g, _) = setup();
    for poisoned in [(1u64 << 63) - 1, (START_MS + TEN_YEARS_MS) << 16] {
        // What a v1 import of a bundle with clocks 7fff… did to the vault's clock.
        g.rs[1].store.connection().execute("UPDATE meta SET value = ?1 WHERE key = 'hlc'", [poisoned as i64]).unwrap();
        g.rs[1].reopen();
        let repaired = meta_hlc(&g.rs[1]);
        assert!(repaired.millis() <= g.rs[1].clock.now_ms() + DRIFT_MS, "{repaired:?}");
        let own_max: Option<i64> = g.rs[1]
            .store
            .connection()
            .query_row(
                "SELECT max(c.hlc) FROM changes c JOIN devices d ON d.idx = c.device WHERE d.local = 1",
                [],
                |x| x.get(0),
            )
            .unwrap();
        assert_eq!(repaired.0, own_max.unwrap_or(0) as u64, "back to its greatest own clock");
        let name = format!("Edited after repair {poisoned:x}");
        g.rs[1].store.update_case(&g.case, &obj(serde_json::json!({"full_name": name}))).unwrap();
        sync_all(&mut g, 2);
        for r in &g.rs {
            assert_eq!(r.store.case(&g.case).unwrap().full_name, name);
        }
        let status = engine::status(&g.rs[0].store).unwrap();
        assert!(status.alarms.iter().all(|a| a.kind != "refused"), "{:?}", status.alarms);
    }
}

// The first attack of the sync v2 issue, a full bundle whose clocks are `7fffffffffffffff`,
// is tried in tests/exchange_trust.rs (`clocks_of_a_bundle_never_enter_the_vault_nor_speak_for_its_device`):
// since bundle version 2 no clock of a bundle enters the vault at all (docs/formats/bundle.md
// section 4), and a version-1 bundle carrying such clocks (naming the importer's own device)
// only creates, with this device's clock, and the device keeps syncing.

/// An alarm a person has dealt with can be closed (`share dismiss`): it is no longer listed, a
/// wrong id or kind is refused, and the same alarm is not raised again.
#[test]
fn a_dealt_with_alarm_is_dismissed_and_stays_closed() {
    let (mut g, created) = setup();
    let mut m = Insider::new(&g.share, &g.keys, &g.group, 3);
    m.devices = vec![created.1];
    let mut c = change(1, g.case, field("city"), (START_MS + TEN_YEARS_MS) << 16, Value::Text("Далеко".into()));
    c.prev = Some(WireClock { hlc: created.0, device: 1 });
    m.send(&g.share, &g.keys, &g.group, vec![c]);
    g.rs[0].sync();
    let open = |r: &Replica| engine::status(&r.store).unwrap().alarms;
    let alarm = open(&g.rs[0]).into_iter().find(|a| a.kind == "future_clock").expect("raised");
    assert!(engine::dismiss_alarm(&mut g.rs[0].store, &alarm.device, alarm.seq, "fork").is_err());
    assert!(engine::dismiss_alarm(&mut g.rs[0].store, "not a device", alarm.seq, &alarm.kind).is_err());
    engine::dismiss_alarm(&mut g.rs[0].store, &alarm.device, alarm.seq, &alarm.kind).unwrap();
    assert!(open(&g.rs[0]).iter().all(|a| a.kind != "future_clock"));
    assert!(
        engine::dismiss_alarm(&mut g.rs[0].store, &alarm.device, alarm.seq, &alarm.kind).is_err(),
        "closed already"
    );
    g.rs[0].sync();
    assert!(open(&g.rs[0]).iter().all(|a| a.kind != "future_clock"), "not raised again");
}
