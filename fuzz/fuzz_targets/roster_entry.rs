//! Roster entries (docs/formats/roster.md section 2) on arbitrary bytes: never panics.
//!
//! `entry::decode` (an accepted entry re-encodes to exactly the input: one encoding per entry),
//! `fold::check_alone`, `entry::decode_sealed` for every kind (an accepted one re-encodes to the
//! input), and a fold of a small valid group with the input added as one more file (the fold
//! never fails for a bad extra entry, and the group's devices stay as they were unless the
//! input is a valid entry of that group, which random bytes never are).
#![no_main]

use std::sync::OnceLock;

use casebook::sync::roster::entry::Role;
use casebook::sync::roster::sim::Group;
use casebook::sync::roster::{entry, fold, Keyring, Roster};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    genesis: entry::EntryId,
    files: Vec<Vec<u8>>,
    keys: Keyring,
    roster: Roster,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut g = Group::create(7, "A");
        let b = g.join(0, "B", Role::Member);
        g.revoke(0, b, None, None);
        Fixture { genesis: g.genesis, files: g.files.clone(), keys: g.keys.clone(), roster: g.fold() }
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = entry::decode(data) {
        assert_eq!(entry::encode(&e), data, "a second encoding was accepted");
    }
    let _ = fold::check_alone(data);
    for kind in 1..=12 {
        if let Ok(s) = entry::decode_sealed(kind, data) {
            assert_eq!(entry::encode_sealed(&s), data);
        }
    }
    let f = fixture();
    let mut files = f.files.clone();
    files.push(data.to_vec());
    let r = fold::fold(&f.genesis, &files, &f.keys).expect("the genesis is there");
    assert_eq!(r.devices, f.roster.devices);
    assert_eq!(r.legacy, f.roster.legacy, "a bad extra entry made the group an upgrade");
});
