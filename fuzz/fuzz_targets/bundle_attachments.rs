//! The attachments of a version-3 bundle (docs/formats/bundle.md section 9) on arbitrary bytes:
//! the input is split (its first two bytes, little-endian) into a `manifest.json` and one
//! attachment's content; the archive around them holds one case and is signed properly by a
//! fixed key, so that mutations reach the attachment checks (entry names, the manifest's list,
//! sizes, hashes, cases). For inputs whose third byte is even, the manifest's signer and its
//! first attachment's size and hash are set from the content first, so that mutations get past
//! those checks too. Checks besides "no panic": an accepted bundle holds exactly one attachment,
//! inside the archive, whose bytes hash to what the bundle says, and `bundle::stream_entry`
//! gives them back.
#![no_main]

use std::sync::OnceLock;

use casebook::export::zipstream::ZipStream;
use casebook::export::{bundle, import, manifest, sshsig};
use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fn key() -> &'static SigningKey {
    static K: OnceLock<SigningKey> = OnceLock::new();
    K.get_or_init(|| SigningKey::from_bytes(&[7; 32]))
}

const CASE: &str = "01a2428a-b3de-8506-9454-34088037e22d";
const FALLBACK: &str = "attachments/01a2428a-b3de-8606-9454-34088037e22e/scan.pdf";

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let split = (u16::from_le_bytes([data[0], data[1]]) as usize).min(data.len() - 3);
    let fix = data[2] % 2 == 0;
    let (text, file) = data[3..].split_at(split);
    let mut manifest = text.to_vec();
    let mut entry = FALLBACK.to_string();
    if let Ok(mut m) = serde_json::from_slice::<serde_json::Value>(text) {
        if let Some(e) = m["attachments"][0]["entry"].as_str() {
            entry = e.to_string();
        }
        if fix && m.is_object() {
            m["signer"] = sshsig::public_line(&key().verifying_key()).into();
            if m["attachments"][0].is_object() {
                m["attachments"][0]["size"] = file.len().into();
                m["attachments"][0]["sha256"] = casebook::hex::encode(&Sha256::digest(file)).into();
            }
            manifest = serde_json::to_vec(&m).unwrap();
        }
    }
    let cases = format!(
        r#"{{"format":"casebook-cases","version":3,"profile":"full","cases":[{{"id":"{CASE}","fields":{{"full_name":"x"}},"notes":[],"tasks":[],"events":[]}}]}}"#
    );
    let small: [(&str, &[u8]); 4] = [
        ("manifest.json", &manifest),
        ("cases.json", cases.as_bytes()),
        ("cases.csv", b"id\r\n"),
        ("README.txt", b"r"),
    ];
    let mut hashes: Vec<(String, [u8; 32])> =
        small.iter().map(|(n, b)| (n.to_string(), Sha256::digest(b).into())).collect();
    hashes.push((entry.clone(), Sha256::digest(file).into()));
    let sums = manifest::sums_of(&hashes);
    let sig = sshsig::sign(key(), sums.as_bytes());
    let mut z = ZipStream::new(Vec::new());
    let mut built = small.iter().try_for_each(|(n, b)| z.add_deflated(n, b));
    built = built.and_then(|()| z.add_deflated("SHA256SUMS", sums.as_bytes()));
    built = built.and_then(|()| z.add_deflated("SHA256SUMS.sig", sig.as_bytes()));
    let crc = crc32fast::hash(file);
    built = built.and_then(|()| {
        z.add_stored(&entry, file.len() as u64, crc, |w| w.write_all(file).map_err(|e| casebook::Error::io("fuzz", e)))
    });
    if built.is_err() {
        return;
    }
    let Ok(zip) = z.finish() else { return };
    if let Ok(b) = import::check(&zip, [0; 32]) {
        assert_eq!(b.attachments.len(), 1, "exactly the one attachment");
        let a = &b.attachments[0];
        let end = a.entry.data_at + a.entry.size;
        assert!(end <= zip.len() as u64, "the attachment lies inside the archive");
        assert_eq!(<[u8; 32]>::from(Sha256::digest(&zip[a.entry.data_at as usize..end as usize])), a.sha256);
        let (archive, mut src) = bundle::read_from(std::io::Cursor::new(&zip[..])).unwrap();
        let mut back = Vec::new();
        bundle::stream_entry(&mut src, &archive.attachments[0], &mut back).unwrap();
        assert_eq!(back, file, "the entry streams back as the content");
    }
});
