//! A member "creates" a record another member created (review S3): the same id, the same
//! kind, another case and another body, without naming the genuine creation. The merge decides
//! it the same way in every arrival order, nobody is blocked, the competing values are listed
//! as conflicts on every replica, and the note always shows the device that wrote its text.

mod sync_common;

use casebook::model::Value;
use sync_common::*;

fn race(forged_later: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let mut rs = group(tmp.path(), &share, 3);
    let c1 = *rs[0].store.add_case(&case_json("Ivan")).unwrap().as_bytes();
    let c2 = *rs[0].store.add_case(&case_json("Pyotr")).unwrap().as_bytes();
    for r in rs.iter_mut() {
        r.sync();
    }
    for r in rs.iter_mut() {
        r.sync();
    }
    let (group_id, key) = group_secret(&rs[0].store);
    let keys = casebook::sync::seal::GroupKeys::derive(1, &key);
    // Anna's note, not on the share yet: the member read its id elsewhere (or guessed it).
    let note = *rs[0].store.add_note(&c1, "Anna: met him at the consulate").unwrap().as_bytes();
    let anna_hlc: i64 =
        rs[0].store.connection().query_row("SELECT hlc FROM notes WHERE id = ?1", [&note[..]], |r| r.get(0)).unwrap();
    let task = *rs[0].store.add_task(&c1, "File the appeal", None).unwrap().as_bytes();
    let hlc = if forged_later { anna_hlc as u64 + (60_000 << 16) } else { anna_hlc as u64 - (60_000 << 16) };
    let mut m = Insider::new(&share, &keys, &group_id, 7);
    m.send(
        &share,
        &keys,
        &group_id,
        vec![
            change(4, note, 1, hlc, Value::Blob(c2.to_vec())),
            change(4, note, 2, hlc, Value::Text("Anna: he asked to be sent back".into())),
            // A task "created" again: a field Anna left unset, and a flag at its default.
            change(3, task, 1, hlc, Value::Blob(c1.to_vec())),
            change(3, task, 2, hlc, Value::Text("Withdraw the appeal".into())),
            change(3, task, 3, hlc, Value::Text("2027-01-15".into())),
            change(3, task, 4, hlc, Value::Int(0)),
        ],
    );
    let m_dir = share.join(hex(&m.id));
    let aside = tmp.path().join("aside");
    // B sees the member's creation first; C sees Anna's first.
    rs[1].sync();
    std::fs::rename(&m_dir, &aside).unwrap();
    rs[0].sync();
    rs[2].sync();
    std::fs::rename(&aside, &m_dir).unwrap();
    for _ in 0..2 {
        for r in rs.iter_mut() {
            let report = r.sync();
            assert!(report.alarms.iter().all(|a| a.kind != "refused"), "{report:?}");
        }
    }
    let snaps: Vec<String> = rs.iter().map(|r| snapshot(&r.store)).collect();
    assert_eq!(snaps[0], snaps[1], "Anna and B (member first) differ");
    assert_eq!(snaps[0], snaps[2], "Anna and C (Anna first) differ");
    let m_short: String = hex(&m.id)[..8].to_string();
    let anna_short: String = dev_hex(&rs[0])[..8].to_string();
    let note_id = uuid::Uuid::from_bytes(note).to_string();
    for r in &rs {
        let shown = [c1, c2]
            .iter()
            .flat_map(|c| r.store.case(c).unwrap().notes)
            .find(|n| n.id == note_id)
            .expect("the note is shown in one of the cases");
        // The text shown and the device named with it belong together.
        let expect = if forged_later {
            ("Anna: he asked to be sent back", &m_short)
        } else {
            ("Anna: met him at the consulate", &anna_short)
        };
        assert_eq!((shown.body.as_str(), &shown.author_device), (expect.0, expect.1), "forged later: {forged_later}");
        // Note: case and text; task: title. The due date Anna left unset and the flag at its
        // default compete with nothing.
        let fields: Vec<(String, String)> =
            r.store.conflicts().unwrap().into_iter().map(|c| (c.record, c.field)).collect();
        let expect: Vec<(String, String)> = [("note", "case_id"), ("note", "body"), ("task", "title")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let mut sorted = fields.clone();
        sorted.sort();
        let mut e = expect.clone();
        e.sort();
        assert_eq!(sorted, e, "the competing values are listed, and only they");
    }
}

#[test]
fn a_forged_earlier_creation_converges() {
    race(false);
}

#[test]
fn a_forged_later_creation_converges() {
    race(true);
}
