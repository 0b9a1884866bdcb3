//! The signed part of a version-2 bundle (docs/formats/bundle.md sections 3.1–3.2) on arbitrary
//! bytes: `manifest::parse_sums`, `sshsig::verify` (the input as a signature of a fixed message,
//! and as a message under a fixed valid signature), `sshsig::parse_public` (lossy UTF-8), and
//! `import::check` of a version-2 archive whose `manifest.json` is the input, signed properly
//! by a fixed key so that mutations get past the signature into the manifest checks.
//! Checks besides "no panic": accepted sums re-serialise to the input; a verified signature
//! names the fixed key; random bytes never verify under it as a message.
#![no_main]

use std::sync::OnceLock;

use casebook::export::{bundle, import, manifest, sshsig};
use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;

fn key() -> &'static SigningKey {
    static K: OnceLock<SigningKey> = OnceLock::new();
    K.get_or_init(|| SigningKey::from_bytes(&[7; 32]))
}

const MESSAGE: &[u8] = b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  README.txt\n";

fn signature() -> &'static String {
    static S: OnceLock<String> = OnceLock::new();
    S.get_or_init(|| sshsig::sign(key(), MESSAGE))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(lines) = manifest::parse_sums(data) {
        let text: String = lines.iter().map(|(n, h)| format!("{}  {n}\n", casebook::hex::encode(h))).collect();
        assert_eq!(text.as_bytes(), data, "accepted sums re-serialise to the input");
    }
    if let Ok(k) = sshsig::verify(data, MESSAGE) {
        assert_eq!(k, key().verifying_key(), "only the fixed key signed the fixed message");
    }
    if data != MESSAGE {
        assert!(sshsig::verify(signature().as_bytes(), data).is_err(), "a signature verifies one message");
    }
    let _ = sshsig::parse_public(&String::from_utf8_lossy(data));
    let (cases, csv, readme) = (br#"{"format":"casebook-cases","version":2,"profile":"full","cases":[]}"#, b"id\r\n", b"r");
    let entries: [(&str, &[u8]); 4] =
        [("manifest.json", data), ("cases.json", cases), ("cases.csv", csv), ("README.txt", readme)];
    let sums = manifest::sums(&entries);
    let sig = sshsig::sign(key(), sums.as_bytes());
    let mut all = entries.to_vec();
    all.push(("SHA256SUMS", sums.as_bytes()));
    all.push(("SHA256SUMS.sig", sig.as_bytes()));
    if let Ok(zip) = bundle::write(&all) {
        let _ = import::check(&zip, [0; 32]);
    }
});
