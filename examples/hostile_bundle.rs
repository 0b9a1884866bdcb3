//! Bundles for the memory measurement of an import (`scripts/measure-import-memory.sh`, issue
//! 12: "peak memory of importing a hostile 300 MiB bundle ≤ 400 MiB"). Each is a real age file
//! encrypted to `RECIPIENT`, whose archive is in the layout Casebook accepts, so that the
//! reader gets as far as a hostile file can take it:
//!
//! - `baseline.age`: 1,000 ordinary cases (the baseline of the same run);
//! - `big_entry.age`: a 299 MiB file (a version-2 reader holds at most the 160 MiB archive cap of it) whose archive
//!   stores a README.txt of 298 MiB of random bytes;
//! - `worst_within_caps.age`: an archive just within every cap (159 MiB: a README.txt and a
//!   cases.csv of 60 MiB of random bytes each, and a cases.json of one case with 1.99 million
//!   aliases, just under the cap on JSON values): the most a reader builds before it refuses;
//! - `wide_json.age`: a cases.json of one case whose aliases are 100 million zeros (200 MiB of
//!   text, compressed to about 200 KiB): a JSON reader that builds values first needs gigabytes;
//! - `nested_json.age`: a cases.json of 200 MiB of nested arrays.
//!
//! Version-1 archives (unsigned, hashes in the manifest): the signature is not what is
//! measured. Usage: `hostile_bundle RECIPIENT OUT_DIR`

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A version-1 archive: manifest (with each entry's size and hash), cases.json, cases.csv and
/// README.txt; `stored` entries are not compressed.
fn archive(cases_json: &[u8], readme: &[u8], n: usize, stored: bool) -> Result<Vec<u8>> {
    archive_with(cases_json, readme, b"id\r\n", n, stored)
}

fn archive_with(cases_json: &[u8], readme: &[u8], csv: &[u8], n: usize, stored: bool) -> Result<Vec<u8>> {
    let csv = csv.to_vec();
    let info = |b: &[u8]| serde_json::json!({"size": b.len(), "sha256": hex(&Sha256::digest(b))});
    let manifest = serde_json::to_vec(&serde_json::json!({
        "format": "casebook-bundle", "version": 1, "created": "2026-11-23T00:00:00.000Z",
        "vault_id": "0193a5c2-0000-7000-8000-000000000001", "profile": "full",
        "counts": {"cases": n, "notes": 0, "tasks": 0, "events": 0},
        "entries": {"cases.json": info(cases_json), "cases.csv": info(&csv), "README.txt": info(readme)}
    }))?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let store = deflate.compression_method(zip::CompressionMethod::Stored);
    for (name, bytes, opts) in [
        ("manifest.json", &manifest[..], deflate),
        ("cases.json", cases_json, deflate),
        ("cases.csv", &csv[..], if stored { store } else { deflate }),
        ("README.txt", readme, if stored { store } else { deflate }),
    ] {
        zip.start_file(name, opts)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

fn seal(zip: &[u8], recipient: &str, out: &Path) -> Result<()> {
    let r: age::x25519::Recipient = recipient.parse().map_err(|e: &str| e.to_string())?;
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))?;
    let file = std::fs::File::create(out)?;
    let mut w = enc.wrap_output(std::io::BufWriter::new(file))?;
    w.write_all(zip)?;
    w.finish()?.flush()?;
    Ok(())
}

fn cases_doc(cases: Vec<serde_json::Value>) -> Vec<u8> {
    serde_json::to_vec(
        &serde_json::json!({"format": "casebook-cases", "version": 1, "profile": "full", "cases": cases}),
    )
    .expect("json")
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, recipient, dir] = &args[..] else {
        return Err("usage: hostile_bundle RECIPIENT OUT_DIR".into());
    };
    let dir = Path::new(dir);
    std::fs::create_dir_all(dir)?;
    let id = |i: usize| format!("01a208bd-a11f-8a01-92fe-{i:012x}");
    let case = |i: usize| {
        serde_json::json!({"id": id(i), "created_at": "2026-11-01T00:00:00.000Z", "updated_at": "2026-11-01T00:00:00.000Z",
            "fields": {"full_name": format!("Person {i}"), "stage": "vetting", "country": "AM", "city": "Gyumri"}})
    };
    let baseline = cases_doc((0..1000).map(case).collect());
    seal(&archive(&baseline, b"readme", 1000, false)?, recipient, &dir.join("baseline.age"))?;

    // Random bytes do not compress: the archive is as large as its stored entries.
    let random = |n: usize, seed: u64| {
        let mut out = vec![0u8; n];
        let mut x = seed | 1;
        for chunk in out.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        out
    };
    let readme = random(298 * 1024 * 1024, 0x9e37_79b9_7f4a_7c15);
    seal(&archive(&cases_doc(vec![case(0)]), &readme, 1, true)?, recipient, &dir.join("big_entry.age"))?;
    drop(readme);

    let mut many = br#"{"format":"casebook-cases","version":1,"profile":"full","cases":[{"id":""#.to_vec();
    many.extend_from_slice(id(0).as_bytes());
    many.extend_from_slice(br#"","created_at":"2026-11-01T00:00:00.000Z","updated_at":"2026-11-01T00:00:00.000Z","fields":{"full_name":"x","aliases":["#);
    many.extend(std::iter::repeat_n(*b"\"aaaaaaaaaaaaaaaaa\",", 1_990_000).flatten());
    many.extend_from_slice(b"\"a\"]}}]}");
    let (readme, csv) = (random(60 * 1024 * 1024, 7), random(60 * 1024 * 1024, 11));
    seal(&archive_with(&many, &readme, &csv, 1, true)?, recipient, &dir.join("worst_within_caps.age"))?;
    drop((readme, csv, many));

    let mut wide = br#"{"format":"casebook-cases","version":1,"profile":"full","cases":[{"id":""#.to_vec();
    wide.extend_from_slice(id(0).as_bytes());
    wide.extend_from_slice(br#"","created_at":"2026-11-01T00:00:00.000Z","updated_at":"2026-11-01T00:00:00.000Z","fields":{"full_name":"x","aliases":["#);
    wide.extend(std::iter::repeat_n(*b"0,", 100_000_000).flatten());
    wide.extend_from_slice(b"0]}}]}");
    seal(&archive(&wide, b"readme", 1, false)?, recipient, &dir.join("wide_json.age"))?;
    drop(wide);

    let mut nested = vec![b'['; 100 * 1024 * 1024];
    nested.extend(std::iter::repeat_n(b']', 100 * 1024 * 1024));
    seal(&archive(&nested, b"readme", 1, false)?, recipient, &dir.join("nested_json.age"))?;
    Ok(())
}
