//! Export bundles (docs/formats/bundle.md) on arbitrary bytes: never panics.
//!
//! The input is read as the archive inside a bundle (`bundle::read`, every bound checked before
//! expansion), as a whole decrypted bundle (`import::check`: manifest, hashes, schema, every
//! field), and as an age file (`crypt::decrypt` with a fixed identity). Then, so that mutations
//! reach the JSON and field checks past the manifest's hashes, the input is placed as
//! `cases.json` in an otherwise valid archive whose manifest carries its right size and hash.
//! Checks besides "no panic": an accepted archive holds exactly the entries of version 1 or 2.
//! (The version-2 signed path has its own target, `bundle_signed`.)
#![no_main]

use std::sync::OnceLock;

use casebook::export::{bundle, crypt, import};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fn identity() -> &'static age::x25519::Identity {
    static ID: OnceLock<age::x25519::Identity> = OnceLock::new();
    ID.get_or_init(age::x25519::Identity::generate)
}

fn manifest_for(cases_json: &[u8]) -> Vec<u8> {
    let hash = |b: &[u8]| Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect::<String>();
    let csv = b"id\r\n";
    let readme = b"readme";
    serde_json::to_vec(&serde_json::json!({
        "format": "casebook-bundle", "version": 1, "created": "2026-11-23T00:00:00.000Z",
        "vault_id": "0193a5c2-0000-7000-8000-000000000001", "profile": "full",
        "counts": {"cases": 0, "notes": 0, "tasks": 0, "events": 0},
        "entries": {
            "cases.json": {"size": cases_json.len(), "sha256": hash(cases_json)},
            "cases.csv": {"size": csv.len(), "sha256": hash(csv)},
            "README.txt": {"size": readme.len(), "sha256": hash(readme)}
        }
    }))
    .expect("json")
}

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = bundle::read(data) {
        assert!(entries.len() == bundle::ENTRIES.len() || entries.len() == bundle::ENTRIES_V2.len());
    }
    let _ = import::check(data, [0; 32]);
    let _ = crypt::decrypt(data, crypt::Key::Identity(identity()));
    let manifest = manifest_for(data);
    if let Ok(zip) = bundle::write(&[
        ("manifest.json", &manifest),
        ("cases.json", data),
        ("cases.csv", b"id\r\n"),
        ("README.txt", b"readme"),
    ]) {
        let _ = import::check(&zip, [0; 32]);
    }
});
