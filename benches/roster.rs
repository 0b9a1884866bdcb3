//! Roster benchmarks (`cargo bench --bench roster`), each against a baseline measured in the
//! same run (issue 11's figures):
//!
//! 1. folding a roster of 1,000 entries (20 devices; heads, role changes, rotations sealed to
//!    every member) — goal ≤ 50 ms — the first time (every signature checked) and later (the
//!    vault remembers checked signatures), against reading every entry, hashing it and checking
//!    its signature once;
//! 2. revoking a device in a group of 20 (a rotation sealed to 19 keys, signed, then folded) —
//!    goal ≤ 1 s — against sealing 19 age boxes alone.

use std::time::{Duration, Instant};

use casebook::sync::roster::author;
use casebook::sync::roster::crypt::{self, BoxContext};
use casebook::sync::roster::entry::{self, Clear, Role, Sealed};
use casebook::sync::roster::fold::{fold, fold_with};
use casebook::sync::roster::sim::Group;

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("one run"))
}

fn group_of_20() -> Group {
    let mut g = Group::create(2026, "Coordinator 0");
    for i in 1..20 {
        let role = if i < 3 { Role::Coordinator } else { Role::Member };
        g.join(0, &format!("Laptop {i}"), role);
    }
    g
}

fn main() {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    // 1. A long roster: 20 devices, then entries written in turn until there are 1,000.
    let mut g = group_of_20();
    let mut last = g.fold().heads;
    let mut epoch = g.fold().epoch.expect("one epoch");
    let mut k = 0u64;
    while g.files.len() < 1000 {
        k += 1;
        let d = (k % 3) as usize; // the coordinators
        let id = if k.is_multiple_of(100) {
            let id = g.rotate((k % 20) as usize, None, Some(last.clone()));
            epoch = crypt::epoch_of(&id);
            id
        } else if k.is_multiple_of(10) {
            let target = 3 + (k % 17) as usize;
            let role = if k.is_multiple_of(20) { Role::Member } else { Role::Coordinator };
            let from_seq = g.devices[target].seq;
            g.write(
                d,
                Clear::Role { target: g.id(target) },
                Sealed::Role { role, from_seq },
                Some(last.clone()),
                Some(epoch),
            )
        } else {
            g.write(d, Clear::Head, Sealed::Time(k * 86_400_000), Some(last.clone()), Some(epoch))
        };
        last = vec![id];
    }
    let (fold_time, roster) = best(5, || fold(&g.genesis, &g.files, &g.keys).expect("folds"));
    assert!(roster.epoch.is_some() && roster.members().count() == 20, "{:?}", roster.alarms);
    let (warm_time, again) = best(5, || fold_with(&g.genesis, &g.files, &g.keys, &roster.verified).expect("folds"));
    assert_eq!(again, roster);
    let (verify_time, _) = best(5, || {
        for f in &g.files {
            let e = entry::decode(f).expect("valid");
            let author = roster.devices.get(&e.author).map(|d| d.sign);
            if let Some(k) = author {
                let _ = crypt::verify(&k, &f[..f.len() - 64], &e.signature);
            }
            let _ = crypt::entry_id(f);
        }
    });
    println!("Roster fold: {} entries, {} devices", g.files.len(), roster.devices.len());
    println!("  first fold (every signature checked)  {:>8.1} ms", ms(fold_time));
    println!("  later folds (signatures remembered)   {:>8.1} ms (goal ≤ 50 ms)", ms(warm_time));
    println!(
        "  reference: decode + hash + one signature check per entry {:>6.1} ms; fold = {:.2}× that",
        ms(verify_time),
        fold_time.as_secs_f64() / verify_time.as_secs_f64()
    );

    // 2. Revoking in a group of 20: a rotation sealed to 19, the entry signed, the roster folded.
    let mut revoke_time = Duration::MAX;
    for _ in 0..3 {
        let mut h = group_of_20();
        let t = Instant::now();
        h.revoke(0, 19, None, None);
        let r = h.fold();
        revoke_time = revoke_time.min(t.elapsed());
        assert!(!r.is_member(&h.id(19)) && r.epoch.is_some());
    }
    let g = group_of_20();
    let key = author::new_epoch_key(&mut casebook::entropy::SeededEntropy::new(3));
    let members: Vec<_> = g.fold().members().map(|(id, d)| (*id, d.boxk)).collect();
    let (boxes_time, _) = best(3, || {
        for (id, k) in members.iter().take(19) {
            let ctx = BoxContext { group: &g.group, author: &g.id(0), seq: 9, recipient: id, recipient_key: k };
            crypt::seal_box(&ctx, &key).expect("seals");
        }
    });
    println!("Revoking one device of 20 (rotation sealed to 19 keys, signed, folded)");
    println!("  revoke                                {:>8.1} ms (goal ≤ 1000 ms)", ms(revoke_time));
    println!(
        "  reference: 19 age boxes alone          {:>8.1} ms; revoke = {:.2}× that",
        ms(boxes_time),
        revoke_time.as_secs_f64() / boxes_time.as_secs_f64()
    );
}
