//! The attachments' CLI contract (issue 13): `attach add|list|get|delete`, round trips of the
//! sizes that matter, a canary in the content, in the Exif and in the file name that never
//! lands readable on disk, tampered blobs refused in words, crashes that leave nothing half
//! done, and metadata stripped from a photo unless it is kept.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn case(cli: &Cli) -> String {
    cli.ok_stdin(&["case", "add", "--json", "-"], r#"{"full_name": "Юрий Жуков"}"#).trim().to_string()
}

fn blobs(cli: &Cli) -> Vec<PathBuf> {
    files_under(&cli.vault.join("blobs")).into_iter().filter(|p| !p.ends_with(".lock")).collect()
}

fn fail(cli: &Cli, args: &[&str]) -> String {
    let out = cli.run(args);
    assert!(!out.status.success(), "casebook {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn attach(cli: &Cli, case: &str, file: &Path, extra: &[&str]) -> String {
    let mut args = vec!["attach", "add", case, file.to_str().unwrap()];
    args.extend_from_slice(extra);
    cli.ok(&args).trim().to_string()
}

fn list(cli: &Cli, case: &str) -> Vec<serde_json::Value> {
    serde_json::from_str::<Vec<serde_json::Value>>(&cli.ok(&["attach", "list", case, "--json"])).unwrap()
}

fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 9) as u8).collect()
}

#[test]
fn attach_then_get_gives_the_same_bytes_for_every_size_that_matters() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    let case = case(&cli);
    let mut ids = Vec::new();
    for (i, size) in [0usize, 1, 65_535, 65_536, 65_537, 20 * 1024 * 1024].into_iter().enumerate() {
        let file = tmp.path().join(format!("file-{size}.bin"));
        std::fs::write(&file, pattern(size, i as u8)).unwrap();
        let id = attach(&cli, &case, &file, &["--label", &format!("size {size}")]);
        let out = tmp.path().join(format!("back-{size}.bin"));
        cli.ok(&["attach", "get", &id, "--out", out.to_str().unwrap()]);
        assert!(std::fs::read(&out).unwrap() == std::fs::read(&file).unwrap(), "size {size}");
        ids.push((id, size));
    }
    let rows = list(&cli, &case);
    assert_eq!(rows.len(), 6);
    for (row, (id, size)) in rows.iter().zip(&ids) {
        assert_eq!(row["id"], id.as_str());
        assert_eq!(row["size"], *size as u64);
        assert_eq!(row["media_type"], "application/octet-stream");
        assert_eq!(row["name"], format!("file-{size}.bin"));
        assert_eq!(row["label"], format!("size {size}"));
        assert_eq!(row["state"], "stored");
        let sha = row["sha256"].as_str().unwrap();
        assert_eq!(sha.len(), 64);
        assert!(row["created_at"].as_str().is_some_and(|t| t.starts_with("20")), "{row}");
        assert_eq!(row["stripped"], false);
    }
    // Get never overwrites a file.
    let taken = tmp.path().join("back-0.bin");
    assert!(fail(&cli, &["attach", "get", &ids[1].0, "--out", taken.to_str().unwrap()]).contains("exists already"));
    assert_eq!(std::fs::read(&taken).unwrap(), b"", "the existing file is untouched");
    // Delete: gone from the list, the blob removed from the vault folder.
    assert_eq!(blobs(&cli).len(), 6);
    cli.ok(&["attach", "delete", &ids[0].0]);
    assert_eq!(list(&cli, &case).len(), 5);
    assert_eq!(blobs(&cli).len(), 5);
    let out = tmp.path().join("deleted.bin");
    assert!(fail(&cli, &["attach", "get", &ids[0].0, "--out", out.to_str().unwrap()]).contains("no attachment with id"));
    assert!(!out.exists());
}

fn utf16(s: &str, big: bool) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| if big { u.to_be_bytes() } else { u.to_le_bytes() }).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_canary_in_the_content_the_exif_and_the_name_never_lands_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    let case = case(&cli);
    let src = tempfile::tempdir().unwrap(); // outside every folder scanned
    const CANARY: &str = "QXZcanaryAttachZhukov";
    let mut content = pattern(200_000, 3);
    content.splice(1000..1000, CANARY.bytes());
    content.splice(90_000..90_000, utf16(CANARY, false));
    content.splice(150_000..150_000, utf16(CANARY, true));
    let named = src.path().join(format!("{CANARY}-NAME.pdf"));
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend_from_slice(&content);
    std::fs::write(&named, &pdf).unwrap();
    let photo = src.path().join("photo.jpg");
    std::fs::write(&photo, jpeg_with_exif(CANARY.as_bytes())).unwrap();
    let a = attach(&cli, &case, &named, &[]);
    let b = attach(&cli, &case, &photo, &["--keep-metadata"]);
    let c = attach(&cli, &case, &photo, &[]);
    cli.ok(&["attach", "list", &case]);
    for (id, name) in [(&a, "a.pdf"), (&b, "b.jpg"), (&c, "c.jpg")] {
        let out = src.path().join(name);
        cli.ok(&["attach", "get", id, "--out", out.to_str().unwrap()]);
    }
    let needles: Vec<Vec<u8>> = vec![CANARY.as_bytes().to_vec(), utf16(CANARY, false), utf16(CANARY, true)];
    let mut scanned = 0;
    for dir in [&cli.vault, &cli.tmp, &cli.home] {
        for f in files_under(dir) {
            let bytes = std::fs::read(&f).unwrap();
            scanned += 1;
            for n in &needles {
                assert!(!contains(&bytes, n), "the canary is readable in {}", f.display());
            }
            assert!(!f.to_string_lossy().contains(CANARY), "the canary names {}", f.display());
        }
    }
    assert!(scanned >= 5, "the vault folder holds the database and three blobs");
}

#[test]
fn a_photo_loses_its_gps_and_camera_unless_they_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    let case = case(&cli);
    let photo = tmp.path().join("IMG_0042.jpg");
    let original = jpeg_with_exif(b"CANARY-PHONE-MAKE");
    std::fs::write(&photo, &original).unwrap();
    let out = cli.run(&["attach", "add", &case, photo.to_str().unwrap()]);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("metadata gps") && said.contains("removed"), "{said}");
    let stripped_id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let kept_id = attach(&cli, &case, &photo, &["--keep-metadata"]);
    let (s, k) = (tmp.path().join("s.jpg"), tmp.path().join("k.jpg"));
    cli.ok(&["attach", "get", &stripped_id, "--out", s.to_str().unwrap()]);
    cli.ok(&["attach", "get", &kept_id, "--out", k.to_str().unwrap()]);
    let s = std::fs::read(&s).unwrap();
    assert!(!contains(&s, b"CANARY-PHONE-MAKE") && !contains(&s, b"Exif"), "GPS and camera are gone");
    assert!(s.ends_with(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD9]), "the image data is untouched");
    assert_eq!(std::fs::read(&k).unwrap(), original, "kept: byte for byte");
    let rows = list(&cli, &case);
    assert_eq!((rows[0]["stripped"].as_bool(), rows[1]["stripped"].as_bool()), (Some(true), Some(false)));
    assert_eq!(rows[0]["media_type"], "image/jpeg");
    // A damaged photo is not half stripped: refused, with what to do.
    std::fs::write(&photo, &original[..original.len() - 4]).unwrap();
    assert!(fail(&cli, &["attach", "add", &case, photo.to_str().unwrap()]).contains("--keep-metadata"));
    assert_eq!(list(&cli, &case).len(), 2);
}

#[test]
fn a_changed_blob_is_refused_in_words_and_nothing_of_it_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    let case = case(&cli);
    let a_file = tmp.path().join("a.bin");
    let b_file = tmp.path().join("b.bin");
    std::fs::write(&a_file, pattern(300_000, 1)).unwrap();
    std::fs::write(&b_file, pattern(300_000, 2)).unwrap();
    let a = attach(&cli, &case, &a_file, &[]);
    let before = blobs(&cli);
    let b = attach(&cli, &case, &b_file, &[]);
    let a_blob = before[0].clone();
    let b_blob = blobs(&cli).into_iter().find(|p| *p != a_blob).unwrap();
    let original = std::fs::read(&a_blob).unwrap();
    let get = |what: &str| {
        let out = tmp.path().join(format!("out-{what}.bin"));
        let err = fail(&cli, &["attach", "get", &a, "--out", out.to_str().unwrap()]);
        assert!(!out.exists(), "{what}: nothing is left behind");
        err
    };
    let mut flipped = original.clone();
    flipped[100_000] ^= 1;
    std::fs::write(&a_blob, &flipped).unwrap();
    assert!(get("flipped").contains("changed or replaced"));
    std::fs::write(&a_blob, &original[..original.len() - 70_000]).unwrap();
    assert!(get("truncated").contains("not complete yet, or damaged"));
    let mut swapped = original.clone();
    let (c, h) = (65_536 + 16, 43);
    let (one, two) = (swapped[h..h + c].to_vec(), swapped[h + c..h + 2 * c].to_vec());
    swapped[h..h + c].copy_from_slice(&two);
    swapped[h + c..h + 2 * c].copy_from_slice(&one);
    std::fs::write(&a_blob, &swapped).unwrap();
    assert!(get("swapped").contains("changed or replaced"));
    std::fs::copy(&b_blob, &a_blob).unwrap();
    assert!(get("another attachment's blob").contains("changed or replaced"));
    std::fs::write(&a_blob, &original).unwrap();
    let out = tmp.path().join("ok.bin");
    cli.ok(&["attach", "get", &a, "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&a_file).unwrap());
    let _ = b;
}

#[test]
fn a_crash_while_attaching_leaves_no_record_and_no_blob() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    let case = case(&cli);
    let file = tmp.path().join("scan.bin");
    std::fs::write(&file, pattern(500_000, 9)).unwrap();
    for point in ["attach-sealed", "attach-before-commit"] {
        let out = cli
            .cmd(&["attach", "add", &case, file.to_str().unwrap()])
            .env("CASEBOOK_CRASH_AT", point)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{point}: the process ended there");
        assert!(!blobs(&cli).is_empty(), "{point}: a blob file was left by the crash");
        assert!(list(&cli, &case).is_empty(), "{point}: no record");
        assert!(blobs(&cli).is_empty(), "{point}: the next unlock swept the blob away");
    }
    let id = attach(&cli, &case, &file, &[]);
    assert_eq!(list(&cli, &case)[0]["id"], id.as_str());
    assert_eq!(blobs(&cli).len(), 1);
}

#[test]
fn what_is_not_a_regular_file_or_too_large_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let cli = Cli::new(tmp.path());
    cli.init();
    let case = case(&cli);
    assert!(fail(&cli, &["attach", "add", &case, tmp.path().to_str().unwrap()]).contains("not a regular file"));
    let big = tmp.path().join("big.bin");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(256 * 1024 * 1024 + 1).unwrap();
    assert!(fail(&cli, &["attach", "add", &case, big.to_str().unwrap()]).contains("at most 256 MiB"));
    #[cfg(unix)]
    {
        let fifo = tmp.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let start = std::time::Instant::now();
        assert!(fail(&cli, &["attach", "add", &case, fifo.to_str().unwrap()]).contains("not a regular file"));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
    let missing = "0193b3c4-0000-7000-8000-000000000000";
    assert!(fail(&cli, &["attach", "list", missing]).contains("no case with id"));
    assert!(blobs(&cli).is_empty());
}
