//! Hostile version-3 bundles (docs/formats/bundle.md section 9.2): what a damaged file, a
//! sender with its own signing key or a member swapping another's file can do is refused in
//! words before anything is planned, and a forged bundle that passes every check may only add
//! new attachments, never replace one this vault has. A control bundle forged the same way but
//! left intact imports, so that every refusal below is the check's and not the forger's.

mod common;

use std::collections::BTreeMap;

use casebook::attach::vault::{self as attach, AttachOptions};
use casebook::export::zipstream::ZipStream;
use casebook::export::{
    self, bundle, crypt, manifest, sshsig, Attachments, Pick, Profile, Protection, Request, Selection,
};
use casebook::secret::Passphrase;
use casebook::store::Store;
use common::*;

const LOG_N: u8 = 10;

fn bundle_pass() -> Passphrase {
    pass("a bundle passphrase for tests")
}

/// A change a forger makes to the manifest and the files.
type Edit = dyn Fn(&mut serde_json::Value, &mut Vec<(String, Vec<u8>)>);

struct Plain {
    small: BTreeMap<String, Vec<u8>>,
    files: Vec<(String, Vec<u8>)>,
}

/// The archive of a real export with two attachments, opened.
fn exported(store: &mut Store, tmp: &std::path::Path) -> (Vec<u8>, Plain, [u8; 16]) {
    let case = *store.add_case(&serde_json::from_str(r#"{"full_name": "Юрий Жуков"}"#).unwrap()).unwrap().as_bytes();
    for (name, bytes) in [("summons.pdf", b"%PDF-1.4 the summons".to_vec()), ("id.bin", vec![7u8; 70_000])] {
        let f = tmp.join(name);
        std::fs::write(&f, bytes).unwrap();
        attach::attach_file(store, &case, &f, &AttachOptions::default()).unwrap();
    }
    let protection = Protection::Passphrase(bundle_pass(), LOG_N);
    let req = Request {
        selection: &Selection::All,
        profile: Profile::Full,
        protection: &protection,
        partner: None,
        in_reply_to: None,
        options: Default::default(),
    };
    let out = tmp.join("bundle.age");
    let with = Attachments { pick: Pick::All, keep_metadata: false };
    export::export_to_file(store, uuid::Uuid::nil(), &req, &with, &out).unwrap();
    let zip = crypt::decrypt(&std::fs::read(&out).unwrap(), crypt::Key::Passphrase(&bundle_pass())).unwrap();
    let (archive, mut src) = bundle::read_from(std::io::Cursor::new(zip.clone())).unwrap();
    let mut files = Vec::new();
    for e in &archive.attachments {
        let mut bytes = Vec::new();
        bundle::stream_entry(&mut src, e, &mut bytes).unwrap();
        files.push((e.name.clone(), bytes));
    }
    (zip, Plain { small: archive.entries, files }, case)
}

/// Re-signs a bundle with a sender's own key after `edit` changed its manifest and files.
fn forge(
    p: &Plain,
    key: &ed25519_dalek::SigningKey,
    edit: impl FnOnce(&mut serde_json::Value, &mut Vec<(String, Vec<u8>)>),
) -> Vec<u8> {
    let mut m: serde_json::Value = serde_json::from_slice(&p.small["manifest.json"]).unwrap();
    let mut files = p.files.clone();
    edit(&mut m, &mut files);
    m["signer"] = sshsig::public_line(&key.verifying_key()).into();
    let manifest = serde_json::to_vec_pretty(&m).unwrap();
    let mut hashes: Vec<(String, [u8; 32])> = Vec::new();
    let mut small: Vec<(&str, Vec<u8>)> = vec![("manifest.json", manifest)];
    for n in ["cases.json", "cases.csv", "README.txt"] {
        small.push((n, p.small[n].clone()));
    }
    use sha2::Digest;
    for (n, b) in &small {
        hashes.push((n.to_string(), sha2::Sha256::digest(b).into()));
    }
    for (n, b) in &files {
        hashes.push((n.clone(), sha2::Sha256::digest(b).into()));
    }
    let sums = manifest::sums_of(&hashes);
    small.push(("SHA256SUMS", sums.clone().into_bytes()));
    small.push(("SHA256SUMS.sig", sshsig::sign(key, sums.as_bytes()).into_bytes()));
    let mut z = ZipStream::new(Vec::new());
    for (n, b) in &small {
        z.add_deflated(n, b).unwrap();
    }
    for (n, b) in &files {
        z.add_stored(n, b.len() as u64, crc32fast::hash(b), |w| {
            w.write_all(b).map_err(|e| casebook::Error::io("t", e))
        })
        .unwrap();
    }
    z.finish().unwrap()
}

fn read(store: &mut Store, zip: &[u8]) -> casebook::Result<export::Bundle> {
    let sealed = crypt::to_passphrase(zip, &bundle_pass(), LOG_N).unwrap();
    export::read_bundle(store, &sealed, Some(&bundle_pass()))
}

fn refused(store: &mut Store, zip: &[u8], what: &str, says: &str) {
    let err = read(store, zip).map(|_| ()).expect_err(what).to_string();
    assert!(err.contains(says), "{what}: {err:?} does not say {says:?}");
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

#[test]
fn damaged_or_forged_attachments_are_refused_before_anything_is_planned() {
    let tmp = tempfile::tempdir().unwrap();
    let (va, _) = new_vault(&tmp.path().join("a"));
    let (vb, _) = new_vault(&tmp.path().join("b"));
    let mut a = store_of(&va, 1);
    let mut b = store_of(&vb, 2);
    let (zip, plain, _) = exported(&mut a, tmp.path());
    let hostile = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);

    // The controls: the real bundle, and one forged by another key but intact.
    assert_eq!(read(&mut b, &zip).unwrap().attachments.len(), 2);
    let intact = forge(&plain, &hostile, |_, _| {});
    assert_eq!(read(&mut b, &intact).unwrap().attachments.len(), 2);

    // Damage without re-signing.
    let at = find(&zip, &[7u8; 64]) + 10;
    let mut flipped = zip.clone();
    flipped[at] ^= 1;
    refused(&mut b, &flipped, "a flipped bit", "checksum is wrong");
    // The same flip with the CRC mended in both headers: the signed hash still catches it.
    let name = &plain.files.iter().find(|(_, b)| b.len() == 70_000).unwrap().0;
    let mut mended = flipped.clone();
    let old = crc32fast::hash(&vec![7u8; 70_000]).to_le_bytes();
    let mut bytes = vec![7u8; 70_000];
    bytes[at - find(&zip, &[7u8; 64])] ^= 1;
    let new = crc32fast::hash(&bytes).to_le_bytes();
    let mut i = 0;
    while let Some(p) = mended[i..].windows(4).position(|w| w == old) {
        mended[i + p..i + p + 4].copy_from_slice(&new);
        i += p + 4;
    }
    refused(&mut b, &mended, "a flipped bit with its CRC mended", "does not match its SHA-256");
    refused(&mut b, &zip[..zip.len() - 100], "a truncated archive", "");
    let mut renamed = zip.clone();
    let n = find(&renamed, name.as_bytes());
    renamed[n + name.len() - 1] = b'X';
    refused(&mut b, &renamed, "an entry renamed in one header", "differs");

    // Forged under another key: each check in words.
    let cases: &[(&str, Box<Edit>, &str)] = &[
        (
            "an attachment the archive lacks",
            Box::new(|_, f| {
                f.pop();
            }),
            "does not list exactly",
        ),
        (
            "a file the manifest does not list",
            Box::new(|m, _| {
                m["attachments"].as_array_mut().unwrap().pop();
            }),
            "does not list exactly",
        ),
        (
            "another hash in the manifest",
            Box::new(|m, _| {
                m["attachments"][0]["sha256"] = "00".repeat(32).into();
            }),
            "size or SHA-256 differs",
        ),
        (
            "another size in the manifest",
            Box::new(|m, _| {
                let s = m["attachments"][0]["size"].as_u64().unwrap();
                m["attachments"][0]["size"] = (s + 1).into();
            }),
            "size or SHA-256 differs",
        ),
        (
            "a file swapped for another's",
            Box::new(move |_, f| {
                let (x, y) = (f[0].1.clone(), f[1].1.clone());
                f[0].1 = y;
                f[1].1 = x;
            }),
            "size or SHA-256 differs",
        ),
        ("version 2 with attachments", Box::new(|m, _| m["version"] = 2.into()), "version"),
        (
            "a case not in the bundle",
            Box::new(|m, _| {
                m["attachments"][0]["case"] = "01a2428a-b3de-8506-9454-34088037e22d".into();
            }),
            "its case is not in the bundle",
        ),
        (
            "a name its entry is not named after",
            Box::new(|m, _| {
                m["attachments"][0]["name"] = "other.pdf".into();
            }),
            "not named after its id and name",
        ),
        (
            "a path for a name",
            Box::new(|m, _| {
                m["attachments"][0]["name"] = "../../.bashrc".into();
            }),
            "not one Casebook stores",
        ),
        (
            "an unknown key",
            Box::new(|m, _| {
                m["attachments"][0]["stripped"] = true.into();
            }),
            "manifest.json does not fit the format",
        ),
    ];
    for (what, edit, says) in cases {
        let forged = forge(&plain, &hostile, |m, f| edit(m, f));
        refused(&mut b, &forged, what, says);
    }
    // Nothing of any of them landed.
    assert_eq!(b.connection().query_row("SELECT count(*) FROM attachments", [], |r| r.get::<_, i64>(0)).unwrap(), 0);
}

#[test]
fn a_forged_bundle_cannot_replace_an_attachment_this_vault_has() {
    let tmp = tempfile::tempdir().unwrap();
    let (va, _) = new_vault(&tmp.path().join("a"));
    let mut a = store_of(&va, 1);
    let (_, plain, case) = exported(&mut a, tmp.path());
    let before = a.attachments_of(&case).unwrap();
    // Another key sends this vault's own attachment ids with other bytes (the names kept).
    let hostile = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]);
    let forged = forge(&plain, &hostile, |m, f| {
        for (i, (_, bytes)) in f.iter_mut().enumerate() {
            *bytes = format!("not the original file {i}").into_bytes();
            use sha2::Digest;
            m["attachments"][i]["size"] = bytes.len().into();
            m["attachments"][i]["sha256"] = casebook::hex::encode(&sha2::Sha256::digest(&*bytes)).into();
        }
    });
    let bundle = read(&mut a, &forged).unwrap();
    let plan = export::plan(&mut a, &bundle).unwrap();
    assert_eq!(plan.trust.class, "unknown");
    assert!(plan.attachments.iter().all(|p| p.action == "refused"), "{:?}", plan.attachments);
    let report = export::apply_planned(&mut a, &bundle, &plan).unwrap();
    assert_eq!(report.attachments, 0);
    assert_eq!(a.attachments_of(&case).unwrap(), before, "nothing of ours changed");
    for info in &before {
        let id = casebook::store::read::parse_id(&info.id).unwrap();
        let mut back = Vec::new();
        attach::read_content(&a, &id, &mut back).unwrap();
        assert!(!String::from_utf8_lossy(&back).contains("not the original"));
    }
}
